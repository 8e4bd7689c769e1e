/*
 * bul.h: the mobile node's Binding Update List (RFC 6275 11.1, 11.7,
 * 11.8; PROTOCOL.md B.3, B.4, B.8, B.11.8, C.1, F.8).
 *
 * Pure engine: one struct bul_entry per anchor (the HA now, DHPs later
 * with the same entry and different message types). Events go in with
 * an explicit time; what comes out is a struct bul_action: "send this
 * BU" (an mh_msg the caller builds, signs with the SA of e->spi and
 * sends) and the next deadline at which bul_timer() must be called.
 * No sockets, no clocks, no timers of its own.
 *
 * Times: `ms` is CLOCK_MONOTONIC in milliseconds (the timerheap's unit),
 * `ntp` is the wall clock in NTP format (auth.h ntp_now()), used only
 * for the MESG-ID option.
 */
#ifndef DMIP_BUL_H
#define DMIP_BUL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "mh.h"

#define BUL_NO_DEADLINE	UINT64_MAX

enum bul_kind {
	BUL_HA = 0,	/* home registration: BU (5) / BA (6) */
	BUL_DHP,	/* DHP binding: DHP-BU (204) / DHP-BC (205), B.11.6 */
};

enum bul_state {
	BUL_IDLE = 0,		/* no binding, nothing outstanding */
	BUL_REGISTERING,	/* BU sent, no binding yet, retransmitting */
	BUL_REGISTERED,		/* binding up; timer = refresh */
	BUL_REFRESHING,		/* binding up, refresh BU outstanding */
	BUL_DEREGISTERING,	/* lifetime-0 BU outstanding */
	BUL_FAILED,		/* rejected; timer = retry */
	BUL_STATE_COUNT
};

struct bul_now {
	uint64_t	ms;	/* CLOCK_MONOTONIC, milliseconds */
	uint64_t	ntp;	/* wall clock, NTP format */
};

struct bul_stats {
	uint64_t	bu_sent;	/* every BU, retransmissions included */
	uint64_t	retransmits;
	uint64_t	rate_limited;	/* sends delayed by MAX_UPDATE_RATE */
	uint64_t	acks_accepted;
	uint64_t	acks_rejected;
	uint64_t	acks_ignored;	/* wrong seq, nothing outstanding */
	uint64_t	resyncs;	/* status 135 */
	uint64_t	clock_resyncs;	/* status 144 */
};

struct bul_entry {
	enum bul_kind	kind;
	enum bul_state	state;
	struct in6_addr	peer;		/* HA or DHP signalling address */
	struct in6_addr	hoa;
	struct in6_addr	dhoa;		/* BUL_DHP only */
	struct in6_addr	coa;		/* CoA in the current/last BU */
	uint32_t	spi;		/* SA for AUTH (B.8) */
	uint8_t		mac_len;	/* auth_alg_mac_len() of that SA */
	uint16_t	lifetime_req;	/* 4 s units */
	uint16_t	lifetime_granted; /* 4 s units, from the last ack */
	uint16_t	bra;		/* refresh advice, 4 s units, 0 none */

	uint16_t	next_seq;	/* for the next BU sent */
	uint16_t	seq;		/* of the outstanding BU */
	bool		outstanding;	/* a BU awaits its ack */
	bool		pending;	/* a BU is due but rate-limited */
	bool		ever_registered; /* RFC 6275 11.8 first-reg timeout */
	bool		clock_retried;	/* 144 handled in this attempt */
	bool		one_shot;	/* shutdown: give up at the deadline */
	uint8_t		last_status;
	unsigned	tries;		/* BUs sent in this attempt */
	uint32_t	rto_ms;		/* current retransmission timeout */
	uint64_t	sent_ms;	/* when the last BU left */
	uint64_t	next_at;	/* rexmit/refresh/retry/send time */
	uint64_t	expires_ms;	/* binding expiry at the peer, or 0 */
	uint64_t	deadline;	/* next bul_timer(), BUL_NO_DEADLINE */
	int64_t		clock_offset;	/* peer - us, NTP units (F.8) */
	uint64_t	sent_hist[MAX_UPDATE_RATE]; /* ring of send times */
	unsigned	sent_hist_pos;	/* oldest when full */
	unsigned	sent_hist_n;

	struct bul_stats stats;
};

/* What the caller must do after an event. */
struct bul_action {
	bool		send;
	struct mh_msg	msg;	/* BU or DHP-BU with HoA, MESG-ID, AUTH */
	struct in6_addr	src;	/* IPv6 source: the CoA (HoA when home) */
	struct in6_addr	dst;	/* the peer */
	struct in6_addr	auth_coa; /* MobilityData = CoA || HoA || MH */
	struct in6_addr	auth_hoa;
	enum bul_state	from, to;	/* state before and after */
	uint64_t	deadline;	/* call bul_timer() then */
};

const char	*bul_state_name(enum bul_state);
const char	*bul_kind_name(enum bul_kind);

/*
 * Set up an entry in BUL_IDLE. lifetime_s is rounded down to 4 s units
 * (at most MH_LIFETIME_MAX_UNITS); first_seq is the first sequence
 * number to use. dhoa may be NULL for BUL_HA.
 */
void	bul_entry_init(struct bul_entry *, enum bul_kind,
	    const struct in6_addr *peer, const struct in6_addr *hoa,
	    const struct in6_addr *dhoa, uint32_t spi, uint8_t mac_len,
	    unsigned lifetime_s, uint16_t first_seq);

/* Register from coa (start-up, or after FAILED/IDLE). */
void	bul_start(struct bul_entry *, const struct in6_addr *coa,
	    struct bul_now, struct bul_action *);
/* A new CoA: a fresh BU with a new sequence number at once. No-op if
 * coa is the CoA already registered. The same CoA while registering
 * (the link came back) restarts the attempt at once. */
void	bul_coa_changed(struct bul_entry *, const struct in6_addr *coa,
	    struct bul_now, struct bul_action *);
/*
 * An ack from peer: a BA (BUL_HA) or DHP-BC (BUL_DHP) that the caller
 * has already parsed and authenticated. Matched by (peer, sequence),
 * as the BA carries no RH2 (B.7, F.6). Returns true if it was used,
 * false if ignored (counted in stats.acks_ignored).
 */
bool	bul_on_ack(struct bul_entry *, const struct in6_addr *peer,
	    const struct mh_msg *, struct bul_now, struct bul_action *);
/* The deadline passed: retransmit, refresh, retry or give up. Calling
 * it early does nothing but report the deadline. */
void	bul_timer(struct bul_entry *, struct bul_now, struct bul_action *);
/* Back on the home link: lifetime 0, CoA = HoA (RFC 6275 11.5.4,
 * A.3.1), retransmitted until acked or the old binding has expired. */
void	bul_return_home(struct bul_entry *, struct bul_now,
	    struct bul_action *);
/* Clean exit: one lifetime-0 BU from the current CoA; the entry goes
 * IDLE at the ack or at the deadline (1 s), whichever comes first. */
void	bul_shutdown(struct bul_entry *, struct bul_now, struct bul_action *);

/* True while the peer holds a binding for us (REGISTERED/REFRESHING). */
bool	bul_is_bound(const struct bul_entry *);

/*
 * What of an entry survives a restart of mnd (issue 8, mn_state.h): the
 * binding, when to refresh it and the sequence numbers. Times are in
 * whatever clock the caller uses consistently (monotonic ms for
 * bul_save()/bul_restore(); the state file converts to wall-clock).
 */
struct bul_saved {
	enum bul_state	state;
	struct in6_addr	coa;
	uint16_t	next_seq;	/* for the next BU */
	uint16_t	seq;		/* of the last BU sent */
	uint16_t	lifetime_granted; /* 4 s units */
	uint16_t	bra;		/* 4 s units, 0 none */
	uint64_t	sent_ms;	/* when the last BU left */
	uint64_t	expires_ms;	/* binding expiry at the peer, 0 none */
	uint64_t	refresh_ms;	/* next refresh (or retransmission) */
	int64_t		clock_offset;	/* F.8 */
};

void	bul_save(const struct bul_entry *, struct bul_saved *);
/*
 * Put a saved entry back into one fresh from bul_entry_init()/bul_add()
 * (peer, HoA, DHoA, SA and requested lifetime come from there). A
 * binding that was up (REGISTERED/REFRESHING) and has not expired by
 * now_ms comes back REGISTERED with its expiry, refreshed at refresh_ms
 * (at once when that is missing or past the expiry): no BU leaves for
 * it. Anything else comes back IDLE. Either way the sequence numbers
 * go on from s->next_seq and the clock offset is kept. Returns whether
 * the binding is up.
 */
bool	bul_restore(struct bul_entry *, const struct bul_saved *s,
	    uint64_t now_ms);

/* ---- the list: one entry per anchor ------------------------------ */

struct bul {
	struct bul_entry **v;
	size_t		   n, cap;
};

void	bul_init(struct bul *);
void	bul_free(struct bul *);
/* A new IDLE entry (see bul_entry_init), or NULL on ENOMEM or if one
 * for (kind, peer, dhoa) exists. */
struct bul_entry *bul_add(struct bul *, enum bul_kind,
	    const struct in6_addr *peer, const struct in6_addr *hoa,
	    const struct in6_addr *dhoa, uint32_t spi, uint8_t mac_len,
	    unsigned lifetime_s, uint16_t first_seq);
/* dhoa NULL matches any entry of that peer (the HA has one). */
struct bul_entry *bul_find(const struct bul *, enum bul_kind,
	    const struct in6_addr *peer, const struct in6_addr *dhoa);
void	bul_remove(struct bul *, struct bul_entry *);
/* Earliest deadline over all entries. */
uint64_t bul_next_deadline(const struct bul *);

#endif /* DMIP_BUL_H */
