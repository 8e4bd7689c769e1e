/*
 * fuzz_mh_auth.c: mh_auth_verify() (RFC 4285, PROTOCOL.md B.8) with a
 * fixed SA, checked against fuzz_ref_auth() (fuzz_mh.c: HMAC written
 * out over OpenSSL's digests, not auth.c's EVP_MAC code), so the
 * verdict is compared with an independent computation and not only
 * "did not crash".
 *
 * Input: a control octet, then (ctl.addrs == 2) CoA and HoA, then a
 * raw MH. The SAs are those of the B.8 test vectors (SPI 0x1000, key
 * 01 02 03 ..; CoA 2001:db8:2::100, HoA 2001:db8:1::100), so the seeds
 * include MHs whose MAC verifies.
 *
 *   ctl bit 0     SA: 0 HMAC-SHA1-96, 1 HMAC-SHA256-128
 *   ctl bits 1-2  CoA/HoA: 0 and 3 the vectors', 1 swapped, 2 input
 *   ctl bit 3     fix Payload Proto and Header Len before parsing
 *   ctl bit 4     sign first with mh_auth_sign() (then it must verify)
 *   ctl bit 5     no parse: the mh_opts come from the input too, as a
 *                 lying caller would pass them; verify must stay in
 *                 bounds and agree with the reference all the same
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "fuzz.h"
#include "fuzz_mh.h"

FUZZ_TARGET("mh_auth");

#define VEC_SPI	0x1000

static struct mh_sa	sa_sha1, sa_sha256;
static struct in6_addr	vec_coa, vec_hoa;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t key[32];

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i + 1);
	if (sa_init(&sa_sha1, VEC_SPI, AUTH_ALG_HMAC_SHA1_96, key, 16) != 0 ||
	    sa_init(&sa_sha256, VEC_SPI, AUTH_ALG_HMAC_SHA256_128, key,
	    32) != 0)
		abort();
	vec_coa = fuzz_addr("2001:db8:2::100");
	vec_hoa = fuzz_addr("2001:db8:1::100");
	return 0;
}

/* Verify and compare with the reference; returns verify's answer. */
static int
verify_both(const uint8_t *mh, size_t len, const struct mh_opts *o,
    const struct mh_sa *sa, const struct in6_addr *coa,
    const struct in6_addr *hoa)
{
	int got = mh_auth_verify(mh, len, o, sa, coa, hoa);
	int want = fuzz_ref_auth(mh, len, o, sa, coa, hoa);

	FUZZ_CHECK(got == 0 || got == BA_STATUS_AUTH_FAIL,
	    "mh_auth_verify returned %d", got);
	if ((got == 0) != (want == 0))
		fuzz_hexdump("MH", mh, len);
	FUZZ_CHECK((got == 0) == (want == 0), "mh_auth_verify says %s, the "
	    "reference says %s", got == 0 ? "valid" : "invalid",
	    want == 0 ? "valid" : "invalid");
	return got;
}

/* Bit 5: opts from the input, verify over whatever bytes follow. */
static void
lying_opts(struct fin *f, const struct mh_sa *sa, const struct in6_addr *coa,
    const struct in6_addr *hoa)
{
	struct mh_opts o;
	const uint8_t *mh;
	uint8_t *copy;
	size_t len;

	memset(&o, 0, sizeof(o));
	o.present = fin_u8(f) & 1 ? MHO_AUTH : 0;
	o.auth_subtype = fin_u8(f) & 3;
	o.auth_spi = fin_u8(f) & 1 ? sa->spi : fin_u32(f);
	o.auth_mac_len = fin_u8(f) % (MH_AUTH_MAC_MAX + 1);
	o.auth_off = fin_u16(f);
	fin_bytes(f, o.auth_mac, o.auth_mac_len);
	len = fin_take(f, &mh, f->len);
	/* an exact-size block, so any read past len is caught */
	if ((copy = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(copy, mh, len);
	verify_both(copy, len, &o, sa, coa, hoa);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mh_sa *sa;
	struct in6_addr coa = vec_coa, hoa = vec_hoa;
	uint8_t buf[MH_MAX_LEN];
	const uint8_t *mh;
	struct mh_msg m;
	struct fin f;
	size_t len;
	uint8_t ctl;
	int rc;

	fin_init(&f, data, size);
	ctl = fin_u8(&f);
	sa = ctl & 1 ? &sa_sha256 : &sa_sha1;
	if ((ctl >> 1 & 3) == 1) {
		coa = vec_hoa;
		hoa = vec_coa;
	} else if ((ctl >> 1 & 3) == 2) {
		fin_in6(&f, &coa);
		fin_in6(&f, &hoa);
	}
	if (ctl & 0x20) {
		lying_opts(&f, sa, &coa, &hoa);
		return 0;
	}
	len = fin_take(&f, &mh, sizeof(buf));
	memcpy(buf, mh, len);
	if ((ctl & 0x08) && len >= MH_UNIT) {
		len -= len % MH_UNIT;
		buf[0] = MH_PAYLOAD_PROTO;
		buf[1] = (uint8_t)(len / MH_UNIT - 1);
	}
	if ((rc = mh_parse(buf, len, &m)) != MH_OK)
		return 0;
	fuzz_mh_check_parsed(buf, len, &m);

	if (ctl & 0x10) {
		bool fits = (m.opt.present & MHO_AUTH) &&
		    m.opt.auth_spi == sa->spi &&
		    m.opt.auth_mac_len == auth_alg_mac_len(sa->alg);

		rc = mh_auth_sign(buf, len, m.opt.auth_off, sa, &coa, &hoa);
		/* An AUTH option of this SA's SPI and MAC length can be
		 * signed; nothing else can. */
		FUZZ_CHECK((rc == 0) == fits, "mh_auth_sign gave %d for an "
		    "AUTH option that %s", rc, fits ? "fits" : "does not fit");
		if (rc == 0) {
			FUZZ_CHECK(mh_parse(buf, len, &m) == MH_OK,
			    "signing broke the MH");
			rc = verify_both(buf, len, &m.opt, sa, &coa, &hoa);
			if (m.opt.auth_subtype == AUTH_SUBTYPE_MN_HA)
				FUZZ_CHECK(rc == 0, "a signed MH fails to "
				    "verify");
			return 0;
		}
	}
	verify_both(buf, len, &m.opt, sa, &coa, &hoa);
	return 0;
}
