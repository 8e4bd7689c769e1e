#!/bin/bash
# reliab_mnd_restart.sh: mnd survives SIGKILL (issue 8, "mnd restores
# its binding update list and flow decisions"), in the namespace test
# bed (tests/lib/topo.sh) with the real had, two dhpd and mnd:
#
# 1. mnd classifies (policy row: tcp dport 7001 is session-lasting); a
#    paced TCP transfer from CN1:7001 to a client on the MN that binds
#    nothing (its source is the CoA): mnd anchors it transparently on a
#    DHoA at DHP1 and CN1 sees the DHoA as its peer. mnd gets kill -9
#    mid-transfer and is started again within about a second with the
#    same state_dir. Checked: the restart logs the restored home
#    binding, the anchor and the flow; no BU, DHP-BU, DHoA Request or
#    DHP Query leaves until the handoff below (had and dhpd1 count none
#    either: same DHoA, one lease); `dmipctl show flows` of the new mnd
#    lists the flow on its DHoA; a handoff (AR1 -> AR2, method B) after
#    the restart moves the DHoA's binding; the transfer completes
#    byte-exact (SHA-256 at both ends).
# 2. mnd killed again, its state file corrupted: the restart logs why,
#    renames it to mnd.state.bad, starts fresh and registers again.
# 3. SIGTERM: mnd exits 0 and leaves a file with no binding, anchor or
#    flow in it (nothing given back is restored later).
#
# Prints the transfer's longest stall around the restart. Root only;
# exit 77 when network namespaces cannot be created.
set -u
. "${srcdir:-.}/tests/lib/topo.sh"

XFER=$TOPO_SRCDIR/tests/tools/tcpxfer.py
CTL=$TOPO_BUILDDIR/tools/dmipctl
PORT=7001
BYTES=4000000
RATE=320000	# B/s: about 12.5 s

. "$TOPO_SRCDIR/tests/lib/checks.sh"
row() { printf '  %-48s %s\n' "$1" "$2"; }

checks_need_netns
for t in ip6tables python3; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
for f in "$CTL" "$TOPO_BUILDDIR/mn/mnd" "$TOPO_BUILDDIR/ha/had" \
    "$TOPO_BUILDDIR/dhp/dhpd"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done

topo_trap

R() { echo "$TOPO_RUN/$1"; }
has_log() { grep -qF -- "$2" "$TOPO_RUN/$1"; }
count_log() { grep -cF -- "$2" "$TOPO_RUN/$1"; }
ctl() {
	local s=$1
	shift
	"$CTL" -s "$TOPO_RUN/$s.sock" -j "$@"
}
jget() {
	python3 -c 'import json, sys; j = json.loads(sys.argv[1]); v = eval(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}
in_prefix() {
	python3 -c 'import ipaddress, sys; sys.exit(ipaddress.ip_address(sys.argv[1]) not in ipaddress.ip_network(sys.argv[2] + "/64"))' "$1" "$2" 2>/dev/null
}
stat_of() { jget "$(ctl "$1" stats)" "j.get('$2', '')"; }
leases() { jget "$(ctl "$1" show leases)" '" ".join(r["dhoa"] for r in j["leases"])'; }
# The anchor of the flow to CN1:PORT in mnd's flow table ("" if none).
flow_anchor() {
	jget "$(ctl mnd show flows)" "next((f['anchor'] for f in j.get('flows', []) if f.get('dport') == $PORT and f.get('proto') == 'tcp'), '')"
}

# ---- configs and daemons -------------------------------------------------

SD=''
make_confs() {
	local e
	topo_copy_etc "mnd.conf:classify=true" "mnd.conf:anchor_wait=1000" \
	    "mnd.conf:default_type=non-persistent" > /dev/null || return 1
	e=$TOPO_ETC
	# Per-DHP configs as tests/lib/dmip_e2e.sh makes them.
	sed -e 's|/dhpd\.sock"|/dhpd1.sock"|' -e 's|/state-dhpd"|/state-dhpd1"|' \
	    "$e/dhpd.conf" > "$e/dhpd1.conf" &&
	sed -e 's|/dhpd\.sock"|/dhpd2.sock"|' -e 's|/state-dhpd"|/state-dhpd2"|' \
	    -e 's|2001:db8:f::11|2001:db8:f::21|' \
	    -e 's|2001:db8:d1::/64|2001:db8:d2::/64|' \
	    -e 's|^sa 8192|sa 8193|' -e 's|mn1-dhp1\.key|mn1-dhp2.key|' \
	    -e 's|spi = 8192|spi = 8193|' "$e/dhpd.conf" > "$e/dhpd2.conf" &&
	grep -q 'f::21' "$e/dhpd2.conf" || return 1
	cat >> "$e/mnd.conf" <<-EOF
	# reliab_mnd_restart.sh: the transfer's flow is session-lasting.
	policy sltcp {
		proto = "tcp"
		dport = "$PORT"
		type = "session-lasting"
	}
	EOF
	# mnd's state_dir (topo_copy_etc named it; mnd creates it).
	SD=$(sed -n 's/^state_dir = "\(.*\)"$/\1/p' "$e/mnd.conf" | tail -n 1)
	[ -n "$SD" ]
}

start_mnd() { topo_start_daemon mn mnd "$TOPO_ETC/mnd.conf" -v; }

# kill9: SIGKILL mnd and wait until it is gone.
kill9() {
	local pid=${_T_DPID[mn/mnd]}
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "_T_DPID[mn/mnd]"
	! kill -0 "$pid" 2>/dev/null
}

# ---- the transfer ----------------------------------------------------------

serve() {
	topo_exec cn1 python3 "$XFER" serve "$TOPO_CN1" $PORT $BYTES $RATE mnst \
	    > "$(R serve.out)" 2>&1 &
	_T_PIDS+=($!)
	SERVE_PID=$!
	topo_wait_for "grep -q listening '$(R serve.out)'" 5
}
fetch() {
	topo_exec mn python3 "$XFER" --progress "$(R fetch.prog):50" fetch \
	    "$TOPO_CN1" $PORT 40 > "$(R fetch.out)" 2>&1 &
	_T_PIDS+=($!)
	FETCH_PID=$!
}
same_bytes() {
	local s f
	wait "$FETCH_PID"
	topo_wait_for "! kill -0 $SERVE_PID 2>/dev/null" 10 || kill "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID"
	s=$(awk '/^bytes/ { print $2, $4 }' "$(R serve.out)")
	f=$(awk '/^bytes/ { print $2, $4 }' "$(R fetch.out)")
	if [ -z "$s" ] || [ "$s" != "$f" ] || [ "${s%% *}" != $BYTES ]; then
		echo "  server: $(cat "$(R serve.out)")"
		echo "  client: $(cat "$(R fetch.out)")"
		return 1
	fi
}
# The longest time without a byte at the client (ms), from --progress.
max_stall() {
	awk 'p != "" && $2 == pn { if (($1 - p) * 1000 > g) g = ($1 - p) * 1000; next }
	    { p = $1; pn = $2 } END { printf "%.0f\n", g }' "$(R fetch.prog)"
}

# ---- 1. kill -9 during an anchored transfer ------------------------------

phase_kill() {
	local coa1 coa2 d1 sent0 req0 new0 bu0 dq0 st n log2
	echo "== 1. mnd killed during a transparently anchored transfer"
	coa1=$(topo_coa 1)
	serve || { bad "1: server up"; return 1; }
	fetch
	if topo_wait_for "[ -n \"\$(flow_anchor)\" ] && [ \"\$(flow_anchor)\" != none ]" 8; then
		d1=$(flow_anchor)
	fi
	if [ -n "${d1:-}" ] && in_prefix "$d1" 2001:db8:d1::; then
		ok "1: the flow to CN1:$PORT is anchored on DHoA $d1 (DHP1)"
	else
		bad "1: no DHoA anchor for the flow (anchor '${d1:-}')"
		ctl mnd show flows
		return 1
	fi
	check "1: dhpd1 leases exactly that DHoA" test "$(leases dhpd1)" = "$d1"
	# Data flowing, and the state file has the anchor and the flow.
	check "1: mnd saved the anchor and the flow in $SD/mnd.state" \
	    topo_wait_for "grep -q '^anchor .* $d1 ' '$SD/mnd.state' &&
		grep -q '^flow .* $PORT out mn session-lasting ' '$SD/mnd.state' &&
		grep -q '^home .* registered $coa1 ' '$SD/mnd.state'" 4
	sleep 1
	req0=$(stat_of dhpd1 rx_dhoa_request)
	new0=$(stat_of dhpd1 lease_new)
	bu0=$(stat_of dhpd1 rx_dhp_bu)
	sent0=$(awk '{ n = $2 } END { print n + 0 }' "$(R fetch.prog)")
	dq0=$(count_log had-ha.log "DHP Query")
	T_KILL=$(topo_now)
	check "1: kill -9 mnd" kill9
	mv "$(R mnd-mn.log)" "$(R mnd-mn-1.log)"
	sleep 0.3
	start_mnd || { bad "1: mnd restarts"; return 1; }
	row "1: kill -9 -> restarted mnd running" "$(topo_ms_since "$T_KILL") ms"
	check "1: the restart logs the summary (home bound, 1 anchor, the flow)" \
	    wait_log mnd-mn.log "state: restored from .*: home registration bound, 1 anchor \\(0 expired while down, 0 refused\\), 1 of 1 flows" 3
	grep -E "state: restored|restored:|\\(restored|anchor slot .* restored|flows: " \
	    "$(R mnd-mn.log)" | sed 's/^/    /'
	check "1: the anchor came back bound (no new DHoA)" \
	    has_log mnd-mn.log "anchor $d1: none -> bound (restored"
	check "1: the home binding came back registered" \
	    has_log mnd-mn.log "bul: idle -> registered (restored: $TOPO_HOA via $coa1"
	check "1: show flows of the new mnd: the flow on $d1" \
	    topo_wait_for "[ \"\$(flow_anchor)\" = $d1 ]" 2
	check "1: dmipctl stats: 1 anchor and 1 flow restored, home bound" \
	    test "$(stat_of mnd state_restored_anchors)/$(stat_of mnd state_restored_flows)/$(stat_of mnd state_restored_home_bound)" = 1/1/1
	# Data again after the restart.
	n=$(awk '{ n = $2 } END { print n + 0 }' "$(R fetch.prog)")
	check "1: the transfer goes on after the restart" \
	    topo_wait_for "[ \"\$(awk '{ n = \$2 } END { print n + 0 }' '$(R fetch.prog)')\" -gt $((n + 100000)) ]" 5
	sleep 1
	check "1: no BU, DHP-BU, DHoA Request or DHP Query from the new mnd" \
	    test "$(grep -cE 'BU to |DHP-BU to |DHoA Request to |DHP Query to ' "$(R mnd-mn.log)")" = 0
	check "1: dhpd1 received no DHoA Request ($req0 before and after)" \
	    test "$(stat_of dhpd1 rx_dhoa_request)" = "$req0"
	check "1: dhpd1 leased no new DHoA (lease_new $new0)" \
	    test "$(stat_of dhpd1 lease_new)" = "$new0"
	check "1: dhpd1 received no DHP-BU ($bu0)" \
	    test "$(stat_of dhpd1 rx_dhp_bu)" = "$bu0"
	check "1: dhpd1 still leases the one DHoA $d1" test "$(leases dhpd1)" = "$d1"
	check "1: had got no DHP Query" test "$(count_log had-ha.log "DHP Query")" = "$dq0"
	# A handoff after the restart moves the restored anchor.
	topo_handoff_b 2 || { bad "1: handoff to AR2"; return 1; }
	coa2=$(topo_coa 2)
	check "1: after the restart a handoff re-binds the DHoA: dhpd1 moved it to $coa2" \
	    wait_log dhpd-dhp1.log "DHP binding $d1 -> $coa2 moved from $coa1" 5
	check "1: ... and had the HoA" \
	    wait_log had-ha.log "binding $TOPO_HOA -> $coa2 moved from $coa1" 5
	st=$(grep -F "DHP-BU to $TOPO_DHP1" "$(R mnd-mn.log)" | head -n 1)
	row "1: first DHP-BU of the new mnd" "${st:-none}"
	check "1: its sequence number was taken without a resync (no 135)" \
	    test "$(grep -c 'status 135' "$(R mnd-mn.log)")" = 0
	check "1: the transfer completes byte-exact (SHA-256)" same_bytes
	check "1: CN1 saw the DHoA $d1 as its peer" \
	    test "$(awk '/^bytes/ { print $6 }' "$(R serve.out)")" = "$d1"
	row "1: transfer" "$(awk '/^bytes/ { print $2 " bytes in " $6 " s" }' "$(R fetch.out)")"
	row "1: longest stall at the client (kill, restart, handoff)" "$(max_stall) ms"
	D1=$d1
	COA2=$coa2
}

# ---- 2. a corrupt state file ----------------------------------------------

phase_corrupt() {
	echo "== 2. a corrupt state file"
	check "2: kill -9 mnd" kill9
	mv "$(R mnd-mn.log)" "$(R mnd-mn-2.log)"
	python3 - "$SD/mnd.state" <<-'EOF'
	import sys
	p = sys.argv[1]
	b = bytearray(open(p, "rb").read())
	b[len(b) // 2] ^= 0x20		# one byte: the CRC catches it
	open(p, "wb").write(b)
	EOF
	start_mnd || { bad "2: mnd starts with a corrupt state file"; return 1; }
	ok "2: mnd starts with a corrupt state file"
	check "2: it says why and sets the file aside" has_log mnd-mn.log \
	    "state: $SD/mnd.state ignored: checksum mismatch (corrupted); renamed to mnd.state.bad"
	check "2: mnd.state.bad is there" test -f "$SD/mnd.state.bad"
	check "2: nothing restored" test "$(count_log mnd-mn.log '(restored')" = 0
	check "2: mnd registers afresh from $COA2" \
	    wait_log mnd-mn.log "registered $TOPO_HOA via $COA2" 8
	check "2: and writes a good state file again" \
	    topo_wait_for "grep -q '^home .* registered $COA2 ' '$SD/mnd.state'" 3
}

# ---- 3. clean exit ---------------------------------------------------------

phase_exit() {
	local rc
	echo "== 3. SIGTERM"
	topo_stop_daemon mn mnd
	rc=$?
	check "3: mnd exits 0" test $rc -eq 0
	check "3: the state file keeps no binding, anchor or flow" \
	    test -z "$(grep -E '^(anchor|dbul|slot|flow) |^home .* (registered|refreshing) ' "$SD/mnd.state")"
	check "3: ... but the sequence numbers (home record)" \
	    grep -q '^home ' "$SD/mnd.state"
	check "3: mnd logs it" has_log mnd-mn.log "state: clean exit"
}

scenario() {
	local t0
	t0=$(topo_now)
	echo "== mnd restart (issue 8)"
	topo_up || { bad "topology"; return; }
	make_confs || { bad "configs"; return; }
	topo_start_daemon ha had "$TOPO_ETC/had.conf" -v &&
	    topo_start_daemon dhp1 dhpd "$TOPO_ETC/dhpd1.conf" -v &&
	    topo_start_daemon dhp2 dhpd "$TOPO_ETC/dhpd2.conf" -v &&
	    start_mnd || { bad "daemons start"; return; }
	check "0: mnd registered from $(topo_coa 1)" \
	    wait_log mnd-mn.log "registered $TOPO_HOA via $(topo_coa 1)" 6 || return
	phase_kill && phase_corrupt && phase_exit
	for d in dhp1 dhp2; do
		topo_stop_daemon "$d" dhpd
	done
	topo_stop_daemon ha had
	row "runtime" "$(topo_ms_since "$t0") ms"
	if [ "$nfail" -eq 0 ]; then topo_down 0; else topo_down 1; fi
}

scenario
echo "reliab_mnd_restart: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
