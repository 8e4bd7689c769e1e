/*
 * ctnl_golden.h: ctnetlink and inet_diag messages written by hand, octet
 * by octet, as the kernel sends them (net/netfilter/
 * nf_conntrack_netlink.c, net/ipv4/inet_diag.c), for tests/unit/
 * test_ctnl.c and the seeds of fuzz/fuzz_ctnl.c.
 *
 * Netlink headers (nlmsghdr, nlattr, inet_diag's cookie/ifindex) are in
 * host order, attribute values big-endian: H16/H32 write host order,
 * BE16/BE32/BE64 network order.
 */
#ifndef DMIP_CTNL_GOLDEN_H
#define DMIP_CTNL_GOLDEN_H

#include <stdint.h>

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define H16(v)	(uint8_t)((v) & 0xff), (uint8_t)(((v) >> 8) & 0xff)
#define H32(v)	H16((v) & 0xffff), H16(((v) >> 16) & 0xffff)
#else
#define H16(v)	(uint8_t)(((v) >> 8) & 0xff), (uint8_t)((v) & 0xff)
#define H32(v)	H16(((v) >> 16) & 0xffff), H16((v) & 0xffff)
#endif
#define BE16(v)	(uint8_t)(((v) >> 8) & 0xff), (uint8_t)((v) & 0xff)
#define BE32(v)	BE16(((v) >> 16) & 0xffff), BE16((v) & 0xffff)
#define BE64(v)	BE32(((v) >> 32) & 0xffffffffu), BE32((v) & 0xffffffffu)

/* nlmsghdr: len, type, flags, seq, pid */
#define G_NLMSG(len, type, flags, seq) \
	H32(len), H16(type), H16(flags), H32(seq), H32(0)
/* nfgenmsg: family, version 0, res_id 0 */
#define G_NFGEN(fam)		(fam), 0, 0, 0
#define G_NLA(len, type)	H16(len), H16(type)
#define G_NEST(len, type)	H16(len), H16((type) | 0x8000)

#define G_A_MN	0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
#define G_A_CN	0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2

/* A tuple with ports (76 octets): CTA_TUPLE_IP (44) + CTA_TUPLE_PROTO
 * (28: NUM 5+3 pad, SRC_PORT 6+2, DST_PORT 6+2). */
#define G_TUPLE_PORTS(which, proto, s, sp, d, dp)			\
	G_NEST(76, which),						\
	G_NEST(44, 1 /* CTA_TUPLE_IP */),				\
	G_NLA(20, 3 /* CTA_IP_V6_SRC */), s,				\
	G_NLA(20, 4 /* CTA_IP_V6_DST */), d,				\
	G_NEST(28, 2 /* CTA_TUPLE_PROTO */),				\
	G_NLA(5, 1 /* CTA_PROTO_NUM */), (proto), 0, 0, 0,		\
	G_NLA(6, 2 /* CTA_PROTO_SRC_PORT */), BE16(sp), 0, 0,		\
	G_NLA(6, 3 /* CTA_PROTO_DST_PORT */), BE16(dp), 0, 0

/* An ICMPv6 echo tuple (84 octets): IP (44) + PROTO (36: NUM, ICMPV6_ID,
 * ICMPV6_TYPE, ICMPV6_CODE). */
#define G_TUPLE_ICMP(which, s, d, id, type)				\
	G_NEST(84, which),						\
	G_NEST(44, 1),							\
	G_NLA(20, 3), s,						\
	G_NLA(20, 4), d,						\
	G_NEST(36, 2),							\
	G_NLA(5, 1), 58, 0, 0, 0,					\
	G_NLA(6, 7 /* CTA_PROTO_ICMPV6_ID */), BE16(id), 0, 0,	\
	G_NLA(5, 8 /* CTA_PROTO_ICMPV6_TYPE */), (type), 0, 0, 0,	\
	G_NLA(5, 9 /* CTA_PROTO_ICMPV6_CODE */), 0, 0, 0, 0

/*
 * NEW event (NLM_F_CREATE | NLM_F_EXCL): tcp 2001:db8:1::1.40000 ->
 * 2001:db8:1::2.5001, PROTOINFO (skipped), status 0x8, timeout 120,
 * mark 0x1234, counters 3/180 and 2/120, use 1, id. 284 octets.
 */
static const uint8_t g_ct_new_tcp[] = {
	G_NLMSG(284, 0x0100, 0x0600, 0),
	G_NFGEN(10),
	G_TUPLE_PORTS(1 /* ORIG */, 6, G_A_MN, 40000, G_A_CN, 5001),	/* 20 */
	G_TUPLE_PORTS(2 /* REPLY */, 6, G_A_CN, 5001, G_A_MN, 40000),	/* 96 */
	G_NEST(16, 4 /* CTA_PROTOINFO */),			/* 172 */
	G_NEST(12, 1 /* CTA_PROTOINFO_TCP */),
	G_NLA(5, 1 /* ..._TCP_STATE */), 1, 0, 0, 0,
	G_NLA(8, 3 /* CTA_STATUS */), BE32(0x8),		/* 188 */
	G_NLA(8, 7 /* CTA_TIMEOUT */), BE32(120),		/* 196 */
	G_NLA(8, 8 /* CTA_MARK */), BE32(0x1234),		/* 204 */
	G_NEST(28, 9 /* CTA_COUNTERS_ORIG */),			/* 212 */
	G_NLA(12, 1 /* PACKETS */), BE64(3ull),
	G_NLA(12, 2 /* BYTES */), BE64(180ull),
	G_NEST(28, 10 /* CTA_COUNTERS_REPLY */),		/* 240 */
	G_NLA(12, 1), BE64(2ull),
	G_NLA(12, 2), BE64(120ull),
	G_NLA(8, 11 /* CTA_USE */), BE32(1),			/* 268 */
	G_NLA(8, 12 /* CTA_ID */), BE32(0xdeadbeef),		/* 276 */
};
#define G_CT_NEW_TCP_TUPLES_END	172	/* both tuples parsed by here */

/*
 * DESTROY event: udp 2001:db8:1::1.53000 -> 2001:db8:1::2.5002, status
 * 0x20e, mark 0x80001234, counters with a CTA_COUNTERS_PAD and values
 * above 32 bits. 272 octets.
 */
static const uint8_t g_ct_destroy_udp[] = {
	G_NLMSG(272, 0x0102, 0, 0),
	G_NFGEN(10),
	G_TUPLE_PORTS(1, 17, G_A_MN, 53000, G_A_CN, 5002),		/* 20 */
	G_TUPLE_PORTS(2, 17, G_A_CN, 5002, G_A_MN, 53000),		/* 96 */
	G_NEST(32, 9),						/* 172 */
	G_NLA(4, 5 /* CTA_COUNTERS_PAD */),
	G_NLA(12, 1), BE64(0x0000000100000002ull),
	G_NLA(12, 2), BE64(0x0102030405060708ull),
	G_NEST(28, 10),						/* 204 */
	G_NLA(12, 1), BE64(7ull),
	G_NLA(12, 2), BE64(0xfffffffffull),
	G_NLA(8, 3), BE32(0x20e),				/* 232 */
	G_NLA(8, 8), BE32(0x80001234u),				/* 240 */
	G_NLA(8, 11), BE32(0),					/* 248 */
	G_NLA(8, 12), BE32(7),					/* 256 */
	G_NLA(8, 7), BE32(0),					/* 264 */
};

/*
 * NEW event (NLM_F_CREATE) for an ICMPv6 echo: id 0x1234, no mark, no
 * counters (accounting off). 196 octets.
 */
static const uint8_t g_ct_new_icmp[] = {
	G_NLMSG(196, 0x0100, 0x0400, 0),
	G_NFGEN(10),
	G_TUPLE_ICMP(1, G_A_MN, G_A_CN, 0x1234, 128),			/* 20 */
	G_TUPLE_ICMP(2, G_A_CN, G_A_MN, 0x1234, 129),		/* 104 */
	G_NLA(8, 3), BE32(0x8),					/* 188 */
};

/* The same as an IPv4 event (nfgen_family AF_INET, V4 addresses). */
static const uint8_t g_ct_new_ipv4[] = {
	G_NLMSG(92, 0x0100, 0x0600, 0),
	G_NFGEN(2),
	G_NEST(36, 1),
	G_NEST(20, 1),
	G_NLA(8, 1 /* CTA_IP_V4_SRC */), 192, 0, 2, 1,
	G_NLA(8, 2 /* CTA_IP_V4_DST */), 192, 0, 2, 2,
	G_NEST(12, 2), G_NLA(5, 1), 6, 0, 0, 0,
	G_NEST(36, 2),
	G_NEST(20, 1),
	G_NLA(8, 1), 192, 0, 2, 2,
	G_NLA(8, 2), 192, 0, 2, 1,
	G_NEST(12, 2), G_NLA(5, 1), 6, 0, 0, 0,
};

/*
 * Requests as ctnl_build_tuple_req() must build them (seq 0x01020304):
 * DELETE tcp 2001:db8:1::1.40000 -> 2001:db8:1::2.5001 (96 octets) and
 * GET icmpv6 2001:db8:1::1 -> 2001:db8:1::2 id 0x1234 (104 octets).
 */
static const uint8_t g_req_delete_tcp[] = {
	G_NLMSG(96, 0x0102, 0x0005, 0x01020304),
	G_NFGEN(10),
	G_TUPLE_PORTS(1, 6, G_A_MN, 40000, G_A_CN, 5001),
};

static const uint8_t g_req_get_icmp[] = {
	G_NLMSG(104, 0x0101, 0x0005, 0x01020304),
	G_NFGEN(10),
	G_TUPLE_ICMP(1, G_A_MN, G_A_CN, 0x1234, 128),
};

/* Acks: NLMSG_ERROR (2) with error 0 / -ENOENT, seq 0x01020304, and the
 * request's header echoed (NETLINK_CAP_ACK). 36 octets. */
static const uint8_t g_ack_ok[] = {
	G_NLMSG(36, 2, 0x0100 /* NLM_F_CAPPED */, 0x01020304),
	H32(0),
	G_NLMSG(96, 0x0102, 0x0005, 0x01020304),
};

static const uint8_t g_ack_enoent[] = {
	G_NLMSG(36, 2, 0x0100, 0x01020304),
	H32(0xfffffffeu),	/* -2 */
	G_NLMSG(96, 0x0102, 0x0005, 0x01020304),
};

/*
 * inet_diag: one SOCK_DIAG_BY_FAMILY (20) answer, an established TCP
 * socket 2001:db8:1::1.40000 <-> 2001:db8:1::2.5001, cookie 0x11/0x22,
 * with one INET_DIAG_SHUTDOWN attribute after it. 96 octets.
 */
static const uint8_t g_diag_tcp[] = {
	G_NLMSG(96, 20, 0x0002 /* NLM_F_MULTI */, 0x01020304),
	10, 1, 0, 0,		/* family, state ESTABLISHED, timer, retrans */
	BE16(40000), BE16(5001),
	G_A_MN,
	G_A_CN,
	H32(0),			/* idiag_if */
	H32(0x11), H32(0x22),	/* cookie */
	H32(0), H32(0), H32(0), H32(0), H32(12345), /* expires..inode */
	G_NLA(5, 8 /* INET_DIAG_SHUTDOWN */), 0, 0, 0, 0,
};

/* The SOCK_DESTROY (21) for it: NLM_F_REQUEST | NLM_F_ACK, states
 * 0xfbe, seq 0x01020304. 72 octets. */
static const uint8_t g_req_destroy_tcp[] = {
	G_NLMSG(72, 21, 0x0005, 0x01020304),
	10, 6, 0, 0,		/* AF_INET6, TCP, ext, pad */
	H32(0xfbe),
	BE16(40000), BE16(5001),
	G_A_MN,
	G_A_CN,
	H32(0),
	H32(0x11), H32(0x22),
};

/* The dump (NLM_F_REQUEST | NLM_F_DUMP) for udp, local port 53000. */
static const uint8_t g_req_dump_udp[] = {
	G_NLMSG(72, 20, 0x0301, 0x01020304),
	10, 17, 0, 0,
	H32(0xfbe),
	BE16(53000), BE16(0),
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	H32(0),
	H32(0xffffffffu), H32(0xffffffffu),
};

struct ctnl_golden {
	const char	*name;
	const uint8_t	*bytes;
	size_t		 len;
};

#define G_ENTRY(a)	{ #a, a, sizeof(a) }
/* Everything ct_parse_msg() may see (the fuzz seeds). */
static const struct ctnl_golden ctnl_goldens[] = {
	G_ENTRY(g_ct_new_tcp), G_ENTRY(g_ct_destroy_udp),
	G_ENTRY(g_ct_new_icmp), G_ENTRY(g_ct_new_ipv4),
	G_ENTRY(g_req_delete_tcp), G_ENTRY(g_req_get_icmp),
	G_ENTRY(g_ack_ok), G_ENTRY(g_ack_enoent), G_ENTRY(g_diag_tcp),
};

#endif /* DMIP_CTNL_GOLDEN_H */
