/*
 * statefile.c: atomic, versioned, checksummed state files of had and
 * dhpd (statefile.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "evloop.h"
#include "log.h"
#include "statefile.h"

/* ---- CRC-32 ---------------------------------------------------------- */

static uint32_t crc_table[256];
static bool crc_ready;

static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	crc_ready = true;
}

uint32_t
sf_crc32(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;

	if (!crc_ready)
		crc_init();
	crc = ~crc;
	while (n-- > 0)
		crc = crc_table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- building --------------------------------------------------------- */

static bool
buf_reserve(struct sf_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->err)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	if (cap > SF_FILE_MAX || (p = realloc(b->p, cap)) == NULL) {
		b->err = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void __attribute__((format(printf, 2, 0)))
buf_vadd(struct sf_buf *b, const char *fmt, va_list ap)
{
	char line[SF_LINE_MAX + 1];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	/* The LF must fit in SF_LINE_MAX too. */
	if (n < 0 || (size_t)n + 1 > SF_LINE_MAX) {
		b->err = true;
		return;
	}
	if (!buf_reserve(b, (size_t)n + 1))
		return;
	memcpy(b->p + b->len, line, (size_t)n);
	b->len += (size_t)n;
	b->p[b->len++] = '\n';
	b->p[b->len] = '\0';
}

static void
buf_add(struct sf_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vadd(b, fmt, ap);
	va_end(ap);
}

void
sf_begin(struct sf_buf *b, const char *kind, uint64_t written_ms)
{
	memset(b, 0, sizeof(*b));
	buf_add(b, "%s %d %s %" PRIu64, SF_MAGIC, SF_VERSION, kind,
	    written_ms);
}

void
sf_add(struct sf_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vadd(b, fmt, ap);
	va_end(ap);
	if (!b->err)
		b->nrec++;
}

int
sf_finish(struct sf_buf *b)
{
	uint32_t crc;

	if (b->err)
		return -1;
	crc = sf_crc32(0, b->p, b->len);
	buf_add(b, "end %zu %08" PRIx32, b->nrec, crc);
	return b->err ? -1 : 0;
}

void
sf_free(struct sf_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- parsing -------------------------------------------------------- */

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
sf_get_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10, d;
	const char *p = s;

	if (s == NULL || *s == '\0')
		return -1;
	if (p[0] == '0' && p[1] == 'x') {
		base = 16;
		p += 2;
		if (*p == '\0')
			return -1;
	}
	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int
sf_grow(void **arr, size_t n, size_t size)
{
	void *p;
	size_t cap = n ? n * 2 : 8;

	if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
		return 0;
	if (cap > SIZE_MAX / size || (p = realloc(*arr, cap * size)) == NULL)
		return -1;
	*arr = p;
	return 0;
}

int
sf_get_in6(const char *s, struct in6_addr *a)
{
	return s != NULL && inet_pton(AF_INET6, s, a) == 1 ? 0 : -1;
}

/*
 * Split one line (no LF) into fields at single spaces. -1 on an empty
 * field, a byte outside 0x21-0x7e or too many fields.
 */
static int
split(char *line, char **argv, int *argc)
{
	int n = 0;
	char *p = line;

	for (;;) {
		if (n == SF_FIELDS_MAX)
			return -1;
		argv[n++] = p;
		while (*p != '\0' && *p != ' ') {
			if ((unsigned char)*p < 0x21 ||
			    (unsigned char)*p > 0x7e)
				return -1;
			p++;
		}
		if (p == argv[n - 1])
			return -1;	/* empty field */
		if (*p == '\0')
			break;
		*p++ = '\0';
	}
	*argc = n;
	return 0;
}

/* The header line; 0 or -1. */
static int
check_header(char *line, const char *kind, uint64_t *written_ms, char *err,
    size_t errlen)
{
	char *argv[SF_FIELDS_MAX];
	uint64_t v;
	int argc;

	if (split(line, argv, &argc) == -1 || argc != 4 ||
	    strcmp(argv[0], SF_MAGIC) != 0) {
		set_err(err, errlen, "not a dmip6 state file");
		return -1;
	}
	if (sf_get_u64(argv[1], UINT32_MAX, &v) == -1 || v != SF_VERSION) {
		set_err(err, errlen, "version %s, this build reads %d",
		    argv[1], SF_VERSION);
		return -1;
	}
	if (strcmp(argv[2], kind) != 0) {
		set_err(err, errlen, "a %s state file, not %s", argv[2], kind);
		return -1;
	}
	if (sf_get_u64(argv[3], UINT64_MAX, written_ms) == -1) {
		set_err(err, errlen, "bad header time");
		return -1;
	}
	return 0;
}

/* Exactly 8 lowercase hex digits. */
static int
get_crc(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	if (strlen(s) != 8)
		return -1;
	for (int i = 0; i < 8; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			v = v << 4 | (uint32_t)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = v << 4 | (uint32_t)(s[i] - 'a' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Copy the line at off (its LF excluded) into out; returns the offset
 * of the next line. The frame check guarantees the LF and the length. */
static size_t
line_at(const char *buf, size_t off, char out[SF_LINE_MAX + 1])
{
	const char *nl = strchr(buf + off, '\n');
	size_t n = (size_t)(nl - (buf + off));

	memcpy(out, buf + off, n);
	out[n] = '\0';
	return off + n + 1;
}

/*
 * Every line is LF-terminated, at most SF_LINE_MAX long and free of
 * NULs; the last one is the trailer with the right count and CRC.
 * Returns the offset of the trailer, or -1.
 */
static ssize_t
check_frame(const char *buf, size_t len, size_t *nrec, char *err,
    size_t errlen)
{
	size_t off = 0, lines = 0, last = 0;
	const char *nl;
	char trailer[SF_LINE_MAX + 1], *argv[SF_FIELDS_MAX];
	uint64_t count;
	uint32_t crc;
	int argc;

	if (len == 0) {
		set_err(err, errlen, "empty file");
		return -1;
	}
	if (buf[len - 1] != '\n') {
		set_err(err, errlen, "truncated (no final newline)");
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL) {
		set_err(err, errlen, "NUL byte in the file");
		return -1;
	}
	while (off < len) {
		nl = memchr(buf + off, '\n', len - off);
		if ((size_t)(nl - (buf + off)) + 1 > SF_LINE_MAX) {
			set_err(err, errlen, "line %zu too long", lines + 1);
			return -1;
		}
		last = off;
		off = (size_t)(nl - buf) + 1;
		lines++;
	}
	if (lines < 2) {
		set_err(err, errlen, "truncated (no trailer)");
		return -1;
	}
	(void)line_at(buf, last, trailer);
	if (split(trailer, argv, &argc) == -1 || argc != 3 ||
	    strcmp(argv[0], "end") != 0 ||
	    sf_get_u64(argv[1], SIZE_MAX, &count) == -1 ||
	    get_crc(argv[2], &crc) == -1) {
		set_err(err, errlen, "truncated (no valid trailer)");
		return -1;
	}
	if (count != lines - 2) {
		set_err(err, errlen, "%zu records, the trailer says %" PRIu64,
		    lines - 2, count);
		return -1;
	}
	if (sf_crc32(0, buf, last) != crc) {
		set_err(err, errlen, "checksum mismatch (corrupted)");
		return -1;
	}
	*nrec = lines - 2;
	return (ssize_t)last;
}

int
sf_parse(const char *buf, size_t len, const char *kind, uint64_t *written_ms,
    sf_record_fn fn, void *arg, char *err, size_t errlen)
{
	char line[SF_LINE_MAX + 1], *argv[SF_FIELDS_MAX];
	size_t nrec = 0, off, first, i;
	int argc;

	if (check_frame(buf, len, &nrec, err, errlen) < 0)
		return -1;
	first = line_at(buf, 0, line);
	if (check_header(line, kind, written_ms, err, errlen) == -1)
		return -1;
	/* The shape of every record before the first one goes out. */
	for (i = 0, off = first; i < nrec; i++) {
		off = line_at(buf, off, line);
		if (split(line, argv, &argc) == -1) {
			set_err(err, errlen, "record %zu: bad field", i + 1);
			return -1;
		}
	}
	for (i = 0, off = first; i < nrec; i++) {
		off = line_at(buf, off, line);
		(void)split(line, argv, &argc);
		if (fn(argc, argv, arg, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* ---- time ------------------------------------------------------------- */

uint64_t
sf_wall_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
shift(uint64_t t, uint64_t from_now, uint64_t to_now)
{
	uint64_t d;

	if (t >= from_now) {
		d = t - from_now;
		return d >= UINT64_MAX - 1 - to_now ? UINT64_MAX - 1 :
		    to_now + d;
	}
	d = from_now - t;
	return d >= to_now ? 0 : to_now - d;
}

uint64_t
sf_wall_to_mono(uint64_t wall, uint64_t wall_now, uint64_t mono_now)
{
	return shift(wall, wall_now, mono_now);
}

uint64_t
sf_mono_to_wall(uint64_t mono, uint64_t mono_now, uint64_t wall_now)
{
	return shift(mono, mono_now, wall_now);
}

/* ---- files ------------------------------------------------------------ */

static int
path_join(char *out, size_t cap, const char *dir, const char *pre,
    const char *name, const char *suf)
{
	int n = snprintf(out, cap, "%s/%s%s%s", dir, pre, name, suf);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int
sf_mkdir(const char *dir)
{
	char p[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, dir, n + 1);
	for (char *s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0700) == -1 && errno != EEXIST)
		return -errno;
	return 0;
}

int
sf_ensure_dir(const char *dir)
{
	int rc;

	if ((rc = sf_check_dir(dir)) != -ENOENT)
		return rc;
	if ((rc = sf_mkdir(dir)) < 0)
		return rc;
	log_info("state_dir %s created (0700)", dir);
	return sf_check_dir(dir);
}

int
sf_check_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == -1)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if ((st.st_mode & 022) != 0)
		return -EPERM;
	if (access(dir, W_OK | X_OK) == -1)
		return -errno;
	return 0;
}

static int
write_all(int fd, const void *p, size_t len)
{
	const char *b = p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, b, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
fsync_dir(const char *dir)
{
	int fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	if (fsync(fd) == -1)
		rc = -errno;
	close(fd);
	return rc;
}

int
sf_write_atomic(const char *dir, const char *name, const void *p, size_t len)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	int fd, rc;

	if ((rc = path_join(tmp, sizeof(tmp), dir, ".", name, ".tmp")) < 0 ||
	    (rc = path_join(dst, sizeof(dst), dir, "", name, "")) < 0)
		return rc;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1)
		return -errno;
	if ((rc = write_all(fd, p, len)) == 0 && fsync(fd) == -1)
		rc = -errno;
	if (close(fd) == -1 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, dst) == -1)
		rc = -errno;
	if (rc != 0) {
		(void)unlink(tmp);
		return rc;
	}
	return fsync_dir(dir);
}

int
sf_read_file(const char *dir, const char *name, char **buf, size_t *len)
{
	char path[PATH_MAX];
	struct stat st;
	size_t got = 0;
	ssize_t n;
	char *p;
	int fd, rc;

	*buf = NULL;
	*len = 0;
	if ((rc = path_join(path, sizeof(path), dir, "", name, "")) < 0)
		return rc;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	/* Only our own file counts (we write them 0600). */
	if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		close(fd);
		return -EPERM;
	}
	if ((uint64_t)st.st_size > SF_FILE_MAX) {
		close(fd);
		return -EFBIG;
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size &&
	    (n = read(fd, p + got, (size_t)st.st_size - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			free(p);
			close(fd);
			return rc;
		}
		got += (size_t)n;
	}
	close(fd);
	p[got] = '\0';
	*buf = p;
	*len = got;
	return 0;
}

int
sf_set_aside(const char *dir, const char *name)
{
	char from[PATH_MAX], to[PATH_MAX];
	int rc;

	if ((rc = path_join(from, sizeof(from), dir, "", name, "")) < 0 ||
	    (rc = path_join(to, sizeof(to), dir, "", name, ".bad")) < 0)
		return rc;
	return rename(from, to) == -1 ? -errno : 0;
}

/* ---- debounced saving ---------------------------------------------- */

/* The end of a write: account for it, and schedule the next one if
 * something changed meanwhile (or the write failed). */
static void
saver_done(struct sf_saver *s, bool ok, uint64_t t0)
{
	s->last_ms = evloop_clock_ms();
	/* A big table takes long to write: keep saving under ~10 % of the
	 * time (the next write waits 9 x this one's duration). */
	s->last_cost_ms = s->last_ms - t0;
	if (ok)
		s->writes++;
	else {
		/* Try again at the next interval: not on disk yet. */
		s->failures++;
		s->dirty = true;
	}
	if (s->dirty)
		sf_saver_dirty(s);
}

static void
saver_reap(struct sf_saver *s, int flags)
{
	int st = 0;
	pid_t r;

	while ((r = waitpid(s->child, &st, flags)) == -1 && errno == EINTR)
		continue;
	if (r == 0)
		return;		/* still writing */
	if (s->pidfd >= 0) {
		evloop_del_fd(s->loop, s->pidfd);
		close(s->pidfd);
		s->pidfd = -1;
	}
	s->child = -1;
	saver_done(s, r > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    s->child_t0);
}

static void
on_child(int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	saver_reap(arg, WNOHANG);
}

/*
 * Write in a child process: it sees a copy-on-write snapshot of the
 * tables, so however big they are the loop never waits for the disk.
 * -1 when that cannot be done (the caller writes itself).
 */
static int
saver_fork(struct sf_saver *s)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		/* The child holds none of the daemon's sockets or devices: a
		 * restarted daemon must not find its control socket alive,
		 * nor a TUN device outlive a killed parent. */
		if (syscall(SYS_close_range, 3U, ~0U, 0U) == -1)
			for (int i = 3; i < 1024; i++)
				(void)close(i);
		_exit(s->save(s->arg) == 0 ? 0 : 1);
	}
	s->child = pid;
	s->child_t0 = evloop_clock_ms();
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0 && evloop_add_fd(s->loop, fd, EPOLLIN, on_child, s) == 0) {
		s->pidfd = fd;
		return 0;
	}
	/* No pidfd (old kernel): wait for this one, write in the loop
	 * from now on. */
	if (fd >= 0)
		close(fd);
	s->background = false;
	saver_reap(s, 0);
	return 0;
}

static void
saver_write(struct sf_saver *s)
{
	uint64_t t0 = evloop_clock_ms();

	s->dirty = false;
	s->wrote = true;
	if (s->background && saver_fork(s) == 0)
		return;
	saver_done(s, s->save(s->arg) == 0, t0);
}

static void
saver_fired(struct timer *t, void *arg)
{
	struct sf_saver *s = arg;

	(void)t;
	/* A write still running: saver_reap() reschedules. */
	if (s->dirty && s->child == -1)
		saver_write(s);
}

void
sf_saver_init(struct sf_saver *s, struct evloop *loop, unsigned interval_ms,
    int (*save)(void *), void *arg)
{
	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->interval_ms = interval_ms;
	s->save = save;
	s->arg = arg;
	s->background = true;
	s->child = -1;
	s->pidfd = -1;
	timer_init(&s->timer, saver_fired, s);
}

void
sf_saver_dirty(struct sf_saver *s)
{
	uint64_t now = evloop_now_ms(s->loop), at, gap;

	s->dirty = true;
	if (timer_is_armed(&s->timer) || s->child != -1)
		return;
	gap = s->interval_ms > 9 * s->last_cost_ms ? s->interval_ms :
	    9 * s->last_cost_ms;
	at = s->wrote ? s->last_ms + gap : now;
	if (at < now)
		at = now;
	if (evloop_timer_at(s->loop, &s->timer, at) == -1)
		log_warn("state: timer");	/* the next change re-arms */
}

void
sf_saver_flush(struct sf_saver *s)
{
	if (s->loop == NULL)
		return;
	evloop_timer_cancel(s->loop, &s->timer);
	if (s->child != -1)
		saver_reap(s, 0);	/* the older snapshot first */
	evloop_timer_cancel(s->loop, &s->timer);
	if (s->dirty) {
		s->background = false;	/* exit: now, in this process */
		saver_write(s);
		evloop_timer_cancel(s->loop, &s->timer);
	}
}

void
sf_saver_stop(struct sf_saver *s)
{
	if (s->loop == NULL)
		return;
	if (s->child != -1) {
		s->dirty = false;
		saver_reap(s, 0);
	}
	evloop_timer_cancel(s->loop, &s->timer);
}

/* ---- save and load, as had and dhpd use them ---------------------- */

int
sf_save(const char *dir, const char *name, const char *what, int encoded,
    struct sf_buf *b)
{
	int rc;

	if (encoded == -1) {
		sf_free(b);
		log_warnx("state: cannot encode the %s (out of memory)", what);
		return -1;
	}
	rc = sf_write_atomic(dir, name, b->p, b->len);
	sf_free(b);
	if (rc < 0) {
		log_warnx("state: writing %s/%s: %s", dir, name, strerror(-rc));
		return -1;
	}
	return 0;
}

int
sf_load(const char *dir, const char *name, const char *what,
    sf_decode_fn decode, void *st)
{
	char *buf = NULL, err[160];
	size_t len;
	int rc;

	if ((rc = sf_read_file(dir, name, &buf, &len)) == -ENOENT) {
		log_info("state: no %s/%s: starting with no %s", dir, name,
		    what);
		return 0;
	}
	if (rc == -EPERM) {
		log_warnx("state: %s/%s ignored: owned by another user or "
		    "writable by group or others", dir, name);
		return 0;
	}
	if (rc < 0 && rc != -EFBIG && rc != -EINVAL) {
		log_warnx("state: reading %s/%s: %s; starting with no %s", dir,
		    name, strerror(-rc), what);
		return 0;
	}
	if (rc == 0 && decode(buf, len, st, err, sizeof(err)) == 0) {
		free(buf);
		return 1;
	}
	if (rc < 0)
		snprintf(err, sizeof(err), "%s", strerror(-rc));
	free(buf);
	if (sf_set_aside(dir, name) == 0)
		log_warnx("state: %s/%s ignored: %s; renamed to %s.bad", dir,
		    name, err, name);
	else
		log_warnx("state: %s/%s ignored: %s; could not rename it "
		    "aside", dir, name, err);
	return 0;
}
