/*
 * conf.c: what the three config loaders share: reading a config file
 * safely, the line table behind "file:line:" messages, typed getters
 * that check meaning, security associations and their key files, and
 * the printers (STYLE.md "Config, logs, control"; dmip6.conf(5)).
 *
 * Why a line table of our own: libconfuse keeps no line per option, and
 * libconfuse 3.3 also miscounts lines after comments (every '#' or '//'
 * comment adds two). So we blank comments out ourselves (newlines kept)
 * before libconfuse sees the text, and a small scanner records the line
 * of every "name =" and "name title {" keyed by (section, title, name).
 * That also lets ';' serve as an optional separator and comments sit
 * inside lists, which libconfuse 3.3 rejects.
 */
#define DMIP_CONF_INTERNAL
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* refuse larger config files */
#define KEY_FILE_MAX	4096

struct conf_line {
	char	sec[32];		/* "" at the top level */
	char	title[CONF_NAME_MAX];
	char	opt[64];		/* "" for the section header */
	int	line;
};

/* libconfuse's error callback has no user pointer. */
static struct conf_ctx	*conf_cur;

static const struct conf_enum log_levels[] = {
	{ "quiet", LOG_LVL_WARN }, { "normal", LOG_LVL_INFO },
	{ "verbose", LOG_LVL_DEBUG }, { NULL, 0 }
};
static const struct conf_enum transports[] = {
	{ "mh", CONF_TRANSPORT_MH }, { "udp", CONF_TRANSPORT_UDP },
	{ NULL, 0 }
};
static const struct conf_enum backends[] = {
	{ "seg6", CONF_BACKEND_SEG6 }, { "tun", CONF_BACKEND_TUN },
	{ "ip6tnl", CONF_BACKEND_IP6TNL }, { "auto", CONF_BACKEND_AUTO },
	{ NULL, 0 }
};
static const struct conf_enum replays[] = {
	{ "timestamp", REPLAY_TIMESTAMP }, { "seq-only", REPLAY_SEQ_ONLY },
	{ NULL, 0 }
};
/* Key lengths: B.8 (SHA1-96, 16 octets; SHA256-128, 32 octets). */
static const struct conf_enum algs[] = {
	{ "hmac-sha256-128", AUTH_ALG_HMAC_SHA256_128 },
	{ "hmac-sha1-96", AUTH_ALG_HMAC_SHA1_96 }, { NULL, 0 }
};
/* Code points of B.11.1 / E.0. */
const struct conf_enum conf_cont_types[] = {
	{ "any", CONT_ANY }, { "fixed", CONT_FIXED },
	{ "session-lasting", CONT_SESSION_LASTING },
	{ "non-persistent", CONT_NON_PERSISTENT },
	{ "graceful-replacement", CONT_GRACEFUL }, { NULL, 0 }
};

/* ---- enums ---------------------------------------------------------- */

int
conf_parse_enum(const struct conf_enum *e, const char *s, int *out)
{
	for (; e->name != NULL; e++)
		if (strcmp(e->name, s) == 0) {
			*out = e->value;
			return 0;
		}
	return -1;
}

const char *
conf_enum_name(const struct conf_enum *e, int v)
{
	for (; e->name != NULL; e++)
		if (e->value == v)
			return e->name;
	return "?";
}

const char *
conf_cont_name(uint8_t cont)
{
	return conf_enum_name(conf_cont_types, cont);
}

const char *
conf_backend_name(enum conf_backend b)
{
	return conf_enum_name(backends, (int)b);
}

const char *
conf_transport_name(enum conf_transport t)
{
	return conf_enum_name(transports, (int)t);
}

/* ---- prefixes and ports --------------------------------------------- */

static void
prefix_mask(struct in6_addr *a, unsigned len)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = len > i * 8 ? len - i * 8 : 0;

		if (bits < 8)
			a->s6_addr[i] &= (uint8_t)(0xff00u >> bits);
	}
}

int
conf_prefix_parse(const char *s, struct conf_prefix *p, char *err,
    size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	struct in6_addr masked;
	unsigned long len;

	if (strlen(s) >= sizeof(buf) || (slash = strchr(s, '/')) == NULL) {
		snprintf(err, errlen, "'%s' is not an IPv6 prefix "
		    "(address/length)", s);
		return -1;
	}
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (!isdigit((unsigned char)slash[1]) || *end != '\0' || len > 128 ||
	    errno != 0) {
		snprintf(err, errlen, "'%s': prefix length must be 0..128", s);
		return -1;
	}
	if (inet_pton(AF_INET6, buf, &p->addr) != 1) {
		snprintf(err, errlen, "'%s': '%s' is not an IPv6 address", s,
		    buf);
		return -1;
	}
	p->len = (uint8_t)len;
	masked = p->addr;
	prefix_mask(&masked, p->len);
	if (memcmp(&masked, &p->addr, sizeof(masked)) != 0) {
		inet_ntop(AF_INET6, &masked, buf, sizeof(buf));
		snprintf(err, errlen, "'%s' has bits set after /%lu "
		    "(did you mean %s/%lu?)", s, len, buf, len);
		return -1;
	}
	return 0;
}

bool
conf_prefix_contains(const struct conf_prefix *p, const struct in6_addr *a)
{
	struct in6_addr m = *a;

	prefix_mask(&m, p->len);
	return memcmp(&m, &p->addr, sizeof(m)) == 0;
}

/* Two prefixes overlap iff the shorter one contains the longer one. */
bool
conf_prefix_overlap(const struct conf_prefix *a, const struct conf_prefix *b)
{
	return a->len <= b->len ? conf_prefix_contains(a, &b->addr) :
	    conf_prefix_contains(b, &a->addr);
}

const char *
conf_prefix_str(const struct conf_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

static int
parse_port(const char *s, const char **end, uint16_t *port)
{
	unsigned long v = 0;
	const char *p = s;

	while (isdigit((unsigned char)*p) && v <= 65535)
		v = v * 10 + (unsigned long)(*p++ - '0');
	if (p == s || v > 65535 || p - s > 5)
		return -1;
	*end = p;
	*port = (uint16_t)v;
	return 0;
}

/* "22" or "5000-5999" (inclusive, lo <= hi). */
int
conf_port_range_parse(const char *s, struct conf_port_range *r)
{
	const char *p;

	if (parse_port(s, &p, &r->lo) == -1)
		return -1;
	r->hi = r->lo;
	if (*p == '-' && parse_port(p + 1, &p, &r->hi) == -1)
		return -1;
	if (*p != '\0' || r->lo > r->hi)
		return -1;
	r->set = true;
	return 0;
}

/* ---- reading the file ----------------------------------------------- */

/* Blank out comments and ';' (outside quotes), keeping every newline
 * so line numbers stay right. Returns -1 on an unterminated comment. */
static int
strip_comments(char *s)
{
	char q = 0, prev = '\n';

	for (char *p = s; *p != '\0'; prev = *p, p++) {
		if (q != 0) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == q)
				q = 0;
			continue;
		}
		bool tokstart = isspace((unsigned char)prev) ||
		    strchr("{}=,()", prev) != NULL;
		if (*p == '"' || *p == '\'')
			q = *p;
		else if (*p == ';')
			*p = ' ';
		else if (*p == '#' || (tokstart && p[0] == '/' && p[1] == '/')) {
			for (; *p != '\0' && *p != '\n'; p++)
				*p = ' ';
			if (*p == '\0')
				break;
		} else if (tokstart && p[0] == '/' && p[1] == '*') {
			char *e = strstr(p + 2, "*/");

			if (e == NULL)
				return -1;
			for (e += 2; p < e; p++)
				if (*p != '\n')
					*p = ' ';
			p--;
		}
	}
	return 0;
}

static int
read_file(struct conf_ctx *ctx)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd;

	if ((fd = open(ctx->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		log_warnx("%s: cannot open: %s", ctx->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_warnx("%s: refused: not a regular file", ctx->path);
		goto err;
	}
	/* STYLE.md: a config anyone can write is refused. */
	if (st.st_mode & S_IWOTH) {
		log_warnx("%s: refused: the file is world-writable (mode %04o);"
		    " chmod o-w it", ctx->path, (unsigned)(st.st_mode & 07777));
		goto err;
	}
	if (st.st_size > CONF_FILE_MAX) {
		log_warnx("%s: refused: larger than %d bytes", ctx->path,
		    CONF_FILE_MAX);
		goto err;
	}
	if ((ctx->text = malloc((size_t)st.st_size + 1)) == NULL)
		goto err;
	while (got < (size_t)st.st_size &&
	    (n = read(fd, ctx->text + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	ctx->text[got] = '\0';
	close(fd);
	if (strlen(ctx->text) != got) {
		log_warnx("%s: refused: the file contains a NUL byte",
		    ctx->path);
		return -1;
	}
	return 0;
err:
	close(fd);
	return -1;
}

/* ---- the line table --------------------------------------------------- */

enum tok {
	TK_EOF, TK_WORD, TK_STR, TK_LBRACE, TK_RBRACE, TK_EQ, TK_PLUSEQ,
	TK_OTHER
};

struct lexer {
	const char	*p;
	int		 line;
	const char	*s;	/* token text (quotes stripped) */
	size_t		 len;
	int		 tline;	/* line of the token */
};

static enum tok
lex(struct lexer *lx)
{
	const char *p = lx->p;
	enum tok t;

	for (; isspace((unsigned char)*p); p++)
		if (*p == '\n')
			lx->line++;
	lx->tline = lx->line;
	lx->s = p;
	lx->len = 1;
	if (*p == '\0')
		return TK_EOF;
	if (*p == '"' || *p == '\'') {
		char q = *p++;

		lx->s = p;
		for (; *p != '\0' && *p != q; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (*p == '\n')
				lx->line++;
		}
		lx->len = (size_t)(p - lx->s);
		lx->p = *p == '\0' ? p : p + 1;
		return TK_STR;
	}
	t = *p == '{' ? TK_LBRACE : *p == '}' ? TK_RBRACE : *p == '=' ?
	    TK_EQ : (*p == '+' && p[1] == '=') ? TK_PLUSEQ :
	    strchr(",()", *p) != NULL ? TK_OTHER : TK_WORD;
	if (t == TK_PLUSEQ)
		p++;
	if (t != TK_WORD) {
		lx->p = p + 1;
		return t;
	}
	while (*p != '\0' && !isspace((unsigned char)*p) &&
	    strchr("{}=,()\"'", *p) == NULL && !(p[0] == '+' && p[1] == '='))
		p++;
	lx->len = (size_t)(p - lx->s);
	lx->p = p;
	return TK_WORD;
}

static struct conf_line *
line_find(const struct conf_ctx *ctx, const char *sec, const char *title,
    const char *opt)
{
	for (size_t i = 0; i < ctx->nlines; i++) {
		struct conf_line *l = &ctx->lines[i];

		if (strcmp(l->sec, sec) == 0 && strcmp(l->title, title) == 0 &&
		    strcmp(l->opt, opt) == 0)
			return l;
	}
	return NULL;
}

static void
copy_tok(char *dst, size_t dstlen, const char *s, size_t len)
{
	if (len >= dstlen)
		len = dstlen - 1;	/* too long to be a known name */
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static void
line_add(struct conf_ctx *ctx, const struct conf_line *l, bool assign)
{
	struct conf_line *old, *n;

	if ((old = line_find(ctx, l->sec, l->title, l->opt)) != NULL) {
		/* A second "x =" would silently win in libconfuse. */
		if (assign && l->opt[0] != '\0') {
			log_warnx("%s:%d: '%s' is set twice (first on line "
			    "%d)", ctx->path, l->line, l->opt, old->line);
			ctx->nerr++;
		}
		return;
	}
	if (ctx->nlines == ctx->linecap) {
		size_t cap = ctx->linecap ? ctx->linecap * 2 : 64;

		n = reallocarray(ctx->lines, cap, sizeof(*n));
		if (n == NULL)
			return;	/* only costs line numbers */
		ctx->lines = n;
		ctx->linecap = cap;
	}
	ctx->lines[ctx->nlines++] = *l;
}

/* Skip a value: one word or string, or a { list }. */
static void
skip_value(struct lexer *lx)
{
	enum tok t = lex(lx);

	if (t == TK_LBRACE)
		while ((t = lex(lx)) != TK_EOF && t != TK_RBRACE)
			;
}

/* Record where each option and section is. Syntax errors are left to
 * libconfuse; here they only cost a line number. */
static void
scan_lines(struct conf_ctx *ctx)
{
	struct lexer lx = { .p = ctx->text, .line = 1 };
	struct conf_line cur = { .sec = "", .title = "" }, l;
	enum tok t;
	int depth = 0;

	while ((t = lex(&lx)) != TK_EOF) {
		if (t == TK_RBRACE && depth > 0 && --depth == 0)
			cur.sec[0] = cur.title[0] = '\0';
		if (t != TK_WORD)
			continue;
		l = cur;
		copy_tok(l.opt, sizeof(l.opt), lx.s, lx.len);
		l.line = lx.tline;
		if ((t = lex(&lx)) == TK_EQ || t == TK_PLUSEQ) {
			if (depth <= 1)
				line_add(ctx, &l, t == TK_EQ);
			skip_value(&lx);
			continue;
		}
		if (t == TK_WORD || t == TK_STR) {
			copy_tok(l.title, sizeof(l.title), lx.s, lx.len);
			t = lex(&lx);
		} else
			l.title[0] = '\0';
		if (t != TK_LBRACE)
			continue;
		if (depth++ == 0) {
			copy_tok(cur.sec, sizeof(cur.sec), l.opt, strlen(l.opt));
			memcpy(cur.title, l.title, sizeof(cur.title));
			memcpy(l.sec, cur.sec, sizeof(l.sec));
			l.opt[0] = '\0';
			line_add(ctx, &l, false);
		}
	}
}

int
conf_line(const struct conf_ctx *ctx, cfg_t *sec, const char *opt)
{
	const char *name = "", *title = "";
	struct conf_line *l;

	if (sec != NULL && sec != ctx->cfg) {
		name = cfg_name(sec);
		title = cfg_title(sec) ? cfg_title(sec) : "";
	}
	if (opt != NULL && (l = line_find(ctx, name, title, opt)) != NULL)
		return l->line;
	if ((l = line_find(ctx, name, title, "")) != NULL)
		return l->line;
	return 0;	/* a top-level default: no line to point at */
}

void
conf_err(struct conf_ctx *ctx, cfg_t *sec, const char *opt,
    const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	int line;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((line = conf_line(ctx, sec, opt)) > 0)
		log_warnx("%s:%d: %s", ctx->path, line, msg);
	else
		log_warnx("%s: %s", ctx->path, msg);
	ctx->nerr++;
}

static void conf_cfg_error(cfg_t *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
conf_cfg_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_warnx("%s:%d: %s", conf_cur != NULL ? conf_cur->path : "?",
	    cfg->line, msg);
	if (conf_cur != NULL)
		conf_cur->nerr++;
}

int
conf_open(struct conf_ctx *ctx, const char *path, cfg_opt_t *opts)
{
	char *tmp;
	int rc;

	memset(ctx, 0, sizeof(*ctx));
	ctx->path = path;
	if (read_file(ctx) == -1)
		return -1;
	if (strip_comments(ctx->text) == -1) {
		log_warnx("%s: unterminated /* comment", path);
		return -1;
	}
	scan_lines(ctx);
	if ((tmp = strdup(path)) == NULL ||
	    (ctx->dir = strdup(dirname(tmp))) == NULL ||
	    (ctx->cfg = cfg_init(opts, CFGF_NONE)) == NULL) {
		free(tmp);
		log_warnx("%s: out of memory", path);
		return -1;
	}
	free(tmp);
	cfg_set_error_function(ctx->cfg, conf_cfg_error);
	conf_cur = ctx;
	rc = cfg_parse_buf(ctx->cfg, ctx->text);
	conf_cur = NULL;
	return rc == CFG_SUCCESS ? 0 : -1;
}

void
conf_close(struct conf_ctx *ctx)
{
	if (ctx->cfg != NULL)
		cfg_free(ctx->cfg);
	free(ctx->text);
	free(ctx->dir);
	free(ctx->lines);
	free(ctx->spis);
	memset(ctx, 0, sizeof(*ctx));
}

/* ---- typed getters ------------------------------------------------------ */

bool
conf_isset(cfg_t *sec, const char *opt)
{
	return cfg_size(sec, opt) > 0;
}

int
conf_require(struct conf_ctx *ctx, cfg_t *sec, const char *opt)
{
	if (conf_isset(sec, opt))
		return 0;
	if (sec == ctx->cfg)
		conf_err(ctx, sec, NULL, "'%s' is required", opt);
	else
		conf_err(ctx, sec, NULL, "%s %s: '%s' is required",
		    cfg_name(sec), cfg_title(sec), opt);
	return -1;
}

int
conf_get_addr(struct conf_ctx *ctx, cfg_t *sec, const char *opt,
    struct in6_addr *a)
{
	const char *s;

	if (conf_require(ctx, sec, opt) == -1)
		return -1;
	s = cfg_getstr(sec, opt);
	if (inet_pton(AF_INET6, s, a) != 1) {
		conf_err(ctx, sec, opt, "%s: '%s' is not an IPv6 address",
		    opt, s);
		return -1;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_MULTICAST(a)) {
		conf_err(ctx, sec, opt, "%s: '%s' is not a unicast address",
		    opt, s);
		return -1;
	}
	return 0;
}

int
conf_get_prefix(struct conf_ctx *ctx, cfg_t *sec, const char *opt,
    struct conf_prefix *p)
{
	char err[256];

	if (conf_require(ctx, sec, opt) == -1)
		return -1;
	if (conf_prefix_parse(cfg_getstr(sec, opt), p, err, sizeof(err))) {
		conf_err(ctx, sec, opt, "%s: %s", opt, err);
		return -1;
	}
	return 0;
}

/* Every element is checked; *out holds the good ones. */
int
conf_get_prefix_list(struct conf_ctx *ctx, cfg_t *sec, const char *opt,
    struct conf_prefix **out, size_t *n)
{
	unsigned cnt = cfg_size(sec, opt);
	char err[256];
	int rc = 0;

	*n = 0;
	if (cnt == 0) {
		conf_err(ctx, sec, opt, "%s: at least one prefix is required",
		    opt);
		return -1;
	}
	if ((*out = calloc(cnt, sizeof(**out))) == NULL)
		return -1;
	for (unsigned i = 0; i < cnt; i++) {
		if (conf_prefix_parse(cfg_getnstr(sec, opt, i), &(*out)[*n],
		    err, sizeof(err)) == 0)
			(*n)++;
		else {
			conf_err(ctx, sec, opt, "%s: %s", opt, err);
			rc = -1;
		}
	}
	return rc;
}

int
conf_get_uint(struct conf_ctx *ctx, cfg_t *sec, const char *opt, long min,
    long max, unsigned *out)
{
	long v;

	if (conf_require(ctx, sec, opt) == -1)
		return -1;
	v = cfg_getint(sec, opt);
	if (v < min || v > max) {
		conf_err(ctx, sec, opt, "%s = %ld is out of range (%ld..%ld)",
		    opt, v, min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* Lifetimes travel in 4 s units in a 16-bit field (RFC 6275 6.1.7,
 * B.11): round up, and keep what was asked for the printout. */
int
conf_get_lifetime(struct conf_ctx *ctx, cfg_t *sec, const char *opt,
    unsigned *secs, unsigned *asked)
{
	if (conf_get_uint(ctx, sec, opt, MH_LIFETIME_UNIT, MH_LIFETIME_MAX_S,
	    asked) == -1)
		return -1;
	*secs = (*asked + MH_LIFETIME_UNIT - 1) / MH_LIFETIME_UNIT *
	    MH_LIFETIME_UNIT;
	return 0;
}

int
conf_get_enum(struct conf_ctx *ctx, cfg_t *sec, const char *opt,
    const struct conf_enum *e, int *out)
{
	char list[256] = "";
	const char *s;
	size_t off = 0;

	if (conf_require(ctx, sec, opt) == -1)
		return -1;
	s = cfg_getstr(sec, opt);
	if (conf_parse_enum(e, s, out) == 0)
		return 0;
	for (; e->name != NULL && off < sizeof(list); e++) {
		int n = snprintf(list + off, sizeof(list) - off, "%s\"%s\"",
		    off ? ", " : "", e->name);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	conf_err(ctx, sec, opt, "%s: unknown value \"%s\" (one of %s)", opt,
	    s, list);
	return -1;
}

int
conf_get_ifname(struct conf_ctx *ctx, cfg_t *sec, const char *opt,
    char out[CONF_IFNAME_MAX])
{
	const char *s;
	size_t len;

	if (conf_require(ctx, sec, opt) == -1)
		return -1;
	s = cfg_getstr(sec, opt);
	len = strlen(s);
	/* The kernel's dev_valid_name() rules. */
	if (len == 0 || len >= CONF_IFNAME_MAX || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0 || strpbrk(s, "/: \t\n") != NULL) {
		conf_err(ctx, sec, opt, "%s: \"%s\" is not a valid interface "
		    "name (1..%d characters, no '/', ':' or spaces)", opt, s,
		    CONF_IFNAME_MAX - 1);
		return -1;
	}
	memcpy(out, s, len + 1);
	return 0;
}

static bool
name_ok(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len == 0 || len >= max)
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("_.-@", *s) == NULL)
			return false;
	return true;
}

int
conf_get_title(struct conf_ctx *ctx, cfg_t *sec, char out[CONF_NAME_MAX])
{
	const char *t = cfg_title(sec);

	if (t == NULL || !name_ok(t, CONF_NAME_MAX)) {
		conf_err(ctx, sec, NULL, "%s \"%s\": a name is 1..%d letters, "
		    "digits, '_', '.', '-' or '@'", cfg_name(sec),
		    t ? t : "", CONF_NAME_MAX - 1);
		return -1;
	}
	memcpy(out, t, strlen(t) + 1);
	return 0;
}

bool
conf_group_name_ok(const char *s)
{
	return name_ok(s, 33);	/* LOGIN_NAME_MAX-ish */
}

static bool
spi_declared(const struct conf_ctx *ctx, uint32_t spi)
{
	for (size_t i = 0; i < ctx->nspis; i++)
		if (ctx->spis[i] == spi)
			return true;
	return false;
}

/* An SPI option that must name an "sa" section. An SA whose key failed
 * to load still counts as declared, so one mistake gives one error. */
int
conf_get_spi_ref(struct conf_ctx *ctx, cfg_t *sec, const char *opt,
    uint32_t *spi)
{
	long v;

	if (conf_require(ctx, sec, opt) == -1)
		return -1;
	v = cfg_getint(sec, opt);
	if (v < AUTH_SPI_MIN || v > (long)UINT32_MAX) {
		conf_err(ctx, sec, opt, "%s = %ld: an SPI is %d..%lu (0..255 "
		    "are reserved, RFC 4285 5)", opt, v, AUTH_SPI_MIN,
		    (unsigned long)UINT32_MAX);
		return -1;
	}
	if (!spi_declared(ctx, (uint32_t)v)) {
		conf_err(ctx, sec, opt, "%s = %ld names no security "
		    "association (no 'sa %ld { }' section)", opt, v, v);
		return -1;
	}
	*spi = (uint32_t)v;
	return 0;
}

/* ---- security associations and key files --------------------------- */

static int
parse_spi(const char *s, uint32_t *spi)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (*end != '\0' || errno != 0 || v < AUTH_SPI_MIN || v > UINT32_MAX)
		return -1;
	*spi = (uint32_t)v;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex digits, whitespace and '#' comments. */
static int
parse_key_text(struct conf_ctx *ctx, cfg_t *sec, const char *file,
    const char *text, uint8_t *key, size_t *len)
{
	size_t ndig = 0;
	int line = 1, v;

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '#')
			while (p[1] != '\0' && p[1] != '\n')
				p++;
		else if (*p == '\n')
			line++;
		else if (isspace((unsigned char)*p))
			continue;
		else if ((v = hexval((unsigned char)*p)) < 0) {
			conf_err(ctx, sec, "key_file", "key_file %s:%d: '%c' "
			    "is not a hex digit", file, line,
			    isprint((unsigned char)*p) ? *p : '?');
			return -1;
		} else if (ndig / 2 >= AUTH_KEY_MAX) {
			conf_err(ctx, sec, "key_file", "key_file %s: key is "
			    "longer than %d bytes", file, AUTH_KEY_MAX);
			return -1;
		} else {
			if (ndig % 2 == 0)
				key[ndig / 2] = (uint8_t)(v << 4);
			else
				key[ndig / 2] |= (uint8_t)v;
			ndig++;
		}
	}
	if (ndig % 2 != 0) {
		conf_err(ctx, sec, "key_file", "key_file %s: odd number of hex "
		    "digits", file);
		return -1;
	}
	*len = ndig / 2;
	return 0;
}

static int
open_key(struct conf_ctx *ctx, cfg_t *sec, const char *file, char *path,
    size_t pathlen)
{
	struct stat st;
	int fd, n;

	n = file[0] == '/' ? snprintf(path, pathlen, "%s", file) :
	    snprintf(path, pathlen, "%s/%s", ctx->dir, file);
	if (n < 0 || (size_t)n >= pathlen) {
		conf_err(ctx, sec, "key_file", "key_file %s: path too long",
		    file);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		conf_err(ctx, sec, "key_file", "key_file %s: cannot open %s: "
		    "%s", file, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		conf_err(ctx, sec, "key_file", "key_file %s: refused: not a "
		    "regular file", file);
		close(fd);
		return -1;
	}
	/* STYLE.md: a key others can read or write is no secret. */
	if (st.st_mode & 077) {
		conf_err(ctx, sec, "key_file", "key_file %s: refused: mode %04o"
		    " lets group or others read or write the key (chmod 600 "
		    "it)", file, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	return fd;
}

static int
load_key(struct conf_ctx *ctx, cfg_t *sec, const char *file, uint8_t *key,
    size_t *len)
{
	char path[PATH_MAX], text[KEY_FILE_MAX + 1];
	ssize_t n;
	size_t got = 0;
	int fd, rc = -1;

	if ((fd = open_key(ctx, sec, file, path, sizeof(path))) == -1)
		return -1;
	while (got < sizeof(text) &&
	    (n = read(fd, text + got, sizeof(text) - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (got > KEY_FILE_MAX)
		conf_err(ctx, sec, "key_file", "key_file %s: larger than %d "
		    "bytes", file, KEY_FILE_MAX);
	else {
		text[got] = '\0';
		rc = parse_key_text(ctx, sec, file, text, key, len);
	}
	explicit_bzero(text, sizeof(text));
	return rc;
}

static int
load_sa(struct conf_ctx *ctx, cfg_t *sec, const struct conf_common *c,
    uint32_t spi, struct conf_sa *out)
{
	uint8_t key[AUTH_KEY_MAX];
	size_t len = 0, want;
	int alg, rc = -1;

	if (conf_get_enum(ctx, sec, "alg", algs, &alg) == -1 ||
	    conf_require(ctx, sec, "key_file") == -1)
		return -1;
	want = alg == AUTH_ALG_HMAC_SHA1_96 ? 16 : 32;
	if (load_key(ctx, sec, cfg_getstr(sec, "key_file"), key, &len) == -1)
		goto out;
	if (len != want) {
		conf_err(ctx, sec, "key_file", "key_file %s: key is %zu bytes,"
		    " %s needs %zu", cfg_getstr(sec, "key_file"), len,
		    cfg_getstr(sec, "alg"), want);
		goto out;
	}
	if (sa_init(&out->sa, spi, (enum auth_alg)alg, key, len) == -1) {
		conf_err(ctx, sec, NULL, "sa %s: cannot set up the SA: %s",
		    cfg_title(sec), strerror(errno));
		goto out;
	}
	out->sa.replay = c->replay;
	out->sa.window_s = c->timestamp_window;
	if ((out->key_file = strdup(cfg_getstr(sec, "key_file"))) == NULL) {
		sa_clear(&out->sa);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(key, sizeof(key));
	return rc;
}

static void
load_sas(struct conf_ctx *ctx, struct conf_common *c)
{
	unsigned n = cfg_size(ctx->cfg, "sa");
	uint32_t spi;

	if (n == 0 || (c->sas = calloc(n, sizeof(*c->sas))) == NULL ||
	    (ctx->spis = calloc(n, sizeof(*ctx->spis))) == NULL)
		return;
	for (unsigned i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(ctx->cfg, "sa", i);

		if (parse_spi(cfg_title(sec), &spi) == -1) {
			conf_err(ctx, sec, NULL, "sa %s: the title is the SPI, "
			    "a number %d..%lu, decimal or 0x hex (0..255 are "
			    "reserved, RFC 4285 5)", cfg_title(sec),
			    AUTH_SPI_MIN, (unsigned long)UINT32_MAX);
			continue;
		}
		if (spi_declared(ctx, spi)) {
			conf_err(ctx, sec, NULL, "sa %s: duplicate SPI %u",
			    cfg_title(sec), spi);
			continue;
		}
		ctx->spis[ctx->nspis++] = spi;
		if (load_sa(ctx, sec, c, spi, &c->sas[c->nsas]) == 0)
			c->nsas++;
	}
}

/* ---- common settings ------------------------------------------------ */

static int
get_path(struct conf_ctx *ctx, const char *opt, size_t max, char **out)
{
	const char *s = cfg_getstr(ctx->cfg, opt);

	if (s[0] != '/' || strlen(s) >= max) {
		conf_err(ctx, ctx->cfg, opt, "%s: \"%s\" must be an absolute "
		    "path shorter than %zu characters", opt, s, max);
		return -1;
	}
	*out = strdup(s);
	return *out == NULL ? -1 : 0;
}

int
conf_common_load(struct conf_ctx *ctx, struct conf_common *c)
{
	cfg_t *cfg = ctx->cfg;
	unsigned u;
	int v;

	c->path = strdup(ctx->path);
	if (conf_get_enum(ctx, cfg, "log_level", log_levels, &v) == 0)
		c->log_level = (enum log_level)v;
	if (conf_get_enum(ctx, cfg, "transport", transports, &v) == 0)
		c->transport = (enum conf_transport)v;
	if (conf_get_uint(ctx, cfg, "udp_port", 1, 65535, &u) == 0)
		c->udp_port = (uint16_t)u;
	if (conf_get_enum(ctx, cfg, "backend", backends, &v) == 0)
		c->backend = (enum conf_backend)v;
	if (conf_get_enum(ctx, cfg, "replay", replays, &v) == 0)
		c->replay = (enum replay_mode)v;
	if (cfg_getint(cfg, "timestamp_window") <= MESGID_WINDOW_MIN_S)
		conf_err(ctx, cfg, "timestamp_window", "timestamp_window = %ld:"
		    " must be more than %d s (RFC 4285 6)",
		    cfg_getint(cfg, "timestamp_window"), MESGID_WINDOW_MIN_S);
	else
		conf_get_uint(ctx, cfg, "timestamp_window",
		    MESGID_WINDOW_MIN_S + 1, 3600, &c->timestamp_window);
	get_path(ctx, "control_socket", CONF_SUN_MAX, &c->control_socket);
	get_path(ctx, "state_dir", PATH_MAX, &c->state_dir);
	load_sas(ctx, c);
	return ctx->nerr ? -1 : 0;
}

const struct mh_sa *
conf_sa_find(const struct conf_common *c, uint32_t spi)
{
	for (size_t i = 0; i < c->nsas; i++)
		if (c->sas[i].sa.spi == spi)
			return &c->sas[i].sa;
	return NULL;
}

int
conf_sa_move_to_table(struct conf_common *c, struct sa_table *t)
{
	for (size_t i = 0; i < c->nsas; i++) {
		if (sa_table_add(t, &c->sas[i].sa) == -1)
			return -1;
		/* The table owns the MAC context now. */
		c->sas[i].sa.mac_tmpl = NULL;
		explicit_bzero(c->sas[i].sa.key, sizeof(c->sas[i].sa.key));
	}
	return 0;
}

void
conf_common_free(struct conf_common *c)
{
	for (size_t i = 0; i < c->nsas; i++) {
		sa_clear(&c->sas[i].sa);
		free(c->sas[i].key_file);
	}
	free(c->sas);
	free(c->path);
	free(c->control_socket);
	free(c->state_dir);
	memset(c, 0, sizeof(*c));
}

/* ---- printing --------------------------------------------------------- */

/* v in double quotes, with " and \ escaped as libconfuse reads them:
 * what -n prints must load again (fuzz/regress/conf_mnd). */
void
conf_print_quoted(FILE *fp, const char *v)
{
	fputc('"', fp);
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', fp);
		fputc(*v, fp);
	}
	fputc('"', fp);
}

void
conf_print_str(FILE *fp, const char *indent, const char *key, const char *v)
{
	fprintf(fp, "%s%s = ", indent, key);
	conf_print_quoted(fp, v);
	fputc('\n', fp);
}

void
conf_print_addr(FILE *fp, const char *indent, const char *key,
    const struct in6_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, buf, sizeof(buf));
	conf_print_str(fp, indent, key, buf);
}

void
conf_print_prefix(FILE *fp, const char *indent, const char *key,
    const struct conf_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8];

	conf_print_str(fp, indent, key, conf_prefix_str(p, buf, sizeof(buf)));
}

void
conf_print_lifetime(FILE *fp, const char *key, unsigned secs,
    unsigned asked)
{
	if (secs == asked)
		fprintf(fp, "%s = %u\n", key, secs);
	else
		fprintf(fp, "%s = %u\t# rounded up from %u: lifetimes are "
		    "sent in 4 s units\n", key, secs, asked);
}

void
conf_common_print(FILE *fp, const struct conf_common *c)
{
	fprintf(fp, "# effective configuration of %s\n", c->path ? c->path :
	    "(none)");
	conf_print_str(fp, "", "log_level",
	    conf_enum_name(log_levels, (int)c->log_level));
	conf_print_str(fp, "", "transport", conf_transport_name(c->transport));
	fprintf(fp, "udp_port = %u\n", c->udp_port);
	conf_print_str(fp, "", "backend", conf_backend_name(c->backend));
	conf_print_str(fp, "", "replay", conf_enum_name(replays,
	    (int)c->replay));
	fprintf(fp, "timestamp_window = %u\n", c->timestamp_window);
	conf_print_str(fp, "", "control_socket", c->control_socket);
	conf_print_str(fp, "", "state_dir", c->state_dir);
	for (size_t i = 0; i < c->nsas; i++) {
		fprintf(fp, "\nsa %u {\n", c->sas[i].sa.spi);
		conf_print_str(fp, "\t", "alg", conf_enum_name(algs,
		    (int)c->sas[i].sa.alg));
		conf_print_str(fp, "\t", "key_file", c->sas[i].key_file);
		fputs("}\n", fp);
	}
}
