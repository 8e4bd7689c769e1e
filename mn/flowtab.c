/*
 * flowtab.c: the flow table and the per-flow handoff planner (see
 * flowtab.h; PROTOCOL.md G.2, G.4).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flowtab.h"

#define FLOWTAB_MIN_BUCKETS	64

static const char *const state_names[FLOW_STATE_COUNT] = {
	[FLOW_PENDING] = "pending",
	[FLOW_ACTIVE] = "active",
	[FLOW_GRACE] = "grace",
};

static const char *const end_names[FLOW_END_COUNT] = {
	[FLOW_END_CLOSED] = "closed",
	[FLOW_END_IDLE] = "idle",
	[FLOW_END_GRACE] = "grace-over",
	[FLOW_END_HANDOFF] = "handoff",
	[FLOW_END_EVICTED] = "evicted",
};

static const char *const action_names[HO_ACTION_COUNT] = {
	[HO_KEEP] = "keep",
	[HO_REBIND] = "rebind",
	[HO_END] = "end",
	[HO_GRACE] = "grace",
};

const char *
flow_state_name(enum flow_state s)
{
	return (unsigned)s < FLOW_STATE_COUNT ? state_names[s] : "?";
}

const char *
flow_end_name(enum flow_end e)
{
	return (unsigned)e < FLOW_END_COUNT ? end_names[e] : "?";
}

const char *
ho_action_name(enum ho_action a)
{
	return (unsigned)a < HO_ACTION_COUNT ? action_names[a] : "?";
}

const char *
ho_anchor_action_name(enum ho_anchor_action a)
{
	return a == HO_ANCHOR_REBIND ? "rebind" :
	    a == HO_ANCHOR_RELEASE ? "release" : "?";
}

/* ---- keys and hashing --------------------------------------------- */

void
flow_key_from_pkt(struct flow_key *k, const struct pkt_info *pi)
{
	memset(k, 0, sizeof(*k));
	k->src = pi->src;
	k->dst = pi->dst;
	k->proto = pi->proto;
	k->sport = pi->sport;
	k->dport = pi->dport;
}

void
flow_key_reverse(const struct flow_key *k, struct flow_key *r)
{
	memset(r, 0, sizeof(*r));
	r->src = k->dst;
	r->dst = k->src;
	r->sport = k->dport;
	r->dport = k->sport;
	r->proto = k->proto;
}

static uint64_t
mix64(uint64_t h)
{
	/* splitmix64 finaliser */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

static uint64_t
key_hash(const struct flowtab *ft, const struct flow_key *k)
{
	uint64_t w[5], h = ft->seed;

	memcpy(w, k, sizeof(w));
	for (size_t i = 0; i < 5; i++)
		h = mix64(h ^ w[i]) + 0x9e3779b97f4a7c15ull;
	return h;
}

_Static_assert(sizeof(struct flow_key) == 40, "flow_key is 5 words");

static bool
key_eq(const struct flow_key *a, const struct flow_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* ---- table -------------------------------------------------------- */

int
flowtab_init(struct flowtab *ft, size_t hint, size_t max, uint64_t seed)
{
	size_t nb = FLOWTAB_MIN_BUCKETS;

	memset(ft, 0, sizeof(*ft));
	while (nb < hint && nb < ((size_t)1 << 30))
		nb <<= 1;
	if ((ft->buckets = calloc(nb, sizeof(*ft->buckets))) == NULL)
		return -1;
	ft->nbuckets = nb;
	ft->max = max;
	ft->seed = seed;
	return 0;
}

void
flowtab_free(struct flowtab *ft)
{
	struct flow *f, *next;

	for (f = ft->lru_head; f != NULL; f = next) {
		next = f->lnext;
		free(f);
	}
	free(ft->buckets);
	memset(ft, 0, sizeof(*ft));
}

size_t
flowtab_count(const struct flowtab *ft)
{
	return ft->n;
}

size_t
flowtab_anchor_count(const struct flowtab *ft, uint8_t anchor)
{
	return ft->anchor_n[anchor];
}

struct flow *
flowtab_find(struct flowtab *ft, const struct flow_key *k)
{
	struct flow *f;

	if (ft->buckets == NULL)
		return NULL;
	f = ft->buckets[key_hash(ft, k) & (ft->nbuckets - 1)];
	for (; f != NULL; f = f->hnext)
		if (key_eq(&f->key, k))
			return f;
	return NULL;
}

struct flow *
flowtab_find_conn(struct flowtab *ft, const struct flow_key *k,
    bool *reversed)
{
	struct flow_key r;
	struct flow *f;

	if (reversed != NULL)
		*reversed = false;
	if ((f = flowtab_find(ft, k)) != NULL)
		return f;
	flow_key_reverse(k, &r);
	if ((f = flowtab_find(ft, &r)) != NULL && reversed != NULL)
		*reversed = true;
	return f;
}

static void
grow(struct flowtab *ft)
{
	size_t nb = ft->nbuckets * 2;
	struct flow **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return;		/* longer chains, still correct */
	for (size_t i = 0; i < ft->nbuckets; i++) {
		struct flow *f = ft->buckets[i], *next;

		for (; f != NULL; f = next) {
			size_t j = key_hash(ft, &f->key) & (nb - 1);

			next = f->hnext;
			f->hnext = b[j];
			b[j] = f;
		}
	}
	free(ft->buckets);
	ft->buckets = b;
	ft->nbuckets = nb;
	ft->stats.grows++;
}

static void
anchor_link(struct flowtab *ft, struct flow *f)
{
	f->aprev = NULL;
	f->anext = ft->anchor_head[f->anchor];
	if (f->anext != NULL)
		f->anext->aprev = f;
	ft->anchor_head[f->anchor] = f;
	ft->anchor_n[f->anchor]++;
}

static void
anchor_unlink(struct flowtab *ft, struct flow *f)
{
	if (f->aprev != NULL)
		f->aprev->anext = f->anext;
	else
		ft->anchor_head[f->anchor] = f->anext;
	if (f->anext != NULL)
		f->anext->aprev = f->aprev;
	f->aprev = f->anext = NULL;
	ft->anchor_n[f->anchor]--;
}

static void
lru_append(struct flowtab *ft, struct flow *f)
{
	f->lnext = NULL;
	f->lprev = ft->lru_tail;
	if (ft->lru_tail != NULL)
		ft->lru_tail->lnext = f;
	else
		ft->lru_head = f;
	ft->lru_tail = f;
}

static void
lru_unlink(struct flowtab *ft, struct flow *f)
{
	if (f->lprev != NULL)
		f->lprev->lnext = f->lnext;
	else
		ft->lru_head = f->lnext;
	if (f->lnext != NULL)
		f->lnext->lprev = f->lprev;
	else
		ft->lru_tail = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void
grace_link(struct flowtab *ft, struct flow *f)
{
	f->gprev = NULL;
	f->gnext = ft->grace_head;
	if (f->gnext != NULL)
		f->gnext->gprev = f;
	ft->grace_head = f;
}

static void
grace_unlink(struct flowtab *ft, struct flow *f)
{
	if (f->gprev != NULL)
		f->gprev->gnext = f->gnext;
	else if (ft->grace_head == f)
		ft->grace_head = f->gnext;
	if (f->gnext != NULL)
		f->gnext->gprev = f->gprev;
	f->gprev = f->gnext = NULL;
}

static void
hash_unlink(struct flowtab *ft, struct flow *f)
{
	struct flow **pp = &ft->buckets[key_hash(ft, &f->key) &
	    (ft->nbuckets - 1)];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == f) {
			*pp = f->hnext;
			return;
		}
}

void
flowtab_end(struct flowtab *ft, struct flow *f, enum flow_end why,
    flowtab_end_fn on_end, void *arg)
{
	if (on_end != NULL)
		on_end(f, why, arg);
	hash_unlink(ft, f);
	anchor_unlink(ft, f);
	lru_unlink(ft, f);
	if (f->state == FLOW_GRACE)
		grace_unlink(ft, f);
	ft->n--;
	if ((unsigned)why < FLOW_END_COUNT)
		ft->stats.ended[why]++;
	free(f);
}

struct flow *
flowtab_add(struct flowtab *ft, const struct flow_key *k,
    enum flow_hook hook, const struct policy_decision *d, uint64_t now_ms)
{
	struct flow *f;
	size_t b;

	if (flowtab_find_conn(ft, k, NULL) != NULL) {
		errno = EEXIST;
		return NULL;
	}
	if (ft->max != 0 && ft->n >= ft->max && ft->lru_head != NULL)
		flowtab_end(ft, ft->lru_head, FLOW_END_EVICTED, NULL, NULL);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->key = *k;
	memset(f->key.pad, 0, sizeof(f->key.pad));
	f->hook = hook;
	f->initiator = d->initiator;
	f->state = d->needs_anchor ? FLOW_PENDING : FLOW_ACTIVE;
	f->type = d->type;
	f->anchor = d->anchor;
	f->nat = d->nat;
	f->reason = (uint8_t)d->reason;
	f->rule = d->rule;
	f->mark = d->mark;
	f->local = hook == FLOW_HOOK_OUT ? k->src : k->dst;
	f->first_ms = f->last_ms = now_ms;
	f->queued = 1;
	if (ft->n >= ft->nbuckets)
		grow(ft);
	b = key_hash(ft, &f->key) & (ft->nbuckets - 1);
	f->hnext = ft->buckets[b];
	ft->buckets[b] = f;
	anchor_link(ft, f);
	lru_append(ft, f);
	ft->n++;
	ft->stats.added++;
	return f;
}

void
flowtab_seen(struct flowtab *ft, struct flow *f)
{
	f->queued++;
	ft->stats.dups++;
}

void
flowtab_set_anchor(struct flowtab *ft, struct flow *f, uint8_t anchor,
    bool nat)
{
	anchor_unlink(ft, f);
	f->anchor = anchor;
	f->nat = nat && anchor != FLOW_ANCHOR_NONE;
	anchor_link(ft, f);
	if (f->state == FLOW_PENDING)
		f->state = FLOW_ACTIVE;
	f->mark = flow_mark_make(f->type, f->anchor,
	    f->initiator == FLOW_INIT_CN, f->nat);
}

void
flowtab_touch(struct flowtab *ft, struct flow *f, uint64_t now_ms,
    uint64_t packets, uint64_t bytes)
{
	f->packets = packets;
	f->bytes = bytes;
	if (now_ms > f->last_ms)
		f->last_ms = now_ms;
	lru_unlink(ft, f);
	lru_append(ft, f);
}

size_t
flowtab_expire(struct flowtab *ft, uint64_t now_ms, uint64_t idle_ms,
    flowtab_end_fn on_end, void *arg)
{
	struct flow *f, *next;
	size_t n = 0;

	for (f = ft->grace_head; f != NULL; f = next) {
		next = f->gnext;
		if (f->grace_until_ms <= now_ms) {
			flowtab_end(ft, f, FLOW_END_GRACE, on_end, arg);
			n++;
		}
	}
	if (idle_ms == 0)
		return n;
	/* The LRU list is ordered by last activity: stop at the first
	 * flow still within idle_ms. */
	while ((f = ft->lru_head) != NULL && f->last_ms + idle_ms <= now_ms) {
		flowtab_end(ft, f, FLOW_END_IDLE, on_end, arg);
		n++;
	}
	return n;
}

uint64_t
flowtab_next_grace(const struct flowtab *ft)
{
	uint64_t t = UINT64_MAX;

	for (const struct flow *f = ft->grace_head; f != NULL; f = f->gnext)
		if (f->grace_until_ms < t)
			t = f->grace_until_ms;
	return t;
}

size_t
flowtab_foreach(struct flowtab *ft, flowtab_fn fn, void *arg)
{
	struct flow *f, *next;
	size_t n = 0;

	for (f = ft->lru_head; f != NULL; f = next) {
		next = f->lnext;
		fn(f, arg);
		n++;
	}
	return n;
}

size_t
flowtab_foreach_anchor(struct flowtab *ft, uint8_t anchor, flowtab_fn fn,
    void *arg)
{
	struct flow *f, *next;
	size_t n = 0;

	for (f = ft->anchor_head[anchor]; f != NULL; f = next) {
		next = f->anext;
		fn(f, arg);
		n++;
	}
	return n;
}

void
flow_stamp(struct flow *f, enum ho_event ev, uint64_t ms)
{
	switch (ev) {
	case HO_EV_BU_SENT:
		f->ho.bu_count++;
		if (f->ho.bu_ms == 0)
			f->ho.bu_ms = ms;
		break;
	case HO_EV_ACK:
		if (f->ho.ack_ms == 0)
			f->ho.ack_ms = ms;
		break;
	case HO_EV_FIRST_PKT:
		if (f->ho.first_pkt_ms == 0)
			f->ho.first_pkt_ms = ms;
		break;
	}
}

void
flowtab_stamp(struct flowtab *ft, int anchor, enum ho_event ev, uint64_t ms)
{
	struct flow *f;

	if (anchor < 0) {
		for (f = ft->lru_head; f != NULL; f = f->lnext)
			flow_stamp(f, ev, ms);
		return;
	}
	if (anchor > FLOW_ANCHOR_MAX)
		return;
	for (f = ft->anchor_head[anchor]; f != NULL; f = f->anext)
		flow_stamp(f, ev, ms);
}

/* ---- handoff planner (G.4) ---------------------------------------- */

static bool
addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* One flow's fate when the MN moves off in->old_coa. */
static enum ho_action
judge(const struct flow *f, const struct ho_input *in, const char **why)
{
	if (f->state == FLOW_GRACE) {
		*why = "grace period running";
		return HO_KEEP;
	}
	if (f->anchor != FLOW_ANCHOR_NONE) {
		if (f->type == CONT_GRACEFUL && f->anchor != FLOW_ANCHOR_HA) {
			/* E.0: a short-lease DHoA of the old access
			 * network: kept next to the new one for a while. */
			*why = "graceful on a local DHoA";
			return HO_GRACE;
		}
		*why = f->anchor == FLOW_ANCHOR_HA ? "anchored on the HoA" :
		    "anchored on a DHoA";
		return HO_REBIND;
	}
	if (!addr_eq(&f->local, &in->old_coa)) {
		*why = "not on the old CoA";
		return HO_KEEP;
	}
	switch (f->type) {
	case CONT_GRACEFUL:
		*why = "graceful on the old CoA";
		return HO_GRACE;
	case CONT_FIXED:
	case CONT_SESSION_LASTING:
		*why = "unanchored: cannot be saved";
		return HO_END;
	}
	*why = "non-persistent on the old CoA";
	return HO_END;
}

int
flowtab_plan_handoff(const struct flowtab *ft, const struct ho_input *in,
    struct ho_plan *p)
{
	size_t live[FLOW_ANCHOR_COUNT] = { 0 };
	const struct flow *f;
	size_t i = 0, na = 0;

	memset(p, 0, sizeof(*p));
	p->old_coa = in->old_coa;
	p->new_coa = in->new_coa;
	p->link_ms = in->link_ms;
	p->coa_ms = in->coa_ms;
	if (ft->n > 0 &&
	    (p->flows = calloc(ft->n, sizeof(*p->flows))) == NULL)
		return -1;
	for (f = ft->lru_head; f != NULL; f = f->lnext, i++) {
		struct ho_flow_step *s = &p->flows[i];

		s->key = f->key;
		s->type = f->type;
		s->anchor = f->anchor;
		s->action = judge(f, in, &s->why);
		p->count[s->action]++;
		if (s->action == HO_REBIND || s->action == HO_GRACE ||
		    (s->action == HO_KEEP && f->state == FLOW_GRACE))
			live[f->anchor]++;
		if (f->nat && s->action != HO_END &&
		    addr_eq(&f->local, &in->old_coa))
			p->keep_old_coa = true;
	}
	p->nflows = i;

	for (int a = 1; a < FLOW_ANCHOR_COUNT; a++)
		if (live[a] > 0 || (in->held != NULL && in->held[a]) ||
		    (a == FLOW_ANCHOR_HA && in->keep_ha))
			na++;
	if (na > 0 && (p->anchors = calloc(na, sizeof(*p->anchors))) == NULL) {
		ho_plan_free(p);
		return -1;
	}
	for (int a = 1; a < FLOW_ANCHOR_COUNT; a++) {
		struct ho_anchor_step *s;
		bool keep = live[a] > 0 ||
		    (a == FLOW_ANCHOR_HA && in->keep_ha);

		if (!keep && (in->held == NULL || !in->held[a]))
			continue;
		s = &p->anchors[p->nanchors++];
		s->anchor = (uint8_t)a;
		s->live = live[a];
		s->action = keep ? HO_ANCHOR_REBIND : HO_ANCHOR_RELEASE;
	}
	return 0;
}

void
ho_plan_free(struct ho_plan *p)
{
	free(p->flows);
	free(p->anchors);
	memset(p, 0, sizeof(*p));
}

void
flowtab_apply_plan(struct flowtab *ft, const struct ho_plan *p,
    uint64_t now_ms, uint64_t grace_ms, flowtab_end_fn on_end, void *arg)
{
	for (size_t i = 0; i < p->nflows; i++) {
		const struct ho_flow_step *s = &p->flows[i];
		struct flow *f = flowtab_find(ft, &s->key);

		if (f == NULL)
			continue;
		switch (s->action) {
		case HO_KEEP:
			break;
		case HO_END:
			flowtab_end(ft, f, FLOW_END_HANDOFF, on_end, arg);
			continue;
		case HO_GRACE:
			f->state = FLOW_GRACE;
			f->grace_until_ms = now_ms + grace_ms;
			grace_link(ft, f);
			/* FALLTHROUGH */
		case HO_REBIND:
			f->ho.bu_ms = f->ho.ack_ms = 0;
			f->ho.first_pkt_ms = 0;
			f->ho.bu_count = 0;
			f->ho.link_ms = p->link_ms;
			f->ho.coa_ms = p->coa_ms;
			f->ho.handoffs++;
			break;
		case HO_ACTION_COUNT:
			break;
		}
		f->ho.action = s->action;
	}
}
