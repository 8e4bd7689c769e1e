/*
 * dhoa_pool.h: the DHoA pool of a Distributed Home Proxy (PROTOCOL.md
 * A.2, B.11.4, B.11.5, B.11.8 "dhpd", C.2, C.4, F.9, F.10).
 *
 * One or more prefixes; a lease gives one /128 (F.9) to one MN, keyed
 * by the DHoA and owned by the MN's HoA, until its expiry. A released
 * or expired DHoA is quarantined (C.2, 120 s by default) before another
 * MN may have it; its last owner may take it back at any time.
 *
 * Sized for 10^6 leases with no linear scan:
 *   - every address handed out has a record in a hash on the DHoA
 *     (records come from slabs, so 10^6 of them cost 10^6 / 4096
 *     allocations);
 *   - fresh addresses come from a per-prefix "frontier": index i of a
 *     keyed bijection of the host bits (odd multiply, add, xorshift,
 *     odd multiply), so interface identifiers look random and never
 *     repeat until the prefix is used up. Addresses the frontier meets
 *     that are reserved or already in the hash are skipped once each;
 *   - released addresses wait in a FIFO for the end of their
 *     quarantine, then go to a free FIFO that allocation takes from
 *     first. An address still ahead of its frontier is dropped instead
 *     (the frontier will give it again), so an MN that leases chosen
 *     addresses cannot grow the table without bound.
 *   Allocation is O(1) amortised; lease expiry is a timerheap (one
 *   evloop timer for all of them, like ha/bcache.h).
 *
 * Interface identifiers never given out (dhoa_iid_reserved()):
 *   - host part 0, the Subnet-Router anycast address (RFC 4291 2.6.1),
 *     except in a /127 (RFC 6164);
 *   - /64: the reserved subnet anycast IIDs FDFF:FFFF:FFFF:FF80-FF
 *     (RFC 2526, EUI-64 format) and 0200:5EFF:FE00:0000-0200:5EFF:FEFF:FFFF
 *     (RFC 5453 registry, incl. the PMIPv6 IID);
 *   - other lengths with at least 8 host bits: the highest 128 host
 *     values (RFC 2526, non-EUI-64 format).
 * A prefix shorter than /64 lends only its first /64 (host bits above
 * 64 stay zero): DHoAs are /128s with 64-bit IIDs.
 *
 * Pure: no sockets, no clocks. Times are CLOCK_MONOTONIC milliseconds;
 * `now` must not go backwards between calls.
 */
#ifndef DMIP_DHOA_POOL_H
#define DMIP_DHOA_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "conf.h"
#include "timerheap.h"

#define DHOA_POOL_NO_EXPIRY	UINT64_MAX

enum dhoa_state {
	DHOA_LEASED = 0,
	DHOA_QUARANTINED,	/* released; only its last owner may take it */
	DHOA_FREE,		/* quarantine over, queued for reuse */
	DHOA_STATE_COUNT
};

const char	*dhoa_state_name(enum dhoa_state);

struct dhoa_lease {
	struct in6_addr	 dhoa;		/* key */
	struct in6_addr	 hoa;		/* owner; the last one when not leased */
	enum dhoa_state	 state;
	uint64_t	 leased_ms;	/* granted to this owner (renewals keep it) */
	uint64_t	 expiry_ms;	/* LEASED: lease end; QUARANTINED: its end */
	void		*udata;		/* the caller's; NULL when not leased */
	/* The pool's own. */
	uint32_t	 range;		/* index of its prefix */
	struct timer	 timer;		/* lease expiry, in the pool's heap */
	struct dhoa_lease *hnext;	/* hash chain; free-record stack */
	struct dhoa_lease *qprev, *qnext; /* quarantine or free FIFO */
};

struct dhoa_pool_cfg {
	const struct conf_prefix *prefixes;
	size_t		 nprefixes;
	unsigned	 max_leases;	/* 0: no limit but the prefixes */
	uint64_t	 quarantine_ms;
	uint64_t	 seed;		/* keys the interface identifiers */
};

struct dhoa_pool_stats {
	size_t		leased, quarantined, free, records;
	uint64_t	fresh;		/* new addresses from a frontier */
	uint64_t	reused;		/* from the free FIFO */
	uint64_t	chosen;		/* a requested (specific) DHoA granted */
	uint64_t	renewed, released, expired;
	uint64_t	exhausted;	/* 130: nothing free, or max_leases */
	uint64_t	skip_reserved, skip_taken;	/* frontier skips */
	uint64_t	dropped;	/* free records ahead of the frontier */
};

/* Return values of dhoa_pool_lease() below 128; failures are C.4
 * statuses. */
enum dhoa_lease_rc {
	DHOA_LEASE_NEW = 0,
	DHOA_LEASE_RENEWED = 1,	/* the requested DHoA was already hoa's */
};

struct dhoa_pool;

/* NULL with errno EINVAL (no prefix, more than 2^32) or ENOMEM. */
struct dhoa_pool *dhoa_pool_new(const struct dhoa_pool_cfg *);
void		 dhoa_pool_free(struct dhoa_pool *);
/* SIGHUP: new limits; quarantines already running keep their end. */
void		 dhoa_pool_set_limits(struct dhoa_pool *, unsigned max_leases,
		    uint64_t quarantine_ms);

/*
 * Lease a DHoA to hoa until expiry_ms. want NULL or :: means any; else
 * that DHoA (B.11.4: renew or re-lease a known one). Returns
 * DHOA_LEASE_NEW (a new lease, udata NULL), DHOA_LEASE_RENEWED (want was
 * hoa's already: only its expiry moved), or a C.4 status with *out NULL
 * and nothing changed:
 *   130 BA_STATUS_INSUFFICIENT       nothing free, max_leases, ENOMEM
 *   201 DMIP_STATUS_DHOA_NOT_OWNED   want is leased to another HoA
 *   203 DMIP_STATUS_DHOA_UNAVAILABLE want is outside every prefix (or
 *       past the first /64 of a shorter one), reserved, or quarantined
 *       for another MN
 */
int		 dhoa_pool_lease(struct dhoa_pool *, const struct in6_addr *hoa,
		    const struct in6_addr *want, uint64_t now,
		    uint64_t expiry_ms, struct dhoa_lease **out);
/* Move a leased record's expiry (cannot fail for a leased record). */
void		 dhoa_pool_renew(struct dhoa_pool *, struct dhoa_lease *,
		    uint64_t expiry_ms);
/* End a lease now: quarantined until now + quarantine (udata cleared). */
void		 dhoa_pool_release(struct dhoa_pool *, struct dhoa_lease *,
		    uint64_t now);

/* The record of dhoa in any state, or NULL. Leased: state == LEASED. */
struct dhoa_lease *dhoa_pool_find(const struct dhoa_pool *,
		    const struct in6_addr *dhoa);
/* True when dhoa lies in one of the prefixes. */
bool		 dhoa_pool_contains(const struct dhoa_pool *,
		    const struct in6_addr *);

/* Earliest lease expiry, or DHOA_POOL_NO_EXPIRY. */
uint64_t	 dhoa_pool_next_expiry(const struct dhoa_pool *);
/* Every lease expired at now: fn sees it still leased (udata intact),
 * then it is quarantined. Also ends the quarantines due. Returns how
 * many leases expired. fn must not lease or release. */
typedef void (*dhoa_lease_fn)(struct dhoa_lease *, void *arg);
size_t		 dhoa_pool_expire(struct dhoa_pool *, uint64_t now,
		    dhoa_lease_fn fn, void *arg);
/* fn for every leased record, in no order; fn must not lease or
 * release. */
void		 dhoa_pool_foreach(const struct dhoa_pool *, dhoa_lease_fn fn,
		    void *arg);

/* fn for every quarantined record, in the order they end (state
 * saving, issue 8); fn must not lease or release. */
void		 dhoa_pool_foreach_quarantined(const struct dhoa_pool *,
		    dhoa_lease_fn fn, void *arg);
/*
 * A saved quarantine of dhoa (last owner hoa) that ends at end_ms, put
 * back at start-up, in the order they end and before this run released
 * anything: end_ms is clamped to [the last quarantine's end, now +
 * quarantine] so the FIFO stays ordered. 0 (also when it is already
 * over: nothing is recorded), DMIP_STATUS_DHOA_UNAVAILABLE (outside
 * the prefixes, reserved, already recorded) or BA_STATUS_INSUFFICIENT
 * (ENOMEM).
 */
int		 dhoa_pool_restore_quarantine(struct dhoa_pool *,
		    const struct in6_addr *dhoa, const struct in6_addr *hoa,
		    uint64_t now, uint64_t end_ms);

const struct dhoa_pool_stats *dhoa_pool_stats(const struct dhoa_pool *);

/* Reserved interface identifiers (see above) for a prefix with `bits`
 * host bits used (0..64). */
bool		 dhoa_iid_reserved(unsigned bits, uint64_t host);

#endif /* DMIP_DHOA_POOL_H */
