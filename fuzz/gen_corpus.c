/*
 * gen_corpus.c: write the seed corpus of every fuzz target (seeds.c) as
 * files, for libFuzzer: OUTDIR/<target>/<seed name>.
 *
 *   gen_corpus OUTDIR [SRCDIR [TARGET...]]
 *
 * SRCDIR (default ".") is the top source directory, for the seeds read
 * from tests/conf/, etc/ and tests/unit/test_dhcp6.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* fuzz_util.c names the target in its reports; this program is none. */
FUZZ_TARGET("gen_corpus");

struct out {
	const char	*dir;
	size_t		 n;
	int		 err;
};

static void
write_seed(const char *name, const uint8_t *p, size_t len, void *arg)
{
	struct out *o = arg;
	char path[4096], safe[200];
	size_t i;
	FILE *fp;

	for (i = 0; name[i] != '\0' && i < sizeof(safe) - 1; i++)
		safe[i] = isalnum((unsigned char)name[i]) ||
		    strchr("-_.", name[i]) != NULL ? name[i] : '_';
	safe[i] = '\0';
	snprintf(path, sizeof(path), "%s/seed-%s", o->dir, safe);
	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(p, 1, len, fp) != len || fclose(fp) != 0) {
		fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
		o->err = 1;
		return;
	}
	o->n++;
}

static int
gen(const char *outdir, const char *srcdir, const char *target)
{
	char dir[4096];
	struct out o = { dir, 0, 0 };

	snprintf(dir, sizeof(dir), "%s/%s", outdir, target);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "gen_corpus: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	fuzz_seeds(target, srcdir, write_seed, &o);
	printf("%-14s %3zu seeds in %s\n", target, o.n, dir);
	if (o.n == 0) {
		fprintf(stderr, "gen_corpus: no seeds for %s\n", target);
		return 1;
	}
	return o.err;
}

int
main(int argc, char **argv)
{
	const char *srcdir = argc > 2 ? argv[2] : ".";
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: gen_corpus OUTDIR [SRCDIR [TARGET...]]"
		    "\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "gen_corpus: %s: %s\n", argv[1],
		    strerror(errno));
		return 1;
	}
	if (argc > 3) {
		for (int i = 3; i < argc; i++)
			rc |= gen(argv[1], srcdir, argv[i]);
		return rc;
	}
	for (size_t i = 0; fuzz_target_names[i] != NULL; i++)
		rc |= gen(argv[1], srcdir, fuzz_target_names[i]);
	return rc;
}
