/*
 * dmipctl: the control tool of mnd, had and dhpd (dmipctl(8)). Sends
 * one request on the daemon's control socket and prints the answer
 * (protocol in common/ctlsock.h).
 *
 * Exit status: 0 ok, 1 the daemon answered an error, 2 usage, 3 cannot
 * connect, 4 no valid answer (timeout, connection lost, bad framing).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctlsock.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR	"/run"
#endif
#define SOCKDIR		RUNSTATEDIR "/dmip6"

enum { EX_OK = 0, EX_ERR, EX_USAGE, EX_CONNECT, EX_REPLY };

static const char *const daemons[] = { "mnd", "had", "dhpd" };
#define NDAEMONS	(sizeof(daemons) / sizeof(daemons[0]))

static int timeout_ms = 30000;

static void __attribute__((noreturn))
usage(int rc)
{
	fprintf(rc ? stderr : stdout,
	    "usage: dmipctl [-s socket | -d mnd|had|dhpd] [-j] [-t secs] "
	    "command [arg ...]\n"
	    "  -s, --socket path  the control socket\n"
	    "  -d, --daemon name  its default socket, " SOCKDIR "/name.sock\n"
	    "  -j, --json         answer as JSON\n"
	    "  -t, --timeout secs wait at most secs for the answer (30)\n"
	    "commands: help, show bindings|leases|flows|handoffs|dhps, "
	    "stats,\n"
	    "          log [quiet|normal|verbose], reload\n");
	exit(rc);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int rc, const char *fmt, ...)
{
	va_list ap;

	fputs("dmipctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(rc);
}

static int
is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Without -s or -d: the one daemon whose socket exists. */
static const char *
guess_socket(char *buf, size_t len)
{
	const char *found = NULL;

	for (size_t i = 0; i < NDAEMONS; i++) {
		snprintf(buf, len, "%s/%s.sock", SOCKDIR, daemons[i]);
		if (!is_socket(buf))
			continue;
		if (found != NULL)
			die(EX_USAGE, "several daemons run here (%s, %s): "
			    "choose one with -d", found, daemons[i]);
		found = daemons[i];
	}
	if (found == NULL)
		die(EX_CONNECT, "no daemon socket in %s (is mnd, had or "
		    "dhpd running? see -s, -d)", SOCKDIR);
	snprintf(buf, len, "%s/%s.sock", SOCKDIR, found);
	return buf;
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		die(EX_USAGE, "%s: path too long for a Unix socket", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die(EX_CONNECT, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	switch (errno) {
	case ENOENT:
		die(EX_CONNECT, "%s: no such socket (is the daemon running?)",
		    path);
	case ECONNREFUSED:
		die(EX_CONNECT, "%s: connection refused (the daemon is not "
		    "running; stale socket?)", path);
	case EACCES:
	case EPERM:
		die(EX_CONNECT, "%s: permission denied (root or the socket's "
		    "group only)", path);
	default:
		die(EX_CONNECT, "%s: %s", path, strerror(errno));
	}
}

/* "[json ]word word ...\n", checked against the protocol's limits. */
static size_t
build_request(char *req, size_t len, int json, int argc, char **argv)
{
	size_t off = 0;
	int n;

	if (json) {
		memcpy(req, "json", 4);
		off = 4;
	}
	for (int i = 0; i < argc; i++) {
		for (const char *p = argv[i]; *p; p++)
			if (*p < 0x21 || *p > 0x7e)
				die(EX_USAGE, "'%s': arguments are printable "
				    "ASCII words without spaces", argv[i]);
		if (argv[i][0] == '\0')
			die(EX_USAGE, "empty argument");
		n = snprintf(req + off, len - off, "%s%s", off ? " " : "",
		    argv[i]);
		if (n < 0 || (size_t)n >= len - off - 1)
			die(EX_USAGE, "request longer than %d bytes",
			    CTL_REQ_MAX);
		off += (size_t)n;
	}
	req[off++] = '\n';
	return off;
}

/* read() with the deadline; 0 at EOF. Exits on error or timeout. */
static size_t
read_some(int fd, char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int rc;

	for (;;) {
		rc = poll(&pfd, 1, timeout_ms);
		if (rc == 0)
			die(EX_REPLY, "no answer within %d s", timeout_ms / 1000);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == -1)
			die(EX_REPLY, "poll: %s", strerror(errno));
		if ((n = read(fd, buf, len)) >= 0)
			return (size_t)n;
		if (errno != EINTR && errno != EAGAIN)
			die(EX_REPLY, "reading the answer: %s",
			    strerror(errno));
	}
}

/* Read "ok|error LEN\n" then LEN bytes; print them. */
static int
read_answer(int fd)
{
	char buf[65536], *lf, *end;
	size_t have = 0, n, body;
	unsigned long long v;
	int ok;

	while ((lf = memchr(buf, '\n', have)) == NULL) {
		if (have >= CTL_HDR_MAX)
			die(EX_REPLY, "bad answer header");
		if ((n = read_some(fd, buf + have, sizeof(buf) - have)) == 0)
			die(EX_REPLY, "the daemon closed the connection "
			    "without answering");
		have += n;
	}
	*lf = '\0';
	if (strncmp(buf, "ok ", 3) == 0)
		ok = 1;
	else if (strncmp(buf, "error ", 6) == 0)
		ok = 0;
	else
		die(EX_REPLY, "bad answer header");
	errno = 0;
	v = strtoull(buf + (ok ? 3 : 6), &end, 10);
	if (errno || *end != '\0' || end == buf + (ok ? 3 : 6) ||
	    v > CTL_OUT_MAX)
		die(EX_REPLY, "bad answer length");
	body = (size_t)v;
	n = have - (size_t)(lf + 1 - buf);
	memmove(buf, lf + 1, n);
	if (!ok) {
		/* Errors are one short line. */
		while (n < body && n < sizeof(buf) - 1) {
			size_t room = sizeof(buf) - 1 - n, k;

			k = read_some(fd, buf + n, body - n < room ?
			    body - n : room);
			if (k == 0)
				break;
			n += k;
		}
		n = n < body ? n : body;
		buf[n] = '\0';
		fprintf(stderr, "dmipctl: %s\n", buf);
		return EX_ERR;
	}
	for (size_t done = 0; done < body;) {
		if (n > body - done)
			n = body - done;	/* never more than announced */
		if (n > 0 && fwrite(buf, 1, n, stdout) != n)
			die(EX_REPLY, "stdout: %s", strerror(errno));
		done += n;
		if (done < body && (n = read_some(fd, buf, sizeof(buf))) == 0)
			die(EX_REPLY, "answer cut short (%zu of %zu bytes)",
			    done, body);
	}
	if (fflush(stdout) == EOF)
		die(EX_REPLY, "stdout: %s", strerror(errno));
	return EX_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "daemon", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 16];
	char req[CTL_REQ_MAX];
	const char *sock = NULL, *daemon = NULL;
	int ch, json = 0, fd;
	size_t len, off;
	char *end;
	long t;

	/* '+': options end at the command (its words are its own). */
	while ((ch = getopt_long(argc, argv, "+s:d:jt:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'd':
			daemon = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 't':
			t = strtol(optarg, &end, 10);
			if (*end != '\0' || t < 1 || t > 3600)
				die(EX_USAGE, "-t: 1 to 3600 seconds");
			timeout_ms = (int)t * 1000;
			break;
		case 'h':
			usage(EX_OK);
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage(EX_USAGE);
	if (sock != NULL && daemon != NULL)
		die(EX_USAGE, "-s and -d exclude each other");
	if (daemon != NULL) {
		size_t i;

		for (i = 0; i < NDAEMONS; i++)
			if (strcmp(daemon, daemons[i]) == 0)
				break;
		if (i == NDAEMONS)
			die(EX_USAGE, "-d: mnd, had or dhpd, not '%s'", daemon);
		snprintf(path, sizeof(path), "%s/%s.sock", SOCKDIR, daemon);
		sock = path;
	} else if (sock == NULL)
		sock = guess_socket(path, sizeof(path));
	len = build_request(req, sizeof(req), json, argc, argv);

	signal(SIGPIPE, SIG_IGN);
	fd = connect_to(sock);
	for (off = 0; off < len;) {
		ssize_t n = write(fd, req + off, len - off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			die(EX_REPLY, "sending the request: %s",
			    strerror(errno));
		off += (size_t)n;
	}
	/* One request: the daemon closes once it has answered. */
	shutdown(fd, SHUT_WR);
	return read_answer(fd);
}
