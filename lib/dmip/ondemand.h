/*
 * <dmip/ondemand.h>: on-demand mobility for applications (libdmip,
 * setsc(3)). The API of draft-ietf-dmm-ondemand-mobility (seed 001,
 * sections 3.4, 4, 6) with the RFC 8653 REQUIRE flags; dmip6's
 * PROTOCOL.md E.0-E.4 gives the numbers.
 *
 *	#include <dmip/ondemand.h>
 *	cc app.c $(pkg-config --cflags --libs dmip)
 *
 * or, for a program that cannot be changed:
 *
 *	LD_PRELOAD=libdmip.so program
 */
#ifndef DMIP_ONDEMAND_H
#define DMIP_ONDEMAND_H

#include <stdint.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The address types of setsc() (3 bits; 0 and 5..7 reserved). */
typedef enum {
	FIXED_IPV6_ADDRESS = 1,			/* the HoA */
	SESSION_LASTING_IPV6_ADDRESS = 2,	/* a DHoA */
	NON_PERSISTENT_IPV6_ADDRESS = 3,	/* the CoA */
	GRACEFUL_REPLACEMENT_IPV6_ADDRESS = 4	/* CoA or short DHoA */
} sc_type;

/*
 * RFC 8653-style requirements in IPV6_ADDR_PREFERENCES (RFC 5014,
 * setsockopt at IPPROTO_IPV6; Linux's option number is 72). They are
 * clear of every bit Linux uses; libdmip strips them before the kernel
 * sees the option. setsc() also takes the *_IP constants as its type.
 */
#ifndef IPV6_ADDR_PREFERENCES
#define IPV6_ADDR_PREFERENCES			72
#endif
#define IPV6_REQUIRE_FIXED_IP			0x00010000u
#define IPV6_REQUIRE_SESSION_LASTING_IP		0x00020000u
#define IPV6_REQUIRE_NONPERSIST_IP		0x00040000u
#define IPV6_REQUIRE_NONPERSISTENT_IP		IPV6_REQUIRE_NONPERSIST_IP
#define IPV6_REQUIRE_GRACEFUL_REPLACEMENT_IP	0x00080000u	/* not in RFC 8653 */
#define IPV6_REQUIRE_SRC_ON_NET			0x00100000u	/* draft-sijeon */
#define IPV6_REQUIRE_MASK			0x001F0000u

/* Errors of setsc() and dmip_getsrc(); glibc uses EAI_* -1..-12 and
 * -100..-105. */
#define EAI_REQUIREDIPNOTSUPPORTED		(-200)
#define EAI_REQUIREDIPFAILED			(-201)

/*
 * Obtain a source address of addressType for sockfd (an AF_INET6
 * socket) and store it in *sourceAddress; the caller then bind()s to it.
 * addressType is an sc_type or one IPV6_REQUIRE_*_IP constant. May
 * block while mnd asks the network (bounded: PROTOCOL.md C.2).
 * 0, EAI_REQUIREDIPNOTSUPPORTED, EAI_REQUIREDIPFAILED, or -1 with errno
 * EINVAL / EBADF / ENOTSOCK.
 */
int	setsc(int sockfd, struct in6_addr *sourceAddress, sc_type addressType);

/*
 * The same without a socket, for a known destination cn (may be NULL or
 * ::, its port is the destination port). type: an sc_type or one
 * IPV6_REQUIRE_*_IP constant, optionally with IPV6_REQUIRE_SRC_ON_NET.
 * *out gets AF_INET6, the address and port 0. Returns as setsc().
 */
int	dmip_getsrc(int type, const struct sockaddr_in6 *cn,
	    struct sockaddr_in6 *out);

/* IPV6_REQUIRE_SRC_ON_NET for sockfd without setsockopt(): on != 0
 * asks for a new address from the serving network. 0 or -1 (EBADF). */
int	dmip_set_on_net(int sockfd, int on);

/* The EAI_* code (or 0) of this thread's last libdmip call that asked
 * mnd: what a connect() that failed with EADDRNOTAVAIL ran into. */
int	dmip_last_error(void);

/*
 * Events from mnd. dmip_event_fd() subscribes (once per process; later
 * calls return the same descriptor) and returns a descriptor that is
 * readable when an event waits, or -1 (errno; EAI code in
 * dmip_last_error()). dmip_next_event() takes one: 1 with *ev filled,
 * 0 when none waits (it never blocks), -1 when the subscription is lost
 * (mnd stopped: call dmip_event_fd() again to subscribe anew).
 * dmip_event_close() ends the subscription.
 */
#define DMIP_EVENT_GRACE_START	1	/* addr stays valid grace_s more */

struct dmip_event {
	int		type;		/* DMIP_EVENT_* */
	sc_type		addressType;
	struct in6_addr	addr;
	unsigned	grace_s;
};

int	dmip_event_fd(void);
int	dmip_next_event(struct dmip_event *ev);
void	dmip_event_close(void);

#ifdef __cplusplus
}
#endif

#endif /* DMIP_ONDEMAND_H */
