/*
 * dhp_cache.h: the mobile node's DHP table and CN -> DHP cache
 * (PROTOCOL.md A.3.3 steps 3-4, B.11.3, B.11.8, C.2, F.4, F.12).
 *
 * Pure: no sockets, no clocks; every call takes the time (CLOCK_MONOTONIC
 * ms). Two things live here:
 *
 *   - the DHPs of mnd.conf ("dhp" sections: name, address, SPI), each
 *     with a hold-down: a DHP that did not answer, or answered "pool
 *     exhausted", is skipped until the hold-down ends (F.12: the HoA
 *     fallback stays for new flows meanwhile);
 *   - the answers of the DHP directory (DHP Query Reply, B.11.3): status
 *     0 with its candidates, or 1 (USE_HA), cached per CN /64 for the
 *     Validity the reply gave (F.4). Validity 0 is not cached. At most
 *     `cap` answers are kept; a new one replaces an expired one, else
 *     the one that expires first.
 *
 * Selection (A.3.3 step 4) among the candidates of a cached answer:
 * candidates that are no configured DHP (mnd has no SA for them), that
 * are held down, or that the caller excludes (already tried for this
 * request) are skipped; graceful-replacement takes only co-located
 * candidates (flag 0x80, E.4), the other types take any. Then the
 * highest preference wins, then the lowest metric, then the tie-break:
 *
 *   reuse      a DHP where the MN already holds a DHoA (F.9: one DHoA
 *              per DHP serves every CN there), then directory order
 *   directory  the order of the reply (the directory sorts by address)
 *   config     the order of the dhp sections in mnd.conf
 *   address    the lowest DHP address
 */
#ifndef DMIP_DHP_CACHE_H
#define DMIP_DHP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "conf.h"
#include "mh.h"

#define DHPC_CAP_DEFAULT	256	/* cached answers */
#define DHPC_HOLDDOWN_MS	60000	/* [P] a DHP that failed is skipped */
#define DHPC_WHY_MAX		64

enum dhpc_tiebreak {
	DHPC_TIE_REUSE = 0,
	DHPC_TIE_DIRECTORY,
	DHPC_TIE_CONFIG,
	DHPC_TIE_ADDRESS,
	DHPC_TIE_COUNT
};

/* A configured DHP. */
struct dhpc_dhp {
	char		name[CONF_NAME_MAX];
	struct in6_addr	addr;
	uint32_t	spi;
	unsigned	anchors;	/* DHoAs held there (caller keeps it) */
	uint64_t	down_until;	/* ms; 0 or past: usable */
	char		down_why[DHPC_WHY_MAX];
	uint64_t	failures;	/* times held down */
};

/* One cached directory answer. */
struct dhpc_entry {
	struct in6_addr	cn;		/* the CN that was asked about */
	uint8_t		status;		/* DMIP_STATUS_OK or _USE_HA */
	uint8_t		n;
	struct mh_dhp_cand cand[MH_MAX_CAND];
	uint64_t	fetched_ms, expires_ms;
	bool		used;
};

struct dhpc_stats {
	uint64_t	hits, misses, stored, replaced, expired;
};

struct dhp_cache {
	struct dhpc_dhp	  *dhps;
	size_t		   ndhps;
	struct dhpc_entry *v;
	size_t		   cap;
	enum dhpc_tiebreak tie;
	uint64_t	   holddown_ms;
	struct dhpc_stats  st;
};

const char	*dhpc_tiebreak_name(enum dhpc_tiebreak);
/* "reuse", "directory", "config", "address": 0, or -1. */
int		 dhpc_tiebreak_parse(const char *, enum dhpc_tiebreak *);

/* Copy the configured DHPs; cap answers at most (0: the default).
 * 0, or -1 on ENOMEM. */
int	dhp_cache_init(struct dhp_cache *, const struct mnd_dhp *dhps,
	    size_t ndhps, size_t cap);
void	dhp_cache_free(struct dhp_cache *);

/* The valid answer for cn's /64, or NULL (expired ones are dropped). */
const struct dhpc_entry *dhp_cache_lookup(struct dhp_cache *,
	    const struct in6_addr *cn, uint64_t now);
/* Store an answer (status OK with n >= 1 candidates, or USE_HA) for
 * validity_s seconds. Returns the entry, or NULL when not cached
 * (validity 0, another status, OK without candidates). */
const struct dhpc_entry *dhp_cache_put(struct dhp_cache *,
	    const struct in6_addr *cn, uint8_t status,
	    const struct mh_dhp_cand *cand, size_t n, unsigned validity_s,
	    uint64_t now);
/* Forget every answer (e.g. a new attachment changes "co-located"). */
void	dhp_cache_flush(struct dhp_cache *);
/* Answers still valid at now. */
size_t	dhp_cache_count(const struct dhp_cache *, uint64_t now);

/* The configured DHP with that address: its index, or -1. */
int	dhp_cache_find_dhp(const struct dhp_cache *,
	    const struct in6_addr *addr);
/* Hold DHP i down until now + holddown_ms (logged "old -> new"). */
void	dhp_cache_set_down(struct dhp_cache *, size_t i, uint64_t now,
	    const char *why);
void	dhp_cache_set_up(struct dhp_cache *, size_t i, const char *why);
bool	dhp_cache_is_down(const struct dhp_cache *, size_t i, uint64_t now);

/*
 * Pick a DHP among e's candidates for a flow of continuity type
 * cont_type (CONT_*). exclude (may be NULL) has ndhps flags: DHPs not
 * to pick. Returns the DHP's index, or -1 with why (a static string)
 * saying why none fits.
 */
int	dhp_cache_select(const struct dhp_cache *, const struct dhpc_entry *e,
	    uint8_t cont_type, const bool *exclude, uint64_t now,
	    const char **why);

#endif /* DMIP_DHP_CACHE_H */
