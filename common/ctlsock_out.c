/*
 * ctlsock_out.c: the answer of a control command (see ctlsock.h).
 *
 * A handler describes its answer once, as key/value runs and tables of
 * strings; at the end the answer is rendered as aligned text or as one
 * JSON object. Pure: no I/O, so CUnit checks the bytes directly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlsock.h"

#define CTL_COLS_MAX	64

enum ctl_type { CT_STR = 0, CT_NUM, CT_BOOL };

struct arena {
	struct arena	*next;
	size_t		 used, cap;
	char		 data[];
};

/* A run of ctl_kv() (ncols 2: key, value) or a table. */
struct ctl_blk {
	bool		 table;
	const char	*name;
	size_t		 ncols;
	const char	**cols;		/* names, suffix stripped */
	uint8_t		*coltypes;	/* table: per column */
	const char	**cells;	/* nrows * ncols */
	uint8_t		*types;		/* kv: per value */
	size_t		 nrows, cap;
};


struct ctl_out {
	struct arena	*arena;
	struct ctl_blk	*blks;
	size_t		 nblks;
	char		*err;		/* the answer is this error */
	bool		 oom;
	uid_t		 uid;
	pid_t		 pid;
	bool		 priv;
};

static void *
arena_alloc(struct ctl_out *o, size_t n)
{
	struct arena *a = o->arena;
	size_t cap;

	n = (n + 7) & ~(size_t)7;
	if (a == NULL || a->cap - a->used < n) {
		cap = n > 65536 ? n : 65536;
		if ((a = malloc(sizeof(*a) + cap)) == NULL) {
			o->oom = true;
			return NULL;
		}
		a->used = 0;
		a->cap = cap;
		a->next = o->arena;
		o->arena = a;
	}
	a->used += n;
	return a->data + a->used - n;
}

static const char *
arena_strdup(struct ctl_out *o, const char *s, size_t n)
{
	char *p = arena_alloc(o, n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static const char * __attribute__((format(printf, 2, 0)))
arena_vfmt(struct ctl_out *o, const char *fmt, va_list ap)
{
	char small[256], *p;
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	if ((size_t)n < sizeof(small))
		return arena_strdup(o, small, (size_t)n);
	if ((p = arena_alloc(o, (size_t)n + 1)) != NULL)
		vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

struct ctl_out *
ctl_out_new(void)
{
	return calloc(1, sizeof(struct ctl_out));
}

void
ctl_out_free(struct ctl_out *o)
{
	struct arena *a, *next;

	if (o == NULL)
		return;
	for (a = o->arena; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
	for (size_t i = 0; i < o->nblks; i++) {
		free(o->blks[i].cells);
		free(o->blks[i].types);
	}
	free(o->blks);
	free(o->err);
	free(o);
}

int
ctl_error(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->err != NULL)
		return -1;	/* the first error is the useful one */
	va_start(ap, fmt);
	if (vasprintf(&o->err, fmt, ap) == -1) {
		o->err = NULL;
		o->oom = true;
	}
	va_end(ap);
	return -1;
}

/* "name:n" -> "name", CT_NUM. */
static const char *
split_type(struct ctl_out *o, const char *name, uint8_t *type)
{
	size_t n = strlen(name);

	*type = CT_STR;
	if (n > 2 && name[n - 2] == ':') {
		if (name[n - 1] == 'n')
			*type = CT_NUM;
		else if (name[n - 1] == 'b')
			*type = CT_BOOL;
		if (*type != CT_STR)
			n -= 2;
	}
	return arena_strdup(o, name, n);
}

static struct ctl_blk *
new_blk(struct ctl_out *o, bool table, size_t ncols)
{
	struct ctl_blk *b;

	b = reallocarray(o->blks, o->nblks + 1, sizeof(*b));
	if (b == NULL) {
		o->oom = true;
		return NULL;
	}
	o->blks = b;
	b = &o->blks[o->nblks++];
	memset(b, 0, sizeof(*b));
	b->table = table;
	b->ncols = ncols;
	return b;
}

/* Room for one more row: its cells. */
static const char **
add_row(struct ctl_out *o, struct ctl_blk *b)
{
	if (b->nrows == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		const char **c;
		uint8_t *t;

		if ((c = reallocarray(b->cells, cap, b->ncols *
		    sizeof(*c))) == NULL) {
			o->oom = true;
			return NULL;
		}
		b->cells = c;
		if (!b->table) {
			if ((t = realloc(b->types, cap)) == NULL) {
				o->oom = true;
				return NULL;
			}
			b->types = t;
		}
		b->cap = cap;
	}
	return b->cells + b->nrows++ * b->ncols;
}

void
ctl_table_v(struct ctl_out *o, const char *name, const char *const *cols,
    size_t ncols)
{
	struct ctl_blk *b;

	if (ncols == 0 || ncols > CTL_COLS_MAX || name == NULL) {
		ctl_error(o, "internal: table with %zu columns", ncols);
		return;
	}
	if ((b = new_blk(o, true, ncols)) == NULL)
		return;
	b->name = arena_strdup(o, name, strlen(name));
	if ((b->cols = arena_alloc(o, ncols * sizeof(char *))) == NULL ||
	    (b->coltypes = arena_alloc(o, ncols)) == NULL)
		return;
	for (size_t i = 0; i < ncols; i++) {
		if ((b->cols[i] = split_type(o, cols[i], &b->coltypes[i])) ==
		    NULL)
			return;
		for (size_t j = 0; j < i; j++)
			if (strcmp(b->cols[i], b->cols[j]) == 0)
				ctl_error(o, "internal: column %s twice in %s",
				    b->cols[i], name);
	}
}

void
ctl_row_v(struct ctl_out *o, const char *const *cells, size_t n)
{
	struct ctl_blk *b = o->nblks ? &o->blks[o->nblks - 1] : NULL;
	const char **c;

	if (b == NULL || !b->table) {
		ctl_error(o, "internal: row outside a table");
		return;
	}
	if (n != b->ncols) {
		ctl_error(o, "internal: %zu cells for %zu columns of %s", n,
		    b->ncols, b->name);
		return;
	}
	if ((c = add_row(o, b)) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		c[i] = cells[i] == NULL ? NULL :
		    arena_strdup(o, cells[i], strlen(cells[i]));
}

void
ctl_kv(struct ctl_out *o, const char *key, const char *fmt, ...)
{
	struct ctl_blk *b = o->nblks ? &o->blks[o->nblks - 1] : NULL;
	const char **c;
	va_list ap;

	if ((b == NULL || b->table) && (b = new_blk(o, false, 2)) == NULL)
		return;
	if ((c = add_row(o, b)) == NULL)
		return;
	c[0] = split_type(o, key, &b->types[b->nrows - 1]);
	va_start(ap, fmt);
	c[1] = arena_vfmt(o, fmt, ap);
	va_end(ap);
}

const char *
ctl_fmt(struct ctl_out *o, const char *fmt, ...)
{
	const char *s;
	va_list ap;

	va_start(ap, fmt);
	s = arena_vfmt(o, fmt, ap);
	va_end(ap);
	return s;
}

const char *
ctl_in6(struct ctl_out *o, const void *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (inet_ntop(AF_INET6, a, buf, sizeof(buf)) == NULL)
		return NULL;
	return arena_strdup(o, buf, strlen(buf));
}

uid_t
ctl_peer_uid(const struct ctl_out *o)
{
	return o->uid;
}

pid_t
ctl_peer_pid(const struct ctl_out *o)
{
	return o->pid;
}

void
ctl_out_set_peer(struct ctl_out *o, uid_t uid, pid_t pid, int priv)
{
	o->uid = uid;
	o->pid = pid;
	o->priv = priv != 0;
}

int
ctl_require_priv(struct ctl_out *o)
{
	if (o->priv)
		return 0;
	return ctl_error(o, "permission denied: needs root or the control "
	    "socket's group");
}

/* ---- rendering ----------------------------------------------------- */

struct sbuf {
	char	*p;
	size_t	 len, cap, max;
	int	 err;		/* ENOMEM or E2BIG */
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (n > b->max - b->len) {
		b->err = E2BIG;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->err = ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_pad(struct sbuf *b, size_t n)
{
	static const char sp[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;

		sb_add(b, sp, k);
		n -= k;
	}
}

/* Length of the valid UTF-8 sequence at p (RFC 3629), 0 if invalid. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static void
json_str(struct sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), k;
	char esc[8];

	sb_add(b, "\"", 1);
	while (n > 0) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			sb_add(b, esc, 2);
			k = 1;
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			sb_add(b, esc, 6);
			k = 1;
		} else if ((k = utf8_len(p, n)) == 0) {
			sb_str(b, "\\ufffd");	/* not UTF-8: replaced */
			k = 1;
		} else
			sb_add(b, (const char *)p, k);
		p += k;
		n -= k;
	}
	sb_add(b, "\"", 1);
}

/* RFC 8259 6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
json_number_ok(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		if (*++s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		if (*++s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

static void
json_value(struct sbuf *b, const char *v, uint8_t type)
{
	if (v == NULL)
		sb_str(b, "null");
	else if (type == CT_NUM)
		sb_str(b, json_number_ok(v) ? v : "null");
	else if (type == CT_BOOL) {
		if (!strcmp(v, "yes") || !strcmp(v, "true") ||
		    !strcmp(v, "on") || !strcmp(v, "1"))
			sb_str(b, "true");
		else if (!strcmp(v, "no") || !strcmp(v, "false") ||
		    !strcmp(v, "off") || !strcmp(v, "0"))
			sb_str(b, "false");
		else
			sb_str(b, "null");
	} else
		json_str(b, v);
}

static void
render_json(const struct ctl_out *o, struct sbuf *b)
{
	const char *sep = "";

	sb_str(b, "{");
	for (size_t i = 0; i < o->nblks; i++) {
		const struct ctl_blk *k = &o->blks[i];

		for (size_t r = 0; !k->table && r < k->nrows; r++) {
			sb_str(b, sep);
			json_str(b, k->cells[r * 2]);
			sb_str(b, ":");
			json_value(b, k->cells[r * 2 + 1], k->types[r]);
			sep = ",";
		}
		if (!k->table)
			continue;
		sb_str(b, sep);
		json_str(b, k->name);
		sb_str(b, ":[");
		for (size_t r = 0; r < k->nrows; r++) {
			sb_str(b, r ? ",{" : "{");
			for (size_t c = 0; c < k->ncols; c++) {
				size_t x = r * k->ncols + c;

				if (c)
					sb_str(b, ",");
				json_str(b, k->cols[c]);
				sb_str(b, ":");
				json_value(b, k->cells[x], k->coltypes[c]);
			}
			sb_str(b, "}");
		}
		sb_str(b, "]");
		sep = ",";
	}
	sb_str(b, "}\n");
}

/* Display width: code points, control characters shown as '?'. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	if (s == NULL || *s == '\0')
		return 1;	/* "-" */
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void
text_cell(struct sbuf *b, const char *s, bool upper)
{
	if (s == NULL || *s == '\0') {
		sb_add(b, "-", 1);
		return;
	}
	for (; *s; s++) {
		char c = *s;

		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = '?';
		else if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		sb_add(b, &c, 1);
	}
}

static void
render_blk_text(const struct ctl_blk *k, bool titled, struct sbuf *b)
{
	size_t w[CTL_COLS_MAX] = { 0 }, nc = k->ncols;
	size_t rows = k->nrows + (k->table ? 1 : 0);

	if (k->table && titled) {
		text_cell(b, k->name, false);
		sb_str(b, ":\n");
	}
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < nc; c++) {
			const char *s = k->table ? (r == 0 ? k->cols[c] :
			    k->cells[(r - 1) * nc + c]) : k->cells[r * nc + c];
			size_t x = text_width(s);

			if (x > w[c])
				w[c] = x;
		}
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < nc; c++) {
			bool head = k->table && r == 0;
			size_t x = k->table ? (r - (head ? 0 : 1)) * nc + c :
			    r * nc + c;
			const char *s = head ? k->cols[c] : k->cells[x];
			size_t pad = w[c] - text_width(s);
			/* Numbers right-aligned, as in ss(8). */
			bool right = k->table && k->coltypes[c] == CT_NUM;

			if (c)
				sb_add(b, "  ", 2);
			if (right)
				sb_pad(b, pad);
			text_cell(b, s, head);
			if (!right && c + 1 < nc)
				sb_pad(b, pad);
		}
		sb_add(b, "\n", 1);
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Member names of the JSON object must be unique (RFC 8259 4 SHOULD;
 * most parsers keep only the last one). */
static void
check_names(struct ctl_out *o)
{
	const char **v;
	size_t n = 0;

	for (size_t i = 0; i < o->nblks; i++)
		n += o->blks[i].table ? 1 : o->blks[i].nrows;
	if (n < 2)
		return;
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		o->oom = true;
		return;
	}
	n = 0;
	for (size_t i = 0; i < o->nblks; i++)
		if (o->blks[i].table)
			v[n++] = o->blks[i].name;
		else
			for (size_t r = 0; r < o->blks[i].nrows; r++)
				v[n++] = o->blks[i].cells[r * 2];
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i - 1], v[i]) == 0) {
			ctl_error(o, "internal: %s twice in one answer", v[i]);
			break;
		}
	free(v);
}

char *
ctl_out_render(struct ctl_out *o, int json, size_t max, size_t *len,
    const char **errmsg)
{
	struct sbuf b = { .max = max };

	*len = 0;
	if (!o->oom && o->err == NULL)
		check_names(o);
	if (o->oom) {
		*errmsg = "out of memory";
		return NULL;
	}
	if (o->err != NULL) {
		*errmsg = o->err;
		return NULL;
	}
	if (json)
		render_json(o, &b);
	else
		for (size_t i = 0; i < o->nblks; i++) {
			if (i)
				sb_add(&b, "\n", 1);
			render_blk_text(&o->blks[i], o->nblks > 1, &b);
		}
	sb_add(&b, "", 0);	/* an empty answer is "" */
	if (b.err) {
		free(b.p);
		*errmsg = b.err == E2BIG ? "answer too large" : "out of memory";
		return NULL;
	}
	*len = b.len;
	return b.p;
}
