/*
 * nfq.h: mnd's NFQUEUE edge (PROTOCOL.md G.1, TESTBED.md 2). Function
 * prefix flowq_ (libnetfilter_queue owns nfq_).
 *
 * Two parts:
 *  - the queues (nfq.c): one netlink socket bound to an OUTPUT queue
 *    (MN-initiated flows) and, optionally, a PREROUTING queue
 *    (CN-initiated flows); AF_INET6, copy of the first copy_range bytes,
 *    bounded length, fail-open (NFQA_CFG_F_FAIL_OPEN), UID/GID delivery,
 *    NETLINK_NO_ENOBUFS (an ENOBUFS that still arrives is counted and
 *    survived). Each packet goes to the caller's decide() callback,
 *    which returns the mark for an NF_ACCEPT verdict now, or defers
 *    (G.3: hold the packet while an anchor is found) and calls
 *    flowq_verdict() later. Only the bits under FLOW_MARK_MASK are
 *    replaced; other bits of the packet's mark are kept.
 *  - the rules (nfq_rules.c, pure text; nfq.c runs it): our own mangle
 *    chains, built once at start and removed at exit with one atomic
 *    `ip6tables-restore --noflush` each (STYLE.md allows this; never
 *    per flow). Start-up first reads `ip6tables-save -t mangle`, so a
 *    restart after a crash removes every old jump and refills the
 *    chains: no duplicates. The xtables NFQUEUE target is used through
 *    the ip6tables front-end (nft has no `queue` here, TESTBED.md 1).
 *
 *    mangle OUTPUT      -> DMIP6-OUT  (first rule)
 *    mangle PREROUTING  -> DMIP6-PRE  (first rule)
 *    mangle POSTROUTING -> DMIP6-POST (last rule)
 *    mangle INPUT       -> DMIP6-POST (last rule)
 *
 *    DMIP6-OUT:
 *      -j CONNMARK --restore-mark --nfmask M --ctmask M
 *      -m mark --mark C/C -j RETURN        (classified: never queued)
 *      -p tcp -m conntrack --ctstate NEW -j NFQUEUE --queue-num N
 *          --queue-bypass                  (and -p udp; ICMPv6 echo
 *                                           requests when queue_icmp)
 *    DMIP6-PRE (received packets are delivered locally and need no
 *    mark for routing, so no restore: one target less per packet):
 *      -m connmark --mark C/C -j RETURN
 *      the same NFQUEUE rules with the PREROUTING queue (hook_pre)
 *    DMIP6-POST (connmark first: established packets stop there):
 *      -m connmark --mark 0/C -m mark --mark C/C
 *          -j CONNMARK --save-mark --nfmask M --ctmask M
 *
 *    M = FLOW_MARK_MASK, C = FLOW_MARK_CLASSIFIED. So only packets of
 *    a NEW conntrack entry whose connmark has no C bit reach the queue.
 *    A verdict resumes at the next hook, not the next rule (TESTBED.md
 *    2), hence the save in POSTROUTING (sent) and INPUT (received).
 *    --queue-bypass: with no listener (mnd dead) packets pass
 *    unclassified instead of being dropped.
 */
#ifndef DMIP_NFQ_H
#define DMIP_NFQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "flow_mark.h"

#define FLOWQ_MAXLEN_DEFAULT	8192
#define FLOWQ_COPY_DEFAULT	256	/* IPv6 + ext headers + L4 ports */
#define FLOWQ_RCVBUF_DEFAULT	(8 * 1024 * 1024)

struct flowq_conf {
	uint16_t	 queue_out;	/* NFQUEUE number for OUTPUT */
	uint16_t	 queue_pre;	/* for PREROUTING */
	bool		 hook_pre;	/* classify CN-initiated flows too */
	bool		 queue_icmp;	/* queue ICMPv6 echo requests too */
	uint32_t	 maxlen;	/* queue length bound; 0 default */
	uint32_t	 copy_range;	/* bytes copied; 0 default */
	bool		 fail_open;	/* NFQA_CFG_F_FAIL_OPEN */
	bool		 uid_gid;	/* NFQA_CFG_F_UID_GID */
	int		 rcvbuf;	/* netlink socket buffer; 0 default */
	const char	*restore;	/* NULL: "ip6tables-restore" */
};

/* Defaults: queues 0 and 1, PREROUTING on, fail-open, uid/gid. */
void	flowq_conf_default(struct flowq_conf *);

/* ---- the queues ---------------------------------------------------- */

struct flowq_pkt {
	uint32_t	 id;		/* for flowq_verdict() */
	enum flow_hook	 hook;
	const uint8_t	*data;		/* the IPv6 packet, maybe cut short */
	size_t		 len;
	uint32_t	 mark;		/* the packet's mark now */
	bool		 has_uid, has_gid;	/* sending socket (OUTPUT) */
	uid_t		 uid;
	gid_t		 gid;
};

#define FLOWQ_ACCEPT	0	/* decide(): verdict now with *mark */
#define FLOWQ_DEFER	1	/* decide(): caller calls flowq_verdict() */

typedef int (*flowq_decide_fn)(const struct flowq_pkt *, uint32_t *mark,
    void *arg);

struct flowq_stats {
	uint64_t	packets[FLOW_HOOK_COUNT];
	uint64_t	verdicts;
	uint64_t	deferred;
	uint64_t	verdict_errors;
	uint64_t	enobufs;	/* netlink overruns seen */
	uint64_t	recv_errors;
	uint64_t	bad_msgs;	/* no header / no payload */
};

/* The kernel's own counters for a queue (/proc/net/netfilter/
 * nfnetlink_queue, per namespace). */
struct flowq_kstats {
	uint32_t	queue_total;	/* waiting for a verdict now */
	uint32_t	queue_dropped;	/* over maxlen without fail-open */
	uint32_t	user_dropped;	/* netlink send failed */
	uint32_t	id_sequence;	/* packets ever queued */
};

struct flowq;

/* Binds the queues (not the rules). NULL with errno on failure (EBUSY:
 * another process holds a queue number). */
struct flowq	*flowq_open(const struct flowq_conf *, flowq_decide_fn,
		    void *arg);
void		 flowq_close(struct flowq *);
/* Non-blocking; poll it for reading, then call flowq_dispatch(). */
int		 flowq_fd(const struct flowq *);
/* Handles every message waiting. Returns packets handled (>= 0), or
 * -1 when the socket failed for good. */
int		 flowq_dispatch(struct flowq *);
/* A deferred verdict: NF_ACCEPT with mark (bits under FLOW_MARK_MASK)
 * merged into old_mark (the flowq_pkt's mark). 0 or -1. */
int		 flowq_verdict(struct flowq *, enum flow_hook, uint32_t id,
		    uint32_t old_mark, uint32_t mark);
const struct flowq_stats *flowq_get_stats(const struct flowq *);
int		 flowq_kernel_stats(uint16_t queue, struct flowq_kstats *);

/* ---- the rules ------------------------------------------------------ */

enum flowq_chain {
	FLOWQ_CH_OUT = 0,
	FLOWQ_CH_PRE,
	FLOWQ_CH_POST,
	FLOWQ_NCHAINS
};

/* What `ip6tables-save -t mangle` shows of ours. */
struct flowq_rules_state {
	bool	chain[FLOWQ_NCHAINS];	/* declared */
	char	*jumps;			/* "-D ..." lines for every rule in
					 * a built-in chain that jumps to
					 * one of ours; NULL none */
	size_t	 njumps;
};

extern const char *const flowq_chain_names[FLOWQ_NCHAINS];

/* Pure helpers (nfq_rules.c). scan: 0 or -1 (ENOMEM); free with
 * flowq_rules_state_free(). The text functions return a malloc'ed
 * ip6tables-restore input ("" when there is nothing to remove), or
 * NULL (ENOMEM). */
int	 flowq_rules_scan(const char *save_text, struct flowq_rules_state *);
void	 flowq_rules_state_free(struct flowq_rules_state *);
char	*flowq_rules_install_text(const struct flowq_conf *,
	    const struct flowq_rules_state *);
char	*flowq_rules_remove_text(const struct flowq_rules_state *);
/* "ip6tables-restore" -> "ip6tables-save", "x-legacy-restore" ->
 * "x-legacy-save". Writes into buf. */
const char *flowq_save_cmd(const char *restore, char *buf, size_t len);

/* I/O: run save + restore (fork/exec, start and stop only). 0 or -1
 * (logged). */
int	flowq_rules_install(const struct flowq_conf *);
int	flowq_rules_remove(const struct flowq_conf *);

/*
 * Source translation of transparently anchored flows (G.3): nat table
 * chain DMIP6-NAT, jumped to from nat POSTROUTING, one rule per anchor
 * that carries translated flows:
 *   -m mark --mark (N|anchor)/(N|ANCHOR_MASK) -j SNAT --to-source <to>
 * Rebuilt whole (one ip6tables-restore) when the set of anchors
 * changes, which is per DHoA, never per flow.
 */
#define FLOWQ_NAT_CHAIN	"DMIP6-NAT"
/* MSS of translated TCP flows: the tunnel MTU (tunnel.h TUNNEL_MTU,
 * 1440) less the IPv6 and TCP headers. */
#define FLOWQ_NAT_MSS	1380

struct flowq_nat {
	uint8_t		anchor;
	struct in6_addr	to;
};

/* Pure: the restore text from `ip6tables-save -t nat` output (old
 * jumps are removed, one is added). NULL on ENOMEM. */
char	*flowq_nat_text(const char *save_text, const struct flowq_nat *,
	    size_t n);
char	*flowq_nat_remove_text(const char *save_text);
/* I/O. 0 or -1 (logged). */
int	flowq_nat_sync(const struct flowq_conf *, const struct flowq_nat *,
	    size_t n);
int	flowq_nat_remove(const struct flowq_conf *);

#endif /* DMIP_NFQ_H */
