/*
 * mn_state.c: mnd's state file, the pure part (mn_state.h): what the
 * engines hold in and out of struct mn_state, and its records in and
 * out of bytes (common/statefile.h frames them).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dmip_proto.h"
#include "flow_mark.h"
#include "log.h"
#include "mn_state.h"

#define A6(a, buf)	inet_ntop(AF_INET6, (a), (buf), INET6_ADDRSTRLEN)

void
mn_state_free(struct mn_state *st)
{
	free(st->anchors);
	free(st->slots);
	free(st->flows);
	memset(st, 0, sizeof(*st));
}

/* ---- from the engines ------------------------------------------------ */

static uint64_t
to_wall(uint64_t t, uint64_t mono_now, uint64_t wall_now)
{
	return t == 0 ? 0 : sf_mono_to_wall(t, mono_now, wall_now);
}

static uint64_t
to_mono(uint64_t t, uint64_t wall_now, uint64_t mono_now)
{
	return t == 0 ? 0 : sf_wall_to_mono(t, wall_now, mono_now);
}

static void
bul_times(struct bul_saved *s, uint64_t (*conv)(uint64_t, uint64_t,
    uint64_t), uint64_t from_now, uint64_t to_now)
{
	s->sent_ms = conv(s->sent_ms, from_now, to_now);
	s->expires_ms = conv(s->expires_ms, from_now, to_now);
	s->refresh_ms = conv(s->refresh_ms, from_now, to_now);
}

int
mn_state_collect(struct mn_state *st, const struct mn_home *h,
    const struct anchors *a, uint64_t mono_now, uint64_t wall_now)
{
	memset(st, 0, sizeof(*st));
	st->written = wall_now;
	st->hoa = h->e->hoa;
	st->has_home = true;
	st->ha = h->e->peer;
	bul_save(h->e, &st->home);
	bul_times(&st->home, to_wall, mono_now, wall_now);
	if (a == NULL)
		return 0;
	st->has_anchors = true;
	st->an_next_seq = a->next_seq;
	st->ha_clock_offset = a->ha_clock_offset;
	for (size_t i = 0; i < a->n; i++) {
		const struct anchor *an = a->v[i];
		struct anchor_saved *s;

		if ((an->state != ANCHOR_BOUND &&
		    an->state != ANCHOR_RENEWING) || an->bul == NULL ||
		    IN6_IS_ADDR_UNSPECIFIED(&an->dhoa))
			continue;
		if (st->nanchors == MN_STATE_ANCHORS_MAX)
			break;
		if (sf_grow((void **)&st->anchors, st->nanchors,
		    sizeof(*st->anchors)) == -1) {
			mn_state_free(st);
			return -1;
		}
		s = &st->anchors[st->nanchors++];
		memset(s, 0, sizeof(*s));
		s->id = an->id;
		s->peer = an->peer;
		s->tep = an->tep;
		s->dhoa = an->dhoa;
		s->cn = an->cn;
		s->type = an->type;
		s->lease_ms = to_wall(an->lease_ms, mono_now, wall_now);
		/* Renewing: the next start renews at once (0). */
		s->renew_at = an->state == ANCHOR_BOUND ?
		    to_wall(an->renew_at, mono_now, wall_now) : 0;
		s->clock_offset = an->clock_offset;
		bul_save(an->bul, &s->bul);
		bul_times(&s->bul, to_wall, mono_now, wall_now);
	}
	return 0;
}

/* ---- encoding ---------------------------------------------------------- */

static const char *
hook_name(uint8_t h)
{
	return h == FLOW_HOOK_PRE ? "pre" : "out";
}

static const char *
init_name(uint8_t i)
{
	return i == FLOW_INIT_CN ? "cn" : "mn";
}

/* "<state> <coa> <next_seq> <seq> <granted> <bra> <sent> <expires>
 * <refresh> <clock_offset>" after tag and key. */
static void
enc_bul(struct sf_buf *b, const char *tag, const struct in6_addr *key,
    const struct bul_saved *s)
{
	char k[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	sf_add(b, "%s %s %s %s %u %u %u %u %" PRIu64 " %" PRIu64 " %" PRIu64
	    " %" PRId64, tag, A6(key, k), bul_state_name(s->state),
	    A6(&s->coa, c), s->next_seq, s->seq, s->lifetime_granted, s->bra,
	    s->sent_ms, s->expires_ms, s->refresh_ms, s->clock_offset);
}

int
mn_state_encode(const struct mn_state *st, struct sf_buf *b)
{
	char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN], z[INET6_ADDRSTRLEN];
	char w[INET6_ADDRSTRLEN];

	sf_begin(b, MN_STATE_KIND, st->written);
	sf_add(b, "mnd %d %s", MN_STATE_VERSION, A6(&st->hoa, x));
	if (st->has_home)
		enc_bul(b, "home", &st->ha, &st->home);
	if (st->has_anchors)
		sf_add(b, "anchors %u %" PRId64, st->an_next_seq,
		    st->ha_clock_offset);
	for (size_t i = 0; i < st->nanchors; i++) {
		const struct anchor_saved *s = &st->anchors[i];

		if (s->type != CONT_SESSION_LASTING &&
		    s->type != CONT_GRACEFUL)
			b->err = true;
		sf_add(b, "anchor %u %s %s %s %s %s %" PRIu64 " %" PRIu64
		    " %" PRId64, s->id, A6(&s->peer, x), A6(&s->tep, y),
		    A6(&s->dhoa, z), A6(&s->cn, w), conf_cont_name(s->type),
		    s->lease_ms, s->renew_at, s->clock_offset);
		enc_bul(b, "dbul", &s->dhoa, &s->bul);
	}
	for (size_t i = 0; i < st->nslots; i++)
		sf_add(b, "slot %u %s", st->slots[i].slot,
		    A6(&st->slots[i].addr, x));
	for (size_t i = 0; i < st->nflows; i++) {
		const struct mn_flow_saved *f = &st->flows[i];

		if (f->type < CONT_FIXED || f->type > CONT_MAX)
			b->err = true;
		sf_add(b, "flow %" PRIu32 " %u %s %u %s %u %s %s %s %u %d",
		    f->id, f->proto, A6(&f->src, x), f->sport, A6(&f->dst, y),
		    f->dport, hook_name(f->hook), init_name(f->initiator),
		    conf_cont_name(f->type), f->anchor, f->nat ? 1 : 0);
	}
	return sf_finish(b);
}

/* ---- decoding ---------------------------------------------------------- */

/* Records come in this order; mnd, home and anchors once each. */
enum phase {
	PH_NONE = 0,
	PH_MND,
	PH_HOME,
	PH_ANCHORS,
	PH_ANCHOR,
	PH_SLOT,
	PH_FLOW,
};

struct dec {
	struct mn_state	*st;
	enum phase	 phase;
	bool		 want_dbul;	/* the last anchor has no dbul yet */
	bool		 slot_used[FLOW_ANCHOR_COUNT];
};

static int
fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
get_u16(const char *s, uint16_t *v)
{
	uint64_t x;

	if (sf_get_u64(s, UINT16_MAX, &x) == -1)
		return -1;
	*v = (uint16_t)x;
	return 0;
}

/* Signed decimal: an optional '-', then sf_get_u64's digits. */
static int
get_i64(const char *s, int64_t *v)
{
	uint64_t x;

	if (s[0] == '-') {
		if (s[1] == '0' && s[2] == 'x')
			return -1;
		if (sf_get_u64(s + 1, (uint64_t)INT64_MAX + 1, &x) == -1)
			return -1;
		*v = x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x;
		return 0;
	}
	if (sf_get_u64(s, INT64_MAX, &x) == -1)
		return -1;
	*v = (int64_t)x;
	return 0;
}

static int
get_bul_state(const char *s, enum bul_state *v)
{
	for (int i = 0; i < BUL_STATE_COUNT; i++)
		if (strcmp(s, bul_state_name((enum bul_state)i)) == 0) {
			*v = (enum bul_state)i;
			return 0;
		}
	return -1;
}

static int
get_cont(const char *s, uint8_t *v)
{
	for (uint8_t i = CONT_FIXED; i <= CONT_MAX; i++)
		if (strcmp(s, conf_cont_name(i)) == 0) {
			*v = i;
			return 0;
		}
	return -1;
}

/* A unicast address that can be ours (a DHoA) or a peer's. */
static bool
usable(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_MULTICAST(a) &&
	    !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_V4MAPPED(a);
}

static bool
addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* argv[2..11]: the fields after "<tag> <key>". */
static int
dec_bul(char **argv, struct bul_saved *s)
{
	memset(s, 0, sizeof(*s));
	if (get_bul_state(argv[2], &s->state) == -1 ||
	    sf_get_in6(argv[3], &s->coa) == -1 ||
	    get_u16(argv[4], &s->next_seq) == -1 ||
	    get_u16(argv[5], &s->seq) == -1 ||
	    get_u16(argv[6], &s->lifetime_granted) == -1 ||
	    get_u16(argv[7], &s->bra) == -1 ||
	    sf_get_u64(argv[8], UINT64_MAX, &s->sent_ms) == -1 ||
	    sf_get_u64(argv[9], UINT64_MAX, &s->expires_ms) == -1 ||
	    sf_get_u64(argv[10], UINT64_MAX, &s->refresh_ms) == -1 ||
	    get_i64(argv[11], &s->clock_offset) == -1)
		return -1;
	return 0;
}

/* The record may come now: phases only go forward, and the unique
 * ones (mnd, home, anchors) come once. */
static int
order(struct dec *d, enum phase p, const char *tag, char *err, size_t el)
{
	if (d->phase == PH_NONE && p != PH_MND)
		return fail(err, el, "%s record before the mnd record", tag);
	if (d->want_dbul)
		return fail(err, el, "anchor record without its dbul record");
	if (p < d->phase || (p == d->phase && p <= PH_ANCHORS))
		return fail(err, el, "%s record out of order", tag);
	d->phase = p;
	return 0;
}

static int
dec_mnd(struct dec *d, int argc, char **argv, char *err, size_t el)
{
	uint64_t v;

	if (order(d, PH_MND, "mnd", err, el) == -1)
		return -1;
	if (argc != 3 || sf_get_u64(argv[1], UINT32_MAX, &v) == -1)
		return fail(err, el, "bad mnd record");
	if (v != MN_STATE_VERSION)
		return fail(err, el, "mnd state version %s, this build reads "
		    "%d", argv[1], MN_STATE_VERSION);
	if (sf_get_in6(argv[2], &d->st->hoa) == -1 || !usable(&d->st->hoa))
		return fail(err, el, "bad mnd record");
	return 0;
}

static int
dec_home(struct dec *d, int argc, char **argv, char *err, size_t el)
{
	struct mn_state *st = d->st;

	if (order(d, PH_HOME, "home", err, el) == -1)
		return -1;
	if (argc != 12 || sf_get_in6(argv[1], &st->ha) == -1 ||
	    !usable(&st->ha) || dec_bul(argv, &st->home) == -1)
		return fail(err, el, "bad home record");
	st->has_home = true;
	return 0;
}

static int
dec_anchors(struct dec *d, int argc, char **argv, char *err, size_t el)
{
	struct mn_state *st = d->st;

	if (order(d, PH_ANCHORS, "anchors", err, el) == -1)
		return -1;
	if (argc != 3 || get_u16(argv[1], &st->an_next_seq) == -1 ||
	    get_i64(argv[2], &st->ha_clock_offset) == -1)
		return fail(err, el, "bad anchors record");
	st->has_anchors = true;
	return 0;
}

static int
dec_anchor(struct dec *d, int argc, char **argv, char *err, size_t el)
{
	struct mn_state *st = d->st;
	struct anchor_saved s;
	uint64_t id;

	if (order(d, PH_ANCHOR, "anchor", err, el) == -1)
		return -1;
	memset(&s, 0, sizeof(s));
	if (argc != 10 || sf_get_u64(argv[1], UINT32_MAX, &id) == -1 ||
	    sf_get_in6(argv[2], &s.peer) == -1 || !usable(&s.peer) ||
	    sf_get_in6(argv[3], &s.tep) == -1 ||
	    IN6_IS_ADDR_MULTICAST(&s.tep) ||
	    sf_get_in6(argv[4], &s.dhoa) == -1 || !usable(&s.dhoa) ||
	    IN6_IS_ADDR_LINKLOCAL(&s.dhoa) ||
	    sf_get_in6(argv[5], &s.cn) == -1 ||
	    get_cont(argv[6], &s.type) == -1 ||
	    (s.type != CONT_SESSION_LASTING && s.type != CONT_GRACEFUL) ||
	    sf_get_u64(argv[7], UINT64_MAX, &s.lease_ms) == -1 ||
	    s.lease_ms == 0 ||
	    sf_get_u64(argv[8], UINT64_MAX, &s.renew_at) == -1 ||
	    get_i64(argv[9], &s.clock_offset) == -1)
		return fail(err, el, "bad anchor record");
	s.id = (unsigned)id;
	if (addr_eq(&s.dhoa, &st->hoa))
		return fail(err, el, "bad anchor record");
	for (size_t i = 0; i < st->nanchors; i++) {
		/* F.9: one DHoA per DHP. */
		if (addr_eq(&st->anchors[i].dhoa, &s.dhoa) ||
		    addr_eq(&st->anchors[i].peer, &s.peer))
			return fail(err, el, "anchor %zu repeats a DHoA or a "
			    "DHP", st->nanchors + 1);
	}
	if (st->nanchors == MN_STATE_ANCHORS_MAX)
		return fail(err, el, "more than %d anchors",
		    MN_STATE_ANCHORS_MAX);
	if (sf_grow((void **)&st->anchors, st->nanchors,
	    sizeof(*st->anchors)) == -1)
		return fail(err, el, "out of memory");
	st->anchors[st->nanchors++] = s;
	d->want_dbul = true;
	return 0;
}

static int
dec_dbul(struct dec *d, int argc, char **argv, char *err, size_t el)
{
	struct anchor_saved *s;
	struct in6_addr dhoa;

	if (!d->want_dbul || d->st->nanchors == 0)
		return fail(err, el, "dbul record without its anchor record");
	s = &d->st->anchors[d->st->nanchors - 1];
	if (argc != 12 || sf_get_in6(argv[1], &dhoa) == -1 ||
	    !addr_eq(&dhoa, &s->dhoa) || dec_bul(argv, &s->bul) == -1)
		return fail(err, el, "bad dbul record");
	d->want_dbul = false;
	return 0;
}

static int
dec_slot(struct dec *d, int argc, char **argv, char *err, size_t el)
{
	struct mn_state *st = d->st;
	struct mn_flow_saved_slot s;
	uint64_t n;

	if (order(d, PH_SLOT, "slot", err, el) == -1)
		return -1;
	memset(&s, 0, sizeof(s));
	if (argc != 3 || sf_get_u64(argv[1], FLOW_ANCHOR_MAX, &n) == -1 ||
	    n < FLOW_ANCHOR_DHOA_FIRST || sf_get_in6(argv[2], &s.addr) == -1 ||
	    !usable(&s.addr))
		return fail(err, el, "bad slot record");
	s.slot = (uint8_t)n;
	if (d->slot_used[n])
		return fail(err, el, "slot %u twice", s.slot);
	for (size_t i = 0; i < st->nslots; i++)
		if (addr_eq(&st->slots[i].addr, &s.addr))
			return fail(err, el, "two slots for one address");
	if (sf_grow((void **)&st->slots, st->nslots, sizeof(*st->slots)) == -1)
		return fail(err, el, "out of memory");
	st->slots[st->nslots++] = s;
	d->slot_used[n] = true;
	return 0;
}

static int
dec_flow(struct dec *d, int argc, char **argv, char *err, size_t el)
{
	struct mn_state *st = d->st;
	struct mn_flow_saved f;
	uint64_t id, proto, anchor, nat;

	if (order(d, PH_FLOW, "flow", err, el) == -1)
		return -1;
	memset(&f, 0, sizeof(f));
	if (argc != 12 || sf_get_u64(argv[1], UINT32_MAX, &id) == -1 ||
	    sf_get_u64(argv[2], UINT8_MAX, &proto) == -1 ||
	    sf_get_in6(argv[3], &f.src) == -1 ||
	    get_u16(argv[4], &f.sport) == -1 ||
	    sf_get_in6(argv[5], &f.dst) == -1 ||
	    get_u16(argv[6], &f.dport) == -1 ||
	    get_cont(argv[9], &f.type) == -1 ||
	    sf_get_u64(argv[10], FLOW_ANCHOR_MAX, &anchor) == -1 ||
	    sf_get_u64(argv[11], 1, &nat) == -1)
		return fail(err, el, "bad flow record");
	if (strcmp(argv[7], "out") == 0)
		f.hook = FLOW_HOOK_OUT;
	else if (strcmp(argv[7], "pre") == 0)
		f.hook = FLOW_HOOK_PRE;
	else
		return fail(err, el, "bad flow record");
	if (strcmp(argv[8], "mn") == 0)
		f.initiator = FLOW_INIT_MN;
	else if (strcmp(argv[8], "cn") == 0)
		f.initiator = FLOW_INIT_CN;
	else
		return fail(err, el, "bad flow record");
	if (anchor >= FLOW_ANCHOR_DHOA_FIRST && !d->slot_used[anchor])
		return fail(err, el, "flow on slot %" PRIu64 ", which has no "
		    "slot record", anchor);
	f.id = (uint32_t)id;
	f.proto = (uint8_t)proto;
	f.anchor = (uint8_t)anchor;
	f.nat = nat != 0;
	if (st->nflows == MN_STATE_FLOWS_MAX)
		return fail(err, el, "more than %u flows", MN_STATE_FLOWS_MAX);
	if (sf_grow((void **)&st->flows, st->nflows, sizeof(*st->flows)) == -1)
		return fail(err, el, "out of memory");
	st->flows[st->nflows++] = f;
	return 0;
}

static int
dec_record(int argc, char **argv, void *arg, char *err, size_t errlen)
{
	static const struct {
		const char	*tag;
		int		(*fn)(struct dec *, int, char **, char *,
				    size_t);
	} recs[] = {
		{ "mnd", dec_mnd },
		{ "home", dec_home },
		{ "anchors", dec_anchors },
		{ "anchor", dec_anchor },
		{ "dbul", dec_dbul },
		{ "slot", dec_slot },
		{ "flow", dec_flow },
	};

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		if (strcmp(argv[0], recs[i].tag) == 0)
			return recs[i].fn(arg, argc, argv, err, errlen);
	return fail(err, errlen, "unknown record \"%.32s\"", argv[0]);
}

int
mn_state_decode(const char *buf, size_t len, struct mn_state *st, char *err,
    size_t errlen)
{
	struct dec *d;
	char e[160] = "";
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d->st = st;
	if (sf_parse(buf, len, MN_STATE_KIND, &st->written, dec_record, d, e,
	    sizeof(e)) == -1)
		;
	else if (d->phase == PH_NONE)
		snprintf(e, sizeof(e), "no mnd record");
	else if (d->want_dbul)
		snprintf(e, sizeof(e), "anchor record without its dbul record");
	else
		rc = 0;
	free(d);
	if (rc == -1) {
		mn_state_free(st);
		snprintf(err, errlen, "%s", e);
	}
	return rc;
}

/* ---- into the engines -------------------------------------------------- */

static void
apply_home(const struct mn_state *st, struct mn_home *h, uint64_t mono_now,
    uint64_t wall_now, struct mn_state_result *res)
{
	struct bul_saved s;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (!st->has_home)
		return;
	if (!addr_eq(&st->ha, &h->e->peer)) {
		log_info("state: home registration with %s not restored: the "
		    "home agent is %s now", A6(&st->ha, a),
		    A6(&h->e->peer, b));
		return;
	}
	s = st->home;
	bul_times(&s, to_mono, wall_now, mono_now);
	s.next_seq = (uint16_t)(s.next_seq + MN_STATE_SEQ_SKIP);
	res->home = true;
	res->home_bound = mn_home_restore(h, &s, mono_now);
}

static void
apply_anchor(const struct anchor_saved *saved, struct anchors *a,
    struct bul_now now, uint64_t wall_now, struct mn_state_result *res)
{
	struct anchor_saved s = *saved;
	char d[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];
	const char *why;

	s.lease_ms = to_mono(s.lease_ms, wall_now, now.ms);
	s.renew_at = to_mono(s.renew_at, wall_now, now.ms);
	bul_times(&s.bul, to_mono, wall_now, now.ms);
	s.bul.next_seq = (uint16_t)(s.bul.next_seq + MN_STATE_SEQ_SKIP);
	if (anchors_adopt(a, &s, now) != NULL) {
		res->anchors++;
		return;
	}
	switch (errno) {
	case ETIME:
		res->expired++;
		log_info("state: anchor %s at %s: the lease expired while mnd "
		    "was down", A6(&s.dhoa, d), A6(&s.peer, p));
		return;
	case ENOENT:
		why = "no such DHP in mnd.conf";
		break;
	case EEXIST:
		why = "that DHoA, or an anchor at that DHP, exists";
		break;
	case EINVAL:
		why = "not a usable DHoA";
		break;
	default:
		why = strerror(errno);
		break;
	}
	res->refused++;
	log_warnx("state: anchor %s at %s not restored: %s", A6(&s.dhoa, d),
	    A6(&s.peer, p), why);
}

void
mn_state_apply(const struct mn_state *st, struct mn_home *h,
    struct anchors *a, struct bul_now now, uint64_t wall_now,
    struct mn_state_result *res)
{
	char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN];

	memset(res, 0, sizeof(*res));
	if (!addr_eq(&st->hoa, &h->e->hoa)) {
		res->ignored = true;
		log_warnx("state: the file is for home address %s, this mnd "
		    "has %s: nothing restored", A6(&st->hoa, x),
		    A6(&h->e->hoa, y));
		return;
	}
	apply_home(st, h, now.ms, wall_now, res);
	if (a == NULL) {
		if (st->nanchors > 0)
			log_info("state: %zu anchors not restored: no DHP "
			    "engine", st->nanchors);
		res->refused += st->nanchors;
		return;
	}
	if (st->has_anchors) {
		a->next_seq = (uint16_t)(st->an_next_seq +
		    MN_STATE_AN_SEQ_SKIP);
		a->ha_clock_offset = st->ha_clock_offset;
	}
	for (size_t i = 0; i < st->nanchors; i++)
		apply_anchor(&st->anchors[i], a, now, wall_now, res);
}
