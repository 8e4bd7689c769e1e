/*
 * mhinject.c: send one signed Binding Update as a mobile node would and
 * wait for the Binding Acknowledgement (tests/had_test.sh).
 *
 * The BU is built with dmip6's own codec (mh_build, mh_auth_sign): A|H
 * flags, Home Address option (200), MESG-ID (RFC 4285 6), AUTH
 * (MN-HA, the SA's SPI) over CoA || HoA || MH (PROTOCOL.md B.8). It goes
 * out from the CoA on the raw MH socket (or UDP, -u), and the first BA
 * from the HA is printed on stdout as
 *
 *	status <n> seq <n> lifetime <units>
 *	rtt_ms <ms> auth <ok|bad|unchecked> mesgid <0x...>
 *
 * Exit: 0 a BA came, 2 none before the timeout, 3 with -V when the BA's
 * MAC does not verify, 1 on usage or set-up errors.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "dmip_proto.h"
#include "mh.h"
#include "mhsock.h"

#define KEY_FILE_MAX	4096

struct opts {
	struct in6_addr	 src, dst, hoa;
	bool		 has_src, has_dst, has_hoa;
	uint32_t	 spi;
	const char	*key_file;
	enum auth_alg	 alg;
	uint16_t	 seq;
	uint16_t	 lifetime;
	uint16_t	 flags;
	bool		 has_mesgid, no_mesgid;
	uint64_t	 mesgid;
	uint16_t	 udp_port;	/* 0: raw MH */
	const char	*write_file;
	const char	*replay_file;
	int		 timeout_ms;
	bool		 require_auth;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: mhinject -s coa -d ha [-H hoa -i spi -k keyfile] "
	    "[options]\n"
	    "  -s addr   IPv6 source, the care-of address (BA awaited there)\n"
	    "  -d addr   destination, the home agent\n"
	    "  -H addr   home address (option 200, and the MAC's HoA)\n"
	    "  -i spi    SPI of the MN-HA SA\n"
	    "  -k file   key: hex digits as in etc/keys/*.key (# comments)"
	    ", or raw bytes\n"
	    "  -a alg    hmac-sha256-128 (default) or hmac-sha1-96\n"
	    "  -q seq    sequence number (default 1)\n"
	    "  -l units  lifetime in 4 s units (default 150; 0 deregisters)\n"
	    "  -F flags  BU flags word (default 0xc000: A|H)\n"
	    "  -m ts     MESG-ID timestamp, exactly this value (decimal or "
	    "0x hex);\n"
	    "            default: now (NTP format)\n"
	    "  -M        no MESG-ID option\n"
	    "  -u port   UDP transport to this port (default: raw MH)\n"
	    "  -w file   write the MH bytes sent to file\n"
	    "  -r file   send file's bytes verbatim instead of building a BU\n"
	    "  -t ms     wait this long for the BA (default 3000; 0: don't)\n"
	    "  -V        require the BA's AUTH to verify (else exit 3)\n");
	exit(1);
}

static void
parse_addr(const char *s, struct in6_addr *a, bool *set)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		errx(1, "not an IPv6 address: %s", s);
	*set = true;
}

static unsigned long long
parse_num(const char *s, unsigned long long max, const char *what)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max || *s == '-')
		errx(1, "bad %s: %s", what, s);
	return v;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->alg = AUTH_ALG_HMAC_SHA256_128;
	o->seq = 1;
	o->lifetime = 150;
	o->flags = BU_F_A | BU_F_H;
	o->timeout_ms = 3000;
	while ((ch = getopt(argc, argv, "s:d:H:i:k:a:q:l:F:m:Mu:w:r:t:Vh")) !=
	    -1) {
		switch (ch) {
		case 's':
			parse_addr(optarg, &o->src, &o->has_src);
			break;
		case 'd':
			parse_addr(optarg, &o->dst, &o->has_dst);
			break;
		case 'H':
			parse_addr(optarg, &o->hoa, &o->has_hoa);
			break;
		case 'i':
			o->spi = (uint32_t)parse_num(optarg, UINT32_MAX, "SPI");
			break;
		case 'k':
			o->key_file = optarg;
			break;
		case 'a':
			if ((o->alg = auth_alg_from_name(optarg)) ==
			    AUTH_ALG_NONE)
				errx(1, "unknown algorithm %s", optarg);
			break;
		case 'q':
			o->seq = (uint16_t)parse_num(optarg, UINT16_MAX, "seq");
			break;
		case 'l':
			o->lifetime = (uint16_t)parse_num(optarg, UINT16_MAX,
			    "lifetime");
			break;
		case 'F':
			o->flags = (uint16_t)parse_num(optarg, UINT16_MAX,
			    "flags");
			break;
		case 'm':
			o->mesgid = parse_num(optarg, UINT64_MAX, "MESG-ID");
			o->has_mesgid = true;
			break;
		case 'M':
			o->no_mesgid = true;
			break;
		case 'u':
			o->udp_port = (uint16_t)parse_num(optarg, UINT16_MAX,
			    "port");
			if (o->udp_port == 0)
				errx(1, "-u: port 0");
			break;
		case 'w':
			o->write_file = optarg;
			break;
		case 'r':
			o->replay_file = optarg;
			break;
		case 't':
			o->timeout_ms = (int)parse_num(optarg, 3600000,
			    "timeout");
			break;
		case 'V':
			o->require_auth = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !o->has_src || !o->has_dst)
		usage();
	if (o->replay_file == NULL &&
	    (!o->has_hoa || o->spi == 0 || o->key_file == NULL))
		errx(1, "building a BU needs -H, -i and -k");
}

/* ---- key files ------------------------------------------------------ */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The format conf.c reads: hex digits, whitespace, '#' comments. */
static int
key_from_text(const uint8_t *t, size_t n, uint8_t *key, size_t *len)
{
	size_t nd = 0;
	int v;

	for (size_t i = 0; i < n; i++) {
		if (t[i] == '#') {
			while (i + 1 < n && t[i + 1] != '\n')
				i++;
		} else if (isspace(t[i]))
			continue;
		else if ((v = hexval(t[i])) < 0 || nd / 2 >= AUTH_KEY_MAX)
			return -1;
		else {
			if (nd % 2 == 0)
				key[nd / 2] = (uint8_t)(v << 4);
			else
				key[nd / 2] |= (uint8_t)v;
			nd++;
		}
	}
	if (nd % 2 != 0)
		return -1;
	*len = nd / 2;
	return 0;
}

static size_t
read_file(const char *path, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;
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
load_sa(const struct opts *o, struct mh_sa *sa)
{
	uint8_t text[KEY_FILE_MAX], key[AUTH_KEY_MAX];
	size_t n, len = 0, want = auth_alg_key_len(o->alg);

	n = read_file(o->key_file, text, sizeof(text));
	if (key_from_text(text, n, key, &len) == -1 || len != want) {
		/* Not the text format: raw key bytes. */
		if (n != want)
			errx(1, "%s: neither %zu hex-encoded nor %zu raw key "
			    "bytes", o->key_file, want, want);
		memcpy(key, text, n);
		len = n;
	}
	if (sa_init(sa, o->spi, o->alg, key, len) == -1)
		err(1, "SA %u", o->spi);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(text, sizeof(text));
}

/* ---- the BU --------------------------------------------------------- */

static ssize_t
build_bu(const struct opts *o, const struct mh_sa *sa, uint8_t *buf,
    size_t cap, uint64_t *mesgid)
{
	struct mh_msg m;
	size_t aoff = 0;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = MH_TYPE_BU;
	m.u.bu.seq = o->seq;
	m.u.bu.flags = o->flags;
	m.u.bu.lifetime = o->lifetime;
	m.opt.present = MHO_HOA | MHO_AUTH;
	m.opt.hoa = o->hoa;
	if (!o->no_mesgid) {
		m.opt.present |= MHO_MESGID;
		m.opt.mesgid = *mesgid = o->has_mesgid ? o->mesgid : ntp_now();
	}
	m.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	m.opt.auth_spi = o->spi;
	m.opt.auth_mac_len = (uint8_t)auth_alg_mac_len(o->alg);
	if ((n = mh_build(&m, buf, cap, &aoff)) < 0)
		errx(1, "mh_build: %s", mh_strerror((int)n));
	if (mh_auth_sign(buf, (size_t)n, aoff, sa, &o->src, &o->hoa) != 0)
		errx(1, "mh_auth_sign failed");
	return n;
}

static void
write_file(const char *path, const uint8_t *p, size_t len)
{
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL)
		err(1, "%s", path);
	if (fwrite(p, 1, len, f) != len || fclose(f) != 0)
		err(1, "%s", path);
}

/* ---- the BA --------------------------------------------------------- */

/* CLOCK_MONOTONIC in microseconds, for the BU -> BA time. */
static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Wait for a BA from the HA. 0 got one, 2 timeout. */
static int
wait_ba(struct mhsock *s, const struct opts *o, const struct mh_sa *sa,
    uint64_t t0)
{
	uint8_t buf[MH_MAX_LEN];
	struct mh_rxinfo ri;
	struct mh_msg m;
	struct pollfd pfd = { .fd = mhsock_fd(s), .events = POLLIN };
	const char *auth = "unchecked";
	uint64_t now;
	ssize_t n;

	for (;;) {
		now = now_us();
		if (now - t0 >= (uint64_t)o->timeout_ms * 1000)
			return 2;
		if (poll(&pfd, 1, (int)(((uint64_t)o->timeout_ms * 1000 -
		    (now - t0) + 999) / 1000)) == -1 && errno != EINTR)
			err(1, "poll");
		while ((n = mhsock_recv(s, buf, sizeof(buf), &ri)) >= 0) {
			if (n == 0 || memcmp(&ri.src, &o->dst, 16) != 0 ||
			    mh_parse(buf, (size_t)n, &m) != MH_OK ||
			    m.type != MH_TYPE_BA)
				continue;
			if (sa != NULL)
				auth = mh_auth_verify(buf, (size_t)n, &m.opt,
				    sa, &o->src, &o->hoa) == 0 ? "ok" : "bad";
			printf("status %u seq %u lifetime %u\n", m.u.ba.status,
			    m.u.ba.seq, m.u.ba.lifetime);
			printf("rtt_ms %.3f auth %s mesgid 0x%016" PRIx64 "\n",
			    (double)(now_us() - t0) / 1000.0, auth,
			    (m.opt.present & MHO_MESGID) ? m.opt.mesgid : 0);
			fflush(stdout);
			return o->require_auth && strcmp(auth, "ok") != 0 ?
			    3 : 0;
		}
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct mh_sa sa;
	struct mhsock *s;
	uint8_t mh[MH_MAX_LEN];
	uint64_t mesgid = 0, t0;
	ssize_t n;
	char e[256], a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool have_sa = false;
	int rc;

	parse_opts(argc, argv, &o);
	if (o.key_file != NULL && o.spi != 0 && o.has_hoa) {
		load_sa(&o, &sa);
		have_sa = true;
	}
	if (o.replay_file != NULL)
		n = (ssize_t)read_file(o.replay_file, mh, sizeof(mh));
	else
		n = build_bu(&o, &sa, mh, sizeof(mh), &mesgid);
	if (o.write_file != NULL)
		write_file(o.write_file, mh, (size_t)n);
	/* UDP: an ephemeral port of our own; the HA answers to it. */
	if ((s = mhsock_open(o.udp_port ? MH_TRANSPORT_UDP : MH_TRANSPORT_RAW,
	    &o.src, 0, e, sizeof(e))) == NULL)
		errx(1, "%s", e);
	t0 = now_us();
	if (mhsock_send(s, mh, (size_t)n, &o.src, &o.dst, 0, o.udp_port) < 0)
		err(1, "send");
	fprintf(stderr, "mhinject: sent %zd bytes %s -> %s (%s), seq %u, "
	    "mesgid 0x%016" PRIx64 "\n", n,
	    inet_ntop(AF_INET6, &o.src, a, sizeof(a)),
	    inet_ntop(AF_INET6, &o.dst, b, sizeof(b)),
	    o.replay_file ? "verbatim" : "built", o.seq, mesgid);
	rc = o.timeout_ms == 0 ? 0 : wait_ba(s, &o, have_sa ? &sa : NULL, t0);
	if (rc == 2)
		fprintf(stderr, "mhinject: no BA within %d ms\n", o.timeout_ms);
	mhsock_close(s);
	if (have_sa)
		sa_clear(&sa);
	return rc;
}
