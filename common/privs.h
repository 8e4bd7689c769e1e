/*
 * privs.h: drop the capabilities a daemon no longer needs once it is
 * set up (issue 8 "Privileges"; STYLE.md "a later step may put them in
 * separate processes with dropped privileges").
 *
 * had and dhpd keep CAP_NET_ADMIN (routes, rules, proxy ND, seg6,
 * tunnel devices, sysctls under net/) and CAP_NET_RAW (the raw MH and
 * ICMPv6 sockets are open already; kept so a socket can be reopened).
 * Everything else goes, from the effective, permitted and inheritable
 * sets, the ambient set and the bounding set (so an exec cannot get
 * any back), and PR_SET_NO_NEW_PRIVS is set. The process keeps its
 * uid: files it made (state, control socket) stay its own.
 *
 * Raw capget/capset system calls with <linux/capability.h>; no library.
 */
#ifndef DMIP_PRIVS_H
#define DMIP_PRIVS_H

#include <stddef.h>
#include <stdint.h>

/* Bit n = capability n (CAP_* numbers). */
#define PRIVS_BIT(cap)		((uint64_t)1 << (cap))

/*
 * Keep only the capabilities in keep (of those the process has now).
 * 0, or -1 with errno (nothing is half-done in the sets capset sets;
 * the bounding set is best effort and needs CAP_SETPCAP: logged).
 */
int	privs_drop(uint64_t keep);
/* The effective and permitted sets now. 0 or -1. */
int	privs_get(uint64_t *effective, uint64_t *permitted);
/* "cap_net_admin,cap_net_raw" of a mask, into buf. */
const char *privs_names(uint64_t mask, char *buf, size_t len);

#endif /* DMIP_PRIVS_H */
