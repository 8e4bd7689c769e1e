/*
 * mn_dhcp6.h: mnd's DHCPv6 continuity client (PROTOCOL.md D.4 rule 6,
 * issue 6), the glue between mnd and mn/dhcp6c_io.h.
 *
 * With a dhcp6 section in mnd.conf, one client (mn/dhcp6c.h) runs on
 * each interface the section names, from start-up: it solicits a
 * delegated prefix with the IPv6 Continuity Service option and falls
 * back as D.4 says when a server does not know it. mnd's nlwatch
 * events tell it when a link changed under it (RFC 8415 18.2.12: the
 * lease is checked with a REBIND, else a new SOLICIT starts):
 *
 *   - the interface comes back up with a carrier after being down or
 *     without one (reattached, maybe elsewhere);
 *   - a default router appears on it that is not the one seen last
 *     there (the port moved to another link while it stayed up: the
 *     test bed's handoff B, a new access point on the same SSID).
 *
 * The client is told once the interface also has a link-local address
 * that is not tentative (messages leave from it, RFC 8415 5): an
 * interface taken down loses it, and a REBIND sent before it is back
 * would fail and wait a whole REB_TIMEOUT (10 s) to be retried.
 * The first report of each (nlwatch's start-up dump) is no change. At
 * exit the prefixes are released together with the deregistrations
 * (mnd waits for both). Nothing is installed: what a delegated prefix
 * is used for is mnd's to decide; the events are logged.
 *
 * dmipctl:
 *   show dhcp6   table "clients": interface, state, prefix, continuity
 *                (the type granted, "none" when the server did not
 *                grant one), granted, mismatch (D.4 rule 3), server
 *                (DUID), valid (s left), t1, t2; table "remembered":
 *                interface, server (DUID, or "link" when nobody
 *                answered), why, expires (s) (D.4 rule 2)
 *   stats        dhcp6_clients, dhcp6_leases, dhcp6_granted,
 *                dhcp6_fallbacks (retried without the option after no
 *                answer or a status), dhcp6_remembered (servers or links
 *                remembered now), dhcp6_link_changes
 */
#ifndef DMIP_MN_DHCP6_H
#define DMIP_MN_DHCP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#include "conf_dhcp6.h"
#include "nlwatch.h"

struct evloop;
struct ctlsock;
struct ctl_out;
struct dhcp6c_set;

/* What is known of one interface of the section (pure tracking). */
struct mn_dhcp6_link {
	char		ifname[IF_NAMESIZE];
	unsigned	ifindex;	/* 0 until nlwatch reported it */
	bool		seen;		/* a link event came */
	bool		usable;		/* up with a carrier */
	bool		has_gw;		/* a default router was seen */
	struct in6_addr	gw;		/* the last one */
	bool		ll_ok;		/* a usable link-local address */
	struct in6_addr	ll;		/* the last one reported */
	bool		pending;	/* changed; waiting for ll_ok */
};

struct mn_dhcp6 {
	struct dhcp6c_set	*set;		/* NULL: no dhcp6 section */
	struct evloop		*loop;
	struct mn_dhcp6_link	*links;
	size_t			 nlinks;
	void			(*changed)(void *arg);
	void			*arg;
	uint64_t		 link_changes;
};

/*
 * Start a client on every interface of c (NULL: no section, nothing
 * runs; every other call is then a no-op) and register "show dhcp6" on
 * ctl (may be NULL). changed (may be NULL) is called after every lease
 * event (mnd's check at exit). 0, or -1 (out of memory; logged). An
 * interface that cannot be opened is logged and left out.
 */
int	mn_dhcp6_open(struct mn_dhcp6 *, struct evloop *,
	    const struct conf_dhcp6c *c, struct ctlsock *ctl,
	    void (*changed)(void *), void *arg);
/* An nlwatch event: tells the client of its interface when the link
 * changed (see above). */
void	mn_dhcp6_nlw(struct mn_dhcp6 *, const struct nlw_event *);
/* RELEASE every lease. True when a RELEASE is under way (wait until
 * mn_dhcp6_releasing() is false, or give up). */
bool	mn_dhcp6_release(struct mn_dhcp6 *);
bool	mn_dhcp6_releasing(const struct mn_dhcp6 *);
void	mn_dhcp6_close(struct mn_dhcp6 *);
/* Its counters in `dmipctl stats` (nothing without a section). */
void	mn_dhcp6_ctl_stats(const struct mn_dhcp6 *, struct ctl_out *);

/* Pure: ev for l's interface (by ifindex, or by name for links); true
 * when the client is to be told that the link changed (see above).
 * Events of other interfaces are ignored (false). */
bool	mn_dhcp6_link_update(struct mn_dhcp6_link *l,
	    const struct nlw_event *ev);

#endif /* DMIP_MN_DHCP6_H */
