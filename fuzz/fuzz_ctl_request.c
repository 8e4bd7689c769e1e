/*
 * fuzz_ctl_request.c: the control socket's request handling (common/
 * ctlsock.h): the pure line parser ctl_request_parse(), and the whole
 * server (framing, pipelining, oversize and malformed lines, the
 * command registry, text and JSON answers) fed the input as one
 * client's byte stream.
 *
 * The input is what a client writes on the socket, then EOF. A real
 * ctlsock (evloop, a listening socket in a mkdtemp() directory) serves
 * it over a socketpair, with a few commands registered besides the
 * built-in "help" and "log": "show" (a table of its words, columns of
 * every JSON kind), "show things", "set" (CTL_F_PRIV), "fail" (-1
 * without a message) and "oops" (ctl_error). Checked:
 *   - ctl_request_parse() on every line: words are non-empty, printable
 *     (0x21-0x7e), at most CTL_WORDS_MAX, the line's own words in order
 *     (an independent split agrees), "json" only as the prefix flag;
 *     a line with a byte outside 0x20-0x7e and tab is refused;
 *   - the answers: the output is a sequence of "ok N\n" / "error N\n"
 *     frames of exactly N bytes, one per request in order, as a model
 *     of the protocol predicts (empty lines get none; a line longer
 *     than CTL_REQ_MAX or with a bad byte gets an error and ends the
 *     connection; a last line without LF is still a request); each
 *     answer is ok or error as the registered commands say (longest
 *     registered prefix; usage errors of the built-ins); error bodies
 *     are one line; JSON answers are one valid JSON object and LF;
 *   - the server drops the client once the answers are written, and
 *     keeps no client afterwards.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "ctlsock.h"
#include "evloop.h"
#include "fuzz.h"
#include "log.h"

FUZZ_TARGET("ctl_request");

#define MAX_ANSWERS	8192
#define OUT_MAX		(4u << 20)

static struct evloop	*loop;
static struct ctlsock	*cs;
static char		 dir[256];
static char		 sock_path[300];

static void
cleanup(void)
{
	if (cs != NULL)
		ctlsock_close(cs);
	cs = NULL;
	if (loop != NULL)
		evloop_free(loop);
	loop = NULL;
	if (dir[0] != '\0')
		(void)rmdir(dir);
	dir[0] = '\0';
}

/* ---- the commands ---------------------------------------------------- */

static int
cmd_show(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)arg;
	ctl_kv(o, "words:n", "%d", argc);
	ctl_kv(o, "first", "%s", argc > 0 ? argv[0] : "");
	ctl_table(o, "list", "word", "len:n", "as_number:n", "as_bool:b",
	    "nothing");
	for (int i = 0; i < argc; i++)
		ctl_row(o, argv[i], ctl_fmt(o, "%zu", strlen(argv[i])), argv[i],
		    argv[i], NULL);
	return 0;
}

static int
cmd_things(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)argv;
	(void)arg;
	ctl_table(o, "things", "n:n");
	ctl_row(o, ctl_fmt(o, "%d", argc));
	return 0;
}

static int
cmd_set(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)arg;
	if (ctl_require_priv(o) != 0)
		return -1;
	ctl_kv(o, "set", "%s", argc > 0 ? argv[argc - 1] : "-");
	return 0;
}

static int
cmd_fail(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)o;
	(void)argc;
	(void)argv;
	(void)arg;
	return -1;
}

static int
cmd_oops(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)argv;
	(void)arg;
	return ctl_error(o, "oops with %d words", argc);
}

/* The registry as the model sees it: names split into words. */
enum kind { K_HELP, K_LOG, K_SHOW, K_THINGS, K_SET, K_FAIL, K_OOPS };
static const struct {
	const char	*w[2];
	size_t		 nw;
	enum kind	 kind;
} model_cmds[] = {
	{ { "help" }, 1, K_HELP },
	{ { "log" }, 1, K_LOG },
	{ { "show" }, 1, K_SHOW },
	{ { "show", "things" }, 2, K_THINGS },
	{ { "set" }, 1, K_SET },
	{ { "fail" }, 1, K_FAIL },
	{ { "oops" }, 1, K_OOPS },
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char err[256];

	(void)argc;
	(void)argv;
	log_init("fuzz", 1, LOG_LVL_DEBUG);	/* format every message */
	snprintf(dir, sizeof(dir), "%s/dmip6-fuzz-ctl.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("fuzz_ctl_request: mkdtemp");
		abort();
	}
	atexit(cleanup);
	fuzz_fail_hook = cleanup;
	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", dir);
	if ((loop = evloop_new()) == NULL ||
	    (cs = ctlsock_open(loop, sock_path, (gid_t)-1, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_ctl_request: %s\n", loop ? err :
		    "evloop_new");
		abort();
	}
	ctlsock_set_limits(cs, OUT_MAX, 0, 0);
	if (ctlsock_register(cs, "show", 0, cmd_show, NULL) == -1 ||
	    ctlsock_register(cs, "show things", 0, cmd_things, NULL) == -1 ||
	    ctlsock_register(cs, "set", CTL_F_PRIV, cmd_set, NULL) == -1 ||
	    ctlsock_register(cs, "fail", 0, cmd_fail, NULL) == -1 ||
	    ctlsock_register(cs, "oops", 0, cmd_oops, NULL) == -1)
		abort();
	return 0;
}

/* ---- a small JSON validator (RFC 8259), independent of ctlsock_out.c */

static const char *js_value(const char *, const char *, int);

static const char *
js_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static const char *
js_string(const char *p, const char *e)
{
	if (p >= e || *p++ != '"')
		return NULL;
	while (p < e && *p != '"') {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c >= 0x7f)
			return NULL;	/* our words are ASCII */
		if (c != '\\') {
			p++;
			continue;
		}
		if (++p >= e)
			return NULL;
		if (strchr("\"\\/bfnrt", *p) != NULL && *p != '\0')
			p++;
		else if (*p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (p + i >= e || strchr("0123456789abcdef"
				    "ABCDEF", p[i]) == NULL || p[i] == '\0')
					return NULL;
			p += 5;
		} else
			return NULL;
	}
	return p < e ? p + 1 : NULL;
}

static const char *
js_digits(const char *p, const char *e)
{
	if (p >= e || *p < '0' || *p > '9')
		return NULL;
	while (p < e && *p >= '0' && *p <= '9')
		p++;
	return p;
}

static const char *
js_number(const char *p, const char *e)
{
	if (p < e && *p == '-')
		p++;
	if (p < e && *p == '0')
		p++;
	else if ((p = js_digits(p, e)) == NULL)
		return NULL;
	if (p < e && *p == '.' && (p = js_digits(p + 1, e)) == NULL)
		return NULL;
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		p = js_digits(p, e);
	}
	return p;
}

static const char *
js_members(const char *p, const char *e, char close, bool keys, int depth)
{
	p = js_ws(p + 1, e);
	if (p < e && *p == close)
		return p + 1;
	for (;;) {
		if (keys) {
			if ((p = js_string(js_ws(p, e), e)) == NULL)
				return NULL;
			p = js_ws(p, e);
			if (p >= e || *p++ != ':')
				return NULL;
		}
		if ((p = js_value(p, e, depth + 1)) == NULL)
			return NULL;
		p = js_ws(p, e);
		if (p >= e)
			return NULL;
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *
js_value(const char *p, const char *e, int depth)
{
	p = js_ws(p, e);
	if (depth > 16 || p >= e)
		return NULL;
	switch (*p) {
	case '{':
		return js_members(p, e, '}', true, depth);
	case '[':
		return js_members(p, e, ']', false, depth);
	case '"':
		return js_string(p, e);
	case 't':
		return e - p >= 4 && strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		return e - p >= 5 && strncmp(p, "false", 5) == 0 ? p + 5 :
		    NULL;
	case 'n':
		return e - p >= 4 && strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
	default:
		return js_number(p, e);
	}
}

/* One object, then exactly one LF. */
static bool
json_answer(const char *s, size_t len)
{
	const char *e = s + len, *p;

	if (len < 3 || s[len - 1] != '\n' || *js_ws(s, e) != '{')
		return false;
	p = js_value(s, e - 1, 0);
	return p != NULL && js_ws(p, e - 1) == e - 1;
}

/* ---- the model --------------------------------------------------------- */

struct expect {
	bool	ok;
	bool	json;
};

struct model {
	struct expect	 a[MAX_ANSWERS];
	size_t		 n;
	bool		 overflow;
};

static void
expect(struct model *md, bool ok, bool json)
{
	if (md->n == MAX_ANSWERS) {
		md->overflow = true;
		return;
	}
	md->a[md->n].ok = ok;
	md->a[md->n].json = json;
	md->n++;
}

/* ok or error, for a parsed request (argv[0] is the command). */
static bool
model_ok(char **w, size_t nw)
{
	size_t best = 0, used = 0;
	enum kind k = K_HELP;
	size_t argc;
	const char *arg;

	for (size_t i = 0; i < sizeof(model_cmds) / sizeof(model_cmds[0]);
	    i++) {
		size_t j;

		if (model_cmds[i].nw > nw || model_cmds[i].nw <= best)
			continue;
		for (j = 0; j < model_cmds[i].nw; j++)
			if (strcmp(w[j], model_cmds[i].w[j]) != 0)
				break;
		if (j == model_cmds[i].nw) {
			best = model_cmds[i].nw;
			used = best;
			k = model_cmds[i].kind;
		}
	}
	if (best == 0)
		return false;		/* unknown command */
	argc = nw - used;
	arg = argc > 0 ? w[used] : NULL;
	switch (k) {
	case K_HELP:
		return argc == 0;
	case K_LOG:
		return argc == 0 || (argc == 1 && (strcmp(arg, "quiet") == 0 ||
		    strcmp(arg, "normal") == 0 || strcmp(arg, "verbose") ==
		    0));
	case K_SHOW:
	case K_THINGS:
	case K_SET:
		return true;		/* we are root or the socket's owner */
	case K_FAIL:
	case K_OOPS:
		return false;
	}
	return false;
}

/* The words of line by an independent split (spaces and tabs). */
static size_t
split_words(const char *line, size_t len, char words[][CTL_REQ_MAX],
    size_t max)
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t s;

		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		s = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		if (n < max) {
			memcpy(words[n], line + s, i - s);
			words[n][i - s] = '\0';
		}
		n++;
	}
	return n;
}

/*
 * One line (no LF) through ctl_request_parse(), checked against the
 * independent split; its expected answer goes into md. false: the
 * server closes the connection after this line.
 */
static bool
one_line(struct model *md, const uint8_t *p, size_t len)
{
	static char words[CTL_WORDS_MAX + 1][CTL_REQ_MAX];
	char line[CTL_REQ_MAX + 1];
	struct ctl_request r;
	enum ctl_req_rc rc;
	size_t clen = len, nw;
	bool bad = false;

	FUZZ_CHECK(len < CTL_REQ_MAX, "a line of %zu", len);
	memcpy(line, p, len);
	line[len] = 'X';		/* the parser must write the NUL */
	rc = ctl_request_parse(line, len, &r);
	(void)ctl_request_strerror(rc);
	if (clen > 0 && p[clen - 1] == '\r')
		clen--;
	for (size_t i = 0; i < clen; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] > 0x7e)
			bad = true;
	if (bad) {
		FUZZ_CHECK(rc == CTL_REQ_BAD_CHAR, "a bad byte gave %d", rc);
		expect(md, false, false);
		return false;
	}
	FUZZ_CHECK(rc != CTL_REQ_BAD_CHAR, "a printable line refused");
	nw = split_words((const char *)p, clen, words, CTL_WORDS_MAX + 1);
	if (nw > CTL_WORDS_MAX) {
		FUZZ_CHECK(rc == CTL_REQ_TOO_MANY, "%zu words gave %d", nw, rc);
		expect(md, false, false);
		return true;
	}
	FUZZ_CHECK(rc != CTL_REQ_TOO_MANY, "%zu words: too many", nw);
	if (nw == 0) {
		FUZZ_CHECK(rc == CTL_REQ_EMPTY, "no words gave %d", rc);
		return true;
	}
	if (nw == 1 && strcmp(words[0], "json") == 0) {
		FUZZ_CHECK(rc == CTL_REQ_NO_CMD && r.json, "lone json gave %d",
		    rc);
		expect(md, false, false);
		return true;
	}
	FUZZ_CHECK(rc == CTL_REQ_OK, "%zu words gave %d", nw, rc);
	FUZZ_CHECK(r.json == (strcmp(words[0], "json") == 0), "json flag");
	FUZZ_CHECK(r.argc == nw - (r.json ? 1 : 0) && r.argc >= 1,
	    "argc %zu of %zu words", r.argc, nw);
	for (size_t i = 0; i < r.argc; i++) {
		const char *w = r.argv[i];

		FUZZ_CHECK(w >= line && w < line + len, "word %zu outside the "
		    "line", i);
		FUZZ_CHECK(strcmp(w, words[i + (r.json ? 1 : 0)]) == 0,
		    "word %zu is \"%s\"", i, w);
		for (const char *q = w; *q != '\0'; q++)
			FUZZ_CHECK(*q >= 0x21 && *q <= 0x7e, "byte %#x in a "
			    "word", (unsigned char)*q);
	}
	expect(md, model_ok(r.argv, r.argc), r.json);
	return true;
}

/* What the server must answer to the stream p, then EOF. */
static void
model_stream(struct model *md, const uint8_t *p, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const uint8_t *lf = memchr(p + pos, '\n', len - pos);
		size_t n = lf != NULL ? (size_t)(lf - (p + pos)) : len - pos;

		if (n + 1 > CTL_REQ_MAX) {
			/* the buffer fills before the LF (or EOF) comes */
			expect(md, false, false);
			return;
		}
		if (!one_line(md, p + pos, n))
			return;
		pos += n + (lf != NULL ? 1 : 0);
	}
}

/* ---- the server ---------------------------------------------------------- */

struct obuf {
	char	*p;
	size_t	 len, cap;
};

static void
drain(int fd, struct obuf *o)
{
	ssize_t n;

	for (;;) {
		if (o->len + 65536 > o->cap) {
			o->cap = o->cap ? o->cap * 2 : 131072;
			if ((o->p = realloc(o->p, o->cap)) == NULL)
				abort();
		}
		n = read(fd, o->p + o->len, o->cap - o->len);
		if (n <= 0)
			return;
		o->len += (size_t)n;
		FUZZ_CHECK(o->len <= 64u << 20, "%zu octets of answers",
		    o->len);
	}
}

/* Check o frame by frame against md. */
static void
check_answers(const struct model *md, const struct obuf *o)
{
	size_t pos = 0, i = 0;

	while (pos < o->len) {
		const char *hdr = o->p + pos, *nl;
		unsigned long blen;
		bool ok;
		char *end;

		nl = memchr(hdr, '\n', o->len - pos);
		FUZZ_CHECK(nl != NULL && nl - hdr < CTL_HDR_MAX, "answer %zu: "
		    "no header line", i);
		if (strncmp(hdr, "ok ", 3) == 0)
			ok = true;
		else {
			FUZZ_CHECK(strncmp(hdr, "error ", 6) == 0,
			    "answer %zu: header \"%.*s\"", i, (int)(nl - hdr),
			    hdr);
			ok = false;
		}
		errno = 0;
		blen = strtoul(hdr + (ok ? 3 : 6), &end, 10);
		FUZZ_CHECK(end == nl && errno == 0 && end > hdr + (ok ? 3 : 6),
		    "answer %zu: bad length", i);
		pos = (size_t)(nl - o->p) + 1;
		FUZZ_CHECK(blen <= o->len - pos, "answer %zu: %lu octets, %zu "
		    "left", i, blen, o->len - pos);
		FUZZ_CHECK(i < md->n, "answer %zu, %zu requests", i + 1, md->n);
		FUZZ_CHECK(ok == md->a[i].ok, "answer %zu is %s, the model "
		    "says %s: %.*s", i, ok ? "ok" : "error", md->a[i].ok ?
		    "ok" : "error", (int)(blen < 200 ? blen : 200),
		    o->p + pos);
		if (!ok)
			FUZZ_CHECK(blen > 0 && memchr(o->p + pos, '\n',
			    blen) == NULL, "answer %zu: error of %lu octets "
			    "over lines", i, blen);
		else if (md->a[i].json) {
			if (!json_answer(o->p + pos, blen))
				fuzz_hexdump("answer", (const uint8_t *)o->p +
				    pos, blen);
			FUZZ_CHECK(json_answer(o->p + pos, blen),
			    "answer %zu: not one JSON object", i);
		}
		pos += blen;
		i++;
	}
	FUZZ_CHECK(i == md->n, "%zu answers to %zu requests", i, md->n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model md;
	struct obuf o = { NULL, 0, 0 };
	size_t off = 0;
	int sv[2];

	md.n = 0;
	md.overflow = false;
	model_stream(&md, data, size);
	if (md.overflow)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1) {
		perror("fuzz_ctl_request: socketpair");
		abort();
	}
	FUZZ_CHECK(ctlsock_add_client(cs, sv[0]) == 0, "add_client");
	/* Write, serve and read until the server lets go of the client. */
	for (int round = 0; ctlsock_nclients(cs) > 0; round++) {
		FUZZ_CHECK(round < 200000, "the server does not finish");
		if (off < size) {
			ssize_t n = send(sv[1], data + off, size - off,
			    MSG_NOSIGNAL);

			if (n > 0)
				off += (size_t)n;
			else if (n == -1 && errno != EAGAIN)
				off = size;	/* the server closed: EPIPE */
			if (off == size)
				shutdown(sv[1], SHUT_WR);
		} else if (size == 0 && round == 0)
			shutdown(sv[1], SHUT_WR);
		/* Both ends are this process: whatever the server waits
		 * for is already there, no need to sleep (and lose the
		 * CPU on a busy machine). */
		if (evloop_once(loop, 0) == -1)
			abort();
		drain(sv[1], &o);
	}
	drain(sv[1], &o);
	close(sv[1]);
	check_answers(&md, &o);
	free(o.p);
	return 0;
}
