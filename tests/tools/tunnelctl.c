/*
 * tunnelctl.c: drive a tunnel backend (common/tunnel.h) from a shell
 * script, for tests/tunnel_test.sh.
 *
 *   tunnelctl probe
 *	print the backend "auto" would pick
 *   tunnelctl [-v] run BACKEND ROLE LOCAL IFNAME [TUNNAME]
 *	set up an endpoint (ROLE is mn or anchor), then execute commands
 *	read from stdin, one per line, as they arrive:
 *	    bind INNER PEER | move INNER PEER | unbind INNER |
 *	    local ADDR IFNAME | stats | teardown
 *	Each prints "ok <line>" or "error <line>: <why>" on stdout. After
 *	EOF it keeps running (the tun backend pumps packets) until SIGTERM
 *	or SIGINT; "teardown" or a signal removes everything and exits.
 *	Exit status: 0, 1 when set-up fails, 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/signalfd.h>

#include "log.h"
#include "tunnel.h"

#define LINE_MAX_LEN	512

static void
usage(void)
{
	fprintf(stderr, "usage: tunnelctl probe\n"
	    "       tunnelctl [-v] run BACKEND mn|anchor LOCAL IFNAME "
	    "[TUNNAME]\n");
	exit(2);
}

static int
addr(const char *s, struct in6_addr *a)
{
	return inet_pton(AF_INET6, s, a) == 1 ? 0 : -EINVAL;
}

static int
cmd_local(struct tunnel *t, const char *a1, const char *a2)
{
	struct in6_addr a;
	unsigned ifindex;

	if (a2 == NULL || addr(a1, &a) < 0)
		return -EINVAL;
	if ((ifindex = if_nametoindex(a2)) == 0)
		return -ENODEV;
	return tunnel_set_local(t, &a, ifindex);
}

/* One command line; 1 after teardown, else 0. */
static int
execute(struct tunnel *t, char *line)
{
	char *save = NULL, *cmd, *a1, *a2, copy[512];
	struct in6_addr x, y;
	int rc = -EINVAL;

	line[strcspn(line, "\r\n")] = '\0';
	snprintf(copy, sizeof(copy), "%s", line);
	if ((cmd = strtok_r(line, " \t", &save)) == NULL)
		return 0;
	a1 = strtok_r(NULL, " \t", &save);
	a2 = strtok_r(NULL, " \t", &save);
	if (strcmp(cmd, "teardown") == 0) {
		tunnel_close(t);
		printf("ok %s\n", copy);
		return 1;
	} else if (strcmp(cmd, "stats") == 0) {
		printf("stats encap %llu decap %llu unknown %llu bad %llu\n",
		    (unsigned long long)t->stats.encap_pkts,
		    (unsigned long long)t->stats.decap_pkts,
		    (unsigned long long)t->stats.drop_unknown,
		    (unsigned long long)t->stats.drop_bad);
		rc = 0;
	} else if (strcmp(cmd, "local") == 0 && a1 != NULL) {
		rc = cmd_local(t, a1, a2);
	} else if (a1 != NULL && addr(a1, &x) == 0) {
		if (strcmp(cmd, "unbind") == 0)
			rc = tunnel_unbind(t, &x);
		else if (a2 != NULL && addr(a2, &y) == 0 &&
		    strcmp(cmd, "bind") == 0)
			rc = tunnel_bind(t, &x, &y);
		else if (a2 != NULL && addr(a2, &y) == 0 &&
		    strcmp(cmd, "move") == 0)
			rc = tunnel_move(t, &x, &y);
	}
	if (rc < 0)
		printf("error %s: %s\n", copy, strerror(-rc));
	else
		printf("ok %s\n", copy);
	return 0;
}

static int
signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* Execute the complete lines read so far; 1 after teardown. */
static int
feed(struct tunnel *t, char *buf, size_t *len)
{
	char *nl;
	size_t used;

	while ((nl = memchr(buf, '\n', *len)) != NULL) {
		*nl = '\0';
		used = (size_t)(nl - buf) + 1;
		if (execute(t, buf) == 1)
			return 1;
		memmove(buf, buf + used, *len - used);
		*len -= used;
	}
	if (*len == LINE_MAX_LEN - 1)	/* an overlong line: drop it */
		*len = 0;
	return 0;
}

/* Commands from stdin, packets from the tunnel, until a signal. */
static int
loop(struct tunnel *t)
{
	struct pollfd pfd[3];
	char buf[LINE_MAX_LEN];
	size_t len = 0;
	ssize_t n;

	if ((pfd[0].fd = signals()) == -1)
		fatal("signalfd");
	pfd[1].fd = STDIN_FILENO;
	pfd[2].fd = tunnel_fd(t);
	pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
	for (;;) {
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents)
			break;
		if (pfd[2].revents)
			tunnel_on_readable(t);
		if (pfd[1].revents == 0)
			continue;
		n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0) {
			pfd[1].fd = -1;		/* EOF: only pump now */
			continue;
		}
		len += (size_t)n;
		if (feed(t, buf, &len) == 1)
			return 0;
	}
	tunnel_close(t);
	printf("ok exit\n");
	return 0;
}

int
main(int argc, char *argv[])
{
	enum tunnel_kind kind;
	enum tunnel_role role;
	struct tunnel_cfg cfg;
	struct in6_addr local;
	struct tunnel *t;
	unsigned ifindex;
	int verbose = 0;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		argc--, argv++;
	}
	log_init("tunnelctl", 1, verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (argc == 2 && strcmp(argv[1], "probe") == 0) {
		printf("%s\n", tunnel_kind_name(tunnel_probe()));
		return 0;
	}
	if (argc < 6 || argc > 7 || strcmp(argv[1], "run") != 0 ||
	    tunnel_kind_parse(argv[2], &kind) < 0 || addr(argv[4], &local) < 0)
		usage();
	if (strcmp(argv[3], "mn") == 0)
		role = TUNNEL_ROLE_MN;
	else if (strcmp(argv[3], "anchor") == 0)
		role = TUNNEL_ROLE_ANCHOR;
	else
		usage();
	if ((ifindex = if_nametoindex(argv[5])) == 0)
		fatal("%s", argv[5]);
	tunnel_cfg_defaults(&cfg, role, &local, ifindex);
	if (argc == 7)
		snprintf(cfg.tun_name, sizeof(cfg.tun_name), "%s", argv[6]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((t = tunnel_open(kind, &cfg)) == NULL) {
		printf("error setup\n");
		return 1;
	}
	printf("ok setup %s\n", tunnel_name(t));
	return loop(t);
}
