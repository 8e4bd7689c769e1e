/*
 * dhcp6.c: DHCPv6 codec for the continuity option (see dhcp6.h).
 *
 * Every option is read through a bounded cursor limited to its parent,
 * so a length that runs past the parent is an error rather than a read
 * into the next option.
 */
#include <string.h>

#include "bytes.h"
#include "dhcp6.h"

#define OPT_HDR		4	/* code(16) + len(16) */
#define IA_FIXED	12	/* IAID, T1, T2 */
#define IAPREFIX_FIXED	25	/* preferred, valid, plen, prefix */
#define IAADDR_FIXED	24	/* address, preferred, valid */
#define ANCHOR_FIXED	17	/* flags, address */

struct opt {
	uint16_t	code;
	struct rbuf	data;	/* exactly this option's data */
};

void
dhcp6_codes_default(struct dhcp6_codes *c)
{
	c->continuity = DHCP6_OPT_CONTINUITY_DEFAULT;
	c->anchor_pref = DHCP6_OPT_ANCHOR_PREF_DEFAULT;
}

/* Next option of r: 1 with *o filled, 0 at the end, or an error. */
static int
next_opt(struct rbuf *r, struct opt *o)
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
parse_status(struct opt *o, struct dhcp6_status *st)
{
	size_t n;

	if (st->has)
		return DHCP6_E_DUP;
	if (rbuf_get_u16(&o->data, &st->code) == -1)
		return DHCP6_E_OPT_LEN;
	/* RFC 8415 21.13: UTF-8 text; we keep its start for the logs. */
	n = o->data.len < DHCP6_STATUS_MSG_MAX ? o->data.len :
	    DHCP6_STATUS_MSG_MAX;
	/* Kept as a C string: a NUL in the text ends it. */
	n = strnlen((const char *)o->data.p, n);
	memcpy(st->msg, o->data.p, n);
	st->msg[n] = '\0';
	st->has = true;
	return DHCP6_OK;
}

static int
parse_cont(struct opt *o, bool *has, uint8_t *type)
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

/* Anchor Preference: flags, address, then options (a continuity option
 * may be nested, D.4 rule 5). */
static int
parse_anchor(struct opt *o, const struct dhcp6_codes *c,
    struct dhcp6_lease_opts *l)
{
	struct opt sub;
	int rc;

	if (l->has_anchor)
		return DHCP6_E_DUP;
	if (o->data.len < ANCHOR_FIXED)
		return DHCP6_E_OPT_LEN;
	rbuf_get_u8(&o->data, &l->anchor_flags);
	rbuf_get_in6(&o->data, &l->anchor);
	while ((rc = next_opt(&o->data, &sub)) == 1) {
		if (sub.code != c->continuity)
			continue;
		if ((rc = parse_cont(&sub, &l->anchor_has_cont,
		    &l->anchor_cont_type)) != DHCP6_OK)
			return rc;
	}
	l->has_anchor = true;
	return rc;
}

static int
parse_lease_opts(struct rbuf *r, const struct dhcp6_codes *c,
    struct dhcp6_lease_opts *l)
{
	struct opt o;
	int rc;

	while ((rc = next_opt(r, &o)) == 1) {
		if (o.code == c->continuity)
			rc = parse_cont(&o, &l->has_continuity, &l->cont_type);
		else if (o.code == c->anchor_pref)
			rc = parse_anchor(&o, c, l);
		else if (o.code == DHCP6_OPT_STATUS_CODE)
			rc = parse_status(&o, &l->status);
		else
			continue;	/* unknown: RFC 8415 16 */
		if (rc != DHCP6_OK)
			return rc;
	}
	return rc;
}

static int
parse_iaprefix(struct opt *o, const struct dhcp6_codes *c,
    struct dhcp6_ia_pd *ia)
{
	struct dhcp6_prefix *p;

	if (o->data.len < IAPREFIX_FIXED)
		return DHCP6_E_OPT_LEN;
	if (ia->n_prefix == DHCP6_MAX_LEASE)
		return DHCP6_E_TOOMANY;
	p = &ia->prefix[ia->n_prefix++];
	rbuf_get_u32(&o->data, &p->preferred);
	rbuf_get_u32(&o->data, &p->valid);
	rbuf_get_u8(&o->data, &p->plen);
	rbuf_get_in6(&o->data, &p->prefix);
	if (p->plen > 128)
		return DHCP6_E_FIELD;
	return parse_lease_opts(&o->data, c, &p->o);
}

static int
parse_iaaddr(struct opt *o, const struct dhcp6_codes *c,
    struct dhcp6_ia_na *ia)
{
	struct dhcp6_addr *a;

	if (o->data.len < IAADDR_FIXED)
		return DHCP6_E_OPT_LEN;
	if (ia->n_addr == DHCP6_MAX_LEASE)
		return DHCP6_E_TOOMANY;
	a = &ia->addr[ia->n_addr++];
	rbuf_get_in6(&o->data, &a->addr);
	rbuf_get_u32(&o->data, &a->preferred);
	rbuf_get_u32(&o->data, &a->valid);
	return parse_lease_opts(&o->data, c, &a->o);
}

static int
parse_ia_pd(struct opt *o, const struct dhcp6_codes *c, struct dhcp6_msg *m)
{
	struct dhcp6_ia_pd *ia;
	struct opt sub;
	int rc;

	if (o->data.len < IA_FIXED)
		return DHCP6_E_OPT_LEN;
	if (m->n_ia_pd == DHCP6_MAX_IA)
		return DHCP6_E_TOOMANY;
	ia = &m->ia_pd[m->n_ia_pd++];
	rbuf_get_u32(&o->data, &ia->iaid);
	rbuf_get_u32(&o->data, &ia->t1);
	rbuf_get_u32(&o->data, &ia->t2);
	while ((rc = next_opt(&o->data, &sub)) == 1) {
		if (sub.code == DHCP6_OPT_IAPREFIX)
			rc = parse_iaprefix(&sub, c, ia);
		else if (sub.code == DHCP6_OPT_STATUS_CODE)
			rc = parse_status(&sub, &ia->status);
		else
			continue;
		if (rc != DHCP6_OK)
			return rc;
	}
	return rc;
}

static int
parse_ia_na(struct opt *o, const struct dhcp6_codes *c, struct dhcp6_msg *m)
{
	struct dhcp6_ia_na *ia;
	struct opt sub;
	int rc;

	if (o->data.len < IA_FIXED)
		return DHCP6_E_OPT_LEN;
	if (m->n_ia_na == DHCP6_MAX_IA)
		return DHCP6_E_TOOMANY;
	ia = &m->ia_na[m->n_ia_na++];
	rbuf_get_u32(&o->data, &ia->iaid);
	rbuf_get_u32(&o->data, &ia->t1);
	rbuf_get_u32(&o->data, &ia->t2);
	while ((rc = next_opt(&o->data, &sub)) == 1) {
		if (sub.code == DHCP6_OPT_IAADDR)
			rc = parse_iaaddr(&sub, c, ia);
		else if (sub.code == DHCP6_OPT_STATUS_CODE)
			rc = parse_status(&sub, &ia->status);
		else
			continue;
		if (rc != DHCP6_OK)
			return rc;
	}
	return rc;
}

static int
parse_duid(struct opt *o, struct dhcp6_duid *d)
{
	if (d->len != 0)
		return DHCP6_E_DUP;
	if (o->data.len == 0 || o->data.len > DHCP6_DUID_MAX)
		return DHCP6_E_OPT_LEN;
	d->len = (uint8_t)o->data.len;
	return rbuf_get(&o->data, d->b, d->len) == 0 ? DHCP6_OK :
	    DHCP6_E_OPT_LEN;
}

int
dhcp6_parse(const uint8_t *p, size_t len, const struct dhcp6_codes *c,
    struct dhcp6_msg *m)
{
	struct rbuf r;
	struct opt o;
	uint8_t x[3];
	int rc;

	memset(m, 0, sizeof(*m));
	rbuf_init(&r, p, len);
	if (rbuf_get_u8(&r, &m->type) == -1 || rbuf_get(&r, x, 3) == -1)
		return DHCP6_E_SHORT;
	/* RELAY-FORW/REPL have another header (RFC 8415 9). */
	if (m->type == 12 || m->type == 13)
		return DHCP6_E_RELAY;
	m->xid = ((uint32_t)x[0] << 16) | ((uint32_t)x[1] << 8) | x[2];
	while ((rc = next_opt(&r, &o)) == 1) {
		switch (o.code) {
		case DHCP6_OPT_CLIENTID:
			rc = parse_duid(&o, &m->clientid);
			break;
		case DHCP6_OPT_SERVERID:
			rc = parse_duid(&o, &m->serverid);
			break;
		case DHCP6_OPT_STATUS_CODE:
			rc = parse_status(&o, &m->status);
			break;
		case DHCP6_OPT_IA_PD:
			rc = parse_ia_pd(&o, c, m);
			break;
		case DHCP6_OPT_IA_NA:
			rc = parse_ia_na(&o, c, m);
			break;
		default:
			continue;
		}
		if (rc != DHCP6_OK)
			return rc;
	}
	return rc;
}

/* ---- builder ------------------------------------------------------- */

/* Start an option; returns where its length goes. */
static size_t
opt_begin(struct wbuf *b, uint16_t code)
{
	size_t at;

	wbuf_put_u16(b, code);
	at = b->len;
	wbuf_put_u16(b, 0);
	return at;
}

static void
opt_end(struct wbuf *b, size_t at)
{
	size_t len = b->len - at - 2;

	if (b->err)
		return;
	if (len > 0xffff) {
		b->err = true;
		return;
	}
	be16_put(b->p + at, (uint16_t)len);
}

static void
put_status(struct wbuf *b, const struct dhcp6_status *st)
{
	size_t at;

	if (!st->has)
		return;
	at = opt_begin(b, DHCP6_OPT_STATUS_CODE);
	wbuf_put_u16(b, st->code);
	wbuf_put(b, st->msg, strnlen(st->msg, DHCP6_STATUS_MSG_MAX));
	opt_end(b, at);
}

static void
put_cont(struct wbuf *b, const struct dhcp6_codes *c, uint8_t type)
{
	wbuf_put_u16(b, c->continuity);
	wbuf_put_u16(b, 1);
	wbuf_put_u8(b, type);
}

static void
put_lease_opts(struct wbuf *b, const struct dhcp6_codes *c,
    const struct dhcp6_lease_opts *l)
{
	if (l->has_continuity)
		put_cont(b, c, l->cont_type);
	if (l->has_anchor) {
		size_t at = opt_begin(b, c->anchor_pref);

		wbuf_put_u8(b, l->anchor_flags);
		wbuf_put_in6(b, &l->anchor);
		if (l->anchor_has_cont)
			put_cont(b, c, l->anchor_cont_type);
		opt_end(b, at);
	}
	put_status(b, &l->status);
}

static bool
lease_opts_ok(const struct dhcp6_lease_opts *l)
{
	return (!l->has_continuity || l->cont_type <= CONT_MAX) &&
	    (!l->anchor_has_cont || l->anchor_cont_type <= CONT_MAX);
}

static int
put_ia_pd(struct wbuf *b, const struct dhcp6_codes *c,
    const struct dhcp6_ia_pd *ia)
{
	size_t at = opt_begin(b, DHCP6_OPT_IA_PD);

	if (ia->n_prefix > DHCP6_MAX_LEASE)
		return DHCP6_E_INVAL;
	wbuf_put_u32(b, ia->iaid);
	wbuf_put_u32(b, ia->t1);
	wbuf_put_u32(b, ia->t2);
	for (size_t i = 0; i < ia->n_prefix; i++) {
		const struct dhcp6_prefix *p = &ia->prefix[i];
		size_t pat;

		if (p->plen > 128 || !lease_opts_ok(&p->o))
			return DHCP6_E_INVAL;
		pat = opt_begin(b, DHCP6_OPT_IAPREFIX);
		wbuf_put_u32(b, p->preferred);
		wbuf_put_u32(b, p->valid);
		wbuf_put_u8(b, p->plen);
		wbuf_put_in6(b, &p->prefix);
		put_lease_opts(b, c, &p->o);
		opt_end(b, pat);
	}
	put_status(b, &ia->status);
	opt_end(b, at);
	return DHCP6_OK;
}

static int
put_ia_na(struct wbuf *b, const struct dhcp6_codes *c,
    const struct dhcp6_ia_na *ia)
{
	size_t at = opt_begin(b, DHCP6_OPT_IA_NA);

	if (ia->n_addr > DHCP6_MAX_LEASE)
		return DHCP6_E_INVAL;
	wbuf_put_u32(b, ia->iaid);
	wbuf_put_u32(b, ia->t1);
	wbuf_put_u32(b, ia->t2);
	for (size_t i = 0; i < ia->n_addr; i++) {
		const struct dhcp6_addr *a = &ia->addr[i];
		size_t aat;

		if (!lease_opts_ok(&a->o))
			return DHCP6_E_INVAL;
		aat = opt_begin(b, DHCP6_OPT_IAADDR);
		wbuf_put_in6(b, &a->addr);
		wbuf_put_u32(b, a->preferred);
		wbuf_put_u32(b, a->valid);
		put_lease_opts(b, c, &a->o);
		opt_end(b, aat);
	}
	put_status(b, &ia->status);
	opt_end(b, at);
	return DHCP6_OK;
}

static void
put_duid(struct wbuf *b, uint16_t code, const struct dhcp6_duid *d)
{
	if (d->len == 0)
		return;
	wbuf_put_u16(b, code);
	wbuf_put_u16(b, d->len);
	wbuf_put(b, d->b, d->len);
}

ssize_t
dhcp6_build(const struct dhcp6_msg *m, const struct dhcp6_codes *c,
    uint8_t *buf, size_t cap)
{
	struct wbuf b;
	int rc = DHCP6_OK;

	if (m->n_ia_pd > DHCP6_MAX_IA || m->n_ia_na > DHCP6_MAX_IA ||
	    m->xid > 0xffffff || m->clientid.len > DHCP6_DUID_MAX ||
	    m->serverid.len > DHCP6_DUID_MAX || m->type == 12 ||
	    m->type == 13)
		return DHCP6_E_INVAL;
	wbuf_init(&b, buf, cap);
	wbuf_put_u8(&b, m->type);
	wbuf_put_u8(&b, (uint8_t)(m->xid >> 16));
	wbuf_put_u16(&b, (uint16_t)m->xid);
	put_duid(&b, DHCP6_OPT_CLIENTID, &m->clientid);
	put_duid(&b, DHCP6_OPT_SERVERID, &m->serverid);
	put_status(&b, &m->status);
	for (size_t i = 0; i < m->n_ia_na && rc == DHCP6_OK; i++)
		rc = put_ia_na(&b, c, &m->ia_na[i]);
	for (size_t i = 0; i < m->n_ia_pd && rc == DHCP6_OK; i++)
		rc = put_ia_pd(&b, c, &m->ia_pd[i]);
	if (rc != DHCP6_OK)
		return rc;
	return b.err ? DHCP6_E_BUF : (ssize_t)b.len;
}

/* ---- names --------------------------------------------------------- */

const char *
dhcp6_strerror(int err)
{
	static const char *const names[] = {
		"ok", "shorter than the DHCPv6 header",
		"option runs past its parent", "wrong option length",
		"invalid field value", "repeated single-instance option",
		"more IAs or leases than supported",
		"relay messages not supported", "output buffer too small",
		"invalid message structure",
	};

	/* Compare without negating: -INT_MIN would overflow. */
	if (err > 0 || err <= -(int)(sizeof(names) / sizeof(names[0])))
		return "unknown error";
	return names[-err];
}

const char *
dhcp6_msg_name(uint8_t type)
{
	static const char *const names[] = {
		NULL, "SOLICIT", "ADVERTISE", "REQUEST", "CONFIRM", "RENEW",
		"REBIND", "REPLY", "RELEASE", "DECLINE", "RECONFIGURE",
		"INFORMATION-REQUEST", "RELAY-FORW", "RELAY-REPL",
	};

	if (type == 0 || type >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[type];
}

const char *
dhcp6_status_name(uint16_t code)
{
	static const char *const names[] = {
		"Success", "UnspecFail", "NoAddrsAvail", "NoBinding",
		"NotOnLink", "UseMulticast", "NoPrefixAvail",
	};

	if (code >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[code];
}

static const char *const cont_names[CONT_MAX + 1] = {
	"any", "fixed", "session-lasting", "non-persistent",
	"graceful-replacement",
};

const char *
dhcp6_cont_name(uint8_t type)
{
	return type <= CONT_MAX ? cont_names[type] : "unknown";
}

int
dhcp6_cont_from_name(const char *name)
{
	for (int i = 0; i <= CONT_MAX; i++)
		if (name != NULL && strcmp(name, cont_names[i]) == 0)
			return i;
	return -1;
}
