/*
 * dhcp6_ext.c: the DHCPv6 options dhcp6.c skips (see dhcp6_ext.h).
 * Same cursor discipline as dhcp6.c: every option is read through an
 * rbuf limited to its parent.
 */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "dhcp6_ext.h"

#define IA_FIXED	12	/* IAID, T1, T2 */

struct xopt {
	uint16_t	code;
	struct rbuf	data;
};

static int
next_xopt(struct rbuf *r, struct xopt *o)
{
	uint16_t len;

	if (r->len == 0)
		return 0;
	if (rbuf_get_u16(r, &o->code) == -1 || rbuf_get_u16(r, &len) == -1 ||
	    len > r->len)
		return DHCP6_E_TRUNC;
	rbuf_init(&o->data, r->p, len);
	rbuf_skip(r, len);
	return 1;
}

static int
get_cont(struct xopt *o, bool *has, uint8_t *type)
{
	if (*has)
		return DHCP6_E_DUP;
	if (o->data.len != 1)
		return DHCP6_E_OPT_LEN;
	rbuf_get_u8(&o->data, type);
	if (*type > CONT_MAX)
		return DHCP6_E_FIELD;
	*has = true;
	return DHCP6_OK;
}

/* The continuity option beside the IAPREFIXes of an IA_PD. */
static int
parse_ia_pd(struct xopt *o, const struct dhcp6_codes *c, struct dhcp6_ext *e)
{
	struct dhcp6_ext_ia *ia;
	struct xopt sub;
	int rc;

	if (o->data.len < IA_FIXED)
		return DHCP6_E_OPT_LEN;
	if (e->n_ia_pd == DHCP6_MAX_IA)
		return DHCP6_E_TOOMANY;
	ia = &e->ia_pd[e->n_ia_pd++];
	rbuf_get_u32(&o->data, &ia->iaid);
	rbuf_skip(&o->data, 8);
	while ((rc = next_xopt(&o->data, &sub)) == 1)
		if (sub.code == c->continuity &&
		    (rc = get_cont(&sub, &ia->has_cont, &ia->cont_type)) !=
		    DHCP6_OK)
			return rc;
	return rc;
}

static int
parse_oro(struct xopt *o, struct dhcp6_ext *e)
{
	uint16_t code;

	if (o->data.len % 2 != 0)
		return DHCP6_E_OPT_LEN;
	if (e->n_oro != 0 || e->oro_more != 0)
		return DHCP6_E_DUP;
	while (rbuf_get_u16(&o->data, &code) == 0) {
		if (e->n_oro < DHCP6_ORO_MAX)
			e->oro[e->n_oro++] = code;
		else
			e->oro_more++;
	}
	return DHCP6_OK;
}

/* A fixed-length option seen at most once. */
static int
once(struct xopt *o, bool *has, size_t len)
{
	if (*has)
		return DHCP6_E_DUP;
	if (o->data.len != len)
		return DHCP6_E_OPT_LEN;
	*has = true;
	return DHCP6_OK;
}

static int
parse_one(struct xopt *o, const struct dhcp6_codes *c, struct dhcp6_ext *e)
{
	uint32_t rt;
	int rc;

	if (o->code == c->continuity)
		return get_cont(o, &e->has_cont, &e->cont_type);
	switch (o->code) {
	case DHCP6_OPT_IA_PD:
		return parse_ia_pd(o, c, e);
	case DHCP6_OPT_ORO:
		return parse_oro(o, e);
	case DHCP6_OPT_PREFERENCE:
		if ((rc = once(o, &e->has_pref, 1)) == DHCP6_OK)
			rbuf_get_u8(&o->data, &e->pref);
		return rc;
	case DHCP6_OPT_ELAPSED_TIME:
		if ((rc = once(o, &e->has_elapsed, 2)) == DHCP6_OK)
			rbuf_get_u16(&o->data, &e->elapsed);
		return rc;
	case DHCP6_OPT_RAPID_COMMIT:
		return once(o, &e->rapid_commit, 0);
	case DHCP6_OPT_RECONF_ACCEPT:
		return once(o, &e->reconf_accept, 0);
	case DHCP6_OPT_SOL_MAX_RT:
		if (o->data.len != 4)
			return DHCP6_E_OPT_LEN;
		rbuf_get_u32(&o->data, &rt);
		/* RFC 8415 21.24: a value out of range is ignored; the
		 * first one in range counts. */
		if (rt >= 60 && rt <= 86400 && !e->has_sol_max_rt) {
			e->has_sol_max_rt = true;
			e->sol_max_rt = rt;
		}
		return DHCP6_OK;
	default:
		return DHCP6_OK;	/* unknown or dhcp6.c's: skipped */
	}
}

int
dhcp6_ext_parse(const uint8_t *p, size_t len, const struct dhcp6_codes *c,
    struct dhcp6_ext *e)
{
	struct rbuf r;
	struct xopt o;
	int rc;

	memset(e, 0, sizeof(*e));
	if (len < 4)
		return DHCP6_E_SHORT;
	if (p[0] == 12 || p[0] == 13)
		return DHCP6_E_RELAY;
	rbuf_init(&r, p + 4, len - 4);
	while ((rc = next_xopt(&r, &o)) == 1)
		if ((rc = parse_one(&o, c, e)) != DHCP6_OK)
			return rc;
	return rc;
}

ssize_t
dhcp6_ext_append(uint8_t *buf, size_t len, size_t cap,
    const struct dhcp6_codes *c, const struct dhcp6_ext *e)
{
	struct wbuf b;

	if (len > cap || e->n_oro > DHCP6_ORO_MAX ||
	    (e->has_cont && e->cont_type > CONT_MAX))
		return DHCP6_E_INVAL;
	wbuf_init(&b, buf, cap);
	b.len = len;
	if (e->has_elapsed) {
		wbuf_put_u16(&b, DHCP6_OPT_ELAPSED_TIME);
		wbuf_put_u16(&b, 2);
		wbuf_put_u16(&b, e->elapsed);
	}
	if (e->n_oro > 0) {
		wbuf_put_u16(&b, DHCP6_OPT_ORO);
		wbuf_put_u16(&b, (uint16_t)(2 * e->n_oro));
		for (size_t i = 0; i < e->n_oro; i++)
			wbuf_put_u16(&b, e->oro[i]);
	}
	if (e->has_pref) {
		wbuf_put_u16(&b, DHCP6_OPT_PREFERENCE);
		wbuf_put_u16(&b, 1);
		wbuf_put_u8(&b, e->pref);
	}
	if (e->rapid_commit) {
		wbuf_put_u16(&b, DHCP6_OPT_RAPID_COMMIT);
		wbuf_put_u16(&b, 0);
	}
	if (e->reconf_accept) {
		wbuf_put_u16(&b, DHCP6_OPT_RECONF_ACCEPT);
		wbuf_put_u16(&b, 0);
	}
	if (e->has_sol_max_rt) {
		wbuf_put_u16(&b, DHCP6_OPT_SOL_MAX_RT);
		wbuf_put_u16(&b, 4);
		wbuf_put_u32(&b, e->sol_max_rt);
	}
	if (e->has_cont) {
		wbuf_put_u16(&b, c->continuity);
		wbuf_put_u16(&b, 1);
		wbuf_put_u8(&b, e->cont_type);
	}
	return b.err ? DHCP6_E_BUF : (ssize_t)b.len;
}

uint16_t
dhcp6_elapsed(uint64_t start_ms, uint64_t now_ms)
{
	uint64_t cs = now_ms > start_ms ? (now_ms - start_ms) / 10 : 0;

	return cs > DHCP6_ELAPSED_MAX ? DHCP6_ELAPSED_MAX : (uint16_t)cs;
}

const char *
dhcp6_duid_str(const struct dhcp6_duid *d, char *out, size_t cap)
{
	size_t n = 0;

	if (cap == 0)
		return out;
	out[0] = '\0';
	for (size_t i = 0; i < d->len && n + 3 <= cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%02x", d->b[i]);
	return out;
}

bool
dhcp6_duid_eq(const struct dhcp6_duid *a, const struct dhcp6_duid *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

int
dhcp6_duid_ll(struct dhcp6_duid *d, uint16_t hwtype, const uint8_t *ll,
    size_t len)
{
	if (len == 0 || len > DHCP6_DUID_MAX - 4)
		return -1;
	d->b[0] = 0;
	d->b[1] = 3;			/* DUID-LL */
	be16_put(d->b + 2, hwtype);
	memcpy(d->b + 4, ll, len);
	d->len = (uint8_t)(4 + len);
	return 0;
}
