/*
 * test_had_state.c: had's state file (ha/had_state.c) with the real
 * engine: bindings made by signed BUs are saved and restored into a
 * fresh engine at a later wall-clock time (expiry kept, ADD actions
 * for the data plane), an old BU replayed after the restart is refused
 * (144, and 135 for an old sequence number), a new one is accepted as
 * a refresh; expired bindings, MNs gone from the config and the MESG-ID
 * floor; every single-byte corruption of a real file is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "auth.h"
#include "had_state.h"
#include "cu_main.h"

#define SPI1	4096
#define SPI2	4097
#define T0_NTP	(0xE8754700ULL << 32)
#define NOW0	100000ULL		/* monotonic ms, first run */
#define WALL0	1700000000000ULL	/* wall ms at NOW0 */

static struct in6_addr HA, HOA1, HOA2, COA1, COA2;
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

/* NTP time of first-run monotonic ms t (an offset from NOW0). */
static uint64_t
ntp_at(uint64_t t)
{
	return T0_NTP + ((t << 32) / 1000);
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

	HA = A("2001:db8:f::10");
	HOA1 = A("2001:db8:10::100");
	HOA2 = A("2001:db8:10::200");
	COA1 = A("2001:db8:2::100");
	COA2 = A("2001:db8:3::100");
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

static struct had_mn conf_mns[2];

/* nmns 1: only mn1 (mn2 "removed from the config"). */
static struct ha_engine *
engine(size_t nmns)
{
	struct had_conf c;
	struct ha_engine *e;

	memset(&c, 0, sizeof(c));
	c.address = HA;
	c.home_prefix.addr = A("2001:db8:10::");
	c.home_prefix.len = 64;
	c.max_lifetime = 600;
	c.skip_dad = true;
	c.validity = 300;
	memset(conf_mns, 0, sizeof(conf_mns));
	strcpy(conf_mns[0].name, "mn1");
	conf_mns[0].home_address = HOA1;
	conf_mns[0].spi = SPI1;
	strcpy(conf_mns[1].name, "mn2");
	conf_mns[1].home_address = HOA2;
	conf_mns[1].spi = SPI2;
	c.mns = conf_mns;
	c.nmns = nmns;
	e = ha_engine_new(&c, sas);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

struct pkt {
	uint8_t		buf[512];
	size_t		len;
	struct in6_addr	src;
};

static void
bu_make(struct pkt *p, const struct in6_addr *hoa, const struct mh_sa *sa,
    const struct in6_addr *coa, uint16_t seq, uint16_t life, uint64_t mesgid)
{
	struct mh_msg m;
	size_t aoff = 0;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_BU;
	m.u.bu.seq = seq;
	m.u.bu.flags = BU_F_A | BU_F_H;
	m.u.bu.lifetime = life;
	m.opt.present = MHO_HOA | MHO_MESGID | MHO_AUTH;
	m.opt.hoa = *hoa;
	m.opt.mesgid = mesgid;
	m.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	m.opt.auth_spi = sa->spi;
	m.opt.auth_mac_len = (uint8_t)auth_alg_mac_len(sa->alg);
	n = mh_build(&m, p->buf, sizeof(p->buf), &aoff);
	CU_ASSERT_FATAL(n > 0);
	p->len = (size_t)n;
	p->src = *coa;
	CU_ASSERT_FATAL(mh_auth_sign(p->buf, p->len, aoff, sa, coa, hoa) == 0);
}

static enum ha_verdict
feed(struct ha_engine *e, const struct pkt *p, uint64_t now, uint64_t ntp,
    struct ha_result *res)
{
	struct mh_msg m;
	struct ha_rx rx;

	CU_ASSERT_FATAL(mh_parse(p->buf, p->len, &m) == MH_OK);
	memset(&rx, 0, sizeof(rx));
	rx.msg = &m;
	rx.raw = p->buf;
	rx.len = p->len;
	rx.src = p->src;
	rx.dst = HA;
	rx.now = now;
	rx.now_ntp = ntp;
	return ha_engine_input(e, &rx, res);
}

static bool
eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* ADD actions given by had_state_apply(). */
static struct ha_action adds[8];
static size_t nadds;

static void
on_add(const struct ha_action *a, void *arg)
{
	(void)arg;
	if (nadds < 8)
		adds[nadds++] = *a;
}

/* First run: mn1 at COA1 (seq 5, then 6 at COA2: a move), mn2 at COA1
 * (seq 9, lifetime 1 unit: 4 s); saved at NOW0 + 2000. */
static struct pkt bu_mn1_last;

static void
first_run(struct sf_buf *out)
{
	struct ha_engine *e = engine(2);
	struct ha_result r;
	struct pkt p;

	bu_make(&p, &HOA1, &mn_sa1, &COA1, 5, 150, ntp_at(0));
	CU_ASSERT_EQUAL_FATAL(feed(e, &p, NOW0, ntp_at(0), &r), HA_V_ACCEPTED);
	bu_make(&bu_mn1_last, &HOA1, &mn_sa1, &COA2, 6, 150, ntp_at(1000));
	CU_ASSERT_EQUAL_FATAL(feed(e, &bu_mn1_last, NOW0 + 1000, ntp_at(1000),
	    &r), HA_V_ACCEPTED);
	bu_make(&p, &HOA2, &mn_sa2, &COA1, 9, 1, ntp_at(1500));
	CU_ASSERT_EQUAL_FATAL(feed(e, &p, NOW0 + 1500, ntp_at(1500), &r),
	    HA_V_ACCEPTED);
	CU_ASSERT_EQUAL_FATAL(had_state_encode(e, NOW0 + 2000, WALL0 + 2000,
	    out), 0);
	ha_engine_free(e);
}

static void
test_round_trip(void)
{
	struct sf_buf b;
	struct had_state st;
	struct had_state_result res;
	struct ha_engine *e;
	const struct bce *x;
	char err[160];
	/* Second run: another boot (monotonic 5000), 3 s later. */
	uint64_t mono = 5000, wall = WALL0 + 5000;

	first_run(&b);
	CU_ASSERT_EQUAL_FATAL(had_state_decode(b.p, b.len, &st, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(st.written, WALL0 + 2000);
	CU_ASSERT_EQUAL(st.nmns, 2);
	CU_ASSERT_EQUAL(st.nbces, 2);
	e = engine(2);
	nadds = 0;
	had_state_apply(e, &st, mono, wall, 0, on_add, NULL, &res);
	CU_ASSERT_EQUAL(res.mns, 2);
	CU_ASSERT_EQUAL(res.bindings, 2);
	CU_ASSERT_EQUAL(res.expired, 0);
	CU_ASSERT_EQUAL(res.refused, 0);
	CU_ASSERT_EQUAL(nadds, 2);
	x = ha_engine_find(e, &HOA1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_TRUE(eq(&x->coa, &COA2));
	CU_ASSERT_EQUAL(x->seq, 6);
	CU_ASSERT_EQUAL(x->lifetime, 150);
	CU_ASSERT_EQUAL(x->state, BCE_ACTIVE);
	/* Accepted at first-run NOW0 + 1000 for 600 s = WALL0 + 601000:
	 * 596 s from the restart. */
	CU_ASSERT_EQUAL(bce_expiry(x), mono + 596000);
	x = ha_engine_find(e, &HOA2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(bce_expiry(x), mono + 500);	/* 4 s from 1500 */
	CU_ASSERT_EQUAL(ha_engine_next_expiry(e), mono + 500);
	for (size_t i = 0; i < nadds; i++)
		CU_ASSERT_EQUAL(adds[i].kind, HA_ACT_BIND_ADD);
	CU_ASSERT_TRUE(eq(&adds[0].hoa, &HOA1) || eq(&adds[1].hoa, &HOA1));
	had_state_free(&st);
	ha_engine_free(e);
	sf_free(&b);
}

/* After the restart: the last BU replayed verbatim is 144, an old
 * sequence with a new MESG-ID is 135 carrying 6, a new BU refreshes
 * with no data-plane action. */
static void
test_replay_after_restart(void)
{
	struct sf_buf b;
	struct had_state st;
	struct had_state_result res;
	struct ha_engine *e;
	struct ha_result r;
	struct pkt p;
	char err[160];
	uint64_t mono = 5000, wall = WALL0 + 5000, ntp = ntp_at(5000);

	first_run(&b);
	CU_ASSERT_EQUAL_FATAL(had_state_decode(b.p, b.len, &st, err,
	    sizeof(err)), 0);
	e = engine(2);
	had_state_apply(e, &st, mono, wall, 0, NULL, NULL, &res);
	CU_ASSERT_EQUAL(feed(e, &bu_mn1_last, mono, ntp, &r), HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	bu_make(&p, &HOA1, &mn_sa1, &COA1, 6, 150, ntp);
	CU_ASSERT_EQUAL(feed(e, &p, mono, ntp, &r), HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_SEQ_OUT_OF_WINDOW);
	CU_ASSERT_EQUAL(r.reply.msg.u.ba.seq, 6);
	CU_ASSERT_TRUE(eq(&ha_engine_find(e, &HOA1)->coa, &COA2));
	bu_make(&p, &HOA1, &mn_sa1, &COA2, 7, 150, ntp + 1);
	CU_ASSERT_EQUAL(feed(e, &p, mono, ntp + 1, &r), HA_V_ACCEPTED);
	CU_ASSERT_FALSE(r.has_action);		/* a refresh */
	CU_ASSERT_EQUAL(ha_engine_stats(e)->bind_refreshed, 1);
	had_state_free(&st);
	ha_engine_free(e);
	sf_free(&b);
}

/* 10 s later mn2's 4 s binding is gone; without mn2 in the config its
 * binding and replay state are refused. */
static void
test_expired_and_removed(void)
{
	struct sf_buf b;
	struct had_state st;
	struct had_state_result res;
	struct ha_engine *e;
	char err[160];

	first_run(&b);
	CU_ASSERT_EQUAL_FATAL(had_state_decode(b.p, b.len, &st, err,
	    sizeof(err)), 0);
	e = engine(2);
	had_state_apply(e, &st, 5000, WALL0 + 12000, 0, NULL, NULL, &res);
	CU_ASSERT_EQUAL(res.bindings, 1);
	CU_ASSERT_EQUAL(res.expired, 1);
	CU_ASSERT_PTR_NULL(ha_engine_find(e, &HOA2));
	ha_engine_free(e);
	e = engine(1);
	had_state_apply(e, &st, 5000, WALL0 + 3000, 0, NULL, NULL, &res);
	CU_ASSERT_EQUAL(res.mns, 1);
	CU_ASSERT_EQUAL(res.bindings, 1);
	CU_ASSERT_EQUAL(res.refused, 1);
	ha_engine_free(e);
	/* A lifetime cap lowered in between: the expiry is capped too
	 * (here the cap is higher: unchanged). After the full lifetime
	 * everything is expired. */
	e = engine(2);
	had_state_apply(e, &st, 5000, WALL0 + 700000, 0, NULL, NULL, &res);
	CU_ASSERT_EQUAL(res.bindings, 0);
	CU_ASSERT_EQUAL(res.expired, 2);
	CU_ASSERT_EQUAL(res.mns, 2);	/* replay state outlives them */
	ha_engine_free(e);
	had_state_free(&st);
	sf_free(&b);
}

/* No state at all, but the MESG-ID floor of the restart: a BU captured
 * before it is a replay; a fresh one registers. */
static void
test_floor(void)
{
	struct had_state st;
	struct had_state_result res;
	struct ha_engine *e = engine(2);
	struct ha_result r;
	struct pkt p;
	uint64_t floor = ntp_at(10000);

	memset(&st, 0, sizeof(st));
	had_state_apply(e, &st, 5000, WALL0, floor, NULL, NULL, &res);
	bu_make(&p, &HOA1, &mn_sa1, &COA1, 1, 150, ntp_at(9000));
	CU_ASSERT_EQUAL(feed(e, &p, 5000, ntp_at(10500), &r), HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	CU_ASSERT_PTR_NULL(ha_engine_find(e, &HOA1));
	bu_make(&p, &HOA1, &mn_sa1, &COA1, 1, 150, ntp_at(10400));
	CU_ASSERT_EQUAL(feed(e, &p, 5000, ntp_at(10500), &r), HA_V_ACCEPTED);
	CU_ASSERT_PTR_NOT_NULL(ha_engine_find(e, &HOA1));
	ha_engine_free(e);
}

static void
test_corrupt(void)
{
	struct sf_buf b;
	struct had_state st;
	char err[160], *m;
	size_t refused = 0;

	first_run(&b);
	m = malloc(b.len);
	for (size_t i = 0; i < b.len; i++) {
		memcpy(m, b.p, b.len);
		m[i] ^= 0x04;
		if (had_state_decode(m, b.len, &st, err, sizeof(err)) == -1 &&
		    st.nbces == 0 && st.nmns == 0)
			refused++;
		else
			had_state_free(&st);
	}
	CU_ASSERT_EQUAL(refused, b.len);
	for (size_t n = 0; n < b.len; n++)
		if (had_state_decode(b.p, n, &st, err, sizeof(err)) == 0) {
			CU_FAIL("a truncated file was accepted");
			had_state_free(&st);
		}
	free(m);
	sf_free(&b);
}

/* Records with the right frame but wrong fields. */
static void
test_bad_records(void)
{
	static const char *const bodies[] = {
		"mn 2001:db8:10::100 70000 0x1",		/* seq */
		"mn 2001:db8:10::100 7",			/* fields */
		"mn nothere 7 0x1",
		"bce 2001:db8:10::100 2001:db8:2::100 1 150 4096 0x1 1 2",
		"bce 2001:db8:10::100 2001:db8:2::100 1 150 4294967296 0x1 1 "
		    "2 3",
		"zzz 1",
	};
	struct had_state st;
	char f[512], body[400], err[160];

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		snprintf(body, sizeof(body), "dmip6-state 1 had 1\n%s\n",
		    bodies[i]);
		snprintf(f, sizeof(f), "%send 1 %08x\n", body,
		    sf_crc32(0, body, strlen(body)));
		CU_ASSERT_EQUAL(had_state_decode(f, strlen(f), &st, err,
		    sizeof(err)), -1);
		CU_ASSERT(err[0] != '\0');
	}
}

/* 20000 mobile nodes with a binding each: saved and restored whole;
 * the time is printed (the saver spaces writes by 9 x that). */
#define BIG	20000

static double
secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_scale(void)
{
	struct had_conf c;
	struct had_mn *mns = calloc(BIG, sizeof(*mns));
	struct ha_engine *e, *e2;
	struct sf_buf b;
	struct had_state st;
	struct had_state_result res;
	struct ha_action add;
	struct bce saved;
	char err[160];
	double t0, t1, t2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mns);
	memset(&c, 0, sizeof(c));
	c.address = HA;
	c.home_prefix.addr = A("2001:db8:10::");
	c.home_prefix.len = 64;
	c.max_lifetime = 600;
	c.skip_dad = true;
	for (size_t i = 0; i < BIG; i++) {
		snprintf(mns[i].name, sizeof(mns[i].name), "mn%zu", i);
		mns[i].home_address = A("2001:db8:10::");
		mns[i].home_address.s6_addr[13] = (uint8_t)(i >> 16);
		mns[i].home_address.s6_addr[14] = (uint8_t)(i >> 8);
		mns[i].home_address.s6_addr[15] = (uint8_t)i;
		mns[i].home_address.s6_addr[12] = 1;
		mns[i].spi = SPI1;
	}
	c.mns = mns;
	c.nmns = BIG;
	e = ha_engine_new(&c, sas);
	e2 = ha_engine_new(&c, sas);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e2);
	for (size_t i = 0; i < BIG; i++) {
		memset(&saved, 0, sizeof(saved));
		saved.hoa = mns[i].home_address;
		saved.coa = COA1;
		saved.coa.s6_addr[15] = (uint8_t)i;
		saved.seq = (uint16_t)i;
		saved.lifetime = 150;
		saved.mesgid = ntp_at(i);
		CU_ASSERT_EQUAL_FATAL(ha_engine_restore(e, &saved,
		    NOW0 + 600000, NOW0, &add), 0);
	}
	t0 = secs();
	CU_ASSERT_EQUAL_FATAL(had_state_encode(e, NOW0, WALL0, &b), 0);
	t1 = secs();
	CU_ASSERT_EQUAL_FATAL(had_state_decode(b.p, b.len, &st, err,
	    sizeof(err)), 0);
	had_state_apply(e2, &st, 5000, WALL0 + 1000, 0, NULL, NULL, &res);
	t2 = secs();
	CU_ASSERT_EQUAL(st.nmns, BIG);
	CU_ASSERT_EQUAL(res.bindings, BIG);
	CU_ASSERT_EQUAL(bcache_count(ha_engine_bcache(e2)), BIG);
	CU_ASSERT_EQUAL(ha_engine_find(e2, &mns[BIG - 1].home_address)->seq,
	    (uint16_t)(BIG - 1));
	fprintf(stderr, "\n  %d bindings: %zu bytes, encode %.1f ms, "
	    "decode + restore %.1f ms\n", BIG, b.len, (t1 - t0) * 1000,
	    (t2 - t1) * 1000);
	had_state_free(&st);
	sf_free(&b);
	ha_engine_free(e);
	ha_engine_free(e2);
	free(mns);
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "save and restore into a fresh engine", test_round_trip },
		{ "an old BU replayed after the restart",
		    test_replay_after_restart },
		{ "expired bindings, MNs removed", test_expired_and_removed },
		{ "MESG-ID floor without state", test_floor },
		{ "corrupt and truncated files", test_corrupt },
		{ "malformed records", test_bad_records },
		{ "20000 bindings", test_scale },
		CU_TEST_INFO_NULL,
	};
	CU_pSuite s = CU_add_suite("had_state", suite_init, suite_clean);

	if (s == NULL)
		return -1;
	for (const CU_TestInfo *t = tests; t->pName != NULL; t++)
		if (CU_add_test(s, t->pName, t->pTestFunc) == NULL)
			return -1;
	return 0;
}
