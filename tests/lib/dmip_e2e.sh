# shellcheck shell=bash
# dmip_e2e.sh: end-to-end DMIPv6 with the real had, two dhpd and mnd in
# the namespace test bed (tests/lib/topo.sh). Sourced by the wrappers
# tests/dmip_{seg6,mixed,mixed_rev}.sh, which set
#   DMIP_HA_BACKEND, DMIP_DHP_BACKEND, DMIP_MN_BACKEND   the backends
#   DMIP_NAME                                            summary label
#   DMIP_FULL=1                                          also part 4
#
# had runs in ha (also the DHP directory: dhp1 serves CN1's
# 2001:db8:c1::/48, dhp2 CN2's 2001:db8:c2::/48), dhpd in dhp1 (pool
# 2001:db8:d1::/64) and dhp2 (pool 2001:db8:d2::/64), each with its own
# config and control socket, mnd in mn (one port, TESTBED 5 method B).
# The DHoAs are asked for through mnd's control socket
# (`dmipctl anchor request <cn> session-lasting`, asynchronous: polled
# with `anchor show <id>`).
#
#   1. for CN1 the MN gets a DHoA from DHP1, for CN2 from DHP2; each
#      DHoA reaches its CN through its DHP: IPv6-in-IPv6 CoA <-> DHP on
#      the DHP's link, never a packet of it on the HA's;
#   2. handoff AR1 -> AR2 (method B) during three paced 3 MB TCP
#      transfers, CN1 -> DHoA1, CN2 -> DHoA2 and CN1 -> HoA (clients on
#      the MN bound to each address): all byte-exact; printed: each
#      flow's interruption (from the captures) and mnd's own timeline
#      from the new CoA to the BA and each DHP-BC; then home (F.16: the
#      DHoAs follow with CoA := HoA and keep working) and back to AR1;
#   3. `anchor release` of DHoA1: gone from dhpd1's `show leases`
#      (JSON), from the MN's lo and rules;
#   E. SIGTERM: mnd releases DHoA2 (gone from dhpd2) and deregisters
#      within its 1 s wait, exits 0, leaves no DHoA behind;
#   4. (DMIP_FULL) dhpd2 down: the request falls back to the HoA after
#      the C.2 DHoA Request bound (1+2+4+8 s, printed); DHP1 with its
#      one address leased to another MN: 130 and the HoA at once; with
#      fallback_to_ha = false the request fails instead.
#
# Exit 0 when all checks pass, 1 otherwise, 77 without namespaces.
set -u
. "${srcdir:-.}/tests/lib/topo.sh"

HA_BE=${DMIP_HA_BACKEND:-seg6}
DHP_BE=${DMIP_DHP_BACKEND:-seg6}
MN_BE=${DMIP_MN_BACKEND:-seg6}
NAME=${DMIP_NAME:-had $HA_BE / dhpd $DHP_BE / mnd $MN_BE}
FULL=${DMIP_FULL:-0}
XFER=$TOPO_SRCDIR/tests/tools/tcpxfer.py
CTL=$TOPO_BUILDDIR/tools/dmipctl
INJ=$TOPO_BUILDDIR/tests/tools/dhpinject
HOA2=2001:db8:10::200
SPI2=8200
KEY2=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

. "$TOPO_SRCDIR/tests/lib/checks.sh"
row() { printf '  %-50s %s\n' "$1" "$2"; }

checks_need_netns
for f in "$CTL" "$INJ" "$TOPO_BUILDDIR/mn/mnd" "$TOPO_BUILDDIR/ha/had" \
    "$TOPO_BUILDDIR/dhp/dhpd"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done

topo_trap

has_log() { grep -qF -- "$2" "$TOPO_RUN/$1"; }

# ctl SOCK ARGS...: dmipctl -j against a daemon's socket in the run dir.
ctl() {
	local s=$1
	shift
	"$CTL" -s "$TOPO_RUN/$s.sock" -j "$@"
}
# jget JSON EXPR: python3 expression on the parsed answer `j`.
jget() {
	python3 -c 'import json, sys; j = json.loads(sys.argv[1]); v = eval(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

# ---- configs and daemons -------------------------------------------------

dhp_confs() { topo_dhp_confs; }

# DHP1 whose one address goes to a second MN (mn2, SPI 8200).
dhp1_tiny_conf() {
	local e=$TOPO_ETC
	printf '# mn2 for dmip_e2e.sh\n%s\n' "$KEY2" > "$e/keys/mn2-dhp1.key"
	chmod 600 "$e/keys/mn2-dhp1.key"
	sed -e 's|^pools = .*|pools = {"2001:db8:d1::5/128"}|' \
	    -e 's|/state-dhpd1"|/state-dhpd1-tiny"|' \
	    "$e/dhpd1.conf" > "$e/dhpd1-tiny.conf"
	cat >> "$e/dhpd1-tiny.conf" <<-EOF
	sa $SPI2 {
		alg = "hmac-sha256-128"
		key_file = "keys/mn2-dhp1.key"
	}
	mobile_node mn2 {
		home_address = "$HOA2"
		spi = $SPI2
	}
	EOF
}

start_all() {
	topo_copy_etc "had.conf:backend=$HA_BE" "dhpd.conf:backend=$DHP_BE" \
	    "mnd.conf:backend=$MN_BE" > /dev/null && dhp_confs || return 1
	topo_start_daemon ha had "$TOPO_ETC/had.conf" -v &&
	topo_start_daemon dhp1 dhpd "$TOPO_ETC/dhpd1.conf" -v &&
	topo_start_daemon dhp2 dhpd "$TOPO_ETC/dhpd2.conf" -v &&
	topo_start_daemon mn mnd "$TOPO_ETC/mnd.conf" -v
}

# ---- anchors through mnd's control socket ------------------------------------

# anchor CN TYPE [SECS]: ask mnd, poll until done or failed; sets
# A_STATE, A_RESULT, A_ADDR, A_DHP, A_WHY, A_MS (mnd's own duration),
# A_WALL (ms measured here).
anchor() {
	local cn=$1 type=$2 secs=${3:-5} j id t0 st
	A_STATE= A_RESULT= A_ADDR= A_DHP= A_WHY= A_MS= A_WALL=
	t0=$(topo_now)
	j=$(ctl mnd anchor request "$cn" "$type") || return 1
	id=$(jget "$j" 'j["id"]')
	st=$(jget "$j" 'j["state"]')
	while [ "$st" != done ] && [ "$st" != failed ]; do
		if [ "$(topo_ms_since "$t0")" -gt $((secs * 1000)) ]; then
			echo "  request $id still $st after ${secs}s"
			return 1
		fi
		sleep 0.05
		j=$(ctl mnd anchor show "$id") || return 1
		st=$(jget "$j" 'j["state"]')
	done
	A_WALL=$(topo_ms_since "$t0")
	A_STATE=$st
	A_RESULT=$(jget "$j" 'j["result"]')
	A_ADDR=$(jget "$j" 'j.get("address")')
	A_DHP=$(jget "$j" 'j.get("dhp")')
	A_WHY=$(jget "$j" 'j.get("why")')
	A_MS=$(jget "$j" 'j["ms"]')
}

# The DHoAs a dhpd leases now, one per line.
leases() { jget "$(ctl "$1" show leases)" '"\n".join(r["dhoa"] for r in j["leases"])'; }
# The CoA of a DHoA's binding at a dhpd.
dhp_coa() { jget "$(ctl "$1" show bindings)" "next((r['coa'] for r in j['bindings'] if r['dhoa'] == '$2'), '')"; }

# in_prefix ADDR PREFIX64 (e.g. 2001:db8:d1::)
in_prefix() {
	python3 -c 'import ipaddress, sys; sys.exit(ipaddress.ip_address(sys.argv[1]) not in ipaddress.ip_network(sys.argv[2] + "/64"))' "$1" "$2"
}

# ping_from SRC DST: the MN reaches DST from SRC.
ping_from() {
	topo_wait_for "topo_exec mn ping -6 -n -q -c 1 -W 0.5 -I $1 $2 >/dev/null 2>&1" 3
}

# ---- captures ----------------------------------------------------------------

# Tunnelled packets: "time outer-src outer-dst inner-src inner-dst".
tunnel_rows() {
	tshark -n -r "$1" -Y 'ipv6.nxt == 41' -T fields -E occurrence=a \
	    -E aggregator=' ' -e frame.time_epoch -e ipv6.src -e ipv6.dst \
	    2>/dev/null | awk '{ print $1, $2, $4, $3, $5 }'
}

# tunnel_both_ways PCAP COA PEER INNER: tunnelled packets COA <-> PEER
# carrying INNER both ways.
tunnel_both_ways() {
	tunnel_rows "$1" | awk -v c="$2" -v p="$3" -v i="$4" '
	    $2 == c && $3 == p && $4 == i { up++ }
	    $2 == p && $3 == c && $5 == i { down++ }
	    END { printf "  capture: %d packets %s -> %s, %d back (inner %s)\n",
		up, c, p, down, i; exit !(up > 0 && down > 0) }'
}

# interruption PCAP OLD NEW INNER: per direction, ms from the last
# tunnelled packet of INNER on the old CoA to the first on the new one
# (negative: both paths carried it at once).
interruption() {
	tunnel_rows "$1" | awk -v o="$2" -v n="$3" -v i="$4" '
	    $4 != i && $5 != i { next }
	    $2 == o { lu = $1 } $3 == o { ld = $1 }
	    $2 == n && !fu { fu = $1 } $3 == n && !fd { fd = $1 }
	    END {
		if (!lu || !fu || !ld || !fd) { print "n/a"; exit }
		printf "up %.0f ms, down %.0f ms\n", (fu - lu) * 1000, (fd - ld) * 1000
	    }'
}

# ---- TCP transfers -------------------------------------------------------------

# serve NODE ADDR PORT TAG: a paced 3 MB sender bound to ADDR:PORT.
serve() {
	rm -f "$TOPO_RUN/serve-$4.out"
	topo_exec "$1" python3 "$XFER" serve "$2" "$3" 3000000 1000000 "$4" \
	    > "$TOPO_RUN/serve-$4.out" 2>&1 &
	_T_PIDS+=($!)
	eval "SERVE_$4=$!"
	topo_wait_for "grep -q listening '$TOPO_RUN/serve-$4.out'" 5
}

# fetch ADDR PORT SRC TAG: the MN's client, bound to SRC.
fetch() {
	rm -f "$TOPO_RUN/fetch-$4.out"
	topo_exec mn python3 "$XFER" fetch "$1" "$2" 40 "$3" \
	    > "$TOPO_RUN/fetch-$4.out" 2>&1 &
	_T_PIDS+=($!)
	eval "FETCH_$4=$!"
}

# same_bytes TAG: both ends of the transfer saw the same 3 MB.
same_bytes() {
	local s f sp fp
	eval "sp=\$SERVE_$1 fp=\$FETCH_$1"
	wait "$fp"
	# A server whose client died would write on forever.
	topo_wait_for "! kill -0 $sp 2>/dev/null" 10 || kill "$sp" 2>/dev/null
	wait "$sp"
	s=$(awk '/^bytes/ { print $2, $4 }' "$TOPO_RUN/serve-$1.out")
	f=$(awk '/^bytes/ { print $2, $4 }' "$TOPO_RUN/fetch-$1.out")
	if [ -z "$s" ] || [ "$s" != "$f" ] || [ "${s%% *}" != 3000000 ]; then
		echo "  server: $(cat "$TOPO_RUN/serve-$1.out")"
		echo "  client: $(cat "$TOPO_RUN/fetch-$1.out")"
		return 1
	fi
}

# ---- the scenario ------------------------------------------------------------------

part1() {
	local coa1=$1 pd1="$TOPO_RUN/dhp1-dhp0.pcapng"
	local pd2="$TOPO_RUN/dhp2-dhp0.pcapng"
	echo "-- 1: a DHoA per CN at the DHP near it"
	if anchor "$TOPO_CN1" session-lasting && [ "$A_STATE" = done ] &&
	    [ "$A_RESULT" = dhoa ] && in_prefix "$A_ADDR" 2001:db8:d1:: &&
	    [ "$A_DHP" = dhp1 ]; then
		D1=$A_ADDR
		ok "1: DHoA $D1 from DHP1 for CN1"
		row "1: anchor request -> DHoA (CN1, query incl.)" "$A_MS ms"
	else
		bad "1: no DHoA from DHP1 for CN1 ($A_STATE $A_RESULT $A_ADDR $A_DHP $A_WHY)"
		return 1
	fi
	if anchor "$TOPO_CN2" session-lasting && [ "$A_STATE" = done ] &&
	    [ "$A_RESULT" = dhoa ] && in_prefix "$A_ADDR" 2001:db8:d2:: &&
	    [ "$A_DHP" = dhp2 ]; then
		D2=$A_ADDR
		ok "1: DHoA $D2 from DHP2 for CN2"
		row "1: anchor request -> DHoA (CN2, query incl.)" "$A_MS ms"
	else
		bad "1: no DHoA from DHP2 for CN2 ($A_STATE $A_RESULT $A_ADDR $A_DHP $A_WHY)"
		return 1
	fi
	check "1: mnd logs the directory's answer for CN1" has_log mnd-mn.log \
	    "DHP query for $TOPO_CN1: $TOPO_DHP1 dhp1 (validity 300s)"
	check "1: mnd logs the DHoA for CN2" has_log mnd-mn.log \
	    "DHoA $D2 from $TOPO_DHP2 for $TOPO_CN2 type session-lasting"
	check "1: dhpd1 binds DHoA1 to the CoA" wait_log dhpd-dhp1.log \
	    "DHP binding $D1 -> $coa1 (added|refreshed)" 3
	check "1: show dhps: both DHPs up, the answers for CN1's and CN2's /64 cached" \
	    test "$(jget "$(ctl mnd show dhps)" '"ok" if [d["state"] for d in j["dhps"]] == ["up", "up"] and sorted((c["cn"], c["answer"]) for c in j["cache"]) == [("2001:db8:c1::/64", "dhp"), ("2001:db8:c2::/64", "dhp")] else j')" = ok
	check "1: both DHP-BCs are in (show bindings: 2 DHP entries registered)" \
	    topo_wait_for "[ \"\$(jget \"\$(ctl mnd show bindings)\" 'sum(1 for r in j[\"bindings\"] if r[\"kind\"] == \"DHP\" and r[\"state\"] == \"registered\")')\" = 2 ]" 3
	check "1: the MN reaches CN1 from DHoA1" ping_from "$D1" "$TOPO_CN1"
	check "1: the MN reaches CN2 from DHoA2" ping_from "$D2" "$TOPO_CN2"
	check "1: CN1 reaches DHoA1 (through DHP1)" topo_wait_for \
	    "topo_exec cn1 ping -6 -n -q -c 1 -W 0.5 $D1 >/dev/null" 3
	check "1: the MN's route from DHoA1 goes into the tunnel" \
	    test -n "$(topo_exec mn ip -6 route get "$TOPO_CN1" from "$D1" |
		grep -E "encap seg6|dev dmip0|dev ip6tnl")"
	topo_capture_stop "$pd1"
	topo_capture_stop "$pd2"
	check "1: DHP1's link: IPv6-in-IPv6 CoA <-> DHP1 carrying DHoA1" \
	    tunnel_both_ways "$pd1" "$coa1" "$TOPO_DHP1" "$D1"
	check "1: DHP2's link: IPv6-in-IPv6 CoA <-> DHP2 carrying DHoA2" \
	    tunnel_both_ways "$pd2" "$coa1" "$TOPO_DHP2" "$D2"
}

part2() {
	local coa1=$1 coa2 pd1="$TOPO_RUN/dhp1-ho.pcapng" line
	local pd2="$TOPO_RUN/dhp2-ho.pcapng" pha="$TOPO_RUN/ha-ho.pcapng"
	echo "-- 2: handoff AR1 -> AR2 during three transfers"
	topo_capture dhp1 dhp0 "$pd1" && topo_capture dhp2 dhp0 "$pd2" &&
	    topo_capture ha lan0 "$pha" || { bad "2: captures"; return 1; }
	serve cn1 "$TOPO_CN1" 5001 d1 && serve cn2 "$TOPO_CN2" 5001 d2 &&
	    serve cn1 "$TOPO_CN1" 5002 hoa || { bad "2: servers"; return 1; }
	fetch "$TOPO_CN1" 5001 "$D1" d1
	fetch "$TOPO_CN2" 5001 "$D2" d2
	fetch "$TOPO_CN1" 5002 "$TOPO_HOA" hoa
	# All three under way (python starts slowly on a busy box) ...
	check "2: three TCP connections from DHoA1, DHoA2 and the HoA" \
	    topo_wait_for "[ \"\$(topo_exec mn ss -Htn state established | grep -cE '\[?($D1|$D2|$TOPO_HOA)\]?:[0-9]+ ')\" -ge 3 ]" 10
	# ... and carrying data for a moment before the move.
	sleep 0.7
	topo_handoff_b 2 || { bad "2: handoff B to AR2"; return 1; }
	coa2=$(topo_coa 2)
	if wait_log mnd-mn.log "handoff to $coa2: .*all confirmed" 6; then
		line=$(grep -F "handoff to $coa2:" "$TOPO_RUN/mnd-mn.log" | tail -n 1)
		ok "2: the BA and both DHP-BCs confirmed $coa2"
		row "2: port moved -> new CoA address" "$TOPO_HO_ADDR_MS ms"
		row "2: port moved -> last ack (log seen here)" "$(topo_ms_since "$TOPO_HO_T0") ms"
		row "2: mnd: new CoA usable -> each ack" "${line#*: }"
	else
		bad "2: no complete re-binding to $coa2"
		grep -F "handoff to" "$TOPO_RUN/mnd-mn.log" | tail -n 2
	fi
	check "2: dhpd1 moved DHoA1 to the new CoA" wait_log dhpd-dhp1.log \
	    "DHP binding $D1 -> $coa2 moved from $coa1" 3
	check "2: dhpd2 moved DHoA2 to the new CoA" wait_log dhpd-dhp2.log \
	    "DHP binding $D2 -> $coa2 moved from $coa1" 3
	check "2: had moved the HoA to the new CoA" wait_log had-ha.log \
	    "binding $TOPO_HOA -> $coa2 moved from $coa1" 3
	check "2: CN1 -> DHoA1 transfer intact across the handoff" same_bytes d1
	check "2: CN2 -> DHoA2 transfer intact across the handoff" same_bytes d2
	check "2: CN1 -> HoA transfer intact across the handoff" same_bytes hoa
	for t in d1 d2 hoa; do
		row "2: transfer $t" "$(awk '/^bytes/ { print $2 " bytes in " $6 " s" }' "$TOPO_RUN/fetch-$t.out")"
	done
	topo_capture_stop "$pd1"
	topo_capture_stop "$pd2"
	topo_capture_stop "$pha"
	row "2: interruption DHoA1 (via DHP1)" "$(interruption "$pd1" "$coa1" "$coa2" "$D1")"
	row "2: interruption DHoA2 (via DHP2)" "$(interruption "$pd2" "$coa1" "$coa2" "$D2")"
	row "2: interruption HoA (via the HA)" "$(interruption "$pha" "$coa1" "$coa2" "$TOPO_HOA")"
	check "2: DHP1's capture shows DHoA1 on both CoAs" \
	    test "$(interruption "$pd1" "$coa1" "$coa2" "$D1")" != n/a
	check "2: no DHoA packet on the HA's link" \
	    test -z "$(tshark -n -r "$pha" -Y "ipv6.addr == $D1 || ipv6.addr == $D2" 2>/dev/null)"
	check "2: mnd deleted the stale CoA $coa1" \
	    topo_wait_for "! topo_coa 1 >/dev/null" 2
	COA2=$coa2
}

part2b() {
	local coa line
	echo "-- 2b: home and back (F.16)"
	topo_handoff_b home || { bad "2b: handoff to the home link"; return 1; }
	check "2b: mnd deregistered at home" wait_log mnd-mn.log \
	    "deregistered $TOPO_HOA" 5
	check "2b: dhpd1 binds DHoA1 to the HoA" topo_wait_for \
	    "[ \"\$(dhp_coa dhpd1 $D1)\" = $TOPO_HOA ]" 4
	check "2b: dhpd2 binds DHoA2 to the HoA" topo_wait_for \
	    "[ \"\$(dhp_coa dhpd2 $D2)\" = $TOPO_HOA ]" 4
	check "2b: at home the MN reaches CN1 from DHoA1" ping_from "$D1" "$TOPO_CN1"
	check "2b: at home the MN reaches CN2 from DHoA2" ping_from "$D2" "$TOPO_CN2"
	if wait_log mnd-mn.log "handoff to $TOPO_HOA: .*all confirmed" 3; then
		line=$(grep -F "handoff to $TOPO_HOA:" "$TOPO_RUN/mnd-mn.log" | tail -n 1)
		ok "2b: the dereg BA, then both DHP-BCs (CoA := HoA)"
		row "2b: mnd: at home -> each ack" "${line#*: }"
	else
		bad "2b: the re-binding at home did not complete"
	fi
	topo_handoff_b 1 || { bad "2b: leaving home for AR1"; return 1; }
	coa=$(topo_coa 1)
	check "2b: registered again from $coa" wait_log mnd-mn.log \
	    "registered $TOPO_HOA via $coa" 5
	check "2b: dhpd1 binds DHoA1 to $coa again" topo_wait_for \
	    "[ \"\$(dhp_coa dhpd1 $D1)\" = $coa ]" 4
	check "2b: the MN reaches CN1 from DHoA1 again" ping_from "$D1" "$TOPO_CN1"
}

part3() {
	local j t0
	echo "-- 3: release"
	t0=$(topo_now)
	j=$(ctl mnd anchor release "$D1")
	check "3: anchor release $D1 accepted" test "$(jget "$j" 'j["result"]')" = release
	if topo_wait_for "! leases dhpd1 | grep -qxF $D1" 3; then
		ok "3: DHoA1 is gone from dhpd1's show leases"
		row "3: anchor release -> gone at the DHP" "$(topo_ms_since "$t0") ms"
	else
		bad "3: DHoA1 still leased at dhpd1: $(leases dhpd1)"
	fi
	check "3: dhpd1 logs the release" wait_log dhpd-dhp1.log \
	    "DHoA $D1 released by $TOPO_HOA" 2
	check "3: mnd: DHoA1 released on a DHP-BC" wait_log mnd-mn.log \
	    "anchor $D1: releasing -> gone \\(released, DHP-BC status 0" 2
	check "3: DHoA1 left the MN's lo and rules" \
	    test -z "$(topo_exec mn ip -6 addr show dev lo | grep -F "$D1/")$(topo_exec mn ip -6 rule | grep -F "$D1")"
	check "3: DHoA2 is still leased at dhpd2" test "$(leases dhpd2)" = "$D2"
}

part_exit() {
	local rc t0
	echo "-- E: mnd stops"
	t0=$(topo_now)
	topo_stop_daemon mn mnd
	rc=$?
	check "E: mnd exits 0 on SIGTERM" test $rc -eq 0
	row "E: SIGTERM -> mnd gone" "$(topo_ms_since "$t0") ms"
	check "E: mnd released DHoA2 at exit (dhpd2 leases none)" \
	    test -z "$(leases dhpd2)"
	check "E: dhpd2 logs the release" has_log dhpd-dhp2.log \
	    "DHoA $D2 released by $TOPO_HOA"
	check "E: mnd deregistered the HoA at exit" \
	    wait_log had-ha.log "binding $TOPO_HOA deleted" 1
	check "E: no DHoA, HoA or rule of mnd left on the MN" \
	    test -z "$(topo_exec mn ip -6 addr show dev lo | grep -E "$D1/|$D2/|$TOPO_HOA/")$(topo_exec mn ip -6 rule | grep -E "$D1|$D2|$TOPO_HOA")"
}

part4() {
	local t0 ms
	echo "-- 4: DHP down, pool exhausted, no fallback"
	mv "$TOPO_RUN/mnd-mn.log" "$TOPO_RUN/mnd-mn-1.log"
	topo_start_daemon mn mnd "$TOPO_ETC/mnd.conf" -v || { bad "4: mnd restart"; return 1; }
	wait_log mnd-mn.log "registered $TOPO_HOA via" 6 || bad "4: mnd registered again"
	topo_stop_daemon dhp2 dhpd
	if anchor "$TOPO_CN2" session-lasting 25 && [ "$A_STATE" = done ] &&
	    [ "$A_RESULT" = hoa ] && [ "$A_ADDR" = "$TOPO_HOA" ]; then
		ok "4: DHP2 down: fallback to the HoA ($A_WHY)"
	else
		bad "4: DHP2 down: no fallback ($A_STATE $A_RESULT $A_ADDR $A_WHY)"
	fi
	row "4: DHP2 down: request -> fallback (mnd)" "$A_MS ms"
	row "4: DHP2 down: request -> fallback (dmipctl polling)" "$A_WALL ms"
	row "4: C.2 bound (query answered, 1+2+4+8 s)" "15000 ms"
	check "4: within the C.2 bound (15 s, 1 s slack)" \
	    test "${A_MS:-0}" -ge 14500 -a "${A_MS:-99999}" -le 16000
	check "4: 4 DHoA Requests to DHP2" test \
	    "$(grep -c "DHoA Request to $TOPO_DHP2 " "$TOPO_RUN/mnd-mn.log")" -eq 4
	check "4: mnd logs the fallback" has_log mnd-mn.log \
	    "fallback to HoA for $TOPO_CN2 (DHP dhp2 $TOPO_DHP2: no answer to 4 DHoA Requests)"

	# DHP1 with one address, leased to mn2.
	topo_stop_daemon dhp1 dhpd
	dhp1_tiny_conf
	mv "$TOPO_RUN/dhpd-dhp1.log" "$TOPO_RUN/dhpd-dhp1-1.log"
	topo_start_daemon dhp1 dhpd "$TOPO_ETC/dhpd1-tiny.conf" -v ||
	    { bad "4: dhpd1 with one address"; return 1; }
	OUT=$(topo_exec cn1 "$INJ" -d "$TOPO_DHP1" -s 2001:db8:f::c1 \
	    -H "$HOA2" -S "$SPI2" -K "$KEY2" req 2>&1)
	if echo "$OUT" | grep -q 'status=0 .*dhoa=2001:db8:d1::5 '; then
		ok "4: another MN (mn2) takes DHP1's only address"
	else
		bad "4: mn2 did not get DHP1's only address: $OUT"
	fi
	t0=$(topo_now)
	if anchor "$TOPO_CN1" session-lasting && [ "$A_RESULT" = hoa ]; then
		ok "4: pool exhausted: fallback to the HoA ($A_WHY)"
	else
		bad "4: pool exhausted: ($A_STATE $A_RESULT $A_ADDR $A_WHY)"
	fi
	row "4: pool exhausted: request -> fallback (mnd)" "$A_MS ms"
	check "4: dhpd1 answered 130" has_log dhpd-dhp1.log \
	    "status 130 (insufficient resources)"
	check "4: mnd logs the 130 fallback" has_log mnd-mn.log \
	    "fallback to HoA for $TOPO_CN1 (DHP dhp1 $TOPO_DHP1: DHoA Response status 130 (insufficient resources))"

	# The same with fallback_to_ha = false: the request fails.
	topo_stop_daemon mn mnd
	sed -i 's/^fallback_to_ha = .*/fallback_to_ha = false/' "$TOPO_ETC/mnd.conf"
	mv "$TOPO_RUN/mnd-mn.log" "$TOPO_RUN/mnd-mn-2.log"
	topo_start_daemon mn mnd "$TOPO_ETC/mnd.conf" -v || { bad "4: mnd restart"; return 1; }
	wait_log mnd-mn.log "registered $TOPO_HOA via" 6
	if anchor "$TOPO_CN1" session-lasting && [ "$A_STATE" = failed ]; then
		ok "4: fallback_to_ha = false: the request fails ($A_WHY)"
	else
		bad "4: fallback_to_ha = false: ($A_STATE $A_RESULT $A_ADDR $A_WHY)"
	fi
	check "4: mnd logs it" has_log mnd-mn.log "no anchor for $TOPO_CN1 (DHP dhp1"
	topo_stop_daemon mn mnd
	check "4: mnd exits 0" test $? -eq 0
}

scenario() {
	local coa1 rc
	echo "== DMIPv6 ($NAME)"
	topo_up || { bad "topology"; return; }
	coa1=$(topo_coa 1)
	topo_capture dhp1 dhp0 "$TOPO_RUN/dhp1-dhp0.pcapng" &&
	    topo_capture dhp2 dhp0 "$TOPO_RUN/dhp2-dhp0.pcapng" ||
	    { bad "captures"; return; }
	start_all || { bad "daemons start"; return; }
	check "0: mnd registered the HoA from $coa1" \
	    wait_log mnd-mn.log "registered $TOPO_HOA via $coa1" 6 || return
	part1 "$coa1" || return
	part2 "$coa1" || return
	part2b || return
	part3
	part_exit
	[ "$FULL" = 1 ] && part4
	for d in dhp1 dhp2; do
		if [ -n "${_T_DPID[$d/dhpd]:-}" ]; then
			topo_stop_daemon "$d" dhpd
			rc=$?
			check "dhpd in $d exits 0" test $rc -eq 0
		fi
	done
	topo_stop_daemon ha had
	check "had exits 0" test $? -eq 0
	# The run dir (logs, captures) stays when something failed.
	if [ "$nfail" -eq 0 ]; then topo_down 0; else topo_down 1; fi
}

scenario
echo "dmip_e2e $NAME: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
