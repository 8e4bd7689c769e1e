/*
 * fuzz_util.c: the input cursor, FUZZ_CHECK's failure report and small
 * helpers shared by every fuzz target (fuzz.h).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

void	(*fuzz_fail_hook)(void);

void
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\n==== fuzz target %s: invariant broken at %s:%d\n"
	    "==== check: %s\n==== ", fuzz_target_name, file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fflush(stderr);
	if (fuzz_fail_hook != NULL)
		fuzz_fail_hook();
	abort();
}

size_t
fin_take(struct fin *f, const uint8_t **out, size_t n)
{
	if (n > f->len)
		n = f->len;
	*out = f->p;
	f->p += n;
	f->len -= n;
	return n;
}

void
fin_bytes(struct fin *f, void *out, size_t n)
{
	const uint8_t *p;
	size_t got = fin_take(f, &p, n);

	if (got > 0)
		memcpy(out, p, got);
	memset((uint8_t *)out + got, 0, n - got);
}

uint8_t
fin_u8(struct fin *f)
{
	uint8_t v;

	fin_bytes(f, &v, 1);
	return v;
}

uint16_t
fin_u16(struct fin *f)
{
	uint8_t b[2];

	fin_bytes(f, b, sizeof(b));
	return (uint16_t)(b[0] << 8 | b[1]);
}

uint32_t
fin_u32(struct fin *f)
{
	uint32_t hi = fin_u16(f);

	return hi << 16 | fin_u16(f);
}

uint64_t
fin_u64(struct fin *f)
{
	uint64_t hi = fin_u32(f);

	return hi << 32 | fin_u32(f);
}

void
fin_in6(struct fin *f, struct in6_addr *a)
{
	fin_bytes(f, a->s6_addr, 16);
}

struct in6_addr
fuzz_addr(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1) {
		fprintf(stderr, "fuzz: bad address literal %s\n", s);
		abort();
	}
	return a;
}

const char *
fuzz_a6(const struct in6_addr *a, char buf[46])
{
	return inet_ntop(AF_INET6, a, buf, 46);
}

void
fuzz_hexdump(const char *what, const uint8_t *p, size_t len)
{
	fprintf(stderr, "%s (%zu bytes):", what, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", p[i]);
	fputs("\n", stderr);
}

/* ---- fbuf ------------------------------------------------------------ */

void
fbuf_put(struct fbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		uint8_t *np;

		while (cap < b->len + n)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			perror("fuzz: realloc");
			abort();
		}
		b->p = np;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
fbuf_u8(struct fbuf *b, uint8_t v)
{
	fbuf_put(b, &v, 1);
}

void
fbuf_u16(struct fbuf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	fbuf_put(b, x, sizeof(x));
}

void
fbuf_u32(struct fbuf *b, uint32_t v)
{
	fbuf_u16(b, (uint16_t)(v >> 16));
	fbuf_u16(b, (uint16_t)v);
}

void
fbuf_u64(struct fbuf *b, uint64_t v)
{
	fbuf_u32(b, (uint32_t)(v >> 32));
	fbuf_u32(b, (uint32_t)v);
}

void
fbuf_free(struct fbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
