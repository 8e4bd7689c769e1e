/*
 * had.c: the dmip6 home agent daemon.
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
had_load(const char *path, void *conf)
{
	return had_conf_load(path, conf);
}

static void
had_print(FILE *f, const void *conf)
{
	had_conf_print(f, conf);
}

static void
had_free(void *conf)
{
	had_conf_free(conf);
}

static const struct in6_addr *
had_bind_addr(const void *conf)
{
	return &((const struct had_conf *)conf)->address;
}

static void
had_on_mh(struct daemon *d, const struct mh_msg *m, const uint8_t *buf,
    size_t len, const struct mh_rxinfo *ri)
{
	char src[INET6_ADDRSTRLEN];

	(void)d;
	(void)buf;
	inet_ntop(AF_INET6, &ri->src, src, sizeof(src));
	log_info("%s from %s (%zu bytes): no handler in this release",
	    mh_type_name(m->type), src, len);
}

static const struct daemon_def had_def = {
	.name = "had",
	.default_conf = HAD_CONF_DEFAULT,
	.conf_size = sizeof(struct had_conf),
	.load = had_load,
	.print = had_print,
	.free = had_free,
	.bind_addr = had_bind_addr,
	.on_mh = had_on_mh,
};

int
main(int argc, char **argv)
{
	struct daemon d;

	daemon_start(&d, &had_def, argc, argv);
	return daemon_run(&d);
}
