/*
 * bul.c: Binding Update List entries and their state machine
 * (RFC 6275 11.7, 11.8; PROTOCOL.md B.3, B.4, B.8, C.1, F.8).
 *
 * Every BU of an entry goes through emit(), which applies the rate
 * limit (MAX_UPDATE_RATE per peer, C.1), takes a new sequence number
 * (RFC 6275 11.8: each retransmission has a new one) and arms the
 * retransmission timer. An "attempt" is one registration, refresh or
 * deregistration: it starts with the initial timeout and doubles it at
 * every retransmission up to MAX_BINDACK_TIMEOUT.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "bul.h"
#include "dmip_proto.h"
#include "log.h"

#define RATE_WINDOW_MS	1000	/* MAX_UPDATE_RATE is per second */
#define ONE_SHOT_WAIT_MS 1000	/* shutdown: how long the ack may take */

static const char *const bul_state_names[BUL_STATE_COUNT] = {
	[BUL_IDLE] = "idle",
	[BUL_REGISTERING] = "registering",
	[BUL_REGISTERED] = "registered",
	[BUL_REFRESHING] = "refreshing",
	[BUL_DEREGISTERING] = "deregistering",
	[BUL_FAILED] = "failed",
};

const char *
bul_state_name(enum bul_state s)
{
	if ((unsigned)s >= BUL_STATE_COUNT)
		return "?";
	return bul_state_names[s];
}

const char *
bul_kind_name(enum bul_kind k)
{
	return k == BUL_HA ? "HA" : k == BUL_DHP ? "DHP" : "?";
}

static const char *
peer_str(const struct bul_entry *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &e->peer, a, sizeof(a));
	snprintf(buf, len, "%s %s", bul_kind_name(e->kind), a);
	return buf;
}

static void
set_state(struct bul_entry *e, enum bul_state s, const char *why)
{
	char p[INET6_ADDRSTRLEN + 8];

	if (e->state == s) {
		log_debug("bul %s: %s (%s)", peer_str(e, p, sizeof(p)),
		    bul_state_name(s), why);
		return;
	}
	log_info("bul %s: %s -> %s (%s)", peer_str(e, p, sizeof(p)),
	    bul_state_name(e->state), bul_state_name(s), why);
	e->state = s;
}

void
bul_entry_init(struct bul_entry *e, enum bul_kind kind,
    const struct in6_addr *peer, const struct in6_addr *hoa,
    const struct in6_addr *dhoa, uint32_t spi, uint8_t mac_len,
    unsigned lifetime_s, uint16_t first_seq)
{
	unsigned units = lifetime_s / MH_LIFETIME_UNIT;

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->state = BUL_IDLE;
	e->peer = *peer;
	e->hoa = *hoa;
	if (dhoa != NULL)
		e->dhoa = *dhoa;
	e->spi = spi;
	e->mac_len = mac_len;
	e->lifetime_req = units > MH_LIFETIME_MAX_UNITS ?
	    MH_LIFETIME_MAX_UNITS : (uint16_t)units;
	e->next_seq = first_seq;
	e->deadline = BUL_NO_DEADLINE;
}

bool
bul_is_bound(const struct bul_entry *e)
{
	return e->state == BUL_REGISTERED || e->state == BUL_REFRESHING;
}

/* ---- restarts (issue 8) ------------------------------------------ */

static void update_deadline(struct bul_entry *);

void
bul_save(const struct bul_entry *e, struct bul_saved *s)
{
	memset(s, 0, sizeof(*s));
	s->state = e->state;
	s->coa = e->coa;
	s->next_seq = e->next_seq;
	s->seq = e->seq;
	s->lifetime_granted = e->lifetime_granted;
	s->bra = e->bra;
	s->sent_ms = e->sent_ms;
	s->expires_ms = e->expires_ms;
	s->refresh_ms = bul_is_bound(e) ? e->next_at : 0;
	s->clock_offset = e->clock_offset;
}

bool
bul_restore(struct bul_entry *e, const struct bul_saved *s, uint64_t now_ms)
{
	e->next_seq = s->next_seq;
	e->seq = s->seq;
	e->coa = s->coa;
	e->clock_offset = s->clock_offset;
	e->outstanding = false;
	e->pending = false;
	e->one_shot = false;
	e->tries = 0;
	if ((s->state == BUL_REGISTERED || s->state == BUL_REFRESHING) &&
	    s->expires_ms > now_ms && s->lifetime_granted != 0) {
		e->state = BUL_REGISTERED;
		e->ever_registered = true;
		e->lifetime_granted = s->lifetime_granted;
		e->bra = s->bra;
		e->sent_ms = s->sent_ms;
		e->expires_ms = s->expires_ms;
		e->next_at = s->refresh_ms != 0 &&
		    s->refresh_ms < s->expires_ms ? s->refresh_ms : now_ms;
		e->rto_ms = INITIAL_BINDACK_TIMEOUT_MS;
	} else {
		e->state = BUL_IDLE;
		e->lifetime_granted = 0;
		e->bra = 0;
		e->expires_ms = 0;
		e->next_at = 0;
	}
	update_deadline(e);
	return e->state == BUL_REGISTERED;
}

/* ---- deadlines and the rate limit -------------------------------- */

static void
update_deadline(struct bul_entry *e)
{
	uint64_t d;

	switch (e->state) {
	case BUL_IDLE:
		d = BUL_NO_DEADLINE;
		break;
	case BUL_REFRESHING:
	case BUL_DEREGISTERING:
		/* The peer's binding ends at expires_ms either way. */
		d = e->next_at;
		if (e->expires_ms != 0 && e->expires_ms < d && !e->one_shot)
			d = e->expires_ms;
		break;
	default:
		d = e->next_at;
		break;
	}
	e->deadline = d;
}

/* Earliest time a BU may leave: MAX_UPDATE_RATE per second (C.1). */
static uint64_t
rate_allowed_at(const struct bul_entry *e, uint64_t now)
{
	uint64_t t;

	if (e->sent_hist_n < MAX_UPDATE_RATE)
		return now;
	t = e->sent_hist[e->sent_hist_pos] + RATE_WINDOW_MS;
	return t > now ? t : now;
}

static void
rate_record(struct bul_entry *e, uint64_t now)
{
	e->sent_hist[e->sent_hist_pos] = now;
	e->sent_hist_pos = (e->sent_hist_pos + 1) % MAX_UPDATE_RATE;
	if (e->sent_hist_n < MAX_UPDATE_RATE)
		e->sent_hist_n++;
}

/* ---- building the BU --------------------------------------------- */

static void
make_msg(const struct bul_entry *e, struct bul_now now, struct mh_msg *m)
{
	uint16_t life = e->state == BUL_DEREGISTERING ? 0 : e->lifetime_req;

	memset(m, 0, sizeof(*m));
	if (e->kind == BUL_HA) {
		/* B.3: home registration, A=1 H=1 */
		m->type = MH_TYPE_BU;
		m->u.bu.seq = e->seq;
		m->u.bu.flags = BU_F_A | BU_F_H;
		m->u.bu.lifetime = life;
	} else {
		/* B.11.6 */
		m->type = MH_TYPE_DHP_BU;
		m->u.dbu.seq = e->seq;
		m->u.dbu.flags = DHP_BU_F_A;
		m->u.dbu.lifetime = life;
		m->u.dbu.dhoa = e->dhoa;
		m->u.dbu.coa = e->coa;
	}
	/* F.6: HoA option instead of the HAO; B.8: MESG-ID then AUTH. The
	 * timestamp is corrected by the offset learnt from a 144 (F.8). */
	m->opt.present = MHO_HOA | MHO_MESGID | MHO_AUTH;
	m->opt.hoa = e->hoa;
	m->opt.mesgid = now.ntp + (uint64_t)e->clock_offset;
	m->opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	m->opt.auth_spi = e->spi;
	m->opt.auth_mac_len = e->mac_len;
}

/*
 * Send the BU of the current attempt now, or as soon as the rate limit
 * allows (then e->pending and bul_timer() sends it).
 */
static void
emit(struct bul_entry *e, struct bul_now now, struct bul_action *act)
{
	char p[INET6_ADDRSTRLEN + 8];
	uint64_t t = rate_allowed_at(e, now.ms);

	if (t > now.ms && !e->one_shot) {
		if (!e->pending)
			e->stats.rate_limited++;
		e->pending = true;
		e->next_at = t;
		log_debug("bul %s: BU delayed %llu ms by the rate limit",
		    peer_str(e, p, sizeof(p)),
		    (unsigned long long)(t - now.ms));
		return;
	}
	e->pending = false;
	e->seq = e->next_seq++;
	e->outstanding = true;
	e->sent_ms = now.ms;
	e->tries++;
	e->stats.bu_sent++;
	rate_record(e, now.ms);
	e->next_at = now.ms + (e->one_shot ? ONE_SHOT_WAIT_MS : e->rto_ms);

	act->send = true;
	make_msg(e, now, &act->msg);
	act->src = e->coa;
	act->dst = e->peer;
	act->auth_coa = e->coa;
	act->auth_hoa = e->hoa;
	log_debug("bul %s: BU seq %u lifetime %u try %u timeout %u ms",
	    peer_str(e, p, sizeof(p)), e->seq,
	    e->state == BUL_DEREGISTERING ? 0 : e->lifetime_req * 4u,
	    e->tries, e->rto_ms);
}

/* ---- events ------------------------------------------------------- */

static void
act_begin(const struct bul_entry *e, struct bul_action *act)
{
	memset(act, 0, sizeof(*act));
	act->from = e->state;
}

static void
act_end(struct bul_entry *e, struct bul_action *act)
{
	update_deadline(e);
	act->to = e->state;
	act->deadline = e->deadline;
}

/* A new registration, refresh or deregistration (C.1 timeouts). */
static void
new_attempt(struct bul_entry *e, enum bul_state s, const char *why)
{
	if (s == BUL_REGISTERING && !e->ever_registered)
		e->rto_ms = INITIAL_BINDACK_TIMEOUT_FIRSTREG_MS;
	else
		e->rto_ms = INITIAL_BINDACK_TIMEOUT_MS;
	e->tries = 0;
	e->clock_retried = false;
	e->one_shot = false;
	e->pending = false;
	set_state(e, s, why);
}

static void
register_coa(struct bul_entry *e, const struct in6_addr *coa,
    struct bul_now now, struct bul_action *act, const char *why)
{
	act_begin(e, act);
	if (memcmp(coa, &e->coa, sizeof(*coa)) == 0 &&
	    (e->state == BUL_REGISTERING || bul_is_bound(e))) {
		act_end(e, act);
		return;		/* that CoA is registered or on its way */
	}
	e->coa = *coa;
	new_attempt(e, BUL_REGISTERING, why);
	emit(e, now, act);
	act_end(e, act);
}

void
bul_start(struct bul_entry *e, const struct in6_addr *coa,
    struct bul_now now, struct bul_action *act)
{
	register_coa(e, coa, now, act, "start");
}

void
bul_coa_changed(struct bul_entry *e, const struct in6_addr *coa,
    struct bul_now now, struct bul_action *act)
{
	/* Movement reports the CoA in use again only after the link was
	 * lost: the BUs sent meanwhile went nowhere, so a registration
	 * still on its way starts over now instead of waiting out a
	 * backoff of up to MAX_BINDACK_TIMEOUT. */
	if (e->state == BUL_REGISTERING &&
	    memcmp(coa, &e->coa, sizeof(*coa)) == 0) {
		act_begin(e, act);
		new_attempt(e, BUL_REGISTERING, "link back, same CoA");
		emit(e, now, act);
		act_end(e, act);
		return;
	}
	register_coa(e, coa, now, act, "new care-of address");
}

/*
 * Any binding we may have created ends by the later of the last known
 * expiry and the lifetime asked for in the last BU (RFC 6275 11.7.3:
 * lifetimes count from the sending of the BU). Deregistration retries
 * until then.
 */
static void
dereg_begin(struct bul_entry *e, const char *why)
{
	uint64_t until = e->sent_ms + (uint64_t)e->lifetime_req * 4000u;

	if (until > e->expires_ms)
		e->expires_ms = until;
	new_attempt(e, BUL_DEREGISTERING, why);
}

void
bul_return_home(struct bul_entry *e, struct bul_now now,
    struct bul_action *act)
{
	act_begin(e, act);
	if (e->state == BUL_IDLE || (e->state == BUL_DEREGISTERING &&
	    memcmp(&e->coa, &e->hoa, sizeof(e->hoa)) == 0)) {
		act_end(e, act);
		return;
	}
	/* RFC 6275 11.5.4, A.3.1: lifetime 0 and CoA = HoA */
	e->coa = e->hoa;
	dereg_begin(e, "returned home");
	emit(e, now, act);
	act_end(e, act);
}

void
bul_shutdown(struct bul_entry *e, struct bul_now now, struct bul_action *act)
{
	act_begin(e, act);
	if (e->state == BUL_IDLE) {
		act_end(e, act);
		return;
	}
	/* From the current CoA: an HoA source would leave natively (F.13). */
	dereg_begin(e, "shutdown");
	e->one_shot = true;
	emit(e, now, act);
	act_end(e, act);
}

static void
timer_waiting(struct bul_entry *e, struct bul_now now, struct bul_action *act)
{
	if (e->pending) {
		emit(e, now, act);
		return;
	}
	if (e->one_shot) {
		e->outstanding = false;
		e->expires_ms = 0;
		set_state(e, BUL_IDLE, "no ack to the deregistration");
		return;
	}
	/* C.1, RFC 6275 11.8: double the timeout up to the maximum. */
	e->rto_ms *= 2;
	if (e->rto_ms > MAX_BINDACK_TIMEOUT_MS)
		e->rto_ms = MAX_BINDACK_TIMEOUT_MS;
	e->stats.retransmits++;
	emit(e, now, act);
}

/* The peer's binding has run out while we were waiting for an ack. */
static bool
timer_expired(struct bul_entry *e)
{
	if (e->expires_ms == 0 || e->one_shot)
		return false;
	e->expires_ms = 0;
	e->lifetime_granted = 0;
	if (e->state == BUL_REFRESHING) {
		set_state(e, BUL_REGISTERING, "binding expired at the peer");
		return false;	/* keep retransmitting */
	}
	e->outstanding = false;
	e->pending = false;
	set_state(e, BUL_IDLE, "old binding has expired, deregistered");
	return true;
}

void
bul_timer(struct bul_entry *e, struct bul_now now, struct bul_action *act)
{
	act_begin(e, act);
	update_deadline(e);
	if (e->deadline == BUL_NO_DEADLINE || now.ms < e->deadline) {
		act_end(e, act);
		return;
	}
	if ((e->state == BUL_REFRESHING || e->state == BUL_DEREGISTERING) &&
	    now.ms >= e->expires_ms && timer_expired(e)) {
		act_end(e, act);
		return;
	}
	if (now.ms < e->next_at) {
		act_end(e, act);
		return;
	}
	switch (e->state) {
	case BUL_REGISTERING:
	case BUL_REFRESHING:
	case BUL_DEREGISTERING:
		timer_waiting(e, now, act);
		break;
	case BUL_REGISTERED:
		new_attempt(e, BUL_REFRESHING, "refresh before expiry");
		emit(e, now, act);
		break;
	case BUL_FAILED:
		new_attempt(e, BUL_REGISTERING, "retry after rejection");
		emit(e, now, act);
		break;
	default:
		break;
	}
	act_end(e, act);
}

/* ---- acknowledgements -------------------------------------------- */

struct ack {
	uint8_t		status;
	uint16_t	seq;
	uint16_t	lifetime;
};

/* Pick the fields of a BA or DHP-BC meant for this entry. */
static bool
ack_extract(const struct bul_entry *e, const struct mh_msg *m,
    struct ack *a)
{
	if (e->kind == BUL_HA && m->type == MH_TYPE_BA) {
		a->status = m->u.ba.status;
		a->seq = m->u.ba.seq;
		a->lifetime = m->u.ba.lifetime;
		return true;
	}
	if (e->kind == BUL_DHP && m->type == MH_TYPE_DHP_BC &&
	    memcmp(&m->u.dbc.dhoa, &e->dhoa, sizeof(e->dhoa)) == 0) {
		a->status = m->u.dbc.status;
		a->seq = m->u.dbc.seq;
		a->lifetime = m->u.dbc.lifetime;
		return true;
	}
	return false;
}

static void
ack_rejected(struct bul_entry *e, uint8_t status, struct bul_now now)
{
	char p[INET6_ADDRSTRLEN + 8], why[96];

	e->stats.acks_rejected++;
	e->outstanding = false;
	e->pending = false;
	snprintf(why, sizeof(why), "status %u, %s", status,
	    mh_status_name(status));
	log_warnx("bul %s: BU seq %u rejected: %s", peer_str(e, p, sizeof(p)),
	    e->seq, why);
	if (e->state == BUL_DEREGISTERING) {
		e->expires_ms = 0;
		set_state(e, BUL_IDLE, why);
		return;
	}
	e->next_at = now.ms + MAX_BINDACK_TIMEOUT_MS;
	set_state(e, BUL_FAILED, why);
}

static void
ack_accepted(struct bul_entry *e, const struct ack *a,
    const struct mh_msg *m)
{
	char why[64];
	uint64_t life_ms = (uint64_t)a->lifetime * 4000u, refresh;

	e->stats.acks_accepted++;
	e->outstanding = false;
	e->pending = false;
	if (e->state == BUL_DEREGISTERING) {
		e->expires_ms = 0;
		e->lifetime_granted = 0;
		e->ever_registered = false;	/* the peer forgot us */
		set_state(e, BUL_IDLE, "deregistered");
		return;
	}
	e->lifetime_granted = a->lifetime;
	e->bra = (m->opt.present & MHO_BRA) ? m->opt.bra : 0;
	/* RFC 6275 11.7.3: the lifetime counts from when the BU left. */
	e->expires_ms = e->sent_ms + life_ms;
	refresh = life_ms * REFRESH_PERCENT / 100;
	if (e->bra != 0 && (uint64_t)e->bra * 4000u < life_ms)
		refresh = (uint64_t)e->bra * 4000u;	/* C.1: BRA wins */
	e->next_at = e->sent_ms + refresh;
	e->ever_registered = true;
	snprintf(why, sizeof(why), "accepted, lifetime %u s, refresh %llu s",
	    a->lifetime * 4u, (unsigned long long)(refresh / 1000));
	set_state(e, BUL_REGISTERED, why);
}

/* 135: the ack carries the last sequence the peer accepted (B.3). */
static void
ack_resync(struct bul_entry *e, const struct ack *a, struct bul_now now,
    struct bul_action *act)
{
	char p[INET6_ADDRSTRLEN + 8];

	if ((uint16_t)(a->seq + 1) == e->seq) {
		/* We already sent the number it asks for: not a resync. */
		ack_rejected(e, a->status, now);
		return;
	}
	e->stats.resyncs++;
	log_info("bul %s: sequence resync, peer accepted %u, next BU seq %u",
	    peer_str(e, p, sizeof(p)), a->seq, (uint16_t)(a->seq + 1));
	e->next_seq = (uint16_t)(a->seq + 1);
	e->pending = false;
	emit(e, now, act);
}

/* 144: learn the peer's clock from its MESG-ID and retry once (F.8). */
static void
ack_clock(struct bul_entry *e, const struct ack *a, const struct mh_msg *m,
    struct bul_now now, struct bul_action *act)
{
	char p[INET6_ADDRSTRLEN + 8];

	if (e->clock_retried || !(m->opt.present & MHO_MESGID)) {
		ack_rejected(e, a->status, now);
		return;
	}
	e->clock_retried = true;
	e->clock_offset = (int64_t)(m->opt.mesgid - now.ntp);
	e->stats.clock_resyncs++;
	log_warnx("bul %s: timestamp rejected, clock offset %lld ms, retrying",
	    peer_str(e, p, sizeof(p)),
	    (long long)ntp_diff_ms(m->opt.mesgid, now.ntp));
	emit(e, now, act);
}

static bool
ack_ignored(struct bul_entry *e, const char *why, uint16_t seq)
{
	char p[INET6_ADDRSTRLEN + 8];

	e->stats.acks_ignored++;
	log_debug("bul %s: ack seq %u ignored (%s)", peer_str(e, p, sizeof(p)),
	    seq, why);
	return false;
}

bool
bul_on_ack(struct bul_entry *e, const struct in6_addr *peer,
    const struct mh_msg *m, struct bul_now now, struct bul_action *act)
{
	struct ack a;

	act_begin(e, act);
	if (!ack_extract(e, m, &a) ||
	    memcmp(peer, &e->peer, sizeof(*peer)) != 0) {
		act_end(e, act);
		return ack_ignored(e, "not for this entry", 0);
	}
	if (!e->outstanding) {
		act_end(e, act);
		return ack_ignored(e, "no BU outstanding", a.seq);
	}
	if (a.status == BA_STATUS_SEQ_OUT_OF_WINDOW || a.seq == e->seq)
		e->last_status = a.status;
	if (a.status == BA_STATUS_SEQ_OUT_OF_WINDOW)
		ack_resync(e, &a, now, act);
	else if (a.seq != e->seq) {
		act_end(e, act);
		return ack_ignored(e, "sequence mismatch", a.seq);
	} else if (a.status == BA_STATUS_ID_MISMATCH)
		ack_clock(e, &a, m, now, act);
	else if (BA_STATUS_REJECTED(a.status))
		ack_rejected(e, a.status, now);
	else if (a.lifetime == 0 && e->state != BUL_DEREGISTERING)
		ack_rejected(e, a.status, now);	/* nothing granted */
	else
		ack_accepted(e, &a, m);
	act_end(e, act);
	return true;
}

/* ---- the list ----------------------------------------------------- */

void
bul_init(struct bul *b)
{
	memset(b, 0, sizeof(*b));
}

void
bul_free(struct bul *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->v[i]);
	free(b->v);
	memset(b, 0, sizeof(*b));
}

struct bul_entry *
bul_find(const struct bul *b, enum bul_kind kind, const struct in6_addr *peer,
    const struct in6_addr *dhoa)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct bul_entry *e = b->v[i];

		if (e->kind != kind ||
		    memcmp(&e->peer, peer, sizeof(*peer)) != 0)
			continue;
		if (dhoa == NULL ||
		    memcmp(&e->dhoa, dhoa, sizeof(*dhoa)) == 0)
			return b->v[i];
	}
	return NULL;
}

struct bul_entry *
bul_add(struct bul *b, enum bul_kind kind, const struct in6_addr *peer,
    const struct in6_addr *hoa, const struct in6_addr *dhoa, uint32_t spi,
    uint8_t mac_len, unsigned lifetime_s, uint16_t first_seq)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	struct bul_entry *e, **v;

	if (bul_find(b, kind, peer, dhoa != NULL ? dhoa : &any) != NULL)
		return NULL;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4;

		if ((v = reallocarray(b->v, cap, sizeof(*v))) == NULL)
			return NULL;
		b->v = v;
		b->cap = cap;
	}
	if ((e = malloc(sizeof(*e))) == NULL)
		return NULL;
	bul_entry_init(e, kind, peer, hoa, dhoa, spi, mac_len, lifetime_s,
	    first_seq);
	b->v[b->n++] = e;
	return e;
}

void
bul_remove(struct bul *b, struct bul_entry *e)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->v[i] != e)
			continue;
		free(e);
		memmove(&b->v[i], &b->v[i + 1], (b->n - i - 1) * sizeof(*b->v));
		b->n--;
		return;
	}
}

uint64_t
bul_next_deadline(const struct bul *b)
{
	uint64_t d = BUL_NO_DEADLINE;

	for (size_t i = 0; i < b->n; i++)
		if (b->v[i]->deadline < d)
			d = b->v[i]->deadline;
	return d;
}
