/*
 * fuzz_dhcp6_ext.c: the DHCPv6 options dhcp6.c skips (common/
 * dhcp6_ext.h: Option Request, Preference, Elapsed Time, Rapid Commit,
 * Reconfigure Accept, SOL_MAX_RT, and the continuity option at message
 * level or beside the IAPREFIXes of an IA_PD), on raw bytes.
 *
 * The input is a DHCPv6 message as the client's or the server's socket
 * delivers it, with the default option codes (65001, 65002), which the
 * seeds use. Checked:
 *   - dhcp6_ext_parse() returns DHCP6_OK or a parse error, and what an
 *     OK promises: counts within their arrays, continuity types <=
 *     CONT_MAX, SOL_MAX_RT only inside 60..86400, ORO codes in message
 *     order (the first DHCP6_ORO_MAX of them);
 *   - both parsers walk the same option framing: when dhcp6_parse()
 *     takes the message, dhcp6_ext_parse() finds no framing error
 *     (short, truncated, relay) in it;
 *   - the top-level options it kept append (dhcp6_ext_append) to the
 *     message's header and parse back to the same values, and appending
 *     into a buffer of a capacity taken from the input gives
 *     DHCP6_E_BUF or the same bytes, never a write past it;
 *   - the helpers on input bytes: dhcp6_duid_str() into every capacity
 *     up to its need stays inside it and NUL-terminated, dhcp6_duid_ll()
 *     refuses what does not fit, dhcp6_elapsed() caps.
 */
#include <stdlib.h>
#include <string.h>

#include "dhcp6_ext.h"
#include "fuzz.h"

FUZZ_TARGET("dhcp6_ext");

#define BUILD_MAX	(4 + 8 * 1024)

static struct dhcp6_codes codes;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dhcp6_codes_default(&codes);
	return 0;
}

/* What dhcp6_ext_parse() returning DHCP6_OK guarantees. */
static void
check_parsed(const uint8_t *data, size_t size, const struct dhcp6_ext *e)
{
	FUZZ_CHECK(size >= 4 && data[0] != 12 && data[0] != 13,
	    "accepted %zu octets of type %u", size, size ? data[0] : 0);
	FUZZ_CHECK(e->n_oro <= DHCP6_ORO_MAX, "n_oro %u", e->n_oro);
	FUZZ_CHECK(e->oro_more == 0 || e->n_oro == DHCP6_ORO_MAX,
	    "%zu codes past %u kept", e->oro_more, e->n_oro);
	FUZZ_CHECK(e->n_ia_pd <= DHCP6_MAX_IA, "n_ia_pd %u", e->n_ia_pd);
	FUZZ_CHECK(!e->has_cont || e->cont_type <= CONT_MAX, "cont %u",
	    e->cont_type);
	for (unsigned i = 0; i < e->n_ia_pd; i++)
		FUZZ_CHECK(!e->ia_pd[i].has_cont ||
		    e->ia_pd[i].cont_type <= CONT_MAX, "IA_PD %u cont %u", i,
		    e->ia_pd[i].cont_type);
	FUZZ_CHECK(!e->has_sol_max_rt || (e->sol_max_rt >= 60 &&
	    e->sol_max_rt <= 86400), "SOL_MAX_RT %u kept", e->sol_max_rt);
	FUZZ_CHECK(e->has_elapsed || e->elapsed == 0, "elapsed without it");
	FUZZ_CHECK(e->has_pref || e->pref == 0, "preference without it");
	(void)dhcp6_cont_name(e->cont_type);
}

/* The top-level values append() writes and parse() reads back. */
static void
check_same_top(const struct dhcp6_ext *a, const struct dhcp6_ext *b)
{
	FUZZ_CHECK(a->has_elapsed == b->has_elapsed &&
	    a->elapsed == b->elapsed, "elapsed %d/%u -> %d/%u",
	    a->has_elapsed, a->elapsed, b->has_elapsed, b->elapsed);
	FUZZ_CHECK(a->has_pref == b->has_pref && a->pref == b->pref,
	    "preference");
	FUZZ_CHECK(a->rapid_commit == b->rapid_commit &&
	    a->reconf_accept == b->reconf_accept, "rapid commit %d -> %d, "
	    "reconfigure accept %d -> %d", a->rapid_commit, b->rapid_commit,
	    a->reconf_accept, b->reconf_accept);
	FUZZ_CHECK(a->has_sol_max_rt == b->has_sol_max_rt &&
	    a->sol_max_rt == b->sol_max_rt, "SOL_MAX_RT %u -> %u",
	    a->sol_max_rt, b->sol_max_rt);
	FUZZ_CHECK(a->n_oro == b->n_oro && memcmp(a->oro, b->oro,
	    a->n_oro * sizeof(a->oro[0])) == 0 && b->oro_more == 0,
	    "ORO %u codes -> %u (+%zu)", a->n_oro, b->n_oro, b->oro_more);
	FUZZ_CHECK(a->has_cont == b->has_cont && a->cont_type == b->cont_type,
	    "message-level continuity %d/%u -> %d/%u", a->has_cont,
	    a->cont_type, b->has_cont, b->cont_type);
	FUZZ_CHECK(b->n_ia_pd == 0, "append wrote %u IA_PDs", b->n_ia_pd);
}

static void
roundtrip(const uint8_t *data, size_t size, const struct dhcp6_ext *e)
{
	static uint8_t buf[BUILD_MAX];
	struct dhcp6_ext back;
	uint8_t *small;
	ssize_t n, n2;
	size_t cap;
	int rc;

	memcpy(buf, data, 4);			/* type and xid */
	n = dhcp6_ext_append(buf, 4, sizeof(buf), &codes, e);
	FUZZ_CHECK(n >= 4, "a parsed set does not append: %zd (%s)", n,
	    dhcp6_strerror((int)n));
	rc = dhcp6_ext_parse(buf, (size_t)n, &codes, &back);
	if (rc != DHCP6_OK) {
		fuzz_hexdump("input", data, size);
		fuzz_hexdump("rebuilt", buf, (size_t)n);
	}
	FUZZ_CHECK(rc == DHCP6_OK, "the appended options do not parse: %s",
	    dhcp6_strerror(rc));
	check_same_top(e, &back);

	cap = (size_t)(data[size / 2] | data[size - 1] << 8) % ((size_t)n + 8);
	if (cap < 4)
		cap = 4;
	if ((small = malloc(cap)) == NULL)
		abort();
	memcpy(small, data, 4);
	n2 = dhcp6_ext_append(small, 4, cap, &codes, e);
	if ((size_t)n > cap)
		FUZZ_CHECK(n2 == DHCP6_E_BUF, "cap %zu < %zd: append gave %zd",
		    cap, n, n2);
	else
		FUZZ_CHECK(n2 == n && memcmp(small, buf, (size_t)n) == 0,
		    "cap %zu >= %zd: append gave %zd", cap, n, n2);
	/* A length past the capacity is refused, not trusted. */
	FUZZ_CHECK(dhcp6_ext_append(small, cap + 1, cap, &codes, e) ==
	    DHCP6_E_INVAL, "len > cap accepted");
	free(small);
}

/* dhcp6_duid_str, _ll, _eq and dhcp6_elapsed on input bytes. */
static void
helpers(const uint8_t *data, size_t size)
{
	struct dhcp6_duid d, d2;
	char out[2 * DHCP6_DUID_MAX + 1];
	size_t len = size < DHCP6_DUID_MAX ? size : DHCP6_DUID_MAX;
	/* The small capacities, the exact ones, and one from the input
	 * (each call formats the whole DUID: not every capacity). */
	const size_t caps[] = { 0, 1, 2, 3, 2 * len, 2 * len + 1,
	    size > 0 ? data[0] % (2 * len + 2) : 0 };
	uint64_t a = 0, b = 0;

	memset(&d, 0, sizeof(d));
	memcpy(d.b, data, len);
	d.len = (uint8_t)len;
	for (size_t ci = 0; ci < sizeof(caps) / sizeof(caps[0]); ci++) {
		size_t cap = caps[ci];

		/* a canary past cap: nothing is written there */
		memset(out, 0x5a, sizeof(out));
		(void)dhcp6_duid_str(&d, out, cap);
		if (cap == 0) {
			FUZZ_CHECK(out[0] == 0x5a, "wrote into cap 0");
			continue;
		}
		FUZZ_CHECK(memchr(out, '\0', cap) != NULL, "cap %zu: not "
		    "terminated", cap);
		FUZZ_CHECK(strlen(out) == ((cap - 1) / 2 < len ? (cap - 1) /
		    2 : len) * 2, "cap %zu: %zu hex digits of %zu octets",
		    cap, strlen(out), len);
		if (cap < sizeof(out))
			FUZZ_CHECK(out[cap] == 0x5a, "cap %zu: wrote past it",
			    cap);
	}
	if (dhcp6_duid_ll(&d2, (uint16_t)(size ? data[0] : 1), data,
	    size) == 0) {
		FUZZ_CHECK(size > 0 && size <= DHCP6_DUID_MAX - 4 &&
		    d2.len == size + 4 && memcmp(d2.b + 4, data, size) == 0,
		    "DUID-LL of %zu octets", size);
		FUZZ_CHECK(dhcp6_duid_eq(&d2, &d2), "not equal to itself");
	} else
		FUZZ_CHECK(size == 0 || size > DHCP6_DUID_MAX - 4,
		    "DUID-LL of %zu octets refused", size);
	FUZZ_CHECK(dhcp6_duid_eq(&d, &d), "not equal to itself");
	memcpy(&a, data, size < 8 ? size : 8);
	if (size > 8)
		memcpy(&b, data + 8, size < 16 ? size - 8 : 8);
	FUZZ_CHECK(dhcp6_elapsed(a, b) <= DHCP6_ELAPSED_MAX &&
	    (b > a || dhcp6_elapsed(a, b) == 0), "elapsed %u",
	    dhcp6_elapsed(a, b));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp6_ext e;
	struct dhcp6_msg m;
	int rc, rc_msg;

	rc = dhcp6_ext_parse(data, size, &codes, &e);
	FUZZ_CHECK(rc <= 0 && rc >= DHCP6_E_RELAY && rc != DHCP6_E_BUF,
	    "dhcp6_ext_parse gave %d", rc);
	(void)dhcp6_strerror(rc);
	rc_msg = dhcp6_parse(data, size, &codes, &m);
	if (rc_msg == DHCP6_OK)
		FUZZ_CHECK(rc != DHCP6_E_SHORT && rc != DHCP6_E_TRUNC &&
		    rc != DHCP6_E_RELAY, "dhcp6_parse took a message whose "
		    "framing dhcp6_ext_parse refuses: %s", dhcp6_strerror(rc));
	helpers(data, size);
	if (rc != DHCP6_OK)
		return 0;
	check_parsed(data, size, &e);
	roundtrip(data, size, &e);
	return 0;
}
