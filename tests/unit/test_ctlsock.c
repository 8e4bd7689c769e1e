/*
 * test_ctlsock.c: the control socket. The answer model is checked byte
 * for byte (text and JSON, with an independent JSON validator below);
 * the server runs on a real evloop with clients on a temporary socket
 * path or a socketpair: framing, pipelining, oversize and malformed
 * requests, clients that never read, idle clients, the client limit,
 * stale and live sockets, and privileges (as root: a child that drops
 * to uid 65534).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "ctlsock.h"
#include "evloop.h"
#include "log.h"
#include "cu_main.h"

/* ---- an independent JSON validator (RFC 8259) ------------------------ */

static const char *js_value(const char *, int);

static const char *
js_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* One UTF-8 sequence: decode, then reject overlong, surrogates, >10FFFF. */
static const char *
js_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp, n, min;

	if (p[0] >= 0xc0 && p[0] < 0xe0) {
		n = 1, cp = p[0] & 0x1f, min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] < 0xf0) {
		n = 2, cp = p[0] & 0x0f, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] < 0xf8) {
		n = 3, cp = p[0] & 0x07, min = 0x10000;
	} else
		return NULL;
	for (unsigned i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return NULL;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return NULL;
	return s + n + 1;
}

static const char *
js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20)
			return NULL;	/* NUL (end) or unescaped control */
		if (c == '\\') {
			p++;
			if (*p != '\0' && strchr("\"\\/bfnrt", *p) != NULL)
				p++;
			else if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (strchr("0123456789abcdefABCDEF",
					    p[i]) == NULL || p[i] == '\0')
						return NULL;
				p += 5;
			} else
				return NULL;
		} else if (c >= 0x80) {
			if ((p = js_utf8(p)) == NULL)
				return NULL;
		} else
			p++;
	}
	return p + 1;
}

static const char *
js_digits(const char *p)
{
	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	return p;
}

static const char *
js_number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if ((p = js_digits(p)) == NULL)
		return NULL;
	if (*p == '.' && (p = js_digits(p + 1)) == NULL)
		return NULL;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		p = js_digits(p);
	}
	return p;
}

static const char *
js_members(const char *p, char close, bool keys, int depth)
{
	p = js_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (keys) {
			if ((p = js_string(js_ws(p))) == NULL)
				return NULL;
			p = js_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if ((p = js_value(p, depth + 1)) == NULL)
			return NULL;
		p = js_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *
js_value(const char *p, int depth)
{
	p = js_ws(p);
	if (depth > 64)
		return NULL;
	switch (*p) {
	case '{':
		return js_members(p, '}', true, depth);
	case '[':
		return js_members(p, ']', false, depth);
	case '"':
		return js_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return js_number(p);
	}
}

static bool
json_valid(const char *s, size_t len)
{
	const char *p;

	if (strlen(s) != len || *js_ws(s) != '{')
		return false;
	p = js_value(s, 0);
	return p != NULL && *js_ws(p) == '\0';
}

static void
test_validator(void)
{
	CU_ASSERT_TRUE(json_valid("{}", 2));
	CU_ASSERT_TRUE(json_valid("{\"a\":[1,-0.5e+3,true,null,\"\\u00e9\"]}",
	    36));
	CU_ASSERT_FALSE(json_valid("{\"a\":01}", 8));
	CU_ASSERT_FALSE(json_valid("{\"a\":1,}", 8));
	CU_ASSERT_FALSE(json_valid("{\"a\":\"\x01\"}", 9));
	CU_ASSERT_FALSE(json_valid("{\"a\":\"\xc0\x80\"}", 10));
	CU_ASSERT_FALSE(json_valid("{\"a\":\"\xed\xa0\x80\"}", 11));
	CU_ASSERT_FALSE(json_valid("{\"a\":1} x", 9));
	CU_ASSERT_FALSE(json_valid("{\"a\" 1}", 7));
}

/* ---- the answer model ------------------------------------------------ */

static char *
render(struct ctl_out *o, int json, size_t *len)
{
	const char *e = NULL;
	char *s = ctl_out_render(o, json, 1 << 20, len, &e);

	CU_ASSERT_PTR_NULL(e);
	return s;
}

static void
fill_sample(struct ctl_out *o)
{
	static const struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d,
	    0xb8, [15] = 1 } };

	ctl_kv(o, "daemon", "%s", "had");
	ctl_kv(o, "count:n", "%d", 2);
	ctl_kv(o, "home:b", "yes");
	ctl_table(o, "bindings", "hoa", "lifetime:n", "state", "dad:b");
	ctl_row(o, ctl_in6(o, &a), ctl_fmt(o, "%u", 120u), "active", "no");
	ctl_row(o, "2001:db8:10::22", "4", NULL, "maybe");
}

static void
test_text(void)
{
	struct ctl_out *o = ctl_out_new();
	size_t len;
	char *s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	fill_sample(o);
	s = render(o, 0, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* Keys aligned; a table per block with a title when there are
	 * several; numbers right-aligned; NULL is "-"; no trailing space. */
	CU_ASSERT_STRING_EQUAL(s,
	    "daemon  had\n"
	    "count   2\n"
	    "home    yes\n"
	    "\n"
	    "bindings:\n"
	    "HOA              LIFETIME  STATE   DAD\n"
	    "2001:db8::1           120  active  no\n"
	    "2001:db8:10::22         4  -       maybe\n");
	CU_ASSERT_EQUAL(len, strlen(s));
	free(s);
	ctl_out_free(o);
}

static void
test_json(void)
{
	struct ctl_out *o = ctl_out_new();
	size_t len;
	char *s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	fill_sample(o);
	s = render(o, 1, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s,
	    "{\"daemon\":\"had\",\"count\":2,\"home\":true,"
	    "\"bindings\":[{\"hoa\":\"2001:db8::1\",\"lifetime\":120,"
	    "\"state\":\"active\",\"dad\":false},"
	    "{\"hoa\":\"2001:db8:10::22\",\"lifetime\":4,\"state\":null,"
	    "\"dad\":null}]}\n");
	CU_ASSERT_TRUE(json_valid(s, len));
	free(s);
	ctl_out_free(o);
}

/* Render a one-cell table; returns the JSON value of the cell. */
static char *
one_cell(const char *type, const char *v)
{
	struct ctl_out *o = ctl_out_new();
	char col[16], *s, *r = NULL;
	size_t len;

	snprintf(col, sizeof(col), "v%s", type);
	ctl_table(o, "t", col);
	ctl_row(o, v);
	s = render(o, 1, &len);
	if (s != NULL) {
		CU_ASSERT_TRUE(json_valid(s, len));
		/* {"t":[{"v":X}]}\n */
		if (len > 15 && strncmp(s, "{\"t\":[{\"v\":", 11) == 0 &&
		    strcmp(s + len - 4, "}]}\n") == 0) {
			s[len - 4] = '\0';
			r = strdup(s + 11);
		}
	}
	free(s);
	ctl_out_free(o);
	return r;
}

static void
check_cell(const char *type, const char *v, const char *want)
{
	char *got = one_cell(type, v);

	if (got == NULL)
		fprintf(stderr, "\n  cell %s \"%s\": no answer\n", type, v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n  cell %s \"%s\": got %s, want %s\n",
		    type, v, got, want);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);
}

static void
test_json_values(void)
{
	/* Numbers: exactly the RFC 8259 grammar, anything else null. */
	check_cell(":n", "0", "0");
	check_cell(":n", "-12", "-12");
	check_cell(":n", "1.5e-3", "1.5e-3");
	check_cell(":n", "18446744073709551615", "18446744073709551615");
	check_cell(":n", "01", "null");
	check_cell(":n", "1.", "null");
	check_cell(":n", "-", "null");
	check_cell(":n", " 1", "null");
	check_cell(":n", "0x10", "null");
	check_cell(":n", "", "null");
	check_cell(":n", "nan", "null");
	check_cell(":b", "on", "true");
	check_cell(":b", "0", "false");
	check_cell(":b", "Yes", "null");
	/* Strings: escapes, valid UTF-8 kept, invalid bytes replaced. */
	check_cell("", "a\"b\\c", "\"a\\\"b\\\\c\"");
	check_cell("", "\t\n\x1f", "\"\\u0009\\u000a\\u001f\"");
	check_cell("", "caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 "
	    "\xf0\x9f\x98\x80\"");
	check_cell("", "\xff", "\"\\ufffd\"");
	check_cell("", "\xc0\x80", "\"\\ufffd\\ufffd\"");	/* overlong */
	check_cell("", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	check_cell("", "\xe2\x82", "\"\\ufffd\\ufffd\"");	/* cut short */
	check_cell("", "\xf4\x90\x80\x80",			/* > 10FFFF */
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void
test_model_errors(void)
{
	struct ctl_out *o;
	const char *e;
	size_t len;
	char *s;

	/* A row without a table, then a second error: the first wins. */
	o = ctl_out_new();
	ctl_row(o, "x");
	ctl_error(o, "second");
	e = NULL;
	CU_ASSERT_PTR_NULL(ctl_out_render(o, 0, 1 << 20, &len, &e));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e, "internal: row outside a table");
	ctl_out_free(o);

	/* A row with the wrong number of cells. */
	o = ctl_out_new();
	ctl_table(o, "t", "a", "b");
	ctl_row(o, "1");
	e = NULL;
	CU_ASSERT_PTR_NULL(ctl_out_render(o, 1, 1 << 20, &len, &e));
	CU_ASSERT_PTR_NOT_NULL(e);
	CU_ASSERT_PTR_NOT_NULL(e != NULL ? strstr(e, "1 cells for 2") : NULL);
	ctl_out_free(o);

	/* Larger than the limit: an error, never a truncated answer. */
	o = ctl_out_new();
	ctl_table(o, "t", "a");
	for (int i = 0; i < 100; i++)
		ctl_row(o, "0123456789");
	e = NULL;
	CU_ASSERT_PTR_NULL(ctl_out_render(o, 1, 1000, &len, &e));
	CU_ASSERT_STRING_EQUAL(e != NULL ? e : "", "answer too large");
	CU_ASSERT_PTR_NOT_NULL(s = ctl_out_render(o, 1, 2000, &len, &e));
	free(s);
	ctl_out_free(o);

	/* Names are unique in the answer (the JSON object's members). */
	o = ctl_out_new();
	ctl_kv(o, "bindings:n", "1");
	ctl_table(o, "bindings", "a");
	e = NULL;
	CU_ASSERT_PTR_NULL(ctl_out_render(o, 1, 1 << 20, &len, &e));
	CU_ASSERT_STRING_EQUAL(e != NULL ? e : "",
	    "internal: bindings twice in one answer");
	ctl_out_free(o);
	o = ctl_out_new();
	ctl_table(o, "t", "a", "b", "a:n");
	e = NULL;
	CU_ASSERT_PTR_NULL(ctl_out_render(o, 1, 1 << 20, &len, &e));
	CU_ASSERT_STRING_EQUAL(e != NULL ? e : "",
	    "internal: column a twice in t");
	ctl_out_free(o);

	/* An unknown suffix is part of the name. */
	o = ctl_out_new();
	ctl_kv(o, "a:x", "1");
	s = render(o, 1, &len);
	CU_ASSERT_STRING_EQUAL(s != NULL ? s : "?", "{\"a:x\":\"1\"}\n");
	free(s);
	ctl_out_free(o);

	/* Empty answers. */
	o = ctl_out_new();
	s = render(o, 0, &len);
	CU_ASSERT_STRING_EQUAL(s != NULL ? s : "?", "");
	CU_ASSERT_EQUAL(len, 0);
	free(s);
	s = render(o, 1, &len);
	CU_ASSERT_STRING_EQUAL(s != NULL ? s : "?", "{}\n");
	free(s);
	/* An empty table still has its header, and [] in JSON. */
	ctl_table(o, "t", "a:n");
	s = render(o, 0, &len);
	CU_ASSERT_STRING_EQUAL(s != NULL ? s : "?", "A\n");
	free(s);
	s = render(o, 1, &len);
	CU_ASSERT_STRING_EQUAL(s != NULL ? s : "?", "{\"t\":[]}\n");
	free(s);

	/* Privilege of the peer. */
	ctl_out_set_peer(o, 1000, 42, 0);
	CU_ASSERT_EQUAL(ctl_peer_uid(o), 1000);
	CU_ASSERT_EQUAL(ctl_peer_pid(o), 42);
	CU_ASSERT_EQUAL(ctl_require_priv(o), -1);
	e = NULL;
	CU_ASSERT_PTR_NULL(ctl_out_render(o, 0, 1 << 20, &len, &e));
	CU_ASSERT_PTR_NOT_NULL(e != NULL ? strstr(e, "permission") : NULL);
	ctl_out_free(o);
	o = ctl_out_new();
	ctl_out_set_peer(o, 0, 1, 1);
	CU_ASSERT_EQUAL(ctl_require_priv(o), 0);
	ctl_out_free(o);
}

/* ---- the server ------------------------------------------------------ */

struct fx {
	struct evloop	*l;
	struct ctlsock	*cs;
	char		 dir[64];
	char		 path[108];
};

static char logged[8192];

static void
sink(int prio, const char *msg)
{
	(void)prio;
	if (strlen(logged) + strlen(msg) + 2 < sizeof(logged)) {
		strcat(logged, msg);
		strcat(logged, "\n");
	}
}

static int
h_echo(struct ctl_out *o, int argc, char **argv, void *arg)
{
	ctl_kv(o, "cmd", "%s", (const char *)arg);
	ctl_kv(o, "argc:n", "%d", argc);
	ctl_table(o, "argv", "arg");
	for (int i = 0; i < argc; i++)
		ctl_row(o, argv[i]);
	return 0;
}

static int
h_fail(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)o, (void)argc, (void)argv, (void)arg;
	return -1;	/* no message: the server says "command failed" */
}

/* N rows of 100 bytes. */
static int
h_big(struct ctl_out *o, int argc, char **argv, void *arg)
{
	static const char row[] = "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567";
	long n = argc == 1 ? strtol(argv[0], NULL, 10) : 0;

	(void)arg;
	ctl_table(o, "big", "r");
	for (long i = 0; i < n; i++)
		ctl_row(o, row);
	return 0;
}

static int reloads;

static int
h_reload(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)argc, (void)argv, (void)arg;
	reloads++;
	ctl_kv(o, "reloaded:b", "yes");
	return 0;
}

static void
fx_open(struct fx *f)
{
	char err[256] = "";

	memset(f, 0, sizeof(*f));
	signal(SIGPIPE, SIG_IGN);	/* the test's own client writes */
	log_init("test", 1, LOG_LVL_DEBUG);
	logged[0] = '\0';
	log_set_sink(sink);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ctlsock-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(f->dir));
	/* The socket's parent does not exist yet: created 0755. */
	snprintf(f->path, sizeof(f->path), "%s/run/dmip6/t.sock", f->dir);
	f->l = evloop_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->l);
	f->cs = ctlsock_open(f->l, f->path, (gid_t)-1, err, sizeof(err));
	if (f->cs == NULL)
		fprintf(stderr, "\n  ctlsock_open: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->cs);
	CU_ASSERT_EQUAL(ctlsock_register(f->cs, "show", 0, h_echo,
	    "show"), 0);
	CU_ASSERT_EQUAL(ctlsock_register(f->cs, "show  bindings", 0, h_echo,
	    "show bindings"), 0);
	CU_ASSERT_EQUAL(ctlsock_register(f->cs, "fail", 0, h_fail, NULL), 0);
	CU_ASSERT_EQUAL(ctlsock_register(f->cs, "big", 0, h_big, NULL), 0);
	CU_ASSERT_EQUAL(ctlsock_register(f->cs, "reload", CTL_F_PRIV,
	    h_reload, NULL), 0);
}

static void
fx_close(struct fx *f)
{
	char cmd[160];

	ctlsock_close(f->cs);
	evloop_free(f->l);
	log_set_sink(NULL);
	log_setlevel(LOG_LVL_WARN);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static int
cl_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sun,
	    sizeof(sun)) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

static void
cl_send(int fd, const char *s, size_t len)
{
	CU_ASSERT_EQUAL(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* A growing receive buffer per client. */
struct rx {
	char	*p;
	size_t	 len;
	bool	 closed;	/* EOF or ECONNRESET */
};

/* Drain what fd has now. */
static void
rx_read(struct rx *r, int fd)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		r->p = realloc(r->p, r->len + (size_t)n + 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r->p);
		memcpy(r->p + r->len, buf, (size_t)n);
		r->len += (size_t)n;
		r->p[r->len] = '\0';
	}
	if (n == 0 || (n == -1 && errno == ECONNRESET))
		r->closed = true;
}

/*
 * The first answer in r: 1 with *ok, body (NUL-terminated copy) and
 * consumed from r; 0 incomplete; -1 malformed.
 */
static int
rx_answer(struct rx *r, bool *ok, char **body, size_t *blen)
{
	char *lf, *end;
	size_t hl;
	unsigned long v;

	if (r->len == 0 || (lf = memchr(r->p, '\n', r->len)) == NULL)
		return r->len > CTL_HDR_MAX ? -1 : 0;
	hl = (size_t)(lf - r->p) + 1;
	if (strncmp(r->p, "ok ", 3) == 0)
		*ok = true;
	else if (strncmp(r->p, "error ", 6) == 0)
		*ok = false;
	else
		return -1;
	v = strtoul(r->p + (*ok ? 3 : 6), &end, 10);
	if (end != lf)
		return -1;
	if (r->len - hl < v)
		return 0;
	*blen = v;
	*body = malloc(v + 1);
	memcpy(*body, r->p + hl, v);
	(*body)[v] = '\0';
	memmove(r->p, r->p + hl + v, r->len - hl - v);
	r->len -= hl + v;
	return 1;
}

/* Run the loop until an answer arrives on fd (bounded). */
static int
wait_answer(struct fx *f, int fd, struct rx *r, bool *ok, char **body,
    size_t *blen)
{
	int rc;

	for (int i = 0; i < 2000; i++) {
		rx_read(r, fd);
		if ((rc = rx_answer(r, ok, body, blen)) != 0)
			return rc;
		if (r->closed)
			return 0;
		evloop_once(f->l, 10);
	}
	return 0;
}

/* One request on a new connection; the body, or NULL. */
static char *
ask(struct fx *f, const char *req, bool *ok, size_t *blen)
{
	struct rx r = { 0 };
	char *body = NULL;
	int fd = cl_connect(f->path);

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	cl_send(fd, req, strlen(req));
	if (wait_answer(f, fd, &r, ok, &body, blen) != 1)
		body = NULL;
	CU_ASSERT_EQUAL(r.len, 0);	/* nothing after the answer */
	free(r.p);
	close(fd);
	return body;
}

static void
test_listen(void)
{
	struct fx f;
	struct stat st;
	char parent[96], *body;
	size_t len;
	bool ok;

	fx_open(&f);
	CU_ASSERT_EQUAL_FATAL(stat(f.path, &st), 0);
	CU_ASSERT_TRUE(S_ISSOCK(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0660);
	snprintf(parent, sizeof(parent), "%s/run/dmip6", f.dir);
	CU_ASSERT_EQUAL_FATAL(stat(parent, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0755);

	body = ask(&f, "help\n", &ok, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "show bindings  no\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "reload         yes\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "log            no\n"));
	free(body);
	/* The peer's credentials are logged. */
	{
		char want[64];

		snprintf(want, sizeof(want), "client uid %u gid %u pid %d",
		    (unsigned)getuid(), (unsigned)getgid(), (int)getpid());
		CU_ASSERT_PTR_NOT_NULL(strstr(logged, want));
	}
	ctlsock_close(f.cs);
	f.cs = NULL;
	CU_ASSERT_EQUAL(stat(f.path, &st), -1);	/* unlinked */
	fx_close(&f);
}

static void
test_dispatch(void)
{
	struct fx f;
	char *body;
	size_t len;
	bool ok;

	fx_open(&f);
	/* Longest registered name wins; the rest are arguments. */
	body = ask(&f, "show bindings x  y\n", &ok, &len);
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_STRING_EQUAL(body != NULL ? body : "",
	    "cmd   show bindings\n"
	    "argc  2\n"
	    "\n"
	    "argv:\n"
	    "ARG\n"
	    "x\n"
	    "y\n");
	free(body);
	body = ask(&f, "json show flows\r\n", &ok, &len);
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_STRING_EQUAL(body != NULL ? body : "",
	    "{\"cmd\":\"show\",\"argc\":1,\"argv\":[{\"arg\":\"flows\"}]}\n");
	CU_ASSERT_TRUE(body != NULL && json_valid(body, len));
	free(body);

	body = ask(&f, "showbindings\n", &ok, &len);
	CU_ASSERT_FALSE(ok);
	CU_ASSERT_STRING_EQUAL(body != NULL ? body : "",
	    "unknown command 'showbindings' (try 'help')");
	free(body);
	body = ask(&f, "fail\n", &ok, &len);
	CU_ASSERT_FALSE(ok);
	CU_ASSERT_STRING_EQUAL(body != NULL ? body : "", "command failed");
	free(body);
	body = ask(&f, "json\n", &ok, &len);
	CU_ASSERT_FALSE(ok);
	free(body);
	body = ask(&f, "log loud\n", &ok, &len);
	CU_ASSERT_FALSE(ok);
	CU_ASSERT_PTR_NOT_NULL(body != NULL ? strstr(body, "usage") : NULL);
	free(body);

	/* Registration rules. */
	CU_ASSERT_EQUAL(ctlsock_register(f.cs, "json x", 0, h_echo, ""), -1);
	CU_ASSERT_EQUAL(ctlsock_register(f.cs, "  ", 0, h_echo, ""), -1);
	CU_ASSERT_EQUAL(ctlsock_register(f.cs, "fail", 0, h_echo, "again"),
	    0);
	body = ask(&f, "fail\n", &ok, &len);
	CU_ASSERT_TRUE(ok);	/* replaced */
	free(body);
	fx_close(&f);
}

/* Several requests in one write, blank lines, the last ended by EOF. */
static void
test_pipeline(void)
{
	static const char req[] = "show a\n\njson show b\n  \nshow c";
	struct fx f;
	struct rx r = { 0 };
	char *body;
	size_t len;
	bool ok;
	int fd;

	fx_open(&f);
	fd = cl_connect(f.path);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	cl_send(fd, req, sizeof(req) - 1);
	shutdown(fd, SHUT_WR);	/* EOF ends the last request */
	CU_ASSERT_EQUAL(wait_answer(&f, fd, &r, &ok, &body, &len), 1);
	CU_ASSERT_PTR_NOT_NULL(body != NULL ? strstr(body, "a\n") : NULL);
	free(body);
	CU_ASSERT_EQUAL(wait_answer(&f, fd, &r, &ok, &body, &len), 1);
	CU_ASSERT_TRUE(json_valid(body, len));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "{\"arg\":\"b\"}"));
	free(body);
	CU_ASSERT_EQUAL(wait_answer(&f, fd, &r, &ok, &body, &len), 1);
	CU_ASSERT_PTR_NOT_NULL(body != NULL ? strstr(body, "c\n") : NULL);
	free(body);
	/* Then the server closes: EOF was seen, nothing is pending. */
	for (int i = 0; i < 100 && !r.closed; i++) {
		evloop_once(f.l, 10);
		rx_read(&r, fd);
	}
	CU_ASSERT_TRUE(r.closed);
	CU_ASSERT_EQUAL(r.len, 0);
	CU_ASSERT_EQUAL(ctlsock_nclients(f.cs), 0);
	free(r.p);
	close(fd);
	fx_close(&f);
}

/* Oversize and malformed requests: answered, then the connection ends;
 * the server keeps serving others. */
static void
check_rejected(struct fx *f, const char *req, size_t len, const char *want)
{
	struct rx r = { 0 };
	char *body = NULL;
	size_t blen;
	bool ok = true;
	int fd = cl_connect(f->path);

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	cl_send(fd, req, len);
	CU_ASSERT_EQUAL(wait_answer(f, fd, &r, &ok, &body, &blen), 1);
	CU_ASSERT_FALSE(ok);
	CU_ASSERT_STRING_EQUAL(body != NULL ? body : "", want);
	free(body);
	for (int i = 0; i < 100 && !r.closed; i++) {
		evloop_once(f->l, 10);
		rx_read(&r, fd);
	}
	CU_ASSERT_TRUE(r.closed);
	CU_ASSERT_EQUAL(ctlsock_nclients(f->cs), 0);
	free(r.p);
	close(fd);
}

static void
test_bad_requests(void)
{
	char big[3000];
	struct fx f;
	char *body;
	size_t len;
	bool ok;

	fx_open(&f);
	memset(big, 'a', sizeof(big));
	check_rejected(&f, big, sizeof(big), "request too long");
	/* CTL_REQ_MAX bytes with the LF: accepted; one more: refused. */
	memcpy(big, "show ", 5);
	big[CTL_REQ_MAX] = '\n';
	check_rejected(&f, big, CTL_REQ_MAX + 1, "request too long");
	big[CTL_REQ_MAX - 1] = '\n';
	big[CTL_REQ_MAX] = '\0';
	body = ask(&f, big, &ok, &len);
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_PTR_NOT_NULL(body != NULL ? strstr(body, "argc  1\n") :
	    NULL);
	free(body);
	check_rejected(&f, "show \x01\n", 7,
	    "bad request: not printable ASCII");
	check_rejected(&f, "show \xc3\xa9\n", 8,
	    "bad request: not printable ASCII");
	check_rejected(&f, "sh\0ow\n", 6, "bad request: not printable ASCII");
	/* Too many words. */
	{
		char many[200] = "show";

		for (int i = 0; i < 40; i++)
			strcat(many, " x");
		strcat(many, "\n");
		body = ask(&f, many, &ok, &len);
		CU_ASSERT_FALSE(ok);
		CU_ASSERT_STRING_EQUAL(body != NULL ? body : "",
		    "too many words");
		free(body);
	}
	fx_close(&f);
}

/* A client that asks and never reads: dropped once its unread answers
 * pass the limit; the loop never blocks and others are served. */
static void
test_slow_client(void)
{
	struct fx f;
	char *body;
	size_t len;
	bool ok;
	int fd, small = 4096;

	fx_open(&f);
	ctlsock_set_limits(f.cs, 64 * 1024, 0, 0);
	fd = cl_connect(f.path);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	for (int i = 0; i < 100; i++) {
		/* 100 answers of ~10 KB: more than socket buffers + 64 KB. */
		cl_send(fd, "big 100\n", 8);
		evloop_once(f.l, 0);
		if (ctlsock_nclients(f.cs) == 0)
			break;
	}
	for (int i = 0; i < 50 && ctlsock_nclients(f.cs) > 0; i++)
		evloop_once(f.l, 0);
	CU_ASSERT_EQUAL(ctlsock_nclients(f.cs), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(logged,
	    "dropped (unread answers over the limit)"));
	close(fd);

	/* One answer over the limit is an error, not a drop. */
	body = ask(&f, "big 1000\n", &ok, &len);
	CU_ASSERT_FALSE(ok);
	CU_ASSERT_STRING_EQUAL(body != NULL ? body : "", "answer too large");
	free(body);
	/* A large answer within it goes through a small socket buffer. */
	body = ask(&f, "big 600\n", &ok, &len);
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_EQUAL(len, 2 + 600 * 99);
	free(body);
	fx_close(&f);
}

static void
test_idle_and_limit(void)
{
	struct fx f;
	struct rx r = { 0 };
	char *body = NULL;
	size_t len;
	bool ok = true;
	int a, b, c;

	fx_open(&f);
	ctlsock_set_limits(f.cs, 0, 30, 2);
	a = cl_connect(f.path);
	b = cl_connect(f.path);
	c = cl_connect(f.path);
	CU_ASSERT_TRUE_FATAL(a >= 0 && b >= 0 && c >= 0);
	for (int i = 0; i < 10; i++)
		evloop_once(f.l, 0);
	CU_ASSERT_EQUAL(ctlsock_nclients(f.cs), 2);
	/* The third is told why and closed. */
	CU_ASSERT_EQUAL(wait_answer(&f, c, &r, &ok, &body, &len), 1);
	CU_ASSERT_FALSE(ok);
	CU_ASSERT_STRING_EQUAL(body != NULL ? body : "", "too many clients");
	free(body);
	free(r.p);
	/* Silent clients go after the idle time. */
	for (int i = 0; i < 200 && ctlsock_nclients(f.cs) > 0; i++)
		evloop_once(f.l, 10);
	CU_ASSERT_EQUAL(ctlsock_nclients(f.cs), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "dropped (idle)"));
	close(a);
	close(b);
	close(c);
	fx_close(&f);
}

static void
test_stale_and_live(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct fx f;
	struct ctlsock *cs2;
	struct stat st;
	char err[256] = "", *body;
	size_t len;
	bool ok;
	int fd;

	fx_open(&f);
	/* A live daemon's socket is not taken over. */
	cs2 = ctlsock_open(f.l, f.path, (gid_t)-1, err, sizeof(err));
	CU_ASSERT_PTR_NULL(cs2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "another process is listening"));
	body = ask(&f, "show\n", &ok, &len);
	CU_ASSERT_TRUE(ok);
	free(body);
	ctlsock_close(f.cs);

	/* A dead one's (bound, never listening: connect is refused). */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f.path);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	close(fd);
	f.cs = ctlsock_open(f.l, f.path, (gid_t)-1, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(f.cs);
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "removing stale"));
	body = ask(&f, "help\n", &ok, &len);
	CU_ASSERT_TRUE(ok);
	free(body);

	/* Not ours any more (replaced): close leaves it alone. */
	CU_ASSERT_EQUAL(unlink(f.path), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_EQUAL(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ctlsock_close(f.cs);
	CU_ASSERT_EQUAL(stat(f.path, &st), 0);
	close(fd);
	CU_ASSERT_EQUAL(unlink(f.path), 0);

	/* A file that is not a socket is never removed. */
	fd = open(f.path, O_CREAT | O_WRONLY, 0600);
	CU_ASSERT_TRUE(fd >= 0);
	close(fd);
	f.cs = ctlsock_open(f.l, f.path, (gid_t)-1, err, sizeof(err));
	CU_ASSERT_PTR_NULL(f.cs);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a socket"));
	CU_ASSERT_EQUAL(stat(f.path, &st), 0);
	CU_ASSERT_TRUE(S_ISREG(st.st_mode));
	/* Relative and overlong paths. */
	CU_ASSERT_PTR_NULL(ctlsock_open(f.l, "rel.sock", (gid_t)-1, err,
	    sizeof(err)));
	{
		char lng[200];

		memset(lng, 'x', sizeof(lng));
		lng[0] = '/';
		lng[sizeof(lng) - 1] = '\0';
		CU_ASSERT_PTR_NULL(ctlsock_open(f.l, lng, (gid_t)-1, err,
		    sizeof(err)));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "too long"));
	}
	f.cs = NULL;
	fx_close(&f);
}

/* A socketpair client; "log" changes the level and says so. */
static void
test_socketpair_log(void)
{
	struct fx f;
	struct rx r = { 0 };
	char *body = NULL;
	size_t len;
	bool ok = false;
	int sv[2];

	fx_open(&f);
	log_setlevel(LOG_LVL_INFO);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK,
	    0, sv), 0);
	CU_ASSERT_EQUAL(ctlsock_add_client(f.cs, sv[0]), 0);
	cl_send(sv[1], "json log verbose\n", 17);
	CU_ASSERT_EQUAL(wait_answer(&f, sv[1], &r, &ok, &body, &len), 1);
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_STRING_EQUAL(body != NULL ? body : "",
	    "{\"log_level\":\"verbose\"}\n");
	free(body);
	CU_ASSERT_EQUAL(log_getlevel(), LOG_LVL_DEBUG);
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "log level normal -> verbose "
	    "(dmipctl, uid"));
	cl_send(sv[1], "log\n", 4);
	CU_ASSERT_EQUAL(wait_answer(&f, sv[1], &r, &ok, &body, &len), 1);
	CU_ASSERT_STRING_EQUAL(body != NULL ? body : "",
	    "log_level  verbose\n");
	free(body);
	cl_send(sv[1], "reload\n", 7);
	CU_ASSERT_EQUAL(wait_answer(&f, sv[1], &r, &ok, &body, &len), 1);
	CU_ASSERT_TRUE(ok);
	free(body);
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "ctl: 'reload' from uid"));
	free(r.p);
	close(sv[1]);
	for (int i = 0; i < 10 && ctlsock_nclients(f.cs) > 0; i++)
		evloop_once(f.l, 10);
	CU_ASSERT_EQUAL(ctlsock_nclients(f.cs), 0);
	fx_close(&f);
}

/* Child: as uid/gid 65534, ask req; exit 0 if the answer is ok, 1 if
 * an error containing "permission denied", 2 otherwise. */
static void __attribute__((noreturn))
child_ask(const char *path, const char *req, gid_t extra)
{
	char buf[4096];
	ssize_t n;
	size_t have = 0;
	int fd;

	if (setgroups(extra != (gid_t)-1 ? 1 : 0, &extra) == -1 ||
	    setgid(65534) == -1 || setuid(65534) == -1)
		_exit(3);
	if ((fd = cl_connect(path)) == -1)
		_exit(4);
	fcntl(fd, F_SETFL, 0);	/* blocking */
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		_exit(5);
	shutdown(fd, SHUT_WR);
	while (have < sizeof(buf) - 1 &&
	    (n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0)
		have += (size_t)n;
	buf[have] = '\0';
	if (strncmp(buf, "ok ", 3) == 0)
		_exit(0);
	if (strncmp(buf, "error ", 6) == 0 && strstr(buf, "permission denied"))
		_exit(1);
	_exit(2);
}

static int
run_child(struct fx *f, const char *req, gid_t extra)
{
	pid_t pid = fork();
	int st = -1;

	CU_ASSERT_TRUE_FATAL(pid >= 0);
	if (pid == 0)
		child_ask(f->path, req, extra);
	for (int i = 0; i < 1000; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		evloop_once(f->l, 5);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void
test_privileges(void)
{
	struct fx f;

	if (geteuid() != 0) {
		fprintf(stderr, "(skipped: needs root) ");
		return;
	}
	fx_open(&f);
	/* Let everyone reach the socket; only privilege remains. */
	CU_ASSERT_EQUAL(chmod(f.dir, 0755), 0);
	CU_ASSERT_EQUAL(chmod(f.path, 0666), 0);
	reloads = 0;
	CU_ASSERT_EQUAL(run_child(&f, "show\n", (gid_t)-1), 0);
	CU_ASSERT_EQUAL(run_child(&f, "reload\n", (gid_t)-1), 1);
	CU_ASSERT_EQUAL(run_child(&f, "log verbose\n", (gid_t)-1), 1);
	CU_ASSERT_EQUAL(run_child(&f, "log\n", (gid_t)-1), 0);
	CU_ASSERT_EQUAL(reloads, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "'reload' refused to uid "
	    "65534"));
	/* A supplementary group equal to the socket's group is enough
	 * (SO_PEERGROUPS). The socket's group here is root's, 0. */
	CU_ASSERT_EQUAL(run_child(&f, "reload\n", 0), 0);
	CU_ASSERT_EQUAL(reloads, 1);
	/* With mode 0660 uid 65534 cannot even connect. */
	CU_ASSERT_EQUAL(chmod(f.path, 0660), 0);
	CU_ASSERT_EQUAL(run_child(&f, "show\n", (gid_t)-1), 4);
	fx_close(&f);
}

static int
cu_register(void)
{
	static CU_TestInfo model[] = {
		{ "JSON validator", test_validator },
		{ "text rendering", test_text },
		{ "JSON rendering", test_json },
		{ "JSON value types and escapes", test_json_values },
		{ "model errors and limits", test_model_errors },
		CU_TEST_INFO_NULL
	};
	static CU_TestInfo server[] = {
		{ "listen, modes, help, creds logged", test_listen },
		{ "dispatch and errors", test_dispatch },
		{ "pipelined requests and EOF", test_pipeline },
		{ "oversize and malformed requests", test_bad_requests },
		{ "client that never reads", test_slow_client },
		{ "idle clients and client limit", test_idle_and_limit },
		{ "stale and live sockets", test_stale_and_live },
		{ "socketpair client, log", test_socketpair_log },
		{ "privileged commands", test_privileges },
		CU_TEST_INFO_NULL
	};

	CU_SUITE("ctl_out", model);
	CU_SUITE("ctlsock", server);
	return 0;
}
