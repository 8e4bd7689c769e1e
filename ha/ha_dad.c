/*
 * ha_dad.c: DAD probes for home addresses on the home link (ha_dad.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dad.h"
#include "evloop.h"
#include "ha_dad.h"
#include "log.h"

#define RX_BUDGET	64	/* messages per readable event */
#define RX_BUF		1280	/* the NS/NA we want are shorter */

struct probe {
	struct dad_probe	 dp;	/* target, nonce, hash chain */
	struct timer		 timer;	/* RetransTimer */
	struct ha_dad		*d;
	struct ha_dad_req	 req;
};

struct ha_dad {
	struct evloop		*loop;
	char			 ifname[IF_NAMESIZE];
	unsigned		 ifindex;	/* at the last probe start */
	int			 sfd;		/* IPPROTO_RAW: sends */
	int			 rfd;		/* ICMPv6: NS/NA in */
	struct dad_table	 probes;
	ha_dad_fn		 done;
	void			*arg;
	struct ha_dad_stats	 st;
};

static const char *
a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* ---- multicast membership ------------------------------------------ */

static void
group_op(struct ha_dad *d, const struct in6_addr *target, int op)
{
	struct ipv6_mreq mr;
	char g[INET6_ADDRSTRLEN];

	memset(&mr, 0, sizeof(mr));
	dad_solicited_node(target, &mr.ipv6mr_multiaddr);
	mr.ipv6mr_interface = d->ifindex;
	if (setsockopt(d->rfd, IPPROTO_IPV6, op, &mr, sizeof(mr)) == 0)
		return;
	if (op == IPV6_JOIN_GROUP && errno != EADDRINUSE) {
		/* Not fatal: a defending node's NA still reaches the
		 * all-nodes group; only another node's DAD NS is missed. */
		d->st.join_errors++;
		log_debug("DAD: join %s on %s: %s",
		    a6(&mr.ipv6mr_multiaddr, g), d->ifname, strerror(errno));
	}
}

/* ---- probes -------------------------------------------------------- */

static void
probe_free(struct ha_dad *d, struct probe *p)
{
	evloop_timer_cancel(d->loop, &p->timer);
	dad_table_remove(&d->probes, &p->dp);
	/* The last probe of a group leaves it. */
	if (dad_table_group_count(&d->probes, &p->dp.target) == 0)
		group_op(d, &p->dp.target, IPV6_LEAVE_GROUP);
	free(p);
}

/* The probe leaves the table before the callback, which may start
 * other probes (or this one again). */
static void
probe_finish(struct ha_dad *d, struct probe *p, enum ha_dad_result r)
{
	struct in6_addr hoa = p->dp.target;
	struct ha_dad_req req = p->req;

	probe_free(d, p);
	if (r == HA_DAD_UNIQUE)
		d->st.unique++;
	else
		d->st.duplicate++;
	d->done(&hoa, r, &req, d->arg);
}

static void
on_retrans(struct timer *t, void *arg)
{
	struct probe *p = arg;

	(void)t;
	/* DupAddrDetectTransmits = 1: one RetransTimer with no answer
	 * means the address is unique (RFC 4862 5.4). */
	probe_finish(p->d, p, HA_DAD_UNIQUE);
}

static int
send_ns(struct ha_dad *d, const struct probe *p)
{
	uint8_t pkt[DAD_PKT_LEN];
	struct sockaddr_in6 to;
	ssize_t len;

	if ((len = dad_ns_build(pkt, sizeof(pkt), &p->dp.target,
	    p->dp.nonce)) < 0)
		return -EINVAL;
	memset(&to, 0, sizeof(to));
	to.sin6_family = AF_INET6;
	dad_solicited_node(&p->dp.target, &to.sin6_addr);
	to.sin6_scope_id = d->ifindex;
	if (sendto(d->sfd, pkt, (size_t)len, 0, (struct sockaddr *)&to,
	    sizeof(to)) != len)
		return -errno;
	return 0;
}

int
ha_dad_start(struct ha_dad *d, const struct in6_addr *hoa,
    const struct ha_dad_req *req)
{
	struct probe *p;
	char h[INET6_ADDRSTRLEN];
	int rc;

	if (ha_dad_update(d, hoa, req))
		return 1;
	if ((d->ifindex = if_nametoindex(d->ifname)) == 0) {
		rc = -ENODEV;
		goto fail;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	p->d = d;
	p->req = *req;
	p->dp.target = *hoa;
	timer_init(&p->timer, on_retrans, p);
	if (getrandom(p->dp.nonce, sizeof(p->dp.nonce), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(p->dp.nonce)) {
		/* Only the looped-NS check uses it; any value works. */
		uint64_t t = evloop_clock_ms() ^ (uintptr_t)p;

		memcpy(p->dp.nonce, &t, sizeof(p->dp.nonce));
	}
	if (dad_table_insert(&d->probes, &p->dp) == -1) {
		rc = -errno;
		free(p);
		goto fail;
	}
	/* Join before sending, so an answer cannot beat the join. */
	if (dad_table_group_count(&d->probes, hoa) == 1)
		group_op(d, hoa, IPV6_JOIN_GROUP);
	if ((rc = send_ns(d, p)) == 0 &&
	    evloop_timer_add(d->loop, &p->timer, DAD_RETRANS_MS) == -1)
		rc = -ENOMEM;
	if (rc < 0) {
		probe_free(d, p);
		goto fail;
	}
	d->st.started++;
	log_debug("DAD for %s on %s: NS sent, waiting %d ms", a6(hoa, h),
	    d->ifname, DAD_RETRANS_MS);
	return 0;
fail:
	d->st.tx_errors++;
	log_warnx("DAD for %s on %s: cannot send the NS: %s", a6(hoa, h),
	    d->ifname, strerror(-rc));
	return rc;
}

bool
ha_dad_update(struct ha_dad *d, const struct in6_addr *hoa,
    const struct ha_dad_req *req)
{
	struct dad_probe *dp = dad_table_find(&d->probes, hoa);

	if (dp == NULL)
		return false;
	((struct probe *)dp)->req = *req;
	return true;
}

bool
ha_dad_running(const struct ha_dad *d, const struct in6_addr *hoa)
{
	return dad_table_find(&d->probes, hoa) != NULL;
}

size_t
ha_dad_count(const struct ha_dad *d)
{
	return d->probes.count;
}

const struct ha_dad_stats *
ha_dad_stats(const struct ha_dad *d)
{
	return &d->st;
}

/* ---- receiving ----------------------------------------------------- */

struct rx_meta {
	struct in6_addr	src, dst;
	unsigned	ifindex;
	int		hoplimit;
};

static ssize_t
rx_one(struct ha_dad *d, uint8_t *buf, size_t cap, struct rx_meta *m)
{
	union {
		struct cmsghdr	align;
		uint8_t		b[CMSG_SPACE(sizeof(struct in6_pktinfo))
				    + CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct sockaddr_in6 from;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b),
	};
	struct cmsghdr *c;
	ssize_t n;

	if ((n = recvmsg(d->rfd, &msg, 0)) < 0)
		return -1;
	memset(m, 0, sizeof(*m));
	m->hoplimit = -1;
	m->src = from.sin6_addr;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			m->dst = pi.ipi6_addr;
			m->ifindex = pi.ipi6_ifindex;
		} else if (c->cmsg_type == IPV6_HOPLIMIT &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(&m->hoplimit, CMSG_DATA(c), sizeof(int));
	}
	/* A truncated datagram is not a well-formed NS/NA. */
	if (msg.msg_flags & MSG_TRUNC)
		return 0;
	return n;
}

static void
rx_handle(struct ha_dad *d, const uint8_t *buf, size_t len,
    const struct rx_meta *m)
{
	struct dad_nd nd;
	struct dad_probe *dp;
	enum dad_rx_verdict v;
	char h[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN];
	int rc;

	if (m->ifindex != d->ifindex)
		return;		/* not about the home link */
	if ((rc = dad_nd_parse(buf, len, &nd)) != DAD_P_OK) {
		d->st.rx_bad++;
		log_debug("DAD: %zu-byte ICMPv6 from %s on %s dropped: %s",
		    len, a6(&m->src, s), d->ifname, dad_perr_name(rc));
		return;
	}
	if ((dp = dad_table_find(&d->probes, &nd.target)) == NULL)
		return;
	v = dad_rx_judge(&nd, &m->src, &m->dst, m->hoplimit, &dp->target,
	    dp->nonce);
	switch (v) {
	case DAD_RX_IGNORE:
		return;
	case DAD_RX_INVALID:
		d->st.rx_bad++;
		log_debug("DAD for %s: %s from %s (hop limit %d) fails RFC "
		    "4861 7.1, ignored", a6(&dp->target, h),
		    nd.type == DAD_ICMP_NA ? "NA" : "NS", a6(&m->src, s),
		    m->hoplimit);
		return;
	case DAD_RX_LOOPED:
		d->st.rx_looped++;
		return;
	case DAD_RX_DUP_NA:
	case DAD_RX_DUP_NS:
		log_debug("DAD for %s: %s from %s", a6(&dp->target, h),
		    dad_rx_name(v), a6(&m->src, s));
		probe_finish(d, (struct probe *)dp, HA_DAD_DUPLICATE);
		return;
	}
}

static void
on_readable(int fd, uint32_t events, void *arg)
{
	struct ha_dad *d = arg;
	uint8_t buf[RX_BUF];
	struct rx_meta m;
	ssize_t n;

	(void)fd;
	(void)events;
	for (int i = 0; i < RX_BUDGET; i++) {
		if ((n = rx_one(d, buf, sizeof(buf), &m)) < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("DAD: recvmsg");
			return;
		}
		d->st.rx++;
		if (n == 0) {
			d->st.rx_bad++;
			continue;
		}
		rx_handle(d, buf, (size_t)n, &m);
	}
}

/* ---- sockets ------------------------------------------------------- */

static int
open_send(void)
{
	int s, off = 0, hops = DAD_HOPLIMIT;

	if ((s = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_RAW)) == -1)
		return -1;
	/* Our own NS must not come back to us as "another node's" DAD NS
	 * (the nonce catches it too). */
	if (setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off,
	    sizeof(off)) == -1 ||
	    setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops)) == -1) {
		close(s);
		return -1;
	}
	return s;
}

static int
open_recv(void)
{
	struct icmp6_filter f;
	int s, on = 1;

	if ((s = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMPV6)) == -1)
		return -1;
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ND_NEIGHBOR_SOLICIT, &f);
	ICMP6_FILTER_SETPASS(ND_NEIGHBOR_ADVERT, &f);
	if (setsockopt(s, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) == -1 ||
	    setsockopt(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof(on)) == -1 ||
	    setsockopt(s, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
	    sizeof(on)) == -1) {
		close(s);
		return -1;
	}
	return s;
}

struct ha_dad *
ha_dad_open(struct evloop *loop, const char *ifname, ha_dad_fn done,
    void *arg)
{
	struct ha_dad *d;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		log_warn("DAD");
		return NULL;
	}
	d->loop = loop;
	d->done = done;
	d->arg = arg;
	d->sfd = d->rfd = -1;
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	if (dad_table_init(&d->probes) == -1) {
		log_warn("DAD");
		goto err;
	}
	if ((d->sfd = open_send()) == -1 || (d->rfd = open_recv()) == -1) {
		log_warn("DAD: raw sockets");
		goto err;
	}
	if (evloop_add_fd(loop, d->rfd, EPOLLIN, on_readable, d) == -1) {
		log_warn("DAD: evloop_add_fd");
		goto err;
	}
	return d;
err:
	if (d->sfd != -1)
		close(d->sfd);
	if (d->rfd != -1)
		close(d->rfd);
	dad_table_fini(&d->probes);
	free(d);
	return NULL;
}

void
ha_dad_close(struct ha_dad *d)
{
	struct dad_probe *dp;

	if (d == NULL)
		return;
	while ((dp = dad_table_any(&d->probes)) != NULL) {
		struct probe *p = (struct probe *)dp;

		evloop_timer_cancel(d->loop, &p->timer);
		dad_table_remove(&d->probes, dp);
		free(p);
	}
	evloop_del_fd(d->loop, d->rfd);
	close(d->rfd);		/* leaves every group */
	close(d->sfd);
	dad_table_fini(&d->probes);
	free(d);
}
