/* mhsock.c: raw MH and UDP/5135 transports (see mhsock.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "dmip_proto.h"
#include "inet_csum.h"
#include "mhsock.h"

struct mhsock {
	int			fd;
	enum mh_transport	transport;
	uint16_t		port;
	struct mhsock_stats	stats;
};

static int
sock_setup(int fd, enum mh_transport tr)
{
	int on = 1, off = MH_CSUM_OFF;

	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof(on)) == -1)
		return -1;
	/* The kernel does this for proto 135 already (TESTBED.md 4);
	 * saying it keeps us correct on kernels that do not. */
	if (tr == MH_TRANSPORT_RAW && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_CHECKSUM, &off, sizeof(off)) == -1)
		return -1;
	if (tr == MH_TRANSPORT_UDP && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		return -1;
	return 0;
}

struct mhsock *
mhsock_open(enum mh_transport tr, const struct in6_addr *bind_addr,
    uint16_t udp_port, char *err, size_t errlen)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	socklen_t slen = sizeof(sin6);
	struct mhsock *s;
	int type = tr == MH_TRANSPORT_RAW ? SOCK_RAW : SOCK_DGRAM;
	int proto = tr == MH_TRANSPORT_RAW ? IPPROTO_MH_NUM : IPPROTO_UDP;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->transport = tr;
	s->fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (s->fd == -1) {
		snprintf(err, errlen, "%s socket: %s%s",
		    tr == MH_TRANSPORT_RAW ? "raw Mobility Header" : "UDP",
		    strerror(errno), errno == EPERM ?
		    " (needs CAP_NET_RAW; transport = \"udp\" does not)" : "");
		free(s);
		return NULL;
	}
	if (bind_addr != NULL)
		sin6.sin6_addr = *bind_addr;
	sin6.sin6_port = tr == MH_TRANSPORT_UDP ? htons(udp_port) : 0;
	if (sock_setup(s->fd, tr) == -1 ||
	    bind(s->fd, (struct sockaddr *)&sin6, sizeof(sin6)) == -1 ||
	    getsockname(s->fd, (struct sockaddr *)&sin6, &slen) == -1) {
		snprintf(err, errlen, "MH socket set-up: %s", strerror(errno));
		mhsock_close(s);
		return NULL;
	}
	s->port = tr == MH_TRANSPORT_UDP ? ntohs(sin6.sin6_port) : 0;
	return s;
}

void
mhsock_close(struct mhsock *s)
{
	if (s == NULL)
		return;
	close(s->fd);
	free(s);
}

int
mhsock_fd(const struct mhsock *s)
{
	return s->fd;
}

enum mh_transport
mhsock_transport(const struct mhsock *s)
{
	return s->transport;
}

uint16_t
mhsock_local_port(const struct mhsock *s)
{
	return s->port;
}

const struct mhsock_stats *
mhsock_stats(const struct mhsock *s)
{
	return &s->stats;
}

/* Destination address and interface from IPV6_PKTINFO. */
static void
rx_pktinfo(struct msghdr *msg, struct mh_rxinfo *ri)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	    c = CMSG_NXTHDR(msg, c)) {
		struct in6_pktinfo pi;

		if (c->cmsg_level != IPPROTO_IPV6 ||
		    c->cmsg_type != IPV6_PKTINFO ||
		    c->cmsg_len < CMSG_LEN(sizeof(pi)))
			continue;
		memcpy(&pi, CMSG_DATA(c), sizeof(pi));
		ri->dst = pi.ipi6_addr;
		ri->ifindex = pi.ipi6_ifindex;
	}
}

ssize_t
mhsock_recv(struct mhsock *s, uint8_t *buf, size_t cap,
    struct mh_rxinfo *ri)
{
	struct sockaddr_in6 from;
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct iovec iov = { buf, cap };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	ssize_t n;

	memset(ri, 0, sizeof(*ri));
	if ((n = recvmsg(s->fd, &msg, 0)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			s->stats.rx_errors++;
		return -1;
	}
	ri->src = from.sin6_addr;
	ri->sport = ntohs(from.sin6_port);
	rx_pktinfo(&msg, ri);
	/* A truncated MH can never parse; treat it as bad input. */
	if (msg.msg_flags & MSG_TRUNC) {
		s->stats.rx_errors++;
		return 0;
	}
	/* B.11.1: no kernel checks the MH checksum inside UDP. */
	if (s->transport == MH_TRANSPORT_UDP &&
	    !mh_csum_ok(buf, (size_t)n, &ri->src, &ri->dst)) {
		s->stats.rx_bad_csum++;
		return 0;
	}
	s->stats.rx++;
	return n;
}

/* The source address the kernel would use towards dst. */
static int
route_source(const struct in6_addr *dst, unsigned ifindex,
    struct in6_addr *src)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
	    .sin6_addr = *dst, .sin6_port = htons(9),
	    .sin6_scope_id = ifindex };
	socklen_t slen = sizeof(sin6);
	int fd, rc = -1;

	if ((fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin6, &slen) == 0) {
		*src = sin6.sin6_addr;
		rc = 0;
	}
	close(fd);
	return rc;
}

ssize_t
mhsock_send(struct mhsock *s, uint8_t *mh, size_t len,
    const struct in6_addr *src, const struct in6_addr *dst,
    unsigned ifindex, uint16_t dport)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = *dst,
	    .sin6_scope_id = ifindex };
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct in6_pktinfo pi = { .ipi6_ifindex = ifindex };
	struct iovec iov = { mh, len };
	struct msghdr msg = {
		.msg_name = &to, .msg_namelen = sizeof(to),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	struct in6_addr own;
	ssize_t n;

	if (s->transport == MH_TRANSPORT_UDP) {
		if (src == NULL) {
			if (route_source(dst, ifindex, &own) == -1)
				goto fail;
			src = &own;
		}
		to.sin6_port = htons(dport ? dport : s->port);
		mh_csum_set(mh, len, src, dst);
	}
	if (src != NULL || ifindex != 0) {
		struct cmsghdr *c;

		memset(&cbuf, 0, sizeof(cbuf));
		if (src != NULL)
			pi.ipi6_addr = *src;
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	if ((n = sendmsg(s->fd, &msg, 0)) == -1)
		goto fail;
	s->stats.tx++;
	return n;
fail:
	s->stats.tx_errors++;
	return -1;
}
