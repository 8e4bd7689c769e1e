/*
 * test_mn_state.c: mnd's state file (mn/mn_state.c) and the engine
 * functions a restart uses (bul_save/bul_restore, mn_home_restore,
 * anchors_adopt):
 *
 *   - golden bytes (tests/unit/mn_state_golden.h) from the encoder, the
 *     decoder's fields from them, and the round trip;
 *   - every truncation of the golden file, every single-byte change,
 *     another framing or content version, another kind, a list of
 *     well-framed but wrong files (order, duplicates, ranges, names),
 *     and pseudo-random garbage: refused with a reason, nothing kept;
 *   - home: a binding made with the real home agent engine
 *     (ha/ha_engine.c), saved, restored at a later time in a fresh
 *     mn_home: the same CoA sends no BU, a new CoA's BU carries the
 *     sequence number MN_STATE_SEQ_SKIP on and the HA accepts it (no
 *     135); an expired binding comes back idle, sequence still going on;
 *   - anchors: anchors_adopt() (bound, not installed, renewal and idle
 *     release scheduled, refused for an unknown DHP, an expired lease,
 *     a duplicate, a bad type), the first CoA (installed, EV_BOUND, no
 *     DHP-BU for the same CoA, a DHP-BU with the saved sequence for a
 *     new one, an unheld DHoA released at a move), the idle release
 *     (F.10), and collect -> encode -> decode -> apply across a clock
 *     shift.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchors.h"
#include "auth.h"
#include "conf.h"
#include "flow_mark.h"
#include "ha_engine.h"
#include "log.h"
#include "mh.h"
#include "mn_home.h"
#include "mn_state.h"
#include "statefile.h"
#include "cu_main.h"
#include "mn_state_golden.h"

#define SPI_HA	4096
#define SPI_D1	8192
#define SPI_D2	8193
#define NTP0	0xE875470000000000ULL
#define NTP_S	(1ULL << 32)
#define W0	MN_STATE_GOLDEN_WALL

static struct in6_addr HA, HOA, COA1, COA2, CN1, DHP1, DHP2, DHP3, DHOA1,
    DHOA2;
static struct mh_sa SA_HA;
static struct sa_table *mn_sas;

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

static bool
same(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static struct bul_now
T(uint64_t ms)
{
	struct bul_now n = { ms, NTP0 + (ms / 1000) * NTP_S +
	    ((ms % 1000) << 32) / 1000 };

	return n;
}

/* ---- log lines ---------------------------------------------------------- */

#define NLINES	256
static char lines[NLINES][256];
static size_t nlines;

static void
sink(int prio, const char *msg)
{
	(void)prio;
	if (nlines < NLINES)
		snprintf(lines[nlines++], sizeof(lines[0]), "%s", msg);
}

static bool
saw_sub(const char *sub)
{
	for (size_t i = 0; i < nlines; i++)
		if (strstr(lines[i], sub) != NULL)
			return true;
	fprintf(stderr, "missing log line with \"%s\"\n", sub);
	return false;
}

/* ---- the golden content ------------------------------------------------- */

static void
golden_state(struct mn_state *st)
{
	struct anchor_saved *a;

	memset(st, 0, sizeof(*st));
	st->written = W0;
	st->hoa = HOA;
	st->has_home = true;
	st->ha = HA;
	st->home.state = BUL_REGISTERED;
	st->home.coa = COA1;
	st->home.next_seq = 1235;
	st->home.seq = 1234;
	st->home.lifetime_granted = 150;
	st->home.sent_ms = W0 - 10000;
	st->home.expires_ms = W0 + 590000;
	st->home.refresh_ms = W0 + 470000;
	st->home.clock_offset = -4294967;
	st->has_anchors = true;
	st->an_next_seq = 77;
	st->nanchors = 1;
	st->anchors = calloc(1, sizeof(*st->anchors));
	CU_ASSERT_FATAL(st->anchors != NULL);
	a = &st->anchors[0];
	a->id = 3;
	a->peer = DHP1;
	a->tep = DHP1;
	a->dhoa = DHOA1;
	a->cn = CN1;
	a->type = CONT_SESSION_LASTING;
	a->lease_ms = W0 + 500000;
	a->renew_at = W0 + 380000;
	a->clock_offset = 12345;
	a->bul.state = BUL_REGISTERED;
	a->bul.coa = COA1;
	a->bul.next_seq = 501;
	a->bul.seq = 500;
	a->bul.lifetime_granted = 75;
	a->bul.bra = 30;
	a->bul.sent_ms = W0 - 5000;
	a->bul.expires_ms = W0 + 295000;
	a->bul.refresh_ms = W0 + 115000;
	st->nslots = 1;
	st->slots = calloc(1, sizeof(*st->slots));
	CU_ASSERT_FATAL(st->slots != NULL);
	st->slots[0].slot = 2;
	st->slots[0].addr = DHOA1;
	st->nflows = 2;
	st->flows = calloc(2, sizeof(*st->flows));
	CU_ASSERT_FATAL(st->flows != NULL);
	st->flows[0] = (struct mn_flow_saved){ .src = COA1, .dst = CN1,
	    .sport = 40000, .dport = 7001, .proto = 6, .hook = FLOW_HOOK_OUT,
	    .initiator = FLOW_INIT_MN, .type = CONT_SESSION_LASTING,
	    .anchor = 2, .nat = true, .id = 7 };
	st->flows[1] = (struct mn_flow_saved){ .src = COA1,
	    .dst = A("2001:db8:c2::1"), .sport = 5353, .dport = 7003,
	    .proto = 17, .hook = FLOW_HOOK_OUT, .initiator = FLOW_INIT_MN,
	    .type = CONT_NON_PERSISTENT, .anchor = 0, .nat = false, .id = 8 };
}

static bool
bul_eq(const struct bul_saved *a, const struct bul_saved *b)
{
	return a->state == b->state && same(&a->coa, &b->coa) &&
	    a->next_seq == b->next_seq && a->seq == b->seq &&
	    a->lifetime_granted == b->lifetime_granted && a->bra == b->bra &&
	    a->sent_ms == b->sent_ms && a->expires_ms == b->expires_ms &&
	    a->refresh_ms == b->refresh_ms &&
	    a->clock_offset == b->clock_offset;
}

static bool
anchor_eq(const struct anchor_saved *a, const struct anchor_saved *b)
{
	return a->id == b->id && same(&a->peer, &b->peer) &&
	    same(&a->tep, &b->tep) && same(&a->dhoa, &b->dhoa) &&
	    same(&a->cn, &b->cn) && a->type == b->type &&
	    a->lease_ms == b->lease_ms && a->renew_at == b->renew_at &&
	    a->clock_offset == b->clock_offset && bul_eq(&a->bul, &b->bul);
}

static bool
flow_eq(const struct mn_flow_saved *a, const struct mn_flow_saved *b)
{
	return same(&a->src, &b->src) && same(&a->dst, &b->dst) &&
	    a->sport == b->sport && a->dport == b->dport &&
	    a->proto == b->proto && a->hook == b->hook &&
	    a->initiator == b->initiator && a->type == b->type &&
	    a->anchor == b->anchor && a->nat == b->nat && a->id == b->id;
}

static bool
state_eq(const struct mn_state *a, const struct mn_state *b)
{
	if (a->written != b->written || !same(&a->hoa, &b->hoa) ||
	    a->has_home != b->has_home || a->has_anchors != b->has_anchors ||
	    a->nanchors != b->nanchors || a->nslots != b->nslots ||
	    a->nflows != b->nflows)
		return false;
	if (a->has_home && (!same(&a->ha, &b->ha) ||
	    !bul_eq(&a->home, &b->home)))
		return false;
	if (a->has_anchors && (a->an_next_seq != b->an_next_seq ||
	    a->ha_clock_offset != b->ha_clock_offset))
		return false;
	for (size_t i = 0; i < a->nanchors; i++)
		if (!anchor_eq(&a->anchors[i], &b->anchors[i]))
			return false;
	for (size_t i = 0; i < a->nslots; i++)
		if (a->slots[i].slot != b->slots[i].slot ||
		    !same(&a->slots[i].addr, &b->slots[i].addr))
			return false;
	for (size_t i = 0; i < a->nflows; i++)
		if (!flow_eq(&a->flows[i], &b->flows[i]))
			return false;
	return true;
}

static bool
is_empty(const struct mn_state *st)
{
	static const struct mn_state zero;

	return memcmp(st, &zero, sizeof(zero)) == 0;
}

/* Header and records (body) plus a trailer with the right count and
 * CRC, as sf_finish() writes it. */
static size_t
frame(const char *body, char *out, size_t cap)
{
	size_t n = 0, len = strlen(body);

	for (size_t i = 0; i < len; i++)
		n += body[i] == '\n';
	CU_ASSERT_FATAL(len + 32 < cap);
	memcpy(out, body, len);
	return len + (size_t)snprintf(out + len, cap - len, "end %zu %08x\n",
	    n - 1, sf_crc32(0, body, len));
}

/* Decode must refuse buf with a reason containing want (if any). */
static void
refused(const char *buf, size_t len, const char *want)
{
	struct mn_state st;
	char err[160] = "";

	memset(&st, 0xa5, sizeof(st));
	CU_ASSERT_EQUAL(mn_state_decode(buf, len, &st, err, sizeof(err)), -1);
	CU_ASSERT_TRUE(is_empty(&st));
	CU_ASSERT_TRUE(err[0] != '\0');
	if (want != NULL && strstr(err, want) == NULL) {
		fprintf(stderr, "want \"%s\", got \"%s\" for:\n%.*s\n", want,
		    err, (int)len, buf);
		CU_FAIL("reason");
	}
}

/* ---- codec tests ---------------------------------------------------------- */

static void
test_golden(void)
{
	struct mn_state st, back;
	struct sf_buf b;
	char err[160];

	golden_state(&st);
	CU_ASSERT_EQUAL_FATAL(mn_state_encode(&st, &b), 0);
	CU_ASSERT_EQUAL(b.len, strlen(mn_state_golden));
	if (b.len != strlen(mn_state_golden) ||
	    memcmp(b.p, mn_state_golden, b.len) != 0) {
		fprintf(stderr, "encoded:\n%.*s", (int)b.len, b.p);
		CU_FAIL("golden bytes");
	}
	sf_free(&b);
	CU_ASSERT_EQUAL_FATAL(mn_state_decode(mn_state_golden,
	    strlen(mn_state_golden), &back, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(state_eq(&st, &back));
	/* And once more through the encoder: the same bytes. */
	CU_ASSERT_EQUAL_FATAL(mn_state_encode(&back, &b), 0);
	CU_ASSERT_TRUE(b.len == strlen(mn_state_golden) &&
	    memcmp(b.p, mn_state_golden, b.len) == 0);
	sf_free(&b);
	mn_state_free(&back);
	mn_state_free(&st);
}

static void
test_minimal(void)
{
	static const char *const ok[] = {
		"dmip6-state 1 mnd 5\nmnd 1 2001:db8:10::100\n",
		"dmip6-state 1 mnd 5\nmnd 1 2001:db8:10::100\n"
		    "anchors 65535 -9223372036854775808\n",
		"dmip6-state 1 mnd 5\nmnd 1 2001:db8:10::100\n"
		    "home 2001:db8:f::10 idle :: 0 0 0 0 0 0 0 0\n"
		    "flow 1 58 2001:db8:1::a 0 2001:db8:c1::1 0 pre cn fixed "
		    "1 0\n",
	};
	struct mn_state st;
	char buf[1024], err[160];
	size_t len;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		len = frame(ok[i], buf, sizeof(buf));
		err[0] = '\0';
		CU_ASSERT_EQUAL(mn_state_decode(buf, len, &st, err,
		    sizeof(err)), 0);
		if (err[0] != '\0')
			fprintf(stderr, "%zu: %s\n", i, err);
		CU_ASSERT_EQUAL(st.written, 5);
		CU_ASSERT_TRUE(same(&st.hoa, &HOA));
		if (i == 1)
			CU_ASSERT_EQUAL(st.ha_clock_offset, INT64_MIN);
		if (i == 2) {
			CU_ASSERT_TRUE(st.has_home);
			CU_ASSERT_EQUAL(st.home.state, BUL_IDLE);
			CU_ASSERT_EQUAL(st.nflows, 1);
			CU_ASSERT_EQUAL(st.flows[0].anchor, FLOW_ANCHOR_HA);
			CU_ASSERT_EQUAL(st.flows[0].hook, FLOW_HOOK_PRE);
			CU_ASSERT_EQUAL(st.flows[0].initiator, FLOW_INIT_CN);
		}
		mn_state_free(&st);
	}
}

static void
test_truncated(void)
{
	size_t len = strlen(mn_state_golden);
	char *p;

	/* Each prefix in a block of exactly its size (ASan sees an
	 * over-read). */
	for (size_t n = 0; n < len; n++) {
		p = malloc(n + 1);
		CU_ASSERT_FATAL(p != NULL);
		memcpy(p, mn_state_golden, n);
		refused(p, n, NULL);
		free(p);
	}
}

static void
test_flipped(void)
{
	size_t len = strlen(mn_state_golden);
	char *p = malloc(len);

	CU_ASSERT_FATAL(p != NULL);
	/* Any one byte changed: the CRC (or the frame) catches it. */
	for (size_t i = 0; i < len; i++) {
		memcpy(p, mn_state_golden, len);
		p[i] ^= (char)(1 + (i % 7));
		refused(p, len, NULL);
	}
	free(p);
}

static void
test_versions(void)
{
	char buf[2048];
	size_t len;

	len = frame("dmip6-state 2 mnd 5\nmnd 1 2001:db8:10::100\n", buf,
	    sizeof(buf));
	refused(buf, len, "version 2, this build reads 1");
	len = frame("dmip6-state 1 mnd 5\nmnd 2 2001:db8:10::100\n", buf,
	    sizeof(buf));
	refused(buf, len, "mnd state version 2, this build reads 1");
	len = frame("dmip6-state 1 had 5\nmnd 1 2001:db8:10::100\n", buf,
	    sizeof(buf));
	refused(buf, len, "a had state file, not mnd");
	refused("", 0, "empty");
}

static void
test_wrong_records(void)
{
	static const struct {
		const char *body, *why;
	} bad[] = {
		{ "", "no mnd record" },
		{ "home 2001:db8:f::10 idle :: 0 0 0 0 0 0 0 0\n",
		    "before the mnd record" },
		{ "mnd 1 ::\n", "bad mnd record" },
		{ "mnd 1 2001:db8:10::100 x\n", "bad mnd record" },
		{ "mnd 1 2001:db8:10::100\nmnd 1 2001:db8:10::100\n",
		    "out of order" },
		{ "mnd 1 2001:db8:10::100\nwhat 1\n", "unknown record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "home 2001:db8:f::10 flying :: 0 0 0 0 0 0 0 0\n",
		    "bad home record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "home 2001:db8:f::10 idle :: 65536 0 0 0 0 0 0 0\n",
		    "bad home record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "home 2001:db8:f::10 idle :: 0 0 0 0 0 0 0 0x\n",
		    "bad home record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "home 2001:db8:f::10 idle :: 0 0 0 0 0 0 0 -0x1\n",
		    "bad home record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "home 2001:db8:f::10 idle :: 0 0 0 0 0 0 0 "
		    "-9223372036854775809\n", "bad home record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "home ff02::1 idle :: 0 0 0 0 0 0 0 0\n", "bad home record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "home 2001:db8:f::10 idle :: 0 0 0 0 0 0 0\n",
		    "bad home record" },
		{ "mnd 1 2001:db8:10::100\nanchors 1 0\nanchors 1 0\n",
		    "out of order" },
		{ "mnd 1 2001:db8:10::100\nanchors 1 0\n"
		    "home 2001:db8:f::10 idle :: 0 0 0 0 0 0 0 0\n",
		    "out of order" },
		{ "mnd 1 2001:db8:10::100\n"
		    "anchor 1 2001:db8:f::11 :: 2001:db8:d1::5 :: "
		    "session-lasting 9 0 0\n", "without its dbul" },
		{ "mnd 1 2001:db8:10::100\n"
		    "anchor 1 2001:db8:f::11 :: 2001:db8:d1::5 :: "
		    "session-lasting 9 0 0\nslot 2 2001:db8:d1::5\n",
		    "without its dbul" },
		{ "mnd 1 2001:db8:10::100\n"
		    "dbul 2001:db8:d1::5 idle :: 0 0 0 0 0 0 0 0\n",
		    "without its anchor" },
		{ "mnd 1 2001:db8:10::100\n"
		    "anchor 1 2001:db8:f::11 :: 2001:db8:d1::5 :: "
		    "session-lasting 9 0 0\n"
		    "dbul 2001:db8:d1::6 idle :: 0 0 0 0 0 0 0 0\n",
		    "bad dbul record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "anchor 1 2001:db8:f::11 :: 2001:db8:d1::5 :: "
		    "fixed 9 0 0\n", "bad anchor record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "anchor 1 2001:db8:f::11 :: 2001:db8:d1::5 :: "
		    "session-lasting 0 0 0\n", "bad anchor record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "anchor 1 2001:db8:f::11 :: 2001:db8:10::100 :: "
		    "session-lasting 9 0 0\n", "bad anchor record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "anchor 1 2001:db8:f::11 :: fe80::1 :: "
		    "session-lasting 9 0 0\n", "bad anchor record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "anchor 4294967296 2001:db8:f::11 :: 2001:db8:d1::5 :: "
		    "session-lasting 9 0 0\n", "bad anchor record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "anchor 1 2001:db8:f::11 :: 2001:db8:d1::5 :: "
		    "session-lasting 9 0 0\n"
		    "dbul 2001:db8:d1::5 idle :: 0 0 0 0 0 0 0 0\n"
		    "anchor 2 2001:db8:f::11 :: 2001:db8:d1::6 :: "
		    "session-lasting 9 0 0\n", "repeats a DHoA or a DHP" },
		{ "mnd 1 2001:db8:10::100\n"
		    "anchor 1 2001:db8:f::11 :: 2001:db8:d1::5 :: "
		    "session-lasting 9 0 0\n"
		    "dbul 2001:db8:d1::5 idle :: 0 0 0 0 0 0 0 0\n"
		    "anchor 2 2001:db8:f::21 :: 2001:db8:d1::5 :: "
		    "session-lasting 9 0 0\n", "repeats a DHoA or a DHP" },
		{ "mnd 1 2001:db8:10::100\nslot 1 2001:db8:d1::5\n",
		    "bad slot record" },
		{ "mnd 1 2001:db8:10::100\nslot 256 2001:db8:d1::5\n",
		    "bad slot record" },
		{ "mnd 1 2001:db8:10::100\nslot 2 2001:db8:d1::5\n"
		    "slot 2 2001:db8:d1::6\n", "slot 2 twice" },
		{ "mnd 1 2001:db8:10::100\nslot 2 2001:db8:d1::5\n"
		    "slot 3 2001:db8:d1::5\n", "two slots for one address" },
		{ "mnd 1 2001:db8:10::100\n"
		    "flow 1 6 2001:db8:1::a 1 2001:db8:c1::1 2 out mn fixed "
		    "3 0\n", "no slot record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "flow 1 6 2001:db8:1::a 1 2001:db8:c1::1 2 out mn fixed "
		    "0 0\nslot 2 2001:db8:d1::5\n", "out of order" },
		{ "mnd 1 2001:db8:10::100\n"
		    "flow 1 6 2001:db8:1::a 1 2001:db8:c1::1 2 in mn fixed "
		    "0 0\n", "bad flow record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "flow 1 6 2001:db8:1::a 1 2001:db8:c1::1 2 out ha fixed "
		    "0 0\n", "bad flow record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "flow 1 6 2001:db8:1::a 1 2001:db8:c1::1 2 out mn any "
		    "0 0\n", "bad flow record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "flow 1 256 2001:db8:1::a 1 2001:db8:c1::1 2 out mn fixed "
		    "0 0\n", "bad flow record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "flow 1 6 2001:db8:1::a 1 2001:db8:c1::1 2 out mn fixed "
		    "0 2\n", "bad flow record" },
		{ "mnd 1 2001:db8:10::100\n"
		    "flow 1 6 2001:db8:1::a 65536 2001:db8:c1::1 2 out mn "
		    "fixed 0 0\n", "bad flow record" },
	};
	char body[2048], buf[4096];
	size_t len;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "dmip6-state 1 mnd 5\n%s",
		    bad[i].body);
		len = frame(body, buf, sizeof(buf));
		refused(buf, len, bad[i].why);
	}
}

/* Pseudo-random bytes, and random records in a valid frame: never a
 * crash; what is accepted encodes and decodes to the same again. */
static void
test_garbage(void)
{
	static const char *const words[] = {
		"mnd", "1", "home", "anchors", "anchor", "dbul", "slot",
		"flow", "2001:db8:10::100", "2001:db8:f::11", "2001:db8:d1::5",
		"::", "registered", "idle", "session-lasting", "fixed", "out",
		"pre", "mn", "cn", "0", "2", "65535", "-1", "7", "\n", "\n",
		"\n",
	};
	uint32_t x = 12345;
	char body[1024], buf[2048], err[160];
	struct mn_state st, again;
	struct sf_buf b;
	size_t len, n;

	for (int round = 0; round < 3000; round++) {
		n = (size_t)snprintf(body, sizeof(body),
		    "dmip6-state 1 mnd 5\nmnd 1 2001:db8:10::100\n");
		for (int k = 0; k < 40 && n < sizeof(body) - 64; k++) {
			x = x * 1103515245u + 12345u;
			n += (size_t)snprintf(body + n, sizeof(body) - n, "%s%s",
			    words[(x >> 16) % (sizeof(words) /
			    sizeof(words[0]))], (x & 3) ? " " : "");
		}
		/* no space before an LF, one LF at the end */
		for (size_t i = 0; i + 1 < n; i++)
			if (body[i] == ' ' && body[i + 1] == '\n')
				body[i] = 'x';
		if (body[n - 1] == ' ')
			body[n - 1] = '\n';
		else if (body[n - 1] != '\n')
			body[n++] = '\n';
		body[n] = '\0';
		if (round % 2 == 0)
			len = frame(body, buf, sizeof(buf));
		else {
			len = n;
			memcpy(buf, body, n);
		}
		if (mn_state_decode(buf, len, &st, err, sizeof(err)) != 0) {
			CU_ASSERT_TRUE(is_empty(&st));
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(mn_state_encode(&st, &b), 0);
		CU_ASSERT_EQUAL(mn_state_decode(b.p, b.len, &again, err,
		    sizeof(err)), 0);
		CU_ASSERT_TRUE(state_eq(&st, &again));
		sf_free(&b);
		mn_state_free(&again);
		mn_state_free(&st);
	}
	/* raw bytes */
	for (int round = 0; round < 2000; round++) {
		len = (size_t)(round % 300);
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (char)(x >> 16);
		}
		if (mn_state_decode(buf, len, &st, err, sizeof(err)) == 0)
			mn_state_free(&st);
	}
}

/* ---- home: with the real home agent engine ----------------------------- */

static struct had_mn ha_mns[1];

static struct ha_engine *
ha_make(struct sa_table **sas)
{
	static struct had_conf c;
	struct mh_sa copy;
	uint8_t key[32];
	struct ha_engine *e;

	memset(&c, 0, sizeof(c));
	c.address = HA;
	c.home_prefix.addr = A("2001:db8:10::");
	c.home_prefix.len = 64;
	c.max_lifetime = 600;
	c.validity = 300;
	c.skip_dad = true;
	memset(ha_mns, 0, sizeof(ha_mns));
	snprintf(ha_mns[0].name, sizeof(ha_mns[0].name), "mn1");
	ha_mns[0].home_address = HOA;
	ha_mns[0].spi = SPI_HA;
	c.mns = ha_mns;
	c.nmns = 1;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i + 1);
	*sas = sa_table_new();
	CU_ASSERT_FATAL(*sas != NULL);
	CU_ASSERT_EQUAL_FATAL(sa_init(&copy, SPI_HA, AUTH_ALG_HMAC_SHA256_128,
	    key, sizeof(key)), 0);
	CU_ASSERT_EQUAL_FATAL(sa_table_add(*sas, &copy), 0);
	e = ha_engine_new(&c, *sas);
	CU_ASSERT_FATAL(e != NULL);
	return e;
}

/* out's BU to the HA engine at ms; its BA back into h. The BA's status
 * (-1: none). */
static int
ha_round(struct ha_engine *ha, struct mn_home *h,
    const struct mn_home_out *out, uint64_t ms)
{
	uint8_t bu[MH_MAX_LEN], ba[MH_MAX_LEN];
	struct mn_home_out back;
	struct ha_result res;
	struct mh_msg m, bm;
	struct ha_rx hr;
	ssize_t len, blen;

	CU_ASSERT_FATAL(out->act.send);
	len = mn_home_encode(h, &out->act, bu, sizeof(bu));
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL_FATAL(mh_parse(bu, (size_t)len, &m), MH_OK);
	memset(&hr, 0, sizeof(hr));
	hr.msg = &m;
	hr.raw = bu;
	hr.len = (size_t)len;
	hr.src = out->act.src;
	hr.dst = out->act.dst;
	hr.now = ms;
	hr.now_ntp = T(ms).ntp;
	ha_engine_input(ha, &hr, &res);
	if (!res.has_reply)
		return -1;
	blen = ha_reply_encode(&res.reply, ba, sizeof(ba));
	CU_ASSERT_FATAL(blen > 0);
	CU_ASSERT_EQUAL_FATAL(mh_parse(ba, (size_t)blen, &bm), MH_OK);
	CU_ASSERT_EQUAL(mn_home_input(h, &bm, ba, (size_t)blen, &HA,
	    &res.reply.dst, T(ms), &back), MN_BA_USED);
	return bm.u.ba.status;
}

/* Registered at mono 1000 (wall W0 + 1000), saved at mono 61000; the
 * restarted mnd's clock starts again: mono 5000 is wall W0 + 63000. */
static void
test_home_restore(void)
{
	struct sa_table *hsas;
	struct ha_engine *ha = ha_make(&hsas);
	struct mn_home h, h2, h3;
	struct mn_home_out out;
	struct mn_state st, back;
	struct mn_state_result res;
	struct sf_buf b;
	char err[160];
	uint16_t seq;

	CU_ASSERT_EQUAL_FATAL(mn_home_init(&h, &HA, &HOA, &SA_HA, 600, 100),
	    0);
	mn_home_coa(&h, &COA1, T(1000), &out);
	CU_ASSERT_EQUAL(ha_round(ha, &h, &out, 1000), 0);
	CU_ASSERT_EQUAL_FATAL(mn_home_state(&h), BUL_REGISTERED);
	CU_ASSERT_EQUAL_FATAL(mn_state_collect(&st, &h, NULL, 61000,
	    W0 + 61000), 0);
	CU_ASSERT_EQUAL(st.home.next_seq, 101);
	CU_ASSERT_EQUAL(st.home.seq, 100);
	CU_ASSERT_EQUAL(st.home.expires_ms, W0 + 1000 + 600000);
	CU_ASSERT_EQUAL(st.home.refresh_ms, W0 + 1000 + 480000);
	CU_ASSERT_FALSE(st.has_anchors);
	CU_ASSERT_EQUAL_FATAL(mn_state_encode(&st, &b), 0);
	CU_ASSERT_EQUAL_FATAL(mn_state_decode(b.p, b.len, &back, err,
	    sizeof(err)), 0);
	sf_free(&b);

	/* Restart: the binding is up, its expiry on the new clock. */
	CU_ASSERT_EQUAL_FATAL(mn_home_init(&h2, &HA, &HOA, &SA_HA, 600, 9),
	    0);
	nlines = 0;
	mn_state_apply(&back, &h2, NULL, T(5000), W0 + 63000, &res);
	CU_ASSERT_TRUE(res.home && res.home_bound && !res.ignored);
	CU_ASSERT_EQUAL(mn_home_state(&h2), BUL_REGISTERED);
	CU_ASSERT_EQUAL(h2.e->expires_ms, 5000 + 538000);
	CU_ASSERT_EQUAL(mn_home_deadline(&h2), 5000 + 418000);
	CU_ASSERT_EQUAL(h2.e->next_seq, 101 + MN_STATE_SEQ_SKIP);
	CU_ASSERT_TRUE(saw_sub("bul: idle -> registered (restored: "
	    "2001:db8:10::100 via 2001:db8:1::a, expires in 538s, next BU "
	    "seq 117)"));
	/* The first CoA event is the registered CoA: no BU. */
	mn_home_coa(&h2, &COA1, T(5100), &out);
	CU_ASSERT_FALSE(out.act.send);
	mn_home_timer(&h2, T(6000), &out);
	CU_ASSERT_FALSE(out.act.send);
	/* A move: a BU with the next sequence number, which the HA (that
	 * saw 100) takes: no 135 round trip. */
	mn_home_coa(&h2, &COA2, T(7000), &out);
	CU_ASSERT_TRUE_FATAL(out.act.send);
	CU_ASSERT_EQUAL(out.why, MN_BU_MOVE);
	seq = out.act.msg.u.bu.seq;
	CU_ASSERT_EQUAL(seq, 101 + MN_STATE_SEQ_SKIP);
	CU_ASSERT_EQUAL(ha_round(ha, &h2, &out, 7000), 0);
	CU_ASSERT_EQUAL(mn_home_state(&h2), BUL_REGISTERED);
	CU_ASSERT_EQUAL(h2.e->stats.resyncs, 0);

	/* Restarted after the binding expired: idle, the numbers go on,
	 * and the new registration is accepted too. */
	CU_ASSERT_EQUAL_FATAL(mn_home_init(&h3, &HA, &HOA, &SA_HA, 600, 9),
	    0);
	back.home.next_seq = 200;	/* (the HA saw 117 from h2 already) */
	mn_state_apply(&back, &h3, NULL, T(5000), W0 + 700000, &res);
	CU_ASSERT_TRUE(res.home && !res.home_bound);
	CU_ASSERT_EQUAL(mn_home_state(&h3), BUL_IDLE);
	CU_ASSERT_EQUAL(mn_home_deadline(&h3), BUL_NO_DEADLINE);
	mn_home_coa(&h3, &COA1, T(8000), &out);
	CU_ASSERT_TRUE_FATAL(out.act.send);
	CU_ASSERT_EQUAL(out.why, MN_BU_START);
	CU_ASSERT_EQUAL(out.act.msg.u.bu.seq, 200 + MN_STATE_SEQ_SKIP);
	CU_ASSERT_EQUAL(ha_round(ha, &h3, &out, 8000), 0);

	/* Another HoA's file: nothing taken. */
	back.hoa = A("2001:db8:10::999");
	mn_state_apply(&back, &h3, NULL, T(9000), W0 + 70000, &res);
	CU_ASSERT_TRUE(res.ignored && !res.home);
	mn_state_free(&back);
	mn_state_free(&st);
	mn_home_free(&h);
	mn_home_free(&h2);
	mn_home_free(&h3);
	ha_engine_free(ha);
	sa_table_free(hsas);
}

/* ---- anchors -------------------------------------------------------------- */

struct sent {
	struct mh_msg	m;
	struct in6_addr	src, dst;
};

static struct {
	struct sent	tx[32];
	size_t		ntx;
	unsigned	installs, uninstalls, ev[4];
	bool		refuse_install;
} IO;

static int
io_send(void *arg, const uint8_t *mh, size_t len, const struct in6_addr *src,
    const struct in6_addr *dst)
{
	(void)arg;
	CU_ASSERT_FATAL(IO.ntx < 32);
	CU_ASSERT_EQUAL_FATAL(mh_parse(mh, len, &IO.tx[IO.ntx].m), MH_OK);
	IO.tx[IO.ntx].src = *src;
	IO.tx[IO.ntx].dst = *dst;
	IO.ntx++;
	return 0;
}

static int
io_install(void *arg, const struct in6_addr *dhoa, const struct in6_addr *tep)
{
	(void)arg;
	(void)dhoa;
	(void)tep;
	if (IO.refuse_install)
		return -1;
	IO.installs++;
	return 0;
}

static void
io_uninstall(void *arg, const struct in6_addr *dhoa)
{
	(void)arg;
	(void)dhoa;
	IO.uninstalls++;
}

static void
io_event(void *arg, enum anchors_event ev, const struct anchor *an,
    const struct anchor_req *r)
{
	(void)arg;
	(void)an;
	(void)r;
	IO.ev[ev]++;
}

static struct mnd_dhp mnd_dhps[2];

static void
an_make(struct anchors *a)
{
	struct anchors_cfg cfg;
	struct anchors_io io = { io_send, io_install, io_uninstall, io_event,
	    NULL };

	memset(&IO, 0, sizeof(IO));
	anchors_cfg_defaults(&cfg);
	cfg.hoa = HOA;
	cfg.ha = HA;
	cfg.ha_sa = &SA_HA;
	memset(mnd_dhps, 0, sizeof(mnd_dhps));
	strcpy(mnd_dhps[0].name, "dhp1");
	mnd_dhps[0].address = DHP1;
	mnd_dhps[0].spi = SPI_D1;
	strcpy(mnd_dhps[1].name, "dhp2");
	mnd_dhps[1].address = DHP2;
	mnd_dhps[1].spi = SPI_D2;
	CU_ASSERT_EQUAL_FATAL(anchors_init(a, &cfg, mnd_dhps, 2, mn_sas, &io,
	    1000), 0);
}

/* A bound anchor at DHP1 as saved, monotonic times around now. */
static void
saved_anchor(struct anchor_saved *s, uint64_t now)
{
	memset(s, 0, sizeof(*s));
	s->id = 3;
	s->peer = DHP1;
	s->tep = DHP1;
	s->dhoa = DHOA1;
	s->cn = CN1;
	s->type = CONT_SESSION_LASTING;
	s->lease_ms = now + 400000;
	s->renew_at = now + 280000;
	s->bul.state = BUL_REGISTERED;
	s->bul.coa = COA1;
	s->bul.next_seq = 501;
	s->bul.seq = 500;
	s->bul.lifetime_granted = 75;
	s->bul.sent_ms = now - 5000;
	s->bul.expires_ms = now + 295000;
	s->bul.refresh_ms = now + 115000;
}

static void
test_adopt(void)
{
	struct anchors a;
	struct anchor_saved s, t;
	const struct anchor *an;

	an_make(&a);
	saved_anchor(&s, 10000);
	nlines = 0;
	an = anchors_adopt(&a, &s, T(10000));
	CU_ASSERT_FATAL(an != NULL);
	CU_ASSERT_EQUAL(an->id, 3);
	CU_ASSERT_EQUAL(an->state, ANCHOR_BOUND);
	CU_ASSERT_FALSE(an->installed);
	CU_ASSERT_EQUAL(an->holds, 0);
	CU_ASSERT_EQUAL(an->dhp, 0);
	CU_ASSERT_EQUAL(an->lease_ms, 410000);
	CU_ASSERT_EQUAL(an->renew_at, 290000);
	CU_ASSERT_EQUAL(an->idle_at, 10000 + DHOA_IDLE_RELEASE_S * 1000);
	CU_ASSERT_FATAL(an->bul != NULL);
	CU_ASSERT_EQUAL(an->bul->state, BUL_REGISTERED);
	CU_ASSERT_EQUAL(an->bul->next_seq, 501);
	CU_ASSERT_EQUAL(an->bul->expires_ms, 305000);
	CU_ASSERT_EQUAL(a.cache.dhps[0].anchors, 1);
	CU_ASSERT_TRUE(anchors_find_dhoa(&a, &DHOA1) == an);
	CU_ASSERT_TRUE(saw_sub("anchor 2001:db8:d1::5: none -> bound "
	    "(restored, lease 400s left, binding registered)"));
	/* Nothing sent, nothing installed yet; the deadline is the idle
	 * release (60 s) */
	CU_ASSERT_EQUAL(IO.ntx, 0);
	CU_ASSERT_EQUAL(IO.installs, 0);
	CU_ASSERT_EQUAL(anchors_deadline(&a), 70000);
	/* refusals */
	t = s;
	t.peer = DHP3;
	CU_ASSERT_TRUE(anchors_adopt(&a, &t, T(10000)) == NULL &&
	    errno == ENOENT);
	t = s;
	t.peer = DHP2;
	t.lease_ms = 10000;
	CU_ASSERT_TRUE(anchors_adopt(&a, &t, T(10000)) == NULL &&
	    errno == ETIME);
	t = s;
	t.peer = DHP2;
	CU_ASSERT_TRUE(anchors_adopt(&a, &t, T(10000)) == NULL &&
	    errno == EEXIST);		/* that DHoA */
	t = s;
	t.dhoa = DHOA2;
	CU_ASSERT_TRUE(anchors_adopt(&a, &t, T(10000)) == NULL &&
	    errno == EEXIST);		/* F.9: one per DHP */
	t = s;
	t.peer = DHP2;
	t.dhoa = DHOA2;
	t.type = CONT_FIXED;
	CU_ASSERT_TRUE(anchors_adopt(&a, &t, T(10000)) == NULL &&
	    errno == EINVAL);
	t.type = CONT_GRACEFUL;
	t.dhoa = HOA;
	CU_ASSERT_TRUE(anchors_adopt(&a, &t, T(10000)) == NULL &&
	    errno == EINVAL);
	/* A restored flow holds it: no idle release. */
	CU_ASSERT_EQUAL(anchors_hold(&a, &DHOA1), 0);
	CU_ASSERT_EQUAL(an->idle_at, 0);
	/* The first CoA, the one of the binding: installed, EV_BOUND, no
	 * DHP-BU. */
	anchors_coa(&a, &COA1, false, T(11000));
	CU_ASSERT_EQUAL(IO.installs, 1);
	CU_ASSERT_EQUAL(IO.ev[ANCHORS_EV_BOUND], 1);
	CU_ASSERT_TRUE(an->installed);
	CU_ASSERT_EQUAL(IO.ntx, 0);
	CU_ASSERT_EQUAL(an->bul->state, BUL_REGISTERED);
	/* A move: one DHP-BU from the new CoA, saved sequence on. */
	anchors_coa(&a, &COA2, false, T(12000));
	CU_ASSERT_EQUAL(IO.installs, 1);
	CU_ASSERT_EQUAL_FATAL(IO.ntx, 1);
	CU_ASSERT_EQUAL(IO.tx[0].m.type, MH_TYPE_DHP_BU);
	CU_ASSERT_EQUAL(IO.tx[0].m.u.dbu.seq, 501);
	CU_ASSERT_TRUE(IO.tx[0].m.u.dbu.lifetime > 0);
	CU_ASSERT_TRUE(same(&IO.tx[0].m.u.dbu.coa, &COA2));
	CU_ASSERT_TRUE(same(&IO.tx[0].m.u.dbu.dhoa, &DHOA1));
	CU_ASSERT_TRUE(same(&IO.tx[0].dst, &DHP1));
	/* The renewal at the saved time (DHoA Request naming it). */
	anchors_timer(&a, T(289999));
	CU_ASSERT_EQUAL(an->state, ANCHOR_BOUND);
	IO.ntx = 0;
	anchors_timer(&a, T(290000));
	CU_ASSERT_EQUAL(an->state, ANCHOR_RENEWING);
	CU_ASSERT_TRUE(IO.ntx >= 1 && IO.tx[0].m.type == MH_TYPE_DHOA_REQ &&
	    same(&IO.tx[0].m.u.dreq.req_dhoa, &DHOA1) &&
	    IO.tx[0].m.u.dreq.seq == 1000);
	anchors_free(&a);
}

/* No holder: released 60 s after the restart (F.10), and at once at a
 * move (G.4 step 2); never at the first CoA when it is the binding's. */
static void
test_adopt_idle(void)
{
	struct anchors a;
	struct anchor_saved s;
	const struct anchor *an;

	an_make(&a);
	saved_anchor(&s, 10000);
	CU_ASSERT_FATAL((an = anchors_adopt(&a, &s, T(10000))) != NULL);
	anchors_coa(&a, &COA1, false, T(10500));
	CU_ASSERT_EQUAL(IO.ntx, 0);
	CU_ASSERT_EQUAL(an->state, ANCHOR_BOUND);
	anchors_timer(&a, T(69999));
	CU_ASSERT_EQUAL(an->state, ANCHOR_BOUND);
	anchors_timer(&a, T(70000));
	CU_ASSERT_EQUAL(an->state, ANCHOR_RELEASING);
	CU_ASSERT_EQUAL_FATAL(IO.ntx, 1);
	CU_ASSERT_EQUAL(IO.tx[0].m.type, MH_TYPE_DHP_BU);
	CU_ASSERT_EQUAL(IO.tx[0].m.u.dbu.lifetime, 0);
	CU_ASSERT_TRUE(IO.tx[0].m.u.dbu.flags & DHP_BU_F_R);
	anchors_free(&a);

	an_make(&a);
	CU_ASSERT_FATAL((an = anchors_adopt(&a, &s, T(10000))) != NULL);
	anchors_coa(&a, &COA2, false, T(10500));
	CU_ASSERT_EQUAL(IO.installs, 1);
	CU_ASSERT_EQUAL(an->state, ANCHOR_RELEASING);
	CU_ASSERT_EQUAL_FATAL(IO.ntx, 1);
	CU_ASSERT_EQUAL(IO.tx[0].m.u.dbu.lifetime, 0);
	anchors_free(&a);

	/* The tunnel refuses it: given back. */
	an_make(&a);
	IO.refuse_install = true;
	CU_ASSERT_FATAL((an = anchors_adopt(&a, &s, T(10000))) != NULL);
	anchors_coa(&a, &COA1, false, T(10500));
	CU_ASSERT_EQUAL(IO.ev[ANCHORS_EV_BOUND], 0);
	CU_ASSERT_EQUAL(an->state, ANCHOR_RELEASING);
	anchors_free(&a);

	/* The lease runs out before anything renews it. */
	an_make(&a);
	s.renew_at = 0;
	s.lease_ms = 20000;
	CU_ASSERT_FATAL((an = anchors_adopt(&a, &s, T(10000))) != NULL);
	CU_ASSERT_EQUAL(an->renew_at, 10000);	/* at once */
	CU_ASSERT_EQUAL(anchors_hold(&a, &DHOA1), 0);
	anchors_timer(&a, T(20000));
	CU_ASSERT_TRUE(anchors_find_dhoa(&a, &DHOA1) == NULL);
	CU_ASSERT_EQUAL(IO.ev[ANCHORS_EV_GONE], 1);
	anchors_free(&a);
}

/* The engines out through a file and into fresh ones, 3 s later on a
 * clock that restarted. */
static void
test_engines_round_trip(void)
{
	struct anchors a, a2;
	struct mn_home h, h2;
	struct anchor_saved s;
	struct mn_state st, back;
	struct mn_state_result res;
	const struct anchor *an;
	struct sf_buf b;
	char err[160];

	an_make(&a);
	CU_ASSERT_EQUAL_FATAL(mn_home_init(&h, &HA, &HOA, &SA_HA, 600, 100),
	    0);
	saved_anchor(&s, 10000);
	CU_ASSERT_FATAL(anchors_adopt(&a, &s, T(10000)) != NULL);
	s.id = 4;
	s.peer = DHP2;
	s.tep = A("2001:db8:f::22");
	s.dhoa = DHOA2;
	s.type = CONT_GRACEFUL;
	s.lease_ms = 12000;		/* expires while mnd is down */
	CU_ASSERT_FATAL(anchors_adopt(&a, &s, T(10000)) != NULL);
	a.next_seq = 2000;
	a.ha_clock_offset = -77;
	CU_ASSERT_EQUAL_FATAL(mn_state_collect(&st, &h, &a, 10000, W0), 0);
	CU_ASSERT_EQUAL_FATAL(st.nanchors, 2);
	CU_ASSERT_EQUAL(st.anchors[0].lease_ms, W0 + 400000);
	CU_ASSERT_EQUAL(st.anchors[0].bul.expires_ms, W0 + 295000);
	CU_ASSERT_EQUAL(st.an_next_seq, 2000);
	CU_ASSERT_EQUAL_FATAL(mn_state_encode(&st, &b), 0);
	CU_ASSERT_EQUAL_FATAL(mn_state_decode(b.p, b.len, &back, err,
	    sizeof(err)), 0);
	sf_free(&b);
	CU_ASSERT_TRUE(state_eq(&st, &back));
	anchors_free(&a);

	an_make(&a2);
	CU_ASSERT_EQUAL_FATAL(mn_home_init(&h2, &HA, &HOA, &SA_HA, 600, 9),
	    0);
	nlines = 0;
	mn_state_apply(&back, &h2, &a2, T(500), W0 + 3000, &res);
	CU_ASSERT_EQUAL(res.anchors, 1);
	CU_ASSERT_EQUAL(res.expired, 1);
	CU_ASSERT_EQUAL(res.refused, 0);
	CU_ASSERT_TRUE(res.home && !res.home_bound);
	CU_ASSERT_EQUAL(a2.next_seq, 2000 + MN_STATE_AN_SEQ_SKIP);
	CU_ASSERT_EQUAL(a2.ha_clock_offset, -77);
	an = anchors_find_dhoa(&a2, &DHOA1);
	CU_ASSERT_FATAL(an != NULL);
	CU_ASSERT_EQUAL(an->id, 3);
	CU_ASSERT_EQUAL(an->lease_ms, 500 + 400000 - 3000);
	CU_ASSERT_EQUAL(an->renew_at, 500 + 280000 - 3000);
	CU_ASSERT_EQUAL(an->bul->expires_ms, 500 + 295000 - 3000);
	CU_ASSERT_EQUAL(an->bul->next_seq, 501 + MN_STATE_SEQ_SKIP);
	CU_ASSERT_TRUE(anchors_find_dhoa(&a2, &DHOA2) == NULL);
	CU_ASSERT_TRUE(saw_sub("state: anchor 2001:db8:d2::5 at "
	    "2001:db8:f::21: the lease expired while mnd was down"));
	/* A DHP gone from mnd.conf: refused, logged. */
	anchors_free(&a2);
	an_make(&a2);
	back.anchors[0].peer = DHP3;
	nlines = 0;
	mn_state_apply(&back, &h2, &a2, T(500), W0 + 3000, &res);
	CU_ASSERT_EQUAL(res.refused, 1);
	CU_ASSERT_TRUE(saw_sub("state: anchor 2001:db8:d1::5 at "
	    "2001:db8:f::31 not restored: no such DHP in mnd.conf"));
	anchors_free(&a2);
	mn_state_free(&back);
	mn_state_free(&st);
	mn_home_free(&h);
	mn_home_free(&h2);
}

/* ---- set-up --------------------------------------------------------------- */

static void
add_sa(struct sa_table *t, uint32_t spi, uint8_t base, struct mh_sa *out)
{
	uint8_t key[32];
	struct mh_sa sa;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(base + i);
	if (sa_init(&sa, spi, AUTH_ALG_HMAC_SHA256_128, key, 32) != 0 ||
	    sa_table_add(t, &sa) != 0)
		abort();
	if (out != NULL)
		*out = sa;
}

static int
cu_register(void)
{
	static CU_TestInfo codec[] = {
		{ "golden bytes and round trip", test_golden },
		{ "minimal files", test_minimal },
		{ "every truncation", test_truncated },
		{ "every byte changed", test_flipped },
		{ "versions and kinds", test_versions },
		{ "wrong records", test_wrong_records },
		{ "garbage", test_garbage },
		CU_TEST_INFO_NULL,
	};
	static CU_TestInfo engines[] = {
		{ "home restored, HA accepts", test_home_restore },
		{ "anchors_adopt", test_adopt },
		{ "adopted, idle and lost", test_adopt_idle },
		{ "engines round trip", test_engines_round_trip },
		CU_TEST_INFO_NULL,
	};
	uint8_t key[32];

	log_init("test_mn_state", 1, LOG_LVL_DEBUG);
	log_set_sink(sink);
	HA = A("2001:db8:f::10");
	HOA = A("2001:db8:10::100");
	COA1 = A("2001:db8:1::a");
	COA2 = A("2001:db8:2::a");
	CN1 = A("2001:db8:c1::1");
	DHP1 = A("2001:db8:f::11");
	DHP2 = A("2001:db8:f::21");
	DHP3 = A("2001:db8:f::31");
	DHOA1 = A("2001:db8:d1::5");
	DHOA2 = A("2001:db8:d2::5");
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i + 1);
	if (sa_init(&SA_HA, SPI_HA, AUTH_ALG_HMAC_SHA256_128, key, 32) != 0)
		return -1;
	if ((mn_sas = sa_table_new()) == NULL)
		return -1;
	add_sa(mn_sas, SPI_D1, 0x40, NULL);
	add_sa(mn_sas, SPI_D2, 0x60, NULL);
	CU_SUITE("mn_state codec", codec);
	CU_SUITE("mn_state engines", engines);
	return 0;
}
