/*
 * mnd.c: the dmip6 mobile node daemon.
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
mnd_load(const char *path, void *conf)
{
	return mnd_conf_load(path, conf);
}

static void
mnd_print(FILE *f, const void *conf)
{
	mnd_conf_print(f, conf);
}

static void
mnd_free(void *conf)
{
	mnd_conf_free(conf);
}

static const struct in6_addr *
mnd_bind_addr(const void *conf)
{
	(void)conf;
	return NULL;	/* the CoA changes; receive on any address */
}

static void
mnd_on_mh(struct daemon *d, const struct mh_msg *m, const uint8_t *buf,
    size_t len, const struct mh_rxinfo *ri)
{
	char src[INET6_ADDRSTRLEN];

	(void)d;
	(void)buf;
	inet_ntop(AF_INET6, &ri->src, src, sizeof(src));
	log_info("%s from %s (%zu bytes): no handler in this release",
	    mh_type_name(m->type), src, len);
}

static const struct daemon_def mnd_def = {
	.name = "mnd",
	.default_conf = MND_CONF_DEFAULT,
	.conf_size = sizeof(struct mnd_conf),
	.load = mnd_load,
	.print = mnd_print,
	.free = mnd_free,
	.bind_addr = mnd_bind_addr,
	.on_mh = mnd_on_mh,
};

int
main(int argc, char **argv)
{
	struct daemon d;

	daemon_start(&d, &mnd_def, argc, argv);
	return daemon_run(&d);
}
