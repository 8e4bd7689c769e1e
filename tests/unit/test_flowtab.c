/*
 * test_flowtab.c: the flow table (mn/flowtab.c, PROTOCOL.md G.2, G.4):
 * lookups in both directions and idempotent re-queues, 200k flows,
 * anchor lists, idle/grace expiry, eviction, and the handoff planner
 * with its timeline.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "flowtab.h"
#include "cu_main.h"

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

static struct flow_key
K(const char *src, const char *dst, uint8_t proto, uint16_t sp, uint16_t dp)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.src = A(src);
	k.dst = A(dst);
	k.proto = proto;
	k.sport = sp;
	k.dport = dp;
	return k;
}

static struct policy_decision
D(uint8_t type, uint8_t anchor, bool nat, enum flow_initiator ini)
{
	struct policy_decision d;

	memset(&d, 0, sizeof(d));
	d.type = type;
	d.anchor = anchor;
	d.nat = nat;
	d.initiator = ini;
	d.rule = -1;
	d.mark = flow_mark_make(type, anchor, ini == FLOW_INIT_CN, nat);
	return d;
}

#define OLD	"2001:db8:1::2"
#define NEW	"2001:db8:2::2"
#define OTHER	"2001:db8:3::2"
#define HOA	"2001:db8:10::100"
#define DHOA	"2001:db8:d1::7"
#define CN	"2001:db8:c1::1"

static void
t_lookup(void)
{
	struct flowtab ft;
	struct flow_key k = K(OLD, CN, 17, 5000, 53), r;
	struct policy_decision d = D(CONT_NON_PERSISTENT, 0, false,
	    FLOW_INIT_MN);
	struct flow *f, *g;
	bool rev;

	CU_ASSERT_EQUAL_FATAL(flowtab_init(&ft, 0, 0, 42), 0);
	CU_ASSERT_PTR_NULL(flowtab_find(&ft, &k));
	f = flowtab_add(&ft, &k, FLOW_HOOK_OUT, &d, 1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_ACTIVE);
	CU_ASSERT_EQUAL(f->queued, 1);
	CU_ASSERT_EQUAL(f->mark, 0x1300);
	CU_ASSERT(memcmp(&f->local, &k.src, 16) == 0);
	CU_ASSERT_PTR_EQUAL(flowtab_find(&ft, &k), f);
	CU_ASSERT_PTR_EQUAL(flowtab_find_conn(&ft, &k, &rev), f);
	CU_ASSERT_FALSE(rev);
	flow_key_reverse(&k, &r);
	CU_ASSERT_PTR_NULL(flowtab_find(&ft, &r));
	CU_ASSERT_PTR_EQUAL(flowtab_find_conn(&ft, &r, &rev), f);
	CU_ASSERT(rev);

	/* same 5-tuple again, either direction: refused */
	CU_ASSERT_PTR_NULL(flowtab_add(&ft, &k, FLOW_HOOK_OUT, &d, 1001));
	CU_ASSERT_PTR_NULL(flowtab_add(&ft, &r, FLOW_HOOK_PRE, &d, 1001));
	CU_ASSERT_EQUAL(flowtab_count(&ft), 1);

	/* an early packet queued again: same entry, same mark, counted */
	g = flowtab_find_conn(&ft, &k, NULL);
	flowtab_seen(&ft, g);
	CU_ASSERT_EQUAL(g->queued, 2);
	CU_ASSERT_EQUAL(g->mark, 0x1300);
	CU_ASSERT_EQUAL(ft.stats.dups, 1);

	/* one field differs: another flow */
	k.sport++;
	CU_ASSERT_PTR_NULL(flowtab_find_conn(&ft, &k, NULL));
	k.sport--;
	k.proto = 6;
	CU_ASSERT_PTR_NULL(flowtab_find_conn(&ft, &k, NULL));

	/* inbound flow: local is the destination */
	k = K(CN, HOA, 6, 40000, 22);
	d = D(CONT_FIXED, FLOW_ANCHOR_HA, false, FLOW_INIT_CN);
	f = flowtab_add(&ft, &k, FLOW_HOOK_PRE, &d, 1002);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT(memcmp(&f->local, &k.dst, 16) == 0);
	CU_ASSERT_EQUAL(f->initiator, FLOW_INIT_CN);
	flowtab_free(&ft);
}

static void
t_scale(void)
{
	struct flowtab ft;
	struct policy_decision d = D(CONT_NON_PERSISTENT, 0, false,
	    FLOW_INIT_MN);
	const size_t N = 200000;
	struct flow_key k = K(OLD, CN, 17, 0, 0);
	struct timespec t0, t1;
	size_t found = 0, anchored = 0;
	double secs;

	CU_ASSERT_EQUAL_FATAL(flowtab_init(&ft, 1024, 0, 7), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < N; i++) {
		k.sport = (uint16_t)(i & 0xffff);
		k.dport = (uint16_t)(i >> 16);
		k.dst.s6_addr[15] = (uint8_t)(i % 7);
		d.anchor = (uint8_t)(i % 5);
		if (flowtab_add(&ft, &k, FLOW_HOOK_OUT, &d, i) == NULL)
			break;
	}
	CU_ASSERT_EQUAL(flowtab_count(&ft), N);
	CU_ASSERT(ft.stats.grows > 0);
	CU_ASSERT(ft.nbuckets >= N);
	for (size_t i = 0; i < N; i++) {
		k.sport = (uint16_t)(i & 0xffff);
		k.dport = (uint16_t)(i >> 16);
		k.dst.s6_addr[15] = (uint8_t)(i % 7);
		found += flowtab_find(&ft, &k) != NULL;
	}
	CU_ASSERT_EQUAL(found, N);
	for (unsigned a = 0; a < 5; a++)
		anchored += flowtab_anchor_count(&ft, (uint8_t)a);
	CU_ASSERT_EQUAL(anchored, N);
	CU_ASSERT_EQUAL(flowtab_anchor_count(&ft, 3), N / 5);
	/* end every other flow */
	for (size_t i = 0; i < N; i += 2) {
		struct flow *f;

		k.sport = (uint16_t)(i & 0xffff);
		k.dport = (uint16_t)(i >> 16);
		k.dst.s6_addr[15] = (uint8_t)(i % 7);
		f = flowtab_find(&ft, &k);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		flowtab_end(&ft, f, FLOW_END_CLOSED, NULL, NULL);
	}
	CU_ASSERT_EQUAL(flowtab_count(&ft), N / 2);
	CU_ASSERT_EQUAL(ft.stats.ended[FLOW_END_CLOSED], N / 2);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("\n    200k add + 200k find + 100k end: %.3f s ", secs);
	CU_ASSERT(secs < 5.0);	/* O(1): about 0.1 s, 1 s under ASan */
	flowtab_free(&ft);
}

static size_t ncalls;
static void
count_fn(struct flow *f, void *arg)
{
	(void)f;
	(void)arg;
	ncalls++;
}

static void
end_fn(struct flow *f, void *arg)
{
	flowtab_end(arg, f, FLOW_END_CLOSED, NULL, NULL);
}

static void
t_anchors(void)
{
	struct flowtab ft;
	struct policy_decision d;
	struct flow_key k;
	struct flow *f[4];

	CU_ASSERT_EQUAL_FATAL(flowtab_init(&ft, 0, 0, 1), 0);
	for (int i = 0; i < 4; i++) {
		k = K(OLD, CN, 6, (uint16_t)(1000 + i), 80);
		d = D(CONT_SESSION_LASTING, i < 3 ? 5 : 6, true,
		    FLOW_INIT_MN);
		f[i] = flowtab_add(&ft, &k, FLOW_HOOK_OUT, &d, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]);
	}
	CU_ASSERT_EQUAL(flowtab_anchor_count(&ft, 5), 3);
	CU_ASSERT_EQUAL(flowtab_anchor_count(&ft, 6), 1);
	ncalls = 0;
	CU_ASSERT_EQUAL(flowtab_foreach_anchor(&ft, 5, count_fn, NULL), 3);
	CU_ASSERT_EQUAL(ncalls, 3);
	CU_ASSERT_EQUAL(flowtab_foreach_anchor(&ft, 7, count_fn, NULL), 0);

	/* pending until the anchor is found (G.3) */
	k = K(OLD, CN, 6, 2000, 80);
	d = D(CONT_SESSION_LASTING, 0, false, FLOW_INIT_MN);
	d.needs_anchor = true;
	f[0] = flowtab_add(&ft, &k, FLOW_HOOK_OUT, &d, 0);
	CU_ASSERT_EQUAL(f[0]->state, FLOW_PENDING);
	CU_ASSERT_EQUAL(flowtab_anchor_count(&ft, 0), 1);
	flowtab_set_anchor(&ft, f[0], 6, true);
	CU_ASSERT_EQUAL(f[0]->state, FLOW_ACTIVE);
	CU_ASSERT_EQUAL(f[0]->mark, 0x3206);
	CU_ASSERT_EQUAL(flowtab_anchor_count(&ft, 0), 0);
	CU_ASSERT_EQUAL(flowtab_anchor_count(&ft, 6), 2);

	/* foreach may end the flow it is given */
	CU_ASSERT_EQUAL(flowtab_foreach_anchor(&ft, 5, end_fn, &ft), 3);
	CU_ASSERT_EQUAL(flowtab_anchor_count(&ft, 5), 0);
	CU_ASSERT_EQUAL(flowtab_foreach(&ft, end_fn, &ft), 2);
	CU_ASSERT_EQUAL(flowtab_count(&ft), 0);
	flowtab_free(&ft);
}

static enum flow_end last_end;
static size_t nend;
static void
on_end(struct flow *f, enum flow_end why, void *arg)
{
	(void)f;
	(void)arg;
	last_end = why;
	nend++;
}

static void
t_expiry(void)
{
	struct flowtab ft;
	struct policy_decision d = D(CONT_NON_PERSISTENT, 0, false,
	    FLOW_INIT_MN);
	struct flow_key k;
	struct flow *f[3];

	CU_ASSERT_EQUAL_FATAL(flowtab_init(&ft, 0, 0, 1), 0);
	for (int i = 0; i < 3; i++) {
		k = K(OLD, CN, 17, (uint16_t)(100 + i), 53);
		f[i] = flowtab_add(&ft, &k, FLOW_HOOK_OUT, &d,
		    (uint64_t)i * 1000);
	}
	/* flow 0 stays busy */
	flowtab_touch(&ft, f[0], 5000, 10, 1000);
	CU_ASSERT_EQUAL(f[0]->packets, 10);
	nend = 0;
	CU_ASSERT_EQUAL(flowtab_expire(&ft, 6500, 5000, on_end, NULL), 1);
	CU_ASSERT_EQUAL(nend, 1);
	CU_ASSERT_EQUAL(last_end, FLOW_END_IDLE);
	CU_ASSERT_EQUAL(flowtab_count(&ft), 2);		/* f[1], f[0] */
	CU_ASSERT_EQUAL(flowtab_expire(&ft, 7000, 5000, on_end, NULL), 1);
	CU_ASSERT_PTR_EQUAL(ft.lru_head, f[0]);
	CU_ASSERT_EQUAL(flowtab_expire(&ft, 9999, 5000, on_end, NULL), 0);
	CU_ASSERT_EQUAL(flowtab_expire(&ft, 10000, 0, on_end, NULL), 0);
	CU_ASSERT_EQUAL(flowtab_expire(&ft, 10000, 5000, on_end, NULL), 1);
	CU_ASSERT_EQUAL(flowtab_count(&ft), 0);
	CU_ASSERT_EQUAL(ft.stats.ended[FLOW_END_IDLE], 3);
	flowtab_free(&ft);

	/* eviction of the least recently active when full */
	CU_ASSERT_EQUAL_FATAL(flowtab_init(&ft, 0, 3, 1), 0);
	for (int i = 0; i < 3; i++) {
		k = K(OLD, CN, 17, (uint16_t)(100 + i), 53);
		f[i] = flowtab_add(&ft, &k, FLOW_HOOK_OUT, &d, (uint64_t)i);
	}
	flowtab_touch(&ft, f[0], 10, 1, 1);
	k = K(OLD, CN, 17, 999, 53);
	CU_ASSERT_PTR_NOT_NULL(flowtab_add(&ft, &k, FLOW_HOOK_OUT, &d, 11));
	CU_ASSERT_EQUAL(flowtab_count(&ft), 3);
	CU_ASSERT_EQUAL(ft.stats.ended[FLOW_END_EVICTED], 1);
	k = K(OLD, CN, 17, 101, 53);	/* f[1] was the oldest */
	CU_ASSERT_PTR_NULL(flowtab_find(&ft, &k));
	k = K(OLD, CN, 17, 100, 53);
	CU_ASSERT_PTR_NOT_NULL(flowtab_find(&ft, &k));
	flowtab_free(&ft);
}

/* The G.4 plan on a table with one flow of every kind. */
enum { F_SL_DHOA, F_FIX_HOA, F_NP_OLD, F_GR_OLD, F_NP_OTHER, F_SL_UNANCH,
	F_GR_DHOA, F_SL_NAT, F_CN_HOA, F_N };

static void
fill(struct flowtab *ft, struct flow_key keys[F_N])
{
	static const struct {
		const char *src, *dst;
		uint8_t type, anchor;
		bool nat;
		enum flow_hook hook;
	} s[F_N] = {
		[F_SL_DHOA] = { DHOA, CN, CONT_SESSION_LASTING, 2, false,
		    FLOW_HOOK_OUT },
		[F_FIX_HOA] = { HOA, CN, CONT_FIXED, 1, false, FLOW_HOOK_OUT },
		[F_NP_OLD] = { OLD, CN, CONT_NON_PERSISTENT, 0, false,
		    FLOW_HOOK_OUT },
		[F_GR_OLD] = { OLD, CN, CONT_GRACEFUL, 0, false,
		    FLOW_HOOK_OUT },
		[F_NP_OTHER] = { OTHER, CN, CONT_NON_PERSISTENT, 0, false,
		    FLOW_HOOK_OUT },
		[F_SL_UNANCH] = { OLD, CN, CONT_SESSION_LASTING, 0, false,
		    FLOW_HOOK_OUT },
		[F_GR_DHOA] = { "2001:db8:d9::1", CN, CONT_GRACEFUL, 3, false,
		    FLOW_HOOK_OUT },
		[F_SL_NAT] = { OLD, CN, CONT_SESSION_LASTING, 2, true,
		    FLOW_HOOK_OUT },
		[F_CN_HOA] = { CN, HOA, CONT_FIXED, 1, false, FLOW_HOOK_PRE },
	};

	for (int i = 0; i < F_N; i++) {
		struct policy_decision d = D(s[i].type, s[i].anchor,
		    s[i].nat, s[i].hook == FLOW_HOOK_PRE ? FLOW_INIT_CN :
		    FLOW_INIT_MN);

		keys[i] = K(s[i].src, s[i].dst, 6, (uint16_t)(40000 + i),
		    443);
		CU_ASSERT_PTR_NOT_NULL(flowtab_add(ft, &keys[i], s[i].hook,
		    &d, 100));
	}
}

static const struct ho_flow_step *
step_of(const struct ho_plan *p, const struct flow_key *k)
{
	for (size_t i = 0; i < p->nflows; i++)
		if (memcmp(&p->flows[i].key, k, sizeof(*k)) == 0)
			return &p->flows[i];
	return NULL;
}

static void
t_plan(void)
{
	static const enum ho_action want[F_N] = {
		[F_SL_DHOA] = HO_REBIND, [F_FIX_HOA] = HO_REBIND,
		[F_NP_OLD] = HO_END, [F_GR_OLD] = HO_GRACE,
		[F_NP_OTHER] = HO_KEEP, [F_SL_UNANCH] = HO_END,
		[F_GR_DHOA] = HO_GRACE, [F_SL_NAT] = HO_REBIND,
		[F_CN_HOA] = HO_REBIND,
	};
	struct flow_key keys[F_N];
	bool held[FLOW_ANCHOR_COUNT] = { false };
	struct ho_input in;
	struct ho_plan p;
	struct flowtab ft;

	CU_ASSERT_EQUAL_FATAL(flowtab_init(&ft, 0, 0, 3), 0);
	fill(&ft, keys);
	held[FLOW_ANCHOR_HA] = held[2] = held[3] = held[4] = true;
	memset(&in, 0, sizeof(in));
	in.old_coa = A(OLD);
	in.new_coa = A(NEW);
	in.held = held;
	in.link_ms = 5000;
	in.coa_ms = 5040;
	CU_ASSERT_EQUAL_FATAL(flowtab_plan_handoff(&ft, &in, &p), 0);

	CU_ASSERT_EQUAL(p.nflows, F_N);
	for (int i = 0; i < F_N; i++) {
		const struct ho_flow_step *s = step_of(&p, &keys[i]);

		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT_EQUAL(s->action, want[i]);
		CU_ASSERT_PTR_NOT_NULL(s->why);
	}
	CU_ASSERT_EQUAL(p.count[HO_REBIND], 4);
	CU_ASSERT_EQUAL(p.count[HO_END], 2);
	CU_ASSERT_EQUAL(p.count[HO_GRACE], 2);
	CU_ASSERT_EQUAL(p.count[HO_KEEP], 1);
	CU_ASSERT(p.keep_old_coa);	/* F_SL_NAT is translated from OLD */

	/* anchors: HA 2 flows, DHoA 2 two, DHoA 3 one (graceful), 4 none */
	CU_ASSERT_EQUAL_FATAL(p.nanchors, 4);
	CU_ASSERT_EQUAL(p.anchors[0].anchor, FLOW_ANCHOR_HA);
	CU_ASSERT_EQUAL(p.anchors[0].action, HO_ANCHOR_REBIND);
	CU_ASSERT_EQUAL(p.anchors[0].live, 2);
	CU_ASSERT_EQUAL(p.anchors[1].anchor, 2);
	CU_ASSERT_EQUAL(p.anchors[1].action, HO_ANCHOR_REBIND);
	CU_ASSERT_EQUAL(p.anchors[1].live, 2);
	CU_ASSERT_EQUAL(p.anchors[2].anchor, 3);
	CU_ASSERT_EQUAL(p.anchors[2].action, HO_ANCHOR_REBIND);
	CU_ASSERT_EQUAL(p.anchors[3].anchor, 4);
	CU_ASSERT_EQUAL(p.anchors[3].action, HO_ANCHOR_RELEASE);
	CU_ASSERT_EQUAL(p.anchors[3].live, 0);

	/* pure: the table did not change */
	CU_ASSERT_EQUAL(flowtab_count(&ft), F_N);
	CU_ASSERT_EQUAL(flowtab_find(&ft, &keys[F_GR_OLD])->state,
	    FLOW_ACTIVE);

	/* apply at t=5100 with a 60 s grace period */
	nend = 0;
	flowtab_apply_plan(&ft, &p, 5100, 60000, on_end, NULL);
	CU_ASSERT_EQUAL(nend, 2);
	CU_ASSERT_EQUAL(last_end, FLOW_END_HANDOFF);
	CU_ASSERT_EQUAL(flowtab_count(&ft), F_N - 2);
	CU_ASSERT_PTR_NULL(flowtab_find(&ft, &keys[F_NP_OLD]));
	CU_ASSERT_PTR_NULL(flowtab_find(&ft, &keys[F_SL_UNANCH]));
	{
		struct flow *g = flowtab_find(&ft, &keys[F_GR_OLD]);
		struct flow *r = flowtab_find(&ft, &keys[F_SL_DHOA]);
		struct flow *kp = flowtab_find(&ft, &keys[F_NP_OTHER]);

		CU_ASSERT_EQUAL(g->state, FLOW_GRACE);
		CU_ASSERT_EQUAL(g->grace_until_ms, 65100);
		CU_ASSERT_EQUAL(g->ho.action, HO_GRACE);
		CU_ASSERT_EQUAL(r->ho.handoffs, 1);
		CU_ASSERT_EQUAL(r->ho.link_ms, 5000);
		CU_ASSERT_EQUAL(r->ho.coa_ms, 5040);
		CU_ASSERT_EQUAL(r->ho.action, HO_REBIND);
		CU_ASSERT_EQUAL(kp->ho.handoffs, 0);

		/* G.4 step 5: BUs (a retransmission), ack, first packet */
		flowtab_stamp(&ft, 2, HO_EV_BU_SENT, 5050);
		flowtab_stamp(&ft, 2, HO_EV_BU_SENT, 6050);
		flowtab_stamp(&ft, 2, HO_EV_ACK, 6080);
		flow_stamp(r, HO_EV_FIRST_PKT, 6090);
		flow_stamp(r, HO_EV_FIRST_PKT, 7000);	/* first one kept */
		CU_ASSERT_EQUAL(r->ho.bu_ms, 5050);
		CU_ASSERT_EQUAL(r->ho.bu_count, 2);
		CU_ASSERT_EQUAL(r->ho.ack_ms, 6080);
		CU_ASSERT_EQUAL(r->ho.first_pkt_ms, 6090);
		CU_ASSERT_EQUAL(flowtab_find(&ft, &keys[F_SL_NAT])->ho.bu_count,
		    2);
		CU_ASSERT_EQUAL(flowtab_find(&ft, &keys[F_FIX_HOA])->ho.bu_ms,
		    0);
		flowtab_stamp(&ft, -1, HO_EV_ACK, 6100);	/* all flows */
		CU_ASSERT_EQUAL(flowtab_find(&ft,
		    &keys[F_FIX_HOA])->ho.ack_ms, 6100);
		CU_ASSERT_EQUAL(r->ho.ack_ms, 6080);
	}
	CU_ASSERT_EQUAL(flowtab_next_grace(&ft), 65100);
	ho_plan_free(&p);

	/* a second move while the grace period runs: graceful flows are
	 * left alone, the HA is kept (keep_ha) */
	memset(held, 0, sizeof(held));
	in.old_coa = A(NEW);
	in.new_coa = A(OTHER);
	in.keep_ha = true;
	in.held = NULL;
	CU_ASSERT_EQUAL_FATAL(flowtab_plan_handoff(&ft, &in, &p), 0);
	CU_ASSERT_EQUAL(step_of(&p, &keys[F_GR_OLD])->action, HO_KEEP);
	CU_ASSERT_EQUAL(step_of(&p, &keys[F_GR_DHOA])->action, HO_KEEP);
	CU_ASSERT_EQUAL(step_of(&p, &keys[F_NP_OTHER])->action, HO_KEEP);
	CU_ASSERT_FALSE(p.keep_old_coa);
	/* DHoA 3 is still live: its graceful flow holds it */
	CU_ASSERT_EQUAL(p.nanchors, 3);
	CU_ASSERT_EQUAL(p.anchors[2].anchor, 3);
	CU_ASSERT_EQUAL(p.anchors[2].action, HO_ANCHOR_REBIND);
	flowtab_apply_plan(&ft, &p, 7000, 60000, on_end, NULL);
	CU_ASSERT_EQUAL(flowtab_find(&ft, &keys[F_SL_DHOA])->ho.handoffs, 2);
	CU_ASSERT_EQUAL(flowtab_find(&ft, &keys[F_GR_OLD])->grace_until_ms,
	    65100);
	ho_plan_free(&p);

	/* grace over: both graceful flows end */
	nend = 0;
	CU_ASSERT_EQUAL(flowtab_expire(&ft, 65099, 0, on_end, NULL), 0);
	CU_ASSERT_EQUAL(flowtab_expire(&ft, 65100, 0, on_end, NULL), 2);
	CU_ASSERT_EQUAL(last_end, FLOW_END_GRACE);
	CU_ASSERT_EQUAL(flowtab_next_grace(&ft), UINT64_MAX);

	/* now DHoA 3 has no flow: held -> released; the HA without flows
	 * and without keep_ha is released too */
	held[3] = true;
	held[FLOW_ANCHOR_HA] = true;
	in.held = held;
	in.keep_ha = false;
	flowtab_end(&ft, flowtab_find(&ft, &keys[F_FIX_HOA]),
	    FLOW_END_CLOSED, NULL, NULL);
	flowtab_end(&ft, flowtab_find(&ft, &keys[F_CN_HOA]),
	    FLOW_END_CLOSED, NULL, NULL);
	CU_ASSERT_EQUAL_FATAL(flowtab_plan_handoff(&ft, &in, &p), 0);
	CU_ASSERT_EQUAL_FATAL(p.nanchors, 3);
	CU_ASSERT_EQUAL(p.anchors[0].anchor, FLOW_ANCHOR_HA);
	CU_ASSERT_EQUAL(p.anchors[0].action, HO_ANCHOR_RELEASE);
	CU_ASSERT_EQUAL(p.anchors[1].anchor, 2);
	CU_ASSERT_EQUAL(p.anchors[1].action, HO_ANCHOR_REBIND);
	CU_ASSERT_EQUAL(p.anchors[2].anchor, 3);
	CU_ASSERT_EQUAL(p.anchors[2].action, HO_ANCHOR_RELEASE);
	ho_plan_free(&p);

	/* flows gone between plan and apply are skipped */
	CU_ASSERT_EQUAL_FATAL(flowtab_plan_handoff(&ft, &in, &p), 0);
	flowtab_foreach(&ft, end_fn, &ft);
	flowtab_apply_plan(&ft, &p, 8000, 1, on_end, NULL);
	CU_ASSERT_EQUAL(flowtab_count(&ft), 0);
	ho_plan_free(&p);

	/* empty table */
	CU_ASSERT_EQUAL_FATAL(flowtab_plan_handoff(&ft, &in, &p), 0);
	CU_ASSERT_EQUAL(p.nflows, 0);
	ho_plan_free(&p);
	flowtab_free(&ft);

	CU_ASSERT_STRING_EQUAL(ho_action_name(HO_GRACE), "grace");
	CU_ASSERT_STRING_EQUAL(ho_anchor_action_name(HO_ANCHOR_RELEASE),
	    "release");
	CU_ASSERT_STRING_EQUAL(flow_end_name(FLOW_END_HANDOFF), "handoff");
	CU_ASSERT_STRING_EQUAL(flow_state_name(FLOW_GRACE), "grace");
}

static CU_TestInfo tests[] = {
	{ "lookups both ways, idempotent re-queue", t_lookup },
	{ "200k flows: add, find, end", t_scale },
	{ "anchor lists, pending -> anchored", t_anchors },
	{ "idle expiry and eviction", t_expiry },
	{ "handoff plan, apply, timeline, grace", t_plan },
	CU_TEST_INFO_NULL
};

static int
cu_register(void)
{
	CU_SUITE("flowtab", tests);
	return 0;
}
