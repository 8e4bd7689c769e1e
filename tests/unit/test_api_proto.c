/*
 * test_api_proto.c: the libdmip <-> mnd codec (common/api_proto.h):
 * golden bytes of every message both ways, truncation at every length,
 * a record longer than its type, and every field the parser refuses.
 */
#include <arpa/inet.h>
#include <string.h>

#include "api_proto.h"
#include "api_golden.h"
#include "cu_main.h"

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	CU_ASSERT_FATAL(inet_pton(AF_INET6, s, &a) == 1);
	return a;
}

static void
check_build(const struct api_msg *m, const uint8_t *golden, size_t len)
{
	uint8_t buf[API_MSG_MAX];

	CU_ASSERT_EQUAL(api_build(m, buf, sizeof(buf)), (ssize_t)len);
	CU_ASSERT_EQUAL(memcmp(buf, golden, len), 0);
	CU_ASSERT_EQUAL(api_build(m, buf, len - 1), API_E_BUF);
	CU_ASSERT_EQUAL(api_build(m, NULL, len), API_E_BUF);
}

static void
test_getsrc(void)
{
	struct api_msg m = { .type = API_GETSRC, .id = 0x01020304 }, p;
	struct in6_addr cn = A("2001:db8:c1::1");

	m.u.req.type = API_TYPE_SESSION;
	m.u.req.flags = API_F_ON_NET;
	m.u.req.proto = 6;
	m.u.req.dport = 5001;
	m.u.req.pid = 0x1234;
	m.u.req.cn = cn;
	check_build(&m, g_api_getsrc, sizeof(g_api_getsrc));
	CU_ASSERT_EQUAL(api_parse_request(g_api_getsrc, sizeof(g_api_getsrc),
	    &p), 0);
	CU_ASSERT_EQUAL(p.type, API_GETSRC);
	CU_ASSERT_EQUAL(p.id, 0x01020304);
	CU_ASSERT_EQUAL(p.u.req.type, API_TYPE_SESSION);
	CU_ASSERT_EQUAL(p.u.req.flags, API_F_ON_NET);
	CU_ASSERT_EQUAL(p.u.req.proto, 6);
	CU_ASSERT_EQUAL(p.u.req.dport, 5001);
	CU_ASSERT_EQUAL(p.u.req.pid, 0x1234);
	CU_ASSERT_EQUAL(memcmp(&p.u.req.cn, &cn, 16), 0);
	/* Not an answer. */
	CU_ASSERT_EQUAL(api_parse_answer(g_api_getsrc, sizeof(g_api_getsrc),
	    &p), API_E_TYPE);
	/* setsc(): nothing known. */
	memset(&m, 0, sizeof(m));
	m.type = API_GETSRC;
	m.id = 9;
	m.u.req.type = API_TYPE_FIXED;
	m.u.req.pid = 42;
	check_build(&m, g_api_getsrc_setsc, sizeof(g_api_getsrc_setsc));
}

static void
test_reply(void)
{
	struct api_msg m = { .type = API_GETSRC_REPLY, .id = 0x01020304 }, p;
	struct in6_addr d = A("2001:db8:d1::5");

	m.u.rep.status = API_ST_OK;
	m.u.rep.type = API_TYPE_SESSION;
	m.u.rep.anchor = API_ANCHOR_DHP;
	m.u.rep.lifetime = 600;
	m.u.rep.addr = d;
	check_build(&m, g_api_reply, sizeof(g_api_reply));
	CU_ASSERT_EQUAL(api_parse_answer(g_api_reply, sizeof(g_api_reply),
	    &p), 0);
	CU_ASSERT_EQUAL(p.u.rep.status, API_ST_OK);
	CU_ASSERT_EQUAL(p.u.rep.type, API_TYPE_SESSION);
	CU_ASSERT_EQUAL(p.u.rep.anchor, API_ANCHOR_DHP);
	CU_ASSERT_EQUAL(p.u.rep.lifetime, 600);
	CU_ASSERT_EQUAL(memcmp(&p.u.rep.addr, &d, 16), 0);
	CU_ASSERT_EQUAL(api_parse_request(g_api_reply, sizeof(g_api_reply),
	    &p), API_E_TYPE);
	memset(&m, 0, sizeof(m));
	m.type = API_GETSRC_REPLY;
	m.id = 7;
	m.u.rep.status = API_ST_NOT_SUPPORTED;
	check_build(&m, g_api_reply_refused, sizeof(g_api_reply_refused));
	/* ok without a type, or a type with a refusal: refused. */
	m.u.rep.type = API_TYPE_FIXED;
	CU_ASSERT_EQUAL(api_build(&m, (uint8_t[64]){ 0 }, 64), API_E_VALUE);
	m.u.rep.status = API_ST_OK;
	m.u.rep.type = 0;
	CU_ASSERT_EQUAL(api_build(&m, (uint8_t[64]){ 0 }, 64), API_E_VALUE);
}

static void
test_subscribe_event(void)
{
	struct api_msg m = { .type = API_SUBSCRIBE, .id = 1 }, p;
	struct in6_addr a = A("2001:db8:1::100");

	check_build(&m, g_api_subscribe, sizeof(g_api_subscribe));
	CU_ASSERT_EQUAL(api_parse_request(g_api_subscribe,
	    sizeof(g_api_subscribe), &p), 0);
	CU_ASSERT_EQUAL(p.type, API_SUBSCRIBE);
	m.type = API_SUBSCRIBE_REPLY;
	m.u.status = API_ST_OK;
	check_build(&m, g_api_sub_reply, sizeof(g_api_sub_reply));
	CU_ASSERT_EQUAL(api_parse_answer(g_api_sub_reply,
	    sizeof(g_api_sub_reply), &p), 0);
	memset(&m, 0, sizeof(m));
	m.type = API_EVENT;
	m.u.ev.event = API_EV_GRACE_START;
	m.u.ev.type = API_TYPE_GRACEFUL;
	m.u.ev.seconds = 60;
	m.u.ev.addr = a;
	check_build(&m, g_api_event, sizeof(g_api_event));
	CU_ASSERT_EQUAL(api_parse_answer(g_api_event, sizeof(g_api_event),
	    &p), 0);
	CU_ASSERT_EQUAL(p.u.ev.event, API_EV_GRACE_START);
	CU_ASSERT_EQUAL(p.u.ev.seconds, 60);
	CU_ASSERT_EQUAL(memcmp(&p.u.ev.addr, &a, 16), 0);
}

/* Every golden message cut at every length, and one octet longer. */
static void
test_truncation(void)
{
	uint8_t buf[API_MSG_MAX + 1];
	struct api_msg m;

	for (size_t i = 0; i < sizeof(api_goldens) / sizeof(api_goldens[0]);
	    i++) {
		const struct api_golden *g = &api_goldens[i];

		CU_ASSERT_EQUAL(api_parse(g->bytes, g->len, &m), 0);
		for (size_t k = 0; k < g->len; k++) {
			int rc = api_parse(g->bytes, k, &m);

			CU_ASSERT(rc == API_E_SHORT || rc == API_E_LENGTH);
			if (rc == 0)
				fprintf(stderr, "%s: %zu octets parse\n",
				    g->name, k);
		}
		/* The length field still says the true length. */
		memcpy(buf, g->bytes, g->len);
		buf[g->len] = 0;
		CU_ASSERT_EQUAL(api_parse(buf, g->len + 1, &m), API_E_LENGTH);
		/* A length field that agrees with a longer record. */
		buf[2] = 0;
		buf[3] = (uint8_t)(g->len + 1);
		CU_ASSERT_EQUAL(api_parse(buf, g->len + 1, &m), API_E_LENGTH);
		/* ... or with a shorter one. */
		buf[3] = (uint8_t)(g->len - 1);
		CU_ASSERT_EQUAL(api_parse(buf, g->len - 1, &m), API_E_SHORT);
	}
	CU_ASSERT_EQUAL(api_parse(NULL, 0, &m), API_E_SHORT);
}

static void
test_refused_fields(void)
{
	uint8_t b[sizeof(g_api_getsrc)];
	struct api_msg m;

#define MUT(off, val, want)						\
	do {								\
		memcpy(b, g_api_getsrc, sizeof(b));			\
		b[(off)] = (val);					\
		CU_ASSERT_EQUAL(api_parse_request(b, sizeof(b), &m), (want)); \
	} while (0)
	MUT(0, 2, API_E_VERSION);
	MUT(1, 0, API_E_TYPE);
	MUT(1, 6, API_E_TYPE);
	MUT(1, API_EVENT, API_E_LENGTH);	/* 36 octets for 32 */
	MUT(8, 0, API_E_VALUE);		/* type 0 reserved */
	MUT(8, 5, API_E_VALUE);		/* 5..7 reserved */
	MUT(9, 0x02, API_E_RESERVED);	/* unknown flag */
	MUT(11, 1, API_E_RESERVED);
	MUT(14, 1, API_E_RESERVED);
	MUT(15, 1, API_E_RESERVED);
	MUT(8, 4, 0);			/* graceful is fine */
	MUT(10, 17, 0);			/* UDP */
#undef MUT
	memcpy(b, g_api_reply, sizeof(g_api_reply));
	b[10] = 4;
	CU_ASSERT_EQUAL(api_parse_answer(b, sizeof(g_api_reply), &m),
	    API_E_VALUE);
	b[10] = 2;
	b[8] = 4;
	CU_ASSERT_EQUAL(api_parse_answer(b, sizeof(g_api_reply), &m),
	    API_E_VALUE);
	memcpy(b, g_api_event, sizeof(g_api_event));
	b[8] = 2;
	CU_ASSERT_EQUAL(api_parse_answer(b, sizeof(g_api_event), &m),
	    API_E_VALUE);
	b[8] = 1;
	b[11] = 1;
	CU_ASSERT_EQUAL(api_parse_answer(b, sizeof(g_api_event), &m),
	    API_E_RESERVED);
	/* The builder refuses what the parser would. */
	memset(&m, 0, sizeof(m));
	m.type = API_GETSRC;
	CU_ASSERT_EQUAL(api_build(&m, b, sizeof(b)), API_E_VALUE);
	m.type = 99;
	CU_ASSERT_EQUAL(api_build(&m, b, sizeof(b)), API_E_TYPE);
	CU_ASSERT_STRING_EQUAL(api_strerror(API_E_RESERVED),
	    "reserved field not zero");
	CU_ASSERT_STRING_EQUAL(api_type_name(API_TYPE_GRACEFUL),
	    "graceful-replacement");
}

static int
cu_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "GETSRC golden bytes", test_getsrc },
		{ "GETSRC_REPLY golden bytes", test_reply },
		{ "SUBSCRIBE, EVENT golden bytes", test_subscribe_event },
		{ "truncation at every length", test_truncation },
		{ "refused fields", test_refused_fields },
		CU_TEST_INFO_NULL,
	};

	CU_SUITE("api_proto", tests);
	return 0;
}
