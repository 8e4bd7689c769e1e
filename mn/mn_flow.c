/*
 * mn_flow.c: mnd's per-flow mobility glue (see mn_flow.h; PROTOCOL.md
 * G.1-G.4). The decisions are the pure engines' (policy, flowtab,
 * anchors); this file moves packets, marks and kernel state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#include "ctlsock.h"
#include "ctnl.h"
#include "daemon.h"
#include "evloop.h"
#include "log.h"
#include "mn_flow.h"
#include "nfq.h"
#include "nl_route.h"
#include "sockdiag.h"
#include "tunnel.h"
#include "flowtab.h"
#include "pktparse.h"
#include "policy.h"

#define FLOW_RULE_PREF		1050	/* after local, before "from" rules */
#define FLOW_HO_KEEP		8	/* handoff records kept */
#define FLOW_HO_ROWS		1024	/* flows recorded per handoff */
#define FLOW_POLL_MS		10	/* first-packet polling (G.4 s5) */
#define FLOW_POLL_FOR_MS	3000
#define FLOW_POLL_MAX		256	/* flows polled per handoff */
#define FLOW_KEPT_MAX		8	/* old CoAs kept on lo (G.3) */
#define FLOW_PEND_MAX		4096	/* packets held for an anchor */
#define LO_IFINDEX		1
/* The side path of translated flows under the seg6 backend (below). */
#define SIDE_TUN_NAME		"dmipn0"
#define SIDE_TABLE_BASE		400
#define SIDE_SRC_PREF		1200
#define SIDE_DIVERT_PREF	490	/* before the seg6 decap rule (500) */
#define RT_TABLE_LOCAL		255

/* An anchor slot of the mark (flow_mark.h): the HA's or a DHoA's. */
struct slot {
	bool		used;
	struct in6_addr	addr;		/* HoA or DHoA */
	uint32_t	table;		/* fwmark rule's table, 0 none */
	unsigned	nat_flows;	/* translated flows on it now */
};

/* A packet held in the queue until its flow has an anchor (G.3). */
struct pend {
	struct flow_key	key;
	enum flow_hook	hook;
	uint32_t	id, old_mark;
};

struct ho_row {
	struct flow_key	key;
	uint32_t	id;
	uint8_t		type, anchor;
	struct in6_addr	anchor_addr;
	enum ho_action	action;
	int64_t		bu, ack, first, end;	/* ms after coa; -1 */
	uint64_t	base_pkts;	/* from the correspondent, at coa */
	bool		polling;
};

struct ho_rec {
	unsigned	n;
	struct in6_addr	old_coa, new_coa;
	uint64_t	coa_ms, coa_unix_ms;
	size_t		count[HO_ACTION_COUNT];
	size_t		released;
	struct ho_row	*rows;
	size_t		nrows;
};

struct flow_stats {
	uint64_t	classified, dup_pkts, unparsed, held, held_timeout;
	uint64_t	anchored, anchor_failed, ended_handoff, ended_grace;
	uint64_t	ct_destroy, ct_destroy_alive, ct_delete_err;
	uint64_t	sock_destroyed;
	uint64_t	sock_destroy_err, verdict_err, nat_sync, nat_err;
};

struct mn_flow {
	struct daemon		*d;
	struct anchors		*an;
	struct mn_flow_hooks	 hooks;
	struct flowq_conf	 qc;
	struct flowq		*q;
	bool			 rules_on, nat_on;
	struct policy_table	 pol;
	struct flowtab		 ft;
	struct ctnl		*ev, *req;
	struct nlr		*nl;
	struct tunnel		*side;		/* tun side path, seg6 only */
	int			 side_fd;
	struct in6_addr		 divert[FLOW_ANCHOR_COUNT];	/* peers */
	size_t			 ndivert;
	struct timer		 timer;
	unsigned		 wait_ms;	/* anchor_wait */
	unsigned		 grace_ms;
	uint32_t		 next_id;
	struct slot		 slots[FLOW_ANCHOR_COUNT];
	struct pend		*pend;
	size_t			 npend, pendcap;
	struct in6_addr		 kept[FLOW_KEPT_MAX];
	size_t			 nkept;
	struct in6_addr		 coa;
	bool			 have_coa;
	struct ho_rec		 ho[FLOW_HO_KEEP];	/* ring */
	unsigned		 nho;		/* handoffs so far */
	uint64_t		 poll_until;
	bool			 dirty;		/* mn_flow_dirty() */
	struct flow_stats	 st;
};

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

static struct bul_now
now_of(void)
{
	struct bul_now n = { evloop_clock_ms(), ntp_now() };

	return n;
}

static uint64_t
unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *
flow_str(const struct flow_key *k, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], p[8];

	snprintf(buf, len, "%s [%s]:%u -> [%s]:%u",
	    pkt_proto_name(k->proto, p, sizeof(p)), a6(&k->src, s), k->sport,
	    a6(&k->dst, d), k->dport);
	return buf;
}

static void
rearm_engine(struct mn_flow *fl)
{
	if (fl->hooks.rearm != NULL)
		fl->hooks.rearm(fl->hooks.arg);
}

/* ---- anchor slots: fwmark rules and the nat chain ------------------ */

static void
slot_rule(struct mn_flow *fl, int s, uint32_t table, bool add)
{
	struct nlr_rule r = { 0 };
	int rc;

	r.pref = FLOW_RULE_PREF;
	r.table = table;
	/* Only translated flows need it: the others carry their anchor's
	 * address and its "from" rule steers them. */
	r.fwmark = FLOW_MARK_CLASSIFIED | FLOW_MARK_NAT | (uint32_t)s;
	r.fwmask = FLOW_MARK_CLASSIFIED | FLOW_MARK_NAT |
	    FLOW_MARK_ANCHOR_MASK;
	rc = add ? nlr_rule_add(fl->nl, &r) : nlr_rule_del(fl->nl, &r);
	if (rc < 0 && !(add && rc == -EEXIST) && !(!add && rc == -ENOENT))
		log_warnx("rule fwmark 0x%x lookup %u: %s %s", r.fwmark, table,
		    add ? "add" : "delete", strerror(-rc));
}

/*
 * The seg6 side path. Under seg6 the inner packet of a locally sent flow
 * is encapsulated by the route itself: it never reaches nat POSTROUTING
 * (no source translation), and with net.netfilter.nf_hooks_lwtunnel = 1
 * the outer packet still carries the inner packet's conntrack entry, so
 * the translation is applied to the outer header and the packet is lost;
 * End.DT6 does not hand the decapsulated reply to conntrack either (both
 * seen here, kernel 6.18). Translated flows therefore use a TUN device
 * of their own (the tun backend, same wire format) both ways: out through
 * dmipn0, where POSTROUTING runs normally, and in through its raw socket:
 * a rule "from <peer> ipproto 41 lookup local" ahead of the seg6 decap
 * rule delivers the tunnel packets of every anchor that carries
 * translated flows to it, so the reverse translation happens when the
 * inner packet enters through dmipn0. Other flows stay in the kernel.
 */
static struct tunnel *
main_tunnel(struct mn_flow *fl)
{
	return fl->hooks.tunnel ? fl->hooks.tunnel(fl->hooks.arg) : NULL;
}

static void
on_side_readable(int fd, uint32_t events, void *arg)
{
	struct mn_flow *fl = arg;

	(void)fd;
	(void)events;
	if (fl->side != NULL)
		tunnel_on_readable(fl->side);
}

static bool
side_needed(struct mn_flow *fl)
{
	struct tunnel *t = main_tunnel(fl);

	return t != NULL && t->ops == &tunnel_seg6_ops;
}

static struct tunnel *
side_open(struct mn_flow *fl)
{
	struct tunnel *t = main_tunnel(fl);
	struct tunnel_cfg cfg;
	int fd;

	if (fl->side != NULL) {
		if (!addr_eq(&fl->side->cfg.local, &t->cfg.local) ||
		    fl->side->cfg.ifindex != t->cfg.ifindex)
			tunnel_set_local(fl->side, &t->cfg.local,
			    t->cfg.ifindex);
		return fl->side;
	}
	tunnel_cfg_defaults(&cfg, TUNNEL_ROLE_MN, &t->cfg.local,
	    t->cfg.ifindex);
	cfg.table_base = SIDE_TABLE_BASE;
	cfg.src_pref = SIDE_SRC_PREF;
	snprintf(cfg.tun_name, sizeof(cfg.tun_name), "%s", SIDE_TUN_NAME);
	if ((fl->side = tunnel_open(TUNNEL_TUN, &cfg)) == NULL)
		return NULL;
	if ((fd = tunnel_fd(fl->side)) >= 0 &&
	    evloop_add_fd(fl->d->loop, fd, EPOLLIN, on_side_readable,
	    fl) == 0)
		fl->side_fd = fd;
	log_info("translated flows: side path %s (tun) next to seg6",
	    SIDE_TUN_NAME);
	return fl->side;
}

static void
divert_rule(struct mn_flow *fl, const struct in6_addr *peer, bool add)
{
	struct nlr_rule r = { 0 };
	char b[INET6_ADDRSTRLEN];
	int rc;

	r.pref = SIDE_DIVERT_PREF;
	r.table = RT_TABLE_LOCAL;
	r.src = *peer;
	r.src_len = 128;
	r.ipproto = IPPROTO_IPV6;
	rc = add ? nlr_rule_add(fl->nl, &r) : nlr_rule_del(fl->nl, &r);
	if (rc < 0 && !(add && rc == -EEXIST) && !(!add && rc == -ENOENT))
		log_warnx("rule from %s ipproto 41 lookup local: %s %s",
		    a6(peer, b), add ? "add" : "delete", strerror(-rc));
	else
		log_info("tunnel packets from %s: %s", a6(peer, b), add ?
		    "through the side path (translated flows)" : "seg6 again");
}

/* The peers whose tunnel packets go to the side path: those of the
 * anchors that carry translated flows now. */
static void
divert_sync(struct mn_flow *fl)
{
	struct in6_addr want[FLOW_ANCHOR_COUNT];
	struct tunnel *t = main_tunnel(fl);
	struct tunnel_bind *b;
	size_t n = 0, i, j;

	for (int s = FLOW_ANCHOR_HA; s < FLOW_ANCHOR_COUNT && fl->side &&
	    t != NULL; s++) {
		if (!fl->slots[s].used || fl->slots[s].nat_flows == 0 ||
		    (b = tunnel_find(t, &fl->slots[s].addr)) == NULL)
			continue;
		for (i = 0; i < n && !addr_eq(&want[i], &b->peer); i++)
			;
		if (i == n)
			want[n++] = b->peer;
	}
	for (i = 0; i < fl->ndivert; i++) {
		for (j = 0; j < n && !addr_eq(&want[j], &fl->divert[i]); j++)
			;
		if (j == n)
			divert_rule(fl, &fl->divert[i], false);
	}
	for (j = 0; j < n; j++) {
		for (i = 0; i < fl->ndivert && !addr_eq(&want[j],
		    &fl->divert[i]); i++)
			;
		if (i == fl->ndivert)
			divert_rule(fl, &want[j], true);
	}
	memcpy(fl->divert, want, n * sizeof(want[0]));
	fl->ndivert = n;
}

/* The binding a slot's fwmark rule points at: the main tunnel's, or
 * under seg6 the side path's (bound to the same peer). */
static struct tunnel_bind *
slot_bind(struct mn_flow *fl, const struct slot *sl)
{
	struct tunnel *t = main_tunnel(fl), *side;
	struct tunnel_bind *b, *sb;

	if (!sl->used || t == NULL || (b = tunnel_find(t, &sl->addr)) == NULL)
		return NULL;
	if (!side_needed(fl))
		return b;
	if ((side = side_open(fl)) == NULL)
		return NULL;
	if ((sb = tunnel_find(side, &sl->addr)) != NULL &&
	    addr_eq(&sb->peer, &b->peer))
		return sb;
	if (tunnel_bind(side, &sl->addr, &b->peer) < 0)
		return NULL;
	return tunnel_find(side, &sl->addr);
}

/* Point slot s's fwmark rule at its address's tunnel table (none when
 * the address is not bound in the tunnel: at home, the HoA). */
static void
slot_route(struct mn_flow *fl, int s)
{
	struct slot *sl = &fl->slots[s];
	struct tunnel_bind *b = sl->nat_flows > 0 ? slot_bind(fl, sl) : NULL;
	uint32_t want;

	if (b == NULL && fl->side != NULL &&
	    tunnel_find(fl->side, &sl->addr) != NULL)
		tunnel_unbind(fl->side, &sl->addr);
	want = b != NULL ? b->table : 0;
	if (want == sl->table)
		return;
	if (sl->table != 0)
		slot_rule(fl, s, sl->table, false);
	if (want != 0)
		slot_rule(fl, s, want, true);
	sl->table = want;
}

static void
slots_route(struct mn_flow *fl)
{
	for (int s = FLOW_ANCHOR_HA; s < FLOW_ANCHOR_COUNT; s++)
		if (fl->slots[s].used || fl->slots[s].table != 0)
			slot_route(fl, s);
}

/* The nat chain follows the used slots: one SNAT rule each. */
static void
nat_sync(struct mn_flow *fl)
{
	struct flowq_nat r[FLOW_ANCHOR_COUNT];
	size_t n = 0;

	for (int s = FLOW_ANCHOR_HA; s < FLOW_ANCHOR_COUNT; s++)
		if (fl->slots[s].used) {
			r[n].anchor = (uint8_t)s;
			r[n++].to = fl->slots[s].addr;
		}
	fl->st.nat_sync++;
	if (flowq_nat_sync(&fl->qc, r, n) == -1)
		fl->st.nat_err++;
	else
		fl->nat_on = true;
}

/* The slot of a DHoA, made when new; -1 when all are taken. A slot that
 * still has flows is never given to another address. */
static int
slot_of(struct mn_flow *fl, const struct in6_addr *a, bool make)
{
	int s, free_s = -1;
	char b[INET6_ADDRSTRLEN];

	for (s = FLOW_ANCHOR_DHOA_FIRST; s < FLOW_ANCHOR_COUNT; s++) {
		if (fl->slots[s].used && addr_eq(&fl->slots[s].addr, a))
			return s;
		if (!fl->slots[s].used && free_s < 0 &&
		    flowtab_anchor_count(&fl->ft, (uint8_t)s) == 0)
			free_s = s;
	}
	if (!make)
		return -1;
	if (free_s < 0) {
		log_warnx("DHoA %s: no anchor slot left (%d in use)",
		    a6(a, b), FLOW_ANCHOR_COUNT - FLOW_ANCHOR_DHOA_FIRST);
		return -1;
	}
	fl->slots[free_s].used = true;
	fl->slots[free_s].addr = *a;
	fl->dirty = true;
	slot_route(fl, free_s);
	nat_sync(fl);
	policy_addr_set(&fl->pol, a, CONT_SESSION_LASTING, (uint8_t)free_s);
	log_info("DHoA %s: anchor slot %d (mark 0x%x)", a6(a, b), free_s,
	    FLOW_MARK_CLASSIFIED | free_s);
	return free_s;
}

static void
slot_drop(struct mn_flow *fl, int s)
{
	struct slot *sl = &fl->slots[s];
	char b[INET6_ADDRSTRLEN];

	if (!sl->used)
		return;
	log_info("DHoA %s: anchor slot %d freed (%zu flow%s left on it)",
	    a6(&sl->addr, b), s, flowtab_anchor_count(&fl->ft, (uint8_t)s),
	    flowtab_anchor_count(&fl->ft, (uint8_t)s) == 1 ? "" : "s");
	policy_addr_del(&fl->pol, &sl->addr);
	sl->used = false;
	fl->dirty = true;
	slot_route(fl, s);
	nat_sync(fl);
}

/* ---- the flow's end ---------------------------------------------- */

static struct ho_row *
ho_row_find(struct mn_flow *fl, const struct flow_key *k)
{
	for (unsigned i = 0; i < FLOW_HO_KEEP && i < fl->nho; i++) {
		struct ho_rec *r = &fl->ho[(fl->nho - 1 - i) % FLOW_HO_KEEP];

		for (size_t j = 0; j < r->nrows; j++)
			if (memcmp(&r->rows[j].key, k, sizeof(*k)) == 0)
				return &r->rows[j];
	}
	return NULL;
}

static struct ho_rec *
ho_last(struct mn_flow *fl)
{
	return fl->nho == 0 ? NULL : &fl->ho[(fl->nho - 1) % FLOW_HO_KEEP];
}

static int64_t
since_coa(const struct ho_rec *r, uint64_t ms)
{
	return r == NULL ? -1 : ms >= r->coa_ms ? (int64_t)(ms - r->coa_ms) :
	    0;
}

static void pend_release(struct mn_flow *, const struct flow_key *,
    uint32_t);

/* flowtab's on_end: the flow is about to be removed. */
static void
on_end(struct flow *f, enum flow_end why, void *arg)
{
	struct mn_flow *fl = arg;
	struct ho_row *row;
	char s[160];

	if ((why == FLOW_END_GRACE || why == FLOW_END_HANDOFF) &&
	    (row = ho_row_find(fl, &f->key)) != NULL && row->end < 0) {
		struct ho_rec *r = NULL;

		for (unsigned i = 0; i < FLOW_HO_KEEP && i < fl->nho; i++) {
			struct ho_rec *x = &fl->ho[i];

			if (row >= x->rows && row < x->rows + x->nrows)
				r = x;
		}
		row->end = since_coa(r, evloop_clock_ms());
	}
	/* Packets still held go with the flow's mark (never stranded). */
	pend_release(fl, &f->key, f->mark);
	if (f->holds && fl->an != NULL && f->anchor >= FLOW_ANCHOR_DHOA_FIRST &&
	    fl->slots[f->anchor].used)
		anchors_unhold(fl->an, &fl->slots[f->anchor].addr, now_of());
	f->holds = false;
	fl->dirty = true;
	if (f->nat && fl->slots[f->anchor].nat_flows > 0 &&
	    --fl->slots[f->anchor].nat_flows == 0) {
		slot_route(fl, f->anchor);
		divert_sync(fl);
	}
	log_info("flow %u %s: ended (%s)", f->id, flow_str(&f->key, s,
	    sizeof(s)), flow_end_name(why));
	rearm_engine(fl);
}

static void
ct_tuple_of(const struct flow_key *k, struct ct_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->src = k->src;
	t->dst = k->dst;
	t->sport = k->sport;
	t->dport = k->dport;
	t->proto = k->proto;
}

/* The conntrack entry of a flow, whichever way round it was made (a
 * flow judged from its SYN-ACK has its entry the other way). */
static int
ct_get_flow(struct mn_flow *fl, const struct flow_key *k, struct ct_event *e)
{
	struct flow_key r;
	struct ct_tuple t;
	int rc;

	ct_tuple_of(k, &t);
	if ((rc = ctnl_get(fl->req, &t, e)) != -ENOENT)
		return rc;
	flow_key_reverse(k, &r);
	ct_tuple_of(&r, &t);
	return ctnl_get(fl->req, &t, e);
}

/* Packets the correspondent sent, from either kind of entry. */
static uint64_t
pkts_from_peer(const struct flow_key *k, enum flow_hook h,
    const struct ct_event *e)
{
	const struct in6_addr *peer = h == FLOW_HOOK_OUT ? &k->dst : &k->src;

	return addr_eq(&e->orig.src, peer) ? e->orig_pkts : e->reply_pkts;
}

/* G.4 step 3: the conntrack entry goes and the socket is destroyed, so
 * the application gets ECONNABORTED instead of waiting for a timeout. */
static void
kill_flow(struct mn_flow *fl, const struct flow_key *k, enum flow_hook h)
{
	struct ct_tuple t;
	int rc = 0;

	ct_tuple_of(k, &t);
	if (fl->req != NULL && (rc = ctnl_delete(fl->req, &t)) == -ENOENT) {
		struct flow_key r;

		flow_key_reverse(k, &r);
		ct_tuple_of(&r, &t);
		rc = ctnl_delete(fl->req, &t);
	}
	if (fl->req != NULL && rc < 0 && rc != -ENOENT)
		fl->st.ct_delete_err++;
	if (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP)
		return;
	/* The socket's local end: the source of an outbound first packet,
	 * the destination of an inbound one. */
	if (h == FLOW_HOOK_OUT)
		rc = sockdiag_destroy(k->proto, &k->src, k->sport, &k->dst,
		    k->dport);
	else
		rc = sockdiag_destroy(k->proto, &k->dst, k->dport, &k->src,
		    k->sport);
	if (rc > 0)
		fl->st.sock_destroyed += (uint64_t)rc;
	else if (rc < 0)
		fl->st.sock_destroy_err++;
}

static void
on_end_kill(struct flow *f, enum flow_end why, void *arg)
{
	struct mn_flow *fl = arg;

	kill_flow(fl, &f->key, f->hook);
	if (why == FLOW_END_GRACE)
		fl->st.ended_grace++;
	else
		fl->st.ended_handoff++;
	on_end(f, why, arg);
}

/* ---- held first packets (G.3) ------------------------------------ */

static void
pend_release(struct mn_flow *fl, const struct flow_key *k, uint32_t mark)
{
	size_t i = 0;

	while (i < fl->npend) {
		struct pend *p = &fl->pend[i];

		if (memcmp(&p->key, k, sizeof(*k)) != 0) {
			i++;
			continue;
		}
		if (flowq_verdict(fl->q, p->hook, p->id, p->old_mark, mark) ==
		    -1)
			fl->st.verdict_err++;
		fl->pend[i] = fl->pend[--fl->npend];
	}
}

static int
pend_add(struct mn_flow *fl, const struct flow_key *k,
    const struct flowq_pkt *p)
{
	if (fl->npend == fl->pendcap) {
		size_t n = fl->pendcap ? fl->pendcap * 2 : 16;
		struct pend *v;

		if (n > FLOW_PEND_MAX ||
		    (v = realloc(fl->pend, n * sizeof(*v))) == NULL)
			return -1;
		fl->pend = v;
		fl->pendcap = n;
	}
	fl->pend[fl->npend].key = *k;
	fl->pend[fl->npend].hook = p->hook;
	fl->pend[fl->npend].id = p->id;
	fl->pend[fl->npend++].old_mark = p->mark;
	return 0;
}

/* The flow's anchor is known (or given up on): set it, release its
 * packets, say why. */
static void
resolve(struct mn_flow *fl, struct flow *f, const struct anchor_req *r,
    const char *why)
{
	char s[160], a[INET6_ADDRSTRLEN];
	int slot;

	if (r != NULL && r->state == AREQ_DONE && r->result == AREQ_R_DHOA &&
	    (slot = slot_of(fl, &r->addr, true)) >= 0) {
		flowtab_set_anchor(&fl->ft, f, (uint8_t)slot, true);
		f->holds = true;	/* the request's hold is the flow's */
		fl->st.anchored++;
		why = "anchored";
	} else if (r != NULL && r->state == AREQ_DONE &&
	    r->result == AREQ_R_HOA) {
		flowtab_set_anchor(&fl->ft, f, FLOW_ANCHOR_HA, true);
		fl->st.anchored++;
		why = "fallback to the HoA";
	} else {
		/* (A DHoA without a slot keeps the request's hold: the
		 * anchors engine may not be called from its own events.) */
		flowtab_set_anchor(&fl->ft, f, FLOW_ANCHOR_NONE, false);
		fl->st.anchor_failed++;
		if (r != NULL && r->state == AREQ_FAILED)
			why = r->why;
	}
	f->req_id = 0;
	fl->dirty = true;
	if (f->nat) {
		fl->slots[f->anchor].nat_flows++;
		slot_route(fl, f->anchor);
		divert_sync(fl);
	}
	log_info("flow %u %s: %s -> %s (%s)", f->id, flow_str(&f->key, s,
	    sizeof(s)), policy_type_name(f->type), f->anchor ==
	    FLOW_ANCHOR_NONE ? "unanchored" : f->anchor == FLOW_ANCHOR_HA ?
	    "HoA via the HA, source translated" : a6(&fl->slots[f->anchor].addr,
	    a), why);
	pend_release(fl, &f->key, f->mark);
}

static void flow_rearm(struct mn_flow *);

/* A full table forgets its least recently active flow here rather than
 * in flowtab_add(), so the flow's hold on its DHoA is given back. */
static void
make_room(struct mn_flow *fl)
{
	if (fl->ft.max != 0 && fl->ft.n >= fl->ft.max &&
	    fl->ft.lru_head != NULL)
		flowtab_end(&fl->ft, fl->ft.lru_head, FLOW_END_EVICTED, on_end,
		    fl);
}

static int
start_anchor(struct mn_flow *fl, const struct flowq_pkt *p,
    const struct pkt_info *pi, const struct flow_key *k,
    const struct policy_decision *d, uint32_t *mark)
{
	const struct anchor_req *r = NULL;
	struct flow *f;

	make_room(fl);
	if ((f = flowtab_add(&fl->ft, k, p->hook, d, evloop_clock_ms())) ==
	    NULL) {
		*mark = d->mark;
		return FLOWQ_ACCEPT;
	}
	f->id = ++fl->next_id;
	fl->st.classified++;
	if (fl->an != NULL)
		r = anchors_request(fl->an, &pi->dst, d->type, now_of());
	rearm_engine(fl);
	if (r == NULL || r->state == AREQ_DONE || r->state == AREQ_FAILED) {
		resolve(fl, f, r, r == NULL ? "no DHP engine" : "at once");
		*mark = f->mark;
		return FLOWQ_ACCEPT;
	}
	f->req_id = r->id;
	f->grace_until_ms = evloop_clock_ms() + fl->wait_ms; /* pending only */
	if (pend_add(fl, k, p) == -1) {
		*mark = d->mark;
		return FLOWQ_ACCEPT;
	}
	fl->st.held++;
	flow_rearm(fl);
	return FLOWQ_DEFER;
}

/* ---- the classifier (G.1, G.2) ----------------------------------- */

/*
 * A TCP flow whose first packet in OUTPUT is no SYN, from a port we
 * listen on: the correspondent's SYN reached us without conntrack seeing
 * it (under seg6 the decapsulated inner packets skip PREROUTING; the
 * entry is picked up mid-stream from our first ACK), so the flow is
 * CN-initiated (G.2). Judge it as its SYN would have been, in
 * PREROUTING with the addresses the other way round.
 */
static void
reverse_inbound(struct pkt_info *pi, struct policy_pkt *pp)
{
	struct in6_addr a = pi->src;
	uint16_t port = pi->sport;

	pi->src = pi->dst;
	pi->dst = a;
	pi->sport = pi->dport;
	pi->dport = port;
	pp->hook = FLOW_HOOK_PRE;
	pp->has_uid = pp->has_gid = false;
}

static int
decide(const struct flowq_pkt *p, uint32_t *mark, void *arg)
{
	struct mn_flow *fl = arg;
	struct pkt_info pi;
	struct policy_pkt pp = { 0 };
	struct policy_decision d;
	struct flow_key k;
	struct flow *f;
	char s[160];

	pp.hook = p->hook;
	pp.has_uid = p->has_uid;
	pp.has_gid = p->has_gid;
	pp.uid = p->uid;
	pp.gid = p->gid;
	if (pkt_parse(p->data, p->len, &pi) != PKT_OK) {
		fl->st.unparsed++;
		policy_decide(&fl->pol, &pp, &d);
		*mark = d.mark;
		return FLOWQ_ACCEPT;
	}
	pp.pkt = &pi;
	flow_key_from_pkt(&k, &pi);
	if ((f = flowtab_find_conn(&fl->ft, &k, NULL)) != NULL) {
		/* An early packet queued again (TESTBED.md 2), or the other
		 * direction: the flow's decision. */
		flowtab_seen(&fl->ft, f);
		fl->st.dup_pkts++;
		if (f->state == FLOW_PENDING && pend_add(fl, &f->key, p) == 0)
			return FLOWQ_DEFER;
		*mark = f->mark;
		return FLOWQ_ACCEPT;
	}
	if (p->hook == FLOW_HOOK_OUT && pi.proto == IPPROTO_TCP &&
	    pi.tcp_flags != 0x02 && sockdiag_listening(&pi.src,
	    pi.sport) > 0) {
		reverse_inbound(&pi, &pp);
		flow_key_from_pkt(&k, &pi);
	}
	policy_decide(&fl->pol, &pp, &d);
	if (d.needs_anchor)
		return start_anchor(fl, p, &pi, &k, &d, mark);
	*mark = d.mark;
	make_room(fl);
	if ((f = flowtab_add(&fl->ft, &k, pp.hook, &d, evloop_clock_ms())) ==
	    NULL)
		return FLOWQ_ACCEPT;
	f->id = ++fl->next_id;
	fl->st.classified++;
	fl->dirty = true;
	if (f->nat) {
		fl->slots[f->anchor].nat_flows++;
		slot_route(fl, f->anchor);
		divert_sync(fl);
	}
	/* A flow from a DHoA (an application's, E.0) keeps it alive. */
	if (d.anchor >= FLOW_ANCHOR_DHOA_FIRST && fl->an != NULL &&
	    fl->slots[d.anchor].used &&
	    anchors_hold(fl->an, &fl->slots[d.anchor].addr) == 0)
		f->holds = true;
	log_info("flow %u %s: %s, %s-initiated (%s) -> %s", f->id,
	    flow_str(&k, s, sizeof(s)), policy_type_name(d.type),
	    d.initiator == FLOW_INIT_CN ? "CN" : "MN", d.name,
	    d.anchor == FLOW_ANCHOR_NONE ? "native" : d.anchor ==
	    FLOW_ANCHOR_HA ? (d.nat ? "HoA via the HA, source translated" :
	    "the HA") : "its DHoA");
	return FLOWQ_ACCEPT;
}

static void
on_queue(int fd, uint32_t events, void *arg)
{
	struct mn_flow *fl = arg;

	(void)fd;
	(void)events;
	if (flowq_dispatch(fl->q) == -1)
		log_warnx("nfqueue: socket failed; flows pass unclassified "
		    "(fail-open)");
}

/* ---- conntrack events --------------------------------------------- */

/* Does the application's socket of the flow still exist? */
static bool
flow_socket_alive(const struct flow_key *k, enum flow_hook h)
{
	if (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP)
		return false;
	if (h == FLOW_HOOK_OUT)
		return sockdiag_count(k->proto, &k->src, k->sport, &k->dst,
		    k->dport) > 0;
	return sockdiag_count(k->proto, &k->dst, k->dport, &k->src,
	    k->sport) > 0;
}

static void
on_ct(const struct ct_event *e, void *arg)
{
	struct mn_flow *fl = arg;
	struct flow_key k;
	struct flow *f;

	if (e->kind != CT_EV_DESTROY)
		return;
	memset(&k, 0, sizeof(k));
	k.src = e->orig.src;
	k.dst = e->orig.dst;
	k.sport = e->orig.sport;
	k.dport = e->orig.dport;
	k.proto = e->orig.proto;
	if ((f = flowtab_find_conn(&fl->ft, &k, NULL)) == NULL)
		return;
	fl->st.ct_destroy++;
	if (flow_socket_alive(&f->key, f->hook)) {
		/* Under seg6 the decapsulated packets of untranslated flows
		 * skip conntrack, so an entry can time out under a live
		 * connection; its next packet makes a new entry, which is
		 * queued and gets this flow's mark again. */
		fl->st.ct_destroy_alive++;
		return;
	}
	if (e->has_counters)
		flowtab_touch(&fl->ft, f, evloop_clock_ms(), e->orig_pkts +
		    e->reply_pkts, e->orig_bytes + e->reply_bytes);
	flowtab_end(&fl->ft, f, FLOW_END_CLOSED, on_end, fl);
}

static void
on_ct_readable(int fd, uint32_t events, void *arg)
{
	struct mn_flow *fl = arg;

	(void)fd;
	(void)events;
	if (ctnl_read(fl->ev, on_ct, fl) == -1)
		log_warnx("conntrack events: socket failed; flow ends are "
		    "no longer seen");
}

/* ---- timer: held packets, grace periods, first packets ------------ */

static uint64_t
next_deadline(struct mn_flow *fl)
{
	uint64_t dl = flowtab_next_grace(&fl->ft);

	for (size_t i = 0; i < fl->npend; i++) {
		struct flow *f = flowtab_find(&fl->ft, &fl->pend[i].key);

		if (f != NULL && f->state == FLOW_PENDING &&
		    f->grace_until_ms < dl)
			dl = f->grace_until_ms;
	}
	if (fl->poll_until != 0) {
		uint64_t p = evloop_clock_ms() + FLOW_POLL_MS;

		if (p < dl)
			dl = p;
	}
	return dl;
}

static void
flow_rearm(struct mn_flow *fl)
{
	uint64_t dl = next_deadline(fl);

	if (dl == UINT64_MAX)
		evloop_timer_cancel(fl->d->loop, &fl->timer);
	else
		evloop_timer_at(fl->d->loop, &fl->timer, dl);
}

/* G.3's bound: the packet goes unanchored and the decision is logged. */
static void
held_timeouts(struct mn_flow *fl, uint64_t now)
{
	for (size_t i = 0; i < fl->npend; i++) {
		struct flow *f = flowtab_find(&fl->ft, &fl->pend[i].key);

		if (f == NULL || f->state != FLOW_PENDING ||
		    f->grace_until_ms > now)
			continue;
		fl->st.held_timeout++;
		resolve(fl, f, NULL, "no DHoA within anchor_wait");
		i = (size_t)-1;	/* resolve() changed the list */
	}
}

/* G.4 step 5: the first packet from the correspondent after the move. */
static void
poll_first(struct mn_flow *fl, uint64_t now)
{
	struct ho_rec *r = ho_last(fl);
	size_t left = 0;

	if (r == NULL || fl->req == NULL) {
		fl->poll_until = 0;
		return;
	}
	for (size_t i = 0; i < r->nrows; i++) {
		struct ho_row *w = &r->rows[i];
		struct ct_event e;
		struct flow *f;
		uint64_t in;

		if (!w->polling)
			continue;
		if ((f = flowtab_find(&fl->ft, &w->key)) == NULL ||
		    ct_get_flow(fl, &w->key, &e) < 0 || !e.has_counters) {
			w->polling = false;
			continue;
		}
		in = pkts_from_peer(&w->key, f->hook, &e);
		if (in > w->base_pkts) {
			w->first = since_coa(r, now);
			w->polling = false;
			if ((f = flowtab_find(&fl->ft, &w->key)) != NULL)
				flow_stamp(f, HO_EV_FIRST_PKT, now);
			continue;
		}
		left++;
	}
	if (left == 0 || now >= fl->poll_until)
		fl->poll_until = 0;
}

static void
on_timer(struct timer *t, void *arg)
{
	struct mn_flow *fl = arg;
	uint64_t now = evloop_clock_ms();
	size_t n;

	(void)t;
	held_timeouts(fl, now);
	if ((n = flowtab_expire(&fl->ft, now, 0, on_end_kill, fl)) > 0)
		log_info("%zu graceful flow%s: grace period over, ended", n,
		    n == 1 ? "" : "s");
	if (fl->poll_until != 0)
		poll_first(fl, now);
	flow_rearm(fl);
}

/* ---- anchors events ------------------------------------------------ */

void
mn_flow_anchor_event(struct mn_flow *fl, enum anchors_event ev,
    const struct anchor *an, const struct anchor_req *r)
{
	struct ho_rec *rec;
	int s;

	if (fl == NULL)
		return;
	switch (ev) {
	case ANCHORS_EV_BOUND:
		/* Flows from any DHoA (asked for by a flow, the API or
		 * dmipctl) are judged by its type and hold it (G.2). */
		if ((s = slot_of(fl, &an->dhoa, true)) >= 0) {
			policy_addr_set(&fl->pol, &an->dhoa, an->type,
			    (uint8_t)s);
			slot_route(fl, s);
			divert_sync(fl);	/* restored flows on it */
		}
		break;
	case ANCHORS_EV_ACK:
		if ((s = slot_of(fl, &an->dhoa, false)) < 0)
			break;
		flowtab_stamp(&fl->ft, s, HO_EV_ACK, evloop_clock_ms());
		if ((rec = ho_last(fl)) != NULL)
			for (size_t i = 0; i < rec->nrows; i++)
				if (rec->rows[i].anchor == s &&
				    rec->rows[i].ack < 0)
					rec->rows[i].ack = since_coa(rec,
					    evloop_clock_ms());
		break;
	case ANCHORS_EV_GONE:
		if ((s = slot_of(fl, &an->dhoa, false)) >= 0)
			slot_drop(fl, s);
		break;
	case ANCHORS_EV_REQ_DONE:
		/* Pending flows waiting for this request. */
		for (size_t i = 0; i < fl->npend; i++) {
			struct flow *f = flowtab_find(&fl->ft,
			    &fl->pend[i].key);

			if (f == NULL || f->state != FLOW_PENDING ||
			    f->req_id != r->id)
				continue;
			resolve(fl, f, r, "");
			i = (size_t)-1;
		}
		break;
	}
	flow_rearm(fl);
}

/* ---- handoff (G.4) ------------------------------------------------ */

static void
keep_old_coa(struct mn_flow *fl, const struct in6_addr *old)
{
	char b[INET6_ADDRSTRLEN];
	int rc;

	for (size_t i = 0; i < fl->nkept; i++)
		if (addr_eq(&fl->kept[i], old))
			return;
	if (fl->nkept == FLOW_KEPT_MAX) {
		log_warnx("old CoA %s: %d kept already, not kept", a6(old, b),
		    FLOW_KEPT_MAX);
		return;
	}
	if ((rc = nlr_addr_add(fl->nl, LO_IFINDEX, old, 128, true, true)) < 0 &&
	    rc != -EEXIST) {
		log_warnx("old CoA %s on lo: %s", a6(old, b), strerror(-rc));
		return;
	}
	fl->kept[fl->nkept++] = *old;
	log_info("old CoA %s kept on lo, deprecated (translated flows use it)",
	    a6(old, b));
}

/* A kept CoA that is ours again on a link, or has no translated flow
 * left, comes off lo. */
static void
drop_kept(struct mn_flow *fl, const struct in6_addr *coa)
{
	char b[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < fl->nkept; i++) {
		if (coa != NULL && !addr_eq(&fl->kept[i], coa))
			continue;
		nlr_addr_del(fl->nl, LO_IFINDEX, &fl->kept[i], 128);
		log_info("old CoA %s off lo", a6(&fl->kept[i], b));
		fl->kept[i--] = fl->kept[--fl->nkept];
	}
}

static void
ho_record(struct mn_flow *fl, const struct ho_plan *p, uint64_t now)
{
	struct ho_rec *r = &fl->ho[fl->nho % FLOW_HO_KEEP];
	size_t n = p->nflows < FLOW_HO_ROWS ? p->nflows : FLOW_HO_ROWS;
	size_t npoll = 0;

	free(r->rows);
	memset(r, 0, sizeof(*r));
	r->n = ++fl->nho;
	r->old_coa = p->old_coa;
	r->new_coa = p->new_coa;
	r->coa_ms = now;
	r->coa_unix_ms = unix_ms();
	memcpy(r->count, p->count, sizeof(r->count));
	for (size_t i = 0; i < p->nanchors; i++)
		if (p->anchors[i].action == HO_ANCHOR_RELEASE)
			r->released++;
	if (n > 0 && (r->rows = calloc(n, sizeof(*r->rows))) == NULL)
		return;
	r->nrows = n;
	for (size_t i = 0; i < n; i++) {
		struct ho_row *w = &r->rows[i];
		const struct ho_flow_step *s = &p->flows[i];
		struct flow *f = flowtab_find(&fl->ft, &s->key);
		struct ct_event e;

		w->key = s->key;
		w->id = f != NULL ? f->id : 0;
		w->type = s->type;
		w->anchor = s->anchor;
		if (s->anchor != FLOW_ANCHOR_NONE)
			w->anchor_addr = fl->slots[s->anchor].addr;
		w->action = s->action;
		w->bu = w->ack = w->first = w->end = -1;
		if ((s->action != HO_REBIND && s->action != HO_GRACE) ||
		    npoll >= FLOW_POLL_MAX || fl->req == NULL)
			continue;
		if (f != NULL && ct_get_flow(fl, &s->key, &e) == 0 &&
		    e.has_counters) {
			w->base_pkts = pkts_from_peer(&s->key, f->hook, &e);
			w->polling = true;
			npoll++;
		}
	}
	if (npoll > 0)
		fl->poll_until = now + FLOW_POLL_FOR_MS;
}

/* Each DHoA graceful flows use, once. */
static void
tell_grace(struct mn_flow *fl, const struct ho_plan *p)
{
	struct in6_addr told[16];
	size_t n = 0, j;

	if (fl->hooks.grace == NULL)
		return;
	for (size_t i = 0; i < p->nflows && n < 16; i++) {
		const struct ho_flow_step *s = &p->flows[i];
		const struct flow *f = flowtab_find(&fl->ft, &s->key);
		const struct in6_addr *a;

		/* Graceful CoAs handed out through the API are announced by
		 * mnd itself (it knows which); here the DHoAs. */
		if (s->action != HO_GRACE || f == NULL ||
		    s->anchor < FLOW_ANCHOR_DHOA_FIRST)
			continue;
		a = &fl->slots[s->anchor].addr;
		for (j = 0; j < n && !addr_eq(&told[j], a); j++)
			;
		if (j < n)
			continue;
		told[n++] = *a;
		fl->hooks.grace(fl->hooks.arg, a, fl->grace_ms / 1000);
	}
}

void
mn_flow_handoff(struct mn_flow *fl, const struct in6_addr *coa, bool home,
    uint64_t link_ms)
{
	struct ho_input in = { 0 };
	const struct policy_addr *pa;
	struct ho_plan p;
	bool held[FLOW_ANCHOR_COUNT] = { false };
	uint64_t now = evloop_clock_ms();
	char o[INET6_ADDRSTRLEN], n[INET6_ADDRSTRLEN];

	if (fl == NULL)
		return;
	drop_kept(fl, coa);
	slots_route(fl);
	divert_sync(fl);
	if (!fl->have_coa || addr_eq(&fl->coa, coa)) {
		fl->coa = *coa;
		fl->have_coa = true;
		return;
	}
	in.old_coa = fl->coa;
	in.new_coa = *coa;
	for (int s = FLOW_ANCHOR_DHOA_FIRST; s < FLOW_ANCHOR_COUNT; s++)
		held[s] = fl->slots[s].used;
	in.held = held;
	in.keep_ha = true;
	in.link_ms = link_ms;
	in.coa_ms = now;
	fl->coa = *coa;
	if (flowtab_plan_handoff(&fl->ft, &in, &p) == -1) {
		log_warn("handoff plan");
		return;
	}
	log_info("handoff %s -> %s%s: %zu flow%s: %zu re-bound, %zu ended, "
	    "%zu graceful, %zu kept", a6(&in.old_coa, o), a6(coa, n),
	    home ? " (home)" : "", p.nflows, p.nflows == 1 ? "" : "s",
	    p.count[HO_REBIND], p.count[HO_END], p.count[HO_GRACE],
	    p.count[HO_KEEP]);
	for (size_t i = 0; i < p.nflows; i++)
		if (p.flows[i].action != HO_KEEP) {
			char s[160];

			log_info("flow %s: %s (%s)", flow_str(&p.flows[i].key, s,
			    sizeof(s)), ho_action_name(p.flows[i].action),
			    p.flows[i].why);
		}
	if (p.keep_old_coa)
		keep_old_coa(fl, &in.old_coa);
	tell_grace(fl, &p);
	/* A graceful CoA's grace has started: new flows on it are judged
	 * by the policy again. */
	if ((pa = policy_addr_find(&fl->pol, &in.old_coa)) != NULL &&
	    pa->anchor == FLOW_ANCHOR_NONE)
		policy_addr_del(&fl->pol, &in.old_coa);
	ho_record(fl, &p, now);
	/* Ends (step 3) at once; grace (step 4) starts now. */
	flowtab_apply_plan(&fl->ft, &p, now, fl->grace_ms, on_end_kill, fl);
	ho_plan_free(&p);
	flow_rearm(fl);
}

void
mn_flow_rebound(struct mn_flow *fl, bool ha_bu_sent)
{
	struct ho_rec *r;
	uint64_t now = evloop_clock_ms();

	if (fl == NULL || (r = ho_last(fl)) == NULL || r->coa_ms + 1000 < now)
		return;
	for (size_t i = 0; i < r->nrows; i++) {
		struct ho_row *w = &r->rows[i];

		if (w->action != HO_REBIND && w->action != HO_GRACE)
			continue;
		if (w->anchor == FLOW_ANCHOR_HA && !ha_bu_sent)
			continue;
		if (w->bu < 0)
			w->bu = since_coa(r, now);
	}
	flowtab_stamp(&fl->ft, -1, HO_EV_BU_SENT, now);
}

void
mn_flow_ha_acked(struct mn_flow *fl)
{
	struct ho_rec *r;
	uint64_t now = evloop_clock_ms();

	if (fl == NULL || (r = ho_last(fl)) == NULL)
		return;
	flowtab_stamp(&fl->ft, FLOW_ANCHOR_HA, HO_EV_ACK, now);
	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].anchor == FLOW_ANCHOR_HA && r->rows[i].ack < 0)
			r->rows[i].ack = since_coa(r, now);
}

void
mn_flow_handed(struct mn_flow *fl, const struct in6_addr *a, uint8_t type)
{
	int s;

	if (fl == NULL)
		return;
	if (type != CONT_SESSION_LASTING && type != CONT_GRACEFUL)
		return;		/* the HoA is Fixed already (policy.h) */
	if (fl->an != NULL && anchors_find_dhoa(fl->an, a) != NULL) {
		if ((s = slot_of(fl, a, true)) >= 0)
			policy_addr_set(&fl->pol, a, type, (uint8_t)s);
		return;
	}
	/*
	 * A CoA handed out as graceful-replacement (no co-located DHP,
	 * E.0): the address itself stays valid for the grace period after
	 * the next move, so every flow from it is graceful, not only the
	 * asking application's (the address is what is graceful). The
	 * entry goes at that move (mn_flow_handoff()).
	 */
	if (type == CONT_GRACEFUL)
		policy_addr_set(&fl->pol, a, CONT_GRACEFUL, FLOW_ANCHOR_NONE);
}

/* ---- persistence ---------------------------------------------------- */

bool
mn_flow_dirty(const struct mn_flow *fl)
{
	return fl != NULL && fl->dirty;
}

struct save_ctx {
	struct mn_flow_saved	*v;
	size_t			 n;
};

static void
save_one(struct flow *f, void *arg)
{
	struct save_ctx *c = arg;
	struct mn_flow_saved *s;

	if (f->state == FLOW_PENDING)
		return;		/* decided again when its packet comes */
	s = &c->v[c->n++];
	memset(s, 0, sizeof(*s));
	s->src = f->key.src;
	s->dst = f->key.dst;
	s->sport = f->key.sport;
	s->dport = f->key.dport;
	s->proto = f->key.proto;
	s->hook = (uint8_t)f->hook;
	s->initiator = (uint8_t)f->initiator;
	s->type = f->type;
	s->anchor = f->anchor;
	s->nat = f->nat;
	s->id = f->id;
}

int
mn_flow_save(struct mn_flow *fl, struct mn_flow_saved_slot *slots,
    size_t maxslots, size_t *nslots, struct mn_flow_saved **flows,
    size_t *nflows)
{
	struct save_ctx c = { NULL, 0 };
	size_t n = flowtab_count(&fl->ft);

	*nslots = 0;
	for (int s = FLOW_ANCHOR_DHOA_FIRST; s < FLOW_ANCHOR_COUNT &&
	    *nslots < maxslots; s++)
		if (fl->slots[s].used) {
			slots[*nslots].slot = (uint8_t)s;
			slots[(*nslots)++].addr = fl->slots[s].addr;
		}
	if (n > 0 && (c.v = calloc(n, sizeof(*c.v))) == NULL)
		return -1;
	flowtab_foreach(&fl->ft, save_one, &c);
	*flows = c.v;
	*nflows = c.n;
	fl->dirty = false;
	return 0;
}

/* One saved flow back into the table, if conntrack still has it. */
static bool
restore_flow(struct mn_flow *fl, const struct mn_flow_saved *s)
{
	struct policy_decision d;
	struct flow_key k;
	struct ct_event e;
	struct flow *f;

	memset(&k, 0, sizeof(k));
	k.src = s->src;
	k.dst = s->dst;
	k.sport = s->sport;
	k.dport = s->dport;
	k.proto = s->proto;
	if (fl->req != NULL && ct_get_flow(fl, &k, &e) == -ENOENT &&
	    !flow_socket_alive(&k, s->hook == FLOW_HOOK_PRE ? FLOW_HOOK_PRE :
	    FLOW_HOOK_OUT))
		return false;	/* it ended while mnd was away */
	if (s->anchor != FLOW_ANCHOR_NONE && !fl->slots[s->anchor].used)
		return false;	/* its anchor is gone */
	memset(&d, 0, sizeof(d));
	d.type = s->type;
	d.initiator = s->initiator == FLOW_INIT_CN ? FLOW_INIT_CN :
	    FLOW_INIT_MN;
	d.reason = POLICY_RULE;
	d.rule = -1;
	d.name = "restored";
	d.anchor = s->anchor;
	d.nat = s->nat;
	d.mark = flow_mark_make(d.type, d.anchor, d.initiator == FLOW_INIT_CN,
	    d.nat);
	if ((f = flowtab_add(&fl->ft, &k, s->hook == FLOW_HOOK_PRE ?
	    FLOW_HOOK_PRE : FLOW_HOOK_OUT, &d, evloop_clock_ms())) == NULL)
		return false;
	f->id = s->id;
	if (s->id > fl->next_id)
		fl->next_id = s->id;
	if (s->anchor >= FLOW_ANCHOR_DHOA_FIRST && fl->an != NULL &&
	    anchors_hold(fl->an, &fl->slots[s->anchor].addr) == 0)
		f->holds = true;
	if (f->nat)
		fl->slots[f->anchor].nat_flows++;
	return true;
}

size_t
mn_flow_restore(struct mn_flow *fl, const struct mn_flow_saved_slot *slots,
    size_t nslots, const struct mn_flow_saved *flows, size_t nflows)
{
	size_t n = 0;
	char b[INET6_ADDRSTRLEN];

	if (fl == NULL)
		return 0;
	for (size_t i = 0; i < nslots; i++) {
		int s = slots[i].slot;

		if (s < FLOW_ANCHOR_DHOA_FIRST || s >= FLOW_ANCHOR_COUNT ||
		    fl->slots[s].used || (fl->an != NULL &&
		    anchors_find_dhoa(fl->an, &slots[i].addr) == NULL))
			continue;
		fl->slots[s].used = true;
		fl->slots[s].addr = slots[i].addr;
		policy_addr_set(&fl->pol, &slots[i].addr, CONT_SESSION_LASTING,
		    (uint8_t)s);
		slot_route(fl, s);
		log_info("DHoA %s: anchor slot %d restored", a6(&slots[i].addr,
		    b), s);
	}
	nat_sync(fl);
	for (size_t i = 0; i < nflows; i++)
		if (restore_flow(fl, &flows[i]))
			n++;
	slots_route(fl);
	divert_sync(fl);
	rearm_engine(fl);
	log_info("flows: %zu of %zu saved restored (the others ended while "
	    "mnd was not running)", n, nflows);
	fl->dirty = true;
	return n;
}

/* ---- control socket ----------------------------------------------- */

static const char *
anchor_name(struct ctl_out *o, const struct mn_flow *fl, uint8_t anchor)
{
	if (anchor == FLOW_ANCHOR_NONE)
		return "none";
	if (anchor == FLOW_ANCHOR_HA)
		return "ha";
	return ctl_in6(o, &fl->slots[anchor].addr);
}

struct show_ctx {
	struct ctl_out		*o;
	const struct mn_flow	*fl;
	uint64_t		 now;
};

static void
show_one(struct flow *f, void *arg)
{
	struct show_ctx *c = arg;
	struct ctl_out *o = c->o;
	char p[8];

	ctl_row(o, ctl_fmt(o, "%u", f->id),
	    pkt_proto_name(f->key.proto, p, sizeof(p)),
	    ctl_in6(o, &f->key.src), ctl_fmt(o, "%u", f->key.sport),
	    ctl_in6(o, &f->key.dst), ctl_fmt(o, "%u", f->key.dport),
	    f->initiator == FLOW_INIT_CN ? "cn" : "mn",
	    policy_type_name(f->type), policy_reason_name(f->reason),
	    f->rule >= 0 && (size_t)f->rule < c->fl->pol.nrules ?
	    c->fl->pol.rules[f->rule].name : "-",
	    anchor_name(o, c->fl, f->anchor), f->nat ? "yes" : "no",
	    flow_state_name(f->state),
	    ctl_fmt(o, "%" PRIu64, c->now - f->first_ms),
	    ctl_fmt(o, "%" PRIu64, f->packets),
	    ctl_fmt(o, "%" PRIu64, f->bytes));
}

static int
ctl_show_flows(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct mn_flow *fl = arg;
	struct show_ctx c = { o, fl, evloop_clock_ms() };

	(void)argv;
	if (argc != 0)
		return ctl_error(o, "usage: show flows");
	ctl_table(o, "flows", "id:n", "proto", "src", "sport:n", "dst",
	    "dport:n", "initiator", "type", "reason", "rule", "anchor", "nat",
	    "state", "age_ms:n", "packets:n", "bytes:n");
	flowtab_foreach(&fl->ft, show_one, &c);
	return 0;
}

static const char *
ms_cell(struct ctl_out *o, int64_t v)
{
	return ctl_fmt(o, "%" PRId64, v);
}

static int
ctl_show_handoffs(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct mn_flow *fl = arg;
	unsigned first = fl->nho > FLOW_HO_KEEP ? fl->nho - FLOW_HO_KEEP : 0;
	char p[8];

	(void)argv;
	if (argc != 0)
		return ctl_error(o, "usage: show handoffs");
	ctl_table(o, "handoffs", "n:n", "old_coa", "new_coa", "coa_unix_ms:n",
	    "rebind:n", "ended:n", "grace:n", "kept:n", "released:n");
	for (unsigned i = first; i < fl->nho; i++) {
		const struct ho_rec *r = &fl->ho[i % FLOW_HO_KEEP];

		ctl_row(o, ctl_fmt(o, "%u", r->n), ctl_in6(o, &r->old_coa),
		    ctl_in6(o, &r->new_coa),
		    ctl_fmt(o, "%" PRIu64, r->coa_unix_ms),
		    ctl_fmt(o, "%zu", r->count[HO_REBIND]),
		    ctl_fmt(o, "%zu", r->count[HO_END]),
		    ctl_fmt(o, "%zu", r->count[HO_GRACE]),
		    ctl_fmt(o, "%zu", r->count[HO_KEEP]),
		    ctl_fmt(o, "%zu", r->released));
	}
	ctl_table(o, "handoff_flows", "n:n", "id:n", "proto", "src", "sport:n",
	    "dst", "dport:n", "type", "anchor", "action", "bu_ms:n",
	    "ack_ms:n", "first_pkt_ms:n", "end_ms:n");
	for (unsigned i = first; i < fl->nho; i++) {
		const struct ho_rec *r = &fl->ho[i % FLOW_HO_KEEP];

		for (size_t j = 0; j < r->nrows; j++) {
			const struct ho_row *w = &r->rows[j];

			ctl_row(o, ctl_fmt(o, "%u", r->n),
			    ctl_fmt(o, "%u", w->id),
			    pkt_proto_name(w->key.proto, p, sizeof(p)),
			    ctl_in6(o, &w->key.src),
			    ctl_fmt(o, "%u", w->key.sport),
			    ctl_in6(o, &w->key.dst),
			    ctl_fmt(o, "%u", w->key.dport),
			    policy_type_name(w->type),
			    w->anchor == FLOW_ANCHOR_NONE ? "none" :
			    w->anchor == FLOW_ANCHOR_HA ? "ha" :
			    ctl_in6(o, &w->anchor_addr),
			    ho_action_name(w->action), ms_cell(o, w->bu),
			    ms_cell(o, w->ack), ms_cell(o, w->first),
			    ms_cell(o, w->end));
		}
	}
	return 0;
}

int
mn_flow_ctl_register(struct mn_flow *fl, struct ctlsock *cs)
{
	if (fl == NULL || cs == NULL)
		return 0;
	if (ctlsock_register(cs, "show flows", 0, ctl_show_flows, fl) == -1 ||
	    ctlsock_register(cs, "show handoffs", 0, ctl_show_handoffs,
	    fl) == -1)
		return -1;
	return 0;
}

void
mn_flow_ctl_stats(struct mn_flow *fl, struct ctl_out *o)
{
	const struct flowq_stats *q;
	const struct flow_stats *s;

	if (fl == NULL)
		return;
	s = &fl->st;
	q = flowq_get_stats(fl->q);
	ctl_kv(o, "flows_active:n", "%zu", flowtab_count(&fl->ft));
	ctl_kv(o, "flows_classified:n", "%" PRIu64, s->classified);
	ctl_kv(o, "flows_anchored:n", "%" PRIu64, s->anchored);
	ctl_kv(o, "flows_anchor_failed:n", "%" PRIu64, s->anchor_failed);
	ctl_kv(o, "flows_held:n", "%" PRIu64, s->held);
	ctl_kv(o, "flows_held_timeout:n", "%" PRIu64, s->held_timeout);
	ctl_kv(o, "flows_ended_handoff:n", "%" PRIu64, s->ended_handoff);
	ctl_kv(o, "flows_ended_grace:n", "%" PRIu64, s->ended_grace);
	ctl_kv(o, "flows_ended_evicted:n", "%" PRIu64,
	    fl->ft.stats.ended[FLOW_END_EVICTED]);
	ctl_kv(o, "flows_dup_packets:n", "%" PRIu64, s->dup_pkts);
	ctl_kv(o, "flows_unparsed:n", "%" PRIu64, s->unparsed);
	ctl_kv(o, "ct_destroy_events:n", "%" PRIu64, s->ct_destroy);
	ctl_kv(o, "ct_destroy_socket_alive:n", "%" PRIu64,
	    s->ct_destroy_alive);
	ctl_kv(o, "sockets_destroyed:n", "%" PRIu64, s->sock_destroyed);
	ctl_kv(o, "sock_destroy_errors:n", "%" PRIu64, s->sock_destroy_err);
	ctl_kv(o, "nfq_packets:n", "%" PRIu64, q->packets[FLOW_HOOK_OUT] +
	    q->packets[FLOW_HOOK_PRE]);
	ctl_kv(o, "nfq_enobufs:n", "%" PRIu64, q->enobufs);
	ctl_kv(o, "nfq_verdict_errors:n", "%" PRIu64, q->verdict_errors +
	    s->verdict_err);
	if (fl->ev != NULL)
		ctl_kv(o, "ct_enobufs:n", "%" PRIu64,
		    ctnl_get_stats(fl->ev)->enobufs);
	ctl_kv(o, "nat_errors:n", "%" PRIu64, s->nat_err);
}

/* ---- start and stop ----------------------------------------------- */

/* Rules an earlier mnd left (a crash): the fwmark and divert rules are
 * all ours at their preferences; a rule deletion without a source or
 * mark matches any, one per call. */
static void
flush_rules(struct mn_flow *fl)
{
	struct nlr_rule r = { 0 };
	int n = 0;

	r.pref = FLOW_RULE_PREF;
	while (n < FLOW_ANCHOR_COUNT && nlr_rule_del(fl->nl, &r) == 0)
		n++;
	memset(&r, 0, sizeof(r));
	r.pref = SIDE_DIVERT_PREF;
	r.table = RT_TABLE_LOCAL;
	r.ipproto = IPPROTO_IPV6;
	while (n < 2 * FLOW_ANCHOR_COUNT && nlr_rule_del(fl->nl, &r) == 0)
		n++;
	if (n > 0)
		log_info("flows: %d rule%s of an earlier mnd removed", n,
		    n == 1 ? "" : "s");
}

static int
open_kernel(struct mn_flow *fl)
{
	if ((fl->nl = nlr_open()) == NULL) {
		log_warn("netlink (flows)");
		return -1;
	}
	flush_rules(fl);
	/* Counters for the handoff timeline's first packet (G.4 s5). */
	if (nlr_sysctl_write("net/netfilter/nf_conntrack_acct", "1") == -1)
		log_warnx("nf_conntrack_acct: cannot enable; the handoff "
		    "timeline will have no first-packet times");
	if ((fl->ev = ctnl_open(CTNL_GRP_DESTROY)) == NULL ||
	    (fl->req = ctnl_open(0)) == NULL) {
		log_warn("conntrack netlink");
		return -1;
	}
	if (evloop_add_fd(fl->d->loop, ctnl_fd(fl->ev), EPOLLIN,
	    on_ct_readable, fl) == -1) {
		log_warn("conntrack fd");
		return -1;
	}
	return 0;
}

static int
open_queue(struct mn_flow *fl, const struct mnd_conf *c)
{
	flowq_conf_default(&fl->qc);
	fl->qc.queue_out = (uint16_t)c->nfqueue;
	fl->qc.queue_pre = (uint16_t)(c->nfqueue + 1);
	fl->qc.hook_pre = c->classify_inbound;
	if (flowq_rules_install(&fl->qc) == -1) {
		log_warnx("nfqueue rules cannot be installed (ip6tables?); "
		    "set classify = false to run without per-flow mobility");
		return -1;
	}
	fl->rules_on = true;
	nat_sync(fl);
	if (!fl->nat_on) {
		log_warnx("nat table: cannot install %s", FLOWQ_NAT_CHAIN);
		return -1;
	}
	if ((fl->q = flowq_open(&fl->qc, decide, fl)) == NULL) {
		log_warn("nfqueue %u/%u", fl->qc.queue_out, fl->qc.queue_pre);
		return -1;
	}
	if (evloop_add_fd(fl->d->loop, flowq_fd(fl->q), EPOLLIN, on_queue,
	    fl) == -1) {
		log_warn("nfqueue fd");
		return -1;
	}
	return 0;
}

int
mn_flow_open(struct mn_flow **out, struct daemon *d, const struct mnd_conf *c,
    struct anchors *an, const struct mn_flow_hooks *hooks)
{
	struct mn_flow *fl;
	uint64_t seed;

	*out = NULL;
	if (!c->classify) {
		log_info("flows: classification off (classify = false)");
		return 0;
	}
	if ((fl = calloc(1, sizeof(*fl))) == NULL) {
		log_warn("flows");
		return -1;
	}
	fl->d = d;
	fl->an = an;
	fl->hooks = *hooks;
	fl->wait_ms = c->anchor_wait;
	fl->side_fd = -1;
	fl->grace_ms = (unsigned)c->grace_period * 1000u;
	timer_init(&fl->timer, on_timer, fl);
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)time(NULL);
	if (policy_init_conf(&fl->pol, c) == -1 ||
	    flowtab_init(&fl->ft, 1024, c->max_flows, seed) == -1) {
		log_warn("flow table");
		free(fl);
		return -1;
	}
	/* Slot 1: CoA-sourced flows policy marks Fixed go out translated to
	 * the HoA through the HA's tunnel (G.3). */
	fl->slots[FLOW_ANCHOR_HA].used = true;
	fl->slots[FLOW_ANCHOR_HA].addr = c->home_address;
	*out = fl;
	if (open_kernel(fl) == -1 || open_queue(fl, c) == -1) {
		mn_flow_close(fl);
		*out = NULL;
		return -1;
	}
	log_info("flows: classifying on nfqueue %u (out)%s, %zu polic%s, "
	    "default %s, anchor wait %u ms, grace %u s, at most %u flows",
	    fl->qc.queue_out, fl->qc.hook_pre ? " and the next (in)" : "",
	    fl->pol.nrules, fl->pol.nrules == 1 ? "y" : "ies",
	    policy_type_name(fl->pol.default_type), fl->wait_ms,
	    c->grace_period, c->max_flows);
	return 0;
}

void
mn_flow_close(struct mn_flow *fl)
{
	if (fl == NULL)
		return;
	evloop_timer_cancel(fl->d->loop, &fl->timer);
	if (fl->q != NULL) {
		/* Held packets go as they are: never blackholed. */
		for (size_t i = 0; i < fl->npend; i++)
			flowq_verdict(fl->q, fl->pend[i].hook, fl->pend[i].id,
			    fl->pend[i].old_mark, FLOW_MARK_CLASSIFIED);
		evloop_del_fd(fl->d->loop, flowq_fd(fl->q));
		flowq_close(fl->q);
	}
	if (fl->rules_on)
		flowq_rules_remove(&fl->qc);
	if (fl->nat_on)
		flowq_nat_remove(&fl->qc);
	for (int s = FLOW_ANCHOR_HA; s < FLOW_ANCHOR_COUNT; s++) {
		fl->slots[s].used = false;
		if (fl->nl != NULL && fl->slots[s].table != 0)
			slot_rule(fl, s, fl->slots[s].table, false);
	}
	if (fl->nl != NULL)
		drop_kept(fl, NULL);
	for (size_t i = 0; fl->nl != NULL && i < fl->ndivert; i++)
		divert_rule(fl, &fl->divert[i], false);
	if (fl->side != NULL) {
		if (fl->side_fd >= 0)
			evloop_del_fd(fl->d->loop, fl->side_fd);
		tunnel_close(fl->side);
	}
	if (fl->ev != NULL) {
		evloop_del_fd(fl->d->loop, ctnl_fd(fl->ev));
		ctnl_close(fl->ev);
	}
	if (fl->req != NULL)
		ctnl_close(fl->req);
	if (fl->nl != NULL)
		nlr_close(fl->nl);
	for (int i = 0; i < FLOW_HO_KEEP; i++)
		free(fl->ho[i].rows);
	free(fl->pend);
	flowtab_free(&fl->ft);
	policy_free(&fl->pol);
	free(fl);
}
