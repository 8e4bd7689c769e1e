/*
 * fuzz_mh.c: checks shared by the Mobility Header targets (fuzz_mh.h):
 * what a successful mh_parse() promises, and the round trip
 * parse -> mh_build -> parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth.h"
#include "fuzz.h"
#include "fuzz_mh.h"

/* What mh_parse() returning MH_OK guarantees. */
void
fuzz_mh_check_parsed(const uint8_t *p, size_t len, const struct mh_msg *m)
{
	const struct mh_opts *o = &m->opt;

	FUZZ_CHECK(len >= MH_UNIT && len % MH_UNIT == 0 && len <= MH_MAX_LEN,
	    "accepted an MH of %zu octets", len);
	FUZZ_CHECK(p[0] == MH_PAYLOAD_PROTO, "payload proto %u", p[0]);
	FUZZ_CHECK(((size_t)p[1] + 1) * MH_UNIT == len, "header len %u vs %zu",
	    p[1], len);
	FUZZ_CHECK(m->type == p[2], "type %u vs octet %u", m->type, p[2]);
	FUZZ_CHECK(o->n_hnp <= MH_MAX_HNP && o->n_cand <= MH_MAX_CAND &&
	    o->n_flow <= MH_MAX_FLOWS, "counts %u %u %u", o->n_hnp, o->n_cand,
	    o->n_flow);
	if (o->present & MHO_MNID)
		FUZZ_CHECK(o->mnid_len >= 1 && o->mnid_len <= MH_MNID_MAX,
		    "mnid_len %u", o->mnid_len);
	if (o->present & MHO_AUTH) {
		FUZZ_CHECK(o->auth_mac_len >= 1 &&
		    o->auth_mac_len <= MH_AUTH_MAC_MAX, "mac len %u",
		    o->auth_mac_len);
		/* B.8: AUTH is last, so it ends the MH exactly. */
		FUZZ_CHECK((size_t)o->auth_off + 7 + o->auth_mac_len == len,
		    "AUTH at %u with a %u-octet MAC in a %zu-octet MH",
		    o->auth_off, o->auth_mac_len, len);
		FUZZ_CHECK(p[o->auth_off] == MHOPT_AUTH, "auth_off %u names "
		    "option %u", o->auth_off, p[o->auth_off]);
		FUZZ_CHECK(memcmp(p + o->auth_off + 7, o->auth_mac,
		    o->auth_mac_len) == 0, "MAC bytes differ");
	}
	for (unsigned i = 0; i < o->n_hnp; i++)
		FUZZ_CHECK(o->hnp[i].plen <= 128, "hnp plen %u",
		    o->hnp[i].plen);
	for (unsigned i = 0; i < o->n_flow; i++)
		FUZZ_CHECK(o->flow[i].cont_type <= CONT_MAX, "cont %u",
		    o->flow[i].cont_type);
	if (o->present & MHO_ANCHOR_HINT)
		FUZZ_CHECK(o->anchor_hint.plen <= 128, "anchor plen %u",
		    o->anchor_hint.plen);
	if (m->type == MH_TYPE_DHP_REPLY)
		FUZZ_CHECK(m->u.dr.count == o->n_cand, "count %u, %u cands",
		    m->u.dr.count, o->n_cand);
	if (m->type == MH_TYPE_DHOA_RESP)
		FUZZ_CHECK(m->u.dresp.plen <= 128, "dresp plen %u",
		    m->u.dresp.plen);
	if (m->type == MH_TYPE_DHOA_REQ)
		FUZZ_CHECK(m->u.dreq.cont_type <= CONT_MAX, "dreq cont %u",
		    m->u.dreq.cont_type);
	FUZZ_CHECK(m->bad_off == 0, "bad_off %zu after success", m->bad_off);
	(void)mh_type_name(m->type);
	if (m->type == MH_TYPE_BA)
		(void)mh_status_name(m->u.ba.status);
}

/* HMAC (RFC 2104) by hand over EVP digests fetched once: independent of
 * auth.c's EVP_MAC code, and fast enough for the engine targets. */
static void
ref_hmac(const char *digest, const uint8_t *key, size_t key_len,
    const uint8_t *const *parts, const size_t *lens, size_t nparts,
    uint8_t out[EVP_MAX_MD_SIZE])
{
	static EVP_MD *sha1, *sha256;
	static EVP_MD_CTX *ctx;
	uint8_t k[64], pad[64], inner[EVP_MAX_MD_SIZE];
	unsigned ilen = 0, olen = 0;
	const EVP_MD *md;

	if (ctx == NULL && ((sha1 = EVP_MD_fetch(NULL, "SHA1", NULL)) == NULL ||
	    (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL))
		abort();
	md = strcmp(digest, "SHA1") == 0 ? sha1 : sha256;
	memset(k, 0, sizeof(k));
	if (key_len > sizeof(k))
		abort();	/* AUTH_KEY_MAX is 64 */
	memcpy(k, key, key_len);
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x36;
	if (!EVP_DigestInit_ex(ctx, md, NULL) ||
	    !EVP_DigestUpdate(ctx, pad, sizeof(pad)))
		abort();
	for (size_t i = 0; i < nparts; i++)
		if (!EVP_DigestUpdate(ctx, parts[i], lens[i]))
			abort();
	if (!EVP_DigestFinal_ex(ctx, inner, &ilen))
		abort();
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x5c;
	if (!EVP_DigestInit_ex(ctx, md, NULL) ||
	    !EVP_DigestUpdate(ctx, pad, sizeof(pad)) ||
	    !EVP_DigestUpdate(ctx, inner, ilen) ||
	    !EVP_DigestFinal_ex(ctx, out, &olen))
		abort();
}

/* RFC 4285 5 / B.8 from scratch: 0 when the MAC in o is right for sa. */
int
fuzz_ref_auth(const uint8_t *mh, size_t len, const struct mh_opts *o,
    const struct mh_sa *sa, const struct in6_addr *coa,
    const struct in6_addr *hoa)
{
	static const uint8_t zero[2];
	size_t mac_len = sa->alg == AUTH_ALG_HMAC_SHA1_96 ? 12 : 16;
	size_t covered = (size_t)o->auth_off + 7;
	uint8_t out[EVP_MAX_MD_SIZE];
	const uint8_t *parts[5];
	size_t lens[5];

	if (!(o->present & MHO_AUTH) || o->auth_subtype != 1 ||
	    o->auth_spi != sa->spi || o->auth_mac_len != mac_len ||
	    covered + mac_len != len)
		return -1;
	/* CoA || HoA || MH with the checksum counted as zero */
	parts[0] = coa->s6_addr;
	lens[0] = 16;
	parts[1] = hoa->s6_addr;
	lens[1] = 16;
	parts[2] = mh;
	lens[2] = 4;
	parts[3] = zero;
	lens[3] = 2;
	parts[4] = mh + 6;
	lens[4] = covered - 6;
	ref_hmac(sa->alg == AUTH_ALG_HMAC_SHA1_96 ? "SHA1" : "SHA256", sa->key,
	    sa->key_len, parts, lens, 5, out);
	return memcmp(out, o->auth_mac, mac_len) == 0 ? 0 : -1;
}

/* Name the first differing field group, for the report. */
static void
diff_msgs(const struct mh_msg *a, const struct mh_msg *b)
{
	const struct mh_opts *x = &a->opt, *y = &b->opt;

	fprintf(stderr, "type %u/%u present %#x/%#x n_hnp %u/%u n_cand %u/%u "
	    "n_flow %u/%u mnid_len %u/%u auth spi %u/%u mac_len %u/%u\n",
	    a->type, b->type, x->present, y->present, x->n_hnp, y->n_hnp,
	    x->n_cand, y->n_cand, x->n_flow, y->n_flow, x->mnid_len,
	    y->mnid_len, x->auth_spi, y->auth_spi, x->auth_mac_len,
	    y->auth_mac_len);
	if (memcmp(&a->u, &b->u, sizeof(a->u)) != 0)
		fputs("  the fixed part differs\n", stderr);
	if (memcmp(x, y, sizeof(*x)) != 0)
		fputs("  the options differ\n", stderr);
	fuzz_hexdump("first parse", (const uint8_t *)a, sizeof(*a));
	fuzz_hexdump("second parse", (const uint8_t *)b, sizeof(*b));
}

void
fuzz_mh_roundtrip(const uint8_t *p, size_t len, const struct mh_msg *m1,
    size_t small_cap)
{
	uint8_t buf[MH_MAX_LEN], again[MH_MAX_LEN], *small;
	struct mh_msg m2, m3;
	size_t aoff = 0;
	ssize_t n, n2;
	int rc;

	/* Everything mh_parse() accepts, mh_build() must write back. */
	n = mh_build(m1, buf, sizeof(buf), &aoff);
	if (n < 0)
		fuzz_hexdump("input", p, len);
	FUZZ_CHECK(n > 0, "a parsed message does not build: %zd (%s)", n,
	    mh_strerror((int)n));
	rc = mh_parse(buf, (size_t)n, &m2);
	if (rc != MH_OK) {
		fuzz_hexdump("input", p, len);
		fuzz_hexdump("rebuilt", buf, (size_t)n);
	}
	FUZZ_CHECK(rc == MH_OK, "the rebuilt message does not parse: %s at "
	    "%zu", mh_strerror(rc), m2.bad_off);
	fuzz_mh_check_parsed(buf, (size_t)n, &m2);
	if (m1->opt.present & MHO_AUTH)
		FUZZ_CHECK(aoff == m2.opt.auth_off, "auth_off %zu vs %u", aoff,
		    m2.opt.auth_off);
	/* Where AUTH sits depends on the layout; nothing else may. */
	m3 = m2;
	m3.opt.auth_off = m1->opt.auth_off;
	if (memcmp(m1, &m3, sizeof(m3)) != 0) {
		fuzz_hexdump("input", p, len);
		fuzz_hexdump("rebuilt", buf, (size_t)n);
		diff_msgs(m1, &m3);
	}
	FUZZ_CHECK(memcmp(m1, &m3, sizeof(m3)) == 0,
	    "parse -> build -> parse changed the message");
	/* The builder's layout is canonical: building again is stable. */
	n2 = mh_build(&m2, again, sizeof(again), NULL);
	FUZZ_CHECK(n2 == n && memcmp(buf, again, (size_t)n) == 0,
	    "building the rebuilt message gives other bytes (%zd vs %zd)",
	    n2, n);
	/* A short buffer is an error, never an overflow (the block has
	 * exactly small_cap bytes, so ASan sees any write past it). */
	if ((small = malloc(small_cap ? small_cap : 1)) == NULL)
		abort();
	n2 = mh_build(m1, small, small_cap, NULL);
	if ((size_t)n > small_cap)
		FUZZ_CHECK(n2 == MH_E_BUF, "cap %zu < %zd but build gave %zd",
		    small_cap, n, n2);
	else
		FUZZ_CHECK(n2 == n && memcmp(small, buf, (size_t)n) == 0,
		    "cap %zu >= %zd but build gave %zd", small_cap, n, n2);
	free(small);
}
