/*
 * had_reload.h: which settings a SIGHUP changed that the running home
 * agent cannot take over (its address, home link, backend, transport,
 * the engine's copies of the MN table, lifetimes and DHP directory,
 * the SA table the engine borrows). The log level is applied by
 * daemon.c; everything listed here needs a restart.
 *
 * A snapshot renders each setting of the running config to text (key
 * files by path, never key bytes); a reload renders the new config the
 * same way and compares. SAs are compared with the running SA table,
 * key bytes included, since a key file may change under the same path.
 */
#ifndef DMIP_HA_HAD_RELOAD_H
#define DMIP_HA_HAD_RELOAD_H

#include <stddef.h>

#include "auth.h"
#include "conf.h"

#define HAD_RELOAD_MAX	16	/* settings compared */

struct had_snap {
	char	*text[HAD_RELOAD_MAX];	/* by setting, NULL if none */
};

/* 0, or -1 (ENOMEM) with snap empty. */
int	had_snap_take(struct had_snap *, const struct had_conf *);
void	had_snap_free(struct had_snap *);

/*
 * Names of the settings of fresh that differ from snap (or, for "sa",
 * from sas) into names[0..max); returns how many differ (may exceed
 * max: only max are written). -1 on ENOMEM.
 */
int	had_reload_diff(const struct had_snap *, const struct sa_table *sas,
	    const struct had_conf *fresh, const char **names, size_t max);

#endif /* DMIP_HA_HAD_RELOAD_H */
