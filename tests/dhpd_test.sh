#!/bin/bash
# dhpd_test.sh: the Distributed Home Proxy daemon in the namespace test
# bed (tests/lib/topo.sh, static addressing). dhpd runs in dhp1 with the
# etc/ configs; tests/tools/dhpinject plays the MN (DHoA Request, DHP-BU,
# PROTOCOL.md B.11.4-B.11.7) and tests/tools/tunnelctl sets up the MN's
# side of the tunnel by hand (as tests/tunnel_test.sh does). For the seg6
# and the tun backend:
#   - a lease (DHoA in 2001:db8:d1::/64, signed answer), no route yet;
#     a DHP-BU binds it: the DHoA's route goes into the tunnel to the CoA;
#   - CN1 pings the DHoA and the MN pings CN1 from the DHoA, through DHP1;
#   - a move to a new CoA (AR2) re-points the route and pings work again;
#   - a forged DHP-BU (146), a stale one (135) and a replayed one (144)
#     change nothing; 300 malformed MHs do not hurt dhpd;
#   - the release (DHP-BU lifetime 0, R) removes the lease and the
#     route; the next DHP-BU for it gets 200; CN1 gets unreachable;
#   - SIGTERM: exit 0, and dhp1's kernel state (rules, routes of every
#     table, addresses, links, seg6 tunnel source, forwarding) is exactly
#     what it was before dhpd started.
# Then, over the UDP transport with a one-address pool and a second MN:
# bind-now (B), pool exhausted (130), quarantine then reuse, continuity
# type not offered (204).
#
# Root only; exit 77 if network namespaces cannot be created. Touches
# nothing in the root namespace; only 2001:db8::/32 addresses.
set -u
# shellcheck source=tests/lib/topo.sh
. "${srcdir:-.}/tests/lib/topo.sh"

INJ=$TOPO_BUILDDIR/tests/tools/dhpinject
CTL=$TOPO_BUILDDIR/tests/tools/tunnelctl
DMIPCTL=$TOPO_BUILDDIR/tools/dmipctl
COA1=2001:db8:1::100
COA2=2001:db8:2::100
HOA2=2001:db8:10::200
SPI2=8200
KEY2=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

npass=0 nfail=0
ok()  { echo "ok: $*"; npass=$((npass + 1)); }
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

probe="d6tdhpprobe$$"
if ! ip netns add "$probe" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces (needs root)"
	exit 77
fi
ip netns del "$probe"
for f in "$INJ" "$CTL" "$TOPO_BUILDDIR/dhp/dhpd"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done

# ---- helpers ----------------------------------------------------------

CPID= CFD=
stop_ctl() {
	if [ -n "$CFD" ]; then
		eval "exec $CFD>&-"
		CFD=
	fi
	if [ -n "$CPID" ]; then
		kill "$CPID" 2>/dev/null
		wait "$CPID" 2>/dev/null
		CPID=
	fi
}
cleanup() {
	local rc=$?
	stop_ctl
	topo_down "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The MN side of the tunnel: tunnelctl reads commands from a FIFO.
start_ctl() {	# backend local ifname
	local w=$TOPO_RUN i fd
	rm -f "$w/ctl.in"
	mkfifo "$w/ctl.in"
	: > "$w/ctl.out"
	topo_exec mn "$CTL" -v run "$1" mn "$2" "$3" < "$w/ctl.in" \
	    > "$w/ctl.out" 2> "$w/ctl.err" &
	CPID=$!
	exec {fd}> "$w/ctl.in"
	CFD=$fd
	for i in $(seq 50); do
		grep -q '^ok setup' "$w/ctl.out" && return 0
		grep -q '^error setup' "$w/ctl.out" && return 1
		kill -0 "$CPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
ctl() {
	local i
	echo "$*" >&"$CFD"
	for i in $(seq 50); do
		grep -qxF "ok $*" "$TOPO_RUN/ctl.out" && return 0
		grep -q "^error $*" "$TOPO_RUN/ctl.out" && return 1
		sleep 0.1
	done
	return 1
}
teardown_ctl() {
	local rc=0
	ctl teardown || rc=1
	eval "exec $CFD>&-"
	CFD=
	wait "$CPID" 2>/dev/null || rc=1
	CPID=
	return $rc
}

# inject ARGS...: one dhpinject run from the MN as mn1 (SPI 8192);
# its answer line in $OUT.
inject() {
	OUT=$(topo_exec mn "$INJ" -d "$TOPO_DHP1" -k "$TOPO_ETC/keys/mn1-dhp1.key" \
	    "$@" 2>&1)
}
# inject2 ARGS...: the same as mn2.
inject2() {
	OUT=$(topo_exec mn "$INJ" -d "$TOPO_DHP1" -H "$HOA2" -S "$SPI2" \
	    -K "$KEY2" "$@" 2>&1)
}
# get FIELD: a key=value field of $OUT.
get() { echo " $OUT" | sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -1; }
# answered STATUS: $OUT is a signed answer with that status.
answered() {
	[ "$(get status)" = "$1" ] && [ "$(get auth)" = ok ] && return 0
	echo "    got: $OUT" >&2
	return 1
}

dhp_route() { ip -n "$(topo_ns dhp1)" -6 route show "$1/128" 2>/dev/null; }
# routed_to BACKEND DHOA COA: the DHoA's route goes into the tunnel
# (seg6: encap to the CoA; tun: the tun device, the peer is dhpd's).
routed_to() {
	local r
	r=$(dhp_route "$2")
	case "$1" in
	seg6) [[ $r == *"encap seg6 mode encap.red segs 1 [ $3 ]"* ]] ;;
	*) [[ $r == *"dev dmip0"* ]] ;;
	esac || { echo "    route: ${r:-none}" >&2; return 1; }
}
not_routed() { [ -z "$(dhp_route "$1")" ]; }
log_has() { grep -qF -- "$1" "$TOPO_RUN/dhpd-dhp1.log"; }
ping_cn_dhoa() { topo_exec cn1 ping -6 -n -q -c 2 -i 0.2 -W 2 "$1" >/dev/null 2>&1; }
ping_mn_dhoa() {
	topo_exec mn ping -6 -n -q -c 2 -i 0.2 -W 2 -I "$1" "$TOPO_CN1" \
	    >/dev/null 2>&1
}
alive() { kill -0 "$TOPO_PID" 2>/dev/null; }

# Kernel state of dhp1 that dhpd may touch.
snapshot() {
	local ns
	ns=$(topo_ns dhp1)
	echo "== rules"; ip -n "$ns" -6 rule
	echo "== routes"; ip -n "$ns" -6 route show table all
	echo "== addresses"; ip -n "$ns" -6 -o addr | awk '{print $2, $4}'
	echo "== links"; ip -n "$ns" -o link | awk '{print $2}'
	echo "== tunsrc"; ip netns exec "$ns" ip sr tunsrc show 2>&1
	echo "== forwarding"; ip netns exec "$ns" cat /proc/sys/net/ipv6/conf/all/forwarding
}

# ---- one backend ----------------------------------------------------------

run_backend() {
	local be=$1 L="[$1]" dhoa rc
	topo_copy_etc "dhpd.conf:backend=$be" > /dev/null || { bad "$L config"; return; }
	snapshot > "$TOPO_RUN/before.$be"
	if ! topo_start_daemon dhp1 dhpd "$TOPO_ETC/dhpd.conf" -v; then
		bad "$L dhpd start"
		return
	fi
	check "$L started with the $be backend" log_has "; $be backend"

	# 1. Lease, then bind with a DHP-BU.
	inject -s $COA1 -q 1 -l 600 req
	dhoa=$(get dhoa)
	if answered 0 && [[ $dhoa == 2001:db8:d1:* ]] &&
	    [ "$(get lifetime)" = 600 ] && [ "$(get tep)" = "$TOPO_DHP1" ] &&
	    [ "$(get B)" = 0 ]; then
		ok "$L DHoA Request: $dhoa leased for 600 s, answer signed"
	else
		bad "$L DHoA Request"
		return
	fi
	check "$L log: DHoA leased" log_has "DHoA $dhoa leased to $TOPO_HOA for 600s"
	check "$L no route before the binding" not_routed "$dhoa"
	inject -s $COA1 -q 10 -D "$dhoa" -O "$TOPO_RUN/bu10" bu
	if answered 0 && [ "$(get lifetime)" = 300 ] && [ "$(get bra)" = 240 ]; then
		ok "$L DHP-BU accepted: 300 s, refresh advice 240 s"
	else
		bad "$L DHP-BU"
	fi
	check "$L DHoA routed into the tunnel to $COA1" routed_to "$be" "$dhoa" $COA1
	check "$L log: binding added" log_has "DHP binding $dhoa -> $COA1 added"
	check "$L log: DHP-BU decision" log_has "DHP-BU from $COA1 seq 10 dhoa $dhoa coa $COA1 lifetime 300s: status 0 (accepted)"
	if [ -x "$DMIPCTL" ]; then
		OUT=$("$DMIPCTL" -s "$TOPO_RUN/dhpd.sock" -j show bindings)
		check "$L dmipctl show bindings" eval '[[ $OUT == *"\"dhoa\":\"$dhoa\",\"hoa\":\"$TOPO_HOA\",\"coa\":\"$COA1\",\"state\":\"active\",\"lifetime\":300,"*"\"seq\":10}"* ]]'
		OUT=$("$DMIPCTL" -s "$TOPO_RUN/dhpd.sock" -j stats)
		check "$L dmipctl stats" eval '[[ $OUT == *"\"leases\":1,"*"\"bindings\":1,"* ]]'
	fi

	# 2. The MN's side by hand; pings both ways through DHP1.
	if start_ctl "$be" $COA1 mn0 && ctl bind "$dhoa" "$TOPO_DHP1"; then
		ok "$L MN side of the tunnel bound"
	else
		bad "$L MN side: $(cat "$TOPO_RUN/ctl.err")"
		return
	fi
	check "$L CN1 pings the DHoA" ping_cn_dhoa "$dhoa"
	check "$L the MN pings CN1 from the DHoA" ping_mn_dhoa "$dhoa"

	# 3. Move to AR2.
	topo_handoff_b 2 > /dev/null || { bad "$L handoff to AR2"; return; }
	inject -s $COA2 -q 11 -D "$dhoa" bu
	check "$L DHP-BU from the new CoA accepted" answered 0
	check "$L route re-pointed to $COA2" routed_to "$be" "$dhoa" $COA2
	check "$L log: binding moved" log_has "DHP binding $dhoa -> $COA2 moved from $COA1"
	if ctl local $COA2 mn0; then
		check "$L CN1 pings the DHoA after the move" ping_cn_dhoa "$dhoa"
		check "$L the MN pings CN1 from the DHoA after the move" ping_mn_dhoa "$dhoa"
	else
		bad "$L MN side: set_local"
	fi

	# 4. Forged, stale, replayed: answered, nothing changes.
	inject -s $COA2 -c $COA1 -q 12 -D "$dhoa" -X bu
	check "$L forged DHP-BU (bad MAC): 146" answered 146
	inject -s $COA2 -c $COA1 -q 11 -D "$dhoa" bu
	if answered 135 && [ "$(get seq)" = 11 ]; then
		ok "$L stale sequence: 135 with the last accepted (11)"
	else
		bad "$L stale sequence"
	fi
	inject -s $COA2 -I "$TOPO_RUN/bu10"
	check "$L replayed DHP-BU (to the old CoA): 144" answered 144
	inject -s $COA2 -K "$KEY2" -S 4242 -w 1000 -q 13 -D "$dhoa" bu
	if [ -z "$(get status)" ]; then
		ok "$L DHP-BU with an unknown SPI: no answer"
	else
		bad "$L unknown SPI answered: $OUT"
	fi
	check "$L route still to $COA2 after them" routed_to "$be" "$dhoa" $COA2
	check "$L log: 146, 135, 144" eval 'log_has "status 146 (MIPV6-AUTH-FAIL)" &&
	    log_has "status 135 (sequence number out of window)" &&
	    log_has "status 144 (MIPV6-ID-MISMATCH)"'

	# 5. Garbage.
	inject -s $COA2 -g 300
	sleep 0.3
	check "$L 300 malformed MHs: dhpd still runs" alive
	inject -s $COA2 -q 14 -D "$dhoa" bu
	check "$L ... and still answers (refresh accepted)" answered 0
	check "$L ... traffic still flows" ping_cn_dhoa "$dhoa"

	# 6. Release.
	inject -s $COA2 -q 15 -D "$dhoa" -R -l 0 bu
	if answered 0 && [ "$(get lifetime)" = 0 ]; then
		ok "$L release (DHP-BU lifetime 0, R) accepted"
	else
		bad "$L release"
	fi
	check "$L route removed" not_routed "$dhoa"
	check "$L log: binding deleted, DHoA released" eval \
	    'log_has "DHP binding $dhoa -> $COA2 deleted (released)" &&
	    log_has "DHoA $dhoa released by $TOPO_HOA"'
	inject -s $COA2 -q 16 -D "$dhoa" bu
	check "$L DHP-BU for the released DHoA: 200" answered 200
	if topo_exec cn1 ping -6 -n -c 1 -W 2 "$dhoa" 2>&1 | grep -qi unreachable; then
		ok "$L CN1 -> released DHoA: destination unreachable from DHP1"
	else
		bad "$L CN1 -> released DHoA: no unreachable"
	fi

	# 7. Shutdown.
	teardown_ctl || bad "$L MN side teardown"
	topo_stop_daemon dhp1 dhpd
	rc=$?
	check "$L SIGTERM: dhpd exits 0 (got $rc)" test $rc -eq 0
	check "$L log: stopped" log_has "dhpd stopped"
	snapshot > "$TOPO_RUN/after.$be"
	if diff -u "$TOPO_RUN/before.$be" "$TOPO_RUN/after.$be" > "$TOPO_RUN/diff.$be"; then
		ok "$L no kernel state left in dhp1"
	else
		bad "$L kernel state left in dhp1:"
		sed 's/^/    /' "$TOPO_RUN/diff.$be"
	fi
	cp "$TOPO_RUN/dhpd-dhp1.log" "$TOPO_RUN/dhpd-dhp1.$be.log"
	# Back to AR1 for the next run.
	topo_handoff_b 1 > /dev/null && topo_prune || bad "$L back to AR1"
}

# ---- pool exhaustion, quarantine, 204, bind-now, over UDP -------------------

run_small_pool() {
	local L="[udp, one-address pool]" d=2001:db8:d1::5 rc
	topo_copy_etc transport=udp 'dhpd.conf:pools={"2001:db8:d1::5/128"}' \
	    dhpd.conf:quarantine=3 > /dev/null || { bad "$L config"; return; }
	printf '# mn2 for dhpd_test.sh\n%s\n' "$KEY2" > "$TOPO_ETC/keys/mn2-dhp1.key"
	chmod 600 "$TOPO_ETC/keys/mn2-dhp1.key"
	cat >> "$TOPO_ETC/dhpd.conf" <<-EOF
	sa $SPI2 {
		alg = "hmac-sha256-128"
		key_file = "keys/mn2-dhp1.key"
	}
	mobile_node mn2 {
		home_address = "$HOA2"
		spi = $SPI2
	}
	EOF
	snapshot > "$TOPO_RUN/before.udp"
	topo_start_daemon dhp1 dhpd "$TOPO_ETC/dhpd.conf" -v || { bad "$L dhpd start"; return; }

	inject -u 5135 -s $COA1 -q 1 -t fixed req
	check "$L continuity type not offered (fixed): 204" answered 204
	inject -u 5135 -s $COA1 -q 2 -B req
	if answered 0 && [ "$(get dhoa)" = $d ] && [ "$(get B)" = 1 ] &&
	    [ "$(get bra)" = 240 ]; then
		ok "$L mn1 gets $d with bind-now (B set, refresh 240 s)"
	else
		bad "$L bind-now lease"
	fi
	check "$L bind-now routed $d to $COA1" routed_to seg6 $d $COA1
	inject2 -u 5135 -s $COA1 -q 1 req
	check "$L mn2: pool exhausted, 130" answered 130
	check "$L log: 130" log_has "DHoA request from $HOA2 seq 1 dhoa any lifetime 600s type session-lasting: status 130 (insufficient resources)"
	inject -u 5135 -s $COA1 -q 3 -D $d -l 0 req
	check "$L mn1 releases it (DHoA Request lifetime 0)" answered 0
	check "$L route removed" not_routed $d
	inject2 -u 5135 -s $COA1 -q 2 req
	check "$L mn2 right after: still 130 (quarantine 3 s)" answered 130
	sleep 3.2
	inject2 -u 5135 -s $COA1 -q 3 req
	if answered 0 && [ "$(get dhoa)" = $d ]; then
		ok "$L mn2 gets $d after the quarantine"
	else
		bad "$L reuse after the quarantine"
	fi
	inject -u 5135 -s $COA1 -q 4 -D $d req
	check "$L mn1 asks for mn2's DHoA: 201" answered 201
	# SIGHUP: a shorter lease_lifetime applies to the next grant.
	sed -i 's/^lease_lifetime = .*/lease_lifetime = 100/' "$TOPO_ETC/dhpd.conf"
	kill -HUP "$TOPO_PID"
	topo_wait_for "log_has 'reload: 2 mobile nodes, lease 100s'" 3 ||
	    bad "$L SIGHUP not logged"
	inject2 -u 5135 -s $COA1 -q 4 req
	if answered 0 && [ "$(get dhoa)" = $d ] && [ "$(get lifetime)" = 100 ]; then
		ok "$L after SIGHUP the renewal is granted 100 s"
	else
		bad "$L SIGHUP lease_lifetime"
	fi

	topo_stop_daemon dhp1 dhpd
	rc=$?
	check "$L SIGTERM: dhpd exits 0 (got $rc)" test $rc -eq 0
	snapshot > "$TOPO_RUN/after.udp"
	if diff -u "$TOPO_RUN/before.udp" "$TOPO_RUN/after.udp" > "$TOPO_RUN/diff.udp"; then
		ok "$L no kernel state left in dhp1"
	else
		bad "$L kernel state left in dhp1:"
		sed 's/^/    /' "$TOPO_RUN/diff.udp"
	fi
}

topo_up --static || exit 1
if [ -e /proc/sys/net/ipv6/conf/all/seg6_enabled ]; then
	run_backend seg6
else
	echo "SKIP: seg6 backend: kernel has no seg6 (CONFIG_IPV6_SEG6_LWTUNNEL)"
fi
run_backend tun
if [ -e /proc/sys/net/ipv6/conf/all/seg6_enabled ]; then
	run_small_pool
fi

echo "dhpd_test: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
