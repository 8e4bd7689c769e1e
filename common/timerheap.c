/* timerheap.c: intrusive binary min-heap of timers (see timerheap.h). */
#include <stdbool.h>
#include <stdlib.h>

#include "timerheap.h"

void
timer_init(struct timer *t, timer_fn fn, void *arg)
{
	t->expiry = 0;
	t->seq = 0;
	t->index = TIMER_IDLE;
	t->fn = fn;
	t->arg = arg;
}

void
timerheap_init(struct timerheap *h)
{
	h->v = NULL;
	h->n = h->cap = 0;
	h->next_seq = 0;
	h->running_at = 0;
	h->running = false;
}

void
timerheap_free(struct timerheap *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i]->index = TIMER_IDLE;
	free(h->v);
	timerheap_init(h);
}

static bool
before(const struct timer *a, const struct timer *b)
{
	if (a->expiry != b->expiry)
		return a->expiry < b->expiry;
	return a->seq < b->seq;
}

static void
place(struct timerheap *h, struct timer *t, size_t i)
{
	h->v[i] = t;
	t->index = i;
}

static void
sift_up(struct timerheap *h, size_t i)
{
	struct timer *t = h->v[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(t, h->v[parent]))
			break;
		place(h, h->v[parent], i);
		i = parent;
	}
	place(h, t, i);
}

static void
sift_down(struct timerheap *h, size_t i)
{
	struct timer *t = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(h->v[c + 1], h->v[c]))
			c++;
		if (!before(h->v[c], t))
			break;
		place(h, h->v[c], i);
		i = c;
	}
	place(h, t, i);
}

/* Take the element at i out, keeping the heap shape. */
static void
remove_at(struct timerheap *h, size_t i)
{
	struct timer *last = h->v[--h->n];

	h->v[i]->index = TIMER_IDLE;
	if (i == h->n)
		return;
	place(h, last, i);
	if (i > 0 && before(last, h->v[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

/* Put an unarmed t into the heap with its expiry and seq as they are. */
static int
insert(struct timerheap *h, struct timer *t)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct timer **v = reallocarray(h->v, cap, sizeof(*v));

		if (v == NULL)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	place(h, t, h->n++);
	sift_up(h, t->index);
	return 0;
}

int
timerheap_add(struct timerheap *h, struct timer *t, uint64_t expiry)
{
	if (timer_is_armed(t))
		remove_at(h, t->index);
	/* From a callback, "already due" means the next run. */
	if (h->running && expiry <= h->running_at)
		expiry = h->running_at == UINT64_MAX ? UINT64_MAX :
		    h->running_at + 1;
	t->expiry = expiry;
	t->seq = h->next_seq++;
	return insert(h, t);
}

void
timerheap_cancel(struct timerheap *h, struct timer *t)
{
	if (timer_is_armed(t) && t->index < h->n && h->v[t->index] == t)
		remove_at(h, t->index);
}

uint64_t
timerheap_next(const struct timerheap *h)
{
	return h->n ? h->v[0]->expiry : UINT64_MAX;
}

size_t
timerheap_run(struct timerheap *h, uint64_t now)
{
	/* Saved, so a callback may itself call timerheap_run. */
	uint64_t saved_at = h->running_at, first_new = h->next_seq;
	bool saved_running = h->running;
	size_t fired = 0;

	h->running = true;
	h->running_at = now;
	/* A timer armed during this run (seq >= first_new) waits for the
	 * next one, even when now is UINT64_MAX and the clamp saturates. */
	while (h->n > 0 && h->v[0]->expiry <= now &&
	    h->v[0]->seq < first_new) {
		struct timer *t = h->v[0];

		remove_at(h, 0);
		fired++;
		/* Last: the callback may free the object holding t. */
		t->fn(t, t->arg);
	}
	h->running = saved_running;
	h->running_at = saved_at;
	return fired;
}

size_t
timerheap_count(const struct timerheap *h)
{
	return h->n;
}
