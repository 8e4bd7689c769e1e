/*
 * tunnel_seg6.c: the default backend (PROTOCOL.md H). Kernel seg6
 * lwtunnel routes in mode encap.red with a single segment put a plain
 * outer IPv6 header (next header 41, no SRH) in front; seg6local
 * End.DT6 on the own endpoint strips it. Recipe: TESTBED.md 3, "Tunnel
 * endpoints that are the nodes' own addresses (MIPv6 framing)".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "nl_route.h"
#include "tunnel.h"

#define LO_IFINDEX	1

struct seg6_priv {
	struct in6_addr	old_tunsrc;	/* put back at fini */
	bool		tunsrc_set;
	bool		tunsrc_due;	/* set_local: for seg6_finish() */
};

/*
 * The outer source must be the own endpoint: the peer's TUN backend
 * accepts only its bound peer, and an anchor's endpoint is usually not
 * on the uplink. Kernels before the per-route SEG6_IPTUNNEL_SRC pick
 * the source by address selection, so also set the namespace's seg6
 * tunnel source (one tunnel endpoint per namespace, which is how the
 * daemons run). Failure only costs exactness: logged, not fatal.
 */
static void
tunsrc_update(struct tunnel *t)
{
	struct seg6_priv *p = t->priv;
	int rc;

	if (!p->tunsrc_set &&
	    (rc = nlr_seg6_tunsrc_get(&p->old_tunsrc)) < 0) {
		log_warnx("seg6: reading the tunnel source: %s", strerror(-rc));
		return;
	}
	/* Our own address there is a killed instance's leftover. */
	if (!p->tunsrc_set && memcmp(&p->old_tunsrc, &t->cfg.local, 16) == 0)
		memset(&p->old_tunsrc, 0, sizeof(p->old_tunsrc));
	if ((rc = nlr_seg6_tunsrc_set(&t->cfg.local)) < 0) {
		log_warnx("seg6: setting the tunnel source: %s", strerror(-rc));
		return;
	}
	p->tunsrc_set = true;
}

static void
tunsrc_restore(struct tunnel *t)
{
	struct seg6_priv *p = t->priv;

	if (p->tunsrc_set)
		(void)nlr_seg6_tunsrc_set(&p->old_tunsrc);
	p->tunsrc_set = false;
}

/* MN: deliver the inner packet (it is for the HoA/DHoA on lo). Anchor:
 * table main, which forwards, plus a local route for the own address
 * there so inner packets to the anchor itself are delivered too. */
static uint32_t
dt6_table(const struct tunnel *t)
{
	return t->cfg.role == TUNNEL_ROLE_MN ? NLR_TABLE_LOCAL : NLR_TABLE_MAIN;
}

static struct nlr_route
local_in_main(const struct in6_addr *local)
{
	struct nlr_route r = {
		.dst = *local, .plen = 128, .type = RTN_LOCAL,
		.table = NLR_TABLE_MAIN, .oif = LO_IFINDEX,
	};

	return r;
}

static struct nlr_rule
decap_rule(const struct tunnel *t, const struct in6_addr *local)
{
	struct nlr_rule r = {
		.pref = t->cfg.decap_pref, .table = t->cfg.decap_table,
		.dst = *local, .dst_len = 128, .ipproto = IPPROTO_IPV6,
	};

	return r;
}

static struct nlr_route
decap_route(const struct tunnel *t, const struct in6_addr *local,
    unsigned ifindex)
{
	struct nlr_route r = {
		.dst = *local, .plen = 128, .table = t->cfg.decap_table,
		.oif = ifindex, .encap = NLR_ENCAP_SEG6LOCAL_DT6,
		.dt6_table = dt6_table(t),
	};

	return r;
}

static int
decap_install(struct tunnel *t, const struct in6_addr *local,
    unsigned ifindex)
{
	struct nlr_route lr = local_in_main(local);
	struct nlr_route dr = decap_route(t, local, ifindex);
	struct nlr_rule rule = decap_rule(t, local);
	int rc;

	/* The local route goes in before the seg6local route (TESTBED). */
	if (t->cfg.role == TUNNEL_ROLE_ANCHOR &&
	    (rc = nlr_route_add(t->nl, &lr, false)) < 0 && rc != -EEXIST) {
		log_warnx("seg6: local route in main: %s", strerror(-rc));
		return rc;
	}
	if ((rc = nlr_route_add(t->nl, &dr, true)) < 0) {
		log_warnx("seg6: End.DT6 route: %s%s", strerror(-rc),
		    rc == -EOPNOTSUPP ? " (kernel without seg6local?)" : "");
		return rc;
	}
	if ((rc = nlr_rule_add(t->nl, &rule)) < 0 && rc != -EEXIST) {
		log_warnx("seg6: decap rule: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

static void
decap_remove(struct tunnel *t, const struct in6_addr *local)
{
	struct nlr_route lr = local_in_main(local);
	struct nlr_route dr = decap_route(t, local, 0);
	struct nlr_rule rule = decap_rule(t, local);

	nlr_rule_del(t->nl, &rule);
	nlr_route_del(t->nl, &dr);
	if (t->cfg.role == TUNNEL_ROLE_ANCHOR)
		nlr_route_del(t->nl, &lr);
}

/* The route that encapsulates b's traffic: MN "default table N", anchor
 * "<inner>/128" in main. The outer source is pinned to the own endpoint
 * where the kernel supports it, and the route's device makes source
 * selection prefer the uplink's address where it does not. */
static struct nlr_route
encap_route(const struct tunnel *t, const struct tunnel_bind *b)
{
	struct nlr_route r = {
		.oif = t->cfg.ifindex,
		.mtu = t->cfg.mtu,
		.advmss = t->cfg.mtu > 60 ? t->cfg.mtu - 60 : 0,
		.encap = NLR_ENCAP_SEG6_RED,
		.seg = b->peer,
		.has_tunsrc = true,
		.tunsrc = t->cfg.local,
	};

	if (t->cfg.role == TUNNEL_ROLE_MN) {
		r.table = b->table;
	} else {
		r.dst = b->inner;
		r.plen = 128;
		r.table = NLR_TABLE_MAIN;
	}
	return r;
}

static int
seg6_init(struct tunnel *t)
{
	int rc;

	if ((t->priv = calloc(1, sizeof(struct seg6_priv))) == NULL)
		return -ENOMEM;
	if ((rc = tunnel_local_rule_move(t)) < 0)
		goto err;
	if ((rc = decap_install(t, &t->cfg.local, t->cfg.ifindex)) < 0) {
		decap_remove(t, &t->cfg.local);
		tunnel_local_rule_restore(t);
		goto err;
	}
	tunsrc_update(t);
	return 0;
err:
	free(t->priv);
	t->priv = NULL;
	return rc;
}

static int
seg6_bind(struct tunnel *t, struct tunnel_bind *b)
{
	struct nlr_route r = encap_route(t, b);
	int rc;

	/* Route before rule: a rule into an empty table would let HoA
	 * traffic leak out natively (PROTOCOL.md F.13). */
	if ((rc = nlr_route_add(t->nl, &r, true)) < 0)
		return rc;
	if (t->cfg.role == TUNNEL_ROLE_MN &&
	    (rc = tunnel_mn_attach(t, b)) < 0) {
		r.oif = 0;
		nlr_route_del(t->nl, &r);
		return rc;
	}
	return 0;
}

/* One NLM_F_REPLACE: the route never disappears in between. */
static int
seg6_move(struct tunnel *t, struct tunnel_bind *b,
    const struct in6_addr *old_peer)
{
	struct nlr_route r = encap_route(t, b);

	(void)old_peer;
	return nlr_route_add(t->nl, &r, true);
}

static int
seg6_unbind(struct tunnel *t, struct tunnel_bind *b)
{
	struct nlr_route r = encap_route(t, b);
	int rc;

	if (t->cfg.role == TUNNEL_ROLE_MN)
		tunnel_mn_detach(t, b);
	r.oif = 0;
	if ((rc = nlr_route_del(t->nl, &r)) == -ESRCH || rc == -ENOENT)
		rc = 0;
	return rc;
}

static int
seg6_set_local(struct tunnel *t, const struct in6_addr *old_local,
    unsigned old_ifindex)
{
	struct tunnel_bind *b;
	size_t i;
	int rc;

	(void)old_ifindex;
	if ((rc = decap_install(t, &t->cfg.local, t->cfg.ifindex)) < 0)
		return rc;
	/* The namespace's tunnel source waits for tunnel_finish(): setting
	 * it waits out an RCU grace period (~10 ms measured,
	 * bench/README.md) that would hold back the Binding Update. */
	((struct seg6_priv *)t->priv)->tunsrc_due = true;
	for (i = 0; i < t->nbuckets; i++)
		for (b = t->hash[i]; b; b = b->next) {
			struct nlr_route r = encap_route(t, b);

			if ((rc = nlr_route_add(t->nl, &r, true)) < 0)
				log_warnx("seg6: re-sourcing a route: %s",
				    strerror(-rc));
		}
	if (memcmp(old_local, &t->cfg.local, 16) != 0)
		decap_remove(t, old_local);
	return 0;
}

static void
seg6_finish(struct tunnel *t)
{
	struct seg6_priv *p = t->priv;

	if (p != NULL && p->tunsrc_due) {
		p->tunsrc_due = false;
		tunsrc_update(t);
	}
}

static void
seg6_fini(struct tunnel *t)
{
	decap_remove(t, &t->cfg.local);
	tunnel_local_rule_restore(t);
	tunsrc_restore(t);
	free(t->priv);
	t->priv = NULL;
}

static int
seg6_fd(struct tunnel *t)
{
	(void)t;
	return -1;
}

static void
seg6_on_readable(struct tunnel *t)
{
	(void)t;
}

const struct tunnel_ops tunnel_seg6_ops = {
	.name = "seg6",
	.init = seg6_init,
	.bind = seg6_bind,
	.move = seg6_move,
	.unbind = seg6_unbind,
	.set_local = seg6_set_local,
	.fini = seg6_fini,
	.fd = seg6_fd,
	.on_readable = seg6_on_readable,
	.finish = seg6_finish,
};
