/*
 * test_ha_engine.c: the home agent engine (ha/ha_engine.c) and the DHP
 * directory (ha/dhp_dir.c), driven with BUs and DHP Queries built by
 * mh_build() and signed by mh_auth_sign(), with explicit time.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "auth.h"
#include "dhp_dir.h"
#include "ha_engine.h"
#include "cu_main.h"

#define SPI1	4096		/* mn1, HMAC-SHA256-128 */
#define SPI2	4097		/* mn2, HMAC-SHA1-96 */
#define SPI3	4098		/* an SA no mobile node uses */
#define SPI_UNKNOWN 5000
#define T0_NTP	(0xE8754700ULL << 32)
#define NOW0	100000ULL	/* monotonic ms at the start */

static struct in6_addr HA, HOA1, HOA2, HOA_OTHER, HOA_OUT, COA1, COA2,
    COA3, LL;

static struct sa_table *sas;
static struct mh_sa mn_sa1, mn_sa2, mn_sa3, bad_sa1, unknown_sa;

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

static void
key_fill(uint8_t *k, size_t n, uint8_t base)
{
	for (size_t i = 0; i < n; i++)
		k[i] = (uint8_t)(base + i);
}

static void
sa_mk(struct mh_sa *sa, uint32_t spi, enum auth_alg alg, uint8_t base)
{
	uint8_t key[32];

	/* Runs in the suite's init, outside any test: no CU_ASSERT. */
	key_fill(key, auth_alg_key_len(alg), base);
	if (sa_init(sa, spi, alg, key, auth_alg_key_len(alg)) != 0)
		abort();
}

static int
suite_init(void)
{
	struct mh_sa t;

	HA = A("2001:db8:f::10");
	HOA1 = A("2001:db8:10::100");
	HOA2 = A("2001:db8:10::200");
	HOA_OTHER = A("2001:db8:10::999");
	HOA_OUT = A("2001:db8:99::100");
	COA1 = A("2001:db8:2::100");
	COA2 = A("2001:db8:3::100");
	COA3 = A("2001:db8:4::100");
	LL = A("fe80::1");
	if ((sas = sa_table_new()) == NULL)
		return -1;
	/* The HA's copies go into the table, the MN's stay here. */
	sa_mk(&t, SPI1, AUTH_ALG_HMAC_SHA256_128, 1);
	sa_table_add(sas, &t);
	sa_mk(&t, SPI2, AUTH_ALG_HMAC_SHA1_96, 0x41);
	sa_table_add(sas, &t);
	sa_mk(&t, SPI3, AUTH_ALG_HMAC_SHA256_128, 0x81);
	sa_table_add(sas, &t);
	sa_mk(&mn_sa1, SPI1, AUTH_ALG_HMAC_SHA256_128, 1);
	sa_mk(&mn_sa2, SPI2, AUTH_ALG_HMAC_SHA1_96, 0x41);
	sa_mk(&mn_sa3, SPI3, AUTH_ALG_HMAC_SHA256_128, 0x81);
	sa_mk(&bad_sa1, SPI1, AUTH_ALG_HMAC_SHA256_128, 2);	/* wrong key */
	sa_mk(&unknown_sa, SPI_UNKNOWN, AUTH_ALG_HMAC_SHA256_128, 1);
	return sa_table_count(sas) == 3 ? 0 : -1;
}

static int
suite_clean(void)
{
	sa_table_free(sas);
	sa_clear(&mn_sa1);
	sa_clear(&mn_sa2);
	sa_clear(&mn_sa3);
	sa_clear(&bad_sa1);
	sa_clear(&unknown_sa);
	return 0;
}

/* ---- fixture: a had_conf written by hand ---------------------------- */

static struct had_mn conf_mns[2];
static struct conf_prefix p32 = { .len = 32 }, p48 = { .len = 48 },
    p48b = { .len = 48 };
static struct had_dhp conf_dhps[6];

static void
conf_make(struct had_conf *c, bool skip_dad)
{
	memset(c, 0, sizeof(*c));
	c->address = HA;
	c->home_prefix.addr = A("2001:db8:10::");
	c->home_prefix.len = 64;
	c->max_lifetime = 600;
	c->skip_dad = skip_dad;
	c->validity = 300;
	memset(conf_mns, 0, sizeof(conf_mns));
	strcpy(conf_mns[0].name, "mn1");
	conf_mns[0].home_address = HOA1;
	conf_mns[0].spi = SPI1;
	strcpy(conf_mns[1].name, "mn2");
	conf_mns[1].home_address = HOA2;
	conf_mns[1].spi = SPI2;
	c->mns = conf_mns;
	c->nmns = 2;

	/* Directory: a /32 with the best preference, and five /48s. */
	p32.addr = A("2001:db8::");
	p48.addr = A("2001:db8:c1::");
	p48b.addr = A("2001:db8:c1::");
	memset(conf_dhps, 0, sizeof(conf_dhps));
	{
		static const struct {
			const char *addr;
			uint8_t pref;
			uint16_t metric;
			bool coloc;
			struct conf_prefix *p;
		} d[] = {
			{ "2001:db8:f::1", 200, 1, false, &p32 },
			{ "2001:db8:f::11", 100, 10, false, &p48 },
			{ "2001:db8:f::22", 100, 5, false, &p48 },
			{ "2001:db8:f::33", 150, 50, true, &p48 },
			{ "2001:db8:f::21", 100, 5, false, &p48b },
			{ "2001:db8:f::44", 10, 0, false, &p48 },
		};
		for (size_t i = 0; i < 6; i++) {
			snprintf(conf_dhps[i].name, CONF_NAME_MAX, "dhp%zu", i);
			conf_dhps[i].address = A(d[i].addr);
			conf_dhps[i].preference = d[i].pref;
			conf_dhps[i].metric = d[i].metric;
			conf_dhps[i].colocated = d[i].coloc;
			conf_dhps[i].serves = d[i].p;
			conf_dhps[i].nserves = 1;
		}
	}
	c->dhps = conf_dhps;
	c->ndhps = 6;
}

static struct ha_engine *
engine(bool skip_dad)
{
	struct had_conf c;
	struct ha_engine *e;

	conf_make(&c, skip_dad);
	e = ha_engine_new(&c, sas);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

/* ---- message builders ------------------------------------------------ */

struct pkt {
	uint8_t		buf[512];
	size_t		len;
	struct in6_addr	src;
};

/* A signed home-registration BU from mn1 at coa (A|H, MESG-ID). */
static struct mh_msg
bu_msg(uint16_t seq, uint16_t life, const struct in6_addr *hoa,
    uint64_t mesgid)
{
	struct mh_msg m;

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_BU;
	m.u.bu.seq = seq;
	m.u.bu.flags = BU_F_A | BU_F_H;
	m.u.bu.lifetime = life;
	m.opt.present = MHO_HOA | MHO_MESGID | MHO_AUTH;
	m.opt.hoa = *hoa;
	m.opt.mesgid = mesgid;
	m.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	return m;
}

/* Build m, sign with sa over coa || m.opt.hoa (AUTH only if present). */
static void
pkt_make(struct pkt *p, struct mh_msg *m, const struct mh_sa *sa,
    const struct in6_addr *src)
{
	size_t auth_off = 0;
	ssize_t n;
	const struct in6_addr *coa = (m->opt.present & MHO_ALTCOA) ?
	    &m->opt.altcoa : src;

	if (sa != NULL) {
		m->opt.auth_spi = sa->spi;
		m->opt.auth_mac_len = (uint8_t)auth_alg_mac_len(sa->alg);
	}
	n = mh_build(m, p->buf, sizeof(p->buf), &auth_off);
	CU_ASSERT_FATAL(n > 0);
	p->len = (size_t)n;
	p->src = *src;
	if (m->opt.present & MHO_AUTH)
		CU_ASSERT_FATAL(mh_auth_sign(p->buf, p->len, auth_off, sa, coa,
		    &m->opt.hoa) == 0);
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

/* BU from mn1 at coa, sent at NOW0 + t ms, MESG-ID = that time. */
static enum ha_verdict
send_bu(struct ha_engine *e, uint16_t seq, uint16_t life,
    const struct in6_addr *coa, uint64_t t, struct ha_result *res)
{
	struct mh_msg m = bu_msg(seq, life, &HOA1, ntp_at(t));
	struct pkt p;

	pkt_make(&p, &m, &mn_sa1, coa);
	return feed(e, &p, NOW0 + t, ntp_at(t), res);
}

/* Encode the reply, parse it back, check its AUTH with the MN's SA. */
static void
reply_decode(const struct ha_result *res, const struct mh_sa *mn_sa,
    struct mh_msg *out)
{
	uint8_t buf[512];
	ssize_t n;

	CU_ASSERT_FATAL(res->has_reply);
	n = ha_reply_encode(&res->reply, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_FATAL(mh_parse(buf, (size_t)n, out) == MH_OK);
	CU_ASSERT_EQUAL(mh_auth_verify(buf, (size_t)n, &out->opt, mn_sa,
	    &res->reply.auth_coa, &res->reply.auth_hoa), 0);
}

static bool
eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Register mn1 at coa (seq, t) and check it was accepted. */
static void
reg(struct ha_engine *e, uint16_t seq, const struct in6_addr *coa,
    uint64_t t)
{
	struct ha_result r;

	CU_ASSERT_EQUAL_FATAL(send_bu(e, seq, 150, coa, t, &r),
	    HA_V_ACCEPTED);
}

/* ---- BU tests ------------------------------------------------------- */

static void
test_first_registration(void)
{
	struct ha_engine *e = engine(true);
	struct ha_result r;
	struct mh_msg ba;
	const struct bce *b;

	CU_ASSERT_EQUAL(send_bu(e, 7, 150, &COA1, 0, &r), HA_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT(r.has_action);
	CU_ASSERT_EQUAL(r.action.kind, HA_ACT_BIND_ADD);
	CU_ASSERT(eq(&r.action.hoa, &HOA1));
	CU_ASSERT(eq(&r.action.coa, &COA1));
	CU_ASSERT_FALSE(r.dad_start);
	CU_ASSERT(eq(&r.reply.dst, &COA1));
	CU_ASSERT(eq(&r.reply.auth_coa, &COA1));
	CU_ASSERT(eq(&r.reply.auth_hoa, &HOA1));
	CU_ASSERT_EQUAL(r.reply.msg.opt.auth_spi, SPI1);
	CU_ASSERT_EQUAL(r.reply.msg.opt.auth_mac_len, 16);
	reply_decode(&r, &mn_sa1, &ba);
	CU_ASSERT_EQUAL(ba.type, MH_TYPE_BA);
	CU_ASSERT_EQUAL(ba.u.ba.status, 0);
	CU_ASSERT_EQUAL(ba.u.ba.flags, 0);
	CU_ASSERT_EQUAL(ba.u.ba.seq, 7);
	CU_ASSERT_EQUAL(ba.u.ba.lifetime, 150);
	CU_ASSERT_EQUAL(ba.opt.present, MHO_BRA | MHO_MESGID | MHO_AUTH);
	CU_ASSERT_EQUAL(ba.opt.bra, 120);	/* 80 % of 150 */
	CU_ASSERT_EQUAL(ba.opt.mesgid, ntp_at(0));
	CU_ASSERT_EQUAL(ba.opt.auth_spi, SPI1);
	b = ha_engine_find(e, &HOA1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->state, BCE_ACTIVE);
	CU_ASSERT(eq(&b->coa, &COA1));
	CU_ASSERT_EQUAL(b->seq, 7);
	CU_ASSERT_EQUAL(b->lifetime, 150);
	CU_ASSERT_EQUAL(b->spi, SPI1);
	CU_ASSERT_EQUAL(b->mesgid, ntp_at(0));
	CU_ASSERT_EQUAL(b->created_ms, NOW0);
	CU_ASSERT_EQUAL(bce_expiry(b), NOW0 + 600000);
	CU_ASSERT_EQUAL(ha_engine_next_expiry(e), NOW0 + 600000);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->rx_bu, 1);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->bind_added, 1);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->bu_status[0], 1);
	ha_engine_free(e);
}

static void
test_refresh_and_move(void)
{
	struct ha_engine *e = engine(true);
	struct ha_result r;
	struct mh_msg ba;
	const struct bce *b;

	reg(e, 1, &COA1, 0);
	/* Refresh, same CoA: no data-plane action. */
	CU_ASSERT_EQUAL(send_bu(e, 2, 100, &COA1, 5000, &r), HA_V_ACCEPTED);
	CU_ASSERT_FALSE(r.has_action);
	reply_decode(&r, &mn_sa1, &ba);
	CU_ASSERT_EQUAL(ba.u.ba.seq, 2);
	CU_ASSERT_EQUAL(ba.u.ba.lifetime, 100);
	CU_ASSERT_EQUAL(ba.opt.bra, 80);
	b = ha_engine_find(e, &HOA1);
	CU_ASSERT_EQUAL(bce_expiry(b), NOW0 + 5000 + 400000);
	CU_ASSERT_EQUAL(b->updated_ms, NOW0 + 5000);
	CU_ASSERT_EQUAL(b->created_ms, NOW0);
	/* Move. */
	CU_ASSERT_EQUAL(send_bu(e, 3, 150, &COA2, 6000, &r), HA_V_ACCEPTED);
	CU_ASSERT(r.has_action);
	CU_ASSERT_EQUAL(r.action.kind, HA_ACT_BIND_MOVE);
	CU_ASSERT(eq(&r.action.hoa, &HOA1));
	CU_ASSERT(eq(&r.action.coa, &COA2));
	CU_ASSERT(eq(&r.action.old_coa, &COA1));
	CU_ASSERT(eq(&r.reply.dst, &COA2));
	reply_decode(&r, &mn_sa1, &ba);
	CU_ASSERT_EQUAL(ba.u.ba.seq, 3);
	CU_ASSERT(eq(&ha_engine_find(e, &HOA1)->coa, &COA2));
	CU_ASSERT_EQUAL(ha_engine_stats(e)->bind_refreshed, 1);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->bind_moved, 1);
	CU_ASSERT_EQUAL(bcache_count(ha_engine_bcache(e)), 1);
	ha_engine_free(e);
}

static void
test_dereg_lifetime0(void)
{
	struct ha_engine *e = engine(true);
	struct ha_result r;
	struct mh_msg ba;

	reg(e, 1, &COA1, 0);
	CU_ASSERT_EQUAL(send_bu(e, 2, 0, &COA1, 1000, &r), HA_V_ACCEPTED);
	CU_ASSERT(r.has_action);
	CU_ASSERT_EQUAL(r.action.kind, HA_ACT_BIND_DEL);
	CU_ASSERT(eq(&r.action.hoa, &HOA1));
	CU_ASSERT(eq(&r.action.coa, &COA1));
	reply_decode(&r, &mn_sa1, &ba);
	CU_ASSERT_EQUAL(ba.u.ba.status, 0);
	CU_ASSERT_EQUAL(ba.u.ba.seq, 2);
	CU_ASSERT_EQUAL(ba.u.ba.lifetime, 0);
	CU_ASSERT_FALSE(ba.opt.present & MHO_BRA);
	CU_ASSERT_PTR_NULL(ha_engine_find(e, &HOA1));
	CU_ASSERT_EQUAL(ha_engine_next_expiry(e), BCACHE_NO_EXPIRY);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->bind_deleted, 1);
	/* RFC 6275 10.3.2: no binding to delete -> 133. */
	CU_ASSERT_EQUAL(send_bu(e, 3, 0, &COA1, 2000, &r), HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_NOT_HA_FOR_MN);
	CU_ASSERT_FALSE(r.has_action);
	ha_engine_free(e);
}

static void
test_dereg_coa_is_hoa(void)
{
	struct ha_engine *e = engine(true);
	struct ha_result r;
	struct mh_msg ba;

	reg(e, 1, &COA1, 0);
	/* RFC 6275 11.5.4: back home, the BU comes from the HoA. */
	CU_ASSERT_EQUAL(send_bu(e, 2, 150, &HOA1, 1000, &r), HA_V_ACCEPTED);
	CU_ASSERT(r.has_action);
	CU_ASSERT_EQUAL(r.action.kind, HA_ACT_BIND_DEL);
	CU_ASSERT(eq(&r.action.coa, &COA1));
	CU_ASSERT(eq(&r.reply.dst, &HOA1));
	reply_decode(&r, &mn_sa1, &ba);
	CU_ASSERT_EQUAL(ba.u.ba.status, 0);
	CU_ASSERT_EQUAL(ba.u.ba.lifetime, 0);
	CU_ASSERT_PTR_NULL(ha_engine_find(e, &HOA1));
	ha_engine_free(e);
}

struct acts {
	struct ha_action a[8];
	size_t n;
};

static void
collect(const struct ha_action *a, void *arg)
{
	struct acts *x = arg;

	if (x->n < 8)
		x->a[x->n] = *a;
	x->n++;
}

static void
test_expiry(void)
{
	struct ha_engine *e = engine(true);
	struct acts x = { .n = 0 };
	struct ha_result r;

	reg(e, 1, &COA1, 0);		/* 600 s */
	{
		struct mh_msg m = bu_msg(1, 25, &HOA2, ntp_at(0));	/* 100 s */
		struct pkt p;

		pkt_make(&p, &m, &mn_sa2, &COA2);
		CU_ASSERT_EQUAL(feed(e, &p, NOW0, ntp_at(0), &r),
		    HA_V_ACCEPTED);
	}
	CU_ASSERT_EQUAL(ha_engine_next_expiry(e), NOW0 + 100000);
	CU_ASSERT_EQUAL(ha_engine_expire(e, NOW0 + 99999, collect, &x), 0);
	CU_ASSERT_EQUAL(x.n, 0);
	CU_ASSERT_EQUAL(ha_engine_expire(e, NOW0 + 100000, collect, &x), 1);
	CU_ASSERT_EQUAL_FATAL(x.n, 1);
	CU_ASSERT_EQUAL(x.a[0].kind, HA_ACT_BIND_DEL);
	CU_ASSERT(eq(&x.a[0].hoa, &HOA2));
	CU_ASSERT(eq(&x.a[0].coa, &COA2));
	CU_ASSERT_PTR_NULL(ha_engine_find(e, &HOA2));
	CU_ASSERT_PTR_NOT_NULL(ha_engine_find(e, &HOA1));
	CU_ASSERT_EQUAL(ha_engine_next_expiry(e), NOW0 + 600000);
	CU_ASSERT_EQUAL(ha_engine_expire(e, NOW0 + 700000, collect, &x), 1);
	CU_ASSERT_EQUAL_FATAL(x.n, 2);
	CU_ASSERT(eq(&x.a[1].hoa, &HOA1));
	CU_ASSERT_EQUAL(bcache_count(ha_engine_bcache(e)), 0);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->bind_expired, 2);
	ha_engine_free(e);
}

static void
test_wrong_key(void)
{
	struct ha_engine *e = engine(true);
	struct mh_msg m = bu_msg(2, 150, &HOA1, ntp_at(1000)), ba;
	struct ha_result r;
	struct pkt p;
	const struct bce *b;

	reg(e, 1, &COA1, 0);
	/* Forged move to COA2 with the right SPI but a wrong key. */
	pkt_make(&p, &m, &bad_sa1, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 1000, ntp_at(1000), &r),
	    HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_AUTH_FAIL);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT(eq(&r.reply.dst, &COA2));	/* the IPv6 source */
	reply_decode(&r, &mn_sa1, &ba);		/* signed with the real SA */
	CU_ASSERT_EQUAL(ba.u.ba.status, BA_STATUS_AUTH_FAIL);
	CU_ASSERT_EQUAL(ba.u.ba.seq, 2);
	CU_ASSERT_EQUAL(ba.u.ba.lifetime, 0);
	b = ha_engine_find(e, &HOA1);
	CU_ASSERT(eq(&b->coa, &COA1));
	CU_ASSERT_EQUAL(b->seq, 1);
	CU_ASSERT_EQUAL(bce_expiry(b), NOW0 + 600000);
	/* The next genuine BU (seq 2) is still fresh: nothing moved. */
	reg(e, 2, &COA1, 2000);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->bu_status[BA_STATUS_AUTH_FAIL],
	    1);
	ha_engine_free(e);
}

static void
test_silent_drops(void)
{
	struct ha_engine *e = engine(true);
	struct mh_msg m = bu_msg(1, 150, &HOA1, ntp_at(0));
	struct ha_result r;
	struct pkt p;
	const struct ha_stats *st = ha_engine_stats(e);

	pkt_make(&p, &m, &unknown_sa, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0, ntp_at(0), &r), HA_V_DROPPED);
	CU_ASSERT_FALSE(r.has_reply);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT_EQUAL(st->drop_unknown_spi, 1);
	/* No AUTH option. */
	m = bu_msg(1, 150, &HOA1, ntp_at(0));
	m.opt.present &= ~MHO_AUTH;
	pkt_make(&p, &m, NULL, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0, ntp_at(0), &r), HA_V_DROPPED);
	CU_ASSERT_FALSE(r.has_reply);
	CU_ASSERT_EQUAL(st->drop_no_auth, 1);
	/* No Home Address option. */
	m = bu_msg(1, 150, &HOA1, ntp_at(0));
	m.opt.present &= ~MHO_HOA;
	pkt_make(&p, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0, ntp_at(0), &r), HA_V_DROPPED);
	CU_ASSERT_FALSE(r.has_reply);
	CU_ASSERT_EQUAL(st->drop_no_hoa, 1);
	/* A BA is not for a home agent. */
	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_BA;
	pkt_make(&p, &m, NULL, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0, ntp_at(0), &r), HA_V_DROPPED);
	CU_ASSERT_EQUAL(st->rx_other, 1);
	CU_ASSERT_EQUAL(st->rx_bu, 3);
	CU_ASSERT_EQUAL(bcache_count(ha_engine_bcache(e)), 0);
	ha_engine_free(e);
}

static void
test_replay(void)
{
	struct ha_engine *e = engine(true);
	struct mh_msg m = bu_msg(1, 150, &HOA1, ntp_at(0)), ba;
	struct ha_result r;
	struct pkt p, p2;
	const struct bce *b;

	pkt_make(&p, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0, ntp_at(0), &r), HA_V_ACCEPTED);
	/* The same bytes 2 s later, still inside the 7 s window. */
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2000, ntp_at(2000), &r),
	    HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	CU_ASSERT_FALSE(r.has_action);
	reply_decode(&r, &mn_sa1, &ba);
	CU_ASSERT_EQUAL(ba.opt.mesgid, ntp_at(2000));	/* the HA's time */
	b = ha_engine_find(e, &HOA1);
	CU_ASSERT_EQUAL(b->updated_ms, NOW0);
	CU_ASSERT_EQUAL(bce_expiry(b), NOW0 + 600000);
	/* Deregister, then replay the registration: still a replay. */
	m = bu_msg(2, 0, &HOA1, ntp_at(3000));
	pkt_make(&p2, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p2, NOW0 + 3000, ntp_at(3000), &r),
	    HA_V_ACCEPTED);
	CU_ASSERT_PTR_NULL(ha_engine_find(e, &HOA1));
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 4000, ntp_at(4000), &r),
	    HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT_PTR_NULL(ha_engine_find(e, &HOA1));
	ha_engine_free(e);
}

static void
test_stale_seq_and_wrap(void)
{
	struct ha_engine *e = engine(true);
	struct ha_result r;
	struct mh_msg ba;

	reg(e, 10, &COA1, 0);
	CU_ASSERT_EQUAL(send_bu(e, 10, 150, &COA2, 1000, &r), HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_SEQ_OUT_OF_WINDOW);
	CU_ASSERT_FALSE(r.has_action);
	reply_decode(&r, &mn_sa1, &ba);
	CU_ASSERT_EQUAL(ba.u.ba.seq, 10);	/* last accepted (B.3) */
	CU_ASSERT_EQUAL(ba.opt.mesgid, ntp_at(1000));	/* echoed */
	CU_ASSERT_EQUAL(send_bu(e, 9, 150, &COA2, 2000, &r), HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_SEQ_OUT_OF_WINDOW);
	CU_ASSERT_EQUAL(r.reply.msg.u.ba.seq, 10);
	/* 10 + 0x8000 is not newer either (9.5.1). */
	CU_ASSERT_EQUAL(send_bu(e, 10 + 0x8000, 150, &COA2, 2500, &r),
	    HA_V_REJECTED);
	CU_ASSERT(eq(&ha_engine_find(e, &HOA1)->coa, &COA1));
	/* Wrap-around: 10 -> 0x8000 -> 0xFFFF -> 0. */
	reg(e, 0x8000, &COA1, 2800);
	reg(e, 0xFFFF, &COA1, 3000);
	reg(e, 0, &COA1, 4000);
	CU_ASSERT_EQUAL(ha_engine_find(e, &HOA1)->seq, 0);
	CU_ASSERT_EQUAL(send_bu(e, 0xFFFF, 150, &COA1, 5000, &r),
	    HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.reply.msg.u.ba.seq, 0);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->bu_status[135], 4);
	ha_engine_free(e);
}

static void
test_mesgid_window(void)
{
	struct ha_engine *e = engine(true);
	struct mh_msg m, ba;
	struct ha_result r;
	struct pkt p;

	/* MN clock 8 s behind (window 7 s). */
	m = bu_msg(1, 150, &HOA1, ntp_at(10000 - 8000));
	pkt_make(&p, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 10000, ntp_at(10000), &r),
	    HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	reply_decode(&r, &mn_sa1, &ba);
	CU_ASSERT_EQUAL(ba.u.ba.status, BA_STATUS_ID_MISMATCH);
	CU_ASSERT(ba.opt.present & MHO_MESGID);
	CU_ASSERT_EQUAL(ba.opt.mesgid, ntp_at(10000));
	CU_ASSERT_EQUAL(ba.u.ba.seq, 1);
	/* 8 s ahead. */
	m = bu_msg(2, 150, &HOA1, ntp_at(10000 + 8000));
	pkt_make(&p, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 10000, ntp_at(10000), &r),
	    HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	/* Missing MESG-ID. */
	m = bu_msg(3, 150, &HOA1, 0);
	m.opt.present &= ~MHO_MESGID;
	pkt_make(&p, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 10000, ntp_at(10000), &r),
	    HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_MESGID_REQD);
	reply_decode(&r, &mn_sa1, &ba);
	CU_ASSERT_EQUAL(ba.u.ba.status, BA_STATUS_MESGID_REQD);
	CU_ASSERT_FALSE(ba.opt.present & MHO_MESGID);
	CU_ASSERT_EQUAL(bcache_count(ha_engine_bcache(e)), 0);
	/* 6 s behind is inside the window. */
	m = bu_msg(4, 150, &HOA1, ntp_at(10000 - 6000));
	pkt_make(&p, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 10000, ntp_at(10000), &r),
	    HA_V_ACCEPTED);
	ha_engine_free(e);
}

/* Sign m (mn1's SA unless sa) at COA1, feed at t, return the status. */
static int
status_of(struct ha_engine *e, struct mh_msg *m, const struct mh_sa *sa,
    uint64_t t, struct ha_result *r)
{
	struct pkt p;

	pkt_make(&p, m, sa ? sa : &mn_sa1, &COA1);
	feed(e, &p, NOW0 + t, ntp_at(t), r);
	return r->has_reply ? r->reply.msg.u.ba.status : -1;
}

static void
test_identity_and_flags(void)
{
	struct ha_engine *e = engine(true);
	struct ha_result r;
	struct mh_msg m;

	m = bu_msg(1, 150, &HOA_OUT, ntp_at(0));
	CU_ASSERT_EQUAL(status_of(e, &m, NULL, 0, &r),
	    BA_STATUS_NOT_HOME_SUBNET);
	CU_ASSERT(eq(&r.reply.dst, &COA1));
	m = bu_msg(1, 150, &HOA_OTHER, ntp_at(0));
	CU_ASSERT_EQUAL(status_of(e, &m, NULL, 0, &r),
	    BA_STATUS_NOT_HA_FOR_MN);
	/* mn1's HoA with mn2's valid SA: not its SA. */
	m = bu_msg(1, 150, &HOA1, ntp_at(0));
	CU_ASSERT_EQUAL(status_of(e, &m, &mn_sa2, 0, &r),
	    BA_STATUS_AUTH_FAIL);
	/* ... or an SA no MN has. */
	m = bu_msg(1, 150, &HOA1, ntp_at(0));
	CU_ASSERT_EQUAL(status_of(e, &m, &mn_sa3, 0, &r),
	    BA_STATUS_AUTH_FAIL);
	m = bu_msg(1, 150, &HOA1, ntp_at(0));
	m.u.bu.flags = BU_F_A;
	CU_ASSERT_EQUAL(status_of(e, &m, NULL, 0, &r), BA_STATUS_PROHIBITED);
	m = bu_msg(1, 150, &HOA1, ntp_at(0));
	m.u.bu.flags |= BU_F_P;
	CU_ASSERT_EQUAL(status_of(e, &m, NULL, 0, &r),
	    BA_STATUS_PROXY_REG_NOT_ENABLED);
	CU_ASSERT_EQUAL(bcache_count(ha_engine_bcache(e)), 0);
	/* None of those moved mn1's replay state: t = 0 still fresh. */
	m = bu_msg(1, 150, &HOA1, ntp_at(0));
	CU_ASSERT_EQUAL(status_of(e, &m, NULL, 0, &r), 0);
	ha_engine_free(e);
}

static void
test_lifetime_cap_and_no_ack(void)
{
	struct ha_engine *e = engine(true);
	struct ha_result r;
	struct mh_msg m;

	CU_ASSERT_EQUAL(send_bu(e, 1, 0xFFFF, &COA1, 0, &r), HA_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.reply.msg.u.ba.lifetime, 150);	/* 600 s */
	CU_ASSERT_EQUAL(r.reply.msg.opt.bra, 120);
	CU_ASSERT_EQUAL(ha_engine_find(e, &HOA1)->lifetime, 150);
	CU_ASSERT_EQUAL(ha_engine_next_expiry(e), NOW0 + 600000);
	/* 1 unit: BRA never 0. */
	CU_ASSERT_EQUAL(send_bu(e, 2, 1, &COA1, 1000, &r), HA_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.reply.msg.u.ba.lifetime, 1);
	CU_ASSERT_EQUAL(r.reply.msg.opt.bra, 1);
	/* A = 0: accepted without a BA. */
	m = bu_msg(3, 150, &HOA1, ntp_at(2000));
	m.u.bu.flags = BU_F_H;
	CU_ASSERT_EQUAL(status_of(e, &m, NULL, 2000, &r), -1);
	CU_ASSERT_EQUAL(r.verdict, HA_V_ACCEPTED);
	CU_ASSERT_EQUAL(ha_engine_find(e, &HOA1)->seq, 3);
	ha_engine_free(e);
}

static void
test_altcoa_and_bad_coa(void)
{
	struct ha_engine *e = engine(true);
	struct mh_msg m;
	struct ha_result r;
	struct pkt p;

	/* Sent from COA3, Alternate CoA = COA2: the binding uses COA2 and
	 * the MAC covers COA2. */
	m = bu_msg(1, 150, &HOA1, ntp_at(0));
	m.opt.present |= MHO_ALTCOA;
	m.opt.altcoa = COA2;
	pkt_make(&p, &m, &mn_sa1, &COA3);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0, ntp_at(0), &r), HA_V_ACCEPTED);
	CU_ASSERT(eq(&r.action.coa, &COA2));
	CU_ASSERT(eq(&r.reply.dst, &COA2));
	CU_ASSERT(eq(&r.reply.auth_coa, &COA2));
	/* A link-local CoA: 174 to the source, nothing changes. */
	m = bu_msg(2, 150, &HOA1, ntp_at(1000));
	m.opt.present |= MHO_ALTCOA;
	m.opt.altcoa = LL;
	pkt_make(&p, &m, &mn_sa1, &COA3);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 1000, ntp_at(1000), &r),
	    HA_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_INVALID_COA);
	CU_ASSERT(eq(&r.reply.dst, &COA3));
	CU_ASSERT(eq(&ha_engine_find(e, &HOA1)->coa, &COA2));
	ha_engine_free(e);
}

static void
test_dad(void)
{
	struct ha_engine *e = engine(false);
	struct ha_result r;
	struct mh_msg ba;

	CU_ASSERT_EQUAL(send_bu(e, 1, 150, &COA1, 0, &r), HA_V_DAD_PENDING);
	CU_ASSERT(r.dad_start);
	CU_ASSERT(eq(&r.dad_hoa, &HOA1));
	CU_ASSERT_FALSE(r.has_reply);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT_EQUAL(ha_engine_find(e, &HOA1)->state, BCE_DAD);
	/* A retransmission during DAD (new seq, new CoA): no reply yet. */
	CU_ASSERT_EQUAL(send_bu(e, 2, 100, &COA2, 1500, &r),
	    HA_V_DAD_PENDING);
	CU_ASSERT_FALSE(r.dad_start);
	CU_ASSERT_FALSE(r.has_reply);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT(ha_engine_dad_done(e, &HOA1, true, NOW0 + 2000, &r));
	CU_ASSERT_EQUAL(r.verdict, HA_V_ACCEPTED);
	CU_ASSERT(r.has_action);
	CU_ASSERT_EQUAL(r.action.kind, HA_ACT_BIND_ADD);
	CU_ASSERT(eq(&r.action.coa, &COA2));
	CU_ASSERT(eq(&r.reply.dst, &COA2));
	reply_decode(&r, &mn_sa1, &ba);
	CU_ASSERT_EQUAL(ba.u.ba.status, 0);
	CU_ASSERT_EQUAL(ba.u.ba.seq, 2);
	CU_ASSERT_EQUAL(ba.u.ba.lifetime, 100);
	CU_ASSERT_EQUAL(ba.opt.mesgid, ntp_at(1500));
	CU_ASSERT_EQUAL(ha_engine_find(e, &HOA1)->state, BCE_ACTIVE);
	CU_ASSERT_FALSE(ha_engine_dad_done(e, &HOA1, true, NOW0 + 2000, &r));
	CU_ASSERT_FALSE(r.has_reply);
	/* mn2: DAD fails -> 134, entry gone, no action. */
	{
		struct mh_msg m = bu_msg(5, 150, &HOA2, ntp_at(3000));
		struct pkt p;

		pkt_make(&p, &m, &mn_sa2, &COA3);
		CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 3000, ntp_at(3000), &r),
		    HA_V_DAD_PENDING);
	}
	CU_ASSERT(ha_engine_dad_done(e, &HOA2, false, NOW0 + 4000, &r));
	CU_ASSERT_EQUAL(r.verdict, HA_V_REJECTED);
	CU_ASSERT_FALSE(r.has_action);
	reply_decode(&r, &mn_sa2, &ba);
	CU_ASSERT_EQUAL(ba.u.ba.status, BA_STATUS_DAD_FAILED);
	CU_ASSERT_EQUAL(ba.u.ba.seq, 5);
	CU_ASSERT_PTR_NULL(ha_engine_find(e, &HOA2));
	CU_ASSERT_EQUAL(ha_engine_stats(e)->dad_started, 2);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->dad_failed, 1);
	/* An entry that expires in DAD has nothing to delete. */
	{
		struct acts x = { .n = 0 };
		struct mh_msg m = bu_msg(6, 150, &HOA2, ntp_at(5000));
		struct pkt p;

		pkt_make(&p, &m, &mn_sa2, &COA3);
		feed(e, &p, NOW0 + 5000, ntp_at(5000), &r);
		CU_ASSERT_EQUAL(ha_engine_expire(e, NOW0 + 605000, collect,
		    &x), 2);
		CU_ASSERT_EQUAL(x.n, 1);	/* only mn1's */
		CU_ASSERT(eq(&x.a[0].hoa, &HOA1));
	}
	ha_engine_free(e);
}

/* dad_done with the address taken from the result it fills (had passes
 * &res->dad_hoa), and forget() for a binding the kernel refused. */
static void
test_dad_alias_and_forget(void)
{
	struct ha_engine *e = engine(false);
	struct ha_result r;

	CU_ASSERT_EQUAL(send_bu(e, 1, 150, &COA1, 0, &r), HA_V_DAD_PENDING);
	CU_ASSERT(ha_engine_dad_done(e, &r.dad_hoa, true, NOW0 + 1000, &r));
	CU_ASSERT_EQUAL(r.verdict, HA_V_ACCEPTED);
	CU_ASSERT(r.has_action);
	CU_ASSERT(eq(&r.action.hoa, &HOA1));
	CU_ASSERT_PTR_NOT_NULL(ha_engine_find(e, &HOA1));
	CU_ASSERT(ha_engine_forget(e, &HOA1));
	CU_ASSERT_PTR_NULL(ha_engine_find(e, &HOA1));
	CU_ASSERT_FALSE(ha_engine_forget(e, &HOA1));
	CU_ASSERT_EQUAL(ha_engine_next_expiry(e), BCACHE_NO_EXPIRY);
	ha_engine_free(e);
}

/* Many mobile nodes on one SA: the MN table and the cache at scale. */
static void
test_many_mns(void)
{
	enum { N = 2000 };
	struct had_conf c;
	struct had_mn *mns = calloc(N, sizeof(*mns));
	struct ha_engine *e;
	struct acts x = { .n = 0 };
	struct ha_result r;
	size_t bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mns);
	conf_make(&c, true);
	for (unsigned i = 0; i < N; i++) {
		mns[i].home_address = A("2001:db8:10::");
		mns[i].home_address.s6_addr[14] = (uint8_t)(i >> 8);
		mns[i].home_address.s6_addr[15] = (uint8_t)i;
		mns[i].spi = SPI1;
	}
	c.mns = mns;
	c.nmns = N;
	e = ha_engine_new(&c, sas);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	for (unsigned i = 0; i < N; i++) {
		struct mh_msg m = bu_msg(1, 1 + i % 10, &mns[i].home_address,
		    ntp_at(i));
		struct pkt p;

		pkt_make(&p, &m, &mn_sa1, &COA1);
		if (feed(e, &p, NOW0 + i, ntp_at(i), &r) != HA_V_ACCEPTED ||
		    !r.has_action)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(bcache_count(ha_engine_bcache(e)), N);
	CU_ASSERT_EQUAL(ha_engine_expire(e, NOW0 + 100000, collect, &x), N);
	CU_ASSERT_EQUAL(x.n, N);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->bind_expired, N);
	ha_engine_free(e);
	free(mns);
}

/* ---- DHP Query ------------------------------------------------------ */

static struct mh_msg
dq_msg(uint16_t seq, const char *cn, uint8_t max_cand, uint64_t mesgid)
{
	struct mh_msg m;

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_DHP_QUERY;
	m.u.dq.seq = seq;
	m.u.dq.max_cand = max_cand;
	m.u.dq.cn = A(cn);
	m.opt.present = MHO_HOA | MHO_MESGID | MHO_AUTH;
	m.opt.hoa = HOA1;
	m.opt.mesgid = mesgid;
	m.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	return m;
}

static void
query(struct ha_engine *e, struct mh_msg *m, const struct mh_sa *sa,
    struct ha_result *r)
{
	struct pkt p;

	pkt_make(&p, m, sa, &COA1);
	feed(e, &p, NOW0, ntp_at(0), r);
}

static void
test_dhp_query(void)
{
	struct ha_engine *e = engine(true);
	struct mh_msg m = dq_msg(33, "2001:db8:c1::5", 0, ntp_at(0)), dr;
	struct ha_result r;

	query(e, &m, &mn_sa1, &r);
	CU_ASSERT_EQUAL(r.verdict, HA_V_ACCEPTED);
	CU_ASSERT(eq(&r.reply.dst, &COA1));
	reply_decode(&r, &mn_sa1, &dr);
	CU_ASSERT_EQUAL(dr.type, MH_TYPE_DHP_REPLY);
	CU_ASSERT_EQUAL(dr.u.dr.seq, 33);
	CU_ASSERT_EQUAL(dr.u.dr.status, DMIP_STATUS_OK);
	CU_ASSERT_EQUAL(dr.u.dr.validity, 75);
	CU_ASSERT(eq(&dr.u.dr.cn, &m.u.dq.cn));
	CU_ASSERT_EQUAL(dr.opt.mesgid, ntp_at(0));
	/* /48 beats the /32 even with a better preference; 4 of the 5
	 * /48 DHPs, by preference then metric then address. */
	CU_ASSERT_EQUAL_FATAL(dr.u.dr.count, 4);
	CU_ASSERT_EQUAL_FATAL(dr.opt.n_cand, 4);
	CU_ASSERT(eq(&dr.opt.cand[0].addr, &conf_dhps[3].address));
	CU_ASSERT_EQUAL(dr.opt.cand[0].pref, 150);
	CU_ASSERT_EQUAL(dr.opt.cand[0].metric, 50);
	CU_ASSERT_EQUAL(dr.opt.cand[0].flags, DHP_CAND_F_COLOCATED);
	CU_ASSERT(eq(&dr.opt.cand[1].addr, &conf_dhps[4].address));
	CU_ASSERT(eq(&dr.opt.cand[2].addr, &conf_dhps[2].address));
	CU_ASSERT_EQUAL(dr.opt.cand[2].metric, 5);
	CU_ASSERT_EQUAL(dr.opt.cand[2].flags, 0);
	CU_ASSERT(eq(&dr.opt.cand[3].addr, &conf_dhps[1].address));
	CU_ASSERT_EQUAL(dr.opt.cand[3].metric, 10);
	/* max_cand 2. */
	m = dq_msg(34, "2001:db8:c1::5", 2, ntp_at(0));
	query(e, &m, &mn_sa1, &r);
	reply_decode(&r, &mn_sa1, &dr);
	CU_ASSERT_EQUAL_FATAL(dr.u.dr.count, 2);
	CU_ASSERT(eq(&dr.opt.cand[0].addr, &conf_dhps[3].address));
	CU_ASSERT(eq(&dr.opt.cand[1].addr, &conf_dhps[4].address));
	/* max_cand 8: all five /48 DHPs, the worst last. */
	m = dq_msg(35, "2001:db8:c1::5", 8, ntp_at(0));
	query(e, &m, &mn_sa1, &r);
	CU_ASSERT_EQUAL_FATAL(r.reply.msg.opt.n_cand, 5);
	CU_ASSERT(eq(&r.reply.msg.opt.cand[4].addr, &conf_dhps[5].address));
	/* Only the /32 covers this CN. */
	m = dq_msg(36, "2001:db8:c9::1", 0, ntp_at(0));
	query(e, &m, &mn_sa1, &r);
	CU_ASSERT_EQUAL(r.status, DMIP_STATUS_OK);
	CU_ASSERT_EQUAL_FATAL(r.reply.msg.opt.n_cand, 1);
	CU_ASSERT(eq(&r.reply.msg.opt.cand[0].addr, &conf_dhps[0].address));
	/* Nothing covers this one: USE_HA, no candidates, validity. */
	m = dq_msg(37, "2001:db9::1", 0, ntp_at(0));
	query(e, &m, &mn_sa1, &r);
	reply_decode(&r, &mn_sa1, &dr);
	CU_ASSERT_EQUAL(dr.u.dr.status, DMIP_STATUS_USE_HA);
	CU_ASSERT_EQUAL(dr.u.dr.count, 0);
	CU_ASSERT_EQUAL(dr.u.dr.validity, 75);
	CU_ASSERT_EQUAL(dr.u.dr.seq, 37);
	/* CN-initiated flow: always the HA (A.3.5). */
	m = dq_msg(38, "2001:db8:c1::5", 0, ntp_at(0));
	m.u.dq.flags = DHP_QUERY_F_I;
	query(e, &m, &mn_sa1, &r);
	CU_ASSERT_EQUAL(r.status, DMIP_STATUS_USE_HA);
	CU_ASSERT_EQUAL(r.reply.msg.opt.n_cand, 0);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->dq_status[0], 4);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->dq_status[1], 2);
	CU_ASSERT_EQUAL(bcache_count(ha_engine_bcache(e)), 0);
	ha_engine_free(e);
}

static void
test_dhp_query_forged(void)
{
	struct ha_engine *e = engine(true);
	struct mh_msg m = dq_msg(1, "2001:db8:c1::5", 0, ntp_at(0)), dr;
	struct ha_result r;

	query(e, &m, &bad_sa1, &r);
	CU_ASSERT_EQUAL(r.verdict, HA_V_REJECTED);
	reply_decode(&r, &mn_sa1, &dr);
	CU_ASSERT_EQUAL(dr.u.dr.status, BA_STATUS_AUTH_FAIL);
	CU_ASSERT_EQUAL(dr.u.dr.count, 0);
	CU_ASSERT_EQUAL(dr.u.dr.validity, 0);
	m = dq_msg(2, "2001:db8:c1::5", 0, ntp_at(0));
	query(e, &m, &unknown_sa, &r);
	CU_ASSERT_EQUAL(r.verdict, HA_V_DROPPED);
	CU_ASSERT_FALSE(r.has_reply);
	/* Outside the window. */
	m = dq_msg(3, "2001:db8:c1::5", 0, ntp_at(0) - (10ULL << 32));
	query(e, &m, &mn_sa1, &r);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	CU_ASSERT_EQUAL(r.reply.msg.opt.mesgid, ntp_at(0));
	/* Someone else's HoA. */
	m = dq_msg(4, "2001:db8:c1::5", 0, ntp_at(0));
	m.opt.hoa = HOA_OTHER;
	query(e, &m, &mn_sa1, &r);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_PROHIBITED);
	m = dq_msg(5, "2001:db8:c1::5", 0, ntp_at(0));
	query(e, &m, &mn_sa2, &r);	/* mn1's HoA, mn2's SA */
	CU_ASSERT_EQUAL(r.status, BA_STATUS_AUTH_FAIL);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->drop_unknown_spi, 1);
	CU_ASSERT_EQUAL(ha_engine_stats(e)->rx_dhp_query, 5);
	ha_engine_free(e);
}

static void
test_dhp_dir_direct(void)
{
	struct had_conf c;
	struct dhp_dir *d;
	struct mh_dhp_cand out[4];
	struct in6_addr cn = A("2001:db8:c1::5");
	unsigned plen = 99;

	conf_make(&c, true);
	d = dhp_dir_new(c.dhps, c.ndhps);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(dhp_dir_count(d), 6);
	CU_ASSERT_EQUAL(dhp_dir_lookup(d, &cn, out, 0, &plen), 0);
	CU_ASSERT_EQUAL(plen, 48);
	CU_ASSERT_EQUAL(dhp_dir_lookup(d, &cn, out, 1, NULL), 1);
	CU_ASSERT(eq(&out[0].addr, &c.dhps[3].address));
	cn = A("3000::1");
	CU_ASSERT_EQUAL(dhp_dir_lookup(d, &cn, out, 4, &plen), 0);
	CU_ASSERT_EQUAL(plen, 0);
	dhp_dir_free(d);
	/* Empty directory. */
	d = dhp_dir_new(NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(dhp_dir_lookup(d, &cn, out, 4, NULL), 0);
	dhp_dir_free(d);
}

static const CU_TestInfo bu_tests[] = {
	{ "first registration", test_first_registration },
	{ "refresh and move", test_refresh_and_move },
	{ "deregistration: lifetime 0", test_dereg_lifetime0 },
	{ "deregistration: CoA == HoA", test_dereg_coa_is_hoa },
	{ "expiry", test_expiry },
	{ "DAD result aliasing, forget", test_dad_alias_and_forget },
	{ "wrong key: 146, no change", test_wrong_key },
	{ "silent drops", test_silent_drops },
	{ "replayed BU", test_replay },
	{ "stale sequence and wrap-around", test_stale_seq_and_wrap },
	{ "MESG-ID window and missing", test_mesgid_window },
	{ "home subnet, MN, SA, flags", test_identity_and_flags },
	{ "lifetime cap, BRA, A = 0", test_lifetime_cap_and_no_ack },
	{ "alternate CoA, invalid CoA", test_altcoa_and_bad_coa },
	{ "DAD before the first registration", test_dad },
	{ "2000 mobile nodes", test_many_mns },
	CU_TEST_INFO_NULL,
};

static const CU_TestInfo dq_tests[] = {
	{ "longest prefix, order, max_cand, USE_HA", test_dhp_query },
	{ "forged and refused queries", test_dhp_query_forged },
	{ "directory lookup", test_dhp_dir_direct },
	CU_TEST_INFO_NULL,
};

static int
cu_register(void)
{
	CU_pSuite s;

	/* One suite with init/clean for the SAs; CU_SUITE has none. */
	if ((s = CU_add_suite("ha_engine", suite_init, suite_clean)) == NULL)
		return -1;
	for (const CU_TestInfo *t = bu_tests; t->pName; t++)
		if (CU_add_test(s, t->pName, t->pTestFunc) == NULL)
			return -1;
	for (const CU_TestInfo *t = dq_tests; t->pName; t++)
		if (CU_add_test(s, t->pName, t->pTestFunc) == NULL)
			return -1;
	return 0;
}
