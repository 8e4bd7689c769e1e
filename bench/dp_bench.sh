#!/bin/bash
# dp_bench.sh: data-plane goodput through each tunnel backend
# (common/tunnel.h, PROTOCOL.md H) against no tunnel, in the same run
# (issue 7, benchmark 3).
#
#   bench/dp_bench.sh [--smoke] [--pin] [-t SECS] [-r ROUNDS]
#
#   mn --m0 2001:db8:1::/64 h0-- ha --h2 2001:db8:f::/64 c0-- cn
#
# The topology of tests/tunnel_test.sh: ha's tunnel endpoint is
# 2001:db8:a::1 on its lo, the HoA 2001:db8:10::100 is bound by
# tests/tools/tunnelctl at the MN (role mn, local = the CoA
# 2001:db8:1::2) and at ha (role anchor). One TCP stream (iperf3) from
# mn to an iperf3 server on cn for SECS seconds plus one second of slow
# start (omitted from the figures), in each setup:
#   none    from the CoA, plainly routed through ha (no tunnelctl);
#   seg6    from the HoA, seg6 backend at both ends (kernel
#           encapsulation, IPv6-in-IPv6);
#   tun     from the HoA, tun backend at both ends (a TUN device,
#           packets encapsulated by tunnelctl in user space);
#   ip6tnl  from the HoA, ip6tnl at both ends, when the kernel has
#           ip6_tunnel; otherwise reported as not measurable, with the
#           reason.
# Each round measures every setup back to back (the order rotates
# between rounds); figures are medians over the rounds and ratios are
# paired per round (setup / none of the same round), "median [min..max]".
# iperf3's receiver-side figure is the goodput; its retransmissions and
# its sender CPU use are shown too. --pin puts the iperf3 client on
# CPU 0 and the server on CPU 1 (tunnelctl stays unpinned).
#
# The backends' own counters (and the TUN device's queue drops) of the
# last round are printed below the table.
#
# Default: 5 s streams, 3 rounds (about 1.5 min). --smoke: 1 s, no
# omitted second, 1 round, and each setup that ran must carry data
# (about 10 s).
# Needs root, iperf3 (tests/deps.sh installs it) and python3; exit 77
# without network namespaces or iperf3, 1 when a setup failed.
set -u
b=${builddir:-.}
CTL=$(cd "$b" && pwd)/tests/tools/tunnelctl
T=5 R=3 SMOKE=0 PIN=0 OMIT=1
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 T=1 R=1 OMIT=0 ;;
	--pin) PIN=1 ;;
	-t) T=$2; shift ;;
	-r) R=$2; shift ;;
	*) echo "usage: $0 [--smoke] [--pin] [-t SECS] [-r ROUNDS]" >&2; exit 2 ;;
	esac
	shift
done
[ -x "$CTL" ] || { echo "FAIL: $CTL not built (make check builds it)"; exit 1; }
if ! command -v iperf3 > /dev/null || ! command -v python3 > /dev/null; then
	echo "SKIP: needs iperf3 and python3 (tests/deps.sh installs them)"
	exit 77
fi

P="d6dp$$-"
HOA=2001:db8:10::100 HA=2001:db8:a::1 COA=2001:db8:1::2 CN=2001:db8:f::2
PORT=5201
PIN_C="" PIN_S=""
if [ "$PIN" = 1 ] && command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ]; then
	PIN_C="taskset -c 0" PIN_S="taskset -c 1"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/dp_bench.XXXXXX")
declare -A CPID=() CFD=()
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

nx() { local n=$1; shift; ip netns exec "$P$n" "$@"; }

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
cleanup() {
	local n
	for n in "${!CPID[@]}"; do stop_ctl "$n"; done
	for n in mn ha cn probe; do
		ip netns pids "$P$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$P$n" 2>/dev/null
	done
	{ wait; } 2>/dev/null
	if [ "$fails" -ne 0 ] || [ -n "${KEEP:-}" ]; then
		echo "logs kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! ip netns add "${P}probe" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces (needs root)"
	exit 77
fi
ip netns del "${P}probe"

# ---- topology (tests/tunnel_test.sh) ----------------------------------
for n in mn ha cn; do
	ip netns add "$P$n"
	nx $n sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0
	ip -n "$P$n" link set lo up
done
ip link add m0 netns "${P}mn" type veth peer name h0 netns "${P}ha"
ip link add h2 netns "${P}ha" type veth peer name c0 netns "${P}cn"
nx ha sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n "${P}mn" addr add $COA/64 dev m0
ip -n "${P}ha" addr add 2001:db8:1::1/64 dev h0
ip -n "${P}ha" addr add 2001:db8:f::1/64 dev h2
ip -n "${P}ha" addr add $HA/128 dev lo
ip -n "${P}cn" addr add $CN/64 dev c0
for l in "mn m0" "ha h0" "ha h2" "cn c0"; do
	set -- $l
	ip -n "$P$1" link set "$2" up
done
ip -n "${P}cn" route add default via 2001:db8:f::1
ip -n "${P}mn" route add $HA/128 via 2001:db8:1::1 dev m0
ip -n "${P}mn" route add 2001:db8:f::/64 via 2001:db8:1::1 dev m0
for _ in $(seq 20); do
	nx mn ping -6 -c1 -W1 -q $CN > /dev/null 2>&1 && break
	sleep 0.2
done
nx mn ping -6 -c1 -W1 -q $CN > /dev/null 2>&1 || { fail "topology"; exit 1; }

nx cn $PIN_S iperf3 -s -B $CN -p $PORT > "$work/iperf3-server.log" 2>&1 &
disown
for _ in $(seq 50); do
	nx cn ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q LISTEN && break
	sleep 0.1
done

# ---- tunnelctl, as tests/tunnel_test.sh drives it ------------------------
start_ctl() {	# node backend role local ifname
	local n=$1 fd
	rm -f "$work/$n.in"
	mkfifo "$work/$n.in"
	: > "$work/$n.out"
	nx "$n" "$CTL" run "$2" "$3" "$4" "$5" < "$work/$n.in" \
	    > "$work/$n.out" 2> "$work/$n.err" &
	CPID[$n]=$!
	exec {fd}> "$work/$n.in"
	CFD[$n]=$fd
	for _ in $(seq 50); do
		grep -q '^ok setup' "$work/$n.out" && return 0
		grep -q '^error setup' "$work/$n.out" && return 1
		kill -0 "${CPID[$n]}" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
ctl() {	# node command...
	local n=$1 _
	shift
	echo "$*" >&"${CFD[$n]}"
	for _ in $(seq 50); do
		grep -qxF "ok $*" "$work/$n.out" && return 0
		grep -q "^error $*" "$work/$n.out" && return 1
		sleep 0.1
	done
	return 1
}
teardown() {
	local n
	for n in mn ha; do
		[ -n "${CFD[$n]:-}" ] && ctl "$n" teardown
		stop_ctl "$n"
	done
}

# ip6tnl: measurable only with the kernel's ip6_tunnel.
IP6TNL=""
if ip -n "${P}mn" link add dp6t type ip6tnl 2> "$work/ip6tnl.err"; then
	ip -n "${P}mn" link del dp6t
	IP6TNL=ip6tnl
else
	why=$(head -1 "$work/ip6tnl.err")
	if ! start_ctl mn ip6tnl mn $COA m0; then
		why="$why; tunnelctl: $(grep -o 'kernel has no ip6_tunnel[^"]*' "$work/mn.err" | head -1)"
	fi
	stop_ctl mn
	IP6TNL_WHY="kernel has no ip6_tunnel (\"ip link add type ip6tnl\": $why)"
fi

# measure SETUP ROUND: one stream; appends "gbit G retr R cpu C" to
# $work/SETUP (or "fail").
measure() {
	local s=$1 src=$HOA
	if [ "$s" = none ]; then
		src=$COA
	else
		if ! start_ctl ha "$s" anchor $HA h0 ||
		    ! start_ctl mn "$s" mn $COA m0 ||
		    ! ctl ha bind $HOA $COA || ! ctl mn bind $HOA $HA; then
			fail "$s: tunnel set-up: $(cat "$work/ha.err" "$work/mn.err" | tail -3)"
			teardown
			echo fail >> "$work/$s"
			return
		fi
		# Neighbour discovery and the first packets of the path.
		nx mn ping -6 -c1 -W2 -q -I $HOA $CN > /dev/null 2>&1
	fi
	if nx mn $PIN_C iperf3 -c $CN -p $PORT -B $src -t "$T" -O "$OMIT" -J \
	    > "$work/iperf.json" 2> "$work/iperf.err"; then
		python3 - "$work/iperf.json" >> "$work/$s" <<'EOF' || echo fail >> "$work/$s"
import json, sys
e = json.load(open(sys.argv[1]))["end"]
print("gbit %.3f retr %d cpu %.1f" % (e["sum_received"]["bits_per_second"] / 1e9,
      e["sum_sent"].get("retransmits", 0),
      e["cpu_utilization_percent"]["host_total"]))
EOF
	else
		fail "$s: iperf3: $(tail -2 "$work/iperf.err" "$work/iperf.json" | tr '\n' ' ')"
		echo fail >> "$work/$s"
	fi
	if [ "$s" != none ]; then
		# Where packets were lost: the backend's counters and, for
		# tun, the TUN device's queue (kernel -> tunnelctl).
		ctl mn stats && ctl ha stats
		for n in mn ha; do
			echo "$n $(grep '^stats ' "$work/$n.out" | tail -1)" \
			    "tun_tx_dropped $(nx $n cat /sys/class/net/dmip0/statistics/tx_dropped 2>/dev/null || echo -)" \
			    "raw6_drops $(nx $n awk 'NR > 1 { d += $NF } END { print d + 0 }' /proc/net/raw6)"
		done >> "$work/$s.stats"
		teardown
	fi
}

SETUPS="none seg6 tun ${IP6TNL}"
echo "dp_bench: ${T}s TCP stream (iperf3, $OMIT s omitted), $R round(s)," \
    "$([ -n "$PIN_C" ] && echo "client CPU 0, server CPU 1" || echo unpinned)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
for r in $(seq 0 $((R - 1))); do
	# Rotate the order so a slow drift of the machine does not favour
	# one setup.
	set -- $SETUPS
	for _ in $(seq $((r % $#))); do set -- "${@:2}" "$1"; done
	for s in "$@"; do
		measure "$s"
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

vals() { awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
printf '\n%-8s %14s %10s %12s  %s\n' setup "goodput Gbit/s" retransmits "sender CPU %" \
    "ratio to none, median [min..max]"
for s in $SETUPS; do
	g=$(vals "$work/$s" gbit | median)
	if [ "$s" = none ]; then
		ra="1"
	else
		paste <(vals "$work/none" gbit) <(vals "$work/$s" gbit) |
			awk '{ if ($1 > 0) printf "%.3f\n", $2 / $1 }' > "$work/r"
		ra="$(median < "$work/r") [$(sort -g "$work/r" | head -1)..$(sort -g "$work/r" | tail -1)]"
	fi
	printf '%-8s %14s %10s %12s  %s\n' "$s" "$g" "$(vals "$work/$s" retr | median)" \
	    "$(vals "$work/$s" cpu | median)" "$ra"
	if [ "$SMOKE" = 1 ] && ! awk '$2 + 0 > 0 { ok = 1 } END { exit !ok }' "$work/$s"; then
		fail "$s carried no data"
	fi
done
for s in $SETUPS; do
	# Only the user-space pump (tun) counts packets.
	[ -s "$work/$s.stats" ] && awk '$4 > 0 { c = 1 } END { exit !c }' "$work/$s.stats" || continue
	echo "$s, last round: $(tail -2 "$work/$s.stats" | awk '{ printf "%s%s: encap %s decap %s drops unknown %s bad %s, TUN tx_dropped %s, raw socket drops %s", (NR > 1 ? "; " : ""), $1, $4, $6, $8, $10, $12, $14 }')"
done
[ -z "$IP6TNL" ] && printf '%-8s %14s  not measurable: %s\n' ip6tnl - "$IP6TNL_WHY"
[ "$fails" -eq 0 ] || { echo "dp_bench: $fails step(s) failed"; exit 1; }
exit 0
