/*
 * sockdiag.c: destroying the sockets of released flows (PROTOCOL.md
 * G.4 step 3, F.11) through inet_diag (NETLINK_SOCK_DIAG).
 *
 * SOCK_DESTROY with INET_DIAG_NOCOOKIE would be one message, but the
 * kernel's exact lookup falls back to the best wildcard match: a TCP
 * listener on the local port (inet6_lookup() tries the listeners when no
 * established socket matches) or an unconnected UDP socket bound to it.
 * A flow that closed just before mnd released it would then take the
 * application's server socket down with it. So every destroy is preceded
 * by a dump (prefiltered by port in the kernel, matched exactly here)
 * and names the socket by its id and cookie: a socket gone in between
 * gives ENOENT/ESTALE, never a neighbour's death.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "bytes.h"
#include "log.h"
#include "sockdiag.h"

#define SD_BUFSZ	(64 * 1024)	/* > the kernel's 32 KiB dump skbs */
#define SD_WAIT_MS	200		/* per answer */
#define SD_MAX_SOCKS	65536		/* matches handled per call */

/* TCP states 1..11 but TIME_WAIT (6); NEW_SYN_RECV (12) is not asked
 * for either. UDP uses ESTABLISHED (1) and CLOSE (7), both in. */
#define SD_STATES	(0xffeu & ~(1u << 6))

struct sd_conn {
	int		 fd;
	uint32_t	 seq;
	uint8_t		*buf;
};

/* ---- pure parts --------------------------------------------------------- */

int
sockdiag_parse_msg(const uint8_t *buf, size_t len, struct sockdiag_sock *out)
{
	struct nlmsghdr nh;
	struct inet_diag_msg m;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || len < NLMSG_HDRLEN)
		return -EINVAL;
	memcpy(&nh, buf, sizeof(nh));
	if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > len)
		return -EINVAL;
	if (nh.nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -ENOMSG;
	if (nh.nlmsg_len - NLMSG_HDRLEN < sizeof(m))
		return -EINVAL;
	memcpy(&m, buf + NLMSG_HDRLEN, sizeof(m));
	if (m.idiag_family != AF_INET6)
		return -ENOMSG;
	memcpy(&out->local, m.id.idiag_src, sizeof(out->local));
	memcpy(&out->remote, m.id.idiag_dst, sizeof(out->remote));
	out->lport = ntohs(m.id.idiag_sport);
	out->rport = ntohs(m.id.idiag_dport);
	out->state = m.idiag_state;
	out->ifindex = m.id.idiag_if;
	out->cookie[0] = m.id.idiag_cookie[0];
	out->cookie[1] = m.id.idiag_cookie[1];
	return 0;
}

bool
sockdiag_match(const struct sockdiag_sock *s, const struct in6_addr *local,
    uint16_t lport, const struct in6_addr *remote, uint16_t rport)
{
	if (local == NULL || !IN6_ARE_ADDR_EQUAL(&s->local, local))
		return false;
	if (lport != 0 && s->lport != lport)
		return false;
	if (remote != NULL && !IN6_ARE_ADDR_EQUAL(&s->remote, remote))
		return false;
	if (rport != 0 && s->rport != rport)
		return false;
	return true;
}

int
sockdiag_build_req(uint8_t *buf, size_t cap, uint16_t type, uint32_t seq,
    uint8_t proto, uint32_t states, const struct sockdiag_sock *id)
{
	struct nlmsghdr nh = { 0 };
	struct inet_diag_req_v2 r;

	if (buf == NULL || id == NULL ||
	    (type != SOCK_DIAG_BY_FAMILY && type != SOCK_DESTROY))
		return -EINVAL;
	if (cap < NLMSG_HDRLEN + sizeof(r))
		return -ENOSPC;
	memset(&r, 0, sizeof(r));
	r.sdiag_family = AF_INET6;
	r.sdiag_protocol = proto;
	r.idiag_states = states;
	r.id.idiag_sport = htons(id->lport);
	r.id.idiag_dport = htons(id->rport);
	if (type == SOCK_DESTROY) {
		memcpy(r.id.idiag_src, &id->local, sizeof(id->local));
		memcpy(r.id.idiag_dst, &id->remote, sizeof(id->remote));
		r.id.idiag_if = id->ifindex;
		r.id.idiag_cookie[0] = id->cookie[0];
		r.id.idiag_cookie[1] = id->cookie[1];
	} else {
		r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
		r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	}
	nh.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + sizeof(r));
	nh.nlmsg_type = type;
	nh.nlmsg_flags = NLM_F_REQUEST |
	    (type == SOCK_DESTROY ? NLM_F_ACK : NLM_F_DUMP);
	nh.nlmsg_seq = seq;
	memcpy(buf, &nh, sizeof(nh));
	memcpy(buf + NLMSG_HDRLEN, &r, sizeof(r));
	return (int)nh.nlmsg_len;
}

/* ---- the socket --------------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
sd_send(struct sd_conn *c, uint16_t type, uint8_t proto,
    const struct sockdiag_sock *id)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint8_t req[128];
	int len;

	len = sockdiag_build_req(req, sizeof(req), type, ++c->seq, proto,
	    SD_STATES, id);
	if (len < 0)
		return len;
	if (sendto(c->fd, req, (size_t)len, 0, (struct sockaddr *)&kernel,
	    sizeof(kernel)) != len)
		return -errno;
	return 0;
}

/* One datagram from the kernel: its length, or -errno (-ETIMEDOUT). */
static ssize_t
sd_recv(struct sd_conn *c)
{
	struct sockaddr_nl sa;
	struct iovec iov = { c->buf, SD_BUFSZ };
	struct msghdr mh;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int64_t deadline = now_ms() + SD_WAIT_MS, left;
	ssize_t n;

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &sa;
		mh.msg_namelen = sizeof(sa);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		n = recvmsg(c->fd, &mh, MSG_DONTWAIT);
		if (n >= 0) {
			if (sa.nl_pid != 0) {	/* not the kernel */
				if (now_ms() >= deadline)
					return -ETIMEDOUT;
				continue;
			}
			if (mh.msg_flags & MSG_TRUNC)
				return -EMSGSIZE;
			return n;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if ((left = deadline - now_ms()) <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
			return -errno;
	}
}

/* The control messages of seq: 1 done (*error: its code), 0 not one. */
static int
sd_control(const uint8_t *p, size_t mlen, uint32_t seq, int *error)
{
	struct nlmsghdr nh;
	int32_t e = 0;

	memcpy(&nh, p, sizeof(nh));
	if (nh.nlmsg_seq != seq ||
	    (nh.nlmsg_type != NLMSG_ERROR && nh.nlmsg_type != NLMSG_DONE))
		return 0;
	/* NLMSG_DONE of a dump carries an int too (0 or -errno). */
	if (mlen >= NLMSG_HDRLEN + sizeof(e))
		memcpy(&e, p + NLMSG_HDRLEN, sizeof(e));
	else if (nh.nlmsg_type == NLMSG_ERROR)
		e = -EBADMSG;
	*error = e > 0 || e < -4095 ? -EBADMSG : e;
	return 1;
}

struct sd_found {
	struct sockdiag_sock	*v;
	size_t			 n, cap;
};

static int
found_add(struct sd_found *f, const struct sockdiag_sock *s)
{
	struct sockdiag_sock *v;

	if (f->n == f->cap) {
		if (f->cap >= SD_MAX_SOCKS)
			return 0;	/* the rest next time */
		f->cap = f->cap ? f->cap * 2 : 16;
		if ((v = reallocarray(f->v, f->cap, sizeof(*v))) == NULL)
			return -ENOMEM;
		f->v = v;
	}
	f->v[f->n++] = *s;
	return 0;
}

/* Dump proto's IPv6 sockets and keep those that match in f. */
static int
sd_dump(struct sd_conn *c, uint8_t proto, const struct in6_addr *local,
    uint16_t lport, const struct in6_addr *remote, uint16_t rport,
    struct sd_found *f)
{
	struct sockdiag_sock filter = { .lport = lport, .rport = rport }, s;
	struct nlmsghdr nh;
	ssize_t n;
	size_t rem, step;
	const uint8_t *p;
	int rc, error;

	if ((rc = sd_send(c, SOCK_DIAG_BY_FAMILY, proto, &filter)) < 0)
		return rc;
	for (;;) {
		if ((n = sd_recv(c)) < 0)
			return (int)n;
		for (p = c->buf, rem = (size_t)n; rem >= NLMSG_HDRLEN;
		    p += step, rem -= step) {
			memcpy(&nh, p, sizeof(nh));
			if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > rem)
				return -EBADMSG;
			step = NLMSG_ALIGN(nh.nlmsg_len);
			if (step > rem)
				step = rem;
			if (sd_control(p, nh.nlmsg_len, c->seq, &error))
				return error;
			if (nh.nlmsg_seq != c->seq)
				continue;
			rc = sockdiag_parse_msg(p, nh.nlmsg_len, &s);
			if (rc == -EINVAL)
				return -EBADMSG;
			if (rc == 0 && sockdiag_match(&s, local, lport, remote,
			    rport) && (rc = found_add(f, &s)) < 0)
				return rc;
		}
	}
}

/* 1 destroyed, 0 gone meanwhile, -errno. */
static int
sd_destroy_one(struct sd_conn *c, uint8_t proto,
    const struct sockdiag_sock *s)
{
	ssize_t n;
	size_t rem, step;
	const uint8_t *p;
	struct nlmsghdr nh;
	int rc, error;

	if ((rc = sd_send(c, SOCK_DESTROY, proto, s)) < 0)
		return rc;
	for (;;) {
		if ((n = sd_recv(c)) < 0)
			return (int)n;
		for (p = c->buf, rem = (size_t)n; rem >= NLMSG_HDRLEN;
		    p += step, rem -= step) {
			memcpy(&nh, p, sizeof(nh));
			if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > rem)
				return -EBADMSG;
			step = NLMSG_ALIGN(nh.nlmsg_len);
			if (step > rem)
				step = rem;
			if (!sd_control(p, nh.nlmsg_len, c->seq, &error))
				continue;
			if (error == -ENOENT || error == -ESTALE)
				return 0;	/* closed before we got to it */
			return error < 0 ? error : 1;
		}
	}
}

enum sd_mode { SD_COUNT, SD_DESTROY, SD_LISTENERS };

static int sd_run(uint8_t, const struct in6_addr *, uint16_t,
    const struct in6_addr *, uint16_t, enum sd_mode);

int
sockdiag_destroy(uint8_t proto, const struct in6_addr *local,
    uint16_t lport, const struct in6_addr *remote, uint16_t rport)
{
	return sd_run(proto, local, lport, remote, rport, SD_DESTROY);
}

int
sockdiag_count(uint8_t proto, const struct in6_addr *local,
    uint16_t lport, const struct in6_addr *remote, uint16_t rport)
{
	return sd_run(proto, local, lport, remote, rport, SD_COUNT);
}

int
sockdiag_listening(const struct in6_addr *local, uint16_t lport)
{
	int a, b;

	if ((a = sd_run(IPPROTO_TCP, local, lport, NULL, 0,
	    SD_LISTENERS)) < 0)
		return a;
	if ((b = sd_run(IPPROTO_TCP, &in6addr_any, lport, NULL, 0,
	    SD_LISTENERS)) < 0)
		return b;
	return a + b;
}

/* Dump the matching sockets; destroy them too when asked. The number
 * matched (or destroyed), or -errno. */
static int
sd_run(uint8_t proto, const struct in6_addr *local, uint16_t lport,
    const struct in6_addr *remote, uint16_t rport, enum sd_mode mode)
{
	struct sd_conn c = { .fd = -1 };
	struct sd_found f = { NULL, 0, 0 };
	struct timespec now;
	int rc, destroyed = 0;

	if (local == NULL || (proto != IPPROTO_TCP && proto != IPPROTO_UDP))
		return -EINVAL;
	if ((c.buf = malloc(SD_BUFSZ)) == NULL)
		return -ENOMEM;
	c.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG);
	if (c.fd == -1) {
		rc = -errno;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	c.seq = (uint32_t)now.tv_nsec;
	if ((rc = sd_dump(&c, proto, local, lport, remote, rport, &f)) < 0) {
		log_warnx("sockdiag: dump of %s sockets: %s",
		    proto == IPPROTO_TCP ? "tcp" : "udp", strerror(-rc));
		goto out;
	}
	if (mode == SD_LISTENERS) {
		rc = 0;
		for (size_t i = 0; i < f.n; i++)
			if (f.v[i].state == 10)		/* TCP_LISTEN */
				rc++;
		goto out;
	}
	if (mode == SD_COUNT) {
		rc = (int)f.n;
		goto out;
	}
	for (size_t i = 0; i < f.n; i++) {
		if ((rc = sd_destroy_one(&c, proto, &f.v[i])) < 0) {
			log_warnx("sockdiag: destroy of a %s socket: %s",
			    proto == IPPROTO_TCP ? "tcp" : "udp",
			    strerror(-rc));
			goto out;
		}
		destroyed += rc;
	}
	rc = destroyed;
out:
	if (c.fd != -1)
		close(c.fd);
	free(c.buf);
	free(f.v);
	return rc;
}
