/*
 * ha_engine.h: the protocol engine of the home agent `had`
 * (RFC 6275 10.3, RFC 4285; PROTOCOL.md A.3.1, A.3.2, B.3, B.4, B.8,
 * B.11.2, B.11.3, C.3, C.4, F.4, F.6, F.15).
 *
 * Pure engine (STYLE.md): events in, actions out; no sockets, no
 * netlink, no clocks. The I/O layer gives it a parsed MH with its raw
 * bytes and addresses, `now` (CLOCK_MONOTONIC ms) and `now_ntp`
 * (ntp_now()). It gets back a struct ha_result:
 *
 *   - reply: a BA or DHP Reply to build, sign and send to reply.dst
 *     (ha_reply_encode() does build + sign);
 *   - action: a data-plane change (tunnel backend and proxy ND) for one
 *     binding. The I/O layer applies it BEFORE sending the reply
 *     (RFC 6275 10.3.2: the BA reports a binding that is in place).
 *   - dad_start: the first registration of a HoA needs DAD on the home
 *     link (F.15, config skip_dad = false). No BA is sent yet; the I/O
 *     layer runs DAD for dad_hoa and reports with ha_engine_dad_done(),
 *     which returns the BA (0 or 134) and the ADD action. BUs that
 *     arrive meanwhile update the entry and get no reply.
 *
 * Expiry: ha_engine_next_expiry() is the earliest binding expiry; arm
 * one evloop timer for it and call ha_engine_expire(now) when it fires.
 *
 * Choices where RFC 6275 / RFC 4285 leave room (documented in the .c):
 *   - no HoA option (200), no AUTH option, or an SPI with no SA:
 *     silent drop, counted (we never sign with a key we do not have).
 *   - bad MAC with a known SPI: 146, sent to the IPv6 source.
 *   - H = 0: 129 (we are no correspondent node: no route optimisation);
 *     P = 1: 152 (no LMA mode yet).
 *   - HoA outside the home prefix: 132; inside but not a configured
 *     MN: 133; configured MN but another MN's SPI: 146.
 *   - MESG-ID not newer than the last one accepted from that MN: 144
 *     (a replay), checked before the sequence number (135).
 *   - deregistration (lifetime 0 or CoA == HoA) with no binding: 133
 *     (RFC 6275 10.3.2).
 *   - DHP Query from a HoA that is not ours: 129; the query neither
 *     checks nor moves the per-MN MESG-ID (it changes no state, and a
 *     BU and a query may cross on the wire).
 */
#ifndef DMIP_HA_ENGINE_H
#define DMIP_HA_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "auth.h"
#include "bcache.h"
#include "conf.h"
#include "mh.h"

enum ha_act_kind {
	HA_ACT_BIND_ADD = 0,	/* new binding hoa -> coa */
	HA_ACT_BIND_MOVE,	/* hoa moved from old_coa to coa */
	HA_ACT_BIND_DEL,	/* binding hoa -> coa removed */
};

const char	*ha_act_name(enum ha_act_kind);

struct ha_action {
	enum ha_act_kind kind;
	struct in6_addr	 hoa, coa, old_coa;	/* old_coa: MOVE only */
};

/* One received MH. */
struct ha_rx {
	const struct mh_msg *msg;	/* mh_parse() of raw */
	const uint8_t	*raw;
	size_t		 len;
	struct in6_addr	 src;		/* IPv6 source: the CoA */
	struct in6_addr	 dst;		/* for logs only: the HA may have
					 * several addresses */
	uint64_t	 now;		/* CLOCK_MONOTONIC, ms */
	uint64_t	 now_ntp;	/* ntp_now() */
	bool		 quiet;		/* rate-limited source (issue 8): a
					 * failed check logs at debug only */
};

/* A message to send. msg carries MHO_AUTH with the SA's SPI and MAC
 * length; the MAC is computed over auth_coa || auth_hoa || MH. */
struct ha_reply {
	struct mh_msg	 msg;
	struct in6_addr	 dst;
	struct in6_addr	 auth_coa, auth_hoa;
	const struct mh_sa *sa;		/* borrowed from the SA table */
};

enum ha_verdict {
	HA_V_DROPPED = 0,	/* nothing to send, nothing changed */
	HA_V_ACCEPTED,		/* status < 128 */
	HA_V_REJECTED,		/* status >= 128, no state change */
	HA_V_DAD_PENDING,	/* accepted, waiting for ha_engine_dad_done */
};

const char	*ha_verdict_name(enum ha_verdict);

struct ha_result {
	enum ha_verdict	 verdict;
	uint8_t		 status;	/* BA or DHP Reply status */
	bool		 has_reply;
	struct ha_reply	 reply;
	bool		 has_action;
	struct ha_action action;
	bool		 dad_start;
	struct in6_addr	 dad_hoa;
};

/* Counters for `stats`. */
struct ha_stats {
	uint64_t	rx_bu, rx_dhp_query;
	uint64_t	rx_other;	/* MH types a HA does not take: dropped */
	uint64_t	drop_no_hoa;	/* no Home Address option (200) */
	uint64_t	drop_no_auth;	/* no AUTH option */
	uint64_t	drop_unknown_spi;
	uint64_t	drop_nomem;
	uint64_t	bind_added, bind_moved, bind_refreshed;
	uint64_t	bind_deleted;	/* deregistrations */
	uint64_t	bind_expired;
	uint64_t	dad_started, dad_failed;
	/* Outcomes by status, whether or not a reply was sent (an
	 * accepted BU without the A flag gets none). */
	uint64_t	bu_status[256];
	uint64_t	dq_status[256];	/* DHP Query outcomes */
};

struct ha_engine;

/*
 * Copies what it needs from conf (home prefix, lifetimes, skip_dad, the
 * MN table, the DHP directory). sas is borrowed: it holds the SAs by
 * SPI and must outlive the engine. NULL on ENOMEM.
 */
struct ha_engine *ha_engine_new(const struct had_conf *conf,
		    const struct sa_table *sas);
void		 ha_engine_free(struct ha_engine *);

/* Process one MH. Returns res->verdict. */
enum ha_verdict	 ha_engine_input(struct ha_engine *, const struct ha_rx *,
		    struct ha_result *res);

/* DAD for hoa finished (F.15). Returns false (res: dropped) if no entry
 * is waiting for it; else res has the BA (0 and an ADD action, or 134
 * and the entry removed). */
bool		 ha_engine_dad_done(struct ha_engine *,
		    const struct in6_addr *hoa, bool ok, uint64_t now,
		    struct ha_result *res);

/* Drop the entry of hoa without a reply or an action: the I/O layer
 * could not install the binding it was told to (had answers 128).
 * False if there is none. */
bool		 ha_engine_forget(struct ha_engine *, const struct in6_addr *hoa);

/* Earliest binding expiry (ms), or BCACHE_NO_EXPIRY. */
uint64_t	 ha_engine_next_expiry(const struct ha_engine *);
/* Remove every binding expired at now; fn gets a DEL action for each
 * one that was installed. Returns how many bindings expired. */
typedef void (*ha_action_fn)(const struct ha_action *, void *arg);
size_t		 ha_engine_expire(struct ha_engine *, uint64_t now,
		    ha_action_fn fn, void *arg);

const struct ha_stats *ha_engine_stats(const struct ha_engine *);
const struct bcache *ha_engine_bcache(const struct ha_engine *);
const struct bce *ha_engine_find(const struct ha_engine *,
		    const struct in6_addr *hoa);

/* ---- saving and restoring (issue 8, ha/had_state.h) ---------------- */

/* The replay state of one mobile node (kept per MN, not per binding,
 * so a BU replayed after a deregistration is caught too). */
struct ha_replay {
	struct in6_addr	hoa;
	uint16_t	last_seq;	/* last accepted BU */
	uint64_t	last_mesgid;	/* its MESG-ID (0 without one) */
};

typedef void (*ha_replay_fn)(const struct ha_replay *, void *arg);
/* Every mobile node that had a BU accepted, in HoA order. */
void		 ha_engine_foreach_replay(const struct ha_engine *,
		    ha_replay_fn fn, void *arg);
/* Put saved replay state back (before any input); false if the HoA is
 * not a configured mobile node any more. */
bool		 ha_engine_restore_replay(struct ha_engine *,
		    const struct ha_replay *);
/*
 * After a restart: a MESG-ID not newer than floor (ntp_now() at start)
 * is a replay (144) for every mobile node under a timestamp SA, even
 * one whose last accepted MESG-ID was never saved (the state is written
 * at most every 100 ms). A BU in flight across the restart gets 144
 * with the HA's time and is resent fresh (RFC 4285 6).
 */
void		 ha_engine_mesgid_floor(struct ha_engine *, uint64_t floor);
/*
 * Put a saved binding back as active: hoa -> coa with the saved
 * sequence number, granted lifetime and MESG-ID, expiring at expiry_ms
 * (monotonic; capped at now + max_lifetime). *add gets the ADD action
 * for the data plane. 0, or -ENOENT (not a configured MN), -EINVAL
 * (CoA unusable, HoA outside the home prefix, expired), -EEXIST,
 * -ENOMEM.
 */
int		 ha_engine_restore(struct ha_engine *, const struct bce *saved,
		    uint64_t expiry_ms, uint64_t now, struct ha_action *add);

/* Build reply->msg into buf and sign it. MH length, or a negative
 * MH_E_* (or -1 when signing fails). */
ssize_t		 ha_reply_encode(const struct ha_reply *, uint8_t *buf,
		    size_t cap);

#endif /* DMIP_HA_ENGINE_H */
