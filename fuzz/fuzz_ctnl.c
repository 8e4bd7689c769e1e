/*
 * fuzz_ctnl.c: ct_parse_msg() (common/ctnl.h) on arbitrary bytes, as a
 * netlink datagram from the kernel would reach it: the input is walked
 * message by message like ctnl_read() does, and each message also goes
 * through ctnl_parse_ack() and sockdiag_parse_msg().
 *
 * Checked: return codes are the documented ones; on error the event is
 * all zeros; an event's kind follows the message type and flags; the
 * tuple strings fit CT_TUPLE_STRLEN; and a round trip: the parsed
 * tuples, rebuilt with ctnl_build_tuple_req() into a DELETE event,
 * parse back to the same tuples.
 *
 * Seeds: the golden messages of tests/unit/ctnl_golden.h (the unit
 * test's), given by fuzz_seeds() below since fuzz/seeds.c does not
 * link into this target; the same bytes are in fuzz/corpus/ctnl/.
 */
#include <errno.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "fuzz.h"
#include "../common/ctnl.h"
#include "../common/sockdiag.h"
#include "../tests/unit/ctnl_golden.h"

FUZZ_TARGET("ctnl");

static bool
zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static bool
tuple_eq(const struct ct_tuple *a, const struct ct_tuple *b)
{
	return memcmp(&a->src, &b->src, 16) == 0 &&
	    memcmp(&a->dst, &b->dst, 16) == 0 && a->sport == b->sport &&
	    a->dport == b->dport && a->proto == b->proto;
}

/* Rebuild ev's tuples as a DELETE event and parse it again. */
static void
roundtrip(const struct ct_event *ev)
{
	uint8_t o[256], r[256], msg[512];
	struct ct_event back;
	int no, nr;
	uint32_t len;
	uint16_t type = CTA_TUPLE_REPLY | NLA_F_NESTED;

	no = ctnl_build_tuple_req(o, sizeof(o), IPCTNL_MSG_CT_DELETE, 1,
	    &ev->orig);
	nr = ctnl_build_tuple_req(r, sizeof(r), IPCTNL_MSG_CT_DELETE, 1,
	    &ev->reply);
	FUZZ_CHECK(no > 20 && nr > 20, "build gave %d, %d", no, nr);
	/* header + nfgenmsg + ORIG of the first, REPLY of the second */
	memcpy(msg, o, (size_t)no);
	memcpy(msg + no, r + 20, (size_t)nr - 20);
	memcpy(msg + no + 2, &type, 2);
	len = (uint32_t)(no + nr - 20);
	memcpy(msg, &len, 4);
	FUZZ_CHECK(ct_parse_msg(msg, len, &back) == 0, "rebuilt event does "
	    "not parse");
	FUZZ_CHECK(back.kind == CT_EV_DESTROY, "kind %d", back.kind);
	if (ev->orig.proto == IPPROTO_ICMPV6)
		FUZZ_CHECK(ev->orig.sport == ev->orig.dport, "icmp ids");
	FUZZ_CHECK(tuple_eq(&back.orig, &ev->orig) &&
	    tuple_eq(&back.reply, &ev->reply), "tuples changed in the round "
	    "trip");
}

static void
one(const uint8_t *p, size_t len)
{
	struct ct_event ev;
	struct sockdiag_sock s;
	struct nlmsghdr nh;
	char buf[CT_TUPLE_STRLEN];
	int rc, err = 0;

	rc = ct_parse_msg(p, len, &ev);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMSG, "rc %d", rc);
	if (rc != 0) {
		FUZZ_CHECK(zero(&ev, sizeof(ev)), "event not cleared on %d",
		    rc);
	} else {
		memcpy(&nh, p, sizeof(nh));
		FUZZ_CHECK(len >= 20 && nh.nlmsg_len <= len, "accepted %zu",
		    len);
		FUZZ_CHECK(ev.kind == ((nh.nlmsg_type & 0xff) ==
		    IPCTNL_MSG_CT_DELETE ? CT_EV_DESTROY :
		    (nh.nlmsg_flags & NLM_F_CREATE) ? CT_EV_NEW :
		    CT_EV_UPDATE), "kind %d for type %#x flags %#x", ev.kind,
		    nh.nlmsg_type, nh.nlmsg_flags);
		FUZZ_CHECK(strlen(ct_tuple_str(&ev.orig, buf, sizeof(buf))) <
		    sizeof(buf) - 1, "tuple string cut");
		FUZZ_CHECK(strlen(ct_tuple_str(&ev.reply, buf, sizeof(buf))) <
		    sizeof(buf) - 1, "tuple string cut");
		if (!ev.has_counters)
			FUZZ_CHECK(ev.orig_pkts == 0 && ev.reply_bytes == 0,
			    "counters without CTA_COUNTERS");
		roundtrip(&ev);
	}
	rc = ctnl_parse_ack(p, len, 0, &err);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMSG, "ack rc %d", rc);
	if (rc == 0)
		FUZZ_CHECK(err <= 0 && err >= -4095, "ack error %d", err);
	rc = sockdiag_parse_msg(p, len, &s);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMSG, "diag rc %d",
	    rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr nh;
	size_t step;

	/* the whole input once, then message by message as ctnl_read()
	 * walks a datagram */
	one(data, size);
	while (size >= NLMSG_HDRLEN) {
		memcpy(&nh, data, sizeof(nh));
		if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > size)
			break;
		one(data, nh.nlmsg_len);
		step = NLMSG_ALIGN(nh.nlmsg_len);
		if (step >= size)
			break;
		data += step;
		size -= step;
	}
	return 0;
}

/* The seeds (replay_main.c asks for them). */
size_t
fuzz_seeds(const char *target, const char *srcdir, fuzz_seed_fn fn,
    void *arg)
{
	uint8_t two[sizeof(g_ct_new_tcp) + sizeof(g_ct_destroy_udp)];
	size_t n = 0;

	(void)srcdir;
	if (strcmp(target, "ctnl") != 0)
		return 0;
	for (size_t i = 0; i < sizeof(ctnl_goldens) / sizeof(ctnl_goldens[0]);
	    i++, n++)
		fn(ctnl_goldens[i].name, ctnl_goldens[i].bytes,
		    ctnl_goldens[i].len, arg);
	/* a datagram of two events */
	memcpy(two, g_ct_new_tcp, sizeof(g_ct_new_tcp));
	memcpy(two + sizeof(g_ct_new_tcp), g_ct_destroy_udp,
	    sizeof(g_ct_destroy_udp));
	fn("two_events", two, sizeof(two), arg);
	return n + 1;
}
