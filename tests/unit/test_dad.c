/*
 * test_dad.c: the pure DAD module of had (ha/dad.c): the NS packet
 * against golden bytes and an independent checksum, the NS/NA parser
 * on good, truncated and malformed input, the judge (RFC 4862 5.4.3,
 * 5.4.4; RFC 4861 7.1), and the table of probes in flight.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cu_main.h"
#include "dad.h"

static const uint8_t NONCE[DAD_NONCE_LEN] = { 1, 2, 3, 4, 5, 6 };

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	CU_ASSERT_FATAL(inet_pton(AF_INET6, s, &a) == 1);
	return a;
}

static bool
eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* RFC 1071 checksum written out here, independent of inet_csum.c. */
static uint16_t
ref_csum(const uint8_t *ip6, size_t len)
{
	uint32_t sum = 0;
	size_t plen = len - 40, i;

	for (i = 8; i < 40; i += 2)		/* source, destination */
		sum += (uint32_t)(ip6[i] << 8 | ip6[i + 1]);
	sum += (uint32_t)plen;
	sum += 58;
	for (i = 40; i + 1 < len; i += 2)
		sum += (uint32_t)(ip6[i] << 8 | ip6[i + 1]);
	if (i < len)
		sum += (uint32_t)(ip6[i] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
test_solicited_node(void)
{
	struct in6_addr t = A("2001:db8:10::12:3456"), g;
	struct in6_addr want = A("ff02::1:ff12:3456");

	dad_solicited_node(&t, &g);
	CU_ASSERT(eq(&g, &want));
	t = A("2001:db8:10::100");
	want = A("ff02::1:ff00:100");
	dad_solicited_node(&t, &g);
	CU_ASSERT(eq(&g, &want));
}

static void
test_ns_golden(void)
{
	/* IPv6 header, NS for 2001:db8:10::100, Nonce 01..06. */
	static const uint8_t golden[DAD_PKT_LEN] = {
		0x60, 0, 0, 0, 0, 32, 58, 255,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0x02, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0x01, 0xff, 0x00, 0x01, 0x00,
		135, 0, 0xff, 0xff /* checksum, set below */, 0, 0, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0,
		0, 0, 0, 0, 0, 0, 0x01, 0x00,
		14, 1, 1, 2, 3, 4, 5, 6,
	};
	uint8_t want[DAD_PKT_LEN], buf[128];
	struct in6_addr t = A("2001:db8:10::100");
	uint16_t c;

	memcpy(want, golden, sizeof(want));
	want[42] = want[43] = 0;
	c = ref_csum(want, sizeof(want));
	want[42] = (uint8_t)(c >> 8);
	want[43] = (uint8_t)c;
	CU_ASSERT_EQUAL_FATAL(dad_ns_build(buf, sizeof(buf), &t, NONCE),
	    DAD_PKT_LEN);
	CU_ASSERT(memcmp(buf, want, DAD_PKT_LEN) == 0);
	/* A valid packet sums to zero. */
	CU_ASSERT_EQUAL(ref_csum(buf, DAD_PKT_LEN), 0);
	/* Too small a buffer: an error, never a truncated packet. */
	CU_ASSERT_EQUAL(dad_ns_build(buf, DAD_PKT_LEN - 1, &t, NONCE), -1);
	CU_ASSERT_EQUAL(dad_ns_build(buf, 0, &t, NONCE), -1);
}

static void
test_parse_own_ns(void)
{
	uint8_t buf[DAD_PKT_LEN];
	struct in6_addr t = A("2001:db8:10::100");
	struct dad_nd nd;

	CU_ASSERT_FATAL(dad_ns_build(buf, sizeof(buf), &t, NONCE) > 0);
	CU_ASSERT_EQUAL(dad_nd_parse(buf + 40, DAD_NS_LEN, &nd), DAD_P_OK);
	CU_ASSERT_EQUAL(nd.type, DAD_ICMP_NS);
	CU_ASSERT(eq(&nd.target, &t));
	CU_ASSERT(nd.has_nonce);
	CU_ASSERT(memcmp(nd.nonce, NONCE, DAD_NONCE_LEN) == 0);
	CU_ASSERT(!nd.has_sllao);
	/* Every truncation fails cleanly: the fixed part is short, or the
	 * nonce option runs past the end (24: an NS with no options). */
	for (size_t n = 0; n < DAD_NS_LEN; n++) {
		int rc = dad_nd_parse(buf + 40, n, &nd);

		CU_ASSERT(rc == (n < 24 ? DAD_P_SHORT : n == 24 ? DAD_P_OK :
		    DAD_P_OPT));
	}
}

/* An NA as Linux sends it when defending: to ff02::1, O flag, TLLAO. */
static size_t
make_na(uint8_t *p, const struct in6_addr *t, uint8_t flags)
{
	memset(p, 0, 32);
	p[0] = DAD_ICMP_NA;
	p[4] = flags;
	memcpy(p + 8, t, 16);
	p[24] = 2;		/* Target Link-Layer Address */
	p[25] = 1;
	memcpy(p + 26, "\x02\x00\x00\x00\x00\x01", 6);
	return 32;
}

static void
test_parse_na(void)
{
	uint8_t p[64];
	struct in6_addr t = A("2001:db8:10::100");
	struct dad_nd nd;
	size_t n = make_na(p, &t, 0x20);

	CU_ASSERT_EQUAL(dad_nd_parse(p, n, &nd), DAD_P_OK);
	CU_ASSERT_EQUAL(nd.type, DAD_ICMP_NA);
	CU_ASSERT(eq(&nd.target, &t));
	CU_ASSERT_EQUAL(nd.na_flags, 0x20000000u);
	CU_ASSERT(!nd.has_nonce);
	/* No options at all is valid. */
	CU_ASSERT_EQUAL(dad_nd_parse(p, 24, &nd), DAD_P_OK);
}

static void
test_parse_malformed(void)
{
	uint8_t p[64];
	struct in6_addr t = A("2001:db8:10::100"), m = A("ff02::1");
	struct dad_nd nd;
	size_t n = make_na(p, &t, 0);

	p[0] = 128;			/* echo request */
	CU_ASSERT_EQUAL(dad_nd_parse(p, n, &nd), DAD_P_TYPE);
	p[0] = DAD_ICMP_NA;
	p[1] = 1;
	CU_ASSERT_EQUAL(dad_nd_parse(p, n, &nd), DAD_P_CODE);
	p[1] = 0;
	p[25] = 0;			/* option length 0 */
	CU_ASSERT_EQUAL(dad_nd_parse(p, n, &nd), DAD_P_OPT);
	p[25] = 2;			/* 16 octets, only 8 there */
	CU_ASSERT_EQUAL(dad_nd_parse(p, n, &nd), DAD_P_OPT);
	p[25] = 1;
	CU_ASSERT_EQUAL(dad_nd_parse(p, n + 1, &nd), DAD_P_OPT);
	memcpy(p + 8, &m, 16);
	CU_ASSERT_EQUAL(dad_nd_parse(p, n, &nd), DAD_P_TARGET);
	CU_ASSERT_EQUAL(dad_nd_parse(p, 0, &nd), DAD_P_SHORT);
	CU_ASSERT_EQUAL(dad_nd_parse(NULL, 0, &nd), DAD_P_SHORT);
	CU_ASSERT_STRING_EQUAL(dad_perr_name(DAD_P_OPT), "bad option length");
	CU_ASSERT_STRING_EQUAL(dad_perr_name(-99), "?");
	CU_ASSERT_STRING_EQUAL(dad_perr_name(1), "?");
}

/* Random bytes never crash the parser and never read past len (ASan
 * checks the second part: the buffer is exactly len bytes). */
static void
test_parse_random(void)
{
	struct dad_nd nd;

	srand(42);
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand() % 80);
		uint8_t *p = malloc(n ? n : 1);

		CU_ASSERT_FATAL(p != NULL);
		for (size_t j = 0; j < n; j++)
			p[j] = (uint8_t)rand();
		if (n > 0 && i % 2)
			p[0] = (uint8_t)(DAD_ICMP_NS + i % 4 / 2);
		if (n > 1 && i % 2)
			p[1] = 0;
		(void)dad_nd_parse(p, n, &nd);
		free(p);
	}
}

static void
test_judge(void)
{
	struct in6_addr t = A("2001:db8:10::100");
	struct in6_addr other = A("2001:db8:10::101");
	struct in6_addr any = IN6ADDR_ANY_INIT, home = A("2001:db8:10::2");
	struct in6_addr snm = A("ff02::1:ff00:100"), all = A("ff02::1");
	struct in6_addr ll = A("fe80::1");
	uint8_t p[DAD_PKT_LEN];
	struct dad_nd nd;
	static const uint8_t other_nonce[DAD_NONCE_LEN] = { 9, 9, 9, 9, 9, 9 };

	/* A defending NA (RFC 4862 5.4.4). */
	make_na(p, &t, 0x20);
	CU_ASSERT_FATAL(dad_nd_parse(p, 32, &nd) == DAD_P_OK);
	CU_ASSERT_EQUAL(dad_rx_judge(&nd, &ll, &all, 255, &t, NONCE),
	    DAD_RX_DUP_NA);
	CU_ASSERT_EQUAL(dad_rx_judge(&nd, &ll, &all, 255, &other, NONCE),
	    DAD_RX_IGNORE);
	CU_ASSERT_EQUAL(dad_rx_judge(&nd, &ll, &all, 64, &t, NONCE),
	    DAD_RX_INVALID);
	/* Solicited flag on a multicast NA: invalid (RFC 4861 7.1.2). */
	make_na(p, &t, 0x60);
	CU_ASSERT_FATAL(dad_nd_parse(p, 32, &nd) == DAD_P_OK);
	CU_ASSERT_EQUAL(dad_rx_judge(&nd, &ll, &all, 255, &t, NONCE),
	    DAD_RX_INVALID);
	CU_ASSERT_EQUAL(dad_rx_judge(&nd, &ll, &home, 255, &t, NONCE),
	    DAD_RX_DUP_NA);

	/* A DAD NS from someone else (another nonce, or none). */
	CU_ASSERT_FATAL(dad_ns_build(p, sizeof(p), &t, other_nonce) > 0);
	CU_ASSERT_FATAL(dad_nd_parse(p + 40, DAD_NS_LEN, &nd) == DAD_P_OK);
	CU_ASSERT_EQUAL(dad_rx_judge(&nd, &any, &snm, 255, &t, NONCE),
	    DAD_RX_DUP_NS);
	CU_ASSERT_FATAL(dad_nd_parse(p + 40, 24, &nd) == DAD_P_OK);
	CU_ASSERT_EQUAL(dad_rx_judge(&nd, &any, &snm, 255, &t, NONCE),
	    DAD_RX_DUP_NS);
	/* Our own NS, looped back. */
	CU_ASSERT_FATAL(dad_ns_build(p, sizeof(p), &t, NONCE) > 0);
	CU_ASSERT_FATAL(dad_nd_parse(p + 40, DAD_NS_LEN, &nd) == DAD_P_OK);
	CU_ASSERT_EQUAL(dad_rx_judge(&nd, &any, &snm, 255, &t, NONCE),
	    DAD_RX_LOOPED);
	/* Address resolution (unicast source) is no DAD. */
	CU_ASSERT_EQUAL(dad_rx_judge(&nd, &home, &snm, 255, &t, NONCE),
	    DAD_RX_IGNORE);
	/* A DAD NS must go to the solicited-node group and carry no
	 * SLLAO (RFC 4861 7.1.1). */
	CU_ASSERT_EQUAL(dad_rx_judge(&nd, &any, &all, 255, &t, other_nonce),
	    DAD_RX_INVALID);
	nd.has_sllao = true;
	CU_ASSERT_EQUAL(dad_rx_judge(&nd, &any, &snm, 255, &t, other_nonce),
	    DAD_RX_INVALID);
	CU_ASSERT_STRING_EQUAL(dad_rx_name(DAD_RX_DUP_NA), "duplicate (NA)");
	CU_ASSERT_STRING_EQUAL(dad_rx_name((enum dad_rx_verdict)77), "?");
}

static void
test_table(void)
{
	struct dad_table t;
	enum { N = 1000 };
	struct dad_probe *p = calloc(N, sizeof(*p)), extra;
	struct in6_addr a;

	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_FATAL(dad_table_init(&t) == 0);
	CU_ASSERT_PTR_NULL(dad_table_any(&t));
	for (int i = 0; i < N; i++) {
		p[i].target = A("2001:db8:10::");
		/* 500 groups of two: ...:0:i and ...:1:i share the low
		 * 24 bits only when the third byte from the end matches. */
		p[i].target.s6_addr[11] = (uint8_t)(i & 1);
		p[i].target.s6_addr[14] = (uint8_t)(i / 2 >> 8);
		p[i].target.s6_addr[15] = (uint8_t)(i / 2);
		CU_ASSERT_EQUAL(dad_table_insert(&t, &p[i]), 0);
	}
	CU_ASSERT_EQUAL(t.count, N);
	errno = 0;
	extra = p[7];
	CU_ASSERT_EQUAL(dad_table_insert(&t, &extra), -1);
	CU_ASSERT_EQUAL(errno, EEXIST);
	for (int i = 0; i < N; i++) {
		CU_ASSERT_PTR_EQUAL(dad_table_find(&t, &p[i].target), &p[i]);
		CU_ASSERT_EQUAL(dad_table_group_count(&t, &p[i].target), 2);
	}
	a = A("2001:db8:99::1");
	CU_ASSERT_PTR_NULL(dad_table_find(&t, &a));
	dad_table_remove(&t, &p[0]);
	CU_ASSERT_PTR_NULL(dad_table_find(&t, &p[0].target));
	CU_ASSERT_EQUAL(dad_table_group_count(&t, &p[1].target), 1);
	dad_table_remove(&t, &p[0]);		/* not there: no-op */
	CU_ASSERT_EQUAL(t.count, N - 1);
	for (struct dad_probe *q; (q = dad_table_any(&t)) != NULL;)
		dad_table_remove(&t, q);
	CU_ASSERT_EQUAL(t.count, 0);
	CU_ASSERT_EQUAL(dad_table_group_count(&t, &p[1].target), 0);
	dad_table_fini(&t);
	/* A finished table answers, never crashes. */
	CU_ASSERT_PTR_NULL(dad_table_find(&t, &p[1].target));
	CU_ASSERT_EQUAL(dad_table_insert(&t, &p[1]), -1);
	free(p);
}

static const CU_TestInfo dad_tests[] = {
	{ "solicited-node group", test_solicited_node },
	{ "DAD NS golden bytes and checksum", test_ns_golden },
	{ "parse our own NS, every truncation", test_parse_own_ns },
	{ "parse a defending NA", test_parse_na },
	{ "malformed NS/NA", test_parse_malformed },
	{ "random bytes", test_parse_random },
	{ "judge: duplicate, looped, ignored, invalid", test_judge },
	{ "probe table: 1000 probes, groups", test_table },
	CU_TEST_INFO_NULL,
};

static int
cu_register(void)
{
	CU_SUITE("dad", dad_tests);
	return 0;
}
