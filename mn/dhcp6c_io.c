/*
 * dhcp6c_io.c: the socket and timer around the DHCPv6 prefix-delegation
 * client engine, and the per-interface set mnd runs (see dhcp6c_io.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "dhcp6_ext.h"
#include "dhcp6_sock.h"
#include "dhcp6c_io.h"
#include "evloop.h"
#include "log.h"

#define RX_MAX		1500
#define RX_BURST	64

struct dhcp6c_io {
	struct evloop		*loop;
	struct dhcp6c		*eng;
	char			 ifname[IF_NAMESIZE];
	unsigned		 ifindex;
	int			 fd;
	struct timer		 timer;
	dhcp6c_io_fn		 fn;
	void			*arg;
	dhcp6c_trace_fn		 trace;
	void			*trace_arg;
	struct dhcp6c_io_stats	 st;
};

struct dhcp6c_set {
	struct dhcp6c_io	**io;
	size_t			  n;
};

void
dhcp6c_cfg_from_conf(const struct conf_dhcp6c *c, const char *ifname,
    struct dhcp6c_cfg *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
	e->duid = c->duid;
	e->codes = c->codes;
	e->ask = c->ask;
	e->want = c->want;
	e->plen_hint = (uint8_t)c->prefix_length;
	e->has_anchor = c->has_anchor;
	e->anchor = c->anchor;
	e->anchor_required = c->anchor_required;
	e->fallback_after = c->fallback_after;
	e->retry_later_s = c->retry_later;
	e->accept_outer = c->accept_outer;
	e->release_on_mismatch = c->release_on_mismatch;
}

/* ---- one interface ---------------------------------------------------- */

static void
arm(struct dhcp6c_io *io)
{
	uint64_t next = dhcp6c_next_timeout(io->eng);

	if (next == UINT64_MAX)
		evloop_timer_cancel(io->loop, &io->timer);
	else if (evloop_timer_at(io->loop, &io->timer, next) == -1)
		log_warn("dhcp6c %s: timer", io->ifname);
}

static void
on_timer(struct timer *t, void *arg)
{
	struct dhcp6c_io *io = arg;

	(void)t;
	dhcp6c_timeout(io->eng, evloop_now_ms(io->loop));
	arm(io);
}

static int
eng_send(void *arg, const uint8_t *buf, size_t len)
{
	struct dhcp6c_io *io = arg;

	if (io->trace != NULL)
		io->trace(io->trace_arg, io->ifname, true, buf, len);
	if (dhcp6_sock_send(io->fd, buf, len, &dhcp6_all_servers,
	    DHCP6_SERVER_PORT, io->ifindex) == -1) {
		io->st.tx_errors++;
		/* A tentative link-local or a link down: the timer retries. */
		log_debug("dhcp6c %s: send %s: %s", io->ifname,
		    dhcp6_msg_name(buf[0]), strerror(errno));
		return -1;
	}
	return 0;
}

static void
eng_lease(void *arg, enum dhcp6c_event ev, const struct dhcp6c_lease *l)
{
	struct dhcp6c_io *io = arg;

	if (io->fn != NULL)
		io->fn(io->arg, io->ifname, ev, l);
}

static void
on_read(int fd, uint32_t events, void *arg)
{
	struct dhcp6c_io *io = arg;
	uint8_t buf[RX_MAX];
	struct sockaddr_in6 src;
	struct in6_addr dst;
	ssize_t n;

	(void)events;
	for (int i = 0; i < RX_BURST; i++) {
		if ((n = dhcp6_sock_recv(fd, buf, sizeof(buf), &src,
		    &dst)) == 0)
			break;
		if (n < 0) {
			io->st.rx_errors++;
			log_warn("dhcp6c %s: recvmsg", io->ifname);
			break;
		}
		/* Servers and relays answer from port 547 (RFC 8415 7.2). */
		if ((size_t)n > sizeof(buf) ||
		    ntohs(src.sin6_port) != DHCP6_SERVER_PORT) {
			io->st.rx_bad_source++;
			continue;
		}
		if (io->trace != NULL)
			io->trace(io->trace_arg, io->ifname, false, buf,
			    (size_t)n);
		dhcp6c_input(io->eng, buf, (size_t)n,
		    evloop_now_ms(io->loop));
	}
	arm(io);
}

struct dhcp6c_io *
dhcp6c_io_open(struct evloop *loop, const struct dhcp6c_cfg *cfg,
    uint64_t seed, dhcp6c_io_fn fn, void *arg)
{
	static const struct dhcp6c_ops ops = { eng_send, eng_lease };
	struct dhcp6c_io *io;
	struct dhcp6c_cfg c = *cfg;
	char err[256];

	if ((io = calloc(1, sizeof(*io))) == NULL) {
		log_warn("dhcp6c");
		return NULL;
	}
	io->loop = loop;
	io->fd = -1;
	io->fn = fn;
	io->arg = arg;
	snprintf(io->ifname, sizeof(io->ifname), "%s", cfg->ifname);
	timer_init(&io->timer, on_timer, io);
	if ((io->ifindex = if_nametoindex(io->ifname)) == 0) {
		log_warn("dhcp6c: interface %s", io->ifname);
		goto err;
	}
	if (c.duid.len == 0 && dhcp6_duid_from_if(io->ifname, &c.duid) == -1) {
		log_warnx("dhcp6c %s: no link-layer address for a DUID; set "
		    "duid in the dhcp6 section", io->ifname);
		goto err;
	}
	if (c.iaid == 0)
		c.iaid = io->ifindex;
	if ((io->eng = dhcp6c_new(&c, &ops, io, seed)) == NULL) {
		log_warn("dhcp6c %s: engine", io->ifname);
		goto err;
	}
	if ((io->fd = dhcp6_sock_open(io->ifname, io->ifindex,
	    DHCP6_CLIENT_PORT, false, err, sizeof(err))) == -1) {
		log_warnx("dhcp6c: %s", err);
		goto err;
	}
	if (evloop_add_fd(loop, io->fd, EPOLLIN, on_read, io) == -1) {
		log_warn("dhcp6c %s: event loop", io->ifname);
		goto err;
	}
	dhcp6c_start(io->eng, evloop_now_ms(loop));
	arm(io);
	return io;
err:
	if (io->fd != -1)
		close(io->fd);
	dhcp6c_free(io->eng);
	free(io);
	return NULL;
}

void
dhcp6c_io_close(struct dhcp6c_io *io)
{
	if (io == NULL)
		return;
	evloop_timer_cancel(io->loop, &io->timer);
	evloop_del_fd(io->loop, io->fd);
	close(io->fd);
	dhcp6c_free(io->eng);
	free(io);
}

void
dhcp6c_io_link_changed(struct dhcp6c_io *io)
{
	dhcp6c_link_changed(io->eng, evloop_now_ms(io->loop));
	arm(io);
}

void
dhcp6c_io_release(struct dhcp6c_io *io)
{
	dhcp6c_release(io->eng, evloop_now_ms(io->loop));
	arm(io);
}

bool
dhcp6c_io_releasing(const struct dhcp6c_io *io)
{
	return dhcp6c_state(io->eng) == DHCP6C_RELEASE;
}

void
dhcp6c_io_set_trace(struct dhcp6c_io *io, dhcp6c_trace_fn fn, void *arg)
{
	io->trace = fn;
	io->trace_arg = arg;
}

struct dhcp6c *
dhcp6c_io_engine(struct dhcp6c_io *io)
{
	return io->eng;
}

const struct dhcp6c_io_stats *
dhcp6c_io_stats(const struct dhcp6c_io *io)
{
	return &io->st;
}

/* ---- the set ---------------------------------------------------------- */

struct dhcp6c_set *
dhcp6c_set_open(struct evloop *loop, const struct conf_dhcp6c *c,
    dhcp6c_io_fn fn, void *arg)
{
	struct dhcp6c_set *s;
	struct dhcp6_duid duid = c->duid;
	struct dhcp6c_cfg cfg;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->io = calloc(c->ninterfaces ? c->ninterfaces : 1,
	    sizeof(*s->io))) == NULL) {
		free(s);
		return NULL;
	}
	/* One DUID for the node (RFC 8415 11). */
	for (size_t i = 0; i < c->ninterfaces && duid.len == 0; i++)
		dhcp6_duid_from_if(c->interfaces[i], &duid);
	for (size_t i = 0; i < c->ninterfaces; i++) {
		dhcp6c_cfg_from_conf(c, c->interfaces[i], &cfg);
		cfg.duid = duid;
		/* Different streams per interface, same node. */
		if ((s->io[s->n] = dhcp6c_io_open(loop, &cfg,
		    evloop_clock_ms() ^ ((uint64_t)getpid() << 32) ^ i, fn,
		    arg)) != NULL)
			s->n++;
	}
	return s;
}

struct dhcp6c_io *
dhcp6c_set_get(struct dhcp6c_set *s, const char *ifname)
{
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->io[i]->ifname, ifname) == 0)
			return s->io[i];
	return NULL;
}

void
dhcp6c_set_link_changed(struct dhcp6c_set *s, const char *ifname)
{
	struct dhcp6c_io *io = dhcp6c_set_get(s, ifname);

	if (io != NULL)
		dhcp6c_io_link_changed(io);
}

void
dhcp6c_set_release(struct dhcp6c_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		dhcp6c_io_release(s->io[i]);
}

bool
dhcp6c_set_releasing(const struct dhcp6c_set *s)
{
	if (s == NULL)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (dhcp6c_io_releasing(s->io[i]))
			return true;
	return false;
}

void
dhcp6c_set_close(struct dhcp6c_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		dhcp6c_io_close(s->io[i]);
	free(s->io);
	free(s);
}
