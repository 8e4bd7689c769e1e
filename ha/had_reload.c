/*
 * had_reload.c: settings a SIGHUP cannot change in a running had
 * (had_reload.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "had_reload.h"

typedef void (*render_fn)(FILE *, const struct had_conf *);

static void
put_addr(FILE *f, const struct in6_addr *a)
{
	char s[INET6_ADDRSTRLEN];

	fprintf(f, "%s", inet_ntop(AF_INET6, a, s, sizeof(s)));
}

static void
put_prefix(FILE *f, const struct conf_prefix *p)
{
	put_addr(f, &p->addr);
	fprintf(f, "/%u", p->len);
}

static void
r_address(FILE *f, const struct had_conf *c)
{
	put_addr(f, &c->address);
}

static void
r_home_prefix(FILE *f, const struct had_conf *c)
{
	put_prefix(f, &c->home_prefix);
}

static void
r_home_interface(FILE *f, const struct had_conf *c)
{
	fprintf(f, "%s", c->home_interface);
}

static void
r_backend(FILE *f, const struct had_conf *c)
{
	fprintf(f, "%s", conf_backend_name(c->common.backend));
}

static void
r_transport(FILE *f, const struct had_conf *c)
{
	fprintf(f, "%s", conf_transport_name(c->common.transport));
}

/* Only the UDP transport uses the port. */
static void
r_udp_port(FILE *f, const struct had_conf *c)
{
	if (c->common.transport == CONF_TRANSPORT_UDP)
		fprintf(f, "%u", c->common.udp_port);
}

static void
r_replay(FILE *f, const struct had_conf *c)
{
	fprintf(f, "%d", (int)c->common.replay);
}

static void
r_window(FILE *f, const struct had_conf *c)
{
	fprintf(f, "%u", c->common.timestamp_window);
}

static void
r_max_lifetime(FILE *f, const struct had_conf *c)
{
	fprintf(f, "%u", c->max_lifetime);
}

static void
r_skip_dad(FILE *f, const struct had_conf *c)
{
	fprintf(f, "%d", c->skip_dad);
}

static void
r_validity(FILE *f, const struct had_conf *c)
{
	fprintf(f, "%u", c->validity);
}

static void
r_mns(FILE *f, const struct had_conf *c)
{
	for (size_t i = 0; i < c->nmns; i++) {
		fprintf(f, "%s ", c->mns[i].name);
		put_addr(f, &c->mns[i].home_address);
		fprintf(f, " %u %s\n", c->mns[i].spi,
		    c->mns[i].nai != NULL ? c->mns[i].nai : "-");
	}
}

static void
r_dhps(FILE *f, const struct had_conf *c)
{
	for (size_t i = 0; i < c->ndhps; i++) {
		const struct had_dhp *d = &c->dhps[i];

		fprintf(f, "%s ", d->name);
		put_addr(f, &d->address);
		fprintf(f, " %u %u %d", d->preference, d->metric,
		    d->colocated);
		for (size_t j = 0; j < d->nserves; j++) {
			fputc(' ', f);
			put_prefix(f, &d->serves[j]);
		}
		fputc('\n', f);
	}
}

static const struct {
	const char	*name;
	render_fn	 fn;
} settings[] = {
	{ "address", r_address },
	{ "home_prefix", r_home_prefix },
	{ "home_interface", r_home_interface },
	{ "backend", r_backend },
	{ "transport", r_transport },
	{ "udp_port", r_udp_port },
	{ "replay", r_replay },
	{ "timestamp_window", r_window },
	{ "max_lifetime", r_max_lifetime },
	{ "skip_dad", r_skip_dad },
	{ "validity", r_validity },
	{ "mobile_node table", r_mns },
	{ "dhp directory", r_dhps },
};

#define NSETTINGS	(sizeof(settings) / sizeof(settings[0]))

_Static_assert(NSETTINGS + 1 <= HAD_RELOAD_MAX, "HAD_RELOAD_MAX too small");

static char *
render(const struct had_conf *c, size_t i)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&s, &len)) == NULL)
		return NULL;
	settings[i].fn(f, c);
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

int
had_snap_take(struct had_snap *snap, const struct had_conf *c)
{
	memset(snap, 0, sizeof(*snap));
	for (size_t i = 0; i < NSETTINGS; i++)
		if ((snap->text[i] = render(c, i)) == NULL) {
			had_snap_free(snap);
			errno = ENOMEM;
			return -1;
		}
	return 0;
}

void
had_snap_free(struct had_snap *snap)
{
	for (size_t i = 0; i < HAD_RELOAD_MAX; i++)
		free(snap->text[i]);
	memset(snap, 0, sizeof(*snap));
}

/* Same SPIs, algorithms and keys as the table (replay and the window
 * are settings of their own). */
static bool
sas_same(const struct sa_table *sas, const struct conf_common *c)
{
	if (sa_table_count(sas) != c->nsas)
		return false;
	for (size_t i = 0; i < c->nsas; i++) {
		const struct mh_sa *n = &c->sas[i].sa;
		const struct mh_sa *o = sa_table_find(sas, n->spi);

		if (o == NULL || o->alg != n->alg ||
		    o->key_len != n->key_len ||
		    memcmp(o->key, n->key, n->key_len) != 0)
			return false;
	}
	return true;
}

int
had_reload_diff(const struct had_snap *snap, const struct sa_table *sas,
    const struct had_conf *fresh, const char **names, size_t max)
{
	size_t n = 0;
	char *s;

	for (size_t i = 0; i < NSETTINGS; i++) {
		if ((s = render(fresh, i)) == NULL)
			return -1;
		if (snap->text[i] == NULL || strcmp(s, snap->text[i]) != 0) {
			if (n < max)
				names[n] = settings[i].name;
			n++;
		}
		free(s);
	}
	if (!sas_same(sas, &fresh->common)) {
		if (n < max)
			names[n] = "sa table";
		n++;
	}
	return (int)n;
}
