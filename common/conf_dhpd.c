/*
 * conf_dhpd.c: dhpd.conf, a Distributed Home Proxy's configuration
 * (dmip6.conf(5)): its DHoA pools, lease and binding timers (C.2, F.10),
 * the continuity types it anchors (B.11.4), and the MNs it trusts (F.5).
 */
#define DMIP_CONF_INTERNAL
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_dhcp6.h"

#define DHPD_MAX_LEASES_DEFAULT	1000000

static cfg_opt_t sa_opts[] = { CONF_SA_OPTS, CFG_END() };

static cfg_opt_t mn_opts[] = {
	CFG_STR("home_address", NULL, CFGF_NODEFAULT),
	CFG_INT("spi", 0, CFGF_NODEFAULT),
	CFG_END()
};

static cfg_opt_t dhpd_opts[] = {
	CONF_COMMON_OPTS("dhpd.sock", sa_opts),
	CFG_STR("address", NULL, CFGF_NODEFAULT),
	CFG_STR("interface", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("pools", NULL, CFGF_NODEFAULT),
	CFG_INT("lease_lifetime", DHOA_LEASE_DEFAULT_S, CFGF_NONE),
	CFG_INT("binding_lifetime", DHP_BINDING_LIFETIME_DEFAULT_S, CFGF_NONE),
	CFG_INT("quarantine", DHOA_QUARANTINE_S, CFGF_NONE),
	CFG_INT("max_leases", DHPD_MAX_LEASES_DEFAULT, CFGF_NONE),
	CFG_STR_LIST("continuity_types",
	    "{\"session-lasting\", \"graceful-replacement\"}", CFGF_NONE),
	CFG_SEC("mobile_node", mn_opts,
	    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CONF_DHCP6S_SEC,
	CFG_END()
};

/* Pools must not overlap (one DHoA, one owner), and must not hold the
 * DHP's own address (it would be leased out). */
static void
check_pools(struct conf_ctx *ctx, const struct dhpd_conf *c, bool addr_ok)
{
	char a[INET6_ADDRSTRLEN + 8], b[INET6_ADDRSTRLEN + 8];

	for (size_t i = 0; i < c->npools; i++) {
		for (size_t j = 0; j < i; j++)
			if (conf_prefix_overlap(&c->pools[i], &c->pools[j]))
				conf_err(ctx, ctx->cfg, "pools", "pools: %s "
				    "overlaps %s",
				    conf_prefix_str(&c->pools[i], a, sizeof(a)),
				    conf_prefix_str(&c->pools[j], b,
				    sizeof(b)));
		if (addr_ok && conf_prefix_contains(&c->pools[i], &c->address))
			conf_err(ctx, ctx->cfg, "address", "address %s lies "
			    "inside pool %s, which would lease it out",
			    cfg_getstr(ctx->cfg, "address"),
			    conf_prefix_str(&c->pools[i], a, sizeof(a)));
	}
}

/* A DHP anchors DHoAs: session-lasting, or graceful-replacement for a
 * DHP co-located with an AR (E.0). Fixed is the HA's (the HoA). */
static void
load_continuity(struct conf_ctx *ctx, struct dhpd_conf *c)
{
	unsigned n = cfg_size(ctx->cfg, "continuity_types");
	int t;

	if (n == 0)
		conf_err(ctx, ctx->cfg, "continuity_types", "continuity_types:"
		    " at least one type is required");
	for (unsigned i = 0; i < n; i++) {
		const char *s = cfg_getnstr(ctx->cfg, "continuity_types", i);

		if (conf_parse_enum(conf_cont_types, s, &t) == -1 ||
		    (t != CONT_SESSION_LASTING && t != CONT_GRACEFUL))
			conf_err(ctx, ctx->cfg, "continuity_types",
			    "continuity_types: \"%s\" is not a type a DHP "
			    "anchors (\"session-lasting\" or "
			    "\"graceful-replacement\")", s);
		else if (c->continuity[t])
			conf_err(ctx, ctx->cfg, "continuity_types",
			    "continuity_types: \"%s\" is listed twice", s);
		else
			c->continuity[t] = true;
	}
}

static int
load_mn(struct conf_ctx *ctx, cfg_t *sec, const struct dhpd_conf *c,
    struct dhpd_mn *m)
{
	int rc;

	rc = conf_get_title(ctx, sec, m->name);
	rc |= conf_get_addr(ctx, sec, "home_address", &m->home_address);
	rc |= conf_get_spi_ref(ctx, sec, "spi", &m->spi);
	for (size_t i = 0; rc == 0 && i < c->nmns; i++) {
		if (IN6_ARE_ADDR_EQUAL(&c->mns[i].home_address,
		    &m->home_address)) {
			conf_err(ctx, sec, "home_address", "mobile_node %s: "
			    "home_address %s is also mobile_node %s's",
			    m->name, cfg_getstr(sec, "home_address"),
			    c->mns[i].name);
			rc = -1;
		} else if (c->mns[i].spi == m->spi) {
			conf_err(ctx, sec, "spi", "mobile_node %s: spi %u is "
			    "also mobile_node %s's; each MN needs its own SA",
			    m->name, m->spi, c->mns[i].name);
			rc = -1;
		}
	}
	return rc;
}

static void
load_mns(struct conf_ctx *ctx, struct dhpd_conf *c)
{
	unsigned n = cfg_size(ctx->cfg, "mobile_node");

	if (n == 0 || (c->mns = calloc(n, sizeof(*c->mns))) == NULL)
		return;
	for (unsigned i = 0; i < n; i++)
		if (load_mn(ctx, cfg_getnsec(ctx->cfg, "mobile_node", i), c,
		    &c->mns[c->nmns]) == 0)
			c->nmns++;
}

int
dhpd_conf_load(const char *path, struct dhpd_conf *c)
{
	struct conf_ctx ctx;
	int addr_ok, nerr;

	memset(c, 0, sizeof(*c));
	if (conf_open(&ctx, path, dhpd_opts) == 0) {
		cfg_t *cfg = ctx.cfg;

		conf_common_load(&ctx, &c->common);
		addr_ok = conf_get_addr(&ctx, cfg, "address", &c->address) == 0;
		conf_get_ifname(&ctx, cfg, "interface", c->interface);
		if (conf_get_prefix_list(&ctx, cfg, "pools", &c->pools,
		    &c->npools) == 0)
			check_pools(&ctx, c, addr_ok);
		conf_get_lifetime(&ctx, cfg, "lease_lifetime",
		    &c->lease_lifetime, &c->lease_lifetime_asked);
		conf_get_lifetime(&ctx, cfg, "binding_lifetime",
		    &c->binding_lifetime, &c->binding_lifetime_asked);
		conf_get_uint(&ctx, cfg, "quarantine", 0, 86400,
		    &c->quarantine);
		conf_get_uint(&ctx, cfg, "max_leases", 1, 100000000,
		    &c->max_leases);
		load_continuity(&ctx, c);
		load_mns(&ctx, c);
		conf_dhcp6s_load(&ctx, c->pools, c->npools,
		    addr_ok ? &c->address : NULL, &c->dhcp6);
	} else
		ctx.nerr++;
	nerr = ctx.nerr;
	conf_close(&ctx);
	if (nerr == 0)
		return 0;
	dhpd_conf_free(c);
	return -1;
}

void
dhpd_conf_print(FILE *fp, const struct dhpd_conf *c)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *sep = "";

	conf_common_print(fp, &c->common);
	fputc('\n', fp);
	conf_print_addr(fp, "", "address", &c->address);
	conf_print_str(fp, "", "interface", c->interface);
	fputs("pools = {", fp);
	for (size_t i = 0; i < c->npools; i++)
		fprintf(fp, "%s\"%s\"", i ? ", " : "",
		    conf_prefix_str(&c->pools[i], buf, sizeof(buf)));
	fputs("}\n", fp);
	conf_print_lifetime(fp, "lease_lifetime", c->lease_lifetime,
	    c->lease_lifetime_asked);
	conf_print_lifetime(fp, "binding_lifetime", c->binding_lifetime,
	    c->binding_lifetime_asked);
	fprintf(fp, "quarantine = %u\nmax_leases = %u\n", c->quarantine,
	    c->max_leases);
	fputs("continuity_types = {", fp);
	for (int t = 0; t <= CONT_MAX; t++)
		if (c->continuity[t]) {
			fprintf(fp, "%s\"%s\"", sep, conf_cont_name((uint8_t)t));
			sep = ", ";
		}
	fputs("}\n", fp);
	for (size_t i = 0; i < c->nmns; i++) {
		fprintf(fp, "\nmobile_node %s {\n", c->mns[i].name);
		conf_print_addr(fp, "\t", "home_address",
		    &c->mns[i].home_address);
		fprintf(fp, "\tspi = %u\n}\n", c->mns[i].spi);
	}
	conf_dhcp6s_print(fp, c->dhcp6);
}

void
dhpd_conf_free(struct dhpd_conf *c)
{
	conf_common_free(&c->common);
	free(c->pools);
	free(c->mns);
	conf_dhcp6s_free(c->dhcp6);
	memset(c, 0, sizeof(*c));
}
