/*
 * dhp_engine.h: the protocol engine of the Distributed Home Proxy
 * `dhpd` (PROTOCOL.md A.2, A.3.3, A.3.4, B.5, B.8, B.11.4-B.11.8, C.2,
 * C.4, F.5, F.8, F.9, F.10, F.16; RFC 6275 9.5.1, 10.3; RFC 4285).
 *
 * Pure engine (STYLE.md), shaped like ha/ha_engine.h: the I/O layer
 * gives it a parsed MH with its raw bytes and addresses, `now`
 * (CLOCK_MONOTONIC ms) and `now_ntp` (ntp_now()), and gets back a
 * struct dhp_result:
 *
 *   - reply: a DHoA Response or DHP-BC to build, sign and send to
 *     reply.dst (dhp_reply_encode() does build + sign);
 *   - action: a data-plane change for one DHoA binding (route the
 *     DHoA into the tunnel to the CoA, re-point it, remove it). The
 *     I/O layer applies it BEFORE sending the reply (the reply reports
 *     a binding that is in place); if the data plane refuses it, it
 *     calls dhp_engine_action_failed(), which undoes the binding and
 *     rewrites the reply (DHP-BC 130; a DHoA Response keeps its lease
 *     but clears B).
 *
 * Timers: dhp_engine_next_expiry() is the earliest deadline (lease
 * expiry, binding expiry, BRR, end of a delete delay); arm one evloop
 * timer for it and call dhp_engine_expire() when it fires. It reports
 * DEL actions and BRRs through a callback.
 *
 * Messages and identities:
 *   - Every message carries MESG-ID (10) then AUTH (9, subtype 1) with
 *     the SPI of the MN's SA (F.5, B.11.1). MobilityData is
 *     CoA || HoA || MH (B.8) with HoA = the DHoA Request's MN Home
 *     Address field, or the DHP-BU's Home Address option (200); CoA =
 *     the message's MN Care-of Address field, or the IPv6 source when
 *     that field is ::. Replies are signed over the same CoA || HoA and
 *     go to the IPv6 source of the request.
 *   - One DHoA per (MN, DHP) (F.9). A request for any DHoA from an MN
 *     that holds one here renews and returns that one, so a
 *     retransmitted request is harmless.
 *   - Release: DHP-BU with lifetime 0 and R (B.11.6; R with a non-zero
 *     lifetime is ignored), or a DHoA Request with lifetime 0 (the DHoA
 *     named, or the MN's one when ::; the codec keeps only the B flag of
 *     a DHoA Request). The DHoA is then quarantined (C.2).
 *   - A DHP-BU with lifetime 0 and no R deletes the binding but keeps
 *     the route for DHP_BCE_DELETE_DELAY_S (C.2); a DHP-BU in that
 *     time revives it. Lifetime 0 with no binding is accepted (0): a
 *     retransmitted deregistration must not fail.
 *   - Binding lifetime = min(requested, binding_lifetime, what is left
 *     of the lease, at least 4 s); the lease's expiry ends the binding.
 *     B = 1 gives min(binding_lifetime, granted lease) and the
 *     response's BRA says when to refresh it (80 %).
 *   - BRR (B.5, F.12): one per binding when 90 % of its lifetime passed
 *     with no refresh, signed like a reply (HoA option, MESG-ID, AUTH),
 *     to the CoA. The MN answers with a DHP-BU for its DHoA here.
 *
 * Order of the checks (each rejection changes no binding or lease):
 *   1. AUTH option and an SA for its SPI; for a DHP-BU the Home Address
 *      option; a DHoA Request whose Home Address option disagrees with
 *      its HoA field: silent drop, counted.
 *   2. MAC: 146.   3. MESG-ID (replay_check): 145 missing, 144 outside
 *      the window (the reply carries the DHP's time).
 *   4. HoA of a configured MN, else 129; signed with that MN's SA, else
 *      146.
 *   5. MESG-ID newer than the last one from this MN for this message
 *      kind (DHoA Request, DHP-BU), else 144 (a replay). With replay =
 *      seq-only (F.8) a DHoA Request's sequence must be newer instead
 *      (135). The MESG-ID is consumed from here on whatever the answer,
 *      so a refused request replayed later cannot succeed.
 *   DHoA Request: 6. continuity type (and every Flow Descriptor's)
 *      offered, else 204. 7. B = 1: CoA usable, else 174. 8. release,
 *      or lease/renew: 130, 201, 203 (dhoa_pool.h).
 *   DHP-BU: 6. CoA usable (not ::, multicast, loopback, link-local,
 *      v4-mapped, the DHP itself or inside a DHoA pool), else 174.
 *      7. DHoA leased, else 200; to this MN, else 201. 8. sequence
 *      newer than the last accepted when a binding exists that a DHP-BU
 *      made (with seq-only: whenever this MN sent one), else 135 with
 *      the last accepted number. 9. lifetime.
 */
#ifndef DMIP_DHP_ENGINE_H
#define DMIP_DHP_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "auth.h"
#include "conf.h"
#include "dhoa_pool.h"
#include "mh.h"
#include "timerheap.h"

#define DHP_NO_EXPIRY		UINT64_MAX
#define DHP_BRR_PERCENT		90	/* [P] BRR when no refresh by then */

enum dhp_act_kind {
	DHP_ACT_BIND_ADD = 0,	/* route dhoa into the tunnel to coa */
	DHP_ACT_BIND_MOVE,	/* re-point dhoa from old_coa to coa */
	DHP_ACT_BIND_DEL,	/* remove dhoa's route (coa: its last CoA) */
};

const char	*dhp_act_name(enum dhp_act_kind);

struct dhp_action {
	enum dhp_act_kind kind;
	struct in6_addr	 dhoa, coa, old_coa;	/* old_coa: MOVE only */
};

/* One received MH. */
struct dhp_rx {
	const struct mh_msg *msg;	/* mh_parse() of raw */
	const uint8_t	*raw;
	size_t		 len;
	struct in6_addr	 src;		/* IPv6 source; replies go there */
	struct in6_addr	 dst;		/* for logs */
	uint64_t	 now;		/* CLOCK_MONOTONIC, ms */
	uint64_t	 now_ntp;	/* ntp_now() */
	bool		 quiet;		/* rate-limited source (issue 8): a
					 * failed check or a rejection logs
					 * at debug only */
};

/* A message to send. msg carries MHO_AUTH with the SA's SPI and MAC
 * length; the MAC is computed over auth_coa || auth_hoa || MH. */
struct dhp_reply {
	struct mh_msg	 msg;
	struct in6_addr	 dst;
	struct in6_addr	 auth_coa, auth_hoa;
	const struct mh_sa *sa;		/* borrowed from the SA table */
};

enum dhp_verdict {
	DHP_V_DROPPED = 0,	/* nothing to send, nothing changed */
	DHP_V_ACCEPTED,		/* status < 128 */
	DHP_V_REJECTED,		/* status >= 128, no state change */
};

const char	*dhp_verdict_name(enum dhp_verdict);

struct dhp_result {
	enum dhp_verdict verdict;
	uint8_t		 status;
	bool		 has_reply;
	struct dhp_reply reply;
	bool		 has_action;
	struct dhp_action action;
};

/* What dhp_engine_expire() and dhp_engine_reconfigure() report. */
struct dhp_event {
	bool		 has_action;
	struct dhp_action action;
	bool		 has_reply;	/* a BRR */
	struct dhp_reply reply;
};

typedef void (*dhp_event_fn)(const struct dhp_event *, void *arg);

enum dhp_bind_state {
	DHP_BIND_ACTIVE = 0,	/* routed to coa until expiry_ms */
	DHP_BIND_DELETING,	/* lifetime 0 received; route until expiry_ms */
	DHP_BIND_STATE_COUNT
};

const char	*dhp_bind_state_name(enum dhp_bind_state);

/* The DHoA binding cache entry (B.11.8), hung on its lease's udata. */
struct dhp_binding {
	struct dhoa_lease *lease;	/* DHoA, owner HoA, lease expiry */
	struct in6_addr	 coa;
	enum dhp_bind_state state;
	uint16_t	 lifetime;	/* granted, 4 s units */
	uint16_t	 seq;		/* last accepted DHP-BU */
	bool		 seq_valid;	/* false: made by a DHoA Request B=1 */
	bool		 brr_sent;
	uint64_t	 created_ms, updated_ms;
	uint64_t	 expiry_ms;	/* lifetime end, or end of the delay */
	struct timer	 timer;		/* BRR, expiry or delete delay */
};

/* Counters for `stats`. */
struct dhp_stats {
	uint64_t	rx_dhoa_req, rx_dhp_bu;
	uint64_t	rx_other;	/* types a DHP does not take: dropped */
	uint64_t	drop_no_hoa;	/* DHP-BU without Home Address option */
	uint64_t	drop_no_auth;
	uint64_t	drop_unknown_spi;
	uint64_t	drop_bad;	/* HoA option disagrees with the field */
	uint64_t	drop_nomem;
	uint64_t	lease_new, lease_renewed, lease_released, lease_expired;
	uint64_t	bind_added, bind_moved, bind_refreshed;
	uint64_t	bind_deleted;	/* lifetime 0 or release */
	uint64_t	bind_expired;
	uint64_t	bind_failed;	/* refused by the data plane */
	uint64_t	brr_sent;
	/* Outcomes by status, whether or not a reply was sent. */
	uint64_t	req_status[256];
	uint64_t	bu_status[256];
};

struct dhp_engine;

/*
 * Copies what it needs from conf (address, pools, lifetimes,
 * quarantine, max_leases, continuity types, the MN table). sas is
 * borrowed and must outlive the engine (or the next reconfigure).
 * seed keys the DHoA interface identifiers. NULL with errno on failure.
 */
struct dhp_engine *dhp_engine_new(const struct dhpd_conf *conf,
		    const struct sa_table *sas, uint64_t seed);
void		 dhp_engine_free(struct dhp_engine *);

/*
 * SIGHUP: new lifetimes, quarantine, max_leases, continuity types, MN
 * table and SA table (the old one may be freed after this returns).
 * MNs that stay keep their leases and replay state; the leases of MNs
 * that left are released (fn gets the DEL actions). Address and pools
 * are not changed (the daemon must restart for those). 0, or -1 with
 * nothing changed (ENOMEM).
 */
int		 dhp_engine_reconfigure(struct dhp_engine *,
		    const struct dhpd_conf *conf, const struct sa_table *sas,
		    uint64_t now, dhp_event_fn fn, void *arg);

/* Process one MH. Returns res->verdict. */
enum dhp_verdict dhp_engine_input(struct dhp_engine *, const struct dhp_rx *,
		    struct dhp_result *res);

/* The data plane refused res->action: undo the binding change it
 * reported and rewrite res (see above). */
void		 dhp_engine_action_failed(struct dhp_engine *,
		    struct dhp_result *res);

/* Earliest deadline (ms), or DHP_NO_EXPIRY. */
uint64_t	 dhp_engine_next_expiry(const struct dhp_engine *);
/* Everything due at now: BRRs, binding expiries and delete delays,
 * lease expiries. Returns how many events fn got. */
size_t		 dhp_engine_expire(struct dhp_engine *, uint64_t now,
		    uint64_t now_ntp, dhp_event_fn fn, void *arg);

/* Every lease with its binding (NULL if none), in no order, for
 * `dmipctl show leases|bindings`; fn must not call into the engine. */
typedef void (*dhp_lease_fn)(const struct dhoa_lease *,
		    const struct dhp_binding *, void *arg);
void		 dhp_engine_foreach_lease(const struct dhp_engine *,
		    dhp_lease_fn fn, void *arg);

const struct dhp_stats *dhp_engine_stats(const struct dhp_engine *);
const struct dhoa_pool *dhp_engine_pool(const struct dhp_engine *);
size_t		 dhp_engine_bindings(const struct dhp_engine *);
/* The binding / the lease of dhoa, or NULL. */
const struct dhp_binding *dhp_engine_find(const struct dhp_engine *,
		    const struct in6_addr *dhoa);
const struct dhoa_lease *dhp_engine_lease(const struct dhp_engine *,
		    const struct in6_addr *dhoa);

/* ---- saving and restoring (issue 8, dhp/dhpd_state.h) -------------- */

/* The replay state of one mobile node, per message kind (step 5). */
struct dhp_replay {
	struct in6_addr	 hoa;
	bool		 req_ts_seen, req_seq_seen, bu_ts_seen, bu_seq_seen;
	uint64_t	 req_mesgid, bu_mesgid;
	uint16_t	 req_seq, bu_seq;
};

typedef void (*dhp_replay_fn)(const struct dhp_replay *, void *arg);
/* Every mobile node with replay state, in HoA order. */
void		 dhp_engine_foreach_replay(const struct dhp_engine *,
		    dhp_replay_fn fn, void *arg);
/* Put saved replay state back; false if the HoA is no configured MN. */
bool		 dhp_engine_restore_replay(struct dhp_engine *,
		    const struct dhp_replay *);
/* As ha_engine_mesgid_floor(): after a restart, MESG-IDs not newer
 * than floor are replays (144) for both message kinds of every MN
 * under a timestamp SA. */
void		 dhp_engine_mesgid_floor(struct dhp_engine *, uint64_t floor);
/* Every quarantined DHoA (binding NULL), in the order they end. */
void		 dhp_engine_foreach_quarantined(const struct dhp_engine *,
		    dhp_lease_fn fn, void *arg);
/* dhoa_pool_restore_quarantine(): call these first, in file order. 0,
 * or -EINVAL (not in the pools, already known), -ENOMEM. */
int		 dhp_engine_restore_quarantine(struct dhp_engine *,
		    const struct in6_addr *dhoa, const struct in6_addr *hoa,
		    uint64_t now, uint64_t end_ms);
/*
 * A saved lease of dhoa to hoa until expiry_ms (capped at now + the
 * lease lifetime). 0, or -ENOENT (no such MN now), -EEXIST (the MN has
 * a lease), -EINVAL (expired, outside the pools or taken), -ENOSPC
 * (max_leases reached, or no memory).
 */
int		 dhp_engine_restore_lease(struct dhp_engine *,
		    const struct in6_addr *dhoa, const struct in6_addr *hoa,
		    uint64_t leased_ms, uint64_t expiry_ms, uint64_t now);
/*
 * A saved binding of a restored lease: saved's coa, state, lifetime,
 * seq, seq_valid, brr_sent, created_ms, updated_ms and expiry_ms
 * (monotonic; capped at now + binding lifetime, or the delete delay).
 * *add gets the ADD action for the data plane. 0, or -ENOENT (no
 * lease), -EEXIST, -EINVAL (CoA unusable, expired), -ENOMEM.
 */
int		 dhp_engine_restore_binding(struct dhp_engine *,
		    const struct in6_addr *dhoa,
		    const struct dhp_binding *saved, uint64_t now,
		    struct dhp_action *add);

/* Build reply->msg into buf and sign it. MH length, or a negative
 * MH_E_* (or -1 when signing fails). */
ssize_t		 dhp_reply_encode(const struct dhp_reply *, uint8_t *buf,
		    size_t cap);

#endif /* DMIP_DHP_ENGINE_H */
