/*
 * fuzz_mn_state.c: mnd's state file (mn/mn_state.h over
 * common/statefile.h) as mnd loads it at start: mn_state_decode() on
 * the file's bytes, then mn_state_apply() into fresh engines (the home
 * entry and an anchors engine with two DHPs) at a time the input picks.
 * Input: fuzz_state.h's (a control octet, then the file; bit 0 frames
 * it so that the record decoders are reached).
 *
 * The config: HoA 2001:db8:10::100, HA 2001:db8:f::10, DHPs
 * 2001:db8:f::11 (SPI 8192) and 2001:db8:f::21 (SPI 8193). Checked:
 *   - a refused file leaves nothing (all zero, an error message);
 *   - an accepted one holds exactly its record lines (mnd, home,
 *     anchors, anchor + dbul pairs, slots, flows), every value in range
 *     (states, types, slots, flow anchors that have a slot);
 *   - encoding it and decoding that gives the same encoding again;
 *   - apply: adopted + expired + refused = the anchors of the file; an
 *     adopted anchor is bound, not installed, unheld, with a lease in
 *     the future and a BUL_DHP entry; a restored home binding expires
 *     in the future; saving those engines gives a file that decodes;
 *   - the engines then run: the first CoA installs every anchor, a
 *     timer a day later leaves none bound, shutdown ends with nothing.
 *
 * Seeds: the golden file of tests/unit/mn_state_golden.h, framed and
 * not, and a few variants, from fuzz_seeds() below (fuzz/seeds.c does
 * not link into this target).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "fuzz.h"
#include "fuzz_state.h"
#include "../mn/flow_mark.h"
#include "../mn/mn_state.h"
#include "../tests/unit/mn_state_golden.h"

FUZZ_TARGET("mn_state");

static struct in6_addr	 HA, HOA, COA;
static struct sa_table	*sas;
static struct mh_sa	 ha_sa;
static struct mnd_dhp	 dhps[2];
static unsigned		 installs;

static void
add_sa(uint32_t spi, struct mh_sa *out)
{
	uint8_t key[32];
	struct mh_sa sa;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(spi + i * 3);
	if (sa_init(&sa, spi, AUTH_ALG_HMAC_SHA256_128, key, 32) != 0)
		abort();
	if (out != NULL)
		*out = sa;
	else if (sa_table_add(sas, &sa) != 0)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz", 1, LOG_LVL_DEBUG);	/* format every message */
	HA = fuzz_addr("2001:db8:f::10");
	HOA = fuzz_addr("2001:db8:10::100");
	COA = fuzz_addr("2001:db8:1::a");
	if ((sas = sa_table_new()) == NULL)
		abort();
	add_sa(4096, &ha_sa);
	add_sa(8192, NULL);
	add_sa(8193, NULL);
	strcpy(dhps[0].name, "dhp1");
	dhps[0].address = fuzz_addr("2001:db8:f::11");
	dhps[0].spi = 8192;
	strcpy(dhps[1].name, "dhp2");
	dhps[1].address = fuzz_addr("2001:db8:f::21");
	dhps[1].spi = 8193;
	return 0;
}

static int
io_send(void *arg, const uint8_t *mh, size_t len, const struct in6_addr *src,
    const struct in6_addr *dst)
{
	(void)arg;
	(void)src;
	(void)dst;
	FUZZ_CHECK(mh != NULL && len > 0, "empty MH");
	return 0;
}

static int
io_install(void *arg, const struct in6_addr *dhoa, const struct in6_addr *tep)
{
	(void)arg;
	(void)dhoa;
	(void)tep;
	installs++;
	return 0;
}

static bool
is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void
check_content(const struct mn_state *st, size_t records)
{
	FUZZ_CHECK(records == 1 + st->has_home + st->has_anchors +
	    2 * st->nanchors + st->nslots + st->nflows,
	    "%zu records, %zu anchors %zu slots %zu flows", records,
	    st->nanchors, st->nslots, st->nflows);
	FUZZ_CHECK(st->nanchors <= MN_STATE_ANCHORS_MAX, "anchors");
	FUZZ_CHECK(st->home.state < BUL_STATE_COUNT, "home state");
	for (size_t i = 0; i < st->nanchors; i++) {
		const struct anchor_saved *a = &st->anchors[i];

		FUZZ_CHECK(a->type == CONT_SESSION_LASTING ||
		    a->type == CONT_GRACEFUL, "anchor type %u", a->type);
		FUZZ_CHECK(a->lease_ms != 0, "lease");
		FUZZ_CHECK(a->bul.state < BUL_STATE_COUNT, "dbul state");
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(memcmp(&a->dhoa, &st->anchors[k].dhoa, 16) &&
			    memcmp(&a->peer, &st->anchors[k].peer, 16),
			    "duplicate anchor");
	}
	for (size_t i = 0; i < st->nslots; i++)
		FUZZ_CHECK(st->slots[i].slot >= FLOW_ANCHOR_DHOA_FIRST,
		    "slot %u", st->slots[i].slot);
	for (size_t i = 0; i < st->nflows; i++) {
		const struct mn_flow_saved *f = &st->flows[i];
		bool found = f->anchor < FLOW_ANCHOR_DHOA_FIRST;

		FUZZ_CHECK(f->type >= CONT_FIXED && f->type <= CONT_MAX,
		    "flow type");
		FUZZ_CHECK(f->hook <= FLOW_HOOK_PRE && f->initiator <=
		    FLOW_INIT_CN, "flow hook/initiator");
		for (size_t k = 0; k < st->nslots && !found; k++)
			found = st->slots[k].slot == f->anchor;
		FUZZ_CHECK(found, "flow on slot %u without a slot", f->anchor);
	}
}

/* encode(st) decodes, and encodes to the same bytes again. */
static void
check_reencode(const struct mn_state *st)
{
	struct sf_buf a, b;
	struct mn_state again;
	char err[160];

	FUZZ_CHECK(mn_state_encode(st, &a) == 0, "encode");
	FUZZ_CHECK(mn_state_decode(a.p, a.len, &again, err, sizeof(err)) == 0,
	    "re-decode: %s", err);
	FUZZ_CHECK(mn_state_encode(&again, &b) == 0, "encode again");
	FUZZ_CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0,
	    "not the same encoding twice");
	sf_free(&a);
	sf_free(&b);
	mn_state_free(&again);
}

static void
check_apply(const struct mn_state *st, const struct fuzz_state_in *in)
{
	struct anchors_io io = { io_send, io_install, NULL, NULL, NULL };
	struct anchors_cfg cfg;
	struct anchors an;
	struct mn_home h;
	struct mn_state_result res;
	struct mn_state saved;
	struct bul_now now = { in->mono_now, ntp_now() };
	struct sf_buf b;
	char err[160];
	size_t bound = 0;

	anchors_cfg_defaults(&cfg);
	cfg.hoa = HOA;
	cfg.ha = HA;
	cfg.ha_sa = &ha_sa;
	FUZZ_CHECK(anchors_init(&an, &cfg, dhps, 2, sas, &io, 7) == 0,
	    "anchors_init");
	FUZZ_CHECK(mn_home_init(&h, &HA, &HOA, &ha_sa, 600, 9) == 0, "home");
	mn_state_apply(st, &h, &an, now, in->wall_now, &res);
	if (res.ignored)
		FUZZ_CHECK(an.n == 0 && !res.home, "ignored, yet restored");
	else
		FUZZ_CHECK(res.anchors + res.expired + res.refused ==
		    st->nanchors, "%zu + %zu + %zu of %zu anchors",
		    res.anchors, res.expired, res.refused, st->nanchors);
	FUZZ_CHECK(an.n == res.anchors, "engine holds %zu, adopted %zu",
	    an.n, res.anchors);
	for (size_t i = 0; i < an.n; i++) {
		const struct anchor *a = an.v[i];

		FUZZ_CHECK(a->state == ANCHOR_BOUND && !a->installed &&
		    a->holds == 0 && a->bul != NULL && a->lease_ms >
		    in->mono_now && a->idle_at != 0, "adopted anchor");
	}
	if (res.home_bound)
		FUZZ_CHECK(h.e->state == BUL_REGISTERED && h.e->expires_ms >
		    in->mono_now && h.e->deadline != BUL_NO_DEADLINE,
		    "home binding");
	else
		FUZZ_CHECK(h.e->state == BUL_IDLE, "home not idle");
	/* What a save would write now decodes. */
	FUZZ_CHECK(mn_state_collect(&saved, &h, &an, in->mono_now,
	    in->wall_now) == 0, "collect");
	FUZZ_CHECK(saved.nanchors == an.n, "collected %zu of %zu",
	    saved.nanchors, an.n);
	FUZZ_CHECK(mn_state_encode(&saved, &b) == 0, "encode collected");
	mn_state_free(&saved);
	FUZZ_CHECK(mn_state_decode(b.p, b.len, &saved, err, sizeof(err)) == 0,
	    "decode collected: %s", err);
	sf_free(&b);
	mn_state_free(&saved);
	/* Run them: the first CoA, a day, the exit. */
	installs = 0;
	anchors_coa(&an, &COA, false, now);
	FUZZ_CHECK(installs == res.anchors, "%u installs for %zu anchors",
	    installs, res.anchors);
	now.ms += 86400000;
	anchors_timer(&an, now);
	mn_home_timer(&h, now, &(struct mn_home_out){ 0 });
	for (size_t i = 0; i < an.n; i++)
		bound += an.v[i]->state == ANCHOR_BOUND ||
		    an.v[i]->state == ANCHOR_RENEWING;
	FUZZ_CHECK(bound == 0, "%zu anchors still bound a day later", bound);
	(void)anchors_shutdown(&an, now);
	now.ms += 100000;
	anchors_timer(&an, now);
	FUZZ_CHECK(anchors_idle(&an), "anchors left after the exit");
	anchors_free(&an);
	mn_home_free(&h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_state_in in;
	struct mn_state st;
	char err[160];
	size_t lines;

	if (!fuzz_state_input(data, size, &in))
		return 0;
	memset(err, 0, sizeof(err));
	if (mn_state_decode(in.buf, in.len, &st, err, sizeof(err)) != 0) {
		FUZZ_CHECK(is_zero(&st, sizeof(st)), "refused, not empty");
		FUZZ_CHECK(err[0] != '\0', "refused without a reason");
		free(in.buf);
		return 0;
	}
	lines = fuzz_state_lines(in.buf, in.len);
	FUZZ_CHECK(lines >= 3, "accepted with %zu lines", lines);
	check_content(&st, lines - 2);
	check_reencode(&st);
	check_apply(&st, &in);
	mn_state_free(&st);
	free(in.buf);
	return 0;
}

/* ---- seeds (replay_main.c and gen_corpus ask for them) -------------- */

/* ctl octet + body; body is a whole file (ctl bit 0 clear) or its
 * header and records (set). */
static void
seed(fuzz_seed_fn fn, void *arg, const char *name, uint8_t ctl,
    const char *body, size_t len)
{
	uint8_t *p = malloc(len + 1);

	if (p == NULL)
		abort();
	p[0] = ctl;
	memcpy(p + 1, body, len);
	fn(name, p, len + 1, arg);
	free(p);
}

size_t
fuzz_seeds(const char *target, const char *srcdir, fuzz_seed_fn fn,
    void *arg)
{
	static const char records[] =
	    "dmip6-state 1 mnd 1700000000000\n"
	    "mnd 1 2001:db8:10::100\n"
	    "home 2001:db8:f::10 refreshing 2001:db8:2::a 9 8 150 30 "
	    "1699999999000 1700000001000 1700000000500 0\n"
	    "anchors 65535 -1\n"
	    "anchor 9 2001:db8:f::21 :: 2001:db8:d2::9 2001:db8:c2::1 "
	    "graceful-replacement 1700000300000 0 -5\n"
	    "dbul 2001:db8:d2::9 registering 2001:db8:2::a 0 65535 0 0 0 0 "
	    "0 0\n"
	    "anchor 1 2001:db8:f::11 2001:db8:f::12 2001:db8:d1::1 :: "
	    "session-lasting 1700086400001 1699999999999 0\n"
	    "dbul 2001:db8:d1::1 registered 2001:db8:2::a 3 2 75 0 "
	    "1699999000000 1700000200000 1700000100000 4294967296\n"
	    "anchor 2 2001:db8:f::99 :: 2001:db8:d9::1 :: "
	    "session-lasting 1700000400000 0 0\n"
	    "dbul 2001:db8:d9::1 idle :: 0 0 0 0 0 0 0 0\n"
	    "slot 2 2001:db8:d1::1\nslot 255 2001:db8:d2::9\n"
	    "flow 4294967295 17 2001:db8:2::a 1 2001:db8:c2::1 2 pre cn "
	    "graceful-replacement 255 1\n"
	    "flow 0 58 2001:db8:10::100 0 2001:db8:c1::1 0 out mn fixed 1 "
	    "0\n";
	static const char other_hoa[] =
	    "dmip6-state 1 mnd 1700000000000\nmnd 1 2001:db8:10::999\n"
	    "home 2001:db8:f::10 registered 2001:db8:1::a 1 0 150 0 "
	    "1699999990000 1700000590000 1700000470000 0\n";
	size_t gl = sizeof(mn_state_golden) - 1, body;

	(void)srcdir;
	if (strcmp(target, "mn_state") != 0)
		return 0;
	seed(fn, arg, "golden", 0, mn_state_golden, gl);
	seed(fn, arg, "golden-later", 2, mn_state_golden, gl);
	seed(fn, arg, "golden-day-later", 4, mn_state_golden, gl);
	seed(fn, arg, "golden-day-earlier", 6, mn_state_golden, gl);
	/* the golden records without the trailer, framed by the target */
	body = (size_t)(strstr(mn_state_golden, "end ") - mn_state_golden);
	seed(fn, arg, "golden-framed", 1, mn_state_golden, body);
	seed(fn, arg, "mixed-framed", 1, records, sizeof(records) - 1);
	seed(fn, arg, "mixed-framed-later", 3, records, sizeof(records) - 1);
	seed(fn, arg, "other-hoa-framed", 1, other_hoa,
	    sizeof(other_hoa) - 1);
	seed(fn, arg, "truncated", 0, mn_state_golden, gl / 2);
	return 9;
}
