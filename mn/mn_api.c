/*
 * mn_api.c: mnd's API socket for libdmip (see mn_api.h; PROTOCOL.md
 * E.0, E.4; messages in common/api_proto.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "api_proto.h"
#include "conf.h"
#include "daemon.h"
#include "evloop.h"
#include "log.h"
#include "mn_api.h"
#include "mn_dhp.h"
#include "mn_home.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS	59	/* Linux 4.13 */
#endif

#define API_BACKLOG	16
#define API_WHY_MAX	ANCHORS_WHY_MAX
#define API_SLACK_MS	1000	/* past the C.2 timers, for the last answer */

struct api_client;

/* A GETSRC waiting for the anchors engine. */
struct api_pending {
	struct api_client	*c;	/* NULL: the caller went away */
	uint32_t		 msg_id;
	unsigned		 req_id;
	uint8_t			 type;
	bool			 on_net;
	struct in6_addr		 cn;
	uid_t			 uid;
	pid_t			 pid;
	uint64_t		 deadline;
	bool			 done;	/* the engine answered: see below */
	enum areq_state		 state;
	enum areq_result	 result;
	struct in6_addr		 addr;
	char			 why[API_WHY_MAX];
	struct api_pending	*next;
};

/* A DHoA handed out: its request's hold, let go at until. */
struct api_hold {
	struct in6_addr		 dhoa;
	uint64_t		 until;
	struct api_hold		*next;
};

struct api_client {
	struct mn_api		*api;
	int			 fd;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	bool			 subscribed;
	unsigned		 npending;
	struct timer		 idle;
	struct api_client	*next;
};

struct mn_api {
	struct daemon		*d;
	struct mn_dhp		*dhp;
	const struct mn_home	*home;
	struct mn_api_hooks	 hooks;
	int			 fd;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t			 dev;
	ino_t			 ino;
	bool			 bound;
	struct api_client	*clients;
	size_t			 nclients;
	struct api_pending	*pending;
	struct api_hold		*holds;
	struct timer		 tick;	/* deadlines, holds, answers due */
	uint64_t		 bound_ms;	/* C.2 bound of a request */
};

static void	client_drop(struct api_client *);
static void	client_touch(struct api_client *);
static void	arm_tick(struct mn_api *, uint64_t now);

static const char *
a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static struct bul_now
now_of(void)
{
	struct bul_now n = { evloop_clock_ms(), ntp_now() };

	return n;
}

static const struct mnd_conf *
conf_of(const struct mn_api *api)
{
	return api->d->conf;	/* the current one: a reload applies */
}

/* The anchors engine's deadlines may have moved. */
static void
engine_changed(struct mn_api *api)
{
	if (api->dhp->hooks.rearm != NULL)
		api->dhp->hooks.rearm(api->dhp->hooks.arg);
}

/* ---- answers ------------------------------------------------------------- */

static void
send_msg(struct api_client *c, const struct api_msg *m)
{
	uint8_t buf[API_MSG_MAX];
	ssize_t len = api_build(m, buf, sizeof(buf));

	if (len < 0) {
		log_warnx("api: cannot build a %u: %s", m->type,
		    api_strerror((int)len));
		return;
	}
	/* A client that does not read is not waited for. */
	if (send(c->fd, buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    len)
		log_debug("api: uid %u pid %d: answer not sent: %s",
		    (unsigned)c->uid, (int)c->pid, strerror(errno));
}

static void
answer(struct api_client *c, uint32_t id, uint8_t status, uint8_t type,
    uint8_t anchor, uint32_t lifetime, const struct in6_addr *addr)
{
	struct api_msg m = { .type = API_GETSRC_REPLY, .id = id };

	m.u.rep.status = status;
	m.u.rep.type = status == API_ST_OK ? type : 0;
	m.u.rep.anchor = status == API_ST_OK ? anchor : API_ANCHOR_NONE;
	m.u.rep.lifetime = status == API_ST_OK ? lifetime : 0;
	if (status == API_ST_OK && addr != NULL)
		m.u.rep.addr = *addr;
	if (c != NULL)
		send_msg(c, &m);
}

/* One outcome: log it, answer (if the caller is there), tell mnd. */
struct outcome {
	uint8_t		status;
	uint8_t		type;		/* granted */
	uint8_t		anchor;
	uint32_t	lifetime;
	struct in6_addr	addr;
	const char	*why;
};

static void
finish(struct mn_api *api, struct api_client *c, uint32_t id, uint8_t asked,
    bool on_net, const struct in6_addr *cn, uid_t uid, pid_t pid,
    const struct outcome *o)
{
	char a[INET6_ADDRSTRLEN], n[INET6_ADDRSTRLEN];

	if (o->status == API_ST_OK)
		log_info("api: %s%s for %s from uid %u pid %d: %s (%s, %s)",
		    api_type_name(asked), on_net ? " on-net" : "", a6(cn, n),
		    (unsigned)uid, (int)pid, a6(&o->addr, a),
		    api_anchor_name(o->anchor), o->why);
	else
		log_info("api: %s%s for %s from uid %u pid %d: %s (%s)",
		    api_type_name(asked), on_net ? " on-net" : "", a6(cn, n),
		    (unsigned)uid, (int)pid, api_status_name(o->status),
		    o->why);
	answer(c, id, o->status, o->type, o->anchor, o->lifetime, &o->addr);
	if (o->status == API_ST_OK && api->hooks.handed != NULL)
		api->hooks.handed(api->hooks.arg, &o->addr, o->type);
}

/* The request's hold on a DHoA handed out ends MN_API_HOLD_MS later. */
static void
hold_briefly(struct mn_api *api, const struct in6_addr *dhoa, uint64_t now)
{
	struct api_hold *h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		/* Let it go now rather than never. */
		log_warn("api: hold");
		if (anchors_unhold(&api->dhp->an, dhoa, now_of()) == 0)
			engine_changed(api);
		return;
	}
	h->dhoa = *dhoa;
	h->until = now + MN_API_HOLD_MS;
	h->next = api->holds;
	api->holds = h;
}

/* Seconds left of a DHoA's lease. */
static uint32_t
lease_left(const struct mn_api *api, const struct in6_addr *dhoa,
    uint64_t now)
{
	const struct anchor *an = anchors_find_dhoa(&api->dhp->an, dhoa);

	if (an == NULL || an->lease_ms <= now)
		return 0;
	return (uint32_t)((an->lease_ms - now) / 1000);
}

/* An engine request's result as an outcome; a DHoA gets its brief
 * hold (the request took one). */
static void
outcome_of_req(struct mn_api *api, enum areq_state st, enum areq_result res,
    const struct in6_addr *addr, const char *why, uint8_t asked,
    uint64_t now, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->why = why[0] != '\0' ? why : "done";
	if (st != AREQ_DONE) {
		o->status = API_ST_FAILED;
		return;
	}
	o->status = API_ST_OK;
	o->addr = *addr;
	switch (res) {
	case AREQ_R_DHOA:
		o->type = asked;
		o->anchor = API_ANCHOR_DHP;
		o->lifetime = lease_left(api, addr, now);
		hold_briefly(api, addr, now);
		break;
	case AREQ_R_HOA:
		/* The HoA instead (fallback_to_ha, A.3.3): a fixed one. */
		o->type = asked == API_TYPE_NONPERSIST ? asked :
		    API_TYPE_FIXED;
		o->anchor = API_ANCHOR_HA;
		o->lifetime = API_LIFETIME_INF;
		break;
	case AREQ_R_COA:
		o->type = asked == API_TYPE_GRACEFUL ? asked :
		    API_TYPE_NONPERSIST;
		o->anchor = API_ANCHOR_ACCESS;
		o->lifetime = 0;
		break;
	case AREQ_R_NONE:
		o->status = API_ST_FAILED;
		break;
	}
}

/* ---- permissions (seed 001 section 7) ------------------------------------ */

static bool
in_group(int fd, gid_t gid, gid_t want)
{
	gid_t small[64], *g = small;
	socklen_t len = sizeof(small);
	bool yes = gid == want;

	if (yes)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1) {
		if (errno != ERANGE || (g = malloc(len)) == NULL)
			return false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1)
			len = 0;
	}
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		yes = yes || g[i] == want;
	if (g != small)
		free(g);
	return yes;
}

/* May c's caller have an address of type? why says which key refused. */
static bool
allowed(const struct mn_api *api, const struct api_client *c, uint8_t type,
    char *why, size_t whylen)
{
	const struct conf_groups *g = &conf_of(api)->allow_groups[type];
	struct group *gr;

	if (g->n == 0 || c->uid == 0)
		return true;
	for (size_t i = 0; i < g->n; i++)
		if ((gr = getgrnam(g->names[i])) != NULL &&
		    in_group(c->fd, c->gid, gr->gr_gid))
			return true;
	snprintf(why, whylen, "not in allow_%s_groups", type == API_TYPE_FIXED ?
	    "fixed" : type == API_TYPE_SESSION ? "session_lasting" :
	    "graceful_replacement");
	return false;
}

/* ---- GETSRC --------------------------------------------------------------- */

/* Types answered without the engine's help; false: ask the engine. */
static bool
local_answer(const struct mn_api *api, const struct api_getsrc *q,
    struct outcome *o)
{
	const struct anchors *an = &api->dhp->an;
	bool on_net = q->flags & API_F_ON_NET;

	memset(o, 0, sizeof(*o));
	o->status = API_ST_OK;
	o->type = q->type;
	switch (q->type) {
	case API_TYPE_FIXED:
		if (on_net && !an->at_home) {
			o->status = API_ST_NOT_SUPPORTED;
			o->why = "SRC_ON_NET: the home address is not from "
			    "the serving network";
		} else if (an->at_home || mn_home_bound(api->home)) {
			o->addr = conf_of(api)->home_address;
			o->anchor = API_ANCHOR_HA;
			o->lifetime = API_LIFETIME_INF;
			o->why = an->at_home ? "at home" : "home binding up";
		} else {
			o->status = API_ST_FAILED;
			o->why = "the home binding is not up";
		}
		return true;
	case API_TYPE_NONPERSIST:
		if (!an->have_coa) {
			o->status = API_ST_FAILED;
			o->why = "no usable link";
			return true;
		}
		o->addr = an->coa;
		o->anchor = an->at_home ? API_ANCHOR_HA : API_ANCHOR_ACCESS;
		o->lifetime = an->at_home ? API_LIFETIME_INF : 0;
		o->why = an->at_home ? "at home, the home address" :
		    "the care-of address";
		return true;
	case API_TYPE_SESSION:
		if (api->dhp->an.cache.ndhps == 0 &&
		    (on_net || !conf_of(api)->fallback_to_ha)) {
			o->status = API_ST_NOT_SUPPORTED;
			o->why = "no DHP configured";
			return true;
		}
		return false;
	}
	return false;	/* graceful: the engine knows the co-located DHPs */
}

static void
getsrc(struct api_client *c, const struct api_msg *m)
{
	struct mn_api *api = c->api;
	const struct api_getsrc *q = &m->u.req;
	bool on_net = q->flags & API_F_ON_NET;
	const struct anchor_req *r;
	struct api_pending *p;
	struct bul_now now = now_of();
	struct outcome o;
	char why[64], n[INET6_ADDRSTRLEN];

	if (!allowed(api, c, q->type, why, sizeof(why))) {
		log_warnx("api: %s refused to uid %u pid %d (%s)",
		    api_type_name(q->type), (unsigned)c->uid, (int)c->pid, why);
		answer(c, m->id, API_ST_NOT_SUPPORTED, 0, 0, 0, NULL);
		return;
	}
	if (!api->dhp->ok) {
		memset(&o, 0, sizeof(o));
		o.status = API_ST_NOT_SUPPORTED;
		o.why = "no anchors engine";
	} else if (!local_answer(api, q, &o)) {
		r = anchors_request_flags(&api->dhp->an, &q->cn, q->type,
		    on_net ? ANCHORS_REQ_ON_NET : 0, now);
		engine_changed(api);
		if (r == NULL) {
			memset(&o, 0, sizeof(o));
			o.status = API_ST_FAILED;
			o.why = "cannot start the request";
		} else if (r->state == AREQ_DONE || r->state == AREQ_FAILED) {
			outcome_of_req(api, r->state, r->result, &r->addr,
			    r->why, q->type, now.ms, &o);
		} else if ((p = calloc(1, sizeof(*p))) == NULL) {
			log_warn("api: pending request");
			answer(c, m->id, API_ST_FAILED, 0, 0, 0, NULL);
			return;
		} else {
			p->req_id = r->id;
			p->deadline = now.ms + api->bound_ms;
			p->next = api->pending;
			api->pending = p;
			if (c->npending >= MN_API_PENDING_MAX) {
				/* The engine goes on: its answer only lets
				 * a DHoA's hold go (on_tick). */
				log_warnx("api: uid %u pid %d: too many "
				    "requests pending", (unsigned)c->uid,
				    (int)c->pid);
				answer(c, m->id, API_ST_FAILED, 0, 0, 0, NULL);
				arm_tick(api, now.ms);
				return;
			}
			p->c = c;
			p->msg_id = m->id;
			p->req_id = r->id;
			p->type = q->type;
			p->on_net = on_net;
			p->cn = q->cn;
			p->uid = c->uid;
			p->pid = c->pid;
			c->npending++;
			log_debug("api: %s for %s from uid %u pid %d: waiting "
			    "for request %u", api_type_name(q->type),
			    a6(&q->cn, n), (unsigned)c->uid, (int)c->pid,
			    r->id);
			arm_tick(api, now.ms);
			return;
		}
	}
	finish(api, c, m->id, q->type, on_net, &q->cn, c->uid, c->pid, &o);
	arm_tick(api, now.ms);
}

/* ---- the loop's work: answers due, deadlines, holds ----------------------- */

/* The caller's answer: the engine's outcome, or the C.2 bound passed. */
static void
pending_answer(struct mn_api *api, struct api_pending *p, uint64_t now)
{
	struct outcome o;
	struct api_client *c = p->c;

	if (p->done)
		outcome_of_req(api, p->state, p->result, &p->addr, p->why,
		    p->type, now, &o);
	else {
		memset(&o, 0, sizeof(o));
		o.status = API_ST_FAILED;
		o.why = "no answer within the C.2 bound";
	}
	p->c = NULL;
	if (c == NULL)
		return;
	c->npending--;
	finish(api, c, p->msg_id, p->type, p->on_net, &p->cn, p->uid, p->pid,
	    &o);
	client_touch(c);
}

/* A request nobody waits for any more is forgotten this long after its
 * bound, answered or not. */
static uint64_t
forget_at(const struct mn_api *api, const struct api_pending *p)
{
	return p->deadline + 10 * api->bound_ms;
}

static void
on_tick(struct timer *t, void *arg)
{
	struct mn_api *api = arg;
	struct api_pending **pp, *p;
	struct api_hold **hp, *h;
	uint64_t now = evloop_clock_ms();
	bool changed = false;

	(void)t;
	for (pp = &api->pending; (p = *pp) != NULL;) {
		if (p->done) {
			/* Answered: the caller (if still there) is told, a
			 * DHoA gets its brief hold either way. */
			*pp = p->next;
			if (p->c != NULL)
				pending_answer(api, p, now);
			else if (p->state == AREQ_DONE &&
			    p->result == AREQ_R_DHOA)
				hold_briefly(api, &p->addr, now);
			free(p);
			continue;
		}
		if (p->c != NULL && now >= p->deadline)
			pending_answer(api, p, now);
		if (p->c == NULL && now >= forget_at(api, p)) {
			*pp = p->next;
			free(p);
			continue;
		}
		pp = &p->next;
	}
	for (hp = &api->holds; (h = *hp) != NULL;) {
		if (now < h->until) {
			hp = &h->next;
			continue;
		}
		*hp = h->next;
		if (anchors_unhold(&api->dhp->an, &h->dhoa, now_of()) == 0)
			changed = true;
		free(h);
	}
	if (changed)
		engine_changed(api);
	arm_tick(api, now);
}

static void
arm_tick(struct mn_api *api, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (const struct api_pending *p = api->pending; p; p = p->next) {
		uint64_t at = p->done ? now : p->c != NULL ? p->deadline :
		    forget_at(api, p);

		if (at < next)
			next = at;
	}
	for (const struct api_hold *h = api->holds; h; h = h->next)
		if (h->until < next)
			next = h->until;
	if (next == UINT64_MAX)
		evloop_timer_cancel(api->d->loop, &api->tick);
	else if (evloop_timer_at(api->d->loop, &api->tick, next) == -1)
		log_warn("api: timer");
}

void
mn_api_on_anchor_event(struct mn_api *api, enum anchors_event ev,
    const struct anchor *an, const struct anchor_req *r)
{
	struct api_pending *p;

	(void)an;
	if (api == NULL || ev != ANCHORS_EV_REQ_DONE || r == NULL)
		return;
	for (p = api->pending; p != NULL; p = p->next)
		if (p->req_id == r->id && !p->done)
			break;
	if (p == NULL)
		return;
	/* The engine must not be called from here (anchors_io): note it,
	 * answer from the loop. */
	p->done = true;
	p->state = r->state;
	p->result = r->result;
	p->addr = r->addr;
	snprintf(p->why, sizeof(p->why), "%s", r->why);
	arm_tick(api, evloop_clock_ms());
}

/* ---- events ---------------------------------------------------------------- */

void
mn_api_grace(struct mn_api *api, const struct in6_addr *addr,
    unsigned grace_s)
{
	struct api_msg m = { .type = API_EVENT };
	char a[INET6_ADDRSTRLEN];
	unsigned n = 0;

	if (api == NULL)
		return;
	m.u.ev.event = API_EV_GRACE_START;
	m.u.ev.type = API_TYPE_GRACEFUL;
	m.u.ev.seconds = grace_s;
	m.u.ev.addr = *addr;
	for (struct api_client *c = api->clients; c != NULL; c = c->next)
		if (c->subscribed) {
			send_msg(c, &m);
			n++;
		}
	log_info("api: grace period of %us starts for %s (%u subscriber%s)",
	    grace_s, a6(addr, a), n, n == 1 ? "" : "s");
}

/* ---- clients ---------------------------------------------------------------- */

static void
client_touch(struct api_client *c)
{
	if (c->subscribed || c->npending > 0)
		evloop_timer_cancel(c->api->d->loop, &c->idle);
	else
		evloop_timer_add(c->api->d->loop, &c->idle, MN_API_IDLE_MS);
}

static void
client_idle(struct timer *t, void *arg)
{
	struct api_client *c = arg;

	(void)t;
	if (c->npending == 0 && !c->subscribed)
		client_drop(c);
	else
		client_touch(c);
}

static void
client_drop(struct api_client *c)
{
	struct mn_api *api = c->api;
	struct api_client **cp;

	for (struct api_pending *p = api->pending; p != NULL; p = p->next)
		if (p->c == c)
			p->c = NULL;
	for (cp = &api->clients; *cp != NULL; cp = &(*cp)->next)
		if (*cp == c) {
			*cp = c->next;
			break;
		}
	api->nclients--;
	evloop_timer_cancel(api->d->loop, &c->idle);
	evloop_del_fd(api->d->loop, c->fd);
	close(c->fd);
	free(c);
}

/* One record; false: drop the client. */
static bool
client_record(struct api_client *c, const uint8_t *buf, size_t len)
{
	struct api_msg m;
	int rc;

	if ((rc = api_parse_request(buf, len, &m)) != 0) {
		log_warnx("api: uid %u pid %d: bad request (%s), dropped",
		    (unsigned)c->uid, (int)c->pid, api_strerror(rc));
		if (len >= API_HDR_LEN && buf[0] == API_VERSION &&
		    buf[1] == API_GETSRC)
			answer(c, (uint32_t)buf[4] << 24 | buf[5] << 16 |
			    buf[6] << 8 | buf[7], API_ST_BAD_REQUEST, 0, 0, 0,
			    NULL);
		return false;
	}
	if (m.type == API_SUBSCRIBE) {
		struct api_msg r = { .type = API_SUBSCRIBE_REPLY, .id = m.id };

		c->subscribed = true;
		r.u.status = API_ST_OK;
		send_msg(c, &r);
		log_debug("api: uid %u pid %d subscribed", (unsigned)c->uid,
		    (int)c->pid);
		return true;
	}
	getsrc(c, &m);
	return true;
}

static void
client_io(int fd, uint32_t events, void *arg)
{
	struct api_client *c = arg;
	uint8_t buf[API_MSG_MAX];
	ssize_t n;

	(void)events;
	/* One record per wakeup: a chatty client cannot starve the others
	 * (level-triggered). */
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_drop(c);		/* EOF or an error */
		return;
	}
	if ((size_t)n > sizeof(buf)) {
		log_warnx("api: uid %u pid %d: %zd-octet record, dropped",
		    (unsigned)c->uid, (int)c->pid, n);
		client_drop(c);
		return;
	}
	if (!client_record(c, buf, (size_t)n)) {
		client_drop(c);
		return;
	}
	client_touch(c);
}

static void
on_accept(int lfd, uint32_t events, void *arg)
{
	struct mn_api *api = arg;
	struct api_client *c;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd;

	(void)events;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("api: accept");
		return;
	}
	if (api->nclients >= MN_API_CLIENTS_MAX) {
		log_warnx("api: %u clients already, connection refused",
		    MN_API_CLIENTS_MAX);
		close(fd);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1 ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("api: new client");
		close(fd);
		return;
	}
	c->api = api;
	c->fd = fd;
	c->uid = cr.uid;
	c->gid = cr.gid;
	c->pid = cr.pid;
	timer_init(&c->idle, client_idle, c);
	if (evloop_add_fd(api->d->loop, fd, EPOLLIN, client_io, c) == -1) {
		log_warn("api: evloop_add_fd");
		close(fd);
		free(c);
		return;
	}
	c->next = api->clients;
	api->clients = c;
	api->nclients++;
	client_touch(c);
}

/* ---- the listener ------------------------------------------------------------- */

/* mkdir -p for the parent of path, new directories 0755. */
static int
make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	memcpy(dir, path, strlen(path) + 1);	/* length checked */
	for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0755) == 0)
			(void)chmod(dir, 0755);
		else if (errno != EEXIST) {
			log_warn("api: mkdir %s", dir);
			return -1;
		}
		*p = '/';
	}
	return 0;
}

/* Mode 0666 from the start (umask): any local user may ask. */
static int
bind_0666(int fd, const struct sockaddr_un *sun)
{
	mode_t old = umask(0111);
	int rc = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
	int e = errno;

	umask(old);
	errno = e;
	return rc;
}

/* EADDRINUSE: replace a dead mnd's socket, never a live one. */
static int
replace_stale(int fd, const struct sockaddr_un *sun)
{
	struct stat st;
	int probe, rc, e;

	if (lstat(sun->sun_path, &st) == -1 || !S_ISSOCK(st.st_mode)) {
		log_warnx("api: %s exists and is not a socket", sun->sun_path);
		return -1;
	}
	if ((probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = connect(probe, (const struct sockaddr *)sun, sizeof(*sun));
	e = errno;
	close(probe);
	if (rc == 0 || e == EAGAIN) {
		log_warnx("api: %s: another mnd listens there",
		    sun->sun_path);
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT)
		return -1;
	return bind_0666(fd, sun);
}

static int
listen_on(struct mn_api *api)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;

	memcpy(sun.sun_path, api->path, sizeof(sun.sun_path));
	if (make_parent(api->path) == -1)
		return -1;
	if ((api->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_warn("api: socket");
		return -1;
	}
	if (bind_0666(api->fd, &sun) == -1 && (errno != EADDRINUSE ||
	    replace_stale(api->fd, &sun) == -1)) {
		log_warn("api: bind %s", api->path);
		return -1;
	}
	if (stat(api->path, &st) == -1) {
		log_warn("api: stat %s", api->path);
		return -1;
	}
	api->dev = st.st_dev;
	api->ino = st.st_ino;
	api->bound = true;
	if (chmod(api->path, 0666) == -1 || listen(api->fd, API_BACKLOG) ==
	    -1 || evloop_add_fd(api->d->loop, api->fd, EPOLLIN, on_accept,
	    api) == -1) {
		log_warn("api: %s", api->path);
		return -1;
	}
	return 0;
}

/* DHP Query 1+2+4 s and DHoA Request 1+2+4+8 s (C.2), and a second. */
static uint64_t
c2_bound(const struct anchors_cfg *cfg)
{
	uint64_t q = 0, r = 0, t;

	t = cfg->query_timeout_ms;
	for (unsigned i = 0; i < cfg->query_tries; i++, t *= 2)
		q += t;
	t = cfg->req_timeout_ms;
	for (unsigned i = 0; i < cfg->req_tries; i++, t *= 2)
		r += t;
	return q + r + API_SLACK_MS;
}

struct mn_api *
mn_api_open(struct daemon *d, struct mn_dhp *dhp, const struct mn_home *home,
    const struct mn_api_hooks *hooks)
{
	const struct mnd_conf *c = d->conf;
	struct mn_api *api;

	if (c->api_socket == NULL || c->api_socket[0] != '/' ||
	    strlen(c->api_socket) >= sizeof(api->path)) {
		log_warnx("api: no usable api_socket: running without the "
		    "API");
		return NULL;
	}
	if ((api = calloc(1, sizeof(*api))) == NULL) {
		log_warn("api");
		return NULL;
	}
	api->d = d;
	api->dhp = dhp;
	api->home = home;
	api->fd = -1;
	if (hooks != NULL)
		api->hooks = *hooks;
	timer_init(&api->tick, on_tick, api);
	memcpy(api->path, c->api_socket, strlen(c->api_socket) + 1);
	if (dhp->ok)
		api->bound_ms = c2_bound(&dhp->an.cfg);
	if (listen_on(api) == -1) {
		log_warnx("api: cannot listen on %s: running without the API "
		    "(libdmip: EAI_REQUIREDIPNOTSUPPORTED)", api->path);
		mn_api_close(api);
		return NULL;
	}
	log_info("api: listening on %s (answers within %llu ms)", api->path,
	    (unsigned long long)api->bound_ms);
	return api;
}

void
mn_api_close(struct mn_api *api)
{
	struct stat st;

	if (api == NULL)
		return;
	while (api->pending != NULL) {
		struct api_pending *p = api->pending;

		api->pending = p->next;
		if (p->c != NULL)
			answer(p->c, p->msg_id, API_ST_FAILED, 0, 0, 0, NULL);
		free(p);
	}
	while (api->holds != NULL) {
		struct api_hold *h = api->holds;

		api->holds = h->next;
		free(h);
	}
	while (api->clients != NULL)
		client_drop(api->clients);
	evloop_timer_cancel(api->d->loop, &api->tick);
	if (api->fd != -1) {
		evloop_del_fd(api->d->loop, api->fd);
		close(api->fd);
	}
	/* Only our own file: a newer mnd may have replaced it. */
	if (api->bound && stat(api->path, &st) == 0 && st.st_dev == api->dev &&
	    st.st_ino == api->ino)
		unlink(api->path);
	free(api);
}
