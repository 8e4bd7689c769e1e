/*
 * movement.h: movement detection for mnd (PROTOCOL.md A.3.1, A.3.2,
 * A.3.4; TESTBED.md 5).
 *
 * Pure engine: a model of the node's links, global IPv6 addresses and
 * default routers, fed with the events of nlwatch (struct nlw_event),
 * and after each event a decision: a new care-of address, back home,
 * or no usable network. No netlink here; the caller passes events in.
 *
 * Choice of the CoA: among the configured interfaces that are up, have
 * carrier and a default router, the interface whose default router
 * appeared most recently wins (the newest attachment: in TESTBED 5
 * method B the old address and router linger on the same link), and
 * on it the address that became usable most recently. An address is
 * usable for a CoA when it is global, not tentative/deprecated/DAD-
 * failed, outside the home prefix and neither the HoA nor an excluded
 * address (a DHoA). If that newest address is in the home prefix (or
 * is the HoA), the node is at home.
 *
 * "Most recently" is an event counter, not a clock, so the outcome
 * depends only on the order of events.
 */
#ifndef DMIP_MOVEMENT_H
#define DMIP_MOVEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#include "nlwatch.h"

#define MV_MAX_ADDRS	32	/* global addresses kept per interface */
#define MV_MAX_ROUTERS	8	/* default routers kept per interface */

enum mv_state {
	MV_UNKNOWN = 0,	/* nothing decided yet (start-up) */
	MV_AWAY,	/* on a foreign link with a CoA */
	MV_HOME,	/* on the home link */
	MV_LOST,	/* no usable link */
	MV_STATE_COUNT
};

enum move_kind {
	MOVE_NONE = 0,	/* nothing changed for the BUL */
	MOVE_NEW_COA,	/* register coa (first time or a handoff) */
	MOVE_HOME,	/* deregister: returned home */
	MOVE_LOST,	/* had a link, now none */
};

struct mv_addr {
	struct in6_addr	addr;
	uint8_t		plen;
	uint32_t	flags;		/* IFA_F_* */
	uint32_t	valid_lft, preferred_lft;
	uint64_t	gen;		/* when it became usable, 0 if not */
};

struct mv_router {
	struct in6_addr	gw;		/* usually link-local */
	uint64_t	gen;		/* when it appeared */
};

struct mv_iface {
	unsigned	ifindex;
	char		name[IF_NAMESIZE];
	bool		link_seen;	/* a link event named it */
	bool		configured;	/* listed in mnd.conf interfaces */
	bool		up, running;
	size_t		naddrs, nrouters;
	struct mv_addr	addrs[MV_MAX_ADDRS];
	struct mv_router routers[MV_MAX_ROUTERS];
};

/* What a left attachment leaves behind on a link that stayed up
 * (method B): the caller deletes these (idempotent; reported on every
 * decision until the netlink removal events arrive). */
struct mv_stale {
	unsigned	ifindex;
	size_t		naddrs, nrouters;
	struct {
		struct in6_addr	addr;
		uint8_t		plen;
	}		addrs[MV_MAX_ADDRS];
	struct in6_addr	routers[MV_MAX_ROUTERS];
};

struct movement_decision {
	enum move_kind	kind;
	enum mv_state	state;		/* after the event */
	struct in6_addr	coa;		/* NEW_COA: the CoA; HOME: the HoA */
	unsigned	ifindex;	/* the attachment, 0 when lost */
	char		ifname[IF_NAMESIZE];
	char		why[160];
	struct mv_stale	stale;
};

struct movement {
	struct in6_addr	 hoa;
	struct in6_addr	 home_prefix;
	uint8_t		 home_plen;
	char		(*ifnames)[IF_NAMESIZE];	/* configured */
	size_t		 nifnames;
	struct in6_addr	*excluded;	/* DHoAs: never a CoA */
	size_t		 nexcluded;
	struct mv_iface	*ifaces;
	size_t		 nifaces;
	uint64_t	 gen;		/* event counter for "newest" */
	enum mv_state	 state;
	struct in6_addr	 coa;
	unsigned	 coa_ifindex;
};

const char	*mv_state_name(enum mv_state);
const char	*move_kind_name(enum move_kind);

/* home_plen 0..128. Returns 0. */
int	movement_init(struct movement *, const struct in6_addr *hoa,
	    const struct in6_addr *home_prefix, uint8_t home_plen);
void	movement_free(struct movement *);
/* The interfaces of mnd.conf `interfaces`. With none configured, every
 * interface but "lo" qualifies. 0, or -1 on ENOMEM/EINVAL. */
int	movement_add_ifname(struct movement *, const char *name);
/* A DHoA appeared/went: it is never taken for a CoA. 0 or -1. */
int	movement_exclude(struct movement *, const struct in6_addr *, bool on);

/* Apply one nlwatch event and decide. Returns d->kind. */
enum move_kind	movement_event(struct movement *, const struct nlw_event *,
		    struct movement_decision *d);
/* Decide again without an event (e.g. after movement_exclude()). */
enum move_kind	movement_evaluate(struct movement *,
		    struct movement_decision *d);

#endif /* DMIP_MOVEMENT_H */
