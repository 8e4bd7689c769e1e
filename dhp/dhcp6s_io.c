/*
 * dhcp6s_io.c: the socket and timer around the DHCPv6 server engine
 * (see dhcp6s_io.h). Bytes in, bytes out: every decision is the
 * engine's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "ctlsock.h"
#include "dhcp6_ext.h"
#include "dhcp6_sock.h"
#include "dhcp6s.h"
#include "dhcp6s_io.h"
#include "evloop.h"
#include "log.h"

#define RX_BURST	64	/* datagrams per wake-up, then the loop */

struct dhcp6s_io {
	struct evloop	*loop;
	struct dhcp6s	*eng;
	int		 fd;
	unsigned	 ifindex;
	struct timer	 expiry;
	uint64_t	 rx_errors, rx_short, tx, tx_errors;
};

static void
arm(struct dhcp6s_io *io)
{
	uint64_t next = dhcp6s_next_expiry(io->eng);

	if (next == DHCP6S_NO_EXPIRY)
		evloop_timer_cancel(io->loop, &io->expiry);
	else if (evloop_timer_at(io->loop, &io->expiry, next) == -1)
		log_warn("dhcp6s: expiry timer");	/* re-armed later */
}

static void
on_expiry(struct timer *t, void *arg)
{
	struct dhcp6s_io *io = arg;

	(void)t;
	dhcp6s_expire(io->eng, evloop_now_ms(io->loop));
	arm(io);
}

static void
one(struct dhcp6s_io *io, const uint8_t *buf, size_t len,
    const struct sockaddr_in6 *src, const struct in6_addr *dst)
{
	uint8_t out[DHCP6S_MSG_MAX];
	size_t olen;
	char s[INET6_ADDRSTRLEN];

	if (dhcp6s_input(io->eng, buf, len, IN6_IS_ADDR_MULTICAST(dst),
	    evloop_now_ms(io->loop), out, sizeof(out), &olen) == -1 ||
	    olen == 0)
		return;
	/* To the port it came from: 546 for a client (RFC 8415 7.2). */
	if (dhcp6_sock_send(io->fd, out, olen, &src->sin6_addr,
	    ntohs(src->sin6_port), io->ifindex) == -1) {
		io->tx_errors++;
		log_warn("dhcp6s: %s to %s", dhcp6_msg_name(out[0]),
		    inet_ntop(AF_INET6, &src->sin6_addr, s, sizeof(s)));
		return;
	}
	io->tx++;
	log_debug("dhcp6s: tx %s (%zu bytes) to %s", dhcp6_msg_name(out[0]),
	    olen, inet_ntop(AF_INET6, &src->sin6_addr, s, sizeof(s)));
}

static void
on_read(int fd, uint32_t events, void *arg)
{
	struct dhcp6s_io *io = arg;
	uint8_t buf[DHCP6S_MSG_MAX];
	struct sockaddr_in6 src;
	struct in6_addr dst;
	ssize_t n;

	(void)events;
	for (int i = 0; i < RX_BURST; i++) {
		if ((n = dhcp6_sock_recv(fd, buf, sizeof(buf), &src,
		    &dst)) == 0)
			break;
		if (n < 0) {
			io->rx_errors++;
			log_warn("dhcp6s: recvmsg");
			break;
		}
		if ((size_t)n > sizeof(buf) || src.sin6_port == 0) {
			io->rx_short++;		/* oversize or odd source */
			continue;
		}
		one(io, buf, (size_t)n, &src, &dst);
	}
	arm(io);
}

/* ---- dmipctl ---------------------------------------------------------- */

static int
ctl_show(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct dhcp6s_io *io = arg;
	const struct dhcp6s_binding *b;
	uint64_t now = evloop_now_ms(io->loop);
	size_t n = dhcp6s_bindings(io->eng, &b);
	char d[2 * DHCP6_DUID_MAX + 1];
	struct in6_addr p;

	(void)argv;
	if (argc != 0)
		return ctl_error(o, "usage: show dhcp6");
	ctl_table(o, "bindings", "prefix", "client", "iaid:n",
	    "continuity", "expires:n");
	for (size_t i = 0; i < n; i++) {
		dhcp6s_prefix(io->eng, b[i].index, &p);
		ctl_row(o, ctl_fmt(o, "%s/%u", ctl_in6(o, &p),
		    dhcp6s_cfg(io->eng)->plen),
		    ctl_fmt(o, "%s", dhcp6_duid_str(&b[i].client, d,
		    sizeof(d))), ctl_fmt(o, "%u", b[i].iaid),
		    b[i].has_cont ? dhcp6_cont_name(b[i].cont_type) : "none",
		    ctl_fmt(o, "%" PRIu64, b[i].expiry_ms > now ?
		    (b[i].expiry_ms - now + 999) / 1000 : 0));
	}
	dhcp6s_io_ctl_stats(io, o);
	return 0;
}

void
dhcp6s_io_ctl_stats(const struct dhcp6s_io *io, struct ctl_out *o)
{
	const struct dhcp6s_stats *s;
	const struct dhcp6s_binding *b;

	if (io == NULL)
		return;
	s = dhcp6s_stats(io->eng);
	ctl_kv(o, "dhcp6_bindings:n", "%zu", dhcp6s_bindings(io->eng, &b));
	ctl_kv(o, "dhcp6_rx:n", "%" PRIu64, s->rx);
	ctl_kv(o, "dhcp6_drop_malformed:n", "%" PRIu64, s->drop_malformed);
	ctl_kv(o, "dhcp6_drop_type:n", "%" PRIu64, s->drop_type);
	ctl_kv(o, "dhcp6_drop_clientid:n", "%" PRIu64, s->drop_clientid);
	ctl_kv(o, "dhcp6_drop_serverid:n", "%" PRIu64, s->drop_serverid);
	ctl_kv(o, "dhcp6_drop_unicast:n", "%" PRIu64, s->drop_unicast);
	ctl_kv(o, "dhcp6_drop_oversize:n", "%" PRIu64, io->rx_short);
	ctl_kv(o, "dhcp6_ignored:n", "%" PRIu64, s->ignored);
	ctl_kv(o, "dhcp6_tx_advertise:n", "%" PRIu64, s->tx_advertise);
	ctl_kv(o, "dhcp6_tx_reply:n", "%" PRIu64, s->tx_reply);
	ctl_kv(o, "dhcp6_tx_errors:n", "%" PRIu64, s->tx_errors +
	    io->tx_errors);
	ctl_kv(o, "dhcp6_bound:n", "%" PRIu64, s->bound);
	ctl_kv(o, "dhcp6_renewed:n", "%" PRIu64, s->renewed);
	ctl_kv(o, "dhcp6_released:n", "%" PRIu64, s->released);
	ctl_kv(o, "dhcp6_expired:n", "%" PRIu64, s->expired);
	ctl_kv(o, "dhcp6_no_prefix:n", "%" PRIu64, s->no_prefix);
	ctl_kv(o, "dhcp6_no_binding:n", "%" PRIu64, s->no_binding);
	ctl_kv(o, "dhcp6_legacy:n", "%" PRIu64, s->legacy);
	ctl_kv(o, "dhcp6_substituted:n", "%" PRIu64, s->substituted);
	ctl_kv(o, "dhcp6_option_kept:n", "%" PRIu64, s->option_kept);
	for (uint8_t t = 1; t <= CONT_MAX; t++)
		ctl_kv(o, ctl_fmt(o, "dhcp6_granted_%s:n",
		    dhcp6_cont_name(t)), "%" PRIu64, s->granted[t]);
}

/* ---- life ------------------------------------------------------------- */

static int
make_cfg(const struct conf_dhcp6s *c, struct dhcp6s_cfg *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->ifname, sizeof(e->ifname), "%s", c->interface);
	e->codes = c->codes;
	e->pool = c->pool.addr;
	e->pool_len = c->pool.len;
	e->plen = (uint8_t)c->prefix_length;
	memcpy(e->grant, c->grant, sizeof(e->grant));
	memcpy(e->order, c->order, sizeof(e->order));
	e->norder = c->norder;
	e->preferred = c->preferred_lifetime;
	e->valid = c->valid_lifetime;
	e->t1 = c->renew_time;
	e->t2 = c->rebind_time;
	e->max_bindings = c->max_bindings;
	e->rapid_commit = c->rapid_commit;
	e->preference = (uint8_t)c->preference;
	e->anchor = c->anchor;
	e->duid = c->duid;
	if (e->duid.len == 0 && dhcp6_duid_from_if(c->interface,
	    &e->duid) == -1) {
		log_warnx("dhcp6s: %s has no link-layer address for a DUID; "
		    "set duid in the dhcp6 section", c->interface);
		return -1;
	}
	return 0;
}

struct dhcp6s_io *
dhcp6s_io_open(struct evloop *loop, struct ctlsock *ctl,
    const struct conf_dhcp6s *c)
{
	struct dhcp6s_io *io;
	struct dhcp6s_cfg ec;
	char err[256], d[2 * DHCP6_DUID_MAX + 1], p[INET6_ADDRSTRLEN];

	if ((io = calloc(1, sizeof(*io))) == NULL) {
		log_warn("dhcp6s");
		return NULL;
	}
	io->loop = loop;
	io->fd = -1;
	timer_init(&io->expiry, on_expiry, io);
	if ((io->ifindex = if_nametoindex(c->interface)) == 0) {
		log_warn("dhcp6s: interface %s", c->interface);
		goto err;
	}
	if (make_cfg(c, &ec) == -1)
		goto err;
	if ((io->eng = dhcp6s_new(&ec)) == NULL) {
		log_warn("dhcp6s: engine");
		goto err;
	}
	if ((io->fd = dhcp6_sock_open(c->interface, io->ifindex,
	    DHCP6_SERVER_PORT, true, err, sizeof(err))) == -1) {
		log_warnx("dhcp6s: %s", err);
		goto err;
	}
	if (evloop_add_fd(loop, io->fd, EPOLLIN, on_read, io) == -1) {
		log_warn("dhcp6s: event loop");
		goto err;
	}
	if (ctl != NULL && ctlsock_register(ctl, "show dhcp6", 0, ctl_show,
	    io) == -1) {
		log_warn("dhcp6s: control command");
		evloop_del_fd(loop, io->fd);
		goto err;
	}
	log_info("dhcp6s %s: serving prefixes /%u of %s/%u, server DUID %s, "
	    "option %u (anchor %u), %zu continuity types", c->interface,
	    c->prefix_length, inet_ntop(AF_INET6, &c->pool.addr, p, sizeof(p)),
	    c->pool.len, dhcp6_duid_str(&ec.duid, d, sizeof(d)),
	    c->codes.continuity, c->codes.anchor_pref, c->norder);
	return io;
err:
	if (io->fd != -1)
		close(io->fd);
	dhcp6s_free(io->eng);
	free(io);
	return NULL;
}

void
dhcp6s_io_close(struct dhcp6s_io *io)
{
	const struct dhcp6s_stats *s;
	const struct dhcp6s_binding *b;

	if (io == NULL)
		return;
	s = dhcp6s_stats(io->eng);
	log_info("dhcp6s: stats: received %" PRIu64 " (malformed %" PRIu64
	    ", dropped %" PRIu64 "), sent %" PRIu64 "; bound %" PRIu64
	    " (without the option %" PRIu64 "), renewed %" PRIu64
	    ", released %" PRIu64 ", expired %" PRIu64 "; %zu bindings left",
	    s->rx, s->drop_malformed, s->drop_type + s->drop_clientid +
	    s->drop_serverid + s->drop_unicast, io->tx, s->bound, s->legacy,
	    s->renewed, s->released, s->expired,
	    dhcp6s_bindings(io->eng, &b));
	evloop_timer_cancel(io->loop, &io->expiry);
	evloop_del_fd(io->loop, io->fd);
	close(io->fd);
	dhcp6s_free(io->eng);
	free(io);
}

struct dhcp6s *
dhcp6s_io_engine(struct dhcp6s_io *io)
{
	return io->eng;
}
