/*
 * seeds.c: the seed inputs of every fuzz target (fuzz.h fuzz_seeds()),
 * made from what the unit tests already hold as golden data:
 *
 *   - MH targets: the hand-written Mobility Headers of
 *     tests/unit/mh_golden.h (every type, the B.8 vectors);
 *   - dhcp6: the hex messages of tests/unit/test_dhcp6.c, read from the
 *     source at run time (a copy of the D.3 Solicit if it is missing);
 *   - conf_*: tests/conf/DAEMON-*.conf and etc/DAEMON.conf, plus a valid
 *     config of each kind;
 *   - pktparse, dad_nd: IPv6 packets and NS/NA messages written here;
 *   - ha_engine, movement, bul: event sequences written here in each
 *     target's input format (registration, refresh, move, DHP Query,
 *     deregistration, DAD; handoffs A and B, return home, loss; BUL
 *     registration, refresh, resync, return home, shutdown);
 *   - dhcp6_ext: the dhcp6 seeds and the hex messages of
 *     tests/unit/test_dhcp6s.c (golden and malformed options);
 *   - state_had, state_dhpd: state files with every record kind at the
 *     seeds' time, and the record bodies and frames of
 *     tests/unit/test_had_state.c and test_statefile.c;
 *   - ctl_request: the requests of tests/unit/test_ctlsock.c, alone and
 *     pipelined, and the protocol's edge cases;
 *   - dhp_engine: lease, bind, refresh, move, release and expiry
 *     sequences, and the DHP goldens of mh_golden.h as raw MHs.
 *
 * gen_corpus.c writes them as files for libFuzzer; replay_main.c runs
 * them in `make check`. Nothing binary is committed for them.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../ha/dad.h"
#include "statefile.h"
#include "../tests/unit/mh_golden.h"

const char *const fuzz_target_names[] = {
	"mh_parse", "mh_roundtrip", "mh_types", "mh_auth", "dhcp6",
	"conf_mnd", "conf_had", "conf_dhpd", "ha_engine", "movement", "bul",
	"pktparse", "dad_nd", "dhcp6_ext", "state_had", "state_dhpd",
	"ctl_request", "dhp_engine", NULL,
};

struct sink {
	fuzz_seed_fn	 fn;
	void		*arg;
	size_t		 n;
};

static void
emit(struct sink *s, const char *name, const void *p, size_t len)
{
	s->fn(name, p, len, s->arg);
	s->n++;
}

static void
emit_fb(struct sink *s, const char *name, struct fbuf *b)
{
	emit(s, name, b->p, b->len);
	fbuf_free(b);
}

/* ---- Mobility Header seeds ------------------------------------------ */

static void
mh_goldens(struct sink *s)
{
	struct mh_msg m;

	for (size_t i = 0; i < NITEMS(goldens); i++) {
		golden_msg(&goldens[i], &m);	/* keeps the table honest */
		emit(s, goldens[i].name, goldens[i].bytes, goldens[i].len);
	}
	emit(s, "g_b8_sha1", g_b8_sha1, sizeof(g_b8_sha1));
	emit(s, "g_b8_sha256", g_b8_sha256, sizeof(g_b8_sha256));
}

/* fuzz_mh_types: the selector octet, then the MH from octet 3. */
static void
mh_types(struct sink *s)
{
	static const uint8_t order[] = { MH_TYPE_BRR, MH_TYPE_BU, MH_TYPE_BA,
		MH_TYPE_BE, MH_TYPE_DHP_QUERY, MH_TYPE_DHP_REPLY,
		MH_TYPE_DHOA_REQ, MH_TYPE_DHOA_RESP, MH_TYPE_DHP_BU,
		MH_TYPE_DHP_BC };
	char name[64];

	for (size_t i = 0; i < NITEMS(goldens); i++) {
		const struct golden *g = &goldens[i];
		struct fbuf b = { 0 };
		uint8_t sel = 0;

		while (sel < sizeof(order) && order[sel] != g->bytes[2])
			sel++;
		fbuf_u8(&b, sel);
		fbuf_put(&b, g->bytes + 3, g->len - 3);
		snprintf(name, sizeof(name), "types-%s", g->name);
		emit_fb(s, name, &b);
	}
}

/* fuzz_mh_auth: ctl octet, (CoA, HoA), MH. */
static void
mh_auth(struct sink *s)
{
	struct in6_addr coa = addr("2001:db8:2::100");
	struct in6_addr hoa = addr("2001:db8:1::100");
	static const struct {
		const char	*name;
		uint8_t		 ctl;
		const uint8_t	*mh;
		size_t		 len;
	} v[] = {
		{ "sha1", 0x00, g_b8_sha1, sizeof(g_b8_sha1) },
		{ "sha256", 0x01, g_b8_sha256, sizeof(g_b8_sha256) },
		{ "sha1-swapped", 0x02, g_b8_sha1, sizeof(g_b8_sha1) },
		{ "sha1-sign", 0x10, g_b8_sha1, sizeof(g_b8_sha1) },
		{ "sha256-sign", 0x11, g_b8_sha256, sizeof(g_b8_sha256) },
		{ "g_bu-sign-fix", 0x18, g_bu, sizeof(g_bu) },
		{ "g_dq-sign", 0x11, g_dq, sizeof(g_dq) },
		{ "g_dbu", 0x00, g_dbu, sizeof(g_dbu) },
	};
	struct fbuf b = { 0 };

	for (size_t i = 0; i < NITEMS(v); i++) {
		fbuf_u8(&b, v[i].ctl);
		fbuf_put(&b, v[i].mh, v[i].len);
		emit_fb(s, v[i].name, &b);
	}
	/* addresses from the input */
	fbuf_u8(&b, 0x05);
	fbuf_put(&b, &coa, 16);
	fbuf_put(&b, &hoa, 16);
	fbuf_put(&b, g_b8_sha256, sizeof(g_b8_sha256));
	emit_fb(s, "sha256-addrs", &b);
	/* opts from the input: AUTH, subtype 1, the SA's SPI, MAC 16 at
	 * the vector's offset, then the vector's bytes */
	fbuf_u8(&b, 0x21);
	fbuf_u8(&b, 1);
	fbuf_u8(&b, 1);
	fbuf_u8(&b, 1);
	fbuf_u8(&b, 16);
	fbuf_u16(&b, 33);
	fbuf_put(&b, g_b8_sha256 + 40, 16);
	fbuf_put(&b, g_b8_sha256, sizeof(g_b8_sha256));
	emit_fb(s, "lying-opts", &b);
}

/* ---- DHCPv6 seeds ------------------------------------------------------- */

static const char solicit_copy[] =
    "01123456" "0001000a00030001020000000001"
    "0019002e000000010000000000000000"
    "001a001e000000000000000040000000000000000000000000000000"
    "00fde9000102";

static void
emit_hex(struct sink *s, const char *name, const char *hex)
{
	struct fbuf b = { 0 };
	int hi = -1;

	for (; *hex != '\0'; hex++) {
		int v;

		if (!isxdigit((unsigned char)*hex))
			continue;
		v = isdigit((unsigned char)*hex) ? *hex - '0' :
		    tolower((unsigned char)*hex) - 'a' + 10;
		if (hi < 0)
			hi = v;
		else {
			fbuf_u8(&b, (uint8_t)(hi << 4 | v));
			hi = -1;
		}
	}
	emit_fb(s, name, &b);
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0, n;

	if (fp == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if ((text = realloc(text, cap)) == NULL)
				abort();
		}
		n = fread(text + len, 1, 4096, fp);
		len += n;
	} while (n > 0);
	fclose(fp);
	text[len] = '\0';
	return text;
}

/* The value of `#define name "..."` in text, or NULL. */
static const char *
find_define(const char *text, const char *name, size_t nlen, size_t *len)
{
	for (const char *p = strstr(text, "#define "); p != NULL;
	    p = strstr(p + 1, "#define ")) {
		const char *q = p + 8, *e;

		if (strncmp(q, name, nlen) != 0 ||
		    !isspace((unsigned char)q[nlen]))
			continue;
		if ((q = strchr(q + nlen, '"')) == NULL ||
		    (e = strchr(q + 1, '"')) == NULL)
			return NULL;
		*len = (size_t)(e - q - 1);
		return q + 1;
	}
	return NULL;
}

/*
 * `static const char NAME_hex[] = "..." MACRO "...";` in
 * test_dhcp6.c: string literals and macros naming string literals.
 */
static size_t
dhcp6_from_tests(struct sink *s, const char *srcdir)
{
	char path[4096], name[64];
	char *text, *p;
	size_t found = 0;

	snprintf(path, sizeof(path), "%s/tests/unit/test_dhcp6.c", srcdir);
	if ((text = slurp(path)) == NULL)
		return 0;
	for (p = strstr(text, "static const char "); p != NULL;
	    p = strstr(p + 1, "static const char ")) {
		char *id = p + 18, *end = strstr(id, "_hex[] =");
		struct fbuf hex = { 0 };

		if (end == NULL || (size_t)(end - id) >= sizeof(name) - 8 ||
		    strcspn(id, " \n[") != (size_t)(end - id) + 4)
			continue;
		snprintf(name, sizeof(name), "test_dhcp6-%.*s",
		    (int)(end - id), id);
		for (char *q = end + 8; *q != '\0' && *q != ';';) {
			if (*q == '"') {
				char *e = strchr(q + 1, '"');

				if (e == NULL)
					break;
				fbuf_put(&hex, q + 1, (size_t)(e - q - 1));
				q = e + 1;
			} else if (isupper((unsigned char)*q)) {
				size_t n = 0, vlen;
				const char *v;

				while (isalnum((unsigned char)q[n]) ||
				    q[n] == '_')
					n++;
				if ((v = find_define(text, q, n, &vlen)) !=
				    NULL)
					fbuf_put(&hex, v, vlen);
				q += n;
			} else
				q++;
		}
		fbuf_u8(&hex, 0);
		emit_hex(s, name, (const char *)hex.p);
		fbuf_free(&hex);
		found++;
	}
	free(text);
	return found;
}

static void
dhcp6(struct sink *s, const char *srcdir)
{
	if (srcdir == NULL || dhcp6_from_tests(s, srcdir) == 0)
		emit_hex(s, "solicit-copy", solicit_copy);
	emit_hex(s, "header-only", "07abcdef");
	/* Status Code with a long text and an unknown option */
	emit_hex(s, "status-long", "07000001 000d0050 0001"
	    "41414141414141414141414141414141414141414141414141414141414141"
	    "41414141414141414141414141414141414141414141414141414141414141"
	    "414141414141414141414141414141414141"
	    "12340002 abcd");
}

/* ---- config seeds ------------------------------------------------------- */

static const char mnd_min[] =
    "sa 4096 {\n\tkey_file = \"keys/good.key\"\n}\n"
    "sa 8192 {\n\talg = \"hmac-sha1-96\"\n\tkey_file = \"keys/sha1.key\"\n}\n"
    "home_address = \"2001:db8:10::100\"\n"
    "home_prefix = \"2001:db8:10::/64\"\n"
    "home_agent = \"2001:db8:f::10\"\nha_spi = 4096\nlifetime = 301\n"
    "interfaces = {\"mn0\", \"wlan0\"}\n"
    "dhp dhp1 {\n\taddress = \"2001:db8:f::11\"\n\tspi = 8192\n}\n"
    "policy web {\n\tproto = \"tcp\"\n\tdport = \"80-443\"\n"
    "\tdst = \"2001:db8:c1::/48\"\n\tuid = 1000\n\tdscp = 10\n"
    "\ttype = \"session-lasting\"\n}\n"
    "allow_fixed_groups = {\"wheel\"}\n";

static const char had_min[] =
    "replay = \"seq-only\"\ntimestamp_window = 30\n"
    "sa 4096 {\n\tkey_file = \"keys/good.key\"\n}\n"
    "sa 4097 {\n\tkey_file = \"keys/good2.key\"\n}\n"
    "address = \"2001:db8:f::10\"\nhome_prefix = \"2001:db8:10::/64\"\n"
    "home_interface = \"ha0\"\nmax_lifetime = 599\nskip_dad = true\n"
    "mobile_node mn1 {\n\thome_address = \"2001:db8:10::100\"\n"
    "\tspi = 4096\n\tnai = \"mn1@dmip.example\"\n}\n"
    "mobile_node mn2 {\n\thome_address = \"2001:db8:10::200\"\n"
    "\tspi = 4097\n}\n"
    "dhp dhp1 {\n\taddress = \"2001:db8:f::11\"\n"
    "\tserves = {\"2001:db8:c1::/48\", \"2001:db8:c2::/48\"}\n"
    "\tcolocated = true\n}\n";

static const char dhpd_min[] =
    "transport = \"udp\"\nudp_port = 6000\nbackend = \"tun\"\n"
    "sa 8192 {\n\tkey_file = \"keys/good.key\"\n}\n"
    "address = \"2001:db8:f::11\"\ninterface = \"dhp0\"\n"
    "pools = {\"2001:db8:d1::/64\", \"2001:db8:d2::/64\"}\n"
    "lease_lifetime = 601\nquarantine = 60\n"
    "continuity_types = {\"session-lasting\"}\n"
    "mobile_node mn1 {\n\thome_address = \"2001:db8:10::100\"\n"
    "\tspi = 8192\n}\n";

static size_t
conf_files(struct sink *s, const char *srcdir, const char *daemon)
{
	char path[4096], name[300];
	struct dirent *de;
	size_t n = 0, plen = strlen(daemon);
	char *text;
	DIR *d;

	snprintf(path, sizeof(path), "%s/etc/%s.conf", srcdir, daemon);
	if ((text = slurp(path)) != NULL) {
		snprintf(name, sizeof(name), "etc-%s.conf", daemon);
		emit(s, name, text, strlen(text));
		free(text);
		n++;
	}
	snprintf(path, sizeof(path), "%s/tests/conf", srcdir);
	if ((d = opendir(path)) == NULL)
		return n;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (strncmp(de->d_name, daemon, plen) != 0 ||
		    de->d_name[plen] != '-' || l < 5 ||
		    strcmp(de->d_name + l - 5, ".conf") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/tests/conf/%s", srcdir,
		    de->d_name);
		if ((text = slurp(path)) == NULL)
			continue;
		snprintf(name, sizeof(name), "tests-%s", de->d_name);
		emit(s, name, text, strlen(text));
		free(text);
		n++;
	}
	closedir(d);
	return n;
}

static void
conf(struct sink *s, const char *srcdir, const char *daemon,
    const char *min)
{
	if (srcdir != NULL)
		conf_files(s, srcdir, daemon);
	emit(s, "minimal.conf", min, strlen(min));
}

/* ---- ha_engine sequences (fuzz_ha_engine.c's input format) ----------- */

/* A BU: op 0, ctl1, ctl2, seq delta, flags ^ A|H, lifetime ^ 75, then
 * the MESG-ID delta (ctl2 bits 6-7 == 0). */
static void
ha_bu(struct fbuf *b, uint8_t ctl1, uint8_t ctl2, uint16_t flags_x,
    uint16_t life_x)
{
	fbuf_u8(b, 0);
	fbuf_u8(b, ctl1);
	fbuf_u8(b, ctl2);
	fbuf_u16(b, 0);
	fbuf_u16(b, flags_x);
	fbuf_u16(b, life_x);
	if ((ctl2 & 0x10) != 0)
		fbuf_u8(b, 1 << 5);	/* Alt-CoA 2001:db8:3::100 */
	if ((ctl2 >> 6) <= 1)
		fbuf_u16(b, 0);
	if ((ctl1 >> 6) == 1) {			/* which MAC bit to flip */
		fbuf_u8(b, 3);
		fbuf_u8(b, 5);
	}
}

static void
ha_dq(struct fbuf *b, uint8_t ctl1, uint8_t flags, uint8_t cn)
{
	fbuf_u8(b, 2);
	fbuf_u8(b, ctl1);
	fbuf_u8(b, 0);
	fbuf_u16(b, 9);		/* seq */
	fbuf_u8(b, flags);
	fbuf_u8(b, 0);		/* max_cand: default */
	fbuf_u8(b, cn);
	fbuf_u16(b, 0);		/* MESG-ID delta */
}

static void
ha_clock(struct fbuf *b, uint8_t mode, uint16_t amount)
{
	fbuf_u8(b, 4);
	fbuf_u8(b, mode);
	fbuf_u16(b, amount);
}

static void
ha_engine(struct sink *s)
{
	struct fbuf b = { 0 };

	/* skip_dad: register, refresh, move, query, deregister */
	fbuf_u8(&b, 1);
	ha_bu(&b, 0, 0, 0, 0);
	ha_clock(&b, 1, 30);
	ha_bu(&b, 0, 0, 0, 0);
	ha_bu(&b, 0, 1, 0, 0);			/* from 2001:db8:3::100 */
	ha_dq(&b, 0, 0, 0);
	ha_dq(&b, 0, 0, 2);			/* no DHP serves it */
	ha_dq(&b, 0, 0x80, 0);			/* CN-initiated */
	ha_bu(&b, 0, 1, 0, 75);			/* lifetime 0 */
	emit_fb(s, "skip-dad-life", &b);

	/* DAD: first registration waits, a second BU updates, done */
	fbuf_u8(&b, 0);
	ha_bu(&b, 1, 0, 0, 0);			/* mn2, SHA1 */
	ha_bu(&b, 1, 0x10, 0, 0);		/* with Alt-CoA */
	fbuf_u8(&b, 5);
	fbuf_u8(&b, 1);
	fbuf_u8(&b, 0);				/* DAD ok */
	ha_bu(&b, 2, 0, 0, 0);			/* mn3, seq-only */
	fbuf_u8(&b, 5);
	fbuf_u8(&b, 2);
	fbuf_u8(&b, 1);				/* DAD failed */
	ha_clock(&b, 2, 0);			/* to the expiry */
	emit_fb(s, "dad", &b);

	/* rejections: wrong MAC, another MN's SPI, no H, stray SA,
	 * unknown SPI, no AUTH, not home, unusable CoA, old MESG-ID */
	fbuf_u8(&b, 3);
	ha_bu(&b, 0x40, 0, 0, 0);
	ha_bu(&b, 0x08, 0, 0, 0);
	ha_bu(&b, 0, 0, BU_F_H, 0);
	ha_bu(&b, 0x10, 0, 0, 0);
	ha_bu(&b, 0x18, 0, 0, 0);
	ha_bu(&b, 0xc0, 0, 0, 0);
	ha_bu(&b, 4, 0, 0, 0);
	ha_bu(&b, 0, 3, 0, 0);			/* CoA fe80::1 */
	ha_bu(&b, 0, 0x40, 0, 0);		/* MESG-ID off by 0 s */
	ha_bu(&b, 0, 0, BU_F_A, 0);		/* accepted, no BA */
	ha_bu(&b, 0, 0, BU_F_P, 0);
	emit_fb(s, "rejections", &b);

	/* raw MHs from the goldens, signed when they fit */
	fbuf_u8(&b, 1);
	for (size_t i = 0; i < NITEMS(goldens); i++) {
		fbuf_u8(&b, 3);
		fbuf_u8(&b, 0x10);
		fbuf_u8(&b, (uint8_t)(goldens[i].len / 8 - 1));
		fbuf_put(&b, goldens[i].bytes, goldens[i].len);
	}
	emit_fb(s, "raw-goldens", &b);
}

/* ---- movement sequences (fuzz_movement.c) ------------------------------- */

#define MV_OP(what, ifx, removed) \
	((uint8_t)((what) | ((removed) ? 8 : 0) | (((ifx) - 1) << 4)))

static void
mv_link(struct fbuf *b, unsigned ifx, uint8_t name, bool up)
{
	fbuf_u8(b, MV_OP(2, ifx, false));
	fbuf_u8(b, (uint8_t)(name | (up ? 0 : 0xc0)));
}

static void
mv_route(struct fbuf *b, unsigned ifx, uint8_t gw, bool removed)
{
	fbuf_u8(b, MV_OP(3, ifx, removed));
	fbuf_u8(b, gw);
}

/* sel: 0 HoA, 1 home prefix, 2 2001:db8:2::, 3 2001:db8:3::, 6
 * 2001:db8:4::; low: last octet; flags: IFA_F_* (0x80 in sel adds it) */
static void
mv_addr(struct fbuf *b, unsigned ifx, uint8_t sel, uint8_t low,
    uint8_t flags, bool removed)
{
	fbuf_u8(b, MV_OP(0, ifx, removed));
	fbuf_u8(b, (uint8_t)(sel | (flags ? 0x80 : 0)));
	if (sel != 0)
		fbuf_u8(b, low);
	if (flags)
		fbuf_u8(b, flags);
}

static void
movement(struct sink *s)
{
	struct fbuf b = { 0 };

	/* method A: eth0 then wlan0, then back to eth0, then lost */
	fbuf_u8(&b, 0x08);			/* /64, "eth0" configured */
	mv_link(&b, 1, 0, true);
	mv_route(&b, 1, 1, false);
	mv_addr(&b, 1, 2, 1, 0x40, false);	/* tentative */
	mv_addr(&b, 1, 2, 1, 0, false);		/* DAD done */
	fbuf_u8(&b, MV_OP(5, 1, false));
	fbuf_u8(&b, 1);				/* configure wlan0 */
	mv_link(&b, 2, 1, true);
	mv_route(&b, 2, 2, false);
	mv_addr(&b, 2, 3, 5, 0, false);
	mv_link(&b, 2, 1, false);		/* wlan0 down */
	mv_link(&b, 1, 0, false);		/* eth0 down: lost */
	emit_fb(s, "method-a", &b);

	/* method B: one link, a new router and prefix; home; exclusion */
	fbuf_u8(&b, 0x00);			/* every name but lo */
	mv_link(&b, 3, 3, true);		/* mn0 */
	mv_route(&b, 3, 1, false);
	mv_addr(&b, 3, 2, 1, 0, false);
	mv_route(&b, 3, 2, false);		/* new router */
	mv_addr(&b, 3, 6, 2, 0, false);		/* new prefix */
	fbuf_u8(&b, MV_OP(4, 3, false));	/* exclude it (a DHoA) */
	fbuf_u8(&b, 6);
	fbuf_u8(&b, 2);
	mv_addr(&b, 3, 6, 2, 0, true);
	mv_addr(&b, 3, 0, 0, 0, false);		/* the HoA: home */
	mv_addr(&b, 3, 1, 7, 0x20, false);	/* deprecated home addr */
	mv_link(&b, 4, 2, true);		/* lo: never used */
	mv_route(&b, 4, 3, false);
	mv_addr(&b, 4, 3, 3, 0, false);
	fbuf_u8(&b, MV_OP(6, 1, false));	/* evaluate */
	mv_route(&b, 3, 1, true);
	mv_route(&b, 3, 2, true);
	emit_fb(s, "method-b-home", &b);
}

/* ---- bul sequences (fuzz_bul.c) ----------------------------------------- */

static void
bul_ack(struct fbuf *b, unsigned entry, uint8_t ctl, uint8_t status_sel)
{
	fbuf_u8(b, (uint8_t)(2 | entry << 3));
	fbuf_u8(b, ctl);
	fbuf_u8(b, status_sel);
	fbuf_u16(b, 0);				/* lifetime as asked */
	if (ctl & 4)
		fbuf_u16(b, 10);		/* BRA */
	if (ctl & 8)
		fbuf_u16(b, 5);			/* MESG-ID + 5 s */
}

static void
bul_timer(struct fbuf *b, unsigned entry, uint8_t mode)
{
	fbuf_u8(b, (uint8_t)(4 | entry << 3));
	fbuf_u8(b, mode);
	if ((mode & 3) >= 2)
		fbuf_u16(b, 1500);
}

static void
bul(struct sink *s)
{
	struct fbuf b = { 0 };

	/* HA: register, accepted, refresh, accepted, move, return home */
	fbuf_u8(&b, 0x01);			/* both entries, 600 s */
	fbuf_u16(&b, 100);
	fbuf_u8(&b, 0);				/* start */
	fbuf_u8(&b, 0);
	bul_timer(&b, 0, 0);			/* retransmit */
	bul_ack(&b, 0, 4, 0);			/* accepted with BRA */
	bul_timer(&b, 0, 0);			/* refresh */
	bul_ack(&b, 0, 0, 0);
	fbuf_u8(&b, 1);				/* new CoA */
	fbuf_u8(&b, 1);
	bul_ack(&b, 0, 0, 0);
	fbuf_u8(&b, 5);				/* return home */
	bul_ack(&b, 0, 0, 0);
	/* DHP entry: start, DHP-BC accepted, shutdown */
	fbuf_u8(&b, 8);
	fbuf_u8(&b, 2);
	bul_ack(&b, 1, 0x10, 0);
	fbuf_u8(&b, 6 | 8);
	bul_timer(&b, 1, 0);
	emit_fb(s, "register-refresh-home", &b);

	/* rejections: 135 resync, 144 clock, 146, retry after failure */
	fbuf_u8(&b, 0x00);
	fbuf_u16(&b, 65534);			/* sequence wraps */
	fbuf_u8(&b, 0);
	fbuf_u8(&b, 0);
	bul_ack(&b, 0, 3, 6);			/* 135 */
	fbuf_u16(&b, 7);			/* peer's last seq (ctl 3) */
	bul_ack(&b, 0, 8, 7);			/* 144 with MESG-ID */
	bul_ack(&b, 0, 0, 9);			/* 146 */
	bul_timer(&b, 0, 0);			/* retry */
	bul_timer(&b, 0, 0);
	bul_timer(&b, 0, 3);
	fbuf_u8(&b, 6);				/* shutdown */
	bul_timer(&b, 0, 0);
	emit_fb(s, "reject-resync-clock", &b);
}

/* ---- packets (fuzz_pktparse.c, fuzz_dad_nd.c) -------------------------- */

/* IPv6 header: tclass 0x2e << 2, flow label 0x12345, next, hops 64. */
static void
ip6_hdr(struct fbuf *b, uint16_t plen, uint8_t next)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2,
		[15] = 1 };
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x99,
		[15] = 5 };

	fbuf_u32(b, 0x6b812345u);
	fbuf_u16(b, plen);
	fbuf_u8(b, next);
	fbuf_u8(b, 64);
	fbuf_put(b, src, 16);
	fbuf_put(b, dst, 16);
}

static void
packets(struct sink *s)
{
	static const uint8_t tcp_syn[20] = { 0x9c, 0x40, 0x01, 0xbb, 0, 0, 0,
		1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff };
	static const uint8_t udp[8] = { 0x13, 0x88, 0x00, 0x35, 0, 8 };
	static const uint8_t echo[8] = { 128, 0, 0, 0, 0x12, 0x34, 0, 1 };
	struct fbuf b = { 0 };

	ip6_hdr(&b, sizeof(tcp_syn), 6);
	fbuf_put(&b, tcp_syn, sizeof(tcp_syn));
	emit_fb(s, "tcp-syn", &b);
	ip6_hdr(&b, sizeof(udp), 17);
	fbuf_put(&b, udp, sizeof(udp));
	emit_fb(s, "udp", &b);
	ip6_hdr(&b, sizeof(echo), 58);
	fbuf_put(&b, echo, sizeof(echo));
	emit_fb(s, "icmp6-echo", &b);
	/* HBH (PadN), routing type 4 with one segment, first fragment,
	 * destination options, then UDP */
	ip6_hdr(&b, 8 + 24 + 8 + 8 + sizeof(udp), 0);
	fbuf_u8(&b, 43);
	fbuf_u8(&b, 0);
	fbuf_u8(&b, 1);
	fbuf_u8(&b, 4);
	fbuf_u32(&b, 0);
	fbuf_u8(&b, 44);
	fbuf_u8(&b, 2);
	fbuf_u8(&b, 4);
	fbuf_u8(&b, 0);
	fbuf_u32(&b, 0);
	fbuf_put(&b, "\x20\x01\x0d\xb8\x00\x99\0\0\0\0\0\0\0\0\0\x05", 16);
	fbuf_u8(&b, 60);
	fbuf_u8(&b, 0);
	fbuf_u16(&b, 1);		/* offset 0, M */
	fbuf_u32(&b, 0xabcd);
	fbuf_u8(&b, 17);
	fbuf_u8(&b, 0);
	fbuf_u8(&b, 1);
	fbuf_u8(&b, 4);
	fbuf_u32(&b, 0);
	fbuf_put(&b, udp, sizeof(udp));
	emit_fb(s, "ext-chain-udp", &b);
	/* a later fragment: no upper header */
	ip6_hdr(&b, 16, 44);
	fbuf_u8(&b, 17);
	fbuf_u8(&b, 0);
	fbuf_u16(&b, 0x0100);
	fbuf_u32(&b, 0xabcd);
	fbuf_put(&b, udp, sizeof(udp));
	emit_fb(s, "later-fragment", &b);
}

/* ICMPv6 NS/NA for target 2001:db8:10::100 (RFC 4861 4.3, 4.4). */
static void
nd_msg(struct fbuf *b, uint8_t type, uint32_t flags)
{
	static const uint8_t target[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x10,
		[14] = 1 };

	fbuf_u8(b, type);
	fbuf_u8(b, 0);
	fbuf_u16(b, 0);			/* checksum: the kernel checks it */
	fbuf_u32(b, flags);
	fbuf_put(b, target, 16);
}

static void
dad_nd(struct sink *s)
{
	static const uint8_t nonce[8] = { 14, 1, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
		0x5a };
	static const uint8_t sllao[8] = { 1, 1, 2, 0, 0, 0, 0, 1 };
	static const uint8_t tllao[8] = { 2, 1, 2, 0, 0, 0, 0, 2 };
	struct fbuf b = { 0 };

	fbuf_u8(&b, 0);
	nd_msg(&b, DAD_ICMP_NS, 0);
	emit_fb(s, "ns-dad", &b);
	fbuf_u8(&b, 0);
	nd_msg(&b, DAD_ICMP_NS, 0);
	fbuf_put(&b, nonce, sizeof(nonce));
	emit_fb(s, "ns-own-nonce", &b);
	fbuf_u8(&b, 0);
	nd_msg(&b, DAD_ICMP_NS, 0);
	fbuf_put(&b, sllao, sizeof(sllao));
	emit_fb(s, "ns-sllao", &b);
	fbuf_u8(&b, 0);
	nd_msg(&b, DAD_ICMP_NA, 0x20000000u);	/* O */
	fbuf_put(&b, tllao, sizeof(tllao));
	emit_fb(s, "na-override", &b);
	fbuf_u8(&b, 0);
	nd_msg(&b, DAD_ICMP_NA, 0x60000000u);	/* S|O to multicast */
	emit_fb(s, "na-solicited", &b);
}

/* ---- C string literals of the unit tests ------------------------------ */

/* One literal at p (a '"'), its escapes resolved, appended to b;
 * returns the position after it. */
static const char *
c_literal(const char *p, struct fbuf *b)
{
	for (p++; *p != '\0' && *p != '"'; p++) {
		char c = *p;

		if (c == '\\' && p[1] != '\0') {
			p++;
			switch (*p) {
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'x':
				c = (char)strtol(p + 1, NULL, 16);
				while (isxdigit((unsigned char)p[1]))
					p++;
				break;
			default:
				c = *p;
				break;
			}
		}
		fbuf_u8(b, (uint8_t)c);
	}
	return *p == '"' ? p + 1 : p;
}

/*
 * The items of a C initializer or argument list from p on: adjacent
 * literals are one item, a comma ends it, a closing brace, parenthesis
 * or semicolon ends the list. Each item is a seed: decoded from hex
 * digits (as_hex), or a record line framed as a state file of
 * state_kind, or as it is. first_only: just the first item.
 */
static void state_item(struct sink *, const char *, const char *,
    const char *);

static void
c_items(struct sink *s, const char *p, const char *name, bool as_hex,
    const char *state_kind, bool first_only, size_t *count)
{
	struct fbuf item = { 0 };
	bool have = false;
	char nm[96];

	for (; *p != '\0'; p++) {
		if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");

			if (e == NULL)
				break;
			p = e + 1;
		} else if (*p == '"') {
			p = c_literal(p, &item) - 1;
			have = true;
		} else if (*p == ',' || *p == '}' || *p == ')' || *p == ';') {
			if (have) {
				snprintf(nm, sizeof(nm), "%s-%zu", name,
				    (*count)++);
				fbuf_u8(&item, 0);
				if (state_kind != NULL)
					state_item(s, nm, state_kind,
					    (const char *)item.p);
				else if (as_hex)
					emit_hex(s, nm, (const char *)item.p);
				else
					emit(s, nm, item.p, item.len - 1);
				fbuf_free(&item);
				have = false;
				if (first_only)
					break;
			}
			if (*p != ',')
				break;
		}
	}
	fbuf_free(&item);
}

/* Every list after marker in a test source, as c_items() reads it. */
static size_t
test_items(struct sink *s, const char *srcdir, const char *file,
    const char *marker, const char *name, bool as_hex,
    const char *state_kind, bool first_only)
{
	char path[4096];
	char *text;
	size_t count = 0;

	if (srcdir == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/tests/unit/%s", srcdir, file);
	if ((text = slurp(path)) == NULL)
		return 0;
	for (const char *p = strstr(text, marker); p != NULL;
	    p = strstr(p + 1, marker))
		c_items(s, p + strlen(marker), name, as_hex, state_kind,
		    first_only, &count);
	free(text);
	return count;
}

/* ---- dhcp6_ext ------------------------------------------------------------ */

static void
dhcp6_ext(struct sink *s, const char *srcdir)
{
	dhcp6(s, srcdir);
	if (test_items(s, srcdir, "test_dhcp6s.c", "hex[] =", "test_dhcp6s",
	    true, NULL, true) == 0)
		emit_hex(s, "ext-golden", "01abcdef 0008 0002 0102 "
		    "0006 0004 0052 fde9 0007 0001 07 000e 0000 "
		    "0052 0004 00000078 fde9 0001 02");
	(void)test_items(s, srcdir, "test_dhcp6s.c", "bad[] = {",
	    "test_dhcp6s-bad", true, NULL, false);
	/* Reconfigure Accept, an ORO past DHCP6_ORO_MAX, two IA_PDs with
	 * the option beside their IAPREFIXes */
	emit_hex(s, "ext-reconf-oro", "07000001 0014 0000 0006 0024 "
	    "0001 0002 0003 0004 0005 0006 0007 0008 0009 000a 000b 000c "
	    "000d 000e 000f 0010 0011 0012");
	emit_hex(s, "ext-two-ia", "07000001 "
	    "0019 0011 00000007 00000000 00000000 fde9 0001 02 "
	    "0019 0011 00000008 00000000 00000000 fde9 0001 04 "
	    "fde9 0001 03");
}

/* ---- state files ---------------------------------------------------------- */

#define SEED_WALL0	1700000000000ULL	/* fuzz_state.h's time */

/* A state file: ctl octet 0x00 (complete, trailer computed here) or
 * 0x01 (framed by the target); body = header and records. */
static void
state_seed(struct sink *s, const char *name, uint8_t ctl, const char *body)
{
	struct fbuf b = { 0 };
	char t[64];
	size_t lines = 0;

	fbuf_u8(&b, ctl);
	fbuf_put(&b, body, strlen(body));
	if (!(ctl & 1)) {
		for (const char *p = body; *p != '\0'; p++)
			lines += *p == '\n';
		snprintf(t, sizeof(t), "end %zu %08x\n", lines ? lines - 1 : 0,
		    (unsigned)sf_crc32(0, body, strlen(body)));
		fbuf_put(&b, t, strlen(t));
	}
	emit_fb(s, name, &b);
}

static void
state_body(char *out, size_t cap, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
state_body(char *out, size_t cap, const char *kind, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(out, cap, "dmip6-state 1 %s %llu\n", kind,
	    (unsigned long long)SEED_WALL0);
	va_start(ap, fmt);
	vsnprintf(out + n, cap - (size_t)n, fmt, ap);
	va_end(ap);
}

/* One record line of a test, as the only record of a framed file. */
static void
state_item(struct sink *s, const char *name, const char *kind,
    const char *record)
{
	char body[1024];

	state_body(body, sizeof(body), kind, "%s\n", record);
	state_seed(s, name, 1, body);
}

/* reframe("...", ...) bodies of test_statefile.c: whole files, framed. */
static void
state_reframes(struct sink *s, const char *srcdir)
{
	char path[4096];
	char *text;
	size_t count = 0;

	if (srcdir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/tests/unit/test_statefile.c", srcdir);
	if ((text = slurp(path)) == NULL)
		return;
	for (const char *p = strstr(text, "reframe(\""); p != NULL;
	    p = strstr(p + 1, "reframe(\"")) {
		struct fbuf item = { 0 };
		char nm[64];

		fbuf_u8(&item, 1);
		(void)c_literal(p + 8, &item);
		snprintf(nm, sizeof(nm), "test_statefile-reframe-%zu",
		    count++);
		emit_fb(s, nm, &item);
	}
	free(text);
}

static void
state_had(struct sink *s, const char *srcdir)
{
	char b[2048];
	const unsigned long long w = SEED_WALL0;

	/* test_statefile.c make(): a replay record and a binding */
	state_body(b, sizeof(b), "had",
	    "mn 2001:db8:10::100 7 0x%llx\n"
	    "bce 2001:db8:10::100 2001:db8:2::100 7 150 4096 0x1 %llu %llu "
	    "%llu\n", 0xe875470012345678ULL, w - 5000, w - 100, w + 600000);
	state_seed(s, "had-one", 0, b);
	state_seed(s, "had-one-framed", 1, b);
	/* three MNs: bound, bound with a lifetime over the cap, expired;
	 * an MN gone from the config; a CoA that is the HoA */
	state_body(b, sizeof(b), "had",
	    "mn 2001:db8:10::100 65535 0xe875470000000001\n"
	    "mn 2001:db8:10::200 9 0xe875470000000002\n"
	    "mn 2001:db8:10::999 1 0x1\n"
	    "bce 2001:db8:10::100 2001:db8:2::100 0 150 4096 "
	    "0xe875470000000001 %llu %llu %llu\n"
	    "bce 2001:db8:10::200 2001:db8:3::100 9 16383 4097 "
	    "0xe875470000000002 %llu %llu %llu\n"
	    "bce 2001:db8:10::300 2001:db8:4::7 3 75 4098 0x0 %llu %llu %llu\n"
	    "bce 2001:db8:10::999 2001:db8:2::1 1 75 4096 0x0 %llu %llu "
	    "%llu\n"
	    "bce 2001:db8:10::300 2001:db8:10::300 4 75 4098 0x0 %llu %llu "
	    "%llu\n",
	    w - 1000, w - 10, w + 300000, w - 86400000, w - 60000,
	    w + 86400000, w - 900000, w - 600000, w - 1, w - 1, w - 1,
	    w + 1000, w, w, w + 5000);
	state_seed(s, "had-mixed", 0, b);
	state_seed(s, "had-mixed-framed", 1, b);
	state_seed(s, "had-mixed-later", 2, b);
	state_seed(s, "had-mixed-floor", 8 | 1, b);
	state_seed(s, "had-empty", 0, "dmip6-state 1 had 1700000000000\n");
	(void)test_items(s, srcdir, "test_had_state.c", "bodies[] = {",
	    "test_had_state", false, "had", false);
	state_reframes(s, srcdir);
}

static void
state_dhpd(struct sink *s, const char *srcdir)
{
	char b[2048];
	const unsigned long long w = SEED_WALL0;

	/* a lease bound, a lease not bound, a quarantine, replay state */
	state_body(b, sizeof(b), "dhpd",
	    "mn 2001:db8:10::100 15 0xe875470000000005 7 0xe875470000000006 "
	    "9\n"
	    "mn 2001:db8:10::300 10 0x0 3 0x0 4\n"
	    "quar 2001:db8:d1::77 2001:db8:10::200 %llu\n"
	    "lease 2001:db8:d1::1234 2001:db8:10::100 %llu %llu\n"
	    "bind 2001:db8:d1::1234 2001:db8:2::100 active 75 9 1 %llu %llu "
	    "%llu\n"
	    "lease 2001:db8:d2::5 2001:db8:10::300 %llu %llu\n",
	    w + 60000, w - 100000, w + 500000, w - 100000, w - 1000,
	    w + 299000, w - 5000, w + 600000);
	state_seed(s, "dhpd-leases", 0, b);
	state_seed(s, "dhpd-leases-framed", 1, b);
	state_seed(s, "dhpd-leases-later", 2 | 1, b);
	state_seed(s, "dhpd-leases-floor", 8 | 1, b);
	/* deleting, brr sent, a lease of an MN gone, a second lease of one
	 * MN, a binding without its lease, a CoA in the pool, over
	 * max_leases */
	state_body(b, sizeof(b), "dhpd",
	    "lease 2001:db8:d1::1 2001:db8:10::100 %llu %llu\n"
	    "bind 2001:db8:d1::1 2001:db8:3::1 deleting 0 5 3 %llu %llu %llu\n"
	    "lease 2001:db8:d1::2 2001:db8:10::200 %llu %llu\n"
	    "bind 2001:db8:d1::2 2001:db8:3::2 active 16000 6 2 %llu %llu "
	    "%llu\n"
	    "lease 2001:db8:d1::3 2001:db8:10::999 %llu %llu\n"
	    "lease 2001:db8:d1::4 2001:db8:10::100 %llu %llu\n"
	    "bind 2001:db8:d1::5 2001:db8:3::5 active 75 1 0 %llu %llu %llu\n"
	    "lease 2001:db8:d2::9 2001:db8:10::300 %llu %llu\n"
	    "bind 2001:db8:d2::9 2001:db8:d1::8 active 75 1 1 %llu %llu %llu\n"
	    "quar 2001:db8:d1::1 2001:db8:10::100 %llu\n"
	    "quar 2001:db8:99::1 2001:db8:10::100 %llu\n",
	    w - 10, w + 100000, w - 10, w - 5, w + 9000, w - 10, w + 100000,
	    w - 100, w - 100, w + 9999999, w, w + 1, w, w + 2, w - 1, w - 1,
	    w + 100, w - 1, w + 600000, w - 1, w - 1, w + 300000, w + 100000,
	    w + 100000);
	state_seed(s, "dhpd-odd", 0, b);
	state_seed(s, "dhpd-odd-framed", 1, b);
	state_seed(s, "dhpd-empty", 0, "dmip6-state 1 dhpd 1700000000000\n");
	(void)test_items(s, srcdir, "test_had_state.c", "bodies[] = {",
	    "test_had_state", false, "dhpd", false);
	state_reframes(s, srcdir);
}

/* ---- control requests ---------------------------------------------------- */

static void
ctl_request(struct sink *s, const char *srcdir)
{
	static const char *const edge[] = {
		"help\n", "json help\n", "show a b c\njson show x 12 yes\n",
		"log verbose\nlog quiet\nlog\nlog loud\n",
		"show things\n\n\nset x\r\nfail\noops a\n",
		"\tshow\t a\t\tb \n", "json\n", "json json show\n",
		"show \"q\\\\u0000\" {\"a\":[1]} 1e5 -0 tRuE\n",
		"show 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 "
		    "22 23 24 25 26 27 28 29 30 31\n",
		"show 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 "
		    "22 23 24 25 26 27 28 29 30 31 32\nhelp\n",
		"help\nshow\x01x\nhelp\n", "show last-without-lf",
		"unknown command here\nshowthings\n",
	};
	char nm[32];
	struct fbuf b = { 0 };

	(void)test_items(s, srcdir, "test_ctlsock.c", "ask(&f, ",
	    "test_ctlsock", false, NULL, true);
	for (size_t i = 0; i < NITEMS(edge); i++) {
		snprintf(nm, sizeof(nm), "edge-%zu", i);
		emit(s, nm, edge[i], strlen(edge[i]));
		fbuf_put(&b, edge[i], strlen(edge[i]));
		fbuf_u8(&b, '\n');
	}
	emit_fb(s, "edge-pipelined", &b);
	/* a line of exactly CTL_REQ_MAX - 1 octets, then one too long */
	fbuf_put(&b, "show ", 5);
	while (b.len < 1023)
		fbuf_u8(&b, 'a');
	fbuf_u8(&b, '\n');
	emit(s, "line-1023", b.p, b.len);
	b.p[b.len - 1] = 'a';
	fbuf_put(&b, "a\nhelp\n", 7);
	emit_fb(s, "line-1025", &b);
}

/* ---- DHP engine sequences (fuzz_dhp_engine.c) ---------------------------- */

/* A message event: kind 0 request, 2 DHP-BU; zeros elsewhere. */
static void
dhp_msg(struct fbuf *b, bool bu, uint8_t ctl1, uint8_t ctl2, uint8_t ctl3,
    uint8_t flags_x, uint16_t life_x)
{
	fbuf_u8(b, bu ? 2 : 0);
	fbuf_u8(b, ctl1);
	fbuf_u8(b, ctl2);
	fbuf_u8(b, ctl3);
	fbuf_u16(b, 0);				/* seq delta */
	if ((ctl3 >> 2) % 5 == 3)
		fbuf_u8(b, 5);			/* DHoA in d2::/120 */
	fbuf_u8(b, flags_x);
	if (!bu)
		fbuf_u8(b, 0);			/* cont type */
	fbuf_u16(b, life_x);
	if (ctl2 >> 6 <= 1)
		fbuf_u16(b, 0);			/* MESG-ID offset */
}

static void
dhp_clock(struct fbuf *b, uint8_t mode, uint16_t amount)
{
	fbuf_u8(b, 5);
	fbuf_u8(b, mode);
	fbuf_u16(b, amount);
}

static void
dhp_engine(struct sink *s)
{
	struct fbuf b = { 0 };

	/* mn1: lease + bind now, refresh by DHP-BU (DHoA = its last),
	 * move, BRR, release */
	fbuf_u8(&b, 3);				/* max_leases 1000 */
	dhp_msg(&b, false, 0, 0, 0, 0, 0);
	dhp_msg(&b, true, 0, 0, 1 << 2, 0, 0);
	dhp_msg(&b, true, 0, 0x10 | 0x01, 1 << 2, 0, 0);
	fbuf_u8(&b, 1);				/* the CoA selector */
	dhp_clock(&b, 1, 280);			/* past 90 %: BRR */
	dhp_msg(&b, true, 0, 0, 1 << 2, 0x40, 75);	/* R, lifetime 0 */
	emit_fb(s, "bind-move-brr-release", &b);

	/* three MNs against max_leases 2; seq-only mn3; a delete delay
	 * revived; a refused ADD and MOVE; expiry of everything */
	fbuf_u8(&b, 2);
	dhp_msg(&b, false, 1, 0, 0, 0, 0);
	dhp_msg(&b, false, 2, 0x80, 0, 0, 0);	/* raw MESG-ID: seq-only */
	fbuf_u64(&b, 0);
	dhp_msg(&b, false, 0, 0, 1, 0, 0);	/* refused ADD */
	dhp_msg(&b, true, 1, 0, 1 << 2, 0, 75);	/* lifetime 0: delay */
	dhp_msg(&b, true, 1, 0x02, 1 << 2 | 1, 0, 0);	/* revive, MOVE */
	dhp_clock(&b, 2, 0);
	dhp_clock(&b, 1, 700);
	dhp_clock(&b, 1, 200);
	emit_fb(s, "max-leases-delay-refused", &b);

	/* rejections: wrong MAC, another MN's SPI, stray SA, no AUTH, HoA
	 * option disagreeing, not an MN, unusable CoA, unknown DHoA, old
	 * MESG-ID, a type not offered */
	fbuf_u8(&b, 0);
	dhp_msg(&b, false, 0x40, 0, 0, 0, 0);
	dhp_msg(&b, false, 0x08, 0, 0, 0, 0);
	dhp_msg(&b, false, 0x10, 0, 0, 0, 0);
	dhp_msg(&b, false, 0xc0, 0, 0, 0, 0);
	dhp_msg(&b, false, 0, 0x20, 2, 0, 0);
	dhp_msg(&b, false, 3, 0, 0, 0, 0);
	dhp_msg(&b, false, 0, 0x03, 0, 0, 0);	/* source fe80::1 */
	dhp_msg(&b, true, 0, 0, 4 << 2, 0, 0);
	dhp_msg(&b, false, 0, 0x40, 0, 0, 0);
	dhp_msg(&b, true, 0, 0x20, 0, 0, 0);	/* DHP-BU without HoA */
	emit_fb(s, "rejections", &b);

	/* the DHP goldens as raw MHs, signed when they fit */
	fbuf_u8(&b, 1);
	for (size_t i = 0; i < NITEMS(goldens); i++) {
		fbuf_u8(&b, 4);
		fbuf_u8(&b, 0x10);
		fbuf_u8(&b, (uint8_t)(goldens[i].len / 8 - 1));
		fbuf_put(&b, goldens[i].bytes, goldens[i].len);
	}
	emit_fb(s, "raw-goldens", &b);
}

/* ---- the table ---------------------------------------------------------- */

size_t
fuzz_seeds(const char *target, const char *srcdir, fuzz_seed_fn fn,
    void *arg)
{
	struct sink s = { fn, arg, 0 };

	if (strcmp(target, "mh_parse") == 0 ||
	    strcmp(target, "mh_roundtrip") == 0)
		mh_goldens(&s);
	else if (strcmp(target, "mh_types") == 0)
		mh_types(&s);
	else if (strcmp(target, "mh_auth") == 0)
		mh_auth(&s);
	else if (strcmp(target, "dhcp6") == 0)
		dhcp6(&s, srcdir);
	else if (strcmp(target, "conf_mnd") == 0)
		conf(&s, srcdir, "mnd", mnd_min);
	else if (strcmp(target, "conf_had") == 0)
		conf(&s, srcdir, "had", had_min);
	else if (strcmp(target, "conf_dhpd") == 0)
		conf(&s, srcdir, "dhpd", dhpd_min);
	else if (strcmp(target, "ha_engine") == 0)
		ha_engine(&s);
	else if (strcmp(target, "movement") == 0)
		movement(&s);
	else if (strcmp(target, "bul") == 0)
		bul(&s);
	else if (strcmp(target, "pktparse") == 0)
		packets(&s);
	else if (strcmp(target, "dad_nd") == 0)
		dad_nd(&s);
	else if (strcmp(target, "dhcp6_ext") == 0)
		dhcp6_ext(&s, srcdir);
	else if (strcmp(target, "state_had") == 0)
		state_had(&s, srcdir);
	else if (strcmp(target, "state_dhpd") == 0)
		state_dhpd(&s, srcdir);
	else if (strcmp(target, "ctl_request") == 0)
		ctl_request(&s, srcdir);
	else if (strcmp(target, "dhp_engine") == 0)
		dhp_engine(&s);
	return s.n;
}
