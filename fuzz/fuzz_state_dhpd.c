/*
 * fuzz_state_dhpd.c: dhpd's state file (dhp/dhpd_state.h over
 * common/statefile.h) as dhpd loads it at start: dhpd_state_decode()
 * on the file's bytes, then dhpd_state_apply() into a fresh DHP engine
 * with a fixed config, at a time the input picks (fuzz_state.h).
 *
 * The config: DHP 2001:db8:f::11, pools 2001:db8:d1::/64 and
 * 2001:db8:d2::/120, three MNs (2001:db8:10::100 SPI 8192, ::200 SPI
 * 8193, ::300 SPI 8195 with replay = seq-only), leases 600 s, bindings
 * 300 s, quarantine 120 s, max_leases 2 (so a file can hold more than
 * fits). Checked:
 *   - a refused file leaves nothing (no records, an error message);
 *   - an accepted one holds exactly its record lines as mn, quar,
 *     lease and bind records;
 *   - apply: replay records of configured MNs are taken, the others
 *     dropped; at most as many quarantines, leases and bindings are
 *     restored as the file holds; one ADD per restored binding, for a
 *     leased DHoA; `unbound` names exactly the file's DHoAs that are
 *     not bound afterwards;
 *   - the engine then: every lease in a pool, owned by a configured MN,
 *     one per MN (F.9), at most max_leases, expiring in (now, now +
 *     600 s]; every binding on a leased DHoA, to a usable CoA (not ::,
 *     multicast, loopback, link-local, v4-mapped, the DHP, a DHoA),
 *     lifetime <= 300 s (0 while deleting), expiring in (now, now +
 *     300 s]; the binding count matches;
 *   - saving that engine (dhpd_state_encode) gives a file that decodes,
 *     and restoring it into a second engine at the same time saves the
 *     same records again;
 *   - once every lease, binding and quarantine is over
 *     (dhp_engine_expire far ahead, which also sends the BRRs due)
 *     nothing is left and there is no deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "fuzz.h"
#include "fuzz_state.h"
#include "../dhp/dhpd_state.h"

FUZZ_TARGET("state_dhpd");

#define NMN		3
#define LEASE_S		600
#define BIND_S		300
#define QUAR_S		120
#define MAX_LEASES	2

static const char *const mn_hoa_str[NMN] = {
	"2001:db8:10::100", "2001:db8:10::200", "2001:db8:10::300",
};
static const uint32_t mn_spi[NMN] = { 8192, 8193, 8195 };

static struct in6_addr	 mn_hoa[NMN];
static struct sa_table	*sas;
static struct dhpd_mn	 conf_mns[NMN];
static struct conf_prefix pools[2];
static struct dhpd_conf	 conf;

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
	conf.address = fuzz_addr("2001:db8:f::11");
	pools[0].addr = fuzz_addr("2001:db8:d1::");
	pools[0].len = 64;
	pools[1].addr = fuzz_addr("2001:db8:d2::");
	pools[1].len = 120;
	conf.pools = pools;
	conf.npools = 2;
	conf.lease_lifetime = LEASE_S;
	conf.binding_lifetime = BIND_S;
	conf.quarantine = QUAR_S;
	conf.max_leases = MAX_LEASES;
	conf.continuity[CONT_SESSION_LASTING] = true;
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

static bool
in_pool(const struct in6_addr *a)
{
	for (size_t i = 0; i < 2; i++)
		if (conf_prefix_contains(&pools[i], a))
			return true;
	return false;
}

/* dhp_engine.c's coa_usable(), written out again. */
static bool
usable_coa(const struct in6_addr *a)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const struct in6_addr any, loop = { .s6_addr[15] = 1 };

	return memcmp(a, &any, 16) != 0 && memcmp(a, &loop, 16) != 0 &&
	    a->s6_addr[0] != 0xff &&
	    !(a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80) &&
	    memcmp(a, v4mapped, 12) != 0 &&
	    memcmp(a, &conf.address, 16) != 0 && !in_pool(a);
}

struct run {
	struct dhp_engine	*e;
	const struct dhpd_state	*st;
	uint64_t		 mono_now;
	size_t			 adds, unbound, leases, bindings;
	bool			 has_lease[NMN];
};

static void
on_add(const struct dhp_action *a, void *arg)
{
	struct run *r = arg;
	char b[46];

	FUZZ_CHECK(a->kind == DHP_ACT_BIND_ADD, "restore gave a %s",
	    dhp_act_name(a->kind));
	FUZZ_CHECK(dhp_engine_find(r->e, &a->dhoa) != NULL, "ADD for %s, "
	    "not bound", fuzz_a6(&a->dhoa, b));
	r->adds++;
}

static void
on_unbound(const struct in6_addr *dhoa, void *arg)
{
	struct run *r = arg;
	bool in_file = false;
	char b[46];

	for (size_t i = 0; i < r->st->nleases; i++)
		in_file |= memcmp(&r->st->leases[i].dhoa, dhoa, 16) == 0;
	FUZZ_CHECK(in_file, "unbound %s is in no lease record",
	    fuzz_a6(dhoa, b));
	FUZZ_CHECK(dhp_engine_find(r->e, dhoa) == NULL, "unbound %s is "
	    "bound", fuzz_a6(dhoa, b));
	r->unbound++;
}

static void
check_lease(const struct dhoa_lease *l, const struct dhp_binding *b,
    void *arg)
{
	struct run *r = arg;
	int mn = mn_index(&l->hoa);
	char d[46], c[46];

	r->leases++;
	FUZZ_CHECK(l->state == DHOA_LEASED, "a lease in state %s",
	    dhoa_state_name(l->state));
	FUZZ_CHECK(in_pool(&l->dhoa), "lease of %s outside the pools",
	    fuzz_a6(&l->dhoa, d));
	FUZZ_CHECK(mn >= 0, "lease of %s to %s, no configured MN",
	    fuzz_a6(&l->dhoa, d), fuzz_a6(&l->hoa, c));
	FUZZ_CHECK(!r->has_lease[mn], "mn%d holds two DHoAs (F.9)", mn + 1);
	r->has_lease[mn] = true;
	FUZZ_CHECK(l->expiry_ms > r->mono_now && l->expiry_ms <= r->mono_now +
	    LEASE_S * 1000ULL, "lease of %s expires at %llu, now %llu",
	    fuzz_a6(&l->dhoa, d), (unsigned long long)l->expiry_ms,
	    (unsigned long long)r->mono_now);
	if (b == NULL)
		return;
	r->bindings++;
	FUZZ_CHECK(b->lease == l, "binding of another lease");
	FUZZ_CHECK(usable_coa(&b->coa), "%s bound to CoA %s",
	    fuzz_a6(&l->dhoa, d), fuzz_a6(&b->coa, c));
	FUZZ_CHECK(b->state == DHP_BIND_ACTIVE ? b->lifetime > 0 &&
	    b->lifetime <= BIND_S / 4 : b->state == DHP_BIND_DELETING &&
	    b->lifetime == 0, "binding %s lifetime %u", dhp_bind_state_name(
	    b->state), b->lifetime);
	FUZZ_CHECK(b->expiry_ms > r->mono_now && b->expiry_ms <= r->mono_now +
	    BIND_S * 1000ULL, "binding of %s expires at %llu, now %llu",
	    fuzz_a6(&l->dhoa, d), (unsigned long long)b->expiry_ms,
	    (unsigned long long)r->mono_now);
}

/* Decode buf into a fresh engine; NULL when the file is refused. */
static struct dhp_engine *
load(const char *buf, size_t len, const struct fuzz_state_in *in,
    bool must)
{
	struct dhpd_state st;
	struct dhpd_state_result res;
	struct run r;
	char err[160] = "";
	size_t mns = 0, lines;

	if (dhpd_state_decode(buf, len, &st, err, sizeof(err)) != 0) {
		if (must)
			fprintf(stderr, "%.*s\n", (int)len, buf);
		FUZZ_CHECK(!must, "our own encoding refused: %s", err);
		FUZZ_CHECK(err[0] != '\0', "refused without a reason");
		FUZZ_CHECK(st.mns == NULL && st.quars == NULL &&
		    st.leases == NULL && st.binds == NULL && st.nmns +
		    st.nquars + st.nleases + st.nbinds == 0,
		    "a refused file left records");
		return NULL;
	}
	lines = fuzz_state_lines(buf, len);
	FUZZ_CHECK(lines >= 2 && st.nmns + st.nquars + st.nleases +
	    st.nbinds == lines - 2, "%zu records decoded from %zu lines",
	    st.nmns + st.nquars + st.nleases + st.nbinds, lines);
	for (size_t i = 0; i < st.nmns; i++)
		mns += mn_index(&st.mns[i].hoa) >= 0;
	for (size_t i = 0; i < st.nbinds; i++)
		FUZZ_CHECK(st.binds[i].b.state < DHP_BIND_STATE_COUNT,
		    "bind state %d", st.binds[i].b.state);
	memset(&r, 0, sizeof(r));
	if ((r.e = dhp_engine_new(&conf, sas, 7)) == NULL)
		abort();
	r.st = &st;
	r.mono_now = in->mono_now;
	dhpd_state_apply(r.e, &st, in->mono_now, in->wall_now,
	    in->floor ? FUZZ_STATE_FLOOR : 0, on_add, &r, on_unbound, &res);
	FUZZ_CHECK(res.mns == mns, "%zu replay records taken of %zu "
	    "configured", res.mns, mns);
	FUZZ_CHECK(res.quarantined <= st.nquars && res.leases <= st.nleases &&
	    res.bindings <= st.nbinds, "restored %zu/%zu quarantines, "
	    "%zu/%zu leases, %zu/%zu bindings", res.quarantined, st.nquars,
	    res.leases, st.nleases, res.bindings, st.nbinds);
	FUZZ_CHECK(r.adds == res.bindings, "%zu ADDs for %zu bindings",
	    r.adds, res.bindings);
	dhp_engine_foreach_lease(r.e, check_lease, &r);
	FUZZ_CHECK(r.leases == res.leases && r.leases <= MAX_LEASES,
	    "%zu leases in the engine, %zu restored", r.leases, res.leases);
	FUZZ_CHECK(r.bindings == res.bindings &&
	    dhp_engine_bindings(r.e) == r.bindings, "%zu bindings (engine "
	    "says %zu), %zu restored", r.bindings, dhp_engine_bindings(r.e),
	    res.bindings);
	dhpd_state_free(&st);
	return r.e;
}

static void
count_lease(const struct dhoa_lease *l, const struct dhp_binding *b,
    void *arg)
{
	(void)l;
	(void)b;
	(*(size_t *)arg)++;
}

static void
expire_all(struct dhp_engine *e, const struct fuzz_state_in *in)
{
	size_t left = 0, quar = 0;
	uint64_t at = in->mono_now + (LEASE_S + QUAR_S) * 1000ULL + 1;

	/* Twice: a lease ending at `at` starts a quarantine that ends
	 * later; bindings in their delete delay go first. */
	(void)dhp_engine_expire(e, at, FUZZ_STATE_FLOOR, NULL, NULL);
	(void)dhp_engine_expire(e, at + QUAR_S * 1000ULL + 1,
	    FUZZ_STATE_FLOOR, NULL, NULL);
	dhp_engine_foreach_lease(e, count_lease, &left);
	dhp_engine_foreach_quarantined(e, count_lease, &quar);
	FUZZ_CHECK(left == 0 && dhp_engine_bindings(e) == 0, "%zu leases, "
	    "%zu bindings outlive their lifetime", left,
	    dhp_engine_bindings(e));
	FUZZ_CHECK(quar == 0, "%zu quarantines outlive theirs", quar);
	FUZZ_CHECK(dhp_engine_next_expiry(e) == DHP_NO_EXPIRY,
	    "a deadline with nothing left");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_state_in in;
	struct dhp_engine *e1, *e2;
	struct sf_buf b1, b2;

	if (!fuzz_state_input(data, size, &in))
		return 0;
	e1 = load(in.buf, in.len, &in, false);
	free(in.buf);
	if (e1 == NULL)
		return 0;
	FUZZ_CHECK(dhpd_state_encode(e1, in.mono_now, in.wall_now, &b1) == 0,
	    "encode");
	e2 = load(b1.p, b1.len, &in, true);
	FUZZ_CHECK(dhpd_state_encode(e2, in.mono_now, in.wall_now, &b2) == 0,
	    "encode");
	fuzz_state_same_records("dhpd save -> load -> save", b1.p, b1.len,
	    b2.p, b2.len);
	sf_free(&b1);
	sf_free(&b2);
	expire_all(e1, &in);
	dhp_engine_free(e1);
	dhp_engine_free(e2);
	return 0;
}
