/*
 * fuzz_conf.h: the config loader harness shared by the conf_* targets
 * (fuzz_conf.c).
 */
#ifndef DMIP_FUZZ_CONF_H
#define DMIP_FUZZ_CONF_H

#include <stddef.h>
#include <stdint.h>

enum fuzz_conf_kind {
	FUZZ_CONF_MND,
	FUZZ_CONF_HAD,
	FUZZ_CONF_DHPD,
};

/* Make the private directory with the key files (once). */
void	fuzz_conf_init(void);
/* Load data as a config of kind k and check it (fuzz_conf.c). */
void	fuzz_conf_one(enum fuzz_conf_kind k, const uint8_t *data,
	    size_t size);

#endif /* DMIP_FUZZ_CONF_H */
