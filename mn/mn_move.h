/*
 * mn_move.h: what a movement decision changes in mnd's kernel state
 * (PROTOCOL.md A.3.1, A.3.4, B.12, F.13; TESTBED.md 5). The I/O edge
 * next to the pure engines movement.h and mn_home.h.
 *
 *   away  the HoA is bound in the tunnel (common/tunnel.h, MN role): on
 *         lo as a deprecated nodad /128, "from HoA lookup <table>" and a
 *         default route into the tunnel there. The tunnel is opened at
 *         the first CoA (local = CoA, uplink = its interface) and its
 *         local end follows every later CoA (tunnel_set_local). The
 *         signalling to the HA leaves from the CoA through the main
 *         table, never through the tunnel.
 *   home  the HoA is unbound (off lo) and put on the home interface
 *         with the home prefix length (nodad, deprecated), so it is
 *         reachable natively on the home link (A.3.1).
 *   dhoa  every DHoA is bound in the same tunnel (tunnel_bind(DHoA,
 *         DHP): on lo, its own "from DHoA" table, PROTOCOL.md A.3.3 step
 *         5); the tunnel's local end is the CoA away and the HoA at home
 *         (F.16), where the tunnel stays open while a DHoA is bound.
 *   stale what a left attachment leaves behind on a link that stayed
 *         up (method B): the addresses, the on-link routes of their
 *         prefixes and the default routes via the old routers are
 *         deleted, so the kernel stops using them.
 *
 * mn_move_close() removes everything mnd added: the tunnel (HoA on lo,
 * rule, routes, decapsulation state) and the HoA on the home interface
 * (left there, a later move would keep the home prefix on-link on a
 * foreign network). Deleted stale state is not restored.
 */
#ifndef DMIP_MN_MOVE_H
#define DMIP_MN_MOVE_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "movement.h"
#include "tunnel.h"

struct nlr;
struct nl_sock;

struct mn_move_stats {
	uint64_t	stale_addrs;	/* deleted */
	uint64_t	stale_routes;	/* default and prefix routes deleted */
	uint64_t	errors;		/* netlink or tunnel failures */
};

struct mn_move {
	enum tunnel_kind	 kind;
	struct in6_addr		 hoa, ha;
	uint8_t			 home_plen;
	struct tunnel		*t;		/* opened at the first CoA */
	bool			 bound;		/* HoA bound in t */
	bool			 has_local;	/* local/local_if are known */
	struct in6_addr		 local;		/* CoA, or the HoA at home */
	unsigned		 local_if;
	unsigned		 ndhoas;	/* DHoAs bound in t */
	unsigned		 home_ifindex;	/* HoA put there, 0 none */
	struct nlr		*nl;
	struct nl_sock		*sk;		/* route deletes, any proto */
	struct mn_move_stats	 st;
};

/* 0, or -1 (logged) when netlink cannot be opened. */
int	mn_move_init(struct mn_move *, enum tunnel_kind,
	    const struct in6_addr *hoa, uint8_t home_plen,
	    const struct in6_addr *ha);
/* Unbind, close the tunnel, take the HoA off the home interface. */
void	mn_move_close(struct mn_move *);

/*
 * Whether to delete the stale state of a decision now. It is reported
 * until the removals come back, and deleting is idempotent, so it is
 * deleted at every decision that lists it, with one exception. A new
 * router on the link shows up before its prefix: deleting the router
 * of the current CoA then would cut the CoA off if the new router
 * brought no prefix (movement.c no longer lists it in that case; this
 * rule keeps the guarantee on its own). So without a new CoA
 * (MOVE_NONE) only a list that names an address too (a real prefix
 * change whose address came before its router) is acted on.
 */
static inline bool
mn_move_prune_now(enum move_kind k, const struct movement_decision *d)
{
	if (d->stale.naddrs == 0 && d->stale.nrouters == 0)
		return false;
	return k == MOVE_NEW_COA || k == MOVE_HOME || d->stale.naddrs > 0;
}

/* Delete what st lists (idempotent: what is gone already is fine). */
void	mn_move_prune(struct mn_move *, const struct mv_stale *st,
	    const char *ifname);
/* Away with coa on ifindex: leave home if we were there, open or
 * re-point the tunnel, bind the HoA. 0, or -1 (logged). */
int	mn_move_away(struct mn_move *, const struct in6_addr *coa,
	    unsigned ifindex);
/* At home on ifindex: unbind the HoA, put it on ifindex. 0 or -1. */
int	mn_move_home(struct mn_move *, unsigned ifindex);
/* After the Binding Updates of a move left: the tunnel's slow rest
 * (seg6: the namespace's tunnel source, ~10 ms). */
void	mn_move_finish(struct mn_move *);
/* The tunnel's fd to poll (tun backend), or -1. */
int	mn_move_fd(struct mn_move *);

/* Bind a DHoA into the tunnel to its DHP's tunnel endpoint (opening the
 * tunnel from the current local address if needed); unbind it. 0, or
 * -1 (logged; no local address yet: EHOSTUNREACH). */
int	mn_move_dhoa_bind(struct mn_move *, const struct in6_addr *dhoa,
	    const struct in6_addr *tep);
int	mn_move_dhoa_unbind(struct mn_move *, const struct in6_addr *dhoa);

#endif /* DMIP_MN_MOVE_H */
