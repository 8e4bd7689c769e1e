/*
 * test_nlwatch.c: link, address and default-route events from the
 * kernel, in a private network namespace (root only; the host's
 * interfaces are never touched).
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "nlwatch.h"
#include "cu_main.h"

struct seen {
	int	lo_dumped;	/* the initial dump reported lo */
	int	v0_up;
	int	addr_added, addr_removed;
	int	route_added;
	unsigned v0;
};

static struct in6_addr want_addr, want_gw;

static void
on_event(const struct nlw_event *e, void *arg)
{
	struct seen *s = arg;

	if (e->kind == NLW_LINK && strcmp(e->ifname, "lo") == 0)
		s->lo_dumped = 1;
	if (e->kind == NLW_LINK && strcmp(e->ifname, "v0") == 0) {
		s->v0 = e->ifindex;
		if (e->up && !e->removed)
			s->v0_up = 1;
	}
	if (e->kind == NLW_ADDR && memcmp(&e->addr, &want_addr, 16) == 0 &&
	    e->plen == 64 && e->ifindex == s->v0) {
		if (e->removed)
			s->addr_removed = 1;
		else
			s->addr_added = 1;
	}
	if (e->kind == NLW_ROUTE && !e->removed &&
	    memcmp(&e->addr, &want_gw, 16) == 0 && e->ifindex == s->v0)
		s->route_added = 1;
}

static void
pump(struct nlwatch *w, int ms)
{
	struct pollfd p = { .fd = nlwatch_fd(w), .events = POLLIN };

	while (poll(&p, 1, ms) == 1)
		nlwatch_read(w);
}

/* Returns 0, or the number of the check that failed. */
static int
child(void)
{
	struct seen s;
	struct nlwatch *w;

	memset(&s, 0, sizeof(s));
	inet_pton(AF_INET6, "2001:db8:1::5", &want_addr);
	inet_pton(AF_INET6, "2001:db8:1::1", &want_gw);
	if (unshare(CLONE_NEWNET) == -1)
		return 10;
	if ((w = nlwatch_open(on_event, &s)) == NULL)
		return 11;
	if (!s.lo_dumped)
		return 12;
	if (system("ip link add v0 type veth peer name v1 && "
	    "ip link set v0 up && ip link set v1 up && "
	    "ip -6 addr add 2001:db8:1::5/64 dev v0 nodad && "
	    "ip -6 route add default via 2001:db8:1::1 dev v0") != 0)
		return 13;
	pump(w, 300);
	if (!s.v0_up)
		return 14;
	if (!s.addr_added)
		return 15;
	if (!s.route_added)
		return 16;
	if (system("ip -6 addr del 2001:db8:1::5/64 dev v0") != 0)
		return 17;
	pump(w, 300);
	if (!s.addr_removed)
		return 18;
	/* A fresh dump reports the state again. */
	s.lo_dumped = 0;
	if (nlwatch_dump(w) != 0 || !s.lo_dumped)
		return 19;
	nlwatch_close(w);
	return 0;
}

static void
test_events(void)
{
	pid_t pid = fork();
	int st = 0;

	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		_exit(child());
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fprintf(stderr, "nlwatch child failed at check %d\n",
		    WEXITSTATUS(st));
	CU_ASSERT_EQUAL(WEXITSTATUS(st), 0);
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "link/address/route events in a netns", test_events },
		CU_TEST_INFO_NULL
	};

	if (geteuid() != 0) {
		/* Only the reason; automake counts exit 77 as SKIP. */
		printf("SKIP: nlwatch needs root for a private netns\n");
		exit(77);
	}
	CU_SUITE("nlwatch", tests);
	return 0;
}
