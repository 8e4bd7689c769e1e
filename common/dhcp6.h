/*
 * dhcp6.h: the DHCPv6 (RFC 8415) subset dmip6 needs for the IPv6
 * Continuity Service option (PROTOCOL.md D, seed 000): message header,
 * client/server DUID, Status Code, IA_PD with IAPREFIX and IA_NA with
 * IAADDR, and inside those the Continuity and Anchor Preference
 * options, whose codes are configurable (never assigned by IANA).
 * Fixed-size structures, no allocation.
 */
#ifndef DMIP_DHCP6_H
#define DMIP_DHCP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "dmip_proto.h"

enum dhcp6_err {
	DHCP6_OK = 0,
	DHCP6_E_SHORT = -1,	/* shorter than the 4-octet header */
	DHCP6_E_TRUNC = -2,	/* option runs past its parent */
	DHCP6_E_OPT_LEN = -3,	/* option length wrong for its code */
	DHCP6_E_FIELD = -4,	/* invalid value (type, prefix length) */
	DHCP6_E_DUP = -5,	/* single-instance option repeated */
	DHCP6_E_TOOMANY = -6,	/* more IAs/leases than we keep */
	DHCP6_E_RELAY = -7,	/* relay messages are not supported */
	DHCP6_E_BUF = -8,	/* builder: buffer too small */
	DHCP6_E_INVAL = -9,	/* builder: invalid structure */
};

#define DHCP6_DUID_MAX		130	/* RFC 8415 11.1: 2 + 128 */
/* Status Code text (RFC 8415 21.13) is kept only for logs: the parser
 * keeps the first 64 octets and stops at a NUL; the code is never cut. */
#define DHCP6_STATUS_MSG_MAX	64
#define DHCP6_MAX_IA		4
#define DHCP6_MAX_LEASE		4	/* prefixes per IA_PD, addrs per IA_NA */

struct dhcp6_codes {
	uint16_t	continuity;	/* OPTION_IPV6_CONTINUITY (D.2) */
	uint16_t	anchor_pref;	/* OPTION_ANCHOR_PREFERENCE */
};

struct dhcp6_status {
	bool		has;
	uint16_t	code;			/* DHCP6_ST_* */
	char		msg[DHCP6_STATUS_MSG_MAX + 1];	/* NUL-terminated */
};

/* What may sit inside an IAPREFIX or an IAADDR. */
struct dhcp6_lease_opts {
	bool		has_continuity;
	uint8_t		cont_type;		/* CONT_* */
	bool		has_anchor;
	uint8_t		anchor_flags;		/* DHCP6_ANCHOR_F_REQUIRED */
	struct in6_addr	anchor;
	bool		anchor_has_cont;	/* D.4 rule 5: nested option */
	uint8_t		anchor_cont_type;
	struct dhcp6_status status;
};

struct dhcp6_prefix {
	uint32_t	preferred, valid;
	uint8_t		plen;
	struct in6_addr	prefix;
	struct dhcp6_lease_opts o;
};

struct dhcp6_addr {
	struct in6_addr	addr;
	uint32_t	preferred, valid;
	struct dhcp6_lease_opts o;
};

struct dhcp6_ia_pd {
	uint32_t	iaid, t1, t2;
	struct dhcp6_status status;
	uint8_t		n_prefix;
	struct dhcp6_prefix prefix[DHCP6_MAX_LEASE];
};

struct dhcp6_ia_na {
	uint32_t	iaid, t1, t2;
	struct dhcp6_status status;
	uint8_t		n_addr;
	struct dhcp6_addr addr[DHCP6_MAX_LEASE];
};

struct dhcp6_duid {
	uint8_t		len;		/* 0: absent */
	uint8_t		b[DHCP6_DUID_MAX];
};

struct dhcp6_msg {
	uint8_t		type;		/* DHCP6_MSG_* */
	uint32_t	xid;		/* 24 bits */
	struct dhcp6_duid clientid, serverid;
	struct dhcp6_status status;
	uint8_t		n_ia_pd;
	struct dhcp6_ia_pd ia_pd[DHCP6_MAX_IA];
	uint8_t		n_ia_na;
	struct dhcp6_ia_na ia_na[DHCP6_MAX_IA];
};

void	dhcp6_codes_default(struct dhcp6_codes *);
const char *dhcp6_strerror(int);
const char *dhcp6_msg_name(uint8_t);
const char *dhcp6_status_name(uint16_t);
const char *dhcp6_cont_name(uint8_t);		/* "session-lasting" */
int	dhcp6_cont_from_name(const char *);	/* -1 if unknown */

/* Parse p[0..len). Unknown options are skipped at every level. */
int	dhcp6_parse(const uint8_t *p, size_t len, const struct dhcp6_codes *,
	    struct dhcp6_msg *);
/* Build; the continuity option appears only where has_continuity is
 * set (seed 000: a server never adds it unless the client used it).
 * Returns the length or a negative DHCP6_E_* code. */
ssize_t	dhcp6_build(const struct dhcp6_msg *, const struct dhcp6_codes *,
	    uint8_t *buf, size_t cap);

#endif /* DMIP_DHCP6_H */
