#!/bin/bash
# End-to-end test on the ip6tnl backend (both daemons). Kernels without
# the ip6_tunnel module (such as the CI machines, TESTBED.md 1) cannot
# run it: it says SKIP with that reason. The seg6 and tun runs cover the
# same protocol paths.
if [ "$(id -u)" = 0 ] && ip netns add "d6ip6tnl$$" 2>/dev/null; then
	if ! ip -n "d6ip6tnl$$" link add t type ip6tnl 2>/dev/null; then
		ip netns del "d6ip6tnl$$"
		echo "SKIP: ip6tnl backend: this kernel has no ip6_tunnel support (modprobe ip6_tunnel fails or the module is absent)"
		exit 77
	fi
	ip netns del "d6ip6tnl$$"
fi
export MIP_HA_BACKEND=ip6tnl MIP_MN_BACKEND=ip6tnl MIP_NAME="had ip6tnl / mnd ip6tnl"
exec bash "${srcdir:-.}/tests/lib/mip_e2e.sh"
