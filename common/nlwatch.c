/* nlwatch.c: rtnetlink link/address/default-route events (nlwatch.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "log.h"
#include "nlwatch.h"

struct nlwatch {
	struct nl_sock	*sk;		/* multicast events */
	struct nl_cb	*cb;		/* its callbacks (a reference) */
	nlw_fn		 fn;
	void		*arg;
	bool		 removing;	/* type of the message being parsed */
};

const char *
nlw_kind_name(enum nlw_kind k)
{
	switch (k) {
	case NLW_LINK:
		return "link";
	case NLW_ADDR:
		return "address";
	case NLW_ROUTE:
		return "default route";
	}
	return "?";
}

static void
from_link(struct rtnl_link *l, struct nlw_event *e)
{
	unsigned flags = rtnl_link_get_flags(l);
	const char *name = rtnl_link_get_name(l);

	e->kind = NLW_LINK;
	e->ifindex = (unsigned)rtnl_link_get_ifindex(l);
	snprintf(e->ifname, sizeof(e->ifname), "%s", name ? name : "");
	e->up = flags & IFF_UP;
	e->running = flags & IFF_RUNNING;
}

static bool
from_addr(struct rtnl_addr *a, struct nlw_event *e)
{
	struct nl_addr *local = rtnl_addr_get_local(a);

	if (rtnl_addr_get_family(a) != AF_INET6 || local == NULL ||
	    nl_addr_get_len(local) != 16)
		return false;
	e->kind = NLW_ADDR;
	e->ifindex = (unsigned)rtnl_addr_get_ifindex(a);
	memcpy(&e->addr, nl_addr_get_binary_addr(local), 16);
	e->plen = (uint8_t)rtnl_addr_get_prefixlen(a);
	e->ifa_flags = rtnl_addr_get_flags(a);
	e->valid_lft = rtnl_addr_get_valid_lifetime(a);
	e->preferred_lft = rtnl_addr_get_preferred_lifetime(a);
	return true;
}

/* Only IPv6 default routes of the main table matter for movement. */
static bool
from_route(struct rtnl_route *r, struct nlw_event *e)
{
	struct nl_addr *dst = rtnl_route_get_dst(r);
	struct rtnl_nexthop *nh;
	struct nl_addr *gw;

	if (rtnl_route_get_family(r) != AF_INET6 ||
	    rtnl_route_get_table(r) != RT_TABLE_MAIN ||
	    (dst != NULL && nl_addr_get_prefixlen(dst) != 0) ||
	    rtnl_route_get_nnexthops(r) < 1)
		return false;
	nh = rtnl_route_nexthop_n(r, 0);
	gw = rtnl_route_nh_get_gateway(nh);
	e->kind = NLW_ROUTE;
	e->ifindex = (unsigned)rtnl_route_nh_get_ifindex(nh);
	if (gw != NULL && nl_addr_get_len(gw) == 16)
		memcpy(&e->addr, nl_addr_get_binary_addr(gw), 16);
	return true;
}

static void
report(struct nl_object *obj, void *arg)
{
	struct nlwatch *w = arg;
	const char *type = nl_object_get_type(obj);
	struct nlw_event e;
	bool ok = true;

	memset(&e, 0, sizeof(e));
	e.removed = w->removing;
	if (strcmp(type, "route/link") == 0)
		from_link((struct rtnl_link *)obj, &e);
	else if (strcmp(type, "route/addr") == 0)
		ok = from_addr((struct rtnl_addr *)obj, &e);
	else if (strcmp(type, "route/route") == 0)
		ok = from_route((struct rtnl_route *)obj, &e);
	else
		ok = false;
	if (ok)
		w->fn(&e, w->arg);
}

static int
on_msg(struct nl_msg *msg, void *arg)
{
	struct nlwatch *w = arg;
	int t = nlmsg_hdr(msg)->nlmsg_type;

	w->removing = t == RTM_DELLINK || t == RTM_DELADDR ||
	    t == RTM_DELROUTE;
	nl_msg_parse(msg, report, w);
	w->removing = false;
	return NL_OK;
}

/* One cache at a time, reported as "added". */
static int
dump_cache(struct nlwatch *w, struct nl_sock *sk,
    int (*alloc)(struct nl_sock *, struct nl_cache **))
{
	struct nl_cache *c;
	int rc;

	if ((rc = alloc(sk, &c)) < 0) {
		log_warnx("netlink dump: %s", nl_geterror(rc));
		return -1;
	}
	nl_cache_foreach(c, report, w);
	nl_cache_free(c);
	return 0;
}

static int
link_cache(struct nl_sock *sk, struct nl_cache **c)
{
	return rtnl_link_alloc_cache(sk, AF_UNSPEC, c);
}

static int
route_msg(struct nl_msg *msg, void *arg)
{
	/* A route libnl cannot parse (seg6 encap, seg6local) is skipped;
	 * it is never a default route of the main table. */
	(void)nl_msg_parse(msg, report, arg);
	return NL_OK;
}

/*
 * Routes are dumped message by message rather than through
 * rtnl_route_alloc_cache(), which fails whole on the first route it
 * cannot parse: the seg6 routes a killed mnd leaves behind would stop
 * the next one from starting.
 */
static int
route_dump(struct nlwatch *w, struct nl_sock *sk)
{
	struct rtmsg rt = { .rtm_family = AF_INET6 };
	struct nl_cb *cb;
	int rc;

	if ((rc = nl_send_simple(sk, RTM_GETROUTE, NLM_F_DUMP, &rt,
	    sizeof(rt))) < 0) {
		log_warnx("netlink route dump: %s", nl_geterror(rc));
		return -1;
	}
	if ((cb = nl_cb_alloc(NL_CB_DEFAULT)) == NULL)
		return -1;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, route_msg, w);
	rc = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	if (rc < 0) {
		log_warnx("netlink route dump: %s", nl_geterror(rc));
		return -1;
	}
	return 0;
}

int
nlwatch_dump(struct nlwatch *w)
{
	struct nl_sock *sk = nl_socket_alloc();
	int rc = -1;

	if (sk == NULL)
		return -1;
	if (nl_connect(sk, NETLINK_ROUTE) == 0 &&
	    dump_cache(w, sk, link_cache) == 0 &&
	    dump_cache(w, sk, rtnl_addr_alloc_cache) == 0 &&
	    route_dump(w, sk) == 0)
		rc = 0;
	nl_socket_free(sk);
	return rc;
}

struct nlwatch *
nlwatch_open(nlw_fn fn, void *arg)
{
	struct nlwatch *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->fn = fn;
	w->arg = arg;
	if ((w->sk = nl_socket_alloc()) == NULL)
		goto fail;
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, w);
	w->cb = nl_socket_get_cb(w->sk);
	if (nl_connect(w->sk, NETLINK_ROUTE) < 0 ||
	    nl_socket_add_memberships(w->sk, RTNLGRP_LINK,
	    RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE, 0) < 0 ||
	    nl_socket_set_nonblocking(w->sk) < 0)
		goto fail;
	/* Subscribe first, then dump: a change in between is reported
	 * twice rather than lost. */
	if (nlwatch_dump(w) == -1)
		goto fail;
	return w;
fail:
	nlwatch_close(w);
	return NULL;
}

void
nlwatch_close(struct nlwatch *w)
{
	if (w == NULL)
		return;
	if (w->cb != NULL)
		nl_cb_put(w->cb);
	if (w->sk != NULL)
		nl_socket_free(w->sk);
	free(w);
}

int
nlwatch_fd(const struct nlwatch *w)
{
	return nl_socket_get_fd(w->sk);
}

int
nlwatch_read(struct nlwatch *w)
{
	int rc;

	/* nl_recvmsgs_report: messages handled, 0 when none is waiting. */
	while ((rc = nl_recvmsgs_report(w->sk, w->cb)) > 0)
		;
	if (rc == 0 || rc == -NLE_AGAIN)
		return 0;
	if (rc == -NLE_NOMEM) {
		/* ENOBUFS: events were lost; the state is re-read whole. */
		log_warnx("netlink overrun: re-reading links and addresses");
		return nlwatch_dump(w);
	}
	log_warnx("netlink: %s", nl_geterror(rc));
	return -1;
}
