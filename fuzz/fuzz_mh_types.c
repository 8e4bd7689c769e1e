/*
 * fuzz_mh_types.c: every MH type through mh_parse() with the header
 * made valid, so that the fuzzer spends its time in each type's fixed
 * part and option walk rather than on the header checks.
 *
 * Input: one octet choosing the type (the types of mh_parse.c's table,
 * then a few it does not know), then the MH from octet 3 on (Reserved,
 * Checksum, the fixed part, the options). The harness writes Payload
 * Proto 59, Header Len and the type, pads with zeros to a multiple of
 * 8 and at least the type's fixed length. Whatever parses also goes
 * through the round trip (fuzz_mh_roundtrip()).
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz_mh.h"

FUZZ_TARGET("mh_types");

static const struct {
	uint8_t	type;
	uint8_t	fixed;		/* MH_LEN_*, 8 for unknown types */
} types[] = {
	{ MH_TYPE_BRR, MH_LEN_BRR }, { MH_TYPE_BU, MH_LEN_BU },
	{ MH_TYPE_BA, MH_LEN_BA }, { MH_TYPE_BE, MH_LEN_BE },
	{ MH_TYPE_DHP_QUERY, MH_LEN_DHP_QUERY },
	{ MH_TYPE_DHP_REPLY, MH_LEN_DHP_REPLY },
	{ MH_TYPE_DHOA_REQ, MH_LEN_DHOA_REQ },
	{ MH_TYPE_DHOA_RESP, MH_LEN_DHOA_RESP },
	{ MH_TYPE_DHP_BU, MH_LEN_DHP_BU }, { MH_TYPE_DHP_BC, MH_LEN_DHP_BC },
	/* not parsed by dmip6: must give MH_E_TYPE */
	{ MH_TYPE_HOTI, 8 }, { MH_TYPE_COT, 8 }, { MH_TYPE_EXPERIMENTAL, 8 },
	{ 206, 8 }, { 255, 8 },
};

#define NKNOWN	10

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[MH_MAX_LEN];
	struct mh_msg m;
	size_t sel, body, len;
	int rc;

	if (size < 1)
		return 0;
	sel = data[0] % (sizeof(types) / sizeof(types[0]));
	body = size - 1;
	if (body > MH_MAX_LEN - 3)
		body = MH_MAX_LEN - 3;
	len = 3 + body;
	if (len < types[sel].fixed)
		len = types[sel].fixed;
	len = (len + MH_UNIT - 1) / MH_UNIT * MH_UNIT;
	memset(buf, 0, len);
	memcpy(buf + 3, data + 1, body);
	buf[0] = MH_PAYLOAD_PROTO;
	buf[1] = (uint8_t)(len / MH_UNIT - 1);
	buf[2] = types[sel].type;

	rc = mh_parse(buf, len, &m);
	FUZZ_CHECK(m.type == types[sel].type, "type %u, wanted %u", m.type,
	    types[sel].type);
	if (sel >= NKNOWN) {
		FUZZ_CHECK(rc == MH_E_TYPE && m.bad_off == 2,
		    "unknown type %u gave %d at %zu", types[sel].type, rc,
		    m.bad_off);
		return 0;
	}
	/* The header is right by construction: never a header error. */
	FUZZ_CHECK(rc != MH_E_SHORT && rc != MH_E_LENGTH && rc != MH_E_PROTO &&
	    rc != MH_E_TYPE, "type %u: header error %d", m.type, rc);
	if (rc != MH_OK) {
		FUZZ_CHECK(m.bad_off < len, "bad_off %zu of %zu (rc %d)",
		    m.bad_off, len, rc);
		return 0;
	}
	fuzz_mh_check_parsed(buf, len, &m);
	fuzz_mh_roundtrip(buf, len, &m, (size_t)data[0] * 8 % (len + 9));
	return 0;
}
