/*
 * mh_build.c: Mobility Header builder (PROTOCOL.md B.1-B.6, B.9-B.11).
 *
 * Every option builder pads first (B.2 "padding rule for builders") so
 * its type octet meets the option's alignment; mh_build() writes the
 * options in one fixed order with AUTH last (B.8) and pads the message
 * to 8 octets. Writes go through struct wbuf, so overflow is reported
 * once at the end and never truncates silently.
 */
#include <string.h>
#include <sys/types.h>

#include "bytes.h"
#include "dmip_proto.h"
#include "mh.h"

#define AUTH_FIXED	5	/* subtype + SPI (RFC 4285 s5) */

/* Flags we define; everything else is reserved and sent as 0. */
#define BU_F_KNOWN	(BU_F_A | BU_F_H | BU_F_L | BU_F_K | BU_F_M | \
			    BU_F_R | BU_F_P | BU_F_F | BU_F_T)
#define BA_F_KNOWN	(BA_F_K | BA_F_R | BA_F_P)

void
mh_put_header(struct wbuf *b, uint8_t type)
{
	/* B.1: Header Len and checksum are filled in later */
	wbuf_put_u8(b, MH_PAYLOAD_PROTO);
	wbuf_put_u8(b, 0);
	wbuf_put_u8(b, type);
	wbuf_put_u8(b, 0);
	wbuf_put_u16(b, 0);
}

void
mh_put_pad_to(struct wbuf *b, unsigned x, unsigned y)
{
	size_t need;

	if (x == 0 || b->err)
		return;
	need = (x + y % x - b->len % x) % x;
	if (need == 0)
		return;
	if (need == 1) {
		wbuf_put_u8(b, MHOPT_PAD1);
		return;
	}
	/* RFC 6275 6.2.2: PadN with N-2 zero octets of data */
	wbuf_put_u8(b, MHOPT_PADN);
	wbuf_put_u8(b, (uint8_t)(need - 2));
	wbuf_put_zero(b, need - 2);
}

static void
put_opt_hdr(struct wbuf *b, unsigned x, unsigned y, uint8_t type,
    uint8_t len)
{
	mh_put_pad_to(b, x, y);
	wbuf_put_u8(b, type);
	wbuf_put_u8(b, len);
}

void
mh_put_opt_bra(struct wbuf *b, uint16_t interval)
{
	put_opt_hdr(b, 2, 0, MHOPT_BRA, MHOPT_LEN_BRA);
	wbuf_put_u16(b, interval);
}

void
mh_put_opt_altcoa(struct wbuf *b, const struct in6_addr *a)
{
	put_opt_hdr(b, 8, 6, MHOPT_ALTCOA, MHOPT_LEN_ALTCOA);
	wbuf_put_in6(b, a);
}

void
mh_put_opt_hoa(struct wbuf *b, const struct in6_addr *a)
{
	put_opt_hdr(b, 8, 6, MHOPT_HOA, MHOPT_LEN_HOA);
	wbuf_put_in6(b, a);
}

void
mh_put_opt_mnid(struct wbuf *b, uint8_t subtype, const uint8_t *id,
    size_t len)
{
	/* B.9: no alignment; an empty or oversized id cannot be encoded */
	if (len == 0 || len > MH_MNID_MAX) {
		b->err = true;
		return;
	}
	put_opt_hdr(b, 0, 0, MHOPT_MNID, (uint8_t)(1 + len));
	wbuf_put_u8(b, subtype);
	wbuf_put(b, id, len);
}

void
mh_put_opt_mesgid(struct wbuf *b, uint64_t ts)
{
	/* B.8: dmip6 places MESG-ID at 8n+2 like the RFC 5213 Timestamp */
	put_opt_hdr(b, 8, 2, MHOPT_MESGID, MHOPT_LEN_MESGID);
	wbuf_put_u64(b, ts);
}

void
mh_put_opt_timestamp(struct wbuf *b, uint64_t ts)
{
	put_opt_hdr(b, 8, 2, MHOPT_TIMESTAMP, MHOPT_LEN_TIMESTAMP);
	wbuf_put_u64(b, ts);
}

void
mh_put_opt_hi(struct wbuf *b, uint8_t hi)
{
	put_opt_hdr(b, 0, 0, MHOPT_HI, MHOPT_LEN_HI);
	wbuf_put_u8(b, 0);
	wbuf_put_u8(b, hi);
}

void
mh_put_opt_att(struct wbuf *b, uint8_t att)
{
	put_opt_hdr(b, 0, 0, MHOPT_ATT, MHOPT_LEN_ATT);
	wbuf_put_u8(b, 0);
	wbuf_put_u8(b, att);
}

static void
put_prefix(struct wbuf *b, const struct mh_prefix *pf)
{
	wbuf_put_u8(b, 0);
	wbuf_put_u8(b, pf->plen);
	wbuf_put_in6(b, &pf->prefix);
}

void
mh_put_opt_hnp(struct wbuf *b, const struct mh_prefix *pf)
{
	put_opt_hdr(b, 8, 4, MHOPT_HNP, MHOPT_LEN_HNP);
	put_prefix(b, pf);
}

void
mh_put_opt_anchor_hint(struct wbuf *b, const struct mh_prefix *pf)
{
	put_opt_hdr(b, 8, 4, MHOPT_ANCHOR_HINT, MHOPT_LEN_ANCHOR_HINT);
	put_prefix(b, pf);
}

void
mh_put_opt_dhp_cand(struct wbuf *b, const struct mh_dhp_cand *c)
{
	put_opt_hdr(b, 8, 2, MHOPT_DHP_CAND, MHOPT_LEN_DHP_CAND);
	wbuf_put_u8(b, c->pref);
	wbuf_put_u8(b, c->flags);
	wbuf_put_u16(b, c->metric);
	wbuf_put_in6(b, &c->addr);
}

void
mh_put_opt_flow_desc(struct wbuf *b, const struct mh_flow_desc *f)
{
	put_opt_hdr(b, 8, 0, MHOPT_FLOW_DESC, MHOPT_LEN_FLOW_DESC);
	wbuf_put_u8(b, f->proto);
	wbuf_put_u8(b, f->cont_type);
	wbuf_put_u16(b, f->mn_port);
	wbuf_put_u16(b, f->cn_port);
	wbuf_put_in6(b, &f->cn);
}

size_t
mh_put_opt_auth(struct wbuf *b, uint8_t subtype, uint32_t spi,
    uint8_t mac_len)
{
	unsigned total = 2 + AUTH_FIXED + mac_len;
	size_t off;

	if (mac_len == 0 || mac_len > MH_AUTH_MAC_MAX) {
		b->err = true;
		return 0;
	}
	/* B.2/B.8: padding goes before AUTH so it ends on 8 octets */
	mh_put_pad_to(b, MH_UNIT, (MH_UNIT - total % MH_UNIT) % MH_UNIT);
	off = b->len;
	wbuf_put_u8(b, MHOPT_AUTH);
	wbuf_put_u8(b, (uint8_t)(AUTH_FIXED + mac_len));
	wbuf_put_u8(b, subtype);
	wbuf_put_u32(b, spi);
	wbuf_put_zero(b, mac_len);
	return b->err ? 0 : off;
}

ssize_t
mh_finish(struct wbuf *b)
{
	mh_put_pad_to(b, MH_UNIT, 0);
	if (b->err || b->len > MH_MAX_LEN)
		return MH_E_BUF;
	if (b->len < MH_UNIT)
		return MH_E_INVAL;	/* no header was written */
	/* B.1: Header Len excludes the first 8 octets */
	b->p[1] = (uint8_t)(b->len / MH_UNIT - 1);
	return (ssize_t)b->len;
}

/* ---- fixed parts (B.3-B.6, B.11.2-B.11.7) ------------------------- */

static void
put_bu(struct wbuf *b, const struct mh_msg *m)
{
	wbuf_put_u16(b, m->u.bu.seq);
	wbuf_put_u16(b, m->u.bu.flags & BU_F_KNOWN);
	wbuf_put_u16(b, m->u.bu.lifetime);
}

static void
put_ba(struct wbuf *b, const struct mh_msg *m)
{
	wbuf_put_u8(b, m->u.ba.status);
	wbuf_put_u8(b, m->u.ba.flags & BA_F_KNOWN);
	wbuf_put_u16(b, m->u.ba.seq);
	wbuf_put_u16(b, m->u.ba.lifetime);
}

static void
put_be(struct wbuf *b, const struct mh_msg *m)
{
	wbuf_put_u8(b, m->u.be.status);
	wbuf_put_u8(b, 0);
	wbuf_put_in6(b, &m->u.be.hoa);
}

static void
put_dhp_query(struct wbuf *b, const struct mh_msg *m)
{
	wbuf_put_u16(b, m->u.dq.seq);
	wbuf_put_u8(b, m->u.dq.flags & DHP_QUERY_F_I);
	wbuf_put_u8(b, m->u.dq.max_cand);
	wbuf_put_zero(b, 6);
	wbuf_put_in6(b, &m->u.dq.cn);
}

static void
put_dhp_reply(struct wbuf *b, const struct mh_msg *m)
{
	wbuf_put_u16(b, m->u.dr.seq);
	wbuf_put_u8(b, m->u.dr.status);
	/* B.11.3: Count is the number of candidate options we write */
	wbuf_put_u8(b, m->opt.n_cand);
	wbuf_put_u16(b, m->u.dr.validity);
	wbuf_put_zero(b, 4);
	wbuf_put_in6(b, &m->u.dr.cn);
}

static void
put_dhoa_req(struct wbuf *b, const struct mh_msg *m)
{
	wbuf_put_u16(b, m->u.dreq.seq);
	wbuf_put_u8(b, m->u.dreq.flags & DHOA_F_B);
	wbuf_put_u8(b, m->u.dreq.cont_type);
	wbuf_put_u16(b, m->u.dreq.lifetime);
	wbuf_put_zero(b, 4);
	wbuf_put_in6(b, &m->u.dreq.req_dhoa);
	wbuf_put_in6(b, &m->u.dreq.hoa);
	wbuf_put_in6(b, &m->u.dreq.coa);
}

static void
put_dhoa_resp(struct wbuf *b, const struct mh_msg *m)
{
	wbuf_put_u16(b, m->u.dresp.seq);
	wbuf_put_u8(b, m->u.dresp.status);
	wbuf_put_u8(b, m->u.dresp.flags & DHOA_F_B);
	wbuf_put_u16(b, m->u.dresp.lifetime);
	wbuf_put_u8(b, m->u.dresp.plen);
	wbuf_put_zero(b, 3);
	wbuf_put_in6(b, &m->u.dresp.dhoa);
	wbuf_put_in6(b, &m->u.dresp.tep);
}

static void
put_dhp_bu(struct wbuf *b, const struct mh_msg *m)
{
	wbuf_put_u16(b, m->u.dbu.seq);
	wbuf_put_u8(b, m->u.dbu.flags & (DHP_BU_F_A | DHP_BU_F_R));
	wbuf_put_u8(b, 0);
	wbuf_put_u16(b, m->u.dbu.lifetime);
	wbuf_put_zero(b, 4);
	wbuf_put_in6(b, &m->u.dbu.dhoa);
	wbuf_put_in6(b, &m->u.dbu.coa);
}

static void
put_dhp_bc(struct wbuf *b, const struct mh_msg *m)
{
	wbuf_put_u16(b, m->u.dbc.seq);
	wbuf_put_u8(b, m->u.dbc.status);
	wbuf_put_u8(b, 0);
	wbuf_put_u16(b, m->u.dbc.lifetime);
	wbuf_put_zero(b, 4);
	wbuf_put_in6(b, &m->u.dbc.dhoa);
}

static int
put_fixed(struct wbuf *b, const struct mh_msg *m)
{
	switch (m->type) {
	case MH_TYPE_BRR:
		wbuf_put_zero(b, 2);	/* B.5 Reserved */
		break;
	case MH_TYPE_BU:
		put_bu(b, m);
		break;
	case MH_TYPE_BA:
		put_ba(b, m);
		break;
	case MH_TYPE_BE:
		put_be(b, m);
		break;
	case MH_TYPE_DHP_QUERY:
		put_dhp_query(b, m);
		break;
	case MH_TYPE_DHP_REPLY:
		put_dhp_reply(b, m);
		break;
	case MH_TYPE_DHOA_REQ:
		put_dhoa_req(b, m);
		break;
	case MH_TYPE_DHOA_RESP:
		put_dhoa_resp(b, m);
		break;
	case MH_TYPE_DHP_BU:
		put_dhp_bu(b, m);
		break;
	case MH_TYPE_DHP_BC:
		put_dhp_bc(b, m);
		break;
	default:
		return MH_E_INVAL;
	}
	return MH_OK;
}

/* ---- options ------------------------------------------------------ */

static int
check_opts(const struct mh_opts *o)
{
	unsigned i;

	if (o->n_hnp > MH_MAX_HNP || o->n_cand > MH_MAX_CAND ||
	    o->n_flow > MH_MAX_FLOWS)
		return MH_E_INVAL;
	if ((o->present & MHO_MNID) &&
	    (o->mnid_len == 0 || o->mnid_len > MH_MNID_MAX))
		return MH_E_INVAL;
	if ((o->present & MHO_ANCHOR_HINT) && o->anchor_hint.plen > 128)
		return MH_E_INVAL;
	if ((o->present & MHO_AUTH) &&
	    (o->auth_mac_len == 0 || o->auth_mac_len > MH_AUTH_MAC_MAX))
		return MH_E_INVAL;
	for (i = 0; i < o->n_hnp; i++)
		if (o->hnp[i].plen > 128)
			return MH_E_INVAL;
	for (i = 0; i < o->n_flow; i++)
		if (o->flow[i].cont_type > CONT_MAX)
			return MH_E_INVAL;
	return MH_OK;
}

static int
check_msg(const struct mh_msg *m)
{
	if (m->type == MH_TYPE_DHOA_REQ && m->u.dreq.cont_type > CONT_MAX)
		return MH_E_INVAL;
	if (m->type == MH_TYPE_DHOA_RESP && m->u.dresp.plen > 128)
		return MH_E_INVAL;
	return check_opts(&m->opt);
}

/* Everything but AUTH, in the order mh.h documents. */
static void
put_opts(struct wbuf *b, const struct mh_opts *o)
{
	unsigned i;

	if (o->present & MHO_BRA)
		mh_put_opt_bra(b, o->bra);
	if (o->present & MHO_ALTCOA)
		mh_put_opt_altcoa(b, &o->altcoa);
	if (o->present & MHO_HOA)
		mh_put_opt_hoa(b, &o->hoa);
	if (o->present & MHO_MNID)
		mh_put_opt_mnid(b, o->mnid_subtype, o->mnid, o->mnid_len);
	for (i = 0; i < o->n_hnp; i++)
		mh_put_opt_hnp(b, &o->hnp[i]);
	if (o->present & MHO_HI)
		mh_put_opt_hi(b, o->hi);
	if (o->present & MHO_ATT)
		mh_put_opt_att(b, o->att);
	if (o->present & MHO_ANCHOR_HINT)
		mh_put_opt_anchor_hint(b, &o->anchor_hint);
	for (i = 0; i < o->n_cand; i++)
		mh_put_opt_dhp_cand(b, &o->cand[i]);
	for (i = 0; i < o->n_flow; i++)
		mh_put_opt_flow_desc(b, &o->flow[i]);
	if (o->present & MHO_TIMESTAMP)
		mh_put_opt_timestamp(b, o->timestamp);
	if (o->present & MHO_MESGID)
		mh_put_opt_mesgid(b, o->mesgid);
}

ssize_t
mh_build(const struct mh_msg *m, uint8_t *buf, size_t cap,
    size_t *auth_off)
{
	const struct mh_opts *o = &m->opt;
	struct wbuf b;
	size_t aoff = 0;
	ssize_t n;
	int rc;

	if ((rc = check_msg(m)) != MH_OK)
		return rc;
	wbuf_init(&b, buf, cap);
	mh_put_header(&b, m->type);
	if ((rc = put_fixed(&b, m)) != MH_OK)
		return rc;
	put_opts(&b, o);
	if (o->present & MHO_AUTH) {
		aoff = mh_put_opt_auth(&b, o->auth_subtype, o->auth_spi,
		    o->auth_mac_len);
		/* Normally zero until mh_auth_sign(); copied so that a
		 * parsed message rebuilds to the same bytes. */
		if (aoff != 0)
			memcpy(buf + aoff + 2 + AUTH_FIXED, o->auth_mac,
			    o->auth_mac_len);
	}
	if ((n = mh_finish(&b)) < 0)
		return n;
	if (auth_off != NULL)
		*auth_off = aoff;
	return n;
}
