/*
 * test_policy.c: judging new flows (mn/policy.c, PROTOCOL.md G.2, E.4,
 * F.17): every rule kind at its edges, first-match precedence, the
 * default, addresses handed out (HoA, DHoA), CN-initiated flows, the
 * unparsed case, the mark layout (mn/flow_mark.h), and a table loaded
 * from a real mnd.conf.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "cu_main.h"

static struct in6_addr
A(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

static struct pkt_info
P(const char *src, const char *dst, uint8_t proto, uint16_t sp,
    uint16_t dp, uint8_t dscp)
{
	struct pkt_info pi;

	memset(&pi, 0, sizeof(pi));
	pi.src = A(src);
	pi.dst = A(dst);
	pi.proto = proto;
	pi.has_ports = proto == IPPROTO_TCP || proto == IPPROTO_UDP;
	pi.sport = sp;
	pi.dport = dp;
	pi.dscp = dscp;
	pi.tclass = (uint8_t)(dscp << 2);
	return pi;
}

static struct mnd_policy
R(const char *name, uint8_t type)
{
	struct mnd_policy r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.dscp = -1;
	r.type = type;
	return r;
}

static void
decide_out(struct policy_table *pt, const struct pkt_info *pi,
    struct policy_decision *d)
{
	struct policy_pkt pp = { .pkt = pi, .hook = FLOW_HOOK_OUT };

	policy_decide(pt, &pp, d);
}

#define COA	"2001:db8:1::2"
#define HOA	"2001:db8:10::100"
#define CN	"2001:db8:c1::1"

static void
t_mark_layout(void)
{
	CU_ASSERT_EQUAL(FLOW_MARK_MASK, 0x3fff);
	CU_ASSERT_EQUAL(flow_mark_make(0, 0, false, false), 0x1000);
	CU_ASSERT_EQUAL(flow_mark_make(CONT_SESSION_LASTING, 5, false, true),
	    0x3205);
	CU_ASSERT_EQUAL(flow_mark_make(CONT_FIXED, FLOW_ANCHOR_HA, true,
	    false), 0x1901);
	CU_ASSERT_EQUAL(flow_mark_make(CONT_GRACEFUL, 255, false, false),
	    0x14ff);
	CU_ASSERT_EQUAL(flow_mark_type(0x3205), CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(flow_mark_anchor(0x3205), 5);
	/* everything stays under the mask */
	for (unsigned t = 0; t <= CONT_MAX; t++)
		CU_ASSERT_EQUAL(flow_mark_make((uint8_t)t, 255, true, true) &
		    ~FLOW_MARK_MASK, 0);
}

/* One rule of each kind, tested just inside and just outside. */
static void
t_rule_kinds(void)
{
	struct mnd_policy r = R("r", CONT_SESSION_LASTING);
	struct pkt_info pi = P(COA, CN, IPPROTO_TCP, 40000, 22, 0);
	struct policy_pkt pp = { .pkt = &pi, .hook = FLOW_HOOK_OUT };

	CU_ASSERT(policy_rule_matches(&r, &pp));	/* empty row: all */

	r.proto = IPPROTO_UDP;
	CU_ASSERT_FALSE(policy_rule_matches(&r, &pp));
	r.proto = IPPROTO_TCP;
	CU_ASSERT(policy_rule_matches(&r, &pp));

	r.dport = (struct conf_port_range){ true, 20, 22 };
	CU_ASSERT(policy_rule_matches(&r, &pp));
	pi.dport = 23;
	CU_ASSERT_FALSE(policy_rule_matches(&r, &pp));
	pi.dport = 19;
	CU_ASSERT_FALSE(policy_rule_matches(&r, &pp));
	pi.dport = 20;
	CU_ASSERT(policy_rule_matches(&r, &pp));

	r.sport = (struct conf_port_range){ true, 1024, 1024 };
	CU_ASSERT_FALSE(policy_rule_matches(&r, &pp));
	pi.sport = 1024;
	CU_ASSERT(policy_rule_matches(&r, &pp));

	r.has_dst = true;
	conf_prefix_parse("2001:db8:c1::/48", &r.dst, NULL, 0);
	CU_ASSERT(policy_rule_matches(&r, &pp));
	pi.dst = A("2001:db8:c2::1");
	CU_ASSERT_FALSE(policy_rule_matches(&r, &pp));
	pi.dst = A("2001:db8:c1:ffff::1");
	CU_ASSERT(policy_rule_matches(&r, &pp));

	r.has_uid = true;
	r.uid = 1000;
	CU_ASSERT_FALSE(policy_rule_matches(&r, &pp));	/* uid unknown */
	pp.has_uid = true;
	pp.uid = 1001;
	CU_ASSERT_FALSE(policy_rule_matches(&r, &pp));
	pp.uid = 1000;
	CU_ASSERT(policy_rule_matches(&r, &pp));

	r.has_gid = true;
	r.gid = 0;	/* gid 0 is a real condition, not "any" */
	CU_ASSERT_FALSE(policy_rule_matches(&r, &pp));
	pp.has_gid = true;
	pp.gid = 0;
	CU_ASSERT(policy_rule_matches(&r, &pp));

	r.dscp = 46;
	CU_ASSERT_FALSE(policy_rule_matches(&r, &pp));
	pi.dscp = 46;
	CU_ASSERT(policy_rule_matches(&r, &pp));
	r.dscp = 0;	/* DSCP 0 (best effort) is a condition too */
	CU_ASSERT_FALSE(policy_rule_matches(&r, &pp));
}

/* Port conditions need ports: an ICMPv6 echo id is not one; "any"
 * protocol with no port condition matches ICMPv6. */
static void
t_ports_need_transport(void)
{
	struct mnd_policy r = R("r", CONT_FIXED);
	struct pkt_info pi = P(COA, CN, IPPROTO_ICMPV6, 7, 7, 0);
	struct policy_pkt pp = { .pkt = &pi, .hook = FLOW_HOOK_OUT };

	pi.is_icmp = true;
	CU_ASSERT(policy_rule_matches(&r, &pp));
	r.dport = (struct conf_port_range){ true, 0, 65535 };
	CU_ASSERT_FALSE(policy_rule_matches(&r, &pp));
	pp.pkt = NULL;
	r.dport.set = false;
	CU_ASSERT_FALSE(policy_rule_matches(&r, &pp));
}

static void
t_first_match(void)
{
	struct mnd_policy rules[3];
	struct policy_table pt;
	struct policy_decision d;
	struct pkt_info pi;
	struct in6_addr hoa = A(HOA);

	rules[0] = R("ssh", CONT_SESSION_LASTING);
	rules[0].proto = IPPROTO_TCP;
	rules[0].dport = (struct conf_port_range){ true, 22, 22 };
	rules[1] = R("tcp-all", CONT_GRACEFUL);
	rules[1].proto = IPPROTO_TCP;
	rules[2] = R("ssh-late", CONT_FIXED);	/* shadowed by row 0 */
	rules[2].dport = (struct conf_port_range){ true, 22, 22 };
	CU_ASSERT_EQUAL_FATAL(policy_init(&pt, rules, 3, CONT_NON_PERSISTENT,
	    &hoa), 0);

	pi = P(COA, CN, IPPROTO_TCP, 40000, 22, 0);
	decide_out(&pt, &pi, &d);
	CU_ASSERT_EQUAL(d.type, CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(d.rule, 0);
	CU_ASSERT_STRING_EQUAL(d.name, "ssh");
	CU_ASSERT_EQUAL(d.reason, POLICY_RULE);
	CU_ASSERT_EQUAL(d.initiator, FLOW_INIT_MN);
	CU_ASSERT(d.needs_anchor);
	CU_ASSERT_EQUAL(d.anchor, FLOW_ANCHOR_NONE);
	CU_ASSERT_EQUAL(d.mark, 0x1200);

	pi.dport = 80;
	decide_out(&pt, &pi, &d);
	CU_ASSERT_EQUAL(d.type, CONT_GRACEFUL);
	CU_ASSERT_EQUAL(d.rule, 1);
	CU_ASSERT(d.needs_anchor);

	pi = P(COA, CN, IPPROTO_UDP, 40000, 22, 0);	/* row 2 */
	decide_out(&pt, &pi, &d);
	CU_ASSERT_EQUAL(d.type, CONT_FIXED);
	CU_ASSERT_EQUAL(d.rule, 2);
	/* Fixed from the CoA: anchored on the HoA with translation */
	CU_ASSERT_EQUAL(d.anchor, FLOW_ANCHOR_HA);
	CU_ASSERT(d.nat);
	CU_ASSERT_FALSE(d.needs_anchor);
	CU_ASSERT_EQUAL(d.mark, 0x3101);

	pi.dport = 53;					/* nothing */
	decide_out(&pt, &pi, &d);
	CU_ASSERT_EQUAL(d.type, CONT_NON_PERSISTENT);
	CU_ASSERT_EQUAL(d.reason, POLICY_DEFAULT);
	CU_ASSERT_EQUAL(d.rule, -1);
	CU_ASSERT_STRING_EQUAL(d.name, "default");
	CU_ASSERT_FALSE(d.needs_anchor);
	CU_ASSERT_EQUAL(d.mark, 0x1300);

	CU_ASSERT_EQUAL(pt.hits[0], 1);
	CU_ASSERT_EQUAL(pt.hits[1], 1);
	CU_ASSERT_EQUAL(pt.hits[2], 1);
	CU_ASSERT_EQUAL(pt.reason_hits[POLICY_DEFAULT], 1);
	CU_ASSERT_EQUAL(pt.reason_hits[POLICY_RULE], 3);
	policy_free(&pt);
}

/* Addresses handed out come before the table (G.2). */
static void
t_addresses(void)
{
	struct mnd_policy r = R("all", CONT_NON_PERSISTENT);
	struct in6_addr hoa = A(HOA), dhoa = A("2001:db8:d1::7");
	struct policy_table pt;
	struct policy_decision d;
	struct pkt_info pi;

	CU_ASSERT_EQUAL_FATAL(policy_init(&pt, &r, 1, CONT_NON_PERSISTENT,
	    &hoa), 0);
	pi = P(HOA, CN, IPPROTO_TCP, 40000, 22, 0);
	decide_out(&pt, &pi, &d);
	CU_ASSERT_EQUAL(d.type, CONT_FIXED);
	CU_ASSERT_EQUAL(d.reason, POLICY_HOME_ADDRESS);
	CU_ASSERT_STRING_EQUAL(d.name, "home-address");
	CU_ASSERT_EQUAL(d.anchor, FLOW_ANCHOR_HA);
	CU_ASSERT_FALSE(d.nat);		/* already the HoA */
	CU_ASSERT_EQUAL(d.mark, 0x1101);

	CU_ASSERT_EQUAL(policy_addr_set(&pt, &dhoa, CONT_SESSION_LASTING, 7),
	    0);
	pi = P("2001:db8:d1::7", CN, IPPROTO_UDP, 5000, 53, 0);
	decide_out(&pt, &pi, &d);
	CU_ASSERT_EQUAL(d.type, CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(d.reason, POLICY_ANCHOR_ADDRESS);
	CU_ASSERT_EQUAL(d.anchor, 7);
	CU_ASSERT_FALSE(d.needs_anchor);
	CU_ASSERT_EQUAL(d.mark, 0x1207);
	/* re-set replaces */
	CU_ASSERT_EQUAL(policy_addr_set(&pt, &dhoa, CONT_GRACEFUL, 9), 0);
	CU_ASSERT_EQUAL(pt.naddrs, 1);
	decide_out(&pt, &pi, &d);
	CU_ASSERT_EQUAL(d.type, CONT_GRACEFUL);
	CU_ASSERT_EQUAL(d.anchor, 9);
	CU_ASSERT_EQUAL(policy_addr_set(&pt, &dhoa, 0, 9), -1);	/* type */
	/* removed: back to the table */
	CU_ASSERT_EQUAL(policy_addr_del(&pt, &dhoa), 0);
	CU_ASSERT_EQUAL(policy_addr_del(&pt, &dhoa), -1);
	decide_out(&pt, &pi, &d);
	CU_ASSERT_EQUAL(d.reason, POLICY_RULE);
	CU_ASSERT_EQUAL(d.type, CONT_NON_PERSISTENT);
	policy_free(&pt);
}

/* CN-initiated: the CN chose the address; the table is never used. */
static void
t_inbound(void)
{
	struct mnd_policy r = R("ssh", CONT_SESSION_LASTING);
	struct in6_addr hoa = A(HOA), dhoa = A("2001:db8:d1::7");
	struct policy_table pt;
	struct policy_decision d;
	struct pkt_info pi;
	struct policy_pkt pp = { .pkt = &pi, .hook = FLOW_HOOK_PRE };

	r.dport = (struct conf_port_range){ true, 22, 22 };
	CU_ASSERT_EQUAL_FATAL(policy_init(&pt, &r, 1, CONT_SESSION_LASTING,
	    &hoa), 0);
	pi = P(CN, HOA, IPPROTO_TCP, 40000, 22, 0);
	policy_decide(&pt, &pp, &d);
	CU_ASSERT_EQUAL(d.initiator, FLOW_INIT_CN);
	CU_ASSERT_EQUAL(d.type, CONT_FIXED);
	CU_ASSERT_EQUAL(d.reason, POLICY_INBOUND_HOA);
	CU_ASSERT_STRING_EQUAL(d.name, "inbound-hoa");
	CU_ASSERT_EQUAL(d.anchor, FLOW_ANCHOR_HA);
	CU_ASSERT_FALSE(d.needs_anchor);
	CU_ASSERT_FALSE(d.nat);
	CU_ASSERT_EQUAL(d.mark, 0x1901);

	pi = P(CN, COA, IPPROTO_TCP, 40000, 22, 0);	/* rule would match */
	policy_decide(&pt, &pp, &d);
	CU_ASSERT_EQUAL(d.type, CONT_NON_PERSISTENT);
	CU_ASSERT_EQUAL(d.reason, POLICY_INBOUND);
	CU_ASSERT_EQUAL(d.rule, -1);
	CU_ASSERT_FALSE(d.needs_anchor);
	CU_ASSERT_EQUAL(d.mark, 0x1b00);
	CU_ASSERT_EQUAL(pt.hits[0], 0);

	/* to a DHoA (not published, but if it happens): its own type */
	policy_addr_set(&pt, &dhoa, CONT_SESSION_LASTING, 4);
	pi = P(CN, "2001:db8:d1::7", IPPROTO_UDP, 1, 2, 0);
	policy_decide(&pt, &pp, &d);
	CU_ASSERT_EQUAL(d.type, CONT_SESSION_LASTING);
	CU_ASSERT_EQUAL(d.anchor, 4);
	CU_ASSERT_EQUAL(d.initiator, FLOW_INIT_CN);
	policy_free(&pt);
}

static void
t_unparsed_and_anchor(void)
{
	struct policy_table pt;
	struct policy_decision d;
	struct policy_pkt pp = { .pkt = NULL, .hook = FLOW_HOOK_OUT };
	struct pkt_info pi;

	CU_ASSERT_EQUAL_FATAL(policy_init(&pt, NULL, 0, CONT_SESSION_LASTING,
	    NULL), 0);
	policy_decide(&pt, &pp, &d);
	CU_ASSERT_EQUAL(d.type, 0);
	CU_ASSERT_EQUAL(d.reason, POLICY_UNPARSED);
	CU_ASSERT_STRING_EQUAL(d.name, "unparsed");
	CU_ASSERT_EQUAL(d.mark, FLOW_MARK_CLASSIFIED);
	CU_ASSERT_FALSE(d.needs_anchor);

	pi = P(COA, CN, IPPROTO_TCP, 1, 2, 0);
	decide_out(&pt, &pi, &d);
	CU_ASSERT_EQUAL(d.type, CONT_SESSION_LASTING);
	CU_ASSERT(d.needs_anchor);
	policy_decision_set_anchor(&d, 17, true);	/* G.3 resolved */
	CU_ASSERT_FALSE(d.needs_anchor);
	CU_ASSERT_EQUAL(d.mark, 0x3211);
	policy_decision_set_anchor(&d, FLOW_ANCHOR_NONE, true);	/* gave up */
	CU_ASSERT_FALSE(d.nat);
	CU_ASSERT_EQUAL(d.mark, 0x1200);

	/* Fixed without a HoA cannot be anchored */
	policy_free(&pt);
	CU_ASSERT_EQUAL_FATAL(policy_init(&pt, NULL, 0, CONT_FIXED, NULL), 0);
	decide_out(&pt, &pi, &d);
	CU_ASSERT_EQUAL(d.type, CONT_FIXED);
	CU_ASSERT_EQUAL(d.anchor, FLOW_ANCHOR_NONE);
	CU_ASSERT_FALSE(d.nat);
	policy_free(&pt);

	/* bad types refused */
	CU_ASSERT_EQUAL(policy_init(&pt, NULL, 0, 0, NULL), -1);
	CU_ASSERT_EQUAL(policy_init(&pt, NULL, 0, CONT_MAX + 1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(policy_type_name(CONT_GRACEFUL),
	    "graceful-replacement");
	CU_ASSERT_STRING_EQUAL(policy_type_name(0), "none");
}

/* The table as mnd.conf states it (the loader's uid/gid/dscp/ranges). */
static void
t_from_conf(void)
{
	char dir[] = "/tmp/test_policy.XXXXXX", path[128];
	struct mnd_conf c;
	struct policy_table pt;
	struct policy_decision d;
	struct pkt_info pi;
	struct policy_pkt pp = { .pkt = &pi, .hook = FLOW_HOOK_OUT };
	FILE *fp;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.key", dir);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs("7645c93757113a6d2244b7ca4de29e7df55bb657499c03b9d789e588b2b6c57f\n",
	    fp);
	fclose(fp);
	chmod(path, 0600);
	snprintf(path, sizeof(path), "%s/mnd.conf", dir);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs("sa 4096 { key_file = \"k.key\" }\n"
	    "home_address = \"2001:db8:10::100\"\n"
	    "home_prefix = \"2001:db8:10::/64\"\n"
	    "home_agent = \"2001:db8:f::10\"\n"
	    "ha_spi = 4096\n"
	    "interfaces = {\"mn0\"}\n"
	    "default_type = \"graceful-replacement\"\n"
	    "policy nobody { uid = 65534 type = \"fixed\" }\n"
	    "policy voice { dscp = 46 type = \"fixed\" }\n"
	    "policy games { proto = \"udp\" dport = \"6000-6999\"\n"
	    "    type = \"session-lasting\" }\n"
	    "policy lab { dst = \"2001:db8:99::/64\" type = \"non-persistent\" }\n",
	    fp);
	fclose(fp);
	CU_ASSERT_EQUAL_FATAL(mnd_conf_load(path, &c), 0);
	CU_ASSERT_EQUAL_FATAL(policy_init_conf(&pt, &c), 0);
	mnd_conf_free(&c);	/* the table holds its own copy */
	CU_ASSERT(pt.has_hoa);
	CU_ASSERT_EQUAL(pt.nrules, 4);

	pi = P(COA, CN, IPPROTO_UDP, 5000, 6999, 0);
	policy_decide(&pt, &pp, &d);
	CU_ASSERT_STRING_EQUAL(d.name, "games");
	pi.dport = 7000;
	policy_decide(&pt, &pp, &d);
	CU_ASSERT_STRING_EQUAL(d.name, "default");
	CU_ASSERT_EQUAL(d.type, CONT_GRACEFUL);
	pi.dscp = 46;
	policy_decide(&pt, &pp, &d);
	CU_ASSERT_STRING_EQUAL(d.name, "voice");
	pp.has_uid = true;
	pp.uid = 65534;
	policy_decide(&pt, &pp, &d);
	CU_ASSERT_STRING_EQUAL(d.name, "nobody");
	pp.has_uid = false;
	pi = P(COA, "2001:db8:99::1", IPPROTO_TCP, 5000, 80, 0);
	policy_decide(&pt, &pp, &d);
	CU_ASSERT_STRING_EQUAL(d.name, "lab");
	CU_ASSERT_EQUAL(d.type, CONT_NON_PERSISTENT);
	pi = P(HOA, "2001:db8:99::1", IPPROTO_TCP, 5000, 80, 0);
	policy_decide(&pt, &pp, &d);
	CU_ASSERT_STRING_EQUAL(d.name, "home-address");
	policy_free(&pt);

	unlink(path);
	snprintf(path, sizeof(path), "%s/k.key", dir);
	unlink(path);
	rmdir(dir);
}

static CU_TestInfo tests[] = {
	{ "mark layout", t_mark_layout },
	{ "each rule kind at its edges", t_rule_kinds },
	{ "port conditions need ports", t_ports_need_transport },
	{ "first match wins, default, hit counters", t_first_match },
	{ "HoA and handed-out addresses first", t_addresses },
	{ "CN-initiated: HoA fixed, never the table", t_inbound },
	{ "unparsed, anchor resolution, bad types", t_unparsed_and_anchor },
	{ "table from mnd.conf", t_from_conf },
	CU_TEST_INFO_NULL
};

static int
cu_register(void)
{
	CU_SUITE("policy", tests);
	return 0;
}
