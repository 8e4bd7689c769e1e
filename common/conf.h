/*
 * conf.h: configuration of mnd, had and dhpd (libconfuse syntax, see
 * dmip6.conf(5)). libconfuse parses; the loaders then check meaning
 * (STYLE.md "Config, logs, control") and report every problem they find
 * as "file:line: what is wrong" through log_warnx().
 *
 * Loaders are not reentrant (libconfuse's error callback carries no
 * user pointer); the daemons are single-threaded.
 */
#ifndef DMIP_CONF_H
#define DMIP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "auth.h"
#include "dmip_proto.h"
#include "log.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR	"/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR	"/run"
#endif

#define MND_CONF_DEFAULT	SYSCONFDIR "/dmip6/mnd.conf"
#define HAD_CONF_DEFAULT	SYSCONFDIR "/dmip6/had.conf"
#define DHPD_CONF_DEFAULT	SYSCONFDIR "/dmip6/dhpd.conf"

#define CONF_NAME_MAX	64	/* section titles (dhp, policy, mobile_node) */
#define CONF_IFNAME_MAX	16	/* IFNAMSIZ, with the NUL */
#define CONF_SUN_MAX	108	/* sizeof(sockaddr_un.sun_path) */

struct conf_prefix {
	struct in6_addr	addr;	/* host bits are zero */
	uint8_t		len;
};

enum conf_transport {
	CONF_TRANSPORT_MH = 0,	/* raw Mobility Header (B.11.1) */
	CONF_TRANSPORT_UDP,	/* MH bytes in UDP, udp_port */
};

enum conf_backend {
	CONF_BACKEND_SEG6 = 0,	/* PROTOCOL.md H */
	CONF_BACKEND_TUN,
	CONF_BACKEND_IP6TNL,
	CONF_BACKEND_AUTO,
};

/* One "sa SPI { }" section: the key bytes live only in sa. */
struct conf_sa {
	char		*key_file;	/* as written in the config */
	struct mh_sa	 sa;		/* spi, alg, key, replay, window */
};

/* Settings every daemon has. */
struct conf_common {
	char			*path;		/* the file that was loaded */
	enum log_level		 log_level;
	enum conf_transport	 transport;
	uint16_t		 udp_port;
	enum conf_backend	 backend;
	enum replay_mode	 replay;
	unsigned		 timestamp_window;	/* s, > 3 (RFC 4285 6) */
	char			*control_socket;
	char			*state_dir;
	struct conf_sa		*sas;
	size_t			 nsas;
};

/* A port match: any when !set. */
struct conf_port_range {
	bool		set;
	uint16_t	lo, hi;
};

/* ---- mnd ---------------------------------------------------------- */

struct conf_dhcp6c;	/* the dhcp6 sections: conf_dhcp6.h */
struct conf_dhcp6s;

struct mnd_dhp {
	char		 name[CONF_NAME_MAX];
	struct in6_addr	 address;
	uint32_t	 spi;		/* MN<->DHP SA (F.5) */
};

/* One row of the flow policy table: first match wins (E.4, G.2). */
struct mnd_policy {
	char			name[CONF_NAME_MAX];
	uint8_t			proto;		/* 0 any, IPPROTO_TCP/UDP */
	struct conf_port_range	sport, dport;
	bool			has_dst;
	struct conf_prefix	dst;
	bool			has_uid, has_gid;
	uid_t			uid;
	gid_t			gid;
	int			dscp;		/* -1 any, else 0..63 */
	uint8_t			type;		/* CONT_* */
};

/* Which local groups may obtain an address of a type (E.0, seed 001
 * section 7). n == 0: every user may. */
struct conf_groups {
	char	**names;
	size_t	  n;
};

struct mnd_conf {
	struct conf_common	 common;
	struct in6_addr		 home_address;
	struct conf_prefix	 home_prefix;
	struct in6_addr		 home_agent;
	uint32_t		 ha_spi;
	unsigned		 lifetime;	/* s, a multiple of 4 */
	unsigned		 lifetime_asked;	/* as written */
	char			(*interfaces)[CONF_IFNAME_MAX];
	size_t			 ninterfaces;
	struct mnd_dhp		*dhps;
	size_t			 ndhps;
	uint8_t			 default_type;	/* CONT_* */
	unsigned		 grace_period;	/* s */
	bool			 fallback_to_ha;
	/* Among DHPs of equal preference and metric (F.4): "reuse" (the
	 * DHP already used), "directory" (its order), "config" (mnd.conf
	 * order), "address" (lowest); enum dhpc_tiebreak. */
	uint8_t			 dhp_tie_break;
	/* The flow classifier (G.1-G.3): on/off, the OUTPUT queue number
	 * (PREROUTING uses nfqueue + 1), CN-initiated flows too, how long
	 * a first packet may wait for its DHoA (ms), flow table size. */
	bool			 classify;
	unsigned		 nfqueue;
	bool			 classify_inbound;
	unsigned		 anchor_wait;
	unsigned		 max_flows;
	struct mnd_policy	*policies;
	size_t			 npolicies;
	struct conf_groups	 allow_groups[CONT_MAX + 1];	/* by CONT_* */
	char			*api_socket;	/* libdmip's (E.4, mn_api.h) */
	struct conf_dhcp6c	*dhcp6;		/* conf_dhcp6.h; NULL: none */
};

/* ---- had ---------------------------------------------------------- */

struct had_mn {
	char		 name[CONF_NAME_MAX];
	struct in6_addr	 home_address;
	uint32_t	 spi;
	char		*nai;		/* RFC 4283 NAI or NULL */
};

/* A row of the DHP directory (F.4). */
struct had_dhp {
	char			 name[CONF_NAME_MAX];
	struct in6_addr		 address;
	uint8_t			 preference;	/* higher is better */
	uint16_t		 metric;	/* lower is better */
	struct conf_prefix	*serves;	/* CN prefixes */
	size_t			 nserves;
	bool			 colocated;	/* candidate flag 0x80 */
};

struct had_conf {
	struct conf_common	 common;
	struct in6_addr		 address;
	struct conf_prefix	 home_prefix;
	char			 home_interface[CONF_IFNAME_MAX];
	unsigned		 max_lifetime;	/* s, a multiple of 4 */
	unsigned		 max_lifetime_asked;
	bool			 skip_dad;	/* F.15 */
	struct had_mn		*mns;
	size_t			 nmns;
	struct had_dhp		*dhps;
	size_t			 ndhps;
	unsigned		 validity;	/* s, a multiple of 4 */
	unsigned		 validity_asked;
};

/* ---- dhpd --------------------------------------------------------- */

struct dhpd_mn {
	char		 name[CONF_NAME_MAX];
	struct in6_addr	 home_address;
	uint32_t	 spi;
};

struct dhpd_conf {
	struct conf_common	 common;
	struct in6_addr		 address;
	char			 interface[CONF_IFNAME_MAX];
	struct conf_prefix	*pools;
	size_t			 npools;
	unsigned		 lease_lifetime;	/* s, multiple of 4 */
	unsigned		 lease_lifetime_asked;
	unsigned		 binding_lifetime;	/* s, multiple of 4 */
	unsigned		 binding_lifetime_asked;
	unsigned		 quarantine;		/* s */
	unsigned		 max_leases;
	bool			 continuity[CONT_MAX + 1];	/* by CONT_* */
	struct dhpd_mn		*mns;
	size_t			 nmns;
	struct conf_dhcp6s	*dhcp6;		/* conf_dhcp6.h; NULL: none */
};

/*
 * Load: 0, or -1 after every error found was logged; on -1 *out is
 * empty (freeing it again is harmless). Print: the effective config,
 * defaults included, in the same syntax (it re-parses); key files by
 * path, never key bytes.
 */
int	mnd_conf_load(const char *path, struct mnd_conf *out);
void	mnd_conf_print(FILE *, const struct mnd_conf *);
void	mnd_conf_free(struct mnd_conf *);
int	had_conf_load(const char *path, struct had_conf *out);
void	had_conf_print(FILE *, const struct had_conf *);
void	had_conf_free(struct had_conf *);
int	dhpd_conf_load(const char *path, struct dhpd_conf *out);
void	dhpd_conf_print(FILE *, const struct dhpd_conf *);
void	dhpd_conf_free(struct dhpd_conf *);

/* The SA with this SPI, or NULL. */
const struct mh_sa *conf_sa_find(const struct conf_common *, uint32_t spi);
/* Move every SA into t (sa_table_add takes the MAC context; the conf
 * keeps only the SPI and key file). 0, or -1 with errno. */
int	conf_sa_move_to_table(struct conf_common *, struct sa_table *t);

/* Names of enum values, as written in the config. */
const char	*conf_cont_name(uint8_t cont);		/* CONT_* */
const char	*conf_backend_name(enum conf_backend);
const char	*conf_transport_name(enum conf_transport);

/* Prefix helpers, also useful outside the loaders. */
int	conf_prefix_parse(const char *, struct conf_prefix *, char *err,
	    size_t errlen);
bool	conf_prefix_contains(const struct conf_prefix *,
	    const struct in6_addr *);
bool	conf_prefix_overlap(const struct conf_prefix *,
	    const struct conf_prefix *);
int	conf_port_range_parse(const char *, struct conf_port_range *);

/* ---- internals shared by conf_*.c only ----------------------------- */
#ifdef DMIP_CONF_INTERNAL
#include <confuse.h>

struct conf_line;

/* One load: the file, its line table, the error count. */
struct conf_ctx {
	const char		*path;
	char			*dir;		/* for relative key files */
	char			*text;		/* comments stripped */
	struct conf_line	*lines;
	size_t			 nlines, linecap;
	int			 nerr;
	cfg_t			*cfg;
	uint32_t		*spis;		/* every SPI declared */
	size_t			 nspis;
};

struct conf_enum {
	const char	*name;
	int		 value;
};

#define CONF_SA_OPTS							\
	CFG_STR("alg", "hmac-sha256-128", CFGF_NONE),			\
	CFG_STR("key_file", NULL, CFGF_NODEFAULT)

#define CONF_COMMON_OPTS(sock, sa_opts)					\
	CFG_STR("log_level", "normal", CFGF_NONE),			\
	CFG_STR("transport", "mh", CFGF_NONE),				\
	CFG_INT("udp_port", DMIP_UDP_PORT_DEFAULT, CFGF_NONE),		\
	CFG_STR("backend", "seg6", CFGF_NONE),				\
	CFG_STR("replay", "timestamp", CFGF_NONE),			\
	CFG_INT("timestamp_window", MESGID_WINDOW_DEFAULT_S, CFGF_NONE), \
	CFG_STR("control_socket", RUNSTATEDIR "/dmip6/" sock, CFGF_NONE), \
	CFG_STR("state_dir", LOCALSTATEDIR "/lib/dmip6", CFGF_NONE),	\
	CFG_SEC("sa", sa_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES)

int	conf_open(struct conf_ctx *, const char *path, cfg_opt_t *opts);
void	conf_close(struct conf_ctx *);
int	conf_line(const struct conf_ctx *, cfg_t *sec, const char *opt);
void	conf_err(struct conf_ctx *, cfg_t *sec, const char *opt,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
bool	conf_isset(cfg_t *sec, const char *opt);
int	conf_require(struct conf_ctx *, cfg_t *sec, const char *opt);

int	conf_get_addr(struct conf_ctx *, cfg_t *, const char *,
	    struct in6_addr *);
int	conf_get_prefix(struct conf_ctx *, cfg_t *, const char *,
	    struct conf_prefix *);
int	conf_get_prefix_list(struct conf_ctx *, cfg_t *, const char *,
	    struct conf_prefix **, size_t *);
int	conf_get_uint(struct conf_ctx *, cfg_t *, const char *, long min,
	    long max, unsigned *);
int	conf_get_lifetime(struct conf_ctx *, cfg_t *, const char *,
	    unsigned *secs, unsigned *asked);
int	conf_get_enum(struct conf_ctx *, cfg_t *, const char *,
	    const struct conf_enum *, int *);
int	conf_parse_enum(const struct conf_enum *, const char *, int *);
const char *conf_enum_name(const struct conf_enum *, int);
int	conf_get_ifname(struct conf_ctx *, cfg_t *, const char *,
	    char out[CONF_IFNAME_MAX]);
int	conf_get_title(struct conf_ctx *, cfg_t *sec,
	    char out[CONF_NAME_MAX]);
int	conf_get_spi_ref(struct conf_ctx *, cfg_t *, const char *,
	    uint32_t *);
bool	conf_group_name_ok(const char *);

extern const struct conf_enum conf_cont_types[];

int	conf_common_load(struct conf_ctx *, struct conf_common *);
void	conf_common_print(FILE *, const struct conf_common *);
void	conf_common_free(struct conf_common *);

void	conf_print_quoted(FILE *, const char *val);
void	conf_print_str(FILE *, const char *indent, const char *key,
	    const char *val);
void	conf_print_addr(FILE *, const char *indent, const char *key,
	    const struct in6_addr *);
void	conf_print_prefix(FILE *, const char *indent, const char *key,
	    const struct conf_prefix *);
void	conf_print_lifetime(FILE *, const char *key, unsigned secs,
	    unsigned asked);
const char *conf_prefix_str(const struct conf_prefix *, char *, size_t);
#endif /* DMIP_CONF_INTERNAL */

#endif /* DMIP_CONF_H */
