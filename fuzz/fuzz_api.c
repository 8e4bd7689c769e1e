/*
 * fuzz_api.c: the API socket's messages (common/api_proto.h) as mnd's
 * listener receives them from any local process: api_parse_request()
 * on arbitrary bytes, and api_parse_answer() (libdmip's side) on the
 * same bytes.
 *
 * Checked: the return codes are the documented ones; an accepted
 * record has exactly its type's length and fields in range, builds
 * back to the same bytes, and no shorter prefix of it parses; a build
 * into a buffer one octet short fails with API_E_BUF, never writing
 * past it; the two parsers never both accept one record.
 *
 * Seeds: the golden messages of tests/unit/api_golden.h (the unit
 * test's), given by fuzz_seeds() below since fuzz/seeds.c does not
 * link into this target; the requests are also in fuzz/corpus/api/.
 */
#include <string.h>

#include "fuzz.h"
#include "../common/api_proto.h"
#include "../tests/unit/api_golden.h"

FUZZ_TARGET("api");

static void
check_code(int rc)
{
	FUZZ_CHECK(rc == 0 || (rc <= API_E_SHORT && rc >= API_E_VALUE),
	    "undocumented code %d", rc);
}

static void
check_accepted(const uint8_t *data, size_t size, const struct api_msg *m,
    int (*parse)(const uint8_t *, size_t, struct api_msg *))
{
	uint8_t buf[API_MSG_MAX + 1];
	struct api_msg again;
	ssize_t len;

	FUZZ_CHECK(size >= API_HDR_LEN && size <= API_MSG_MAX,
	    "accepted %zu octets", size);
	switch (m->type) {
	case API_GETSRC:
		FUZZ_CHECK(size == API_GETSRC_LEN, "GETSRC of %zu", size);
		FUZZ_CHECK(m->u.req.type >= 1 && m->u.req.type <= API_TYPE_MAX &&
		    (m->u.req.flags & ~API_F_MASK) == 0, "GETSRC fields");
		break;
	case API_SUBSCRIBE:
		FUZZ_CHECK(size == API_SUBSCRIBE_LEN, "SUBSCRIBE of %zu",
		    size);
		break;
	case API_GETSRC_REPLY:
		FUZZ_CHECK(size == API_REPLY_LEN, "reply of %zu", size);
		FUZZ_CHECK((m->u.rep.status == API_ST_OK) ==
		    (m->u.rep.type != 0), "reply status vs type");
		break;
	case API_SUBSCRIBE_REPLY:
		FUZZ_CHECK(size == API_SUB_REPLY_LEN, "sub reply of %zu",
		    size);
		break;
	case API_EVENT:
		FUZZ_CHECK(size == API_EVENT_LEN, "event of %zu", size);
		break;
	default:
		FUZZ_CHECK(0, "accepted type %u", m->type);
	}
	/* Round trip. */
	len = api_build(m, buf, sizeof(buf));
	FUZZ_CHECK(len == (ssize_t)size && memcmp(buf, data, size) == 0,
	    "rebuilt %zd octets differ", len);
	FUZZ_CHECK(parse(buf, (size_t)len, &again) == 0 &&
	    memcmp(&again, m, sizeof(again)) == 0, "second parse differs");
	/* One octet short: an error, and nothing written past it. */
	memset(buf, 0xa5, sizeof(buf));
	FUZZ_CHECK(api_build(m, buf, size - 1) == API_E_BUF, "short build");
	FUZZ_CHECK(buf[size - 1] == 0xa5, "short build wrote past its end");
	/* No prefix is a message. */
	for (size_t k = 0; k < size; k++)
		FUZZ_CHECK(parse(data, k, &again) != 0, "prefix %zu parses",
		    k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_msg req, ans;
	int rq, ra;

	rq = api_parse_request(data, size, &req);
	check_code(rq);
	if (rq == 0)
		check_accepted(data, size, &req, api_parse_request);
	ra = api_parse_answer(data, size, &ans);
	check_code(ra);
	if (ra == 0)
		check_accepted(data, size, &ans, api_parse_answer);
	FUZZ_CHECK(rq != 0 || ra != 0, "both sides accept one record");
	return 0;
}

/* The seeds (replay_main.c and gen_corpus ask for them). */
size_t
fuzz_seeds(const char *target, const char *srcdir, fuzz_seed_fn fn,
    void *arg)
{
	size_t n = 0;

	(void)srcdir;
	if (strcmp(target, "api") != 0)
		return 0;
	for (size_t i = 0; i < sizeof(api_goldens) / sizeof(api_goldens[0]);
	    i++, n++)
		fn(api_goldens[i].name, api_goldens[i].bytes,
		    api_goldens[i].len, arg);
	return n;
}
