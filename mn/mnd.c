/*
 * mnd.c: the dmip6 mobile node daemon.
 *
 * Wiring only (STYLE.md "pure engine, thin edges"): nlwatch events go
 * into the movement engine (movement.h); its decisions change the
 * kernel (mn_move.h), the home registration (mn_home.h, over the BUL
 * of bul.h) and the DHP anchors (anchors.h through mn_dhp.h: every
 * DHoA is re-bound with a DHP-BU in parallel with the home BU, G.4
 * steps 1-2); BUs leave through the signalling socket and BAs, DHP
 * Query Replies, DHoA Responses, DHP-BCs and BRRs come back through
 * on_mh. One evloop timer is kept at the earliest deadline of both.
 *
 * Started away from home, mnd registers at once, unless its state file
 * (mn_state.h, issue 8) says the binding from this CoA is still up.
 * Started at home it sends nothing unless the state file says a
 * binding is up (then it deregisters): a lifetime-0 BU at every start
 * would be answered 133 by an HA without a binding.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <linux/capability.h>

#include "auth.h"
#include "conf.h"
#include "ctlsock.h"
#include "daemon.h"
#include "evloop.h"
#include "log.h"
#include "mn_api.h"
#include "mn_dhp.h"
#include "mn_dhcp6.h"
#include "mn_flow.h"
#include "mn_home.h"
#include "mn_move.h"
#include "mn_state.h"
#include "movement.h"
#include "nlwatch.h"
#include "privs.h"

#define MND_GRACE_COAS	8	/* graceful CoAs remembered */
#define STOP_WAIT_MS	1100	/* hard cap on the wait for the last acks */
#define HOME_DHP_WAIT_MS 1500	/* F.16: DHP-BUs wait this long at most for
				 * the HA to let go of the HoA */

struct mnd {
	struct daemon	*d;
	struct sa_table	*sas;
	struct movement	 mv;
	struct mn_home	 home;
	struct mn_move	 mm;
	struct mn_dhp	 dhp;		/* DHP anchors and their commands */
	struct mn_flow	*flow;		/* per-flow mobility; NULL: off */
	struct mn_api	*api;		/* libdmip's socket (E.4); NULL: none */
	struct mn_dhcp6	 d6;		/* DHCPv6 continuity client (issue 6) */
	struct mn_state_run state;	/* state_dir/mnd.state (issue 8) */
	bool		 mv_ok, home_ok, mm_ok;
	struct nlwatch	*nlw;
	struct timer	 timer;		/* at mn_home_deadline() */
	struct timer	 stop_timer;	/* on_stop's cap */
	int		 tun_fd;	/* on the loop, or -1 */
	bool		 stopping;
	bool		 home_dhp_wait;	/* at home, DHP-BUs after the BA */
	uint64_t	 home_dhp_at;	/* ... or at this time */
	unsigned long	 rx_other;	/* MH that are no BA for us */
	/* CoAs handed out as graceful-replacement (no co-located DHP,
	 * E.0): their grace period starts at the next move (G.4 step 4). */
	struct in6_addr	 grace_coa[MND_GRACE_COAS];
	size_t		 ngrace_coa;
};

static int
mnd_load(const char *path, void *conf)
{
	return mnd_conf_load(path, conf);
}

static void
mnd_print(FILE *f, const void *conf)
{
	mnd_conf_print(f, conf);
}

static void
mnd_free(void *conf)
{
	mnd_conf_free(conf);
}

static const struct in6_addr *
mnd_bind_addr(const void *conf)
{
	(void)conf;
	return NULL;	/* the CoA changes; receive on any address */
}

static struct bul_now
now_of(void)
{
	struct bul_now n = { evloop_clock_ms(), ntp_now() };

	return n;
}

static const char *
a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* ---- the BUL timer and sending ------------------------------------ */

static void
rearm(struct mnd *m)
{
	uint64_t dl = mn_home_deadline(&m->home), da;

	/* Every engine event ends here: saved within a second (issue 8). */
	mn_state_dirty(&m->state);
	if (m->dhp.ok && (da = anchors_deadline(&m->dhp.an)) < dl)
		dl = da;
	if (m->home_dhp_wait && m->home_dhp_at < dl)
		dl = m->home_dhp_at;
	if (dl == BUL_NO_DEADLINE)
		evloop_timer_cancel(m->d->loop, &m->timer);
	else if (evloop_timer_at(m->d->loop, &m->timer, dl) == -1)
		log_warn("BUL timer");
}

/* Build, sign and send out's BU, if there is one. False when a BU was
 * due and did not leave. */
static bool
send_bu(struct mnd *m, const struct mn_home_out *out)
{
	uint8_t buf[MH_MAX_LEN];
	ssize_t len;

	if (!out->act.send)
		return true;
	if ((len = mn_home_encode(&m->home, &out->act, buf, sizeof(buf))) < 0) {
		log_warnx("BU seq %u: cannot build it: %s",
		    out->act.msg.u.bu.seq, mh_strerror((int)len));
		return false;
	}
	if (mhsock_send(m->d->sock, buf, (size_t)len, &out->act.src,
	    &out->act.dst, 0, 0) == -1) {
		mn_home_send_failed(&m->home, out, errno);
		return false;
	}
	mn_home_sent(&m->home, out);
	return true;
}

/* While stopping, the loop runs until the HA entry is idle and every
 * DHoA is released (or given up). */
static void
check_stop(struct mnd *m)
{
	rearm(m);
	if (m->stopping && mn_home_state(&m->home) == BUL_IDLE &&
	    (!m->dhp.ok || anchors_idle(&m->dhp.an)) &&
	    !mn_dhcp6_releasing(&m->d6))
		evloop_break(m->d->loop);
}

/*
 * F.16, A.3.1: back home, the DHoAs are re-bound with CoA := HoA once
 * the HA has let go of the HoA (until then it would tunnel the DHPs'
 * packets for the HoA to the old CoA), or after HOME_DHP_WAIT_MS.
 */
static void
home_dhps(struct mnd *m, struct bul_now now)
{
	m->home_dhp_wait = false;
	anchors_coa(&m->dhp.an, &m->home.e->hoa, true, now);
	mn_dhp_handoff_track(&m->dhp);
}

static void
home_dhps_due(struct mnd *m, struct bul_now now)
{
	if (m->home_dhp_wait && (now.ms >= m->home_dhp_at ||
	    mn_home_state(&m->home) != BUL_DEREGISTERING))
		home_dhps(m, now);
}

static void
on_timer(struct timer *t, void *arg)
{
	struct mnd *m = arg;
	struct mn_home_out out;
	struct bul_now now = now_of();

	(void)t;
	mn_home_timer(&m->home, now, &out);
	send_bu(m, &out);
	if (m->dhp.ok) {
		home_dhps_due(m, now);
		anchors_timer(&m->dhp.an, now);
	}
	check_stop(m);
}

/* ---- movement ------------------------------------------------------ */

static void
on_tun_readable(int fd, uint32_t events, void *arg)
{
	struct mnd *m = arg;

	(void)fd;
	(void)events;
	if (m->mm.t != NULL)
		tunnel_on_readable(m->mm.t);
}

/* The tun backend pumps packets in user space: poll its fd. */
static void
watch_tunnel(struct mnd *m)
{
	int fd = mn_move_fd(&m->mm);

	if (fd < 0 || m->tun_fd >= 0)
		return;
	if (evloop_add_fd(m->d->loop, fd, EPOLLIN, on_tun_readable, m) == -1) {
		log_warn("tunnel fd");
		return;
	}
	m->tun_fd = fd;
}

/* G.4 step 1: the home BU and every DHP-BU leave in this one call, each
 * with its own retransmission (at home the DHP-BUs wait for the HA,
 * home_dhps()); the timeline ends at the last ack. */
static void
rebind_all(struct mnd *m, const struct in6_addr *coa, bool home,
    struct bul_now now, const struct mn_home_out *out)
{
	enum bul_state hs;

	send_bu(m, out);
	m->home_dhp_wait = false;
	if (m->dhp.ok) {
		hs = mn_home_state(&m->home);
		mn_dhp_handoff_begin(&m->dhp, coa, home ?
		    hs == BUL_DEREGISTERING : hs == BUL_REGISTERING, now.ms);
		if (home && hs == BUL_DEREGISTERING) {
			m->home_dhp_wait = true;
			m->home_dhp_at = now.ms + HOME_DHP_WAIT_MS;
		} else if (home)
			home_dhps(m, now);
		else {
			anchors_coa(&m->dhp.an, coa, false, now);
			mn_dhp_handoff_track(&m->dhp);
		}
	}
	check_stop(m);
}

/* A move: every graceful CoA but the new one starts its grace period
 * (the applications that asked are told, E.0, G.4 step 4). */
static void
grace_coas(struct mnd *m, const struct in6_addr *coa)
{
	const struct mnd_conf *c = m->d->conf;
	size_t i = 0;

	while (i < m->ngrace_coa) {
		if (memcmp(&m->grace_coa[i], coa, sizeof(*coa)) == 0) {
			i++;
			continue;
		}
		mn_api_grace(m->api, &m->grace_coa[i], c->grace_period);
		m->grace_coa[i] = m->grace_coa[--m->ngrace_coa];
	}
}

static void
on_new_coa(struct mnd *m, const struct movement_decision *dec)
{
	struct mn_home_out out;
	struct bul_now now;
	char c[INET6_ADDRSTRLEN];

	log_info("CoA %s on %s", a6(&dec->coa, c), dec->ifname);
	/* Data plane first: the BA may come back at once. A tunnel that
	 * fails is logged and tried again at the next CoA; the binding is
	 * still worth having. */
	if (mn_move_away(&m->mm, &dec->coa, dec->ifindex) == 0)
		watch_tunnel(m);
	now = now_of();
	/* G.4: the flows' fates first (non-persistent ones end now). */
	mn_flow_handoff(m->flow, &dec->coa, false, now.ms);
	grace_coas(m, &dec->coa);
	mn_home_coa(&m->home, &dec->coa, now, &out);
	rebind_all(m, &dec->coa, false, now, &out);
	mn_flow_rebound(m->flow, out.act.send);
	mn_move_finish(&m->mm);
}

static void
on_home(struct mnd *m, const struct movement_decision *dec)
{
	struct mn_home_out out;
	struct bul_now now;

	log_info("at home on %s", dec->ifname);
	/* The HoA must be on the link before the BU leaves from it. */
	mn_move_home(&m->mm, dec->ifindex);
	now = now_of();
	mn_flow_handoff(m->flow, &m->home.e->hoa, true, now.ms);
	mn_home_at_home(&m->home, now, &out);
	/* F.16: the DHoAs follow with CoA := HoA. */
	rebind_all(m, &dec->coa, true, now, &out);
	mn_flow_rebound(m->flow, out.act.send);
	mn_move_finish(&m->mm);
}

static void
on_nlw(const struct nlw_event *ev, void *arg)
{
	struct mnd *m = arg;
	struct movement_decision dec;
	enum mv_state old = m->mv.state;
	enum move_kind k;

	if (m->stopping)
		return;
	mn_dhcp6_nlw(&m->d6, ev);
	k = movement_event(&m->mv, ev, &dec);
	if (k != MOVE_NONE || dec.state != old)
		log_info("movement: %s -> %s (%s)", mv_state_name(old),
		    mv_state_name(dec.state), dec.why);
	if (mn_move_prune_now(k, &dec))
		mn_move_prune(&m->mm, &dec.stale, dec.ifname);
	switch (k) {
	case MOVE_NEW_COA:
		on_new_coa(m, &dec);
		break;
	case MOVE_HOME:
		on_home(m, &dec);
		break;
	case MOVE_LOST:
		log_info("no usable link: registration state kept");
		if (m->dhp.ok)
			anchors_lost(&m->dhp.an);
		break;
	case MOVE_NONE:
		break;
	}
}

static void
on_nlw_readable(int fd, uint32_t events, void *arg)
{
	struct mnd *m = arg;

	(void)fd;
	(void)events;
	if (nlwatch_read(m->nlw) == -1)
		log_warnx("netlink: events may have been lost");
}

/* ---- signalling ---------------------------------------------------- */

/* The BA that ends the home part of a handoff's timeline. */
static void
home_acked(struct mnd *m, uint64_t now_ms)
{
	const struct mn_dhp_handoff *h = &m->dhp.ho;
	const struct bul_entry *e = m->home.e;

	if (!h->active || !h->ha_pending)
		return;
	if ((e->state == BUL_REGISTERED &&
	    memcmp(&e->coa, &h->coa, sizeof(h->coa)) == 0) ||
	    (e->state == BUL_IDLE &&
	    memcmp(&e->hoa, &h->coa, sizeof(h->coa)) == 0))
		mn_dhp_handoff_ha(&m->dhp, now_ms);
}

static void
mnd_on_mh(struct daemon *d, const struct mh_msg *msg, const uint8_t *buf,
    size_t len, const struct mh_rxinfo *ri)
{
	struct mnd *m = d->engine;
	struct mn_home_out out;
	struct bul_now now = now_of();

	if (m == NULL)
		return;
	if (msg->type != MH_TYPE_BA) {
		if (!m->dhp.ok || anchors_input(&m->dhp.an, msg, buf, len,
		    &ri->src, &ri->dst, now) != ANCHORS_RX_USED)
			m->rx_other++;
		check_stop(m);
		return;
	}
	if (mn_home_input(&m->home, msg, buf, len, &ri->src, &ri->dst,
	    now, &out) != MN_BA_USED) {
		m->rx_other++;
		return;
	}
	send_bu(m, &out);
	if (m->home.e->state == BUL_REGISTERED ||
	    m->home.e->state == BUL_IDLE)
		mn_flow_ha_acked(m->flow);
	if (m->dhp.ok) {
		home_dhps_due(m, now);
		home_acked(m, now.ms);
	}
	check_stop(m);
}

/* ---- start and stop ----------------------------------------------- */

static enum tunnel_kind
tunnel_kind_of(enum conf_backend b)
{
	switch (b) {
	case CONF_BACKEND_SEG6:
		return TUNNEL_SEG6;
	case CONF_BACKEND_TUN:
		return TUNNEL_TUN;
	case CONF_BACKEND_IP6TNL:
		return TUNNEL_IP6TNL;
	case CONF_BACKEND_AUTO:
		break;
	}
	return TUNNEL_AUTO;
}

/* RFC 6275 11.8 leaves the first sequence number open; a random one
 * keeps a restarted mnd clear of the numbers the HA saw last. */
static uint16_t
first_seq(void)
{
	uint16_t s;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = (uint16_t)(time(NULL) ^ getpid());
	return s;
}

/* Undo on_start, in any state it got to. */
static void
mnd_cleanup(struct mnd *m)
{
	evloop_timer_cancel(m->d->loop, &m->timer);
	evloop_timer_cancel(m->d->loop, &m->stop_timer);
	mn_state_stop(&m->state);
	if (m->tun_fd >= 0)
		evloop_del_fd(m->d->loop, m->tun_fd);
	m->tun_fd = -1;
	if (m->nlw != NULL) {
		evloop_del_fd(m->d->loop, nlwatch_fd(m->nlw));
		nlwatch_close(m->nlw);
		m->nlw = NULL;
	}
	mn_api_close(m->api);
	m->api = NULL;
	mn_dhcp6_close(&m->d6);
	mn_flow_close(m->flow);
	m->flow = NULL;
	mn_dhp_free(&m->dhp);
	if (m->mm_ok)
		mn_move_close(&m->mm);
	if (m->home_ok)
		mn_home_free(&m->home);
	if (m->mv_ok)
		movement_free(&m->mv);
	sa_table_free(m->sas);
	m->d->engine = NULL;
	free(m);
}

static void
hook_watch(void *arg)
{
	watch_tunnel(arg);
}

static void
hook_rearm(void *arg)
{
	rearm(arg);
}

/* Anchors events for the flow table and the API socket. */
static void
hook_event(void *arg, enum anchors_event ev, const struct anchor *an,
    const struct anchor_req *r)
{
	struct mnd *m = arg;

	mn_flow_anchor_event(m->flow, ev, an, r);
	mn_api_on_anchor_event(m->api, ev, an, r);
}

/* A DHCPv6 lease event: at exit, a RELEASE may be what was left. */
static void
hook_dhcp6(void *arg)
{
	struct mnd *m = arg;

	if (m->stopping)
		check_stop(m);
}

/* G.4 step 4: applications are told through the API socket. */
static void
hook_grace(void *arg, const struct in6_addr *addr, unsigned grace_s)
{
	struct mnd *m = arg;

	mn_api_grace(m->api, addr, grace_s);
}

/* E.0/G.2: flows from an address the API handed out get its type; a
 * CoA handed out as graceful is remembered for the next move. */
static void
hook_handed(void *arg, const struct in6_addr *addr, uint8_t type)
{
	struct mnd *m = arg;
	size_t i;

	mn_flow_handed(m->flow, addr, type);
	if (type != CONT_GRACEFUL || !m->dhp.ok ||
	    anchors_find_dhoa(&m->dhp.an, addr) != NULL)
		return;
	for (i = 0; i < m->ngrace_coa; i++)
		if (memcmp(&m->grace_coa[i], addr, sizeof(*addr)) == 0)
			return;
	if (m->ngrace_coa == MND_GRACE_COAS)
		m->ngrace_coa--;	/* the oldest goes */
	memmove(&m->grace_coa[1], &m->grace_coa[0],
	    m->ngrace_coa * sizeof(m->grace_coa[0]));
	m->grace_coa[0] = *addr;
	m->ngrace_coa++;
}

static struct tunnel *
hook_tunnel(void *arg)
{
	struct mnd *m = arg;

	return m->mm.t;
}

static int
mnd_engines(struct mnd *m, struct mnd_conf *c)
{
	const struct mh_sa *sa;

	if ((m->sas = sa_table_new()) == NULL ||
	    conf_sa_move_to_table(&c->common, m->sas) == -1) {
		log_warn("security associations");
		return -1;
	}
	if ((sa = sa_table_find(m->sas, c->ha_spi)) == NULL) {
		log_warnx("no security association with SPI %u (ha_spi)",
		    c->ha_spi);
		return -1;
	}
	movement_init(&m->mv, &c->home_address, &c->home_prefix.addr,
	    c->home_prefix.len);
	m->mv_ok = true;
	for (size_t i = 0; i < c->ninterfaces; i++)
		if (movement_add_ifname(&m->mv, c->interfaces[i]) == -1) {
			log_warnx("interface %s", c->interfaces[i]);
			return -1;
		}
	if (mn_home_init(&m->home, &c->home_agent, &c->home_address, sa,
	    c->lifetime, first_seq()) == -1) {
		log_warn("binding update list");
		return -1;
	}
	m->home_ok = true;
	if (mn_move_init(&m->mm, tunnel_kind_of(c->common.backend),
	    &c->home_address, c->home_prefix.len, &c->home_agent) == -1)
		return -1;
	m->mm_ok = true;
	if (mn_dhp_init(&m->dhp, m->d, c, m->sas, sa, &m->mm, &m->mv,
	    &m->home, first_seq(), &(struct mn_dhp_hooks){ hook_watch,
	    hook_rearm, hook_event, m }) == -1)
		return -1;
	if (mn_flow_open(&m->flow, m->d, c, m->dhp.ok ? &m->dhp.an : NULL,
	    &(struct mn_flow_hooks){ hook_rearm, hook_tunnel, hook_grace,
	    m }) == -1 ||
	    mn_flow_ctl_register(m->flow, m->d->ctl) == -1)
		return -1;
	/* libdmip's socket (E.4); without it mnd runs on. */
	m->api = mn_api_open(m->d, &m->dhp, &m->home,
	    &(struct mn_api_hooks){ hook_handed, m });
	return mn_dhp_ctl_register(&m->dhp, m->d->ctl);
}

static int
mnd_on_start(struct daemon *d)
{
	struct mnd_conf *c = d->conf;
	struct mnd *m;
	char h[INET6_ADDRSTRLEN], a[INET6_ADDRSTRLEN];

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_warn("mnd");
		return -1;
	}
	m->d = d;
	m->tun_fd = -1;
	d->engine = m;
	timer_init(&m->timer, on_timer, m);
	timer_init(&m->stop_timer, NULL, NULL);
	if (mnd_engines(m, c) == -1)
		goto fail;
	/* Issue 8: the saved registration, anchors and flows, before the
	 * first CoA event meets them. */
	mn_state_start(&m->state, d->loop, c->common.state_dir, &m->home,
	    m->dhp.ok ? &m->dhp.an : NULL, m->flow);
	rearm(m);
	/* Issue 6: before nlwatch's dump, which tells it the links. */
	if (mn_dhcp6_open(&m->d6, d->loop, c->dhcp6, d->ctl, hook_dhcp6,
	    m) == -1)
		goto fail;
	log_info("home address %s, home agent %s (SPI %u), lifetime %us, "
	    "backend %s", a6(&c->home_address, h), a6(&c->home_agent, a),
	    c->ha_spi, c->lifetime, conf_backend_name(c->common.backend));
	log_info("%zu DHP%s, fallback to the HoA %s", c->ndhps,
	    c->ndhps == 1 ? "" : "s", c->fallback_to_ha ? "on" : "off");
	/* The dump comes through on_nlw at once: away from home, the
	 * first BU leaves from inside nlwatch_open(). */
	if ((m->nlw = nlwatch_open(on_nlw, m)) == NULL) {
		log_warnx("netlink: cannot watch links and addresses");
		goto fail;
	}
	if (evloop_add_fd(d->loop, nlwatch_fd(m->nlw), EPOLLIN,
	    on_nlw_readable, m) == -1) {
		log_warn("netlink fd");
		goto fail;
	}
	if (m->mv.state == MV_LOST || m->mv.state == MV_UNKNOWN)
		log_info("no usable link yet: waiting for one");
	/* Issue 8: every socket is open and the classifier's chains are in.
	 * What runs later keeps working with these two: routes, tunnels,
	 * sysctls, NFQUEUE verdicts, and ip6tables-restore (anchor changes,
	 * the chains' removal at exit), which root execs with this bounding
	 * set and so gets exactly them (NoNewPrivs does not cut below). */
	if (privs_drop(PRIVS_BIT(CAP_NET_ADMIN) | PRIVS_BIT(CAP_NET_RAW)) ==
	    -1)
		log_warn("mnd: dropping capabilities");
	return 0;
fail:
	mnd_cleanup(m);
	return -1;
}

static void
on_stop_timeout(struct timer *t, void *arg)
{
	struct mnd *m = arg;

	(void)t;
	log_info("no BA or DHP-BC to the deregistrations within %u ms",
	    STOP_WAIT_MS);
	evloop_break(m->d->loop);
}

/* A second SIGTERM/SIGINT while waiting for the last acks. */
static void
on_second_signal(int signo, void *arg)
{
	struct mnd *m = arg;

	log_info("signal %d again: not waiting for the BA", signo);
	evloop_break(m->d->loop);
}

static void
mnd_on_stop(struct daemon *d)
{
	struct mnd *m = d->engine;
	struct mn_home_out out;
	struct bul_now now = now_of();
	bool wait;

	if (m == NULL)
		return;
	m->stopping = true;
	if (m->nlw != NULL) {
		/* No more moves: the kernel state is about to go. */
		evloop_del_fd(d->loop, nlwatch_fd(m->nlw));
		nlwatch_close(m->nlw);
		m->nlw = NULL;
	}
	/* The HA deregistration and every DHoA release leave together and
	 * share the one wait (PROTOCOL.md F.10, C.2); releases leave from
	 * the HoA when at home. */
	if (m->home_dhp_wait)
		home_dhps(m, now);
	wait = mn_home_shutdown(&m->home, now, &out) && send_bu(m, &out);
	if (m->dhp.ok && anchors_shutdown(&m->dhp.an, now))
		wait = true;
	/* The delegated prefixes go back with them (RFC 8415 18.2.7). */
	if (mn_dhcp6_release(&m->d6))
		wait = true;
	if (wait) {
		rearm(m);
		timer_init(&m->stop_timer, on_stop_timeout, m);
		if (evloop_timer_add(d->loop, &m->stop_timer,
		    STOP_WAIT_MS) == 0 &&
		    evloop_on_signal(d->loop, SIGTERM, on_second_signal,
		    m) == 0 &&
		    evloop_on_signal(d->loop, SIGINT, on_second_signal,
		    m) == 0 &&
		    evloop_run(d->loop) == -1)
			log_warn("event loop");
	}
	/* Issue 8: all given back; a later start restores none of it. */
	mn_state_released(&m->state);
	mnd_cleanup(m);
}

/* `dmipctl stats`: mnd's own part. */
static void
mnd_ctl_stats(struct daemon *d, struct ctl_out *o)
{
	const struct mnd *m = d->engine;
	const struct anchors_stats *s;

	if (m == NULL)
		return;
	ctl_kv(o, "bu_sent:n", "%" PRIu64, m->home.st.bu_sent);
	ctl_kv(o, "ba_used:n", "%" PRIu64, m->home.st.rx[MN_BA_USED]);
	ctl_kv(o, "rx_other:n", "%lu", m->rx_other);
	mn_flow_ctl_stats(m->flow, o);
	mn_state_ctl_stats(&m->state, o);
	mn_dhcp6_ctl_stats(&m->d6, o);
	if (!m->dhp.ok)
		return;
	s = &m->dhp.an.st;
	ctl_kv(o, "dhp_queries:n", "%" PRIu64, s->queries_sent);
	ctl_kv(o, "dhp_query_timeouts:n", "%" PRIu64, s->query_timeouts);
	ctl_kv(o, "dhoa_requests:n", "%" PRIu64, s->requests_sent);
	ctl_kv(o, "dhoa_request_timeouts:n", "%" PRIu64,
	    s->request_timeouts);
	ctl_kv(o, "dhp_bu_sent:n", "%" PRIu64, s->dhp_bu_sent);
	ctl_kv(o, "dhp_bc_used:n", "%" PRIu64, s->dhp_bc);
	ctl_kv(o, "brr:n", "%" PRIu64, s->brr);
	ctl_kv(o, "fallbacks:n", "%" PRIu64, s->fallbacks);
	ctl_kv(o, "anchor_failures:n", "%" PRIu64, s->failures);
	ctl_kv(o, "dhoas:n", "%zu", m->dhp.an.n);
	ctl_kv(o, "dhoas_released:n", "%" PRIu64, s->released);
	ctl_kv(o, "dhoas_lost:n", "%" PRIu64, s->lost);
	ctl_kv(o, "dhp_rx_bad_auth:n", "%" PRIu64,
	    s->rx[ANCHORS_RX_BAD_AUTH]);
	ctl_kv(o, "dhp_rx_stale:n", "%" PRIu64, s->rx[ANCHORS_RX_STALE]);
	ctl_kv(o, "dhp_rx_ignored:n", "%" PRIu64, s->rx[ANCHORS_RX_IGNORED]);
	ctl_kv(o, "dhp_tx_errors:n", "%" PRIu64, m->dhp.tx_errors);
}

static void
mnd_on_reload(struct daemon *d)
{
	(void)d;
	log_info("home address, home agent, lifetime, interfaces, backend, "
	    "DHPs, fallback_to_ha and keys take effect at the next start of "
	    "mnd");
}

static const struct daemon_def mnd_def = {
	.name = "mnd",
	.default_conf = MND_CONF_DEFAULT,
	.conf_size = sizeof(struct mnd_conf),
	.load = mnd_load,
	.print = mnd_print,
	.free = mnd_free,
	.bind_addr = mnd_bind_addr,
	.on_mh = mnd_on_mh,
	.on_reload = mnd_on_reload,
	.on_start = mnd_on_start,
	.on_stop = mnd_on_stop,
	.ctl_stats = mnd_ctl_stats,
};

int
main(int argc, char **argv)
{
	struct daemon d;

	daemon_start(&d, &mnd_def, argc, argv);
	return daemon_run(&d);
}
