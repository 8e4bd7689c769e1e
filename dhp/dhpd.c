/*
 * dhpd.c: the dmip6 Distributed Home Proxy daemon (PROTOCOL.md A.1,
 * A.3.3, A.3.4, B.11.4-B.11.8, C.2, C.4, F.5, F.9, F.10, H).
 *
 * The thin I/O edge around the pure engine (dhp_engine.h), shaped like
 * had.c:
 *
 *   MH socket -> dhp_engine_input() -> action applied to the data plane
 *   (dhp_dataplane.h: tunnel + pool routes) -> reply built, signed, sent.
 *
 * One evloop timer is armed for the engine's earliest deadline (lease
 * and binding expiry, BRR, delete delay). Every decision is logged at
 * info level by the engine in a fixed form (dhpd(8) lists them); drops
 * go to debug and are counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/random.h>

#include "auth.h"
#include "conf.h"
#include "ctlsock.h"
#include "daemon.h"
#include "dhcp6s_io.h"
#include "dhp_dataplane.h"
#include "dhp_engine.h"
#include "dhpd_state.h"
#include "evloop.h"
#include "log.h"
#include "privs.h"
#include "ratelimit.h"
#include "statefile.h"

/* What the I/O edge counts (the engine counts the protocol). */
struct dhpd_io_stats {
	uint64_t	drop_not_ours;	/* MH to another address */
	uint64_t	apply_failed;	/* ADD/MOVE refused by the data plane */
	uint64_t	del_failed;	/* removal incomplete (logged) */
	uint64_t	tx, tx_errors;	/* messages sent / not sent */
};

/* The settings that need a restart, as the daemon started with them. */
struct dhpd_fixed {
	struct in6_addr		 address;
	char			 interface[CONF_IFNAME_MAX];
	struct conf_prefix	*pools;
	size_t			 npools;
	enum conf_backend	 backend;
	enum conf_transport	 transport;
	uint16_t		 udp_port;
};

struct dhpd {
	struct daemon		*d;
	struct sa_table		*sas;
	struct dhp_engine	*eng;
	struct dhp_dp		*dp;
	struct timer		 expiry;	/* earliest engine deadline */
	struct dhpd_fixed	 fixed;
	bool			 udp;		/* UDP transport */
	struct dhpd_io_stats	 st;
	/* Issue 8: state file, rate limit of failures, privileges. */
	char			 state_dir[PATH_MAX];	/* "": not saved */
	struct sf_saver		 saver;
	struct dhpd_state_result restored;
	struct rl_guard		 rl;
	struct dhcp6s_io	*dhcp6;		/* DHCPv6 PD server, or NULL */
};

/* Where and how a message goes. */
struct tx_to {
	struct in6_addr	src;	/* the address the request went to */
	uint16_t	dport;	/* UDP: the request's source port; 0 = ours */
};

static const char *
a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static bool
addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* ---- config hooks -------------------------------------------------- */

static int
dhpd_load(const char *path, void *conf)
{
	return dhpd_conf_load(path, conf);
}

static void
dhpd_print(FILE *f, const void *conf)
{
	dhpd_conf_print(f, conf);
}

static void
dhpd_free(void *conf)
{
	dhpd_conf_free(conf);
}

static const struct in6_addr *
dhpd_bind_addr(const void *conf)
{
	return &((const struct dhpd_conf *)conf)->address;
}

/* ---- sending ------------------------------------------------------- */

static void
send_msg(struct dhpd *h, const struct dhp_reply *r, const struct tx_to *to)
{
	uint8_t buf[MH_MAX_LEN];
	ssize_t len = dhp_reply_encode(r, buf, sizeof(buf));

	if (daemon_send(h->d, buf, len, r->msg.type, &to->src, &r->dst,
	    h->udp ? to->dport : 0) == -1)
		h->st.tx_errors++;
	else
		h->st.tx++;
}

/* ---- state file (issue 8) ------------------------------------------ */

static int
state_save(void *arg)
{
	struct dhpd *h = arg;

	return dhpd_state_save(h->eng, h->state_dir, evloop_clock_ms(),
	    sf_wall_now_ms());
}

/* A lease, binding or replay counter changed: saved within 100 ms. */
static void
state_dirty(struct dhpd *h)
{
	if (h->state_dir[0] != '\0')
		sf_saver_dirty(&h->saver);
}

/* ---- data plane ---------------------------------------------------- */

/*
 * Apply the engine's action before the reply goes out (the reply
 * reports a binding that is in place). A refused ADD or MOVE is undone
 * in the engine (DHP-BC 130; a DHoA Response keeps its lease with B
 * clear). A DEL that fails half-way is logged and counted: the binding
 * is gone from the engine either way.
 */
static void
apply_action(struct dhpd *h, struct dhp_result *res)
{
	const struct dhp_action a = res->action;
	char d[INET6_ADDRSTRLEN];

	if (!res->has_action || dhp_dp_apply(h->dp, &a) == 0)
		return;
	if (a.kind == DHP_ACT_BIND_DEL) {
		h->st.del_failed++;
		return;
	}
	h->st.apply_failed++;
	dhp_engine_action_failed(h->eng, res);
	log_warnx("DHP binding %s: data plane refused the %s; answered %s",
	    a6(&a.dhoa, d), dhp_act_name(a.kind),
	    res->has_reply && res->reply.msg.type == MH_TYPE_DHP_BC ?
	    "status 130" : "without B");
}

/* An event of the timers or of a reload: a DEL, or a BRR to send. */
static void
on_event(const struct dhp_event *ev, void *arg)
{
	struct dhpd *h = arg;
	struct tx_to to = { .src = h->fixed.address, .dport = 0 };

	if (ev->has_action && dhp_dp_apply(h->dp, &ev->action) < 0)
		h->st.del_failed++;
	if (ev->has_reply)
		send_msg(h, &ev->reply, &to);
}

/* ---- expiry -------------------------------------------------------- */

static void
arm_expiry(struct dhpd *h)
{
	uint64_t next = dhp_engine_next_expiry(h->eng);

	if (next == DHP_NO_EXPIRY)
		evloop_timer_cancel(h->d->loop, &h->expiry);
	else if (evloop_timer_at(h->d->loop, &h->expiry, next) == -1)
		log_warn("expiry timer");	/* the next change re-arms */
}

static void
on_expiry(struct timer *t, void *arg)
{
	struct dhpd *h = arg;

	(void)t;
	if (dhp_engine_expire(h->eng, evloop_now_ms(h->d->loop), ntp_now(),
	    on_event, h) > 0)
		state_dirty(h);
	arm_expiry(h);
}

/* ---- daemon hooks -------------------------------------------------- */

static void
dhpd_on_mh(struct daemon *d, const struct mh_msg *m, const uint8_t *buf,
    size_t len, const struct mh_rxinfo *ri)
{
	struct dhpd *h = d->engine;
	struct dhp_result res;
	struct dhp_rx rx;
	struct tx_to to = { .src = ri->dst, .dport = ri->sport };
	char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];

	/* Raw MH sockets see every MH of the namespace (mhsock.h). */
	if (!addr_eq(&ri->dst, &h->fixed.address)) {
		h->st.drop_not_ours++;
		log_debug("%s from %s to %s: not our address, dropped",
		    mh_type_name(m->type), a6(&ri->src, s), a6(&ri->dst, t));
		return;
	}
	memset(&rx, 0, sizeof(rx));
	rx.msg = m;
	rx.raw = buf;
	rx.len = len;
	rx.src = ri->src;
	rx.dst = ri->dst;
	rx.now = evloop_now_ms(d->loop);
	rx.now_ntp = ntp_now();
	rx.quiet = !rl_guard_open(&h->rl, &ri->src, rx.now);
	/* Dropped: the engine logged why (debug) and counted it. */
	if (dhp_engine_input(h->eng, &rx, &res) == DHP_V_DROPPED)
		return;
	/* Issue 8: failed authentication or replay protection is answered
	 * within the source's and the global rate only. Such a rejection
	 * changed nothing but maybe a consumed MESG-ID (saved below). */
	if (res.verdict == DHP_V_REJECTED && rl_guard_status(res.status) &&
	    !rl_guard_charge(&h->rl, &ri->src, rx.now)) {
		log_debug("%s from %s: status %u, rate-limited: no reply",
		    mh_type_name(m->type), a6(&ri->src, s), res.status);
		res.has_reply = false;
	}
	apply_action(h, &res);
	if (res.has_reply)
		send_msg(h, &res.reply, &to);
	/* The engine consumes MESG-IDs and sequence numbers from step 5
	 * on, accepted or not (dhp_engine.h); 144-146 and 129 come before. */
	if (res.status != BA_STATUS_ID_MISMATCH &&
	    res.status != BA_STATUS_MESGID_REQD &&
	    res.status != BA_STATUS_AUTH_FAIL &&
	    res.status != BA_STATUS_PROHIBITED)
		state_dirty(h);
	arm_expiry(h);
}

/* ---- control socket (dmipctl(8)) ------------------------------------ */

#define CTL_ROWS_MAX	100000	/* rows per answer; the rest is counted */

struct show_ctx {
	struct ctl_out	*o;
	uint64_t	 now;
	size_t		 rows, more;
	bool		 bindings;	/* else leases */
};

static uint64_t
secs_left(uint64_t when, uint64_t now)
{
	return when > now ? (when - now + 999) / 1000 : 0;
}

static void
show_row(const struct dhoa_lease *l, const struct dhp_binding *b, void *arg)
{
	struct show_ctx *sc = arg;
	struct ctl_out *o = sc->o;

	if (sc->bindings && b == NULL)
		return;
	if (sc->rows == CTL_ROWS_MAX) {
		sc->more++;
		return;
	}
	sc->rows++;
	if (!sc->bindings) {
		ctl_row(o, ctl_in6(o, &l->dhoa), ctl_in6(o, &l->hoa),
		    ctl_fmt(o, "%" PRIu64, secs_left(l->expiry_ms, sc->now)),
		    b != NULL ? "yes" : "no");
		return;
	}
	ctl_row(o, ctl_in6(o, &l->dhoa), ctl_in6(o, &l->hoa),
	    ctl_in6(o, &b->coa), dhp_bind_state_name(b->state),
	    ctl_fmt(o, "%u", b->lifetime * MH_LIFETIME_UNIT),
	    ctl_fmt(o, "%" PRIu64, secs_left(b->expiry_ms, sc->now)),
	    b->seq_valid ? ctl_fmt(o, "%u", b->seq) : NULL);
}

static int
ctl_show(struct ctl_out *o, int argc, char **argv, void *arg, bool bindings)
{
	struct daemon *d = arg;
	const struct dhpd *h = d->engine;
	struct show_ctx sc = { .o = o, .bindings = bindings };

	(void)argv;
	if (h == NULL)
		return ctl_error(o, "dhpd is not running");
	if (argc != 0)
		return ctl_error(o, "usage: show %s",
		    bindings ? "bindings" : "leases");
	sc.now = evloop_now_ms(h->d->loop);
	if (bindings)
		ctl_table(o, "bindings", "dhoa", "hoa", "coa", "state",
		    "lifetime:n", "expires:n", "seq:n");
	else
		ctl_table(o, "leases", "dhoa", "hoa", "expires:n", "bound:b");
	dhp_engine_foreach_lease(h->eng, show_row, &sc);
	if (sc.more > 0)
		ctl_kv(o, "not_shown:n", "%zu", sc.more);
	return 0;
}

static int
ctl_show_bindings(struct ctl_out *o, int argc, char **argv, void *arg)
{
	return ctl_show(o, argc, argv, arg, true);
}

static int
ctl_show_leases(struct ctl_out *o, int argc, char **argv, void *arg)
{
	return ctl_show(o, argc, argv, arg, false);
}

/* `dmipctl stats`: the daemon's own part. */
static void
dhpd_ctl_stats(struct daemon *d, struct ctl_out *o)
{
	const struct dhpd *h = d->engine;
	const struct dhp_stats *e;
	const struct dhoa_pool_stats *p;

	if (h == NULL)
		return;
	e = dhp_engine_stats(h->eng);
	p = dhoa_pool_stats(dhp_engine_pool(h->eng));
	ctl_kv(o, "backend", "%s", dhp_dp_backend(h->dp));
	dhcp6s_io_ctl_stats(h->dhcp6, o);
	ctl_kv(o, "leases:n", "%zu", p->leased);
	ctl_kv(o, "quarantined:n", "%zu", p->quarantined);
	ctl_kv(o, "bindings:n", "%zu", dhp_engine_bindings(h->eng));
	ctl_kv(o, "rx_dhoa_request:n", "%" PRIu64, e->rx_dhoa_req);
	ctl_kv(o, "rx_dhp_bu:n", "%" PRIu64, e->rx_dhp_bu);
	ctl_kv(o, "lease_new:n", "%" PRIu64, e->lease_new);
	ctl_kv(o, "lease_renewed:n", "%" PRIu64, e->lease_renewed);
	ctl_kv(o, "lease_released:n", "%" PRIu64, e->lease_released);
	ctl_kv(o, "lease_expired:n", "%" PRIu64, e->lease_expired);
	ctl_kv(o, "pool_exhausted:n", "%" PRIu64, p->exhausted);
	ctl_kv(o, "bind_added:n", "%" PRIu64, e->bind_added);
	ctl_kv(o, "bind_moved:n", "%" PRIu64, e->bind_moved);
	ctl_kv(o, "bind_refreshed:n", "%" PRIu64, e->bind_refreshed);
	ctl_kv(o, "bind_deleted:n", "%" PRIu64, e->bind_deleted);
	ctl_kv(o, "bind_expired:n", "%" PRIu64, e->bind_expired);
	ctl_kv(o, "bind_refused:n", "%" PRIu64, e->bind_failed);
	ctl_kv(o, "brr_sent:n", "%" PRIu64, e->brr_sent);
	ctl_kv(o, "drop_not_ours:n", "%" PRIu64, h->st.drop_not_ours);
	ctl_kv(o, "drop_no_auth:n", "%" PRIu64, e->drop_no_auth);
	ctl_kv(o, "drop_unknown_spi:n", "%" PRIu64, e->drop_unknown_spi);
	ctl_kv(o, "drop_no_hoa:n", "%" PRIu64, e->drop_no_hoa);
	ctl_kv(o, "drop_other_type:n", "%" PRIu64, e->rx_other);
	ctl_kv(o, "tx:n", "%" PRIu64, h->st.tx);
	ctl_kv(o, "tx_errors:n", "%" PRIu64, h->st.tx_errors);
	/* Issue 8. */
	ctl_kv(o, "drop_bad:n", "%" PRIu64, e->drop_bad);
	ctl_kv(o, "rate_limited:n", "%" PRIu64, h->rl.suppressed);
	ctl_kv(o, "rate_limit_sources:n", "%zu",
	    ratelimit_stats(h->rl.src)->used);
	ctl_kv(o, "state_writes:n", "%" PRIu64, h->saver.writes);
	ctl_kv(o, "state_write_errors:n", "%" PRIu64, h->saver.failures);
	ctl_kv(o, "state_restored_leases:n", "%zu", h->restored.leases);
	ctl_kv(o, "state_restored_bindings:n", "%zu", h->restored.bindings);
	for (unsigned st = 0; st < 256; st++) {
		if (e->req_status[st] != 0)
			ctl_kv(o, ctl_fmt(o, "dhoa_request_status_%u:n", st),
			    "%" PRIu64, e->req_status[st]);
		if (e->bu_status[st] != 0)
			ctl_kv(o, ctl_fmt(o, "dhp_bu_status_%u:n", st),
			    "%" PRIu64, e->bu_status[st]);
	}
}

static int
fixed_take(struct dhpd_fixed *f, const struct dhpd_conf *c)
{
	memset(f, 0, sizeof(*f));
	f->address = c->address;
	snprintf(f->interface, sizeof(f->interface), "%s", c->interface);
	f->backend = c->common.backend;
	f->transport = c->common.transport;
	f->udp_port = c->common.udp_port;
	f->npools = c->npools;
	if ((f->pools = calloc(c->npools ? c->npools : 1,
	    sizeof(*f->pools))) == NULL)
		return -1;
	if (c->npools > 0)
		memcpy(f->pools, c->pools, c->npools * sizeof(*f->pools));
	return 0;
}

static uint64_t
seed_make(void)
{
	uint64_t seed;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), 0) == (ssize_t)sizeof(seed))
		return seed;
	/* The seed only spreads the interface identifiers (no secret). */
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
	    (uint64_t)getpid();
}

static void
dhpd_cleanup(struct dhpd *h)
{
	sf_saver_stop(&h->saver);
	rl_guard_free(&h->rl);
	dhcp6s_io_close(h->dhcp6);
	evloop_timer_cancel(h->d->loop, &h->expiry);
	dhp_dp_close(h->dp);
	dhp_engine_free(h->eng);
	sa_table_free(h->sas);
	free(h->fixed.pools);
	free(h);
}

static void
log_started(const struct dhpd *h, const struct dhpd_conf *c)
{
	char a[INET6_ADDRSTRLEN], pools[256] = "", types[96] = "";
	size_t off = 0, toff = 0;

	for (size_t i = 0; i < c->npools && off < sizeof(pools); i++)
		off += (size_t)snprintf(pools + off, sizeof(pools) - off,
		    "%s%s/%u", i ? ", " : "", a6(&c->pools[i].addr, a),
		    c->pools[i].len);
	for (uint8_t t = 0; t <= CONT_MAX && toff < sizeof(types); t++)
		if (c->continuity[t])
			toff += (size_t)snprintf(types + toff,
			    sizeof(types) - toff, "%s%s", toff ? ", " : "",
			    conf_cont_name(t));
	log_info("DHP %s: pools %s; %zu mobile nodes; lease %us, binding "
	    "%us, quarantine %us, max_leases %u; types %s; %s backend",
	    a6(&c->address, a), pools, c->nmns, c->lease_lifetime,
	    c->binding_lifetime, c->quarantine, c->max_leases, types,
	    dhp_dp_backend(h->dp));
}

/* A saved binding back into the data plane. */
static void
on_restored(const struct dhp_action *a, void *arg)
{
	struct dhpd *h = arg;
	char d[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	if (dhp_dp_apply(h->dp, a) < 0) {
		struct dhp_result res;

		/* The lease stays; the MN's next DHP-BU binds it again. */
		memset(&res, 0, sizeof(res));
		res.has_action = true;
		res.action = *a;
		dhp_engine_action_failed(h->eng, &res);
		log_warnx("DHP binding %s: not restored, the data plane "
		    "refused it", a6(&a->dhoa, d));
		return;
	}
	log_info("DHP binding %s -> %s restored", a6(&a->dhoa, d),
	    a6(&a->coa, c));
}

/* A DHoA of the state file with no binding now: a killed instance may
 * have left its route. */
static void
on_unbound(const struct in6_addr *dhoa, void *arg)
{
	struct dhpd *h = arg;

	(void)dhp_dp_purge(h->dp, dhoa);
}

/*
 * Issue 8: load state_dir/dhpd.state, put its leases and bindings back
 * (engine and data plane) and start saving; a MESG-ID floor at the
 * start time makes any message sent before this start a replay.
 */
static void
state_restore(struct dhpd *h, const struct dhpd_conf *c)
{
	struct dhpd_state st;
	uint64_t mono = evloop_clock_ms(), wall = sf_wall_now_ms();
	int rc;

	memset(&st, 0, sizeof(st));
	if ((rc = sf_ensure_dir(c->common.state_dir)) < 0)
		log_warnx("state_dir %s: %s; leases are not saved nor "
		    "restored", c->common.state_dir, rc == -EPERM ?
		    "writable by group or others" : strerror(-rc));
	else if (snprintf(h->state_dir, sizeof(h->state_dir), "%s",
	    c->common.state_dir) >= (int)sizeof(h->state_dir))
		h->state_dir[0] = '\0';
	if (h->state_dir[0] != '\0')
		(void)dhpd_state_load(h->state_dir, &st);
	dhpd_state_apply(h->eng, &st, mono, wall, ntp_now(), on_restored, h,
	    on_unbound, &h->restored);
	dhpd_state_free(&st);
	if (h->state_dir[0] != '\0') {
		sf_saver_init(&h->saver, h->d->loop, SF_SAVE_INTERVAL_MS,
		    state_save, h);
		sf_saver_dirty(&h->saver);
	}
	log_info("state: restored %zu leases, %zu bindings, %zu quarantined "
	    "DHoAs (%zu expired while down, %zu refused), replay state of "
	    "%zu mobile nodes", h->restored.leases, h->restored.bindings,
	    h->restored.quarantined, h->restored.expired, h->restored.refused,
	    h->restored.mns);
	arm_expiry(h);
}

static int
dhpd_on_start(struct daemon *d)
{
	struct dhpd_conf *c = d->conf;
	struct dhp_dp_cfg dc;
	struct dhpd *h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		log_warn("dhpd");
		return -1;
	}
	h->d = d;
	h->udp = c->common.transport == CONF_TRANSPORT_UDP;
	timer_init(&h->expiry, on_expiry, h);
	if (fixed_take(&h->fixed, c) == -1 ||
	    (h->sas = sa_table_new()) == NULL ||
	    conf_sa_move_to_table(&c->common, h->sas) == -1 ||
	    (h->eng = dhp_engine_new(c, h->sas, seed_make())) == NULL) {
		log_warn("dhpd: engine");
		goto err;
	}
	memset(&dc, 0, sizeof(dc));
	dc.kind = dhp_dp_kind(c->common.backend);
	dc.local = c->address;
	snprintf(dc.uplink, sizeof(dc.uplink), "%s", c->interface);
	dc.pools = h->fixed.pools;
	dc.npools = h->fixed.npools;
	if ((h->dp = dhp_dp_open(d->loop, &dc)) == NULL)
		goto err;
	if (d->ctl != NULL &&
	    (ctlsock_register(d->ctl, "show bindings", 0, ctl_show_bindings,
	    d) == -1 || ctlsock_register(d->ctl, "show leases", 0,
	    ctl_show_leases, d) == -1)) {
		log_warn("dhpd: control commands");
		goto err;
	}
	/* D.4 rule 6: the DHCPv6 server of an access router. */
	if (c->dhcp6 != NULL &&
	    (h->dhcp6 = dhcp6s_io_open(d->loop, d->ctl, c->dhcp6)) == NULL)
		goto err;
	if (rl_guard_init(&h->rl) == -1) {
		log_warn("dhpd: rate limiter");
		goto err;
	}
	state_restore(h, c);
	d->engine = h;
	log_started(h, c);
	/* Issue 8: sockets, tunnel and control socket are open. Keep
	 * this last in on_start. */
	if (privs_drop(PRIVS_BIT(CAP_NET_ADMIN) | PRIVS_BIT(CAP_NET_RAW)) ==
	    -1)
		log_warn("dhpd: dropping capabilities");
	return 0;
err:
	dhpd_cleanup(h);
	return -1;
}

static void
log_stats(const struct dhpd *h)
{
	const struct dhp_stats *e = dhp_engine_stats(h->eng);
	const struct dhoa_pool_stats *p =
	    dhoa_pool_stats(dhp_engine_pool(h->eng));
	uint64_t req_ok = 0, req_rej = 0, bu_ok = 0, bu_rej = 0;

	for (unsigned s = 0; s < 256; s++) {
		if (BA_STATUS_REJECTED(s)) {
			req_rej += e->req_status[s];
			bu_rej += e->bu_status[s];
		} else {
			req_ok += e->req_status[s];
			bu_ok += e->bu_status[s];
		}
	}
	log_info("stats: DHoA Request %" PRIu64 " (accepted %" PRIu64
	    ", rejected %" PRIu64 "), DHP-BU %" PRIu64 " (accepted %" PRIu64
	    ", rejected %" PRIu64 ")", e->rx_dhoa_req, req_ok, req_rej,
	    e->rx_dhp_bu, bu_ok, bu_rej);
	log_info("stats: leases new %" PRIu64 ", renewed %" PRIu64
	    ", released %" PRIu64 ", expired %" PRIu64 "; leased %zu, "
	    "quarantined %zu, exhausted %" PRIu64, e->lease_new,
	    e->lease_renewed, e->lease_released, e->lease_expired, p->leased,
	    p->quarantined, p->exhausted);
	log_info("stats: bindings added %" PRIu64 ", moved %" PRIu64
	    ", refreshed %" PRIu64 ", deleted %" PRIu64 ", expired %" PRIu64
	    ", refused by the data plane %" PRIu64 "; BRR sent %" PRIu64,
	    e->bind_added, e->bind_moved, e->bind_refreshed, e->bind_deleted,
	    e->bind_expired, e->bind_failed, e->brr_sent);
	log_info("stats: dropped: malformed %lu, not ours %" PRIu64
	    ", no HoA %" PRIu64 ", no AUTH %" PRIu64 ", unknown SPI %" PRIu64
	    ", bad %" PRIu64 ", other type %" PRIu64 ", no memory %" PRIu64
	    "; removals incomplete %" PRIu64 "; sent %" PRIu64 ", not sent %"
	    PRIu64, h->d->rx_bad, h->st.drop_not_ours, e->drop_no_hoa,
	    e->drop_no_auth, e->drop_unknown_spi, e->drop_bad, e->rx_other,
	    e->drop_nomem, h->st.del_failed, h->st.tx, h->st.tx_errors);
}

static void
dhpd_on_stop(struct daemon *d)
{
	struct dhpd *h = d->engine;

	if (h == NULL)
		return;
	/* The leases stay in the state file for the next start. */
	if (h->state_dir[0] != '\0')
		sf_saver_flush(&h->saver);
	log_info("removing %zu DHoA bindings from the data plane",
	    dhp_dp_count(h->dp));
	log_stats(h);
	dhpd_cleanup(h);
	d->engine = NULL;
}

static bool
pools_equal(const struct dhpd_fixed *f, const struct dhpd_conf *c)
{
	if (f->npools != c->npools)
		return false;
	for (size_t i = 0; i < c->npools; i++)
		if (!addr_eq(&f->pools[i].addr, &c->pools[i].addr) ||
		    f->pools[i].len != c->pools[i].len)
			return false;
	return true;
}

/* Settings the running daemon cannot take over; logged. */
static unsigned
restart_needed(const struct dhpd_fixed *f, const struct dhpd_conf *c)
{
	unsigned n = 0;

	if (!addr_eq(&f->address, &c->address) && ++n)
		log_warnx("address changed: restart dhpd to apply it");
	if (strcmp(f->interface, c->interface) != 0 && ++n)
		log_warnx("interface changed: restart dhpd to apply it");
	if (!pools_equal(f, c) && ++n)
		log_warnx("pools changed: restart dhpd to apply them");
	if (f->backend != c->common.backend && ++n)
		log_warnx("backend changed: restart dhpd to apply it");
	if ((f->transport != c->common.transport ||
	    f->udp_port != c->common.udp_port) && ++n)
		log_warnx("transport changed: restart dhpd to apply it");
	return n;
}

/* SIGHUP: lifetimes, quarantine, max_leases, continuity types, mobile
 * nodes and SAs take effect at once; the rest needs a restart. */
static void
dhpd_on_reload(struct daemon *d)
{
	struct dhpd *h = d->engine;
	struct dhpd_conf *c = d->conf;
	struct sa_table *sas;
	unsigned n;

	if (h == NULL)
		return;
	n = restart_needed(&h->fixed, c);
	if ((sas = sa_table_new()) == NULL ||
	    conf_sa_move_to_table(&c->common, sas) == -1 ||
	    dhp_engine_reconfigure(h->eng, c, sas, evloop_now_ms(d->loop),
	    on_event, h) == -1) {
		log_warn("reload: the running mobile nodes and SAs stay");
		sa_table_free(sas);
		return;
	}
	sa_table_free(h->sas);
	h->sas = sas;
	state_dirty(h);
	arm_expiry(h);
	log_info("reload: %zu mobile nodes, lease %us, binding %us, "
	    "quarantine %us, max_leases %u%s", c->nmns, c->lease_lifetime,
	    c->binding_lifetime, c->quarantine, c->max_leases,
	    n ? "; some settings wait for a restart" : "");
}

static const struct daemon_def dhpd_def = {
	.name = "dhpd",
	.default_conf = DHPD_CONF_DEFAULT,
	.conf_size = sizeof(struct dhpd_conf),
	.load = dhpd_load,
	.print = dhpd_print,
	.free = dhpd_free,
	.bind_addr = dhpd_bind_addr,
	.on_mh = dhpd_on_mh,
	.on_reload = dhpd_on_reload,
	.on_start = dhpd_on_start,
	.on_stop = dhpd_on_stop,
	.ctl_stats = dhpd_ctl_stats,
};

int
main(int argc, char **argv)
{
	struct daemon d;

	daemon_start(&d, &dhpd_def, argc, argv);
	return daemon_run(&d);
}
