/*
 * mn_state.h: mnd's state file, state_dir/mnd.state (issue 8, "mnd
 * restores its binding update list and flow decisions"): killed and
 * started again, mnd picks up where it was, so anchored flows keep
 * working with no new DHoA and no re-registration storm.
 *
 * Format: common/statefile.h (text, one record per line, header
 * "dmip6-state 1 mnd <written>", trailer with the record count and
 * CRC-32; written atomically), kind "mnd". Records, in this order:
 *
 *   mnd <version> <hoa>
 *	first and once; version MN_STATE_VERSION (another is refused), the
 *	HoA the file belongs to (another mnd.conf: the file is ignored)
 *   home <ha> <state> <coa> <next_seq> <seq> <granted> <bra> <sent>
 *	<expires> <refresh> <clock_offset>
 *	the home agent's BUL entry (bul_save()): state a bul_state_name(),
 *	granted and bra in 4 s units, times wall-clock Unix ms (0: none),
 *	clock_offset signed decimal (NTP units, F.8); at most once
 *   anchors <next_seq> <ha_clock_offset>
 *	the anchors engine's sequence counter (DHP Queries, DHoA
 *	Requests) and the HA's clock offset; at most once
 *   anchor <id> <dhp> <tep> <dhoa> <cn> <type> <lease> <renew>
 *	<clock_offset>
 *	a bound DHoA at the DHP whose signalling address is dhp; type a
 *	conf_cont_name() (session-lasting or graceful-replacement); lease
 *	expiry and renewal time wall-clock ms (renew 0: at once). Its
 *	holders are not saved: the restored flows take them again.
 *   dbul <dhoa> <state> <coa> <next_seq> <seq> <granted> <bra> <sent>
 *	<expires> <refresh> <clock_offset>
 *	the anchor's BUL_DHP entry; right after its anchor record
 *   slot <n> <dhoa>
 *	a DHoA anchor slot of the flow table (FLOW_ANCHOR_DHOA_FIRST..255)
 *   flow <id> <proto> <src> <sport> <dst> <dport> <hook> <initiator>
 *	<type> <anchor> <nat>
 *	a decided flow (mn_flow_saved): hook out|pre, initiator mn|cn,
 *	type a conf_cont_name(), anchor 0 (native), 1 (HA) or a slot, nat
 *	0|1
 *
 * The decoder is pure and checks everything (numbers in range, names
 * known, record order, no duplicate anchor, DHP, DHoA or slot, limits)
 * before anything is used: a file is taken whole or not at all.
 *
 * Sequence numbers restart MN_STATE_SEQ_SKIP past the saved ones:
 * writes are at most one a second, so a few BUs may have left after
 * the last one, and the peers accept only larger numbers.
 */
#ifndef DMIP_MN_STATE_H
#define DMIP_MN_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "anchors.h"
#include "bul.h"
#include "mn_flow.h"
#include "mn_home.h"
#include "statefile.h"
#include "timerheap.h"

#define MN_STATE_KIND		"mnd"
#define MN_STATE_FILE		"mnd.state"
#define MN_STATE_VERSION	1
#define MN_STATE_SEQ_SKIP	16	/* BUs, DHP-BUs (MAX_UPDATE_RATE/s) */
#define MN_STATE_AN_SEQ_SKIP	64	/* DHP Queries and DHoA Requests */
#define MN_STATE_ANCHORS_MAX	256
#define MN_STATE_FLOWS_MAX	(1u << 20)
#define MN_STATE_INTERVAL_MS	1000	/* at most one write a second */

/* The file's content; every time is wall-clock Unix ms (0: none). */
struct mn_state {
	uint64_t		 written;
	struct in6_addr		 hoa;
	bool			 has_home;
	struct in6_addr		 ha;
	struct bul_saved	 home;
	bool			 has_anchors;
	uint16_t		 an_next_seq;
	int64_t			 ha_clock_offset;
	struct anchor_saved	*anchors;
	size_t			 nanchors;
	struct mn_flow_saved_slot *slots;
	size_t			 nslots;
	struct mn_flow_saved	*flows;
	size_t			 nflows;
};

/* What mn_state_apply() did. */
struct mn_state_result {
	bool	ignored;	/* another HoA: nothing taken */
	bool	home;		/* the home entry was taken */
	bool	home_bound;	/* ... with its binding up */
	size_t	anchors;	/* adopted */
	size_t	expired;	/* lease over while mnd was down */
	size_t	refused;	/* DHP gone from the config, ... */
	size_t	flows;		/* set by the caller (mn_flow_restore) */
};

void	mn_state_free(struct mn_state *);

/*
 * The engines' state at (mono_now, wall_now) into st (times converted
 * to wall-clock): the home entry, the anchors engine's counters and
 * every bound anchor (a may be NULL). The flow part is the caller's
 * (mn_flow_save() into st->slots/flows, which st then owns). 0 or -1
 * (ENOMEM; st is then empty).
 */
int	mn_state_collect(struct mn_state *st, const struct mn_home *h,
	    const struct anchors *a, uint64_t mono_now, uint64_t wall_now);
/* st into b (sf_begin .. sf_finish). 0 or -1 (ENOMEM, a bad value). */
int	mn_state_encode(const struct mn_state *st, struct sf_buf *b);
/* A file's bytes into st. 0, or -1 with the reason in err (st empty). */
int	mn_state_decode(const char *buf, size_t len, struct mn_state *st,
	    char *err, size_t errlen);

/*
 * Put st back into fresh engines at now (monotonic) / wall_now: the
 * home entry (mn_home_restore(), sequence numbers MN_STATE_SEQ_SKIP on),
 * the anchors engine's counters and every anchor whose lease has not
 * expired (anchors_adopt(); a may be NULL). One log line per item. The
 * flows are the caller's (mn_flow_restore(), after this).
 */
void	mn_state_apply(const struct mn_state *st, struct mn_home *h,
	    struct anchors *a, struct bul_now now, uint64_t wall_now,
	    struct mn_state_result *res);

/* ---- mnd's side: loading at start, saving on changes ------------------ */

struct evloop;

struct mn_state_run {
	char			 dir[PATH_MAX];	/* "": not saved */
	struct evloop		*loop;
	struct mn_home		*home;
	struct anchors		*an;		/* NULL: no DHP engine */
	struct mn_flow		*fl;		/* NULL: no classifier */
	struct sf_saver		 saver;
	struct timer		 poll;		/* mn_flow_dirty(), 1 s */
	bool			 on, released;
	struct mn_state_result	 restored;
};

/*
 * At start, before the first CoA event: state_dir is checked (a missing
 * or unsafe one: logged, nothing saved nor restored), mnd.state loaded
 * (a file that does not verify is logged, renamed to mnd.state.bad and
 * mnd starts fresh; never fatal), applied to the engines, the flows
 * restored (mn_flow_restore()), a summary logged, and saving started.
 * The caller re-arms its timer afterwards.
 */
void	mn_state_start(struct mn_state_run *, struct evloop *,
	    const char *state_dir, struct mn_home *, struct anchors *,
	    struct mn_flow *);
/* Something changed (a BU, an ack, an anchor event...): saved within
 * MN_STATE_INTERVAL_MS. */
void	mn_state_dirty(struct mn_state_run *);
/*
 * A clean exit: everything was deregistered and released. The file
 * keeps only the sequence numbers (no binding, anchor or flow), so the
 * next start restores nothing that was given back.
 */
void	mn_state_released(struct mn_state_run *);
/* Stop the timers (before the loop goes). The file stays as it is. */
void	mn_state_stop(struct mn_state_run *);
/* `dmipctl stats`: state_writes, state_write_errors, state_restored_*. */
struct ctl_out;
void	mn_state_ctl_stats(const struct mn_state_run *, struct ctl_out *);

#endif /* DMIP_MN_STATE_H */
