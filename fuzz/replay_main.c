/*
 * replay_main.c: a main() for a fuzz target without libFuzzer, so the
 * target runs in every build (gcc, clang, ASan) as part of `make check`.
 *
 *   replay_NAME                 the seeds (fuzz_seeds()), every file in
 *                               $srcdir/fuzz/regress/NAME/ and
 *                               $srcdir/fuzz/corpus/NAME/, then a fixed
 *                               number of deterministic mutations of
 *                               the seeds (FUZZ_REPLAY_MUTATIONS, 400)
 *   replay_NAME FILE|DIR...     just those inputs (reproduce a crash)
 *
 * $srcdir/fuzz/regress/NAME/open/ holds inputs of bugs found but not
 * fixed yet: each runs in a child process and is expected to fail (like
 * automake's XFAIL). One that passes fails the replay (XPASS): the bug
 * was fixed, so move the input up into fuzz/regress/NAME/ where it
 * guards the fix.
 *
 * Each input is copied into a heap block of exactly its size, so an
 * over-read shows under ASan as it would under libFuzzer. On a crash
 * the input's name is printed and its bytes are saved to
 * ./replay-crash-NAME.bin (drop it into fuzz/regress/NAME/).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define INPUT_MAX	(1024 * 1024)
#define MUTATIONS_DEFAULT 400

/* Sanitizer hook, present only in sanitizer builds. */
void	__sanitizer_set_death_callback(void (*)(void))
	    __attribute__((weak));
int	LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

struct seed {
	char	*name;
	uint8_t	*p;
	size_t	 len;
};

static struct seed	*seeds;
static size_t		 nseeds, seedcap;
static size_t		 nfiles, nmut, nopen;

/* What is running, for the crash handler. */
static const char	*cur_name = "?";
static const uint8_t	*cur_p;
static size_t		 cur_len;

static void
put_str(const char *s)
{
	ssize_t n = write(2, s, strlen(s));

	(void)n;
}

static void
on_death(void)
{
	char path[128];
	int fd;

	put_str("\nreplay: the crash was on input ");
	put_str(cur_name);
	put_str("\n");
	snprintf(path, sizeof(path), "replay-crash-%s.bin", fuzz_target_name);
	if (cur_p != NULL &&
	    (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
		ssize_t n = write(fd, cur_p, cur_len);

		(void)n;
		close(fd);
		put_str("replay: input saved as ");
		put_str(path);
		put_str(" (move it into fuzz/regress/<target>/)\n");
	}
}

static void
on_signal(int sig)
{
	static volatile sig_atomic_t once;

	if (!once) {
		once = 1;
		on_death();
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
run_one(const char *name, const uint8_t *p, size_t len)
{
	static uint8_t empty[1];
	uint8_t *copy = len > 0 ? malloc(len) : NULL;

	if (len > 0 && copy == NULL) {
		perror("replay: malloc");
		exit(99);
	}
	if (len > 0)
		memcpy(copy, p, len);
	cur_name = name;
	cur_p = copy != NULL ? copy : empty;
	cur_len = len;
	LLVMFuzzerTestOneInput(copy != NULL ? copy : empty, len);
	cur_p = NULL;
	free(copy);
}

static void
add_seed(const char *name, const uint8_t *p, size_t len, void *arg)
{
	struct seed *s;

	(void)arg;
	run_one(name, p, len);
	if (nseeds == seedcap) {
		seedcap = seedcap ? seedcap * 2 : 32;
		if ((seeds = reallocarray(seeds, seedcap, sizeof(*seeds))) ==
		    NULL) {
			perror("replay: realloc");
			exit(99);
		}
	}
	s = &seeds[nseeds++];
	if ((s->name = strdup(name)) == NULL ||
	    (s->p = malloc(len ? len : 1)) == NULL) {
		perror("replay: malloc");
		exit(99);
	}
	memcpy(s->p, p, len);
	s->len = len;
}

static int
run_file(const char *path)
{
	uint8_t *buf;
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(INPUT_MAX)) == NULL) {
		close(fd);
		return -1;
	}
	while (got < INPUT_MAX &&
	    (n = read(fd, buf + got, INPUT_MAX - got)) > 0)
		got += (size_t)n;
	close(fd);
	run_one(path, buf, got);
	free(buf);
	nfiles++;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir (sorted, so runs are reproducible). A
 * missing dir is fine unless required. */
static int
run_dir(const char *dir, bool required)
{
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0;
	int rc = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		if (!required && errno == ENOENT)
			return 0;
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path) || de->d_name[0] == '.' ||
		    strcmp(de->d_name, "README") == 0 ||
		    stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = reallocarray(names, cap, sizeof(*names));
			if (names == NULL)
				exit(99);
		}
		if ((names[n++] = strdup(path)) == NULL)
			exit(99);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (run_file(names[i]) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Known open bugs: each input must still fail, in a child. */
static int
run_open_dir(const char *dir)
{
	struct dirent *de;
	char path[4096];
	int rc = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		pid_t pid;
		int status, fd;

		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path) || de->d_name[0] == '.' ||
		    stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		fflush(NULL);
		if ((pid = fork()) == -1) {
			perror("replay: fork");
			exit(99);
		}
		if (pid == 0) {
			/* quiet: `replay_NAME FILE` shows the report */
			if ((fd = open("/dev/null", O_WRONLY)) != -1)
				dup2(fd, 2);
			signal(SIGABRT, SIG_DFL);
			signal(SIGSEGV, SIG_DFL);
			signal(SIGBUS, SIG_DFL);
			signal(SIGFPE, SIG_DFL);
			signal(SIGILL, SIG_DFL);
			if (__sanitizer_set_death_callback != NULL)
				__sanitizer_set_death_callback(NULL);
			/* temp files are the parent's to remove */
			fuzz_fail_hook = NULL;
			run_file(path);
			exit(0);
		}
		if (waitpid(pid, &status, 0) == -1)
			exit(99);
		nopen++;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			fprintf(stderr, "replay %s: XPASS: %s no longer fails: "
			    "the bug is fixed, move the input up into "
			    "fuzz/regress/%s/\n", fuzz_target_name, path,
			    fuzz_target_name);
			rc = -1;
		} else
			printf("replay %s: known open bug still fails (%s %d):"
			    " %s\n", fuzz_target_name,
			    WIFSIGNALED(status) ? "signal" : "exit",
			    WIFSIGNALED(status) ? WTERMSIG(status) :
			    WEXITSTATUS(status), path);
	}
	closedir(d);
	return rc;
}

static int
run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return S_ISDIR(st.st_mode) ? run_dir(path, true) : run_file(path);
}

/* ---- deterministic mutations of the seeds ---------------------------- */

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t
rnd_below(size_t n)
{
	return n == 0 ? 0 : (size_t)(rnd() % n);
}

/* A few libFuzzer-like edits of s into buf (cap bytes); the new length. */
static size_t
mutate(const struct seed *s, const struct seed *other, uint8_t *buf,
    size_t cap)
{
	size_t len = s->len < cap ? s->len : cap;
	unsigned edits = 1 + (unsigned)rnd_below(4);

	memcpy(buf, s->p, len);
	while (edits-- > 0) {
		size_t at = rnd_below(len + 1), n;

		switch (rnd_below(7)) {
		case 0:		/* flip a bit */
			if (len > 0)
				buf[rnd_below(len)] ^=
				    (uint8_t)(1u << rnd_below(8));
			break;
		case 1:		/* set a byte to an interesting value */
			if (len > 0) {
				static const uint8_t v[] = { 0, 1, 0x7f, 0x80,
				    0xff, 0xfe, 8, 16, 59 };

				buf[rnd_below(len)] = v[rnd_below(sizeof(v))];
			}
			break;
		case 2:		/* random byte */
			if (len > 0)
				buf[rnd_below(len)] = (uint8_t)rnd();
			break;
		case 3:		/* truncate */
			len = at;
			break;
		case 4:		/* delete a range */
			n = rnd_below(len - at + 1);
			memmove(buf + at, buf + at + n, len - at - n);
			len -= n;
			break;
		case 5:		/* insert random bytes */
			n = 1 + rnd_below(8);
			if (len + n > cap)
				break;
			memmove(buf + at + n, buf + at, len - at);
			for (size_t i = 0; i < n; i++)
				buf[at + i] = (uint8_t)rnd();
			len += n;
			break;
		case 6:		/* splice the tail of another seed */
			n = other->len - rnd_below(other->len + 1);
			if (at + n > cap)
				n = cap - at;
			memcpy(buf + at, other->p + other->len - n, n);
			len = at + n;
			break;
		}
	}
	return len;
}

static void
run_mutations(unsigned long count)
{
	size_t cap = 8192;
	uint8_t *buf = malloc(cap);
	char name[128];

	if (buf == NULL || nseeds == 0) {
		free(buf);
		return;
	}
	for (unsigned long i = 0; i < count; i++) {
		const struct seed *s = &seeds[i % nseeds];
		const struct seed *o = &seeds[rnd_below(nseeds)];
		size_t len = mutate(s, o, buf, cap);

		snprintf(name, sizeof(name), "mutation %lu of seed %s", i,
		    s->name);
		run_one(name, buf, len);
		nmut++;
	}
	free(buf);
}

int
main(int argc, char **argv)
{
	const char *srcdir = getenv("srcdir"), *m;
	unsigned long mutations = MUTATIONS_DEFAULT;
	char dir[4096];
	int rc = 0;

	signal(SIGABRT, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);
	signal(SIGILL, on_signal);
	if (__sanitizer_set_death_callback != NULL)
		__sanitizer_set_death_callback(on_death);
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (run_path(argv[i]) == -1)
				rc = 1;
		printf("replay %s: %zu inputs: %s\n", fuzz_target_name, nfiles,
		    rc ? "FAILED to read some" : "ok");
		return rc;
	}

	if (srcdir == NULL)
		srcdir = ".";
	if ((m = getenv("FUZZ_REPLAY_MUTATIONS")) != NULL)
		mutations = strtoul(m, NULL, 10);
	fuzz_seeds(fuzz_target_name, srcdir, add_seed, NULL);
	snprintf(dir, sizeof(dir), "%s/fuzz/regress/%s", srcdir,
	    fuzz_target_name);
	if (run_dir(dir, false) == -1)
		rc = 1;
	snprintf(dir, sizeof(dir), "%s/fuzz/corpus/%s", srcdir,
	    fuzz_target_name);
	if (run_dir(dir, false) == -1)
		rc = 1;
	run_mutations(mutations);
	snprintf(dir, sizeof(dir), "%s/fuzz/regress/%s/open", srcdir,
	    fuzz_target_name);
	if (run_open_dir(dir) == -1)
		rc = 1;
	printf("replay %s: %zu seeds, %zu files, %zu mutations, %zu known "
	    "open bugs, %lu log lines: %s\n", fuzz_target_name, nseeds,
	    nfiles, nmut, nopen, fuzz_log_count(), rc ? "FAILED" : "ok");
	if (nseeds == 0) {
		/* A replay that runs no seed tests nothing. */
		fprintf(stderr, "replay %s: no seeds (srcdir %s)\n",
		    fuzz_target_name, srcdir);
		rc = 1;
	}
	for (size_t i = 0; i < nseeds; i++) {
		free(seeds[i].name);
		free(seeds[i].p);
	}
	free(seeds);
	return rc;
}
