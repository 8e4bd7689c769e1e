/*
 * statefile.h: the state files of had and dhpd (STYLE.md "Bindings and
 * leases are saved atomically ... and reloaded on start"; issue 8).
 *
 * Format, version 1: text, one record per LF-terminated line, fields
 * separated by exactly one space (printable ASCII 0x21-0x7e only):
 *
 *   dmip6-state 1 <kind> <written>       header; kind "had" or "dhpd",
 *                                        written = wall-clock Unix ms
 *   <tag> <field> ...                    records (the daemon's own)
 *   end <records> <crc32>                trailer: the number of record
 *                                        lines and the CRC-32 (IEEE
 *                                        802.3, 8 lowercase hex digits)
 *                                        of every byte before "end"
 *
 * Times inside records are absolute wall-clock Unix milliseconds, so a
 * file stays meaningful across a reboot (CLOCK_MONOTONIC restarts at
 * zero); the reader converts them back with sf_wall_to_mono().
 *
 * A file is used whole or not at all: sf_parse() checks the header, the
 * trailer, the CRC and every line's shape before it hands out the first
 * record. Anything else (truncated, corrupted, another kind, another
 * version, over SF_FILE_MAX) is an error with a reason; the daemon then
 * renames the file aside (sf_set_aside) and starts empty.
 *
 * Writing (sf_write_atomic): the bytes go to "<dir>/.<name>.tmp"
 * (mode 0600), fsync, rename over "<dir>/<name>", fsync of the
 * directory. A crash at any point leaves the old file or the new one.
 *
 * sf_saver debounces the writes of a daemon: sf_saver_dirty() after a
 * change arms a timer so that at most one write happens per interval
 * (or per 9 x the last write's duration, when that is longer). Each
 * periodic write runs in a forked child on a copy-on-write snapshot of
 * the tables (save() must only read them and write the file), so a
 * table of 10^6 bindings never keeps the event loop waiting; the child
 * is reaped through a pidfd in the loop. sf_saver_flush() waits for a
 * running child, then writes at once in the process (exit).
 */
#ifndef DMIP_STATEFILE_H
#define DMIP_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "timerheap.h"

#define SF_VERSION	1
#define SF_MAGIC	"dmip6-state"
#define SF_LINE_MAX	512		/* bytes per line, LF included */
#define SF_FIELDS_MAX	16		/* fields per record, tag included */
#define SF_FILE_MAX	(512u << 20)	/* refuse larger files */
#define SF_SAVE_INTERVAL_MS 100		/* issue 8: at most every 100 ms */

/* ---- building a file in memory ------------------------------------ */

struct sf_buf {
	char	*p;
	size_t	 len, cap;
	size_t	 nrec;
	bool	 err;		/* ENOMEM or an over-long record: unusable */
};

/* Start a file of this kind (a word of [a-z0-9_-]). */
void	sf_begin(struct sf_buf *, const char *kind, uint64_t written_ms);
/* One record line (no LF in fmt; it is added). */
void	sf_add(struct sf_buf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Append the trailer. 0, or -1 when the buffer is unusable. */
int	sf_finish(struct sf_buf *);
void	sf_free(struct sf_buf *);

/* ---- reading -------------------------------------------------------- */

/*
 * One record: argv[0] is the tag, argc >= 1; the strings live until fn
 * returns. Return 0, or -1 to reject the whole file (a record the
 * daemon cannot read) with the reason in err.
 */
typedef int (*sf_record_fn)(int argc, char **argv, void *arg, char *err,
	    size_t errlen);

/*
 * Verify buf (len bytes) as a file of kind, then call fn for every
 * record in order. 0, or -1 with the reason in err (nothing is handed
 * out for a file that does not verify). *written_ms gets the header's
 * time.
 */
int	sf_parse(const char *buf, size_t len, const char *kind,
	    uint64_t *written_ms, sf_record_fn fn, void *arg, char *err,
	    size_t errlen);

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32()). */
uint32_t sf_crc32(uint32_t crc, const void *, size_t);

/* For decoders: make room for element n of *arr (8 at first, doubled
 * whenever n reaches a power of two). 0 or -1 (ENOMEM, *arr kept). */
int	sf_grow(void **arr, size_t n, size_t size);

/* Field helpers for sf_record_fn: 0 or -1. Numbers are decimal, or
 * hexadecimal with "0x"; no sign, no spaces, at most max. */
int	sf_get_u64(const char *, uint64_t max, uint64_t *);
int	sf_get_in6(const char *, struct in6_addr *);

/*
 * A wall-clock time of the file as a monotonic one of this run:
 * mono_now + (wall - wall_now), clamped to [0, UINT64_MAX - 1].
 * And back.
 */
uint64_t sf_wall_to_mono(uint64_t wall, uint64_t wall_now, uint64_t mono_now);
uint64_t sf_mono_to_wall(uint64_t mono, uint64_t mono_now, uint64_t wall_now);
/* CLOCK_REALTIME in ms. */
uint64_t sf_wall_now_ms(void);

/* ---- files ------------------------------------------------------------ */

/* Create dir (and its parents, mode 0700) if missing. 0 or -errno. */
int	sf_mkdir(const char *dir);
/*
 * The daemons do not create state_dir (make install and the systemd
 * units do): 0 when dir is a directory we can write that no one else
 * can (not group- or world-writable), else -ENOENT, -ENOTDIR, -EACCES,
 * or -EPERM (writable by others: a planted state file could inject
 * bindings).
 */
int	sf_check_dir(const char *dir);
/* sf_check_dir(), creating the directory (0700, parents too) when it
 * does not exist: what the daemons call at start. */
int	sf_ensure_dir(const char *dir);
/* Atomically replace dir/name with len bytes of p. 0 or -errno. */
int	sf_write_atomic(const char *dir, const char *name, const void *p,
	    size_t len);
/* Read dir/name into a malloc'd buffer (NUL-terminated, not counted).
 * 0, -ENOENT when there is no file, -EFBIG over SF_FILE_MAX, -EINVAL
 * not a regular file, -EPERM owned by another user or writable by
 * group or others, -errno. */
int	sf_read_file(const char *dir, const char *name, char **buf,
	    size_t *len);
/* Rename dir/name to dir/name.bad (replacing an older one). 0 or -errno. */
int	sf_set_aside(const char *dir, const char *name);

/*
 * The policy had and dhpd share. sf_save: write b (already encoded;
 * encoded == -1 means encoding ran out of memory) to dir/name and free
 * it; 0, or -1 logged. sf_load: read dir/name and decode it into st;
 * 1 when restored, 0 when starting empty: no file, a file that is not
 * trusted (-EPERM), unreadable, or corrupt (then renamed to name.bad).
 * Every case is logged; `what` names the content ("bindings").
 */
typedef int (*sf_decode_fn)(const char *buf, size_t len, void *st,
    char *err, size_t errlen);
int	sf_save(const char *dir, const char *name, const char *what,
	    int encoded, struct sf_buf *b);
int	sf_load(const char *dir, const char *name, const char *what,
	    sf_decode_fn decode, void *st);

/* ---- debounced saving (uses the event loop) -------------------------- */

struct evloop;

struct sf_saver {
	struct evloop	*loop;
	struct timer	 timer;
	unsigned	 interval_ms;
	uint64_t	 last_ms;	/* monotonic: the last write's end */
	uint64_t	 last_cost_ms;	/* how long it took */
	bool		 dirty, wrote;
	bool		 background;	/* fork for periodic writes (default) */
	pid_t		 child;		/* a write running, or -1 */
	int		 pidfd;		/* its pidfd in the loop, or -1 */
	uint64_t	 child_t0;
	int		(*save)(void *arg);	/* 0 or -1 (it logs) */
	void		*arg;
	uint64_t	 writes, failures;
};

void	sf_saver_init(struct sf_saver *, struct evloop *, unsigned interval_ms,
	    int (*save)(void *), void *arg);
/* Something changed: save within interval_ms (at once if the last
 * write is older than that, from the loop). */
void	sf_saver_dirty(struct sf_saver *);
/* Save now if anything changed since the last write. */
void	sf_saver_flush(struct sf_saver *);
/* Cancel the timer (before the loop is freed). */
void	sf_saver_stop(struct sf_saver *);

#endif /* DMIP_STATEFILE_H */
