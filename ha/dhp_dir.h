/*
 * dhp_dir.h: the DHP directory the home agent answers DHP Query with
 * (PROTOCOL.md F.4, B.11.2, B.11.3).
 *
 * A copy of the configured DHPs (struct had_dhp) and the CN prefixes
 * each serves. A lookup is a longest-prefix match on the correspondent
 * address: only the DHPs whose matching prefix has the longest length
 * are candidates, sorted by preference (higher first), then metric
 * (lower first), then address, so answers are deterministic.
 *
 * The prefix list is sorted by length, longest first, and the scan
 * stops after the first length that matches; the directory is a
 * config table (tens of rows), so no trie.
 */
#ifndef DMIP_DHP_DIR_H
#define DMIP_DHP_DIR_H

#include <stddef.h>
#include <netinet/in.h>

#include "conf.h"
#include "mh.h"

struct dhp_dir;

/* NULL on ENOMEM. n may be 0 (every query answers USE_HA). */
struct dhp_dir	*dhp_dir_new(const struct had_dhp *dhps, size_t n);
void		 dhp_dir_free(struct dhp_dir *);
size_t		 dhp_dir_count(const struct dhp_dir *);	/* DHPs */

/*
 * Fill out[0..max) with the best candidates for cn, best first
 * (flags DHP_CAND_F_COLOCATED for co-located DHPs). Returns how many,
 * 0 when no served prefix contains cn. *plen (may be NULL) receives
 * the matched prefix length.
 */
size_t	dhp_dir_lookup(const struct dhp_dir *, const struct in6_addr *cn,
	    struct mh_dhp_cand *out, size_t max, unsigned *plen);

#endif /* DMIP_DHP_DIR_H */
