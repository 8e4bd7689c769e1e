/*
 * mn_state_run.c: mnd's state file at run time (mn_state.h, the second
 * half): restore at start, debounced saving through statefile.c's
 * saver (at most one write a second, atomic, in a forked child on a
 * copy-on-write snapshot), and the file a clean exit leaves.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "ctlsock.h"
#include "evloop.h"
#include "flow_mark.h"
#include "log.h"
#include "mn_state.h"

#define WHAT		"registration, anchors and flows"
#define POLL_MS		1000	/* the flow table's dirty flag */

/* Everything the engines hold now, encoded and written (may run in the
 * saver's child: it only reads the tables and writes the file). */
static int
save(void *arg)
{
	struct mn_state_run *r = arg;
	struct mn_state st;
	struct sf_buf b;
	int rc;

	if (mn_state_collect(&st, r->home, r->an, evloop_clock_ms(),
	    sf_wall_now_ms()) == -1) {
		log_warnx("state: cannot collect the %s (out of memory)",
		    WHAT);
		return -1;
	}
	if (r->released) {
		/* Given back: only the sequence numbers go on. */
		free(st.anchors);
		st.anchors = NULL;
		st.nanchors = 0;
	} else if (r->fl != NULL) {
		if ((st.slots = calloc(FLOW_ANCHOR_COUNT,
		    sizeof(*st.slots))) == NULL ||
		    mn_flow_save(r->fl, st.slots, FLOW_ANCHOR_COUNT,
		    &st.nslots, &st.flows, &st.nflows) == -1) {
			mn_state_free(&st);
			log_warnx("state: cannot collect the flows (out of "
			    "memory)");
			return -1;
		}
	}
	rc = mn_state_encode(&st, &b);
	mn_state_free(&st);
	return sf_save(r->dir, MN_STATE_FILE, WHAT, rc, &b);
}

/*
 * The flow table only has a flag: look at it once a second. A write
 * may run in a child, whose mn_flow_save() does not clear the flag
 * here, so it is cleared here (by a copy that is thrown away) when the
 * write is asked for.
 */
static void
poll_flows(struct timer *t, void *arg)
{
	struct mn_state_run *r = arg;
	struct mn_flow_saved_slot slots[FLOW_ANCHOR_COUNT];
	struct mn_flow_saved *flows = NULL;
	size_t ns, nf;

	(void)t;
	if (mn_flow_dirty(r->fl) && mn_flow_save(r->fl, slots,
	    FLOW_ANCHOR_COUNT, &ns, &flows, &nf) == 0) {
		free(flows);
		sf_saver_dirty(&r->saver);
	}
	if (evloop_timer_add(r->loop, &r->poll, POLL_MS) == -1)
		log_warn("state: flow poll timer");
}

static int
decode(const char *buf, size_t len, void *st, char *err, size_t errlen)
{
	return mn_state_decode(buf, len, st, err, errlen);
}

static void
restore(struct mn_state_run *r)
{
	struct mn_state st;
	struct mn_state_result *res = &r->restored;
	struct bul_now now = { evloop_clock_ms(), ntp_now() };

	memset(&st, 0, sizeof(st));
	if (sf_load(r->dir, MN_STATE_FILE, WHAT, decode, &st) != 1)
		return;		/* logged: starting fresh */
	mn_state_apply(&st, r->home, r->an, now, sf_wall_now_ms(), res);
	if (!res->ignored && r->fl != NULL)
		res->flows = mn_flow_restore(r->fl, st.slots, st.nslots,
		    st.flows, st.nflows);
	if (!res->ignored)
		log_info("state: restored from %s/%s: home registration %s, "
		    "%zu anchor%s (%zu expired while down, %zu refused), %zu "
		    "of %zu flows", r->dir, MN_STATE_FILE, !res->home ?
		    "none" : res->home_bound ? "bound" : "not bound",
		    res->anchors, res->anchors == 1 ? "" : "s", res->expired,
		    res->refused, res->flows, st.nflows);
	mn_state_free(&st);
}

void
mn_state_start(struct mn_state_run *r, struct evloop *loop,
    const char *state_dir, struct mn_home *home, struct anchors *an,
    struct mn_flow *fl)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->home = home;
	r->an = an;
	r->fl = fl;
	timer_init(&r->poll, poll_flows, r);
	if (state_dir == NULL || state_dir[0] == '\0')
		return;
	if ((rc = sf_ensure_dir(state_dir)) < 0) {
		log_warnx("state_dir %s: %s; the %s are not saved nor "
		    "restored", state_dir, rc == -EPERM ?
		    "writable by group or others" : strerror(-rc), WHAT);
		return;
	}
	if (snprintf(r->dir, sizeof(r->dir), "%s", state_dir) >=
	    (int)sizeof(r->dir)) {
		log_warnx("state_dir %s: name too long", state_dir);
		r->dir[0] = '\0';
		return;
	}
	restore(r);
	sf_saver_init(&r->saver, loop, MN_STATE_INTERVAL_MS, save, r);
	r->on = true;
	/* The file now says what this run holds. */
	sf_saver_dirty(&r->saver);
	if (fl != NULL && evloop_timer_add(loop, &r->poll, POLL_MS) == -1)
		log_warn("state: flow poll timer");
}

void
mn_state_dirty(struct mn_state_run *r)
{
	if (r->on && !r->released)
		sf_saver_dirty(&r->saver);
}

void
mn_state_released(struct mn_state_run *r)
{
	if (!r->on)
		return;
	sf_saver_stop(&r->saver);
	evloop_timer_cancel(r->loop, &r->poll);
	r->released = true;
	if (save(r) == 0)
		log_info("state: clean exit: %s/%s keeps no binding, anchor "
		    "or flow", r->dir, MN_STATE_FILE);
}

void
mn_state_stop(struct mn_state_run *r)
{
	if (!r->on)
		return;
	sf_saver_stop(&r->saver);
	evloop_timer_cancel(r->loop, &r->poll);
	r->on = false;
}

void
mn_state_ctl_stats(const struct mn_state_run *r, struct ctl_out *o)
{
	const struct mn_state_result *res = &r->restored;

	ctl_kv(o, "state_writes:n", "%" PRIu64, r->saver.writes);
	ctl_kv(o, "state_write_errors:n", "%" PRIu64, r->saver.failures);
	ctl_kv(o, "state_restored_home_bound:n", "%d", res->home_bound);
	ctl_kv(o, "state_restored_anchors:n", "%zu", res->anchors);
	ctl_kv(o, "state_restored_flows:n", "%zu", res->flows);
}
