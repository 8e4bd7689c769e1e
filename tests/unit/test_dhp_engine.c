/*
 * test_dhp_engine.c: the DHP engine (dhp/dhp_engine.c) driven with DHoA
 * Requests and DHP-BUs built by mh_build() and signed by mh_auth_sign(),
 * with explicit time: one test per message and per status of C.4, the
 * RFC 6275 sequence and lifetime rules, replays, forgeries, expiry,
 * BRR, the delete delay, data-plane failures and reconfiguration.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "auth.h"
#include "dhp_engine.h"
#include "log.h"
#include "cu_main.h"

#define SPI1	8192		/* mn1, HMAC-SHA256-128 */
#define SPI2	8193		/* mn2, HMAC-SHA1-96 */
#define SPI3	8194		/* an SA no mobile node uses */
#define SPI4	8195		/* mn3, replay = seq-only (F.8) */
#define SPI_UNKNOWN 9000
#define T0_NTP	(0xE8754700ULL << 32)
#define NOW0	100000ULL	/* monotonic ms at the start */

static struct in6_addr DHP, HOA1, HOA2, HOA3, HOA_OTHER, COA1, COA2, COA3,
    LL, ANY;

static struct sa_table *sas;
static struct mh_sa mn_sa1, mn_sa2, mn_sa3, mn_sa4, bad_sa1, unknown_sa;

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
sa_mk(struct mh_sa *sa, uint32_t spi, enum auth_alg alg, uint8_t base)
{
	uint8_t key[32];

	for (size_t i = 0; i < auth_alg_key_len(alg); i++)
		key[i] = (uint8_t)(base + i);
	if (sa_init(sa, spi, alg, key, auth_alg_key_len(alg)) != 0)
		abort();
}

static int
suite_init(void)
{
	struct mh_sa t;

	DHP = A("2001:db8:f::11");
	HOA1 = A("2001:db8:10::100");
	HOA2 = A("2001:db8:10::200");
	HOA3 = A("2001:db8:10::300");
	HOA_OTHER = A("2001:db8:10::999");
	COA1 = A("2001:db8:1::100");
	COA2 = A("2001:db8:2::100");
	COA3 = A("2001:db8:3::100");
	LL = A("fe80::1");
	ANY = A("::");
	if ((sas = sa_table_new()) == NULL)
		return -1;
	sa_mk(&t, SPI1, AUTH_ALG_HMAC_SHA256_128, 1);
	sa_table_add(sas, &t);
	sa_mk(&t, SPI2, AUTH_ALG_HMAC_SHA1_96, 0x41);
	sa_table_add(sas, &t);
	sa_mk(&t, SPI3, AUTH_ALG_HMAC_SHA256_128, 0x81);
	sa_table_add(sas, &t);
	sa_mk(&t, SPI4, AUTH_ALG_HMAC_SHA256_128, 0x21);
	t.replay = REPLAY_SEQ_ONLY;
	sa_table_add(sas, &t);
	sa_mk(&mn_sa1, SPI1, AUTH_ALG_HMAC_SHA256_128, 1);
	sa_mk(&mn_sa2, SPI2, AUTH_ALG_HMAC_SHA1_96, 0x41);
	sa_mk(&mn_sa3, SPI3, AUTH_ALG_HMAC_SHA256_128, 0x81);
	sa_mk(&mn_sa4, SPI4, AUTH_ALG_HMAC_SHA256_128, 0x21);
	sa_mk(&bad_sa1, SPI1, AUTH_ALG_HMAC_SHA256_128, 2);	/* wrong key */
	sa_mk(&unknown_sa, SPI_UNKNOWN, AUTH_ALG_HMAC_SHA256_128, 1);
	return sa_table_count(sas) == 4 ? 0 : -1;
}

static int
suite_clean(void)
{
	sa_table_free(sas);
	sa_clear(&mn_sa1);
	sa_clear(&mn_sa2);
	sa_clear(&mn_sa3);
	sa_clear(&mn_sa4);
	sa_clear(&bad_sa1);
	sa_clear(&unknown_sa);
	return 0;
}

/* ---- fixture: a dhpd_conf written by hand ---------------------------- */

static struct dhpd_mn conf_mns[3];
static struct conf_prefix conf_pool;

static void
conf_make(struct dhpd_conf *c, const char *pool, unsigned max_leases)
{
	char err[64];

	memset(c, 0, sizeof(*c));
	c->address = DHP;
	if (conf_prefix_parse(pool, &conf_pool, err, sizeof(err)) != 0)
		abort();
	c->pools = &conf_pool;
	c->npools = 1;
	c->lease_lifetime = 600;
	c->binding_lifetime = 300;
	c->quarantine = 120;
	c->max_leases = max_leases;
	c->continuity[CONT_SESSION_LASTING] = true;
	c->continuity[CONT_GRACEFUL] = true;
	memset(conf_mns, 0, sizeof(conf_mns));
	strcpy(conf_mns[0].name, "mn1");
	conf_mns[0].home_address = HOA1;
	conf_mns[0].spi = SPI1;
	strcpy(conf_mns[1].name, "mn2");
	conf_mns[1].home_address = HOA2;
	conf_mns[1].spi = SPI2;
	strcpy(conf_mns[2].name, "mn3");
	conf_mns[2].home_address = HOA3;
	conf_mns[2].spi = SPI4;
	c->mns = conf_mns;
	c->nmns = 3;
}

static struct dhp_engine *
engine_pool(const char *pool, unsigned max_leases)
{
	struct dhpd_conf c;
	struct dhp_engine *e;

	conf_make(&c, pool, max_leases);
	e = dhp_engine_new(&c, sas, 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

static struct dhp_engine *
engine(void)
{
	return engine_pool("2001:db8:d1::/64", 1000);
}

/* ---- message builders ------------------------------------------------ */

struct pkt {
	uint8_t		buf[512];
	size_t		len;
	struct in6_addr	src;
};

/* A DHoA Request from hoa (MESG-ID, AUTH). */
static struct mh_msg
req_msg(uint16_t seq, uint8_t flags, uint8_t type, uint16_t life,
    const struct in6_addr *want, const struct in6_addr *hoa,
    const struct in6_addr *coa, uint64_t mesgid)
{
	struct mh_msg m;

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_DHOA_REQ;
	m.u.dreq.seq = seq;
	m.u.dreq.flags = flags;
	m.u.dreq.cont_type = type;
	m.u.dreq.lifetime = life;
	m.u.dreq.req_dhoa = *want;
	m.u.dreq.hoa = *hoa;
	m.u.dreq.coa = *coa;
	m.opt.present = MHO_MESGID | MHO_AUTH;
	m.opt.mesgid = mesgid;
	m.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	return m;
}

/* A DHP-BU from hoa (A, HoA option, MESG-ID, AUTH). */
static struct mh_msg
bu_msg(uint16_t seq, uint8_t flags, uint16_t life, const struct in6_addr *dhoa,
    const struct in6_addr *coa, const struct in6_addr *hoa, uint64_t mesgid)
{
	struct mh_msg m;

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_DHP_BU;
	m.u.dbu.seq = seq;
	m.u.dbu.flags = flags;
	m.u.dbu.lifetime = life;
	m.u.dbu.dhoa = *dhoa;
	m.u.dbu.coa = *coa;
	m.opt.present = MHO_HOA | MHO_MESGID | MHO_AUTH;
	m.opt.hoa = *hoa;
	m.opt.mesgid = mesgid;
	m.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	return m;
}

/* Build m and sign it over coa || hoa (B.8; AUTH only if present). */
static void
pkt_make(struct pkt *p, struct mh_msg *m, const struct mh_sa *sa,
    const struct in6_addr *src, const struct in6_addr *coa,
    const struct in6_addr *hoa)
{
	size_t auth_off = 0;
	ssize_t n;

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
		    hoa) == 0);
}

/* The signing addresses the engine uses: the message's CoA field (or
 * the source when ::) and its HoA. */
static void
pkt_sign(struct pkt *p, struct mh_msg *m, const struct mh_sa *sa,
    const struct in6_addr *src)
{
	const struct in6_addr *coa, *hoa;

	if (m->type == MH_TYPE_DHOA_REQ) {
		coa = &m->u.dreq.coa;
		hoa = &m->u.dreq.hoa;
	} else {
		coa = &m->u.dbu.coa;
		hoa = &m->opt.hoa;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(coa))
		coa = src;
	pkt_make(p, m, sa, src, coa, hoa);
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

/* DHoA Request from mn1 at coa at NOW0 + t (MESG-ID = that time). */
static enum dhp_verdict
send_req(struct dhp_engine *e, uint16_t seq, uint8_t flags, uint16_t life,
    const struct in6_addr *want, const struct in6_addr *coa, uint64_t t,
    struct dhp_result *res)
{
	struct mh_msg m = req_msg(seq, flags, CONT_SESSION_LASTING, life,
	    want, &HOA1, coa, ntp_at(t));
	struct pkt p;

	pkt_sign(&p, &m, &mn_sa1, coa);
	return feed(e, &p, NOW0 + t, ntp_at(t), res);
}

/* DHP-BU from mn1 at coa at NOW0 + t. */
static enum dhp_verdict
send_bu(struct dhp_engine *e, uint16_t seq, uint8_t flags, uint16_t life,
    const struct in6_addr *dhoa, const struct in6_addr *coa, uint64_t t,
    struct dhp_result *res)
{
	struct mh_msg m = bu_msg(seq, flags, life, dhoa, coa, &HOA1,
	    ntp_at(t));
	struct pkt p;

	pkt_sign(&p, &m, &mn_sa1, coa);
	return feed(e, &p, NOW0 + t, ntp_at(t), res);
}

/* Encode the reply, parse it back, check its AUTH with the MN's SA. */
static void
reply_decode(const struct dhp_result *res, const struct mh_sa *mn_sa,
    struct mh_msg *out)
{
	uint8_t buf[512];
	ssize_t n;

	CU_ASSERT_FATAL(res->has_reply);
	n = dhp_reply_encode(&res->reply, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_FATAL(mh_parse(buf, (size_t)n, out) == MH_OK);
	CU_ASSERT_EQUAL(mh_auth_verify(buf, (size_t)n, &out->opt, mn_sa,
	    &res->reply.auth_coa, &res->reply.auth_hoa), 0);
}

/* mn1 leases any DHoA (seq, t); returns it. */
static struct in6_addr
lease(struct dhp_engine *e, uint16_t seq, uint64_t t)
{
	struct dhp_result r;

	CU_ASSERT_EQUAL_FATAL(send_req(e, seq, 0, 150, &ANY, &COA1, t, &r),
	    DHP_V_ACCEPTED);
	return r.reply.msg.u.dresp.dhoa;
}

/* mn1 binds dhoa to coa with a DHP-BU (seq, t). */
static void
bind_bu(struct dhp_engine *e, uint16_t seq, const struct in6_addr *dhoa,
    const struct in6_addr *coa, uint64_t t)
{
	struct dhp_result r;

	CU_ASSERT_EQUAL_FATAL(send_bu(e, seq, DHP_BU_F_A, 75, dhoa, coa, t,
	    &r), DHP_V_ACCEPTED);
}

/* Events from dhp_engine_expire(). */
struct evlog {
	unsigned		n, ndel, nbrr;
	struct dhp_event	last_del, last_brr;
};

static void
on_event(const struct dhp_event *ev, void *arg)
{
	struct evlog *l = arg;

	l->n++;
	if (ev->has_action && ev->action.kind == DHP_ACT_BIND_DEL) {
		l->ndel++;
		l->last_del = *ev;
	}
	if (ev->has_reply) {
		l->nbrr++;
		l->last_brr = *ev;
	}
}

/* ---- DHoA Request ------------------------------------------------------ */

static void
test_lease_any(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg resp;
	const struct dhoa_lease *l;
	struct in6_addr d;

	CU_ASSERT_EQUAL(send_req(e, 5, 0, 150, &ANY, &COA1, 0, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT(eq(&r.reply.dst, &COA1));
	CU_ASSERT(eq(&r.reply.auth_coa, &COA1));
	CU_ASSERT(eq(&r.reply.auth_hoa, &HOA1));
	reply_decode(&r, &mn_sa1, &resp);
	CU_ASSERT_EQUAL(resp.type, MH_TYPE_DHOA_RESP);
	CU_ASSERT_EQUAL(resp.u.dresp.seq, 5);
	CU_ASSERT_EQUAL(resp.u.dresp.status, 0);
	CU_ASSERT_EQUAL(resp.u.dresp.flags, 0);
	CU_ASSERT_EQUAL(resp.u.dresp.lifetime, 150);
	CU_ASSERT_EQUAL(resp.u.dresp.plen, 128);
	CU_ASSERT(eq(&resp.u.dresp.tep, &DHP));
	CU_ASSERT_EQUAL(resp.opt.present, MHO_BRA | MHO_MESGID | MHO_AUTH);
	CU_ASSERT_EQUAL(resp.opt.bra, 120);
	CU_ASSERT_EQUAL(resp.opt.mesgid, ntp_at(0));
	CU_ASSERT_EQUAL(resp.opt.auth_spi, SPI1);
	d = resp.u.dresp.dhoa;
	CU_ASSERT(d.s6_addr[0] == 0x20 && d.s6_addr[5] == 0xd1);
	l = dhp_engine_lease(e, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT(eq(&l->hoa, &HOA1));
	CU_ASSERT_EQUAL(l->expiry_ms, NOW0 + 600000);
	CU_ASSERT_PTR_NULL(dhp_engine_find(e, &d));
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->lease_new, 1);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->req_status[0], 1);
	/* F.9: asking again gives the same DHoA, renewed; the lifetime is
	 * capped at lease_lifetime (600 s = 150 units). */
	CU_ASSERT_EQUAL(send_req(e, 6, 0, 0xFFFF, &ANY, &COA1, 1000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT(eq(&r.reply.msg.u.dresp.dhoa, &d));
	CU_ASSERT_EQUAL(r.reply.msg.u.dresp.lifetime, 150);
	CU_ASSERT_EQUAL(l->expiry_ms, NOW0 + 1000 + 600000);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->lease_renewed, 1);
	CU_ASSERT_EQUAL(dhoa_pool_stats(dhp_engine_pool(e))->leased, 1);
	/* A shorter request is granted as asked. */
	CU_ASSERT_EQUAL(send_req(e, 7, 0, 10, &d, &COA1, 2000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.reply.msg.u.dresp.lifetime, 10);
	CU_ASSERT_EQUAL(r.reply.msg.opt.bra, 8);
	CU_ASSERT_EQUAL(l->expiry_ms, NOW0 + 2000 + 40000);
	CU_ASSERT_EQUAL(dhp_engine_next_expiry(e), NOW0 + 42000);
	dhp_engine_free(e);
}

static void
test_requested_dhoa(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg m;
	struct pkt p;
	struct in6_addr want = A("2001:db8:d1::beef"), other, d;

	/* A free DHoA asked for by name. */
	CU_ASSERT_EQUAL(send_req(e, 1, 0, 150, &want, &COA1, 0, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT(eq(&r.reply.msg.u.dresp.dhoa, &want));
	/* The MN holds it: another one is 203 (F.9). */
	other = A("2001:db8:d1::cafe");
	CU_ASSERT_EQUAL(send_req(e, 2, 0, 150, &other, &COA1, 1000, &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, DMIP_STATUS_DHOA_UNAVAILABLE);
	CU_ASSERT_EQUAL(r.reply.msg.u.dresp.lifetime, 0);
	CU_ASSERT_EQUAL(r.reply.msg.u.dresp.plen, 0);
	CU_ASSERT(eq(&r.reply.msg.u.dresp.dhoa, &other));
	CU_ASSERT_PTR_NULL(dhp_engine_lease(e, &other));
	/* mn2 asks for mn1's: 201. */
	m = req_msg(1, 0, CONT_SESSION_LASTING, 150, &want, &HOA2, &COA2,
	    ntp_at(2000));
	pkt_sign(&p, &m, &mn_sa2, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2000, ntp_at(2000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, DMIP_STATUS_DHOA_NOT_OWNED);
	CU_ASSERT(eq(&dhp_engine_lease(e, &want)->hoa, &HOA1));
	/* Outside the pool, and a reserved IID: 203. */
	d = A("2001:db8:d2::1");
	m = req_msg(2, 0, CONT_SESSION_LASTING, 150, &d, &HOA2, &COA2,
	    ntp_at(3000));
	pkt_sign(&p, &m, &mn_sa2, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 3000, ntp_at(3000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, DMIP_STATUS_DHOA_UNAVAILABLE);
	d = A("2001:db8:d1::");
	m = req_msg(3, 0, CONT_SESSION_LASTING, 150, &d, &HOA2, &COA2,
	    ntp_at(4000));
	pkt_sign(&p, &m, &mn_sa2, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 4000, ntp_at(4000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, DMIP_STATUS_DHOA_UNAVAILABLE);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->req_status[203], 3);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->req_status[201], 1);
	CU_ASSERT_EQUAL(dhoa_pool_stats(dhp_engine_pool(e))->leased, 1);
	dhp_engine_free(e);
}

static void
test_bind_now(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg resp;
	const struct dhp_binding *b;
	struct in6_addr d;

	CU_ASSERT_EQUAL(send_req(e, 1, DHOA_F_B, 150, &ANY, &COA1, 0, &r),
	    DHP_V_ACCEPTED);
	reply_decode(&r, &mn_sa1, &resp);
	d = resp.u.dresp.dhoa;
	CU_ASSERT_EQUAL(resp.u.dresp.flags, DHOA_F_B);
	CU_ASSERT_EQUAL(resp.u.dresp.lifetime, 150);
	CU_ASSERT_EQUAL(resp.opt.bra, 60);	/* 80 % of 300 s */
	CU_ASSERT(r.has_action);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_ADD);
	CU_ASSERT(eq(&r.action.dhoa, &d));
	CU_ASSERT(eq(&r.action.coa, &COA1));
	b = dhp_engine_find(e, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->state, DHP_BIND_ACTIVE);
	CU_ASSERT_EQUAL(b->lifetime, 75);
	CU_ASSERT_EQUAL(b->expiry_ms, NOW0 + 300000);
	CU_ASSERT_FALSE(b->seq_valid);
	CU_ASSERT_EQUAL(dhp_engine_bindings(e), 1);
	/* No DHP-BU made it: the first DHP-BU may carry any sequence. */
	CU_ASSERT_EQUAL(send_bu(e, 40000, DHP_BU_F_A, 75, &d, &COA1, 1000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT(b->seq_valid);
	CU_ASSERT_EQUAL(b->seq, 40000);
	/* B = 1 again from another CoA: the binding moves. */
	CU_ASSERT_EQUAL(send_req(e, 2, DHOA_F_B, 150, &d, &COA2, 2000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_MOVE);
	CU_ASSERT(eq(&r.action.coa, &COA2));
	CU_ASSERT(eq(&r.action.old_coa, &COA1));
	CU_ASSERT(eq(&b->coa, &COA2));
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->lease_renewed, 1);
	/* A short lease caps the binding. */
	CU_ASSERT_EQUAL(send_req(e, 3, DHOA_F_B, 25, &d, &COA2, 3000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(b->lifetime, 25);
	CU_ASSERT_EQUAL(r.reply.msg.opt.bra, 20);
	/* B = 1 with an unusable CoA: 174, nothing leased or bound. */
	CU_ASSERT_EQUAL(send_req(e, 4, DHOA_F_B, 150, &d, &LL, 4000, &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_INVALID_COA);
	CU_ASSERT(eq(&b->coa, &COA2));
	dhp_engine_free(e);
}

static void
test_release_by_request(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct in6_addr d, d2;

	CU_ASSERT_EQUAL(send_req(e, 1, DHOA_F_B, 150, &ANY, &COA1, 0, &r),
	    DHP_V_ACCEPTED);
	d = r.reply.msg.u.dresp.dhoa;
	/* Lifetime 0 naming the DHoA: binding and lease go. */
	CU_ASSERT_EQUAL(send_req(e, 2, 0, 0, &d, &COA1, 1000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT(r.has_action);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_DEL);
	CU_ASSERT(eq(&r.action.dhoa, &d));
	CU_ASSERT(eq(&r.action.coa, &COA1));
	CU_ASSERT(eq(&r.reply.msg.u.dresp.dhoa, &d));
	CU_ASSERT_EQUAL(r.reply.msg.u.dresp.lifetime, 0);
	CU_ASSERT_PTR_NULL(dhp_engine_lease(e, &d));
	CU_ASSERT_EQUAL(dhp_engine_bindings(e), 0);
	CU_ASSERT_EQUAL(dhoa_pool_stats(dhp_engine_pool(e))->quarantined, 1);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->lease_released, 1);
	/* Again: nothing leased, 200. */
	CU_ASSERT_EQUAL(send_req(e, 3, 0, 0, &d, &COA1, 2000, &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, DMIP_STATUS_UNKNOWN_DHOA);
	/* The last owner may take it back during the quarantine. */
	CU_ASSERT_EQUAL(send_req(e, 4, 0, 150, &d, &COA1, 3000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT(eq(&r.reply.msg.u.dresp.dhoa, &d));
	/* Lifetime 0 with :: releases the MN's one DHoA. */
	CU_ASSERT_EQUAL(send_req(e, 5, 0, 0, &ANY, &COA1, 4000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT(eq(&r.reply.msg.u.dresp.dhoa, &d));
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT_PTR_NULL(dhp_engine_lease(e, &d));
	CU_ASSERT_EQUAL(send_req(e, 6, 0, 0, &ANY, &COA1, 5000, &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, DMIP_STATUS_UNKNOWN_DHOA);
	/* A new one after the release is another address. */
	d2 = lease(e, 7, 6000);
	CU_ASSERT_FALSE(eq(&d, &d2));
	dhp_engine_free(e);
}

static void
test_continuity_types(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg m;
	struct pkt p;
	static const struct {
		uint8_t	type, flow_type;
		uint8_t	status;
	} cases[] = {
		{ CONT_FIXED, CONT_ANY, DMIP_STATUS_CONT_NOT_SUPPORTED },
		{ CONT_NON_PERSISTENT, CONT_ANY,
		    DMIP_STATUS_CONT_NOT_SUPPORTED },
		{ CONT_SESSION_LASTING, CONT_NON_PERSISTENT,
		    DMIP_STATUS_CONT_NOT_SUPPORTED },
		{ CONT_ANY, CONT_FIXED, DMIP_STATUS_CONT_NOT_SUPPORTED },
		{ CONT_GRACEFUL, CONT_SESSION_LASTING, DMIP_STATUS_OK },
		{ CONT_ANY, CONT_ANY, DMIP_STATUS_OK },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = req_msg((uint16_t)i, 0, cases[i].type, 150, &ANY, &HOA1,
		    &COA1, ntp_at(i * 1000));
		m.opt.n_flow = 1;
		m.opt.flow[0] = (struct mh_flow_desc){ 6, cases[i].flow_type,
		    40000, 443, COA3 };
		pkt_sign(&p, &m, &mn_sa1, &COA1);
		feed(e, &p, NOW0 + i * 1000, ntp_at(i * 1000), &r);
		CU_ASSERT_EQUAL(r.status, cases[i].status);
		CU_ASSERT(r.has_reply);
		if (cases[i].status != 0)
			CU_ASSERT_EQUAL(dhoa_pool_stats(dhp_engine_pool(e))->
			    leased, 0);
	}
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->req_status[204], 4);
	dhp_engine_free(e);

	/* A DHP that anchors session-lasting only. */
	{
		struct dhpd_conf c;

		conf_make(&c, "2001:db8:d1::/64", 10);
		c.continuity[CONT_GRACEFUL] = false;
		e = dhp_engine_new(&c, sas, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		m = req_msg(1, 0, CONT_GRACEFUL, 150, &ANY, &HOA1, &COA1,
		    ntp_at(0));
		pkt_sign(&p, &m, &mn_sa1, &COA1);
		CU_ASSERT_EQUAL(feed(e, &p, NOW0, ntp_at(0), &r),
		    DHP_V_REJECTED);
		CU_ASSERT_EQUAL(r.status, DMIP_STATUS_CONT_NOT_SUPPORTED);
		dhp_engine_free(e);
	}
}

static void
test_exhaustion(void)
{
	struct dhp_engine *e = engine_pool("2001:db8:d1::5/128", 1000);
	struct dhp_result r;
	struct mh_msg m;
	struct pkt p;
	struct in6_addr d;

	d = lease(e, 1, 0);
	CU_ASSERT(eq(&d, &(struct in6_addr){ .s6_addr = { 0x20, 0x01, 0x0d,
	    0xb8, 0, 0xd1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 } }));
	m = req_msg(1, 0, CONT_SESSION_LASTING, 150, &ANY, &HOA2, &COA2,
	    ntp_at(1000));
	pkt_sign(&p, &m, &mn_sa2, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 1000, ntp_at(1000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_INSUFFICIENT);
	CU_ASSERT(eq(&r.reply.dst, &COA2));
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->req_status[130], 1);
	/* Released: quarantined 120 s for mn2, then mn2 gets it. */
	CU_ASSERT_EQUAL(send_req(e, 2, 0, 0, &d, &COA1, 2000, &r),
	    DHP_V_ACCEPTED);
	m = req_msg(2, 0, CONT_SESSION_LASTING, 150, &ANY, &HOA2, &COA2,
	    ntp_at(121999));
	pkt_sign(&p, &m, &mn_sa2, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 121999, ntp_at(121999), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_INSUFFICIENT);
	m = req_msg(3, 0, CONT_SESSION_LASTING, 150, &ANY, &HOA2, &COA2,
	    ntp_at(122000));
	pkt_sign(&p, &m, &mn_sa2, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 122000, ntp_at(122000), &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT(eq(&r.reply.msg.u.dresp.dhoa, &d));
	dhp_engine_free(e);

	/* max_leases = 1 in a /64. */
	e = engine_pool("2001:db8:d1::/64", 1);
	lease(e, 1, 0);
	m = req_msg(1, 0, CONT_SESSION_LASTING, 150, &ANY, &HOA2, &COA2,
	    ntp_at(1000));
	pkt_sign(&p, &m, &mn_sa2, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 1000, ntp_at(1000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_INSUFFICIENT);
	dhp_engine_free(e);
}

/* ---- DHP-BU ------------------------------------------------------------ */

static void
test_bu_register_move(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg bc;
	const struct dhp_binding *b;
	struct in6_addr d = lease(e, 1, 0);

	CU_ASSERT_EQUAL(send_bu(e, 10, DHP_BU_F_A, 75, &d, &COA1, 1000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT(r.has_action);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_ADD);
	CU_ASSERT(eq(&r.action.dhoa, &d));
	CU_ASSERT(eq(&r.action.coa, &COA1));
	CU_ASSERT(eq(&r.reply.dst, &COA1));
	reply_decode(&r, &mn_sa1, &bc);
	CU_ASSERT_EQUAL(bc.type, MH_TYPE_DHP_BC);
	CU_ASSERT_EQUAL(bc.u.dbc.seq, 10);
	CU_ASSERT_EQUAL(bc.u.dbc.status, 0);
	CU_ASSERT_EQUAL(bc.u.dbc.lifetime, 75);
	CU_ASSERT(eq(&bc.u.dbc.dhoa, &d));
	CU_ASSERT_EQUAL(bc.opt.present, MHO_BRA | MHO_MESGID | MHO_AUTH);
	CU_ASSERT_EQUAL(bc.opt.bra, 60);
	CU_ASSERT_EQUAL(bc.opt.mesgid, ntp_at(1000));
	b = dhp_engine_find(e, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT(eq(&b->coa, &COA1));
	CU_ASSERT_EQUAL(b->seq, 10);
	CU_ASSERT(b->seq_valid);
	CU_ASSERT_EQUAL(b->created_ms, NOW0 + 1000);
	CU_ASSERT_EQUAL(b->expiry_ms, NOW0 + 1000 + 300000);
	/* Refresh: no action. */
	CU_ASSERT_EQUAL(send_bu(e, 11, DHP_BU_F_A, 50, &d, &COA1, 2000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT_EQUAL(r.reply.msg.u.dbc.lifetime, 50);
	CU_ASSERT_EQUAL(b->expiry_ms, NOW0 + 2000 + 200000);
	/* Move (A.3.4). */
	CU_ASSERT_EQUAL(send_bu(e, 12, DHP_BU_F_A, 75, &d, &COA2, 3000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_MOVE);
	CU_ASSERT(eq(&r.action.coa, &COA2));
	CU_ASSERT(eq(&r.action.old_coa, &COA1));
	CU_ASSERT(eq(&r.reply.dst, &COA2));
	CU_ASSERT(eq(&b->coa, &COA2));
	/* F.16: back home, CoA := HoA is a CoA like any other. */
	CU_ASSERT_EQUAL(send_bu(e, 13, DHP_BU_F_A, 75, &d, &HOA1, 4000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_MOVE);
	CU_ASSERT(eq(&b->coa, &HOA1));
	/* A = 0: accepted, no confirmation. */
	CU_ASSERT_EQUAL(send_bu(e, 14, 0, 75, &d, &HOA1, 5000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_FALSE(r.has_reply);
	CU_ASSERT_EQUAL(b->seq, 14);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->bind_added, 1);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->bind_moved, 2);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->bind_refreshed, 2);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->bu_status[0], 5);
	dhp_engine_free(e);
}

static void
test_bu_lifetimes(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct in6_addr d;

	/* A 40 s lease. */
	CU_ASSERT_EQUAL(send_req(e, 1, 0, 10, &ANY, &COA1, 0, &r),
	    DHP_V_ACCEPTED);
	d = r.reply.msg.u.dresp.dhoa;
	/* The binding is capped by what is left of the lease. */
	CU_ASSERT_EQUAL(send_bu(e, 1, DHP_BU_F_A, 0xFFFF, &d, &COA1, 2000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.reply.msg.u.dbc.lifetime, 9);	/* 38 s left */
	/* At most 4 s when less than that is left. */
	CU_ASSERT_EQUAL(send_bu(e, 2, DHP_BU_F_A, 75, &d, &COA1, 38000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.reply.msg.u.dbc.lifetime, 1);
	/* Renew the lease; binding_lifetime caps. */
	CU_ASSERT_EQUAL(send_req(e, 2, 0, 150, &d, &COA1, 39000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(send_bu(e, 3, DHP_BU_F_A, 0xFFFF, &d, &COA1, 39500,
	    &r), DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.reply.msg.u.dbc.lifetime, 75);
	dhp_engine_free(e);
}

static void
test_bu_release(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg bc;
	struct in6_addr d = lease(e, 1, 0);

	bind_bu(e, 1, &d, &COA1, 1000);
	CU_ASSERT_EQUAL(send_bu(e, 2, DHP_BU_F_A | DHP_BU_F_R, 0, &d, &COA1,
	    2000, &r), DHP_V_ACCEPTED);
	CU_ASSERT(r.has_action);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_DEL);
	CU_ASSERT(eq(&r.action.dhoa, &d));
	CU_ASSERT(eq(&r.action.coa, &COA1));
	reply_decode(&r, &mn_sa1, &bc);
	CU_ASSERT_EQUAL(bc.u.dbc.status, 0);
	CU_ASSERT_EQUAL(bc.u.dbc.lifetime, 0);
	CU_ASSERT_FALSE(bc.opt.present & MHO_BRA);
	CU_ASSERT_PTR_NULL(dhp_engine_lease(e, &d));
	CU_ASSERT_EQUAL(dhp_engine_bindings(e), 0);
	CU_ASSERT_EQUAL(dhoa_pool_stats(dhp_engine_pool(e))->quarantined, 1);
	/* A retransmission: the DHoA is no longer leased, 200. */
	CU_ASSERT_EQUAL(send_bu(e, 3, DHP_BU_F_A | DHP_BU_F_R, 0, &d, &COA1,
	    3000, &r), DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, DMIP_STATUS_UNKNOWN_DHOA);
	CU_ASSERT_FALSE(r.has_action);
	/* R with a lifetime is a plain registration (R ignored). */
	d = lease(e, 2, 3500);
	CU_ASSERT_EQUAL(send_bu(e, 4, DHP_BU_F_A | DHP_BU_F_R, 75, &d, &COA1,
	    3600, &r), DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_ADD);
	CU_ASSERT_PTR_NOT_NULL(dhp_engine_lease(e, &d));
	CU_ASSERT_EQUAL(send_bu(e, 5, DHP_BU_F_A | DHP_BU_F_R, 0, &d, &COA1,
	    3700, &r), DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_DEL);
	/* R without a binding releases the lease alone. */
	d = lease(e, 3, 4000);
	CU_ASSERT_EQUAL(send_bu(e, 6, DHP_BU_F_A | DHP_BU_F_R, 0, &d, &COA1,
	    5000, &r), DHP_V_ACCEPTED);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT_PTR_NULL(dhp_engine_lease(e, &d));
	dhp_engine_free(e);
}

static void
test_bu_delete_delay(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	const struct dhp_binding *b;
	struct evlog ev = { 0 };
	struct in6_addr d = lease(e, 1, 0);

	bind_bu(e, 1, &d, &COA1, 1000);
	CU_ASSERT_EQUAL(send_bu(e, 2, DHP_BU_F_A, 0, &d, &COA1, 2000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_FALSE(r.has_action);	/* the route stays 10 s */
	CU_ASSERT_EQUAL(r.reply.msg.u.dbc.lifetime, 0);
	b = dhp_engine_find(e, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->state, DHP_BIND_DELETING);
	CU_ASSERT_EQUAL(dhp_engine_next_expiry(e), NOW0 + 12000);
	/* Again: nothing more to do, still 0. */
	CU_ASSERT_EQUAL(send_bu(e, 3, DHP_BU_F_A, 0, &d, &COA1, 3000, &r),
	    DHP_V_ACCEPTED);
	/* Revived within the delay: no action, same route. */
	CU_ASSERT_EQUAL(send_bu(e, 4, DHP_BU_F_A, 75, &d, &COA1, 4000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT_EQUAL(b->state, DHP_BIND_ACTIVE);
	CU_ASSERT_EQUAL(dhp_engine_expire(e, NOW0 + 12000, ntp_at(12000),
	    on_event, &ev), 0);
	CU_ASSERT_PTR_NOT_NULL(dhp_engine_find(e, &d));
	/* Deleted again; at the end of the delay the route goes. */
	CU_ASSERT_EQUAL(send_bu(e, 5, DHP_BU_F_A, 0, &d, &COA1, 20000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(dhp_engine_expire(e, NOW0 + 29999, ntp_at(29999),
	    on_event, &ev), 0);
	CU_ASSERT_EQUAL(dhp_engine_expire(e, NOW0 + 30000, ntp_at(30000),
	    on_event, &ev), 1);
	CU_ASSERT_EQUAL(ev.ndel, 1);
	CU_ASSERT(eq(&ev.last_del.action.dhoa, &d));
	CU_ASSERT(eq(&ev.last_del.action.coa, &COA1));
	CU_ASSERT_PTR_NULL(dhp_engine_find(e, &d));
	/* The lease stays. A lifetime-0 DHP-BU with no binding: 0. */
	CU_ASSERT_PTR_NOT_NULL(dhp_engine_lease(e, &d));
	CU_ASSERT_EQUAL(send_bu(e, 6, DHP_BU_F_A, 0, &d, &COA1, 31000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_FALSE(r.has_action);
	dhp_engine_free(e);
}

static void
test_bu_stale_seq(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	const struct dhp_binding *b;
	struct in6_addr d = lease(e, 1, 0);

	bind_bu(e, 10, &d, &COA1, 1000);
	b = dhp_engine_find(e, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	/* Same and older sequence numbers: 135 with the last accepted. */
	CU_ASSERT_EQUAL(send_bu(e, 10, DHP_BU_F_A, 75, &d, &COA2, 2000, &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_SEQ_OUT_OF_WINDOW);
	CU_ASSERT_EQUAL(r.reply.msg.u.dbc.seq, 10);
	CU_ASSERT_EQUAL(r.reply.msg.u.dbc.lifetime, 0);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT_EQUAL(send_bu(e, 9, DHP_BU_F_A, 75, &d, &COA2, 3000, &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.reply.msg.u.dbc.seq, 10);
	CU_ASSERT_EQUAL(send_bu(e, 10 + 32768, DHP_BU_F_A, 75, &d, &COA2,
	    4000, &r), DHP_V_REJECTED);
	CU_ASSERT(eq(&b->coa, &COA1));
	CU_ASSERT_EQUAL(b->seq, 10);
	/* 135 is answered even without A (a rejection). */
	CU_ASSERT_EQUAL(send_bu(e, 8, 0, 75, &d, &COA2, 5000, &r),
	    DHP_V_REJECTED);
	CU_ASSERT(r.has_reply);
	/* Forward in steps of less than 2^15, and wrap-around. */
	bind_bu(e, 20000, &d, &COA1, 6000);
	bind_bu(e, 40000, &d, &COA1, 6100);
	bind_bu(e, 65535, &d, &COA1, 6200);
	bind_bu(e, 0, &d, &COA1, 7000);
	CU_ASSERT_EQUAL(b->seq, 0);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->bu_status[135], 4);
	dhp_engine_free(e);
}

static void
test_bu_replay(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg m;
	struct pkt old, p;
	const struct dhp_binding *b;
	struct in6_addr d = lease(e, 1, 0);

	m = bu_msg(1, DHP_BU_F_A, 75, &d, &COA1, &HOA1, ntp_at(1000));
	pkt_sign(&old, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(feed(e, &old, NOW0 + 1000, ntp_at(1000), &r),
	    DHP_V_ACCEPTED);
	b = dhp_engine_find(e, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	/* The same bytes again: the MESG-ID is not newer, 144. */
	CU_ASSERT_EQUAL(feed(e, &old, NOW0 + 1500, ntp_at(1500), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	CU_ASSERT_EQUAL(r.reply.msg.opt.mesgid, ntp_at(1500));	/* B.8 */
	/* Moved; the old BU replayed inside the window changes nothing. */
	CU_ASSERT_EQUAL(send_bu(e, 2, DHP_BU_F_A, 75, &d, &COA2, 2000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(feed(e, &old, NOW0 + 3000, ntp_at(3000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT(eq(&b->coa, &COA2));
	/* Released, then the release replayed: no lease, no change. */
	m = bu_msg(3, DHP_BU_F_A | DHP_BU_F_R, 0, &d, &COA2, &HOA1,
	    ntp_at(4000));
	pkt_sign(&p, &m, &mn_sa1, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 4000, ntp_at(4000), &r),
	    DHP_V_ACCEPTED);
	d = lease(e, 2, 5000);	/* a new one: "any" skips quarantine */
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 6000, ntp_at(6000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	CU_ASSERT_PTR_NOT_NULL(dhp_engine_lease(e, &d));
	/* A DHoA Request replayed: 144, no second lease. */
	m = req_msg(3, DHOA_F_B, CONT_SESSION_LASTING, 150, &ANY, &HOA1,
	    &COA1, ntp_at(7000));
	pkt_sign(&p, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 7000, ntp_at(7000), &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(send_bu(e, 4, DHP_BU_F_A, 75, &d, &COA2, 8000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 9000, ntp_at(9000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT(eq(&dhp_engine_find(e, &d)->coa, &COA2));
	dhp_engine_free(e);
}

/* A DHP-BU signed before a B = 1 request but arriving after it must not
 * move the binding back. */
static void
test_bu_older_than_bind_now(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg m;
	struct pkt late;
	struct in6_addr d = lease(e, 1, 0);

	m = bu_msg(1, DHP_BU_F_A, 75, &d, &COA1, &HOA1, ntp_at(1000));
	pkt_sign(&late, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(send_req(e, 2, DHOA_F_B, 150, &d, &COA2, 2000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(feed(e, &late, NOW0 + 2500, ntp_at(2500), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	CU_ASSERT(eq(&dhp_engine_find(e, &d)->coa, &COA2));
	dhp_engine_free(e);
}

static void
test_forged(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg m;
	struct pkt p;
	struct in6_addr d = lease(e, 1, 0);
	const struct dhp_stats *st = dhp_engine_stats(e);

	bind_bu(e, 1, &d, &COA1, 1000);
	/* Wrong key: 146 to the IPv6 source, no change. */
	m = bu_msg(2, DHP_BU_F_A, 75, &d, &COA2, &HOA1, ntp_at(2000));
	pkt_sign(&p, &m, &bad_sa1, &COA3);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2000, ntp_at(2000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_AUTH_FAIL);
	CU_ASSERT(eq(&r.reply.dst, &COA3));
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT(eq(&dhp_engine_find(e, &d)->coa, &COA1));
	/* Signed over another CoA than the one it names: 146. */
	m = bu_msg(2, DHP_BU_F_A, 75, &d, &COA2, &HOA1, ntp_at(2100));
	pkt_make(&p, &m, &mn_sa1, &COA2, &COA3, &HOA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2100, ntp_at(2100), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_AUTH_FAIL);
	/* mn2's valid key for mn1's HoA: 146. */
	m = bu_msg(2, DHP_BU_F_A, 75, &d, &COA2, &HOA1, ntp_at(2200));
	pkt_sign(&p, &m, &mn_sa2, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2200, ntp_at(2200), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_AUTH_FAIL);
	/* An HoA that is no MN of ours (an SA nobody uses): 129. */
	m = bu_msg(2, DHP_BU_F_A, 75, &d, &COA2, &HOA_OTHER, ntp_at(2300));
	pkt_sign(&p, &m, &mn_sa3, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2300, ntp_at(2300), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_PROHIBITED);
	m = req_msg(2, 0, CONT_SESSION_LASTING, 150, &ANY, &HOA_OTHER,
	    &COA2, ntp_at(2400));
	pkt_sign(&p, &m, &mn_sa3, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2400, ntp_at(2400), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_PROHIBITED);
	/* Silent drops: unknown SPI, no AUTH, no HoA option. */
	m = bu_msg(2, DHP_BU_F_A, 75, &d, &COA2, &HOA1, ntp_at(2500));
	pkt_sign(&p, &m, &unknown_sa, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2500, ntp_at(2500), &r),
	    DHP_V_DROPPED);
	CU_ASSERT_FALSE(r.has_reply);
	m = bu_msg(2, DHP_BU_F_A, 75, &d, &COA2, &HOA1, ntp_at(2600));
	m.opt.present &= ~MHO_AUTH;
	pkt_sign(&p, &m, NULL, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2600, ntp_at(2600), &r),
	    DHP_V_DROPPED);
	m = bu_msg(2, DHP_BU_F_A, 75, &d, &COA2, &HOA1, ntp_at(2700));
	m.opt.present &= ~MHO_HOA;
	pkt_make(&p, &m, &mn_sa1, &COA2, &COA2, &HOA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2700, ntp_at(2700), &r),
	    DHP_V_DROPPED);
	/* A request whose HoA option contradicts its HoA field. */
	m = req_msg(2, 0, CONT_SESSION_LASTING, 150, &ANY, &HOA1, &COA2,
	    ntp_at(2800));
	m.opt.present |= MHO_HOA;
	m.opt.hoa = HOA2;
	pkt_sign(&p, &m, &mn_sa1, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2800, ntp_at(2800), &r),
	    DHP_V_DROPPED);
	/* Requests: wrong key 146 (to the source), no MESG-ID 145. */
	m = req_msg(3, DHOA_F_B, CONT_SESSION_LASTING, 150, &ANY, &HOA1,
	    &COA2, ntp_at(2900));
	pkt_sign(&p, &m, &bad_sa1, &COA3);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2900, ntp_at(2900), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_AUTH_FAIL);
	CU_ASSERT(eq(&r.reply.dst, &COA3));
	CU_ASSERT_FALSE(r.has_action);
	m = req_msg(3, DHOA_F_B, CONT_SESSION_LASTING, 150, &ANY, &HOA1,
	    &COA2, 0);
	m.opt.present &= ~MHO_MESGID;
	pkt_sign(&p, &m, &mn_sa1, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2950, ntp_at(2950), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_MESGID_REQD);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT_EQUAL(st->req_status[146], 1);
	CU_ASSERT_EQUAL(st->req_status[145], 1);
	CU_ASSERT_EQUAL(st->drop_unknown_spi, 1);
	CU_ASSERT_EQUAL(st->drop_no_auth, 1);
	CU_ASSERT_EQUAL(st->drop_no_hoa, 1);
	CU_ASSERT_EQUAL(st->drop_bad, 1);
	CU_ASSERT_EQUAL(st->bu_status[146], 3);
	/* The MN's real next BU still works (the forgeries moved nothing:
	 * its MESG-ID state is its own). */
	CU_ASSERT_EQUAL(send_bu(e, 2, DHP_BU_F_A, 75, &d, &COA2, 3000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_MOVE);
	dhp_engine_free(e);
}

static void
test_mesgid_window(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg m, bc;
	struct pkt p;
	struct in6_addr d = lease(e, 1, 0);

	/* 8 s ahead of the DHP's clock: 144 carrying the DHP's time. */
	m = bu_msg(2, DHP_BU_F_A, 75, &d, &COA1, &HOA1, ntp_at(9000));
	pkt_sign(&p, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 1000, ntp_at(1000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	reply_decode(&r, &mn_sa1, &bc);
	CU_ASSERT_EQUAL(bc.opt.mesgid, ntp_at(1000));
	/* Exactly at the 7 s edge still passes. */
	m = bu_msg(2, DHP_BU_F_A, 75, &d, &COA1, &HOA1, ntp_at(8000));
	pkt_sign(&p, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 1000, ntp_at(1000), &r),
	    DHP_V_ACCEPTED);
	/* No MESG-ID: 145. */
	m = bu_msg(3, DHP_BU_F_A, 75, &d, &COA2, &HOA1, 0);
	m.opt.present &= ~MHO_MESGID;
	pkt_sign(&p, &m, &mn_sa1, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 9000, ntp_at(9000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_MESGID_REQD);
	CU_ASSERT_FALSE(r.reply.msg.opt.present & MHO_MESGID);
	CU_ASSERT(eq(&dhp_engine_find(e, &d)->coa, &COA1));
	/* Requests too. */
	m = req_msg(2, 0, CONT_SESSION_LASTING, 150, &ANY, &HOA1, &COA1,
	    ntp_at(30000));
	pkt_sign(&p, &m, &mn_sa1, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 10000, ntp_at(10000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_ID_MISMATCH);
	dhp_engine_free(e);
}

static void
test_bu_lookup_and_coa(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg m;
	struct pkt p;
	struct in6_addr d = lease(e, 1, 0), d2, unknown, coa;
	static const char *const bad_coas[] = {
		"ff02::1", "fe80::5", "::1", "::ffff:192.0.2.1",
		"2001:db8:f::11", "2001:db8:d1::77",
	};

	/* mn2 has its own DHoA; mn1 may not bind it, nor one not leased. */
	m = req_msg(1, 0, CONT_SESSION_LASTING, 150, &ANY, &HOA2, &COA2,
	    ntp_at(500));
	pkt_sign(&p, &m, &mn_sa2, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 500, ntp_at(500), &r),
	    DHP_V_ACCEPTED);
	d2 = r.reply.msg.u.dresp.dhoa;
	CU_ASSERT_EQUAL(send_bu(e, 1, DHP_BU_F_A, 75, &d2, &COA1, 1000, &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, DMIP_STATUS_DHOA_NOT_OWNED);
	unknown = A("2001:db8:d1::4242");
	CU_ASSERT_EQUAL(send_bu(e, 2, DHP_BU_F_A, 75, &unknown, &COA1, 2000,
	    &r), DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, DMIP_STATUS_UNKNOWN_DHOA);
	CU_ASSERT(eq(&r.reply.msg.u.dbc.dhoa, &unknown));
	CU_ASSERT_EQUAL(dhp_engine_bindings(e), 0);
	/* Unusable CoAs: 174, to the IPv6 source. */
	for (size_t i = 0; i < sizeof(bad_coas) / sizeof(bad_coas[0]); i++) {
		coa = A(bad_coas[i]);
		m = bu_msg((uint16_t)(3 + i), DHP_BU_F_A, 75, &d, &coa, &HOA1,
		    ntp_at(3000 + i));
		pkt_make(&p, &m, &mn_sa1, &COA1, &coa, &HOA1);
		CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 3000 + i, ntp_at(3000 + i),
		    &r), DHP_V_REJECTED);
		CU_ASSERT_EQUAL(r.status, BA_STATUS_INVALID_COA);
		CU_ASSERT(eq(&r.reply.dst, &COA1));
	}
	/* CoA field :: means the IPv6 source. */
	m = bu_msg(20, DHP_BU_F_A, 75, &d, &ANY, &HOA1, ntp_at(4000));
	pkt_sign(&p, &m, &mn_sa1, &COA3);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 4000, ntp_at(4000), &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT(eq(&r.action.coa, &COA3));
	CU_ASSERT(eq(&r.reply.auth_coa, &COA3));
	CU_ASSERT_EQUAL(dhp_engine_bindings(e), 1);
	dhp_engine_free(e);
}

/* ---- timers ------------------------------------------------------------ */

static void
test_expiry_and_brr(void)
{
	struct dhp_engine *e = engine();
	struct evlog ev = { 0 };
	struct mh_msg brr;
	struct dhp_result fake;
	struct in6_addr d = lease(e, 1, 0);

	bind_bu(e, 1, &d, &COA1, 1000);	/* 300 s: BRR at 270 s */
	CU_ASSERT_EQUAL(dhp_engine_next_expiry(e), NOW0 + 1000 + 270000);
	CU_ASSERT_EQUAL(dhp_engine_expire(e, NOW0 + 270999, ntp_at(270999),
	    on_event, &ev), 0);
	CU_ASSERT_EQUAL(dhp_engine_expire(e, NOW0 + 271000, ntp_at(271000),
	    on_event, &ev), 1);
	CU_ASSERT_EQUAL(ev.nbrr, 1);
	CU_ASSERT_FALSE(ev.last_brr.has_action);
	CU_ASSERT(eq(&ev.last_brr.reply.dst, &COA1));
	memset(&fake, 0, sizeof(fake));
	fake.has_reply = true;
	fake.reply = ev.last_brr.reply;
	reply_decode(&fake, &mn_sa1, &brr);
	CU_ASSERT_EQUAL(brr.type, MH_TYPE_BRR);
	CU_ASSERT(eq(&brr.opt.hoa, &HOA1));
	CU_ASSERT_EQUAL(brr.opt.mesgid, ntp_at(271000));
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->brr_sent, 1);
	/* No refresh: expired at 301 s, the route goes. */
	CU_ASSERT_EQUAL(dhp_engine_next_expiry(e), NOW0 + 301000);
	CU_ASSERT_EQUAL(dhp_engine_expire(e, NOW0 + 301000, ntp_at(301000),
	    on_event, &ev), 1);
	CU_ASSERT_EQUAL(ev.ndel, 1);
	CU_ASSERT(eq(&ev.last_del.action.dhoa, &d));
	CU_ASSERT(eq(&ev.last_del.action.coa, &COA1));
	CU_ASSERT_PTR_NULL(dhp_engine_find(e, &d));
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->bind_expired, 1);
	CU_ASSERT_PTR_NOT_NULL(dhp_engine_lease(e, &d));
	/* Capped by the lease (72 units left); a refresh before the BRR
	 * point (569.2 s) moves it (to 590 s for 25 units). */
	bind_bu(e, 2, &d, &COA1, 310000);
	CU_ASSERT_EQUAL(dhp_engine_find(e, &d)->lifetime, 72);
	bind_bu(e, 3, &d, &COA1, 500000);
	CU_ASSERT_EQUAL(dhp_engine_find(e, &d)->lifetime, 25);
	CU_ASSERT_EQUAL(dhp_engine_expire(e, NOW0 + 589999, ntp_at(589999),
	    on_event, &ev), 0);
	CU_ASSERT_EQUAL(dhp_engine_next_expiry(e), NOW0 + 590000);
	CU_ASSERT_EQUAL(dhp_engine_expire(e, NOW0 + 590000, ntp_at(590000),
	    on_event, &ev), 1);
	CU_ASSERT_EQUAL(ev.nbrr, 2);
	/* The binding and the lease both end at 600 s. */
	CU_ASSERT_EQUAL(dhp_engine_next_expiry(e), NOW0 + 600000);
	CU_ASSERT_EQUAL(dhp_engine_expire(e, NOW0 + 600000, ntp_at(600000),
	    on_event, &ev), 1);
	CU_ASSERT_EQUAL(ev.ndel, 2);
	CU_ASSERT_PTR_NULL(dhp_engine_lease(e, &d));
	CU_ASSERT_EQUAL(dhp_engine_bindings(e), 0);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->lease_expired, 1);
	CU_ASSERT_EQUAL(dhp_engine_next_expiry(e), DHP_NO_EXPIRY);
	/* The MN's F.9 slot is free again: "any" gives a new lease. */
	d = lease(e, 2, 610000);
	CU_ASSERT_FALSE(eq(&d, &ANY));
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->lease_new, 2);
	dhp_engine_free(e);
}

/* ---- data plane failures, garbage, reconfiguration ------------------- */

static void
test_action_failed(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct in6_addr d = lease(e, 1, 0);

	CU_ASSERT_EQUAL(send_bu(e, 1, DHP_BU_F_A, 75, &d, &COA1, 1000, &r),
	    DHP_V_ACCEPTED);
	dhp_engine_action_failed(e, &r);
	CU_ASSERT_FALSE(r.has_action);
	CU_ASSERT_EQUAL(r.verdict, DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.reply.msg.u.dbc.status, BA_STATUS_INSUFFICIENT);
	CU_ASSERT_EQUAL(r.reply.msg.u.dbc.lifetime, 0);
	CU_ASSERT_FALSE(r.reply.msg.opt.present & MHO_BRA);
	CU_ASSERT_PTR_NULL(dhp_engine_find(e, &d));
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->bind_failed, 1);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->bu_status[130], 1);
	/* Move refused: stays on the old CoA. */
	bind_bu(e, 2, &d, &COA1, 2000);
	CU_ASSERT_EQUAL(send_bu(e, 3, DHP_BU_F_A, 75, &d, &COA2, 3000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_MOVE);
	dhp_engine_action_failed(e, &r);
	CU_ASSERT(eq(&dhp_engine_find(e, &d)->coa, &COA1));
	CU_ASSERT_EQUAL(r.status, BA_STATUS_INSUFFICIENT);
	/* B = 1 refused: the lease stands, B clear. */
	CU_ASSERT_EQUAL(send_req(e, 2, DHOA_F_B, 150, &d, &COA3, 4000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(r.action.kind, DHP_ACT_BIND_MOVE);
	dhp_engine_action_failed(e, &r);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(r.reply.msg.u.dresp.flags, 0);
	CU_ASSERT_EQUAL(r.reply.msg.opt.bra, 120);
	CU_ASSERT(eq(&dhp_engine_find(e, &d)->coa, &COA1));
	dhp_engine_free(e);
}

static void
test_other_types(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg m;
	struct pkt p;
	static const uint8_t types[] = { MH_TYPE_BRR, MH_TYPE_BU,
	    MH_TYPE_BA, MH_TYPE_DHP_QUERY, MH_TYPE_DHOA_RESP, MH_TYPE_DHP_BC };

	for (size_t i = 0; i < sizeof(types); i++) {
		memset(&m, 0, sizeof(m));
		m.type = types[i];
		m.opt.present = MHO_HOA | MHO_MESGID | MHO_AUTH;
		m.opt.hoa = HOA1;
		m.opt.mesgid = ntp_at(0);
		m.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
		pkt_make(&p, &m, &mn_sa1, &COA1, &COA1, &HOA1);
		CU_ASSERT_EQUAL(feed(e, &p, NOW0, ntp_at(0), &r),
		    DHP_V_DROPPED);
		CU_ASSERT_FALSE(r.has_reply);
	}
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->rx_other, sizeof(types));
	dhp_engine_free(e);
}

/* F.8: replay = seq-only (mn3's SA): no MESG-ID needed; sequence
 * numbers guard requests and DHP-BUs, even after a binding is gone. */
static void
test_seq_only(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct mh_msg m;
	struct pkt p, old;
	struct in6_addr d;

	m = req_msg(5, 0, CONT_SESSION_LASTING, 150, &ANY, &HOA3, &COA1, 0);
	m.opt.present &= ~MHO_MESGID;
	pkt_sign(&p, &m, &mn_sa4, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0, ntp_at(0), &r), DHP_V_ACCEPTED);
	d = r.reply.msg.u.dresp.dhoa;
	CU_ASSERT_FALSE(r.reply.msg.opt.present & MHO_MESGID);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 100, ntp_at(100), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_SEQ_OUT_OF_WINDOW);
	CU_ASSERT_EQUAL(r.reply.msg.u.dresp.seq, 5);
	/* DHP-BU, then deregistration, then the first BU replayed. */
	m = bu_msg(7, DHP_BU_F_A, 75, &d, &COA1, &HOA3, 0);
	m.opt.present &= ~MHO_MESGID;
	pkt_sign(&old, &m, &mn_sa4, &COA1);
	CU_ASSERT_EQUAL(feed(e, &old, NOW0 + 1000, ntp_at(1000), &r),
	    DHP_V_ACCEPTED);
	m = bu_msg(8, DHP_BU_F_A, 0, &d, &COA1, &HOA3, 0);
	m.opt.present &= ~MHO_MESGID;
	pkt_sign(&p, &m, &mn_sa4, &COA1);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 2000, ntp_at(2000), &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT_EQUAL(dhp_engine_expire(e, NOW0 + 20000, ntp_at(20000),
	    NULL, NULL), 1);
	CU_ASSERT_PTR_NULL(dhp_engine_find(e, &d));
	CU_ASSERT_EQUAL(feed(e, &old, NOW0 + 21000, ntp_at(21000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_SEQ_OUT_OF_WINDOW);
	CU_ASSERT_EQUAL(r.reply.msg.u.dbc.seq, 8);
	CU_ASSERT_PTR_NULL(dhp_engine_find(e, &d));
	dhp_engine_free(e);
}

static void
test_reconfigure(void)
{
	struct dhp_engine *e = engine();
	struct dhp_result r;
	struct dhpd_conf c;
	struct evlog ev = { 0 };
	struct mh_msg m;
	struct pkt p;
	struct in6_addr d1, d2;

	d1 = lease(e, 1, 0);
	bind_bu(e, 1, &d1, &COA1, 500);
	m = req_msg(1, DHOA_F_B, CONT_SESSION_LASTING, 150, &ANY, &HOA2,
	    &COA2, ntp_at(1000));
	pkt_sign(&p, &m, &mn_sa2, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 1000, ntp_at(1000), &r),
	    DHP_V_ACCEPTED);
	d2 = r.reply.msg.u.dresp.dhoa;
	/* mn2 leaves the configuration; the lease lifetime shrinks. */
	conf_make(&c, "2001:db8:d1::/64", 1000);
	c.nmns = 1;
	c.lease_lifetime = 100;
	CU_ASSERT_EQUAL(dhp_engine_reconfigure(e, &c, sas, NOW0 + 2000,
	    on_event, &ev), 0);
	CU_ASSERT_EQUAL(ev.ndel, 1);
	CU_ASSERT(eq(&ev.last_del.action.dhoa, &d2));
	CU_ASSERT(eq(&ev.last_del.action.coa, &COA2));
	CU_ASSERT_PTR_NULL(dhp_engine_lease(e, &d2));
	CU_ASSERT_PTR_NOT_NULL(dhp_engine_find(e, &d1));
	/* mn1 keeps its lease, its replay state, and gets the new cap. */
	CU_ASSERT_EQUAL(send_req(e, 2, 0, 150, &ANY, &COA1, 3000, &r),
	    DHP_V_ACCEPTED);
	CU_ASSERT(eq(&r.reply.msg.u.dresp.dhoa, &d1));
	CU_ASSERT_EQUAL(r.reply.msg.u.dresp.lifetime, 25);
	CU_ASSERT_EQUAL(send_bu(e, 1, DHP_BU_F_A, 75, &d1, &COA2, 4000, &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_SEQ_OUT_OF_WINDOW);
	/* mn2 is refused now. */
	m = req_msg(2, 0, CONT_SESSION_LASTING, 150, &ANY, &HOA2, &COA2,
	    ntp_at(5000));
	pkt_sign(&p, &m, &mn_sa2, &COA2);
	CU_ASSERT_EQUAL(feed(e, &p, NOW0 + 5000, ntp_at(5000), &r),
	    DHP_V_REJECTED);
	CU_ASSERT_EQUAL(r.status, BA_STATUS_PROHIBITED);
	dhp_engine_free(e);
}

/* 2000 DHoA bindings (each its own MN and SA) in one engine; then all
 * expire. */
static void
test_many(void)
{
	const unsigned N = 2000;
	struct dhpd_conf c;
	struct dhpd_mn *mns = calloc(N, sizeof(*mns));
	struct mh_sa *mnsa = calloc(N, sizeof(*mnsa));
	struct sa_table *t = sa_table_new();
	struct dhp_engine *e;
	struct dhp_result r;
	struct evlog ev = { 0 };
	struct mh_msg m;
	struct pkt p;
	struct in6_addr hoa = HOA1;
	unsigned bad = 0;

	CU_ASSERT_FATAL(mns != NULL && mnsa != NULL && t != NULL);
	log_setlevel(LOG_LVL_WARN);	/* 10^4 info lines otherwise */
	conf_make(&c, "2001:db8:d1::/64", 1000000);
	for (unsigned i = 0; i < N; i++) {
		struct mh_sa s;

		hoa.s6_addr[14] = (uint8_t)(i >> 8);
		hoa.s6_addr[15] = (uint8_t)i;
		snprintf(mns[i].name, CONF_NAME_MAX, "mn%u", i);
		mns[i].home_address = hoa;
		mns[i].spi = 10000 + i;
		sa_mk(&s, 10000 + i, AUTH_ALG_HMAC_SHA256_128, (uint8_t)i);
		sa_table_add(t, &s);
		sa_mk(&mnsa[i], 10000 + i, AUTH_ALG_HMAC_SHA256_128,
		    (uint8_t)i);
	}
	c.mns = mns;
	c.nmns = N;
	e = dhp_engine_new(&c, t, 99);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	for (unsigned i = 0; i < N; i++) {
		m = req_msg(1, DHOA_F_B, CONT_ANY, 150, &ANY,
		    &mns[i].home_address, &COA1, ntp_at(i));
		pkt_sign(&p, &m, &mnsa[i], &COA1);
		if (feed(e, &p, NOW0 + i, ntp_at(i), &r) != DHP_V_ACCEPTED ||
		    !r.has_action || r.action.kind != DHP_ACT_BIND_ADD)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(dhp_engine_bindings(e), N);
	CU_ASSERT_EQUAL(dhoa_pool_stats(dhp_engine_pool(e))->leased, N);
	/* Every binding at 90 %: a signed BRR each. */
	CU_ASSERT_EQUAL(dhp_engine_expire(e, NOW0 + 280000, ntp_at(280000),
	    on_event, &ev), N);
	CU_ASSERT_EQUAL(ev.nbrr, N);
	CU_ASSERT_EQUAL(ev.last_brr.reply.msg.opt.auth_spi, 10000 + N - 1);
	/* Long after: bindings expire (no BRR that late), then leases. */
	CU_ASSERT_EQUAL(dhp_engine_expire(e, NOW0 + 700000, ntp_at(700000),
	    on_event, &ev), N);
	CU_ASSERT_EQUAL(ev.ndel, N);
	CU_ASSERT_EQUAL(ev.nbrr, N);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->bind_expired, N);
	CU_ASSERT_EQUAL(dhp_engine_stats(e)->lease_expired, N);
	CU_ASSERT_EQUAL(dhp_engine_bindings(e), 0);
	CU_ASSERT_EQUAL(dhoa_pool_stats(dhp_engine_pool(e))->leased, 0);
	dhp_engine_free(e);
	sa_table_free(t);
	for (unsigned i = 0; i < N; i++)
		sa_clear(&mnsa[i]);
	free(mnsa);
	free(mns);
	log_setlevel(LOG_LVL_INFO);
}

static const CU_TestInfo tests[] = {
	{ "DHoA Request: lease any, F.9 renew, cap", test_lease_any },
	{ "DHoA Request: requested DHoA, 201, 203", test_requested_dhoa },
	{ "DHoA Request: bind now (B)", test_bind_now },
	{ "DHoA Request: release (lifetime 0), 200", test_release_by_request },
	{ "DHoA Request: continuity types, 204", test_continuity_types },
	{ "DHoA Request: pool exhausted, max_leases, 130", test_exhaustion },
	{ "DHP-BU: register, refresh, move, A = 0", test_bu_register_move },
	{ "DHP-BU: lifetime caps", test_bu_lifetimes },
	{ "DHP-BU: release with R", test_bu_release },
	{ "DHP-BU: lifetime 0, delete delay, revive", test_bu_delete_delay },
	{ "DHP-BU: stale sequence, wrap-around, 135", test_bu_stale_seq },
	{ "DHP-BU and DHoA Request: replays, 144", test_bu_replay },
	{ "DHP-BU older than a bind-now request", test_bu_older_than_bind_now },
	{ "forged messages: 146, 129, silent drops", test_forged },
	{ "MESG-ID window and missing: 144, 145", test_mesgid_window },
	{ "DHP-BU: 200, 201, 174, CoA ::", test_bu_lookup_and_coa },
	{ "expiry, BRR, lease expiry", test_expiry_and_brr },
	{ "data plane refused the action", test_action_failed },
	{ "other MH types dropped", test_other_types },
	{ "replay = seq-only", test_seq_only },
	{ "reconfigure", test_reconfigure },
	{ "2000 mobile nodes", test_many },
	CU_TEST_INFO_NULL,
};

static int
cu_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("dhp_engine", suite_init, suite_clean)) == NULL)
		return -1;
	for (const CU_TestInfo *t = tests; t->pName; t++)
		if (CU_add_test(s, t->pName, t->pTestFunc) == NULL)
			return -1;
	return 0;
}
