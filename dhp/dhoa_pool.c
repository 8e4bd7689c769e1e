/*
 * dhoa_pool.c: DHoA pool (see dhoa_pool.h; PROTOCOL.md B.11.8, C.2,
 * C.4, F.9, F.10).
 *
 * Record life:
 *
 *   (none) --lease--> LEASED --release/expiry--> QUARANTINED
 *   QUARANTINED --quarantine over--> FREE (FIFO), or dropped when the
 *       address is still ahead of its frontier
 *   QUARANTINED --its last owner asks for it--> LEASED
 *   FREE --lease (any, or that DHoA)--> LEASED
 *
 * Only HoAs of configured MNs that passed RFC 4285 authentication ever
 * choose an address (dhp_engine.c), so a fixed hash is enough, as in
 * ha/bcache.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dhoa_pool.h"
#include "dmip_proto.h"
#include "log.h"

#define MIN_BUCKETS	64
#define SLAB_RECS	4096
#define RANGES_MAX	UINT32_MAX

struct dhoa_range {
	struct in6_addr	 prefix;
	uint8_t		 plen;
	unsigned	 bits;		/* host bits used: min(128 - plen, 64) */
	uint64_t	 mask;
	uint64_t	 next;		/* frontier: next index to try */
	bool		 done;		/* every index tried */
	/* The bijection of [0, 2^bits): x*m1 + a, x ^= x >> s, x*m2. */
	uint64_t	 m1, a, m2, m1inv, m2inv;
	unsigned	 s;
};

struct dhoa_slab {
	struct dhoa_slab	*next;
	struct dhoa_lease	 recs[SLAB_RECS];
};

struct dhoa_fifo {
	struct dhoa_lease	*head, *tail;
};

struct dhoa_pool {
	struct dhoa_range	*ranges;
	size_t			 nranges;
	unsigned		 max_leases;
	uint64_t		 quarantine_ms;
	struct dhoa_lease	**buckets;
	size_t			 nbuckets;	/* power of two */
	struct dhoa_slab	*slabs;
	size_t			 slab_used;	/* records used in slabs */
	struct dhoa_lease	*spare;		/* recycled records */
	struct dhoa_fifo	 quarantine, freeq;
	struct timerheap	 heap;
	struct dhoa_pool_stats	 st;
	dhoa_lease_fn		 run_fn;	/* dhoa_pool_expire() */
	void			*run_arg;
	uint64_t		 run_now;
	size_t			 run_count;
};

static const char *const state_names[DHOA_STATE_COUNT] = {
	[DHOA_LEASED] = "leased",
	[DHOA_QUARANTINED] = "quarantined",
	[DHOA_FREE] = "free",
};

const char *
dhoa_state_name(enum dhoa_state s)
{
	if ((unsigned)s >= DHOA_STATE_COUNT)
		return "?";
	return state_names[s];
}

/* ---- addresses ---------------------------------------------------- */

static uint64_t
low64(const struct in6_addr *a)
{
	uint64_t v = 0;

	for (int i = 8; i < 16; i++)
		v = v << 8 | a->s6_addr[i];
	return v;
}

static void
set_low64(struct in6_addr *a, uint64_t v)
{
	for (int i = 15; i >= 8; i--) {
		a->s6_addr[i] = (uint8_t)v;
		v >>= 8;
	}
}

bool
dhoa_iid_reserved(unsigned bits, uint64_t host)
{
	if (host == 0 && bits >= 2)
		return true;	/* Subnet-Router anycast; RFC 6164 /127 */
	if (bits == 64)
		return (host >= 0xFDFFFFFFFFFFFF80ULL &&
		    host <= 0xFDFFFFFFFFFFFFFFULL) ||
		    (host >= 0x02005EFFFE000000ULL &&
		    host <= 0x02005EFFFEFFFFFFULL);
	if (bits >= 8)
		return host >= (1ULL << bits) - 128;
	return false;
}

/* ---- the frontier's bijection -------------------------------------- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Inverse of an odd m modulo 2^64 (Newton: 3 -> 6 -> ... -> 96 bits). */
static uint64_t
odd_inverse(uint64_t m)
{
	uint64_t inv = m;

	for (int i = 0; i < 5; i++)
		inv *= 2 - m * inv;
	return inv;
}

static uint64_t
perm(const struct dhoa_range *r, uint64_t x)
{
	x = (x * r->m1 + r->a) & r->mask;
	if (r->s)
		x ^= x >> r->s;
	return (x * r->m2) & r->mask;
}

static uint64_t
perm_inverse(const struct dhoa_range *r, uint64_t y)
{
	uint64_t x = (y * r->m2inv) & r->mask, t = x;

	if (r->s)	/* undo x ^= x >> s: s more right bits per round */
		for (unsigned k = r->s; k < r->bits; k += r->s)
			t = x ^ (t >> r->s);
	return ((t - r->a) * r->m1inv) & r->mask;
}

static void
range_init(struct dhoa_range *r, const struct conf_prefix *p, uint64_t *seed)
{
	memset(r, 0, sizeof(*r));
	r->prefix = p->addr;
	r->plen = p->len;
	r->bits = p->len >= 64 ? 128u - p->len : 64u;
	r->mask = r->bits == 64 ? UINT64_MAX : (1ULL << r->bits) - 1;
	r->m1 = splitmix64(seed) | 1;
	r->a = splitmix64(seed);
	r->m2 = splitmix64(seed) | 1;
	r->m1inv = odd_inverse(r->m1);
	r->m2inv = odd_inverse(r->m2);
	r->s = r->bits >= 2 ? (r->bits + 1) / 2 : 0;
	if (p->len < 64)	/* only the first /64 is lent */
		set_low64(&r->prefix, 0);
}

static struct in6_addr
range_addr(const struct dhoa_range *r, uint64_t host)
{
	struct in6_addr a = r->prefix;

	set_low64(&a, low64(&a) | host);
	return a;
}

/* The range holding a, or -1. *host: a's host part when usable. */
static ssize_t
range_of(const struct dhoa_pool *p, const struct in6_addr *a, uint64_t *host)
{
	for (size_t i = 0; i < p->nranges; i++) {
		const struct dhoa_range *r = &p->ranges[i];
		struct conf_prefix cp = { .addr = r->prefix, .len = r->plen };

		if (!conf_prefix_contains(&cp, a))
			continue;
		*host = low64(a) & r->mask;
		return (ssize_t)i;
	}
	return -1;
}

/* The address is past the usable part of its prefix (a prefix shorter
 * than /64 lends only its first /64). */
static bool
range_usable(const struct dhoa_range *r, const struct in6_addr *a)
{
	struct in6_addr b = range_addr(r, low64(a) & r->mask);

	return memcmp(&b, a, sizeof(b)) == 0;
}

static bool
ahead_of_frontier(const struct dhoa_pool *p, const struct dhoa_lease *l)
{
	const struct dhoa_range *r = &p->ranges[l->range];

	return !r->done &&
	    perm_inverse(r, low64(&l->dhoa) & r->mask) >= r->next;
}

/* ---- hash ----------------------------------------------------------- */

static uint32_t
mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static size_t
addr_hash(const struct in6_addr *a, size_t nbuckets)
{
	uint32_t w[4], h = 0;

	memcpy(w, a, sizeof(w));
	for (int i = 0; i < 4; i++)
		h = mix32(h ^ w[i]) + 0x9e3779b9u;
	return (size_t)h & (nbuckets - 1);
}

struct dhoa_lease *
dhoa_pool_find(const struct dhoa_pool *p, const struct in6_addr *dhoa)
{
	struct dhoa_lease *l;

	for (l = p->buckets[addr_hash(dhoa, p->nbuckets)]; l != NULL;
	    l = l->hnext)
		if (memcmp(&l->dhoa, dhoa, sizeof(*dhoa)) == 0)
			return l;
	return NULL;
}

/* Double the buckets when the load passes 1; on ENOMEM keep them. */
static void
hash_grow(struct dhoa_pool *p)
{
	size_t n = p->nbuckets * 2, h;
	struct dhoa_lease **nb, *l, *next;

	if (n < p->nbuckets || (nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (size_t i = 0; i < p->nbuckets; i++)
		for (l = p->buckets[i]; l != NULL; l = next) {
			next = l->hnext;
			h = addr_hash(&l->dhoa, n);
			l->hnext = nb[h];
			nb[h] = l;
		}
	free(p->buckets);
	p->buckets = nb;
	p->nbuckets = n;
}

static void
hash_insert(struct dhoa_pool *p, struct dhoa_lease *l)
{
	size_t h;

	if (p->st.records >= p->nbuckets)
		hash_grow(p);
	h = addr_hash(&l->dhoa, p->nbuckets);
	l->hnext = p->buckets[h];
	p->buckets[h] = l;
	p->st.records++;
}

static void
hash_remove(struct dhoa_pool *p, struct dhoa_lease *l)
{
	struct dhoa_lease **pp;

	for (pp = &p->buckets[addr_hash(&l->dhoa, p->nbuckets)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == l) {
			*pp = l->hnext;
			p->st.records--;
			return;
		}
	fatalx("dhoa_pool: record not in the hash");
}

/* ---- records -------------------------------------------------------- */

static void lease_timer_fired(struct timer *, void *);

static struct dhoa_lease *
rec_alloc(struct dhoa_pool *p, const struct in6_addr *dhoa, uint32_t range)
{
	struct dhoa_lease *l;
	struct dhoa_slab *s;

	if ((l = p->spare) != NULL)
		p->spare = l->hnext;
	else {
		if (p->slabs == NULL || p->slab_used == SLAB_RECS) {
			if ((s = malloc(sizeof(*s))) == NULL)
				return NULL;
			s->next = p->slabs;
			p->slabs = s;
			p->slab_used = 0;
		}
		l = &p->slabs->recs[p->slab_used++];
	}
	memset(l, 0, sizeof(*l));
	l->dhoa = *dhoa;
	l->range = range;
	timer_init(&l->timer, lease_timer_fired, p);
	hash_insert(p, l);
	return l;
}

static void
rec_drop(struct dhoa_pool *p, struct dhoa_lease *l)
{
	hash_remove(p, l);
	l->hnext = p->spare;
	p->spare = l;
}

/* ---- FIFOs ---------------------------------------------------------- */

static void
fifo_push(struct dhoa_fifo *f, struct dhoa_lease *l)
{
	l->qnext = NULL;
	l->qprev = f->tail;
	if (f->tail != NULL)
		f->tail->qnext = l;
	else
		f->head = l;
	f->tail = l;
}

static void
fifo_del(struct dhoa_fifo *f, struct dhoa_lease *l)
{
	if (l->qprev != NULL)
		l->qprev->qnext = l->qnext;
	else
		f->head = l->qnext;
	if (l->qnext != NULL)
		l->qnext->qprev = l->qprev;
	else
		f->tail = l->qprev;
	l->qprev = l->qnext = NULL;
}

/* Take l out of whichever FIFO its state puts it in. */
static void
unqueue(struct dhoa_pool *p, struct dhoa_lease *l)
{
	if (l->state == DHOA_QUARANTINED) {
		fifo_del(&p->quarantine, l);
		p->st.quarantined--;
	} else if (l->state == DHOA_FREE) {
		fifo_del(&p->freeq, l);
		p->st.free--;
	}
}

static void
make_free(struct dhoa_pool *p, struct dhoa_lease *l)
{
	l->state = DHOA_FREE;
	l->udata = NULL;
	fifo_push(&p->freeq, l);
	p->st.free++;
}

/* End every quarantine due at now (C.2, F.10). */
static void
quarantine_advance(struct dhoa_pool *p, uint64_t now)
{
	struct dhoa_lease *l;

	while ((l = p->quarantine.head) != NULL && l->expiry_ms <= now) {
		unqueue(p, l);
		if (ahead_of_frontier(p, l)) {
			p->st.dropped++;
			rec_drop(p, l);
		} else
			make_free(p, l);
	}
}

/* ---- set-up --------------------------------------------------------- */

struct dhoa_pool *
dhoa_pool_new(const struct dhoa_pool_cfg *cfg)
{
	struct dhoa_pool *p;
	uint64_t seed = cfg->seed;

	if (cfg->nprefixes == 0 || cfg->nprefixes > RANGES_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->ranges = calloc(cfg->nprefixes, sizeof(*p->ranges));
	p->buckets = calloc(MIN_BUCKETS, sizeof(*p->buckets));
	if (p->ranges == NULL || p->buckets == NULL) {
		dhoa_pool_free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->nbuckets = MIN_BUCKETS;
	p->nranges = cfg->nprefixes;
	for (size_t i = 0; i < p->nranges; i++)
		range_init(&p->ranges[i], &cfg->prefixes[i], &seed);
	p->max_leases = cfg->max_leases;
	p->quarantine_ms = cfg->quarantine_ms;
	timerheap_init(&p->heap);
	return p;
}

void
dhoa_pool_free(struct dhoa_pool *p)
{
	struct dhoa_slab *s, *next;

	if (p == NULL)
		return;
	timerheap_free(&p->heap);
	for (s = p->slabs; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	free(p->buckets);
	free(p->ranges);
	free(p);
}

void
dhoa_pool_set_limits(struct dhoa_pool *p, unsigned max_leases,
    uint64_t quarantine_ms)
{
	p->max_leases = max_leases;
	p->quarantine_ms = quarantine_ms;
}

/* ---- leasing -------------------------------------------------------- */

static bool
limit_reached(const struct dhoa_pool *p)
{
	return p->max_leases != 0 && p->st.leased >= p->max_leases;
}

/* A record out of every FIFO becomes hoa's lease. */
static void
grant(struct dhoa_pool *p, struct dhoa_lease *l, const struct in6_addr *hoa,
    uint64_t now, uint64_t expiry_ms)
{
	l->hoa = *hoa;
	l->state = DHOA_LEASED;
	l->leased_ms = now;
	l->expiry_ms = expiry_ms;
	l->udata = NULL;
	p->st.leased++;
}

/* Arm the lease timer of a record grant() just leased. The heap may
 * have to grow: on ENOMEM the record goes back to the free FIFO. */
static int
arm(struct dhoa_pool *p, struct dhoa_lease *l)
{
	if (timerheap_add(&p->heap, &l->timer, l->expiry_ms) == 0)
		return 0;
	p->st.leased--;
	make_free(p, l);
	return -1;
}

/* The next address of a frontier, recorded; NULL when every range is
 * used up (or ENOMEM: the index is given back). */
static struct dhoa_lease *
frontier_take(struct dhoa_pool *p)
{
	struct dhoa_lease *l;
	struct in6_addr a;
	uint64_t host;

	for (size_t i = 0; i < p->nranges; i++) {
		struct dhoa_range *r = &p->ranges[i];

		while (!r->done) {
			uint64_t idx = r->next;

			if (idx == r->mask)
				r->done = true;
			else
				r->next++;
			host = perm(r, idx);
			if (dhoa_iid_reserved(r->bits, host)) {
				p->st.skip_reserved++;
				continue;
			}
			a = range_addr(r, host);
			if (dhoa_pool_find(p, &a) != NULL) {
				p->st.skip_taken++;
				continue;
			}
			if ((l = rec_alloc(p, &a, (uint32_t)i)) == NULL) {
				r->next = idx;
				r->done = false;
				return NULL;
			}
			p->st.fresh++;
			return l;
		}
	}
	return NULL;
}

static int
lease_any(struct dhoa_pool *p, const struct in6_addr *hoa, uint64_t now,
    uint64_t expiry_ms, struct dhoa_lease **out)
{
	struct dhoa_lease *l;

	if (limit_reached(p))
		goto exhausted;
	if ((l = p->freeq.head) != NULL) {
		unqueue(p, l);
		p->st.reused++;
	} else if ((l = frontier_take(p)) == NULL)
		goto exhausted;
	grant(p, l, hoa, now, expiry_ms);
	if (arm(p, l) == -1)
		goto exhausted;
	*out = l;
	return DHOA_LEASE_NEW;
exhausted:
	p->st.exhausted++;
	return BA_STATUS_INSUFFICIENT;
}

static int
lease_want(struct dhoa_pool *p, const struct in6_addr *hoa,
    const struct in6_addr *want, uint64_t now, uint64_t expiry_ms,
    struct dhoa_lease **out)
{
	struct dhoa_lease *l;
	uint64_t host;
	ssize_t ri;

	if ((ri = range_of(p, want, &host)) < 0 ||
	    !range_usable(&p->ranges[ri], want) ||
	    dhoa_iid_reserved(p->ranges[ri].bits, host))
		return DMIP_STATUS_DHOA_UNAVAILABLE;
	if ((l = dhoa_pool_find(p, want)) != NULL) {
		bool own = memcmp(&l->hoa, hoa, sizeof(*hoa)) == 0;

		if (l->state == DHOA_LEASED) {
			if (!own)
				return DMIP_STATUS_DHOA_NOT_OWNED;
			dhoa_pool_renew(p, l, expiry_ms);
			p->st.renewed++;
			*out = l;
			return DHOA_LEASE_RENEWED;
		}
		/* quarantine_advance() ran: QUARANTINED means still on. */
		if (l->state == DHOA_QUARANTINED && !own)
			return DMIP_STATUS_DHOA_UNAVAILABLE;
		if (limit_reached(p))
			goto exhausted;
		unqueue(p, l);
	} else {
		if (limit_reached(p))
			goto exhausted;
		if ((l = rec_alloc(p, want, (uint32_t)ri)) == NULL)
			goto exhausted;
	}
	grant(p, l, hoa, now, expiry_ms);
	if (arm(p, l) == -1)
		goto exhausted;
	p->st.chosen++;
	*out = l;
	return DHOA_LEASE_NEW;
exhausted:
	p->st.exhausted++;
	return BA_STATUS_INSUFFICIENT;
}

int
dhoa_pool_lease(struct dhoa_pool *p, const struct in6_addr *hoa,
    const struct in6_addr *want, uint64_t now, uint64_t expiry_ms,
    struct dhoa_lease **out)
{
	*out = NULL;
	quarantine_advance(p, now);
	if (want == NULL || IN6_IS_ADDR_UNSPECIFIED(want))
		return lease_any(p, hoa, now, expiry_ms, out);
	return lease_want(p, hoa, want, now, expiry_ms, out);
}

void
dhoa_pool_renew(struct dhoa_pool *p, struct dhoa_lease *l, uint64_t expiry_ms)
{
	if (l->state != DHOA_LEASED)
		fatalx("dhoa_pool_renew: %s record",
		    dhoa_state_name(l->state));
	l->expiry_ms = expiry_ms;
	/* Re-arming an armed timer never grows the heap: cannot fail. */
	if (timerheap_add(&p->heap, &l->timer, expiry_ms) != 0)
		fatalx("dhoa_pool_renew: timer");
}

/* LEASED -> QUARANTINED until now + quarantine. */
static void
quarantine(struct dhoa_pool *p, struct dhoa_lease *l, uint64_t now)
{
	timerheap_cancel(&p->heap, &l->timer);
	p->st.leased--;
	l->state = DHOA_QUARANTINED;
	l->udata = NULL;
	l->expiry_ms = now + p->quarantine_ms;
	fifo_push(&p->quarantine, l);
	p->st.quarantined++;
	if (p->quarantine_ms == 0)
		quarantine_advance(p, now);
}

void
dhoa_pool_release(struct dhoa_pool *p, struct dhoa_lease *l, uint64_t now)
{
	if (l->state != DHOA_LEASED)
		fatalx("dhoa_pool_release: %s record",
		    dhoa_state_name(l->state));
	p->st.released++;
	quarantine(p, l, now);
}

/* ---- expiry --------------------------------------------------------- */

static void
lease_timer_fired(struct timer *t, void *arg)
{
	struct dhoa_pool *p = arg;
	struct dhoa_lease *l = (struct dhoa_lease *)(void *)((char *)t -
	    offsetof(struct dhoa_lease, timer));

	if (p->run_fn != NULL)
		p->run_fn(l, p->run_arg);
	p->run_count++;
	p->st.expired++;
	quarantine(p, l, p->run_now);
}

size_t
dhoa_pool_expire(struct dhoa_pool *p, uint64_t now, dhoa_lease_fn fn,
    void *arg)
{
	p->run_fn = fn;
	p->run_arg = arg;
	p->run_now = now;
	p->run_count = 0;
	timerheap_run(&p->heap, now);
	p->run_fn = NULL;
	p->run_arg = NULL;
	quarantine_advance(p, now);
	return p->run_count;
}

uint64_t
dhoa_pool_next_expiry(const struct dhoa_pool *p)
{
	uint64_t t = timerheap_next(&p->heap);

	return t == UINT64_MAX ? DHOA_POOL_NO_EXPIRY : t;
}

void
dhoa_pool_foreach(const struct dhoa_pool *p, dhoa_lease_fn fn, void *arg)
{
	struct dhoa_lease *l, *next;

	for (size_t i = 0; i < p->nbuckets; i++)
		for (l = p->buckets[i]; l != NULL; l = next) {
			next = l->hnext;
			if (l->state == DHOA_LEASED)
				fn(l, arg);
		}
}

void
dhoa_pool_foreach_quarantined(const struct dhoa_pool *p, dhoa_lease_fn fn,
    void *arg)
{
	struct dhoa_lease *l, *next;

	for (l = p->quarantine.head; l != NULL; l = next) {
		next = l->qnext;
		fn(l, arg);
	}
}

int
dhoa_pool_restore_quarantine(struct dhoa_pool *p, const struct in6_addr *dhoa,
    const struct in6_addr *hoa, uint64_t now, uint64_t end_ms)
{
	struct dhoa_lease *l;
	uint64_t host;
	ssize_t ri;

	if ((ri = range_of(p, dhoa, &host)) < 0 ||
	    !range_usable(&p->ranges[ri], dhoa) ||
	    dhoa_iid_reserved(p->ranges[ri].bits, host) ||
	    dhoa_pool_find(p, dhoa) != NULL)
		return DMIP_STATUS_DHOA_UNAVAILABLE;
	if (end_ms > now + p->quarantine_ms)
		end_ms = now + p->quarantine_ms;
	if (end_ms <= now)
		return 0;
	if (p->quarantine.tail != NULL &&
	    end_ms < p->quarantine.tail->expiry_ms)
		end_ms = p->quarantine.tail->expiry_ms;
	if ((l = rec_alloc(p, dhoa, (uint32_t)ri)) == NULL)
		return BA_STATUS_INSUFFICIENT;
	l->hoa = *hoa;
	l->state = DHOA_QUARANTINED;
	l->expiry_ms = end_ms;
	fifo_push(&p->quarantine, l);
	p->st.quarantined++;
	return 0;
}

bool
dhoa_pool_contains(const struct dhoa_pool *p, const struct in6_addr *a)
{
	uint64_t host;

	return range_of(p, a, &host) >= 0;
}

const struct dhoa_pool_stats *
dhoa_pool_stats(const struct dhoa_pool *p)
{
	return &p->st;
}
