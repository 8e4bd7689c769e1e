/*
 * mhsock.c: raw MH and UDP/5135 transports (see mhsock.h).
 * PROTOCOL.md B.1 (raw IPPROTO_MH, kernel checksum) and B.11.1 (the
 * same bytes over UDP, checksum computed here); TESTBED.md 4.
 */
#include <errno.h>
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
	uint16_t		port;		/* UDP: local port */
	bool			bound;		/* to a specific address */
	struct in6_addr		bound_addr;
	struct mhsock_stats	stats;
};

/* Room for IPV6_PKTINFO and IPV6_HOPLIMIT. */
union rx_cmsg {
	struct cmsghdr	hdr;
	uint8_t		buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			    CMSG_SPACE(sizeof(int))];
};

union tx_cmsg {
	struct cmsghdr	hdr;
	uint8_t		buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
};

#define MHSOCK_RCVBUF	(4 << 20)

static void
set_rcvbuf(int fd, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes,
	    sizeof(bytes)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes,
		    sizeof(bytes));
}

static int
sock_setup(int fd, enum mh_transport tr)
{
	int on = 1, off = MH_CSUM_OFF;

	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
	    sizeof(on)) == -1)
		return -1;
	/* The kernel does this for proto 135 already (B.1, TESTBED.md 4);
	 * saying it keeps us correct on kernels that do not. */
	if (tr == MH_TRANSPORT_RAW && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_CHECKSUM, &off, sizeof(off)) == -1)
		return -1;
	/* A burst of BUs (a whole subnet moving, or a flood being rate
	 * limited) must not overflow the default ~200 kB buffer while the
	 * daemon is busy (bench/README.md: up to 0.8 % lost at half load).
	 * FORCE passes net.core.rmem_max with CAP_NET_ADMIN; a smaller
	 * buffer is no reason to fail. */
	set_rcvbuf(fd, MHSOCK_RCVBUF);
	/* B.11.1 is IPv6 only: no v4-mapped peers. */
	if (tr == MH_TRANSPORT_UDP && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		return -1;
	return 0;
}

static int
sock_open(struct mhsock *s, const struct in6_addr *bind_addr,
    uint16_t udp_port, char *err, size_t errlen)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	socklen_t slen = sizeof(sin6);
	bool raw = s->transport == MH_TRANSPORT_RAW;

	s->fd = socket(AF_INET6, (raw ? SOCK_RAW : SOCK_DGRAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, raw ? IPPROTO_MH_NUM : IPPROTO_UDP);
	if (s->fd == -1) {
		snprintf(err, errlen, "%s socket: %s%s",
		    raw ? "raw Mobility Header" : "UDP", strerror(errno),
		    errno == EPERM || errno == EACCES ?
		    " (needs CAP_NET_RAW; transport = \"udp\" does not)" : "");
		return -1;
	}
	if (bind_addr != NULL && !IN6_IS_ADDR_UNSPECIFIED(bind_addr)) {
		sin6.sin6_addr = *bind_addr;
		s->bound_addr = *bind_addr;
		s->bound = true;
	}
	sin6.sin6_port = raw ? 0 : htons(udp_port);
	if (sock_setup(s->fd, s->transport) == -1 ||
	    bind(s->fd, (struct sockaddr *)&sin6, sizeof(sin6)) == -1 ||
	    getsockname(s->fd, (struct sockaddr *)&sin6, &slen) == -1) {
		snprintf(err, errlen, "MH socket set-up: %s", strerror(errno));
		return -1;
	}
	s->port = raw ? 0 : ntohs(sin6.sin6_port);
	return 0;
}

struct mhsock *
mhsock_open(enum mh_transport tr, const struct in6_addr *bind_addr,
    uint16_t udp_port, char *err, size_t errlen)
{
	struct mhsock *s;

	if (tr != MH_TRANSPORT_RAW && tr != MH_TRANSPORT_UDP) {
		snprintf(err, errlen, "unknown MH transport %d", (int)tr);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->fd = -1;
	s->transport = tr;
	if (sock_open(s, bind_addr, udp_port, err, errlen) == -1) {
		mhsock_close(s);
		return NULL;
	}
	return s;
}

void
mhsock_close(struct mhsock *s)
{
	if (s == NULL)
		return;
	if (s->fd != -1)
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

/* Destination, interface and hop limit from the ancillary data. */
static void
rx_cmsgs(struct msghdr *msg, struct mh_rxinfo *ri)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	    c = CMSG_NXTHDR(msg, c)) {
		struct in6_pktinfo pi;
		int hl;

		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ri->dst = pi.ipi6_addr;
			ri->ifindex = pi.ipi6_ifindex;
		} else if (c->cmsg_type == IPV6_HOPLIMIT &&
		    c->cmsg_len >= CMSG_LEN(sizeof(hl))) {
			memcpy(&hl, CMSG_DATA(c), sizeof(hl));
			ri->hoplimit = hl;
		}
	}
}

ssize_t
mhsock_recv(struct mhsock *s, uint8_t *buf, size_t cap,
    struct mh_rxinfo *ri)
{
	struct sockaddr_in6 from;
	union rx_cmsg cbuf;
	struct iovec iov = { buf, cap };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	ssize_t n;

	memset(ri, 0, sizeof(*ri));
	ri->hoplimit = -1;
	memset(&from, 0, sizeof(from));
	if ((n = recvmsg(s->fd, &msg, 0)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			s->stats.rx_errors++;
		return -1;
	}
	ri->src = from.sin6_addr;
	ri->sport = ntohs(from.sin6_port);
	rx_cmsgs(&msg, ri);
	/* A truncated MH can never parse, nor pass the checksum. */
	if (msg.msg_flags & MSG_TRUNC) {
		s->stats.rx_trunc++;
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
	    .sin6_addr = *dst, .sin6_port = htons(DMIP_UDP_PORT_DEFAULT),
	    .sin6_scope_id = ifindex };
	socklen_t slen = sizeof(sin6);
	int fd, rc = -1;

	/* connect() on UDP sends nothing; it only does the route lookup. */
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

/* The pseudo-header source for a UDP-carried MH (B.1 checksum). */
static int
udp_csum_source(const struct mhsock *s, const struct in6_addr *src,
    const struct in6_addr *dst, unsigned ifindex, struct in6_addr *out)
{
	if (src != NULL)
		*out = *src;
	else if (s->bound)
		*out = s->bound_addr;	/* the kernel will use it too */
	else
		return route_source(dst, ifindex, out);
	return 0;
}

static void
tx_pktinfo(struct msghdr *msg, union tx_cmsg *cbuf,
    const struct in6_addr *src, unsigned ifindex)
{
	struct in6_pktinfo pi = { .ipi6_ifindex = ifindex };
	struct cmsghdr *c;

	memset(cbuf, 0, sizeof(*cbuf));
	if (src != NULL)
		pi.ipi6_addr = *src;
	msg->msg_control = cbuf->buf;
	msg->msg_controllen = sizeof(cbuf->buf);
	c = CMSG_FIRSTHDR(msg);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
}

ssize_t
mhsock_send(struct mhsock *s, const uint8_t *mh, size_t len,
    const struct in6_addr *src, const struct in6_addr *dst,
    unsigned ifindex, uint16_t dport)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = *dst,
	    .sin6_scope_id = ifindex };
	uint8_t copy[MH_MAX_LEN];
	union tx_cmsg cbuf;
	struct iovec iov = { (void *)(uintptr_t)mh, len };
	struct msghdr msg = {
		.msg_name = &to, .msg_namelen = sizeof(to),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	struct in6_addr csrc;
	ssize_t n;

	/* B.1: at least the fixed header; Header Len caps it at 2048. */
	if (len < MH_HDR_LEN || len > MH_MAX_LEN) {
		errno = len < MH_HDR_LEN ? EINVAL : EMSGSIZE;
		goto fail;
	}
	if (s->transport == MH_TRANSPORT_UDP) {
		if (udp_csum_source(s, src, dst, ifindex, &csrc) == -1)
			goto fail;
		/* The caller's bytes stay as they are (may be resent). */
		memcpy(copy, mh, len);
		mh_csum_set(copy, len, &csrc, dst);
		iov.iov_base = copy;
		to.sin6_port = htons(dport ? dport : s->port);
		/* Pin the source the checksum was computed with, so the
		 * kernel cannot pick another one. */
		src = &csrc;
	}
	if (src != NULL || ifindex != 0)
		tx_pktinfo(&msg, &cbuf, src, ifindex);
	if ((n = sendmsg(s->fd, &msg, 0)) == -1)
		goto fail;
	s->stats.tx++;
	return n;
fail:
	s->stats.tx_errors++;
	return -1;
}
