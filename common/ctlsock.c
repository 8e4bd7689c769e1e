/*
 * ctlsock.c: the control socket server (see ctlsock.h for the
 * protocol): listener, bounded per-client buffers, non-blocking writes,
 * the command registry and the built-in commands. The answers
 * themselves are built and rendered by ctlsock_out.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctlsock.h"
#include "evloop.h"
#include "log.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS	59	/* Linux 4.13 */
#endif

#define CTL_BACKLOG	16
#define CTL_PAUSE_MS	1000	/* accept paused after EMFILE */

struct ctl_cmd {
	char		*name;		/* words joined by one space */
	size_t		 nwords;
	unsigned	 flags;
	ctl_fn		 fn;
	void		*arg;
};

struct ctl_client {
	struct ctlsock		*cs;
	int			 fd;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	bool			 priv;
	char			 in[CTL_REQ_MAX];
	size_t			 inlen;
	char			*out;
	size_t			 outoff, outlen, outcap;
	bool			 eof;		/* client sent EOF */
	bool			 closing;	/* close once out is sent */
	struct timer		 idle;
	struct ctl_client	*next;
};

struct ctlsock {
	struct evloop		*loop;
	int			 fd;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t			 dev;
	ino_t			 ino;
	bool			 bound;		/* path is our socket */
	uid_t			 uid;		/* of the socket file */
	gid_t			 gid;
	struct ctl_cmd		*cmds;
	size_t			 ncmds;
	struct ctl_client	*clients;
	size_t			 nclients;
	size_t			 out_max;
	unsigned		 idle_ms, max_clients;
	struct timer		 pause;		/* accept after EMFILE */
};

static void client_io(int, uint32_t, void *);

static void
client_drop(struct ctl_client *c, const char *why)
{
	struct ctlsock *cs = c->cs;
	struct ctl_client **pp;

	if (why != NULL)
		log_warnx("ctl: client uid %u pid %d dropped (%s)",
		    (unsigned)c->uid, (int)c->pid, why);
	for (pp = &cs->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	cs->nclients--;
	evloop_timer_cancel(cs->loop, &c->idle);
	evloop_del_fd(cs->loop, c->fd);
	close(c->fd);
	free(c->out);
	free(c);
}

static void
client_idle(struct timer *t, void *arg)
{
	(void)t;
	client_drop(arg, "idle");
}

static void
client_touch(struct ctl_client *c)
{
	evloop_timer_add(c->cs->loop, &c->idle, c->cs->idle_ms);
}

/* Queue a whole answer; false when the client has to be dropped. */
static bool
client_queue(struct ctl_client *c, bool ok, const char *body, size_t len)
{
	char hdr[CTL_HDR_MAX];
	size_t hl, need;
	int n;

	n = snprintf(hdr, sizeof(hdr), "%s %zu\n", ok ? "ok" : "error", len);
	hl = (size_t)n;
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	need = c->outlen - c->outoff + hl + len;
	if (need > c->cs->out_max + CTL_HDR_MAX)
		return false;
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (need > c->outcap) {
		char *p = realloc(c->out, need);

		if (p == NULL)
			return false;
		c->out = p;
		c->outcap = need;
	}
	memcpy(c->out + c->outlen, hdr, hl);
	if (len > 0)
		memcpy(c->out + c->outlen + hl, body, len);
	c->outlen += hl + len;
	return true;
}

static bool
client_error(struct ctl_client *c, const char *msg)
{
	return client_queue(c, false, msg, strlen(msg));
}

static const struct ctl_cmd *
find_cmd(const struct ctlsock *cs, char **w, size_t nw, size_t *used)
{
	char key[CTL_REQ_MAX];

	for (size_t k = nw; k > 0; k--) {
		size_t off = 0;

		for (size_t i = 0; i < k; i++)
			off += (size_t)snprintf(key + off, sizeof(key) - off,
			    "%s%s", i ? " " : "", w[i]);
		for (size_t i = 0; i < cs->ncmds; i++)
			if (cs->cmds[i].nwords == k &&
			    strcmp(cs->cmds[i].name, key) == 0) {
				*used = k;
				return &cs->cmds[i];
			}
	}
	return NULL;
}

/* Run one command and queue its answer. */
static bool
run_cmd(struct ctl_client *c, char **w, size_t nw, bool json)
{
	const struct ctl_cmd *cmd;
	struct ctl_out *o;
	const char *emsg;
	char *body, msg[CTL_REQ_MAX + 64];
	size_t used, len;
	bool ok;

	if ((cmd = find_cmd(c->cs, w, nw, &used)) == NULL) {
		size_t off = (size_t)snprintf(msg, sizeof(msg),
		    "unknown command '");

		for (size_t i = 0; i < nw; i++)
			off += (size_t)snprintf(msg + off, sizeof(msg) - off,
			    "%s%s", i ? " " : "", w[i]);
		snprintf(msg + off, sizeof(msg) - off, "' (try 'help')");
		return client_error(c, msg);
	}
	if ((cmd->flags & CTL_F_PRIV) && !c->priv) {
		log_warnx("ctl: '%s' refused to uid %u pid %d", cmd->name,
		    (unsigned)c->uid, (int)c->pid);
		snprintf(msg, sizeof(msg), "permission denied: '%s' needs "
		    "root or the control socket's group", cmd->name);
		return client_error(c, msg);
	}
	if (cmd->flags & CTL_F_PRIV)
		log_info("ctl: '%s' from uid %u pid %d", cmd->name,
		    (unsigned)c->uid, (int)c->pid);
	else
		log_debug("ctl: '%s' from uid %u pid %d", cmd->name,
		    (unsigned)c->uid, (int)c->pid);
	if ((o = ctl_out_new()) == NULL)
		return client_error(c, "out of memory");
	ctl_out_set_peer(o, c->uid, c->pid, c->priv);
	/* A no-op when the handler gave its own error. */
	if (cmd->fn(o, (int)(nw - used), w + used, cmd->arg) != 0)
		ctl_error(o, "command failed");
	body = ctl_out_render(o, json, c->cs->out_max, &len, &emsg);
	ok = body != NULL ? client_queue(c, true, body, len) :
	    client_error(c, emsg);
	free(body);
	ctl_out_free(o);
	return ok;
}

enum ctl_req_rc
ctl_request_parse(char *line, size_t len, struct ctl_request *r)
{
	char *p, *sp = NULL;

	memset(r, 0, sizeof(*r));
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if ((ch < 0x20 && ch != '\t') || ch > 0x7e)
			return CTL_REQ_BAD_CHAR;
	}
	for (p = strtok_r(line, " \t", &sp); p != NULL;
	    p = strtok_r(NULL, " \t", &sp)) {
		if (r->argc == CTL_WORDS_MAX)
			return CTL_REQ_TOO_MANY;
		r->argv[r->argc++] = p;
	}
	if (r->argc > 0 && strcmp(r->argv[0], "json") == 0) {
		r->json = 1;
		if (--r->argc == 0)
			return CTL_REQ_NO_CMD;
		memmove(r->argv, r->argv + 1, r->argc * sizeof(*r->argv));
	}
	return r->argc == 0 ? CTL_REQ_EMPTY : CTL_REQ_OK;
}

const char *
ctl_request_strerror(enum ctl_req_rc rc)
{
	switch (rc) {
	case CTL_REQ_OK:
		return "ok";
	case CTL_REQ_EMPTY:
		return "empty request";
	case CTL_REQ_BAD_CHAR:
		return "bad request: not printable ASCII";
	case CTL_REQ_TOO_MANY:
		return "too many words";
	case CTL_REQ_NO_CMD:
		return "no command after 'json'";
	}
	return "bad request";
}

/* One request line (LF stripped). false: drop the client. */
static bool
client_request(struct ctl_client *c, char *line, size_t len)
{
	struct ctl_request r;
	enum ctl_req_rc rc = ctl_request_parse(line, len, &r);

	switch (rc) {
	case CTL_REQ_OK:
		return run_cmd(c, r.argv, r.argc, r.json);
	case CTL_REQ_EMPTY:
		return true;	/* an empty line is no request */
	case CTL_REQ_BAD_CHAR:
		c->closing = true;
		break;
	default:
		break;
	}
	return client_error(c, ctl_request_strerror(rc));
}

/* Answer every complete line in the buffer. */
static bool
client_parse(struct ctl_client *c)
{
	char *lf;

	while (!c->closing && (lf = memchr(c->in, '\n', c->inlen)) != NULL) {
		size_t n = (size_t)(lf - c->in);

		*lf = '\0';
		if (!client_request(c, c->in, n))
			return false;
		c->inlen -= n + 1;
		memmove(c->in, lf + 1, c->inlen);
	}
	if (!c->closing && c->inlen == sizeof(c->in)) {
		c->closing = true;
		return client_error(c, "request too long");
	}
	return true;
}

static void
client_io(int fd, uint32_t events, void *arg)
{
	struct ctl_client *c = arg;
	uint32_t want = 0;
	ssize_t n;

	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->eof &&
	    !c->closing) {
		/* One read per wakeup: a chatty client cannot starve the
		 * others (the fd is level-triggered). */
		n = read(fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
		if (n > 0) {
			c->inlen += (size_t)n;
			client_touch(c);
		} else if (n == 0) {
			/* A last request without its LF still counts (the
			 * buffer is never full here: client_parse). */
			if (c->inlen > 0)
				c->in[c->inlen++] = '\n';
			c->eof = true;
		} else if (errno != EAGAIN && errno != EINTR) {
			client_drop(c, NULL);
			return;
		}
		if (!client_parse(c)) {
			client_drop(c, "unread answers over the limit");
			return;
		}
	}
	while (c->outoff < c->outlen) {
		/* MSG_NOSIGNAL: a vanished client is EPIPE, not SIGPIPE. */
		n = send(fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n > 0) {
			c->outoff += (size_t)n;
			client_touch(c);
		} else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && errno == EAGAIN)
			break;
		else {
			client_drop(c, NULL);	/* gone: EPIPE, ECONNRESET */
			return;
		}
	}
	if (!c->eof && !c->closing)
		want |= EPOLLIN;
	if (c->outoff < c->outlen)
		want |= EPOLLOUT;
	if (want == 0) {
		client_drop(c, NULL);
		return;
	}
	evloop_mod_fd(c->cs->loop, fd, want);
}

/* Root, the socket's owner and its group may change state. */
static bool
peer_priv(const struct ctlsock *cs, int fd, uid_t uid, gid_t gid)
{
	gid_t small[64], *g = small;
	socklen_t len = sizeof(small);
	bool priv = false;

	if (uid == 0 || uid == cs->uid || gid == cs->gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1) {
		if (errno != ERANGE || (g = malloc(len)) == NULL)
			return false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1)
			len = 0;
	}
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (g[i] == cs->gid)
			priv = true;
	if (g != small)
		free(g);
	return priv;
}

int
ctlsock_add_client(struct ctlsock *cs, int fd)
{
	struct ctl_client *c;
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (cs->nclients >= cs->max_clients) {
		static const char busy[] = "error 16\ntoo many clients";

		(void)!send(fd, busy, sizeof(busy) - 1,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		log_debug("ctl: too many clients, connection refused");
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1 ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("ctl: new client");
		close(fd);
		return -1;
	}
	c->cs = cs;
	c->fd = fd;
	c->uid = cr.uid;
	c->gid = cr.gid;
	c->pid = cr.pid;
	c->priv = peer_priv(cs, fd, cr.uid, cr.gid);
	timer_init(&c->idle, client_idle, c);
	if (evloop_add_fd(cs->loop, fd, EPOLLIN, client_io, c) == -1) {
		log_warn("ctl: evloop_add_fd");
		close(fd);
		free(c);
		return -1;
	}
	c->next = cs->clients;
	cs->clients = c;
	cs->nclients++;
	client_touch(c);
	log_debug("ctl: client uid %u gid %u pid %d%s", (unsigned)cr.uid,
	    (unsigned)cr.gid, (int)cr.pid, c->priv ? " (may change state)" :
	    "");
	return 0;
}

static void
accept_resume(struct timer *t, void *arg)
{
	struct ctlsock *cs = arg;

	(void)t;
	evloop_mod_fd(cs->loop, cs->fd, EPOLLIN);
}

static void
on_accept(int fd, uint32_t events, void *arg)
{
	struct ctlsock *cs = arg;
	int cfd;

	(void)events;
	for (;;) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0) {
			(void)ctlsock_add_client(cs, cfd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* The listener would stay readable and spin: pause. */
			log_warn("ctl: accept (paused for %d ms)",
			    CTL_PAUSE_MS);
			evloop_mod_fd(cs->loop, fd, 0);
			evloop_timer_add(cs->loop, &cs->pause, CTL_PAUSE_MS);
		} else if (errno != EAGAIN)
			log_warn("ctl: accept");
		return;
	}
}

/* ---- commands ---------------------------------------------------- */

int
ctlsock_register(struct ctlsock *cs, const char *name, unsigned flags,
    ctl_fn fn, void *arg)
{
	char buf[CTL_REQ_MAX], norm[CTL_REQ_MAX], *w, *sp = NULL;
	size_t off = 0, nw = 0;
	struct ctl_cmd *cmd = NULL, *v;

	if (fn == NULL || strlen(name) >= sizeof(buf)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(buf, name, strlen(name) + 1);
	norm[0] = '\0';
	for (w = strtok_r(buf, " ", &sp); w != NULL;
	    w = strtok_r(NULL, " ", &sp)) {
		if (strcmp(w, "json") == 0 && nw == 0) {
			errno = EINVAL;	/* reserved: the format prefix */
			return -1;
		}
		off += (size_t)snprintf(norm + off, sizeof(norm) - off, "%s%s",
		    nw ? " " : "", w);
		nw++;
	}
	if (nw == 0 || nw > CTL_WORDS_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < cs->ncmds; i++)
		if (strcmp(cs->cmds[i].name, norm) == 0)
			cmd = &cs->cmds[i];
	if (cmd == NULL) {
		if ((v = reallocarray(cs->cmds, cs->ncmds + 1,
		    sizeof(*v))) == NULL)
			return -1;
		cs->cmds = v;
		cmd = &cs->cmds[cs->ncmds];
		if ((cmd->name = strdup(norm)) == NULL)
			return -1;
		cs->ncmds++;
	}
	cmd->nwords = nw;
	cmd->flags = flags;
	cmd->fn = fn;
	cmd->arg = arg;
	return 0;
}

static int
cmp_cmd(const void *a, const void *b)
{
	return strcmp((*(const struct ctl_cmd *const *)a)->name,
	    (*(const struct ctl_cmd *const *)b)->name);
}

static int
cmd_help(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct ctlsock *cs = arg;
	const struct ctl_cmd **v;

	(void)argv;
	if (argc != 0)
		return ctl_error(o, "usage: help");
	if ((v = calloc(cs->ncmds, sizeof(*v))) == NULL)
		return ctl_error(o, "out of memory");
	for (size_t i = 0; i < cs->ncmds; i++)
		v[i] = &cs->cmds[i];
	qsort(v, cs->ncmds, sizeof(*v), cmp_cmd);
	ctl_table(o, "commands", "command", "privileged:b");
	for (size_t i = 0; i < cs->ncmds; i++)
		ctl_row(o, v[i]->name,
		    (v[i]->flags & CTL_F_PRIV) ? "yes" : "no");
	free(v);
	return 0;
}

static int
cmd_log(struct ctl_out *o, int argc, char **argv, void *arg)
{
	static const enum log_level lv[] = { LOG_LVL_WARN, LOG_LVL_INFO,
	    LOG_LVL_DEBUG };
	enum log_level old = log_getlevel();
	size_t i;

	(void)arg;
	if (argc > 1)
		return ctl_error(o, "usage: log [quiet|normal|verbose]");
	if (argc == 1) {
		for (i = 0; i < sizeof(lv) / sizeof(lv[0]); i++)
			if (strcmp(argv[0], log_level_name(lv[i])) == 0)
				break;
		if (i == sizeof(lv) / sizeof(lv[0]))
			return ctl_error(o, "usage: log [quiet|normal|"
			    "verbose]");
		if (ctl_require_priv(o) != 0)
			return -1;
		log_setlevel(lv[i]);
		/* Logged at warn level so that "quiet" still records it. */
		if (lv[i] != old)
			log_warnx("log level %s -> %s (dmipctl, uid %u)",
			    log_level_name(old), log_level_name(lv[i]),
			    (unsigned)ctl_peer_uid(o));
	}
	ctl_kv(o, "log_level", "%s", log_level_name(log_getlevel()));
	return 0;
}

/* ---- listener ------------------------------------------------------ */

/* mkdir -p for the parent of path, new directories 0755. */
static int
make_parent(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	memcpy(dir, path, strlen(path) + 1);	/* checked by the caller */
	for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0755) == 0) {
			(void)chmod(dir, 0755);	/* whatever the umask */
			log_info("ctl: created %s", dir);
		} else if (errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		*p = '/';
	}
	return 0;
}

/* bind with mode 0660 from the start (umask), so no window is open. */
static int
bind_0660(int fd, const struct sockaddr_un *sun)
{
	mode_t old = umask(0117);
	int rc = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
	int e = errno;

	umask(old);
	errno = e;
	return rc;
}

/* EADDRINUSE: replace a dead daemon's socket, never a live one. */
static int
replace_stale(int fd, const struct sockaddr_un *sun, char *err,
    size_t errlen)
{
	struct stat st;
	int probe, rc, e;

	if (lstat(sun->sun_path, &st) == -1 || !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket",
		    sun->sun_path);
		return -1;
	}
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(probe, (const struct sockaddr *)sun, sizeof(*sun));
	e = errno;
	close(probe);
	if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
		snprintf(err, errlen, "%s: another process is listening "
		    "there (is the daemon already running?)", sun->sun_path);
		return -1;
	}
	if (e != ECONNREFUSED) {
		snprintf(err, errlen, "%s: %s", sun->sun_path, strerror(e));
		return -1;
	}
	log_info("ctl: removing stale control socket %s", sun->sun_path);
	if (unlink(sun->sun_path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "unlink %s: %s", sun->sun_path,
		    strerror(errno));
		return -1;
	}
	if (bind_0660(fd, sun) == -1) {
		snprintf(err, errlen, "bind %s: %s", sun->sun_path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
listen_on(struct ctlsock *cs, gid_t group, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;

	memcpy(sun.sun_path, cs->path, sizeof(sun.sun_path));
	if (make_parent(cs->path, err, errlen) == -1)
		return -1;
	if ((cs->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind_0660(cs->fd, &sun) == -1) {
		if (errno != EADDRINUSE) {
			snprintf(err, errlen, "bind %s: %s", cs->path,
			    strerror(errno));
			return -1;
		}
		if (replace_stale(cs->fd, &sun, err, errlen) == -1)
			return -1;
	}
	/* From here the file is ours: ctlsock_close() removes it. */
	if (stat(cs->path, &st) == -1) {
		snprintf(err, errlen, "stat %s: %s", cs->path,
		    strerror(errno));
		return -1;
	}
	cs->dev = st.st_dev;
	cs->ino = st.st_ino;
	cs->bound = true;
	if (chmod(cs->path, 0660) == -1 || (group != (gid_t)-1 &&
	    chown(cs->path, (uid_t)-1, group) == -1) ||
	    stat(cs->path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", cs->path, strerror(errno));
		return -1;
	}
	cs->uid = st.st_uid;
	cs->gid = st.st_gid;
	if (listen(cs->fd, CTL_BACKLOG) == -1 ||
	    evloop_add_fd(cs->loop, cs->fd, EPOLLIN, on_accept, cs) == -1) {
		snprintf(err, errlen, "listen %s: %s", cs->path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

struct ctlsock *
ctlsock_open(struct evloop *loop, const char *path, gid_t group, char *err,
    size_t errlen)
{
	struct ctlsock *cs;

	if (path == NULL || *path != '/') {
		snprintf(err, errlen, "control socket: an absolute path is "
		    "needed");
		return NULL;
	}
	if ((cs = calloc(1, sizeof(*cs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cs->loop = loop;
	cs->fd = -1;
	cs->out_max = CTL_OUT_MAX;
	cs->idle_ms = CTL_IDLE_MS;
	cs->max_clients = CTL_CLIENTS_MAX;
	timer_init(&cs->pause, accept_resume, cs);
	if (strlen(path) >= sizeof(cs->path)) {
		snprintf(err, errlen, "%s: path too long for a Unix socket "
		    "(%zu bytes at most)", path, sizeof(cs->path) - 1);
		free(cs);
		return NULL;
	}
	memcpy(cs->path, path, strlen(path) + 1);
	if (listen_on(cs, group, err, errlen) == -1 ||
	    ctlsock_register(cs, "help", 0, cmd_help, cs) == -1 ||
	    ctlsock_register(cs, "log", 0, cmd_log, cs) == -1) {
		ctlsock_close(cs);
		return NULL;
	}
	log_info("ctl: listening on %s (group %u)", cs->path,
	    (unsigned)cs->gid);
	return cs;
}

void
ctlsock_close(struct ctlsock *cs)
{
	struct stat st;

	if (cs == NULL)
		return;
	while (cs->clients != NULL)
		client_drop(cs->clients, NULL);
	evloop_timer_cancel(cs->loop, &cs->pause);
	if (cs->fd != -1) {
		evloop_del_fd(cs->loop, cs->fd);
		close(cs->fd);
	}
	/* Only our own file: a newer daemon may have replaced it. */
	if (cs->bound && stat(cs->path, &st) == 0 && st.st_dev == cs->dev &&
	    st.st_ino == cs->ino)
		unlink(cs->path);
	for (size_t i = 0; i < cs->ncmds; i++)
		free(cs->cmds[i].name);
	free(cs->cmds);
	free(cs);
}

size_t
ctlsock_nclients(const struct ctlsock *cs)
{
	return cs->nclients;
}

void
ctlsock_set_limits(struct ctlsock *cs, size_t out_max, unsigned idle_ms,
    unsigned max_clients)
{
	if (out_max)
		cs->out_max = out_max;
	if (idle_ms)
		cs->idle_ms = idle_ms;
	if (max_clients)
		cs->max_clients = max_clients;
}
