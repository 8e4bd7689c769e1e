/*
 * test_ratelimit.c: per-source token buckets (common/ratelimit.c):
 * burst then limit, refill with time, keys by /64, /128 and global,
 * peek changes nothing, a bounded table under a flood of sources (LRU
 * eviction, fixed memory), and the daemons' guard.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "dmip_proto.h"
#include "ratelimit.h"
#include "cu_main.h"

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

static struct ratelimit *
mk(unsigned rate, unsigned burst, unsigned plen, size_t slots)
{
	struct rl_cfg c = { .rate = rate, .burst = burst, .plen = plen,
	    .slots = slots, .seed = 42 };

	return ratelimit_new(&c);
}

static unsigned
takes(struct ratelimit *rl, const struct in6_addr *a, uint64_t now,
    unsigned n)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		ok += ratelimit_take(rl, a, now);
	return ok;
}

static void
test_bad_cfg(void)
{
	struct rl_cfg c = { .rate = 0, .burst = 1, .plen = 64, .slots = 8 };

	CU_ASSERT_PTR_NULL(ratelimit_new(&c));
	CU_ASSERT_EQUAL(errno, EINVAL);
	c.rate = 1;
	c.plen = 129;
	CU_ASSERT_PTR_NULL(ratelimit_new(&c));
	c.plen = 64;
	c.slots = 7;
	CU_ASSERT_PTR_NULL(ratelimit_new(&c));
	c.slots = 8;
	c.burst = 0;
	CU_ASSERT_PTR_NULL(ratelimit_new(&c));
}

static void
test_burst_refill(void)
{
	struct ratelimit *rl = mk(3, 10, 64, 64);
	struct in6_addr a = A("2001:db8:1::100");

	CU_ASSERT_PTR_NOT_NULL_FATAL(rl);
	CU_ASSERT_TRUE(ratelimit_peek(rl, &a, 1000));
	CU_ASSERT_EQUAL(takes(rl, &a, 1000, 20), 10);	/* the burst */
	CU_ASSERT_FALSE(ratelimit_peek(rl, &a, 1000));
	CU_ASSERT_EQUAL(ratelimit_stats(rl)->allowed, 10);
	CU_ASSERT_EQUAL(ratelimit_stats(rl)->limited, 10);
	/* 3 per second: one token every 333.3 ms. */
	CU_ASSERT_FALSE(ratelimit_take(rl, &a, 1333));
	CU_ASSERT_TRUE(ratelimit_take(rl, &a, 1334));
	CU_ASSERT_FALSE(ratelimit_take(rl, &a, 1334));
	CU_ASSERT_EQUAL(takes(rl, &a, 2334, 10), 3);
	/* Never more than the burst, however long it rests. */
	CU_ASSERT_EQUAL(takes(rl, &a, 1000000, 20), 10);
	/* Time going backwards does not refill. */
	CU_ASSERT_EQUAL(takes(rl, &a, 5, 5), 0);
	ratelimit_free(rl);
}

static void
test_keys(void)
{
	struct ratelimit *r64 = mk(1, 2, 64, 64), *r128 = mk(1, 2, 128, 64);
	struct ratelimit *all = mk(1, 2, 0, 8);
	struct in6_addr a = A("2001:db8:1::1"), b = A("2001:db8:1::ffff:2"),
	    c = A("2001:db8:2::1");

	CU_ASSERT_EQUAL(takes(r64, &a, 0, 2), 2);
	CU_ASSERT_FALSE(ratelimit_take(r64, &b, 0));	/* same /64 */
	CU_ASSERT_TRUE(ratelimit_take(r64, &c, 0));	/* another one */
	CU_ASSERT_EQUAL(takes(r128, &a, 0, 2), 2);
	CU_ASSERT_TRUE(ratelimit_take(r128, &b, 0));	/* its own */
	CU_ASSERT_EQUAL(takes(all, &a, 0, 1) + takes(all, &c, 0, 5), 2);
	CU_ASSERT_EQUAL(ratelimit_stats(all)->used, 1);
	ratelimit_free(r64);
	ratelimit_free(r128);
	ratelimit_free(all);
}

static void
test_odd_plen(void)
{
	struct ratelimit *rl = mk(1, 1, 60, 64);
	struct in6_addr a = A("2001:db8:1:10::1"), b = A("2001:db8:1:1f::1"),
	    c = A("2001:db8:1:20::1");

	CU_ASSERT_TRUE(ratelimit_take(rl, &a, 0));
	CU_ASSERT_FALSE(ratelimit_take(rl, &b, 0));	/* same /60 */
	CU_ASSERT_TRUE(ratelimit_take(rl, &c, 0));
	ratelimit_free(rl);
}

static void
test_peek(void)
{
	struct ratelimit *rl = mk(1, 1, 128, 8);
	struct in6_addr a = A("2001:db8::1");

	for (int i = 0; i < 5; i++)
		CU_ASSERT_TRUE(ratelimit_peek(rl, &a, 0));
	CU_ASSERT_EQUAL(ratelimit_stats(rl)->used, 0);
	CU_ASSERT_TRUE(ratelimit_take(rl, &a, 0));
	CU_ASSERT_FALSE(ratelimit_peek(rl, &a, 0));
	CU_ASSERT_TRUE(ratelimit_peek(rl, &a, 1000));
	ratelimit_free(rl);
}

/* 100000 sources through a 1024-slot table: bounded. */
static void
test_bounded(void)
{
	struct ratelimit *rl = mk(3, 10, 64, 1000);
	struct in6_addr a = A("2001:db8::");
	size_t mem;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rl);
	mem = ratelimit_memory(rl);
	CU_ASSERT_EQUAL(ratelimit_stats(rl)->slots, 1024);
	CU_ASSERT(mem < 1024 * 64);
	for (uint32_t i = 0; i < 100000; i++) {
		a.s6_addr[4] = (uint8_t)(i >> 24);
		a.s6_addr[5] = (uint8_t)(i >> 16);
		a.s6_addr[6] = (uint8_t)(i >> 8);
		a.s6_addr[7] = (uint8_t)i;
		CU_ASSERT_TRUE(ratelimit_take(rl, &a, 0));
	}
	CU_ASSERT_EQUAL(ratelimit_stats(rl)->used, 1024);
	CU_ASSERT_EQUAL(ratelimit_stats(rl)->evicted, 100000 - 1024);
	CU_ASSERT_EQUAL(ratelimit_memory(rl), mem);
	ratelimit_free(rl);
}

/* One set of 8: the least recently used slot goes first, so a source
 * that keeps sending keeps its (empty) bucket. */
static void
test_lru(void)
{
	struct ratelimit *rl = mk(1, 2, 128, 8);
	struct in6_addr hot = A("2001:db8::1"), a = A("2001:db8:1::");

	CU_ASSERT_EQUAL(takes(rl, &hot, 10, 5), 2);
	for (int i = 0; i < 100; i++) {
		a.s6_addr[15] = (uint8_t)i;
		CU_ASSERT_TRUE(ratelimit_take(rl, &a, 1));
	}
	CU_ASSERT_FALSE(ratelimit_take(rl, &hot, 10));
	CU_ASSERT_EQUAL(ratelimit_stats(rl)->used, 8);
	ratelimit_free(rl);
}

static void
test_guard(void)
{
	struct rl_guard g;
	struct in6_addr a = A("2001:db8:1::100"), b = A("2001:db8:2::100");
	unsigned ok = 0;

	CU_ASSERT_EQUAL_FATAL(rl_guard_init(&g), 0);
	CU_ASSERT_TRUE(rl_guard_status(BA_STATUS_AUTH_FAIL));
	CU_ASSERT_TRUE(rl_guard_status(BA_STATUS_ID_MISMATCH));
	CU_ASSERT_TRUE(rl_guard_status(BA_STATUS_MESGID_REQD));
	CU_ASSERT_TRUE(rl_guard_status(BA_STATUS_SEQ_OUT_OF_WINDOW));
	CU_ASSERT_FALSE(rl_guard_status(0));
	CU_ASSERT_FALSE(rl_guard_status(BA_STATUS_NOT_HA_FOR_MN));
	for (int i = 0; i < 100; i++)
		ok += rl_guard_charge(&g, &a, 0);
	CU_ASSERT_EQUAL(ok, RL_SRC_BURST);
	CU_ASSERT_EQUAL(g.suppressed, 100 - RL_SRC_BURST);
	CU_ASSERT_FALSE(rl_guard_open(&g, &a, 0));
	CU_ASSERT_TRUE(rl_guard_open(&g, &b, 0));	/* another /64 */
	/* The global bucket: RL_ALL_BURST over many /64s. */
	ok = RL_SRC_BURST;
	for (int i = 0; i < 1000; i++) {
		b.s6_addr[6] = (uint8_t)(i >> 8);
		b.s6_addr[7] = (uint8_t)i;
		ok += rl_guard_charge(&g, &b, 0);
	}
	CU_ASSERT_EQUAL(ok, RL_ALL_BURST);
	rl_guard_free(&g);
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "bad configurations", test_bad_cfg },
		{ "burst, refill, cap", test_burst_refill },
		{ "keys by /64, /128 and global", test_keys },
		{ "a /60 key", test_odd_plen },
		{ "peek changes nothing", test_peek },
		{ "bounded table under 100000 sources", test_bounded },
		{ "least recently used slot evicted", test_lru },
		{ "the daemons' guard", test_guard },
		CU_TEST_INFO_NULL,
	};

	CU_SUITE("ratelimit", tests);
	return 0;
}
