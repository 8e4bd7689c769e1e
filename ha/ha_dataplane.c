/*
 * ha_dataplane.c: tunnel endpoint, proxy ND entries and the sysctls
 * of the home agent (ha_dataplane.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "ha_dataplane.h"
#include "log.h"
#include "nl_route.h"

#define SYSCTL_KEY_MAX	128
#define SYSCTL_VAL_MAX	32

/* A sysctl set to 1 by us, and what it was. */
struct sysctl_saved {
	char	key[SYSCTL_KEY_MAX];
	char	old[SYSCTL_VAL_MAX];
	bool	changed;
};

struct ha_dp {
	struct ha_dp_cfg	 cfg;
	struct evloop		*loop;
	struct tunnel		*tun;
	struct nlr		*nl;		/* proxy ND entries */
	int			 tun_fd;	/* tun backend: polled */
	struct sysctl_saved	 fwd, proxy;
};

static const char *
a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* ---- sysctls ------------------------------------------------------- */

/* Set key to 1 unless it already is; remember the old value. */
static int
sysctl_enable(struct sysctl_saved *s, const char *key)
{
	int rc;

	memset(s, 0, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s", key);
	if ((rc = nlr_sysctl_read(key, s->old, sizeof(s->old))) < 0) {
		log_warnx("sysctl %s: %s", key, strerror(-rc));
		return rc;
	}
	if (strcmp(s->old, "1") == 0)
		return 0;
	if ((rc = nlr_sysctl_write(key, "1")) < 0) {
		log_warnx("sysctl %s = 1: %s", key, strerror(-rc));
		return rc;
	}
	s->changed = true;
	log_info("sysctl %s: %s -> 1 (home agent)", key, s->old);
	return 0;
}

static void
sysctl_restore(struct sysctl_saved *s)
{
	int rc;

	if (!s->changed)
		return;
	if ((rc = nlr_sysctl_write(s->key, s->old)) < 0)
		log_warnx("sysctl %s: restoring %s: %s", s->key, s->old,
		    strerror(-rc));
	else
		log_info("sysctl %s: 1 -> %s (restored)", s->key, s->old);
	s->changed = false;
}

/* proxy_ndp on the home interface, once it exists (RFC 6275 10.4.1). */
unsigned
ha_dp_home_ifindex(struct ha_dp *dp)
{
	unsigned ifindex = if_nametoindex(dp->cfg.home_if);
	char key[SYSCTL_KEY_MAX];

	if (ifindex != 0 && dp->proxy.key[0] == '\0') {
		/* Slashes: interface names may contain dots. */
		snprintf(key, sizeof(key), "net/ipv6/conf/%s/proxy_ndp",
		    dp->cfg.home_if);
		if (sysctl_enable(&dp->proxy, key) < 0)
			dp->proxy.key[0] = '\0';	/* retry next time */
	}
	return ifindex;
}

/* ---- set-up -------------------------------------------------------- */

/* The interface that holds addr (the tunnel's uplink), or 0. */
static unsigned
ifindex_of_addr(const struct in6_addr *addr)
{
	struct ifaddrs *ifa, *i;
	unsigned ifindex = 0;

	if (getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL && ifindex == 0; i = i->ifa_next) {
		const struct sockaddr_in6 *sin6;

		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET6)
			continue;
		sin6 = (const struct sockaddr_in6 *)(const void *)i->ifa_addr;
		if (memcmp(&sin6->sin6_addr, addr, sizeof(*addr)) == 0)
			ifindex = if_nametoindex(i->ifa_name);
	}
	freeifaddrs(ifa);
	return ifindex;
}

static void
on_tun_readable(int fd, uint32_t events, void *arg)
{
	struct ha_dp *dp = arg;

	(void)fd;
	(void)events;
	tunnel_on_readable(dp->tun);
}

struct ha_dp *
ha_dp_open(struct evloop *loop, const struct ha_dp_cfg *cfg)
{
	struct ha_dp *dp;
	struct tunnel_cfg tc;
	unsigned uplink;
	char a[INET6_ADDRSTRLEN];

	if ((dp = calloc(1, sizeof(*dp))) == NULL) {
		log_warn("data plane");
		return NULL;
	}
	dp->cfg = *cfg;
	dp->loop = loop;
	dp->tun_fd = -1;
	if ((dp->nl = nlr_open()) == NULL) {
		log_warn("data plane: rtnetlink");
		goto err;
	}
	if ((uplink = ifindex_of_addr(&cfg->local)) == 0)
		log_warnx("data plane: no interface holds %s; tunnel uplink "
		    "unset", a6(&cfg->local, a));
	/* The HA routes the home link's packets into tunnels. */
	if (sysctl_enable(&dp->fwd, "net.ipv6.conf.all.forwarding") < 0)
		goto err;
	if (ha_dp_home_ifindex(dp) == 0)
		log_warnx("home_interface %s does not exist (yet): no binding "
		    "can be installed until it does", cfg->home_if);
	tunnel_cfg_defaults(&tc, TUNNEL_ROLE_ANCHOR, &cfg->local, uplink);
	if ((dp->tun = tunnel_open(cfg->kind, &tc)) == NULL)
		goto err;
	if ((dp->tun_fd = tunnel_fd(dp->tun)) >= 0 &&
	    evloop_add_fd(loop, dp->tun_fd, EPOLLIN, on_tun_readable,
	    dp) == -1) {
		log_warn("data plane: evloop_add_fd");
		dp->tun_fd = -1;
		goto err;
	}
	return dp;
err:
	tunnel_close(dp->tun);
	sysctl_restore(&dp->proxy);
	sysctl_restore(&dp->fwd);
	nlr_close(dp->nl);
	free(dp);
	return NULL;
}

void
ha_dp_close(struct ha_dp *dp)
{
	struct tunnel_bind *b;
	unsigned ifindex;
	char h[INET6_ADDRSTRLEN];
	int rc;

	if (dp == NULL)
		return;
	if (dp->tun_fd >= 0)
		evloop_del_fd(dp->loop, dp->tun_fd);
	/* Every bound HoA has its proxy entry (ha_dp_add's invariant). */
	ifindex = if_nametoindex(dp->cfg.home_if);
	for (size_t i = 0; ifindex != 0 && i < dp->tun->nbuckets; i++)
		for (b = dp->tun->hash[i]; b != NULL; b = b->next)
			if ((rc = nlr_proxy_nd_del(dp->nl, ifindex,
			    &b->inner)) < 0 && rc != -ENOENT)
				log_warnx("proxy ND %s on %s: %s",
				    a6(&b->inner, h), dp->cfg.home_if,
				    strerror(-rc));
	tunnel_close(dp->tun);
	sysctl_restore(&dp->proxy);
	sysctl_restore(&dp->fwd);
	nlr_close(dp->nl);
	free(dp);
}

/* ---- bindings ------------------------------------------------------ */

int
ha_dp_add(struct ha_dp *dp, const struct in6_addr *hoa,
    const struct in6_addr *coa)
{
	unsigned ifindex;
	char h[INET6_ADDRSTRLEN];
	int rc;

	if ((ifindex = ha_dp_home_ifindex(dp)) == 0) {
		log_warnx("binding %s: home_interface %s does not exist",
		    a6(hoa, h), dp->cfg.home_if);
		return -ENODEV;
	}
	if ((rc = tunnel_bind(dp->tun, hoa, coa)) < 0)
		return rc;
	/* REPLACE: an entry left by a previous run is taken over. */
	if ((rc = nlr_proxy_nd_add(dp->nl, ifindex, hoa)) < 0) {
		log_warnx("proxy ND %s on %s: %s", a6(hoa, h),
		    dp->cfg.home_if, strerror(-rc));
		(void)tunnel_unbind(dp->tun, hoa);
		return rc;
	}
	log_debug("proxy ND %s on %s added", a6(hoa, h), dp->cfg.home_if);
	return 0;
}

int
ha_dp_move(struct ha_dp *dp, const struct in6_addr *hoa,
    const struct in6_addr *coa)
{
	/* Not bound (cannot happen while the engine and we agree): a
	 * whole add, proxy entry included. */
	if (tunnel_find(dp->tun, hoa) == NULL)
		return ha_dp_add(dp, hoa, coa);
	return tunnel_move(dp->tun, hoa, coa);
}

int
ha_dp_del(struct ha_dp *dp, const struct in6_addr *hoa)
{
	unsigned ifindex = if_nametoindex(dp->cfg.home_if);
	char h[INET6_ADDRSTRLEN];
	int rc = 0, rc2;

	if (tunnel_find(dp->tun, hoa) != NULL &&
	    (rc = tunnel_unbind(dp->tun, hoa)) == -ENOENT)
		rc = 0;		/* the route was already gone */
	if (ifindex != 0 &&
	    (rc2 = nlr_proxy_nd_del(dp->nl, ifindex, hoa)) < 0 &&
	    rc2 != -ENOENT) {
		log_warnx("proxy ND %s on %s: %s", a6(hoa, h),
		    dp->cfg.home_if, strerror(-rc2));
		if (rc == 0)
			rc = rc2;
	} else
		log_debug("proxy ND %s on %s removed", a6(hoa, h),
		    dp->cfg.home_if);
	return rc;
}

int
ha_dp_apply(struct ha_dp *dp, const struct ha_action *a)
{
	switch (a->kind) {
	case HA_ACT_BIND_ADD:
		return ha_dp_add(dp, &a->hoa, &a->coa);
	case HA_ACT_BIND_MOVE:
		return ha_dp_move(dp, &a->hoa, &a->coa);
	case HA_ACT_BIND_DEL:
		return ha_dp_del(dp, &a->hoa);
	}
	return -EINVAL;
}

int
ha_dp_purge(struct ha_dp *dp, const struct in6_addr *hoa)
{
	struct nlr_route r = { .dst = *hoa, .plen = 128,
	    .table = NLR_TABLE_MAIN };
	unsigned ifindex = if_nametoindex(dp->cfg.home_if);
	char h[INET6_ADDRSTRLEN];
	int n = 0, rc;

	if (tunnel_find(dp->tun, hoa) != NULL)
		return 0;
	/* Bounded: one route per metric at most, and we add one. */
	for (int i = 0; i < 8; i++) {
		if ((rc = nlr_route_del(dp->nl, &r)) == -ESRCH ||
		    rc == -ENOENT)
			break;
		if (rc < 0) {
			log_warnx("stale route for %s: %s", a6(hoa, h),
			    strerror(-rc));
			return rc;
		}
		n++;
	}
	if (ifindex != 0) {
		if ((rc = nlr_proxy_nd_del(dp->nl, ifindex, hoa)) == 0)
			n++;
		else if (rc != -ENOENT) {
			log_warnx("stale proxy ND %s on %s: %s", a6(hoa, h),
			    dp->cfg.home_if, strerror(-rc));
			return rc;
		}
	}
	if (n > 0)
		log_info("binding %s: %d stale kernel entr%s of a previous run "
		    "removed", a6(hoa, h), n, n == 1 ? "y" : "ies");
	return n;
}

size_t
ha_dp_count(const struct ha_dp *dp)
{
	return dp->tun->count;
}

const char *
ha_dp_backend(const struct ha_dp *dp)
{
	return tunnel_name(dp->tun);
}
