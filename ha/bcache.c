/*
 * bcache.c: the home agent's Binding Cache (RFC 6275 9.1, 10.3).
 *
 * Chained hash table on the HoA. Only HoAs of configured mobile nodes
 * that passed RFC 4285 authentication ever get an entry (ha_engine.c),
 * so an attacker cannot choose keys to flood one chain; a fixed hash
 * is enough.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bcache.h"
#include "log.h"

#define BCACHE_MIN_BUCKETS	16

struct bcache {
	struct bce	**buckets;
	size_t		  nbuckets;	/* power of two */
	size_t		  count;
	struct timerheap  heap;		/* expiry of every entry */
	bcache_fn	  run_fn;	/* bcache_expire() in progress */
	void		 *run_arg;
	size_t		  run_count;
};

static const char *const bce_state_names[BCE_STATE_COUNT] = {
	[BCE_DAD] = "dad",
	[BCE_ACTIVE] = "active",
};

const char *
bce_state_name(enum bce_state s)
{
	if ((unsigned)s >= BCE_STATE_COUNT)
		return "?";
	return bce_state_names[s];
}

static uint32_t
mix32(uint32_t h)
{
	/* MurmurHash3's finaliser, as the SA table uses. */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static size_t
hoa_hash(const struct in6_addr *a, size_t nbuckets)
{
	uint32_t w[4], h = 0;

	memcpy(w, a, sizeof(w));
	/* HoAs share their upper 64 bits (one home prefix): mix every
	 * word so the interface identifiers decide the bucket. */
	for (int i = 0; i < 4; i++)
		h = mix32(h ^ w[i]) + 0x9e3779b9u;
	return (size_t)h & (nbuckets - 1);
}

struct bcache *
bcache_new(void)
{
	struct bcache *bc;

	if ((bc = calloc(1, sizeof(*bc))) == NULL)
		return NULL;
	bc->buckets = calloc(BCACHE_MIN_BUCKETS, sizeof(*bc->buckets));
	if (bc->buckets == NULL) {
		free(bc);
		return NULL;
	}
	bc->nbuckets = BCACHE_MIN_BUCKETS;
	timerheap_init(&bc->heap);
	return bc;
}

void
bcache_free(struct bcache *bc)
{
	struct bce *e, *next;

	if (bc == NULL)
		return;
	/* The heap first: timerheap_free() marks every timer idle. */
	timerheap_free(&bc->heap);
	for (size_t i = 0; i < bc->nbuckets; i++) {
		for (e = bc->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(bc->buckets);
	free(bc);
}

size_t
bcache_count(const struct bcache *bc)
{
	return bc->count;
}

struct bce *
bcache_find(const struct bcache *bc, const struct in6_addr *hoa)
{
	struct bce *e;

	for (e = bc->buckets[hoa_hash(hoa, bc->nbuckets)]; e != NULL;
	    e = e->next)
		if (memcmp(&e->hoa, hoa, sizeof(*hoa)) == 0)
			return e;
	return NULL;
}

/* Double the bucket array; on ENOMEM keep the old one (longer chains,
 * still correct). */
static void
grow(struct bcache *bc)
{
	size_t n = bc->nbuckets * 2, h;
	struct bce **nb, *e, *next;

	if (n < bc->nbuckets || (nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (size_t i = 0; i < bc->nbuckets; i++) {
		for (e = bc->buckets[i]; e != NULL; e = next) {
			next = e->next;
			h = hoa_hash(&e->hoa, n);
			e->next = nb[h];
			nb[h] = e;
		}
	}
	free(bc->buckets);
	bc->buckets = nb;
	bc->nbuckets = n;
}

static void bce_timer_fired(struct timer *, void *);

struct bce *
bcache_insert(struct bcache *bc, const struct in6_addr *hoa, uint64_t now)
{
	struct bce *e;
	size_t h;

	if (bcache_find(bc, hoa) != NULL) {
		errno = EEXIST;
		return NULL;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (bc->count >= bc->nbuckets)
		grow(bc);
	e->hoa = *hoa;
	e->state = BCE_DAD;
	e->created_ms = e->updated_ms = now;
	timer_init(&e->timer, bce_timer_fired, bc);
	h = hoa_hash(hoa, bc->nbuckets);
	e->next = bc->buckets[h];
	bc->buckets[h] = e;
	bc->count++;
	return e;
}

void
bcache_remove(struct bcache *bc, struct bce *e)
{
	struct bce **pp;

	for (pp = &bc->buckets[hoa_hash(&e->hoa, bc->nbuckets)]; *pp != NULL;
	    pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			timerheap_cancel(&bc->heap, &e->timer);
			bc->count--;
			free(e);
			return;
		}
	}
	fatalx("bcache_remove: entry not in the cache");
}

int
bcache_set_expiry(struct bcache *bc, struct bce *e, uint64_t expiry_ms)
{
	return timerheap_add(&bc->heap, &e->timer, expiry_ms);
}

uint64_t
bcache_next_expiry(const struct bcache *bc)
{
	uint64_t t = timerheap_next(&bc->heap);

	return t == UINT64_MAX ? BCACHE_NO_EXPIRY : t;
}

static void
bce_timer_fired(struct timer *t, void *arg)
{
	struct bcache *bc = arg;
	struct bce *e = (struct bce *)(void *)((char *)t -
	    offsetof(struct bce, timer));

	if (bc->run_fn != NULL)
		bc->run_fn(e, bc->run_arg);
	bc->run_count++;
	bcache_remove(bc, e);
}

size_t
bcache_expire(struct bcache *bc, uint64_t now, bcache_fn fn, void *arg)
{
	bc->run_fn = fn;
	bc->run_arg = arg;
	bc->run_count = 0;
	timerheap_run(&bc->heap, now);
	bc->run_fn = NULL;
	bc->run_arg = NULL;
	return bc->run_count;
}

void
bcache_foreach(const struct bcache *bc, bcache_fn fn, void *arg)
{
	struct bce *e, *next;

	for (size_t i = 0; i < bc->nbuckets; i++) {
		for (e = bc->buckets[i]; e != NULL; e = next) {
			next = e->next;
			fn(e, arg);
		}
	}
}
