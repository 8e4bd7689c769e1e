/*
 * test_mn_home.c: mnd's home registration glue (mn/mn_home.c) with
 * explicit times: the BU it asks for (fields, AUTH, the log line and
 * its reason), a full life cycle against the real home agent engine
 * (ha/ha_engine.c: start, move, refresh, return home, leave again,
 * shutdown, and a 144 clock resync), every BA it must drop without a
 * state change, the rate limit keeping the reason, and the movement
 * engine fed a netlink re-dump (what nlwatch does after an overrun).
 */
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "bul.h"
#include "conf.h"
#include "ha_engine.h"
#include "log.h"
#include "mh.h"
#include "mn_home.h"
#include "mn_move.h"
#include "movement.h"
#include "cu_main.h"

#define SPI	4096
#define NTP0	0xE875470000000000ULL
#define NTP_S	(1ULL << 32)
#define SEQ0	100

static struct in6_addr HA, HOA, HPFX, COA1, COA2, COA3, COA4, STRANGER;
static struct mh_sa SA, SA_OTHER;

/* ---- fixtures ------------------------------------------------------ */

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

static bool
same(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Monotonic ms and a wall clock that advances with it. */
static struct bul_now
T(uint64_t ms)
{
	struct bul_now n = { ms, NTP0 + (ms / 1000) * NTP_S +
	    ((ms % 1000) << 32) / 1000 };

	return n;
}

/* Every info/warn line, to check the exact forms of mn_home.h. */
#define NLINES	128
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
seen(const char *exact)
{
	for (size_t i = 0; i < nlines; i++)
		if (strcmp(lines[i], exact) == 0)
			return true;
	return false;
}

static bool
saw(const char *exact)
{
	if (seen(exact))
		return true;
	fprintf(stderr, "missing log line: \"%s\"\n", exact);
	return false;
}

static void
lines_reset(void)
{
	nlines = 0;
}

static void
home_setup(struct mn_home *h)
{
	CU_ASSERT_EQUAL_FATAL(mn_home_init(h, &HA, &HOA, &SA, 600, SEQ0), 0);
	lines_reset();
}

/* Encode out's BU, check its MAC, parse it back. Returns its length. */
static size_t
bu_bytes(const struct mn_home *h, const struct mn_home_out *out,
    uint8_t *buf, size_t cap, struct mh_msg *m)
{
	ssize_t len = mn_home_encode(h, &out->act, buf, cap);

	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL_FATAL(mh_parse(buf, (size_t)len, m), MH_OK);
	CU_ASSERT_EQUAL(mh_auth_verify(buf, (size_t)len, &m->opt, &SA,
	    &out->act.auth_coa, &HOA), 0);
	return (size_t)len;
}

/* A BA as a home agent signs it (ha_engine.c reply_begin: CoA = where
 * it goes). mesgid 0: no MESG-ID option. */
static size_t
make_ba(uint8_t *buf, size_t cap, const struct mh_sa *sa, uint8_t status,
    uint16_t seq, uint16_t life, uint64_t mesgid, const struct in6_addr *coa,
    bool auth)
{
	struct mh_msg m;
	size_t off = 0;
	ssize_t len;

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_BA;
	m.u.ba.status = status;
	m.u.ba.seq = seq;
	m.u.ba.lifetime = life;
	if (mesgid != 0) {
		m.opt.present |= MHO_MESGID;
		m.opt.mesgid = mesgid;
	}
	if (auth) {
		m.opt.present |= MHO_AUTH;
		m.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
		m.opt.auth_spi = sa->spi;
		m.opt.auth_mac_len = (uint8_t)auth_alg_mac_len(sa->alg);
	}
	len = mh_build(&m, buf, cap, &off);
	CU_ASSERT_FATAL(len > 0);
	if (auth)
		CU_ASSERT_EQUAL_FATAL(mh_auth_sign(buf, (size_t)len, off, sa,
		    coa, &HOA), 0);
	return (size_t)len;
}

/* Feed raw bytes to mn_home_input as they would come off the socket. */
static enum mn_ba_verdict
rx(struct mn_home *h, const uint8_t *buf, size_t len,
    const struct in6_addr *src, const struct in6_addr *dst, uint64_t ms,
    struct mn_home_out *out)
{
	struct mh_msg m;

	CU_ASSERT_EQUAL_FATAL(mh_parse(buf, len, &m), MH_OK);
	return mn_home_input(h, &m, buf, len, src, dst, T(ms), out);
}

/* ---- the home agent engine as the peer ----------------------------- */

static struct had_mn ha_mns[1];

static struct ha_engine *
ha_make(struct sa_table **sas)
{
	static struct had_conf c;
	struct mh_sa copy;
	uint8_t key[32];
	struct ha_engine *e;

	memset(&c, 0, sizeof(c));
	c.address = HA;
	c.home_prefix.addr = HPFX;
	c.home_prefix.len = 64;
	c.max_lifetime = 600;
	c.validity = 300;
	c.skip_dad = true;
	memset(ha_mns, 0, sizeof(ha_mns));
	snprintf(ha_mns[0].name, sizeof(ha_mns[0].name), "mn1");
	ha_mns[0].home_address = HOA;
	ha_mns[0].spi = SPI;
	c.mns = ha_mns;
	c.nmns = 1;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i + 1);
	*sas = sa_table_new();
	CU_ASSERT_FATAL(*sas != NULL);
	CU_ASSERT_EQUAL_FATAL(sa_init(&copy, SPI, AUTH_ALG_HMAC_SHA256_128,
	    key, sizeof(key)), 0);
	CU_ASSERT_EQUAL_FATAL(sa_table_add(*sas, &copy), 0);
	e = ha_engine_new(&c, *sas);
	CU_ASSERT_FATAL(e != NULL);
	return e;
}

/*
 * out's BU goes to the HA engine (its clock skew_s off ours); its BA
 * (if any) comes back to mn_home. Returns the HA's verdict; *v the
 * MN's (MN_BA_VERDICT_COUNT when there was no BA).
 */
static enum ha_verdict
ha_round(struct ha_engine *ha, struct mn_home *h,
    const struct mn_home_out *out, uint64_t ms, int64_t skew_s,
    struct ha_result *res, struct mn_home_out *back,
    enum mn_ba_verdict *v)
{
	uint8_t bu[MH_MAX_LEN], ba[MH_MAX_LEN];
	struct mh_msg m;
	struct ha_rx hr;
	ssize_t blen;
	size_t len;

	CU_ASSERT_FATAL(out->act.send);
	len = bu_bytes(h, out, bu, sizeof(bu), &m);
	memset(&hr, 0, sizeof(hr));
	hr.msg = &m;
	hr.raw = bu;
	hr.len = len;
	hr.src = out->act.src;
	hr.dst = out->act.dst;
	hr.now = ms;
	hr.now_ntp = T(ms).ntp + (uint64_t)(skew_s * (int64_t)NTP_S);
	ha_engine_input(ha, &hr, res);
	*v = MN_BA_VERDICT_COUNT;
	memset(back, 0, sizeof(*back));
	if (!res->has_reply)
		return res->verdict;
	blen = ha_reply_encode(&res->reply, ba, sizeof(ba));
	CU_ASSERT_FATAL(blen > 0);
	*v = rx(h, ba, (size_t)blen, &HA, &res->reply.dst, ms, back);
	return res->verdict;
}

/* ---- tests --------------------------------------------------------- */

static void
test_first_bu(void)
{
	struct mn_home h;
	struct mn_home_out out;
	struct mh_msg m;
	uint8_t buf[MH_MAX_LEN];
	char line[192];

	home_setup(&h);
	CU_ASSERT_EQUAL(mn_home_state(&h), BUL_IDLE);
	CU_ASSERT_EQUAL(mn_home_deadline(&h), BUL_NO_DEADLINE);
	mn_home_coa(&h, &COA1, T(0), &out);
	CU_ASSERT_TRUE(out.act.send);
	CU_ASSERT_EQUAL(out.why, MN_BU_START);
	CU_ASSERT_TRUE(same(&out.act.src, &COA1));
	CU_ASSERT_TRUE(same(&out.act.dst, &HA));
	CU_ASSERT_TRUE(same(&out.act.auth_coa, &COA1));
	CU_ASSERT_TRUE(same(&out.act.auth_hoa, &HOA));
	CU_ASSERT_EQUAL(mn_home_state(&h), BUL_REGISTERING);
	CU_ASSERT_EQUAL(mn_home_deadline(&h), 1500);	/* C.1 first reg */
	bu_bytes(&h, &out, buf, sizeof(buf), &m);
	CU_ASSERT_EQUAL(m.type, MH_TYPE_BU);
	CU_ASSERT_EQUAL(m.u.bu.seq, SEQ0);
	CU_ASSERT_EQUAL(m.u.bu.flags, BU_F_A | BU_F_H);
	CU_ASSERT_EQUAL(m.u.bu.lifetime, 150);
	/* F.6: HoA option 200, no HAO; B.8: MESG-ID and AUTH last. */
	CU_ASSERT_TRUE(m.opt.present & MHO_HOA);
	CU_ASSERT_TRUE(same(&m.opt.hoa, &HOA));
	CU_ASSERT_TRUE(m.opt.present & MHO_MESGID);
	CU_ASSERT_EQUAL(m.opt.mesgid, NTP0);
	CU_ASSERT_TRUE(m.opt.present & MHO_AUTH);
	CU_ASSERT_EQUAL(m.opt.auth_spi, SPI);
	CU_ASSERT_EQUAL(m.opt.auth_subtype, AUTH_SUBTYPE_MN_HA);
	CU_ASSERT_EQUAL(m.opt.auth_mac_len, 16);
	mn_home_fmt_bu(line, sizeof(line), &out.act, out.why);
	CU_ASSERT_STRING_EQUAL(line, "BU to 2001:db8:f::10 seq 100 coa "
	    "2001:db8:1::a lifetime 600s (start)");
	mn_home_sent(&h, &out);
	CU_ASSERT_TRUE(saw("BU to 2001:db8:f::10 seq 100 coa 2001:db8:1::a "
	    "lifetime 600s (start)"));
	CU_ASSERT_TRUE(saw("bul: idle -> registering (registering from "
	    "2001:db8:1::a)"));
	CU_ASSERT_EQUAL(h.st.bu_sent, 1);
	mn_home_send_failed(&h, &out, 101);
	CU_ASSERT_EQUAL(h.st.bu_send_errors, 1);
	/* The same CoA again while registering (movement reports it only
	 * when the link came back): a fresh BU at once, new sequence. */
	mn_home_coa(&h, &COA1, T(100), &out);
	CU_ASSERT_TRUE(out.act.send);
	CU_ASSERT_EQUAL(out.act.msg.u.bu.seq, 101);
	mn_home_free(&h);
}

/* No HA: C.1 backoff with reasons, then shutdown gives up after 1 s. */
static void
test_retransmit_shutdown(void)
{
	struct mn_home h;
	struct mn_home_out out;
	uint16_t seq;

	home_setup(&h);
	mn_home_coa(&h, &COA1, T(0), &out);
	seq = out.act.msg.u.bu.seq;
	mn_home_timer(&h, T(1000), &out);	/* early: nothing */
	CU_ASSERT_FALSE(out.act.send);
	mn_home_timer(&h, T(1500), &out);
	CU_ASSERT_TRUE(out.act.send);
	CU_ASSERT_EQUAL(out.why, MN_BU_RETRANSMIT);
	CU_ASSERT_EQUAL(out.act.msg.u.bu.seq, (uint16_t)(seq + 1));
	CU_ASSERT_EQUAL(mn_home_deadline(&h), 4500);
	mn_home_timer(&h, T(4500), &out);
	CU_ASSERT_EQUAL(out.why, MN_BU_RETRANSMIT);
	CU_ASSERT_EQUAL(mn_home_deadline(&h), 10500);
	lines_reset();
	CU_ASSERT_TRUE(mn_home_shutdown(&h, T(5000), &out));
	CU_ASSERT_TRUE(out.act.send);
	CU_ASSERT_EQUAL(out.why, MN_BU_SHUTDOWN);
	CU_ASSERT_EQUAL(out.act.msg.u.bu.lifetime, 0);
	CU_ASSERT_TRUE(same(&out.act.src, &COA1));
	CU_ASSERT_EQUAL(mn_home_deadline(&h), 6000);
	CU_ASSERT_TRUE(saw("bul: registering -> deregistering (shutdown)"));
	mn_home_timer(&h, T(6000), &out);
	CU_ASSERT_FALSE(out.act.send);
	CU_ASSERT_EQUAL(mn_home_state(&h), BUL_IDLE);
	CU_ASSERT_EQUAL(mn_home_deadline(&h), BUL_NO_DEADLINE);
	CU_ASSERT_TRUE(saw("bul: deregistering -> idle (no BA to the "
	    "deregistration)"));
	CU_ASSERT_TRUE(saw("deregistration of 2001:db8:10::100 not "
	    "acknowledged"));
	mn_home_free(&h);
}

/* Started at home: nothing to deregister, nothing sent. */
static void
test_home_at_start(void)
{
	struct mn_home h;
	struct mn_home_out out;

	home_setup(&h);
	mn_home_at_home(&h, T(0), &out);
	CU_ASSERT_FALSE(out.act.send);
	CU_ASSERT_EQUAL(mn_home_state(&h), BUL_IDLE);
	CU_ASSERT_FALSE(mn_home_shutdown(&h, T(10), &out));
	CU_ASSERT_FALSE(out.act.send);
	CU_ASSERT_EQUAL(nlines, 0);
	/* Leaving home later is the first registration: "start". */
	mn_home_coa(&h, &COA1, T(20), &out);
	CU_ASSERT_EQUAL(out.why, MN_BU_START);
	mn_home_free(&h);
}

/* The whole life cycle against ha_engine.c. */
static void
test_with_ha_engine(void)
{
	struct sa_table *sas;
	struct ha_engine *ha = ha_make(&sas);
	struct mn_home h;
	struct mn_home_out out, back;
	struct ha_result res;
	enum mn_ba_verdict v;
	uint64_t t;

	home_setup(&h);
	mn_home_coa(&h, &COA1, T(0), &out);
	CU_ASSERT_EQUAL(ha_round(ha, &h, &out, 5, 0, &res, &back, &v),
	    HA_V_ACCEPTED);
	CU_ASSERT_EQUAL(res.action.kind, HA_ACT_BIND_ADD);
	CU_ASSERT_TRUE(same(&res.reply.dst, &COA1));
	CU_ASSERT_EQUAL(v, MN_BA_USED);
	CU_ASSERT_FALSE(back.act.send);
	CU_ASSERT_TRUE(mn_home_bound(&h));
	CU_ASSERT_TRUE(saw("BA from 2001:db8:f::10 seq 100 status 0 "
	    "(accepted) lifetime 600s"));
	CU_ASSERT_TRUE(saw("bul: registering -> registered (BA seq 100 "
	    "status 0, accepted)"));
	CU_ASSERT_TRUE(saw("registered 2001:db8:10::100 via 2001:db8:1::a"));
	/* refresh at the BRA (80 % of 600 s), counted from the BU */
	CU_ASSERT_EQUAL(mn_home_deadline(&h), 480000);

	/* Handoff: a move BU, new sequence, from the new CoA. */
	lines_reset();
	mn_home_coa(&h, &COA2, T(10000), &out);
	CU_ASSERT_TRUE(out.act.send);
	CU_ASSERT_EQUAL(out.why, MN_BU_MOVE);
	CU_ASSERT_EQUAL(out.act.msg.u.bu.seq, SEQ0 + 1);
	CU_ASSERT_TRUE(same(&out.act.src, &COA2));
	CU_ASSERT_EQUAL(ha_round(ha, &h, &out, 10005, 0, &res, &back, &v),
	    HA_V_ACCEPTED);
	CU_ASSERT_EQUAL(res.action.kind, HA_ACT_BIND_MOVE);
	CU_ASSERT_EQUAL(v, MN_BA_USED);
	CU_ASSERT_TRUE(saw("bul: registered -> registering (new care-of "
	    "address 2001:db8:2::b)"));
	CU_ASSERT_TRUE(saw("registered 2001:db8:10::100 via 2001:db8:2::b"));

	/* Refresh. */
	t = mn_home_deadline(&h);
	CU_ASSERT_EQUAL(t, 10000 + 480000);
	lines_reset();
	mn_home_timer(&h, T(t), &out);
	CU_ASSERT_TRUE(out.act.send);
	CU_ASSERT_EQUAL(out.why, MN_BU_REFRESH);
	CU_ASSERT_EQUAL(ha_round(ha, &h, &out, t + 3, 0, &res, &back, &v),
	    HA_V_ACCEPTED);
	CU_ASSERT_EQUAL(v, MN_BA_USED);
	CU_ASSERT_EQUAL(mn_home_state(&h), BUL_REGISTERED);
	CU_ASSERT_TRUE(saw("bul: refreshing -> registered (BA seq 102 "
	    "status 0, accepted)"));
	CU_ASSERT_FALSE(seen("registered 2001:db8:10::100 via 2001:db8:2::b"));

	/* Home: lifetime 0, CoA = HoA, from the HoA; the BA goes to the
	 * HoA and is signed with it. */
	t += 1000;
	lines_reset();
	mn_home_at_home(&h, T(t), &out);
	CU_ASSERT_TRUE(out.act.send);
	CU_ASSERT_EQUAL(out.why, MN_BU_HOME);
	CU_ASSERT_TRUE(same(&out.act.src, &HOA));
	CU_ASSERT_TRUE(same(&out.act.auth_coa, &HOA));
	CU_ASSERT_EQUAL(out.act.msg.u.bu.lifetime, 0);
	CU_ASSERT_EQUAL(ha_round(ha, &h, &out, t + 2, 0, &res, &back, &v),
	    HA_V_ACCEPTED);
	CU_ASSERT_EQUAL(res.action.kind, HA_ACT_BIND_DEL);
	CU_ASSERT_TRUE(same(&res.reply.dst, &HOA));
	CU_ASSERT_EQUAL(v, MN_BA_USED);
	CU_ASSERT_EQUAL(mn_home_state(&h), BUL_IDLE);
	CU_ASSERT_TRUE(saw("bul: registered -> deregistering (returned "
	    "home)"));
	CU_ASSERT_TRUE(saw("deregistered 2001:db8:10::100"));
	CU_ASSERT_TRUE(saw("BA from 2001:db8:f::10 seq 103 status 0 "
	    "(accepted) lifetime 0s"));

	/* Away again: "move" (not the first registration of this run). */
	t += 5000;
	mn_home_coa(&h, &COA3, T(t), &out);
	CU_ASSERT_EQUAL(out.why, MN_BU_MOVE);
	CU_ASSERT_EQUAL(ha_round(ha, &h, &out, t + 2, 0, &res, &back, &v),
	    HA_V_ACCEPTED);
	CU_ASSERT_EQUAL(res.action.kind, HA_ACT_BIND_ADD);
	CU_ASSERT_EQUAL(v, MN_BA_USED);

	/* Shutdown from the CoA. */
	t += 5000;
	lines_reset();
	CU_ASSERT_TRUE(mn_home_shutdown(&h, T(t), &out));
	CU_ASSERT_EQUAL(out.why, MN_BU_SHUTDOWN);
	CU_ASSERT_TRUE(same(&out.act.src, &COA3));
	CU_ASSERT_EQUAL(ha_round(ha, &h, &out, t + 2, 0, &res, &back, &v),
	    HA_V_ACCEPTED);
	CU_ASSERT_EQUAL(res.action.kind, HA_ACT_BIND_DEL);
	CU_ASSERT_EQUAL(v, MN_BA_USED);
	CU_ASSERT_EQUAL(mn_home_state(&h), BUL_IDLE);
	CU_ASSERT_TRUE(saw("deregistered 2001:db8:10::100"));
	CU_ASSERT_EQUAL(h.st.rx[MN_BA_USED], 6);
	mn_home_free(&h);
	ha_engine_free(ha);
	sa_table_free(sas);
}

/* F.8: the HA's clock is 100 s ahead; its 144 teaches us the offset. */
static void
test_clock_144(void)
{
	struct sa_table *sas;
	struct ha_engine *ha = ha_make(&sas);
	struct mn_home h;
	struct mn_home_out out, back;
	struct ha_result res;
	enum mn_ba_verdict v;
	uint8_t buf[MH_MAX_LEN];
	size_t len;

	home_setup(&h);
	mn_home_coa(&h, &COA1, T(0), &out);
	/* A status-0 BA with the HA's clock is stale before the offset
	 * is known. */
	len = make_ba(buf, sizeof(buf), &SA, 0, SEQ0, 150, NTP0 + 100 * NTP_S,
	    &COA1, true);
	CU_ASSERT_EQUAL(rx(&h, buf, len, &HA, &COA1, 2, &back), MN_BA_STALE);
	CU_ASSERT_EQUAL(ha_round(ha, &h, &out, 5, 100, &res, &back, &v),
	    HA_V_REJECTED);
	CU_ASSERT_EQUAL(res.status, BA_STATUS_ID_MISMATCH);
	CU_ASSERT_EQUAL(v, MN_BA_USED);		/* not dropped as stale */
	CU_ASSERT_TRUE(back.act.send);		/* the retry */
	CU_ASSERT_EQUAL(back.why, MN_BU_RETRANSMIT);
	CU_ASSERT_TRUE(back.act.msg.opt.mesgid > NTP0 + 99 * NTP_S);
	CU_ASSERT_EQUAL(ha_round(ha, &h, &back, 20, 100, &res, &out, &v),
	    HA_V_ACCEPTED);
	CU_ASSERT_EQUAL(v, MN_BA_USED);		/* fresh on the HA's clock */
	CU_ASSERT_TRUE(mn_home_bound(&h));
	mn_home_free(&h);
	ha_engine_free(ha);
	sa_table_free(sas);
}

/* Every bad input: counted, no info line, no state change. */
static void
test_drops(void)
{
	struct mn_home h;
	struct mn_home_out out, back;
	uint8_t buf[MH_MAX_LEN];
	uint64_t dl;
	uint16_t seq;
	size_t len;
	struct mh_msg brr;
	ssize_t n;

	home_setup(&h);
	mn_home_coa(&h, &COA1, T(0), &out);
	seq = out.act.msg.u.bu.seq;
	dl = mn_home_deadline(&h);
	lines_reset();

	memset(&brr, 0, sizeof(brr));
	brr.type = MH_TYPE_BRR;
	n = mh_build(&brr, buf, sizeof(buf), NULL);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(rx(&h, buf, (size_t)n, &HA, &COA1, 1, &back),
	    MN_BA_NOT_BA);
	len = make_ba(buf, sizeof(buf), &SA, 0, seq, 150, NTP0, &COA1, true);
	CU_ASSERT_EQUAL(rx(&h, buf, len, &STRANGER, &COA1, 1, &back),
	    MN_BA_STRANGER);
	/* signed for another CoA than the one it reached */
	CU_ASSERT_EQUAL(rx(&h, buf, len, &HA, &COA2, 1, &back),
	    MN_BA_BAD_AUTH);
	buf[len - 1] ^= 0x01;			/* MAC */
	CU_ASSERT_EQUAL(rx(&h, buf, len, &HA, &COA1, 1, &back),
	    MN_BA_BAD_AUTH);
	len = make_ba(buf, sizeof(buf), &SA_OTHER, 0, seq, 150, NTP0, &COA1,
	    true);				/* right SPI, wrong key */
	CU_ASSERT_EQUAL(rx(&h, buf, len, &HA, &COA1, 1, &back),
	    MN_BA_BAD_AUTH);
	len = make_ba(buf, sizeof(buf), &SA, 0, seq, 150, NTP0, &COA1, false);
	CU_ASSERT_EQUAL(rx(&h, buf, len, &HA, &COA1, 1, &back),
	    MN_BA_BAD_AUTH);
	len = make_ba(buf, sizeof(buf), &SA, 0, seq, 150, NTP0 - 60 * NTP_S,
	    &COA1, true);
	CU_ASSERT_EQUAL(rx(&h, buf, len, &HA, &COA1, 1, &back), MN_BA_STALE);
	len = make_ba(buf, sizeof(buf), &SA, 0, seq, 150, 0, &COA1, true);
	CU_ASSERT_EQUAL(rx(&h, buf, len, &HA, &COA1, 1, &back), MN_BA_STALE);
	len = make_ba(buf, sizeof(buf), &SA, 0, (uint16_t)(seq + 7), 150,
	    NTP0, &COA1, true);
	CU_ASSERT_EQUAL(rx(&h, buf, len, &HA, &COA1, 1, &back),
	    MN_BA_IGNORED);
	CU_ASSERT_FALSE(back.act.send);

	CU_ASSERT_EQUAL(nlines, 0);		/* debug only */
	CU_ASSERT_EQUAL(mn_home_state(&h), BUL_REGISTERING);
	CU_ASSERT_EQUAL(mn_home_deadline(&h), dl);
	CU_ASSERT_EQUAL(h.st.rx[MN_BA_NOT_BA], 1);
	CU_ASSERT_EQUAL(h.st.rx[MN_BA_STRANGER], 1);
	CU_ASSERT_EQUAL(h.st.rx[MN_BA_BAD_AUTH], 4);
	CU_ASSERT_EQUAL(h.st.rx[MN_BA_STALE], 2);
	CU_ASSERT_EQUAL(h.st.rx[MN_BA_IGNORED], 1);
	CU_ASSERT_EQUAL(h.st.rx[MN_BA_USED], 0);

	/* The right one still works; :: as destination uses the CoA. */
	len = make_ba(buf, sizeof(buf), &SA, 0, seq, 150, NTP0 + NTP_S,
	    &COA1, true);
	CU_ASSERT_EQUAL(rx(&h, buf, len, &HA, &in6addr_any, 1000, &back),
	    MN_BA_USED);
	CU_ASSERT_TRUE(mn_home_bound(&h));
	/* ... once: a duplicate is ignored. */
	CU_ASSERT_EQUAL(rx(&h, buf, len, &HA, &COA1, 1001, &back),
	    MN_BA_IGNORED);
	mn_home_free(&h);
}

/* MAX_UPDATE_RATE: a delayed BU keeps the reason it was due for. */
static void
test_rate_limit_why(void)
{
	struct mn_home h;
	struct mn_home_out out;

	home_setup(&h);
	mn_home_coa(&h, &COA1, T(0), &out);
	CU_ASSERT_TRUE(out.act.send);
	mn_home_coa(&h, &COA2, T(100), &out);
	CU_ASSERT_TRUE(out.act.send);
	mn_home_coa(&h, &COA3, T(200), &out);
	CU_ASSERT_TRUE(out.act.send);
	mn_home_coa(&h, &COA4, T(300), &out);
	CU_ASSERT_FALSE(out.act.send);		/* 3 per second */
	CU_ASSERT_EQUAL(mn_home_deadline(&h), 1000);
	mn_home_timer(&h, T(1000), &out);
	CU_ASSERT_TRUE(out.act.send);
	CU_ASSERT_EQUAL(out.why, MN_BU_MOVE);
	CU_ASSERT_TRUE(same(&out.act.src, &COA4));
	mn_home_free(&h);
}

static void
test_names(void)
{
	CU_ASSERT_STRING_EQUAL(mn_bu_why_name(MN_BU_START), "start");
	CU_ASSERT_STRING_EQUAL(mn_bu_why_name(MN_BU_MOVE), "move");
	CU_ASSERT_STRING_EQUAL(mn_bu_why_name(MN_BU_REFRESH), "refresh");
	CU_ASSERT_STRING_EQUAL(mn_bu_why_name(MN_BU_RETRANSMIT),
	    "retransmit");
	CU_ASSERT_STRING_EQUAL(mn_bu_why_name(MN_BU_HOME), "home");
	CU_ASSERT_STRING_EQUAL(mn_bu_why_name(MN_BU_SHUTDOWN), "shutdown");
	CU_ASSERT_STRING_EQUAL(mn_bu_why_name(MN_BU_WHY_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(mn_ba_verdict_name(MN_BA_VERDICT_COUNT), "?");
}

/* ---- movement and a netlink re-dump -------------------------------- */

#define MN0	2

static void
ev_link(struct nlw_event *ev, bool up)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = NLW_LINK;
	ev->ifindex = MN0;
	snprintf(ev->ifname, sizeof(ev->ifname), "mn0");
	ev->up = ev->running = up;
}

static void
ev_addr(struct nlw_event *ev, const char *a, bool removed)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = NLW_ADDR;
	ev->removed = removed;
	ev->ifindex = MN0;
	ev->addr = A(a);
	ev->plen = 64;
	ev->valid_lft = 86400;
	ev->preferred_lft = 14400;
}

static void
ev_route(struct nlw_event *ev, const char *gw, bool removed)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = NLW_ROUTE;
	ev->removed = removed;
	ev->ifindex = MN0;
	ev->addr = A(gw);
}

/* What nlwatch_dump() reports: everything, as "added". */
static void
redump(struct movement *mv, const char *const *addrs, size_t na,
    const char *const *gws, size_t ng, const struct in6_addr *coa,
    size_t stale_addrs)
{
	struct movement_decision d;
	struct nlw_event ev;

	ev_link(&ev, true);
	CU_ASSERT_EQUAL(movement_event(mv, &ev, &d), MOVE_NONE);
	for (size_t i = 0; i < na; i++) {
		ev_addr(&ev, addrs[i], false);
		CU_ASSERT_EQUAL(movement_event(mv, &ev, &d), MOVE_NONE);
		CU_ASSERT_TRUE(same(&d.coa, coa));
		CU_ASSERT_EQUAL(d.stale.naddrs, stale_addrs);
	}
	for (size_t i = 0; i < ng; i++) {
		ev_route(&ev, gws[i], false);
		CU_ASSERT_EQUAL(movement_event(mv, &ev, &d), MOVE_NONE);
		CU_ASSERT_TRUE(same(&d.coa, coa));
		CU_ASSERT_EQUAL(d.stale.naddrs, stale_addrs);
	}
	CU_ASSERT_EQUAL(mv->state, MV_AWAY);
}

static void
test_redump(void)
{
	static const char *const a1[] = { "fe80::a", "2001:db8:1::a" };
	static const char *const a12[] = { "fe80::a", "2001:db8:1::a",
	    "2001:db8:2::a" };
	static const char *const g1[] = { "fe80::1" };
	static const char *const g12[] = { "fe80::1", "fe80::2" };
	struct in6_addr c1 = A("2001:db8:1::a"), c2 = A("2001:db8:2::a");
	struct movement mv;
	struct movement_decision d;
	struct nlw_event ev;

	log_set_sink(NULL);
	movement_init(&mv, &HOA, &HPFX, 64);
	CU_ASSERT_EQUAL(movement_add_ifname(&mv, "mn0"), 0);
	/* the start-up dump */
	ev_link(&ev, true);
	movement_event(&mv, &ev, &d);
	ev_addr(&ev, "fe80::a", false);
	movement_event(&mv, &ev, &d);
	ev_addr(&ev, "2001:db8:1::a", false);
	movement_event(&mv, &ev, &d);
	ev_route(&ev, "fe80::1", false);
	CU_ASSERT_EQUAL(movement_event(&mv, &ev, &d), MOVE_NEW_COA);
	/* an overrun: the same state again changes nothing */
	redump(&mv, a1, 2, g1, 1, &c1, 0);
	redump(&mv, a1, 2, g1, 1, &c1, 0);
	/* method B: new router and prefix; the old ones are stale */
	ev_route(&ev, "fe80::2", false);
	CU_ASSERT_EQUAL(movement_event(&mv, &ev, &d), MOVE_NONE);
	ev_addr(&ev, "2001:db8:2::a", false);
	CU_ASSERT_EQUAL(movement_event(&mv, &ev, &d), MOVE_NEW_COA);
	CU_ASSERT_TRUE(same(&d.coa, &c2));
	CU_ASSERT_EQUAL(d.stale.naddrs, 1);
	CU_ASSERT_EQUAL(d.stale.nrouters, 1);
	/* a re-dump before mnd's deletions are reported back: same CoA,
	 * the same stale state to delete (idempotent), no new decision */
	redump(&mv, a12, 3, g12, 2, &c2, 1);
	ev_addr(&ev, "2001:db8:1::a", true);
	movement_event(&mv, &ev, &d);
	ev_route(&ev, "fe80::1", true);
	CU_ASSERT_EQUAL(movement_event(&mv, &ev, &d), MOVE_NONE);
	CU_ASSERT_EQUAL(d.stale.naddrs, 0);
	CU_ASSERT_EQUAL(d.stale.nrouters, 0);
	redump(&mv, a12 + 0, 1, g12 + 1, 1, &c2, 0);
	ev_addr(&ev, "2001:db8:2::a", false);
	CU_ASSERT_EQUAL(movement_event(&mv, &ev, &d), MOVE_NONE);
	movement_free(&mv);
	log_set_sink(sink);
}

/* When mnd acts on a decision's stale list (mn_move_prune_now). */
static void
test_prune_now(void)
{
	struct movement mv;
	struct movement_decision d;
	struct nlw_event ev;
	enum move_kind k;

	log_set_sink(NULL);
	movement_init(&mv, &HOA, &HPFX, 64);
	CU_ASSERT_EQUAL(movement_add_ifname(&mv, "mn0"), 0);
	ev_link(&ev, true);
	movement_event(&mv, &ev, &d);
	ev_route(&ev, "fe80::1", false);
	movement_event(&mv, &ev, &d);
	ev_addr(&ev, "2001:db8:1::a", false);
	k = movement_event(&mv, &ev, &d);
	CU_ASSERT_EQUAL(k, MOVE_NEW_COA);
	CU_ASSERT_FALSE(mn_move_prune_now(k, &d));	/* nothing stale */
	/* A new router, its prefix not (yet) there: nothing is stale (the
	 * CoA's own router must stay). */
	ev_route(&ev, "fe80::9", false);
	k = movement_event(&mv, &ev, &d);
	CU_ASSERT_EQUAL(k, MOVE_NONE);
	CU_ASSERT_EQUAL(d.stale.naddrs, 0);
	CU_ASSERT_EQUAL(d.stale.nrouters, 0);
	CU_ASSERT_FALSE(mn_move_prune_now(k, &d));
	/* Its prefix comes: a new CoA, the old address and router go. */
	ev_addr(&ev, "2001:db8:9::a", false);
	k = movement_event(&mv, &ev, &d);
	CU_ASSERT_EQUAL(k, MOVE_NEW_COA);
	CU_ASSERT_EQUAL(d.stale.naddrs, 1);
	CU_ASSERT_TRUE(mn_move_prune_now(k, &d));
	/* Reported again before the removals: still acted on. */
	ev_addr(&ev, "2001:db8:9::a", false);
	k = movement_event(&mv, &ev, &d);
	CU_ASSERT_EQUAL(k, MOVE_NONE);
	CU_ASSERT_TRUE(mn_move_prune_now(k, &d));
	movement_free(&mv);

	/* The address before its router: the stale list comes with the
	 * router, after the new CoA was decided. */
	movement_init(&mv, &HOA, &HPFX, 64);
	CU_ASSERT_EQUAL(movement_add_ifname(&mv, "mn0"), 0);
	ev_link(&ev, true);
	movement_event(&mv, &ev, &d);
	ev_addr(&ev, "2001:db8:1::a", false);
	movement_event(&mv, &ev, &d);
	ev_route(&ev, "fe80::1", false);
	CU_ASSERT_EQUAL(movement_event(&mv, &ev, &d), MOVE_NEW_COA);
	ev_addr(&ev, "2001:db8:2::a", false);
	k = movement_event(&mv, &ev, &d);
	CU_ASSERT_EQUAL(k, MOVE_NEW_COA);
	ev_route(&ev, "fe80::2", false);
	k = movement_event(&mv, &ev, &d);
	CU_ASSERT_EQUAL(k, MOVE_NONE);
	CU_ASSERT_EQUAL(d.stale.naddrs, 1);
	CU_ASSERT_EQUAL(d.stale.nrouters, 1);
	CU_ASSERT_TRUE(mn_move_prune_now(k, &d));
	movement_free(&mv);
	log_set_sink(sink);
}

static CU_TestInfo home_tests[] = {
	{ "first BU: fields, AUTH, log line", test_first_bu },
	{ "C.1 retransmissions, shutdown unanswered", test_retransmit_shutdown },
	{ "started at home sends nothing", test_home_at_start },
	{ "life cycle against ha_engine", test_with_ha_engine },
	{ "144: learn the HA's clock", test_clock_144 },
	{ "bad BAs dropped, no state change", test_drops },
	{ "rate-limited BU keeps its reason", test_rate_limit_why },
	{ "names", test_names },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo redump_tests[] = {
	{ "repeated added events after an overrun", test_redump },
	{ "when stale state is deleted", test_prune_now },
	CU_TEST_INFO_NULL,
};

/* The SAs live for the suite (their MAC contexts are freed after). */
static int
suite_init(void)
{
	uint8_t key[32], other[32];

	for (size_t i = 0; i < sizeof(key); i++) {
		key[i] = (uint8_t)(i + 1);
		other[i] = (uint8_t)(0xa0 + i);
	}
	if (sa_init(&SA, SPI, AUTH_ALG_HMAC_SHA256_128, key, sizeof(key)) ||
	    sa_init(&SA_OTHER, SPI, AUTH_ALG_HMAC_SHA256_128, other,
	    sizeof(other)))
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	sa_clear(&SA);
	sa_clear(&SA_OTHER);
	return 0;
}

static int
cu_register(void)
{
	CU_pSuite s;

	HA = A("2001:db8:f::10");
	HOA = A("2001:db8:10::100");
	HPFX = A("2001:db8:10::");
	COA1 = A("2001:db8:1::a");
	COA2 = A("2001:db8:2::b");
	COA3 = A("2001:db8:3::c");
	COA4 = A("2001:db8:4::d");
	STRANGER = A("2001:db8:f::99");
	log_init("test_mn_home", 1, LOG_LVL_INFO);
	log_set_sink(sink);
	if ((s = CU_add_suite("mn_home", suite_init, suite_clean)) == NULL)
		return -1;
	for (const CU_TestInfo *t = home_tests; t->pName; t++)
		if (CU_add_test(s, t->pName, t->pTestFunc) == NULL)
			return -1;
	CU_SUITE("movement re-dump", redump_tests);
	return 0;
}
