/*
 * fuzz.h: what every dmip6 fuzz target shares (fuzz/README.md).
 *
 * A target is one file that defines LLVMFuzzerTestOneInput() and names
 * itself with FUZZ_TARGET("name"). The same file links either with
 * libFuzzer (--enable-fuzzing, fuzz/fuzz_NAME) or with replay_main.c
 * (every build, fuzz/replay_NAME in `make check`), so a crash input
 * dropped into fuzz/regress/NAME/ stays a regression test for good.
 *
 * Targets read their input only through struct fin, which returns 0
 * bytes once the input is used up: a target never reads out of bounds
 * itself, whatever the input. Broken invariants go through FUZZ_CHECK,
 * which prints what failed and aborts (libFuzzer saves the input).
 */
#ifndef DMIP_FUZZ_H
#define DMIP_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* The libFuzzer entry points (libFuzzer or replay_main.c calls them). */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* Names the target; replay_main.c finds fuzz/regress/<name>/ by it. */
extern const char fuzz_target_name[];
#define FUZZ_TARGET(name)	const char fuzz_target_name[] = name

void	fuzz_fail(const char *file, int line, const char *cond,
	    const char *fmt, ...)
	    __attribute__((format(printf, 4, 5), noreturn));

/* Called by fuzz_fail() before it aborts (e.g. to remove temp files). */
extern void (*fuzz_fail_hook)(void);

#define FUZZ_CHECK(cond, ...)						\
	do {								\
		if (!(cond))						\
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

/* ---- input cursor --------------------------------------------------- */

struct fin {
	const uint8_t	*p;
	size_t		 len;	/* bytes left */
};

static inline void
fin_init(struct fin *f, const uint8_t *p, size_t len)
{
	f->p = p;
	f->len = len;
}

static inline bool
fin_empty(const struct fin *f)
{
	return f->len == 0;
}

/* Each getter yields zeros past the end, never reading beyond it. */
uint8_t		fin_u8(struct fin *);
uint16_t	fin_u16(struct fin *);
uint32_t	fin_u32(struct fin *);
uint64_t	fin_u64(struct fin *);
void		fin_bytes(struct fin *, void *out, size_t n);
void		fin_in6(struct fin *, struct in6_addr *);
/* Up to n bytes, as many as are left; returns how many. */
size_t		fin_take(struct fin *, const uint8_t **out, size_t n);

/* ---- helpers -------------------------------------------------------- */

struct in6_addr	fuzz_addr(const char *);	/* inet_pton or abort */
const char	*fuzz_a6(const struct in6_addr *, char buf[46]);
void		fuzz_hexdump(const char *what, const uint8_t *p, size_t len);

/* Quiet logging (fuzz_log.c): messages are formatted (so format bugs
 * still show) and counted, printed only when FUZZ_LOG is set. */
unsigned long	fuzz_log_count(void);

/* ---- seeds (seeds.c) ------------------------------------------------ */

/* One seed input of a target, and a callback that receives each. */
typedef void (*fuzz_seed_fn)(const char *name, const uint8_t *p,
    size_t len, void *arg);

/*
 * Every seed of target: built from the golden bytes of the unit tests
 * and the example configs. srcdir is the top source directory (for
 * tests/conf/ and the tests/unit/ sources some seeds are read from:
 * test_dhcp6.c, test_dhcp6s.c, test_had_state.c, test_statefile.c,
 * test_ctlsock.c); NULL skips those seeds.
 * Returns how many seeds were produced.
 */
size_t	fuzz_seeds(const char *target, const char *srcdir, fuzz_seed_fn fn,
	    void *arg);
/* The targets fuzz_seeds() knows, NULL-terminated. */
extern const char *const fuzz_target_names[];

/* A growable byte string used by the seed builders. */
struct fbuf {
	uint8_t	*p;
	size_t	 len, cap;
};

void	fbuf_put(struct fbuf *, const void *, size_t);
void	fbuf_u8(struct fbuf *, uint8_t);
void	fbuf_u16(struct fbuf *, uint16_t);	/* big-endian, like fin */
void	fbuf_u32(struct fbuf *, uint32_t);
void	fbuf_u64(struct fbuf *, uint64_t);
void	fbuf_free(struct fbuf *);

#endif /* DMIP_FUZZ_H */
