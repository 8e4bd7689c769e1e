/*
 * mhforge.c: forged, replayed and flooding signalling for the
 * reliability tests (tests/reliab_forgery.sh, tests/reliab_flood.sh):
 * thousands of messages a daemon must refuse, at a paced rate, from one
 * source or from random (spoofed) sources.
 *
 * usage: mhforge -d DST (-s SRC | -S PREFIX/LEN) [options] KIND[,KIND...]
 *
 *   -d ADDR    destination (had or dhpd)
 *   -s ADDR    source address (one of ours, e.g. the MN's CoA)
 *   -S P/LEN   spoofed sources: P with random bits after LEN, one per
 *              message (IPV6_FREEBIND; needs no address of that prefix)
 *   -H ADDR    home address in the messages (default 2001:db8:10::100)
 *   -i SPI     the mobile node's SA (its HoA's SPI)
 *   -k FILE    its key (hex digits and # comments, like the etc/keys files)
 *   -O SPI:FILE another mobile node's valid SA (kind *-othersa)
 *   -D ADDR    the DHoA of dbu-* messages (default 2001:db8:d1::1)
 *   -R FILE    the bytes replayed by kind "replay" (mhinject -w,
 *              dhpinject -O)
 *   -n N       messages to send (default 1000)
 *   -r RATE    messages per second (default 10000; 0: as fast as
 *              possible)
 *   -T SECS    stop after SECS seconds whatever -n says
 *   -P N       build N messages (and sources) first, then send them in
 *              turn: a flood limited by the socket, not by HMAC; only
 *              for kinds a daemon refuses whatever their age
 *   -u PORT    UDP transport to PORT instead of raw MH
 *   -x SEED    random seed (default: from the time)
 *
 * Kinds (sent round-robin, every message built fresh with a new
 * sequence number and a current MESG-ID, so only the forgery itself
 * can make it fail):
 *   bu-flip      a signed BU with one bit flipped at a random offset
 *                (never in the checksum, which the kernel rewrites)
 *   bu-wrongkey  a BU signed with a random key under the right SPI
 *   bu-wrongspi  a BU signed with the right key under an unknown SPI
 *   bu-othersa   a BU for -H signed with another MN's valid SA (-O)
 *   bu-noauth    a BU without the AUTH option
 *   req-*, dbu-* the same for DHoA Requests (202) and DHP-BUs (204)
 *   replay       the bytes of -R, verbatim
 *
 * Prints one line: "sent N errors E secs S rate R/s" and per kind
 * "KIND N". Exit 0, or 1 on set-up errors.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "auth.h"
#include "dmip_proto.h"
#include "mh.h"
#include "mhsock.h"

#define KINDS_MAX	16
#define KEY_FILE_MAX	4096

enum msg { M_BU, M_REQ, M_DBU, M_REPLAY };
enum forge { F_FLIP, F_WRONGKEY, F_WRONGSPI, F_OTHERSA, F_NOAUTH, F_NONE };

struct kind {
	char		name[24];
	enum msg	msg;
	enum forge	forge;
	uint64_t	sent;
};

struct opts {
	struct in6_addr	 dst, src, pfx, hoa, dhoa;
	unsigned	 pfx_len;
	bool		 has_dst, has_src, spoof;
	uint32_t	 spi, other_spi;
	const char	*key_file, *other_key_file, *replay_file;
	unsigned long	 count;
	unsigned long	 rate;
	double		 max_secs;
	unsigned long	 pool;
	uint16_t	 udp_port;
	uint64_t	 seed;
	struct kind	 kinds[KINDS_MAX];
	size_t		 nkinds;
};

static uint64_t rng;

static uint64_t
rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: mhforge -d DST (-s SRC | -S PREFIX/LEN) "
	    "[-H HOA] [-i SPI -k KEYFILE]\n"
	    "\t[-O SPI:KEYFILE] [-D DHOA] [-R FILE] [-n N] [-r RATE] "
	    "[-T SECS] [-P N]\n\t[-u PORT] [-x SEED] KIND[,KIND...]\n");
	exit(1);
}

static void
addr_arg(const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		errx(1, "not an IPv6 address: %s", s);
}

static unsigned long long
num_arg(const char *s, unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max || *s == '-')
		errx(1, "bad number: %s", s);
	return v;
}

static void
kind_add(struct opts *o, const char *name)
{
	static const struct {
		const char *name;
		enum forge f;
	} forges[] = {
		{ "flip", F_FLIP }, { "wrongkey", F_WRONGKEY },
		{ "wrongspi", F_WRONGSPI }, { "othersa", F_OTHERSA },
		{ "noauth", F_NOAUTH },
	};
	struct kind *k;
	const char *dash = strchr(name, '-');

	if (o->nkinds == KINDS_MAX)
		errx(1, "too many kinds");
	k = &o->kinds[o->nkinds];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	if (strcmp(name, "replay") == 0) {
		k->msg = M_REPLAY;
		k->forge = F_NONE;
		o->nkinds++;
		return;
	}
	if (dash == NULL)
		errx(1, "unknown kind %s", name);
	if (strncmp(name, "bu-", 3) == 0)
		k->msg = M_BU;
	else if (strncmp(name, "req-", 4) == 0)
		k->msg = M_REQ;
	else if (strncmp(name, "dbu-", 4) == 0)
		k->msg = M_DBU;
	else
		errx(1, "unknown kind %s", name);
	for (size_t i = 0; i < sizeof(forges) / sizeof(forges[0]); i++)
		if (strcmp(dash + 1, forges[i].name) == 0) {
			k->forge = forges[i].f;
			o->nkinds++;
			return;
		}
	errx(1, "unknown kind %s", name);
}

static void
parse_prefix(const char *s, struct opts *o)
{
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	if ((slash = strchr(buf, '/')) == NULL)
		errx(1, "-S wants PREFIX/LEN");
	*slash = '\0';
	addr_arg(buf, &o->pfx);
	o->pfx_len = (unsigned)num_arg(slash + 1, 128);
	o->spoof = true;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	char *list, *tok, *save = NULL, *colon;
	int ch;

	memset(o, 0, sizeof(*o));
	addr_arg("2001:db8:10::100", &o->hoa);
	addr_arg("2001:db8:d1::1", &o->dhoa);
	o->count = 1000;
	o->rate = 10000;
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((ch = getopt(argc, argv, "d:s:S:H:i:k:O:D:R:n:r:T:P:u:x:h")) !=
	    -1) {
		switch (ch) {
		case 'd':
			addr_arg(optarg, &o->dst);
			o->has_dst = true;
			break;
		case 's':
			addr_arg(optarg, &o->src);
			o->has_src = true;
			break;
		case 'S':
			parse_prefix(optarg, o);
			break;
		case 'H':
			addr_arg(optarg, &o->hoa);
			break;
		case 'i':
			o->spi = (uint32_t)num_arg(optarg, UINT32_MAX);
			break;
		case 'k':
			o->key_file = optarg;
			break;
		case 'O':
			if ((colon = strchr(optarg, ':')) == NULL)
				errx(1, "-O wants SPI:KEYFILE");
			*colon = '\0';
			o->other_spi = (uint32_t)num_arg(optarg, UINT32_MAX);
			o->other_key_file = colon + 1;
			break;
		case 'D':
			addr_arg(optarg, &o->dhoa);
			break;
		case 'R':
			o->replay_file = optarg;
			break;
		case 'n':
			o->count = (unsigned long)num_arg(optarg, 1000000000);
			break;
		case 'r':
			o->rate = (unsigned long)num_arg(optarg, 100000000);
			break;
		case 'T':
			o->max_secs = strtod(optarg, NULL);
			break;
		case 'P':
			o->pool = (unsigned long)num_arg(optarg, 1000000);
			break;
		case 'u':
			o->udp_port = (uint16_t)num_arg(optarg, UINT16_MAX);
			break;
		case 'x':
			o->seed = num_arg(optarg, UINT64_MAX);
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || !o->has_dst || o->has_src == o->spoof)
		usage();
	if ((list = strdup(argv[optind])) == NULL)
		err(1, "strdup");
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		kind_add(o, tok);
	free(list);
	if (o->nkinds == 0)
		usage();
}

/* ---- keys -------------------------------------------------------- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static size_t
read_file(const char *path, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", path);
	while (got < cap && (n = read(fd, buf + got, cap - got)) > 0)
		got += (size_t)n;
	if (n < 0)
		err(1, "%s", path);
	close(fd);
	return got;
}

static void
load_sa(struct mh_sa *sa, uint32_t spi, const char *file)
{
	uint8_t t[KEY_FILE_MAX], key[AUTH_KEY_MAX];
	size_t n = read_file(file, t, sizeof(t)), nd = 0;
	int v;

	for (size_t i = 0; i < n; i++) {
		if (t[i] == '#') {
			while (i + 1 < n && t[i + 1] != '\n')
				i++;
		} else if (isspace(t[i]))
			continue;
		else if ((v = hexval(t[i])) < 0 || nd / 2 >= AUTH_KEY_MAX)
			errx(1, "%s: not a hex key", file);
		else {
			if (nd % 2 == 0)
				key[nd / 2] = (uint8_t)(v << 4);
			else
				key[nd / 2] |= (uint8_t)v;
			nd++;
		}
	}
	if (sa_init(sa, spi, nd / 2 == 16 ? AUTH_ALG_HMAC_SHA1_96 :
	    AUTH_ALG_HMAC_SHA256_128, key, nd / 2) == -1)
		errx(1, "%s: a key of %zu bytes for SPI %u", file, nd / 2, spi);
	explicit_bzero(key, sizeof(key));
}

/* ---- messages ------------------------------------------------------ */

struct gen {
	const struct opts *o;
	struct mh_sa	 sa, other;
	bool		 has_sa, has_other;
	uint8_t		 replay[MH_MAX_LEN];
	size_t		 replay_len;
	uint16_t	 seq;
};

static void
fill(struct mh_msg *m, enum msg kind, const struct opts *o,
    const struct in6_addr *coa, uint16_t seq)
{
	memset(m, 0, sizeof(*m));
	m->opt.present = MHO_MESGID | MHO_AUTH;
	m->opt.mesgid = ntp_now();
	m->opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	switch (kind) {
	case M_BU:
		m->type = MH_TYPE_BU;
		m->u.bu.seq = seq;
		m->u.bu.flags = BU_F_A | BU_F_H;
		m->u.bu.lifetime = 150;
		m->opt.present |= MHO_HOA;
		m->opt.hoa = o->hoa;
		break;
	case M_REQ:
		m->type = MH_TYPE_DHOA_REQ;
		m->u.dreq.seq = seq;
		m->u.dreq.cont_type = CONT_SESSION_LASTING;
		m->u.dreq.lifetime = 150;
		m->u.dreq.hoa = o->hoa;
		m->u.dreq.coa = *coa;
		break;
	case M_DBU:
		m->type = MH_TYPE_DHP_BU;
		m->u.dbu.seq = seq;
		m->u.dbu.flags = DHP_BU_F_A;
		m->u.dbu.lifetime = 75;
		m->u.dbu.dhoa = o->dhoa;
		m->u.dbu.coa = *coa;
		m->opt.present |= MHO_HOA;
		m->opt.hoa = o->hoa;
		break;
	case M_REPLAY:
		break;
	}
}

/* One message of kind k from coa into buf; its length. */
static size_t
make(struct gen *g, const struct kind *k, const struct in6_addr *coa,
    uint8_t *buf, size_t cap)
{
	const struct opts *o = g->o;
	struct mh_msg m;
	struct mh_sa tmp;
	const struct mh_sa *sa = &g->sa;
	uint8_t key[32];
	size_t aoff = 0, off;
	ssize_t n;

	if (k->msg == M_REPLAY) {
		memcpy(buf, g->replay, g->replay_len);
		return g->replay_len;
	}
	fill(&m, k->msg, o, coa, g->seq++);
	if (k->forge == F_NOAUTH)
		m.opt.present &= ~MHO_AUTH;
	if (k->forge == F_WRONGKEY) {
		for (size_t i = 0; i < sizeof(key); i++)
			key[i] = (uint8_t)rnd();
		if (sa_init(&tmp, g->sa.spi, g->sa.alg, key,
		    auth_alg_key_len(g->sa.alg)) == -1)
			errx(1, "sa_init");
		sa = &tmp;
	} else if (k->forge == F_WRONGSPI) {
		tmp = g->sa;
		do
			tmp.spi = 256 + (uint32_t)(rnd() % 0xfffffe00u);
		while (tmp.spi == g->sa.spi || tmp.spi == g->other.spi);
		sa = &tmp;
	} else if (k->forge == F_OTHERSA)
		sa = &g->other;
	m.opt.auth_spi = sa->spi;
	m.opt.auth_mac_len = (uint8_t)auth_alg_mac_len(sa->alg);
	if ((n = mh_build(&m, buf, cap, &aoff)) < 0)
		errx(1, "mh_build: %s", mh_strerror((int)n));
	if ((m.opt.present & MHO_AUTH) &&
	    mh_auth_sign(buf, (size_t)n, aoff, sa, coa, &o->hoa) != 0)
		errx(1, "mh_auth_sign");
	if (k->forge == F_WRONGKEY)
		sa_clear(&tmp);
	if (k->forge == F_FLIP) {
		/* Bytes 4-5 are the checksum: the kernel (or mhsock on UDP)
		 * rewrites it, which would undo the flip. */
		do
			off = (size_t)(rnd() % (uint64_t)n);
		while (off == 4 || off == 5);
		buf[off] ^= (uint8_t)(1u << (rnd() % 8));
	}
	return (size_t)n;
}

static void
spoofed(const struct opts *o, struct in6_addr *a)
{
	uint8_t r[16];
	unsigned full = o->pfx_len / 8;

	for (int i = 0; i < 16; i += 8) {
		uint64_t v = rnd();

		memcpy(r + i, &v, 8);
	}
	*a = o->pfx;
	for (unsigned i = full; i < 16; i++) {
		uint8_t keep = i == full && o->pfx_len % 8 ?
		    (uint8_t)(0xff00u >> (o->pfx_len % 8)) : 0;

		a->s6_addr[i] = (uint8_t)((a->s6_addr[i] & keep) |
		    (r[i] & ~keep));
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A prebuilt message (-P). */
struct pre {
	struct in6_addr	src;
	size_t		len;
	uint8_t		buf[MH_MAX_LEN];
};

int
main(int argc, char **argv)
{
	struct opts o;
	struct gen g;
	struct mhsock *s;
	uint8_t buf[MH_MAX_LEN];
	struct in6_addr src;
	struct pre *pool = NULL;
	unsigned long sent = 0, errors = 0, i;
	double t0, t;
	char e[256];
	int on = 1;

	parse_opts(argc, argv, &o);
	rng = o.seed ? o.seed : 1;
	memset(&g, 0, sizeof(g));
	g.o = &o;
	g.seq = (uint16_t)rnd();
	for (size_t k = 0; k < o.nkinds; k++) {
		if (o.kinds[k].msg == M_REPLAY && o.replay_file == NULL)
			errx(1, "kind replay needs -R");
		if (o.kinds[k].forge == F_OTHERSA && o.other_key_file == NULL)
			errx(1, "kind %s needs -O", o.kinds[k].name);
		if (o.kinds[k].msg != M_REPLAY &&
		    (o.spi == 0 || o.key_file == NULL))
			errx(1, "kind %s needs -i and -k", o.kinds[k].name);
	}
	if (o.key_file != NULL)
		load_sa(&g.sa, o.spi, o.key_file);
	if (o.other_key_file != NULL)
		load_sa(&g.other, o.other_spi, o.other_key_file);
	if (o.replay_file != NULL)
		g.replay_len = read_file(o.replay_file, g.replay,
		    sizeof(g.replay));
	s = mhsock_open(o.udp_port ? MH_TRANSPORT_UDP : MH_TRANSPORT_RAW,
	    o.spoof ? NULL : &o.src, 0, e, sizeof(e));
	if (s == NULL)
		errx(1, "%s", e);
	/* Spoofed sources: no address of ours (ipv6_can_nonlocal_bind). */
	if (o.spoof && setsockopt(mhsock_fd(s), IPPROTO_IPV6, IPV6_FREEBIND,
	    &on, sizeof(on)) == -1)
		err(1, "IPV6_FREEBIND");
	src = o.src;
	if (o.pool > 0) {
		if ((pool = calloc(o.pool, sizeof(*pool))) == NULL)
			err(1, "calloc");
		for (i = 0; i < o.pool; i++) {
			if (o.spoof)
				spoofed(&o, &src);
			pool[i].src = src;
			pool[i].len = make(&g, &o.kinds[i % o.nkinds], &src,
			    pool[i].buf, sizeof(pool[i].buf));
		}
	}
	t0 = now_s();
	for (i = 0; i < o.count; i++) {
		struct kind *k = &o.kinds[i % o.nkinds];
		size_t len;

		t = now_s() - t0;
		if (o.max_secs > 0 && t >= o.max_secs)
			break;
		/* Pace: never more than rate * elapsed (+1 ms of burst). */
		while (o.rate > 0 &&
		    (double)sent > (t + 0.001) * (double)o.rate) {
			struct timespec ts = { 0, 100000 };

			nanosleep(&ts, NULL);
			t = now_s() - t0;
		}
		if (pool != NULL) {
			const struct pre *p = &pool[i % o.pool];

			k = &o.kinds[(i % o.pool) % o.nkinds];
			src = p->src;
			len = p->len;
			memcpy(buf, p->buf, len);
		} else {
			if (o.spoof)
				spoofed(&o, &src);
			len = make(&g, k, &src, buf, sizeof(buf));
		}
		if (mhsock_send(s, buf, len, &src, &o.dst, 0, o.udp_port) < 0) {
			errors++;
			continue;
		}
		sent++;
		k->sent++;
	}
	t = now_s() - t0;
	printf("sent %lu errors %lu secs %.3f rate %.0f/s\n", sent, errors, t,
	    t > 0 ? (double)sent / t : 0.0);
	for (size_t k = 0; k < o.nkinds; k++)
		printf("%s %" PRIu64 "\n", o.kinds[k].name, o.kinds[k].sent);
	mhsock_close(s);
	free(pool);
	if (o.key_file != NULL)
		sa_clear(&g.sa);
	if (o.other_key_file != NULL)
		sa_clear(&g.other);
	return 0;
}
