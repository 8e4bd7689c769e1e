/*
 * ratelimit.c: per-source token buckets in a fixed-size,
 * set-associative table (ratelimit.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dmip_proto.h"
#include "ratelimit.h"

#define MT		1000u		/* milli-tokens per token */

struct rl_slot {
	uint8_t		key[16];
	uint64_t	last_ms;	/* refill time, and LRU age */
	uint32_t	mtokens;
	bool		used;
};

struct ratelimit {
	struct rl_cfg	 cfg;
	uint64_t	 k0, k1;	/* SipHash key */
	struct rl_slot	*slots;
	size_t		 nsets;		/* power of two */
	struct rl_stats	 st;
};

/* ---- SipHash-2-4 of one 16-byte key (Aumasson, Bernstein 2012) ------ */

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND							\
	do {								\
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;			\
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;			\
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
siphash16(uint64_t k0, uint64_t k1, const uint8_t key[16])
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	uint64_t m, b = (uint64_t)16 << 56;

	for (int i = 0; i < 2; i++) {
		m = le64(key + 8 * i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- table ---------------------------------------------------------- */

struct ratelimit *
ratelimit_new(const struct rl_cfg *cfg)
{
	struct ratelimit *rl;
	uint64_t seed[2];
	size_t nsets = 1;

	if (cfg->rate == 0 || cfg->burst == 0 || cfg->plen > 128 ||
	    cfg->slots < RL_WAYS || cfg->burst > UINT32_MAX / MT ||
	    cfg->rate > UINT32_MAX / MT) {
		errno = EINVAL;
		return NULL;
	}
	while (nsets * RL_WAYS < cfg->slots) {
		if (nsets > SIZE_MAX / 2 / RL_WAYS / sizeof(struct rl_slot)) {
			errno = EINVAL;
			return NULL;
		}
		nsets *= 2;
	}
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	if ((rl->slots = calloc(nsets * RL_WAYS, sizeof(*rl->slots))) ==
	    NULL) {
		free(rl);
		return NULL;
	}
	rl->cfg = *cfg;
	rl->nsets = nsets;
	rl->st.slots = nsets * RL_WAYS;
	if (cfg->seed != 0) {
		rl->k0 = cfg->seed;
		rl->k1 = ~cfg->seed * 0x9e3779b97f4a7c15ULL;
	} else {
		if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
			/* Only spreading suffers; the limit still holds. */
			seed[0] = (uint64_t)(uintptr_t)rl ^
			    0x243f6a8885a308d3ULL;
			seed[1] = (uint64_t)(uintptr_t)&seed;
		}
		rl->k0 = seed[0];
		rl->k1 = seed[1];
	}
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->slots);
	free(rl);
}

static void
key_of(const struct ratelimit *rl, const struct in6_addr *src,
    uint8_t key[16])
{
	unsigned plen = rl->cfg.plen, full = plen / 8;

	memset(key, 0, 16);
	memcpy(key, src, full);
	if (plen % 8 != 0)
		key[full] = (uint8_t)(src->s6_addr[full] &
		    (0xff00u >> (plen % 8)));
}

static struct rl_slot *
set_of(const struct ratelimit *rl, const uint8_t key[16])
{
	size_t set = (size_t)siphash16(rl->k0, rl->k1, key) & (rl->nsets - 1);

	return &rl->slots[set * RL_WAYS];
}

/* The bucket's tokens at now (milli-tokens), refilled. */
static uint32_t
level(const struct ratelimit *rl, const struct rl_slot *s, uint64_t now)
{
	uint64_t full = (uint64_t)rl->cfg.burst * MT, dt, t;

	if (now <= s->last_ms)
		return s->mtokens;
	dt = now - s->last_ms;
	/* rate tokens per s = rate milli-tokens per ms. */
	if (dt >= full)
		return (uint32_t)full;	/* rate >= 1: full after dt >= full */
	t = s->mtokens + dt * rl->cfg.rate;
	return (uint32_t)(t > full ? full : t);
}

static struct rl_slot *
lookup(const struct ratelimit *rl, const uint8_t key[16])
{
	struct rl_slot *set = set_of(rl, key);

	for (int i = 0; i < RL_WAYS; i++)
		if (set[i].used && memcmp(set[i].key, key, 16) == 0)
			return &set[i];
	return NULL;
}

bool
ratelimit_peek(const struct ratelimit *rl, const struct in6_addr *src,
    uint64_t now_ms)
{
	uint8_t key[16];
	const struct rl_slot *s;

	key_of(rl, src, key);
	if ((s = lookup(rl, key)) == NULL)
		return true;	/* a new bucket is full */
	return level(rl, s, now_ms) >= MT;
}

/* A slot for key: a free one of its set, else the least recently used. */
static struct rl_slot *
claim(struct ratelimit *rl, const uint8_t key[16], uint64_t now)
{
	struct rl_slot *set = set_of(rl, key), *s = NULL;

	for (int i = 0; i < RL_WAYS; i++) {
		if (!set[i].used) {
			s = &set[i];
			rl->st.used++;
			break;
		}
		if (s == NULL || set[i].last_ms < s->last_ms)
			s = &set[i];
	}
	if (s->used)
		rl->st.evicted++;
	memcpy(s->key, key, 16);
	s->used = true;
	s->last_ms = now;
	s->mtokens = rl->cfg.burst * MT;
	return s;
}

bool
ratelimit_take(struct ratelimit *rl, const struct in6_addr *src,
    uint64_t now_ms)
{
	uint8_t key[16];
	struct rl_slot *s;

	key_of(rl, src, key);
	if ((s = lookup(rl, key)) == NULL)
		s = claim(rl, key, now_ms);
	s->mtokens = level(rl, s, now_ms);
	if (now_ms > s->last_ms)
		s->last_ms = now_ms;
	if (s->mtokens < MT) {
		rl->st.limited++;
		return false;
	}
	s->mtokens -= MT;
	rl->st.allowed++;
	return true;
}

const struct rl_stats *
ratelimit_stats(const struct ratelimit *rl)
{
	return &rl->st;
}

size_t
ratelimit_memory(const struct ratelimit *rl)
{
	return sizeof(*rl) + rl->nsets * RL_WAYS * sizeof(struct rl_slot);
}

/* ---- the daemons' guard --------------------------------------------- */

int
rl_guard_init(struct rl_guard *g)
{
	struct rl_cfg src = {
		.rate = RL_SRC_RATE, .burst = RL_SRC_BURST,
		.plen = RL_SRC_PLEN, .slots = RL_SRC_SLOTS,
	};
	struct rl_cfg all = {
		.rate = RL_ALL_RATE, .burst = RL_ALL_BURST, .plen = 0,
		.slots = RL_WAYS,
	};

	memset(g, 0, sizeof(*g));
	if ((g->src = ratelimit_new(&src)) == NULL ||
	    (g->all = ratelimit_new(&all)) == NULL) {
		rl_guard_free(g);
		return -1;
	}
	return 0;
}

void
rl_guard_free(struct rl_guard *g)
{
	ratelimit_free(g->src);
	ratelimit_free(g->all);
	g->src = g->all = NULL;
}

bool
rl_guard_open(const struct rl_guard *g, const struct in6_addr *src,
    uint64_t now_ms)
{
	return ratelimit_peek(g->src, src, now_ms) &&
	    ratelimit_peek(g->all, src, now_ms);
}

bool
rl_guard_charge(struct rl_guard *g, const struct in6_addr *src,
    uint64_t now_ms)
{
	/* The source first: a source over its own limit must not eat
	 * the global budget of everyone else. */
	if (ratelimit_take(g->src, src, now_ms) &&
	    ratelimit_take(g->all, src, now_ms))
		return true;
	g->suppressed++;
	return false;
}

bool
rl_guard_status(uint8_t status)
{
	return status == BA_STATUS_SEQ_OUT_OF_WINDOW ||
	    status == BA_STATUS_ID_MISMATCH ||
	    status == BA_STATUS_MESGID_REQD || status == BA_STATUS_AUTH_FAIL;
}
