/*
 * pktparse.c: IPv6 header and extension-header walk for the flow
 * classifier (see pktparse.h). A p/rem cursor: every read checks the
 * bytes left first (STYLE.md "Parsing and building bytes").
 */
#include <stdio.h>
#include <string.h>

#include "pktparse.h"

#define NH_HOPOPTS	0
#define NH_TCP		6
#define NH_UDP		17
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_DCCP		33
#define NH_ESP		50
#define NH_AH		51
#define NH_ICMPV6	58
#define NH_NONE		59
#define NH_DSTOPTS	60
#define NH_SCTP		132
#define NH_UDPLITE	136
#define NH_HIP		139
#define NH_SHIM6	140
#define NH_EXP1		253
#define NH_EXP2		254

#define ICMP6_ECHO_REQ	128
#define ICMP6_ECHO_REP	129

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Extension headers with the generic "next, hdr ext len" layout
 * (RFC 8200 4; RFC 7045 for HIP and Shim6; RFC 3692 253/254). */
static bool
is_generic_ext(uint8_t nh)
{
	switch (nh) {
	case NH_HOPOPTS:
	case NH_ROUTING:
	case NH_DSTOPTS:
	case NH_HIP:
	case NH_SHIM6:
	case NH_EXP1:
	case NH_EXP2:
		return true;
	}
	return false;
}

/* Walk the extension headers from *off; leaves the upper-layer
 * protocol in *nh and its offset in *off. */
static int
walk_ext(const uint8_t *p, size_t end, size_t *off, uint8_t *nh,
    uint8_t *count)
{
	size_t hl;

	for (*count = 0;; (*count)++) {
		if (!is_generic_ext(*nh) && *nh != NH_FRAGMENT &&
		    *nh != NH_AH)
			return PKT_OK;
		if (*count >= PKT_MAX_EXT_HEADERS)
			return PKT_ECHAIN;
		if (end - *off < 8)	/* every ext header is >= 8 bytes */
			return PKT_EEXT;
		if (*nh == NH_FRAGMENT) {
			/* RFC 8200 4.5: offset in the top 13 bits. */
			if ((get16(p + *off + 2) & 0xfff8) != 0) {
				*nh = p[*off];
				return PKT_EFRAG;
			}
			hl = 8;
		} else if (*nh == NH_AH)
			hl = ((size_t)p[*off + 1] + 2) * 4;	/* RFC 4302 */
		else
			hl = ((size_t)p[*off + 1] + 1) * 8;
		if (end - *off < hl)
			return PKT_EEXT;
		*nh = p[*off];
		*off += hl;
	}
}

static int
parse_l4(const uint8_t *p, size_t end, struct pkt_info *pi)
{
	size_t off = pi->l4_off, rem = end - off;

	switch (pi->proto) {
	case NH_TCP:
		if (rem < 20)
			return PKT_EL4;
		pi->tcp_flags = p[off + 13];
		/* FALLTHROUGH */
	case NH_UDP:
	case NH_UDPLITE:
	case NH_SCTP:
	case NH_DCCP:
		if (rem < (pi->proto == NH_UDP || pi->proto == NH_UDPLITE ?
		    8u : 4u))
			return PKT_EL4;
		pi->sport = get16(p + off);
		pi->dport = get16(p + off + 2);
		pi->has_ports = true;
		return PKT_OK;
	case NH_ICMPV6:
		if (rem < 4)
			return PKT_EL4;
		pi->is_icmp = true;
		pi->icmp_type = p[off];
		pi->icmp_code = p[off + 1];
		if (pi->icmp_type == ICMP6_ECHO_REQ ||
		    pi->icmp_type == ICMP6_ECHO_REP) {
			if (rem < 8)
				return PKT_EL4;
			/* conntrack keys echo by id (both directions) */
			pi->icmp_id = get16(p + off + 4);
			pi->sport = pi->dport = pi->icmp_id;
		}
		return PKT_OK;
	}
	return PKT_OK;	/* ESP, no next header, others: no ports */
}

int
pkt_parse(const uint8_t *p, size_t len, struct pkt_info *pi)
{
	size_t off = PKT_IPV6_HLEN, end;
	uint32_t w;
	uint8_t nh;
	int rc;

	if (pi == NULL)
		return PKT_EARG;
	memset(pi, 0, sizeof(*pi));
	if (p == NULL)
		return PKT_EARG;
	if (len < PKT_IPV6_HLEN)
		return PKT_ETRUNC;
	w = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	if ((w >> 28) != 6)
		return PKT_EVERSION;
	pi->tclass = (uint8_t)(w >> 20);
	pi->dscp = pi->tclass >> 2;
	pi->flowlabel = w & 0xfffff;
	pi->plen = get16(p + 4);
	nh = p[6];
	pi->hop_limit = p[7];
	memcpy(&pi->src, p + 8, 16);
	memcpy(&pi->dst, p + 24, 16);

	/* The data may be cut short by the copy range, or padded past
	 * the payload: walk only bytes that are both present and part of
	 * the packet. plen 0 is a jumbogram (RFC 2675): use len. */
	end = len;
	if (pi->plen != 0 && (size_t)pi->plen + PKT_IPV6_HLEN < end)
		end = (size_t)pi->plen + PKT_IPV6_HLEN;

	rc = walk_ext(p, end, &off, &nh, &pi->next_ext);
	pi->proto = nh;
	pi->l4_off = (uint16_t)off;
	if (rc != PKT_OK)
		return rc;
	return parse_l4(p, end, pi);
}

const char *
pkt_strerror(int err)
{
	switch (err) {
	case PKT_OK:
		return "ok";
	case PKT_ETRUNC:
		return "shorter than an IPv6 header";
	case PKT_EVERSION:
		return "not IPv6";
	case PKT_EEXT:
		return "extension header truncated";
	case PKT_ECHAIN:
		return "too many extension headers";
	case PKT_EFRAG:
		return "non-first fragment";
	case PKT_EL4:
		return "upper-layer header truncated";
	case PKT_EARG:
		return "invalid argument";
	}
	return "unknown error";
}

const char *
pkt_proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case NH_TCP:
		return "tcp";
	case NH_UDP:
		return "udp";
	case NH_ICMPV6:
		return "icmp6";
	case NH_SCTP:
		return "sctp";
	case NH_UDPLITE:
		return "udplite";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}
