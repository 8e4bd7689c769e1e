/*
 * fuzz_state_had.c: had's state file (ha/had_state.h over
 * common/statefile.h) as had loads it at start: had_state_decode() on
 * the file's bytes, then had_state_apply() into a fresh engine with a
 * fixed config, at a time the input picks (fuzz_state.h).
 *
 * The config: home prefix 2001:db8:10::/64, three MNs (2001:db8:10::100
 * SPI 4096 HMAC-SHA256, ::200 SPI 4097 HMAC-SHA1, ::300 SPI 4098 with
 * replay = seq-only), max_lifetime 600 s. Checked:
 *   - a refused file leaves nothing (no records, an error message);
 *   - an accepted one holds exactly its record lines as mn and bce
 *     records;
 *   - apply: every replay record of a configured MN is taken, the
 *     others dropped; every binding is restored, expired (exactly
 *     those with expiry <= now) or refused; one ADD action per restored
 *     binding; the cache then holds only configured MNs, with their
 *     configured SPI, a usable CoA other than the HoA, state ACTIVE, a
 *     lifetime in 1..max and an expiry in (now, now + max];
 *   - saving that engine (had_state_encode) gives a file that decodes,
 *     and restoring it into a second engine at the same time saves the
 *     same records again (a restart loses and invents nothing);
 *   - once everything has expired (ha_engine_expire far ahead) the
 *     cache is empty and there is no deadline left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "fuzz.h"
#include "fuzz_state.h"
#include "../ha/had_state.h"

FUZZ_TARGET("state_had");

#define NMN		3
#define MAX_LIFE_S	600

static const char *const mn_hoa_str[NMN] = {
	"2001:db8:10::100", "2001:db8:10::200", "2001:db8:10::300",
};
static const uint32_t mn_spi[NMN] = { 4096, 4097, 4098 };

static struct in6_addr	 mn_hoa[NMN];
static struct sa_table	*sas;
static struct had_mn	 conf_mns[NMN];
static struct had_conf	 conf;

static void
add_sa(uint32_t spi, enum auth_alg alg, enum replay_mode replay)
{
	uint8_t key[32];
	struct mh_sa sa;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(spi + i * 7);
	if (sa_init(&sa, spi, alg, key, auth_alg_key_len(alg)) != 0)
		abort();
	sa.replay = replay;
	if (sa_table_add(sas, &sa) != 0)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz", 1, LOG_LVL_DEBUG);	/* format every message */
	if ((sas = sa_table_new()) == NULL)
		abort();
	add_sa(mn_spi[0], AUTH_ALG_HMAC_SHA256_128, REPLAY_TIMESTAMP);
	add_sa(mn_spi[1], AUTH_ALG_HMAC_SHA1_96, REPLAY_TIMESTAMP);
	add_sa(mn_spi[2], AUTH_ALG_HMAC_SHA256_128, REPLAY_SEQ_ONLY);
	conf.home_prefix.addr = fuzz_addr("2001:db8:10::");
	conf.home_prefix.len = 64;
	conf.address = fuzz_addr("2001:db8:f::10");
	conf.max_lifetime = MAX_LIFE_S;
	conf.skip_dad = true;
	conf.validity = 300;
	for (int i = 0; i < NMN; i++) {
		mn_hoa[i] = fuzz_addr(mn_hoa_str[i]);
		conf_mns[i].home_address = mn_hoa[i];
		conf_mns[i].spi = mn_spi[i];
		snprintf(conf_mns[i].name, sizeof(conf_mns[i].name), "mn%d",
		    i + 1);
	}
	conf.mns = conf_mns;
	conf.nmns = NMN;
	return 0;
}

static int
mn_index(const struct in6_addr *hoa)
{
	for (int i = 0; i < NMN; i++)
		if (memcmp(hoa, &mn_hoa[i], 16) == 0)
			return i;
	return -1;
}

/* ha_engine.c's coa_usable(), written out again. */
static bool
usable_coa(const struct in6_addr *a)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const struct in6_addr any, loop = { .s6_addr[15] = 1 };

	return memcmp(a, &any, 16) != 0 && memcmp(a, &loop, 16) != 0 &&
	    a->s6_addr[0] != 0xff &&
	    !(a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80) &&
	    memcmp(a, v4mapped, 12) != 0;
}

struct run {
	uint64_t	 mono_now;
	size_t		 adds;
	size_t		 bces;
	bool		 seen[NMN];
};

static void
on_add(const struct ha_action *a, void *arg)
{
	struct run *r = arg;
	char b[46];

	FUZZ_CHECK(a->kind == HA_ACT_BIND_ADD, "restore gave a %s",
	    ha_act_name(a->kind));
	FUZZ_CHECK(mn_index(&a->hoa) >= 0, "ADD for %s, no configured MN",
	    fuzz_a6(&a->hoa, b));
	r->adds++;
}

static void
check_bce(struct bce *e, void *arg)
{
	struct run *r = arg;
	int mn = mn_index(&e->hoa);
	uint64_t exp = bce_expiry(e);
	char b[46];

	r->bces++;
	FUZZ_CHECK(mn >= 0, "a binding for %s, no configured MN",
	    fuzz_a6(&e->hoa, b));
	FUZZ_CHECK(!r->seen[mn], "two bindings of mn%d", mn + 1);
	r->seen[mn] = true;
	FUZZ_CHECK(e->spi == mn_spi[mn], "mn%d bound with SPI %u", mn + 1,
	    e->spi);
	FUZZ_CHECK(usable_coa(&e->coa) && memcmp(&e->coa, &e->hoa, 16) != 0,
	    "restored CoA %s", fuzz_a6(&e->coa, b));
	FUZZ_CHECK(e->state == BCE_ACTIVE, "restored in state %s",
	    bce_state_name(e->state));
	FUZZ_CHECK(e->lifetime > 0 && e->lifetime <= MAX_LIFE_S / 4,
	    "restored lifetime %u", e->lifetime);
	FUZZ_CHECK(exp > r->mono_now && exp <= r->mono_now + MAX_LIFE_S *
	    1000ULL, "restored expiry %llu at %llu",
	    (unsigned long long)exp, (unsigned long long)r->mono_now);
}

/* Decode buf into a fresh engine; NULL when the file is refused. */
static struct ha_engine *
load(const char *buf, size_t len, const struct fuzz_state_in *in,
    bool must)
{
	struct had_state st;
	struct had_state_result res;
	struct ha_engine *e;
	struct run r;
	char err[160] = "";
	size_t mns = 0, expired = 0, lines;

	if (had_state_decode(buf, len, &st, err, sizeof(err)) != 0) {
		if (must)
			fprintf(stderr, "%.*s\n", (int)len, buf);
		FUZZ_CHECK(!must, "our own encoding refused: %s", err);
		FUZZ_CHECK(err[0] != '\0', "refused without a reason");
		FUZZ_CHECK(st.mns == NULL && st.bces == NULL && st.nmns == 0 &&
		    st.nbces == 0, "a refused file left records");
		return NULL;
	}
	lines = fuzz_state_lines(buf, len);
	FUZZ_CHECK(lines >= 2 && st.nmns + st.nbces == lines - 2,
	    "%zu mn and %zu bce records in %zu lines", st.nmns, st.nbces,
	    lines);
	for (size_t i = 0; i < st.nmns; i++)
		mns += mn_index(&st.mns[i].hoa) >= 0;
	for (size_t i = 0; i < st.nbces; i++) {
		FUZZ_CHECK(st.bces[i].b.state == BCE_ACTIVE, "bce state %d",
		    st.bces[i].b.state);
		expired += st.bces[i].expiry <= in->wall_now;
	}
	if ((e = ha_engine_new(&conf, sas)) == NULL)
		abort();
	memset(&r, 0, sizeof(r));
	r.mono_now = in->mono_now;
	had_state_apply(e, &st, in->mono_now, in->wall_now,
	    in->floor ? FUZZ_STATE_FLOOR : 0, on_add, &r, &res);
	FUZZ_CHECK(res.mns == mns, "%zu replay records taken of %zu "
	    "configured", res.mns, mns);
	FUZZ_CHECK(res.bindings + res.expired + res.refused == st.nbces,
	    "%zu + %zu + %zu of %zu bindings", res.bindings, res.expired,
	    res.refused, st.nbces);
	FUZZ_CHECK(res.expired == expired, "%zu expired, %zu were due",
	    res.expired, expired);
	FUZZ_CHECK(r.adds == res.bindings, "%zu ADDs for %zu bindings",
	    r.adds, res.bindings);
	bcache_foreach(ha_engine_bcache(e), check_bce, &r);
	FUZZ_CHECK(r.bces == res.bindings && bcache_count(ha_engine_bcache(e))
	    == r.bces, "%zu bindings in the cache, %zu restored", r.bces,
	    res.bindings);
	had_state_free(&st);
	return e;
}

static void
expire_all(struct ha_engine *e, const struct fuzz_state_in *in)
{
	(void)ha_engine_expire(e, in->mono_now + MAX_LIFE_S * 1000ULL + 1,
	    NULL, NULL);
	FUZZ_CHECK(bcache_count(ha_engine_bcache(e)) == 0, "%zu bindings "
	    "outlive their lifetime", bcache_count(ha_engine_bcache(e)));
	FUZZ_CHECK(ha_engine_next_expiry(e) == BCACHE_NO_EXPIRY,
	    "a deadline with an empty cache");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_state_in in;
	struct ha_engine *e1, *e2;
	struct sf_buf b1, b2;

	if (!fuzz_state_input(data, size, &in))
		return 0;
	e1 = load(in.buf, in.len, &in, false);
	free(in.buf);
	if (e1 == NULL)
		return 0;
	/* A restart of this restarted daemon: the same records again. */
	FUZZ_CHECK(had_state_encode(e1, in.mono_now, in.wall_now, &b1) == 0,
	    "encode");
	e2 = load(b1.p, b1.len, &in, true);
	FUZZ_CHECK(had_state_encode(e2, in.mono_now, in.wall_now, &b2) == 0,
	    "encode");
	fuzz_state_same_records("had save -> load -> save", b1.p, b1.len,
	    b2.p, b2.len);
	sf_free(&b1);
	sf_free(&b2);
	expire_all(e1, &in);
	ha_engine_free(e1);
	ha_engine_free(e2);
	return 0;
}
