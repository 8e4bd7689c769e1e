/*
 * anchors.c: DHP Query, DHP selection, DHoA Request, DHP bindings and
 * release for mnd (see anchors.h; PROTOCOL.md A.3.3, A.3.4, B.11, C.2,
 * F.4, F.9, F.10, F.12, F.16, G.4).
 *
 * Anchors and requests live in small arrays (a mobile node has a few
 * DHPs and a few DHoAs). An anchor or request that ends is marked and
 * swept at the end of every entry point, so the loops over them never
 * see an array shrink under them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchors.h"
#include "dmip_proto.h"
#include "log.h"

static const char *const state_names[ANCHOR_STATE_COUNT] = {
	[ANCHOR_REQUESTING] = "requesting",
	[ANCHOR_BOUND] = "bound",
	[ANCHOR_RENEWING] = "renewing",
	[ANCHOR_RELEASING] = "releasing",
	[ANCHOR_GONE] = "gone",
};

static const char *const req_state_names[AREQ_STATE_COUNT] = {
	[AREQ_QUERYING] = "querying",
	[AREQ_REQUESTING] = "requesting",
	[AREQ_DONE] = "done",
	[AREQ_FAILED] = "failed",
};

static const char *const verdict_names[ANCHORS_RX_VERDICT_COUNT] = {
	[ANCHORS_RX_USED] = "used",
	[ANCHORS_RX_NOT_OURS] = "not for the anchors",
	[ANCHORS_RX_BAD_AUTH] = "authentication failed",
	[ANCHORS_RX_STALE] = "MESG-ID missing or outside the window",
	[ANCHORS_RX_IGNORED] = "answers nothing outstanding",
	[ANCHORS_RX_BAD] = "malformed content",
};

const char *
anchor_state_name(enum anchor_state s)
{
	return (unsigned)s < ANCHOR_STATE_COUNT ? state_names[s] : "?";
}

const char *
areq_state_name(enum areq_state s)
{
	return (unsigned)s < AREQ_STATE_COUNT ? req_state_names[s] : "?";
}

const char *
areq_result_name(enum areq_result r)
{
	switch (r) {
	case AREQ_R_DHOA:
		return "dhoa";
	case AREQ_R_HOA:
		return "hoa";
	case AREQ_R_COA:
		return "coa";
	case AREQ_R_NONE:
		break;
	}
	return "none";
}

const char *
anchors_verdict_name(enum anchors_verdict v)
{
	return (unsigned)v < ANCHORS_RX_VERDICT_COUNT ? verdict_names[v] : "?";
}

void
anchors_cfg_defaults(struct anchors_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->lease_s = DHOA_LEASE_DEFAULT_S;
	c->grace_s = 60;
	c->binding_s = DHP_BINDING_LIFETIME_DEFAULT_S;
	c->idle_release_ms = DHOA_IDLE_RELEASE_S * 1000;
	c->fallback_to_ha = true;
	c->query_timeout_ms = DHP_QUERY_TIMEOUT_MS;
	c->query_tries = DHP_QUERY_TRIES;
	c->req_timeout_ms = DHOA_REQUEST_TIMEOUT_MS;
	c->req_tries = DHOA_REQUEST_TRIES;
}

/* ---- small helpers ------------------------------------------------------ */

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

static bool
same64(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, 8) == 0;
}

/* 4 s units, at least 1, at most the field's maximum. */
static uint16_t
units_of(unsigned secs)
{
	unsigned u = secs / MH_LIFETIME_UNIT;

	if (u == 0)
		u = 1;
	return u > MH_LIFETIME_MAX_UNITS ? MH_LIFETIME_MAX_UNITS : (uint16_t)u;
}

/* seq lies in [first, last] modulo 2^16. */
static bool
seq_in(uint16_t seq, uint16_t first, uint16_t last)
{
	return (uint16_t)(seq - first) <= (uint16_t)(last - first);
}

static uint16_t
seq_take(struct anchors *a)
{
	return a->next_seq++;
}

static const char *
dhp_name(const struct anchors *a, int i)
{
	return i >= 0 && (size_t)i < a->cache.ndhps ? a->cache.dhps[i].name :
	    "?";
}

/* "anchor <dhoa>" once it is known, "anchor at <dhp>" before. */
static const char *
anchor_label(const struct anchor *an, char *buf, size_t len)
{
	char x[INET6_ADDRSTRLEN];

	if (IN6_IS_ADDR_UNSPECIFIED(&an->dhoa))
		snprintf(buf, len, "at %s", a6(&an->peer, x));
	else
		snprintf(buf, len, "%s", a6(&an->dhoa, x));
	return buf;
}

static void
set_state(struct anchor *an, enum anchor_state s, const char *why)
{
	char l[INET6_ADDRSTRLEN + 8];

	log_info("anchor %s: %s -> %s (%s)", anchor_label(an, l, sizeof(l)),
	    anchor_state_name(an->state), anchor_state_name(s), why);
	an->state = s;
}

static void
notify(struct anchors *a, enum anchors_event ev, const struct anchor *an,
    const struct anchor_req *r)
{
	if (a->io.event != NULL)
		a->io.event(a->io.arg, ev, an, r);
}

/* Sign m with sa over auth_coa || HoA and hand it to io.send. */
static int
send_msg(struct anchors *a, struct mh_msg *m, const struct mh_sa *sa,
    const struct in6_addr *auth_coa, const struct in6_addr *src,
    const struct in6_addr *dst)
{
	uint8_t buf[MH_MAX_LEN];
	size_t off = 0;
	ssize_t len;

	m->opt.present |= MHO_AUTH;
	m->opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	m->opt.auth_spi = sa->spi;
	m->opt.auth_mac_len = (uint8_t)auth_alg_mac_len(sa->alg);
	if ((len = mh_build(m, buf, sizeof(buf), &off)) < 0) {
		log_warnx("%s: cannot build it: %s", mh_type_name(m->type),
		    mh_strerror((int)len));
		errno = EINVAL;
		return -1;
	}
	if (mh_auth_sign(buf, (size_t)len, off, sa, auth_coa,
	    &a->cfg.hoa) != 0) {
		log_warnx("%s: cannot sign it", mh_type_name(m->type));
		errno = EINVAL;
		return -1;
	}
	if (!a->have_coa) {
		errno = ENETUNREACH;
		return -1;
	}
	if (a->io.send(a->io.arg, buf, (size_t)len, src, dst) == -1)
		return -1;
	return 0;
}

static void
not_sent(struct anchors *a, const char *line)
{
	a->st.send_errors++;
	log_warnx("not sent: %s: %s", line, strerror(errno));
}

/* ---- requests ----------------------------------------------------------- */

static void req_proceed(struct anchors *, struct anchor_req *, struct bul_now);

static struct anchor_req *
req_new(struct anchors *a, const struct in6_addr *cn, uint8_t type,
    uint64_t now)
{
	struct anchor_req *r, **v;

	if (a->nreqs == a->reqcap) {
		size_t cap = a->reqcap ? a->reqcap * 2 : 16;

		if ((v = reallocarray(a->reqs, cap, sizeof(*v))) == NULL)
			return NULL;
		a->reqs = v;
		a->reqcap = cap;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->tried = calloc(a->cache.ndhps + 1, sizeof(bool))) == NULL) {
		free(r);
		return NULL;
	}
	r->id = a->next_req_id++;
	r->cn = *cn;
	r->type = type;
	r->dhp = -1;
	r->t_start = now;
	a->reqs[a->nreqs++] = r;
	return r;
}

static void
req_finish(struct anchors *a, struct anchor_req *r, enum areq_state s,
    enum areq_result res, const struct in6_addr *addr, const char *why,
    uint64_t now)
{
	r->state = s;
	r->result = res;
	if (addr != NULL)
		r->addr = *addr;
	if (why != NULL && why != r->why)
		snprintf(r->why, sizeof(r->why), "%s", why);
	r->t_done = now;
	notify(a, ANCHORS_EV_REQ_DONE, NULL, r);
}

/* No DHoA for r: the HoA (A.3.3 fallback), the CoA (graceful-
 * replacement without a co-located DHP, E.4) or a failure. */
static void
req_fallback(struct anchors *a, struct anchor_req *r, const char *why,
    uint64_t now)
{
	char c[INET6_ADDRSTRLEN];

	if (r->why[0] != '\0')
		why = r->why;	/* the last DHP's failure says more */
	if (r->type == CONT_GRACEFUL) {
		log_info("graceful-replacement for %s: the care-of address "
		    "(%s)", a6(&r->cn, c), why);
		req_finish(a, r, AREQ_DONE, AREQ_R_COA, &a->coa, why, now);
		return;
	}
	if (a->cfg.fallback_to_ha && !r->on_net) {
		a->st.fallbacks++;
		log_info("fallback to HoA for %s (%s)", a6(&r->cn, c), why);
		req_finish(a, r, AREQ_DONE, AREQ_R_HOA, &a->cfg.hoa, why, now);
		return;
	}
	a->st.failures++;
	log_info("no anchor for %s (%s)", a6(&r->cn, c), why);
	req_finish(a, r, AREQ_FAILED, AREQ_R_NONE, NULL, why, now);
}

static void
req_done_dhoa(struct anchors *a, struct anchor_req *r, struct anchor *an,
    uint64_t now)
{
	char d[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	an->holds++;
	an->idle_at = 0;
	r->dhp = an->dhp;
	log_info("DHoA %s from %s for %s type %s", a6(&an->dhoa, d),
	    a6(&an->peer, p), a6(&r->cn, c), conf_cont_name(r->type));
	req_finish(a, r, AREQ_DONE, AREQ_R_DHOA, &an->dhoa, "", now);
}

/* The directory's answer for r; ON_NET keeps the co-located DHPs. */
static void
req_answer(struct anchor_req *r, const struct dhpc_entry *e)
{
	uint8_t n = 0;

	r->answer = *e;
	r->has_answer = true;
	if (!r->on_net)
		return;
	for (uint8_t i = 0; i < e->n && i < MH_MAX_CAND; i++)
		if (e->cand[i].flags & DHP_CAND_F_COLOCATED)
			r->answer.cand[n++] = e->cand[i];
	r->answer.n = n;
	if (n == 0)
		snprintf(r->why, sizeof(r->why), "SRC_ON_NET: no DHP "
		    "co-located with the access network");
}

/* No destination yet (setsc() before connect(), E.4): every configured
 * DHP is a candidate, in mnd.conf order, and the tie-break picks (with
 * "reuse", the DHP already in use). No DHP Query: the directory
 * answers per CN. */
static void
req_any_dhp(const struct anchors *a, struct anchor_req *r)
{
	struct dhpc_entry e;

	memset(&e, 0, sizeof(e));
	e.cn = r->cn;
	e.status = DMIP_STATUS_OK;
	for (size_t i = 0; i < a->cache.ndhps && e.n < MH_MAX_CAND; i++)
		e.cand[e.n++].addr = a->cache.dhps[i].addr;
	req_answer(r, &e);
}

/* ---- DHP Query (B.11.2, B.11.3, C.2) ------------------------------------ */

static struct dhp_query *
query_find(const struct anchors *a, const struct in6_addr *cn)
{
	for (size_t i = 0; i < a->nq; i++)
		if (same64(&a->q[i]->cn, cn))
			return a->q[i];
	return NULL;
}

static void
query_send(struct anchors *a, struct dhp_query *q, struct bul_now now,
    const char *why)
{
	struct mh_msg m;
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN], line[160];

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_DHP_QUERY;
	q->seq = seq_take(a);
	m.u.dq.seq = q->seq;
	m.u.dq.cn = q->cn;	/* Max Candidates 0: the directory decides */
	/* F.6: HoA option; B.8: MESG-ID then AUTH with the MN-HA SA. */
	m.opt.present = MHO_HOA | MHO_MESGID;
	m.opt.hoa = a->cfg.hoa;
	m.opt.mesgid = now.ntp + (uint64_t)a->ha_clock_offset;
	q->src_prev = q->src;
	q->src = a->coa;
	q->tries++;
	q->next_at = now.ms + q->rto_ms;
	a->st.queries_sent++;
	snprintf(line, sizeof(line), "DHP Query to %s seq %u for %s (%s)",
	    a6(&a->cfg.ha, h), q->seq, a6(&q->cn, c), why);
	if (send_msg(a, &m, a->cfg.ha_sa, &a->coa, &a->coa, &a->cfg.ha) == -1)
		not_sent(a, line);
	else
		log_info("%s", line);
}

static struct dhp_query *
query_start(struct anchors *a, const struct in6_addr *cn, struct bul_now now)
{
	struct dhp_query *q, **v;

	if (a->nq == a->qcap) {
		size_t cap = a->qcap ? a->qcap * 2 : 4;

		if ((v = reallocarray(a->q, cap, sizeof(*v))) == NULL)
			return NULL;
		a->q = v;
		a->qcap = cap;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->cn = *cn;
	q->rto_ms = a->cfg.query_timeout_ms;
	q->first_ms = now.ms;
	q->seq_first = a->next_seq;
	a->q[a->nq++] = q;
	query_send(a, q, now, "new");
	return q;
}

static void
query_remove(struct anchors *a, struct dhp_query *q)
{
	for (size_t i = 0; i < a->nq; i++) {
		if (a->q[i] != q)
			continue;
		free(q);
		memmove(&a->q[i], &a->q[i + 1],
		    (a->nq - i - 1) * sizeof(*a->q));
		a->nq--;
		return;
	}
}

/* The directory answered (e) or gave up (e NULL, why): every request
 * waiting for cn's /64 goes on. */
static void
query_done(struct anchors *a, struct dhp_query *q, const struct dhpc_entry *e,
    const char *why, struct bul_now now)
{
	struct in6_addr cn = q->cn;

	query_remove(a, q);
	for (size_t i = 0; i < a->nreqs; i++) {
		struct anchor_req *r = a->reqs[i];

		if (r->state != AREQ_QUERYING || !same64(&r->cn, &cn))
			continue;
		if (e == NULL) {
			req_fallback(a, r, why, now.ms);
			continue;
		}
		req_answer(r, e);
		req_proceed(a, r, now);
	}
}

static void
query_timer(struct anchors *a, struct dhp_query *q, struct bul_now now)
{
	char c[INET6_ADDRSTRLEN], why[ANCHORS_WHY_MAX];

	if (now.ms < q->next_at)
		return;
	if (q->tries >= a->cfg.query_tries) {
		a->st.query_timeouts++;
		snprintf(why, sizeof(why), "no answer from the home agent to "
		    "%u DHP Queries", q->tries);
		log_info("DHP query for %s: %s", a6(&q->cn, c), why);
		query_done(a, q, NULL, why, now);
		return;
	}
	q->rto_ms *= 2;
	if (q->rto_ms > MAX_BINDACK_TIMEOUT_MS)
		q->rto_ms = MAX_BINDACK_TIMEOUT_MS;
	query_send(a, q, now, "retransmit");
}

/* "DHP query for <cn>: <dhp>, ...|use HA (validity <s>s)". */
static void
log_reply(const struct anchors *a, const struct mh_msg *m)
{
	const struct mh_dhp_reply *r = &m->u.dr;
	char c[INET6_ADDRSTRLEN], x[INET6_ADDRSTRLEN], list[512];
	size_t off = 0;
	int i;

	list[0] = '\0';
	if (r->status == DMIP_STATUS_USE_HA || m->opt.n_cand == 0)
		snprintf(list, sizeof(list), "use HA");
	for (unsigned k = 0; r->status != DMIP_STATUS_USE_HA &&
	    k < m->opt.n_cand && off < sizeof(list); k++) {
		i = dhp_cache_find_dhp(&a->cache, &m->opt.cand[k].addr);
		off += (size_t)snprintf(list + off, sizeof(list) - off,
		    "%s%s%s%s", k ? ", " : "", a6(&m->opt.cand[k].addr, x),
		    i >= 0 ? " " : " (not configured)",
		    i >= 0 ? dhp_name(a, i) : "");
	}
	log_info("DHP query for %s: %s (validity %us)", a6(&r->cn, c), list,
	    r->validity * (unsigned)MH_LIFETIME_UNIT);
}

static enum anchors_verdict
reply_input(struct anchors *a, const struct mh_msg *m, const uint8_t *raw,
    size_t len, const struct in6_addr *src, const struct in6_addr *dst,
    struct bul_now now)
{
	const struct mh_dhp_reply *r = &m->u.dr;
	struct dhp_query *q = NULL;
	const struct in6_addr *coa;
	const struct dhpc_entry *e;
	struct dhpc_entry tmp;
	char why[ANCHORS_WHY_MAX], c[INET6_ADDRSTRLEN];

	if (!addr_eq(src, &a->cfg.ha))
		return ANCHORS_RX_NOT_OURS;
	for (size_t i = 0; i < a->nq && q == NULL; i++)
		if (seq_in(r->seq, a->q[i]->seq_first, a->q[i]->seq))
			q = a->q[i];
	/* B.8: the HA signs with the CoA it sends the reply to. */
	coa = !IN6_IS_ADDR_UNSPECIFIED(dst) ? dst : q != NULL ? &q->src :
	    &a->coa;
	if (mh_auth_verify(raw, len, &m->opt, a->cfg.ha_sa, coa,
	    &a->cfg.hoa) != 0)
		return ANCHORS_RX_BAD_AUTH;
	if (r->status != BA_STATUS_ID_MISMATCH && replay_check(a->cfg.ha_sa,
	    &m->opt, now.ntp + (uint64_t)a->ha_clock_offset) != 0)
		return ANCHORS_RX_STALE;
	if (q == NULL)
		return ANCHORS_RX_IGNORED;
	if (!same64(&r->cn, &q->cn))
		return ANCHORS_RX_BAD;
	a->st.replies++;
	if (r->status == BA_STATUS_ID_MISMATCH && !q->clock_retried &&
	    (m->opt.present & MHO_MESGID)) {
		/* F.8: learn the home agent's clock, retry once. */
		q->clock_retried = true;
		a->ha_clock_offset = (int64_t)(m->opt.mesgid - now.ntp);
		log_warnx("DHP query for %s: timestamp rejected, clock offset "
		    "%lld ms, retrying", a6(&q->cn, c),
		    (long long)ntp_diff_ms(m->opt.mesgid, now.ntp));
		query_send(a, q, now, "clock resync");
		return ANCHORS_RX_USED;
	}
	if (BA_STATUS_REJECTED(r->status) || (r->status ==
	    DMIP_STATUS_OK && m->opt.n_cand == 0) ||
	    (r->status != DMIP_STATUS_OK && r->status != DMIP_STATUS_USE_HA)) {
		snprintf(why, sizeof(why), "the directory answered status %u "
		    "(%s)", r->status, mh_status_name(r->status));
		log_info("DHP query for %s: %s", a6(&q->cn, c), why);
		query_done(a, q, NULL, why, now);
		return ANCHORS_RX_USED;
	}
	log_reply(a, m);
	e = dhp_cache_put(&a->cache, &q->cn, r->status, m->opt.cand,
	    m->opt.n_cand, r->validity * (unsigned)MH_LIFETIME_UNIT, now.ms);
	if (e == NULL) {
		/* Validity 0: good for the requests waiting now only. */
		memset(&tmp, 0, sizeof(tmp));
		tmp.used = true;
		tmp.cn = q->cn;
		tmp.status = r->status;
		tmp.n = r->status == DMIP_STATUS_OK ? m->opt.n_cand : 0;
		memcpy(tmp.cand, m->opt.cand, tmp.n * sizeof(tmp.cand[0]));
		tmp.fetched_ms = tmp.expires_ms = now.ms;
		e = &tmp;
	}
	tmp = *e;	/* query_done may replace cache slots */
	query_done(a, q, &tmp, NULL, now);
	return ANCHORS_RX_USED;
}

/* ---- anchors: DHoA Request transmissions (B.11.4, C.2) ------------------ */

static void anchor_gone(struct anchors *, struct anchor *, const char *,
    struct bul_now);
static void release_begin(struct anchors *, struct anchor *, const char *,
    bool, struct bul_now);

static struct anchor *
anchor_at_dhp(const struct anchors *a, int dhp)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i]->dhp == dhp && a->v[i]->state != ANCHOR_GONE)
			return a->v[i];
	return NULL;
}

static void
tx_send(struct anchors *a, struct anchor *an, struct bul_now now,
    const char *why)
{
	struct anchor_tx *t = &an->tx;
	struct mh_msg m;
	char p[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	char bind[INET6_ADDRSTRLEN + 8] = "", line[256];

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_DHOA_REQ;
	t->seq = seq_take(a);
	m.u.dreq.seq = t->seq;
	m.u.dreq.flags = t->bind && t->lifetime != 0 ? DHOA_F_B : 0;
	m.u.dreq.cont_type = an->type;
	m.u.dreq.lifetime = t->lifetime;
	m.u.dreq.req_dhoa = t->req_dhoa;
	m.u.dreq.hoa = a->cfg.hoa;
	m.u.dreq.coa = a->coa;
	if (t->lifetime != 0 && IN6_IS_ADDR_UNSPECIFIED(&t->req_dhoa)) {
		/* B.11.1: what the DHoA is for (informational). */
		m.opt.n_flow = 1;
		m.opt.flow[0].cont_type = an->type;
		m.opt.flow[0].cn = an->cn;
	}
	m.opt.present = MHO_MESGID;
	m.opt.mesgid = now.ntp + (uint64_t)an->clock_offset;
	t->coa_prev = t->coa;
	t->coa = a->coa;
	t->tries++;
	t->next_at = now.ms + t->rto_ms;
	a->st.requests_sent++;
	if (m.u.dreq.flags & DHOA_F_B)
		snprintf(bind, sizeof(bind), " bind %s", a6(&a->coa, c));
	snprintf(line, sizeof(line), "DHoA Request to %s seq %u dhoa %s "
	    "lifetime %us type %s%s (%s)", a6(&an->peer, p), t->seq,
	    IN6_IS_ADDR_UNSPECIFIED(&t->req_dhoa) ? "any" :
	    a6(&t->req_dhoa, d), t->lifetime * (unsigned)MH_LIFETIME_UNIT,
	    conf_cont_name(an->type), bind, why);
	if (send_msg(a, &m, a->dhp_sa[an->dhp], &a->coa, &a->coa,
	    &an->peer) == -1)
		not_sent(a, line);
	else
		log_info("%s", line);
}

/* A new attempt: lease (B), renewal or release (lifetime 0). */
static void
tx_begin(struct anchors *a, struct anchor *an, uint16_t lifetime, bool bind,
    const struct in6_addr *req_dhoa, unsigned max_tries, const char *why,
    struct bul_now now)
{
	struct anchor_tx *t = &an->tx;

	memset(t, 0, sizeof(*t));
	t->active = true;
	t->lifetime = lifetime;
	t->bind = bind;
	if (req_dhoa != NULL)
		t->req_dhoa = *req_dhoa;
	t->max_tries = max_tries > 0 ? max_tries : 1;
	t->rto_ms = a->cfg.req_timeout_ms;
	t->first_ms = now.ms;
	t->seq_first = a->next_seq;
	t->why = why;
	tx_send(a, an, now, why);
}

/* The attempt ended without an answer, or with a refusal (status). */
static void
tx_failed(struct anchors *a, struct anchor *an, uint8_t status,
    const char *why, struct bul_now now)
{
	char full[ANCHORS_WHY_MAX + 64], x[INET6_ADDRSTRLEN];
	uint64_t left;

	an->tx.active = false;
	switch (an->state) {
	case ANCHOR_REQUESTING:
		/* F.12: skip this DHP for a while when it does not answer
		 * or has no address left. */
		if (status == 0 || status == BA_STATUS_INSUFFICIENT)
			dhp_cache_set_down(&a->cache, (size_t)an->dhp, now.ms,
			    why);
		snprintf(full, sizeof(full), "DHP %s %s: %s",
		    dhp_name(a, an->dhp), a6(&an->peer, x), why);
		anchor_gone(a, an, full, now);
		break;
	case ANCHOR_RENEWING:
		if (status != 0) {
			snprintf(full, sizeof(full), "lease lost: %s", why);
			anchor_gone(a, an, full, now);
			break;
		}
		/* Try again halfway to the lease's end, if time is left. */
		left = an->lease_ms > now.ms ? an->lease_ms - now.ms : 0;
		an->renew_at = left > 2ull * a->cfg.req_timeout_ms ?
		    now.ms + left / 2 : 0;
		snprintf(full, sizeof(full), "lease renewal: %s", why);
		set_state(an, ANCHOR_BOUND, full);
		break;
	case ANCHOR_RELEASING:
		snprintf(full, sizeof(full), "release: %s; the lease expires "
		    "at the DHP", why);
		anchor_gone(a, an, full, now);
		break;
	default:
		break;
	}
}

static void
tx_timer(struct anchors *a, struct anchor *an, struct bul_now now)
{
	struct anchor_tx *t = &an->tx;
	char why[64];

	if (!t->active || now.ms < t->next_at)
		return;
	if (t->tries >= t->max_tries) {
		a->st.request_timeouts++;
		snprintf(why, sizeof(why), "no answer to %u DHoA Request%s",
		    t->tries, t->tries == 1 ? "" : "s");
		tx_failed(a, an, 0, why, now);
		return;
	}
	t->rto_ms *= 2;
	if (t->rto_ms > MAX_BINDACK_TIMEOUT_MS)
		t->rto_ms = MAX_BINDACK_TIMEOUT_MS;
	tx_send(a, an, now, "retransmit");
}

/* ---- anchors: the BUL_DHP entry (B.11.6, B.11.7) ------------------------ */

/* Carry out a BUL action of an's entry: send the DHP-BU and log it. */
static void
bul_do(struct anchors *a, struct anchor *an, const struct bul_action *act,
    const char *why)
{
	struct mh_msg m;
	char p[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	char line[256];

	if (!act->send) {
		if (an->bul != NULL && an->bul->pending)
			an->bu_why = why;	/* rate-limited: for later */
		return;
	}
	m = act->msg;
	/* F.10: a lifetime-0 DHP-BU from mnd always gives the DHoA back. */
	if (m.u.dbu.lifetime == 0)
		m.u.dbu.flags |= DHP_BU_F_R;
	a->st.dhp_bu_sent++;
	snprintf(line, sizeof(line), "DHP-BU to %s seq %u dhoa %s coa %s "
	    "lifetime %us (%s)", a6(&act->dst, p), m.u.dbu.seq,
	    a6(&m.u.dbu.dhoa, d), a6(&m.u.dbu.coa, c),
	    m.u.dbu.lifetime * (unsigned)MH_LIFETIME_UNIT, why);
	if (send_msg(a, &m, a->dhp_sa[an->dhp], &act->auth_coa, &act->src,
	    &act->dst) == -1)
		not_sent(a, line);
	else
		log_info("%s", line);
}

/* What a BUL transition means for the anchor. acked: it came from a
 * DHP-BC (else from the timer). */
static void
bul_after(struct anchors *a, struct anchor *an, const struct bul_action *act,
    bool acked, struct bul_now now)
{
	char why[ANCHORS_WHY_MAX];
	uint8_t st = an->bul != NULL ? an->bul->last_status : 0;

	if (an->state == ANCHOR_RELEASING && an->by_bu &&
	    act->from == BUL_DEREGISTERING && act->to == BUL_IDLE) {
		an->by_bu = false;
		if (acked) {
			a->st.released++;
			snprintf(why, sizeof(why), "released, DHP-BC status "
			    "%u (%s)", st, mh_status_name(st));
			anchor_gone(a, an, why, now);
		} else if (an->at_exit)
			anchor_gone(a, an, "no DHP-BC to the release at exit",
			    now);
		else
			tx_begin(a, an, 0, false, &an->dhoa,
			    ANCHOR_RELEASE_TRIES, "release, no DHP-BC", now);
		return;
	}
	if (act->to == BUL_FAILED && act->from != BUL_FAILED &&
	    (st == DMIP_STATUS_UNKNOWN_DHOA ||
	    st == DMIP_STATUS_DHOA_NOT_OWNED)) {
		a->st.lost++;
		snprintf(why, sizeof(why), "the DHP has no lease for it: "
		    "status %u (%s)", st, mh_status_name(st));
		anchor_gone(a, an, why, now);
		return;
	}
	if (acked && act->to == BUL_REGISTERED)
		notify(a, ANCHORS_EV_ACK, an, NULL);
}

static void
bul_event(struct anchors *a, struct anchor *an, const struct bul_action *act,
    const char *why, bool acked, struct bul_now now)
{
	bul_do(a, an, act, why);
	bul_after(a, an, act, acked, now);
}

/* ---- anchors: life cycle ------------------------------------------------ */

static struct anchor *
anchor_new(struct anchors *a, int dhp, const struct anchor_req *r,
    struct bul_now now)
{
	struct anchor *an, **v;
	char c[INET6_ADDRSTRLEN], why[INET6_ADDRSTRLEN + 48];
	bool graceful = r->type == CONT_GRACEFUL;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 4;

		if ((v = reallocarray(a->v, cap, sizeof(*v))) == NULL)
			return NULL;
		a->v = v;
		a->cap = cap;
	}
	if ((an = calloc(1, sizeof(*an))) == NULL)
		return NULL;
	an->id = a->next_id++;
	an->dhp = dhp;
	an->peer = a->cache.dhps[dhp].addr;
	an->cn = r->cn;
	an->type = graceful ? CONT_GRACEFUL : CONT_SESSION_LASTING;
	an->state = ANCHOR_REQUESTING;
	an->created_ms = now.ms;
	a->v[a->n++] = an;
	a->cache.dhps[dhp].anchors++;
	snprintf(why, sizeof(why), "DHoA for %s type %s", a6(&r->cn, c),
	    conf_cont_name(an->type));
	log_info("anchor at %s: none -> requesting (%s)",
	    a6(&an->peer, c), why);
	tx_begin(a, an, units_of(graceful ? a->cfg.grace_s : a->cfg.lease_s),
	    true, NULL, a->cfg.req_tries, "new", now);
	return an;
}

/* Requests waiting for an that it cannot serve go on elsewhere. */
static void
reqs_redirect(struct anchors *a, const struct anchor *an, const char *why,
    struct bul_now now)
{
	for (size_t i = 0; i < a->nreqs; i++) {
		struct anchor_req *r = a->reqs[i];

		if (r->state != AREQ_REQUESTING || r->anchor_id != an->id)
			continue;
		snprintf(r->why, sizeof(r->why), "%s", why);
		r->anchor_id = 0;
		req_proceed(a, r, now);
	}
}

static void
anchor_gone(struct anchors *a, struct anchor *an, const char *why,
    struct bul_now now)
{
	if (an->state == ANCHOR_GONE)
		return;
	set_state(an, ANCHOR_GONE, why);
	an->tx.active = false;
	if (an->installed && a->io.uninstall != NULL)
		a->io.uninstall(a->io.arg, &an->dhoa);
	an->installed = false;
	if (an->bul != NULL)
		bul_remove(&a->bul, an->bul);
	an->bul = NULL;
	if ((size_t)an->dhp < a->cache.ndhps &&
	    a->cache.dhps[an->dhp].anchors > 0)
		a->cache.dhps[an->dhp].anchors--;
	notify(a, ANCHORS_EV_GONE, an, NULL);
	reqs_redirect(a, an, why, now);
}

/* Release: a lifetime-0 DHP-BU with R (F.10), or a lifetime-0 DHoA
 * Request when no binding is kept. */
static void
release_begin(struct anchors *a, struct anchor *an, const char *why,
    bool at_exit, struct bul_now now)
{
	struct bul_action act;

	an->at_exit = at_exit;
	an->tx.active = false;
	an->renew_at = 0;
	an->idle_at = 0;
	set_state(an, ANCHOR_RELEASING, why);
	if (an->bul != NULL && an->bul->state != BUL_IDLE) {
		an->by_bu = true;
		bul_shutdown(an->bul, now, &act);
		bul_event(a, an, &act, at_exit ? "shutdown" : "release", false,
		    now);
		return;
	}
	tx_begin(a, an, 0, false, IN6_IS_ADDR_UNSPECIFIED(&an->dhoa) ? NULL :
	    &an->dhoa, at_exit ? 1 : ANCHOR_RELEASE_TRIES,
	    at_exit ? "shutdown" : "release", now);
}

/* The DHoA Response to a lease request (B.11.5). */
static void
resp_lease(struct anchors *a, struct anchor *an, const struct mh_msg *m,
    const struct in6_addr *src, struct bul_now now)
{
	const struct mh_dhoa_resp *r = &m->u.dresp;
	const struct mh_sa *sa = a->dhp_sa[an->dhp];
	const struct in6_addr *d = &r->dhoa;
	struct bul_action act;
	char why[ANCHORS_WHY_MAX];
	uint64_t life = (uint64_t)r->lifetime * MH_LIFETIME_UNIT * 1000;

	if (BA_STATUS_REJECTED(r->status)) {
		snprintf(why, sizeof(why), "DHoA Response status %u (%s)",
		    r->status, mh_status_name(r->status));
		tx_failed(a, an, r->status, why, now);
		return;
	}
	if (r->plen != 128 || r->lifetime == 0 ||
	    IN6_IS_ADDR_UNSPECIFIED(d) || IN6_IS_ADDR_MULTICAST(d) ||
	    IN6_IS_ADDR_LOOPBACK(d) || IN6_IS_ADDR_LINKLOCAL(d) ||
	    IN6_IS_ADDR_V4MAPPED(d) || addr_eq(d, &a->cfg.hoa) ||
	    anchors_find_dhoa(a, d) != NULL) {
		/* Not something we can use: give it back. */
		an->dhoa = *d;
		release_begin(a, an, "unusable DHoA in the response", false,
		    now);
		reqs_redirect(a, an, "the DHP offered an unusable DHoA", now);
		return;
	}
	an->dhoa = *d;
	an->tep = IN6_IS_ADDR_UNSPECIFIED(&r->tep) ? *src : r->tep;
	an->lease_ms = now.ms + life;
	an->renew_at = now.ms + life * REFRESH_PERCENT / 100;
	an->last_status = r->status;
	if (a->io.install != NULL &&
	    a->io.install(a->io.arg, &an->dhoa, &an->tep) == -1) {
		release_begin(a, an, "the tunnel refused it", false, now);
		reqs_redirect(a, an, "the tunnel refused the DHoA", now);
		return;
	}
	an->installed = true;
	an->bound_ms = now.ms;
	dhp_cache_set_up(&a->cache, (size_t)an->dhp, "DHoA leased");
	snprintf(why, sizeof(why), "DHoA Response status %u, lease %llus%s",
	    r->status, (unsigned long long)(life / 1000),
	    (r->flags & DHOA_F_B) ? ", bound" : "");
	set_state(an, ANCHOR_BOUND, why);
	an->bul = bul_add(&a->bul, BUL_DHP, &an->peer, &a->cfg.hoa,
	    &an->dhoa, sa->spi, (uint8_t)auth_alg_mac_len(sa->alg),
	    a->cfg.binding_s, seq_take(a));
	if (an->bul == NULL) {
		release_begin(a, an, "no memory for its binding", false, now);
		reqs_redirect(a, an, "out of memory", now);
		return;
	}
	an->bul->clock_offset = an->clock_offset;
	notify(a, ANCHORS_EV_BOUND, an, NULL);
	for (size_t i = 0; i < a->nreqs; i++) {
		struct anchor_req *q = a->reqs[i];

		if (q->state == AREQ_REQUESTING && q->anchor_id == an->id)
			req_done_dhoa(a, q, an, now.ms);
	}
	/* A.3.3: the DHP binding step, kept by the BUL from now on. */
	bul_start(an->bul, &a->coa, now, &act);
	bul_event(a, an, &act, "bind", false, now);
}

/* 144 (F.8) and 135 (seq-only SAs): resend at once, once. */
static bool
resp_retry(struct anchors *a, struct anchor *an, const struct mh_msg *m,
    struct bul_now now)
{
	const struct mh_dhoa_resp *r = &m->u.dresp;
	struct anchor_tx *t = &an->tx;
	char l[INET6_ADDRSTRLEN + 8];

	if (t->clock_retried)
		return false;
	if (r->status == BA_STATUS_ID_MISMATCH &&
	    (m->opt.present & MHO_MESGID)) {
		an->clock_offset = (int64_t)(m->opt.mesgid - now.ntp);
		log_warnx("anchor %s: timestamp rejected, clock offset %lld "
		    "ms, retrying", anchor_label(an, l, sizeof(l)),
		    (long long)ntp_diff_ms(m->opt.mesgid, now.ntp));
	} else if (r->status == BA_STATUS_SEQ_OUT_OF_WINDOW)
		a->next_seq = (uint16_t)(r->seq + 1);
	else
		return false;
	t->clock_retried = true;
	t->seq_first = a->next_seq;
	tx_send(a, an, now, "resync");
	return true;
}

static enum anchors_verdict
resp_input(struct anchors *a, const struct mh_msg *m, const uint8_t *raw,
    size_t len, const struct in6_addr *src, struct bul_now now)
{
	const struct mh_dhoa_resp *r = &m->u.dresp;
	struct anchor *an = NULL;
	const struct mh_sa *sa;
	char p[INET6_ADDRSTRLEN], why[ANCHORS_WHY_MAX];
	uint64_t life;
	bool known = false;

	for (size_t i = 0; i < a->n && an == NULL; i++) {
		struct anchor *x = a->v[i];

		if (x->state == ANCHOR_GONE || !addr_eq(&x->peer, src))
			continue;
		known = true;
		if (x->tx.active && seq_in(r->seq, x->tx.seq_first, x->tx.seq))
			an = x;
	}
	if (an == NULL) {
		/* Known DHP: a late answer. Unknown: not ours at all. */
		if (!known && dhp_cache_find_dhp(&a->cache, src) < 0)
			return ANCHORS_RX_NOT_OURS;
		return ANCHORS_RX_IGNORED;
	}
	sa = a->dhp_sa[an->dhp];
	/* B.8: signed over the CoA field of the request it answers. */
	if (mh_auth_verify(raw, len, &m->opt, sa, &an->tx.coa,
	    &a->cfg.hoa) != 0 && mh_auth_verify(raw, len, &m->opt, sa,
	    &an->tx.coa_prev, &a->cfg.hoa) != 0)
		return ANCHORS_RX_BAD_AUTH;
	if (r->status != BA_STATUS_ID_MISMATCH && replay_check(sa, &m->opt,
	    now.ntp + (uint64_t)an->clock_offset) != 0)
		return ANCHORS_RX_STALE;
	a->st.responses++;
	log_info("DHoA Response from %s seq %u status %u (%s)",
	    a6(src, p), r->seq, r->status, mh_status_name(r->status));
	if (resp_retry(a, an, m, now))
		return ANCHORS_RX_USED;
	an->tx.active = false;
	switch (an->state) {
	case ANCHOR_REQUESTING:
		resp_lease(a, an, m, src, now);
		break;
	case ANCHOR_RENEWING:
		if (BA_STATUS_REJECTED(r->status) || r->lifetime == 0) {
			snprintf(why, sizeof(why), "status %u (%s)",
			    r->status, mh_status_name(r->status));
			tx_failed(a, an, r->status ? r->status :
			    BA_STATUS_UNSPECIFIED, why, now);
			break;
		}
		life = (uint64_t)r->lifetime * MH_LIFETIME_UNIT * 1000;
		an->lease_ms = now.ms + life;
		an->renew_at = now.ms + life * REFRESH_PERCENT / 100;
		snprintf(why, sizeof(why), "lease renewed for %us",
		    r->lifetime * (unsigned)MH_LIFETIME_UNIT);
		set_state(an, ANCHOR_BOUND, why);
		break;
	case ANCHOR_RELEASING:
		a->st.released++;
		snprintf(why, sizeof(why), "released, DHoA Response status "
		    "%u (%s)", r->status, mh_status_name(r->status));
		anchor_gone(a, an, why, now);
		break;
	default:
		break;
	}
	return ANCHORS_RX_USED;
}

/* The anchor whose BUL entry a DHP-BC or BRR from src is for. */
static struct anchor *
anchor_of_peer(const struct anchors *a, const struct in6_addr *src,
    const struct in6_addr *dhoa)
{
	for (size_t i = 0; i < a->n; i++) {
		struct anchor *an = a->v[i];

		if (an->state == ANCHOR_GONE || an->bul == NULL ||
		    !addr_eq(&an->peer, src))
			continue;
		if (dhoa == NULL || addr_eq(&an->dhoa, dhoa))
			return an;
	}
	return NULL;
}

static enum anchors_verdict
bc_input(struct anchors *a, const struct mh_msg *m, const uint8_t *raw,
    size_t len, const struct in6_addr *src, struct bul_now now)
{
	const struct mh_dhp_bc *bc = &m->u.dbc;
	struct anchor *an = anchor_of_peer(a, src, &bc->dhoa);
	const struct mh_sa *sa;
	struct bul_action act;
	char p[INET6_ADDRSTRLEN];

	if (an == NULL)
		return dhp_cache_find_dhp(&a->cache, src) < 0 ?
		    ANCHORS_RX_NOT_OURS : ANCHORS_RX_IGNORED;
	sa = a->dhp_sa[an->dhp];
	/* B.8: signed over the CoA field of the DHP-BU it answers. */
	if (mh_auth_verify(raw, len, &m->opt, sa, &an->bul->coa,
	    &a->cfg.hoa) != 0)
		return ANCHORS_RX_BAD_AUTH;
	if (bc->status != BA_STATUS_ID_MISMATCH && replay_check(sa, &m->opt,
	    now.ntp + (uint64_t)an->bul->clock_offset) != 0)
		return ANCHORS_RX_STALE;
	if (!bul_on_ack(an->bul, src, m, now, &act))
		return ANCHORS_RX_IGNORED;
	a->st.dhp_bc++;
	log_info("DHP-BC from %s seq %u status %u (%s) lifetime %us",
	    a6(src, p), bc->seq, bc->status, mh_status_name(bc->status),
	    bc->lifetime * (unsigned)MH_LIFETIME_UNIT);
	bul_event(a, an, &act, "retransmit", true, now);
	return ANCHORS_RX_USED;
}

/* A fresh BUL entry (same next sequence number and clock offset) that
 * registers at once: answers a BRR even when the binding looks fine
 * here (B.5, F.12). */
static void
rebind(struct anchors *a, struct anchor *an, const char *why,
    struct bul_now now)
{
	const struct mh_sa *sa = a->dhp_sa[an->dhp];
	struct bul_action act;
	uint16_t seq = an->bul->next_seq;
	int64_t off = an->bul->clock_offset;

	bul_remove(&a->bul, an->bul);
	an->bul = bul_add(&a->bul, BUL_DHP, &an->peer, &a->cfg.hoa,
	    &an->dhoa, sa->spi, (uint8_t)auth_alg_mac_len(sa->alg),
	    a->cfg.binding_s, seq);
	if (an->bul == NULL) {
		anchor_gone(a, an, "no memory for its binding", now);
		return;
	}
	an->bul->clock_offset = off;
	bul_start(an->bul, &a->coa, now, &act);
	bul_event(a, an, &act, why, false, now);
}

static enum anchors_verdict
brr_input(struct anchors *a, const struct mh_msg *m, const uint8_t *raw,
    size_t len, const struct in6_addr *src, const struct in6_addr *dst,
    struct bul_now now)
{
	struct anchor *an = anchor_of_peer(a, src, NULL);
	const struct in6_addr *coa;
	const struct mh_sa *sa;
	char p[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	if (an == NULL)
		return dhp_cache_find_dhp(&a->cache, src) < 0 ?
		    ANCHORS_RX_NOT_OURS : ANCHORS_RX_IGNORED;
	if (!(m->opt.present & MHO_HOA) || !addr_eq(&m->opt.hoa, &a->cfg.hoa))
		return ANCHORS_RX_BAD;
	sa = a->dhp_sa[an->dhp];
	/* The DHP signs with the CoA of its binding and sends it there. */
	coa = IN6_IS_ADDR_UNSPECIFIED(dst) ? &an->bul->coa : dst;
	if (mh_auth_verify(raw, len, &m->opt, sa, coa, &a->cfg.hoa) != 0)
		return ANCHORS_RX_BAD_AUTH;
	if (replay_check(sa, &m->opt, now.ntp +
	    (uint64_t)an->bul->clock_offset) != 0)
		return ANCHORS_RX_STALE;
	a->st.brr++;
	log_info("BRR from %s for %s", a6(src, p), a6(&an->dhoa, d));
	if (an->state != ANCHOR_BOUND && an->state != ANCHOR_RENEWING)
		return ANCHORS_RX_USED;
	if (an->bul->state == BUL_REGISTERING ||
	    an->bul->state == BUL_REFRESHING) {
		log_debug("BRR from %s: a DHP-BU is on its way", a6(src, p));
		return ANCHORS_RX_USED;
	}
	rebind(a, an, "brr", now);
	return ANCHORS_RX_USED;
}

/* ---- requests, on ------------------------------------------------------- */

/* r has the directory's answer: pick a DHP and get a DHoA there. */
static void
req_proceed(struct anchors *a, struct anchor_req *r, struct bul_now now)
{
	struct anchor *an;
	const char *why;
	int i;

	if (a->stopping) {
		req_finish(a, r, AREQ_FAILED, AREQ_R_NONE, NULL,
		    "mnd is stopping", now.ms);
		return;
	}
	for (;;) {
		i = dhp_cache_select(&a->cache, &r->answer, r->type, r->tried,
		    now.ms, &why);
		if (i < 0) {
			req_fallback(a, r, why, now.ms);
			return;
		}
		r->tried[i] = true;
		r->dhp = i;
		if ((an = anchor_at_dhp(a, i)) == NULL)
			break;
		/* F.9: one DHoA per DHP, shared by every type; a
		 * session-lasting user makes a graceful one's short lease a
		 * full one (at once when bound, at the renewal otherwise). */
		if (r->type == CONT_SESSION_LASTING &&
		    an->type == CONT_GRACEFUL) {
			an->type = CONT_SESSION_LASTING;
			if (an->state == ANCHOR_BOUND)
				an->renew_at = now.ms;
		}
		if (an->state == ANCHOR_BOUND || an->state == ANCHOR_RENEWING) {
			req_done_dhoa(a, r, an, now.ms);
			return;
		}
		if (an->state == ANCHOR_REQUESTING) {
			r->state = AREQ_REQUESTING;
			r->anchor_id = an->id;
			return;
		}
		/* Releasing: F.9 allows one DHoA there; try the next. */
	}
	r->state = AREQ_REQUESTING;
	if ((an = anchor_new(a, i, r, now)) == NULL) {
		req_fallback(a, r, "out of memory", now.ms);
		return;
	}
	if (an->state != ANCHOR_GONE && r->state == AREQ_REQUESTING)
		r->anchor_id = an->id;
}

/* Drop the oldest finished requests beyond ANCHORS_HISTORY, and the
 * anchors that are gone. */
static void
sweep(struct anchors *a)
{
	size_t done = 0, j = 0;

	for (size_t i = 0; i < a->nreqs; i++)
		if (a->reqs[i]->state == AREQ_DONE ||
		    a->reqs[i]->state == AREQ_FAILED)
			done++;
	for (size_t i = 0; i < a->nreqs; i++) {
		struct anchor_req *r = a->reqs[i];

		if (done > ANCHORS_HISTORY && (r->state == AREQ_DONE ||
		    r->state == AREQ_FAILED)) {
			done--;
			free(r->tried);
			free(r);
			continue;
		}
		a->reqs[j++] = r;
	}
	a->nreqs = j;
	j = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i]->state == ANCHOR_GONE) {
			free(a->v[i]);
			continue;
		}
		a->v[j++] = a->v[i];
	}
	a->n = j;
}

const struct anchor_req *
anchors_request(struct anchors *a, const struct in6_addr *cn, uint8_t type,
    struct bul_now now)
{
	return anchors_request_flags(a, cn, type, 0, now);
}

const struct anchor_req *
anchors_request_flags(struct anchors *a, const struct in6_addr *cn,
    uint8_t type, unsigned flags, struct bul_now now)
{
	struct anchor_req *r;
	const struct dhpc_entry *e;

	if (type != CONT_FIXED && type != CONT_SESSION_LASTING &&
	    type != CONT_NON_PERSISTENT && type != CONT_GRACEFUL) {
		errno = EINVAL;
		return NULL;
	}
	if ((r = req_new(a, cn, type, now.ms)) == NULL)
		return NULL;
	r->on_net = (flags & ANCHORS_REQ_ON_NET) != 0;
	if (a->stopping) {
		req_finish(a, r, AREQ_FAILED, AREQ_R_NONE, NULL,
		    "mnd is stopping", now.ms);
	} else if (type == CONT_FIXED) {
		req_finish(a, r, AREQ_DONE, AREQ_R_HOA, &a->cfg.hoa,
		    "fixed: the home address", now.ms);
	} else if (!a->have_coa) {
		req_finish(a, r, AREQ_FAILED, AREQ_R_NONE, NULL,
		    "no usable link", now.ms);
	} else if (type == CONT_NON_PERSISTENT) {
		req_finish(a, r, AREQ_DONE, a->at_home ? AREQ_R_HOA :
		    AREQ_R_COA, &a->coa, a->at_home ? "non-persistent: at "
		    "home, the home address" : "non-persistent: the care-of "
		    "address", now.ms);
	} else if (IN6_IS_ADDR_UNSPECIFIED(cn)) {
		req_any_dhp(a, r);
		req_proceed(a, r, now);
	} else if ((e = dhp_cache_lookup(&a->cache, cn, now.ms)) != NULL) {
		req_answer(r, e);
		req_proceed(a, r, now);
	} else {
		r->state = AREQ_QUERYING;
		if (query_find(a, cn) == NULL &&
		    query_start(a, cn, now) == NULL)
			req_fallback(a, r, "out of memory", now.ms);
	}
	sweep(a);
	return r;
}

const struct anchor_req *
anchors_find_req(const struct anchors *a, unsigned id)
{
	for (size_t i = 0; i < a->nreqs; i++)
		if (a->reqs[i]->id == id)
			return a->reqs[i];
	return NULL;
}

size_t
anchors_nreqs(const struct anchors *a)
{
	return a->nreqs;
}

const struct anchor_req *
anchors_req_at(const struct anchors *a, size_t i)
{
	return i < a->nreqs ? a->reqs[i] : NULL;
}

/* ---- users -------------------------------------------------------------- */

const struct anchor *
anchors_find_dhoa(const struct anchors *a, const struct in6_addr *dhoa)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i]->state != ANCHOR_GONE &&
		    !IN6_IS_ADDR_UNSPECIFIED(&a->v[i]->dhoa) &&
		    addr_eq(&a->v[i]->dhoa, dhoa))
			return a->v[i];
	return NULL;
}

static struct anchor *
find_mut(struct anchors *a, const struct in6_addr *dhoa)
{
	return (struct anchor *)(uintptr_t)anchors_find_dhoa(a, dhoa);
}

int
anchors_hold(struct anchors *a, const struct in6_addr *dhoa)
{
	struct anchor *an = find_mut(a, dhoa);

	if (an == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (an->state != ANCHOR_BOUND && an->state != ANCHOR_RENEWING) {
		errno = EALREADY;
		return -1;
	}
	an->holds++;
	an->idle_at = 0;
	return 0;
}

int
anchors_unhold(struct anchors *a, const struct in6_addr *dhoa,
    struct bul_now now)
{
	struct anchor *an = find_mut(a, dhoa);

	if (an == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (an->holds == 0 || (an->state != ANCHOR_BOUND &&
	    an->state != ANCHOR_RENEWING)) {
		errno = EALREADY;
		return -1;
	}
	if (--an->holds == 0) {
		an->idle_at = now.ms + a->cfg.idle_release_ms;
		if (a->cfg.idle_release_ms == 0)
			release_begin(a, an, "no user left", false, now);
	}
	sweep(a);
	return 0;
}

int
anchors_release(struct anchors *a, const struct in6_addr *dhoa,
    struct bul_now now)
{
	struct anchor *an = find_mut(a, dhoa);
	char why[64];

	if (an == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (an->state != ANCHOR_BOUND && an->state != ANCHOR_RENEWING) {
		errno = EALREADY;
		return -1;
	}
	snprintf(why, sizeof(why), "released on request, %u holder%s",
	    an->holds, an->holds == 1 ? "" : "s");
	an->holds = 0;
	release_begin(a, an, why, false, now);
	sweep(a);
	return 0;
}

/* ---- adoption after a restart (issue 8) -------------------------------- */

static bool
dhoa_usable(const struct anchors *a, const struct in6_addr *d)
{
	return !IN6_IS_ADDR_UNSPECIFIED(d) && !IN6_IS_ADDR_MULTICAST(d) &&
	    !IN6_IS_ADDR_LOOPBACK(d) && !IN6_IS_ADDR_LINKLOCAL(d) &&
	    !IN6_IS_ADDR_V4MAPPED(d) && !addr_eq(d, &a->cfg.hoa);
}

/* An adopted anchor into the tunnel (the first CoA made that possible):
 * as resp_lease() does for a new one. False when it was refused. */
static bool
adopted_install(struct anchors *a, struct anchor *an, struct bul_now now)
{
	if (a->io.install != NULL &&
	    a->io.install(a->io.arg, &an->dhoa, &an->tep) == -1) {
		release_begin(a, an, "the tunnel refused it", false, now);
		return false;
	}
	an->installed = true;
	notify(a, ANCHORS_EV_BOUND, an, NULL);
	return true;
}

const struct anchor *
anchors_adopt(struct anchors *a, const struct anchor_saved *s,
    struct bul_now now)
{
	const struct mh_sa *sa;
	struct anchor *an, **v;
	char why[128], d[INET6_ADDRSTRLEN];
	int dhp;

	if ((dhp = dhp_cache_find_dhp(&a->cache, &s->peer)) < 0) {
		errno = ENOENT;
		return NULL;
	}
	if (!dhoa_usable(a, &s->dhoa) || (s->type != CONT_SESSION_LASTING &&
	    s->type != CONT_GRACEFUL)) {
		errno = EINVAL;
		return NULL;
	}
	if (s->lease_ms <= now.ms) {
		errno = ETIME;
		return NULL;
	}
	if (anchors_find_dhoa(a, &s->dhoa) != NULL ||
	    anchor_at_dhp(a, dhp) != NULL) {
		errno = EEXIST;
		return NULL;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 4;

		if ((v = reallocarray(a->v, cap, sizeof(*v))) == NULL)
			return NULL;
		a->v = v;
		a->cap = cap;
	}
	if ((an = calloc(1, sizeof(*an))) == NULL)
		return NULL;
	sa = a->dhp_sa[dhp];
	an->bul = bul_add(&a->bul, BUL_DHP, &s->peer, &a->cfg.hoa, &s->dhoa,
	    sa->spi, (uint8_t)auth_alg_mac_len(sa->alg), a->cfg.binding_s,
	    s->bul.next_seq);
	if (an->bul == NULL) {
		free(an);
		errno = ENOMEM;
		return NULL;
	}
	(void)bul_restore(an->bul, &s->bul, now.ms);
	an->id = s->id;
	for (size_t i = 0; i < a->n && an->id != 0; i++)
		if (a->v[i]->id == an->id)
			an->id = 0;	/* taken: a new one */
	if (an->id == 0)
		an->id = a->next_id++;
	else if (an->id >= a->next_id)
		a->next_id = an->id + 1;
	an->dhp = dhp;
	an->peer = s->peer;
	an->tep = IN6_IS_ADDR_UNSPECIFIED(&s->tep) ? s->peer : s->tep;
	an->dhoa = s->dhoa;
	an->cn = s->cn;
	an->type = s->type;
	an->state = ANCHOR_BOUND;
	an->created_ms = an->bound_ms = now.ms;
	an->lease_ms = s->lease_ms;
	an->renew_at = s->renew_at != 0 && s->renew_at < s->lease_ms ?
	    s->renew_at : now.ms;
	/* F.10: released unless a restored flow holds it by then. */
	an->idle_at = now.ms + a->cfg.idle_release_ms;
	an->clock_offset = s->clock_offset;
	a->v[a->n++] = an;
	a->cache.dhps[dhp].anchors++;
	snprintf(why, sizeof(why), "restored, lease %llus left, binding %s",
	    (unsigned long long)((s->lease_ms - now.ms) / 1000),
	    bul_state_name(an->bul->state));
	log_info("anchor %s: none -> bound (%s)", a6(&an->dhoa, d), why);
	return an;
}

/* ---- attachment --------------------------------------------------------- */

void
anchors_coa(struct anchors *a, const struct in6_addr *coa, bool home,
    struct bul_now now)
{
	struct bul_action act;
	bool changed = !a->have_coa || !addr_eq(coa, &a->coa) ||
	    home != a->at_home;

	a->coa = *coa;
	a->have_coa = true;
	a->at_home = home;
	if (!changed)
		return;
	/* Answers to the old address are lost: ask again from here. */
	for (size_t i = 0; i < a->nq; i++) {
		a->q[i]->tries = 0;
		a->q[i]->rto_ms = a->cfg.query_timeout_ms;
		query_send(a, a->q[i], now, "move");
	}
	for (size_t i = 0; i < a->n; i++) {
		struct anchor *an = a->v[i];

		switch (an->state) {
		case ANCHOR_REQUESTING:
			/* B needs the CoA: a fresh attempt from here. */
			an->tx.tries = 0;
			an->tx.rto_ms = a->cfg.req_timeout_ms;
			tx_send(a, an, now, "move");
			break;
		case ANCHOR_BOUND:
		case ANCHOR_RENEWING:
			/* Adopted after a restart: into the tunnel now. */
			if (!an->installed && !adopted_install(a, an, now))
				break;
			if (an->holds == 0 && an->idle_at != 0 &&
			    !addr_eq(&an->bul->coa, coa)) {
				/* G.4 step 2: no user, no re-binding. */
				release_begin(a, an, "no user at the move",
				    false, now);
				break;
			}
			/* G.4 step 1; F.16 at home (CoA := HoA). */
			bul_coa_changed(an->bul, coa, now, &act);
			bul_event(a, an, &act, home ? "home" : "move", false,
			    now);
			break;
		default:
			break;
		}
	}
	sweep(a);
}

void
anchors_lost(struct anchors *a)
{
	a->have_coa = false;
}

/* ---- input and timers --------------------------------------------------- */

enum anchors_verdict
anchors_input(struct anchors *a, const struct mh_msg *m, const uint8_t *raw,
    size_t len, const struct in6_addr *src, const struct in6_addr *dst,
    struct bul_now now)
{
	enum anchors_verdict v;
	char s[INET6_ADDRSTRLEN];

	switch (m->type) {
	case MH_TYPE_DHP_REPLY:
		v = reply_input(a, m, raw, len, src, dst, now);
		break;
	case MH_TYPE_DHOA_RESP:
		v = resp_input(a, m, raw, len, src, now);
		break;
	case MH_TYPE_DHP_BC:
		v = bc_input(a, m, raw, len, src, now);
		break;
	case MH_TYPE_BRR:
		v = brr_input(a, m, raw, len, src, dst, now);
		break;
	default:
		v = ANCHORS_RX_NOT_OURS;
		break;
	}
	a->st.rx[v]++;
	if (v != ANCHORS_RX_USED && v != ANCHORS_RX_NOT_OURS)
		log_debug("%s from %s dropped: %s", mh_type_name(m->type),
		    a6(src, s), anchors_verdict_name(v));
	sweep(a);
	return v;
}

static void
bul_timer_of(struct anchors *a, struct anchor *an, struct bul_now now)
{
	struct bul_action act;
	const char *why;
	bool was_pending = an->bul->pending;

	if (now.ms < an->bul->deadline)
		return;
	bul_timer(an->bul, now, &act);
	if (act.from == BUL_REGISTERED && act.to == BUL_REFRESHING)
		why = "refresh";
	else if (was_pending && an->bu_why != NULL)
		why = an->bu_why;
	else
		why = "retransmit";
	bul_event(a, an, &act, why, false, now);
}

static void
anchor_timer(struct anchors *a, struct anchor *an, struct bul_now now)
{
	bool up = an->state == ANCHOR_BOUND || an->state == ANCHOR_RENEWING;
	char why[48];

	if (an->tx.active)
		tx_timer(a, an, now);
	if (an->state == ANCHOR_GONE)
		return;
	if (up && an->lease_ms != 0 && now.ms >= an->lease_ms) {
		a->st.lost++;
		anchor_gone(a, an, "lease expired", now);
		return;
	}
	if (up && an->holds == 0 && an->idle_at != 0 && now.ms >= an->idle_at) {
		snprintf(why, sizeof(why), "no user for %us",
		    a->cfg.idle_release_ms / 1000);
		release_begin(a, an, why, false, now);
	} else if (an->state == ANCHOR_BOUND && an->renew_at != 0 &&
	    now.ms >= an->renew_at) {
		an->renew_at = 0;
		set_state(an, ANCHOR_RENEWING, "lease at 80 %");
		tx_begin(a, an, units_of(an->type == CONT_GRACEFUL ?
		    a->cfg.grace_s : a->cfg.lease_s), false, &an->dhoa,
		    a->cfg.req_tries, "renew", now);
	}
	if (an->state != ANCHOR_GONE && an->bul != NULL)
		bul_timer_of(a, an, now);
}

void
anchors_timer(struct anchors *a, struct bul_now now)
{
	for (size_t i = 0; i < a->nq; i++) {
		size_t before = a->nq;

		query_timer(a, a->q[i], now);
		if (a->nq < before)
			i--;	/* it was removed */
	}
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i]->state != ANCHOR_GONE)
			anchor_timer(a, a->v[i], now);
	sweep(a);
}

static uint64_t
min64(uint64_t x, uint64_t y)
{
	return x < y ? x : y;
}

uint64_t
anchors_deadline(const struct anchors *a)
{
	uint64_t d = bul_next_deadline(&a->bul);

	for (size_t i = 0; i < a->nq; i++)
		d = min64(d, a->q[i]->next_at);
	for (size_t i = 0; i < a->n; i++) {
		const struct anchor *an = a->v[i];
		bool up = an->state == ANCHOR_BOUND ||
		    an->state == ANCHOR_RENEWING;

		if (an->state == ANCHOR_GONE)
			continue;
		if (an->tx.active)
			d = min64(d, an->tx.next_at);
		if (up && an->lease_ms != 0)
			d = min64(d, an->lease_ms);
		if (up && an->holds == 0 && an->idle_at != 0)
			d = min64(d, an->idle_at);
		if (an->state == ANCHOR_BOUND && an->renew_at != 0)
			d = min64(d, an->renew_at);
	}
	return d;
}

/* ---- start and stop ----------------------------------------------------- */

int
anchors_init(struct anchors *a, const struct anchors_cfg *cfg,
    const struct mnd_dhp *dhps, size_t ndhps, const struct sa_table *sas,
    const struct anchors_io *io, uint16_t first_seq)
{
	memset(a, 0, sizeof(*a));
	a->cfg = *cfg;
	a->io = *io;
	a->next_seq = first_seq;
	a->next_id = 1;
	a->next_req_id = 1;
	bul_init(&a->bul);
	if (dhp_cache_init(&a->cache, dhps, ndhps, 0) == -1) {
		log_warn("DHP cache");
		return -1;
	}
	if ((a->dhp_sa = calloc(ndhps + 1, sizeof(*a->dhp_sa))) == NULL) {
		log_warn("DHP table");
		dhp_cache_free(&a->cache);
		return -1;
	}
	for (size_t i = 0; i < ndhps; i++) {
		if ((a->dhp_sa[i] = sa_table_find(sas, dhps[i].spi)) == NULL) {
			log_warnx("dhp %s: no security association with SPI "
			    "%u", dhps[i].name, dhps[i].spi);
			anchors_free(a);
			return -1;
		}
	}
	return 0;
}

void
anchors_free(struct anchors *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	for (size_t i = 0; i < a->nreqs; i++) {
		free(a->reqs[i]->tried);
		free(a->reqs[i]);
	}
	free(a->reqs);
	for (size_t i = 0; i < a->nq; i++)
		free(a->q[i]);
	free(a->q);
	bul_free(&a->bul);
	dhp_cache_free(&a->cache);
	free(a->dhp_sa);
	memset(a, 0, sizeof(*a));
}

bool
anchors_shutdown(struct anchors *a, struct bul_now now)
{
	a->stopping = true;
	for (size_t i = 0; i < a->nreqs; i++) {
		struct anchor_req *r = a->reqs[i];

		if (r->state == AREQ_QUERYING || r->state == AREQ_REQUESTING)
			req_finish(a, r, AREQ_FAILED, AREQ_R_NONE, NULL,
			    "mnd is stopping", now.ms);
	}
	while (a->nq > 0)
		query_remove(a, a->q[0]);
	for (size_t i = 0; i < a->n; i++) {
		struct anchor *an = a->v[i];

		switch (an->state) {
		case ANCHOR_REQUESTING:
			/* The DHP may have leased one already: give back
			 * "the MN's DHoA" (::, dhp_engine.h). */
			release_begin(a, an, "shutdown", true, now);
			break;
		case ANCHOR_BOUND:
		case ANCHOR_RENEWING:
			release_begin(a, an, "shutdown", true, now);
			break;
		case ANCHOR_RELEASING:
			an->at_exit = true;
			if (an->tx.active)
				an->tx.max_tries = an->tx.tries;
			break;
		default:
			break;
		}
	}
	sweep(a);
	return !anchors_idle(a);
}

bool
anchors_idle(const struct anchors *a)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i]->state != ANCHOR_GONE)
			return false;
	return true;
}
