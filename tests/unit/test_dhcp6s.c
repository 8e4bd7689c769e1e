/*
 * test_dhcp6s.c: the DHCPv6 codec additions (common/dhcp6_ext.c) with
 * golden bytes written by hand from RFC 8415 21, and the prefix
 * delegation server engine (dhp/dhcp6s.c): RFC 8415 16/18.3/18.4 and the
 * continuity option rules of PROTOCOL.md D.3/D.4 (never added unless
 * asked, only configured types, sticky per binding).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp6.h"
#include "dhcp6_ext.h"
#include "dhcp6s.h"
#include "log.h"
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

/* ---- dhcp6_ext ------------------------------------------------------ */

static void
test_ext_golden(void)
{
	/* SOLICIT xid 0xabcdef with only the appended options: Elapsed Time
	 * 0x0102, ORO {82, 65001}, Preference 7, Rapid Commit, SOL_MAX_RT
	 * 120, continuity (message level) 2. */
	static const char want_hex[] =
	    "01abcdef"
	    "0008 0002 0102"
	    "0006 0004 0052 fde9"
	    "0007 0001 07"
	    "000e 0000"
	    "0052 0004 00000078"
	    "fde9 0001 02";
	uint8_t want[128], buf[128] = { 1, 0xab, 0xcd, 0xef };
	struct dhcp6_ext e, back;
	size_t wn = unhex(want_hex, want, sizeof(want));
	ssize_t n;

	memset(&e, 0, sizeof(e));
	e.has_elapsed = true;
	e.elapsed = 0x0102;
	e.oro[e.n_oro++] = DHCP6_OPT_SOL_MAX_RT;
	e.oro[e.n_oro++] = 65001;
	e.has_pref = true;
	e.pref = 7;
	e.rapid_commit = true;
	e.has_sol_max_rt = true;
	e.sol_max_rt = 120;
	e.has_cont = true;
	e.cont_type = CONT_SESSION_LASTING;
	n = dhcp6_ext_append(buf, 4, sizeof(buf), &codes, &e);
	CU_ASSERT_EQUAL_FATAL(n, (ssize_t)wn);
	CU_ASSERT(memcmp(buf, want, wn) == 0);
	CU_ASSERT_EQUAL(dhcp6_ext_parse(want, wn, &codes, &back), DHCP6_OK);
	CU_ASSERT(back.has_elapsed && back.elapsed == 0x0102);
	CU_ASSERT(back.n_oro == 2 && back.oro[0] == 82 && back.oro[1] == 65001);
	CU_ASSERT(back.has_pref && back.pref == 7 && back.rapid_commit);
	CU_ASSERT(back.has_sol_max_rt && back.sol_max_rt == 120);
	CU_ASSERT(back.has_cont && back.cont_type == CONT_SESSION_LASTING);
	/* Too small a buffer is an error, not a truncation. */
	CU_ASSERT_EQUAL(dhcp6_ext_append(buf, 4, 10, &codes, &e), DHCP6_E_BUF);
}

static void
test_ext_ia_pd_level(void)
{
	/* REPLY with IA_PD{IAID 7, IAPREFIX{...}, CONTINUITY{4}} (Kea's
	 * flex-option sub-option placement) and a second IA_PD without. */
	static const char hex[] =
	    "07000001"
	    "0019 002e 00000007 00000000 00000000"
	    "001a 0019 00000258 000004b0 38 20010db8010000000000000000000000"
	    "fde9 0001 04"
	    "0019 000c 00000008 00000000 00000000";
	uint8_t b[128];
	size_t n = unhex(hex, b, sizeof(b));
	struct dhcp6_ext e;
	struct dhcp6_msg m;

	CU_ASSERT_EQUAL_FATAL(dhcp6_parse(b, n, &codes, &m), DHCP6_OK);
	CU_ASSERT_EQUAL_FATAL(dhcp6_ext_parse(b, n, &codes, &e), DHCP6_OK);
	CU_ASSERT(!m.ia_pd[0].prefix[0].o.has_continuity);
	CU_ASSERT_EQUAL(e.n_ia_pd, 2);
	CU_ASSERT(e.ia_pd[0].iaid == 7 && e.ia_pd[0].has_cont &&
	    e.ia_pd[0].cont_type == CONT_GRACEFUL);
	CU_ASSERT(e.ia_pd[1].iaid == 8 && !e.ia_pd[1].has_cont);
	CU_ASSERT(!e.has_cont);
}

static void
test_ext_malformed(void)
{
	static const char *const bad[] = {
		"0700",				/* short */
		"07000001 0006 0003 000102",	/* ORO odd */
		"07000001 0008 0003 000000",	/* elapsed 3 */
		"07000001 0007 0001 01 0007 0001 02",	/* pref twice */
		"07000001 000e 0001 00",	/* rapid commit with data */
		"07000001 fde9 0001 09",	/* type 9 */
		"07000001 fde9 0002 0101",	/* len 2 */
		"07000001 fde9 0001 01 fde9 0001 02",	/* twice */
		"07000001 0019 0008 00000001 00000000",	/* IA_PD short */
		"07000001 0019 0011 00000001 00000000 00000000 fde90001",
		"07000001 0052 0003 000078",	/* SOL_MAX_RT 3 octets */
		"07000001 0008 0004 0000",	/* runs past the end */
		"0c000001",			/* RELAY-FORW */
	};
	uint8_t b[128];
	struct dhcp6_ext e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = unhex(bad[i], b, sizeof(b));

		CU_ASSERT(dhcp6_ext_parse(b, n, &codes, &e) < 0);
	}
	/* SOL_MAX_RT out of 60..86400 is ignored, not an error. */
	{
		size_t n = unhex("07000001 0052 0004 0000000a", b, sizeof(b));

		CU_ASSERT_EQUAL(dhcp6_ext_parse(b, n, &codes, &e), DHCP6_OK);
		CU_ASSERT(!e.has_sol_max_rt);
	}
}

static void
test_ext_duid(void)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };
	struct dhcp6_duid d, d2;
	char s[2 * DHCP6_DUID_MAX + 1];

	CU_ASSERT_EQUAL(dhcp6_duid_ll(&d, 1, mac, 6), 0);
	CU_ASSERT_STRING_EQUAL(dhcp6_duid_str(&d, s, sizeof(s)),
	    "00030001020000000009");
	d2 = d;
	CU_ASSERT(dhcp6_duid_eq(&d, &d2));
	d2.b[9] = 8;
	CU_ASSERT(!dhcp6_duid_eq(&d, &d2));
	CU_ASSERT_EQUAL(dhcp6_elapsed(1000, 1000 + 12345), 1234);
	CU_ASSERT_EQUAL(dhcp6_elapsed(0, 10000000), 0xffff);
	CU_ASSERT_EQUAL(dhcp6_elapsed(500, 100), 0);
}

/* ---- the server engine -------------------------------------------- */

#define NOW	1000000

static struct dhcp6_duid sid, cid, cid2;

static void
mkduid(struct dhcp6_duid *d, uint8_t last)
{
	uint8_t mac[6] = { 2, 0, 0, 0, 0, last };

	dhcp6_duid_ll(d, 1, mac, 6);
}

static void
base_cfg(struct dhcp6s_cfg *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->ifname, sizeof(c->ifname), "acc0");
	mkduid(&c->duid, 0xaa);
	dhcp6_codes_default(&c->codes);
	inet_pton(AF_INET6, "2001:db8:100::", &c->pool);
	c->pool_len = 48;
	c->plen = 56;
	c->grant[CONT_SESSION_LASTING] = c->grant[CONT_NON_PERSISTENT] = true;
	c->order[0] = CONT_SESSION_LASTING;
	c->order[1] = CONT_NON_PERSISTENT;
	c->norder = 2;
	c->preferred = 300;
	c->valid = 600;
	c->max_bindings = 16;
	inet_pton(AF_INET6, "2001:db8:1::1", &c->anchor);
}

/* A client message: IA_PD iaid with one IAPREFIX (prefix or ::/plen)
 * carrying the option when cont >= 0. */
struct req {
	uint8_t			type;
	const struct dhcp6_duid	*client, *server;
	uint32_t		iaid;
	int			cont;
	const char		*prefix;	/* NULL: no IAPREFIX */
	uint8_t			plen;
	bool			rapid;
	bool			anchor, anchor_required;
	const char		*anchor_addr;
	bool			anchor_only;	/* cont only inside it */
};

static size_t
mkreq(const struct req *q, uint8_t *buf, size_t cap)
{
	struct dhcp6_msg m;
	struct dhcp6_ext e;
	struct dhcp6_prefix *p;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = q->type;
	m.xid = 0x123456;
	if (q->client != NULL)
		m.clientid = *q->client;
	if (q->server != NULL)
		m.serverid = *q->server;
	m.n_ia_pd = 1;
	m.ia_pd[0].iaid = q->iaid;
	if (q->prefix != NULL) {
		p = &m.ia_pd[0].prefix[m.ia_pd[0].n_prefix++];
		inet_pton(AF_INET6, q->prefix, &p->prefix);
		p->plen = q->plen;
		if (q->cont >= 0 && !q->anchor_only) {
			p->o.has_continuity = true;
			p->o.cont_type = (uint8_t)q->cont;
		}
		if (q->anchor) {
			p->o.has_anchor = true;
			inet_pton(AF_INET6, q->anchor_addr, &p->o.anchor);
			p->o.anchor_flags = q->anchor_required ?
			    DHCP6_ANCHOR_F_REQUIRED : 0;
			if (q->cont >= 0) {
				p->o.anchor_has_cont = true;
				p->o.anchor_cont_type = (uint8_t)q->cont;
			}
		}
	}
	n = dhcp6_build(&m, &codes, buf, cap);
	CU_ASSERT_FATAL(n > 0);
	memset(&e, 0, sizeof(e));
	e.has_elapsed = true;
	e.rapid_commit = q->rapid;
	n = dhcp6_ext_append(buf, (size_t)n, cap, &codes, &e);
	CU_ASSERT_FATAL(n > 0);
	return (size_t)n;
}

/* Send q; parse the answer into *a. Returns the input's verdict. */
static int
ask(struct dhcp6s *s, const struct req *q, bool mcast, uint64_t now,
    struct dhcp6_msg *a, size_t *alen)
{
	uint8_t in[512], out[DHCP6S_MSG_MAX];
	size_t n = mkreq(q, in, sizeof(in)), olen = 0;
	int rc = dhcp6s_input(s, in, n, mcast, now, out, sizeof(out), &olen);

	*alen = olen;
	memset(a, 0, sizeof(*a));
	if (olen > 0)
		CU_ASSERT_EQUAL(dhcp6_parse(out, olen, &codes, a), DHCP6_OK);
	return rc;
}

static void
test_s_advertise(void)
{
	struct dhcp6s_cfg cfg;
	struct dhcp6s *s;
	struct dhcp6_msg a;
	const struct dhcp6s_binding *b;
	struct req q = { .type = DHCP6_MSG_SOLICIT, .client = &cid,
	    .iaid = 1, .cont = CONT_SESSION_LASTING, .prefix = "::",
	    .plen = 56 };
	char p[INET6_ADDRSTRLEN];
	size_t alen;

	base_cfg(&cfg);
	cfg.preference = 9;
	s = dhcp6s_new(&cfg);
	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT_EQUAL(ask(s, &q, true, NOW, &a, &alen), 0);
	CU_ASSERT_EQUAL(a.type, DHCP6_MSG_ADVERTISE);
	CU_ASSERT_EQUAL(a.xid, 0x123456);
	CU_ASSERT(dhcp6_duid_eq(&a.clientid, &cid));
	CU_ASSERT(dhcp6_duid_eq(&a.serverid, &sid));
	CU_ASSERT_EQUAL_FATAL(a.n_ia_pd, 1);
	CU_ASSERT_EQUAL(a.ia_pd[0].iaid, 1);
	CU_ASSERT_EQUAL(a.ia_pd[0].t1, 150);	/* 0.5 and 0.8 of 300 */
	CU_ASSERT_EQUAL(a.ia_pd[0].t2, 240);
	CU_ASSERT_EQUAL_FATAL(a.ia_pd[0].n_prefix, 1);
	CU_ASSERT_STRING_EQUAL(inet_ntop(AF_INET6, &a.ia_pd[0].prefix[0].prefix,
	    p, sizeof(p)), "2001:db8:100::");
	CU_ASSERT_EQUAL(a.ia_pd[0].prefix[0].plen, 56);
	CU_ASSERT_EQUAL(a.ia_pd[0].prefix[0].preferred, 300);
	CU_ASSERT_EQUAL(a.ia_pd[0].prefix[0].valid, 600);
	CU_ASSERT(a.ia_pd[0].prefix[0].o.has_continuity);
	CU_ASSERT_EQUAL(a.ia_pd[0].prefix[0].o.cont_type,
	    CONT_SESSION_LASTING);
	/* An offer commits nothing. */
	CU_ASSERT_EQUAL(dhcp6s_bindings(s, &b), 0);
	/* A client that did not use the option never sees it (rule 4). */
	q.cont = -1;
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT_EQUAL(a.type, DHCP6_MSG_ADVERTISE);
	CU_ASSERT(!a.ia_pd[0].prefix[0].o.has_continuity);
	q.prefix = NULL;	/* no IAPREFIX at all: still a prefix */
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT_EQUAL(a.ia_pd[0].n_prefix, 1);
	CU_ASSERT(!a.ia_pd[0].prefix[0].o.has_continuity);
	dhcp6s_free(s);
}

static void
test_s_grant_sticky(void)
{
	struct dhcp6s_cfg cfg;
	struct dhcp6s *s;
	struct dhcp6_msg a;
	const struct dhcp6s_binding *b;
	struct req q = { .type = DHCP6_MSG_REQUEST, .client = &cid,
	    .server = &sid, .iaid = 1, .cont = CONT_SESSION_LASTING,
	    .prefix = "2001:db8:100:500::", .plen = 56 };
	size_t alen;

	base_cfg(&cfg);
	s = dhcp6s_new(&cfg);
	CU_ASSERT_FATAL(s != NULL);
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT_EQUAL(a.type, DHCP6_MSG_REPLY);
	CU_ASSERT_EQUAL_FATAL(dhcp6s_bindings(s, &b), 1);
	CU_ASSERT(b[0].has_cont && b[0].cont_type == CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(b[0].index, 5);		/* the hint was free */
	CU_ASSERT_EQUAL(dhcp6s_stats(s)->granted[CONT_SESSION_LASTING], 1);
	CU_ASSERT(a.ia_pd[0].prefix[0].o.has_continuity);
	/* RENEW without the option: it stays (rule 4). */
	q.type = DHCP6_MSG_RENEW;
	q.cont = -1;
	ask(s, &q, true, NOW + 1000, &a, &alen);
	CU_ASSERT_EQUAL(a.type, DHCP6_MSG_REPLY);
	CU_ASSERT(a.ia_pd[0].prefix[0].o.has_continuity);
	CU_ASSERT_EQUAL(a.ia_pd[0].prefix[0].o.cont_type,
	    CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(dhcp6s_stats(s)->option_kept, 1);
	/* Another type asked later: the first one granted stays. */
	q.cont = CONT_NON_PERSISTENT;
	ask(s, &q, true, NOW + 2000, &a, &alen);
	CU_ASSERT_EQUAL(a.ia_pd[0].prefix[0].o.cont_type,
	    CONT_SESSION_LASTING);
	/* REBIND (no server id) too, and the expiry moved. */
	q.type = DHCP6_MSG_REBIND;
	q.server = NULL;
	q.cont = -1;
	ask(s, &q, true, NOW + 3000, &a, &alen);
	CU_ASSERT_EQUAL(a.type, DHCP6_MSG_REPLY);
	CU_ASSERT(a.ia_pd[0].prefix[0].o.has_continuity);
	CU_ASSERT_EQUAL(dhcp6s_bindings(s, &b), 1);
	CU_ASSERT_EQUAL(b[0].expiry_ms, NOW + 3000 + 600000);
	CU_ASSERT_EQUAL(dhcp6s_stats(s)->renewed, 3);
	dhcp6s_free(s);
}

static void
test_s_types(void)
{
	struct dhcp6s_cfg cfg;
	struct dhcp6s *s;
	struct dhcp6_msg a;
	struct req q = { .type = DHCP6_MSG_REQUEST, .client = &cid,
	    .server = &sid, .iaid = 1, .cont = CONT_FIXED, .prefix = "::",
	    .plen = 0 };
	size_t alen;

	base_cfg(&cfg);
	s = dhcp6s_new(&cfg);
	CU_ASSERT_FATAL(s != NULL);
	/* FIXED is not granted: the first configured type, reported. */
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT_EQUAL(a.ia_pd[0].prefix[0].o.cont_type,
	    CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(dhcp6s_stats(s)->substituted, 1);
	/* ANY: the first configured type, not counted as a substitute. */
	q.client = &cid2;
	q.cont = CONT_ANY;
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT_EQUAL(a.ia_pd[0].prefix[0].o.cont_type,
	    CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(dhcp6s_stats(s)->substituted, 1);
	/* A granted type is given as asked. */
	q.iaid = 2;
	q.cont = CONT_NON_PERSISTENT;
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT_EQUAL(a.ia_pd[0].prefix[0].o.cont_type,
	    CONT_NON_PERSISTENT);
	/* D.4 rule 5: the type only inside the Anchor Preference option. */
	q.iaid = 3;
	q.cont = CONT_NON_PERSISTENT;
	q.anchor = q.anchor_only = true;
	q.anchor_addr = "2001:db8:1::1";
	q.anchor_required = true;
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT(a.ia_pd[0].prefix[0].o.has_continuity);
	CU_ASSERT_EQUAL(a.ia_pd[0].prefix[0].o.cont_type,
	    CONT_NON_PERSISTENT);
	CU_ASSERT(!a.ia_pd[0].prefix[0].o.has_anchor);
	/* A required anchor that is not us: NoPrefixAvail. */
	q.iaid = 4;
	q.anchor_addr = "2001:db8:2::1";
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT_EQUAL(a.ia_pd[0].n_prefix, 0);
	CU_ASSERT(a.ia_pd[0].status.has &&
	    a.ia_pd[0].status.code == DHCP6_ST_NO_PREFIX_AVAIL);
	/* ...only a preference: served. */
	q.anchor_required = false;
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT_EQUAL(a.ia_pd[0].n_prefix, 1);
	dhcp6s_free(s);
}

static void
test_s_legacy_then_option(void)
{
	struct dhcp6s_cfg cfg;
	struct dhcp6s *s;
	struct dhcp6_msg a;
	const struct dhcp6s_binding *b;
	struct req q = { .type = DHCP6_MSG_REQUEST, .client = &cid,
	    .server = &sid, .iaid = 1, .cont = -1, .prefix = NULL };
	size_t alen;

	base_cfg(&cfg);
	s = dhcp6s_new(&cfg);
	CU_ASSERT_FATAL(s != NULL);
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT_EQUAL_FATAL(a.ia_pd[0].n_prefix, 1);
	CU_ASSERT(!a.ia_pd[0].prefix[0].o.has_continuity);
	CU_ASSERT_EQUAL(dhcp6s_stats(s)->legacy, 1);
	dhcp6s_bindings(s, &b);
	CU_ASSERT(!b[0].has_cont);
	/* A later RENEW that uses the option for that prefix is the
	 * first use: granted from then on (a client retrying later). */
	q.type = DHCP6_MSG_RENEW;
	q.cont = CONT_SESSION_LASTING;
	q.prefix = "2001:db8:100::";
	q.plen = 56;
	ask(s, &q, true, NOW + 1, &a, &alen);
	CU_ASSERT(a.ia_pd[0].prefix[0].o.has_continuity);
	dhcp6s_bindings(s, &b);
	CU_ASSERT(b[0].has_cont && b[0].cont_type == CONT_SESSION_LASTING);
	dhcp6s_free(s);
}

static void
test_s_ids_unicast(void)
{
	struct dhcp6s_cfg cfg;
	struct dhcp6s *s;
	struct dhcp6_msg a;
	struct dhcp6_duid other;
	struct req q = { .type = DHCP6_MSG_REQUEST, .client = &cid,
	    .server = &sid, .iaid = 1, .cont = -1 };
	const struct dhcp6s_stats *st;
	size_t alen;

	base_cfg(&cfg);
	mkduid(&other, 0xbb);
	s = dhcp6s_new(&cfg);
	CU_ASSERT_FATAL(s != NULL);
	st = dhcp6s_stats(s);
	q.server = &other;			/* another server's */
	CU_ASSERT_EQUAL(ask(s, &q, true, NOW, &a, &alen), -1);
	q.server = NULL;			/* none */
	CU_ASSERT_EQUAL(ask(s, &q, true, NOW, &a, &alen), -1);
	CU_ASSERT_EQUAL(st->drop_serverid, 2);
	q.type = DHCP6_MSG_SOLICIT;		/* Solicit with one */
	q.server = &sid;
	CU_ASSERT_EQUAL(ask(s, &q, true, NOW, &a, &alen), -1);
	q.server = NULL;			/* no client id */
	q.client = NULL;
	CU_ASSERT_EQUAL(ask(s, &q, true, NOW, &a, &alen), -1);
	CU_ASSERT_EQUAL(st->drop_serverid, 3);
	CU_ASSERT_EQUAL(st->drop_clientid, 1);
	CU_ASSERT_EQUAL(alen, 0);
	/* 18.4: unicast Solicit dropped, unicast Request UseMulticast. */
	q.client = &cid;
	CU_ASSERT_EQUAL(ask(s, &q, false, NOW, &a, &alen), -1);
	CU_ASSERT_EQUAL(st->drop_unicast, 1);
	q.type = DHCP6_MSG_REQUEST;
	q.server = &sid;
	CU_ASSERT_EQUAL(ask(s, &q, false, NOW, &a, &alen), 0);
	CU_ASSERT_EQUAL(a.type, DHCP6_MSG_REPLY);
	CU_ASSERT(a.status.has && a.status.code == DHCP6_ST_USE_MULTICAST);
	CU_ASSERT_EQUAL(a.n_ia_pd, 0);
	/* CONFIRM: no answer for prefixes (18.3.3). */
	q.type = DHCP6_MSG_CONFIRM;
	q.server = NULL;
	CU_ASSERT_EQUAL(ask(s, &q, true, NOW, &a, &alen), 0);
	CU_ASSERT_EQUAL(alen, 0);
	CU_ASSERT_EQUAL(st->ignored, 1);
	/* A server message sent to us. */
	q.type = DHCP6_MSG_REPLY;
	CU_ASSERT_EQUAL(ask(s, &q, true, NOW, &a, &alen), -1);
	CU_ASSERT_EQUAL(st->drop_type, 1);
	/* INFORMATION-REQUEST: an answer with our id. */
	q.type = DHCP6_MSG_INFO_REQ;
	CU_ASSERT_EQUAL(ask(s, &q, true, NOW, &a, &alen), 0);
	CU_ASSERT(a.type == DHCP6_MSG_REPLY &&
	    dhcp6_duid_eq(&a.serverid, &sid));
	dhcp6s_free(s);
}

static void
test_s_exhaustion_release_expiry(void)
{
	struct dhcp6s_cfg cfg;
	struct dhcp6s *s;
	struct dhcp6_msg a;
	const struct dhcp6s_binding *b;
	struct req q = { .type = DHCP6_MSG_REQUEST, .client = &cid,
	    .server = &sid, .cont = CONT_SESSION_LASTING, .prefix = "::",
	    .plen = 0 };
	size_t alen;

	base_cfg(&cfg);
	cfg.plen = 50;		/* 4 prefixes */
	s = dhcp6s_new(&cfg);
	CU_ASSERT_FATAL(s != NULL);
	for (uint32_t i = 1; i <= 4; i++) {
		q.iaid = i;
		ask(s, &q, true, NOW + i, &a, &alen);
		CU_ASSERT_EQUAL(a.ia_pd[0].n_prefix, 1);
	}
	q.iaid = 5;
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT_EQUAL(a.ia_pd[0].n_prefix, 0);
	CU_ASSERT(a.ia_pd[0].status.code == DHCP6_ST_NO_PREFIX_AVAIL);
	CU_ASSERT_EQUAL(dhcp6s_stats(s)->no_prefix, 1);
	/* RELEASE IAID 2: gone, and its prefix is free again. */
	q.type = DHCP6_MSG_RELEASE;
	q.iaid = 2;
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT(a.type == DHCP6_MSG_REPLY && a.status.has &&
	    a.status.code == DHCP6_ST_SUCCESS);
	CU_ASSERT_EQUAL(a.n_ia_pd, 0);
	CU_ASSERT_EQUAL(dhcp6s_bindings(s, &b), 3);
	ask(s, &q, true, NOW, &a, &alen);	/* again: NoBinding */
	CU_ASSERT(a.n_ia_pd == 1 && a.ia_pd[0].status.code ==
	    DHCP6_ST_NO_BINDING);
	q.type = DHCP6_MSG_RENEW;		/* renew it: NoBinding */
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT(a.ia_pd[0].status.code == DHCP6_ST_NO_BINDING);
	q.type = DHCP6_MSG_REQUEST;
	q.iaid = 5;
	ask(s, &q, true, NOW + 10, &a, &alen);
	CU_ASSERT_EQUAL(a.ia_pd[0].n_prefix, 1);
	/* Expiry: IAID 1 was made at NOW + 1. */
	CU_ASSERT_EQUAL(dhcp6s_next_expiry(s), NOW + 1 + 600000);
	dhcp6s_expire(s, NOW + 1 + 600000);
	CU_ASSERT_EQUAL(dhcp6s_bindings(s, &b), 3);
	CU_ASSERT_EQUAL(dhcp6s_stats(s)->expired, 1);
	dhcp6s_free(s);
}

static void
test_s_rebind_and_ia_na(void)
{
	struct dhcp6s_cfg cfg;
	struct dhcp6s *s;
	struct dhcp6_msg a, m;
	const struct dhcp6s_binding *b;
	struct req q = { .type = DHCP6_MSG_REBIND, .client = &cid,
	    .iaid = 1, .cont = CONT_SESSION_LASTING,
	    .prefix = "2001:db8:100:700::", .plen = 56 };
	uint8_t in[256], out[DHCP6S_MSG_MAX];
	size_t alen, n;
	ssize_t bn;

	base_cfg(&cfg);
	s = dhcp6s_new(&cfg);
	CU_ASSERT_FATAL(s != NULL);
	/* A REBIND for a free prefix of ours (we restarted): re-bound. */
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT_EQUAL_FATAL(a.ia_pd[0].n_prefix, 1);
	CU_ASSERT_EQUAL(a.ia_pd[0].prefix[0].valid, 600);
	CU_ASSERT(a.ia_pd[0].prefix[0].o.has_continuity);
	CU_ASSERT_EQUAL(dhcp6s_bindings(s, &b), 1);
	CU_ASSERT_EQUAL(b[0].index, 7);
	/* A REBIND for somebody else's prefix: lifetimes 0. */
	q.iaid = 9;
	q.prefix = "2001:db8:999::";
	ask(s, &q, true, NOW, &a, &alen);
	CU_ASSERT_EQUAL_FATAL(a.ia_pd[0].n_prefix, 1);
	CU_ASSERT_EQUAL(a.ia_pd[0].prefix[0].valid, 0);
	CU_ASSERT(!a.ia_pd[0].prefix[0].o.has_continuity);
	/* IA_NA in a Solicit: NoAddrsAvail, the IA_PD still served. */
	memset(&m, 0, sizeof(m));
	m.type = DHCP6_MSG_SOLICIT;
	m.xid = 1;
	m.clientid = cid;
	m.n_ia_na = 1;
	m.ia_na[0].iaid = 3;
	m.n_ia_pd = 1;
	m.ia_pd[0].iaid = 4;
	bn = dhcp6_build(&m, &codes, in, sizeof(in));
	CU_ASSERT_FATAL(bn > 0);
	CU_ASSERT_EQUAL(dhcp6s_input(s, in, (size_t)bn, true, NOW, out,
	    sizeof(out), &n), 0);
	CU_ASSERT_EQUAL_FATAL(dhcp6_parse(out, n, &codes, &a), DHCP6_OK);
	CU_ASSERT(a.n_ia_na == 1 && a.ia_na[0].status.code ==
	    DHCP6_ST_NO_ADDRS_AVAIL);
	CU_ASSERT(a.n_ia_pd == 1 && a.ia_pd[0].n_prefix == 1);
	dhcp6s_free(s);
}

static void
test_s_rapid_commit(void)
{
	struct dhcp6s_cfg cfg;
	struct dhcp6s *s;
	struct dhcp6_msg a;
	const struct dhcp6s_binding *b;
	struct req q = { .type = DHCP6_MSG_SOLICIT, .client = &cid,
	    .iaid = 1, .cont = CONT_NON_PERSISTENT, .prefix = "::",
	    .rapid = true };
	uint8_t in[256], out[DHCP6S_MSG_MAX];
	struct dhcp6_ext e;
	size_t n, olen;

	base_cfg(&cfg);
	s = dhcp6s_new(&cfg);
	CU_ASSERT_FATAL(s != NULL);
	ask(s, &q, true, NOW, &a, &n);		/* not allowed: ADVERTISE */
	CU_ASSERT_EQUAL(a.type, DHCP6_MSG_ADVERTISE);
	dhcp6s_free(s);
	cfg.rapid_commit = true;
	s = dhcp6s_new(&cfg);
	CU_ASSERT_FATAL(s != NULL);
	n = mkreq(&q, in, sizeof(in));
	dhcp6s_input(s, in, n, true, NOW, out, sizeof(out), &olen);
	CU_ASSERT_EQUAL_FATAL(dhcp6_parse(out, olen, &codes, &a), DHCP6_OK);
	CU_ASSERT_EQUAL_FATAL(dhcp6_ext_parse(out, olen, &codes, &e),
	    DHCP6_OK);
	CU_ASSERT_EQUAL(a.type, DHCP6_MSG_REPLY);
	CU_ASSERT(e.rapid_commit);
	CU_ASSERT_EQUAL(dhcp6s_bindings(s, &b), 1);
	CU_ASSERT(b[0].has_cont && b[0].cont_type == CONT_NON_PERSISTENT);
	dhcp6s_free(s);
}

static void
test_s_bad_cfg(void)
{
	struct dhcp6s_cfg cfg;

	base_cfg(&cfg);
	cfg.plen = 47;
	CU_ASSERT(dhcp6s_new(&cfg) == NULL);
	base_cfg(&cfg);
	cfg.plen = 80;		/* 2^32 prefixes */
	CU_ASSERT(dhcp6s_new(&cfg) == NULL);
	base_cfg(&cfg);
	cfg.order[0] = CONT_FIXED;	/* listed, not granted */
	CU_ASSERT(dhcp6s_new(&cfg) == NULL);
	base_cfg(&cfg);
	cfg.duid.len = 0;
	CU_ASSERT(dhcp6s_new(&cfg) == NULL);
}

/* Malformed and mutated input: dropped and counted, never a crash;
 * every message is answered or counted as dropped or ignored. */
static void
test_s_fuzz(void)
{
	struct dhcp6s_cfg cfg;
	struct dhcp6s *s;
	struct req q = { .type = DHCP6_MSG_REQUEST, .client = &cid,
	    .server = &sid, .iaid = 1, .cont = CONT_SESSION_LASTING,
	    .prefix = "2001:db8:100:100::", .plen = 56, .anchor = true,
	    .anchor_addr = "2001:db8:1::1" };
	uint8_t seed[512], in[512], out[DHCP6S_MSG_MAX];
	size_t n = mkreq(&q, seed, sizeof(seed)), olen;
	uint64_t x = 88172645463325252ULL, answered = 0, dropped = 0;
	const struct dhcp6s_stats *st;

	base_cfg(&cfg);
	cfg.plen = 64;
	s = dhcp6s_new(&cfg);
	CU_ASSERT_FATAL(s != NULL);
	for (int i = 0; i < 20000; i++) {
		size_t len = n;

		memcpy(in, seed, n);
		for (int k = 0; k < 1 + i % 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			in[x % n] = (uint8_t)(x >> 24);
		}
		if (i % 7 == 0)
			len = (size_t)(x % (n + 1));	/* truncated */
		if (i % 11 == 0)
			in[0] = (uint8_t)(1 + x % 11);	/* another type */
		if (dhcp6s_input(s, in, len, true, NOW + (uint64_t)i, out,
		    sizeof(out), &olen) == 0)
			answered++;
		else
			dropped++;
		CU_ASSERT(olen <= sizeof(out));
	}
	st = dhcp6s_stats(s);
	CU_ASSERT_EQUAL(st->rx, 20000);
	CU_ASSERT_EQUAL(dropped, st->drop_malformed + st->drop_type +
	    st->drop_clientid + st->drop_serverid + st->drop_unicast +
	    st->tx_errors);
	CU_ASSERT(st->drop_malformed > 1000);
	CU_ASSERT(answered == st->tx_advertise + st->tx_reply + st->ignored);
	CU_ASSERT(dhcp6s_bindings(s, &(const struct dhcp6s_binding *){ 0 })
	    <= cfg.max_bindings);
	dhcp6s_free(s);
}

static void
quiet(int prio, const char *m)
{
	(void)prio;
	(void)m;
}

static CU_TestInfo ext_tests[] = {
	{ "golden bytes and round trip", test_ext_golden },
	{ "continuity beside the IAPREFIX", test_ext_ia_pd_level },
	{ "malformed options refused", test_ext_malformed },
	{ "DUID-LL and elapsed time", test_ext_duid },
	CU_TEST_INFO_NULL
};

static CU_TestInfo server_tests[] = {
	{ "ADVERTISE: option only when asked", test_s_advertise },
	{ "REQUEST grants; sticky on RENEW/REBIND", test_s_grant_sticky },
	{ "only configured types; anchor", test_s_types },
	{ "legacy binding, option used later", test_s_legacy_then_option },
	{ "identifiers, unicast, other types", test_s_ids_unicast },
	{ "exhaustion, release, expiry", test_s_exhaustion_release_expiry },
	{ "REBIND after a restart, IA_NA", test_s_rebind_and_ia_na },
	{ "rapid commit", test_s_rapid_commit },
	{ "bad engine config", test_s_bad_cfg },
	{ "mutated input never crashes", test_s_fuzz },
	CU_TEST_INFO_NULL
};

static int
cu_register(void)
{
	log_init("test_dhcp6s", 1, LOG_LVL_WARN);
	log_set_sink(quiet);
	dhcp6_codes_default(&codes);
	mkduid(&sid, 0xaa);
	mkduid(&cid, 0x01);
	mkduid(&cid2, 0x02);
	CU_SUITE("dhcp6_ext", ext_tests);
	CU_SUITE("dhcp6s", server_tests);
	return 0;
}
