/*
 * fuzz_mh_parse.c: mh_parse() on raw bytes, as a raw MH socket or the
 * UDP transport hands them to the daemons (PROTOCOL.md B.1-B.11).
 *
 * Beyond "no crash, no out-of-bounds read", what a successful parse
 * promises is checked: the header fields, the limits on repeated
 * options, AUTH last and ending the MH (B.8), DHP Reply's Count
 * (B.11.3). An error names an octet inside the buffer (or its end).
 */
#include "fuzz.h"
#include "fuzz_mh.h"

FUZZ_TARGET("mh_parse");

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mh_msg m;
	int rc;

	rc = mh_parse(data, size, &m);
	FUZZ_CHECK(rc <= 0 && rc >= MH_E_INVAL, "mh_parse returned %d", rc);
	FUZZ_CHECK(mh_strerror(rc) != NULL, "no text for %d", rc);
	if (rc != MH_OK) {
		/* The offending octet is inside the MH, or its end when it
		 * is too short. */
		FUZZ_CHECK(m.bad_off <= size, "bad_off %zu of %zu (rc %d)",
		    m.bad_off, size, rc);
		return 0;
	}
	fuzz_mh_check_parsed(data, size, &m);
	return 0;
}
