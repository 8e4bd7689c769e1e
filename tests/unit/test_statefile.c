/*
 * test_statefile.c: the state file format and its files
 * (common/statefile.c): round trip, every single-byte corruption and
 * every truncation refused, foreign and future files refused, record
 * and field limits, the atomic write (mode, no temporary left, set
 * aside), the clock conversions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "evloop.h"
#include "statefile.h"
#include "cu_main.h"

#define WALL0	1700000000000ULL

/* Records seen by collect(). */
struct seen {
	int	 n;
	char	 lines[16][SF_LINE_MAX];
	int	 fail_at;	/* reject this record (1-based), 0 never */
};

static int
collect(int argc, char **argv, void *arg, char *err, size_t errlen)
{
	struct seen *s = arg;
	size_t off = 0;

	if (s->n == 16)
		return -1;
	if (++s->n == s->fail_at) {
		snprintf(err, errlen, "rejected");
		return -1;
	}
	for (int i = 0; i < argc; i++)
		off += (size_t)snprintf(s->lines[s->n - 1] + off,
		    SF_LINE_MAX - off, "%s%s", i ? "|" : "", argv[i]);
	return 0;
}

static void
make(struct sf_buf *b, const char *kind)
{
	sf_begin(b, kind, WALL0);
	sf_add(b, "mn 2001:db8:10::100 7 0x%llx", 0xe875470012345678ULL);
	sf_add(b, "bce 2001:db8:10::100 2001:db8:2::100 7 150 4096 0x1 %llu "
	    "%llu %llu", WALL0 - 5000, WALL0 - 100, WALL0 + 600000);
	sf_add(b, "x");
	CU_ASSERT_EQUAL_FATAL(sf_finish(b), 0);
}

static void
test_round_trip(void)
{
	struct sf_buf b;
	struct seen s;
	uint64_t w = 0;
	char err[128] = "";

	make(&b, "had");
	CU_ASSERT_EQUAL(b.nrec, 3);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(sf_parse(b.p, b.len, "had", &w, collect, &s, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(w, WALL0);
	CU_ASSERT_EQUAL(s.n, 3);
	CU_ASSERT_STRING_EQUAL(s.lines[0],
	    "mn|2001:db8:10::100|7|0xe875470012345678");
	CU_ASSERT_STRING_EQUAL(s.lines[2], "x");
	/* The text is what the header doc says. */
	CU_ASSERT_EQUAL(strncmp(b.p, "dmip6-state 1 had 1700000000000\n", 32),
	    0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.p, "\nend 3 "));
	/* The same bytes, not NUL-terminated (parse never reads past). */
	{
		char *copy = malloc(b.len);

		memcpy(copy, b.p, b.len);
		memset(&s, 0, sizeof(s));
		CU_ASSERT_EQUAL(sf_parse(copy, b.len, "had", &w, collect, &s,
		    err, sizeof(err)), 0);
		free(copy);
	}
	sf_free(&b);
}

static void
test_empty(void)
{
	struct sf_buf b;
	struct seen s;
	uint64_t w;
	char err[128];

	sf_begin(&b, "dhpd", 5);
	CU_ASSERT_EQUAL(sf_finish(&b), 0);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(sf_parse(b.p, b.len, "dhpd", &w, collect, &s, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_EQUAL(w, 5);
	sf_free(&b);
}

/* Every byte changed three ways: never accepted, no record handed out. */
static void
test_corrupt_every_byte(void)
{
	static const uint8_t flips[] = { 0x01, 0x20, 0x80, 0xff };
	struct sf_buf b;
	struct seen s;
	uint64_t w;
	char err[128], *m;
	size_t bad = 0, total = 0;

	make(&b, "had");
	m = malloc(b.len);
	for (size_t i = 0; i < b.len; i++)
		for (size_t f = 0; f < sizeof(flips); f++) {
			memcpy(m, b.p, b.len);
			m[i] = (char)(m[i] ^ flips[f]);
			memset(&s, 0, sizeof(s));
			total++;
			if (sf_parse(m, b.len, "had", &w, collect, &s, err,
			    sizeof(err)) == -1 && s.n == 0 && err[0] != '\0')
				bad++;
		}
	CU_ASSERT_EQUAL(bad, total);
	free(m);
	sf_free(&b);
}

static void
test_truncated(void)
{
	struct sf_buf b;
	struct seen s;
	uint64_t w;
	char err[128];
	size_t refused = 0;

	make(&b, "had");
	for (size_t n = 0; n < b.len; n++) {
		memset(&s, 0, sizeof(s));
		if (sf_parse(b.p, n, "had", &w, collect, &s, err,
		    sizeof(err)) == -1 && s.n == 0)
			refused++;
	}
	CU_ASSERT_EQUAL(refused, b.len);
	/* Bytes after the trailer: the trailer is not last. */
	{
		char *m = malloc(b.len + 8);

		memcpy(m, b.p, b.len);
		memcpy(m + b.len, "x 1 2 3\n", 8);
		memset(&s, 0, sizeof(s));
		CU_ASSERT_EQUAL(sf_parse(m, b.len + 8, "had", &w, collect, &s,
		    err, sizeof(err)), -1);
		free(m);
	}
	sf_free(&b);
}

/* A valid CRC over a wrong shape: the checks that do not rely on it. */
static void
reframe(const char *body, char *out, size_t cap, const char *nrec)
{
	char t[64];

	snprintf(t, sizeof(t), "end %s %08x\n", nrec,
	    sf_crc32(0, body, strlen(body)));
	snprintf(out, cap, "%s%s", body, t);
}

static void
test_foreign(void)
{
	char f[1024], err[128];
	struct seen s;
	uint64_t w;
	struct sf_buf b;

	make(&b, "dhpd");
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(sf_parse(b.p, b.len, "had", &w, collect, &s, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "dhpd"));
	sf_free(&b);

	reframe("dmip6-state 2 had 1\nx\n", f, sizeof(f), "1");
	CU_ASSERT_EQUAL(sf_parse(f, strlen(f), "had", &w, collect, &s, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "version"));
	reframe("some-other-file 1 had 1\nx\n", f, sizeof(f), "1");
	CU_ASSERT_EQUAL(sf_parse(f, strlen(f), "had", &w, collect, &s, err,
	    sizeof(err)), -1);
	/* Double space, tab, CR, DEL in a record. */
	reframe("dmip6-state 1 had 1\nx  y\n", f, sizeof(f), "1");
	CU_ASSERT_EQUAL(sf_parse(f, strlen(f), "had", &w, collect, &s, err,
	    sizeof(err)), -1);
	reframe("dmip6-state 1 had 1\nx\ty\n", f, sizeof(f), "1");
	CU_ASSERT_EQUAL(sf_parse(f, strlen(f), "had", &w, collect, &s, err,
	    sizeof(err)), -1);
	reframe("dmip6-state 1 had 1\nx\r\n", f, sizeof(f), "1");
	CU_ASSERT_EQUAL(sf_parse(f, strlen(f), "had", &w, collect, &s, err,
	    sizeof(err)), -1);
	reframe("dmip6-state 1 had 1\n\n", f, sizeof(f), "1");
	CU_ASSERT_EQUAL(sf_parse(f, strlen(f), "had", &w, collect, &s, err,
	    sizeof(err)), -1);
	/* Wrong count, uppercase CRC, no records handed out either way. */
	reframe("dmip6-state 1 had 1\nx\n", f, sizeof(f), "2");
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(sf_parse(f, strlen(f), "had", &w, collect, &s, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(s.n, 0);
	/* A record the daemon rejects stops the parse with its reason. */
	reframe("dmip6-state 1 had 1\na\nb\nc\n", f, sizeof(f), "3");
	memset(&s, 0, sizeof(s));
	s.fail_at = 2;
	CU_ASSERT_EQUAL(sf_parse(f, strlen(f), "had", &w, collect, &s, err,
	    sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "rejected");
	/* 16 fields are fine, 17 are not. */
	reframe("dmip6-state 1 had 1\na b c d e f g h i j k l m n o p\n", f,
	    sizeof(f), "1");
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(sf_parse(f, strlen(f), "had", &w, collect, &s, err,
	    sizeof(err)), 0);
	reframe("dmip6-state 1 had 1\na b c d e f g h i j k l m n o p q\n", f,
	    sizeof(f), "1");
	CU_ASSERT_EQUAL(sf_parse(f, strlen(f), "had", &w, collect, &s, err,
	    sizeof(err)), -1);
}

static void
test_limits(void)
{
	struct sf_buf b;
	char big[SF_LINE_MAX + 8];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sf_begin(&b, "had", 1);
	big[SF_LINE_MAX - 1] = '\0';		/* + LF = SF_LINE_MAX */
	sf_add(&b, "%s", big);
	CU_ASSERT_FALSE(b.err);
	big[SF_LINE_MAX - 1] = 'a';
	big[SF_LINE_MAX] = '\0';		/* one too many */
	sf_add(&b, "%s", big);
	CU_ASSERT_TRUE(b.err);
	CU_ASSERT_EQUAL(sf_finish(&b), -1);
	sf_free(&b);
}

static void
test_numbers(void)
{
	uint64_t v;
	struct in6_addr a;

	CU_ASSERT_EQUAL(sf_get_u64("0", 10, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(sf_get_u64("18446744073709551615", UINT64_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, UINT64_MAX);
	CU_ASSERT_EQUAL(sf_get_u64("18446744073709551616", UINT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(sf_get_u64("0xffffffffffffffff", UINT64_MAX, &v), 0);
	CU_ASSERT_EQUAL(sf_get_u64("0x10000000000000000", UINT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(sf_get_u64("0x", UINT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(sf_get_u64("0xAB", UINT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(sf_get_u64("-1", UINT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(sf_get_u64("+1", UINT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(sf_get_u64("", UINT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(sf_get_u64("65536", 65535, &v), -1);
	CU_ASSERT_EQUAL(sf_get_u64("65535", 65535, &v), 0);
	CU_ASSERT_EQUAL(sf_get_in6("2001:db8::1", &a), 0);
	CU_ASSERT_EQUAL(sf_get_in6("2001:db8::g", &a), -1);
	CU_ASSERT_EQUAL(sf_crc32(0, "123456789", 9), 0xcbf43926u);
}

static void
test_clocks(void)
{
	/* 5 s in the future of the file stays 5 s ahead. */
	CU_ASSERT_EQUAL(sf_wall_to_mono(WALL0 + 5000, WALL0, 1000), 6000);
	CU_ASSERT_EQUAL(sf_mono_to_wall(6000, 1000, WALL0), WALL0 + 5000);
	/* Before the monotonic epoch (a reboot since): clamped to 0. */
	CU_ASSERT_EQUAL(sf_wall_to_mono(WALL0 - 5000, WALL0, 1000), 0);
	CU_ASSERT_EQUAL(sf_wall_to_mono(UINT64_MAX, 0, 1000), UINT64_MAX - 1);
	CU_ASSERT_EQUAL(sf_wall_to_mono(WALL0, WALL0, 42), 42);
}

static char dir[64];

static int
count_entries(const char *d)
{
	char cmd[160];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", d);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void
test_files(void)
{
	struct sf_buf b;
	struct stat st;
	char path[128], *buf = NULL;
	size_t len = 0;

	snprintf(dir, sizeof(dir), "/tmp/test_statefile.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b", dir);
	CU_ASSERT_EQUAL(sf_mkdir(path), 0);
	CU_ASSERT_EQUAL(sf_mkdir(path), 0);		/* exists: fine */
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
	CU_ASSERT_EQUAL(sf_read_file(path, "x.state", &buf, &len), -ENOENT);

	make(&b, "had");
	CU_ASSERT_EQUAL(sf_write_atomic(path, "x.state", b.p, b.len), 0);
	CU_ASSERT_EQUAL(sf_write_atomic(path, "x.state", b.p, b.len), 0);
	CU_ASSERT_EQUAL(count_entries(path), 1);	/* no .tmp left */
	snprintf(path, sizeof(path), "%s/a/b/x.state", dir);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/a/b", dir);
	CU_ASSERT_EQUAL(sf_read_file(path, "x.state", &buf, &len), 0);
	CU_ASSERT_EQUAL(len, b.len);
	CU_ASSERT_EQUAL(memcmp(buf, b.p, len), 0);
	free(buf);
	/* Into a directory that does not exist: an error, no crash. */
	CU_ASSERT(sf_write_atomic("/nonexistent/dir", "x", b.p, b.len) < 0);
	/* Set aside. */
	CU_ASSERT_EQUAL(sf_set_aside(path, "x.state"), 0);
	CU_ASSERT_EQUAL(sf_read_file(path, "x.state", &buf, &len), -ENOENT);
	CU_ASSERT_EQUAL(sf_read_file(path, "x.state.bad", &buf, &len), 0);
	free(buf);
	/* Only a directory no one else may write is used. */
	CU_ASSERT_EQUAL(sf_check_dir(path), 0);
	CU_ASSERT_EQUAL(chmod(path, 0777), 0);
	CU_ASSERT_EQUAL(sf_check_dir(path), -EPERM);
	CU_ASSERT_EQUAL(chmod(path, 0700), 0);
	CU_ASSERT_EQUAL(sf_check_dir("/nonexistent/dir"), -ENOENT);
	CU_ASSERT_EQUAL(sf_check_dir("/dev/null"), -ENOTDIR);
	/* ... and only our own file, writable by no one else. */
	snprintf(path, sizeof(path), "%s/a/b/x.state.bad", dir);
	CU_ASSERT_EQUAL(chmod(path, 0666), 0);
	snprintf(path, sizeof(path), "%s/a/b", dir);
	CU_ASSERT_EQUAL(sf_read_file(path, "x.state.bad", &buf, &len), -EPERM);
	/* A directory where the file should be: not a regular file. */
	snprintf(path, sizeof(path), "%s/a", dir);
	CU_ASSERT_EQUAL(sf_read_file(path, "b", &buf, &len), -EINVAL);
	sf_free(&b);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(path), 0);
}

/* ---- the debounced saver ----------------------------------------- */

/* Each save appends its monotonic time to a file: the writes may run in
 * a child process, whose memory the test does not see. */
static char save_file[64];
static int fail_left;

static int
stamp_save(void *arg)
{
	FILE *f;

	(void)arg;
	if (fail_left > 0) {
		fail_left--;	/* (only meaningful in the process itself) */
		return -1;
	}
	if ((f = fopen(save_file, "a")) == NULL)
		return -1;
	fprintf(f, "%llu\n", (unsigned long long)evloop_clock_ms());
	return fclose(f) == 0 ? 0 : -1;
}

static int
read_stamps(uint64_t *at, int max)
{
	FILE *f = fopen(save_file, "r");
	unsigned long long v;
	int n = 0;

	if (f == NULL)
		return 0;
	while (n < max && fscanf(f, "%llu", &v) == 1)
		at[n++] = v;
	fclose(f);
	return n;
}

static void
run_for(struct evloop *loop, struct sf_saver *sv, unsigned ms, bool dirty)
{
	uint64_t end = evloop_clock_ms() + ms;

	while (evloop_clock_ms() < end) {
		if (dirty)
			sf_saver_dirty(sv);
		(void)evloop_once(loop, 5);
	}
}

/* Changes every 5 ms for 300 ms: a write at once, then at most one per
 * 50 ms, each in a child; flush waits for it and writes what is left. */
static void
test_saver(void)
{
	struct evloop *loop = evloop_new();
	struct sf_saver sv;
	uint64_t t0, at[64];
	int n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	snprintf(save_file, sizeof(save_file), "/tmp/test_saver.%d",
	    (int)getpid());
	unlink(save_file);
	sf_saver_init(&sv, loop, 50, stamp_save, NULL);
	CU_ASSERT_TRUE(sv.background);
	sf_saver_flush(&sv);
	CU_ASSERT_EQUAL(read_stamps(at, 64), 0);	/* nothing changed */
	t0 = evloop_clock_ms();
	run_for(loop, &sv, 300, true);
	run_for(loop, &sv, 100, false);		/* the last child ends */
	n = read_stamps(at, 64);
	CU_ASSERT(n >= 4 && n <= 8);
	CU_ASSERT_EQUAL(sv.writes, (uint64_t)n);
	CU_ASSERT_EQUAL(sv.failures, 0);
	for (int i = 1; i < n; i++)
		CU_ASSERT(at[i] - at[i - 1] >= 49);
	CU_ASSERT(n > 0 && at[0] - t0 <= 30);	/* the first at once */
	sf_saver_dirty(&sv);
	sf_saver_flush(&sv);			/* exit: written now */
	CU_ASSERT_EQUAL(read_stamps(at, 64), n + 1);
	sf_saver_flush(&sv);
	CU_ASSERT_EQUAL(read_stamps(at, 64), n + 1);
	sf_saver_stop(&sv);
	CU_ASSERT_EQUAL(sv.child, -1);

	/* In the process itself: a failed write is retried. */
	unlink(save_file);
	fail_left = 2;
	sf_saver_init(&sv, loop, 20, stamp_save, NULL);
	sv.background = false;
	sf_saver_dirty(&sv);
	run_for(loop, &sv, 150, false);
	CU_ASSERT_EQUAL(sv.failures, 2);
	CU_ASSERT_EQUAL(sv.writes, 1);
	CU_ASSERT_EQUAL(read_stamps(at, 64), 1);
	CU_ASSERT_FALSE(sv.dirty);
	sf_saver_stop(&sv);
	unlink(save_file);
	evloop_free(loop);
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "round trip", test_round_trip },
		{ "no records", test_empty },
		{ "every single-byte corruption is refused",
		    test_corrupt_every_byte },
		{ "every truncation is refused", test_truncated },
		{ "foreign, future and malformed files", test_foreign },
		{ "line length limit", test_limits },
		{ "number and address fields, CRC-32", test_numbers },
		{ "wall clock <-> monotonic", test_clocks },
		{ "atomic write, read, set aside", test_files },
		{ "debounced saving", test_saver },
		CU_TEST_INFO_NULL,
	};

	CU_SUITE("statefile", tests);
	return 0;
}
