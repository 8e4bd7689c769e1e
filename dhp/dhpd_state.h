/*
 * dhpd_state.h: dhpd's state file, state_dir/dhpd.state (issue 8;
 * format in common/statefile.h, kind "dhpd"). Records:
 *
 *   mn <hoa> <flags> <req_mesgid> <req_seq> <bu_mesgid> <bu_seq>
 *	replay state of a mobile node; flags: 1 req_ts_seen,
 *	2 req_seq_seen, 4 bu_ts_seen, 8 bu_seq_seen
 *   quar <dhoa> <hoa> <end>
 *	a quarantined DHoA and its last owner (C.2), in the order they end
 *   lease <dhoa> <hoa> <leased> <expiry>
 *   bind <dhoa> <coa> <state> <lifetime> <seq> <flags> <created>
 *       <updated> <expiry>
 *	the binding of a leased DHoA; state "active" or "deleting",
 *	lifetime in 4 s units, flags: 1 seq_valid, 2 brr_sent
 *
 * Times are wall-clock Unix ms, MESG-IDs 0x hex, the rest decimal.
 */
#ifndef DMIP_DHPD_STATE_H
#define DMIP_DHPD_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "dhp_engine.h"
#include "statefile.h"

#define DHPD_STATE_KIND	"dhpd"
#define DHPD_STATE_FILE	"dhpd.state"

struct dhpd_state_quar {
	struct in6_addr	dhoa, hoa;
	uint64_t	end;
};

struct dhpd_state_lease {
	struct in6_addr	dhoa, hoa;
	uint64_t	leased, expiry;
};

struct dhpd_state_bind {
	struct in6_addr		dhoa;
	struct dhp_binding	b;	/* coa state lifetime seq seq_valid
					 * brr_sent, *_ms wall-clock here */
};

struct dhpd_state {
	uint64_t		 written;
	struct dhp_replay	*mns;
	size_t			 nmns;
	struct dhpd_state_quar	*quars;
	size_t			 nquars;
	struct dhpd_state_lease	*leases;
	size_t			 nleases;
	struct dhpd_state_bind	*binds;
	size_t			 nbinds;
};

struct dhpd_state_result {
	size_t	mns, quarantined, leases, bindings;
	size_t	expired;	/* leases or bindings over while down */
	size_t	refused;	/* not restorable (config changed) */
};

int	dhpd_state_encode(const struct dhp_engine *, uint64_t mono_now,
	    uint64_t wall_now, struct sf_buf *);
int	dhpd_state_decode(const char *buf, size_t len, struct dhpd_state *,
	    char *err, size_t errlen);
void	dhpd_state_free(struct dhpd_state *);

/*
 * Into a fresh engine: replay state, quarantines, leases, bindings (fn
 * gets each binding's ADD action). ntp_floor: dhp_engine_mesgid_floor
 * (0 = none). unbound (may be NULL) gets each DHoA of the file that is
 * not bound now, so the caller can remove a stale route of it.
 */
void	dhpd_state_apply(struct dhp_engine *, const struct dhpd_state *,
	    uint64_t mono_now, uint64_t wall_now, uint64_t ntp_floor,
	    void (*fn)(const struct dhp_action *, void *), void *arg,
	    void (*unbound)(const struct in6_addr *dhoa, void *),
	    struct dhpd_state_result *);

int	dhpd_state_save(const struct dhp_engine *, const char *dir,
	    uint64_t mono_now, uint64_t wall_now);
/* As had_state_load(): 1 loaded, 0 empty (no file, or set aside). */
int	dhpd_state_load(const char *dir, struct dhpd_state *);

#endif /* DMIP_DHPD_STATE_H */
