/*
 * daemon.c: start-up, signals and shutdown shared by mnd, had and dhpd
 * (see daemon.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctlsock.h"
#include "daemon.h"
#include "evloop.h"
#include "log.h"

static void
usage(const struct daemon_def *def, FILE *f)
{
	fprintf(f, "usage: %s [-dnv] [-f file]\n"
	    "  -d              foreground, log to stderr\n"
	    "  -f file         configuration (default %s)\n"
	    "  -n, --configtest  check the configuration, print it, exit\n"
	    "  -v              verbose (debug) logging\n"
	    "  -V, --version   print the version\n",
	    def->name, def->default_conf);
}

struct daemon_args {
	const char	*conf_path;
	int		 foreground;
	int		 verbose;
	int		 configtest;
};

static void
parse_args(const struct daemon_def *def, int argc, char **argv,
    struct daemon_args *a)
{
	static const struct option longopts[] = {
		{ "configtest", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(a, 0, sizeof(*a));
	a->conf_path = def->default_conf;
	while ((ch = getopt_long(argc, argv, "df:hnvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			a->foreground = 1;
			break;
		case 'f':
			a->conf_path = optarg;
			break;
		case 'n':
			a->configtest = 1;
			break;
		case 'v':
			a->verbose = 1;
			break;
		case 'V':
			printf("%s (dmip6) %s\n", def->name, PACKAGE_VERSION);
			exit(0);
		case 'h':
			usage(def, stdout);
			exit(0);
		default:
			usage(def, stderr);
			exit(1);
		}
	}
	if (optind != argc) {
		usage(def, stderr);
		exit(1);
	}
}

/* Read every waiting MH, parse it, hand it to the daemon. */
static void
on_mh_readable(int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;
	uint8_t buf[MH_MAX_LEN];
	struct mh_rxinfo ri;
	struct mh_msg m;
	char src[INET6_ADDRSTRLEN];
	ssize_t n;
	int rc;

	(void)fd;
	(void)events;
	while ((n = mhsock_recv(d->sock, buf, sizeof(buf), &ri)) >= 0) {
		if (n == 0)
			continue;	/* bad UDP checksum, counted */
		inet_ntop(AF_INET6, &ri.src, src, sizeof(src));
		if ((rc = mh_parse(buf, (size_t)n, &m)) != MH_OK) {
			/* Malformed input is counted and dropped, never fatal
			 * (STYLE.md "Validate at the boundary"). */
			d->rx_bad++;
			log_debug("drop %zd-byte MH from %s: %s at octet %zu",
			    n, src, mh_strerror(rc), m.bad_off);
			continue;
		}
		log_debug("rx %s (%zd bytes) from %s", mh_type_name(m.type),
		    n, src);
		if (d->def->on_mh != NULL)
			d->def->on_mh(d, &m, buf, (size_t)n, &ri);
	}
}

static void
on_terminate(int signo, void *arg)
{
	struct daemon *d = arg;

	log_info("%s: signal %d, shutting down", d->def->name, signo);
	evloop_break(d->loop);
}

static void
on_verbosity(int signo, void *arg)
{
	enum log_level lvl = log_getlevel() == LOG_LVL_DEBUG ?
	    LOG_LVL_INFO : LOG_LVL_DEBUG;

	(void)signo;
	(void)arg;
	log_setlevel(lvl);
	log_info("log level now %s", log_level_name(lvl));
}

int
daemon_send(struct daemon *d, const uint8_t *mh, ssize_t len, uint8_t type,
    const struct in6_addr *src, const struct in6_addr *dst, uint16_t dport)
{
	char to[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, dst, to, sizeof(to));
	if (len < 0) {
		log_warnx("%s to %s: cannot build it (%s)", mh_type_name(type),
		    to, len == -1 ? "signing failed" : mh_strerror((int)len));
		return -1;
	}
	if (mhsock_send(d->sock, mh, (size_t)len, src, dst, 0, dport) < 0) {
		log_warn("%s to %s", mh_type_name(type), to);
		return -1;
	}
	log_debug("tx %s (%zd bytes) to %s", mh_type_name(type), len, to);
	return 0;
}

/* SIGHUP or `dmipctl reload`: a config with errors is refused and the
 * running one kept. */
int
daemon_reload(struct daemon *d)
{
	void *fresh = calloc(1, d->def->conf_size);
	const struct conf_common *c;

	if (fresh == NULL) {
		log_warn("reload");
		return -1;
	}
	if (d->def->load(d->conf_path, fresh) != 0) {
		log_warnx("reload of %s refused: the running configuration "
		    "stays", d->conf_path);
		free(fresh);
		return -1;
	}
	c = fresh;
	if (strcmp(c->control_socket, d->common->control_socket) != 0)
		log_warnx("control_socket changed: restart %s to apply it",
		    d->def->name);
	d->def->free(d->conf);
	free(d->conf);
	d->conf = fresh;
	d->common = fresh;
	log_setlevel(d->common->log_level);
	log_info("reloaded %s", d->conf_path);
	if (d->def->on_reload != NULL)
		d->def->on_reload(d);
	return 0;
}

static void
on_reload(int signo, void *arg)
{
	(void)signo;
	(void)daemon_reload(arg);
}

static int
ctl_reload(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct daemon *d = arg;

	(void)argv;
	if (argc != 0)
		return ctl_error(o, "usage: reload");
	if (daemon_reload(d) != 0)
		return ctl_error(o, "%s: configuration refused, the running "
		    "one stays (errors in the log)", d->conf_path);
	ctl_kv(o, "config", "%s", d->conf_path);
	return 0;
}

static int
ctl_stats(struct ctl_out *o, int argc, char **argv, void *arg)
{
	struct daemon *d = arg;

	(void)argc;
	(void)argv;
	ctl_kv(o, "daemon", "%s", d->def->name);
	ctl_kv(o, "version", "%s", PACKAGE_VERSION);
	ctl_kv(o, "uptime:n", "%" PRIu64,
	    (evloop_now_ms(d->loop) - d->started_ms) / 1000);
	ctl_kv(o, "rx_bad:n", "%lu", d->rx_bad);
	if (d->def->ctl_stats != NULL)
		d->def->ctl_stats(d, o);
	return 0;
}

/* The control socket; a live daemon on the same path is an error. */
static void
open_control(struct daemon *d)
{
	char err[256];

	d->ctl = ctlsock_open(d->loop, d->common->control_socket, (gid_t)-1,
	    err, sizeof(err));
	if (d->ctl == NULL)
		fatalx("control socket: %s", err);
	if (ctlsock_register(d->ctl, "reload", CTL_F_PRIV, ctl_reload, d) ==
	    -1 || ctlsock_register(d->ctl, "stats", 0, ctl_stats, d) == -1)
		fatal("ctlsock_register");
}

static void
open_socket(struct daemon *d)
{
	const struct in6_addr *bind = d->def->bind_addr != NULL ?
	    d->def->bind_addr(d->conf) : NULL;
	enum mh_transport tr = d->common->transport == CONF_TRANSPORT_UDP ?
	    MH_TRANSPORT_UDP : MH_TRANSPORT_RAW;
	char err[256];

	d->sock = mhsock_open(tr, bind, d->common->udp_port, err, sizeof(err));
	if (d->sock == NULL)
		fatalx("%s", err);
	if (evloop_add_fd(d->loop, mhsock_fd(d->sock), EPOLLIN,
	    on_mh_readable, d) == -1)
		fatal("evloop_add_fd");
	if (tr == MH_TRANSPORT_UDP)
		log_info("signalling on UDP port %u",
		    mhsock_local_port(d->sock));
	else
		log_info("signalling on the raw Mobility Header socket");
}

void
daemon_start(struct daemon *d, const struct daemon_def *def, int argc,
    char **argv)
{
	struct daemon_args a;

	parse_args(def, argc, argv, &a);
	memset(d, 0, sizeof(*d));
	d->def = def;
	d->conf_path = a.conf_path;
	/* Config errors go to stderr before any daemon set-up. */
	log_init(def->name, 1, LOG_LVL_INFO);
	if ((d->conf = calloc(1, def->conf_size)) == NULL)
		fatal("calloc");
	if (def->load(a.conf_path, d->conf) != 0) {
		fprintf(stderr, "%s: %s: configuration not valid\n", def->name,
		    a.conf_path);
		exit(1);
	}
	d->common = d->conf;
	if (a.configtest) {
		def->print(stdout, d->conf);
		fprintf(stderr, "%s: %s: configuration OK\n", def->name,
		    a.conf_path);
		exit(0);
	}
	log_init(def->name, a.foreground,
	    a.verbose ? LOG_LVL_DEBUG : d->common->log_level);
	if ((d->loop = evloop_new()) == NULL)
		fatal("evloop_new");
	if (evloop_on_signal(d->loop, SIGTERM, on_terminate, d) == -1 ||
	    evloop_on_signal(d->loop, SIGINT, on_terminate, d) == -1 ||
	    evloop_on_signal(d->loop, SIGHUP, on_reload, d) == -1 ||
	    evloop_on_signal(d->loop, SIGUSR1, on_verbosity, d) == -1)
		fatal("signal set-up");
	/* A peer that goes away must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	open_socket(d);
	open_control(d);
	d->started_ms = evloop_clock_ms();
}

int
daemon_run(struct daemon *d)
{
	int rc;

	if (d->def->on_start != NULL && d->def->on_start(d) != 0) {
		log_warnx("%s: start-up failed, exiting", d->def->name);
		rc = -1;
		goto out;
	}
	log_info("%s %s started with %s", d->def->name, PACKAGE_VERSION,
	    d->conf_path);
	rc = evloop_run(d->loop);
	if (rc == -1)
		log_warn("event loop");
	/* No command may run against an engine that is shutting down. */
	ctlsock_close(d->ctl);
	d->ctl = NULL;
	if (d->def->on_stop != NULL)
		d->def->on_stop(d);
out:
	if (d->ctl != NULL)
		ctlsock_close(d->ctl);
	mhsock_close(d->sock);
	evloop_free(d->loop);
	d->def->free(d->conf);
	free(d->conf);
	log_info("%s stopped", d->def->name);
	return rc == 0 ? 0 : 1;
}
