/*
 * fuzz_bul.c: the mobile node's Binding Update List (mn/bul.h) driven
 * by a sequence of events from the input: start, new CoA, acks built
 * from fields or parsed from raw MHs, the clock and bul_timer(),
 * return home, shutdown, on an HA entry and a DHP entry of one list.
 *
 * Checked after every event, from bul.h and C.1:
 *   - the action reports the state before and after and the entry's
 *     deadline; IDLE has no deadline, every other state has one, and
 *     bul_next_deadline() is the earliest over the list;
 *   - after bul_timer(now) at or past the deadline the deadline moves
 *     past now within two more calls (no busy loop for the event loop);
 *   - deadlines stay within the longest lifetime plus the longest
 *     retransmission timeout of now (no wrap-around);
 *   - every BU sent: one more in stats, a new sequence number (the next
 *     one, or the peer's + 1 after a 135 resync), HoA, MESG-ID and AUTH
 *     with the entry's SPI and MAC length, lifetime 0 exactly when
 *     deregistering; it builds and parses back to the same message;
 *   - at most MAX_UPDATE_RATE BUs per second (a shutdown's one-shot BU
 *     may exceed it);
 *   - an ignored ack changes nothing; "bound" means a granted lifetime
 *     and an expiry, and the refresh comes before that expiry; a BU
 *     outstanding means a state that waits for one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_mh.h"
#include "../mn/bul.h"

FUZZ_TARGET("bul");

#define START_MS	5000000ULL
#define NTP_BASE	0xE875470000000000ULL
#define MAX_STEPS	128
#define HIST		8
#define DEADLINE_SPAN	((uint64_t)MH_LIFETIME_MAX_S * 1000 + \
			    MAX_BINDACK_TIMEOUT_MS + 1000)

struct track {
	struct bul_entry *e;
	uint16_t	 exp_seq;	/* the next BU's sequence number */
	uint64_t	 sent[HIST];	/* recent send times, newest last */
	size_t		 nsent;
};

struct run {
	struct bul	 list;
	struct track	 t[2];
	size_t		 n;
	uint64_t	 now;
};

static uint64_t
ntp_at(uint64_t ms)
{
	uint64_t d = ms - START_MS;

	return NTP_BASE + ((d / 1000) << 32) + ((d % 1000) << 32) / 1000;
}

static struct bul_now
now_of(const struct run *r)
{
	struct bul_now n = { r->now, ntp_at(r->now) };

	return n;
}

static void
pick_coa(struct fin *f, uint8_t sel, const struct bul_entry *e,
    struct in6_addr *a)
{
	static const char *const fixed[] = { "2001:db8:2::100",
		"2001:db8:3::100", "2001:db8:4::100", "2001:db8:2::101" };

	sel %= 6;
	if (sel < 4)
		*a = fuzz_addr(fixed[sel]);
	else if (sel == 4)
		*a = e->hoa;
	else
		fin_in6(f, a);
}

/* The BU of an action: fields, then build and parse back. */
static void
check_send(struct track *t, const struct bul_action *act)
{
	const struct bul_entry *e = t->e;
	const struct mh_msg *m = &act->msg;
	uint8_t buf[MH_MAX_LEN];
	struct mh_msg back;
	uint16_t seq, life;
	size_t aoff = 0;
	ssize_t n;

	if (e->kind == BUL_HA) {
		FUZZ_CHECK(m->type == MH_TYPE_BU && (m->u.bu.flags & BU_F_H) &&
		    (m->u.bu.flags & BU_F_A), "HA entry sent type %u flags "
		    "%#x", m->type, m->u.bu.flags);
		seq = m->u.bu.seq;
		life = m->u.bu.lifetime;
	} else {
		FUZZ_CHECK(m->type == MH_TYPE_DHP_BU &&
		    memcmp(&m->u.dbu.dhoa, &e->dhoa, 16) == 0 &&
		    memcmp(&m->u.dbu.coa, &e->coa, 16) == 0, "DHP entry sent "
		    "type %u", m->type);
		seq = m->u.dbu.seq;
		life = m->u.dbu.lifetime;
	}
	FUZZ_CHECK(seq == t->exp_seq && seq == e->seq, "sent seq %u, expected "
	    "%u (entry %u)", seq, t->exp_seq, e->seq);
	t->exp_seq = (uint16_t)(seq + 1);
	/* (an entry set up with lifetime_s < 4 asks for 0 units: the
	 * configuration never does that, conf.c's minimum is 4 s) */
	FUZZ_CHECK(life == (e->state == BUL_DEREGISTERING ? 0 :
	    e->lifetime_req), "lifetime %u in state %s (asked %u)", life,
	    bul_state_name(e->state), e->lifetime_req);
	FUZZ_CHECK(e->state == BUL_REGISTERING || e->state == BUL_REFRESHING ||
	    e->state == BUL_DEREGISTERING, "sent a BU in state %s",
	    bul_state_name(e->state));
	FUZZ_CHECK(e->outstanding && !e->pending, "sent but outstanding %d "
	    "pending %d", e->outstanding, e->pending);
	FUZZ_CHECK((m->opt.present & (MHO_HOA | MHO_MESGID | MHO_AUTH)) ==
	    (MHO_HOA | MHO_MESGID | MHO_AUTH) &&
	    memcmp(&m->opt.hoa, &e->hoa, 16) == 0 &&
	    m->opt.auth_spi == e->spi && m->opt.auth_mac_len == e->mac_len &&
	    m->opt.auth_subtype == AUTH_SUBTYPE_MN_HA, "options of the BU");
	FUZZ_CHECK(memcmp(&act->src, &e->coa, 16) == 0 &&
	    memcmp(&act->dst, &e->peer, 16) == 0 &&
	    memcmp(&act->auth_coa, &e->coa, 16) == 0 &&
	    memcmp(&act->auth_hoa, &e->hoa, 16) == 0, "addresses of the BU");
	n = mh_build(m, buf, sizeof(buf), &aoff);
	FUZZ_CHECK(n > 0, "the BU does not build: %zd", n);
	FUZZ_CHECK(mh_parse(buf, (size_t)n, &back) == MH_OK, "the BU does not "
	    "parse");
	fuzz_mh_roundtrip(buf, (size_t)n, &back, (size_t)n - 1);
}

/* C.1: MAX_UPDATE_RATE per second (the one-shot BU may exceed it). */
static void
record_send(struct track *t, uint64_t now, bool one_shot)
{
	size_t in_window = 1;

	if (t->nsent == HIST) {
		memmove(t->sent, t->sent + 1, (HIST - 1) * sizeof(t->sent[0]));
		t->nsent--;
	}
	for (size_t i = 0; i < t->nsent; i++)
		in_window += t->sent[i] + 1000 > now;
	t->sent[t->nsent++] = now;
	if (!one_shot)
		FUZZ_CHECK(in_window <= MAX_UPDATE_RATE, "%zu BUs within 1 s",
		    in_window);
}

static void
check_entry(const struct run *r, const struct bul_entry *e)
{
	FUZZ_CHECK((unsigned)e->state < BUL_STATE_COUNT, "state %d", e->state);
	FUZZ_CHECK((e->state == BUL_IDLE) == (e->deadline == BUL_NO_DEADLINE),
	    "state %s with deadline %llu", bul_state_name(e->state),
	    (unsigned long long)e->deadline);
	if (e->deadline != BUL_NO_DEADLINE)
		FUZZ_CHECK(e->deadline <= r->now + DEADLINE_SPAN, "deadline "
		    "%llu, now %llu", (unsigned long long)e->deadline,
		    (unsigned long long)r->now);
	if (e->outstanding)
		FUZZ_CHECK(e->state == BUL_REGISTERING ||
		    e->state == BUL_REFRESHING ||
		    e->state == BUL_DEREGISTERING, "outstanding in %s",
		    bul_state_name(e->state));
	if (bul_is_bound(e))
		FUZZ_CHECK(e->lifetime_granted > 0 && e->expires_ms != 0,
		    "bound with lifetime %u expiry %llu", e->lifetime_granted,
		    (unsigned long long)e->expires_ms);
	/* C.1: the refresh is due before the binding runs out */
	if (e->state == BUL_REGISTERED)
		FUZZ_CHECK(e->deadline < e->expires_ms, "refresh at %llu, "
		    "binding expires at %llu", (unsigned long long)e->deadline,
		    (unsigned long long)e->expires_ms);
	FUZZ_CHECK(e->rto_ms <= MAX_BINDACK_TIMEOUT_MS, "rto %u", e->rto_ms);
}

static void
check_list(const struct run *r)
{
	uint64_t d = BUL_NO_DEADLINE;

	for (size_t i = 0; i < r->n; i++) {
		check_entry(r, r->t[i].e);
		if (r->t[i].e->deadline < d)
			d = r->t[i].e->deadline;
	}
	FUZZ_CHECK(bul_next_deadline(&r->list) == d, "next deadline %llu, "
	    "entries say %llu",
	    (unsigned long long)bul_next_deadline(&r->list),
	    (unsigned long long)d);
}

/* After any call that produced act. */
static void
after(struct run *r, struct track *t, enum bul_state from, uint64_t sent0,
    const struct bul_action *act)
{
	const struct bul_entry *e = t->e;

	FUZZ_CHECK(act->from == from && act->to == e->state &&
	    act->deadline == e->deadline, "action %s -> %s deadline %llu, "
	    "entry was %s is %s deadline %llu", bul_state_name(act->from),
	    bul_state_name(act->to), (unsigned long long)act->deadline,
	    bul_state_name(from), bul_state_name(e->state),
	    (unsigned long long)e->deadline);
	FUZZ_CHECK(e->stats.bu_sent == sent0 + (act->send ? 1 : 0),
	    "bu_sent %llu -> %llu, send %d", (unsigned long long)sent0,
	    (unsigned long long)e->stats.bu_sent, act->send);
	if (act->send) {
		check_send(t, act);
		record_send(t, r->now, e->one_shot);
	}
	check_list(r);
}

static void
ev_ack(struct run *r, struct track *t, struct fin *f, bool raw)
{
	static const uint8_t statuses[] = { 0, 1, 128, 129, 132, 133, 135,
		144, 145, 146, 174, 0 };
	struct bul_entry *e = t->e;
	struct bul_action act;
	struct mh_msg m;
	struct in6_addr peer = e->peer;
	enum bul_state from = e->state;
	uint64_t sent0 = e->stats.bu_sent, ignored0 = e->stats.acks_ignored;
	uint64_t resync0 = e->stats.resyncs, dl0 = e->deadline;
	uint16_t ack_seq;
	uint8_t ctl = fin_u8(f);
	bool used;

	memset(&m, 0, sizeof(m));
	if (raw) {
		uint8_t buf[MH_MAX_LEN];
		size_t len = (size_t)fin_u8(f) * MH_UNIT + MH_UNIT;
		const uint8_t *p;

		len = fin_take(f, &p, len);
		if (len < MH_UNIT)
			return;
		len -= len % MH_UNIT;
		memcpy(buf, p, len);
		buf[0] = MH_PAYLOAD_PROTO;
		buf[1] = (uint8_t)(len / MH_UNIT - 1);
		if (mh_parse(buf, len, &m) != MH_OK)
			return;
	} else {
		uint8_t st = statuses[fin_u8(f) % sizeof(statuses)];
		uint16_t seq, life = (uint16_t)(e->lifetime_req ^ fin_u16(f));

		if (st == 0 && (ctl & 0x40))
			st = fin_u8(f);
		switch (ctl & 3) {
		case 0:
			seq = e->seq;
			break;
		case 1:
			seq = (uint16_t)(e->seq - 1 - fin_u8(f));
			break;
		case 2:
			seq = (uint16_t)(e->seq + 1);
			break;
		default:
			seq = fin_u16(f);
			break;
		}
		if (e->kind == BUL_HA && !(ctl & 0x10)) {
			m.type = MH_TYPE_BA;
			m.u.ba.status = st;
			m.u.ba.seq = seq;
			m.u.ba.lifetime = life;
		} else {
			m.type = MH_TYPE_DHP_BC;
			m.u.dbc.status = st;
			m.u.dbc.seq = seq;
			m.u.dbc.lifetime = life;
			m.u.dbc.dhoa = e->dhoa;
			if (ctl & 0x20)
				m.u.dbc.dhoa.s6_addr[15] ^= 1;
		}
		if (ctl & 4) {
			m.opt.present |= MHO_BRA;
			m.opt.bra = fin_u16(f);
		}
		if (ctl & 8) {
			m.opt.present |= MHO_MESGID;
			m.opt.mesgid = ntp_at(r->now) +
			    ((uint64_t)(int64_t)(int16_t)fin_u16(f) << 32);
		}
	}
	if (ctl & 0x80)
		peer.s6_addr[15] ^= 0x80;
	ack_seq = m.type == MH_TYPE_BA ? m.u.ba.seq : m.u.dbc.seq;
	used = bul_on_ack(e, &peer, &m, now_of(r), &act);
	if (!used)
		FUZZ_CHECK(e->state == from && e->deadline == dl0 &&
		    !act.send && e->stats.acks_ignored == ignored0 + 1,
		    "an ignored ack changed the entry");
	if (e->stats.resyncs != resync0)
		t->exp_seq = (uint16_t)(ack_seq + 1);
	after(r, t, from, sent0, &act);
}

/* bul_timer() until the deadline is past now (at most three calls). */
static void
ev_timer(struct run *r, struct track *t)
{
	struct bul_entry *e = t->e;
	struct bul_action act;

	for (int calls = 0; calls < 3; calls++) {
		enum bul_state from = e->state;
		uint64_t sent0 = e->stats.bu_sent, dl0 = e->deadline;

		bul_timer(e, now_of(r), &act);
		after(r, t, from, sent0, &act);
		if (dl0 == BUL_NO_DEADLINE || dl0 > r->now) {
			/* early: nothing may happen */
			FUZZ_CHECK(!act.send && e->state == from &&
			    e->deadline == dl0, "bul_timer before the deadline"
			    " did something");
			return;
		}
		if (e->deadline == BUL_NO_DEADLINE || e->deadline > r->now)
			return;
	}
	FUZZ_CHECK(false, "deadline %llu still not past now %llu after three "
	    "bul_timer() calls (state %s)", (unsigned long long)e->deadline,
	    (unsigned long long)r->now, bul_state_name(e->state));
}

static void
advance(struct run *r, struct track *t, struct fin *f)
{
	uint8_t mode = fin_u8(f);
	uint64_t d = t->e->deadline;

	switch (mode & 3) {
	case 0:
		if (d != BUL_NO_DEADLINE && d > r->now)
			r->now = d;
		break;
	case 1:
		if (d != BUL_NO_DEADLINE && d > r->now + 1)
			r->now = d - 1;
		break;
	case 2:
		r->now += fin_u16(f);
		break;
	default:
		r->now += (uint64_t)fin_u16(f) * 1000;
		break;
	}
}

/*
 * One step. Octet op: bits 0-2 what (0 start, 1 new CoA, 2 ack, 3 raw
 * ack, 4 clock then timer, 5 return home, 6 shutdown, 7 clock only),
 * bit 3 which entry.
 */
static void
step(struct run *r, struct fin *f)
{
	uint8_t op = fin_u8(f);
	struct track *t = &r->t[(op >> 3 & 1) % r->n];
	struct bul_entry *e = t->e;
	struct bul_action act;
	struct in6_addr coa;
	enum bul_state from = e->state;
	uint64_t sent0 = e->stats.bu_sent;

	switch (op & 7) {
	case 0:
	case 1:
		pick_coa(f, fin_u8(f), e, &coa);
		if ((op & 7) == 0)
			bul_start(e, &coa, now_of(r), &act);
		else
			bul_coa_changed(e, &coa, now_of(r), &act);
		after(r, t, from, sent0, &act);
		/* taken, or it was the CoA already */
		FUZZ_CHECK(memcmp(&e->coa, &coa, 16) == 0, "the new CoA was "
		    "not taken");
		break;
	case 2:
	case 3:
		ev_ack(r, t, f, (op & 7) == 3);
		break;
	case 4:
		advance(r, t, f);
		ev_timer(r, t);
		break;
	case 5:
		bul_return_home(e, now_of(r), &act);
		after(r, t, from, sent0, &act);
		break;
	case 6:
		bul_shutdown(e, now_of(r), &act);
		after(r, t, from, sent0, &act);
		break;
	default:
		advance(r, t, f);
		check_list(r);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned lifetimes[] = { 600, 0, 4, 262143, 300, 5, 7,
		1000000 };
	struct in6_addr ha = fuzz_addr("2001:db8:f::10");
	struct in6_addr dhp = fuzz_addr("2001:db8:f::11");
	struct in6_addr hoa = fuzz_addr("2001:db8:10::100");
	struct in6_addr dhoa = fuzz_addr("2001:db8:d1::5");
	struct fin f;
	struct run r;
	uint8_t hdr;
	uint16_t first;
	unsigned life;

	fin_init(&f, data, size);
	hdr = fin_u8(&f);
	first = fin_u16(&f);
	life = lifetimes[hdr >> 2 & 7];
	memset(&r, 0, sizeof(r));
	r.now = START_MS;
	bul_init(&r.list);
	r.t[0].e = bul_add(&r.list, BUL_HA, &ha, &hoa, NULL, 4096,
	    hdr & 2 ? 12 : 16, life, first);
	r.t[1].e = bul_add(&r.list, BUL_DHP, &dhp, &hoa, &dhoa, 8192, 12, life,
	    (uint16_t)(first ^ 0x5555));
	FUZZ_CHECK(r.t[0].e != NULL && r.t[1].e != NULL, "bul_add failed");
	FUZZ_CHECK(bul_add(&r.list, BUL_HA, &ha, &hoa, NULL, 1, 12, 60, 0) ==
	    NULL, "a second entry for the HA");
	FUZZ_CHECK(bul_find(&r.list, BUL_HA, &ha, NULL) == r.t[0].e &&
	    bul_find(&r.list, BUL_DHP, &dhp, &dhoa) == r.t[1].e, "bul_find");
	r.t[0].exp_seq = first;
	r.t[1].exp_seq = (uint16_t)(first ^ 0x5555);
	r.n = hdr & 1 ? 2 : 1;
	if (r.n == 1) {
		bul_remove(&r.list, r.t[1].e);
		r.t[1].e = NULL;
	}
	check_list(&r);
	for (unsigned i = 0; i < MAX_STEPS && !fin_empty(&f); i++)
		step(&r, &f);
	bul_free(&r.list);
	return 0;
}
