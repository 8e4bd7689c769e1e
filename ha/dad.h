/*
 * dad.h: Duplicate Address Detection for home addresses, the pure part
 * (RFC 4862 5.4; RFC 4861 4.3, 4.4, 7.1; RFC 6275 10.3.1; PROTOCOL.md
 * F.15). No sockets and no clocks: ha_dad.c does the I/O.
 *
 *   - dad_ns_build(): the whole IPv6 packet of a DAD Neighbor
 *     Solicitation (source ::, destination the target's solicited-node
 *     group, hop limit 255, no Source Link-Layer Address option), with
 *     its ICMPv6 checksum, ready for an IPPROTO_RAW socket: a raw ICMPv6
 *     socket cannot send from :: (the kernel would pick a source).
 *     It carries an RFC 7527 Nonce option, so a copy of our own NS that
 *     comes back is recognised and not taken for another node's DAD.
 *   - dad_nd_parse(): an NS or NA (ICMPv6 header first, as a raw ICMPv6
 *     socket delivers it) into a struct dad_nd, with the RFC 4861 7.1
 *     validity checks that need only the bytes.
 *   - dad_rx_judge(): does a received, parsed NS/NA say that the target
 *     of our probe is in use (RFC 4862 5.4.3, 5.4.4)?
 *   - struct dad_table: the probes in flight, by target, with how many
 *     share a solicited-node group (one multicast join per group).
 */
#ifndef DMIP_HA_DAD_H
#define DMIP_HA_DAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#define DAD_RETRANS_MS		1000	/* RFC 4861 10 RetransTimer */
#define DAD_TRANSMITS		1	/* DupAddrDetectTransmits (4862) */
#define DAD_HOPLIMIT		255	/* RFC 4861 7.1 */
#define DAD_NONCE_LEN		6	/* RFC 7527 */
#define DAD_ICMP_NS		135
#define DAD_ICMP_NA		136
#define DAD_NS_LEN		32	/* NS 24 + Nonce option 8 */
#define DAD_PKT_LEN		(40 + DAD_NS_LEN)

/* ff02::1:ffXX:XXXX for the low 24 bits of target (RFC 4291 2.7.1). */
void	dad_solicited_node(const struct in6_addr *target,
	    struct in6_addr *group);

/* The DAD NS for target as a full IPv6 packet into buf. Its length
 * (DAD_PKT_LEN), or -1 when cap is too small. */
ssize_t	dad_ns_build(uint8_t *buf, size_t cap,
	    const struct in6_addr *target, const uint8_t nonce[DAD_NONCE_LEN]);

/* One received NS or NA. */
struct dad_nd {
	uint8_t		type;		/* DAD_ICMP_NS or _NA */
	uint32_t	na_flags;	/* NA: R, S, O (RFC 4861 4.4) */
	struct in6_addr	target;
	bool		has_sllao;	/* NS: Source Link-Layer */
	bool		has_nonce;
	uint8_t		nonce[DAD_NONCE_LEN];
};

#define DAD_NA_F_SOLICITED	0x40000000u

enum dad_perr {
	DAD_P_OK = 0,
	DAD_P_SHORT = -1,	/* shorter than the fixed part */
	DAD_P_TYPE = -2,	/* neither NS nor NA */
	DAD_P_CODE = -3,	/* code is not 0 */
	DAD_P_TARGET = -4,	/* multicast target */
	DAD_P_OPT = -5,		/* option of length 0 or past the end */
};

const char	*dad_perr_name(int);

/* Parse p[0..len): the ICMPv6 message (type first). DAD_P_OK or a
 * negative dad_perr. Reads nothing outside p. */
int	dad_nd_parse(const uint8_t *p, size_t len, struct dad_nd *nd);

enum dad_rx_verdict {
	DAD_RX_IGNORE = 0,	/* nothing to do with our probe */
	DAD_RX_INVALID,		/* fails RFC 4861 7.1 (src/dst/hops) */
	DAD_RX_LOOPED,		/* our own NS came back (same nonce) */
	DAD_RX_DUP_NA,		/* someone has the address */
	DAD_RX_DUP_NS,		/* someone else is doing DAD for it */
};

const char	*dad_rx_name(enum dad_rx_verdict);

/*
 * What nd, received from src to dst with hoplimit, means for a probe of
 * target that sent nonce. An NS from a unicast source is address
 * resolution, not DAD, and is ignored (RFC 4862 5.4.3).
 */
enum dad_rx_verdict dad_rx_judge(const struct dad_nd *nd,
	    const struct in6_addr *src, const struct in6_addr *dst,
	    int hoplimit, const struct in6_addr *target,
	    const uint8_t nonce[DAD_NONCE_LEN]);

/* ---- probes in flight ---------------------------------------------- */

/* Embedded in the caller's own probe record (intrusive). */
struct dad_probe {
	struct in6_addr		 target;
	uint8_t			 nonce[DAD_NONCE_LEN];
	struct dad_probe	*next;		/* hash chain */
};

struct dad_table {
	struct dad_probe	**hash;
	size_t			  nbuckets;	/* a power of two */
	size_t			  count;
};

/* 0, or -1 (ENOMEM). */
int	dad_table_init(struct dad_table *);
/* Frees the buckets, not the probes (they are the caller's). */
void	dad_table_fini(struct dad_table *);
struct dad_probe *dad_table_find(const struct dad_table *,
	    const struct in6_addr *target);
/* p->target set, not in the table yet. 0, or -1 with errno EEXIST. */
int	dad_table_insert(struct dad_table *, struct dad_probe *p);
void	dad_table_remove(struct dad_table *, struct dad_probe *p);
/* Probes whose target has the same solicited-node group as target's. */
size_t	dad_table_group_count(const struct dad_table *,
	    const struct in6_addr *target);
/* Any probe, to drain the table; NULL when empty. */
struct dad_probe *dad_table_any(const struct dad_table *);

#endif /* DMIP_HA_DAD_H */
