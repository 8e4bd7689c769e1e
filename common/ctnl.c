/*
 * ctnl.c: conntrack through raw ctnetlink (PROTOCOL.md G.2, G.4 step 3).
 *
 * No libnetfilter_conntrack: what mnd needs is three messages (events,
 * get and delete by tuple), and a parser of our own can be checked
 * byte by byte and fuzzed (STYLE.md "Parsing and building bytes").
 *
 * Wire format (nfnetlink): nlmsghdr (host order), nfgenmsg, then
 * netlink attributes (host-order header, big-endian values):
 *
 *   CTA_TUPLE_ORIG / CTA_TUPLE_REPLY (nested)
 *     CTA_TUPLE_IP (nested): CTA_IP_V6_SRC, CTA_IP_V6_DST (16 octets)
 *     CTA_TUPLE_PROTO (nested): CTA_PROTO_NUM (1), CTA_PROTO_SRC_PORT,
 *       CTA_PROTO_DST_PORT (2) or CTA_PROTO_ICMPV6_ID (2),
 *       CTA_PROTO_ICMPV6_TYPE, CTA_PROTO_ICMPV6_CODE (1)
 *   CTA_STATUS, CTA_MARK (4)
 *   CTA_COUNTERS_ORIG / CTA_COUNTERS_REPLY (nested):
 *     CTA_COUNTERS_PACKETS, CTA_COUNTERS_BYTES (8; 4 for the *32 forms)
 *
 * Events: the kernel sends IPCTNL_MSG_CT_NEW with NLM_F_CREATE for a new
 * entry, IPCTNL_MSG_CT_NEW without it for an update and
 * IPCTNL_MSG_CT_DELETE when the entry goes (net/netfilter/
 * nf_conntrack_netlink.c, ctnetlink_conntrack_event()).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "bytes.h"
#include "ctnl.h"
#include "log.h"

#define CTNL_RCVBUF	(4 << 20)	/* like mhsock.c: bursts of events */
#define CTNL_BUFSZ	(64 * 1024)	/* one datagram; events are < 1 KiB */
#define CTNL_READ_BATCH	1024		/* datagrams per ctnl_read() call */
#define CTNL_WAIT_MS	200		/* request: wait for the answer */
#define NFGEN_LEN	NLMSG_ALIGN(sizeof(struct nfgenmsg))

#define ICMPV6_ECHO_REQ	128

struct ctnl {
	int			 fd;
	uint32_t		 seq;
	struct ctnl_stats	 st;
	uint8_t			 buf[CTNL_BUFSZ];
};

/* ---- attribute walking ---------------------------------------------- */

struct nla_it {
	const uint8_t	*p;
	size_t		 rem;
};

struct nla {
	uint16_t	 type;	/* without NLA_F_NESTED / NET_BYTEORDER */
	const uint8_t	*val;
	size_t		 len;
};

/* 1 and the next attribute in *a; 0 at the end; -EINVAL malformed. */
static int
nla_next(struct nla_it *it, struct nla *a)
{
	struct nlattr h;
	size_t step;

	if (it->rem == 0)
		return 0;
	if (it->rem < sizeof(h))
		return -EINVAL;
	memcpy(&h, it->p, sizeof(h));
	if (h.nla_len < NLA_HDRLEN || h.nla_len > it->rem)
		return -EINVAL;
	a->type = h.nla_type & NLA_TYPE_MASK;
	a->val = it->p + NLA_HDRLEN;
	a->len = h.nla_len - NLA_HDRLEN;
	/* the last attribute may lack its alignment padding */
	step = NLA_ALIGN(h.nla_len);
	if (step > it->rem)
		step = it->rem;
	it->p += step;
	it->rem -= step;
	return 1;
}

static void
nla_iter(struct nla_it *it, const struct nla *nest)
{
	it->p = nest->val;
	it->rem = nest->len;
}

/* ---- parsing ---------------------------------------------------------- */

static int
parse_tuple_ip(const struct nla *nest, struct ct_tuple *t)
{
	struct nla_it it;
	struct nla a;
	bool src = false, dst = false;
	int rc;

	nla_iter(&it, nest);
	while ((rc = nla_next(&it, &a)) > 0) {
		switch (a.type) {
		case CTA_IP_V6_SRC:
		case CTA_IP_V6_DST:
			if (a.len != sizeof(struct in6_addr))
				return -EINVAL;
			memcpy(a.type == CTA_IP_V6_SRC ? &t->src : &t->dst,
			    a.val, sizeof(struct in6_addr));
			*(a.type == CTA_IP_V6_SRC ? &src : &dst) = true;
			break;
		case CTA_IP_V4_SRC:
		case CTA_IP_V4_DST:
			if (a.len != 4)
				return -EINVAL;
			break;
		default:	/* newer kernels may add some */
			break;
		}
	}
	if (rc < 0)
		return rc;
	return src && dst ? 0 : -EINVAL;
}

static int
parse_tuple_proto(const struct nla *nest, struct ct_tuple *t)
{
	struct nla_it it;
	struct nla a;
	bool num = false, sport = false, dport = false, id = false;
	uint16_t sp = 0, dp = 0, icmp_id = 0;
	int rc;

	nla_iter(&it, nest);
	while ((rc = nla_next(&it, &a)) > 0) {
		switch (a.type) {
		case CTA_PROTO_NUM:
		case CTA_PROTO_ICMPV6_TYPE:
		case CTA_PROTO_ICMPV6_CODE:
		case CTA_PROTO_ICMP_TYPE:
		case CTA_PROTO_ICMP_CODE:
			if (a.len != 1)
				return -EINVAL;
			if (a.type == CTA_PROTO_NUM) {
				t->proto = a.val[0];
				num = true;
			}
			break;
		case CTA_PROTO_SRC_PORT:
		case CTA_PROTO_DST_PORT:
		case CTA_PROTO_ICMPV6_ID:
		case CTA_PROTO_ICMP_ID:
			if (a.len != 2)
				return -EINVAL;
			if (a.type == CTA_PROTO_SRC_PORT) {
				sp = be16_get(a.val);
				sport = true;
			} else if (a.type == CTA_PROTO_DST_PORT) {
				dp = be16_get(a.val);
				dport = true;
			} else if (a.type == CTA_PROTO_ICMPV6_ID) {
				icmp_id = be16_get(a.val);
				id = true;
			}
			break;
		default:
			break;
		}
	}
	if (rc < 0)
		return rc;
	if (!num)
		return -EINVAL;
	if (t->proto == IPPROTO_ICMPV6) {
		if (!id)
			return -EINVAL;
		t->sport = t->dport = icmp_id;
	} else if (sport != dport) {
		return -EINVAL;		/* ports come in pairs */
	} else {
		t->sport = sp;
		t->dport = dp;
	}
	return 0;
}

static int
parse_tuple(const struct nla *nest, struct ct_tuple *t)
{
	struct nla_it it;
	struct nla a;
	bool ip = false, proto = false;
	int rc;

	memset(t, 0, sizeof(*t));
	nla_iter(&it, nest);
	while ((rc = nla_next(&it, &a)) > 0) {
		if (a.type == CTA_TUPLE_IP) {
			if ((rc = parse_tuple_ip(&a, t)) < 0)
				return rc;
			ip = true;
		} else if (a.type == CTA_TUPLE_PROTO) {
			if ((rc = parse_tuple_proto(&a, t)) < 0)
				return rc;
			proto = true;
		}
	}
	if (rc < 0)
		return rc;
	return ip && proto ? 0 : -EINVAL;
}

static int
parse_counters(const struct nla *nest, uint64_t *pkts, uint64_t *bytes)
{
	struct nla_it it;
	struct nla a;
	int rc;

	*pkts = *bytes = 0;
	nla_iter(&it, nest);
	while ((rc = nla_next(&it, &a)) > 0) {
		switch (a.type) {
		case CTA_COUNTERS_PACKETS:
		case CTA_COUNTERS_BYTES:
			if (a.len != 8)
				return -EINVAL;
			*(a.type == CTA_COUNTERS_PACKETS ? pkts : bytes) =
			    be64_get(a.val);
			break;
		case CTA_COUNTERS32_PACKETS:
		case CTA_COUNTERS32_BYTES:
			if (a.len != 4)
				return -EINVAL;
			*(a.type == CTA_COUNTERS32_PACKETS ? pkts : bytes) =
			    be32_get(a.val);
			break;
		default:	/* CTA_COUNTERS_PAD */
			break;
		}
	}
	return rc;
}

static int
parse_u32(const struct nla *a, uint32_t *v)
{
	if (a->len != 4)
		return -EINVAL;
	*v = be32_get(a->val);
	return 0;
}

int
ct_parse_msg(const uint8_t *buf, size_t len, struct ct_event *out)
{
	struct nlmsghdr nh;
	struct nfgenmsg g;
	struct nla_it it;
	struct nla a;
	bool orig = false, reply = false;
	uint8_t msg;
	int rc;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || len < NLMSG_HDRLEN)
		return -EINVAL;
	memcpy(&nh, buf, sizeof(nh));
	if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > len)
		return -EINVAL;
	if (NFNL_SUBSYS_ID(nh.nlmsg_type) != NFNL_SUBSYS_CTNETLINK)
		return -ENOMSG;
	msg = NFNL_MSG_TYPE(nh.nlmsg_type);
	if (msg != IPCTNL_MSG_CT_NEW && msg != IPCTNL_MSG_CT_DELETE)
		return -ENOMSG;
	if (nh.nlmsg_len < NLMSG_HDRLEN + NFGEN_LEN)
		return -EINVAL;
	memcpy(&g, buf + NLMSG_HDRLEN, sizeof(g));
	if (g.nfgen_family != AF_INET6 || g.version != NFNETLINK_V0)
		return -ENOMSG;
	if (msg == IPCTNL_MSG_CT_DELETE)
		out->kind = CT_EV_DESTROY;
	else if (nh.nlmsg_flags & NLM_F_CREATE)
		out->kind = CT_EV_NEW;
	else
		out->kind = CT_EV_UPDATE;

	it.p = buf + NLMSG_HDRLEN + NFGEN_LEN;
	it.rem = nh.nlmsg_len - NLMSG_HDRLEN - NFGEN_LEN;
	while ((rc = nla_next(&it, &a)) > 0) {
		switch (a.type) {
		case CTA_TUPLE_ORIG:
			rc = parse_tuple(&a, &out->orig);
			orig = true;
			break;
		case CTA_TUPLE_REPLY:
			rc = parse_tuple(&a, &out->reply);
			reply = true;
			break;
		case CTA_MARK:
			rc = parse_u32(&a, &out->mark);
			break;
		case CTA_STATUS:
			rc = parse_u32(&a, &out->status);
			break;
		case CTA_COUNTERS_ORIG:
			rc = parse_counters(&a, &out->orig_pkts,
			    &out->orig_bytes);
			out->has_counters = true;
			break;
		case CTA_COUNTERS_REPLY:
			rc = parse_counters(&a, &out->reply_pkts,
			    &out->reply_bytes);
			out->has_counters = true;
			break;
		default:
			rc = 0;
			break;
		}
		if (rc < 0)
			goto err;
	}
	if (rc < 0 || !orig || !reply) {
		rc = -EINVAL;
		goto err;
	}
	return 0;
err:
	memset(out, 0, sizeof(*out));
	return rc;
}

int
ctnl_parse_ack(const uint8_t *buf, size_t len, uint32_t seq, int *error)
{
	struct nlmsghdr nh;
	struct nlmsgerr e;

	if (buf == NULL || len < NLMSG_HDRLEN)
		return -EINVAL;
	memcpy(&nh, buf, sizeof(nh));
	if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > len)
		return -EINVAL;
	if (nh.nlmsg_type != NLMSG_ERROR || nh.nlmsg_seq != seq)
		return -ENOMSG;
	if (nh.nlmsg_len < NLMSG_HDRLEN + sizeof(e.error))
		return -EINVAL;
	memcpy(&e.error, buf + NLMSG_HDRLEN, sizeof(e.error));
	if (e.error > 0 || e.error < -4095)
		return -EINVAL;
	*error = e.error;
	return 0;
}

/* ---- building --------------------------------------------------------- */

static void
put_attr(struct wbuf *w, uint16_t type, const void *val, size_t len)
{
	struct nlattr h = { .nla_len = (uint16_t)(NLA_HDRLEN + len),
		.nla_type = type };

	wbuf_put(w, &h, sizeof(h));
	wbuf_put(w, val, len);
	wbuf_put_zero(w, NLA_ALIGN(len) - len);
}

static void
put_u8(struct wbuf *w, uint16_t type, uint8_t v)
{
	put_attr(w, type, &v, 1);
}

static void
put_be16(struct wbuf *w, uint16_t type, uint16_t v)
{
	uint8_t b[2];

	be16_put(b, v);
	put_attr(w, type, b, 2);
}

static size_t
nest_start(struct wbuf *w, uint16_t type)
{
	size_t off = w->len;

	put_attr(w, NLA_F_NESTED | type, NULL, 0);
	return off;
}

static void
nest_end(struct wbuf *w, size_t off)
{
	uint16_t len = (uint16_t)(w->len - off);

	if (!w->err)
		memcpy(w->p + off, &len, sizeof(len));
}

int
ctnl_build_tuple_req(uint8_t *buf, size_t cap, uint8_t msg, uint32_t seq,
    const struct ct_tuple *t)
{
	struct nlmsghdr nh = { 0 };
	struct nfgenmsg g = { .nfgen_family = AF_INET6,
		.version = NFNETLINK_V0, .res_id = 0 };
	struct wbuf w;
	size_t o_tuple, o_ip, o_proto;

	if (t == NULL || buf == NULL ||
	    (msg != IPCTNL_MSG_CT_GET && msg != IPCTNL_MSG_CT_DELETE))
		return -EINVAL;
	wbuf_init(&w, buf, cap);
	nh.nlmsg_type = (uint16_t)(NFNL_SUBSYS_CTNETLINK << 8 | msg);
	nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nh.nlmsg_seq = seq;
	wbuf_put(&w, &nh, sizeof(nh));
	wbuf_put(&w, &g, sizeof(g));

	/* Never send a DELETE without a tuple: that flushes the table. */
	o_tuple = nest_start(&w, CTA_TUPLE_ORIG);
	o_ip = nest_start(&w, CTA_TUPLE_IP);
	put_attr(&w, CTA_IP_V6_SRC, &t->src, sizeof(t->src));
	put_attr(&w, CTA_IP_V6_DST, &t->dst, sizeof(t->dst));
	nest_end(&w, o_ip);
	o_proto = nest_start(&w, CTA_TUPLE_PROTO);
	put_u8(&w, CTA_PROTO_NUM, t->proto);
	if (t->proto == IPPROTO_ICMPV6) {
		/* the kernel needs all three to rebuild the tuple */
		put_be16(&w, CTA_PROTO_ICMPV6_ID, t->sport);
		put_u8(&w, CTA_PROTO_ICMPV6_TYPE, ICMPV6_ECHO_REQ);
		put_u8(&w, CTA_PROTO_ICMPV6_CODE, 0);
	} else {
		put_be16(&w, CTA_PROTO_SRC_PORT, t->sport);
		put_be16(&w, CTA_PROTO_DST_PORT, t->dport);
	}
	nest_end(&w, o_proto);
	nest_end(&w, o_tuple);
	if (w.err)
		return -ENOSPC;
	nh.nlmsg_len = (uint32_t)w.len;
	memcpy(buf, &nh.nlmsg_len, sizeof(nh.nlmsg_len));
	return (int)w.len;
}

/* ---- sockets ---------------------------------------------------------- */

struct ctnl *
ctnl_open(unsigned groups)
{
	static const int grp[] = { NFNLGRP_CONNTRACK_NEW,
		NFNLGRP_CONNTRACK_UPDATE, NFNLGRP_CONNTRACK_DESTROY };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timespec now;
	struct ctnl *c;
	int bytes = CTNL_RCVBUF, on = 1, saved;

	if (groups & ~(CTNL_GRP_NEW | CTNL_GRP_UPDATE | CTNL_GRP_DESTROY)) {
		errno = EINVAL;
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &now);
	c->seq = (uint32_t)now.tv_nsec ^ (uint32_t)getpid() << 16;
	c->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_NETFILTER);
	if (c->fd == -1)
		goto fail;
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		goto fail;
	for (size_t i = 0; i < sizeof(grp) / sizeof(grp[0]); i++)
		if ((groups & (1u << i)) && setsockopt(c->fd, SOL_NETLINK,
		    NETLINK_ADD_MEMBERSHIP, &grp[i], sizeof(grp[i])) == -1)
			goto fail;
	/* Errors need not echo our request back (best effort). */
	(void)setsockopt(c->fd, SOL_NETLINK, NETLINK_CAP_ACK, &on,
	    sizeof(on));
	/* A burst of flows ending at a handoff must not overrun the
	 * default buffer; FORCE passes rmem_max with CAP_NET_ADMIN, and a
	 * smaller buffer is no reason to fail. */
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes,
	    sizeof(bytes)) == -1)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &bytes,
		    sizeof(bytes));
	return c;
fail:
	saved = errno;
	if (c->fd != -1)
		close(c->fd);
	free(c);
	errno = saved;
	return NULL;
}

void
ctnl_close(struct ctnl *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c);
}

int
ctnl_fd(const struct ctnl *c)
{
	return c->fd;
}

const struct ctnl_stats *
ctnl_get_stats(const struct ctnl *c)
{
	return &c->st;
}

/*
 * One datagram from the kernel, or 0 when nothing is waiting, -1 with
 * errno for an error (ENOBUFS included; the caller decides).
 */
static ssize_t
recv_kernel(struct ctnl *c, bool *from_kernel, bool *trunc)
{
	struct sockaddr_nl sa;
	struct iovec iov = { c->buf, sizeof(c->buf) };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	do {
		n = recvmsg(c->fd, &mh, MSG_DONTWAIT);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	*from_kernel = mh.msg_namelen >= sizeof(sa) && sa.nl_pid == 0;
	*trunc = (mh.msg_flags & MSG_TRUNC) != 0;
	return n;
}

/* The messages of one datagram: the length of the first in *mlen. */
static bool
next_msg(const uint8_t *p, size_t rem, size_t *mlen)
{
	struct nlmsghdr nh;

	if (rem < NLMSG_HDRLEN)
		return false;
	memcpy(&nh, p, sizeof(nh));
	if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > rem)
		return false;
	*mlen = nh.nlmsg_len;
	return true;
}

static size_t
msg_step(size_t mlen, size_t rem)
{
	size_t step = NLMSG_ALIGN(mlen);

	return step > rem ? rem : step;
}

static int
handle_datagram(struct ctnl *c, size_t n,
    void (*cb)(const struct ct_event *, void *), void *arg)
{
	const uint8_t *p = c->buf;
	struct ct_event ev;
	size_t rem = n, mlen, step;
	int handled = 0, rc;

	while (rem > 0) {
		if (!next_msg(p, rem, &mlen)) {
			c->st.bad_msgs++;
			log_warnx("ctnl: malformed netlink message (%zu "
			    "octets left), rest of datagram dropped", rem);
			break;
		}
		rc = ct_parse_msg(p, mlen, &ev);
		if (rc == 0) {
			c->st.events++;
			handled++;
			if (cb != NULL)
				cb(&ev, arg);
		} else if (rc == -ENOMSG) {
			c->st.skipped++;
		} else {
			c->st.bad_msgs++;
			log_warnx("ctnl: malformed conntrack event dropped "
			    "(%zu octets)", mlen);
		}
		step = msg_step(mlen, rem);
		p += step;
		rem -= step;
	}
	return handled;
}

int
ctnl_read(struct ctnl *c, void (*cb)(const struct ct_event *, void *),
    void *arg)
{
	bool kern, trunc;
	ssize_t n;
	int handled = 0;

	for (int i = 0; i < CTNL_READ_BATCH; i++) {
		n = recv_kernel(c, &kern, &trunc);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == ENOBUFS) {
				c->st.enobufs++;
				log_warnx("ctnl: event socket overrun, "
				    "conntrack events lost (%llu times)",
				    (unsigned long long)c->st.enobufs);
				continue;
			}
			log_warn("ctnl: recv");
			return -1;
		}
		if (!kern) {
			c->st.skipped++;
			continue;
		}
		if (trunc) {
			c->st.bad_msgs++;
			log_warnx("ctnl: truncated datagram dropped");
			continue;
		}
		handled += handle_datagram(c, (size_t)n, cb, arg);
	}
	return handled;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until readable or the deadline: 1 readable, 0 timed out, -errno. */
static int
wait_readable(int fd, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t left;
	int rc;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return 0;
		rc = poll(&pfd, 1, (int)left);
		if (rc > 0)
			return 1;
		if (rc == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/*
 * Look in one datagram for the answer to seq: a ct message goes to out
 * (when wanted), the ack ends the request. 1 with *error set when the
 * ack was found, 0 to keep waiting.
 */
static int
scan_answer(struct ctnl *c, size_t n, uint32_t seq, struct ct_event *out,
    bool *got, int *error)
{
	const uint8_t *p = c->buf;
	struct nlmsghdr nh;
	size_t rem = n, mlen, step;
	int rc;

	while (rem > 0 && next_msg(p, rem, &mlen)) {
		memcpy(&nh, p, sizeof(nh));
		if (nh.nlmsg_seq != seq) {
			c->st.skipped++;	/* stale: an older request */
		} else if (ctnl_parse_ack(p, mlen, seq, error) == 0) {
			return 1;
		} else if (out != NULL && !*got) {
			if ((rc = ct_parse_msg(p, mlen, out)) == 0)
				*got = true;
			else
				c->st.bad_msgs++;
		}
		step = msg_step(mlen, rem);
		p += step;
		rem -= step;
	}
	return 0;
}

static int
request(struct ctnl *c, uint8_t msg, const struct ct_tuple *t,
    struct ct_event *out)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint8_t req[256];
	uint32_t seq = ++c->seq;
	int64_t deadline;
	bool got = false, kern, trunc;
	ssize_t n;
	int len, error = 0, rc;

	if ((len = ctnl_build_tuple_req(req, sizeof(req), msg, seq, t)) < 0)
		return len;
	if (sendto(c->fd, req, (size_t)len, 0, (struct sockaddr *)&kernel,
	    sizeof(kernel)) != len)
		return -errno;
	/* The kernel answers inside sendto(); the wait is for safety. */
	deadline = now_ms() + CTNL_WAIT_MS;
	for (;;) {
		if (now_ms() >= deadline)
			return -ETIMEDOUT;	/* however busy the socket */
		n = recv_kernel(c, &kern, &trunc);
		if (n < 0) {
			if (errno != ENOBUFS)
				return -errno;
			c->st.enobufs++;
			continue;
		}
		if (n == 0) {
			if ((rc = wait_readable(c->fd, deadline)) <= 0)
				return rc == 0 ? -ETIMEDOUT : rc;
			continue;
		}
		if (!kern || trunc) {
			c->st.skipped++;
			continue;
		}
		if (scan_answer(c, (size_t)n, seq, out, &got, &error) == 1)
			break;
	}
	if (error < 0)
		return error;
	if (out != NULL && !got)
		return -EBADMSG;	/* acked, but no usable entry */
	return 0;
}

int
ctnl_delete(struct ctnl *c, const struct ct_tuple *orig)
{
	return request(c, IPCTNL_MSG_CT_DELETE, orig, NULL);
}

int
ctnl_get(struct ctnl *c, const struct ct_tuple *orig, struct ct_event *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = request(c, IPCTNL_MSG_CT_GET, orig, out)) < 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- logging ---------------------------------------------------------- */

const char *
ct_tuple_str(const struct ct_tuple *t, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pn[16];
	const char *name;

	if (len == 0)
		return buf;
	inet_ntop(AF_INET6, &t->src, s, sizeof(s));
	inet_ntop(AF_INET6, &t->dst, d, sizeof(d));
	switch (t->proto) {
	case IPPROTO_TCP:
		name = "tcp";
		break;
	case IPPROTO_UDP:
		name = "udp";
		break;
	case IPPROTO_UDPLITE:
		name = "udplite";
		break;
	case IPPROTO_SCTP:
		name = "sctp";
		break;
	case IPPROTO_DCCP:
		name = "dccp";
		break;
	case IPPROTO_ICMPV6:
		snprintf(buf, len, "icmpv6 %s -> %s id %u", s, d, t->sport);
		return buf;
	default:
		snprintf(pn, sizeof(pn), "proto %u", t->proto);
		name = pn;
		break;
	}
	snprintf(buf, len, "%s %s.%u -> %s.%u", name, s, t->sport, d,
	    t->dport);
	return buf;
}
