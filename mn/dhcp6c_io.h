/*
 * dhcp6c_io.h: the I/O edge of the DHCPv6 prefix-delegation client
 * (dhcp6c.h): a UDP socket on port 546 bound to one access interface,
 * multicast to ff02::1:2 there, and one evloop timer for the engine's
 * next deadline. It installs nothing: lease events go to the caller
 * (mnd decides what a delegated prefix is used for).
 *
 * mnd runs one client per interface of its dhcp6 section through a
 * dhcp6c_set: one DUID for the node (RFC 8415 11: the section's duid,
 * else the DUID-LL of the first listed interface that has a link-layer
 * address), IAID = the interface index.
 */
#ifndef DMIP_DHCP6C_IO_H
#define DMIP_DHCP6C_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf_dhcp6.h"
#include "dhcp6c.h"

struct evloop;
struct dhcp6c_io;
struct dhcp6c_set;

typedef void (*dhcp6c_io_fn)(void *arg, const char *ifname,
	    enum dhcp6c_event, const struct dhcp6c_lease *);
/* Every datagram sent (out) or received, before the engine sees it. */
typedef void (*dhcp6c_trace_fn)(void *arg, const char *ifname, bool out,
	    const uint8_t *, size_t);

struct dhcp6c_io_stats {
	uint64_t	rx_errors, rx_bad_source, tx_errors;
};

/* The engine's settings for ifname from mnd's dhcp6 section (duid and
 * iaid are left for dhcp6c_io_open to fill when 0). */
void	dhcp6c_cfg_from_conf(const struct conf_dhcp6c *, const char *ifname,
	    struct dhcp6c_cfg *);

/* Open cfg->ifname and start soliciting. A cfg->duid of length 0 is
 * the interface's DUID-LL, an iaid of 0 its index. NULL after logging
 * why. fn may be NULL. */
struct dhcp6c_io *dhcp6c_io_open(struct evloop *, const struct dhcp6c_cfg *,
		    uint64_t seed, dhcp6c_io_fn, void *arg);
/* No RELEASE: call dhcp6c_io_release() first and let the loop run until
 * dhcp6c_io_releasing() is false to give the prefix back. */
void	dhcp6c_io_close(struct dhcp6c_io *);
void	dhcp6c_io_link_changed(struct dhcp6c_io *);
void	dhcp6c_io_release(struct dhcp6c_io *);
bool	dhcp6c_io_releasing(const struct dhcp6c_io *);
void	dhcp6c_io_set_trace(struct dhcp6c_io *, dhcp6c_trace_fn, void *arg);
struct dhcp6c *dhcp6c_io_engine(struct dhcp6c_io *);
const struct dhcp6c_io_stats *dhcp6c_io_stats(const struct dhcp6c_io *);

/* ---- mnd: a client on each interface of the dhcp6 section ------------ */
/* Every dhcp6c_set_* call takes a NULL set (no dhcp6 section) as a
 * no-op. */

/* NULL only when memory runs out; an interface that cannot be opened
 * is logged and left out. */
struct dhcp6c_set *dhcp6c_set_open(struct evloop *, const struct conf_dhcp6c *,
		    dhcp6c_io_fn, void *arg);
/* ifname moved to another link (mnd's movement detection). */
void	dhcp6c_set_link_changed(struct dhcp6c_set *, const char *ifname);
void	dhcp6c_set_release(struct dhcp6c_set *);
bool	dhcp6c_set_releasing(const struct dhcp6c_set *);
struct dhcp6c_io *dhcp6c_set_get(struct dhcp6c_set *, const char *ifname);
void	dhcp6c_set_close(struct dhcp6c_set *);	/* NULL is fine */

#endif /* DMIP_DHCP6C_IO_H */
