/*
 * dhpd.c: the dmip6 Distributed Home Proxy daemon.
 *
 * This release loads and validates the configuration, opens the
 * signalling socket and runs the event loop; every Mobility Header
 * received is parsed and logged. The protocol engine is added on top of
 * this skeleton by the next issues.
 */
#include <arpa/inet.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"

static int
dhpd_load(const char *path, void *conf)
{
	return dhpd_conf_load(path, conf);
}

static void
dhpd_print(FILE *f, const void *conf)
{
	dhpd_conf_print(f, conf);
}

static void
dhpd_free(void *conf)
{
	dhpd_conf_free(conf);
}

static const struct in6_addr *
dhpd_bind_addr(const void *conf)
{
	return &((const struct dhpd_conf *)conf)->address;
}

static void
dhpd_on_mh(struct daemon *d, const struct mh_msg *m, const uint8_t *buf,
    size_t len, const struct mh_rxinfo *ri)
{
	char src[INET6_ADDRSTRLEN];

	(void)d;
	(void)buf;
	inet_ntop(AF_INET6, &ri->src, src, sizeof(src));
	log_info("%s from %s (%zu bytes): no handler in this release",
	    mh_type_name(m->type), src, len);
}

static const struct daemon_def dhpd_def = {
	.name = "dhpd",
	.default_conf = DHPD_CONF_DEFAULT,
	.conf_size = sizeof(struct dhpd_conf),
	.load = dhpd_load,
	.print = dhpd_print,
	.free = dhpd_free,
	.bind_addr = dhpd_bind_addr,
	.on_mh = dhpd_on_mh,
};

int
main(int argc, char **argv)
{
	struct daemon d;

	daemon_start(&d, &dhpd_def, argc, argv);
	return daemon_run(&d);
}
