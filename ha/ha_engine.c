/*
 * ha_engine.c: Binding Update and DHP Query processing of the home
 * agent (RFC 6275 10.3.1, 10.3.2; RFC 4285 5, 6; PROTOCOL.md B.3, B.4,
 * B.8, B.11.2, B.11.3, C.3, C.4, F.4, F.6, F.15).
 *
 * Order of the BU checks, each one final (a rejection changes nothing):
 *
 *   1. Home Address option (200), AUTH option, an SA for its SPI:
 *      otherwise silent drop. Without the HoA there is no MobilityData
 *      to check (F.6: no HAO); without an SA there is no key to sign a
 *      BA with, and RFC 4285 forbids acting on the message.
 *   2. MAC over CoA || HoA || MH (CoA = Alternate CoA or IPv6 source):
 *      146, sent to the IPv6 source (the CoA in a message that failed
 *      authentication is not to be trusted as a destination).
 *   3. MESG-ID (replay_check): 145 missing, 144 outside the window; the
 *      144 BA carries the HA's own time (B.8).
 *   4. P = 1: 152 (no LMA mode). H = 0: 129: RFC 6275 9.5.1 leaves a
 *      non-home registration to correspondent nodes, and had does no
 *      route optimisation; 131 would say the opposite of what we are.
 *   5. HoA in the home prefix, else 132 (10.3.1); a configured mobile
 *      node, else 133; its SA, else 146 (a valid key of another MN must
 *      not move this HoA).
 *   6. Care-of address usable (not ::, multicast, loopback or
 *      link-local), else 174.
 *   7. MESG-ID newer than the last accepted from this MN, else 144
 *      (RFC 4285 6: a replay inside the window). Kept per MN, not per
 *      BCE, so a BU replayed just after a deregistration is caught too.
 *   8. Sequence newer than the last accepted (9.5.1, modulo 2^16) when
 *      a BCE exists, else 135 carrying the last accepted number (B.3).
 *      With replay = seq-only (F.8) the check also applies after the
 *      BCE is gone, since no timestamp protects against replays there.
 *   9. Lifetime 0 or CoA == HoA (11.5.4): deregistration; with no BCE,
 *      133 (10.3.2). Else the granted lifetime is min(requested,
 *      max_lifetime).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhp_dir.h"
#include "ha_engine.h"
#include "log.h"

struct ha_mn {
	struct in6_addr	hoa;
	uint32_t	spi;
	char		name[CONF_NAME_MAX];
	bool		seen;		/* a BU was accepted since start */
	uint16_t	last_seq;
	uint64_t	last_mesgid;
};

struct ha_engine {
	struct conf_prefix	 home_prefix;
	uint16_t		 max_units;	/* lifetime cap, 4 s units */
	uint16_t		 validity;	/* DHP Reply, 4 s units */
	bool			 skip_dad;
	struct ha_mn		*mns;		/* sorted by HoA */
	size_t			 nmns;
	const struct sa_table	*sas;
	struct bcache		*bc;
	struct dhp_dir		*dir;
	struct ha_stats		 st;
	/* ha_engine_expire() in progress */
	ha_action_fn		 exp_fn;
	void			*exp_arg;
};

/* One authenticated-or-not message on its way through the checks. */
struct rx_ctx {
	const struct ha_rx	*rx;
	const struct mh_msg	*m;
	struct in6_addr		 coa, hoa;
	const struct mh_sa	*sa;
	struct ha_mn		*mn;
	bool			 authentic;	/* MAC verified */
};

static const char *const act_names[] = {
	[HA_ACT_BIND_ADD] = "add",
	[HA_ACT_BIND_MOVE] = "move",
	[HA_ACT_BIND_DEL] = "del",
};

static const char *const verdict_names[] = {
	[HA_V_DROPPED] = "dropped",
	[HA_V_ACCEPTED] = "accepted",
	[HA_V_REJECTED] = "rejected",
	[HA_V_DAD_PENDING] = "dad-pending",
};

const char *
ha_act_name(enum ha_act_kind k)
{
	if ((unsigned)k >= sizeof(act_names) / sizeof(act_names[0]))
		return "?";
	return act_names[k];
}

const char *
ha_verdict_name(enum ha_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return "?";
	return verdict_names[v];
}

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

/* A failed check: a warning, or debug only for a rate-limited source
 * (ha_rx.quiet, issue 8). */
#define LOG_FAIL(quiet, ...)						\
	do {								\
		if (quiet)						\
			log_debug(__VA_ARGS__);				\
		else							\
			log_warnx(__VA_ARGS__);				\
	} while (0)

/* Entry state changes, "old -> new (why)" (STYLE.md). */
static void
log_bce(const struct in6_addr *hoa, const char *old, const char *new,
    const char *why)
{
	char h[INET6_ADDRSTRLEN];

	log_info("bce %s: %s -> %s (%s)", a6(hoa, h), old, new, why);
}

/* ---- configuration ------------------------------------------------- */

static int
mn_cmp(const void *a, const void *b)
{
	const struct ha_mn *x = a, *y = b;

	return memcmp(&x->hoa, &y->hoa, sizeof(x->hoa));
}

static struct ha_mn *
mn_find(const struct ha_engine *e, const struct in6_addr *hoa)
{
	struct ha_mn key;

	key.hoa = *hoa;
	return bsearch(&key, e->mns, e->nmns, sizeof(*e->mns), mn_cmp);
}

static uint16_t
units_of(unsigned secs)
{
	unsigned u = secs / MH_LIFETIME_UNIT;

	return u > MH_LIFETIME_MAX_UNITS ? MH_LIFETIME_MAX_UNITS : (uint16_t)u;
}

static int
load_mns(struct ha_engine *e, const struct had_conf *conf)
{
	e->mns = calloc(conf->nmns ? conf->nmns : 1, sizeof(*e->mns));
	if (e->mns == NULL)
		return -1;
	for (size_t i = 0; i < conf->nmns; i++) {
		e->mns[i].hoa = conf->mns[i].home_address;
		e->mns[i].spi = conf->mns[i].spi;
		memcpy(e->mns[i].name, conf->mns[i].name,
		    sizeof(e->mns[i].name));
		e->mns[i].name[sizeof(e->mns[i].name) - 1] = '\0';
	}
	e->nmns = conf->nmns;
	qsort(e->mns, e->nmns, sizeof(*e->mns), mn_cmp);
	return 0;
}

struct ha_engine *
ha_engine_new(const struct had_conf *conf, const struct sa_table *sas)
{
	struct ha_engine *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->home_prefix = conf->home_prefix;
	/* max_lifetime 0 would make every BU a deregistration: no cap. */
	e->max_units = conf->max_lifetime ? units_of(conf->max_lifetime) :
	    MH_LIFETIME_MAX_UNITS;
	e->validity = units_of(conf->validity);
	e->skip_dad = conf->skip_dad;
	e->sas = sas;
	if (load_mns(e, conf) == -1 || (e->bc = bcache_new()) == NULL ||
	    (e->dir = dhp_dir_new(conf->dhps, conf->ndhps)) == NULL) {
		ha_engine_free(e);
		errno = ENOMEM;
		return NULL;
	}
	return e;
}

void
ha_engine_free(struct ha_engine *e)
{
	if (e == NULL)
		return;
	bcache_free(e->bc);
	dhp_dir_free(e->dir);
	free(e->mns);
	free(e);
}

/* ---- replies ------------------------------------------------------- */

/* Address the reply and ask for AUTH with the SA (B.8: the same
 * CoA || HoA as the request). */
static void
reply_begin(struct ha_result *res, const struct mh_sa *sa,
    const struct in6_addr *dst, const struct in6_addr *coa,
    const struct in6_addr *hoa, uint8_t type)
{
	struct ha_reply *r = &res->reply;

	memset(r, 0, sizeof(*r));
	res->has_reply = true;
	r->dst = *dst;
	r->auth_coa = *coa;
	r->auth_hoa = *hoa;
	r->sa = sa;
	r->msg.type = type;
	r->msg.opt.present = MHO_AUTH;
	r->msg.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	r->msg.opt.auth_spi = sa->spi;
	r->msg.opt.auth_mac_len = (uint8_t)auth_alg_mac_len(sa->alg);
}

/* B.8: 144 carries the HA's time; otherwise the request's MESG-ID is
 * echoed when it had one. */
static void
reply_mesgid(struct ha_reply *r, const struct rx_ctx *c, uint8_t status)
{
	if (status == BA_STATUS_ID_MISMATCH) {
		r->msg.opt.present |= MHO_MESGID;
		r->msg.opt.mesgid = c->rx->now_ntp;
	} else if (c->m->opt.present & MHO_MESGID) {
		r->msg.opt.present |= MHO_MESGID;
		r->msg.opt.mesgid = c->m->opt.mesgid;
	}
}

/* Where a reply goes: the CoA, except when the request failed
 * authentication or named an unusable CoA; then its IPv6 source. */
static const struct in6_addr *
reply_dst(const struct rx_ctx *c, uint8_t status)
{
	if (!c->authentic || status == BA_STATUS_INVALID_COA)
		return &c->rx->src;
	return &c->coa;
}

/* C.1 [P]: refresh at REFRESH_PERCENT of the granted lifetime. */
static uint16_t
bra_units(uint16_t granted)
{
	uint32_t u = (uint32_t)granted * REFRESH_PERCENT / 100;

	return granted == 0 ? 0 : u == 0 ? 1 : (uint16_t)u;
}

static void
ba_fill(struct ha_reply *r, uint8_t status, uint16_t seq, uint16_t life)
{
	r->msg.u.ba.status = status;
	r->msg.u.ba.flags = 0;
	r->msg.u.ba.seq = seq;
	r->msg.u.ba.lifetime = life;
	if (!BA_STATUS_REJECTED(status) && life > 0) {
		r->msg.opt.present |= MHO_BRA;
		r->msg.opt.bra = bra_units(life);
	}
}

static void
set_verdict(struct ha_result *res, uint8_t status)
{
	res->status = status;
	res->verdict = BA_STATUS_REJECTED(status) ? HA_V_REJECTED :
	    HA_V_ACCEPTED;
}

/* A BA for the BU in c. RFC 6275 9.5.1/10.3.1: rejections are always
 * answered, acceptances only when A was set. */
static void
bu_reply(struct ha_engine *e, const struct rx_ctx *c, struct ha_result *res,
    uint8_t status, uint16_t seq, uint16_t life)
{
	char h[INET6_ADDRSTRLEN];

	e->st.bu_status[status]++;
	set_verdict(res, status);
	log_debug("BU seq %u for %s: status %u (%s)", c->m->u.bu.seq,
	    a6(&c->hoa, h), status, mh_status_name(status));
	if (!BA_STATUS_REJECTED(status) && !(c->m->u.bu.flags & BU_F_A))
		return;
	reply_begin(res, c->sa, reply_dst(c, status), &c->coa, &c->hoa,
	    MH_TYPE_BA);
	reply_mesgid(&res->reply, c, status);
	ba_fill(&res->reply, status, seq, life);
}

ssize_t
ha_reply_encode(const struct ha_reply *r, uint8_t *buf, size_t cap)
{
	size_t auth_off = 0;
	ssize_t len;

	if ((len = mh_build(&r->msg, buf, cap, &auth_off)) < 0)
		return len;
	if (r->sa == NULL || mh_auth_sign(buf, (size_t)len, auth_off, r->sa,
	    &r->auth_coa, &r->auth_hoa) != 0)
		return -1;
	return len;
}

/* ---- checks shared by BU and DHP Query ----------------------------- */

/*
 * Step 1 and 2. Returns -1 to drop silently, 0 when authentic, or
 * BA_STATUS_AUTH_FAIL.
 */
static int
rx_authenticate(struct ha_engine *e, struct rx_ctx *c)
{
	const struct mh_opts *o = &c->m->opt;
	char s[INET6_ADDRSTRLEN];

	if (!(o->present & MHO_HOA)) {
		e->st.drop_no_hoa++;
		log_debug("%s from %s: no Home Address option, dropped",
		    mh_type_name(c->m->type), a6(&c->rx->src, s));
		return -1;
	}
	if (!(o->present & MHO_AUTH)) {
		e->st.drop_no_auth++;
		log_debug("%s from %s: no AUTH option, dropped",
		    mh_type_name(c->m->type), a6(&c->rx->src, s));
		return -1;
	}
	if ((c->sa = sa_table_find(e->sas, o->auth_spi)) == NULL) {
		e->st.drop_unknown_spi++;
		log_debug("%s from %s: unknown SPI %u, dropped",
		    mh_type_name(c->m->type), a6(&c->rx->src, s), o->auth_spi);
		return -1;
	}
	c->hoa = o->hoa;
	c->coa = (o->present & MHO_ALTCOA) ? o->altcoa : c->rx->src;
	if (mh_auth_verify(c->rx->raw, c->rx->len, o, c->sa, &c->coa,
	    &c->hoa) != 0) {
		LOG_FAIL(c->rx->quiet, "%s from %s: authentication failed "
		    "(SPI %u)", mh_type_name(c->m->type), a6(&c->rx->src, s),
		    o->auth_spi);
		return BA_STATUS_AUTH_FAIL;
	}
	c->authentic = true;
	return 0;
}

/* Step 5: the HoA is one of ours and the SA is this MN's. Fills c->mn.
 * Returns 0 or the status for "not in the prefix" / "not ours". */
static int
rx_identify(struct ha_engine *e, struct rx_ctx *c, uint8_t not_prefix,
    uint8_t not_ours)
{
	char h[INET6_ADDRSTRLEN];

	if (!conf_prefix_contains(&e->home_prefix, &c->hoa))
		return not_prefix;
	if ((c->mn = mn_find(e, &c->hoa)) == NULL)
		return not_ours;
	if (c->mn->spi != c->sa->spi) {
		LOG_FAIL(c->rx->quiet, "%s for %s (%s) signed with SPI %u, "
		    "not its SPI %u", mh_type_name(c->m->type), a6(&c->hoa, h),
		    c->mn->name, c->sa->spi, c->mn->spi);
		return BA_STATUS_AUTH_FAIL;
	}
	return 0;
}

/* ---- Binding Update ------------------------------------------------ */

static bool
coa_usable(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_MULTICAST(a) &&
	    !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_LINKLOCAL(a) &&
	    !IN6_IS_ADDR_V4MAPPED(a);
}

/* Steps 7 and 8 (replays and ordering). Fills *seq_out for 135. */
static int
bu_check_fresh(const struct rx_ctx *c, const struct bce *b,
    uint16_t *seq_out)
{
	const struct ha_mn *mn = c->mn;
	bool ts = c->sa->replay == REPLAY_TIMESTAMP;

	if (ts && mn->seen &&
	    (int64_t)(c->m->opt.mesgid - mn->last_mesgid) <= 0)
		return BA_STATUS_ID_MISMATCH;
	if ((b != NULL || (!ts && mn->seen)) &&
	    !seq_newer(c->m->u.bu.seq, mn->last_seq)) {
		*seq_out = mn->last_seq;
		return BA_STATUS_SEQ_OUT_OF_WINDOW;
	}
	return 0;
}

/* Steps 2 to 8; 0 when the BU may change the binding. */
static int
bu_check(struct ha_engine *e, struct rx_ctx *c, struct bce **b,
    uint16_t *seq_out)
{
	int rc;

	if ((rc = replay_check(c->sa, &c->m->opt, c->rx->now_ntp)) != 0)
		return rc;
	if (c->m->u.bu.flags & BU_F_P)
		return BA_STATUS_PROXY_REG_NOT_ENABLED;
	if (!(c->m->u.bu.flags & BU_F_H))
		return BA_STATUS_PROHIBITED;
	if ((rc = rx_identify(e, c, BA_STATUS_NOT_HOME_SUBNET,
	    BA_STATUS_NOT_HA_FOR_MN)) != 0)
		return rc;
	if (!coa_usable(&c->coa))
		return BA_STATUS_INVALID_COA;
	*b = bcache_find(e->bc, &c->hoa);
	return bu_check_fresh(c, *b, seq_out);
}

static void
mn_accept(struct ha_mn *mn, const struct mh_msg *m)
{
	mn->seen = true;
	mn->last_seq = m->u.bu.seq;
	if (m->opt.present & MHO_MESGID)
		mn->last_mesgid = m->opt.mesgid;
}

static void
set_action(struct ha_result *res, enum ha_act_kind k,
    const struct in6_addr *hoa, const struct in6_addr *coa,
    const struct in6_addr *old_coa)
{
	res->has_action = true;
	memset(&res->action, 0, sizeof(res->action));
	res->action.kind = k;
	res->action.hoa = *hoa;
	res->action.coa = *coa;
	if (old_coa != NULL)
		res->action.old_coa = *old_coa;
}

/* RFC 6275 10.3.2 and 11.5.4. */
static void
bu_deregister(struct ha_engine *e, struct rx_ctx *c, struct bce *b,
    struct ha_result *res)
{
	if (b == NULL) {
		bu_reply(e, c, res, BA_STATUS_NOT_HA_FOR_MN, c->m->u.bu.seq, 0);
		return;
	}
	mn_accept(c->mn, c->m);
	if (b->state == BCE_ACTIVE)
		set_action(res, HA_ACT_BIND_DEL, &b->hoa, &b->coa, NULL);
	log_bce(&b->hoa, bce_state_name(b->state), "none", "deregistered");
	bcache_remove(e->bc, b);
	e->st.bind_deleted++;
	bu_reply(e, c, res, BA_STATUS_ACCEPTED, c->m->u.bu.seq, 0);
}

static void
bce_update(struct bce *b, const struct rx_ctx *c, uint16_t life)
{
	b->coa = c->coa;
	b->seq = c->m->u.bu.seq;
	b->lifetime = life;
	b->spi = c->sa->spi;
	if (c->m->opt.present & MHO_MESGID)
		b->mesgid = c->m->opt.mesgid;
	b->updated_ms = c->rx->now;
}

/* A BU for an existing entry: refresh, move, or (during DAD) update
 * silently. */
static void
bu_update(struct ha_engine *e, struct rx_ctx *c, struct bce *b,
    uint16_t life, struct ha_result *res)
{
	struct in6_addr old = b->coa;
	char why[INET6_ADDRSTRLEN + 16], n[INET6_ADDRSTRLEN];

	bce_update(b, c, life);
	if (b->state == BCE_DAD) {
		res->verdict = HA_V_DAD_PENDING;
		e->st.bu_status[BA_STATUS_ACCEPTED]++;
		return;
	}
	if (!addr_eq(&old, &b->coa)) {
		set_action(res, HA_ACT_BIND_MOVE, &b->hoa, &b->coa, &old);
		e->st.bind_moved++;
		snprintf(why, sizeof(why), "moved to %s", a6(&b->coa, n));
		log_bce(&b->hoa, "active", "active", why);
	} else
		e->st.bind_refreshed++;
	bu_reply(e, c, res, BA_STATUS_ACCEPTED, b->seq, life);
}

/* First registration: ADD now, or DAD first (F.15). */
static void
bu_create(struct ha_engine *e, struct rx_ctx *c, struct bce *b,
    uint16_t life, struct ha_result *res)
{
	bce_update(b, c, life);
	if (!e->skip_dad) {
		res->verdict = HA_V_DAD_PENDING;
		res->dad_start = true;
		res->dad_hoa = b->hoa;
		e->st.dad_started++;
		e->st.bu_status[BA_STATUS_ACCEPTED]++;
		log_bce(&b->hoa, "none", "dad", "first registration");
		return;
	}
	b->state = BCE_ACTIVE;
	set_action(res, HA_ACT_BIND_ADD, &b->hoa, &b->coa, NULL);
	e->st.bind_added++;
	log_bce(&b->hoa, "none", "active", "registered, skip_dad");
	bu_reply(e, c, res, BA_STATUS_ACCEPTED, b->seq, life);
}

static void
bu_register(struct ha_engine *e, struct rx_ctx *c, struct bce *b,
    struct ha_result *res)
{
	uint16_t life = c->m->u.bu.lifetime;
	bool fresh = b == NULL;

	if (life > e->max_units)
		life = e->max_units;
	if (fresh && (b = bcache_insert(e->bc, &c->hoa, c->rx->now)) == NULL) {
		e->st.drop_nomem++;
		bu_reply(e, c, res, BA_STATUS_INSUFFICIENT, c->m->u.bu.seq, 0);
		return;
	}
	if (bcache_set_expiry(e->bc, b, c->rx->now +
	    (uint64_t)life * MH_LIFETIME_UNIT * 1000) != 0) {
		e->st.drop_nomem++;
		if (fresh)
			bcache_remove(e->bc, b);
		/* An existing entry lost its timer: RFC 6275 lets the HA
		 * refuse a binding it cannot keep; the next BU re-arms it. */
		bu_reply(e, c, res, BA_STATUS_INSUFFICIENT, c->m->u.bu.seq, 0);
		return;
	}
	mn_accept(c->mn, c->m);
	if (fresh)
		bu_create(e, c, b, life, res);
	else
		bu_update(e, c, b, life, res);
}

static void
bu_input(struct ha_engine *e, struct rx_ctx *c, struct ha_result *res)
{
	struct bce *b = NULL;
	uint16_t seq = c->m->u.bu.seq;
	int rc;

	e->st.rx_bu++;
	if ((rc = rx_authenticate(e, c)) == -1)
		return;
	if (rc == 0)
		rc = bu_check(e, c, &b, &seq);
	if (rc != 0) {
		bu_reply(e, c, res, (uint8_t)rc, seq, 0);
		return;
	}
	if (c->m->u.bu.lifetime == 0 || addr_eq(&c->coa, &c->hoa))
		bu_deregister(e, c, b, res);
	else
		bu_register(e, c, b, res);
}

bool
ha_engine_dad_done(struct ha_engine *e, const struct in6_addr *hoa, bool ok,
    uint64_t now, struct ha_result *res)
{
	/* hoa may point into res (&res->dad_hoa): copy it before res is
	 * cleared. */
	struct in6_addr key = *hoa;
	struct bce *b = bcache_find(e->bc, &key);
	const struct mh_sa *sa;
	uint8_t status = ok ? BA_STATUS_ACCEPTED : BA_STATUS_DAD_FAILED;

	hoa = &key;
	memset(res, 0, sizeof(*res));
	if (b == NULL || b->state != BCE_DAD)
		return false;
	set_verdict(res, status);
	if ((sa = sa_table_find(e->sas, b->spi)) != NULL) {
		reply_begin(res, sa, &b->coa, &b->coa, &b->hoa, MH_TYPE_BA);
		res->reply.msg.opt.present |= MHO_MESGID;
		res->reply.msg.opt.mesgid = b->mesgid;
		ba_fill(&res->reply, status, b->seq, ok ? b->lifetime : 0);
	}
	if (!ok) {
		e->st.dad_failed++;
		log_bce(hoa, "dad", "none", "DAD failed");
		bcache_remove(e->bc, b);
		return true;
	}
	b->state = BCE_ACTIVE;
	b->updated_ms = now;
	set_action(res, HA_ACT_BIND_ADD, &b->hoa, &b->coa, NULL);
	e->st.bind_added++;
	log_bce(hoa, "dad", "active", "DAD done");
	return true;
}

/* ---- DHP Query (B.11.2, B.11.3, F.4) ------------------------------ */

static void
dq_reply(struct ha_engine *e, const struct rx_ctx *c, struct ha_result *res,
    uint8_t status, const struct mh_dhp_cand *cand, size_t n)
{
	struct ha_reply *r = &res->reply;
	char h[INET6_ADDRSTRLEN];

	e->st.dq_status[status]++;
	set_verdict(res, status);
	log_debug("DHP Query seq %u from %s: status %u, %zu candidates",
	    c->m->u.dq.seq, a6(&c->hoa, h), status, n);
	reply_begin(res, c->sa, reply_dst(c, status), &c->coa, &c->hoa,
	    MH_TYPE_DHP_REPLY);
	reply_mesgid(r, c, status);
	r->msg.u.dr.seq = c->m->u.dq.seq;
	r->msg.u.dr.status = status;
	r->msg.u.dr.count = (uint8_t)n;
	/* The MN may cache a positive or USE_HA answer (F.4). */
	r->msg.u.dr.validity = BA_STATUS_REJECTED(status) ? 0 : e->validity;
	r->msg.u.dr.cn = c->m->u.dq.cn;
	r->msg.opt.n_cand = (uint8_t)n;
	if (n > 0)
		memcpy(r->msg.opt.cand, cand, n * sizeof(*cand));
}

static void
dq_input(struct ha_engine *e, struct rx_ctx *c, struct ha_result *res)
{
	struct mh_dhp_cand cand[MH_MAX_CAND];
	size_t max = c->m->u.dq.max_cand, n = 0;
	int rc;

	e->st.rx_dhp_query++;
	if ((rc = rx_authenticate(e, c)) == -1)
		return;
	if (rc == 0)
		rc = replay_check(c->sa, &c->m->opt, c->rx->now_ntp);
	if (rc == 0)
		rc = rx_identify(e, c, BA_STATUS_PROHIBITED,
		    BA_STATUS_PROHIBITED);
	if (rc != 0) {
		dq_reply(e, c, res, (uint8_t)rc, NULL, 0);
		return;
	}
	/* A.3.5, F.17: a CN-initiated flow always stays on the HoA. */
	if (!(c->m->u.dq.flags & DHP_QUERY_F_I)) {
		if (max == 0)
			max = DHP_MAX_CANDIDATES_DEFAULT;
		if (max > MH_MAX_CAND)
			max = MH_MAX_CAND;
		n = dhp_dir_lookup(e->dir, &c->m->u.dq.cn, cand, max, NULL);
	}
	dq_reply(e, c, res, n > 0 ? DMIP_STATUS_OK : DMIP_STATUS_USE_HA,
	    cand, n);
}

/* ---- entry points -------------------------------------------------- */

enum ha_verdict
ha_engine_input(struct ha_engine *e, const struct ha_rx *rx,
    struct ha_result *res)
{
	struct rx_ctx c;
	char s[INET6_ADDRSTRLEN];

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	c.rx = rx;
	c.m = rx->msg;
	switch (rx->msg->type) {
	case MH_TYPE_BU:
		bu_input(e, &c, res);
		break;
	case MH_TYPE_DHP_QUERY:
		dq_input(e, &c, res);
		break;
	default:
		e->st.rx_other++;
		log_debug("%s from %s: not for a home agent, dropped",
		    mh_type_name(rx->msg->type), a6(&rx->src, s));
		break;
	}
	return res->verdict;
}

static void
expired(struct bce *b, void *arg)
{
	struct ha_engine *e = arg;
	struct ha_action a;

	e->st.bind_expired++;
	log_bce(&b->hoa, bce_state_name(b->state), "none", "lifetime expired");
	/* An entry still in DAD has nothing in the data plane. */
	if (b->state != BCE_ACTIVE || e->exp_fn == NULL)
		return;
	memset(&a, 0, sizeof(a));
	a.kind = HA_ACT_BIND_DEL;
	a.hoa = b->hoa;
	a.coa = b->coa;
	e->exp_fn(&a, e->exp_arg);
}

size_t
ha_engine_expire(struct ha_engine *e, uint64_t now, ha_action_fn fn,
    void *arg)
{
	size_t n;

	e->exp_fn = fn;
	e->exp_arg = arg;
	n = bcache_expire(e->bc, now, expired, e);
	e->exp_fn = NULL;
	e->exp_arg = NULL;
	return n;
}

bool
ha_engine_forget(struct ha_engine *e, const struct in6_addr *hoa)
{
	struct bce *b = bcache_find(e->bc, hoa);

	if (b == NULL)
		return false;
	bcache_remove(e->bc, b);
	return true;
}

uint64_t
ha_engine_next_expiry(const struct ha_engine *e)
{
	return bcache_next_expiry(e->bc);
}

const struct ha_stats *
ha_engine_stats(const struct ha_engine *e)
{
	return &e->st;
}

const struct bcache *
ha_engine_bcache(const struct ha_engine *e)
{
	return e->bc;
}

const struct bce *
ha_engine_find(const struct ha_engine *e, const struct in6_addr *hoa)
{
	return bcache_find(e->bc, hoa);
}

/* ---- saving and restoring ------------------------------------------ */

void
ha_engine_foreach_replay(const struct ha_engine *e, ha_replay_fn fn,
    void *arg)
{
	struct ha_replay r;

	for (size_t i = 0; i < e->nmns; i++) {
		if (!e->mns[i].seen)
			continue;
		memset(&r, 0, sizeof(r));
		r.hoa = e->mns[i].hoa;
		r.last_seq = e->mns[i].last_seq;
		r.last_mesgid = e->mns[i].last_mesgid;
		fn(&r, arg);
	}
}

bool
ha_engine_restore_replay(struct ha_engine *e, const struct ha_replay *r)
{
	struct ha_mn *mn = mn_find(e, &r->hoa);

	if (mn == NULL)
		return false;
	mn->seen = true;
	mn->last_seq = r->last_seq;
	mn->last_mesgid = r->last_mesgid;
	return true;
}

void
ha_engine_mesgid_floor(struct ha_engine *e, uint64_t floor)
{
	const struct mh_sa *sa;

	for (size_t i = 0; i < e->nmns; i++) {
		struct ha_mn *mn = &e->mns[i];

		sa = sa_table_find(e->sas, mn->spi);
		if (sa == NULL || sa->replay != REPLAY_TIMESTAMP)
			continue;
		/* seen also arms the sequence check, but only with a BCE
		 * under a timestamp SA (bu_check_fresh). */
		if (!mn->seen || (int64_t)(mn->last_mesgid - floor) < 0) {
			mn->last_mesgid = floor;
			mn->seen = true;
		}
	}
}

int
ha_engine_restore(struct ha_engine *e, const struct bce *saved,
    uint64_t expiry_ms, uint64_t now, struct ha_action *add)
{
	struct ha_mn *mn = mn_find(e, &saved->hoa);
	uint64_t cap = now + (uint64_t)e->max_units * MH_LIFETIME_UNIT * 1000;
	uint16_t life = saved->lifetime;
	struct bce *b;
	char c[INET6_ADDRSTRLEN], why[INET6_ADDRSTRLEN + 32];

	if (mn == NULL)
		return -ENOENT;
	if (!conf_prefix_contains(&e->home_prefix, &saved->hoa) ||
	    !coa_usable(&saved->coa) || addr_eq(&saved->coa, &saved->hoa) ||
	    expiry_ms <= now || life == 0)
		return -EINVAL;
	if (bcache_find(e->bc, &saved->hoa) != NULL)
		return -EEXIST;
	if ((b = bcache_insert(e->bc, &saved->hoa, saved->created_ms)) == NULL)
		return -errno;
	if (bcache_set_expiry(e->bc, b, expiry_ms < cap ? expiry_ms : cap)
	    != 0) {
		bcache_remove(e->bc, b);
		return -ENOMEM;
	}
	if (life > e->max_units)
		life = e->max_units;
	b->coa = saved->coa;
	b->state = BCE_ACTIVE;
	b->seq = saved->seq;
	b->lifetime = life;
	b->spi = mn->spi;		/* the SA configured now */
	b->mesgid = saved->mesgid;
	b->updated_ms = saved->updated_ms;
	/* The binding's sequence number is the newest one accepted. */
	if (!mn->seen || seq_newer(saved->seq, mn->last_seq))
		mn->last_seq = saved->seq;
	if (!mn->seen || (int64_t)(saved->mesgid - mn->last_mesgid) > 0)
		mn->last_mesgid = saved->mesgid;
	mn->seen = true;
	memset(add, 0, sizeof(*add));
	add->kind = HA_ACT_BIND_ADD;
	add->hoa = b->hoa;
	add->coa = b->coa;
	/* Debug only: had logs each restored binding once itself. */
	snprintf(why, sizeof(why), "restored from the state file, to %s",
	    a6(&b->coa, c));
	log_debug("bce %s: none -> active (%s)", a6(&b->hoa, c), why);
	return 0;
}
