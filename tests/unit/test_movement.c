/*
 * test_movement.c: movement detection (mn/movement.c) fed with
 * nlwatch-shaped events: TESTBED 5 method A (two interfaces) and
 * method B (one link, new router and prefix, stale state reported),
 * DAD, return home, loss of all links, deterministic choice.
 */
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <string.h>

#include "log.h"
#include "movement.h"
#include "cu_main.h"

#define MN0	2
#define MN1	3
#define MN2	4
#define ETH9	9	/* not configured */

static struct in6_addr HOA, HPFX;

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

static bool
same(const struct in6_addr *a, const char *s)
{
	struct in6_addr b = A(s);

	return memcmp(a, &b, sizeof(b)) == 0;
}

static void
mv_setup(struct movement *mv)
{
	HOA = A("2001:db8:1::100");
	HPFX = A("2001:db8:1::");
	movement_init(mv, &HOA, &HPFX, 64);
	CU_ASSERT_EQUAL(movement_add_ifname(mv, "mn0"), 0);
	CU_ASSERT_EQUAL(movement_add_ifname(mv, "mn1"), 0);
	CU_ASSERT_EQUAL(movement_add_ifname(mv, "mn2"), 0);
}

static enum move_kind
link_ev(struct movement *mv, unsigned ifindex, const char *name, bool up,
    struct movement_decision *d)
{
	struct nlw_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = NLW_LINK;
	ev.ifindex = ifindex;
	snprintf(ev.ifname, sizeof(ev.ifname), "%s", name);
	ev.up = up;
	ev.running = up;
	return movement_event(mv, &ev, d);
}

static enum move_kind
addr_ev(struct movement *mv, unsigned ifindex, const char *addr,
    uint32_t flags, bool removed, struct movement_decision *d)
{
	struct nlw_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = NLW_ADDR;
	ev.removed = removed;
	ev.ifindex = ifindex;
	ev.addr = A(addr);
	ev.plen = 64;
	ev.ifa_flags = flags;
	ev.valid_lft = 86400;
	ev.preferred_lft = 14400;
	return movement_event(mv, &ev, d);
}

static enum move_kind
route_ev(struct movement *mv, unsigned ifindex, const char *gw,
    bool removed, struct movement_decision *d)
{
	struct nlw_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = NLW_ROUTE;
	ev.removed = removed;
	ev.ifindex = ifindex;
	ev.addr = A(gw);
	return movement_event(mv, &ev, d);
}

/* mn1 attached to AR1 (2001:db8:2::/64): CoA on mn1. */
static void
attach_mn1(struct movement *mv, struct movement_decision *d)
{
	CU_ASSERT_EQUAL(link_ev(mv, MN1, "mn1", true, d), MOVE_NONE);
	CU_ASSERT_EQUAL(addr_ev(mv, MN1, "fe80::1:1", 0, false, d), MOVE_NONE);
	CU_ASSERT_EQUAL(addr_ev(mv, MN1, "2001:db8:2::a", 0, false, d),
	    MOVE_NONE);		/* no router yet */
	CU_ASSERT_EQUAL(route_ev(mv, MN1, "fe80::2:1", false, d), MOVE_NEW_COA);
	CU_ASSERT_TRUE(same(&d->coa, "2001:db8:2::a"));
	CU_ASSERT_EQUAL(d->ifindex, MN1);
	CU_ASSERT_STRING_EQUAL(d->ifname, "mn1");
	CU_ASSERT_EQUAL(d->state, MV_AWAY);
	CU_ASSERT_EQUAL(d->stale.naddrs, 0);
	CU_ASSERT_EQUAL(d->stale.nrouters, 0);
}

static void
test_first_attach(void)
{
	struct movement mv;
	struct movement_decision d;

	mv_setup(&mv);
	CU_ASSERT_EQUAL(mv.state, MV_UNKNOWN);
	attach_mn1(&mv, &d);
	CU_ASSERT_STRING_EQUAL(d.why,
	    "address 2001:db8:2::a/64 on mn1, router fe80::2:1");
	/* an RA refresh of the same address and router changes nothing */
	CU_ASSERT_EQUAL(addr_ev(&mv, MN1, "2001:db8:2::a", 0, false, &d),
	    MOVE_NONE);
	CU_ASSERT_EQUAL(route_ev(&mv, MN1, "fe80::2:1", false, &d), MOVE_NONE);
	CU_ASSERT_EQUAL(mv.state, MV_AWAY);
	movement_free(&mv);
}

/* TESTBED 5 method A: mn1 down, mn2 up with a new address and router. */
static void
test_method_a(void)
{
	struct movement mv;
	struct movement_decision d;

	mv_setup(&mv);
	attach_mn1(&mv, &d);
	CU_ASSERT_EQUAL(link_ev(&mv, MN2, "mn2", false, &d), MOVE_NONE);
	/* mn1 down: nothing usable until mn2 has its router */
	CU_ASSERT_EQUAL(link_ev(&mv, MN1, "mn1", false, &d), MOVE_LOST);
	CU_ASSERT_EQUAL(d.state, MV_LOST);
	CU_ASSERT_EQUAL(d.ifindex, 0);
	/* the kernel flushes mn1 */
	CU_ASSERT_EQUAL(route_ev(&mv, MN1, "fe80::2:1", true, &d), MOVE_NONE);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN1, "2001:db8:2::a", 0, true, &d),
	    MOVE_NONE);
	CU_ASSERT_EQUAL(link_ev(&mv, MN2, "mn2", true, &d), MOVE_NONE);
	CU_ASSERT_EQUAL(route_ev(&mv, MN2, "fe80::3:1", false, &d), MOVE_NONE);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN2, "2001:db8:3::b", 0, false, &d),
	    MOVE_NEW_COA);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:3::b"));
	CU_ASSERT_EQUAL(d.ifindex, MN2);
	CU_ASSERT_EQUAL(d.stale.naddrs, 0);
	CU_ASSERT_EQUAL(mv.state, MV_AWAY);
	movement_free(&mv);
}

/* Method A without a gap: mn2 attaches while mn1 still works. */
static void
test_newest_attachment_wins(void)
{
	struct movement mv;
	struct movement_decision d;

	mv_setup(&mv);
	attach_mn1(&mv, &d);
	link_ev(&mv, MN2, "mn2", true, &d);
	addr_ev(&mv, MN2, "2001:db8:3::b", 0, false, &d);
	CU_ASSERT_EQUAL(route_ev(&mv, MN2, "fe80::3:1", false, &d),
	    MOVE_NEW_COA);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:3::b"));
	/* mn2's router goes: back to mn1 */
	CU_ASSERT_EQUAL(route_ev(&mv, MN2, "fe80::3:1", true, &d),
	    MOVE_NEW_COA);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:2::a"));
	CU_ASSERT_EQUAL(d.ifindex, MN1);
	/* an unconfigured interface never gives a CoA */
	link_ev(&mv, ETH9, "eth9", true, &d);
	addr_ev(&mv, ETH9, "2001:db8:9::9", 0, false, &d);
	CU_ASSERT_EQUAL(route_ev(&mv, ETH9, "fe80::9:1", false, &d),
	    MOVE_NONE);
	CU_ASSERT_EQUAL(d.ifindex, MN1);
	movement_free(&mv);
}

/* TESTBED 5 method B: the port moves to br2, mn0 stays up. */
static void
test_method_b(void)
{
	struct movement mv;
	struct movement_decision d;

	mv_setup(&mv);
	link_ev(&mv, MN0, "mn0", true, &d);
	addr_ev(&mv, MN0, "2001:db8:2::a", 0, false, &d);
	CU_ASSERT_EQUAL(route_ev(&mv, MN0, "fe80::2:1", false, &d),
	    MOVE_NEW_COA);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:2::a"));
	/* the new AR's RA: router first, then the address (DAD) */
	CU_ASSERT_EQUAL(route_ev(&mv, MN0, "fe80::3:1", false, &d), MOVE_NONE);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:2::a"));	/* still usable */
	CU_ASSERT_EQUAL(d.stale.naddrs, 0);
	/* ... and the router of the address in use is not stale either */
	CU_ASSERT_EQUAL(d.stale.nrouters, 0);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN0, "2001:db8:3::a", IFA_F_TENTATIVE,
	    false, &d), MOVE_NONE);
	CU_ASSERT_EQUAL(d.stale.naddrs, 0);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN0, "2001:db8:3::a", 0, false, &d),
	    MOVE_NEW_COA);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:3::a"));
	CU_ASSERT_EQUAL(d.ifindex, MN0);
	CU_ASSERT_EQUAL(d.stale.ifindex, MN0);
	CU_ASSERT_EQUAL_FATAL(d.stale.naddrs, 1);
	CU_ASSERT_TRUE(same(&d.stale.addrs[0].addr, "2001:db8:2::a"));
	CU_ASSERT_EQUAL(d.stale.addrs[0].plen, 64);
	CU_ASSERT_EQUAL_FATAL(d.stale.nrouters, 1);
	CU_ASSERT_TRUE(same(&d.stale.routers[0], "fe80::2:1"));
	/* reported again until pruned, without a new decision */
	CU_ASSERT_EQUAL(addr_ev(&mv, MN0, "2001:db8:3::a", 0, false, &d),
	    MOVE_NONE);
	CU_ASSERT_EQUAL(d.stale.naddrs, 1);
	/* the caller prunes */
	route_ev(&mv, MN0, "fe80::2:1", true, &d);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN0, "2001:db8:2::a", 0, true, &d),
	    MOVE_NONE);
	CU_ASSERT_EQUAL(d.stale.naddrs, 0);
	CU_ASSERT_EQUAL(d.stale.nrouters, 0);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:3::a"));
	movement_free(&mv);
}

/* Method B with the new prefix's address before its router: the
 * stale set appears with the router. */
static void
test_method_b_address_first(void)
{
	struct movement mv;
	struct movement_decision d;

	mv_setup(&mv);
	link_ev(&mv, MN0, "mn0", true, &d);
	addr_ev(&mv, MN0, "2001:db8:2::a", 0, false, &d);
	route_ev(&mv, MN0, "fe80::2:1", false, &d);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN0, "2001:db8:3::a", 0, false, &d),
	    MOVE_NEW_COA);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:3::a"));
	CU_ASSERT_EQUAL(d.stale.naddrs, 0);
	CU_ASSERT_EQUAL(d.stale.nrouters, 0);
	CU_ASSERT_EQUAL(route_ev(&mv, MN0, "fe80::3:1", false, &d), MOVE_NONE);
	CU_ASSERT_EQUAL_FATAL(d.stale.naddrs, 1);
	CU_ASSERT_TRUE(same(&d.stale.addrs[0].addr, "2001:db8:2::a"));
	CU_ASSERT_EQUAL_FATAL(d.stale.nrouters, 1);
	CU_ASSERT_TRUE(same(&d.stale.routers[0], "fe80::2:1"));
	movement_free(&mv);
}

/* A second router with the same prefix is not a move. */
static void
test_second_router_same_prefix(void)
{
	struct movement mv;
	struct movement_decision d;

	mv_setup(&mv);
	link_ev(&mv, MN0, "mn0", true, &d);
	addr_ev(&mv, MN0, "2001:db8:2::a", 0, false, &d);
	route_ev(&mv, MN0, "fe80::2:1", false, &d);
	CU_ASSERT_EQUAL(route_ev(&mv, MN0, "fe80::2:2", false, &d), MOVE_NONE);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN0, "2001:db8:2::b", 0, false, &d),
	    MOVE_NEW_COA);	/* a newer address of the same prefix */
	CU_ASSERT_EQUAL(d.stale.naddrs, 0);
	CU_ASSERT_EQUAL(d.stale.nrouters, 0);
	movement_free(&mv);
}

static void
test_tentative_deprecated(void)
{
	struct movement mv;
	struct movement_decision d;

	mv_setup(&mv);
	link_ev(&mv, MN1, "mn1", true, &d);
	route_ev(&mv, MN1, "fe80::2:1", false, &d);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN1, "2001:db8:2::a", IFA_F_TENTATIVE,
	    false, &d), MOVE_NONE);
	CU_ASSERT_EQUAL(d.state, MV_LOST);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN1, "2001:db8:2::a", IFA_F_DADFAILED,
	    false, &d), MOVE_NONE);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN1, "2001:db8:2::b", IFA_F_DEPRECATED,
	    false, &d), MOVE_NONE);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN1, "2001:db8:2::c", IFA_F_TENTATIVE,
	    false, &d), MOVE_NONE);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN1, "2001:db8:2::e", IFA_F_TEMPORARY,
	    false, &d), MOVE_NONE);
	/* DAD completes */
	CU_ASSERT_EQUAL(addr_ev(&mv, MN1, "2001:db8:2::c", 0, false, &d),
	    MOVE_NEW_COA);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:2::c"));
	/* the CoA gets deprecated while a fresh one exists: switch */
	addr_ev(&mv, MN1, "2001:db8:2::d", IFA_F_TENTATIVE, false, &d);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN1, "2001:db8:2::c", IFA_F_DEPRECATED,
	    false, &d), MOVE_LOST);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN1, "2001:db8:2::d", 0, false, &d),
	    MOVE_NEW_COA);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:2::d"));
	movement_free(&mv);
}

/* HoA and DHoAs live on lo / tunnels; even on an access link they are
 * never a CoA. */
static void
test_excluded(void)
{
	struct movement mv;
	struct movement_decision d;
	struct in6_addr dhoa = A("2001:db8:d::5");

	mv_setup(&mv);
	CU_ASSERT_EQUAL(movement_exclude(&mv, &dhoa, true), 0);
	link_ev(&mv, MN1, "mn1", true, &d);
	route_ev(&mv, MN1, "fe80::2:1", false, &d);
	addr_ev(&mv, MN1, "2001:db8:2::a", 0, false, &d);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN1, "2001:db8:d::5", 0, false, &d),
	    MOVE_NONE);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:2::a"));
	/* link-local and addresses on lo are ignored */
	link_ev(&mv, 1, "lo", true, &d);
	addr_ev(&mv, 1, "2001:db8:1::100", 0, false, &d);
	CU_ASSERT_EQUAL(d.state, MV_AWAY);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:2::a"));
	/* excluded no more: it is the newest address */
	CU_ASSERT_EQUAL(movement_exclude(&mv, &dhoa, false), 0);
	CU_ASSERT_EQUAL(movement_evaluate(&mv, &d), MOVE_NEW_COA);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:d::5"));
	movement_free(&mv);
}

static void
test_home(void)
{
	struct movement mv;
	struct movement_decision d;

	mv_setup(&mv);
	/* start at home: SLAAC address in the home prefix */
	link_ev(&mv, MN0, "mn0", true, &d);
	addr_ev(&mv, MN0, "2001:db8:1::77", 0, false, &d);
	CU_ASSERT_EQUAL(route_ev(&mv, MN0, "fe80::1:1", false, &d),
	    MOVE_HOME);
	CU_ASSERT_EQUAL(d.state, MV_HOME);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:1::100"));	/* the HoA */
	/* method B away: new router, new prefix; home address is stale */
	route_ev(&mv, MN0, "fe80::2:1", false, &d);
	CU_ASSERT_EQUAL(d.state, MV_HOME);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN0, "2001:db8:2::a", 0, false, &d),
	    MOVE_NEW_COA);
	CU_ASSERT_EQUAL_FATAL(d.stale.naddrs, 1);
	CU_ASSERT_TRUE(same(&d.stale.addrs[0].addr, "2001:db8:1::77"));
	CU_ASSERT_TRUE(same(&d.stale.routers[0], "fe80::1:1"));
	route_ev(&mv, MN0, "fe80::1:1", true, &d);
	addr_ev(&mv, MN0, "2001:db8:1::77", 0, true, &d);
	/* and back home the same way: the HoA itself on the link */
	CU_ASSERT_EQUAL(route_ev(&mv, MN0, "fe80::1:1", false, &d), MOVE_NONE);
	CU_ASSERT_EQUAL(addr_ev(&mv, MN0, "2001:db8:1::100", 0, false, &d),
	    MOVE_HOME);
	CU_ASSERT_EQUAL(d.ifindex, MN0);
	CU_ASSERT_EQUAL_FATAL(d.stale.naddrs, 1);
	CU_ASSERT_TRUE(same(&d.stale.addrs[0].addr, "2001:db8:2::a"));
	CU_ASSERT_TRUE(same(&d.stale.routers[0], "fe80::2:1"));
	movement_free(&mv);
}

static void
test_all_down(void)
{
	struct movement mv;
	struct movement_decision d;
	struct nlw_event ev;

	mv_setup(&mv);
	attach_mn1(&mv, &d);
	link_ev(&mv, MN2, "mn2", true, &d);
	addr_ev(&mv, MN2, "2001:db8:3::b", 0, false, &d);
	route_ev(&mv, MN2, "fe80::3:1", false, &d);
	CU_ASSERT_EQUAL(link_ev(&mv, MN2, "mn2", false, &d), MOVE_NEW_COA);
	CU_ASSERT_EQUAL(d.ifindex, MN1);
	/* carrier loss alone counts as down */
	memset(&ev, 0, sizeof(ev));
	ev.kind = NLW_LINK;
	ev.ifindex = MN1;
	snprintf(ev.ifname, sizeof(ev.ifname), "mn1");
	ev.up = true;
	ev.running = false;
	CU_ASSERT_EQUAL(movement_event(&mv, &ev, &d), MOVE_LOST);
	CU_ASSERT_EQUAL(d.state, MV_LOST);
	CU_ASSERT_TRUE(same(&d.coa, "::"));
	CU_ASSERT_EQUAL(link_ev(&mv, MN1, "mn1", false, &d), MOVE_NONE);
	/* carrier back: the same CoA is new again after a loss */
	CU_ASSERT_EQUAL(link_ev(&mv, MN1, "mn1", true, &d), MOVE_NEW_COA);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:2::a"));
	/* the link disappears entirely */
	ev.removed = true;
	CU_ASSERT_EQUAL(movement_event(&mv, &ev, &d), MOVE_LOST);
	CU_ASSERT_EQUAL(mv.nifaces, 1);		/* mn2 */
	movement_free(&mv);
}

/* The same events in the same order give the same answer; a different
 * order of attachment gives the other one. */
static void
test_deterministic(void)
{
	struct movement mv;
	struct movement_decision d;
	struct in6_addr first;

	for (int round = 0; round < 2; round++) {
		mv_setup(&mv);
		/* both links come up with routers in one go */
		link_ev(&mv, MN2, "mn2", true, &d);
		link_ev(&mv, MN1, "mn1", true, &d);
		addr_ev(&mv, MN1, "2001:db8:2::a", 0, false, &d);
		addr_ev(&mv, MN2, "2001:db8:3::b", 0, false, &d);
		addr_ev(&mv, MN2, "2001:db8:3::c", 0, false, &d);
		route_ev(&mv, MN2, "fe80::3:1", false, &d);
		route_ev(&mv, MN1, "fe80::2:1", false, &d);
		CU_ASSERT_EQUAL(d.ifindex, MN1);
		if (round == 0)
			first = d.coa;
		else
			CU_ASSERT_EQUAL(memcmp(&first, &d.coa,
			    sizeof(first)), 0);
		movement_free(&mv);
	}
	mv_setup(&mv);
	link_ev(&mv, MN2, "mn2", true, &d);
	link_ev(&mv, MN1, "mn1", true, &d);
	addr_ev(&mv, MN1, "2001:db8:2::a", 0, false, &d);
	addr_ev(&mv, MN2, "2001:db8:3::b", 0, false, &d);
	addr_ev(&mv, MN2, "2001:db8:3::c", 0, false, &d);
	route_ev(&mv, MN1, "fe80::2:1", false, &d);
	route_ev(&mv, MN2, "fe80::3:1", false, &d);
	CU_ASSERT_EQUAL(d.ifindex, MN2);
	CU_ASSERT_TRUE(same(&d.coa, "2001:db8:3::c"));	/* newest address */
	CU_ASSERT_EQUAL(mv.nifaces, 2);
	CU_ASSERT_TRUE(mv.ifaces[0].ifindex < mv.ifaces[1].ifindex);
	movement_free(&mv);
}

static void
test_names(void)
{
	struct movement mv;

	CU_ASSERT_STRING_EQUAL(mv_state_name(MV_HOME), "home");
	CU_ASSERT_STRING_EQUAL(mv_state_name(MV_STATE_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(move_kind_name(MOVE_NEW_COA), "new-coa");
	CU_ASSERT_STRING_EQUAL(move_kind_name(MOVE_LOST), "lost");
	mv_setup(&mv);
	CU_ASSERT_EQUAL(movement_add_ifname(&mv,
	    "a-name-much-too-long"), -1);
	movement_free(&mv);
}

static CU_TestInfo movement_tests[] = {
	{ "first attachment", test_first_attach },
	{ "method A: mn1 down, mn2 up", test_method_a },
	{ "newest attachment wins", test_newest_attachment_wins },
	{ "method B: stale address and router", test_method_b },
	{ "method B: address before router", test_method_b_address_first },
	{ "second router, same prefix", test_second_router_same_prefix },
	{ "tentative, DAD failed, deprecated", test_tentative_deprecated },
	{ "HoA and DHoAs excluded", test_excluded },
	{ "home, away and home again", test_home },
	{ "all links down", test_all_down },
	{ "deterministic", test_deterministic },
	{ "names", test_names },
	CU_TEST_INFO_NULL
};

static int
cu_register(void)
{
	log_setlevel(LOG_LVL_WARN);
	CU_SUITE("movement", movement_tests);
	return 0;
}
