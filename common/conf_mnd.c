/*
 * conf_mnd.c: mnd.conf, the mobile node's configuration (dmip6.conf(5)):
 * its home address and HA (A.3.2), the DHPs it may use with their SAs
 * (F.5), and the flow policy table (E.4, G.2).
 */
#define DMIP_CONF_INTERNAL
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_dhcp6.h"

#define MND_GRACE_DEFAULT_S	60	/* G.4 step 4 */
#define MND_ANCHOR_WAIT_DEFAULT_MS 1000	/* G.3: the first packet waits */
#define MND_MAX_FLOWS_DEFAULT	65536

static cfg_opt_t sa_opts[] = { CONF_SA_OPTS, CFG_END() };

static cfg_opt_t dhp_opts[] = {
	CFG_STR("address", NULL, CFGF_NODEFAULT),
	CFG_INT("spi", 0, CFGF_NODEFAULT),
	CFG_END()
};

static cfg_opt_t policy_opts[] = {
	CFG_STR("proto", "any", CFGF_NONE),
	CFG_STR("sport", NULL, CFGF_NODEFAULT),
	CFG_STR("dport", NULL, CFGF_NODEFAULT),
	CFG_STR("dst", NULL, CFGF_NODEFAULT),
	CFG_INT("uid", 0, CFGF_NODEFAULT),
	CFG_INT("gid", 0, CFGF_NODEFAULT),
	CFG_INT("dscp", 0, CFGF_NODEFAULT),
	CFG_STR("type", NULL, CFGF_NODEFAULT),
	CFG_END()
};

#define SECF	(CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES)

static cfg_opt_t mnd_opts[] = {
	CONF_COMMON_OPTS("mnd.sock", sa_opts),
	CFG_STR("home_address", NULL, CFGF_NODEFAULT),
	CFG_STR("home_prefix", NULL, CFGF_NODEFAULT),
	CFG_STR("home_agent", NULL, CFGF_NODEFAULT),
	CFG_INT("ha_spi", 0, CFGF_NODEFAULT),
	CFG_INT("lifetime", HA_LIFETIME_DEFAULT_S, CFGF_NONE),
	CFG_STR_LIST("interfaces", NULL, CFGF_NODEFAULT),
	CFG_SEC("dhp", dhp_opts, SECF),
	CFG_STR("default_type", "non-persistent", CFGF_NONE),
	CFG_INT("grace_period", MND_GRACE_DEFAULT_S, CFGF_NONE),
	CFG_BOOL("fallback_to_ha", cfg_true, CFGF_NONE),
	CFG_STR("dhp_tie_break", "reuse", CFGF_NONE),
	CFG_BOOL("classify", cfg_true, CFGF_NONE),
	CFG_INT("nfqueue", 0, CFGF_NONE),
	CFG_BOOL("classify_inbound", cfg_true, CFGF_NONE),
	CFG_INT("anchor_wait", MND_ANCHOR_WAIT_DEFAULT_MS, CFGF_NONE),
	CFG_INT("max_flows", MND_MAX_FLOWS_DEFAULT, CFGF_NONE),
	CFG_SEC("policy", policy_opts, SECF),
	CFG_STR_LIST("allow_fixed_groups", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("allow_session_lasting_groups", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("allow_graceful_replacement_groups", NULL,
	    CFGF_NODEFAULT),
	CFG_STR("api_socket", RUNSTATEDIR "/dmip6/mnd-api.sock", CFGF_NONE),
	CONF_DHCP6C_SEC,
	CFG_END()
};

/* The types an address can be asked for ("any" is not one). */
static const struct conf_enum mnd_types[] = {
	{ "fixed", CONT_FIXED },
	{ "session-lasting", CONT_SESSION_LASTING },
	{ "non-persistent", CONT_NON_PERSISTENT },
	{ "graceful-replacement", CONT_GRACEFUL }, { NULL, 0 }
};

/* Order of enum dhpc_tiebreak (mn/dhp_cache.h). */
static const struct conf_enum tie_breaks[] = {
	{ "reuse", 0 }, { "directory", 1 }, { "config", 2 },
	{ "address", 3 }, { NULL, 0 }
};

static const struct conf_enum protos[] = {
	{ "any", 0 }, { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
	{ NULL, 0 }
};

/* Per-type group lists (E.0 security), by CONT_* index. */
static const char *const allow_keys[CONT_MAX + 1] = {
	[CONT_FIXED] = "allow_fixed_groups",
	[CONT_SESSION_LASTING] = "allow_session_lasting_groups",
	[CONT_GRACEFUL] = "allow_graceful_replacement_groups",
};

static void
load_home(struct conf_ctx *ctx, struct mnd_conf *c)
{
	cfg_t *cfg = ctx->cfg;
	int hoa, pfx, ha;
	char buf[INET6_ADDRSTRLEN + 8];

	hoa = conf_get_addr(ctx, cfg, "home_address", &c->home_address);
	pfx = conf_get_prefix(ctx, cfg, "home_prefix", &c->home_prefix);
	ha = conf_get_addr(ctx, cfg, "home_agent", &c->home_agent);
	if (hoa == 0 && pfx == 0 &&
	    !conf_prefix_contains(&c->home_prefix, &c->home_address))
		conf_err(ctx, cfg, "home_address", "home_address %s is outside"
		    " home_prefix %s", cfg_getstr(cfg, "home_address"),
		    conf_prefix_str(&c->home_prefix, buf, sizeof(buf)));
	if (hoa == 0 && ha == 0 && IN6_ARE_ADDR_EQUAL(&c->home_address,
	    &c->home_agent))
		conf_err(ctx, cfg, "home_agent", "home_agent is the "
		    "home_address");
	conf_get_spi_ref(ctx, cfg, "ha_spi", &c->ha_spi);
	conf_get_lifetime(ctx, cfg, "lifetime", &c->lifetime,
	    &c->lifetime_asked);
}

static void
load_interfaces(struct conf_ctx *ctx, struct mnd_conf *c)
{
	cfg_t *cfg = ctx->cfg;
	unsigned n = cfg_size(cfg, "interfaces");

	if (n == 0) {
		conf_err(ctx, cfg, "interfaces", "interfaces: at least one "
		    "interface to watch is required");
		return;
	}
	if ((c->interfaces = calloc(n, sizeof(*c->interfaces))) == NULL)
		return;
	for (unsigned i = 0; i < n; i++) {
		const char *s = cfg_getnstr(cfg, "interfaces", i);
		size_t len = strlen(s);
		bool dup = false;

		if (len == 0 || len >= CONF_IFNAME_MAX ||
		    strpbrk(s, "/: \t") != NULL) {
			conf_err(ctx, cfg, "interfaces", "interfaces: \"%s\" "
			    "is not a valid interface name", s);
			continue;
		}
		for (size_t j = 0; j < c->ninterfaces; j++)
			dup |= strcmp(c->interfaces[j], s) == 0;
		if (dup) {
			conf_err(ctx, cfg, "interfaces", "interfaces: \"%s\" "
			    "is listed twice", s);
			continue;
		}
		memcpy(c->interfaces[c->ninterfaces++], s, len + 1);
	}
}

static int
load_dhp(struct conf_ctx *ctx, cfg_t *sec, const struct mnd_conf *c,
    struct mnd_dhp *d)
{
	int rc = conf_get_title(ctx, sec, d->name);

	rc |= conf_get_addr(ctx, sec, "address", &d->address);
	if (conf_get_spi_ref(ctx, sec, "spi", &d->spi) == -1)
		return -1;
	/* F.5: a DHP is not the HA and must not hold the MN-HA key. */
	if (conf_isset(ctx->cfg, "ha_spi") && d->spi == c->ha_spi) {
		conf_err(ctx, sec, "spi", "dhp %s: spi %u is the home agent's "
		    "SA (ha_spi); each DHP needs its own SA", d->name, d->spi);
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < c->ndhps; i++) {
		if (c->dhps[i].spi == d->spi) {
			conf_err(ctx, sec, "spi", "dhp %s: spi %u is also dhp "
			    "%s's; each DHP needs its own SA", d->name, d->spi,
			    c->dhps[i].name);
			rc = -1;
		} else if (IN6_ARE_ADDR_EQUAL(&c->dhps[i].address,
		    &d->address)) {
			conf_err(ctx, sec, "address", "dhp %s: same address as"
			    " dhp %s", d->name, c->dhps[i].name);
			rc = -1;
		}
	}
	return rc;
}

static int
load_ports(struct conf_ctx *ctx, cfg_t *sec, const char *opt,
    struct conf_port_range *r)
{
	if (!conf_isset(sec, opt))
		return 0;
	if (conf_port_range_parse(cfg_getstr(sec, opt), r) == -1) {
		conf_err(ctx, sec, opt, "policy %s: %s = \"%s\" is not a port "
		    "or a range lo-hi with lo <= hi (0..65535)",
		    cfg_title(sec), opt, cfg_getstr(sec, opt));
		return -1;
	}
	return 0;
}

static int
load_id(struct conf_ctx *ctx, cfg_t *sec, const char *opt, bool *has,
    unsigned *id)
{
	if (!conf_isset(sec, opt))
		return 0;
	*has = true;
	/* (uid_t)-1 means "no change" to the kernel: not a real id. */
	return conf_get_uint(ctx, sec, opt, 0, (long)UINT32_MAX - 1, id);
}

static int
load_policy(struct conf_ctx *ctx, cfg_t *sec, struct mnd_policy *p)
{
	unsigned u = 0;
	int rc, v;

	rc = conf_get_title(ctx, sec, p->name);
	if (conf_get_enum(ctx, sec, "proto", protos, &v) == 0)
		p->proto = (uint8_t)v;
	else
		rc = -1;
	rc |= load_ports(ctx, sec, "sport", &p->sport);
	rc |= load_ports(ctx, sec, "dport", &p->dport);
	if ((p->has_dst = conf_isset(sec, "dst")))
		rc |= conf_get_prefix(ctx, sec, "dst", &p->dst);
	rc |= load_id(ctx, sec, "uid", &p->has_uid, &u);
	p->uid = (uid_t)u;
	rc |= load_id(ctx, sec, "gid", &p->has_gid, &u);
	p->gid = (gid_t)u;
	p->dscp = -1;
	if (conf_isset(sec, "dscp")) {
		rc |= conf_get_uint(ctx, sec, "dscp", 0, 63, &u);
		p->dscp = (int)u;
	}
	if (conf_get_enum(ctx, sec, "type", mnd_types, &v) == 0)
		p->type = (uint8_t)v;
	else
		rc = -1;
	return rc;
}

static void
load_sections(struct conf_ctx *ctx, struct mnd_conf *c)
{
	unsigned nd = cfg_size(ctx->cfg, "dhp");
	unsigned np = cfg_size(ctx->cfg, "policy");

	if (nd > 0 && (c->dhps = calloc(nd, sizeof(*c->dhps))) == NULL)
		return;
	for (unsigned i = 0; i < nd; i++)
		if (load_dhp(ctx, cfg_getnsec(ctx->cfg, "dhp", i), c,
		    &c->dhps[c->ndhps]) == 0)
			c->ndhps++;
	if (np > 0 && (c->policies = calloc(np, sizeof(*c->policies))) == NULL)
		return;
	for (unsigned i = 0; i < np; i++)
		if (load_policy(ctx, cfg_getnsec(ctx->cfg, "policy", i),
		    &c->policies[c->npolicies]) == 0)
			c->npolicies++;
}

static void
load_groups(struct conf_ctx *ctx, struct mnd_conf *c)
{
	for (int t = 0; t <= CONT_MAX; t++) {
		struct conf_groups *g = &c->allow_groups[t];
		unsigned n;

		if (allow_keys[t] == NULL ||
		    (n = cfg_size(ctx->cfg, allow_keys[t])) == 0)
			continue;
		if ((g->names = calloc(n, sizeof(*g->names))) == NULL)
			return;
		for (unsigned i = 0; i < n; i++) {
			const char *s = cfg_getnstr(ctx->cfg, allow_keys[t], i);

			if (!conf_group_name_ok(s))
				conf_err(ctx, ctx->cfg, allow_keys[t], "%s: "
				    "\"%s\" is not a group name",
				    allow_keys[t], s);
			else if ((g->names[g->n] = strdup(s)) != NULL)
				g->n++;
		}
	}
}

/* libdmip's socket (E.4): an absolute path that fits a sockaddr_un. */
static void
load_api_socket(struct conf_ctx *ctx, struct mnd_conf *c)
{
	const char *s = cfg_getstr(ctx->cfg, "api_socket");

	if (s[0] != '/' || strlen(s) >= CONF_SUN_MAX)
		conf_err(ctx, ctx->cfg, "api_socket", "api_socket: \"%s\" "
		    "must be an absolute path shorter than %d characters", s,
		    CONF_SUN_MAX);
	else
		c->api_socket = strdup(s);
}

/* The NFQUEUE classifier (PROTOCOL.md G.1-G.3). */
static void
load_flows(struct conf_ctx *ctx, struct mnd_conf *c)
{
	c->classify = cfg_getbool(ctx->cfg, "classify");
	c->classify_inbound = cfg_getbool(ctx->cfg, "classify_inbound");
	/* PREROUTING takes nfqueue + 1. */
	conf_get_uint(ctx, ctx->cfg, "nfqueue", 0, 65534, &c->nfqueue);
	conf_get_uint(ctx, ctx->cfg, "anchor_wait", 10, 30000,
	    &c->anchor_wait);
	conf_get_uint(ctx, ctx->cfg, "max_flows", 16, 16777216,
	    &c->max_flows);
}

int
mnd_conf_load(const char *path, struct mnd_conf *c)
{
	struct conf_ctx ctx;
	int v;

	memset(c, 0, sizeof(*c));
	if (conf_open(&ctx, path, mnd_opts) == 0) {
		conf_common_load(&ctx, &c->common);
		load_home(&ctx, c);
		load_interfaces(&ctx, c);
		load_sections(&ctx, c);
		if (conf_get_enum(&ctx, ctx.cfg, "default_type", mnd_types,
		    &v) == 0)
			c->default_type = (uint8_t)v;
		conf_get_uint(&ctx, ctx.cfg, "grace_period", 0, 86400,
		    &c->grace_period);
		c->fallback_to_ha = cfg_getbool(ctx.cfg, "fallback_to_ha");
		if (conf_get_enum(&ctx, ctx.cfg, "dhp_tie_break", tie_breaks,
		    &v) == 0)
			c->dhp_tie_break = (uint8_t)v;
		load_flows(&ctx, c);
		load_groups(&ctx, c);
		load_api_socket(&ctx, c);
		conf_dhcp6c_load(&ctx, c->interfaces, c->ninterfaces,
		    &c->dhcp6);
	} else
		ctx.nerr++;
	v = ctx.nerr;
	conf_close(&ctx);
	if (v == 0)
		return 0;
	mnd_conf_free(c);
	return -1;
}

static void
print_ports(FILE *fp, const char *key, const struct conf_port_range *r)
{
	if (!r->set)
		return;
	if (r->lo == r->hi)
		fprintf(fp, "\t%s = \"%u\"\n", key, r->lo);
	else
		fprintf(fp, "\t%s = \"%u-%u\"\n", key, r->lo, r->hi);
}

static void
print_policy(FILE *fp, const struct mnd_policy *p)
{
	fprintf(fp, "\npolicy %s {\n", p->name);
	conf_print_str(fp, "\t", "proto", conf_enum_name(protos, p->proto));
	print_ports(fp, "sport", &p->sport);
	print_ports(fp, "dport", &p->dport);
	if (p->has_dst)
		conf_print_prefix(fp, "\t", "dst", &p->dst);
	if (p->has_uid)
		fprintf(fp, "\tuid = %u\n", (unsigned)p->uid);
	if (p->has_gid)
		fprintf(fp, "\tgid = %u\n", (unsigned)p->gid);
	if (p->dscp >= 0)
		fprintf(fp, "\tdscp = %d\n", p->dscp);
	conf_print_str(fp, "\t", "type", conf_cont_name(p->type));
	fputs("}\n", fp);
}

static void
print_list(FILE *fp, const char *key, char *const *v, size_t n)
{
	fprintf(fp, "%s = {", key);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", fp);
		conf_print_quoted(fp, v[i]);
	}
	fputs("}\n", fp);
}

void
mnd_conf_print(FILE *fp, const struct mnd_conf *c)
{
	conf_common_print(fp, &c->common);
	fputc('\n', fp);
	conf_print_addr(fp, "", "home_address", &c->home_address);
	conf_print_prefix(fp, "", "home_prefix", &c->home_prefix);
	conf_print_addr(fp, "", "home_agent", &c->home_agent);
	fprintf(fp, "ha_spi = %u\n", c->ha_spi);
	conf_print_lifetime(fp, "lifetime", c->lifetime, c->lifetime_asked);
	fputs("interfaces = {", fp);
	for (size_t i = 0; i < c->ninterfaces; i++) {
		fputs(i ? ", " : "", fp);
		conf_print_quoted(fp, c->interfaces[i]);
	}
	fputs("}\n", fp);
	conf_print_str(fp, "", "default_type", conf_cont_name(c->default_type));
	fprintf(fp, "grace_period = %u\n", c->grace_period);
	fprintf(fp, "fallback_to_ha = %s\n", c->fallback_to_ha ? "true" :
	    "false");
	conf_print_str(fp, "", "dhp_tie_break",
	    conf_enum_name(tie_breaks, c->dhp_tie_break));
	fprintf(fp, "classify = %s\nnfqueue = %u\nclassify_inbound = %s\n"
	    "anchor_wait = %u\nmax_flows = %u\n", c->classify ? "true" :
	    "false", c->nfqueue, c->classify_inbound ? "true" : "false",
	    c->anchor_wait, c->max_flows);
	for (int t = 0; t <= CONT_MAX; t++)
		if (allow_keys[t] != NULL)
			print_list(fp, allow_keys[t], c->allow_groups[t].names,
			    c->allow_groups[t].n);
	conf_print_str(fp, "", "api_socket", c->api_socket);
	for (size_t i = 0; i < c->ndhps; i++) {
		fprintf(fp, "\ndhp %s {\n", c->dhps[i].name);
		conf_print_addr(fp, "\t", "address", &c->dhps[i].address);
		fprintf(fp, "\tspi = %u\n}\n", c->dhps[i].spi);
	}
	for (size_t i = 0; i < c->npolicies; i++)
		print_policy(fp, &c->policies[i]);
	conf_dhcp6c_print(fp, c->dhcp6);
}

void
mnd_conf_free(struct mnd_conf *c)
{
	conf_common_free(&c->common);
	free(c->interfaces);
	free(c->dhps);
	free(c->policies);
	conf_dhcp6c_free(c->dhcp6);
	free(c->api_socket);
	for (int t = 0; t <= CONT_MAX; t++) {
		for (size_t i = 0; i < c->allow_groups[t].n; i++)
			free(c->allow_groups[t].names[i]);
		free(c->allow_groups[t].names);
	}
	memset(c, 0, sizeof(*c));
}
