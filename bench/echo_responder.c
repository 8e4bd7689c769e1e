/*
 * echo_responder.c: the floor of bench/sig_bench.sh. It answers every
 * Binding Update, DHoA Request and DHP Binding Update that reaches its
 * address with the message had or dhpd would send (BA, DHoA Response,
 * DHP-BC: same options, so the same size on the wire), through the same
 * I/O path as the daemons (common/evloop + common/mhsock: epoll, one
 * recvmsg and one sendmsg per message, mh_parse, mh_build), but keeps
 * no state and checks nothing:
 *
 *   -m floor  (default) no crypto: the AUTH option is sent with a zero
 *             MAC. What the socket path allows.
 *   -m hmac   the request's MAC is checked and the answer signed, as
 *             the daemons do (RFC 4285, PROTOCOL.md B.8), with SAs
 *             SPI0..SPI0+N-1 that all hold the key HEXKEY. Floor plus
 *             crypto: the rest of a daemon's cost is its engine, its
 *             data plane and its logging.
 *
 *   echo_responder -a ADDR [-m floor|hmac] [-n N -S SPI0 -K HEXKEY]
 *
 * The DHoA of a DHoA Response is the pool prefix 2001:db8:d1::/64 with
 * the HoA's interface identifier (no pool, no lease). SIGTERM or
 * SIGINT: prints "echo_responder: rx N tx N dropped N bad_auth N" on
 * stdout and exits 0.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "dmip_proto.h"
#include "evloop.h"
#include "mh.h"
#include "mhsock.h"

enum echo_mode { ECHO_FLOOR, ECHO_HMAC };

struct echo {
	enum echo_mode	 mode;
	struct in6_addr	 addr;
	struct mhsock	*sock;
	struct evloop	*loop;
	struct sa_table	*sas;		/* ECHO_HMAC */
	struct in6_addr	 pool;		/* /64 of the DHoAs */
	uint64_t	 rx, tx, dropped, bad_auth;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: echo_responder -a ADDR [-m floor|hmac] "
	    "[-n N -S SPI0 -K HEXKEY]\n");
	exit(2);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static size_t
key_hex(const char *s, uint8_t *key)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			continue;
		if ((v = hexval((unsigned char)*s)) < 0 ||
		    (hi < 0 && n == AUTH_KEY_MAX))
			usage();
		if (hi < 0)
			hi = v;
		else {
			key[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		usage();
	return n;
}

/* The MobilityData addresses (B.8) of a request: CoA || HoA. */
static void
auth_addrs(const struct mh_msg *m, const struct mh_rxinfo *ri,
    struct in6_addr *coa, struct in6_addr *hoa)
{
	*coa = ri->src;
	switch (m->type) {
	case MH_TYPE_BU:
		*hoa = m->opt.hoa;
		if (m->opt.present & MHO_ALTCOA)
			*coa = m->opt.altcoa;
		break;
	case MH_TYPE_DHOA_REQ:
		*hoa = m->u.dreq.hoa;
		if (!IN6_IS_ADDR_UNSPECIFIED(&m->u.dreq.coa))
			*coa = m->u.dreq.coa;
		break;
	default:
		*hoa = m->opt.hoa;
		if (!IN6_IS_ADDR_UNSPECIFIED(&m->u.dbu.coa))
			*coa = m->u.dbu.coa;
		break;
	}
}

/* The answer a daemon would give to an accepted request. */
static bool
make_answer(const struct echo *e, const struct mh_msg *q, struct mh_msg *a)
{
	memset(a, 0, sizeof(*a));
	switch (q->type) {
	case MH_TYPE_BU:
		a->type = MH_TYPE_BA;
		a->u.ba.seq = q->u.bu.seq;
		a->u.ba.lifetime = q->u.bu.lifetime;
		a->opt.bra = (uint16_t)(q->u.bu.lifetime * REFRESH_PERCENT /
		    100);
		break;
	case MH_TYPE_DHOA_REQ:
		a->type = MH_TYPE_DHOA_RESP;
		a->u.dresp.seq = q->u.dreq.seq;
		a->u.dresp.lifetime = q->u.dreq.lifetime;
		a->u.dresp.plen = 128;
		a->u.dresp.dhoa = e->pool;
		memcpy(&a->u.dresp.dhoa.s6_addr[8], &q->u.dreq.hoa.s6_addr[8],
		    8);
		a->u.dresp.tep = e->addr;
		break;
	case MH_TYPE_DHP_BU:
		a->type = MH_TYPE_DHP_BC;
		a->u.dbc.seq = q->u.dbu.seq;
		a->u.dbc.lifetime = q->u.dbu.lifetime;
		a->u.dbc.dhoa = q->u.dbu.dhoa;
		a->opt.bra = (uint16_t)(q->u.dbu.lifetime * REFRESH_PERCENT /
		    100);
		break;
	default:
		return false;
	}
	if (a->opt.bra != 0)
		a->opt.present |= MHO_BRA;
	if (q->opt.present & MHO_MESGID) {
		a->opt.present |= MHO_MESGID;
		a->opt.mesgid = q->opt.mesgid;
	}
	a->opt.present |= MHO_AUTH;
	a->opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	a->opt.auth_spi = q->opt.auth_spi;
	a->opt.auth_mac_len = (uint8_t)auth_alg_mac_len(AUTH_ALG_HMAC_SHA256_128);
	return true;
}

static void
answer(struct echo *e, const uint8_t *buf, size_t len,
    const struct mh_rxinfo *ri)
{
	uint8_t out[MH_MAX_LEN];
	struct in6_addr coa, hoa;
	const struct mh_sa *sa = NULL;
	struct mh_msg q, a;
	size_t aoff = 0;
	ssize_t n;

	/* As the daemons do: raw MH sockets see every MH (mhsock.h). */
	if (memcmp(&ri->dst, &e->addr, sizeof(e->addr)) != 0 ||
	    mh_parse(buf, len, &q) != MH_OK || !(q.opt.present & MHO_AUTH) ||
	    !make_answer(e, &q, &a)) {
		e->dropped++;
		return;
	}
	auth_addrs(&q, ri, &coa, &hoa);
	if (e->mode == ECHO_HMAC) {
		if ((sa = sa_table_find(e->sas, q.opt.auth_spi)) == NULL) {
			e->dropped++;
			return;
		}
		if (mh_auth_verify(buf, len, &q.opt, sa, &coa, &hoa) != 0)
			e->bad_auth++;
	}
	if ((n = mh_build(&a, out, sizeof(out), &aoff)) < 0) {
		e->dropped++;
		return;
	}
	if (sa != NULL && mh_auth_sign(out, (size_t)n, aoff, sa, &coa,
	    &hoa) != 0) {
		e->dropped++;
		return;
	}
	if (mhsock_send(e->sock, out, (size_t)n, &ri->dst, &ri->src, 0, 0) < 0)
		e->dropped++;
	else
		e->tx++;
}

static void
on_readable(int fd, uint32_t events, void *arg)
{
	struct echo *e = arg;
	uint8_t buf[MH_MAX_LEN];
	struct mh_rxinfo ri;
	ssize_t n;

	(void)fd;
	(void)events;
	while ((n = mhsock_recv(e->sock, buf, sizeof(buf), &ri)) >= 0) {
		if (n == 0)
			continue;
		e->rx++;
		answer(e, buf, (size_t)n, &ri);
	}
}

static void
on_signal(int signo, void *arg)
{
	struct echo *e = arg;

	(void)signo;
	evloop_break(e->loop);
}

static void
load_sas(struct echo *e, uint32_t n, uint32_t spi0, const uint8_t *key,
    size_t klen)
{
	struct mh_sa sa;

	if ((e->sas = sa_table_new()) == NULL) {
		fprintf(stderr, "echo_responder: out of memory\n");
		exit(1);
	}
	for (uint32_t i = 0; i < n; i++) {
		if (sa_init(&sa, spi0 + i, AUTH_ALG_HMAC_SHA256_128, key,
		    klen) == -1 || sa_table_add(e->sas, &sa) == -1) {
			fprintf(stderr, "echo_responder: SA %u: %s\n",
			    spi0 + i, strerror(errno));
			exit(1);
		}
	}
}

int
main(int argc, char **argv)
{
	struct echo e;
	uint8_t key[AUTH_KEY_MAX];
	size_t klen = 0;
	unsigned long n = 0, spi0 = 4096;
	char err[256];
	bool has_a = false;
	int ch;

	memset(&e, 0, sizeof(e));
	inet_pton(AF_INET6, "2001:db8:d1::", &e.pool);
	while ((ch = getopt(argc, argv, "a:m:n:S:K:")) != -1) {
		switch (ch) {
		case 'a':
			if (inet_pton(AF_INET6, optarg, &e.addr) != 1)
				usage();
			has_a = true;
			break;
		case 'm':
			if (strcmp(optarg, "floor") == 0)
				e.mode = ECHO_FLOOR;
			else if (strcmp(optarg, "hmac") == 0)
				e.mode = ECHO_HMAC;
			else
				usage();
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'S':
			spi0 = strtoul(optarg, NULL, 10);
			break;
		case 'K':
			klen = key_hex(optarg, key);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !has_a || spi0 < AUTH_SPI_MIN ||
	    spi0 > UINT32_MAX - n ||
	    (e.mode == ECHO_HMAC && (n == 0 || klen != 32)))
		usage();
	if (e.mode == ECHO_HMAC)
		load_sas(&e, (uint32_t)n, (uint32_t)spi0, key, klen);
	explicit_bzero(key, sizeof(key));
	if ((e.sock = mhsock_open(MH_TRANSPORT_RAW, &e.addr, 0, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "echo_responder: %s\n", err);
		return 1;
	}
	if ((e.loop = evloop_new()) == NULL ||
	    evloop_add_fd(e.loop, mhsock_fd(e.sock), EPOLLIN, on_readable,
	    &e) == -1 ||
	    evloop_on_signal(e.loop, SIGTERM, on_signal, &e) == -1 ||
	    evloop_on_signal(e.loop, SIGINT, on_signal, &e) == -1) {
		perror("echo_responder: event loop");
		return 1;
	}
	printf("echo_responder: ready (%s)\n", e.mode == ECHO_HMAC ? "hmac" :
	    "floor");
	fflush(stdout);
	if (evloop_run(e.loop) == -1)
		perror("echo_responder: event loop");
	printf("echo_responder: rx %" PRIu64 " tx %" PRIu64 " dropped %"
	    PRIu64 " bad_auth %" PRIu64 "\n", e.rx, e.tx, e.dropped,
	    e.bad_auth);
	evloop_free(e.loop);
	mhsock_close(e.sock);
	sa_table_free(e.sas);
	return 0;
}
