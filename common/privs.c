/*
 * privs.c: capability dropping with the raw capget/capset calls
 * (privs.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "log.h"
#include "privs.h"

#define CAP_WORDS	_LINUX_CAPABILITY_U32S_3	/* 2 */
#define CAP_BITS	64

static const char *const cap_names[] = {
	"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner",
	"cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap",
	"cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
	"cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
	"cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
	"cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
	"cap_sys_resource", "cap_sys_time", "cap_sys_tty_config",
	"cap_mknod", "cap_lease", "cap_audit_write", "cap_audit_control",
	"cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog",
	"cap_wake_alarm", "cap_block_suspend", "cap_audit_read",
	"cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
};

const char *
privs_names(uint64_t mask, char *buf, size_t len)
{
	size_t off = 0;
	int n;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (unsigned c = 0; c < CAP_BITS && off < len; c++) {
		if (!(mask & PRIVS_BIT(c)))
			continue;
		if (c < sizeof(cap_names) / sizeof(cap_names[0]))
			n = snprintf(buf + off, len - off, "%s%s",
			    off ? "," : "", cap_names[c]);
		else
			n = snprintf(buf + off, len - off, "%scap_%u",
			    off ? "," : "", c);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (off == 0)
		snprintf(buf, len, "none");
	return buf;
}

static int
cap_read(struct __user_cap_data_struct d[CAP_WORDS])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};

	memset(d, 0, sizeof(*d) * CAP_WORDS);
	return (int)syscall(SYS_capget, &h, d);
}

static uint64_t
join(uint32_t lo, uint32_t hi)
{
	return (uint64_t)hi << 32 | lo;
}

int
privs_get(uint64_t *effective, uint64_t *permitted)
{
	struct __user_cap_data_struct d[CAP_WORDS];

	if (cap_read(d) == -1)
		return -1;
	*effective = join(d[0].effective, d[1].effective);
	*permitted = join(d[0].permitted, d[1].permitted);
	return 0;
}

/* Drop every bounding-set capability not in keep; needs CAP_SETPCAP.
 * Returns how many could not be dropped. */
static unsigned
bounding_drop(uint64_t keep)
{
	unsigned failed = 0;
	int r;

	for (unsigned c = 0; c < CAP_BITS; c++) {
		if ((r = prctl(PR_CAPBSET_READ, c, 0, 0, 0)) < 0)
			break;		/* past the kernel's last capability */
		if (r == 0 || (keep & PRIVS_BIT(c)))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == -1)
			failed++;
	}
	return failed;
}

int
privs_drop(uint64_t keep)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct d[CAP_WORDS];
	uint64_t perm, set;
	unsigned failed;
	char kept[256];

	if (cap_read(d) == -1)
		return -1;
	perm = join(d[0].permitted, d[1].permitted);
	set = perm & keep;
	/* Before CAP_SETPCAP goes from the effective set. */
	if ((failed = bounding_drop(keep)) != 0)
		log_debug("privs: %u capabilities stay in the bounding set "
		    "(no cap_setpcap)", failed);
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)set;
	d[1].effective = d[1].permitted = (uint32_t)(set >> 32);
	if (syscall(SYS_capset, &h, d) == -1)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	log_info("privileges: %d capabilities dropped, kept %s",
	    __builtin_popcountll(perm & ~set),
	    privs_names(set, kept, sizeof(kept)));
	return 0;
}
