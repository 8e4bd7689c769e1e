# shellcheck shell=bash
# mip_e2e.sh: end-to-end home registration with the real had and mnd in
# the namespace test bed (tests/lib/topo.sh). Sourced by the wrappers
# tests/mip_{seg6,tun,mixed,ip6tnl}.sh, which set
#   MIP_HA_BACKEND, MIP_MN_BACKEND   backend of had and of mnd
#   MIP_NAME                         label for the summary line
#
# Scenario B (one MN port, TESTBED 5 method B: the port moves bridges):
#   1. the MN registers from AR1 (DAD at the HA included); a TCP server
#      bound to the HoA on the MN is reached from CN1; tshark on the HA's
#      LAN sees the BU and BA with AUTH, and IPv6-in-IPv6 with outer
#      addresses CoA <-> HA;
#   2. handoff AR1 -> AR2 during a paced 3 MB transfer HoA -> CN1: the
#      bytes arrive intact (SHA-256), the new binding is logged by both
#      daemons, and the interruption (last tunnelled packet on the old
#      CoA to the first on the new one, from the capture) is printed;
#   3. the MN goes home: it deregisters, the HA's binding and route go,
#      CN1 reaches the HoA natively on the home link (no tunnel); then it
#      leaves home again and registers anew;
#   and SIGTERM: mnd deregisters and removes its kernel state, had
#      removes its own; both exit 0.
# Scenario A (two MN ports, method A: one goes down, the other up): a
#   transfer across the handoff, same checks as 2.
#
# Exit 0 when all checks pass, 1 otherwise, 77 when namespaces cannot
# be made here (or the backend's kernel support is missing: ip6tnl).
set -u
. "${srcdir:-.}/tests/lib/topo.sh"

HA_BE=${MIP_HA_BACKEND:-seg6}
MN_BE=${MIP_MN_BACKEND:-seg6}
NAME=${MIP_NAME:-$HA_BE/$MN_BE}
XFER=$TOPO_SRCDIR/tests/tools/tcpxfer.py
PORT=5001

. "$TOPO_SRCDIR/tests/lib/checks.sh"
row() { printf '  %-44s %s\n' "$1" "$2"; }

checks_need_netns

topo_trap

mnd_log() { cat "$TOPO_RUN/mnd-mn.log"; }
had_log() { cat "$TOPO_RUN/had-ha.log"; }
# wait_log FILE PATTERN SECS: until a line of FILE matches (grep -E).
# Count lines of a log matching a fixed string.
nlog() { grep -cF -- "$2" "$TOPO_RUN/$1" 2>/dev/null || true; }

# The HA's kernel route for the HoA: "tunnel" when it goes into the
# tunnel (seg6 encap, the tun device or an ip6tnl device), "home" when
# it is delivered on the home link.
ha_hoa_path() {
	local r
	r=$(topo_exec ha ip -6 route get "$TOPO_HOA" 2>/dev/null | head -n 1)
	case "$r" in
	*"encap seg6"*|*"dev dmip"*|*"dev ip6tnl"*|*"dev d6t"*) echo tunnel ;;
	*"dev ha0"*) echo home ;;
	*) echo "other: $r" ;;
	esac
}

# Start the daemons with the configs of etc/ and the backends under test.
start_daemons() {
	topo_copy_etc "had.conf:backend=$HA_BE" "mnd.conf:backend=$MN_BE" "$@" \
	    > /dev/null || return 1
	topo_start_daemon ha had "$TOPO_ETC/had.conf" -v || return 1
	topo_start_daemon mn mnd "$TOPO_ETC/mnd.conf" -v || return 1
}

# serve BYTES RATE SEED: TCP server bound to the HoA on the MN, in the
# background; its output goes to $TOPO_RUN/serve.out.
serve() {
	rm -f "$TOPO_RUN/serve.out"
	topo_exec mn python3 "$XFER" serve "$TOPO_HOA" $PORT "$1" "$2" "$3" \
	    > "$TOPO_RUN/serve.out" 2>&1 &
	_T_PIDS+=($!)
	SERVE_PID=$!
	topo_wait_for "grep -q listening '$TOPO_RUN/serve.out'" 5
}

# fetch: CN1 connects to the HoA and reads to EOF -> $TOPO_RUN/fetch.out
fetch_bg() {
	rm -f "$TOPO_RUN/fetch.out"
	topo_exec cn1 python3 "$XFER" fetch "$TOPO_HOA" $PORT 30 \
	    > "$TOPO_RUN/fetch.out" 2>&1 &
	_T_PIDS+=($!)
	FETCH_PID=$!
}

# Both ends saw the same bytes: prints "N bytes in S s" on success.
same_bytes() {
	local s f
	wait "$FETCH_PID"
	wait "$SERVE_PID"
	s=$(awk '/^bytes/ { print $2, $4 }' "$TOPO_RUN/serve.out")
	f=$(awk '/^bytes/ { print $2, $4 }' "$TOPO_RUN/fetch.out")
	if [ -z "$s" ] || [ "$s" != "$f" ] || [ "${s%% *}" != "$1" ]; then
		echo "  server: $(cat "$TOPO_RUN/serve.out")"
		echo "  client: $(cat "$TOPO_RUN/fetch.out")"
		return 1
	fi
}

# Tunnelled packets in a capture, as "time outer-src outer-dst" lines.
tunnel_rows() {
	tshark -n -r "$1" -Y 'ipv6.nxt == 41' -E occurrence=f \
	    -T fields -e frame.time_epoch -e ipv6.src -e ipv6.dst 2>/dev/null
}

# interruption PCAP OLD NEW: for each direction, ms from the last
# tunnelled packet on the old CoA to the first on the new one ("up" is
# MN -> HA, "down" HA -> MN). Negative: both paths carried packets at the
# same time (the HA still sent to the old CoA while the MN already used
# the new one), so no gap.
interruption() {
	tunnel_rows "$1" | awk -v o="$2" -v n="$3" -v h="$TOPO_HA" '
	    $2 == o { lu = $1 } $3 == o { ld = $1 }
	    $2 == n && !fu { fu = $1 } $3 == n && !fd { fd = $1 }
	    END {
		if (!lu || !fu || !ld || !fd) { print "n/a"; exit }
		printf "up %.0f ms, down %.0f ms\n", (fu - lu) * 1000, (fd - ld) * 1000
	    }'
}

scenario_b() {
	local coa1 coa2 t0 ms pc n gap
	echo "== scenario B ($NAME): register, handoff by re-bridging, home"
	topo_up || { bad "topology"; return; }
	pc=$TOPO_RUN/ha-lan0.pcapng	# TOPO_RUN exists from topo_up on
	coa1=$(topo_coa 1)
	topo_capture ha lan0 "$pc" || { bad "capture"; return; }
	t0=$(topo_now)
	start_daemons || { bad "daemons start"; return; }
	if wait_log mnd-mn.log "registered $TOPO_HOA via $coa1" 6; then
		ms=$(topo_ms_since "$t0")
		ok "1: registered from $coa1"
		row "registration (mnd start -> BA, DAD incl.)" "$ms ms"
	else
		bad "1: no registration from $coa1"
		return
	fi
	check "1: had logs the binding" \
		grep -qF "binding $TOPO_HOA -> $coa1 added" "$TOPO_RUN/had-ha.log"
	check "1: the HA routes the HoA into the tunnel" \
		test "$(ha_hoa_path)" = tunnel
	check "1: dmipctl show bindings (had, JSON): $TOPO_HOA -> $coa1 active" \
		ctl_binding "$coa1"

	serve 65536 10000000 one && fetch_bg
	check "1: CN1 reaches the TCP server on the HoA (64 KiB intact)" \
		same_bytes 65536
	check "1: CN1 pings the HoA" \
		topo_exec cn1 ping -6 -n -q -c 2 -i 0.2 -W 1 "$TOPO_HOA" >/dev/null

	# 2: handoff during a transfer (3 MB at 1 MB/s).
	serve 3000000 1000000 two && fetch_bg
	sleep 1
	if ! topo_handoff_b 2; then
		bad "2: handoff B to AR2"
		return
	fi
	coa2=$(topo_coa 2)
	if wait_log mnd-mn.log "registered $TOPO_HOA via $coa2" 5; then
		ms=$(topo_ms_since "$TOPO_HO_T0")
		ok "2: re-registered from $coa2"
		row "handoff B: port moved -> address" "$TOPO_HO_ADDR_MS ms"
		row "handoff B: port moved -> BA (mnd log seen)" "$ms ms"
	else
		bad "2: no registration from $coa2"
	fi
	check "2: had moved the binding" grep -qF \
		"binding $TOPO_HOA -> $coa2 moved from $coa1" "$TOPO_RUN/had-ha.log"
	check "2: the 3 MB transfer across the handoff arrived intact" \
		same_bytes 3000000
	row "2: transfer" "$(awk '/^bytes/ { print $2 " bytes in " $6 " s" }' "$TOPO_RUN/fetch.out")"
	check "2: mnd deleted the stale CoA $coa1" \
		topo_wait_for "! topo_coa 1 >/dev/null" 2

	# 3: home and back.
	topo_handoff_b home || { bad "3: handoff to the home link"; return; }
	t0=$TOPO_HO_T0
	if wait_log mnd-mn.log "deregistered $TOPO_HOA" 5; then
		ok "3: mnd deregistered at home"
		row "home: port moved -> deregistration acked" "$(topo_ms_since "$t0") ms"
	else
		bad "3: no deregistration at home"
	fi
	check "3: had deleted the binding" \
		grep -qF "binding $TOPO_HOA deleted" "$TOPO_RUN/had-ha.log"
	check "3: the HA now delivers the HoA on the home link" \
		topo_wait_for "test \"\$(ha_hoa_path)\" = home" 2
	n=$(tunnel_rows "$pc" | wc -l)
	check "3: CN1 pings the HoA natively" \
		topo_wait_for "topo_exec cn1 ping -6 -n -q -c 1 -W 0.5 $TOPO_HOA >/dev/null" 4
	topo_capture_stop "$pc"
	check "3: ... and no packet was tunnelled for it" \
		test "$(tunnel_rows "$pc" | wc -l)" -eq "$n"

	# Interruption of the handoff, from the capture.
	gap=$(interruption "$pc" "$coa1" "$coa2")
	row "2: interruption (last pkt via old CoA -> first via new)" "$gap"
	check "2: the capture shows the tunnel on both CoAs" test "$gap" != n/a
	check "1: BU CoA -> HA with AUTH (SPI 4096) and BA HA -> CoA on the wire" \
		capture_signalling "$pc" "$coa1"
	check "1: tunnelled packets CoA <-> HA in both directions" \
		tunnel_both_ways "$pc" "$coa1"

	topo_handoff_b 1 || { bad "3: leaving home for AR1"; return; }
	coa1=$(topo_coa 1)
	check "3: registered again from $coa1 after leaving home" \
		wait_log mnd-mn.log "registered $TOPO_HOA via $coa1" 5
	check "3: CN1 reaches the HoA through the tunnel again" \
		topo_wait_for "topo_exec cn1 ping -6 -n -q -c 1 -W 0.5 $TOPO_HOA >/dev/null" 4

	stop_daemons
	topo_down $((nfail > 0))
}

# ctl_binding COA: had's `show bindings` (JSON) has the HoA bound to COA,
# active, with a lifetime and an expiry; `stats` counts one binding.
ctl_binding() {
	local j
	j=$("$TOPO_BUILDDIR/tools/dmipctl" -s "$TOPO_RUN/had.sock" --json show bindings) || return 1
	echo "$j" | H=$TOPO_HOA C=$1 python3 -c '
import json, os, sys
b = json.load(sys.stdin)["bindings"]
ok = [x for x in b if x["hoa"] == os.environ["H"] and x["coa"] == os.environ["C"]
      and x["state"] == "active" and x["lifetime"] > 0 and x["expires_in"] is not None]
sys.exit(0 if len(b) == 1 and ok else 1)' || { echo "  had: $j"; return 1; }
	"$TOPO_BUILDDIR/tools/dmipctl" -s "$TOPO_RUN/had.sock" --json stats |
	    python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["bindings"] != 1)'
}

# capture_signalling PCAP COA: a BU from COA to the HA carrying the HoA
# option and AUTH with SPI 4096, and a BA back.
capture_signalling() {
	local bu ba
	bu=$(tshark -n -r "$1" -Y "mip6.mhtype == 5 && ipv6.src == $2 && ipv6.dst == $TOPO_HA && mip6.auth.mobility_spi == 4096" 2>/dev/null | wc -l)
	ba=$(tshark -n -r "$1" -Y "mip6.mhtype == 6 && ipv6.src == $TOPO_HA && ipv6.dst == $2 && mip6.auth.mobility_spi == 4096" 2>/dev/null | wc -l)
	echo "  capture: $bu BU and $ba BA for $2"
	[ "$bu" -ge 1 ] && [ "$ba" -ge 1 ]
}

tunnel_both_ways() {
	local rows
	rows=$(tunnel_rows "$1")
	echo "$rows" | awk -v c="$2" -v h="$TOPO_HA" '
	    $2 == c && $3 == h { up++ } $2 == h && $3 == c { down++ }
	    END { printf "  capture: %d packets CoA->HA, %d HA->CoA\n", up, down
		  exit !(up > 0 && down > 0) }'
}

# SIGTERM both daemons; mnd deregisters first; nothing stays behind.
stop_daemons() {
	local rc
	topo_stop_daemon mn mnd
	rc=$?
	check "mnd exits 0 on SIGTERM" test $rc -eq 0
	check "mnd sent a deregistration on exit" \
		grep -qF "binding $TOPO_HOA deleted" <(tail -n 20 "$TOPO_RUN/had-ha.log")
	check "mnd left no HoA on lo and no 'from HoA' rule" \
		test -z "$(topo_exec mn ip -6 addr show dev lo | grep -F "$TOPO_HOA/")$(topo_exec mn ip -6 rule | grep -F "$TOPO_HOA")"
	topo_stop_daemon ha had
	rc=$?
	check "had exits 0 on SIGTERM" test $rc -eq 0
	check "had left no route for the HoA and no proxy entry" \
		test -z "$(topo_exec ha ip -6 route show table all | grep -F "$TOPO_HOA")$(topo_exec ha ip -6 neigh show proxy | grep -F "$TOPO_HOA")"
}

scenario_a() {
	local coa1 coa2 pc gap
	echo "== scenario A ($NAME): handoff by interface down/up"
	topo_up --two-ifaces || { bad "topology (two interfaces)"; return; }
	pc=$TOPO_RUN/ha-lan0-a.pcapng
	coa1=$(topo_coa 1)
	topo_capture ha lan0 "$pc" || { bad "capture"; return; }
	start_daemons 'mnd.conf:interfaces={"mn1", "mn2"}' ||
		{ bad "daemons start"; return; }
	check "A: registered from $coa1" \
		wait_log mnd-mn.log "registered $TOPO_HOA via $coa1" 6 || return
	serve 3000000 1000000 three && fetch_bg
	sleep 1
	topo_handoff_a 2 || { bad "A: handoff to mn2"; return; }
	coa2=$(topo_coa 2)
	if wait_log mnd-mn.log "registered $TOPO_HOA via $coa2" 5; then
		ok "A: re-registered from $coa2"
		row "handoff A: link down/up -> address" "$TOPO_HO_ADDR_MS ms"
		row "handoff A: link down/up -> BA (mnd log seen)" "$(topo_ms_since "$TOPO_HO_T0") ms"
	else
		bad "A: no registration from $coa2"
	fi
	check "A: the 3 MB transfer across the handoff arrived intact" \
		same_bytes 3000000
	row "A: transfer" "$(awk '/^bytes/ { print $2 " bytes in " $6 " s" }' "$TOPO_RUN/fetch.out")"
	topo_capture_stop "$pc"
	gap=$(interruption "$pc" "$coa1" "$coa2")
	row "A: interruption (last pkt via old CoA -> first via new)" "$gap"
	check "A: the capture shows the tunnel on both CoAs" test "$gap" != n/a
	stop_daemons
	topo_down $((nfail > 0))
}

scenario_b
[ "$nfail" -eq 0 ] || topo_down 1
scenario_a
echo "mip_e2e $NAME: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
