/*
 * mem_bench.c: memory per binding of had and dhpd at 10^5 and 10^6
 * bindings (issue 7), measured on the pure engines in-process: the
 * engine is given N configured mobile nodes, then one signed message
 * per MN, built and parsed with the common codec exactly as on the
 * wire; the heap in use (mallinfo2: arena + mmapped bytes, chunk
 * headers included) and the RSS are read between the steps.
 *
 *   mem_bench [-n N]... [ha|dhp|all]      (default: -n 100000 -n 1000000 all)
 *
 * had (ha/ha_engine, ha/bcache):
 *   conf     struct had_mn per MN (the daemon keeps its config)
 *   sa       one SA per MN in the SA table (key + keyed HMAC context)
 *   mn       the engine's MN table
 *   binding  one first registration per MN (skip_dad): a bcache entry,
 *            its hash bucket share and its timer slot
 *   refresh  a second BU per MN: must not grow (reported)
 * dhpd (dhp/dhp_engine, dhp/dhoa_pool): conf, sa and mn the same way,
 *   lease    one DHoA Request per MN (B = 0): the lease record
 *   binding  one DHP-BU per leased DHoA: the DHP binding on top
 *   refresh  a second DHP-BU per MN
 *
 * Output: one line per engine and N (heap figures are -1 under a
 * sanitizer, whose allocator mallinfo2() does not see),
 *   mem ha|dhp n N conf_B c sa_B s mn_B m [lease_B l] binding_B b
 *	binding_rss_B r refresh_B f first_per_s x refresh_per_s y
 * where *_B are bytes per MN (per binding for binding_B), binding_rss_B
 * the RSS growth per binding, and the rates the engine's own
 * throughput for those messages (verify + engine + signed answer, no
 * I/O; the messages are built beforehand, outside the timing).
 * Exit 0, or 1 when a message was not accepted.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "conf.h"
#include "dhp_engine.h"
#include "dmip_proto.h"
#include "ha_engine.h"
#include "log.h"
#include "mh.h"

#define MAX_N		8
#define SPI0		4096
#define MSG_CAP		160	/* a BU / DHoA Request / DHP-BU fits */

static const uint8_t bench_key[32] = {
	0x76, 0x45, 0xc9, 0x37, 0x57, 0x11, 0x3a, 0x6d,
	0x22, 0x44, 0xb7, 0xca, 0x4d, 0xe2, 0x9e, 0x7d,
	0xf5, 0x5b, 0xb6, 0x57, 0x49, 0x9c, 0x03, 0xb9,
	0xd7, 0x89, 0xe5, 0x88, 0xb2, 0xb6, 0xc5, 0x7f,
};

/* Pre-built messages: the bytes and their length. */
struct msgs {
	uint8_t		*buf;		/* n * MSG_CAP */
	uint16_t	*len;
};

static struct in6_addr	hoa0, coa, dhp_addr;
static struct mh_sa	gen_sa;		/* the generator's; spi per MN */

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "mem_bench: %s\n", what);
	exit(1);
}

static bool	heap_known = true;	/* false under ASan (no mallinfo2) */

static int64_t
heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (int64_t)(mi.uordblks + mi.hblkhd);
}

/* A sanitizer's allocator leaves mallinfo2() at zero: then every
 * heap figure is printed as -1 (the RSS ones still mean something). */
static void
heap_probe(void)
{
	int64_t before = heap_bytes();
	void *p = malloc(1 << 20);

	heap_known = p != NULL && heap_bytes() - before >= (1 << 20);
	free(p);
}

static int64_t
rss_bytes(void)
{
	long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = 0;
	fclose(f);
	return (int64_t)res * sysconf(_SC_PAGESIZE);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
per(int64_t bytes, size_t n)
{
	return n ? (double)bytes / (double)n : 0;
}

/* Bytes per MN of a heap difference, or -1 when unknown. */
static double
hper(int64_t bytes, size_t n)
{
	return heap_known ? per(bytes, n) : -1;
}

static struct in6_addr
hoa_of(uint32_t i)
{
	struct in6_addr a = hoa0;
	uint32_t v;

	memcpy(&v, &a.s6_addr[12], 4);
	v = htonl(ntohl(v) + i);
	memcpy(&a.s6_addr[12], &v, 4);
	return a;
}

/* ---- messages ------------------------------------------------------- */

static void
msgs_alloc(struct msgs *m, size_t n)
{
	if ((m->buf = malloc(n * MSG_CAP)) == NULL ||
	    (m->len = malloc(n * sizeof(*m->len))) == NULL)
		die("out of memory");
}

static void
msgs_free(struct msgs *m)
{
	free(m->buf);
	free(m->len);
	memset(m, 0, sizeof(*m));
}

/* Sign msg for MN i (CoA || HoA, B.8) into slot i of m. */
static void
put(struct msgs *m, size_t i, struct mh_msg *msg, const struct in6_addr *hoa)
{
	uint8_t *p = m->buf + i * MSG_CAP;
	struct mh_sa sa = gen_sa;
	size_t aoff = 0;
	ssize_t len;

	msg->opt.present |= MHO_MESGID | MHO_AUTH;
	msg->opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	msg->opt.auth_spi = sa.spi = SPI0 + (uint32_t)i;
	msg->opt.auth_mac_len = 16;
	if ((len = mh_build(msg, p, MSG_CAP, &aoff)) < 0 ||
	    mh_auth_sign(p, (size_t)len, aoff, &sa, &coa, hoa) != 0)
		die("cannot build a message");
	m->len[i] = (uint16_t)len;
}

static void
build_bus(struct msgs *m, size_t n, uint16_t seq, uint64_t ntp)
{
	struct mh_msg msg;

	for (size_t i = 0; i < n; i++) {
		struct in6_addr h = hoa_of((uint32_t)i);

		memset(&msg, 0, sizeof(msg));
		msg.type = MH_TYPE_BU;
		msg.u.bu.seq = seq;
		msg.u.bu.flags = BU_F_A | BU_F_H;
		msg.u.bu.lifetime = 150;
		msg.opt.present = MHO_HOA;
		msg.opt.hoa = h;
		msg.opt.mesgid = ntp + i;
		put(m, i, &msg, &h);
	}
}

static void
build_dhp(struct msgs *m, size_t n, bool lease, uint16_t seq, uint64_t ntp,
    const struct in6_addr *dhoas)
{
	struct mh_msg msg;

	for (size_t i = 0; i < n; i++) {
		struct in6_addr h = hoa_of((uint32_t)i);

		memset(&msg, 0, sizeof(msg));
		if (lease) {
			msg.type = MH_TYPE_DHOA_REQ;
			msg.u.dreq.seq = seq;
			msg.u.dreq.cont_type = CONT_SESSION_LASTING;
			msg.u.dreq.lifetime = 150;
			msg.u.dreq.hoa = h;
			msg.u.dreq.coa = coa;
		} else {
			msg.type = MH_TYPE_DHP_BU;
			msg.u.dbu.seq = seq;
			msg.u.dbu.flags = DHP_BU_F_A;
			msg.u.dbu.lifetime = 75;
			msg.u.dbu.dhoa = dhoas[i];
			msg.u.dbu.coa = coa;
			msg.opt.present = MHO_HOA;
			msg.opt.hoa = h;
		}
		msg.opt.mesgid = ntp + i;
		put(m, i, &msg, &h);
	}
}

static struct sa_table *
make_sas(size_t n)
{
	struct sa_table *t = sa_table_new();
	struct mh_sa sa;

	if (t == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		if (sa_init(&sa, SPI0 + (uint32_t)i, AUTH_ALG_HMAC_SHA256_128,
		    bench_key, sizeof(bench_key)) == -1)
			die("SA set-up failed");
		/* The messages are built before they are fed: a wide
		 * MESG-ID window keeps them fresh at 10^6. */
		sa.window_s = 3600;
		if (sa_table_add(t, &sa) == -1)
			die("SA set-up failed");
	}
	return t;
}

/* ---- had ------------------------------------------------------------ */

/* Feed every message to the engine; the answers are encoded as had
 * does. Returns messages per second; *bad counts unexpected outcomes. */
static double
ha_feed(struct ha_engine *e, const struct msgs *m, size_t n,
    enum ha_act_kind want, bool want_action, size_t *bad)
{
	uint8_t out[MH_MAX_LEN];
	struct ha_result res;
	struct mh_msg msg;
	struct ha_rx rx;
	double t = 0, t0;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = m->buf + i * MSG_CAP;

		memset(&rx, 0, sizeof(rx));
		rx.raw = p;
		rx.len = m->len[i];
		rx.src = coa;
		rx.dst = dhp_addr;
		rx.now = 1000;
		rx.now_ntp = ntp_now();
		rx.msg = &msg;
		t0 = now_s();
		if (mh_parse(p, m->len[i], &msg) != MH_OK ||
		    ha_engine_input(e, &rx, &res) != HA_V_ACCEPTED ||
		    res.has_action != want_action ||
		    (want_action && res.action.kind != want) ||
		    !res.has_reply ||
		    ha_reply_encode(&res.reply, out, sizeof(out)) < 0)
			(*bad)++;
		t += now_s() - t0;
	}
	return t > 0 ? (double)n / t : 0;
}

static int
bench_ha(size_t n)
{
	struct had_conf c;
	struct sa_table *sas;
	struct ha_engine *e;
	struct msgs m1, m2;
	int64_t h0, h1, h2, h3, h4, h5, r3, r4;
	double first, refresh;
	size_t bad = 0;
	uint64_t ntp = ntp_now();

	/* The generator's messages first, outside the measurements. */
	msgs_alloc(&m1, n);
	msgs_alloc(&m2, n);
	build_bus(&m1, n, 1, ntp);
	build_bus(&m2, n, 2, ntp + n);
	malloc_trim(0);

	h0 = heap_bytes();
	memset(&c, 0, sizeof(c));
	inet_pton(AF_INET6, "2001:db8:10::", &c.home_prefix.addr);
	c.home_prefix.len = 64;
	c.max_lifetime = 600;
	c.validity = 300;
	c.skip_dad = true;
	if ((c.mns = calloc(n, sizeof(*c.mns))) == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		snprintf(c.mns[i].name, sizeof(c.mns[i].name), "m%zu", i);
		c.mns[i].home_address = hoa_of((uint32_t)i);
		c.mns[i].spi = SPI0 + (uint32_t)i;
	}
	c.nmns = n;
	h1 = heap_bytes();
	sas = make_sas(n);
	h2 = heap_bytes();
	if ((e = ha_engine_new(&c, sas)) == NULL)
		die("ha_engine_new");
	h3 = heap_bytes();
	r3 = rss_bytes();
	first = ha_feed(e, &m1, n, HA_ACT_BIND_ADD, true, &bad);
	h4 = heap_bytes();
	r4 = rss_bytes();
	if (bcache_count(ha_engine_bcache(e)) != n)
		bad++;
	refresh = ha_feed(e, &m2, n, HA_ACT_BIND_ADD, false, &bad);
	h5 = heap_bytes();
	printf("mem ha n %zu conf_B %.1f sa_B %.1f mn_B %.1f binding_B %.1f "
	    "binding_rss_B %.1f refresh_B %.1f first_per_s %.0f "
	    "refresh_per_s %.0f bad %zu\n", n, hper(h1 - h0, n),
	    hper(h2 - h1, n), hper(h3 - h2, n), hper(h4 - h3, n),
	    per(r4 - r3, n), hper(h5 - h4, n), first, refresh, bad);
	fflush(stdout);
	ha_engine_free(e);
	sa_table_free(sas);
	free(c.mns);
	msgs_free(&m1);
	msgs_free(&m2);
	malloc_trim(0);
	return bad ? 1 : 0;
}

/* ---- dhpd ----------------------------------------------------------- */

static double
dhp_feed(struct dhp_engine *e, const struct msgs *m, size_t n, bool lease,
    bool want_action, struct in6_addr *dhoas, size_t *bad)
{
	uint8_t out[MH_MAX_LEN];
	struct dhp_result res;
	struct mh_msg msg;
	struct dhp_rx rx;
	double t = 0, t0;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = m->buf + i * MSG_CAP;
		bool ok;

		memset(&rx, 0, sizeof(rx));
		rx.raw = p;
		rx.len = m->len[i];
		rx.src = coa;
		rx.dst = dhp_addr;
		rx.now = 1000;
		rx.now_ntp = ntp_now();
		rx.msg = &msg;
		t0 = now_s();
		ok = mh_parse(p, m->len[i], &msg) == MH_OK &&
		    dhp_engine_input(e, &rx, &res) == DHP_V_ACCEPTED &&
		    res.has_action == want_action && res.has_reply &&
		    dhp_reply_encode(&res.reply, out, sizeof(out)) >= 0;
		t += now_s() - t0;
		if (!ok)
			(*bad)++;
		else if (lease)
			dhoas[i] = res.reply.msg.u.dresp.dhoa;
	}
	return t > 0 ? (double)n / t : 0;
}

static int
bench_dhp(size_t n)
{
	static struct conf_prefix pool;
	struct dhpd_conf c;
	struct sa_table *sas;
	struct dhp_engine *e;
	struct in6_addr *dhoas;
	struct msgs m0, m1, m2;
	int64_t h0, h1, h2, h3, h4, h5, h6, r5;
	double lease, first, refresh;
	size_t bad = 0;
	uint64_t ntp = ntp_now();

	if ((dhoas = calloc(n, sizeof(*dhoas))) == NULL)
		die("out of memory");
	msgs_alloc(&m0, n);
	msgs_alloc(&m1, n);
	msgs_alloc(&m2, n);
	build_dhp(&m0, n, true, 1, ntp, NULL);
	malloc_trim(0);

	h0 = heap_bytes();
	memset(&c, 0, sizeof(c));
	c.address = dhp_addr;
	inet_pton(AF_INET6, "2001:db8:d1::", &pool.addr);
	pool.len = 64;
	c.pools = &pool;
	c.npools = 1;
	c.lease_lifetime = 600;
	c.binding_lifetime = 300;
	c.quarantine = 120;
	c.max_leases = (unsigned)n;
	c.continuity[CONT_SESSION_LASTING] = true;
	c.continuity[CONT_GRACEFUL] = true;
	if ((c.mns = calloc(n, sizeof(*c.mns))) == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		snprintf(c.mns[i].name, sizeof(c.mns[i].name), "m%zu", i);
		c.mns[i].home_address = hoa_of((uint32_t)i);
		c.mns[i].spi = SPI0 + (uint32_t)i;
	}
	c.nmns = n;
	h1 = heap_bytes();
	sas = make_sas(n);
	h2 = heap_bytes();
	if ((e = dhp_engine_new(&c, sas, 0x5eed)) == NULL)
		die("dhp_engine_new");
	h3 = heap_bytes();
	lease = dhp_feed(e, &m0, n, true, false, dhoas, &bad);
	h4 = heap_bytes();
	/* The DHP-BUs name the DHoAs just leased; built now, so their
	 * buffers (allocated before h0) do not count. */
	build_dhp(&m1, n, false, 2, ntp + n, dhoas);
	build_dhp(&m2, n, false, 3, ntp + 2 * n, dhoas);
	h5 = heap_bytes();
	r5 = rss_bytes();
	first = dhp_feed(e, &m1, n, false, true, NULL, &bad);
	h6 = heap_bytes();
	if (dhp_engine_bindings(e) != n)
		bad++;
	refresh = dhp_feed(e, &m2, n, false, false, NULL, &bad);
	printf("mem dhp n %zu conf_B %.1f sa_B %.1f mn_B %.1f lease_B %.1f "
	    "binding_B %.1f binding_rss_B %.1f refresh_B %.1f "
	    "lease_per_s %.0f first_per_s %.0f refresh_per_s %.0f bad %zu\n",
	    n, hper(h1 - h0, n), hper(h2 - h1, n), hper(h3 - h2, n),
	    hper(h4 - h3, n), hper(h6 - h5, n), per(rss_bytes() - r5, n),
	    hper(heap_bytes() - h6, n), lease, first, refresh, bad);
	fflush(stdout);
	dhp_engine_free(e);
	sa_table_free(sas);
	free(c.mns);
	free(dhoas);
	msgs_free(&m0);
	msgs_free(&m1);
	msgs_free(&m2);
	malloc_trim(0);
	return bad ? 1 : 0;
}

int
main(int argc, char **argv)
{
	size_t ns[MAX_N], nn = 0;
	const char *what = "all";
	int ch, rc = 0;

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		switch (ch) {
		case 'n':
			if (nn == MAX_N)
				die("too many -n");
			ns[nn] = strtoul(optarg, NULL, 10);
			if (ns[nn] == 0 || ns[nn] > 4000000)
				die("-n: 1..4000000");
			nn++;
			break;
		default:
			fprintf(stderr, "usage: mem_bench [-n N]... "
			    "[ha|dhp|all]\n");
			return 2;
		}
	}
	if (optind < argc)
		what = argv[optind++];
	if (optind != argc || (strcmp(what, "ha") != 0 &&
	    strcmp(what, "dhp") != 0 && strcmp(what, "all") != 0)) {
		fprintf(stderr, "usage: mem_bench [-n N]... [ha|dhp|all]\n");
		return 2;
	}
	if (nn == 0) {
		ns[nn++] = 100000;
		ns[nn++] = 1000000;
	}
	log_init("mem_bench", 1, LOG_LVL_WARN);
	heap_probe();
	inet_pton(AF_INET6, "2001:db8:10::1:0", &hoa0);
	inet_pton(AF_INET6, "2001:db8:1::2", &coa);
	inet_pton(AF_INET6, "2001:db8:f::11", &dhp_addr);
	if (sa_init(&gen_sa, SPI0, AUTH_ALG_HMAC_SHA256_128, bench_key,
	    sizeof(bench_key)) == -1)
		die("sa_init");
	for (size_t i = 0; i < nn; i++) {
		if (strcmp(what, "dhp") != 0)
			rc |= bench_ha(ns[i]);
		if (strcmp(what, "ha") != 0)
			rc |= bench_dhp(ns[i]);
	}
	sa_clear(&gen_sa);
	return rc;
}
