/*
 * bcache.h: the home agent's Binding Cache (RFC 6275 9.1, 10.3;
 * PROTOCOL.md B.11.8 "had").
 *
 * A hash table keyed by the home address (chained, power-of-two
 * buckets, doubled when the load passes 1), so lookups are O(1) on
 * average at 10^6 entries. Each entry embeds a struct timer; the cache
 * keeps those timers in its own timerheap, so expiry is driven with an
 * explicit `now` (bcache_next_expiry(), bcache_expire()) and the event
 * loop only needs one timer armed at the earliest expiry.
 *
 * Pure: no sockets, no clocks. Times are CLOCK_MONOTONIC milliseconds.
 */
#ifndef DMIP_BCACHE_H
#define DMIP_BCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "timerheap.h"

#define BCACHE_NO_EXPIRY	UINT64_MAX

/* Life of an entry. "none" (no entry) is not a state: the entry is
 * simply absent. */
enum bce_state {
	BCE_DAD = 0,	/* first registration, waiting for DAD (F.15) */
	BCE_ACTIVE,	/* binding installed in the data plane */
	BCE_STATE_COUNT
};

const char	*bce_state_name(enum bce_state);

struct bce {
	struct in6_addr	 hoa;		/* key */
	struct in6_addr	 coa;
	enum bce_state	 state;
	uint16_t	 seq;		/* last accepted BU sequence */
	uint16_t	 lifetime;	/* granted, 4 s units */
	uint32_t	 spi;		/* SA of the last accepted BU */
	uint64_t	 mesgid;	/* MESG-ID of the last accepted BU */
	uint64_t	 created_ms;
	uint64_t	 updated_ms;	/* last accepted BU */
	struct timer	 timer;		/* expiry, in the cache's heap */
	struct bce	*next;		/* hash chain */
};

struct bcache;

struct bcache	*bcache_new(void);
/* Frees every entry. */
void		 bcache_free(struct bcache *);
size_t		 bcache_count(const struct bcache *);

struct bce	*bcache_find(const struct bcache *, const struct in6_addr *hoa);
/* A new zeroed entry for hoa, state BCE_DAD, no expiry armed. NULL with
 * errno EEXIST (already there) or ENOMEM. */
struct bce	*bcache_insert(struct bcache *, const struct in6_addr *hoa,
		    uint64_t now);
/* Unlinks, disarms and frees e. */
void		 bcache_remove(struct bcache *, struct bce *e);

/* Arm (or re-arm) e to expire at expiry_ms. 0, or -1 (ENOMEM) with e
 * disarmed. */
int		 bcache_set_expiry(struct bcache *, struct bce *e,
		    uint64_t expiry_ms);
static inline uint64_t
bce_expiry(const struct bce *e)
{
	return timer_is_armed(&e->timer) ? e->timer.expiry : BCACHE_NO_EXPIRY;
}
/* Earliest armed expiry, or BCACHE_NO_EXPIRY. */
uint64_t	 bcache_next_expiry(const struct bcache *);

/* Calls fn for every entry whose expiry is <= now, earliest first, then
 * removes and frees it (fn must not remove it itself). Returns how many
 * expired. */
typedef void (*bcache_fn)(struct bce *, void *arg);
size_t		 bcache_expire(struct bcache *, uint64_t now, bcache_fn fn,
		    void *arg);

/* Calls fn for every entry, in no particular order; fn must not add
 * or remove entries. For `show bindings` and state saving. */
void		 bcache_foreach(const struct bcache *, bcache_fn fn,
		    void *arg);

#endif /* DMIP_BCACHE_H */
