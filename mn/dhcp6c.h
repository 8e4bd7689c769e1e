/*
 * dhcp6c.h: mnd's DHCPv6 prefix-delegation client for one access link
 * (PROTOCOL.md D.4 rule 6), a pure engine: bytes and timeouts in, bytes
 * to send and lease events out. No sockets, no clock (the caller passes
 * monotonic ms), its own PRNG seeded by the caller, so unit tests drive
 * it deterministically. mn/dhcp6c_io.h is its edge.
 *
 * Exchanges (RFC 8415 18.2): SOLICIT/ADVERTISE, REQUEST/REPLY,
 * RENEW, REBIND, RELEASE, with the 7.6 timers and the 15 retransmission
 * rules (RAND in [-0.1, +0.1], first Solicit RT with RAND > 0, Advertise
 * collection during the first RT, preference 255 taken at once).
 * One IA_PD (IAID cfg.iaid) with at most one prefix kept.
 *
 * The IPv6 Continuity Service option (D.2, seed 000) rides inside the
 * IAPREFIX, with the Anchor Preference option beside it when configured
 * (D.4 rule 5). The D.4 rules the client applies:
 *  - rule 1: a reply to a message that carried the option but holds no
 *    option for the prefix means the server does not know it; the
 *    prefix is NON-PERSISTENT and the server is remembered.
 *  - rule 2: a message with the option that gets no answer after
 *    cfg.fallback_after transmissions, or a status code instead of a
 *    prefix, is retried without the option, and the server (the link,
 *    when no server answered) is remembered for cfg.retry_later_s.
 *    A remembered server gets no option (REQUEST, RENEW). When the
 *    memory expires the option is tried again: in the next RENEW to
 *    that server (the prefix stays), or in the next SOLICIT.
 *  - rule 3: a granted type other than the one asked (unless ANY) is
 *    flagged on the lease; with cfg.release_on_mismatch the prefix is
 *    released so mnd can fall back to DMIPv6 anchoring.
 *  - rule 4: once the option was granted for the prefix, every RENEW,
 *    REBIND and RELEASE carries it with the type first granted; a
 *    server reply that drops or changes it is counted and logged, and
 *    the prefix is then treated as the reply says (conservative).
 *    A server that adds the option to an answer to a message without
 *    it breaks rule 4 too: counted, and the option is ignored.
 *
 * Placement [P]: only the IAPREFIX placement counts (D.3). With
 * cfg.accept_outer, a continuity option in the IA_PD beside the
 * IAPREFIX, or at message level, is taken as the server's answer for
 * the prefixes of that IA_PD: that is what ISC Kea 2.2's flex-option
 * hook can produce (it cannot write inside an IAPREFIX). PROTOCOL.md
 * F.20 names only the IAPREFIX and IAADDR placements, so it is off by
 * default.
 */
#ifndef DMIP_DHCP6C_H
#define DMIP_DHCP6C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "dhcp6.h"

/* RFC 8415 7.6, in ms. */
#define DHCP6C_SOL_MAX_DELAY	1000
#define DHCP6C_SOL_TIMEOUT	1000
#define DHCP6C_SOL_MAX_RT	3600000
#define DHCP6C_REQ_TIMEOUT	1000
#define DHCP6C_REQ_MAX_RT	30000
#define DHCP6C_REQ_MAX_RC	10
#define DHCP6C_REN_TIMEOUT	10000
#define DHCP6C_REN_MAX_RT	600000
#define DHCP6C_REB_TIMEOUT	10000
#define DHCP6C_REB_MAX_RT	600000
#define DHCP6C_REL_TIMEOUT	1000
#define DHCP6C_REL_MAX_RC	4
/* A REBIND after a link change (18.2.12) gives up this soon [P]: on a
 * new link the old prefix is usually not valid any more. */
#define DHCP6C_LINK_REBIND_MRD	10000

#define DHCP6C_MEMORY_MAX		16
#define DHCP6C_INFINITY			0xffffffffu

enum dhcp6c_state {
	DHCP6C_IDLE = 0,	/* not started, released, or given up */
	DHCP6C_SOLICIT,
	DHCP6C_REQUEST,
	DHCP6C_BOUND,
	DHCP6C_RENEW,
	DHCP6C_REBIND,
	DHCP6C_RELEASE,
	DHCP6C_STATE_MAX
};

/* Why a server (or the link) is remembered as not supporting the
 * option (D.4 rule 2). */
enum dhcp6c_why {
	DHCP6C_WHY_NO_ANSWER = 0,	/* no answer to the option */
	DHCP6C_WHY_IGNORED,		/* answered without it (rule 1) */
	DHCP6C_WHY_STATUS,		/* a status code instead of a prefix */
	DHCP6C_WHY_PLACEMENT,		/* outside the IAPREFIX, not accepted */
	DHCP6C_WHY_MAX
};

struct dhcp6c_cfg {
	char		ifname[16];		/* for the logs */
	struct dhcp6_duid duid;			/* ours */
	uint32_t	iaid;
	struct dhcp6_codes codes;
	bool		ask;			/* use the option at all */
	uint8_t		want;			/* CONT_* asked */
	uint8_t		plen_hint;		/* 0: none */
	bool		has_anchor;		/* Anchor Preference option */
	struct in6_addr	anchor;
	bool		anchor_required;
	unsigned	fallback_after;		/* >= 1 */
	unsigned	retry_later_s;		/* memory lifetime, >= 1 */
	bool		accept_outer;		/* [P] see above */
	bool		release_on_mismatch;	/* rule 3 */
};

struct dhcp6c_lease {
	struct in6_addr	prefix;
	uint8_t		plen;
	uint32_t	preferred, valid;	/* s, as last granted */
	uint32_t	t1, t2;			/* s, in effect */
	uint64_t	granted_ms;		/* lifetimes count from here */
	struct dhcp6_duid server;
	bool		asked;			/* we sent the option for it */
	bool		has_cont;		/* the server granted a type */
	uint8_t		cont_type;		/* CONT_NON_PERSISTENT if not */
	bool		outer;			/* granted outside IAPREFIX */
	bool		mismatch;		/* rule 3 */
};

enum dhcp6c_event {
	DHCP6C_EV_BOUND = 0,	/* a new prefix */
	DHCP6C_EV_RENEWED,	/* same prefix; lifetimes or type changed */
	DHCP6C_EV_LOST,		/* expired, or gone with a new link */
	DHCP6C_EV_RELEASED,
};

struct dhcp6c_ops {
	/* Send to All_DHCP_Relay_Agents_and_Servers (ff02::1:2) on the
	 * link. 0, or -1 (counted; the retransmission timer goes on). */
	int	(*send)(void *arg, const uint8_t *buf, size_t len);
	/* Optional. */
	void	(*lease)(void *arg, enum dhcp6c_event,
		    const struct dhcp6c_lease *);
};

struct dhcp6c_memory {
	struct dhcp6_duid server;	/* len 0: the link (nobody answered) */
	enum dhcp6c_why	why;
	uint64_t	expiry_ms;
};

struct dhcp6c_stats {
	uint64_t	rx, rx_advertise, rx_reply;
	uint64_t	drop_malformed;	/* codec refused it */
	uint64_t	drop_type;	/* not ADVERTISE/REPLY; RECONFIGURE */
	uint64_t	drop_xid;	/* no exchange with that xid */
	uint64_t	drop_clientid;	/* missing or not ours */
	uint64_t	drop_serverid;	/* missing, or not the one asked */
	uint64_t	drop_no_prefix;	/* ADVERTISE without a usable prefix */
	uint64_t	tx, tx_errors, tx_with_option;
	uint64_t	fallbacks;	/* retried without the option */
	uint64_t	remembered;	/* memory entries made or refreshed */
	uint64_t	retried;	/* memory expired: option tried again */
	uint64_t	mismatches;	/* rule 3 */
	uint64_t	violations;	/* server broke rule 4 */
	uint64_t	bound, renewed, lost, released;
};

struct dhcp6c;

struct dhcp6c	*dhcp6c_new(const struct dhcp6c_cfg *,
		    const struct dhcp6c_ops *, void *arg, uint64_t seed);
void		 dhcp6c_free(struct dhcp6c *);

/* Attach: SOLICIT after the random SOL_MAX_DELAY (no-op unless IDLE). */
void	dhcp6c_start(struct dhcp6c *, uint64_t now);
/* The link changed under us (18.2.12): the link-wide memory and the
 * fallback of this attach are forgotten (a new link may have a server
 * that knows the option); a lease is checked with a REBIND (at most
 * DHCP6C_LINK_REBIND_MRD), else a new SOLICIT starts. */
void	dhcp6c_link_changed(struct dhcp6c *, uint64_t now);
/* RELEASE the lease (state RELEASE until the REPLY or REL_MAX_RC), or
 * just stop. */
void	dhcp6c_release(struct dhcp6c *, uint64_t now);
/* A UDP payload from port 547. 0 taken, -1 dropped (counted). */
int	dhcp6c_input(struct dhcp6c *, const uint8_t *, size_t, uint64_t now);
/* Run whatever is due at now. */
void	dhcp6c_timeout(struct dhcp6c *, uint64_t now);
/* The next deadline (monotonic ms), UINT64_MAX if none. */
uint64_t dhcp6c_next_timeout(const struct dhcp6c *);

enum dhcp6c_state dhcp6c_state(const struct dhcp6c *);
const struct dhcp6c_lease *dhcp6c_lease(const struct dhcp6c *); /* or NULL */
const struct dhcp6c_stats *dhcp6c_stats(const struct dhcp6c *);
/* The remembered servers; *out points into the engine. */
size_t	dhcp6c_memory(const struct dhcp6c *, const struct dhcp6c_memory **out);
const struct dhcp6c_cfg *dhcp6c_cfg(const struct dhcp6c *);

const char *dhcp6c_state_name(enum dhcp6c_state);
const char *dhcp6c_why_name(enum dhcp6c_why);
const char *dhcp6c_event_name(enum dhcp6c_event);

#endif /* DMIP_DHCP6C_H */
