/*
 * auth.h: RFC 4285 Mobility Message Authentication (PROTOCOL.md B.8)
 * with per-SPI security associations, and the replay checks of C.3
 * (MESG-ID window) and RFC 6275 9.5.1 (sequence numbers).
 *
 * MobilityData = CoA || HoA || MH[0 .. end of the AUTH option's SPI],
 * computed with the checksum field as zero and Header Len final.
 */
#ifndef DMIP_AUTH_H
#define DMIP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <netinet/in.h>

#include "mh.h"

enum auth_alg {
	AUTH_ALG_NONE = 0,
	AUTH_ALG_HMAC_SHA1_96,		/* RFC 4285, 16-octet key */
	AUTH_ALG_HMAC_SHA256_128,	/* dmip6 default [P], 32-octet key */
};

enum replay_mode {
	REPLAY_TIMESTAMP = 0,	/* MESG-ID window + sequence (default) */
	REPLAY_SEQ_ONLY,	/* F.8: labs without clock sync */
};

#define AUTH_KEY_MAX	64

struct mh_sa {
	uint32_t	 spi;
	enum auth_alg	 alg;
	uint8_t		 key[AUTH_KEY_MAX];
	size_t		 key_len;
	enum replay_mode replay;
	unsigned	 window_s;	/* MESG-ID window, seconds */
	void		*mac_tmpl;	/* keyed EVP_MAC_CTX, duplicated per use */
};

const char	*auth_alg_name(enum auth_alg);
enum auth_alg	 auth_alg_from_name(const char *);	/* NONE if unknown */
size_t		 auth_alg_mac_len(enum auth_alg);	/* 12 or 16 */
size_t		 auth_alg_key_len(enum auth_alg);	/* 16 or 32 */

/* Set up an SA. Returns 0, or -1 with errno EINVAL (bad SPI, key length
 * for the algorithm) or ENOMEM. */
int	sa_init(struct mh_sa *, uint32_t spi, enum auth_alg,
	    const uint8_t *key, size_t key_len);
void	sa_clear(struct mh_sa *);	/* frees and wipes the key */

/* SAs by SPI. Lookups are O(1) on average. */
struct sa_table;
struct sa_table	*sa_table_new(void);
void		 sa_table_free(struct sa_table *);
/* Takes a copy of *sa (and ownership of its mac_tmpl). -1/EEXIST on a
 * duplicate SPI. */
int		 sa_table_add(struct sa_table *, struct mh_sa *sa);
const struct mh_sa *sa_table_find(const struct sa_table *, uint32_t spi);
size_t		 sa_table_count(const struct sa_table *);

/* MAC over MobilityData; covered = bytes of mh to include. Writes
 * auth_alg_mac_len() bytes. Returns 0 or -1. */
int	auth_compute(const struct mh_sa *, const struct in6_addr *coa,
	    const struct in6_addr *hoa, const uint8_t *mh, size_t covered,
	    uint8_t *mac);
/* Fill the MAC of the AUTH option at auth_off in a built MH. */
int	mh_auth_sign(uint8_t *mh, size_t len, size_t auth_off,
	    const struct mh_sa *, const struct in6_addr *coa,
	    const struct in6_addr *hoa);
/* Check a parsed MH. Returns 0, or BA_STATUS_AUTH_FAIL (no AUTH option,
 * wrong subtype/SPI/MAC length, or MAC mismatch; constant time). */
int	mh_auth_verify(const uint8_t *mh, size_t len,
	    const struct mh_opts *, const struct mh_sa *,
	    const struct in6_addr *coa, const struct in6_addr *hoa);

/* NTP-format time (RFC 5905: seconds since 1900 << 32 | fraction). */
uint64_t	ntp_from_timespec(const struct timespec *);
uint64_t	ntp_now(void);		/* CLOCK_REALTIME */
/* Signed difference a - b in milliseconds. */
int64_t		ntp_diff_ms(uint64_t a, uint64_t b);

/* RFC 4285 6 / C.3: 0 if the MESG-ID is usable under the SA's replay
 * mode, BA_STATUS_MESGID_REQD if missing and required,
 * BA_STATUS_ID_MISMATCH if outside the window. */
int	replay_check(const struct mh_sa *, const struct mh_opts *,
	    uint64_t now_ntp);

/* RFC 6275 9.5.1: a is newer than b modulo 2^16. */
static inline bool
seq_newer(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b) > 0;
}

#endif /* DMIP_AUTH_H */
