/*
 * test_mh.c: Mobility Header codec and checksum (PROTOCOL.md B.1-B.11).
 *
 * Golden bytes (mh_golden.h, written by hand from the layouts) for every
 * message and option builder, the B.8 vectors, round trips for every
 * type, malformed input of each kind the parser must reject, and a
 * fixed-seed fuzz run that must stay ASan-clean.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "dmip_proto.h"
#include "inet_csum.h"
#include "mh.h"

#include "cu_main.h"
#include "mh_golden.h"


static void
hexdump(const char *what, const uint8_t *p, size_t len)
{
	size_t i;

	fprintf(stderr, "\n%s (%zu):", what, len);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 8 ? "" : " ", p[i]);
	fprintf(stderr, "\n");
}

/* Exact length and bytes; dumps both on mismatch. */
static int
same_bytes(const uint8_t *got, size_t glen, const uint8_t *want,
    size_t wlen)
{
	if (glen == wlen && memcmp(got, want, wlen) == 0)
		return 1;
	hexdump("got", got, glen);
	hexdump("want", want, wlen);
	return 0;
}

#define ASSERT_BYTES(got, glen, want) \
	CU_ASSERT_TRUE(same_bytes((got), (glen), (want), sizeof(want)))

/* ---- struct comparison, field by field --------------------------- */

static const char *neq;	/* first differing field, for diagnostics */

#define FEQ(a, b, f)	do { if ((a)->f != (b)->f) \
	    { neq = #f; return 0; } } while (0)
#define AEQ(a, b, f)	do { if (memcmp(&(a)->f, &(b)->f, sizeof((a)->f))) \
	    { neq = #f; return 0; } } while (0)

static int
prefix_eq(const struct mh_prefix *a, const struct mh_prefix *b)
{
	FEQ(a, b, plen);
	AEQ(a, b, prefix);
	return 1;
}

static int
opts_eq(const struct mh_opts *a, const struct mh_opts *b, int cmp_auth_off)
{
	unsigned i;

	FEQ(a, b, present);
	FEQ(a, b, bra);
	AEQ(a, b, altcoa);
	AEQ(a, b, hoa);
	FEQ(a, b, mnid_subtype);
	FEQ(a, b, mnid_len);
	if (memcmp(a->mnid, b->mnid, a->mnid_len)) { neq = "mnid"; return 0; }
	FEQ(a, b, mesgid);
	FEQ(a, b, timestamp);
	FEQ(a, b, hi);
	FEQ(a, b, att);
	if (!prefix_eq(&a->anchor_hint, &b->anchor_hint))
		return 0;
	FEQ(a, b, n_hnp);
	for (i = 0; i < a->n_hnp; i++)
		if (!prefix_eq(&a->hnp[i], &b->hnp[i]))
			return 0;
	FEQ(a, b, n_cand);
	for (i = 0; i < a->n_cand; i++) {
		FEQ(a, b, cand[i].pref);
		FEQ(a, b, cand[i].flags);
		FEQ(a, b, cand[i].metric);
		AEQ(a, b, cand[i].addr);
	}
	FEQ(a, b, n_flow);
	for (i = 0; i < a->n_flow; i++) {
		FEQ(a, b, flow[i].proto);
		FEQ(a, b, flow[i].cont_type);
		FEQ(a, b, flow[i].mn_port);
		FEQ(a, b, flow[i].cn_port);
		AEQ(a, b, flow[i].cn);
	}
	FEQ(a, b, auth_subtype);
	FEQ(a, b, auth_spi);
	FEQ(a, b, auth_mac_len);
	if (memcmp(a->auth_mac, b->auth_mac, a->auth_mac_len)) {
		neq = "auth_mac";
		return 0;
	}
	if (cmp_auth_off)
		FEQ(a, b, auth_off);
	return 1;
}

static int
fixed_eq(const struct mh_msg *a, const struct mh_msg *b)
{
	FEQ(a, b, type);
	switch (a->type) {
	case MH_TYPE_BU:
		FEQ(a, b, u.bu.seq); FEQ(a, b, u.bu.flags);
		FEQ(a, b, u.bu.lifetime);
		break;
	case MH_TYPE_BA:
		FEQ(a, b, u.ba.status); FEQ(a, b, u.ba.flags);
		FEQ(a, b, u.ba.seq); FEQ(a, b, u.ba.lifetime);
		break;
	case MH_TYPE_BE:
		FEQ(a, b, u.be.status); AEQ(a, b, u.be.hoa);
		break;
	case MH_TYPE_DHP_QUERY:
		FEQ(a, b, u.dq.seq); FEQ(a, b, u.dq.flags);
		FEQ(a, b, u.dq.max_cand); AEQ(a, b, u.dq.cn);
		break;
	case MH_TYPE_DHP_REPLY:
		FEQ(a, b, u.dr.seq); FEQ(a, b, u.dr.status);
		FEQ(a, b, u.dr.count); FEQ(a, b, u.dr.validity);
		AEQ(a, b, u.dr.cn);
		break;
	case MH_TYPE_DHOA_REQ:
		FEQ(a, b, u.dreq.seq); FEQ(a, b, u.dreq.flags);
		FEQ(a, b, u.dreq.cont_type); FEQ(a, b, u.dreq.lifetime);
		AEQ(a, b, u.dreq.req_dhoa); AEQ(a, b, u.dreq.hoa);
		AEQ(a, b, u.dreq.coa);
		break;
	case MH_TYPE_DHOA_RESP:
		FEQ(a, b, u.dresp.seq); FEQ(a, b, u.dresp.status);
		FEQ(a, b, u.dresp.flags); FEQ(a, b, u.dresp.lifetime);
		FEQ(a, b, u.dresp.plen); AEQ(a, b, u.dresp.dhoa);
		AEQ(a, b, u.dresp.tep);
		break;
	case MH_TYPE_DHP_BU:
		FEQ(a, b, u.dbu.seq); FEQ(a, b, u.dbu.flags);
		FEQ(a, b, u.dbu.lifetime); AEQ(a, b, u.dbu.dhoa);
		AEQ(a, b, u.dbu.coa);
		break;
	case MH_TYPE_DHP_BC:
		FEQ(a, b, u.dbc.seq); FEQ(a, b, u.dbc.status);
		FEQ(a, b, u.dbc.lifetime); AEQ(a, b, u.dbc.dhoa);
		break;
	default:
		break;
	}
	return 1;
}

static int
msg_eq(const struct mh_msg *a, const struct mh_msg *b, int cmp_auth_off)
{
	neq = NULL;
	if (!fixed_eq(a, b) || !opts_eq(&a->opt, &b->opt, cmp_auth_off)) {
		fprintf(stderr, "\nfield differs: %s\n", neq);
		return 0;
	}
	return 1;
}

/* ---- 1. golden bytes: messages ----------------------------------- */

static void
test_golden_messages(void)
{
	uint8_t buf[MH_MAX_LEN];
	struct mh_msg m;
	size_t i, aoff;
	ssize_t n;

	for (i = 0; i < NITEMS(goldens); i++) {
		golden_msg(&goldens[i], &m);
		aoff = 999;
		n = mh_build(&m, buf, sizeof(buf), &aoff);
		CU_ASSERT_EQUAL_FATAL(n, (ssize_t)goldens[i].len);
		if (!same_bytes(buf, (size_t)n, goldens[i].bytes,
		    goldens[i].len))
			CU_FAIL(goldens[i].name);
		/* Header Len is (len / 8) - 1 */
		CU_ASSERT_EQUAL(buf[1], goldens[i].len / 8 - 1);
		CU_ASSERT_EQUAL(aoff, (m.opt.present & MHO_AUTH) ?
		    m.opt.auth_off : 0);
	}
}

/* PROTOCOL.md B.8: the first 36 octets (up to the SPI) of the vectors,
 * checksum still 0, plus total length and AUTH offset. */
static void
test_b8_layout(void)
{
	uint8_t buf[256], want[64];
	struct mh_msg m;
	size_t aoff = 0;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_BU;
	m.u.bu.seq = 1;
	m.u.bu.flags = 0xC000;
	m.u.bu.lifetime = 150;
	set_mesgid(&m.opt, 0xE875470000000000ULL);
	set_auth(&m.opt, 0x1000, 12);
	n = mh_build(&m, buf, sizeof(buf), &aoff);
	CU_ASSERT_EQUAL(n, 48);
	CU_ASSERT_EQUAL(aoff, 29);
	memcpy(want, g_b8_sha1, 36);
	want[4] = want[5] = 0;
	CU_ASSERT_TRUE(same_bytes(buf, 36, want, 36));

	m.opt.auth_mac_len = 16;
	n = mh_build(&m, buf, sizeof(buf), &aoff);
	CU_ASSERT_EQUAL(n, 56);
	CU_ASSERT_EQUAL(aoff, 33);
	CU_ASSERT_EQUAL(buf[1], 6);
	memcpy(want, g_b8_sha256, 40);
	want[4] = want[5] = 0;
	CU_ASSERT_TRUE(same_bytes(buf, 40, want, 40));
}

/* ---- 1. golden bytes: options ------------------------------------ */

/* An 8-octet BRR-sized start, so each option sees offset 8 (8n+0). */
static void
opt_start(struct wbuf *b, uint8_t *buf, size_t cap)
{
	wbuf_init(b, buf, cap);
	mh_put_header(b, MH_TYPE_BRR);
	wbuf_put_zero(b, 2);
}

#define H8	0x3b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00

static void
test_golden_pad(void)
{
	static const uint8_t pad1[] = { H8, 0x00 };
	static const uint8_t padn0[] = { H8, 0x01, 0x00 };
	static const uint8_t padn1[] = { H8, 0x01, 0x01, 0x00 };
	static const uint8_t padn5[] = { H8, 0x01, 0x05, 0, 0, 0, 0, 0 };
	static const uint8_t none[] = { H8 };
	static const uint8_t bra_odd[] = { H8, 0xee, 0x00, 0x02, 0x02,
	    0x01, 0x2c };
	static const uint8_t fin[] = { 0x3b, 0x01, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x17, 0x02, 0x00, 0x03, 0x01, 0x02, 0x00, 0x00 };
	uint8_t buf[64];
	struct wbuf b;

	opt_start(&b, buf, sizeof(buf));
	mh_put_pad_to(&b, 8, 1);
	ASSERT_BYTES(buf, b.len, pad1);
	opt_start(&b, buf, sizeof(buf));
	mh_put_pad_to(&b, 4, 2);
	ASSERT_BYTES(buf, b.len, padn0);
	opt_start(&b, buf, sizeof(buf));
	mh_put_pad_to(&b, 8, 3);
	ASSERT_BYTES(buf, b.len, padn1);
	opt_start(&b, buf, sizeof(buf));
	mh_put_pad_to(&b, 8, 7);
	ASSERT_BYTES(buf, b.len, padn5);
	opt_start(&b, buf, sizeof(buf));
	mh_put_pad_to(&b, 8, 0);
	ASSERT_BYTES(buf, b.len, none);
	/* BRA (2n) after one odd octet gets a Pad1 */
	opt_start(&b, buf, sizeof(buf));
	wbuf_put_u8(&b, 0xee);
	mh_put_opt_bra(&b, 300);
	ASSERT_BYTES(buf, b.len, bra_odd);
	/* mh_finish pads 12 -> 16 with PadN(2) and sets Header Len 1 */
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_hi(&b, HI_HANDOFF_MAGS);
	CU_ASSERT_EQUAL(mh_finish(&b), 16);
	ASSERT_BYTES(buf, b.len, fin);
}

static void
test_golden_options(void)
{
	static const uint8_t bra[] = { H8, 0x02, 0x02, 0x00, 0x4b };
	static const uint8_t altcoa[] = { H8, 0x01, 0x04, 0, 0, 0, 0,
	    0x03, 0x10, A_COA };
	static const uint8_t hoa[] = { H8, 0x01, 0x04, 0, 0, 0, 0,
	    0xc8, 0x10, A_HOA };
	static const uint8_t mnid[] = { H8, O_MNID };
	static const uint8_t mesgid[] = { H8, 0x01, 0x00, 0x0a, 0x08,
	    TS_MESGID };
	static const uint8_t ts[] = { H8, 0x01, 0x00, 0x1b, 0x08, TS_PMIP };
	static const uint8_t hi[] = { H8, 0x17, 0x02, 0x00, 0x03 };
	static const uint8_t att[] = { H8, 0x18, 0x02, 0x00, 0x04 };
	static const uint8_t hnp[] = { H8, 0x01, 0x02, 0x00, 0x00,
	    0x16, 0x12, 0x00, 0x40, A_PFX5 };
	static const uint8_t ah[] = { H8, 0x01, 0x02, 0x00, 0x00,
	    0xcb, 0x12, 0x00, 0x30, A_PFX3 };
	static const uint8_t cand[] = { H8, 0x01, 0x00,
	    0xc9, 0x14, 0x0a, 0x80, 0x00, 0x03, A_DHP };
	static const uint8_t flow[] = { H8,
	    0xca, 0x16, 0x06, 0x02, 0x9c, 0x40, 0x01, 0xbb, A_CN };
	static const uint8_t auth[] = { H8, 0x01, 0x03, 0x00, 0x00, 0x00,
	    0x09, 0x11, 0x01, 0x00, 0x00, 0x10, 0x00, Z12 };
	struct in6_addr a;
	struct mh_prefix pf;
	struct mh_dhp_cand c;
	struct mh_flow_desc f;
	uint8_t buf[128];
	struct wbuf b;

	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_bra(&b, 75);
	ASSERT_BYTES(buf, b.len, bra);
	a = addr("2001:db8:2::100");
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_altcoa(&b, &a);
	ASSERT_BYTES(buf, b.len, altcoa);
	a = addr("2001:db8:1::100");
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_hoa(&b, &a);
	ASSERT_BYTES(buf, b.len, hoa);
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_mnid(&b, MNID_SUBTYPE_NAI, (const uint8_t *)"mn1@x", 5);
	ASSERT_BYTES(buf, b.len, mnid);
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_mesgid(&b, TS_M);
	ASSERT_BYTES(buf, b.len, mesgid);
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_timestamp(&b, TS_P);
	ASSERT_BYTES(buf, b.len, ts);
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_hi(&b, HI_HANDOFF_MAGS);
	ASSERT_BYTES(buf, b.len, hi);
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_att(&b, ATT_IEEE80211);
	ASSERT_BYTES(buf, b.len, att);
	pf.plen = 64;
	pf.prefix = addr("2001:db8:5::");
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_hnp(&b, &pf);
	ASSERT_BYTES(buf, b.len, hnp);
	pf.plen = 48;
	pf.prefix = addr("2001:db8:3::");
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_anchor_hint(&b, &pf);
	ASSERT_BYTES(buf, b.len, ah);
	c.pref = 10;
	c.flags = DHP_CAND_F_COLOCATED;
	c.metric = 3;
	c.addr = addr("2001:db8:3::1");
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_dhp_cand(&b, &c);
	ASSERT_BYTES(buf, b.len, cand);
	f.proto = 6;
	f.cont_type = CONT_SESSION_LASTING;
	f.mn_port = 40000;
	f.cn_port = 443;
	f.cn = addr("2001:db8:99::5");
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_flow_desc(&b, &f);
	ASSERT_BYTES(buf, b.len, flow);
	opt_start(&b, buf, sizeof(buf));
	CU_ASSERT_EQUAL(mh_put_opt_auth(&b, 1, 0x1000, 12), 13);
	ASSERT_BYTES(buf, b.len, auth);
	CU_ASSERT_EQUAL(b.len % 8, 0);
	CU_ASSERT_FALSE(b.err);
}

/* Option builders report overflow through wbuf.err, never truncate. */
static void
test_option_overflow(void)
{
	uint8_t buf[20];
	struct wbuf b;

	opt_start(&b, buf, 12);
	mh_put_opt_mesgid(&b, TS_M);
	CU_ASSERT_TRUE(b.err);
	CU_ASSERT_EQUAL(mh_finish(&b), MH_E_BUF);
	opt_start(&b, buf, sizeof(buf));
	CU_ASSERT_EQUAL(mh_put_opt_auth(&b, 1, 0x1000, 12), 0);
	CU_ASSERT_TRUE(b.err);
	opt_start(&b, buf, sizeof(buf));
	mh_put_opt_mnid(&b, 1, (const uint8_t *)"", 0);
	CU_ASSERT_TRUE(b.err);
	opt_start(&b, buf, sizeof(buf));
	CU_ASSERT_EQUAL(mh_put_opt_auth(&b, 1, 0x1000, 0), 0);
	CU_ASSERT_TRUE(b.err);
}

/* ---- 2. parse goldens, round trips -------------------------------- */

static void
test_parse_golden(void)
{
	struct mh_msg want, got;
	size_t i;

	for (i = 0; i < NITEMS(goldens); i++) {
		golden_msg(&goldens[i], &want);
		CU_ASSERT_EQUAL_FATAL(mh_parse(goldens[i].bytes,
		    goldens[i].len, &got), MH_OK);
		if (!msg_eq(&want, &got, 1))
			CU_FAIL(goldens[i].name);
	}
	/* B.8 vectors: the MAC bytes come out as they are on the wire */
	CU_ASSERT_EQUAL(mh_parse(g_b8_sha1, sizeof(g_b8_sha1), &got), MH_OK);
	CU_ASSERT_EQUAL(got.opt.auth_off, 29);
	CU_ASSERT_EQUAL(got.opt.auth_mac_len, 12);
	CU_ASSERT_EQUAL(got.opt.auth_spi, 0x1000);
	CU_ASSERT_EQUAL(got.opt.auth_mac[0], 0x1b);
	CU_ASSERT_EQUAL(got.opt.auth_mac[11], 0x52);
	CU_ASSERT_EQUAL(got.opt.mesgid, TS_M);
	CU_ASSERT_EQUAL(mh_parse(g_b8_sha256, sizeof(g_b8_sha256), &got),
	    MH_OK);
	CU_ASSERT_EQUAL(got.opt.auth_off, 33);
	CU_ASSERT_EQUAL(got.opt.auth_mac_len, 16);
	CU_ASSERT_EQUAL(got.opt.auth_mac[15], 0xe6);
}

/* Every option mh_build knows, nmax of each repeated one. */
static void
fill_all_opts(struct mh_opts *o, unsigned nmax, int long_ids)
{
	unsigned i;
	char id[MH_MNID_MAX + 1];

	set_bra(o, 0x1234);
	o->present |= MHO_ALTCOA | MHO_HOA | MHO_HI | MHO_ATT |
	    MHO_ANCHOR_HINT | MHO_TIMESTAMP;
	o->altcoa = addr("2001:db8:2::100");
	o->hoa = addr("2001:db8:1::100");
	memset(id, 'a', sizeof(id));
	id[long_ids ? MH_MNID_MAX : 16] = '\0';
	set_mnid(o, id);
	o->mnid_subtype = 7;
	o->hi = HI_NOT_CHANGED;
	o->att = ATT_3GPP_EUTRAN;
	o->anchor_hint.plen = 56;
	o->anchor_hint.prefix = addr("2001:db8:77::");
	o->timestamp = TS_P + 1;
	set_mesgid(o, TS_M + 2);
	for (i = 0; i < nmax; i++) {
		o->hnp[i].plen = (uint8_t)(48 + i);
		o->hnp[i].prefix = addr("2001:db8:100::");
		o->hnp[i].prefix.s6_addr[7] = (uint8_t)i;
		o->cand[i].pref = (uint8_t)(200 + i);
		o->cand[i].flags = (uint8_t)(i & 1 ? 0x80 : 0);
		o->cand[i].metric = (uint16_t)(1000 * i + 1);
		o->cand[i].addr = addr("2001:db8:3::1");
		o->cand[i].addr.s6_addr[15] = (uint8_t)i;
		o->flow[i].proto = (uint8_t)(i & 1 ? 17 : 6);
		o->flow[i].cont_type = (uint8_t)(i % (CONT_MAX + 1));
		o->flow[i].mn_port = (uint16_t)(50000 + i);
		o->flow[i].cn_port = (uint16_t)(80 + i);
		o->flow[i].cn = addr("2001:db8:99::5");
		o->flow[i].cn.s6_addr[14] = (uint8_t)i;
	}
	o->n_hnp = o->n_cand = o->n_flow = (uint8_t)nmax;
	set_auth(o, 0xdeadbeef, long_ids ? MH_AUTH_MAC_MAX : 20);
	for (i = 0; i < o->auth_mac_len; i++)
		o->auth_mac[i] = (uint8_t)(0xa0 + i);
}

/* One struct per type with every fixed field non-zero. */
static void
fill_fixed(struct mh_msg *m, uint8_t type)
{
	m->type = type;
	switch (type) {
	case MH_TYPE_BU:
		m->u.bu = (struct mh_bu){ 0xfffe, BU_F_A | BU_F_H | BU_F_L |
		    BU_F_K | BU_F_M | BU_F_R | BU_F_P | BU_F_F | BU_F_T,
		    0xffff };
		break;
	case MH_TYPE_BA:
		m->u.ba = (struct mh_ba){ 135, BA_F_K | BA_F_R | BA_F_P,
		    0x8001, 0x1111 };
		break;
	case MH_TYPE_BE:
		m->u.be.status = BE_STATUS_UNKNOWN_HAO;
		m->u.be.hoa = addr("2001:db8:1::100");
		break;
	case MH_TYPE_DHP_QUERY:
		m->u.dq = (struct mh_dhp_query){ 0x0102, DHP_QUERY_F_I, 9,
		    addr("2001:db8:99::5") };
		break;
	case MH_TYPE_DHP_REPLY:
		m->u.dr = (struct mh_dhp_reply){ 0x0304, DMIP_STATUS_USE_HA,
		    m->opt.n_cand, 0x0506, addr("2001:db8:99::6") };
		break;
	case MH_TYPE_DHOA_REQ:
		m->u.dreq = (struct mh_dhoa_req){ 0x0708, DHOA_F_B,
		    CONT_GRACEFUL, 0x090a, addr("2001:db8:3::77"),
		    addr("2001:db8:1::100"), addr("2001:db8:2::100") };
		break;
	case MH_TYPE_DHOA_RESP:
		m->u.dresp = (struct mh_dhoa_resp){ 0x0b0c,
		    DMIP_STATUS_DHOA_NOT_OWNED, DHOA_F_B, 0x0d0e, 127,
		    addr("2001:db8:3::a"), addr("2001:db8:3::1") };
		break;
	case MH_TYPE_DHP_BU:
		m->u.dbu = (struct mh_dhp_bu){ 0x0f10, DHP_BU_F_A | DHP_BU_F_R,
		    0x1112, addr("2001:db8:3::a"), addr("2001:db8:2::100") };
		break;
	case MH_TYPE_DHP_BC:
		m->u.dbc = (struct mh_dhp_bc){ 0x1314,
		    DMIP_STATUS_UNKNOWN_DHOA, 0x1516, addr("2001:db8:3::a") };
		break;
	default:
		break;
	}
}

static const uint8_t all_types[] = {
	MH_TYPE_BRR, MH_TYPE_BU, MH_TYPE_BA, MH_TYPE_BE, MH_TYPE_DHP_QUERY,
	MH_TYPE_DHP_REPLY, MH_TYPE_DHOA_REQ, MH_TYPE_DHOA_RESP,
	MH_TYPE_DHP_BU, MH_TYPE_DHP_BC,
};

static void
roundtrip(const struct mh_msg *in)
{
	uint8_t buf[MH_MAX_LEN];
	struct mh_msg out;
	size_t aoff = 0;
	ssize_t n;

	n = mh_build(in, buf, sizeof(buf), &aoff);
	CU_ASSERT_TRUE_FATAL(n > 0);
	CU_ASSERT_EQUAL(n % 8, 0);
	CU_ASSERT_EQUAL(mh_parse(buf, (size_t)n, &out), MH_OK);
	CU_ASSERT_TRUE(msg_eq(in, &out, 0));
	CU_ASSERT_EQUAL(out.opt.auth_off, aoff);
	/* AUTH is last and ends the message (B.8) */
	if (in->opt.present & MHO_AUTH)
		CU_ASSERT_EQUAL(aoff + 7 + in->opt.auth_mac_len, (size_t)n);
}

static void
test_roundtrip(void)
{
	struct mh_msg m;
	unsigned nmax[] = { 0, 1, 3, MH_MAX_CAND };
	size_t i, j;

	for (i = 0; i < NITEMS(all_types); i++) {
		for (j = 0; j < NITEMS(nmax); j++) {
			memset(&m, 0, sizeof(m));
			fill_all_opts(&m.opt, nmax[j], j == NITEMS(nmax) - 1);
			fill_fixed(&m, all_types[i]);
			roundtrip(&m);
		}
		/* and with no options at all */
		memset(&m, 0, sizeof(m));
		fill_fixed(&m, all_types[i]);
		roundtrip(&m);
	}
	for (i = 0; i < NITEMS(goldens); i++) {
		golden_msg(&goldens[i], &m);
		roundtrip(&m);
	}
}

/* ---- builder errors ----------------------------------------------- */

static void
test_build_errors(void)
{
	uint8_t buf[MH_MAX_LEN];
	struct mh_msg m, ok;
	size_t i, cap;

	memset(&ok, 0, sizeof(ok));
	fill_all_opts(&ok.opt, 2, 0);
	fill_fixed(&ok, MH_TYPE_DHP_REPLY);
	ok.u.dr.count = 2;

	/* every capacity short of the full length is MH_E_BUF */
	{
		ssize_t full = mh_build(&ok, buf, sizeof(buf), NULL);

		CU_ASSERT_TRUE_FATAL(full > 0);
		for (cap = 0; cap < (size_t)full; cap++)
			CU_ASSERT_EQUAL(mh_build(&ok, buf, cap, NULL),
			    MH_E_BUF);
		CU_ASSERT_EQUAL(mh_build(&ok, buf, (size_t)full, NULL), full);
	}
#define BAD(stmt) do { m = ok; stmt; \
	CU_ASSERT_EQUAL(mh_build(&m, buf, sizeof(buf), NULL), MH_E_INVAL); \
	} while (0)
	BAD(m.opt.n_cand = MH_MAX_CAND + 1);
	BAD(m.opt.n_hnp = MH_MAX_HNP + 1);
	BAD(m.opt.n_flow = MH_MAX_FLOWS + 1);
	BAD(m.opt.mnid_len = 0);
	BAD(m.opt.mnid_len = MH_MNID_MAX + 1);
	BAD(m.opt.hnp[1].plen = 129);
	BAD(m.opt.anchor_hint.plen = 129);
	BAD(m.opt.auth_mac_len = 0);
	BAD(m.opt.auth_mac_len = MH_AUTH_MAC_MAX + 1);
	BAD(m.opt.flow[0].cont_type = CONT_MAX + 1);
	BAD(m.type = MH_TYPE_HOTI);
	BAD(m.type = 99);
	BAD(fill_fixed(&m, MH_TYPE_DHOA_RESP); m.u.dresp.plen = 129);
	BAD(fill_fixed(&m, MH_TYPE_DHOA_REQ); m.u.dreq.cont_type = 5);
#undef BAD
	/* the same fields are fine when their option is absent */
	m = ok;
	m.opt.present &= ~(MHO_MNID | MHO_AUTH | MHO_ANCHOR_HINT);
	m.opt.mnid_len = 0;
	m.opt.auth_mac_len = 0;
	m.opt.anchor_hint.plen = 200;
	CU_ASSERT_TRUE(mh_build(&m, buf, sizeof(buf), NULL) > 0);
	/* BRR with no options is exactly 8 octets, HL 0 */
	memset(&m, 0, sizeof(m));
	CU_ASSERT_EQUAL(mh_build(&m, buf, 8, NULL), 8);
	CU_ASSERT_EQUAL(buf[1], 0);
	for (i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(buf[i], g_brr[i]);
}

/* ---- 3. malformed input ------------------------------------------- */

/* A hand-assembled MH: BU fixed part, then raw options. */
struct raw {
	uint8_t	b[MH_MAX_LEN + 64];
	size_t	len;
};

static void
raw_bu(struct raw *r)
{
	static const uint8_t bu[] = { 0x3b, 0x00, 0x05, 0x00, 0x00, 0x00,
	    0x00, 0x07, 0xc0, 0x00, 0x00, 0x96 };

	memcpy(r->b, bu, sizeof(bu));
	r->len = sizeof(bu);
}

static void
raw_pad(struct raw *r, size_t n)
{
	if (n == 1) {
		r->b[r->len++] = 0;
	} else if (n >= 2) {
		r->b[r->len++] = 1;
		r->b[r->len++] = (uint8_t)(n - 2);
		memset(r->b + r->len, 0, n - 2);
		r->len += n - 2;
	}
}

static void
raw_align(struct raw *r, unsigned x, unsigned y)
{
	if (x != 0)
		raw_pad(r, (x + y - r->len % x) % x);
}

static size_t
raw_opt(struct raw *r, uint8_t type, uint8_t len)
{
	size_t off = r->len;

	r->b[r->len++] = type;
	r->b[r->len++] = len;
	memset(r->b + r->len, 0, len);
	r->len += len;
	return off;
}

/* Pad to 8 and set Header Len. */
static void
raw_end(struct raw *r)
{
	raw_align(r, 8, 0);
	r->b[1] = (uint8_t)(r->len / 8 - 1);
}

static int
raw_parse(struct raw *r, struct mh_msg *m)
{
	return mh_parse(r->b, r->len, m);
}

/* B.2 table and B.11.1: type, exact (or minimum) length, alignment. */
static const struct {
	uint8_t	type, len, ax, ay, once, last;
} opt_tab[] = {
	{ MHOPT_BRA, 2, 2, 0, 1, 0 },
	{ MHOPT_ALTCOA, 16, 8, 6, 1, 0 },
	{ MHOPT_NONCE_IDX, 4, 2, 0, 0, 0 },
	{ MHOPT_BAD, 12, 8, 2, 0, 1 },
	{ MHOPT_MNID, 6, 0, 0, 1, 0 },
	{ MHOPT_AUTH, 17, 0, 0, 1, 1 },
	{ MHOPT_MESGID, 8, 8, 2, 1, 0 },
	{ MHOPT_EXPERIMENTAL, 4, 0, 0, 0, 0 },
	{ MHOPT_HNP, 18, 8, 4, 0, 0 },
	{ MHOPT_HI, 2, 0, 0, 1, 0 },
	{ MHOPT_ATT, 2, 0, 0, 1, 0 },
	{ MHOPT_MN_LLID, 8, 0, 0, 0, 0 },
	{ MHOPT_LLADDR, 16, 8, 6, 0, 0 },
	{ MHOPT_TIMESTAMP, 8, 8, 2, 1, 0 },
	{ MHOPT_HOA, 16, 8, 6, 1, 0 },
	{ MHOPT_DHP_CAND, 20, 8, 2, 0, 0 },
	{ MHOPT_FLOW_DESC, 22, 8, 0, 0, 0 },
	{ MHOPT_ANCHOR_HINT, 18, 8, 4, 1, 0 },
};

/* Last-only options: pad before so they end on 8 octets. */
static size_t
raw_put_tab(struct raw *r, size_t i, unsigned misalign)
{
	unsigned y = opt_tab[i].ay + misalign;

	if (opt_tab[i].last && opt_tab[i].ax == 0)
		y = (8 - (2 + opt_tab[i].len) % 8) % 8 + misalign;
	raw_align(r, opt_tab[i].ax ? opt_tab[i].ax : 8,
	    opt_tab[i].ax ? y % opt_tab[i].ax : y % 8);
	return raw_opt(r, opt_tab[i].type, opt_tab[i].len);
}

static void
test_options_table(void)
{
	struct mh_msg m;
	struct raw r;
	size_t i, off, off2;

	for (i = 0; i < NITEMS(opt_tab); i++) {
		/* at its alignment with its length: accepted */
		raw_bu(&r);
		raw_put_tab(&r, i, 0);
		raw_end(&r);
		CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_OK);
		/* zero length */
		raw_bu(&r);
		raw_opt(&r, opt_tab[i].type, 0);
		raw_end(&r);
		CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_E_OPT_LEN);
		CU_ASSERT_EQUAL(m.bad_off, 13);
		/* misaligned by one */
		if (opt_tab[i].ax != 0) {
			raw_bu(&r);
			off = raw_put_tab(&r, i, 1);
			raw_end(&r);
			CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_E_OPT_ALIGN);
			CU_ASSERT_EQUAL(m.bad_off, off);
		}
		/* single-instance repeated */
		if (opt_tab[i].once && !opt_tab[i].last) {
			raw_bu(&r);
			raw_put_tab(&r, i, 0);
			off2 = raw_put_tab(&r, i, 0);
			raw_end(&r);
			CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_E_OPT_DUP);
			CU_ASSERT_EQUAL(m.bad_off, off2);
		}
		/* anything after a last-only option */
		if (opt_tab[i].last) {
			raw_bu(&r);
			raw_put_tab(&r, i, 0);
			CU_ASSERT_EQUAL(r.len % 8, 0);
			off = r.len;
			raw_opt(&r, MHOPT_HI, 2);
			raw_end(&r);
			CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_E_OPT_ORDER);
			CU_ASSERT_EQUAL(m.bad_off, off);
		}
	}
}

static void
test_wrong_lengths(void)
{
	static const struct { uint8_t type, len; } bad[] = {
		{ MHOPT_BRA, 3 }, { MHOPT_ALTCOA, 15 }, { MHOPT_HI, 1 },
		{ MHOPT_ATT, 3 }, { MHOPT_MESGID, 9 }, { MHOPT_TIMESTAMP, 7 },
		{ MHOPT_HNP, 17 }, { MHOPT_HOA, 17 }, { MHOPT_DHP_CAND, 21 },
		{ MHOPT_FLOW_DESC, 20 }, { MHOPT_ANCHOR_HINT, 19 },
		{ MHOPT_MNID, 1 }, { MHOPT_AUTH, 5 }, { MHOPT_AUTH, 38 },
		{ MHOPT_NONCE_IDX, 2 }, { MHOPT_BAD, 16 }, { MHOPT_LLADDR, 8 },
		{ MHOPT_MN_LLID, 2 },
	};
	struct mh_msg m;
	struct raw r;
	size_t i, off;

	for (i = 0; i < NITEMS(bad); i++) {
		raw_bu(&r);
		off = raw_opt(&r, bad[i].type, bad[i].len);
		raw_end(&r);
		CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_E_OPT_LEN);
		CU_ASSERT_EQUAL(m.bad_off, off + 1);
	}
	/* AUTH with the largest MAC (32) is fine */
	raw_bu(&r);
	raw_pad(&r, 5);
	raw_opt(&r, MHOPT_AUTH, 5 + MH_AUTH_MAC_MAX);	/* 17..55 */
	raw_end(&r);
	CU_ASSERT_EQUAL(r.len, 56);
	CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_OK);
	CU_ASSERT_EQUAL(m.opt.auth_mac_len, MH_AUTH_MAC_MAX);
	CU_ASSERT_EQUAL(m.opt.auth_off, 17);
}

static void
test_misaligned_mesgid(void)
{
	/* g_b8 layout with MESG-ID moved from 18 to 19 (PadN(5) before,
	 * PadN(1) after) */
	static const uint8_t msg[] = {
		0x3b, 0x03, 0x05, 0x00, 0x00, 0x00, 0x00, 0x01,
		0xc0, 0x00, 0x00, 0x96, 0x01, 0x05, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x0a, 0x08, TS_MESGID,
		0x01, 0x01, 0x00,
	};
	struct mh_msg m;

	CU_ASSERT_EQUAL(sizeof(msg), 32);
	CU_ASSERT_EQUAL(mh_parse(msg, sizeof(msg), &m), MH_E_OPT_ALIGN);
	CU_ASSERT_EQUAL(m.bad_off, 19);
}

static void
test_after_auth(void)
{
	struct mh_msg m;
	uint8_t buf[64];
	struct raw r;

	/* Pad1 after AUTH (even padding counts, B.8) */
	raw_bu(&r);
	raw_opt(&r, MHOPT_AUTH, 17);	/* 12..30 */
	raw_end(&r);			/* Pad1 at 31 */
	CU_ASSERT_EQUAL(r.len, 32);
	CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_E_OPT_ORDER);
	CU_ASSERT_EQUAL(m.bad_off, 31);
	/* the B.8 vector with 8 more octets of PadN */
	memcpy(buf, g_b8_sha1, 48);
	memcpy(buf + 48, (const uint8_t[]){ 1, 6, 0, 0, 0, 0, 0, 0 }, 8);
	buf[1] = 6;
	CU_ASSERT_EQUAL(mh_parse(buf, 56, &m), MH_E_OPT_ORDER);
	CU_ASSERT_EQUAL(m.bad_off, 48);
	/* AUTH twice is "after AUTH" too */
	raw_bu(&r);
	raw_pad(&r, 4);
	raw_opt(&r, MHOPT_AUTH, 6);	/* 16..23 */
	raw_opt(&r, MHOPT_AUTH, 6);
	raw_end(&r);
	CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_E_OPT_ORDER);
	CU_ASSERT_EQUAL(m.bad_off, 24);
}

static void
test_truncated_option(void)
{
	struct mh_msg m;
	struct raw r;

	/* type octet is the last octet: no length */
	raw_bu(&r);
	raw_pad(&r, 3);
	r.b[r.len++] = MHOPT_HI;
	raw_end(&r);
	CU_ASSERT_EQUAL(r.len, 16);
	CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_E_OPT_TRUNC);
	CU_ASSERT_EQUAL(m.bad_off, 15);
	/* data runs past the end */
	raw_bu(&r);
	r.b[r.len++] = MHOPT_MESGID;
	r.b[r.len++] = 8;
	r.b[r.len++] = 0xe8;
	r.b[r.len++] = 0x75;
	raw_end(&r);
	CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_E_OPT_TRUNC);
	CU_ASSERT_EQUAL(m.bad_off, 13);
	/* a PadN running past the end, and an unknown option likewise */
	raw_bu(&r);
	r.b[r.len++] = MHOPT_PADN;
	r.b[r.len++] = 3;
	raw_end(&r);
	CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_E_OPT_TRUNC);
	raw_bu(&r);
	r.b[r.len++] = 150;
	r.b[r.len++] = 200;
	raw_end(&r);
	CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_E_OPT_TRUNC);
}

static void
test_unknown_options_skipped(void)
{
	struct mh_msg m;
	struct raw r;

	raw_bu(&r);
	raw_opt(&r, 100, 2);		/* unassigned */
	raw_opt(&r, 70, 0);		/* assigned, not ours */
	raw_pad(&r, 2);
	raw_opt(&r, MHOPT_NONCE_IDX, 4);	/* known, not stored */
	raw_opt(&r, MHOPT_MN_LLID, 8);
	raw_opt(&r, MHOPT_EXPERIMENTAL, 1);
	raw_align(&r, 8, 6);
	raw_opt(&r, MHOPT_LLADDR, 16);
	raw_opt(&r, MHOPT_HI, 2);
	raw_end(&r);
	CU_ASSERT_EQUAL(raw_parse(&r, &m), MH_OK);
	CU_ASSERT_EQUAL(m.opt.present, MHO_HI);
	CU_ASSERT_EQUAL(m.u.bu.seq, 7);
}

/* n copies of a repeated option in a message of type t */
static int
many(uint8_t t, uint8_t count, uint8_t opt, uint8_t len, unsigned ay,
    unsigned n, size_t *last_off)
{
	struct mh_msg m;
	struct raw r;
	unsigned i;
	int rc;

	memset(r.b, 0, 32);
	r.b[0] = 0x3b;
	r.b[2] = t;
	r.b[9] = count;		/* Count in a DHP Query Reply */
	r.len = 32;
	if (t == MH_TYPE_BU)
		r.len = 12;
	for (i = 0; i < n; i++) {
		raw_align(&r, 8, ay);
		*last_off = raw_opt(&r, opt, len);
	}
	raw_end(&r);
	rc = raw_parse(&r, &m);
	if (rc != MH_OK)
		*last_off = m.bad_off;
	return rc;
}

static void
test_too_many(void)
{
	size_t off;

	CU_ASSERT_EQUAL(many(MH_TYPE_DHP_REPLY, 8, MHOPT_DHP_CAND, 20, 2,
	    MH_MAX_CAND, &off), MH_OK);
	CU_ASSERT_EQUAL(many(MH_TYPE_DHP_REPLY, 9, MHOPT_DHP_CAND, 20, 2,
	    MH_MAX_CAND, &off), MH_E_FIELD);
	CU_ASSERT_EQUAL(off, 9);
	CU_ASSERT_EQUAL(many(MH_TYPE_DHP_REPLY, 9, MHOPT_DHP_CAND, 20, 2,
	    MH_MAX_CAND + 1, &off), MH_E_OPT_TOOMANY);
	/* the ninth candidate: 8 of 24 octets each after the fixed 32 */
	CU_ASSERT_EQUAL(off, 32 + 8 * 24 + 2);
	CU_ASSERT_EQUAL(many(MH_TYPE_BU, 0, MHOPT_HNP, 18, 4, MH_MAX_HNP,
	    &off), MH_OK);
	CU_ASSERT_EQUAL(many(MH_TYPE_BU, 0, MHOPT_HNP, 18, 4,
	    MH_MAX_HNP + 1, &off), MH_E_OPT_TOOMANY);
	CU_ASSERT_EQUAL(many(MH_TYPE_BU, 0, MHOPT_FLOW_DESC, 22, 0,
	    MH_MAX_FLOWS, &off), MH_OK);
	CU_ASSERT_EQUAL(many(MH_TYPE_BU, 0, MHOPT_FLOW_DESC, 22, 0,
	    MH_MAX_FLOWS + 1, &off), MH_E_OPT_TOOMANY);
}

/* Copy a golden, change one octet, parse. */
static int
poke(const uint8_t *g, size_t len, size_t at, uint8_t v, size_t *bad)
{
	uint8_t buf[MH_MAX_LEN];
	struct mh_msg m;
	int rc;

	memcpy(buf, g, len);
	buf[at] = v;
	rc = mh_parse(buf, len, &m);
	*bad = m.bad_off;
	return rc;
}

static void
test_field_checks(void)
{
	size_t bad;

	/* B.11.3 Count != candidate options */
	CU_ASSERT_EQUAL(poke(g_dr, sizeof(g_dr), 9, 1, &bad), MH_E_FIELD);
	CU_ASSERT_EQUAL(bad, 9);
	CU_ASSERT_EQUAL(poke(g_dr, sizeof(g_dr), 9, 3, &bad), MH_E_FIELD);
	/* prefix length > 128: HNP, Anchor Hint, DHoA Response */
	CU_ASSERT_EQUAL(poke(g_pba, sizeof(g_pba), 23, 129, &bad),
	    MH_E_FIELD);
	CU_ASSERT_EQUAL(bad, 23);
	CU_ASSERT_EQUAL(poke(g_pba, sizeof(g_pba), 23, 128, &bad), MH_OK);
	{
		uint8_t ah[sizeof(g_pba)];

		/* the HNP turned into an Anchor Hint (same 8n+4 layout) */
		memcpy(ah, g_pba, sizeof(ah));
		ah[20] = MHOPT_ANCHOR_HINT;
		CU_ASSERT_EQUAL(poke(ah, sizeof(ah), 23, 64, &bad), MH_OK);
		CU_ASSERT_EQUAL(poke(ah, sizeof(ah), 23, 129, &bad),
		    MH_E_FIELD);
		CU_ASSERT_EQUAL(bad, 23);
	}
	CU_ASSERT_EQUAL(poke(g_dresp, sizeof(g_dresp), 12, 129, &bad),
	    MH_E_FIELD);
	CU_ASSERT_EQUAL(bad, 12);
	/* continuity type > CONT_MAX: Flow Descriptor and DHoA Request */
	CU_ASSERT_EQUAL(poke(g_dq, sizeof(g_dq), 59, CONT_MAX + 1, &bad),
	    MH_E_FIELD);
	CU_ASSERT_EQUAL(bad, 59);
	CU_ASSERT_EQUAL(poke(g_dq, sizeof(g_dq), 59, CONT_MAX, &bad), MH_OK);
	CU_ASSERT_EQUAL(poke(g_dreq, sizeof(g_dreq), 9, CONT_MAX + 1, &bad),
	    MH_E_FIELD);
	CU_ASSERT_EQUAL(bad, 9);
	/* reserved fields and reserved flag bits are ignored */
	CU_ASSERT_EQUAL(poke(g_dq, sizeof(g_dq), 12, 0xff, &bad), MH_OK);
	CU_ASSERT_EQUAL(poke(g_bu, sizeof(g_bu), 3, 0xff, &bad), MH_OK);
	CU_ASSERT_EQUAL(poke(g_pbu, sizeof(g_pbu), 9, 0x7f, &bad), MH_OK);
	CU_ASSERT_EQUAL(poke(g_pbu, sizeof(g_pbu), 42, 0xff, &bad), MH_OK);
}

static void
test_header_errors(void)
{
	static const uint8_t hoti[] = { 0x3b, 0x01, 0x01, 0x00, 0x00, 0x00,
	    0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t buf[MH_MAX_LEN + 16];
	struct mh_msg m;
	size_t i, bad;

	/* truncated at every length */
	for (i = 0; i < NITEMS(goldens); i++) {
		const struct golden *g = &goldens[i];
		size_t l;

		for (l = 0; l < g->len; l++) {
			int rc = mh_parse(g->bytes, l, &m);

			CU_ASSERT_TRUE(rc < 0);
			CU_ASSERT_EQUAL(rc, l < 6 ? MH_E_SHORT : MH_E_LENGTH);
		}
		/* overlong: extra octets, Header Len one too big/small */
		memcpy(buf, g->bytes, g->len);
		memset(buf + g->len, 0, 16);
		CU_ASSERT_EQUAL(mh_parse(buf, g->len + 8, &m), MH_E_LENGTH);
		CU_ASSERT_EQUAL(mh_parse(buf, g->len + 1, &m), MH_E_LENGTH);
		buf[1] = (uint8_t)(g->bytes[1] + 1);
		CU_ASSERT_EQUAL(mh_parse(buf, g->len, &m), MH_E_LENGTH);
		CU_ASSERT_EQUAL(m.bad_off, 1);
		buf[1] = (uint8_t)(g->bytes[1] - 1);
		CU_ASSERT_EQUAL(mh_parse(buf, g->len, &m), MH_E_LENGTH);
		/* payload proto must be 59 */
		CU_ASSERT_EQUAL(poke(g->bytes, g->len, 0, 6, &bad),
		    MH_E_PROTO);
		CU_ASSERT_EQUAL(bad, 0);
	}
	/* unknown types: HoTI (1) and 99 */
	CU_ASSERT_EQUAL(mh_parse(hoti, sizeof(hoti), &m), MH_E_TYPE);
	CU_ASSERT_EQUAL(m.bad_off, 2);
	CU_ASSERT_EQUAL(m.type, MH_TYPE_HOTI);
	CU_ASSERT_EQUAL(poke(hoti, sizeof(hoti), 2, 99, &bad), MH_E_TYPE);
	CU_ASSERT_EQUAL(poke(g_be, sizeof(g_be), 2, MH_TYPE_EXPERIMENTAL,
	    &bad), MH_E_TYPE);
	/* Header Len too short for the type's fixed part */
	memcpy(buf, g_be, 16);
	buf[1] = 1;
	CU_ASSERT_EQUAL(mh_parse(buf, 16, &m), MH_E_SHORT);
	CU_ASSERT_EQUAL(m.bad_off, 1);
	memcpy(buf, g_dreq, 56);
	buf[1] = 6;
	CU_ASSERT_EQUAL(mh_parse(buf, 56, &m), MH_E_SHORT);
	memcpy(buf, g_bu_bare, 8);
	buf[1] = 0;
	CU_ASSERT_EQUAL(mh_parse(buf, 8, &m), MH_E_SHORT);
	/* the largest legal MH: HL 255 of PadN */
	memset(buf, 0, MH_MAX_LEN);
	buf[0] = 0x3b;
	buf[1] = 255;
	CU_ASSERT_EQUAL(mh_parse(buf, MH_MAX_LEN, &m), MH_OK);
	CU_ASSERT_EQUAL(m.type, MH_TYPE_BRR);
}

/* ---- 3. fuzz ------------------------------------------------------ */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint32_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* Parse; on MH_OK rebuild and parse again: must be the same message. */
static int
fuzz_one(const uint8_t *p, size_t len)
{
	uint8_t out[MH_MAX_LEN];
	struct mh_msg a, b;
	ssize_t n;

	if (mh_parse(p, len, &a) != MH_OK)
		return 0;
	n = mh_build(&a, out, sizeof(out), NULL);
	CU_ASSERT_TRUE_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(mh_parse(out, (size_t)n, &b), MH_OK);
	CU_ASSERT_TRUE_FATAL(msg_eq(&a, &b, 0));
	return 1;
}

/* Option-shaped noise: known types, usually with their right length. */
static void
fuzz_fill_opts(uint8_t *p, size_t off, size_t len)
{
	size_t i;

	while (off < len) {
		i = xorshift() % NITEMS(opt_tab);
		p[off++] = (xorshift() % 8 == 0) ? (uint8_t)xorshift() :
		    opt_tab[i].type;
		if (off < len)
			p[off++] = (xorshift() % 4 != 0) ? opt_tab[i].len :
			    (uint8_t)(xorshift() % 40);
		off += xorshift() % 24;
	}
}

static void
test_fuzz_random(void)
{
	static const uint8_t fixed[] = { 8, 12, 12, 24, 32, 32, 64, 48, 48,
	    32 };
	unsigned it, ok = 0;
	size_t len, i, t;
	uint8_t *p;

	for (it = 0; it < 200000; it++) {
		len = xorshift() % 301;
		/* exact-size heap buffer, so ASan sees any over-read */
		p = malloc(len ? len : 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		for (i = 0; i < len; i++)
			p[i] = (uint8_t)xorshift();
		if ((it & 1) && len >= 8) {
			/* a plausible header, so the option code runs */
			len &= ~(size_t)7;
			t = xorshift() % NITEMS(all_types);
			p[0] = 0x3b;
			p[1] = (uint8_t)(len / 8 - 1);
			p[2] = all_types[t];
			if (xorshift() & 1)
				fuzz_fill_opts(p, fixed[t], len);
		}
		ok += (unsigned)fuzz_one(p, len);
		free(p);
	}
	/* the structured half must reach MH_OK now and then */
	fprintf(stderr, "\n  random: %u of 200000 parsed\n", ok);
	CU_ASSERT_TRUE(ok > 100);
}

static void
test_fuzz_mutate(void)
{
	unsigned it, ok = 0, k, nmut;
	const struct golden *g;
	size_t len, at;
	uint8_t *p;

	for (it = 0; it < 50000; it++) {
		g = &goldens[xorshift() % NITEMS(goldens)];
		len = g->len;
		if (xorshift() % 8 == 0)
			len = (len + (xorshift() % 32)) & ~(size_t)7;
		p = calloc(1, len ? len : 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		memcpy(p, g->bytes, len < g->len ? len : g->len);
		if (len >= 8)
			p[1] = (uint8_t)(len / 8 - 1);
		nmut = 1 + xorshift() % 4;
		for (k = 0; k < nmut && len > 0; k++) {
			at = xorshift() % len;
			if (xorshift() & 1)
				p[at] ^= (uint8_t)(1u << (xorshift() % 8));
			else
				p[at] = (uint8_t)xorshift();
		}
		ok += (unsigned)fuzz_one(p, len);
		free(p);
	}
	fprintf(stderr, "\n  mutations: %u of 50000 parsed\n", ok);
	CU_ASSERT_TRUE(ok > 1000);
}

/* ---- 4. checksum -------------------------------------------------- */

static void
check_vector(const uint8_t *vec, size_t len, uint16_t want)
{
	struct in6_addr coa = addr("2001:db8:2::100");
	struct in6_addr ha = addr("2001:db8:1::1");
	uint8_t buf[64];

	memcpy(buf, vec, len);
	buf[4] = buf[5] = 0;
	CU_ASSERT_EQUAL(inet6_csum(&coa, &ha, IPPROTO_MH_NUM, buf, len),
	    want);
	mh_csum_set(buf, len, &coa, &ha);
	CU_ASSERT_EQUAL(memcmp(buf, vec, len), 0);
	CU_ASSERT_TRUE(mh_csum_ok(vec, len, &coa, &ha));
	/* any change breaks it: payload, addresses, length */
	buf[20] ^= 0x01;
	CU_ASSERT_FALSE(mh_csum_ok(buf, len, &coa, &ha));
	buf[20] ^= 0x01;
	CU_ASSERT_TRUE(mh_csum_ok(buf, len, &coa, &ha));
	CU_ASSERT_FALSE(mh_csum_ok(buf, len, &coa, &coa));
	CU_ASSERT_FALSE(mh_csum_ok(buf, len - 8, &coa, &ha));
	CU_ASSERT_FALSE(mh_csum_ok(buf, 4, &coa, &ha));
}

static void
test_checksum(void)
{
	static const uint8_t odd[] = { 0x01 };
	struct in6_addr z;

	check_vector(g_b8_sha1, sizeof(g_b8_sha1), 0x0602);
	check_vector(g_b8_sha256, sizeof(g_b8_sha256), 0x0e50);
	/* pseudo-header alone: ~(len 1 + nxt 135 + 0x0100) */
	memset(&z, 0, sizeof(z));
	CU_ASSERT_EQUAL(inet6_csum(&z, &z, 135, odd, 1),
	    (uint16_t)~(1 + 135 + 0x0100));
}

/* ---- names -------------------------------------------------------- */

static void
test_names(void)
{
	static const uint8_t c3c4[] = { 0, 1, 2, 3, 4, 5, 6, 128, 129, 130,
	    131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143,
	    144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156,
	    157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169,
	    170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 200, 201,
	    202, 203, 204 };
	size_t i;
	int e;

	for (i = 0; i < sizeof(c3c4); i++)
		CU_ASSERT_NOT_EQUAL(strncmp(mh_status_name(c3c4[i]),
		    "unassigned", 10), 0);
	CU_ASSERT_STRING_EQUAL(mh_status_name(146), "MIPV6-AUTH-FAIL");
	CU_ASSERT_STRING_EQUAL(mh_status_name(202), "NO_DHP_FOR_CN");
	CU_ASSERT_STRING_EQUAL(mh_status_name(7), "unassigned (accepted)");
	CU_ASSERT_STRING_EQUAL(mh_status_name(250), "unassigned (rejected)");
	for (e = MH_OK; e >= MH_E_INVAL; e--)
		CU_ASSERT_STRING_NOT_EQUAL(mh_strerror(e), "unknown MH error");
	CU_ASSERT_STRING_EQUAL(mh_strerror(-99), "unknown MH error");
	for (i = 0; i < NITEMS(all_types); i++)
		CU_ASSERT_STRING_NOT_EQUAL(mh_type_name(all_types[i]),
		    "unknown MH type");
	CU_ASSERT_STRING_EQUAL(mh_type_name(5), "Binding Update");
	CU_ASSERT_STRING_EQUAL(mh_type_name(204), "DHP Binding Update");
	CU_ASSERT_STRING_EQUAL(mh_type_name(99), "unknown MH type");
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "golden messages", test_golden_messages },
		{ "B.8 layout and offsets", test_b8_layout },
		{ "golden padding", test_golden_pad },
		{ "golden options", test_golden_options },
		{ "option builder overflow", test_option_overflow },
		{ "parse goldens", test_parse_golden },
		{ "round trip every type", test_roundtrip },
		{ "builder errors", test_build_errors },
		{ "option table rules", test_options_table },
		{ "wrong option lengths", test_wrong_lengths },
		{ "misaligned MESG-ID", test_misaligned_mesgid },
		{ "after AUTH", test_after_auth },
		{ "truncated option", test_truncated_option },
		{ "unknown options skipped", test_unknown_options_skipped },
		{ "too many repeated", test_too_many },
		{ "field checks", test_field_checks },
		{ "header errors", test_header_errors },
		{ "fuzz random", test_fuzz_random },
		{ "fuzz mutate", test_fuzz_mutate },
		{ "checksum", test_checksum },
		{ "names", test_names },
		CU_TEST_INFO_NULL,
	};

	CU_SUITE("mh", tests);
	return 0;
}
