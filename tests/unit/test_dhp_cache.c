/*
 * test_dhp_cache.c: mnd's DHP table and CN -> DHP cache (mn/dhp_cache.c):
 * answers kept per CN /64 for exactly their Validity, what is not cached,
 * replacement when full, and DHP selection: preference, metric, each
 * tie-break, unconfigured and held-down candidates, exclusions, and
 * co-located DHPs for graceful-replacement.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dhp_cache.h"
#include "log.h"
#include "cu_main.h"

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

/* Configured: dhp1 f::11, dhp2 f::21, dhp3 f::31 (in that order). */
static struct mnd_dhp conf_dhps[3];

static void
cache_setup(struct dhp_cache *c, size_t cap)
{
	static const char *const addr[] = {
		"2001:db8:f::11", "2001:db8:f::21", "2001:db8:f::31",
	};

	memset(conf_dhps, 0, sizeof(conf_dhps));
	for (size_t i = 0; i < 3; i++) {
		snprintf(conf_dhps[i].name, CONF_NAME_MAX, "dhp%zu", i + 1);
		conf_dhps[i].address = A(addr[i]);
		conf_dhps[i].spi = 8192 + (uint32_t)i;
	}
	CU_ASSERT_EQUAL_FATAL(dhp_cache_init(c, conf_dhps, 3, cap), 0);
}

static struct mh_dhp_cand
cand(const char *addr, uint8_t pref, uint16_t metric, uint8_t flags)
{
	struct mh_dhp_cand k;

	memset(&k, 0, sizeof(k));
	k.addr = A(addr);
	k.pref = pref;
	k.metric = metric;
	k.flags = flags;
	return k;
}

/* ---- answers ------------------------------------------------------------ */

static void
test_validity_per_64(void)
{
	struct dhp_cache c;
	struct mh_dhp_cand k = cand("2001:db8:f::11", 100, 10, 0);
	struct in6_addr cn = A("2001:db8:c1::1");
	const struct dhpc_entry *e;

	cache_setup(&c, 0);
	CU_ASSERT_PTR_NULL(dhp_cache_lookup(&c, &cn, 1000));
	e = dhp_cache_put(&c, &cn, DMIP_STATUS_OK, &k, 1, 300, 1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->n, 1);
	/* The same /64, another host: a hit. Another /64: a miss. */
	CU_ASSERT_PTR_EQUAL(dhp_cache_lookup(&c, &(struct in6_addr){
	    .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0xc1, 0, 0, 0, 0, 0, 0,
	    0, 0, 0x12, 0x34 } }, 2000), e);
	CU_ASSERT_PTR_NULL(dhp_cache_lookup(&c, &(struct in6_addr){
	    .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0xc1, 0, 1, 0, 0, 0, 0,
	    0, 0, 0, 1 } }, 2000));
	/* Valid for exactly 300 s. */
	CU_ASSERT_PTR_EQUAL(dhp_cache_lookup(&c, &cn, 1000 + 299999), e);
	CU_ASSERT_EQUAL(dhp_cache_count(&c, 1000 + 299999), 1);
	CU_ASSERT_PTR_NULL(dhp_cache_lookup(&c, &cn, 1000 + 300000));
	CU_ASSERT_EQUAL(dhp_cache_count(&c, 1000 + 300000), 0);
	CU_ASSERT_EQUAL(c.st.expired, 1);
	CU_ASSERT_EQUAL(c.st.hits, 2);
	CU_ASSERT_EQUAL(c.st.misses, 3);
	dhp_cache_free(&c);
}

static void
test_not_cached(void)
{
	struct dhp_cache c;
	struct mh_dhp_cand k = cand("2001:db8:f::11", 100, 10, 0);
	struct in6_addr cn = A("2001:db8:c1::1");
	const struct dhpc_entry *e;

	cache_setup(&c, 0);
	CU_ASSERT_PTR_NULL(dhp_cache_put(&c, &cn, DMIP_STATUS_OK, &k, 1, 0,
	    0));
	CU_ASSERT_PTR_NULL(dhp_cache_put(&c, &cn, DMIP_STATUS_OK, &k, 0, 300,
	    0));
	CU_ASSERT_PTR_NULL(dhp_cache_put(&c, &cn, BA_STATUS_PROHIBITED, &k, 1,
	    300, 0));
	CU_ASSERT_PTR_NULL(dhp_cache_put(&c, &cn, DMIP_STATUS_NO_DHP_FOR_CN,
	    NULL, 0, 300, 0));
	CU_ASSERT_PTR_NULL(dhp_cache_lookup(&c, &cn, 1));
	/* USE_HA is an answer too; its candidates are dropped. */
	e = dhp_cache_put(&c, &cn, DMIP_STATUS_USE_HA, &k, 1, 8, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->n, 0);
	CU_ASSERT_EQUAL(e->status, DMIP_STATUS_USE_HA);
	CU_ASSERT_PTR_EQUAL(dhp_cache_lookup(&c, &cn, 7999), e);
	/* A newer answer for the /64 replaces the old one in place. */
	CU_ASSERT_PTR_EQUAL(dhp_cache_put(&c, &cn, DMIP_STATUS_OK, &k, 1, 8,
	    100), e);
	CU_ASSERT_EQUAL(e->status, DMIP_STATUS_OK);
	CU_ASSERT_EQUAL(dhp_cache_count(&c, 100), 1);
	dhp_cache_flush(&c);
	CU_ASSERT_EQUAL(dhp_cache_count(&c, 100), 0);
	dhp_cache_free(&c);
}

static void
test_replacement(void)
{
	struct dhp_cache c;
	struct mh_dhp_cand k = cand("2001:db8:f::11", 100, 10, 0);
	struct in6_addr c1 = A("2001:db8:c1::1"), c2 = A("2001:db8:c2::1"),
	    c3 = A("2001:db8:c3::1"), c4 = A("2001:db8:c4::1");

	cache_setup(&c, 2);
	dhp_cache_put(&c, &c1, DMIP_STATUS_OK, &k, 1, 100, 0);
	dhp_cache_put(&c, &c2, DMIP_STATUS_OK, &k, 1, 50, 0);
	/* Full: the one that expires first (c2) goes. */
	dhp_cache_put(&c, &c3, DMIP_STATUS_OK, &k, 1, 200, 0);
	CU_ASSERT_EQUAL(c.st.replaced, 1);
	CU_ASSERT_PTR_NOT_NULL(dhp_cache_lookup(&c, &c1, 10));
	CU_ASSERT_PTR_NULL(dhp_cache_lookup(&c, &c2, 10));
	CU_ASSERT_PTR_NOT_NULL(dhp_cache_lookup(&c, &c3, 10));
	/* An expired slot is taken before anything is replaced. */
	dhp_cache_put(&c, &c4, DMIP_STATUS_OK, &k, 1, 10, 150000);
	CU_ASSERT_EQUAL(c.st.replaced, 1);
	CU_ASSERT_PTR_NULL(dhp_cache_lookup(&c, &c1, 150000));
	CU_ASSERT_PTR_NOT_NULL(dhp_cache_lookup(&c, &c3, 150000));
	CU_ASSERT_PTR_NOT_NULL(dhp_cache_lookup(&c, &c4, 150000));
	dhp_cache_free(&c);
}

/* ---- selection ---------------------------------------------------------- */

static const struct dhpc_entry *
answer(struct dhp_cache *c, const struct mh_dhp_cand *k, size_t n)
{
	struct in6_addr cn = A("2001:db8:c1::1");
	const struct dhpc_entry *e;

	e = dhp_cache_put(c, &cn, DMIP_STATUS_OK, k, n, 300, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

static void
test_select_pref_metric(void)
{
	struct dhp_cache c;
	const char *why;
	struct mh_dhp_cand k[3] = {
		cand("2001:db8:f::11", 100, 10, 0),
		cand("2001:db8:f::21", 150, 50, 0),	/* preference wins */
		cand("2001:db8:f::31", 150, 20, 0),	/* ... then metric */
	};

	cache_setup(&c, 0);
	CU_ASSERT_EQUAL(dhp_cache_select(&c, answer(&c, k, 3),
	    CONT_SESSION_LASTING, NULL, 0, &why), 2);
	CU_ASSERT_PTR_NULL(why);
	dhp_cache_free(&c);
}

static void
test_select_tiebreak(void)
{
	struct dhp_cache c;
	const struct dhpc_entry *e;
	const char *why;
	/* Equal preference and metric; the directory listed f::31 first. */
	struct mh_dhp_cand k[3] = {
		cand("2001:db8:f::31", 100, 10, 0),
		cand("2001:db8:f::21", 100, 10, 0),
		cand("2001:db8:f::11", 100, 10, 0),
	};
	enum dhpc_tiebreak t;

	cache_setup(&c, 0);
	e = answer(&c, k, 3);
	CU_ASSERT_EQUAL(c.tie, DHPC_TIE_REUSE);
	/* reuse: without anchors it is directory order ... */
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, 2, NULL, 0, &why), 2);
	/* ... and a DHP where we hold a DHoA wins (F.9). */
	c.dhps[1].anchors = 1;
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, 2, NULL, 0, &why), 1);
	c.tie = DHPC_TIE_DIRECTORY;
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, 2, NULL, 0, &why), 2);
	c.tie = DHPC_TIE_CONFIG;
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, 2, NULL, 0, &why), 0);
	c.tie = DHPC_TIE_ADDRESS;
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, 2, NULL, 0, &why), 0);
	/* Names round-trip; junk is refused. */
	for (int i = 0; i < DHPC_TIE_COUNT; i++) {
		CU_ASSERT_EQUAL(dhpc_tiebreak_parse(
		    dhpc_tiebreak_name((enum dhpc_tiebreak)i), &t), 0);
		CU_ASSERT_EQUAL((int)t, i);
	}
	CU_ASSERT_EQUAL(dhpc_tiebreak_parse("fastest", &t), -1);
	dhp_cache_free(&c);
}

static void
test_select_skips(void)
{
	struct dhp_cache c;
	const struct dhpc_entry *e;
	const char *why;
	bool excl[3] = { false, false, false };
	struct mh_dhp_cand k[3] = {
		cand("2001:db8:f::99", 250, 0, 0),	/* not configured */
		cand("2001:db8:f::11", 200, 10, 0),
		cand("2001:db8:f::21", 100, 10, 0),
	};

	cache_setup(&c, 0);
	e = answer(&c, k, 3);
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, 2, NULL, 0, &why), 0);
	/* Held down: skipped until the hold-down ends. */
	dhp_cache_set_down(&c, 0, 1000, "no answer");
	CU_ASSERT_TRUE(dhp_cache_is_down(&c, 0, 1000));
	CU_ASSERT_EQUAL(c.dhps[0].failures, 1);
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, 2, NULL, 2000, &why), 1);
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, 2, NULL,
	    1000 + DHPC_HOLDDOWN_MS, &why), 0);
	/* Excluded (tried already). */
	excl[1] = true;
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, 2, excl, 2000, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "every candidate DHP is down");
	excl[0] = true;
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, 2, excl, 1000 +
	    DHPC_HOLDDOWN_MS, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "every candidate DHP was tried");
	dhp_cache_set_up(&c, 0, "answered");
	CU_ASSERT_FALSE(dhp_cache_is_down(&c, 0, 2000));
	dhp_cache_free(&c);

	/* Nothing configured among the candidates; USE_HA; no entry. */
	cache_setup(&c, 0);
	e = answer(&c, k, 1);
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, 2, NULL, 0, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "no candidate is a configured DHP");
	e = dhp_cache_put(&c, &k[1].addr, DMIP_STATUS_USE_HA, NULL, 0, 300, 0);
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, 2, NULL, 0, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "the directory says use the home agent");
	CU_ASSERT_EQUAL(dhp_cache_select(&c, NULL, 2, NULL, 0, &why), -1);
	dhp_cache_free(&c);
}

static void
test_select_graceful(void)
{
	struct dhp_cache c;
	const struct dhpc_entry *e;
	const char *why;
	struct mh_dhp_cand k[2] = {
		cand("2001:db8:f::11", 200, 10, 0),
		cand("2001:db8:f::31", 10, 90, DHP_CAND_F_COLOCATED),
	};

	cache_setup(&c, 0);
	e = answer(&c, k, 2);
	/* Session-lasting takes the best; graceful only a co-located one. */
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, CONT_SESSION_LASTING, NULL, 0,
	    &why), 0);
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, CONT_GRACEFUL, NULL, 0, &why),
	    2);
	e = answer(&c, k, 1);
	CU_ASSERT_EQUAL(dhp_cache_select(&c, e, CONT_GRACEFUL, NULL, 0, &why),
	    -1);
	CU_ASSERT_STRING_EQUAL(why,
	    "no co-located DHP for graceful-replacement");
	CU_ASSERT_EQUAL(dhp_cache_find_dhp(&c, &k[1].addr), 2);
	CU_ASSERT_EQUAL(dhp_cache_find_dhp(&c, &(struct in6_addr){ { { 1 } } }),
	    -1);
	dhp_cache_free(&c);
}

static int
cu_register(void)
{
	static CU_TestInfo answers[] = {
		{ "validity per CN /64", test_validity_per_64 },
		{ "what is not cached", test_not_cached },
		{ "replacement when full", test_replacement },
		CU_TEST_INFO_NULL,
	};
	static CU_TestInfo select[] = {
		{ "preference then metric", test_select_pref_metric },
		{ "tie-breaks", test_select_tiebreak },
		{ "unconfigured, down, excluded", test_select_skips },
		{ "graceful-replacement: co-located", test_select_graceful },
		CU_TEST_INFO_NULL,
	};

	log_init("test_dhp_cache", 1, LOG_LVL_WARN);
	CU_SUITE("dhp_cache answers", answers);
	CU_SUITE("dhp_cache selection", select);
	return 0;
}
