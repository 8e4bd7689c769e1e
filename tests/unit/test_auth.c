/*
 * test_auth.c: RFC 4285 authentication, SA table, replay window and
 * sequence-number comparison (PROTOCOL.md B.8, C.3, RFC 6275 9.5.1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "inet_csum.h"
#include "mh.h"
#include "cu_main.h"

/* PROTOCOL.md B.8 test vectors (BU seq 1, A|H, lifetime 150, MESG-ID
 * 0xE875470000000000, AUTH SPI 0x1000). */
static const char vec_sha1_hex[] =
    "3b05050006020001c000009601040000"
    "00000a08e87547000000000000091101"
    "000010001b7027f3aac9fa41dfe57852";
static const char vec_sha256_hex[] =
    "3b0605000e500001c000009601040000"
    "00000a08e87547000000000001030000"
    "000915010000100080c38c964eb52621"
    "61cf1cacf6ba3be6";

struct vec {
	uint8_t		bytes[64];
	size_t		len;
	size_t		auth_off;
	enum auth_alg	alg;
	struct mh_sa	sa;
	struct mh_opts	opt;
};

static struct in6_addr coa, hoa, ha;

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	for (; s[0] && s[1] && n < cap; s += 2) {
		CU_ASSERT_FATAL(sscanf(s, "%2x", &v) == 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void
addrs(void)
{
	inet_pton(AF_INET6, "2001:db8:2::100", &coa);
	inet_pton(AF_INET6, "2001:db8:1::100", &hoa);
	inet_pton(AF_INET6, "2001:db8:1::1", &ha);
}

/* Key bytes 01 02 .. n */
static void
seq_key(uint8_t *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		k[i] = (uint8_t)(i + 1);
}

static void
vec_load(struct vec *v, enum auth_alg alg)
{
	uint8_t key[32];
	size_t mac_len = auth_alg_mac_len(alg);

	addrs();
	memset(v, 0, sizeof(*v));
	v->alg = alg;
	v->len = unhex(alg == AUTH_ALG_HMAC_SHA1_96 ? vec_sha1_hex :
	    vec_sha256_hex, v->bytes, sizeof(v->bytes));
	v->auth_off = alg == AUTH_ALG_HMAC_SHA1_96 ? 29 : 33;
	seq_key(key, auth_alg_key_len(alg));
	CU_ASSERT_FATAL(sa_init(&v->sa, 0x1000, alg, key,
	    auth_alg_key_len(alg)) == 0);
	/* The parsed form, built by hand so this test does not depend on
	 * the codec. */
	v->opt.present = MHO_AUTH | MHO_MESGID;
	v->opt.mesgid = 0xE875470000000000ULL;
	v->opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	v->opt.auth_spi = 0x1000;
	v->opt.auth_mac_len = (uint8_t)mac_len;
	v->opt.auth_off = (uint16_t)v->auth_off;
	memcpy(v->opt.auth_mac, v->bytes + v->len - mac_len, mac_len);
}

static void
vec_check_mac(enum auth_alg alg)
{
	struct vec v;
	uint8_t mac[32];
	size_t mac_len = auth_alg_mac_len(alg);

	vec_load(&v, alg);
	CU_ASSERT_EQUAL(v.len, v.auth_off + 7 + mac_len);
	CU_ASSERT_EQUAL(auth_compute(&v.sa, &coa, &hoa, v.bytes,
	    v.auth_off + 7, mac), 0);
	CU_ASSERT_EQUAL(memcmp(mac, v.bytes + v.len - mac_len, mac_len), 0);
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &v.opt, &v.sa, &coa,
	    &hoa), 0);
	/* The checksum field is not part of MobilityData, and auth_compute
	 * neither zeroes nor copies it in the caller's buffer. */
	v.bytes[4] = 0xff;
	v.bytes[5] = 0xff;
	memset(mac, 0, sizeof(mac));
	CU_ASSERT_EQUAL(auth_compute(&v.sa, &coa, &hoa, v.bytes,
	    v.auth_off + 7, mac), 0);
	CU_ASSERT_EQUAL(memcmp(mac, v.bytes + v.len - mac_len, mac_len), 0);
	CU_ASSERT_EQUAL(v.bytes[4], 0xff);
	CU_ASSERT_EQUAL(v.bytes[5], 0xff);
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &v.opt, &v.sa, &coa,
	    &hoa), 0);
	sa_clear(&v.sa);
}

static void
test_vector_sha1(void)
{
	vec_check_mac(AUTH_ALG_HMAC_SHA1_96);
}

static void
test_vector_sha256(void)
{
	vec_check_mac(AUTH_ALG_HMAC_SHA256_128);
}

/* mh_auth_sign() refuses anything but this SA's AUTH option, last. */
static void
sign_refusals(struct vec *v, uint8_t *buf, size_t len)
{
	size_t off = v->auth_off;
	uint8_t save;

	CU_ASSERT_EQUAL(mh_auth_sign(buf, len, off - 1, &v->sa, &coa, &hoa),
	    -1);
	CU_ASSERT_EQUAL(mh_auth_sign(buf, len - 1, off, &v->sa, &coa, &hoa),
	    -1);
	CU_ASSERT_EQUAL(mh_auth_sign(buf, len, len, &v->sa, &coa, &hoa), -1);
	/* An offset whose auth_off + 7 + mac_len wraps around to len. */
	CU_ASSERT_EQUAL(mh_auth_sign(buf, 10, (size_t)10 - 7 -
	    auth_alg_mac_len(v->alg), &v->sa, &coa, &hoa), -1);
	for (size_t i = off; i < off + 7; i++) {
		if (i == off + 2)
			continue;	/* the subtype is the caller's */
		save = buf[i];
		buf[i] ^= 1;		/* type, length, SPI */
		CU_ASSERT_EQUAL(mh_auth_sign(buf, len, off, &v->sa, &coa,
		    &hoa), -1);
		buf[i] = save;
	}
	/* Unchanged bytes still sign to the vector's MAC. */
	CU_ASSERT_EQUAL(mh_auth_sign(buf, len, off, &v->sa, &coa, &hoa), 0);
	CU_ASSERT_EQUAL(memcmp(buf, v->bytes, v->len), 0);
}

/* The codec, the signer and the checksum together give the vector. */
static void
vec_build(enum auth_alg alg)
{
	struct vec v;
	struct mh_msg m;
	uint8_t buf[128];
	size_t auth_off = 0;
	ssize_t len;

	vec_load(&v, alg);
	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_BU;
	m.u.bu.seq = 1;
	m.u.bu.flags = BU_F_A | BU_F_H;
	m.u.bu.lifetime = 150;
	m.opt.present = MHO_MESGID | MHO_AUTH;
	m.opt.mesgid = 0xE875470000000000ULL;
	m.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	m.opt.auth_spi = 0x1000;
	m.opt.auth_mac_len = (uint8_t)auth_alg_mac_len(alg);
	len = mh_build(&m, buf, sizeof(buf), &auth_off);
	CU_ASSERT_EQUAL_FATAL(len, (ssize_t)v.len);
	CU_ASSERT_EQUAL(auth_off, v.auth_off);
	CU_ASSERT_EQUAL(mh_auth_sign(buf, (size_t)len, auth_off, &v.sa, &coa,
	    &hoa), 0);
	mh_csum_set(buf, (size_t)len, &coa, &ha);
	CU_ASSERT_EQUAL(memcmp(buf, v.bytes, v.len), 0);
	/* The parser's view of the vector verifies too. */
	memset(&m, 0, sizeof(m));
	CU_ASSERT_EQUAL_FATAL(mh_parse(v.bytes, v.len, &m), MH_OK);
	CU_ASSERT_EQUAL(m.opt.auth_off, v.auth_off);
	CU_ASSERT_EQUAL(m.opt.auth_spi, 0x1000);
	CU_ASSERT_EQUAL(m.opt.auth_mac_len, auth_alg_mac_len(alg));
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &m.opt, &v.sa, &coa,
	    &hoa), 0);
	sign_refusals(&v, buf, (size_t)len);
	sa_clear(&v.sa);
}

static void
test_build_sign_sha1(void)
{
	vec_build(AUTH_ALG_HMAC_SHA1_96);
}

static void
test_build_sign_sha256(void)
{
	vec_build(AUTH_ALG_HMAC_SHA256_128);
}

/* Every way a message can fail authentication gives 146. */
static void
verify_failures(enum auth_alg alg)
{
	struct vec v;
	struct mh_sa other;
	struct mh_opts o;
	uint8_t key[32];
	struct in6_addr bad;
	size_t klen = auth_alg_key_len(alg);

	vec_load(&v, alg);
	seq_key(key, klen);
	key[klen - 1] ^= 1;
	CU_ASSERT_FATAL(sa_init(&other, 0x1000, alg, key, klen) == 0);
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &v.opt, &other, &coa,
	    &hoa), BA_STATUS_AUTH_FAIL);		/* wrong key */
	sa_clear(&other);

	o = v.opt;
	o.auth_spi = 0x1001;				/* wrong SPI */
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &o, &v.sa, &coa, &hoa),
	    BA_STATUS_AUTH_FAIL);
	o = v.opt;
	o.auth_subtype = AUTH_SUBTYPE_MN_AAA;		/* wrong subtype */
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &o, &v.sa, &coa, &hoa),
	    BA_STATUS_AUTH_FAIL);
	o = v.opt;					/* other alg's length */
	o.auth_mac_len = alg == AUTH_ALG_HMAC_SHA1_96 ? 16 : 12;
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &o, &v.sa, &coa, &hoa),
	    BA_STATUS_AUTH_FAIL);
	/* Same SPI and key bytes but the other algorithm: its MAC length
	 * differs from the option's. */
	seq_key(key, 32);
	CU_ASSERT_FATAL(sa_init(&other, 0x1000, alg == AUTH_ALG_HMAC_SHA1_96 ?
	    AUTH_ALG_HMAC_SHA256_128 : AUTH_ALG_HMAC_SHA1_96, key,
	    alg == AUTH_ALG_HMAC_SHA1_96 ? 32 : 16) == 0);
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &v.opt, &other, &coa,
	    &hoa), BA_STATUS_AUTH_FAIL);
	sa_clear(&other);
	/* An SA without its MAC context (moved into a table) fails closed. */
	other = v.sa;
	other.mac_tmpl = NULL;
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &v.opt, &other, &coa,
	    &hoa), BA_STATUS_AUTH_FAIL);
	o = v.opt;
	o.present &= ~MHO_AUTH;				/* no AUTH */
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &o, &v.sa, &coa, &hoa),
	    BA_STATUS_AUTH_FAIL);
	bad = coa;
	bad.s6_addr[15] ^= 1;				/* wrong CoA, HoA */
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &v.opt, &v.sa, &bad,
	    &hoa), BA_STATUS_AUTH_FAIL);
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &v.opt, &v.sa, &coa,
	    &bad), BA_STATUS_AUTH_FAIL);
	/* CoA and HoA swapped: the order is part of MobilityData. */
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &v.opt, &v.sa, &hoa,
	    &coa), BA_STATUS_AUTH_FAIL);
	/* A truncated or extended MH (AUTH no longer last). */
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len - 1, &v.opt, &v.sa,
	    &coa, &hoa), BA_STATUS_AUTH_FAIL);
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len + 1, &v.opt, &v.sa,
	    &coa, &hoa), BA_STATUS_AUTH_FAIL);
	/* The untouched inputs still verify: the failures above are real. */
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &v.opt, &v.sa, &coa,
	    &hoa), 0);
	sa_clear(&v.sa);
}

static void
test_verify_failures_sha1(void)
{
	verify_failures(AUTH_ALG_HMAC_SHA1_96);
}

static void
test_verify_failures_sha256(void)
{
	verify_failures(AUTH_ALG_HMAC_SHA256_128);
}

/* A flipped bit anywhere in the covered bytes or the MAC is caught;
 * only the checksum octets are outside MobilityData. */
static void
verify_bitflips(enum auth_alg alg)
{
	struct vec v;
	size_t mac_start, n_fail = 0, n_ok = 0;

	vec_load(&v, alg);
	mac_start = v.len - auth_alg_mac_len(alg);
	for (size_t i = 0; i < v.len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			struct mh_opts o = v.opt;
			uint8_t flip = (uint8_t)(1u << bit);
			int got;

			v.bytes[i] ^= flip;
			if (i >= mac_start)
				o.auth_mac[i - mac_start] ^= flip;
			got = mh_auth_verify(v.bytes, v.len, &o, &v.sa, &coa,
			    &hoa);
			v.bytes[i] ^= flip;
			if (i == 4 || i == 5) {
				CU_ASSERT_EQUAL(got, 0);
				n_ok++;
			} else {
				CU_ASSERT_EQUAL(got, BA_STATUS_AUTH_FAIL);
				n_fail++;
			}
		}
	}
	CU_ASSERT_EQUAL(n_ok, 16);
	CU_ASSERT_EQUAL(n_fail, (v.len - 2) * 8);
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &v.opt, &v.sa, &coa,
	    &hoa), 0);
	sa_clear(&v.sa);
}

static void
test_verify_bitflips_sha1(void)
{
	verify_bitflips(AUTH_ALG_HMAC_SHA1_96);
}

static void
test_verify_bitflips_sha256(void)
{
	verify_bitflips(AUTH_ALG_HMAC_SHA256_128);
}

static void
test_sa_init_errors(void)
{
	static const struct {
		uint32_t	spi;
		enum auth_alg	alg;
		size_t		klen;
	} bad[] = {
		{ 0, AUTH_ALG_HMAC_SHA256_128, 32 },	/* reserved SPIs */
		{ 1, AUTH_ALG_HMAC_SHA256_128, 32 },
		{ 255, AUTH_ALG_HMAC_SHA256_128, 32 },
		{ 255, AUTH_ALG_HMAC_SHA1_96, 16 },
		{ 256, AUTH_ALG_HMAC_SHA256_128, 0 },	/* key lengths */
		{ 256, AUTH_ALG_HMAC_SHA256_128, 16 },
		{ 256, AUTH_ALG_HMAC_SHA256_128, 31 },
		{ 256, AUTH_ALG_HMAC_SHA256_128, 33 },
		{ 256, AUTH_ALG_HMAC_SHA1_96, 15 },
		{ 256, AUTH_ALG_HMAC_SHA1_96, 17 },
		{ 256, AUTH_ALG_HMAC_SHA1_96, 32 },
		{ 256, AUTH_ALG_NONE, 16 },		/* algorithms */
		{ 256, AUTH_ALG_NONE, 0 },
		{ 256, (enum auth_alg)99, 32 },
	};
	struct mh_sa sa;
	uint8_t key[40];

	seq_key(key, sizeof(key));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		CU_ASSERT_EQUAL(sa_init(&sa, bad[i].spi, bad[i].alg, key,
		    bad[i].klen), -1);
		CU_ASSERT_EQUAL(errno, EINVAL);
		CU_ASSERT_PTR_NULL(sa.mac_tmpl);
	}
	CU_ASSERT_EQUAL_FATAL(sa_init(&sa, 256, AUTH_ALG_HMAC_SHA256_128, key,
	    32), 0);
	CU_ASSERT_EQUAL(sa.spi, 256);
	CU_ASSERT_EQUAL(sa.key_len, 32);
	CU_ASSERT_PTR_NOT_NULL(sa.mac_tmpl);
	sa_clear(&sa);
	CU_ASSERT_EQUAL_FATAL(sa_init(&sa, 256, AUTH_ALG_HMAC_SHA1_96, key,
	    16), 0);
	CU_ASSERT_EQUAL(sa.replay, REPLAY_TIMESTAMP);
	CU_ASSERT_EQUAL(sa.window_s, 7);
	sa_clear(&sa);
	CU_ASSERT_PTR_NULL(sa.mac_tmpl);
	CU_ASSERT_EQUAL(sa.key[0], 0);		/* key wiped */
}

static void
test_alg_names(void)
{
	CU_ASSERT_EQUAL(auth_alg_from_name("hmac-sha256-128"),
	    AUTH_ALG_HMAC_SHA256_128);
	CU_ASSERT_EQUAL(auth_alg_from_name("hmac-sha1-96"),
	    AUTH_ALG_HMAC_SHA1_96);
	CU_ASSERT_EQUAL(auth_alg_from_name("hmac-md5"), AUTH_ALG_NONE);
	CU_ASSERT_EQUAL(auth_alg_from_name(NULL), AUTH_ALG_NONE);
	CU_ASSERT_EQUAL(auth_alg_from_name(""), AUTH_ALG_NONE);
	CU_ASSERT_EQUAL(auth_alg_from_name("HMAC-SHA256-128"), AUTH_ALG_NONE);
	CU_ASSERT_EQUAL(auth_alg_from_name("hmac-sha256"), AUTH_ALG_NONE);
	CU_ASSERT_EQUAL(auth_alg_from_name(auth_alg_name(
	    AUTH_ALG_HMAC_SHA256_128)), AUTH_ALG_HMAC_SHA256_128);
	CU_ASSERT_EQUAL(auth_alg_from_name(auth_alg_name(
	    AUTH_ALG_HMAC_SHA1_96)), AUTH_ALG_HMAC_SHA1_96);
	CU_ASSERT_EQUAL(auth_alg_mac_len(AUTH_ALG_NONE), 0);
	CU_ASSERT_EQUAL(auth_alg_key_len(AUTH_ALG_NONE), 0);
	CU_ASSERT_STRING_EQUAL(auth_alg_name(AUTH_ALG_HMAC_SHA256_128),
	    "hmac-sha256-128");
	CU_ASSERT_STRING_EQUAL(auth_alg_name(AUTH_ALG_HMAC_SHA1_96),
	    "hmac-sha1-96");
	CU_ASSERT_EQUAL(auth_alg_mac_len(AUTH_ALG_HMAC_SHA1_96), 12);
	CU_ASSERT_EQUAL(auth_alg_mac_len(AUTH_ALG_HMAC_SHA256_128), 16);
	CU_ASSERT_EQUAL(auth_alg_key_len(AUTH_ALG_HMAC_SHA1_96), 16);
	CU_ASSERT_EQUAL(auth_alg_key_len(AUTH_ALG_HMAC_SHA256_128), 32);
}

static void
test_sa_table(void)
{
	struct sa_table *t = sa_table_new();
	struct mh_sa sa;
	uint8_t key[32];
	const uint32_t n = 100000;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NULL(sa_table_find(t, 4096));
	seq_key(key, 32);
	for (uint32_t spi = 256; spi < 256 + n; spi++) {
		/* Cheap SAs: the table only cares about the SPI. */
		memset(&sa, 0, sizeof(sa));
		sa.spi = spi;
		sa.alg = AUTH_ALG_HMAC_SHA256_128;
		CU_ASSERT_EQUAL(sa_table_add(t, &sa), 0);
	}
	CU_ASSERT_EQUAL(sa_table_count(t), n);
	CU_ASSERT_FATAL(sa_init(&sa, 256 + n / 2, AUTH_ALG_HMAC_SHA1_96, key,
	    16) == 0);
	errno = 0;
	CU_ASSERT_EQUAL(sa_table_add(t, &sa), -1);	/* duplicate */
	CU_ASSERT_EQUAL(errno, EEXIST);
	CU_ASSERT_PTR_NOT_NULL(sa.mac_tmpl);		/* still the caller's */
	CU_ASSERT_EQUAL(sa_table_count(t), n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa_table_find(t, 256 + n / 2));
	CU_ASSERT_EQUAL(sa_table_find(t, 256 + n / 2)->alg,
	    AUTH_ALG_HMAC_SHA256_128);			/* the first one */
	sa_clear(&sa);
	memset(&sa, 0, sizeof(sa));
	sa.spi = 255;					/* reserved */
	errno = 0;
	CU_ASSERT_EQUAL(sa_table_add(t, &sa), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	for (uint32_t spi = 256; spi < 256 + n; spi++) {
		const struct mh_sa *f = sa_table_find(t, spi);

		if (f == NULL || f->spi != spi) {
			CU_FAIL("SPI missing from the table");
			break;
		}
	}
	/* SPIs far apart (high bits only) live side by side too. */
	for (uint32_t i = 1; i <= 64; i++) {
		memset(&sa, 0, sizeof(sa));
		sa.spi = i << 24;
		CU_ASSERT_EQUAL(sa_table_add(t, &sa), 0);
	}
	for (uint32_t i = 1; i <= 64; i++)
		CU_ASSERT_PTR_NOT_NULL(sa_table_find(t, i << 24));
	CU_ASSERT_EQUAL(sa_table_count(t), n + 64);
	CU_ASSERT_PTR_NULL(sa_table_find(t, 256 + n));
	CU_ASSERT_PTR_NULL(sa_table_find(t, 0));
	CU_ASSERT_PTR_NULL(sa_table_find(t, 255));
	sa_table_free(t);
}

/* A real SA in the table still verifies (the table owns the context). */
static void
test_sa_table_owns_ctx(void)
{
	struct sa_table *t = sa_table_new();
	struct vec v;
	const struct mh_sa *f;

	vec_load(&v, AUTH_ALG_HMAC_SHA1_96);
	CU_ASSERT_EQUAL_FATAL(sa_table_add(t, &v.sa), 0);
	CU_ASSERT_PTR_NULL(v.sa.mac_tmpl);
	f = sa_table_find(t, 0x1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &v.opt, f, &coa, &hoa),
	    0);
	sa_table_free(t);
}

/* RFC 6275 9.5.1: newer iff within 2^15 ahead, modulo 2^16. */
static void
test_seq_newer(void)
{
	CU_ASSERT_TRUE(seq_newer(1, 0));
	CU_ASSERT_FALSE(seq_newer(0, 1));
	CU_ASSERT_TRUE(seq_newer(0, 0xFFFF));		/* wrap */
	CU_ASSERT_FALSE(seq_newer(0xFFFF, 0));
	CU_ASSERT_TRUE(seq_newer(0x7FFF, 0));
	CU_ASSERT_FALSE(seq_newer(0x8000, 0));		/* exactly 2^15 */
	CU_ASSERT_FALSE(seq_newer(0x8001, 0));
	CU_ASSERT_TRUE(seq_newer(0, 0x8001));
	CU_ASSERT_TRUE(seq_newer(5, 0xFFFA));
	CU_ASSERT_FALSE(seq_newer(0, 0));
	CU_ASSERT_FALSE(seq_newer(0xFFFF, 0xFFFF));
}

static void
test_ntp(void)
{
	struct timespec ts = { 0, 0 };
	uint64_t a, b;

	CU_ASSERT_EQUAL(ntp_from_timespec(&ts), 0x83AA7E8000000000ULL);
	ts.tv_nsec = 500000000;
	CU_ASSERT_EQUAL(ntp_from_timespec(&ts), 0x83AA7E8080000000ULL);
	ts.tv_sec = 1;
	ts.tv_nsec = 0;
	a = ntp_from_timespec(&ts);
	ts.tv_sec = 3;
	ts.tv_nsec = 250000000;
	b = ntp_from_timespec(&ts);
	CU_ASSERT_EQUAL(ntp_diff_ms(b, a), 2250);
	CU_ASSERT_EQUAL(ntp_diff_ms(a, b), -2250);
	CU_ASSERT_EQUAL(ntp_diff_ms(a, a), 0);
	CU_ASSERT_EQUAL(ntp_diff_ms(a, a + (1ULL << 31)), -500);
	CU_ASSERT_EQUAL(ntp_diff_ms(a + (1ULL << 31), a), 500);
	/* Across the NTP era boundary (2036-02-07). */
	CU_ASSERT_EQUAL(ntp_diff_ms(0x0000000100000000ULL,
	    0xFFFFFFFF80000000ULL), 1500);
	CU_ASSERT_EQUAL(ntp_diff_ms(0xFFFFFFFF80000000ULL,
	    0x0000000100000000ULL), -1500);
	/* 2000-01-01 00:00:00 UTC is NTP 3155673600. */
	ts.tv_sec = 946684800;
	ts.tv_nsec = 250000000;
	CU_ASSERT_EQUAL(ntp_from_timespec(&ts), 0xBC17C20040000000ULL);
	ts.tv_nsec = 999999999;				/* fraction < 1 s */
	CU_ASSERT_EQUAL(ntp_from_timespec(&ts) >> 32, 0xBC17C200ULL);
	CU_ASSERT_EQUAL(ntp_from_timespec(&ts) & 0xffffffffULL, 0xFFFFFFFBULL);
	/* ntp_now() is CLOCK_REALTIME in NTP form (a minute of slack, so
	 * this checks the epoch, not timing). */
	CU_ASSERT_EQUAL_FATAL(clock_gettime(CLOCK_REALTIME, &ts), 0);
	a = ntp_now();
	b = ntp_from_timespec(&ts);
	CU_ASSERT(ntp_diff_ms(a, b) > -60000 && ntp_diff_ms(a, b) < 60000);
}

static void
test_replay_window(void)
{
	struct mh_sa sa;
	struct mh_opts o;
	uint8_t key[32];
	const uint64_t sec = 1ULL << 32;
	const uint64_t now = 0xE875470000000000ULL;

	seq_key(key, 32);
	CU_ASSERT_FATAL(sa_init(&sa, 4096, AUTH_ALG_HMAC_SHA256_128, key,
	    32) == 0);
	memset(&o, 0, sizeof(o));
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), BA_STATUS_MESGID_REQD);
	o.present = MHO_MESGID;
	o.mesgid = now;
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), 0);
	o.mesgid = now + 7 * sec;			/* at the edge */
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), 0);
	o.mesgid = now - 7 * sec;
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), 0);
	o.mesgid = now + 3 * sec + sec / 2;		/* inside */
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), 0);
	o.mesgid = now - 7 * sec + 1;
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), 0);
	/* One NTP fraction unit (~233 ps) past the edge is outside: the
	 * comparison is exact, not rounded to milliseconds. */
	o.mesgid = now + 7 * sec + 1;
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), BA_STATUS_ID_MISMATCH);
	o.mesgid = now - 7 * sec - 1;
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), BA_STATUS_ID_MISMATCH);
	o.mesgid = now + 7 * sec + sec / 100;		/* 7.01 s */
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), BA_STATUS_ID_MISMATCH);
	o.mesgid = 0;					/* far past */
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), BA_STATUS_ID_MISMATCH);
	o.mesgid = now - 8 * sec;
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), BA_STATUS_ID_MISMATCH);
	sa.window_s = 30;
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), 0);
	/* The window spans the NTP era boundary. */
	sa.window_s = 7;
	o.mesgid = 0xFFFFFFFE00000000ULL;		/* 3 s before */
	CU_ASSERT_EQUAL(replay_check(&sa, &o, 0x0000000100000000ULL), 0);
	CU_ASSERT_EQUAL(replay_check(&sa, &o, 0x0000000600000000ULL),
	    BA_STATUS_ID_MISMATCH);			/* 8 s */
	/* Missing MESG-ID is 145 even when the timestamp would be fine. */
	o.present = 0;
	o.mesgid = now;
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), BA_STATUS_MESGID_REQD);
	o.present = MHO_MESGID;
	/* F.8: seq-only SAs ignore timestamps entirely. */
	sa.replay = REPLAY_SEQ_ONLY;
	o.present = 0;
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), 0);
	sa_clear(&sa);
}

static int
cu_register(void)
{
	static CU_TestInfo vectors[] = {
		{ "B.8 vector HMAC-SHA1-96", test_vector_sha1 },
		{ "B.8 vector HMAC-SHA256-128", test_vector_sha256 },
		{ "build+sign+csum = vector SHA1", test_build_sign_sha1 },
		{ "build+sign+csum = vector SHA256", test_build_sign_sha256 },
		{ "verify failures give 146 SHA1", test_verify_failures_sha1 },
		{ "verify failures give 146 SHA256",
		    test_verify_failures_sha256 },
		{ "every bit flip caught SHA1", test_verify_bitflips_sha1 },
		{ "every bit flip caught SHA256", test_verify_bitflips_sha256 },
		CU_TEST_INFO_NULL
	};
	static CU_TestInfo sas[] = {
		{ "sa_init errors", test_sa_init_errors },
		{ "algorithm names", test_alg_names },
		{ "SA table 100k SPIs", test_sa_table },
		{ "SA table owns the MAC context", test_sa_table_owns_ctx },
		CU_TEST_INFO_NULL
	};
	static CU_TestInfo replay[] = {
		{ "sequence numbers modulo 2^16", test_seq_newer },
		{ "NTP time", test_ntp },
		{ "MESG-ID window", test_replay_window },
		CU_TEST_INFO_NULL
	};

	CU_SUITE("auth vectors", vectors);
	CU_SUITE("security associations", sas);
	CU_SUITE("replay protection", replay);
	return 0;
}
