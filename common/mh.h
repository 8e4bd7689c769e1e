/*
 * mh.h: Mobility Header codec (PROTOCOL.md B.1-B.11).
 *
 * mh_parse() validates a whole MH (header, fixed part, every option with
 * its exact length and alignment) into a struct mh_msg; mh_build() does
 * the reverse, padding options automatically and putting AUTH last.
 * Neither touches the network or the crypto: AUTH is signed and checked
 * in auth.c, the checksum in inet_csum.c (the kernel does it on raw MH
 * sockets).
 */
#ifndef DMIP_MH_H
#define DMIP_MH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "bytes.h"
#include "dmip_proto.h"

enum mh_err {
	MH_OK = 0,
	MH_E_SHORT = -1,	/* shorter than the header or fixed part */
	MH_E_LENGTH = -2,	/* Header Len disagrees with the buffer */
	MH_E_PROTO = -3,	/* Payload Proto is not 59 */
	MH_E_TYPE = -4,		/* unknown MH type: answer BE status 2 */
	MH_E_OPT_TRUNC = -5,	/* option runs past the end of the MH */
	MH_E_OPT_LEN = -6,	/* option length wrong for its type */
	MH_E_OPT_ALIGN = -7,	/* option at a misaligned offset */
	MH_E_OPT_DUP = -8,	/* single-instance option repeated */
	MH_E_OPT_ORDER = -9,	/* something after AUTH */
	MH_E_OPT_TOOMANY = -10,	/* more repeated options than we keep */
	MH_E_FIELD = -11,	/* a fixed field has an invalid value */
	MH_E_BUF = -12,		/* builder: output buffer too small */
	MH_E_INVAL = -13,	/* builder: invalid input structure */
};

const char	*mh_strerror(int err);
const char	*mh_type_name(uint8_t type);
const char	*mh_status_name(uint8_t status);	/* C.3 + C.4 */

/* Limits on repeated options kept by the parser. */
#define MH_MAX_CAND	8
#define MH_MAX_FLOWS	8
#define MH_MAX_HNP	8
#define MH_MNID_MAX	254	/* identifier bytes (option len - 1) */
#define MH_AUTH_MAC_MAX	32

/* Option presence bits in mh_opts.present */
#define MHO_BRA		(1u << 0)
#define MHO_ALTCOA	(1u << 1)
#define MHO_HOA		(1u << 2)
#define MHO_MNID	(1u << 3)
#define MHO_MESGID	(1u << 4)
#define MHO_TIMESTAMP	(1u << 5)
#define MHO_HI		(1u << 6)
#define MHO_ATT		(1u << 7)
#define MHO_ANCHOR_HINT	(1u << 8)
#define MHO_AUTH	(1u << 9)

struct mh_prefix {		/* HNP (22) and Anchor Hint (203) */
	uint8_t		plen;
	struct in6_addr	prefix;
};

struct mh_dhp_cand {		/* option 201 */
	uint8_t		pref;
	uint8_t		flags;	/* DHP_CAND_F_* */
	uint16_t	metric;
	struct in6_addr	addr;
};

struct mh_flow_desc {		/* option 202 */
	uint8_t		proto;
	uint8_t		cont_type;	/* CONT_* */
	uint16_t	mn_port;
	uint16_t	cn_port;
	struct in6_addr	cn;
};

struct mh_opts {
	uint32_t	present;	/* MHO_* */
	uint16_t	bra;		/* refresh interval, 4 s units */
	struct in6_addr	altcoa;
	struct in6_addr	hoa;		/* option 200 */
	uint8_t		mnid_subtype;
	uint8_t		mnid_len;
	uint8_t		mnid[MH_MNID_MAX];
	uint64_t	mesgid;		/* RFC 4285 NTP timestamp */
	uint64_t	timestamp;	/* RFC 5213 8.8: 48-bit s since 1970, 16-bit fraction */
	uint8_t		hi;
	uint8_t		att;
	struct mh_prefix anchor_hint;
	uint8_t		n_hnp;
	struct mh_prefix hnp[MH_MAX_HNP];
	uint8_t		n_cand;
	struct mh_dhp_cand cand[MH_MAX_CAND];
	uint8_t		n_flow;
	struct mh_flow_desc flow[MH_MAX_FLOWS];
	/* RFC 4285 AUTH. On build, set subtype, spi and mac_len; the MAC is
	 * written later by mh_auth_sign(). On parse, off is where the option
	 * starts in the MH (its type octet). */
	uint8_t		auth_subtype;
	uint32_t	auth_spi;
	uint8_t		auth_mac_len;
	uint8_t		auth_mac[MH_AUTH_MAC_MAX];
	uint16_t	auth_off;
};

struct mh_bu {			/* type 5 (B.3); also PBU with BU_F_P */
	uint16_t	seq;
	uint16_t	flags;		/* BU_F_* */
	uint16_t	lifetime;	/* 4 s units */
};

struct mh_ba {			/* type 6 (B.4) */
	uint8_t		status;
	uint8_t		flags;		/* BA_F_* */
	uint16_t	seq;
	uint16_t	lifetime;
};

struct mh_be {			/* type 7 (B.6) */
	uint8_t		status;
	struct in6_addr	hoa;
};

struct mh_dhp_query {		/* type 200 (B.11.2) */
	uint16_t	seq;
	uint8_t		flags;		/* DHP_QUERY_F_I */
	uint8_t		max_cand;
	struct in6_addr	cn;
};

struct mh_dhp_reply {		/* type 201 (B.11.3) */
	uint16_t	seq;
	uint8_t		status;
	uint8_t		count;		/* parse: must equal opt.n_cand */
	uint16_t	validity;	/* 4 s units */
	struct in6_addr	cn;
};

struct mh_dhoa_req {		/* type 202 (B.11.4) */
	uint16_t	seq;
	uint8_t		flags;		/* DHOA_F_B */
	uint8_t		cont_type;
	uint16_t	lifetime;	/* 4 s units */
	struct in6_addr	req_dhoa;	/* :: = any */
	struct in6_addr	hoa;
	struct in6_addr	coa;
};

struct mh_dhoa_resp {		/* type 203 (B.11.5) */
	uint16_t	seq;
	uint8_t		status;
	uint8_t		flags;		/* DHOA_F_B */
	uint16_t	lifetime;
	uint8_t		plen;
	struct in6_addr	dhoa;
	struct in6_addr	tep;		/* tunnel endpoint, :: = source */
};

struct mh_dhp_bu {		/* type 204 (B.11.6) */
	uint16_t	seq;
	uint8_t		flags;		/* DHP_BU_F_A, DHP_BU_F_R */
	uint16_t	lifetime;
	struct in6_addr	dhoa;
	struct in6_addr	coa;
};

struct mh_dhp_bc {		/* type 205 (B.11.7) */
	uint16_t	seq;
	uint8_t		status;
	uint16_t	lifetime;
	struct in6_addr	dhoa;
};

struct mh_msg {
	uint8_t		type;		/* MH_TYPE_* */
	union {
		struct mh_bu		bu;
		struct mh_ba		ba;
		struct mh_be		be;
		struct mh_dhp_query	dq;
		struct mh_dhp_reply	dr;
		struct mh_dhoa_req	dreq;
		struct mh_dhoa_resp	dresp;
		struct mh_dhp_bu	dbu;
		struct mh_dhp_bc	dbc;
	} u;				/* BRR has no fields */
	struct mh_opts	opt;
	size_t		bad_off;	/* parse error: offending octet */
};

/*
 * Parse the MH in p[0..len) (exactly one MH, as a raw socket or the UDP
 * transport delivers it). Returns MH_OK or a negative MH_E_* code; on
 * error m->bad_off names the octet at fault. Reads nothing outside p.
 */
int	mh_parse(const uint8_t *p, size_t len, struct mh_msg *m);

/*
 * Build m into buf[0..cap). Options go in a fixed order, each padded to
 * its alignment; AUTH (if MHO_AUTH) last with padding before it so the
 * MH ends on 8 octets. The checksum is left 0. Returns the MH length,
 * or a negative MH_E_* code. If AUTH is present, *auth_off (may be
 * NULL) receives its offset for mh_auth_sign().
 */
ssize_t	mh_build(const struct mh_msg *m, uint8_t *buf, size_t cap,
	    size_t *auth_off);

/*
 * Low-level builders, for mh_build() and for tests that need odd layouts.
 * The MH must start at offset 0 of the wbuf. Each option builder first
 * pads (Pad1/PadN) so the option's type octet meets its alignment.
 */
void	mh_put_header(struct wbuf *, uint8_t type);
void	mh_put_pad_to(struct wbuf *, unsigned x, unsigned y);	/* xn+y */
void	mh_put_opt_bra(struct wbuf *, uint16_t interval);
void	mh_put_opt_altcoa(struct wbuf *, const struct in6_addr *);
void	mh_put_opt_hoa(struct wbuf *, const struct in6_addr *);
void	mh_put_opt_mnid(struct wbuf *, uint8_t subtype, const uint8_t *,
	    size_t);
void	mh_put_opt_mesgid(struct wbuf *, uint64_t);
void	mh_put_opt_timestamp(struct wbuf *, uint64_t);
void	mh_put_opt_hi(struct wbuf *, uint8_t);
void	mh_put_opt_att(struct wbuf *, uint8_t);
void	mh_put_opt_hnp(struct wbuf *, const struct mh_prefix *);
void	mh_put_opt_anchor_hint(struct wbuf *, const struct mh_prefix *);
void	mh_put_opt_dhp_cand(struct wbuf *, const struct mh_dhp_cand *);
void	mh_put_opt_flow_desc(struct wbuf *, const struct mh_flow_desc *);
/* AUTH: pads so the option ends on 8n, writes a zero MAC; returns its
 * offset, or 0 on overflow. */
size_t	mh_put_opt_auth(struct wbuf *, uint8_t subtype, uint32_t spi,
	    uint8_t mac_len);
/* Pad to a multiple of 8 and write Header Len. Returns MH length or
 * MH_E_BUF. */
ssize_t	mh_finish(struct wbuf *);

#endif /* DMIP_MH_H */
