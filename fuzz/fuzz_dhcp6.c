/*
 * fuzz_dhcp6.c: dhcp6_parse() (PROTOCOL.md D, RFC 8415) on raw bytes,
 * and the round trip parse -> dhcp6_build -> parse.
 *
 * The input is a DHCPv6 message as the socket delivers it; the option
 * codes are the defaults (65001, 65002), which the seeds use. What a
 * successful parse promises is checked (counts, lengths, continuity
 * types, NUL-terminated status text), then the message is rebuilt: it
 * must build, parse to the same struct, and build again to the same
 * bytes. A build into a block of a capacity taken from the input must
 * give DHCP6_E_BUF or the same bytes, never write past the block.
 */
#include <stdlib.h>
#include <string.h>

#include "dhcp6.h"
#include "fuzz.h"

FUZZ_TARGET("dhcp6");

#define BUILD_MAX	65536

static struct dhcp6_codes codes;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dhcp6_codes_default(&codes);
	return 0;
}

static void
check_status(const struct dhcp6_status *st)
{
	if (!st->has)
		return;
	FUZZ_CHECK(memchr(st->msg, '\0', sizeof(st->msg)) != NULL,
	    "status text not terminated");
	(void)dhcp6_status_name(st->code);
}

static void
check_lease_opts(const struct dhcp6_lease_opts *l)
{
	if (l->has_continuity)
		FUZZ_CHECK(l->cont_type <= CONT_MAX, "cont %u", l->cont_type);
	if (l->anchor_has_cont)
		FUZZ_CHECK(l->has_anchor && l->anchor_cont_type <= CONT_MAX,
		    "anchor cont %u", l->anchor_cont_type);
	check_status(&l->status);
	(void)dhcp6_cont_name(l->cont_type);
}

/* What dhcp6_parse() returning DHCP6_OK guarantees. */
static void
check_parsed(const struct dhcp6_msg *m, size_t len)
{
	FUZZ_CHECK(len >= 4, "accepted %zu octets", len);
	FUZZ_CHECK(m->type != 12 && m->type != 13, "relay type %u", m->type);
	FUZZ_CHECK(m->xid <= 0xffffff, "xid %#x", m->xid);
	FUZZ_CHECK(m->clientid.len <= DHCP6_DUID_MAX &&
	    m->serverid.len <= DHCP6_DUID_MAX, "duid lens %u %u",
	    m->clientid.len, m->serverid.len);
	FUZZ_CHECK(m->n_ia_pd <= DHCP6_MAX_IA && m->n_ia_na <= DHCP6_MAX_IA,
	    "ia counts %u %u", m->n_ia_pd, m->n_ia_na);
	check_status(&m->status);
	for (unsigned i = 0; i < m->n_ia_pd; i++) {
		const struct dhcp6_ia_pd *ia = &m->ia_pd[i];

		FUZZ_CHECK(ia->n_prefix <= DHCP6_MAX_LEASE, "n_prefix %u",
		    ia->n_prefix);
		check_status(&ia->status);
		for (unsigned j = 0; j < ia->n_prefix; j++) {
			FUZZ_CHECK(ia->prefix[j].plen <= 128, "plen %u",
			    ia->prefix[j].plen);
			check_lease_opts(&ia->prefix[j].o);
		}
	}
	for (unsigned i = 0; i < m->n_ia_na; i++) {
		const struct dhcp6_ia_na *ia = &m->ia_na[i];

		FUZZ_CHECK(ia->n_addr <= DHCP6_MAX_LEASE, "n_addr %u",
		    ia->n_addr);
		check_status(&ia->status);
		for (unsigned j = 0; j < ia->n_addr; j++)
			check_lease_opts(&ia->addr[j].o);
	}
	(void)dhcp6_msg_name(m->type);
}

static void
roundtrip(const uint8_t *data, size_t size, const struct dhcp6_msg *m1)
{
	static uint8_t buf[BUILD_MAX], again[BUILD_MAX];
	struct dhcp6_msg m2;
	uint8_t *small;
	ssize_t n, n2;
	size_t cap;
	int rc;

	n = dhcp6_build(m1, &codes, buf, sizeof(buf));
	if (n < 0)
		fuzz_hexdump("input", data, size);
	FUZZ_CHECK(n >= 4, "a parsed message does not build: %zd (%s)", n,
	    dhcp6_strerror((int)n));
	/* Unknown options and text past 64 octets are dropped, nothing
	 * is added: the rebuilt message is never longer. */
	FUZZ_CHECK((size_t)n <= size, "rebuilt %zd octets from %zu", n, size);
	rc = dhcp6_parse(buf, (size_t)n, &codes, &m2);
	if (rc != DHCP6_OK) {
		fuzz_hexdump("input", data, size);
		fuzz_hexdump("rebuilt", buf, (size_t)n);
	}
	FUZZ_CHECK(rc == DHCP6_OK, "the rebuilt message does not parse: %s",
	    dhcp6_strerror(rc));
	if (memcmp(m1, &m2, sizeof(m2)) != 0) {
		fuzz_hexdump("input", data, size);
		fuzz_hexdump("rebuilt", buf, (size_t)n);
	}
	FUZZ_CHECK(memcmp(m1, &m2, sizeof(m2)) == 0,
	    "parse -> build -> parse changed the message");
	n2 = dhcp6_build(&m2, &codes, again, sizeof(again));
	FUZZ_CHECK(n2 == n && memcmp(buf, again, (size_t)n) == 0,
	    "building again gives other bytes (%zd vs %zd)", n2, n);

	cap = (size_t)(data[size / 2] | data[size - 1] << 8) % ((size_t)n + 8);
	if ((small = malloc(cap ? cap : 1)) == NULL)
		abort();
	n2 = dhcp6_build(m1, &codes, small, cap);
	if ((size_t)n > cap)
		FUZZ_CHECK(n2 == DHCP6_E_BUF, "cap %zu < %zd: build gave %zd",
		    cap, n, n2);
	else
		FUZZ_CHECK(n2 == n && memcmp(small, buf, (size_t)n) == 0,
		    "cap %zu >= %zd: build gave %zd", cap, n, n2);
	free(small);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp6_msg m;
	int rc;

	rc = dhcp6_parse(data, size, &codes, &m);
	FUZZ_CHECK(rc <= 0 && rc >= DHCP6_E_INVAL, "dhcp6_parse gave %d", rc);
	(void)dhcp6_strerror(rc);
	if (rc != DHCP6_OK)
		return 0;
	check_parsed(&m, size);
	roundtrip(data, size, &m);
	return 0;
}
