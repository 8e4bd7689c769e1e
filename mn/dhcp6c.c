/*
 * dhcp6c.c: DHCPv6 prefix-delegation client engine with the IPv6
 * Continuity Service option (see dhcp6c.h; RFC 8415 15, 18.2;
 * PROTOCOL.md D.2-D.4, F.20, F.23).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp6_ext.h"
#include "dhcp6c.h"
#include "log.h"

#define MSG_MAX		1500
#define NEVER		UINT64_MAX

/* An ADVERTISE worth requesting (RFC 8415 18.2.9). */
struct advert {
	bool		valid;
	struct dhcp6_duid server;
	uint8_t		pref;
	bool		supports, outer;
	uint8_t		cont_type;
	struct dhcp6_prefix prefix;
};

/* The exchange in progress (RFC 8415 15). */
struct exch {
	uint8_t		type;		/* DHCP6_MSG_* we send */
	uint32_t	xid;
	uint64_t	start;		/* first transmission */
	uint64_t	next;		/* next transmission */
	uint64_t	rt, irt, mrt;	/* ms */
	unsigned	mrc;		/* 0: no limit */
	uint64_t	mrd_end;	/* NEVER: no limit */
	unsigned	rc;		/* transmissions so far */
	bool		opt;		/* carries the continuity option */
	bool		trial;		/* ...and may drop it (not sticky) */
	uint8_t		opt_type;
	bool		has_server;	/* REQUEST, RENEW, RELEASE */
	struct dhcp6_duid server;
	bool		has_prefix;
	struct dhcp6_prefix prefix;
};

struct dhcp6c {
	struct dhcp6c_cfg	cfg;
	struct dhcp6c_ops	ops;
	void			*arg;
	uint64_t		rng;
	enum dhcp6c_state	state;
	struct exch		x;
	struct advert		best;
	bool			sol_no_opt;	/* fell back in this attach */
	bool			have_lease;
	struct dhcp6c_lease	lease;
	uint64_t		t1_at, t2_at, valid_end;
	uint64_t		sol_max_rt;	/* ms, may come from a server */
	struct dhcp6c_memory	mem[DHCP6C_MEMORY_MAX];
	size_t			nmem;
	struct dhcp6c_stats	st;
};

/* What a REPLY or ADVERTISE says about our IA_PD. */
struct answer {
	const struct dhcp6_ia_pd *ia;
	const struct dhcp6_prefix *p;	/* the usable prefix, or NULL */
	const struct dhcp6_prefix *gone; /* ours with valid 0 */
	bool		has_status;	/* non-success, top level or IA */
	uint16_t	status;
	bool		supports;	/* option for the prefix, accepted */
	bool		outer;		/* ...found outside the IAPREFIX */
	bool		misplaced;	/* outside, and not accepted */
	uint8_t		cont_type;
};

static const char *const state_names[DHCP6C_STATE_MAX] = {
	"IDLE", "SOLICIT", "REQUEST", "BOUND", "RENEW", "REBIND", "RELEASE",
};

static const char *const why_names[DHCP6C_WHY_MAX] = {
	"no answer with the option", "answered without the option",
	"status code instead of a prefix", "option outside the IAPREFIX",
};

const char *
dhcp6c_state_name(enum dhcp6c_state s)
{
	return (unsigned)s < DHCP6C_STATE_MAX ? state_names[s] : "?";
}

const char *
dhcp6c_why_name(enum dhcp6c_why w)
{
	return (unsigned)w < DHCP6C_WHY_MAX ? why_names[w] : "?";
}

const char *
dhcp6c_event_name(enum dhcp6c_event e)
{
	static const char *const names[] = {
		"bound", "renewed", "lost", "released",
	};

	return (unsigned)e < sizeof(names) / sizeof(names[0]) ?
	    names[e] : "?";
}

/* ---- small helpers ---------------------------------------------------- */

/* xorshift64*: deterministic for a seed, good enough for xids/jitter. */
static uint64_t
rnd(struct dhcp6c *c)
{
	uint64_t x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* base * RAND, RAND in [-0.1, 0.1], or in (0, 0.1] when positive
 * (RFC 8415 15 and 18.2.1 for the first Solicit). */
static int64_t
jitter(struct dhcp6c *c, uint64_t base, bool positive)
{
	int64_t r = positive ? (int64_t)(rnd(c) % 1000) + 1 :
	    (int64_t)(rnd(c) % 2001) - 1000;

	return (int64_t)base * r / 10000;
}

static const char *
duid_s(const struct dhcp6_duid *d, char *buf, size_t cap)
{
	return d->len == 0 ? "(link)" : dhcp6_duid_str(d, buf, cap);
}

static void
set_state(struct dhcp6c *c, enum dhcp6c_state s, const char *why)
{
	if (c->state != s)
		log_info("dhcp6c %s: %s -> %s (%s)", c->cfg.ifname,
		    dhcp6c_state_name(c->state), dhcp6c_state_name(s), why);
	c->state = s;
}

static void
emit(struct dhcp6c *c, enum dhcp6c_event ev)
{
	if (c->ops.lease != NULL)
		c->ops.lease(c->arg, ev, &c->lease);
}

static uint64_t
at(uint64_t now, uint32_t secs)
{
	return secs == DHCP6C_INFINITY ? NEVER : now + (uint64_t)secs * 1000;
}

/* ---- the memory of servers without the option (D.4 rule 2) ----------- */

static struct dhcp6c_memory *
mem_find(struct dhcp6c *c, const struct dhcp6_duid *server)
{
	for (size_t i = 0; i < c->nmem; i++)
		if (dhcp6_duid_eq(&c->mem[i].server, server))
			return &c->mem[i];
	return NULL;
}

static void
remember(struct dhcp6c *c, const struct dhcp6_duid *server,
    enum dhcp6c_why why, uint64_t now)
{
	struct dhcp6c_memory *m = mem_find(c, server);
	char d[2 * DHCP6_DUID_MAX + 1];

	if (m == NULL) {
		if (c->nmem < DHCP6C_MEMORY_MAX)
			m = &c->mem[c->nmem++];
		else {	/* the one that expires first makes room */
			m = &c->mem[0];
			for (size_t i = 1; i < c->nmem; i++)
				if (c->mem[i].expiry_ms < m->expiry_ms)
					m = &c->mem[i];
		}
		m->server = *server;
	}
	m->why = why;
	m->expiry_ms = now + (uint64_t)c->cfg.retry_later_s * 1000;
	c->st.remembered++;
	log_info("dhcp6c %s: server %s does not support the continuity "
	    "option (%s); not used with it for %us (D.4 rule 2)",
	    c->cfg.ifname, duid_s(server, d, sizeof(d)), dhcp6c_why_name(why),
	    c->cfg.retry_later_s);
}

static void
mem_expire(struct dhcp6c *c, uint64_t now)
{
	char d[2 * DHCP6_DUID_MAX + 1];

	for (size_t i = 0; i < c->nmem;) {
		if (c->mem[i].expiry_ms > now) {
			i++;
			continue;
		}
		c->st.retried++;
		log_info("dhcp6c %s: server %s: memory expired, the "
		    "continuity option will be tried again (D.4 rule 2)",
		    c->cfg.ifname, duid_s(&c->mem[i].server, d, sizeof(d)));
		c->mem[i] = c->mem[--c->nmem];
	}
}

static bool
link_remembered(struct dhcp6c *c)
{
	struct dhcp6_duid none = { .len = 0 };

	return mem_find(c, &none) != NULL;
}

/* ---- building and sending --------------------------------------------- */

static ssize_t
build(struct dhcp6c *c, uint64_t now, uint8_t *buf, size_t cap)
{
	const struct exch *x = &c->x;
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	struct dhcp6_prefix *p = NULL;
	struct dhcp6_ia_pd *ia;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = x->type;
	m.xid = x->xid;
	m.clientid = c->cfg.duid;
	if (x->has_server)
		m.serverid = x->server;
	m.n_ia_pd = 1;
	ia = &m.ia_pd[0];
	ia->iaid = c->cfg.iaid;
	if (x->has_prefix || x->opt || c->cfg.plen_hint != 0) {
		p = &ia->prefix[ia->n_prefix++];
		if (x->has_prefix) {
			p->prefix = x->prefix.prefix;
			p->plen = x->prefix.plen;
		} else
			p->plen = c->cfg.plen_hint;	/* prefix :: */
	}
	if (x->opt && p != NULL) {
		p->o.has_continuity = true;
		p->o.cont_type = x->opt_type;
		/* D.4 rule 5: the anchor wanted, with the type inside. */
		if (c->cfg.has_anchor && (x->type == DHCP6_MSG_SOLICIT ||
		    x->type == DHCP6_MSG_REQUEST)) {
			p->o.has_anchor = true;
			p->o.anchor = c->cfg.anchor;
			p->o.anchor_flags = c->cfg.anchor_required ?
			    DHCP6_ANCHOR_F_REQUIRED : 0;
			p->o.anchor_has_cont = true;
			p->o.anchor_cont_type = x->opt_type;
		}
	}
	if ((n = dhcp6_build(&m, &c->cfg.codes, buf, cap)) < 0)
		return n;
	memset(&e, 0, sizeof(e));
	e.has_elapsed = true;
	e.elapsed = dhcp6_elapsed(x->start, now);
	if (x->type != DHCP6_MSG_RELEASE) {
		/* RFC 8415 18.2.1-18.2.5: ask for SOL_MAX_RT. */
		e.oro[e.n_oro++] = DHCP6_OPT_SOL_MAX_RT;
	}
	return dhcp6_ext_append(buf, (size_t)n, cap, &c->cfg.codes, &e);
}

static uint64_t
next_rt(struct dhcp6c *c)
{
	struct exch *x = &c->x;
	int64_t rt;

	if (x->rc == 1)
		rt = (int64_t)x->irt + jitter(c, x->irt,
		    x->type == DHCP6_MSG_SOLICIT);
	else
		rt = 2 * (int64_t)x->rt + jitter(c, x->rt, false);
	if (x->mrt != 0 && rt > (int64_t)x->mrt)
		rt = (int64_t)x->mrt + jitter(c, x->mrt, false);
	return rt > 0 ? (uint64_t)rt : 1;
}

static void
transmit(struct dhcp6c *c, uint64_t now)
{
	struct exch *x = &c->x;
	uint8_t buf[MSG_MAX];
	ssize_t n;

	if (x->rc == 0)
		x->start = now;
	x->rc++;
	x->rt = next_rt(c);
	x->next = now + x->rt;
	if (x->next > x->mrd_end)
		x->next = x->mrd_end;
	if ((n = build(c, now, buf, sizeof(buf))) < 0) {
		c->st.tx_errors++;
		log_warnx("dhcp6c %s: cannot build %s: %s", c->cfg.ifname,
		    dhcp6_msg_name(x->type), dhcp6_strerror((int)n));
		return;
	}
	if (c->ops.send(c->arg, buf, (size_t)n) == -1) {
		c->st.tx_errors++;
		return;
	}
	c->st.tx++;
	if (x->opt)
		c->st.tx_with_option++;
	log_debug("dhcp6c %s: tx %s xid %06x #%u%s%s, next in %llu ms",
	    c->cfg.ifname, dhcp6_msg_name(x->type), x->xid, x->rc,
	    x->opt ? " with continuity " : " without the option",
	    x->opt ? dhcp6_cont_name(x->opt_type) : "",
	    (unsigned long long)x->rt);
}

/* A new exchange: new xid, timers from the type (RFC 8415 7.6). */
static void
begin(struct dhcp6c *c, uint8_t type, uint64_t now, uint64_t delay)
{
	struct exch *x = &c->x;
	uint32_t xid = (uint32_t)(rnd(c) & 0xffffff);

	if (xid == x->xid)	/* never reuse the last one */
		xid = (xid + 1) & 0xffffff;
	memset(x, 0, sizeof(*x));
	x->type = type;
	x->xid = xid;
	x->mrd_end = NEVER;
	switch (type) {
	case DHCP6_MSG_SOLICIT:
		x->irt = DHCP6C_SOL_TIMEOUT;
		x->mrt = c->sol_max_rt;
		break;
	case DHCP6_MSG_REQUEST:
		x->irt = DHCP6C_REQ_TIMEOUT;
		x->mrt = DHCP6C_REQ_MAX_RT;
		x->mrc = DHCP6C_REQ_MAX_RC;
		break;
	case DHCP6_MSG_RENEW:
		x->irt = DHCP6C_REN_TIMEOUT;
		x->mrt = DHCP6C_REN_MAX_RT;
		break;
	case DHCP6_MSG_REBIND:
		x->irt = DHCP6C_REB_TIMEOUT;
		x->mrt = DHCP6C_REB_MAX_RT;
		break;
	default:	/* RELEASE */
		x->irt = DHCP6C_REL_TIMEOUT;
		x->mrc = DHCP6C_REL_MAX_RC;
		break;
	}
	x->next = now + delay;
}

static void
begin_solicit(struct dhcp6c *c, uint64_t now, uint64_t delay,
    const char *why)
{
	begin(c, DHCP6_MSG_SOLICIT, now, delay);
	c->x.opt = c->cfg.ask && !c->sol_no_opt && !link_remembered(c);
	c->x.trial = true;
	c->x.opt_type = c->cfg.want;
	memset(&c->best, 0, sizeof(c->best));
	set_state(c, DHCP6C_SOLICIT, why);
	if (delay == 0)
		transmit(c, now);
}

/* RENEW/REBIND/RELEASE name the lease's prefix; the option goes along
 * when it was granted (rule 4), and in a RENEW also as a trial to a
 * server that is not (or no more) remembered (rule 2, retry later). */
static void
begin_lease_msg(struct dhcp6c *c, uint8_t type, uint64_t now)
{
	begin(c, type, now, 0);
	c->x.has_prefix = true;
	c->x.prefix.prefix = c->lease.prefix;
	c->x.prefix.plen = c->lease.plen;
	c->x.has_server = type != DHCP6_MSG_REBIND;
	c->x.server = c->lease.server;
	c->x.opt = c->lease.has_cont;
	c->x.opt_type = c->lease.has_cont ? c->lease.cont_type : c->cfg.want;
	if (type == DHCP6_MSG_RENEW && !c->lease.has_cont && c->cfg.ask &&
	    mem_find(c, &c->lease.server) == NULL) {
		c->x.opt = true;
		c->x.trial = true;
	}
}

static void
begin_rebind(struct dhcp6c *c, uint64_t now, uint64_t mrd_end,
    const char *why)
{
	begin_lease_msg(c, DHCP6_MSG_REBIND, now);
	c->x.mrd_end = mrd_end < c->valid_end ? mrd_end : c->valid_end;
	set_state(c, DHCP6C_REBIND, why);
	transmit(c, now);
}

static void
begin_request(struct dhcp6c *c, uint64_t now, const struct advert *a,
    bool opt)
{
	char d[2 * DHCP6_DUID_MAX + 1];
	char why[64 + 2 * DHCP6_DUID_MAX];

	begin(c, DHCP6_MSG_REQUEST, now, 0);
	c->x.has_server = true;
	c->x.server = a->server;
	c->x.has_prefix = true;
	c->x.prefix = a->prefix;
	/* The type the server first used (rule 4), else the one wanted. */
	c->x.opt = opt;
	c->x.trial = true;
	c->x.opt_type = a->supports ? a->cont_type : c->cfg.want;
	snprintf(why, sizeof(why), "server %s%s",
	    duid_s(&a->server, d, sizeof(d)),
	    opt ? ", option honoured" : ", without the option");
	set_state(c, DHCP6C_REQUEST, why);
	transmit(c, now);
}

/* ---- the lease -------------------------------------------------------- */

static void
set_timers(struct dhcp6c *c, const struct dhcp6_ia_pd *ia, uint64_t now)
{
	struct dhcp6c_lease *l = &c->lease;
	uint32_t t1 = ia->t1, t2 = ia->t2;

	/* RFC 8415 21.21: 0 leaves them to the client; 0.5 and 0.8 of
	 * the preferred lifetime (14.2). */
	if (t1 == 0 || t2 == 0) {
		if (l->preferred == DHCP6C_INFINITY)
			t1 = t2 = DHCP6C_INFINITY;
		else {
			t1 = l->preferred / 2;
			t2 = (uint32_t)((uint64_t)l->preferred * 4 / 5);
		}
	}
	if (t1 == 0)
		t1 = 1;		/* never renew in a tight loop */
	if (t2 < t1)
		t2 = t1;
	l->t1 = t1;
	l->t2 = t2;
	l->granted_ms = now;
	c->t1_at = at(now, t1);
	c->t2_at = at(now, t2);
	c->valid_end = at(now, l->valid);
}

static void
lose(struct dhcp6c *c, uint64_t now, const char *why)
{
	char p[INET6_ADDRSTRLEN];

	if (c->have_lease) {
		log_info("dhcp6c %s: prefix %s/%u lost (%s)", c->cfg.ifname,
		    inet_ntop(AF_INET6, &c->lease.prefix, p, sizeof(p)),
		    c->lease.plen, why);
		c->have_lease = false;
		c->st.lost++;
		emit(c, DHCP6C_EV_LOST);
	}
	begin_solicit(c, now, rnd(c) % DHCP6C_SOL_MAX_DELAY, why);
}

static void
released(struct dhcp6c *c, const char *why)
{
	if (c->have_lease) {
		c->have_lease = false;
		c->st.released++;
		emit(c, DHCP6C_EV_RELEASED);
	}
	set_state(c, DHCP6C_IDLE, why);
}

/* ---- reading answers -------------------------------------------------- */

static bool
prefix_eq(const struct dhcp6_prefix *p, const struct in6_addr *a,
    uint8_t plen)
{
	return p->plen == plen && memcmp(&p->prefix, a, sizeof(*a)) == 0;
}

static bool
usable(const struct dhcp6_prefix *p)
{
	return p->valid > 0 && p->preferred <= p->valid && p->plen >= 1 &&
	    p->plen <= 128 && (!p->o.status.has ||
	    p->o.status.code == DHCP6_ST_SUCCESS);
}

/* want: the lease's prefix (RENEW, REBIND), or NULL for any. */
static void
analyse(struct dhcp6c *c, const struct dhcp6_msg *m,
    const struct dhcp6_ext *e, const struct dhcp6c_lease *want,
    struct answer *a)
{
	const struct dhcp6_ext_ia *xia = NULL;
	bool outer_has = false;
	uint8_t outer_type = 0;

	memset(a, 0, sizeof(*a));
	if (m->status.has && m->status.code != DHCP6_ST_SUCCESS) {
		a->has_status = true;
		a->status = m->status.code;
	}
	for (size_t i = 0; i < m->n_ia_pd && a->ia == NULL; i++)
		if (m->ia_pd[i].iaid == c->cfg.iaid) {
			a->ia = &m->ia_pd[i];
			xia = i < e->n_ia_pd ? &e->ia_pd[i] : NULL;
		}
	if (a->ia == NULL)
		return;
	/* RFC 8415 21.21: T1 > T2 (both set) makes the IA_PD invalid. */
	if (a->ia->t1 != 0 && a->ia->t2 != 0 && a->ia->t1 > a->ia->t2) {
		a->ia = NULL;
		return;
	}
	if (!a->has_status && a->ia->status.has &&
	    a->ia->status.code != DHCP6_ST_SUCCESS) {
		a->has_status = true;
		a->status = a->ia->status.code;
	}
	for (size_t i = 0; i < a->ia->n_prefix; i++) {
		const struct dhcp6_prefix *p = &a->ia->prefix[i];

		if (want != NULL && !prefix_eq(p, &want->prefix, want->plen))
			continue;
		if (p->valid == 0 && want != NULL)
			a->gone = p;
		else if (a->p == NULL && usable(p))
			a->p = p;
	}
	if (a->p == NULL)
		return;
	if (xia != NULL && xia->has_cont) {
		outer_has = true;
		outer_type = xia->cont_type;
	} else if (e->has_cont) {
		outer_has = true;
		outer_type = e->cont_type;
	}
	if (a->p->o.has_continuity) {
		a->supports = true;
		a->cont_type = a->p->o.cont_type;
	} else if (outer_has && c->cfg.accept_outer) {
		a->supports = a->outer = true;
		a->cont_type = outer_type;
	} else if (outer_has)
		a->misplaced = true;
}

static bool
better(const struct advert *a, const struct advert *b)
{
	if (!b->valid || a->pref != b->pref)
		return !b->valid || a->pref > b->pref;
	return a->supports && !b->supports;
}

static void
on_advertise(struct dhcp6c *c, const struct dhcp6_msg *m,
    const struct dhcp6_ext *e, uint64_t now)
{
	struct answer a;
	struct advert adv;
	char d[2 * DHCP6_DUID_MAX + 1];

	analyse(c, m, e, NULL, &a);
	c->st.rx_advertise++;
	if (a.p == NULL) {
		/* RFC 8415 18.2.9: ignored; D.4 rule 2 when we asked. */
		c->st.drop_no_prefix++;
		log_debug("dhcp6c %s: ADVERTISE from %s without a prefix "
		    "(%s), ignored", c->cfg.ifname,
		    duid_s(&m->serverid, d, sizeof(d)),
		    a.has_status ? dhcp6_status_name(a.status) : "none");
		if (c->x.opt && a.has_status) {
			remember(c, &m->serverid, DHCP6C_WHY_STATUS, now);
			if (!c->best.valid) {
				c->st.fallbacks++;
				c->sol_no_opt = true;
				begin_solicit(c, now, 0, "status with the "
				    "option: retry without it (D.4 rule 2)");
			}
		}
		return;
	}
	memset(&adv, 0, sizeof(adv));
	adv.valid = true;
	adv.server = m->serverid;
	adv.pref = e->has_pref ? e->pref : 0;
	adv.prefix = *a.p;
	if (c->x.opt) {
		adv.supports = a.supports;
		adv.outer = a.outer;
		adv.cont_type = a.cont_type;
		if (!a.supports)
			remember(c, &m->serverid, a.misplaced ?
			    DHCP6C_WHY_PLACEMENT : DHCP6C_WHY_IGNORED, now);
	} else if (a.supports || a.misplaced) {
		c->st.violations++;
		log_info("dhcp6c %s: server %s added the continuity option "
		    "we did not send (D.4 rule 4); ignored", c->cfg.ifname,
		    duid_s(&m->serverid, d, sizeof(d)));
	}
	if (better(&adv, &c->best))
		c->best = adv;
	/* 18.2.1: preference 255 at once; after the first RT, the first. */
	if (adv.pref == 255 || c->x.rc > 1)
		begin_request(c, now, &c->best, c->x.opt && c->best.supports);
}

/* The option in a REPLY for a prefix: the lease's view of it. */
static void
take_option(struct dhcp6c *c, const struct dhcp6_msg *m,
    const struct answer *a, uint64_t now)
{
	struct dhcp6c_lease *l = &c->lease;
	char d[2 * DHCP6_DUID_MAX + 1];

	duid_s(&m->serverid, d, sizeof(d));
	if (!c->x.opt) {
		if (a->supports || a->misplaced) {
			c->st.violations++;
			log_info("dhcp6c %s: server %s added the continuity "
			    "option we did not send (D.4 rule 4); ignored",
			    c->cfg.ifname, d);
		}
		return;
	}
	if (a->supports && !l->has_cont) {
		l->has_cont = true;
		l->cont_type = a->cont_type;
		l->outer = a->outer;
		l->mismatch = c->cfg.want != CONT_ANY &&
		    a->cont_type != c->cfg.want;
		if (l->mismatch) {
			c->st.mismatches++;
			log_warnx("dhcp6c %s: asked %s, server %s granted %s "
			    "(D.4 rule 3)", c->cfg.ifname,
			    dhcp6_cont_name(c->cfg.want), d,
			    dhcp6_cont_name(a->cont_type));
		}
	} else if (l->has_cont && !a->supports) {
		c->st.violations++;
		log_warnx("dhcp6c %s: server %s dropped the continuity option "
		    "it granted (D.4 rule 4); the prefix is non-persistent",
		    c->cfg.ifname, d);
		l->has_cont = false;
		l->cont_type = CONT_NON_PERSISTENT;
	} else if (l->has_cont && a->cont_type != l->cont_type) {
		c->st.violations++;
		log_warnx("dhcp6c %s: server %s changed the type from %s to "
		    "%s (D.4 rule 4)", c->cfg.ifname, d,
		    dhcp6_cont_name(l->cont_type),
		    dhcp6_cont_name(a->cont_type));
		l->cont_type = a->cont_type;
	} else if (!l->has_cont)
		remember(c, &m->serverid, a->misplaced ?
		    DHCP6C_WHY_PLACEMENT : DHCP6C_WHY_IGNORED, now);
}

static void
log_lease(struct dhcp6c *c, const char *what)
{
	const struct dhcp6c_lease *l = &c->lease;
	char p[INET6_ADDRSTRLEN];

	log_info("dhcp6c %s: %s %s/%u preferred %us valid %us T1 %us T2 %us,"
	    " %s%s", c->cfg.ifname, what,
	    inet_ntop(AF_INET6, &l->prefix, p, sizeof(p)), l->plen,
	    l->preferred, l->valid, l->t1, l->t2,
	    dhcp6_cont_name(l->cont_type), l->has_cont ?
	    " (granted by the server)" : " (server does not support the "
	    "option)");
}

static void
on_reply_request(struct dhcp6c *c, const struct dhcp6_msg *m,
    const struct dhcp6_ext *e, uint64_t now)
{
	struct dhcp6c_lease *l = &c->lease;
	struct answer a;

	analyse(c, m, e, NULL, &a);
	if (a.p == NULL) {
		log_info("dhcp6c %s: REPLY without a prefix (%s)",
		    c->cfg.ifname, a.has_status ?
		    dhcp6_status_name(a.status) : "no status");
		if (c->x.opt && a.has_status) {
			remember(c, &m->serverid, DHCP6C_WHY_STATUS, now);
			c->st.fallbacks++;
			c->sol_no_opt = true;
		}
		begin_solicit(c, now, 0, "REQUEST refused");
		return;
	}
	memset(l, 0, sizeof(*l));
	l->prefix = a.p->prefix;
	l->plen = a.p->plen;
	l->preferred = a.p->preferred;
	l->valid = a.p->valid;
	l->server = m->serverid;
	l->asked = c->x.opt;
	l->cont_type = CONT_NON_PERSISTENT;	/* D.4 rule 1 */
	take_option(c, m, &a, now);
	/* A server that only answered once the option was dropped. */
	if (!c->x.opt && c->cfg.ask && c->sol_no_opt &&
	    mem_find(c, &m->serverid) == NULL)
		remember(c, &m->serverid, DHCP6C_WHY_NO_ANSWER, now);
	set_timers(c, a.ia, now);
	c->have_lease = true;
	c->st.bound++;
	set_state(c, DHCP6C_BOUND, "REPLY");
	log_lease(c, "bound");
	emit(c, DHCP6C_EV_BOUND);
	if (l->mismatch && c->cfg.release_on_mismatch)
		dhcp6c_release(c, now);
}

static void
on_reply_extend(struct dhcp6c *c, const struct dhcp6_msg *m,
    const struct dhcp6_ext *e, uint64_t now)
{
	struct dhcp6c_lease *l = &c->lease;
	struct answer a;

	analyse(c, m, e, l, &a);
	if (a.p == NULL && a.ia != NULL && a.has_status &&
	    a.status == DHCP6_ST_NO_BINDING) {
		/* RFC 8415 18.2.10.1: ask for it again with a REQUEST. */
		struct advert adv = { .valid = true, .server = m->serverid,
		    .supports = l->has_cont, .cont_type = l->cont_type };

		adv.prefix.prefix = l->prefix;
		adv.prefix.plen = l->plen;
		begin_request(c, now, &adv, l->has_cont);
		c->x.trial = !l->has_cont;	/* rule 4: it stays */
		return;
	}
	if (a.p == NULL) {
		if (a.gone != NULL) {
			lose(c, now, "the server set its lifetimes to 0");
			return;
		}
		c->st.drop_no_prefix++;	/* keep retransmitting */
		log_debug("dhcp6c %s: REPLY without our prefix, ignored",
		    c->cfg.ifname);
		return;
	}
	l->preferred = a.p->preferred;
	l->valid = a.p->valid;
	l->server = m->serverid;	/* a REBIND may reach another */
	take_option(c, m, &a, now);
	set_timers(c, a.ia, now);
	c->st.renewed++;
	set_state(c, DHCP6C_BOUND, c->x.type == DHCP6_MSG_RENEW ?
	    "RENEW answered" : "REBIND answered");
	log_lease(c, "renewed");
	emit(c, DHCP6C_EV_RENEWED);
}

int
dhcp6c_input(struct dhcp6c *c, const uint8_t *p, size_t len, uint64_t now)
{
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	const struct exch *x = &c->x;
	int rc;

	c->st.rx++;
	if ((rc = dhcp6_parse(p, len, &c->cfg.codes, &m)) != DHCP6_OK ||
	    (rc = dhcp6_ext_parse(p, len, &c->cfg.codes, &e)) != DHCP6_OK) {
		c->st.drop_malformed++;
		log_debug("dhcp6c %s: malformed message dropped: %s",
		    c->cfg.ifname, dhcp6_strerror(rc));
		return -1;
	}
	/* RECONFIGURE too: we never offer Reconfigure Accept (18.2.11). */
	if (m.type != DHCP6_MSG_ADVERTISE && m.type != DHCP6_MSG_REPLY) {
		c->st.drop_type++;
		log_debug("dhcp6c %s: %s dropped", c->cfg.ifname,
		    dhcp6_msg_name(m.type));
		return -1;
	}
	if (m.clientid.len == 0 || !dhcp6_duid_eq(&m.clientid, &c->cfg.duid)) {
		c->st.drop_clientid++;
		return -1;
	}
	if (m.serverid.len == 0) {
		c->st.drop_serverid++;
		return -1;
	}
	if (c->state == DHCP6C_IDLE || c->state == DHCP6C_BOUND ||
	    m.xid != x->xid || x->rc == 0 ||
	    (m.type == DHCP6_MSG_ADVERTISE) != (x->type == DHCP6_MSG_SOLICIT)) {
		c->st.drop_xid++;
		return -1;
	}
	if (x->has_server && !dhcp6_duid_eq(&m.serverid, &x->server)) {
		c->st.drop_serverid++;
		return -1;
	}
	if (e.has_sol_max_rt)	/* 18.2.9, 18.2.10 */
		c->sol_max_rt = (uint64_t)e.sol_max_rt * 1000;
	if (m.type == DHCP6_MSG_ADVERTISE) {
		on_advertise(c, &m, &e, now);
		return 0;
	}
	c->st.rx_reply++;
	switch (x->type) {
	case DHCP6_MSG_REQUEST:
		on_reply_request(c, &m, &e, now);
		break;
	case DHCP6_MSG_RENEW:
	case DHCP6_MSG_REBIND:
		on_reply_extend(c, &m, &e, now);
		break;
	default:	/* RELEASE: any status ends it (18.2.10.2) */
		released(c, "RELEASE answered");
		break;
	}
	return 0;
}

/* ---- time ------------------------------------------------------------- */

/* The exchange's retransmission time came. */
static void
retransmit_due(struct dhcp6c *c, uint64_t now)
{
	struct exch *x = &c->x;
	bool give_up_opt = x->opt && x->trial &&
	    x->rc >= c->cfg.fallback_after;

	switch (x->type) {
	case DHCP6_MSG_SOLICIT:
		if (x->rc >= 1 && c->best.valid) {
			begin_request(c, now, &c->best,
			    x->opt && c->best.supports);
			return;
		}
		if (give_up_opt) {
			struct dhcp6_duid none = { .len = 0 };

			remember(c, &none, DHCP6C_WHY_NO_ANSWER, now);
			c->st.fallbacks++;
			c->sol_no_opt = true;
			begin_solicit(c, now, 0, "no ADVERTISE to the option: "
			    "retry without it (D.4 rule 2)");
			return;
		}
		break;
	case DHCP6_MSG_REQUEST:
		if (x->rc >= x->mrc) {
			if (x->opt)
				remember(c, &x->server, DHCP6C_WHY_NO_ANSWER,
				    now);
			begin_solicit(c, now, 0, "no REPLY to REQUEST");
			return;
		}
		/* FALLTHROUGH */
	case DHCP6_MSG_RENEW:
		if (give_up_opt) {
			remember(c, &x->server, DHCP6C_WHY_NO_ANSWER, now);
			c->st.fallbacks++;
			x->opt = false;
			x->rc = 0;	/* a new exchange, same target */
			x->xid = (x->xid + 1) & 0xffffff;
			log_info("dhcp6c %s: %s: retry without the option "
			    "(D.4 rule 2)", c->cfg.ifname,
			    dhcp6_msg_name(x->type));
		}
		break;
	case DHCP6_MSG_RELEASE:
		if (x->rc >= x->mrc) {
			released(c, "no REPLY to RELEASE");
			return;
		}
		break;
	default:
		break;
	}
	transmit(c, now);
}

void
dhcp6c_timeout(struct dhcp6c *c, uint64_t now)
{
	mem_expire(c, now);
	switch (c->state) {
	case DHCP6C_IDLE:
		return;
	case DHCP6C_BOUND:
		if (now >= c->valid_end)
			lose(c, now, "valid lifetime over");
		else if (now >= c->t1_at) {
			begin_lease_msg(c, DHCP6_MSG_RENEW, now);
			c->x.mrd_end = c->t2_at;
			set_state(c, DHCP6C_RENEW, "T1");
			transmit(c, now);
		}
		return;
	case DHCP6C_RENEW:
	case DHCP6C_REBIND:
		if (now >= c->valid_end) {
			lose(c, now, "valid lifetime over");
			return;
		}
		if (c->state == DHCP6C_RENEW && now >= c->t2_at) {
			begin_rebind(c, now, NEVER, "T2");
			return;
		}
		if (now >= c->x.mrd_end) {
			lose(c, now, "no REPLY to REBIND");
			return;
		}
		break;
	default:
		break;
	}
	if (now >= c->x.next)
		retransmit_due(c, now);
}

uint64_t
dhcp6c_next_timeout(const struct dhcp6c *c)
{
	uint64_t t = NEVER;

	for (size_t i = 0; i < c->nmem; i++)
		if (c->mem[i].expiry_ms < t)
			t = c->mem[i].expiry_ms;
	switch (c->state) {
	case DHCP6C_IDLE:
		return t;
	case DHCP6C_BOUND:
		if (c->t1_at < t)
			t = c->t1_at;
		return c->valid_end < t ? c->valid_end : t;
	case DHCP6C_RENEW:
		if (c->t2_at < t)
			t = c->t2_at;
		/* FALLTHROUGH */
	case DHCP6C_REBIND:
		if (c->valid_end < t)
			t = c->valid_end;
		if (c->x.mrd_end < t)
			t = c->x.mrd_end;
		break;
	default:
		break;
	}
	return c->x.next < t ? c->x.next : t;
}

/* ---- life ------------------------------------------------------------- */

struct dhcp6c *
dhcp6c_new(const struct dhcp6c_cfg *cfg, const struct dhcp6c_ops *ops,
    void *arg, uint64_t seed)
{
	struct dhcp6c *c;

	if (cfg->duid.len == 0 || ops->send == NULL || cfg->want > CONT_MAX ||
	    cfg->fallback_after == 0 || cfg->retry_later_s == 0) {
		errno = EINVAL;
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->cfg = *cfg;
	c->cfg.ifname[sizeof(c->cfg.ifname) - 1] = '\0';
	c->ops = *ops;
	c->arg = arg;
	c->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
	c->sol_max_rt = DHCP6C_SOL_MAX_RT;
	c->x.next = NEVER;
	c->x.mrd_end = NEVER;
	return c;
}

void
dhcp6c_free(struct dhcp6c *c)
{
	free(c);
}

void
dhcp6c_start(struct dhcp6c *c, uint64_t now)
{
	if (c->state != DHCP6C_IDLE)
		return;
	c->sol_no_opt = false;
	begin_solicit(c, now, rnd(c) % DHCP6C_SOL_MAX_DELAY, "start");
}

void
dhcp6c_link_changed(struct dhcp6c *c, uint64_t now)
{
	struct dhcp6c_memory *m;
	struct dhcp6_duid none = { .len = 0 };

	if ((m = mem_find(c, &none)) != NULL)
		*m = c->mem[--c->nmem];
	c->sol_no_opt = false;
	if (c->state == DHCP6C_IDLE || c->state == DHCP6C_RELEASE)
		return;
	if (c->have_lease)
		begin_rebind(c, now, now + DHCP6C_LINK_REBIND_MRD,
		    "link changed");
	else
		begin_solicit(c, now, rnd(c) % DHCP6C_SOL_MAX_DELAY,
		    "link changed");
}

void
dhcp6c_release(struct dhcp6c *c, uint64_t now)
{
	if (!c->have_lease || c->state == DHCP6C_REQUEST ||
	    c->state == DHCP6C_RELEASE) {
		if (c->state != DHCP6C_RELEASE)
			released(c, "stopped");
		return;
	}
	begin_lease_msg(c, DHCP6_MSG_RELEASE, now);
	set_state(c, DHCP6C_RELEASE, "release");
	transmit(c, now);
}

enum dhcp6c_state
dhcp6c_state(const struct dhcp6c *c)
{
	return c->state;
}

const struct dhcp6c_lease *
dhcp6c_lease(const struct dhcp6c *c)
{
	return c->have_lease ? &c->lease : NULL;
}

const struct dhcp6c_stats *
dhcp6c_stats(const struct dhcp6c *c)
{
	return &c->st;
}

size_t
dhcp6c_memory(const struct dhcp6c *c, const struct dhcp6c_memory **out)
{
	*out = c->mem;
	return c->nmem;
}

const struct dhcp6c_cfg *
dhcp6c_cfg(const struct dhcp6c *c)
{
	return &c->cfg;
}
