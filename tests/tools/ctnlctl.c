/*
 * ctnlctl.c: common/ctnl and common/sockdiag driven from the shell, for
 * tests/ctnl_test.sh.
 *
 *   ctnlctl events [SECS]
 *       print conntrack events (all three groups) for SECS seconds
 *       (default 10) or until SIGTERM/SIGINT; "listening" first, then
 *       one line per IPv6 event:
 *         NEW|UPDATE|DESTROY <orig> reply <reply> mark 0xM status 0xS
 *                            [counters OP/OB RP/RB]
 *       and "stats events E enobufs N bad B skipped S" at exit.
 *   ctnlctl get PROTO SRC SPORT DST DPORT       the entry ("ENTRY ...")
 *   ctnlctl delete PROTO SRC SPORT DST DPORT
 *       by ORIGINAL tuple; PROTO tcp|udp|icmpv6 (icmpv6: the ports are
 *       the echo id). Exit 2 with "ENOENT" when there is no such entry.
 *   ctnlctl destroy PROTO LOCAL LPORT [REMOTE|- RPORT]
 *       sockdiag_destroy(); prints "destroyed N t_ns T" (T: monotonic
 *       clock just before the call).
 *   ctnlctl hold PROTO SRC DST DPORT [BYTES]
 *       a client: connect from SRC (tcp or udp), send BYTES (default
 *       100), print "ready LPORT", block in recv() and print
 *       "recv rc R errno NAME t_ns T" when it returns (T: monotonic
 *       clock right after). Exit 0 when it failed with ECONNABORTED.
 *
 * Exit status: 0 done, 2 ENOENT, 1 anything else.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "ctnl.h"
#include "log.h"
#include "sockdiag.h"

static volatile sig_atomic_t stop;

static void
on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ctnlctl events [SECS]\n"
	    "       ctnlctl get|delete PROTO SRC SPORT DST DPORT\n"
	    "       ctnlctl destroy PROTO LOCAL LPORT [REMOTE|- RPORT]\n"
	    "       ctnlctl hold PROTO SRC DST DPORT [BYTES]\n");
	exit(1);
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint8_t
parse_proto(const char *s)
{
	if (strcmp(s, "tcp") == 0)
		return IPPROTO_TCP;
	if (strcmp(s, "udp") == 0)
		return IPPROTO_UDP;
	if (strcmp(s, "icmpv6") == 0)
		return IPPROTO_ICMPV6;
	fprintf(stderr, "ctnlctl: unknown protocol %s\n", s);
	exit(1);
}

static struct in6_addr
parse_addr(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1) {
		fprintf(stderr, "ctnlctl: bad IPv6 address %s\n", s);
		exit(1);
	}
	return a;
}

static uint16_t
parse_port(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*s == '\0' || *end != '\0' || v > 65535) {
		fprintf(stderr, "ctnlctl: bad port %s\n", s);
		exit(1);
	}
	return (uint16_t)v;
}

static void
print_event(const char *kind, const struct ct_event *ev)
{
	char o[CT_TUPLE_STRLEN], r[CT_TUPLE_STRLEN];

	printf("%s %s reply %s mark 0x%x status 0x%x", kind,
	    ct_tuple_str(&ev->orig, o, sizeof(o)),
	    ct_tuple_str(&ev->reply, r, sizeof(r)), ev->mark, ev->status);
	if (ev->has_counters)
		printf(" counters %llu/%llu %llu/%llu",
		    (unsigned long long)ev->orig_pkts,
		    (unsigned long long)ev->orig_bytes,
		    (unsigned long long)ev->reply_pkts,
		    (unsigned long long)ev->reply_bytes);
	printf("\n");
	fflush(stdout);
}

static void
on_event(const struct ct_event *ev, void *arg)
{
	static const char *const kinds[] = { "NEW", "UPDATE", "DESTROY" };

	(void)arg;
	print_event(kinds[ev->kind], ev);
}

static int
cmd_events(int argc, char **argv)
{
	struct ctnl *c;
	const struct ctnl_stats *st;
	struct pollfd pfd;
	uint64_t end;
	int secs = argc > 0 ? atoi(argv[0]) : 10, rc = 0;

	c = ctnl_open(CTNL_GRP_NEW | CTNL_GRP_UPDATE | CTNL_GRP_DESTROY);
	if (c == NULL) {
		perror("ctnlctl: ctnl_open");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	end = mono_ns() + (uint64_t)secs * 1000000000u;
	pfd.fd = ctnl_fd(c);
	pfd.events = POLLIN;
	while (!stop && mono_ns() < end) {
		if (poll(&pfd, 1, 100) > 0 &&
		    ctnl_read(c, on_event, NULL) < 0) {
			rc = 1;
			break;
		}
	}
	st = ctnl_get_stats(c);
	printf("stats events %llu enobufs %llu bad %llu skipped %llu\n",
	    (unsigned long long)st->events, (unsigned long long)st->enobufs,
	    (unsigned long long)st->bad_msgs,
	    (unsigned long long)st->skipped);
	ctnl_close(c);
	return rc;
}

static int
cmd_request(bool del, int argc, char **argv)
{
	struct ct_tuple t = { 0 };
	struct ct_event ev;
	struct ctnl *c;
	int rc;

	if (argc != 5)
		usage();
	t.proto = parse_proto(argv[0]);
	t.src = parse_addr(argv[1]);
	t.sport = parse_port(argv[2]);
	t.dst = parse_addr(argv[3]);
	t.dport = parse_port(argv[4]);
	if ((c = ctnl_open(0)) == NULL) {
		perror("ctnlctl: ctnl_open");
		return 1;
	}
	rc = del ? ctnl_delete(c, &t) : ctnl_get(c, &t, &ev);
	ctnl_close(c);
	if (rc == -ENOENT) {
		printf("ENOENT\n");
		return 2;
	}
	if (rc < 0) {
		fprintf(stderr, "ctnlctl: %s: %s\n", del ? "delete" : "get",
		    strerror(-rc));
		return 1;
	}
	if (del)
		printf("deleted\n");
	else
		print_event("ENTRY", &ev);
	return 0;
}

static int
cmd_destroy(int argc, char **argv)
{
	struct in6_addr local, remote;
	uint16_t lport, rport = 0;
	uint64_t t0;
	uint8_t proto;
	bool any = true;
	int n;

	if (argc != 3 && argc != 5)
		usage();
	proto = parse_proto(argv[0]);
	local = parse_addr(argv[1]);
	lport = parse_port(argv[2]);
	if (argc == 5) {
		if (strcmp(argv[3], "-") != 0) {
			remote = parse_addr(argv[3]);
			any = false;
		}
		rport = parse_port(argv[4]);
	}
	t0 = mono_ns();
	n = sockdiag_destroy(proto, &local, lport, any ? NULL : &remote,
	    rport);
	if (n < 0) {
		fprintf(stderr, "ctnlctl: destroy: %s\n", strerror(-n));
		return 1;
	}
	printf("destroyed %d t_ns %llu\n", n, (unsigned long long)t0);
	return 0;
}

static int
cmd_hold(int argc, char **argv)
{
	struct sockaddr_in6 src = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6 };
	socklen_t sl = sizeof(src);
	char data[65536], buf[2048];
	size_t bytes = 100;
	ssize_t n;
	uint8_t proto;
	int fd, err;

	if (argc != 4 && argc != 5)
		usage();
	proto = parse_proto(argv[0]);
	src.sin6_addr = parse_addr(argv[1]);
	dst.sin6_addr = parse_addr(argv[2]);
	dst.sin6_port = htons(parse_port(argv[3]));
	if (argc == 5 && (bytes = strtoul(argv[4], NULL, 0)) > sizeof(data))
		usage();
	if (proto == IPPROTO_ICMPV6)
		usage();
	fd = socket(AF_INET6, proto == IPPROTO_TCP ? SOCK_STREAM :
	    SOCK_DGRAM, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&src, &sl) == -1) {
		perror("ctnlctl: hold");
		return 1;
	}
	memset(data, 'x', bytes);
	if (bytes > 0 && send(fd, data, bytes, 0) != (ssize_t)bytes) {
		perror("ctnlctl: hold: send");
		return 1;
	}
	printf("ready %u\n", ntohs(src.sin6_port));
	fflush(stdout);
	n = recv(fd, buf, sizeof(buf), 0);
	err = errno;
	printf("recv rc %zd errno %s t_ns %llu\n", n,
	    n < 0 ? (err == ECONNABORTED ? "ECONNABORTED" : strerror(err)) :
	    "none", (unsigned long long)mono_ns());
	close(fd);
	return n < 0 && err == ECONNABORTED ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sig };

	log_init("ctnlctl", 1, LOG_LVL_DEBUG);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "events") == 0)
		return cmd_events(argc - 2, argv + 2);
	if (strcmp(argv[1], "get") == 0)
		return cmd_request(false, argc - 2, argv + 2);
	if (strcmp(argv[1], "delete") == 0)
		return cmd_request(true, argc - 2, argv + 2);
	if (strcmp(argv[1], "destroy") == 0)
		return cmd_destroy(argc - 2, argv + 2);
	if (strcmp(argv[1], "hold") == 0)
		return cmd_hold(argc - 2, argv + 2);
	usage();
}
