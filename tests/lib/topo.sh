# shellcheck shell=bash disable=SC2034
# (SC2034: the TOPO_* variables are for the scripts that source this.)
#
# topo.sh: network-namespace test bed for dmip6 integration tests.
# Source it from a bash test script; see tests/lib/README.md.
#
#   MN -- AR1 / AR2 -- core -- {HA (+ home link), DHP1, DHP2, CN1, CN2}
#
# Every node is a namespace named "$TOPO_PREFIX<node>" (TOPO_PREFIX
# defaults to "d6t<pid>-"); every bridge lives in the namespace "sw" and
# veths are created directly inside namespaces, so nothing is ever
# created in the root namespace (TESTBED.md 5). Addresses match etc/*.conf:
#
#   sw    br1 (access 1), br2 (access 2), brs (server LAN 2001:db8:f::/64),
#         brh (the home link 2001:db8:10::/64, where topo_go_home puts mn0)
#   mn    mn0 on br1 (or mn1 on br1 + mn2 on br2, down, with --two-ifaces)
#   ar1   acc0 2001:db8:1::1/64 on br1, lan0 2001:db8:f::1 on brs, radvd
#   ar2   acc0 2001:db8:2::1/64 on br2, lan0 2001:db8:f::2 on brs, radvd
#   core  lan0 2001:db8:f::fe; routes to both access /64s, the home
#         prefix, the DHoA pools and the CN prefixes via their servers
#   ha    lan0 2001:db8:f::10, ha0 2001:db8:10::1/64 on brh, radvd on ha0
#   home  home0 2001:db8:10::2/64 on brh, a host on the HA's home link
#   dhp1  dhp0 2001:db8:f::11 (pool 2001:db8:d1::/64 routed to it)
#   dhp2  dhp0 2001:db8:f::21 (pool 2001:db8:d2::/64)
#   cn1   lan0 2001:db8:f::c1, lo 2001:db8:c1::1 (2001:db8:c1::/48)
#   cn2   lan0 2001:db8:f::c2, lo 2001:db8:c2::1 (2001:db8:c2::/48)
#
# TOPO_NDHP=3 or 4 (opt-in, default 2) adds dhpN (dhp0 2001:db8:f::N1,
# pool 2001:db8:dN::/64) and cnN (lan0 2001:db8:f::cN, lo
# 2001:db8:cN::1) for N = 3 (and 4), routed like DHP2 and CN2.
#
# Bridge ports in sw are named "<node>-<iface>" (mn-mn0, ar1-acc0, ...).
# accept_dad=0 everywhere, forwarding=1 on ar1, ar2, core, ha, dhp1, dhp2.
#
# Functions return non-zero on failure and never exit; they work with
# and without "set -e" and "set -u".

# Addresses the tests use.
TOPO_HOA=2001:db8:10::100
TOPO_HOME_PREFIX=2001:db8:10::/64
TOPO_HOME_HOST=2001:db8:10::2
TOPO_HA=2001:db8:f::10
TOPO_DHP1=2001:db8:f::11
TOPO_DHP2=2001:db8:f::21
TOPO_CORE=2001:db8:f::fe
TOPO_CN1=2001:db8:c1::1
TOPO_CN2=2001:db8:c2::1
TOPO_AR1=2001:db8:f::1
TOPO_AR2=2001:db8:f::2
TOPO_DHP3=2001:db8:f::31
TOPO_DHP4=2001:db8:f::41
TOPO_CN3=2001:db8:c3::1
TOPO_CN4=2001:db8:c4::1

# Where the sources and the built daemons are. automake's test driver
# sets srcdir and builddir (relative to the build tree's top).
_topo_libdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOPO_SRCDIR=$(cd "${srcdir:-$_topo_libdir/../..}" && pwd)
TOPO_BUILDDIR=$(cd "${builddir:-.}" && pwd)

TOPO_NODES="sw mn ar1 ar2 core ha home dhp1 dhp2 cn1 cn2"
TOPO_ROUTERS="ar1 ar2 core ha dhp1 dhp2"
_T_NODES0=$TOPO_NODES _T_ROUTERS0=$TOPO_ROUTERS

# Run state; topo_up resets it.
declare -ga _T_NS=() _T_PIDS=()
declare -gA _T_DPID=() _T_CAP=()
_T_OWNER=
_T_PFX=
_T_AUTO=
_T_RUN_OWNER=
_T_STATIC=0
_T_TWO=0
TOPO_RUN=
TOPO_ETC=
TOPO_AT=
TOPO_MNIF=
TOPO_PID=

_topo_err() { echo "topo: $*" >&2; }

# topo_now: print the time as seconds.microseconds (for timing tables).
topo_now() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		echo "$EPOCHREALTIME"
	else
		date +%s.%N | cut -c1-17
	fi
}

# _topo_us S.FRAC: decimal seconds to integer microseconds (no fork).
_topo_us() {
	local s=${1%%.*} f=
	[ "$s" = "$1" ] || f=${1#*.}
	f="${f}000000"
	f=${f:0:6}
	echo $(( 10#${s:-0} * 1000000 + 10#$f ))
}

# topo_ms_since T0: print whole milliseconds elapsed since T0 (topo_now).
topo_ms_since() {
	local now
	now=$(topo_now)
	echo $(( ($(_topo_us "$now") - $(_topo_us "$1")) / 1000 ))
}

# topo_wait_for CMD TIMEOUT_S: run CMD (a string, eval'ed; pipes and
# redirections allowed) every TOPO_POLL seconds (default 0.01) until it
# succeeds (return 0) or TIMEOUT_S (decimal seconds) passed (return 1).
topo_wait_for() {
	local cmd=$1 end
	end=$(( $(_topo_us "$(topo_now)") + $(_topo_us "${2:-5}") ))
	while :; do
		eval "$cmd" && return 0
		[ "$(_topo_us "$(topo_now)")" -ge "$end" ] && return 1
		sleep "${TOPO_POLL:-0.01}"
	done
}

# topo_ns NODE: print the namespace name of NODE (fails on unknown nodes).
topo_ns() {
	case " $TOPO_NODES " in
	*" ${1:-} "*) echo "${_T_PFX}$1" ;;
	*) _topo_err "unknown node '${1:-}'"; return 1 ;;
	esac
}

# topo_exec NODE CMD...: run CMD inside NODE's namespace.
topo_exec() {
	local ns
	ns=$(topo_ns "$1") || return 1
	shift
	ip netns exec "$ns" "$@"
}

# Create the run dir if there is none; call it directly, never in $(...),
# or the new TOPO_RUN is lost with the subshell.
_topo_run_ensure() {
	if [ -z "$TOPO_RUN" ] || [ ! -d "$TOPO_RUN" ]; then
		TOPO_RUN=$(mktemp -d "${TMPDIR:-/tmp}/dmip6-topo.XXXXXX") || return 1
		_T_RUN_OWNER=$BASHPID
	fi
}

# topo_log: print the run directory $TOPO_RUN (logs, configs, pid files,
# captures); topo_up creates it. topo_down keeps it if the test failed
# (and says where), removes it on success. TOPO_KEEP=always|never
# overrides that.
topo_log() {
	_topo_run_ensure || return 1
	echo "$TOPO_RUN"
}

# topo_pids: print the PIDs of every process the harness started.
topo_pids() {
	[ ${#_T_PIDS[@]} -eq 0 ] || echo "${_T_PIDS[@]}"
}

# topo_trap: make the calling script tear the test bed down however it
# exits (EXIT; INT/TERM/HUP are turned into exits so EXIT runs).
topo_trap() {
	trap 'topo_down' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# topo_gc: delete namespaces left by harness runs that died without
# cleaning up ("d6t<pid>-*" whose pid is gone), killing what runs in them.
topo_gc() {
	local -
	set +e		# go on to the end under the caller's set -e
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		[[ $ns =~ ^d6t([0-9]+)- ]] || continue
		pid=${BASH_REMATCH[1]}
		kill -0 "$pid" 2>/dev/null && continue
		_topo_err "removing stale namespace $ns"
		_topo_kill_ns "$ns"
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# Kill every process still inside namespace $1 (SIGKILL).
_topo_kill_ns() {
	local -
	set +e		# go on to the end under the caller's set -e
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# Stop one of our background processes: SIGTERM, up to ~1 s, SIGKILL.
_topo_stop_pid() {
	local -
	set +e		# go on to the end under the caller's set -e
	local pid=$1
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# topo_down [RC]: tear everything down; idempotent and safe to call from
# a subshell that did not build the test bed (it then does nothing).
# Kills every process the harness started (captures get SIGINT first so
# the pcap is complete), anything else left in its namespaces, and
# deletes the namespaces. RC (default: $? at the call, i.e. the exit
# status inside an EXIT trap) decides whether the run dir is kept.
topo_down() {
	local rc=${1:-$?} ns pid f
	local -
	set +e		# go on to the end under the caller's set -e
	if [ -n "$_T_OWNER" ] && [ "$_T_OWNER" = "$BASHPID" ]; then
		{
			for f in "${!_T_CAP[@]}"; do
				kill -INT "${_T_CAP[$f]}"
			done
			for pid in "${_T_PIDS[@]}"; do
				_topo_stop_pid "$pid"
			done
		} 2>/dev/null
		_T_PIDS=(); _T_CAP=(); _T_DPID=()
		# Also namespaces of this prefix that were not recorded yet.
		for ns in "${_T_NS[@]}" $(ip netns list 2>/dev/null |
		    awk -v p="$_T_PFX" 'index($1, p) == 1 { print $1 }'); do
			[ -e "/run/netns/$ns" ] || continue
			_topo_kill_ns "$ns"
			ip netns del "$ns" 2>/dev/null
		done
		_T_NS=()
		_T_OWNER=
	fi
	if [ -n "$TOPO_RUN" ] && [ "$_T_RUN_OWNER" = "$BASHPID" ]; then
		case "${TOPO_KEEP:-}:$rc" in
		always:*|:[1-9]*)
			_topo_err "logs kept in $TOPO_RUN"
			ls -l "$TOPO_RUN" >&2 ;;
		*)	rm -rf "$TOPO_RUN" ;;
		esac
		TOPO_RUN=
		TOPO_ETC=
	fi
	return 0
}

# Run a shell script inside NODE's namespace; stops at the first error.
_topo_sh() {
	local ns
	ns=$(topo_ns "$1") || return 1
	if ! ip netns exec "$ns" sh -ec "$2" >>"$TOPO_RUN/setup.log" 2>&1; then
		_topo_err "setup of $1 failed:"
		tail -n 5 "$TOPO_RUN/setup.log" >&2
		return 1
	fi
}

# Create the namespace of one node and its sysctls (before any link, so
# new interfaces inherit accept_dad=0 from "default").
_topo_node() {
	local n=$1 ns s
	ns=$(topo_ns "$n") || return 1
	ip netns add "$ns" || { _topo_err "ip netns add $ns failed"; return 1; }
	_T_NS+=("$ns")
	# shellcheck disable=SC2016 # expanded by the sh in the namespace
	s='c=/proc/sys/net/ipv6/conf
	   echo 0 > $c/all/accept_dad; echo 0 > $c/default/accept_dad
	   echo 0 > $c/default/use_tempaddr
	   ip link set lo up'
	case " $TOPO_ROUTERS " in
	*" $n "*) s="$s; echo 1 > \$c/all/forwarding" ;;
	esac
	[ "$n" = sw ] && s="$s; echo 1 > \$c/default/disable_ipv6"
	[ "$n" = mn ] && [ "$_T_STATIC" = 1 ] &&
		s="$s; echo 0 > \$c/default/accept_ra"
	_topo_sh "$n" "$s"
}

# _topo_port NODE IF BR [down]: veth IF in NODE, its peer NODE-IF in sw
# enslaved to BR.
_topo_port() {
	local n=$1 ifn=$2 br=$3 ns sw
	ns=$(topo_ns "$n") && sw=$(topo_ns sw) || return 1
	ip -n "$ns" link add "$ifn" type veth peer name "$n-$ifn" netns "$sw" &&
	ip -n "$sw" link set "$n-$ifn" master "$br" up || return 1
	# A veth hands packets on with the checksum still to be done
	# (CHECKSUM_PARTIAL); a user-space tunnel endpoint (the tun backend)
	# that reads such a packet from its raw socket gets it unfinished
	# and the inner TCP checksum fails at the MN. No real wire carries
	# such packets: make the veths finish checksums like a NIC does.
	# TOPO_TXCSUM=on keeps the offload (to study that case).
	if [ "${TOPO_TXCSUM:-off}" = off ]; then
		ip netns exec "$ns" ethtool -K "$ifn" tx off >/dev/null &&
		ip netns exec "$sw" ethtool -K "$n-$ifn" tx off >/dev/null || {
			_topo_err "ethtool -K $ifn tx off failed (tests/deps.sh installs ethtool)"
			return 1
		}
	fi
	[ "${4:-}" = down ] || ip -n "$ns" link set "$ifn" up
}

# Node addressing and routes (TESTBED.md 5, etc/*.conf).
_topo_address() {
	local n
	_topo_sh ar1 "ip -6 addr add 2001:db8:1::1/64 dev acc0 nodad
		ip -6 addr add $TOPO_AR1/64 dev lan0 nodad
		ip -6 route add default via $TOPO_CORE" &&
	_topo_sh ar2 "ip -6 addr add 2001:db8:2::1/64 dev acc0 nodad
		ip -6 addr add $TOPO_AR2/64 dev lan0 nodad
		ip -6 route add default via $TOPO_CORE" &&
	_topo_sh core "ip -6 addr add $TOPO_CORE/64 dev lan0 nodad
		ip -6 route add 2001:db8:1::/64 via $TOPO_AR1
		ip -6 route add 2001:db8:2::/64 via $TOPO_AR2
		ip -6 route add $TOPO_HOME_PREFIX via $TOPO_HA
		ip -6 route add 2001:db8:d1::/64 via $TOPO_DHP1
		ip -6 route add 2001:db8:d2::/64 via $TOPO_DHP2
		ip -6 route add 2001:db8:c1::/48 via 2001:db8:f::c1
		ip -6 route add 2001:db8:c2::/48 via 2001:db8:f::c2" &&
	_topo_extra_address &&
	_topo_sh ha "ip -6 addr add $TOPO_HA/64 dev lan0 nodad
		ip -6 addr add 2001:db8:10::1/64 dev ha0 nodad
		ip -6 route add default via $TOPO_CORE" &&
	_topo_sh home "ip -6 addr add $TOPO_HOME_HOST/64 dev home0 nodad
		ip -6 route add default via 2001:db8:10::1" &&
	_topo_sh dhp1 "ip -6 addr add $TOPO_DHP1/64 dev dhp0 nodad
		ip -6 route add default via $TOPO_CORE" &&
	_topo_sh dhp2 "ip -6 addr add $TOPO_DHP2/64 dev dhp0 nodad
		ip -6 route add default via $TOPO_CORE" || return 1
	for n in 1 2; do
		_topo_sh cn$n "ip -6 addr add 2001:db8:f::c$n/64 dev lan0 nodad
			ip -6 addr add 2001:db8:c$n::1/128 dev lo
			ip -6 route add default via $TOPO_CORE" || return 1
	done
}

# The DHPs and CNs beyond the second (TOPO_NDHP): node names, ports,
# addresses and the core's routes to them.
_topo_extra_nodes() {
	local n
	TOPO_NODES=$_T_NODES0 TOPO_ROUTERS=$_T_ROUTERS0
	case "${TOPO_NDHP:-2}" in
	2) return 0 ;;
	3|4) ;;
	*) _topo_err "TOPO_NDHP must be 2, 3 or 4, not '$TOPO_NDHP'"; return 1 ;;
	esac
	for n in $(seq 3 "$TOPO_NDHP"); do
		TOPO_NODES="$TOPO_NODES dhp$n cn$n" TOPO_ROUTERS="$TOPO_ROUTERS dhp$n"
	done
}
_topo_extra_ports() {
	local n
	for n in $(seq 3 "${TOPO_NDHP:-2}"); do
		_topo_port "dhp$n" dhp0 brs && _topo_port "cn$n" lan0 brs || return 1
	done
}
_topo_extra_address() {
	local n
	for n in $(seq 3 "${TOPO_NDHP:-2}"); do
		_topo_sh core "ip -6 route add 2001:db8:d$n::/64 via 2001:db8:f::${n}1
			ip -6 route add 2001:db8:c$n::/48 via 2001:db8:f::c$n" &&
		_topo_sh "dhp$n" "ip -6 addr add 2001:db8:f::${n}1/64 dev dhp0 nodad
			ip -6 route add default via $TOPO_CORE" &&
		_topo_sh "cn$n" "ip -6 addr add 2001:db8:f::c$n/64 dev lan0 nodad
			ip -6 addr add 2001:db8:c$n::1/128 dev lo
			ip -6 route add default via $TOPO_CORE" || return 1
	done
}

# _topo_radvd NODE IF PREFIX: radvd with the sub-second RA config of
# TESTBED.md 5 on NODE's IF (the ARs' access links, the HA's home link).
_topo_radvd() {
	local node=$1 ifn=$2 pfx=$3 conf="$TOPO_RUN/radvd-$1.conf" ns
	ns=$(topo_ns "$node") || return 1
	cat > "$conf" <<-EOF
	interface $ifn {
		AdvSendAdvert on;
		MinRtrAdvInterval 0.05;
		MaxRtrAdvInterval 0.1;
		AdvIntervalOpt on;
		AdvDefaultLifetime 30;
		prefix $pfx {
			AdvOnLink on;
			AdvAutonomous on;
		};
	};
	EOF
	ip netns exec "$ns" radvd -n -C "$conf" -p "$TOPO_RUN/radvd-$node.pid" \
	    -m stderr > "$TOPO_RUN/radvd-$node.log" 2>&1 &
	_T_PIDS+=($!)
}

# topo_coa [AR]: print the MN's global address on AR's access prefix
# (default: the AR the MN is attached to now); fails if there is none.
# AR "home" (or 10) is the home link: the MN's address there on a real
# interface (the HoA on lo, where mnd keeps it while away, does not count).
topo_coa() {
	local n=${1:-$TOPO_AT} a
	[ "$n" = home ] && n=10
	a=$(ip -n "$(topo_ns mn)" -6 -o addr show scope global 2>/dev/null |
	    awk -v p="^2001:db8:$n:" '!f && $2 != "lo" { split($4, a, "/")
		if (a[1] ~ p) { print a[1]; f = 1 } }') || true
	[ -n "$a" ] || return 1
	echo "$a"
}

# True when the MN can ping DST (default CN1) from address SRC.
_topo_ping() {
	ip netns exec "$(topo_ns mn)" ping -6 -n -q -c 1 -W "${3:-0.3}" \
	    -I "$1" "${2:-$TOPO_CN1}" >/dev/null 2>&1
}

# Static mode: give the MN's interface IF the address ::100 on AR N's
# prefix and a default route via AR N.
_topo_static_mn() {
	local ifn=$1 n=$2
	_topo_sh mn "ip -6 addr replace 2001:db8:$n::100/64 dev $ifn nodad
		ip -6 route replace default via 2001:db8:$n::1 dev $ifn"
}

# Print what is useful when the test bed does not work (stderr).
_topo_diag() {
	local -
	set +e		# go on to the end under the caller's set -e
	local ns n
	ns=$(topo_ns mn)
	{
		echo "topo: ---- diagnostics (run dir $TOPO_RUN)"
		echo "-- mn addresses"; ip -n "$ns" -6 addr
		echo "-- mn routes"; ip -n "$ns" -6 route
		echo "-- mn neighbours"; ip -n "$ns" -6 neigh
		echo "-- sw bridges"; ip -n "$(topo_ns sw)" -br link
		echo "-- core routes"; ip -n "$(topo_ns core)" -6 route
		for n in ar1 ar2 ha; do
			if [ -f "$TOPO_RUN/radvd-$n.log" ]; then
				echo "-- radvd-$n.log"
				tail -n 20 "$TOPO_RUN/radvd-$n.log"
			fi
		done
		if [ "$_T_STATIC" = 0 ] && command -v rdisc6 >/dev/null; then
			echo "-- rdisc6 -1 $TOPO_MNIF"
			timeout 3 ip netns exec "$ns" rdisc6 -1 -w 500 "$TOPO_MNIF" 2>&1
		fi
		echo "topo: ---- end of diagnostics"
	} >&2
}

# topo_up [--static] [--two-ifaces]: build the test bed, start radvd on
# the ARs (or address the MN statically with --static), and wait until
# the MN has an address on AR1's prefix and reaches CN1 from it. With
# --two-ifaces the MN has mn1 (on br1, up) and mn2 (on br2, down)
# instead of mn0. Sets TOPO_RUN, TOPO_AT=1, TOPO_MNIF. On failure prints
# diagnostics and returns 1; the caller's topo_trap cleans up.
topo_up() {
	local a t0 n
	if [ "$_T_OWNER" = "$BASHPID" ]; then
		_topo_err "topo_up: the test bed is up; call topo_down first"
		return 1
	fi
	_T_NS=(); _T_PIDS=(); _T_DPID=(); _T_CAP=()
	_T_STATIC=0; _T_TWO=0; TOPO_PID=
	# A run dir inherited from a parent shell is not ours; one made by
	# topo_copy_etc before topo_up is.
	[ "$_T_RUN_OWNER" = "$BASHPID" ] || { TOPO_RUN=; TOPO_ETC=; }
	while [ $# -gt 0 ]; do
		case "$1" in
		--static) _T_STATIC=1 ;;
		--two-ifaces) _T_TWO=1 ;;
		*) _topo_err "topo_up: unknown option $1"; return 1 ;;
		esac
		shift
	done
	# A prefix this library chose is re-chosen in a subshell, so a
	# subshell's test bed never collides with its parent's.
	if [ -z "${TOPO_PREFIX:-}" ] || [ "$TOPO_PREFIX" = "$_T_AUTO" ]; then
		_T_AUTO=d6t$BASHPID-
		TOPO_PREFIX=$_T_AUTO
	fi
	_T_PFX=$TOPO_PREFIX
	_topo_extra_nodes || return 1
	_T_OWNER=$BASHPID
	t0=$(topo_now)
	if [ "$_T_STATIC" = 0 ] && ! command -v radvd >/dev/null; then
		_topo_err "radvd is missing (tests/deps.sh installs it)"
		return 1
	fi
	_topo_run_ensure || return 1
	[ "${TOPO_GC:-1}" = 0 ] || topo_gc
	for n in $TOPO_NODES; do
		_topo_node "$n" || return 1
	done
	_topo_sh sw "for b in br1 br2 brs brh; do
		ip link add \$b type bridge stp_state 0 forward_delay 0 mcast_snooping 0
		ip link set \$b up; done" || return 1
	if [ "$_T_TWO" = 1 ]; then
		_topo_port mn mn1 br1 && _topo_port mn mn2 br2 down || return 1
		TOPO_MNIF=mn1
	else
		_topo_port mn mn0 br1 || return 1
		TOPO_MNIF=mn0
	fi
	TOPO_AT=1
	_topo_port ar1 acc0 br1 && _topo_port ar2 acc0 br2 &&
	_topo_port ar1 lan0 brs && _topo_port ar2 lan0 brs &&
	_topo_port core lan0 brs && _topo_port ha lan0 brs &&
	_topo_port dhp1 dhp0 brs && _topo_port dhp2 dhp0 brs &&
	_topo_port cn1 lan0 brs && _topo_port cn2 lan0 brs &&
	_topo_extra_ports || return 1
	_topo_port ha ha0 brh && _topo_port home home0 brh || return 1
	_topo_address || return 1
	if [ "$_T_STATIC" = 1 ]; then
		_topo_static_mn "$TOPO_MNIF" 1 || return 1
	else
		_topo_radvd ar1 acc0 2001:db8:1::/64 &&
		_topo_radvd ar2 acc0 2001:db8:2::/64 &&
		_topo_radvd ha ha0 "$TOPO_HOME_PREFIX" || return 1
	fi
	if ! topo_wait_for "topo_coa 1 >/dev/null" "${TOPO_UP_TIMEOUT:-10}"; then
		_topo_err "the MN got no address on 2001:db8:1::/64"
		_topo_diag
		return 1
	fi
	a=$(topo_coa 1)
	if ! topo_wait_for "_topo_ping $a" "${TOPO_UP_TIMEOUT:-10}"; then
		_topo_err "CN1 $TOPO_CN1 is not reachable from the MN's $a"
		_topo_diag
		return 1
	fi
	echo "topo: up in $(topo_ms_since "$t0") ms (prefix $_T_PFX, MN $a on $TOPO_MNIF, run dir $TOPO_RUN)"
}

# _topo_wait_coa N WHAT: wait for an MN address on AR N's prefix; sets
# TOPO_HO_ADDR_MS (ms since TOPO_HO_T0).
_topo_wait_coa() {
	if ! topo_wait_for "topo_coa $1 >/dev/null" "${TOPO_HO_TIMEOUT:-5}"; then
		_topo_err "$2: no MN address on the prefix of ${1/#home/the home link}"
		_topo_diag
		return 1
	fi
	TOPO_HO_ADDR_MS=$(topo_ms_since "$TOPO_HO_T0")
	TOPO_AT=$1
}

# Accept "1", "2", "br1", "br2", "ar1", "ar2", and "home" / "brh" for the
# home link (topo_handoff_b only).
_topo_ar_num() {
	case "${1:-}" in
	1|br1|ar1) echo 1 ;;
	2|br2|ar2) echo 2 ;;
	home|brh|h) echo h ;;
	*) _topo_err "not an access network: '${1:-}'"; return 1 ;;
	esac
}

# topo_handoff_a [TO]: method A (needs --two-ifaces): take the MN's
# interface on the other access network down and the one on TO (1 or 2,
# default 2: mn1 down, mn2 up) up; the kernel drops the old address and
# routes, the RS is answered at once. Returns when the new address
# exists. Sets TOPO_HO_T0 (start), TOPO_HO_CMD_MS (commands done) and
# TOPO_HO_ADDR_MS (new address), TOPO_AT and TOPO_MNIF.
topo_handoff_a() {
	local to from ns
	to=$(_topo_ar_num "${1:-2}") || return 1
	[ "$to" != h ] || { _topo_err "topo_handoff_a: the home link needs topo_handoff_b"; return 1; }
	from=$((3 - to))
	[ "$_T_TWO" = 1 ] || { _topo_err "topo_handoff_a needs topo_up --two-ifaces"; return 1; }
	ns=$(topo_ns mn)
	TOPO_HO_T0=$(topo_now)
	ip -n "$ns" link set "mn$from" down && ip -n "$ns" link set "mn$to" up || return 1
	TOPO_HO_CMD_MS=$(topo_ms_since "$TOPO_HO_T0")
	TOPO_MNIF=mn$to
	if [ "$_T_STATIC" = 1 ]; then
		_topo_static_mn "mn$to" "$to" || return 1
	fi
	_topo_wait_coa "$to" "handoff A to AR$to"
}

# topo_handoff_b TO: method B: move the MN's single port to br1 or br2
# (TO: 1, 2, br1 or br2) in ns sw, or to the home link brh (TO: home). The link stays up, so no RS: the next
# unsolicited RA brings the new prefix. The old address and default
# router are NOT removed (movement detection is mnd's job; tests without
# mnd call topo_prune). Static mode adds ::100 on the new prefix and
# replaces the default route. Returns when the new-prefix address
# exists; sets TOPO_HO_T0, TOPO_HO_CMD_MS, TOPO_HO_ADDR_MS, TOPO_AT.
topo_handoff_b() {
	local to
	to=$(_topo_ar_num "${1:-}") || return 1
	[ "$_T_TWO" = 0 ] || { _topo_err "topo_handoff_b needs the single-port MN"; return 1; }
	TOPO_HO_T0=$(topo_now)
	ip -n "$(topo_ns sw)" link set mn-mn0 master "br$to" || return 1
	TOPO_HO_CMD_MS=$(topo_ms_since "$TOPO_HO_T0")
	if [ "$to" = h ]; then
		# Static mode: the HoA itself is the MN's address at home.
		if [ "$_T_STATIC" = 1 ]; then
			_topo_sh mn "ip -6 addr replace $TOPO_HOA/64 dev mn0 nodad
				ip -6 route replace default via 2001:db8:10::1 dev mn0" || return 1
		fi
		_topo_wait_coa home "handoff B to the home link"
		return
	fi
	if [ "$_T_STATIC" = 1 ]; then
		_topo_static_mn mn0 "$to" || return 1
	fi
	_topo_wait_coa "$to" "handoff B to AR$to"
}

# topo_prune: what mnd's movement detection does, for tests without mnd:
# drop the MN's address and on-link route on the other access prefix and
# the default routes not via the current AR.
topo_prune() {
	local -
	set +e		# go on to the end under the caller's set -e
	local ns gw a old
	[ "$TOPO_AT" != home ] || { _topo_err "topo_prune: not on an access network"; return 1; }
	old=$((3 - TOPO_AT))
	ns=$(topo_ns mn) || return 1
	if [ "$_T_STATIC" = 1 ]; then
		gw=2001:db8:$TOPO_AT::1
	else
		gw=$(ip -n "$(topo_ns "ar$TOPO_AT")" -6 -o addr show dev acc0 scope link |
		    awk '{ split($4, a, "/"); print a[1] }')
	fi
	ip -n "$ns" -6 route show default | while read -r _ _ via _ dev _; do
		[ "$via" = "$gw" ] || ip -n "$ns" -6 route del default via "$via" dev "$dev"
	done
	while a=$(topo_coa "$old"); do
		ip -n "$ns" -6 addr del "$a/64" dev "$TOPO_MNIF" || return 1
	done
	ip -n "$ns" -6 route del "2001:db8:$old::/64" dev "$TOPO_MNIF" 2>/dev/null
	return 0
}

# topo_start_daemon NODE NAME CONFIG [ARGS...]: start a dmip6 daemon in
# NODE: NAME is mnd, had or dhpd (run from $builddir) or a path. It runs
# in the foreground (-d -f CONFIG ARGS), logs to $TOPO_RUN/NAME-NODE.log;
# returns when the log says "started" (TOPO_START_TIMEOUT s, default 5),
# fails with the log if it exits or times out. Sets TOPO_PID.
topo_start_daemon() {
	local node=$1 name=$2 conf=$3 bin log ns pid
	shift 3
	ns=$(topo_ns "$node") || return 1
	case "$name" in
	mnd) bin=$TOPO_BUILDDIR/mn/mnd ;;
	had) bin=$TOPO_BUILDDIR/ha/had ;;
	dhpd) bin=$TOPO_BUILDDIR/dhp/dhpd ;;
	*) bin=$name ;;
	esac
	[ -x "$bin" ] || { _topo_err "no executable $bin"; return 1; }
	_topo_run_ensure || return 1
	log="$TOPO_RUN/$(basename "$name")-$node.log"
	ip netns exec "$ns" "$bin" -d -f "$conf" "$@" > "$log" 2>&1 &
	pid=$!
	_T_PIDS+=("$pid")
	_T_DPID[$node/$(basename "$name")]=$pid
	TOPO_PID=$pid
	if ! topo_wait_for "grep -qw started '$log' || ! kill -0 $pid 2>/dev/null" \
	    "${TOPO_START_TIMEOUT:-5}" || ! grep -qw started "$log"; then
		_topo_err "$name in $node did not start (pid $pid); its log:"
		sed 's/^/  | /' "$log" >&2
		return 1
	fi
}

# topo_stop_daemon NODE NAME [TIMEOUT_S]: SIGTERM a daemon started with
# topo_start_daemon and return its exit status (124 if it had to be
# killed after TIMEOUT_S, default 5).
topo_stop_daemon() {
	local -
	set +e		# go on to the end under the caller's set -e
	local key pid rc
	key="$1/$(basename "$2")"
	pid=${_T_DPID[$key]:-}
	[ -n "$pid" ] || { _topo_err "no daemon $key"; return 1; }
	kill -TERM "$pid" 2>/dev/null
	if ! topo_wait_for "! kill -0 $pid 2>/dev/null" "${3:-5}"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rc=124
	else
		wait "$pid" 2>/dev/null
		rc=$?
	fi
	unset "_T_DPID[$key]"
	return $rc
}

# topo_copy_etc [[FILE:]KEY=VALUE...]: copy $srcdir/etc to
# $TOPO_RUN/etc (keys mode 0600), set TOPO_ETC and print it. Each
# KEY=VALUE replaces that top-level (unindented) setting in every *.conf,
# or only in FILE (e.g. had.conf:backend=tun), appending it if absent.
# VALUE is quoted unless it is a number, true/false, or starts with { or ".
# topo_dhp_confs: after topo_copy_etc, $TOPO_ETC/dhpd1.conf (DHP1 as in
# etc/dhpd.conf) and dhpd2.conf (DHP2: f::21, pool d2::/64, SA 8193, as
# the header of etc/dhpd.conf says), each with its own control socket
# and state_dir.
topo_dhp_confs() {
	local e=$TOPO_ETC
	sed -e 's|/dhpd\.sock"|/dhpd1.sock"|' -e 's|/state-dhpd"|/state-dhpd1"|' \
	    "$e/dhpd.conf" > "$e/dhpd1.conf" &&
	sed -e 's|/dhpd\.sock"|/dhpd2.sock"|' -e 's|/state-dhpd"|/state-dhpd2"|' \
	    -e 's|2001:db8:f::11|2001:db8:f::21|' \
	    -e 's|2001:db8:d1::/64|2001:db8:d2::/64|' \
	    -e 's|^sa 8192|sa 8193|' -e 's|mn1-dhp1\.key|mn1-dhp2.key|' \
	    -e 's|spi = 8192|spi = 8193|' "$e/dhpd.conf" > "$e/dhpd2.conf" &&
	grep -q 'f::21' "$e/dhpd2.conf" && grep -q 'sa 8193' "$e/dhpd2.conf"
}

topo_copy_etc() {
	local kv file key val files f
	_topo_run_ensure || return 1
	TOPO_ETC=$TOPO_RUN/etc
	# Fresh configs, fresh state: the daemons create their state_dir
	# and would restore what an earlier pass of the same test saved.
	rm -rf "$TOPO_ETC" "$TOPO_RUN"/state-*
	cp -r "$TOPO_SRCDIR/etc" "$TOPO_ETC" && chmod 600 "$TOPO_ETC"/keys/* &&
	chmod u+w "$TOPO_ETC" "$TOPO_ETC"/*.conf || return 1
	# Unix socket paths are shared by all namespaces: every config
	# gets its own control socket in the run dir (KEY=VAL may override).
	# Likewise the state files (bindings, leases): a daemon must not
	# restore what another test left in the default state_dir.
	for f in "$TOPO_ETC"/*.conf; do
		printf 'control_socket = "%s"\n' "$TOPO_RUN/$(basename "$f" .conf).sock" >> "$f"
		printf 'state_dir = "%s"\n' "$TOPO_RUN/state-$(basename "$f" .conf)" >> "$f"
	done
	# mnd's API socket (libdmip, setsc(3)): DMIP_API_SOCKET names it.
	: "${DMIP_API_SOCKET:=$TOPO_RUN/mnd-api.sock}"
	export DMIP_API_SOCKET
	printf 'api_socket = "%s"\n' "$DMIP_API_SOCKET" >> "$TOPO_ETC/mnd.conf"
	for kv in "$@"; do
		file=; key=${kv%%=*}; val=${kv#*=}
		case "$key" in *:*) file=${key%%:*}; key=${key#*:} ;; esac
		case "$val" in
		\{*|\"*|true|false) ;;
		*[!0-9]*|'') val="\"$val\"" ;;
		esac
		if [ -n "$file" ]; then files=$TOPO_ETC/$file; else files=$(ls "$TOPO_ETC"/*.conf); fi
		for f in $files; do
			[ -f "$f" ] || { _topo_err "topo_copy_etc: no $f"; return 1; }
			if grep -q "^${key}[[:space:]]*=" "$f"; then
				# A value opened with { on its line runs to the line with }.
				K=$key V=$val awk '
				    skip { if (index($0, "}")) skip = 0; next }
				    $0 ~ "^" ENVIRON["K"] "[ \t]*=" {
					skip = index($0, "{") && !index($0, "}")
					print ENVIRON["K"] " = " ENVIRON["V"]; next
				    }
				    { print }' "$f" > "$f.new" && mv "$f.new" "$f" || return 1
			else
				printf '%s = %s\n' "$key" "$val" >> "$f"
			fi
		done
	done
	echo "$TOPO_ETC"
}

# topo_capture NODE IFACE FILE: capture on IFACE in NODE to FILE (pcapng)
# with tshark in the background; returns once tshark is capturing
# (its "Capture started" message: "Capturing on" comes too early and
# the first packets would be missed). topo_capture_stop FILE ends it
# (topo_down does too).
topo_capture() {
	local ns log pid
	ns=$(topo_ns "$1") || return 1
	_topo_run_ensure || return 1
	log="$TOPO_RUN/tshark-$1-$2.log"
	ip netns exec "$ns" tshark -n -q -i "$2" -w "$3" > "$log" 2>&1 &
	pid=$!
	_T_PIDS+=("$pid")
	_T_CAP[$3]=$pid
	if ! topo_wait_for "grep -qE 'Capture started|File: ' '$log' || ! kill -0 $pid 2>/dev/null" 10 ||
	    ! grep -qE 'Capture started|File: ' "$log"; then
		_topo_err "tshark on $1/$2 did not start:"
		sed 's/^/  | /' "$log" >&2
		return 1
	fi
}

# topo_capture_stop FILE: stop the capture writing FILE and wait for it.
# dumpcap reads the kernel's buffer only every 250 ms and SIGINT drops
# what it has not read, so wait TOPO_CAPTURE_LINGER s (default 0.4) first.
topo_capture_stop() {
	local -
	set +e		# go on to the end under the caller's set -e
	local pid=${_T_CAP[$1]:-}
	[ -n "$pid" ] || { _topo_err "no capture to $1"; return 1; }
	sleep "${TOPO_CAPTURE_LINGER:-0.4}"
	kill -INT "$pid" 2>/dev/null
	topo_wait_for "! kill -0 $pid 2>/dev/null" 5 || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "_T_CAP[$1]"
	return 0
}
