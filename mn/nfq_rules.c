/*
 * nfq_rules.c: the text of mnd's netfilter chains (see nfq.h for the
 * layout and why). Pure: reads `ip6tables-save -t mangle` output and
 * writes `ip6tables-restore --noflush` input; nfq.c runs them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfq.h"

const char *const flowq_chain_names[FLOWQ_NCHAINS] = {
	[FLOWQ_CH_OUT] = "DMIP6-OUT",
	[FLOWQ_CH_PRE] = "DMIP6-PRE",
	[FLOWQ_CH_POST] = "DMIP6-POST",
};

/* The built-in chains that jump to ours, and how. */
static const struct {
	const char	*builtin;
	enum flowq_chain to;
	bool		 first;		/* -I 1, else -A */
} jumps[] = {
	{ "OUTPUT", FLOWQ_CH_OUT, true },
	{ "PREROUTING", FLOWQ_CH_PRE, true },
	{ "POSTROUTING", FLOWQ_CH_POST, false },
	{ "INPUT", FLOWQ_CH_POST, false },
};

void
flowq_conf_default(struct flowq_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->queue_out = 0;
	c->queue_pre = 1;
	c->hook_pre = true;
	c->maxlen = FLOWQ_MAXLEN_DEFAULT;
	c->copy_range = FLOWQ_COPY_DEFAULT;
	c->fail_open = true;
	c->uid_gid = true;
	c->rcvbuf = FLOWQ_RCVBUF_DEFAULT;
}

const char *
flowq_save_cmd(const char *restore, char *buf, size_t len)
{
	static const char suffix[] = "-restore";
	size_t n;

	if (restore == NULL)
		restore = "ip6tables-restore";
	n = strlen(restore);
	if (n >= sizeof(suffix) - 1 &&
	    strcmp(restore + n - (sizeof(suffix) - 1), suffix) == 0)
		snprintf(buf, len, "%.*s-save",
		    (int)(n - (sizeof(suffix) - 1)), restore);
	else
		snprintf(buf, len, "ip6tables-save");
	return buf;
}

/* A growing string. */
struct sbuf {
	char	*s;
	size_t	 len, cap;
	bool	 err;
};

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL,
		    b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = true;
			return;
		}
		if (b->s != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap : 256);
		while (cap <= b->len + (size_t)n)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (p == NULL) {
			b->err = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
}

static char *
sb_done(struct sbuf *b)
{
	if (b->err) {
		free(b->s);
		errno = ENOMEM;
		return NULL;
	}
	if (b->s == NULL)
		return strdup("");
	return b->s;
}

/* Which of our chains line l jumps to ("-j NAME" as a whole word), or
 * -1. */
static int
jump_target(const char *l, size_t len)
{
	for (int c = 0; c < FLOWQ_NCHAINS; c++) {
		char pat[32];
		size_t pl;

		pl = (size_t)snprintf(pat, sizeof(pat), "-j %s",
		    flowq_chain_names[c]);
		for (size_t i = 0; i + pl <= len; i++)
			if (memcmp(l + i, pat, pl) == 0 &&
			    (i + pl == len || l[i + pl] == ' '))
				return c;
	}
	return -1;
}

static bool
is_builtin_append(const char *l, size_t len)
{
	for (size_t i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++) {
		size_t bl = strlen(jumps[i].builtin);

		if (len > 3 + bl && memcmp(l, "-A ", 3) == 0 &&
		    memcmp(l + 3, jumps[i].builtin, bl) == 0 &&
		    l[3 + bl] == ' ')
			return true;
	}
	return false;
}

int
flowq_rules_scan(const char *text, struct flowq_rules_state *st)
{
	struct sbuf b = { 0 };
	bool in_mangle = false;
	const char *l, *nl;

	memset(st, 0, sizeof(*st));
	for (l = text; l != NULL && *l != '\0'; l = nl ? nl + 1 : NULL) {
		size_t len;

		nl = strchr(l, '\n');
		len = nl ? (size_t)(nl - l) : strlen(l);
		if (len > 0 && l[len - 1] == '\r')
			len--;
		if (len >= 1 && l[0] == '*') {
			in_mangle = len == 7 && memcmp(l, "*mangle", 7) == 0;
			continue;
		}
		if (!in_mangle)
			continue;
		if (len > 1 && l[0] == ':') {
			for (int c = 0; c < FLOWQ_NCHAINS; c++) {
				size_t cl = strlen(flowq_chain_names[c]);

				if (len > cl + 1 &&
				    memcmp(l + 1, flowq_chain_names[c], cl) == 0
				    && l[1 + cl] == ' ')
					st->chain[c] = true;
			}
		} else if (is_builtin_append(l, len) &&
		    jump_target(l, len) >= 0) {
			/* replay the exact rule as a delete */
			sb_printf(&b, "-D%.*s\n", (int)(len - 2), l + 2);
			st->njumps++;
		}
	}
	if (b.err) {
		free(b.s);
		st->njumps = 0;
		errno = ENOMEM;
		return -1;
	}
	st->jumps = b.s;
	return 0;
}

void
flowq_rules_state_free(struct flowq_rules_state *st)
{
	free(st->jumps);
	memset(st, 0, sizeof(*st));
}

static void
queue_rules(struct sbuf *b, const struct flowq_conf *c, const char *ch,
    uint16_t q)
{
	static const char *const protos[] = { "tcp", "udp" };

	for (size_t i = 0; i < 2; i++)
		sb_printf(b, "-A %s -p %s -m conntrack --ctstate NEW "
		    "-j NFQUEUE --queue-num %u --queue-bypass\n", ch,
		    protos[i], q);
	if (c->queue_icmp)
		sb_printf(b, "-A %s -p ipv6-icmp --icmpv6-type echo-request "
		    "-m conntrack --ctstate NEW -j NFQUEUE --queue-num %u "
		    "--queue-bypass\n", ch, q);
}

char *
flowq_rules_install_text(const struct flowq_conf *c,
    const struct flowq_rules_state *st)
{
	struct sbuf b = { 0 };
	const unsigned M = FLOW_MARK_MASK, C = FLOW_MARK_CLASSIFIED;
	const unsigned N = FLOW_MARK_NAT;
	const char *ch;

	sb_printf(&b, "*mangle\n");
	/* Under --noflush a declared chain is created, or flushed if it
	 * exists (both ip6tables variants); -F makes that explicit. */
	for (int i = 0; i < FLOWQ_NCHAINS; i++)
		sb_printf(&b, ":%s - [0:0]\n", flowq_chain_names[i]);
	for (int i = 0; i < FLOWQ_NCHAINS; i++)
		sb_printf(&b, "-F %s\n", flowq_chain_names[i]);
	if (st != NULL && st->jumps != NULL)
		sb_printf(&b, "%s", st->jumps);	/* old jumps, e.g. a crash */
	/* Sent packets: the mark steers routing (fwmark rules), so every
	 * packet gets it back; classified ones skip the queue. */
	ch = flowq_chain_names[FLOWQ_CH_OUT];
	sb_printf(&b, "-A %s -j CONNMARK --restore-mark --nfmask 0x%x "
	    "--ctmask 0x%x\n", ch, M, M);
	sb_printf(&b, "-A %s -m mark --mark 0x%x/0x%x -j RETURN\n", ch, C, C);
	queue_rules(&b, c, ch, c->queue_out);
	/* Received packets are delivered locally: routing needs no mark,
	 * so skip the restore (one target less per packet) and test the
	 * connmark directly. */
	ch = flowq_chain_names[FLOWQ_CH_PRE];
	/* Translated flows (G.3) run inside the tunnel: their SYNs were
	 * sized for the CoA's link, so clamp the MSS both ways (the
	 * anchors' own path MTU discovery is not relied upon). */
	sb_printf(&b, "-A %s -p tcp --tcp-flags SYN,RST SYN -m connmark "
	    "--mark 0x%x/0x%x -j TCPMSS --set-mss %u\n", ch, N, N,
	    FLOWQ_NAT_MSS);
	sb_printf(&b, "-A %s -m connmark --mark 0x%x/0x%x -j RETURN\n", ch,
	    C, C);
	if (c->hook_pre)
		queue_rules(&b, c, ch, c->queue_pre);
	sb_printf(&b, "-A %s -p tcp --tcp-flags SYN,RST SYN -m mark --mark "
	    "0x%x/0x%x -j TCPMSS --set-mss %u\n",
	    flowq_chain_names[FLOWQ_CH_POST], N, N, FLOWQ_NAT_MSS);
	/* connmark first: an established packet fails at the first match */
	sb_printf(&b, "-A %s -m connmark --mark 0x0/0x%x -m mark --mark "
	    "0x%x/0x%x -j CONNMARK --save-mark --nfmask 0x%x --ctmask 0x%x\n",
	    flowq_chain_names[FLOWQ_CH_POST], C, C, C, M, M);
	for (size_t i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++)
		sb_printf(&b, "%s %s -j %s\n", jumps[i].first ? "-I" : "-A",
		    jumps[i].builtin, flowq_chain_names[jumps[i].to]);
	sb_printf(&b, "COMMIT\n");
	return sb_done(&b);
}

char *
flowq_rules_remove_text(const struct flowq_rules_state *st)
{
	struct sbuf b = { 0 };
	bool any = st->jumps != NULL;

	for (int i = 0; i < FLOWQ_NCHAINS; i++)
		any |= st->chain[i];
	if (!any)
		return strdup("");
	sb_printf(&b, "*mangle\n");
	if (st->jumps != NULL)
		sb_printf(&b, "%s", st->jumps);
	for (int i = 0; i < FLOWQ_NCHAINS; i++)
		if (st->chain[i])
			sb_printf(&b, "-F %s\n", flowq_chain_names[i]);
	for (int i = 0; i < FLOWQ_NCHAINS; i++)
		if (st->chain[i])
			sb_printf(&b, "-X %s\n", flowq_chain_names[i]);
	sb_printf(&b, "COMMIT\n");
	return sb_done(&b);
}

/* ---- source translation (G.3) -------------------------------------- */

/* Every "-A POSTROUTING -j DMIP6-NAT" in a save text, as "-D" lines. */
static void
nat_old_jumps(struct sbuf *b, const char *save)
{
	const char *l, *e;
	static const char jump[] = "-A POSTROUTING -j " FLOWQ_NAT_CHAIN;

	for (l = save; l != NULL && *l != '\0'; l = *e ? e + 1 : e) {
		if ((e = strchr(l, '\n')) == NULL)
			e = l + strlen(l);
		if ((size_t)(e - l) == sizeof(jump) - 1 &&
		    strncmp(l, jump, sizeof(jump) - 1) == 0)
			sb_printf(b, "-D POSTROUTING -j %s\n", FLOWQ_NAT_CHAIN);
	}
}

static bool
nat_chain_exists(const char *save)
{
	static const char decl[] = "\n:" FLOWQ_NAT_CHAIN " ";

	return save != NULL && strstr(save, decl) != NULL;
}

char *
flowq_nat_text(const char *save, const struct flowq_nat *r, size_t n)
{
	struct sbuf b = { 0 };
	const unsigned mask = FLOW_MARK_NAT | FLOW_MARK_ANCHOR_MASK;
	char a[INET6_ADDRSTRLEN];

	sb_printf(&b, "*nat\n:%s - [0:0]\n-F %s\n", FLOWQ_NAT_CHAIN,
	    FLOWQ_NAT_CHAIN);
	nat_old_jumps(&b, save);
	for (size_t i = 0; i < n; i++)
		sb_printf(&b, "-A %s -m mark --mark 0x%x/0x%x -j SNAT "
		    "--to-source %s\n", FLOWQ_NAT_CHAIN,
		    FLOW_MARK_NAT | r[i].anchor, mask,
		    inet_ntop(AF_INET6, &r[i].to, a, sizeof(a)));
	sb_printf(&b, "-A POSTROUTING -j %s\nCOMMIT\n", FLOWQ_NAT_CHAIN);
	return sb_done(&b);
}

char *
flowq_nat_remove_text(const char *save)
{
	struct sbuf b = { 0 };

	if (!nat_chain_exists(save))
		return strdup("");
	sb_printf(&b, "*nat\n");
	nat_old_jumps(&b, save);
	sb_printf(&b, "-F %s\n-X %s\nCOMMIT\n", FLOWQ_NAT_CHAIN,
	    FLOWQ_NAT_CHAIN);
	return sb_done(&b);
}
