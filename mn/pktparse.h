/*
 * pktparse.h: the IPv6 packet as NFQUEUE hands it to mnd (PROTOCOL.md
 * G.1): one (buf, len), starting at the IPv6 header, possibly cut short
 * by the queue's copy range. pkt_parse() walks the extension header
 * chain (RFC 8200 4, RFC 7045: HBH, routing, fragment, destination
 * options, AH, HIP, Shim6, experimental 253/254) and fills the 5-tuple
 * the classifier and the flow table key on. Every read is checked
 * against len first; bad input returns a PKT_E* code, never crashes.
 *
 * Pure: no I/O, no allocation.
 */
#ifndef DMIP_PKTPARSE_H
#define DMIP_PKTPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define PKT_IPV6_HLEN		40
#define PKT_MAX_EXT_HEADERS	16	/* longer chains are refused */

enum pkt_err {
	PKT_OK = 0,
	PKT_ETRUNC = -1,	/* shorter than the IPv6 header */
	PKT_EVERSION = -2,	/* version is not 6 */
	PKT_EEXT = -3,		/* an extension header runs past the data */
	PKT_ECHAIN = -4,	/* more than PKT_MAX_EXT_HEADERS */
	PKT_EFRAG = -5,		/* non-first fragment: no upper header */
	PKT_EL4 = -6,		/* TCP/UDP/ICMPv6 header cut short */
	PKT_EARG = -7,		/* NULL buffer or output */
};

struct pkt_info {
	struct in6_addr	src, dst;
	uint8_t		proto;		/* upper-layer protocol (after ext) */
	uint8_t		tclass;		/* traffic class octet */
	uint8_t		dscp;		/* tclass >> 2 */
	uint8_t		hop_limit;
	uint32_t	flowlabel;
	uint16_t	plen;		/* payload length field */
	uint16_t	l4_off;		/* offset of the upper header */
	uint8_t		next_ext;	/* ext headers walked */
	bool		has_ports;	/* TCP, UDP, UDP-Lite, SCTP, DCCP */
	uint16_t	sport, dport;	/* host order; ICMPv6 echo: both = id */
	uint8_t		tcp_flags;	/* TCP only */
	bool		is_icmp;
	uint8_t		icmp_type, icmp_code;
	uint16_t	icmp_id;	/* echo request/reply only */
};

/*
 * Parse buf[0..len). On PKT_OK every field that applies is set; on an
 * error *out still holds what was read before the error (addresses
 * once the fixed header was read), zero elsewhere.
 */
int		 pkt_parse(const uint8_t *buf, size_t len, struct pkt_info *out);
const char	*pkt_strerror(int err);
/* "tcp", "udp", "icmp6", or the number. */
const char	*pkt_proto_name(uint8_t proto, char *buf, size_t len);

#endif /* DMIP_PKTPARSE_H */
