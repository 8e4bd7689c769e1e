/*
 * dhpd_state.c: dhpd's state file (dhpd_state.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dhpd_state.h"
#include "log.h"

#define A6(a, buf)	inet_ntop(AF_INET6, (a), (buf), INET6_ADDRSTRLEN)

#define MNF_REQ_TS	0x1
#define MNF_REQ_SEQ	0x2
#define MNF_BU_TS	0x4
#define MNF_BU_SEQ	0x8
#define BF_SEQ_VALID	0x1
#define BF_BRR_SENT	0x2

/* ---- encoding ------------------------------------------------------ */

struct enc_ctx {
	struct sf_buf	*b;
	uint64_t	 mono_now, wall_now;
};

static uint64_t
wall(const struct enc_ctx *c, uint64_t mono)
{
	return sf_mono_to_wall(mono, c->mono_now, c->wall_now);
}

static void
enc_replay(const struct dhp_replay *r, void *arg)
{
	struct enc_ctx *c = arg;
	char h[INET6_ADDRSTRLEN];
	unsigned f = (r->req_ts_seen ? MNF_REQ_TS : 0) |
	    (r->req_seq_seen ? MNF_REQ_SEQ : 0) |
	    (r->bu_ts_seen ? MNF_BU_TS : 0) | (r->bu_seq_seen ? MNF_BU_SEQ : 0);

	sf_add(c->b, "mn %s %u 0x%" PRIx64 " %u 0x%" PRIx64 " %u",
	    A6(&r->hoa, h), f, r->req_mesgid, r->req_seq, r->bu_mesgid,
	    r->bu_seq);
}

static void
enc_quar(const struct dhoa_lease *l, const struct dhp_binding *b, void *arg)
{
	struct enc_ctx *c = arg;
	char d[INET6_ADDRSTRLEN], h[INET6_ADDRSTRLEN];

	(void)b;
	sf_add(c->b, "quar %s %s %" PRIu64, A6(&l->dhoa, d), A6(&l->hoa, h),
	    wall(c, l->expiry_ms));
}

static void
enc_lease(const struct dhoa_lease *l, const struct dhp_binding *b, void *arg)
{
	struct enc_ctx *c = arg;
	char d[INET6_ADDRSTRLEN], h[INET6_ADDRSTRLEN];

	sf_add(c->b, "lease %s %s %" PRIu64 " %" PRIu64, A6(&l->dhoa, d),
	    A6(&l->hoa, h), wall(c, l->leased_ms), wall(c, l->expiry_ms));
	if (b == NULL)
		return;
	sf_add(c->b, "bind %s %s %s %u %u %u %" PRIu64 " %" PRIu64 " %"
	    PRIu64, d, A6(&b->coa, h), dhp_bind_state_name(b->state),
	    b->lifetime, b->seq, (b->seq_valid ? BF_SEQ_VALID : 0u) |
	    (b->brr_sent ? BF_BRR_SENT : 0u), wall(c, b->created_ms),
	    wall(c, b->updated_ms), wall(c, b->expiry_ms));
}

int
dhpd_state_encode(const struct dhp_engine *e, uint64_t mono_now,
    uint64_t wall_now, struct sf_buf *b)
{
	struct enc_ctx c = { b, mono_now, wall_now };

	sf_begin(b, DHPD_STATE_KIND, wall_now);
	dhp_engine_foreach_replay(e, enc_replay, &c);
	dhp_engine_foreach_quarantined(e, enc_quar, &c);
	dhp_engine_foreach_lease(e, enc_lease, &c);
	return sf_finish(b);
}

/* ---- decoding ------------------------------------------------------ */

static int
rec_err(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

static int
dec_mn(struct dhpd_state *st, int argc, char **argv, char *err, size_t el)
{
	struct dhp_replay r;
	uint64_t f, rs, bs;

	memset(&r, 0, sizeof(r));
	if (argc != 7 || sf_get_in6(argv[1], &r.hoa) == -1 ||
	    sf_get_u64(argv[2], 0xf, &f) == -1 ||
	    sf_get_u64(argv[3], UINT64_MAX, &r.req_mesgid) == -1 ||
	    sf_get_u64(argv[4], UINT16_MAX, &rs) == -1 ||
	    sf_get_u64(argv[5], UINT64_MAX, &r.bu_mesgid) == -1 ||
	    sf_get_u64(argv[6], UINT16_MAX, &bs) == -1)
		return rec_err(err, el, "bad mn record");
	r.req_ts_seen = f & MNF_REQ_TS;
	r.req_seq_seen = f & MNF_REQ_SEQ;
	r.bu_ts_seen = f & MNF_BU_TS;
	r.bu_seq_seen = f & MNF_BU_SEQ;
	r.req_seq = (uint16_t)rs;
	r.bu_seq = (uint16_t)bs;
	if (sf_grow((void **)&st->mns, st->nmns, sizeof(*st->mns)) == -1)
		return rec_err(err, el, "out of memory");
	st->mns[st->nmns++] = r;
	return 0;
}

static int
dec_quar(struct dhpd_state *st, int argc, char **argv, char *err, size_t el)
{
	struct dhpd_state_quar q;

	memset(&q, 0, sizeof(q));
	if (argc != 4 || sf_get_in6(argv[1], &q.dhoa) == -1 ||
	    sf_get_in6(argv[2], &q.hoa) == -1 ||
	    sf_get_u64(argv[3], UINT64_MAX, &q.end) == -1)
		return rec_err(err, el, "bad quar record");
	if (sf_grow((void **)&st->quars, st->nquars, sizeof(*st->quars)) == -1)
		return rec_err(err, el, "out of memory");
	st->quars[st->nquars++] = q;
	return 0;
}

static int
dec_lease(struct dhpd_state *st, int argc, char **argv, char *err, size_t el)
{
	struct dhpd_state_lease l;

	memset(&l, 0, sizeof(l));
	if (argc != 5 || sf_get_in6(argv[1], &l.dhoa) == -1 ||
	    sf_get_in6(argv[2], &l.hoa) == -1 ||
	    sf_get_u64(argv[3], UINT64_MAX, &l.leased) == -1 ||
	    sf_get_u64(argv[4], UINT64_MAX, &l.expiry) == -1)
		return rec_err(err, el, "bad lease record");
	if (sf_grow((void **)&st->leases, st->nleases,
	    sizeof(*st->leases)) == -1)
		return rec_err(err, el, "out of memory");
	st->leases[st->nleases++] = l;
	return 0;
}

static int
dec_bind(struct dhpd_state *st, int argc, char **argv, char *err, size_t el)
{
	struct dhpd_state_bind s;
	uint64_t life, seq, f;

	memset(&s, 0, sizeof(s));
	if (argc != 10 || sf_get_in6(argv[1], &s.dhoa) == -1 ||
	    sf_get_in6(argv[2], &s.b.coa) == -1)
		return rec_err(err, el, "bad bind record");
	if (strcmp(argv[3], "active") == 0)
		s.b.state = DHP_BIND_ACTIVE;
	else if (strcmp(argv[3], "deleting") == 0)
		s.b.state = DHP_BIND_DELETING;
	else
		return rec_err(err, el, "bad bind state");
	if (sf_get_u64(argv[4], UINT16_MAX, &life) == -1 ||
	    sf_get_u64(argv[5], UINT16_MAX, &seq) == -1 ||
	    sf_get_u64(argv[6], 3, &f) == -1 ||
	    sf_get_u64(argv[7], UINT64_MAX, &s.b.created_ms) == -1 ||
	    sf_get_u64(argv[8], UINT64_MAX, &s.b.updated_ms) == -1 ||
	    sf_get_u64(argv[9], UINT64_MAX, &s.b.expiry_ms) == -1)
		return rec_err(err, el, "bad bind record");
	s.b.lifetime = (uint16_t)life;
	s.b.seq = (uint16_t)seq;
	s.b.seq_valid = f & BF_SEQ_VALID;
	s.b.brr_sent = f & BF_BRR_SENT;
	if (sf_grow((void **)&st->binds, st->nbinds, sizeof(*st->binds)) == -1)
		return rec_err(err, el, "out of memory");
	st->binds[st->nbinds++] = s;
	return 0;
}

static int
dec_record(int argc, char **argv, void *arg, char *err, size_t errlen)
{
	struct dhpd_state *st = arg;

	if (strcmp(argv[0], "mn") == 0)
		return dec_mn(st, argc, argv, err, errlen);
	if (strcmp(argv[0], "quar") == 0)
		return dec_quar(st, argc, argv, err, errlen);
	if (strcmp(argv[0], "lease") == 0)
		return dec_lease(st, argc, argv, err, errlen);
	if (strcmp(argv[0], "bind") == 0)
		return dec_bind(st, argc, argv, err, errlen);
	snprintf(err, errlen, "unknown record \"%.32s\"", argv[0]);
	return -1;
}

int
dhpd_state_decode(const char *buf, size_t len, struct dhpd_state *st,
    char *err, size_t errlen)
{
	char e[160] = "";

	memset(st, 0, sizeof(*st));
	if (sf_parse(buf, len, DHPD_STATE_KIND, &st->written, dec_record, st,
	    e, sizeof(e)) == 0)
		return 0;
	dhpd_state_free(st);
	snprintf(err, errlen, "%s", e);
	return -1;
}

void
dhpd_state_free(struct dhpd_state *st)
{
	free(st->mns);
	free(st->quars);
	free(st->leases);
	free(st->binds);
	memset(st, 0, sizeof(*st));
}

/* ---- applying ------------------------------------------------------ */

struct apply_ctx {
	struct dhp_engine	*e;
	uint64_t		 mono_now, wall_now;
	struct dhpd_state_result *res;
};

static uint64_t
mono(const struct apply_ctx *c, uint64_t wall)
{
	return sf_wall_to_mono(wall, c->wall_now, c->mono_now);
}

static const char *
why(int rc)
{
	switch (rc) {
	case -ENOENT:
		return "no such mobile node or lease now";
	case -EEXIST:
		return "a duplicate";
	case -EINVAL:
		return "not valid with this config";
	case -ENOSPC:
		return "max_leases reached";
	}
	return strerror(-rc);
}

static void
apply_quars(struct apply_ctx *c, const struct dhpd_state *st)
{
	char d[INET6_ADDRSTRLEN];
	int rc;

	for (size_t i = 0; i < st->nquars; i++) {
		const struct dhpd_state_quar *q = &st->quars[i];

		if (q->end <= c->wall_now)
			continue;	/* over: the address is free again */
		rc = dhp_engine_restore_quarantine(c->e, &q->dhoa, &q->hoa,
		    c->mono_now, mono(c, q->end));
		if (rc == 0)
			c->res->quarantined++;
		else {
			c->res->refused++;
			log_warnx("state: quarantine of %s not restored: %s",
			    A6(&q->dhoa, d), why(rc));
		}
	}
}

static void
apply_leases(struct apply_ctx *c, const struct dhpd_state *st)
{
	char d[INET6_ADDRSTRLEN];
	int rc;

	for (size_t i = 0; i < st->nleases; i++) {
		const struct dhpd_state_lease *l = &st->leases[i];

		if (l->expiry <= c->wall_now) {
			c->res->expired++;
			log_info("state: DHoA %s expired while dhpd was down",
			    A6(&l->dhoa, d));
			continue;
		}
		rc = dhp_engine_restore_lease(c->e, &l->dhoa, &l->hoa,
		    mono(c, l->leased), mono(c, l->expiry), c->mono_now);
		if (rc == 0)
			c->res->leases++;
		else {
			c->res->refused++;
			log_warnx("state: lease of %s not restored: %s",
			    A6(&l->dhoa, d), why(rc));
		}
	}
}

static void
apply_binds(struct apply_ctx *c, const struct dhpd_state *st,
    void (*fn)(const struct dhp_action *, void *), void *arg)
{
	struct dhp_binding b;
	struct dhp_action add;
	char d[INET6_ADDRSTRLEN];
	int rc;

	for (size_t i = 0; i < st->nbinds; i++) {
		const struct dhpd_state_bind *s = &st->binds[i];

		if (s->b.expiry_ms <= c->wall_now) {
			c->res->expired++;
			continue;
		}
		b = s->b;
		b.created_ms = mono(c, s->b.created_ms);
		b.updated_ms = mono(c, s->b.updated_ms);
		b.expiry_ms = mono(c, s->b.expiry_ms);
		rc = dhp_engine_restore_binding(c->e, &s->dhoa, &b,
		    c->mono_now, &add);
		if (rc != 0) {
			if (rc != -ENOENT) {
				c->res->refused++;
				log_warnx("state: binding of %s not restored: "
				    "%s", A6(&s->dhoa, d), why(rc));
			}
			continue;
		}
		c->res->bindings++;
		if (fn != NULL)
			fn(&add, arg);
	}
}

void
dhpd_state_apply(struct dhp_engine *e, const struct dhpd_state *st,
    uint64_t mono_now, uint64_t wall_now, uint64_t ntp_floor,
    void (*fn)(const struct dhp_action *, void *), void *arg,
    void (*unbound)(const struct in6_addr *, void *),
    struct dhpd_state_result *res)
{
	struct apply_ctx c = { e, mono_now, wall_now, res };
	char h[INET6_ADDRSTRLEN];

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < st->nmns; i++) {
		if (dhp_engine_restore_replay(e, &st->mns[i]))
			res->mns++;
		else
			log_info("state: %s is no mobile node any more: its "
			    "replay state is dropped", A6(&st->mns[i].hoa, h));
	}
	/* Quarantines first: their FIFO must be filled before this run
	 * releases anything (dhoa_pool_restore_quarantine). */
	apply_quars(&c, st);
	apply_leases(&c, st);
	apply_binds(&c, st, fn, arg);
	if (unbound != NULL)
		for (size_t i = 0; i < st->nleases; i++)
			if (dhp_engine_find(e, &st->leases[i].dhoa) == NULL)
				unbound(&st->leases[i].dhoa, arg);
	if (ntp_floor != 0)
		dhp_engine_mesgid_floor(e, ntp_floor);
}

/* ---- files --------------------------------------------------------- */

int
dhpd_state_save(const struct dhp_engine *e, const char *dir,
    uint64_t mono_now, uint64_t wall_now)
{
	struct sf_buf b;
	int rc = dhpd_state_encode(e, mono_now, wall_now, &b);

	return sf_save(dir, DHPD_STATE_FILE, "leases", rc, &b);
}

static int
decode(const char *buf, size_t len, void *st, char *err, size_t errlen)
{
	return dhpd_state_decode(buf, len, st, err, errlen);
}

int
dhpd_state_load(const char *dir, struct dhpd_state *st)
{
	memset(st, 0, sizeof(*st));
	return sf_load(dir, DHPD_STATE_FILE, "leases", decode, st);
}
