/*
 * dhp_engine.c: DHoA Request and DHP Binding Update processing of the
 * Distributed Home Proxy (PROTOCOL.md B.11.4-B.11.8, C.2, C.4, F.9,
 * F.10; RFC 6275 9.5.1, 10.3.1, 10.3.2; RFC 4285 5, 6). The order of
 * the checks and the choices where the sources are silent are in
 * dhp_engine.h; the structure follows ha/ha_engine.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhp_engine.h"
#include "log.h"

struct dhp_mn {
	struct in6_addr	 hoa;
	uint32_t	 spi;
	char		 name[CONF_NAME_MAX];
	struct dhoa_lease *lease;	/* F.9: its one DHoA here, or NULL */
	/* Replay state, per message kind (step 5). */
	bool		 req_ts_seen, req_seq_seen;
	uint64_t	 req_mesgid;
	uint16_t	 req_seq;
	bool		 bu_ts_seen, bu_seq_seen;
	uint64_t	 bu_mesgid;
	uint16_t	 bu_seq;	/* last accepted DHP-BU */
};

struct dhp_engine {
	struct in6_addr		 address;	/* signalling and tunnel */
	uint16_t		 lease_units;	/* caps, 4 s units */
	uint16_t		 bind_units;
	bool			 offered[CONT_MAX + 1];
	struct dhp_mn		*mns;		/* sorted by HoA */
	size_t			 nmns;
	const struct sa_table	*sas;
	struct dhoa_pool	*pool;
	struct timerheap	 heap;		/* binding timers */
	size_t			 nbindings;
	struct dhp_stats	 st;
	/* dhp_engine_expire() / reconfigure() in progress */
	dhp_event_fn		 ev_fn;
	void			*ev_arg;
	uint64_t		 ev_now, ev_ntp;
	size_t			 ev_count;
};

/* One message on its way through the checks. */
struct rx_ctx {
	const struct dhp_rx	*rx;
	const struct mh_msg	*m;
	struct in6_addr		 coa, hoa;
	const struct mh_sa	*sa;
	struct dhp_mn		*mn;
	bool			 authentic;
};

/* A failed check: logged as given, or at debug only for a rate-limited
 * source (dhp_rx.quiet, issue 8). */
#define LOG_FAIL(quiet, fn, ...)					\
	do {								\
		if (quiet)						\
			log_debug(__VA_ARGS__);				\
		else							\
			fn(__VA_ARGS__);				\
	} while (0)

static const char *const act_names[] = {
	[DHP_ACT_BIND_ADD] = "add",
	[DHP_ACT_BIND_MOVE] = "move",
	[DHP_ACT_BIND_DEL] = "del",
};

static const char *const verdict_names[] = {
	[DHP_V_DROPPED] = "dropped",
	[DHP_V_ACCEPTED] = "accepted",
	[DHP_V_REJECTED] = "rejected",
};

static const char *const bind_state_names[DHP_BIND_STATE_COUNT] = {
	[DHP_BIND_ACTIVE] = "active",
	[DHP_BIND_DELETING] = "deleting",
};

const char *
dhp_act_name(enum dhp_act_kind k)
{
	if ((unsigned)k >= sizeof(act_names) / sizeof(act_names[0]))
		return "?";
	return act_names[k];
}

const char *
dhp_verdict_name(enum dhp_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return "?";
	return verdict_names[v];
}

const char *
dhp_bind_state_name(enum dhp_bind_state s)
{
	if ((unsigned)s >= DHP_BIND_STATE_COUNT)
		return "?";
	return bind_state_names[s];
}

static const char *
a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static bool
addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static uint16_t
units_of(unsigned secs)
{
	unsigned u = secs / MH_LIFETIME_UNIT;

	return u > MH_LIFETIME_MAX_UNITS ? MH_LIFETIME_MAX_UNITS : (uint16_t)u;
}

static uint64_t
units_ms(uint16_t units)
{
	return (uint64_t)units * MH_LIFETIME_UNIT * 1000;
}

static uint16_t
min_u16(uint16_t a, uint16_t b)
{
	return a < b ? a : b;
}

/* ---- configuration ------------------------------------------------- */

static int
mn_cmp(const void *a, const void *b)
{
	const struct dhp_mn *x = a, *y = b;

	return memcmp(&x->hoa, &y->hoa, sizeof(x->hoa));
}

static struct dhp_mn *
mn_find_in(struct dhp_mn *mns, size_t n, const struct in6_addr *hoa)
{
	struct dhp_mn key;

	key.hoa = *hoa;
	return bsearch(&key, mns, n, sizeof(*mns), mn_cmp);
}

static struct dhp_mn *
mn_find(const struct dhp_engine *e, const struct in6_addr *hoa)
{
	return mn_find_in(e->mns, e->nmns, hoa);
}

/* A new sorted MN table from conf; NULL on ENOMEM. */
static struct dhp_mn *
mns_load(const struct dhpd_conf *conf)
{
	struct dhp_mn *mns = calloc(conf->nmns ? conf->nmns : 1, sizeof(*mns));

	if (mns == NULL)
		return NULL;
	for (size_t i = 0; i < conf->nmns; i++) {
		mns[i].hoa = conf->mns[i].home_address;
		mns[i].spi = conf->mns[i].spi;
		memcpy(mns[i].name, conf->mns[i].name, sizeof(mns[i].name));
		mns[i].name[sizeof(mns[i].name) - 1] = '\0';
	}
	qsort(mns, conf->nmns, sizeof(*mns), mn_cmp);
	return mns;
}

/* Lifetimes and types; 0 as a cap would refuse everything: no cap. */
static void
policy_load(struct dhp_engine *e, const struct dhpd_conf *conf)
{
	e->lease_units = conf->lease_lifetime ?
	    units_of(conf->lease_lifetime) : MH_LIFETIME_MAX_UNITS;
	if (e->lease_units == 0)
		e->lease_units = 1;
	e->bind_units = conf->binding_lifetime ?
	    units_of(conf->binding_lifetime) : MH_LIFETIME_MAX_UNITS;
	if (e->bind_units == 0)
		e->bind_units = 1;
	memcpy(e->offered, conf->continuity, sizeof(e->offered));
}

struct dhp_engine *
dhp_engine_new(const struct dhpd_conf *conf, const struct sa_table *sas,
    uint64_t seed)
{
	struct dhoa_pool_cfg pc = {
		.prefixes = conf->pools, .nprefixes = conf->npools,
		.max_leases = conf->max_leases,
		.quarantine_ms = (uint64_t)conf->quarantine * 1000,
		.seed = seed,
	};
	struct dhp_engine *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->address = conf->address;
	e->sas = sas;
	policy_load(e, conf);
	timerheap_init(&e->heap);
	if ((e->mns = mns_load(conf)) == NULL ||
	    (e->pool = dhoa_pool_new(&pc)) == NULL) {
		int saved = errno;

		dhp_engine_free(e);
		errno = saved;
		return NULL;
	}
	e->nmns = conf->nmns;
	return e;
}

static void
free_binding_of(struct dhoa_lease *l, void *arg)
{
	(void)arg;
	free(l->udata);
	l->udata = NULL;
}

void
dhp_engine_free(struct dhp_engine *e)
{
	if (e == NULL)
		return;
	timerheap_free(&e->heap);
	if (e->pool != NULL)
		dhoa_pool_foreach(e->pool, free_binding_of, NULL);
	dhoa_pool_free(e->pool);
	free(e->mns);
	free(e);
}

/* ---- events (expiry, reconfigure) ---------------------------------- */

static void
emit(struct dhp_engine *e, const struct dhp_event *ev)
{
	e->ev_count++;
	if (e->ev_fn != NULL)
		e->ev_fn(ev, e->ev_arg);
}

static void
emit_del(struct dhp_engine *e, const struct in6_addr *dhoa,
    const struct in6_addr *coa)
{
	struct dhp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.has_action = true;
	ev.action.kind = DHP_ACT_BIND_DEL;
	ev.action.dhoa = *dhoa;
	ev.action.coa = *coa;
	emit(e, &ev);
}

/* ---- replies ------------------------------------------------------- */

static void
reply_init(struct dhp_reply *r, const struct mh_sa *sa,
    const struct in6_addr *dst, const struct in6_addr *coa,
    const struct in6_addr *hoa, uint8_t type)
{
	memset(r, 0, sizeof(*r));
	r->dst = *dst;
	r->auth_coa = *coa;
	r->auth_hoa = *hoa;
	r->sa = sa;
	r->msg.type = type;
	r->msg.opt.present = MHO_AUTH;
	r->msg.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	r->msg.opt.auth_spi = sa->spi;
	r->msg.opt.auth_mac_len = (uint8_t)auth_alg_mac_len(sa->alg);
}

/* Replies go to the IPv6 source, signed over the request's CoA || HoA
 * (B.8); the MESG-ID is echoed, or the DHP's time with 144. */
static void
reply_begin(struct dhp_result *res, const struct rx_ctx *c, uint8_t type,
    uint8_t status)
{
	struct dhp_reply *r = &res->reply;

	res->has_reply = true;
	reply_init(r, c->sa, &c->rx->src, &c->coa, &c->hoa, type);
	if (status == BA_STATUS_ID_MISMATCH) {
		r->msg.opt.present |= MHO_MESGID;
		r->msg.opt.mesgid = c->rx->now_ntp;
	} else if (c->m->opt.present & MHO_MESGID) {
		r->msg.opt.present |= MHO_MESGID;
		r->msg.opt.mesgid = c->m->opt.mesgid;
	}
}

/* C.1/C.2 [P]: refresh at REFRESH_PERCENT of a lifetime. */
static uint16_t
bra_units(uint16_t granted)
{
	uint32_t u = (uint32_t)granted * REFRESH_PERCENT / 100;

	return granted == 0 ? 0 : u == 0 ? 1 : (uint16_t)u;
}

static void
set_bra(struct mh_msg *m, uint16_t units)
{
	if (units == 0) {
		m->opt.present &= ~MHO_BRA;
		return;
	}
	m->opt.present |= MHO_BRA;
	m->opt.bra = units;
}

static void
set_verdict(struct dhp_result *res, uint8_t status)
{
	res->status = status;
	res->verdict = BA_STATUS_REJECTED(status) ? DHP_V_REJECTED :
	    DHP_V_ACCEPTED;
}

ssize_t
dhp_reply_encode(const struct dhp_reply *r, uint8_t *buf, size_t cap)
{
	size_t auth_off = 0;
	ssize_t len;

	if ((len = mh_build(&r->msg, buf, cap, &auth_off)) < 0)
		return len;
	if (r->sa == NULL || mh_auth_sign(buf, (size_t)len, auth_off, r->sa,
	    &r->auth_coa, &r->auth_hoa) != 0)
		return -1;
	return len;
}

/* ---- bindings ------------------------------------------------------- */

static void bind_timer_fired(struct timer *, void *);

static void
log_bind(const struct dhp_binding *b, const char *what)
{
	char d[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	log_info("DHP binding %s -> %s %s", a6(&b->lease->dhoa, d),
	    a6(&b->coa, c), what);
}

static struct dhp_binding *
bind_new(struct dhp_engine *e, struct dhoa_lease *l, uint64_t now)
{
	struct dhp_binding *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->lease = l;
	b->created_ms = now;
	timer_init(&b->timer, bind_timer_fired, e);
	l->udata = b;
	e->nbindings++;
	return b;
}

static void
bind_free(struct dhp_engine *e, struct dhp_binding *b)
{
	timerheap_cancel(&e->heap, &b->timer);
	b->lease->udata = NULL;
	e->nbindings--;
	free(b);
}

/* Active: the BRR point (90 %) until the BRR went out, then the
 * expiry; deleting: the end of the delay. -1 only for a new timer on
 * ENOMEM (re-arming never fails). */
static int
bind_arm(struct dhp_engine *e, struct dhp_binding *b)
{
	uint64_t at = b->expiry_ms;

	if (b->state == DHP_BIND_ACTIVE && !b->brr_sent)
		at = b->updated_ms + units_ms(b->lifetime) * DHP_BRR_PERCENT /
		    100;
	return timerheap_add(&e->heap, &b->timer, at);
}

/* The lease's binding goes away now: DEL (into res, or as an event). */
static void
bind_remove(struct dhp_engine *e, struct dhp_binding *b, const char *why,
    struct dhp_result *res)
{
	char what[64];

	snprintf(what, sizeof(what), "deleted (%s)", why);
	log_bind(b, what);
	if (res != NULL) {
		res->has_action = true;
		memset(&res->action, 0, sizeof(res->action));
		res->action.kind = DHP_ACT_BIND_DEL;
		res->action.dhoa = b->lease->dhoa;
		res->action.coa = b->coa;
	} else
		emit_del(e, &b->lease->dhoa, &b->coa);
	bind_free(e, b);
}

static void
set_action(struct dhp_result *res, enum dhp_act_kind k,
    const struct dhp_binding *b, const struct in6_addr *old_coa)
{
	res->has_action = true;
	memset(&res->action, 0, sizeof(res->action));
	res->action.kind = k;
	res->action.dhoa = b->lease->dhoa;
	res->action.coa = b->coa;
	if (old_coa != NULL)
		res->action.old_coa = *old_coa;
}

/*
 * Bind the lease's DHoA to c->coa for `units`: ADD, MOVE or refresh
 * (a binding in its delete delay is revived; its route is still in
 * place). 0, or -1 on ENOMEM with nothing changed.
 */
static int
bind_set(struct dhp_engine *e, const struct rx_ctx *c, struct dhoa_lease *l,
    uint16_t units, struct dhp_result *res)
{
	struct dhp_binding *b = l->udata;
	uint64_t now = c->rx->now;
	struct in6_addr old;
	char what[INET6_ADDRSTRLEN + 48], o[INET6_ADDRSTRLEN];
	bool fresh = b == NULL;

	if (fresh && (b = bind_new(e, l, now)) == NULL) {
		e->st.drop_nomem++;
		return -1;
	}
	old = b->coa;
	b->coa = c->coa;
	b->lifetime = units;
	b->updated_ms = now;
	b->expiry_ms = now + units_ms(units);
	b->state = DHP_BIND_ACTIVE;
	b->brr_sent = false;
	if (bind_arm(e, b) == -1) {
		e->st.drop_nomem++;
		bind_free(e, b);
		return -1;
	}
	if (fresh) {
		set_action(res, DHP_ACT_BIND_ADD, b, NULL);
		e->st.bind_added++;
		snprintf(what, sizeof(what), "added for %us",
		    units * MH_LIFETIME_UNIT);
	} else if (!addr_eq(&old, &b->coa)) {
		set_action(res, DHP_ACT_BIND_MOVE, b, &old);
		e->st.bind_moved++;
		snprintf(what, sizeof(what), "moved from %s for %us",
		    a6(&old, o), units * MH_LIFETIME_UNIT);
	} else {
		e->st.bind_refreshed++;
		snprintf(what, sizeof(what), "refreshed for %us",
		    units * MH_LIFETIME_UNIT);
	}
	log_bind(b, what);
	return 0;
}

/* A BRR (B.5, F.12) for b, signed with its MN's SA; false if the MN or
 * its SA are gone (after a reload). */
static bool
brr_make(struct dhp_engine *e, const struct dhp_binding *b,
    struct dhp_reply *r)
{
	const struct dhp_mn *mn = mn_find(e, &b->lease->hoa);
	const struct mh_sa *sa;

	if (mn == NULL || (sa = sa_table_find(e->sas, mn->spi)) == NULL)
		return false;
	reply_init(r, sa, &b->coa, &b->coa, &b->lease->hoa, MH_TYPE_BRR);
	r->msg.opt.present |= MHO_HOA | MHO_MESGID;
	r->msg.opt.hoa = b->lease->hoa;
	r->msg.opt.mesgid = e->ev_ntp;
	return true;
}

static void
bind_timer_fired(struct timer *t, void *arg)
{
	struct dhp_engine *e = arg;
	struct dhp_binding *b = (struct dhp_binding *)(void *)((char *)t -
	    offsetof(struct dhp_binding, timer));
	struct dhp_event ev;
	char d[INET6_ADDRSTRLEN], co[INET6_ADDRSTRLEN];

	if (b->state == DHP_BIND_ACTIVE && !b->brr_sent &&
	    e->ev_now < b->expiry_ms) {
		b->brr_sent = true;
		memset(&ev, 0, sizeof(ev));
		if (brr_make(e, b, &ev.reply)) {
			ev.has_reply = true;
			e->st.brr_sent++;
			log_info("DHP binding %s: no refresh, BRR to %s",
			    a6(&b->lease->dhoa, d), a6(&b->coa, co));
			emit(e, &ev);
		}
		(void)bind_arm(e, b);	/* re-arm: cannot fail */
		return;
	}
	if (b->state == DHP_BIND_DELETING) {
		log_debug("DHP binding %s: delete delay over, route removed",
		    a6(&b->lease->dhoa, d));
		emit_del(e, &b->lease->dhoa, &b->coa);
		bind_free(e, b);
		return;
	}
	e->st.bind_expired++;
	log_bind(b, "expired");
	emit_del(e, &b->lease->dhoa, &b->coa);
	bind_free(e, b);
}

/* ---- leases ----------------------------------------------------------- */

/* End l now (release): its binding's route goes at once. */
static void
lease_release(struct dhp_engine *e, struct dhp_mn *mn, struct dhoa_lease *l,
    uint64_t now, const char *why, struct dhp_result *res)
{
	char d[INET6_ADDRSTRLEN], h[INET6_ADDRSTRLEN];

	if (l->udata != NULL) {
		e->st.bind_deleted++;
		bind_remove(e, l->udata, "released", res);
	}
	log_info("DHoA %s released by %s%s", a6(&l->dhoa, d), a6(&l->hoa, h),
	    why);
	if (mn != NULL && mn->lease == l)
		mn->lease = NULL;
	dhoa_pool_release(e->pool, l, now);
	e->st.lease_released++;
}

static void
lease_expired(struct dhoa_lease *l, void *arg)
{
	struct dhp_engine *e = arg;
	struct dhp_mn *mn = mn_find(e, &l->hoa);
	char d[INET6_ADDRSTRLEN], h[INET6_ADDRSTRLEN];

	e->st.lease_expired++;
	if (l->udata != NULL) {
		e->st.bind_expired++;
		bind_remove(e, l->udata, "lease expired", NULL);
	}
	log_info("DHoA %s of %s expired", a6(&l->dhoa, d), a6(&l->hoa, h));
	if (mn != NULL && mn->lease == l)
		mn->lease = NULL;
}

/* ---- checks shared by both requests ---------------------------------- */

/*
 * Steps 1 and 2. -1: drop silently; 0: authentic; or
 * BA_STATUS_AUTH_FAIL.
 */
static int
rx_authenticate(struct dhp_engine *e, struct rx_ctx *c)
{
	const struct mh_opts *o = &c->m->opt;
	const struct in6_addr *coa;
	char s[INET6_ADDRSTRLEN];
	const char *name = mh_type_name(c->m->type);

	if (!(o->present & MHO_AUTH)) {
		e->st.drop_no_auth++;
		log_debug("%s from %s: no AUTH option, dropped", name,
		    a6(&c->rx->src, s));
		return -1;
	}
	if ((c->sa = sa_table_find(e->sas, o->auth_spi)) == NULL) {
		e->st.drop_unknown_spi++;
		log_debug("%s from %s: unknown SPI %u, dropped", name,
		    a6(&c->rx->src, s), o->auth_spi);
		return -1;
	}
	if (c->m->type == MH_TYPE_DHOA_REQ) {
		c->hoa = c->m->u.dreq.hoa;
		coa = &c->m->u.dreq.coa;
		if ((o->present & MHO_HOA) && !addr_eq(&o->hoa, &c->hoa)) {
			e->st.drop_bad++;
			log_debug("%s from %s: Home Address option and field "
			    "disagree, dropped", name, a6(&c->rx->src, s));
			return -1;
		}
	} else {
		if (!(o->present & MHO_HOA)) {
			e->st.drop_no_hoa++;
			log_debug("%s from %s: no Home Address option, dropped",
			    name, a6(&c->rx->src, s));
			return -1;
		}
		c->hoa = o->hoa;
		coa = &c->m->u.dbu.coa;
	}
	c->coa = IN6_IS_ADDR_UNSPECIFIED(coa) ? c->rx->src : *coa;
	if (mh_auth_verify(c->rx->raw, c->rx->len, o, c->sa, &c->coa,
	    &c->hoa) != 0) {
		LOG_FAIL(c->rx->quiet, log_warnx, "%s from %s: authentication "
		    "failed (SPI %u)", name, a6(&c->rx->src, s), o->auth_spi);
		return BA_STATUS_AUTH_FAIL;
	}
	c->authentic = true;
	return 0;
}

/* Step 4: the HoA is a configured MN's and the SA is its own. */
static int
rx_identify(struct dhp_engine *e, struct rx_ctx *c)
{
	char h[INET6_ADDRSTRLEN];

	if ((c->mn = mn_find(e, &c->hoa)) == NULL) {
		LOG_FAIL(c->rx->quiet, log_warnx, "%s from %s: not a mobile "
		    "node of this DHP", mh_type_name(c->m->type),
		    a6(&c->hoa, h));
		return BA_STATUS_PROHIBITED;
	}
	if (c->mn->spi != c->sa->spi) {
		LOG_FAIL(c->rx->quiet, log_warnx, "%s for %s (%s) signed with "
		    "SPI %u, not its SPI %u", mh_type_name(c->m->type),
		    a6(&c->hoa, h), c->mn->name, c->sa->spi, c->mn->spi);
		return BA_STATUS_AUTH_FAIL;
	}
	return 0;
}

/* Step 2..4 shared, then 3's replay_check. */
static int
rx_check(struct dhp_engine *e, struct rx_ctx *c)
{
	int rc;

	if ((rc = rx_authenticate(e, c)) != 0)
		return rc;
	if ((rc = replay_check(c->sa, &c->m->opt, c->rx->now_ntp)) != 0)
		return rc;
	return rx_identify(e, c);
}

static bool
ts_mode(const struct rx_ctx *c)
{
	return c->sa->replay == REPLAY_TIMESTAMP;
}

/* A tunnel to it would work and not loop back through us. */
static bool
coa_usable(const struct dhp_engine *e, const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_MULTICAST(a) &&
	    !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_LINKLOCAL(a) &&
	    !IN6_IS_ADDR_V4MAPPED(a) && !addr_eq(a, &e->address) &&
	    !dhoa_pool_contains(e->pool, a);
}

/* ---- DHoA Request (B.11.4, B.11.5) ---------------------------------- */

static void
req_reply(struct dhp_engine *e, const struct rx_ctx *c, struct dhp_result *res,
    uint8_t status, const struct in6_addr *dhoa, uint16_t life, bool bound,
    uint16_t bra, uint16_t seq)
{
	const struct mh_dhoa_req *q = &c->m->u.dreq;
	struct mh_dhoa_resp *p;
	char h[INET6_ADDRSTRLEN], w[INET6_ADDRSTRLEN], co[INET6_ADDRSTRLEN];
	char bind[INET6_ADDRSTRLEN + 8] = "";

	e->st.req_status[status]++;
	set_verdict(res, status);
	if (q->flags & DHOA_F_B)
		snprintf(bind, sizeof(bind), " bind %s", a6(&c->coa, co));
	LOG_FAIL(c->rx->quiet && BA_STATUS_REJECTED(status), log_info,
	    "DHoA request from %s seq %u dhoa %s lifetime %us type %s%s:"
	    " status %u (%s)", a6(&c->hoa, h), q->seq,
	    IN6_IS_ADDR_UNSPECIFIED(&q->req_dhoa) ? "any" :
	    a6(&q->req_dhoa, w), q->lifetime * MH_LIFETIME_UNIT,
	    conf_cont_name(q->cont_type), bind, status,
	    mh_status_name(status));
	reply_begin(res, c, MH_TYPE_DHOA_RESP, status);
	p = &res->reply.msg.u.dresp;
	p->seq = seq;
	p->status = status;
	p->flags = bound ? DHOA_F_B : 0;
	p->lifetime = life;
	p->dhoa = *dhoa;
	p->plen = BA_STATUS_REJECTED(status) ? 0 : 128;	/* F.9 */
	p->tep = e->address;
	if (!BA_STATUS_REJECTED(status))
		set_bra(&res->reply.msg, bra);
}

static void
req_reject(struct dhp_engine *e, const struct rx_ctx *c,
    struct dhp_result *res, uint8_t status, uint16_t seq)
{
	req_reply(e, c, res, status, &c->m->u.dreq.req_dhoa, 0, false, 0, seq);
}

/* Step 5 for a request; consumes the MESG-ID (or sequence). */
static int
req_check_fresh(struct rx_ctx *c, uint16_t *seq_out)
{
	struct dhp_mn *mn = c->mn;
	const struct mh_msg *m = c->m;

	if (ts_mode(c)) {
		if (mn->req_ts_seen &&
		    (int64_t)(m->opt.mesgid - mn->req_mesgid) <= 0)
			return BA_STATUS_ID_MISMATCH;
		mn->req_ts_seen = true;
		mn->req_mesgid = m->opt.mesgid;
		return 0;
	}
	if (mn->req_seq_seen && !seq_newer(m->u.dreq.seq, mn->req_seq)) {
		*seq_out = mn->req_seq;
		return BA_STATUS_SEQ_OUT_OF_WINDOW;
	}
	mn->req_seq_seen = true;
	mn->req_seq = m->u.dreq.seq;
	return 0;
}

/* Step 6: the type asked for, and every flow's, is one we anchor. */
static int
req_check_type(const struct dhp_engine *e, const struct rx_ctx *c)
{
	const struct mh_msg *m = c->m;
	uint8_t t = m->u.dreq.cont_type;

	if (t != CONT_ANY && (t > CONT_MAX || !e->offered[t]))
		return DMIP_STATUS_CONT_NOT_SUPPORTED;
	for (unsigned i = 0; i < m->opt.n_flow; i++) {
		t = m->opt.flow[i].cont_type;
		if (t != CONT_ANY && (t > CONT_MAX || !e->offered[t]))
			return DMIP_STATUS_CONT_NOT_SUPPORTED;
	}
	return 0;
}

/* Lifetime 0: release the DHoA named, or the MN's one. */
static void
req_release(struct dhp_engine *e, struct rx_ctx *c, struct dhp_result *res)
{
	const struct in6_addr *want = &c->m->u.dreq.req_dhoa;
	struct dhoa_lease *l;
	struct in6_addr d;

	l = IN6_IS_ADDR_UNSPECIFIED(want) ? c->mn->lease :
	    dhoa_pool_find(e->pool, want);
	if (l == NULL || l->state != DHOA_LEASED) {
		req_reject(e, c, res, DMIP_STATUS_UNKNOWN_DHOA,
		    c->m->u.dreq.seq);
		return;
	}
	if (!addr_eq(&l->hoa, &c->hoa)) {
		req_reject(e, c, res, DMIP_STATUS_DHOA_NOT_OWNED,
		    c->m->u.dreq.seq);
		return;
	}
	d = l->dhoa;
	lease_release(e, c->mn, l, c->rx->now, "", res);
	req_reply(e, c, res, DMIP_STATUS_OK, &d, 0, false, 0,
	    c->m->u.dreq.seq);
}

/* Lease or renew (F.9: the MN's one DHoA), then bind now if B. */
static void
req_lease(struct dhp_engine *e, struct rx_ctx *c, struct dhp_result *res)
{
	const struct mh_dhoa_req *q = &c->m->u.dreq;
	struct dhp_mn *mn = c->mn;
	uint16_t life = min_u16(q->lifetime, e->lease_units), bl, bra;
	uint64_t now = c->rx->now, expiry = now + units_ms(life);
	struct dhoa_lease *l = mn->lease;
	char d[INET6_ADDRSTRLEN], h[INET6_ADDRSTRLEN];
	bool bound = false;
	int rc = DHOA_LEASE_RENEWED;

	if (l != NULL) {
		if (!IN6_IS_ADDR_UNSPECIFIED(&q->req_dhoa) &&
		    !addr_eq(&q->req_dhoa, &l->dhoa)) {
			req_reject(e, c, res, DMIP_STATUS_DHOA_UNAVAILABLE,
			    q->seq);
			return;
		}
		dhoa_pool_renew(e->pool, l, expiry);
	} else if ((rc = dhoa_pool_lease(e->pool, &c->hoa, &q->req_dhoa, now,
	    expiry, &l)) >= 128) {
		req_reject(e, c, res, (uint8_t)rc, q->seq);
		return;
	}
	mn->lease = l;
	if (rc == DHOA_LEASE_NEW) {
		e->st.lease_new++;
		log_info("DHoA %s leased to %s for %us", a6(&l->dhoa, d),
		    a6(&c->hoa, h), life * MH_LIFETIME_UNIT);
	} else {
		e->st.lease_renewed++;
		log_info("DHoA %s renewed by %s for %us", a6(&l->dhoa, d),
		    a6(&c->hoa, h), life * MH_LIFETIME_UNIT);
	}
	bra = bra_units(life);
	if (q->flags & DHOA_F_B) {
		bl = min_u16(e->bind_units, life);
		if (bind_set(e, c, l, bl, res) == 0) {
			bound = true;
			bra = bra_units(bl);
			/* An older DHP-BU still in flight must not move the
			 * binding this request made (step 5). */
			if (ts_mode(c) && (!mn->bu_ts_seen ||
			    (int64_t)(c->m->opt.mesgid - mn->bu_mesgid) > 0)) {
				mn->bu_ts_seen = true;
				mn->bu_mesgid = c->m->opt.mesgid;
			}
		}
	}
	req_reply(e, c, res, DMIP_STATUS_OK, &l->dhoa, life, bound, bra,
	    q->seq);
}

static void
req_input(struct dhp_engine *e, struct rx_ctx *c, struct dhp_result *res)
{
	const struct mh_dhoa_req *q = &c->m->u.dreq;
	uint16_t seq = q->seq;
	int rc;

	e->st.rx_dhoa_req++;
	if ((rc = rx_check(e, c)) == -1)
		return;
	if (rc == 0)
		rc = req_check_fresh(c, &seq);
	if (rc == 0)
		rc = req_check_type(e, c);
	if (rc == 0 && (q->flags & DHOA_F_B) && q->lifetime != 0 &&
	    !coa_usable(e, &c->coa))
		rc = BA_STATUS_INVALID_COA;
	if (rc != 0) {
		req_reject(e, c, res, (uint8_t)rc, seq);
		return;
	}
	if (q->lifetime == 0)
		req_release(e, c, res);
	else
		req_lease(e, c, res);
}

/* ---- DHP Binding Update (B.11.6, B.11.7) ------------------------------ */

/* The DHP-BC; rejections always, acceptances when A was set. */
static void
bu_reply(struct dhp_engine *e, const struct rx_ctx *c, struct dhp_result *res,
    uint8_t status, uint16_t seq, uint16_t life)
{
	const struct mh_dhp_bu *q = &c->m->u.dbu;
	struct mh_dhp_bc *p;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], co[INET6_ADDRSTRLEN];

	e->st.bu_status[status]++;
	set_verdict(res, status);
	LOG_FAIL(c->rx->quiet && BA_STATUS_REJECTED(status), log_info,
	    "DHP-BU from %s seq %u dhoa %s coa %s lifetime %us%s: "
	    "status %u (%s)", a6(&c->rx->src, s), q->seq, a6(&q->dhoa, d),
	    a6(&c->coa, co), q->lifetime * MH_LIFETIME_UNIT,
	    (q->flags & DHP_BU_F_R) ? " release" : "", status,
	    mh_status_name(status));
	if (!BA_STATUS_REJECTED(status) && !(q->flags & DHP_BU_F_A))
		return;
	reply_begin(res, c, MH_TYPE_DHP_BC, status);
	p = &res->reply.msg.u.dbc;
	p->seq = seq;
	p->status = status;
	p->lifetime = life;
	p->dhoa = q->dhoa;
	if (!BA_STATUS_REJECTED(status))
		set_bra(&res->reply.msg, bra_units(life));
}

/* Step 5 for a DHP-BU: consumes the MESG-ID. */
static int
bu_check_mesgid(struct rx_ctx *c)
{
	struct dhp_mn *mn = c->mn;

	if (!ts_mode(c))
		return 0;
	if (mn->bu_ts_seen && (int64_t)(c->m->opt.mesgid - mn->bu_mesgid) <= 0)
		return BA_STATUS_ID_MISMATCH;
	mn->bu_ts_seen = true;
	mn->bu_mesgid = c->m->opt.mesgid;
	return 0;
}

/* Step 7. */
static int
bu_find_lease(struct dhp_engine *e, const struct rx_ctx *c,
    struct dhoa_lease **out)
{
	struct dhoa_lease *l = dhoa_pool_find(e->pool, &c->m->u.dbu.dhoa);

	if (l == NULL || l->state != DHOA_LEASED)
		return DMIP_STATUS_UNKNOWN_DHOA;
	if (!addr_eq(&l->hoa, &c->hoa))
		return DMIP_STATUS_DHOA_NOT_OWNED;
	*out = l;
	return 0;
}

/* Step 8 (RFC 6275 9.5.1). */
static int
bu_check_seq(const struct rx_ctx *c, const struct dhp_binding *b,
    uint16_t *seq_out)
{
	const struct dhp_mn *mn = c->mn;
	uint16_t last;

	if (b != NULL && b->seq_valid)
		last = b->seq;
	else if (!ts_mode(c) && mn->bu_seq_seen)
		last = mn->bu_seq;
	else
		return 0;
	if (seq_newer(c->m->u.dbu.seq, last))
		return 0;
	*seq_out = last;
	return BA_STATUS_SEQ_OUT_OF_WINDOW;
}

static void
bu_accept_seq(struct dhp_mn *mn, struct dhp_binding *b, uint16_t seq)
{
	mn->bu_seq_seen = true;
	mn->bu_seq = seq;
	if (b != NULL) {
		b->seq = seq;
		b->seq_valid = true;
	}
}

/* Lifetime 0: release (R), or delete the binding after the delay. */
static void
bu_deregister(struct dhp_engine *e, struct rx_ctx *c, struct dhoa_lease *l,
    struct dhp_result *res)
{
	const struct mh_dhp_bu *q = &c->m->u.dbu;
	struct dhp_binding *b = l->udata;
	char what[48];

	bu_accept_seq(c->mn, b, q->seq);
	if (q->flags & DHP_BU_F_R)
		lease_release(e, c->mn, l, c->rx->now, "", res);
	else if (b != NULL && b->state == DHP_BIND_ACTIVE) {
		/* C.2: the route stays DHP_BCE_DELETE_DELAY_S for packets
		 * in flight; a DHP-BU meanwhile revives the binding. */
		b->state = DHP_BIND_DELETING;
		b->lifetime = 0;
		b->updated_ms = c->rx->now;
		b->expiry_ms = c->rx->now + DHP_BCE_DELETE_DELAY_S * 1000;
		(void)bind_arm(e, b);	/* re-arm: cannot fail */
		e->st.bind_deleted++;
		snprintf(what, sizeof(what), "deleted (route kept %us)",
		    DHP_BCE_DELETE_DELAY_S);
		log_bind(b, what);
	}
	bu_reply(e, c, res, DMIP_STATUS_OK, q->seq, 0);
}

static void
bu_register(struct dhp_engine *e, struct rx_ctx *c, struct dhoa_lease *l,
    struct dhp_result *res)
{
	const struct mh_dhp_bu *q = &c->m->u.dbu;
	uint16_t life = min_u16(q->lifetime, e->bind_units);
	uint64_t left = l->expiry_ms > c->rx->now ?
	    (l->expiry_ms - c->rx->now) / (MH_LIFETIME_UNIT * 1000) : 0;

	/* Not past the lease (RFC 6275 10.3.1 for the HoA); its expiry
	 * ends the binding anyway. */
	if (life > left)
		life = left > 0 ? (uint16_t)left : 1;
	if (bind_set(e, c, l, life, res) != 0) {
		bu_reply(e, c, res, BA_STATUS_INSUFFICIENT, q->seq, 0);
		return;
	}
	bu_accept_seq(c->mn, l->udata, q->seq);
	bu_reply(e, c, res, DMIP_STATUS_OK, q->seq, life);
}

static void
bu_input(struct dhp_engine *e, struct rx_ctx *c, struct dhp_result *res)
{
	const struct mh_dhp_bu *q = &c->m->u.dbu;
	struct dhoa_lease *l = NULL;
	uint16_t seq = q->seq;
	int rc;

	e->st.rx_dhp_bu++;
	if ((rc = rx_check(e, c)) == -1)
		return;
	if (rc == 0)
		rc = bu_check_mesgid(c);
	if (rc == 0 && !coa_usable(e, &c->coa))
		rc = BA_STATUS_INVALID_COA;
	if (rc == 0)
		rc = bu_find_lease(e, c, &l);
	if (rc == 0)
		rc = bu_check_seq(c, l->udata, &seq);
	if (rc != 0) {
		bu_reply(e, c, res, (uint8_t)rc, seq, 0);
		return;
	}
	if (q->lifetime == 0)
		bu_deregister(e, c, l, res);
	else
		bu_register(e, c, l, res);	/* R ignored */
}

/* ---- entry points -------------------------------------------------- */

enum dhp_verdict
dhp_engine_input(struct dhp_engine *e, const struct dhp_rx *rx,
    struct dhp_result *res)
{
	struct rx_ctx c;
	char s[INET6_ADDRSTRLEN];

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	c.rx = rx;
	c.m = rx->msg;
	switch (rx->msg->type) {
	case MH_TYPE_DHOA_REQ:
		req_input(e, &c, res);
		break;
	case MH_TYPE_DHP_BU:
		bu_input(e, &c, res);
		break;
	default:
		e->st.rx_other++;
		log_debug("%s from %s: not for a DHP, dropped",
		    mh_type_name(rx->msg->type), a6(&rx->src, s));
		break;
	}
	return res->verdict;
}

void
dhp_engine_action_failed(struct dhp_engine *e, struct dhp_result *res)
{
	struct dhp_action *a = &res->action;
	struct dhoa_lease *l;
	struct dhp_binding *b = NULL;
	struct mh_msg *m = &res->reply.msg;

	if (!res->has_action)
		return;
	res->has_action = false;
	e->st.bind_failed++;
	if ((l = dhoa_pool_find(e->pool, &a->dhoa)) != NULL &&
	    l->state == DHOA_LEASED)
		b = l->udata;
	if (a->kind == DHP_ACT_BIND_DEL || b == NULL)
		return;		/* nothing left to undo */
	if (a->kind == DHP_ACT_BIND_ADD) {
		log_bind(b, "removed again: the data plane refused it");
		bind_free(e, b);
	} else {
		log_bind(b, "not moved: the data plane refused it");
		b->coa = a->old_coa;
	}
	if (!res->has_reply)
		return;
	if (m->type == MH_TYPE_DHP_BC && m->u.dbc.status == DMIP_STATUS_OK) {
		e->st.bu_status[DMIP_STATUS_OK]--;
		e->st.bu_status[BA_STATUS_INSUFFICIENT]++;
		m->u.dbc.status = BA_STATUS_INSUFFICIENT;
		m->u.dbc.lifetime = 0;
		set_bra(m, 0);
		set_verdict(res, BA_STATUS_INSUFFICIENT);
	} else if (m->type == MH_TYPE_DHOA_RESP) {
		/* The lease stands; B says the binding is not there. */
		m->u.dresp.flags &= (uint8_t)~DHOA_F_B;
		set_bra(m, bra_units(m->u.dresp.lifetime));
	}
}

uint64_t
dhp_engine_next_expiry(const struct dhp_engine *e)
{
	uint64_t a = timerheap_next(&e->heap);
	uint64_t b = dhoa_pool_next_expiry(e->pool);

	a = a < b ? a : b;
	return a == UINT64_MAX ? DHP_NO_EXPIRY : a;
}

size_t
dhp_engine_expire(struct dhp_engine *e, uint64_t now, uint64_t now_ntp,
    dhp_event_fn fn, void *arg)
{
	size_t n;

	e->ev_fn = fn;
	e->ev_arg = arg;
	e->ev_now = now;
	e->ev_ntp = now_ntp;
	e->ev_count = 0;
	timerheap_run(&e->heap, now);
	dhoa_pool_expire(e->pool, now, lease_expired, e);
	n = e->ev_count;
	e->ev_fn = NULL;
	e->ev_arg = NULL;
	return n;
}

int
dhp_engine_reconfigure(struct dhp_engine *e, const struct dhpd_conf *conf,
    const struct sa_table *sas, uint64_t now, dhp_event_fn fn, void *arg)
{
	struct dhp_mn *mns, *old = e->mns, *n;
	size_t nold = e->nmns;

	if ((mns = mns_load(conf)) == NULL)
		return -1;
	for (size_t i = 0; i < conf->nmns; i++) {
		struct dhp_mn *o = mn_find_in(old, nold, &mns[i].hoa);

		if (o == NULL)
			continue;
		n = &mns[i];
		n->lease = o->lease;
		n->req_ts_seen = o->req_ts_seen;
		n->req_seq_seen = o->req_seq_seen;
		n->req_mesgid = o->req_mesgid;
		n->req_seq = o->req_seq;
		n->bu_ts_seen = o->bu_ts_seen;
		n->bu_seq_seen = o->bu_seq_seen;
		n->bu_mesgid = o->bu_mesgid;
		n->bu_seq = o->bu_seq;
	}
	e->ev_fn = fn;
	e->ev_arg = arg;
	e->ev_count = 0;
	/* MNs that left: their DHoAs go (nobody could refresh them). */
	for (size_t i = 0; i < nold; i++)
		if (old[i].lease != NULL &&
		    mn_find_in(mns, conf->nmns, &old[i].hoa) == NULL)
			lease_release(e, NULL, old[i].lease, now,
			    " (mobile node removed)", NULL);
	e->ev_fn = NULL;
	e->ev_arg = NULL;
	e->mns = mns;
	e->nmns = conf->nmns;
	free(old);
	e->sas = sas;
	policy_load(e, conf);
	dhoa_pool_set_limits(e->pool, conf->max_leases,
	    (uint64_t)conf->quarantine * 1000);
	return 0;
}

struct foreach_ctx {
	dhp_lease_fn	 fn;
	void		*arg;
};

static void
foreach_lease(struct dhoa_lease *l, void *arg)
{
	struct foreach_ctx *fc = arg;

	fc->fn(l, l->udata, fc->arg);
}

void
dhp_engine_foreach_lease(const struct dhp_engine *e, dhp_lease_fn fn,
    void *arg)
{
	struct foreach_ctx fc = { fn, arg };

	dhoa_pool_foreach(e->pool, foreach_lease, &fc);
}

const struct dhp_stats *
dhp_engine_stats(const struct dhp_engine *e)
{
	return &e->st;
}

const struct dhoa_pool *
dhp_engine_pool(const struct dhp_engine *e)
{
	return e->pool;
}

size_t
dhp_engine_bindings(const struct dhp_engine *e)
{
	return e->nbindings;
}

const struct dhoa_lease *
dhp_engine_lease(const struct dhp_engine *e, const struct in6_addr *dhoa)
{
	const struct dhoa_lease *l = dhoa_pool_find(e->pool, dhoa);

	return l != NULL && l->state == DHOA_LEASED ? l : NULL;
}

const struct dhp_binding *
dhp_engine_find(const struct dhp_engine *e, const struct in6_addr *dhoa)
{
	const struct dhoa_lease *l = dhp_engine_lease(e, dhoa);

	return l != NULL ? l->udata : NULL;
}

/* ---- saving and restoring ------------------------------------------ */

void
dhp_engine_foreach_replay(const struct dhp_engine *e, dhp_replay_fn fn,
    void *arg)
{
	struct dhp_replay r;

	for (size_t i = 0; i < e->nmns; i++) {
		const struct dhp_mn *mn = &e->mns[i];

		if (!mn->req_ts_seen && !mn->req_seq_seen && !mn->bu_ts_seen &&
		    !mn->bu_seq_seen)
			continue;
		memset(&r, 0, sizeof(r));
		r.hoa = mn->hoa;
		r.req_ts_seen = mn->req_ts_seen;
		r.req_seq_seen = mn->req_seq_seen;
		r.bu_ts_seen = mn->bu_ts_seen;
		r.bu_seq_seen = mn->bu_seq_seen;
		r.req_mesgid = mn->req_mesgid;
		r.bu_mesgid = mn->bu_mesgid;
		r.req_seq = mn->req_seq;
		r.bu_seq = mn->bu_seq;
		fn(&r, arg);
	}
}

bool
dhp_engine_restore_replay(struct dhp_engine *e, const struct dhp_replay *r)
{
	struct dhp_mn *mn = mn_find(e, &r->hoa);

	if (mn == NULL)
		return false;
	mn->req_ts_seen = r->req_ts_seen;
	mn->req_seq_seen = r->req_seq_seen;
	mn->bu_ts_seen = r->bu_ts_seen;
	mn->bu_seq_seen = r->bu_seq_seen;
	mn->req_mesgid = r->req_mesgid;
	mn->bu_mesgid = r->bu_mesgid;
	mn->req_seq = r->req_seq;
	mn->bu_seq = r->bu_seq;
	return true;
}

static void
floor_one(bool *seen, uint64_t *last, uint64_t floor)
{
	if (!*seen || (int64_t)(*last - floor) < 0) {
		*last = floor;
		*seen = true;
	}
}

void
dhp_engine_mesgid_floor(struct dhp_engine *e, uint64_t floor)
{
	const struct mh_sa *sa;

	for (size_t i = 0; i < e->nmns; i++) {
		struct dhp_mn *mn = &e->mns[i];

		sa = sa_table_find(e->sas, mn->spi);
		if (sa == NULL || sa->replay != REPLAY_TIMESTAMP)
			continue;
		floor_one(&mn->req_ts_seen, &mn->req_mesgid, floor);
		floor_one(&mn->bu_ts_seen, &mn->bu_mesgid, floor);
	}
}

static void
foreach_quarantined(struct dhoa_lease *l, void *arg)
{
	struct foreach_ctx *fc = arg;

	fc->fn(l, NULL, fc->arg);
}

void
dhp_engine_foreach_quarantined(const struct dhp_engine *e, dhp_lease_fn fn,
    void *arg)
{
	struct foreach_ctx fc = { fn, arg };

	dhoa_pool_foreach_quarantined(e->pool, foreach_quarantined, &fc);
}

int
dhp_engine_restore_quarantine(struct dhp_engine *e,
    const struct in6_addr *dhoa, const struct in6_addr *hoa, uint64_t now,
    uint64_t end_ms)
{
	int rc = dhoa_pool_restore_quarantine(e->pool, dhoa, hoa, now, end_ms);

	if (rc == 0)
		return 0;
	return rc == BA_STATUS_INSUFFICIENT ? -ENOMEM : -EINVAL;
}

int
dhp_engine_restore_lease(struct dhp_engine *e, const struct in6_addr *dhoa,
    const struct in6_addr *hoa, uint64_t leased_ms, uint64_t expiry_ms,
    uint64_t now)
{
	struct dhp_mn *mn = mn_find(e, hoa);
	uint64_t cap = now + units_ms(e->lease_units);
	struct dhoa_lease *l;
	char d[INET6_ADDRSTRLEN], h[INET6_ADDRSTRLEN];
	int rc;

	if (mn == NULL)
		return -ENOENT;
	if (mn->lease != NULL)
		return -EEXIST;
	if (expiry_ms <= now || IN6_IS_ADDR_UNSPECIFIED(dhoa))
		return -EINVAL;
	rc = dhoa_pool_lease(e->pool, hoa, dhoa, now,
	    expiry_ms < cap ? expiry_ms : cap, &l);
	if (rc != DHOA_LEASE_NEW) {
		/* 130: max_leases or no memory; else not grantable. */
		return rc == BA_STATUS_INSUFFICIENT ? -ENOSPC : -EINVAL;
	}
	l->leased_ms = leased_ms;
	mn->lease = l;
	log_info("DHoA %s of %s restored from the state file",
	    a6(&l->dhoa, d), a6(hoa, h));
	return 0;
}

int
dhp_engine_restore_binding(struct dhp_engine *e, const struct in6_addr *dhoa,
    const struct dhp_binding *saved, uint64_t now, struct dhp_action *add)
{
	struct dhoa_lease *l = dhoa_pool_find(e->pool, dhoa);
	struct dhp_binding *b;
	uint64_t cap, exp = saved->expiry_ms;
	char d[INET6_ADDRSTRLEN];

	if (l == NULL || l->state != DHOA_LEASED)
		return -ENOENT;
	if (l->udata != NULL)
		return -EEXIST;
	if (!coa_usable(e, &saved->coa) || exp <= now ||
	    (unsigned)saved->state >= DHP_BIND_STATE_COUNT ||
	    (saved->state == DHP_BIND_ACTIVE && saved->lifetime == 0))
		return -EINVAL;
	cap = now + (saved->state == DHP_BIND_ACTIVE ?
	    units_ms(e->bind_units) : (uint64_t)DHP_BCE_DELETE_DELAY_S * 1000);
	if ((b = bind_new(e, l, saved->created_ms)) == NULL)
		return -ENOMEM;
	b->coa = saved->coa;
	b->state = saved->state;
	b->lifetime = saved->state == DHP_BIND_ACTIVE ?
	    min_u16(saved->lifetime, e->bind_units) : 0;
	b->seq = saved->seq;
	b->seq_valid = saved->seq_valid;
	b->brr_sent = saved->brr_sent;
	b->updated_ms = saved->updated_ms;
	b->expiry_ms = exp < cap ? exp : cap;
	if (bind_arm(e, b) == -1) {
		bind_free(e, b);
		return -ENOMEM;
	}
	memset(add, 0, sizeof(*add));
	add->kind = DHP_ACT_BIND_ADD;
	add->dhoa = l->dhoa;
	add->coa = b->coa;
	/* Debug only: dhpd logs each restored binding once itself. */
	log_debug("DHP binding %s restored from the state file",
	    a6(&l->dhoa, d));
	return 0;
}
