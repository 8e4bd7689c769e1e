/*
 * test_timerheap.c: ordering, FIFO ties, cancel, re-arm from callbacks,
 * random operations against a reference model, and 10^6 timers.
 * Correctness only; nothing here measures time.
 */
#include <stdlib.h>
#include <string.h>

#include "timerheap.h"
#include "cu_main.h"

/* Fixed-seed xorshift64: every run sees the same "random" deadlines. */
static uint64_t rng;

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
	int		fires;
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
	r->fires++;
	if (t->expiry < last_expiry)
		order_ok = 0;
	last_expiry = t->expiry;
}

static void
reset(void)
{
	rng = 88172645463325252ULL;
	nfired = 0;
	last_expiry = 0;
	order_ok = 1;
	memset(fired, 0, sizeof(fired));
}

/* Heap order, and every element knows its own index. */
static int
heap_ok(const struct timerheap *h)
{
	for (size_t i = 0; i < h->n; i++) {
		const struct timer *t = h->v[i], *p;

		if (t->index != i)
			return 0;
		if (i == 0)
			continue;
		p = h->v[(i - 1) / 2];
		if (p->expiry > t->expiry ||
		    (p->expiry == t->expiry && p->seq > t->seq))
			return 0;
	}
	return 1;
}

static void
test_random_order(void)
{
	const int n = 5000;
	struct timerheap h;
	struct rec *r = calloc((size_t)n, sizeof(*r));
	size_t due = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	reset();
	timerheap_init(&h);
	CU_ASSERT_EQUAL(timerheap_next(&h), UINT64_MAX);
	for (int i = 0; i < n; i++) {
		uint64_t e = xorshift() % 100000;

		r[i].id = i;
		due += e <= 49999;
		timer_init(&r[i].t, record, &r[i]);
		CU_ASSERT_FALSE(timer_is_armed(&r[i].t));
		CU_ASSERT_EQUAL(timerheap_add(&h, &r[i].t, e), 0);
		CU_ASSERT_TRUE(timer_is_armed(&r[i].t));
	}
	CU_ASSERT_TRUE(heap_ok(&h));
	CU_ASSERT_EQUAL(timerheap_count(&h), (size_t)n);
	CU_ASSERT_EQUAL(timerheap_run(&h, 49999), due);
	CU_ASSERT_EQUAL((size_t)nfired, due);
	CU_ASSERT_TRUE(timerheap_next(&h) >= 50000);
	CU_ASSERT_EQUAL(timerheap_run(&h, UINT64_MAX - 1), (size_t)n - due);
	CU_ASSERT_EQUAL(nfired, n);
	CU_ASSERT_TRUE(order_ok);
	CU_ASSERT_EQUAL(timerheap_next(&h), UINT64_MAX);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_FALSE(timer_is_armed(&r[i].t));
		CU_ASSERT_EQUAL(r[i].fires, 1);
	}
	timerheap_free(&h);
	free(r);
}

static void
test_fifo_ties(void)
{
	struct timerheap h;
	struct rec r[10];

	reset();
	memset(r, 0, sizeof(r));
	timerheap_init(&h);
	for (int i = 0; i < 10; i++) {
		r[i].id = i;
		timer_init(&r[i].t, record, &r[i]);
		timerheap_add(&h, &r[i].t, 500);
	}
	/* Re-arming for the same deadline goes to the back of the line. */
	timerheap_add(&h, &r[3].t, 500);
	CU_ASSERT_EQUAL(timerheap_next(&h), 500);
	CU_ASSERT_EQUAL(timerheap_run(&h, 499), 0);
	CU_ASSERT_EQUAL(timerheap_run(&h, 500), 10);
	for (int i = 0, want = 0; i < 9; i++, want++) {
		if (want == 3)
			want++;
		CU_ASSERT_EQUAL(fired[i], want);
	}
	CU_ASSERT_EQUAL(fired[9], 3);
	timerheap_free(&h);
}

static void
test_cancel(void)
{
	struct timerheap h;
	struct rec r[7];

	reset();
	memset(r, 0, sizeof(r));
	timerheap_init(&h);
	for (int i = 0; i < 7; i++) {
		r[i].id = i;
		timer_init(&r[i].t, record, &r[i]);
		timerheap_add(&h, &r[i].t, (uint64_t)(10 * (i + 1)));
	}
	/* Ascending inserts: heap slot i holds r[i]. */
	CU_ASSERT_EQUAL(r[0].t.index, 0);
	CU_ASSERT_EQUAL(r[6].t.index, 6);
	timerheap_cancel(&h, &r[6].t);		/* last slot */
	CU_ASSERT_TRUE(heap_ok(&h));
	CU_ASSERT_EQUAL(r[3].t.index, 3);	/* not moved by the above */
	timerheap_cancel(&h, &r[3].t);		/* middle */
	CU_ASSERT_TRUE(heap_ok(&h));
	CU_ASSERT_EQUAL(r[0].t.index, 0);
	timerheap_cancel(&h, &r[0].t);		/* head */
	CU_ASSERT_TRUE(heap_ok(&h));
	timerheap_cancel(&h, &r[6].t);		/* twice is harmless */
	CU_ASSERT_FALSE(timer_is_armed(&r[0].t));
	CU_ASSERT_FALSE(timer_is_armed(&r[3].t));
	CU_ASSERT_FALSE(timer_is_armed(&r[6].t));
	CU_ASSERT_EQUAL(timerheap_count(&h), 4);
	CU_ASSERT_EQUAL(timerheap_next(&h), 20);
	/* Re-arming moves a timer instead of adding it twice. */
	timerheap_add(&h, &r[1].t, 1000);
	CU_ASSERT_TRUE(heap_ok(&h));
	CU_ASSERT_EQUAL(timerheap_count(&h), 4);
	CU_ASSERT_EQUAL(timerheap_next(&h), 30);
	CU_ASSERT_EQUAL(timerheap_run(&h, 2000), 4);
	CU_ASSERT_EQUAL(fired[0], 2);
	CU_ASSERT_EQUAL(fired[1], 4);
	CU_ASSERT_EQUAL(fired[2], 5);
	CU_ASSERT_EQUAL(fired[3], 1);
	CU_ASSERT_EQUAL(r[0].fires + r[3].fires + r[6].fires, 0);
	timerheap_free(&h);
}

static struct timerheap cb_heap;
static struct rec cb_r[4];
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
	/* Arms another timer for "already due": it waits a run too. */
	timerheap_add(&cb_heap, &cb_r[3].t, 0);
}

static void
test_callbacks_modify(void)
{
	reset();
	memset(cb_r, 0, sizeof(cb_r));
	self_rearms = 0;
	timerheap_init(&cb_heap);
	timer_init(&cb_r[0].t, rearm_self, NULL);
	timer_init(&cb_r[1].t, cancel_other, NULL);
	cb_r[2].id = 2;
	timer_init(&cb_r[2].t, record, &cb_r[2]);
	cb_r[3].id = 3;
	timer_init(&cb_r[3].t, record, &cb_r[3]);
	timerheap_add(&cb_heap, &cb_r[0].t, 5);
	timerheap_add(&cb_heap, &cb_r[1].t, 6);
	timerheap_add(&cb_heap, &cb_r[2].t, 7);
	CU_ASSERT_EQUAL(timerheap_run(&cb_heap, 10), 2);
	CU_ASSERT_EQUAL(self_rearms, 1);
	CU_ASSERT_EQUAL(nfired, 0);		/* 2 cancelled, 3 deferred */
	CU_ASSERT_FALSE(timer_is_armed(&cb_r[2].t));
	CU_ASSERT_TRUE(timer_is_armed(&cb_r[0].t));
	CU_ASSERT_EQUAL(cb_r[0].t.expiry, 11);	/* 1 ms after that run */
	CU_ASSERT_EQUAL(cb_r[3].t.expiry, 11);
	/* Both at 11: FIFO, so 0 (re-armed first) before 3. */
	CU_ASSERT_EQUAL(timerheap_run(&cb_heap, 11), 2);
	CU_ASSERT_EQUAL(nfired, 1);
	CU_ASSERT_EQUAL(fired[0], 3);
	CU_ASSERT_EQUAL(cb_r[0].t.expiry, 12);
	CU_ASSERT_EQUAL(timerheap_run(&cb_heap, 12), 1);
	CU_ASSERT_EQUAL(self_rearms, 3);
	CU_ASSERT_EQUAL(timerheap_count(&cb_heap), 0);
	timerheap_free(&cb_heap);
}

/* A callback may free the object its timer lives in (ASan checks). */
static void
free_self(struct timer *t, void *arg)
{
	(void)arg;
	nfired++;
	free(t);
}

static void
test_callback_frees_owner(void)
{
	struct timerheap h;

	reset();
	timerheap_init(&h);
	for (int i = 0; i < 3; i++) {
		struct timer *t = malloc(sizeof(*t));

		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		timer_init(t, free_self, NULL);
		timerheap_add(&h, t, 100);
	}
	CU_ASSERT_EQUAL(timerheap_run(&h, 100), 3);
	CU_ASSERT_EQUAL(nfired, 3);
	CU_ASSERT_EQUAL(timerheap_count(&h), 0);
	timerheap_free(&h);
}

/* At the very end of time the "+1 ms" clamp saturates; a timer that
 * re-arms itself must still wait for the next run. */
static void
test_saturated_clock(void)
{
	reset();
	self_rearms = 0;
	timerheap_init(&cb_heap);
	timer_init(&cb_r[0].t, rearm_self, NULL);
	timerheap_add(&cb_heap, &cb_r[0].t, UINT64_MAX);
	CU_ASSERT_EQUAL(timerheap_run(&cb_heap, UINT64_MAX), 1);
	CU_ASSERT_TRUE(timer_is_armed(&cb_r[0].t));
	CU_ASSERT_EQUAL(cb_r[0].t.expiry, UINT64_MAX);
	CU_ASSERT_EQUAL(timerheap_run(&cb_heap, UINT64_MAX), 1);
	CU_ASSERT_EQUAL(timerheap_run(&cb_heap, UINT64_MAX), 1);
	CU_ASSERT_EQUAL(self_rearms, 3);
	CU_ASSERT_FALSE(timer_is_armed(&cb_r[0].t));
	timerheap_free(&cb_heap);
}

/* Random add / re-arm / cancel / run against a plain array model. */
static void
test_random_ops(void)
{
	enum { N = 300, OPS = 30000 };
	struct timerheap h;
	static struct rec r[N];
	static uint64_t model[N];	/* expiry, or UINT64_MAX: idle */
	uint64_t now = 0;
	int bad = 0;

	reset();
	memset(r, 0, sizeof(r));
	timerheap_init(&h);
	for (int i = 0; i < N; i++) {
		r[i].id = i;
		timer_init(&r[i].t, record, &r[i]);
		model[i] = UINT64_MAX;
	}
	for (int op = 0; op < OPS; op++) {
		int i = (int)(xorshift() % N);
		size_t armed = 0, due = 0, got;

		switch (xorshift() % 4) {
		case 0:
		case 1:
			model[i] = now + xorshift() % 50;
			timerheap_add(&h, &r[i].t, model[i]);
			break;
		case 2:
			model[i] = UINT64_MAX;
			timerheap_cancel(&h, &r[i].t);
			break;
		default:
			now += xorshift() % 20;
			for (int j = 0; j < N; j++)
				due += model[j] <= now;
			last_expiry = 0;
			got = timerheap_run(&h, now);
			bad += got != due;
			for (int j = 0; j < N; j++)
				if (model[j] <= now)
					model[j] = UINT64_MAX;
			break;
		}
		for (int j = 0; j < N; j++) {
			armed += model[j] != UINT64_MAX;
			bad += timer_is_armed(&r[j].t) !=
			    (model[j] != UINT64_MAX);
		}
		bad += armed != timerheap_count(&h);
		bad += !heap_ok(&h);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(order_ok);
	CU_ASSERT_TRUE(nfired > 1000);
	timerheap_free(&h);
}

static void
count_only(struct timer *t, void *arg)
{
	struct rec *r = arg;

	if (t->expiry < last_expiry)
		order_ok = 0;
	last_expiry = t->expiry;
	r->fires++;
	nfired++;
}

/* Correctness at the scale of 10^6 bindings (no timing): exactly 500k
 * cancelled at random, the other 500k each fire once, in order. */
static void
test_million(void)
{
	const size_t n = 1000000, ncancel = 500000;
	struct timerheap h;
	struct rec *r = calloc(n, sizeof(*r));
	size_t *perm = malloc(n * sizeof(*perm));
	size_t wrong = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(perm);
	reset();
	timerheap_init(&h);
	for (size_t i = 0; i < n; i++) {
		perm[i] = i;
		timer_init(&r[i].t, count_only, &r[i]);
		if (timerheap_add(&h, &r[i].t, xorshift() % 1000000000) != 0)
			CU_FAIL_FATAL("timerheap_add");
	}
	CU_ASSERT_EQUAL(timerheap_count(&h), n);
	/* Partial Fisher-Yates: perm[0..ncancel) is a random subset. */
	for (size_t i = 0; i < ncancel; i++) {
		size_t j = i + (size_t)(xorshift() % (n - i)), tmp = perm[i];

		perm[i] = perm[j];
		perm[j] = tmp;
		timerheap_cancel(&h, &r[perm[i]].t);
		r[perm[i]].id = -1;	/* mark cancelled */
	}
	CU_ASSERT_EQUAL(timerheap_count(&h), n - ncancel);
	CU_ASSERT_TRUE(heap_ok(&h));
	CU_ASSERT_EQUAL(timerheap_run(&h, UINT64_MAX - 1), n - ncancel);
	CU_ASSERT_EQUAL((size_t)nfired, n - ncancel);
	CU_ASSERT_TRUE(order_ok);
	for (size_t i = 0; i < n; i++)
		wrong += r[i].fires != (r[i].id == -1 ? 0 : 1);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(timerheap_count(&h), 0);
	timerheap_free(&h);
	free(perm);
	free(r);
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "5000 random deadlines fire in order", test_random_order },
		{ "equal deadlines fire FIFO", test_fifo_ties },
		{ "cancel head/middle/last, re-arm", test_cancel },
		{ "callbacks re-arm and cancel", test_callbacks_modify },
		{ "callback frees its owner", test_callback_frees_owner },
		{ "self re-arm at UINT64_MAX", test_saturated_clock },
		{ "30000 random ops vs a model", test_random_ops },
		{ "10^6 timers, 500k cancelled", test_million },
		CU_TEST_INFO_NULL
	};

	CU_SUITE("timerheap", tests);
	return 0;
}
