/*
 * timerheap.h: timers in one binary min-heap (STYLE.md: "Timers in one
 * structure, so 100k bindings cost nothing while idle").
 *
 * Intrusive: struct timer lives inside the caller's object (a binding,
 * a lease) and records its own heap index, so arming, cancelling and
 * re-arming are O(log n) with no allocation per timer. Expiry is in
 * milliseconds of CLOCK_MONOTONIC. Equal deadlines fire in the order
 * they were armed. Pure: no syscalls, so unit tests drive it directly.
 */
#ifndef DMIP_TIMERHEAP_H
#define DMIP_TIMERHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timer;
typedef void (*timer_fn)(struct timer *, void *arg);

struct timer {
	uint64_t	 expiry;	/* ms, CLOCK_MONOTONIC */
	uint64_t	 seq;		/* arming order, breaks ties */
	size_t		 index;		/* in the heap, or TIMER_IDLE */
	timer_fn	 fn;
	void		*arg;
};

#define TIMER_IDLE	((size_t)-1)

struct timerheap {
	struct timer	**v;
	size_t		  n, cap;
	uint64_t	  next_seq;
	uint64_t	  running_at;	/* now of the run in progress */
	bool		  running;
};

void	timer_init(struct timer *, timer_fn, void *arg);
static inline bool
timer_is_armed(const struct timer *t)
{
	return t->index != TIMER_IDLE;
}

void	timerheap_init(struct timerheap *);
void	timerheap_free(struct timerheap *);	/* disarms nothing */
/* Arm (or re-arm) t for expiry; a re-armed timer goes behind the
 * others with the same expiry. -1 only when memory runs out, and t is
 * then left disarmed. */
int	timerheap_add(struct timerheap *, struct timer *, uint64_t expiry);
void	timerheap_cancel(struct timerheap *, struct timer *);
/* Earliest expiry, or UINT64_MAX when empty. */
uint64_t timerheap_next(const struct timerheap *);
/* Fire every timer due at now, earliest first. Callbacks may arm and
 * cancel any timer, including their own, and may free the object that
 * holds the timer that is firing. One armed from a callback for a time
 * already due fires 1 ms after now, in a later run, so it cannot spin.
 * Returns how many fired. */
size_t	timerheap_run(struct timerheap *, uint64_t now);
size_t	timerheap_count(const struct timerheap *);

#endif /* DMIP_TIMERHEAP_H */
