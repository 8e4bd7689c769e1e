/*
 * dhp_dir.c: the DHP directory (PROTOCOL.md F.4): longest-prefix match
 * of a correspondent address over the CN prefixes the DHPs serve.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhp_dir.h"

struct dir_dhp {
	struct in6_addr	address;
	uint8_t		preference;
	uint16_t	metric;
	bool		colocated;
};

struct dir_route {
	struct in6_addr	prefix;		/* host bits cleared here */
	uint8_t		len;
	size_t		dhp;		/* index in dhps */
};

struct dhp_dir {
	struct dir_dhp	 *dhps;
	size_t		  ndhps;
	struct dir_route *routes;	/* longest prefix first */
	size_t		  nroutes;
};

/* Clear the bits past len, so a config prefix written with host bits
 * still matches (conf_validate is not relied on). */
static void
prefix_mask(struct in6_addr *a, unsigned len)
{
	for (unsigned i = 0; i < 16; i++) {
		if (len >= 8 * (i + 1))
			continue;
		if (len <= 8 * i)
			a->s6_addr[i] = 0;
		else
			a->s6_addr[i] &= (uint8_t)(0xff00u >> (len - 8 * i));
	}
}

static bool
route_contains(const struct dir_route *r, const struct in6_addr *a)
{
	struct in6_addr m = *a;

	prefix_mask(&m, r->len);
	return memcmp(&m, &r->prefix, sizeof(m)) == 0;
}

static int
route_cmp(const void *a, const void *b)
{
	const struct dir_route *x = a, *y = b;

	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	/* Stable across qsort implementations: then by config order. */
	return x->dhp < y->dhp ? -1 : x->dhp > y->dhp;
}

struct dhp_dir *
dhp_dir_new(const struct had_dhp *dhps, size_t n)
{
	struct dhp_dir *d;
	size_t nr = 0;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		nr += dhps[i].nserves;
	d->dhps = calloc(n ? n : 1, sizeof(*d->dhps));
	d->routes = calloc(nr ? nr : 1, sizeof(*d->routes));
	if (d->dhps == NULL || d->routes == NULL) {
		dhp_dir_free(d);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		d->dhps[i].address = dhps[i].address;
		d->dhps[i].preference = dhps[i].preference;
		d->dhps[i].metric = dhps[i].metric;
		d->dhps[i].colocated = dhps[i].colocated;
		for (size_t j = 0; j < dhps[i].nserves; j++) {
			struct dir_route *r = &d->routes[d->nroutes++];

			r->prefix = dhps[i].serves[j].addr;
			r->len = dhps[i].serves[j].len > 128 ? 128 :
			    dhps[i].serves[j].len;
			prefix_mask(&r->prefix, r->len);
			r->dhp = i;
		}
	}
	d->ndhps = n;
	qsort(d->routes, d->nroutes, sizeof(*d->routes), route_cmp);
	return d;
}

void
dhp_dir_free(struct dhp_dir *d)
{
	if (d == NULL)
		return;
	free(d->dhps);
	free(d->routes);
	free(d);
}

size_t
dhp_dir_count(const struct dhp_dir *d)
{
	return d->ndhps;
}

/* B.11.3 order: preference desc, metric asc, then address. */
static bool
cand_better(const struct mh_dhp_cand *a, const struct mh_dhp_cand *b)
{
	if (a->pref != b->pref)
		return a->pref > b->pref;
	if (a->metric != b->metric)
		return a->metric < b->metric;
	return memcmp(&a->addr, &b->addr, sizeof(a->addr)) < 0;
}

/* Insert c into the sorted out[0..*n) of capacity max, dropping the
 * worst when full; a DHP already there (two equal prefixes) is kept
 * once. */
static void
cand_insert(struct mh_dhp_cand *out, size_t *n, size_t max,
    const struct mh_dhp_cand *c)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (memcmp(&out[i].addr, &c->addr, sizeof(c->addr)) == 0)
			return;
	for (i = *n; i > 0 && cand_better(c, &out[i - 1]); i--)
		if (i < max)
			out[i] = out[i - 1];
	if (i >= max)
		return;
	out[i] = *c;
	if (*n < max)
		(*n)++;
}

size_t
dhp_dir_lookup(const struct dhp_dir *d, const struct in6_addr *cn,
    struct mh_dhp_cand *out, size_t max, unsigned *plen)
{
	const struct dir_route *r;
	const struct dir_dhp *p;
	struct mh_dhp_cand c;
	size_t n = 0;
	int best = -1;

	for (size_t i = 0; i < d->nroutes; i++) {
		r = &d->routes[i];
		if (best >= 0 && r->len < best)
			break;		/* sorted: nothing longer follows */
		if (!route_contains(r, cn))
			continue;
		best = r->len;
		p = &d->dhps[r->dhp];
		memset(&c, 0, sizeof(c));
		c.pref = p->preference;
		c.flags = p->colocated ? DHP_CAND_F_COLOCATED : 0;
		c.metric = p->metric;
		c.addr = p->address;
		if (max > 0)
			cand_insert(out, &n, max, &c);
	}
	if (plen != NULL)
		*plen = best < 0 ? 0 : (unsigned)best;
	return n;
}
