/*
 * dhp_dataplane.h: the Distributed Home Proxy's data plane (PROTOCOL.md
 * A.3.3, A.3.4, B.12, H): one tunnel endpoint in the ANCHOR role
 * (common/tunnel.h) whose bindings route each bound DHoA (/128) into
 * the tunnel to the MN's CoA; packets the MN tunnels to the DHP are
 * decapsulated and forwarded to the CN.
 *
 * At open: the tunnel (backend as configured, local = the DHP's
 * address, uplink = the configured interface, else the one holding the
 * address), net.ipv6.conf.all.forwarding=1 (left alone if already 1,
 * restored at close otherwise), and an "unreachable" route for every
 * DHoA pool, so a packet for a DHoA that is not bound gets ICMPv6
 * Destination Unreachable here instead of looping between the DHP and
 * the router that routes the pool to it. A pool route that exists
 * already is left alone and not removed at close.
 *
 * Close removes every binding, the pool routes it added and the
 * tunnel endpoint (with its decapsulation state), and restores the
 * sysctl: no kernel state of ours is left.
 */
#ifndef DMIP_DHP_DATAPLANE_H
#define DMIP_DHP_DATAPLANE_H

#include <stddef.h>
#include <net/if.h>
#include <netinet/in.h>

#include "conf.h"
#include "dhp_engine.h"
#include "tunnel.h"

struct evloop;

struct dhp_dp_cfg {
	enum tunnel_kind	 kind;
	struct in6_addr		 local;		/* the DHP's address */
	char			 uplink[IF_NAMESIZE];	/* "" = find it */
	const struct conf_prefix *pools;
	size_t			 npools;
};

struct dhp_dp;

/* NULL (logged) on failure, with nothing left behind in the kernel. */
struct dhp_dp	*dhp_dp_open(struct evloop *, const struct dhp_dp_cfg *);
void		 dhp_dp_close(struct dhp_dp *);

/* An engine action. 0 or -errno (logged); ADD and MOVE leave the
 * previous state when they fail; DEL of an unbound DHoA is 0. */
int		 dhp_dp_apply(struct dhp_dp *, const struct dhp_action *);

/* At start-up, for a DHoA of the state file with no binding now:
 * remove a tunnel route a killed instance may have left for it (a /128
 * of ours in table main, proto static; issue 8). A bound DHoA is left
 * alone. How many routes went, or -errno (logged). */
int		 dhp_dp_purge(struct dhp_dp *, const struct in6_addr *dhoa);

size_t		 dhp_dp_count(const struct dhp_dp *);
const char	*dhp_dp_backend(const struct dhp_dp *);

/* "auto"/"seg6"/"tun"/"ip6tnl" of the config as a tunnel kind. */
enum tunnel_kind dhp_dp_kind(enum conf_backend);

#endif /* DMIP_DHP_DATAPLANE_H */
