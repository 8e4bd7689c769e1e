/*
 * mn_dhp.h: mnd's glue around the DHP anchors (anchors.h): their I/O
 * (MH out through the daemon's signalling socket, DHoAs into the MN
 * tunnel of mn_move.h and out of movement detection), the handoff
 * timeline (PROTOCOL.md G.4 step 5: from the new CoA to the last
 * BA / DHP-BC), and the control-socket commands (dmipctl(8)):
 *
 *   show bindings                  the HA entry and every DHP entry
 *   show dhps                      configured DHPs, cached answers
 *   anchor request <cn> <type>     query + request + bind, asynchronous:
 *                                  answers the request id and its state
 *                                  ("done" with the address at once when
 *                                  the cache and an anchor allow it,
 *                                  else "querying"/"requesting")
 *   anchor show [<id>]             requests and anchors
 *   anchor release <dhoa>          release now (DHP-BU lifetime 0, R)
 *   anchor hold|unhold <dhoa>      a holder more / less (unhold of the
 *                                  last one releases after 60 s, F.10)
 *   dhp tie-break <mode>           reuse|directory|config|address
 *
 * Every request through the control socket that gets a DHoA holds it
 * (anchors_hold()); "anchor release" drops them all.
 */
#ifndef DMIP_MN_DHP_H
#define DMIP_MN_DHP_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "anchors.h"
#include "auth.h"
#include "conf.h"

struct ctlsock;
struct daemon;
struct mn_home;
struct mn_move;
struct movement;

#define MN_DHP_HO_MAX	32	/* anchors followed in one handoff */

/* One handoff: who must confirm the new CoA, and when they did. */
struct mn_dhp_handoff {
	bool		active;
	struct in6_addr	coa;
	uint64_t	t0;		/* new CoA usable (ms) */
	bool		ha_pending;
	uint64_t	ha_ms;		/* BA after t0, if ha_pending was set */
	size_t		n, acked;
	struct {
		unsigned	id;
		struct in6_addr	peer;
		uint64_t	ms;	/* DHP-BC after t0, 0 not yet */
	}		dhp[MN_DHP_HO_MAX];
};

/* What mnd does for the glue. */
struct mn_dhp_hooks {
	void	(*watch)(void *);	/* a DHoA was installed: poll the
					 * tunnel's fd (tun backend) */
	void	(*rearm)(void *);	/* a command changed the deadlines */
	/* Every anchors event (anchors.h), after the glue's own use: the
	 * flow table and the API socket follow requests and anchors. Must
	 * not call back into the engine (anchors_io rule). May be NULL. */
	void	(*event)(void *, enum anchors_event, const struct anchor *,
		    const struct anchor_req *);
	void	*arg;
};

struct mn_dhp {
	struct anchors		 an;
	bool			 ok;
	struct daemon		*d;
	struct mn_move		*mm;
	struct movement		*mv;
	const struct mn_home	*home;
	struct mn_dhp_hooks	 hooks;
	struct mn_dhp_handoff	 ho;
	uint64_t		 tx_errors;
};

/*
 * Set up the anchors from c (dhps, fallback_to_ha, grace_period) with
 * the SAs in sas and the HA's SA. mm, mv and home are borrowed.
 * 0, or -1 (logged).
 */
int	mn_dhp_init(struct mn_dhp *, struct daemon *, const struct mnd_conf *c,
	    const struct sa_table *sas, const struct mh_sa *ha_sa,
	    struct mn_move *mm, struct movement *mv,
	    const struct mn_home *home, uint16_t first_seq,
	    const struct mn_dhp_hooks *);
void	mn_dhp_free(struct mn_dhp *);
int	mn_dhp_ctl_register(struct mn_dhp *, struct ctlsock *);

/* A handoff to coa began at now_ms; ha_pending: a BU to the HA is out.
 * Logs the previous one if still open. */
void	mn_dhp_handoff_begin(struct mn_dhp *, const struct in6_addr *coa,
	    bool ha_pending, uint64_t now_ms);
/* Follow every DHP entry that is (re-)registering now: call after
 * anchors_coa(). */
void	mn_dhp_handoff_track(struct mn_dhp *);
/* The HA's BA for the new CoA came in. */
void	mn_dhp_handoff_ha(struct mn_dhp *, uint64_t now_ms);

#endif /* DMIP_MN_DHP_H */
