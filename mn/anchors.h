/*
 * anchors.h: the mobile node's DHP anchors (PROTOCOL.md A.2, A.3.3,
 * A.3.4, B.5, B.11.2-B.11.7, C.2, C.4, E.4, F.4, F.9, F.10, F.12, F.16,
 * G.4 steps 1-2): DHP Query to the home agent (the DHP directory),
 * DHP selection, DHoA Request, one BUL_DHP entry per DHoA, re-binding
 * on every move, release, and the fallback to the HoA.
 *
 * Pure engine (STYLE.md): no sockets, no netlink, no clocks. Events go
 * in with the time (struct bul_now); what must happen outside comes out
 * through struct anchors_io: send these MH bytes (already built and
 * signed), install a DHoA in the tunnel to its DHP, remove it, and
 * notifications. One deadline (anchors_deadline()) covers every timer.
 *
 * Requests. anchors_request(cn, type) answers at once or later:
 *   fixed            the HoA
 *   non-persistent   the CoA (the HoA at home)
 *   session-lasting  a DHoA at a DHP near cn: the directory's answer for
 *                    cn's /64 (cached for its Validity, dhp_cache.h),
 *                    else a DHP Query (C.2: 1 s, x2, 3 tries); a DHP is
 *                    selected; an anchor there is reused (F.9: one DHoA
 *                    per DHP), else a DHoA Request with B ("bind now")
 *                    and the CoA (C.2: 1 s, x2, 4 tries) leases one. A
 *                    DHP that refuses or does not answer is held down
 *                    and the next candidate is tried. With none left:
 *                    the HoA if fallback_to_ha ("fallback to HoA for
 *                    <cn> (<why>)"), else the request fails.
 *   graceful-repl.   the same among co-located candidates only (flag
 *                    0x80), with a lease of grace_s; none: the CoA.
 * cn :: (no destination yet, setsc() of E.4): no DHP Query; every DHP
 * of mnd.conf is a candidate, chosen by the tie-break.
 * A request that gets a DHoA holds it (anchors_hold()).
 *
 * Anchors (one per DHoA), state machine with "old -> new (why)" logs:
 *
 *   requesting --DHoA Response 0--> bound <--renewed-- renewing
 *       |                            |  \--lease at 80 %--> renewing
 *       +--refused/no answer-> gone  +--release/idle/exit--> releasing
 *                                                               |
 *                              gone <--DHP-BC / Response / timeout
 *
 * Bound: the DHoA is installed (tunnel to the DHP's tunnel endpoint) and
 * its BUL_DHP entry (bul.h) holds the binding: a DHP-BU right after the
 * DHoA Response (the "DHP binding" step of A.3.3; the B flag already
 * made the binding, so the DHoA is usable at once), refreshed at the
 * DHP's Binding Refresh Advice, re-sent with every new CoA in parallel
 * with the home BU (G.4 step 1), and with CoA := HoA at home (F.16). A
 * Binding Refresh Request from the DHP is answered with a DHP-BU. The
 * lease is renewed (DHoA Request naming the DHoA, no B) at 80 % of it.
 *
 * Release: when the last holder lets go (anchors_unhold()), after
 * idle_release_ms (F.10: 60 s); at once at a handoff (G.4 step 2) or by
 * anchors_release(). First a DHP-BU with lifetime 0 and R (F.10, one
 * try, 1 s); unanswered, a DHoA Request with lifetime 0 naming the DHoA
 * (3 tries); then the lease is left to expire at the DHP. At exit
 * (anchors_shutdown()) every DHoA gets the one first try.
 *
 * Answers are used only when they come from the peer asked, verify with
 * its SA (B.8: CoA || HoA || MH, the CoA being the one the request
 * carried), carry a MESG-ID inside the SA's window (except a 144, which
 * carries the peer's clock and is retried once with the offset, F.8),
 * and answer the outstanding sequence number.
 *
 * Log lines (info), one per decision:
 *   DHP Query to <ha> seq <n> for <cn> (<why>)
 *   DHP query for <cn>: <dhp>[, <dhp>...]|use HA (validity <s>s)
 *   DHoA Request to <dhp> seq <n> dhoa any|<dhoa> lifetime <s>s type <t>[ bind <coa>] (<why>)
 *   DHoA Response from <dhp> seq <n> status <n> (<name>)
 *   DHoA <dhoa> from <dhp> for <cn> type <t>
 *   DHP-BU to <dhp> seq <n> dhoa <dhoa> coa <coa> lifetime <s>s (<why>)
 *   DHP-BC from <dhp> seq <n> status <n> (<name>) lifetime <s>s
 *   BRR from <dhp> for <dhoa>
 *   anchor <dhoa>|at <dhp>: <old> -> <new> (<why>)
 *   fallback to HoA for <cn> (<why>)
 *   no anchor for <cn> (<why>)
 */
#ifndef DMIP_ANCHORS_H
#define DMIP_ANCHORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "auth.h"
#include "bul.h"
#include "conf.h"
#include "dhp_cache.h"
#include "mh.h"

#define ANCHORS_HISTORY		64	/* finished requests kept */
#define ANCHOR_RELEASE_TRIES	3	/* DHoA Requests after the DHP-BU */
#define ANCHORS_WHY_MAX		96

enum anchor_state {
	ANCHOR_REQUESTING = 0,	/* DHoA Request (B) outstanding */
	ANCHOR_BOUND,		/* installed; the BUL entry keeps the binding */
	ANCHOR_RENEWING,	/* bound; lease renewal outstanding */
	ANCHOR_RELEASING,	/* lifetime-0 DHP-BU or DHoA Request out */
	ANCHOR_GONE,		/* released, refused or lost; removed */
	ANCHOR_STATE_COUNT
};

enum areq_state {
	AREQ_QUERYING = 0,	/* waiting for the directory */
	AREQ_REQUESTING,	/* waiting for an anchor */
	AREQ_DONE,		/* addr is the answer */
	AREQ_FAILED,		/* why says why */
	AREQ_STATE_COUNT
};

enum areq_result {
	AREQ_R_NONE = 0,
	AREQ_R_DHOA,
	AREQ_R_HOA,
	AREQ_R_COA,
};

/* DHoA Request transmissions of one attempt (C.2). */
struct anchor_tx {
	bool		active;
	uint16_t	lifetime;	/* 4 s units; 0 = release */
	bool		bind;		/* B flag */
	struct in6_addr	req_dhoa;	/* :: = any */
	uint16_t	seq_first, seq;	/* sequence numbers of the attempt */
	struct in6_addr	coa, coa_prev;	/* CoA fields sent (answer's MAC) */
	unsigned	tries, max_tries;
	uint32_t	rto_ms;
	uint64_t	first_ms, next_at;
	bool		clock_retried;
	const char	*why;		/* of the attempt: new, renew, ... */
};

struct anchor {
	unsigned	 id;
	int		 dhp;		/* index in the DHP table */
	struct in6_addr	 peer;		/* DHP signalling address */
	struct in6_addr	 tep;		/* tunnel endpoint (B.11.5) */
	struct in6_addr	 dhoa;		/* :: while requesting */
	struct in6_addr	 cn;		/* the first CN it was asked for */
	uint8_t		 type;		/* CONT_SESSION_LASTING / _GRACEFUL */
	enum anchor_state state;
	unsigned	 holds;
	bool		 installed;	/* in the tunnel */
	bool		 by_bu;		/* release: lifetime-0 DHP-BU out */
	bool		 at_exit;	/* release: one try only */
	const char	*bu_why;	/* of a rate-limited DHP-BU */
	struct anchor_tx tx;
	struct bul_entry *bul;		/* from bound on */
	uint64_t	 created_ms, bound_ms;
	uint64_t	 lease_ms;	/* lease expiry */
	uint64_t	 renew_at;	/* lease renewal, 0 none */
	uint64_t	 idle_at;	/* release when no holder, 0 none */
	int64_t		 clock_offset;	/* DHP - us, NTP units (F.8) */
	uint8_t		 last_status;	/* of the last DHoA Response */
};

struct anchor_req {
	unsigned	 id;
	struct in6_addr	 cn;
	uint8_t		 type;
	enum areq_state	 state;
	enum areq_result result;
	struct in6_addr	 addr;		/* DONE: the address to use */
	int		 dhp;		/* the DHP chosen last, -1 */
	unsigned	 anchor_id;	/* REQUESTING: the anchor awaited */
	bool		*tried;		/* per DHP: asked already */
	bool		 has_answer;	/* the directory's answer below */
	struct dhpc_entry answer;
	bool		 on_net;	/* ANCHORS_REQ_ON_NET */
	char		 why[ANCHORS_WHY_MAX];
	uint64_t	 t_start, t_done;
};

/* An outstanding DHP Query (for a CN /64). */
struct dhp_query {
	struct in6_addr	cn;
	uint16_t	seq_first, seq;
	struct in6_addr	src, src_prev;	/* CoAs it left from */
	unsigned	tries;
	uint32_t	rto_ms;
	uint64_t	first_ms, next_at;
	bool		clock_retried;
};

struct anchors_cfg {
	struct in6_addr	 hoa, ha;
	const struct mh_sa *ha_sa;	/* for the DHP Query */
	unsigned	 lease_s;	/* DHoA lease asked (C.2 600 s) */
	unsigned	 grace_s;	/* graceful-replacement lease */
	unsigned	 binding_s;	/* DHP binding lifetime (C.2 300 s) */
	unsigned	 idle_release_ms; /* F.10, C.2: 60 s */
	bool		 fallback_to_ha;
	uint32_t	 query_timeout_ms;
	unsigned	 query_tries;
	uint32_t	 req_timeout_ms;
	unsigned	 req_tries;
};

enum anchors_event {
	ANCHORS_EV_BOUND = 0,	/* an anchor is installed and usable */
	ANCHORS_EV_ACK,		/* a DHP-BC accepted a binding */
	ANCHORS_EV_GONE,	/* an anchor is about to be removed */
	ANCHORS_EV_REQ_DONE,	/* a request is DONE or FAILED */
};

/* What the engine needs from outside. send and install return 0 or -1
 * (errno); the callbacks must not call back into the engine. */
struct anchors_io {
	int	(*send)(void *arg, const uint8_t *mh, size_t len,
		    const struct in6_addr *src, const struct in6_addr *dst);
	int	(*install)(void *arg, const struct in6_addr *dhoa,
		    const struct in6_addr *tep);
	void	(*uninstall)(void *arg, const struct in6_addr *dhoa);
	void	(*event)(void *arg, enum anchors_event,
		    const struct anchor *, const struct anchor_req *);
	void	*arg;
};

enum anchors_verdict {
	ANCHORS_RX_USED = 0,
	ANCHORS_RX_NOT_OURS,	/* another type, or from no peer of ours */
	ANCHORS_RX_BAD_AUTH,	/* no AUTH, wrong SPI or MAC */
	ANCHORS_RX_STALE,	/* MESG-ID missing or outside the window */
	ANCHORS_RX_IGNORED,	/* nothing outstanding it answers */
	ANCHORS_RX_BAD,		/* content makes no sense */
	ANCHORS_RX_VERDICT_COUNT
};

struct anchors_stats {
	uint64_t	queries_sent, query_timeouts, replies;
	uint64_t	requests_sent, request_timeouts, responses;
	uint64_t	dhp_bu_sent, dhp_bc, brr;
	uint64_t	send_errors;
	uint64_t	fallbacks, failures, released, lost;
	uint64_t	rx[ANCHORS_RX_VERDICT_COUNT];
};

struct anchors {
	struct anchors_cfg	 cfg;
	struct dhp_cache	 cache;
	const struct mh_sa	**dhp_sa;	/* per DHP, borrowed */
	struct bul		 bul;		/* the BUL_DHP entries */
	struct anchor		**v;
	size_t			 n, cap;
	struct anchor_req	**reqs;		/* pending, then history */
	size_t			 nreqs, reqcap;
	struct dhp_query	**q;
	size_t			 nq, qcap;
	struct in6_addr		 coa;		/* HoA at home */
	bool			 have_coa, at_home, stopping;
	uint16_t		 next_seq;
	unsigned		 next_id, next_req_id;
	int64_t			 ha_clock_offset;
	struct anchors_io	 io;
	struct anchors_stats	 st;
};

const char	*anchor_state_name(enum anchor_state);
const char	*areq_state_name(enum areq_state);
const char	*areq_result_name(enum areq_result);
const char	*anchors_verdict_name(enum anchors_verdict);

/* C.2 defaults (lease 600 s, binding 300 s, idle 60 s, grace 60 s,
 * fallback on, the query and request timers). */
void	anchors_cfg_defaults(struct anchors_cfg *);

/*
 * The DHPs of mnd.conf with their SAs from sas (an SPI without an SA
 * fails). cfg->ha_sa, sas and io must outlive the engine. first_seq:
 * the first sequence number of every kind. 0, or -1 (logged).
 */
int	anchors_init(struct anchors *, const struct anchors_cfg *,
	    const struct mnd_dhp *dhps, size_t ndhps,
	    const struct sa_table *sas, const struct anchors_io *,
	    uint16_t first_seq);
void	anchors_free(struct anchors *);

/* A usable local address: the CoA, or the HoA at home (F.16). Bound
 * DHoAs are re-bound to it (or released when idle, G.4 step 2). */
void	anchors_coa(struct anchors *, const struct in6_addr *coa, bool home,
	    struct bul_now);
/* No usable link: nothing can be sent until the next anchors_coa(). */
void	anchors_lost(struct anchors *);

/*
 * Ask for an address of type (CONT_FIXED ... CONT_GRACEFUL) for flows
 * to cn. The request (look at ->state) is DONE or FAILED at once, or
 * pending; then ANCHORS_EV_REQ_DONE reports it. NULL on ENOMEM or a bad
 * type (errno EINVAL). The pointer is valid until the next call into
 * the engine; keep ->id and use anchors_find_req().
 */
const struct anchor_req *anchors_request(struct anchors *,
	    const struct in6_addr *cn, uint8_t type, struct bul_now);
/*
 * The same with flags. ANCHORS_REQ_ON_NET (E.4 IPV6_REQUIRE_SRC_ON_NET):
 * a DHoA only from a DHP co-located with the current access network
 * (candidate flag 0x80), never the HoA instead; graceful-replacement
 * still falls back to the CoA. An anchor there is reused (F.9: the DHP
 * leases one DHoA per MN).
 */
#define ANCHORS_REQ_ON_NET	0x1
const struct anchor_req *anchors_request_flags(struct anchors *,
	    const struct in6_addr *cn, uint8_t type, unsigned flags,
	    struct bul_now);
const struct anchor_req *anchors_find_req(const struct anchors *,
	    unsigned id);

/*
 * Users of a DHoA (the flow table later; the control socket now). hold:
 * one more user (a pending idle release is cancelled); unhold: one less,
 * and with none left the DHoA is released idle_release_ms later. 0, or
 * -1 (errno ENOENT: no such DHoA, EALREADY: being released / no holder).
 */
int	anchors_hold(struct anchors *, const struct in6_addr *dhoa);
int	anchors_unhold(struct anchors *, const struct in6_addr *dhoa,
	    struct bul_now);
/* Release a DHoA now, whatever its holders. 0, or -1 (ENOENT, or
 * EALREADY when it is being released). */
int	anchors_release(struct anchors *, const struct in6_addr *dhoa,
	    struct bul_now);

/* A parsed MH (raw: its bytes) from src to dst (IPV6_PKTINFO; :: if
 * unknown): DHP Query Reply, DHoA Response, DHP-BC or BRR. */
enum anchors_verdict anchors_input(struct anchors *, const struct mh_msg *,
	    const uint8_t *raw, size_t len, const struct in6_addr *src,
	    const struct in6_addr *dst, struct bul_now);

/* Deadlines: call anchors_timer() at anchors_deadline() (or any time). */
uint64_t anchors_deadline(const struct anchors *);
void	 anchors_timer(struct anchors *, struct bul_now);

/* mnd stops: pending requests fail, every DHoA gets one release try.
 * True while something is outstanding (then wait for anchors_idle()). */
bool	anchors_shutdown(struct anchors *, struct bul_now);
bool	anchors_idle(const struct anchors *);

/*
 * Issue 8 (mnd restarts): a bound anchor as mnd saved it. Times are
 * monotonic ms of this run. Holders are not saved: the restored flows
 * take their holds again (anchors_hold()).
 */
struct anchor_saved {
	unsigned	 id;		/* 0: a new one */
	struct in6_addr	 peer;		/* the DHP, as configured */
	struct in6_addr	 tep;		/* tunnel endpoint (:: = peer) */
	struct in6_addr	 dhoa, cn;
	uint8_t		 type;		/* CONT_SESSION_LASTING / _GRACEFUL */
	uint64_t	 lease_ms;	/* lease expiry */
	uint64_t	 renew_at;	/* lease renewal, 0: at once */
	int64_t		 clock_offset;	/* of the DHoA Requests (F.8) */
	struct bul_saved bul;		/* its BUL_DHP entry */
};

/*
 * Take a saved anchor back, bound: its BUL_DHP entry comes back with
 * the saved sequence numbers and binding (bul_restore(): no DHP-BU
 * while the binding is up), the lease renewal is scheduled and, with no
 * holder yet, the idle release (F.10). Not installed: the first
 * anchors_coa() installs it in the tunnel (io.install, then
 * ANCHORS_EV_BOUND, as for a new DHoA) and re-binds it only if the CoA
 * is not the one its binding has. Logs the adoption. The anchor, or
 * NULL with errno: ENOENT the DHP is not configured (any more), ETIME
 * the lease has expired, EEXIST that DHoA, or an anchor at that DHP
 * (F.9), exists, EINVAL not a usable DHoA or type, ENOMEM.
 */
const struct anchor *anchors_adopt(struct anchors *,
	    const struct anchor_saved *, struct bul_now);

/* Lookups for the control socket. */
const struct anchor *anchors_find_dhoa(const struct anchors *,
	    const struct in6_addr *dhoa);
/* Requests, oldest first. */
size_t	anchors_nreqs(const struct anchors *);
const struct anchor_req *anchors_req_at(const struct anchors *, size_t);

#endif /* DMIP_ANCHORS_H */
