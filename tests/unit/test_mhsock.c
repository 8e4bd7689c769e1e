/*
 * test_mhsock.c: the MH transports. UDP over ::1 in this namespace;
 * the raw transport in a private network namespace (root only), so the
 * test never touches the host's interfaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "inet_csum.h"
#include "mh.h"
#include "mhsock.h"
#include "cu_main.h"

/* A 16-byte BU (seq 7, A|H, lifetime 60) with a PadN(2), by hand. */
static const uint8_t bu[16] = {
	59, 1, MH_TYPE_BU, 0, 0, 0, 0x00, 0x07,
	0xc0, 0x00, 0x00, 0x3c, MHOPT_PADN, 0, 0, 0,
};

static int
wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 2000);
}

static void
test_udp_roundtrip(void)
{
	struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;
	struct mhsock *rx, *tx;
	struct mh_rxinfo ri;
	struct mh_msg m;
	uint8_t out[16], in[64];
	char err[128];
	ssize_t n;

	rx = mhsock_open(MH_TRANSPORT_UDP, &lo, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rx);
	tx = mhsock_open(MH_TRANSPORT_UDP, &lo, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(tx);
	CU_ASSERT_NOT_EQUAL(mhsock_local_port(rx), 0);
	memcpy(out, bu, sizeof(out));
	CU_ASSERT_EQUAL(mhsock_send(tx, out, sizeof(out), NULL, &lo, 0,
	    mhsock_local_port(rx)), 16);
	/* The sender filled the checksum (B.11.1). */
	CU_ASSERT_TRUE(mh_csum_ok(out, sizeof(out), &lo, &lo));
	CU_ASSERT_EQUAL_FATAL(wait_readable(mhsock_fd(rx)), 1);
	n = mhsock_recv(rx, in, sizeof(in), &ri);
	CU_ASSERT_EQUAL_FATAL(n, 16);
	CU_ASSERT_EQUAL(memcmp(&ri.src, &lo, 16), 0);
	CU_ASSERT_EQUAL(memcmp(&ri.dst, &lo, 16), 0);
	CU_ASSERT_EQUAL(ri.ifindex, if_nametoindex("lo"));
	CU_ASSERT_EQUAL(ri.sport, mhsock_local_port(tx));
	CU_ASSERT_EQUAL(mh_parse(in, (size_t)n, &m), MH_OK);
	CU_ASSERT_EQUAL(m.type, MH_TYPE_BU);
	CU_ASSERT_EQUAL(m.u.bu.seq, 7);
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx, 1);
	CU_ASSERT_EQUAL(mhsock_stats(tx)->tx, 1);
	/* Empty socket: EAGAIN, not an error. */
	CU_ASSERT_EQUAL(mhsock_recv(rx, in, sizeof(in), &ri), -1);
	CU_ASSERT_EQUAL(errno, EAGAIN);
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx_errors, 0);
	mhsock_close(rx);
	mhsock_close(tx);
}

/* A datagram whose MH checksum is wrong is dropped and counted. */
static void
test_udp_bad_checksum(void)
{
	struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
	    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct mhsock *rx;
	struct mh_rxinfo ri;
	uint8_t pkt[16], in[64];
	char err[128];
	int fd;

	rx = mhsock_open(MH_TRANSPORT_UDP, &lo, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rx);
	to.sin6_port = htons(mhsock_local_port(rx));
	memcpy(pkt, bu, sizeof(pkt));
	mh_csum_set(pkt, sizeof(pkt), &lo, &lo);
	pkt[5] ^= 0x01;
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(sendto(fd, pkt, sizeof(pkt), 0,
	    (struct sockaddr *)&to, sizeof(to)), 16);
	CU_ASSERT_EQUAL_FATAL(wait_readable(mhsock_fd(rx)), 1);
	CU_ASSERT_EQUAL(mhsock_recv(rx, in, sizeof(in), &ri), 0);
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx_bad_csum, 1);
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx, 0);
	close(fd);
	mhsock_close(rx);
}

static int
lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	if (fd == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0)
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return rc;
}

/* In the child: 0 when a BU went through the raw MH socket with the
 * kernel's checksum, else the step that failed. */
static int
raw_child(void)
{
	struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;
	struct mhsock *a, *b;
	struct mh_rxinfo ri;
	uint8_t out[16], in[64];
	char err[128];
	ssize_t n;

	if (unshare(CLONE_NEWNET) == -1)
		return 10;
	if (lo_up() == -1)
		return 11;
	if ((a = mhsock_open(MH_TRANSPORT_RAW, NULL, 0, err, sizeof(err))) ==
	    NULL || (b = mhsock_open(MH_TRANSPORT_RAW, NULL, 0, err,
	    sizeof(err))) == NULL)
		return 12;
	memcpy(out, bu, sizeof(out));
	if (mhsock_send(a, out, sizeof(out), NULL, &lo, 0, 0) != 16)
		return 13;
	if (wait_readable(mhsock_fd(b)) != 1)
		return 14;
	if ((n = mhsock_recv(b, in, sizeof(in), &ri)) != 16)
		return 15;
	/* The kernel filled in a valid checksum on the way out. */
	if (!mh_csum_ok(in, 16, &lo, &lo) || (in[4] == 0 && in[5] == 0))
		return 16;
	if (memcmp(&ri.src, &lo, 16) != 0 || memcmp(&ri.dst, &lo, 16) != 0)
		return 17;
	if (memcmp(in + 6, bu + 6, 10) != 0)
		return 18;
	mhsock_close(a);
	mhsock_close(b);
	return 0;
}

static void
test_raw_netns(void)
{
	pid_t pid = fork();
	int st = 0;

	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		_exit(raw_child());
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fprintf(stderr, "raw MH child failed at step %d\n",
		    WEXITSTATUS(st));
	CU_ASSERT_EQUAL(WEXITSTATUS(st), 0);
}

static void
test_raw_needs_privilege_message(void)
{
	struct mhsock *s;
	char err[160] = "";

	if (geteuid() == 0)
		return;
	s = mhsock_open(MH_TRANSPORT_RAW, NULL, 0, err, sizeof(err));
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "CAP_NET_RAW"));
}

static int
cu_register(void)
{
	static CU_TestInfo udp[] = {
		{ "UDP transport round trip on ::1", test_udp_roundtrip },
		{ "UDP bad MH checksum dropped", test_udp_bad_checksum },
		{ "raw socket refused without privilege",
		    test_raw_needs_privilege_message },
		CU_TEST_INFO_NULL
	};
	static CU_TestInfo raw[] = {
		{ "raw MH socket in a private netns", test_raw_netns },
		CU_TEST_INFO_NULL
	};

	CU_SUITE("mhsock udp", udp);
	if (geteuid() == 0)
		CU_SUITE("mhsock raw", raw);
	else
		printf("SKIP: raw MH socket test needs root (CAP_NET_RAW and "
		    "CAP_SYS_ADMIN for a private network namespace)\n");
	return 0;
}
