/*
 * fuzz_ha_engine.c: the home agent engine (ha/ha_engine.h) driven by a
 * sequence of events decoded from the input: Binding Updates and DHP
 * Queries built from fields (most of them signed correctly, so the
 * accepting paths are reached), raw MHs (signed when their AUTH option
 * fits an SA), clock steps with binding expiry, and DAD results.
 *
 * The configuration is fixed: home prefix 2001:db8:10::/64, three MNs
 * (SPI 4096 HMAC-SHA256, 4097 HMAC-SHA1, 4098 HMAC-SHA256 with
 * replay = seq-only), an SA 5000 that belongs to no MN, three DHPs.
 * The first input octet picks skip_dad and max_lifetime.
 *
 * After every event the engine is checked against what ha_engine.h
 * documents, with the MAC verdict computed independently
 * (fuzz_ref_auth(), OpenSSL directly):
 *   - no HoA option, no AUTH, unknown SPI, not a BU or DHP Query:
 *     dropped, no reply, nothing changed;
 *   - a wrong MAC with a known SPI: rejected with 146, sent to the IPv6
 *     source, nothing changed; nothing is ever accepted, and no binding
 *     ever changes, without a valid MAC;
 *   - accepted BUs: a configured MN signing with its own SA, H set, P
 *     clear, a usable CoA; lifetime capped by max_lifetime; a MESG-ID
 *     inside the window and newer than the last accepted from that MN
 *     (no replay is ever accepted), a sequence number newer than the
 *     last accepted while a binding exists (always, with seq-only);
 *   - every reply encodes (ha_reply_encode), parses and verifies with
 *     the SA of the request;
 *   - actions match the binding cache; the cache holds at most one
 *     entry per configured MN, each with its MN's SPI and a usable CoA;
 *   - after ha_engine_expire(now) nothing is left that expires <= now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "fuzz.h"
#include "fuzz_mh.h"
#include "../ha/ha_engine.h"

FUZZ_TARGET("ha_engine");

#define NMN		3
#define SPI_STRAY	5000	/* an SA of no MN */
#define SPI_NONE	7777	/* no SA at all */
#define START_MS	1000000ULL
#define NTP_BASE	0xE875470000000000ULL
#define MAX_EVENTS	64

static const char *const mn_hoa_str[NMN] = {
	"2001:db8:10::100", "2001:db8:10::200", "2001:db8:10::300",
};
static const uint32_t mn_spi[NMN] = { 4096, 4097, 4098 };

static struct in6_addr	 mn_hoa[NMN];
static struct sa_table	*sas;
static struct had_mn	 conf_mns[NMN];
static struct conf_prefix serves1[1], serves2[2], serves3[1];
static struct had_dhp	 conf_dhps[3];
static struct had_conf	 conf;

static void
add_sa(uint32_t spi, enum auth_alg alg, enum replay_mode replay)
{
	uint8_t key[32];
	struct mh_sa sa;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(spi + i * 7);
	if (sa_init(&sa, spi, alg, key, auth_alg_key_len(alg)) != 0)
		abort();
	sa.replay = replay;
	if (sa_table_add(sas, &sa) != 0)
		abort();
}

static struct conf_prefix
pfx(const char *a, uint8_t len)
{
	struct conf_prefix p = { fuzz_addr(a), len };

	return p;
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

	conf.home_prefix = pfx("2001:db8:10::", 64);
	conf.address = fuzz_addr("2001:db8:f::10");
	conf.validity = 300;
	for (int i = 0; i < NMN; i++) {
		mn_hoa[i] = fuzz_addr(mn_hoa_str[i]);
		conf_mns[i].home_address = mn_hoa[i];
		conf_mns[i].spi = mn_spi[i];
		snprintf(conf_mns[i].name, sizeof(conf_mns[i].name), "mn%d",
		    i + 1);
	}
	conf.mns = conf_mns;
	conf.nmns = NMN;
	serves1[0] = pfx("2001:db8:c1::", 48);
	serves2[0] = pfx("2001:db8:c1::", 48);
	serves2[1] = pfx("2001:db8:c2::", 48);
	serves3[0] = pfx("2001:db8:c2:1::", 64);
	conf_dhps[0] = (struct had_dhp){ "dhp1", fuzz_addr("2001:db8:f::11"),
	    100, 10, serves1, 1, false };
	conf_dhps[1] = (struct had_dhp){ "dhp2", fuzz_addr("2001:db8:f::21"),
	    50, 5, serves2, 2, true };
	conf_dhps[2] = (struct had_dhp){ "dhp3", fuzz_addr("2001:db8:f::31"),
	    100, 1, serves3, 1, false };
	conf.dhps = conf_dhps;
	conf.ndhps = 3;
	return 0;
}

/* ---- one run ------------------------------------------------------------ */

struct snap_bce {
	struct in6_addr	hoa, coa;
	enum bce_state	state;
	uint16_t	seq, lifetime;
	uint32_t	spi;
	uint64_t	mesgid, expiry;
};

struct snap {
	size_t		n;
	struct snap_bce	e[NMN + 1];
	bool		overflow;
};

struct run {
	struct ha_engine *e;
	uint64_t	 now;		/* ms */
	uint16_t	 max_units;	/* the engine's lifetime cap */
	uint16_t	 next_seq[NMN + 1];
	uint64_t	 msgs;		/* makes MESG-IDs grow */
	uint64_t	 n_bu, n_dq, n_other;
	uint64_t	 bu_dropped;	/* BUs that must be dropped */
	/* what the engine accepted last from each MN (steps 7, 8) */
	bool		 seen[NMN];
	uint16_t	 last_seq[NMN];
	uint64_t	 last_mesgid[NMN];
};

static uint64_t
ntp_at(uint64_t ms)
{
	uint64_t d = ms - START_MS;

	return NTP_BASE + ((d / 1000) << 32) + ((d % 1000) << 32) / 1000;
}

static void
snap_one(struct bce *b, void *arg)
{
	struct snap *s = arg;
	struct snap_bce *x;

	if (s->n == NMN + 1) {
		s->overflow = true;
		return;
	}
	x = &s->e[s->n++];
	memset(x, 0, sizeof(*x));
	x->hoa = b->hoa;
	x->coa = b->coa;
	x->state = b->state;
	x->seq = b->seq;
	x->lifetime = b->lifetime;
	x->spi = b->spi;
	x->mesgid = b->mesgid;
	x->expiry = bce_expiry(b);
}

static int
snap_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);	/* hoa first */
}

static void
snapshot(const struct run *r, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	bcache_foreach(ha_engine_bcache(r->e), snap_one, s);
	qsort(s->e, s->n, sizeof(s->e[0]), snap_cmp);
}

static bool
snap_eq(const struct snap *a, const struct snap *b)
{
	return a->n == b->n && memcmp(a->e, b->e, a->n * sizeof(a->e[0])) == 0;
}

static const struct snap_bce *
snap_find(const struct snap *s, const struct in6_addr *hoa)
{
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(&s->e[i].hoa, hoa, 16) == 0)
			return &s->e[i];
	return NULL;
}

static int
mn_index(const struct in6_addr *hoa)
{
	for (int i = 0; i < NMN; i++)
		if (memcmp(hoa, &mn_hoa[i], 16) == 0)
			return i;
	return -1;
}

/* ha_engine.c step 6, written out again. */
static bool
usable_coa(const struct in6_addr *a)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const struct in6_addr any, loop = { .s6_addr[15] = 1 };

	return memcmp(a, &any, 16) != 0 && memcmp(a, &loop, 16) != 0 &&
	    a->s6_addr[0] != 0xff &&
	    !(a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80) &&
	    memcmp(a, v4mapped, 12) != 0;
}

/* The cache as a whole, after any event. */
static void
check_cache(const struct run *r, const struct snap *s)
{
	char b[46];

	FUZZ_CHECK(!s->overflow && s->n <= NMN, "%zu bindings for %d MNs",
	    s->n, NMN);
	FUZZ_CHECK(bcache_count(ha_engine_bcache(r->e)) == s->n, "count %zu "
	    "vs %zu entries", bcache_count(ha_engine_bcache(r->e)), s->n);
	for (size_t i = 0; i < s->n; i++) {
		const struct snap_bce *x = &s->e[i];
		int mn = mn_index(&x->hoa);

		FUZZ_CHECK(mn >= 0, "a binding for %s, no configured MN",
		    fuzz_a6(&x->hoa, b));
		FUZZ_CHECK(x->spi == mn_spi[mn], "binding of mn%d with SPI %u",
		    mn + 1, x->spi);
		FUZZ_CHECK(usable_coa(&x->coa), "binding to CoA %s",
		    fuzz_a6(&x->coa, b));
		FUZZ_CHECK(x->state == BCE_DAD || x->state == BCE_ACTIVE,
		    "state %d", x->state);
		FUZZ_CHECK(x->lifetime > 0 && x->lifetime <= r->max_units,
		    "lifetime %u (cap %u)", x->lifetime, r->max_units);
		FUZZ_CHECK(x->expiry != BCACHE_NO_EXPIRY &&
		    x->expiry <= r->now + (uint64_t)x->lifetime * 4000,
		    "expiry %llu, now %llu, lifetime %u",
		    (unsigned long long)x->expiry, (unsigned long long)r->now,
		    x->lifetime);
	}
}

/* Every reply builds, signs, parses and verifies (B.8). */
static void
check_reply(const struct ha_reply *rp, uint8_t want_type, uint32_t spi)
{
	uint8_t buf[MH_MAX_LEN];
	struct mh_msg m;
	ssize_t n;

	FUZZ_CHECK(rp->sa != NULL && rp->sa->spi == spi, "reply signed with "
	    "SPI %u, request had %u", rp->sa ? rp->sa->spi : 0, spi);
	FUZZ_CHECK(rp->msg.type == want_type, "reply type %u, want %u",
	    rp->msg.type, want_type);
	n = ha_reply_encode(rp, buf, sizeof(buf));
	FUZZ_CHECK(n > 0, "ha_reply_encode gave %zd", n);
	FUZZ_CHECK(mh_parse(buf, (size_t)n, &m) == MH_OK, "reply does not "
	    "parse");
	fuzz_mh_check_parsed(buf, (size_t)n, &m);
	FUZZ_CHECK(fuzz_ref_auth(buf, (size_t)n, &m.opt, rp->sa, &rp->auth_coa,
	    &rp->auth_hoa) == 0, "reply MAC does not verify");
	if (want_type == MH_TYPE_DHP_REPLY)
		FUZZ_CHECK(m.u.dr.count == m.opt.n_cand, "count");
}

static bool
is_dhp(const struct in6_addr *a)
{
	for (size_t i = 0; i < conf.ndhps; i++)
		if (memcmp(a, &conf_dhps[i].address, 16) == 0)
			return true;
	return false;
}

/* RFC 4285 6, RFC 6275 9.5.1, ha_engine.c steps 3, 7 and 8: what an
 * accepted BU must have been newer than. */
static void
check_fresh(struct run *r, int mn, const struct mh_msg *m, bool bound)
{
	const struct mh_sa *sa = sa_table_find(sas, mn_spi[mn]);
	bool ts = sa->replay == REPLAY_TIMESTAMP;
	uint64_t now_ntp = ntp_at(r->now), skew;

	if (ts) {
		FUZZ_CHECK(m->opt.present & MHO_MESGID, "accepted without a "
		    "MESG-ID");
		skew = m->opt.mesgid - now_ntp;
		if (skew > (uint64_t)INT64_MAX)
			skew = now_ntp - m->opt.mesgid;
		FUZZ_CHECK(skew <= (uint64_t)sa->window_s << 32, "accepted a "
		    "MESG-ID %.3f s off", (double)skew / 4294967296.0);
		if (r->seen[mn])
			FUZZ_CHECK((int64_t)(m->opt.mesgid -
			    r->last_mesgid[mn]) > 0, "accepted a MESG-ID not "
			    "newer than the last accepted (a replay)");
	}
	if (bound || (!ts && r->seen[mn]))
		FUZZ_CHECK(seq_newer(m->u.bu.seq, r->last_seq[mn]), "accepted "
		    "seq %u after %u", m->u.bu.seq, r->last_seq[mn]);
	r->seen[mn] = true;
	r->last_seq[mn] = m->u.bu.seq;
	if (m->opt.present & MHO_MESGID)
		r->last_mesgid[mn] = m->opt.mesgid;
}

static void
check_bu(struct run *r, const struct mh_msg *m,
    const struct in6_addr *coa, bool mac_ok, const struct ha_result *res,
    const struct snap *before, const struct snap *after)
{
	const struct mh_bu *bu = &m->u.bu;
	const struct ha_action *a = &res->action;
	const struct snap_bce *x;
	int mn = mn_index(&m->opt.hoa);
	char b[46];

	if (res->verdict == HA_V_REJECTED) {
		FUZZ_CHECK(res->status >= 128, "rejected with %u", res->status);
		FUZZ_CHECK(res->has_reply, "a rejection without a BA");
		FUZZ_CHECK(!res->has_action && snap_eq(before, after),
		    "a rejection (%u) changed the cache", res->status);
		return;
	}
	FUZZ_CHECK(mac_ok, "verdict %s without a valid MAC",
	    ha_verdict_name(res->verdict));
	FUZZ_CHECK(res->status < 128, "accepted with status %u", res->status);
	FUZZ_CHECK(mn >= 0 && mn_spi[mn] == m->opt.auth_spi, "accepted %s "
	    "signed with SPI %u", fuzz_a6(&m->opt.hoa, b), m->opt.auth_spi);
	FUZZ_CHECK((bu->flags & BU_F_H) && !(bu->flags & BU_F_P),
	    "accepted flags %#x", bu->flags);
	FUZZ_CHECK(usable_coa(coa), "accepted CoA %s", fuzz_a6(coa, b));
	check_fresh(r, mn, m, snap_find(before, &m->opt.hoa) != NULL);
	if (res->verdict == HA_V_DAD_PENDING) {
		FUZZ_CHECK(!res->has_reply && !res->has_action,
		    "DAD pending with a reply or action");
		x = snap_find(after, &m->opt.hoa);
		FUZZ_CHECK(x != NULL && x->state == BCE_DAD,
		    "DAD pending but no entry in DAD");
		if (res->dad_start)
			FUZZ_CHECK(memcmp(&res->dad_hoa, &m->opt.hoa, 16) == 0,
			    "DAD for another HoA");
		return;
	}
	FUZZ_CHECK(res->has_reply == ((bu->flags & BU_F_A) != 0),
	    "accepted, A=%d, reply %d", (bu->flags & BU_F_A) != 0,
	    res->has_reply);
	if (res->has_reply) {
		const struct mh_ba *ba = &res->reply.msg.u.ba;

		FUZZ_CHECK(ba->status == res->status && ba->seq == bu->seq,
		    "BA status %u seq %u for BU seq %u", ba->status, ba->seq,
		    bu->seq);
		FUZZ_CHECK(ba->lifetime <= bu->lifetime &&
		    ba->lifetime <= r->max_units, "granted %u of %u (cap %u)",
		    ba->lifetime, bu->lifetime, r->max_units);
	}
	x = snap_find(after, &m->opt.hoa);
	if (bu->lifetime == 0 || memcmp(coa, &m->opt.hoa, 16) == 0) {
		/* deregistration */
		FUZZ_CHECK(x == NULL, "deregistered but still bound");
		FUZZ_CHECK(snap_find(before, &m->opt.hoa) != NULL,
		    "deregistration accepted with no binding");
		if (res->has_action)
			FUZZ_CHECK(a->kind == HA_ACT_BIND_DEL, "action %s",
			    ha_act_name(a->kind));
		return;
	}
	FUZZ_CHECK(x != NULL && memcmp(&x->coa, coa, 16) == 0 &&
	    x->seq == bu->seq, "accepted but the binding is not the BU's");
	if (!res->has_action)
		return;
	FUZZ_CHECK(memcmp(&a->hoa, &m->opt.hoa, 16) == 0 &&
	    memcmp(&a->coa, coa, 16) == 0 && x->state == BCE_ACTIVE,
	    "action %s does not match the binding", ha_act_name(a->kind));
	if (a->kind == HA_ACT_BIND_MOVE)
		FUZZ_CHECK(memcmp(&a->old_coa, coa, 16) != 0, "move in place");
	else
		FUZZ_CHECK(a->kind == HA_ACT_BIND_ADD, "action %s",
		    ha_act_name(a->kind));
}

static void
check_dq(const struct mh_msg *m, const struct ha_result *res)
{
	const struct ha_reply *rp = &res->reply;
	size_t max = m->u.dq.max_cand ? m->u.dq.max_cand :
	    DHP_MAX_CANDIDATES_DEFAULT;

	FUZZ_CHECK(!res->has_action && res->has_reply, "DHP Query: action %d"
	    " reply %d", res->has_action, res->has_reply);
	FUZZ_CHECK(rp->msg.u.dr.seq == m->u.dq.seq, "reply seq");
	FUZZ_CHECK(rp->msg.opt.n_cand <= max && rp->msg.opt.n_cand <=
	    MH_MAX_CAND, "%u candidates, max %zu", rp->msg.opt.n_cand, max);
	if (m->u.dq.flags & DHP_QUERY_F_I)
		FUZZ_CHECK(rp->msg.opt.n_cand == 0, "candidates for a "
		    "CN-initiated flow (F.17)");
	if (res->status == DMIP_STATUS_OK)
		FUZZ_CHECK(rp->msg.opt.n_cand > 0, "OK with no candidate");
	if (res->status == DMIP_STATUS_USE_HA)
		FUZZ_CHECK(rp->msg.opt.n_cand == 0, "USE_HA with candidates");
	for (unsigned i = 0; i < rp->msg.opt.n_cand; i++)
		FUZZ_CHECK(is_dhp(&rp->msg.opt.cand[i].addr), "candidate %u "
		    "is no configured DHP", i);
}

/* Give one parsed MH to the engine and check the outcome. */
static void
deliver(struct run *r, const uint8_t *raw, size_t len,
    const struct mh_msg *m, const struct in6_addr *src)
{
	const struct mh_opts *o = &m->opt;
	const struct mh_sa *sa = NULL;
	const struct in6_addr *coa = (o->present & MHO_ALTCOA) ? &o->altcoa :
	    src;
	struct snap before, after;
	struct ha_result res;
	struct ha_rx rx;
	enum ha_verdict v;
	bool known, mac_ok = false;

	if (m->type == MH_TYPE_BU)
		r->n_bu++;
	else if (m->type == MH_TYPE_DHP_QUERY)
		r->n_dq++;
	else
		r->n_other++;
	memset(&rx, 0, sizeof(rx));
	rx.msg = m;
	rx.raw = raw;
	rx.len = len;
	rx.src = *src;
	rx.dst = conf.address;
	rx.now = r->now;
	rx.now_ntp = ntp_at(r->now);
	if (o->present & MHO_AUTH)
		sa = sa_table_find(sas, o->auth_spi);
	known = (m->type == MH_TYPE_BU || m->type == MH_TYPE_DHP_QUERY) &&
	    (o->present & MHO_HOA) && sa != NULL;
	if (known)
		mac_ok = fuzz_ref_auth(raw, len, o, sa, coa, &o->hoa) == 0;

	snapshot(r, &before);
	v = ha_engine_input(r->e, &rx, &res);
	snapshot(r, &after);
	FUZZ_CHECK(v == res.verdict, "returned %d, result says %d", v,
	    res.verdict);
	check_cache(r, &after);
	if (!known) {
		r->bu_dropped += m->type == MH_TYPE_BU;
		FUZZ_CHECK(v == HA_V_DROPPED && !res.has_reply &&
		    !res.has_action && !res.dad_start && snap_eq(&before,
		    &after), "type %u, HoA %d, SA %d: not dropped (%s)",
		    m->type, (o->present & MHO_HOA) != 0, sa != NULL,
		    ha_verdict_name(v));
		return;
	}
	if (!mac_ok) {
		/* B.8 / ha_engine.c step 2 */
		FUZZ_CHECK(v == HA_V_REJECTED &&
		    res.status == BA_STATUS_AUTH_FAIL && res.has_reply &&
		    memcmp(&res.reply.dst, src, 16) == 0 && !res.has_action &&
		    snap_eq(&before, &after), "bad MAC: %s status %u",
		    ha_verdict_name(v), res.status);
	}
	FUZZ_CHECK(v != HA_V_DROPPED, "an authentic-looking %s was dropped",
	    mh_type_name(m->type));
	if (res.has_reply)
		check_reply(&res.reply, m->type == MH_TYPE_BU ? MH_TYPE_BA :
		    MH_TYPE_DHP_REPLY, o->auth_spi);
	if (m->type == MH_TYPE_BU)
		check_bu(r, m, coa, mac_ok, &res, &before, &after);
	else {
		check_dq(m, &res);
		FUZZ_CHECK(snap_eq(&before, &after), "a DHP Query changed "
		    "the cache");
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
		*hoa = fuzz_addr("2001:db8:99::100");	/* not home */
		break;
	default:
		fin_in6(f, hoa);
		break;
	}
}

static void
pick_addr(struct fin *f, uint8_t sel, const struct in6_addr *hoa,
    struct in6_addr *a)
{
	static const char *const fixed[] = {
		"2001:db8:2::100", "2001:db8:3::100", "2001:db8:4::7",
		"fe80::1", "::", "ff02::1", "::ffff:192.0.2.1",
	};

	sel %= 9;
	if (sel < 7)
		*a = fuzz_addr(fixed[sel]);
	else if (sel == 7)
		*a = *hoa;
	else
		fin_in6(f, a);
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
 * A BU or DHP Query from fields. Octets: ctl1, ctl2, then the fixed
 * part, then what the selectors ask for. Zeros give a typical valid
 * message (XOR with the defaults), so mutations start from "accepted".
 *   ctl1: bits 0-2 HoA, bits 3-5 SPI, bits 6-7 signing (0 right, 1
 *         corrupted, 2 zero MAC, 3 no AUTH option)
 *   ctl2: bits 0-3 source, bit 4 Alt-CoA (bits 5-7 of the next octet
 *         pick it), bit 5 omit HoA option, bits 6-7 MESG-ID (0 now and
 *         growing, 1 off by seconds, 2 raw, 3 none)
 */
static void
ev_message(struct run *r, struct fin *f, bool query)
{
	uint8_t ctl1 = fin_u8(f), ctl2 = fin_u8(f), buf[MH_MAX_LEN];
	struct in6_addr hoa, src, alt;
	struct mh_msg m, parsed;
	const struct mh_sa *sa;
	size_t aoff = 0;
	ssize_t n;
	int mn, slot;
	int16_t d;

	memset(&m, 0, sizeof(m));
	pick_hoa(f, ctl1 & 7, &hoa, &mn);
	slot = mn >= 0 ? mn : NMN;
	if (!query) {
		m.type = MH_TYPE_BU;
		d = (int16_t)fin_u16(f);
		m.u.bu.seq = (uint16_t)(r->next_seq[slot] + d);
		r->next_seq[slot] = (uint16_t)(m.u.bu.seq + 1);
		m.u.bu.flags = (uint16_t)((BU_F_A | BU_F_H) ^ fin_u16(f));
		m.u.bu.lifetime = (uint16_t)(75 ^ fin_u16(f));
	} else {
		m.type = MH_TYPE_DHP_QUERY;
		m.u.dq.seq = fin_u16(f);
		m.u.dq.flags = fin_u8(f);
		m.u.dq.max_cand = fin_u8(f);
		switch (fin_u8(f) % 4) {
		case 0:
			m.u.dq.cn = fuzz_addr("2001:db8:c1::5");
			break;
		case 1:
			m.u.dq.cn = fuzz_addr("2001:db8:c2:1::5");
			break;
		case 2:
			m.u.dq.cn = fuzz_addr("2001:db8:99::5");
			break;
		default:
			fin_in6(f, &m.u.dq.cn);
			break;
		}
	}
	pick_addr(f, ctl2 & 15, &hoa, &src);
	if (ctl2 & 0x10) {
		m.opt.present |= MHO_ALTCOA;
		pick_addr(f, fin_u8(f) >> 5, &hoa, &alt);
		m.opt.altcoa = alt;
	}
	if (!(ctl2 & 0x20)) {
		m.opt.present |= MHO_HOA;
		m.opt.hoa = hoa;
	}
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
		const struct in6_addr *c = (m.opt.present & MHO_ALTCOA) ?
		    &m.opt.altcoa : &src;

		FUZZ_CHECK(mh_auth_sign(buf, (size_t)n, aoff, sa, c, &hoa) ==
		    0, "mh_auth_sign failed on a built %s",
		    mh_type_name(m.type));
		if (ctl1 >> 6 == 1)
			buf[(size_t)n - 1 - fin_u8(f) % 12] ^= 1 << (fin_u8(f)
			    % 8);
	}
	/* What our builder writes, our parser reads. */
	FUZZ_CHECK(mh_parse(buf, (size_t)n, &parsed) == MH_OK, "a built %s "
	    "does not parse", mh_type_name(m.type));
	deliver(r, buf, (size_t)n, &parsed, &src);
}

/*
 * Raw MH bytes: octets ctl, length, then the MH. Payload Proto and
 * Header Len are fixed up; ctl bits 0-3 pick the source, bit 4 signs
 * the MH if its AUTH option fits an SA (CoA and HoA from its options).
 */
static void
ev_raw(struct run *r, struct fin *f)
{
	uint8_t ctl = fin_u8(f), buf[MH_MAX_LEN];
	size_t len = (size_t)fin_u8(f) * MH_UNIT + MH_UNIT;
	const uint8_t *p;
	struct in6_addr src, hoa = mn_hoa[0];
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
	if (m.opt.present & MHO_HOA)
		hoa = m.opt.hoa;
	pick_addr(f, ctl & 15, &hoa, &src);
	if ((ctl & 0x10) && (m.opt.present & MHO_AUTH)) {
		const struct mh_sa *sa = sa_table_find(sas, m.opt.auth_spi);

		if (sa != NULL && mh_auth_sign(buf, len, m.opt.auth_off, sa,
		    (m.opt.present & MHO_ALTCOA) ? &m.opt.altcoa : &src,
		    &hoa) == 0)
			FUZZ_CHECK(mh_parse(buf, len, &m) == MH_OK,
			    "signing broke the MH");
	}
	deliver(r, buf, len, &m, &src);
}

struct exp_ctx {
	const struct snap *before;
	size_t		   dels;
};

static void
on_expired(const struct ha_action *a, void *arg)
{
	struct exp_ctx *x = arg;
	const struct snap_bce *b = snap_find(x->before, &a->hoa);

	FUZZ_CHECK(a->kind == HA_ACT_BIND_DEL, "expiry action %s",
	    ha_act_name(a->kind));
	FUZZ_CHECK(b != NULL && b->state == BCE_ACTIVE &&
	    memcmp(&b->coa, &a->coa, 16) == 0, "DEL for a binding that was "
	    "not active");
	x->dels++;
}

/* Octets: mode, amount. Mode bit 2 skips the expiry run (the daemon
 * may take an MH before its timer fires). */
static void
ev_clock(struct run *r, struct fin *f)
{
	uint8_t mode = fin_u8(f);
	uint16_t amount = fin_u16(f);
	uint64_t next = ha_engine_next_expiry(r->e);
	struct snap before, after;
	struct exp_ctx x = { &before, 0 };
	size_t n, active_gone = 0;

	switch (mode & 3) {
	case 0:
		r->now += amount;
		break;
	case 1:
		r->now += (uint64_t)amount * 1000;
		break;
	case 2:
		if (next != BCACHE_NO_EXPIRY && next > r->now)
			r->now = next;
		break;
	default:
		if (next != BCACHE_NO_EXPIRY && next > r->now + 1)
			r->now = next - 1;
		break;
	}
	if (mode & 4)
		return;
	snapshot(r, &before);
	n = ha_engine_expire(r->e, r->now, on_expired, &x);
	snapshot(r, &after);
	FUZZ_CHECK(before.n - after.n == n, "expired %zu, cache went %zu -> "
	    "%zu", n, before.n, after.n);
	for (size_t i = 0; i < before.n; i++) {
		const struct snap_bce *b = &before.e[i];
		bool gone = snap_find(&after, &b->hoa) == NULL;

		FUZZ_CHECK(gone == (b->expiry <= r->now), "entry expiring at "
		    "%llu %s at %llu", (unsigned long long)b->expiry,
		    gone ? "removed" : "kept", (unsigned long long)r->now);
		active_gone += gone && b->state == BCE_ACTIVE;
	}
	FUZZ_CHECK(x.dels == active_gone, "%zu DEL actions for %zu active "
	    "bindings expired", x.dels, active_gone);
	next = ha_engine_next_expiry(r->e);
	FUZZ_CHECK(next == BCACHE_NO_EXPIRY || next > r->now, "next expiry "
	    "%llu not after now %llu", (unsigned long long)next,
	    (unsigned long long)r->now);
	check_cache(r, &after);
}

/* Octets: which HoA, ok. */
static void
ev_dad(struct run *r, struct fin *f)
{
	uint8_t sel = fin_u8(f);
	bool ok = !(fin_u8(f) & 1);
	struct in6_addr hoa;
	struct snap before, after;
	const struct snap_bce *b;
	struct ha_result res;
	bool done;
	int mn;

	pick_hoa(f, sel, &hoa, &mn);
	snapshot(r, &before);
	b = snap_find(&before, &hoa);
	done = ha_engine_dad_done(r->e, &hoa, ok, r->now, &res);
	snapshot(r, &after);
	check_cache(r, &after);
	FUZZ_CHECK(done == (b != NULL && b->state == BCE_DAD), "dad_done "
	    "gave %d for an entry %s", done, b == NULL ? "absent" :
	    bce_state_name(b->state));
	if (!done) {
		FUZZ_CHECK(res.verdict == HA_V_DROPPED && !res.has_reply &&
		    !res.has_action && snap_eq(&before, &after),
		    "dad_done without an entry did something");
		return;
	}
	if (res.has_reply)
		check_reply(&res.reply, MH_TYPE_BA, b->spi);
	if (ok) {
		const struct snap_bce *a = snap_find(&after, &hoa);

		FUZZ_CHECK(res.status == 0 && res.has_action &&
		    res.action.kind == HA_ACT_BIND_ADD && a != NULL &&
		    a->state == BCE_ACTIVE && memcmp(&res.action.coa, &a->coa,
		    16) == 0, "DAD ok but no ADD of an active binding");
	} else
		FUZZ_CHECK(res.status == BA_STATUS_DAD_FAILED &&
		    !res.has_action && snap_find(&after, &hoa) == NULL,
		    "DAD failed but the entry stays");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned lifetimes[] = { 600, 0, 8, 262140 };
	const struct ha_stats *st;
	struct fin f;
	struct run r;
	uint8_t hdr;
	uint64_t bu_total = 0;

	fin_init(&f, data, size);
	hdr = fin_u8(&f);
	memset(&r, 0, sizeof(r));
	r.now = START_MS;
	conf.skip_dad = hdr & 1;
	conf.max_lifetime = lifetimes[hdr >> 1 & 3];
	r.max_units = conf.max_lifetime ? (uint16_t)(conf.max_lifetime / 4) :
	    MH_LIFETIME_MAX_UNITS;
	if ((r.e = ha_engine_new(&conf, sas)) == NULL)
		abort();
	for (unsigned i = 0; i < MAX_EVENTS && !fin_empty(&f); i++) {
		switch (fin_u8(&f) % 6) {
		case 0:
		case 1:
			ev_message(&r, &f, false);
			break;
		case 2:
			ev_message(&r, &f, true);
			break;
		case 3:
			ev_raw(&r, &f);
			break;
		case 4:
			ev_clock(&r, &f);
			break;
		default:
			ev_dad(&r, &f);
			break;
		}
	}
	st = ha_engine_stats(r.e);
	FUZZ_CHECK(st->rx_bu == r.n_bu && st->rx_dhp_query == r.n_dq &&
	    st->rx_other == r.n_other, "stats count %llu BUs, %llu queries, "
	    "%llu others; %llu, %llu, %llu were sent",
	    (unsigned long long)st->rx_bu,
	    (unsigned long long)st->rx_dhp_query,
	    (unsigned long long)st->rx_other, (unsigned long long)r.n_bu,
	    (unsigned long long)r.n_dq, (unsigned long long)r.n_other);
	for (int i = 0; i < 256; i++)
		bu_total += st->bu_status[i];
	/* Each BU that is not dropped has exactly one outcome. */
	FUZZ_CHECK(bu_total == r.n_bu - r.bu_dropped, "%llu BU outcomes for "
	    "%llu BUs not dropped", (unsigned long long)bu_total,
	    (unsigned long long)(r.n_bu - r.bu_dropped));
	ha_engine_free(r.e);
	return 0;
}
