/*
 * mhsock.h: the Mobility Header transport (PROTOCOL.md B.1, B.11.1):
 * a raw IPPROTO_MH socket (the kernel computes and checks the MH
 * checksum; needs CAP_NET_RAW), or the same MH bytes as the payload of
 * UDP port 5135, where dmip6 computes and checks the checksum itself.
 * Every raw MH socket in a namespace sees every MH, so receivers get
 * the source and destination to filter on.
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
	unsigned	ifindex;
	uint16_t	sport;		/* UDP only */
};

struct mhsock_stats {
	unsigned long	rx, tx;
	unsigned long	rx_bad_csum;	/* UDP: dropped */
	unsigned long	rx_errors, tx_errors;
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
 * Receive one MH. Returns its length, 0 when a UDP datagram failed its
 * checksum (dropped, counted), or -1 with errno (EAGAIN when empty).
 */
ssize_t	mhsock_recv(struct mhsock *, uint8_t *buf, size_t cap,
	    struct mh_rxinfo *);
/*
 * Send one MH (checksum field as built). src may be NULL on the raw
 * transport (the kernel picks); the UDP transport needs the source for
 * the checksum and looks it up with a route query when src is NULL.
 * dport 0 means the socket's udp_port. Returns len or -1 with errno.
 */
ssize_t	mhsock_send(struct mhsock *, uint8_t *mh, size_t len,
	    const struct in6_addr *src, const struct in6_addr *dst,
	    unsigned ifindex, uint16_t dport);

#endif /* DMIP_MHSOCK_H */
