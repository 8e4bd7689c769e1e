/*
 * test_pktparse.c: the NFQUEUE packet parser (mn/pktparse.c) on golden
 * packets written out byte by byte (TCP SYN with DSCP, UDP behind
 * hop-by-hop + destination options, ICMPv6 echo, AH, fragments), every
 * truncation of each, malformed chains, and random bytes.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "pktparse.h"
#include "cu_main.h"

/* 2001:db8::1 -> 2001:db8::2, TCP SYN 40000 -> 22, tclass 0xb8 (EF,
 * DSCP 46), flow label 0x12345, hop limit 64. */
static const uint8_t tcp_syn[] = {
	0x6b, 0x81, 0x23, 0x45, 0x00, 0x14, 0x06, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	/* TCP */
	0x9c, 0x40, 0x00, 0x16, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x00,
};

/* 2001:db8:1::10 -> 2001:db8:99::53, HBH (8, PadN) -> DstOpts (16,
 * PadN) -> UDP 5353 -> 53, 4 bytes of data. */
static const uint8_t udp_ext[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0xff,
	0x20, 0x01, 0x0d, 0xb8, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	0x20, 0x01, 0x0d, 0xb8, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53,
	/* HBH: next 60, len 0, PadN 4 */
	0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	/* DstOpts: next 17, len 1 (16 bytes), PadN 12 */
	0x11, 0x01, 0x01, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* UDP 5353 -> 53, len 12 */
	0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00,
	'd', 'a', 't', 'a',
};

/* fe80::1 -> fe80::2, ICMPv6 echo request id 0x1234 seq 1. */
static const uint8_t icmp_echo[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x3a, 0x40,
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x80, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01,
};

/* AH (RFC 4302: len 4 -> (4+2)*4 = 24 bytes) then TCP 1000 -> 80. */
static const uint8_t tcp_ah[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x33, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x06, 0x04, 0x00, 0x00, 0, 0, 0x01, 0x00, 0, 0, 0, 0x01,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0x03, 0xe8, 0x00, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x10,
	0x01, 0x00, 0, 0, 0, 0,
};

/* Fragment header, offset 0, M=1, then UDP 7 -> 9. */
static const uint8_t frag_first[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x2c, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x11, 0x00, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef,
	0x00, 0x07, 0x00, 0x09, 0x05, 0xdc, 0x00, 0x00,
	0, 0, 0, 0, 0, 0, 0, 0,
};

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

static bool
same(const struct in6_addr *a, const char *s)
{
	struct in6_addr b = A(s);

	return memcmp(a, &b, sizeof(b)) == 0;
}

static void
t_tcp_syn(void)
{
	struct pkt_info pi;

	CU_ASSERT_EQUAL(pkt_parse(tcp_syn, sizeof(tcp_syn), &pi), PKT_OK);
	CU_ASSERT(same(&pi.src, "2001:db8::1"));
	CU_ASSERT(same(&pi.dst, "2001:db8::2"));
	CU_ASSERT_EQUAL(pi.proto, 6);
	CU_ASSERT(pi.has_ports);
	CU_ASSERT_EQUAL(pi.sport, 40000);
	CU_ASSERT_EQUAL(pi.dport, 22);
	CU_ASSERT_EQUAL(pi.tcp_flags, 0x02);
	CU_ASSERT_EQUAL(pi.tclass, 0xb8);
	CU_ASSERT_EQUAL(pi.dscp, 46);
	CU_ASSERT_EQUAL(pi.flowlabel, 0x12345);
	CU_ASSERT_EQUAL(pi.hop_limit, 64);
	CU_ASSERT_EQUAL(pi.plen, 20);
	CU_ASSERT_EQUAL(pi.l4_off, 40);
	CU_ASSERT_EQUAL(pi.next_ext, 0);
	CU_ASSERT_FALSE(pi.is_icmp);
}

static void
t_udp_ext(void)
{
	struct pkt_info pi;

	CU_ASSERT_EQUAL(pkt_parse(udp_ext, sizeof(udp_ext), &pi), PKT_OK);
	CU_ASSERT(same(&pi.src, "2001:db8:1::10"));
	CU_ASSERT(same(&pi.dst, "2001:db8:99::53"));
	CU_ASSERT_EQUAL(pi.proto, 17);
	CU_ASSERT_EQUAL(pi.next_ext, 2);
	CU_ASSERT_EQUAL(pi.l4_off, 40 + 8 + 16);
	CU_ASSERT_EQUAL(pi.sport, 5353);
	CU_ASSERT_EQUAL(pi.dport, 53);
	CU_ASSERT_EQUAL(pi.dscp, 0);
	CU_ASSERT_EQUAL(pi.hop_limit, 255);
}

static void
t_icmp_echo(void)
{
	struct pkt_info pi;
	uint8_t ns[48];

	CU_ASSERT_EQUAL(pkt_parse(icmp_echo, sizeof(icmp_echo), &pi),
	    PKT_OK);
	CU_ASSERT_EQUAL(pi.proto, 58);
	CU_ASSERT(pi.is_icmp);
	CU_ASSERT_FALSE(pi.has_ports);
	CU_ASSERT_EQUAL(pi.icmp_type, 128);
	CU_ASSERT_EQUAL(pi.icmp_id, 0x1234);
	CU_ASSERT_EQUAL(pi.sport, 0x1234);
	CU_ASSERT_EQUAL(pi.dport, 0x1234);

	/* Not an echo (neighbour solicitation): type only, no id. */
	memcpy(ns, icmp_echo, sizeof(icmp_echo));
	ns[40] = 135;
	CU_ASSERT_EQUAL(pkt_parse(ns, sizeof(icmp_echo), &pi), PKT_OK);
	CU_ASSERT_EQUAL(pi.icmp_type, 135);
	CU_ASSERT_EQUAL(pi.icmp_id, 0);
	CU_ASSERT_EQUAL(pi.sport, 0);
	/* An echo cut after the type/code/checksum has no id. */
	CU_ASSERT_EQUAL(pkt_parse(icmp_echo, 44, &pi), PKT_EL4);
}

static void
t_ah(void)
{
	struct pkt_info pi;

	CU_ASSERT_EQUAL(pkt_parse(tcp_ah, sizeof(tcp_ah), &pi), PKT_OK);
	CU_ASSERT_EQUAL(pi.l4_off, 40 + 24);
	CU_ASSERT_EQUAL(pi.proto, 6);
	CU_ASSERT_EQUAL(pi.sport, 1000);
	CU_ASSERT_EQUAL(pi.dport, 80);
	CU_ASSERT_EQUAL(pi.tcp_flags, 0x10);
}

static void
t_fragments(void)
{
	uint8_t b[sizeof(frag_first)];
	struct pkt_info pi;

	CU_ASSERT_EQUAL(pkt_parse(frag_first, sizeof(frag_first), &pi),
	    PKT_OK);
	CU_ASSERT_EQUAL(pi.proto, 17);
	CU_ASSERT_EQUAL(pi.sport, 7);
	CU_ASSERT_EQUAL(pi.dport, 9);
	/* offset 185 (x8): no upper header here */
	memcpy(b, frag_first, sizeof(b));
	b[42] = 0x05;
	b[43] = 0xc9;
	CU_ASSERT_EQUAL(pkt_parse(b, sizeof(b), &pi), PKT_EFRAG);
	CU_ASSERT_EQUAL(pi.proto, 17);
	CU_ASSERT_FALSE(pi.has_ports);
	CU_ASSERT(same(&pi.dst, "2001:db8::2"));
}

/* Every prefix of every golden packet: an error (never a crash, never
 * a read past len: ASan watches), and success only at full length. */
static void
t_truncations(void)
{
	static const struct {
		const uint8_t	*p;
		size_t		 len, ok_from;
	} g[] = {
		{ tcp_syn, sizeof(tcp_syn), sizeof(tcp_syn) },
		{ udp_ext, sizeof(udp_ext), 40 + 24 + 8 },
		{ icmp_echo, sizeof(icmp_echo), sizeof(icmp_echo) },
		{ tcp_ah, sizeof(tcp_ah), sizeof(tcp_ah) },
		{ frag_first, sizeof(frag_first), 40 + 8 + 8 },
	};

	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		for (size_t n = 0; n <= g[i].len; n++) {
			uint8_t *copy = malloc(n ? n : 1);
			struct pkt_info pi;
			int rc;

			memcpy(copy, g[i].p, n);
			rc = pkt_parse(copy, n, &pi);
			if (n < 40) {
				CU_ASSERT_EQUAL(rc, PKT_ETRUNC);
			} else if (n >= g[i].ok_from) {
				CU_ASSERT_EQUAL(rc, PKT_OK);
			} else {
				CU_ASSERT(rc == PKT_EEXT || rc == PKT_EL4);
			}
			free(copy);
		}
}

static void
t_bad(void)
{
	uint8_t b[40 + 8 * 20 + 8];
	struct pkt_info pi;

	CU_ASSERT_EQUAL(pkt_parse(NULL, 40, &pi), PKT_EARG);
	CU_ASSERT_EQUAL(pkt_parse(tcp_syn, sizeof(tcp_syn), NULL), PKT_EARG);

	memcpy(b, tcp_syn, sizeof(tcp_syn));
	b[0] = 0x45;
	CU_ASSERT_EQUAL(pkt_parse(b, sizeof(tcp_syn), &pi), PKT_EVERSION);

	/* 20 destination-options headers: refused after 16. */
	memset(b, 0, sizeof(b));
	memcpy(b, tcp_syn, 40);
	b[4] = 0;
	b[5] = 8 * 20 + 8;
	b[6] = 60;
	for (int i = 0; i < 20; i++)
		b[40 + 8 * i] = i == 19 ? 17 : 60;
	CU_ASSERT_EQUAL(pkt_parse(b, sizeof(b), &pi), PKT_ECHAIN);
	/* 16 are fine */
	b[40 + 8 * 15] = 17;
	CU_ASSERT_EQUAL(pkt_parse(b, sizeof(b), &pi), PKT_OK);
	CU_ASSERT_EQUAL(pi.next_ext, 16);
	CU_ASSERT_EQUAL(pi.l4_off, 40 + 16 * 8);

	/* HBH claiming 255*8+8 bytes in a short packet */
	memcpy(b, udp_ext, sizeof(udp_ext));
	b[41] = 0xff;
	CU_ASSERT_EQUAL(pkt_parse(b, sizeof(udp_ext), &pi), PKT_EEXT);
}

/* The payload length bounds the walk: trailing bytes past it are not
 * the packet's; a copy range shorter than the packet is normal. */
static void
t_lengths(void)
{
	uint8_t b[200];
	struct pkt_info pi;

	memset(b, 0xee, sizeof(b));
	memcpy(b, tcp_syn, sizeof(tcp_syn));
	CU_ASSERT_EQUAL(pkt_parse(b, sizeof(b), &pi), PKT_OK);	/* padded */
	b[5] = 4;	/* plen 4: TCP header not inside the packet */
	CU_ASSERT_EQUAL(pkt_parse(b, sizeof(b), &pi), PKT_EL4);
	b[4] = 0x05;	/* plen 1280, only 60 bytes copied */
	b[5] = 0x00;
	CU_ASSERT_EQUAL(pkt_parse(b, sizeof(tcp_syn), &pi), PKT_OK);
	CU_ASSERT_EQUAL(pi.plen, 1280);
	b[4] = b[5] = 0;	/* jumbogram: the data decides */
	CU_ASSERT_EQUAL(pkt_parse(b, sizeof(tcp_syn), &pi), PKT_OK);

	/* ESP and No Next Header: parsed, no ports */
	memcpy(b, tcp_syn, sizeof(tcp_syn));
	b[6] = 50;
	CU_ASSERT_EQUAL(pkt_parse(b, sizeof(tcp_syn), &pi), PKT_OK);
	CU_ASSERT_EQUAL(pi.proto, 50);
	CU_ASSERT_FALSE(pi.has_ports);
	b[6] = 59;
	CU_ASSERT_EQUAL(pkt_parse(b, 40, &pi), PKT_OK);
	CU_ASSERT_EQUAL(pi.proto, 59);
}

static void
t_random(void)
{
	uint8_t b[128];
	struct pkt_info pi;
	unsigned seed = 12345;

	for (int i = 0; i < 200000; i++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof(b));

		for (size_t j = 0; j < n; j++)
			b[j] = (uint8_t)rand_r(&seed);
		if (n > 0)
			b[0] = (uint8_t)(0x60 | (b[0] & 0x0f));
		if (n > 6 && (i & 1))	/* steer into the ext walk */
			b[6] = (uint8_t[]){ 0, 43, 44, 51, 60, 139 }[i % 6];
		int rc = pkt_parse(b, n, &pi);
		CU_ASSERT(rc <= 0 && rc >= PKT_EARG);
		if (rc == PKT_OK) {
			CU_ASSERT(pi.l4_off <= n);
		}
	}
}

static void
t_names(void)
{
	char buf[8];

	CU_ASSERT_STRING_EQUAL(pkt_proto_name(6, buf, sizeof(buf)), "tcp");
	CU_ASSERT_STRING_EQUAL(pkt_proto_name(17, buf, sizeof(buf)), "udp");
	CU_ASSERT_STRING_EQUAL(pkt_proto_name(99, buf, sizeof(buf)), "99");
	CU_ASSERT_STRING_EQUAL(pkt_strerror(PKT_EFRAG), "non-first fragment");
	CU_ASSERT_STRING_EQUAL(pkt_strerror(-99), "unknown error");
}

static CU_TestInfo tests[] = {
	{ "golden TCP SYN, DSCP, flow label", t_tcp_syn },
	{ "golden UDP behind HBH + DstOpts", t_udp_ext },
	{ "golden ICMPv6 echo and NS", t_icmp_echo },
	{ "golden TCP behind AH", t_ah },
	{ "fragments: first parsed, others EFRAG", t_fragments },
	{ "every truncation of every golden packet", t_truncations },
	{ "bad version, long chain, overlong ext header", t_bad },
	{ "payload length vs captured length", t_lengths },
	{ "200k random packets", t_random },
	{ "names", t_names },
	CU_TEST_INFO_NULL
};

static int
cu_register(void)
{
	CU_SUITE("pktparse", tests);
	return 0;
}
