/*
 * dhcp6_sock.c: DHCPv6 UDP sockets bound to an interface, and the
 * interface's DUID-LL (see dhcp6_sock.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <sys/socket.h>

#include "dhcp6_ext.h"
#include "dhcp6_sock.h"

const struct in6_addr dhcp6_all_servers = { { { 0xff, 0x02, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 1, 0, 2 } } };

int
dhcp6_sock_open(const char *ifname, unsigned ifindex, uint16_t port,
    bool join, char *err, size_t errlen)
{
	struct sockaddr_in6 sa;
	struct ipv6_mreq mr;
	int fd, on = 1, off = 0, hops = 1, idx = (int)ifindex;
	const char *what;

	if ((fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		what = "socket";
		goto err;
	}
	what = "socket options";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
	    (socklen_t)strlen(ifname) + 1) == -1 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx,
	    sizeof(idx)) == -1 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops)) == -1 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off,
	    sizeof(off)) == -1)
		goto err;
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		what = "bind";
		goto err;
	}
	if (join) {
		memset(&mr, 0, sizeof(mr));
		mr.ipv6mr_multiaddr = dhcp6_all_servers;
		mr.ipv6mr_interface = ifindex;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr,
		    sizeof(mr)) == -1) {
			what = "join ff02::1:2";
			goto err;
		}
	}
	return fd;
err:
	snprintf(err, errlen, "%s: UDP port %u: %s: %s", ifname, port, what,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

ssize_t
dhcp6_sock_recv(int fd, uint8_t *buf, size_t cap, struct sockaddr_in6 *src,
    struct in6_addr *dst)
{
	union {
		struct cmsghdr	h;
		uint8_t		b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = src;
	mh.msg_namelen = sizeof(*src);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	memset(dst, 0, sizeof(*dst));
	if ((n = recvmsg(fd, &mh, 0)) == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR ? 0 : -1;
	if (mh.msg_flags & MSG_TRUNC)
		return (ssize_t)cap + 1;	/* the caller sees "too long" */
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			*dst = pi.ipi6_addr;
		}
	return n;
}

int
dhcp6_sock_send(int fd, const uint8_t *buf, size_t len,
    const struct in6_addr *dst, uint16_t port, unsigned ifindex)
{
	struct sockaddr_in6 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_addr = *dst;
	sa.sin6_port = htons(port);
	sa.sin6_scope_id = ifindex;
	return sendto(fd, buf, len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) == (ssize_t)len ? 0 : -1;
}

int
dhcp6_duid_from_if(const char *ifname, struct dhcp6_duid *d)
{
	struct ifaddrs *ifa, *i;
	int rc = -1;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL && rc == -1; i = i->ifa_next) {
		const struct sockaddr_ll *ll;

		if (i->ifa_addr == NULL ||
		    i->ifa_addr->sa_family != AF_PACKET ||
		    strcmp(i->ifa_name, ifname) != 0)
			continue;
		ll = (const struct sockaddr_ll *)(void *)i->ifa_addr;
		if (ll->sll_halen == 0 || ll->sll_halen > sizeof(ll->sll_addr))
			continue;
		/* ARPHRD_* are the IANA hardware types for Ethernet (1). */
		rc = dhcp6_duid_ll(d, ll->sll_hatype, ll->sll_addr,
		    ll->sll_halen);
	}
	freeifaddrs(ifa);
	if (rc == -1)
		errno = ENOENT;
	return rc;
}
