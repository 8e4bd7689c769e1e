/*
 * dhp_dataplane.c: tunnel endpoint, pool routes and forwarding of the
 * DHP (dhp_dataplane.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "dhp_dataplane.h"
#include "evloop.h"
#include "log.h"
#include "nl_route.h"

#define SYSCTL_FWD	"net.ipv6.conf.all.forwarding"

struct dhp_dp {
	struct dhp_dp_cfg	 cfg;
	struct conf_prefix	*pools;		/* copy of cfg.pools */
	bool			*pool_added;	/* we added its route */
	struct evloop		*loop;
	struct tunnel		*tun;
	struct nlr		*nl;
	int			 tun_fd;	/* tun backend: polled */
	char			 fwd_old[32];
	bool			 fwd_changed;
};

static const char *
a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

enum tunnel_kind
dhp_dp_kind(enum conf_backend b)
{
	switch (b) {
	case CONF_BACKEND_SEG6:
		return TUNNEL_SEG6;
	case CONF_BACKEND_TUN:
		return TUNNEL_TUN;
	case CONF_BACKEND_IP6TNL:
		return TUNNEL_IP6TNL;
	case CONF_BACKEND_AUTO:
		break;
	}
	return TUNNEL_AUTO;
}

/* ---- forwarding ----------------------------------------------------- */

static int
forwarding_on(struct dhp_dp *dp)
{
	int rc;

	if ((rc = nlr_sysctl_read(SYSCTL_FWD, dp->fwd_old,
	    sizeof(dp->fwd_old))) < 0) {
		log_warnx("sysctl %s: %s", SYSCTL_FWD, strerror(-rc));
		return rc;
	}
	dp->fwd_old[strcspn(dp->fwd_old, "\n")] = '\0';
	if (strcmp(dp->fwd_old, "1") == 0)
		return 0;
	if ((rc = nlr_sysctl_write(SYSCTL_FWD, "1")) < 0) {
		log_warnx("sysctl %s = 1: %s", SYSCTL_FWD, strerror(-rc));
		return rc;
	}
	dp->fwd_changed = true;
	log_info("sysctl %s: %s -> 1 (DHP)", SYSCTL_FWD, dp->fwd_old);
	return 0;
}

static void
forwarding_restore(struct dhp_dp *dp)
{
	int rc;

	if (!dp->fwd_changed)
		return;
	if ((rc = nlr_sysctl_write(SYSCTL_FWD, dp->fwd_old)) < 0)
		log_warnx("sysctl %s: restoring %s: %s", SYSCTL_FWD,
		    dp->fwd_old, strerror(-rc));
	else
		log_info("sysctl %s: 1 -> %s (restored)", SYSCTL_FWD,
		    dp->fwd_old);
	dp->fwd_changed = false;
}

/* ---- pool routes ---------------------------------------------------- */

static struct nlr_route
pool_route(const struct conf_prefix *p)
{
	struct nlr_route r = {
		.dst = p->addr, .plen = p->len, .type = RTN_UNREACHABLE,
		.table = NLR_TABLE_MAIN,
	};

	return r;
}

static void
pool_routes_add(struct dhp_dp *dp)
{
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < dp->cfg.npools; i++) {
		struct nlr_route r = pool_route(&dp->pools[i]);
		int rc = nlr_route_add(dp->nl, &r, false);

		if (rc == 0) {
			dp->pool_added[i] = true;
			log_debug("route unreachable %s/%u added",
			    a6(&r.dst, a), r.plen);
		} else if (rc != -EEXIST)
			log_warnx("route unreachable %s/%u: %s (packets for "
			    "unbound DHoAs may loop)", a6(&r.dst, a), r.plen,
			    strerror(-rc));
	}
}

static void
pool_routes_del(struct dhp_dp *dp)
{
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < dp->cfg.npools; i++) {
		struct nlr_route r = pool_route(&dp->pools[i]);
		int rc;

		if (!dp->pool_added[i])
			continue;
		if ((rc = nlr_route_del(dp->nl, &r)) < 0 && rc != -ESRCH &&
		    rc != -ENOENT)
			log_warnx("route unreachable %s/%u: removing: %s",
			    a6(&r.dst, a), r.plen, strerror(-rc));
		dp->pool_added[i] = false;
	}
}

/* ---- set-up --------------------------------------------------------- */

/* The interface that holds addr, or 0. */
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

static unsigned
uplink_of(const struct dhp_dp_cfg *cfg)
{
	unsigned ifindex = 0;
	char a[INET6_ADDRSTRLEN];

	if (cfg->uplink[0] != '\0' &&
	    (ifindex = if_nametoindex(cfg->uplink)) == 0)
		log_warnx("data plane: interface %s does not exist",
		    cfg->uplink);
	if (ifindex == 0 && (ifindex = ifindex_of_addr(&cfg->local)) == 0)
		log_warnx("data plane: no interface holds %s; tunnel uplink "
		    "unset", a6(&cfg->local, a));
	return ifindex;
}

static void
on_tun_readable(int fd, uint32_t events, void *arg)
{
	struct dhp_dp *dp = arg;

	(void)fd;
	(void)events;
	tunnel_on_readable(dp->tun);
}

static void
dp_free(struct dhp_dp *dp)
{
	if (dp->tun_fd >= 0)
		evloop_del_fd(dp->loop, dp->tun_fd);
	tunnel_close(dp->tun);
	if (dp->nl != NULL)
		pool_routes_del(dp);
	forwarding_restore(dp);
	nlr_close(dp->nl);
	free(dp->pool_added);
	free(dp->pools);
	free(dp);
}

struct dhp_dp *
dhp_dp_open(struct evloop *loop, const struct dhp_dp_cfg *cfg)
{
	struct dhp_dp *dp;
	struct tunnel_cfg tc;

	if ((dp = calloc(1, sizeof(*dp))) == NULL) {
		log_warn("data plane");
		return NULL;
	}
	dp->cfg = *cfg;
	dp->loop = loop;
	dp->tun_fd = -1;
	dp->pools = calloc(cfg->npools ? cfg->npools : 1, sizeof(*dp->pools));
	dp->pool_added = calloc(cfg->npools ? cfg->npools : 1,
	    sizeof(*dp->pool_added));
	if (dp->pools == NULL || dp->pool_added == NULL) {
		log_warn("data plane");
		goto err;
	}
	if (cfg->npools > 0)
		memcpy(dp->pools, cfg->pools, cfg->npools * sizeof(*dp->pools));
	dp->cfg.pools = dp->pools;
	if ((dp->nl = nlr_open()) == NULL) {
		log_warn("data plane: rtnetlink");
		goto err;
	}
	/* The DHP forwards what it decapsulates and what it tunnels. */
	if (forwarding_on(dp) < 0)
		goto err;
	tunnel_cfg_defaults(&tc, TUNNEL_ROLE_ANCHOR, &cfg->local,
	    uplink_of(cfg));
	if ((dp->tun = tunnel_open(cfg->kind, &tc)) == NULL)
		goto err;
	if ((dp->tun_fd = tunnel_fd(dp->tun)) >= 0 &&
	    evloop_add_fd(loop, dp->tun_fd, EPOLLIN, on_tun_readable,
	    dp) == -1) {
		log_warn("data plane: evloop_add_fd");
		dp->tun_fd = -1;
		goto err;
	}
	pool_routes_add(dp);
	return dp;
err:
	dp_free(dp);
	return NULL;
}

void
dhp_dp_close(struct dhp_dp *dp)
{
	if (dp == NULL)
		return;
	dp_free(dp);	/* tunnel_close() unbinds every DHoA */
}

int
dhp_dp_apply(struct dhp_dp *dp, const struct dhp_action *a)
{
	char d[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	int rc;

	switch (a->kind) {
	case DHP_ACT_BIND_ADD:
	case DHP_ACT_BIND_MOVE:
		/* tunnel_bind() of a bound DHoA re-points it (a move), of
		 * an unbound one adds it: either way the result is right
		 * even if the engine and the tunnel ever disagreed. */
		rc = tunnel_bind(dp->tun, &a->dhoa, &a->coa);
		break;
	case DHP_ACT_BIND_DEL:
		if (tunnel_find(dp->tun, &a->dhoa) == NULL)
			return 0;
		if ((rc = tunnel_unbind(dp->tun, &a->dhoa)) == -ENOENT)
			rc = 0;
		break;
	default:
		return -EINVAL;
	}
	if (rc < 0)
		log_warnx("data plane: %s %s -> %s: %s", dhp_act_name(a->kind),
		    a6(&a->dhoa, d), a6(&a->coa, c), strerror(-rc));
	return rc;
}

int
dhp_dp_purge(struct dhp_dp *dp, const struct in6_addr *dhoa)
{
	struct nlr_route r = { .dst = *dhoa, .plen = 128,
	    .table = NLR_TABLE_MAIN };
	char d[INET6_ADDRSTRLEN];
	int n = 0, rc;

	if (tunnel_find(dp->tun, dhoa) != NULL)
		return 0;
	/* A one-address pool's own route is that /128 too. */
	for (size_t i = 0; i < dp->cfg.npools; i++)
		if (dp->pools[i].len == 128 &&
		    memcmp(&dp->pools[i].addr, dhoa, sizeof(*dhoa)) == 0)
			return 0;
	/* Bounded: one route per metric at most, and we add one. */
	for (int i = 0; i < 8; i++) {
		if ((rc = nlr_route_del(dp->nl, &r)) == -ESRCH ||
		    rc == -ENOENT)
			break;
		if (rc < 0) {
			log_warnx("stale route for %s: %s",
			    inet_ntop(AF_INET6, dhoa, d, sizeof(d)),
			    strerror(-rc));
			return rc;
		}
		n++;
	}
	if (n > 0)
		log_info("DHP binding %s: stale route of a previous run "
		    "removed", inet_ntop(AF_INET6, dhoa, d, sizeof(d)));
	return n;
}

size_t
dhp_dp_count(const struct dhp_dp *dp)
{
	return dp->tun->count;
}

const char *
dhp_dp_backend(const struct dhp_dp *dp)
{
	return tunnel_name(dp->tun);
}
