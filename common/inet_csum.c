/*
 * inet_csum.c: Internet checksum with the IPv6 pseudo-header (RFC 8200
 * 8.1, RFC 1071), used for the MH checksum (PROTOCOL.md B.1).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "bytes.h"
#include "dmip_proto.h"
#include "inet_csum.h"

/* Sum 16-bit big-endian words; an odd last octet is padded with 0. */
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	while (len > 1) {
		sum += be16_get(p);
		p += 2;
		len -= 2;
	}
	if (len == 1)
		sum += (uint64_t)p[0] << 8;
	return sum;
}

static uint16_t
csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
inet6_csum(const struct in6_addr *src, const struct in6_addr *dst,
    uint8_t nxt, const uint8_t *data, size_t len)
{
	uint64_t sum = 0;

	/* RFC 8200 8.1: src, dst, 32-bit length, 3 zero octets, nxt */
	sum = csum_add(sum, src->s6_addr, 16);
	sum = csum_add(sum, dst->s6_addr, 16);
	sum += (uint64_t)((len >> 16) & 0xffff) + (len & 0xffff);
	sum += nxt;
	sum = csum_add(sum, data, len);
	return csum_fold(sum);
}

void
mh_csum_set(uint8_t *mh, size_t len, const struct in6_addr *src,
    const struct in6_addr *dst)
{
	uint16_t c;

	if (len < MH_CSUM_OFF + 2)
		return;
	be16_put(mh + MH_CSUM_OFF, 0);
	c = inet6_csum(src, dst, IPPROTO_MH_NUM, mh, len);
	be16_put(mh + MH_CSUM_OFF, c);
}

bool
mh_csum_ok(const uint8_t *mh, size_t len, const struct in6_addr *src,
    const struct in6_addr *dst)
{
	if (len < MH_CSUM_OFF + 2)
		return false;
	/* with the checksum in place the folded sum is all ones */
	return inet6_csum(src, dst, IPPROTO_MH_NUM, mh, len) == 0;
}
