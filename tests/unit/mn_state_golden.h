/*
 * mn_state_golden.h: a golden mnd state file (mn/mn_state.h), shared
 * by tests/unit/test_mn_state.c (which builds the same content and
 * compares the encoder's bytes with these) and fuzz/fuzz_mn_state.c
 * (a seed). The trailer's CRC-32 was computed independently (Python's
 * zlib.crc32 over every byte before "end").
 *
 * Written at 1700000000000 (wall-clock ms): the home binding via
 * 2001:db8:1::a, a session-lasting DHoA 2001:db8:d1::5 at DHP
 * 2001:db8:f::11 in flow slot 2, a TCP flow anchored on it (NAT) and a
 * native UDP flow.
 */
#ifndef DMIP_MN_STATE_GOLDEN_H
#define DMIP_MN_STATE_GOLDEN_H

static const char mn_state_golden[] =
	"dmip6-state 1 mnd 1700000000000\n"
	"mnd 1 2001:db8:10::100\n"
	"home 2001:db8:f::10 registered 2001:db8:1::a 1235 1234 150 0 "
	"1699999990000 1700000590000 1700000470000 -4294967\n"
	"anchors 77 0\n"
	"anchor 3 2001:db8:f::11 2001:db8:f::11 2001:db8:d1::5 "
	"2001:db8:c1::1 session-lasting 1700000500000 1700000380000 12345\n"
	"dbul 2001:db8:d1::5 registered 2001:db8:1::a 501 500 75 30 "
	"1699999995000 1700000295000 1700000115000 0\n"
	"slot 2 2001:db8:d1::5\n"
	"flow 7 6 2001:db8:1::a 40000 2001:db8:c1::1 7001 out mn "
	"session-lasting 2 1\n"
	"flow 8 17 2001:db8:1::a 5353 2001:db8:c2::1 7003 out mn "
	"non-persistent 0 0\n"
	"end 8 2bf2a680\n";

#define MN_STATE_GOLDEN_WALL	1700000000000ULL

#endif /* DMIP_MN_STATE_GOLDEN_H */
