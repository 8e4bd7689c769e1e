/*
 * test_ctnl.c: the pure parts of common/ctnl.c and common/sockdiag.c
 * against the hand-written messages of ctnl_golden.h: events (NEW,
 * UPDATE, DESTROY; TCP, UDP, ICMPv6), truncation at every length, bad
 * attribute lengths, nests overflowing their parent, IPv4 and foreign
 * messages, random garbage; the request builders byte for byte; acks;
 * tuple strings; inet_diag answers, matching and requests.
 *
 * Every parse runs on a heap copy of exactly the bytes given, so an
 * over-read shows under ASan (--enable-sanitizers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/sock_diag.h>

#include "ctnl.h"
#include "ctnl_golden.h"
#include "cu_main.h"
#include "sockdiag.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static struct in6_addr
a6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

/* ct_parse_msg on a heap copy of exactly len bytes of p. */
static int
parse_copy(const uint8_t *p, size_t len, struct ct_event *ev)
{
	uint8_t *c = malloc(len ? len : 1);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memcpy(c, p, len);
	rc = ct_parse_msg(c, len, ev);
	free(c);
	return rc;
}

/* A mutable copy of a golden message. */
static uint8_t *
dup_msg(const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memcpy(c, p, len);
	return c;
}

static void
set_h16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void
set_h32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static bool
is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static bool
tuple_is(const struct ct_tuple *t, uint8_t proto, const char *src,
    uint16_t sport, const char *dst, uint16_t dport)
{
	struct in6_addr s = a6(src), d = a6(dst);

	return t->proto == proto && t->sport == sport && t->dport == dport &&
	    memcmp(&t->src, &s, 16) == 0 && memcmp(&t->dst, &d, 16) == 0;
}

static void
test_golden_sizes(void)
{
	for (size_t i = 0; i < NITEMS(ctnl_goldens); i++) {
		uint32_t len;

		memcpy(&len, ctnl_goldens[i].bytes, 4);
		CU_ASSERT_EQUAL(len, ctnl_goldens[i].len);
	}
	CU_ASSERT_EQUAL(sizeof(g_req_destroy_tcp), 72);
	CU_ASSERT_EQUAL(sizeof(g_req_dump_udp), 72);
}

static void
test_parse_new_tcp(void)
{
	struct ct_event ev;

	CU_ASSERT_EQUAL_FATAL(parse_copy(g_ct_new_tcp, sizeof(g_ct_new_tcp),
	    &ev), 0);
	CU_ASSERT_EQUAL(ev.kind, CT_EV_NEW);
	CU_ASSERT(tuple_is(&ev.orig, IPPROTO_TCP, "2001:db8:1::1", 40000,
	    "2001:db8:1::2", 5001));
	CU_ASSERT(tuple_is(&ev.reply, IPPROTO_TCP, "2001:db8:1::2", 5001,
	    "2001:db8:1::1", 40000));
	CU_ASSERT_EQUAL(ev.mark, 0x1234);
	CU_ASSERT_EQUAL(ev.status, 0x8);
	CU_ASSERT(ev.has_counters);
	CU_ASSERT_EQUAL(ev.orig_pkts, 3);
	CU_ASSERT_EQUAL(ev.orig_bytes, 180);
	CU_ASSERT_EQUAL(ev.reply_pkts, 2);
	CU_ASSERT_EQUAL(ev.reply_bytes, 120);
	/* a longer buffer (more messages after it) changes nothing */
	{
		uint8_t two[2 * sizeof(g_ct_new_tcp)];

		memcpy(two, g_ct_new_tcp, sizeof(g_ct_new_tcp));
		memcpy(two + sizeof(g_ct_new_tcp), g_ct_destroy_udp,
		    sizeof(g_ct_destroy_udp));
		CU_ASSERT_EQUAL(parse_copy(two, sizeof(g_ct_new_tcp) +
		    sizeof(g_ct_destroy_udp), &ev), 0);
		CU_ASSERT_EQUAL(ev.kind, CT_EV_NEW);
		CU_ASSERT_EQUAL(ev.orig.dport, 5001);
	}
}

static void
test_parse_update(void)
{
	uint8_t *m = dup_msg(g_ct_new_tcp, sizeof(g_ct_new_tcp));
	struct ct_event ev;

	set_h16(m + 6, 0);	/* no NLM_F_CREATE: an update (or a get) */
	CU_ASSERT_EQUAL(parse_copy(m, sizeof(g_ct_new_tcp), &ev), 0);
	CU_ASSERT_EQUAL(ev.kind, CT_EV_UPDATE);
	set_h16(m + 6, 0x0002);	/* NLM_F_MULTI: a dump answer */
	CU_ASSERT_EQUAL(parse_copy(m, sizeof(g_ct_new_tcp), &ev), 0);
	CU_ASSERT_EQUAL(ev.kind, CT_EV_UPDATE);
	free(m);
}

static void
test_parse_destroy_udp(void)
{
	struct ct_event ev;

	CU_ASSERT_EQUAL_FATAL(parse_copy(g_ct_destroy_udp,
	    sizeof(g_ct_destroy_udp), &ev), 0);
	CU_ASSERT_EQUAL(ev.kind, CT_EV_DESTROY);
	CU_ASSERT(tuple_is(&ev.orig, IPPROTO_UDP, "2001:db8:1::1", 53000,
	    "2001:db8:1::2", 5002));
	CU_ASSERT(tuple_is(&ev.reply, IPPROTO_UDP, "2001:db8:1::2", 5002,
	    "2001:db8:1::1", 53000));
	CU_ASSERT_EQUAL(ev.mark, 0x80001234u);
	CU_ASSERT_EQUAL(ev.status, 0x20e);
	CU_ASSERT(ev.has_counters);
	CU_ASSERT_EQUAL(ev.orig_pkts, 0x0000000100000002ull);
	CU_ASSERT_EQUAL(ev.orig_bytes, 0x0102030405060708ull);
	CU_ASSERT_EQUAL(ev.reply_pkts, 7);
	CU_ASSERT_EQUAL(ev.reply_bytes, 0xfffffffffull);
}

static void
test_parse_icmp(void)
{
	struct ct_event ev;

	CU_ASSERT_EQUAL_FATAL(parse_copy(g_ct_new_icmp, sizeof(g_ct_new_icmp),
	    &ev), 0);
	CU_ASSERT_EQUAL(ev.kind, CT_EV_NEW);
	CU_ASSERT(tuple_is(&ev.orig, IPPROTO_ICMPV6, "2001:db8:1::1", 0x1234,
	    "2001:db8:1::2", 0x1234));
	CU_ASSERT(tuple_is(&ev.reply, IPPROTO_ICMPV6, "2001:db8:1::2",
	    0x1234, "2001:db8:1::1", 0x1234));
	CU_ASSERT_EQUAL(ev.mark, 0);
	CU_ASSERT_EQUAL(ev.status, 0x8);
	CU_ASSERT(!ev.has_counters);
	CU_ASSERT_EQUAL(ev.orig_pkts + ev.orig_bytes + ev.reply_pkts +
	    ev.reply_bytes, 0);
}

/* Cut short at every length, with the header's length left alone (the
 * buffer is shorter than the message) and made to agree (the message
 * ends early, attributes cut in the middle). */
static void
truncate_all(const uint8_t *g, size_t len, size_t tuples_end)
{
	struct ct_event ev;
	uint8_t *m;
	int rc;

	for (size_t l = 0; l < len; l++) {
		CU_ASSERT_EQUAL(parse_copy(g, l, &ev), -EINVAL);
		CU_ASSERT(is_zero(&ev, sizeof(ev)));
		if (l < 16)
			continue;
		m = dup_msg(g, l);
		set_h32(m, (uint32_t)l);
		rc = parse_copy(m, l, &ev);
		if (l < tuples_end) {	/* no nfgenmsg, or a tuple cut */
			CU_ASSERT_EQUAL(rc, -EINVAL);
		} else {
			CU_ASSERT(rc == 0 || rc == -EINVAL);
		}
		if (rc != 0)
			CU_ASSERT(is_zero(&ev, sizeof(ev)));
		free(m);
	}
}

static void
test_truncated(void)
{
	truncate_all(g_ct_new_tcp, sizeof(g_ct_new_tcp),
	    G_CT_NEW_TCP_TUPLES_END);
	truncate_all(g_ct_destroy_udp, sizeof(g_ct_destroy_udp), 172);
	truncate_all(g_ct_new_icmp, sizeof(g_ct_new_icmp), 188);
	/* at an attribute boundary after the tuples: still an event, with
	 * what came before the cut */
	{
		uint8_t *m = dup_msg(g_ct_new_tcp, 204);
		struct ct_event ev;

		set_h32(m, 204);
		CU_ASSERT_EQUAL(parse_copy(m, 204, &ev), 0);
		CU_ASSERT_EQUAL(ev.status, 0x8);
		CU_ASSERT_EQUAL(ev.mark, 0);
		CU_ASSERT(!ev.has_counters);
		free(m);
	}
}

/* Patch the 16-bit host-order value at off of a copy of g; parse. */
static int
parse_patched16(const uint8_t *g, size_t len, size_t off, uint16_t v)
{
	uint8_t *m = dup_msg(g, len);
	struct ct_event ev;
	int rc;

	set_h16(m + off, v);
	rc = parse_copy(m, len, &ev);
	if (rc != 0)
		CU_ASSERT(is_zero(&ev, sizeof(ev)));
	free(m);
	return rc;
}

static void
test_bad_nla_len(void)
{
	const uint8_t *g = g_ct_new_tcp;
	size_t len = sizeof(g_ct_new_tcp);

	/* CTA_TUPLE_ORIG at 20: too short for a header, zero, past the
	 * message */
	for (uint16_t v = 0; v < 4; v++)
		CU_ASSERT_EQUAL(parse_patched16(g, len, 20, v), -EINVAL);
	CU_ASSERT_EQUAL(parse_patched16(g, len, 20, (uint16_t)(len - 20 + 1)),
	    -EINVAL);
	CU_ASSERT_EQUAL(parse_patched16(g, len, 20, 0xffff), -EINVAL);
	/* exact lengths: V6_SRC (at 28) 19 and 21, PROTO_NUM (at 72) 6,
	 * SRC_PORT (at 80) 5 and 8, MARK (at 204) 7 and 12, STATUS 0,
	 * COUNTERS PACKETS (at 216) 8 */
	CU_ASSERT_EQUAL(parse_patched16(g, len, 28, 19), -EINVAL);
	CU_ASSERT_EQUAL(parse_patched16(g, len, 28, 21), -EINVAL);
	CU_ASSERT_EQUAL(parse_patched16(g, len, 72, 6), -EINVAL);
	CU_ASSERT_EQUAL(parse_patched16(g, len, 80, 5), -EINVAL);
	CU_ASSERT_EQUAL(parse_patched16(g, len, 80, 8), -EINVAL);
	CU_ASSERT_EQUAL(parse_patched16(g, len, 204, 7), -EINVAL);
	CU_ASSERT_EQUAL(parse_patched16(g, len, 204, 12), -EINVAL);
	CU_ASSERT_EQUAL(parse_patched16(g, len, 188, 4), -EINVAL);
	CU_ASSERT_EQUAL(parse_patched16(g, len, 216, 8), -EINVAL);
	/* the nlmsghdr's own length: below the header, past the buffer */
	CU_ASSERT_EQUAL(parse_patched16(g, len, 0, 15), -EINVAL);
	CU_ASSERT_EQUAL(parse_patched16(g, len, 0, (uint16_t)(len + 4)),
	    -EINVAL);
	/* ICMPv6 id of 1 octet */
	CU_ASSERT_EQUAL(parse_patched16(g_ct_new_icmp, sizeof(g_ct_new_icmp),
	    20 + 4 + 44 + 4 + 8, 5), -EINVAL);
	/* unknown attribute types are skipped: CTA_ID (at 276) as 0x3ff */
	CU_ASSERT_EQUAL(parse_patched16(g, len, 278, 0x3ff), 0);
}

static void
test_nest_overflow(void)
{
	const uint8_t *g = g_ct_new_tcp;
	size_t len = sizeof(g_ct_new_tcp);

	/* CTA_TUPLE_IP (at 24) longer than its parent ORIG (76 from 20),
	 * though still inside the message */
	CU_ASSERT_EQUAL(parse_patched16(g, len, 24, 76), -EINVAL);
	CU_ASSERT_EQUAL(parse_patched16(g, len, 24, 120), -EINVAL);
	/* V6_SRC (at 28) running past CTA_TUPLE_IP (44 from 24) */
	CU_ASSERT_EQUAL(parse_patched16(g, len, 28, 44), -EINVAL);
	/* CTA_TUPLE_PROTO (at 68) past ORIG's end (96) */
	CU_ASSERT_EQUAL(parse_patched16(g, len, 68, 32), -EINVAL);
	/* counters' PACKETS (at 216) past CTA_COUNTERS_ORIG (28 from 212) */
	CU_ASSERT_EQUAL(parse_patched16(g, len, 216, 28), -EINVAL);
	/* a nest that lies short: ORIG of 48 leaves TUPLE_IP (44) whole
	 * but cuts PROTO; the rest is read as top-level attributes */
	CU_ASSERT_EQUAL(parse_patched16(g, len, 20, 48), -EINVAL);
}

static void
test_missing_parts(void)
{
	struct ct_event ev;
	uint8_t *m;

	/* ORIG renamed to an unknown type: no ORIG */
	CU_ASSERT_EQUAL(parse_patched16(g_ct_new_tcp, sizeof(g_ct_new_tcp),
	    22, 0x8000 | 0x3ff), -EINVAL);
	/* REPLY renamed */
	CU_ASSERT_EQUAL(parse_patched16(g_ct_new_tcp, sizeof(g_ct_new_tcp),
	    98, 0x8000 | 0x3ff), -EINVAL);
	/* CTA_IP_V6_DST renamed to V4_DST would need len 8: unknown 0x77 */
	CU_ASSERT_EQUAL(parse_patched16(g_ct_new_tcp, sizeof(g_ct_new_tcp),
	    50, 0x77), -EINVAL);
	/* PROTO_NUM renamed: no protocol */
	CU_ASSERT_EQUAL(parse_patched16(g_ct_new_tcp, sizeof(g_ct_new_tcp),
	    74, 0x77), -EINVAL);
	/* only one port */
	CU_ASSERT_EQUAL(parse_patched16(g_ct_new_tcp, sizeof(g_ct_new_tcp),
	    90, 0x77), -EINVAL);
	/* ICMPv6 without its id */
	CU_ASSERT_EQUAL(parse_patched16(g_ct_new_icmp, sizeof(g_ct_new_icmp),
	    20 + 4 + 44 + 4 + 8 + 2, 0x77), -EINVAL);
	/* NLA_F_NESTED missing on a nest is accepted (older kernels) */
	CU_ASSERT_EQUAL(parse_patched16(g_ct_new_tcp, sizeof(g_ct_new_tcp),
	    22, 1), 0);
	/* a message of only header + nfgenmsg */
	m = dup_msg(g_ct_new_tcp, 20);
	set_h32(m, 20);
	CU_ASSERT_EQUAL(parse_copy(m, 20, &ev), -EINVAL);
	free(m);
}

static void
test_not_ours(void)
{
	struct ct_event ev;
	uint8_t *m;

	CU_ASSERT_EQUAL(parse_copy(g_ct_new_ipv4, sizeof(g_ct_new_ipv4), &ev),
	    -ENOMSG);
	/* the IPv6 event with family AF_INET: skipped, not parsed */
	m = dup_msg(g_ct_new_tcp, sizeof(g_ct_new_tcp));
	m[16] = AF_INET;
	CU_ASSERT_EQUAL(parse_copy(m, sizeof(g_ct_new_tcp), &ev), -ENOMSG);
	m[16] = AF_INET6;
	m[17] = 1;	/* nfnetlink version */
	CU_ASSERT_EQUAL(parse_copy(m, sizeof(g_ct_new_tcp), &ev), -ENOMSG);
	free(m);
	/* other ctnetlink messages and other subsystems */
	CU_ASSERT_EQUAL(parse_patched16(g_ct_new_tcp, sizeof(g_ct_new_tcp), 4,
	    0x0101 /* CT_GET */), -ENOMSG);
	CU_ASSERT_EQUAL(parse_patched16(g_ct_new_tcp, sizeof(g_ct_new_tcp), 4,
	    0x0200 /* CTNETLINK_EXP */), -ENOMSG);
	CU_ASSERT_EQUAL(parse_patched16(g_ct_new_tcp, sizeof(g_ct_new_tcp), 4,
	    0x0300 /* QUEUE */), -ENOMSG);
	CU_ASSERT_EQUAL(parse_copy(g_ack_ok, sizeof(g_ack_ok), &ev), -ENOMSG);
	CU_ASSERT_EQUAL(parse_copy(g_diag_tcp, sizeof(g_diag_tcp), &ev),
	    -ENOMSG);
	/* our own DELETE request parses as far as it goes: no reply */
	CU_ASSERT_EQUAL(parse_copy(g_req_delete_tcp, sizeof(g_req_delete_tcp),
	    &ev), -EINVAL);
	CU_ASSERT_EQUAL(ct_parse_msg(NULL, 100, &ev), -EINVAL);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
check_rc(int rc, const struct ct_event *ev)
{
	CU_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMSG);
	if (rc != 0) {
		CU_ASSERT(is_zero(ev, sizeof(*ev)));
	} else {
		CU_ASSERT(ev->kind <= CT_EV_DESTROY);
	}
}

static void
test_garbage(void)
{
	struct ct_event ev;
	uint8_t buf[512];
	int rc, ok = 0;

	/* pure noise, with a plausible header now and then */
	for (int i = 0; i < 200000; i++) {
		size_t len = (size_t)(rnd() % sizeof(buf));

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rnd();
		if (len >= 20 && (i & 1)) {
			set_h32(buf, (uint32_t)len);
			set_h16(buf + 4, (uint16_t)(0x0100 | (rnd() & 2)));
			buf[16] = AF_INET6;
			buf[17] = 0;
		}
		rc = parse_copy(buf, len, &ev);
		check_rc(rc, &ev);
	}
	/* the goldens with a few octets changed */
	for (int i = 0; i < 200000; i++) {
		const struct ctnl_golden *g =
		    &ctnl_goldens[rnd() % NITEMS(ctnl_goldens)];
		int edits = 1 + (int)(rnd() % 4);

		memcpy(buf, g->bytes, g->len);
		while (edits-- > 0)
			buf[rnd() % g->len] = (uint8_t)rnd();
		rc = parse_copy(buf, g->len, &ev);
		check_rc(rc, &ev);
		ok += rc == 0;
	}
	CU_ASSERT(ok > 0);	/* some mutations still parse */
}

static void
test_build_req(void)
{
	struct ct_tuple t = { .src = a6("2001:db8:1::1"),
		.dst = a6("2001:db8:1::2"), .sport = 40000, .dport = 5001,
		.proto = IPPROTO_TCP };
	struct ct_tuple ti = { .src = a6("2001:db8:1::1"),
		.dst = a6("2001:db8:1::2"), .sport = 0x1234, .dport = 0x1234,
		.proto = IPPROTO_ICMPV6 };
	uint8_t buf[256];
	int n;

	memset(buf, 0xaa, sizeof(buf));
	n = ctnl_build_tuple_req(buf, sizeof(buf), IPCTNL_MSG_CT_DELETE,
	    0x01020304, &t);
	CU_ASSERT_EQUAL_FATAL(n, (int)sizeof(g_req_delete_tcp));
	CU_ASSERT(memcmp(buf, g_req_delete_tcp, (size_t)n) == 0);
	CU_ASSERT_EQUAL(buf[n], 0xaa);	/* nothing written past it */

	n = ctnl_build_tuple_req(buf, sizeof(buf), IPCTNL_MSG_CT_GET,
	    0x01020304, &ti);
	CU_ASSERT_EQUAL_FATAL(n, (int)sizeof(g_req_get_icmp));
	CU_ASSERT(memcmp(buf, g_req_get_icmp, (size_t)n) == 0);

	/* every capacity too small: -ENOSPC and no write past it */
	for (size_t cap = 0; cap < sizeof(g_req_delete_tcp); cap++) {
		uint8_t *b = malloc(cap ? cap : 1);

		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		CU_ASSERT_EQUAL(ctnl_build_tuple_req(b, cap,
		    IPCTNL_MSG_CT_DELETE, 1, &t), -ENOSPC);
		free(b);
	}
	/* only GET and DELETE; never without a tuple (a tuple-less DELETE
	 * would flush the whole table) */
	CU_ASSERT_EQUAL(ctnl_build_tuple_req(buf, sizeof(buf),
	    IPCTNL_MSG_CT_NEW, 1, &t), -EINVAL);
	CU_ASSERT_EQUAL(ctnl_build_tuple_req(buf, sizeof(buf),
	    IPCTNL_MSG_CT_DELETE, 1, NULL), -EINVAL);
}

static void
test_ack(void)
{
	int err = 1;
	uint8_t *m;

	CU_ASSERT_EQUAL(ctnl_parse_ack(g_ack_ok, sizeof(g_ack_ok), 0x01020304,
	    &err), 0);
	CU_ASSERT_EQUAL(err, 0);
	CU_ASSERT_EQUAL(ctnl_parse_ack(g_ack_enoent, sizeof(g_ack_enoent),
	    0x01020304, &err), 0);
	CU_ASSERT_EQUAL(err, -ENOENT);
	CU_ASSERT_EQUAL(ctnl_parse_ack(g_ack_ok, sizeof(g_ack_ok), 7, &err),
	    -ENOMSG);
	CU_ASSERT_EQUAL(ctnl_parse_ack(g_ct_new_tcp, sizeof(g_ct_new_tcp), 0,
	    &err), -ENOMSG);
	for (size_t l = 0; l < sizeof(g_ack_ok); l++) {
		uint8_t *c = dup_msg(g_ack_ok, l ? l : 1);

		CU_ASSERT_EQUAL(ctnl_parse_ack(c, l, 0x01020304, &err),
		    -EINVAL);
		free(c);
	}
	/* header and error only (NLM_F_CAPPED, no echo): fine; shorter
	 * than the error code: malformed; a positive error: malformed */
	m = dup_msg(g_ack_enoent, 20);
	set_h32(m, 20);
	CU_ASSERT_EQUAL(ctnl_parse_ack(m, 20, 0x01020304, &err), 0);
	CU_ASSERT_EQUAL(err, -ENOENT);
	set_h32(m, 18);
	CU_ASSERT_EQUAL(ctnl_parse_ack(m, 20, 0x01020304, &err), -EINVAL);
	set_h32(m, 20);
	set_h32(m + 16, 5);
	CU_ASSERT_EQUAL(ctnl_parse_ack(m, 20, 0x01020304, &err), -EINVAL);
	free(m);
}

static void
test_tuple_str(void)
{
	struct ct_tuple t = { .src = a6("2001:db8::1"),
		.dst = a6("2001:db8::2"), .sport = 1234, .dport = 80, .proto = IPPROTO_TCP };
	char buf[CT_TUPLE_STRLEN], small[8];

	CU_ASSERT_STRING_EQUAL(ct_tuple_str(&t, buf, sizeof(buf)),
	    "tcp 2001:db8::1.1234 -> 2001:db8::2.80");
	t.proto = IPPROTO_UDP;
	CU_ASSERT_STRING_EQUAL(ct_tuple_str(&t, buf, sizeof(buf)),
	    "udp 2001:db8::1.1234 -> 2001:db8::2.80");
	t.proto = IPPROTO_ICMPV6;
	t.dport = 1234;
	CU_ASSERT_STRING_EQUAL(ct_tuple_str(&t, buf, sizeof(buf)),
	    "icmpv6 2001:db8::1 -> 2001:db8::2 id 1234");
	t.proto = 47;
	CU_ASSERT_STRING_EQUAL(ct_tuple_str(&t, buf, sizeof(buf)),
	    "proto 47 2001:db8::1.1234 -> 2001:db8::2.1234");
	/* the longest: full addresses and ports */
	t.src = a6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	t.dst = t.src;
	t.sport = t.dport = 65535;
	t.proto = IPPROTO_UDPLITE;
	CU_ASSERT(strlen(ct_tuple_str(&t, buf, sizeof(buf))) <
	    sizeof(buf) - 1);
	CU_ASSERT_STRING_EQUAL(ct_tuple_str(&t, small, sizeof(small)),
	    "udplite");
	CU_ASSERT_PTR_EQUAL(ct_tuple_str(&t, small, 0), small);
}

/* ---- sockdiag ---------------------------------------------------------- */

static void
test_diag_parse(void)
{
	struct sockdiag_sock s;
	struct in6_addr mn = a6("2001:db8:1::1"), cn = a6("2001:db8:1::2");
	uint8_t *m;

	CU_ASSERT_EQUAL_FATAL(sockdiag_parse_msg(g_diag_tcp,
	    sizeof(g_diag_tcp), &s), 0);
	CU_ASSERT(IN6_ARE_ADDR_EQUAL(&s.local, &mn));
	CU_ASSERT(IN6_ARE_ADDR_EQUAL(&s.remote, &cn));
	CU_ASSERT_EQUAL(s.lport, 40000);
	CU_ASSERT_EQUAL(s.rport, 5001);
	CU_ASSERT_EQUAL(s.state, 1);
	CU_ASSERT_EQUAL(s.ifindex, 0);
	CU_ASSERT_EQUAL(s.cookie[0], 0x11);
	CU_ASSERT_EQUAL(s.cookie[1], 0x22);
	/* every cut: the header says more than there is */
	for (size_t l = 0; l < sizeof(g_diag_tcp); l++) {
		uint8_t *c = dup_msg(g_diag_tcp, l ? l : 1);

		CU_ASSERT_EQUAL(sockdiag_parse_msg(c, l, &s), -EINVAL);
		free(c);
	}
	/* the header agreeing: only the inet_diag_msg is required */
	m = dup_msg(g_diag_tcp, sizeof(g_diag_tcp));
	set_h32(m, 88);
	CU_ASSERT_EQUAL(sockdiag_parse_msg(m, 88, &s), 0);
	set_h32(m, 87);
	CU_ASSERT_EQUAL(sockdiag_parse_msg(m, 87, &s), -EINVAL);
	set_h32(m, sizeof(g_diag_tcp));
	m[16] = AF_INET;
	CU_ASSERT_EQUAL(sockdiag_parse_msg(m, sizeof(g_diag_tcp), &s),
	    -ENOMSG);
	free(m);
	CU_ASSERT_EQUAL(sockdiag_parse_msg(g_ack_ok, sizeof(g_ack_ok), &s),
	    -ENOMSG);
	CU_ASSERT_EQUAL(sockdiag_parse_msg(g_ct_new_tcp, sizeof(g_ct_new_tcp),
	    &s), -ENOMSG);
	/* noise never reads past the buffer */
	for (int i = 0; i < 20000; i++) {
		uint8_t buf[128];
		size_t len = (size_t)(rnd() % sizeof(buf));
		int rc;

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rnd();
		if (len >= 16 && (i & 1)) {
			set_h32(buf, (uint32_t)len);
			set_h16(buf + 4, SOCK_DIAG_BY_FAMILY);
		}
		m = dup_msg(buf, len ? len : 1);
		rc = sockdiag_parse_msg(m, len, &s);
		CU_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMSG);
		free(m);
	}
}

static void
test_diag_match(void)
{
	struct sockdiag_sock s;
	struct in6_addr mn = a6("2001:db8:1::1"), cn = a6("2001:db8:1::2");
	struct in6_addr other = a6("2001:db8:1::3");

	CU_ASSERT_EQUAL_FATAL(sockdiag_parse_msg(g_diag_tcp,
	    sizeof(g_diag_tcp), &s), 0);
	CU_ASSERT(sockdiag_match(&s, &mn, 40000, &cn, 5001));
	CU_ASSERT(sockdiag_match(&s, &mn, 40000, NULL, 0));
	CU_ASSERT(sockdiag_match(&s, &mn, 40000, &cn, 0));
	CU_ASSERT(sockdiag_match(&s, &mn, 40000, NULL, 5001));
	CU_ASSERT(sockdiag_match(&s, &mn, 0, NULL, 0));
	CU_ASSERT(!sockdiag_match(&s, &mn, 40001, &cn, 5001));
	CU_ASSERT(!sockdiag_match(&s, &mn, 40000, &cn, 5002));
	CU_ASSERT(!sockdiag_match(&s, &mn, 40000, &other, 5001));
	CU_ASSERT(!sockdiag_match(&s, &other, 40000, NULL, 0));
	CU_ASSERT(!sockdiag_match(&s, &cn, 5001, &mn, 40000));
	CU_ASSERT(!sockdiag_match(&s, NULL, 40000, NULL, 0));
	/* a listener (remote ::, port 0) never matches a given remote */
	memset(&s.remote, 0, sizeof(s.remote));
	s.rport = 0;
	CU_ASSERT(!sockdiag_match(&s, &mn, 40000, &cn, 5001));
	CU_ASSERT(!sockdiag_match(&s, &mn, 40000, NULL, 5001));
}

static void
test_diag_build(void)
{
	struct sockdiag_sock s, f = { .lport = 53000 };
	uint8_t buf[128];
	int n;

	CU_ASSERT_EQUAL_FATAL(sockdiag_parse_msg(g_diag_tcp,
	    sizeof(g_diag_tcp), &s), 0);
	n = sockdiag_build_req(buf, sizeof(buf), SOCK_DESTROY, 0x01020304,
	    IPPROTO_TCP, 0xfbe, &s);
	CU_ASSERT_EQUAL_FATAL(n, (int)sizeof(g_req_destroy_tcp));
	CU_ASSERT(memcmp(buf, g_req_destroy_tcp, (size_t)n) == 0);
	n = sockdiag_build_req(buf, sizeof(buf), SOCK_DIAG_BY_FAMILY,
	    0x01020304, IPPROTO_UDP, 0xfbe, &f);
	CU_ASSERT_EQUAL_FATAL(n, (int)sizeof(g_req_dump_udp));
	CU_ASSERT(memcmp(buf, g_req_dump_udp, (size_t)n) == 0);
	for (size_t cap = 0; cap < sizeof(g_req_destroy_tcp); cap++)
		CU_ASSERT_EQUAL(sockdiag_build_req(buf, cap, SOCK_DESTROY, 1,
		    IPPROTO_TCP, 0xfbe, &s), -ENOSPC);
	CU_ASSERT_EQUAL(sockdiag_build_req(buf, sizeof(buf), 19, 1,
	    IPPROTO_TCP, 0xfbe, &s), -EINVAL);
	CU_ASSERT_EQUAL(sockdiag_build_req(buf, sizeof(buf), SOCK_DESTROY, 1,
	    IPPROTO_TCP, 0xfbe, NULL), -EINVAL);
	/* sockdiag_destroy's own argument checks, before any socket */
	CU_ASSERT_EQUAL(sockdiag_destroy(IPPROTO_TCP, NULL, 1, NULL, 0),
	    -EINVAL);
	CU_ASSERT_EQUAL(sockdiag_destroy(IPPROTO_ICMPV6, &s.local, 1, NULL,
	    0), -EINVAL);
}

static int
cu_register(void)
{
	static const CU_TestInfo ct[] = {
		{ "golden sizes", test_golden_sizes },
		{ "NEW tcp event", test_parse_new_tcp },
		{ "UPDATE event", test_parse_update },
		{ "DESTROY udp event", test_parse_destroy_udp },
		{ "NEW icmpv6 event", test_parse_icmp },
		{ "truncated at every length", test_truncated },
		{ "bad attribute lengths", test_bad_nla_len },
		{ "nest overflowing its parent", test_nest_overflow },
		{ "missing parts", test_missing_parts },
		{ "IPv4 and foreign messages", test_not_ours },
		{ "random garbage", test_garbage },
		{ "request builder byte-exact", test_build_req },
		{ "acks", test_ack },
		{ "tuple strings", test_tuple_str },
		CU_TEST_INFO_NULL,
	};
	static const CU_TestInfo sd[] = {
		{ "inet_diag answer", test_diag_parse },
		{ "matching", test_diag_match },
		{ "requests byte-exact", test_diag_build },
		CU_TEST_INFO_NULL,
	};

	CU_SUITE("ctnl", ct);
	CU_SUITE("sockdiag", sd);
	return 0;
}
