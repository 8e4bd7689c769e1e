/*
 * fuzz_state.c: input framing and record comparison for the state-file
 * targets (fuzz_state.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_state.h"
#include "statefile.h"

bool
fuzz_state_input(const uint8_t *data, size_t size, struct fuzz_state_in *in)
{
	static const int64_t shift_ms[4] = { 0, 400000, 86400000, -86400000 };
	uint8_t ctl;
	char trailer[64];
	size_t body, nl, tl = 0;

	memset(in, 0, sizeof(*in));
	if (size == 0)
		return false;
	ctl = data[0];
	data++;
	size--;
	in->wall_now = FUZZ_STATE_WALL0 + (uint64_t)shift_ms[ctl >> 1 & 3];
	in->mono_now = FUZZ_STATE_MONO0;
	in->floor = (ctl & 8) != 0;
	body = size;
	if (ctl & 1) {
		/* The header and every record end with an LF. */
		nl = fuzz_state_lines((const char *)data, size);
		if (size > 0 && data[size - 1] != '\n')
			nl++;
		tl = (size_t)snprintf(trailer, sizeof(trailer), "%send %zu ",
		    size > 0 && data[size - 1] != '\n' ? "\n" : "",
		    nl > 0 ? nl - 1 : 0);
	}
	/* Exactly len bytes, no NUL after them: a read past the end is
	 * caught by the sanitizers. */
	if ((in->buf = malloc(body + tl + 10)) == NULL)
		abort();
	memcpy(in->buf, data, body);
	in->len = body;
	if (ctl & 1) {
		uint32_t crc;

		memcpy(in->buf + in->len, trailer, tl);
		/* the CRC covers everything before "end" */
		crc = sf_crc32(0, in->buf, in->len + (trailer[0] == '\n'));
		in->len += tl;
		snprintf(trailer, sizeof(trailer), "%08" PRIx32 "\n", crc);
		memcpy(in->buf + in->len, trailer, 9);
		in->len += 9;
	}
	return true;
}

size_t
fuzz_state_lines(const char *buf, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n;
}

struct lines {
	char	**v;
	size_t	  n;
};

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The record lines of a file (not the header, not the trailer). */
static void
records(const char *buf, size_t len, struct lines *l, char **copy)
{
	size_t n = fuzz_state_lines(buf, len), i = 0;
	char *p, *e;

	if ((*copy = malloc(len + 1)) == NULL ||
	    (l->v = calloc(n ? n : 1, sizeof(*l->v))) == NULL)
		abort();
	memcpy(*copy, buf, len);
	(*copy)[len] = '\0';
	for (p = *copy; (e = strchr(p, '\n')) != NULL; p = e + 1) {
		*e = '\0';
		l->v[i++] = p;
	}
	FUZZ_CHECK(i >= 2, "an encoding of %zu lines", i);
	l->v++;				/* the header */
	l->n = i - 2;			/* ... and the trailer */
	qsort(l->v, l->n, sizeof(*l->v), line_cmp);
}

void
fuzz_state_same_records(const char *what, const char *a, size_t alen,
    const char *b, size_t blen)
{
	struct lines la, lb;
	char *ca, *cb;

	records(a, alen, &la, &ca);
	records(b, blen, &lb, &cb);
	if (la.n != lb.n)
		fprintf(stderr, "first:\n%.*s\nsecond:\n%.*s\n", (int)alen, a,
		    (int)blen, b);
	FUZZ_CHECK(la.n == lb.n, "%s: %zu records, then %zu", what, la.n,
	    lb.n);
	for (size_t i = 0; i < la.n; i++) {
		if (strcmp(la.v[i], lb.v[i]) != 0)
			fprintf(stderr, "first:\n%.*s\nsecond:\n%.*s\n",
			    (int)alen, a, (int)blen, b);
		FUZZ_CHECK(strcmp(la.v[i], lb.v[i]) == 0, "%s: \"%s\" became "
		    "\"%s\"", what, la.v[i], lb.v[i]);
	}
	free(la.v - 1);
	free(lb.v - 1);
	free(ca);
	free(cb);
}
