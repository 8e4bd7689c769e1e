/*
 * sockdiag.h: telling applications at once that their flow is gone
 * (PROTOCOL.md G.4 step 3, F.11): inet_diag SOCK_DESTROY over a raw
 * NETLINK_SOCK_DIAG socket. The application's next or blocked call
 * fails with ECONNABORTED.
 *
 * sockdiag_parse_msg(), sockdiag_match() and sockdiag_build_req() are
 * pure, for the unit tests; sockdiag_destroy() is the I/O edge.
 */
#ifndef DMIP_SOCKDIAG_H
#define DMIP_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/*
 * Destroy the local TCP or UDP sockets (IPv6) whose local address:port
 * and remote address:port match: the application then gets
 * ECONNABORTED. remote NULL: any remote address; rport 0: any remote
 * port; lport 0: any local port (local is required). The sockets are
 * found with an inet_diag dump and destroyed one by one by their exact
 * id and cookie, so a socket that went away in between is never
 * mistaken for another one (a listener, an unconnected UDP socket)
 * that the kernel's own lookup would fall back to. TCP TIME_WAIT and
 * SYN_RECV mini-sockets are left alone (no application holds them).
 * Returns the number destroyed (>= 0) or -errno (-EOPNOTSUPP when the
 * kernel lacks INET_DIAG_DESTROY, -EPERM without CAP_NET_ADMIN,
 * -EINVAL for another proto or no local address).
 */
int	sockdiag_destroy(uint8_t proto, const struct in6_addr *local,
	    uint16_t lport, const struct in6_addr *remote, uint16_t rport);
/* The same match, nothing destroyed: how many such sockets exist
 * (>= 0), or -errno. */
int	sockdiag_count(uint8_t proto, const struct in6_addr *local,
	    uint16_t lport, const struct in6_addr *remote, uint16_t rport);
/* TCP listeners on local (or ::) port lport: how many (>= 0), -errno. */
int	sockdiag_listening(const struct in6_addr *local, uint16_t lport);

/* One socket as inet_diag reports it. */
struct sockdiag_sock {
	struct in6_addr	local, remote;
	uint16_t	lport, rport;	/* host order */
	uint8_t		state;		/* TCP_* (UDP: 1 connected, 7 not) */
	uint32_t	ifindex;
	uint32_t	cookie[2];	/* host order, as the kernel gives it */
};

/*
 * One SOCK_DIAG_BY_FAMILY answer (nlmsghdr + inet_diag_msg [+ attrs])
 * of at most len bytes. 0; -ENOMSG another message type or not
 * AF_INET6; -EINVAL malformed.
 */
int	sockdiag_parse_msg(const uint8_t *buf, size_t len,
	    struct sockdiag_sock *out);

/* Does s match sockdiag_destroy()'s arguments? */
bool	sockdiag_match(const struct sockdiag_sock *s,
	    const struct in6_addr *local, uint16_t lport,
	    const struct in6_addr *remote, uint16_t rport);

/*
 * A request with an inet_diag_req_v2 for AF_INET6 and proto into buf:
 * type SOCK_DIAG_BY_FAMILY is a dump (NLM_F_DUMP; id's ports are a
 * kernel-side prefilter when non-zero), SOCK_DESTROY an exact request
 * for id (NLM_F_ACK). Returns the length, -ENOSPC or -EINVAL.
 */
int	sockdiag_build_req(uint8_t *buf, size_t cap, uint16_t type,
	    uint32_t seq, uint8_t proto, uint32_t states,
	    const struct sockdiag_sock *id);

#endif /* DMIP_SOCKDIAG_H */
