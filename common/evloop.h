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
/* Closes the loop's own fds and restores the signal mask. Watched fds
 * are the caller's to close. */
void		 evloop_free(struct evloop *);

int	evloop_add_fd(struct evloop *, int fd, uint32_t events,
	    evloop_fd_fn, void *arg);
int	evloop_mod_fd(struct evloop *, int fd, uint32_t events);
/* Safe from inside any callback, including the fd's own. */
void	evloop_del_fd(struct evloop *, int fd);

/* Arm t to fire delay_ms from now (re-arms if armed). */
int	evloop_timer_add(struct evloop *, struct timer *, uint64_t delay_ms);
/* Arm t for an absolute monotonic time in ms. */
int	evloop_timer_at(struct evloop *, struct timer *, uint64_t when_ms);
void	evloop_timer_cancel(struct evloop *, struct timer *);
/* Monotonic ms, cached for the current iteration. */
uint64_t evloop_now_ms(struct evloop *);
/* Uncached monotonic ms. */
uint64_t evloop_clock_ms(void);

/* Deliver signo through the signalfd (the signal is blocked). */
int	evloop_on_signal(struct evloop *, int signo, evloop_sig_fn,
	    void *arg);

/* Dispatch until evloop_break(). 0, or -1 on an epoll error. */
int	evloop_run(struct evloop *);
void	evloop_break(struct evloop *);
/* One round: wait at most timeout_ms (-1 forever), dispatch. */
int	evloop_once(struct evloop *, int timeout_ms);

#endif /* DMIP_EVLOOP_H */
