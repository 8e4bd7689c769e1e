/*
 * fuzz_dad_nd.c: the home agent's DAD (ha/dad.h, PROTOCOL.md F.15):
 * dad_nd_parse() on received NS/NA messages and dad_rx_judge() on what
 * it parsed, plus a round trip of the NS that had itself builds.
 *
 * Input: a control octet, then (ctl bit 0) the source, destination,
 * target and nonce the judgement uses, then the ICMPv6 message. Checked:
 * a parsed message is an NS or NA with code 0 and a unicast target; the
 * verdict is one of dad.h's and IGNORE for another target; an NS built
 * by dad_ns_build() for the message's target parses back to that target
 * and nonce, and judged against itself is LOOPED (RFC 7527).
 */
#include <string.h>

#include "fuzz.h"
#include "../ha/dad.h"

FUZZ_TARGET("dad_nd");

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t nonce[DAD_NONCE_LEN], pkt[DAD_PKT_LEN];
	struct in6_addr src, dst, target, group;
	struct dad_nd nd, own;
	const uint8_t *msg;
	struct fin f;
	size_t len;
	uint8_t ctl;
	int rc, v;

	fin_init(&f, data, size);
	ctl = fin_u8(&f);
	memset(&src, 0, sizeof(src));
	target = fuzz_addr("2001:db8:10::100");
	memset(nonce, 0x5a, sizeof(nonce));
	if (ctl & 1) {
		fin_in6(&f, &src);
		fin_in6(&f, &dst);
		fin_in6(&f, &target);
		fin_bytes(&f, nonce, sizeof(nonce));
	} else
		dad_solicited_node(&target, &dst);
	len = fin_take(&f, &msg, f.len);

	rc = dad_nd_parse(msg, len, &nd);
	FUZZ_CHECK(rc <= 0 && rc >= DAD_P_OPT, "dad_nd_parse gave %d", rc);
	FUZZ_CHECK(dad_perr_name(rc) != NULL, "no name for %d", rc);
	if (rc != DAD_P_OK)
		return 0;
	FUZZ_CHECK((nd.type == DAD_ICMP_NS || nd.type == DAD_ICMP_NA) &&
	    nd.type == msg[0] && len >= 2 && msg[1] == 0, "type %u", nd.type);
	FUZZ_CHECK(!IN6_IS_ADDR_MULTICAST(&nd.target), "multicast target");

	v = dad_rx_judge(&nd, &src, &dst, ctl & 2 ? 64 : DAD_HOPLIMIT, &target,
	    nonce);
	FUZZ_CHECK(v >= DAD_RX_IGNORE && v <= DAD_RX_DUP_NS, "verdict %d", v);
	FUZZ_CHECK(dad_rx_name((enum dad_rx_verdict)v) != NULL, "name");
	if (memcmp(&nd.target, &target, 16) != 0)
		FUZZ_CHECK(v == DAD_RX_IGNORE, "another target judged %s",
		    dad_rx_name((enum dad_rx_verdict)v));

	/* Our own probe for that target comes back as ours. */
	FUZZ_CHECK(dad_ns_build(pkt, sizeof(pkt), &nd.target, nonce) ==
	    DAD_PKT_LEN, "dad_ns_build");
	FUZZ_CHECK(dad_ns_build(pkt, sizeof(pkt) - 1, &nd.target, nonce) ==
	    -1, "dad_ns_build into a short buffer");
	FUZZ_CHECK(dad_nd_parse(pkt + 40, DAD_NS_LEN, &own) == DAD_P_OK &&
	    own.type == DAD_ICMP_NS && memcmp(&own.target, &nd.target,
	    16) == 0 && own.has_nonce && memcmp(own.nonce, nonce,
	    DAD_NONCE_LEN) == 0 && !own.has_sllao, "own NS does not parse "
	    "back");
	memset(&src, 0, sizeof(src));
	dad_solicited_node(&nd.target, &group);
	FUZZ_CHECK(memcmp(pkt + 24, &group, 16) == 0, "NS not sent to the "
	    "solicited-node group");
	FUZZ_CHECK(dad_rx_judge(&own, &src, &group, DAD_HOPLIMIT, &nd.target,
	    nonce) == DAD_RX_LOOPED, "own NS not recognised as looped back");
	return 0;
}
