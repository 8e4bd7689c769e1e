/*
 * mn_flow.h: mnd's per-flow mobility (PROTOCOL.md G): the glue between
 * the NFQUEUE edge (nfq.h), the policy (policy.h), the flow table and
 * its handoff planner (flowtab.h), the DHP anchors (anchors.h) and the
 * kernel (conntrack, sock_diag, fwmark rules, nat chain).
 *
 *  G.1/G.2  The first packet of every new flow is judged; the verdict
 *           carries the flow's mark, which conntrack keeps.
 *  G.3      A CoA-sourced flow that policy marks session-lasting or
 *           graceful-replacement waits in the queue (at most
 *           anchor_wait ms) while anchors_request() finds a DHoA; the
 *           verdict then selects the DHoA's anchor slot: an
 *           "ip -6 rule fwmark C|slot lookup <the DHoA's tunnel table>"
 *           and a DMIP6-NAT rule that translates the source to the DHoA.
 *           Every flow on a DHoA holds it (anchors_hold); the flow's end
 *           (conntrack DESTROY event) lets go (anchors_unhold, F.10).
 *  G.4      mn_flow_handoff(): the planner decides per flow; flows that
 *           cannot survive are ended at once (conntrack delete +
 *           SOCK_DESTROY, so the application sees ECONNABORTED),
 *           graceful ones get the grace period, translated flows keep
 *           the old CoA as a deprecated /128 on lo. The re-binding
 *           itself is anchors_coa()'s (DHoAs with holders are re-bound,
 *           the others released) and mn_home's.
 *  G.4 s5   A record per handoff: per flow the action and, in ms after
 *           the new CoA was usable, BU sent, ack, first packet from the
 *           correspondent (conntrack counters polled every 10 ms for
 *           3 s), end.
 *
 * Control socket: "show flows", "show handoffs" (dmipctl(8)).
 */
#ifndef DMIP_MN_FLOW_H
#define DMIP_MN_FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "anchors.h"
#include "conf.h"

struct ctl_out;
struct ctlsock;
struct daemon;
struct mn_flow;
struct tunnel;

struct mn_flow_hooks {
	/* The anchors engine's deadlines changed (mnd re-arms its timer). */
	void		 (*rearm)(void *);
	/* The tunnel in use now (NULL before the first CoA). */
	struct tunnel	*(*tunnel)(void *);
	/* A graceful-replacement address starts its grace period (G.4
	 * step 4): tell the applications (API socket). May be NULL. */
	void		 (*grace)(void *, const struct in6_addr *, unsigned);
	void		 *arg;
};

/*
 * Start the classifier when c->classify is set: netfilter chains, the
 * queues, conntrack events. an may be NULL (no DHP engine): flows that
 * want a DHoA then get the anchors engine's answer "none". *out is NULL
 * when classification is off. 0, or -1 (logged): mnd does not start.
 */
int	mn_flow_open(struct mn_flow **out, struct daemon *,
	    const struct mnd_conf *c, struct anchors *an,
	    const struct mn_flow_hooks *);
/* Remove the chains, the rules, the lo addresses; end nothing. */
void	mn_flow_close(struct mn_flow *);

/* Every anchors event (mn_dhp_hooks.event). */
void	mn_flow_anchor_event(struct mn_flow *, enum anchors_event,
	    const struct anchor *, const struct anchor_req *);

/*
 * A new usable address: coa (home: the HoA). Call before the re-binding
 * (rebind_all): the plan needs the holders as they are, and the
 * non-persistent flows are ended at once. link_ms: the link event.
 */
void	mn_flow_handoff(struct mn_flow *, const struct in6_addr *coa,
	    bool home, uint64_t link_ms);
/* After the BUs left (rebind_all): stamps "BU sent" on the anchors. */
void	mn_flow_rebound(struct mn_flow *, bool ha_bu_sent);
/* The HA's BA for the new CoA. */
void	mn_flow_ha_acked(struct mn_flow *);

/* An address handed out through the API (E.0): flows from it get its
 * type. */
void	mn_flow_handed(struct mn_flow *, const struct in6_addr *,
	    uint8_t type);

/*
 * Persistence (issue #8: mnd restores its flow decisions). What a saved
 * flow and an anchor slot are; the state file format is mn_state's.
 * The kernel keeps each flow's mark in its conntrack entry across a
 * crash of mnd, so restoring means: the same slots (fwmark rules, nat
 * chain) and the flow table again (holds on the DHoAs, grace periods
 * lost: they restart). A saved flow whose conntrack entry is gone is
 * dropped.
 */
struct mn_flow_saved {
	struct in6_addr	src, dst;
	uint16_t	sport, dport;
	uint8_t		proto;
	uint8_t		hook;		/* enum flow_hook */
	uint8_t		initiator;	/* enum flow_initiator */
	uint8_t		type;		/* CONT_* */
	uint8_t		anchor;		/* slot */
	bool		nat;
	uint32_t	id;
};

struct mn_flow_saved_slot {
	uint8_t		slot;		/* FLOW_ANCHOR_DHOA_FIRST.. */
	struct in6_addr	addr;		/* its DHoA */
};

/* Something worth saving changed since the last mn_flow_save(). */
bool	mn_flow_dirty(const struct mn_flow *);
/* Copies out the DHoA slots (at most maxslots) and every active flow
 * (*flows malloc'ed, free() it). Clears the dirty flag. 0 or -1. */
int	mn_flow_save(struct mn_flow *, struct mn_flow_saved_slot *slots,
	    size_t maxslots, size_t *nslots, struct mn_flow_saved **flows,
	    size_t *nflows);
/* At start, after the anchors are restored (their DHoAs must be
 * bound): slots first, then flows. Returns the flows restored. */
size_t	mn_flow_restore(struct mn_flow *,
	    const struct mn_flow_saved_slot *slots, size_t nslots,
	    const struct mn_flow_saved *flows, size_t nflows);

int	mn_flow_ctl_register(struct mn_flow *, struct ctlsock *);
void	mn_flow_ctl_stats(struct mn_flow *, struct ctl_out *);

#endif /* DMIP_MN_FLOW_H */
