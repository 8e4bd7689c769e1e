/*
 * conf_dhcp6.c: the `dhcp6 { }` sections of mnd.conf and dhpd.conf
 * (see conf_dhcp6.h and dmip6.conf(5)). The loaders in conf_mnd.c and
 * conf_dhpd.c add the section to their option table and call these.
 */
#define DMIP_CONF_INTERNAL
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conf_dhcp6.h"
#include "dhcp6_ext.h"

#define SEC	"dhcp6"

cfg_opt_t conf_dhcp6c_opts[] = {
	CFG_STR_LIST("interfaces", NULL, CFGF_NODEFAULT),
	CFG_STR("continuity", "session-lasting", CFGF_NONE),
	CFG_STR("anchor", NULL, CFGF_NODEFAULT),
	CFG_BOOL("anchor_required", cfg_false, CFGF_NONE),
	CFG_INT("prefix_length", 0, CFGF_NONE),
	CFG_INT("fallback_after", CONF_DHCP6_FALLBACK_DEFAULT, CFGF_NONE),
	CFG_INT("retry_later", CONF_DHCP6_RETRY_LATER_DEFAULT, CFGF_NONE),
	CFG_BOOL("accept_outer_placement", cfg_false, CFGF_NONE),
	CFG_BOOL("release_on_mismatch", cfg_false, CFGF_NONE),
	CFG_INT("option_code", DHCP6_OPT_CONTINUITY_DEFAULT, CFGF_NONE),
	CFG_INT("anchor_option_code", DHCP6_OPT_ANCHOR_PREF_DEFAULT,
	    CFGF_NONE),
	CFG_STR("duid", NULL, CFGF_NODEFAULT),
	CFG_END()
};

cfg_opt_t conf_dhcp6s_opts[] = {
	CFG_STR("interface", NULL, CFGF_NODEFAULT),
	CFG_STR("pool", NULL, CFGF_NODEFAULT),
	CFG_INT("prefix_length", 64, CFGF_NONE),
	CFG_STR_LIST("continuity_types",
	    "{\"session-lasting\", \"non-persistent\"}", CFGF_NONE),
	CFG_INT("preferred_lifetime", 1800, CFGF_NONE),
	CFG_INT("valid_lifetime", 3600, CFGF_NONE),
	CFG_INT("renew_time", 0, CFGF_NONE),
	CFG_INT("rebind_time", 0, CFGF_NONE),
	CFG_INT("max_bindings", 1024, CFGF_NONE),
	CFG_BOOL("rapid_commit", cfg_false, CFGF_NONE),
	CFG_INT("preference", 0, CFGF_NONE),
	CFG_STR("anchor", NULL, CFGF_NODEFAULT),
	CFG_INT("option_code", DHCP6_OPT_CONTINUITY_DEFAULT, CFGF_NONE),
	CFG_INT("anchor_option_code", DHCP6_OPT_ANCHOR_PREF_DEFAULT,
	    CFGF_NONE),
	CFG_STR("duid", NULL, CFGF_NODEFAULT),
	CFG_END()
};

/* The client's "continuity": a type, or "none" for a legacy client. */
static const struct conf_enum ask_types[] = {
	{ "any", CONT_ANY }, { "fixed", CONT_FIXED },
	{ "session-lasting", CONT_SESSION_LASTING },
	{ "non-persistent", CONT_NON_PERSISTENT },
	{ "graceful-replacement", CONT_GRACEFUL }, { "none", -1 },
	{ NULL, 0 }
};

/* Codes the codec gives a meaning of their own (dhcp6.h, dhcp6_ext.h). */
static const uint16_t taken_codes[] = {
	DHCP6_OPT_CLIENTID, DHCP6_OPT_SERVERID, DHCP6_OPT_IA_NA, 4,
	DHCP6_OPT_IAADDR, DHCP6_OPT_ORO, DHCP6_OPT_PREFERENCE,
	DHCP6_OPT_ELAPSED_TIME, 9, 11, DHCP6_OPT_UNICAST,
	DHCP6_OPT_STATUS_CODE, DHCP6_OPT_RAPID_COMMIT, DHCP6_OPT_RECONF_MSG,
	DHCP6_OPT_RECONF_ACCEPT, DHCP6_OPT_IA_PD, DHCP6_OPT_IAPREFIX,
	DHCP6_OPT_SOL_MAX_RT, DHCP6_OPT_INF_MAX_RT,
};

static int
nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
conf_dhcp6_duid_parse(const char *s, struct dhcp6_duid *d)
{
	size_t n = 0;

	for (; *s != '\0'; s += 2) {
		int hi, lo;

		if (*s == ':' || *s == '-')
			s++;
		if ((hi = nibble(s[0])) < 0 || (lo = nibble(s[1])) < 0 ||
		    n == DHCP6_DUID_MAX)
			return -1;
		d->b[n++] = (uint8_t)(hi << 4 | lo);
	}
	if (n < 3)	/* a type and something (RFC 8415 11.1) */
		return -1;
	d->len = (uint8_t)n;
	return 0;
}

static int
get_duid(struct conf_ctx *ctx, cfg_t *sec, struct dhcp6_duid *d)
{
	if (!conf_isset(sec, "duid"))
		return 0;
	if (conf_dhcp6_duid_parse(cfg_getstr(sec, "duid"), d) == 0)
		return 0;
	conf_err(ctx, sec, "duid", SEC ": duid \"%s\" is not 3..%d octets of "
	    "hex", cfg_getstr(sec, "duid"), DHCP6_DUID_MAX);
	return -1;
}

static int
get_code(struct conf_ctx *ctx, cfg_t *sec, const char *opt, uint16_t *out)
{
	unsigned v;

	if (conf_get_uint(ctx, sec, opt, 1, 65535, &v) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(taken_codes) / sizeof(taken_codes[0]);
	    i++)
		if (v == taken_codes[i]) {
			conf_err(ctx, sec, opt, SEC ": %s = %u is a DHCPv6 "
			    "option dmip6 already reads as something else",
			    opt, v);
			return -1;
		}
	*out = (uint16_t)v;
	return 0;
}

static void
get_codes(struct conf_ctx *ctx, cfg_t *sec, struct dhcp6_codes *c)
{
	if (get_code(ctx, sec, "option_code", &c->continuity) == 0 &&
	    get_code(ctx, sec, "anchor_option_code", &c->anchor_pref) == 0 &&
	    c->continuity == c->anchor_pref)
		conf_err(ctx, sec, "anchor_option_code", SEC ": option_code "
		    "and anchor_option_code must differ");
}

/* Only one section; returns it or NULL. */
static cfg_t *
the_section(struct conf_ctx *ctx)
{
	unsigned n = cfg_size(ctx->cfg, SEC);

	if (n == 0)
		return NULL;
	if (n > 1)
		conf_err(ctx, cfg_getnsec(ctx->cfg, SEC, 1), NULL, "only one "
		    SEC " section is allowed");
	return cfg_getnsec(ctx->cfg, SEC, 0);
}

static bool
if_listed(char (*ifs)[CONF_IFNAME_MAX], size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ifs[i], s) == 0)
			return true;
	return false;
}

static void
load_client_ifs(struct conf_ctx *ctx, cfg_t *sec,
    char (*ifs)[CONF_IFNAME_MAX], size_t nifs, struct conf_dhcp6c *c)
{
	unsigned n = cfg_size(sec, "interfaces");

	if (n == 0) {	/* every interface mnd watches */
		if (nifs == 0 || (c->interfaces = calloc(nifs,
		    sizeof(*c->interfaces))) == NULL)
			return;
		memcpy(c->interfaces, ifs, nifs * sizeof(*ifs));
		c->ninterfaces = nifs;
		return;
	}
	if ((c->interfaces = calloc(n, sizeof(*c->interfaces))) == NULL)
		return;
	for (unsigned i = 0; i < n; i++) {
		const char *s = cfg_getnstr(sec, "interfaces", i);

		if (!if_listed(ifs, nifs, s))
			conf_err(ctx, sec, "interfaces", SEC ": interface "
			    "\"%s\" is not in mnd's interfaces", s);
		else if (if_listed(c->interfaces, c->ninterfaces, s))
			conf_err(ctx, sec, "interfaces", SEC ": interface "
			    "\"%s\" is listed twice", s);
		else
			snprintf(c->interfaces[c->ninterfaces++],
			    CONF_IFNAME_MAX, "%s", s);
	}
}

void
conf_dhcp6c_load(struct conf_ctx *ctx, char (*ifs)[CONF_IFNAME_MAX],
    size_t nifs, struct conf_dhcp6c **out)
{
	struct conf_dhcp6c *c;
	cfg_t *sec;
	int v;

	*out = NULL;
	if ((sec = the_section(ctx)) == NULL)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		conf_err(ctx, sec, NULL, SEC ": out of memory");
		return;
	}
	*out = c;
	load_client_ifs(ctx, sec, ifs, nifs, c);
	if (conf_get_enum(ctx, sec, "continuity", ask_types, &v) == 0) {
		c->ask = v >= 0;
		c->want = v >= 0 ? (uint8_t)v : CONT_NON_PERSISTENT;
	}
	if ((c->has_anchor = conf_isset(sec, "anchor")))
		conf_get_addr(ctx, sec, "anchor", &c->anchor);
	c->anchor_required = cfg_getbool(sec, "anchor_required");
	if (c->anchor_required && !c->has_anchor)
		conf_err(ctx, sec, "anchor_required", SEC ": anchor_required "
		    "needs an anchor");
	conf_get_uint(ctx, sec, "prefix_length", 0, 128, &c->prefix_length);
	conf_get_uint(ctx, sec, "fallback_after", 1, 100, &c->fallback_after);
	conf_get_uint(ctx, sec, "retry_later", 1, 7 * 86400, &c->retry_later);
	c->accept_outer = cfg_getbool(sec, "accept_outer_placement");
	c->release_on_mismatch = cfg_getbool(sec, "release_on_mismatch");
	get_codes(ctx, sec, &c->codes);
	get_duid(ctx, sec, &c->duid);
}

/* continuity_types: what this server grants, in the order it picks for
 * "any" and for a type it does not grant (D.3 [P]). */
static void
load_grants(struct conf_ctx *ctx, cfg_t *sec, struct conf_dhcp6s *s)
{
	unsigned n = cfg_size(sec, "continuity_types");
	int t;

	if (n == 0)
		conf_err(ctx, sec, "continuity_types", SEC ": continuity_types"
		    ": at least one type is required");
	for (unsigned i = 0; i < n; i++) {
		const char *v = cfg_getnstr(sec, "continuity_types", i);

		if (conf_parse_enum(conf_cont_types, v, &t) == -1 ||
		    t == CONT_ANY)
			conf_err(ctx, sec, "continuity_types", SEC ": \"%s\" is"
			    " not a type a server grants (\"fixed\", "
			    "\"session-lasting\", \"non-persistent\", "
			    "\"graceful-replacement\")", v);
		else if (s->grant[t])
			conf_err(ctx, sec, "continuity_types", SEC ": \"%s\" "
			    "is listed twice", v);
		else {
			s->grant[t] = true;
			s->order[s->norder++] = (uint8_t)t;
		}
	}
}

static void
load_pool(struct conf_ctx *ctx, cfg_t *sec, const struct conf_prefix *pools,
    size_t npools, struct conf_dhcp6s *s)
{
	char a[INET6_ADDRSTRLEN + 8], b[INET6_ADDRSTRLEN + 8];

	if (!conf_isset(sec, "pool")) {
		conf_err(ctx, sec, NULL, SEC ": 'pool' is required");
		return;
	}
	if (conf_get_prefix(ctx, sec, "pool", &s->pool) == -1 ||
	    conf_get_uint(ctx, sec, "prefix_length", 1, 128,
	    &s->prefix_length) == -1)
		return;
	if (s->prefix_length < s->pool.len ||
	    s->prefix_length - s->pool.len > CONF_DHCP6_PLEN_SPAN_MAX)
		conf_err(ctx, sec, "prefix_length", SEC ": prefix_length %u "
		    "must be %u..%u for pool %s", s->prefix_length,
		    s->pool.len, s->pool.len + CONF_DHCP6_PLEN_SPAN_MAX > 128 ?
		    128 : s->pool.len + CONF_DHCP6_PLEN_SPAN_MAX,
		    conf_prefix_str(&s->pool, a, sizeof(a)));
	for (size_t i = 0; i < npools; i++)
		if (conf_prefix_overlap(&s->pool, &pools[i]))
			conf_err(ctx, sec, "pool", SEC ": pool %s overlaps the "
			    "DHoA pool %s",
			    conf_prefix_str(&s->pool, a, sizeof(a)),
			    conf_prefix_str(&pools[i], b, sizeof(b)));
}

static void
load_times(struct conf_ctx *ctx, cfg_t *sec, struct conf_dhcp6s *s)
{
	if (conf_get_uint(ctx, sec, "preferred_lifetime", 1, 0x7fffffff,
	    &s->preferred_lifetime) | conf_get_uint(ctx, sec,
	    "valid_lifetime", 1, 0x7fffffff, &s->valid_lifetime) |
	    conf_get_uint(ctx, sec, "renew_time", 0, 0x7fffffff,
	    &s->renew_time) | conf_get_uint(ctx, sec, "rebind_time", 0,
	    0x7fffffff, &s->rebind_time))
		return;
	if (s->preferred_lifetime > s->valid_lifetime)
		conf_err(ctx, sec, "preferred_lifetime", SEC ": "
		    "preferred_lifetime %u is longer than valid_lifetime %u",
		    s->preferred_lifetime, s->valid_lifetime);
	if ((s->renew_time == 0) != (s->rebind_time == 0) ||
	    s->renew_time > s->rebind_time)
		conf_err(ctx, sec, "renew_time", SEC ": renew_time and "
		    "rebind_time are both 0 (0.5 and 0.8 of the preferred "
		    "lifetime) or renew_time <= rebind_time");
}

void
conf_dhcp6s_load(struct conf_ctx *ctx, const struct conf_prefix *pools,
    size_t npools, const struct in6_addr *address, struct conf_dhcp6s **out)
{
	struct conf_dhcp6s *s;
	cfg_t *sec;

	*out = NULL;
	if ((sec = the_section(ctx)) == NULL)
		return;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		conf_err(ctx, sec, NULL, SEC ": out of memory");
		return;
	}
	*out = s;
	if (!conf_isset(sec, "interface"))
		conf_err(ctx, sec, NULL, SEC ": 'interface' is required");
	else
		conf_get_ifname(ctx, sec, "interface", s->interface);
	load_pool(ctx, sec, pools, npools, s);
	load_grants(ctx, sec, s);
	load_times(ctx, sec, s);
	conf_get_uint(ctx, sec, "max_bindings", 1, 65536, &s->max_bindings);
	s->rapid_commit = cfg_getbool(sec, "rapid_commit");
	conf_get_uint(ctx, sec, "preference", 0, 255, &s->preference);
	if (conf_isset(sec, "anchor"))
		conf_get_addr(ctx, sec, "anchor", &s->anchor);
	else if (address != NULL)
		s->anchor = *address;
	get_codes(ctx, sec, &s->codes);
	get_duid(ctx, sec, &s->duid);
}

/* ---- printing (the same syntax; it re-parses) ------------------------- */

static void
print_duid(FILE *fp, const struct dhcp6_duid *d)
{
	char buf[2 * DHCP6_DUID_MAX + 1];

	if (d->len != 0)
		conf_print_str(fp, "\t", "duid",
		    dhcp6_duid_str(d, buf, sizeof(buf)));
}

void
conf_dhcp6c_print(FILE *fp, const struct conf_dhcp6c *c)
{
	if (c == NULL)
		return;
	fputs("\n" SEC " {\n\tinterfaces = {", fp);
	for (size_t i = 0; i < c->ninterfaces; i++) {
		fputs(i ? ", " : "", fp);
		conf_print_quoted(fp, c->interfaces[i]);
	}
	fputs("}\n", fp);
	conf_print_str(fp, "\t", "continuity", c->ask ?
	    conf_enum_name(ask_types, c->want) : "none");
	if (c->has_anchor)
		conf_print_addr(fp, "\t", "anchor", &c->anchor);
	fprintf(fp, "\tanchor_required = %s\n", c->anchor_required ?
	    "true" : "false");
	fprintf(fp, "\tprefix_length = %u\n\tfallback_after = %u\n"
	    "\tretry_later = %u\n", c->prefix_length, c->fallback_after,
	    c->retry_later);
	fprintf(fp, "\taccept_outer_placement = %s\n\trelease_on_mismatch = "
	    "%s\n", c->accept_outer ? "true" : "false",
	    c->release_on_mismatch ? "true" : "false");
	fprintf(fp, "\toption_code = %u\n\tanchor_option_code = %u\n",
	    c->codes.continuity, c->codes.anchor_pref);
	print_duid(fp, &c->duid);
	fputs("}\n", fp);
}

void
conf_dhcp6s_print(FILE *fp, const struct conf_dhcp6s *s)
{
	if (s == NULL)
		return;
	fputs("\n" SEC " {\n", fp);
	conf_print_str(fp, "\t", "interface", s->interface);
	conf_print_prefix(fp, "\t", "pool", &s->pool);
	fprintf(fp, "\tprefix_length = %u\n\tcontinuity_types = {",
	    s->prefix_length);
	for (size_t i = 0; i < s->norder; i++)
		fprintf(fp, "%s\"%s\"", i ? ", " : "",
		    conf_cont_name(s->order[i]));
	fprintf(fp, "}\n\tpreferred_lifetime = %u\n\tvalid_lifetime = %u\n"
	    "\trenew_time = %u\n\trebind_time = %u\n\tmax_bindings = %u\n",
	    s->preferred_lifetime, s->valid_lifetime, s->renew_time,
	    s->rebind_time, s->max_bindings);
	fprintf(fp, "\trapid_commit = %s\n\tpreference = %u\n",
	    s->rapid_commit ? "true" : "false", s->preference);
	conf_print_addr(fp, "\t", "anchor", &s->anchor);
	fprintf(fp, "\toption_code = %u\n\tanchor_option_code = %u\n",
	    s->codes.continuity, s->codes.anchor_pref);
	print_duid(fp, &s->duid);
	fputs("}\n", fp);
}

void
conf_dhcp6c_free(struct conf_dhcp6c *c)
{
	if (c == NULL)
		return;
	free(c->interfaces);
	free(c);
}

void
conf_dhcp6s_free(struct conf_dhcp6s *s)
{
	free(s);
}
