/*
 * movement.c: movement detection for mnd (see movement.h; PROTOCOL.md
 * A.3, TESTBED.md 5). The model only follows the events it is given;
 * the kernel's own clean-up (method A: a link set down loses its
 * addresses and routes) arrives as removal events like any other.
 */
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "movement.h"

/* Not usable for a CoA (or for "at home") while any of these is set. */
#define ADDR_F_UNUSABLE	(IFA_F_TENTATIVE | IFA_F_DADFAILED)

static const char *const mv_state_names[MV_STATE_COUNT] = {
	[MV_UNKNOWN] = "unknown",
	[MV_AWAY] = "away",
	[MV_HOME] = "home",
	[MV_LOST] = "lost",
};

const char *
mv_state_name(enum mv_state s)
{
	return (unsigned)s < MV_STATE_COUNT ? mv_state_names[s] : "?";
}

const char *
move_kind_name(enum move_kind k)
{
	switch (k) {
	case MOVE_NONE:
		return "none";
	case MOVE_NEW_COA:
		return "new-coa";
	case MOVE_HOME:
		return "home";
	case MOVE_LOST:
		return "lost";
	}
	return "?";
}

/* ---- addresses ---------------------------------------------------- */

static bool
addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool
prefix_eq(const struct in6_addr *a, const struct in6_addr *b, unsigned plen)
{
	unsigned bytes, bits;
	uint8_t mask;

	if (plen > 128)
		plen = 128;
	bytes = plen / 8;
	bits = plen % 8;
	if (memcmp(a, b, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - bits));
	return (a->s6_addr[bytes] & mask) == (b->s6_addr[bytes] & mask);
}

/* Only global unicast addresses matter to movement detection. */
static bool
addr_is_global(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	    !IN6_IS_ADDR_LINKLOCAL(a) && !IN6_IS_ADDR_MULTICAST(a) &&
	    !IN6_IS_ADDR_V4MAPPED(a) && !IN6_IS_ADDR_SITELOCAL(a);
}

static bool
in_home(const struct movement *mv, const struct in6_addr *a)
{
	return addr_eq(a, &mv->hoa) ||
	    prefix_eq(a, &mv->home_prefix, mv->home_plen);
}

static bool
is_excluded(const struct movement *mv, const struct in6_addr *a)
{
	for (size_t i = 0; i < mv->nexcluded; i++)
		if (addr_eq(&mv->excluded[i], a))
			return true;
	return false;
}

/* Usable as a CoA (movement.h). RFC 4941 temporary addresses rotate
 * for privacy; each rotation would be a needless re-registration. */
static bool
coa_ok(const struct movement *mv, const struct mv_addr *a)
{
	return a->gen != 0 &&
	    !(a->flags & (IFA_F_DEPRECATED | IFA_F_TEMPORARY)) &&
	    !in_home(mv, &a->addr) && !is_excluded(mv, &a->addr);
}

/* Shows we are on the home link. */
static bool
home_ok(const struct movement *mv, const struct mv_addr *a)
{
	return a->gen != 0 && in_home(mv, &a->addr);
}

/* ---- the model ---------------------------------------------------- */

int
movement_init(struct movement *mv, const struct in6_addr *hoa,
    const struct in6_addr *home_prefix, uint8_t home_plen)
{
	memset(mv, 0, sizeof(*mv));
	mv->hoa = *hoa;
	mv->home_prefix = *home_prefix;
	mv->home_plen = home_plen > 128 ? 128 : home_plen;
	mv->state = MV_UNKNOWN;
	return 0;
}

void
movement_free(struct movement *mv)
{
	free(mv->ifnames);
	free(mv->excluded);
	free(mv->ifaces);
	memset(mv, 0, sizeof(*mv));
}

static bool
name_configured(const struct movement *mv, const char *name)
{
	if (mv->nifnames == 0)
		return strcmp(name, "lo") != 0;
	for (size_t i = 0; i < mv->nifnames; i++)
		if (strcmp(mv->ifnames[i], name) == 0)
			return true;
	return false;
}

int
movement_add_ifname(struct movement *mv, const char *name)
{
	char (*v)[IF_NAMESIZE];

	if (strlen(name) >= IF_NAMESIZE)
		return -1;
	v = reallocarray(mv->ifnames, mv->nifnames + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	mv->ifnames = v;
	memcpy(v[mv->nifnames++], name, strlen(name) + 1);
	for (size_t i = 0; i < mv->nifaces; i++)
		if (mv->ifaces[i].link_seen)
			mv->ifaces[i].configured = name_configured(mv,
			    mv->ifaces[i].name);
	return 0;
}

int
movement_exclude(struct movement *mv, const struct in6_addr *a, bool on)
{
	struct in6_addr *v;

	for (size_t i = 0; i < mv->nexcluded; i++) {
		if (!addr_eq(&mv->excluded[i], a))
			continue;
		if (!on)
			mv->excluded[i] = mv->excluded[--mv->nexcluded];
		return 0;
	}
	if (!on)
		return 0;
	v = reallocarray(mv->excluded, mv->nexcluded + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	mv->excluded = v;
	v[mv->nexcluded++] = *a;
	return 0;
}

static struct mv_iface *
iface_find(struct movement *mv, unsigned ifindex)
{
	for (size_t i = 0; i < mv->nifaces; i++)
		if (mv->ifaces[i].ifindex == ifindex)
			return &mv->ifaces[i];
	return NULL;
}

/* Find or create; kept sorted by ifindex for a deterministic walk. */
static struct mv_iface *
iface_get(struct movement *mv, unsigned ifindex)
{
	struct mv_iface *ifp, *v;
	size_t i;

	if ((ifp = iface_find(mv, ifindex)) != NULL)
		return ifp;
	v = reallocarray(mv->ifaces, mv->nifaces + 1, sizeof(*v));
	if (v == NULL) {
		log_warnx("movement: out of memory for ifindex %u", ifindex);
		return NULL;
	}
	mv->ifaces = v;
	for (i = 0; i < mv->nifaces && v[i].ifindex < ifindex; i++)
		;
	memmove(&v[i + 1], &v[i], (mv->nifaces - i) * sizeof(*v));
	mv->nifaces++;
	memset(&v[i], 0, sizeof(v[i]));
	v[i].ifindex = ifindex;
	snprintf(v[i].name, sizeof(v[i].name), "if%u", ifindex);
	return &v[i];
}

static void
iface_remove(struct movement *mv, unsigned ifindex)
{
	struct mv_iface *ifp = iface_find(mv, ifindex);
	size_t i;

	if (ifp == NULL)
		return;
	i = (size_t)(ifp - mv->ifaces);
	memmove(ifp, ifp + 1, (mv->nifaces - i - 1) * sizeof(*ifp));
	mv->nifaces--;
}

static void
on_link(struct movement *mv, const struct nlw_event *ev)
{
	struct mv_iface *ifp;

	if (ev->removed) {
		iface_remove(mv, ev->ifindex);
		return;
	}
	if ((ifp = iface_get(mv, ev->ifindex)) == NULL)
		return;
	ifp->link_seen = true;
	snprintf(ifp->name, sizeof(ifp->name), "%s", ev->ifname);
	ifp->configured = name_configured(mv, ifp->name);
	ifp->up = ev->up;
	ifp->running = ev->running;
}

static void
on_addr(struct movement *mv, const struct nlw_event *ev)
{
	struct mv_iface *ifp;
	struct mv_addr *a = NULL;
	size_t i;

	if (!addr_is_global(&ev->addr))
		return;
	if ((ifp = ev->removed ? iface_find(mv, ev->ifindex) :
	    iface_get(mv, ev->ifindex)) == NULL)
		return;
	for (i = 0; i < ifp->naddrs; i++)
		if (addr_eq(&ifp->addrs[i].addr, &ev->addr))
			a = &ifp->addrs[i];
	if (ev->removed) {
		if (a != NULL)
			*a = ifp->addrs[--ifp->naddrs];
		return;
	}
	if (a == NULL) {
		if (ifp->naddrs == MV_MAX_ADDRS) {
			log_debug("movement: %s: address table full",
			    ifp->name);
			return;
		}
		a = &ifp->addrs[ifp->naddrs++];
		memset(a, 0, sizeof(*a));
		a->addr = ev->addr;
	}
	a->plen = ev->plen;
	a->flags = ev->ifa_flags;
	a->valid_lft = ev->valid_lft;
	a->preferred_lft = ev->preferred_lft;
	/* A lifetime refresh by the next RA must not make it "newer". */
	if (a->flags & ADDR_F_UNUSABLE)
		a->gen = 0;
	else if (a->gen == 0)
		a->gen = ++mv->gen;
}

static void
on_route(struct movement *mv, const struct nlw_event *ev)
{
	struct mv_iface *ifp;
	size_t i;

	if ((ifp = ev->removed ? iface_find(mv, ev->ifindex) :
	    iface_get(mv, ev->ifindex)) == NULL)
		return;
	for (i = 0; i < ifp->nrouters; i++)
		if (addr_eq(&ifp->routers[i].gw, &ev->addr))
			break;
	if (ev->removed) {
		if (i < ifp->nrouters)
			ifp->routers[i] = ifp->routers[--ifp->nrouters];
		return;
	}
	if (i < ifp->nrouters)
		return;		/* known router: not a new attachment */
	if (ifp->nrouters == MV_MAX_ROUTERS) {
		log_debug("movement: %s: router table full", ifp->name);
		return;
	}
	ifp->routers[ifp->nrouters].gw = ev->addr;
	ifp->routers[ifp->nrouters].gen = ++mv->gen;
	ifp->nrouters++;
}

/* ---- the decision ------------------------------------------------- */

static const struct mv_router *
newest_router(const struct mv_iface *ifp)
{
	const struct mv_router *r = NULL;

	for (size_t i = 0; i < ifp->nrouters; i++)
		if (r == NULL || ifp->routers[i].gen > r->gen)
			r = &ifp->routers[i];
	return r;
}

/* The newest address on ifp that is either a CoA or a home address. */
static const struct mv_addr *
newest_addr(const struct movement *mv, const struct mv_iface *ifp)
{
	const struct mv_addr *best = NULL;

	for (size_t i = 0; i < ifp->naddrs; i++) {
		const struct mv_addr *a = &ifp->addrs[i];

		if (!coa_ok(mv, a) && !home_ok(mv, a))
			continue;
		if (best == NULL || a->gen > best->gen)
			best = a;
	}
	return best;
}

static bool
iface_qualifies(const struct mv_iface *ifp)
{
	return ifp->link_seen && ifp->configured && ifp->up &&
	    ifp->running && ifp->nrouters > 0;
}

/* The attachment: the interface with the newest default router that
 * has a usable address, and that address. */
static const struct mv_iface *
choose(const struct movement *mv, const struct mv_addr **ap)
{
	const struct mv_iface *best = NULL;
	uint64_t best_gen = 0;

	*ap = NULL;
	for (size_t i = 0; i < mv->nifaces; i++) {
		const struct mv_iface *ifp = &mv->ifaces[i];
		const struct mv_addr *a;

		if (!iface_qualifies(ifp) ||
		    (a = newest_addr(mv, ifp)) == NULL)
			continue;
		if (newest_router(ifp)->gen > best_gen) {
			best = ifp;
			best_gen = newest_router(ifp)->gen;
			*ap = a;
		}
	}
	return best;
}

/*
 * Method B (TESTBED 5): the link stayed up and a new router came with a
 * new prefix. The chosen address's prefix is newer than every other
 * router on the link; then those routers, and the addresses of other
 * prefixes that were there before the new router, belong to the link
 * we left.
 */
static void
find_stale(const struct movement *mv, const struct mv_iface *ifp,
    const struct mv_addr *chosen, struct mv_stale *st)
{
	const struct mv_router *rn = newest_router(ifp);
	uint64_t first = chosen->gen, old_router = 0;
	size_t i;

	memset(st, 0, sizeof(*st));
	st->ifindex = ifp->ifindex;
	for (i = 0; i < ifp->nrouters; i++)
		if (&ifp->routers[i] != rn && ifp->routers[i].gen > old_router)
			old_router = ifp->routers[i].gen;
	for (i = 0; i < ifp->naddrs; i++) {
		const struct mv_addr *a = &ifp->addrs[i];

		if (a->gen != 0 && a->gen < first &&
		    prefix_eq(&a->addr, &chosen->addr, chosen->plen))
			first = a->gen;
	}
	if (old_router == 0 || first < old_router)
		return;		/* no router change, or not a new prefix */
	for (i = 0; i < ifp->naddrs; i++) {
		const struct mv_addr *a = &ifp->addrs[i];

		if (a->gen == 0 || a->gen > rn->gen ||
		    prefix_eq(&a->addr, &chosen->addr, chosen->plen) ||
		    addr_eq(&a->addr, &mv->hoa) || is_excluded(mv, &a->addr))
			continue;
		st->addrs[st->naddrs].addr = a->addr;
		st->addrs[st->naddrs++].plen = a->plen;
	}
	/* A new router whose prefix has not arrived yet leaves the chosen
	 * (old) address as the newest: then no address of another prefix
	 * is stale, and neither is the router that address came from. The
	 * routers are stale only together with the prefix they left. */
	if (st->naddrs == 0)
		return;
	for (i = 0; i < ifp->nrouters; i++)
		if (&ifp->routers[i] != rn)
			st->routers[st->nrouters++] = ifp->routers[i].gw;
}

static void
set_state(struct movement *mv, enum mv_state s, const struct in6_addr *coa,
    unsigned ifindex, const char *why)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &mv->coa, a, sizeof(a));
	inet_ntop(AF_INET6, coa, b, sizeof(b));
	log_info("movement: %s %s -> %s %s (%s)", mv_state_name(mv->state),
	    mv->state == MV_AWAY ? a : "", mv_state_name(s),
	    s == MV_AWAY ? b : "", why);
	mv->state = s;
	mv->coa = *coa;
	mv->coa_ifindex = ifindex;
}

static enum move_kind
kind_for(const struct movement *mv, enum mv_state s,
    const struct in6_addr *coa, unsigned ifindex)
{
	switch (s) {
	case MV_AWAY:
		if (mv->state != MV_AWAY || !addr_eq(coa, &mv->coa) ||
		    ifindex != mv->coa_ifindex)
			return MOVE_NEW_COA;
		return MOVE_NONE;
	case MV_HOME:
		return mv->state != MV_HOME ? MOVE_HOME : MOVE_NONE;
	case MV_LOST:
		/* Nothing is lost before anything was found (start-up). */
		return mv->state == MV_AWAY || mv->state == MV_HOME ?
		    MOVE_LOST : MOVE_NONE;
	default:
		return MOVE_NONE;
	}
}

static void
describe(const struct movement *mv, const struct mv_iface *ifp,
    const struct mv_addr *a, struct movement_decision *d)
{
	char as[INET6_ADDRSTRLEN], rs[INET6_ADDRSTRLEN];

	if (ifp == NULL) {
		snprintf(d->why, sizeof(d->why), "no configured interface "
		    "with carrier, a default router and a usable address");
		return;
	}
	inet_ntop(AF_INET6, &a->addr, as, sizeof(as));
	inet_ntop(AF_INET6, &newest_router(ifp)->gw, rs, sizeof(rs));
	snprintf(d->why, sizeof(d->why), "%s %s/%u on %s, router %s",
	    home_ok(mv, a) ? "home address" : "address", as, a->plen,
	    ifp->name, rs);
}

enum move_kind
movement_evaluate(struct movement *mv, struct movement_decision *d)
{
	const struct mv_addr *a;
	const struct mv_iface *ifp = choose(mv, &a);
	enum mv_state s = MV_LOST;
	struct in6_addr coa = in6addr_any;
	unsigned ifindex = 0;

	memset(d, 0, sizeof(*d));
	if (ifp != NULL) {
		s = home_ok(mv, a) ? MV_HOME : MV_AWAY;
		coa = s == MV_HOME ? mv->hoa : a->addr;
		ifindex = ifp->ifindex;
		snprintf(d->ifname, sizeof(d->ifname), "%s", ifp->name);
		find_stale(mv, ifp, a, &d->stale);
	}
	describe(mv, ifp, a, d);
	d->kind = kind_for(mv, s, &coa, ifindex);
	d->state = s;
	d->coa = coa;
	d->ifindex = ifindex;
	if (d->kind != MOVE_NONE || (mv->state != s && s == MV_LOST))
		set_state(mv, s, &coa, ifindex, d->why);
	return d->kind;
}

enum move_kind
movement_event(struct movement *mv, const struct nlw_event *ev,
    struct movement_decision *d)
{
	switch (ev->kind) {
	case NLW_LINK:
		on_link(mv, ev);
		break;
	case NLW_ADDR:
		on_addr(mv, ev);
		break;
	case NLW_ROUTE:
		on_route(mv, ev);
		break;
	}
	return movement_evaluate(mv, d);
}
