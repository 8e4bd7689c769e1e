/*
 * ctlserver: a control socket with fake daemon commands, for
 * tests/dmipctl_test.sh. Runs until SIGTERM/SIGINT.
 *
 * usage: ctlserver [-g gid] socket-path
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctlsock.h"
#include "evloop.h"
#include "log.h"

static unsigned reloads;

static int
show_bindings(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)argv;
	(void)arg;
	if (argc != 0)
		return ctl_error(o, "usage: show bindings");
	ctl_table(o, "bindings", "hoa", "coa", "state", "lifetime:n",
	    "seq:n", "home:b");
	ctl_row(o, "2001:db8:10::1", "2001:db8:a::1", "active", "120", "7",
	    "no");
	ctl_row(o, "2001:db8:10::2", "2001:db8:b::2", "dad", "60", "1", "no");
	ctl_row(o, "2001:db8:10::3", NULL, "home", "0", "42", "yes");
	return 0;
}

static int
stats(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)argc;
	(void)argv;
	(void)arg;
	ctl_kv(o, "daemon", "ctlserver");
	ctl_kv(o, "bindings:n", "%d", 3);
	ctl_kv(o, "rx_bad:n", "%lu", 2UL);
	ctl_kv(o, "reloads:n", "%u", reloads);
	return 0;
}

/* Many rows: output larger than any socket buffer. */
static int
show_big(struct ctl_out *o, int argc, char **argv, void *arg)
{
	long n;

	(void)arg;
	if (argc != 1 || (n = strtol(argv[0], NULL, 10)) < 0 || n > 1000000)
		return ctl_error(o, "usage: show big N (N <= 1000000)");
	ctl_table(o, "rows", "i:n", "name");
	for (long i = 0; i < n; i++)
		ctl_row(o, ctl_fmt(o, "%ld", i), ctl_fmt(o, "row-%ld", i));
	return 0;
}

/* Strings that JSON must escape. */
static int
show_weird(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)argc;
	(void)argv;
	(void)arg;
	ctl_table(o, "weird", "name", "value:n");
	ctl_row(o, "quote\"back\\slash", "1.5e3");
	ctl_row(o, "tab\there", "-0");
	ctl_row(o, "caf\xc3\xa9", "not-a-number");
	ctl_row(o, "bad\xff" "byte", "");
	return 0;
}

static int
echo(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)arg;
	ctl_kv(o, "argc:n", "%d", argc);
	ctl_table(o, "args", "arg");
	for (int i = 0; i < argc; i++)
		ctl_row(o, argv[i]);
	return 0;
}

static int
fail(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)argc;
	(void)argv;
	(void)arg;
	return ctl_error(o, "simulated failure");
}

static int
reload(struct ctl_out *o, int argc, char **argv, void *arg)
{
	(void)argc;
	(void)argv;
	(void)arg;
	reloads++;
	ctl_kv(o, "reloaded:b", "yes");
	return 0;
}

static void
on_term(int signo, void *arg)
{
	(void)signo;
	evloop_break(arg);
}

int
main(int argc, char **argv)
{
	gid_t group = (gid_t)-1;
	struct ctlsock *cs;
	struct evloop *l;
	char err[256];
	int ch;

	while ((ch = getopt(argc, argv, "g:")) != -1) {
		switch (ch) {
		case 'g':
			group = (gid_t)strtoul(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc)
		goto usage;
	log_init("ctlserver", 1, LOG_LVL_DEBUG);
	signal(SIGPIPE, SIG_IGN);
	if ((l = evloop_new()) == NULL)
		fatal("evloop_new");
	if (evloop_on_signal(l, SIGTERM, on_term, l) == -1 ||
	    evloop_on_signal(l, SIGINT, on_term, l) == -1)
		fatal("signals");
	if ((cs = ctlsock_open(l, argv[optind], group, err,
	    sizeof(err))) == NULL)
		fatalx("%s", err);
	if (ctlsock_register(cs, "show bindings", 0, show_bindings,
	    NULL) == -1 ||
	    ctlsock_register(cs, "stats", 0, stats, NULL) == -1 ||
	    ctlsock_register(cs, "show big", 0, show_big, NULL) == -1 ||
	    ctlsock_register(cs, "show weird", 0, show_weird, NULL) == -1 ||
	    ctlsock_register(cs, "echo", 0, echo, NULL) == -1 ||
	    ctlsock_register(cs, "fail", 0, fail, NULL) == -1 ||
	    ctlsock_register(cs, "reload", CTL_F_PRIV, reload, NULL) == -1)
		fatal("ctlsock_register");
	log_info("ctlserver ready");
	if (evloop_run(l) == -1)
		log_warn("evloop_run");
	ctlsock_close(cs);
	evloop_free(l);
	log_info("ctlserver stopped");
	return 0;
usage:
	fprintf(stderr, "usage: ctlserver [-g gid] socket-path\n");
	return 2;
}
