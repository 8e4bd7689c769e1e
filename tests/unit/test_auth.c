/*
 * test_auth.c: RFC 4285 authentication, SA table, replay window and
 * sequence-number comparison (PROTOCOL.md B.8, C.3, RFC 6275 9.5.1).
 */
#include <arpa/inet.h>
#include <errno.h>
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
	/* The checksum field is not part of MobilityData. */
	v.bytes[4] = 0xff;
	v.bytes[5] = 0xff;
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
	/* Signing with the wrong offset or a mismatched SA is refused. */
	CU_ASSERT_EQUAL(mh_auth_sign(buf, (size_t)len, auth_off - 1, &v.sa,
	    &coa, &hoa), -1);
	CU_ASSERT_EQUAL(mh_auth_sign(buf, (size_t)len - 1, auth_off, &v.sa,
	    &coa, &hoa), -1);
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
test_verify_failures(void)
{
	struct vec v;
	struct mh_sa other;
	struct mh_opts o;
	uint8_t key[32];
	struct in6_addr bad;

	vec_load(&v, AUTH_ALG_HMAC_SHA256_128);
	seq_key(key, 32);
	key[31] ^= 1;
	CU_ASSERT_FATAL(sa_init(&other, 0x1000, AUTH_ALG_HMAC_SHA256_128,
	    key, 32) == 0);
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
	o = v.opt;
	o.auth_mac_len = 12;				/* SHA1 length */
	CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &o, &v.sa, &coa, &hoa),
	    BA_STATUS_AUTH_FAIL);
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
	sa_clear(&v.sa);
}

/* A flipped bit anywhere in the covered bytes or the MAC is caught;
 * only the checksum octets are outside MobilityData. */
static void
test_verify_bitflips(void)
{
	struct vec v;
	size_t mac_start;

	vec_load(&v, AUTH_ALG_HMAC_SHA256_128);
	mac_start = v.len - 16;
	for (size_t i = 0; i < v.len; i++) {
		struct mh_opts o = v.opt;
		int want = (i == 4 || i == 5) ? 0 : BA_STATUS_AUTH_FAIL;

		v.bytes[i] ^= 0x10;
		if (i >= mac_start)
			o.auth_mac[i - mac_start] ^= 0x10;
		CU_ASSERT_EQUAL(mh_auth_verify(v.bytes, v.len, &o, &v.sa, &coa,
		    &hoa), want);
		v.bytes[i] ^= 0x10;
	}
	sa_clear(&v.sa);
}

static void
test_sa_init_errors(void)
{
	struct mh_sa sa;
	uint8_t key[40];

	seq_key(key, sizeof(key));
	CU_ASSERT_EQUAL(sa_init(&sa, 0, AUTH_ALG_HMAC_SHA256_128, key, 32), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(sa_init(&sa, 255, AUTH_ALG_HMAC_SHA256_128, key, 32),
	    -1);
	CU_ASSERT_EQUAL(sa_init(&sa, 256, AUTH_ALG_HMAC_SHA256_128, key, 31),
	    -1);
	CU_ASSERT_EQUAL(sa_init(&sa, 256, AUTH_ALG_HMAC_SHA256_128, key, 33),
	    -1);
	CU_ASSERT_EQUAL(sa_init(&sa, 256, AUTH_ALG_HMAC_SHA1_96, key, 32), -1);
	CU_ASSERT_EQUAL(sa_init(&sa, 256, AUTH_ALG_NONE, key, 16), -1);
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
	CU_ASSERT_FATAL(sa_init(&sa, 256, AUTH_ALG_HMAC_SHA256_128, key,
	    32) == 0);
	CU_ASSERT_EQUAL(sa_table_add(t, &sa), -1);	/* duplicate */
	CU_ASSERT_EQUAL(errno, EEXIST);
	sa_clear(&sa);
	for (uint32_t spi = 256; spi < 256 + n; spi += 997) {
		const struct mh_sa *f = sa_table_find(t, spi);

		CU_ASSERT_PTR_NOT_NULL(f);
		if (f != NULL)
			CU_ASSERT_EQUAL(f->spi, spi);
	}
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
	o.mesgid = now + 7 * sec + sec / 100;		/* 7.01 s */
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), BA_STATUS_ID_MISMATCH);
	o.mesgid = now - 8 * sec;
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), BA_STATUS_ID_MISMATCH);
	sa.window_s = 30;
	CU_ASSERT_EQUAL(replay_check(&sa, &o, now), 0);
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
		{ "verify failures give 146", test_verify_failures },
		{ "verify catches every bit flip", test_verify_bitflips },
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
