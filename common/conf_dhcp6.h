/*
 * conf_dhcp6.h: the `dhcp6 { }` sections of mnd.conf (the prefix
 * delegation client, mn/dhcp6c.h) and dhpd.conf (the server on an
 * access router, dhp/dhcp6s.h); PROTOCOL.md D.2-D.4, F.20, F.23; see
 * dmip6.conf(5). Both sections are optional: absent, the pointer in
 * struct mnd_conf / struct dhpd_conf stays NULL.
 */
#ifndef DMIP_CONF_DHCP6_H
#define DMIP_CONF_DHCP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "dhcp6.h"

#define CONF_DHCP6_PLEN_SPAN_MAX	24	/* at most 2^24 prefixes */
#define CONF_DHCP6_FALLBACK_DEFAULT	4	/* transmissions [P] */
#define CONF_DHCP6_RETRY_LATER_DEFAULT	3600	/* s, D.4 rule 2 "e.g. 1 h" */

/* mnd.conf */
struct conf_dhcp6c {
	char		(*interfaces)[CONF_IFNAME_MAX];
	size_t		ninterfaces;
	bool		ask;		/* continuity != "none" */
	uint8_t		want;		/* CONT_* */
	bool		has_anchor;
	struct in6_addr	anchor;
	bool		anchor_required;
	unsigned	prefix_length;	/* hint, 0: none */
	unsigned	fallback_after;
	unsigned	retry_later;	/* s */
	bool		accept_outer;	/* accept_outer_placement */
	bool		release_on_mismatch;
	struct dhcp6_codes codes;
	struct dhcp6_duid duid;		/* len 0: DUID-LL of an interface */
};

/* dhpd.conf */
struct conf_dhcp6s {
	char		interface[CONF_IFNAME_MAX];
	struct conf_prefix pool;
	unsigned	prefix_length;	/* delegated */
	bool		grant[CONT_MAX + 1];	/* by CONT_* */
	uint8_t		order[CONT_MAX + 1];	/* as listed; [0] for "any" */
	size_t		norder;
	unsigned	preferred_lifetime, valid_lifetime;	/* s */
	unsigned	renew_time, rebind_time;	/* T1, T2; 0: 0.5/0.8 */
	unsigned	max_bindings;
	bool		rapid_commit;
	unsigned	preference;	/* Preference option, 0: not sent */
	struct in6_addr	anchor;		/* Anchor Preference that is us */
	struct dhcp6_codes codes;
	struct dhcp6_duid duid;		/* len 0: DUID-LL of interface */
};

void	conf_dhcp6c_print(FILE *, const struct conf_dhcp6c *);
void	conf_dhcp6c_free(struct conf_dhcp6c *);	/* NULL is fine */
void	conf_dhcp6s_print(FILE *, const struct conf_dhcp6s *);
void	conf_dhcp6s_free(struct conf_dhcp6s *);
/* "0003000102" -> DUID; 0, or -1 if not 1..130 hex octets. */
int	conf_dhcp6_duid_parse(const char *, struct dhcp6_duid *);

#ifdef DMIP_CONF_INTERNAL
extern cfg_opt_t conf_dhcp6c_opts[];
extern cfg_opt_t conf_dhcp6s_opts[];

/* One line in the loader's option table each. */
#define CONF_DHCP6C_SEC	CFG_SEC("dhcp6", conf_dhcp6c_opts, CFGF_MULTI)
#define CONF_DHCP6S_SEC	CFG_SEC("dhcp6", conf_dhcp6s_opts, CFGF_MULTI)

/* Load the section if present (*out NULL if not). Errors go through
 * conf_err(); ifs: mnd's interfaces (the client's default and the set
 * it must stay in); pools/address: dhpd's DHoA pools (no overlap) and
 * address (the default anchor). */
void	conf_dhcp6c_load(struct conf_ctx *, char (*ifs)[CONF_IFNAME_MAX],
	    size_t nifs, struct conf_dhcp6c **out);
void	conf_dhcp6s_load(struct conf_ctx *, const struct conf_prefix *pools,
	    size_t npools, const struct in6_addr *address,
	    struct conf_dhcp6s **out);
#endif

#endif /* DMIP_CONF_DHCP6_H */
