#!/bin/bash
# tunnel_test.sh: the data-plane backends (common/tunnel.h, PROTOCOL.md H)
# in network namespaces, through tests/tools/tunnelctl.
#
#   mn --m0 2001:db8:1::/64 h0-- ha --h2 2001:db8:f::/64 c0-- cn
#      --m1 2001:db8:2::/64 h1--   (the second link, for the move)
#
# ha's tunnel endpoint is 2001:db8:a::1 on its lo (not on any link, so
# the outer source has to be set on purpose); the HoA 2001:db8:10::100
# is bound at the MN to the HA and at ha to the MN's CoA. For every
# backend pair (MN/ha): seg6/seg6, tun/tun, seg6/tun, tun/seg6:
#   - pings HoA->CN and CN->HoA work;
#   - on the mn-ha link every packet is IPv6-in-IPv6 with next header 41
#     straight after the outer header (no SRH, no encapsulation-limit
#     option), outer CoA<->HA, inner HoA<->CN (tshark);
#   - after a move to a second CoA on the second link (set_local at the
#     MN, move at ha) the same holds on the new link;
#   - unbind removes the HoA's rule, route and address; teardown leaves
#     ip -6 rule / route show table all / lo addresses / seg6 tunsrc
#     exactly as before, with the local rule back at pref 0.
# Then: seg6 start-up with the local rule already moved and after a
# kill -9 (leftover state), "tunnelctl probe", and the ip6tnl backend,
# which is a labelled SKIP on kernels without ip6_tunnel.
#
# Root only; exit 77 if network namespaces cannot be created. Touches
# nothing in the root namespace; only 2001:db8::/32 addresses.
set -u
b=${builddir:-.}
CTL=$b/tests/tools/tunnelctl
P="d6tun$$-"
HOA=2001:db8:10::100
HA=2001:db8:a::1
COA1=2001:db8:1::2
COA2=2001:db8:2::2
CN=2001:db8:f::2

npass=0 nfail=0 nskip=0
ok()   { echo "ok: $*"; npass=$((npass + 1)); }
bad()  { echo "FAIL: $*"; nfail=$((nfail + 1)); }
skip() { echo "SKIP: $*"; nskip=$((nskip + 1)); }

work=$(mktemp -d "${TMPDIR:-/tmp}/tunnel_test.XXXXXX")
declare -A CPID=() CFD=()
NSLIST=()

stop_ctl() {	# node
	local n=$1
	if [ -n "${CFD[$n]:-}" ]; then
		eval "exec ${CFD[$n]}>&-"
		unset "CFD[$n]"
	fi
	if [ -n "${CPID[$n]:-}" ]; then
		kill "${CPID[$n]}" 2>/dev/null
		wait "${CPID[$n]}" 2>/dev/null
		unset "CPID[$n]"
	fi
}

topo_down() {
	local n
	for n in "${!CPID[@]}"; do stop_ctl "$n"; done
	for n in "${NSLIST[@]}"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	NSLIST=()
}

cleanup() {
	topo_down
	ip netns del "${P}probe" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! ip netns add "${P}probe" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces (needs root)"
	exit 77
fi
ip netns del "${P}probe"

if [ ! -x "$CTL" ]; then
	echo "FAIL: $CTL not built"
	exit 1
fi

nx() { local n=$1; shift; ip netns exec "$P$n" "$@"; }

veth() {	# nsA ifA nsB ifB
	ip link add "$2" netns "$P$1" type veth peer name "$4" netns "$P$3"
}

topo_up() {
	local n
	for n in mn ha cn; do
		ip netns add "$P$n" || return 1
		NSLIST+=("$P$n")
		nx $n sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		    net.ipv6.conf.default.accept_dad=0 || return 1
		ip -n "$P$n" link set lo up
	done
	veth mn m0 ha h0 && veth mn m1 ha h1 && veth ha h2 cn c0 || return 1
	nx ha sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "${P}mn" addr add $COA1/64 dev m0
	ip -n "${P}mn" addr add $COA2/64 dev m1
	ip -n "${P}ha" addr add 2001:db8:1::1/64 dev h0
	ip -n "${P}ha" addr add 2001:db8:2::1/64 dev h1
	ip -n "${P}ha" addr add 2001:db8:f::1/64 dev h2
	ip -n "${P}ha" addr add $HA/128 dev lo
	ip -n "${P}cn" addr add $CN/64 dev c0
	for n in "mn m0" "mn m1" "ha h0" "ha h1" "ha h2" "cn c0"; do
		set -- $n
		ip -n "$P$1" link set "$2" up || return 1
	done
	ip -n "${P}cn" route add default via 2001:db8:f::1
	ip -n "${P}mn" route add $HA/128 via 2001:db8:1::1 dev m0
	# Wait for the links (carrier, ND) rather than sleeping blindly.
	for n in 1 2 3 4 5 6 7 8 9 10; do
		nx mn ping -c1 -W1 -q $HA > /dev/null 2>&1 &&
		    nx ha ping -c1 -W1 -q $CN > /dev/null 2>&1 &&
		    nx ha ping -c1 -W1 -q $COA2 > /dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# Kernel state a backend may touch, to compare before and after.
snapshot() {	# node file
	{
		echo "== rules"; ip -n "$P$1" -6 rule
		# link-local routes come and go with DAD on the links,
		# not with the tunnel: left out.
		echo "== routes"; ip -n "$P$1" -6 route show table all |
		    grep -v -e 'fe80::' -e 'ff00::/8'
		echo "== lo"; ip -n "$P$1" -6 addr show dev lo
		echo "== links"; ip -n "$P$1" -o link | awk '{print $2}'
		echo "== tunsrc"; nx "$1" ip sr tunsrc show 2>&1
	} > "$2"
}

# start_ctl node backend role local ifname: tunnelctl reads commands
# from a FIFO we keep open; its replies go to $work/<node>.out.
start_ctl() {
	local n=$1 fd i
	rm -f "$work/$n.in"
	mkfifo "$work/$n.in"
	: > "$work/$n.out"
	nx "$n" "$CTL" -v run "$2" "$3" "$4" "$5" < "$work/$n.in" \
	    > "$work/$n.out" 2> "$work/$n.err" &
	CPID[$n]=$!
	exec {fd}> "$work/$n.in"
	CFD[$n]=$fd
	for i in $(seq 50); do
		grep -q '^ok setup' "$work/$n.out" && return 0
		grep -q '^error setup' "$work/$n.out" && return 1
		kill -0 "${CPID[$n]}" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# ctl node command...: send one command, wait for its reply.
ctl() {
	local n=$1 i
	shift
	echo "$*" >&"${CFD[$n]}"
	for i in $(seq 50); do
		grep -qxF "ok $*" "$work/$n.out" && return 0
		if grep -q "^error $*" "$work/$n.out"; then
			grep "^error $*" "$work/$n.out" >&2
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# Ends the tunnelctl of node with "teardown"; it must exit by itself.
teardown_ctl() {
	local n=$1 rc=0
	ctl "$n" teardown || rc=1
	eval "exec ${CFD[$n]}>&-"
	unset "CFD[$n]"
	wait "${CPID[$n]}" 2>/dev/null || rc=1
	unset "CPID[$n]"
	return $rc
}

# capture_start node ifname count: tshark for proto-41 packets only (a
# packet with an SRH or a destination options header does not match).
capture_start() {
	local i
	: > "$work/cap.err"
	nx "$1" timeout 20 tshark -n -l -i "$2" -c "$3" -f 'ip6 proto 41' \
	    -T fields -e ipv6.src -e ipv6.dst -e ipv6.nxt -e ipv6.routing.type \
	    > "$work/cap.txt" 2> "$work/cap.err" &
	CAP=$!
	for i in $(seq 100); do
		grep -q 'Capturing on' "$work/cap.err" && { sleep 0.2; return 0; }
		sleep 0.1
	done
	return 1
}

# check_wire label coa: every line is one of the two expected shapes.
check_wire() {
	local label=$1 coa=$2 up dn lines nup ndn
	wait "$CAP" 2>/dev/null
	up=$(printf '%s,%s\t%s,%s\t41,58\t' $coa $HOA $HA $CN)
	dn=$(printf '%s,%s\t%s,%s\t41,58\t' $HA $CN $coa $HOA)
	lines=$(wc -l < "$work/cap.txt")
	nup=$(grep -cxF "$up" "$work/cap.txt")
	ndn=$(grep -cxF "$dn" "$work/cap.txt")
	if [ "$lines" -eq 8 ] && [ "$nup" -eq 4 ] && [ "$ndn" -eq 4 ]; then
		ok "$label: 8 packets on the wire, ip6ip6 nh 41, no RH, outer $coa<->$HA, inner $HOA<->$CN"
	else
		bad "$label: wire check ($lines packets, $nup up, $ndn down):"
		sed 's/^/    /' "$work/cap.txt" "$work/cap.err"
	fi
}

# traffic label coa link: pings both ways while capturing on ha's link.
traffic() {
	local label=$1 coa=$2 hif=$3
	# Warm-up: neighbour discovery on every hop.
	nx mn ping -c1 -W2 -q -I $HOA $CN > /dev/null 2>&1
	if ! capture_start ha "$hif" 8; then
		bad "$label: tshark did not start"
		return
	fi
	if nx mn ping -c2 -i0.2 -W2 -q -I $HOA $CN > "$work/ping" 2>&1; then
		ok "$label: ping HoA -> CN"
	else
		bad "$label: ping HoA -> CN: $(tail -2 "$work/ping")"
	fi
	if nx cn ping -c2 -i0.2 -W2 -q $HOA > "$work/ping" 2>&1; then
		ok "$label: ping CN -> HoA"
	else
		bad "$label: ping CN -> HoA: $(tail -2 "$work/ping")"
	fi
	check_wire "$label" "$coa"
}

same_state() {	# label node before-file
	snapshot "$2" "$work/after"
	if diff -u "$3" "$work/after" > "$work/diff"; then
		ok "$1: $2 kernel state as before (rules, routes, lo, links, tunsrc)"
	else
		bad "$1: $2 kernel state differs:"
		sed 's/^/    /' "$work/diff"
	fi
	if ip -n "$P$2" -6 rule | grep -qE '^0:[[:space:]]+from all lookup local'; then
		ok "$1: $2 local rule at pref 0"
	else
		bad "$1: $2 local rule not at pref 0"
	fi
}

# One backend pair through bind, traffic, move, traffic, unbind, teardown.
run_pair() {
	local mb=$1 hb=$2 L="mn=$1 ha=$2"
	topo_down
	if ! topo_up; then
		bad "$L: topology set-up"
		return
	fi
	snapshot mn "$work/mn.before"
	snapshot ha "$work/ha.before"
	if ! start_ctl ha "$hb" anchor $HA h0 || ! start_ctl mn "$mb" mn $COA1 m0; then
		bad "$L: tunnel set-up: $(cat "$work/ha.err" "$work/mn.err")"
		return
	fi
	if ctl ha bind $HOA $COA1 && ctl mn bind $HOA $HA; then
		ok "$L: bind"
	else
		bad "$L: bind"
		return
	fi
	if [ "$mb" = seg6 ]; then
		if ip -n "${P}mn" -6 rule | grep -qE '^1000:[[:space:]]+from all lookup local' &&
		    ! ip -n "${P}mn" -6 rule | grep -qE '^0:'; then
			ok "$L: mn local rule moved to pref 1000"
		else
			bad "$L: mn local rule not moved"
		fi
	fi
	if ip -n "${P}mn" -6 addr show dev lo | grep -q "$HOA/128.*deprecated"; then
		ok "$L: HoA on lo, nodad, deprecated (preferred_lft 0)"
	else
		bad "$L: HoA on lo: $(ip -n "${P}mn" -6 addr show dev lo)"
	fi
	traffic "$L" $COA1 h0

	# Move to the second link: outer packets to ha now leave by m1.
	ip -n "${P}mn" route replace $HA/128 via 2001:db8:2::1 dev m1
	if ctl mn local $COA2 m1 && ctl ha move $HOA $COA2; then
		ok "$L: set_local at the MN, move at ha"
	else
		bad "$L: move"
		return
	fi
	traffic "$L after move" $COA2 h1
	ip -n "${P}mn" route replace $HA/128 via 2001:db8:1::1 dev m0

	if ctl mn unbind $HOA && ctl ha unbind $HOA; then
		ok "$L: unbind"
	else
		bad "$L: unbind"
	fi
	if ip -n "${P}mn" -6 rule | grep -q "from $HOA" ||
	    ip -n "${P}mn" -6 addr show dev lo | grep -q "$HOA" ||
	    ip -n "${P}ha" -6 route show table all | grep -q "^$HOA" ||
	    ip -n "${P}mn" -6 route show table all | grep -q 'table 26[0-9]'; then
		bad "$L: unbind left the HoA's rule, route or address"
	else
		ok "$L: unbind removed the HoA's rule, routes and address"
	fi
	if teardown_ctl mn && teardown_ctl ha; then
		ok "$L: teardown"
	else
		bad "$L: teardown"
	fi
	same_state "$L" mn "$work/mn.before"
	same_state "$L" ha "$work/ha.before"
}

# The local rule already moved (a crashed daemon), then a kill -9 with
# a binding in place: start-up copes and teardown restores everything.
run_recovery() {
	local L="seg6 recovery"
	topo_down
	topo_up || { bad "$L: topology set-up"; return; }
	snapshot mn "$work/mn.before"
	ip -n "${P}mn" -6 rule add pref 1000 lookup local
	ip -n "${P}mn" -6 rule del pref 0 lookup local
	if start_ctl mn seg6 mn $COA1 m0 && ctl mn bind $HOA $HA; then
		ok "$L: start-up with the local rule already at pref 1000"
	else
		bad "$L: start-up with the local rule moved: $(cat "$work/mn.err")"
		return
	fi
	kill -9 "${CPID[mn]}"
	wait "${CPID[mn]}" 2>/dev/null
	unset "CPID[mn]"
	stop_ctl mn
	if start_ctl mn seg6 mn $COA1 m0 && ctl mn bind $HOA $HA; then
		ok "$L: start-up and bind over a killed instance's state"
	else
		bad "$L: restart after kill -9: $(cat "$work/mn.err")"
		return
	fi
	if teardown_ctl mn; then
		ok "$L: teardown"
	else
		bad "$L: teardown"
	fi
	same_state "$L" mn "$work/mn.before"
}

run_ip6tnl() {
	topo_down
	topo_up || { bad "ip6tnl: topology set-up"; return; }
	if ! ip -n "${P}mn" link add t type ip6tnl 2>/dev/null; then
		skip "ip6tnl backend: kernel has no ip6_tunnel"
		# The backend must refuse with a clear reason.
		if ! start_ctl mn ip6tnl mn $COA1 m0 &&
		    grep -q 'kernel has no ip6_tunnel support' "$work/mn.err"; then
			ok "ip6tnl: init fails with \"kernel has no ip6_tunnel support\""
		else
			bad "ip6tnl: init did not fail clearly: $(cat "$work/mn.err")"
		fi
		stop_ctl mn
		return
	fi
	ip -n "${P}mn" link del t
	run_pair ip6tnl ip6tnl
	run_pair ip6tnl seg6
}

if [ "$("$CTL" probe)" = "$([ -e /proc/sys/net/ipv6/conf/all/seg6_enabled ] && echo seg6 || echo tun)" ]; then
	ok "probe picks $("$CTL" probe)"
else
	bad "probe picks $("$CTL" probe)"
fi

if [ -e /proc/sys/net/ipv6/conf/all/seg6_enabled ]; then
	run_pair seg6 seg6
	run_pair tun tun
	run_pair seg6 tun
	run_pair tun seg6
	run_recovery
else
	skip "seg6 backend: kernel has no seg6 (CONFIG_IPV6_SEG6_LWTUNNEL)"
	run_pair tun tun
fi
run_ip6tnl
topo_down

echo "tunnel_test: $npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
