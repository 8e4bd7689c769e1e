/*
 * tunnel.h: the data plane (PROTOCOL.md H, B.12). One interface, three
 * backends that all put plain RFC 2473 IPv6-in-IPv6 on the wire (next
 * header 41, no SRH, no encapsulation-limit option) between the nodes'
 * own addresses, so any backend interoperates with any other:
 *
 *   seg6    kernel seg6 encap.red routes + seg6local End.DT6 (default)
 *   tun     TUN device + raw proto-41 socket pumped in user space
 *   ip6tnl  libnl ip6ip6 devices, encaplimit none (needs ip6_tunnel)
 *
 * Roles. ANCHOR (had, dhpd): bind(HoA/DHoA, CoA) routes the inner /128
 * into the tunnel to the CoA; proto-41 packets to the own endpoint are
 * decapsulated and the inner packet is forwarded or delivered.
 * MN (mnd): bind(HoA/DHoA, HA/DHP) puts the inner address on lo (/128,
 * nodad, preferred_lft 0 so the kernel never picks it as a default
 * source), adds "from <inner> lookup <own table>" and a default route
 * into the tunnel in that table (one table per address, so several
 * anchors coexist); packets to the own CoA are decapsulated and
 * delivered.
 *
 * Kernel state the seg6 backend adds (TESTBED.md 3, "MIPv6 framing"):
 *   rule pref <local_pref> lookup local      (moved from pref 0)
 *   rule pref <decap_pref> to <local>/128 ipproto 41 lookup <decap_table>
 *   <local>/128 encap seg6local End.DT6 table {local|main} table <decap_table>
 *   ANCHOR: local <local> dev lo table main  (lets End.DT6 table main deliver)
 * tunnel_close() removes all of it and puts the local rule back at pref 0.
 * Needs forwarding=1 at an anchor (the daemon's job).
 */
#ifndef DMIP_TUNNEL_H
#define DMIP_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

enum tunnel_role {
	TUNNEL_ROLE_MN,
	TUNNEL_ROLE_ANCHOR,
};

enum tunnel_kind {
	TUNNEL_AUTO,
	TUNNEL_SEG6,
	TUNNEL_TUN,
	TUNNEL_IP6TNL,
};

#define TUNNEL_MTU		1440	/* PROTOCOL.md B.12, F.14 */
#define TUNNEL_DECAP_TABLE	250
#define TUNNEL_TABLE_BASE	260
#define TUNNEL_DECAP_PREF	500
#define TUNNEL_LOCAL_PREF	1000
#define TUNNEL_SRC_PREF		1100	/* after the local table */
#define TUNNEL_TUN_NAME		"dmip0"

struct tunnel_cfg {
	enum tunnel_role role;
	struct in6_addr	local;		/* own CoA (MN), own address (anchor) */
	unsigned	ifindex;	/* uplink */
	uint32_t	decap_table;	/* seg6: holds the End.DT6 route */
	uint32_t	table_base;	/* MN: first per-address table */
	uint32_t	decap_pref;	/* seg6: "to <local> ipproto 41" rule */
	uint32_t	local_pref;	/* seg6: where the local rule moves */
	uint32_t	src_pref;	/* MN: "from <inner>" rules */
	unsigned	mtu;
	char		tun_name[IF_NAMESIZE];	/* tun: device name */
};

/* One bound inner address. */
struct tunnel_bind {
	struct in6_addr		 inner;	/* HoA or DHoA */
	struct in6_addr		 peer;	/* CoA (anchor), HA/DHP (MN) */
	uint32_t		 table;	/* MN: its own routing table */
	unsigned		 dev;	/* ip6tnl: its device */
	struct tunnel_bind	*next;	/* hash chain */
};

struct tunnel;

/*
 * A backend. The generic layer (tunnel_*) keeps the binding table and
 * calls these with the record already filled in; move() gets the old
 * peer, set_local() finds t->cfg.local/ifindex already updated and
 * gets the old local address.
 */
struct tunnel_ops {
	const char	*name;
	int	(*init)(struct tunnel *);
	int	(*bind)(struct tunnel *, struct tunnel_bind *);
	int	(*move)(struct tunnel *, struct tunnel_bind *,
		    const struct in6_addr *old_peer);
	int	(*unbind)(struct tunnel *, struct tunnel_bind *);
	int	(*set_local)(struct tunnel *, const struct in6_addr *old_local,
		    unsigned old_ifindex);
	void	(*fini)(struct tunnel *);
	int	(*fd)(struct tunnel *);		/* -1: nothing to poll */
	void	(*on_readable)(struct tunnel *);
	/* Work set_local() may leave for later (NULL: none). */
	void	(*finish)(struct tunnel *);
};

struct tunnel_stats {
	uint64_t	encap_pkts, decap_pkts;	/* tun backend only */
	uint64_t	drop_unknown;	/* no binding / not from its peer */
	uint64_t	drop_bad;	/* not an IPv6 packet, I/O errors */
};

struct nlr;

struct tunnel {
	const struct tunnel_ops	*ops;
	struct tunnel_cfg	 cfg;
	struct nlr		*nl;
	struct tunnel_bind	**hash;
	size_t			 nbuckets, count;
	bool			 local_moved;	/* local rule at local_pref */
	bool			 defer_finish;	/* the owner calls
						 * tunnel_finish() itself */
	struct tunnel_stats	 stats;
	void			*priv;		/* backend state */
};

extern const struct tunnel_ops tunnel_seg6_ops;
extern const struct tunnel_ops tunnel_tun_ops;
extern const struct tunnel_ops tunnel_ip6tnl_ops;

void	tunnel_cfg_defaults(struct tunnel_cfg *, enum tunnel_role,
	    const struct in6_addr *local, unsigned ifindex);
/* "auto", "seg6", "tun", "ip6tnl". 0 or -1. */
int	tunnel_kind_parse(const char *, enum tunnel_kind *);
const char *tunnel_kind_name(enum tunnel_kind);
const char *tunnel_role_name(enum tunnel_role);
/* seg6 if /proc/sys/net/ipv6/conf/all/seg6_enabled exists, else tun. */
enum tunnel_kind tunnel_probe(void);

/* Probe (for AUTO), set up the endpoint; NULL (logged) on failure. */
struct tunnel	*tunnel_open(enum tunnel_kind, const struct tunnel_cfg *);
/* Unbind everything, remove the endpoint, restore the local rule. */
void		 tunnel_close(struct tunnel *);
const char	*tunnel_name(const struct tunnel *);

/* All return 0 or -errno (logged). bind() of a bound address with
 * another peer is a move(); with the same peer a no-op. */
int	tunnel_bind(struct tunnel *, const struct in6_addr *inner,
	    const struct in6_addr *peer);
int	tunnel_move(struct tunnel *, const struct in6_addr *inner,
	    const struct in6_addr *new_peer);
int	tunnel_unbind(struct tunnel *, const struct in6_addr *inner);
int	tunnel_set_local(struct tunnel *, const struct in6_addr *local,
	    unsigned ifindex);
int	tunnel_fd(struct tunnel *);
void	tunnel_on_readable(struct tunnel *);
/* After tunnel_set_local() and the signalling that must not wait for
 * it: the slow rest (seg6: the namespace's tunnel source). */
void	tunnel_finish(struct tunnel *);
struct tunnel_bind *tunnel_find(const struct tunnel *,
	    const struct in6_addr *inner);

/* Helpers the backends share (tunnel.c). */
int	tunnel_local_rule_move(struct tunnel *);
void	tunnel_local_rule_restore(struct tunnel *);
/* MN: inner address on lo + "from <inner> lookup <b->table>". */
int	tunnel_mn_attach(struct tunnel *, const struct tunnel_bind *);
void	tunnel_mn_detach(struct tunnel *, const struct tunnel_bind *);
const char *tunnel_ntop(const struct in6_addr *, char *buf);	/* 46 B */

#endif /* DMIP_TUNNEL_H */
