/*
 * had_state.c: had's state file (had_state.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "had_state.h"
#include "log.h"

#define A6(a, buf)	inet_ntop(AF_INET6, (a), (buf), INET6_ADDRSTRLEN)

/* ---- encoding ------------------------------------------------------ */

struct enc_ctx {
	struct sf_buf	*b;
	uint64_t	 mono_now, wall_now;
};

static void
enc_replay(const struct ha_replay *r, void *arg)
{
	struct enc_ctx *c = arg;
	char h[INET6_ADDRSTRLEN];

	sf_add(c->b, "mn %s %u 0x%" PRIx64, A6(&r->hoa, h), r->last_seq,
	    r->last_mesgid);
}

static void
enc_bce(struct bce *e, void *arg)
{
	struct enc_ctx *c = arg;
	char h[INET6_ADDRSTRLEN], o[INET6_ADDRSTRLEN];
	uint64_t exp = bce_expiry(e);

	if (e->state != BCE_ACTIVE || exp == BCACHE_NO_EXPIRY)
		return;
	sf_add(c->b, "bce %s %s %u %u %" PRIu32 " 0x%" PRIx64 " %" PRIu64
	    " %" PRIu64 " %" PRIu64, A6(&e->hoa, h), A6(&e->coa, o), e->seq,
	    e->lifetime, e->spi, e->mesgid,
	    sf_mono_to_wall(e->created_ms, c->mono_now, c->wall_now),
	    sf_mono_to_wall(e->updated_ms, c->mono_now, c->wall_now),
	    sf_mono_to_wall(exp, c->mono_now, c->wall_now));
}

int
had_state_encode(const struct ha_engine *e, uint64_t mono_now,
    uint64_t wall_now, struct sf_buf *b)
{
	struct enc_ctx c = { b, mono_now, wall_now };

	sf_begin(b, HAD_STATE_KIND, wall_now);
	ha_engine_foreach_replay(e, enc_replay, &c);
	bcache_foreach(ha_engine_bcache(e), enc_bce, &c);
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
dec_mn(struct had_state *st, int argc, char **argv, char *err, size_t el)
{
	struct ha_replay r;
	uint64_t v;

	memset(&r, 0, sizeof(r));
	if (argc != 4 || sf_get_in6(argv[1], &r.hoa) == -1 ||
	    sf_get_u64(argv[2], UINT16_MAX, &v) == -1)
		return rec_err(err, el, "bad mn record");
	r.last_seq = (uint16_t)v;
	if (sf_get_u64(argv[3], UINT64_MAX, &r.last_mesgid) == -1)
		return rec_err(err, el, "bad mn record");
	if (sf_grow((void **)&st->mns, st->nmns, sizeof(*st->mns)) == -1)
		return rec_err(err, el, "out of memory");
	st->mns[st->nmns++] = r;
	return 0;
}

static int
dec_bce(struct had_state *st, int argc, char **argv, char *err, size_t el)
{
	struct had_state_bce s;
	uint64_t seq, life, spi;

	memset(&s, 0, sizeof(s));
	if (argc != 10 || sf_get_in6(argv[1], &s.b.hoa) == -1 ||
	    sf_get_in6(argv[2], &s.b.coa) == -1 ||
	    sf_get_u64(argv[3], UINT16_MAX, &seq) == -1 ||
	    sf_get_u64(argv[4], UINT16_MAX, &life) == -1 ||
	    sf_get_u64(argv[5], UINT32_MAX, &spi) == -1 ||
	    sf_get_u64(argv[6], UINT64_MAX, &s.b.mesgid) == -1 ||
	    sf_get_u64(argv[7], UINT64_MAX, &s.b.created_ms) == -1 ||
	    sf_get_u64(argv[8], UINT64_MAX, &s.b.updated_ms) == -1 ||
	    sf_get_u64(argv[9], UINT64_MAX, &s.expiry) == -1)
		return rec_err(err, el, "bad bce record");
	s.b.seq = (uint16_t)seq;
	s.b.lifetime = (uint16_t)life;
	s.b.spi = (uint32_t)spi;
	s.b.state = BCE_ACTIVE;
	if (sf_grow((void **)&st->bces, st->nbces, sizeof(*st->bces)) == -1)
		return rec_err(err, el, "out of memory");
	st->bces[st->nbces++] = s;
	return 0;
}

static int
dec_record(int argc, char **argv, void *arg, char *err, size_t errlen)
{
	struct had_state *st = arg;

	if (strcmp(argv[0], "mn") == 0)
		return dec_mn(st, argc, argv, err, errlen);
	if (strcmp(argv[0], "bce") == 0)
		return dec_bce(st, argc, argv, err, errlen);
	snprintf(err, errlen, "unknown record \"%.32s\"", argv[0]);
	return -1;
}

int
had_state_decode(const char *buf, size_t len, struct had_state *st,
    char *err, size_t errlen)
{
	char e[160] = "";
	int rc;

	memset(st, 0, sizeof(*st));
	rc = sf_parse(buf, len, HAD_STATE_KIND, &st->written, dec_record, st,
	    e, sizeof(e));
	if (rc == -1) {
		had_state_free(st);
		snprintf(err, errlen, "%s", e);
	}
	return rc;
}

void
had_state_free(struct had_state *st)
{
	free(st->mns);
	free(st->bces);
	memset(st, 0, sizeof(*st));
}

/* ---- applying ------------------------------------------------------ */

void
had_state_apply(struct ha_engine *e, const struct had_state *st,
    uint64_t mono_now, uint64_t wall_now, uint64_t ntp_floor,
    ha_action_fn fn, void *arg, struct had_state_result *res)
{
	struct ha_action add;
	struct bce b;
	char h[INET6_ADDRSTRLEN];
	int rc;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < st->nmns; i++) {
		if (ha_engine_restore_replay(e, &st->mns[i]))
			res->mns++;
		else
			log_info("state: %s is no mobile node any more: its "
			    "replay state is dropped", A6(&st->mns[i].hoa, h));
	}
	for (size_t i = 0; i < st->nbces; i++) {
		const struct had_state_bce *s = &st->bces[i];

		if (s->expiry <= wall_now) {
			res->expired++;
			log_info("state: binding %s expired while had was "
			    "down", A6(&s->b.hoa, h));
			continue;
		}
		b = s->b;
		b.created_ms = sf_wall_to_mono(s->b.created_ms, wall_now,
		    mono_now);
		b.updated_ms = sf_wall_to_mono(s->b.updated_ms, wall_now,
		    mono_now);
		rc = ha_engine_restore(e, &b,
		    sf_wall_to_mono(s->expiry, wall_now, mono_now), mono_now,
		    &add);
		if (rc != 0) {
			res->refused++;
			log_warnx("state: binding %s not restored: %s",
			    A6(&s->b.hoa, h), rc == -ENOENT ?
			    "no such mobile node in the config" :
			    strerror(-rc));
			continue;
		}
		res->bindings++;
		if (fn != NULL)
			fn(&add, arg);
	}
	if (ntp_floor != 0)
		ha_engine_mesgid_floor(e, ntp_floor);
}

/* ---- files --------------------------------------------------------- */

int
had_state_save(const struct ha_engine *e, const char *dir,
    uint64_t mono_now, uint64_t wall_now)
{
	struct sf_buf b;
	int rc = had_state_encode(e, mono_now, wall_now, &b);

	return sf_save(dir, HAD_STATE_FILE, "bindings", rc, &b);
}

static int
decode(const char *buf, size_t len, void *st, char *err, size_t errlen)
{
	return had_state_decode(buf, len, st, err, errlen);
}

int
had_state_load(const char *dir, struct had_state *st)
{
	memset(st, 0, sizeof(*st));
	return sf_load(dir, HAD_STATE_FILE, "bindings", decode, st);
}
