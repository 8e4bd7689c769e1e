/*
 * mn_dhp.c: mnd's glue around the DHP anchors: I/O, the handoff
 * timeline and the control-socket commands (see mn_dhp.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlsock.h"
#include "daemon.h"
#include "evloop.h"
#include "log.h"
#include "mn_dhp.h"
#include "mn_home.h"
#include "mn_move.h"
#include "movement.h"

static const char *
a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static struct bul_now
now_of(void)
{
	struct bul_now n = { evloop_clock_ms(), ntp_now() };

	return n;
}

/* ---- I/O of the engine -------------------------------------------------- */

static int
io_send(void *arg, const uint8_t *mh, size_t len, const struct in6_addr *src,
    const struct in6_addr *dst)
{
	struct mn_dhp *md = arg;

	if (mhsock_send(md->d->sock, mh, len, src, dst, 0, 0) == -1) {
		md->tx_errors++;
		return -1;
	}
	return 0;
}

static int
io_install(void *arg, const struct in6_addr *dhoa, const struct in6_addr *tep)
{
	struct mn_dhp *md = arg;

	if (mn_move_dhoa_bind(md->mm, dhoa, tep) == -1)
		return -1;
	/* A DHoA is never a care-of address. */
	if (movement_exclude(md->mv, dhoa, true) == -1)
		log_warnx("movement: cannot exclude a DHoA");
	if (md->hooks.watch != NULL)
		md->hooks.watch(md->hooks.arg);
	return 0;
}

static void
io_uninstall(void *arg, const struct in6_addr *dhoa)
{
	struct mn_dhp *md = arg;

	mn_move_dhoa_unbind(md->mm, dhoa);
	movement_exclude(md->mv, dhoa, false);
}

/* ---- the handoff timeline (G.4 step 5) ---------------------------------- */

static void
ho_report(struct mn_dhp *md, const char *how)
{
	struct mn_dhp_handoff *h = &md->ho;
	char line[1024], c[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];
	const char *sep = "";
	uint64_t last = 0;
	size_t off;

	off = (size_t)snprintf(line, sizeof(line), "handoff to %s:",
	    a6(&h->coa, c));
	if (h->ha_pending) {
		if (h->ha_ms != 0)
			off += (size_t)snprintf(line + off, sizeof(line) - off,
			    " BA after %" PRIu64 " ms", h->ha_ms);
		else
			off += (size_t)snprintf(line + off, sizeof(line) - off,
			    " no BA");
		last = h->ha_ms;
		sep = ",";
	}
	for (size_t i = 0; i < h->n && off < sizeof(line); i++) {
		if (h->dhp[i].ms == UINT64_MAX)
			continue;	/* released meanwhile */
		if (h->dhp[i].ms != 0)
			off += (size_t)snprintf(line + off, sizeof(line) - off,
			    "%s DHP-BC from %s after %" PRIu64 " ms", sep,
			    a6(&h->dhp[i].peer, p), h->dhp[i].ms);
		else
			off += (size_t)snprintf(line + off, sizeof(line) - off,
			    "%s no DHP-BC from %s", sep,
			    a6(&h->dhp[i].peer, p));
		if (h->dhp[i].ms > last)
			last = h->dhp[i].ms;
		sep = ",";
	}
	if (off < sizeof(line))
		snprintf(line + off, sizeof(line) - off, "; %s after %" PRIu64
		    " ms", how, last);
	log_info("%s", line);
	h->active = false;
}

static void
ho_check(struct mn_dhp *md)
{
	struct mn_dhp_handoff *h = &md->ho;

	if (!h->active || (h->ha_pending && h->ha_ms == 0) || h->acked < h->n)
		return;
	ho_report(md, "all confirmed");
}

void
mn_dhp_handoff_begin(struct mn_dhp *md, const struct in6_addr *coa,
    bool ha_pending, uint64_t now_ms)
{
	struct mn_dhp_handoff *h = &md->ho;

	if (h->active)
		ho_report(md, "superseded");
	memset(h, 0, sizeof(*h));
	h->coa = *coa;
	h->t0 = now_ms;
	h->ha_pending = ha_pending;
	h->active = ha_pending;
}

void
mn_dhp_handoff_track(struct mn_dhp *md)
{
	struct mn_dhp_handoff *h = &md->ho;
	bool known;

	for (size_t i = 0; i < md->an.n && h->n < MN_DHP_HO_MAX; i++) {
		const struct anchor *an = md->an.v[i];

		if ((an->state != ANCHOR_BOUND && an->state !=
		    ANCHOR_RENEWING) || an->bul == NULL ||
		    an->bul->state != BUL_REGISTERING)
			continue;
		known = false;
		for (size_t k = 0; k < h->n; k++)
			known = known || h->dhp[k].id == an->id;
		if (known)
			continue;
		h->dhp[h->n].id = an->id;
		h->dhp[h->n].peer = an->peer;
		h->dhp[h->n].ms = 0;
		h->n++;
		h->active = true;
	}
}

void
mn_dhp_handoff_ha(struct mn_dhp *md, uint64_t now_ms)
{
	struct mn_dhp_handoff *h = &md->ho;

	if (!h->active || !h->ha_pending || h->ha_ms != 0)
		return;
	h->ha_ms = now_ms > h->t0 ? now_ms - h->t0 : 1;
	ho_check(md);
}

static void
io_event(void *arg, enum anchors_event ev, const struct anchor *an,
    const struct anchor_req *r)
{
	struct mn_dhp *md = arg;
	struct mn_dhp_handoff *h = &md->ho;
	uint64_t now = evloop_clock_ms();

	if (md->hooks.event != NULL)
		md->hooks.event(md->hooks.arg, ev, an, r);
	if (!h->active || an == NULL ||
	    (ev != ANCHORS_EV_ACK && ev != ANCHORS_EV_GONE))
		return;
	for (size_t i = 0; i < h->n; i++) {
		if (h->dhp[i].id != an->id || h->dhp[i].ms != 0)
			continue;
		if (ev == ANCHORS_EV_ACK)
			h->dhp[i].ms = now > h->t0 ? now - h->t0 : 1;
		else
			h->dhp[i].ms = UINT64_MAX;
		h->acked++;
	}
	ho_check(md);
}

/* ---- set-up ------------------------------------------------------------- */

int
mn_dhp_init(struct mn_dhp *md, struct daemon *d, const struct mnd_conf *c,
    const struct sa_table *sas, const struct mh_sa *ha_sa,
    struct mn_move *mm, struct movement *mv, const struct mn_home *home,
    uint16_t first_seq, const struct mn_dhp_hooks *hooks)
{
	struct anchors_cfg cfg;
	struct anchors_io io = {
		.send = io_send,
		.install = io_install,
		.uninstall = io_uninstall,
		.event = io_event,
		.arg = md,
	};

	memset(md, 0, sizeof(*md));
	md->d = d;
	md->mm = mm;
	md->mv = mv;
	md->home = home;
	if (hooks != NULL)
		md->hooks = *hooks;
	anchors_cfg_defaults(&cfg);
	cfg.hoa = c->home_address;
	cfg.ha = c->home_agent;
	cfg.ha_sa = ha_sa;
	cfg.fallback_to_ha = c->fallback_to_ha;
	if (c->grace_period >= MH_LIFETIME_UNIT)
		cfg.grace_s = c->grace_period;
	if (anchors_init(&md->an, &cfg, c->dhps, c->ndhps, sas, &io,
	    first_seq) == -1)
		return -1;
	md->an.cache.tie = (enum dhpc_tiebreak)c->dhp_tie_break;
	md->ok = true;
	return 0;
}

void
mn_dhp_free(struct mn_dhp *md)
{
	if (md->ok)
		anchors_free(&md->an);
	md->ok = false;
}

/* ---- control socket ----------------------------------------------------- */

static void
changed(struct mn_dhp *md)
{
	if (md->hooks.rearm != NULL)
		md->hooks.rearm(md->hooks.arg);
}

static const char *
secs_left(struct ctl_out *o, uint64_t when, uint64_t now)
{
	if (when == 0 || when == UINT64_MAX)
		return NULL;
	return ctl_fmt(o, "%" PRIu64, when > now ? (when - now + 999) / 1000 :
	    0);
}

static const char *
in6_or_null(struct ctl_out *o, const struct in6_addr *a)
{
	return IN6_IS_ADDR_UNSPECIFIED(a) ? NULL : ctl_in6(o, a);
}

static void
binding_row(struct ctl_out *o, const struct bul_entry *e,
    const struct anchor *an, const struct in6_addr *peer, uint64_t now)
{
	bool sent = e != NULL && e->stats.bu_sent > 0;
	const struct in6_addr *coa = e != NULL ? &e->coa :
	    an != NULL ? &an->tx.coa : NULL;

	ctl_row(o, e != NULL ? bul_kind_name(e->kind) : "DHP",
	    ctl_in6(o, peer), e != NULL ? ctl_in6(o, &e->hoa) : NULL,
	    an != NULL ? in6_or_null(o, &an->dhoa) : NULL,
	    coa != NULL ? in6_or_null(o, coa) : NULL,
	    e != NULL ? bul_state_name(e->state) : "idle",
	    an != NULL ? anchor_state_name(an->state) : NULL,
	    sent ? ctl_fmt(o, "%u", e->seq) : NULL,
	    e != NULL ? ctl_fmt(o, "%u", e->lifetime_granted *
	    (unsigned)MH_LIFETIME_UNIT) : NULL,
	    e != NULL ? secs_left(o, e->expires_ms, now) : NULL,
	    sent ? ctl_fmt(o, "%u", e->last_status) : NULL);
}

static int
ctl_show_bindings(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct mn_dhp *md = arg;
	uint64_t now = evloop_clock_ms();

	(void)argv;
	if (argc != 0)
		return ctl_error(o, "usage: show bindings");
	ctl_table(o, "bindings", "kind", "peer", "hoa", "dhoa", "coa", "state",
	    "anchor", "seq:n", "lifetime:n", "expires_in:n", "last_status:n");
	binding_row(o, md->home->e, NULL, &md->home->e->peer, now);
	for (size_t i = 0; i < md->an.n; i++) {
		const struct anchor *an = md->an.v[i];

		binding_row(o, an->bul, an, &an->peer, now);
	}
	return 0;
}

static int
ctl_show_dhps(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct mn_dhp *md = arg;
	const struct dhp_cache *c = &md->an.cache;
	uint64_t now = evloop_clock_ms();
	char cands[512];

	(void)argv;
	if (argc != 0)
		return ctl_error(o, "usage: show dhps");
	ctl_kv(o, "tie_break", "%s", dhpc_tiebreak_name(c->tie));
	ctl_table(o, "dhps", "name", "address", "spi:n", "state",
	    "down_for:n", "why", "anchors:n", "failures:n");
	for (size_t i = 0; i < c->ndhps; i++) {
		const struct dhpc_dhp *d = &c->dhps[i];
		bool down = dhp_cache_is_down(c, i, now);

		ctl_row(o, d->name, ctl_in6(o, &d->addr),
		    ctl_fmt(o, "%u", d->spi), down ? "down" : "up",
		    down ? secs_left(o, d->down_until, now) : NULL,
		    down ? d->down_why : NULL, ctl_fmt(o, "%u", d->anchors),
		    ctl_fmt(o, "%" PRIu64, d->failures));
	}
	ctl_table(o, "cache", "cn", "answer", "candidates", "expires_in:n");
	for (size_t i = 0; i < c->cap; i++) {
		const struct dhpc_entry *e = &c->v[i];
		struct in6_addr p64;
		size_t off = 0;
		char x[INET6_ADDRSTRLEN];

		if (!e->used || now >= e->expires_ms)
			continue;
		p64 = e->cn;
		memset(&p64.s6_addr[8], 0, 8);	/* cached per CN /64 (F.4) */
		cands[0] = '\0';
		for (unsigned k = 0; k < e->n && off < sizeof(cands); k++)
			off += (size_t)snprintf(cands + off,
			    sizeof(cands) - off, "%s%s/%u/%u%s", k ? "," : "",
			    a6(&e->cand[k].addr, x), e->cand[k].pref,
			    e->cand[k].metric, (e->cand[k].flags &
			    DHP_CAND_F_COLOCATED) ? "/co" : "");
		ctl_row(o, ctl_fmt(o, "%s/64", a6(&p64, x)),
		    e->status == DMIP_STATUS_USE_HA ? "use-ha" : "dhp",
		    e->n ? ctl_fmt(o, "%s", cands) : NULL,
		    secs_left(o, e->expires_ms, now));
	}
	return 0;
}

static int
parse_type(const char *s, uint8_t *t)
{
	for (uint8_t i = CONT_FIXED; i <= CONT_MAX; i++)
		if (strcmp(s, conf_cont_name(i)) == 0) {
			*t = i;
			return 0;
		}
	return -1;
}

static int
parse_addr(struct ctl_out *o, const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		return ctl_error(o, "not an IPv6 address: %s", s);
	return 0;
}

static void
req_kvs(struct ctl_out *o, const struct mn_dhp *md,
    const struct anchor_req *r, uint64_t now)
{
	uint64_t end = r->t_done ? r->t_done : now;

	ctl_kv(o, "id:n", "%u", r->id);
	ctl_kv(o, "cn", "%s", ctl_in6(o, &r->cn));
	ctl_kv(o, "type", "%s", conf_cont_name(r->type));
	ctl_kv(o, "state", "%s", areq_state_name(r->state));
	ctl_kv(o, "result", "%s", areq_result_name(r->result));
	if (r->state == AREQ_DONE)
		ctl_kv(o, "address", "%s", ctl_in6(o, &r->addr));
	if (r->dhp >= 0)
		ctl_kv(o, "dhp", "%s", md->an.cache.dhps[r->dhp].name);
	if (r->why[0] != '\0')
		ctl_kv(o, "why", "%s", r->why);
	ctl_kv(o, "ms:n", "%" PRIu64, end - r->t_start);
}

static int
ctl_anchor_request(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct mn_dhp *md = arg;
	const struct anchor_req *r;
	struct in6_addr cn;
	uint8_t type;

	if (argc != 2)
		return ctl_error(o, "usage: anchor request <cn-address> "
		    "session-lasting|fixed|non-persistent|"
		    "graceful-replacement");
	if (parse_addr(o, argv[0], &cn) == -1)
		return -1;
	if (parse_type(argv[1], &type) == -1)
		return ctl_error(o, "unknown type: %s", argv[1]);
	if ((r = anchors_request(&md->an, &cn, type, now_of())) == NULL)
		return ctl_error(o, "cannot start the request: %s",
		    strerror(errno));
	req_kvs(o, md, r, evloop_clock_ms());
	changed(md);
	return 0;
}

static void
anchors_table(struct ctl_out *o, const struct mn_dhp *md, uint64_t now)
{
	ctl_table(o, "anchors", "dhoa", "dhp", "peer", "state", "type",
	    "holds:n", "cn", "lease_expires_in:n", "binding");
	for (size_t i = 0; i < md->an.n; i++) {
		const struct anchor *an = md->an.v[i];

		ctl_row(o, in6_or_null(o, &an->dhoa),
		    md->an.cache.dhps[an->dhp].name, ctl_in6(o, &an->peer),
		    anchor_state_name(an->state), conf_cont_name(an->type),
		    ctl_fmt(o, "%u", an->holds), ctl_in6(o, &an->cn),
		    secs_left(o, an->lease_ms, now), an->bul != NULL ?
		    bul_state_name(an->bul->state) : NULL);
	}
}

static int
ctl_anchor_show(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct mn_dhp *md = arg;
	const struct anchor_req *r;
	uint64_t now = evloop_clock_ms();
	char *end;
	unsigned long id;

	if (argc > 1)
		return ctl_error(o, "usage: anchor show [<request id>]");
	if (argc == 1) {
		id = strtoul(argv[0], &end, 10);
		if (*end != '\0' || id == 0 || id > UINT32_MAX ||
		    (r = anchors_find_req(&md->an, (unsigned)id)) == NULL)
			return ctl_error(o, "no request %s", argv[0]);
		req_kvs(o, md, r, now);
		return 0;
	}
	ctl_table(o, "requests", "id:n", "cn", "type", "state", "result",
	    "address", "dhp", "why", "ms:n");
	for (size_t i = 0; i < anchors_nreqs(&md->an); i++) {
		r = anchors_req_at(&md->an, i);
		ctl_row(o, ctl_fmt(o, "%u", r->id), ctl_in6(o, &r->cn),
		    conf_cont_name(r->type), areq_state_name(r->state),
		    areq_result_name(r->result), r->state == AREQ_DONE ?
		    ctl_in6(o, &r->addr) : NULL, r->dhp >= 0 ?
		    md->an.cache.dhps[r->dhp].name : NULL,
		    r->why[0] ? ctl_fmt(o, "%s", r->why) : NULL,
		    ctl_fmt(o, "%" PRIu64, (r->t_done ? r->t_done : now) -
		    r->t_start));
	}
	anchors_table(o, md, now);
	return 0;
}

/* anchor release|hold|unhold <dhoa> */
static int
ctl_anchor_op(struct ctl_out *o, int argc, char **argv, const char *op,
    struct mn_dhp *md)
{
	struct in6_addr dhoa;
	int rc;

	if (argc != 1)
		return ctl_error(o, "usage: anchor %s <dhoa>", op);
	if (parse_addr(o, argv[0], &dhoa) == -1)
		return -1;
	if (strcmp(op, "release") == 0)
		rc = anchors_release(&md->an, &dhoa, now_of());
	else if (strcmp(op, "hold") == 0)
		rc = anchors_hold(&md->an, &dhoa);
	else
		rc = anchors_unhold(&md->an, &dhoa, now_of());
	changed(md);
	if (rc == -1)
		return ctl_error(o, "%s %s: %s", op, argv[0], errno == ENOENT ?
		    "no such DHoA" : "being released, or no holder");
	ctl_kv(o, "dhoa", "%s", argv[0]);
	ctl_kv(o, "result", "%s", op);
	return 0;
}

static int
ctl_anchor_release(struct ctl_out *o, int argc, char **argv, void *arg)
{
	return ctl_anchor_op(o, argc, argv, "release", arg);
}

static int
ctl_anchor_hold(struct ctl_out *o, int argc, char **argv, void *arg)
{
	return ctl_anchor_op(o, argc, argv, "hold", arg);
}

static int
ctl_anchor_unhold(struct ctl_out *o, int argc, char **argv, void *arg)
{
	return ctl_anchor_op(o, argc, argv, "unhold", arg);
}

static int
ctl_tiebreak(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct mn_dhp *md = arg;
	enum dhpc_tiebreak t;

	if (argc != 1 || dhpc_tiebreak_parse(argv[0], &t) == -1)
		return ctl_error(o, "usage: dhp tie-break "
		    "reuse|directory|config|address");
	log_info("DHP tie-break: %s -> %s (control socket)",
	    dhpc_tiebreak_name(md->an.cache.tie), dhpc_tiebreak_name(t));
	md->an.cache.tie = t;
	ctl_kv(o, "tie_break", "%s", dhpc_tiebreak_name(t));
	return 0;
}

int
mn_dhp_ctl_register(struct mn_dhp *md, struct ctlsock *cs)
{
	static const struct {
		const char	*name;
		unsigned	 flags;
		ctl_fn		 fn;
	} cmds[] = {
		{ "show bindings", 0, ctl_show_bindings },
		{ "show dhps", 0, ctl_show_dhps },
		{ "anchor request", CTL_F_PRIV, ctl_anchor_request },
		{ "anchor show", 0, ctl_anchor_show },
		{ "anchor release", CTL_F_PRIV, ctl_anchor_release },
		{ "anchor hold", CTL_F_PRIV, ctl_anchor_hold },
		{ "anchor unhold", CTL_F_PRIV, ctl_anchor_unhold },
		{ "dhp tie-break", CTL_F_PRIV, ctl_tiebreak },
	};

	if (cs == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (ctlsock_register(cs, cmds[i].name, cmds[i].flags,
		    cmds[i].fn, md) == -1) {
			log_warn("control command %s", cmds[i].name);
			return -1;
		}
	return 0;
}
