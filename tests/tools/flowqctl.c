/*
 * flowqctl.c: the flow classifier of mnd run standalone (PROTOCOL.md
 * G.1, G.2): mn/nfq (queues and chains) + mn/pktparse + mn/policy +
 * mn/flowtab, for tests/flowq_test.sh and bench/.
 *
 *   flowqctl [-qvnPIF] [-c mnd.conf] [-o QOUT] [-p QPRE] [-m MAXLEN]
 *            [-a ANCHOR] [-i IDLE_S] [-R ip6tables-restore]
 *
 *   -c  policy table, default type and HoA from this mnd.conf (without
 *       it: no rows, non-persistent, no HoA)
 *   -o, -p  queue numbers for OUTPUT / PREROUTING (0, 1); -P: no
 *       PREROUTING queue; -I: queue ICMPv6 echo requests too
 *   -m  queue length bound (8192); -F: no fail-open
 *   -a  the anchor slot to give flows that need a DHoA (stands in for
 *       G.3; default 0: released unanchored)
 *   -i  forget flows after this many idle seconds (120)
 *   -n  do not install or remove the chains (someone else does)
 *   -q  no per-flow lines; -v verbose log
 *
 * Prints one line per decision on stdout (line-buffered):
 *   flow <proto> [<src>]:<sp> -> [<dst>]:<dp> hook <out|pre> type <t>
 *        rule <name> mark 0x<m>
 * (one line) and, on SIGUSR1 and at exit, a "stats ..." line. SIGTERM /
 * SIGINT: remove the chains, print stats, exit 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "evloop.h"
#include "flowtab.h"
#include "log.h"
#include "nfq.h"
#include "pktparse.h"
#include "policy.h"

struct ctl {
	struct evloop		*el;
	struct flowq		*q;
	struct flowq_conf	 qc;
	struct policy_table	 pt;
	struct flowtab		 ft;
	struct timer		 tick;
	uint8_t			 anchor;	/* -a */
	uint64_t		 idle_ms;
	bool			 quiet;
	uint64_t		 decisions, unparsed;
	int			 rc;
};

static void
usage(void)
{
	fprintf(stderr, "usage: flowqctl [-qvnPIF] [-c mnd.conf] [-o QOUT] "
	    "[-p QPRE] [-m MAXLEN] [-a ANCHOR] [-i IDLE_S] "
	    "[-R ip6tables-restore]\n");
	exit(2);
}

static void
print_flow(const struct pkt_info *pi, enum flow_hook hook,
    const struct policy_decision *d)
{
	char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN], pb[8];

	inet_ntop(AF_INET6, &pi->src, s, sizeof(s));
	inet_ntop(AF_INET6, &pi->dst, t, sizeof(t));
	printf("flow %s [%s]:%u -> [%s]:%u hook %s type %s rule %s "
	    "mark 0x%x\n", pkt_proto_name(pi->proto, pb, sizeof(pb)), s,
	    pi->sport, t, pi->dport, flow_hook_name(hook),
	    policy_type_name(d->type), d->name, d->mark);
}

static int
decide(const struct flowq_pkt *p, uint32_t *mark, void *arg)
{
	struct ctl *c = arg;
	struct policy_pkt pp;
	struct policy_decision d;
	struct pkt_info pi;
	struct flow_key k;
	struct flow *f;
	int rc;

	memset(&pp, 0, sizeof(pp));
	pp.hook = p->hook;
	pp.has_uid = p->has_uid;
	pp.uid = p->uid;
	pp.has_gid = p->has_gid;
	pp.gid = p->gid;
	if ((rc = pkt_parse(p->data, p->len, &pi)) != PKT_OK) {
		policy_decide(&c->pt, &pp, &d);
		log_debug("packet %u: %s -> released unclassified", p->id,
		    pkt_strerror(rc));
		c->unparsed++;
		if (!c->quiet)
			printf("unparsed hook %s error %s mark 0x%x\n",
			    flow_hook_name(p->hook), pkt_strerror(rc), d.mark);
		*mark = d.mark;
		return FLOWQ_ACCEPT;
	}
	flow_key_from_pkt(&k, &pi);
	/* An early packet queued again (TESTBED.md 2): same decision. */
	if ((f = flowtab_find_conn(&c->ft, &k, NULL)) != NULL) {
		flowtab_seen(&c->ft, f);
		*mark = f->mark;
		return FLOWQ_ACCEPT;
	}
	pp.pkt = &pi;
	policy_decide(&c->pt, &pp, &d);
	if (d.needs_anchor)	/* G.3 stand-in: a fixed slot, or none */
		policy_decision_set_anchor(&d, c->anchor, c->anchor != 0);
	if (flowtab_add(&c->ft, &k, p->hook, &d, evloop_now_ms(c->el)) ==
	    NULL)
		log_warn("flow table");
	c->decisions++;
	if (!c->quiet)
		print_flow(&pi, p->hook, &d);
	*mark = d.mark;
	return FLOWQ_ACCEPT;
}

static void
print_stats(struct ctl *c)
{
	const struct flowq_stats *s = flowq_get_stats(c->q);
	struct flowq_kstats ko, kp;

	flowq_kernel_stats(c->qc.queue_out, &ko);
	memset(&kp, 0, sizeof(kp));
	if (c->qc.hook_pre)
		flowq_kernel_stats(c->qc.queue_pre, &kp);
	printf("stats queued_out %llu queued_pre %llu decisions %llu "
	    "flows %zu dups %llu unparsed %llu verdicts %llu "
	    "verdict_errors %llu enobufs %llu kernel_dropped %u "
	    "user_dropped %u\n",
	    (unsigned long long)s->packets[FLOW_HOOK_OUT],
	    (unsigned long long)s->packets[FLOW_HOOK_PRE],
	    (unsigned long long)c->decisions, flowtab_count(&c->ft),
	    (unsigned long long)c->ft.stats.dups,
	    (unsigned long long)c->unparsed,
	    (unsigned long long)s->verdicts,
	    (unsigned long long)s->verdict_errors,
	    (unsigned long long)s->enobufs,
	    ko.queue_dropped + kp.queue_dropped,
	    ko.user_dropped + kp.user_dropped);
	fflush(stdout);
}

static void
on_queue(int fd, uint32_t events, void *arg)
{
	struct ctl *c = arg;

	if (flowq_dispatch(c->q) == -1) {
		c->rc = 1;
		evloop_break(c->el);
	}
}

static void
on_tick(struct timer *t, void *arg)
{
	struct ctl *c = arg;

	flowtab_expire(&c->ft, evloop_now_ms(c->el), c->idle_ms, NULL, NULL);
	evloop_timer_add(c->el, t, 1000);
}

static void
on_signal(int signo, void *arg)
{
	struct ctl *c = arg;

	if (signo == SIGUSR1) {
		print_stats(c);
		return;
	}
	evloop_break(c->el);
}

static unsigned long
num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v > max)
		usage();
	return v;
}

int
main(int argc, char *argv[])
{
	struct ctl c;
	const char *conf = NULL;
	bool rules = true, verbose = false;
	int ch;

	memset(&c, 0, sizeof(c));
	flowq_conf_default(&c.qc);
	c.idle_ms = 120000;
	while ((ch = getopt(argc, argv, "a:c:Fi:Im:no:p:PqR:v")) != -1)
		switch (ch) {
		case 'a':
			c.anchor = (uint8_t)num(optarg, FLOW_ANCHOR_MAX);
			break;
		case 'c':
			conf = optarg;
			break;
		case 'F':
			c.qc.fail_open = false;
			break;
		case 'i':
			c.idle_ms = num(optarg, 86400) * 1000;
			break;
		case 'I':
			c.qc.queue_icmp = true;
			break;
		case 'm':
			c.qc.maxlen = (uint32_t)num(optarg, 1u << 20);
			break;
		case 'n':
			rules = false;
			break;
		case 'o':
			c.qc.queue_out = (uint16_t)num(optarg, 65535);
			break;
		case 'p':
			c.qc.queue_pre = (uint16_t)num(optarg, 65535);
			break;
		case 'P':
			c.qc.hook_pre = false;
			break;
		case 'q':
			c.quiet = true;
			break;
		case 'R':
			c.qc.restore = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	if (optind != argc)
		usage();
	log_init("flowqctl", 1, verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	if (conf != NULL) {
		struct mnd_conf mc;

		if (mnd_conf_load(conf, &mc) == -1)
			return 1;
		if (policy_init_conf(&c.pt, &mc) == -1)
			fatal("policy table");
		mnd_conf_free(&mc);
	} else if (policy_init(&c.pt, NULL, 0, CONT_NON_PERSISTENT, NULL) ==
	    -1)
		fatal("policy table");
	if (flowtab_init(&c.ft, 4096, 1u << 20,
	    ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL)) == -1)
		fatal("flow table");
	if ((c.el = evloop_new()) == NULL)
		fatal("event loop");
	if ((c.q = flowq_open(&c.qc, decide, &c)) == NULL)
		fatal("nfqueue");
	if (rules && flowq_rules_install(&c.qc) == -1) {
		flowq_close(c.q);
		fatalx("cannot install the DMIP6 chains");
	}
	if (evloop_add_fd(c.el, flowq_fd(c.q), EPOLLIN, on_queue, &c) == -1 ||
	    evloop_on_signal(c.el, SIGTERM, on_signal, &c) == -1 ||
	    evloop_on_signal(c.el, SIGINT, on_signal, &c) == -1 ||
	    evloop_on_signal(c.el, SIGUSR1, on_signal, &c) == -1)
		fatal("event loop");
	timer_init(&c.tick, on_tick, &c);
	evloop_timer_add(c.el, &c.tick, 1000);
	fprintf(stderr, "flowqctl: ready (queues out %u pre %s, %zu rules)\n",
	    c.qc.queue_out, c.qc.hook_pre ? "on" : "off", c.pt.nrules);
	fflush(stderr);

	if (evloop_run(c.el) == -1)
		c.rc = 1;

	if (rules && flowq_rules_remove(&c.qc) == -1)
		c.rc = 1;
	(void)flowq_dispatch(c.q);	/* verdicts for what is left */
	print_stats(&c);
	evloop_del_fd(c.el, flowq_fd(c.q));
	flowq_close(c.q);
	evloop_free(c.el);
	flowtab_free(&c.ft);
	policy_free(&c.pt);
	return c.rc;
}
