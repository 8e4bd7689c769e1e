/*
 * mn_api.h: mnd's API socket, where libdmip (setsc(3)) asks for source
 * addresses (PROTOCOL.md E.0, E.4; the messages are common/api_proto.h).
 * A thin edge on mnd's event loop: an AF_UNIX SOCK_SEQPACKET listener at
 * mnd.conf's api_socket, mode 0666 (any local user may ask; policy
 * decides), the caller known by SO_PEERCRED.
 *
 * GETSRC, by type (E.4):
 *   fixed            the HoA, while the HA binding is up or at home;
 *                    else "failed". With SRC_ON_NET away from home:
 *                    "not supported" (the HoA is not from the serving
 *                    network).
 *   session-lasting  anchors_request(cn, CONT_SESSION_LASTING): a DHoA,
 *                    or the HoA when fallback_to_ha allows; the answer
 *                    may come later (ANCHORS_EV_REQ_DONE).
 *   non-persistent   the current CoA (the HoA at home).
 *   graceful-repl.   anchors_request(cn, CONT_GRACEFUL): a short-lease
 *                    DHoA from a co-located DHP, or the CoA.
 * SRC_ON_NET goes to the engine as ANCHORS_REQ_ON_NET. A pending answer
 * comes within the C.2 bound (DHP Query 1+2+4 s, DHoA Request 1+2+4+8
 * s, and a second); after it the caller is told "failed".
 *
 * Permissions (seed 001 section 7): allow_<type>_groups of mnd.conf
 * (read at each request, so a reload applies); empty: everyone; root
 * always. A refusal answers "not supported" and is logged with the uid,
 * pid and type.
 *
 * Holds (F.10): a DHoA handed out keeps the hold its request took for
 * MN_API_HOLD_MS, long enough for the first packet, then lets it go
 * (anchors_unhold(): released 60 s after the last holder). Whoever
 * follows the flows (mnd.c's hooks.handed) holds it for as long as a
 * flow uses it.
 *
 * Events: a client that sent SUBSCRIBE gets EVENT records on its
 * connection; mn_api_grace() sends "grace period starts" (G.4 step 4).
 *
 * Log lines (info): "api: <type>[ on-net] for <cn> from uid <u> pid <p>:
 * <addr> (<anchor>, <why>)" or "...: <status> (<why>)"; a refusal is a
 * warning: "api: <type> refused to uid <u> pid <p> (<why>)".
 */
#ifndef DMIP_MN_API_H
#define DMIP_MN_API_H

#include <stdint.h>
#include <netinet/in.h>

#include "anchors.h"

struct daemon;
struct mn_dhp;
struct mn_home;
struct mn_api;

#define MN_API_HOLD_MS		10000	/* a DHoA handed out, held */
#define MN_API_CLIENTS_MAX	64
#define MN_API_PENDING_MAX	8	/* GETSRCs per connection */
#define MN_API_IDLE_MS		30000	/* a connection with nothing to do */

/* What mnd does when an address is handed out (e.g. the flow table
 * holds a DHoA for every flow that uses it). May call into the anchors
 * engine: it is never called from inside an engine callback. */
struct mn_api_hooks {
	void	(*handed)(void *arg, const struct in6_addr *addr,
		    uint8_t type);
	void	*arg;
};

/*
 * Listen on the api_socket of d's current mnd.conf; dhp (its anchors
 * and its rearm hook) and home are borrowed. NULL when the socket
 * cannot be had (logged): mnd runs on without the API, and libdmip
 * says EAI_REQUIREDIPNOTSUPPORTED.
 */
struct mn_api	*mn_api_open(struct daemon *d, struct mn_dhp *dhp,
		    const struct mn_home *home, const struct mn_api_hooks *);
/* Pending callers are told "failed"; the holds still taken are
 * forgotten (mnd is stopping: anchors_shutdown() releases every DHoA).
 * Call it before the anchors engine is freed. NULL is fine. */
void		 mn_api_close(struct mn_api *);

/* Every anchors event (from mnd's hook_event; NULL api is fine). Only
 * notes what happened; the work is done from the loop. */
void	mn_api_on_anchor_event(struct mn_api *, enum anchors_event,
	    const struct anchor *, const struct anchor_req *);

/* G.4 step 4: addr stays valid for grace_s more; tell every subscribed
 * client. */
void	mn_api_grace(struct mn_api *, const struct in6_addr *addr,
	    unsigned grace_s);

#endif /* DMIP_MN_API_H */
