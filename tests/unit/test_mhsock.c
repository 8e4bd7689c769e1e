/*
 * test_mhsock.c: the MH transports. UDP over ::1 in this namespace;
 * the raw transport in a private network namespace of a forked child
 * (root only), so the test never touches the host's interfaces.
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

#include "dmip_proto.h"
#include "inet_csum.h"
#include "mh.h"
#include "mhsock.h"
#include "cu_main.h"

/* A 16-byte BU (seq 7, A|H, lifetime 60) with a PadN(2), by hand. */
static const uint8_t bu[16] = {
	59, 1, MH_TYPE_BU, 0, 0, 0, 0x00, 0x07,
	0xc0, 0x00, 0x00, 0x3c, MHOPT_PADN, 0, 0, 0,
};
/* Its B.1 checksum for ::1 -> ::1, computed independently (Python). */
#define BU_CSUM_LO	0xfe21

static const struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT;

static int
wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 2000);
}

static int
set_hops(int fd, int hops)
{
	return setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops,
	    sizeof(hops));
}

static void
test_udp_roundtrip(void)
{
	struct mhsock *rx, *tx;
	struct mh_rxinfo ri;
	struct mh_msg m;
	uint8_t out[16], in[MH_MAX_LEN];
	char err[128];
	ssize_t n;

	rx = mhsock_open(MH_TRANSPORT_UDP, &lo6, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rx);
	tx = mhsock_open(MH_TRANSPORT_UDP, NULL, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(tx);
	CU_ASSERT_EQUAL(mhsock_transport(rx), MH_TRANSPORT_UDP);
	CU_ASSERT_NOT_EQUAL(mhsock_local_port(rx), 0);
	CU_ASSERT_EQUAL(set_hops(mhsock_fd(tx), 33), 0);
	memcpy(out, bu, sizeof(out));
	/* src NULL: the checksum source comes from a route lookup. */
	CU_ASSERT_EQUAL(mhsock_send(tx, out, sizeof(out), NULL, &lo6, 0,
	    mhsock_local_port(rx)), 16);
	CU_ASSERT_EQUAL(memcmp(out, bu, sizeof(out)), 0);  /* untouched */
	CU_ASSERT_EQUAL_FATAL(wait_readable(mhsock_fd(rx)), 1);
	n = mhsock_recv(rx, in, sizeof(in), &ri);
	CU_ASSERT_EQUAL_FATAL(n, 16);
	CU_ASSERT_EQUAL(memcmp(&ri.src, &lo6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(&ri.dst, &lo6, 16), 0);
	CU_ASSERT_EQUAL(ri.ifindex, if_nametoindex("lo"));
	CU_ASSERT_EQUAL(ri.hoplimit, 33);
	CU_ASSERT_EQUAL(ri.sport, mhsock_local_port(tx));
	/* Sender filled the B.1 checksum; the rest is byte for byte. */
	CU_ASSERT_EQUAL(be16_get(in + MH_CSUM_OFF), BU_CSUM_LO);
	CU_ASSERT_EQUAL(memcmp(in, bu, MH_CSUM_OFF), 0);
	CU_ASSERT_EQUAL(memcmp(in + 6, bu + 6, 10), 0);
	CU_ASSERT_EQUAL(mh_parse(in, (size_t)n, &m), MH_OK);
	CU_ASSERT_EQUAL(m.type, MH_TYPE_BU);
	CU_ASSERT_EQUAL(m.u.bu.seq, 7);
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx, 1);
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx_bad_csum, 0);
	CU_ASSERT_EQUAL(mhsock_stats(tx)->tx, 1);
	/* Empty socket: EAGAIN, not an error. */
	CU_ASSERT_EQUAL(mhsock_recv(rx, in, sizeof(in), &ri), -1);
	CU_ASSERT_EQUAL(errno, EAGAIN);
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx_errors, 0);
	mhsock_close(rx);
	mhsock_close(tx);
}

/* Explicit source and interface go out as IPV6_PKTINFO. */
static void
test_udp_pktinfo_source(void)
{
	unsigned lo_if = if_nametoindex("lo");
	struct mhsock *rx, *tx;
	struct mh_rxinfo ri;
	uint8_t in[MH_MAX_LEN];
	char err[128];

	CU_ASSERT_FATAL(lo_if > 0);
	rx = mhsock_open(MH_TRANSPORT_UDP, &lo6, 0, err, sizeof(err));
	tx = mhsock_open(MH_TRANSPORT_UDP, NULL, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tx);
	CU_ASSERT_EQUAL(mhsock_send(tx, bu, sizeof(bu), &lo6, &lo6, lo_if,
	    mhsock_local_port(rx)), 16);
	CU_ASSERT_EQUAL_FATAL(wait_readable(mhsock_fd(rx)), 1);
	CU_ASSERT_EQUAL(mhsock_recv(rx, in, sizeof(in), &ri), 16);
	CU_ASSERT_EQUAL(memcmp(&ri.src, &lo6, 16), 0);
	CU_ASSERT_EQUAL(ri.ifindex, lo_if);
	CU_ASSERT_EQUAL(be16_get(in + MH_CSUM_OFF), BU_CSUM_LO);
	mhsock_close(rx);
	mhsock_close(tx);
}

static int
plain_udp_to(const struct mhsock *rx, const uint8_t *p, size_t len)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
	    .sin6_addr = IN6ADDR_LOOPBACK_INIT,
	    .sin6_port = htons(mhsock_local_port(rx)) };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = sendto(fd, p, len, 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* Bad MH checksum, too short for one, or truncated: dropped, counted;
 * a good datagram sent the same way still gets through. */
static void
test_udp_bad_input(void)
{
	struct mhsock *rx;
	struct mh_rxinfo ri;
	uint8_t pkt[16], in[MH_MAX_LEN];
	char err[128];

	rx = mhsock_open(MH_TRANSPORT_UDP, &lo6, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rx);
	memcpy(pkt, bu, sizeof(pkt));
	mh_csum_set(pkt, sizeof(pkt), &lo6, &lo6);
	CU_ASSERT_EQUAL(be16_get(pkt + MH_CSUM_OFF), BU_CSUM_LO);
	pkt[5] ^= 0x01;
	CU_ASSERT_EQUAL_FATAL(plain_udp_to(rx, pkt, sizeof(pkt)), 0);
	CU_ASSERT_EQUAL_FATAL(wait_readable(mhsock_fd(rx)), 1);
	CU_ASSERT_EQUAL(mhsock_recv(rx, in, sizeof(in), &ri), 0);
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx_bad_csum, 1);
	CU_ASSERT_EQUAL(memcmp(&ri.src, &lo6, 16), 0);	/* for the log */
	CU_ASSERT_EQUAL_FATAL(plain_udp_to(rx, pkt, 3), 0);
	CU_ASSERT_EQUAL_FATAL(wait_readable(mhsock_fd(rx)), 1);
	CU_ASSERT_EQUAL(mhsock_recv(rx, in, sizeof(in), &ri), 0);
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx_bad_csum, 2);
	pkt[5] ^= 0x01;					/* good again */
	CU_ASSERT_EQUAL_FATAL(plain_udp_to(rx, pkt, sizeof(pkt)), 0);
	CU_ASSERT_EQUAL_FATAL(wait_readable(mhsock_fd(rx)), 1);
	CU_ASSERT_EQUAL(mhsock_recv(rx, in, 8, &ri), 0);	/* truncated */
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx_trunc, 1);
	CU_ASSERT_EQUAL_FATAL(plain_udp_to(rx, pkt, sizeof(pkt)), 0);
	CU_ASSERT_EQUAL_FATAL(wait_readable(mhsock_fd(rx)), 1);
	CU_ASSERT_EQUAL(mhsock_recv(rx, in, sizeof(in), &ri), 16);
	CU_ASSERT_EQUAL(memcmp(in, pkt, 16), 0);
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx, 1);
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx_bad_csum, 2);
	CU_ASSERT_EQUAL(mhsock_stats(rx)->rx_errors, 0);
	mhsock_close(rx);
}

static void
test_send_length_checks(void)
{
	static uint8_t big[MH_MAX_LEN + 8];
	struct mhsock *tx;
	char err[128];

	tx = mhsock_open(MH_TRANSPORT_UDP, &lo6, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(tx);
	CU_ASSERT_EQUAL(mhsock_send(tx, bu, MH_HDR_LEN - 1, NULL, &lo6, 0,
	    9), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(mhsock_send(tx, big, MH_MAX_LEN + 1, NULL, &lo6, 0,
	    9), -1);
	CU_ASSERT_EQUAL(errno, EMSGSIZE);
	CU_ASSERT_EQUAL(mhsock_stats(tx)->tx_errors, 2);
	CU_ASSERT_EQUAL(mhsock_stats(tx)->tx, 0);
	mhsock_close(tx);
}

/*
 * Without CAP_NET_RAW the raw transport is refused with a message that
 * names the fix, and UDP still works. Root drops to nobody in a child.
 */
static int
unpriv_child(void)
{
	struct mhsock *s;
	char err[160] = "";

	if (geteuid() == 0 && (setgid(65534) == -1 || setuid(65534) == -1))
		return 2;
	if ((s = mhsock_open(MH_TRANSPORT_RAW, NULL, 0, err,
	    sizeof(err))) != NULL)
		return 3;
	if (strstr(err, "CAP_NET_RAW") == NULL)
		return 4;
	if ((s = mhsock_open(MH_TRANSPORT_UDP, &lo6, 0, err,
	    sizeof(err))) == NULL)
		return 5;
	mhsock_close(s);
	return 0;
}

static int
run_child(int (*fn)(void))
{
	pid_t pid;
	int st = 0;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
test_raw_refused_unprivileged(void)
{
	int rc = run_child(unpriv_child);

	if (rc != 0)
		fprintf(stderr, "unprivileged child failed at step %d\n", rc);
	CU_ASSERT_EQUAL(rc, 0);
}

static int
lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

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

/* A raw proto-135 socket that sends the checksum field as given. */
static int
raw_nocsum_send(const uint8_t *p, size_t len)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
	    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_MH_NUM);
	int off = -1, rc = -1;

	if (fd == -1)
		return -1;
	/* TESTBED.md 4: -1 turns the kernel's MH checksum off. */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off,
	    sizeof(off)) == 0 && sendto(fd, p, len, 0,
	    (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
		rc = 0;
	close(fd);
	return rc;
}

/* Receive one 16-byte MH from ::1 to ::1 on lo; 0 or a step number. */
static int
raw_expect(struct mhsock *s, uint16_t seq, uint16_t csum, int step)
{
	struct mh_rxinfo ri;
	uint8_t in[MH_MAX_LEN];

	if (wait_readable(mhsock_fd(s)) != 1)
		return step;
	if (mhsock_recv(s, in, sizeof(in), &ri) != 16)
		return step + 1;
	if (memcmp(&ri.src, &lo6, 16) != 0 || memcmp(&ri.dst, &lo6, 16) != 0)
		return step + 2;
	if (ri.ifindex != if_nametoindex("lo") || ri.hoplimit != 44)
		return step + 3;
	/* The kernel filled the checksum (B.1) and checked it. */
	if (be16_get(in + 6) != seq || be16_get(in + MH_CSUM_OFF) != csum ||
	    !mh_csum_ok(in, 16, &lo6, &lo6))
		return step + 4;
	if (memcmp(in + 8, bu + 8, 8) != 0)
		return step + 5;
	return 0;
}

/* struct in6_ifreq of <linux/ipv6.h>, which clashes with netinet/in.h */
struct in6_ifreq_compat {
	struct in6_addr	addr;
	uint32_t	prefixlen;
	int		ifindex;
};

/* Add a /128 to lo with the classic ioctl (no system(), no netlink),
 * then wait (bounded) until it leaves the tentative state, which the
 * kernel ends asynchronously even on lo: bind() fails until then. */
static int
lo_add_addr(const char *txt)
{
	struct in6_ifreq_compat r = { .prefixlen = 128,
	    .ifindex = (int)if_nametoindex("lo") };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd == -1)
		return -1;
	if (inet_pton(AF_INET6, txt, &r.addr) == 1 &&
	    ioctl(fd, SIOCSIFADDR, &r) == 0) {
		sin6.sin6_addr = r.addr;
		for (int i = 0; i < 500 && rc == -1; i++) {
			rc = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6));
			if (rc == -1)
				usleep(10000);
		}
	}
	close(fd);
	return rc;
}

/* UDP from a socket bound to a non-default address: the checksum must
 * use the bound address, which is what the kernel sends from. */
static int
udp_bound_child(void)
{
	struct in6_addr own;
	struct mhsock *rx, *tx;
	struct mh_rxinfo ri;
	uint8_t in[MH_MAX_LEN];
	char err[128];

	inet_pton(AF_INET6, "2001:db8::1", &own);
	if ((rx = mhsock_open(MH_TRANSPORT_UDP, &lo6, 0, err,
	    sizeof(err))) == NULL || (tx = mhsock_open(MH_TRANSPORT_UDP, &own,
	    0, err, sizeof(err))) == NULL)
		return 50;
	if (mhsock_send(tx, bu, sizeof(bu), NULL, &lo6, 0,
	    mhsock_local_port(rx)) != 16)
		return 51;
	if (wait_readable(mhsock_fd(rx)) != 1)
		return 52;
	if (mhsock_recv(rx, in, sizeof(in), &ri) != 16)
		return 53;
	if (memcmp(&ri.src, &own, 16) != 0 || !mh_csum_ok(in, 16, &own, &lo6))
		return 54;
	mhsock_close(rx);
	mhsock_close(tx);
	return 0;
}

static int
raw_child(void)
{
	struct mhsock *a, *b;
	uint8_t pkt[16];
	char err[128];
	int rc;

	if (unshare(CLONE_NEWNET) == -1)
		return 10;
	if (lo_up() == -1 || lo_add_addr("2001:db8::1") == -1)
		return 11;
	if ((rc = udp_bound_child()) != 0)
		return rc;
	if ((a = mhsock_open(MH_TRANSPORT_RAW, NULL, 0, err, sizeof(err))) ==
	    NULL || (b = mhsock_open(MH_TRANSPORT_RAW, NULL, 0, err,
	    sizeof(err))) == NULL)
		return 12;
	if (set_hops(mhsock_fd(a), 44) == -1)
		return 13;
	/* Checksum field garbage on purpose: the kernel must replace it. */
	memcpy(pkt, bu, sizeof(pkt));
	pkt[4] = 0x12;
	pkt[5] = 0x34;
	if (mhsock_send(a, pkt, sizeof(pkt), NULL, &lo6, 0, 0) != 16)
		return 14;
	if ((rc = raw_expect(b, 7, BU_CSUM_LO, 20)) != 0)
		return rc;
	/* Every raw MH socket gets a copy, the sender's own included. */
	if ((rc = raw_expect(a, 7, BU_CSUM_LO, 30)) != 0)
		return rc;
	/* A bad checksum is dropped by the kernel: the next MH b sees is
	 * the good one sent after it (seq 8, explicit src and ifindex). */
	pkt[7] = 0x2a;
	pkt[4] = 0xde;
	pkt[5] = 0xad;
	if (raw_nocsum_send(pkt, sizeof(pkt)) == -1)
		return 15;
	pkt[7] = 8;
	if (mhsock_send(a, pkt, sizeof(pkt), &lo6, &lo6,
	    if_nametoindex("lo"), 0) != 16)
		return 16;
	if ((rc = raw_expect(b, 8, BU_CSUM_LO - 1, 40)) != 0)
		return rc;
	if (mhsock_stats(b)->rx != 2 || mhsock_stats(a)->tx != 2)
		return 17;
	mhsock_close(a);
	mhsock_close(b);
	return 0;
}

static void
test_raw_netns(void)
{
	int rc = run_child(raw_child);

	if (rc != 0)
		fprintf(stderr, "raw MH child failed at step %d\n", rc);
	CU_ASSERT_EQUAL(rc, 0);
}

/* Can this process make a private netns and a raw MH socket in it? */
static int
raw_probe_child(void)
{
	int fd;

	if (unshare(CLONE_NEWNET) == -1)
		return 1;
	if ((fd = socket(AF_INET6, SOCK_RAW, IPPROTO_MH_NUM)) == -1)
		return 2;
	close(fd);
	return 0;
}

static int
cu_register(void)
{
	static CU_TestInfo udp[] = {
		{ "UDP round trip on ::1, checksum filled",
		    test_udp_roundtrip },
		{ "UDP explicit source and ifindex", test_udp_pktinfo_source },
		{ "UDP bad checksum, short, truncated: dropped",
		    test_udp_bad_input },
		{ "send rejects bad lengths", test_send_length_checks },
		{ "raw refused without privilege, UDP works",
		    test_raw_refused_unprivileged },
		CU_TEST_INFO_NULL
	};
	static CU_TestInfo raw[] = {
		{ "raw MH (and bound UDP) in a private netns",
		    test_raw_netns },
		CU_TEST_INFO_NULL
	};

	CU_SUITE("mhsock udp", udp);
	if (geteuid() == 0 && run_child(raw_probe_child) == 0)
		CU_SUITE("mhsock raw", raw);
	else {
		printf("SKIP: raw MH socket test needs root/CAP_NET_RAW "
		    "(and CAP_SYS_ADMIN for a private network namespace); "
		    "suite \"mhsock raw\" NOT run\n");
		fflush(stdout);
	}
	return 0;
}
