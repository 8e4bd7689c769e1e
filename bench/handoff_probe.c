/*
 * handoff_probe.c: the probe streams of bench/handoff_bench.sh, which
 * measures per anchored flow the time from "new CoA usable" to the
 * first packet on the new path (PROTOCOL.md G.4), against the
 * MN <-> anchor round trip measured in the same run.
 *
 *   handoff_probe echo ADDR PORT
 *	(on a CN) echo every datagram to ADDR:PORT back to its sender,
 *	until SIGTERM.
 *   handoff_probe run [options] SRC,DST [SRC,DST...]
 *	(on the MN) K UDP flows, flow i from SRC_(i mod n) port SPORT0+i to
 *	DST_(i mod n) port PORT, each sending one probe every INTERVAL (the
 *	flows evenly staggered). After WARMUP it prints "ready" and watches
 *	the routing netlink for the new CoA: the first RTM_NEWADDR on IFNAME
 *	inside PREFIX/64 that is neither tentative nor failed DAD (an
 *	address already there at start is an error). From then on the
 *	first echo a flow receives came over the new path (the old link is
 *	gone in a method-B move: nothing sent or echoed on it arrives), so
 *	the handoff time of a flow is that echo's arrival minus the time of
 *	the address event, both read from CLOCK_MONOTONIC. When every flow
 *	has its first new echo, it probes AFTER ms more (the round trips
 *	after the move) and exits.
 *
 *	-n K		flows (default 1)
 *	-I IFNAME	the MN's access interface (default mn0)
 *	-P PREFIX	the new link's /64 (required)
 *	-p PORT		the echo port on the CNs (default 7000)
 *	-s SPORT0	the first source port (default 20000)
 *	-i USEC		probe interval per flow (default 2000)
 *	-w MS		warm-up before "ready" (default 1000)
 *	-a MS		probing after the last flow recovered (default 500)
 *	-t MS		give up this long after "ready" (default 10000)
 *
 * Output, one line each, for the shell to parse (times in microseconds):
 *   ready flows K rtt_med_us R
 *   addr ADDRESS at_us T		(since "ready")
 *   flow I src S dst D sport P ho_us H tx_us X gap_us G
 *	rtt_before_us B rtt_after_us A sent N recv M
 *	H: first echo on the new path - address event (-1: none);
 *	X: when that echo's probe was sent, relative to the address event
 *	(negative: sent before, its echo came back the new way);
 *	G: last echo before the address event -> first after.
 *	B, A: median probe round trip before the address event and after
 *	every flow recovered.
 *   mh first_out_us B		the first Mobility Header packet (a BU or
 *				DHP-BU) that left IFNAME after the address
 *				event, relative to it (-1: none seen)
 *   done flows K recovered R errors E
 * Exit 0 when every flow recovered, 1 otherwise, 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#define MAXFLOWS	4096
#define MAXPAIRS	64
#define NSAMPLES	512	/* round trips kept per flow and phase */
#define PROBE_MAGIC	0x64366830u	/* "d6h0" */

struct probe {
	uint32_t	magic;
	uint32_t	flow;
	uint32_t	seq;
	uint32_t	pad;
	uint64_t	tx_ns;
};

struct flow {
	int		fd;
	unsigned	pair;
	uint16_t	sport;
	uint64_t	next_ns;
	uint32_t	seq;
	uint64_t	sent, recv;
	uint64_t	last_old_ns;	/* last echo before the address */
	uint64_t	first_new_ns;	/* first echo after it, 0 none yet */
	uint64_t	first_new_tx;	/* that echo's probe's send time */
	uint32_t	rtt_b[NSAMPLES];	/* ring, before the address */
	unsigned	nb;
	uint32_t	rtt_a[NSAMPLES];	/* after every flow recovered */
	unsigned	na;
};

static struct flow	flows[MAXFLOWS];
static volatile sig_atomic_t stop;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static int
sa6(const char *addr, unsigned port, struct sockaddr_in6 *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons((uint16_t)port);
	return inet_pton(AF_INET6, addr, &sa->sin6_addr) == 1 ? 0 : -1;
}

static long
num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "bad number %s (%ld..%ld)\n", s, lo, hi);
		exit(2);
	}
	return v;
}

/* ---- echo ------------------------------------------------------------- */

static int
run_echo(const char *addr, unsigned port)
{
	struct sockaddr_in6 sa, from;
	socklen_t fl;
	uint8_t buf[2048];
	ssize_t n;
	int fd, one = 1, rcv = 4 << 20;
	struct sigaction act;

	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	if (sa6(addr, port, &sa) == -1) {
		fprintf(stderr, "bad address %s\n", addr);
		return 2;
	}
	if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) == -1)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		die("bind");
	printf("listening %s %u\n", addr, port);
	fflush(stdout);
	while (!stop) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		    &fl);
		if (n < 0)
			continue;	/* EINTR at stop, or an ICMP error */
		(void)sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
		    fl);
	}
	close(fd);
	return 0;
}

/* ---- netlink: the new CoA -------------------------------------------- */

struct nlwatch {
	int		fd;
	unsigned	ifindex;
	struct in6_addr	prefix;		/* /64 */
};

static bool
in_prefix(const struct in6_addr *a, const struct in6_addr *p)
{
	return memcmp(a->s6_addr, p->s6_addr, 8) == 0;
}

/*
 * One RTM_NEWADDR (buf, len: the payload after the nlmsghdr): true, with
 * *out set, for a usable address on the interface inside the prefix.
 */
static bool
newaddr_usable(const struct nlwatch *w, const uint8_t *buf, size_t len,
    struct in6_addr *out)
{
	struct ifaddrmsg ifa;
	struct rtattr hdr;
	uint32_t flags;
	size_t off;
	bool have = false;

	if (len < NLMSG_ALIGN(sizeof(ifa)))
		return false;
	memcpy(&ifa, buf, sizeof(ifa));
	if (ifa.ifa_family != AF_INET6 || ifa.ifa_index != w->ifindex)
		return false;
	flags = ifa.ifa_flags;
	for (off = NLMSG_ALIGN(sizeof(ifa)); off + sizeof(hdr) <= len;) {
		size_t alen;

		memcpy(&hdr, buf + off, sizeof(hdr));
		if (hdr.rta_len < sizeof(hdr) || hdr.rta_len > len - off)
			break;
		alen = hdr.rta_len - RTA_LENGTH(0);
		if ((hdr.rta_type == IFA_ADDRESS || hdr.rta_type == IFA_LOCAL) &&
		    alen == sizeof(*out)) {
			memcpy(out, buf + off + RTA_LENGTH(0), sizeof(*out));
			have = true;
		} else if (hdr.rta_type == IFA_FLAGS && alen == sizeof(flags))
			memcpy(&flags, buf + off + RTA_LENGTH(0), sizeof(flags));
		off += RTA_ALIGN(hdr.rta_len);
	}
	return have && in_prefix(out, &w->prefix) &&
	    (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) == 0;
}

/* Read what the socket holds; true (and *out) at a usable new address. */
static bool
nl_read(const struct nlwatch *w, struct in6_addr *out, bool *dump_done)
{
	uint8_t buf[16384];
	ssize_t n;
	bool found = false;

	while ((n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		size_t left = (size_t)n;
		const struct nlmsghdr *h;

		for (h = (const struct nlmsghdr *)(void *)buf;
		    NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE ||
			    h->nlmsg_type == NLMSG_ERROR) {
				if (dump_done != NULL)
					*dump_done = true;
				continue;
			}
			if (h->nlmsg_type != RTM_NEWADDR)
				continue;
			if (newaddr_usable(w, (const uint8_t *)NLMSG_DATA(h),
			    h->nlmsg_len - NLMSG_LENGTH(0), out))
				found = true;
		}
	}
	return found;
}

static void
nl_open(struct nlwatch *w, const char *ifname, const char *prefix)
{
	struct sockaddr_nl snl;
	struct {
		struct nlmsghdr	h;
		struct ifaddrmsg m;
	} req;
	struct in6_addr a;
	bool done = false;
	int rcv = 4 << 20;

	if ((w->ifindex = if_nametoindex(ifname)) == 0)
		die(ifname);
	if (inet_pton(AF_INET6, prefix, &w->prefix) != 1) {
		fprintf(stderr, "bad prefix %s\n", prefix);
		exit(2);
	}
	if ((w->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) == -1)
		die("netlink");
	setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	snl.nl_groups = RTMGRP_IPV6_IFADDR;
	if (bind(w->fd, (struct sockaddr *)&snl, sizeof(snl)) == -1)
		die("netlink bind");
	/* An address on the new prefix before the move would make the
	 * first event meaningless. */
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = RTM_GETADDR;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.m.ifa_family = AF_INET6;
	if (send(w->fd, &req, sizeof(req), 0) == -1)
		die("netlink dump");
	for (int i = 0; i < 200 && !done; i++) {
		if (nl_read(w, &a, &done)) {
			char s[INET6_ADDRSTRLEN];

			fprintf(stderr, "an address on %s/64 exists already: %s\n",
			    prefix, inet_ntop(AF_INET6, &a, s, sizeof(s)));
			exit(1);
		}
		if (!done)
			usleep(5000);
	}
}

/* ---- the first BU on the wire ----------------------------------------- */

#define IPPROTO_MH_	135

/* A packet socket on the interface that sees the IPv6 packets it sends
 * with a Mobility Header (next header 135: mnd's "transport mh"),
 * directly or after a destination options header (60). Only ETH_P_ALL
 * sockets see outgoing packets; the filter keeps the rest out. */
static int
mh_open(unsigned ifindex)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 8),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 6),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),	/* next header */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_MH_, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_DSTOPTS, 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 40),	/* its next header */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_MH_, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };
	struct sockaddr_ll sll;
	int fd;

	if ((fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_ALL))) == -1)
		die("socket(AF_PACKET)");
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1)
		die("SO_ATTACH_FILTER");
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1)
		die("bind(AF_PACKET)");
	return fd;
}

/* True when the socket held an outgoing MH packet (the rest is read
 * and dropped). */
static bool
mh_read(int fd)
{
	uint8_t buf[128];
	struct sockaddr_ll from;
	socklen_t fl;
	ssize_t n;
	bool out = false;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
		    (struct sockaddr *)&from, &fl);
		if (n < 0)
			return out;
		if (n < 41 || (buf[0] >> 4) != 6 ||
		    from.sll_pkttype != PACKET_OUTGOING ||
		    from.sll_protocol != htons(ETH_P_IPV6))
			continue;
		if (buf[6] == IPPROTO_MH_ ||
		    (buf[6] == IPPROTO_DSTOPTS && buf[40] == IPPROTO_MH_))
			out = true;
	}
}

/* ---- run -------------------------------------------------------------- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n) (v is left as it was). */
static long
median(const uint32_t *v, unsigned n)
{
	uint32_t s[NSAMPLES];

	if (n == 0)
		return -1;
	if (n > NSAMPLES)
		n = NSAMPLES;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u32);
	return (long)s[n / 2];
}

static int
run(int argc, char **argv)
{
	const char *ifname = "mn0", *prefix = NULL;
	unsigned nflows = 1, port = 7000, sport0 = 20000, npairs = 0;
	uint64_t interval = 2000000, warm = 1000, after = 500,
	    timeout = 10000;
	struct sockaddr_in6 src[MAXPAIRS], dst[MAXPAIRS];
	char srcs[MAXPAIRS][INET6_ADDRSTRLEN], dsts[MAXPAIRS][INET6_ADDRSTRLEN];
	struct nlwatch w;
	int mhfd;
	uint64_t t_mh = 0;
	struct epoll_event ev, evs[64];
	struct in6_addr na;
	struct itimerspec its;
	uint64_t t_start, t_ready = 0, t_addr = 0, t_all = 0, tick, errors = 0;
	unsigned recovered = 0;
	int ep, tfd, c, one = 1, rcv = 1 << 20;
	char abuf[INET6_ADDRSTRLEN];

	while ((c = getopt(argc, argv, "n:I:P:p:s:i:w:a:t:")) != -1) {
		switch (c) {
		case 'n':
			nflows = (unsigned)num(optarg, 1, MAXFLOWS);
			break;
		case 'I':
			ifname = optarg;
			break;
		case 'P':
			prefix = optarg;
			break;
		case 'p':
			port = (unsigned)num(optarg, 1, 65535);
			break;
		case 's':
			sport0 = (unsigned)num(optarg, 1, 65535);
			break;
		case 'i':
			interval = (uint64_t)num(optarg, 100, 1000000) * 1000;
			break;
		case 'w':
			warm = (uint64_t)num(optarg, 0, 600000);
			break;
		case 'a':
			after = (uint64_t)num(optarg, 0, 600000);
			break;
		case 't':
			timeout = (uint64_t)num(optarg, 1, 600000);
			break;
		default:
			return 2;
		}
	}
	if (prefix == NULL || optind >= argc) {
		fprintf(stderr, "run: -P PREFIX and at least one SRC,DST\n");
		return 2;
	}
	if (sport0 + nflows > 65536) {
		fprintf(stderr, "run: source ports beyond 65535\n");
		return 2;
	}
	for (int i = optind; i < argc && npairs < MAXPAIRS; i++, npairs++) {
		char tmp[2 * INET6_ADDRSTRLEN + 2], *comma;

		snprintf(tmp, sizeof(tmp), "%s", argv[i]);
		if ((comma = strchr(tmp, ',')) == NULL) {
			fprintf(stderr, "run: SRC,DST expected, not %s\n", argv[i]);
			return 2;
		}
		*comma = '\0';
		if (sa6(tmp, 0, &src[npairs]) == -1 ||
		    sa6(comma + 1, port, &dst[npairs]) == -1) {
			fprintf(stderr, "run: bad pair %s\n", argv[i]);
			return 2;
		}
		inet_ntop(AF_INET6, &src[npairs].sin6_addr, srcs[npairs],
		    sizeof(srcs[npairs]));
		inet_ntop(AF_INET6, &dst[npairs].sin6_addr, dsts[npairs],
		    sizeof(dsts[npairs]));
	}
	signal(SIGPIPE, SIG_IGN);
	nl_open(&w, ifname, prefix);
	mhfd = mh_open(w.ifindex);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = UINT32_MAX;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, w.fd, &ev) == -1)
		die("epoll_ctl");
	if ((tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK)) == -1)
		die("timerfd");
	ev.data.u32 = UINT32_MAX - 2;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, mhfd, &ev) == -1)
		die("epoll_ctl");
	ev.data.u32 = UINT32_MAX - 1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) == -1)
		die("epoll_ctl");
	t_start = now_ns();
	for (unsigned i = 0; i < nflows; i++) {
		struct flow *f = &flows[i];
		struct sockaddr_in6 s;

		f->pair = i % npairs;
		f->sport = (uint16_t)(sport0 + i);
		f->next_ns = t_start + interval * i / nflows;
		s = src[f->pair];
		s.sin6_port = htons(f->sport);
		if ((f->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0))
		    == -1)
			die("socket");
		setsockopt(f->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(f->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
		if (bind(f->fd, (struct sockaddr *)&s, sizeof(s)) == -1)
			die("bind (is the source address on the MN?)");
		if (connect(f->fd, (struct sockaddr *)&dst[f->pair],
		    sizeof(dst[f->pair])) == -1)
			die("connect");
		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, f->fd, &ev) == -1)
			die("epoll_ctl");
	}
	/* A tick well below the interval keeps the staggering. */
	tick = interval / nflows;
	if (tick > 1000000)
		tick = 1000000;
	if (tick < 200000)
		tick = 200000;
	memset(&its, 0, sizeof(its));
	its.it_interval.tv_nsec = (long)tick;
	its.it_value.tv_nsec = (long)tick;
	if (timerfd_settime(tfd, 0, &its, NULL) == -1)
		die("timerfd_settime");

	for (;;) {
		uint64_t now = now_ns();
		int n;

		if (t_ready == 0 && now - t_start >= warm * 1000000) {
			uint32_t all[NSAMPLES];
			unsigned k = 0;

			/* The median of the flows' medians so far. */
			for (unsigned i = 0; i < nflows && k < NSAMPLES; i++) {
				long m = median(flows[i].rtt_b, flows[i].nb <
				    NSAMPLES ? flows[i].nb : NSAMPLES);

				if (m >= 0)
					all[k++] = (uint32_t)m;
			}
			t_ready = now;
			printf("ready flows %u rtt_med_us %ld\n", nflows,
			    median(all, k));
			fflush(stdout);
		}
		if (t_ready != 0 && t_addr == 0 &&
		    now - t_ready >= timeout * 1000000)
			break;
		if (t_all != 0 && now - t_all >= after * 1000000)
			break;
		if (t_addr != 0 && t_all == 0 &&
		    now - t_addr >= timeout * 1000000)
			break;
		if (stop)
			break;
		n = epoll_wait(ep, evs, 64, 100);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		/* The address event first: a BU in the same batch came
		 * after it. */
		for (int e = 1; e < n; e++) {
			if (evs[e].data.u32 == UINT32_MAX) {
				evs[e] = evs[0];
				evs[0].data.u32 = UINT32_MAX;
			}
		}
		for (int e = 0; e < n; e++) {
			uint32_t id = evs[e].data.u32;

			now = now_ns();
			if (id == UINT32_MAX - 2) {
				if (mh_read(mhfd) && t_addr != 0 && t_mh == 0)
					t_mh = now_ns();
			} else if (id == UINT32_MAX) {
				if (nl_read(&w, &na, NULL) && t_addr == 0 &&
				    t_ready != 0) {
					t_addr = now_ns();
					printf("addr %s at_us %" PRIu64 "\n",
					    inet_ntop(AF_INET6, &na, abuf,
					    sizeof(abuf)),
					    (t_addr - t_ready) / 1000);
					fflush(stdout);
				}
			} else if (id == UINT32_MAX - 1) {
				uint64_t x;

				(void)read(tfd, &x, sizeof(x));
				for (unsigned i = 0; i < nflows; i++) {
					struct flow *f = &flows[i];
					struct probe p;

					if (f->next_ns > now)
						continue;
					memset(&p, 0, sizeof(p));
					p.magic = PROBE_MAGIC;
					p.flow = i;
					p.seq = f->seq++;
					p.tx_ns = now_ns();
					if (send(f->fd, &p, sizeof(p), 0) == -1)
						errors++;
					else
						f->sent++;
					f->next_ns += interval;
					if (f->next_ns < now)	/* fell behind */
						f->next_ns = now + interval;
				}
			} else if (id < nflows) {
				struct flow *f = &flows[id];
				struct probe p;
				ssize_t r;

				for (int k = 0; k < 1024; k++) {
					uint64_t t, rtt;

					r = recv(f->fd, &p, sizeof(p), 0);
					if (r == -1 && (errno == EAGAIN ||
					    errno == EWOULDBLOCK))
						break;
					if (r == -1) {
						/* An ICMP error on the
						 * connected socket, or EINTR. */
						errors++;
						continue;
					}
					t = now_ns();
					if ((size_t)r != sizeof(p) ||
					    p.magic != PROBE_MAGIC ||
					    p.flow != id || p.tx_ns > t)
						continue;
					f->recv++;
					rtt = (t - p.tx_ns) / 1000;
					if (rtt > UINT32_MAX)
						rtt = UINT32_MAX;
					if (t_addr == 0) {
						f->last_old_ns = t;
						f->rtt_b[f->nb++ % NSAMPLES] =
						    (uint32_t)rtt;
						continue;
					}
					if (f->first_new_ns == 0) {
						f->first_new_ns = t;
						f->first_new_tx = p.tx_ns;
						if (++recovered == nflows)
							t_all = t;
						continue;
					}
					if (t_all != 0 && p.tx_ns > t_all &&
					    f->na < NSAMPLES)
						f->rtt_a[f->na++] = (uint32_t)rtt;
				}
			}
		}
	}

	if (t_addr == 0)
		printf("noaddr after %" PRIu64 " ms\n", timeout);
	for (unsigned i = 0; i < nflows; i++) {
		struct flow *f = &flows[i];
		long ho = -1, tx = 0, gap = -1;

		if (t_addr != 0 && f->first_new_ns != 0) {
			ho = (long)((f->first_new_ns - t_addr) / 1000);
			tx = ((long)f->first_new_tx - (long)t_addr) / 1000;
			if (f->last_old_ns != 0)
				gap = (long)((f->first_new_ns - f->last_old_ns)
				    / 1000);
		}
		printf("flow %u src %s dst %s sport %u ho_us %ld tx_us %ld "
		    "gap_us %ld rtt_before_us %ld rtt_after_us %ld sent %"
		    PRIu64 " recv %" PRIu64 "\n", i, srcs[f->pair],
		    dsts[f->pair], f->sport, ho, tx, gap,
		    median(f->rtt_b, f->nb < NSAMPLES ? f->nb : NSAMPLES),
		    median(f->rtt_a, f->na), f->sent, f->recv);
		close(f->fd);
	}
	printf("mh first_out_us %ld\n", t_mh != 0 ? (long)((t_mh - t_addr) /
	    1000) : -1L);
	close(mhfd);
	printf("done flows %u recovered %u errors %" PRIu64 "\n", nflows,
	    recovered, errors);
	return recovered == nflows && t_addr != 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "echo") == 0)
		return run_echo(argv[2], (unsigned)num(argv[3], 1, 65535));
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return run(argc - 1, argv + 1);
	fprintf(stderr, "usage: handoff_probe echo ADDR PORT\n"
	    "       handoff_probe run [-n K] [-I IF] -P PREFIX [-p PORT] "
	    "[-s SPORT0] [-i USEC] [-w MS] [-a MS] [-t MS] SRC,DST...\n");
	return 2;
}
