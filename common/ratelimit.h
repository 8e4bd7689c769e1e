/*
 * ratelimit.h: token buckets per source address in a bounded table
 * (issue 8 "Floods"; PROTOCOL.md C.2 "Rate limit: MAX_UPDATE_RATE (3/s)
 * per peer for every DMIPv6 request").
 *
 * A bucket is keyed by the source address masked to plen bits (64: one
 * bucket per /64, so a sender cannot multiply its budget by cycling
 * interface identifiers inside its own prefix; 128: per address; 0: one
 * bucket for everything, a global limit). It holds up to `burst`
 * tokens and refills at `rate` tokens per second.
 *
 * The table has a fixed number of slots, allocated once: memory does
 * not grow with the number of sources. It is set-associative (8 ways
 * per set, the set chosen by a keyed hash whose key is random per
 * table, so a sender cannot aim at one set); when a set is full the
 * least recently used slot is taken over (counted as an eviction). An
 * evicted source starts again with a full bucket, so under a flood of
 * more sources than slots the per-source limit weakens; a global
 * bucket (plen 0) next to it bounds the total.
 *
 * Pure: no clocks (times are ms given by the caller, not decreasing).
 */
#ifndef DMIP_RATELIMIT_H
#define DMIP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define RL_WAYS		8

struct rl_cfg {
	unsigned	rate;		/* tokens per second, >= 1 */
	unsigned	burst;		/* bucket size, >= 1 */
	unsigned	plen;		/* 0..128: key = source / plen */
	size_t		slots;		/* rounded up to a power of two of
					 * sets of RL_WAYS; >= RL_WAYS */
	uint64_t	seed;		/* hash key; 0 = from getrandom() */
};

struct rl_stats {
	uint64_t	allowed, limited;
	uint64_t	evicted;	/* slots taken over from a source */
	size_t		used, slots;
};

struct ratelimit;

/* NULL with errno EINVAL or ENOMEM. */
struct ratelimit *ratelimit_new(const struct rl_cfg *);
void		 ratelimit_free(struct ratelimit *);

/* Take a token of src's bucket at now_ms: true (allowed) or false
 * (limited: the bucket is empty). */
bool		 ratelimit_take(struct ratelimit *, const struct in6_addr *src,
		    uint64_t now_ms);
/* Whether a take would be allowed now; changes nothing. */
bool		 ratelimit_peek(const struct ratelimit *,
		    const struct in6_addr *src, uint64_t now_ms);

const struct rl_stats *ratelimit_stats(const struct ratelimit *);
/* Bytes allocated by the table (for logs and tests). */
size_t		 ratelimit_memory(const struct ratelimit *);

/*
 * What had and dhpd do with it (issue 8): a message that fails
 * authentication or replay protection (statuses 135, 144, 145, 146)
 * charges a token of its source's /64 and of the global bucket. While
 * either is empty, such messages get no reply (no reflection towards a
 * spoofed source) and are logged at debug level only (no log flood);
 * they are counted. Messages that pass are never charged, so a flood
 * from the MN's own /64 cannot lock it out.
 */
#define RL_SRC_RATE	3	/* C.2: MAX_UPDATE_RATE per peer */
#define RL_SRC_BURST	10
#define RL_SRC_PLEN	64
#define RL_SRC_SLOTS	4096	/* ~160 KiB */
#define RL_ALL_RATE	20	/* our choice: all sources together, so a */
#define RL_ALL_BURST	50	/* spoofed flood logs at most ~40 lines/s */

struct rl_guard {
	struct ratelimit *src, *all;
	uint64_t	  suppressed;	/* messages that were limited */
};

/* The two tables with the defaults above. 0 or -1 (errno). */
int	rl_guard_init(struct rl_guard *);
void	rl_guard_free(struct rl_guard *);
/* True when a failure from src would still be answered and logged. */
bool	rl_guard_open(const struct rl_guard *, const struct in6_addr *src,
	    uint64_t now_ms);
/* Charge a failure of src: true if it may be answered, false if it is
 * to be suppressed (counted). */
bool	rl_guard_charge(struct rl_guard *, const struct in6_addr *src,
	    uint64_t now_ms);
/* The statuses that charge (135, 144, 145, 146). */
bool	rl_guard_status(uint8_t status);

#endif /* DMIP_RATELIMIT_H */
