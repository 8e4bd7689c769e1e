/* test_timerheap.c: ordering, ties, cancel, re-arm, 10^6 timers. */
#include <stdlib.h>
#include <string.h>

#include "timerheap.h"
#include "cu_main.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct rec {
	struct timer	t;
	int		id;
};

static int	fired[64];
static int	nfired;
static uint64_t	last_expiry;
static int	order_ok;

static void
record(struct timer *t, void *arg)
{
	struct rec *r = arg;

	if (nfired < 64)
		fired[nfired] = r->id;
	nfired++;
	if (t->expiry < last_expiry)
		order_ok = 0;
	last_expiry = t->expiry;
}

static void
reset(void)
{
	nfired = 0;
	last_expiry = 0;
	order_ok = 1;
	memset(fired, 0, sizeof(fired));
}

static void
test_random_order(void)
{
	struct timerheap h;
	struct rec *r = calloc(5000, sizeof(*r));

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	reset();
	timerheap_init(&h);
	for (int i = 0; i < 5000; i++) {
		r[i].id = i;
		timer_init(&r[i].t, record, &r[i]);
		CU_ASSERT_EQUAL(timerheap_add(&h, &r[i].t, xorshift() % 100000),
		    0);
	}
	CU_ASSERT_EQUAL(timerheap_count(&h), 5000);
	CU_ASSERT_EQUAL(timerheap_run(&h, 49999), (size_t)nfired);
	CU_ASSERT_TRUE(nfired > 2000 && nfired < 3000);
	CU_ASSERT_TRUE(timerheap_next(&h) >= 50000);
	{
		size_t before = (size_t)nfired;

		CU_ASSERT_EQUAL(timerheap_run(&h, UINT64_MAX - 1), 5000 - before);
	}
	CU_ASSERT_EQUAL(nfired, 5000);
	CU_ASSERT_TRUE(order_ok);
	CU_ASSERT_EQUAL(timerheap_next(&h), UINT64_MAX);
	for (int i = 0; i < 5000; i++)
		CU_ASSERT_FALSE(timer_is_armed(&r[i].t));
	timerheap_free(&h);
	free(r);
}

static void
test_fifo_ties(void)
{
	struct timerheap h;
	struct rec r[10];

	reset();
	timerheap_init(&h);
	for (int i = 0; i < 10; i++) {
		r[i].id = i;
		timer_init(&r[i].t, record, &r[i]);
		timerheap_add(&h, &r[i].t, 500);
	}
	CU_ASSERT_EQUAL(timerheap_next(&h), 500);
	CU_ASSERT_EQUAL(timerheap_run(&h, 499), 0);
	CU_ASSERT_EQUAL(timerheap_run(&h, 500), 10);
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(fired[i], i);
	timerheap_free(&h);
}

static void
test_cancel(void)
{
	struct timerheap h;
	struct rec r[7];

	reset();
	timerheap_init(&h);
	for (int i = 0; i < 7; i++) {
		r[i].id = i;
		timer_init(&r[i].t, record, &r[i]);
		timerheap_add(&h, &r[i].t, (uint64_t)(10 * (i + 1)));
	}
	timerheap_cancel(&h, &r[0].t);		/* head */
	timerheap_cancel(&h, &r[3].t);		/* middle */
	timerheap_cancel(&h, &r[6].t);		/* last */
	timerheap_cancel(&h, &r[6].t);		/* twice is harmless */
	CU_ASSERT_FALSE(timer_is_armed(&r[3].t));
	CU_ASSERT_EQUAL(timerheap_count(&h), 4);
	CU_ASSERT_EQUAL(timerheap_next(&h), 20);
	/* Re-arming moves a timer instead of adding it twice. */
	timerheap_add(&h, &r[1].t, 1000);
	CU_ASSERT_EQUAL(timerheap_count(&h), 4);
	CU_ASSERT_EQUAL(timerheap_run(&h, 2000), 4);
	CU_ASSERT_EQUAL(fired[0], 2);
	CU_ASSERT_EQUAL(fired[1], 4);
	CU_ASSERT_EQUAL(fired[2], 5);
	CU_ASSERT_EQUAL(fired[3], 1);
	timerheap_free(&h);
}

static struct timerheap cb_heap;
static struct rec cb_r[3];
static int self_rearms;

static void
rearm_self(struct timer *t, void *arg)
{
	(void)arg;
	self_rearms++;
	/* Due at once: must wait for the next run, not spin. */
	if (self_rearms < 3)
		timerheap_add(&cb_heap, t, t->expiry);
}

static void
cancel_other(struct timer *t, void *arg)
{
	(void)t;
	(void)arg;
	timerheap_cancel(&cb_heap, &cb_r[2].t);
}

static void
test_callbacks_modify(void)
{
	reset();
	self_rearms = 0;
	timerheap_init(&cb_heap);
	timer_init(&cb_r[0].t, rearm_self, NULL);
	timer_init(&cb_r[1].t, cancel_other, NULL);
	cb_r[2].id = 2;
	timer_init(&cb_r[2].t, record, &cb_r[2]);
	timerheap_add(&cb_heap, &cb_r[0].t, 5);
	timerheap_add(&cb_heap, &cb_r[1].t, 6);
	timerheap_add(&cb_heap, &cb_r[2].t, 7);
	CU_ASSERT_EQUAL(timerheap_run(&cb_heap, 10), 2);
	CU_ASSERT_EQUAL(self_rearms, 1);
	CU_ASSERT_EQUAL(nfired, 0);		/* cancelled before its turn */
	CU_ASSERT_TRUE(timer_is_armed(&cb_r[0].t));
	CU_ASSERT_EQUAL(cb_r[0].t.expiry, 11);	/* 1 ms after that run */
	CU_ASSERT_EQUAL(timerheap_run(&cb_heap, 11), 1);
	CU_ASSERT_EQUAL(cb_r[0].t.expiry, 12);
	CU_ASSERT_EQUAL(timerheap_run(&cb_heap, 12), 1);
	CU_ASSERT_EQUAL(self_rearms, 3);
	CU_ASSERT_EQUAL(timerheap_count(&cb_heap), 0);
	timerheap_free(&cb_heap);
}

static void
count_only(struct timer *t, void *arg)
{
	uint64_t *prev = arg;

	(void)prev;
	if (t->expiry < last_expiry)
		order_ok = 0;
	last_expiry = t->expiry;
	nfired++;
}

/* Correctness at the scale of 10^6 bindings (no timing). */
static void
test_million(void)
{
	const size_t n = 1000000;
	struct timerheap h;
	struct timer *t = malloc(n * sizeof(*t));
	size_t cancelled = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	reset();
	timerheap_init(&h);
	for (size_t i = 0; i < n; i++) {
		timer_init(&t[i], count_only, NULL);
		if (timerheap_add(&h, &t[i], xorshift() % 1000000000) != 0)
			CU_FAIL_FATAL("timerheap_add");
	}
	for (size_t i = 0; i < n / 2; i++) {
		struct timer *c = &t[xorshift() % n];

		if (timer_is_armed(c)) {
			timerheap_cancel(&h, c);
			cancelled++;
		}
	}
	CU_ASSERT_EQUAL(timerheap_count(&h), n - cancelled);
	CU_ASSERT_EQUAL(timerheap_run(&h, UINT64_MAX - 1), n - cancelled);
	CU_ASSERT_EQUAL((size_t)nfired, n - cancelled);
	CU_ASSERT_TRUE(order_ok);
	CU_ASSERT_TRUE(cancelled > n / 3);
	timerheap_free(&h);
	free(t);
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "5000 random deadlines fire in order", test_random_order },
		{ "equal deadlines fire FIFO", test_fifo_ties },
		{ "cancel head/middle/last, re-arm", test_cancel },
		{ "callbacks re-arm and cancel", test_callbacks_modify },
		{ "10^6 timers, half cancelled", test_million },
		CU_TEST_INFO_NULL
	};

	CU_SUITE("timerheap", tests);
	return 0;
}
