/*
 * dhp_cache.c: configured DHPs, cached DHP directory answers and DHP
 * selection (see dhp_cache.h; PROTOCOL.md A.3.3, B.11.3, F.4, F.12).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhp_cache.h"
#include "log.h"

static const char *const tie_names[DHPC_TIE_COUNT] = {
	[DHPC_TIE_REUSE] = "reuse",
	[DHPC_TIE_DIRECTORY] = "directory",
	[DHPC_TIE_CONFIG] = "config",
	[DHPC_TIE_ADDRESS] = "address",
};

const char *
dhpc_tiebreak_name(enum dhpc_tiebreak t)
{
	return (unsigned)t < DHPC_TIE_COUNT ? tie_names[t] : "?";
}

int
dhpc_tiebreak_parse(const char *s, enum dhpc_tiebreak *t)
{
	for (int i = 0; i < DHPC_TIE_COUNT; i++)
		if (strcmp(s, tie_names[i]) == 0) {
			*t = (enum dhpc_tiebreak)i;
			return 0;
		}
	return -1;
}

static bool
addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* F.4: answers are kept per CN /64. */
static bool
same64(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, 8) == 0;
}

int
dhp_cache_init(struct dhp_cache *c, const struct mnd_dhp *dhps, size_t ndhps,
    size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->cap = cap != 0 ? cap : DHPC_CAP_DEFAULT;
	c->tie = DHPC_TIE_REUSE;
	c->holddown_ms = DHPC_HOLDDOWN_MS;
	if ((c->v = calloc(c->cap, sizeof(*c->v))) == NULL)
		return -1;
	if (ndhps > 0 && (c->dhps = calloc(ndhps, sizeof(*c->dhps))) == NULL) {
		free(c->v);
		c->v = NULL;
		return -1;
	}
	for (size_t i = 0; i < ndhps; i++) {
		snprintf(c->dhps[i].name, sizeof(c->dhps[i].name), "%s",
		    dhps[i].name);
		c->dhps[i].addr = dhps[i].address;
		c->dhps[i].spi = dhps[i].spi;
	}
	c->ndhps = ndhps;
	return 0;
}

void
dhp_cache_free(struct dhp_cache *c)
{
	free(c->v);
	free(c->dhps);
	memset(c, 0, sizeof(*c));
}

/* ---- answers ------------------------------------------------------------ */

static struct dhpc_entry *
find(struct dhp_cache *c, const struct in6_addr *cn)
{
	for (size_t i = 0; i < c->cap; i++)
		if (c->v[i].used && same64(&c->v[i].cn, cn))
			return &c->v[i];
	return NULL;
}

const struct dhpc_entry *
dhp_cache_lookup(struct dhp_cache *c, const struct in6_addr *cn, uint64_t now)
{
	struct dhpc_entry *e = find(c, cn);

	if (e != NULL && now >= e->expires_ms) {
		e->used = false;
		c->st.expired++;
		e = NULL;
	}
	if (e == NULL)
		c->st.misses++;
	else
		c->st.hits++;
	return e;
}

/* Where a new answer goes: its /64's slot, a free or expired one, or the
 * one that expires first. */
static struct dhpc_entry *
slot_for(struct dhp_cache *c, const struct in6_addr *cn, uint64_t now)
{
	struct dhpc_entry *e, *first = NULL;

	if ((e = find(c, cn)) != NULL)
		return e;
	for (size_t i = 0; i < c->cap; i++) {
		e = &c->v[i];
		if (!e->used)
			return e;
		if (now >= e->expires_ms) {
			c->st.expired++;
			return e;
		}
		if (first == NULL || e->expires_ms < first->expires_ms)
			first = e;
	}
	c->st.replaced++;
	return first;
}

const struct dhpc_entry *
dhp_cache_put(struct dhp_cache *c, const struct in6_addr *cn, uint8_t status,
    const struct mh_dhp_cand *cand, size_t n, unsigned validity_s,
    uint64_t now)
{
	struct dhpc_entry *e;

	if (validity_s == 0 || (status != DMIP_STATUS_OK &&
	    status != DMIP_STATUS_USE_HA) ||
	    (status == DMIP_STATUS_OK && n == 0))
		return NULL;
	if (n > MH_MAX_CAND)
		n = MH_MAX_CAND;
	if (status == DMIP_STATUS_USE_HA)
		n = 0;
	e = slot_for(c, cn, now);
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->cn = *cn;
	e->status = status;
	e->n = (uint8_t)n;
	if (n > 0)
		memcpy(e->cand, cand, n * sizeof(*cand));
	e->fetched_ms = now;
	e->expires_ms = now + (uint64_t)validity_s * 1000;
	c->st.stored++;
	return e;
}

void
dhp_cache_flush(struct dhp_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		c->v[i].used = false;
}

size_t
dhp_cache_count(const struct dhp_cache *c, uint64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < c->cap; i++)
		if (c->v[i].used && now < c->v[i].expires_ms)
			n++;
	return n;
}

/* ---- DHPs --------------------------------------------------------------- */

int
dhp_cache_find_dhp(const struct dhp_cache *c, const struct in6_addr *addr)
{
	for (size_t i = 0; i < c->ndhps; i++)
		if (addr_eq(&c->dhps[i].addr, addr))
			return (int)i;
	return -1;
}

bool
dhp_cache_is_down(const struct dhp_cache *c, size_t i, uint64_t now)
{
	return i < c->ndhps && now < c->dhps[i].down_until;
}

void
dhp_cache_set_down(struct dhp_cache *c, size_t i, uint64_t now,
    const char *why)
{
	struct dhpc_dhp *d;
	char a[INET6_ADDRSTRLEN];

	if (i >= c->ndhps)
		return;
	d = &c->dhps[i];
	log_info("DHP %s (%s): %s -> down for %llus (%s)", d->name,
	    inet_ntop(AF_INET6, &d->addr, a, sizeof(a)),
	    now < d->down_until ? "down" : "up",
	    (unsigned long long)(c->holddown_ms / 1000), why);
	d->down_until = now + c->holddown_ms;
	d->failures++;
	snprintf(d->down_why, sizeof(d->down_why), "%s", why);
}

void
dhp_cache_set_up(struct dhp_cache *c, size_t i, const char *why)
{
	struct dhpc_dhp *d;
	char a[INET6_ADDRSTRLEN];

	if (i >= c->ndhps || c->dhps[i].down_until == 0)
		return;
	d = &c->dhps[i];
	log_info("DHP %s (%s): down -> up (%s)", d->name,
	    inet_ntop(AF_INET6, &d->addr, a, sizeof(a)), why);
	d->down_until = 0;
	d->down_why[0] = '\0';
}

/* ---- selection ---------------------------------------------------------- */

/* True if candidate x (DHP xi, position xp) beats y (yi, yp). */
static bool
better(const struct dhp_cache *c, const struct mh_dhp_cand *x, int xi,
    size_t xp, const struct mh_dhp_cand *y, int yi, size_t yp)
{
	int d;

	if (x->pref != y->pref)
		return x->pref > y->pref;
	if (x->metric != y->metric)
		return x->metric < y->metric;
	switch (c->tie) {
	case DHPC_TIE_REUSE:
		if ((c->dhps[xi].anchors > 0) != (c->dhps[yi].anchors > 0))
			return c->dhps[xi].anchors > 0;
		break;
	case DHPC_TIE_CONFIG:
		return xi < yi;
	case DHPC_TIE_ADDRESS:
		d = memcmp(&x->addr, &y->addr, sizeof(x->addr));
		if (d != 0)
			return d < 0;
		break;
	case DHPC_TIE_DIRECTORY:
	case DHPC_TIE_COUNT:
		break;
	}
	return xp < yp;
}

int
dhp_cache_select(const struct dhp_cache *c, const struct dhpc_entry *e,
    uint8_t cont_type, const bool *exclude, uint64_t now, const char **why)
{
	const struct mh_dhp_cand *best = NULL;
	size_t best_pos = 0;
	int best_i = -1, i;
	bool known = false, down = false, coloc = false;

	*why = NULL;
	if (e == NULL || e->status == DMIP_STATUS_USE_HA || e->n == 0) {
		*why = "the directory says use the home agent";
		return -1;
	}
	for (size_t p = 0; p < e->n; p++) {
		const struct mh_dhp_cand *k = &e->cand[p];

		if ((i = dhp_cache_find_dhp(c, &k->addr)) < 0)
			continue;	/* no SA with it (F.5) */
		known = true;
		if (cont_type == CONT_GRACEFUL &&
		    !(k->flags & DHP_CAND_F_COLOCATED))
			continue;
		coloc = true;
		if (exclude != NULL && exclude[i])
			continue;
		if (dhp_cache_is_down(c, (size_t)i, now)) {
			down = true;
			continue;
		}
		if (best == NULL ||
		    better(c, k, i, p, best, best_i, best_pos)) {
			best = k;
			best_i = i;
			best_pos = p;
		}
	}
	if (best_i >= 0)
		return best_i;
	if (!known)
		*why = "no candidate is a configured DHP";
	else if (!coloc)
		*why = "no co-located DHP for graceful-replacement";
	else if (down)
		*why = "every candidate DHP is down";
	else
		*why = "every candidate DHP was tried";
	return -1;
}
