/*
 * test_dhcp6.c: the DHCPv6 codec and the IPv6 Continuity Service option
 * (PROTOCOL.md D). Golden bytes are written out by hand from RFC 8415
 * and D.2, not produced by the builder.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "dhcp6.h"
#include "cu_main.h"

static struct dhcp6_codes codes;

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*s && n < cap) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

#define CLIENTID "0001 000a 0003 0001 020000000001"
#define SERVERID "0002 000a 0003 0001 020000000002"

/* D.3 example Solicit: IA_PD{IAID=1, T1=0, T2=0, IAPREFIX{0, 0, /64,
 * ::, CONTINUITY{2}}}. IAPREFIX len 25 + 5; IA_PD len 12 + 34. */
static const char solicit_hex[] =
    "01123456" CLIENTID
    "0019002e 00000001 00000000 00000000"
    "001a001e 00000000 00000000 40 00000000000000000000000000000000"
    "fde9000102";

/* Reply granting 2001:db8:d1:100::/56, session-lasting. */
static const char reply_hex[] =
    "07123456" CLIENTID SERVERID
    "0019002e 00000001 0000012c 000001e0"
    "001a001e 00000258 000004b0 38 20010db800d101000000000000000000"
    "fde9000102";

/* Reply: IA_PD with Status NoPrefixAvail "no prefix" (2 + 9 = 11). */
static const char noprefix_hex[] =
    "07123456" CLIENTID SERVERID
    "0019001b 00000001 00000000 00000000"
    "000d000b 0006 6e6f20707265666978";

/* Request: IAPREFIX with Anchor Preference (flags 0x80, anchor
 * 2001:db8:f::11) carrying a nested continuity FIXED (17 + 5 = 22),
 * and the continuity option itself (FIXED). IAPREFIX len 25 + 5 + 26. */
static const char anchor_hex[] =
    "03abcdef" CLIENTID SERVERID
    "00190048 00000007 00000000 00000000"
    "001a0038 00000000 00000000 40 00000000000000000000000000000000"
    "fde9000101"
    "fdea0016 80 20010db8000f00000000000000000011 fde9000101";

/* Address variant: IA_NA / IAADDR with continuity GRACEFUL. */
static const char iana_hex[] =
    "07000001" CLIENTID SERVERID
    "0003002d 00000002 00000064 000000c8"
    "0005001d 20010db800d200000000000000000042 00000258 000004b0"
    "fde9000104";

/* A legacy server's Reply: the same prefix, no continuity option. */
static const char legacy_hex[] =
    "07123456" CLIENTID SERVERID
    "00190029 00000001 0000012c 000001e0"
    "001a0019 00000258 000004b0 38 20010db800d101000000000000000000";

static void
duid(struct dhcp6_duid *d, uint8_t last)
{
	static const uint8_t ll[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 0 };

	memcpy(d->b, ll, sizeof(ll));
	d->b[9] = last;
	d->len = sizeof(ll);
}

static void
msg_solicit(struct dhcp6_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = DHCP6_MSG_SOLICIT;
	m->xid = 0x123456;
	duid(&m->clientid, 1);
	m->n_ia_pd = 1;
	m->ia_pd[0].iaid = 1;
	m->ia_pd[0].n_prefix = 1;
	m->ia_pd[0].prefix[0].plen = 64;
	m->ia_pd[0].prefix[0].o.has_continuity = true;
	m->ia_pd[0].prefix[0].o.cont_type = CONT_SESSION_LASTING;
}

static void
msg_reply(struct dhcp6_msg *m, bool with_cont)
{
	struct dhcp6_prefix *p;

	msg_solicit(m);
	m->type = DHCP6_MSG_REPLY;
	duid(&m->serverid, 2);
	m->ia_pd[0].t1 = 300;
	m->ia_pd[0].t2 = 480;
	p = &m->ia_pd[0].prefix[0];
	p->preferred = 600;
	p->valid = 1200;
	p->plen = 56;
	inet_pton(AF_INET6, "2001:db8:d1:100::", &p->prefix);
	p->o.has_continuity = with_cont;
	p->o.cont_type = with_cont ? CONT_SESSION_LASTING : 0;
}

static void
msg_noprefix(struct dhcp6_msg *m)
{
	msg_solicit(m);
	m->type = DHCP6_MSG_REPLY;
	duid(&m->serverid, 2);
	m->ia_pd[0].n_prefix = 0;
	memset(&m->ia_pd[0].prefix[0], 0, sizeof(m->ia_pd[0].prefix[0]));
	m->ia_pd[0].status.has = true;
	m->ia_pd[0].status.code = DHCP6_ST_NO_PREFIX_AVAIL;
	snprintf(m->ia_pd[0].status.msg, sizeof(m->ia_pd[0].status.msg),
	    "no prefix");
}

static void
msg_anchor(struct dhcp6_msg *m)
{
	struct dhcp6_lease_opts *o;

	msg_solicit(m);
	m->type = DHCP6_MSG_REQUEST;
	m->xid = 0xabcdef;
	duid(&m->serverid, 2);
	m->ia_pd[0].iaid = 7;
	o = &m->ia_pd[0].prefix[0].o;
	o->cont_type = CONT_FIXED;
	o->has_anchor = true;
	o->anchor_flags = DHCP6_ANCHOR_F_REQUIRED;
	inet_pton(AF_INET6, "2001:db8:f::11", &o->anchor);
	o->anchor_has_cont = true;
	o->anchor_cont_type = CONT_FIXED;
}

static void
msg_iana(struct dhcp6_msg *m)
{
	struct dhcp6_addr *a;

	memset(m, 0, sizeof(*m));
	m->type = DHCP6_MSG_REPLY;
	m->xid = 1;
	duid(&m->clientid, 1);
	duid(&m->serverid, 2);
	m->n_ia_na = 1;
	m->ia_na[0].iaid = 2;
	m->ia_na[0].t1 = 100;
	m->ia_na[0].t2 = 200;
	m->ia_na[0].n_addr = 1;
	a = &m->ia_na[0].addr[0];
	inet_pton(AF_INET6, "2001:db8:d2::42", &a->addr);
	a->preferred = 600;
	a->valid = 1200;
	a->o.has_continuity = true;
	a->o.cont_type = CONT_GRACEFUL;
}

struct golden {
	const char	*name;
	const char	*hex;
	void		(*make)(struct dhcp6_msg *);
};

static void
msg_reply_cont(struct dhcp6_msg *m)
{
	msg_reply(m, true);
}

static void
msg_reply_legacy(struct dhcp6_msg *m)
{
	msg_reply(m, false);
}

static const struct golden goldens[] = {
	{ "solicit", solicit_hex, msg_solicit },
	{ "reply", reply_hex, msg_reply_cont },
	{ "noprefix", noprefix_hex, msg_noprefix },
	{ "anchor", anchor_hex, msg_anchor },
	{ "iana", iana_hex, msg_iana },
	{ "legacy", legacy_hex, msg_reply_legacy },
};
#define NGOLDEN	(sizeof(goldens) / sizeof(goldens[0]))

/* Builder output equals the hand-written bytes; parsing those bytes
 * gives back the structure exactly. */
static void
test_golden(void)
{
	dhcp6_codes_default(&codes);
	for (size_t i = 0; i < NGOLDEN; i++) {
		uint8_t want[512], got[512];
		struct dhcp6_msg m, back;
		size_t n = unhex(goldens[i].hex, want, sizeof(want));
		ssize_t len;

		goldens[i].make(&m);
		len = dhcp6_build(&m, &codes, got, sizeof(got));
		CU_ASSERT_EQUAL(len, (ssize_t)n);
		if (len == (ssize_t)n && memcmp(got, want, n) != 0) {
			fprintf(stderr, "golden %s differs\n", goldens[i].name);
			for (size_t k = 0; k < n; k++)
				if (got[k] != want[k])
					fprintf(stderr, "  octet %zu: %02x, "
					    "want %02x\n", k, got[k], want[k]);
			CU_FAIL("bytes differ");
		}
		CU_ASSERT_EQUAL(dhcp6_parse(want, n, &codes, &back), DHCP6_OK);
		CU_ASSERT_EQUAL(memcmp(&m, &back, sizeof(m)), 0);
	}
}

static void
test_fields(void)
{
	uint8_t b[512];
	size_t n = unhex(reply_hex, b, sizeof(b));
	struct dhcp6_msg m;
	char s[INET6_ADDRSTRLEN];

	dhcp6_codes_default(&codes);
	CU_ASSERT_EQUAL_FATAL(dhcp6_parse(b, n, &codes, &m), DHCP6_OK);
	CU_ASSERT_EQUAL(m.type, DHCP6_MSG_REPLY);
	CU_ASSERT_EQUAL(m.xid, 0x123456);
	CU_ASSERT_EQUAL(m.n_ia_pd, 1);
	CU_ASSERT_EQUAL(m.ia_pd[0].prefix[0].plen, 56);
	inet_ntop(AF_INET6, &m.ia_pd[0].prefix[0].prefix, s, sizeof(s));
	CU_ASSERT_STRING_EQUAL(s, "2001:db8:d1:100::");
	CU_ASSERT_TRUE(m.ia_pd[0].prefix[0].o.has_continuity);
	CU_ASSERT_EQUAL(m.ia_pd[0].prefix[0].o.cont_type, 2);
	/* D.4 rule 1: a reply without the option is a legacy server. */
	n = unhex(legacy_hex, b, sizeof(b));
	CU_ASSERT_EQUAL_FATAL(dhcp6_parse(b, n, &codes, &m), DHCP6_OK);
	CU_ASSERT_FALSE(m.ia_pd[0].prefix[0].o.has_continuity);
	n = unhex(noprefix_hex, b, sizeof(b));
	CU_ASSERT_EQUAL_FATAL(dhcp6_parse(b, n, &codes, &m), DHCP6_OK);
	CU_ASSERT_EQUAL(m.ia_pd[0].n_prefix, 0);
	CU_ASSERT_EQUAL(m.ia_pd[0].status.code, DHCP6_ST_NO_PREFIX_AVAIL);
	CU_ASSERT_STRING_EQUAL(m.ia_pd[0].status.msg, "no prefix");
	/* D.4 rule 5: the anchor carries its own continuity option. */
	n = unhex(anchor_hex, b, sizeof(b));
	CU_ASSERT_EQUAL_FATAL(dhcp6_parse(b, n, &codes, &m), DHCP6_OK);
	CU_ASSERT_EQUAL(m.type, DHCP6_MSG_REQUEST);
	CU_ASSERT_EQUAL(m.xid, 0xabcdef);
	CU_ASSERT_TRUE(m.ia_pd[0].prefix[0].o.has_anchor);
	CU_ASSERT_EQUAL(m.ia_pd[0].prefix[0].o.anchor_flags, 0x80);
	inet_ntop(AF_INET6, &m.ia_pd[0].prefix[0].o.anchor, s, sizeof(s));
	CU_ASSERT_STRING_EQUAL(s, "2001:db8:f::11");
	CU_ASSERT_TRUE(m.ia_pd[0].prefix[0].o.anchor_has_cont);
	CU_ASSERT_EQUAL(m.ia_pd[0].prefix[0].o.anchor_cont_type, CONT_FIXED);
	/* The address variant (D.3, draft -00). */
	n = unhex(iana_hex, b, sizeof(b));
	CU_ASSERT_EQUAL_FATAL(dhcp6_parse(b, n, &codes, &m), DHCP6_OK);
	CU_ASSERT_EQUAL(m.n_ia_pd, 0);
	CU_ASSERT_EQUAL(m.n_ia_na, 1);
	CU_ASSERT_EQUAL(m.ia_na[0].n_addr, 1);
	inet_ntop(AF_INET6, &m.ia_na[0].addr[0].addr, s, sizeof(s));
	CU_ASSERT_STRING_EQUAL(s, "2001:db8:d2::42");
	CU_ASSERT_EQUAL(m.ia_na[0].addr[0].valid, 1200);
	CU_ASSERT_TRUE(m.ia_na[0].addr[0].o.has_continuity);
	CU_ASSERT_EQUAL(m.ia_na[0].addr[0].o.cont_type, CONT_GRACEFUL);
}

/* Configurable codes: a message built with 65101/65102 round-trips with
 * those codes; with the defaults the option is unknown and skipped. */
static void
test_custom_codes(void)
{
	struct dhcp6_codes custom = { 65101, 65102 };
	struct dhcp6_msg m, back;
	uint8_t b[512];
	ssize_t n;

	msg_anchor(&m);
	n = dhcp6_build(&m, &custom, b, sizeof(b));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(dhcp6_parse(b, (size_t)n, &custom, &back), DHCP6_OK);
	CU_ASSERT_EQUAL(memcmp(&m, &back, sizeof(m)), 0);
	dhcp6_codes_default(&codes);
	CU_ASSERT_EQUAL(dhcp6_parse(b, (size_t)n, &codes, &back), DHCP6_OK);
	CU_ASSERT_FALSE(back.ia_pd[0].prefix[0].o.has_continuity);
	CU_ASSERT_FALSE(back.ia_pd[0].prefix[0].o.has_anchor);
}

/* Offsets where a top-level option ends: truncating there leaves a
 * valid, shorter message; anywhere else must be an error. */
static int
is_boundary(const uint8_t *b, size_t len, size_t cut)
{
	size_t off = 4;

	if (cut == 4)
		return 1;
	while (off + 4 <= len) {
		off += 4 + (size_t)((b[off + 2] << 8) | b[off + 3]);
		if (off == cut)
			return 1;
	}
	return 0;
}

static void
test_truncated(void)
{
	dhcp6_codes_default(&codes);
	for (size_t i = 0; i < NGOLDEN; i++) {
		uint8_t b[512];
		size_t n = unhex(goldens[i].hex, b, sizeof(b));

		for (size_t cut = 0; cut < n; cut++) {
			/* Exact-size copy so ASan sees any over-read. */
			uint8_t *c = malloc(cut ? cut : 1);
			struct dhcp6_msg m;
			int rc;

			memcpy(c, b, cut);
			rc = dhcp6_parse(c, cut, &codes, &m);
			if (is_boundary(b, n, cut)) {
				CU_ASSERT_EQUAL(rc, DHCP6_OK);
			} else {
				CU_ASSERT_TRUE(rc < 0);
			}
			free(c);
		}
	}
}

static int
parse_hex(const char *hex)
{
	uint8_t b[512];
	struct dhcp6_msg m;
	size_t n = unhex(hex, b, sizeof(b));

	dhcp6_codes_default(&codes);
	return dhcp6_parse(b, n, &codes, &m);
}

static void
test_malformed(void)
{
	/* IA_PD longer than the message */
	CU_ASSERT_EQUAL(parse_hex("01000001 00190030 00000001 00000000 "
	    "00000000"), DHCP6_E_TRUNC);
	/* IAPREFIX longer than its IA_PD */
	CU_ASSERT_EQUAL(parse_hex("01000001 00190014 00000001 00000000 "
	    "00000000 001a0020 00000000"), DHCP6_E_TRUNC);
	/* IA_PD shorter than IAID+T1+T2 */
	CU_ASSERT_EQUAL(parse_hex("01000001 00190008 00000001 00000000"),
	    DHCP6_E_OPT_LEN);
	/* continuity of length 0 and 2 */
	CU_ASSERT_EQUAL(parse_hex("01000001 00190029 00000001 00000000 "
	    "00000000 001a0019 00000000 00000000 40 "
	    "00000000000000000000000000000000"), DHCP6_OK);
	CU_ASSERT_EQUAL(parse_hex("01000001 0019002d 00000001 00000000 "
	    "00000000 001a001d 00000000 00000000 40 "
	    "00000000000000000000000000000000 fde90000"), DHCP6_E_OPT_LEN);
	CU_ASSERT_EQUAL(parse_hex("01000001 0019002f 00000001 00000000 "
	    "00000000 001a001f 00000000 00000000 40 "
	    "00000000000000000000000000000000 fde900020202"),
	    DHCP6_E_OPT_LEN);
	/* service type 5 */
	CU_ASSERT_EQUAL(parse_hex("01000001 0019002e 00000001 00000000 "
	    "00000000 001a001e 00000000 00000000 40 "
	    "00000000000000000000000000000000 fde9000105"), DHCP6_E_FIELD);
	/* prefix length 129 */
	CU_ASSERT_EQUAL(parse_hex("01000001 00190029 00000001 00000000 "
	    "00000000 001a0019 00000000 00000000 81 "
	    "00000000000000000000000000000000"), DHCP6_E_FIELD);
	/* zero-length DUID, duplicate client id */
	CU_ASSERT_EQUAL(parse_hex("01000001 00010000"), DHCP6_E_OPT_LEN);
	CU_ASSERT_EQUAL(parse_hex("01000001 00010002 0001 00010002 0001"),
	    DHCP6_E_DUP);
	/* duplicate continuity in one IAPREFIX */
	CU_ASSERT_EQUAL(parse_hex("01000001 00190033 00000001 00000000 "
	    "00000000 001a0023 00000000 00000000 40 "
	    "00000000000000000000000000000000 fde9000102 fde9000102"),
	    DHCP6_E_DUP);
	/* relay and short header */
	CU_ASSERT_EQUAL(parse_hex("0c000000"), DHCP6_E_RELAY);
	CU_ASSERT_EQUAL(parse_hex("0100"), DHCP6_E_SHORT);
	/* a lone option header byte */
	CU_ASSERT_EQUAL(parse_hex("01000001 00"), DHCP6_E_TRUNC);
	/* unknown options are skipped, even zero-length ones */
	CU_ASSERT_EQUAL(parse_hex("01000001 00080002 0000 ffff0000"),
	    DHCP6_OK);
}

#define Z16	"00000000000000000000000000000000"

/* The fixed part of every option, and options nested in the Anchor
 * Preference option, each one octet short or malformed. */
static void
test_fixed_lengths(void)
{
	/* IA_NA shorter than IAID+T1+T2 */
	CU_ASSERT_EQUAL(parse_hex("01000001 00030008 00000001 00000000"),
	    DHCP6_E_OPT_LEN);
	/* IAADDR of 23 and of 24 octets */
	CU_ASSERT_EQUAL(parse_hex("01000001 00030027 00000001 00000000 "
	    "00000000 00050017 " Z16 "00000000 000000"), DHCP6_E_OPT_LEN);
	CU_ASSERT_EQUAL(parse_hex("01000001 00030028 00000001 00000000 "
	    "00000000 00050018 " Z16 "00000000 00000000"), DHCP6_OK);
	/* IAPREFIX of 24 octets */
	CU_ASSERT_EQUAL(parse_hex("01000001 00190028 00000001 00000000 "
	    "00000000 001a0018 00000000 00000000 " Z16), DHCP6_E_OPT_LEN);
	/* Status Code of 1 and 2 octets */
	CU_ASSERT_EQUAL(parse_hex("01000001 000d0001 00"), DHCP6_E_OPT_LEN);
	CU_ASSERT_EQUAL(parse_hex("01000001 000d0002 0000"), DHCP6_OK);
	/* Status Code running past its IA_PD */
	CU_ASSERT_EQUAL(parse_hex("01000001 00190012 00000001 00000000 "
	    "00000000 000d0003 0006 00"), DHCP6_E_TRUNC);
	/* Anchor Preference of 16 and of 17 octets */
	CU_ASSERT_EQUAL(parse_hex("01000001 0019003d 00000001 00000000 "
	    "00000000 001a002d 00000000 00000000 40 " Z16
	    "fdea0010 80 000000000000000000000000000000"), DHCP6_E_OPT_LEN);
	CU_ASSERT_EQUAL(parse_hex("01000001 0019003e 00000001 00000000 "
	    "00000000 001a002e 00000000 00000000 40 " Z16
	    "fdea0011 80 " Z16), DHCP6_OK);
	/* nested continuity: type 5, length 2, and running past the anchor */
	CU_ASSERT_EQUAL(parse_hex("01000001 00190043 00000001 00000000 "
	    "00000000 001a0033 00000000 00000000 40 " Z16
	    "fdea0016 80 " Z16 "fde9000105"), DHCP6_E_FIELD);
	CU_ASSERT_EQUAL(parse_hex("01000001 00190044 00000001 00000000 "
	    "00000000 001a0034 00000000 00000000 40 " Z16
	    "fdea0017 80 " Z16 "fde900020101"), DHCP6_E_OPT_LEN);
	CU_ASSERT_EQUAL(parse_hex("01000001 00190042 00000001 00000000 "
	    "00000000 001a0032 00000000 00000000 40 " Z16
	    "fdea0015 80 " Z16 "fde90001"), DHCP6_E_TRUNC);
	/* two Anchor Preference options in one IAPREFIX */
	CU_ASSERT_EQUAL(parse_hex("01000001 00190053 00000001 00000000 "
	    "00000000 001a0043 00000000 00000000 40 " Z16
	    "fdea0011 80 " Z16 "fdea0011 00 " Z16), DHCP6_E_DUP);
	/* duplicate server id */
	CU_ASSERT_EQUAL(parse_hex("07000001 00020002 0001 00020002 0001"),
	    DHCP6_E_DUP);
	/* RELAY-REPL as well as RELAY-FORW */
	CU_ASSERT_EQUAL(parse_hex("0d000000"), DHCP6_E_RELAY);
}

/* RFC 8415 11.1: a DUID is at most 2 + 128 octets. */
static void
test_duid_bounds(void)
{
	uint8_t b[256];
	struct wbuf w;
	struct dhcp6_msg m;

	dhcp6_codes_default(&codes);
	for (size_t dl = 129; dl <= 131; dl++) {
		wbuf_init(&w, b, sizeof(b));
		wbuf_put_u32(&w, 0x07000001);
		wbuf_put_u16(&w, DHCP6_OPT_SERVERID);
		wbuf_put_u16(&w, (uint16_t)dl);
		for (size_t k = 0; k < dl; k++)
			wbuf_put_u8(&w, (uint8_t)k);
		CU_ASSERT_FALSE(w.err);
		CU_ASSERT_EQUAL(dhcp6_parse(b, w.len, &codes, &m),
		    dl <= DHCP6_DUID_MAX ? DHCP6_OK : DHCP6_E_OPT_LEN);
		if (dl <= DHCP6_DUID_MAX) {
			CU_ASSERT_EQUAL(m.serverid.len, dl);
			CU_ASSERT_EQUAL(m.serverid.b[dl - 1], (uint8_t)(dl - 1));
			CU_ASSERT_EQUAL(m.clientid.len, 0);
		}
	}
	msg_solicit(&m);
	m.clientid.len = DHCP6_DUID_MAX + 1;
	CU_ASSERT_EQUAL(dhcp6_build(&m, &codes, b, sizeof(b)), DHCP6_E_INVAL);
}

/* Only the Status Code text is cut (at 64 octets, or at a NUL); the
 * code and everything after the option survive. */
static void
test_status_text(void)
{
	uint8_t b[256], out[256];
	struct wbuf w;
	struct dhcp6_msg m, again;
	ssize_t n;

	dhcp6_codes_default(&codes);
	wbuf_init(&w, b, sizeof(b));
	wbuf_put_u32(&w, 0x07000001);
	wbuf_put_u16(&w, DHCP6_OPT_STATUS_CODE);
	wbuf_put_u16(&w, 2 + 100);
	wbuf_put_u16(&w, DHCP6_ST_NO_BINDING);
	for (int k = 0; k < 100; k++)
		wbuf_put_u8(&w, (uint8_t)('a' + k % 26));
	wbuf_put_u16(&w, DHCP6_OPT_SERVERID);	/* after the long text */
	wbuf_put_u16(&w, 2);
	wbuf_put_u16(&w, 0x0004);
	CU_ASSERT_FALSE(w.err);
	CU_ASSERT_EQUAL_FATAL(dhcp6_parse(b, w.len, &codes, &m), DHCP6_OK);
	CU_ASSERT_TRUE(m.status.has);
	CU_ASSERT_EQUAL(m.status.code, DHCP6_ST_NO_BINDING);
	CU_ASSERT_EQUAL(strlen(m.status.msg), DHCP6_STATUS_MSG_MAX);
	CU_ASSERT_EQUAL(memcmp(m.status.msg, "abcdefghijklmnopqrstuvwxyz", 26),
	    0);
	CU_ASSERT_EQUAL(m.serverid.len, 2);
	/* Rebuilt: header 4, status 4 + 2 + 64, server id 4 + 2. */
	n = dhcp6_build(&m, &codes, out, sizeof(out));
	CU_ASSERT_EQUAL(n, 4 + 70 + 6);
	CU_ASSERT_EQUAL(dhcp6_parse(out, (size_t)n, &codes, &again), DHCP6_OK);
	CU_ASSERT_EQUAL(memcmp(&m, &again, sizeof(m)), 0);
	/* A NUL ends the text. */
	CU_ASSERT_EQUAL(parse_hex("07000001 000d0007 0001 6162006364"),
	    DHCP6_OK);
	CU_ASSERT_EQUAL(dhcp6_parse(b, unhex("07000001 000d0007 0001 "
	    "6162006364", b, sizeof(b)), &codes, &m), DHCP6_OK);
	CU_ASSERT_STRING_EQUAL(m.status.msg, "ab");
	CU_ASSERT_EQUAL(m.status.code, DHCP6_ST_UNSPEC_FAIL);
}

static void
test_too_many(void)
{
	uint8_t b[1024];
	struct wbuf w;
	struct dhcp6_msg m;

	dhcp6_codes_default(&codes);
	/* Five IA_PDs. */
	wbuf_init(&w, b, sizeof(b));
	wbuf_put_u32(&w, 0x01000001);
	for (int i = 0; i < 5; i++) {
		wbuf_put_u16(&w, DHCP6_OPT_IA_PD);
		wbuf_put_u16(&w, 12);
		wbuf_put_u32(&w, (uint32_t)i);
		wbuf_put_zero(&w, 8);
	}
	CU_ASSERT_EQUAL(dhcp6_parse(b, w.len, &codes, &m), DHCP6_E_TOOMANY);
	/* Five prefixes in one IA_PD. */
	wbuf_init(&w, b, sizeof(b));
	wbuf_put_u32(&w, 0x01000001);
	wbuf_put_u16(&w, DHCP6_OPT_IA_PD);
	wbuf_put_u16(&w, 12 + 5 * 29);
	wbuf_put_zero(&w, 12);
	for (int i = 0; i < 5; i++) {
		wbuf_put_u16(&w, DHCP6_OPT_IAPREFIX);
		wbuf_put_u16(&w, 25);
		wbuf_put_zero(&w, 8);
		wbuf_put_u8(&w, 64);
		wbuf_put_zero(&w, 16);
	}
	CU_ASSERT_FALSE(w.err);
	CU_ASSERT_EQUAL(dhcp6_parse(b, w.len, &codes, &m), DHCP6_E_TOOMANY);
	/* Four prefixes fit. */
	be16_put(b + 6, 12 + 4 * 29);
	CU_ASSERT_EQUAL(dhcp6_parse(b, w.len - 29, &codes, &m), DHCP6_OK);
	CU_ASSERT_EQUAL(m.ia_pd[0].n_prefix, DHCP6_MAX_LEASE);
	/* Five IA_NAs, then five IAADDRs in one IA_NA. */
	wbuf_init(&w, b, sizeof(b));
	wbuf_put_u32(&w, 0x07000001);
	for (int i = 0; i < 5; i++) {
		wbuf_put_u16(&w, DHCP6_OPT_IA_NA);
		wbuf_put_u16(&w, 12);
		wbuf_put_u32(&w, (uint32_t)i);
		wbuf_put_zero(&w, 8);
	}
	CU_ASSERT_EQUAL(dhcp6_parse(b, w.len, &codes, &m), DHCP6_E_TOOMANY);
	CU_ASSERT_EQUAL(dhcp6_parse(b, w.len - 16, &codes, &m), DHCP6_OK);
	CU_ASSERT_EQUAL(m.n_ia_na, DHCP6_MAX_IA);
	CU_ASSERT_EQUAL(m.ia_na[3].iaid, 3);
	wbuf_init(&w, b, sizeof(b));
	wbuf_put_u32(&w, 0x07000001);
	wbuf_put_u16(&w, DHCP6_OPT_IA_NA);
	wbuf_put_u16(&w, 12 + 5 * 28);
	wbuf_put_zero(&w, 12);
	for (int i = 0; i < 5; i++) {
		wbuf_put_u16(&w, DHCP6_OPT_IAADDR);
		wbuf_put_u16(&w, 24);
		wbuf_put_zero(&w, 24);
	}
	CU_ASSERT_FALSE(w.err);
	CU_ASSERT_EQUAL(dhcp6_parse(b, w.len, &codes, &m), DHCP6_E_TOOMANY);
	/* The builder refuses what the parser could not take back. */
	msg_solicit(&m);
	m.n_ia_pd = DHCP6_MAX_IA + 1;
	CU_ASSERT_EQUAL(dhcp6_build(&m, &codes, b, sizeof(b)), DHCP6_E_INVAL);
	msg_solicit(&m);
	m.ia_pd[0].prefix[0].plen = 129;
	CU_ASSERT_EQUAL(dhcp6_build(&m, &codes, b, sizeof(b)), DHCP6_E_INVAL);
	msg_solicit(&m);
	m.ia_pd[0].n_prefix = DHCP6_MAX_LEASE + 1;
	CU_ASSERT_EQUAL(dhcp6_build(&m, &codes, b, sizeof(b)), DHCP6_E_INVAL);
	msg_iana(&m);
	m.ia_na[0].addr[0].o.cont_type = CONT_MAX + 1;
	CU_ASSERT_EQUAL(dhcp6_build(&m, &codes, b, sizeof(b)), DHCP6_E_INVAL);
	msg_solicit(&m);
	m.type = 12;
	CU_ASSERT_EQUAL(dhcp6_build(&m, &codes, b, sizeof(b)), DHCP6_E_INVAL);
	/* Overflow is an error at every short capacity, never a cut. */
	msg_anchor(&m);
	for (size_t cap = 0; cap < 4 + 14 + 14 + 76; cap++)
		CU_ASSERT_EQUAL(dhcp6_build(&m, &codes, b, cap), DHCP6_E_BUF);
	CU_ASSERT_EQUAL(dhcp6_build(&m, &codes, b, 4 + 14 + 14 + 76),
	    4 + 14 + 14 + 76);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random and mutated input never crashes; whatever parses rebuilds
 * into something that parses to the same structure. */
static void
test_fuzz(void)
{
	size_t accepted = 0;

	dhcp6_codes_default(&codes);
	for (int i = 0; i < 200000; i++) {
		uint8_t base[512], *c;
		size_t n;
		struct dhcp6_msg m, again;

		if (i & 1) {
			n = unhex(goldens[(size_t)i % NGOLDEN].hex, base,
			    sizeof(base));
			for (int k = 0; k < 1 + (int)(xorshift() % 4); k++)
				base[xorshift() % n] = (uint8_t)xorshift();
		} else {
			n = xorshift() % 200;
			for (size_t k = 0; k < n; k++)
				base[k] = (uint8_t)xorshift();
		}
		c = malloc(n ? n : 1);
		memcpy(c, base, n);
		if (dhcp6_parse(c, n, &codes, &m) == DHCP6_OK) {
			uint8_t out[2048];
			ssize_t len = dhcp6_build(&m, &codes, out, sizeof(out));

			accepted++;
			CU_ASSERT_TRUE(len > 0);
			if (len > 0) {
				CU_ASSERT_EQUAL(dhcp6_parse(out, (size_t)len,
				    &codes, &again), DHCP6_OK);
				CU_ASSERT_EQUAL(memcmp(&m, &again,
				    sizeof(m)), 0);
			}
		}
		free(c);
	}
	CU_ASSERT_TRUE(accepted > 1000);
}

static void
test_names(void)
{
	CU_ASSERT_STRING_EQUAL(dhcp6_msg_name(DHCP6_MSG_SOLICIT), "SOLICIT");
	CU_ASSERT_STRING_EQUAL(dhcp6_msg_name(200), "unknown");
	CU_ASSERT_STRING_EQUAL(dhcp6_status_name(6), "NoPrefixAvail");
	CU_ASSERT_STRING_EQUAL(dhcp6_cont_name(CONT_GRACEFUL),
	    "graceful-replacement");
	CU_ASSERT_EQUAL(dhcp6_cont_from_name("session-lasting"), 2);
	CU_ASSERT_EQUAL(dhcp6_cont_from_name("sticky"), -1);
	CU_ASSERT_STRING_EQUAL(dhcp6_cont_name(CONT_ANY), "any");
	CU_ASSERT_STRING_EQUAL(dhcp6_cont_name(5), "unknown");
	CU_ASSERT_EQUAL(dhcp6_cont_from_name("graceful-replacement"),
	    CONT_GRACEFUL);
	CU_ASSERT_EQUAL(dhcp6_cont_from_name(NULL), -1);
	CU_ASSERT_STRING_EQUAL(dhcp6_status_name(7), "unknown");
	CU_ASSERT_STRING_EQUAL(dhcp6_msg_name(13), "RELAY-REPL");
	CU_ASSERT_STRING_EQUAL(dhcp6_strerror(DHCP6_E_RELAY),
	    "relay messages not supported");
	CU_ASSERT_STRING_EQUAL(dhcp6_strerror(DHCP6_E_INVAL),
	    "invalid message structure");
	CU_ASSERT_STRING_EQUAL(dhcp6_strerror(-10), "unknown error");
	CU_ASSERT_STRING_EQUAL(dhcp6_strerror(INT_MIN), "unknown error");
	CU_ASSERT_STRING_EQUAL(dhcp6_strerror(1), "unknown error");
}

static int
cu_register(void)
{
	static CU_TestInfo tests[] = {
		{ "golden bytes and round trip", test_golden },
		{ "parsed field values", test_fields },
		{ "configurable option codes", test_custom_codes },
		{ "truncation at every length", test_truncated },
		{ "malformed options", test_malformed },
		{ "fixed lengths and nested options", test_fixed_lengths },
		{ "DUID length bounds", test_duid_bounds },
		{ "status text truncation", test_status_text },
		{ "too many IAs and prefixes", test_too_many },
		{ "200k random and mutated inputs", test_fuzz },
		{ "names", test_names },
		CU_TEST_INFO_NULL
	};

	CU_SUITE("dhcp6", tests);
	return 0;
}
