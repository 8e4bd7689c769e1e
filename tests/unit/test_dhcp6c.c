/*
 * test_dhcp6c.c: the DHCPv6 prefix-delegation client engine
 * (mn/dhcp6c.c) driven with a fake clock and hand-made server answers:
 * RFC 8415 15/18.2 timers and checks, and the continuity option rules
 * of PROTOCOL.md D.4 (rule 1 non-persistent without the option, rule 2
 * fall back / remember / retry later, rule 3 mismatch, rule 4 sticky),
 * the [P] placement outside the IAPREFIX; then the client against the
 * real server engine (dhp/dhcp6s.c); then the dhcp6 sections of
 * mnd.conf and dhpd.conf (common/conf_dhcp6.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "bytes.h"
#include "conf.h"
#include "conf_dhcp6.h"
#include "dhcp6.h"
#include "dhcp6_ext.h"
#include "dhcp6c.h"
#include "dhcp6s.h"
#include "log.h"
#include "cu_main.h"

#define MAXTX	128
#define MAXEV	32

static struct dhcp6_codes codes;
static struct dhcp6_duid me, srv1, srv2;

static struct {
	uint8_t		b[1500];
	size_t		len;
	uint64_t	at;
} tx[MAXTX];
static int ntx;
static uint64_t now;

static struct {
	enum dhcp6c_event	ev;
	struct dhcp6c_lease	l;
} evs[MAXEV];
static int nev;

static int
fake_send(void *arg, const uint8_t *b, size_t len)
{
	(void)arg;
	if (ntx < MAXTX && len <= sizeof(tx[0].b)) {
		memcpy(tx[ntx].b, b, len);
		tx[ntx].len = len;
		tx[ntx].at = now;
		ntx++;
	}
	return 0;
}

static void
fake_lease(void *arg, enum dhcp6c_event ev, const struct dhcp6c_lease *l)
{
	(void)arg;
	if (nev < MAXEV) {
		evs[nev].ev = ev;
		evs[nev].l = *l;
		nev++;
	}
}

static const struct dhcp6c_ops ops = { fake_send, fake_lease };

static void
mkduid(struct dhcp6_duid *d, uint8_t last)
{
	uint8_t mac[6] = { 2, 0, 0, 0, 0, last };

	dhcp6_duid_ll(d, 1, mac, 6);
}

static void
base_cfg(struct dhcp6c_cfg *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->ifname, sizeof(c->ifname), "mn0");
	c->duid = me;
	c->iaid = 7;
	c->codes = codes;
	c->ask = true;
	c->want = CONT_SESSION_LASTING;
	c->plen_hint = 56;
	c->fallback_after = 4;
	c->retry_later_s = 100;
}

static struct dhcp6c *
mk(const struct dhcp6c_cfg *cfg)
{
	struct dhcp6c *c;

	ntx = nev = 0;
	now = 1000;
	c = dhcp6c_new(cfg, &ops, NULL, 42);
	CU_ASSERT_FATAL(c != NULL);
	return c;
}

/* Run the timers up to t. */
static void
advance(struct dhcp6c *c, uint64_t t)
{
	uint64_t n;

	while ((n = dhcp6c_next_timeout(c)) <= t) {
		if (n > now)
			now = n;
		dhcp6c_timeout(c, now);
	}
	if (t > now)
		now = t;
}

/* Run until the number of messages sent reaches n (or limit). */
static void
until_tx(struct dhcp6c *c, int n, uint64_t limit)
{
	uint64_t t;

	while (ntx < n && (t = dhcp6c_next_timeout(c)) <= limit) {
		if (t > now)
			now = t;
		dhcp6c_timeout(c, now);
	}
}

static void
sent(int i, struct dhcp6_msg *m, struct dhcp6_ext *e)
{
	CU_ASSERT_FATAL(i >= 0 && i < ntx);
	CU_ASSERT_EQUAL_FATAL(dhcp6_parse(tx[i].b, tx[i].len, &codes, m),
	    DHCP6_OK);
	CU_ASSERT_EQUAL_FATAL(dhcp6_ext_parse(tx[i].b, tx[i].len, &codes, e),
	    DHCP6_OK);
}

static bool
has_opt(const struct dhcp6_msg *m, uint8_t *type)
{
	if (m->n_ia_pd == 0 || m->ia_pd[0].n_prefix == 0 ||
	    !m->ia_pd[0].prefix[0].o.has_continuity)
		return false;
	if (type != NULL)
		*type = m->ia_pd[0].prefix[0].o.cont_type;
	return true;
}

/* A server answer. cont/outer/top: -1 none, else the type placed in
 * the IAPREFIX, beside it in the IA_PD, or at message level. */
struct ans {
	uint8_t			type;
	uint32_t		xid;
	const struct dhcp6_duid	*server, *client;
	const char		*prefix;	/* NULL: no IAPREFIX */
	uint8_t			plen;
	uint32_t		pref, valid, t1, t2;
	int			cont, outer, top;
	int			preference;	/* -1: none */
	int			ia_status;	/* -1: none */
	bool			no_ia;
};

static void
ans_init(struct ans *a, uint8_t type, uint32_t xid,
    const struct dhcp6_duid *server)
{
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->xid = xid;
	a->server = server;
	a->client = &me;
	a->prefix = "2001:db8:100::";
	a->plen = 56;
	a->pref = 300;
	a->valid = 600;
	a->t1 = 150;
	a->t2 = 240;
	a->cont = a->outer = a->top = a->preference = a->ia_status = -1;
}

/* The continuity option at the end of the (last) IA_PD. */
static size_t
add_ia_pd_cont(uint8_t *b, size_t len, uint8_t type)
{
	size_t off = 4, ia = 0;

	while (off + 4 <= len) {
		uint16_t code = be16_get(b + off);
		uint16_t olen = be16_get(b + off + 2);

		if (code == DHCP6_OPT_IA_PD)
			ia = off;
		off += 4 + olen;
	}
	CU_ASSERT_FATAL(ia != 0 && off == len);
	CU_ASSERT_FATAL(ia + 4 + be16_get(b + ia + 2) == len);
	be16_put(b + ia + 2, (uint16_t)(be16_get(b + ia + 2) + 5));
	be16_put(b + len, codes.continuity);
	be16_put(b + len + 2, 1);
	b[len + 4] = type;
	return len + 5;
}

static size_t
mkans(const struct ans *a, uint8_t *b, size_t cap)
{
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	struct dhcp6_ia_pd *ia;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = a->type;
	m.xid = a->xid;
	if (a->client != NULL)
		m.clientid = *a->client;
	if (a->server != NULL)
		m.serverid = *a->server;
	if (!a->no_ia) {
		m.n_ia_pd = 1;
		ia = &m.ia_pd[0];
		ia->iaid = 7;
		ia->t1 = a->t1;
		ia->t2 = a->t2;
		if (a->prefix != NULL) {
			struct dhcp6_prefix *p = &ia->prefix[ia->n_prefix++];

			inet_pton(AF_INET6, a->prefix, &p->prefix);
			p->plen = a->plen;
			p->preferred = a->pref;
			p->valid = a->valid;
			if (a->cont >= 0) {
				p->o.has_continuity = true;
				p->o.cont_type = (uint8_t)a->cont;
			}
		}
		if (a->ia_status >= 0) {
			ia->status.has = true;
			ia->status.code = (uint16_t)a->ia_status;
		}
	}
	n = dhcp6_build(&m, &codes, b, cap);
	CU_ASSERT_FATAL(n > 0);
	if (a->outer >= 0)
		n = (ssize_t)add_ia_pd_cont(b, (size_t)n, (uint8_t)a->outer);
	memset(&e, 0, sizeof(e));
	if (a->preference >= 0) {
		e.has_pref = true;
		e.pref = (uint8_t)a->preference;
	}
	if (a->top >= 0) {
		e.has_cont = true;
		e.cont_type = (uint8_t)a->top;
	}
	n = dhcp6_ext_append(b, (size_t)n, cap, &codes, &e);
	CU_ASSERT_FATAL(n > 0);
	return (size_t)n;
}

static int
deliver(struct dhcp6c *c, const struct ans *a)
{
	uint8_t b[1500];
	size_t n = mkans(a, b, sizeof(b));

	return dhcp6c_input(c, b, n, now);
}

static uint32_t
last_xid(void)
{
	struct dhcp6_msg m;
	struct dhcp6_ext e;

	sent(ntx - 1, &m, &e);
	return m.xid;
}

static const struct dhcp6c_memory *
mem_of(struct dhcp6c *c, const struct dhcp6_duid *server)
{
	const struct dhcp6c_memory *m;
	size_t n = dhcp6c_memory(c, &m);
	struct dhcp6_duid none = { .len = 0 };

	if (server == NULL)
		server = &none;
	for (size_t i = 0; i < n; i++)
		if (dhcp6_duid_eq(&m[i].server, server))
			return &m[i];
	return NULL;
}

/* SOLICIT -> ADVERTISE(adv) -> REQUEST -> REPLY(same options). */
static void
bind_with(struct dhcp6c *c, struct ans *adv)
{
	uint64_t limit = now + 10000;

	dhcp6c_start(c, now);
	until_tx(c, 1, limit);
	adv->type = DHCP6_MSG_ADVERTISE;
	adv->xid = last_xid();
	CU_ASSERT_EQUAL(deliver(c, adv), 0);
	until_tx(c, 2, limit);		/* the first RT ends: REQUEST */
	CU_ASSERT_EQUAL_FATAL(dhcp6c_state(c), DHCP6C_REQUEST);
	adv->type = DHCP6_MSG_REPLY;
	adv->xid = last_xid();
	CU_ASSERT_EQUAL(deliver(c, adv), 0);
	CU_ASSERT_EQUAL_FATAL(dhcp6c_stats(c)->bound, 1);
}

/* ---- tests ---------------------------------------------------------- */

static void
test_solicit_form_and_timers(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	const struct dhcp6_prefix *p;
	char a[INET6_ADDRSTRLEN];
	uint64_t rt1, rt2;
	uint8_t t;

	base_cfg(&cfg);
	cfg.has_anchor = true;
	inet_pton(AF_INET6, "2001:db8:1::1", &cfg.anchor);
	cfg.anchor_required = true;
	c = mk(&cfg);
	CU_ASSERT_EQUAL(dhcp6c_next_timeout(c), UINT64_MAX);
	dhcp6c_start(c, now);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_SOLICIT);
	/* 18.2.1: a random delay up to SOL_MAX_DELAY first. */
	CU_ASSERT(dhcp6c_next_timeout(c) < now + DHCP6C_SOL_MAX_DELAY);
	until_tx(c, 1, now + 1000);
	CU_ASSERT_EQUAL_FATAL(ntx, 1);
	sent(0, &m, &e);
	CU_ASSERT_EQUAL(m.type, DHCP6_MSG_SOLICIT);
	CU_ASSERT(dhcp6_duid_eq(&m.clientid, &me));
	CU_ASSERT_EQUAL(m.serverid.len, 0);
	CU_ASSERT_EQUAL_FATAL(m.n_ia_pd, 1);
	CU_ASSERT_EQUAL(m.ia_pd[0].iaid, 7);
	CU_ASSERT_EQUAL_FATAL(m.ia_pd[0].n_prefix, 1);
	p = &m.ia_pd[0].prefix[0];
	CU_ASSERT_EQUAL(p->plen, 56);
	CU_ASSERT_STRING_EQUAL(inet_ntop(AF_INET6, &p->prefix, a, sizeof(a)),
	    "::");
	CU_ASSERT(has_opt(&m, &t) && t == CONT_SESSION_LASTING);
	/* D.4 rule 5: the anchor, with the type inside it. */
	CU_ASSERT(p->o.has_anchor && p->o.anchor_flags ==
	    DHCP6_ANCHOR_F_REQUIRED && p->o.anchor_has_cont &&
	    p->o.anchor_cont_type == CONT_SESSION_LASTING);
	CU_ASSERT(e.has_elapsed && e.elapsed == 0);
	CU_ASSERT(e.n_oro == 1 && e.oro[0] == DHCP6_OPT_SOL_MAX_RT);
	/* First RT: IRT + RAND*IRT with RAND > 0 (18.2.1). */
	rt1 = dhcp6c_next_timeout(c) - tx[0].at;
	CU_ASSERT(rt1 > 1000 && rt1 <= 1100);
	until_tx(c, 3, now + 10000);
	CU_ASSERT_EQUAL_FATAL(ntx, 3);
	CU_ASSERT_EQUAL(tx[1].at - tx[0].at, rt1);
	rt2 = tx[2].at - tx[1].at;
	CU_ASSERT(rt2 >= 2 * rt1 - rt1 / 10 && rt2 <= 2 * rt1 + rt1 / 10);
	sent(1, &m, &e);
	CU_ASSERT_EQUAL(m.xid, last_xid());	/* same exchange */
	CU_ASSERT(e.elapsed == (uint16_t)(rt1 / 10));
	CU_ASSERT_EQUAL(dhcp6c_stats(c)->tx_with_option, 3);
	dhcp6c_free(c);
}

/* Two servers answer; the one that honours the option is taken, the
 * other is remembered (D.4 rules 1, 2). */
static void
test_prefers_supporting(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	struct ans a;
	const struct dhcp6c_memory *mm;
	uint8_t t;

	base_cfg(&cfg);
	c = mk(&cfg);
	dhcp6c_start(c, now);
	until_tx(c, 1, now + 2000);
	ans_init(&a, DHCP6_MSG_ADVERTISE, last_xid(), &srv1);	/* legacy */
	CU_ASSERT_EQUAL(deliver(c, &a), 0);
	ans_init(&a, DHCP6_MSG_ADVERTISE, last_xid(), &srv2);
	a.prefix = "2001:db8:200::";
	a.cont = CONT_SESSION_LASTING;
	CU_ASSERT_EQUAL(deliver(c, &a), 0);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_SOLICIT);  /* collecting */
	until_tx(c, 2, now + 2000);
	sent(1, &m, &e);
	CU_ASSERT_EQUAL(m.type, DHCP6_MSG_REQUEST);
	CU_ASSERT(dhcp6_duid_eq(&m.serverid, &srv2));
	CU_ASSERT(has_opt(&m, &t) && t == CONT_SESSION_LASTING);
	CU_ASSERT((mm = mem_of(c, &srv1)) != NULL &&
	    mm->why == DHCP6C_WHY_IGNORED);
	CU_ASSERT(mem_of(c, &srv2) == NULL);
	ans_init(&a, DHCP6_MSG_REPLY, last_xid(), &srv2);
	a.prefix = "2001:db8:200::";
	a.cont = CONT_SESSION_LASTING;
	CU_ASSERT_EQUAL(deliver(c, &a), 0);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_BOUND);
	CU_ASSERT_FATAL(dhcp6c_lease(c) != NULL);
	CU_ASSERT(dhcp6c_lease(c)->has_cont && !dhcp6c_lease(c)->mismatch);
	CU_ASSERT(nev == 1 && evs[0].ev == DHCP6C_EV_BOUND &&
	    evs[0].l.cont_type == CONT_SESSION_LASTING);
	dhcp6c_free(c);
}

/* A legacy server (ISC Kea as shipped): non-persistent, remembered,
 * no option while remembered, tried again once the memory expired. */
static void
test_legacy_server_retry_later(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	struct ans a;
	const struct dhcp6c_lease *l;
	int n;

	base_cfg(&cfg);
	cfg.retry_later_s = 200;
	c = mk(&cfg);
	ans_init(&a, 0, 0, &srv1);
	bind_with(c, &a);
	sent(1, &m, &e);
	CU_ASSERT_EQUAL(m.type, DHCP6_MSG_REQUEST);
	CU_ASSERT(!has_opt(&m, NULL));		/* the fallback */
	l = dhcp6c_lease(c);
	CU_ASSERT_FATAL(l != NULL);
	CU_ASSERT(!l->has_cont && l->cont_type == CONT_NON_PERSISTENT);
	CU_ASSERT(l->t1 == 150 && l->t2 == 240);
	CU_ASSERT(mem_of(c, &srv1) != NULL);
	/* T1: RENEW to the remembered server, without the option. */
	n = ntx;
	advance(c, l->granted_ms + 150 * 1000);
	CU_ASSERT_EQUAL_FATAL(ntx, n + 1);
	sent(n, &m, &e);
	CU_ASSERT_EQUAL(m.type, DHCP6_MSG_RENEW);
	CU_ASSERT(dhcp6_duid_eq(&m.serverid, &srv1));
	CU_ASSERT(!has_opt(&m, NULL));
	ans_init(&a, DHCP6_MSG_REPLY, m.xid, &srv1);
	CU_ASSERT_EQUAL(deliver(c, &a), 0);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_BOUND);
	/* The memory expires (200 s); the next RENEW tries the option. */
	advance(c, now + 149 * 1000);
	CU_ASSERT(mem_of(c, &srv1) == NULL);
	CU_ASSERT_EQUAL(dhcp6c_stats(c)->retried, 1);
	n = ntx;
	advance(c, now + 2000);
	CU_ASSERT_EQUAL_FATAL(ntx, n + 1);
	sent(n, &m, &e);
	CU_ASSERT_EQUAL(m.type, DHCP6_MSG_RENEW);
	CU_ASSERT(has_opt(&m, NULL));
	/* The server was upgraded: it now grants. */
	ans_init(&a, DHCP6_MSG_REPLY, m.xid, &srv1);
	a.cont = CONT_SESSION_LASTING;
	CU_ASSERT_EQUAL(deliver(c, &a), 0);
	l = dhcp6c_lease(c);
	CU_ASSERT(l->has_cont && l->cont_type == CONT_SESSION_LASTING);
	CU_ASSERT(evs[nev - 1].ev == DHCP6C_EV_RENEWED &&
	    evs[nev - 1].l.has_cont);
	/* From now on the option is sticky (rule 4). */
	n = ntx;
	advance(c, now + 151 * 1000);
	sent(n, &m, &e);
	CU_ASSERT(m.type == DHCP6_MSG_RENEW && has_opt(&m, NULL));
	dhcp6c_free(c);
}

/* Nobody answers the option: after fallback_after transmissions a new
 * SOLICIT without it; the link and then the server are remembered. */
static void
test_no_answer_fallback(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct dhcp6_msg m, m0;
	struct dhcp6_ext e;
	struct ans a;
	const struct dhcp6c_memory *mm;

	base_cfg(&cfg);
	cfg.fallback_after = 3;
	cfg.plen_hint = 0;
	c = mk(&cfg);
	dhcp6c_start(c, now);
	until_tx(c, 4, now + 60000);
	CU_ASSERT_EQUAL_FATAL(ntx, 4);
	sent(0, &m0, &e);
	for (int i = 0; i < 3; i++) {
		sent(i, &m, &e);
		CU_ASSERT(m.type == DHCP6_MSG_SOLICIT && has_opt(&m, NULL));
	}
	sent(3, &m, &e);
	CU_ASSERT_EQUAL(m.type, DHCP6_MSG_SOLICIT);
	CU_ASSERT(m.xid != m0.xid);		/* a new exchange */
	CU_ASSERT(!has_opt(&m, NULL));
	CU_ASSERT_EQUAL(m.ia_pd[0].n_prefix, 0);	/* no hint left */
	CU_ASSERT(e.elapsed == 0);
	CU_ASSERT((mm = mem_of(c, NULL)) != NULL &&
	    mm->why == DHCP6C_WHY_NO_ANSWER);
	CU_ASSERT_EQUAL(dhcp6c_stats(c)->fallbacks, 1);
	/* Retransmissions stay without it. */
	until_tx(c, 5, now + 60000);
	sent(4, &m, &e);
	CU_ASSERT(!has_opt(&m, NULL));
	ans_init(&a, DHCP6_MSG_ADVERTISE, m.xid, &srv1);
	deliver(c, &a);			/* after the first RT: at once */
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_REQUEST);
	sent(ntx - 1, &m, &e);
	CU_ASSERT(!has_opt(&m, NULL));
	ans_init(&a, DHCP6_MSG_REPLY, m.xid, &srv1);
	deliver(c, &a);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_BOUND);
	CU_ASSERT((mm = mem_of(c, &srv1)) != NULL &&
	    mm->why == DHCP6C_WHY_NO_ANSWER);
	/* A new link: the link-wide memory goes, the server's stays. */
	dhcp6c_link_changed(c, now);
	CU_ASSERT(mem_of(c, NULL) == NULL);
	CU_ASSERT(mem_of(c, &srv1) != NULL);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_REBIND);
	sent(ntx - 1, &m, &e);
	CU_ASSERT(m.type == DHCP6_MSG_REBIND && m.serverid.len == 0);
	/* Nobody answers the REBIND on the new link: gone in 10 s. */
	advance(c, now + DHCP6C_LINK_REBIND_MRD);
	CU_ASSERT(evs[nev - 1].ev == DHCP6C_EV_LOST);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_SOLICIT);
	until_tx(c, ntx + 1, now + 2000);
	sent(ntx - 1, &m, &e);
	CU_ASSERT(m.type == DHCP6_MSG_SOLICIT && has_opt(&m, NULL));
	dhcp6c_free(c);
}

static void
test_status_fallback(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	struct ans a;
	const struct dhcp6c_memory *mm;
	uint32_t xid;

	base_cfg(&cfg);
	c = mk(&cfg);
	dhcp6c_start(c, now);
	until_tx(c, 1, now + 2000);
	xid = last_xid();
	ans_init(&a, DHCP6_MSG_ADVERTISE, xid, &srv1);
	a.prefix = NULL;
	a.ia_status = DHCP6_ST_NO_PREFIX_AVAIL;
	CU_ASSERT_EQUAL(deliver(c, &a), 0);
	/* At once: a SOLICIT without the option. */
	CU_ASSERT_EQUAL_FATAL(ntx, 2);
	sent(1, &m, &e);
	CU_ASSERT(m.type == DHCP6_MSG_SOLICIT && m.xid != xid &&
	    !has_opt(&m, NULL));
	CU_ASSERT((mm = mem_of(c, &srv1)) != NULL &&
	    mm->why == DHCP6C_WHY_STATUS);
	CU_ASSERT_EQUAL(dhcp6c_stats(c)->drop_no_prefix, 1);
	dhcp6c_free(c);
}

static void
test_preference_255(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct ans a;

	base_cfg(&cfg);
	c = mk(&cfg);
	dhcp6c_start(c, now);
	until_tx(c, 1, now + 2000);
	ans_init(&a, DHCP6_MSG_ADVERTISE, last_xid(), &srv1);
	a.preference = 10;
	deliver(c, &a);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_SOLICIT);
	ans_init(&a, DHCP6_MSG_ADVERTISE, last_xid(), &srv2);
	a.preference = 255;
	deliver(c, &a);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_REQUEST);
	{
		struct dhcp6_msg m;
		struct dhcp6_ext e;

		sent(ntx - 1, &m, &e);
		CU_ASSERT(dhcp6_duid_eq(&m.serverid, &srv2));
	}
	dhcp6c_free(c);
}

/* Rule 3: another type than asked; with release_on_mismatch, RELEASE
 * (carrying the type granted, rule 4). */
static void
test_mismatch_release(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	struct ans a;
	uint8_t t;

	base_cfg(&cfg);
	c = mk(&cfg);
	ans_init(&a, 0, 0, &srv1);
	a.cont = CONT_NON_PERSISTENT;
	bind_with(c, &a);
	CU_ASSERT(dhcp6c_lease(c)->has_cont && dhcp6c_lease(c)->mismatch);
	CU_ASSERT_EQUAL(dhcp6c_stats(c)->mismatches, 1);
	sent(1, &m, &e);	/* REQUEST: the type the server first used */
	CU_ASSERT(has_opt(&m, &t) && t == CONT_NON_PERSISTENT);
	dhcp6c_free(c);

	cfg.release_on_mismatch = true;
	c = mk(&cfg);
	ans_init(&a, 0, 0, &srv1);
	a.cont = CONT_NON_PERSISTENT;
	bind_with(c, &a);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_RELEASE);
	sent(ntx - 1, &m, &e);
	CU_ASSERT(m.type == DHCP6_MSG_RELEASE &&
	    dhcp6_duid_eq(&m.serverid, &srv1));
	CU_ASSERT(has_opt(&m, &t) && t == CONT_NON_PERSISTENT);
	CU_ASSERT(e.n_oro == 0);
	ans_init(&a, DHCP6_MSG_REPLY, m.xid, &srv1);
	a.no_ia = true;
	deliver(c, &a);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_IDLE);
	CU_ASSERT(dhcp6c_lease(c) == NULL);
	CU_ASSERT(evs[nev - 1].ev == DHCP6C_EV_RELEASED);
	dhcp6c_free(c);
}

/* Rule 4 from the client's side: a server that drops or changes the
 * option it granted. */
static void
test_sticky_violations(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	struct ans a;
	uint8_t t;

	base_cfg(&cfg);
	c = mk(&cfg);
	ans_init(&a, 0, 0, &srv1);
	a.cont = CONT_SESSION_LASTING;
	bind_with(c, &a);
	advance(c, dhcp6c_lease(c)->granted_ms + 150 * 1000);
	sent(ntx - 1, &m, &e);
	CU_ASSERT(m.type == DHCP6_MSG_RENEW && has_opt(&m, &t) &&
	    t == CONT_SESSION_LASTING);
	ans_init(&a, DHCP6_MSG_REPLY, m.xid, &srv1);
	a.cont = CONT_GRACEFUL;				/* changed */
	deliver(c, &a);
	CU_ASSERT_EQUAL(dhcp6c_stats(c)->violations, 1);
	CU_ASSERT_EQUAL(dhcp6c_lease(c)->cont_type, CONT_GRACEFUL);
	advance(c, dhcp6c_lease(c)->granted_ms + 150 * 1000);
	sent(ntx - 1, &m, &e);
	CU_ASSERT(has_opt(&m, &t) && t == CONT_GRACEFUL);
	ans_init(&a, DHCP6_MSG_REPLY, m.xid, &srv1);	/* dropped */
	deliver(c, &a);
	CU_ASSERT_EQUAL(dhcp6c_stats(c)->violations, 2);
	CU_ASSERT(!dhcp6c_lease(c)->has_cont &&
	    dhcp6c_lease(c)->cont_type == CONT_NON_PERSISTENT);
	dhcp6c_free(c);

	/* A legacy client: a server that adds the option anyway. */
	base_cfg(&cfg);
	cfg.ask = false;
	c = mk(&cfg);
	ans_init(&a, 0, 0, &srv1);
	a.cont = CONT_FIXED;
	bind_with(c, &a);
	sent(0, &m, &e);
	CU_ASSERT(!has_opt(&m, NULL));
	CU_ASSERT_EQUAL(m.ia_pd[0].prefix[0].plen, 56);	/* the hint */
	CU_ASSERT(!dhcp6c_lease(c)->has_cont);
	CU_ASSERT_EQUAL(dhcp6c_stats(c)->violations, 2);  /* ADV + REPLY */
	CU_ASSERT_EQUAL(dhcp6c_stats(c)->tx_with_option, 0);
	dhcp6c_free(c);
}

/* [P] The option beside the IAPREFIX or at message level (what Kea
 * 2.2 can produce): refused by default, taken with accept_outer. */
static void
test_outer_placement(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	struct ans a;
	const struct dhcp6c_memory *mm;

	base_cfg(&cfg);
	c = mk(&cfg);
	ans_init(&a, 0, 0, &srv1);
	a.outer = CONT_SESSION_LASTING;
	bind_with(c, &a);
	sent(1, &m, &e);
	CU_ASSERT(!has_opt(&m, NULL));
	CU_ASSERT(!dhcp6c_lease(c)->has_cont);
	CU_ASSERT((mm = mem_of(c, &srv1)) != NULL &&
	    mm->why == DHCP6C_WHY_PLACEMENT);
	dhcp6c_free(c);

	cfg.accept_outer = true;
	c = mk(&cfg);
	ans_init(&a, 0, 0, &srv1);
	a.outer = CONT_SESSION_LASTING;
	bind_with(c, &a);
	sent(1, &m, &e);
	CU_ASSERT(has_opt(&m, NULL));
	CU_ASSERT(dhcp6c_lease(c)->has_cont && dhcp6c_lease(c)->outer);
	CU_ASSERT(mem_of(c, &srv1) == NULL);
	dhcp6c_free(c);

	c = mk(&cfg);
	ans_init(&a, 0, 0, &srv1);
	a.top = CONT_GRACEFUL;
	bind_with(c, &a);
	CU_ASSERT(dhcp6c_lease(c)->has_cont &&
	    dhcp6c_lease(c)->cont_type == CONT_GRACEFUL &&
	    dhcp6c_lease(c)->mismatch);
	dhcp6c_free(c);
}

static void
test_drops(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct ans a;
	const struct dhcp6c_stats *st;
	struct dhcp6_duid other;
	uint8_t junk[] = { 7, 0, 0, 1, 0, 1, 0, 9, 1 };
	uint32_t xid;

	base_cfg(&cfg);
	mkduid(&other, 0x77);
	c = mk(&cfg);
	st = dhcp6c_stats(c);
	ans_init(&a, DHCP6_MSG_ADVERTISE, 1, &srv1);
	CU_ASSERT_EQUAL(deliver(c, &a), -1);	/* idle: no exchange */
	dhcp6c_start(c, now);
	until_tx(c, 1, now + 2000);
	xid = last_xid();
	CU_ASSERT_EQUAL(dhcp6c_input(c, junk, sizeof(junk), now), -1);
	ans_init(&a, DHCP6_MSG_ADVERTISE, xid ^ 1, &srv1);
	CU_ASSERT_EQUAL(deliver(c, &a), -1);
	ans_init(&a, DHCP6_MSG_ADVERTISE, xid, &srv1);
	a.client = &other;
	CU_ASSERT_EQUAL(deliver(c, &a), -1);
	a.client = NULL;
	CU_ASSERT_EQUAL(deliver(c, &a), -1);
	ans_init(&a, DHCP6_MSG_ADVERTISE, xid, NULL);
	CU_ASSERT_EQUAL(deliver(c, &a), -1);
	ans_init(&a, DHCP6_MSG_REPLY, xid, &srv1);  /* no Rapid Commit */
	CU_ASSERT_EQUAL(deliver(c, &a), -1);
	ans_init(&a, DHCP6_MSG_RECONFIGURE, xid, &srv1);
	CU_ASSERT_EQUAL(deliver(c, &a), -1);
	ans_init(&a, DHCP6_MSG_SOLICIT, xid, &srv1);
	CU_ASSERT_EQUAL(deliver(c, &a), -1);
	CU_ASSERT_EQUAL(st->drop_malformed, 1);
	CU_ASSERT_EQUAL(st->drop_xid, 3);
	CU_ASSERT_EQUAL(st->drop_clientid, 2);
	CU_ASSERT_EQUAL(st->drop_serverid, 1);
	CU_ASSERT_EQUAL(st->drop_type, 2);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_SOLICIT);
	/* T1 > T2 makes the IA_PD invalid (21.21): no prefix. */
	ans_init(&a, DHCP6_MSG_ADVERTISE, xid, &srv1);
	a.t1 = 300;
	a.t2 = 200;
	deliver(c, &a);
	CU_ASSERT_EQUAL(st->drop_no_prefix, 1);
	/* A REPLY to the REQUEST from another server. */
	ans_init(&a, DHCP6_MSG_ADVERTISE, xid, &srv1);
	a.preference = 255;
	deliver(c, &a);
	CU_ASSERT_EQUAL_FATAL(dhcp6c_state(c), DHCP6C_REQUEST);
	ans_init(&a, DHCP6_MSG_REPLY, last_xid(), &srv2);
	CU_ASSERT_EQUAL(deliver(c, &a), -1);
	CU_ASSERT_EQUAL(st->drop_serverid, 2);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_REQUEST);
	dhcp6c_free(c);
}

static void
test_lifetimes_rebind_expiry(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	struct ans a;
	const struct dhcp6c_lease *l;
	uint64_t g;
	int n;

	base_cfg(&cfg);
	c = mk(&cfg);
	ans_init(&a, 0, 0, &srv1);
	a.cont = CONT_SESSION_LASTING;
	a.t1 = a.t2 = 0;		/* ours: 0.5 and 0.8 of 300 */
	a.pref = 300;
	a.valid = 400;
	bind_with(c, &a);
	l = dhcp6c_lease(c);
	CU_ASSERT(l->t1 == 150 && l->t2 == 240);
	g = l->granted_ms;
	/* No answer to RENEW: REBIND at T2, no Server ID, option kept. */
	advance(c, g + 239 * 1000);
	sent(ntx - 1, &m, &e);
	CU_ASSERT_EQUAL(m.type, DHCP6_MSG_RENEW);
	n = ntx;
	advance(c, g + 240 * 1000);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_REBIND);
	sent(n, &m, &e);
	CU_ASSERT(m.type == DHCP6_MSG_REBIND && m.serverid.len == 0 &&
	    has_opt(&m, NULL));
	/* Another server answers the REBIND: the lease follows it. */
	ans_init(&a, DHCP6_MSG_REPLY, m.xid, &srv2);
	a.cont = CONT_SESSION_LASTING;
	a.pref = 300;
	a.valid = 400;
	deliver(c, &a);
	l = dhcp6c_lease(c);
	CU_ASSERT(dhcp6_duid_eq(&l->server, &srv2));
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_BOUND);
	/* Now silence: the valid lifetime ends, the prefix is lost. */
	g = l->granted_ms;
	advance(c, g + 400 * 1000);
	CU_ASSERT(evs[nev - 1].ev == DHCP6C_EV_LOST);
	CU_ASSERT(dhcp6c_lease(c) == NULL);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_SOLICIT);
	dhcp6c_free(c);

	/* Infinite lifetimes: no RENEW ever. */
	c = mk(&cfg);
	ans_init(&a, 0, 0, &srv1);
	a.t1 = a.t2 = 0;
	a.cont = CONT_SESSION_LASTING;	/* nothing remembered either */
	a.pref = a.valid = DHCP6C_INFINITY;
	bind_with(c, &a);
	CU_ASSERT_EQUAL(dhcp6c_next_timeout(c), UINT64_MAX);
	dhcp6c_free(c);
}

static void
test_nobinding_and_request_mrc(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	struct ans a;
	uint8_t t;

	base_cfg(&cfg);
	c = mk(&cfg);
	ans_init(&a, 0, 0, &srv1);
	a.cont = CONT_SESSION_LASTING;
	bind_with(c, &a);
	advance(c, dhcp6c_lease(c)->granted_ms + 150 * 1000);
	sent(ntx - 1, &m, &e);
	ans_init(&a, DHCP6_MSG_REPLY, m.xid, &srv1);
	a.prefix = NULL;
	a.ia_status = DHCP6_ST_NO_BINDING;
	deliver(c, &a);
	/* 18.2.10.1: a REQUEST for the same prefix, sticky option. */
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_REQUEST);
	sent(ntx - 1, &m, &e);
	CU_ASSERT(m.type == DHCP6_MSG_REQUEST && has_opt(&m, &t) &&
	    t == CONT_SESSION_LASTING);
	dhcp6c_free(c);

	/* REQUEST unanswered: REQ_MAX_RC tries (fallback_after high),
	 * then SOLICIT again; the server is remembered. */
	base_cfg(&cfg);
	cfg.fallback_after = 20;
	c = mk(&cfg);
	dhcp6c_start(c, now);
	until_tx(c, 1, now + 2000);
	ans_init(&a, DHCP6_MSG_ADVERTISE, last_xid(), &srv1);
	a.cont = CONT_SESSION_LASTING;
	a.preference = 255;
	deliver(c, &a);
	until_tx(c, 1 + DHCP6C_REQ_MAX_RC + 1, now + 600000);
	for (int i = 1; i <= DHCP6C_REQ_MAX_RC; i++) {
		sent(i, &m, &e);
		CU_ASSERT_EQUAL(m.type, DHCP6_MSG_REQUEST);
	}
	sent(DHCP6C_REQ_MAX_RC + 1, &m, &e);
	CU_ASSERT_EQUAL(m.type, DHCP6_MSG_SOLICIT);
	CU_ASSERT(mem_of(c, &srv1) != NULL);
	dhcp6c_free(c);
}

/* Mutated answers in every state: dropped and counted, no crash. */
static void
test_fuzz(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6c *c;
	struct ans a;
	uint8_t seed[1500], b[1500];
	size_t n;
	uint64_t x = 0x243f6a8885a308d3ULL;
	const struct dhcp6c_stats *st;

	base_cfg(&cfg);
	c = mk(&cfg);
	dhcp6c_start(c, now);
	st = dhcp6c_stats(c);
	for (int i = 0; i < 20000; i++) {
		if (ntx == 0 || i % 500 == 0)
			advance(c, now + 700);
		ans_init(&a, i % 2 ? DHCP6_MSG_REPLY : DHCP6_MSG_ADVERTISE,
		    ntx ? last_xid() : 0, &srv1);
		a.cont = i % 5;
		a.outer = i % 3 == 0 ? 1 : -1;
		n = mkans(&a, seed, sizeof(seed));
		memcpy(b, seed, n);
		for (int k = 0; k < 1 + i % 3; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[4 + x % (n - 4)] = (uint8_t)(x >> 32);
		}
		if (i % 9 == 0)
			n = x % n;
		dhcp6c_input(c, b, n, now);
		if (ntx > MAXTX - 4)
			ntx = 0;
		nev = 0;
	}
	CU_ASSERT_EQUAL(st->rx, 20000);
	CU_ASSERT(st->drop_malformed > 1000);
	CU_ASSERT(st->rx >= st->drop_malformed + st->drop_type +
	    st->drop_xid + st->drop_clientid + st->drop_serverid);
	dhcp6c_free(c);
}

/* ---- client against the server engine ------------------------------- */

static struct dhcp6s *srv;

static void
srv_cfg(struct dhcp6s_cfg *s, bool np_only)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "acc0");
	s->duid = srv1;
	s->codes = codes;
	inet_pton(AF_INET6, "2001:db8:100::", &s->pool);
	s->pool_len = 48;
	s->plen = 56;
	if (np_only) {
		s->grant[CONT_NON_PERSISTENT] = true;
		s->order[0] = CONT_NON_PERSISTENT;
		s->norder = 1;
	} else {
		s->grant[CONT_SESSION_LASTING] = true;
		s->grant[CONT_GRACEFUL] = true;
		s->order[0] = CONT_SESSION_LASTING;
		s->order[1] = CONT_GRACEFUL;
		s->norder = 2;
	}
	s->preferred = 40;
	s->valid = 60;
	s->max_bindings = 8;
}

/* Deliver what the client sent to the server and the answers back. */
static int pumped;

static void
pump(struct dhcp6c *c)
{
	uint8_t out[DHCP6S_MSG_MAX];
	size_t olen;

	while (pumped < ntx) {
		int i = pumped++;

		if (dhcp6s_input(srv, tx[i].b, tx[i].len, true, now, out,
		    sizeof(out), &olen) == 0 && olen > 0)
			dhcp6c_input(c, out, olen, now);
	}
}

static void
run(struct dhcp6c *c, uint64_t until)
{
	uint64_t t;

	pump(c);
	while ((t = dhcp6c_next_timeout(c)) <= until) {
		if (t > now)
			now = t;
		dhcp6c_timeout(c, now);
		dhcp6s_expire(srv, now);
		pump(c);
	}
	now = until;
}

static void
test_with_server(void)
{
	struct dhcp6c_cfg cfg;
	struct dhcp6s_cfg scfg;
	struct dhcp6c *c;
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	const struct dhcp6s_binding *b;
	uint8_t t;

	/* (a) granted, sticky over renewals, released at the end. */
	srv_cfg(&scfg, false);
	srv = dhcp6s_new(&scfg);
	CU_ASSERT_FATAL(srv != NULL);
	base_cfg(&cfg);
	c = mk(&cfg);
	pumped = 0;
	dhcp6c_start(c, now);
	run(c, now + 5000);
	CU_ASSERT_EQUAL_FATAL(dhcp6c_state(c), DHCP6C_BOUND);
	CU_ASSERT(dhcp6c_lease(c)->has_cont &&
	    dhcp6c_lease(c)->cont_type == CONT_SESSION_LASTING);
	run(c, now + 200 * 1000);		/* several renewals */
	CU_ASSERT(dhcp6c_stats(c)->renewed >= 5);
	CU_ASSERT_EQUAL(dhcp6c_stats(c)->violations, 0);
	sent(ntx - 1, &m, &e);
	CU_ASSERT(m.type == DHCP6_MSG_RENEW && has_opt(&m, &t) &&
	    t == CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(dhcp6s_bindings(srv, &b), 1);
	CU_ASSERT(b[0].has_cont);
	dhcp6c_release(c, now);
	run(c, now + 5000);
	CU_ASSERT_EQUAL(dhcp6c_state(c), DHCP6C_IDLE);
	CU_ASSERT_EQUAL(dhcp6s_bindings(srv, &b), 0);
	dhcp6c_free(c);

	/* (b) a legacy client: the option never appears, anywhere. */
	base_cfg(&cfg);
	cfg.ask = false;
	c = mk(&cfg);
	pumped = 0;
	dhcp6c_start(c, now);
	run(c, now + 100 * 1000);
	CU_ASSERT_EQUAL_FATAL(dhcp6c_state(c), DHCP6C_BOUND);
	CU_ASSERT(!dhcp6c_lease(c)->has_cont);
	CU_ASSERT_EQUAL(dhcp6c_stats(c)->violations, 0);
	CU_ASSERT_EQUAL(dhcp6s_bindings(srv, &b), 1);
	CU_ASSERT(!b[0].has_cont);
	dhcp6c_free(c);
	dhcp6s_free(srv);

	/* (c) only non-persistent granted: SL asked, NP reported. */
	srv_cfg(&scfg, true);
	srv = dhcp6s_new(&scfg);
	CU_ASSERT_FATAL(srv != NULL);
	base_cfg(&cfg);
	c = mk(&cfg);
	pumped = 0;
	dhcp6c_start(c, now);
	run(c, now + 5000);
	CU_ASSERT_EQUAL_FATAL(dhcp6c_state(c), DHCP6C_BOUND);
	CU_ASSERT(dhcp6c_lease(c)->has_cont && dhcp6c_lease(c)->mismatch &&
	    dhcp6c_lease(c)->cont_type == CONT_NON_PERSISTENT);
	CU_ASSERT(mem_of(c, &srv1) == NULL);	/* it does support it */
	dhcp6c_free(c);

	/* (d) ANY: no mismatch. */
	cfg.want = CONT_ANY;
	mkduid(&cfg.duid, 0x55);
	c = mk(&cfg);
	pumped = 0;
	dhcp6c_start(c, now);
	run(c, now + 5000);
	CU_ASSERT_FATAL(dhcp6c_lease(c) != NULL);
	CU_ASSERT(dhcp6c_lease(c)->has_cont && !dhcp6c_lease(c)->mismatch);
	dhcp6c_free(c);
	dhcp6s_free(srv);
}

static void
test_bad_cfg(void)
{
	struct dhcp6c_cfg cfg;

	base_cfg(&cfg);
	cfg.duid.len = 0;
	CU_ASSERT(dhcp6c_new(&cfg, &ops, NULL, 1) == NULL);
	base_cfg(&cfg);
	cfg.fallback_after = 0;
	CU_ASSERT(dhcp6c_new(&cfg, &ops, NULL, 1) == NULL);
	base_cfg(&cfg);
	cfg.want = 9;
	CU_ASSERT(dhcp6c_new(&cfg, &ops, NULL, 1) == NULL);
}

/* ---- the config sections -------------------------------------------- */

#define MAXMSG	32
static char msgs[MAXMSG][512];
static int nmsgs;
static char dir[64];

static void
sink(int prio, const char *m)
{
	(void)prio;
	if (nmsgs < MAXMSG)
		snprintf(msgs[nmsgs++], sizeof(msgs[0]), "%s", m);
}

static bool
said(const char *phrase)
{
	for (int i = 0; i < nmsgs; i++)
		if (strstr(msgs[i], phrase) != NULL)
			return true;
	return false;
}

static const char mnd_head[] =
    "sa 4096 { key_file = \"k.key\" }\n"
    "home_address = \"2001:db8:10::100\"\n"
    "home_prefix = \"2001:db8:10::/64\"\n"
    "home_agent = \"2001:db8:f::10\"\n"
    "ha_spi = 4096\n"
    "interfaces = {\"mn0\", \"mn1\"}\n";

static const char dhpd_head[] =
    "address = \"2001:db8:f::11\"\n"
    "interface = \"dhp0\"\n"
    "pools = {\"2001:db8:d1::/64\"}\n";

static const char *
write_conf(const char *name, const char *head, const char *body)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fprintf(f, "%s%s", head, body);
	fclose(f);
	chmod(path, 0600);
	nmsgs = 0;
	return path;
}

static void
test_conf_client(void)
{
	struct mnd_conf c, c2;
	const char *p;
	char printed[128];
	FILE *f;

	p = write_conf("m1.conf", mnd_head, "");
	CU_ASSERT_EQUAL_FATAL(mnd_conf_load(p, &c), 0);
	CU_ASSERT(c.dhcp6 == NULL);
	mnd_conf_free(&c);
	p = write_conf("m2.conf", mnd_head, "dhcp6 {\n\tinterfaces = {\"mn1\"}\n"
	    "\tcontinuity = \"graceful-replacement\"\n"
	    "\tanchor = \"2001:db8:1::1\"\n\tanchor_required = true\n"
	    "\tprefix_length = 56\n\tfallback_after = 2\n"
	    "\tretry_later = 30\n\taccept_outer_placement = true\n"
	    "\toption_code = 65100\n\tduid = \"00:03:00:01:02:00:00:00:00:09\"\n"
	    "}\n");
	CU_ASSERT_EQUAL_FATAL(mnd_conf_load(p, &c), 0);
	CU_ASSERT_FATAL(c.dhcp6 != NULL);
	CU_ASSERT(c.dhcp6->ninterfaces == 1 &&
	    strcmp(c.dhcp6->interfaces[0], "mn1") == 0);
	CU_ASSERT(c.dhcp6->ask && c.dhcp6->want == CONT_GRACEFUL);
	CU_ASSERT(c.dhcp6->has_anchor && c.dhcp6->anchor_required);
	CU_ASSERT(c.dhcp6->prefix_length == 56 &&
	    c.dhcp6->fallback_after == 2 && c.dhcp6->retry_later == 30);
	CU_ASSERT(c.dhcp6->accept_outer && !c.dhcp6->release_on_mismatch);
	CU_ASSERT(c.dhcp6->codes.continuity == 65100 &&
	    c.dhcp6->codes.anchor_pref == 65002);
	CU_ASSERT(c.dhcp6->duid.len == 10 && c.dhcp6->duid.b[9] == 9);
	/* Printed, it loads again to the same section. */
	snprintf(printed, sizeof(printed), "%s/printed.conf", dir);
	f = fopen(printed, "w");
	CU_ASSERT_FATAL(f != NULL);
	mnd_conf_print(f, &c);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(mnd_conf_load(printed, &c2), 0);
	CU_ASSERT_FATAL(c2.dhcp6 != NULL);
	CU_ASSERT(c2.dhcp6->want == c.dhcp6->want &&
	    c2.dhcp6->accept_outer && c2.dhcp6->retry_later == 30 &&
	    dhcp6_duid_eq(&c2.dhcp6->duid, &c.dhcp6->duid) &&
	    c2.dhcp6->ninterfaces == 1);
	mnd_conf_free(&c2);
	mnd_conf_free(&c);
	/* Defaults: every interface, session-lasting. "none": legacy. */
	p = write_conf("m3.conf", mnd_head, "dhcp6 {\n}\n");
	CU_ASSERT_EQUAL_FATAL(mnd_conf_load(p, &c), 0);
	CU_ASSERT(c.dhcp6 != NULL && c.dhcp6->ninterfaces == 2 &&
	    c.dhcp6->ask && c.dhcp6->want == CONT_SESSION_LASTING &&
	    c.dhcp6->fallback_after == CONF_DHCP6_FALLBACK_DEFAULT &&
	    c.dhcp6->codes.continuity == 65001);
	mnd_conf_free(&c);
	p = write_conf("m4.conf", mnd_head, "dhcp6 {\n\tcontinuity = \"none\"\n}\n");
	CU_ASSERT_EQUAL_FATAL(mnd_conf_load(p, &c), 0);
	CU_ASSERT(c.dhcp6 != NULL && !c.dhcp6->ask);
	mnd_conf_free(&c);
	/* Errors, with their lines. */
	p = write_conf("m5.conf", mnd_head, "dhcp6 {\n"
	    "\tinterfaces = {\"wlan9\"}\n"
	    "\tcontinuity = \"forever\"\n"
	    "\tanchor_required = true\n"
	    "\toption_code = 25\n"
	    "\tduid = \"zz\"\n"
	    "}\n");
	CU_ASSERT_EQUAL(mnd_conf_load(p, &c), -1);
	CU_ASSERT(said("m5.conf:8: dhcp6: interface \"wlan9\" is not in mnd's"));
	CU_ASSERT(said("m5.conf:9: continuity: unknown value \"forever\""));
	CU_ASSERT(said("m5.conf:10: dhcp6: anchor_required needs an anchor"));
	CU_ASSERT(said("m5.conf:11: dhcp6: option_code = 25 is a DHCPv6"));
	CU_ASSERT(said("m5.conf:12: dhcp6: duid \"zz\""));
	p = write_conf("m6.conf", mnd_head, "dhcp6 {\n}\ndhcp6 {\n}\n");
	CU_ASSERT_EQUAL(mnd_conf_load(p, &c), -1);
	CU_ASSERT(said("only one dhcp6 section"));
}

static void
test_conf_server(void)
{
	struct dhpd_conf c;
	const char *p;
	char a[INET6_ADDRSTRLEN];

	p = write_conf("d1.conf", dhpd_head, "dhcp6 {\n"
	    "\tinterface = \"acc0\"\n\tpool = \"2001:db8:100::/48\"\n"
	    "\tprefix_length = 56\n"
	    "\tcontinuity_types = {\"non-persistent\", \"fixed\"}\n"
	    "\tpreferred_lifetime = 100\n\tvalid_lifetime = 200\n"
	    "\trenew_time = 50\n\trebind_time = 80\n\trapid_commit = true\n"
	    "\tpreference = 5\n}\n");
	CU_ASSERT_EQUAL_FATAL(dhpd_conf_load(p, &c), 0);
	CU_ASSERT_FATAL(c.dhcp6 != NULL);
	CU_ASSERT_STRING_EQUAL(c.dhcp6->interface, "acc0");
	CU_ASSERT(c.dhcp6->pool.len == 48 && c.dhcp6->prefix_length == 56);
	CU_ASSERT(c.dhcp6->norder == 2 &&
	    c.dhcp6->order[0] == CONT_NON_PERSISTENT &&
	    c.dhcp6->order[1] == CONT_FIXED && c.dhcp6->grant[CONT_FIXED] &&
	    !c.dhcp6->grant[CONT_SESSION_LASTING]);
	CU_ASSERT(c.dhcp6->preferred_lifetime == 100 &&
	    c.dhcp6->valid_lifetime == 200 && c.dhcp6->renew_time == 50 &&
	    c.dhcp6->rebind_time == 80 && c.dhcp6->rapid_commit &&
	    c.dhcp6->preference == 5);
	/* The anchor defaults to dhpd's address. */
	CU_ASSERT_STRING_EQUAL(inet_ntop(AF_INET6, &c.dhcp6->anchor, a,
	    sizeof(a)), "2001:db8:f::11");
	dhpd_conf_free(&c);
	p = write_conf("d2.conf", dhpd_head, "dhcp6 {\n"
	    "\tpool = \"2001:db8:d1::/48\"\n"
	    "\tprefix_length = 80\n"
	    "\tcontinuity_types = {\"any\"}\n"
	    "\tpreferred_lifetime = 300\n\tvalid_lifetime = 200\n"
	    "\trenew_time = 90\n"
	    "}\n");
	CU_ASSERT_EQUAL(dhpd_conf_load(p, &c), -1);
	CU_ASSERT(said("d2.conf:4: dhcp6: 'interface' is required"));
	CU_ASSERT(said("d2.conf:6: dhcp6: prefix_length 80 must be 48..72"));
	CU_ASSERT(said("d2.conf:5: dhcp6: pool 2001:db8:d1::/48 overlaps the "
	    "DHoA pool 2001:db8:d1::/64"));
	CU_ASSERT(said("d2.conf:7: dhcp6: \"any\" is not a type a server "
	    "grants"));
	CU_ASSERT(said("d2.conf:8: dhcp6: preferred_lifetime 300 is longer"));
	CU_ASSERT(said("d2.conf:10: dhcp6: renew_time and rebind_time"));
}

static void
quiet(int prio, const char *m)
{
	(void)prio;
	(void)m;
}

static int
conf_setup(void)
{
	char key[128];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/test_dhcp6c.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(key, sizeof(key), "%s/k.key", dir);
	if ((f = fopen(key, "w")) == NULL)
		return -1;
	fputs("7645c93757113a6d2244b7ca4de29e7d"
	    "f55bb657499c03b9d789e588b2b6c57f\n", f);
	fclose(f);
	chmod(key, 0600);
	log_set_sink(sink);
	return 0;
}

static int
conf_teardown(void)
{
	char cmd[128];

	log_set_sink(quiet);
	/* Only our own mkdtemp() directory. */
	snprintf(cmd, sizeof(cmd), "%s/k.key", dir);
	unlink(cmd);
	for (int i = 1; i <= 6; i++) {
		snprintf(cmd, sizeof(cmd), "%s/m%d.conf", dir, i);
		unlink(cmd);
		snprintf(cmd, sizeof(cmd), "%s/d%d.conf", dir, i);
		unlink(cmd);
	}
	snprintf(cmd, sizeof(cmd), "%s/printed.conf", dir);
	unlink(cmd);
	rmdir(dir);
	return 0;
}

static CU_TestInfo engine_tests[] = {
	{ "SOLICIT form and RFC 8415 timers", test_solicit_form_and_timers },
	{ "the supporting server is preferred", test_prefers_supporting },
	{ "legacy server: rule 1, retry later", test_legacy_server_retry_later },
	{ "no answer: fall back, remember, link", test_no_answer_fallback },
	{ "status instead of a prefix", test_status_fallback },
	{ "preference 255", test_preference_255 },
	{ "rule 3 mismatch and release", test_mismatch_release },
	{ "rule 4 violations", test_sticky_violations },
	{ "[P] placement outside the IAPREFIX", test_outer_placement },
	{ "validation drops", test_drops },
	{ "lifetimes, REBIND, expiry", test_lifetimes_rebind_expiry },
	{ "NoBinding, REQUEST retransmissions", test_nobinding_and_request_mrc },
	{ "mutated answers never crash", test_fuzz },
	{ "bad engine config", test_bad_cfg },
	CU_TEST_INFO_NULL
};

static CU_TestInfo pair_tests[] = {
	{ "client against dhcp6s", test_with_server },
	CU_TEST_INFO_NULL
};

static CU_TestInfo conf_tests[] = {
	{ "mnd.conf dhcp6 section", test_conf_client },
	{ "dhpd.conf dhcp6 section", test_conf_server },
	CU_TEST_INFO_NULL
};

static int
cu_register(void)
{
	CU_pSuite s;

	log_init("test_dhcp6c", 1, LOG_LVL_WARN);
	log_set_sink(quiet);
	dhcp6_codes_default(&codes);
	mkduid(&me, 0x01);
	mkduid(&srv1, 0xa1);
	mkduid(&srv2, 0xa2);
	CU_SUITE("dhcp6c", engine_tests);
	CU_SUITE("dhcp6c+dhcp6s", pair_tests);
	if ((s = CU_add_suite("conf_dhcp6", conf_setup, conf_teardown)) ==
	    NULL)
		return -1;
	for (const CU_TestInfo *t = conf_tests; t->pName; t++)
		if (CU_add_test(s, t->pName, t->pTestFunc) == NULL)
			return -1;
	return 0;
}
