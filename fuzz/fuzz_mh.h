/*
 * fuzz_mh.h: checks shared by the Mobility Header fuzz targets
 * (fuzz_mh.c).
 */
#ifndef DMIP_FUZZ_MH_H
#define DMIP_FUZZ_MH_H

#include <stddef.h>
#include <stdint.h>

#include "mh.h"

/* Abort unless m (mh_parse(p, len) == MH_OK) keeps every promise of a
 * successful parse. */
void	fuzz_mh_check_parsed(const uint8_t *p, size_t len,
	    const struct mh_msg *m);
/*
 * m1 = mh_parse(p, len): build it, parse that, and abort unless the
 * result equals m1 (but for where AUTH sits) and building again gives
 * the same bytes; also build into a block of small_cap bytes, which
 * must give MH_E_BUF when too small and the same bytes otherwise.
 */
void	fuzz_mh_roundtrip(const uint8_t *p, size_t len,
	    const struct mh_msg *m1, size_t small_cap);

struct mh_sa;
/* RFC 4285 5 / B.8 computed from scratch (HMAC by hand over OpenSSL's
 * digests), independent of auth.c: 0 when o's AUTH option (subtype, SPI, MAC
 * length, position) is right for sa and its MAC matches, else -1. */
int	fuzz_ref_auth(const uint8_t *mh, size_t len, const struct mh_opts *o,
	    const struct mh_sa *sa, const struct in6_addr *coa,
	    const struct in6_addr *hoa);

#endif /* DMIP_FUZZ_MH_H */
