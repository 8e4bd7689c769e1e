/* test_evloop.c: fds, timers, signals and clean shutdown of the loop. */
#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "evloop.h"
#include "cu_main.h"

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
	struct evloop *l = evloop_new();
	int p[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	reads = 0;
	CU_ASSERT_EQUAL(evloop_add_fd(l, p[0], EPOLLIN, on_pipe, l), 0);
	CU_ASSERT_EQUAL(evloop_add_fd(l, p[0], EPOLLIN, on_pipe, l), -1);
	CU_ASSERT_EQUAL(evloop_once(l, 0), 0);	/* nothing yet */
	CU_ASSERT_EQUAL(write(p[1], "x", 1), 1);
	CU_ASSERT_EQUAL(evloop_run(l), 0);
	CU_ASSERT_EQUAL(reads, 1);
	evloop_del_fd(l, p[0]);
	close(p[0]);
	close(p[1]);
	evloop_free(l);
}

static struct evloop *tl;
static int order[4], norder;

static void
on_timer(struct timer *t, void *arg)
{
	(void)t;
	order[norder++] = (int)(intptr_t)arg;
	if (norder == 3)
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
	timer_init(&never, on_timer, (void *)9);
	evloop_timer_add(tl, &c, 30);
	evloop_timer_add(tl, &a, 5);
	evloop_timer_add(tl, &b, 15);
	evloop_timer_add(tl, &never, 10);
	evloop_timer_cancel(tl, &never);
	CU_ASSERT_EQUAL(evloop_run(tl), 0);
	CU_ASSERT_EQUAL(norder, 3);
	CU_ASSERT_EQUAL(order[0], 1);
	CU_ASSERT_EQUAL(order[1], 2);
	CU_ASSERT_EQUAL(order[2], 3);
	CU_ASSERT_FALSE(timer_is_armed(&never));
	CU_ASSERT_TRUE(evloop_now_ms(tl) >= c.expiry);
	evloop_free(tl);
}

static int got_sig;

static void
on_sig(int signo, void *arg)
{
	got_sig = signo;
	evloop_break(arg);
}

static void
test_signal(void)
{
	struct evloop *l = evloop_new();
	sigset_t cur;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	got_sig = 0;
	CU_ASSERT_EQUAL(evloop_on_signal(l, SIGUSR1, on_sig, l), 0);
	CU_ASSERT_EQUAL(evloop_on_signal(l, SIGUSR2, on_sig, l), 0);
	CU_ASSERT_EQUAL(raise(SIGUSR2), 0);	/* blocked: queued */
	CU_ASSERT_EQUAL(evloop_run(l), 0);
	CU_ASSERT_EQUAL(got_sig, SIGUSR2);
	evloop_free(l);
	/* The mask is restored. */
	sigprocmask(SIG_SETMASK, NULL, &cur);
	CU_ASSERT_FALSE(sigismember(&cur, SIGUSR1));
	CU_ASSERT_FALSE(sigismember(&cur, SIGUSR2));
}

/* Two fds ready in one batch; the first callback removes and closes
 * the second, which must then not be dispatched. */
static int fired_a, fired_b, pa[2], pb[2];
static struct evloop *dl;

static void
on_a(int fd, uint32_t ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	fired_a++;
	evloop_del_fd(dl, pb[0]);
	evloop_del_fd(dl, pa[0]);
	evloop_break(dl);
}

static void
on_b(int fd, uint32_t ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	fired_b++;
	evloop_del_fd(dl, pa[0]);
	evloop_del_fd(dl, pb[0]);
	evloop_break(dl);
}

static void
test_del_in_callback(void)
{
	dl = evloop_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dl);
	CU_ASSERT_EQUAL_FATAL(pipe(pa), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(pb), 0);
	fired_a = fired_b = 0;
	evloop_add_fd(dl, pa[0], EPOLLIN, on_a, NULL);
	evloop_add_fd(dl, pb[0], EPOLLIN, on_b, NULL);
	CU_ASSERT_EQUAL(write(pa[1], "x", 1), 1);
	CU_ASSERT_EQUAL(write(pb[1], "x", 1), 1);
	CU_ASSERT_EQUAL(evloop_run(dl), 0);
	/* Exactly one ran: whichever came first removed the other. */
	CU_ASSERT_EQUAL(fired_a + fired_b, 1);
	CU_ASSERT_EQUAL(evloop_once(dl, 0), 0);	/* nothing left */
	close(pa[0]);
	close(pa[1]);
	close(pb[0]);
	close(pb[1]);
	evloop_free(dl);
}

static void
test_no_fd_leak(void)
{
	int before = count_fds();

	for (int i = 0; i < 50; i++) {
		struct evloop *l = evloop_new();

		CU_ASSERT_PTR_NOT_NULL_FATAL(l);
		evloop_on_signal(l, SIGUSR1, on_sig, l);
		evloop_free(l);
	}
	CU_ASSERT_EQUAL(count_fds(), before);
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "fd readiness", test_fd_ready },
		{ "timers fire in order, cancel", test_timers },
		{ "signal through signalfd", test_signal },
		{ "remove fds inside a callback", test_del_in_callback },
		{ "free closes every fd", test_no_fd_leak },
		CU_TEST_INFO_NULL
	};

	CU_SUITE("evloop", tests);
	return 0;
}
