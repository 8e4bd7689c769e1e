/*
 * flowtab.h: mnd's flow table (PROTOCOL.md G.2, G.4).
 *
 * One entry per flow the classifier judged, keyed by the 5-tuple of its
 * first packet (addresses, protocol, ports; the ICMPv6 echo id stands in
 * for both ports). Lookups are O(1) (chained hash, doubled when the load
 * reaches 1, keyed by a caller-supplied seed) and work in both
 * directions, so an early packet that NFQUEUE hands over a second time
 * (TESTBED.md 2: packets sent before the first verdict are queued too)
 * or the first packet of the reply direction finds the same entry and
 * gets the same decision.
 *
 * Each flow sits on the list of its anchor (flows using DHoA X, the HA,
 * or none), which the handoff planner walks, and on an LRU list by last
 * activity for idle expiry. Graceful flows in their grace period sit on
 * a third list.
 *
 * flowtab_plan_handoff() is the pure G.4 planner: given the table and
 * "old CoA -> new CoA" it lists, per flow, what to do (re-bind its
 * anchor, end it now, keep it for the grace period, leave it alone) and,
 * per anchor, re-bind or release. flowtab_apply_plan() then updates the
 * table once the caller has acted. No sockets, no clocks: times are
 * CLOCK_MONOTONIC ms passed in.
 */
#ifndef DMIP_FLOWTAB_H
#define DMIP_FLOWTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "flow_mark.h"
#include "pktparse.h"
#include "policy.h"

struct flow_key {
	struct in6_addr	src, dst;	/* as in the first packet */
	uint16_t	sport, dport;	/* host order */
	uint8_t		proto;
	uint8_t		pad[3];		/* zero: keys compare with memcmp */
};

enum flow_state {
	FLOW_PENDING = 0,	/* verdict held while an anchor is found (G.3) */
	FLOW_ACTIVE,
	FLOW_GRACE,		/* graceful flow after a move (G.4 step 4) */
	FLOW_STATE_COUNT
};

enum flow_end {
	FLOW_END_CLOSED = 0,	/* the caller said so (conntrack destroy) */
	FLOW_END_IDLE,		/* no activity for the idle time */
	FLOW_END_GRACE,		/* grace period over (G.4 step 4) */
	FLOW_END_HANDOFF,	/* non-persistent on the old CoA (step 3) */
	FLOW_END_EVICTED,	/* table full: the least recently active */
	FLOW_END_COUNT
};

enum ho_action {
	HO_KEEP = 0,		/* not affected by this move */
	HO_REBIND,		/* anchored (HoA/DHoA): its anchor is re-bound */
	HO_END,			/* on the old CoA, cannot survive: end now */
	HO_GRACE,		/* graceful: keep for the grace period */
	HO_ACTION_COUNT
};

enum ho_anchor_action {
	HO_ANCHOR_REBIND = 1,	/* BU / DHP-BU with the new CoA (step 1) */
	HO_ANCHOR_RELEASE,	/* no live flow: lifetime 0 (step 2) */
};

/* G.4 step 5: per flow, ms (CLOCK_MONOTONIC), 0 = not (yet) seen. */
struct flow_timeline {
	uint64_t	link_ms;	/* link event that started the move */
	uint64_t	coa_ms;		/* new CoA usable */
	uint64_t	bu_ms;		/* first BU for this flow's anchor */
	uint64_t	ack_ms;		/* its ack */
	uint64_t	first_pkt_ms;	/* first packet on the new path */
	uint32_t	bu_count;	/* BUs sent (retransmissions too) */
	uint32_t	handoffs;	/* moves this flow went through */
	enum ho_action	action;		/* what the last move did */
};

enum ho_event {
	HO_EV_BU_SENT = 0,
	HO_EV_ACK,
	HO_EV_FIRST_PKT,
};

struct flow {
	struct flow_key		key;
	enum flow_hook		hook;		/* where the first packet was */
	enum flow_initiator	initiator;
	enum flow_state		state;
	uint8_t			type;		/* CONT_* */
	uint8_t			anchor;		/* FLOW_ANCHOR_* / DHoA slot */
	bool			nat;
	uint8_t			reason;		/* enum policy_reason */
	int			rule;		/* policy row, -1 none */
	uint32_t		mark;
	struct in6_addr		local;		/* our address at first sight */
	uint64_t		first_ms, last_ms;
	uint64_t		grace_until_ms;	/* FLOW_GRACE only */
	uint64_t		packets, bytes;	/* from conntrack (touch) */
	uint32_t		queued;		/* packets the queue handed us */
	struct flow_timeline	ho;
	/* the caller's (mnd): a number for dmipctl, the anchors request
	 * a pending flow waits for, and whether the flow holds its DHoA */
	uint32_t		id;
	unsigned		req_id;
	bool			holds;

	/* private */
	struct flow		*hnext;
	struct flow		*aprev, *anext;
	struct flow		*lprev, *lnext;
	struct flow		*gprev, *gnext;
};

struct flowtab_stats {
	uint64_t	added;
	uint64_t	dups;		/* packets of a known flow re-queued */
	uint64_t	ended[FLOW_END_COUNT];
	uint64_t	grows;		/* bucket array doublings */
};

struct flowtab {
	struct flow		**buckets;
	size_t			 nbuckets;	/* power of two */
	size_t			 n, max;
	uint64_t		 seed;
	struct flow		*anchor_head[FLOW_ANCHOR_COUNT];
	size_t			 anchor_n[FLOW_ANCHOR_COUNT];
	struct flow		*lru_head, *lru_tail;	/* oldest first */
	struct flow		*grace_head;
	struct flowtab_stats	 stats;
};

typedef void (*flowtab_fn)(struct flow *, void *arg);
typedef void (*flowtab_end_fn)(struct flow *, enum flow_end, void *arg);

/* size_hint: expected flows (buckets start there); max: entries kept
 * (0: no limit), past which the least recently active is evicted.
 * seed: hash key (random in mnd, fixed in tests). 0 or -1 (ENOMEM). */
int	flowtab_init(struct flowtab *, size_t size_hint, size_t max,
	    uint64_t seed);
void	flowtab_free(struct flowtab *);

void	flow_key_from_pkt(struct flow_key *, const struct pkt_info *);
void	flow_key_reverse(const struct flow_key *, struct flow_key *out);

struct flow *flowtab_find(struct flowtab *, const struct flow_key *);
/* Either direction; *reversed (may be NULL) tells which matched. */
struct flow *flowtab_find_conn(struct flowtab *, const struct flow_key *,
	    bool *reversed);
/* A new flow with the decision d (pending when d->needs_anchor).
 * NULL with errno EEXIST (either direction known) or ENOMEM. */
struct flow *flowtab_add(struct flowtab *, const struct flow_key *,
	    enum flow_hook, const struct policy_decision *d, uint64_t now_ms);
/* A further queued packet of f (an early duplicate): counted. */
void	flowtab_seen(struct flowtab *, struct flow *);
/* Anchor resolved (or given up: FLOW_ANCHOR_NONE); pending -> active. */
void	flowtab_set_anchor(struct flowtab *, struct flow *, uint8_t anchor,
	    bool nat);
/* Activity (e.g. conntrack counters): absolute totals. */
void	flowtab_touch(struct flowtab *, struct flow *, uint64_t now_ms,
	    uint64_t packets, uint64_t bytes);
/* Remove f now; on_end (may be NULL) is called first. */
void	flowtab_end(struct flowtab *, struct flow *, enum flow_end,
	    flowtab_end_fn on_end, void *arg);
/* End graceful flows whose grace ran out and (idle_ms != 0) flows
 * idle for idle_ms. Returns how many ended. */
size_t	flowtab_expire(struct flowtab *, uint64_t now_ms, uint64_t idle_ms,
	    flowtab_end_fn on_end, void *arg);
/* The earliest grace deadline, or UINT64_MAX. */
uint64_t flowtab_next_grace(const struct flowtab *);

size_t	flowtab_count(const struct flowtab *);
/* Flows on an anchor (which flows use DHoA X). */
size_t	flowtab_anchor_count(const struct flowtab *, uint8_t anchor);
/* Calls fn for every flow (of one anchor); fn may end the flow it is
 * given, nothing else. Returns the number of calls. */
size_t	flowtab_foreach(struct flowtab *, flowtab_fn, void *);
size_t	flowtab_foreach_anchor(struct flowtab *, uint8_t anchor, flowtab_fn,
	    void *);

/* G.4 step 5: stamp ev at ms on every flow of anchor (all flows when
 * anchor < 0) whose field is still 0; BU_SENT also counts. */
void	flowtab_stamp(struct flowtab *, int anchor, enum ho_event,
	    uint64_t ms);
void	flow_stamp(struct flow *, enum ho_event, uint64_t ms);

/* ---- the handoff planner (G.4) ----------------------------------- */

struct ho_input {
	struct in6_addr	 old_coa, new_coa;
	const bool	*held;		/* [FLOW_ANCHOR_COUNT]: anchors the
					 * MN holds (HA registered, DHoAs
					 * leased); NULL: none */
	bool		 keep_ha;	/* re-bind the HA even with no flow
					 * (HoA configured, G.4 step 1) */
	uint64_t	 link_ms, coa_ms;	/* for the timelines */
};

struct ho_flow_step {
	struct flow_key	key;
	uint8_t		type, anchor;
	enum ho_action	action;
	const char	*why;
};

struct ho_anchor_step {
	uint8_t			anchor;
	enum ho_anchor_action	action;
	size_t			live;	/* flows that keep it */
};

struct ho_plan {
	struct in6_addr		 old_coa, new_coa;
	uint64_t		 link_ms, coa_ms;
	struct ho_flow_step	*flows;
	size_t			 nflows;
	struct ho_anchor_step	*anchors;	/* ascending anchor */
	size_t			 nanchors;
	size_t			 count[HO_ACTION_COUNT];
	bool			 keep_old_coa;	/* a translated (G.3) flow
						 * still uses it */
};

/* Pure: reads the table only. 0, or -1 (ENOMEM); free with
 * ho_plan_free(). */
int	flowtab_plan_handoff(const struct flowtab *, const struct ho_input *,
	    struct ho_plan *out);
void	ho_plan_free(struct ho_plan *);
/* After acting on a plan: HO_END flows are removed (on_end first),
 * HO_GRACE flows enter the grace period (grace_ms), HO_REBIND flows
 * get a fresh timeline. Flows gone since the plan are skipped. */
void	flowtab_apply_plan(struct flowtab *, const struct ho_plan *,
	    uint64_t now_ms, uint64_t grace_ms, flowtab_end_fn on_end,
	    void *arg);

const char	*flow_state_name(enum flow_state);
const char	*flow_end_name(enum flow_end);
const char	*ho_action_name(enum ho_action);
const char	*ho_anchor_action_name(enum ho_anchor_action);

#endif /* DMIP_FLOWTAB_H */
