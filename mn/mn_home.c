/*
 * mn_home.c: home registration glue of mnd (see mn_home.h;
 * PROTOCOL.md A.3.1, A.3.2, B.8, C.1, F.6, F.8).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "mn_home.h"

static const char *const why_names[MN_BU_WHY_COUNT] = {
	[MN_BU_START] = "start",
	[MN_BU_MOVE] = "move",
	[MN_BU_REFRESH] = "refresh",
	[MN_BU_RETRANSMIT] = "retransmit",
	[MN_BU_HOME] = "home",
	[MN_BU_SHUTDOWN] = "shutdown",
};

static const char *const verdict_names[MN_BA_VERDICT_COUNT] = {
	[MN_BA_USED] = "used",
	[MN_BA_NOT_BA] = "not a BA",
	[MN_BA_STRANGER] = "not from the home agent",
	[MN_BA_BAD_AUTH] = "authentication failed",
	[MN_BA_STALE] = "MESG-ID missing or outside the window",
	[MN_BA_IGNORED] = "not for an outstanding BU",
};

const char *
mn_bu_why_name(enum mn_bu_why w)
{
	return (unsigned)w < MN_BU_WHY_COUNT ? why_names[w] : "?";
}

const char *
mn_ba_verdict_name(enum mn_ba_verdict v)
{
	return (unsigned)v < MN_BA_VERDICT_COUNT ? verdict_names[v] : "?";
}

static const char *
a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static bool
addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

int
mn_home_init(struct mn_home *h, const struct in6_addr *ha,
    const struct in6_addr *hoa, const struct mh_sa *sa, unsigned lifetime_s,
    uint16_t first_seq)
{
	memset(h, 0, sizeof(*h));
	bul_init(&h->bul);
	h->sa = sa;
	h->e = bul_add(&h->bul, BUL_HA, ha, hoa, NULL, sa->spi,
	    (uint8_t)auth_alg_mac_len(sa->alg), lifetime_s, first_seq);
	if (h->e == NULL) {
		bul_free(&h->bul);
		return -1;
	}
	return 0;
}

void
mn_home_free(struct mn_home *h)
{
	bul_free(&h->bul);
	memset(h, 0, sizeof(*h));
}

/* ---- bookkeeping after every BUL event ---------------------------- */

/* "bul: old -> new (why)" (STYLE.md), for changes only. */
static void
note_state(const struct bul_action *act, const char *why)
{
	if (act->from != act->to)
		log_info("bul: %s -> %s (%s)", bul_state_name(act->from),
		    bul_state_name(act->to), why);
}

/* Remember why a BU is due: now, or when the rate limit lets it go. */
static void
note_send(struct mn_home *h, struct mn_home_out *out, enum mn_bu_why why)
{
	out->why = why;
	if (!out->act.send && h->e->pending)
		h->pending_why = why;
}

static void
out_begin(struct mn_home_out *out)
{
	memset(out, 0, sizeof(*out));
}

/* ---- events -------------------------------------------------------- */

void
mn_home_coa(struct mn_home *h, const struct in6_addr *coa,
    struct bul_now now, struct mn_home_out *out)
{
	enum mn_bu_why why = h->started ? MN_BU_MOVE : MN_BU_START;
	char c[INET6_ADDRSTRLEN], w[INET6_ADDRSTRLEN + 32];

	out_begin(out);
	if (h->started)
		bul_coa_changed(h->e, coa, now, &out->act);
	else
		bul_start(h->e, coa, now, &out->act);
	h->started = true;
	snprintf(w, sizeof(w), "%s %s", why == MN_BU_START ?
	    "registering from" : "new care-of address", a6(coa, c));
	note_state(&out->act, w);
	note_send(h, out, why);
}

void
mn_home_at_home(struct mn_home *h, struct bul_now now,
    struct mn_home_out *out)
{
	out_begin(out);
	bul_return_home(h->e, now, &out->act);
	note_state(&out->act, "returned home");
	note_send(h, out, MN_BU_HOME);
}

static const char *
timer_why(const struct bul_action *act)
{
	if (act->from == BUL_REGISTERED && act->to == BUL_REFRESHING)
		return "refresh before expiry";
	if (act->from == BUL_REFRESHING && act->to == BUL_REGISTERING)
		return "binding expired at the home agent";
	if (act->from == BUL_FAILED && act->to == BUL_REGISTERING)
		return "retry after rejection";
	if (act->from == BUL_DEREGISTERING && act->to == BUL_IDLE)
		return "no BA to the deregistration";
	return "timer";
}

void
mn_home_timer(struct mn_home *h, struct bul_now now, struct mn_home_out *out)
{
	bool was_pending = h->e->pending;
	enum mn_bu_why why;
	char a[INET6_ADDRSTRLEN];

	out_begin(out);
	bul_timer(h->e, now, &out->act);
	note_state(&out->act, timer_why(&out->act));
	if (out->act.from == BUL_REGISTERED && out->act.to == BUL_REFRESHING)
		why = MN_BU_REFRESH;
	else if (was_pending)
		why = h->pending_why;
	else
		why = MN_BU_RETRANSMIT;
	note_send(h, out, why);
	if (out->act.from == BUL_DEREGISTERING && out->act.to == BUL_IDLE)
		log_info("deregistration of %s not acknowledged",
		    a6(&h->e->hoa, a));
}

bool
mn_home_shutdown(struct mn_home *h, struct bul_now now,
    struct mn_home_out *out)
{
	out_begin(out);
	bul_shutdown(h->e, now, &out->act);
	note_state(&out->act, "shutdown");
	note_send(h, out, MN_BU_SHUTDOWN);
	return h->e->state != BUL_IDLE;
}

bool
mn_home_restore(struct mn_home *h, const struct bul_saved *s,
    uint64_t now_ms)
{
	char a[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	bool up = bul_restore(h->e, s, now_ms);

	/* A binding to keep: the first CoA is a move, not a start. */
	h->started = up;
	if (up)
		log_info("bul: idle -> registered (restored: %s via %s, "
		    "expires in %llus, next BU seq %u)", a6(&h->e->hoa, a),
		    a6(&h->e->coa, c), (unsigned long long)
		    ((h->e->expires_ms - now_ms) / 1000), h->e->next_seq);
	else
		log_info("bul: idle (restored: no binding to keep, was %s; "
		    "next BU seq %u)", bul_state_name(s->state),
		    h->e->next_seq);
	return up;
}

/* ---- acknowledgements ---------------------------------------------- */

static enum mn_ba_verdict
drop(struct mn_home *h, enum mn_ba_verdict v, const struct mh_msg *m,
    const struct in6_addr *src)
{
	char s[INET6_ADDRSTRLEN];

	h->st.rx[v]++;
	log_debug("%s from %s dropped: %s", mh_type_name(m->type), a6(src, s),
	    mn_ba_verdict_name(v));
	return v;
}

/* RFC 4285 6, F.8: our own MESG-ID comes back, so compare it with our
 * clock as the HA sees it (corrected by a learnt offset). */
static bool
mesgid_fresh(const struct mn_home *h, const struct mh_msg *m,
    struct bul_now now)
{
	if (m->u.ba.status == BA_STATUS_ID_MISMATCH)
		return true;	/* the HA's clock: bul_on_ack learns it */
	return replay_check(h->sa, &m->opt,
	    now.ntp + (uint64_t)h->e->clock_offset) == 0;
}

/* What the BA did to the registration, in words. */
static void
note_ack(struct mn_home *h, const struct mh_msg *m,
    const struct bul_action *act)
{
	char a[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN], why[96];
	uint8_t st = m->u.ba.status;

	snprintf(why, sizeof(why), "BA seq %u status %u, %s", m->u.ba.seq, st,
	    mh_status_name(st));
	note_state(act, why);
	if (act->to == BUL_REGISTERED && act->from == BUL_REGISTERING)
		log_info("registered %s via %s", a6(&h->e->hoa, a),
		    a6(&h->e->coa, c));
	else if (act->to == BUL_REGISTERED)
		log_debug("binding of %s via %s refreshed", a6(&h->e->hoa, a),
		    a6(&h->e->coa, c));
	else if (act->from == BUL_DEREGISTERING && act->to == BUL_IDLE) {
		/* 133: the HA has no binding for us, which is the goal. */
		if (!BA_STATUS_REJECTED(st) || st == BA_STATUS_NOT_HA_FOR_MN)
			log_info("deregistered %s", a6(&h->e->hoa, a));
		else
			log_info("deregistration of %s refused: status %u, %s",
			    a6(&h->e->hoa, a), st, mh_status_name(st));
	}
}

enum mn_ba_verdict
mn_home_input(struct mn_home *h, const struct mh_msg *m, const uint8_t *raw,
    size_t len, const struct in6_addr *src, const struct in6_addr *dst,
    struct bul_now now, struct mn_home_out *out)
{
	const struct in6_addr *coa;
	char line[160];

	out_begin(out);
	if (m->type != MH_TYPE_BA)
		return drop(h, MN_BA_NOT_BA, m, src);
	if (!addr_eq(src, &h->e->peer))
		return drop(h, MN_BA_STRANGER, m, src);
	/* B.8: the HA signs with the CoA it sends the BA to. */
	coa = IN6_IS_ADDR_UNSPECIFIED(dst) ? &h->e->coa : dst;
	if (mh_auth_verify(raw, len, &m->opt, h->sa, coa, &h->e->hoa) != 0)
		return drop(h, MN_BA_BAD_AUTH, m, src);
	if (!mesgid_fresh(h, m, now))
		return drop(h, MN_BA_STALE, m, src);
	if (!bul_on_ack(h->e, src, m, now, &out->act))
		return drop(h, MN_BA_IGNORED, m, src);
	h->st.rx[MN_BA_USED]++;
	mn_home_fmt_ba(line, sizeof(line), src, m);
	log_info("%s", line);
	note_ack(h, m, &out->act);
	/* A BU now is the 135 resync or the 144 retry. */
	note_send(h, out, MN_BU_RETRANSMIT);
	return MN_BA_USED;
}

/* ---- output -------------------------------------------------------- */

ssize_t
mn_home_encode(const struct mn_home *h, const struct bul_action *act,
    uint8_t *buf, size_t cap)
{
	size_t auth_off = 0;
	ssize_t len;

	if ((len = mh_build(&act->msg, buf, cap, &auth_off)) < 0)
		return len;
	if (mh_auth_sign(buf, (size_t)len, auth_off, h->sa, &act->auth_coa,
	    &act->auth_hoa) != 0)
		return -1;
	return len;
}

void
mn_home_sent(struct mn_home *h, const struct mn_home_out *out)
{
	char line[192];

	h->st.bu_sent++;
	mn_home_fmt_bu(line, sizeof(line), &out->act, out->why);
	log_info("%s", line);
}

void
mn_home_send_failed(struct mn_home *h, const struct mn_home_out *out,
    int err)
{
	char line[192];

	h->st.bu_send_errors++;
	mn_home_fmt_bu(line, sizeof(line), &out->act, out->why);
	log_warnx("not sent: %s: %s", line, strerror(err));
}

uint64_t
mn_home_deadline(const struct mn_home *h)
{
	return bul_next_deadline(&h->bul);
}

enum bul_state
mn_home_state(const struct mn_home *h)
{
	return h->e->state;
}

bool
mn_home_bound(const struct mn_home *h)
{
	return bul_is_bound(h->e);
}

int
mn_home_fmt_bu(char *buf, size_t len, const struct bul_action *act,
    enum mn_bu_why why)
{
	char d[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	return snprintf(buf, len, "BU to %s seq %u coa %s lifetime %us (%s)",
	    a6(&act->dst, d), act->msg.u.bu.seq, a6(&act->auth_coa, c),
	    act->msg.u.bu.lifetime * (unsigned)MH_LIFETIME_UNIT,
	    mn_bu_why_name(why));
}

int
mn_home_fmt_ba(char *buf, size_t len, const struct in6_addr *src,
    const struct mh_msg *m)
{
	char s[INET6_ADDRSTRLEN];

	return snprintf(buf, len, "BA from %s seq %u status %u (%s) "
	    "lifetime %us", a6(src, s), m->u.ba.seq, m->u.ba.status,
	    mh_status_name(m->u.ba.status),
	    m->u.ba.lifetime * (unsigned)MH_LIFETIME_UNIT);
}
