/*
 * evloop.c: epoll + timerfd + signalfd event loop (see evloop.h).
 *
 * Watchers are indexed by fd and carry a generation number that is also
 * stored in the epoll event, so an event for an fd that a callback
 * removed (or removed and reused) in the same batch is dropped instead
 * of reaching the wrong watcher.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "evloop.h"

#define EVLOOP_BATCH	64

struct watcher {
	evloop_fd_fn	 fn;		/* NULL: slot unused */
	void		*arg;
	uint32_t	 gen;
};

struct sig_handler {
	evloop_sig_fn	 fn;
	void		*arg;
};

struct evloop {
	int			 epfd;
	int			 tfd;		/* timerfd */
	int			 sfd;		/* signalfd, or -1 */
	struct watcher		*w;		/* by fd */
	size_t			 nw;
	uint32_t		 next_gen;
	struct timerheap	 timers;
	uint64_t		 tfd_armed;	/* expiry the timerfd is set to */
	uint64_t		 now;
	sigset_t		 sigs;		/* signals we took over */
	sigset_t		 oldmask;
	bool			 mask_saved;
	struct sig_handler	 sig[_NSIG];
	bool			 stop;
};

uint64_t
evloop_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
on_timerfd(int fd, uint32_t events, void *arg)
{
	struct evloop *l = arg;
	uint64_t ticks;

	(void)events;
	/* Drain; EAGAIN is fine: the deadline is re-checked below. */
	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	l->tfd_armed = UINT64_MAX;
	l->now = evloop_clock_ms();
	timerheap_run(&l->timers, l->now);
}

static void
on_signalfd(int fd, uint32_t events, void *arg)
{
	struct evloop *l = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo < _NSIG && l->sig[si.ssi_signo].fn != NULL)
			l->sig[si.ssi_signo].fn((int)si.ssi_signo,
			    l->sig[si.ssi_signo].arg);
	}
}

struct evloop *
evloop_new(void)
{
	struct evloop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->sfd = -1;
	l->tfd_armed = UINT64_MAX;
	timerheap_init(&l->timers);
	sigemptyset(&l->sigs);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->epfd == -1 || l->tfd == -1 ||
	    evloop_add_fd(l, l->tfd, EPOLLIN, on_timerfd, l) == -1) {
		evloop_free(l);
		return NULL;
	}
	l->now = evloop_clock_ms();
	return l;
}

/*
 * Discard signals of ours that are still pending: once the old mask is
 * back, a pending SIGUSR1 or SIGHUP would take its default action and
 * kill a process that is shutting down cleanly.
 */
static void
drain_signals(struct evloop *l)
{
	struct signalfd_siginfo si;

	if (l->sfd == -1)
		return;
	while (read(l->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		continue;
}

void
evloop_free(struct evloop *l)
{
	if (l == NULL)
		return;
	drain_signals(l);
	if (l->epfd != -1)
		close(l->epfd);
	if (l->tfd != -1)
		close(l->tfd);
	if (l->sfd != -1)
		close(l->sfd);
	if (l->mask_saved)
		sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
	timerheap_free(&l->timers);
	free(l->w);
	free(l);
}

static int
watchers_grow(struct evloop *l, int fd)
{
	size_t n = l->nw ? l->nw : 16;
	struct watcher *w;

	while (n <= (size_t)fd)
		n *= 2;
	if ((w = reallocarray(l->w, n, sizeof(*w))) == NULL)
		return -1;
	memset(w + l->nw, 0, (n - l->nw) * sizeof(*w));
	l->w = w;
	l->nw = n;
	return 0;
}

static uint64_t
ev_data(int fd, uint32_t gen)
{
	return ((uint64_t)gen << 32) | (uint32_t)fd;
}

int
evloop_add_fd(struct evloop *l, int fd, uint32_t events, evloop_fd_fn fn,
    void *arg)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0 || fn == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((size_t)fd >= l->nw && watchers_grow(l, fd) == -1)
		return -1;
	if (l->w[fd].fn != NULL) {
		errno = EEXIST;
		return -1;
	}
	l->w[fd].gen = ++l->next_gen;
	ev.data.u64 = ev_data(fd, l->w[fd].gen);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	l->w[fd].fn = fn;
	l->w[fd].arg = arg;
	return 0;
}

int
evloop_mod_fd(struct evloop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0 || (size_t)fd >= l->nw || l->w[fd].fn == NULL) {
		errno = ENOENT;
		return -1;
	}
	ev.data.u64 = ev_data(fd, l->w[fd].gen);
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void
evloop_del_fd(struct evloop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nw || l->w[fd].fn == NULL)
		return;
	/* The fd may already be closed; epoll then dropped it itself. */
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->w[fd].fn = NULL;
	l->w[fd].arg = NULL;
	l->w[fd].gen = 0;
}

int
evloop_timer_at(struct evloop *l, struct timer *t, uint64_t when_ms)
{
	return timerheap_add(&l->timers, t, when_ms);
}

int
evloop_timer_add(struct evloop *l, struct timer *t, uint64_t delay_ms)
{
	uint64_t now = evloop_clock_ms();

	/* Saturate: a huge delay means "never", not a wrapped past. */
	if (delay_ms > UINT64_MAX - now)
		return evloop_timer_at(l, t, UINT64_MAX);
	return evloop_timer_at(l, t, now + delay_ms);
}

void
evloop_timer_cancel(struct evloop *l, struct timer *t)
{
	timerheap_cancel(&l->timers, t);
}

uint64_t
evloop_now_ms(struct evloop *l)
{
	return l->now;
}

int
evloop_on_signal(struct evloop *l, int signo, evloop_sig_fn fn, void *arg)
{
	sigset_t one;
	int sfd;

	/* SIGKILL and SIGSTOP cannot be blocked, so never reach us. */
	if (signo <= 0 || signo >= _NSIG || signo == SIGKILL ||
	    signo == SIGSTOP || fn == NULL) {
		errno = EINVAL;
		return -1;
	}
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, l->mask_saved ? NULL :
	    &l->oldmask) == -1)
		return -1;
	l->mask_saved = true;
	sigaddset(&l->sigs, signo);
	sfd = signalfd(l->sfd, &l->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd == -1)
		return -1;
	if (l->sfd == -1) {
		l->sfd = sfd;
		if (evloop_add_fd(l, sfd, EPOLLIN, on_signalfd, l) == -1)
			return -1;
	}
	l->sig[signo].fn = fn;
	l->sig[signo].arg = arg;
	return 0;
}

/* Point the timerfd at the earliest timer, if that changed. */
static int
arm_timerfd(struct evloop *l)
{
	uint64_t next = timerheap_next(&l->timers);
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (next == l->tfd_armed)
		return 0;
	if (next != UINT64_MAX) {
		/* 0 would disarm: fire "at 1 ms" for anything already due. */
		uint64_t at = next ? next : 1;

		its.it_value.tv_sec = (time_t)(at / 1000);
		its.it_value.tv_nsec = (long)(at % 1000) * 1000000;
	}
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		return -1;
	l->tfd_armed = next;
	return 0;
}

static void
dispatch(struct evloop *l, const struct epoll_event *ev)
{
	int fd = (int)(uint32_t)ev->data.u64;
	uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
	struct watcher *w;

	if ((size_t)fd >= l->nw)
		return;
	w = &l->w[fd];
	/* Removed (or removed and reused) earlier in this batch. */
	if (w->fn == NULL || w->gen != gen)
		return;
	w->fn(fd, ev->events, w->arg);
}

int
evloop_once(struct evloop *l, int timeout_ms)
{
	struct epoll_event ev[EVLOOP_BATCH];
	int n;

	l->stop = false;
	if (arm_timerfd(l) == -1)
		return -1;
	n = epoll_wait(l->epfd, ev, EVLOOP_BATCH, timeout_ms);
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	l->now = evloop_clock_ms();
	/* After evloop_break() the rest of the batch waits: epoll is
	 * level-triggered, so it is reported again by the next round. */
	for (int i = 0; i < n && !l->stop; i++)
		dispatch(l, &ev[i]);
	return n;
}

int
evloop_run(struct evloop *l)
{
	do {
		if (evloop_once(l, -1) == -1)
			return -1;
	} while (!l->stop);
	return 0;
}

void
evloop_break(struct evloop *l)
{
	l->stop = true;
}
