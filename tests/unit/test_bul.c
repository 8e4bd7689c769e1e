/*
 * test_bul.c: the Binding Update List state machine (mn/bul.c) driven
 * with explicit times: first registration, C.1 backoff, refresh, CoA
 * change, 135/144/146, stale acks, return home, shutdown, sequence wrap,
 * rate limit, DHP entries and the list.
 */
#include <arpa/inet.h>
#include <string.h>

#include "bul.h"
#include "log.h"
#include "mh.h"
#include "cu_main.h"

#define SPI	0x1000
#define MACLEN	16
#define NTP0	0xE875470000000000ULL

static struct in6_addr HA, HOA, COA1, COA2, COA3, COA4, DHP, DHOA;

static void
setup_addrs(void)
{
	inet_pton(AF_INET6, "2001:db8:f::10", &HA);
	inet_pton(AF_INET6, "2001:db8:1::100", &HOA);
	inet_pton(AF_INET6, "2001:db8:2::100", &COA1);
	inet_pton(AF_INET6, "2001:db8:3::100", &COA2);
	inet_pton(AF_INET6, "2001:db8:4::100", &COA3);
	inet_pton(AF_INET6, "2001:db8:5::100", &COA4);
	inet_pton(AF_INET6, "2001:db8:f::11", &DHP);
	inet_pton(AF_INET6, "2001:db8:d::1", &DHOA);
	log_setlevel(LOG_LVL_WARN);
}

/* Monotonic ms and a wall clock that advances with it. */
static struct bul_now
T(uint64_t ms)
{
	struct bul_now n = { ms, NTP0 + (ms / 1000) * (1ULL << 32) +
	    ((ms % 1000) << 32) / 1000 };

	return n;
}

static struct mh_msg
ba(uint8_t status, uint16_t seq, uint16_t life, uint16_t bra)
{
	struct mh_msg m;

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_BA;
	m.u.ba.status = status;
	m.u.ba.seq = seq;
	m.u.ba.lifetime = life;
	if (bra != 0) {
		m.opt.present |= MHO_BRA;
		m.opt.bra = bra;
	}
	return m;
}

static bool
same(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* An HA entry registered at t=1000 with seq 100, lifetime 600 s. */
static void
registered(struct bul_entry *e)
{
	struct bul_action act;
	struct mh_msg m = ba(0, 100, 150, 0);

	bul_entry_init(e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 100);
	bul_start(e, &COA1, T(1000), &act);
	CU_ASSERT_TRUE(bul_on_ack(e, &HA, &m, T(1200), &act));
	CU_ASSERT_EQUAL(e->state, BUL_REGISTERED);
}

static void
test_first_bu(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg p;
	uint8_t buf[256];
	size_t auth_off = 0;
	ssize_t n;

	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 100);
	CU_ASSERT_EQUAL(e.state, BUL_IDLE);
	CU_ASSERT_EQUAL(e.deadline, BUL_NO_DEADLINE);
	bul_start(&e, &COA1, T(1000), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.from, BUL_IDLE);
	CU_ASSERT_EQUAL(act.to, BUL_REGISTERING);
	CU_ASSERT_EQUAL(act.msg.type, MH_TYPE_BU);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 100);
	CU_ASSERT_EQUAL(act.msg.u.bu.flags, BU_F_A | BU_F_H);
	CU_ASSERT_EQUAL(act.msg.u.bu.lifetime, 150);
	CU_ASSERT_EQUAL(act.msg.opt.present, MHO_HOA | MHO_MESGID | MHO_AUTH);
	CU_ASSERT_TRUE(same(&act.msg.opt.hoa, &HOA));
	CU_ASSERT_EQUAL(act.msg.opt.mesgid, T(1000).ntp);
	CU_ASSERT_EQUAL(act.msg.opt.auth_subtype, AUTH_SUBTYPE_MN_HA);
	CU_ASSERT_EQUAL(act.msg.opt.auth_spi, SPI);
	CU_ASSERT_EQUAL(act.msg.opt.auth_mac_len, MACLEN);
	CU_ASSERT_TRUE(same(&act.src, &COA1));
	CU_ASSERT_TRUE(same(&act.dst, &HA));
	CU_ASSERT_TRUE(same(&act.auth_coa, &COA1));
	CU_ASSERT_TRUE(same(&act.auth_hoa, &HOA));
	/* InitialBindackTimeoutFirstReg, C.1 */
	CU_ASSERT_EQUAL(act.deadline, 2500);
	CU_ASSERT_EQUAL(e.deadline, 2500);

	/* The codec accepts what the engine asks for. */
	n = mh_build(&act.msg, buf, sizeof(buf), &auth_off);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(mh_parse(buf, (size_t)n, &p), MH_OK);
	CU_ASSERT_EQUAL(p.u.bu.seq, 100);
	CU_ASSERT_EQUAL(p.u.bu.flags, 0xC000);
	CU_ASSERT_EQUAL(p.opt.mesgid, T(1000).ntp);
	CU_ASSERT_EQUAL(p.opt.auth_spi, SPI);
	CU_ASSERT_EQUAL(p.opt.auth_off, auth_off);

	/* Starting again with the same CoA sends nothing. */
	bul_start(&e, &COA1, T(1100), &act);
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(act.deadline, 2500);
}

static void
test_backoff(void)
{
	/* timeouts 1.5, 3, 6, 12, 24, 32, 32, 32 s from t=1000 */
	static const uint64_t dl[] = { 2500, 5500, 11500, 23500, 47500,
	    79500, 111500, 143500 };
	struct bul_entry e;
	struct bul_action act;

	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 100);
	bul_start(&e, &COA1, T(1000), &act);
	CU_ASSERT_EQUAL(act.deadline, dl[0]);
	/* early: nothing */
	bul_timer(&e, T(dl[0] - 1), &act);
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(act.deadline, dl[0]);
	for (size_t i = 1; i < sizeof(dl) / sizeof(dl[0]); i++) {
		bul_timer(&e, T(dl[i - 1]), &act);
		CU_ASSERT_TRUE(act.send);
		CU_ASSERT_EQUAL(act.msg.u.bu.seq, 100 + i);
		CU_ASSERT_EQUAL(act.msg.u.bu.lifetime, 150);
		CU_ASSERT_EQUAL(act.msg.opt.mesgid, T(dl[i - 1]).ntp);
		CU_ASSERT_TRUE(same(&act.src, &COA1));
		CU_ASSERT_EQUAL(act.deadline, dl[i]);
		CU_ASSERT_EQUAL(act.to, BUL_REGISTERING);
	}
	CU_ASSERT_EQUAL(e.stats.bu_sent, 8);
	CU_ASSERT_EQUAL(e.stats.retransmits, 7);
	CU_ASSERT_EQUAL(e.stats.rate_limited, 0);
}

static void
test_accept_refresh(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg m;

	registered(&e);
	CU_ASSERT_TRUE(bul_is_bound(&e));
	CU_ASSERT_EQUAL(e.lifetime_granted, 150);
	/* 80 % of 600 s from the time the BU left (RFC 6275 11.7.3) */
	CU_ASSERT_EQUAL(e.deadline, 1000 + 480000);
	CU_ASSERT_EQUAL(e.expires_ms, 1000 + 600000);
	bul_timer(&e, T(481000), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.from, BUL_REGISTERED);
	CU_ASSERT_EQUAL(act.to, BUL_REFRESHING);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 101);
	CU_ASSERT_EQUAL(act.msg.u.bu.lifetime, 150);
	/* re-registration: INITIAL_BINDACK_TIMEOUT 1 s */
	CU_ASSERT_EQUAL(act.deadline, 482000);
	CU_ASSERT_TRUE(bul_is_bound(&e));
	/* granted less than asked: 100 units = 400 s -> refresh at 320 s */
	m = ba(0, 101, 100, 0);
	CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(481300), &act));
	CU_ASSERT_EQUAL(act.to, BUL_REGISTERED);
	CU_ASSERT_EQUAL(act.deadline, 481000 + 320000);
	CU_ASSERT_FALSE(act.send);
}

static void
test_bra(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg m = ba(0, 100, 150, 30);	/* BRA 120 s */

	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 100);
	bul_start(&e, &COA1, T(1000), &act);
	bul_on_ack(&e, &HA, &m, T(1500), &act);
	CU_ASSERT_EQUAL(e.bra, 30);
	CU_ASSERT_EQUAL(act.deadline, 1000 + 120000);
	/* a BRA not shorter than the lifetime is ignored: 80 % */
	m = ba(0, 101, 150, 150);
	bul_timer(&e, T(121000), &act);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 101);
	bul_on_ack(&e, &HA, &m, T(121100), &act);
	CU_ASSERT_EQUAL(act.deadline, 121000 + 480000);
}

/* The refresh gets no answer and the binding runs out. */
static void
test_refresh_expiry(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg m = ba(0, 100, 2, 0);	/* 8 s */

	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 8, 100);
	bul_start(&e, &COA1, T(1000), &act);
	bul_on_ack(&e, &HA, &m, T(1100), &act);
	CU_ASSERT_EQUAL(act.deadline, 1000 + 6400);
	bul_timer(&e, T(7400), &act);			/* refresh, 1 s */
	CU_ASSERT_EQUAL(act.deadline, 8400);
	bul_timer(&e, T(8400), &act);			/* 2 s, cut at expiry */
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 102);
	CU_ASSERT_EQUAL(act.deadline, 9000);
	bul_timer(&e, T(9000), &act);
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(act.from, BUL_REFRESHING);
	CU_ASSERT_EQUAL(act.to, BUL_REGISTERING);
	CU_ASSERT_EQUAL(act.deadline, 10400);
	bul_timer(&e, T(10400), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 103);
	CU_ASSERT_EQUAL(act.deadline, 14400);
}

/* The link comes back with the same CoA while the first registration
 * is deep in its backoff: the BU goes at once, the backoff restarts. */
static void
test_link_back_same_coa(void)
{
	struct bul_entry e;
	struct bul_action act;

	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 100);
	bul_start(&e, &COA1, T(1000), &act);
	bul_timer(&e, T(2500), &act);
	bul_timer(&e, T(5500), &act);
	bul_timer(&e, T(11500), &act);
	CU_ASSERT_EQUAL(act.deadline, 23500);	/* 12 s to wait */
	bul_coa_changed(&e, &COA1, T(12000), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 104);
	CU_ASSERT_TRUE(same(&act.src, &COA1));
	CU_ASSERT_EQUAL(act.deadline, 13500);	/* 1.5 s: first reg */
	/* registered: the same CoA again changes nothing */
	{
		struct mh_msg m = ba(0, 104, 150, 0);

		CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(12100), &act));
	}
	bul_coa_changed(&e, &COA1, T(13000), &act);
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(e.state, BUL_REGISTERED);
}

static void
test_coa_change(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg m;

	registered(&e);
	bul_coa_changed(&e, &COA2, T(5000), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.from, BUL_REGISTERED);
	CU_ASSERT_EQUAL(act.to, BUL_REGISTERING);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 101);
	CU_ASSERT_TRUE(same(&act.src, &COA2));
	CU_ASSERT_TRUE(same(&act.auth_coa, &COA2));
	CU_ASSERT_EQUAL(act.deadline, 6000);	/* not the first reg */
	/* the same CoA again (the link came back): a fresh attempt */
	bul_coa_changed(&e, &COA2, T(5100), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 102);
	CU_ASSERT_EQUAL(act.deadline, 6100);
	/* a move while waiting: a fresh BU at once */
	bul_coa_changed(&e, &COA3, T(5200), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 103);
	CU_ASSERT_TRUE(same(&act.src, &COA3));
	CU_ASSERT_EQUAL(act.deadline, 6200);
	/* the ack of the superseded BU is ignored */
	m = ba(0, 102, 150, 0);
	CU_ASSERT_FALSE(bul_on_ack(&e, &HA, &m, T(5300), &act));
	m = ba(0, 103, 150, 0);
	CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(5400), &act));
	CU_ASSERT_EQUAL(act.to, BUL_REGISTERED);
	CU_ASSERT_TRUE(same(&e.coa, &COA3));
}

static void
test_resync_135(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg m = ba(BA_STATUS_SEQ_OUT_OF_WINDOW, 500, 0, 0);

	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 100);
	bul_start(&e, &COA1, T(1000), &act);
	CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(1100), &act));
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 501);
	CU_ASSERT_EQUAL(act.to, BUL_REGISTERING);
	CU_ASSERT_EQUAL(e.stats.resyncs, 1);
	CU_ASSERT_EQUAL(act.deadline, 2600);
	m = ba(0, 501, 150, 0);
	CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(1200), &act));
	CU_ASSERT_EQUAL(act.to, BUL_REGISTERED);
	/* a refresh goes on from there */
	bul_timer(&e, T(e.deadline), &act);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 502);
	/* the peer insists on the number we just used: give up (no loop) */
	m = ba(BA_STATUS_SEQ_OUT_OF_WINDOW, 501, 0, 0);
	CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(e.deadline - 500), &act));
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(act.to, BUL_FAILED);
}

static void
test_clock_144(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg m = ba(BA_STATUS_ID_MISMATCH, 100, 0, 0);
	uint64_t ha_time = T(1100).ntp + (10ULL << 32);	/* HA 10 s ahead */

	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 100);
	bul_start(&e, &COA1, T(1000), &act);
	m.opt.present |= MHO_MESGID;
	m.opt.mesgid = ha_time;
	CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(1100), &act));
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 101);
	CU_ASSERT_EQUAL(act.msg.opt.mesgid, ha_time);
	CU_ASSERT_EQUAL(e.clock_offset, (int64_t)(10ULL << 32));
	CU_ASSERT_EQUAL(act.to, BUL_REGISTERING);
	/* a second 144 in the same attempt: no more retries */
	m.u.ba.seq = 101;
	CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(1200), &act));
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(act.to, BUL_FAILED);
	CU_ASSERT_EQUAL(act.deadline, 1200 + 32000);
	CU_ASSERT_EQUAL(e.stats.clock_resyncs, 1);
	/* the offset stays for later BUs */
	bul_timer(&e, T(33200), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 102);
	CU_ASSERT_EQUAL(act.msg.opt.mesgid, T(33200).ntp + (10ULL << 32));

	/* 144 without a MESG-ID: nothing to learn from, rejected */
	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 100);
	bul_start(&e, &COA1, T(1000), &act);
	m = ba(BA_STATUS_ID_MISMATCH, 100, 0, 0);
	bul_on_ack(&e, &HA, &m, T(1100), &act);
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(act.to, BUL_FAILED);
}

static void
test_reject_146(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg m = ba(BA_STATUS_AUTH_FAIL, 100, 0, 0);

	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 100);
	bul_start(&e, &COA1, T(1000), &act);
	CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(1100), &act));
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(act.to, BUL_FAILED);
	CU_ASSERT_EQUAL(e.last_status, BA_STATUS_AUTH_FAIL);
	CU_ASSERT_EQUAL(act.deadline, 1100 + 32000);
	CU_ASSERT_EQUAL(e.stats.acks_rejected, 1);
	/* a late duplicate changes nothing */
	CU_ASSERT_FALSE(bul_on_ack(&e, &HA, &m, T(1200), &act));
	bul_timer(&e, T(33100), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.from, BUL_FAILED);
	CU_ASSERT_EQUAL(act.to, BUL_REGISTERING);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 101);
	CU_ASSERT_EQUAL(act.deadline, 33100 + 1500);	/* still first reg */
	/* accepted status with a zero lifetime is no registration */
	m = ba(0, 101, 0, 0);
	bul_on_ack(&e, &HA, &m, T(33200), &act);
	CU_ASSERT_EQUAL(act.to, BUL_FAILED);
}

static void
test_wrong_seq(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg m = ba(0, 99, 150, 0);
	struct in6_addr other = COA2;

	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 100);
	bul_start(&e, &COA1, T(1000), &act);
	CU_ASSERT_FALSE(bul_on_ack(&e, &HA, &m, T(1100), &act));
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(act.to, BUL_REGISTERING);
	CU_ASSERT_EQUAL(act.deadline, 2500);
	m.u.ba.seq = 100;
	/* right seq, wrong peer */
	CU_ASSERT_FALSE(bul_on_ack(&e, &other, &m, T(1100), &act));
	/* not a BA */
	m.type = MH_TYPE_DHP_BC;
	CU_ASSERT_FALSE(bul_on_ack(&e, &HA, &m, T(1100), &act));
	CU_ASSERT_EQUAL(e.stats.acks_ignored, 3);
	CU_ASSERT_EQUAL(e.state, BUL_REGISTERING);
	m.type = MH_TYPE_BA;
	CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(1100), &act));
	/* a duplicate once registered: nothing outstanding */
	CU_ASSERT_FALSE(bul_on_ack(&e, &HA, &m, T(1150), &act));
	CU_ASSERT_EQUAL(e.stats.acks_ignored, 4);
	CU_ASSERT_EQUAL(e.state, BUL_REGISTERED);
}

static void
test_return_home(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg m;

	/* never registered: nothing to deregister */
	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 100);
	bul_return_home(&e, T(500), &act);
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(act.to, BUL_IDLE);

	registered(&e);
	bul_return_home(&e, T(10000), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.to, BUL_DEREGISTERING);
	CU_ASSERT_EQUAL(act.msg.u.bu.lifetime, 0);
	CU_ASSERT_EQUAL(act.msg.u.bu.flags, BU_F_A | BU_F_H);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 101);
	CU_ASSERT_TRUE(same(&act.src, &HOA));		/* CoA = HoA */
	CU_ASSERT_TRUE(same(&act.auth_coa, &HOA));
	CU_ASSERT_TRUE(same(&act.msg.opt.hoa, &HOA));
	CU_ASSERT_EQUAL(act.deadline, 11000);
	CU_ASSERT_FALSE(bul_is_bound(&e));
	/* a second "home" event does not resend */
	bul_return_home(&e, T(10100), &act);
	CU_ASSERT_FALSE(act.send);
	m = ba(0, 101, 0, 0);
	CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(10200), &act));
	CU_ASSERT_EQUAL(act.to, BUL_IDLE);
	CU_ASSERT_EQUAL(act.deadline, BUL_NO_DEADLINE);
	/* leaving again is a first registration (the HA forgot us) */
	bul_coa_changed(&e, &COA2, T(20000), &act);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 102);
	CU_ASSERT_EQUAL(act.deadline, 21500);
}

/* Deregistration without an answer stops when the binding is gone. */
static void
test_return_home_unanswered(void)
{
	struct bul_entry e;
	struct bul_action act;
	uint64_t t = 10000;
	unsigned sent = 0;

	registered(&e);		/* binding until 601000 */
	bul_return_home(&e, T(t), &act);
	while (act.send || act.to == BUL_DEREGISTERING) {
		sent += act.send;
		if (act.deadline == BUL_NO_DEADLINE || sent > 100)
			break;
		t = act.deadline;
		bul_timer(&e, T(t), &act);
	}
	CU_ASSERT_EQUAL(act.to, BUL_IDLE);
	CU_ASSERT_EQUAL(t, 601000);
	/* 10, 11, 13, 17, 25, 41, 73 s, then every 32 s up to 585 s */
	CU_ASSERT_EQUAL(sent, 7 + 16);
}

static void
test_shutdown(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg m;

	registered(&e);
	bul_shutdown(&e, T(20000), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.to, BUL_DEREGISTERING);
	CU_ASSERT_EQUAL(act.msg.u.bu.lifetime, 0);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 101);
	CU_ASSERT_TRUE(same(&act.src, &COA1));	/* from where we are */
	CU_ASSERT_EQUAL(act.deadline, 21000);
	bul_timer(&e, T(21000), &act);
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(act.to, BUL_IDLE);
	CU_ASSERT_EQUAL(act.deadline, BUL_NO_DEADLINE);

	registered(&e);
	bul_shutdown(&e, T(20000), &act);
	m = ba(0, 101, 0, 0);
	CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(20050), &act));
	CU_ASSERT_EQUAL(act.to, BUL_IDLE);

	/* idle: nothing to say */
	bul_shutdown(&e, T(30000), &act);
	CU_ASSERT_FALSE(act.send);
}

static void
test_seq_wrap(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg m = ba(0, 0, 150, 0);

	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 0xFFFF);
	bul_start(&e, &COA1, T(1000), &act);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 0xFFFF);
	bul_timer(&e, T(2500), &act);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 0);
	CU_ASSERT_TRUE(bul_on_ack(&e, &HA, &m, T(2600), &act));
	CU_ASSERT_EQUAL(act.to, BUL_REGISTERED);
	/* 135 carrying 0xFFFF resyncs to 0 */
	bul_coa_changed(&e, &COA2, T(5000), &act);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 1);
	m = ba(BA_STATUS_SEQ_OUT_OF_WINDOW, 0xFFFF, 0, 0);
	bul_on_ack(&e, &HA, &m, T(5100), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 0);
}

static void
test_rate_limit(void)
{
	struct bul_entry e;
	struct bul_action act;

	bul_entry_init(&e, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 100);
	bul_start(&e, &COA1, T(0), &act);
	CU_ASSERT_TRUE(act.send);
	bul_coa_changed(&e, &COA2, T(100), &act);
	CU_ASSERT_TRUE(act.send);
	bul_coa_changed(&e, &COA3, T(200), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 102);
	/* the 4th within one second waits for the 1st to age out */
	bul_coa_changed(&e, &COA4, T(300), &act);
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(act.deadline, 1000);
	CU_ASSERT_EQUAL(e.stats.rate_limited, 1);
	bul_timer(&e, T(999), &act);
	CU_ASSERT_FALSE(act.send);
	bul_timer(&e, T(1000), &act);
	CU_ASSERT_TRUE(act.send);
	CU_ASSERT_EQUAL(act.msg.u.bu.seq, 103);
	CU_ASSERT_TRUE(same(&act.src, &COA4));
	CU_ASSERT_EQUAL(act.deadline, 2500);
	/* and the next one waits for the 2nd (t=100) */
	bul_coa_changed(&e, &COA1, T(1050), &act);
	CU_ASSERT_FALSE(act.send);
	CU_ASSERT_EQUAL(act.deadline, 1100);
}

static void
test_dhp_entry(void)
{
	struct bul_entry e;
	struct bul_action act;
	struct mh_msg m;

	bul_entry_init(&e, BUL_DHP, &DHP, &HOA, &DHOA, 0x2000, MACLEN, 300, 7);
	bul_start(&e, &COA1, T(1000), &act);
	CU_ASSERT_EQUAL(act.msg.type, MH_TYPE_DHP_BU);
	CU_ASSERT_EQUAL(act.msg.u.dbu.seq, 7);
	CU_ASSERT_EQUAL(act.msg.u.dbu.flags, DHP_BU_F_A);
	CU_ASSERT_EQUAL(act.msg.u.dbu.lifetime, 75);
	CU_ASSERT_TRUE(same(&act.msg.u.dbu.dhoa, &DHOA));
	CU_ASSERT_TRUE(same(&act.msg.u.dbu.coa, &COA1));
	CU_ASSERT_TRUE(same(&act.dst, &DHP));
	CU_ASSERT_EQUAL(act.msg.opt.auth_spi, 0x2000);
	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_DHP_BC;
	m.u.dbc.seq = 7;
	m.u.dbc.lifetime = 75;
	m.u.dbc.dhoa = HOA;	/* another DHoA: not ours */
	CU_ASSERT_FALSE(bul_on_ack(&e, &DHP, &m, T(1100), &act));
	m.u.dbc.dhoa = DHOA;
	CU_ASSERT_TRUE(bul_on_ack(&e, &DHP, &m, T(1100), &act));
	CU_ASSERT_EQUAL(act.to, BUL_REGISTERED);
	CU_ASSERT_EQUAL(act.deadline, 1000 + 240000);
}

static void
test_list(void)
{
	struct bul b;
	struct bul_entry *ha, *d, *x;
	struct bul_action act;

	bul_init(&b);
	ha = bul_add(&b, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN, 600, 1);
	d = bul_add(&b, BUL_DHP, &DHP, &HOA, &DHOA, 0x2000, MACLEN, 300, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ha);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NULL(bul_add(&b, BUL_HA, &HA, &HOA, NULL, SPI, MACLEN,
	    600, 1));
	CU_ASSERT_PTR_EQUAL(bul_find(&b, BUL_HA, &HA, NULL), ha);
	CU_ASSERT_PTR_EQUAL(bul_find(&b, BUL_DHP, &DHP, &DHOA), d);
	CU_ASSERT_PTR_EQUAL(bul_find(&b, BUL_DHP, &DHP, NULL), d);
	CU_ASSERT_PTR_NULL(bul_find(&b, BUL_DHP, &DHP, &HOA));
	CU_ASSERT_PTR_NULL(bul_find(&b, BUL_HA, &DHP, NULL));
	CU_ASSERT_EQUAL(bul_next_deadline(&b), BUL_NO_DEADLINE);
	bul_start(ha, &COA1, T(1000), &act);
	bul_start(d, &COA1, T(1200), &act);
	CU_ASSERT_EQUAL(bul_next_deadline(&b), 2500);
	bul_remove(&b, ha);
	CU_ASSERT_EQUAL(b.n, 1);
	CU_ASSERT_EQUAL(bul_next_deadline(&b), 2700);
	x = bul_find(&b, BUL_HA, &HA, NULL);
	CU_ASSERT_PTR_NULL(x);
	bul_free(&b);
	CU_ASSERT_EQUAL(b.n, 0);
}

static void
test_names(void)
{
	CU_ASSERT_STRING_EQUAL(bul_state_name(BUL_IDLE), "idle");
	CU_ASSERT_STRING_EQUAL(bul_state_name(BUL_REFRESHING), "refreshing");
	CU_ASSERT_STRING_EQUAL(bul_state_name(BUL_FAILED), "failed");
	CU_ASSERT_STRING_EQUAL(bul_state_name(BUL_STATE_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(bul_kind_name(BUL_DHP), "DHP");
}

static CU_TestInfo bul_tests[] = {
	{ "first registration BU", test_first_bu },
	{ "C.1 backoff 1.5..32 s, new seq", test_backoff },
	{ "BA 0, refresh at 80 %", test_accept_refresh },
	{ "refresh at the BRA", test_bra },
	{ "binding expires during refresh", test_refresh_expiry },
	{ "CoA change", test_coa_change },
	{ "link back with the same CoA", test_link_back_same_coa },
	{ "135 sequence resync", test_resync_135 },
	{ "144 clock offset, once", test_clock_144 },
	{ "146 failed, retry", test_reject_146 },
	{ "ack with wrong seq/peer/type", test_wrong_seq },
	{ "return home", test_return_home },
	{ "return home unanswered", test_return_home_unanswered },
	{ "shutdown", test_shutdown },
	{ "sequence wrap", test_seq_wrap },
	{ "MAX_UPDATE_RATE", test_rate_limit },
	{ "DHP entry", test_dhp_entry },
	{ "the list", test_list },
	{ "names", test_names },
	CU_TEST_INFO_NULL
};

static int
cu_register(void)
{
	setup_addrs();
	CU_SUITE("bul", bul_tests);
	return 0;
}
