/* nl_route.c: synchronous rtnetlink requests (nl_route.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/lwtunnel.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/genetlink.h>
#include <linux/seg6.h>
#include <linux/seg6_genl.h>
#include <linux/seg6_iptunnel.h>
#include <linux/seg6_local.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

#include "log.h"
#include "nl_route.h"

/*
 * Per-route outer source of seg6 encapsulation. Newer kernels (6.16+)
 * know it; older ones ignore an attribute above their maximum inside
 * RTA_ENCAP (liberal nested parsing) and fall back to source address
 * selection on the route's device.
 */
#ifndef SEG6_IPTUNNEL_SRC
#define SEG6_IPTUNNEL_SRC	(SEG6_IPTUNNEL_SRH + 1)
#endif

struct nlr {
	struct nl_sock	*sk;
	struct nl_cb	*cb;
	int		 err;	/* errno from the last NLMSG_ERROR */
	bool		 done;	/* the ACK or error arrived */
	/* Replies before the ACK (generic netlink GETs). */
	void		(*reply)(struct nlmsghdr *, void *);
	void		*reply_arg;
};

static int
on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlr *n = arg;

	(void)who;
	n->err = -e->error;
	n->done = true;
	return NL_STOP;
}

static int
on_ack(struct nl_msg *m, void *arg)
{
	struct nlr *n = arg;

	(void)m;
	n->err = 0;
	n->done = true;
	return NL_STOP;
}

static int
on_valid(struct nl_msg *m, void *arg)
{
	struct nlr *n = arg;

	if (n->reply != NULL)
		n->reply(nlmsg_hdr(m), n->reply_arg);
	return NL_OK;
}

static struct nlr *
nlr_open_proto(int proto)
{
	struct nlr *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	if ((n->sk = nl_socket_alloc()) == NULL ||
	    (n->cb = nl_cb_alloc(NL_CB_DEFAULT)) == NULL)
		goto err;
	if (nl_connect(n->sk, proto) < 0) {
		errno = EPROTONOSUPPORT;
		goto err;
	}
	nl_cb_err(n->cb, NL_CB_CUSTOM, on_error, n);
	nl_cb_set(n->cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, n);
	nl_cb_set(n->cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, n);
	return n;
err:
	nlr_close(n);
	if (errno == 0)
		errno = ENOMEM;
	return NULL;
}

struct nlr *
nlr_open(void)
{
	return nlr_open_proto(NETLINK_ROUTE);
}

void
nlr_close(struct nlr *n)
{
	if (n == NULL)
		return;
	if (n->cb != NULL)
		nl_cb_put(n->cb);
	if (n->sk != NULL)
		nl_socket_free(n->sk);
	free(n);
}

/* Send m (consumed) and wait for its ACK: 0 or -errno. */
static int
nlr_talk(struct nlr *n, struct nl_msg *m)
{
	int rc;

	n->err = EPROTO;
	n->done = false;
	rc = nl_send_auto(n->sk, m);
	nlmsg_free(m);
	if (rc < 0)
		return -EIO;
	while (!n->done)
		if (nl_recvmsgs(n->sk, n->cb) < 0 && !n->done)
			return -EIO;
	return -n->err;
}

static struct nl_msg *
msg_new(int type, int flags, const void *hdr, size_t hlen)
{
	struct nl_msg *m;

	if ((m = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK |
	    flags)) == NULL)
		return NULL;
	if (nlmsg_append(m, (void *)hdr, hlen, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

/* RTA_ENCAP for encap seg6 mode encap.red with one segment. */
static int
put_seg6_red(struct nl_msg *m, const struct nlr_route *r)
{
	uint8_t buf[sizeof(struct seg6_iptunnel_encap) +
	    sizeof(struct ipv6_sr_hdr) + 16];
	struct seg6_iptunnel_encap *t = (void *)buf;
	struct nlattr *nest;

	memset(buf, 0, sizeof(buf));
	t->mode = SEG6_IPTUN_MODE_ENCAP_RED;
	t->srh->hdrlen = 2;		/* 16 octets of segments / 8 */
	t->srh->type = 4;		/* Segment Routing Header, RFC 8754 */
	memcpy(&t->srh->segments[0], &r->seg, 16);
	if (nla_put_u16(m, RTA_ENCAP_TYPE, LWTUNNEL_ENCAP_SEG6) < 0 ||
	    (nest = nla_nest_start(m, RTA_ENCAP)) == NULL ||
	    nla_put(m, SEG6_IPTUNNEL_SRH, sizeof(buf), buf) < 0)
		return -1;
	if (r->has_tunsrc &&
	    nla_put(m, SEG6_IPTUNNEL_SRC, 16, &r->tunsrc) < 0)
		return -1;
	return nla_nest_end(m, nest);
}

/* RTA_ENCAP for encap seg6local action End.DT6 table T. */
static int
put_seg6local_dt6(struct nl_msg *m, const struct nlr_route *r)
{
	struct nlattr *nest;

	if (nla_put_u16(m, RTA_ENCAP_TYPE, LWTUNNEL_ENCAP_SEG6_LOCAL) < 0 ||
	    (nest = nla_nest_start(m, RTA_ENCAP)) == NULL ||
	    nla_put_u32(m, SEG6_LOCAL_ACTION, SEG6_LOCAL_ACTION_END_DT6) < 0 ||
	    nla_put_u32(m, SEG6_LOCAL_TABLE, r->dt6_table) < 0)
		return -1;
	return nla_nest_end(m, nest);
}

static int
put_metrics(struct nl_msg *m, const struct nlr_route *r)
{
	struct nlattr *nest;

	if (r->mtu == 0 && r->advmss == 0)
		return 0;
	if ((nest = nla_nest_start(m, RTA_METRICS)) == NULL)
		return -1;
	if (r->mtu != 0 && nla_put_u32(m, RTAX_MTU, r->mtu) < 0)
		return -1;
	if (r->advmss != 0 && nla_put_u32(m, RTAX_ADVMSS, r->advmss) < 0)
		return -1;
	return nla_nest_end(m, nest);
}

static struct nl_msg *
route_msg(int type, int flags, const struct nlr_route *r, bool full)
{
	uint32_t table = r->table ? r->table : NLR_TABLE_MAIN;
	struct rtmsg rtm = {
		.rtm_family = AF_INET6,
		.rtm_dst_len = r->plen,
		.rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
		.rtm_protocol = RTPROT_STATIC,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = r->type ? r->type : RTN_UNICAST,
	};
	struct nl_msg *m;

	if (type == RTM_DELROUTE)
		rtm.rtm_scope = RT_SCOPE_NOWHERE;
	if (rtm.rtm_type == RTN_LOCAL)
		rtm.rtm_scope = RT_SCOPE_HOST;
	if ((m = msg_new(type, flags, &rtm, sizeof(rtm))) == NULL)
		return NULL;
	if (nla_put(m, RTA_DST, 16, &r->dst) < 0 ||
	    nla_put_u32(m, RTA_TABLE, table) < 0 ||
	    (r->oif && nla_put_u32(m, RTA_OIF, r->oif) < 0) ||
	    (r->has_gw && nla_put(m, RTA_GATEWAY, 16, &r->gw) < 0) ||
	    (r->metric && nla_put_u32(m, RTA_PRIORITY, r->metric) < 0))
		goto err;
	if (!full)
		return m;
	if (put_metrics(m, r) < 0 ||
	    (r->encap == NLR_ENCAP_SEG6_RED && put_seg6_red(m, r) < 0) ||
	    (r->encap == NLR_ENCAP_SEG6LOCAL_DT6 &&
	    put_seg6local_dt6(m, r) < 0))
		goto err;
	return m;
err:
	nlmsg_free(m);
	return NULL;
}

int
nlr_route_add(struct nlr *n, const struct nlr_route *r, bool replace)
{
	struct nl_msg *m;

	m = route_msg(RTM_NEWROUTE, NLM_F_CREATE |
	    (replace ? NLM_F_REPLACE : NLM_F_EXCL), r, true);
	return m ? nlr_talk(n, m) : -ENOMEM;
}

/* Deletes only a route dmip6 added (proto static): the protocol tells our
 * route from the kernel's own one for the same prefix (e.g. the "proto
 * kernel" route of a local address). Routes from RAs ("proto ra") are
 * deleted by mn_move.c with protocol 0. */
int
nlr_route_del(struct nlr *n, const struct nlr_route *r)
{
	struct nl_msg *m;

	m = route_msg(RTM_DELROUTE, 0, r, false);
	return m ? nlr_talk(n, m) : -ENOMEM;
}

static struct nl_msg *
rule_msg(int type, int flags, const struct nlr_rule *r)
{
	struct fib_rule_hdr h = {
		.family = AF_INET6,
		.src_len = r->src_len,
		.dst_len = r->dst_len,
		.table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC,
		.action = FR_ACT_TO_TBL,
	};
	struct nl_msg *m;

	if ((m = msg_new(type, flags, &h, sizeof(h))) == NULL)
		return NULL;
	if (nla_put_u32(m, FRA_PRIORITY, r->pref) < 0 ||
	    nla_put_u32(m, FRA_TABLE, r->table) < 0 ||
	    (r->src_len && nla_put(m, FRA_SRC, 16, &r->src) < 0) ||
	    (r->dst_len && nla_put(m, FRA_DST, 16, &r->dst) < 0) ||
	    (r->ipproto && nla_put_u8(m, FRA_IP_PROTO, r->ipproto) < 0) ||
	    (r->fwmask && (nla_put_u32(m, FRA_FWMARK, r->fwmark) < 0 ||
	    nla_put_u32(m, FRA_FWMASK, r->fwmask) < 0))) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

int
nlr_rule_add(struct nlr *n, const struct nlr_rule *r)
{
	struct nl_msg *m = rule_msg(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r);

	return m ? nlr_talk(n, m) : -ENOMEM;
}

int
nlr_rule_del(struct nlr *n, const struct nlr_rule *r)
{
	struct nl_msg *m = rule_msg(RTM_DELRULE, 0, r);

	return m ? nlr_talk(n, m) : -ENOMEM;
}

static struct nl_msg *
addr_msg(int type, int flags, unsigned ifindex, const struct in6_addr *a,
    uint8_t plen, uint32_t aflags)
{
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET6,
		.ifa_prefixlen = plen,
		.ifa_flags = (uint8_t)aflags,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = ifindex,
	};
	struct nl_msg *m;

	if ((m = msg_new(type, flags, &ifa, sizeof(ifa))) == NULL)
		return NULL;
	if (nla_put(m, IFA_LOCAL, 16, a) < 0 ||
	    nla_put(m, IFA_ADDRESS, 16, a) < 0 ||
	    (aflags && nla_put_u32(m, IFA_FLAGS, aflags) < 0)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

int
nlr_addr_add(struct nlr *n, unsigned ifindex, const struct in6_addr *a,
    uint8_t plen, bool nodad, bool deprecated)
{
	struct ifa_cacheinfo ci = {
		.ifa_prefered = deprecated ? 0 : 0xffffffffu,
		.ifa_valid = 0xffffffffu,
	};
	struct nl_msg *m;

	m = addr_msg(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, a, plen,
	    nodad ? IFA_F_NODAD : 0);
	if (m == NULL)
		return -ENOMEM;
	if (nla_put(m, IFA_CACHEINFO, sizeof(ci), &ci) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	return nlr_talk(n, m);
}

int
nlr_addr_del(struct nlr *n, unsigned ifindex, const struct in6_addr *a,
    uint8_t plen)
{
	struct nl_msg *m = addr_msg(RTM_DELADDR, 0, ifindex, a, plen, 0);

	return m ? nlr_talk(n, m) : -ENOMEM;
}

int
nlr_link_up(struct nlr *n, unsigned ifindex, unsigned mtu)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = (int)ifindex,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	struct nl_msg *m;

	if ((m = msg_new(RTM_NEWLINK, 0, &ifi, sizeof(ifi))) == NULL)
		return -ENOMEM;
	if (mtu != 0 && nla_put_u32(m, IFLA_MTU, mtu) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	return nlr_talk(n, m);
}

int
nlr_link_del(struct nlr *n, unsigned ifindex)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = (int)ifindex,
	};
	struct nl_msg *m = msg_new(RTM_DELLINK, 0, &ifi, sizeof(ifi));

	return m ? nlr_talk(n, m) : -ENOMEM;
}

static int
proxy_nd(struct nlr *n, int type, int flags, unsigned ifindex,
    const struct in6_addr *a)
{
	struct ndmsg nd = {
		.ndm_family = AF_INET6,
		.ndm_ifindex = (int)ifindex,
		.ndm_state = NUD_PERMANENT,
		.ndm_flags = NTF_PROXY,
	};
	struct nl_msg *m;

	if ((m = msg_new(type, flags, &nd, sizeof(nd))) == NULL)
		return -ENOMEM;
	if (nla_put(m, NDA_DST, 16, a) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	return nlr_talk(n, m);
}

int
nlr_proxy_nd_add(struct nlr *n, unsigned ifindex, const struct in6_addr *a)
{
	return proxy_nd(n, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
	    ifindex, a);
}

int
nlr_proxy_nd_del(struct nlr *n, unsigned ifindex, const struct in6_addr *a)
{
	return proxy_nd(n, RTM_DELNEIGH, 0, ifindex, a);
}

/* "net.ipv6.conf.all.x" or "net/ipv6/conf/eth0.5/x" -> /proc/sys path.
 * Slashes win, since interface names may contain dots. */
static int
sysctl_path(const char *key, char *path, size_t len)
{
	bool slash = strchr(key, '/') != NULL;
	size_t i, o;

	o = (size_t)snprintf(path, len, "/proc/sys/");
	for (i = 0; key[i] != '\0'; i++, o++) {
		if (o + 1 >= len)
			return -ENAMETOOLONG;
		path[o] = (!slash && key[i] == '.') ? '/' : key[i];
	}
	path[o] = '\0';
	return strstr(key, "..") != NULL ? -EINVAL : 0;
}

int
nlr_sysctl_write(const char *key, const char *value)
{
	char path[256];
	size_t len = strlen(value);
	int fd, rc;

	if ((rc = sysctl_path(key, path, sizeof(path))) < 0)
		return rc;
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -errno;
	rc = write(fd, value, len) == (ssize_t)len ? 0 : -errno;
	close(fd);
	if (rc == 0)
		log_debug("sysctl %s = %s", key, value);
	return rc;
}

int
nlr_sysctl_read(const char *key, char *buf, size_t len)
{
	char path[256];
	ssize_t got;
	int fd, rc;

	if (len == 0)
		return -EINVAL;
	if ((rc = sysctl_path(key, path, sizeof(path))) < 0)
		return rc;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	got = read(fd, buf, len - 1);
	rc = got < 0 ? -errno : 0;
	close(fd);
	if (got < 0)
		return rc;
	buf[got] = '\0';
	if (got > 0 && buf[got - 1] == '\n')
		buf[got - 1] = '\0';
	return 0;
}

/*
 * The seg6 tunnel source of the network namespace ("ip sr tunsrc"),
 * over generic netlink with the core libnl API (libnl-genl is not a
 * dependency). Kernels that ignore the per-route source need it to
 * send from the tunnel endpoint rather than the uplink's address.
 */
static void
family_id_reply(struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (h->nlmsg_type != GENL_ID_CTRL ||
	    nla_parse(tb, CTRL_ATTR_MAX, nlmsg_attrdata(h, GENL_HDRLEN),
	    nlmsg_attrlen(h, GENL_HDRLEN), NULL) < 0 ||
	    tb[CTRL_ATTR_FAMILY_ID] == NULL)
		return;
	*(int *)arg = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
}

static void
tunsrc_reply(struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[SEG6_ATTR_MAX + 1];

	if (nla_parse(tb, SEG6_ATTR_MAX, nlmsg_attrdata(h, GENL_HDRLEN),
	    nlmsg_attrlen(h, GENL_HDRLEN), NULL) < 0 ||
	    tb[SEG6_ATTR_DST] == NULL || nla_len(tb[SEG6_ATTR_DST]) != 16)
		return;
	memcpy(arg, nla_data(tb[SEG6_ATTR_DST]), 16);
}

static struct nl_msg *
genl_msg(int family, uint8_t cmd)
{
	struct genlmsghdr g = { .cmd = cmd, .version = 1 };

	return msg_new(family, 0, &g, sizeof(g));
}

static int
seg6_family(struct nlr *n)
{
	struct nl_msg *m;
	int id = -1, rc;

	if ((m = genl_msg(GENL_ID_CTRL, CTRL_CMD_GETFAMILY)) == NULL ||
	    nla_put_string(m, CTRL_ATTR_FAMILY_NAME, SEG6_GENL_NAME) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	n->reply = family_id_reply;
	n->reply_arg = &id;
	rc = nlr_talk(n, m);
	n->reply = NULL;
	if (rc < 0)
		return rc;
	return id > 0 ? id : -ENOENT;
}

static int
tunsrc_do(struct in6_addr *get, const struct in6_addr *set)
{
	struct nlr *n;
	struct nl_msg *m;
	int fam, rc;

	if ((n = nlr_open_proto(NETLINK_GENERIC)) == NULL)
		return -errno;
	if ((rc = fam = seg6_family(n)) < 0)
		goto out;
	rc = -ENOMEM;
	if ((m = genl_msg(fam, set ? SEG6_CMD_SET_TUNSRC :
	    SEG6_CMD_GET_TUNSRC)) == NULL)
		goto out;
	if (set != NULL && nla_put(m, SEG6_ATTR_DST, 16, set) < 0) {
		nlmsg_free(m);
		goto out;
	}
	n->reply = tunsrc_reply;
	n->reply_arg = get;
	rc = nlr_talk(n, m);
out:
	nlr_close(n);
	return rc;
}

int
nlr_seg6_tunsrc_get(struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	return tunsrc_do(a, NULL);
}

int
nlr_seg6_tunsrc_set(const struct in6_addr *a)
{
	return tunsrc_do(NULL, a);
}
