/*
 * conf_had.c: had.conf, the home agent's configuration (dmip6.conf(5)):
 * the home link, the mobile nodes it serves with their SAs (B.8), and the
 * DHP directory it answers DHP Queries from (F.4).
 */
#define DMIP_CONF_INTERNAL
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define HAD_DHP_PREF_DEFAULT	100
#define HAD_DHP_METRIC_UNKNOWN	0xffff	/* B.11.3: metric unknown */
#define NAI_MAX			255	/* RFC 4283 3 / RFC 7542 */

static cfg_opt_t sa_opts[] = { CONF_SA_OPTS, CFG_END() };

static cfg_opt_t mn_opts[] = {
	CFG_STR("home_address", NULL, CFGF_NODEFAULT),
	CFG_INT("spi", 0, CFGF_NODEFAULT),
	CFG_STR("nai", NULL, CFGF_NODEFAULT),
	CFG_END()
};

static cfg_opt_t dhp_opts[] = {
	CFG_STR("address", NULL, CFGF_NODEFAULT),
	CFG_INT("preference", HAD_DHP_PREF_DEFAULT, CFGF_NONE),
	CFG_INT("metric", HAD_DHP_METRIC_UNKNOWN, CFGF_NONE),
	CFG_STR_LIST("serves", NULL, CFGF_NODEFAULT),
	CFG_BOOL("colocated", cfg_false, CFGF_NONE),
	CFG_END()
};

#define SECF	(CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES)

static cfg_opt_t had_opts[] = {
	CONF_COMMON_OPTS("had.sock", sa_opts),
	CFG_STR("address", NULL, CFGF_NODEFAULT),
	CFG_STR("home_prefix", NULL, CFGF_NODEFAULT),
	CFG_STR("home_interface", NULL, CFGF_NODEFAULT),
	CFG_INT("max_lifetime", HA_LIFETIME_DEFAULT_S, CFGF_NONE),
	CFG_BOOL("skip_dad", cfg_false, CFGF_NONE),
	CFG_INT("validity", DHP_CACHE_VALIDITY_DEFAULT_S, CFGF_NONE),
	CFG_SEC("mobile_node", mn_opts, SECF),
	CFG_SEC("dhp", dhp_opts, SECF),
	CFG_END()
};

static int
load_nai(struct conf_ctx *ctx, cfg_t *sec, struct had_mn *m)
{
	const char *s;

	if (!conf_isset(sec, "nai"))
		return 0;
	s = cfg_getstr(sec, "nai");
	for (const char *p = s; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p) || *p == '"' || *p == '\\') {
			s = NULL;
			break;
		}
	if (s == NULL || s[0] == '\0' || strlen(s) > NAI_MAX) {
		conf_err(ctx, sec, "nai", "mobile_node %s: nai must be 1..%d "
		    "printable characters without spaces or quotes", m->name,
		    NAI_MAX);
		return -1;
	}
	return (m->nai = strdup(s)) == NULL ? -1 : 0;
}

/* HoA in the home prefix, not the HA's, and HoA and SPI unique. */
static int
load_mn(struct conf_ctx *ctx, cfg_t *sec, const struct had_conf *c,
    bool home_ok, struct had_mn *m)
{
	char buf[INET6_ADDRSTRLEN + 8];
	int rc, hoa;

	rc = conf_get_title(ctx, sec, m->name);
	hoa = conf_get_addr(ctx, sec, "home_address", &m->home_address);
	rc |= hoa | conf_get_spi_ref(ctx, sec, "spi", &m->spi);
	rc |= load_nai(ctx, sec, m);
	if (hoa == 0 && home_ok &&
	    !conf_prefix_contains(&c->home_prefix, &m->home_address)) {
		conf_err(ctx, sec, "home_address", "mobile_node %s: "
		    "home_address %s is outside home_prefix %s", m->name,
		    cfg_getstr(sec, "home_address"),
		    conf_prefix_str(&c->home_prefix, buf, sizeof(buf)));
		rc = -1;
	}
	if (hoa == 0 && IN6_ARE_ADDR_EQUAL(&m->home_address, &c->address)) {
		conf_err(ctx, sec, "home_address", "mobile_node %s: "
		    "home_address is the home agent's address", m->name);
		rc = -1;
	}
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

static int
load_dhp(struct conf_ctx *ctx, cfg_t *sec, const struct had_conf *c,
    struct had_dhp *d)
{
	unsigned u = 0;
	int rc;

	rc = conf_get_title(ctx, sec, d->name);
	rc |= conf_get_addr(ctx, sec, "address", &d->address);
	/* B.11.3 DHP Candidate: Preference(8), Metric(16). */
	rc |= conf_get_uint(ctx, sec, "preference", 0, 255, &u);
	d->preference = (uint8_t)u;
	rc |= conf_get_uint(ctx, sec, "metric", 0, 65535, &u);
	d->metric = (uint16_t)u;
	rc |= conf_get_prefix_list(ctx, sec, "serves", &d->serves,
	    &d->nserves);
	d->colocated = cfg_getbool(sec, "colocated");
	for (size_t i = 0; rc == 0 && i < c->ndhps; i++)
		if (IN6_ARE_ADDR_EQUAL(&c->dhps[i].address, &d->address)) {
			conf_err(ctx, sec, "address", "dhp %s: same address as"
			    " dhp %s", d->name, c->dhps[i].name);
			rc = -1;
		}
	if (rc != 0) {
		free(d->serves);
		memset(d, 0, sizeof(*d));
	}
	return rc;
}

static void
load_sections(struct conf_ctx *ctx, struct had_conf *c, bool home_ok)
{
	unsigned nm = cfg_size(ctx->cfg, "mobile_node");
	unsigned nd = cfg_size(ctx->cfg, "dhp");

	if (nm > 0 && (c->mns = calloc(nm, sizeof(*c->mns))) == NULL)
		return;
	for (unsigned i = 0; i < nm; i++) {
		struct had_mn *m = &c->mns[c->nmns];

		if (load_mn(ctx, cfg_getnsec(ctx->cfg, "mobile_node", i), c,
		    home_ok, m) == 0)
			c->nmns++;
		else {
			free(m->nai);
			memset(m, 0, sizeof(*m));
		}
	}
	if (nd > 0 && (c->dhps = calloc(nd, sizeof(*c->dhps))) == NULL)
		return;
	for (unsigned i = 0; i < nd; i++)
		if (load_dhp(ctx, cfg_getnsec(ctx->cfg, "dhp", i), c,
		    &c->dhps[c->ndhps]) == 0)
			c->ndhps++;
}

int
had_conf_load(const char *path, struct had_conf *c)
{
	struct conf_ctx ctx;
	int home_ok, nerr;

	memset(c, 0, sizeof(*c));
	if (conf_open(&ctx, path, had_opts) == 0) {
		cfg_t *cfg = ctx.cfg;

		conf_common_load(&ctx, &c->common);
		conf_get_addr(&ctx, cfg, "address", &c->address);
		home_ok = conf_get_prefix(&ctx, cfg, "home_prefix",
		    &c->home_prefix) == 0;
		conf_get_ifname(&ctx, cfg, "home_interface", c->home_interface);
		conf_get_lifetime(&ctx, cfg, "max_lifetime", &c->max_lifetime,
		    &c->max_lifetime_asked);
		c->skip_dad = cfg_getbool(cfg, "skip_dad");
		conf_get_lifetime(&ctx, cfg, "validity", &c->validity,
		    &c->validity_asked);
		load_sections(&ctx, c, home_ok);
	} else
		ctx.nerr++;
	nerr = ctx.nerr;
	conf_close(&ctx);
	if (nerr == 0)
		return 0;
	had_conf_free(c);
	return -1;
}

void
had_conf_print(FILE *fp, const struct had_conf *c)
{
	char buf[INET6_ADDRSTRLEN + 8];

	conf_common_print(fp, &c->common);
	fputc('\n', fp);
	conf_print_addr(fp, "", "address", &c->address);
	conf_print_prefix(fp, "", "home_prefix", &c->home_prefix);
	conf_print_str(fp, "", "home_interface", c->home_interface);
	conf_print_lifetime(fp, "max_lifetime", c->max_lifetime,
	    c->max_lifetime_asked);
	fprintf(fp, "skip_dad = %s\n", c->skip_dad ? "true" : "false");
	conf_print_lifetime(fp, "validity", c->validity, c->validity_asked);
	for (size_t i = 0; i < c->nmns; i++) {
		const struct had_mn *m = &c->mns[i];

		fprintf(fp, "\nmobile_node %s {\n", m->name);
		conf_print_addr(fp, "\t", "home_address", &m->home_address);
		fprintf(fp, "\tspi = %u\n", m->spi);
		if (m->nai != NULL)
			conf_print_str(fp, "\t", "nai", m->nai);
		fputs("}\n", fp);
	}
	for (size_t i = 0; i < c->ndhps; i++) {
		const struct had_dhp *d = &c->dhps[i];

		fprintf(fp, "\ndhp %s {\n", d->name);
		conf_print_addr(fp, "\t", "address", &d->address);
		fprintf(fp, "\tpreference = %u\n\tmetric = %u\n",
		    d->preference, d->metric);
		fputs("\tserves = {", fp);
		for (size_t j = 0; j < d->nserves; j++)
			fprintf(fp, "%s\"%s\"", j ? ", " : "",
			    conf_prefix_str(&d->serves[j], buf, sizeof(buf)));
		fprintf(fp, "}\n\tcolocated = %s\n}\n", d->colocated ? "true" :
		    "false");
	}
}

void
had_conf_free(struct had_conf *c)
{
	conf_common_free(&c->common);
	for (size_t i = 0; i < c->nmns; i++)
		free(c->mns[i].nai);
	free(c->mns);
	for (size_t i = 0; i < c->ndhps; i++)
		free(c->dhps[i].serves);
	free(c->dhps);
	memset(c, 0, sizeof(*c));
}
