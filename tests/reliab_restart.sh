#!/bin/bash
# reliab_restart.sh: had and dhpd survive SIGKILL (issue 8,
# "Persistence"). In the namespace test bed (tests/lib/topo.sh):
#
# 1. had (tun backend: its data plane dies with the process) and mnd
#    (seg6); a second mobile node registered by mhinject. A paced TCP
#    transfer CN1 -> the MN's HoA runs; had gets kill -9 mid-transfer and
#    is started again with the same state_dir: the transfer completes
#    byte-exact; had logs "restored 2 bindings"; `show bindings` is the
#    same as before the kill; mnd sent no BU between the kill and the
#    end (its BU count and sequence numbers did not move); the second
#    MN's last BU replayed after the restart is refused (144), its old
#    sequence number with a fresh MESG-ID too (135 with the saved one).
# 2. had with seg6 (its routes outlive the process), kill -9, then the
#    state file is corrupted: the restart logs and renames it aside
#    (had.state.bad), does not crash, and removes the route and proxy ND
#    entry the killed instance left for that HoA; a new BU registers.
# 3. dhpd (tun backend) with a lease and a binding made by dhpinject,
#    the MN side of the tunnel by tunnelctl; a paced TCP transfer CN1 ->
#    the DHoA; kill -9 mid-transfer, restart: byte-exact, "restored 1
#    leases, 1 bindings", no DHoA Request or DHP-BU received by the new
#    instance, `show bindings` unchanged, the last DHP-BU replayed: 144.
#
# Prints each data plane's outage around the restart (the longest gap in
# a 20 ms ping CN1 -> HoA/DHoA), asserted between 0.5 and 3 s: the tun
# device really went with the killed process, and came back. Root only; exit
# 77 when network namespaces cannot be created.
RELIAB_NAME=reliab_restart
# shellcheck source=tests/reliab_lib.sh
. "${srcdir:-.}/tests/reliab_lib.sh"

HOA=$TOPO_HOA
HOA2=2001:db8:10::200
SPI2=4097
KEY2=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
PORT=5602

CPID='' CFD=''
stop_ctl() {
	[ -n "$CFD" ] && { eval "exec $CFD>&-"; CFD=; }
	[ -n "$CPID" ] && { kill "$CPID" 2>/dev/null; wait "$CPID" 2>/dev/null; CPID=; }
	return 0
}
cleanup() {
	local rc=$?
	stop_ctl
	topo_down "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# serve ADDR BYTES RATE SEED / fetch ADDR: tcpxfer in the background.
serve() {
	rm -f "$TOPO_RUN/serve.out"
	topo_exec mn python3 "$XFER" serve "$1" $PORT "$2" "$3" "$4" \
	    > "$TOPO_RUN/serve.out" 2>&1 &
	_T_PIDS+=($!)
	SERVE_PID=$!
	topo_wait_for "grep -q listening '$TOPO_RUN/serve.out'" 5
}
fetch_bg() {
	rm -f "$TOPO_RUN/fetch.out"
	topo_exec cn1 python3 "$XFER" fetch "$1" $PORT 40 \
	    > "$TOPO_RUN/fetch.out" 2>&1 &
	_T_PIDS+=($!)
	FETCH_PID=$!
}
# same_bytes N: both ends saw the same N bytes (count and SHA-256).
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
xfer_secs() { awk '/^bytes/ { print $6 }' "$TOPO_RUN/fetch.out"; }

# pinger_start DST: CN1 pings DST every 20 ms; pinger_stop prints the
# longest time without an echo reply (ms): the data plane's outage.
pinger_start() {
	topo_exec cn1 ping -6 -n -D -i 0.02 -W 1 "$1" > "$TOPO_RUN/ping.out" 2>&1 &
	_T_PIDS+=($!)
	PING_PID=$!
}
pinger_stop() {
	kill -INT "$PING_PID" 2>/dev/null
	wait "$PING_PID" 2>/dev/null
	awk -F'[][]' '/bytes from/ { t = $2 + 0; if (p && t - p > g) g = t - p; p = t }
	    END { printf "%.0f\n", g * 1000 }' "$TOPO_RUN/ping.out"
}

log_has() { grep -qF -- "$2" "$TOPO_RUN/$1"; }
wait_log() { topo_wait_for "grep -qF -- '$2' '$TOPO_RUN/$1'" "${3:-5}"; }
# BUs mnd sent to the HA so far, and their last sequence number.
mnd_bus() { grep -c "bul HA $TOPO_HA: BU seq" "$TOPO_RUN/mnd-mn.log"; }
mnd_last_seq() {
	grep "bul HA $TOPO_HA: BU seq" "$TOPO_RUN/mnd-mn.log" | tail -n 1 |
	    sed 's/.*BU seq \([0-9]*\).*/\1/'
}

# inject2 ARGS: a BU of the second MN from the MN's CoA; STATUS, BASEQ.
inject2() {
	local out
	out=$(topo_exec mn "$MHINJECT" -s "$COA" -d "$TOPO_HA" -H $HOA2 \
	    -i $SPI2 -k "$TOPO_ETC/keys/mn2-ha.key" "$@" 2>>"$TOPO_RUN/mhinject.err")
	read -r _ STATUS _ BASEQ _ <<<"$(echo "$out" | sed -n 1p)"
}

# kill9 NODE NAME: SIGKILL the daemon and wait until it is gone.
kill9() {
	local pid=${_T_DPID[$1/$2]}
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	! kill -0 "$pid" 2>/dev/null
}
ha_route() { topo_exec ha ip -6 route show "$1/128" 2>/dev/null; }
ha_proxy() { topo_exec ha ip -6 neigh show proxy | grep -F "$1 "; }

# ---- 1. had, kill -9 during a HoA transfer ------------------------------

phase_had() {
	local before after n0 s0 t0 ms rc
	echo "== 1. had (tun backend) killed during a transfer to the HoA"
	topo_copy_etc "had.conf:backend=tun" "had.conf:skip_dad=true" \
	    "had.conf:state_dir=$SD_HA" "dhpd.conf:backend=tun" \
	    "dhpd.conf:state_dir=$SD_DHP" "mnd.conf:backend=seg6" > /dev/null ||
	    { bad "config"; return 1; }
	printf '# mn2 for reliab_restart.sh\n%s\n' "$KEY2" > "$TOPO_ETC/keys/mn2-ha.key"
	chmod 600 "$TOPO_ETC/keys/mn2-ha.key"
	cat >> "$TOPO_ETC/had.conf" <<-EOF
	sa $SPI2 {
		alg = "hmac-sha256-128"
		key_file = "keys/mn2-ha.key"
	}
	mobile_node mn2 {
		home_address = "$HOA2"
		spi = $SPI2
	}
	EOF
	topo_start_daemon ha had "$TOPO_ETC/had.conf" -v || { bad "had start"; return 1; }
	topo_start_daemon mn mnd "$TOPO_ETC/mnd.conf" -v || { bad "mnd start"; return 1; }
	COA=$(topo_coa 1)
	check "mnd registered $HOA via $COA" \
	    wait_log mnd-mn.log "registered $HOA via $COA" 6 || return 1
	inject2 -q 100 -l 150 -V -w "$TOPO_RUN/mn2-bu100.bin"
	check "mn2 registered by mhinject (status ${STATUS:-none})" test "${STATUS:-}" = 0
	check "state file written" \
	    topo_wait_for "grep -q '^bce $HOA2 ' '$SD_HA/had.state'" 2

	serve "$HOA" 2000000 500000 restart-had && fetch_bg "$HOA"
	pinger_start "$HOA"
	sleep 1.5
	before=$(table "$TOPO_RUN/had.sock" "show bindings" bindings)
	n0=$(mnd_bus)
	s0=$(mnd_last_seq)
	cp "$TOPO_RUN/had-ha.log" "$TOPO_RUN/had-ha.1.log"
	t0=$(topo_now)
	check "had killed (SIGKILL)" kill9 ha had
	check "its TUN device went with it" eval '! topo_exec ha ip link show dmip0 >/dev/null 2>&1'
	sleep 1
	topo_start_daemon ha had "$TOPO_ETC/had.conf" -v || { bad "had restart"; return 1; }
	ms=$(topo_ms_since "$t0")
	row "had: kill -9 -> restarted (1 s pause included)" "$ms ms"
	check "had logs the restored bindings" log_has had-ha.log \
	    "state: restored 2 bindings (0 expired while down, 0 refused, 0 not installed)"
	check "had logs $HOA -> $COA restored" log_has had-ha.log \
	    "binding $HOA -> $COA restored"
	after=$(table "$TOPO_RUN/had.sock" "show bindings" bindings)
	if [ "$before" = "$after" ]; then
		ok "show bindings identical before the kill and after the restart"
	else
		bad "show bindings differ: $(diff <(echo "$before") <(echo "$after"))"
	fi
	check "the HoA route is in the tunnel again" eval '[[ "$(ha_route $HOA)" == *"dev dmip0"* ]]'
	sleep 0.3
	ms=$(pinger_stop)
	row "HoA data plane outage (longest ping gap)" "$ms ms"
	check "the data plane was down and came back within 3 s ($ms ms)" \
	    test "$ms" -ge 500 -a "$ms" -le 3000
	check "2 MB HoA transfer across the kill arrived byte-exact" same_bytes 2000000
	row "transfer (paced 4.0 s)" "$(xfer_secs) s"
	sleep 0.2
	check "mnd sent no BU since the kill (count $n0, last seq $s0)" \
	    test "$(mnd_bus)" = "$n0" -a "$(mnd_last_seq)" = "$s0"
	check "mnd: no new registration" test \
	    "$(grep -c "registered $HOA" "$TOPO_RUN/mnd-mn.log")" = 1
	# Replays after the restart.
	topo_exec mn "$MHINJECT" -s "$COA" -d "$TOPO_HA" -r "$TOPO_RUN/mn2-bu100.bin" \
	    > "$TOPO_RUN/replay.out" 2>>"$TOPO_RUN/mhinject.err"
	read -r _ STATUS _ BASEQ _ < "$TOPO_RUN/replay.out"
	check "mn2's last BU replayed after the restart: 144 (got ${STATUS:-none})" \
	    test "${STATUS:-}" = 144
	inject2 -q 100 -l 150 -V
	check "mn2's last sequence number, fresh MESG-ID: 135 with 100 (got ${STATUS:-none} ${BASEQ:-})" \
	    test "${STATUS:-}" = 135 -a "${BASEQ:-}" = 100
	check "nothing moved" test "$(table "$TOPO_RUN/had.sock" "show bindings" bindings)" = "$before"
	check "no sanitizer report (first run)" clean_log "$TOPO_RUN/had-ha.1.log"
}

# ---- 2. stale kernel state, corrupt state file ------------------------

phase_stale() {
	local rc
	echo "== 2. had (seg6): kill -9, corrupt state file, stale routes"
	topo_stop_daemon mn mnd
	check "mnd exits 0" test $? -eq 0
	topo_stop_daemon ha had
	rc=$?
	check "had exits 0 on SIGTERM" test $rc -eq 0
	check "the state file keeps mn2's binding after a clean exit" \
	    grep -q "^bce $HOA2 $COA " "$SD_HA/had.state"
	sed -i 's/^backend = .*/backend = "seg6"/' "$TOPO_ETC/had.conf"
	topo_start_daemon ha had "$TOPO_ETC/had.conf" -v || { bad "had (seg6) start"; return 1; }
	check "restored after a clean restart, now on seg6" eval \
	    '[[ "$(ha_route $HOA2)" == *"encap seg6"*"$COA"* ]]'
	check "had killed" kill9 ha had
	check "the killed instance left its seg6 route for $HOA2" test -n "$(ha_route $HOA2)"
	check "... and its proxy ND entry" test -n "$(ha_proxy $HOA2)"
	# One byte in the middle of the file changed.
	python3 -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(b)' "$SD_HA/had.state"
	cp "$TOPO_RUN/had-ha.log" "$TOPO_RUN/had-ha.2.log"
	topo_start_daemon ha had "$TOPO_ETC/had.conf" -v || { bad "had start on a corrupt file"; return 1; }
	check "corrupt file: logged and renamed aside" log_has had-ha.log \
	    "had.state ignored: checksum mismatch (corrupted); renamed to had.state.bad"
	check "had.state.bad kept for inspection" test -f "$SD_HA/had.state.bad"
	check "stale route and proxy entry of the killed instance removed (logged)" \
	    log_has had-ha.log "binding $HOA2: 2 stale kernel entries of a previous run removed"
	check "no route for $HOA2 left" test -z "$(ha_route $HOA2)"
	check "no proxy entry for $HOA2 left" test -z "$(ha_proxy $HOA2)"
	inject2 -q 200 -l 150 -V
	check "a new BU registers $HOA2 again (got ${STATUS:-none})" test "${STATUS:-}" = 0
	check "... with a seg6 route" eval '[[ "$(ha_route $HOA2)" == *"encap seg6"* ]]'
	topo_stop_daemon ha had
	check "had exits 0" test $? -eq 0
	check "no sanitizer report" clean_log "$TOPO_RUN/had-ha.log"
}

# ---- 3. dhpd, kill -9 during a DHoA transfer ------------------------------

start_ctl() {	# backend local ifname
	local fd
	rm -f "$TOPO_RUN/ctl.in"
	mkfifo "$TOPO_RUN/ctl.in"
	: > "$TOPO_RUN/ctl.out"
	topo_exec mn "$TUNNELCTL" -v run "$1" mn "$2" "$3" < "$TOPO_RUN/ctl.in" \
	    > "$TOPO_RUN/ctl.out" 2> "$TOPO_RUN/ctl.err" &
	CPID=$!
	exec {fd}> "$TOPO_RUN/ctl.in"
	CFD=$fd
	topo_wait_for "grep -q '^ok setup' '$TOPO_RUN/ctl.out'" 5
}
ctl_cmd() {
	echo "$*" >&"$CFD"
	topo_wait_for "grep -qxF 'ok $*' '$TOPO_RUN/ctl.out'" 5
}
dinject() {
	OUT=$(topo_exec mn "$DHPINJECT" -d "$TOPO_DHP1" -s "$COA" \
	    -k "$TOPO_ETC/keys/mn1-dhp1.key" "$@" 2>&1)
}
dget() { echo " $OUT" | sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -1; }

phase_dhpd() {
	local dhoa before after t0 ms
	echo "== 3. dhpd (tun backend) killed during a transfer to a DHoA"
	topo_start_daemon dhp1 dhpd "$TOPO_ETC/dhpd.conf" -v || { bad "dhpd start"; return 1; }
	dinject -q 1 -l 600 req
	dhoa=$(dget dhoa)
	check "DHoA Request: $dhoa leased" test "$(dget status)" = 0 -a -n "$dhoa"
	dinject -q 10 -D "$dhoa" -O "$TOPO_RUN/dbu10.bin" bu
	check "DHP-BU: bound to $COA" test "$(dget status)" = 0
	if start_ctl seg6 "$COA" mn0 && ctl_cmd bind "$dhoa" "$TOPO_DHP1"; then
		ok "MN side of the DHoA tunnel (tunnelctl)"
	else
		bad "MN side: $(cat "$TOPO_RUN/ctl.err")"
		return 1
	fi
	check "dhpd state file written" \
	    topo_wait_for "grep -q '^bind $dhoa ' '$SD_DHP/dhpd.state'" 2
	serve "$dhoa" 2000000 500000 restart-dhpd && fetch_bg "$dhoa"
	pinger_start "$dhoa"
	sleep 1.5
	before=$(table "$TOPO_RUN/dhpd.sock" "show bindings" bindings)
	cp "$TOPO_RUN/dhpd-dhp1.log" "$TOPO_RUN/dhpd-dhp1.1.log"
	t0=$(topo_now)
	check "dhpd killed (SIGKILL)" kill9 dhp1 dhpd
	check "its TUN device went with it" eval '! topo_exec dhp1 ip link show dmip0 >/dev/null 2>&1'
	sleep 1
	topo_start_daemon dhp1 dhpd "$TOPO_ETC/dhpd.conf" -v || { bad "dhpd restart"; return 1; }
	row "dhpd: kill -9 -> restarted (1 s pause included)" "$(topo_ms_since "$t0") ms"
	check "dhpd logs what it restored" log_has dhpd-dhp1.log \
	    "state: restored 1 leases, 1 bindings"
	check "dhpd logs the binding restored" log_has dhpd-dhp1.log \
	    "DHP binding $dhoa -> $COA restored"
	after=$(table "$TOPO_RUN/dhpd.sock" "show bindings" bindings)
	if [ "$before" = "$after" ]; then
		ok "show bindings identical before the kill and after the restart"
	else
		bad "show bindings differ: $(diff <(echo "$before") <(echo "$after"))"
	fi
	sleep 0.3
	ms=$(pinger_stop)
	row "DHoA data plane outage (longest ping gap)" "$ms ms"
	check "the data plane was down and came back within 3 s ($ms ms)" \
	    test "$ms" -ge 500 -a "$ms" -le 3000
	check "2 MB DHoA transfer across the kill arrived byte-exact" same_bytes 2000000
	row "transfer (paced 4.0 s)" "$(xfer_secs) s"
	check "no re-registration: the new dhpd got no DHoA Request and no DHP-BU" \
	    test "$(stats_sum "$TOPO_RUN/dhpd.sock" rx_dhoa_request rx_dhp_bu)" = 0
	topo_exec mn "$DHPINJECT" -d "$TOPO_DHP1" -s "$COA" \
	    -k "$TOPO_ETC/keys/mn1-dhp1.key" -I "$TOPO_RUN/dbu10.bin" > "$TOPO_RUN/dreplay.out" 2>&1
	OUT=$(cat "$TOPO_RUN/dreplay.out")
	check "the last DHP-BU replayed after the restart: 144 (got $(dget status))" \
	    test "$(dget status)" = 144
	check "binding unchanged" test "$(table "$TOPO_RUN/dhpd.sock" "show bindings" bindings)" = "$before"
	stop_ctl
	topo_stop_daemon dhp1 dhpd
	check "dhpd exits 0" test $? -eq 0
	check "no sanitizer report" clean_log "$TOPO_RUN/dhpd-dhp1.log"
}

topo_up || exit 1
SD_HA=$(state_dir had)
SD_DHP=$(state_dir dhpd)
phase_had && phase_stale
phase_dhpd
reliab_end
