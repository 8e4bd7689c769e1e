/*
 * ha_dad.h: DAD for home addresses on the home link, the I/O side
 * (PROTOCOL.md F.15; RFC 4862 5.4; the pure part is dad.h).
 *
 * ha_dad_start() sends one DAD Neighbor Solicitation for a HoA on the
 * home interface (DupAddrDetectTransmits = 1) and arms a RetransTimer
 * (1000 ms) for it. A Neighbor Advertisement for the HoA, or a DAD NS
 * for it from another node, ends the probe at once as a duplicate;
 * the timer running out ends it as unique. Either way the done
 * callback gets the HoA, the result and the request saved with the
 * probe. Any number of probes may be in flight.
 *
 * Sockets: an IPPROTO_RAW socket writes the whole packet (the only way
 * to send from ::), with multicast loopback off; a raw ICMPv6 socket
 * with an ICMP6_FILTER for NS and NA reads the answers (the kernel
 * verifies their checksum), and joins each probed HoA's solicited-node
 * group on the home interface so other nodes' DAD NS reach it.
 */
#ifndef DMIP_HA_HA_DAD_H
#define DMIP_HA_HA_DAD_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

struct evloop;

enum ha_dad_result {
	HA_DAD_UNIQUE = 0,	/* no answer in RetransTimer */
	HA_DAD_DUPLICATE,	/* NA, or another node's DAD NS */
};

/* What the caller needs when the probe ends: the BU that started it
 * (the latest one, when more came during DAD), for the BA and logs. */
struct ha_dad_req {
	struct in6_addr	src;		/* BU's IPv6 source */
	struct in6_addr	dst;		/* the address it went to */
	uint16_t	sport;		/* UDP: its source port */
	uint16_t	seq;
	uint16_t	lifetime;	/* requested, 4 s units */
	struct in6_addr	coa;
};

typedef void (*ha_dad_fn)(const struct in6_addr *hoa, enum ha_dad_result,
		    const struct ha_dad_req *, void *arg);

struct ha_dad_stats {
	uint64_t	started, unique, duplicate;
	uint64_t	tx_errors;	/* NS not sent: probe not started */
	uint64_t	rx, rx_bad;	/* NS/NA read; failed parse/checks */
	uint64_t	rx_looped;	/* our own NS came back */
	uint64_t	join_errors;	/* could not join a group */
};

struct ha_dad;

/* Open the sockets and watch them with loop. ifname: the home link.
 * NULL (logged) on failure. */
struct ha_dad	*ha_dad_open(struct evloop *, const char *ifname,
		    ha_dad_fn done, void *arg);
/* Cancel every probe (no callbacks), close, free. */
void		 ha_dad_close(struct ha_dad *);

/*
 * Start DAD for hoa, remembering req. 0 when the NS went out; 1 when a
 * probe for hoa is already running (req then replaces its request);
 * -errno (logged) when no NS could be sent, e.g. -ENODEV without the
 * home interface: then no probe exists and no callback will come.
 */
int		 ha_dad_start(struct ha_dad *, const struct in6_addr *hoa,
		    const struct ha_dad_req *req);
/* Replace the request saved with a running probe; false if none. */
bool		 ha_dad_update(struct ha_dad *, const struct in6_addr *hoa,
		    const struct ha_dad_req *req);
bool		 ha_dad_running(const struct ha_dad *,
		    const struct in6_addr *hoa);
size_t		 ha_dad_count(const struct ha_dad *);
const struct ha_dad_stats *ha_dad_stats(const struct ha_dad *);

#endif /* DMIP_HA_HA_DAD_H */
