#!/bin/bash
# had_test.sh: the home agent daemon in the namespace test bed
# (tests/lib/topo.sh), driven by tests/tools/mhinject from the MN's
# care-of address. Two passes: backend seg6 on the raw MH transport,
# then backend tun on the UDP transport (port 5135). Each pass checks:
#
#   - first registration: DAD on the home link (skip_dad = false), BA 0
#     after ~1 s; the kernel state in ns ha (seg6: HoA encap seg6 to the
#     CoA; tun: HoA via dmip0) and the proxy ND entry for the HoA on ha0;
#   - a packet from the home host to the HoA reaches the MN's link
#     tunnelled HA -> CoA (proxy ND, forwarding and the tunnel work;
#     for tun, had pumps the TUN device);
#   - refresh: BA 0 at once;
#   - a BU signed with a wrong key: 146, nothing changed (the sequence
#     number it carried is still usable afterwards);
#   - the last accepted BU's bytes resent verbatim: 144, nothing changed;
#   - a new sequence number with the last accepted MESG-ID: 144;
#   - a stale sequence number with a fresh timestamp: 135 carrying the
#     last accepted sequence number, nothing changed;
#   - garbage (random bytes, a truncated BU, an unknown MH type) does not
#     kill had, which still answers (over UDP all are counted as
#     malformed);
#   - a BU from a second CoA moves the binding (seg6: the route's
#     segment), and back;
#   - lifetime 0: BA 0, route and proxy entry gone;
#   - DAD: with the home host holding the HoA, 134 and no route; without
#     it, 0 after ~1 s; then that short lifetime (4 s) expires and the
#     route and proxy entry go away;
#   - SIGHUP with a changed max_lifetime: a "restart had" warning, had
#     keeps running;
#   - SIGTERM: exit 0, no seg6 route, no rule at pref 500, the local
#     rule back at pref 0, no proxy entry, no dmip0, proxy_ndp restored.
# Then, with a home_interface that does not exist, with and without
# DAD: had starts, and a BU is answered 128 with nothing installed (the
# binding is never reported as accepted when it cannot be installed).
#
# The log lines had(8) documents are grepped exactly. Measured times
# (BU -> BA, expiry) are printed. Root only; exit 77 when network
# namespaces cannot be created.
set -u
b=${builddir:-.}
s=${srcdir:-.}
INJ=$(cd "$b" && pwd)/tests/tools/mhinject
HOA=2001:db8:10::100
SPI=4096
UDPOPT=()

npass=0 nfail=0
ok()  { echo "ok: $*"; npass=$((npass + 1)); }
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
check() {	# WHAT CMD...: ok if CMD succeeds
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root for network namespaces"
	exit 77
fi
probe="d6had$$-probe"
if ! ip netns add "$probe" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces"
	exit 77
fi
ip netns del "$probe"
[ -x "$INJ" ] || { echo "FAIL: no $INJ (make check builds it)"; exit 1; }

. "$s/tests/lib/topo.sh"
topo_trap
topo_up --static || exit 1
RUN=$(topo_log)
NSHA=$(topo_ns ha)
NSHOME=$(topo_ns home)
COA=$(topo_coa)
COA2=2001:db8:1::200
LOG=$RUN/had-ha.log

# Kernel state of ns ha that a binding may touch.
ha_state() {
	ip -n "$NSHA" -6 route show table all | grep -v '^\(local\|multicast\|anycast\) ' |
	    sed 's/ expires [0-9]*sec//'
	ip -n "$NSHA" -6 rule
	ip -n "$NSHA" -6 neigh show proxy
}
route_of_hoa() { ip -n "$NSHA" -6 route show "$HOA/128"; }
has_proxy() { ip -n "$NSHA" -6 neigh show proxy | grep -q "^$HOA dev ha0"; }
no_proxy() { ! has_proxy; }
no_route() { [ -z "$(route_of_hoa)" ]; }
has_route() {	# the backend's route for the HoA towards CoA ($1)
	local r c=${1:-$COA}
	r=$(route_of_hoa)
	case $BACKEND in
	seg6) echo "$r" | grep -q "encap seg6 mode encap.red segs 1 \[ $c \]" ;;
	tun) echo "$r" | grep -q "dev dmip0" ;;
	esac
}
in_log() { grep -qF -- "$1" "$LOG"; }
wait_log() { topo_wait_for "grep -qF -- '$1' '$LOG'" "${2:-3}"; }

# inject ARGS...: run mhinject in ns mn from $SRC (default: the CoA).
# Sets RC, STATUS,
# BASEQ, LIFE, RTT, AUTH, MESGID (the BA's) from its output.
inject() {
	local out
	out=$(topo_exec mn "$INJ" -s "${SRC:-$COA}" -d "$TOPO_HA" "${UDPOPT[@]}" "$@" \
	    2>>"$RUN/mhinject.err")
	RC=$?
	STATUS='' BASEQ='' LIFE='' RTT='' AUTH='' MESGID=
	read -r _ STATUS _ BASEQ _ LIFE <<<"$(echo "$out" | sed -n 1p)"
	read -r _ RTT _ AUTH _ MESGID <<<"$(echo "$out" | sed -n 2p)"
}
bu() { inject -H "$HOA" -i "$SPI" -k "$KEY" "$@"; }
# expect STATUS WHAT: the last mhinject got a BA with this status.
expect() {
	if [ "$RC" -eq 0 ] && [ "$STATUS" = "$1" ]; then
		ok "$2: status $1 (BA seq $BASEQ lifetime $LIFE, ${RTT} ms, auth $AUTH)"
	else
		bad "$2: wanted status $1, got '${STATUS:-no BA}' (mhinject rc $RC)"
	fi
}
ms_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

# tunnel_check WHAT: a packet from the home host to the HoA is answered
# by had's proxy ND entry, forwarded, and reaches the MN's link as
# IPv6-in-IPv6 from the HA to the CoA (RFC 2473; for the tun backend
# this also shows had pumps the TUN device from its event loop).
tunnel_check() {
	local cap=$RUN/tunnel-$BACKEND.pcap got
	topo_capture mn mn0 "$cap" || { bad "$1: capture"; return; }
	topo_exec home ping -6 -n -q -c 2 -i 0.2 -W 1 "$HOA" >/dev/null 2>&1
	topo_capture_stop "$cap"
	got=$(tshark -n -r "$cap" -Y "ipv6.nxt == 41 && ipv6.dst == $COA" \
	    -T fields -e ipv6.src -e ipv6.dst 2>/dev/null | head -1)
	[ "$got" = "$TOPO_HA,$TOPO_HOME_HOST	$COA,$HOA" ] &&
		ok "$1: home host -> HoA arrives tunnelled (outer HA -> CoA)" ||
		bad "$1: no tunnelled packet HA -> CoA for the HoA (got '$got')"
}

run_pass() {
	local before after t0 ms
	BACKEND=$1
	echo "---- pass: backend $BACKEND, transport $2"
	if [ "$2" = udp ]; then
		topo_copy_etc had.conf:backend="$BACKEND" had.conf:skip_dad=false \
		    had.conf:transport=udp > /dev/null || { bad "topo_copy_etc"; return; }
		UDPOPT=(-u 5135)
	else
		topo_copy_etc had.conf:backend="$BACKEND" had.conf:skip_dad=false \
		    > /dev/null || { bad "topo_copy_etc"; return; }
		UDPOPT=()
	fi
	KEY=$TOPO_ETC/keys/mn1-ha.key
	WRONG=$RUN/wrong.key
	(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$WRONG")
	ip netns exec "$NSHA" sysctl -qw net.ipv6.conf.ha0.proxy_ndp=0
	if ! topo_start_daemon ha had "$TOPO_ETC/had.conf" -v; then
		bad "had ($BACKEND) did not start"
		return
	fi
	HADPID=$TOPO_PID

	# First registration: DAD (~1 s), then the binding.
	bu -q 1 -l 150 -V -w "$RUN/bu1.bin"
	expect 0 "first registration"
	ms_ge "$RTT" 900 && ok "the BA waited for DAD ($RTT ms >= 900)" ||
		bad "the BA came after $RTT ms: no DAD wait?"
	[ "$LIFE" = 150 ] && ok "granted lifetime 150 units" || bad "lifetime $LIFE"
	check "log: DAD ok" in_log "DAD for $HOA on ha0: ok"
	check "log: binding added" in_log "binding $HOA -> $COA added"
	check "log: BU decision" in_log \
	    "BU from $COA seq 1 hoa $HOA coa $COA lifetime 600s: status 0 (accepted)"
	check "$BACKEND route for the HoA: $(route_of_hoa)" has_route
	check "proxy ND entry for the HoA on ha0" has_proxy
	[ "$(ip netns exec "$NSHA" sysctl -n net.ipv6.conf.ha0.proxy_ndp)" = 1 ] &&
		ok "proxy_ndp=1 on ha0" || bad "proxy_ndp not enabled on ha0"
	M1=$RTT
	tunnel_check "first registration"

	# Refresh.
	bu -q 2 -l 150 -V -w "$RUN/bu2.bin"
	expect 0 "refresh"
	check "log: binding refreshed" in_log "binding $HOA -> $COA refreshed"
	M2=$RTT
	LAST_MESGID=$MESGID
	before=$(ha_state)

	# Wrong key: 146, nothing changed.
	inject -H "$HOA" -i "$SPI" -k "$WRONG" -q 3 -l 150
	expect 146 "BU signed with a wrong key"
	check "log: BU 146" in_log \
	    "BU from $COA seq 3 hoa $HOA coa $COA lifetime 600s: status 146"
	after=$(ha_state)
	[ "$before" = "$after" ] && ok "146: kernel state unchanged" ||
		bad "146 changed the kernel state: $(diff <(echo "$before") <(echo "$after"))"

	# The last accepted BU, byte for byte: a replay.
	bu -r "$RUN/bu2.bin"
	expect 144 "the accepted BU resent verbatim (replay)"
	bu -r "$RUN/bu1.bin"
	expect 144 "the first BU resent verbatim"
	# A new sequence number cannot make an old timestamp fresh.
	bu -q 3 -l 150 -m "$LAST_MESGID" -V
	expect 144 "new seq with the last accepted MESG-ID ($LAST_MESGID)"
	after=$(ha_state)
	[ "$before" = "$after" ] && ok "144: kernel state unchanged" ||
		bad "144 changed the kernel state"

	# Stale sequence number, fresh timestamp: 135 with the last seq.
	bu -q 1 -l 150 -V
	expect 135 "stale sequence number"
	[ "$BASEQ" = 2 ] && ok "135 carries the last accepted seq (2)" ||
		bad "135 carries seq $BASEQ, not 2"
	after=$(ha_state)
	[ "$before" = "$after" ] && ok "135: kernel state unchanged" ||
		bad "135 changed the kernel state"

	# Garbage: random bytes, a truncated BU, an unknown MH type, a BU
	# with a Header Len longer than the packet.
	head -c 64 /dev/urandom > "$RUN/random.bin"
	head -c 20 "$RUN/bu2.bin" > "$RUN/trunc.bin"
	printf '\x3b\x00\x63\x00\x00\x00\x00\x00' > "$RUN/type99.bin"
	{ printf '\x3b\x09'; tail -c +3 "$RUN/bu2.bin"; } > "$RUN/hlen.bin"
	for g in random trunc type99 hlen; do
		inject -r "$RUN/$g.bin" -t 0
	done
	sleep 0.2
	check "had survives garbage" kill -0 "$HADPID"
	bu -q 3 -l 150 -V
	expect 0 "after garbage and the 146 (its seq 3 still usable)"

	# Move to a second care-of address and back (seg6 shows the peer).
	ip -n "$(topo_ns mn)" -6 addr add "$COA2/64" dev mn0 nodad
	SRC=$COA2 bu -q 4 -l 150 -V
	expect 0 "BU from a second CoA"
	check "log: binding moved" in_log "binding $HOA -> $COA2 moved from $COA"
	[ "$BACKEND" = seg6 ] && check "route now to $COA2" has_route "$COA2"
	check "proxy entry kept across the move" has_proxy
	bu -q 5 -l 150 -V
	expect 0 "BU from the first CoA again"
	check "log: binding moved back" in_log "binding $HOA -> $COA moved from $COA2"
	check "route back to $COA" has_route
	ip -n "$(topo_ns mn)" -6 addr del "$COA2/64" dev mn0

	# Deregistration.
	bu -q 6 -l 0 -V
	expect 0 "deregistration (lifetime 0)"
	check "log: binding deleted" in_log "binding $HOA deleted (deregistration)"
	check "route for the HoA gone" no_route
	check "proxy entry gone" no_proxy

	# DAD: the home host holds the HoA -> 134.
	ip -n "$NSHOME" -6 addr add "$HOA/64" dev home0 nodad
	bu -q 7 -l 150 -V
	expect 134 "first registration while the home host has the HoA"
	check "log: DAD duplicate" in_log "DAD for $HOA on ha0: duplicate"
	check "log: BU 134" in_log \
	    "BU from $COA seq 7 hoa $HOA coa $COA lifetime 600s: status 134"
	check "134: no route" no_route
	check "134: no proxy entry" no_proxy
	ip -n "$NSHOME" -6 addr del "$HOA/64" dev home0

	# DAD ok, short lifetime (1 unit = 4 s) that expires.
	bu -q 8 -l 1 -V
	expect 0 "first registration with a 4 s lifetime"
	ms_ge "$RTT" 900 && ok "DAD wait again ($RTT ms)" || bad "no DAD wait ($RTT ms)"
	M3=$RTT
	check "4 s binding: route" has_route
	t0=$(topo_now)
	EXP_MS=none
	if topo_wait_for no_route 6; then
		ms=$(topo_ms_since "$t0")
		ok "the 4 s binding expired ${ms} ms after its BA"
		EXP_MS=$ms
		# 4 s from the BU, minus the ~1 s of DAD before the BA.
		[ "$ms" -ge 2000 ] && [ "$ms" -le 5000 ] &&
			ok "expiry time plausible (2000..5000 ms)" ||
			bad "expiry after $ms ms"
	else
		bad "the 4 s binding did not expire"
	fi
	check "log: binding expired" wait_log "binding $HOA expired" 1
	check "expired: proxy entry gone" no_proxy

	# SIGHUP: what cannot change at run time is named.
	bu -q 9 -l 150 -V
	expect 0 "registration before shutdown"
	sed -i 's/^max_lifetime = .*/max_lifetime = 300/' "$TOPO_ETC/had.conf"
	kill -HUP "$HADPID"
	check "SIGHUP: max_lifetime needs a restart" \
	    wait_log "max_lifetime changed: restart had to apply it"
	check "had runs after SIGHUP" kill -0 "$HADPID"

	# SIGTERM: exit 0 and a clean namespace.
	topo_stop_daemon ha had
	rc=$?
	[ $rc -eq 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"
	check "log: final counters" in_log "stats: BU received "
	! grep -E "Sanitizer|runtime error" "$LOG" && ok "no sanitizer report" ||
		bad "sanitizer report in the had log"
	# Raw MH: a kernel with CONFIG_IPV6_MIP6 may drop malformed MH
	# before had sees them; over UDP all four must reach had.
	if [ "$2" = udp ]; then
		check "the 4 garbage messages were counted as malformed" \
		    in_log "stats: dropped: malformed 4,"
	else
		echo "info: $(grep -o 'stats: dropped: malformed [0-9]*' "$LOG")"
	fi
	check "no route for the HoA" no_route
	[ -z "$(ip -n "$NSHA" -6 route show table all | grep seg6)" ] &&
		ok "no seg6 route left" || bad "seg6 routes left: $(ip -n "$NSHA" -6 route show table all | grep seg6)"
	[ -z "$(ip -n "$NSHA" -6 rule | grep '^500:')" ] &&
		ok "no rule at pref 500" || bad "rule at pref 500 left"
	ip -n "$NSHA" -6 rule | grep -q '^0:.*lookup local' &&
		ok "local rule back at pref 0" || bad "local rule not at pref 0"
	check "no proxy entry" no_proxy
	[ -z "$(ip -n "$NSHA" -6 neigh show proxy)" ] && ok "no proxy entries at all" ||
		bad "proxy entries left"
	ip -n "$NSHA" link show dmip0 >/dev/null 2>&1 && bad "dmip0 left" ||
		ok "no dmip0 device"
	[ "$(ip netns exec "$NSHA" sysctl -n net.ipv6.conf.ha0.proxy_ndp)" = 0 ] &&
		ok "proxy_ndp restored to 0" || bad "proxy_ndp not restored"
	echo "measured ($BACKEND, $2): BU->BA first registration (DAD) $M1 ms," \
	    "refresh $M2 ms, DAD again $M3 ms; 4 s binding gone $EXP_MS ms" \
	    "after its BA"
	cp "$LOG" "$RUN/had-ha-$BACKEND.log"
}

# The data plane or DAD cannot work (no home interface): the binding
# must not be reported as accepted.
fail_pass() {	# skip_dad
	echo "---- pass: home_interface missing, skip_dad=$1"
	BACKEND=seg6
	UDPOPT=()
	topo_copy_etc had.conf:home_interface=nosuch0 had.conf:skip_dad="$1" \
	    > /dev/null || { bad "topo_copy_etc"; return; }
	KEY=$TOPO_ETC/keys/mn1-ha.key
	if ! topo_start_daemon ha had "$TOPO_ETC/had.conf" -v; then
		bad "had did not start without its home interface"
		return
	fi
	check "log: missing home interface named" in_log "home_interface nosuch0 does not exist"
	bu -q 1 -l 150 -V
	expect 128 "BU with no home interface (skip_dad=$1)"
	check "128: no route" no_route
	if [ "$1" = true ]; then
		check "log: data plane failure" in_log \
		    "binding $HOA: data plane change failed, entry removed, BA 128"
	else
		check "log: DAD not run" in_log "DAD for $HOA on nosuch0: not run"
	fi
	bu -q 2 -l 150 -V
	expect 128 "the retry is a first registration again, and fails again"
	topo_stop_daemon ha had
	rc=$?
	[ $rc -eq 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"
	check "no route left" no_route
	[ -z "$(ip -n "$NSHA" -6 rule | grep '^500:')" ] &&
		ok "no rule at pref 500" || bad "rule at pref 500 left"
	! grep -E "Sanitizer|runtime error" "$LOG" && ok "no sanitizer report" ||
		bad "sanitizer report in the had log"
	cp "$LOG" "$RUN/had-ha-fail-$1.log"
}

run_pass seg6 mh
run_pass tun udp
fail_pass true
fail_pass false

echo "had_test: $npass passed, $nfail failed"
if [ $nfail -ne 0 ]; then
	echo "--- had logs in $RUN"
	exit 1
fi
exit 0
