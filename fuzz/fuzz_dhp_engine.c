/*
 * fuzz_dhp_engine.c: the DHP engine (dhp/dhp_engine.h) driven, like
 * fuzz_ha_engine.c drives the HA's, by a sequence of events decoded
 * from the input: DHoA Requests and DHP-BUs built from fields (most of
 * them signed correctly, so the accepting paths are reached), raw MH
 * bytes through mh_parse() (signed when their AUTH option fits an SA),
 * data-plane refusals (dhp_engine_action_failed) and clock steps with
 * dhp_engine_expire().
 *
 * The config is fixed: DHP 2001:db8:f::11, pools 2001:db8:d1::/64 and
 * 2001:db8:d2::/120, three MNs (::100 SPI 8192 HMAC-SHA256, ::200 SPI
 * 8193 HMAC-SHA1, ::300 SPI 8195 with replay = seq-only), an SA 8194
 * that belongs to no MN, leases 600 s, bindings 300 s, quarantine
 * 120 s, session-lasting and graceful-replacement offered. The first
 * input octet picks max_leases (none, 1, 2, 1000).
 *
 * Checked after every event, with the MAC verdict computed
 * independently (fuzz_ref_auth(), OpenSSL directly; MobilityData is
 * CoA || HoA || MH with the CoA field, or the source when it is ::):
 *   - no AUTH, unknown SPI, a DHP-BU without the Home Address option, a
 *     DHoA Request whose option and field disagree, another MH type:
 *     dropped, no reply, no action, nothing changed;
 *   - a wrong MAC with a known SPI: 146 to the IPv6 source, nothing
 *     changed; nothing is ever accepted without a valid MAC, from a
 *     HoA that is no configured MN, or under another MN's SA;
 *   - a rejection (>= 128) changes no lease and no binding;
 *   - accepted: a MESG-ID newer than the last accepted of that kind
 *     from that MN (timestamp SAs), a DHP-BU sequence newer than its
 *     binding's; the reply says what happened (DHoA, lifetime capped,
 *     B, BRA), and the state matches: lease to the MN (renewed with
 *     the lifetime granted), release, binding to the CoA, delete delay;
 *   - actions match the bindings before and after (ADD, MOVE, DEL);
 *     a refused action is undone and the reply rewritten;
 *   - every reply encodes (dhp_reply_encode), parses and verifies with
 *     the SA of the request, and goes to the source;
 *   - the engine as a whole: leases in the pools, owned by configured
 *     MNs, one per MN (F.9), at most max_leases, within the lease
 *     lifetime; bindings on leased DHoAs only, to usable CoAs, within
 *     their lifetime; the binding count;
 *   - expiry: DEL for exactly the bindings that ended or lost their
 *     lease, BRRs (signed with the MN's SA, to the CoA) only for active
 *     bindings past 90 %; nothing due is left, the next deadline is
 *     after now;
 *   - the counters: one of rx_dhoa_req, rx_dhp_bu, rx_other per MH.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "fuzz.h"
#include "fuzz_mh.h"
#include "../dhp/dhp_engine.h"

FUZZ_TARGET("dhp_engine");

#define NMN		3
#define SPI_STRAY	8194	/* an SA of no MN */
#define SPI_NONE	7777	/* no SA at all */
#define START_MS	1000000ULL
#define NTP_BASE	0xE875470000000000ULL
#define MAX_EVENTS	64
#define LEASE_U		150	/* 600 s */
#define BIND_U		75	/* 300 s */
#define MAX_SNAP	16

static const char *const mn_hoa_str[NMN] = {
	"2001:db8:10::100", "2001:db8:10::200", "2001:db8:10::300",
};
static const uint32_t mn_spi[NMN] = { 8192, 8193, 8195 };

static struct in6_addr	 mn_hoa[NMN];
static struct sa_table	*sas;
static struct dhpd_mn	 conf_mns[NMN];
static struct conf_prefix pools[2];
static struct dhpd_conf	 conf;

static void
add_sa(uint32_t spi, enum auth_alg alg, enum replay_mode replay)
{
	uint8_t key[32];
	struct mh_sa sa;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(spi * 3 + i * 5);
	if (sa_init(&sa, spi, alg, key, auth_alg_key_len(alg)) != 0)
		abort();
	sa.replay = replay;
	if (sa_table_add(sas, &sa) != 0)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz", 1, LOG_LVL_DEBUG);	/* format every message */
	if ((sas = sa_table_new()) == NULL)
		abort();
	add_sa(mn_spi[0], AUTH_ALG_HMAC_SHA256_128, REPLAY_TIMESTAMP);
	add_sa(mn_spi[1], AUTH_ALG_HMAC_SHA1_96, REPLAY_TIMESTAMP);
	add_sa(mn_spi[2], AUTH_ALG_HMAC_SHA256_128, REPLAY_SEQ_ONLY);
	add_sa(SPI_STRAY, AUTH_ALG_HMAC_SHA256_128, REPLAY_TIMESTAMP);
	conf.address = fuzz_addr("2001:db8:f::11");
	pools[0].addr = fuzz_addr("2001:db8:d1::");
	pools[0].len = 64;
	pools[1].addr = fuzz_addr("2001:db8:d2::");
	pools[1].len = 120;
	conf.pools = pools;
	conf.npools = 2;
	conf.lease_lifetime = LEASE_U * 4;
	conf.binding_lifetime = BIND_U * 4;
	conf.quarantine = 120;
	conf.continuity[CONT_SESSION_LASTING] = true;
	conf.continuity[CONT_GRACEFUL] = true;
	for (int i = 0; i < NMN; i++) {
		mn_hoa[i] = fuzz_addr(mn_hoa_str[i]);
		conf_mns[i].home_address = mn_hoa[i];
		conf_mns[i].spi = mn_spi[i];
		snprintf(conf_mns[i].name, sizeof(conf_mns[i].name), "mn%d",
		    i + 1);
	}
	conf.mns = conf_mns;
	conf.nmns = NMN;
	return 0;
}

/* ---- the engine's state, copied out ------------------------------------ */

struct snap_ent {
	struct in6_addr	dhoa, hoa;
	uint64_t	lease_expiry;
	bool		bound;
	struct in6_addr	coa;
	enum dhp_bind_state state;
	uint16_t	lifetime, seq;
	bool		seq_valid, brr_sent;
	uint64_t	updated, expiry;
};

struct snap {
	size_t		n;
	struct snap_ent	e[MAX_SNAP];
	bool		overflow;
};

static void
snap_one(const struct dhoa_lease *l, const struct dhp_binding *b, void *arg)
{
	struct snap *s = arg;
	struct snap_ent *x;

	if (s->n == MAX_SNAP) {
		s->overflow = true;
		return;
	}
	x = &s->e[s->n++];
	memset(x, 0, sizeof(*x));
	x->dhoa = l->dhoa;
	x->hoa = l->hoa;
	x->lease_expiry = l->expiry_ms;
	if (b == NULL)
		return;
	FUZZ_CHECK(b->lease == l, "a binding hung on another lease");
	x->bound = true;
	x->coa = b->coa;
	x->state = b->state;
	x->lifetime = b->lifetime;
	x->seq = b->seq;
	x->seq_valid = b->seq_valid;
	x->brr_sent = b->brr_sent;
	x->updated = b->updated_ms;
	x->expiry = b->expiry_ms;
}

static int
snap_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);	/* dhoa first */
}

static void
snapshot(struct dhp_engine *e, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	dhp_engine_foreach_lease(e, snap_one, s);
	qsort(s->e, s->n, sizeof(s->e[0]), snap_cmp);
}

static bool
snap_eq(const struct snap *a, const struct snap *b)
{
	return a->n == b->n && memcmp(a->e, b->e, a->n * sizeof(a->e[0])) == 0;
}

static const struct snap_ent *
snap_dhoa(const struct snap *s, const struct in6_addr *dhoa)
{
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(&s->e[i].dhoa, dhoa, 16) == 0)
			return &s->e[i];
	return NULL;
}

static const struct snap_ent *
snap_hoa(const struct snap *s, const struct in6_addr *hoa)
{
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(&s->e[i].hoa, hoa, 16) == 0)
			return &s->e[i];
	return NULL;
}

/* ---- helpers ------------------------------------------------------------ */

static int
mn_index(const struct in6_addr *hoa)
{
	for (int i = 0; i < NMN; i++)
		if (memcmp(hoa, &mn_hoa[i], 16) == 0)
			return i;
	return -1;
}

static bool
in_pool(const struct in6_addr *a)
{
	return conf_prefix_contains(&pools[0], a) ||
	    conf_prefix_contains(&pools[1], a);
}

/* dhp_engine.c's coa_usable(), written out again. */
static bool
usable_coa(const struct in6_addr *a)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const struct in6_addr any, loop = { .s6_addr[15] = 1 };

	return memcmp(a, &any, 16) != 0 && memcmp(a, &loop, 16) != 0 &&
	    a->s6_addr[0] != 0xff &&
	    !(a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80) &&
	    memcmp(a, v4mapped, 12) != 0 &&
	    memcmp(a, &conf.address, 16) != 0 && !in_pool(a);
}

static bool
is_any(const struct in6_addr *a)
{
	static const struct in6_addr any;

	return memcmp(a, &any, 16) == 0;
}

struct run {
	struct dhp_engine *e;
	uint64_t	 now;		/* ms */
	unsigned	 max_leases;	/* 0: none */
	uint16_t	 next_seq[NMN + 1];
	uint64_t	 msgs;		/* makes MESG-IDs grow */
	uint64_t	 n_req, n_bu, n_other;
	/* the last MESG-ID accepted per MN, per kind (0 req, 1 DHP-BU) */
	bool		 seen[NMN][2];
	uint64_t	 last_mesgid[NMN][2];
	struct in6_addr	 last_dhoa[NMN];	/* granted to it, for fields */
};

static uint64_t
ntp_at(uint64_t ms)
{
	uint64_t d = ms - START_MS;

	return NTP_BASE + ((d / 1000) << 32) + ((d % 1000) << 32) / 1000;
}

/* The engine as a whole, after any event. */
static void
check_engine(const struct run *r, const struct snap *s)
{
	bool has[NMN] = { false };
	size_t bound = 0;
	char b[46], c[46];

	FUZZ_CHECK(!s->overflow, "more than %d leases", MAX_SNAP);
	FUZZ_CHECK(r->max_leases == 0 || s->n <= r->max_leases, "%zu leases, "
	    "max %u", s->n, r->max_leases);
	for (size_t i = 0; i < s->n; i++) {
		const struct snap_ent *x = &s->e[i];
		int mn = mn_index(&x->hoa);

		FUZZ_CHECK(in_pool(&x->dhoa), "lease of %s outside the pools",
		    fuzz_a6(&x->dhoa, b));
		FUZZ_CHECK(mn >= 0, "lease of %s to %s, no configured MN",
		    fuzz_a6(&x->dhoa, b), fuzz_a6(&x->hoa, c));
		FUZZ_CHECK(!has[mn], "mn%d holds two DHoAs (F.9)", mn + 1);
		has[mn] = true;
		FUZZ_CHECK(x->lease_expiry <= r->now + LEASE_U * 4000ULL,
		    "lease of %s until %llu, now %llu", fuzz_a6(&x->dhoa, b),
		    (unsigned long long)x->lease_expiry,
		    (unsigned long long)r->now);
		if (!x->bound)
			continue;
		bound++;
		FUZZ_CHECK(usable_coa(&x->coa), "%s bound to %s",
		    fuzz_a6(&x->dhoa, b), fuzz_a6(&x->coa, c));
		FUZZ_CHECK(x->state == DHP_BIND_ACTIVE ? x->lifetime > 0 &&
		    x->lifetime <= BIND_U : x->state == DHP_BIND_DELETING &&
		    x->lifetime == 0, "binding %s, lifetime %u",
		    dhp_bind_state_name(x->state), x->lifetime);
		FUZZ_CHECK(x->expiry <= r->now + BIND_U * 4000ULL,
		    "binding until %llu, now %llu",
		    (unsigned long long)x->expiry, (unsigned long long)r->now);
	}
	FUZZ_CHECK(dhp_engine_bindings(r->e) == bound, "engine counts %zu "
	    "bindings, %zu found", dhp_engine_bindings(r->e), bound);
}

/* Every reply builds, signs, parses and verifies (B.8). */
static void
check_reply(const struct dhp_reply *rp, uint8_t want_type, uint32_t spi,
    const struct in6_addr *dst)
{
	uint8_t buf[MH_MAX_LEN];
	struct mh_msg m;
	ssize_t n;
	char b[46];

	FUZZ_CHECK(rp->sa != NULL && rp->sa->spi == spi, "reply signed with "
	    "SPI %u, want %u", rp->sa ? rp->sa->spi : 0, spi);
	FUZZ_CHECK(rp->msg.type == want_type, "reply type %u, want %u",
	    rp->msg.type, want_type);
	FUZZ_CHECK(memcmp(&rp->dst, dst, 16) == 0, "reply to %s",
	    fuzz_a6(&rp->dst, b));
	n = dhp_reply_encode(rp, buf, sizeof(buf));
	FUZZ_CHECK(n > 0, "dhp_reply_encode gave %zd", n);
	FUZZ_CHECK(mh_parse(buf, (size_t)n, &m) == MH_OK, "reply does not "
	    "parse");
	fuzz_mh_check_parsed(buf, (size_t)n, &m);
	FUZZ_CHECK(fuzz_ref_auth(buf, (size_t)n, &m.opt, rp->sa, &rp->auth_coa,
	    &rp->auth_hoa) == 0, "reply MAC does not verify");
}

/* What a message is, before the engine sees it. */
struct expect {
	int		 mn;		/* configured MN of the HoA, or -1 */
	bool		 known;		/* not dropped at step 1 */
	bool		 mac_ok;
	const struct mh_sa *sa;
	struct in6_addr	 coa, hoa;
	int		 kind;		/* 0 request, 1 DHP-BU */
};

static void
classify(const struct mh_msg *m, const uint8_t *raw, size_t len,
    const struct in6_addr *src, struct expect *x)
{
	const struct mh_opts *o = &m->opt;
	const struct in6_addr *coa;

	memset(x, 0, sizeof(x[0]));
	x->mn = -1;
	if (m->type != MH_TYPE_DHOA_REQ && m->type != MH_TYPE_DHP_BU)
		return;
	x->kind = m->type == MH_TYPE_DHP_BU;
	if (!(o->present & MHO_AUTH) ||
	    (x->sa = sa_table_find(sas, o->auth_spi)) == NULL)
		return;
	if (x->kind == 0) {
		x->hoa = m->u.dreq.hoa;
		coa = &m->u.dreq.coa;
		if ((o->present & MHO_HOA) && memcmp(&o->hoa, &x->hoa, 16))
			return;
	} else {
		if (!(o->present & MHO_HOA))
			return;
		x->hoa = o->hoa;
		coa = &m->u.dbu.coa;
	}
	x->coa = is_any(coa) ? *src : *coa;
	x->known = true;
	x->mn = mn_index(&x->hoa);
	x->mac_ok = fuzz_ref_auth(raw, len, o, x->sa, &x->coa, &x->hoa) == 0;
}

static void
check_action(const struct dhp_result *res, const struct snap *before,
    const struct snap *after)
{
	const struct dhp_action *a = &res->action;
	const struct snap_ent *b = snap_dhoa(before, &a->dhoa);
	const struct snap_ent *x = snap_dhoa(after, &a->dhoa);

	switch (a->kind) {
	case DHP_ACT_BIND_ADD:
		FUZZ_CHECK(b == NULL || !b->bound, "ADD over a binding");
		FUZZ_CHECK(x != NULL && x->bound && x->state ==
		    DHP_BIND_ACTIVE && memcmp(&x->coa, &a->coa, 16) == 0,
		    "ADD without the binding");
		break;
	case DHP_ACT_BIND_MOVE:
		FUZZ_CHECK(b != NULL && b->bound && memcmp(&b->coa,
		    &a->old_coa, 16) == 0, "MOVE from a CoA it was not at");
		FUZZ_CHECK(memcmp(&a->old_coa, &a->coa, 16) != 0,
		    "MOVE in place");
		FUZZ_CHECK(x != NULL && x->bound && x->state ==
		    DHP_BIND_ACTIVE && memcmp(&x->coa, &a->coa, 16) == 0,
		    "MOVE without the binding");
		break;
	case DHP_ACT_BIND_DEL:
		FUZZ_CHECK(b != NULL && b->bound && memcmp(&b->coa, &a->coa,
		    16) == 0, "DEL of a binding that was not there");
		FUZZ_CHECK(x == NULL || !x->bound, "DEL but still bound");
		break;
	default:
		FUZZ_CHECK(0, "action kind %d", a->kind);
	}
}

/* A DHoA Request the engine accepted. */
static void
check_req_ok(struct run *r, const struct mh_msg *m, const struct expect *x,
    const struct dhp_result *res, const struct snap *before,
    const struct snap *after)
{
	const struct mh_dhoa_req *q = &m->u.dreq;
	const struct mh_dhoa_resp *p = &res->reply.msg.u.dresp;
	const struct snap_ent *mine = snap_hoa(after, &x->hoa);
	uint16_t life = q->lifetime < LEASE_U ? q->lifetime : LEASE_U;
	char b[46];

	FUZZ_CHECK(res->has_reply && p->status == res->status &&
	    p->seq == q->seq, "DHoA Response status %u seq %u", p->status,
	    p->seq);
	if (q->lifetime == 0) {
		const struct snap_ent *was = snap_dhoa(before, &p->dhoa);

		FUZZ_CHECK(was != NULL && memcmp(&was->hoa, &x->hoa, 16) == 0,
		    "released %s, not the MN's", fuzz_a6(&p->dhoa, b));
		FUZZ_CHECK(snap_dhoa(after, &p->dhoa) == NULL,
		    "released %s still leased", fuzz_a6(&p->dhoa, b));
		FUZZ_CHECK(p->lifetime == 0 && !(p->flags & DHOA_F_B),
		    "release answered lifetime %u flags %#x", p->lifetime,
		    p->flags);
		FUZZ_CHECK(res->has_action == was->bound, "release of a "
		    "DHoA %sbound: action %d", was->bound ? "" : "not ",
		    res->has_action);
		return;
	}
	FUZZ_CHECK(mine != NULL && memcmp(&mine->dhoa, &p->dhoa, 16) == 0,
	    "granted %s, the MN holds another", fuzz_a6(&p->dhoa, b));
	FUZZ_CHECK(is_any(&q->req_dhoa) || memcmp(&q->req_dhoa, &p->dhoa,
	    16) == 0, "asked for one DHoA, got another");
	FUZZ_CHECK(p->lifetime == life && mine->lease_expiry == r->now +
	    life * 4000ULL, "lease lifetime %u (asked %u), expiry %llu",
	    p->lifetime, q->lifetime, (unsigned long long)mine->lease_expiry);
	FUZZ_CHECK(p->plen == 128 && memcmp(&p->tep, &conf.address, 16) == 0,
	    "plen %u", p->plen);
	r->last_dhoa[x->mn] = p->dhoa;
	if (!(q->flags & DHOA_F_B)) {
		FUZZ_CHECK(!(p->flags & DHOA_F_B) && !res->has_action,
		    "bound without B");
		return;
	}
	if (p->flags & DHOA_F_B) {
		uint16_t bl = life < BIND_U ? life : BIND_U;

		FUZZ_CHECK(mine->bound && mine->state == DHP_BIND_ACTIVE &&
		    memcmp(&mine->coa, &x->coa, 16) == 0 &&
		    mine->lifetime == bl && mine->expiry == r->now +
		    bl * 4000ULL, "B granted but the binding is not the "
		    "request's");
	}
}

/* A DHP-BU the engine accepted. */
static void
check_bu_ok(const struct run *r, const struct mh_msg *m,
    const struct expect *x, const struct dhp_result *res,
    const struct snap *before, const struct snap *after)
{
	const struct mh_dhp_bu *q = &m->u.dbu;
	const struct snap_ent *was = snap_dhoa(before, &q->dhoa);
	const struct snap_ent *now = snap_dhoa(after, &q->dhoa);
	char b[46];

	FUZZ_CHECK(was != NULL && memcmp(&was->hoa, &x->hoa, 16) == 0,
	    "DHP-BU accepted for %s, not the MN's lease",
	    fuzz_a6(&q->dhoa, b));
	FUZZ_CHECK(usable_coa(&x->coa), "DHP-BU accepted to CoA %s",
	    fuzz_a6(&x->coa, b));
	if (was->bound && was->seq_valid)
		FUZZ_CHECK(seq_newer(q->seq, was->seq), "accepted seq %u after "
		    "%u", q->seq, was->seq);
	FUZZ_CHECK(res->has_reply == ((q->flags & DHP_BU_F_A) != 0),
	    "accepted, A=%d, reply %d", (q->flags & DHP_BU_F_A) != 0,
	    res->has_reply);
	if (res->has_reply)
		FUZZ_CHECK(res->reply.msg.u.dbc.status == res->status &&
		    res->reply.msg.u.dbc.seq == q->seq &&
		    memcmp(&res->reply.msg.u.dbc.dhoa, &q->dhoa, 16) == 0,
		    "DHP-BC does not answer the DHP-BU");
	if (q->lifetime == 0 && (q->flags & DHP_BU_F_R)) {
		FUZZ_CHECK(now == NULL, "released but still leased");
		return;
	}
	FUZZ_CHECK(now != NULL, "the lease went away");
	if (q->lifetime == 0) {
		FUZZ_CHECK(!now->bound || now->state == DHP_BIND_DELETING,
		    "lifetime 0 left the binding active");
		FUZZ_CHECK(!res->has_action, "lifetime 0: action");
		return;
	}
	FUZZ_CHECK(now->bound && now->state == DHP_BIND_ACTIVE &&
	    memcmp(&now->coa, &x->coa, 16) == 0 && now->seq == q->seq &&
	    now->seq_valid, "accepted but the binding is not the DHP-BU's");
	FUZZ_CHECK(now->lifetime <= q->lifetime && now->lifetime <= BIND_U &&
	    now->expiry == r->now + now->lifetime * 4000ULL,
	    "lifetime %u (asked %u)", now->lifetime, q->lifetime);
	if (res->has_reply)
		FUZZ_CHECK(res->reply.msg.u.dbc.lifetime == now->lifetime,
		    "DHP-BC lifetime %u, bound %u",
		    res->reply.msg.u.dbc.lifetime, now->lifetime);
}

/* The data plane refused res's action: it is undone. */
static void
refuse(struct run *r, struct dhp_result *res, const struct snap *before)
{
	struct dhp_action a = res->action;
	const struct snap_ent *b = snap_dhoa(before, &a.dhoa), *x;
	bool was_ok = res->status == DMIP_STATUS_OK;
	struct snap after;

	dhp_engine_action_failed(r->e, res);
	FUZZ_CHECK(!res->has_action, "the action is still there");
	snapshot(r->e, &after);
	x = snap_dhoa(&after, &a.dhoa);
	if (a.kind == DHP_ACT_BIND_ADD)
		FUZZ_CHECK(x == NULL || !x->bound, "a refused ADD stays");
	else if (a.kind == DHP_ACT_BIND_MOVE)
		FUZZ_CHECK(x != NULL && x->bound && b != NULL &&
		    memcmp(&x->coa, &b->coa, 16) == 0, "a refused MOVE stays");
	if (!res->has_reply || a.kind == DHP_ACT_BIND_DEL || !was_ok)
		return;
	if (res->reply.msg.type == MH_TYPE_DHP_BC)
		FUZZ_CHECK(res->status == BA_STATUS_INSUFFICIENT &&
		    res->reply.msg.u.dbc.status == BA_STATUS_INSUFFICIENT &&
		    res->verdict == DHP_V_REJECTED, "DHP-BC not rewritten");
	else
		FUZZ_CHECK(!(res->reply.msg.u.dresp.flags & DHOA_F_B),
		    "DHoA Response still says B");
}

/* Give one parsed MH to the engine and check the outcome. */
static void
deliver(struct run *r, const uint8_t *raw, size_t len,
    const struct mh_msg *m, const struct in6_addr *src, bool fail_dp)
{
	struct snap before, after;
	struct dhp_result res;
	struct dhp_rx rx;
	struct expect x;
	enum dhp_verdict v;

	if (m->type == MH_TYPE_DHOA_REQ)
		r->n_req++;
	else if (m->type == MH_TYPE_DHP_BU)
		r->n_bu++;
	else
		r->n_other++;
	classify(m, raw, len, src, &x);
	memset(&rx, 0, sizeof(rx));
	rx.msg = m;
	rx.raw = raw;
	rx.len = len;
	rx.src = *src;
	rx.dst = conf.address;
	rx.now = r->now;
	rx.now_ntp = ntp_at(r->now);
	rx.quiet = ((r->n_req + r->n_bu) & 1) != 0;

	snapshot(r->e, &before);
	v = dhp_engine_input(r->e, &rx, &res);
	snapshot(r->e, &after);
	FUZZ_CHECK(v == res.verdict, "returned %d, result says %d", v,
	    res.verdict);
	check_engine(r, &after);
	if (!x.known) {
		FUZZ_CHECK(v == DHP_V_DROPPED && !res.has_reply &&
		    !res.has_action && snap_eq(&before, &after),
		    "type %u: not dropped (%s)", m->type,
		    dhp_verdict_name(v));
		return;
	}
	FUZZ_CHECK(v != DHP_V_DROPPED, "an authentic-looking %s was dropped",
	    mh_type_name(m->type));
	if (!x.mac_ok)
		FUZZ_CHECK(v == DHP_V_REJECTED && res.status ==
		    BA_STATUS_AUTH_FAIL && !res.has_action, "bad MAC: %s "
		    "status %u", dhp_verdict_name(v), res.status);
	if (res.has_reply) {
		check_reply(&res.reply, x.kind ? MH_TYPE_DHP_BC :
		    MH_TYPE_DHOA_RESP, x.sa->spi, src);
		FUZZ_CHECK(memcmp(&res.reply.auth_coa, &x.coa, 16) == 0 &&
		    memcmp(&res.reply.auth_hoa, &x.hoa, 16) == 0,
		    "reply signed over another CoA || HoA");
	}
	if (v == DHP_V_REJECTED) {
		FUZZ_CHECK(res.status >= 128 && res.has_reply &&
		    !res.has_action && snap_eq(&before, &after),
		    "a rejection (%u) changed a lease or binding", res.status);
		return;
	}
	FUZZ_CHECK(x.mac_ok && res.status < 128, "verdict %s status %u, MAC "
	    "%d", dhp_verdict_name(v), res.status, x.mac_ok);
	FUZZ_CHECK(x.mn >= 0 && mn_spi[x.mn] == x.sa->spi, "accepted for HoA "
	    "of MN %d under SPI %u", x.mn, x.sa->spi);
	if (x.sa->replay == REPLAY_TIMESTAMP) {
		FUZZ_CHECK(m->opt.present & MHO_MESGID, "accepted without a "
		    "MESG-ID");
		if (r->seen[x.mn][x.kind])
			FUZZ_CHECK((int64_t)(m->opt.mesgid -
			    r->last_mesgid[x.mn][x.kind]) > 0, "accepted a "
			    "MESG-ID not newer than the last accepted (replay)");
		r->seen[x.mn][x.kind] = true;
		r->last_mesgid[x.mn][x.kind] = m->opt.mesgid;
	}
	if (x.kind == 0)
		check_req_ok(r, m, &x, &res, &before, &after);
	else
		check_bu_ok(r, m, &x, &res, &before, &after);
	if (res.has_action)
		check_action(&res, &before, &after);
	if (fail_dp && res.has_action) {
		refuse(r, &res, &before);
		snapshot(r->e, &after);
		check_engine(r, &after);
	}
}

/* ---- events ---------------------------------------------------------- */

static void
pick_hoa(struct fin *f, uint8_t sel, struct in6_addr *hoa, int *mn)
{
	*mn = -1;
	switch (sel % 6) {
	case 0:
	case 1:
	case 2:
		*mn = sel % 6;
		*hoa = mn_hoa[*mn];
		break;
	case 3:
		*hoa = fuzz_addr("2001:db8:10::999");	/* not configured */
		break;
	case 4:
		*hoa = fuzz_addr("2001:db8:d1::5");	/* inside a pool */
		break;
	default:
		fin_in6(f, hoa);
		break;
	}
}

/* Sources and CoAs: usable ones first. */
static void
pick_addr(struct fin *f, uint8_t sel, const struct in6_addr *hoa,
    struct in6_addr *a)
{
	static const char *const fixed[] = {
		"2001:db8:1::100", "2001:db8:2::100", "2001:db8:3::7",
		"fe80::1", "::", "ff02::1", "::ffff:192.0.2.1",
		"2001:db8:f::11", "2001:db8:d1::9", "::1",
	};

	sel %= 12;
	if (sel < 10)
		*a = fuzz_addr(fixed[sel]);
	else if (sel == 10)
		*a = *hoa;
	else
		fin_in6(f, a);
}

/* A DHoA: ::, the MN's last one, another in a pool, from the input. */
static void
pick_dhoa(struct run *r, struct fin *f, uint8_t sel, int mn,
    struct in6_addr *d)
{
	switch (sel % 5) {
	case 0:
		memset(d, 0, sizeof(*d));
		break;
	case 1:
		*d = r->last_dhoa[mn >= 0 ? mn : 0];
		break;
	case 2:
		*d = r->last_dhoa[(mn + 1 + NMN) % NMN];
		break;
	case 3:
		*d = fuzz_addr("2001:db8:d2::");
		d->s6_addr[15] = fin_u8(f);
		break;
	default:
		fin_in6(f, d);
		break;
	}
}

static uint32_t
pick_spi(struct fin *f, uint8_t sel, int mn)
{
	switch (sel % 5) {
	case 0:
		return mn >= 0 ? mn_spi[mn] : mn_spi[0];
	case 1:
		return mn_spi[(mn + 1 + NMN) % NMN];
	case 2:
		return SPI_STRAY;
	case 3:
		return SPI_NONE;
	default:
		return fin_u32(f);
	}
}

/*
 * A DHoA Request or DHP-BU from fields. Octets: ctl1, ctl2, ctl3, then
 * the fixed part, then what the selectors ask for. Zeros give a typical
 * valid message (fields are XORed with the usual values).
 *   ctl1: bits 0-2 HoA, bits 3-5 SPI, bits 6-7 signing (0 right, 1
 *         corrupted, 2 zero MAC, 3 no AUTH option)
 *   ctl2: bits 0-3 source, bit 4 a CoA field (else ::, the source),
 *         bit 5 the Home Address option (request: added; DHP-BU:
 *         left out), bits 6-7 MESG-ID (0 now and growing, 1 off by
 *         seconds, 2 raw, 3 none)
 *   ctl3: bit 0 the data plane refuses the action, bit 1 the request's
 *         Home Address option disagrees, bits 2-4 the DHoA (pick_dhoa)
 */
static void
ev_message(struct run *r, struct fin *f, bool bu)
{
	uint8_t ctl1 = fin_u8(f), ctl2 = fin_u8(f), ctl3 = fin_u8(f);
	uint8_t buf[MH_MAX_LEN];
	struct in6_addr hoa, src, coa, dhoa;
	struct mh_msg m, parsed;
	const struct mh_sa *sa;
	size_t aoff = 0;
	ssize_t n;
	int mn, slot;
	int16_t d;

	memset(&m, 0, sizeof(m));
	memset(&coa, 0, sizeof(coa));
	pick_hoa(f, ctl1 & 7, &hoa, &mn);
	slot = mn >= 0 ? mn : NMN;
	d = (int16_t)fin_u16(f);
	pick_addr(f, ctl2 & 15, &hoa, &src);
	if (ctl2 & 0x10)
		pick_addr(f, fin_u8(f), &hoa, &coa);
	pick_dhoa(r, f, (uint8_t)(ctl3 >> 2), mn, &dhoa);
	if (!bu) {
		m.type = MH_TYPE_DHOA_REQ;
		m.u.dreq.seq = (uint16_t)(r->next_seq[slot] + d);
		m.u.dreq.flags = (uint8_t)(DHOA_F_B ^ fin_u8(f));
		/* the codec has no other types (MH_E_FIELD) */
		m.u.dreq.cont_type = (uint8_t)((CONT_SESSION_LASTING ^
		    fin_u8(f)) % (CONT_MAX + 1));
		m.u.dreq.lifetime = (uint16_t)(150 ^ fin_u16(f));
		m.u.dreq.req_dhoa = dhoa;
		m.u.dreq.hoa = hoa;
		m.u.dreq.coa = coa;
		if (ctl2 & 0x20) {
			m.opt.present |= MHO_HOA;
			m.opt.hoa = hoa;
			if (ctl3 & 2)
				m.opt.hoa.s6_addr[15] ^= 1;
		}
	} else {
		m.type = MH_TYPE_DHP_BU;
		m.u.dbu.seq = (uint16_t)(r->next_seq[slot] + d);
		m.u.dbu.flags = (uint8_t)(DHP_BU_F_A ^ fin_u8(f));
		m.u.dbu.lifetime = (uint16_t)(75 ^ fin_u16(f));
		m.u.dbu.dhoa = dhoa;
		m.u.dbu.coa = coa;
		if (!(ctl2 & 0x20)) {
			m.opt.present |= MHO_HOA;
			m.opt.hoa = hoa;
		}
	}
	r->next_seq[slot] = (uint16_t)(r->next_seq[slot] + d + 1);
	switch (ctl2 >> 6) {
	case 0:
		m.opt.present |= MHO_MESGID;
		m.opt.mesgid = ntp_at(r->now) + ++r->msgs +
		    (uint64_t)(int64_t)(int16_t)fin_u16(f) * 4294967ULL;
		break;
	case 1:
		m.opt.present |= MHO_MESGID;
		m.opt.mesgid = ntp_at(r->now) +
		    ((uint64_t)(int64_t)(int16_t)fin_u16(f) << 32);
		break;
	case 2:
		m.opt.present |= MHO_MESGID;
		m.opt.mesgid = fin_u64(f);
		break;
	default:
		break;
	}
	m.opt.auth_spi = pick_spi(f, (ctl1 >> 3) & 7, mn);
	sa = sa_table_find(sas, m.opt.auth_spi);
	if (ctl1 >> 6 != 3) {
		m.opt.present |= MHO_AUTH;
		m.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
		m.opt.auth_mac_len = sa != NULL ?
		    (uint8_t)auth_alg_mac_len(sa->alg) : 16;
	}
	n = mh_build(&m, buf, sizeof(buf), &aoff);
	FUZZ_CHECK(n > 0, "mh_build of a %s gave %zd", mh_type_name(m.type),
	    n);
	if ((m.opt.present & MHO_AUTH) && sa != NULL && ctl1 >> 6 < 2) {
		const struct in6_addr *c = is_any(&coa) ? &src : &coa;

		FUZZ_CHECK(mh_auth_sign(buf, (size_t)n, aoff, sa, c, &hoa) ==
		    0, "mh_auth_sign failed on a built %s",
		    mh_type_name(m.type));
		if (ctl1 >> 6 == 1)
			buf[(size_t)n - 1 - fin_u8(f) % 12] ^= (uint8_t)(1 <<
			    (fin_u8(f) % 8));
	}
	/* What our builder writes, our parser reads. */
	FUZZ_CHECK(mh_parse(buf, (size_t)n, &parsed) == MH_OK, "a built %s "
	    "does not parse", mh_type_name(m.type));
	deliver(r, buf, (size_t)n, &parsed, &src, ctl3 & 1);
}

/*
 * Raw MH bytes: octets ctl, length, then the MH. Payload Proto and
 * Header Len are fixed up; ctl bits 0-3 pick the source, bit 4 signs
 * the MH if its AUTH option fits an SA (over the CoA and HoA the DHP
 * takes from it), bit 5 makes the data plane refuse the action.
 */
static void
ev_raw(struct run *r, struct fin *f)
{
	uint8_t ctl = fin_u8(f), buf[MH_MAX_LEN];
	size_t len = (size_t)fin_u8(f) * MH_UNIT + MH_UNIT;
	const uint8_t *p;
	struct in6_addr src, hoa = mn_hoa[0];
	const struct in6_addr *coa = NULL;
	struct mh_msg m;

	len = fin_take(f, &p, len);
	if (len < MH_UNIT)
		return;
	len -= len % MH_UNIT;
	memcpy(buf, p, len);
	buf[0] = MH_PAYLOAD_PROTO;
	buf[1] = (uint8_t)(len / MH_UNIT - 1);
	if (mh_parse(buf, len, &m) != MH_OK)
		return;
	if (m.type == MH_TYPE_DHOA_REQ) {
		hoa = m.u.dreq.hoa;
		coa = &m.u.dreq.coa;
	} else {
		if (m.opt.present & MHO_HOA)
			hoa = m.opt.hoa;
		if (m.type == MH_TYPE_DHP_BU)
			coa = &m.u.dbu.coa;
	}
	pick_addr(f, ctl & 15, &hoa, &src);
	if (coa == NULL || is_any(coa))
		coa = &src;
	if ((ctl & 0x10) && (m.opt.present & MHO_AUTH)) {
		const struct mh_sa *sa = sa_table_find(sas, m.opt.auth_spi);
		struct in6_addr c = *coa;

		if (sa != NULL && mh_auth_sign(buf, len, m.opt.auth_off, sa,
		    &c, &hoa) == 0)
			FUZZ_CHECK(mh_parse(buf, len, &m) == MH_OK,
			    "signing broke the MH");
	}
	deliver(r, buf, len, &m, &src, (ctl & 0x20) != 0);
}

struct exp_ctx {
	struct run	*r;
	const struct snap *before;
	size_t		 dels, brrs;
};

static void
on_event(const struct dhp_event *ev, void *arg)
{
	struct exp_ctx *x = arg;
	const struct snap_ent *b;
	char s[46];

	if (ev->has_action) {
		const struct dhp_action *a = &ev->action;

		FUZZ_CHECK(a->kind == DHP_ACT_BIND_DEL, "expiry action %s",
		    dhp_act_name(a->kind));
		b = snap_dhoa(x->before, &a->dhoa);
		FUZZ_CHECK(b != NULL && b->bound && memcmp(&b->coa, &a->coa,
		    16) == 0, "DEL for %s, not bound", fuzz_a6(&a->dhoa, s));
		FUZZ_CHECK(b->expiry <= x->r->now || b->lease_expiry <=
		    x->r->now, "DEL of %s before its end",
		    fuzz_a6(&a->dhoa, s));
		x->dels++;
	}
	if (ev->has_reply) {
		const struct dhp_reply *rp = &ev->reply;
		int mn = mn_index(&rp->auth_hoa);

		FUZZ_CHECK(rp->msg.type == MH_TYPE_BRR && mn >= 0, "expiry "
		    "reply of type %u", rp->msg.type);
		b = snap_hoa(x->before, &rp->auth_hoa);
		FUZZ_CHECK(b != NULL && b->bound && b->state ==
		    DHP_BIND_ACTIVE && !b->brr_sent, "BRR without an active "
		    "binding");
		FUZZ_CHECK(b->updated + b->lifetime * 4000ULL * 9 / 10 <=
		    x->r->now + 1, "BRR before 90 %% of the lifetime");
		check_reply(rp, MH_TYPE_BRR, mn_spi[mn], &b->coa);
		FUZZ_CHECK(memcmp(&rp->auth_coa, &b->coa, 16) == 0,
		    "BRR signed over another CoA");
		x->brrs++;
	}
}

/* Octets: mode, amount. Mode bit 2 skips the expiry run (the daemon
 * may take an MH before its timer fires). */
static void
ev_clock(struct run *r, struct fin *f)
{
	uint8_t mode = fin_u8(f);
	uint16_t amount = fin_u16(f);
	uint64_t next = dhp_engine_next_expiry(r->e);
	struct snap before, after;
	struct exp_ctx x = { r, &before, 0, 0 };
	size_t n;

	switch (mode & 3) {
	case 0:
		r->now += amount;
		break;
	case 1:
		r->now += (uint64_t)amount * 1000;
		break;
	case 2:
		if (next != DHP_NO_EXPIRY && next > r->now)
			r->now = next;
		break;
	default:
		if (next != DHP_NO_EXPIRY && next > r->now + 1)
			r->now = next - 1;
		break;
	}
	if (mode & 4)
		return;
	snapshot(r->e, &before);
	n = dhp_engine_expire(r->e, r->now, ntp_at(r->now), on_event, &x);
	snapshot(r->e, &after);
	FUZZ_CHECK(n == x.dels + x.brrs, "%zu events, %zu DEL and %zu BRR",
	    n, x.dels, x.brrs);
	for (size_t i = 0; i < after.n; i++) {
		const struct snap_ent *a = &after.e[i];

		FUZZ_CHECK(a->lease_expiry > r->now, "a lease due at %llu "
		    "left at %llu", (unsigned long long)a->lease_expiry,
		    (unsigned long long)r->now);
		if (a->bound)
			FUZZ_CHECK(a->expiry > r->now, "a binding due at %llu "
			    "left at %llu", (unsigned long long)a->expiry,
			    (unsigned long long)r->now);
	}
	next = dhp_engine_next_expiry(r->e);
	FUZZ_CHECK(next == DHP_NO_EXPIRY || next > r->now, "next expiry "
	    "%llu not after now %llu", (unsigned long long)next,
	    (unsigned long long)r->now);
	check_engine(r, &after);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned max_leases[] = { 0, 1, 2, 1000 };
	const struct dhp_stats *st;
	struct fin f;
	struct run r;
	uint8_t hdr;

	fin_init(&f, data, size);
	hdr = fin_u8(&f);
	memset(&r, 0, sizeof(r));
	r.now = START_MS;
	r.max_leases = max_leases[hdr & 3];
	conf.max_leases = r.max_leases;
	for (int i = 0; i < NMN; i++)
		r.last_dhoa[i] = fuzz_addr("2001:db8:d1::1234");
	if ((r.e = dhp_engine_new(&conf, sas, hdr >> 2)) == NULL)
		abort();
	for (unsigned i = 0; i < MAX_EVENTS && !fin_empty(&f); i++) {
		switch (fin_u8(&f) % 6) {
		case 0:
		case 1:
			ev_message(&r, &f, false);
			break;
		case 2:
		case 3:
			ev_message(&r, &f, true);
			break;
		case 4:
			ev_raw(&r, &f);
			break;
		default:
			ev_clock(&r, &f);
			break;
		}
	}
	st = dhp_engine_stats(r.e);
	FUZZ_CHECK(st->rx_dhoa_req == r.n_req && st->rx_dhp_bu == r.n_bu &&
	    st->rx_other == r.n_other, "stats count %llu requests, %llu "
	    "DHP-BUs, %llu others; %llu, %llu, %llu were sent",
	    (unsigned long long)st->rx_dhoa_req,
	    (unsigned long long)st->rx_dhp_bu,
	    (unsigned long long)st->rx_other, (unsigned long long)r.n_req,
	    (unsigned long long)r.n_bu, (unsigned long long)r.n_other);
	dhp_engine_free(r.e);
	return 0;
}
