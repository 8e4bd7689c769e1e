/*
 * test_dhpd_state.c: dhpd's state file (dhp/dhpd_state.c) with the real
 * engine: leases, a binding and a quarantine made by signed messages are
 * saved and put into a fresh engine (new pool seed, other monotonic
 * clock); the binding comes back with its ADD action, its sequence
 * number and its timers; the quarantined DHoA is still refused to
 * another MN; old messages replayed after the restart are refused; what
 * expired while dhpd was down is skipped and reported as unbound.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "auth.h"
#include "dhpd_state.h"
#include "cu_main.h"

#define SPI1	8192
#define SPI2	8193
#define T0_NTP	(0xE8754700ULL << 32)
#define NOW0	100000ULL
#define WALL0	1700000000000ULL

static struct in6_addr DHP, HOA1, HOA2, COA1, COA2, ANY;
static struct sa_table *sas;
static struct mh_sa mn_sa1, mn_sa2;

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

static uint64_t
ntp_at(uint64_t ms)
{
	return T0_NTP + ((ms << 32) / 1000);
}

static bool
eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void
sa_mk(struct mh_sa *sa, uint32_t spi, uint8_t base)
{
	uint8_t key[32];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(base + i);
	if (sa_init(sa, spi, AUTH_ALG_HMAC_SHA256_128, key, sizeof(key)) != 0)
		abort();
}

static int
suite_init(void)
{
	struct mh_sa t;

	DHP = A("2001:db8:f::11");
	HOA1 = A("2001:db8:10::100");
	HOA2 = A("2001:db8:10::200");
	COA1 = A("2001:db8:1::100");
	COA2 = A("2001:db8:2::100");
	ANY = A("::");
	if ((sas = sa_table_new()) == NULL)
		return -1;
	sa_mk(&t, SPI1, 1);
	sa_table_add(sas, &t);
	sa_mk(&t, SPI2, 0x41);
	sa_table_add(sas, &t);
	sa_mk(&mn_sa1, SPI1, 1);
	sa_mk(&mn_sa2, SPI2, 0x41);
	return 0;
}

static int
suite_clean(void)
{
	sa_table_free(sas);
	sa_clear(&mn_sa1);
	sa_clear(&mn_sa2);
	return 0;
}

static struct dhpd_mn conf_mns[2];
static struct conf_prefix conf_pool;

static struct dhp_engine *
engine(uint64_t seed)
{
	struct dhpd_conf c;
	struct dhp_engine *e;
	char err[64];

	memset(&c, 0, sizeof(c));
	c.address = DHP;
	if (conf_prefix_parse("2001:db8:d1::/64", &conf_pool, err,
	    sizeof(err)) != 0)
		abort();
	c.pools = &conf_pool;
	c.npools = 1;
	c.lease_lifetime = 600;
	c.binding_lifetime = 300;
	c.quarantine = 120;
	c.max_leases = 1000;
	c.continuity[CONT_SESSION_LASTING] = true;
	memset(conf_mns, 0, sizeof(conf_mns));
	strcpy(conf_mns[0].name, "mn1");
	conf_mns[0].home_address = HOA1;
	conf_mns[0].spi = SPI1;
	strcpy(conf_mns[1].name, "mn2");
	conf_mns[1].home_address = HOA2;
	conf_mns[1].spi = SPI2;
	c.mns = conf_mns;
	c.nmns = 2;
	e = dhp_engine_new(&c, sas, seed);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

struct pkt {
	uint8_t		buf[512];
	size_t		len;
	struct in6_addr	src;
};

static void
sign(struct pkt *p, struct mh_msg *m, const struct mh_sa *sa,
    const struct in6_addr *src, const struct in6_addr *hoa)
{
	size_t aoff = 0;
	ssize_t n;

	m->opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	m->opt.auth_spi = sa->spi;
	m->opt.auth_mac_len = (uint8_t)auth_alg_mac_len(sa->alg);
	n = mh_build(m, p->buf, sizeof(p->buf), &aoff);
	CU_ASSERT_FATAL(n > 0);
	p->len = (size_t)n;
	p->src = *src;
	CU_ASSERT_FATAL(mh_auth_sign(p->buf, p->len, aoff, sa, src, hoa) == 0);
}

/* A DHoA Request (lifetime in units; want :: = any), CoA = source. */
static void
req_make(struct pkt *p, const struct in6_addr *hoa, const struct mh_sa *sa,
    const struct in6_addr *src, uint16_t seq, uint16_t life,
    const struct in6_addr *want, uint64_t mesgid)
{
	struct mh_msg m;

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_DHOA_REQ;
	m.u.dreq.seq = seq;
	m.u.dreq.cont_type = CONT_SESSION_LASTING;
	m.u.dreq.lifetime = life;
	m.u.dreq.req_dhoa = *want;
	m.u.dreq.hoa = *hoa;
	m.u.dreq.coa = *src;
	m.opt.present = MHO_MESGID | MHO_AUTH;
	m.opt.mesgid = mesgid;
	sign(p, &m, sa, src, hoa);
}

static void
bu_make(struct pkt *p, const struct in6_addr *hoa, const struct mh_sa *sa,
    const struct in6_addr *src, uint16_t seq, uint8_t flags, uint16_t life,
    const struct in6_addr *dhoa, uint64_t mesgid)
{
	struct mh_msg m;

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_DHP_BU;
	m.u.dbu.seq = seq;
	m.u.dbu.flags = flags;
	m.u.dbu.lifetime = life;
	m.u.dbu.dhoa = *dhoa;
	m.u.dbu.coa = *src;
	m.opt.present = MHO_HOA | MHO_MESGID | MHO_AUTH;
	m.opt.hoa = *hoa;
	m.opt.mesgid = mesgid;
	sign(p, &m, sa, src, hoa);
}

static enum dhp_verdict
feed(struct dhp_engine *e, const struct pkt *p, uint64_t now, uint64_t ntp,
    struct dhp_result *res)
{
	struct mh_msg m;
	struct dhp_rx rx;

	CU_ASSERT_FATAL(mh_parse(p->buf, p->len, &m) == MH_OK);
	memset(&rx, 0, sizeof(rx));
	rx.msg = &m;
	rx.raw = p->buf;
	rx.len = p->len;
	rx.src = p->src;
	rx.dst = DHP;
	rx.now = now;
	rx.now_ntp = ntp;
	return dhp_engine_input(e, &rx, res);
}

/*
 * First run: mn1 leases D1 and binds it to COA1 (DHP-BU seq 10, 300 s);
 * mn2 leases D2 and releases it (quarantined 120 s). Saved at NOW0 +
 * 3000 (= WALL0 + 3000).
 */
static struct in6_addr D1, D2;
static struct pkt last_bu;

static void
first_run(struct sf_buf *out)
{
	struct dhp_engine *e = engine(7);
	struct dhp_result r;
	struct pkt p;

	req_make(&p, &HOA1, &mn_sa1, &COA1, 1, 150, &ANY, ntp_at(0));
	CU_ASSERT_EQUAL_FATAL(feed(e, &p, NOW0, ntp_at(0), &r),
	    DHP_V_ACCEPTED);
	D1 = r.reply.msg.u.dresp.dhoa;
	bu_make(&last_bu, &HOA1, &mn_sa1, &COA1, 10, DHP_BU_F_A, 75, &D1,
	    ntp_at(1000));
	CU_ASSERT_EQUAL_FATAL(feed(e, &last_bu, NOW0 + 1000, ntp_at(1000),
	    &r), DHP_V_ACCEPTED);
	CU_ASSERT_TRUE(r.has_action);
	req_make(&p, &HOA2, &mn_sa2, &COA2, 1, 150, &ANY, ntp_at(2000));
	CU_ASSERT_EQUAL_FATAL(feed(e, &p, NOW0 + 2000, ntp_at(2000), &r),
	    DHP_V_ACCEPTED);
	D2 = r.reply.msg.u.dresp.dhoa;
	req_make(&p, &HOA2, &mn_sa2, &COA2, 2, 0, &D2, ntp_at(2500));
	CU_ASSERT_EQUAL_FATAL(feed(e, &p, NOW0 + 2500, ntp_at(2500), &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL_FATAL(dhpd_state_encode(e, NOW0 + 3000, WALL0 + 3000,
	    out), 0);
	dhp_engine_free(e);
}

static struct dhp_action adds[8];
static size_t nadds;
static struct in6_addr unb[8];
static size_t nunb;

static void
on_add(const struct dhp_action *a, void *arg)
{
	(void)arg;
	if (nadds < 8)
		adds[nadds++] = *a;
}

static void
on_unbound(const struct in6_addr *d, void *arg)
{
	(void)arg;
	if (nunb < 8)
		unb[nunb++] = *d;
}

static struct dhp_engine *
restart(const struct sf_buf *b, uint64_t mono, uint64_t wall,
    struct dhpd_state_result *res)
{
	struct dhpd_state st;
	struct dhp_engine *e;
	char err[160];

	CU_ASSERT_EQUAL_FATAL(dhpd_state_decode(b->p, b->len, &st, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(st.nmns, 2);
	CU_ASSERT_EQUAL(st.nleases, 1);
	CU_ASSERT_EQUAL(st.nbinds, 1);
	CU_ASSERT_EQUAL(st.nquars, 1);
	e = engine(99);		/* another seed: another frontier */
	nadds = nunb = 0;
	dhpd_state_apply(e, &st, mono, wall, 0, on_add, NULL, on_unbound,
	    res);
	dhpd_state_free(&st);
	return e;
}

static void
test_round_trip(void)
{
	struct sf_buf b;
	struct dhpd_state_result res;
	struct dhp_engine *e;
	const struct dhp_binding *x;
	const struct dhoa_lease *l;
	uint64_t mono = 7000, wall = WALL0 + 5000;	/* 2 s later */

	first_run(&b);
	e = restart(&b, mono, wall, &res);
	CU_ASSERT_EQUAL(res.mns, 2);
	CU_ASSERT_EQUAL(res.leases, 1);
	CU_ASSERT_EQUAL(res.bindings, 1);
	CU_ASSERT_EQUAL(res.quarantined, 1);
	CU_ASSERT_EQUAL(res.refused, 0);
	CU_ASSERT_EQUAL(nadds, 1);
	CU_ASSERT_EQUAL(nunb, 0);
	CU_ASSERT_EQUAL(adds[0].kind, DHP_ACT_BIND_ADD);
	CU_ASSERT_TRUE(eq(&adds[0].dhoa, &D1));
	CU_ASSERT_TRUE(eq(&adds[0].coa, &COA1));
	l = dhp_engine_lease(e, &D1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_TRUE(eq(&l->hoa, &HOA1));
	/* Leased at NOW0 for 600 s: WALL0 + 600000, 595 s from wall. */
	CU_ASSERT_EQUAL(l->expiry_ms, mono + 595000);
	x = dhp_engine_find(e, &D1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_TRUE(eq(&x->coa, &COA1));
	CU_ASSERT_EQUAL(x->seq, 10);
	CU_ASSERT_TRUE(x->seq_valid);
	CU_ASSERT_EQUAL(x->lifetime, 75);
	CU_ASSERT_EQUAL(x->state, DHP_BIND_ACTIVE);
	/* Bound at NOW0 + 1000 for 300 s: 296 s left. */
	CU_ASSERT_EQUAL(x->expiry_ms, mono + 296000);
	/* The next deadline is its BRR at 90 %: 270 s after the BU. */
	CU_ASSERT_EQUAL(dhp_engine_next_expiry(e), mono - 4000 + 270000);
	CU_ASSERT_EQUAL(dhp_engine_bindings(e), 1);
	CU_ASSERT_EQUAL(dhoa_pool_stats(dhp_engine_pool(e))->quarantined, 1);
	dhp_engine_free(e);
	sf_free(&b);
}

static void
test_after_restart(void)
{
	struct sf_buf b;
	struct dhpd_state_result res;
	struct dhp_engine *e;
	struct dhp_result r;
	struct pkt p;
	uint64_t mono = 7000, ntp = ntp_at(5000);

	first_run(&b);
	e = restart(&b, mono, WALL0 + 5000, &res);
	/* The last DHP-BU, verbatim: 144. */
	CU_ASSERT_EQUAL(feed(e, &last_bu, mono, ntp, &r), DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	/* Its sequence number with a fresh MESG-ID: 135, carrying 10. */
	bu_make(&p, &HOA1, &mn_sa1, &COA2, 10, DHP_BU_F_A, 75, &D1, ntp);
	CU_ASSERT_EQUAL(feed(e, &p, mono, ntp, &r), DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_SEQ_OUT_OF_WINDOW);
	CU_ASSERT_EQUAL(r.reply.msg.u.dbc.seq, 10);
	CU_ASSERT_TRUE(eq(&dhp_engine_find(e, &D1)->coa, &COA1));
	/* mn2's released DHoA is still quarantined for it. */
	{
		const struct dhoa_lease *q = dhoa_pool_find(
		    dhp_engine_pool(e), &D2);

		CU_ASSERT_PTR_NOT_NULL_FATAL(q);
		CU_ASSERT_EQUAL(q->state, DHOA_QUARANTINED);
		CU_ASSERT_TRUE(eq(&q->hoa, &HOA2));
		/* Released at NOW0 + 2500 for 120 s. */
		CU_ASSERT_EQUAL(q->expiry_ms, mono - 2500 + 120000);
	}
	/* mn1 renews its restored DHoA with any: the same one. */
	req_make(&p, &HOA1, &mn_sa1, &COA1, 3, 150, &ANY, ntp + 2);
	CU_ASSERT_EQUAL(feed(e, &p, mono, ntp + 2, &r), DHP_V_ACCEPTED);
	CU_ASSERT_TRUE(eq(&r.reply.msg.u.dresp.dhoa, &D1));
	/* mn2 may take D2 back (its last owner). */
	req_make(&p, &HOA2, &mn_sa2, &COA2, 3, 150, &D2, ntp + 3);
	CU_ASSERT_EQUAL(feed(e, &p, mono, ntp + 3, &r), DHP_V_ACCEPTED);
	/* A move with a new sequence number: MOVE action. */
	bu_make(&p, &HOA1, &mn_sa1, &COA2, 11, DHP_BU_F_A, 75, &D1, ntp + 4);
	CU_ASSERT_EQUAL(feed(e, &p, mono, ntp + 4, &r), DHP_V_ACCEPTED);
	CU_ASSERT_TRUE(r.has_action);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_MOVE);
	dhp_engine_free(e);
	sf_free(&b);
}

/* 400 s later the binding is over but the lease is not; 700 s later
 * both, and the DHoA is reported as unbound (stale route to remove). */
static void
test_expired(void)
{
	struct sf_buf b;
	struct dhpd_state_result res;
	struct dhp_engine *e;

	first_run(&b);
	e = restart(&b, 7000, WALL0 + 400000, &res);
	CU_ASSERT_EQUAL(res.leases, 1);
	CU_ASSERT_EQUAL(res.bindings, 0);
	CU_ASSERT_EQUAL(res.expired, 1);
	CU_ASSERT_EQUAL(res.quarantined, 0);	/* 120 s: over */
	CU_ASSERT_EQUAL(nunb, 1);
	CU_ASSERT_TRUE(eq(&unb[0], &D1));
	dhp_engine_free(e);
	e = restart(&b, 7000, WALL0 + 700000, &res);
	CU_ASSERT_EQUAL(res.leases, 0);
	CU_ASSERT_EQUAL(res.expired, 2);
	CU_ASSERT_PTR_NULL(dhp_engine_lease(e, &D1));
	CU_ASSERT_EQUAL(nunb, 1);
	dhp_engine_free(e);
	sf_free(&b);
}

static void
test_corrupt(void)
{
	struct sf_buf b;
	struct dhpd_state st;
	char err[160], *m;
	size_t refused = 0;

	first_run(&b);
	m = malloc(b.len);
	for (size_t i = 0; i < b.len; i++) {
		memcpy(m, b.p, b.len);
		m[i] ^= 0x10;
		if (dhpd_state_decode(m, b.len, &st, err, sizeof(err)) == -1 &&
		    st.nleases == 0)
			refused++;
		else
			dhpd_state_free(&st);
	}
	CU_ASSERT_EQUAL(refused, b.len);
	for (size_t n = 0; n < b.len; n++)
		if (dhpd_state_decode(b.p, n, &st, err, sizeof(err)) == 0) {
			CU_FAIL("a truncated file was accepted");
			dhpd_state_free(&st);
		}
	free(m);
	sf_free(&b);
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "save and restore into a fresh engine", test_round_trip },
		{ "replays, quarantine and renewals after the restart",
		    test_after_restart },
		{ "what expired while down", test_expired },
		{ "corrupt and truncated files", test_corrupt },
		CU_TEST_INFO_NULL,
	};
	CU_pSuite s = CU_add_suite("dhpd_state", suite_init, suite_clean);

	if (s == NULL)
		return -1;
	for (const CU_TestInfo *t = tests; t->pName != NULL; t++)
		if (CU_add_test(s, t->pName, t->pTestFunc) == NULL)
			return -1;
	return 0;
}
