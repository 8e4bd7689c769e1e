/*
 * evloop.h: the single-threaded event loop of every dmip6 daemon
 * (STYLE.md): epoll for file descriptors, one timerfd armed for the
 * earliest timer of a timerheap, and a signalfd, so signal handlers
 * never run asynchronously.
 */
#ifndef DMIP_EVLOOP_H
#define DMIP_EVLOOP_H

#include <stdint.h>
#include <sys/epoll.h>

#include "timerheap.h"

struct evloop;

typedef void (*evloop_fd_fn)(int fd, uint32_t events, void *arg);
typedef void (*evloop_sig_fn)(int signo, void *arg);

struct evloop	*evloop_new(void);
/* Closes the loop's own fds (epoll, timerfd, signalfd), discards
 * pending signals taken with evloop_on_signal and restores the signal
 * mask. Watched fds are the caller's to close; armed timers are simply
 * forgotten (their structs belong to the caller). */
void		 evloop_free(struct evloop *);

int	evloop_add_fd(struct evloop *, int fd, uint32_t events,
	    evloop_fd_fn, void *arg);
int	evloop_mod_fd(struct evloop *, int fd, uint32_t events);
/* Safe from inside any callback, including the fd's own. */
void	evloop_del_fd(struct evloop *, int fd);

/* Timers use the loop's timerheap, in ms of CLOCK_MONOTONIC. They fire
 * from the loop (never earlier than asked, ms granularity); callbacks
 * may arm, re-arm and cancel any timer. */
/* Arm t to fire delay_ms from now (re-arms if armed). */
int	evloop_timer_add(struct evloop *, struct timer *, uint64_t delay_ms);
/* Arm t for an absolute monotonic time in ms. */
int	evloop_timer_at(struct evloop *, struct timer *, uint64_t when_ms);
void	evloop_timer_cancel(struct evloop *, struct timer *);
/* Monotonic ms, cached for the current iteration. */
uint64_t evloop_now_ms(struct evloop *);
/* Uncached monotonic ms. */
uint64_t evloop_clock_ms(void);

/* Deliver signo through the signalfd: the signal is blocked with
 * sigprocmask, so no asynchronous handler ever runs (STYLE.md). A
 * second call for the same signo replaces the callback. */
int	evloop_on_signal(struct evloop *, int signo, evloop_sig_fn,
	    void *arg);

/* Dispatch until a callback calls evloop_break(). 0, or -1 on an
 * epoll or timerfd error. EINTR is not an error. */
int	evloop_run(struct evloop *);
/* The events left in the current epoll batch are not dispatched; with
 * level-triggered fds they are reported again by the next round. */
void	evloop_break(struct evloop *);
/* One round: wait at most timeout_ms (-1 forever), dispatch. Returns
 * the number of epoll events (0 on timeout or EINTR), or -1. */
int	evloop_once(struct evloop *, int timeout_ms);

#endif /* DMIP_EVLOOP_H */
