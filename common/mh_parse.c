/*
 * mh_parse.c: Mobility Header parser (PROTOCOL.md B.1-B.6, B.9-B.11).
 *
 * The whole MH is validated before anything is acted on: header and
 * length (B.1, RFC 6275 9.2), the type's fixed part, then every option
 * for its exact length, alignment (B.2 table), repetition and position
 * (AUTH and BAD last). Every read goes through a struct rbuf.
 */
#include <string.h>

#include "bytes.h"
#include "dmip_proto.h"
#include "mh.h"

#define OPT_LAST	0x01	/* nothing may follow (AUTH, BAD) */

struct opt_rule {
	uint8_t		type;
	uint8_t		min;	/* option data length bounds */
	uint8_t		max;
	uint8_t		ax;	/* alignment ax*n + ay; ax 0 = none */
	uint8_t		ay;
	uint8_t		flags;
	uint32_t	once;	/* MHO_* bit for single-instance options */
	int		(*fn)(struct rbuf *, size_t, struct mh_msg *);
};

static int	opt_bra(struct rbuf *, size_t, struct mh_msg *);
static int	opt_altcoa(struct rbuf *, size_t, struct mh_msg *);
static int	opt_mnid(struct rbuf *, size_t, struct mh_msg *);
static int	opt_auth(struct rbuf *, size_t, struct mh_msg *);
static int	opt_mesgid(struct rbuf *, size_t, struct mh_msg *);
static int	opt_hnp(struct rbuf *, size_t, struct mh_msg *);
static int	opt_hi(struct rbuf *, size_t, struct mh_msg *);
static int	opt_att(struct rbuf *, size_t, struct mh_msg *);
static int	opt_timestamp(struct rbuf *, size_t, struct mh_msg *);
static int	opt_hoa(struct rbuf *, size_t, struct mh_msg *);
static int	opt_dhp_cand(struct rbuf *, size_t, struct mh_msg *);
static int	opt_flow_desc(struct rbuf *, size_t, struct mh_msg *);
static int	opt_anchor_hint(struct rbuf *, size_t, struct mh_msg *);

/*
 * B.2 and B.11.1. Options without a handler are length-checked and
 * dropped. MN LL-ID (RFC 5213 8.6) is Reserved(16) plus at least one
 * identifier octet; the Experimental option (RFC 5096) must carry data.
 */
static const struct opt_rule opt_rules[] = {
	{ MHOPT_PADN, 0, 255, 0, 0, 0, 0, NULL },
	{ MHOPT_BRA, MHOPT_LEN_BRA, MHOPT_LEN_BRA, 2, 0, 0, MHO_BRA,
	    opt_bra },
	{ MHOPT_ALTCOA, MHOPT_LEN_ALTCOA, MHOPT_LEN_ALTCOA, 8, 6, 0,
	    MHO_ALTCOA, opt_altcoa },
	{ MHOPT_NONCE_IDX, MHOPT_LEN_NONCE_IDX, MHOPT_LEN_NONCE_IDX, 2, 0,
	    0, 0, NULL },
	{ MHOPT_BAD, MHOPT_LEN_BAD, MHOPT_LEN_BAD, 8, 2, OPT_LAST, 0,
	    NULL },
	{ MHOPT_MNID, 2, 255, 0, 0, 0, MHO_MNID, opt_mnid },
	{ MHOPT_AUTH, 6, 5 + MH_AUTH_MAC_MAX, 0, 0, OPT_LAST, MHO_AUTH,
	    opt_auth },
	{ MHOPT_MESGID, MHOPT_LEN_MESGID, MHOPT_LEN_MESGID, 8, 2, 0,
	    MHO_MESGID, opt_mesgid },
	{ MHOPT_EXPERIMENTAL, 1, 255, 0, 0, 0, 0, NULL },
	{ MHOPT_HNP, MHOPT_LEN_HNP, MHOPT_LEN_HNP, 8, 4, 0, 0, opt_hnp },
	{ MHOPT_HI, MHOPT_LEN_HI, MHOPT_LEN_HI, 0, 0, 0, MHO_HI, opt_hi },
	{ MHOPT_ATT, MHOPT_LEN_ATT, MHOPT_LEN_ATT, 0, 0, 0, MHO_ATT,
	    opt_att },
	{ MHOPT_MN_LLID, 3, 255, 0, 0, 0, 0, NULL },
	{ MHOPT_LLADDR, MHOPT_LEN_LLADDR, MHOPT_LEN_LLADDR, 8, 6, 0, 0,
	    NULL },
	{ MHOPT_TIMESTAMP, MHOPT_LEN_TIMESTAMP, MHOPT_LEN_TIMESTAMP, 8, 2,
	    0, MHO_TIMESTAMP, opt_timestamp },
	{ MHOPT_HOA, MHOPT_LEN_HOA, MHOPT_LEN_HOA, 8, 6, 0, MHO_HOA,
	    opt_hoa },
	{ MHOPT_DHP_CAND, MHOPT_LEN_DHP_CAND, MHOPT_LEN_DHP_CAND, 8, 2, 0,
	    0, opt_dhp_cand },
	{ MHOPT_FLOW_DESC, MHOPT_LEN_FLOW_DESC, MHOPT_LEN_FLOW_DESC, 8, 0,
	    0, 0, opt_flow_desc },
	{ MHOPT_ANCHOR_HINT, MHOPT_LEN_ANCHOR_HINT, MHOPT_LEN_ANCHOR_HINT,
	    8, 4, 0, MHO_ANCHOR_HINT, opt_anchor_hint },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static int
fail(struct mh_msg *m, int err, size_t off)
{
	m->bad_off = off;
	return err;
}

/* ---- options ------------------------------------------------------ */

static int
opt_bra(struct rbuf *r, size_t off, struct mh_msg *m)
{
	(void)off;
	return rbuf_get_u16(r, &m->opt.bra) == 0 ? MH_OK : MH_E_OPT_LEN;
}

static int
opt_altcoa(struct rbuf *r, size_t off, struct mh_msg *m)
{
	(void)off;
	return rbuf_get_in6(r, &m->opt.altcoa) == 0 ? MH_OK : MH_E_OPT_LEN;
}

static int
opt_hoa(struct rbuf *r, size_t off, struct mh_msg *m)
{
	(void)off;
	return rbuf_get_in6(r, &m->opt.hoa) == 0 ? MH_OK : MH_E_OPT_LEN;
}

static int
opt_mnid(struct rbuf *r, size_t off, struct mh_msg *m)
{
	struct mh_opts *o = &m->opt;

	(void)off;
	/* B.9: Subtype, then the identifier to the end of the option */
	if (rbuf_get_u8(r, &o->mnid_subtype) == -1 ||
	    r->len == 0 || r->len > MH_MNID_MAX)
		return MH_E_OPT_LEN;
	o->mnid_len = (uint8_t)r->len;
	return rbuf_get(r, o->mnid, o->mnid_len) == 0 ? MH_OK : MH_E_OPT_LEN;
}

static int
opt_auth(struct rbuf *r, size_t off, struct mh_msg *m)
{
	struct mh_opts *o = &m->opt;

	/* B.8: Subtype, SPI, then the MAC to the end of the option */
	if (rbuf_get_u8(r, &o->auth_subtype) == -1 ||
	    rbuf_get_u32(r, &o->auth_spi) == -1 ||
	    r->len == 0 || r->len > MH_AUTH_MAC_MAX)
		return MH_E_OPT_LEN;
	o->auth_mac_len = (uint8_t)r->len;
	o->auth_off = (uint16_t)off;
	return rbuf_get(r, o->auth_mac, o->auth_mac_len) == 0 ?
	    MH_OK : MH_E_OPT_LEN;
}

static int
opt_mesgid(struct rbuf *r, size_t off, struct mh_msg *m)
{
	(void)off;
	return rbuf_get_u64(r, &m->opt.mesgid) == 0 ? MH_OK : MH_E_OPT_LEN;
}

static int
opt_timestamp(struct rbuf *r, size_t off, struct mh_msg *m)
{
	(void)off;
	return rbuf_get_u64(r, &m->opt.timestamp) == 0 ?
	    MH_OK : MH_E_OPT_LEN;
}

static int
opt_hi(struct rbuf *r, size_t off, struct mh_msg *m)
{
	(void)off;
	/* RFC 5213 8.5: Reserved(8), HI(8) */
	if (rbuf_skip(r, 1) == -1 || rbuf_get_u8(r, &m->opt.hi) == -1)
		return MH_E_OPT_LEN;
	return MH_OK;
}

static int
opt_att(struct rbuf *r, size_t off, struct mh_msg *m)
{
	(void)off;
	/* RFC 5213 8.4: Reserved(8), ATT(8) */
	if (rbuf_skip(r, 1) == -1 || rbuf_get_u8(r, &m->opt.att) == -1)
		return MH_E_OPT_LEN;
	return MH_OK;
}

/* HNP (RFC 5213 8.3) and Anchor Hint (B.11.1): Rsv, Prefix Len, Prefix */
static int
get_prefix(struct rbuf *r, size_t off, struct mh_msg *m,
    struct mh_prefix *pf)
{
	if (rbuf_skip(r, 1) == -1 || rbuf_get_u8(r, &pf->plen) == -1 ||
	    rbuf_get_in6(r, &pf->prefix) == -1)
		return MH_E_OPT_LEN;
	if (pf->plen > 128)
		return fail(m, MH_E_FIELD, off + 3);
	return MH_OK;
}

static int
opt_hnp(struct rbuf *r, size_t off, struct mh_msg *m)
{
	struct mh_opts *o = &m->opt;
	int rc;

	if (o->n_hnp >= MH_MAX_HNP)
		return fail(m, MH_E_OPT_TOOMANY, off);
	if ((rc = get_prefix(r, off, m, &o->hnp[o->n_hnp])) != MH_OK)
		return rc;
	o->n_hnp++;
	return MH_OK;
}

static int
opt_anchor_hint(struct rbuf *r, size_t off, struct mh_msg *m)
{
	return get_prefix(r, off, m, &m->opt.anchor_hint);
}

static int
opt_dhp_cand(struct rbuf *r, size_t off, struct mh_msg *m)
{
	struct mh_opts *o = &m->opt;
	struct mh_dhp_cand *c;

	if (o->n_cand >= MH_MAX_CAND)
		return fail(m, MH_E_OPT_TOOMANY, off);
	c = &o->cand[o->n_cand];
	if (rbuf_get_u8(r, &c->pref) == -1 ||
	    rbuf_get_u8(r, &c->flags) == -1 ||
	    rbuf_get_u16(r, &c->metric) == -1 ||
	    rbuf_get_in6(r, &c->addr) == -1)
		return MH_E_OPT_LEN;
	o->n_cand++;
	return MH_OK;
}

static int
opt_flow_desc(struct rbuf *r, size_t off, struct mh_msg *m)
{
	struct mh_opts *o = &m->opt;
	struct mh_flow_desc *f;

	if (o->n_flow >= MH_MAX_FLOWS)
		return fail(m, MH_E_OPT_TOOMANY, off);
	f = &o->flow[o->n_flow];
	if (rbuf_get_u8(r, &f->proto) == -1 ||
	    rbuf_get_u8(r, &f->cont_type) == -1 ||
	    rbuf_get_u16(r, &f->mn_port) == -1 ||
	    rbuf_get_u16(r, &f->cn_port) == -1 ||
	    rbuf_get_in6(r, &f->cn) == -1)
		return MH_E_OPT_LEN;
	if (f->cont_type > CONT_MAX)
		return fail(m, MH_E_FIELD, off + 3);
	o->n_flow++;
	return MH_OK;
}

static const struct opt_rule *
find_rule(uint8_t type)
{
	size_t i;

	for (i = 0; i < NITEMS(opt_rules); i++)
		if (opt_rules[i].type == type)
			return &opt_rules[i];
	return NULL;
}

/* One known option whose data d[0..olen) lies inside the MH at off. */
static int
parse_known(const struct opt_rule *or, const uint8_t *d, uint8_t olen,
    size_t off, struct mh_msg *m)
{
	struct rbuf r;
	int rc;

	if (olen < or->min || olen > or->max)
		return fail(m, MH_E_OPT_LEN, off + 1);
	if (or->ax != 0 && off % or->ax != or->ay)
		return fail(m, MH_E_OPT_ALIGN, off);
	if (or->once != 0) {
		if (m->opt.present & or->once)
			return fail(m, MH_E_OPT_DUP, off);
		m->opt.present |= or->once;
	}
	if (or->fn == NULL)
		return MH_OK;
	rbuf_init(&r, d, olen);
	m->bad_off = off + 1;	/* handlers set it for field errors */
	if ((rc = or->fn(&r, off, m)) != MH_OK)
		return rc;
	m->bad_off = 0;
	return MH_OK;
}

/* Options run from start to the end of the MH (RFC 6275 6.2.1). */
static int
parse_opts(const uint8_t *p, size_t len, size_t start, struct mh_msg *m)
{
	const struct opt_rule *or;
	const uint8_t *data;
	struct rbuf r;
	uint8_t type, olen;
	size_t off;
	int rc, last = 0;

	rbuf_init(&r, p + start, len - start);
	while (r.len > 0) {
		off = len - r.len;
		if (last)
			return fail(m, MH_E_OPT_ORDER, off);
		if (rbuf_get_u8(&r, &type) == -1)
			return fail(m, MH_E_OPT_TRUNC, off);
		if (type == MHOPT_PAD1)
			continue;
		if (rbuf_get_u8(&r, &olen) == -1)
			return fail(m, MH_E_OPT_TRUNC, off);
		data = r.p;
		if (rbuf_skip(&r, olen) == -1)
			return fail(m, MH_E_OPT_TRUNC, off + 1);
		/* unknown options are skipped silently (RFC 6275 6.2.1) */
		if ((or = find_rule(type)) == NULL)
			continue;
		if ((rc = parse_known(or, data, olen, off, m)) != MH_OK)
			return rc;
		last = or->flags & OPT_LAST;
	}
	return MH_OK;
}

/* ---- fixed parts -------------------------------------------------- */

/*
 * Each reads the fixed part after the 6-octet header from r, whose
 * length the caller has checked against MH_LEN_*. Reserved fields and
 * reserved flag bits are ignored (B.1).
 */
static int
get_bu(struct rbuf *r, struct mh_msg *m)
{
	struct mh_bu *bu = &m->u.bu;

	if (rbuf_get_u16(r, &bu->seq) == -1 ||
	    rbuf_get_u16(r, &bu->flags) == -1 ||
	    rbuf_get_u16(r, &bu->lifetime) == -1)
		return MH_E_SHORT;
	bu->flags &= BU_F_A | BU_F_H | BU_F_L | BU_F_K | BU_F_M | BU_F_R |
	    BU_F_P | BU_F_F | BU_F_T;
	return MH_OK;
}

static int
get_ba(struct rbuf *r, struct mh_msg *m)
{
	struct mh_ba *ba = &m->u.ba;

	if (rbuf_get_u8(r, &ba->status) == -1 ||
	    rbuf_get_u8(r, &ba->flags) == -1 ||
	    rbuf_get_u16(r, &ba->seq) == -1 ||
	    rbuf_get_u16(r, &ba->lifetime) == -1)
		return MH_E_SHORT;
	ba->flags &= BA_F_K | BA_F_R | BA_F_P;
	return MH_OK;
}

static int
get_be(struct rbuf *r, struct mh_msg *m)
{
	if (rbuf_get_u8(r, &m->u.be.status) == -1 || rbuf_skip(r, 1) == -1 ||
	    rbuf_get_in6(r, &m->u.be.hoa) == -1)
		return MH_E_SHORT;
	return MH_OK;
}

static int
get_dhp_query(struct rbuf *r, struct mh_msg *m)
{
	struct mh_dhp_query *q = &m->u.dq;

	if (rbuf_get_u16(r, &q->seq) == -1 ||
	    rbuf_get_u8(r, &q->flags) == -1 ||
	    rbuf_get_u8(r, &q->max_cand) == -1 || rbuf_skip(r, 6) == -1 ||
	    rbuf_get_in6(r, &q->cn) == -1)
		return MH_E_SHORT;
	q->flags &= DHP_QUERY_F_I;
	return MH_OK;
}

static int
get_dhp_reply(struct rbuf *r, struct mh_msg *m)
{
	struct mh_dhp_reply *q = &m->u.dr;

	if (rbuf_get_u16(r, &q->seq) == -1 ||
	    rbuf_get_u8(r, &q->status) == -1 ||
	    rbuf_get_u8(r, &q->count) == -1 ||
	    rbuf_get_u16(r, &q->validity) == -1 || rbuf_skip(r, 4) == -1 ||
	    rbuf_get_in6(r, &q->cn) == -1)
		return MH_E_SHORT;
	return MH_OK;
}

static int
get_dhoa_req(struct rbuf *r, struct mh_msg *m)
{
	struct mh_dhoa_req *q = &m->u.dreq;

	if (rbuf_get_u16(r, &q->seq) == -1 ||
	    rbuf_get_u8(r, &q->flags) == -1 ||
	    rbuf_get_u8(r, &q->cont_type) == -1 ||
	    rbuf_get_u16(r, &q->lifetime) == -1 || rbuf_skip(r, 4) == -1 ||
	    rbuf_get_in6(r, &q->req_dhoa) == -1 ||
	    rbuf_get_in6(r, &q->hoa) == -1 || rbuf_get_in6(r, &q->coa) == -1)
		return MH_E_SHORT;
	q->flags &= DHOA_F_B;
	if (q->cont_type > CONT_MAX)
		return fail(m, MH_E_FIELD, 9);
	return MH_OK;
}

static int
get_dhoa_resp(struct rbuf *r, struct mh_msg *m)
{
	struct mh_dhoa_resp *q = &m->u.dresp;

	if (rbuf_get_u16(r, &q->seq) == -1 ||
	    rbuf_get_u8(r, &q->status) == -1 ||
	    rbuf_get_u8(r, &q->flags) == -1 ||
	    rbuf_get_u16(r, &q->lifetime) == -1 ||
	    rbuf_get_u8(r, &q->plen) == -1 || rbuf_skip(r, 3) == -1 ||
	    rbuf_get_in6(r, &q->dhoa) == -1 || rbuf_get_in6(r, &q->tep) == -1)
		return MH_E_SHORT;
	q->flags &= DHOA_F_B;
	if (q->plen > 128)
		return fail(m, MH_E_FIELD, 12);
	return MH_OK;
}

static int
get_dhp_bu(struct rbuf *r, struct mh_msg *m)
{
	struct mh_dhp_bu *q = &m->u.dbu;

	if (rbuf_get_u16(r, &q->seq) == -1 ||
	    rbuf_get_u8(r, &q->flags) == -1 || rbuf_skip(r, 1) == -1 ||
	    rbuf_get_u16(r, &q->lifetime) == -1 || rbuf_skip(r, 4) == -1 ||
	    rbuf_get_in6(r, &q->dhoa) == -1 || rbuf_get_in6(r, &q->coa) == -1)
		return MH_E_SHORT;
	q->flags &= DHP_BU_F_A | DHP_BU_F_R;
	return MH_OK;
}

static int
get_dhp_bc(struct rbuf *r, struct mh_msg *m)
{
	struct mh_dhp_bc *q = &m->u.dbc;

	if (rbuf_get_u16(r, &q->seq) == -1 ||
	    rbuf_get_u8(r, &q->status) == -1 || rbuf_skip(r, 1) == -1 ||
	    rbuf_get_u16(r, &q->lifetime) == -1 || rbuf_skip(r, 4) == -1 ||
	    rbuf_get_in6(r, &q->dhoa) == -1)
		return MH_E_SHORT;
	return MH_OK;
}

static int
get_brr(struct rbuf *r, struct mh_msg *m)
{
	(void)m;
	return rbuf_skip(r, 2) == 0 ? MH_OK : MH_E_SHORT;	/* B.5 */
}

struct type_rule {
	uint8_t	type;
	uint8_t	fixed;		/* MH_LEN_* */
	int	(*fn)(struct rbuf *, struct mh_msg *);
};

static const struct type_rule type_rules[] = {
	{ MH_TYPE_BRR, MH_LEN_BRR, get_brr },
	{ MH_TYPE_BU, MH_LEN_BU, get_bu },
	{ MH_TYPE_BA, MH_LEN_BA, get_ba },
	{ MH_TYPE_BE, MH_LEN_BE, get_be },
	{ MH_TYPE_DHP_QUERY, MH_LEN_DHP_QUERY, get_dhp_query },
	{ MH_TYPE_DHP_REPLY, MH_LEN_DHP_REPLY, get_dhp_reply },
	{ MH_TYPE_DHOA_REQ, MH_LEN_DHOA_REQ, get_dhoa_req },
	{ MH_TYPE_DHOA_RESP, MH_LEN_DHOA_RESP, get_dhoa_resp },
	{ MH_TYPE_DHP_BU, MH_LEN_DHP_BU, get_dhp_bu },
	{ MH_TYPE_DHP_BC, MH_LEN_DHP_BC, get_dhp_bc },
};

/* B.1 header checks, in RFC 6275 9.2 order after the length. */
static int
parse_header(const uint8_t *p, size_t len, struct mh_msg *m,
    const struct type_rule **trp)
{
	size_t i;

	if (len < MH_HDR_LEN)
		return fail(m, MH_E_SHORT, len);
	m->type = p[2];
	if (len < MH_UNIT || len % MH_UNIT != 0 ||
	    ((size_t)p[1] + 1) * MH_UNIT != len)
		return fail(m, MH_E_LENGTH, 1);
	if (p[0] != MH_PAYLOAD_PROTO)
		return fail(m, MH_E_PROTO, 0);
	for (i = 0; i < NITEMS(type_rules); i++)
		if (type_rules[i].type == p[2])
			break;
	if (i == NITEMS(type_rules))
		return fail(m, MH_E_TYPE, 2);	/* caller sends BE 2 */
	if (len < type_rules[i].fixed)
		return fail(m, MH_E_SHORT, 1);	/* Header Len too small */
	*trp = &type_rules[i];
	return MH_OK;
}

int
mh_parse(const uint8_t *p, size_t len, struct mh_msg *m)
{
	const struct type_rule *tr = NULL;
	struct rbuf r;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = parse_header(p, len, m, &tr)) != MH_OK)
		return rc;
	rbuf_init(&r, p + MH_HDR_LEN, tr->fixed - MH_HDR_LEN);
	if ((rc = tr->fn(&r, m)) != MH_OK)
		return rc == MH_E_FIELD ? rc : fail(m, rc, 1);
	if ((rc = parse_opts(p, len, tr->fixed, m)) != MH_OK)
		return rc;
	/* B.11.3: Count must match the candidate options carried */
	if (m->type == MH_TYPE_DHP_REPLY && m->u.dr.count != m->opt.n_cand)
		return fail(m, MH_E_FIELD, 9);
	return MH_OK;
}
