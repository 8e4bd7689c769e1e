/*
 * api_proto.h: the messages between libdmip (lib/, setsc(3)) and mnd's
 * API socket (mn/mn_api.h), PROTOCOL.md E.4. A pure codec shared by
 * both sides: no I/O, no logging, no allocation, so the library links it
 * without the rest of common/ and the parser can be fuzzed alone
 * (fuzz/fuzz_api.c).
 *
 * Transport: an AF_UNIX SOCK_SEQPACKET socket (mnd.conf api_socket,
 * default RUNSTATEDIR/dmip6/mnd-api.sock, mode 0666; the library reads
 * DMIP_API_SOCKET). One message per record; mnd identifies the caller
 * by SO_PEERCRED. Every integer is big-endian.
 *
 * Header, 8 octets, in every message:
 *
 *    0      1      2      3      4      5      6      7
 *   +------+------+------+------+------+------+------+------+
 *   | ver  | type |   length    |           id              |
 *   +------+------+------+------+------+------+------+------+
 *   ver 1; length = the whole record, which must match it exactly;
 *   id: chosen by the client, echoed in the answer (0 in events).
 *
 * GETSRC (type 1, 36 octets), client -> mnd:
 *    8 addr type (1 fixed, 2 session-lasting, 3 non-persistent,
 *      4 graceful-replacement: CONT_* and sc_type alike)
 *    9 flags: 0x01 SRC_ON_NET (a new address from the serving network);
 *      other bits 0
 *   10 proto (0 unknown, 6 TCP, 17 UDP, ...)      11 reserved, 0
 *   12 dport (0 unknown)                           14 reserved, 0
 *   16 pid of the caller (informational; mnd logs SO_PEERCRED's)
 *   20 cn: the destination, :: when not known yet (setsc())
 *
 * GETSRC_REPLY (type 2, 32 octets), mnd -> client:
 *    8 status (API_ST_*)   9 type granted (0 on failure)
 *   10 anchor (API_ANCHOR_*)                       11 reserved, 0
 *   12 lifetime, s: guaranteed at least this long; 0 none (may go at
 *      the next move), 0xffffffff no limit known
 *   16 addr (:: on failure)
 *
 * SUBSCRIBE (type 3, 8 octets), client -> mnd: send events on this
 * connection from now on. SUBSCRIBE_REPLY (type 4, 12 octets): 8 status,
 * 9..11 reserved.
 *
 * EVENT (type 5, 32 octets), mnd -> subscribed clients:
 *    8 event (API_EV_*)    9 addr type            10 reserved (2), 0
 *   12 seconds (GRACE_START: the grace period)
 *   16 addr
 */
#ifndef DMIP_API_PROTO_H
#define DMIP_API_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#define API_VERSION		1
#define API_HDR_LEN		8
#define API_GETSRC_LEN		36
#define API_REPLY_LEN		32
#define API_SUBSCRIBE_LEN	8
#define API_SUB_REPLY_LEN	12
#define API_EVENT_LEN		32
#define API_MSG_MAX		64	/* larger records are refused */

#define API_LIFETIME_INF	0xffffffffu

enum api_type {
	API_GETSRC = 1,
	API_GETSRC_REPLY = 2,
	API_SUBSCRIBE = 3,
	API_SUBSCRIBE_REPLY = 4,
	API_EVENT = 5,
};

/* GETSRC flags. */
#define API_F_ON_NET		0x01
#define API_F_MASK		0x01

/* Address types (= CONT_* of dmip_proto.h and sc_type of ondemand.h). */
#define API_TYPE_FIXED		1
#define API_TYPE_SESSION	2
#define API_TYPE_NONPERSIST	3
#define API_TYPE_GRACEFUL	4
#define API_TYPE_MAX		4

enum api_status {
	API_ST_OK = 0,
	API_ST_NOT_SUPPORTED = 1,	/* EAI_REQUIREDIPNOTSUPPORTED */
	API_ST_FAILED = 2,		/* EAI_REQUIREDIPFAILED */
	API_ST_BAD_REQUEST = 3,		/* EINVAL */
	API_ST_MAX = 3,
};

enum api_anchor {
	API_ANCHOR_NONE = 0,
	API_ANCHOR_HA = 1,		/* the HoA, through the HA */
	API_ANCHOR_DHP = 2,		/* a DHoA, through a DHP */
	API_ANCHOR_ACCESS = 3,		/* the CoA, native */
	API_ANCHOR_MAX = 3,
};

enum api_event_kind {
	API_EV_GRACE_START = 1,		/* addr is valid for seconds more */
	API_EV_MAX = 1,
};

struct api_getsrc {
	uint8_t		type;
	uint8_t		flags;
	uint8_t		proto;
	uint16_t	dport;
	uint32_t	pid;
	struct in6_addr	cn;
};

struct api_reply {
	uint8_t		status;
	uint8_t		type;
	uint8_t		anchor;
	uint32_t	lifetime;
	struct in6_addr	addr;
};

struct api_event {
	uint8_t		event;
	uint8_t		type;
	uint32_t	seconds;
	struct in6_addr	addr;
};

struct api_msg {
	uint8_t		type;		/* enum api_type */
	uint32_t	id;
	union {
		struct api_getsrc	req;	/* GETSRC */
		struct api_reply	rep;	/* GETSRC_REPLY */
		uint8_t			status;	/* SUBSCRIBE_REPLY */
		struct api_event	ev;	/* EVENT */
	} u;
};

/* Parser and builder errors (negative). */
#define API_E_SHORT	(-1)	/* shorter than the header or its type */
#define API_E_VERSION	(-2)
#define API_E_TYPE	(-3)	/* unknown type, or not for this side */
#define API_E_LENGTH	(-4)	/* length field vs record vs type */
#define API_E_RESERVED	(-5)	/* a reserved octet or flag bit set */
#define API_E_VALUE	(-6)	/* a field out of its range */
#define API_E_BUF	(-7)	/* builder: buffer too small */

/*
 * Parse one record of len octets into *m. 0, or an API_E_* code; *m is
 * meaningful only on 0. api_parse_request() accepts only what a client
 * sends (GETSRC, SUBSCRIBE): mnd's parser; api_parse_answer() only what
 * mnd sends (the library's).
 */
int	api_parse(const uint8_t *p, size_t len, struct api_msg *m);
int	api_parse_request(const uint8_t *p, size_t len, struct api_msg *m);
int	api_parse_answer(const uint8_t *p, size_t len, struct api_msg *m);

/* Build m into buf: its length, or API_E_BUF / API_E_TYPE /
 * API_E_VALUE (a field the parser would refuse). */
ssize_t	api_build(const struct api_msg *m, uint8_t *buf, size_t cap);

const char *api_strerror(int err);
const char *api_status_name(uint8_t status);
const char *api_anchor_name(uint8_t anchor);
const char *api_type_name(uint8_t addr_type);

#endif /* DMIP_API_PROTO_H */
