/*
 * dmip_wrap.c: libdmip's public functions (setsc(3)) and the calls it
 * interposes, linked in or through LD_PRELOAD (PROTOCOL.md E.0, E.4):
 *
 *   setsockopt/getsockopt  IPPROTO_IPV6 IPV6_ADDR_PREFERENCES: the
 *                          REQUIRE and SRC_ON_NET bits are kept per
 *                          socket and stripped before the kernel sees
 *                          them; getsockopt shows the REQUIRE bit that
 *                          was satisfied (F.18)
 *   connect/sendto/sendmsg the first one from an unbound AF_INET6 socket
 *                          with a REQUIRE bit asks mnd for an address
 *                          for that destination, binds to it, then does
 *                          the real call; failure: -1 EADDRNOTAVAIL and
 *                          dmip_last_error()
 *   socket, close          a new or closed descriptor has no state
 *
 * The real calls come from dlsym(RTLD_NEXT). The per-socket table is
 * indexed by descriptor and guarded by one mutex, never held while mnd
 * is asked.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "dmip_int.h"

/* glibc's transparent union for sockaddr arguments under _GNU_SOURCE. */
#if defined(__USE_GNU) && !defined(__cplusplus)
#define SA_OF(a)	((a).__sockaddr__)
#else
#define SA_OF(a)	(a)
#endif

#define FDTAB_MAX	(1 << 24)	/* descriptors beyond are not tracked */
#define EVENT_WAIT_MS	2000		/* SUBSCRIBE's answer */

struct fdst {
	uint32_t	req;		/* REQUIRE type bit | SRC_ON_NET */
	uint32_t	satisfied;	/* REQUIRE bit of the address given */
	bool		asked;		/* the first send asked already */
};

static pthread_mutex_t	 tab_mu = PTHREAD_MUTEX_INITIALIZER;
static struct fdst	*tab;
static size_t		 ntab;

static pthread_mutex_t	 ev_mu = PTHREAD_MUTEX_INITIALIZER;
static int		 ev_fd = -1;

static _Thread_local int last_error;

static pthread_once_t	 real_once = PTHREAD_ONCE_INIT;
static int	(*real_setsockopt)(int, int, int, const void *, socklen_t);
static int	(*real_getsockopt)(int, int, int, void *, socklen_t *);
static int	(*real_connect)(int, const struct sockaddr *, socklen_t);
static ssize_t	(*real_sendto)(int, const void *, size_t, int,
		    const struct sockaddr *, socklen_t);
static ssize_t	(*real_sendmsg)(int, const struct msghdr *, int);
static int	(*real_close)(int);
static int	(*real_socket)(int, int, int);

static void
resolve(void)
{
	real_setsockopt = (int (*)(int, int, int, const void *,
	    socklen_t))dlsym(RTLD_NEXT, "setsockopt");
	real_getsockopt = (int (*)(int, int, int, void *,
	    socklen_t *))dlsym(RTLD_NEXT, "getsockopt");
	real_connect = (int (*)(int, const struct sockaddr *,
	    socklen_t))dlsym(RTLD_NEXT, "connect");
	real_sendto = (ssize_t (*)(int, const void *, size_t, int,
	    const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "sendto");
	real_sendmsg = (ssize_t (*)(int, const struct msghdr *,
	    int))dlsym(RTLD_NEXT, "sendmsg");
	real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
}

/* 0, or -1 with ENOSYS when libc's symbol cannot be found. */
static int
ready(void *fn)
{
	if (fn != NULL)
		return 0;
	errno = ENOSYS;
	return -1;
}

#define REAL(fn)	(pthread_once(&real_once, resolve), \
	ready((void *)real_##fn) == 0)

void
dmip_set_last_error(int e)
{
	last_error = e;
}

DMIP_EXPORT int
dmip_last_error(void)
{
	return last_error;
}

int
dmip_real_connect(int fd, const struct sockaddr *a, socklen_t len)
{
	if (!REAL(connect))
		return -1;
	return real_connect(fd, a, len);
}

/* ---- the per-socket table -------------------------------------------- */

/* A copy of fd's state (zeros when none). */
static struct fdst
st_get(int fd)
{
	struct fdst s = { 0, 0, false };

	pthread_mutex_lock(&tab_mu);
	if (fd >= 0 && (size_t)fd < ntab)
		s = tab[fd];
	pthread_mutex_unlock(&tab_mu);
	return s;
}

/* fd's entry, grown as needed; called with tab_mu held. */
static struct fdst *
st_slot(int fd)
{
	struct fdst *v;
	size_t n;

	if (fd < 0 || fd >= FDTAB_MAX) {
		errno = EBADF;
		return NULL;
	}
	if ((size_t)fd >= ntab) {
		n = ntab ? ntab : 64;
		while (n <= (size_t)fd)
			n *= 2;
		if ((v = realloc(tab, n * sizeof(*v))) == NULL)
			return NULL;
		memset(v + ntab, 0, (n - ntab) * sizeof(*v));
		tab = v;
		ntab = n;
	}
	return &tab[fd];
}

static int
st_set_req(int fd, uint32_t req)
{
	struct fdst *s;

	pthread_mutex_lock(&tab_mu);
	if ((s = st_slot(fd)) != NULL) {
		s->req = req;
		s->asked = false;
	}
	pthread_mutex_unlock(&tab_mu);
	return s != NULL ? 0 : -1;
}

static void
st_satisfied(int fd, uint8_t type, bool asked)
{
	struct fdst *s;

	pthread_mutex_lock(&tab_mu);
	if ((s = st_slot(fd)) != NULL) {
		s->satisfied = dmip_require_bit(type);
		s->asked = s->asked || asked;
	}
	pthread_mutex_unlock(&tab_mu);
}

static void
st_forget(int fd)
{
	pthread_mutex_lock(&tab_mu);
	if (fd >= 0 && (size_t)fd < ntab)
		memset(&tab[fd], 0, sizeof(tab[fd]));
	pthread_mutex_unlock(&tab_mu);
}

/* ---- asking mnd ------------------------------------------------------- */

static int
sock_int(int fd, int level, int name, int *v)
{
	socklen_t len = sizeof(*v);

	if (!REAL(getsockopt))
		return -1;
	return real_getsockopt(fd, level, name, v, &len);
}

/* GETSRC for type; 0 with *addr and *granted, an EAI_* code, or -1
 * (errno). Records the outcome in last_error. */
static int
ask(uint8_t type, bool on_net, int proto, const struct in6_addr *cn,
    uint16_t dport, struct in6_addr *addr, uint8_t *granted)
{
	struct api_getsrc q = {
		.type = type,
		.flags = on_net ? API_F_ON_NET : 0,
		.proto = (uint8_t)(proto > 0 && proto < 256 ? proto : 0),
		.dport = dport,
		.pid = (uint32_t)getpid(),
	};
	struct api_reply r;
	int rc;

	if (cn != NULL)
		q.cn = *cn;
	if ((rc = dmip_api_getsrc(&q, &r)) == 0 &&
	    (rc = dmip_eai_of_status(r.status)) == -1)
		errno = EINVAL;
	last_error = rc < -1 ? rc : 0;
	if (rc == 0) {
		*addr = r.addr;
		*granted = r.type;
	}
	return rc;
}

/* Bound to an address or port already (then the app chose: E.0, 5.4). */
static bool
is_bound(int fd)
{
	struct sockaddr_in6 s;
	socklen_t len = sizeof(s);

	if (getsockname(fd, (struct sockaddr *)&s, &len) == -1 ||
	    s.sin6_family != AF_INET6)
		return true;	/* nothing for us to do */
	return s.sin6_port != 0 || !IN6_IS_ADDR_UNSPECIFIED(&s.sin6_addr);
}

/*
 * Before the first connect/send to dst from fd: with a REQUIRE bit and
 * no bind yet, get an address from mnd and bind to it. 0: go on with
 * the real call; -1: fail it (errno).
 */
static int
anchor_first(int fd, const struct sockaddr *dst, socklen_t len)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)dst;
	struct sockaddr_in6 src = { .sin6_family = AF_INET6 };
	struct fdst s = st_get(fd);
	uint8_t granted = 0;
	int type, proto = 0, rc;
	bool on_net;

	if ((s.req & DMIP_REQUIRE_TYPES) == 0 || s.asked || dst == NULL ||
	    len < sizeof(*sin6) || dst->sa_family != AF_INET6 ||
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return 0;
	if (is_bound(fd)) {
		st_satisfied(fd, 0, true);
		return 0;
	}
	type = dmip_type_of(s.req, true, &on_net);
	(void)sock_int(fd, SOL_SOCKET, SO_PROTOCOL, &proto);
	rc = ask((uint8_t)type, on_net, proto, &sin6->sin6_addr,
	    ntohs(sin6->sin6_port), &src.sin6_addr, &granted);
	if (rc != 0) {
		errno = rc == -1 ? EINVAL : EADDRNOTAVAIL;
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)&src, sizeof(src)) == -1) {
		last_error = EAI_REQUIREDIPFAILED;
		errno = EADDRNOTAVAIL;
		return -1;
	}
	st_satisfied(fd, granted, true);
	return 0;
}

/* ---- interposed calls --------------------------------------------------- */

DMIP_EXPORT int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	uint32_t v, kernel, req;
	int rc;

	if (!REAL(setsockopt))
		return -1;
	if (level != IPPROTO_IPV6 || name != IPV6_ADDR_PREFERENCES ||
	    val == NULL || len < sizeof(uint32_t))
		return real_setsockopt(fd, level, name, val, len);
	memcpy(&v, val, sizeof(v));
	if (dmip_prefs_split(v, &kernel, &req) == -1) {
		errno = EINVAL;
		return -1;
	}
	/* The kernel ignores bits it does not know; it must not see ours
	 * all the same (E.3). */
	if ((rc = real_setsockopt(fd, level, name, &kernel,
	    sizeof(kernel))) == 0 && st_set_req(fd, req) == -1)
		return -1;
	return rc;
}

DMIP_EXPORT int
getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct fdst s;
	uint32_t v;
	int rc;

	if (!REAL(getsockopt))
		return -1;
	rc = real_getsockopt(fd, level, name, val, len);
	if (rc != 0 || level != IPPROTO_IPV6 ||
	    name != IPV6_ADDR_PREFERENCES || val == NULL || len == NULL ||
	    *len < sizeof(uint32_t))
		return rc;
	s = st_get(fd);
	memcpy(&v, val, sizeof(v));
	v = dmip_prefs_merge(v, s.req, s.satisfied);
	memcpy(val, &v, sizeof(v));
	return rc;
}

DMIP_EXPORT int
connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	if (!REAL(connect))
		return -1;
	if (anchor_first(fd, SA_OF(addr), len) == -1)
		return -1;
	return real_connect(fd, SA_OF(addr), len);
}

DMIP_EXPORT ssize_t
sendto(int fd, const void *buf, size_t n, int flags,
    __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	if (!REAL(sendto))
		return -1;
	if (anchor_first(fd, SA_OF(addr), len) == -1)
		return -1;
	return real_sendto(fd, buf, n, flags, SA_OF(addr), len);
}

DMIP_EXPORT ssize_t
sendmsg(int fd, const struct msghdr *m, int flags)
{
	if (!REAL(sendmsg))
		return -1;
	if (m != NULL && anchor_first(fd, m->msg_name, m->msg_namelen) == -1)
		return -1;
	return real_sendmsg(fd, m, flags);
}

/* A descriptor closed behind our back (close_range, fclose) must not
 * pass its flags on to the next socket with its number. */
DMIP_EXPORT int
socket(int domain, int type, int protocol)
{
	int fd;

	if (!REAL(socket))
		return -1;
	if ((fd = real_socket(domain, type, protocol)) >= 0)
		st_forget(fd);
	return fd;
}

DMIP_EXPORT int
close(int fd)
{
	if (!REAL(close))
		return -1;
	st_forget(fd);
	return real_close(fd);
}

/* ---- the API ------------------------------------------------------------ */

DMIP_EXPORT int
setsc(int sockfd, struct in6_addr *sourceAddress, sc_type addressType)
{
	int type, dom, proto = 0, rc;
	struct fdst s;
	uint8_t granted = 0;

	if (sourceAddress == NULL ||
	    (type = dmip_type_of((uint32_t)addressType, false, NULL)) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (sock_int(sockfd, SOL_SOCKET, SO_DOMAIN, &dom) == -1)
		return -1;	/* EBADF, ENOTSOCK */
	if (dom != AF_INET6) {
		errno = EINVAL;
		return -1;
	}
	(void)sock_int(sockfd, SOL_SOCKET, SO_PROTOCOL, &proto);
	s = st_get(sockfd);
	/* The destination is not known yet: :: (E.4). */
	rc = ask((uint8_t)type, (s.req & IPV6_REQUIRE_SRC_ON_NET) != 0,
	    proto, NULL, 0, sourceAddress, &granted);
	if (rc == 0)
		st_satisfied(sockfd, granted, false);
	return rc;
}

DMIP_EXPORT int
dmip_getsrc(int type, const struct sockaddr_in6 *cn, struct sockaddr_in6 *out)
{
	uint8_t granted = 0;
	bool on_net;
	int t;

	if (out == NULL || (cn != NULL && cn->sin6_family != AF_INET6) ||
	    (t = dmip_type_of((uint32_t)type, true, &on_net)) < 0) {
		errno = EINVAL;
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->sin6_family = AF_INET6;
	return ask((uint8_t)t, on_net, 0, cn != NULL ? &cn->sin6_addr : NULL,
	    cn != NULL ? ntohs(cn->sin6_port) : 0, &out->sin6_addr, &granted);
}

DMIP_EXPORT int
dmip_set_on_net(int sockfd, int on)
{
	struct fdst s;

	if (fcntl(sockfd, F_GETFD) == -1)
		return -1;	/* EBADF */
	s = st_get(sockfd);
	if (on)
		s.req |= IPV6_REQUIRE_SRC_ON_NET;
	else
		s.req &= ~IPV6_REQUIRE_SRC_ON_NET;
	return st_set_req(sockfd, s.req);
}

/* ---- events ------------------------------------------------------------- */

static int
subscribe(void)
{
	struct api_msg m = { .type = API_SUBSCRIBE, .id = 1 };
	struct pollfd pfd = { .events = POLLIN };
	uint8_t buf[API_MSG_MAX];
	ssize_t len, n;
	int fd;

	if ((fd = dmip_api_connect()) == -1) {
		last_error = EAI_REQUIREDIPNOTSUPPORTED;
		return -1;
	}
	pfd.fd = fd;
	len = api_build(&m, buf, sizeof(buf));
	if (len < 0 || send(fd, buf, (size_t)len, MSG_NOSIGNAL) != len ||
	    poll(&pfd, 1, EVENT_WAIT_MS) != 1 ||
	    (n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) <= 0 ||
	    api_parse_answer(buf, (size_t)n, &m) != 0 ||
	    m.type != API_SUBSCRIBE_REPLY || m.u.status != API_ST_OK) {
		last_error = EAI_REQUIREDIPFAILED;
		if (REAL(close))
			real_close(fd);
		errno = EPROTO;
		return -1;
	}
	last_error = 0;
	return fd;
}

DMIP_EXPORT int
dmip_event_fd(void)
{
	int fd;

	pthread_mutex_lock(&ev_mu);
	if (ev_fd == -1)
		ev_fd = subscribe();
	fd = ev_fd;
	pthread_mutex_unlock(&ev_mu);
	return fd;
}

static void
ev_drop(void)
{
	if (ev_fd != -1 && REAL(close))
		real_close(ev_fd);
	ev_fd = -1;
}

DMIP_EXPORT int
dmip_next_event(struct dmip_event *ev)
{
	uint8_t buf[API_MSG_MAX];
	struct api_msg m;
	ssize_t n;
	int rc = -1;

	if (ev == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&ev_mu);
	if (ev_fd == -1) {
		errno = ENOTCONN;
		goto out;
	}
	for (;;) {
		n = recv(ev_fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n == 0) {
			ev_drop();
			errno = ECONNRESET;
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				rc = 0;
			else
				ev_drop();
			break;
		}
		if ((size_t)n > sizeof(buf) ||
		    api_parse_answer(buf, (size_t)n, &m) != 0 ||
		    m.type != API_EVENT)
			continue;
		memset(ev, 0, sizeof(*ev));
		ev->type = m.u.ev.event;
		ev->addressType = (sc_type)m.u.ev.type;
		ev->addr = m.u.ev.addr;
		ev->grace_s = m.u.ev.seconds;
		rc = 1;
		break;
	}
out:
	pthread_mutex_unlock(&ev_mu);
	return rc;
}

DMIP_EXPORT void
dmip_event_close(void)
{
	pthread_mutex_lock(&ev_mu);
	ev_drop();
	pthread_mutex_unlock(&ev_mu);
}
