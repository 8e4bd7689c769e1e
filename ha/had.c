/*
 * had.c: the dmip6 home agent daemon (RFC 6275 10; PROTOCOL.md A.3.1,
 * A.3.2, B.3, B.4, B.8, F.15, H).
 *
 * The thin I/O edge around the pure engine (ha_engine.h):
 *
 *   MH socket -> ha_engine_input() -> action applied to the data plane
 *   (ha_dataplane.h: tunnel + proxy ND) -> BA built, signed and sent.
 *
 * A first registration waits for DAD on the home link (ha_dad.h); the
 * BA goes out when the probe ends. One evloop timer is armed for the
 * earliest binding expiry. Every decision is logged at info level in a
 * fixed form (had(8) lists them); drops go to debug and are counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "auth.h"
#include "bcache.h"
#include "conf.h"
#include "ctlsock.h"
#include "daemon.h"
#include "evloop.h"
#include "ha_dad.h"
#include "ha_dataplane.h"
#include "ha_engine.h"
#include "had_ctl.h"
#include "had_reload.h"
#include "had_state.h"
#include "log.h"
#include "privs.h"
#include "ratelimit.h"
#include "statefile.h"

/* What the I/O edge counts (the engine counts the protocol). */
struct had_io_stats {
	uint64_t	drop_not_ours;	/* MH to another address */
	uint64_t	apply_failed;	/* data plane refused: BA 128 */
	uint64_t	del_failed;	/* removal incomplete (logged) */
	uint64_t	dad_errors;	/* DAD could not run: BA 128 */
	uint64_t	tx, tx_errors;	/* replies sent / not sent */
	/* BU outcomes as answered: the engine's bu_status counts its own
	 * verdict, before a data-plane failure or DAD turns it into 128
	 * or 134, and counts a BU answered later by DAD at once. */
	uint64_t	bu_final[256];
	uint64_t	restore_failed;	/* saved binding the kernel refused */
};

struct had {
	struct daemon		*d;
	struct sa_table		*sas;
	struct ha_engine	*eng;
	struct ha_dp		*dp;
	struct ha_dad		*dad;	/* NULL with skip_dad */
	struct timer		 expiry;	/* earliest expiry */
	struct had_snap		 snap;	/* the running settings */
	struct in6_addr		 address;
	char			 home_if[CONF_IFNAME_MAX];
	bool			 udp;		/* UDP transport */
	struct had_io_stats	 st;
	struct had_ctl		 ctl;		/* dmipctl commands */
	/* Issue 8: state file, rate limit of failures, privileges. */
	char			 state_dir[PATH_MAX];	/* "": not saved */
	struct sf_saver		 saver;
	struct had_state_result	 restored;
	struct rl_guard		 rl;
};

/* Where and how a reply goes. */
struct tx_to {
	struct in6_addr	src;	/* the address the request went to */
	uint16_t	dport;	/* UDP: the request's source port */
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
had_load(const char *path, void *conf)
{
	return had_conf_load(path, conf);
}

static void
had_print(FILE *f, const void *conf)
{
	had_conf_print(f, conf);
}

static void
had_free(void *conf)
{
	had_conf_free(conf);
}

static const struct in6_addr *
had_bind_addr(const void *conf)
{
	return &((const struct had_conf *)conf)->address;
}

/* ---- replies ------------------------------------------------------- */

static void
send_reply(struct had *h, const struct ha_reply *r, const struct tx_to *to)
{
	uint8_t buf[MH_MAX_LEN];
	ssize_t len = ha_reply_encode(r, buf, sizeof(buf));

	if (daemon_send(h->d, buf, len, r->msg.type, &to->src, &r->dst,
	    h->udp ? to->dport : 0) == -1)
		h->st.tx_errors++;
	else
		h->st.tx++;
}

/*
 * Turn the engine's answer for a binding we could not install into a
 * rejection: status 128, no lifetime, no refresh advice. When the BU
 * asked for no BA (A = 0) the engine made none, but a rejection is
 * always answered (RFC 6275 10.3.1), so build it here the way the
 * engine would (B.8: same SA, CoA || HoA, MESG-ID echoed).
 */
static void
reject_reply(struct had *h, struct ha_result *res, const struct bce *b,
    const struct mh_opts *bu_opt, uint16_t seq)
{
	struct ha_reply *r = &res->reply;
	const struct mh_sa *sa;

	res->verdict = HA_V_REJECTED;
	res->status = BA_STATUS_UNSPECIFIED;
	if (!res->has_reply) {
		if (b == NULL || (sa = sa_table_find(h->sas, b->spi)) == NULL)
			return;
		memset(r, 0, sizeof(*r));
		res->has_reply = true;
		r->dst = b->coa;
		r->auth_coa = b->coa;
		r->auth_hoa = b->hoa;
		r->sa = sa;
		r->msg.type = MH_TYPE_BA;
		r->msg.opt.present = MHO_AUTH;
		r->msg.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
		r->msg.opt.auth_spi = sa->spi;
		r->msg.opt.auth_mac_len = (uint8_t)auth_alg_mac_len(sa->alg);
		if (bu_opt != NULL && (bu_opt->present & MHO_MESGID)) {
			r->msg.opt.present |= MHO_MESGID;
			r->msg.opt.mesgid = bu_opt->mesgid;
		}
		r->msg.u.ba.seq = seq;
	}
	r->msg.u.ba.status = BA_STATUS_UNSPECIFIED;
	r->msg.u.ba.lifetime = 0;
	r->msg.opt.present &= ~MHO_BRA;
}

/*
 * The engine accepted a binding that the data plane then refused (a
 * netlink error, the home interface gone, ...). RFC 6275 10.3.2: a BA
 * reports a binding that is in place, so this BU must not be accepted.
 * What we do: forget the entry (the engine has no call for it, so it
 * is removed from its binding cache directly), remove whatever the
 * data plane holds for the HoA (a failed move leaves the old route,
 * which would point at a CoA the cache no longer knows), answer 128
 * (reason unspecified) and count it. The MN retries with a new BU,
 * which is then a first registration again. The per-MN sequence and
 * MESG-ID stay advanced, which only asks the MN for newer ones.
 */
static void
apply_failed(struct had *h, const struct in6_addr *hoa,
    struct ha_result *res, const struct mh_opts *bu_opt, uint16_t seq)
{
	const struct bce *b = ha_engine_find(h->eng, hoa);
	char s[INET6_ADDRSTRLEN];

	h->st.apply_failed++;
	(void)ha_dp_del(h->dp, hoa);
	if (b == NULL)
		return;
	reject_reply(h, res, b, bu_opt, seq);
	log_warnx("binding %s: data plane change failed, entry removed, "
	    "BA 128", a6(hoa, s));
	(void)ha_engine_forget(h->eng, hoa);
}

/* ---- state file (issue 8) ------------------------------------------ */

static int
state_save(void *arg)
{
	struct had *h = arg;

	return had_state_save(h->eng, h->state_dir, evloop_clock_ms(),
	    sf_wall_now_ms());
}

/* A binding or replay counter changed: saved within 100 ms. */
static void
state_dirty(struct had *h)
{
	if (h->state_dir[0] != '\0')
		sf_saver_dirty(&h->saver);
}

/* ---- expiry -------------------------------------------------------- */

static void
arm_expiry(struct had *h)
{
	uint64_t next = ha_engine_next_expiry(h->eng);

	if (next == BCACHE_NO_EXPIRY)
		evloop_timer_cancel(h->d->loop, &h->expiry);
	else if (evloop_timer_at(h->d->loop, &h->expiry, next) == -1)
		log_warn("expiry timer");	/* the next change re-arms */
}

static void
on_expired_binding(const struct ha_action *a, void *arg)
{
	struct had *h = arg;
	char s[INET6_ADDRSTRLEN];

	if (ha_dp_apply(h->dp, a) < 0)
		h->st.del_failed++;
	log_info("binding %s expired", a6(&a->hoa, s));
}

static void
on_expiry(struct timer *t, void *arg)
{
	struct had *h = arg;

	(void)t;
	if (ha_engine_expire(h->eng, evloop_now_ms(h->d->loop),
	    on_expired_binding, h) > 0)
		state_dirty(h);
	arm_expiry(h);
}

/* ---- Binding Update ------------------------------------------------ */

/* What the BU said, for the decision log. */
struct bu_view {
	struct in6_addr	src, hoa, coa;
	uint16_t	seq;
	uint16_t	lifetime;	/* 4 s units */
};

/* The decision on one BU, as it was answered (and counted so). */
static void
log_bu(struct had *h, const struct bu_view *v, uint8_t status)
{
	char s[INET6_ADDRSTRLEN], ho[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	h->st.bu_final[status]++;
	log_info("BU from %s seq %u hoa %s coa %s lifetime %us: status %u (%s)",
	    a6(&v->src, s), v->seq, a6(&v->hoa, ho), a6(&v->coa, c),
	    (unsigned)v->lifetime * MH_LIFETIME_UNIT, status,
	    mh_status_name(status));
}

/*
 * Apply the engine's action, then log what became of the binding.
 * false when the data plane refused an ADD or MOVE (res then holds the
 * 128 rejection). A DEL that fails half-way is logged and counted but
 * still reported: the binding is gone from the cache either way, and a
 * repeated deregistration could only get 133.
 */
static bool
apply_action(struct had *h, struct ha_result *res, const struct bu_view *v,
    const struct mh_opts *bu_opt)
{
	const struct ha_action *a = &res->action;
	char ho[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN], o[INET6_ADDRSTRLEN];
	bool dereg = v->lifetime == 0 || addr_eq(&v->coa, &v->hoa);

	a6(&v->hoa, ho);
	if (!res->has_action) {
		if (res->verdict != HA_V_ACCEPTED)
			return true;
		if (dereg)
			log_info("binding %s deleted (deregistration)", ho);
		else
			log_info("binding %s -> %s refreshed", ho,
			    a6(&v->coa, c));
		return true;
	}
	if (ha_dp_apply(h->dp, a) < 0) {
		if (a->kind == HA_ACT_BIND_DEL)
			h->st.del_failed++;
		else {
			apply_failed(h, &a->hoa, res, bu_opt, v->seq);
			return false;
		}
	}
	a6(&a->hoa, ho);
	a6(&a->coa, c);
	switch (a->kind) {
	case HA_ACT_BIND_ADD:
		log_info("binding %s -> %s added", ho, c);
		break;
	case HA_ACT_BIND_MOVE:
		log_info("binding %s -> %s moved from %s", ho, c,
		    a6(&a->old_coa, o));
		break;
	case HA_ACT_BIND_DEL:
		log_info("binding %s deleted (deregistration)", ho);
		break;
	}
	return true;
}

/* First registration: start DAD; the BA waits for its end. If no NS
 * can be sent (no home interface, ...), the HoA cannot be checked:
 * the engine drops the entry (as for a duplicate) and the MN gets 128,
 * not 134, since no duplicate was seen. */
static void
bu_dad_start(struct had *h, struct ha_result *res, const struct bu_view *v,
    const struct ha_dad_req *req, const struct tx_to *to)
{
	char s[INET6_ADDRSTRLEN], ho[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	/* A copy: ha_engine_dad_done() clears res first. */
	struct in6_addr hoa = res->dad_hoa;

	if (h->dad != NULL && ha_dad_start(h->dad, &hoa, req) >= 0) {
		log_info("BU from %s seq %u hoa %s coa %s lifetime %us: DAD "
		    "pending on %s", a6(&v->src, s), v->seq, a6(&v->hoa, ho),
		    a6(&v->coa, c), (unsigned)v->lifetime * MH_LIFETIME_UNIT,
		    h->home_if);
		return;
	}
	if (!ha_engine_dad_done(h->eng, &hoa, false,
	    evloop_now_ms(h->d->loop), res))
		return;
	h->st.dad_errors++;
	log_info("DAD for %s on %s: not run", a6(&v->hoa, ho), h->home_if);
	reject_reply(h, res, NULL, NULL, v->seq);
	log_bu(h, v, res->status);
	if (res->has_reply)
		send_reply(h, &res->reply, to);
}

static void
on_bu(struct had *h, const struct mh_msg *m, const struct mh_rxinfo *ri,
    struct ha_result *res)
{
	struct bu_view v;
	struct ha_dad_req req;
	struct tx_to to = { .src = ri->dst, .dport = ri->sport };

	memset(&v, 0, sizeof(v));
	v.src = ri->src;
	v.hoa = m->opt.hoa;
	v.coa = (m->opt.present & MHO_ALTCOA) ? m->opt.altcoa : ri->src;
	v.seq = m->u.bu.seq;
	v.lifetime = m->u.bu.lifetime;
	memset(&req, 0, sizeof(req));
	req.src = ri->src;
	req.dst = ri->dst;
	req.sport = ri->sport;
	req.seq = v.seq;
	req.lifetime = v.lifetime;
	req.coa = v.coa;
	if (res->dad_start) {
		bu_dad_start(h, res, &v, &req, &to);
		return;
	}
	if (res->verdict == HA_V_DAD_PENDING) {
		/* Another BU while DAD runs: the engine updated the entry;
		 * the BA, when it comes, answers this one. */
		if (h->dad != NULL)
			(void)ha_dad_update(h->dad, &v.hoa, &req);
		log_debug("BU seq %u for a HoA in DAD: answered when DAD ends",
		    v.seq);
		return;
	}
	(void)apply_action(h, res, &v, &m->opt);
	log_bu(h, &v, res->status);
	if (res->has_reply)
		send_reply(h, &res->reply, &to);
}

static void
on_dad_done(const struct in6_addr *hoa, enum ha_dad_result r,
    const struct ha_dad_req *req, void *arg)
{
	struct had *h = arg;
	struct ha_result res;
	struct bu_view v;
	struct tx_to to = { .src = req->dst, .dport = req->sport };
	char s[INET6_ADDRSTRLEN];

	log_info("DAD for %s on %s: %s", a6(hoa, s), h->home_if,
	    r == HA_DAD_UNIQUE ? "ok" : "duplicate");
	if (!ha_engine_dad_done(h->eng, hoa, r == HA_DAD_UNIQUE,
	    evloop_now_ms(h->d->loop), &res)) {
		log_debug("DAD for %s: no binding waits for it any more", s);
		return;
	}
	memset(&v, 0, sizeof(v));
	v.src = req->src;
	v.hoa = *hoa;
	v.coa = req->coa;
	v.seq = req->seq;
	v.lifetime = req->lifetime;
	(void)apply_action(h, &res, &v, NULL);
	log_bu(h, &v, res.status);
	if (res.has_reply)
		send_reply(h, &res.reply, &to);
	state_dirty(h);
	arm_expiry(h);
}

/* ---- DHP Query ----------------------------------------------------- */

static void
on_dhp_query(struct had *h, const struct mh_msg *m,
    const struct mh_rxinfo *ri, struct ha_result *res)
{
	struct tx_to to = { .src = ri->dst, .dport = ri->sport };
	char s[INET6_ADDRSTRLEN], cn[INET6_ADDRSTRLEN];

	log_info("DHP Query from %s seq %u cn %s: status %u (%s), %u "
	    "candidates", a6(&ri->src, s), m->u.dq.seq, a6(&m->u.dq.cn, cn),
	    res->status, mh_status_name(res->status),
	    res->has_reply ? res->reply.msg.u.dr.count : 0);
	if (res->has_reply)
		send_reply(h, &res->reply, &to);
}

/* ---- daemon hooks -------------------------------------------------- */

static void
had_on_mh(struct daemon *d, const struct mh_msg *m, const uint8_t *buf,
    size_t len, const struct mh_rxinfo *ri)
{
	struct had *h = d->engine;
	struct ha_result res;
	struct ha_rx rx;
	uint64_t failed;
	char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];

	/* Raw MH sockets see every MH of the namespace (mhsock.h). */
	if (!addr_eq(&ri->dst, &h->address)) {
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
	if (ha_engine_input(h->eng, &rx, &res) == HA_V_DROPPED)
		return;
	/* Issue 8: failed authentication or replay protection is answered
	 * and logged within the source's and the global rate only. */
	if (res.verdict == HA_V_REJECTED && rl_guard_status(res.status) &&
	    !rl_guard_charge(&h->rl, &ri->src, rx.now)) {
		if (m->type == MH_TYPE_BU)
			h->st.bu_final[res.status]++;
		log_debug("%s from %s: status %u, rate-limited: no reply",
		    mh_type_name(m->type), a6(&ri->src, s), res.status);
		return;
	}
	failed = h->st.apply_failed;
	if (m->type == MH_TYPE_BU)
		on_bu(h, m, ri, &res);
	else if (m->type == MH_TYPE_DHP_QUERY)
		on_dhp_query(h, m, ri, &res);
	/* Accepted, or accepted then forgotten (apply_failed): the
	 * binding or the replay state changed. */
	if (res.verdict == HA_V_ACCEPTED || res.verdict == HA_V_DAD_PENDING ||
	    h->st.apply_failed != failed)
		state_dirty(h);
	arm_expiry(h);
}

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

static void
had_cleanup(struct had *h)
{
	sf_saver_stop(&h->saver);
	rl_guard_free(&h->rl);
	ha_dad_close(h->dad);
	evloop_timer_cancel(h->d->loop, &h->expiry);
	ha_dp_close(h->dp);
	ha_engine_free(h->eng);
	sa_table_free(h->sas);
	had_snap_free(&h->snap);
	free(h);
}

/* A saved binding back into the data plane (route, proxy ND). */
static void
on_restored(const struct ha_action *a, void *arg)
{
	struct had *h = arg;
	char ho[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	if (ha_dp_apply(h->dp, a) < 0) {
		h->st.restore_failed++;
		(void)ha_dp_del(h->dp, &a->hoa);
		(void)ha_engine_forget(h->eng, &a->hoa);
		log_warnx("binding %s: not restored, the data plane refused "
		    "it", a6(&a->hoa, ho));
		return;
	}
	log_info("binding %s -> %s restored", a6(&a->hoa, ho),
	    a6(&a->coa, c));
}

/*
 * Issue 8: load state_dir/had.state, put its bindings back (engine and
 * data plane), remove what a killed instance left for the other mobile
 * nodes, and start saving. A MESG-ID floor at the start time makes any
 * BU sent before this start a replay, saved or not.
 */
static void
state_restore(struct had *h, const struct had_conf *c)
{
	struct had_state st;
	uint64_t mono = evloop_clock_ms(), wall = sf_wall_now_ms();
	int rc;

	memset(&st, 0, sizeof(st));
	if ((rc = sf_ensure_dir(c->common.state_dir)) < 0)
		log_warnx("state_dir %s: %s; bindings are not saved nor "
		    "restored", c->common.state_dir, rc == -EPERM ?
		    "writable by group or others" : strerror(-rc));
	else if (snprintf(h->state_dir, sizeof(h->state_dir), "%s",
	    c->common.state_dir) >= (int)sizeof(h->state_dir))
		h->state_dir[0] = '\0';
	if (h->state_dir[0] != '\0')
		(void)had_state_load(h->state_dir, &st);
	had_state_apply(h->eng, &st, mono, wall, ntp_now(), on_restored, h,
	    &h->restored);
	had_state_free(&st);
	for (size_t i = 0; i < c->nmns; i++)
		if (ha_engine_find(h->eng, &c->mns[i].home_address) == NULL)
			(void)ha_dp_purge(h->dp, &c->mns[i].home_address);
	if (h->state_dir[0] != '\0') {
		sf_saver_init(&h->saver, h->d->loop, SF_SAVE_INTERVAL_MS,
		    state_save, h);
		/* The file now says what this run holds. */
		sf_saver_dirty(&h->saver);
	}
	log_info("state: restored %zu bindings (%zu expired while down, %zu "
	    "refused, %" PRIu64 " not installed), replay state of %zu "
	    "mobile nodes", h->restored.bindings - h->st.restore_failed,
	    h->restored.expired, h->restored.refused, h->st.restore_failed,
	    h->restored.mns);
	arm_expiry(h);
}

static int
had_on_start(struct daemon *d)
{
	struct had_conf *c = d->conf;
	struct ha_dp_cfg dc;
	struct had *h;
	char a[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		log_warn("had");
		return -1;
	}
	h->d = d;
	h->address = c->address;
	h->udp = c->common.transport == CONF_TRANSPORT_UDP;
	snprintf(h->home_if, sizeof(h->home_if), "%s", c->home_interface);
	timer_init(&h->expiry, on_expiry, h);
	/* The snapshot first: moving the SAs wipes the conf's keys. */
	if (had_snap_take(&h->snap, c) == -1 ||
	    (h->sas = sa_table_new()) == NULL ||
	    conf_sa_move_to_table(&c->common, h->sas) == -1 ||
	    (h->eng = ha_engine_new(c, h->sas)) == NULL) {
		log_warn("had: engine");
		goto err;
	}
	memset(&dc, 0, sizeof(dc));
	dc.kind = tunnel_kind_of(c->common.backend);
	dc.local = c->address;
	snprintf(dc.home_if, sizeof(dc.home_if), "%s", c->home_interface);
	if ((h->dp = ha_dp_open(d->loop, &dc)) == NULL)
		goto err;
	if (!c->skip_dad && (h->dad = ha_dad_open(d->loop, c->home_interface,
	    on_dad_done, h)) == NULL)
		goto err;
	h->ctl.eng = h->eng;
	h->ctl.loop = d->loop;
	h->ctl.conf = (const struct had_conf **)&d->conf;
	if (had_ctl_register(d->ctl, &h->ctl) == -1)
		goto err;
	if (rl_guard_init(&h->rl) == -1) {
		log_warn("had: rate limiter");
		goto err;
	}
	state_restore(h, c);
	d->engine = h;
	log_info("home agent %s for %s/%u on %s: %zu mobile nodes, %s "
	    "backend, DAD %s", a6(&c->address, a),
	    a6(&c->home_prefix.addr, p), c->home_prefix.len, h->home_if,
	    c->nmns,
	    ha_dp_backend(h->dp), c->skip_dad ? "skipped (skip_dad)" : "on");
	/* Issue 8: sockets, tunnel, DAD and control socket are open. */
	if (privs_drop(PRIVS_BIT(CAP_NET_ADMIN) | PRIVS_BIT(CAP_NET_RAW)) ==
	    -1)
		log_warn("had: dropping capabilities");
	return 0;
err:
	had_cleanup(h);
	return -1;
}

static void
log_stats(const struct had *h)
{
	const struct ha_stats *e = ha_engine_stats(h->eng);
	uint64_t acc = 0, rej = 0;
	char line[512];
	size_t off = 0;

	for (unsigned s = 0; s < 256; s++) {
		if (h->st.bu_final[s] == 0)
			continue;
		if (BA_STATUS_REJECTED(s))
			rej += h->st.bu_final[s];
		else
			acc += h->st.bu_final[s];
		if (off < sizeof(line))
			off += (size_t)snprintf(line + off, sizeof(line) - off,
			    " %u:%" PRIu64, s, h->st.bu_final[s]);
	}
	line[off < sizeof(line) ? off : sizeof(line) - 1] = '\0';
	log_info("stats: BU received %" PRIu64 ", answered: accepted %" PRIu64
	    ", rejected %" PRIu64 " (by status%s); DHP Query %" PRIu64,
	    e->rx_bu, acc, rej,
	    off ? line : " none", e->rx_dhp_query);
	log_info("stats: bindings added %" PRIu64 ", moved %" PRIu64
	    ", refreshed %" PRIu64 ", deleted %" PRIu64 ", expired %" PRIu64
	    "; DAD started %" PRIu64 ", duplicate %" PRIu64 ", not run %"
	    PRIu64,
	    e->bind_added, e->bind_moved, e->bind_refreshed, e->bind_deleted,
	    e->bind_expired, e->dad_started, e->dad_failed - h->st.dad_errors,
	    h->st.dad_errors);
	log_info("stats: dropped: malformed %lu, not ours %" PRIu64
	    ", no HoA %" PRIu64 ", no AUTH %" PRIu64 ", unknown SPI %" PRIu64
	    ", other type %" PRIu64 ", no memory %" PRIu64, h->d->rx_bad,
	    h->st.drop_not_ours, e->drop_no_hoa, e->drop_no_auth,
	    e->drop_unknown_spi, e->rx_other, e->drop_nomem);
	if (h->dad != NULL) {
		const struct ha_dad_stats *ds = ha_dad_stats(h->dad);

		log_info("stats: DAD probes %" PRIu64 " (unique %" PRIu64
		    ", duplicate %" PRIu64 ", NS not sent %" PRIu64
		    ", in flight %zu); NS/NA read %" PRIu64 ", invalid %"
		    PRIu64 ", own NS looped %" PRIu64 ", group joins failed %"
		    PRIu64, ds->started, ds->unique, ds->duplicate,
		    ds->tx_errors, ha_dad_count(h->dad), ds->rx, ds->rx_bad,
		    ds->rx_looped, ds->join_errors);
	}
	log_info("stats: data plane failures %" PRIu64 " (BA 128), removals "
	    "incomplete %" PRIu64 "; replies sent %" PRIu64 ", not sent %"
	    PRIu64, h->st.apply_failed, h->st.del_failed, h->st.tx,
	    h->st.tx_errors);
}

static void
had_on_stop(struct daemon *d)
{
	struct had *h = d->engine;

	if (h == NULL)
		return;
	/* The bindings stay in the state file for the next start. */
	if (h->state_dir[0] != '\0')
		sf_saver_flush(&h->saver);
	log_info("removing %zu bindings from the data plane",
	    ha_dp_count(h->dp));
	log_stats(h);
	had_cleanup(h);
	d->engine = NULL;
}

static void
had_on_reload(struct daemon *d)
{
	struct had *h = d->engine;
	const char *names[HAD_RELOAD_MAX];
	int n;

	if (h == NULL)
		return;
	if ((n = had_reload_diff(&h->snap, h->sas, d->conf, names,
	    HAD_RELOAD_MAX)) < 0) {
		log_warn("reload");
		return;
	}
	for (int i = 0; i < n && i < HAD_RELOAD_MAX; i++)
		log_warnx("%s changed: restart had to apply it", names[i]);
	if (n == 0)
		log_info("reload: no setting changed that needs a restart");
}

static void
had_ctl_stats_hook(struct daemon *d, struct ctl_out *o)
{
	struct had *h = d->engine;

	if (h == NULL)
		return;
	had_ctl_stats(&h->ctl, o);
	/* Issue 8. */
	ctl_kv(o, "rate_limited:n", "%" PRIu64, h->rl.suppressed);
	ctl_kv(o, "rate_limit_sources:n", "%zu",
	    ratelimit_stats(h->rl.src)->used);
	ctl_kv(o, "drop_not_ours:n", "%" PRIu64, h->st.drop_not_ours);
	ctl_kv(o, "state_writes:n", "%" PRIu64, h->saver.writes);
	ctl_kv(o, "state_write_errors:n", "%" PRIu64, h->saver.failures);
	ctl_kv(o, "state_restored_bindings:n", "%zu", h->restored.bindings);
	ctl_kv(o, "state_restored_expired:n", "%zu", h->restored.expired);
}

static const struct daemon_def had_def = {
	.name = "had",
	.default_conf = HAD_CONF_DEFAULT,
	.conf_size = sizeof(struct had_conf),
	.load = had_load,
	.print = had_print,
	.free = had_free,
	.bind_addr = had_bind_addr,
	.on_mh = had_on_mh,
	.on_reload = had_on_reload,
	.on_start = had_on_start,
	.on_stop = had_on_stop,
	.ctl_stats = had_ctl_stats_hook,
};

int
main(int argc, char **argv)
{
	struct daemon d;

	daemon_start(&d, &had_def, argc, argv);
	return daemon_run(&d);
}
