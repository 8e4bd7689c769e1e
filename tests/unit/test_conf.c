/*
 * test_conf.c: the config loaders (common/conf*.c, dmip6.conf(5)).
 * The etc/ examples must load with exactly the values they spell out,
 * print and re-load to the same config; every tests/conf/ example must
 * fail with the right "file:line: what" message.
 *
 * git keeps no file modes, so each test copies its files into a fresh
 * mkdtemp() directory and chmods the keys to 0600 first.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "cu_main.h"

#define MAXMSG	64

static char	msgs[MAXMSG][1024];
static int	nmsgs;
static char	tmpdir[64];

static void
sink(int prio, const char *m)
{
	(void)prio;
	if (nmsgs < MAXMSG)
		snprintf(msgs[nmsgs++], sizeof(msgs[0]), "%s", m);
}

/* A message that carries both "file:line: " and the phrase. */
static int
find_msg(const char *fileline, const char *phrase)
{
	for (int i = 0; i < nmsgs; i++)
		if (strstr(msgs[i], fileline) != NULL &&
		    strstr(msgs[i], phrase) != NULL)
			return 1;
	return 0;
}

static const char *
srcdir(void)
{
	const char *s = getenv("srcdir");

	return s != NULL ? s : ".";
}

static int
copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[4096];
	ssize_t n;
	int in, out, rc = 0;

	if ((in = open(from, O_RDONLY)) == -1)
		return -1;
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			rc = -1;
	close(in);
	close(out);
	return rc == 0 ? chmod(to, mode) : -1;
}

/* Copy every regular file of srcdir/sub into dst with mode. */
static int
copy_dir(const char *sub, const char *dst, mode_t mode)
{
	char from[1024], to[1024], dir[512];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	snprintf(dir, sizeof(dir), "%s/%s", srcdir(), sub);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		snprintf(from, sizeof(from), "%s/%s", dir, de->d_name);
		if (stat(from, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		snprintf(to, sizeof(to), "%s/%s", dst, de->d_name);
		rc |= copy_file(from, to, mode);
	}
	closedir(d);
	return rc;
}

/* A fresh directory with sub's configs and sub/keys at 0600. */
static int
setup(const char *sub)
{
	char keys[128], ksub[256];

	nmsgs = 0;
	log_set_sink(sink);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dmip6-conf-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(keys, sizeof(keys), "%s/keys", tmpdir);
	snprintf(ksub, sizeof(ksub), "%s/keys", sub);
	if (mkdir(keys, 0700) == -1 || copy_dir(sub, tmpdir, 0644) == -1 ||
	    copy_dir(ksub, keys, 0600) == -1)
		return -1;
	return 0;
}

static void
rm_tree(const char *dir)
{
	char p[1024];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (unlink(p) == -1 && errno == EISDIR)
			rm_tree(p);
	}
	closedir(d);
	rmdir(dir);
}

static void
teardown(void)
{
	rm_tree(tmpdir);
	log_set_sink(NULL);
}

static const char *
tpath(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

static void
write_text(const char *name, const char *text)
{
	FILE *fp = fopen(tpath(name), "w");

	CU_ASSERT_FATAL(fp != NULL);
	fputs(text, fp);
	fclose(fp);
}

/* The key bytes of a key file, decoded independently of conf.c. */
static size_t
read_key(const char *name, uint8_t *key)
{
	char line[256], path[512];
	size_t n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/etc/keys/%s", srcdir(), name);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#')
			continue;
		for (char *p = line; p[0] && p[1] && n < AUTH_KEY_MAX; p += 2) {
			unsigned v;

			if (sscanf(p, "%2x", &v) != 1)
				break;
			key[n++] = (uint8_t)v;
		}
	}
	fclose(fp);
	return n;
}

static int
addr_is(const struct in6_addr *a, const char *s)
{
	struct in6_addr b;

	return inet_pton(AF_INET6, s, &b) == 1 && IN6_ARE_ADDR_EQUAL(a, &b);
}

static int
prefix_is(const struct conf_prefix *p, const char *s, unsigned len)
{
	return p->len == len && addr_is(&p->addr, s);
}

static void
check_sa(const struct conf_common *c, uint32_t spi, const char *keyname,
    const char *key_file)
{
	const struct mh_sa *sa = conf_sa_find(c, spi);
	uint8_t key[AUTH_KEY_MAX];
	size_t i;

	CU_ASSERT_FATAL(sa != NULL);
	CU_ASSERT_EQUAL(read_key(keyname, key), 32);
	CU_ASSERT_EQUAL(sa->alg, AUTH_ALG_HMAC_SHA256_128);
	CU_ASSERT_EQUAL(sa->key_len, 32);
	CU_ASSERT_EQUAL(memcmp(sa->key, key, 32), 0);
	CU_ASSERT_EQUAL(sa->replay, REPLAY_TIMESTAMP);
	CU_ASSERT_EQUAL(sa->window_s, 7);
	for (i = 0; i < c->nsas && c->sas[i].sa.spi != spi; i++)
		;
	CU_ASSERT_STRING_EQUAL(c->sas[i].key_file, key_file);
}

static void
check_common(const struct conf_common *c, const char *sock, size_t nsas)
{
	CU_ASSERT_EQUAL(c->log_level, LOG_LVL_INFO);
	CU_ASSERT_EQUAL(c->transport, CONF_TRANSPORT_MH);
	CU_ASSERT_EQUAL(c->udp_port, 5135);
	CU_ASSERT_EQUAL(c->backend, CONF_BACKEND_SEG6);
	CU_ASSERT_EQUAL(c->replay, REPLAY_TIMESTAMP);
	CU_ASSERT_EQUAL(c->timestamp_window, 7);
	CU_ASSERT_STRING_EQUAL(c->control_socket, sock);
	CU_ASSERT_STRING_EQUAL(c->state_dir, LOCALSTATEDIR "/lib/dmip6");
	CU_ASSERT_EQUAL(c->nsas, nsas);
}

/* Print to a file, skipping the first line (it names the source). */
static char *
print_to(const char *name, void (*pr)(FILE *, const void *), const void *c)
{
	static char bufs[2][16384];
	static int which;
	char *buf = bufs[which++ % 2], *body;
	FILE *fp = fopen(tpath(name), "w");
	size_t n;

	CU_ASSERT_FATAL(fp != NULL);
	pr(fp, c);
	fclose(fp);
	fp = fopen(tpath(name), "r");
	CU_ASSERT_FATAL(fp != NULL);
	n = fread(buf, 1, sizeof(bufs[0]) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	body = strchr(buf, '\n');
	return body != NULL ? body : buf;
}

static void
pr_mnd(FILE *fp, const void *c)
{
	mnd_conf_print(fp, c);
}

static void
pr_had(FILE *fp, const void *c)
{
	had_conf_print(fp, c);
}

static void
pr_dhpd(FILE *fp, const void *c)
{
	dhpd_conf_print(fp, c);
}

static void
check_mnd_example(const struct mnd_conf *c)
{
	const struct mnd_policy *p = c->policies;

	check_common(&c->common, RUNSTATEDIR "/dmip6/mnd.sock", 3);
	check_sa(&c->common, 4096, "mn1-ha.key", "keys/mn1-ha.key");
	check_sa(&c->common, 8192, "mn1-dhp1.key", "keys/mn1-dhp1.key");
	check_sa(&c->common, 8193, "mn1-dhp2.key", "keys/mn1-dhp2.key");
	CU_ASSERT(addr_is(&c->home_address, "2001:db8:10::100"));
	CU_ASSERT(prefix_is(&c->home_prefix, "2001:db8:10::", 64));
	CU_ASSERT(addr_is(&c->home_agent, "2001:db8:f::10"));
	CU_ASSERT_EQUAL(c->ha_spi, 4096);
	CU_ASSERT_EQUAL(c->lifetime, 600);
	CU_ASSERT_EQUAL(c->lifetime_asked, 600);
	CU_ASSERT_EQUAL_FATAL(c->ninterfaces, 1);
	CU_ASSERT_STRING_EQUAL(c->interfaces[0], "mn0");
	CU_ASSERT_EQUAL_FATAL(c->ndhps, 2);
	CU_ASSERT_STRING_EQUAL(c->dhps[0].name, "dhp1");
	CU_ASSERT(addr_is(&c->dhps[0].address, "2001:db8:f::11"));
	CU_ASSERT_EQUAL(c->dhps[0].spi, 8192);
	CU_ASSERT_STRING_EQUAL(c->dhps[1].name, "dhp2");
	CU_ASSERT(addr_is(&c->dhps[1].address, "2001:db8:f::21"));
	CU_ASSERT_EQUAL(c->dhps[1].spi, 8193);
	CU_ASSERT_EQUAL(c->default_type, CONT_NON_PERSISTENT);
	CU_ASSERT_EQUAL(c->grace_period, 60);
	CU_ASSERT_EQUAL(c->fallback_to_ha, true);
	CU_ASSERT_EQUAL(c->dhp_tie_break, 0);		/* reuse */
	CU_ASSERT_EQUAL(c->allow_groups[CONT_FIXED].n, 0);
	CU_ASSERT_EQUAL_FATAL(c->npolicies, 3);
	CU_ASSERT_STRING_EQUAL(p[0].name, "ssh");
	CU_ASSERT_EQUAL(p[0].proto, IPPROTO_TCP);
	CU_ASSERT(p[0].dport.set && p[0].dport.lo == 22 && p[0].dport.hi == 22);
	CU_ASSERT_FALSE(p[0].sport.set);
	CU_ASSERT_FALSE(p[0].has_dst || p[0].has_uid || p[0].has_gid);
	CU_ASSERT_EQUAL(p[0].dscp, -1);
	CU_ASSERT_EQUAL(p[0].type, CONT_SESSION_LASTING);
	CU_ASSERT_STRING_EQUAL(p[1].name, "dns");
	CU_ASSERT_EQUAL(p[1].proto, IPPROTO_UDP);
	CU_ASSERT(p[1].dport.lo == 53 && p[1].dport.hi == 53);
	CU_ASSERT_EQUAL(p[1].type, CONT_NON_PERSISTENT);
	CU_ASSERT_STRING_EQUAL(p[2].name, "iperf");
	CU_ASSERT_EQUAL(p[2].proto, IPPROTO_TCP);
	CU_ASSERT(p[2].dport.lo == 5001 && p[2].dport.hi == 5001);
	CU_ASSERT_EQUAL(p[2].type, CONT_SESSION_LASTING);
}

static void
test_mnd_example(void)
{
	struct mnd_conf c, c2;
	char *a, *b;

	CU_ASSERT_FATAL(setup("etc") == 0);
	CU_ASSERT_EQUAL_FATAL(mnd_conf_load(tpath("mnd.conf"), &c), 0);
	CU_ASSERT_EQUAL(nmsgs, 0);
	check_mnd_example(&c);
	a = print_to("p1.conf", pr_mnd, &c);
	CU_ASSERT_EQUAL_FATAL(mnd_conf_load(tpath("p1.conf"), &c2), 0);
	check_mnd_example(&c2);
	b = print_to("p2.conf", pr_mnd, &c2);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT(strstr(a, "0x") == NULL);	/* no key bytes... */
	CU_ASSERT(strstr(a, "7415c7d7") == NULL);	/* ...of any kind */
	mnd_conf_free(&c);
	mnd_conf_free(&c2);
	CU_ASSERT_EQUAL(c.common.nsas, 0);
	teardown();
}

static void
check_had_example(const struct had_conf *c)
{
	const struct had_dhp *d = c->dhps;

	check_common(&c->common, RUNSTATEDIR "/dmip6/had.sock", 1);
	check_sa(&c->common, 4096, "mn1-ha.key", "keys/mn1-ha.key");
	CU_ASSERT(addr_is(&c->address, "2001:db8:f::10"));
	CU_ASSERT(prefix_is(&c->home_prefix, "2001:db8:10::", 64));
	CU_ASSERT_STRING_EQUAL(c->home_interface, "ha0");
	CU_ASSERT_EQUAL(c->max_lifetime, 600);
	CU_ASSERT_EQUAL(c->skip_dad, false);
	CU_ASSERT_EQUAL(c->validity, 300);
	CU_ASSERT_EQUAL_FATAL(c->nmns, 1);
	CU_ASSERT_STRING_EQUAL(c->mns[0].name, "mn1");
	CU_ASSERT(addr_is(&c->mns[0].home_address, "2001:db8:10::100"));
	CU_ASSERT_EQUAL(c->mns[0].spi, 4096);
	CU_ASSERT_FATAL(c->mns[0].nai != NULL);
	CU_ASSERT_STRING_EQUAL(c->mns[0].nai, "mn1@dmip.example");
	CU_ASSERT_EQUAL_FATAL(c->ndhps, 2);
	CU_ASSERT_STRING_EQUAL(d[0].name, "dhp1");
	CU_ASSERT(addr_is(&d[0].address, "2001:db8:f::11"));
	CU_ASSERT_EQUAL(d[0].preference, 100);
	CU_ASSERT_EQUAL(d[0].metric, 10);
	CU_ASSERT_EQUAL_FATAL(d[0].nserves, 1);
	CU_ASSERT(prefix_is(&d[0].serves[0], "2001:db8:c1::", 48));
	CU_ASSERT_EQUAL(d[0].colocated, false);
	CU_ASSERT_STRING_EQUAL(d[1].name, "dhp2");
	CU_ASSERT(addr_is(&d[1].address, "2001:db8:f::21"));
	CU_ASSERT_EQUAL_FATAL(d[1].nserves, 1);
	CU_ASSERT(prefix_is(&d[1].serves[0], "2001:db8:c2::", 48));
}

static void
test_had_example(void)
{
	struct had_conf c, c2;
	char *a, *b;

	CU_ASSERT_FATAL(setup("etc") == 0);
	CU_ASSERT_EQUAL_FATAL(had_conf_load(tpath("had.conf"), &c), 0);
	CU_ASSERT_EQUAL(nmsgs, 0);
	check_had_example(&c);
	a = print_to("p1.conf", pr_had, &c);
	CU_ASSERT_EQUAL_FATAL(had_conf_load(tpath("p1.conf"), &c2), 0);
	check_had_example(&c2);
	b = print_to("p2.conf", pr_had, &c2);
	CU_ASSERT_STRING_EQUAL(a, b);
	had_conf_free(&c);
	had_conf_free(&c2);
	teardown();
}

static void
check_dhpd_example(const struct dhpd_conf *c)
{
	check_common(&c->common, RUNSTATEDIR "/dmip6/dhpd.sock", 1);
	check_sa(&c->common, 8192, "mn1-dhp1.key", "keys/mn1-dhp1.key");
	CU_ASSERT(addr_is(&c->address, "2001:db8:f::11"));
	CU_ASSERT_STRING_EQUAL(c->interface, "dhp0");
	CU_ASSERT_EQUAL_FATAL(c->npools, 1);
	CU_ASSERT(prefix_is(&c->pools[0], "2001:db8:d1::", 64));
	CU_ASSERT_EQUAL(c->lease_lifetime, 600);
	CU_ASSERT_EQUAL(c->binding_lifetime, 300);
	CU_ASSERT_EQUAL(c->quarantine, 120);
	CU_ASSERT_EQUAL(c->max_leases, 1000000);
	CU_ASSERT(c->continuity[CONT_SESSION_LASTING]);
	CU_ASSERT(c->continuity[CONT_GRACEFUL]);
	CU_ASSERT_FALSE(c->continuity[CONT_FIXED]);
	CU_ASSERT_FALSE(c->continuity[CONT_NON_PERSISTENT]);
	CU_ASSERT_EQUAL_FATAL(c->nmns, 1);
	CU_ASSERT_STRING_EQUAL(c->mns[0].name, "mn1");
	CU_ASSERT(addr_is(&c->mns[0].home_address, "2001:db8:10::100"));
	CU_ASSERT_EQUAL(c->mns[0].spi, 8192);
}

static void
test_dhpd_example(void)
{
	struct dhpd_conf c, c2;
	char *a, *b;

	CU_ASSERT_FATAL(setup("etc") == 0);
	CU_ASSERT_EQUAL_FATAL(dhpd_conf_load(tpath("dhpd.conf"), &c), 0);
	CU_ASSERT_EQUAL(nmsgs, 0);
	check_dhpd_example(&c);
	a = print_to("p1.conf", pr_dhpd, &c);
	CU_ASSERT_EQUAL_FATAL(dhpd_conf_load(tpath("p1.conf"), &c2), 0);
	check_dhpd_example(&c2);
	b = print_to("p2.conf", pr_dhpd, &c2);
	CU_ASSERT_STRING_EQUAL(a, b);
	dhpd_conf_free(&c);
	dhpd_conf_free(&c2);
	teardown();
}

/* Only the required keys: every default shows; odd lifetimes round up
 * and the printout says so. */
static void
test_defaults(void)
{
	struct mnd_conf c;
	struct dhpd_conf d;
	char *out;

	CU_ASSERT_FATAL(setup("etc") == 0);
	write_text("min.conf",
	    "sa 0x1000 { key_file = \"keys/mn1-ha.key\" }\n"
	    "home_address = \"2001:db8:10::100\"; home_prefix = "
	    "\"2001:db8:10::/64\"\nhome_agent = \"2001:db8:f::10\"\n"
	    "ha_spi = 4096 lifetime = 601\ninterfaces = {\"mn0\" /* c */}\n");
	CU_ASSERT_EQUAL_FATAL(mnd_conf_load(tpath("min.conf"), &c), 0);
	CU_ASSERT_EQUAL(c.common.log_level, LOG_LVL_INFO);
	CU_ASSERT_EQUAL(c.common.transport, CONF_TRANSPORT_MH);
	CU_ASSERT_EQUAL(c.common.udp_port, 5135);
	CU_ASSERT_EQUAL(c.common.backend, CONF_BACKEND_SEG6);
	CU_ASSERT_EQUAL(c.common.timestamp_window, 7);
	CU_ASSERT_STRING_EQUAL(c.common.control_socket,
	    RUNSTATEDIR "/dmip6/mnd.sock");
	CU_ASSERT_EQUAL(c.lifetime, 604);
	CU_ASSERT_EQUAL(c.lifetime_asked, 601);
	CU_ASSERT_EQUAL(c.default_type, CONT_NON_PERSISTENT);
	CU_ASSERT_EQUAL(c.grace_period, 60);
	CU_ASSERT_EQUAL(c.fallback_to_ha, true);
	CU_ASSERT_EQUAL(c.ndhps + c.npolicies, 0);
	CU_ASSERT_EQUAL(c.common.sas[0].sa.spi, 4096);
	out = print_to("p.conf", pr_mnd, &c);
	CU_ASSERT(strstr(out, "\nlifetime = 604\t# rounded up from 601") !=
	    NULL);
	mnd_conf_free(&c);

	write_text("d.conf", "sa 8192 { key_file = \"keys/mn1-dhp1.key\" }\n"
	    "address = \"2001:db8:f::11\" interface = \"eth0\"\n"
	    "pools = {\"2001:db8:d1::/64\", \"2001:db8:d2::/64\"}\n");
	CU_ASSERT_EQUAL_FATAL(dhpd_conf_load(tpath("d.conf"), &d), 0);
	CU_ASSERT_EQUAL(d.lease_lifetime, 600);
	CU_ASSERT_EQUAL(d.binding_lifetime, 300);
	CU_ASSERT_EQUAL(d.quarantine, 120);
	CU_ASSERT_EQUAL(d.max_leases, 1000000);
	CU_ASSERT(d.continuity[CONT_SESSION_LASTING] &&
	    d.continuity[CONT_GRACEFUL]);
	CU_ASSERT_EQUAL(d.npools, 2);
	CU_ASSERT_EQUAL(d.nmns, 0);
	dhpd_conf_free(&d);
	teardown();
}

enum daemon { MND, HAD, DHPD };

static int
load(enum daemon which, const char *path)
{
	struct mnd_conf m;
	struct had_conf h;
	struct dhpd_conf d;

	switch (which) {
	case MND:
		return mnd_conf_load(path, &m) == 0 ? (mnd_conf_free(&m), 0) :
		    -1;
	case HAD:
		return had_conf_load(path, &h) == 0 ? (had_conf_free(&h), 0) :
		    -1;
	case DHPD:
		return dhpd_conf_load(path, &d) == 0 ?
		    (dhpd_conf_free(&d), 0) : -1;
	}
	return 0;
}

/* Every policy key, group lists, an SHA1 SA; print and reload. */
static void
test_policy_full(void)
{
	struct mnd_conf c, c2;
	const struct mnd_policy *p;
	char *a, *b;

	CU_ASSERT_FATAL(setup("etc") == 0);
	write_text("keys/sha1.key", "00112233445566778899aabbccddeeff\n");
	CU_ASSERT_FATAL(chmod(tpath("keys/sha1.key"), 0600) == 0);
	write_text("full.conf",
	    "log_level = \"verbose\"; transport = \"udp\"; udp_port = 6000\n"
	    "backend = \"auto\"; replay = \"seq-only\"; timestamp_window = 4\n"
	    "control_socket = \"/tmp/x.sock\"; state_dir = \"/tmp/st\"\n"
	    "sa 300 { alg = \"hmac-sha1-96\"; key_file = \"keys/sha1.key\" }\n"
	    "home_address = \"2001:db8:10::100\"\n"
	    "home_prefix = \"2001:db8:10::/64\"\n"
	    "home_agent = \"2001:db8:f::10\"; ha_spi = 0x12c\n"
	    "interfaces = {\"mn0\", \"wlan0\"}\n"
	    "default_type = \"graceful-replacement\"; grace_period = 0\n"
	    "fallback_to_ha = false; dhp_tie_break = \"address\"\n"
	    "allow_fixed_groups = {\"wheel\", \"dmip\"}\n"
	    "policy all {\n proto = \"udp\"; sport = \"1000-2000\"\n"
	    " dport = \"5000-5999\"; dst = \"2001:db8:c1::/48\"\n"
	    " uid = 1000; gid = 100; dscp = 46; type = \"fixed\" }\n");
	CU_ASSERT_EQUAL_FATAL(mnd_conf_load(tpath("full.conf"), &c), 0);
	CU_ASSERT_EQUAL(c.common.log_level, LOG_LVL_DEBUG);
	CU_ASSERT_EQUAL(c.common.transport, CONF_TRANSPORT_UDP);
	CU_ASSERT_EQUAL(c.common.udp_port, 6000);
	CU_ASSERT_EQUAL(c.common.backend, CONF_BACKEND_AUTO);
	CU_ASSERT_EQUAL(c.common.replay, REPLAY_SEQ_ONLY);
	CU_ASSERT_EQUAL(c.common.timestamp_window, 4);
	CU_ASSERT_STRING_EQUAL(c.common.control_socket, "/tmp/x.sock");
	CU_ASSERT_STRING_EQUAL(c.common.state_dir, "/tmp/st");
	CU_ASSERT_EQUAL_FATAL(c.common.nsas, 1);
	CU_ASSERT_EQUAL(c.common.sas[0].sa.alg, AUTH_ALG_HMAC_SHA1_96);
	CU_ASSERT_EQUAL(c.common.sas[0].sa.key_len, 16);
	CU_ASSERT_EQUAL(c.common.sas[0].sa.key[15], 0xff);
	CU_ASSERT_EQUAL(c.common.sas[0].sa.replay, REPLAY_SEQ_ONLY);
	CU_ASSERT_EQUAL(c.common.sas[0].sa.window_s, 4);
	CU_ASSERT_EQUAL(c.ha_spi, 300);
	CU_ASSERT_EQUAL(c.dhp_tie_break, 3);		/* address */
	CU_ASSERT_EQUAL_FATAL(c.ninterfaces, 2);
	CU_ASSERT_STRING_EQUAL(c.interfaces[1], "wlan0");
	CU_ASSERT_EQUAL(c.default_type, CONT_GRACEFUL);
	CU_ASSERT_EQUAL(c.grace_period, 0);
	CU_ASSERT_EQUAL(c.fallback_to_ha, false);
	CU_ASSERT_EQUAL_FATAL(c.allow_groups[CONT_FIXED].n, 2);
	CU_ASSERT_STRING_EQUAL(c.allow_groups[CONT_FIXED].names[1], "dmip");
	CU_ASSERT_EQUAL(c.allow_groups[CONT_SESSION_LASTING].n, 0);
	CU_ASSERT_EQUAL_FATAL(c.npolicies, 1);
	p = &c.policies[0];
	CU_ASSERT_EQUAL(p->proto, IPPROTO_UDP);
	CU_ASSERT(p->sport.set && p->sport.lo == 1000 && p->sport.hi == 2000);
	CU_ASSERT(p->dport.set && p->dport.lo == 5000 && p->dport.hi == 5999);
	CU_ASSERT(p->has_dst && prefix_is(&p->dst, "2001:db8:c1::", 48));
	CU_ASSERT(p->has_uid && p->uid == 1000);
	CU_ASSERT(p->has_gid && p->gid == 100);
	CU_ASSERT_EQUAL(p->dscp, 46);
	CU_ASSERT_EQUAL(p->type, CONT_FIXED);
	a = print_to("p1.conf", pr_mnd, &c);
	CU_ASSERT_EQUAL_FATAL(mnd_conf_load(tpath("p1.conf"), &c2), 0);
	b = print_to("p2.conf", pr_mnd, &c2);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_EQUAL(memcmp(c.common.sas[0].sa.key, c2.common.sas[0].sa.key,
	    16), 0);
	CU_ASSERT_EQUAL(memcmp(c.policies, c2.policies, sizeof(*p)), 0);
	mnd_conf_free(&c);
	mnd_conf_free(&c2);
	teardown();
}

/* The daemons hand the SAs to an sa_table; the conf keeps no key. */
static void
test_sa_move(void)
{
	struct sa_table *t;
	const struct mh_sa *sa;
	struct mnd_conf c;
	uint8_t key[AUTH_KEY_MAX], zero[AUTH_KEY_MAX] = { 0 };

	CU_ASSERT_FATAL(setup("etc") == 0);
	CU_ASSERT_EQUAL_FATAL(mnd_conf_load(tpath("mnd.conf"), &c), 0);
	CU_ASSERT_FATAL((t = sa_table_new()) != NULL);
	CU_ASSERT_EQUAL(conf_sa_move_to_table(&c.common, t), 0);
	CU_ASSERT_EQUAL(sa_table_count(t), 3);
	CU_ASSERT_FATAL((sa = sa_table_find(t, 8193)) != NULL);
	CU_ASSERT_EQUAL(read_key("mn1-dhp2.key", key), 32);
	CU_ASSERT_EQUAL(sa->key_len, 32);
	CU_ASSERT_EQUAL(memcmp(sa->key, key, 32), 0);
	CU_ASSERT_EQUAL(sa->alg, AUTH_ALG_HMAC_SHA256_128);
	CU_ASSERT_PTR_NULL(c.common.sas[2].sa.mac_tmpl);
	CU_ASSERT_EQUAL(memcmp(c.common.sas[2].sa.key, zero, sizeof(zero)), 0);
	mnd_conf_free(&c);	/* must not free what the table owns */
	sa_table_free(t);
	teardown();
}

/* What a key file may and may not hold. */
static void
test_key_files(void)
{
	static const struct { const char *text; const char *phrase; } k[] = {
		{ "# c\n0011223344556677 8899aabbccddeef\n",
		    "odd number of hex digits" },
		{ "# c\n00112233445566778899aabbccddeefg\n",
		    "keys/k.key:2: 'g' is not a hex digit" },
		{ "", "key is 0 bytes, hmac-sha1-96 needs 16" },
	};
	char fl[512];

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		CU_ASSERT_FATAL(setup("etc") == 0);
		write_text("keys/k.key", k[i].text);
		CU_ASSERT_FATAL(chmod(tpath("keys/k.key"), 0600) == 0);
		write_text("k.conf", "address = \"2001:db8:f::11\"\n"
		    "interface = \"dhp0\"\npools = {\"2001:db8:d1::/64\"}\n"
		    "sa 8192 {\n\talg = \"hmac-sha1-96\"\n"
		    "\tkey_file = \"keys/k.key\"\n}\n");
		CU_ASSERT_EQUAL(load(DHPD, tpath("k.conf")), -1);
		snprintf(fl, sizeof(fl), "%s:6: key_file keys/k.key", tpath(
		    "k.conf"));
		CU_ASSERT(find_msg(fl, k[i].phrase));
		CU_ASSERT_EQUAL(nmsgs, 1);
		teardown();
	}
	/* A directory is not a key file; an absolute path is taken as is. */
	CU_ASSERT_FATAL(setup("etc") == 0);
	write_text("k.conf", "address = \"2001:db8:f::11\"\n"
	    "interface = \"dhp0\"\npools = {\"2001:db8:d1::/64\"}\n"
	    "sa 8192 { key_file = \"/tmp\" }\n");
	CU_ASSERT_EQUAL(load(DHPD, tpath("k.conf")), -1);
	CU_ASSERT(find_msg(":4: key_file /tmp", "refused: not a regular file"));
	teardown();
}

struct bad {
	const char	*file;
	enum daemon	 which;
	int		 line;		/* 0: the message has no line */
	const char	*phrase;
};

static const struct bad bads[] = {
	{ "mnd-bad-address.conf", MND, 7, "is not an IPv6 address" },
	{ "mnd-bad-prefix.conf", MND, 6, "prefix length must be 0..128" },
	{ "mnd-hoa-outside.conf", MND, 5,
	    "home_address 2001:db8:11::100 is outside home_prefix "
	    "2001:db8:10::/64" },
	{ "mnd-key-short.conf", MND, 3,
	    "key is 16 bytes, hmac-sha256-128 needs 32" },
	{ "mnd-key-mode.conf", MND, 3, "refused: mode 0644 lets group or "
	    "others read or write the key" },
	{ "mnd-key-missing.conf", MND, 3, "No such file or directory" },
	{ "mnd-dup-spi.conf", MND, 5, "duplicate SPI 4096" },
	{ "mnd-spi-reserved.conf", MND, 5, "0..255 are reserved" },
	{ "mnd-ha-spi-unknown.conf", MND, 8,
	    "ha_spi = 4097 names no security association" },
	{ "mnd-unknown-key.conf", MND, 9, "no such option 'home_agnet'" },
	{ "mnd-bad-port.conf", MND, 12, "dport = \"6000-5000\" is not a port" },
	{ "mnd-window.conf", MND, 2, "must be more than 3 s" },
	{ "mnd-syntax.conf", MND, 6, "unexpected token" },
	{ "had-dup-hoa.conf", HAD, 16,
	    "home_address 2001:db8:10::100 is also mobile_node mn1's" },
	{ "dhpd-pool-overlap.conf", DHPD, 7,
	    "2001:db8:d1:0:8000::/65 overlaps 2001:db8:d1::/64" },
	{ "dhpd-bad-cont.conf", DHPD, 8,
	    "\"fixed\" is not a type a DHP anchors" },
};

static void
test_invalid(void)
{
	char fl[512], key[256];

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];

		CU_ASSERT_FATAL(setup("tests/conf") == 0);
		snprintf(key, sizeof(key), "%s/keys/good2.key", tmpdir);
		if (strcmp(b->file, "mnd-key-mode.conf") == 0)
			CU_ASSERT_FATAL(chmod(key, 0644) == 0);
		CU_ASSERT_EQUAL(load(b->which, tpath(b->file)), -1);
		snprintf(fl, sizeof(fl), "%s:%d: ", tpath(b->file), b->line);
		if (!find_msg(fl, b->phrase)) {
			fprintf(stderr, "\nmissing \"%s%s\"; got:\n", fl,
			    b->phrase);
			for (int j = 0; j < nmsgs; j++)
				fprintf(stderr, "  %s\n", msgs[j]);
		}
		CU_ASSERT(find_msg(fl, b->phrase));
		teardown();
	}
}

static void
test_world_writable(void)
{
	char from[512];

	CU_ASSERT_FATAL(setup("etc") == 0);
	snprintf(from, sizeof(from), "%s/etc/mnd.conf", srcdir());
	CU_ASSERT_FATAL(copy_file(from, tpath("ww.conf"), 0666) == 0);
	CU_ASSERT_EQUAL(load(MND, tpath("ww.conf")), -1);
	CU_ASSERT_EQUAL(nmsgs, 1);
	CU_ASSERT(find_msg(tpath("ww.conf"), "refused: the file is "
	    "world-writable (mode 0666)"));
	/* The same file without o+w loads. */
	CU_ASSERT_FATAL(chmod(tpath("ww.conf"), 0664) == 0);
	CU_ASSERT_EQUAL(load(MND, tpath("ww.conf")), 0);
	teardown();
}

/* One file, many mistakes: each is reported at its own line. */
static void
test_many_errors(void)
{
	static const struct { int line; const char *phrase; } want[] = {
		{ 2, "log_level: unknown value \"loud\"" },
		{ 4, "alg: unknown value \"hmac-md5\"" },
		{ 7, "is outside home_prefix" },
		{ 11, "lifetime = 300000 is out of range (4..262140)" },
		{ 12, "\"this-name-is-far-too-long\" is not a valid interface" },
		{ 13, "policy web: 'type' is required" },
		{ 14, "proto: unknown value \"sctp\"" },
		{ 16, "dscp = 64 is out of range (0..63)" },
		{ 19, "'grace_period' is set twice (first on line 18)" },
	};
	char fl[512];

	CU_ASSERT_FATAL(setup("tests/conf") == 0);
	CU_ASSERT_EQUAL(load(MND, tpath("mnd-many.conf")), -1);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(fl, sizeof(fl), "%s:%d: ", tpath("mnd-many.conf"),
		    want[i].line);
		if (!find_msg(fl, want[i].phrase))
			fprintf(stderr, "\nmissing %s%s\n", fl, want[i].phrase);
		CU_ASSERT(find_msg(fl, want[i].phrase));
	}
	/* ha_spi names the SA whose alg was bad: one mistake, one error. */
	CU_ASSERT_EQUAL(nmsgs, (int)(sizeof(want) / sizeof(want[0])));
	teardown();
}

static void
test_prefix_helpers(void)
{
	struct conf_prefix a, b;
	struct conf_port_range r;
	struct in6_addr x;
	char err[128];

	CU_ASSERT_EQUAL(conf_prefix_parse("2001:db8::/32", &a, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(conf_prefix_parse("2001:db8:1::/48", &b, err,
	    sizeof(err)), 0);
	CU_ASSERT(conf_prefix_overlap(&a, &b) && conf_prefix_overlap(&b, &a));
	CU_ASSERT_EQUAL(conf_prefix_parse("2001:db9::/32", &b, err,
	    sizeof(err)), 0);
	CU_ASSERT_FALSE(conf_prefix_overlap(&a, &b));
	inet_pton(AF_INET6, "2001:db8:ffff::1", &x);
	CU_ASSERT(conf_prefix_contains(&a, &x));
	CU_ASSERT_FALSE(conf_prefix_contains(&b, &x));
	CU_ASSERT_EQUAL(conf_prefix_parse("2001:db8:10::100/64", &a, err,
	    sizeof(err)), -1);
	CU_ASSERT(strstr(err, "did you mean 2001:db8:10::/64?") != NULL);
	CU_ASSERT_EQUAL(conf_prefix_parse("2001:db8::", &a, err, sizeof(err)),
	    -1);
	CU_ASSERT_EQUAL(conf_prefix_parse("2001:db8::/", &a, err, sizeof(err)),
	    -1);
	CU_ASSERT_EQUAL(conf_prefix_parse("::/0", &a, err, sizeof(err)), 0);
	CU_ASSERT(conf_prefix_contains(&a, &x));
	CU_ASSERT_EQUAL(conf_port_range_parse("5000-5999", &r), 0);
	CU_ASSERT(r.set && r.lo == 5000 && r.hi == 5999);
	CU_ASSERT_EQUAL(conf_port_range_parse("65535", &r), 0);
	CU_ASSERT(r.lo == 65535 && r.hi == 65535);
	CU_ASSERT_EQUAL(conf_port_range_parse("65536", &r), -1);
	CU_ASSERT_EQUAL(conf_port_range_parse("1-", &r), -1);
	CU_ASSERT_EQUAL(conf_port_range_parse("-1", &r), -1);
	CU_ASSERT_EQUAL(conf_port_range_parse("22 ", &r), -1);
	CU_ASSERT_EQUAL(conf_port_range_parse("", &r), -1);
}

static CU_TestInfo tests[] = {
	{ "mnd.conf example loads, prints, reloads", test_mnd_example },
	{ "had.conf example loads, prints, reloads", test_had_example },
	{ "dhpd.conf example loads, prints, reloads", test_dhpd_example },
	{ "defaults and lifetime rounding", test_defaults },
	{ "every policy key, groups, SHA1 SA", test_policy_full },
	{ "key file contents and type", test_key_files },
	{ "SAs move into an sa_table", test_sa_move },
	{ "invalid examples: file:line and reason", test_invalid },
	{ "world-writable config refused", test_world_writable },
	{ "every error in a file is reported", test_many_errors },
	{ "prefix and port helpers", test_prefix_helpers },
	CU_TEST_INFO_NULL,
};

static int
cu_register(void)
{
	CU_SUITE("conf", tests);
	return 0;
}
