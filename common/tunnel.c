/* tunnel.c: backend selection and the binding table (tunnel.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "log.h"
#include "nl_route.h"
#include "tunnel.h"

#define LO_IFINDEX	1	/* the loopback device is always 1 */

const char *
tunnel_kind_name(enum tunnel_kind k)
{
	switch (k) {
	case TUNNEL_AUTO:
		return "auto";
	case TUNNEL_SEG6:
		return "seg6";
	case TUNNEL_TUN:
		return "tun";
	case TUNNEL_IP6TNL:
		return "ip6tnl";
	}
	return "?";
}

const char *
tunnel_role_name(enum tunnel_role r)
{
	return r == TUNNEL_ROLE_MN ? "mn" : "anchor";
}

int
tunnel_kind_parse(const char *s, enum tunnel_kind *k)
{
	enum tunnel_kind i;

	for (i = TUNNEL_AUTO; i <= TUNNEL_IP6TNL; i++)
		if (strcmp(s, tunnel_kind_name(i)) == 0) {
			*k = i;
			return 0;
		}
	return -1;
}

enum tunnel_kind
tunnel_probe(void)
{
	if (access("/proc/sys/net/ipv6/conf/all/seg6_enabled", F_OK) == 0)
		return TUNNEL_SEG6;
	return TUNNEL_TUN;
}

const char *
tunnel_ntop(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

void
tunnel_cfg_defaults(struct tunnel_cfg *c, enum tunnel_role role,
    const struct in6_addr *local, unsigned ifindex)
{
	memset(c, 0, sizeof(*c));
	c->role = role;
	c->local = *local;
	c->ifindex = ifindex;
	c->decap_table = TUNNEL_DECAP_TABLE;
	c->table_base = TUNNEL_TABLE_BASE;
	c->decap_pref = TUNNEL_DECAP_PREF;
	c->local_pref = TUNNEL_LOCAL_PREF;
	c->src_pref = TUNNEL_SRC_PREF;
	c->mtu = TUNNEL_MTU;
	snprintf(c->tun_name, sizeof(c->tun_name), "%s", TUNNEL_TUN_NAME);
}

static const struct tunnel_ops *
ops_of(enum tunnel_kind k)
{
	switch (k) {
	case TUNNEL_SEG6:
		return &tunnel_seg6_ops;
	case TUNNEL_TUN:
		return &tunnel_tun_ops;
	case TUNNEL_IP6TNL:
		return &tunnel_ip6tnl_ops;
	case TUNNEL_AUTO:
		break;
	}
	return ops_of(tunnel_probe());
}

struct tunnel *
tunnel_open(enum tunnel_kind kind, const struct tunnel_cfg *cfg)
{
	struct tunnel *t;
	char a[INET6_ADDRSTRLEN];

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->hash = calloc(64, sizeof(*t->hash))) == NULL) {
		log_warn("tunnel");
		free(t);
		return NULL;
	}
	t->nbuckets = 64;
	t->cfg = *cfg;
	t->ops = ops_of(kind);
	if ((t->nl = nlr_open()) == NULL) {
		log_warn("tunnel: rtnetlink");
		goto err;
	}
	if (t->ops->init(t) < 0)
		goto err;
	log_info("tunnel: %s backend (%s), %s role, local %s%s",
	    t->ops->name, kind == TUNNEL_AUTO ? "probed" : "configured",
	    tunnel_role_name(cfg->role), tunnel_ntop(&cfg->local, a),
	    t->local_moved ? ", local rule moved" : "");
	return t;
err:
	nlr_close(t->nl);
	free(t->hash);
	free(t);
	return NULL;
}

const char *
tunnel_name(const struct tunnel *t)
{
	return t->ops->name;
}

static size_t
addr_hash(const struct in6_addr *a, size_t n)
{
	uint32_t w[4];
	uint32_t h;

	memcpy(w, a, 16);
	h = (w[0] ^ w[1] ^ w[2] ^ w[3]) * 2654435761u;
	return (h ^ (h >> 16)) & (n - 1);
}

struct tunnel_bind *
tunnel_find(const struct tunnel *t, const struct in6_addr *inner)
{
	struct tunnel_bind *b;

	for (b = t->hash[addr_hash(inner, t->nbuckets)]; b; b = b->next)
		if (memcmp(&b->inner, inner, 16) == 0)
			return b;
	return NULL;
}

/* Double the buckets when the load passes 1; keeps 10^5 anchors O(1). */
static void
hash_grow(struct tunnel *t)
{
	struct tunnel_bind **nh, *b, *next;
	size_t i, n = t->nbuckets * 2;

	if ((nh = calloc(n, sizeof(*nh))) == NULL)
		return;		/* longer chains, still correct */
	for (i = 0; i < t->nbuckets; i++)
		for (b = t->hash[i]; b; b = next) {
			next = b->next;
			b->next = nh[addr_hash(&b->inner, n)];
			nh[addr_hash(&b->inner, n)] = b;
		}
	free(t->hash);
	t->hash = nh;
	t->nbuckets = n;
}

static void
hash_insert(struct tunnel *t, struct tunnel_bind *b)
{
	size_t h;

	if (t->count >= t->nbuckets)
		hash_grow(t);
	h = addr_hash(&b->inner, t->nbuckets);
	b->next = t->hash[h];
	t->hash[h] = b;
	t->count++;
}

static void
hash_remove(struct tunnel *t, struct tunnel_bind *b)
{
	struct tunnel_bind **pp = &t->hash[addr_hash(&b->inner, t->nbuckets)];

	for (; *pp; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			t->count--;
			return;
		}
}

/* MN: the lowest free table at or above table_base. Few bindings. */
static uint32_t
free_table(const struct tunnel *t)
{
	struct tunnel_bind *b;
	uint32_t table = t->cfg.table_base;
	size_t i;
	bool used;

	do {
		used = false;
		for (i = 0; i < t->nbuckets && !used; i++)
			for (b = t->hash[i]; b && !used; b = b->next)
				used = b->table == table;
		if (used)
			table++;
	} while (used);
	return table;
}

int
tunnel_bind(struct tunnel *t, const struct in6_addr *inner,
    const struct in6_addr *peer)
{
	struct tunnel_bind *b;
	char a[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];
	int rc;

	if ((b = tunnel_find(t, inner)) != NULL)
		return memcmp(&b->peer, peer, 16) == 0 ? 0 :
		    tunnel_move(t, inner, peer);
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -ENOMEM;
	b->inner = *inner;
	b->peer = *peer;
	if (t->cfg.role == TUNNEL_ROLE_MN)
		b->table = free_table(t);
	if ((rc = t->ops->bind(t, b)) < 0) {
		log_warnx("tunnel: bind %s -> %s failed: %s",
		    tunnel_ntop(inner, a), tunnel_ntop(peer, p),
		    strerror(-rc));
		free(b);
		return rc;
	}
	hash_insert(t, b);
	log_info("tunnel: bound %s -> %s (%s)", tunnel_ntop(inner, a),
	    tunnel_ntop(peer, p), t->ops->name);
	return 0;
}

int
tunnel_move(struct tunnel *t, const struct in6_addr *inner,
    const struct in6_addr *new_peer)
{
	struct tunnel_bind *b;
	struct in6_addr old;
	char a[INET6_ADDRSTRLEN], o[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];
	int rc;

	if ((b = tunnel_find(t, inner)) == NULL)
		return -ENOENT;
	old = b->peer;
	b->peer = *new_peer;
	if ((rc = t->ops->move(t, b, &old)) < 0) {
		b->peer = old;
		log_warnx("tunnel: move %s failed: %s", tunnel_ntop(inner, a),
		    strerror(-rc));
		return rc;
	}
	log_info("tunnel: moved %s: %s -> %s", tunnel_ntop(inner, a),
	    tunnel_ntop(&old, o), tunnel_ntop(new_peer, p));
	return 0;
}

int
tunnel_unbind(struct tunnel *t, const struct in6_addr *inner)
{
	struct tunnel_bind *b;
	char a[INET6_ADDRSTRLEN];
	int rc;

	if ((b = tunnel_find(t, inner)) == NULL)
		return -ENOENT;
	/* inner may point into b (tunnel_close). */
	tunnel_ntop(inner, a);
	rc = t->ops->unbind(t, b);
	hash_remove(t, b);
	free(b);
	log_info("tunnel: unbound %s", a);
	return rc;
}

int
tunnel_set_local(struct tunnel *t, const struct in6_addr *local,
    unsigned ifindex)
{
	struct in6_addr old = t->cfg.local;
	unsigned oldif = t->cfg.ifindex;
	char o[INET6_ADDRSTRLEN], n[INET6_ADDRSTRLEN];
	int rc;

	if (memcmp(&old, local, 16) == 0 && oldif == ifindex)
		return 0;
	t->cfg.local = *local;
	t->cfg.ifindex = ifindex;
	if ((rc = t->ops->set_local(t, &old, oldif)) < 0) {
		log_warnx("tunnel: local %s -> %s failed: %s",
		    tunnel_ntop(&old, o), tunnel_ntop(local, n),
		    strerror(-rc));
		return rc;
	}
	log_info("tunnel: local endpoint %s -> %s", tunnel_ntop(&old, o),
	    tunnel_ntop(local, n));
	if (!t->defer_finish)
		tunnel_finish(t);
	return 0;
}

int
tunnel_fd(struct tunnel *t)
{
	return t->ops->fd(t);
}

void
tunnel_on_readable(struct tunnel *t)
{
	t->ops->on_readable(t);
}

void
tunnel_finish(struct tunnel *t)
{
	if (t != NULL && t->ops->finish != NULL)
		t->ops->finish(t);
}

void
tunnel_close(struct tunnel *t)
{
	struct tunnel_bind *b;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nbuckets; i++)
		while ((b = t->hash[i]) != NULL)
			tunnel_unbind(t, &b->inner);
	t->ops->fini(t);
	nlr_close(t->nl);
	free(t->hash);
	free(t);
}

static struct nlr_rule
local_rule(uint32_t pref)
{
	struct nlr_rule r = { .pref = pref, .table = NLR_TABLE_LOCAL };

	return r;
}

/*
 * Let proto-41 packets to our own endpoint reach a rule before the
 * local table (TESTBED.md 3). Add the new rule first so local delivery
 * never has a gap; a rule already moved (a crash) is fine.
 */
int
tunnel_local_rule_move(struct tunnel *t)
{
	struct nlr_rule r = local_rule(t->cfg.local_pref);
	int rc;

	if ((rc = nlr_rule_add(t->nl, &r)) < 0 && rc != -EEXIST) {
		log_warnx("tunnel: rule pref %u lookup local: %s", r.pref,
		    strerror(-rc));
		return rc;
	}
	r = local_rule(0);
	if ((rc = nlr_rule_del(t->nl, &r)) < 0 && rc != -ENOENT)
		log_warnx("tunnel: deleting rule pref 0 lookup local: %s",
		    strerror(-rc));
	t->local_moved = true;
	return 0;
}

void
tunnel_local_rule_restore(struct tunnel *t)
{
	struct nlr_rule r = local_rule(0);
	int rc;

	if (!t->local_moved)
		return;
	if ((rc = nlr_rule_add(t->nl, &r)) < 0 && rc != -EEXIST) {
		/* Never remove the only local rule. */
		log_warnx("tunnel: restoring rule pref 0 lookup local: %s",
		    strerror(-rc));
		return;
	}
	r = local_rule(t->cfg.local_pref);
	if ((rc = nlr_rule_del(t->nl, &r)) < 0 && rc != -ENOENT)
		log_warnx("tunnel: deleting rule pref %u lookup local: %s",
		    r.pref, strerror(-rc));
	t->local_moved = false;
}

static struct nlr_rule
src_rule(const struct tunnel *t, const struct tunnel_bind *b)
{
	struct nlr_rule r = {
		.pref = t->cfg.src_pref,
		.table = b->table,
		.src = b->inner,
		.src_len = 128,
	};

	return r;
}

/*
 * PROTOCOL.md B.12: the inner address as a nodad /128 on lo, deprecated
 * so that RFC 6724 rule 3 keeps the kernel from choosing it on its own;
 * an address already there (a restart) is taken over.
 */
int
tunnel_mn_attach(struct tunnel *t, const struct tunnel_bind *b)
{
	struct nlr_rule r = src_rule(t, b);
	int rc;

	rc = nlr_addr_add(t->nl, LO_IFINDEX, &b->inner, 128, true, true);
	if (rc < 0 && rc != -EEXIST)
		return rc;
	if ((rc = nlr_rule_add(t->nl, &r)) < 0 && rc != -EEXIST) {
		nlr_addr_del(t->nl, LO_IFINDEX, &b->inner, 128);
		return rc;
	}
	return 0;
}

void
tunnel_mn_detach(struct tunnel *t, const struct tunnel_bind *b)
{
	struct nlr_rule r = src_rule(t, b);
	int rc;

	if ((rc = nlr_rule_del(t->nl, &r)) < 0 && rc != -ENOENT)
		log_warnx("tunnel: rule del: %s", strerror(-rc));
	rc = nlr_addr_del(t->nl, LO_IFINDEX, &b->inner, 128);
	if (rc < 0 && rc != -EADDRNOTAVAIL && rc != -ENOENT)
		log_warnx("tunnel: address del: %s", strerror(-rc));
}
