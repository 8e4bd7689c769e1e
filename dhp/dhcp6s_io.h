/*
 * dhcp6s_io.h: the I/O edge of dhpd's DHCPv6 prefix-delegation server
 * (dhcp6s.h): a UDP socket on port 547 bound to the access interface,
 * joined to ff02::1:2 there, and a timer for binding expiry. Opened by
 * dhpd when dhpd.conf has a dhcp6 section (dmip6.conf(5)).
 *
 * The config is copied: a reload may free it. Changes to the section
 * take effect at the next start.
 */
#ifndef DMIP_DHCP6S_IO_H
#define DMIP_DHCP6S_IO_H

#include "conf_dhcp6.h"

struct evloop;
struct ctlsock;
struct ctl_out;
struct dhcp6s;
struct dhcp6s_io;

/* NULL after logging why. ctl may be NULL; else "show dhcp6" is
 * registered there (bindings and counters). The daemon closes ctl
 * before its on_stop hook, so close does not touch it. */
struct dhcp6s_io *dhcp6s_io_open(struct evloop *, struct ctlsock *ctl,
		    const struct conf_dhcp6s *);
/* NULL is fine. Logs the counters. */
void		 dhcp6s_io_close(struct dhcp6s_io *);
/* The dhcp6_* members of `dmipctl stats`. NULL is fine. */
void		 dhcp6s_io_ctl_stats(const struct dhcp6s_io *,
		    struct ctl_out *);
struct dhcp6s	*dhcp6s_io_engine(struct dhcp6s_io *);

#endif /* DMIP_DHCP6S_IO_H */
