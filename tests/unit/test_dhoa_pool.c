/*
 * test_dhoa_pool.c: the DHoA pool (dhp/dhoa_pool.c): reserved interface
 * identifiers, leasing, renewal of a requested DHoA, release and
 * quarantine timing (C.2), exhaustion and max_leases (C.4 130), lease
 * expiry, and 10^6 leases (correctness only, no timing).
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "dhoa_pool.h"
#include "cu_main.h"

#define NOW0	1000000ULL
#define DAY_MS	86400000ULL

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

static struct conf_prefix
P(const char *s)
{
	struct conf_prefix p;
	char err[128];

	if (conf_prefix_parse(s, &p, err, sizeof(err)) != 0)
		abort();
	return p;
}

static bool
eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static uint64_t
iid(const struct in6_addr *a)
{
	uint64_t v = 0;

	for (int i = 8; i < 16; i++)
		v = v << 8 | a->s6_addr[i];
	return v;
}

static struct dhoa_pool *
pool(const struct conf_prefix *pfx, size_t n, unsigned max, uint64_t q_ms)
{
	struct dhoa_pool_cfg c = {
		.prefixes = pfx, .nprefixes = n, .max_leases = max,
		.quarantine_ms = q_ms, .seed = 42,
	};
	struct dhoa_pool *p = dhoa_pool_new(&c);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p;
}

/* Lease "any" to hoa at now for a day; the status. */
static int
take(struct dhoa_pool *p, const struct in6_addr *hoa, uint64_t now,
    struct dhoa_lease **l)
{
	return dhoa_pool_lease(p, hoa, NULL, now, now + DAY_MS, l);
}

static struct in6_addr HOA1, HOA2, HOA3;

static int
suite_init(void)
{
	HOA1 = A("2001:db8:10::100");
	HOA2 = A("2001:db8:10::200");
	HOA3 = A("2001:db8:10::300");
	return 0;
}

/* ---- tests ---------------------------------------------------------- */

static void
test_reserved(void)
{
	CU_ASSERT(dhoa_iid_reserved(64, 0));
	CU_ASSERT_FALSE(dhoa_iid_reserved(64, 1));
	CU_ASSERT(dhoa_iid_reserved(64, 0xFDFFFFFFFFFFFF80ULL));
	CU_ASSERT(dhoa_iid_reserved(64, 0xFDFFFFFFFFFFFFFFULL));
	CU_ASSERT_FALSE(dhoa_iid_reserved(64, 0xFDFFFFFFFFFFFF7FULL));
	CU_ASSERT_FALSE(dhoa_iid_reserved(64, 0xFFFFFFFFFFFFFFFFULL));
	CU_ASSERT(dhoa_iid_reserved(64, 0x02005EFFFE000000ULL));
	CU_ASSERT(dhoa_iid_reserved(64, 0x02005EFFFE005213ULL));	/* PMIPv6 */
	CU_ASSERT(dhoa_iid_reserved(64, 0x02005EFFFEFFFFFFULL));
	CU_ASSERT_FALSE(dhoa_iid_reserved(64, 0x02005EFFFF000000ULL));
	CU_ASSERT_FALSE(dhoa_iid_reserved(64, 0x02005EFFFDFFFFFFULL));
	/* A /120: 0 and the top 128 (RFC 2526 non-EUI-64). */
	CU_ASSERT(dhoa_iid_reserved(8, 0));
	CU_ASSERT_FALSE(dhoa_iid_reserved(8, 127));
	CU_ASSERT(dhoa_iid_reserved(8, 128));
	CU_ASSERT(dhoa_iid_reserved(8, 255));
	/* Tiny prefixes: only 0, and nothing in a /127 or /128. */
	CU_ASSERT(dhoa_iid_reserved(2, 0));
	CU_ASSERT_FALSE(dhoa_iid_reserved(2, 3));
	CU_ASSERT_FALSE(dhoa_iid_reserved(1, 0));
	CU_ASSERT_FALSE(dhoa_iid_reserved(0, 0));
}

static void
test_lease_basic(void)
{
	struct conf_prefix pfx = P("2001:db8:d1::/64");
	struct dhoa_pool *p = pool(&pfx, 1, 0, 120000);
	struct dhoa_lease *a, *b;
	const struct dhoa_pool_stats *st = dhoa_pool_stats(p);

	CU_ASSERT_EQUAL(take(p, &HOA1, NOW0, &a), DHOA_LEASE_NEW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT(conf_prefix_contains(&pfx, &a->dhoa));
	CU_ASSERT_FALSE(dhoa_iid_reserved(64, iid(&a->dhoa)));
	CU_ASSERT(eq(&a->hoa, &HOA1));
	CU_ASSERT_EQUAL(a->state, DHOA_LEASED);
	CU_ASSERT_EQUAL(a->leased_ms, NOW0);
	CU_ASSERT_EQUAL(a->expiry_ms, NOW0 + DAY_MS);
	CU_ASSERT_PTR_NULL(a->udata);
	CU_ASSERT_PTR_EQUAL(dhoa_pool_find(p, &a->dhoa), a);
	CU_ASSERT(dhoa_pool_contains(p, &a->dhoa));
	CU_ASSERT_EQUAL(take(p, &HOA1, NOW0, &b), DHOA_LEASE_NEW);
	CU_ASSERT_FALSE(eq(&a->dhoa, &b->dhoa));
	CU_ASSERT_EQUAL(st->leased, 2);
	CU_ASSERT_EQUAL(st->fresh, 2);
	CU_ASSERT_EQUAL(st->records, 2);
	CU_ASSERT_EQUAL(dhoa_pool_next_expiry(p), NOW0 + DAY_MS);
	CU_ASSERT_FALSE(dhoa_pool_contains(p, &HOA1));
	CU_ASSERT_PTR_NULL(dhoa_pool_find(p, &HOA1));
	dhoa_pool_free(p);
}

/* Every usable address of a prefix is leased once; then 130. */
static void
fill(const char *prefix, unsigned expect_n)
{
	struct conf_prefix pfx = P(prefix);
	struct dhoa_pool *p = pool(&pfx, 1, 0, 0);
	struct dhoa_lease *l;
	struct in6_addr *seen = calloc(expect_n + 1, sizeof(*seen));
	unsigned n = 0, bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(seen);
	while (take(p, &HOA1, NOW0, &l) == DHOA_LEASE_NEW && n <= expect_n) {
		if (!conf_prefix_contains(&pfx, &l->dhoa))
			bad++;
		for (unsigned i = 0; i < n; i++)
			if (eq(&seen[i], &l->dhoa))
				bad++;
		seen[n++] = l->dhoa;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(n, expect_n);
	CU_ASSERT_PTR_NULL(l);
	CU_ASSERT_EQUAL(take(p, &HOA2, NOW0, &l), BA_STATUS_INSUFFICIENT);
	CU_ASSERT_EQUAL(dhoa_pool_stats(p)->exhausted, 2);
	CU_ASSERT_EQUAL(dhoa_pool_stats(p)->leased, expect_n);
	free(seen);
	dhoa_pool_free(p);
}

static void
test_exhaustion(void)
{
	struct dhoa_lease *l;

	fill("2001:db8:d1::5/128", 1);
	fill("2001:db8:d1::4/127", 2);	/* RFC 6164: both */
	fill("2001:db8:d1::4/126", 3);	/* not ::4 */
	fill("2001:db8:d1::/120", 127);	/* not 0, not the top 128 */
	fill("2001:db8:d1::/116", 4096 - 129);
	/* Small prefixes: each index of the bijection exactly once. */
	for (unsigned bits = 2; bits <= 12; bits++) {
		char s[64];

		snprintf(s, sizeof(s), "2001:db8:d1::/%u", 128 - bits);
		fill(s, (1u << bits) - (bits >= 8 ? 129 : 1));
	}
	/* The /120's leases avoid the reserved values. */
	{
		struct conf_prefix pfx = P("2001:db8:d1::/120");
		struct dhoa_pool *p = pool(&pfx, 1, 0, 0);

		while (take(p, &HOA1, NOW0, &l) == DHOA_LEASE_NEW) {
			CU_ASSERT(l->dhoa.s6_addr[15] >= 1 &&
			    l->dhoa.s6_addr[15] <= 127);
		}
		dhoa_pool_free(p);
	}
}

static void
test_max_leases(void)
{
	struct conf_prefix pfx = P("2001:db8:d1::/64");
	struct dhoa_pool *p = pool(&pfx, 1, 3, 120000);
	struct dhoa_lease *l[4];
	struct in6_addr want = A("2001:db8:d1::1234");

	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(take(p, &HOA1, NOW0, &l[i]), DHOA_LEASE_NEW);
	CU_ASSERT_EQUAL(take(p, &HOA2, NOW0, &l[3]), BA_STATUS_INSUFFICIENT);
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA2, &want, NOW0, NOW0 + 1000,
	    &l[3]), BA_STATUS_INSUFFICIENT);
	CU_ASSERT_PTR_NULL(dhoa_pool_find(p, &want));
	/* A renewal is no new lease: allowed at the limit. */
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA1, &l[0]->dhoa, NOW0,
	    NOW0 + 5000, &l[3]), DHOA_LEASE_RENEWED);
	CU_ASSERT_PTR_EQUAL(l[3], l[0]);
	/* Releasing one makes room (from the frontier: the released one
	 * is in quarantine). */
	dhoa_pool_release(p, l[1], NOW0);
	CU_ASSERT_EQUAL(take(p, &HOA2, NOW0, &l[3]), DHOA_LEASE_NEW);
	CU_ASSERT_FALSE(eq(&l[3]->dhoa, &l[1]->dhoa));
	CU_ASSERT_EQUAL(dhoa_pool_stats(p)->leased, 3);
	CU_ASSERT_EQUAL(dhoa_pool_stats(p)->quarantined, 1);
	dhoa_pool_free(p);
}

static void
test_quarantine(void)
{
	struct conf_prefix pfx = P("2001:db8:d1::4/126");
	struct dhoa_pool *p = pool(&pfx, 1, 0, 120000);
	const struct dhoa_pool_stats *st = dhoa_pool_stats(p);
	struct dhoa_lease *l[3], *x;
	struct in6_addr d;
	uint64_t t = NOW0 + 1000;

	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL_FATAL(take(p, &HOA1, NOW0, &l[i]),
		    DHOA_LEASE_NEW);
	d = l[1]->dhoa;
	l[1]->udata = &d;
	dhoa_pool_release(p, l[1], t);
	CU_ASSERT_EQUAL(l[1]->state, DHOA_QUARANTINED);
	CU_ASSERT_PTR_NULL(l[1]->udata);
	CU_ASSERT_EQUAL(l[1]->expiry_ms, t + 120000);
	CU_ASSERT(eq(&l[1]->hoa, &HOA1));	/* the last owner */
	CU_ASSERT_EQUAL(st->quarantined, 1);
	CU_ASSERT_EQUAL(st->leased, 2);
	CU_ASSERT_EQUAL(st->released, 1);
	/* Not for another MN until 120 s passed, neither any nor asked. */
	CU_ASSERT_EQUAL(take(p, &HOA2, t + 119999, &x),
	    BA_STATUS_INSUFFICIENT);
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA2, &d, t + 119999,
	    t + 200000, &x), DMIP_STATUS_DHOA_UNAVAILABLE);
	CU_ASSERT_EQUAL(l[1]->state, DHOA_QUARANTINED);
	/* At 120 s it is free: reused for another MN. */
	CU_ASSERT_EQUAL(take(p, &HOA2, t + 120000, &x), DHOA_LEASE_NEW);
	CU_ASSERT_PTR_EQUAL(x, l[1]);
	CU_ASSERT(eq(&x->dhoa, &d));
	CU_ASSERT(eq(&x->hoa, &HOA2));
	CU_ASSERT_EQUAL(x->leased_ms, t + 120000);
	CU_ASSERT_EQUAL(st->reused, 1);
	CU_ASSERT_EQUAL(st->quarantined, 0);
	CU_ASSERT_EQUAL(st->free, 0);

	/* The last owner may take it back during the quarantine. */
	dhoa_pool_release(p, x, t + 130000);
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA1, &d, t + 130001,
	    t + 999999, &x), DMIP_STATUS_DHOA_UNAVAILABLE);
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA2, &d, t + 130001,
	    t + 999999, &x), DHOA_LEASE_NEW);
	CU_ASSERT(eq(&x->dhoa, &d));
	CU_ASSERT_EQUAL(x->state, DHOA_LEASED);
	CU_ASSERT_EQUAL(st->quarantined, 0);

	/* Asked for after the quarantine: anyone. */
	dhoa_pool_release(p, x, t + 140000);
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA3, &d, t + 260000,
	    t + 999999, &x), DHOA_LEASE_NEW);
	CU_ASSERT(eq(&x->hoa, &HOA3));
	CU_ASSERT_EQUAL(st->chosen, 2);
	dhoa_pool_free(p);

	/* quarantine = 0: at once. */
	p = pool(&pfx, 1, 0, 0);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL_FATAL(take(p, &HOA1, NOW0, &l[i]),
		    DHOA_LEASE_NEW);
	d = l[2]->dhoa;
	dhoa_pool_release(p, l[2], NOW0);
	CU_ASSERT_EQUAL(l[2]->state, DHOA_FREE);
	CU_ASSERT_EQUAL(take(p, &HOA2, NOW0, &x), DHOA_LEASE_NEW);
	CU_ASSERT(eq(&x->dhoa, &d));
	dhoa_pool_free(p);
}

static void
test_requested(void)
{
	struct conf_prefix pfx[2] = { P("2001:db8:d1::/64"),
	    P("2001:db8:d0::/48") };
	struct dhoa_pool *p = pool(pfx, 2, 0, 120000);
	struct dhoa_lease *l, *x;
	struct in6_addr want = A("2001:db8:d1::abcd"), w;

	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA1, &want, NOW0, NOW0 + 600000,
	    &l), DHOA_LEASE_NEW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT(eq(&l->dhoa, &want));
	CU_ASSERT_EQUAL(dhoa_pool_stats(p)->chosen, 1);
	/* Renewal by its owner: same record, new expiry, leased_ms kept. */
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA1, &want, NOW0 + 5000,
	    NOW0 + 900000, &x), DHOA_LEASE_RENEWED);
	CU_ASSERT_PTR_EQUAL(x, l);
	CU_ASSERT_EQUAL(l->expiry_ms, NOW0 + 900000);
	CU_ASSERT_EQUAL(l->leased_ms, NOW0);
	CU_ASSERT_EQUAL(dhoa_pool_next_expiry(p), NOW0 + 900000);
	CU_ASSERT_EQUAL(dhoa_pool_stats(p)->renewed, 1);
	/* Another MN: 201, nothing changes. */
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA2, &want, NOW0 + 5000,
	    NOW0 + 900000, &x), DMIP_STATUS_DHOA_NOT_OWNED);
	CU_ASSERT_PTR_NULL(x);
	CU_ASSERT(eq(&l->hoa, &HOA1));
	/* Outside every prefix, reserved, past the first /64 of the /48. */
	w = A("2001:db8:d2::1");
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA1, &w, NOW0, NOW0 + 1, &x),
	    DMIP_STATUS_DHOA_UNAVAILABLE);
	w = A("2001:db8:d1::");
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA1, &w, NOW0, NOW0 + 1, &x),
	    DMIP_STATUS_DHOA_UNAVAILABLE);
	w = A("2001:db8:d1:0:fdff:ffff:ffff:ff99");
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA1, &w, NOW0, NOW0 + 1, &x),
	    DMIP_STATUS_DHOA_UNAVAILABLE);
	w = A("2001:db8:d0:1::5");
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA1, &w, NOW0, NOW0 + 1, &x),
	    DMIP_STATUS_DHOA_UNAVAILABLE);
	w = A("2001:db8:d0::5");
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA1, &w, NOW0, NOW0 + 1, &x),
	    DHOA_LEASE_NEW);
	CU_ASSERT(dhoa_pool_contains(p, &w));
	CU_ASSERT_EQUAL(dhoa_pool_stats(p)->leased, 2);
	CU_ASSERT_EQUAL(dhoa_pool_stats(p)->records, 2);
	dhoa_pool_free(p);
}

/* A chosen address is never handed out by the frontier again. */
static void
test_frontier_skips_chosen(void)
{
	struct conf_prefix pfx = P("2001:db8:d1::4/126");
	struct dhoa_pool *p = pool(&pfx, 1, 0, 0);
	struct dhoa_lease *l, *a, *b;
	struct in6_addr want = A("2001:db8:d1::6");

	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA1, &want, NOW0, NOW0 + 1000,
	    &l), DHOA_LEASE_NEW);
	CU_ASSERT_EQUAL(take(p, &HOA2, NOW0, &a), DHOA_LEASE_NEW);
	CU_ASSERT_EQUAL(take(p, &HOA2, NOW0, &b), DHOA_LEASE_NEW);
	CU_ASSERT_FALSE(eq(&a->dhoa, &want));
	CU_ASSERT_FALSE(eq(&b->dhoa, &want));
	CU_ASSERT_FALSE(eq(&a->dhoa, &b->dhoa));
	CU_ASSERT_EQUAL(take(p, &HOA2, NOW0, &l), BA_STATUS_INSUFFICIENT);
	CU_ASSERT_EQUAL(dhoa_pool_stats(p)->skip_taken, 1);
	dhoa_pool_free(p);
}

/* Records freed ahead of the frontier are dropped; behind it, reused. */
static void
test_records_bounded(void)
{
	struct conf_prefix pfx = P("2001:db8:d1::/64");
	struct dhoa_pool *p = pool(&pfx, 1, 0, 1000);
	const struct dhoa_pool_stats *st = dhoa_pool_stats(p);
	struct dhoa_lease *l, *a;
	struct in6_addr d;
	uint64_t t = NOW0;
	char s[64];

	/* An MN that leases and releases chosen addresses 1000 times. */
	for (unsigned i = 1; i <= 1000; i++) {
		snprintf(s, sizeof(s), "2001:db8:d1::%x:%x", i, i * 7);
		d = A(s);
		CU_ASSERT_EQUAL_FATAL(dhoa_pool_lease(p, &HOA1, &d, t,
		    t + 60000, &l), DHOA_LEASE_NEW);
		dhoa_pool_release(p, l, t);
		t += 2000;
	}
	dhoa_pool_expire(p, t, NULL, NULL);
	CU_ASSERT_EQUAL(st->records, 0);
	CU_ASSERT_EQUAL(st->dropped, 1000);
	CU_ASSERT_EQUAL(st->quarantined, 0);
	CU_ASSERT_PTR_NULL(dhoa_pool_find(p, &d));
	/* A frontier address goes behind: kept and reused. */
	CU_ASSERT_EQUAL(take(p, &HOA1, t, &a), DHOA_LEASE_NEW);
	d = a->dhoa;
	dhoa_pool_release(p, a, t);
	CU_ASSERT_EQUAL(take(p, &HOA2, t + 1000, &l), DHOA_LEASE_NEW);
	CU_ASSERT(eq(&l->dhoa, &d));
	CU_ASSERT_EQUAL(st->reused, 1);
	CU_ASSERT_EQUAL(st->records, 1);
	dhoa_pool_free(p);
}

struct seen {
	unsigned	n;
	void		*tag;
	bool		ok;
};

static void
on_expired(struct dhoa_lease *l, void *arg)
{
	struct seen *s = arg;

	s->n++;
	if (l->state != DHOA_LEASED || l->udata != s->tag)
		s->ok = false;
}

static void
test_expiry(void)
{
	struct conf_prefix pfx = P("2001:db8:d1::/64");
	struct dhoa_pool *p = pool(&pfx, 1, 0, 120000);
	struct dhoa_lease *a, *b, *x;
	struct seen s = { 0, &s, true };

	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA1, NULL, NOW0, NOW0 + 600000,
	    &a), DHOA_LEASE_NEW);
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA2, NULL, NOW0, NOW0 + 300000,
	    &b), DHOA_LEASE_NEW);
	a->udata = b->udata = &s;
	CU_ASSERT_EQUAL(dhoa_pool_next_expiry(p), NOW0 + 300000);
	CU_ASSERT_EQUAL(dhoa_pool_expire(p, NOW0 + 299999, on_expired, &s), 0);
	CU_ASSERT_EQUAL(dhoa_pool_expire(p, NOW0 + 300000, on_expired, &s), 1);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT(s.ok);
	CU_ASSERT_EQUAL(b->state, DHOA_QUARANTINED);
	CU_ASSERT_PTR_NULL(b->udata);
	CU_ASSERT_EQUAL(b->expiry_ms, NOW0 + 300000 + 120000);
	CU_ASSERT_EQUAL(dhoa_pool_stats(p)->expired, 1);
	CU_ASSERT_EQUAL(dhoa_pool_stats(p)->released, 0);
	/* Expired but still in quarantine: only its owner may have it. */
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA1, &b->dhoa, NOW0 + 310000,
	    NOW0 + 999999, &x), DMIP_STATUS_DHOA_UNAVAILABLE);
	CU_ASSERT_EQUAL(dhoa_pool_lease(p, &HOA2, &b->dhoa, NOW0 + 310000,
	    NOW0 + 999999, &x), DHOA_LEASE_NEW);
	CU_ASSERT_PTR_EQUAL_FATAL(x, b);
	/* A renewed lease moves its expiry. */
	dhoa_pool_renew(p, a, NOW0 + 900000);
	CU_ASSERT_EQUAL(dhoa_pool_next_expiry(p), NOW0 + 900000);
	CU_ASSERT_EQUAL(dhoa_pool_expire(p, NOW0 + 600000, on_expired, &s), 0);
	CU_ASSERT_EQUAL(a->state, DHOA_LEASED);
	CU_ASSERT_EQUAL(dhoa_pool_expire(p, NOW0 + 900000, on_expired, &s), 1);
	CU_ASSERT_EQUAL(dhoa_pool_next_expiry(p), NOW0 + 999999);
	dhoa_pool_release(p, x, NOW0 + 900000);
	CU_ASSERT_EQUAL(dhoa_pool_next_expiry(p), DHOA_POOL_NO_EXPIRY);
	CU_ASSERT_EQUAL(dhoa_pool_stats(p)->leased, 0);
	dhoa_pool_free(p);
}

static void
test_two_prefixes(void)
{
	struct conf_prefix pfx[2] = { P("2001:db8:d1::4/126"),
	    P("2001:db8:d2::8/126") };
	struct dhoa_pool *p = pool(pfx, 2, 0, 0);
	struct dhoa_lease *l;
	unsigned in1 = 0, in2 = 0;

	while (take(p, &HOA1, NOW0, &l) == DHOA_LEASE_NEW) {
		in1 += conf_prefix_contains(&pfx[0], &l->dhoa);
		in2 += conf_prefix_contains(&pfx[1], &l->dhoa);
	}
	CU_ASSERT_EQUAL(in1, 3);
	CU_ASSERT_EQUAL(in2, 3);
	dhoa_pool_free(p);
}

static void
test_bad_config(void)
{
	struct dhoa_pool_cfg c = { 0 };

	CU_ASSERT_PTR_NULL(dhoa_pool_new(&c));
}

struct foreach_ctx {
	size_t	n;
};

static void
count_leased(struct dhoa_lease *l, void *arg)
{
	struct foreach_ctx *c = arg;

	if (l->state == DHOA_LEASED)
		c->n++;
}

static int
addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct in6_addr));
}

/* 10^6 leases in a /64: distinct, in the prefix, never reserved; then
 * max_leases; then all of them expire at once. Correctness only. */
static void
test_million(void)
{
	const unsigned N = 1000000;
	struct conf_prefix pfx = P("2001:db8:d1::/64");
	struct dhoa_pool *p = pool(&pfx, 1, N, 120000);
	struct in6_addr *all = calloc(N, sizeof(*all));
	const struct dhoa_pool_stats *st = dhoa_pool_stats(p);
	struct foreach_ctx fc = { 0 };
	struct dhoa_lease *l;
	unsigned bad = 0, dup = 0;
	struct seen s = { 0, NULL, true };

	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	for (unsigned i = 0; i < N; i++) {
		if (dhoa_pool_lease(p, &HOA1, NULL, NOW0, NOW0 + 600000 +
		    (i & 1), &l) != DHOA_LEASE_NEW) {
			bad++;
			break;
		}
		if (!conf_prefix_contains(&pfx, &l->dhoa) ||
		    dhoa_iid_reserved(64, iid(&l->dhoa)))
			bad++;
		all[i] = l->dhoa;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(st->leased, N);
	CU_ASSERT_EQUAL(st->records, N);
	CU_ASSERT_EQUAL(take(p, &HOA2, NOW0, &l), BA_STATUS_INSUFFICIENT);
	qsort(all, N, sizeof(*all), addr_cmp);
	for (unsigned i = 1; i < N; i++)
		if (eq(&all[i - 1], &all[i]))
			dup++;
	CU_ASSERT_EQUAL(dup, 0);
	for (unsigned i = 0; i < N; i += 997) {
		l = dhoa_pool_find(p, &all[i]);
		if (l == NULL || !eq(&l->dhoa, &all[i]) ||
		    l->state != DHOA_LEASED)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	dhoa_pool_foreach(p, count_leased, &fc);
	CU_ASSERT_EQUAL(fc.n, N);
	CU_ASSERT_EQUAL(dhoa_pool_expire(p, NOW0 + 600000, on_expired, &s),
	    N / 2);
	CU_ASSERT_EQUAL(dhoa_pool_expire(p, NOW0 + 600001, on_expired, &s),
	    N / 2);
	CU_ASSERT_EQUAL(s.n, N);
	CU_ASSERT_EQUAL(st->leased, 0);
	CU_ASSERT_EQUAL(st->quarantined, N);
	/* After the quarantine the same records serve again. */
	for (unsigned i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL_FATAL(dhoa_pool_lease(p, &HOA2, NULL,
		    NOW0 + 800000, NOW0 + 900000, &l), DHOA_LEASE_NEW);
	CU_ASSERT_EQUAL(st->reused, 1000);
	CU_ASSERT_EQUAL(st->records, N);
	CU_ASSERT_EQUAL(st->free, N - 1000);
	free(all);
	dhoa_pool_free(p);
}

static const CU_TestInfo tests[] = {
	{ "reserved interface identifiers", test_reserved },
	{ "lease any", test_lease_basic },
	{ "exhaustion: every address once, then 130", test_exhaustion },
	{ "max_leases", test_max_leases },
	{ "quarantine timing", test_quarantine },
	{ "requested DHoA: renew, 201, 203", test_requested },
	{ "frontier skips a chosen address", test_frontier_skips_chosen },
	{ "records stay bounded", test_records_bounded },
	{ "lease expiry", test_expiry },
	{ "two prefixes", test_two_prefixes },
	{ "no prefix", test_bad_config },
	{ "10^6 leases", test_million },
	CU_TEST_INFO_NULL,
};

static int
cu_register(void)
{
	CU_pSuite s;

	if ((s = CU_add_suite("dhoa_pool", suite_init, NULL)) == NULL)
		return -1;
	for (const CU_TestInfo *t = tests; t->pName; t++)
		if (CU_add_test(s, t->pName, t->pTestFunc) == NULL)
			return -1;
	return 0;
}
