/*
 * test_evloop.c: fds, timers, signals and clean shutdown of the loop.
 * Assertions are about order and counts, never about elapsed time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "evloop.h"
#include "cu_main.h"

static int fds_at_start = -1;

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static int reads;

static void
on_pipe(int fd, uint32_t ev, void *arg)
{
	struct evloop *l = arg;
	char c;

	CU_ASSERT_TRUE(ev & EPOLLIN);
	CU_ASSERT_EQUAL(read(fd, &c, 1), 1);
	CU_ASSERT_EQUAL(c, 'x');
	reads++;
	evloop_break(l);
}

static void
test_fd_ready(void)
{
	struct evloop *l;
	int p[2];

	fds_at_start = count_fds();
	CU_ASSERT_TRUE_FATAL(fds_at_start > 0);
	l = evloop_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	reads = 0;
	CU_ASSERT_EQUAL(evloop_add_fd(l, p[0], EPOLLIN, on_pipe, l), 0);
	CU_ASSERT_EQUAL(evloop_add_fd(l, p[0], EPOLLIN, on_pipe, l), -1);
	CU_ASSERT_EQUAL(errno, EEXIST);
	CU_ASSERT_EQUAL(evloop_once(l, 0), 0);	/* nothing yet */
	CU_ASSERT_EQUAL(reads, 0);
	CU_ASSERT_EQUAL(write(p[1], "x", 1), 1);
	CU_ASSERT_EQUAL(evloop_run(l), 0);
	CU_ASSERT_EQUAL(reads, 1);
	CU_ASSERT_EQUAL(evloop_once(l, 0), 0);	/* drained */
	evloop_del_fd(l, p[0]);
	CU_ASSERT_EQUAL(write(p[1], "x", 1), 1);
	CU_ASSERT_EQUAL(evloop_once(l, 0), 0);	/* no longer watched */
	CU_ASSERT_EQUAL(reads, 1);
	close(p[0]);
	close(p[1]);
	evloop_free(l);
}

static uint32_t mod_events;
static int mod_calls;

static void
on_mod(int fd, uint32_t ev, void *arg)
{
	(void)fd;
	(void)arg;
	mod_events = ev;
	mod_calls++;
}

static void
test_mod_fd(void)
{
	struct evloop *l = evloop_new();
	int p[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	mod_calls = 0;
	/* A pipe's write end is never readable, but is writable. */
	CU_ASSERT_EQUAL(evloop_add_fd(l, p[1], EPOLLIN, on_mod, NULL), 0);
	CU_ASSERT_EQUAL(evloop_once(l, 0), 0);
	CU_ASSERT_EQUAL(evloop_mod_fd(l, p[1], EPOLLOUT), 0);
	CU_ASSERT_EQUAL(evloop_once(l, 0), 1);
	CU_ASSERT_EQUAL(mod_calls, 1);
	CU_ASSERT_TRUE(mod_events & EPOLLOUT);
	CU_ASSERT_EQUAL(evloop_mod_fd(l, p[0], EPOLLIN), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	evloop_del_fd(l, p[1]);
	evloop_del_fd(l, p[1]);			/* twice is harmless */
	close(p[0]);
	close(p[1]);
	evloop_free(l);
}

static struct evloop *tl;
static int order[8], norder;
static struct timer late;

static void
on_timer(struct timer *t, void *arg)
{
	int id = (int)(intptr_t)arg;

	(void)t;
	if (norder < 8)
		order[norder++] = id;
	/* The last one arms a timer from inside a timer callback. */
	if (id == 3)
		CU_ASSERT_EQUAL(evloop_timer_add(tl, &late, 0), 0);
	if (id == 4)
		evloop_break(tl);
}

static void
test_timers(void)
{
	struct timer a, b, c, never;

	tl = evloop_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(tl);
	norder = 0;
	timer_init(&a, on_timer, (void *)1);
	timer_init(&b, on_timer, (void *)2);
	timer_init(&c, on_timer, (void *)3);
	timer_init(&late, on_timer, (void *)4);
	timer_init(&never, on_timer, (void *)9);
	CU_ASSERT_EQUAL(evloop_timer_add(tl, &c, 30), 0);
	CU_ASSERT_EQUAL(evloop_timer_add(tl, &a, 5), 0);
	CU_ASSERT_EQUAL(evloop_timer_add(tl, &b, 15), 0);
	CU_ASSERT_EQUAL(evloop_timer_add(tl, &never, 10), 0);
	CU_ASSERT_TRUE(timer_is_armed(&never));
	evloop_timer_cancel(tl, &never);
	CU_ASSERT_EQUAL(evloop_run(tl), 0);
	CU_ASSERT_EQUAL(norder, 4);
	CU_ASSERT_EQUAL(order[0], 1);
	CU_ASSERT_EQUAL(order[1], 2);
	CU_ASSERT_EQUAL(order[2], 3);
	CU_ASSERT_EQUAL(order[3], 4);
	CU_ASSERT_FALSE(timer_is_armed(&never));
	CU_ASSERT_FALSE(timer_is_armed(&a));
	/* Never early: the cached clock has passed every deadline. */
	CU_ASSERT_TRUE(evloop_now_ms(tl) >= c.expiry);
	CU_ASSERT_TRUE(evloop_now_ms(tl) >= late.expiry);
	evloop_free(tl);
}

/* Equal absolute deadlines fire in the order they were armed. */
static void
test_timer_fifo(void)
{
	struct timer t[5];
	uint64_t at;

	tl = evloop_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(tl);
	norder = 0;
	at = evloop_clock_ms() + 2;
	for (int i = 0; i < 5; i++)
		timer_init(&t[i], on_timer, (void *)(intptr_t)(10 + i));
	/* Armed out of index order on purpose. */
	evloop_timer_at(tl, &t[3], at);
	evloop_timer_at(tl, &t[0], at);
	evloop_timer_at(tl, &t[4], at);
	evloop_timer_at(tl, &t[1], at);
	evloop_timer_at(tl, &t[2], at);
	/* Bounded, so a broken loop fails instead of hanging. */
	for (int i = 0; i < 100 && norder < 5; i++)
		CU_ASSERT_FATAL(evloop_once(tl, 1000) >= 0);
	CU_ASSERT_EQUAL_FATAL(norder, 5);
	CU_ASSERT_EQUAL(order[0], 13);
	CU_ASSERT_EQUAL(order[1], 10);
	CU_ASSERT_EQUAL(order[2], 14);
	CU_ASSERT_EQUAL(order[3], 11);
	CU_ASSERT_EQUAL(order[4], 12);
	evloop_free(tl);
}

/* An fd callback arms a timer; the timer breaks the loop. */
static int fd_then_timer;
static struct timer ft;

static void
on_ft_timer(struct timer *t, void *arg)
{
	(void)t;
	fd_then_timer = fd_then_timer * 10 + 2;
	evloop_break(arg);
}

static void
on_ft_fd(int fd, uint32_t ev, void *arg)
{
	char c;

	(void)ev;
	CU_ASSERT_EQUAL(read(fd, &c, 1), 1);
	fd_then_timer = fd_then_timer * 10 + 1;
	evloop_del_fd(arg, fd);			/* its own fd */
	CU_ASSERT_EQUAL(evloop_timer_add(arg, &ft, 1), 0);
}

static void
test_timer_from_fd_callback(void)
{
	struct evloop *l = evloop_new();
	int p[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	fd_then_timer = 0;
	timer_init(&ft, on_ft_timer, l);
	CU_ASSERT_EQUAL(evloop_add_fd(l, p[0], EPOLLIN, on_ft_fd, l), 0);
	CU_ASSERT_EQUAL(write(p[1], "xy", 2), 2);	/* still readable */
	CU_ASSERT_EQUAL(evloop_run(l), 0);
	/* fd once (then removed, although a byte is left), timer once. */
	CU_ASSERT_EQUAL(fd_then_timer, 12);
	close(p[0]);
	close(p[1]);
	evloop_free(l);
}

static int got_sig, nsig;

static void
on_sig(int signo, void *arg)
{
	got_sig = signo;
	nsig++;
	evloop_break(arg);
}

static void
test_signal(void)
{
	struct evloop *l = evloop_new();
	sigset_t cur;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	got_sig = nsig = 0;
	CU_ASSERT_EQUAL(evloop_on_signal(l, SIGUSR1, on_sig, l), 0);
	CU_ASSERT_EQUAL(evloop_on_signal(l, SIGHUP, on_sig, l), 0);
	CU_ASSERT_EQUAL(evloop_on_signal(l, SIGKILL, on_sig, l), -1);
	sigprocmask(SIG_SETMASK, NULL, &cur);
	CU_ASSERT_TRUE(sigismember(&cur, SIGUSR1));
	CU_ASSERT_TRUE(sigismember(&cur, SIGHUP));
	CU_ASSERT_EQUAL(raise(SIGUSR1), 0);	/* blocked: queued */
	CU_ASSERT_EQUAL(evloop_run(l), 0);
	CU_ASSERT_EQUAL(got_sig, SIGUSR1);
	CU_ASSERT_EQUAL(nsig, 1);
	CU_ASSERT_EQUAL(raise(SIGHUP), 0);
	CU_ASSERT_EQUAL(evloop_run(l), 0);
	CU_ASSERT_EQUAL(got_sig, SIGHUP);
	CU_ASSERT_EQUAL(nsig, 2);
	evloop_free(l);
	/* The mask is restored. */
	sigprocmask(SIG_SETMASK, NULL, &cur);
	CU_ASSERT_FALSE(sigismember(&cur, SIGUSR1));
	CU_ASSERT_FALSE(sigismember(&cur, SIGHUP));
}

/* A signal still pending at evloop_free() is discarded, not delivered
 * with its default action (which would kill this test program), and a
 * signal the caller had blocked before stays blocked. */
static void
test_signal_pending_at_free(void)
{
	struct evloop *l = evloop_new();
	sigset_t usr2, cur, pend;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	CU_ASSERT_EQUAL(evloop_on_signal(l, SIGUSR1, on_sig, l), 0);
	CU_ASSERT_EQUAL(evloop_on_signal(l, SIGUSR2, on_sig, l), 0);
	CU_ASSERT_EQUAL(raise(SIGUSR1), 0);
	sigpending(&pend);
	CU_ASSERT_TRUE(sigismember(&pend, SIGUSR1));
	evloop_free(l);
	sigpending(&pend);
	CU_ASSERT_FALSE(sigismember(&pend, SIGUSR1));
	sigprocmask(SIG_SETMASK, NULL, &cur);
	CU_ASSERT_FALSE(sigismember(&cur, SIGUSR1));
	CU_ASSERT_TRUE(sigismember(&cur, SIGUSR2));
	sigprocmask(SIG_UNBLOCK, &usr2, NULL);
}

/*
 * Two fds ready in one epoll batch. Whichever callback runs first
 * removes and closes the other and puts a new pipe on the very same fd
 * number. The stale event of the old fd is still in the batch: it must
 * reach neither the old callback nor the new watcher.
 */
static int fired_a, fired_b, fired_new, pa[2], pb[2], pn[2];
static struct evloop *dl;

static void
on_new(int fd, uint32_t ev, void *arg)
{
	char c;

	(void)ev;
	(void)arg;
	CU_ASSERT_EQUAL(read(fd, &c, 1), 1);
	CU_ASSERT_EQUAL(c, 'n');
	fired_new++;
}

static void
replace(int *victim)
{
	int num = victim[0];

	evloop_del_fd(dl, num);
	close(num);
	CU_ASSERT_EQUAL_FATAL(pipe(pn), 0);
	/* pipe() usually hands out the number just freed; force it. */
	if (pn[0] != num) {
		CU_ASSERT_EQUAL_FATAL(dup2(pn[0], num), num);
		close(pn[0]);
		pn[0] = num;
	}
	CU_ASSERT_EQUAL(evloop_add_fd(dl, num, EPOLLIN, on_new, NULL), 0);
	CU_ASSERT_EQUAL(write(pn[1], "n", 1), 1);
}

static void
on_a(int fd, uint32_t ev, void *arg)
{
	(void)ev;
	(void)arg;
	fired_a++;
	replace(pb);
	evloop_del_fd(dl, fd);			/* and itself */
}

static void
on_b(int fd, uint32_t ev, void *arg)
{
	(void)ev;
	(void)arg;
	fired_b++;
	replace(pa);
	evloop_del_fd(dl, fd);
}

static void
test_del_in_callback(void)
{
	dl = evloop_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dl);
	CU_ASSERT_EQUAL_FATAL(pipe(pa), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(pb), 0);
	fired_a = fired_b = fired_new = 0;
	evloop_add_fd(dl, pa[0], EPOLLIN, on_a, NULL);
	evloop_add_fd(dl, pb[0], EPOLLIN, on_b, NULL);
	CU_ASSERT_EQUAL(write(pa[1], "x", 1), 1);
	CU_ASSERT_EQUAL(write(pb[1], "x", 1), 1);
	/* One batch holding both events. */
	CU_ASSERT_EQUAL(evloop_once(dl, 0), 2);
	CU_ASSERT_EQUAL(fired_a + fired_b, 1);
	CU_ASSERT_EQUAL(fired_new, 0);		/* the stale event dropped */
	/* The next round serves the new watcher, and only it. */
	CU_ASSERT_EQUAL(evloop_once(dl, 0), 1);
	CU_ASSERT_EQUAL(fired_new, 1);
	CU_ASSERT_EQUAL(fired_a + fired_b, 1);
	evloop_del_fd(dl, pn[0]);
	CU_ASSERT_EQUAL(evloop_once(dl, 0), 0);	/* nothing left */
	close(pa[0]);
	close(pa[1]);
	close(pb[0]);
	close(pb[1]);
	close(pn[1]);
	evloop_free(dl);
}

/* evloop_break() stops the batch: the second ready fd waits. */
static int brk_calls;

static void
on_brk(int fd, uint32_t ev, void *arg)
{
	char c;

	(void)ev;
	CU_ASSERT_EQUAL(read(fd, &c, 1), 1);
	brk_calls++;
	evloop_break(arg);
}

static void
test_break(void)
{
	struct evloop *l = evloop_new();
	int p1[2], p2[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL_FATAL(pipe(p1), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(p2), 0);
	brk_calls = 0;
	evloop_add_fd(l, p1[0], EPOLLIN, on_brk, l);
	evloop_add_fd(l, p2[0], EPOLLIN, on_brk, l);
	CU_ASSERT_EQUAL(write(p1[1], "x", 1), 1);
	CU_ASSERT_EQUAL(write(p2[1], "x", 1), 1);
	CU_ASSERT_EQUAL(evloop_run(l), 0);
	CU_ASSERT_EQUAL(brk_calls, 1);
	/* The other one, now (bounded: never blocks if it was lost). */
	CU_ASSERT_EQUAL(evloop_once(l, 0), 1);
	CU_ASSERT_EQUAL(brk_calls, 2);
	CU_ASSERT_EQUAL(evloop_once(l, 0), 0);
	evloop_del_fd(l, p1[0]);
	evloop_del_fd(l, p2[0]);
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
	evloop_free(l);
}

static void
test_no_fd_leak(void)
{
	int before = count_fds();
	struct timer t;

	for (int i = 0; i < 50; i++) {
		struct evloop *l = evloop_new();

		CU_ASSERT_PTR_NOT_NULL_FATAL(l);
		CU_ASSERT_EQUAL(evloop_on_signal(l, SIGUSR1, on_sig, l), 0);
		timer_init(&t, on_timer, (void *)9);
		CU_ASSERT_EQUAL(evloop_timer_add(l, &t, 100000), 0);
		evloop_free(l);
	}
	CU_ASSERT_EQUAL(count_fds(), before);
	/* And the whole suite gave back every fd it opened. */
	CU_ASSERT_EQUAL(count_fds(), fds_at_start);
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "fd readiness through a pipe", test_fd_ready },
		{ "evloop_mod_fd", test_mod_fd },
		{ "timers fire in order, cancel, arm from callback",
		    test_timers },
		{ "equal deadlines fire FIFO", test_timer_fifo },
		{ "fd callback removes itself, arms a timer",
		    test_timer_from_fd_callback },
		{ "SIGUSR1 and SIGHUP through signalfd", test_signal },
		{ "pending signal discarded at free",
		    test_signal_pending_at_free },
		{ "stale event after del+close+reuse", test_del_in_callback },
		{ "evloop_break stops the batch", test_break },
		{ "free closes every fd", test_no_fd_leak },
		CU_TEST_INFO_NULL
	};

	CU_SUITE("evloop", tests);
	return 0;
}
