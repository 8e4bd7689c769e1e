/*
 * dhcp6cctl.c: run mnd's DHCPv6 prefix-delegation client (mn/dhcp6c.h
 * and its edge mn/dhcp6c_io.h) on one interface and print what happens,
 * for tests/dhcp6_test.sh (PROTOCOL.md D.4).
 *
 * usage: dhcp6cctl -i IFNAME [options]
 *        dhcp6cctl -f MND.CONF [-i IFNAME] [-u N] [-x] [-w SECS] [-v]
 *
 *   -f FILE   take the client settings from the dhcp6 section of an
 *             mnd.conf and run them as mnd does (dhcp6c_set_open: one
 *             client per interface, one DUID); the output follows
 *             IFNAME (default: the section's first interface)
 *   -t TYPE   continuity type to ask: any, fixed, session-lasting,
 *             non-persistent, graceful-replacement, or none (a legacy
 *             client; default session-lasting)
 *   -a ADDR   Anchor Preference option for ADDR; -R: required
 *   -l PLEN   prefix length hint (default none)
 *   -F N      fallback after N unanswered transmissions (default 4)
 *   -r SECS   remember a server without the option SECS (default 3600)
 *   -o        accept the option outside the IAPREFIX (Kea placement)
 *   -M        release on a type mismatch (D.4 rule 3)
 *   -c CODE   continuity option code (default 65001)
 *   -u N      stay bound until N RENEW/REBIND were answered (default 0)
 *   -E        after that, also wait until the memory expired and one
 *             more RENEW was answered (the option is tried again)
 *   -n N      after binding, N link changes (REBIND, or SOLICIT)
 *   -x        RELEASE at the end and wait for its REPLY
 *   -w SECS   give up after SECS (default 30)
 *   -v        debug logs on stderr
 *
 * Output, one event per line (key=value):
 *   tx|rx TYPE xid=HEX server=DUID|- prefix=P/L|- lifetimes=PREF/VALID
 *         continuity=TYPE|none placement=iaprefix|ia_pd|message|none
 *         anchor=yes|no status=NAME|-
 *   rx malformed len=N
 *   event bound|renewed|lost|released prefix=P/L continuity=TYPE
 * and at the end:
 *   result prefix=P/L preferred= valid= t1= t2= server=DUID
 *   result continuity=TYPE granted|non-persistent (server does not
 *          support the option)  mismatch=yes|no
 *   remembered server=DUID|link why="..." expires_in=SECS
 *   stats tx= tx_with_option= fallbacks= remembered= retried=
 *         violations= mismatches= drops= drop_malformed= ...
 * Exit status: 0 the goal was reached, 1 not in time, 2 usage/set-up.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_dhcp6.h"
#include "dhcp6_ext.h"
#include "dhcp6c.h"
#include "dhcp6c_io.h"
#include "evloop.h"
#include "log.h"

struct run {
	struct evloop		*loop;
	struct dhcp6c_io	*io;
	struct dhcp6_codes	 codes;
	unsigned		 renewals, renew_goal;
	unsigned		 relinks;
	bool			 retry_goal;
	bool			 memory_seen, memory_gone;
	unsigned		 renewals_after_gone;
	bool			 bound_once, released, stop;
	bool			 have_last;	/* the lease at the end */
	struct dhcp6c_lease	 last;
};

static void
usage(void)
{
	fprintf(stderr, "usage: dhcp6cctl -i IFNAME [-t TYPE|none] [-a ADDR "
	    "[-R]] [-l PLEN] [-F N]\n\t[-r SECS] [-o] [-M] [-c CODE] [-u N] "
	    "[-E] [-n N] [-x] [-w SECS] [-v]\n"
	    "       dhcp6cctl -f MND.CONF [-i IFNAME] [-u N] [-x] [-w SECS] "
	    "[-v]\n");
	exit(2);
}

static const char *
prefix_s(const struct in6_addr *a, unsigned plen, char *buf, size_t cap)
{
	char p[INET6_ADDRSTRLEN];

	snprintf(buf, cap, "%s/%u", inet_ntop(AF_INET6, a, p, sizeof(p)),
	    plen);
	return buf;
}

/* Where the continuity option sits in a message about IA_PD 0. */
static void
describe(const struct dhcp6_msg *m, const struct dhcp6_ext *e,
    const char **place, int *type)
{
	const struct dhcp6_ia_pd *ia = m->n_ia_pd ? &m->ia_pd[0] : NULL;

	*place = "none";
	*type = -1;
	if (ia != NULL && ia->n_prefix > 0 &&
	    ia->prefix[0].o.has_continuity) {
		*place = "iaprefix";
		*type = ia->prefix[0].o.cont_type;
	} else if (e->n_ia_pd > 0 && e->ia_pd[0].has_cont) {
		*place = "ia_pd";
		*type = e->ia_pd[0].cont_type;
	} else if (e->has_cont) {
		*place = "message";
		*type = e->cont_type;
	}
}

static const char *
status_s(const struct dhcp6_msg *m)
{
	if (m->status.has)
		return dhcp6_status_name(m->status.code);
	if (m->n_ia_pd > 0 && m->ia_pd[0].status.has)
		return dhcp6_status_name(m->ia_pd[0].status.code);
	return "-";
}

static void
trace(void *arg, const char *ifname, bool out, const uint8_t *buf,
    size_t len)
{
	struct run *r = arg;
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	const struct dhcp6_prefix *p = NULL;
	char d[2 * DHCP6_DUID_MAX + 1], pb[INET6_ADDRSTRLEN + 8];
	const char *place;
	int type;

	(void)ifname;
	if (dhcp6_parse(buf, len, &r->codes, &m) != DHCP6_OK ||
	    dhcp6_ext_parse(buf, len, &r->codes, &e) != DHCP6_OK) {
		printf("%s malformed len=%zu\n", out ? "tx" : "rx", len);
		fflush(stdout);
		return;
	}
	describe(&m, &e, &place, &type);
	if (m.n_ia_pd > 0 && m.ia_pd[0].n_prefix > 0)
		p = &m.ia_pd[0].prefix[0];
	printf("%s %s xid=%06x server=%s prefix=%s lifetimes=%u/%u "
	    "continuity=%s placement=%s anchor=%s status=%s\n",
	    out ? "tx" : "rx", dhcp6_msg_name(m.type), m.xid,
	    m.serverid.len ? dhcp6_duid_str(&m.serverid, d, sizeof(d)) : "-",
	    p != NULL ? prefix_s(&p->prefix, p->plen, pb, sizeof(pb)) : "-",
	    p != NULL ? p->preferred : 0, p != NULL ? p->valid : 0,
	    type >= 0 ? dhcp6_cont_name((uint8_t)type) : "none", place,
	    p != NULL && p->o.has_anchor ? "yes" : "no", status_s(&m));
	fflush(stdout);
}

static void
on_lease(void *arg, const char *ifname, enum dhcp6c_event ev,
    const struct dhcp6c_lease *l)
{
	struct run *r = arg;
	char pb[INET6_ADDRSTRLEN + 8];

	(void)ifname;
	printf("event %s prefix=%s continuity=%s%s\n", dhcp6c_event_name(ev),
	    prefix_s(&l->prefix, l->plen, pb, sizeof(pb)),
	    dhcp6_cont_name(l->cont_type), l->has_cont ? " granted" : "");
	fflush(stdout);
	switch (ev) {
	case DHCP6C_EV_BOUND:
		r->bound_once = true;
		break;
	case DHCP6C_EV_RENEWED:
		r->renewals++;
		if (r->memory_gone)
			r->renewals_after_gone++;
		break;
	case DHCP6C_EV_RELEASED:
		r->released = true;
		break;
	default:
		break;
	}
}

static void
on_signal(int signo, void *arg)
{
	struct run *r = arg;

	(void)signo;
	r->stop = true;
	evloop_break(r->loop);
}

static void
print_end(struct run *r)
{
	struct dhcp6c *c = dhcp6c_io_engine(r->io);
	const struct dhcp6c_lease *l = r->have_last ? &r->last :
	    dhcp6c_lease(c);
	const struct dhcp6c_stats *s = dhcp6c_stats(c);
	const struct dhcp6c_io_stats *is = dhcp6c_io_stats(r->io);
	const struct dhcp6c_memory *mem;
	size_t n = dhcp6c_memory(c, &mem);
	uint64_t now = evloop_clock_ms();
	char d[2 * DHCP6_DUID_MAX + 1], pb[INET6_ADDRSTRLEN + 8];

	printf("result state=%s\n", dhcp6c_state_name(dhcp6c_state(c)));
	if (l != NULL) {
		printf("result prefix=%s preferred=%u valid=%u t1=%u t2=%u "
		    "server=%s\n", prefix_s(&l->prefix, l->plen, pb,
		    sizeof(pb)), l->preferred, l->valid, l->t1, l->t2,
		    dhcp6_duid_str(&l->server, d, sizeof(d)));
		if (l->has_cont)
			printf("result continuity=%s granted%s mismatch=%s\n",
			    dhcp6_cont_name(l->cont_type), l->outer ?
			    " (outside the IAPREFIX)" : "",
			    l->mismatch ? "yes" : "no");
		else
			printf("result continuity=non-persistent (server does "
			    "not support the option) mismatch=no\n");
	}
	for (size_t i = 0; i < n; i++)
		printf("remembered server=%s why=\"%s\" expires_in=%" PRIu64
		    "\n", mem[i].server.len ? dhcp6_duid_str(&mem[i].server,
		    d, sizeof(d)) : "link", dhcp6c_why_name(mem[i].why),
		    mem[i].expiry_ms > now ? (mem[i].expiry_ms - now) / 1000 :
		    0);
	printf("stats tx=%" PRIu64 " tx_with_option=%" PRIu64 " fallbacks=%"
	    PRIu64 " remembered=%" PRIu64 " retried=%" PRIu64 " violations=%"
	    PRIu64 " mismatches=%" PRIu64 " drops=%" PRIu64
	    " drop_malformed=%" PRIu64 " drop_type=%" PRIu64 " drop_xid=%"
	    PRIu64 " drop_clientid=%" PRIu64 " drop_serverid=%" PRIu64
	    " rx=%" PRIu64 " bound=%" PRIu64 " renewed=%" PRIu64 " lost=%"
	    PRIu64 " tx_errors=%" PRIu64 " rx_bad_source=%" PRIu64 "\n",
	    s->tx, s->tx_with_option, s->fallbacks, s->remembered, s->retried,
	    s->violations, s->mismatches, s->drop_malformed + s->drop_type +
	    s->drop_xid + s->drop_clientid + s->drop_serverid +
	    s->drop_no_prefix, s->drop_malformed, s->drop_type, s->drop_xid,
	    s->drop_clientid, s->drop_serverid, s->rx, s->bound, s->renewed,
	    s->lost, s->tx_errors + is->tx_errors, is->rx_bad_source);
	fflush(stdout);
}

/* Is what we came for done? */
static bool
done(struct run *r)
{
	struct dhcp6c *c = dhcp6c_io_engine(r->io);
	const struct dhcp6c_memory *mem;
	size_t n = dhcp6c_memory(c, &mem);

	if (n > 0)
		r->memory_seen = true;
	else if (r->memory_seen)
		r->memory_gone = true;
	if (!r->bound_once || r->renewals < r->renew_goal || r->relinks > 0)
		return false;
	if (r->retry_goal && (!r->memory_gone || r->renewals_after_gone == 0))
		return false;
	return dhcp6c_state(c) == DHCP6C_BOUND;
}

static void
parse_opts(int argc, char **argv, struct dhcp6c_cfg *cfg, struct run *r,
    unsigned *wait_s, bool *release, bool *verbose, const char **conf)
{
	int ch, v;

	while ((ch = getopt(argc, argv, "i:t:a:Rl:F:r:oMc:u:En:xw:vf:")) !=
	    -1) {
		switch (ch) {
		case 'f':
			*conf = optarg;
			break;
		case 'i':
			snprintf(cfg->ifname, sizeof(cfg->ifname), "%s",
			    optarg);
			break;
		case 't':
			if (strcmp(optarg, "none") == 0)
				cfg->ask = false;
			else if ((v = dhcp6_cont_from_name(optarg)) >= 0) {
				cfg->ask = true;
				cfg->want = (uint8_t)v;
			} else
				usage();
			break;
		case 'a':
			if (inet_pton(AF_INET6, optarg, &cfg->anchor) != 1)
				usage();
			cfg->has_anchor = true;
			break;
		case 'R':
			cfg->anchor_required = true;
			break;
		case 'l':
			cfg->plen_hint = (uint8_t)strtoul(optarg, NULL, 10);
			break;
		case 'F':
			cfg->fallback_after = (unsigned)strtoul(optarg, NULL,
			    10);
			break;
		case 'r':
			cfg->retry_later_s = (unsigned)strtoul(optarg, NULL,
			    10);
			break;
		case 'o':
			cfg->accept_outer = true;
			break;
		case 'M':
			cfg->release_on_mismatch = true;
			break;
		case 'c':
			cfg->codes.continuity = (uint16_t)strtoul(optarg,
			    NULL, 10);
			break;
		case 'u':
			r->renew_goal = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'E':
			r->retry_goal = true;
			break;
		case 'n':
			r->relinks = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'x':
			*release = true;
			break;
		case 'w':
			*wait_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'v':
			*verbose = true;
			break;
		default:
			usage();
		}
	}
	if ((cfg->ifname[0] == '\0' && *conf == NULL) || optind != argc)
		usage();
}

/* -f: mnd's way, from the config section. */
static int
open_set(struct run *r, const char *path, const char *ifname,
    struct mnd_conf *mc, struct dhcp6c_set **set)
{
	if (mnd_conf_load(path, mc) == -1)
		return -1;
	if (mc->dhcp6 == NULL || mc->dhcp6->ninterfaces == 0) {
		fprintf(stderr, "dhcp6cctl: %s has no dhcp6 section\n", path);
		return -1;
	}
	r->codes = mc->dhcp6->codes;
	if ((*set = dhcp6c_set_open(r->loop, mc->dhcp6, on_lease, r)) ==
	    NULL || (r->io = dhcp6c_set_get(*set, ifname[0] != '\0' ?
	    ifname : mc->dhcp6->interfaces[0])) == NULL) {
		fprintf(stderr, "dhcp6cctl: no client on that interface\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct dhcp6c_cfg cfg;
	struct run r;
	unsigned wait_s = 30;
	bool release = false, verbose = false, ok;
	uint64_t deadline;
	const char *conf = NULL;
	struct mnd_conf mc;
	struct dhcp6c_set *set = NULL;

	memset(&cfg, 0, sizeof(cfg));
	memset(&r, 0, sizeof(r));
	dhcp6_codes_default(&cfg.codes);
	cfg.ask = true;
	cfg.want = CONT_SESSION_LASTING;
	cfg.fallback_after = CONF_DHCP6_FALLBACK_DEFAULT;
	cfg.retry_later_s = CONF_DHCP6_RETRY_LATER_DEFAULT;
	memset(&mc, 0, sizeof(mc));
	parse_opts(argc, argv, &cfg, &r, &wait_s, &release, &verbose, &conf);
	r.codes = cfg.codes;
	log_init("dhcp6cctl", 1, verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((r.loop = evloop_new()) == NULL) {
		perror("dhcp6cctl: event loop");
		return 2;
	}
	if (evloop_on_signal(r.loop, SIGTERM, on_signal, &r) == -1 ||
	    evloop_on_signal(r.loop, SIGINT, on_signal, &r) == -1 ||
	    (conf != NULL && open_set(&r, conf, cfg.ifname, &mc, &set) == -1) ||
	    (conf == NULL && (r.io = dhcp6c_io_open(r.loop, &cfg,
	    evloop_clock_ms() ^ (uint64_t)getpid(), on_lease, &r)) == NULL)) {
		dhcp6c_set_close(set);
		mnd_conf_free(&mc);
		evloop_free(r.loop);
		return 2;
	}
	dhcp6c_io_set_trace(r.io, trace, &r);
	deadline = evloop_clock_ms() + (uint64_t)wait_s * 1000;
	while (!r.stop && evloop_clock_ms() < deadline && !done(&r)) {
		if (r.bound_once && r.relinks > 0 &&
		    dhcp6c_state(dhcp6c_io_engine(r.io)) == DHCP6C_BOUND) {
			r.relinks--;
			printf("relink\n");
			dhcp6c_io_link_changed(r.io);
		}
		if (evloop_once(r.loop, 100) == -1)
			break;
	}
	ok = done(&r);
	if (dhcp6c_lease(dhcp6c_io_engine(r.io)) != NULL) {
		r.last = *dhcp6c_lease(dhcp6c_io_engine(r.io));
		r.have_last = true;	/* the result, before any RELEASE */
	}
	if (ok && release) {
		dhcp6c_io_release(r.io);
		deadline = evloop_clock_ms() + 10000;
		while (!r.stop && dhcp6c_io_releasing(r.io) &&
		    evloop_clock_ms() < deadline)
			evloop_once(r.loop, 100);
		ok = r.released && !dhcp6c_io_releasing(r.io);
	}
	print_end(&r);
	if (set != NULL)
		dhcp6c_set_close(set);
	else
		dhcp6c_io_close(r.io);
	mnd_conf_free(&mc);
	evloop_free(r.loop);
	return ok ? 0 : 1;
}
