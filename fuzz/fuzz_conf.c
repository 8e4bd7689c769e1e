/*
 * fuzz_conf.c: the config loaders (common/conf.h) on fuzzed files, for
 * the targets conf_mnd, conf_had and conf_dhpd.
 *
 * The loaders take a path, so each input is written to a file in a
 * private directory made with mkdtemp() at start-up (under $TMPDIR or
 * /tmp, mode 0700, removed at exit). That directory also holds the key
 * files the example configs name (keys/good.key, keys/mn1-ha.key, ...,
 * mode 0600; keys/open.key is 0644 and must be refused), so relative
 * key_file paths resolve inside it and nothing outside is created. An
 * absolute key_file path in an input can only make the loader open and
 * read a file, which it refuses unless it is a regular file of mode
 * 0600 or stricter; nothing is ever written outside the directory.
 *
 * The loaders report each error with log_warnx(); fuzz_log.c keeps them
 * off stderr (FUZZ_LOG=1 shows them).
 *
 * Checks on a config that loads: what conf.h promises (prefixes with no
 * host bits, lifetimes in 4 s units, SPI references that name an SA
 * whose key has the algorithm's length), and that the printout (the -n
 * output) loads again to the same configuration: the printouts of both
 * loads must be equal, but for the "rounded up from" comments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"
#include "fuzz_conf.h"

static char	dir[256];
static char	conf_path[300];

static const struct {
	const char	*name;
	const char	*text;
	mode_t		 mode;
} keys[] = {
	/* 32 bytes: hmac-sha256-128 */
	{ "good.key", "# test key, 32 bytes\n"
	    "7645c93757113a6d2244b7ca4de29e7d\n"
	    "f55bb657499c03b9d789e588b2b6c57f\n", 0600 },
	{ "good2.key", "6b0a4e65c11cc56ad53308b3aa4a13b8"
	    "d1bd911752b53c47fa68002a7a9e86bc\n", 0600 },
	{ "mn1-ha.key", "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", 0600 },
	{ "mn1-dhp1.key", "1f1e1d1c1b1a19181716151413121110"
	    "0f0e0d0c0b0a09080706050403020100\n", 0600 },
	{ "mn1-dhp2.key", "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
	    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n", 0600 },
	/* 16 bytes: hmac-sha1-96, too short for sha256 */
	{ "short.key", "921e1f52fa28dda9b33e16b1424838ae\n", 0600 },
	{ "sha1.key", "0102030405060708090a0b0c0d0e0f10\n", 0600 },
	{ "odd.key", "abc\n", 0600 },
	{ "bad.key", "not hex at all\n", 0600 },
	{ "open.key", "7645c93757113a6d2244b7ca4de29e7d"
	    "f55bb657499c03b9d789e588b2b6c57f\n", 0644 },
};

static void
write_file(const char *path, const void *p, size_t len, mode_t mode)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, mode)) == -1 || fchmod(fd, mode) == -1) {
		fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
		abort();
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n <= 0) {
			fprintf(stderr, "fuzz: write %s: %s\n", path,
			    strerror(errno));
			abort();
		}
		p = (const uint8_t *)p + n;
		len -= (size_t)n;
	}
	close(fd);
}

static void
cleanup(void)
{
	char path[400];

	if (dir[0] == '\0')
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(path, sizeof(path), "%s/keys/%s", dir, keys[i].name);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/keys", dir);
	rmdir(path);
	unlink(conf_path);
	rmdir(dir);
	dir[0] = '\0';
}

void
fuzz_conf_init(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[400];

	if (dir[0] != '\0')
		return;
	if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 200)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/dmip6-fuzz-conf.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "fuzz: mkdtemp %s: %s\n", dir, strerror(errno));
		abort();
	}
	atexit(cleanup);
	fuzz_fail_hook = cleanup;	/* a broken invariant aborts */
	snprintf(path, sizeof(path), "%s/keys", dir);
	if (mkdir(path, 0700) == -1)
		abort();
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(path, sizeof(path), "%s/keys/%s", dir, keys[i].name);
		write_file(path, keys[i].text, strlen(keys[i].text),
		    keys[i].mode);
	}
	snprintf(conf_path, sizeof(conf_path), "%s/fuzz.conf", dir);
	/* Errors are counted, not printed (fuzz_log.c). */
	log_init("fuzz", 1, LOG_LVL_WARN);
}

/* ---- checks on a loaded config ---------------------------------------- */

static void
check_prefix(const struct conf_prefix *p, const char *what)
{
	struct conf_prefix q;
	char a[46], buf[64], err[256] = "";

	FUZZ_CHECK(p->len <= 128, "%s: length %u", what, p->len);
	/* Host bits are zero: printing and parsing gives it back. */
	snprintf(buf, sizeof(buf), "%s/%u", fuzz_a6(&p->addr, a), p->len);
	FUZZ_CHECK(conf_prefix_parse(buf, &q, err, sizeof(err)) == 0 &&
	    memcmp(&q.addr, &p->addr, 16) == 0 && q.len == p->len,
	    "%s: %s does not parse back (%s)", what, buf, err);
}

static void
check_lifetime(unsigned secs, unsigned asked, const char *what)
{
	FUZZ_CHECK(secs % MH_LIFETIME_UNIT == 0 && secs >= asked &&
	    secs - asked < MH_LIFETIME_UNIT && secs <= MH_LIFETIME_MAX_S,
	    "%s: %u s from %u", what, secs, asked);
}

static void
check_spi(const struct conf_common *c, uint32_t spi, const char *what)
{
	const struct mh_sa *sa = conf_sa_find(c, spi);

	FUZZ_CHECK(sa != NULL, "%s: SPI %u has no SA", what, spi);
	FUZZ_CHECK(sa->key_len == auth_alg_key_len(sa->alg), "%s: SA %u has a"
	    " %zu-byte key for %s", what, spi, sa->key_len,
	    auth_alg_name(sa->alg));
}

static void
check_common(const struct conf_common *c)
{
	FUZZ_CHECK(c->udp_port >= 1, "udp_port 0");
	FUZZ_CHECK(c->timestamp_window > MESGID_WINDOW_MIN_S &&
	    c->timestamp_window <= 3600, "window %u", c->timestamp_window);
	FUZZ_CHECK(c->control_socket != NULL && c->control_socket[0] == '/' &&
	    strlen(c->control_socket) < CONF_SUN_MAX, "control_socket");
	FUZZ_CHECK(c->state_dir != NULL && c->state_dir[0] == '/',
	    "state_dir");
	for (size_t i = 0; i < c->nsas; i++) {
		FUZZ_CHECK(c->sas[i].sa.spi >= AUTH_SPI_MIN, "SA SPI %u",
		    c->sas[i].sa.spi);
		check_spi(c, c->sas[i].sa.spi, "sa");
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(c->sas[i].sa.spi != c->sas[j].sa.spi,
			    "SPI %u twice", c->sas[i].sa.spi);
	}
}

static void
check_mnd(const struct mnd_conf *c)
{
	check_common(&c->common);
	check_prefix(&c->home_prefix, "home_prefix");
	FUZZ_CHECK(conf_prefix_contains(&c->home_prefix, &c->home_address),
	    "home_address outside home_prefix");
	check_spi(&c->common, c->ha_spi, "ha_spi");
	check_lifetime(c->lifetime, c->lifetime_asked, "lifetime");
	FUZZ_CHECK(c->ninterfaces > 0, "no interfaces");
	for (size_t i = 0; i < c->ninterfaces; i++)
		FUZZ_CHECK(memchr(c->interfaces[i], '\0', CONF_IFNAME_MAX) !=
		    NULL && c->interfaces[i][0] != '\0', "interface %zu", i);
	for (size_t i = 0; i < c->ndhps; i++) {
		check_spi(&c->common, c->dhps[i].spi, "dhp spi");
		FUZZ_CHECK(c->dhps[i].spi != c->ha_spi, "dhp has ha_spi");
	}
	for (size_t i = 0; i < c->npolicies; i++) {
		const struct mnd_policy *p = &c->policies[i];

		FUZZ_CHECK(p->dscp >= -1 && p->dscp <= 63, "dscp %d", p->dscp);
		FUZZ_CHECK(p->type <= CONT_MAX && p->type != CONT_ANY,
		    "policy type %u", p->type);
		if (p->has_dst)
			check_prefix(&p->dst, "policy dst");
		if (p->sport.set)
			FUZZ_CHECK(p->sport.lo <= p->sport.hi, "sport");
		if (p->dport.set)
			FUZZ_CHECK(p->dport.lo <= p->dport.hi, "dport");
	}
}

static void
check_had(const struct had_conf *c)
{
	check_common(&c->common);
	check_prefix(&c->home_prefix, "home_prefix");
	check_lifetime(c->max_lifetime, c->max_lifetime_asked, "max_lifetime");
	check_lifetime(c->validity, c->validity_asked, "validity");
	for (size_t i = 0; i < c->nmns; i++) {
		FUZZ_CHECK(conf_prefix_contains(&c->home_prefix,
		    &c->mns[i].home_address), "mn %zu outside home", i);
		check_spi(&c->common, c->mns[i].spi, "mobile_node spi");
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(c->mns[i].spi != c->mns[j].spi &&
			    memcmp(&c->mns[i].home_address,
			    &c->mns[j].home_address, 16) != 0,
			    "mobile_nodes %zu and %zu share an SPI or HoA", j,
			    i);
	}
	for (size_t i = 0; i < c->ndhps; i++) {
		FUZZ_CHECK(c->dhps[i].nserves > 0, "dhp serves nothing");
		for (size_t j = 0; j < c->dhps[i].nserves; j++)
			check_prefix(&c->dhps[i].serves[j], "serves");
	}
}

static void
check_dhpd(const struct dhpd_conf *c)
{
	check_common(&c->common);
	check_lifetime(c->lease_lifetime, c->lease_lifetime_asked, "lease");
	check_lifetime(c->binding_lifetime, c->binding_lifetime_asked,
	    "binding");
	FUZZ_CHECK(c->npools > 0, "no pools");
	for (size_t i = 0; i < c->npools; i++) {
		check_prefix(&c->pools[i], "pool");
		FUZZ_CHECK(!conf_prefix_contains(&c->pools[i], &c->address),
		    "address inside pool %zu", i);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(!conf_prefix_overlap(&c->pools[i],
			    &c->pools[j]), "pools %zu and %zu overlap", j, i);
	}
	FUZZ_CHECK(!c->continuity[CONT_FIXED] && !c->continuity[CONT_ANY] &&
	    !c->continuity[CONT_NON_PERSISTENT], "a type a DHP does not "
	    "anchor");
	for (size_t i = 0; i < c->nmns; i++)
		check_spi(&c->common, c->mns[i].spi, "mobile_node spi");
}

/* ---- load, check, print, load again ------------------------------------ */

union conf_any {
	struct mnd_conf		mnd;
	struct had_conf		had;
	struct dhpd_conf	dhpd;
};

static int
load(enum fuzz_conf_kind k, union conf_any *c)
{
	switch (k) {
	case FUZZ_CONF_MND:
		return mnd_conf_load(conf_path, &c->mnd);
	case FUZZ_CONF_HAD:
		return had_conf_load(conf_path, &c->had);
	case FUZZ_CONF_DHPD:
		return dhpd_conf_load(conf_path, &c->dhpd);
	}
	abort();
}

static void
check(enum fuzz_conf_kind k, const union conf_any *c)
{
	switch (k) {
	case FUZZ_CONF_MND:
		check_mnd(&c->mnd);
		break;
	case FUZZ_CONF_HAD:
		check_had(&c->had);
		break;
	case FUZZ_CONF_DHPD:
		check_dhpd(&c->dhpd);
		break;
	}
}

/* The printout, without comments (the "rounded up" notes and the
 * header change from one load to the next, the settings do not). */
static char *
print(enum fuzz_conf_kind k, const union conf_any *c, size_t *len,
    bool strip)
{
	char *text = NULL, *w, *line;
	size_t n = 0;
	FILE *fp;

	if ((fp = open_memstream(&text, &n)) == NULL)
		abort();
	switch (k) {
	case FUZZ_CONF_MND:
		mnd_conf_print(fp, &c->mnd);
		break;
	case FUZZ_CONF_HAD:
		had_conf_print(fp, &c->had);
		break;
	case FUZZ_CONF_DHPD:
		dhpd_conf_print(fp, &c->dhpd);
		break;
	}
	if (fclose(fp) != 0)
		abort();
	*len = n;
	if (!strip)
		return text;
	for (w = line = text; *line != '\0';) {
		char *nl = strchr(line, '\n'), *hash;
		size_t l = nl != NULL ? (size_t)(nl - line) + 1 : strlen(line);

		if (line[0] != '#') {
			/* "key = 8\t# rounded up from 5..." */
			hash = memchr(line, '\t', l);
			if (hash != NULL && hash != line &&
			    hash + 1 < line + l && hash[1] == '#') {
				memmove(w, line, (size_t)(hash - line));
				w += hash - line;
				*w++ = '\n';
			} else {
				memmove(w, line, l);
				w += l;
			}
		}
		line += l;
	}
	*w = '\0';
	*len = (size_t)(w - text);
	return text;
}

static void
release(enum fuzz_conf_kind k, union conf_any *c)
{
	switch (k) {
	case FUZZ_CONF_MND:
		mnd_conf_free(&c->mnd);
		break;
	case FUZZ_CONF_HAD:
		had_conf_free(&c->had);
		break;
	case FUZZ_CONF_DHPD:
		dhpd_conf_free(&c->dhpd);
		break;
	}
}

void
fuzz_conf_one(enum fuzz_conf_kind k, const uint8_t *data, size_t size)
{
	union conf_any c1, c2;
	char *raw, *t1, *t2;
	size_t rawlen, l1, l2;
	int rc;

	write_file(conf_path, data, size, 0600);
	memset(&c1, 0, sizeof(c1));
	if (load(k, &c1) != 0) {
		/* A failed load leaves the struct empty (conf.h). */
		memset(&c2, 0, sizeof(c2));
		FUZZ_CHECK(memcmp(&c1, &c2, sizeof(c1)) == 0,
		    "a failed load left something behind");
		release(k, &c1);	/* "freeing it again is harmless" */
		return;
	}
	check(k, &c1);
	raw = print(k, &c1, &rawlen, false);
	t1 = print(k, &c1, &l1, true);
	release(k, &c1);

	/* The printout is a config that loads to the same settings. */
	write_file(conf_path, raw, rawlen, 0600);
	rc = load(k, &c2);
	if (rc != 0) {
		fputs("---- the printout that does not load:\n", stderr);
		fwrite(raw, 1, rawlen, stderr);
		fputs("---- (FUZZ_LOG=1 shows the loader's errors)\n", stderr);
	}
	FUZZ_CHECK(rc == 0, "the printed config does not load");
	check(k, &c2);
	t2 = print(k, &c2, &l2, true);
	release(k, &c2);
	if (l1 != l2 || memcmp(t1, t2, l1) != 0) {
		fputs("---- first printout:\n", stderr);
		fwrite(t1, 1, l1, stderr);
		fputs("---- printout after loading it:\n", stderr);
		fwrite(t2, 1, l2, stderr);
	}
	FUZZ_CHECK(l1 == l2 && memcmp(t1, t2, l1) == 0,
	    "loading the printout changed the configuration");
	free(raw);
	free(t1);
	free(t2);
}
