/*
 * dhcp6s.c: DHCPv6 prefix-delegation server engine with the IPv6
 * Continuity Service option (see dhcp6s.h; RFC 8415 16, 18.3, 18.4;
 * PROTOCOL.md D.2-D.4).
 *
 * The pool is a bitmap of 2^(plen - pool_len) prefixes (at most 2^24,
 * conf_dhcp6.h) with a round-robin cursor, so a released prefix is not
 * handed out again at once. Bindings are a flat array searched by
 * (client DUID, IAID): an access link has few clients, and
 * max_bindings bounds the search.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp6_ext.h"
#include "dhcp6s.h"
#include "log.h"

struct dhcp6s {
	struct dhcp6s_cfg	 cfg;
	uint32_t		 npfx;		/* prefixes in the pool */
	uint64_t		*used;		/* bitmap, npfx bits */
	uint32_t		 cursor;	/* next candidate */
	struct dhcp6s_binding	*b;
	size_t			 nb, capb;
	struct dhcp6s_stats	 st;
};

enum ia_mode {
	IA_ADVERTISE,	/* SOLICIT: offer, commit nothing */
	IA_COMMIT,	/* REQUEST, SOLICIT with Rapid Commit */
	IA_RENEW,
	IA_REBIND,
	IA_RELEASE,
};

/* What the client said inside one IA_PD. */
struct ia_ask {
	bool			 asked;		/* used the option */
	uint8_t			 want;
	const struct dhcp6_lease_opts *anchor;	/* Anchor Preference */
	bool			 has_hint;	/* a prefix of our pool */
	uint32_t		 hint;
};

/* ---- the pool --------------------------------------------------------- */

static bool
is_used(const struct dhcp6s *s, uint32_t i)
{
	return (s->used[i / 64] >> (i % 64)) & 1;
}

static void
set_used(struct dhcp6s *s, uint32_t i, bool on)
{
	if (on)
		s->used[i / 64] |= 1ULL << (i % 64);
	else
		s->used[i / 64] &= ~(1ULL << (i % 64));
}

void
dhcp6s_prefix(const struct dhcp6s *s, uint32_t idx, struct in6_addr *out)
{
	unsigned span = s->cfg.plen - s->cfg.pool_len;

	*out = s->cfg.pool;
	for (unsigned i = 0; i < span; i++) {
		unsigned bit = s->cfg.plen - 1 - i;

		if ((idx >> i) & 1)
			out->s6_addr[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	}
}

/* The pool index of prefix/plen, if it is one of ours. */
static bool
index_of(const struct dhcp6s *s, const struct dhcp6_prefix *p, uint32_t *idx)
{
	struct in6_addr back;
	unsigned span = s->cfg.plen - s->cfg.pool_len;
	uint32_t v = 0;

	if (p->plen != s->cfg.plen)
		return false;
	for (unsigned i = 0; i < span; i++) {
		unsigned bit = s->cfg.plen - 1 - i;

		if (p->prefix.s6_addr[bit / 8] & (0x80 >> (bit % 8)))
			v |= 1u << i;
	}
	/* Same prefix back: pool bits match, host bits are zero. */
	dhcp6s_prefix(s, v, &back);
	if (memcmp(&back, &p->prefix, sizeof(back)) != 0)
		return false;
	*idx = v;
	return true;
}

/* A free prefix, from the cursor on (add() moves the cursor). */
static bool
find_free(const struct dhcp6s *s, uint32_t *idx)
{
	for (uint32_t n = 0; n < s->npfx; n++) {
		uint32_t i = (uint32_t)(((uint64_t)s->cursor + n) % s->npfx);

		if (i % 64 == 0 && i + 64 <= s->npfx &&
		    s->used[i / 64] == UINT64_MAX) {
			n += 63;	/* a full word */
			continue;
		}
		if (!is_used(s, i)) {
			*idx = i;
			return true;
		}
	}
	return false;
}

/* ---- bindings --------------------------------------------------------- */

static struct dhcp6s_binding *
find(struct dhcp6s *s, const struct dhcp6_duid *client, uint32_t iaid)
{
	for (size_t i = 0; i < s->nb; i++)
		if (s->b[i].iaid == iaid && dhcp6_duid_eq(&s->b[i].client,
		    client))
			return &s->b[i];
	return NULL;
}

static struct dhcp6s_binding *
add(struct dhcp6s *s, const struct dhcp6_duid *client, uint32_t iaid,
    uint32_t idx)
{
	struct dhcp6s_binding *b;

	if (s->nb == s->cfg.max_bindings)
		return NULL;
	if (s->nb == s->capb) {
		size_t cap = s->capb ? s->capb * 2 : 16;

		if (cap > s->cfg.max_bindings)
			cap = s->cfg.max_bindings;
		if ((b = realloc(s->b, cap * sizeof(*b))) == NULL)
			return NULL;
		s->b = b;
		s->capb = cap;
	}
	b = &s->b[s->nb++];
	memset(b, 0, sizeof(*b));
	b->client = *client;
	b->iaid = iaid;
	b->index = idx;
	set_used(s, idx, true);
	s->cursor = (uint32_t)(((uint64_t)idx + 1) % s->npfx);
	return b;
}

static void
drop(struct dhcp6s *s, struct dhcp6s_binding *b)
{
	set_used(s, b->index, false);
	*b = s->b[--s->nb];
}

static const char *
pfx_s(const struct dhcp6s *s, uint32_t idx, char *buf)
{
	struct in6_addr a;

	dhcp6s_prefix(s, idx, &a);
	return inet_ntop(AF_INET6, &a, buf, INET6_ADDRSTRLEN);
}

static void
log_binding(const struct dhcp6s *s, const struct dhcp6s_binding *b,
    const char *what, const struct ia_ask *ask)
{
	char p[INET6_ADDRSTRLEN], d[2 * DHCP6_DUID_MAX + 1], asked[48] = "";

	if (ask != NULL && ask->asked)
		snprintf(asked, sizeof(asked), " (asked %s)",
		    dhcp6_cont_name(ask->want));
	else if (ask != NULL)
		snprintf(asked, sizeof(asked), " (not asked)");
	log_info("dhcp6s %s: %s %s/%u for %s IAID %u: %s%s", s->cfg.ifname,
	    what, pfx_s(s, b->index, p), s->cfg.plen,
	    dhcp6_duid_str(&b->client, d, sizeof(d)), b->iaid,
	    b->has_cont ? dhcp6_cont_name(b->cont_type) :
	    "no continuity option", asked);
}

/* ---- one IA_PD -------------------------------------------------------- */

static void
read_ask(const struct dhcp6s *s, const struct dhcp6_ia_pd *in,
    struct ia_ask *a)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < in->n_prefix; i++) {
		const struct dhcp6_prefix *p = &in->prefix[i];

		if (!a->asked && p->o.has_continuity) {
			a->asked = true;
			a->want = p->o.cont_type;
		}
		if (p->o.has_anchor && a->anchor == NULL) {
			a->anchor = &p->o;
			/* D.4 rule 5: the type wanted rides in the anchor. */
			if (!a->asked && p->o.anchor_has_cont) {
				a->asked = true;
				a->want = p->o.anchor_cont_type;
			}
		}
		if (!a->has_hint && index_of(s, p, &a->hint))
			a->has_hint = true;
	}
}

static uint8_t
pick(struct dhcp6s *s, uint8_t want)
{
	if (want != CONT_ANY && s->cfg.grant[want])
		return want;
	return s->cfg.order[0];
}

static void
set_status(struct dhcp6_status *st, uint16_t code, const char *msg)
{
	st->has = true;
	st->code = code;
	snprintf(st->msg, sizeof(st->msg), "%s", msg);
}

static void
set_times(const struct dhcp6s *s, struct dhcp6_ia_pd *out)
{
	if (s->cfg.t1 != 0) {
		out->t1 = s->cfg.t1;
		out->t2 = s->cfg.t2;
	} else {
		out->t1 = s->cfg.preferred / 2;
		out->t2 = (uint32_t)((uint64_t)s->cfg.preferred * 4 / 5);
	}
}

static void
put_prefix(const struct dhcp6s *s, struct dhcp6_ia_pd *out, uint32_t idx,
    bool live, bool has_cont, uint8_t type)
{
	struct dhcp6_prefix *p;

	if (out->n_prefix == DHCP6_MAX_LEASE)
		return;
	p = &out->prefix[out->n_prefix++];
	memset(p, 0, sizeof(*p));
	dhcp6s_prefix(s, idx, &p->prefix);
	p->plen = s->cfg.plen;
	p->preferred = live ? s->cfg.preferred : 0;
	p->valid = live ? s->cfg.valid : 0;
	p->o.has_continuity = has_cont;
	p->o.cont_type = type;
}

/* The option for a binding; the first grant makes it sticky (rule 4). */
static void
grant(struct dhcp6s *s, struct dhcp6s_binding *b, const struct ia_ask *a)
{
	if (b->has_cont) {
		if (!a->asked)
			s->st.option_kept++;
		return;
	}
	if (!a->asked)
		return;
	b->has_cont = true;
	b->cont_type = pick(s, a->want);
	s->st.granted[b->cont_type]++;
	if (a->want != CONT_ANY && a->want != b->cont_type)
		s->st.substituted++;
}

static void
assign(struct dhcp6s *s, const struct dhcp6_msg *q, const struct ia_ask *a,
    bool commit, uint64_t now, struct dhcp6_ia_pd *out)
{
	struct dhcp6s_binding *b = find(s, &q->clientid, out->iaid);
	bool has_cont;
	uint8_t type;
	uint32_t idx;

	if (a->anchor != NULL &&
	    (a->anchor->anchor_flags & DHCP6_ANCHOR_F_REQUIRED) &&
	    !IN6_ARE_ADDR_EQUAL(&a->anchor->anchor, &s->cfg.anchor)) {
		s->st.no_prefix++;
		set_status(&out->status, DHCP6_ST_NO_PREFIX_AVAIL,
		    "the anchor required is not this one");
		return;
	}
	if (b != NULL)
		idx = b->index;
	else if (a->has_hint && !is_used(s, a->hint))
		idx = a->hint;
	else if (!find_free(s, &idx)) {
		s->st.no_prefix++;
		set_status(&out->status, DHCP6_ST_NO_PREFIX_AVAIL,
		    "no prefix available");
		return;
	}
	if (commit && b == NULL) {
		if ((b = add(s, &q->clientid, out->iaid, idx)) == NULL) {
			s->st.no_prefix++;
			set_status(&out->status, DHCP6_ST_NO_PREFIX_AVAIL,
			    "no room for another binding");
			return;
		}
		grant(s, b, a);
		if (!b->has_cont)
			s->st.legacy++;
		s->st.bound++;
		log_binding(s, b, "bound", a);
	} else if (commit)
		grant(s, b, a);
	if (b != NULL) {
		b->expiry_ms = now + (uint64_t)s->cfg.valid * 1000;
		has_cont = b->has_cont;
		type = b->cont_type;
		if (!commit && has_cont && !a->asked)
			s->st.option_kept++;
	} else {	/* an offer: what a REQUEST would get */
		has_cont = a->asked;
		type = a->asked ? pick(s, a->want) : 0;
		if (a->asked && a->want != CONT_ANY && a->want != type)
			s->st.substituted++;
	}
	set_times(s, out);
	put_prefix(s, out, idx, true, has_cont, type);
}

/* The client's other prefixes: lifetimes 0 (18.3.4, 18.3.5). */
static void
others_gone(struct dhcp6s *s, const struct dhcp6_ia_pd *in, uint32_t keep,
    bool has_keep, struct dhcp6_ia_pd *out)
{
	for (size_t i = 0; i < in->n_prefix; i++) {
		uint32_t idx;

		if (in->prefix[i].plen == 0 || IN6_IS_ADDR_UNSPECIFIED(
		    &in->prefix[i].prefix))
			continue;
		if (index_of(s, &in->prefix[i], &idx) && has_keep &&
		    idx == keep)
			continue;
		if (out->n_prefix == DHCP6_MAX_LEASE)
			return;
		out->prefix[out->n_prefix] = in->prefix[i];
		memset(&out->prefix[out->n_prefix].o, 0,
		    sizeof(out->prefix[0].o));
		out->prefix[out->n_prefix].preferred = 0;
		out->prefix[out->n_prefix++].valid = 0;
	}
}

static void
extend(struct dhcp6s *s, const struct dhcp6_msg *q,
    const struct dhcp6_ia_pd *in, const struct ia_ask *a, bool rebind,
    uint64_t now, struct dhcp6_ia_pd *out)
{
	struct dhcp6s_binding *b = find(s, &q->clientid, out->iaid);

	/* 18.3.5: a server that lost the binding may make it again when
	 * the prefix is ours and free (a restart, say). */
	if (b == NULL && rebind && a->has_hint && !is_used(s, a->hint) &&
	    (b = add(s, &q->clientid, out->iaid, a->hint)) != NULL) {
		grant(s, b, a);
		s->st.bound++;
		log_binding(s, b, "re-bound", a);
	}
	if (b == NULL) {
		if (rebind && in->n_prefix > 0) {
			others_gone(s, in, 0, false, out);
			if (out->n_prefix > 0)
				return;
		}
		s->st.no_binding++;
		set_status(&out->status, DHCP6_ST_NO_BINDING,
		    "no binding for this IA");
		return;
	}
	grant(s, b, a);
	b->expiry_ms = now + (uint64_t)s->cfg.valid * 1000;
	s->st.renewed++;
	set_times(s, out);
	put_prefix(s, out, b->index, true, b->has_cont, b->cont_type);
	others_gone(s, in, b->index, true, out);
}

/* false: nothing about this IA goes into the REPLY (released). */
static bool
release(struct dhcp6s *s, const struct dhcp6_msg *q, struct dhcp6_ia_pd *out)
{
	struct dhcp6s_binding *b = find(s, &q->clientid, out->iaid);

	if (b == NULL) {
		s->st.no_binding++;
		set_status(&out->status, DHCP6_ST_NO_BINDING,
		    "no binding for this IA");
		return true;
	}
	log_binding(s, b, "released", NULL);
	s->st.released++;
	drop(s, b);
	return false;
}

static void
do_ia_pds(struct dhcp6s *s, const struct dhcp6_msg *q, enum ia_mode mode,
    uint64_t now, struct dhcp6_msg *r)
{
	for (size_t i = 0; i < q->n_ia_pd; i++) {
		const struct dhcp6_ia_pd *in = &q->ia_pd[i];
		struct dhcp6_ia_pd *out = &r->ia_pd[r->n_ia_pd];
		struct ia_ask a;
		bool keep = true;

		memset(out, 0, sizeof(*out));
		out->iaid = in->iaid;
		read_ask(s, in, &a);
		switch (mode) {
		case IA_ADVERTISE:
		case IA_COMMIT:
			assign(s, q, &a, mode == IA_COMMIT, now, out);
			break;
		case IA_RENEW:
		case IA_REBIND:
			extend(s, q, in, &a, mode == IA_REBIND, now, out);
			break;
		case IA_RELEASE:
			keep = release(s, q, out);
			break;
		}
		if (keep)
			r->n_ia_pd++;
	}
	/* Addresses are not ours to give (18.3.2, 18.3.4). */
	for (size_t i = 0; i < q->n_ia_na; i++) {
		struct dhcp6_ia_na *na = &r->ia_na[r->n_ia_na++];

		memset(na, 0, sizeof(*na));
		na->iaid = q->ia_na[i].iaid;
		if (mode == IA_ADVERTISE || mode == IA_COMMIT)
			set_status(&na->status, DHCP6_ST_NO_ADDRS_AVAIL,
			    "prefix delegation only");
		else
			set_status(&na->status, DHCP6_ST_NO_BINDING,
			    "prefix delegation only");
	}
}

/* ---- messages --------------------------------------------------------- */

/* RFC 8415 16: the identifiers each client message must (not) carry. */
static int
check_ids(struct dhcp6s *s, const struct dhcp6_msg *m)
{
	bool need_sid = false, no_sid = false;

	switch (m->type) {
	case DHCP6_MSG_SOLICIT:
	case DHCP6_MSG_REBIND:
	case DHCP6_MSG_CONFIRM:
		no_sid = true;
		break;
	case DHCP6_MSG_REQUEST:
	case DHCP6_MSG_RENEW:
	case DHCP6_MSG_RELEASE:
	case DHCP6_MSG_DECLINE:
		need_sid = true;
		break;
	default:	/* INFORMATION-REQUEST: both optional */
		break;
	}
	if (m->clientid.len == 0 && m->type != DHCP6_MSG_INFO_REQ) {
		s->st.drop_clientid++;
		return -1;
	}
	if ((no_sid && m->serverid.len != 0) ||
	    (need_sid && m->serverid.len == 0) ||
	    (m->serverid.len != 0 && !dhcp6_duid_eq(&m->serverid,
	    &s->cfg.duid))) {
		s->st.drop_serverid++;
		return -1;
	}
	return 0;
}

static int
answer(struct dhcp6s *s, const struct dhcp6_msg *m, const struct dhcp6_ext *e,
    bool multicast, uint64_t now, struct dhcp6_msg *r, struct dhcp6_ext *re)
{
	r->type = DHCP6_MSG_REPLY;
	r->xid = m->xid;
	r->clientid = m->clientid;
	r->serverid = s->cfg.duid;
	if (!multicast) {
		switch (m->type) {
		case DHCP6_MSG_REQUEST:
		case DHCP6_MSG_RENEW:
		case DHCP6_MSG_RELEASE:
		case DHCP6_MSG_DECLINE:	/* 18.4: we offer no unicast */
			set_status(&r->status, DHCP6_ST_USE_MULTICAST,
			    "use multicast");
			return 0;
		default:
			s->st.drop_unicast++;
			return -1;
		}
	}
	switch (m->type) {
	case DHCP6_MSG_SOLICIT:
		if (e->rapid_commit && s->cfg.rapid_commit) {
			re->rapid_commit = true;
			do_ia_pds(s, m, IA_COMMIT, now, r);
		} else {
			r->type = DHCP6_MSG_ADVERTISE;
			if (s->cfg.preference != 0) {
				re->has_pref = true;
				re->pref = s->cfg.preference;
			}
			do_ia_pds(s, m, IA_ADVERTISE, now, r);
		}
		return 0;
	case DHCP6_MSG_REQUEST:
		do_ia_pds(s, m, IA_COMMIT, now, r);
		return 0;
	case DHCP6_MSG_RENEW:
	case DHCP6_MSG_REBIND:
		do_ia_pds(s, m, m->type == DHCP6_MSG_RENEW ? IA_RENEW :
		    IA_REBIND, now, r);
		return 0;
	case DHCP6_MSG_RELEASE:
		do_ia_pds(s, m, IA_RELEASE, now, r);
		set_status(&r->status, DHCP6_ST_SUCCESS, "released");
		return 0;
	case DHCP6_MSG_INFO_REQ:
		return 0;
	default:	/* CONFIRM, DECLINE: nothing about prefixes */
		s->st.ignored++;
		return 1;
	}
}

int
dhcp6s_input(struct dhcp6s *s, const uint8_t *p, size_t len, bool multicast,
    uint64_t now, uint8_t *out, size_t cap, size_t *out_len)
{
	struct dhcp6_msg m, r;
	struct dhcp6_ext e, re;
	ssize_t n;
	int rc;

	*out_len = 0;
	s->st.rx++;
	rc = dhcp6_parse(p, len, &s->cfg.codes, &m);
	if (rc == DHCP6_E_RELAY) {
		s->st.drop_type++;
		return -1;
	}
	if (rc != DHCP6_OK ||
	    (rc = dhcp6_ext_parse(p, len, &s->cfg.codes, &e)) != DHCP6_OK) {
		s->st.drop_malformed++;
		log_debug("dhcp6s %s: malformed message dropped: %s",
		    s->cfg.ifname, dhcp6_strerror(rc));
		return -1;
	}
	if (m.type < sizeof(s->st.rx_type) / sizeof(s->st.rx_type[0]))
		s->st.rx_type[m.type]++;
	if (m.type == DHCP6_MSG_ADVERTISE || m.type == DHCP6_MSG_REPLY ||
	    m.type == DHCP6_MSG_RECONFIGURE || m.type == 0 ||
	    m.type > DHCP6_MSG_INFO_REQ) {
		s->st.drop_type++;
		return -1;
	}
	if (check_ids(s, &m) == -1)
		return -1;
	memset(&r, 0, sizeof(r));
	memset(&re, 0, sizeof(re));
	if ((rc = answer(s, &m, &e, multicast, now, &r, &re)) != 0)
		return rc < 0 ? -1 : 0;
	if ((n = dhcp6_build(&r, &s->cfg.codes, out, cap)) < 0 ||
	    (n = dhcp6_ext_append(out, (size_t)n, cap, &s->cfg.codes,
	    &re)) < 0) {
		s->st.tx_errors++;
		log_warnx("dhcp6s %s: cannot build the answer: %s",
		    s->cfg.ifname, dhcp6_strerror((int)n));
		return -1;
	}
	if (r.type == DHCP6_MSG_ADVERTISE)
		s->st.tx_advertise++;
	else
		s->st.tx_reply++;
	*out_len = (size_t)n;
	return 0;
}

/* ---- time and life ---------------------------------------------------- */

void
dhcp6s_expire(struct dhcp6s *s, uint64_t now)
{
	for (size_t i = 0; i < s->nb;) {
		if (s->b[i].expiry_ms > now) {
			i++;
			continue;
		}
		log_binding(s, &s->b[i], "expired", NULL);
		s->st.expired++;
		drop(s, &s->b[i]);
	}
}

uint64_t
dhcp6s_next_expiry(const struct dhcp6s *s)
{
	uint64_t t = DHCP6S_NO_EXPIRY;

	for (size_t i = 0; i < s->nb; i++)
		if (s->b[i].expiry_ms < t)
			t = s->b[i].expiry_ms;
	return t;
}

struct dhcp6s *
dhcp6s_new(const struct dhcp6s_cfg *cfg)
{
	struct dhcp6s *s;
	unsigned span = cfg->plen - cfg->pool_len;

	if (cfg->duid.len == 0 || cfg->plen > 128 || cfg->plen == 0 ||
	    cfg->plen < cfg->pool_len || span > 24 || cfg->norder == 0 ||
	    cfg->norder > CONT_MAX + 1 || cfg->max_bindings == 0 ||
	    cfg->valid == 0 || cfg->preferred > cfg->valid ||
	    cfg->t1 > cfg->t2) {
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < cfg->norder; i++)
		if (cfg->order[i] > CONT_MAX || cfg->order[i] == CONT_ANY ||
		    !cfg->grant[cfg->order[i]]) {
			errno = EINVAL;
			return NULL;
		}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->cfg = *cfg;
	s->cfg.ifname[sizeof(s->cfg.ifname) - 1] = '\0';
	s->npfx = 1u << span;
	if ((s->used = calloc((s->npfx + 63) / 64, sizeof(*s->used))) ==
	    NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
dhcp6s_free(struct dhcp6s *s)
{
	if (s == NULL)
		return;
	free(s->used);
	free(s->b);
	free(s);
}

size_t
dhcp6s_bindings(const struct dhcp6s *s, const struct dhcp6s_binding **out)
{
	*out = s->b;
	return s->nb;
}

const struct dhcp6s_stats *
dhcp6s_stats(const struct dhcp6s *s)
{
	return &s->st;
}

const struct dhcp6s_cfg *
dhcp6s_cfg(const struct dhcp6s *s)
{
	return &s->cfg;
}
