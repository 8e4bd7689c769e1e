/*
 * test_bcache.c: the home agent's binding cache (ha/bcache.c): lookup,
 * removal, expiry order and 10^6 entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "bcache.h"
#include "cu_main.h"

#define MANY	1000000u

/* 2001:db8:10::/64 with the interface identifier i. */
static struct in6_addr
hoa_n(uint32_t i)
{
	struct in6_addr a;

	inet_pton(AF_INET6, "2001:db8:10::", &a);
	a.s6_addr[12] = (uint8_t)(i >> 24);
	a.s6_addr[13] = (uint8_t)(i >> 16);
	a.s6_addr[14] = (uint8_t)(i >> 8);
	a.s6_addr[15] = (uint8_t)i;
	return a;
}

static void
test_insert_find_remove(void)
{
	struct bcache *bc = bcache_new();
	struct in6_addr a = hoa_n(1), b = hoa_n(2);
	struct bce *e, *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(bc);
	CU_ASSERT_PTR_NULL(bcache_find(bc, &a));
	e = bcache_insert(bc, &a, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->state, BCE_DAD);
	CU_ASSERT_EQUAL(e->created_ms, 5);
	CU_ASSERT_EQUAL(bce_expiry(e), BCACHE_NO_EXPIRY);
	CU_ASSERT(memcmp(&e->hoa, &a, sizeof(a)) == 0);
	errno = 0;
	CU_ASSERT_PTR_NULL(bcache_insert(bc, &a, 6));
	CU_ASSERT_EQUAL(errno, EEXIST);
	f = bcache_insert(bc, &b, 6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(bcache_count(bc), 2);
	CU_ASSERT_PTR_EQUAL(bcache_find(bc, &a), e);
	CU_ASSERT_PTR_EQUAL(bcache_find(bc, &b), f);
	bcache_remove(bc, e);
	CU_ASSERT_PTR_NULL(bcache_find(bc, &a));
	CU_ASSERT_PTR_EQUAL(bcache_find(bc, &b), f);
	CU_ASSERT_EQUAL(bcache_count(bc), 1);
	CU_ASSERT_STRING_EQUAL(bce_state_name(BCE_ACTIVE), "active");
	CU_ASSERT_STRING_EQUAL(bce_state_name(BCE_DAD), "dad");
	bcache_free(bc);
}

struct seen {
	uint32_t	ids[16];
	size_t		n;
};

static void
record(struct bce *e, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16)
		s->ids[s->n] = e->hoa.s6_addr[15];
	s->n++;
}

static void
test_expiry_order(void)
{
	struct bcache *bc = bcache_new();
	struct seen s = { .n = 0 };
	/* id -> expiry */
	static const uint64_t exp[] = { 0, 300, 100, 200, 100, 500 };
	struct bce *e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(bc);
	CU_ASSERT_EQUAL(bcache_next_expiry(bc), BCACHE_NO_EXPIRY);
	for (uint32_t i = 1; i < 6; i++) {
		struct in6_addr a = hoa_n(i);

		e = bcache_insert(bc, &a, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(bcache_set_expiry(bc, e, exp[i]), 0);
		CU_ASSERT_EQUAL(bce_expiry(e), exp[i]);
	}
	CU_ASSERT_EQUAL(bcache_next_expiry(bc), 100);
	/* Re-arm id 2 (100 -> 400): id 4 is now the only one at 100. */
	{
		struct in6_addr a = hoa_n(2);

		CU_ASSERT_EQUAL(bcache_set_expiry(bc, bcache_find(bc, &a),
		    400), 0);
	}
	CU_ASSERT_EQUAL(bcache_expire(bc, 99, record, &s), 0);
	CU_ASSERT_EQUAL(bcache_expire(bc, 300, record, &s), 3);
	CU_ASSERT_EQUAL(s.n, 3);
	CU_ASSERT_EQUAL(s.ids[0], 4);
	CU_ASSERT_EQUAL(s.ids[1], 3);
	CU_ASSERT_EQUAL(s.ids[2], 1);
	CU_ASSERT_EQUAL(bcache_count(bc), 2);
	CU_ASSERT_EQUAL(bcache_next_expiry(bc), 400);
	/* Removing an armed entry disarms it. */
	{
		struct in6_addr a = hoa_n(2);

		bcache_remove(bc, bcache_find(bc, &a));
	}
	CU_ASSERT_EQUAL(bcache_next_expiry(bc), 500);
	CU_ASSERT_EQUAL(bcache_expire(bc, 1000, NULL, NULL), 1);
	CU_ASSERT_EQUAL(bcache_count(bc), 0);
	CU_ASSERT_EQUAL(bcache_next_expiry(bc), BCACHE_NO_EXPIRY);
	bcache_free(bc);
}

static void
count_cb(struct bce *e, void *arg)
{
	(void)e;
	(*(size_t *)arg)++;
}

/* Sum of ids, to check each expired entry is reported exactly once. */
static void
sum_cb(struct bce *e, void *arg)
{
	uint64_t id = ((uint64_t)e->hoa.s6_addr[12] << 24) |
	    ((uint64_t)e->hoa.s6_addr[13] << 16) |
	    ((uint64_t)e->hoa.s6_addr[14] << 8) | e->hoa.s6_addr[15];

	*(uint64_t *)arg += id;
}

static void
test_million(void)
{
	struct bcache *bc = bcache_new();
	size_t n = 0, bad = 0;
	uint64_t sum = 0, want = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(bc);
	for (uint32_t i = 0; i < MANY; i++) {
		struct in6_addr a = hoa_n(i);
		struct bce *e = bcache_insert(bc, &a, 0);

		if (e == NULL || bcache_set_expiry(bc, e, 1000 + i % 1000))
			bad++;
		else
			e->coa = hoa_n(i + 7);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(bcache_count(bc), MANY);
	for (uint32_t i = 0; i < MANY; i++) {
		struct in6_addr a = hoa_n(i), c = hoa_n(i + 7);
		const struct bce *e = bcache_find(bc, &a);

		if (e == NULL || memcmp(&e->coa, &c, sizeof(c)) != 0)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	{
		struct in6_addr a = hoa_n(MANY);

		CU_ASSERT_PTR_NULL(bcache_find(bc, &a));
	}
	bcache_foreach(bc, count_cb, &n);
	CU_ASSERT_EQUAL(n, MANY);
	CU_ASSERT_EQUAL(bcache_next_expiry(bc), 1000);
	/* Expiries 1000..1499: ids with i % 1000 < 500, half of them. */
	for (uint32_t i = 0; i < MANY; i++)
		if (i % 1000 < 500)
			want += i;
	CU_ASSERT_EQUAL(bcache_expire(bc, 1499, sum_cb, &sum), MANY / 2);
	CU_ASSERT_EQUAL(sum, want);
	CU_ASSERT_EQUAL(bcache_count(bc), MANY / 2);
	CU_ASSERT_EQUAL(bcache_next_expiry(bc), 1500);
	for (uint32_t i = 0; i < MANY; i++) {
		struct in6_addr a = hoa_n(i);

		if ((bcache_find(bc, &a) != NULL) != (i % 1000 >= 500))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(bcache_expire(bc, 2000, NULL, NULL), MANY / 2);
	CU_ASSERT_EQUAL(bcache_count(bc), 0);
	bcache_free(bc);
}

static const CU_TestInfo bcache_tests[] = {
	{ "insert, find, remove", test_insert_find_remove },
	{ "expiry order and re-arm", test_expiry_order },
	{ "10^6 entries: insert, find, expire", test_million },
	CU_TEST_INFO_NULL,
};

static int
cu_register(void)
{
	CU_SUITE("bcache", bcache_tests);
	return 0;
}
