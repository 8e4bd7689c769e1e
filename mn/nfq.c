/*
 * nfq.c: the NFQUEUE I/O edge of mnd (see nfq.h; PROTOCOL.md G.1,
 * TESTBED.md 2). Translates queued packets into decide() calls and
 * marks into verdicts; runs ip6tables-save/-restore at start and stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "log.h"
#include "nfq.h"

#define FLOWQ_RXBUF	(64 * 1024 + 512)

struct flowq_hook_ctx {
	struct flowq		*q;
	enum flow_hook		 hook;
};

struct flowq {
	struct nfq_handle	*h;
	struct nfq_q_handle	*qh[FLOW_HOOK_COUNT];
	struct flowq_hook_ctx	 ctx[FLOW_HOOK_COUNT];
	int			 fd;
	flowq_decide_fn		 decide;
	void			*arg;
	struct flowq_conf	 conf;
	struct flowq_stats	 st;
	uint8_t			*buf;
};

static int
verdict(struct flowq *q, enum flow_hook hook, uint32_t id, uint32_t old,
    uint32_t mark)
{
	uint32_t m = (old & ~FLOW_MARK_MASK) | (mark & FLOW_MARK_MASK);

	if (q->qh[hook] == NULL ||
	    nfq_set_verdict2(q->qh[hook], id, NF_ACCEPT, m, 0, NULL) < 0) {
		q->st.verdict_errors++;
		return -1;
	}
	q->st.verdicts++;
	return 0;
}

static int
on_packet(struct nfq_q_handle *qh, struct nfgenmsg *nfmsg,
    struct nfq_data *nfa, void *data)
{
	struct flowq_hook_ctx *cx = data;
	struct flowq *q = cx->q;
	struct nfqnl_msg_packet_hdr *ph;
	struct flowq_pkt p;
	unsigned char *payload;
	uint32_t mark = FLOW_MARK_CLASSIFIED, v;
	int len;

	if ((ph = nfq_get_msg_packet_hdr(nfa)) == NULL) {
		q->st.bad_msgs++;
		return 0;	/* no id: nothing to answer */
	}
	memset(&p, 0, sizeof(p));
	p.id = ntohl(ph->packet_id);
	p.hook = cx->hook;
	p.mark = nfq_get_nfmark(nfa);
	q->st.packets[cx->hook]++;
	if ((len = nfq_get_payload(nfa, &payload)) < 0) {
		/* Never leave a packet in the queue: accept it marked
		 * classified so it is not queued again. */
		q->st.bad_msgs++;
		return verdict(q, cx->hook, p.id, p.mark, mark);
	}
	p.data = payload;
	p.len = (size_t)len;
	if (nfq_get_uid(nfa, &v) > 0) {
		p.has_uid = true;
		p.uid = (uid_t)v;
	}
	if (nfq_get_gid(nfa, &v) > 0) {
		p.has_gid = true;
		p.gid = (gid_t)v;
	}
	if (q->decide(&p, &mark, q->arg) == FLOWQ_DEFER) {
		q->st.deferred++;
		return 0;
	}
	return verdict(q, cx->hook, p.id, p.mark, mark);
}

static int
bind_queue(struct flowq *q, enum flow_hook hook, uint16_t num)
{
	const struct flowq_conf *c = &q->conf;
	uint32_t flags = NFQA_CFG_F_GSO;
	struct nfq_q_handle *qh;

	q->ctx[hook].q = q;
	q->ctx[hook].hook = hook;
	if ((qh = nfq_create_queue(q->h, num, on_packet, &q->ctx[hook])) ==
	    NULL) {
		if (errno == 0)
			errno = EBUSY;
		log_warn("nfqueue %u (%s): bind", num, flow_hook_name(hook));
		return -1;
	}
	q->qh[hook] = qh;
	if (nfq_set_mode(qh, NFQNL_COPY_PACKET, c->copy_range) < 0) {
		log_warn("nfqueue %u: copy mode", num);
		return -1;
	}
	if (nfq_set_queue_maxlen(qh, c->maxlen) < 0)
		log_warn("nfqueue %u: max length %u", num, c->maxlen);
	if (c->fail_open)
		flags |= NFQA_CFG_F_FAIL_OPEN;
	if (c->uid_gid)
		flags |= NFQA_CFG_F_UID_GID;
	/* Old kernels refuse unknown flags as a whole: try without the
	 * optional ones before giving up on fail-open. */
	if (nfq_set_queue_flags(qh, flags, flags) < 0) {
		log_warn("nfqueue %u: flags 0x%x", num, flags);
		flags &= NFQA_CFG_F_FAIL_OPEN;
		if (flags != 0 && nfq_set_queue_flags(qh, flags, flags) < 0)
			log_warn("nfqueue %u: fail-open", num);
	}
	log_debug("nfqueue %u (%s): copy %u, maxlen %u, flags 0x%x", num,
	    flow_hook_name(hook), c->copy_range, c->maxlen, flags);
	return 0;
}

struct flowq *
flowq_open(const struct flowq_conf *conf, flowq_decide_fn decide, void *arg)
{
	struct flowq *q;
	int one = 1, rcv, saved;

	if (decide == NULL || (conf->hook_pre &&
	    conf->queue_pre == conf->queue_out)) {
		errno = EINVAL;
		return NULL;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->buf = malloc(FLOWQ_RXBUF)) == NULL) {
		free(q);
		return NULL;
	}
	q->conf = *conf;
	if (q->conf.maxlen == 0)
		q->conf.maxlen = FLOWQ_MAXLEN_DEFAULT;
	if (q->conf.copy_range == 0)
		q->conf.copy_range = FLOWQ_COPY_DEFAULT;
	q->decide = decide;
	q->arg = arg;
	q->fd = -1;
	if ((q->h = nfq_open()) == NULL) {
		log_warn("nfq_open");
		goto err;
	}
	/* No-ops since Linux 3.8, needed before it. */
	(void)nfq_unbind_pf(q->h, AF_INET6);
	(void)nfq_bind_pf(q->h, AF_INET6);
	if (bind_queue(q, FLOW_HOOK_OUT, conf->queue_out) == -1 ||
	    (conf->hook_pre &&
	    bind_queue(q, FLOW_HOOK_PRE, conf->queue_pre) == -1))
		goto err;
	q->fd = nfq_fd(q->h);
	rcv = conf->rcvbuf > 0 ? conf->rcvbuf : FLOWQ_RCVBUF_DEFAULT;
	if (setsockopt(q->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv,
	    sizeof(rcv)) == -1 &&
	    setsockopt(q->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) == -1)
		log_warn("nfqueue: receive buffer %d", rcv);
	/* An overrun drops (or, fail-open, passes) packets; it must not
	 * break the socket (G.1). */
	if (setsockopt(q->fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one,
	    sizeof(one)) == -1)
		log_warn("nfqueue: NETLINK_NO_ENOBUFS");
	if (fcntl(q->fd, F_SETFL, fcntl(q->fd, F_GETFL) | O_NONBLOCK) == -1) {
		log_warn("nfqueue: O_NONBLOCK");
		goto err;
	}
	return q;
err:
	saved = errno;
	flowq_close(q);
	errno = saved ? saved : EIO;
	return NULL;
}

void
flowq_close(struct flowq *q)
{
	if (q == NULL)
		return;
	for (int i = 0; i < FLOW_HOOK_COUNT; i++)
		if (q->qh[i] != NULL)
			nfq_destroy_queue(q->qh[i]);
	if (q->h != NULL)
		nfq_close(q->h);
	free(q->buf);
	free(q);
}

int
flowq_fd(const struct flowq *q)
{
	return q->fd;
}

const struct flowq_stats *
flowq_get_stats(const struct flowq *q)
{
	return &q->st;
}

int
flowq_verdict(struct flowq *q, enum flow_hook hook, uint32_t id,
    uint32_t old_mark, uint32_t mark)
{
	if ((unsigned)hook >= FLOW_HOOK_COUNT) {
		errno = EINVAL;
		return -1;
	}
	return verdict(q, hook, id, old_mark, mark);
}

int
flowq_dispatch(struct flowq *q)
{
	uint64_t before = q->st.packets[0] + q->st.packets[1];
	ssize_t n;

	for (;;) {
		n = recv(q->fd, q->buf, FLOWQ_RXBUF, 0);
		if (n > 0) {
			(void)nfq_handle_packet(q->h, (char *)q->buf, (int)n);
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if (errno == ENOBUFS) {
			/* Messages were lost; fail-open passed them or the
			 * kernel dropped them. Counted, never fatal. */
			q->st.enobufs++;
			continue;
		}
		q->st.recv_errors++;
		log_warn("nfqueue: recv");
		return -1;
	}
	return (int)(q->st.packets[0] + q->st.packets[1] - before);
}

int
flowq_kernel_stats(uint16_t queue, struct flowq_kstats *ks)
{
	FILE *fp = fopen("/proc/net/netfilter/nfnetlink_queue", "r");
	unsigned num, portid, total, mode, range, qd, ud, seq;
	char line[256];
	int rc = -1;

	memset(ks, 0, sizeof(*ks));
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "%u %u %u %u %u %u %u %u", &num, &portid,
		    &total, &mode, &range, &qd, &ud, &seq) == 8 &&
		    num == queue) {
			ks->queue_total = total;
			ks->queue_dropped = qd;
			ks->user_dropped = ud;
			ks->id_sequence = seq;
			rc = 0;
			break;
		}
	fclose(fp);
	if (rc == -1)
		errno = ENOENT;
	return rc;
}

/* ---- the rules: fork/exec at start and stop only ------------------- */

/* Write s to fd; a child that died early must not kill us with
 * SIGPIPE: block it and discard one raised here. */
static void
write_all_nosigpipe(int fd, const char *s)
{
	sigset_t pipe_set, old, pending;
	struct timespec zero = { 0, 0 };
	bool was_pending;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	for (size_t off = 0, n = s ? strlen(s) : 0; off < n;) {
		ssize_t w = write(fd, s + off, n - off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (!was_pending)
		(void)sigtimedwait(&pipe_set, NULL, &zero);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/*
 * Run argv with `in` on its stdin; collect stdout into *out when out is
 * not NULL. Returns the exit status (0 ok), or -1. stderr is inherited
 * so ip6tables' own message reaches the log.
 */
static int
run(char *const argv[], const char *in, char **out)
{
	int ip[2] = { -1, -1 }, op[2] = { -1, -1 }, st;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	pid_t pid;

	if (pipe2(ip, O_CLOEXEC) == -1 ||
	    (out != NULL && pipe2(op, O_CLOEXEC) == -1))
		goto fail;
	if ((pid = fork()) == -1)
		goto fail;
	if (pid == 0) {
		if (dup2(ip[0], 0) == -1 ||
		    (out != NULL && dup2(op[1], 1) == -1))
			_exit(127);
		if (out == NULL)
			dup2(2, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(ip[0]);
	ip[0] = -1;
	if (out != NULL) {
		close(op[1]);
		op[1] = -1;
	}
	write_all_nosigpipe(ip[1], in);
	close(ip[1]);
	ip[1] = -1;
	while (out != NULL) {
		ssize_t r;

		if (cap - len < 4096) {
			char *p = realloc(buf, cap + 65536);

			if (p == NULL)
				break;
			buf = p;
			cap += 65536;
		}
		r = read(op[0], buf + len, cap - len - 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (op[0] != -1)
		close(op[0]);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (out != NULL) {
		if (buf == NULL)
			buf = strdup("");
		else
			buf[len] = '\0';
		*out = buf;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
fail:
	for (int i = 0; i < 2; i++) {
		if (ip[i] != -1)
			close(ip[i]);
		if (op[i] != -1)
			close(op[i]);
	}
	return -1;
}

static int
scan_now(const struct flowq_conf *c, struct flowq_rules_state *st)
{
	char save[256], *text = NULL;
	char *argv[] = { save, "-t", "mangle", NULL };
	int rc;

	flowq_save_cmd(c->restore, save, sizeof(save));
	if ((rc = run(argv, NULL, &text)) != 0) {
		log_warnx("%s -t mangle: exit status %d", save, rc);
		free(text);
		return -1;
	}
	rc = flowq_rules_scan(text, st);
	free(text);
	return rc;
}

static int
restore(const struct flowq_conf *c, const char *text)
{
	char cmd[256];
	char *argv[] = { cmd, "--noflush", "-w", NULL };
	int rc;

	snprintf(cmd, sizeof(cmd), "%s",
	    c->restore ? c->restore : "ip6tables-restore");
	if ((rc = run(argv, text, NULL)) != 0) {
		log_warnx("%s --noflush: exit status %d", cmd, rc);
		return -1;
	}
	return 0;
}

int
flowq_rules_install(const struct flowq_conf *c)
{
	struct flowq_rules_state st;
	char *text;
	int rc = -1;

	if (scan_now(c, &st) == -1)
		return -1;
	if (st.njumps > 0)
		log_info("nfqueue rules: %zu old jump(s) found (crash?) -> "
		    "rebuilt", st.njumps);
	if ((text = flowq_rules_install_text(c, &st)) != NULL)
		rc = restore(c, text);
	free(text);
	flowq_rules_state_free(&st);
	if (rc == 0)
		log_info("nfqueue rules: none -> installed (queues %u/%u)",
		    c->queue_out, c->queue_pre);
	return rc;
}

int
flowq_rules_remove(const struct flowq_conf *c)
{
	struct flowq_rules_state st;
	char *text;
	int rc = -1;

	if (scan_now(c, &st) == -1)
		return -1;
	if ((text = flowq_rules_remove_text(&st)) != NULL)
		rc = text[0] == '\0' ? 0 : restore(c, text);
	free(text);
	flowq_rules_state_free(&st);
	if (rc == 0)
		log_info("nfqueue rules: installed -> removed");
	return rc;
}

/* ---- source translation (G.3) -------------------------------------- */

static int
nat_save(const struct flowq_conf *c, char **text)
{
	char save[256];
	char *argv[] = { save, "-t", "nat", NULL };
	int rc;

	*text = NULL;
	flowq_save_cmd(c->restore, save, sizeof(save));
	if ((rc = run(argv, NULL, text)) != 0) {
		log_warnx("%s -t nat: exit status %d", save, rc);
		free(*text);
		*text = NULL;
		return -1;
	}
	return 0;
}

int
flowq_nat_sync(const struct flowq_conf *c, const struct flowq_nat *r,
    size_t n)
{
	char *save, *text;
	int rc = -1;

	if (nat_save(c, &save) == -1)
		return -1;
	if ((text = flowq_nat_text(save, r, n)) != NULL)
		rc = restore(c, text);
	free(text);
	free(save);
	if (rc == 0)
		log_debug("nat rules: %zu anchor(s) translated", n);
	return rc;
}

int
flowq_nat_remove(const struct flowq_conf *c)
{
	char *save, *text;
	int rc = -1;

	if (nat_save(c, &save) == -1)
		return -1;
	if ((text = flowq_nat_remove_text(save)) != NULL)
		rc = text[0] == '\0' ? 0 : restore(c, text);
	free(text);
	free(save);
	return rc;
}
