/*
 * classify_bench.c: the load generator and sink of bench/
 * classify_bench.sh, which measures what mnd's flow classifier
 * (PROTOCOL.md G.1) costs: new flows per second, the delay it adds to a
 * flow's first packet, and established-flow throughput, each against
 * the same namespaces with no dmip6 rules in the same run.
 *
 *   classify_bench server ADDR PORT COUNT
 *	TCP listeners and UDP echo sockets on PORT..PORT+COUNT-1: a TCP
 *	connection is read to EOF and closed; a datagram is echoed. UDP
 *	sinks (no echo) on PORT+100..PORT+100+COUNT-1.
 *   classify_bench tcp DST DPORT N SPORT0
 *	N sequential connect()s from source ports SPORT0..SPORT0+N-1, each
 *	closed with an RST (no TIME_WAIT). Prints the rate and the
 *	connect() time (SYN to SYN-ACK: the first-packet delay) median and
 *	99th percentile.
 *   classify_bench udp DST DPORT N SPORT0
 *	N sequential one-datagram flows from SPORT0.., each waiting for the
 *	echo (first-packet round trip). Same figures.
 *   classify_bench burst DST DPORT N SPORT0
 *	N one-datagram flows back to back to the sink port DPORT+100, then
 *	one marker flow to the echo port DPORT; the time until the
 *	marker's echo (the queue keeps order) gives flows classified per
 *	second under load.
 *   classify_bench stream DST DPORT SECONDS
 *	one TCP stream for SECONDS; prints the bytes the sink acknowledged
 *	per second (it waits for the sink to close, so the count is what
 *	was delivered).
 *
 * Output: one line "key value ..." per run, for the shell to parse.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#define MAXPORTS	64
#define MAXCONN		1024
#define SINK_OFFSET	100	/* UDP sink ports: PORT+100.. */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static struct sockaddr_in6
sa6(const char *addr, unsigned port)
{
	struct sockaddr_in6 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons((uint16_t)port);
	if (inet_pton(AF_INET6, addr, &sa.sin6_addr) != 1) {
		fprintf(stderr, "bad address %s\n", addr);
		exit(2);
	}
	return sa;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *kind, double *lat, unsigned n, double secs)
{
	qsort(lat, n, sizeof(*lat), cmp_d);
	printf("%s flows %u secs %.4f rate %.1f median_us %.1f p99_us %.1f\n",
	    kind, n, secs, n / secs, lat[n / 2] * 1e6,
	    lat[(size_t)(n * 0.99) < n ? (size_t)(n * 0.99) : n - 1] * 1e6);
}

static int
server(const char *addr, unsigned port, unsigned count)
{
	struct pollfd pf[3 * MAXPORTS + MAXCONN];
	unsigned nl = 0, nc = 0, nlisten = 0;
	static char buf[256 * 1024];
	int one = 1;

	if (count == 0 || count > MAXPORTS)
		return 2;
	for (unsigned i = 0; i < count; i++) {
		struct sockaddr_in6 sa = sa6(addr, port + i);
		int t = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
		int u = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);

		if (t == -1 || u == -1)
			die("socket");
		setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(t, (void *)&sa, sizeof(sa)) == -1 ||
		    listen(t, 4096) == -1 ||
		    bind(u, (void *)&sa, sizeof(sa)) == -1)
			die("bind");
		pf[nl++] = (struct pollfd){ .fd = t, .events = POLLIN };
		pf[nl++] = (struct pollfd){ .fd = u, .events = POLLIN };
	}
	for (unsigned i = 0; i < count; i++) {
		struct sockaddr_in6 sa = sa6(addr, port + SINK_OFFSET + i);
		int k = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		int big = 16 << 20;

		if (k == -1 || bind(k, (void *)&sa, sizeof(sa)) == -1)
			die("sink");
		setsockopt(k, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
		pf[nl++] = (struct pollfd){ .fd = k, .events = POLLIN };
	}
	nlisten = 2 * count;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (poll(pf, nl + nc, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (unsigned i = 0; i < nl; i++) {
			if (!(pf[i].revents & POLLIN))
				continue;
			if (i >= nlisten) {	/* UDP sink: drain */
				while (recv(pf[i].fd, buf, 2048, 0) > 0)
					;
			} else if (i % 2 == 0) {	/* TCP listener */
				int c;

				while ((c = accept4(pf[i].fd, NULL, NULL,
				    SOCK_NONBLOCK)) != -1) {
					if (nc == MAXCONN) {
						close(c);
						continue;
					}
					pf[nl + nc++] = (struct pollfd){
					    .fd = c, .events = POLLIN };
				}
			} else {		/* UDP echo */
				struct sockaddr_in6 from;
				socklen_t fl = sizeof(from);
				ssize_t n;

				while ((n = recvfrom(pf[i].fd, buf, 2048, 0,
				    (void *)&from, &fl)) > 0) {
					sendto(pf[i].fd, buf, (size_t)n, 0,
					    (void *)&from, fl);
					fl = sizeof(from);
				}
			}
		}
		for (unsigned j = nl; j < nl + nc;) {
			ssize_t n = 1;

			if (pf[j].revents & (POLLIN | POLLHUP | POLLERR))
				while ((n = read(pf[j].fd, buf,
				    sizeof(buf))) > 0)
					;
			if (n == 0 || (n == -1 && errno != EAGAIN)) {
				close(pf[j].fd);
				pf[j] = pf[nl + --nc];
				continue;
			}
			j++;
		}
	}
}

static int
tcp_flows(const char *dst, unsigned dport, unsigned n, unsigned sport0)
{
	struct sockaddr_in6 to = sa6(dst, dport);
	struct linger lg = { 1, 0 };
	double *lat = calloc(n, sizeof(*lat)), t0, t;
	int one = 1;

	if (lat == NULL || n == 0)
		return 2;
	t0 = now_s();
	for (unsigned i = 0; i < n; i++) {
		struct sockaddr_in6 from = sa6("::", sport0 + i);
		int s = socket(AF_INET6, SOCK_STREAM, 0);

		if (s == -1)
			die("socket");
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (bind(s, (void *)&from, sizeof(from)) == -1)
			die("bind");
		t = now_s();
		if (connect(s, (void *)&to, sizeof(to)) == -1)
			die("connect");
		lat[i] = now_s() - t;
		close(s);	/* RST: no TIME_WAIT */
	}
	report("tcp", lat, n, now_s() - t0);
	free(lat);
	return 0;
}

static int
udp_flows(const char *dst, unsigned dport, unsigned n, unsigned sport0)
{
	struct sockaddr_in6 to = sa6(dst, dport);
	double *lat = calloc(n, sizeof(*lat)), t0, t;
	unsigned lost = 0;
	char b[16];

	if (lat == NULL || n == 0)
		return 2;
	t0 = now_s();
	for (unsigned i = 0; i < n; i++) {
		struct sockaddr_in6 from = sa6("::", sport0 + i);
		int s = socket(AF_INET6, SOCK_DGRAM, 0);
		struct pollfd pf = { .fd = s, .events = POLLIN };

		if (s == -1 || bind(s, (void *)&from, sizeof(from)) == -1)
			die("udp socket");
		t = now_s();
		if (sendto(s, "b", 1, 0, (void *)&to, sizeof(to)) != 1)
			die("sendto");
		if (poll(&pf, 1, 1000) != 1 || recv(s, b, sizeof(b), 0) != 1)
			lost++;
		lat[i] = now_s() - t;
		close(s);
	}
	report("udp", lat, n, now_s() - t0);
	if (lost)
		printf("udp lost %u\n", lost);
	free(lat);
	return 0;
}

/* N one-datagram flows back to back to a sink port (no echo), then a
 * marker flow to the echo port: the queue and the veth keep order, so
 * its echo means every flow before it was classified and delivered. */
static int
udp_burst(const char *dst, unsigned dport, unsigned n, unsigned sport0)
{
	struct sockaddr_in6 sink = sa6(dst, dport + SINK_OFFSET);
	struct sockaddr_in6 echo = sa6(dst, dport);
	struct sockaddr_in6 from;
	struct pollfd pf;
	double t0, t1;
	char b[16];
	int s;

	if (n == 0)
		return 2;
	t0 = now_s();
	for (unsigned i = 0; i < n; i++) {
		from = sa6("::", sport0 + i);
		if ((s = socket(AF_INET6, SOCK_DGRAM, 0)) == -1 ||
		    bind(s, (void *)&from, sizeof(from)) == -1)
			die("udp socket");
		if (sendto(s, "B", 1, 0, (void *)&sink, sizeof(sink)) != 1)
			die("sendto");
		close(s);
	}
	from = sa6("::", sport0 + n);
	if ((s = socket(AF_INET6, SOCK_DGRAM, 0)) == -1 ||
	    bind(s, (void *)&from, sizeof(from)) == -1)
		die("udp socket");
	pf = (struct pollfd){ .fd = s, .events = POLLIN };
	if (sendto(s, "m", 1, 0, (void *)&echo, sizeof(echo)) != 1)
		die("sendto");
	if (poll(&pf, 1, 5000) != 1 || recv(s, b, sizeof(b), 0) != 1) {
		printf("burst marker lost\n");
		return 1;
	}
	t1 = now_s();
	close(s);
	printf("burst flows %u secs %.4f rate %.1f\n", n + 1, t1 - t0,
	    (n + 1) / (t1 - t0));
	return 0;
}

static int
stream(const char *dst, unsigned dport, double secs)
{
	struct sockaddr_in6 to = sa6(dst, dport);
	static char buf[128 * 1024];
	unsigned long long sent = 0;
	double t0, t1;
	int s = socket(AF_INET6, SOCK_STREAM, 0);
	char c;

	if (s == -1 || connect(s, (void *)&to, sizeof(to)) == -1)
		die("stream connect");
	memset(buf, 'x', sizeof(buf));
	t0 = now_s();
	while (now_s() - t0 < secs) {
		ssize_t n = write(s, buf, sizeof(buf));

		if (n <= 0)
			die("write");
		sent += (unsigned long long)n;
	}
	shutdown(s, SHUT_WR);
	(void)read(s, &c, 1);	/* the sink closes after reading all */
	t1 = now_s();
	close(s);
	printf("stream bytes %llu secs %.4f gbit %.3f\n", sent, t1 - t0,
	    (double)sent * 8 / (t1 - t0) / 1e9);
	return 0;
}

static unsigned
num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end != '\0' || end == s || v > 1000000)
		exit(2);
	return (unsigned)v;
}

int
main(int argc, char *argv[])
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && strcmp(argv[1], "server") == 0)
		return server(argv[2], num(argv[3]), num(argv[4]));
	if (argc == 6 && strcmp(argv[1], "tcp") == 0)
		return tcp_flows(argv[2], num(argv[3]), num(argv[4]),
		    num(argv[5]));
	if (argc == 6 && strcmp(argv[1], "udp") == 0)
		return udp_flows(argv[2], num(argv[3]), num(argv[4]),
		    num(argv[5]));
	if (argc == 6 && strcmp(argv[1], "burst") == 0)
		return udp_burst(argv[2], num(argv[3]), num(argv[4]),
		    num(argv[5]));
	if (argc == 5 && strcmp(argv[1], "stream") == 0)
		return stream(argv[2], num(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: classify_bench server ADDR PORT COUNT\n"
	    "       classify_bench tcp|udp|burst DST DPORT N SPORT0\n"
	    "       classify_bench stream DST DPORT SECONDS\n");
	return 2;
}
