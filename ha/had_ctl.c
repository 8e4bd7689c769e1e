/*
 * had_ctl.c: had's dmipctl(8) commands (see had_ctl.h). Read-only views
 * of the engine; the JSON field names are the table columns.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>

#include "bcache.h"
#include "conf.h"
#include "ctlsock.h"
#include "evloop.h"
#include "had_ctl.h"
#include "ha_engine.h"
#include "log.h"

struct bind_rows {
	struct ctl_out	*o;
	uint64_t	 now;
};

static void
binding_row(struct bce *e, void *arg)
{
	struct bind_rows *r = arg;
	uint64_t exp = bce_expiry(e);

	ctl_row(r->o, ctl_in6(r->o, &e->hoa), ctl_in6(r->o, &e->coa),
	    bce_state_name(e->state), ctl_fmt(r->o, "%u", e->seq),
	    ctl_fmt(r->o, "%u", e->lifetime * 4u),
	    exp == BCACHE_NO_EXPIRY ? NULL : ctl_fmt(r->o, "%" PRIu64,
	    exp > r->now ? (exp - r->now) / 1000 : 0),
	    ctl_fmt(r->o, "%u", e->spi));
}

static int
show_bindings(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct had_ctl *hc = arg;
	struct bind_rows r = { o, evloop_now_ms(hc->loop) };

	(void)argv;
	if (argc != 0)
		return ctl_error(o, "usage: show bindings");
	ctl_table(o, "bindings", "hoa", "coa", "state", "seq:n",
	    "lifetime:n", "expires_in:n", "spi:n");
	bcache_foreach(ha_engine_bcache(hc->eng), binding_row, &r);
	return 0;
}

/* The DHP directory as configured (F.4). */
static int
show_dhps(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct had_ctl *hc = arg;
	const struct had_conf *c = *hc->conf;
	char buf[512];

	(void)argv;
	if (argc != 0)
		return ctl_error(o, "usage: show dhps");
	ctl_table(o, "dhps", "name", "address", "preference:n", "metric:n",
	    "colocated:b", "serves");
	for (size_t i = 0; i < c->ndhps; i++) {
		const struct had_dhp *p = &c->dhps[i];
		size_t off = 0;

		buf[0] = '\0';
		for (size_t j = 0; j < p->nserves && off < sizeof(buf); j++) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, &p->serves[j].addr, a, sizeof(a));
			off += (size_t)snprintf(buf + off, sizeof(buf) - off,
			    "%s%s/%u", j ? "," : "", a, p->serves[j].len);
		}
		ctl_row(o, p->name, ctl_in6(o, &p->address),
		    ctl_fmt(o, "%u", p->preference),
		    ctl_fmt(o, "%u", p->metric), p->colocated ? "yes" : "no",
		    buf);
	}
	return 0;
}

int
had_ctl_register(struct ctlsock *cs, struct had_ctl *hc)
{
	if (ctlsock_register(cs, "show bindings", 0, show_bindings, hc) ==
	    -1 || ctlsock_register(cs, "show dhps", 0, show_dhps, hc) == -1) {
		log_warn("had: control commands");
		return -1;
	}
	return 0;
}

void
had_ctl_stats(const struct had_ctl *hc, struct ctl_out *o)
{
	const struct ha_stats *s = ha_engine_stats(hc->eng);

	ctl_kv(o, "bindings:n", "%zu", bcache_count(ha_engine_bcache(hc->eng)));
	ctl_kv(o, "rx_bu:n", "%" PRIu64, s->rx_bu);
	ctl_kv(o, "rx_dhp_query:n", "%" PRIu64, s->rx_dhp_query);
	ctl_kv(o, "rx_other:n", "%" PRIu64, s->rx_other);
	ctl_kv(o, "drop_no_hoa:n", "%" PRIu64, s->drop_no_hoa);
	ctl_kv(o, "drop_no_auth:n", "%" PRIu64, s->drop_no_auth);
	ctl_kv(o, "drop_unknown_spi:n", "%" PRIu64, s->drop_unknown_spi);
	ctl_kv(o, "bind_added:n", "%" PRIu64, s->bind_added);
	ctl_kv(o, "bind_moved:n", "%" PRIu64, s->bind_moved);
	ctl_kv(o, "bind_refreshed:n", "%" PRIu64, s->bind_refreshed);
	ctl_kv(o, "bind_deleted:n", "%" PRIu64, s->bind_deleted);
	ctl_kv(o, "bind_expired:n", "%" PRIu64, s->bind_expired);
	ctl_kv(o, "dad_started:n", "%" PRIu64, s->dad_started);
	ctl_kv(o, "dad_failed:n", "%" PRIu64, s->dad_failed);
	/* Rejections by status (C.3): the ones a forged or replayed BU gets. */
	ctl_kv(o, "bu_status_135:n", "%" PRIu64, s->bu_status[135]);
	ctl_kv(o, "bu_status_144:n", "%" PRIu64, s->bu_status[144]);
	ctl_kv(o, "bu_status_145:n", "%" PRIu64, s->bu_status[145]);
	ctl_kv(o, "bu_status_146:n", "%" PRIu64, s->bu_status[146]);
}
