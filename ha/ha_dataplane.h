/*
 * ha_dataplane.h: the home agent's data plane (RFC 6275 10.3.1, 10.4.1;
 * PROTOCOL.md A.3.2, H): one tunnel endpoint in the ANCHOR role
 * (common/tunnel.h) plus a proxy Neighbor Discovery entry for every
 * bound HoA on the home interface, so the home link's hosts send the
 * HoA's packets to the HA, which routes them into the tunnel.
 *
 * At open: the tunnel (backend as configured, local = the HA's address,
 * uplink = the interface that holds it), net.ipv6.conf.all.forwarding=1
 * and proxy_ndp=1 on the home interface. Sysctls that were already 1
 * are left alone; those it changed are put back at close.
 *
 * A binding is installed whole or not at all: ha_dp_add() undoes the
 * tunnel route when the proxy entry fails, so "installed" always means
 * route + proxy entry (the invariant ha_dp_close() relies on to remove
 * every proxy entry it added).
 */
#ifndef DMIP_HA_HA_DATAPLANE_H
#define DMIP_HA_HA_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <netinet/in.h>

#include "ha_engine.h"
#include "tunnel.h"

struct evloop;

struct ha_dp_cfg {
	enum tunnel_kind kind;
	struct in6_addr	 local;		/* the HA's address */
	char		 home_if[IF_NAMESIZE];	/* the home link */
};

struct ha_dp;

/* Set everything up; NULL (logged) on failure, with nothing left
 * behind in the kernel. A missing home interface is not fatal (logged):
 * bindings then fail until it exists. */
struct ha_dp	*ha_dp_open(struct evloop *, const struct ha_dp_cfg *);
/* Remove every binding and proxy entry, close the tunnel, restore the
 * sysctls ha_dp_open() changed. */
void		 ha_dp_close(struct ha_dp *);

/* 0 or -errno (logged). add and move leave the previous state when
 * they fail; del removes what it can and returns the first error. */
int		 ha_dp_add(struct ha_dp *, const struct in6_addr *hoa,
		    const struct in6_addr *coa);
int		 ha_dp_move(struct ha_dp *, const struct in6_addr *hoa,
		    const struct in6_addr *coa);
int		 ha_dp_del(struct ha_dp *, const struct in6_addr *hoa);
/* An engine action: ADD, MOVE or DEL. */
int		 ha_dp_apply(struct ha_dp *, const struct ha_action *);

/*
 * At start-up, for a HoA with no binding here: remove what a killed
 * instance may have left for it (issue 8), i.e. its tunnel route (a
 * /128 of ours in table main, proto static) and its proxy ND entry on
 * the home interface. A bound HoA is left alone. Returns how many
 * entries were removed, or -errno (logged).
 */
int		 ha_dp_purge(struct ha_dp *, const struct in6_addr *hoa);

size_t		 ha_dp_count(const struct ha_dp *);
const char	*ha_dp_backend(const struct ha_dp *);
/* The home interface's index now, or 0 when it does not exist. */
unsigned	 ha_dp_home_ifindex(struct ha_dp *);

#endif /* DMIP_HA_HA_DATAPLANE_H */
