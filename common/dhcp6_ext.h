/*
 * dhcp6_ext.h: the DHCPv6 options dhcp6.c skips, which the prefix
 * delegation client (mn/dhcp6c) and server (dhp/dhcp6s) need: Option
 * Request, Preference, Elapsed Time, Rapid Commit, Reconfigure Accept,
 * SOL_MAX_RT (RFC 8415 21.7-21.9, 21.14, 21.20, 21.24), and the
 * continuity option where some servers can only put it: at message
 * level, or in an IA_PD beside its IAPREFIXes. ISC Kea 2.2 with its
 * flex-option hook can echo it in those two places but not inside an
 * IAPREFIX (dmip6 [P], see dhcp6c.h).
 *
 * Parse after dhcp6_parse() succeeded on the same bytes; the builder
 * appends top-level options to a message dhcp6_build() wrote (option
 * order at the top level is free, RFC 8415 21).
 */
#ifndef DMIP_DHCP6_EXT_H
#define DMIP_DHCP6_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dhcp6.h"

#define DHCP6_OPT_ORO		6
#define DHCP6_OPT_PREFERENCE	7
#define DHCP6_OPT_ELAPSED_TIME	8
#define DHCP6_OPT_UNICAST	12
#define DHCP6_OPT_RAPID_COMMIT	14
#define DHCP6_OPT_RECONF_MSG	19
#define DHCP6_OPT_RECONF_ACCEPT	20
#define DHCP6_OPT_SOL_MAX_RT	82
#define DHCP6_OPT_INF_MAX_RT	83

#define DHCP6_ORO_MAX		16	/* codes kept; the rest is counted */
#define DHCP6_ELAPSED_MAX	0xffff	/* hundredths of a second */

struct dhcp6_ext_ia {
	uint32_t	iaid;
	bool		has_cont;	/* continuity beside the IAPREFIXes */
	uint8_t		cont_type;
};

struct dhcp6_ext {
	bool		has_elapsed;
	uint16_t	elapsed;		/* 1/100 s */
	bool		has_pref;
	uint8_t		pref;
	bool		rapid_commit;
	bool		reconf_accept;
	bool		has_sol_max_rt;
	uint32_t	sol_max_rt;		/* s, 60..86400 when kept */
	uint8_t		n_oro;
	uint16_t	oro[DHCP6_ORO_MAX];
	size_t		oro_more;		/* codes past DHCP6_ORO_MAX */
	bool		has_cont;		/* message-level continuity */
	uint8_t		cont_type;
	uint8_t		n_ia_pd;		/* in message order */
	struct dhcp6_ext_ia ia_pd[DHCP6_MAX_IA];
};

/* 0 (DHCP6_OK) or a DHCP6_E_* code. An SOL_MAX_RT outside 60..86400 is
 * ignored as RFC 8415 21.24 says, not an error. */
int	dhcp6_ext_parse(const uint8_t *p, size_t len,
	    const struct dhcp6_codes *, struct dhcp6_ext *);
/* Append the top-level options of e that are set (not oro_more, not
 * the IA_PD-level ones) to the message in buf[0..len). Returns the new
 * length or DHCP6_E_BUF / DHCP6_E_INVAL. */
ssize_t	dhcp6_ext_append(uint8_t *buf, size_t len, size_t cap,
	    const struct dhcp6_codes *, const struct dhcp6_ext *);
/* Hundredths of a second since an exchange began, capped (21.9). */
uint16_t dhcp6_elapsed(uint64_t start_ms, uint64_t now_ms);
/* "0003000102..." for logs; out needs 2 * DHCP6_DUID_MAX + 1. */
const char *dhcp6_duid_str(const struct dhcp6_duid *, char *out,
	    size_t cap);
bool	dhcp6_duid_eq(const struct dhcp6_duid *, const struct dhcp6_duid *);
/* DUID-LL (RFC 8415 11.4) from a link-layer address; -1 if too long. */
int	dhcp6_duid_ll(struct dhcp6_duid *, uint16_t hwtype,
	    const uint8_t *lladdr, size_t len);

#endif /* DMIP_DHCP6_EXT_H */
