#!/bin/bash
# reliab_forgery.sh: forged and replayed signalling changes nothing
# (issue 8, "Forgery and replay").
#
# had (seg6) holds a binding of mn1 made by mhinject; dhpd (seg6) holds
# a lease and a binding of mn1 made by dhpinject. Both also know a
# second mobile node (mn2), whose valid SA must not work for mn1. Then,
# from the MN's care-of address, tests/tools/mhforge sends (5000/s):
#   to had   4000 BUs: a bit flipped at a random offset, signed with a
#            wrong key, under an unknown SPI, with mn2's SA, and the
#            accepted BU replayed verbatim (800 of each);
#   to dhpd  4500: DHoA Requests and DHP-BUs bit-flipped, wrong key,
#            unknown SPI, mn2's SA, and the accepted DHP-BU replayed.
# Checked for each daemon:
#   - none accepted: no binding or lease added, moved, refreshed,
#     deleted or renewed, no status-0 answer counted;
#   - `dmipctl --json show bindings` (and `show leases`) identical
#     before and after, and the kernel state (routes of every table,
#     rules, proxy ND entries) identical;
#   - every message is accounted for: the daemon's counters (parsed and
#     given to the engine, other MH types, malformed) plus the kernel's
#     drops on the namespace's raw sockets add up to what was sent; the
#     breakdown (146, 144, unknown SPI, ...) is printed;
#   - the replies were rate-limited (issue 8 "Floods", C.2): counted;
#   - afterwards the real MN still registers at once (a valid BU, a
#     DHP-BU refresh): a flood from its own /64 does not lock it out.
#
# Root only; exit 77 when network namespaces cannot be created.
RELIAB_NAME=reliab_forgery
# shellcheck source=tests/reliab_lib.sh
. "${srcdir:-.}/tests/reliab_lib.sh"

COA=2001:db8:1::100
HOA=$TOPO_HOA
HOA2=2001:db8:10::200
KEY_HA2=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
KEY_DHP2=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100
N_HA=4000
N_DHP=4500
RATE=5000

topo_trap

# Kernel state a binding may touch, in a namespace.
kstate() {
	topo_exec "$1" ip -6 route show table all | grep -v '^\(local\|multicast\|anycast\) ' |
	    sed 's/ expires [0-9]*sec//'
	topo_exec "$1" ip -6 rule
	topo_exec "$1" ip -6 neigh show proxy
}

# The counters that must add up, and the ones that must not move.
HA_RX="rx_bu rx_dhp_query rx_other rx_bad"
HA_ACC="bind_added bind_moved bind_refreshed bind_deleted dad_started"
DHP_RX="rx_dhoa_request rx_dhp_bu drop_other_type rx_bad"
DHP_ACC="lease_new lease_renewed lease_released bind_added bind_moved bind_refreshed bind_deleted dhoa_request_status_0 dhp_bu_status_0"

# forge DEST SOCK N KINDS EXTRA...: run mhforge from the CoA; prints
# what it sent.
forge() {
	local dst=$1 n=$2 kinds=$3
	shift 3
	topo_exec mn "$MHFORGE" -d "$dst" -s $COA -n "$n" -r $RATE "$@" "$kinds" \
	    > "$TOPO_RUN/forge.out" 2>&1 || { cat "$TOPO_RUN/forge.out"; return 1; }
	sed 's/^/  mhforge: /' "$TOPO_RUN/forge.out"
	FORGED=$(awk '/^sent/ { print $2 }' "$TOPO_RUN/forge.out")
}

# settle SOCK KEYS...: until the daemon read everything (the counters
# stop moving for 300 ms; 5 s at most).
settle() {
	local s=$1 a b
	shift
	b=$(stats_sum "$s" "$@")
	for _ in $(seq 16); do
		sleep 0.3
		a=$b
		b=$(stats_sum "$s" "$@")
		[ "$a" = "$b" ] && return 0
	done
}
snap() { ctl "$1" stats > "$2"; }
delta() {	# FILE_BEFORE FILE_AFTER KEYS... -> sum of deltas
	python3 - "$@" <<-'EOF'
	import json, sys
	a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
	print(sum(int(b.get(k, 0)) - int(a.get(k, 0)) for k in sys.argv[3:]))
	EOF
}
moved() {	# FILE_BEFORE FILE_AFTER: every numeric counter that moved
	python3 - "$@" <<-'EOF'
	import json, sys
	a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
	out = [f"{k}+{b[k] - a.get(k, 0)}" for k in sorted(b)
	       if isinstance(b[k], int) and b[k] != a.get(k, 0) and k != "uptime"]
	print(" ".join(out))
	EOF
}

# ---- set-up ----------------------------------------------------------

setup() {
	topo_copy_etc "had.conf:skip_dad=true" "had.conf:state_dir=$(state_dir had)" \
	    "dhpd.conf:state_dir=$(state_dir dhpd)" > /dev/null || return 1
	printf '%s\n' "$KEY_HA2" > "$TOPO_ETC/keys/mn2-ha.key"
	printf '%s\n' "$KEY_DHP2" > "$TOPO_ETC/keys/mn2-dhp1.key"
	chmod 600 "$TOPO_ETC"/keys/mn2-*.key
	cat >> "$TOPO_ETC/had.conf" <<-EOF
	sa 4097 {
		key_file = "keys/mn2-ha.key"
	}
	mobile_node mn2 {
		home_address = "$HOA2"
		spi = 4097
	}
	EOF
	cat >> "$TOPO_ETC/dhpd.conf" <<-EOF
	sa 8200 {
		key_file = "keys/mn2-dhp1.key"
	}
	mobile_node mn2 {
		home_address = "$HOA2"
		spi = 8200
	}
	EOF
	# Normal log level: what a production daemon logs under attack.
	topo_start_daemon ha had "$TOPO_ETC/had.conf" &&
	topo_start_daemon dhp1 dhpd "$TOPO_ETC/dhpd.conf"
}

# ---- had ---------------------------------------------------------------

phase_had() {
	local out st b0 b1 k0 k1 s0=$TOPO_RUN/ha0.json s1=$TOPO_RUN/ha1.json
	local d0 d1 rx drops
	echo "== had: $N_HA forged and replayed BUs"
	out=$(topo_exec mn "$MHINJECT" -s $COA -d "$TOPO_HA" -H "$HOA" -i 4096 \
	    -k "$TOPO_ETC/keys/mn1-ha.key" -q 1 -l 150 -V -w "$TOPO_RUN/bu1.bin")
	read -r _ st _ <<<"$out"
	check "mn1 registered (status ${st:-none})" test "${st:-}" = 0 || return 1
	sleep 0.3	# the state file is written (100 ms)
	b0=$(table "$TOPO_RUN/had.sock" "show bindings" bindings)
	k0=$(kstate ha)
	snap "$TOPO_RUN/had.sock" "$s0"
	d0=$(sock_drops ha)
	forge "$TOPO_HA" $N_HA bu-flip,bu-wrongkey,bu-wrongspi,bu-othersa,replay \
	    -H "$HOA" -i 4096 -k "$TOPO_ETC/keys/mn1-ha.key" \
	    -O "4097:$TOPO_ETC/keys/mn2-ha.key" -R "$TOPO_RUN/bu1.bin" ||
	    { bad "mhforge"; return 1; }
	check "all $N_HA sent" test "$FORGED" = $N_HA
	settle "$TOPO_RUN/had.sock" $HA_RX
	snap "$TOPO_RUN/had.sock" "$s1"
	d1=$(sock_drops ha)
	b1=$(table "$TOPO_RUN/had.sock" "show bindings" bindings)
	k1=$(kstate ha)
	rx=$(delta "$s0" "$s1" $HA_RX)
	drops=$((d1 - d0))
	row "had counters that moved" "$(moved "$s0" "$s1")"
	row "had: given to the engine or dropped malformed + kernel drops" "$rx + $drops of $FORGED"
	check "none accepted (no binding added, moved, refreshed, deleted; no DAD)" \
	    test "$(delta "$s0" "$s1" $HA_ACC)" = 0
	check "show bindings unchanged" test "$b0" = "$b1"
	check "kernel state (routes, rules, proxy ND) unchanged" test "$k0" = "$k1"
	check "every message accounted for ($rx + $drops = $FORGED)" \
	    test $((rx + drops)) = "$FORGED"
	check "800 replays answered 144 or rate-limited: 144 counted >= 800" \
	    test "$(delta "$s0" "$s1" bu_status_144)" -ge 800
	check "bad MACs and mn2's SA counted as 146 (>= 1600)" \
	    test "$(delta "$s0" "$s1" bu_status_146)" -ge 1600
	check "unknown SPIs dropped silently (>= 800)" \
	    test "$(delta "$s0" "$s1" drop_unknown_spi)" -ge 800
	check "the answers were rate-limited" test "$(delta "$s0" "$s1" rate_limited)" -gt 0
	out=$(topo_exec mn "$MHINJECT" -s $COA -d "$TOPO_HA" -H "$HOA" -i 4096 \
	    -k "$TOPO_ETC/keys/mn1-ha.key" -q 2 -l 150 -V)
	read -r _ st _ _ _ _ <<<"$(echo "$out" | sed -n 1p)"
	check "the real MN refreshes at once afterwards (status ${st:-none}, $(echo "$out" | sed -n 's/^rtt_ms \([^ ]*\).*/\1/p') ms)" \
	    test "${st:-}" = 0
}

# ---- dhpd ----------------------------------------------------------------

dinject() {
	OUT=$(topo_exec mn "$DHPINJECT" -d "$TOPO_DHP1" -s $COA \
	    -k "$TOPO_ETC/keys/mn1-dhp1.key" "$@" 2>&1)
}
dget() { echo " $OUT" | sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -1; }

phase_dhpd() {
	local dhoa b0 b1 l0 l1 k0 k1 s0=$TOPO_RUN/dhp0.json s1=$TOPO_RUN/dhp1.json
	local d0 d1 rx drops
	echo "== dhpd: $N_DHP forged and replayed DHoA Requests and DHP-BUs"
	dinject -q 1 -l 600 req
	dhoa=$(dget dhoa)
	check "mn1 leased $dhoa" test "$(dget status)" = 0 -a -n "$dhoa" || return 1
	dinject -q 10 -D "$dhoa" -O "$TOPO_RUN/dbu10.bin" bu
	check "mn1 bound it" test "$(dget status)" = 0 || return 1
	sleep 0.3
	b0=$(table "$TOPO_RUN/dhpd.sock" "show bindings" bindings)
	l0=$(table "$TOPO_RUN/dhpd.sock" "show leases" leases)
	k0=$(kstate dhp1)
	snap "$TOPO_RUN/dhpd.sock" "$s0"
	d0=$(sock_drops dhp1)
	forge "$TOPO_DHP1" $N_DHP \
	    req-flip,req-wrongkey,req-wrongspi,req-othersa,dbu-flip,dbu-wrongkey,dbu-wrongspi,dbu-othersa,replay \
	    -H "$HOA" -i 8192 -k "$TOPO_ETC/keys/mn1-dhp1.key" -D "$dhoa" \
	    -O "8200:$TOPO_ETC/keys/mn2-dhp1.key" -R "$TOPO_RUN/dbu10.bin" ||
	    { bad "mhforge"; return 1; }
	check "all $N_DHP sent" test "$FORGED" = $N_DHP
	settle "$TOPO_RUN/dhpd.sock" $DHP_RX
	snap "$TOPO_RUN/dhpd.sock" "$s1"
	d1=$(sock_drops dhp1)
	b1=$(table "$TOPO_RUN/dhpd.sock" "show bindings" bindings)
	l1=$(table "$TOPO_RUN/dhpd.sock" "show leases" leases)
	k1=$(kstate dhp1)
	rx=$(delta "$s0" "$s1" $DHP_RX)
	drops=$((d1 - d0))
	row "dhpd counters that moved" "$(moved "$s0" "$s1")"
	row "dhpd: given to the engine or dropped malformed + kernel drops" "$rx + $drops of $FORGED"
	check "none accepted (no lease or binding added, renewed, moved, released)" \
	    test "$(delta "$s0" "$s1" $DHP_ACC)" = 0
	check "show bindings unchanged" test "$b0" = "$b1"
	check "show leases unchanged" test "$l0" = "$l1"
	check "kernel state (routes, rules) unchanged" test "$k0" = "$k1"
	check "every message accounted for ($rx + $drops = $FORGED)" \
	    test $((rx + drops)) = "$FORGED"
	check "the replayed DHP-BU: 144 (>= 500)" \
	    test "$(delta "$s0" "$s1" dhp_bu_status_144)" -ge 500
	check "bad MACs and mn2's SA: 146 (>= 1500)" \
	    test "$(delta "$s0" "$s1" dhoa_request_status_146 dhp_bu_status_146)" -ge 1500
	check "unknown SPIs dropped silently (>= 1000)" \
	    test "$(delta "$s0" "$s1" drop_unknown_spi)" -ge 1000
	check "the answers were rate-limited" test "$(delta "$s0" "$s1" rate_limited)" -gt 0
	dinject -q 11 -D "$dhoa" bu
	check "the real MN refreshes its DHP binding at once afterwards (status $(dget status))" \
	    test "$(dget status)" = 0
}

topo_up --static || exit 1
setup || { bad "daemons"; reliab_end; exit 1; }
phase_had
phase_dhpd
topo_stop_daemon ha had
check "had exits 0" test $? -eq 0
topo_stop_daemon dhp1 dhpd
check "dhpd exits 0" test $? -eq 0
check "no sanitizer report" eval 'clean_log "$TOPO_RUN/had-ha.log" && clean_log "$TOPO_RUN/dhpd-dhp1.log"'
check "the logs stayed short under the attack (had $(wc -l < "$TOPO_RUN/had-ha.log"), dhpd $(wc -l < "$TOPO_RUN/dhpd-dhp1.log") lines)" \
    test "$(cat "$TOPO_RUN/had-ha.log" "$TOPO_RUN/dhpd-dhp1.log" | wc -l)" -lt 600
reliab_end
