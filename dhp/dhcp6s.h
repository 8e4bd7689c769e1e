/*
 * dhcp6s.h: dhpd's DHCPv6 prefix-delegation server for one access link
 * (PROTOCOL.md D.4 rule 6), a pure engine: a client message in, the
 * answer's bytes out; no sockets, the caller passes monotonic ms.
 * dhp/dhcp6s_io.h is its edge.
 *
 * RFC 8415 18.3: SOLICIT (ADVERTISE, or REPLY with Rapid Commit when
 * allowed), REQUEST, RENEW, REBIND, RELEASE, INFORMATION-REQUEST; the
 * 16 validation rules (Client/Server Identifier presence and match), 18.4
 * (unicast REQUEST/RENEW/RELEASE: UseMulticast; unicast SOLICIT/REBIND:
 * dropped). CONFIRM and DECLINE have nothing to do with prefixes and
 * get no answer. IA_NA is answered NoAddrsAvail / NoBinding: this
 * server only delegates prefixes, one per IA_PD, from one pool.
 *
 * The IPv6 Continuity Service option (D.2-D.4, seed 000):
 *  - it is never added unless the client used it (inside an IAPREFIX,
 *    or nested in an Anchor Preference option, D.4 rule 5);
 *  - the type granted is the one asked when cfg.grant[] allows it;
 *    for ANY, or a type not granted, the first of cfg.order (D.3 [P]:
 *    "it grants another type and reports that type"); the client
 *    judges (rule 3);
 *  - once granted for a binding it is sticky: every later ADVERTISE or
 *    REPLY about that prefix carries it with the first type, even when
 *    the client's message does not (rule 4);
 *  - an Anchor Preference option with the required flag that names
 *    another anchor than cfg.anchor gets NoPrefixAvail; a preferred
 *    one is only a hint.
 */
#ifndef DMIP_DHCP6S_H
#define DMIP_DHCP6S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "dhcp6.h"

#define DHCP6S_MSG_MAX		1500	/* answers fit in this */
#define DHCP6S_NO_EXPIRY	UINT64_MAX

struct dhcp6s_cfg {
	char		ifname[16];		/* for the logs */
	struct dhcp6_duid duid;			/* ours */
	struct dhcp6_codes codes;
	struct in6_addr	pool;
	uint8_t		pool_len;
	uint8_t		plen;			/* <= pool_len + 24 */
	bool		grant[CONT_MAX + 1];
	uint8_t		order[CONT_MAX + 1];	/* granted, best first */
	size_t		norder;			/* >= 1 */
	uint32_t	preferred, valid;	/* s */
	uint32_t	t1, t2;			/* s; 0: 0.5/0.8 preferred */
	size_t		max_bindings;
	bool		rapid_commit;
	uint8_t		preference;		/* 0: no Preference option */
	struct in6_addr	anchor;
};

struct dhcp6s_binding {
	struct dhcp6_duid client;
	uint32_t	iaid;
	uint32_t	index;		/* prefix number in the pool */
	bool		has_cont;	/* granted with the option: sticky */
	uint8_t		cont_type;
	uint64_t	expiry_ms;
};

struct dhcp6s_stats {
	uint64_t	rx;
	uint64_t	rx_type[14];		/* by message type */
	uint64_t	drop_malformed;
	uint64_t	drop_type;		/* server or relay messages */
	uint64_t	drop_clientid;
	uint64_t	drop_serverid;
	uint64_t	drop_unicast;		/* 18.4 */
	uint64_t	ignored;		/* CONFIRM, DECLINE */
	uint64_t	tx_advertise, tx_reply, tx_errors;
	uint64_t	bound, renewed, released, expired;
	uint64_t	no_prefix;		/* exhausted, anchor refused */
	uint64_t	no_binding;
	uint64_t	granted[CONT_MAX + 1];	/* new grants by type */
	uint64_t	substituted;		/* asked type not granted,
						 * offers and grants */
	uint64_t	option_kept;		/* sticky: client omitted it */
	uint64_t	legacy;			/* bindings without option */
};

struct dhcp6s;

/* NULL with errno EINVAL on a bad cfg, ENOMEM. */
struct dhcp6s	*dhcp6s_new(const struct dhcp6s_cfg *);
void		 dhcp6s_free(struct dhcp6s *);

/*
 * One UDP payload from a client (port 546 -> 547). multicast: it was
 * sent to ff02::1:2. 0 with *out_len set (0: no answer), or -1 when it
 * was dropped (counted, logged at debug).
 */
int	dhcp6s_input(struct dhcp6s *, const uint8_t *, size_t, bool multicast,
	    uint64_t now, uint8_t *out, size_t cap, size_t *out_len);
/* Bindings whose valid lifetime ended are removed. */
void	dhcp6s_expire(struct dhcp6s *, uint64_t now);
uint64_t dhcp6s_next_expiry(const struct dhcp6s *);

size_t	dhcp6s_bindings(const struct dhcp6s *,
	    const struct dhcp6s_binding **out);
void	dhcp6s_prefix(const struct dhcp6s *, uint32_t index,
	    struct in6_addr *);
const struct dhcp6s_stats *dhcp6s_stats(const struct dhcp6s *);
const struct dhcp6s_cfg *dhcp6s_cfg(const struct dhcp6s *);

#endif /* DMIP_DHCP6S_H */
