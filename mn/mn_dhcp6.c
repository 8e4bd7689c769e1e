/*
 * mn_dhcp6.c: mnd's DHCPv6 continuity client on the interfaces of its
 * dhcp6 section (see mn_dhcp6.h).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>

#include "ctlsock.h"
#include "dhcp6_ext.h"
#include "dhcp6c.h"
#include "dhcp6c_io.h"
#include "evloop.h"
#include "log.h"
#include "mn_dhcp6.h"

/* ---- link changes (pure) ------------------------------------------- */

static bool
is_link_local(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

/* Tell the client now, or once a link-local address is usable. */
static bool
due(struct mn_dhcp6_link *l)
{
	if (!l->pending || !l->ll_ok || !l->usable)
		return false;
	l->pending = false;
	return true;
}

bool
mn_dhcp6_link_update(struct mn_dhcp6_link *l, const struct nlw_event *ev)
{
	bool usable;

	switch (ev->kind) {
	case NLW_LINK:
		if (strcmp(ev->ifname, l->ifname) != 0)
			return false;
		if (ev->removed) {
			/* Gone: whatever comes back is a new attachment. */
			l->ifindex = 0;
			l->usable = l->has_gw = l->ll_ok = false;
			l->seen = true;
			return false;
		}
		l->ifindex = ev->ifindex;
		usable = ev->up && ev->running;
		if (l->seen && !l->usable && usable)
			l->pending = true;
		l->usable = usable;
		l->seen = true;
		return due(l);
	case NLW_ROUTE:
		if (l->ifindex == 0 || ev->ifindex != l->ifindex || ev->removed)
			return false;
		if (l->has_gw && memcmp(&l->gw, &ev->addr, sizeof(l->gw)) != 0)
			l->pending = true;
		l->gw = ev->addr;
		l->has_gw = true;
		return due(l);
	case NLW_ADDR:
		if (l->ifindex == 0 || ev->ifindex != l->ifindex ||
		    !is_link_local(&ev->addr))
			return false;
		if (ev->removed) {
			if (memcmp(&ev->addr, &l->ll, sizeof(l->ll)) == 0)
				l->ll_ok = false;
			return false;
		}
		l->ll = ev->addr;
		l->ll_ok = !(ev->ifa_flags & (IFA_F_TENTATIVE |
		    IFA_F_DADFAILED));
		return due(l);
	}
	return false;
}

/* ---- the clients ------------------------------------------------------- */

static const char *
duid_s(const struct dhcp6_duid *d, char *buf, size_t cap)
{
	if (d->len == 0)
		return "-";
	return dhcp6_duid_str(d, buf, cap);
}

static void
on_lease(void *arg, const char *ifname, enum dhcp6c_event ev,
    const struct dhcp6c_lease *l)
{
	struct mn_dhcp6 *d = arg;
	char p[INET6_ADDRSTRLEN], s[2 * DHCP6_DUID_MAX + 1];

	/* The engine logs the exchange; this is what mnd got out of it. */
	log_info("dhcp6 %s: prefix %s/%u %s, continuity %s%s (server %s)",
	    ifname, inet_ntop(AF_INET6, &l->prefix, p, sizeof(p)), l->plen,
	    dhcp6c_event_name(ev), l->has_cont ? dhcp6_cont_name(l->cont_type) :
	    "not granted: non-persistent", l->mismatch ?
	    ", not the type asked" : "", duid_s(&l->server, s, sizeof(s)));
	if (d->changed != NULL)
		d->changed(d->arg);
}

/* Seconds left until granted + secs, or -1 for an infinite lifetime. */
static long long
left_s(const struct dhcp6c_lease *l, uint32_t secs, uint64_t now)
{
	uint64_t end;

	if (secs == DHCP6C_INFINITY)
		return -1;
	end = l->granted_ms + (uint64_t)secs * 1000;
	return end > now ? (long long)((end - now + 999) / 1000) : 0;
}

static void
show_client(struct ctl_out *o, const struct mn_dhcp6_link *ln,
    struct dhcp6c_io *io, uint64_t now)
{
	struct dhcp6c *c;
	const struct dhcp6c_lease *l;
	char s[2 * DHCP6_DUID_MAX + 1];

	if (io == NULL) {
		ctl_row(o, ln->ifname, "not running", NULL, NULL, NULL, NULL,
		    NULL, NULL, NULL, NULL);
		return;
	}
	c = dhcp6c_io_engine(io);
	if ((l = dhcp6c_lease(c)) == NULL) {
		ctl_row(o, ln->ifname, dhcp6c_state_name(dhcp6c_state(c)),
		    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	ctl_row(o, ln->ifname, dhcp6c_state_name(dhcp6c_state(c)),
	    ctl_fmt(o, "%s/%u", ctl_in6(o, &l->prefix), l->plen),
	    l->has_cont ? dhcp6_cont_name(l->cont_type) : "none",
	    l->has_cont ? "yes" : "no", l->mismatch ? "yes" : "no",
	    ctl_fmt(o, "%s", duid_s(&l->server, s, sizeof(s))),
	    ctl_fmt(o, "%lld", left_s(l, l->valid, now)),
	    ctl_fmt(o, "%u", l->t1), ctl_fmt(o, "%u", l->t2));
}

static int
ctl_show(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct mn_dhcp6 *d = arg;
	uint64_t now = evloop_now_ms(d->loop);
	const struct dhcp6c_memory *mem;
	char s[2 * DHCP6_DUID_MAX + 1];
	size_t n;

	(void)argv;
	if (argc != 0)
		return ctl_error(o, "usage: show dhcp6");
	ctl_table(o, "clients", "interface", "state", "prefix", "continuity",
	    "granted:b", "mismatch:b", "server", "valid:n", "t1:n", "t2:n");
	for (size_t i = 0; i < d->nlinks; i++)
		show_client(o, &d->links[i], dhcp6c_set_get(d->set,
		    d->links[i].ifname), now);
	ctl_table(o, "remembered", "interface", "server", "why", "expires:n");
	for (size_t i = 0; i < d->nlinks; i++) {
		struct dhcp6c_io *io = dhcp6c_set_get(d->set,
		    d->links[i].ifname);

		if (io == NULL)
			continue;
		n = dhcp6c_memory(dhcp6c_io_engine(io), &mem);
		for (size_t j = 0; j < n; j++)
			ctl_row(o, d->links[i].ifname, mem[j].server.len ?
			    ctl_fmt(o, "%s", dhcp6_duid_str(&mem[j].server, s,
			    sizeof(s))) : "link", dhcp6c_why_name(mem[j].why),
			    ctl_fmt(o, "%" PRIu64, mem[j].expiry_ms > now ?
			    (mem[j].expiry_ms - now + 999) / 1000 : 0));
	}
	return 0;
}

int
mn_dhcp6_open(struct mn_dhcp6 *d, struct evloop *loop,
    const struct conf_dhcp6c *c, struct ctlsock *ctl,
    void (*changed)(void *), void *arg)
{
	memset(d, 0, sizeof(*d));
	d->loop = loop;
	d->changed = changed;
	d->arg = arg;
	if (c == NULL)
		return 0;
	if ((d->links = calloc(c->ninterfaces ? c->ninterfaces : 1,
	    sizeof(*d->links))) == NULL) {
		log_warn("dhcp6");
		return -1;
	}
	for (size_t i = 0; i < c->ninterfaces; i++)
		snprintf(d->links[i].ifname, sizeof(d->links[i].ifname), "%s",
		    c->interfaces[i]);
	d->nlinks = c->ninterfaces;
	if ((d->set = dhcp6c_set_open(loop, c, on_lease, d)) == NULL) {
		log_warn("dhcp6");
		mn_dhcp6_close(d);
		return -1;
	}
	if (ctl != NULL && ctlsock_register(ctl, "show dhcp6", 0, ctl_show,
	    d) == -1) {
		log_warn("dhcp6: dmipctl");
		mn_dhcp6_close(d);
		return -1;
	}
	log_info("dhcp6: prefix delegation client on %zu interface%s, "
	    "continuity %s", c->ninterfaces, c->ninterfaces == 1 ? "" : "s",
	    c->ask ? dhcp6_cont_name(c->want) : "not asked");
	return 0;
}

void
mn_dhcp6_nlw(struct mn_dhcp6 *d, const struct nlw_event *ev)
{
	char a[INET6_ADDRSTRLEN];

	if (d->set == NULL)
		return;
	for (size_t i = 0; i < d->nlinks; i++) {
		struct mn_dhcp6_link *l = &d->links[i];

		if (!mn_dhcp6_link_update(l, ev))
			continue;
		d->link_changes++;
		if (ev->kind == NLW_ROUTE)
			log_info("dhcp6 %s: new default router %s: another "
			    "link? checking the lease (RFC 8415 18.2.12)",
			    l->ifname, inet_ntop(AF_INET6, &ev->addr, a,
			    sizeof(a)));
		else
			log_info("dhcp6 %s: link back up: checking the lease "
			    "(RFC 8415 18.2.12)", l->ifname);
		dhcp6c_set_link_changed(d->set, l->ifname);
	}
}

bool
mn_dhcp6_release(struct mn_dhcp6 *d)
{
	dhcp6c_set_release(d->set);
	return mn_dhcp6_releasing(d);
}

bool
mn_dhcp6_releasing(const struct mn_dhcp6 *d)
{
	/* Not dhcp6c_set_releasing(): the engine reports RELEASED before
	 * it leaves the RELEASE state, and mnd asks from that report. */
	for (size_t i = 0; i < d->nlinks; i++) {
		struct dhcp6c_io *io = dhcp6c_set_get(d->set,
		    d->links[i].ifname);

		if (io != NULL && dhcp6c_io_releasing(io) &&
		    dhcp6c_lease(dhcp6c_io_engine(io)) != NULL)
			return true;
	}
	return false;
}

void
mn_dhcp6_close(struct mn_dhcp6 *d)
{
	dhcp6c_set_close(d->set);
	d->set = NULL;
	free(d->links);
	d->links = NULL;
	d->nlinks = 0;
}

void
mn_dhcp6_ctl_stats(const struct mn_dhcp6 *d, struct ctl_out *o)
{
	size_t clients = 0, leases = 0, granted = 0, remembered = 0;
	const struct dhcp6c_memory *mem;
	uint64_t fallbacks = 0;

	if (d->set == NULL)
		return;
	for (size_t i = 0; i < d->nlinks; i++) {
		struct dhcp6c_io *io = dhcp6c_set_get(d->set,
		    d->links[i].ifname);
		const struct dhcp6c_lease *l;

		if (io == NULL)
			continue;
		clients++;
		l = dhcp6c_lease(dhcp6c_io_engine(io));
		leases += l != NULL;
		granted += l != NULL && l->has_cont;
		fallbacks += dhcp6c_stats(dhcp6c_io_engine(io))->fallbacks;
		remembered += dhcp6c_memory(dhcp6c_io_engine(io), &mem);
	}
	ctl_kv(o, "dhcp6_clients:n", "%zu", clients);
	ctl_kv(o, "dhcp6_leases:n", "%zu", leases);
	ctl_kv(o, "dhcp6_granted:n", "%zu", granted);
	ctl_kv(o, "dhcp6_fallbacks:n", "%" PRIu64, fallbacks);
	ctl_kv(o, "dhcp6_remembered:n", "%zu", remembered);
	ctl_kv(o, "dhcp6_link_changes:n", "%" PRIu64, d->link_changes);
}
