/*
 * bytes.h: bounded byte buffers for building and parsing wire formats.
 *
 * A struct wbuf never writes past its capacity: the first write that
 * would overflow sets `err` and every later write is a no-op, so a
 * builder checks once at the end (radvd's safe_buffer idiom).
 * A struct rbuf is a read cursor: every getter checks the remaining
 * length first and returns -1 without reading when it is short
 * (dhcpleased's p/rem idiom).
 */
#ifndef DMIP_BYTES_H
#define DMIP_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct wbuf {
	uint8_t	*p;
	size_t	 cap;
	size_t	 len;
	bool	 err;	/* an overflow happened; contents are invalid */
};

void	wbuf_init(struct wbuf *, uint8_t *, size_t);
/* Reserve n bytes and return a pointer to them (zeroed), or NULL. */
uint8_t	*wbuf_reserve(struct wbuf *, size_t);
void	wbuf_put(struct wbuf *, const void *, size_t);
void	wbuf_put_u8(struct wbuf *, uint8_t);
void	wbuf_put_u16(struct wbuf *, uint16_t);	/* network order */
void	wbuf_put_u32(struct wbuf *, uint32_t);
void	wbuf_put_u64(struct wbuf *, uint64_t);
void	wbuf_put_zero(struct wbuf *, size_t);
void	wbuf_put_in6(struct wbuf *, const struct in6_addr *);

struct rbuf {
	const uint8_t	*p;
	size_t		 len;	/* bytes left */
};

void	rbuf_init(struct rbuf *, const uint8_t *, size_t);
int	rbuf_get(struct rbuf *, void *, size_t);
int	rbuf_get_u8(struct rbuf *, uint8_t *);
int	rbuf_get_u16(struct rbuf *, uint16_t *);
int	rbuf_get_u32(struct rbuf *, uint32_t *);
int	rbuf_get_u64(struct rbuf *, uint64_t *);
int	rbuf_get_in6(struct rbuf *, struct in6_addr *);
int	rbuf_skip(struct rbuf *, size_t);

/* Unchecked big-endian helpers for callers that already checked. */
static inline uint16_t
be16_get(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void
be16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t
be32_get(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t
be64_get(const uint8_t *p)
{
	return ((uint64_t)be32_get(p) << 32) | be32_get(p + 4);
}

#endif /* DMIP_BYTES_H */
