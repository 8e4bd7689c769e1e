#!/bin/bash
# handoff_bench.sh: per anchored flow, the time from "new CoA usable" to
# the first packet on the new path (issue 7, benchmark 1; PROTOCOL.md
# G.4), for 1, 10 and 100 anchored flows over 1 - 4 DHPs, against the
# MN <-> DHP round trip measured in the same run (the physical floor:
# the DHP-BU must reach the DHP before it can send anything to the new
# CoA, and the echo must come back).
#
#   bench/handoff_bench.sh [--smoke] [-d "DHPS..."] [-k "FLOWS..."]
#                          [-r ROUNDS] [-D DELAY_MS] [-i INTERVAL_US]
#
# The lab of tests/lib/topo.sh with TOPO_NDHP=4 (DHP1..4, each serving
# its CN1..4), had in ha, dhpd in dhp1..N, mnd in mn, as the
# integration tests start them. Each access router's LAN port reaches
# the server LAN (core, HA, DHPs) through bench/delayline, DELAY_MS
# each way (default 10; the kernel has no netem, TESTBED.md), so the
# MN <-> DHP round trip is about 2 x DELAY_MS while the access link
# itself (RAs, the AR's neighbour discovery of the new CoA) stays
# fast, as a wireless hop in front of a longer path would; -D 0 leaves
# the links as they are.
#
# For each N in DHPS (ascending; default "1 2 4"), mnd gets one DHoA
# per DHP 1..N (`dmipctl anchor request <CNj> session-lasting`, PROTOCOL
# F.9: one DHoA per DHP, many flows on it). For each K in FLOWS
# (default "1 10 100") and each of ROUNDS (default 3) handoffs:
#   - ping from the CoA to DHP1..N: the round trip on the old link;
#   - bench/handoff_probe in mn: K UDP flows, flow i from DHoA_(i mod N)
#     port 20000+i to CN_(i mod N) port 7000 (echoed by handoff_probe
#     echo there), one probe per INTERVAL (default 2 ms, 200 us x K when
#     that is more: 20 ms for 100 flows, so never more than 5 000
#     probes/s: at 20 000/s the 2-vCPU VM queues them for 100 ms);
#   - topo_handoff_b to the other AR (method B: the port moves, the old
#     link is gone at once);
#   - handoff_probe timestamps the new CoA itself (RTM_NEWADDR on mn0 in
#     the new /64, not tentative: "new CoA usable") and, per flow, the
#     first echo after it (CLOCK_MONOTONIC for both);
#   - ping from the new CoA to DHP1..N: the round trip on the new link;
#   - mnd's own timeline line ("handoff to <CoA>: ... DHP-BC from ...
#     after N ms"): its new CoA -> last DHP-BC.
# Printed: one row per (N, K): median / p95 / max of the per-flow
# handoff times over all rounds (each includes the wait for the flow's
# next probe, 0 .. INTERVAL), the first flow back (per round, then the
# median over rounds: with many staggered flows, when the path opened),
# the new link's RTT (median of the rounds' ping medians), and the
# ratios handoff / RTT.
#
# --smoke (what `make check` runs through bench/smoke_handoff.sh): one
# DHP, 1 and 10 flows, one handoff each, under 40 s; passes when every
# flow came back on the new path, every figure is positive and the
# daemons exit 0.
#
# Root only; exit 77 without network namespaces, 1 when a step failed.
# KEEP=1 keeps the run dir (configs, logs, raw probe output).
set -u
export srcdir=${srcdir:-.}
export builddir=${builddir:-.}
export TOPO_NDHP=4
. "$srcdir/tests/lib/topo.sh"

B=$TOPO_BUILDDIR
PROBE=$B/bench/handoff_probe
DELAYLINE=$B/bench/delayline
CTL=$B/tools/dmipctl
DHPS="1 2 4" FLOWS="1 10 100" R=3 D=10 IV="" SMOKE=0 PORT=7000
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 DHPS=1 FLOWS="1 10" R=1 ;;
	-d) DHPS=$2; shift ;;
	-k) FLOWS=$2; shift ;;
	-r) R=$2; shift ;;
	-D) D=$2; shift ;;
	-i) IV=$2; shift ;;
	*) echo "usage: $0 [--smoke] [-d \"DHPS...\"] [-k \"FLOWS...\"] [-r ROUNDS] [-D DELAY_MS] [-i INTERVAL_US]" >&2
	   exit 2 ;;
	esac
	shift
done
DHPS=$(echo "$DHPS" | tr ' ' '\n' | sort -n | uniq | tr '\n' ' ')
for n in $DHPS; do
	case $n in 1|2|3|4) ;; *) echo "DHPS: 1 to 4, not $n" >&2; exit 2 ;; esac
done

if [ "$(id -u)" != 0 ] || ! ip netns add "d6hbprobe$$" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces (needs root)"
	exit 77
fi
ip netns del "d6hbprobe$$"
for f in "$PROBE" "$DELAYLINE" "$CTL" "$B/mn/mnd" "$B/ha/had" "$B/dhp/dhpd"; do
	[ -x "$f" ] || { echo "FAIL: $f not built (make check builds it)"; exit 1; }
done

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
t_begin=$(topo_now)
[ -n "${KEEP:-}" ] && export TOPO_KEEP=always
topo_trap

ctl() { "$CTL" -s "$TOPO_RUN/$1.sock" -j "${@:2}"; }
jget() {
	python3 -c 'import json, sys; j = json.loads(sys.argv[1]); v = eval(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}
dhp_addr() { echo "2001:db8:f::${1}1"; }
cn_addr() { echo "2001:db8:c$1::1"; }

# ---- the lab, the delay, the daemons -------------------------------------

topo_up || exit 1
if [ "$D" != 0 ]; then
	sw=$(topo_ns sw)
	for a in 1 2; do
		ip -n "$sw" link set "ar$a-lan0" nomaster &&
		ip -n "$sw" link add "dl$a-a" type veth peer name "dl$a-b" &&
		ip -n "$sw" link set "dl$a-b" master brs up &&
		ip -n "$sw" link set "dl$a-a" up || { fail "delay links"; exit 1; }
		for i in "ar$a-lan0" "dl$a-a" "dl$a-b"; do
			ip netns exec "$sw" ethtool -K "$i" tx off tso off gso off \
			    gro off >/dev/null 2>&1
		done
	done
	ip netns exec "$sw" "$DELAYLINE" $((D * 1000)) ar1-lan0:dl1-a \
	    ar2-lan0:dl2-a > "$TOPO_RUN/delayline.out" 2>&1 &
	DLPID=$!
	_T_PIDS+=("$DLPID")
	if ! topo_wait_for "topo_exec mn ping -6 -n -q -c 1 -W 1 -I $(topo_coa) $TOPO_DHP1 >/dev/null 2>&1" 5; then
		fail "no path through the delay line"
		cat "$TOPO_RUN/delayline.out"
		exit 1
	fi
	DELAY_TXT="bench/delayline, $D ms each way between each AR and the core LAN (no netem in this kernel)"
fi
# The nodes of the server LAN and the ARs learn each other's link-layer
# addresses now. Otherwise the first packet over a pair that never
# talked waits one neighbour-discovery round trip over the delay, in
# the first visit to an AR only: the core forwards a DHP's first packet
# for the new CoA and redirects the DHP to the AR itself (they share
# the LAN), which the DHP must then resolve.
for a in 1 2; do
	topo_exec "ar$a" ping -6 -n -q -c 1 -W 1 "$TOPO_CORE" > /dev/null 2>&1
	for x in core ha $(seq -f 'dhp%g' 1 "$TOPO_NDHP"); do
		topo_exec "$x" ping -6 -n -q -c 1 -W 1 "2001:db8:f::$a" > /dev/null 2>&1
	done
done
[ "$D" != 0 ] || DELAY_TXT="none (raw veths)"

nd=$(echo "$DHPS" | awk '{ print $NF }')
topo_copy_etc > /dev/null || exit 1
e=$TOPO_ETC
for j in $(seq 1 "$nd"); do
	if [ ! -f "$e/keys/mn1-dhp$j.key" ]; then
		{ echo "# MN1 SA key (mn1-dhp$j), handoff_bench"
		  od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; echo; } > "$e/keys/mn1-dhp$j.key"
		chmod 600 "$e/keys/mn1-dhp$j.key"
	fi
	sed -e "s|/dhpd\.sock\"|/dhpd$j.sock\"|" -e "s|/state-dhpd\"|/state-dhpd$j\"|" \
	    -e "s|2001:db8:f::11|$(dhp_addr "$j")|" \
	    -e "s|2001:db8:d1::/64|2001:db8:d$j::/64|" \
	    -e "s|^sa 8192|sa $((8191 + j))|" -e "s|mn1-dhp1\.key|mn1-dhp$j.key|" \
	    -e "s|spi = 8192|spi = $((8191 + j))|" "$e/dhpd.conf" > "$e/dhpd$j.conf"
	if [ "$j" -ge 3 ]; then
		cat >> "$e/mnd.conf" <<-EOF
		sa $((8191 + j)) {
			alg = "hmac-sha256-128"
			key_file = "keys/mn1-dhp$j.key"
		}
		dhp dhp$j {
			address = "$(dhp_addr "$j")"
			spi = $((8191 + j))
		}
		EOF
		cat >> "$e/had.conf" <<-EOF
		dhp dhp$j {
			address = "$(dhp_addr "$j")"
			preference = 100
			metric = 10
			serves = {"2001:db8:c$j::/48"}
			colocated = false
		}
		EOF
	fi
done
topo_start_daemon ha had "$e/had.conf" || exit 1
for j in $(seq 1 "$nd"); do
	topo_start_daemon "dhp$j" dhpd "$e/dhpd$j.conf" || exit 1
done
topo_start_daemon mn mnd "$e/mnd.conf" || exit 1
if ! topo_wait_for "grep -q 'registered $TOPO_HOA via' '$TOPO_RUN/mnd-mn.log'" 6; then
	fail "mnd did not register"
	tail -n 20 "$TOPO_RUN/mnd-mn.log"
	exit 1
fi
for j in $(seq 1 "$nd"); do
	topo_exec "cn$j" "$PROBE" echo "$(cn_addr "$j")" $PORT \
	    > "$TOPO_RUN/echo-cn$j.out" 2>&1 &
	_T_PIDS+=($!)
done
topo_wait_for "[ \$(cat '$TOPO_RUN'/echo-cn*.out | grep -c listening) -eq $nd ]" 5 ||
    { fail "echo servers"; exit 1; }

# anchor J: a DHoA at DHPj for CNj (sets DHOA[J]).
declare -A DHOA=()
anchor() {
	local j=$1 jn id st t0
	t0=$(topo_now)
	jn=$(ctl mnd anchor request "$(cn_addr "$j")" session-lasting) || return 1
	id=$(jget "$jn" 'j["id"]')
	st=$(jget "$jn" 'j["state"]')
	while [ "$st" != "done" ] && [ "$st" != "failed" ]; do
		[ "$(topo_ms_since "$t0")" -lt 5000 ] || return 1
		sleep 0.05
		jn=$(ctl mnd anchor show "$id") || return 1
		st=$(jget "$jn" 'j["state"]')
	done
	if [ "$(jget "$jn" 'j["result"]')" != dhoa ] ||
	    [ "$(jget "$jn" 'j.get("dhp")')" != "dhp$j" ]; then
		echo "  anchor for CN$j: $jn"
		return 1
	fi
	DHOA[$j]=$(jget "$jn" 'j["address"]')
	# Usable both ways before the flows start.
	topo_wait_for "topo_exec mn ping -6 -n -q -c 1 -W 0.5 -I ${DHOA[$j]} $(cn_addr "$j") >/dev/null 2>&1" 5
}

# rtt_ms SRC N: median ping round trip (ms) from SRC to DHP1..N.
rtt_ms() {
	local j
	for j in $(seq 1 "$2"); do
		topo_exec mn ping -6 -n -c 10 -i 0.01 -W 1 -I "$1" "$(dhp_addr "$j")" 2>/dev/null
	done | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR) printf "%.3f\n", v[int((NR + 1) / 2)]; else print "-1" }'
}

# ---- the rounds ----------------------------------------------------------------

W=$TOPO_RUN/raw
mkdir -p "$W"
echo "delay: $DELAY_TXT"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rows: DHPs {$DHPS}, flows {$FLOWS}, $R handoff(s) each"
for n in $DHPS; do
	for j in $(seq 1 "$n"); do
		[ -n "${DHOA[$j]:-}" ] && continue
		anchor "$j" || { fail "no DHoA from DHP$j"; exit 1; }
		echo "DHoA ${DHOA[$j]} from DHP$j for CN$j"
	done
	pairs=""
	for j in $(seq 1 "$n"); do pairs="$pairs ${DHOA[$j]},$(cn_addr "$j")"; done
	for k in $FLOWS; do
		iv=${IV:-$(( k * 200 > 2000 ? k * 200 : 2000 ))}
		for r in $(seq 1 "$R"); do
			tag=$n-$k-$r
			to=$((3 - TOPO_AT))
			coa=$(topo_coa)
			# mnd has deleted the address of the last visit there.
			topo_wait_for "! topo_coa $to >/dev/null" 5 ||
			    { fail "$tag: the old CoA on AR$to is still there"; continue; }
			rb=$(rtt_ms "$coa" "$n")
			topo_exec mn "$PROBE" run -n "$k" -I mn0 -P "2001:db8:$to::" \
			    -p $PORT -i "$iv" -w 800 -a 500 -t 8000 $pairs \
			    > "$W/probe-$tag.out" 2> "$W/probe-$tag.err" &
			pp=$!
			_T_PIDS+=("$pp")
			if ! topo_wait_for "grep -q '^ready' '$W/probe-$tag.out' || ! kill -0 $pp 2>/dev/null" 5 ||
			    ! grep -q '^ready' "$W/probe-$tag.out"; then
				fail "$tag: the probe did not start: $(cat "$W/probe-$tag.err")"
				continue
			fi
			topo_handoff_b "$to" || { fail "$tag: handoff to AR$to"; exit 1; }
			wait "$pp" || fail "$tag: not every flow came back: $(grep '^done' "$W/probe-$tag.out")"
			coa2=$(topo_coa "$to")
			ra=$(rtt_ms "$coa2" "$n")
			topo_wait_for "grep -qE 'handoff to $coa2: .*(all confirmed|superseded)' '$TOPO_RUN/mnd-mn.log'" 3
			mnd_ms=$(grep -F "handoff to $coa2:" "$TOPO_RUN/mnd-mn.log" | tail -n 1 |
			    grep -oE 'DHP-BC from [^ ]+ after [0-9]+' | awk '$NF > m { m = $NF } END { print m + 0 }')
			bu_us=$(awk '$1 == "mh" { print $3 }' "$W/probe-$tag.out")
			echo "round $n $k $r $rb $ra $mnd_ms $iv ${bu_us:--1}" >> "$W/rounds"
			awk -v n="$n" -v k="$k" -v r="$r" '$1 == "flow" {
				for (i = 3; i < NF; i += 2) v[$i] = $(i + 1)
				print n, k, r, v["ho_us"], v["tx_us"], v["gap_us"],
				    v["rtt_before_us"], v["rtt_after_us"], v["sent"], v["recv"]
			    }' "$W/probe-$tag.out" >> "$W/flows"
			printf '  %d DHP(s) %3d flow(s) round %d: AR%d -> AR%d, RTT %s / %s ms, BU out %s us, mnd %s ms, %s\n' \
			    "$n" "$k" "$r" "$((3 - to))" "$to" "$rb" "$ra" "${bu_us:--1}" "$mnd_ms" \
			    "$(awk '$1 == "flow" && $10 >= 0 {
				if (!c++ || $10 < lo) lo = $10; if ($10 > hi) hi = $10 } END {
				if (!c) { print "no flow back"; exit }
				printf "handoff %.1f .. %.1f ms", lo / 1000, hi / 1000 }' "$W/probe-$tag.out")"
		done
	done
done

# ---- the table -------------------------------------------------------------------

python3 - "$W/rounds" "$W/flows" "$SMOKE" <<'EOF' || fails=$((fails + 1))
import statistics, sys
rounds, flows, smoke = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
R, F = {}, {}
for l in open(rounds):
    _, n, k, r, rb, ra, mnd, iv, bu = l.split()
    R.setdefault((int(n), int(k)), []).append((float(rb), float(ra), int(mnd), int(iv), int(r), int(bu)))
try:
    lines = open(flows).read().split("\n")
except FileNotFoundError:
    lines = []
for l in lines:
    if not l.strip():
        continue
    n, k, r, ho, tx, gap, rttb, rtta, sent, recv = l.split()
    F.setdefault((int(n), int(k)), []).append((int(ho), int(tx), int(gap), int(rttb), int(rtta), int(r)))

def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]

bad = []
print()
print("| DHPs | flows | handoffs | probe every | handoff median | p95 | max | first flow | RTT old link | RTT new link | median / RTT | p95 / RTT | first / RTT | CoA -> first BU out | (first flow - BU out) / RTT | mnd: BU -> last DHP-BC | probe RTT before / after |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for key in sorted(R):
    n, k = key
    rs = R[key]
    fl = F.get(key, [])
    ho = [f[0] / 1000 for f in fl if f[0] >= 0]
    lost = sum(1 for f in fl if f[0] < 0)
    rtt_b = statistics.median(x[0] for x in rs)
    rtt_a = statistics.median(x[1] for x in rs)
    mnd = statistics.median(x[2] for x in rs)
    bus = [x[5] / 1000 for x in rs if x[5] >= 0]
    bu = f"{statistics.median(bus):.1f} ms" if bus else "not seen"
    pb = [f[3] / 1000 for f in fl if f[3] >= 0]
    pa = [f[4] / 1000 for f in fl if f[4] >= 0]
    first = [min(f[0] for f in fl if f[5] == x[4] and f[0] >= 0) / 1000
             for x in rs if any(f[5] == x[4] and f[0] >= 0 for f in fl)]
    # Per handoff: the earliest flow back after the first BU left.
    net = [(min(f[0] for f in fl if f[5] == x[4] and f[0] >= 0) - x[5]) / 1000
           for x in rs if x[5] >= 0 and any(f[5] == x[4] and f[0] >= 0 for f in fl)]
    if not ho:
        print(f"| {n} | {k} | {len(rs)} | {rs[0][3] / 1000:g} ms | no flow came back | | | | {rtt_b:.2f} | {rtt_a:.2f} | | | | {bu} | | {mnd:g} ms | |")
        bad.append(f"{n} DHPs {k} flows: no flow came back")
        continue
    med, p95, mx = statistics.median(ho), pct(ho, 95), max(ho)
    fst = statistics.median(first)
    ratio = f"{med / rtt_a:.1f}" if rtt_a > 0 else "-"
    ratio95 = f"{p95 / rtt_a:.1f}" if rtt_a > 0 else "-"
    ratio1 = f"{fst / rtt_a:.1f}" if rtt_a > 0 else "-"
    rnet = f"{statistics.median(net) / rtt_a:.2f}" if net and rtt_a > 0 else "-"
    print(f"| {n} | {k} | {len(rs)} | {rs[0][3] / 1000:g} ms | {med:.1f} ms | {p95:.1f} | {mx:.1f} | {fst:.1f} | "
          f"{rtt_b:.2f} ms | {rtt_a:.2f} ms | **{ratio}** | {ratio95} | {ratio1} | {bu} | {rnet} | {mnd:g} ms | "
          f"{statistics.median(pb) if pb else -1:.2f} / {statistics.median(pa) if pa else -1:.2f} ms |")
    if lost:
        bad.append(f"{n} DHPs {k} flows: {lost} flow(s) never came back")
    if min(ho) <= 0 or rtt_a <= 0 or rtt_b <= 0:
        bad.append(f"{n} DHPs {k} flows: a figure is not positive")
    if len(fl) != k * len(rs):
        bad.append(f"{n} DHPs {k} flows: {len(fl)} flow results, {k * len(rs)} expected")
print()
print("handoff: per flow, new CoA on mn0 (RTM_NEWADDR, not tentative) -> first echo back on the new path")
print("(includes the wait for the flow's next probe, 0 .. 'probe every'); first flow: the earliest flow of")
print("each handoff, median over the handoffs;")
print("RTT: ping from the CoA to the DHPs in use (median of the rounds' medians); first BU out: the")
print("first Mobility Header packet leaving mn0 after the new CoA (same clock), and from then to the")
print("first flow back in RTTs (the part the network sets); mnd: its own timeline (from when it sent")
print("the BUs to the last DHP-BC); probe RTT: DHoA -> DHP -> CN and back.")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
EOF

topo_stop_daemon mn mnd || fail "mnd exit status $?"
for j in $(seq 1 "$nd"); do
	topo_stop_daemon "dhp$j" dhpd || fail "dhpd in dhp$j exit status $?"
done
topo_stop_daemon ha had || fail "had exit status $?"
if [ -n "${DLPID:-}" ]; then
	kill -TERM "$DLPID" 2>/dev/null
	wait "$DLPID" || fail "delayline exit status $?"
	sed -n 's/^pair /delayline: /p' "$TOPO_RUN/delayline.out"
fi
echo "handoff_bench: $(topo_ms_since "$t_begin") ms, load average at the end $(cut -d' ' -f1-3 /proc/loadavg), $fails failure(s)"
if [ "$fails" -eq 0 ]; then topo_down 0; exit 0; fi
topo_down 1
exit 1
