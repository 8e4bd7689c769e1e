/*
 * nl_route.h: small synchronous rtnetlink requests (libnl core API)
 * for the data plane: IPv6 routes with or without seg6 encapsulation,
 * ip rules, addresses, link up/MTU, proxy ND entries, and sysctl
 * writes through /proc/sys. libnl 3.7 has no seg6 helpers, so the
 * RTA_ENCAP attributes are built by hand (TESTBED.md 3).
 *
 * Every request waits for the kernel's ACK and returns 0 or -errno,
 * so callers can tell EEXIST and ENOENT/ESRCH apart.
 */
#ifndef DMIP_NL_ROUTE_H
#define DMIP_NL_ROUTE_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#define NLR_TABLE_MAIN	254
#define NLR_TABLE_LOCAL	255

struct nlr;

struct nlr	*nlr_open(void);		/* NULL and errno on failure */
void		 nlr_close(struct nlr *);

enum nlr_encap {
	NLR_ENCAP_NONE,
	NLR_ENCAP_SEG6_RED,	/* encap seg6 mode encap.red segs <seg> */
	NLR_ENCAP_SEG6LOCAL_DT6,/* encap seg6local action End.DT6 table T */
};

struct nlr_route {
	struct in6_addr	dst;
	uint8_t		plen;
	uint8_t		type;		/* RTN_UNICAST (0 = unicast), RTN_LOCAL */
	uint32_t	table;		/* 0 = main */
	unsigned	oif;		/* 0 = none */
	bool		has_gw;
	struct in6_addr	gw;
	uint32_t	metric;		/* RTA_PRIORITY, 0 = kernel default */
	uint32_t	mtu;		/* RTAX_MTU, 0 = none */
	uint32_t	advmss;		/* RTAX_ADVMSS, 0 = none */
	enum nlr_encap	encap;
	struct in6_addr	seg;		/* SEG6_RED: the one segment (peer) */
	bool		has_tunsrc;	/* SEG6_RED: per-route outer source */
	struct in6_addr	tunsrc;
	uint32_t	dt6_table;	/* SEG6LOCAL_DT6: table to look up */
};

/* Add; replace = NLM_F_REPLACE (atomic re-point, no gap). */
int	nlr_route_add(struct nlr *, const struct nlr_route *, bool replace);
int	nlr_route_del(struct nlr *, const struct nlr_route *);

struct nlr_rule {
	uint32_t	pref;
	uint32_t	table;
	struct in6_addr	src;
	uint8_t		src_len;	/* 0 = any */
	struct in6_addr	dst;
	uint8_t		dst_len;	/* 0 = any */
	uint8_t		ipproto;	/* 0 = any (FRA_IP_PROTO) */
	uint32_t	fwmark;		/* with fwmask != 0: "fwmark m/mask" */
	uint32_t	fwmask;		/* 0 = any mark */
};

/* Add with NLM_F_EXCL: an identical rule gives -EEXIST. */
int	nlr_rule_add(struct nlr *, const struct nlr_rule *);
int	nlr_rule_del(struct nlr *, const struct nlr_rule *);

/* /128 address; preferred_lft 0 marks it deprecated so source address
 * selection never picks it (RFC 6724 rule 3, PROTOCOL.md B.12). */
int	nlr_addr_add(struct nlr *, unsigned ifindex, const struct in6_addr *,
	    uint8_t plen, bool nodad, bool deprecated);
int	nlr_addr_del(struct nlr *, unsigned ifindex, const struct in6_addr *,
	    uint8_t plen);

/* Bring a link up and set its MTU (0 = leave it). */
int	nlr_link_up(struct nlr *, unsigned ifindex, unsigned mtu);
/* Delete a link (tunnel devices). */
int	nlr_link_del(struct nlr *, unsigned ifindex);

/* Proxy ND entry (ip -6 neigh add proxy ADDR dev IF); RFC 6275 10.4.1. */
int	nlr_proxy_nd_add(struct nlr *, unsigned ifindex, const struct in6_addr *);
int	nlr_proxy_nd_del(struct nlr *, unsigned ifindex, const struct in6_addr *);

/* The seg6 encapsulation source of the network namespace (ip sr
 * tunsrc); :: means "source address selection". 0 or -errno. */
int	nlr_seg6_tunsrc_get(struct in6_addr *);
int	nlr_seg6_tunsrc_set(const struct in6_addr *);

/* /proc/sys/<key with dots or slashes>. Write value; read into buf.
 * 0 or -errno. */
int	nlr_sysctl_write(const char *key, const char *value);
int	nlr_sysctl_read(const char *key, char *buf, size_t len);

#endif /* DMIP_NL_ROUTE_H */
