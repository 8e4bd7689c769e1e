/*
 * mn_move.c: movement decisions applied to the kernel (see mn_move.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>

#include "log.h"
#include "mn_move.h"
#include "nl_route.h"

static const char *
a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

int
mn_move_init(struct mn_move *m, enum tunnel_kind kind,
    const struct in6_addr *hoa, uint8_t home_plen, const struct in6_addr *ha)
{
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->hoa = *hoa;
	m->ha = *ha;
	m->home_plen = home_plen;
	if ((m->nl = nlr_open()) == NULL) {
		log_warn("rtnetlink");
		return -1;
	}
	if ((m->sk = nl_socket_alloc()) == NULL ||
	    nl_connect(m->sk, NETLINK_ROUTE) < 0) {
		log_warnx("rtnetlink: cannot open a route socket");
		mn_move_close(m);
		return -1;
	}
	return 0;
}

/* Take the HoA off the home interface, if we put it there. */
static void
leave_home(struct mn_move *m)
{
	char a[INET6_ADDRSTRLEN];
	int rc;

	if (m->home_ifindex == 0)
		return;
	rc = nlr_addr_del(m->nl, m->home_ifindex, &m->hoa, m->home_plen);
	if (rc < 0 && rc != -EADDRNOTAVAIL && rc != -ENOENT &&
	    rc != -ENODEV) {
		m->st.errors++;
		log_warnx("deleting the home address %s from ifindex %u: %s",
		    a6(&m->hoa, a), m->home_ifindex, strerror(-rc));
	} else
		log_debug("home address %s taken off ifindex %u",
		    a6(&m->hoa, a), m->home_ifindex);
	m->home_ifindex = 0;
}

void
mn_move_close(struct mn_move *m)
{
	if (m->t != NULL) {
		/* Unbinds first: HoA off lo, rule and route gone. */
		tunnel_close(m->t);
		m->t = NULL;
		m->bound = false;
	}
	if (m->nl != NULL)
		leave_home(m);
	if (m->sk != NULL)
		nl_socket_free(m->sk);
	m->sk = NULL;
	nlr_close(m->nl);
	m->nl = NULL;
}

int
mn_move_fd(struct mn_move *m)
{
	return m->t != NULL ? tunnel_fd(m->t) : -1;
}

/* ---- stale state ---------------------------------------------------- */

/*
 * Delete a route of the main table whatever its protocol: the kernel
 * matches a given protocol (RTPROT_STATIC in nl_route.c) and routes
 * from router advertisements are "proto ra". 0, or -errno.
 */
static int
route_del_any(struct mn_move *m, const struct in6_addr *dst, uint8_t plen,
    const struct in6_addr *gw, unsigned ifindex)
{
	struct rtmsg rtm = {
		.rtm_family = AF_INET6,
		.rtm_dst_len = plen,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_scope = RT_SCOPE_NOWHERE,
	};
	struct nl_msg *msg;
	int rc;

	if ((msg = nlmsg_alloc_simple(RTM_DELROUTE, NLM_F_REQUEST |
	    NLM_F_ACK)) == NULL)
		return -ENOMEM;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    (plen > 0 && nla_put(msg, RTA_DST, 16, dst) < 0) ||
	    nla_put_u32(msg, RTA_TABLE, RT_TABLE_MAIN) < 0 ||
	    nla_put_u32(msg, RTA_OIF, ifindex) < 0 ||
	    (gw != NULL && nla_put(msg, RTA_GATEWAY, 16, gw) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	rc = nl_send_auto(m->sk, msg);
	nlmsg_free(msg);
	if (rc < 0)
		return -EIO;
	if ((rc = nl_wait_for_ack(m->sk)) == 0)
		return 0;
	return rc == -NLE_OBJ_NOTFOUND ? -ESRCH : -EIO;
}

static void
prefix_of(const struct in6_addr *a, uint8_t plen, struct in6_addr *p)
{
	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < 16 && plen > 0; i++) {
		uint8_t bits = plen >= 8 ? 8 : plen;

		p->s6_addr[i] = a->s6_addr[i] & (uint8_t)(0xff << (8 - bits));
		plen -= bits;
	}
}

static void
prune_addr(struct mn_move *m, unsigned ifindex, const struct in6_addr *a,
    uint8_t plen, const char *ifname)
{
	struct in6_addr p;
	char s[INET6_ADDRSTRLEN];
	int rc;

	rc = nlr_addr_del(m->nl, ifindex, a, plen);
	if (rc == 0) {
		m->st.stale_addrs++;
		log_info("stale address %s/%u on %s deleted", a6(a, s), plen,
		    ifname);
	} else if (rc != -EADDRNOTAVAIL && rc != -ENOENT) {
		m->st.errors++;
		log_warnx("deleting stale address %s/%u on %s: %s", a6(a, s),
		    plen, ifname, strerror(-rc));
	}
	/* SLAAC addresses leave their on-link prefix route behind. */
	if (plen == 0 || plen >= 128)
		return;
	prefix_of(a, plen, &p);
	if ((rc = route_del_any(m, &p, plen, NULL, ifindex)) == 0) {
		m->st.stale_routes++;
		log_info("stale route %s/%u on %s deleted", a6(&p, s), plen,
		    ifname);
	} else if (rc != -ESRCH)
		log_debug("deleting stale route %s/%u on %s: %s", a6(&p, s),
		    plen, ifname, strerror(-rc));
}

void
mn_move_prune(struct mn_move *m, const struct mv_stale *st,
    const char *ifname)
{
	char s[INET6_ADDRSTRLEN];
	int rc;

	/* Routers first: the kernel must stop sending through them. */
	for (size_t i = 0; i < st->nrouters; i++) {
		rc = route_del_any(m, &in6addr_any, 0, &st->routers[i],
		    st->ifindex);
		if (rc == 0) {
			m->st.stale_routes++;
			log_info("stale default router %s on %s deleted",
			    a6(&st->routers[i], s), ifname);
		} else if (rc != -ESRCH) {
			m->st.errors++;
			log_warnx("deleting default router %s on %s: %s",
			    a6(&st->routers[i], s), ifname, strerror(-rc));
		}
	}
	for (size_t i = 0; i < st->naddrs; i++)
		prune_addr(m, st->ifindex, &st->addrs[i].addr,
		    st->addrs[i].plen, ifname);
}

/* ---- away and home -------------------------------------------------- */

/* The tunnel exists and its local end is m->local. */
static int
tunnel_up(struct mn_move *m)
{
	struct tunnel_cfg cfg;

	if (!m->has_local) {
		errno = EHOSTUNREACH;
		return -1;
	}
	if (m->t != NULL)
		return tunnel_set_local(m->t, &m->local, m->local_if) < 0 ?
		    -1 : 0;
	tunnel_cfg_defaults(&cfg, TUNNEL_ROLE_MN, &m->local, m->local_if);
	if ((m->t = tunnel_open(m->kind, &cfg)) == NULL)
		return -1;	/* logged; tried again at the next CoA */
	/* mnd finishes a move after its Binding Updates left
	 * (mn_move_finish()). */
	m->t->defer_finish = true;
	return 0;
}

void
mn_move_finish(struct mn_move *m)
{
	if (m->t != NULL)
		tunnel_finish(m->t);
}

int
mn_move_away(struct mn_move *m, const struct in6_addr *coa,
    unsigned ifindex)
{
	int rc;

	/* Off the interface before it goes on lo: one place at a time. */
	leave_home(m);
	m->local = *coa;
	m->local_if = ifindex;
	m->has_local = true;
	if (tunnel_up(m) == -1) {
		m->st.errors++;
		return -1;
	}
	if (m->bound)
		return 0;
	if ((rc = tunnel_bind(m->t, &m->hoa, &m->ha)) < 0) {
		m->st.errors++;
		return -1;
	}
	m->bound = true;
	return 0;
}

int
mn_move_home(struct mn_move *m, unsigned ifindex)
{
	char a[INET6_ADDRSTRLEN];
	int rc;

	if (m->bound) {
		/* Also takes the HoA off lo. */
		if (tunnel_unbind(m->t, &m->hoa) < 0)
			m->st.errors++;
		m->bound = false;
	}
	if (m->home_ifindex != 0 && m->home_ifindex != ifindex)
		leave_home(m);
	rc = nlr_addr_add(m->nl, ifindex, &m->hoa, m->home_plen, true, true);
	if (rc < 0 && rc != -EEXIST) {
		m->st.errors++;
		log_warnx("putting the home address %s/%u on ifindex %u: %s",
		    a6(&m->hoa, a), m->home_plen, ifindex, strerror(-rc));
		return -1;
	}
	m->home_ifindex = ifindex;
	m->local = m->hoa;
	m->local_if = ifindex;
	m->has_local = true;
	/* F.16: DHoA flows go on through the DHPs, from the HoA now. */
	if (m->t != NULL && m->ndhoas > 0 && tunnel_up(m) == -1) {
		m->st.errors++;
		return -1;
	}
	return 0;
}

int
mn_move_dhoa_bind(struct mn_move *m, const struct in6_addr *dhoa,
    const struct in6_addr *tep)
{
	int rc;

	if (tunnel_up(m) == -1) {
		if (errno == EHOSTUNREACH)
			log_warnx("no local address for the DHoA tunnel yet");
		m->st.errors++;
		return -1;
	}
	if ((rc = tunnel_bind(m->t, dhoa, tep)) < 0) {
		m->st.errors++;
		errno = -rc;
		return -1;
	}
	m->ndhoas++;
	return 0;
}

int
mn_move_dhoa_unbind(struct mn_move *m, const struct in6_addr *dhoa)
{
	int rc;

	if (m->t == NULL || tunnel_find(m->t, dhoa) == NULL)
		return 0;
	if (m->ndhoas > 0)
		m->ndhoas--;
	if ((rc = tunnel_unbind(m->t, dhoa)) < 0) {
		m->st.errors++;
		errno = -rc;
		return -1;
	}
	return 0;
}
