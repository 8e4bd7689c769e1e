/*
 * mhsock.h: the Mobility Header transport (PROTOCOL.md B.1, B.11.1):
 * a raw IPPROTO_MH socket (the kernel computes and checks the MH
 * checksum; needs CAP_NET_RAW), or the same MH bytes as the payload of
 * UDP port 5135, where dmip6 computes and checks the checksum itself.
 * Every raw MH socket in a namespace sees every MH (TESTBED.md 4), so
 * receivers get the source and destination to filter on.
 *
 * Sockets are non-blocking; read until mhsock_recv() returns -1 with
 * EAGAIN. Nothing here parses the MH: that is mh_parse()'s job.
 */
#ifndef DMIP_MHSOCK_H
#define DMIP_MHSOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

enum mh_transport {
	MH_TRANSPORT_RAW = 0,
	MH_TRANSPORT_UDP,
};

struct mh_rxinfo {
	struct in6_addr	src;
	struct in6_addr	dst;		/* from IPV6_PKTINFO */
	unsigned	ifindex;	/* arrival interface (IPV6_PKTINFO) */
	int		hoplimit;	/* IPV6_HOPLIMIT, -1 if unknown */
	uint16_t	sport;		/* UDP only */
};

struct mhsock_stats {
	unsigned long	rx, tx;		/* MH delivered / sent */
	unsigned long	rx_bad_csum;	/* UDP: failed mh_csum_ok, dropped */
	unsigned long	rx_trunc;	/* longer than the buffer, dropped */
	unsigned long	rx_errors;	/* recvmsg failed (not EAGAIN) */
	unsigned long	tx_errors;	/* bad length, no route, sendmsg */
};

struct mhsock;

/*
 * Open a non-blocking socket. bind_addr may be NULL (any). udp_port is
 * the local port for MH_TRANSPORT_UDP (0: ephemeral) and the default
 * destination port. On error returns NULL with a message in err.
 */
struct mhsock	*mhsock_open(enum mh_transport, const struct in6_addr *bind_addr,
		    uint16_t udp_port, char *err, size_t errlen);
void		 mhsock_close(struct mhsock *);
int		 mhsock_fd(const struct mhsock *);
enum mh_transport mhsock_transport(const struct mhsock *);
uint16_t	 mhsock_local_port(const struct mhsock *);
const struct mhsock_stats *mhsock_stats(const struct mhsock *);

/*
 * Receive one MH. Returns its length, 0 when a datagram was dropped and
 * counted (UDP with a bad MH checksum, or truncated to cap: give cap >=
 * MH_MAX_LEN), or -1 with errno (EAGAIN when empty). ri is filled for
 * dropped datagrams too, for logging.
 */
ssize_t	mhsock_recv(struct mhsock *, uint8_t *buf, size_t cap,
	    struct mh_rxinfo *);
/*
 * Send one MH of MH_HDR_LEN..MH_MAX_LEN octets; mh is not modified.
 * The checksum field is ignored: the kernel fills it on the raw
 * transport, and on UDP mhsock_send puts the B.1 checksum in a copy.
 * src (may be NULL) goes out as IPV6_PKTINFO. With src NULL the kernel
 * picks the source on the raw transport. On UDP the checksum needs it
 * first: the address the socket is bound to, or else the one the
 * kernel would pick towards dst (route lookup through a connect()ed
 * throwaway UDP socket); it is then pinned in IPV6_PKTINFO so the
 * datagram leaves with exactly that source. ifindex 0: any interface
 * (needed for link-local dst). dport (UDP) 0 means the socket's own
 * udp_port. Returns len or -1 with errno (EINVAL/EMSGSIZE for a bad
 * length; EAGAIN when the socket buffer is full).
 */
ssize_t	mhsock_send(struct mhsock *, const uint8_t *mh, size_t len,
	    const struct in6_addr *src, const struct in6_addr *dst,
	    unsigned ifindex, uint16_t dport);

#endif /* DMIP_MHSOCK_H */
