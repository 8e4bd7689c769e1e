/*
 * sig_bench.c: the load generator of bench/sig_bench.sh. It plays N
 * mobile nodes (HoA hoa0 + i, SPI spi0 + i, one key for all) towards
 * had (signed Binding Updates, PROTOCOL.md B.3, B.8) or dhpd (DHoA
 * Requests, then DHP Binding Updates, B.11.4, B.11.6) and measures the
 * acknowledgements per second and their latency. The same generator
 * drives bench/echo_responder, the floor of what the socket path
 * allows, in the same run.
 *
 *   sig_bench conf had|dhp -n N [-H HOA0] [-S SPI0] [-k KEYFILE]
 *	print the "sa" and "mobile_node" sections of a had.conf or
 *	dhpd.conf for those N mobile nodes (the rest of the file is the
 *	caller's).
 *   sig_bench run had|dhp -s COA -d DST -n N -K HEXKEY [options]
 *	-H HOA0    first home address (default 2001:db8:10::1:0)
 *	-S SPI0    first SPI (default 4096)
 *	-w W       messages in flight in the closed-loop phases (def. 64)
 *	-t SECS    length of the refresh and open-loop phases (def. 3)
 *	-r RATE    an open-loop phase at RATE messages/s, or at a fraction
 *	           of this run's closed-loop rate when written "0.5x"
 *	           (repeatable, up to 4; default one phase at 0.5x)
 *	-p LIST    phases, comma-separated, of: lease (dhp only),
 *	           register, refresh, open (default: all that apply)
 *	-P PID     the responder: its CPU time (/proc/PID/schedstat) per
 *	           answer and its RSS are reported for each phase
 *	-V K       check the MAC of one answer in K (default 16; 0 never)
 *	-T MS      an unanswered message is lost after MS (default 1000)
 *
 * Phases:
 *   lease     (dhp) one DHoA Request per MN, B = 0; the DHoA of each
 *             answer is kept for the DHP-BUs.
 *   register  one BU / DHP-BU per MN: every one creates a binding (the
 *             responder's data plane adds a route).
 *   refresh   closed loop for SECS: W messages in flight, round robin
 *             over the MNs (at most one in flight per MN), each one a
 *             refresh of an existing binding.
 *   open      open loop: one message every 1/RATE s for SECS, for the
 *             latency at a given load.
 *
 * Each message gets a MESG-ID (RFC 4285 6) that is the current NTP
 * time with its low 16 bits (15 us) replaced by the in-flight slot
 * number, bumped when needed to stay newer than the MN's last one. The
 * answer echoes it, so the slot is found in O(1). Sequence numbers
 * grow per MN. Output, one line per phase ("key value" pairs):
 *
 *   phase NAME target T sent S ok K rejected R lost L skipped K
 *	secs X rate Y p50_us A p90_us B p99_us C max_us D verified V
 *	bad_auth E first_reject F unmatched N gen_cpu G lost_pct P
 *	ans_bytes Z [resp_cpu_us H resp_util U resp_rss_kb M]	(with -P)
 *
 * rate counts answers with status < 128 per second; lost: no answer
 * within the timeout; skipped: the open loop found no free MN or slot;
 * unmatched: answers to nothing in flight (late ones); ans_bytes: the
 * mean MH size of the answers (the floors answer with the daemons'
 * sizes); gen_cpu is this
 * process's CPU time over the wall time (near 1.0: the generator may
 * be the limit); resp_cpu_us is the responder's CPU time per answer
 * and resp_util its CPU time over the wall time. Exit: 0, 1 on errors
 * or when no answer came at all, 2 on usage.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "auth.h"
#include "dmip_proto.h"
#include "mh.h"
#include "mhsock.h"

#define BATCH		64
#define MAX_WINDOW	4096
#define SLOT_BITS	16		/* MESG-ID bits that name the slot */
#define SLOT_MASK	((1ull << SLOT_BITS) - 1)
#define MAX_OPEN	4
#define BU_UNITS	150		/* 600 s, had's max_lifetime */
#define LEASE_UNITS	150		/* 600 s */
#define DHP_BU_UNITS	75		/* 300 s */

enum mode { MODE_HA, MODE_DHP };
enum kind { KIND_LEASE, KIND_BIND };

struct mn {
	struct in6_addr	 hoa, dhoa;
	uint32_t	 spi;
	uint16_t	 seq;
	uint64_t	 last_mesgid;
	bool		 busy, leased;
};

struct slot {
	uint64_t	 mesgid;	/* 0: free */
	uint64_t	 last_id;	/* the slot's last MESG-ID */
	uint64_t	 t_ns;
	uint32_t	 mn;
};

struct phase_stats {
	uint64_t	 sent, ok, rejected, lost, skipped, verified, bad_auth;
	uint64_t	 unmatched;
	int		 first_reject;	/* -1 none */
	uint64_t	 last_ns;	/* when the last answer came */
	uint64_t	 ans_bytes;	/* MH octets of the counted answers */
	uint32_t	*lat;		/* ns */
	size_t		 nlat, latcap;
	bool		 counting;	/* answers still count */
};

struct gen {
	enum mode	 mode;
	int		 fd;
	struct mhsock	*sock;
	struct in6_addr	 coa, dst;
	struct mn	*mns;
	uint32_t	 n;
	struct mh_sa	 sa;		/* the key; spi set per message */
	struct slot	*slots;
	uint32_t	 nslots;
	uint32_t	*freel;
	uint32_t	 nfree;
	uint32_t	 rr;
	uint32_t	 window;
	uint64_t	 timeout_ns;
	unsigned	 verify_every;
	uint64_t	 nreplies;
	pid_t		 resp_pid;
	/* tx batch */
	uint8_t		 txbuf[BATCH][256];
	struct iovec	 txiov[BATCH];
	struct mmsghdr	 txm[BATCH];
	struct sockaddr_in6 to;
	unsigned	 ntx;
	/* rx batch */
	uint8_t		 rxbuf[BATCH][MH_MAX_LEN];
	struct iovec	 rxiov[BATCH];
	struct mmsghdr	 rxm[BATCH];
	struct phase_stats st;
	enum kind	 kind;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: sig_bench conf had|dhp -n N [-H HOA0] [-S SPI0] "
	    "[-k KEYFILE]\n"
	    "       sig_bench run had|dhp -s COA -d DST -n N -K HEXKEY "
	    "[-H HOA0] [-S SPI0]\n"
	    "\t[-w W] [-t SECS] [-r RATE|FRACx]... [-p PHASES] [-P PID] "
	    "[-V K] [-T MS]\n");
	exit(2);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sig_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double
num(const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "sig_bench: bad number: %s\n", s);
		usage();
	}
	return v;
}

static void
addr_arg(const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1) {
		fprintf(stderr, "sig_bench: not an IPv6 address: %s\n", s);
		usage();
	}
}

/* base + i in the low 32 bits. */
static struct in6_addr
addr_plus(const struct in6_addr *base, uint32_t i)
{
	struct in6_addr a = *base;
	uint32_t v;

	memcpy(&v, &a.s6_addr[12], 4);
	v = htonl(ntohl(v) + i);
	memcpy(&a.s6_addr[12], &v, 4);
	return a;
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
			die("bad key");
		if (hi < 0)
			hi = v;
		else {
			key[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		die("odd number of hex digits in the key");
	return n;
}

/* ---- conf: the sections for N mobile nodes -------------------------- */

static int
cmd_conf(enum mode mode, uint32_t n, const struct in6_addr *hoa0,
    uint32_t spi0, const char *keyfile)
{
	char a[INET6_ADDRSTRLEN];

	for (uint32_t i = 0; i < n; i++)
		printf("sa %" PRIu32 " { key_file = \"%s\" }\n", spi0 + i,
		    keyfile);
	for (uint32_t i = 0; i < n; i++) {
		struct in6_addr h = addr_plus(hoa0, i);

		inet_ntop(AF_INET6, &h, a, sizeof(a));
		printf("mobile_node m%" PRIu32 " { home_address = \"%s\" "
		    "spi = %" PRIu32 " }\n", i, a, spi0 + i);
	}
	(void)mode;
	return fflush(stdout) != 0 || ferror(stdout) ? 1 : 0;
}

/* ---- the responder's CPU time and memory ------------------------------ */

static uint64_t
resp_cpu_ns(pid_t pid)
{
	char path[64];
	unsigned long long run = 0;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%llu", &run) != 1)
		run = 0;
	fclose(f);
	return run;
}

static long
resp_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static uint64_t
self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
	    1000000000u + (uint64_t)(ru.ru_utime.tv_usec +
	    ru.ru_stime.tv_usec) * 1000u;
}

/* ---- messages ------------------------------------------------------- */

/*
 * Newer than the MN's last one (RFC 4285 6) and than the slot's last
 * one, so a late answer to a message given up on never matches the
 * slot's next message. Both bumps are 15 us and rare: an MN or a slot
 * is used again only after a round trip.
 */
static uint64_t
next_mesgid(struct mn *m, struct slot *sl, uint32_t slot)
{
	uint64_t id = (ntp_now() & ~SLOT_MASK) | slot;

	if (m->last_mesgid != 0 && (int64_t)(id - m->last_mesgid) <= 0)
		id = ((m->last_mesgid + SLOT_MASK + 1) & ~SLOT_MASK) | slot;
	if (sl->last_id != 0 && (int64_t)(id - sl->last_id) <= 0)
		id = ((sl->last_id + SLOT_MASK + 1) & ~SLOT_MASK) | slot;
	m->last_mesgid = sl->last_id = id;
	return id;
}

/* Build and sign the message of kind k for MN mi into buf. */
static ssize_t
build(struct gen *g, uint32_t mi, uint32_t slot, uint8_t *buf, size_t cap,
    uint64_t *mesgid)
{
	struct mn *m = &g->mns[mi];
	struct mh_msg msg;
	struct mh_sa sa = g->sa;
	size_t aoff = 0;
	ssize_t len;

	memset(&msg, 0, sizeof(msg));
	m->seq++;
	if (g->mode == MODE_HA) {
		msg.type = MH_TYPE_BU;
		msg.u.bu.seq = m->seq;
		msg.u.bu.flags = BU_F_A | BU_F_H;
		msg.u.bu.lifetime = BU_UNITS;
		msg.opt.present = MHO_HOA;
		msg.opt.hoa = m->hoa;
	} else if (g->kind == KIND_LEASE) {
		msg.type = MH_TYPE_DHOA_REQ;
		msg.u.dreq.seq = m->seq;
		msg.u.dreq.cont_type = CONT_SESSION_LASTING;
		msg.u.dreq.lifetime = LEASE_UNITS;
		msg.u.dreq.hoa = m->hoa;
		msg.u.dreq.coa = g->coa;
	} else {
		msg.type = MH_TYPE_DHP_BU;
		msg.u.dbu.seq = m->seq;
		msg.u.dbu.flags = DHP_BU_F_A;
		msg.u.dbu.lifetime = DHP_BU_UNITS;
		msg.u.dbu.dhoa = m->dhoa;
		msg.u.dbu.coa = g->coa;
		msg.opt.present = MHO_HOA;
		msg.opt.hoa = m->hoa;
	}
	msg.opt.present |= MHO_MESGID | MHO_AUTH;
	msg.opt.mesgid = *mesgid = next_mesgid(m, &g->slots[slot], slot);
	msg.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	msg.opt.auth_spi = m->spi;
	msg.opt.auth_mac_len = (uint8_t)auth_alg_mac_len(sa.alg);
	if ((len = mh_build(&msg, buf, cap, &aoff)) < 0)
		die("mh_build: %s", mh_strerror((int)len));
	sa.spi = m->spi;
	if (mh_auth_sign(buf, (size_t)len, aoff, &sa, &g->coa, &m->hoa) != 0)
		die("signing failed");
	return len;
}

static void
flush(struct gen *g)
{
	unsigned done = 0;
	int r;

	while (done < g->ntx) {
		r = sendmmsg(g->fd, g->txm + done, g->ntx - done, 0);
		if (r > 0) {
			done += (unsigned)r;
			continue;
		}
		if (r == -1 && (errno == EAGAIN || errno == ENOBUFS ||
		    errno == EINTR)) {
			struct pollfd p = { .fd = g->fd, .events = POLLOUT };

			(void)poll(&p, 1, 10);
			continue;
		}
		die("sendmmsg: %s", strerror(errno));
	}
	g->ntx = 0;
}

/* Queue one message for MN mi. false when no slot is free. */
static bool
send_one(struct gen *g, uint32_t mi)
{
	uint64_t mesgid;
	uint32_t s;
	ssize_t len;

	if (g->nfree == 0)
		return false;
	s = g->freel[--g->nfree];
	len = build(g, mi, s, g->txbuf[g->ntx], sizeof(g->txbuf[0]), &mesgid);
	g->txiov[g->ntx].iov_len = (size_t)len;
	g->slots[s].mesgid = mesgid;
	g->slots[s].mn = mi;
	g->slots[s].t_ns = mono_ns();
	g->mns[mi].busy = true;
	g->st.sent++;
	if (++g->ntx == BATCH)
		flush(g);
	return true;
}

/* The next MN with nothing in flight, round robin; false if none. */
static bool
next_mn(struct gen *g, uint32_t *mi)
{
	for (uint32_t k = 0; k < g->n; k++) {
		uint32_t i = g->rr;

		g->rr = (g->rr + 1) % g->n;
		if (!g->mns[i].busy && (g->mode == MODE_HA ||
		    g->kind == KIND_LEASE || g->mns[i].leased)) {
			*mi = i;
			return true;
		}
	}
	return false;
}

static void
slot_free(struct gen *g, uint32_t s)
{
	g->mns[g->slots[s].mn].busy = false;
	g->slots[s].mesgid = 0;
	g->freel[g->nfree++] = s;
}

static uint32_t
inflight(const struct gen *g)
{
	return g->nslots - g->nfree;
}

static void
lat_add(struct phase_stats *st, uint64_t ns)
{
	if (st->nlat == st->latcap) {
		size_t cap = st->latcap ? st->latcap * 2 : 65536;
		uint32_t *p = realloc(st->lat, cap * sizeof(*p));

		if (p == NULL)
			die("out of memory");
		st->lat = p;
		st->latcap = cap;
	}
	st->lat[st->nlat++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

/* One answer. */
static void
on_reply(struct gen *g, const uint8_t *buf, size_t len, uint64_t now)
{
	struct phase_stats *st = &g->st;
	struct mh_msg m;
	struct mn *mn;
	struct mh_sa sa;
	uint32_t s;
	int status;

	if (mh_parse(buf, len, &m) != MH_OK || !(m.opt.present & MHO_MESGID)) {
		st->unmatched++;
		return;
	}
	s = (uint32_t)(m.opt.mesgid & SLOT_MASK);
	if (s >= g->nslots || g->slots[s].mesgid != m.opt.mesgid) {
		st->unmatched++;	/* late, after its timeout */
		return;
	}
	switch (m.type) {
	case MH_TYPE_BA:
		status = m.u.ba.status;
		break;
	case MH_TYPE_DHOA_RESP:
		status = m.u.dresp.status;
		break;
	case MH_TYPE_DHP_BC:
		status = m.u.dbc.status;
		break;
	default:
		st->unmatched++;
		return;
	}
	mn = &g->mns[g->slots[s].mn];
	if (g->verify_every != 0 && g->nreplies++ % g->verify_every == 0) {
		sa = g->sa;
		sa.spi = mn->spi;
		st->verified++;
		if (mh_auth_verify(buf, len, &m.opt, &sa, &g->coa,
		    &mn->hoa) != 0)
			st->bad_auth++;
	}
	if (m.type == MH_TYPE_DHOA_RESP && !BA_STATUS_REJECTED(status)) {
		mn->dhoa = m.u.dresp.dhoa;
		mn->leased = true;
	}
	if (st->counting) {
		if (BA_STATUS_REJECTED(status)) {
			st->rejected++;
			if (st->first_reject < 0)
				st->first_reject = status;
		} else
			st->ok++;
		lat_add(st, now - g->slots[s].t_ns);
		st->last_ns = now;
		st->ans_bytes += len;
	}
	slot_free(g, s);
}

static void
drain(struct gen *g)
{
	uint64_t now;
	int r;

	for (;;) {
		for (unsigned i = 0; i < BATCH; i++)
			g->rxm[i].msg_hdr.msg_flags = 0;
		r = recvmmsg(g->fd, g->rxm, BATCH, MSG_DONTWAIT, NULL);
		if (r <= 0) {
			if (r == -1 && errno != EAGAIN && errno != EINTR)
				die("recvmmsg: %s", strerror(errno));
			return;
		}
		now = mono_ns();
		for (int i = 0; i < r; i++)
			on_reply(g, g->rxbuf[i], g->rxm[i].msg_len, now);
	}
}

/* Messages unanswered for the timeout are lost; their MN may go on. */
static void
expire(struct gen *g, uint64_t now)
{
	for (uint32_t s = 0; s < g->nslots; s++)
		if (g->slots[s].mesgid != 0 && now > g->slots[s].t_ns &&
		    now - g->slots[s].t_ns > g->timeout_ns) {
			g->st.lost++;
			slot_free(g, s);
		}
}

static void
wait_io(struct gen *g, uint64_t ns)
{
	struct pollfd p = { .fd = g->fd, .events = POLLIN };
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u),
	    .tv_nsec = (long)(ns % 1000000000u) };

	if (ppoll(&p, 1, &ts, NULL) == -1 && errno != EINTR)
		die("ppoll: %s", strerror(errno));
}

/* ---- phases --------------------------------------------------------- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_us(const struct phase_stats *st, double p)
{
	size_t i;

	if (st->nlat == 0)
		return 0;
	i = (size_t)(p * (double)(st->nlat - 1) + 0.5);
	return st->lat[i] / 1000.0;
}

struct phase_clock {
	uint64_t	t0, cpu0, rcpu0;
};

static void
phase_begin(struct gen *g, enum kind k, struct phase_clock *c)
{
	free(g->st.lat);
	memset(&g->st, 0, sizeof(g->st));
	g->st.first_reject = -1;
	g->st.counting = true;
	g->kind = k;
	c->t0 = mono_ns();
	c->cpu0 = self_cpu_ns();
	c->rcpu0 = resp_cpu_ns(g->resp_pid);
}

/* Print the phase line; returns the rate. secs: the measured span. */
static double
phase_end(struct gen *g, const char *name, double target,
    const struct phase_clock *c, double secs, uint64_t wall_ns)
{
	struct phase_stats *st = &g->st;
	double rate = secs > 0 ? (double)st->ok / secs : 0;
	double gcpu = wall_ns ? (double)(self_cpu_ns() - c->cpu0) /
	    (double)wall_ns : 0;
	uint64_t rcpu = resp_cpu_ns(g->resp_pid) - c->rcpu0;
	uint64_t answered = st->ok + st->rejected;

	qsort(st->lat, st->nlat, sizeof(*st->lat), cmp_u32);
	printf("phase %s target %.0f sent %" PRIu64 " ok %" PRIu64
	    " rejected %" PRIu64 " lost %" PRIu64 " skipped %" PRIu64
	    " secs %.3f rate %.1f p50_us %.1f p90_us %.1f p99_us %.1f"
	    " max_us %.1f verified %" PRIu64 " bad_auth %" PRIu64
	    " first_reject %d unmatched %" PRIu64 " gen_cpu %.2f"
	    " lost_pct %.2f ans_bytes %.0f",
	    name, target, st->sent, st->ok, st->rejected, st->lost,
	    st->skipped, secs, rate, pct_us(st, 0.50), pct_us(st, 0.90),
	    pct_us(st, 0.99), st->nlat ? st->lat[st->nlat - 1] / 1000.0 : 0,
	    st->verified, st->bad_auth, st->first_reject, st->unmatched,
	    gcpu, st->sent ? 100.0 * (double)st->lost / (double)st->sent : 0,
	    answered ? (double)st->ans_bytes / (double)answered : 0);
	if (g->resp_pid > 0)
		printf(" resp_cpu_us %.2f resp_util %.2f resp_rss_kb %ld",
		    answered ? (double)rcpu / 1000.0 / (double)answered : 0,
		    wall_ns ? (double)rcpu / (double)wall_ns : 0,
		    resp_rss_kb(g->resp_pid));
	printf("\n");
	fflush(stdout);
	return rate;
}

/* Wait for what is in flight (answered or lost). */
static void
settle(struct gen *g)
{
	uint64_t now;

	flush(g);
	while (inflight(g) > 0) {
		wait_io(g, 10000000);
		drain(g);
		now = mono_ns();
		expire(g, now);
	}
}

/* One message per MN, W in flight: lease or register. */
static double
phase_each(struct gen *g, const char *name, enum kind k)
{
	struct phase_clock c;
	uint32_t next = 0;
	uint64_t last;

	phase_begin(g, k, &c);
	while (next < g->n || inflight(g) > 0) {
		while (next < g->n && inflight(g) < g->window) {
			if (k == KIND_BIND && g->mode == MODE_DHP &&
			    !g->mns[next].leased) {
				g->st.skipped++;
				next++;
				continue;
			}
			if (!send_one(g, next))
				break;
			next++;
		}
		flush(g);
		wait_io(g, 10000000);
		drain(g);
		expire(g, mono_ns());
	}
	/* Up to the last answer: waiting out lost ones does not count. */
	last = g->st.last_ns ? g->st.last_ns : mono_ns();
	return phase_end(g, name, 0, &c, (double)(last - c.t0) / 1e9,
	    last - c.t0);
}

/* Closed loop for secs with W in flight. */
static double
phase_closed(struct gen *g, const char *name, double secs)
{
	struct phase_clock c;
	uint64_t end, now, last_exp;
	uint32_t mi;
	double rate;

	phase_begin(g, KIND_BIND, &c);
	end = c.t0 + (uint64_t)(secs * 1e9);
	last_exp = c.t0;
	for (now = c.t0; now < end; now = mono_ns()) {
		while (inflight(g) < g->window && next_mn(g, &mi))
			if (!send_one(g, mi))
				break;
		flush(g);
		wait_io(g, 1000000);
		drain(g);
		if (now - last_exp > 50000000) {
			expire(g, now);
			last_exp = now;
		}
	}
	g->st.counting = false;
	rate = phase_end(g, name, 0, &c, secs, end - c.t0);
	settle(g);
	return rate;
}

/* Open loop: one message every 1/rate s for secs. */
static double
phase_open(struct gen *g, const char *name, double rate, double secs)
{
	struct phase_clock c;
	uint64_t end, now, next, last_exp, interval;
	uint32_t mi;

	if (rate < 1)
		rate = 1;
	interval = (uint64_t)(1e9 / rate);
	phase_begin(g, KIND_BIND, &c);
	end = c.t0 + (uint64_t)(secs * 1e9);
	next = last_exp = c.t0;
	for (now = c.t0; now < end; now = mono_ns()) {
		while (next <= now && next < end) {
			if (!next_mn(g, &mi) || !send_one(g, mi))
				g->st.skipped++;
			next += interval;
		}
		flush(g);
		drain(g);
		if (now - last_exp > 50000000) {
			expire(g, now);
			last_exp = now;
		}
		now = mono_ns();
		if (next > now)
			wait_io(g, next - now);
	}
	/* Answers to messages sent in time still count. */
	settle(g);
	return phase_end(g, name, rate, &c, secs, end - c.t0);
}

/* ---- set-up --------------------------------------------------------- */

static void
gen_open(struct gen *g)
{
	char err[256];
	int big = 8 << 20;

	if ((g->sock = mhsock_open(MH_TRANSPORT_RAW, &g->coa, 0, err,
	    sizeof(err))) == NULL)
		die("%s", err);
	g->fd = mhsock_fd(g->sock);
	/* Bursts of W answers must not overflow the default buffers. */
	(void)setsockopt(g->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	(void)setsockopt(g->fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	memset(&g->to, 0, sizeof(g->to));
	g->to.sin6_family = AF_INET6;
	g->to.sin6_addr = g->dst;
	for (unsigned i = 0; i < BATCH; i++) {
		g->txiov[i].iov_base = g->txbuf[i];
		memset(&g->txm[i], 0, sizeof(g->txm[i]));
		g->txm[i].msg_hdr.msg_name = &g->to;
		g->txm[i].msg_hdr.msg_namelen = sizeof(g->to);
		g->txm[i].msg_hdr.msg_iov = &g->txiov[i];
		g->txm[i].msg_hdr.msg_iovlen = 1;
		g->rxiov[i].iov_base = g->rxbuf[i];
		g->rxiov[i].iov_len = sizeof(g->rxbuf[i]);
		memset(&g->rxm[i], 0, sizeof(g->rxm[i]));
		g->rxm[i].msg_hdr.msg_iov = &g->rxiov[i];
		g->rxm[i].msg_hdr.msg_iovlen = 1;
	}
}

static void
gen_slots(struct gen *g, uint32_t want)
{
	uint32_t n = 1;

	while (n < want)
		n <<= 1;
	g->nslots = n;
	if ((g->slots = calloc(n, sizeof(*g->slots))) == NULL ||
	    (g->freel = calloc(n, sizeof(*g->freel))) == NULL)
		die("out of memory");
	for (uint32_t i = 0; i < n; i++)
		g->freel[i] = n - 1 - i;
	g->nfree = n;
}

struct run_opts {
	const char	*phases;
	double		 secs;
	const char	*rates[MAX_OPEN];
	unsigned	 nrates;
};

static bool
has_phase(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p != NULL && *p != '\0';) {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return false;
}

static int
cmd_run(struct gen *g, const struct run_opts *o)
{
	double closed = 0, r;
	char name[48];
	int rc = 0;

	if (g->mode == MODE_DHP && has_phase(o->phases, "lease"))
		phase_each(g, "lease", KIND_LEASE);
	if (has_phase(o->phases, "register"))
		phase_each(g, "register", KIND_BIND);
	if (has_phase(o->phases, "refresh")) {
		closed = phase_closed(g, "refresh", o->secs);
		if (closed <= 0)
			rc = 1;
	}
	if (has_phase(o->phases, "open"))
		for (unsigned i = 0; i < o->nrates; i++) {
			size_t l = strlen(o->rates[i]);

			if (l > 0 && o->rates[i][l - 1] == 'x') {
				char tmp[32];

				snprintf(tmp, sizeof(tmp), "%.*s", (int)(l - 1),
				    o->rates[i]);
				r = num(tmp, 0.001, 100) * closed;
				snprintf(name, sizeof(name), "open@%sx", tmp);
			} else {
				r = num(o->rates[i], 1, 1e7);
				snprintf(name, sizeof(name), "open@%.0f", r);
			}
			if (r < 1) {
				printf("phase %s skipped (no closed-loop rate)"
				    "\n", name);
				rc = 1;
				continue;
			}
			if (phase_open(g, name, r, o->secs) <= 0)
				rc = 1;
		}
	return rc;
}

static void
gen_free(struct gen *g)
{
	free(g->st.lat);
	free(g->slots);
	free(g->freel);
	free(g->mns);
	sa_clear(&g->sa);
	mhsock_close(g->sock);
	free(g);
}

int
main(int argc, char **argv)
{
	struct gen *g;
	struct run_opts o;
	struct in6_addr hoa0;
	uint8_t key[AUTH_KEY_MAX];
	size_t klen = 0;
	uint32_t spi0 = 4096, n = 0;
	const char *keyfile = "bench.key", *cmd;
	bool has_s = false, has_d = false;
	enum mode mode;
	int ch, rc;

	if (argc < 3)
		usage();
	cmd = argv[1];
	if (strcmp(argv[2], "had") == 0)
		mode = MODE_HA;
	else if (strcmp(argv[2], "dhp") == 0)
		mode = MODE_DHP;
	else
		usage();
	if ((g = calloc(1, sizeof(*g))) == NULL)
		die("out of memory");
	memset(&o, 0, sizeof(o));
	o.secs = 3;
	g->mode = mode;
	g->window = 64;
	g->timeout_ns = 1000000000u;
	g->verify_every = 16;
	addr_arg("2001:db8:10::1:0", &hoa0);
	optind = 3;
	while ((ch = getopt(argc, argv, "n:H:S:k:s:d:K:w:t:r:p:P:V:T:")) != -1) {
		switch (ch) {
		case 'n':
			n = (uint32_t)num(optarg, 1, 1 << 24);
			break;
		case 'H':
			addr_arg(optarg, &hoa0);
			break;
		case 'S':
			spi0 = (uint32_t)num(optarg, AUTH_SPI_MIN, 4e9);
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 's':
			addr_arg(optarg, &g->coa);
			has_s = true;
			break;
		case 'd':
			addr_arg(optarg, &g->dst);
			has_d = true;
			break;
		case 'K':
			klen = key_hex(optarg, key);
			break;
		case 'w':
			g->window = (uint32_t)num(optarg, 1, MAX_WINDOW);
			break;
		case 't':
			o.secs = num(optarg, 0.05, 3600);
			break;
		case 'r':
			if (o.nrates == MAX_OPEN)
				usage();
			o.rates[o.nrates++] = optarg;
			break;
		case 'p':
			o.phases = optarg;
			break;
		case 'P':
			g->resp_pid = (pid_t)num(optarg, 1, 1 << 30);
			break;
		case 'V':
			g->verify_every = (unsigned)num(optarg, 0, 1 << 30);
			break;
		case 'T':
			g->timeout_ns = (uint64_t)num(optarg, 1, 60000) *
			    1000000u;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || n == 0)
		usage();
	if (strcmp(cmd, "conf") == 0) {
		free(g);
		return cmd_conf(mode, n, &hoa0, spi0, keyfile);
	}
	if (strcmp(cmd, "run") != 0 || !has_s || !has_d || klen == 0)
		usage();
	if (o.phases == NULL)
		o.phases = "lease,register,refresh,open";
	if (o.nrates == 0)
		o.rates[o.nrates++] = "0.5x";
	if (sa_init(&g->sa, spi0, AUTH_ALG_HMAC_SHA256_128, key, klen) == -1)
		die("the key must be 32 bytes (hmac-sha256-128)");
	explicit_bzero(key, sizeof(key));
	if ((g->mns = calloc(n, sizeof(*g->mns))) == NULL)
		die("out of memory");
	g->n = n;
	for (uint32_t i = 0; i < n; i++) {
		g->mns[i].hoa = addr_plus(&hoa0, i);
		g->mns[i].spi = spi0 + i;
	}
	if (g->window > n)
		g->window = n;
	/* Open loop may have more in flight than the window. */
	gen_slots(g, MAX_WINDOW * 4 < n ? MAX_WINDOW * 4 : n);
	if (g->nslots > (1u << SLOT_BITS))
		die("too many slots");
	/* Wake-ups of the open loop on time, not 50 us late. */
	(void)prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	gen_open(g);
	rc = cmd_run(g, &o);
	gen_free(g);
	return rc;
}
