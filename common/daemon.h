/*
 * daemon.h: what mnd, had and dhpd share at start-up and shutdown:
 * command line, config load/print (-n), logging set-up, the signalling
 * socket and the event loop with SIGHUP reload, SIGUSR1 verbosity and
 * SIGTERM/SIGINT clean exit.
 */
#ifndef DMIP_DAEMON_H
#define DMIP_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "conf.h"
#include "mh.h"
#include "mhsock.h"

struct evloop;
struct daemon;
struct ctl_out;

/* How one daemon loads and shows its config; conf starts with a struct
 * conf_common (every *_conf does). */
struct daemon_def {
	const char	*name;			/* "had" */
	const char	*default_conf;		/* HAD_CONF_DEFAULT */
	size_t		 conf_size;		/* sizeof(struct had_conf) */
	int		(*load)(const char *, void *);
	void		(*print)(FILE *, const void *);
	void		(*free)(void *);
	/* Address to bind the signalling socket to, or NULL for any. */
	const struct in6_addr *(*bind_addr)(const void *);
	/* A parsed, checksum-verified MH from the socket. */
	void		(*on_mh)(struct daemon *, const struct mh_msg *,
			    const uint8_t *, size_t, const struct mh_rxinfo *);
	/* The config was replaced by a valid new one (SIGHUP). */
	void		(*on_reload)(struct daemon *);
	/* Called once before the loop runs (engine, data plane, timers).
	 * Non-zero: the daemon exits with status 1 (logged by the hook). */
	int		(*on_start)(struct daemon *);
	/* Called after SIGTERM/SIGINT, before the socket closes. It may run
	 * the loop again (evloop_run) for a bounded time, e.g. to send a
	 * deregistration and wait for its ack, and must undo what on_start
	 * installed in the kernel. */
	void		(*on_stop)(struct daemon *);
	/* Adds the daemon's own counters to `dmipctl stats` (optional). */
	void		(*ctl_stats)(struct daemon *, struct ctl_out *);
};

struct daemon {
	const struct daemon_def	*def;
	void			*conf;		/* current config */
	struct conf_common	*common;	/* its common part */
	const char		*conf_path;
	struct evloop		*loop;
	struct mhsock		*sock;
	struct ctlsock		*ctl;		/* dmipctl(8); on_start registers
						 * the daemon's own commands */
	void			*engine;	/* the daemon's own state */
	unsigned long		 rx_bad;	/* MH that failed to parse */
	uint64_t		 started_ms;
};

/*
 * Parse argv, load the config (exit 1 on error), handle -n (print and
 * exit), set up logging, open the socket and the loop. Returns only
 * when the daemon should run.
 */
void	daemon_start(struct daemon *, const struct daemon_def *, int argc,
	    char **argv);
/* Run the loop until SIGTERM/SIGINT; then close everything. */
int	daemon_run(struct daemon *);
/*
 * Send one built MH (len from an *_encode(): negative is the build error,
 * -1 a signing failure) from src to dst; UDP transport: to dport. Logs
 * what went wrong; 0, or -1 when nothing was sent.
 */
int	daemon_send(struct daemon *, const uint8_t *mh, ssize_t len,
	    uint8_t type, const struct in6_addr *src,
	    const struct in6_addr *dst, uint16_t dport);
/* Load the config again (SIGHUP, `dmipctl reload`): 0, or -1 when the
 * new file is refused and the running config stays. */
int	daemon_reload(struct daemon *);

#endif /* DMIP_DAEMON_H */
