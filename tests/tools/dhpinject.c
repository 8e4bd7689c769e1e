/*
 * dhpinject.c: play a mobile node towards dhpd for tests/dhpd_test.sh:
 * build, sign and send one DHoA Request (PROTOCOL.md B.11.4) or DHP
 * Binding Update (B.11.6) with the common codec (mh_build,
 * mh_auth_sign), wait for the answer, check its AUTH and print its
 * fields on one line. Also replays saved bytes and sends garbage.
 *
 * usage: dhpinject [options] req|bu
 *        dhpinject [options] -I FILE        (send FILE's MH as it is)
 *        dhpinject [options] -g N           (N malformed MHs, no wait)
 *
 *   -d ADDR   the DHP (required)            -s ADDR  source (the CoA)
 *   -S SPI    SA (default 8192)             -k FILE  key file (hex)
 *   -K HEX    key                           -a ALG   hmac-sha256-128 |
 *                                                    hmac-sha1-96
 *   -H ADDR   MN home address (default 2001:db8:10::100)
 *   -c ADDR   CoA field (default: the source; "::" allowed)
 *   -D ADDR   req: requested DHoA (default ::); bu: the DHoA
 *   -q N      sequence number (default 1)
 *   -l SECS   lifetime, seconds (4 s units, rounded down; req 600, bu 300)
 *   -B        req: bind now          -R  bu: release       -n  bu: A = 0
 *   -t TYPE   req: continuity type (name or 0..4; default session-lasting)
 *   -F TYPE   req: add a Flow Descriptor with that type (TCP 40000->443)
 *   -m MS     MESG-ID = now + MS     -M HEX  MESG-ID as given
 *   -N        no MESG-ID             -A      no AUTH option
 *   -X        corrupt the MAC after signing (a forgery)
 *   -O FILE   also write the MH sent to FILE (to replay it with -I)
 *   -w MS     wait for the answer (default 2000; 0: do not wait)
 *   -u PORT   UDP transport to PORT instead of raw MH
 *
 * Output (one line, fields as key=value):
 *   type=dhoa-resp seq= status= name= B=0|1 lifetime=SECS plen= dhoa=
 *       tep= bra=SECS mesgid=HEX auth=ok|bad
 *   type=dhp-bc seq= status= name= lifetime=SECS dhoa= bra=SECS
 *       mesgid=HEX auth=ok|bad
 * Exit status: 0 answer printed (or sent with -w 0 / -g), 1 no answer,
 * 2 usage or set-up error.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "auth.h"
#include "conf.h"
#include "dmip_proto.h"
#include "log.h"
#include "mh.h"
#include "mhsock.h"

struct opts {
	struct in6_addr	 dst, src, hoa, coa, dhoa;
	bool		 has_dst, has_src, has_coa;
	uint32_t	 spi;
	enum auth_alg	 alg;
	uint8_t		 key[AUTH_KEY_MAX];
	size_t		 key_len;
	uint16_t	 seq;
	long		 lifetime;	/* s, -1 = default */
	bool		 bind_now, release, no_ack;
	int		 type;
	int		 flow_type;	/* -1 none */
	long long	 mesgid_off_ms;
	bool		 mesgid_set, no_mesgid, no_auth, corrupt;
	uint64_t	 mesgid;
	const char	*out_file, *in_file;
	long		 garbage;
	long		 wait_ms;
	uint16_t	 udp_port;
	const char	*cmd;
};

static void
usage(void)
{
	fprintf(stderr, "usage: dhpinject -d DHP [-s SRC] [-S SPI] [-k FILE |"
	    " -K HEX] [-a ALG] [-H HOA]\n"
	    "\t[-c COA] [-D DHOA] [-q SEQ] [-l SECS] [-B] [-R] [-n] [-t TYPE]"
	    " [-F TYPE]\n"
	    "\t[-m MS | -M HEX | -N] [-A] [-X] [-O FILE] [-w MS] [-u PORT]"
	    " req|bu\n"
	    "       dhpinject -d DHP [...] -I FILE\n"
	    "       dhpinject -d DHP [-s SRC] [-u PORT] -g N\n");
	exit(2);
}

static void die(const char *, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dhpinject: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void
addr_arg(const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		die("not an IPv6 address: %s", s);
}

static long
num_arg(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		die("bad number: %s", s);
	return v;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex digits of s (whitespace ignored) into o->key. */
static void
key_hex(struct opts *o, const char *s)
{
	int hi = -1, v;

	o->key_len = 0;
	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			continue;
		if ((v = hexval((unsigned char)*s)) < 0 ||
		    (hi < 0 && o->key_len == AUTH_KEY_MAX))
			die("bad key: %s", s);
		if (hi < 0)
			hi = v;
		else {
			o->key[o->key_len++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		die("odd number of hex digits in the key");
}

/* A key file as dhpd reads it: hex, '#' comment lines. */
static void
key_file(struct opts *o, const char *path)
{
	char line[512], all[4 * AUTH_KEY_MAX + 1] = "";
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		die("cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		if (strlen(all) + strlen(line) >= sizeof(all))
			die("key file too long: %s", path);
		strcat(all, line);
	}
	fclose(f);
	key_hex(o, all);
}

static int
type_arg(const char *s)
{
	for (uint8_t t = 0; t <= CONT_MAX; t++)
		if (strcmp(conf_cont_name(t), s) == 0)
			return t;
	return (int)num_arg(s, 0, 255);
}

static void
parse(int argc, char **argv, struct opts *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->spi = 8192;
	o->alg = AUTH_ALG_HMAC_SHA256_128;
	addr_arg("2001:db8:10::100", &o->hoa);
	o->seq = 1;
	o->lifetime = -1;
	o->type = CONT_SESSION_LASTING;
	o->flow_type = -1;
	o->wait_ms = 2000;
	while ((ch = getopt(argc, argv,
	    "d:s:S:k:K:a:H:c:D:q:l:BRnt:F:m:M:NAXO:I:g:w:u:")) != -1) {
		switch (ch) {
		case 'd': addr_arg(optarg, &o->dst); o->has_dst = true; break;
		case 's': addr_arg(optarg, &o->src); o->has_src = true; break;
		case 'S': o->spi = (uint32_t)num_arg(optarg, 0, UINT32_MAX);
			break;
		case 'k': key_file(o, optarg); break;
		case 'K': key_hex(o, optarg); break;
		case 'a':
			if ((o->alg = auth_alg_from_name(optarg)) ==
			    AUTH_ALG_NONE)
				die("unknown algorithm %s", optarg);
			break;
		case 'H': addr_arg(optarg, &o->hoa); break;
		case 'c': addr_arg(optarg, &o->coa); o->has_coa = true; break;
		case 'D': addr_arg(optarg, &o->dhoa); break;
		case 'q': o->seq = (uint16_t)num_arg(optarg, 0, 65535); break;
		case 'l': o->lifetime = num_arg(optarg, 0, MH_LIFETIME_MAX_S);
			break;
		case 'B': o->bind_now = true; break;
		case 'R': o->release = true; break;
		case 'n': o->no_ack = true; break;
		case 't': o->type = type_arg(optarg); break;
		case 'F': o->flow_type = type_arg(optarg); break;
		case 'm': o->mesgid_off_ms = num_arg(optarg, -86400000L,
		    86400000L); break;
		case 'M': o->mesgid = strtoull(optarg, NULL, 16);
			o->mesgid_set = true; break;
		case 'N': o->no_mesgid = true; break;
		case 'A': o->no_auth = true; break;
		case 'X': o->corrupt = true; break;
		case 'O': o->out_file = optarg; break;
		case 'I': o->in_file = optarg; break;
		case 'g': o->garbage = num_arg(optarg, 1, 100000); break;
		case 'w': o->wait_ms = num_arg(optarg, 0, 60000); break;
		case 'u': o->udp_port = (uint16_t)num_arg(optarg, 1, 65535);
			break;
		default: usage();
		}
	}
	if (!o->has_dst)
		usage();
	if (optind < argc)
		o->cmd = argv[optind++];
	if (optind != argc || (o->cmd == NULL && o->in_file == NULL &&
	    o->garbage == 0))
		usage();
	if (o->cmd != NULL && strcmp(o->cmd, "req") != 0 &&
	    strcmp(o->cmd, "bu") != 0)
		usage();
}

/* ---- building ---------------------------------------------------- */

static uint16_t
units(long secs)
{
	return (uint16_t)(secs / MH_LIFETIME_UNIT);
}

static void
build(const struct opts *o, struct mh_msg *m)
{
	bool req = strcmp(o->cmd, "req") == 0;
	struct in6_addr coa = o->has_coa ? o->coa : o->src;

	memset(m, 0, sizeof(*m));
	if (req) {
		m->type = MH_TYPE_DHOA_REQ;
		m->u.dreq.seq = o->seq;
		m->u.dreq.flags = o->bind_now ? DHOA_F_B : 0;
		m->u.dreq.cont_type = (uint8_t)o->type;
		m->u.dreq.lifetime = units(o->lifetime < 0 ? 600 : o->lifetime);
		m->u.dreq.req_dhoa = o->dhoa;
		m->u.dreq.hoa = o->hoa;
		m->u.dreq.coa = coa;
		if (o->flow_type >= 0) {
			m->opt.n_flow = 1;
			m->opt.flow[0].proto = IPPROTO_TCP;
			m->opt.flow[0].cont_type = (uint8_t)o->flow_type;
			m->opt.flow[0].mn_port = 40000;
			m->opt.flow[0].cn_port = 443;
		}
	} else {
		m->type = MH_TYPE_DHP_BU;
		m->u.dbu.seq = o->seq;
		m->u.dbu.flags = (o->no_ack ? 0 : DHP_BU_F_A) |
		    (o->release ? DHP_BU_F_R : 0);
		m->u.dbu.lifetime = units(o->lifetime < 0 ? 300 : o->lifetime);
		m->u.dbu.dhoa = o->dhoa;
		m->u.dbu.coa = coa;
		m->opt.present |= MHO_HOA;
		m->opt.hoa = o->hoa;
	}
	if (!o->no_mesgid) {
		m->opt.present |= MHO_MESGID;
		m->opt.mesgid = o->mesgid_set ? o->mesgid :
		    ntp_now() + (uint64_t)(o->mesgid_off_ms * (1LL << 32) / 1000);
	}
	if (!o->no_auth) {
		m->opt.present |= MHO_AUTH;
		m->opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
		m->opt.auth_spi = o->spi;
		m->opt.auth_mac_len = (uint8_t)auth_alg_mac_len(o->alg);
	}
}

/* MobilityData addresses (B.8, dhp_engine.h): the CoA field, or the
 * source when it is ::; the HoA field or option. */
static void
auth_addrs(const struct opts *o, const struct mh_msg *m,
    struct in6_addr *coa, struct in6_addr *hoa)
{
	const struct in6_addr *c = m->type == MH_TYPE_DHOA_REQ ?
	    &m->u.dreq.coa : &m->u.dbu.coa;

	*hoa = m->type == MH_TYPE_DHOA_REQ ? m->u.dreq.hoa : m->opt.hoa;
	*coa = IN6_IS_ADDR_UNSPECIFIED(c) ? o->src : *c;
}

static ssize_t
encode(const struct opts *o, const struct mh_sa *sa, uint8_t *buf,
    size_t cap, struct mh_msg *m)
{
	struct in6_addr coa, hoa;
	size_t auth_off = 0;
	ssize_t len;

	build(o, m);
	if ((len = mh_build(m, buf, cap, &auth_off)) < 0)
		die("mh_build: %s", mh_strerror((int)len));
	if (m->opt.present & MHO_AUTH) {
		auth_addrs(o, m, &coa, &hoa);
		if (mh_auth_sign(buf, (size_t)len, auth_off, sa, &coa,
		    &hoa) != 0)
			die("signing failed");
		if (o->corrupt)
			buf[len - 1] ^= 0x5a;
	}
	return len;
}

/* ---- I/O ------------------------------------------------------------ */

static void
write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		die("cannot write %s", path);
}

static ssize_t
read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		die("cannot open %s", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return (ssize_t)n;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *
a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static void
print_answer(const struct mh_msg *m, bool auth_ok)
{
	char d[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];
	unsigned bra = (m->opt.present & MHO_BRA) ? m->opt.bra * BRA_UNIT : 0;
	uint64_t mid = (m->opt.present & MHO_MESGID) ? m->opt.mesgid : 0;

	if (m->type == MH_TYPE_DHOA_RESP)
		printf("type=dhoa-resp seq=%u status=%u name=%s B=%d "
		    "lifetime=%u plen=%u dhoa=%s tep=%s bra=%u mesgid=%016"
		    PRIx64 " auth=%s\n", m->u.dresp.seq, m->u.dresp.status,
		    mh_status_name(m->u.dresp.status),
		    (m->u.dresp.flags & DHOA_F_B) != 0,
		    m->u.dresp.lifetime * MH_LIFETIME_UNIT, m->u.dresp.plen,
		    a6(&m->u.dresp.dhoa, d), a6(&m->u.dresp.tep, t), bra, mid,
		    auth_ok ? "ok" : "bad");
	else
		printf("type=dhp-bc seq=%u status=%u name=%s lifetime=%u "
		    "dhoa=%s bra=%u mesgid=%016" PRIx64 " auth=%s\n",
		    m->u.dbc.seq, m->u.dbc.status,
		    mh_status_name(m->u.dbc.status),
		    m->u.dbc.lifetime * MH_LIFETIME_UNIT,
		    a6(&m->u.dbc.dhoa, d), bra, mid, auth_ok ? "ok" : "bad");
	fflush(stdout);
}

/*
 * The answer to req (type+1) from the DHP: same sequence, or any with
 * status 135 (it carries the last accepted one). Its AUTH is checked
 * with the SA over the request's CoA || HoA.
 */
static int
wait_answer(const struct opts *o, struct mhsock *s, const struct mh_sa *sa,
    const struct mh_msg *req, const struct in6_addr *coa,
    const struct in6_addr *hoa)
{
	uint8_t buf[MH_MAX_LEN];
	uint64_t end = now_ms() + (uint64_t)o->wait_ms;
	struct mh_rxinfo ri;
	struct pollfd pfd = { .fd = mhsock_fd(s), .events = POLLIN };
	struct mh_msg m;
	ssize_t n;
	uint8_t want = req->type == MH_TYPE_DHOA_REQ ? MH_TYPE_DHOA_RESP :
	    MH_TYPE_DHP_BC;
	uint16_t seq = req->type == MH_TYPE_DHOA_REQ ? req->u.dreq.seq :
	    req->u.dbu.seq;

	for (uint64_t t = now_ms(); t < end; t = now_ms()) {
		if (poll(&pfd, 1, (int)(end - t)) <= 0)
			continue;
		while ((n = mhsock_recv(s, buf, sizeof(buf), &ri)) >= 0) {
			uint16_t rseq;
			uint8_t st;
			bool ok;

			if (n == 0 || memcmp(&ri.src, &o->dst, 16) != 0 ||
			    mh_parse(buf, (size_t)n, &m) != MH_OK ||
			    m.type != want)
				continue;
			rseq = want == MH_TYPE_DHOA_RESP ? m.u.dresp.seq :
			    m.u.dbc.seq;
			st = want == MH_TYPE_DHOA_RESP ? m.u.dresp.status :
			    m.u.dbc.status;
			if (rseq != seq && st != BA_STATUS_SEQ_OUT_OF_WINDOW)
				continue;
			ok = sa != NULL && mh_auth_verify(buf, (size_t)n,
			    &m.opt, sa, coa, hoa) == 0;
			print_answer(&m, ok);
			return 0;
		}
	}
	fprintf(stderr, "dhpinject: no answer from the DHP in %ld ms\n",
	    o->wait_ms);
	return 1;
}

/* ---- garbage -------------------------------------------------------- */

static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * n malformed MHs: random bytes, a valid header with a wrong length, an
 * unknown type, truncated fixed parts, bad option lengths and
 * alignments, options after AUTH, zero-length options, and well-formed
 * but unsigned DMIPv6 messages. Sent on a plain raw socket (any length;
 * the kernel fills the checksum) or UDP.
 */
static int
garbage(const struct opts *o)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = o->dst };
	uint8_t buf[MH_MAX_LEN];
	uint32_t x = 0x2545F491u;
	int fd, off = MH_CSUM_OFF;
	long sent = 0;

	fd = o->udp_port ? socket(AF_INET6, SOCK_DGRAM, 0) :
	    socket(AF_INET6, SOCK_RAW, IPPROTO_MH_NUM);
	if (fd == -1)
		die("socket: %s", strerror(errno));
	if (o->udp_port)
		to.sin6_port = htons(o->udp_port);
	else
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off,
		    sizeof(off));
	for (long i = 0; i < o->garbage; i++) {
		size_t len = 8 * (1 + rnd(&x) % 12);
		uint8_t types[] = { MH_TYPE_DHOA_REQ, MH_TYPE_DHP_BU, 99,
		    MH_TYPE_BU, MH_TYPE_DHP_BC };

		for (size_t k = 0; k < sizeof(buf); k++)
			buf[k] = (uint8_t)rnd(&x);
		switch (i % 8) {
		case 0:		/* random, any length from 1 */
			len = 1 + rnd(&x) % 100;
			break;
		case 1:		/* Header Len disagrees */
			buf[0] = MH_PAYLOAD_PROTO;
			buf[1] = (uint8_t)(len / 8 + 3);
			break;
		default:	/* right header, random body and options */
			buf[0] = MH_PAYLOAD_PROTO;
			buf[2] = types[rnd(&x) % sizeof(types)];
			if (i % 8 == 2)
				len = 16;	/* truncated fixed part */
			else if (buf[2] == MH_TYPE_DHOA_REQ && len < 64)
				len = 64 + 8 * (rnd(&x) % 4);
			else if (len < 48)
				len = 48 + 8 * (rnd(&x) % 4);
			buf[1] = (uint8_t)(len / 8 - 1);
			if (i % 8 == 3) {	/* an option with length 0xff */
				buf[len - 8] = MHOPT_AUTH;
				buf[len - 7] = 0xff;
			}
			if (i % 8 == 4)	/* all padding */
				memset(buf + 48, 0, len - 48);
			break;
		}
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&to,
		    sizeof(to)) >= 0)
			sent++;
	}
	close(fd);
	printf("garbage sent=%ld\n", sent);
	return 0;
}

/* ---- main ------------------------------------------------------------ */

int
main(int argc, char **argv)
{
	struct opts o;
	struct mh_sa sa;
	struct mh_msg m;
	struct mhsock *s;
	uint8_t buf[MH_MAX_LEN];
	struct in6_addr coa, hoa;
	char err[256];
	ssize_t len;
	bool have_sa;

	log_init("dhpinject", 1, LOG_LVL_WARN);
	parse(argc, argv, &o);
	if (o.garbage > 0)
		return garbage(&o);
	have_sa = o.key_len > 0 && sa_init(&sa, o.spi, o.alg, o.key,
	    o.key_len) == 0;
	if (o.in_file != NULL) {
		if ((len = read_file(o.in_file, buf, sizeof(buf))) <= 0 ||
		    mh_parse(buf, (size_t)len, &m) != MH_OK)
			die("%s holds no valid MH", o.in_file);
		o.cmd = m.type == MH_TYPE_DHOA_REQ ? "req" : "bu";
	} else {
		if (!o.no_auth && !have_sa)
			die("no usable SA: give -k or -K (and -a), or -A");
		if (!o.has_src && !o.has_coa)
			die("give -s (or -c): the CoA is signed");
		len = encode(&o, have_sa ? &sa : NULL, buf, sizeof(buf), &m);
	}
	if (o.out_file != NULL)
		write_file(o.out_file, buf, (size_t)len);
	auth_addrs(&o, &m, &coa, &hoa);
	s = mhsock_open(o.udp_port ? MH_TRANSPORT_UDP : MH_TRANSPORT_RAW,
	    o.has_src ? &o.src : NULL, 0, err, sizeof(err));
	if (s == NULL)
		die("%s", err);
	if (mhsock_send(s, buf, (size_t)len, o.has_src ? &o.src : NULL,
	    &o.dst, 0, o.udp_port) < 0)
		die("send: %s", strerror(errno));
	if (o.wait_ms == 0) {
		mhsock_close(s);
		return 0;
	}
	len = wait_answer(&o, s, have_sa ? &sa : NULL, &m, &coa, &hoa);
	mhsock_close(s);
	if (have_sa)
		sa_clear(&sa);
	return (int)len;
}
