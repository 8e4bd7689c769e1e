/*
 * test_libdmip.c: libdmip (lib/, setsc(3)) without mnd and without
 * privileges:
 *
 *   - the pure mapping (lib/dmip_prefs.c): types and flags, more than
 *     one REQUIRE bit -> EINVAL, REQUIRE + PREFER_SRC_HOME/COA -> the
 *     requirement wins, what getsockopt shows;
 *   - the interposition, linked against libdmip.so: the REQUIRE bits
 *     never reach the kernel (read back with the raw syscall);
 *   - against a fake mnd (a thread serving the API socket at
 *     DMIP_API_SOCKET): connect() and sendto() from an unbound socket
 *     ask with the destination and bind to the answer; setsc(),
 *     dmip_getsrc(), the EAI_* codes, a silent mnd bounded by
 *     DMIP_API_TIMEOUT, no mnd at all, events.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "dmip_int.h"
#include "cu_main.h"

#define HOME	DMIP_PREFER_SRC_HOME
#define COA	DMIP_PREFER_SRC_COA
#define TMP	0x0001u

/* ---- pure ----------------------------------------------------------------- */

static void
test_type_of(void)
{
	bool net;

	CU_ASSERT_EQUAL(dmip_type_of(FIXED_IPV6_ADDRESS, false, &net), 1);
	CU_ASSERT_EQUAL(dmip_type_of(GRACEFUL_REPLACEMENT_IPV6_ADDRESS, false,
	    &net), 4);
	CU_ASSERT_EQUAL(dmip_type_of(IPV6_REQUIRE_SESSION_LASTING_IP, false,
	    &net), 2);
	CU_ASSERT_EQUAL(dmip_type_of(IPV6_REQUIRE_NONPERSISTENT_IP, false,
	    &net), 3);
	CU_ASSERT_EQUAL(dmip_type_of(IPV6_REQUIRE_GRACEFUL_REPLACEMENT_IP,
	    false, &net), 4);
	CU_ASSERT_FALSE(net);
	CU_ASSERT_EQUAL(dmip_type_of(0, false, &net), -1);
	CU_ASSERT_EQUAL(dmip_type_of(5, false, &net), -1);
	CU_ASSERT_EQUAL(dmip_type_of(7, false, &net), -1);
	CU_ASSERT_EQUAL(dmip_type_of(IPV6_REQUIRE_FIXED_IP |
	    IPV6_REQUIRE_SESSION_LASTING_IP, false, &net), -1);
	CU_ASSERT_EQUAL(dmip_type_of(IPV6_REQUIRE_SRC_ON_NET, true, &net), -1);
	/* SRC_ON_NET only where it is allowed (dmip_getsrc, the option). */
	CU_ASSERT_EQUAL(dmip_type_of(IPV6_REQUIRE_FIXED_IP |
	    IPV6_REQUIRE_SRC_ON_NET, false, &net), -1);
	CU_ASSERT_EQUAL(dmip_type_of(IPV6_REQUIRE_FIXED_IP |
	    IPV6_REQUIRE_SRC_ON_NET, true, &net), 1);
	CU_ASSERT_TRUE(net);
	CU_ASSERT_EQUAL(dmip_require_bit(2), IPV6_REQUIRE_SESSION_LASTING_IP);
	CU_ASSERT_EQUAL(dmip_require_bit(0), 0);
	CU_ASSERT_EQUAL(dmip_require_bit(5), 0);
	CU_ASSERT_EQUAL(dmip_eai_of_status(API_ST_OK), 0);
	CU_ASSERT_EQUAL(dmip_eai_of_status(API_ST_NOT_SUPPORTED),
	    EAI_REQUIREDIPNOTSUPPORTED);
	CU_ASSERT_EQUAL(dmip_eai_of_status(API_ST_FAILED),
	    EAI_REQUIREDIPFAILED);
	CU_ASSERT_EQUAL(dmip_eai_of_status(API_ST_BAD_REQUEST), -1);
}

static void
test_prefs_split(void)
{
	uint32_t k, r;

	/* The E.3 values avoid every Linux bit. */
	CU_ASSERT_EQUAL(IPV6_REQUIRE_MASK & 0x0d0f, 0);
	CU_ASSERT_EQUAL(DMIP_REQUIRE_TYPES | IPV6_REQUIRE_SRC_ON_NET,
	    IPV6_REQUIRE_MASK);
	/* Plain RFC 5014: untouched. */
	CU_ASSERT_EQUAL(dmip_prefs_split(HOME | TMP, &k, &r), 0);
	CU_ASSERT_EQUAL(k, HOME | TMP);
	CU_ASSERT_EQUAL(r, 0);
	/* More than one REQUIRE bit: EINVAL. */
	CU_ASSERT_EQUAL(dmip_prefs_split(IPV6_REQUIRE_FIXED_IP |
	    IPV6_REQUIRE_NONPERSIST_IP, &k, &r), -1);
	CU_ASSERT_EQUAL(dmip_prefs_split(IPV6_REQUIRE_MASK, &k, &r), -1);
	/* REQUIRE + HOME (or COA): the requirement wins, both go. */
	CU_ASSERT_EQUAL(dmip_prefs_split(IPV6_REQUIRE_SESSION_LASTING_IP |
	    HOME | TMP, &k, &r), 0);
	CU_ASSERT_EQUAL(k, TMP);
	CU_ASSERT_EQUAL(r, IPV6_REQUIRE_SESSION_LASTING_IP);
	CU_ASSERT_EQUAL(dmip_prefs_split(IPV6_REQUIRE_FIXED_IP | COA |
	    IPV6_REQUIRE_SRC_ON_NET, &k, &r), 0);
	CU_ASSERT_EQUAL(k, 0);
	CU_ASSERT_EQUAL(r, IPV6_REQUIRE_FIXED_IP | IPV6_REQUIRE_SRC_ON_NET);
	/* ON_NET alone keeps HOME: there is no requirement. */
	CU_ASSERT_EQUAL(dmip_prefs_split(IPV6_REQUIRE_SRC_ON_NET | HOME, &k,
	    &r), 0);
	CU_ASSERT_EQUAL(k, HOME);
	CU_ASSERT_EQUAL(r, IPV6_REQUIRE_SRC_ON_NET);
	/* What getsockopt shows: the satisfied bit, not the asked one. */
	CU_ASSERT_EQUAL(dmip_prefs_merge(TMP, IPV6_REQUIRE_SESSION_LASTING_IP,
	    0), TMP);
	CU_ASSERT_EQUAL(dmip_prefs_merge(TMP, IPV6_REQUIRE_SESSION_LASTING_IP |
	    IPV6_REQUIRE_SRC_ON_NET, IPV6_REQUIRE_FIXED_IP), TMP |
	    IPV6_REQUIRE_FIXED_IP | IPV6_REQUIRE_SRC_ON_NET);
}

/* ---- a fake mnd ------------------------------------------------------------ */

enum fake_mode { FAKE_OK, FAKE_FAILED, FAKE_REFUSE, FAKE_SILENT };

static struct {
	char		path[108];
	int		lfd;
	int		stop[2];
	pthread_t	th;
	volatile int	mode;
	volatile uint8_t grant_type;	/* 0: the type asked */
	struct in6_addr	grant;
	struct api_getsrc last;
	volatile int	nreq;
	volatile int	nsub;
} F;

static void
fake_serve(int fd)
{
	uint8_t buf[API_MSG_MAX];
	struct api_msg m, r;
	ssize_t n, len;

	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0 || api_parse_request(buf, (size_t)n, &m) != 0)
		return;
	memset(&r, 0, sizeof(r));
	r.id = m.id;
	if (m.type == API_SUBSCRIBE) {
		F.nsub++;
		r.type = API_SUBSCRIBE_REPLY;
		len = api_build(&r, buf, sizeof(buf));
		(void)!send(fd, buf, (size_t)len, MSG_NOSIGNAL);
		memset(&r, 0, sizeof(r));
		r.type = API_EVENT;
		r.u.ev.event = API_EV_GRACE_START;
		r.u.ev.type = API_TYPE_GRACEFUL;
		r.u.ev.seconds = 42;
		r.u.ev.addr = F.grant;
		len = api_build(&r, buf, sizeof(buf));
		(void)!send(fd, buf, (size_t)len, MSG_NOSIGNAL);
		usleep(200000);	/* before EOF */
		return;
	}
	F.last = m.u.req;
	F.nreq++;
	if (F.mode == FAKE_SILENT) {
		usleep(1500000);
		return;
	}
	r.type = API_GETSRC_REPLY;
	r.u.rep.status = F.mode == FAKE_OK ? API_ST_OK : F.mode == FAKE_FAILED ?
	    API_ST_FAILED : API_ST_NOT_SUPPORTED;
	if (F.mode == FAKE_OK) {
		r.u.rep.type = F.grant_type ? F.grant_type : m.u.req.type;
		r.u.rep.anchor = API_ANCHOR_DHP;
		r.u.rep.lifetime = 600;
		r.u.rep.addr = F.grant;
	}
	len = api_build(&r, buf, sizeof(buf));
	(void)!send(fd, buf, (size_t)len, MSG_NOSIGNAL);
}

static void *
fake_main(void *arg)
{
	struct pollfd p[2] = { { .fd = F.lfd, .events = POLLIN },
	    { .fd = F.stop[0], .events = POLLIN } };
	int fd;

	(void)arg;
	for (;;) {
		if (poll(p, 2, -1) == -1)
			continue;
		if (p[1].revents)
			return NULL;
		if ((fd = accept(F.lfd, NULL, NULL)) == -1)
			continue;
		fake_serve(fd);
		close(fd);
	}
}

static int
fake_start(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(F.path, sizeof(F.path), "/tmp/dmip6-test-libdmip.%d.sock",
	    (int)getpid());
	unlink(F.path);
	memcpy(sun.sun_path, F.path, strlen(F.path) + 1);
	inet_pton(AF_INET6, "::1", &F.grant);
	if ((F.lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1 ||
	    bind(F.lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(F.lfd, 8) == -1 || pipe(F.stop) == -1 ||
	    pthread_create(&F.th, NULL, fake_main, NULL) != 0)
		return -1;
	setenv("DMIP_API_SOCKET", F.path, 1);
	return 0;
}

static int
fake_stop(void)
{
	(void)!write(F.stop[1], "x", 1);
	pthread_join(F.th, NULL);
	close(F.lfd);
	close(F.stop[0]);
	close(F.stop[1]);
	unlink(F.path);
	return 0;
}

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A TCP listener on [::1]:port (port returned); -1 without ::1. */
static int
listener6(uint16_t *port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
	    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	if (fd == -1 || bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(fd, 4) == -1 || getsockname(fd, (struct sockaddr *)&a,
	    &len) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin6_port);
	return fd;
}

static uint32_t
kernel_prefs(int fd)
{
	uint32_t v = 0;
	socklen_t len = sizeof(v);

	/* The raw system call: what the kernel holds, not libdmip's view. */
	if (syscall(SYS_getsockopt, fd, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES,
	    &v, &len) != 0)
		return 0xffffffffu;
	return v;
}

static uint32_t
shown_prefs(int fd)
{
	uint32_t v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, &v, &len) != 0)
		return 0xffffffffu;
	return v;
}

static void
set_prefs(int fd, uint32_t v, int want_rc)
{
	CU_ASSERT_EQUAL(setsockopt(fd, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES,
	    &v, sizeof(v)), want_rc);
}

/* ---- interposition --------------------------------------------------------- */

static void
test_strip(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0),
	    ref = socket(AF_INET6, SOCK_STREAM, 0);
	uint32_t tmp = TMP;

	CU_ASSERT_FATAL(fd >= 0 && ref >= 0);
	/* What the kernel makes of TMP alone (its default has HOME). */
	CU_ASSERT_FATAL(syscall(SYS_setsockopt, ref, IPPROTO_IPV6,
	    IPV6_ADDR_PREFERENCES, &tmp, sizeof(tmp)) == 0);
	set_prefs(fd, IPV6_REQUIRE_SESSION_LASTING_IP | HOME | TMP, 0);
	CU_ASSERT_EQUAL(kernel_prefs(fd), kernel_prefs(ref));
	CU_ASSERT_EQUAL(kernel_prefs(fd) & IPV6_REQUIRE_MASK, 0);
	CU_ASSERT_EQUAL(kernel_prefs(fd) & TMP, TMP);
	close(ref);
	/* Nothing satisfied yet: no REQUIRE bit shown. */
	CU_ASSERT_EQUAL(shown_prefs(fd) & IPV6_REQUIRE_MASK, 0);
	/* REQUIRE + COA: the requirement wins, the kernel sees no COA. */
	set_prefs(fd, IPV6_REQUIRE_FIXED_IP | COA, 0);
	CU_ASSERT_EQUAL(kernel_prefs(fd) & (COA | IPV6_REQUIRE_MASK), 0);
	set_prefs(fd, COA, 0);
	CU_ASSERT_EQUAL(kernel_prefs(fd) & COA, COA);
	set_prefs(fd, IPV6_REQUIRE_FIXED_IP | IPV6_REQUIRE_SRC_ON_NET, 0);
	CU_ASSERT_EQUAL(shown_prefs(fd) & IPV6_REQUIRE_MASK,
	    IPV6_REQUIRE_SRC_ON_NET);
	CU_ASSERT_EQUAL(kernel_prefs(fd) & IPV6_REQUIRE_MASK, 0);
	/* Two requirements: EINVAL, nothing changes. */
	errno = 0;
	set_prefs(fd, IPV6_REQUIRE_FIXED_IP | IPV6_REQUIRE_NONPERSIST_IP, -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(shown_prefs(fd) & IPV6_REQUIRE_MASK,
	    IPV6_REQUIRE_SRC_ON_NET);
	/* dmip_set_on_net() is the same switch. */
	CU_ASSERT_EQUAL(dmip_set_on_net(fd, 0), 0);
	CU_ASSERT_EQUAL(shown_prefs(fd) & IPV6_REQUIRE_MASK, 0);
	CU_ASSERT_EQUAL(dmip_set_on_net(fd, 1), 0);
	CU_ASSERT_EQUAL(shown_prefs(fd) & IPV6_REQUIRE_MASK,
	    IPV6_REQUIRE_SRC_ON_NET);
	CU_ASSERT_EQUAL(dmip_set_on_net(-1, 1), -1);
	/* Other options pass untouched. */
	CU_ASSERT_EQUAL(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 },
	    sizeof(int)), 0);
	close(fd);
	/* A new socket on the same number starts clean. */
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	CU_ASSERT_EQUAL(shown_prefs(fd) & IPV6_REQUIRE_MASK, 0);
	close(fd);
}

static void
test_bad_args(void)
{
	struct in6_addr a;
	int p[2], fd4 = socket(AF_INET, SOCK_STREAM, 0),
	    fd = socket(AF_INET6, SOCK_STREAM, 0);

	CU_ASSERT_FATAL(pipe(p) == 0 && fd >= 0 && fd4 >= 0);
	errno = 0;
	CU_ASSERT_EQUAL(setsc(fd, NULL, FIXED_IPV6_ADDRESS), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(setsc(fd, &a, (sc_type)0), -1);
	CU_ASSERT_EQUAL(setsc(fd, &a, (sc_type)5), -1);
	CU_ASSERT_EQUAL(setsc(fd, &a, (sc_type)(IPV6_REQUIRE_FIXED_IP |
	    IPV6_REQUIRE_SESSION_LASTING_IP)), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(setsc(p[0], &a, FIXED_IPV6_ADDRESS), -1);
	CU_ASSERT_EQUAL(errno, ENOTSOCK);
	CU_ASSERT_EQUAL(setsc(9999, &a, FIXED_IPV6_ADDRESS), -1);
	CU_ASSERT_EQUAL(errno, EBADF);
	CU_ASSERT_EQUAL(setsc(fd4, &a, FIXED_IPV6_ADDRESS), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(dmip_getsrc(9, NULL, &(struct sockaddr_in6){ 0 }), -1);
	CU_ASSERT_EQUAL(dmip_getsrc(1, NULL, NULL), -1);
	close(p[0]);
	close(p[1]);
	close(fd);
	close(fd4);
}

/* No mnd: NOTSUPPORTED at once, from setsc() and from connect(). */
static void
test_no_mnd(void)
{
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6,
	    .sin6_addr = IN6ADDR_LOOPBACK_INIT, .sin6_port = htons(9) };
	struct in6_addr a;
	int64_t t0 = ms_now();
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	setenv("DMIP_API_SOCKET", "/nonexistent/dmip6/mnd-api.sock", 1);
	CU_ASSERT_EQUAL(setsc(fd, &a, IPV6_REQUIRE_SESSION_LASTING_IP),
	    EAI_REQUIREDIPNOTSUPPORTED);
	CU_ASSERT_EQUAL(dmip_last_error(), EAI_REQUIREDIPNOTSUPPORTED);
	set_prefs(fd, IPV6_REQUIRE_SESSION_LASTING_IP, 0);
	errno = 0;
	CU_ASSERT_EQUAL(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), -1);
	CU_ASSERT_EQUAL(errno, EADDRNOTAVAIL);
	CU_ASSERT_EQUAL(dmip_last_error(), EAI_REQUIREDIPNOTSUPPORTED);
	CU_ASSERT(ms_now() - t0 < 1000);
	CU_ASSERT_EQUAL(dmip_event_fd(), -1);
	CU_ASSERT_EQUAL(dmip_last_error(), EAI_REQUIREDIPNOTSUPPORTED);
	close(fd);
	/* Without REQUIRE nothing asks: connect() goes to the kernel. */
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	errno = 0;
	(void)connect(fd, (struct sockaddr *)&dst, sizeof(dst));
	CU_ASSERT_NOT_EQUAL(errno, EADDRNOTAVAIL);
	close(fd);
}

static void
test_connect_asks(void)
{
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6,
	    .sin6_addr = IN6ADDR_LOOPBACK_INIT }, me;
	socklen_t len = sizeof(me);
	uint16_t port;
	int l, fd, n0;

	if ((l = listener6(&port)) == -1) {
		fprintf(stderr, "no ::1 here: skipped\n");
		return;
	}
	CU_ASSERT_FATAL(fake_start() == 0);
	F.mode = FAKE_OK;
	dst.sin6_port = htons(port);
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	set_prefs(fd, IPV6_REQUIRE_SESSION_LASTING_IP | IPV6_REQUIRE_SRC_ON_NET,
	    0);
	CU_ASSERT_EQUAL(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
	CU_ASSERT_EQUAL(F.nreq, 1);
	CU_ASSERT_EQUAL(F.last.type, API_TYPE_SESSION);
	CU_ASSERT_EQUAL(F.last.flags, API_F_ON_NET);
	CU_ASSERT_EQUAL(F.last.proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(F.last.dport, port);
	CU_ASSERT_EQUAL(F.last.pid, (uint32_t)getpid());
	CU_ASSERT_TRUE(IN6_IS_ADDR_LOOPBACK(&F.last.cn));
	CU_ASSERT_EQUAL(dmip_last_error(), 0);
	CU_ASSERT_EQUAL(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	CU_ASSERT_TRUE(IN6_IS_ADDR_LOOPBACK(&me.sin6_addr));
	/* Confirming the mode (F.18): the satisfied bit. */
	CU_ASSERT_EQUAL(shown_prefs(fd) & IPV6_REQUIRE_MASK,
	    IPV6_REQUIRE_SESSION_LASTING_IP | IPV6_REQUIRE_SRC_ON_NET);
	close(fd);

	/* The HoA instead (fallback): getsockopt says fixed. */
	F.grant_type = API_TYPE_FIXED;
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	set_prefs(fd, IPV6_REQUIRE_SESSION_LASTING_IP, 0);
	CU_ASSERT_EQUAL(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
	CU_ASSERT_EQUAL(shown_prefs(fd) & IPV6_REQUIRE_MASK,
	    IPV6_REQUIRE_FIXED_IP);
	close(fd);
	F.grant_type = 0;

	/* UDP: the first sendto() asks, the second does not. */
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	set_prefs(fd, IPV6_REQUIRE_NONPERSIST_IP, 0);
	n0 = F.nreq;
	CU_ASSERT_EQUAL(sendto(fd, "x", 1, 0, (struct sockaddr *)&dst,
	    sizeof(dst)), 1);
	CU_ASSERT_EQUAL(sendto(fd, "y", 1, 0, (struct sockaddr *)&dst,
	    sizeof(dst)), 1);
	CU_ASSERT_EQUAL(F.nreq, n0 + 1);
	CU_ASSERT_EQUAL(F.last.type, API_TYPE_NONPERSIST);
	CU_ASSERT_EQUAL(F.last.proto, IPPROTO_UDP);
	close(fd);

	/* sendmsg() likewise. */
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	set_prefs(fd, IPV6_REQUIRE_FIXED_IP, 0);
	{
		struct iovec iov = { .iov_base = "z", .iov_len = 1 };
		struct msghdr mh = { .msg_name = &dst,
		    .msg_namelen = sizeof(dst), .msg_iov = &iov,
		    .msg_iovlen = 1 };

		CU_ASSERT_EQUAL(sendmsg(fd, &mh, 0), 1);
	}
	CU_ASSERT_EQUAL(F.nreq, n0 + 2);
	CU_ASSERT_EQUAL(F.last.type, API_TYPE_FIXED);
	close(fd);

	/* Bound already: the application chose (E.0, seed 5.4). */
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	me.sin6_port = 0;
	CU_ASSERT_EQUAL(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	set_prefs(fd, IPV6_REQUIRE_SESSION_LASTING_IP, 0);
	n0 = F.nreq;
	CU_ASSERT_EQUAL(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
	CU_ASSERT_EQUAL(F.nreq, n0);
	close(fd);

	/* mnd says failed: connect() fails, dmip_last_error() says why. */
	F.mode = FAKE_FAILED;
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	set_prefs(fd, IPV6_REQUIRE_SESSION_LASTING_IP, 0);
	errno = 0;
	CU_ASSERT_EQUAL(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), -1);
	CU_ASSERT_EQUAL(errno, EADDRNOTAVAIL);
	CU_ASSERT_EQUAL(dmip_last_error(), EAI_REQUIREDIPFAILED);
	close(fd);
	F.mode = FAKE_REFUSE;
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	set_prefs(fd, IPV6_REQUIRE_FIXED_IP, 0);
	CU_ASSERT_EQUAL(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), -1);
	CU_ASSERT_EQUAL(dmip_last_error(), EAI_REQUIREDIPNOTSUPPORTED);
	close(fd);
	fake_stop();
	close(l);
}

static void
test_setsc_getsrc(void)
{
	struct sockaddr_in6 cn = { .sin6_family = AF_INET6,
	    .sin6_port = htons(443) }, out;
	struct in6_addr a;
	int64_t t0;
	int fd;

	CU_ASSERT_FATAL(fake_start() == 0);
	F.mode = FAKE_OK;
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	/* The seed's call: the flag as the type. */
	CU_ASSERT_EQUAL(setsc(fd, &a, IPV6_REQUIRE_SESSION_LASTING_IP), 0);
	CU_ASSERT_TRUE(IN6_IS_ADDR_LOOPBACK(&a));
	CU_ASSERT_EQUAL(F.last.type, API_TYPE_SESSION);
	CU_ASSERT_TRUE(IN6_IS_ADDR_UNSPECIFIED(&F.last.cn));
	CU_ASSERT_EQUAL(F.last.dport, 0);
	CU_ASSERT_EQUAL(F.last.flags, 0);
	CU_ASSERT_EQUAL(shown_prefs(fd) & IPV6_REQUIRE_MASK,
	    IPV6_REQUIRE_SESSION_LASTING_IP);
	/* ON_NET recorded for the socket travels with setsc(). */
	CU_ASSERT_EQUAL(dmip_set_on_net(fd, 1), 0);
	CU_ASSERT_EQUAL(setsc(fd, &a, FIXED_IPV6_ADDRESS), 0);
	CU_ASSERT_EQUAL(F.last.type, API_TYPE_FIXED);
	CU_ASSERT_EQUAL(F.last.flags, API_F_ON_NET);
	F.mode = FAKE_REFUSE;
	CU_ASSERT_EQUAL(setsc(fd, &a, FIXED_IPV6_ADDRESS),
	    EAI_REQUIREDIPNOTSUPPORTED);
	F.mode = FAKE_FAILED;
	CU_ASSERT_EQUAL(setsc(fd, &a, GRACEFUL_REPLACEMENT_IPV6_ADDRESS),
	    EAI_REQUIREDIPFAILED);
	CU_ASSERT_EQUAL(dmip_last_error(), EAI_REQUIREDIPFAILED);
	/* dmip_getsrc() with a destination. */
	F.mode = FAKE_OK;
	inet_pton(AF_INET6, "2001:db8:c1::1", &cn.sin6_addr);
	CU_ASSERT_EQUAL(dmip_getsrc(IPV6_REQUIRE_NONPERSIST_IP |
	    IPV6_REQUIRE_SRC_ON_NET, &cn, &out), 0);
	CU_ASSERT_EQUAL(out.sin6_family, AF_INET6);
	CU_ASSERT_EQUAL(out.sin6_port, 0);
	CU_ASSERT_TRUE(IN6_IS_ADDR_LOOPBACK(&out.sin6_addr));
	CU_ASSERT_EQUAL(F.last.type, API_TYPE_NONPERSIST);
	CU_ASSERT_EQUAL(F.last.flags, API_F_ON_NET);
	CU_ASSERT_EQUAL(F.last.dport, 443);
	CU_ASSERT_EQUAL(memcmp(&F.last.cn, &cn.sin6_addr, 16), 0);
	/* A silent mnd: the bound, then EAI_REQUIREDIPFAILED. */
	F.mode = FAKE_SILENT;
	setenv("DMIP_API_TIMEOUT", "300", 1);
	t0 = ms_now();
	CU_ASSERT_EQUAL(setsc(fd, &a, SESSION_LASTING_IPV6_ADDRESS),
	    EAI_REQUIREDIPFAILED);
	CU_ASSERT(ms_now() - t0 >= 290 && ms_now() - t0 < 1200);
	unsetenv("DMIP_API_TIMEOUT");
	close(fd);
	fake_stop();
}

static void
test_events(void)
{
	struct dmip_event ev;
	struct pollfd p;
	int fd;

	CU_ASSERT_FATAL(fake_start() == 0);
	F.mode = FAKE_OK;
	fd = dmip_event_fd();
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(dmip_event_fd(), fd);	/* once per process */
	CU_ASSERT_EQUAL(F.nsub, 1);
	p.fd = fd;
	p.events = POLLIN;
	CU_ASSERT_EQUAL(poll(&p, 1, 2000), 1);
	CU_ASSERT_EQUAL(dmip_next_event(&ev), 1);
	CU_ASSERT_EQUAL(ev.type, DMIP_EVENT_GRACE_START);
	CU_ASSERT_EQUAL(ev.addressType, GRACEFUL_REPLACEMENT_IPV6_ADDRESS);
	CU_ASSERT_EQUAL(ev.grace_s, 42);
	CU_ASSERT_TRUE(IN6_IS_ADDR_LOOPBACK(&ev.addr));
	/* The fake closes: nothing waits, then the subscription is lost. */
	CU_ASSERT_EQUAL(poll(&p, 1, 2000), 1);
	CU_ASSERT_EQUAL(dmip_next_event(&ev), -1);
	CU_ASSERT_EQUAL(dmip_next_event(&ev), -1);
	CU_ASSERT_EQUAL(errno, ENOTCONN);
	dmip_event_close();
	fake_stop();
}

static int
cu_register(void)
{
	static const CU_TestInfo pure[] = {
		{ "types and flags", test_type_of },
		{ "IPV6_ADDR_PREFERENCES split (E.3)", test_prefs_split },
		CU_TEST_INFO_NULL,
	};
	static const CU_TestInfo wrap[] = {
		{ "REQUIRE bits never reach the kernel", test_strip },
		{ "bad arguments", test_bad_args },
		{ "no mnd: NOTSUPPORTED at once", test_no_mnd },
		{ "connect/sendto/sendmsg ask and bind", test_connect_asks },
		{ "setsc, dmip_getsrc, the bound", test_setsc_getsrc },
		{ "events", test_events },
		CU_TEST_INFO_NULL,
	};

	CU_SUITE("libdmip mapping", pure);
	CU_SUITE("libdmip interposition", wrap);
	return 0;
}
