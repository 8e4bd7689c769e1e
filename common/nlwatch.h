/*
 * nlwatch.h: link, IPv6 address and IPv6 default-route events from
 * rtnetlink (libnl-route), the raw material of movement detection
 * (issue: "immediate on link events, not waiting for RA timers when the
 * kernel already reports the change"). An initial dump reports the
 * current state as "added" events, then changes follow as they happen.
 */
#ifndef DMIP_NLWATCH_H
#define DMIP_NLWATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

enum nlw_kind {
	NLW_LINK,
	NLW_ADDR,	/* IPv6 addresses only */
	NLW_ROUTE,	/* IPv6 default routes in the main table only */
};

struct nlw_event {
	enum nlw_kind	kind;
	bool		removed;
	unsigned	ifindex;
	char		ifname[IF_NAMESIZE];	/* links only */
	bool		up;		/* IFF_UP */
	bool		running;	/* IFF_RUNNING (carrier) */
	struct in6_addr	addr;		/* address, or the gateway */
	uint8_t		plen;
	uint32_t	ifa_flags;	/* IFA_F_TENTATIVE, _DEPRECATED... */
	uint32_t	valid_lft, preferred_lft;
};

typedef void (*nlw_fn)(const struct nlw_event *, void *arg);

struct nlwatch;

/* Subscribe and dump the current state through fn. NULL on error. */
struct nlwatch	*nlwatch_open(nlw_fn, void *arg);
void		 nlwatch_close(struct nlwatch *);
int		 nlwatch_fd(const struct nlwatch *);
/* Read what is pending (non-blocking) and report it. 0 or -1. An
 * overrun (ENOBUFS) triggers a fresh dump, so no change is lost. */
int		 nlwatch_read(struct nlwatch *);
/* Report the whole current state again. */
int		 nlwatch_dump(struct nlwatch *);
const char	*nlw_kind_name(enum nlw_kind);

#endif /* DMIP_NLWATCH_H */
