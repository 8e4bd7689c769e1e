/*
 * mn_home.h: home registration of mnd (PROTOCOL.md A.3.1, A.3.2, A.3.4,
 * B.3, B.4, B.8, C.1, F.6, F.8): the glue between the movement
 * decisions, the Binding Update List entry of the home agent (bul.h)
 * and the Binding Acknowledgements that come back.
 *
 * Pure: no sockets, no clocks, no netlink. Every event takes the time
 * (struct bul_now) and fills a struct mn_home_out: the bul_action (a BU
 * to encode with mn_home_encode() and send from act.src to act.dst, and
 * the next deadline) plus why the BU leaves, for the log line
 *
 *   BU to <ha> seq <n> coa <coa> lifetime <s>s (<why>)
 *
 * that the caller writes once the BU has actually left
 * (mn_home_fmt_bu()). Everything else is logged here, at info:
 *
 *   BA from <ha> seq <n> status <n> (<name>) lifetime <s>s
 *   bul: <old> -> <new> (<why>)
 *   registered <hoa> via <coa>
 *   deregistered <hoa>
 *
 * BA checks, in order (each failure is counted, logged at debug and
 * changes nothing): the type is BA; the source is the home agent; the
 * AUTH option verifies with the HA's SA over CoA || HoA || MH, where the
 * CoA is the BA's destination (the HA signs a BA with the CoA it sends
 * it to, ha_engine.c) and the HoA is ours (B.8); the MESG-ID is inside
 * the SA's window around our clock corrected by the offset learnt from
 * an earlier 144 (except in a 144, whose MESG-ID is the HA's clock and
 * is exactly what bul_on_ack() needs to learn the offset, F.8); and the
 * BUL entry takes it (bul_on_ack(): the outstanding sequence, or 135).
 */
#ifndef DMIP_MN_HOME_H
#define DMIP_MN_HOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "auth.h"
#include "bul.h"
#include "mh.h"

/* Why a BU leaves (the last word of the BU log line). */
enum mn_bu_why {
	MN_BU_START = 0,	/* first registration since mnd started */
	MN_BU_MOVE,		/* a new CoA */
	MN_BU_REFRESH,		/* the binding is about to expire */
	MN_BU_RETRANSMIT,	/* no BA in time, or a 135/144 retry */
	MN_BU_HOME,		/* back on the home link: lifetime 0 */
	MN_BU_SHUTDOWN,		/* mnd stops: lifetime 0 */
	MN_BU_WHY_COUNT
};

/* What became of a received MH. */
enum mn_ba_verdict {
	MN_BA_USED = 0,		/* authentic, fresh, and the BUL took it */
	MN_BA_NOT_BA,		/* another MH type */
	MN_BA_STRANGER,		/* not from our home agent */
	MN_BA_BAD_AUTH,		/* AUTH missing, wrong SPI or MAC */
	MN_BA_STALE,		/* MESG-ID missing or outside the window */
	MN_BA_IGNORED,		/* wrong sequence, nothing outstanding */
	MN_BA_VERDICT_COUNT
};

struct mn_home_stats {
	uint64_t	rx[MN_BA_VERDICT_COUNT];	/* by verdict */
	uint64_t	bu_sent;	/* counted by mn_home_sent() */
	uint64_t	bu_send_errors;	/* counted by mn_home_send_failed() */
};

struct mn_home {
	struct bul		 bul;
	struct bul_entry	*e;		/* the home agent's entry */
	const struct mh_sa	*sa;		/* borrowed: the HA's SA */
	bool			 started;	/* a registration was begun */
	enum mn_bu_why		 pending_why;	/* a rate-limited BU */
	struct mn_home_stats	 st;
};

struct mn_home_out {
	struct bul_action	act;
	enum mn_bu_why		why;	/* valid when act.send */
};

const char	*mn_bu_why_name(enum mn_bu_why);
const char	*mn_ba_verdict_name(enum mn_ba_verdict);

/*
 * One BUL_HA entry: peer ha, our hoa, the SA's SPI and MAC length,
 * lifetime_s (rounded down to 4 s units) and the first sequence number.
 * sa must outlive h. 0, or -1 on ENOMEM.
 */
int	mn_home_init(struct mn_home *h, const struct in6_addr *ha,
	    const struct in6_addr *hoa, const struct mh_sa *sa,
	    unsigned lifetime_s, uint16_t first_seq);
void	mn_home_free(struct mn_home *h);

/* A (new) care-of address: the first registration ("start"), or a
 * handoff ("move"). A CoA already registered or being registered
 * sends nothing. */
void	mn_home_coa(struct mn_home *h, const struct in6_addr *coa,
	    struct bul_now now, struct mn_home_out *out);
/* Back on the home link: lifetime 0 with CoA = HoA, from the HoA. No
 * BU when nothing is registered (e.g. mnd started at home). */
void	mn_home_at_home(struct mn_home *h, struct bul_now now,
	    struct mn_home_out *out);
/* The deadline passed (calling it early is harmless). */
void	mn_home_timer(struct mn_home *h, struct bul_now now,
	    struct mn_home_out *out);
/* mnd stops: one lifetime-0 BU from the current CoA when a binding
 * exists or is being made; the entry goes idle at the BA or 1 s later.
 * Returns false (nothing to wait for) when the entry is idle. */
bool	mn_home_shutdown(struct mn_home *h, struct bul_now now,
	    struct mn_home_out *out);

/*
 * A parsed MH (raw: its bytes) from src to dst (the IPV6_PKTINFO
 * destination; :: if unknown, then the entry's CoA is used for the
 * MAC). See the header comment for the checks.
 */
enum mn_ba_verdict mn_home_input(struct mn_home *h, const struct mh_msg *m,
	    const uint8_t *raw, size_t len, const struct in6_addr *src,
	    const struct in6_addr *dst, struct bul_now now,
	    struct mn_home_out *out);

/* Build and sign the BU of act into buf. Its length, or a negative
 * MH_E_* (or -1 if signing fails). */
ssize_t	mn_home_encode(const struct mn_home *h, const struct bul_action *act,
	    uint8_t *buf, size_t cap);
/* The I/O layer reports what became of out's BU: logs the BU line. */
void	mn_home_sent(struct mn_home *h, const struct mn_home_out *out);
void	mn_home_send_failed(struct mn_home *h, const struct mn_home_out *out,
	    int err);

/*
 * Issue 8: mnd restarted; s is the home entry it saved (bul_save(),
 * monotonic times of this run). The sequence numbers go on from
 * s->next_seq (no 135 round trip); a binding that is still up comes
 * back registered, so the first CoA event sends no BU when it is the
 * CoA registered (a different one is a move). Logs what it did.
 * Returns whether the binding is up.
 */
bool	mn_home_restore(struct mn_home *h, const struct bul_saved *s,
	    uint64_t now_ms);

/* When mn_home_timer() is due next, or BUL_NO_DEADLINE. */
uint64_t	mn_home_deadline(const struct mn_home *h);
enum bul_state	mn_home_state(const struct mn_home *h);
/* The HA holds a binding for us. */
bool		mn_home_bound(const struct mn_home *h);

/* The BU log line (without a newline). Returns snprintf()'s value. */
int	mn_home_fmt_bu(char *buf, size_t len, const struct bul_action *act,
	    enum mn_bu_why why);
/* The BA log line for a BA from src. */
int	mn_home_fmt_ba(char *buf, size_t len, const struct in6_addr *src,
	    const struct mh_msg *m);

#endif /* DMIP_MN_HOME_H */
