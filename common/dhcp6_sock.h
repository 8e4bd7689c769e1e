/*
 * dhcp6_sock.h: the UDP sockets of the DHCPv6 client (port 546) and
 * server (port 547) edges, each bound to one interface (SO_BINDTODEVICE,
 * so one per link can share the port), and the DUID-LL of an interface
 * (RFC 8415 11.4) read with getifaddrs(3).
 */
#ifndef DMIP_DHCP6_SOCK_H
#define DMIP_DHCP6_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "dhcp6.h"

/* ff02::1:2, All_DHCP_Relay_Agents_and_Servers (RFC 8415 7.1). */
extern const struct in6_addr dhcp6_all_servers;

/*
 * Non-blocking UDP socket bound to [::]:port on ifname with
 * IPV6_RECVPKTINFO; multicast goes out of ifname with hop limit 1 and
 * is not looped back. join: also receive ff02::1:2 there (servers).
 * The fd, or -1 with a message in err.
 */
int	dhcp6_sock_open(const char *ifname, unsigned ifindex, uint16_t port,
	    bool join, char *err, size_t errlen);
/* One datagram: its length, 0 when none is waiting, -1 on an error.
 * dst: where it was sent (pktinfo; :: if unknown). */
ssize_t	dhcp6_sock_recv(int fd, uint8_t *buf, size_t cap,
	    struct sockaddr_in6 *src, struct in6_addr *dst);
/* 0 or -1 (errno). */
int	dhcp6_sock_send(int fd, const uint8_t *buf, size_t len,
	    const struct in6_addr *dst, uint16_t port, unsigned ifindex);
/* DUID-LL from ifname's link-layer address: 0, or -1 if it has none. */
int	dhcp6_duid_from_if(const char *ifname, struct dhcp6_duid *);

#endif /* DMIP_DHCP6_SOCK_H */
