/*
 * had_ctl.h: had's dmipctl(8) commands: `show bindings`, `show dhps`
 * and its counters in `stats`.
 */
#ifndef DMIP_HAD_CTL_H
#define DMIP_HAD_CTL_H

struct ctlsock;
struct ctl_out;
struct evloop;
struct ha_engine;
struct had_conf;

/* The state the commands read; all borrowed, valid while had runs. The
 * conf pointer is re-read at each command (SIGHUP replaces it). */
struct had_ctl {
	struct ha_engine	 *eng;
	struct evloop		 *loop;
	const struct had_conf	**conf;
};

/* 0, or -1 (logged). */
int	had_ctl_register(struct ctlsock *, struct had_ctl *);
/* The engine's counters, for daemon_def.ctl_stats. */
void	had_ctl_stats(const struct had_ctl *, struct ctl_out *);

#endif /* DMIP_HAD_CTL_H */
