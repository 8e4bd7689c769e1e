/* bytes.c: bounded write buffer and checked read cursor (see bytes.h). */
#include <string.h>

#include "bytes.h"

void
wbuf_init(struct wbuf *b, uint8_t *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	b->err = false;
}

uint8_t *
wbuf_reserve(struct wbuf *b, size_t n)
{
	uint8_t *r;

	if (b->err || n > b->cap - b->len) {
		b->err = true;
		return NULL;
	}
	r = b->p + b->len;
	memset(r, 0, n);
	b->len += n;
	return r;
}

void
wbuf_put(struct wbuf *b, const void *src, size_t n)
{
	uint8_t *d = wbuf_reserve(b, n);

	if (d != NULL && n > 0)
		memcpy(d, src, n);
}

void
wbuf_put_u8(struct wbuf *b, uint8_t v)
{
	wbuf_put(b, &v, 1);
}

void
wbuf_put_u16(struct wbuf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	wbuf_put(b, x, sizeof(x));
}

void
wbuf_put_u32(struct wbuf *b, uint32_t v)
{
	wbuf_put_u16(b, (uint16_t)(v >> 16));
	wbuf_put_u16(b, (uint16_t)v);
}

void
wbuf_put_u64(struct wbuf *b, uint64_t v)
{
	wbuf_put_u32(b, (uint32_t)(v >> 32));
	wbuf_put_u32(b, (uint32_t)v);
}

void
wbuf_put_zero(struct wbuf *b, size_t n)
{
	(void)wbuf_reserve(b, n);
}

void
wbuf_put_in6(struct wbuf *b, const struct in6_addr *a)
{
	wbuf_put(b, a->s6_addr, 16);
}

void
rbuf_init(struct rbuf *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
}

int
rbuf_get(struct rbuf *r, void *dst, size_t n)
{
	if (n > r->len)
		return -1;
	if (n > 0)
		memcpy(dst, r->p, n);
	r->p += n;
	r->len -= n;
	return 0;
}

int
rbuf_skip(struct rbuf *r, size_t n)
{
	if (n > r->len)
		return -1;
	r->p += n;
	r->len -= n;
	return 0;
}

int
rbuf_get_u8(struct rbuf *r, uint8_t *v)
{
	return rbuf_get(r, v, 1);
}

int
rbuf_get_u16(struct rbuf *r, uint16_t *v)
{
	if (r->len < 2)
		return -1;
	*v = be16_get(r->p);
	return rbuf_skip(r, 2);
}

int
rbuf_get_u32(struct rbuf *r, uint32_t *v)
{
	if (r->len < 4)
		return -1;
	*v = be32_get(r->p);
	return rbuf_skip(r, 4);
}

int
rbuf_get_u64(struct rbuf *r, uint64_t *v)
{
	if (r->len < 8)
		return -1;
	*v = be64_get(r->p);
	return rbuf_skip(r, 8);
}

int
rbuf_get_in6(struct rbuf *r, struct in6_addr *a)
{
	return rbuf_get(r, a->s6_addr, 16);
}
