/*
 * had_state.h: had's state file, state_dir/had.state (issue 8; format
 * in common/statefile.h, kind "had"). Records:
 *
 *   mn <hoa> <last_seq> <last_mesgid>
 *	replay state of a mobile node that had a BU accepted
 *   bce <hoa> <coa> <seq> <lifetime> <spi> <mesgid> <created> <updated>
 *       <expiry>
 *	an active binding; lifetime in 4 s units as granted, times in
 *	wall-clock Unix ms. Entries still in DAD are not saved (the MN
 *	retransmits their BU).
 *
 * Numbers are decimal except MESG-IDs (0x hex). The encoder and decoder
 * are pure (unit-tested); had_state_save()/had_state_load() add the
 * files, and had_state_apply() rebuilds a fresh engine.
 */
#ifndef DMIP_HAD_STATE_H
#define DMIP_HAD_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "bcache.h"
#include "ha_engine.h"
#include "statefile.h"

#define HAD_STATE_KIND	"had"
#define HAD_STATE_FILE	"had.state"

struct had_state_bce {
	struct bce	b;	/* hoa coa seq lifetime spi mesgid; the
				 * _ms times are wall-clock here */
	uint64_t	expiry;	/* wall-clock ms */
};

struct had_state {
	uint64_t		 written;	/* wall-clock ms */
	struct ha_replay	*mns;
	size_t			 nmns;
	struct had_state_bce	*bces;
	size_t			 nbces;
};

/* What had_state_apply() did. */
struct had_state_result {
	size_t	mns;		/* replay records taken */
	size_t	bindings;	/* restored */
	size_t	expired;	/* skipped: expired while we were down */
	size_t	refused;	/* skipped: MN gone from the config, bad */
};

/* The engine's state at (mono_now, wall_now) into b (sf_begin..
 * sf_finish). 0 or -1 (ENOMEM). */
int	had_state_encode(const struct ha_engine *, uint64_t mono_now,
	    uint64_t wall_now, struct sf_buf *b);
/* A file's bytes into st. 0, or -1 with the reason in err. */
int	had_state_decode(const char *buf, size_t len, struct had_state *st,
	    char *err, size_t errlen);
void	had_state_free(struct had_state *);

/*
 * Put st into a fresh engine: replay state, then the bindings that have
 * not expired (fn gets each one's ADD action, in file order). Also
 * applies the MESG-ID floor (ntp_floor; 0 = none).
 */
void	had_state_apply(struct ha_engine *, const struct had_state *st,
	    uint64_t mono_now, uint64_t wall_now, uint64_t ntp_floor,
	    ha_action_fn fn, void *arg, struct had_state_result *res);

/* Encode and write atomically to dir. 0 or -1 (logged). */
int	had_state_save(const struct ha_engine *, const char *dir,
	    uint64_t mono_now, uint64_t wall_now);
/*
 * Read dir/had.state into st. 1: loaded; 0: no file, or a file that is
 * unreadable, corrupt, truncated or foreign: logged and renamed to
 * had.state.bad; st is then empty. Never fails otherwise.
 */
int	had_state_load(const char *dir, struct had_state *st);

#endif /* DMIP_HAD_STATE_H */
