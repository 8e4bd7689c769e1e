/*
 * auth.c: RFC 4285 Mobility Message Authentication (PROTOCOL.md B.8)
 * with OpenSSL 3's EVP_MAC, and the per-SPI SA table.
 *
 * Each SA keeps a keyed HMAC context as a template; a computation
 * duplicates it, so the key schedule is done once per SA, not once per
 * message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "auth.h"
#include "dmip_proto.h"

/* MobilityData covers the AUTH option up to and including its SPI:
 * type, length, subtype, SPI (RFC 4285 5.1). */
#define AUTH_COVERED_HDR	7

static EVP_MAC	*hmac_alg;

const char *
auth_alg_name(enum auth_alg alg)
{
	switch (alg) {
	case AUTH_ALG_HMAC_SHA1_96:
		return "hmac-sha1-96";
	case AUTH_ALG_HMAC_SHA256_128:
		return "hmac-sha256-128";
	case AUTH_ALG_NONE:
		break;
	}
	return "none";
}

enum auth_alg
auth_alg_from_name(const char *name)
{
	if (name == NULL)
		return AUTH_ALG_NONE;
	if (strcmp(name, "hmac-sha1-96") == 0)
		return AUTH_ALG_HMAC_SHA1_96;
	if (strcmp(name, "hmac-sha256-128") == 0)
		return AUTH_ALG_HMAC_SHA256_128;
	return AUTH_ALG_NONE;
}

size_t
auth_alg_mac_len(enum auth_alg alg)
{
	switch (alg) {
	case AUTH_ALG_HMAC_SHA1_96:
		return 12;
	case AUTH_ALG_HMAC_SHA256_128:
		return 16;	/* RFC 4868-style truncation [P] */
	case AUTH_ALG_NONE:
		break;
	}
	return 0;
}

size_t
auth_alg_key_len(enum auth_alg alg)
{
	switch (alg) {
	case AUTH_ALG_HMAC_SHA1_96:
		return 16;	/* RFC 4285 standard SA */
	case AUTH_ALG_HMAC_SHA256_128:
		return 32;
	case AUTH_ALG_NONE:
		break;
	}
	return 0;
}

static const char *
alg_digest(enum auth_alg alg)
{
	return alg == AUTH_ALG_HMAC_SHA1_96 ? "SHA1" : "SHA256";
}

/* A keyed HMAC context for the SA, or NULL. */
static EVP_MAC_CTX *
mac_template(enum auth_alg alg, const uint8_t *key, size_t key_len)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;

	if (hmac_alg == NULL &&
	    (hmac_alg = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL)) == NULL)
		return NULL;
	if ((ctx = EVP_MAC_CTX_new(hmac_alg)) == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)alg_digest(alg), 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, key, key_len, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int
sa_init(struct mh_sa *sa, uint32_t spi, enum auth_alg alg,
    const uint8_t *key, size_t key_len)
{
	memset(sa, 0, sizeof(*sa));
	if (spi < AUTH_SPI_MIN || auth_alg_key_len(alg) == 0 ||
	    key_len != auth_alg_key_len(alg) || key_len > AUTH_KEY_MAX) {
		errno = EINVAL;
		return -1;
	}
	if ((sa->mac_tmpl = mac_template(alg, key, key_len)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	sa->spi = spi;
	sa->alg = alg;
	memcpy(sa->key, key, key_len);
	sa->key_len = key_len;
	sa->replay = REPLAY_TIMESTAMP;
	sa->window_s = MESGID_WINDOW_DEFAULT_S;
	return 0;
}

void
sa_clear(struct mh_sa *sa)
{
	EVP_MAC_CTX_free(sa->mac_tmpl);
	OPENSSL_cleanse(sa, sizeof(*sa));
}

int
auth_compute(const struct mh_sa *sa, const struct in6_addr *coa,
    const struct in6_addr *hoa, const uint8_t *mh, size_t covered,
    uint8_t *mac)
{
	static const uint8_t zero_csum[2];
	uint8_t full[EVP_MAX_MD_SIZE];
	size_t full_len = 0, mac_len = auth_alg_mac_len(sa->alg);
	EVP_MAC_CTX *ctx;
	int ok;

	if (sa->mac_tmpl == NULL || mac_len == 0 ||
	    covered < MH_CSUM_OFF + 2)
		return -1;
	if ((ctx = EVP_MAC_CTX_dup(sa->mac_tmpl)) == NULL)
		return -1;
	/* B.8: CoA || HoA || MH with the checksum taken as zero; fed in
	 * pieces so the caller's buffer is neither copied nor changed. */
	ok = EVP_MAC_update(ctx, coa->s6_addr, 16) &&
	    EVP_MAC_update(ctx, hoa->s6_addr, 16) &&
	    EVP_MAC_update(ctx, mh, MH_CSUM_OFF) &&
	    EVP_MAC_update(ctx, zero_csum, sizeof(zero_csum)) &&
	    EVP_MAC_update(ctx, mh + MH_CSUM_OFF + 2,
	    covered - MH_CSUM_OFF - 2) &&
	    EVP_MAC_final(ctx, full, &full_len, sizeof(full));
	EVP_MAC_CTX_free(ctx);
	ok = ok && full_len >= mac_len;
	if (ok)
		memcpy(mac, full, mac_len);
	OPENSSL_cleanse(full, sizeof(full));
	return ok ? 0 : -1;
}

int
mh_auth_sign(uint8_t *mh, size_t len, size_t auth_off,
    const struct mh_sa *sa, const struct in6_addr *coa,
    const struct in6_addr *hoa)
{
	size_t mac_len = auth_alg_mac_len(sa->alg);
	size_t covered = auth_off + AUTH_COVERED_HDR;

	/* The option must be the AUTH option of this SA, and last (B.8).
	 * Compare lengths by subtraction so a huge auth_off cannot wrap. */
	if (mac_len == 0 || auth_off < MH_LEN_BRR || auth_off >= len ||
	    len - auth_off != AUTH_COVERED_HDR + mac_len ||
	    mh[auth_off] != MHOPT_AUTH ||
	    mh[auth_off + 1] != 5 + mac_len ||
	    be32_get(mh + auth_off + 3) != sa->spi)
		return -1;
	return auth_compute(sa, coa, hoa, mh, covered, mh + covered);
}

int
mh_auth_verify(const uint8_t *mh, size_t len, const struct mh_opts *o,
    const struct mh_sa *sa, const struct in6_addr *coa,
    const struct in6_addr *hoa)
{
	uint8_t mac[MH_AUTH_MAC_MAX];
	size_t mac_len = auth_alg_mac_len(sa->alg);
	size_t covered = (size_t)o->auth_off + AUTH_COVERED_HDR;
	int ok;

	if (!(o->present & MHO_AUTH) || o->auth_subtype != AUTH_SUBTYPE_MN_HA ||
	    o->auth_spi != sa->spi || o->auth_mac_len != mac_len ||
	    covered + mac_len != len)
		return BA_STATUS_AUTH_FAIL;
	if (auth_compute(sa, coa, hoa, mh, covered, mac) != 0)
		return BA_STATUS_AUTH_FAIL;
	ok = CRYPTO_memcmp(mac, o->auth_mac, mac_len) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok ? 0 : BA_STATUS_AUTH_FAIL;
}

/* ---- SA table: open addressing on the SPI, linear probing ---------- */

struct sa_table {
	struct mh_sa	*slots;
	size_t		 cap;		/* power of two, or 0 */
	size_t		 count;
};

static size_t
spi_hash(uint32_t spi, size_t cap)
{
	uint32_t h = spi;

	/* MurmurHash3's finaliser: every SPI bit reaches the low bits the
	 * mask keeps, so sequential or strided SPIs spread evenly. */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return (size_t)h & (cap - 1);
}

struct sa_table *
sa_table_new(void)
{
	return calloc(1, sizeof(struct sa_table));
}

void
sa_table_free(struct sa_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].spi != 0)
			sa_clear(&t->slots[i]);
	free(t->slots);
	free(t);
}

/* Slot holding spi, or the empty slot where it would go. SPI 0 is
 * reserved (RFC 4285), so it marks empty slots. */
static struct mh_sa *
sa_slot(const struct sa_table *t, uint32_t spi)
{
	size_t i = spi_hash(spi, t->cap);

	while (t->slots[i].spi != 0 && t->slots[i].spi != spi)
		i = (i + 1) & (t->cap - 1);
	return &t->slots[i];
}

static int
sa_table_grow(struct sa_table *t)
{
	struct sa_table n = { NULL, t->cap ? t->cap * 2 : 16, 0 };

	if ((n.slots = calloc(n.cap, sizeof(*n.slots))) == NULL)
		return -1;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].spi != 0)
			*sa_slot(&n, t->slots[i].spi) = t->slots[i];
	free(t->slots);
	t->slots = n.slots;
	t->cap = n.cap;
	return 0;
}

int
sa_table_add(struct sa_table *t, struct mh_sa *sa)
{
	struct mh_sa *slot;

	if (sa->spi < AUTH_SPI_MIN) {
		errno = EINVAL;
		return -1;
	}
	/* Keep the load factor under 1/2. */
	if ((t->count + 1) * 2 > t->cap && sa_table_grow(t) == -1) {
		errno = ENOMEM;
		return -1;
	}
	slot = sa_slot(t, sa->spi);
	if (slot->spi == sa->spi) {
		errno = EEXIST;
		return -1;
	}
	*slot = *sa;
	t->count++;
	/* The table owns the MAC context now. */
	sa->mac_tmpl = NULL;
	return 0;
}

/* The pointer stays valid until the next sa_table_add() (which may grow
 * and move the slots) or sa_table_free(). */
const struct mh_sa *
sa_table_find(const struct sa_table *t, uint32_t spi)
{
	const struct mh_sa *slot;

	if (t == NULL || t->cap == 0 || spi == 0)
		return NULL;
	slot = sa_slot(t, spi);
	return slot->spi == spi ? slot : NULL;
}

size_t
sa_table_count(const struct sa_table *t)
{
	return t == NULL ? 0 : t->count;
}
