/*
 * test_mn_dhcp6.c: when mnd tells its DHCPv6 client that a link
 * changed (mn/mn_dhcp6.h, RFC 8415 18.2.12): nlwatch's start-up dump
 * is no change; a link that comes back up with a carrier, or a default
 * router other than the last one on it, is, once the interface has a
 * link-local address that is not tentative (it is told then, once);
 * other interfaces, global addresses, a router withdrawn and announced
 * again, are not.
 */
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>

#include "mn_dhcp6.h"
#include "cu_main.h"

static struct nlw_event
link_ev(const char *name, unsigned ifindex, bool up, bool running)
{
	struct nlw_event e;

	memset(&e, 0, sizeof(e));
	e.kind = NLW_LINK;
	e.ifindex = ifindex;
	snprintf(e.ifname, sizeof(e.ifname), "%s", name);
	e.up = up;
	e.running = running;
	return e;
}

static struct nlw_event
route_ev(unsigned ifindex, const char *gw, bool removed)
{
	struct nlw_event e;

	memset(&e, 0, sizeof(e));
	e.kind = NLW_ROUTE;
	e.ifindex = ifindex;
	e.removed = removed;
	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, gw, &e.addr), 1);
	return e;
}

static struct nlw_event
addr_ev(unsigned ifindex, const char *a, uint32_t flags, bool removed)
{
	struct nlw_event e = route_ev(ifindex, a, removed);

	e.kind = NLW_ADDR;
	e.ifa_flags = flags;
	return e;
}

static void
fresh(struct mn_dhcp6_link *l)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->ifname, sizeof(l->ifname), "mn0");
}

static void
test_link_up_down(void)
{
	struct mn_dhcp6_link l;
	struct nlw_event e;

	fresh(&l);
	/* the dump: up and running, first seen, its link-local */
	e = link_ev("mn0", 5, true, true);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	CU_ASSERT_EQUAL(l.ifindex, 5);
	e = addr_ev(5, "fe80::5", 0, false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	/* the same again (flags changed elsewhere) */
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	/* carrier lost, then back: a change once */
	e = link_ev("mn0", 5, true, false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = link_ev("mn0", 5, true, true);
	CU_ASSERT_TRUE(mn_dhcp6_link_update(&l, &e));
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	/* admin down (the link-local goes), up without carrier, carrier:
	 * told when the link-local is back and no longer tentative */
	e = link_ev("mn0", 5, false, false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = addr_ev(5, "fe80::5", 0, true);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = link_ev("mn0", 5, true, false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = link_ev("mn0", 5, true, true);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = addr_ev(5, "2001:db8:1::100", 0, false);	/* not link-local */
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = addr_ev(5, "fe80::5", IFA_F_TENTATIVE, false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = addr_ev(5, "fe80::5", 0, false);
	CU_ASSERT_TRUE(mn_dhcp6_link_update(&l, &e));
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));	/* once */
	/* another link-local going away changes nothing */
	e = addr_ev(5, "fe80::99", 0, true);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	CU_ASSERT_TRUE(l.ll_ok);
	/* another interface changes nothing here */
	e = link_ev("wlan0", 6, false, false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = link_ev("wlan0", 6, true, true);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	CU_ASSERT_EQUAL(l.ifindex, 5);
	/* a link first seen down, then up: that is a change too (its
	 * link-local stayed) */
	fresh(&l);
	e = link_ev("mn0", 7, true, false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = addr_ev(7, "fe80::7", 0, false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = addr_ev(8, "fe80::8", 0, false);	/* another interface's */
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = link_ev("mn0", 7, true, true);
	CU_ASSERT_TRUE(mn_dhcp6_link_update(&l, &e));
	/* removed and back with another index and link-local */
	e = link_ev("mn0", 7, true, true);
	e.removed = true;
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	CU_ASSERT_EQUAL(l.ifindex, 0);
	e = link_ev("mn0", 9, true, true);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	CU_ASSERT_EQUAL(l.ifindex, 9);
	e = addr_ev(9, "fe80::9", 0, false);
	CU_ASSERT_TRUE(mn_dhcp6_link_update(&l, &e));
}

static void
test_routers(void)
{
	struct mn_dhcp6_link l;
	struct nlw_event e;

	fresh(&l);
	/* a route before the link is known: ignored */
	e = route_ev(5, "fe80::1", false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	CU_ASSERT_FALSE(l.has_gw);
	e = link_ev("mn0", 5, true, true);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = addr_ev(5, "fe80::5", 0, false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	/* the first router: no change; the same again: none */
	e = route_ev(5, "fe80::1", false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	/* withdrawn and announced again: the same link */
	e = route_ev(5, "fe80::1", true);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = route_ev(5, "fe80::1", false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	/* another interface's router */
	e = route_ev(6, "fe80::2", false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	/* a new router here: moved (handoff B), and back */
	e = route_ev(5, "fe80::2", false);
	CU_ASSERT_TRUE(mn_dhcp6_link_update(&l, &e));
	e = route_ev(5, "fe80::1", true);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = route_ev(5, "fe80::1", false);
	CU_ASSERT_TRUE(mn_dhcp6_link_update(&l, &e));
	/* address events are no link change */
	e = addr_ev(5, "2001:db8:1::100", 0, false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
	e = addr_ev(5, "fe80::5", 0, false);
	CU_ASSERT_FALSE(mn_dhcp6_link_update(&l, &e));
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "link down, up, removed", test_link_up_down },
		{ "default routers", test_routers },
		CU_TEST_INFO_NULL,
	};

	CU_SUITE("mn_dhcp6", tests);
	return 0;
}
