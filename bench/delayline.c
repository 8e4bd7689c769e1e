/*
 * delayline.c: a constant link delay in user space, for kernels without
 * netem (TESTBED.md: CONFIG_NET_SCH_NETEM is not set on the development
 * and CI machines). bench/handoff_bench.sh puts one between each access
 * router's LAN port and the server LAN's bridge in the namespace sw, so
 * the MN <-> anchor round trip is not ~0.
 *
 *   delayline USEC IFA:IFB [IFA:IFB...]
 *
 * Every frame that arrives on IFA leaves on IFB USEC microseconds later,
 * and the other way round (packet sockets, promiscuous, own sends
 * ignored). Order is kept per direction. Frames larger than the slot
 * (2048 octets: turn GSO/GRO off on both sides) or beyond the queue
 * (QLEN per direction) are dropped and counted. SIGTERM ends it; the
 * counters go to stdout: "pair IFA:IFB fwd N rev N dropped N late_us_max N".
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#define MAXPAIRS	8
#define SLOT		2048
#define QLEN		8192

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING	23
#endif

struct frame {
	uint64_t	due;
	uint16_t	len;
	uint8_t		data[SLOT];
};

/* One direction: frames read on in_fd leave on out_fd. */
struct dir {
	int		 in_fd, out_fd;
	struct frame	*q;
	size_t		 head, n;
	uint64_t	 fwd, dropped, late_max;
};

struct pair {
	char		name[2 * IF_NAMESIZE + 2];
	int		fd[2];
	struct dir	d[2];	/* 0: A -> B, 1: B -> A */
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static int
open_if(const char *ifname)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	int fd, one = 1, buf = 4 << 20;
	unsigned idx;

	if ((idx = if_nametoindex(ifname)) == 0)
		die(ifname);
	if ((fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_ALL))) == -1)
		die("socket(AF_PACKET)");
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1)
		die("bind");
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)idx;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) == -1)
		die("PACKET_MR_PROMISC");
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
	    sizeof(one)) == -1)
		die("PACKET_IGNORE_OUTGOING");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	return fd;
}

/* Read everything in_fd holds into the queue. */
static void
drain(struct dir *d, uint64_t delay)
{
	for (;;) {
		struct frame *f;
		uint8_t scratch[64];
		ssize_t n;

		if (d->n == QLEN) {
			/* Full: read and drop. */
			n = recv(d->in_fd, scratch, sizeof(scratch), 0);
			if (n < 0)
				return;
			d->dropped++;
			continue;
		}
		f = &d->q[(d->head + d->n) % QLEN];
		n = recv(d->in_fd, f->data, sizeof(f->data), MSG_TRUNC);
		if (n < 0)
			return;		/* EAGAIN (or EINTR at stop) */
		if (n == 0)
			continue;
		if ((size_t)n > sizeof(f->data)) {
			d->dropped++;
			continue;
		}
		f->len = (uint16_t)n;
		f->due = now_ns() + delay;
		d->n++;
	}
}

/* Send what is due; returns the next due time (0: queue empty). */
static uint64_t
flush(struct dir *d, uint64_t now)
{
	while (d->n > 0) {
		struct frame *f = &d->q[d->head];

		if (f->due > now)
			return f->due;
		if (now - f->due > d->late_max)
			d->late_max = now - f->due;
		if (send(d->out_fd, f->data, f->len, 0) == -1)
			d->dropped++;
		else
			d->fwd++;
		d->head = (d->head + 1) % QLEN;
		d->n--;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct pair pairs[MAXPAIRS];
	struct epoll_event ev, evs[16];
	struct sigaction act;
	uint64_t delay;
	size_t np = 0;
	int ep, tfd;
	char *end;

	if (argc < 3) {
		fprintf(stderr, "usage: delayline USEC IFA:IFB [IFA:IFB...]\n");
		return 2;
	}
	errno = 0;
	delay = strtoull(argv[1], &end, 10) * 1000;
	if (errno != 0 || *end != '\0' || delay > 10000000000ull) {
		fprintf(stderr, "delayline: bad delay %s\n", argv[1]);
		return 2;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");
	if ((tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK)) == -1)
		die("timerfd_create");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = UINT32_MAX;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) == -1)
		die("epoll_ctl");
	for (int i = 2; i < argc; i++) {
		struct pair *p = &pairs[np];
		char a[IF_NAMESIZE + 1], *colon;

		if (np == MAXPAIRS) {
			fprintf(stderr, "delayline: at most %d pairs\n",
			    MAXPAIRS);
			return 2;
		}
		colon = strchr(argv[i], ':');
		if (colon == NULL || (size_t)(colon - argv[i]) > IF_NAMESIZE) {
			fprintf(stderr, "delayline: IFA:IFB, not %s\n", argv[i]);
			return 2;
		}
		memcpy(a, argv[i], (size_t)(colon - argv[i]));
		a[colon - argv[i]] = '\0';
		snprintf(p->name, sizeof(p->name), "%s", argv[i]);
		p->fd[0] = open_if(a);
		p->fd[1] = open_if(colon + 1);
		for (int k = 0; k < 2; k++) {
			memset(&p->d[k], 0, sizeof(p->d[k]));
			p->d[k].in_fd = p->fd[k];
			p->d[k].out_fd = p->fd[1 - k];
			if ((p->d[k].q = calloc(QLEN, sizeof(struct frame)))
			    == NULL)
				die("calloc");
			ev.data.u32 = (uint32_t)(np * 2 + (size_t)k);
			if (epoll_ctl(ep, EPOLL_CTL_ADD, p->fd[k], &ev) == -1)
				die("epoll_ctl");
		}
		np++;
	}
	printf("delayline %" PRIu64 " us, %zu pairs\n", delay / 1000, np);
	fflush(stdout);

	while (!stop) {
		struct itimerspec its;
		uint64_t next = 0, now;
		int n;

		n = epoll_wait(ep, evs, 16, 1000);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int e = 0; e < n; e++) {
			uint32_t id = evs[e].data.u32;
			uint64_t x;

			if (id == UINT32_MAX)
				(void)read(tfd, &x, sizeof(x));
			else
				drain(&pairs[id / 2].d[id % 2], delay);
		}
		now = now_ns();
		for (size_t i = 0; i < np; i++) {
			for (int k = 0; k < 2; k++) {
				uint64_t d = flush(&pairs[i].d[k], now);

				if (d != 0 && (next == 0 || d < next))
					next = d;
			}
		}
		memset(&its, 0, sizeof(its));
		if (next != 0) {
			its.it_value.tv_sec = (time_t)(next / 1000000000u);
			its.it_value.tv_nsec = (long)(next % 1000000000u);
		}
		/* Disarmed (all zero) when nothing waits. */
		if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
			die("timerfd_settime");
	}
	for (size_t i = 0; i < np; i++)
		printf("pair %s fwd %" PRIu64 " rev %" PRIu64 " dropped %"
		    PRIu64 " late_us_max %" PRIu64 "\n", pairs[i].name,
		    pairs[i].d[0].fwd, pairs[i].d[1].fwd,
		    pairs[i].d[0].dropped + pairs[i].d[1].dropped,
		    (pairs[i].d[0].late_max > pairs[i].d[1].late_max ?
		    pairs[i].d[0].late_max : pairs[i].d[1].late_max) / 1000);
	for (size_t i = 0; i < np; i++) {
		for (int k = 0; k < 2; k++) {
			free(pairs[i].d[k].q);
			close(pairs[i].fd[k]);
		}
	}
	close(tfd);
	close(ep);
	return 0;
}
