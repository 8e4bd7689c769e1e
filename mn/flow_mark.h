/*
 * flow_mark.h: the packet / conntrack mark that carries a flow's
 * decision (PROTOCOL.md G.1, G.3, TESTBED.md 2).
 *
 * The classifier (mn/policy.c) puts one of these on the first packet of
 * every new flow through the NFQUEUE verdict; the DMIP6-POST chain
 * copies it to the conntrack entry (CONNMARK --save-mark) and the
 * DMIP6-OUT / DMIP6-PRE chains copy it back onto every later packet
 * (--restore-mark), so later packets never leave the kernel. Only the
 * bits under FLOW_MARK_MASK are ours: the rules use --nfmask/--ctmask
 * FLOW_MARK_MASK, so marks other software sets above bit 13 survive.
 *
 *   31                14  13  12  11  10    8  7             0
 *  +--------------------+---+---+---+-------+----------------+
 *  |   not dmip6's      | N | C | I | type  |  anchor index  |
 *  +--------------------+---+---+---+-------+----------------+
 *
 *  anchor (0-7)  which anchor carries the flow: 0 none (native, CoA),
 *                1 the HA (HoA), 2..255 an anchor slot mnd assigns to
 *                each DHoA it holds. `ip -6 rule fwmark
 *                (C|anchor)/(C|ANCHOR_MASK) lookup <anchor table>`
 *                steers the flow (G.1); the HoA/DHoA source rules
 *                still steer flows that already use those addresses.
 *  type (8-10)   the flow's continuity type, CONT_* (0..4). Not used
 *                for routing: it lets a handoff find flows in conntrack
 *                by type (e.g. delete every non-persistent flow on the
 *                old CoA, G.4 step 3) with one mark/mask filter.
 *  I (11)        initiator: set for CN-initiated flows (first packet
 *                seen in PREROUTING, G.2).
 *  C (12)        classified: always set in a verdict. UDP stays NEW in
 *                conntrack until a reply (TESTBED.md 2), so the rules
 *                skip packets carrying C rather than trusting ctstate.
 *  N (13)        translate: the flow started on the CoA and is anchored
 *                transparently (G.3); a nat POSTROUTING rule matching
 *                N|anchor rewrites the source to the anchor's address.
 *
 * A flow whose packet could not be parsed still gets C (type 0, "not
 * judged", anchor 0) so it is never queued again.
 */
#ifndef DMIP_FLOW_MARK_H
#define DMIP_FLOW_MARK_H

#include <stdbool.h>
#include <stdint.h>

#define FLOW_MARK_ANCHOR_MASK	0x000000ffu
#define FLOW_MARK_TYPE_SHIFT	8
#define FLOW_MARK_TYPE_MASK	0x00000700u
#define FLOW_MARK_CN		0x00000800u	/* I: CN-initiated */
#define FLOW_MARK_CLASSIFIED	0x00001000u	/* C */
#define FLOW_MARK_NAT		0x00002000u	/* N: SNAT to the anchor */
#define FLOW_MARK_MASK		0x00003fffu	/* every bit above */

#define FLOW_ANCHOR_NONE	0	/* native, the CoA */
#define FLOW_ANCHOR_HA		1	/* the HA, the HoA */
#define FLOW_ANCHOR_DHOA_FIRST	2	/* first DHoA slot */
#define FLOW_ANCHOR_MAX		255
#define FLOW_ANCHOR_COUNT	256

/* Shared vocabulary of the flow modules (policy, flowtab, nfq). */
enum flow_hook {
	FLOW_HOOK_OUT = 0,	/* mangle OUTPUT: sent by the MN */
	FLOW_HOOK_PRE,		/* mangle PREROUTING: arrived at the MN */
	FLOW_HOOK_COUNT
};

enum flow_initiator {
	FLOW_INIT_MN = 0,	/* first packet seen in OUTPUT (G.2) */
	FLOW_INIT_CN,		/* first packet seen in PREROUTING */
};

static inline const char *
flow_hook_name(enum flow_hook h)
{
	return h == FLOW_HOOK_OUT ? "out" : h == FLOW_HOOK_PRE ? "pre" : "?";
}

static inline uint32_t
flow_mark_make(uint8_t type, uint8_t anchor, bool cn_initiated, bool nat)
{
	return FLOW_MARK_CLASSIFIED | (uint32_t)anchor |
	    (((uint32_t)type << FLOW_MARK_TYPE_SHIFT) & FLOW_MARK_TYPE_MASK) |
	    (cn_initiated ? FLOW_MARK_CN : 0) | (nat ? FLOW_MARK_NAT : 0);
}

static inline uint8_t
flow_mark_anchor(uint32_t mark)
{
	return (uint8_t)(mark & FLOW_MARK_ANCHOR_MASK);
}

static inline uint8_t
flow_mark_type(uint32_t mark)
{
	return (uint8_t)((mark & FLOW_MARK_TYPE_MASK) >> FLOW_MARK_TYPE_SHIFT);
}

#endif /* DMIP_FLOW_MARK_H */
