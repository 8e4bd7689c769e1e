/*
 * dmip_int.h: libdmip's internals (lib/). The pure parts (dmip_prefs.c:
 * type and flag mapping, PROTOCOL.md E.0, E.3) are unit-tested alone
 * (tests/unit/test_libdmip.c); dmip_client.c talks to mnd (E.4);
 * dmip_wrap.c holds the per-socket state, the interposed calls and the
 * public functions.
 */
#ifndef DMIP_LIB_INT_H
#define DMIP_LIB_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "api_proto.h"
#include "dmip/ondemand.h"

#define DMIP_EXPORT	__attribute__((visibility("default")))

/* The IPV6_REQUIRE_*_IP bits (one address type each). */
#define DMIP_REQUIRE_TYPES	(IPV6_REQUIRE_FIXED_IP | \
	IPV6_REQUIRE_SESSION_LASTING_IP | IPV6_REQUIRE_NONPERSIST_IP | \
	IPV6_REQUIRE_GRACEFUL_REPLACEMENT_IP)

/* Linux's RFC 5014 home/care-of preferences (E.1). */
#define DMIP_PREFER_SRC_HOME	0x0400u
#define DMIP_PREFER_SRC_COA	0x0004u

/* Default wait for mnd's answer (ms): the C.2 bound of a DHP Query
 * (1+2+4 s) and a DHoA Request (1+2+4+8 s) that mnd enforces, plus a
 * margin. DMIP_API_TIMEOUT (ms) overrides it. */
#define DMIP_API_TIMEOUT_DEFAULT_MS	25000

/* ---- dmip_prefs.c (pure) -------------------------------------------- */

/*
 * The address type (1..4) asked for by v: an sc_type, or exactly one
 * IPV6_REQUIRE_*_IP bit, with IPV6_REQUIRE_SRC_ON_NET too when
 * allow_on_net (then *on_net says whether it was there). -1 otherwise.
 */
int		dmip_type_of(uint32_t v, bool allow_on_net, bool *on_net);
/* The IPV6_REQUIRE_*_IP bit of a type 1..4, 0 for anything else. */
uint32_t	dmip_require_bit(uint8_t type);

/*
 * Split a value given to setsockopt(IPV6_ADDR_PREFERENCES) (E.3): *req
 * gets the REQUIRE part (at most one type bit, and SRC_ON_NET), *kernel
 * what the kernel may see: REQUIRE bits stripped, and with a type bit
 * also PREFER_SRC_HOME/COA (the requirement wins). 0, or -1 when more
 * than one type bit is set (EINVAL).
 */
int		dmip_prefs_split(uint32_t val, uint32_t *kernel,
		    uint32_t *req);
/* What getsockopt() shows: the kernel's value, the REQUIRE bit that
 * was satisfied, and SRC_ON_NET when set. */
uint32_t	dmip_prefs_merge(uint32_t kernel, uint32_t req,
		    uint32_t satisfied);
/* 0, EAI_REQUIREDIPNOTSUPPORTED or EAI_REQUIREDIPFAILED for an
 * API_ST_* (BAD_REQUEST: -1, the caller sets EINVAL). */
int		dmip_eai_of_status(uint8_t status);

/* ---- dmip_client.c -------------------------------------------------- */

/* DMIP_API_SOCKET, else RUNSTATEDIR/dmip6/mnd-api.sock. */
const char	*dmip_api_path(void);
int		 dmip_api_timeout_ms(void);
/* A connected, non-blocking SEQPACKET socket to mnd, or -1 (errno). */
int		 dmip_api_connect(void);
/*
 * Ask mnd (GETSRC) and wait for its answer within the timeout. 0 with
 * *rep (whose status may be a refusal), or an EAI_* code when mnd
 * cannot be asked (no socket: NOTSUPPORTED) or does not answer
 * (FAILED).
 */
int		 dmip_api_getsrc(const struct api_getsrc *q,
		    struct api_reply *rep);

/* ---- dmip_wrap.c ---------------------------------------------------- */

void		 dmip_set_last_error(int);
/* The real connect(2), bypassing the interposed one. */
int		 dmip_real_connect(int fd, const struct sockaddr *a,
		    socklen_t len);

#endif /* DMIP_LIB_INT_H */
