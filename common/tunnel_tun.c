/*
 * tunnel_tun.c: the portable backend (PROTOCOL.md H). One TUN device
 * carries every binding; a raw IPPROTO_IPV6 (41) socket bound to the
 * own endpoint sends and receives the outer packets, and the kernel
 * writes the outer header (RFC 2473 s3: source = entry point, next
 * header 41, no options). Recipe: TESTBED.md 3 (b).
 *
 *   tun -> raw: MN picks the peer by the inner SOURCE (HoA/DHoA), an
 *               anchor by the inner DESTINATION.
 *   raw -> tun: the same key on the inner packet, and the outer source
 *               must be that binding's peer, else it is dropped.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <netinet/ip6.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "log.h"
#include "nl_route.h"
#include "tunnel.h"

#define PUMP_BUDGET	64	/* packets per direction per call */
#define PKT_MAX		65536

struct tun_priv {
	int		tfd;		/* /dev/net/tun */
	int		rfd;		/* raw proto 41 */
	int		efd;		/* epoll over both: the one fd to poll */
	unsigned	ifindex;	/* of the TUN device */
	uint8_t		buf[PKT_MAX];
};

static int
open_tun(struct tunnel *t, struct tun_priv *p)
{
	struct ifreq ifr;
	char key[64];

	if ((p->tfd = open("/dev/net/tun", O_RDWR | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->cfg.tun_name);
	if (ioctl(p->tfd, TUNSETIFF, &ifr) == -1)
		return -errno;
	if ((p->ifindex = if_nametoindex(ifr.ifr_name)) == 0)
		return -errno;
	/* No link-local address, so no RS/MLD noise through the pump. */
	snprintf(key, sizeof(key), "net/ipv6/conf/%s/addr_gen_mode",
	    ifr.ifr_name);
	(void)nlr_sysctl_write(key, "1");
	return nlr_link_up(t->nl, p->ifindex, t->cfg.mtu);
}

static int
open_raw(const struct tunnel *t)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	int s, v;

	if ((s = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_IPV6)) == -1)
		return -errno;
	sin6.sin6_addr = t->cfg.local;
	if (bind(s, (struct sockaddr *)&sin6, sizeof(sin6)) == -1)
		goto err;
	/* Fragment the outer packet rather than drop (RFC 2473 s7). */
	v = IPV6_PMTUDISC_DONT;
	if (setsockopt(s, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v)) == -1)
		goto err;
	/* Room for a burst while the daemon is busy elsewhere: with the
	 * default buffer the raw socket dropped ~16 % of a 0.4 Gbit/s
	 * stream (bench/README.md). Best effort, as in mhsock.c. */
	v = 4 << 20;
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	/* Flow label 0, as the seg6 backend sends: identical wire bytes. */
	v = 0;
	(void)setsockopt(s, IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, &v, sizeof(v));
	return s;
err:
	v = -errno;
	close(s);
	return v;
}

static int
epoll_add(int efd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(efd, EPOLL_CTL_ADD, fd, &ev) == -1 ? -errno : 0;
}

static void
tun_close_fds(struct tun_priv *p)
{
	if (p->efd >= 0)
		close(p->efd);
	if (p->rfd >= 0)
		close(p->rfd);
	if (p->tfd >= 0)
		close(p->tfd);	/* a non-persistent TUN device vanishes */
	p->efd = p->rfd = p->tfd = -1;
}

static int
tun_init(struct tunnel *t)
{
	struct tun_priv *p;
	int rc;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	p->tfd = p->rfd = p->efd = -1;
	t->priv = p;
	if ((rc = open_tun(t, p)) < 0) {
		log_warnx("tun: %s: %s", t->cfg.tun_name, strerror(-rc));
		goto err;
	}
	if ((rc = p->rfd = open_raw(t)) < 0) {
		log_warnx("tun: raw proto-41 socket: %s", strerror(-rc));
		goto err;
	}
	if ((p->efd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (rc = epoll_add(p->efd, p->tfd)) < 0 ||
	    (rc = epoll_add(p->efd, p->rfd)) < 0) {
		rc = rc < 0 ? rc : -errno;
		goto err;
	}
	return 0;
err:
	tun_close_fds(p);
	free(p);
	t->priv = NULL;
	return rc;
}

/* MN: "default dev tun table N"; anchor: "<inner>/128 dev tun". */
static struct nlr_route
tun_route(const struct tunnel *t, const struct tunnel_bind *b)
{
	const struct tun_priv *p = t->priv;
	struct nlr_route r = { .oif = p->ifindex, .table = NLR_TABLE_MAIN };

	if (t->cfg.role == TUNNEL_ROLE_MN) {
		r.table = b->table;
	} else {
		r.dst = b->inner;
		r.plen = 128;
	}
	return r;
}

static int
tun_bind(struct tunnel *t, struct tunnel_bind *b)
{
	struct nlr_route r = tun_route(t, b);
	int rc;

	if ((rc = nlr_route_add(t->nl, &r, true)) < 0)
		return rc;
	if (t->cfg.role == TUNNEL_ROLE_MN &&
	    (rc = tunnel_mn_attach(t, b)) < 0) {
		nlr_route_del(t->nl, &r);
		return rc;
	}
	return 0;
}

/* The map entry already points at the new peer: nothing in the kernel. */
static int
tun_move(struct tunnel *t, struct tunnel_bind *b,
    const struct in6_addr *old_peer)
{
	(void)t;
	(void)b;
	(void)old_peer;
	return 0;
}

static int
tun_unbind(struct tunnel *t, struct tunnel_bind *b)
{
	struct nlr_route r = tun_route(t, b);
	int rc;

	if (t->cfg.role == TUNNEL_ROLE_MN)
		tunnel_mn_detach(t, b);
	if ((rc = nlr_route_del(t->nl, &r)) == -ESRCH || rc == -ENOENT)
		rc = 0;
	return rc;
}

/* A raw socket cannot be re-bound: open one on the new address first. */
static int
tun_set_local(struct tunnel *t, const struct in6_addr *old_local,
    unsigned old_ifindex)
{
	struct tun_priv *p = t->priv;
	int s, rc;

	(void)old_local;
	(void)old_ifindex;
	if ((s = open_raw(t)) < 0)
		return s;
	if ((rc = epoll_add(p->efd, s)) < 0) {
		close(s);
		return rc;
	}
	close(p->rfd);		/* also leaves the epoll set */
	p->rfd = s;
	return 0;
}

static void
tun_fini(struct tunnel *t)
{
	struct tun_priv *p = t->priv;

	if (p == NULL)
		return;
	tun_close_fds(p);
	free(p);
	t->priv = NULL;
}

static int
tun_fd(struct tunnel *t)
{
	const struct tun_priv *p = t->priv;

	return p->efd;
}

/*
 * The binding an inner packet belongs to; NULL if none. The key is the
 * inner source for MN-outbound and anchor-inbound packets (the HoA as
 * sender), else the inner destination.
 */
static struct tunnel_bind *
lookup(struct tunnel *t, const uint8_t *pkt, size_t n, bool outbound)
{
	const struct ip6_hdr *ip = (const void *)pkt;
	bool by_src = (t->cfg.role == TUNNEL_ROLE_MN) == outbound;
	struct in6_addr key;

	if (n < sizeof(*ip) || (pkt[0] >> 4) != 6)
		return NULL;
	memcpy(&key, by_src ? &ip->ip6_src : &ip->ip6_dst, 16);
	return tunnel_find(t, &key);
}

static void
pump_out(struct tunnel *t, struct tun_priv *p)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	struct tunnel_bind *b;
	ssize_t n;
	int i;

	for (i = 0; i < PUMP_BUDGET; i++) {
		if ((n = read(p->tfd, p->buf, sizeof(p->buf))) <= 0)
			return;
		if ((b = lookup(t, p->buf, (size_t)n, true)) == NULL) {
			t->stats.drop_unknown++;
			continue;
		}
		to.sin6_addr = b->peer;
		if (sendto(p->rfd, p->buf, (size_t)n, 0,
		    (struct sockaddr *)&to, sizeof(to)) == -1) {
			t->stats.drop_bad++;
			continue;
		}
		t->stats.encap_pkts++;
	}
}

static void
pump_in(struct tunnel *t, struct tun_priv *p)
{
	struct sockaddr_in6 from;
	struct tunnel_bind *b;
	socklen_t fl;
	ssize_t n;
	int i;

	for (i = 0; i < PUMP_BUDGET; i++) {
		fl = sizeof(from);
		if ((n = recvfrom(p->rfd, p->buf, sizeof(p->buf), 0,
		    (struct sockaddr *)&from, &fl)) <= 0)
			return;
		/* Only from the peer the inner address is bound to. */
		if ((b = lookup(t, p->buf, (size_t)n, false)) == NULL ||
		    memcmp(&b->peer, &from.sin6_addr, 16) != 0) {
			t->stats.drop_unknown++;
			continue;
		}
		if (write(p->tfd, p->buf, (size_t)n) != n) {
			t->stats.drop_bad++;
			continue;
		}
		t->stats.decap_pkts++;
	}
}

static void
tun_on_readable(struct tunnel *t)
{
	struct tun_priv *p = t->priv;

	pump_out(t, p);
	pump_in(t, p);
}

const struct tunnel_ops tunnel_tun_ops = {
	.name = "tun",
	.init = tun_init,
	.bind = tun_bind,
	.move = tun_move,
	.unbind = tun_unbind,
	.set_local = tun_set_local,
	.fini = tun_fini,
	.fd = tun_fd,
	.on_readable = tun_on_readable,
};
