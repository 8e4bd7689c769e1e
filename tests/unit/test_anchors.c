/*
 * test_anchors.c: mnd's DHP anchors (mn/anchors.c) with explicit time,
 * against the real DHP directory (ha/ha_engine.c answering DHP Query)
 * and real DHPs (dhp/dhp_engine.c), over a simulated network whose
 * links to each peer can be cut:
 *
 *   - fixed / non-persistent / no link; the full session-lasting path
 *     (query, cache, DHoA Request with B and the CoA, install, DHP-BU,
 *     DHP-BC) with its log lines; reuse of an anchor through the cache;
 *     one DHoA per DHP for two CNs;
 *   - handoff: one DHP-BU per DHoA at once (the DHPs move their
 *     bindings), an idle DHoA released instead (G.4 step 2); at home
 *     CoA := HoA from the HoA (F.16);
 *   - release: DHP-BU lifetime 0 with R, the DHoA Request fallback when
 *     it is not answered, the idle timer (F.10), shutdown;
 *   - the C.2 bounds: DHP Query 1+2+4 s, DHoA Request 1+2+4+8 s, then
 *     the HoA (or a failure without fallback_to_ha); a held-down DHP;
 *     pool exhausted (130) and the next candidate; graceful-replacement;
 *   - DHP-BU retransmission, lease renewal at 80 %, BRR, a DHoA Response
 *     144 clock resync, forged / stale / stray answers.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchors.h"
#include "auth.h"
#include "conf.h"
#include "dhp_engine.h"
#include "ha_engine.h"
#include "log.h"
#include "mh.h"
#include "cu_main.h"

#define SPI_HA	4096
#define SPI_D1	8192
#define SPI_D2	8193
#define SPI_D3	8194
#define SPI_MN2	8200		/* another MN, at dhp1 only */
#define NTP0	0xE875470000000000ULL
#define NDHP	3

static struct in6_addr HA, HOA, HOA2, COA1, COA2, CN1, CN2, CN3, CN4, CN5,
    DHP[NDHP];
static struct mh_sa mn_ha_sa, forged_sa, mn2_sa;
static struct sa_table *mn_sas, *ha_sas, *dhp_sas[NDHP];

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

static bool
same(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void
sa_mk(struct mh_sa *sa, uint32_t spi, uint8_t base)
{
	uint8_t key[32];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(base + i);
	if (sa_init(sa, spi, AUTH_ALG_HMAC_SHA256_128, key, 32) != 0)
		abort();
}

static void
table_add(struct sa_table *t, uint32_t spi, uint8_t base)
{
	struct mh_sa sa;

	sa_mk(&sa, spi, base);
	if (sa_table_add(t, &sa) != 0)
		abort();
}

/* ---- log lines ---------------------------------------------------------- */

#define NLINES	512
static char lines[NLINES][256];
static size_t nlines;

static void
sink(int prio, const char *msg)
{
	(void)prio;
	if (nlines < NLINES)
		snprintf(lines[nlines++], sizeof(lines[0]), "%s", msg);
}

static bool
saw(const char *exact)
{
	for (size_t i = 0; i < nlines; i++)
		if (strcmp(lines[i], exact) == 0)
			return true;
	fprintf(stderr, "missing log line: \"%s\"\n", exact);
	return false;
}

static bool
saw_prefix(const char *prefix)
{
	for (size_t i = 0; i < nlines; i++)
		if (strncmp(lines[i], prefix, strlen(prefix)) == 0)
			return true;
	fprintf(stderr, "missing log line starting \"%s\"\n", prefix);
	return false;
}

static bool
saw_sub(const char *sub)
{
	for (size_t i = 0; i < nlines; i++)
		if (strstr(lines[i], sub) != NULL)
			return true;
	fprintf(stderr, "missing log line with \"%s\"\n", sub);
	return false;
}

static size_t
count_prefix(const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < nlines; i++)
		if (strncmp(lines[i], prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

/* ---- the world: an MN, the directory, three DHPs, a network ------------- */

struct pkt {
	uint8_t		buf[MH_MAX_LEN];
	size_t		len;
	struct in6_addr	src, dst;
};

#define NPKT	256
static struct w {
	struct anchors		 an;
	struct ha_engine	*ha;
	struct dhp_engine	*dhp[NDHP];
	uint64_t		 now;		/* ms */
	int64_t			 peer_skew_ms;	/* peers' clocks vs ours */
	bool			 cut_ha, cut_dhp[NDHP], cut_down;
	struct pkt		 q[NPKT];	/* MN -> peers, not delivered */
	size_t			 nq;
	struct pkt		 log[NPKT];	/* every MH the MN sent */
	size_t			 nlog;
	unsigned		 installs, uninstalls;
	struct in6_addr		 inst_dhoa, inst_tep;
	unsigned		 ev[4];
	unsigned		 delivered;	/* answers given to the MN */
} W;

/* The MN's clock. Its wall clock never stands still between two
 * events, as a real one does not (the DHPs want each MESG-ID of a kind
 * newer than the last): every call adds a few NTP fraction units. */
static struct bul_now
T(void)
{
	static uint64_t tick;
	struct bul_now n = { W.now, NTP0 + ((W.now / 1000) << 32) +
	    (((W.now % 1000) << 32) / 1000) + (++tick % 1000) * 16 };

	return n;
}

static uint64_t
peer_ntp(void)
{
	int64_t ms = (int64_t)W.now + W.peer_skew_ms;

	return NTP0 + (((uint64_t)ms / 1000) << 32) +
	    ((((uint64_t)ms % 1000) << 32) / 1000);
}

static int
io_send(void *arg, const uint8_t *mh, size_t len, const struct in6_addr *src,
    const struct in6_addr *dst)
{
	struct pkt *p;

	(void)arg;
	CU_ASSERT_FATAL(W.nq < NPKT && W.nlog < NPKT);
	p = &W.q[W.nq++];
	memcpy(p->buf, mh, len);
	p->len = len;
	p->src = *src;
	p->dst = *dst;
	W.log[W.nlog++] = *p;
	return 0;
}

static int
io_install(void *arg, const struct in6_addr *dhoa, const struct in6_addr *tep)
{
	(void)arg;
	W.installs++;
	W.inst_dhoa = *dhoa;
	W.inst_tep = *tep;
	return 0;
}

static void
io_uninstall(void *arg, const struct in6_addr *dhoa)
{
	(void)arg;
	(void)dhoa;
	W.uninstalls++;
}

static void
io_event(void *arg, enum anchors_event ev, const struct anchor *an,
    const struct anchor_req *r)
{
	(void)arg;
	(void)an;
	(void)r;
	W.ev[ev]++;
}

static struct had_mn had_mns[1];
static struct had_dhp had_dhps[5];
static struct conf_prefix had_serves[5];
static struct dhpd_mn dhpd_mns[NDHP][2];
static struct conf_prefix dhpd_pools[NDHP];
static struct mnd_dhp mnd_dhps[NDHP];

/*
 * Directory: dhp1 serves c1::/48, dhp2 c2::/48; c3::/48 is served by
 * dhp1 (preference 200) and dhp2 (100); c4::/48 by dhp3, co-located.
 * c5::/48 by nobody (USE_HA).
 */
static struct ha_engine *
directory(void)
{
	struct had_conf c;
	static const struct {
		int	dhp;
		const char *pfx;
		uint8_t	pref;
		bool	coloc;
	} d[] = {
		{ 0, "2001:db8:c1::/48", 100, false },
		{ 1, "2001:db8:c2::/48", 100, false },
		{ 0, "2001:db8:c3::/48", 200, false },
		{ 1, "2001:db8:c3::/48", 100, false },
		{ 2, "2001:db8:c4::/48", 100, true },
	};
	char err[64];

	memset(&c, 0, sizeof(c));
	c.address = HA;
	c.home_prefix.addr = A("2001:db8:10::");
	c.home_prefix.len = 64;
	c.max_lifetime = 600;
	c.skip_dad = true;
	c.validity = 300;
	memset(had_mns, 0, sizeof(had_mns));
	strcpy(had_mns[0].name, "mn1");
	had_mns[0].home_address = HOA;
	had_mns[0].spi = SPI_HA;
	c.mns = had_mns;
	c.nmns = 1;
	memset(had_dhps, 0, sizeof(had_dhps));
	for (size_t i = 0; i < 5; i++) {
		snprintf(had_dhps[i].name, CONF_NAME_MAX, "d%zu", i);
		had_dhps[i].address = DHP[d[i].dhp];
		had_dhps[i].preference = d[i].pref;
		had_dhps[i].metric = 10;
		had_dhps[i].colocated = d[i].coloc;
		if (conf_prefix_parse(d[i].pfx, &had_serves[i], err,
		    sizeof(err)) != 0)
			abort();
		had_dhps[i].serves = &had_serves[i];
		had_dhps[i].nserves = 1;
	}
	c.dhps = had_dhps;
	c.ndhps = 5;
	return ha_engine_new(&c, ha_sas);
}

static struct dhp_engine *
dhp_engine_at(int i, const char *pool)
{
	struct dhpd_conf c;
	char err[64];

	memset(&c, 0, sizeof(c));
	c.address = DHP[i];
	if (conf_prefix_parse(pool, &dhpd_pools[i], err, sizeof(err)) != 0)
		abort();
	c.pools = &dhpd_pools[i];
	c.npools = 1;
	c.lease_lifetime = 600;
	c.binding_lifetime = 300;
	c.quarantine = 120;
	c.max_leases = 1000;
	c.continuity[CONT_SESSION_LASTING] = true;
	c.continuity[CONT_GRACEFUL] = true;
	memset(dhpd_mns[i], 0, sizeof(dhpd_mns[i]));
	strcpy(dhpd_mns[i][0].name, "mn1");
	dhpd_mns[i][0].home_address = HOA;
	dhpd_mns[i][0].spi = SPI_D1 + (uint32_t)i;
	strcpy(dhpd_mns[i][1].name, "mn2");
	dhpd_mns[i][1].home_address = HOA2;
	dhpd_mns[i][1].spi = SPI_MN2;
	c.mns = dhpd_mns[i];
	c.nmns = i == 0 ? 2 : 1;
	return dhp_engine_new(&c, dhp_sas[i], 7 + (uint64_t)i);
}

static void
world_cfg(struct anchors_cfg *cfg)
{
	anchors_cfg_defaults(cfg);
	cfg->hoa = HOA;
	cfg->ha = HA;
	cfg->ha_sa = &mn_ha_sa;
}

static void
world_with(const struct anchors_cfg *cfg, const char *pool1)
{
	struct anchors_io io = {
		.send = io_send, .install = io_install,
		.uninstall = io_uninstall, .event = io_event,
	};

	for (size_t i = 0; i < NDHP; i++)
		if (W.dhp[i] != NULL)
			dhp_engine_free(W.dhp[i]);
	if (W.ha != NULL)
		ha_engine_free(W.ha);
	memset(&W, 0, sizeof(W));
	W.now = 100000;
	W.ha = directory();
	W.dhp[0] = dhp_engine_at(0, pool1 != NULL ? pool1 :
	    "2001:db8:d1::/64");
	W.dhp[1] = dhp_engine_at(1, "2001:db8:d2::/64");
	W.dhp[2] = dhp_engine_at(2, "2001:db8:d3::/64");
	CU_ASSERT_PTR_NOT_NULL_FATAL(W.ha);
	CU_ASSERT_PTR_NOT_NULL_FATAL(W.dhp[0]);
	CU_ASSERT_EQUAL_FATAL(anchors_init(&W.an, cfg, mnd_dhps, NDHP, mn_sas,
	    &io, 1000), 0);
	nlines = 0;
	anchors_coa(&W.an, &COA1, false, T());
}

static void
world_pool(const char *pool1)
{
	struct anchors_cfg cfg;

	world_cfg(&cfg);
	world_with(&cfg, pool1);
}

static void
world(void)
{
	world_pool(NULL);
}

static void
world_end(void)
{
	anchors_free(&W.an);
	for (size_t i = 0; i < NDHP; i++)
		dhp_engine_free(W.dhp[i]);
	ha_engine_free(W.ha);
	memset(&W, 0, sizeof(W));
}

/* Give the MN a signed answer from src to dst. */
static enum anchors_verdict
to_mn(const uint8_t *buf, size_t len, const struct in6_addr *src,
    const struct in6_addr *dst)
{
	struct mh_msg m;

	CU_ASSERT_EQUAL_FATAL(mh_parse(buf, len, &m), MH_OK);
	W.delivered++;
	return anchors_input(&W.an, &m, buf, len, src, dst, T());
}

static void
dhp_event(const struct dhp_event *ev, void *arg)
{
	uint8_t buf[MH_MAX_LEN];
	ssize_t n;
	int i = (int)(intptr_t)arg;

	if (!ev->has_reply || W.cut_down)
		return;
	n = dhp_reply_encode(&ev->reply, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	to_mn(buf, (size_t)n, &DHP[i], &ev->reply.dst);
}

/* Deliver what the MN sent (and what that makes it send), FIFO. */
static void
pump(void)
{
	uint8_t buf[MH_MAX_LEN];
	ssize_t n;

	for (size_t k = 0; k < W.nq; k++) {
		struct pkt p = W.q[k];
		struct mh_msg m;

		CU_ASSERT_EQUAL_FATAL(mh_parse(p.buf, p.len, &m), MH_OK);
		if (same(&p.dst, &HA)) {
			struct ha_rx rx;
			struct ha_result res;

			if (W.cut_ha)
				continue;
			memset(&rx, 0, sizeof(rx));
			rx.msg = &m;
			rx.raw = p.buf;
			rx.len = p.len;
			rx.src = p.src;
			rx.dst = p.dst;
			rx.now = W.now;
			rx.now_ntp = peer_ntp();
			ha_engine_input(W.ha, &rx, &res);
			if (!res.has_reply || W.cut_down)
				continue;
			n = ha_reply_encode(&res.reply, buf, sizeof(buf));
			CU_ASSERT_FATAL(n > 0);
			to_mn(buf, (size_t)n, &HA, &res.reply.dst);
			continue;
		}
		for (int i = 0; i < NDHP; i++) {
			struct dhp_rx rx;
			struct dhp_result res;

			if (!same(&p.dst, &DHP[i]) || W.cut_dhp[i])
				continue;
			memset(&rx, 0, sizeof(rx));
			rx.msg = &m;
			rx.raw = p.buf;
			rx.len = p.len;
			rx.src = p.src;
			rx.dst = p.dst;
			rx.now = W.now;
			rx.now_ntp = peer_ntp();
			dhp_engine_input(W.dhp[i], &rx, &res);
			if (!res.has_reply || W.cut_down)
				continue;
			n = dhp_reply_encode(&res.reply, buf, sizeof(buf));
			CU_ASSERT_FATAL(n > 0);
			to_mn(buf, (size_t)n, &DHP[i], &res.reply.dst);
		}
	}
	W.nq = 0;
}

/* Advance time to `until`, firing the MN's timers (and the DHPs') at
 * their deadlines and delivering everything on the way. */
static void
run_until(uint64_t until)
{
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t d = anchors_deadline(&W.an), x;

		for (int i = 0; i < NDHP; i++)
			if ((x = dhp_engine_next_expiry(W.dhp[i])) < d)
				d = x;
		if (d > until)
			break;
		if (d > W.now)
			W.now = d;
		for (int i = 0; i < NDHP; i++)
			dhp_engine_expire(W.dhp[i], W.now, peer_ntp(),
			    dhp_event, (void *)(intptr_t)i);
		anchors_timer(&W.an, T());
		pump();
	}
	W.now = until;
	anchors_timer(&W.an, T());
	pump();
}

/* The MH types the MN sent from index `from` on, as a string. */
static size_t
sent_of(size_t from, uint8_t type, struct mh_msg *last)
{
	size_t n = 0;

	for (size_t i = from; i < W.nlog; i++) {
		struct mh_msg m;

		CU_ASSERT_EQUAL_FATAL(mh_parse(W.log[i].buf, W.log[i].len, &m),
		    MH_OK);
		if (m.type != type)
			continue;
		n++;
		if (last != NULL)
			*last = m;
	}
	return n;
}

/* Another MN (HOA2) takes a DHoA at dhp1: with a one-address pool,
 * nothing is left for ours. */
static void
lease_other(void)
{
	struct mh_msg m;
	struct dhp_rx rx;
	struct dhp_result res;
	uint8_t buf[MH_MAX_LEN];
	size_t off = 0;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_DHOA_REQ;
	m.u.dreq.seq = 1;
	m.u.dreq.cont_type = CONT_SESSION_LASTING;
	m.u.dreq.lifetime = 150;
	m.u.dreq.hoa = HOA2;
	m.u.dreq.coa = COA2;
	m.opt.present = MHO_MESGID | MHO_AUTH;
	m.opt.mesgid = peer_ntp();
	m.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	m.opt.auth_spi = SPI_MN2;
	m.opt.auth_mac_len = 16;
	n = mh_build(&m, buf, sizeof(buf), &off);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_FATAL(mh_auth_sign(buf, (size_t)n, off, &mn2_sa, &COA2,
	    &HOA2) == 0);
	CU_ASSERT_EQUAL_FATAL(mh_parse(buf, (size_t)n, &m), MH_OK);
	memset(&rx, 0, sizeof(rx));
	rx.msg = &m;
	rx.raw = buf;
	rx.len = (size_t)n;
	rx.src = COA2;
	rx.dst = DHP[0];
	rx.now = W.now;
	rx.now_ntp = peer_ntp();
	CU_ASSERT_EQUAL_FATAL(dhp_engine_input(W.dhp[0], &rx, &res),
	    DHP_V_ACCEPTED);
}

static const struct anchor_req *
request(const struct in6_addr *cn, uint8_t type)
{
	const struct anchor_req *r = anchors_request(&W.an, cn, type, T());

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	return r;
}

/* A request that ends DONE with a DHoA (delivering as needed). */
static struct in6_addr
get_dhoa(const struct in6_addr *cn)
{
	unsigned id = request(cn, CONT_SESSION_LASTING)->id;
	const struct anchor_req *r;

	pump();
	r = anchors_find_req(&W.an, id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL_FATAL(r->result, AREQ_R_DHOA);
	return r->addr;
}

static const struct anchor *
anchor(const struct in6_addr *dhoa)
{
	const struct anchor *an = anchors_find_dhoa(&W.an, dhoa);

	CU_ASSERT_PTR_NOT_NULL_FATAL(an);
	return an;
}

static char *
S(const struct in6_addr *a)
{
	static char buf[8][INET6_ADDRSTRLEN];
	static int k;

	k = (k + 1) % 8;
	return (char *)inet_ntop(AF_INET6, a, buf[k], INET6_ADDRSTRLEN);
}

/* ---- simple types ------------------------------------------------------- */

static void
test_fixed_nonpersistent(void)
{
	const struct anchor_req *r;

	world();
	r = request(&CN1, CONT_FIXED);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_HOA);
	CU_ASSERT_TRUE(same(&r->addr, &HOA));
	r = request(&CN1, CONT_NON_PERSISTENT);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_COA);
	CU_ASSERT_TRUE(same(&r->addr, &COA1));
	CU_ASSERT_PTR_NULL(anchors_request(&W.an, &CN1, 9, T()));
	CU_ASSERT_PTR_NULL(anchors_request(&W.an, &CN1, CONT_ANY, T()));
	CU_ASSERT_EQUAL(W.nlog, 0);
	/* No link: a DHoA cannot be had. */
	anchors_lost(&W.an);
	r = request(&CN1, CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(r->state, AREQ_FAILED);
	CU_ASSERT_STRING_EQUAL(r->why, "no usable link");
	CU_ASSERT_EQUAL(W.nlog, 0);
	world_end();
}

/* ---- the full path ------------------------------------------------------ */

static void
test_full_path(void)
{
	const struct anchor_req *r;
	const struct anchor *an;
	const struct dhp_binding *b;
	struct mh_msg m;
	unsigned id;
	char line[256];

	world();
	r = request(&CN1, CONT_SESSION_LASTING);
	id = r->id;
	CU_ASSERT_EQUAL(r->state, AREQ_QUERYING);
	/* A.3.3: DHP Query from the CoA to the HA, HoA option, AUTH. */
	CU_ASSERT_EQUAL_FATAL(W.nq, 1);
	CU_ASSERT_TRUE(same(&W.q[0].src, &COA1));
	CU_ASSERT_TRUE(same(&W.q[0].dst, &HA));
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHP_QUERY, &m), 1);
	CU_ASSERT_TRUE(same(&m.u.dq.cn, &CN1));
	CU_ASSERT_TRUE(same(&m.opt.hoa, &HOA));
	CU_ASSERT_EQUAL(m.opt.auth_spi, SPI_HA);
	pump();
	CU_ASSERT_TRUE(saw("DHP query for 2001:db8:c1::1: 2001:db8:f::11 "
	    "dhp1 (validity 300s)"));
	/* DHoA Request with B and the CoA, to dhp1, with dhp1's SA. */
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHOA_REQ, &m), 1);
	CU_ASSERT_EQUAL(m.u.dreq.flags, DHOA_F_B);
	CU_ASSERT_EQUAL(m.u.dreq.cont_type, CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(m.u.dreq.lifetime, 150);
	CU_ASSERT_TRUE(same(&m.u.dreq.coa, &COA1));
	CU_ASSERT_TRUE(same(&m.u.dreq.hoa, &HOA));
	CU_ASSERT_TRUE(IN6_IS_ADDR_UNSPECIFIED(&m.u.dreq.req_dhoa));
	CU_ASSERT_EQUAL(m.opt.auth_spi, SPI_D1);
	CU_ASSERT_EQUAL(m.opt.n_flow, 1);
	r = anchors_find_req(&W.an, id);
	CU_ASSERT_EQUAL_FATAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_DHOA);
	CU_ASSERT_EQUAL(r->addr.s6_addr[5], 0xd1);	/* 2001:db8:d1::/64 */
	/* Installed: DHoA into the tunnel to dhp1. */
	CU_ASSERT_EQUAL(W.installs, 1);
	CU_ASSERT_TRUE(same(&W.inst_dhoa, &r->addr));
	CU_ASSERT_TRUE(same(&W.inst_tep, &DHP[0]));
	CU_ASSERT_EQUAL(W.ev[ANCHORS_EV_BOUND], 1);
	snprintf(line, sizeof(line), "DHoA %s from 2001:db8:f::11 for "
	    "2001:db8:c1::1 type session-lasting", S(&r->addr));
	CU_ASSERT_TRUE(saw(line));
	snprintf(line, sizeof(line), "anchor %s: requesting -> bound (DHoA "
	    "Response status 0, lease 600s, bound)", S(&r->addr));
	CU_ASSERT_TRUE(saw(line));
	/* The DHP-BU of the binding step went and was confirmed. */
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHP_BU, &m), 1);
	CU_ASSERT_TRUE(same(&m.u.dbu.dhoa, &r->addr));
	CU_ASSERT_TRUE(same(&m.u.dbu.coa, &COA1));
	CU_ASSERT_EQUAL(m.u.dbu.flags, DHP_BU_F_A);
	snprintf(line, sizeof(line), "DHP-BU to 2001:db8:f::11 seq %u dhoa %s "
	    "coa 2001:db8:1::100 lifetime 300s (bind)", m.u.dbu.seq,
	    S(&r->addr));
	CU_ASSERT_TRUE(saw(line));
	snprintf(line, sizeof(line), "DHP-BC from 2001:db8:f::11 seq %u "
	    "status 0 (accepted) lifetime 300s", m.u.dbu.seq);
	CU_ASSERT_TRUE(saw(line));
	an = anchor(&r->addr);
	CU_ASSERT_EQUAL(an->state, ANCHOR_BOUND);
	CU_ASSERT_EQUAL(an->holds, 1);
	CU_ASSERT_EQUAL(an->bul->state, BUL_REGISTERED);
	CU_ASSERT_EQUAL(W.ev[ANCHORS_EV_ACK], 1);
	b = dhp_engine_find(W.dhp[0], &r->addr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_TRUE(same(&b->coa, &COA1));
	CU_ASSERT_EQUAL(W.an.cache.dhps[0].anchors, 1);
	world_end();
}

static void
test_reuse_and_two_dhps(void)
{
	struct in6_addr d1, d2;
	const struct anchor_req *r;
	size_t before;

	world();
	d1 = get_dhoa(&CN1);
	/* Another CN in the same /64 and one in c3::/48 (dhp1 preferred):
	 * the cache and the anchor answer at once, nothing is sent. */
	before = W.nlog;
	r = request(&(struct in6_addr){ .s6_addr = { 0x20, 0x01, 0x0d, 0xb8,
	    0, 0xc1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 } }, CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_TRUE(same(&r->addr, &d1));
	CU_ASSERT_EQUAL(W.nlog, before);
	CU_ASSERT_EQUAL(anchor(&d1)->holds, 2);
	r = request(&CN3, CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(r->state, AREQ_QUERYING);
	pump();
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHOA_REQ, NULL), 0);
	CU_ASSERT_EQUAL(anchor(&d1)->holds, 3);
	/* CN2 is served by dhp2: a second DHoA, from its pool. */
	d2 = get_dhoa(&CN2);
	CU_ASSERT_FALSE(same(&d1, &d2));
	CU_ASSERT_EQUAL(d2.s6_addr[5], 0xd2);
	CU_ASSERT_EQUAL(W.an.n, 2);
	CU_ASSERT_EQUAL(W.installs, 2);
	CU_ASSERT_TRUE(same(&W.inst_tep, &DHP[1]));
	world_end();
}

/* ---- handoff, home ------------------------------------------------------ */

static void
test_handoff(void)
{
	struct in6_addr d1, d2;
	size_t before;
	struct mh_msg m;
	unsigned acks;

	world();
	d1 = get_dhoa(&CN1);
	d2 = get_dhoa(&CN2);
	acks = W.ev[ANCHORS_EV_ACK];
	before = W.nlog;
	W.now += 5000;
	anchors_coa(&W.an, &COA2, false, T());
	/* G.4 step 1: both DHP-BUs leave at once, from the new CoA. */
	CU_ASSERT_EQUAL(W.nq, 2);
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHP_BU, &m), 2);
	CU_ASSERT_TRUE(same(&m.u.dbu.coa, &COA2));
	CU_ASSERT_TRUE(same(&W.q[0].src, &COA2));
	CU_ASSERT_TRUE(same(&W.q[1].src, &COA2));
	CU_ASSERT_EQUAL(anchor(&d1)->bul->state, BUL_REGISTERING);
	CU_ASSERT_TRUE(saw_prefix("DHP-BU to 2001:db8:f::21 seq "));
	CU_ASSERT_EQUAL(count_prefix("DHP-BU to "), 4);
	pump();
	CU_ASSERT_EQUAL(W.ev[ANCHORS_EV_ACK], acks + 2);
	CU_ASSERT_EQUAL(anchor(&d1)->bul->state, BUL_REGISTERED);
	CU_ASSERT_EQUAL(anchor(&d2)->bul->state, BUL_REGISTERED);
	CU_ASSERT_TRUE(same(&dhp_engine_find(W.dhp[0], &d1)->coa, &COA2));
	CU_ASSERT_TRUE(same(&dhp_engine_find(W.dhp[1], &d2)->coa, &COA2));
	/* The same CoA again changes nothing. */
	before = W.nlog;
	anchors_coa(&W.an, &COA2, false, T());
	CU_ASSERT_EQUAL(W.nlog, before);
	/* F.16: at home, CoA := HoA, sent from the HoA. */
	anchors_coa(&W.an, &HOA, true, T());
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHP_BU, &m), 2);
	CU_ASSERT_TRUE(same(&m.u.dbu.coa, &HOA));
	CU_ASSERT_TRUE(same(&W.q[0].src, &HOA));
	CU_ASSERT_NOT_EQUAL(m.u.dbu.lifetime, 0);
	pump();
	CU_ASSERT_TRUE(same(&dhp_engine_find(W.dhp[0], &d1)->coa, &HOA));
	CU_ASSERT_EQUAL(anchor(&d2)->bul->state, BUL_REGISTERED);
	CU_ASSERT_TRUE(saw_prefix("DHP-BU to 2001:db8:f::11 seq "));
	world_end();
}

static void
test_handoff_idle_released(void)
{
	struct in6_addr d1, d2;
	size_t before;
	struct mh_msg m;

	world();
	d1 = get_dhoa(&CN1);
	d2 = get_dhoa(&CN2);
	CU_ASSERT_EQUAL(anchors_unhold(&W.an, &d2, T()), 0);
	CU_ASSERT_EQUAL(anchors_unhold(&W.an, &d2, T()), -1);
	before = W.nlog;
	anchors_coa(&W.an, &COA2, false, T());
	/* d1 re-bound; d2 (no user) released instead (G.4 step 2). */
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHP_BU, NULL), 2);
	for (size_t i = before; i < W.nlog; i++) {
		mh_parse(W.log[i].buf, W.log[i].len, &m);
		if (same(&m.u.dbu.dhoa, &d2)) {
			CU_ASSERT_EQUAL(m.u.dbu.lifetime, 0);
			CU_ASSERT_EQUAL(m.u.dbu.flags, DHP_BU_F_A | DHP_BU_F_R);
		} else
			CU_ASSERT_NOT_EQUAL(m.u.dbu.lifetime, 0);
	}
	pump();
	CU_ASSERT_PTR_NULL(anchors_find_dhoa(&W.an, &d2));
	CU_ASSERT_PTR_NULL(dhp_engine_lease(W.dhp[1], &d2));
	CU_ASSERT_PTR_NOT_NULL(dhp_engine_lease(W.dhp[0], &d1));
	CU_ASSERT_EQUAL(W.uninstalls, 1);
	CU_ASSERT_EQUAL(W.an.cache.dhps[1].anchors, 0);
	world_end();
}

/* ---- release ------------------------------------------------------------ */

static void
test_release(void)
{
	struct in6_addr d1;
	char line[256];

	world();
	d1 = get_dhoa(&CN1);
	CU_ASSERT_EQUAL(anchors_release(&W.an, &COA2, T()), -1);
	CU_ASSERT_EQUAL(anchors_release(&W.an, &d1, T()), 0);
	CU_ASSERT_EQUAL(anchor(&d1)->state, ANCHOR_RELEASING);
	CU_ASSERT_EQUAL(anchors_release(&W.an, &d1, T()), -1);
	pump();
	CU_ASSERT_PTR_NULL(anchors_find_dhoa(&W.an, &d1));
	CU_ASSERT_PTR_NULL(dhp_engine_lease(W.dhp[0], &d1));
	CU_ASSERT_EQUAL(W.uninstalls, 1);
	CU_ASSERT_EQUAL(W.an.st.released, 1);
	snprintf(line, sizeof(line), "anchor %s: bound -> releasing (released "
	    "on request, 1 holder)", S(&d1));
	CU_ASSERT_TRUE(saw(line));
	snprintf(line, sizeof(line), "anchor %s: releasing -> gone (released, "
	    "DHP-BC status 0 (accepted))", S(&d1));
	CU_ASSERT_TRUE(saw(line));
	CU_ASSERT_TRUE(anchors_idle(&W.an));
	world_end();
}

/* No DHP-BC to the release: DHoA Requests with lifetime 0 (3 tries). */
static void
test_release_unanswered(void)
{
	struct in6_addr d1;
	struct mh_msg m;
	size_t before;
	uint64_t t0;

	world();
	d1 = get_dhoa(&CN1);
	W.cut_dhp[0] = true;
	before = W.nlog;
	t0 = W.now;
	anchors_release(&W.an, &d1, T());
	pump();
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHP_BU, NULL), 1);
	run_until(t0 + 999);
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHOA_REQ, NULL), 0);
	run_until(t0 + 1000);
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHOA_REQ, &m), 1);
	CU_ASSERT_EQUAL(m.u.dreq.lifetime, 0);
	CU_ASSERT_EQUAL(m.u.dreq.flags, 0);
	CU_ASSERT_TRUE(same(&m.u.dreq.req_dhoa, &d1));
	/* Tries at 1, 2 and 4 s; the third answer is awaited 4 s, then
	 * the lease is left to expire at the DHP. */
	run_until(t0 + 3999);
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHOA_REQ, NULL), 2);
	run_until(t0 + 4000);
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHOA_REQ, NULL), 3);
	run_until(t0 + 7999);
	CU_ASSERT_PTR_NOT_NULL(anchors_find_dhoa(&W.an, &d1));
	run_until(t0 + 8000);
	CU_ASSERT_PTR_NULL(anchors_find_dhoa(&W.an, &d1));
	CU_ASSERT_TRUE(saw_sub(": releasing -> gone (release: no answer to 3 "
	    "DHoA Requests; the lease expires at the DHP)"));
	CU_ASSERT_EQUAL(W.uninstalls, 1);
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHOA_REQ, NULL), 3);
	world_end();
}

static void
test_release_by_request_answer(void)
{
	struct in6_addr d1;

	world();
	d1 = get_dhoa(&CN1);
	/* The DHP-BC is lost; the DHoA Request that follows is answered. */
	W.cut_down = true;
	anchors_release(&W.an, &d1, T());
	pump();
	W.cut_down = false;
	run_until(W.now + 1000);
	CU_ASSERT_PTR_NULL(anchors_find_dhoa(&W.an, &d1));
	CU_ASSERT_TRUE(saw_prefix("DHoA Response from 2001:db8:f::11 seq "));
	CU_ASSERT_EQUAL(W.an.st.released, 1);
	world_end();
}

static void
test_idle_release(void)
{
	struct in6_addr d1;
	uint64_t t0;

	world();
	d1 = get_dhoa(&CN1);
	CU_ASSERT_EQUAL(anchors_hold(&W.an, &d1), 0);	/* 2 holders */
	anchors_unhold(&W.an, &d1, T());
	t0 = W.now;
	anchors_unhold(&W.an, &d1, T());
	run_until(t0 + 59999);
	CU_ASSERT_PTR_NOT_NULL(anchors_find_dhoa(&W.an, &d1));
	/* A new holder cancels the release ... */
	CU_ASSERT_EQUAL(anchors_hold(&W.an, &d1), 0);
	run_until(t0 + 70000);
	CU_ASSERT_PTR_NOT_NULL(anchors_find_dhoa(&W.an, &d1));
	/* ... and without one it goes 60 s later (F.10). */
	t0 = W.now;
	anchors_unhold(&W.an, &d1, T());
	run_until(t0 + 60000);
	CU_ASSERT_PTR_NULL(anchors_find_dhoa(&W.an, &d1));
	CU_ASSERT_PTR_NULL(dhp_engine_lease(W.dhp[0], &d1));
	CU_ASSERT_TRUE(saw_prefix("anchor 2001:db8:d1:"));
	CU_ASSERT_EQUAL(anchors_hold(&W.an, &d1), -1);
	world_end();
}

static void
test_shutdown(void)
{
	struct in6_addr d1, d2;
	size_t before;

	world();
	d1 = get_dhoa(&CN1);
	d2 = get_dhoa(&CN2);
	/* A third request is still waiting for its DHP Query answer. */
	W.cut_ha = true;
	request(&CN4, CONT_GRACEFUL);
	before = W.nlog;
	CU_ASSERT_TRUE(anchors_shutdown(&W.an, T()));
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHP_BU, NULL), 2);
	CU_ASSERT_EQUAL(W.an.nq, 0);
	CU_ASSERT_EQUAL(anchors_req_at(&W.an, anchors_nreqs(&W.an) - 1)->state,
	    AREQ_FAILED);
	pump();
	CU_ASSERT_TRUE(anchors_idle(&W.an));
	CU_ASSERT_PTR_NULL(dhp_engine_lease(W.dhp[0], &d1));
	CU_ASSERT_PTR_NULL(dhp_engine_lease(W.dhp[1], &d2));
	/* Nothing new once stopping. */
	CU_ASSERT_EQUAL(request(&CN1, CONT_SESSION_LASTING)->state,
	    AREQ_FAILED);
	world_end();

	/* Unanswered at exit: one try, gone after 1 s. */
	world();
	d1 = get_dhoa(&CN1);
	W.cut_dhp[0] = true;
	CU_ASSERT_TRUE(anchors_shutdown(&W.an, T()));
	pump();
	run_until(W.now + 999);
	CU_ASSERT_FALSE(anchors_idle(&W.an));
	run_until(W.now + 1);
	CU_ASSERT_TRUE(anchors_idle(&W.an));
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHOA_REQ, NULL), 1);
	world_end();
}

/* ---- failures and the C.2 bounds ---------------------------------------- */

static void
test_query_timeout(void)
{
	const struct anchor_req *r;
	unsigned id;
	uint64_t t0;

	world();
	W.cut_ha = true;
	t0 = W.now;
	id = request(&CN1, CONT_SESSION_LASTING)->id;
	/* C.2: 1 s, x2, 3 tries: at 0, 1, 3 s; given up at 7 s. */
	run_until(t0 + 999);
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHP_QUERY, NULL), 1);
	run_until(t0 + 1000);
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHP_QUERY, NULL), 2);
	run_until(t0 + 3000);
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHP_QUERY, NULL), 3);
	run_until(t0 + 6999);
	CU_ASSERT_EQUAL(anchors_find_req(&W.an, id)->state, AREQ_QUERYING);
	run_until(t0 + 7000);
	r = anchors_find_req(&W.an, id);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_HOA);
	CU_ASSERT_EQUAL(r->t_done - r->t_start, 7000);
	CU_ASSERT_TRUE(saw("fallback to HoA for 2001:db8:c1::1 (no answer "
	    "from the home agent to 3 DHP Queries)"));
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHP_QUERY, NULL), 3);
	CU_ASSERT_EQUAL(W.an.st.fallbacks, 1);
	world_end();
}

static void
test_dhp_down(void)
{
	const struct anchor_req *r;
	struct anchors_cfg cfg;
	unsigned id;
	uint64_t t0;
	size_t before;

	world();
	W.cut_dhp[1] = true;
	t0 = W.now;
	id = request(&CN2, CONT_SESSION_LASTING)->id;
	pump();
	/* C.2: DHoA Request 1 s, x2, 4 tries: 0, 1, 3, 7 s; up at 15 s. */
	run_until(t0 + 7000);
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHOA_REQ, NULL), 4);
	run_until(t0 + 14999);
	CU_ASSERT_EQUAL(anchors_find_req(&W.an, id)->state, AREQ_REQUESTING);
	run_until(t0 + 15000);
	r = anchors_find_req(&W.an, id);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_HOA);
	CU_ASSERT_TRUE(saw("fallback to HoA for 2001:db8:c2::1 (DHP dhp2 "
	    "2001:db8:f::21: no answer to 4 DHoA Requests)"));
	CU_ASSERT_TRUE(saw("DHP dhp2 (2001:db8:f::21): up -> down for 60s "
	    "(no answer to 4 DHoA Requests)"));
	CU_ASSERT_EQUAL(W.an.n, 0);
	CU_ASSERT_EQUAL(W.installs, 0);
	/* Held down: the next request falls back at once, no new try. */
	before = W.nlog;
	r = request(&CN2, CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_HOA);
	CU_ASSERT_STRING_EQUAL(r->why, "every candidate DHP is down");
	CU_ASSERT_EQUAL(W.nlog, before);
	world_end();

	/* Without fallback_to_ha the request fails. */
	world_cfg(&cfg);
	cfg.fallback_to_ha = false;
	world_with(&cfg, NULL);
	W.cut_dhp[1] = true;
	id = request(&CN2, CONT_SESSION_LASTING)->id;
	pump();
	run_until(W.now + 15000);
	r = anchors_find_req(&W.an, id);
	CU_ASSERT_EQUAL(r->state, AREQ_FAILED);
	CU_ASSERT_EQUAL(r->result, AREQ_R_NONE);
	CU_ASSERT_TRUE(saw("no anchor for 2001:db8:c2::1 (DHP dhp2 "
	    "2001:db8:f::21: no answer to 4 DHoA Requests)"));
	CU_ASSERT_EQUAL(W.an.st.failures, 1);
	world_end();
}

static void
test_pool_exhausted_next_candidate(void)
{
	const struct anchor_req *r;

	/* dhp1's only address is another MN's. */
	world_pool("2001:db8:d1::5/128");
	lease_other();
	r = request(&CN1, CONT_SESSION_LASTING);
	pump();
	r = anchors_req_at(&W.an, 0);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_HOA);
	CU_ASSERT_TRUE(saw("fallback to HoA for 2001:db8:c1::1 (DHP dhp1 "
	    "2001:db8:f::11: DHoA Response status 130 (insufficient "
	    "resources))"));
	CU_ASSERT_TRUE(dhp_cache_is_down(&W.an.cache, 0, W.now));
	/* c3::/48: dhp1 preferred but down, so dhp2 at once. */
	r = request(&CN3, CONT_SESSION_LASTING);
	pump();
	r = anchors_req_at(&W.an, 1);
	CU_ASSERT_EQUAL(r->result, AREQ_R_DHOA);
	CU_ASSERT_EQUAL(r->addr.s6_addr[5], 0xd2);
	world_end();
}

static void
test_next_candidate_after_refusal(void)
{
	const struct anchor_req *r;

	/* dhp1 refuses (130) the request for c3::1: dhp2 is asked next. */
	world_pool("2001:db8:d1::5/128");
	lease_other();
	r = request(&CN3, CONT_SESSION_LASTING);
	pump();
	r = anchors_req_at(&W.an, 0);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_DHOA);
	CU_ASSERT_EQUAL(r->dhp, 1);
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHOA_REQ, NULL), 2);
	CU_ASSERT_EQUAL(count_prefix("fallback"), 0);
	world_end();
}

static void
test_use_ha_and_graceful(void)
{
	const struct anchor_req *r;
	size_t before;

	world();
	/* Nobody serves c5::/48: USE_HA, cached. */
	r = request(&CN5, CONT_SESSION_LASTING);
	pump();
	r = anchors_req_at(&W.an, 0);
	CU_ASSERT_EQUAL(r->result, AREQ_R_HOA);
	CU_ASSERT_TRUE(saw("DHP query for 2001:db8:c5::1: use HA (validity "
	    "300s)"));
	before = W.nlog;
	r = request(&CN5, CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(r->result, AREQ_R_HOA);
	CU_ASSERT_EQUAL(W.nlog, before);
	/* Graceful-replacement without a co-located DHP: the CoA. */
	r = request(&CN1, CONT_GRACEFUL);
	pump();
	r = anchors_req_at(&W.an, 2);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_COA);
	CU_ASSERT_TRUE(same(&r->addr, &COA1));
	/* With one (dhp3 for c4::/48): a short-lease DHoA. */
	r = request(&CN4, CONT_GRACEFUL);
	pump();
	r = anchors_req_at(&W.an, 3);
	CU_ASSERT_EQUAL(r->result, AREQ_R_DHOA);
	CU_ASSERT_EQUAL(r->addr.s6_addr[5], 0xd3);
	CU_ASSERT_EQUAL(anchor(&r->addr)->type, CONT_GRACEFUL);
	CU_ASSERT_EQUAL(dhp_engine_lease(W.dhp[2], &r->addr)->expiry_ms -
	    W.now, 60000);
	/* F.9: a session-lasting user of the same DHP shares that DHoA and
	 * turns its short lease into a full one at once. */
	{
		struct in6_addr g = r->addr;

		r = request(&CN4, CONT_SESSION_LASTING);
		CU_ASSERT_EQUAL(r->result, AREQ_R_DHOA);
		CU_ASSERT_TRUE(same(&r->addr, &g));
		CU_ASSERT_EQUAL(anchor(&g)->type, CONT_SESSION_LASTING);
		run_until(W.now + 10);
		pump();
		{
			uint64_t left = dhp_engine_lease(W.dhp[2],
			    &g)->expiry_ms - W.now;

			if (left < 590000 || left > 600000)
				fprintf(stderr, "lease left %llu\n",
				    (unsigned long long)left);
			CU_ASSERT_TRUE(left >= 590000 && left <= 600000);
		}
	}
	world_end();
}

/* E.4 SRC_ON_NET (anchors_request_flags): a DHP co-located with the
 * access network only, and never the HoA instead. */
static void
test_on_net(void)
{
	const struct anchor_req *r;
	struct in6_addr d1;
	unsigned id;

	world();
	/* dhp1 (CN1's) is not co-located: no DHoA, and no HoA although
	 * fallback_to_ha is on. */
	id = anchors_request_flags(&W.an, &CN1, CONT_SESSION_LASTING,
	    ANCHORS_REQ_ON_NET, T())->id;
	pump();
	r = anchors_find_req(&W.an, id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->state, AREQ_FAILED);
	CU_ASSERT_EQUAL(r->result, AREQ_R_NONE);
	CU_ASSERT_STRING_EQUAL(r->why, "SRC_ON_NET: no DHP co-located with "
	    "the access network");
	CU_ASSERT_EQUAL(W.an.st.fallbacks, 0);
	CU_ASSERT_EQUAL(W.an.n, 0);
	/* Without the flag the same CN gets dhp1's DHoA (cached answer). */
	d1 = get_dhoa(&CN1);
	CU_ASSERT_EQUAL(d1.s6_addr[5], 0xd1);
	/* dhp3 (c4::/48) is co-located: a session-lasting DHoA with the
	 * full lease, not the graceful one. */
	id = anchors_request_flags(&W.an, &CN4, CONT_SESSION_LASTING,
	    ANCHORS_REQ_ON_NET, T())->id;
	pump();
	r = anchors_find_req(&W.an, id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_DHOA);
	CU_ASSERT_TRUE(r->on_net);
	CU_ASSERT_EQUAL(r->addr.s6_addr[5], 0xd3);
	CU_ASSERT_EQUAL(anchor(&r->addr)->type, CONT_SESSION_LASTING);
	CU_ASSERT_TRUE(dhp_engine_lease(W.dhp[2], &r->addr)->expiry_ms -
	    W.now > 60000);
	CU_ASSERT_EQUAL(anchor(&r->addr)->holds, 1);
	world_end();
}

/* No destination (setsc() before connect()): no DHP Query, the first
 * configured DHP, or the one in use; graceful: no co-located DHP known,
 * the CoA. */
static void
test_no_destination(void)
{
	const struct anchor_req *r;
	struct in6_addr any = IN6ADDR_ANY_INIT, d2;
	unsigned id;

	world();
	id = request(&any, CONT_SESSION_LASTING)->id;
	pump();
	r = anchors_find_req(&W.an, id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_DHOA);
	CU_ASSERT_EQUAL(r->addr.s6_addr[5], 0xd1);
	CU_ASSERT_EQUAL(W.an.st.queries_sent, 0);
	/* The answer is not cached: CN1 still asks the directory. */
	CU_ASSERT_EQUAL(count_prefix("DHP query for"), 0);
	r = request(&any, CONT_GRACEFUL);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_COA);
	world_end();
	/* With a DHoA at dhp2 only, "reuse" picks dhp2. */
	world();
	d2 = get_dhoa(&CN2);
	CU_ASSERT_EQUAL(d2.s6_addr[5], 0xd2);
	r = request(&any, CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_TRUE(same(&r->addr, &d2));
	world_end();
}

/* ---- retransmission, renewal, BRR, clocks ------------------------------- */

static void
test_dhp_bu_retransmit(void)
{
	struct in6_addr d1;
	struct mh_msg m1, m2;
	size_t before;
	uint64_t t0;

	world();
	d1 = get_dhoa(&CN1);
	W.cut_dhp[0] = true;
	before = W.nlog;
	t0 = W.now;
	anchors_coa(&W.an, &COA2, false, T());
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHP_BU, &m1), 1);
	run_until(t0 + 999);
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHP_BU, NULL), 1);
	run_until(t0 + 1000);
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHP_BU, &m2), 2);
	CU_ASSERT_EQUAL((uint16_t)(m2.u.dbu.seq - m1.u.dbu.seq), 1);
	CU_ASSERT_TRUE(same(&m2.u.dbu.coa, &COA2));
	CU_ASSERT_TRUE(saw_sub("coa 2001:db8:2::100 lifetime 300s (move)"));
	CU_ASSERT_TRUE(saw_sub("coa 2001:db8:2::100 lifetime 300s "
	    "(retransmit)"));
	W.cut_dhp[0] = false;
	run_until(t0 + 3000);
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHP_BU, NULL), 3);
	CU_ASSERT_EQUAL(anchor(&d1)->bul->state, BUL_REGISTERED);
	CU_ASSERT_TRUE(same(&dhp_engine_find(W.dhp[0], &d1)->coa, &COA2));
	world_end();
}

static void
test_renew_and_refresh(void)
{
	struct in6_addr d1;
	const struct dhoa_lease *l;
	struct mh_msg m;
	uint64_t t0;

	world();
	t0 = W.now;
	d1 = get_dhoa(&CN1);
	/* The binding is refreshed at the DHP's BRA (80 % of 300 s) ... */
	run_until(t0 + 239000);
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHP_BU, NULL), 1);
	run_until(t0 + 241000);
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHP_BU, NULL), 2);
	CU_ASSERT_TRUE(saw_prefix("DHP-BU to 2001:db8:f::11 seq "));
	/* ... and the lease at 80 % of 600 s, without B. */
	run_until(t0 + 479000);
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHOA_REQ, NULL), 1);
	run_until(t0 + 481000);
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHOA_REQ, &m), 2);
	CU_ASSERT_EQUAL(m.u.dreq.flags, 0);
	CU_ASSERT_TRUE(same(&m.u.dreq.req_dhoa, &d1));
	CU_ASSERT_EQUAL(anchor(&d1)->state, ANCHOR_BOUND);
	l = dhp_engine_lease(W.dhp[0], &d1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_TRUE(l->expiry_ms >= t0 + 480000 + 600000);
	/* An hour on, the anchor and the DHP binding are still there. */
	run_until(t0 + 3600000);
	CU_ASSERT_EQUAL(anchor(&d1)->state, ANCHOR_BOUND);
	CU_ASSERT_PTR_NOT_NULL(dhp_engine_find(W.dhp[0], &d1));
	CU_ASSERT_EQUAL(dhp_engine_stats(W.dhp[0])->brr_sent, 0);
	world_end();
}

static void
test_renew_refused_lease_lost(void)
{
	struct in6_addr d1;
	uint64_t t0;

	world();
	t0 = W.now;
	d1 = get_dhoa(&CN1);
	/* The DHP forgets everything (restarted): a new engine. */
	dhp_engine_free(W.dhp[0]);
	W.dhp[0] = dhp_engine_at(0, "2001:db8:d1::/64");
	run_until(t0 + 241000);
	/* The refresh DHP-BU gets 200: the anchor is lost. */
	CU_ASSERT_PTR_NULL(anchors_find_dhoa(&W.an, &d1));
	CU_ASSERT_EQUAL(W.uninstalls, 1);
	CU_ASSERT_EQUAL(W.an.st.lost, 1);
	world_end();
}

static void
test_brr(void)
{
	struct in6_addr d1;
	size_t before;
	struct mh_msg m;
	const struct dhp_binding *b;

	world();
	d1 = get_dhoa(&CN1);
	b = dhp_engine_find(W.dhp[0], &d1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	/* Our refresh is lost: at 90 % the DHP asks (BRR), we answer. */
	W.cut_dhp[0] = true;
	run_until(W.now + 240000);
	W.cut_dhp[0] = false;
	before = W.nlog;
	W.now = b->created_ms + 270000;
	dhp_engine_expire(W.dhp[0], W.now, peer_ntp(), dhp_event,
	    (void *)(intptr_t)0);
	CU_ASSERT_EQUAL(dhp_engine_stats(W.dhp[0])->brr_sent, 1);
	CU_ASSERT_EQUAL(W.an.st.brr, 1);
	CU_ASSERT_TRUE(saw_prefix("BRR from 2001:db8:f::11 for "
	    "2001:db8:d1:"));
	/* The entry was retransmitting anyway; either way a DHP-BU goes
	 * and the binding is refreshed at the DHP. */
	anchors_timer(&W.an, T());
	pump();
	run_until(W.now + 3000);
	CU_ASSERT(sent_of(before, MH_TYPE_DHP_BU, &m) >= 1);
	CU_ASSERT_EQUAL(anchor(&d1)->bul->state, BUL_REGISTERED);
	CU_ASSERT_TRUE(dhp_engine_find(W.dhp[0], &d1)->expiry_ms > W.now +
	    200000);
	world_end();
}

static void
test_brr_when_registered(void)
{
	struct in6_addr d1;
	size_t before;
	struct mh_msg m;
	const struct dhp_binding *b;

	world();
	d1 = get_dhoa(&CN1);
	b = dhp_engine_find(W.dhp[0], &d1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	/* The DHP's timer fires (its BRR) while our entry is registered:
	 * the BRR is answered at once with a DHP-BU (why "brr"). */
	before = W.nlog;
	W.now = b->created_ms + 270000;
	dhp_engine_expire(W.dhp[0], W.now, peer_ntp(), dhp_event,
	    (void *)(intptr_t)0);
	CU_ASSERT_EQUAL(W.an.st.brr, 1);
	CU_ASSERT_EQUAL(sent_of(before, MH_TYPE_DHP_BU, &m), 1);
	CU_ASSERT_TRUE(same(&m.u.dbu.dhoa, &d1));
	CU_ASSERT_EQUAL(count_prefix("DHP-BU to 2001:db8:f::11 seq "), 2);
	CU_ASSERT_TRUE(saw_sub("lifetime 300s (brr)"));
	pump();
	CU_ASSERT_EQUAL(anchor(&d1)->bul->state, BUL_REGISTERED);
	world_end();
}

static void
test_clock_resync(void)
{
	const struct anchor_req *r;

	world();
	/* The peers' clocks are 20 s ahead: the first DHP Query and the
	 * first DHoA Request get 144 and are retried with the offset. */
	W.peer_skew_ms = 20000;
	r = request(&CN1, CONT_SESSION_LASTING);
	pump();
	r = anchors_req_at(&W.an, 0);
	CU_ASSERT_EQUAL(r->state, AREQ_DONE);
	CU_ASSERT_EQUAL(r->result, AREQ_R_DHOA);
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHP_QUERY, NULL), 2);
	CU_ASSERT_EQUAL(sent_of(0, MH_TYPE_DHOA_REQ, NULL), 2);
	CU_ASSERT_TRUE(saw_prefix("DHP query for 2001:db8:c1::1: timestamp "
	    "rejected, clock offset "));
	CU_ASSERT_TRUE(saw_sub(": timestamp rejected, clock offset "));
	CU_ASSERT_EQUAL(anchor(&r->addr)->bul->state, BUL_REGISTERED);
	world_end();
}

/* ---- what the MN must not take ------------------------------------------ */

static void
test_bad_answers(void)
{
	struct mh_msg m;
	uint8_t buf[MH_MAX_LEN];
	size_t off = 0;
	ssize_t n;
	struct pkt q;

	world();
	request(&CN1, CONT_SESSION_LASTING);
	q = W.q[0];
	pump();
	/* A DHoA Response nobody asked for, from dhp2. */
	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_DHOA_RESP;
	m.u.dresp.seq = 1;
	m.u.dresp.lifetime = 150;
	m.u.dresp.plen = 128;
	m.u.dresp.dhoa = A("2001:db8:d2::99");
	m.opt.present = MHO_MESGID | MHO_AUTH;
	m.opt.mesgid = T().ntp;
	m.opt.auth_subtype = 1;
	m.opt.auth_spi = SPI_D2;
	m.opt.auth_mac_len = 16;
	n = mh_build(&m, buf, sizeof(buf), &off);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(to_mn(buf, (size_t)n, &DHP[1], &COA1),
	    ANCHORS_RX_IGNORED);
	/* From a stranger. */
	CU_ASSERT_EQUAL(to_mn(buf, (size_t)n, &CN5, &COA1),
	    ANCHORS_RX_NOT_OURS);
	/* A DHP Query Reply forged with a wrong key, then a replayed
	 * (old) real one. */
	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_DHP_REPLY;
	m.u.dr.seq = 1000;
	m.u.dr.validity = 75;
	m.u.dr.cn = CN2;
	m.opt.present = MHO_MESGID | MHO_AUTH;
	m.opt.mesgid = T().ntp;
	m.opt.auth_subtype = 1;
	m.opt.auth_spi = SPI_HA;
	m.opt.auth_mac_len = 16;
	n = mh_build(&m, buf, sizeof(buf), &off);
	mh_auth_sign(buf, (size_t)n, off, &forged_sa, &COA1, &HOA);
	CU_ASSERT_EQUAL(to_mn(buf, (size_t)n, &HA, &COA1), ANCHORS_RX_BAD_AUTH);
	m.opt.mesgid = T().ntp - (60ULL << 32);
	n = mh_build(&m, buf, sizeof(buf), &off);
	mh_auth_sign(buf, (size_t)n, off, &mn_ha_sa, &COA1, &HOA);
	CU_ASSERT_EQUAL(to_mn(buf, (size_t)n, &HA, &COA1), ANCHORS_RX_STALE);
	m.opt.mesgid = T().ntp;
	n = mh_build(&m, buf, sizeof(buf), &off);
	mh_auth_sign(buf, (size_t)n, off, &mn_ha_sa, &COA1, &HOA);
	CU_ASSERT_EQUAL(to_mn(buf, (size_t)n, &HA, &COA1), ANCHORS_RX_IGNORED);
	/* The DHP Query again: its answer now is a duplicate. */
	W.q[W.nq++] = q;
	pump();
	CU_ASSERT_EQUAL(W.an.st.rx[ANCHORS_RX_IGNORED], 3);
	CU_ASSERT_EQUAL(W.an.st.rx[ANCHORS_RX_BAD_AUTH], 1);
	CU_ASSERT_EQUAL(W.an.st.rx[ANCHORS_RX_STALE], 1);
	/* A BA is not the anchors' business. */
	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_BA;
	n = mh_build(&m, buf, sizeof(buf), NULL);
	CU_ASSERT_EQUAL(to_mn(buf, (size_t)n, &HA, &COA1), ANCHORS_RX_NOT_OURS);
	CU_ASSERT_EQUAL(W.an.n, 1);
	world_end();
}

/* ---- registration ------------------------------------------------------- */

static int
suite_init(void)
{
	HA = A("2001:db8:f::10");
	HOA = A("2001:db8:10::100");
	HOA2 = A("2001:db8:10::200");
	COA1 = A("2001:db8:1::100");
	COA2 = A("2001:db8:2::100");
	CN1 = A("2001:db8:c1::1");
	CN2 = A("2001:db8:c2::1");
	CN3 = A("2001:db8:c3::1");
	CN4 = A("2001:db8:c4::1");
	CN5 = A("2001:db8:c5::1");
	DHP[0] = A("2001:db8:f::11");
	DHP[1] = A("2001:db8:f::21");
	DHP[2] = A("2001:db8:f::31");
	sa_mk(&mn_ha_sa, SPI_HA, 0x10);
	sa_mk(&forged_sa, SPI_HA, 0x99);
	sa_mk(&mn2_sa, SPI_MN2, 0x77);
	if ((mn_sas = sa_table_new()) == NULL ||
	    (ha_sas = sa_table_new()) == NULL)
		return -1;
	table_add(ha_sas, SPI_HA, 0x10);
	for (int i = 0; i < NDHP; i++) {
		if ((dhp_sas[i] = sa_table_new()) == NULL)
			return -1;
		table_add(dhp_sas[i], SPI_D1 + (uint32_t)i,
		    (uint8_t)(0x40 + i));
		if (i == 0)
			table_add(dhp_sas[i], SPI_MN2, 0x77);
		table_add(mn_sas, SPI_D1 + (uint32_t)i, (uint8_t)(0x40 + i));
		snprintf(mnd_dhps[i].name, CONF_NAME_MAX, "dhp%d", i + 1);
		mnd_dhps[i].address = DHP[i];
		mnd_dhps[i].spi = SPI_D1 + (uint32_t)i;
	}
	log_init("test_anchors", 1, LOG_LVL_INFO);
	log_set_sink(sink);
	return 0;
}

static int
suite_clean(void)
{
	sa_clear(&mn_ha_sa);
	sa_clear(&forged_sa);
	sa_clear(&mn2_sa);
	sa_table_free(mn_sas);
	sa_table_free(ha_sas);
	for (int i = 0; i < NDHP; i++)
		sa_table_free(dhp_sas[i]);
	log_set_sink(NULL);
	return 0;
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "fixed, non-persistent, no link", test_fixed_nonpersistent },
		{ "query, request, bind", test_full_path },
		{ "cache reuse, one DHoA per DHP", test_reuse_and_two_dhps },
		{ "handoff and home re-bind", test_handoff },
		{ "handoff releases idle DHoAs", test_handoff_idle_released },
		{ "release", test_release },
		{ "release unanswered", test_release_unanswered },
		{ "release by DHoA Request", test_release_by_request_answer },
		{ "idle release after 60 s", test_idle_release },
		{ "shutdown", test_shutdown },
		{ "DHP Query timeout (C.2)", test_query_timeout },
		{ "DHP down: fallback (C.2)", test_dhp_down },
		{ "pool exhausted (130)", test_pool_exhausted_next_candidate },
		{ "next candidate", test_next_candidate_after_refusal },
		{ "USE_HA and graceful-replacement", test_use_ha_and_graceful },
		{ "SRC_ON_NET: co-located DHPs only", test_on_net },
		{ "no destination: a configured DHP", test_no_destination },
		{ "DHP-BU retransmission", test_dhp_bu_retransmit },
		{ "refresh and lease renewal", test_renew_and_refresh },
		{ "lease lost at the DHP", test_renew_refused_lease_lost },
		{ "BRR while retransmitting", test_brr },
		{ "BRR while registered", test_brr_when_registered },
		{ "144 clock resync", test_clock_resync },
		{ "forged, stale, stray answers", test_bad_answers },
		CU_TEST_INFO_NULL,
	};
	CU_pSuite s = CU_add_suite("anchors", suite_init, suite_clean);

	if (s == NULL)
		return -1;
	for (const CU_TestInfo *t = tests; t->pName; t++)
		if (CU_add_test(s, t->pName, t->pTestFunc) == NULL)
			return -1;
	return 0;
}
