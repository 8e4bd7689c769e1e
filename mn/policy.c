/*
 * policy.c: first-match flow policy and initiator judgement (see
 * policy.h; PROTOCOL.md G.2, E.4, F.17).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const char *const reason_names[POLICY_REASON_COUNT] = {
	[POLICY_RULE] = "rule",
	[POLICY_DEFAULT] = "default",
	[POLICY_HOME_ADDRESS] = "home-address",
	[POLICY_ANCHOR_ADDRESS] = "anchor-address",
	[POLICY_INBOUND_HOA] = "inbound-hoa",
	[POLICY_INBOUND] = "inbound",
	[POLICY_UNPARSED] = "unparsed",
};

const char *
policy_reason_name(enum policy_reason r)
{
	return (unsigned)r < POLICY_REASON_COUNT ? reason_names[r] : "?";
}

const char *
policy_type_name(uint8_t type)
{
	switch (type) {
	case CONT_FIXED:
		return "fixed";
	case CONT_SESSION_LASTING:
		return "session-lasting";
	case CONT_NON_PERSISTENT:
		return "non-persistent";
	case CONT_GRACEFUL:
		return "graceful-replacement";
	}
	return "none";
}

static bool
type_ok(uint8_t t)
{
	return t >= CONT_FIXED && t <= CONT_MAX;
}

int
policy_init(struct policy_table *pt, const struct mnd_policy *rules,
    size_t n, uint8_t default_type, const struct in6_addr *hoa)
{
	memset(pt, 0, sizeof(*pt));
	if (!type_ok(default_type)) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!type_ok(rules[i].type)) {
			errno = EINVAL;
			return -1;
		}
	if (n > 0) {
		pt->rules = calloc(n, sizeof(*pt->rules));
		pt->hits = calloc(n, sizeof(*pt->hits));
		if (pt->rules == NULL || pt->hits == NULL) {
			policy_free(pt);
			errno = ENOMEM;
			return -1;
		}
		memcpy(pt->rules, rules, n * sizeof(*rules));
	}
	pt->nrules = n;
	pt->default_type = default_type;
	if (hoa != NULL) {
		pt->has_hoa = true;
		pt->hoa = *hoa;
	}
	return 0;
}

int
policy_init_conf(struct policy_table *pt, const struct mnd_conf *c)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	bool has = memcmp(&c->home_address, &any, sizeof(any)) != 0;

	return policy_init(pt, c->policies, c->npolicies, c->default_type,
	    has ? &c->home_address : NULL);
}

void
policy_free(struct policy_table *pt)
{
	free(pt->rules);
	free(pt->hits);
	free(pt->addrs);
	memset(pt, 0, sizeof(*pt));
}

static bool
addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

const struct policy_addr *
policy_addr_find(const struct policy_table *pt, const struct in6_addr *a)
{
	/* A handful of entries (HoA, one DHoA per DHP): a scan is fine. */
	for (size_t i = 0; i < pt->naddrs; i++)
		if (addr_eq(&pt->addrs[i].addr, a))
			return &pt->addrs[i];
	return NULL;
}

int
policy_addr_set(struct policy_table *pt, const struct in6_addr *a,
    uint8_t type, uint8_t anchor)
{
	struct policy_addr *pa = (struct policy_addr *)policy_addr_find(pt, a);

	if (!type_ok(type)) {
		errno = EINVAL;
		return -1;
	}
	if (pa == NULL) {
		if (pt->naddrs == pt->addrcap) {
			size_t cap = pt->addrcap ? pt->addrcap * 2 : 8;
			void *p = realloc(pt->addrs, cap * sizeof(*pt->addrs));

			if (p == NULL)
				return -1;
			pt->addrs = p;
			pt->addrcap = cap;
		}
		pa = &pt->addrs[pt->naddrs++];
		pa->addr = *a;
	}
	pa->type = type;
	pa->anchor = anchor;
	return 0;
}

int
policy_addr_del(struct policy_table *pt, const struct in6_addr *a)
{
	const struct policy_addr *pa = policy_addr_find(pt, a);
	size_t i;

	if (pa == NULL) {
		errno = ENOENT;
		return -1;
	}
	i = (size_t)(pa - pt->addrs);
	pt->addrs[i] = pt->addrs[--pt->naddrs];
	return 0;
}

static bool
port_in(const struct conf_port_range *r, uint16_t port)
{
	return port >= r->lo && port <= r->hi;
}

bool
policy_rule_matches(const struct mnd_policy *r, const struct policy_pkt *pp)
{
	const struct pkt_info *pi = pp->pkt;

	if (pi == NULL)
		return false;
	if (r->proto != 0 && r->proto != pi->proto)
		return false;
	/* A port condition needs a transport with ports (the ICMPv6 echo
	 * id is not a port). */
	if ((r->sport.set || r->dport.set) && !pi->has_ports)
		return false;
	if (r->sport.set && !port_in(&r->sport, pi->sport))
		return false;
	if (r->dport.set && !port_in(&r->dport, pi->dport))
		return false;
	if (r->has_dst && !conf_prefix_contains(&r->dst, &pi->dst))
		return false;
	if (r->has_uid && (!pp->has_uid || pp->uid != r->uid))
		return false;
	if (r->has_gid && (!pp->has_gid || pp->gid != r->gid))
		return false;
	if (r->dscp >= 0 && pi->dscp != r->dscp)
		return false;
	return true;
}

void
policy_decision_set_anchor(struct policy_decision *d, uint8_t anchor,
    bool nat)
{
	d->anchor = anchor;
	d->nat = nat && anchor != FLOW_ANCHOR_NONE;
	d->needs_anchor = false;
	d->mark = flow_mark_make(d->type, d->anchor,
	    d->initiator == FLOW_INIT_CN, d->nat);
}

static void
from_addr(struct policy_decision *d, const struct policy_addr *pa,
    enum policy_reason why)
{
	d->type = pa->type;
	d->reason = why;
	d->anchor = pa->anchor;
}

/* MN-initiated flow from the CoA (or any address not handed out). */
static void
by_table(struct policy_table *pt, const struct policy_pkt *pp,
    struct policy_decision *d)
{
	d->type = pt->default_type;
	d->reason = POLICY_DEFAULT;
	for (size_t i = 0; i < pt->nrules; i++)
		if (policy_rule_matches(&pt->rules[i], pp)) {
			pt->hits[i]++;
			d->type = pt->rules[i].type;
			d->reason = POLICY_RULE;
			d->rule = (int)i;
			d->name = pt->rules[i].name;
			break;
		}
	switch (d->type) {
	case CONT_FIXED:	/* G.3 with the HoA as the anchor */
		if (pt->has_hoa) {
			d->anchor = FLOW_ANCHOR_HA;
			d->nat = true;
		}
		break;
	case CONT_SESSION_LASTING:
	case CONT_GRACEFUL:
		d->needs_anchor = true;	/* G.3: a DHoA, the caller's job */
		break;
	}
}

void
policy_decide(struct policy_table *pt, const struct policy_pkt *pp,
    struct policy_decision *d)
{
	const struct pkt_info *pi = pp->pkt;
	const struct policy_addr *pa;

	memset(d, 0, sizeof(*d));
	d->rule = -1;
	d->initiator = pp->hook == FLOW_HOOK_PRE ? FLOW_INIT_CN : FLOW_INIT_MN;
	if (pi == NULL)
		d->reason = POLICY_UNPARSED;
	else if (d->initiator == FLOW_INIT_CN) {
		if (pt->has_hoa && addr_eq(&pi->dst, &pt->hoa)) {
			d->type = CONT_FIXED;
			d->anchor = FLOW_ANCHOR_HA;
			d->reason = POLICY_INBOUND_HOA;
		} else if ((pa = policy_addr_find(pt, &pi->dst)) != NULL)
			from_addr(d, pa, POLICY_ANCHOR_ADDRESS);
		else {
			d->type = CONT_NON_PERSISTENT;
			d->reason = POLICY_INBOUND;
		}
	} else if (pt->has_hoa && addr_eq(&pi->src, &pt->hoa)) {
		d->type = CONT_FIXED;
		d->anchor = FLOW_ANCHOR_HA;
		d->reason = POLICY_HOME_ADDRESS;
	} else if ((pa = policy_addr_find(pt, &pi->src)) != NULL)
		from_addr(d, pa, POLICY_ANCHOR_ADDRESS);
	else
		by_table(pt, pp, d);
	pt->reason_hits[d->reason]++;
	if (d->name == NULL)
		d->name = policy_reason_name(d->reason);
	d->mark = flow_mark_make(d->type, d->anchor,
	    d->initiator == FLOW_INIT_CN, d->nat);
}
