/*
 * tunnel_ip6tnl.c: kernel ip6ip6 devices through libnl's
 * rtnl_link_ip6_tnl_* helpers (PROTOCOL.md H, B.12), one device per
 * peer, shared by every inner address bound to that peer. Created with
 * IP6_TNL_F_IGN_ENCAP_LIMIT so no encapsulation-limit option is sent
 * (RFC 2473 s5; Linux adds one by default), hop limit 64, MTU 1440.
 *
 * Needs CONFIG_IPV6_TUNNEL. The CI kernel lacks it (TESTBED.md), so
 * init() probes by creating and deleting a device and fails with a
 * clear message; the routes and rules mirror the other backends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/ip6_tunnel.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/ip6tnl.h>

#include "log.h"
#include "nl_route.h"
#include "tunnel.h"

#define TNL_HOPLIMIT	64	/* Linux default, PROTOCOL.md B.12 */

struct peer_dev {
	struct in6_addr	 peer;
	unsigned	 ifindex;
	unsigned	 refs;
	struct peer_dev	*next;
};

struct ip6_priv {
	struct nl_sock	*sk;
	struct peer_dev	*devs;
	unsigned	 seq;		/* device names dmip6t<seq> */
};

static struct rtnl_link *
tnl_link(const struct tunnel *t, const char *name, const struct in6_addr *peer)
{
	struct in6_addr local = t->cfg.local, remote = *peer;
	struct rtnl_link *l;

	if ((l = rtnl_link_ip6_tnl_alloc()) == NULL)
		return NULL;
	if (name != NULL)
		rtnl_link_set_name(l, name);
	rtnl_link_ip6_tnl_set_local(l, &local);
	rtnl_link_ip6_tnl_set_remote(l, &remote);
	rtnl_link_ip6_tnl_set_proto(l, IPPROTO_IPV6);	/* ip6ip6 only */
	rtnl_link_ip6_tnl_set_ttl(l, TNL_HOPLIMIT);
	rtnl_link_ip6_tnl_set_encaplimit(l, 0);
	rtnl_link_ip6_tnl_set_flags(l, IP6_TNL_F_IGN_ENCAP_LIMIT);
	rtnl_link_set_mtu(l, t->cfg.mtu);
	return l;
}

/* Create a device to peer; its ifindex, or -errno. */
static int
dev_create(struct tunnel *t, struct ip6_priv *p, const char *name,
    const struct in6_addr *peer)
{
	struct rtnl_link *l;
	unsigned ifindex;
	int rc;

	if ((l = tnl_link(t, name, peer)) == NULL)
		return -ENOMEM;
	rc = rtnl_link_add(p->sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	if (rc < 0) {
		log_warnx("ip6tnl: creating %s: %s", name, nl_geterror(rc));
		return rc == -NLE_OPNOTSUPP ? -EOPNOTSUPP : -EIO;
	}
	if ((ifindex = if_nametoindex(name)) == 0)
		return -errno;
	if ((rc = nlr_link_up(t->nl, ifindex, t->cfg.mtu)) < 0) {
		nlr_link_del(t->nl, ifindex);
		return rc;
	}
	return (int)ifindex;
}

static int
ip6_init(struct tunnel *t)
{
	struct ip6_priv *p;
	struct in6_addr any = IN6ADDR_ANY_INIT;
	char name[IF_NAMESIZE];
	int rc;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	if ((p->sk = nl_socket_alloc()) == NULL ||
	    nl_connect(p->sk, NETLINK_ROUTE) < 0) {
		rc = -EIO;
		goto err;
	}
	t->priv = p;
	snprintf(name, sizeof(name), "dmip6probe");
	if ((rc = dev_create(t, p, name, &any)) < 0) {
		if (rc == -EOPNOTSUPP)
			log_warnx("ip6tnl backend: kernel has no ip6_tunnel "
			    "support; use the seg6 or tun backend");
		goto err;
	}
	nlr_link_del(t->nl, (unsigned)rc);
	return 0;
err:
	if (p->sk != NULL)
		nl_socket_free(p->sk);
	free(p);
	t->priv = NULL;
	return rc;
}

/* The device to peer, created on first use; a reference is taken. */
static struct peer_dev *
dev_get(struct tunnel *t, const struct in6_addr *peer)
{
	struct ip6_priv *p = t->priv;
	struct peer_dev *d;
	char name[IF_NAMESIZE];
	int rc;

	for (d = p->devs; d; d = d->next)
		if (memcmp(&d->peer, peer, 16) == 0) {
			d->refs++;
			return d;
		}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	snprintf(name, sizeof(name), "dmip6t%u", p->seq++);
	if ((rc = dev_create(t, p, name, peer)) < 0) {
		free(d);
		return NULL;
	}
	d->peer = *peer;
	d->ifindex = (unsigned)rc;
	d->refs = 1;
	d->next = p->devs;
	p->devs = d;
	return d;
}

static void
dev_put(struct tunnel *t, unsigned ifindex)
{
	struct ip6_priv *p = t->priv;
	struct peer_dev **pp, *d;

	for (pp = &p->devs; (d = *pp) != NULL; pp = &d->next)
		if (d->ifindex == ifindex) {
			if (--d->refs > 0)
				return;
			*pp = d->next;
			nlr_link_del(t->nl, d->ifindex);
			free(d);
			return;
		}
}

static struct nlr_route
dev_route(const struct tunnel *t, const struct tunnel_bind *b, unsigned dev)
{
	struct nlr_route r = { .oif = dev, .table = NLR_TABLE_MAIN };

	if (t->cfg.role == TUNNEL_ROLE_MN) {
		r.table = b->table;
	} else {
		r.dst = b->inner;
		r.plen = 128;
	}
	return r;
}

static int
ip6_bind(struct tunnel *t, struct tunnel_bind *b)
{
	struct peer_dev *d;
	struct nlr_route r;
	int rc;

	if ((d = dev_get(t, &b->peer)) == NULL)
		return -EIO;
	r = dev_route(t, b, d->ifindex);
	if ((rc = nlr_route_add(t->nl, &r, true)) < 0 ||
	    (t->cfg.role == TUNNEL_ROLE_MN &&
	    (rc = tunnel_mn_attach(t, b)) < 0)) {
		dev_put(t, d->ifindex);
		return rc;
	}
	b->dev = d->ifindex;
	return 0;
}

static int
ip6_move(struct tunnel *t, struct tunnel_bind *b,
    const struct in6_addr *old_peer)
{
	struct peer_dev *d;
	struct nlr_route r;
	int rc;

	(void)old_peer;
	if ((d = dev_get(t, &b->peer)) == NULL)
		return -EIO;
	r = dev_route(t, b, d->ifindex);
	if ((rc = nlr_route_add(t->nl, &r, true)) < 0) {
		dev_put(t, d->ifindex);
		return rc;
	}
	dev_put(t, b->dev);
	b->dev = d->ifindex;
	return 0;
}

static int
ip6_unbind(struct tunnel *t, struct tunnel_bind *b)
{
	struct nlr_route r = dev_route(t, b, b->dev);

	if (t->cfg.role == TUNNEL_ROLE_MN)
		tunnel_mn_detach(t, b);
	nlr_route_del(t->nl, &r);
	dev_put(t, b->dev);
	return 0;
}

/* ip6tnl's changelink resets every parameter not given, so each device
 * gets its full parameter set again with the new local address. */
static int
ip6_set_local(struct tunnel *t, const struct in6_addr *old_local,
    unsigned old_ifindex)
{
	struct ip6_priv *p = t->priv;
	struct rtnl_link *orig, *chg;
	struct peer_dev *d;
	int rc, ret = 0;

	(void)old_local;
	(void)old_ifindex;
	for (d = p->devs; d; d = d->next) {
		if (rtnl_link_get_kernel(p->sk, (int)d->ifindex, NULL,
		    &orig) < 0) {
			ret = -ENODEV;
			continue;
		}
		if ((chg = tnl_link(t, NULL, &d->peer)) == NULL) {
			rtnl_link_put(orig);
			return -ENOMEM;
		}
		if ((rc = rtnl_link_change(p->sk, orig, chg, 0)) < 0) {
			log_warnx("ip6tnl: new local address: %s",
			    nl_geterror(rc));
			ret = -EIO;
		}
		rtnl_link_put(chg);
		rtnl_link_put(orig);
	}
	return ret;
}

static void
ip6_fini(struct tunnel *t)
{
	struct ip6_priv *p = t->priv;
	struct peer_dev *d;

	if (p == NULL)
		return;
	while ((d = p->devs) != NULL) {
		p->devs = d->next;
		nlr_link_del(t->nl, d->ifindex);
		free(d);
	}
	nl_socket_free(p->sk);
	free(p);
	t->priv = NULL;
}

static int
ip6_fd(struct tunnel *t)
{
	(void)t;
	return -1;
}

static void
ip6_on_readable(struct tunnel *t)
{
	(void)t;
}

const struct tunnel_ops tunnel_ip6tnl_ops = {
	.name = "ip6tnl",
	.init = ip6_init,
	.bind = ip6_bind,
	.move = ip6_move,
	.unbind = ip6_unbind,
	.set_local = ip6_set_local,
	.fini = ip6_fini,
	.fd = ip6_fd,
	.on_readable = ip6_on_readable,
};
