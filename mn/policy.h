/*
 * policy.h: judging a new flow (PROTOCOL.md G.2, E.4): its mobility
 * requirement (continuity type, CONT_*) and its initiator, from the
 * first packet the NFQUEUE classifier sees.
 *
 * Pure engine: the caller hands in the parsed first packet
 * (pktparse.h), the hook it was queued from and, for locally sent
 * packets, the socket's uid/gid; policy_decide() returns a decision:
 * the type, why (which rule or which address rule), the anchor wanted,
 * and the mark for the verdict (flow_mark.h).
 *
 * Order of judgement (first that applies wins):
 *  MN-initiated (OUTPUT):
 *   1. the source is the HoA                 -> Fixed, anchor HA
 *   2. the source is an address mnd handed   -> that address's type and
 *      out (policy_addr_set: DHoAs, E.0)        anchor
 *   3. the policy table, first match wins:   -> the row's type
 *      proto, sport/dport ranges, dst prefix, uid, gid, DSCP
 *   4. no row matched                        -> default_type
 *   For 3 and 4 the flow left with the CoA as source: Fixed wants the
 *   HA with source translation (N bit, G.3); session-lasting and
 *   graceful-replacement want a DHoA the caller must obtain
 *   (needs_anchor; then policy_decision_set_anchor()); non-persistent
 *   stays native.
 *  CN-initiated (PREROUTING): the CN chose the address, so the flow is
 *   never moved (F.17, A.3.5) and the table is not consulted:
 *   5. to the HoA                            -> Fixed, anchor HA
 *   6. to an address mnd handed out          -> its type and anchor
 *   7. to any other address (the CoA)        -> non-persistent, native
 *  A packet that could not be parsed gets type 0 ("not judged"),
 *  anchor none, reason "unparsed": released, never anchored.
 */
#ifndef DMIP_POLICY_H
#define DMIP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "conf.h"
#include "flow_mark.h"
#include "pktparse.h"

enum policy_reason {
	POLICY_RULE = 0,	/* a row of the table */
	POLICY_DEFAULT,		/* no row matched */
	POLICY_HOME_ADDRESS,	/* MN-initiated from the HoA */
	POLICY_ANCHOR_ADDRESS,	/* from (or to) an address mnd handed out */
	POLICY_INBOUND_HOA,	/* CN-initiated to the HoA (F.17) */
	POLICY_INBOUND,		/* CN-initiated to another address */
	POLICY_UNPARSED,	/* first packet could not be parsed */
	POLICY_REASON_COUNT
};

/* An address mnd handed out, with the type it was handed out for. */
struct policy_addr {
	struct in6_addr	addr;
	uint8_t		type;	/* CONT_* */
	uint8_t		anchor;	/* FLOW_ANCHOR_* or a DHoA slot */
};

struct policy_table {
	struct mnd_policy	*rules;		/* a copy, in order */
	size_t			 nrules;
	uint8_t			 default_type;	/* CONT_* */
	bool			 has_hoa;
	struct in6_addr		 hoa;
	struct policy_addr	*addrs;
	size_t			 naddrs, addrcap;
	uint64_t		*hits;		/* per rule */
	uint64_t		 reason_hits[POLICY_REASON_COUNT];
};

/* What is known about a flow's first packet. */
struct policy_pkt {
	const struct pkt_info	*pkt;		/* NULL: could not be parsed */
	enum flow_hook		 hook;
	bool			 has_uid, has_gid;	/* OUTPUT only */
	uid_t			 uid;
	gid_t			 gid;
};

struct policy_decision {
	uint8_t			 type;		/* CONT_*, 0 not judged */
	enum flow_initiator	 initiator;
	enum policy_reason	 reason;
	int			 rule;		/* row index, -1 none */
	const char		*name;		/* row name or reason name */
	uint8_t			 anchor;	/* FLOW_ANCHOR_* / DHoA slot */
	bool			 nat;		/* CoA source -> anchor (G.3) */
	bool			 needs_anchor;	/* caller must find a DHoA */
	uint32_t		 mark;		/* for the verdict */
};

/* rules may be NULL when n is 0; hoa NULL: no home address. 0 or -1
 * (ENOMEM, or EINVAL for a bad type). */
int	policy_init(struct policy_table *, const struct mnd_policy *rules,
	    size_t n, uint8_t default_type, const struct in6_addr *hoa);
/* From a loaded mnd.conf: its policy rows, default_type, HoA. */
int	policy_init_conf(struct policy_table *, const struct mnd_conf *);
void	policy_free(struct policy_table *);

/* Addresses handed out (G.2): add or replace; 0 or -1 (ENOMEM). */
int	policy_addr_set(struct policy_table *, const struct in6_addr *,
	    uint8_t type, uint8_t anchor);
int	policy_addr_del(struct policy_table *, const struct in6_addr *);
const struct policy_addr *policy_addr_find(const struct policy_table *,
	    const struct in6_addr *);

/* Judge one first packet; counts the hit. */
void	policy_decide(struct policy_table *, const struct policy_pkt *,
	    struct policy_decision *out);
/* Does row r match this packet? (Exposed for tests and dmipctl.) */
bool	policy_rule_matches(const struct mnd_policy *r,
	    const struct policy_pkt *);
/* The caller resolved (or gave up on) the anchor: recompute the mark. */
void	policy_decision_set_anchor(struct policy_decision *, uint8_t anchor,
	    bool nat);

const char	*policy_reason_name(enum policy_reason);
/* "fixed", "session-lasting", "non-persistent", "graceful-replacement",
 * "none" for 0. */
const char	*policy_type_name(uint8_t type);

#endif /* DMIP_POLICY_H */
