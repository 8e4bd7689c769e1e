/*
 * dmip_client.c: libdmip's side of mnd's API socket (PROTOCOL.md E.4,
 * common/api_proto.h): one connection per request, an answer awaited
 * within a bound, so a call never hangs.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "dmip_int.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR	"/run"
#endif
#define DMIP_API_SOCKET_DEFAULT	RUNSTATEDIR "/dmip6/mnd-api.sock"
#define CONNECT_RETRY_MS	20	/* listener's queue full */

const char *
dmip_api_path(void)
{
	const char *p = getenv("DMIP_API_SOCKET");

	return p != NULL && *p != '\0' ? p : DMIP_API_SOCKET_DEFAULT;
}

int
dmip_api_timeout_ms(void)
{
	const char *s = getenv("DMIP_API_TIMEOUT");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return DMIP_API_TIMEOUT_DEFAULT_MS;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 3600000)
		return DMIP_API_TIMEOUT_DEFAULT_MS;
	return (int)v;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
left_ms(int64_t deadline)
{
	int64_t l = deadline - now_ms();

	return l > 0 ? (int)l : 0;
}

/* connect(), retried while the listener's queue is full. */
static int
connect_until(int fd, const struct sockaddr_un *sun, int64_t deadline)
{
	for (;;) {
		if (dmip_real_connect(fd, (const struct sockaddr *)sun,
		    sizeof(*sun)) == 0)
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (left_ms(deadline) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		poll(NULL, 0, CONNECT_RETRY_MS);
	}
}

int
dmip_api_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = dmip_api_path();
	int fd, e;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect_until(fd, &sun, now_ms() + dmip_api_timeout_ms()) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Wait for one answer with id; -1 (errno ETIMEDOUT, ECONNRESET, ...). */
static int
await(int fd, uint32_t id, int64_t deadline, struct api_msg *m)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t buf[API_MSG_MAX];
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n == 0) {
			errno = ECONNRESET;	/* mnd went away */
			return -1;
		}
		if (n > 0) {
			/* Anything else (an event, a stray answer) is
			 * skipped. */
			if ((size_t)n <= sizeof(buf) &&
			    api_parse_answer(buf, (size_t)n, m) == 0 &&
			    m->type == API_GETSRC_REPLY && m->id == id)
				return 0;
			continue;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (left_ms(deadline) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&pfd, 1, left_ms(deadline)) == -1 && errno != EINTR)
			return -1;
	}
}

int
dmip_api_getsrc(const struct api_getsrc *q, struct api_reply *rep)
{
	static uint32_t next_id;
	struct api_msg m = { .type = API_GETSRC };
	uint8_t buf[API_MSG_MAX];
	int64_t deadline = now_ms() + dmip_api_timeout_ms();
	ssize_t len;
	int fd, rc;

	m.id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED) ^
	    ((uint32_t)getpid() << 16);
	m.u.req = *q;
	if ((len = api_build(&m, buf, sizeof(buf))) < 0) {
		errno = EINVAL;
		return -1;
	}
	/* No socket, nobody listening, no access: no mnd for us (E.0). */
	if ((fd = dmip_api_connect()) == -1)
		return errno == ETIMEDOUT ? EAI_REQUIREDIPFAILED :
		    EAI_REQUIREDIPNOTSUPPORTED;
	if (send(fd, buf, (size_t)len, MSG_NOSIGNAL) != len)
		rc = EAI_REQUIREDIPFAILED;
	else if (await(fd, m.id, deadline, &m) == -1)
		rc = EAI_REQUIREDIPFAILED;
	else {
		*rep = m.u.rep;
		rc = 0;
	}
	close(fd);
	return rc;
}
