/*
 * dad.c: DAD Neighbor Solicitation builder, NS/NA parser and judge, and
 * the table of probes in flight (see dad.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "dad.h"
#include "inet_csum.h"

#define IP6_HLEN	40
#define ND_FIXED_LEN	24	/* type, code, csum, 4 octets, target */
#define ND_OPT_SLLAO	1	/* RFC 4861 4.6.1 */
#define ND_OPT_NONCE	14	/* RFC 7527 */
#define DAD_TABLE_MIN	16

static const char *const perr_names[] = {
	"ok", "short", "not NS/NA", "code not 0", "multicast target",
	"bad option length",
};

const char *
dad_perr_name(int e)
{
	if (e > 0 || -e >= (int)(sizeof(perr_names) / sizeof(perr_names[0])))
		return "?";
	return perr_names[-e];
}

static const char *const rx_names[] = {
	[DAD_RX_IGNORE] = "ignore",
	[DAD_RX_INVALID] = "invalid",
	[DAD_RX_LOOPED] = "looped",
	[DAD_RX_DUP_NA] = "duplicate (NA)",
	[DAD_RX_DUP_NS] = "duplicate (DAD NS)",
};

const char *
dad_rx_name(enum dad_rx_verdict v)
{
	if ((unsigned)v >= sizeof(rx_names) / sizeof(rx_names[0]))
		return "?";
	return rx_names[v];
}

void
dad_solicited_node(const struct in6_addr *target, struct in6_addr *group)
{
	memset(group, 0, sizeof(*group));
	group->s6_addr[0] = 0xff;
	group->s6_addr[1] = 0x02;
	group->s6_addr[11] = 0x01;
	group->s6_addr[12] = 0xff;
	memcpy(&group->s6_addr[13], &target->s6_addr[13], 3);
}

ssize_t
dad_ns_build(uint8_t *buf, size_t cap, const struct in6_addr *target,
    const uint8_t nonce[DAD_NONCE_LEN])
{
	struct in6_addr src = IN6ADDR_ANY_INIT, dst;
	struct wbuf w;
	uint16_t csum;

	dad_solicited_node(target, &dst);
	wbuf_init(&w, buf, cap);
	/* RFC 8200 3: version 6, traffic class 0, flow label 0. */
	wbuf_put_u32(&w, 0x60000000u);
	wbuf_put_u16(&w, DAD_NS_LEN);
	wbuf_put_u8(&w, IPPROTO_ICMPV6);
	wbuf_put_u8(&w, DAD_HOPLIMIT);
	wbuf_put_in6(&w, &src);
	wbuf_put_in6(&w, &dst);
	/* RFC 4861 4.3: type, code, checksum, reserved, target. */
	wbuf_put_u8(&w, DAD_ICMP_NS);
	wbuf_put_u8(&w, 0);
	wbuf_put_u16(&w, 0);
	wbuf_put_u32(&w, 0);
	wbuf_put_in6(&w, target);
	/* RFC 7527 2: Nonce option, length 1 (8 octets). No SLLAO: the
	 * source is unspecified (RFC 4861 4.3). */
	wbuf_put_u8(&w, ND_OPT_NONCE);
	wbuf_put_u8(&w, 1);
	wbuf_put(&w, nonce, DAD_NONCE_LEN);
	if (w.err)
		return -1;
	csum = inet6_csum(&src, &dst, IPPROTO_ICMPV6, buf + IP6_HLEN,
	    DAD_NS_LEN);
	be16_put(buf + IP6_HLEN + 2, csum);
	return (ssize_t)w.len;
}

/* RFC 4861 4.6: every option has a non-zero length and fits. */
static int
parse_opts(const uint8_t *p, size_t len, struct dad_nd *nd)
{
	size_t off = 0, olen;

	while (off < len) {
		if (len - off < 2 || p[off + 1] == 0)
			return DAD_P_OPT;
		olen = (size_t)p[off + 1] * 8;
		if (olen > len - off)
			return DAD_P_OPT;
		if (p[off] == ND_OPT_SLLAO)
			nd->has_sllao = true;
		else if (p[off] == ND_OPT_NONCE && olen == 8 &&
		    !nd->has_nonce) {
			nd->has_nonce = true;
			memcpy(nd->nonce, p + off + 2, DAD_NONCE_LEN);
		}
		off += olen;
	}
	return DAD_P_OK;
}

int
dad_nd_parse(const uint8_t *p, size_t len, struct dad_nd *nd)
{
	memset(nd, 0, sizeof(*nd));
	if (len < 4)
		return DAD_P_SHORT;
	if (p[0] != DAD_ICMP_NS && p[0] != DAD_ICMP_NA)
		return DAD_P_TYPE;
	if (p[1] != 0)
		return DAD_P_CODE;
	if (len < ND_FIXED_LEN)
		return DAD_P_SHORT;
	nd->type = p[0];
	if (nd->type == DAD_ICMP_NA)
		nd->na_flags = (uint32_t)be16_get(p + 4) << 16 |
		    be16_get(p + 6);
	memcpy(&nd->target, p + 8, sizeof(nd->target));
	if (IN6_IS_ADDR_MULTICAST(&nd->target))
		return DAD_P_TARGET;
	return parse_opts(p + ND_FIXED_LEN, len - ND_FIXED_LEN, nd);
}

static bool
addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

enum dad_rx_verdict
dad_rx_judge(const struct dad_nd *nd, const struct in6_addr *src,
    const struct in6_addr *dst, int hoplimit, const struct in6_addr *target,
    const uint8_t nonce[DAD_NONCE_LEN])
{
	struct in6_addr group;

	if (!addr_eq(&nd->target, target))
		return DAD_RX_IGNORE;
	/* RFC 4861 7.1.1, 7.1.2: only on-link senders. */
	if (hoplimit != DAD_HOPLIMIT)
		return DAD_RX_INVALID;
	if (nd->type == DAD_ICMP_NA) {
		if (IN6_IS_ADDR_MULTICAST(dst) &&
		    (nd->na_flags & DAD_NA_F_SOLICITED))
			return DAD_RX_INVALID;
		return DAD_RX_DUP_NA;		/* RFC 4862 5.4.4 */
	}
	/* An NS from a unicast source resolves or probes the address; it
	 * says nothing about duplicates (RFC 4862 5.4.3). */
	if (!IN6_IS_ADDR_UNSPECIFIED(src))
		return DAD_RX_IGNORE;
	dad_solicited_node(target, &group);
	if (!addr_eq(dst, &group) || nd->has_sllao)
		return DAD_RX_INVALID;
	/* RFC 7527 4.2: our own nonce means our own NS, looped back. */
	if (nd->has_nonce && memcmp(nd->nonce, nonce, DAD_NONCE_LEN) == 0)
		return DAD_RX_LOOPED;
	return DAD_RX_DUP_NS;
}

/* ---- probes in flight ---------------------------------------------- */

/* The bucket depends only on the low 24 bits (the solicited-node
 * group), so the probes of one group share a chain. */
static size_t
bucket_of(const struct in6_addr *a, size_t n)
{
	uint32_t h = (uint32_t)a->s6_addr[13] << 16 |
	    (uint32_t)a->s6_addr[14] << 8 | a->s6_addr[15];

	h *= 2654435761u;
	return (h ^ (h >> 15)) & (n - 1);
}

static bool
same_group(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(&a->s6_addr[13], &b->s6_addr[13], 3) == 0;
}

int
dad_table_init(struct dad_table *t)
{
	memset(t, 0, sizeof(*t));
	if ((t->hash = calloc(DAD_TABLE_MIN, sizeof(*t->hash))) == NULL)
		return -1;
	t->nbuckets = DAD_TABLE_MIN;
	return 0;
}

void
dad_table_fini(struct dad_table *t)
{
	free(t->hash);
	memset(t, 0, sizeof(*t));
}

struct dad_probe *
dad_table_find(const struct dad_table *t, const struct in6_addr *target)
{
	struct dad_probe *p;

	if (t->nbuckets == 0)
		return NULL;
	for (p = t->hash[bucket_of(target, t->nbuckets)]; p; p = p->next)
		if (addr_eq(&p->target, target))
			return p;
	return NULL;
}

/* Double the buckets when the load passes 1. Without memory the chains
 * just get longer. */
static void
grow(struct dad_table *t)
{
	struct dad_probe **nh, *p, *next;
	size_t n = t->nbuckets * 2, b;

	if ((nh = calloc(n, sizeof(*nh))) == NULL)
		return;
	for (size_t i = 0; i < t->nbuckets; i++)
		for (p = t->hash[i]; p; p = next) {
			next = p->next;
			b = bucket_of(&p->target, n);
			p->next = nh[b];
			nh[b] = p;
		}
	free(t->hash);
	t->hash = nh;
	t->nbuckets = n;
}

int
dad_table_insert(struct dad_table *t, struct dad_probe *p)
{
	size_t b;

	if (t->nbuckets == 0) {
		errno = ENOMEM;
		return -1;
	}
	if (dad_table_find(t, &p->target) != NULL) {
		errno = EEXIST;
		return -1;
	}
	if (t->count >= t->nbuckets)
		grow(t);
	b = bucket_of(&p->target, t->nbuckets);
	p->next = t->hash[b];
	t->hash[b] = p;
	t->count++;
	return 0;
}

void
dad_table_remove(struct dad_table *t, struct dad_probe *p)
{
	struct dad_probe **pp;

	if (t->nbuckets == 0)
		return;
	for (pp = &t->hash[bucket_of(&p->target, t->nbuckets)]; *pp;
	    pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			p->next = NULL;
			t->count--;
			return;
		}
}

size_t
dad_table_group_count(const struct dad_table *t,
    const struct in6_addr *target)
{
	struct dad_probe *p;
	size_t n = 0;

	if (t->nbuckets == 0)
		return 0;
	for (p = t->hash[bucket_of(target, t->nbuckets)]; p; p = p->next)
		if (same_group(&p->target, target))
			n++;
	return n;
}

struct dad_probe *
dad_table_any(const struct dad_table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++)
		if (t->hash[i] != NULL)
			return t->hash[i];
	return NULL;
}
