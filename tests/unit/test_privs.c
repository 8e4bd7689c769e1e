/*
 * test_privs.c: capability dropping (common/privs.c). In a child
 * process: after privs_drop(NET_ADMIN | NET_RAW) the effective,
 * permitted and bounding sets hold those two at most (/proc/self/status
 * agrees with capget), NoNewPrivs is set, and a capability that was
 * dropped really is gone (chown to another user fails). As root the
 * two are kept; without them (an unprivileged run) the sets are empty.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/wait.h>

#include "privs.h"
#include "cu_main.h"

#define KEEP	(PRIVS_BIT(CAP_NET_ADMIN) | PRIVS_BIT(CAP_NET_RAW))

static void
test_names(void)
{
	char b[256];

	CU_ASSERT_STRING_EQUAL(privs_names(KEEP, b, sizeof(b)),
	    "cap_net_admin,cap_net_raw");
	CU_ASSERT_STRING_EQUAL(privs_names(0, b, sizeof(b)), "none");
	CU_ASSERT_STRING_EQUAL(privs_names(PRIVS_BIT(63), b, sizeof(b)),
	    "cap_63");
	CU_ASSERT_STRING_EQUAL(privs_names(PRIVS_BIT(0), b, 4), "cap");
}

/* A hex field of /proc/self/status, or -1 (as all ones). */
static uint64_t
status_hex(const char *field)
{
	char line[256];
	unsigned long long v = ~0ULL;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return v;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 16);
	fclose(f);
	return v;
}

/* The checks, in the child; the exit status says which failed. */
static int
child(void)
{
	uint64_t eff, perm, before_perm;
	char tmp[] = "/tmp/test_privs.XXXXXX";
	int fd, rc = 0;

	if (privs_get(&eff, &before_perm) == -1)
		return 10;
	if (privs_drop(KEEP) == -1)
		return 11;
	if (privs_get(&eff, &perm) == -1)
		return 12;
	if (perm != (before_perm & KEEP) || eff != perm)
		return 13;
	if (status_hex("CapEff") != eff || status_hex("CapPrm") != perm ||
	    status_hex("CapInh") != 0)
		return 14;
	/* The bounding set is dropped where we had cap_setpcap. */
	if ((before_perm & PRIVS_BIT(CAP_SETPCAP)) &&
	    (status_hex("CapBnd") & ~KEEP) != 0)
		return 15;
	if (status_hex("NoNewPrivs") != 1)
		return 16;
	/* cap_chown is gone: giving a file away fails. */
	if ((fd = mkstemp(tmp)) == -1)
		return 17;
	if (fchown(fd, 12345, 12345) == 0 || errno != EPERM)
		rc = 18;
	close(fd);
	unlink(tmp);
	return rc;
}

static void
test_drop(void)
{
	pid_t pid = fork();
	int st;

	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		_exit(child());
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fprintf(stderr, "\n  child check %d failed\n", WEXITSTATUS(st));
	CU_ASSERT_EQUAL(WEXITSTATUS(st), 0);
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "capability names", test_names },
		{ "drop all but NET_ADMIN and NET_RAW", test_drop },
		CU_TEST_INFO_NULL,
	};

	CU_SUITE("privs", tests);
	return 0;
}
