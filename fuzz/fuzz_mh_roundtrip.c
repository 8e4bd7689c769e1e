/*
 * fuzz_mh_roundtrip.c: parse -> mh_build -> parse must give the same
 * message (fuzz_mh_roundtrip()). The input is a raw MH, like
 * fuzz_mh_parse's, so the two share corpora; inputs that do not parse
 * are checked as in fuzz_mh_parse and go no further.
 *
 * What mh_build accepts (mh.h, mh_build.c): every type mh_parse knows,
 * repeated options up to MH_MAX_*, MN-ID 1..254 octets, AUTH MAC
 * 1..32 octets, prefix lengths <= 128, continuity types <= CONT_MAX.
 * Everything mh_parse() returns is inside that, so a build failure of
 * a parsed message is a finding. The small-buffer build uses a
 * capacity taken from the input, so every cut-off point gets tried.
 */
#include "fuzz.h"
#include "fuzz_mh.h"

FUZZ_TARGET("mh_roundtrip");

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mh_msg m;
	size_t cap;

	if (mh_parse(data, size, &m) != MH_OK)
		return 0;
	fuzz_mh_check_parsed(data, size, &m);
	/* Any capacity 0 .. size + 8, from the input. */
	cap = (size_t)(data[size / 2] ^ data[size - 1]) * 8 + data[3] % 8;
	cap %= size + 9;
	fuzz_mh_roundtrip(data, size, &m, cap);
	return 0;
}
