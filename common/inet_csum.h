/*
 * inet_csum.h: Internet checksum over an IPv6 pseudo-header (RFC 8200
 * 8.1), for the MH checksum (PROTOCOL.md B.1) on the UDP transport and
 * in tests, where no kernel fills it in.
 */
#ifndef DMIP_INET_CSUM_H
#define DMIP_INET_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* One's-complement checksum of pseudo-header + data (the checksum field
 * inside data must be zero, or the result of a valid packet is 0). */
uint16_t	inet6_csum(const struct in6_addr *src,
		    const struct in6_addr *dst, uint8_t nxt,
		    const uint8_t *data, size_t len);
/* Write the MH checksum at offset 4 (MH_CSUM_OFF). */
void		mh_csum_set(uint8_t *mh, size_t len,
		    const struct in6_addr *src, const struct in6_addr *dst);
bool		mh_csum_ok(const uint8_t *mh, size_t len,
		    const struct in6_addr *src, const struct in6_addr *dst);

#endif /* DMIP_INET_CSUM_H */
