#!/bin/bash
# api_test.sh: libdmip and mnd's API socket end to end (PROTOCOL.md
# E.0-E.4, setsc(3)) in the namespace test bed (tests/lib/topo.sh): had,
# dhpd in dhp1 and dhp2, mnd in mn with api_socket in the run dir
# (DMIP_API_SOCKET for the programs), fallback_to_ha = false and
# allow_fixed_groups = {"root"}.
#
#   1. seed 001 section 4 (tests/api/ondemand_example): a session-
#      lasting address (a DHoA of DHP1: setsc() knows no destination),
#      bound, connected to CN1; a handoff AR1 -> AR2 during a 3 MB
#      transfer; the bytes arrive intact and CN1 saw the DHoA;
#   2. graceful-replacement: an address (the CoA: the lab has no
#      co-located DHP) and the event subscription; the grace event at
#      a handoff only where mnd's handoff code announces one;
#   3. fixed: the HoA (CN1 sees it); non-persistent: the CoA;
#   4. an unmodified program (python3) under LD_PRELOAD=libdmip.so sets
#      IPV6_REQUIRE_SESSION_LASTING_IP and connects: CN1 sees a DHoA,
#      getsockopt shows the bit satisfied;
#   5. nobody (not in allow_fixed_groups) asking for fixed:
#      EAI_REQUIREDIPNOTSUPPORTED, and mnd logs the refusal;
#   6. no mnd on the socket: EAI_REQUIREDIPNOTSUPPORTED at once;
#   7. DHP2 down (run in the background during 3-6): connect() to CN2
#      fails with EADDRNOTAVAIL and EAI_REQUIREDIPFAILED after the C.2
#      DHoA Request bound (1+2+4+8 s), within mnd's API bound;
#   E. mnd exits 0 and removes its API socket.
#
# Exit 0 when all checks pass, 1 otherwise, 77 without namespaces.
set -u
# shellcheck source=tests/lib/topo.sh
. "${srcdir:-.}/tests/lib/topo.sh"

EX=$TOPO_BUILDDIR/tests/api/ondemand_example
LIBSO=$TOPO_BUILDDIR/lib/.libs/libdmip.so
XFER=$TOPO_SRCDIR/tests/tools/tcpxfer.py

. "$TOPO_SRCDIR/tests/lib/checks.sh"

checks_need_netns
for f in "$EX" "$LIBSO" "$TOPO_BUILDDIR/mn/mnd" "$TOPO_BUILDDIR/ha/had" \
    "$TOPO_BUILDDIR/dhp/dhpd"; do
	[ -e "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done

topo_trap

in_prefix() {
	python3 -c 'import ipaddress, sys; sys.exit(ipaddress.ip_address(sys.argv[1]) not in ipaddress.ip_network(sys.argv[2] + "/64"))' "$1" "$2"
}

# An ASan build's libdmip.so needs the sanitizer runtimes first.
preload_of() {
	local rt
	rt=$(ldd "$LIBSO" 2>/dev/null | awk '/lib(asan|ubsan)\.so/ { printf "%s ", $3 }')
	echo "$rt$LIBSO"
}

# serve NODE ADDR PORT BYTES RATE TAG: tcpxfer's sender in the background.
serve() {
	rm -f "$TOPO_RUN/serve-$6.out"
	topo_exec "$1" python3 "$XFER" serve "$2" "$3" "$4" "$5" "$6" \
	    > "$TOPO_RUN/serve-$6.out" 2>&1 &
	_T_PIDS+=($!)
	eval "SERVE_$6=$!"
	topo_wait_for "grep -q listening '$TOPO_RUN/serve-$6.out'" 5
}
# served TAG: what the sender saw ("bytes N sha256 H peer P"), after it
# ended.
served() {
	local pid
	eval "pid=\$SERVE_$1"
	topo_wait_for "! kill -0 $pid 2>/dev/null" 10 || kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	cat "$TOPO_RUN/serve-$1.out"
}
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

# example TAG TYPE CN PORT [EVENT_SECS]: the seed's program in the MN,
# in the background; its stdout (the data) and stderr in the run dir.
example() {
	local tag=$1
	shift
	topo_exec mn "$EX" "$@" > "$TOPO_RUN/ex-$tag.data" \
	    2> "$TOPO_RUN/ex-$tag.err" &
	_T_PIDS+=($!)
	eval "EX_$tag=$!"
}
example_wait() {
	local pid rc
	eval "pid=\$EX_$1"
	topo_wait_for "! kill -0 $pid 2>/dev/null" "${2:-15}" || kill "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	eval "EXRC_$1=$rc"
}
# Exit statuses, set by example_wait through eval.
EXRC_sl='' EXRC_gr='' EXRC_np=''
ex_addr() { sed -n 's/^setsc: ok //p' "$TOPO_RUN/ex-$1.err"; }

# ---- set-up ------------------------------------------------------------------

dhp_confs() { topo_dhp_confs; }

setup() {
	topo_up || return 1
	COA1=$(topo_coa 1)
	# The API socket where any user can reach it (nobody, in 5).
	APIDIR=$TOPO_RUN/api
	mkdir -p "$APIDIR" && chmod 711 "$TOPO_RUN" && chmod 755 "$APIDIR" &&
	    cat_client > "$TOPO_RUN/client.py" || return 1
	export DMIP_API_SOCKET=$APIDIR/mnd-api.sock
	topo_copy_etc "mnd.conf:api_socket=$DMIP_API_SOCKET" \
	    "mnd.conf:fallback_to_ha=false" \
	    'mnd.conf:allow_fixed_groups={"root"}' > /dev/null &&
	    dhp_confs || return 1
	topo_start_daemon ha had "$TOPO_ETC/had.conf" -v &&
	topo_start_daemon dhp1 dhpd "$TOPO_ETC/dhpd1.conf" -v &&
	topo_start_daemon dhp2 dhpd "$TOPO_ETC/dhpd2.conf" -v &&
	topo_start_daemon mn mnd "$TOPO_ETC/mnd.conf" -v || return 1
	check "0: mnd listens on the API socket (mode 0666)" \
	    test "$(stat -c %a "$DMIP_API_SOCKET" 2>/dev/null)" = 666
	check "0: mnd registered the HoA from $COA1" \
	    wait_log mnd-mn.log "registered $TOPO_HOA via $COA1" 6
}

# ---- 1: the seed's example, session-lasting, across a handoff ----------------

part1() {
	local d sum out peer coa2
	echo "-- 1: session-lasting (seed 001 section 4) across a handoff"
	serve cn1 "$TOPO_CN1" 7001 3000000 1000000 sl || { bad "1: server"; return 1; }
	example sl session "$TOPO_CN1" 7001
	if ! topo_wait_for "grep -q '^connected' '$TOPO_RUN/ex-sl.err'" 10; then
		bad "1: the example did not connect: $(cat "$TOPO_RUN/ex-sl.err")"
		return 1
	fi
	d=$(ex_addr sl)
	check "1: setsc() gave a DHoA of DHP1 ($d)" in_prefix "$d" 2001:db8:d1::
	check "1: bound to it" grep -qx "bound: $d" "$TOPO_RUN/ex-sl.err"
	check "1: mnd logs the answer" wait_log mnd-mn.log \
	    "api: session-lasting for :: from uid 0 pid [0-9]+: $d \\(dhp" 2
	sleep 0.7
	topo_handoff_b 2 || { bad "1: handoff B to AR2"; return 1; }
	coa2=$(topo_coa 2)
	check "1: dhpd1 moved the DHoA to the new CoA" wait_log dhpd-dhp1.log \
	    "DHP binding $d -> $coa2 moved from $COA1" 4
	example_wait sl 20
	check "1: the example ends well" test "$EXRC_sl" = 0
	out=$(served sl)
	peer=$(echo "$out" | field peer)
	sum=$(sha256sum < "$TOPO_RUN/ex-sl.data" | cut -d' ' -f1)
	check "1: CN1 saw the DHoA as the source ($peer)" test "$peer" = "$d"
	if [ "$(echo "$out" | field bytes)" = 3000000 ] &&
	    [ "$(echo "$out" | field sha256)" = "$sum" ]; then
		ok "1: 3000000 bytes intact across the handoff"
	else
		bad "1: data differ: server '$out', client $(stat -c %s "$TOPO_RUN/ex-sl.data") bytes sha256 $sum"
	fi
}

# ---- 2: graceful-replacement -------------------------------------------------

part2() {
	local a coa
	echo "-- 2: graceful-replacement"
	coa=$(topo_coa)
	serve cn1 "$TOPO_CN1" 7002 200000 10000000 gr || { bad "2: server"; return 1; }
	example gr graceful "$TOPO_CN1" 7002 1
	example_wait gr 10
	a=$(ex_addr gr)
	check "2: setsc() gave an address: the CoA $coa (no co-located DHP)" \
	    test "$a" = "$coa"
	check "2: the events subscription works" \
	    test -z "$(grep '^events:' "$TOPO_RUN/ex-gr.err")"
	check "2: data received" test "$EXRC_gr" = 0
	served gr > /dev/null
	# The grace event needs mnd's handoff code to call mn_api_grace().
	if ! grep -l 'mn_api_grace(' "$TOPO_SRCDIR"/mn/*.c |
	    grep -qv 'mn/mn_api\.c$'; then
		echo "note: 2: grace event not checked: nothing in mnd calls mn_api_grace() yet"
		return 0
	fi
	serve cn1 "$TOPO_CN1" 7003 2000000 1000000 gr2 || { bad "2: server"; return 1; }
	example gr2 graceful "$TOPO_CN1" 7003 4
	topo_wait_for "grep -q '^connected' '$TOPO_RUN/ex-gr2.err'" 10
	a=$(ex_addr gr2)
	sleep 0.5
	topo_handoff_b 1 || { bad "2: handoff B to AR1"; return 1; }
	check "2: mnd announces the grace period of $a" wait_log mnd-mn.log \
	    "api: grace period of [0-9]+s starts for $a" 6
	example_wait gr2 20
	check "2: the application got the grace event" \
	    grep -q "^event: grace-start $a " "$TOPO_RUN/ex-gr2.err"
	served gr2 > /dev/null
}

# ---- 3: fixed and non-persistent -----------------------------------------------

part3() {
	local a coa out
	echo "-- 3: fixed and non-persistent"
	serve cn1 "$TOPO_CN1" 7004 100000 10000000 fx || { bad "3: server"; return 1; }
	example fx fixed "$TOPO_CN1" 7004
	example_wait fx 10
	a=$(ex_addr fx)
	out=$(served fx)
	check "3: fixed: the HoA" test "$a" = "$TOPO_HOA"
	check "3: fixed: CN1 saw the HoA" test "$(echo "$out" | field peer)" = "$TOPO_HOA"
	coa=$(topo_coa)
	serve cn1 "$TOPO_CN1" 7005 100000 10000000 np || { bad "3: server"; return 1; }
	example np nonpersistent "$TOPO_CN1" 7005
	example_wait np 10
	a=$(ex_addr np)
	out=$(served np)
	check "3: non-persistent: the CoA $coa" test "$a" = "$coa"
	check "3: non-persistent: CN1 saw the CoA" test "$(echo "$out" | field peer)" = "$coa"
	check "3: non-persistent: data received" test "$EXRC_np" = 0
}

# ---- 4: LD_PRELOAD -----------------------------------------------------------------

# An unmodified program: the socket option, then a plain connect().
cat_client() {
	cat <<'EOF'
import ctypes, hashlib, socket, sys, time
cn, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, 72, (0x00020000).to_bytes(4, sys.byteorder))
t0 = time.monotonic()
try:
    s.connect((cn, port))
except OSError as e:
    err = ctypes.CDLL(None).dmip_last_error()
    print(f"connect: errno {e.errno} last_error {err} secs {time.monotonic() - t0:.3f}", flush=True)
    sys.exit(3)
prefs = int.from_bytes(s.getsockopt(socket.IPPROTO_IPV6, 72, 4), sys.byteorder)
print(f"connected from {s.getsockname()[0]} prefs {prefs:#x}", flush=True)
h, n = hashlib.sha256(), 0
while True:
    b = s.recv(65536)
    if not b:
        break
    h.update(b)
    n += len(b)
print(f"bytes {n} sha256 {h.hexdigest()}", flush=True)
EOF
}

part4() {
	local out peer
	echo "-- 4: an unmodified program under LD_PRELOAD"
	serve cn1 "$TOPO_CN1" 7006 100000 10000000 pl || { bad "4: server"; return 1; }
	topo_exec mn env LD_PRELOAD="$(preload_of)" ASAN_OPTIONS=detect_leaks=0 \
	    python3 "$TOPO_RUN/client.py" "$TOPO_CN1" 7006 > "$TOPO_RUN/pl.out" 2>&1
	out=$(served pl)
	peer=$(echo "$out" | field peer)
	check "4: CN1 saw a DHoA of DHP1 as the source ($peer)" \
	    in_prefix "${peer:-::}" 2001:db8:d1::
	check "4: getsockopt shows IPV6_REQUIRE_SESSION_LASTING_IP satisfied" \
	    grep -q "^connected from $peer prefs 0x2....$" "$TOPO_RUN/pl.out"
	check "4: the bytes arrived" test "$(field sha256 < "$TOPO_RUN/pl.out")" = \
	    "$(echo "$out" | field sha256)"
	check "4: mnd was asked with the destination" has_api_line \
	    "api: session-lasting for $TOPO_CN1 from uid 0"
	[ "$nfail" = 0 ] || cat "$TOPO_RUN/pl.out"
}
has_api_line() { grep -qF -- "$1" "$TOPO_RUN/mnd-mn.log"; }

# ---- 5, 6: permissions, no mnd -------------------------------------------------

part5() {
	local rc
	echo "-- 5: a user not in allow_fixed_groups"
	if ! topo_exec mn setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    test -x "$EX" 2>/dev/null; then
		echo "note: 5 not run: nobody cannot run $EX here"
		return 0
	fi
	topo_exec mn setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$EX" fixed "$TOPO_CN1" 7007 > /dev/null 2> "$TOPO_RUN/ex-nobody.err"
	rc=$?
	check "5: nobody gets EAI_REQUIREDIPNOTSUPPORTED for fixed" \
	    grep -qx 'setsc: EAI_REQUIREDIPNOTSUPPORTED (-200)' "$TOPO_RUN/ex-nobody.err"
	check "5: the example gives up (exit 2)" test "$rc" = 2
	check "5: mnd logs the refusal with uid and pid" wait_log mnd-mn.log \
	    "api: fixed refused to uid 65534 pid [0-9]+ \\(not in allow_fixed_groups\\)" 2
	# The same user may have a non-persistent address.
	serve cn1 "$TOPO_CN1" 7008 1000 1000000 nb > /dev/null
	topo_exec mn setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$EX" nonpersistent "$TOPO_CN1" 7008 > /dev/null 2> "$TOPO_RUN/ex-nobody2.err"
	check "5: nobody may have a non-persistent address" \
	    grep -q '^setsc: ok ' "$TOPO_RUN/ex-nobody2.err"
	served nb > /dev/null
}

part6() {
	local t0 ms
	echo "-- 6: no mnd"
	t0=$(topo_now)
	DMIP_API_SOCKET=$APIDIR/nobody-here.sock topo_exec mn "$EX" session \
	    "$TOPO_CN1" 7009 > /dev/null 2> "$TOPO_RUN/ex-nomnd.err"
	ms=$(topo_ms_since "$t0")
	check "6: EAI_REQUIREDIPNOTSUPPORTED" \
	    grep -qx 'setsc: EAI_REQUIREDIPNOTSUPPORTED (-200)' "$TOPO_RUN/ex-nomnd.err"
	check "6: at once ($ms ms)" test "$ms" -lt 1000
}

# ---- 7: DHP down --------------------------------------------------------------------

part7_start() {
	echo "-- 7: DHP2 down (in the background)"
	topo_stop_daemon dhp2 dhpd
	topo_exec mn env LD_PRELOAD="$(preload_of)" ASAN_OPTIONS=detect_leaks=0 \
	    python3 "$TOPO_RUN/client.py" "$TOPO_CN2" 7010 > "$TOPO_RUN/down.out" 2>&1 &
	_T_PIDS+=($!)
	DOWN_PID=$!
}

part7_end() {
	local secs
	echo "-- 7: DHP2 down: the result"
	topo_wait_for "! kill -0 $DOWN_PID 2>/dev/null" 30 || kill "$DOWN_PID"
	wait "$DOWN_PID"
	secs=$(field secs < "$TOPO_RUN/down.out")
	check "7: connect() fails: EADDRNOTAVAIL, EAI_REQUIREDIPFAILED" \
	    grep -q '^connect: errno 99 last_error -201 ' "$TOPO_RUN/down.out"
	check "7: after the C.2 DHoA Request bound, within mnd's (15 s <= ${secs:-?} s < 24 s)" \
	    python3 -c "import sys; sys.exit(not 14.5 <= float(sys.argv[1]) < 24)" "${secs:-0}"
	check "7: 4 DHoA Requests to DHP2" test \
	    "$(grep -c "DHoA Request to $TOPO_DHP2 " "$TOPO_RUN/mnd-mn.log")" -eq 4
	check "7: mnd logs the failure" wait_log mnd-mn.log \
	    "api: session-lasting for $TOPO_CN2 from uid 0 pid [0-9]+: failed" 1
	[ "$nfail" = 0 ] || cat "$TOPO_RUN/down.out"
}

part_exit() {
	echo "-- E: mnd stops"
	topo_stop_daemon mn mnd
	check "E: mnd exits 0" test $? -eq 0
	check "E: the API socket is gone" test ! -e "$DMIP_API_SOCKET"
}

scenario() {
	local t0
	t0=$(topo_now)
	echo "== libdmip and mnd's API socket"
	setup || { bad "set-up"; return; }
	part1 || return
	part2
	part7_start
	part3
	part4
	part5
	part6
	part7_end
	part_exit
	topo_stop_daemon dhp1 dhpd
	topo_stop_daemon ha had
	echo "run time: $(topo_ms_since "$t0") ms"
	if [ "$nfail" -eq 0 ]; then topo_down 0; else topo_down 1; fi
}

scenario
echo "api_test: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
