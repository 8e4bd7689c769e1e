/*
 * fuzz_pktparse.c: pkt_parse() (mn/pktparse.h, PROTOCOL.md G.1) on the
 * IPv6 packets NFQUEUE hands to mnd, possibly cut short by the queue's
 * copy range: the extension header chain and the upper-layer header.
 *
 * Checked on success: the fixed header fields are the packet's octets,
 * the upper-layer header starts inside the packet after the IPv6
 * header, at most PKT_MAX_EXT_HEADERS were walked, ports are read only
 * from inside the packet. On error the code is one of pktparse.h's.
 * Every packet is also parsed at every shorter length, which must never
 * read further (ASan) and never succeed with an upper header past it.
 */
#include <string.h>

#include "fuzz.h"
#include "../mn/pktparse.h"

FUZZ_TARGET("pktparse");

static void
check(const uint8_t *p, size_t len)
{
	struct pkt_info pi;
	char name[16];
	int rc;

	rc = pkt_parse(p, len, &pi);
	FUZZ_CHECK(rc <= 0 && rc >= PKT_EARG, "pkt_parse gave %d", rc);
	FUZZ_CHECK(pkt_strerror(rc) != NULL, "no text for %d", rc);
	if (rc != PKT_OK)
		return;
	FUZZ_CHECK(len >= PKT_IPV6_HLEN && p[0] >> 4 == 6, "accepted %zu "
	    "octets, version %u", len, p[0] >> 4);
	FUZZ_CHECK(memcmp(&pi.src, p + 8, 16) == 0 &&
	    memcmp(&pi.dst, p + 24, 16) == 0, "addresses");
	FUZZ_CHECK(pi.tclass == (uint8_t)((p[0] << 4) | (p[1] >> 4)) &&
	    pi.dscp == pi.tclass >> 2 && pi.hop_limit == p[7] &&
	    pi.plen == (uint16_t)(p[4] << 8 | p[5]) &&
	    pi.flowlabel == ((uint32_t)(p[1] & 0x0f) << 16 |
	    (uint32_t)p[2] << 8 | p[3]), "fixed header fields");
	FUZZ_CHECK(pi.next_ext <= PKT_MAX_EXT_HEADERS, "%u ext headers",
	    pi.next_ext);
	FUZZ_CHECK(pi.l4_off >= PKT_IPV6_HLEN && pi.l4_off <= len,
	    "upper header at %u of %zu", pi.l4_off, len);
	if (pi.has_ports)
		FUZZ_CHECK((size_t)pi.l4_off + 4 <= len, "ports at %u of %zu",
		    pi.l4_off, len);
	(void)pkt_proto_name(pi.proto, name, sizeof(name));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size);
	/* The copy range can cut the packet anywhere: try a few cuts. */
	for (size_t cut = size; cut > 0 && cut + 64 > size; cut--)
		check(data, cut - 1);
	return 0;
}
