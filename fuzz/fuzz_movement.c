/*
 * fuzz_movement.c: movement detection (mn/movement.h) fed with a
 * sequence of nlwatch events decoded from the input, plus DHoA
 * exclusions and late `interfaces` entries.
 *
 * Next to the engine runs a shadow model written from movement.h's
 * rules (links, global addresses with the event counter at which each
 * became usable, default routers with the counter at which each
 * appeared; the same table limits), and after every step the decision
 * is compared with the shadow's:
 *   - the state and kind agree with the previous decision (NEW_COA only
 *     when the CoA or interface changed, HOME once, LOST once);
 *   - AWAY: the CoA is a global address outside the home prefix, not
 *     the HoA, not excluded, not tentative/deprecated/temporary/DAD-
 *     failed, present on a configured interface that is up, has carrier
 *     and a default router; and it is the one the rules choose (the
 *     interface with the newest router, its newest usable address);
 *   - HOME: the CoA reported is the HoA, from a home address on such an
 *     interface; LOST: no such interface with a usable address exists;
 *   - the stale addresses and routers belong to the chosen interface,
 *     are neither the CoA nor the HoA nor excluded, within the limits.
 *
 * Input: one octet of set-up (home prefix length, configured names),
 * then events of a few octets each (see step()).
 */
#include <linux/if_addr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../mn/movement.h"

FUZZ_TARGET("movement");

#define NIFX		6	/* ifindex 1..6 */
#define MAX_STEPS	96
#define MAX_EXCL	MAX_STEPS	/* at most one per step */
#define MAX_NAMES	(MAX_STEPS + 3)

struct sh_addr {
	struct in6_addr	a;
	uint8_t		plen;
	uint32_t	flags;
	uint64_t	gen;
};

struct sh_router {
	struct in6_addr	gw;
	uint64_t	gen;
};

struct sh_if {
	bool		present;
	bool		link_seen, up, running;
	char		name[IF_NAMESIZE];
	size_t		na, nr;
	struct sh_addr	a[MV_MAX_ADDRS];
	struct sh_router r[MV_MAX_ROUTERS];
};

struct shadow {
	struct in6_addr	hoa, pfx;
	uint8_t		plen;
	char		names[MAX_NAMES][IF_NAMESIZE];
	size_t		nnames;
	struct in6_addr	excl[MAX_EXCL];
	size_t		nexcl;
	struct sh_if	ifs[NIFX + 1];	/* by ifindex */
	uint64_t	gen;
	/* the previous decision */
	enum mv_state	state;
	struct in6_addr	coa;
	unsigned	ifindex;
};

static bool
eq6(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, 16) == 0;
}

static bool
global(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	    !IN6_IS_ADDR_LINKLOCAL(a) && !IN6_IS_ADDR_MULTICAST(a) &&
	    !IN6_IS_ADDR_V4MAPPED(a) && !IN6_IS_ADDR_SITELOCAL(a);
}

static bool
in_prefix(const struct in6_addr *a, const struct in6_addr *p, unsigned len)
{
	for (unsigned bit = 0; bit < len && bit < 128; bit++) {
		unsigned m = 0x80u >> (bit % 8);

		if ((a->s6_addr[bit / 8] & m) != (p->s6_addr[bit / 8] & m))
			return false;
	}
	return true;
}

static bool
in_home(const struct shadow *s, const struct in6_addr *a)
{
	return eq6(a, &s->hoa) || in_prefix(a, &s->pfx, s->plen);
}

static bool
excluded(const struct shadow *s, const struct in6_addr *a)
{
	for (size_t i = 0; i < s->nexcl; i++)
		if (eq6(&s->excl[i], a))
			return true;
	return false;
}

static bool
coa_ok(const struct shadow *s, const struct sh_addr *a)
{
	return a->gen != 0 && !(a->flags & (IFA_F_DEPRECATED |
	    IFA_F_TEMPORARY)) && !in_home(s, &a->a) && !excluded(s, &a->a);
}

static bool
home_ok(const struct shadow *s, const struct sh_addr *a)
{
	return a->gen != 0 && in_home(s, &a->a);
}

static bool
configured(const struct shadow *s, const struct sh_if *i)
{
	if (!i->link_seen)
		return false;
	if (s->nnames == 0)
		return strcmp(i->name, "lo") != 0;
	for (size_t k = 0; k < s->nnames; k++)
		if (strcmp(s->names[k], i->name) == 0)
			return true;
	return false;
}

static bool
qualifies(const struct shadow *s, const struct sh_if *i)
{
	return i->present && configured(s, i) && i->up && i->running &&
	    i->nr > 0;
}

static uint64_t
newest_router(const struct sh_if *i)
{
	uint64_t g = 0;

	for (size_t k = 0; k < i->nr; k++)
		if (i->r[k].gen > g)
			g = i->r[k].gen;
	return g;
}

static const struct sh_addr *
newest_addr(const struct shadow *s, const struct sh_if *i)
{
	const struct sh_addr *best = NULL;

	for (size_t k = 0; k < i->na; k++)
		if ((coa_ok(s, &i->a[k]) || home_ok(s, &i->a[k])) &&
		    (best == NULL || i->a[k].gen > best->gen))
			best = &i->a[k];
	return best;
}

/* movement.h: the interface with the newest default router that has a
 * usable address, and its newest usable address. */
static unsigned
choose(const struct shadow *s, const struct sh_addr **ap)
{
	unsigned best = 0;
	uint64_t best_gen = 0;

	*ap = NULL;
	for (unsigned x = 1; x <= NIFX; x++) {
		const struct sh_if *i = &s->ifs[x];
		const struct sh_addr *a;

		if (!qualifies(s, i) || (a = newest_addr(s, i)) == NULL)
			continue;
		if (newest_router(i) > best_gen) {
			best = x;
			best_gen = newest_router(i);
			*ap = a;
		}
	}
	return best;
}

/* ---- the shadow follows the events ------------------------------------ */

static struct sh_if *
sh_get(struct shadow *s, unsigned x)
{
	struct sh_if *i = &s->ifs[x];

	if (!i->present) {
		memset(i, 0, sizeof(*i));
		i->present = true;
		snprintf(i->name, sizeof(i->name), "if%u", x);
	}
	return i;
}

static void
sh_event(struct shadow *s, const struct nlw_event *ev)
{
	struct sh_if *i = &s->ifs[ev->ifindex];
	size_t k;

	switch (ev->kind) {
	case NLW_LINK:
		if (ev->removed) {
			i->present = false;
			return;
		}
		i = sh_get(s, ev->ifindex);
		i->link_seen = true;
		snprintf(i->name, sizeof(i->name), "%s", ev->ifname);
		i->up = ev->up;
		i->running = ev->running;
		return;
	case NLW_ADDR:
		if (!global(&ev->addr) || (ev->removed && !i->present))
			return;
		i = sh_get(s, ev->ifindex);
		for (k = 0; k < i->na && !eq6(&i->a[k].a, &ev->addr); k++)
			;
		if (ev->removed) {
			if (k < i->na)
				i->a[k] = i->a[--i->na];
			return;
		}
		if (k == i->na) {
			if (i->na == MV_MAX_ADDRS)
				return;		/* table full: dropped */
			memset(&i->a[k], 0, sizeof(i->a[k]));
			i->a[k].a = ev->addr;
			i->na++;
		}
		i->a[k].plen = ev->plen;
		i->a[k].flags = ev->ifa_flags;
		if (ev->ifa_flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
			i->a[k].gen = 0;
		else if (i->a[k].gen == 0)
			i->a[k].gen = ++s->gen;
		return;
	case NLW_ROUTE:
		if (ev->removed && !i->present)
			return;
		i = sh_get(s, ev->ifindex);
		for (k = 0; k < i->nr && !eq6(&i->r[k].gw, &ev->addr); k++)
			;
		if (ev->removed) {
			if (k < i->nr)
				i->r[k] = i->r[--i->nr];
			return;
		}
		if (k < i->nr || i->nr == MV_MAX_ROUTERS)
			return;
		i->r[k].gw = ev->addr;
		i->r[k].gen = ++s->gen;
		i->nr++;
		return;
	}
}

/* ---- the comparison ------------------------------------------------------ */

static void
check(struct shadow *s, const struct movement *mv, enum move_kind kind,
    const struct movement_decision *d)
{
	const struct sh_addr *a;
	unsigned x = choose(s, &a);
	enum mv_state want = x == 0 ? MV_LOST : home_ok(s, a) ? MV_HOME :
	    MV_AWAY;
	struct in6_addr coa = want == MV_HOME ? s->hoa : want == MV_AWAY ?
	    a->a : in6addr_any;
	enum move_kind wk = MOVE_NONE;
	char b1[46], b2[46];

	FUZZ_CHECK(kind == d->kind, "returned %s, decision says %s",
	    move_kind_name(kind), move_kind_name(d->kind));
	FUZZ_CHECK(d->state == want, "state %s, the rules say %s (if%u)",
	    mv_state_name(d->state), mv_state_name(want), x);
	FUZZ_CHECK(mv->state == d->state, "engine state %s, decision %s",
	    mv_state_name(mv->state), mv_state_name(d->state));
	FUZZ_CHECK(d->ifindex == x && eq6(&d->coa, &coa), "decided %s on "
	    "if%u, the rules say %s on if%u", fuzz_a6(&d->coa, b1),
	    d->ifindex, fuzz_a6(&coa, b2), x);
	if (want == MV_AWAY) {
		FUZZ_CHECK(!in_home(s, &d->coa) && !excluded(s, &d->coa) &&
		    global(&d->coa), "AWAY with CoA %s (home, excluded or "
		    "not global)", fuzz_a6(&d->coa, b1));
		FUZZ_CHECK(!(a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED |
		    IFA_F_DEPRECATED | IFA_F_TEMPORARY)), "CoA flags %#x",
		    a->flags);
	}
	switch (want) {
	case MV_AWAY:
		if (s->state != MV_AWAY || !eq6(&s->coa, &coa) ||
		    s->ifindex != x)
			wk = MOVE_NEW_COA;
		break;
	case MV_HOME:
		wk = s->state != MV_HOME ? MOVE_HOME : MOVE_NONE;
		break;
	default:
		wk = s->state == MV_AWAY || s->state == MV_HOME ? MOVE_LOST :
		    MOVE_NONE;
		break;
	}
	FUZZ_CHECK(d->kind == wk, "kind %s after %s, want %s",
	    move_kind_name(d->kind), mv_state_name(s->state),
	    move_kind_name(wk));
	s->state = want;
	s->coa = coa;
	s->ifindex = x;

	/* Stale state of the link we left (method B). */
	FUZZ_CHECK(d->stale.naddrs <= MV_MAX_ADDRS &&
	    d->stale.nrouters <= MV_MAX_ROUTERS, "stale %zu/%zu",
	    d->stale.naddrs, d->stale.nrouters);
	if (d->stale.naddrs + d->stale.nrouters == 0)
		return;
	FUZZ_CHECK(x != 0 && d->stale.ifindex == x, "stale on if%u, chosen "
	    "if%u", d->stale.ifindex, x);
	for (size_t k = 0; k < d->stale.naddrs; k++) {
		const struct in6_addr *sa = &d->stale.addrs[k].addr;
		bool found = false;

		for (size_t j = 0; j < s->ifs[x].na; j++)
			found |= eq6(&s->ifs[x].a[j].a, sa);
		FUZZ_CHECK(found && !eq6(sa, &d->coa) && !eq6(sa, &s->hoa) &&
		    !excluded(s, sa), "stale address %s", fuzz_a6(sa, b1));
	}
	for (size_t k = 0; k < d->stale.nrouters; k++) {
		bool found = false, newest = false;

		for (size_t j = 0; j < s->ifs[x].nr; j++)
			if (eq6(&s->ifs[x].r[j].gw, &d->stale.routers[k])) {
				found = true;
				newest = s->ifs[x].r[j].gen ==
				    newest_router(&s->ifs[x]);
			}
		FUZZ_CHECK(found && !newest, "stale router %s",
		    fuzz_a6(&d->stale.routers[k], b1));
	}
}

/* ---- input decoding ---------------------------------------------------- */

static void
pick_name(struct fin *f, uint8_t sel, char out[IF_NAMESIZE + 8])
{
	static const char *const names[] = { "eth0", "wlan0", "lo", "mn0",
		"mn1" };
	size_t n;

	sel %= 6;
	if (sel < 5) {
		snprintf(out, IF_NAMESIZE, "%s", names[sel]);
		return;
	}
	n = fin_u8(f) % (IF_NAMESIZE + 4);
	fin_bytes(f, out, n);
	out[n] = '\0';
}

static void
pick_addr(struct fin *f, uint8_t sel, struct in6_addr *a)
{
	static const char *const base[] = { "2001:db8:10::100",
		"2001:db8:10::1:0", "2001:db8:2::", "2001:db8:3::", "fe80::",
		"", "2001:db8:4::", "::ffff:0.0.0.0" };

	sel %= 8;
	if (sel == 5) {
		fin_in6(f, a);
		return;
	}
	*a = fuzz_addr(base[sel]);
	if (sel != 0)
		a->s6_addr[15] = fin_u8(f) % 8;	/* few distinct values */
}

static void
do_event(struct shadow *s, struct movement *mv, struct nlw_event *ev)
{
	struct movement_decision d;
	enum move_kind k;

	k = movement_event(mv, ev, &d);
	sh_event(s, ev);
	check(s, mv, k, &d);
}

/*
 * One step. Octet op: bits 0-2 what (0-1 address, 2 link, 3 route,
 * 4 exclude, 5 add a name, 6 evaluate, 7 address with raw fields),
 * bit 3 removed, bits 4-6 ifindex (1..6).
 */
static void
step(struct shadow *s, struct movement *mv, struct fin *f)
{
	uint8_t op = fin_u8(f), x;
	struct movement_decision d;
	struct nlw_event ev;
	char name[IF_NAMESIZE + 8];
	enum move_kind k;
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.removed = (op & 8) != 0;
	ev.ifindex = 1 + (unsigned)(op >> 4 & 7) % NIFX;
	switch (op & 7) {
	case 0:
	case 1:
	case 7:
		ev.kind = NLW_ADDR;
		x = fin_u8(f);
		pick_addr(f, x, &ev.addr);
		ev.plen = (op & 7) == 7 ? fin_u8(f) : 64;
		ev.ifa_flags = (x & 0x80) ? fin_u8(f) : 0;
		if ((op & 7) == 7) {
			ev.ifa_flags = fin_u32(f);
			ev.valid_lft = fin_u32(f);
			ev.preferred_lft = fin_u32(f);
		}
		do_event(s, mv, &ev);
		break;
	case 2:
		ev.kind = NLW_LINK;
		x = fin_u8(f);
		pick_name(f, x, name);
		/* nlwatch terminates ifname (snprintf into IF_NAMESIZE) */
		snprintf(ev.ifname, sizeof(ev.ifname), "%s", name);
		ev.up = !(x & 0x40);
		ev.running = !(x & 0x80);
		do_event(s, mv, &ev);
		break;
	case 3:
		ev.kind = NLW_ROUTE;
		x = fin_u8(f);
		if (x & 0x80)
			fin_in6(f, &ev.addr);
		else {
			ev.addr = fuzz_addr("fe80::");
			ev.addr.s6_addr[15] = x % 8;
		}
		do_event(s, mv, &ev);
		break;
	case 4:
		x = fin_u8(f);
		pick_addr(f, x, &ev.addr);
		rc = movement_exclude(mv, &ev.addr, !ev.removed);
		FUZZ_CHECK(rc == 0, "movement_exclude gave %d", rc);
		if (!ev.removed && !excluded(s, &ev.addr))
			s->excl[s->nexcl++] = ev.addr;
		else if (ev.removed) {
			for (size_t i = 0; i < s->nexcl; i++)
				if (eq6(&s->excl[i], &ev.addr))
					s->excl[i] = s->excl[--s->nexcl];
		}
		k = movement_evaluate(mv, &d);
		check(s, mv, k, &d);
		break;
	case 5:
		x = fin_u8(f);
		pick_name(f, x, name);
		rc = movement_add_ifname(mv, name);
		FUZZ_CHECK((rc == 0) == (strlen(name) < IF_NAMESIZE),
		    "movement_add_ifname(\"%s\") gave %d", name, rc);
		if (rc == 0)
			memcpy(s->names[s->nnames++], name, strlen(name) + 1);
		k = movement_evaluate(mv, &d);
		check(s, mv, k, &d);
		break;
	default:
		k = movement_evaluate(mv, &d);
		check(s, mv, k, &d);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t plens[] = { 64, 64, 48, 128, 0, 63, 65, 72 };
	struct shadow *s;
	struct movement mv;
	struct fin f;
	uint8_t hdr;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		abort();
	fin_init(&f, data, size);
	hdr = fin_u8(&f);
	s->hoa = fuzz_addr("2001:db8:10::100");
	s->pfx = fuzz_addr("2001:db8:10::");
	s->plen = plens[hdr & 7];
	movement_init(&mv, &s->hoa, &s->pfx, s->plen);
	/* bits 3-4: which names are configured at start */
	for (unsigned i = 0; i < (hdr >> 3 & 3u); i++) {
		static const char *const n[] = { "eth0", "wlan0", "mn0" };

		FUZZ_CHECK(movement_add_ifname(&mv, n[i]) == 0, "add %s", n[i]);
		snprintf(s->names[s->nnames++], IF_NAMESIZE, "%s", n[i]);
	}
	for (unsigned i = 0; i < MAX_STEPS && !fin_empty(&f); i++)
		step(s, &mv, &f);
	movement_free(&mv);
	free(s);
	return 0;
}
