/*
 * ctnl.h: conntrack through raw ctnetlink (NETLINK_NETFILTER) for mnd's
 * per-flow handling (PROTOCOL.md G.2 packets/bytes per flow, G.4 step 3
 * releasing a flow): events, get and delete by tuple. IPv6 only.
 *
 * ct_parse_msg() and ctnl_build_tuple_req() are pure (bytes in, bytes
 * out) so the unit tests and the fuzzer drive them directly; the rest
 * is the thin socket edge.
 */
#ifndef DMIP_CTNL_H
#define DMIP_CTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct ct_tuple {		/* one direction of a conntrack entry */
	struct in6_addr	src, dst;
	uint16_t	sport, dport;	/* host order; ICMPv6 echo: both =
					 * the id */
	uint8_t		proto;		/* IPPROTO_TCP / UDP / ICMPV6 */
};

enum ct_event_kind { CT_EV_NEW = 0, CT_EV_UPDATE, CT_EV_DESTROY };

struct ct_event {
	enum ct_event_kind kind;
	struct ct_tuple	orig, reply;
	uint32_t	mark;		/* CTA_MARK, 0 if absent */
	uint32_t	status;		/* CTA_STATUS, 0 if absent */
	bool		has_counters;	/* CTA_COUNTERS_ORIG/REPLY present */
	uint64_t	orig_pkts, orig_bytes, reply_pkts, reply_bytes;
};

/*
 * Parse one nlmsghdr (ctnetlink IPCTNL_MSG_CT_NEW / _DELETE, AF_INET6
 * only) of len bytes at most (the message's own nlmsg_len bounds it).
 * NEW with NLM_F_CREATE is CT_EV_NEW, NEW without it (an update, or the
 * answer to a get) CT_EV_UPDATE, DELETE CT_EV_DESTROY. Both tuples are
 * required; protocols other than ICMPv6 take their ports from
 * CTA_PROTO_SRC/DST_PORT when present (0 otherwise).
 * 0; -EINVAL malformed; -ENOMSG not a ct message / not IPv6 (skip it).
 */
int	ct_parse_msg(const uint8_t *buf, size_t len, struct ct_event *out);

/*
 * Build a ctnetlink request (msg: IPCTNL_MSG_CT_GET or
 * IPCTNL_MSG_CT_DELETE) for the entry whose ORIGINAL direction is orig,
 * flags NLM_F_REQUEST | NLM_F_ACK, into buf. ICMPv6 tuples name an echo
 * request (type 128, code 0, id = sport). Returns the length, -ENOSPC
 * when cap is too small, -EINVAL for another msg or a NULL tuple.
 */
int	ctnl_build_tuple_req(uint8_t *buf, size_t cap, uint8_t msg,
	    uint32_t seq, const struct ct_tuple *orig);

/*
 * If buf holds an NLMSG_ERROR (an ack) for seq: 0 and *error the
 * kernel's code (0 or -errno). -ENOMSG another message or another seq;
 * -EINVAL malformed.
 */
int	ctnl_parse_ack(const uint8_t *buf, size_t len, uint32_t seq,
	    int *error);

#define CTNL_GRP_NEW		0x1u
#define CTNL_GRP_UPDATE		0x2u
#define CTNL_GRP_DESTROY	0x4u

struct ctnl;

/*
 * groups: bitmask of CTNL_GRP_NEW | CTNL_GRP_UPDATE | CTNL_GRP_DESTROY
 * (0: a request-only socket). Non-blocking, 4 MiB receive buffer (best
 * effort). NULL + errno on failure.
 */
struct ctnl	*ctnl_open(unsigned groups);
void		 ctnl_close(struct ctnl *);
int		 ctnl_fd(const struct ctnl *);

/*
 * Event socket: handle every message waiting (at most a bounded batch
 * per call; the fd stays readable if more are left), cb per IPv6 ct
 * event. Returns events handled (>= 0), -1 only when the socket failed
 * for good. ENOBUFS (overrun: events were lost) is counted, logged and
 * survived.
 */
int	ctnl_read(struct ctnl *, void (*cb)(const struct ct_event *, void *),
	    void *arg);

/*
 * Request socket (synchronous, waits at most ~200 ms for the answer):
 * by ORIGINAL-direction tuple. 0; -ENOENT no such entry; -ETIMEDOUT no
 * answer; other -errno. ctnl_get fills out (counters need
 * net.netfilter.nf_conntrack_acct=1 when the entry was created).
 */
int	ctnl_delete(struct ctnl *, const struct ct_tuple *orig);
int	ctnl_get(struct ctnl *, const struct ct_tuple *orig,
	    struct ct_event *out);

struct ctnl_stats {
	uint64_t	events;		/* IPv6 ct events handed to cb */
	uint64_t	enobufs;	/* receive buffer overruns */
	uint64_t	bad_msgs;	/* malformed messages dropped */
	uint64_t	skipped;	/* not ct / not IPv6 / not the kernel */
};
const struct ctnl_stats *ctnl_get_stats(const struct ctnl *);

/* "tcp 2001:db8::1.1234 -> 2001:db8::2.80" into buf (for logs);
 * "icmpv6 2001:db8::1 -> 2001:db8::2 id 7" for ICMPv6. Returns buf. */
const char	*ct_tuple_str(const struct ct_tuple *, char *buf, size_t len);
#define CT_TUPLE_STRLEN	128	/* always enough for ct_tuple_str() */

#endif /* DMIP_CTNL_H */
