#!/bin/bash
# dmip6 demo: a real topology in network namespaces (tests/lib/topo.sh),
# the real daemons, live traffic, the MN moving away and back, a
# per-flow report and a picture.
#
#   MN -- AR1 / AR2 -- core -- {HA (had), DHP1, DHP2 (dhpd), CN1, CN2}
#
# Five paced TCP transfers (1 MB/s each) run while the MN moves
# AR1 -> AR2 -> AR1 (method B: its port changes bridges, the link stays
# up):
#   1. CN1 connects to the MN's home address (HoA), the MN sends: anchored
#      at the home agent (fixed); it must survive both moves byte for
#      byte.
#   2. The MN connects to CN1 from a distributed home address (DHoA) that
#      mnd leased from DHP1, the DHP near CN1 (session-lasting), CN1
#      sends: the short path MN <-> DHP1 <-> CN1, re-anchored at each
#      move by a DHP-BU.
#   3. The same to CN2 from a DHoA of DHP2, the DHP near CN2.
#   4. The MN connects to CN2 from the care-of address (CoA), not
#      anchored (non-persistent): bound to the first network, so the
#      first move ends it (by design: such a flow needs no continuity
#      and pays no tunnel).
#   5. The same from the second CoA, opened after the first move: the
#      move back ends it.
# When mnd classifies flows (PROTOCOL.md G; mnd.conf classify = true,
# the default), eight more transfers (250 kB/s) come from unmodified
# applications: the MN connects to CN1 and CN2 without choosing an
# address (the kernel takes the CoA), and the demo's policy rows in
# mnd.conf type them by port, two flows per type:
#   6-7   non-persistent: left on the CoA, ended at the first move;
#   8-9   session-lasting: anchored at the DHP near the CN (the source
#         translated to its DHoA), they survive both moves;
#   10-11 fixed: anchored at the HA (translated to the HoA), the same;
#   12-13 graceful-replacement (grace_period 2 s): a short-lease DHoA at
#         DHP2, which the demo flags co-located with the ARs, carries
#         flow 13 across the first move until the grace period ends it;
#         flow 12's directory answer (DHP1) is not co-located, so it
#         stays on the CoA and ends with the grace period too.
# Every receiver logs its progress every 100 ms (tcpxfer.py --progress).
# The report shows, per flow, mnd's decision (dmipctl show flows) or
# the address type it chose, the anchor, the interruption at each move
# (the longest time without a byte around it) and whether the bytes are
# intact (SHA-256 of both ends), then mnd's own per-flow handoff record
# (dmipctl show handoffs); the picture (gnuplot, SVG and PNG) shows each
# flow's goodput over time with the moves marked.
#
# Run as root on Debian 12: bash demo/run.sh. Nothing outside the demo's
# own namespaces is touched; everything is removed at exit, except the
# picture (DMIP_DEMO_OUT, default the build directory).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${DMIP_BUILD_DIR:-$top/build-demo}

say() { printf '\n== %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
	echo "demo: run as root (network namespaces, apt-get)" >&2
	exit 1
fi

say "dependencies and build ($build)"
bash "$top/tests/deps.sh"
(cd "$top" && { [ -x configure ] || autoreconf -fi >/dev/null 2>&1; })
mkdir -p "$build"
(cd "$build" && { [ -f Makefile ] || "$top/configure" -q; } && make -s -j"$(nproc)")
out=$(cd "${DMIP_DEMO_OUT:-$build}" && pwd)

# The harness expects automake's test variables.
export srcdir=$top builddir=$build
# shellcheck source=../tests/lib/topo.sh
. "$top/tests/lib/topo.sh"
set +e		# the harness functions report errors themselves
topo_trap
export PYTHONDONTWRITEBYTECODE=1
XFER=$top/tests/tools/tcpxfer.py
ctl() { "$build/tools/dmipctl" -s "$TOPO_RUN/$1.sock" "${@:2}"; }
jget() { python3 -c 'import json, sys; j = json.loads(sys.argv[1]); v = eval(sys.argv[2]); print("" if v is None else v)' "$1" "$2"; }

say "topology: MN, two access routers with radvd, core, HA, two DHPs, two CNs"
topo_up || exit 1
coa1=$(topo_coa 1)
# grace_period 2 s: the graceful flows below end between the two moves.
topo_copy_etc mnd.conf:grace_period=2 > /dev/null || exit 1
e=$TOPO_ETC
# Policy rows for the unmodified applications of the classifier part
# (first match wins, before the rows etc/mnd.conf has).
# DHP2 counts as co-located with the access routers: graceful-replacement
# flows get a short-lease DHoA there (the session-lasting ones still go
# to the DHP near their CN).
sed -i '/^dhp dhp2 {/,/^}/ s/colocated = false/colocated = true/' "$e/had.conf"
cat >> "$e/mnd.conf" <<-EOF
	# demo/run.sh: the continuity type by destination port.
	policy demo-np {
		proto = "tcp"
		dport = "7001-7009"
		type = "non-persistent"
	}
	policy demo-sl {
		proto = "tcp"
		dport = "7011-7019"
		type = "session-lasting"
	}
	policy demo-fixed {
		proto = "tcp"
		dport = "7021-7029"
		type = "fixed"
	}
	policy demo-gr {
		proto = "tcp"
		dport = "7031-7039"
		type = "graceful-replacement"
	}
	EOF
# DHP2's config from DHP1's, as etc/dhpd.conf's header says.
topo_dhp_confs || exit 1

say "had on the home agent, dhpd on DHP1 (near CN1) and DHP2 (near CN2), mnd on the mobile node"
topo_start_daemon ha had "$e/had.conf" || exit 1
topo_start_daemon dhp1 dhpd "$e/dhpd.conf" || exit 1
topo_start_daemon dhp2 dhpd "$e/dhpd2.conf" || exit 1
t0=$(topo_now)
topo_start_daemon mn mnd "$e/mnd.conf" || exit 1
if ! topo_wait_for "grep -q 'registered $TOPO_HOA via $coa1' '$TOPO_RUN/mnd-mn.log'" 6; then
	echo "demo: mnd did not register; its log:" >&2
	sed 's/^/  | /' "$TOPO_RUN/mnd-mn.log" >&2
	exit 1
fi
echo "mnd registered HoA $TOPO_HOA via CoA $coa1 in $(topo_ms_since "$t0") ms (DAD at the HA included)"
echo "had's binding cache (dmipctl show bindings):"
ctl had show bindings | sed 's/^/  /'

# anchor CN: a session-lasting address for CN through mnd; prints it.
anchor() {
	local j id st
	j=$(ctl mnd --json anchor request "$1" session-lasting)
	id=$(jget "$j" 'j["id"]')
	for _ in $(seq 100); do
		st=$(jget "$j" 'j["state"]')
		[ "$st" = "done" ] || [ "$st" = "failed" ] && break
		sleep 0.05
		j=$(ctl mnd --json anchor show "$id")
	done
	if [ "$(jget "$j" 'j["result"]')" != dhoa ] || [ -z "$(jget "$j" 'j.get("address")')" ]; then
		echo "demo: no DHoA for $1: $j" >&2
		return 1
	fi
	echo "DHoA $(jget "$j" 'j["address"]') from $(jget "$j" 'j.get("dhp")') for $1 in $(jget "$j" 'j["ms"]') ms (DHP Query to the HA's directory, DHoA Request, bind)" >&2
	jget "$j" 'j["address"]'
}
say "mnd anchors a session-lasting address for CN1 and one for CN2 (dmipctl anchor request)"
dhoa1=$(anchor "$TOPO_CN1") || exit 1
dhoa2=$(anchor "$TOPO_CN2") || exit 1

# mnd classifies every flow (mnd.conf classify = true, the default, and
# an mnd with the per-flow code): unmodified applications take part.
CLASSIFY=0
ctl mnd --json show flows > /dev/null 2>&1 && CLASSIFY=1

# ---- the flows --------------------------------------------------------
# FLOW: id -> "label|type|address|anchor|server node|server address|
# port|client node"; the transfer's two ends write $TOPO_RUN/fID.serve
# and fID.fetch, the receiver its progress to fID.prog. Flows 1-5 bind
# their address themselves; 6.. (classifier) let the kernel choose.
declare -A FLOW=() FETCH=()
ORDER=()
R=1000000		# bytes per second, flows 1-5
# serve ID LABEL TYPE ADDR ANCHOR SNODE SADDR PORT BYTES CNODE: the
# sender at R bytes/s (it waits for its client up to 30 s).
serve() {
	FLOW[$1]="$2|$3|$4|$5|$6|$7|$8|${10}"
	ORDER+=("$1")
	topo_exec "$6" python3 "$XFER" serve "$7" "$8" "$9" $R "demo$1" \
	    > "$TOPO_RUN/f$1.serve" 2>&1 &
	_T_PIDS+=($!)
}
# fetch ID [SRC]: the receiver, from SRC when given.
fetch() {
	local saddr port cnode
	IFS='|' read -r _ _ _ _ _ saddr port cnode <<< "${FLOW[$1]}"
	topo_exec "$cnode" python3 "$XFER" fetch "$saddr" "$port" 12 ${2:-} \
	    --progress "$TOPO_RUN/f$1.prog" > "$TOPO_RUN/f$1.fetch" 2>&1 &
	_T_PIDS+=($!)
	FETCH[$1]=$!
}

say "flows start: CN1 -> HoA (HA), MN/DHoA -> CN1 (DHP1), MN/DHoA -> CN2 (DHP2), MN/CoA -> CN2 (none)"
serve 1 "MN -> CN1" fixed "HoA $TOPO_HOA" HA mn "$TOPO_HOA" 5001 6000000 cn1
serve 2 "CN1 -> MN" session-lasting "DHoA $dhoa1" DHP1 cn1 "$TOPO_CN1" 5002 6000000 mn
serve 3 "CN2 -> MN" session-lasting "DHoA $dhoa2" DHP2 cn2 "$TOPO_CN2" 5003 6000000 mn
serve 4 "CN2 -> MN" non-persistent "CoA $coa1" none cn2 "$TOPO_CN2" 5004 6000000 mn
# Flow 5's sender waits for the second CoA.
serve 5 "CN2 -> MN" non-persistent "CoA (AR2)" none cn2 "$TOPO_CN2" 5005 3000000 mn
if [ "$CLASSIFY" = 1 ]; then
	say "and eight flows of unmodified applications (the kernel picks the CoA), typed by mnd.conf policy rows (ports)"
	R=250000
	id=6
	for row in "np 7001 7002" "sl 7011 7012" "fixed 7021 7022" "gr 7031 7032"; do
		read -r kind p1 p2 <<< "$row"
		for port in "$p1" "$p2"; do
			cn=cn1 cna=$TOPO_CN1
			[ "$port" = "$p2" ] && cn=cn2 cna=$TOPO_CN2
			serve $id "${cn^^} -> MN" "policy demo-$kind" "CoA (kernel's)" "?" "$cn" "$cna" "$port" 1600000 mn
			id=$((id + 1))
		done
	done
fi
topo_wait_for "[ \$(cat '$TOPO_RUN'/f*.serve | grep -c listening) -eq ${#ORDER[@]} ]" 15 ||
    { echo "demo: the senders did not start" >&2; exit 1; }
fetch 1
fetch 2 "$dhoa1"
fetch 3 "$dhoa2"
fetch 4 "$coa1"
for id in "${ORDER[@]}"; do [ "$id" -ge 6 ] && fetch "$id"; done
# Every flow is connected (its receiver logged "up"), then a second more.
topo_wait_for "[ \$(ls '$TOPO_RUN'/f*.prog 2>/dev/null | wc -l) -eq $(( ${#ORDER[@]} - 1 )) ]" 15 ||
    echo "demo: not every flow connected in 15 s" >&2
# Time 0 of the picture: the first connection.
t_flows=$(head -q -n 1 "$TOPO_RUN"/f*.prog | sort -n | head -n 1 | cut -d' ' -f1)
if [ "$CLASSIFY" = 1 ]; then
	sleep 0.3
	ctl mnd --json show flows > "$TOPO_RUN/flows-1.json"
	echo "mnd's flow table (dmipctl show flows):"
	ctl mnd show flows | sed 's/^/  /'
fi
sleep 1

# move TO: handoff B to AR TO; records the time of the move (H_T) and
# what it took (H_TXT).
H_T=() H_NAME=() H_TXT=()
move() {
	local to=$1 from=$TOPO_AT coa
	say "move $((${#H_T[@]} + 1)): the MN's port moves from AR$from's link to AR$to's (link stays up)"
	topo_handoff_b "$to" || exit 1
	H_T+=("$TOPO_HO_T0")
	H_NAME+=("AR$from -> AR$to")
	coa=$(topo_coa "$to")
	if topo_wait_for "grep -q 'handoff to $coa: .*all confirmed' '$TOPO_RUN/mnd-mn.log'" 5; then
		H_TXT+=("new CoA after $TOPO_HO_ADDR_MS ms; mnd: $(grep -F "handoff to $coa:" "$TOPO_RUN/mnd-mn.log" | tail -n 1 | sed 's/^handoff to [^:]*: //')")
	else
		H_TXT+=("new CoA after $TOPO_HO_ADDR_MS ms; not every binding confirmed in 5 s")
	fi
	echo "${H_TXT[-1]}"
}

move 2
coa2=$(topo_coa 2)
FLOW[5]=${FLOW[5]/CoA (AR2)/CoA $coa2}
fetch 5 "$coa2"
echo "had's binding cache now:"
ctl had show bindings | sed 's/^/  /'
echo "DHP1's and DHP2's bindings now (dmipctl show bindings):"
{ ctl dhpd show bindings; ctl dhpd2 show bindings | tail -n +2; } | sed 's/^/  /'
sleep 2
[ "$CLASSIFY" = 1 ] && ctl mnd --json show flows > "$TOPO_RUN/flows-2.json"
move 1
for id in "${ORDER[@]}"; do
	wait "${FETCH[$id]}"
done
[ "$CLASSIFY" = 1 ] && ctl mnd --json show handoffs > "$TOPO_RUN/handoffs.json"

# ---- the report -------------------------------------------------------

# verified ID: what the bytes tell.
verified() {
	local s f why
	s=$(awk '/^bytes/ { print $2, $4 }' "$TOPO_RUN/f$1.serve" 2>/dev/null)
	f=$(awk '/^bytes/ { print $2, $4 }' "$TOPO_RUN/f$1.fetch" 2>/dev/null)
	if [ -n "$f" ] && [ "$s" = "$f" ]; then
		echo "${f%% *} B, SHA-256 equal"
	elif [ -n "$f" ] && [ -n "$s" ]; then
		echo "${f%% *} B, SHA-256 DIFFERS (sent ${s%% *} B)"
	elif [ -n "$f" ]; then
		echo "${f%% *} B received, the sender gave no digest"
	else
		# The receiver's last words, e.g. "ConnectionAbortedError:
		# [Errno 103] ...": the errno's name.
		why=$(tail -n 1 "$TOPO_RUN/f$1.fetch" | sed -n 's/.*\[Errno \([0-9]*\)\].*/\1/p')
		[ -n "$why" ] && why=$(python3 -c "import errno; print(errno.errorcode.get($why, $why))")
		echo "cut after $(tail -n 1 "$TOPO_RUN/f$1.prog" 2>/dev/null | cut -d' ' -f2) B (${why:-$(tail -n 1 "$TOPO_RUN/f$1.fetch" | cut -c1-40)})"
	fi
}

# The interruption at each move, mnd's decisions and the picture's data.
# In: the progress logs, the flows (id dst dport per line), mnd's flow
# table and handoff records when it classifies. Out: report (one line
# per flow: id|gap at each move|decision|anchor), mndview (mnd's own
# timeline per flow), fID.dat (goodput per 100 ms bin).
for id in "${ORDER[@]}"; do
	IFS='|' read -r _ _ _ _ _ saddr port _ <<< "${FLOW[$id]}"
	echo "$id $saddr $port"
done > "$TOPO_RUN/flowlist"
python3 - "$TOPO_RUN" "$t_flows" "${H_T[*]}" > "$TOPO_RUN/report" 2> "$TOPO_RUN/mndview" <<'PY'
import json, statistics, sys
run, t0, moves = sys.argv[1], float(sys.argv[2]), [float(x) for x in sys.argv[3].split()]
BIN = 0.1
flows = [l.split() for l in open(f"{run}/flowlist")]


def load(name, key):
    try:
        return json.load(open(f"{run}/{name}"))[key]
    except (OSError, ValueError, KeyError):
        return []


# mnd's row for a flow: the server's address and port at either end
# (mnd keys a flow by its first packet it saw: the client's, or when
# that one slipped by, the server's answer).
table = load("flows-1.json", "flows") + load("flows-2.json", "flows")
ids = {(dst, port): i for i, dst, port in flows}


def flow_of(r):
    return ids.get((r["dst"], str(r["dport"]))) or ids.get((r["src"], str(r["sport"])))


def mnd_row(i):
    return next((r for r in table if flow_of(r) == i), None)


def anchor_name(r):
    a = r["anchor"]
    if a == "none":
        name = "none"
    elif a == "ha":
        name = "HA"
    elif a.startswith("2001:db8:d1:"):
        name = "DHP1"
    elif a.startswith("2001:db8:d2:"):
        name = "DHP2"
    else:
        name = a
    return name + (" NAT" if r.get("nat") == "yes" else "")


for i, dst, port in flows:
    try:
        pts = [tuple(map(float, l.split())) for l in open(f"{run}/f{i}.prog") if l.strip()]
    except FileNotFoundError:
        pts = []
    try:
        done = any(l.startswith("bytes ") for l in open(f"{run}/f{i}.fetch"))
    except FileNotFoundError:
        done = False
    # Runs of lines with the same byte count: times without a byte.
    runs, a = [], 0
    while a < len(pts):
        b = a
        while b + 1 < len(pts) and pts[b + 1][1] == pts[a][1]:
            b += 1
        if b > a:
            runs.append((pts[a][0], pts[b][0]))
        a = b + 1
    last = min((p[0] for p in pts if p[1] == pts[-1][1]), default=0)
    cells = []
    for k, m in enumerate(moves):
        end = moves[k + 1] if k + 1 < len(moves) else float("inf")
        # Not started yet, or over before the move (a flow the move cuts
        # had its last byte just before it).
        if not pts or pts[0][0] > m or last < m - 0.15:
            cells.append("-")
            continue
        g = max((r[1] - r[0] for r in runs
                 if r[1] > m - 0.1 and r[0] < min(end, m + 3, last)), default=0)
        gap = f"{g * 1000:.0f} ms" if g > 0 else "< 50 ms"
        if not done and last < end:     # its last byte came before the next move
            cells.append("cut" if last < m + 0.3 else f"{gap}, end +{last - m:.1f} s")
        else:
            cells.append(gap)
    r = mnd_row(i)
    decision = f"{r['type']} ({r['rule'] if r['rule'] != '-' else r['reason']})" if r else ""
    print("|".join([i] + cells + [decision, anchor_name(r) if r else ""]))

    # Goodput per 100 ms bin (Mbit/s): the bytes between two lines spread
    # over their interval, or put at the later line after a stall.
    bins = {}
    for a, b in zip(pts, pts[1:]):
        d = b[1] - a[1]
        if d <= 0:
            continue
        if b[0] - a[0] > 0.15:
            k = int((b[0] - t0) // BIN)
            bins[k] = bins.get(k, 0) + d
            continue
        ka, kb = int((a[0] - t0) // BIN), int((b[0] - t0) // BIN)
        for k in range(ka, kb + 1):
            lo, hi = max(a[0], t0 + k * BIN), min(b[0], t0 + (k + 1) * BIN)
            if b[0] > a[0] and hi > lo:
                bins[k] = bins.get(k, 0) + d * (hi - lo) / (b[0] - a[0])
            elif b[0] == a[0]:
                bins[k] = bins.get(k, 0) + d
                break
    with open(f"{run}/f{i}.dat", "w") as f:
        if bins:
            lo, hi = min(bins), max(bins)
            for k in range(lo - 1, hi + 2):
                f.write(f"{k * BIN:.1f} {bins.get(k, 0) * 8 / BIN / 1e6:.3f}\n")

# mnd's own record per handoff and flow (PROTOCOL.md G.4 step 5).
hos, rows = load("handoffs.json", "handoffs"), load("handoffs.json", "handoff_flows")


def ms(v):
    return "-" if v < 0 else f"{v:g}"


for h in hos:
    n = h["n"]
    mine = [r for r in rows if r["n"] == n and flow_of(r)]
    first = [r["first_pkt_ms"] for r in mine if r["first_pkt_ms"] >= 0]
    print(f"  handoff {n} to {h['new_coa']}: {h['rebind']} re-bound, {h['ended']} ended, "
          f"{h['grace']} graceful, {h['kept']} kept, {h['released']} DHoA(s) released; "
          "first packet from the CN after the new CoA: "
          + (f"median {statistics.median(first):g} ms, max {max(first):g} ms ({len(first)} flows)"
             if first else "none seen"), file=sys.stderr)
    for r in sorted(mine, key=lambda r: int(flow_of(r))):
        print(f"    flow {flow_of(r):>2}: {r['action']:<8} BU {ms(r['bu_ms']):>4}"
              f"  ack {ms(r['ack_ms']):>4}  first packet {ms(r['first_pkt_ms']):>4}"
              f"  end {ms(r['end_ms']):>4}", file=sys.stderr)
PY

say "per-flow report"
cols="%-4s %-6s %-10s %-36s %-44s %-9s"
# shellcheck disable=SC2059
printf "$cols" flow opener data "type (why)" address anchor
for n in "${H_NAME[@]}"; do printf ' %-18s' "$n"; done
printf ' %s\n' "bytes verified"
nm=${#H_NAME[@]}
for id in "${ORDER[@]}"; do
	IFS='|' read -r label type addr anchor _ _ _ cnode <<< "${FLOW[$id]}"
	IFS='|' read -r -a cell <<< "$(grep "^$id|" "$TOPO_RUN/report")"
	# mnd's decision and anchor when it classifies; else what the flow
	# was set up as.
	[ -n "${cell[nm + 1]:-}" ] && type=${cell[nm + 1]}
	[ -n "${cell[nm + 2]:-}" ] && anchor=${cell[nm + 2]}
	# shellcheck disable=SC2059
	printf "$cols" "$id" "${cnode^^}" "$label" "$type" "$addr" "$anchor"
	for k in $(seq 1 "$nm"); do printf ' %-18s' "${cell[k]:-}"; done
	printf ' %s\n' "$(verified "$id")"
done
echo "type (why): mnd's decision (dmipctl show flows: the policy row, or why); anchor: where the"
echo "flow is anchored (NAT: mnd translates the CoA to the anchor's address). At each move: the"
echo "longest time without a byte at the receiver (progress every 100 ms, stalls over 50 ms timed"
echo "to the recv); cut: the flow ended at that move; end +S: it ended S seconds after it."
for k in "${!H_NAME[@]}"; do echo "move $((k + 1)) ${H_NAME[$k]}: ${H_TXT[$k]}"; done
if [ -s "$TOPO_RUN/mndview" ]; then
	echo "mnd's own handoff records (dmipctl show handoffs; ms after the new CoA was usable):"
	cat "$TOPO_RUN/mndview"
fi

# The picture: SVG, and PNG when gnuplot has cairo; a second panel for
# the flows of unmodified applications.
svg=$out/dmip6-demo-timeline.svg
png=$out/dmip6-demo-timeline.png
# plotline IDS...: gnuplot's plot command for these flows.
plotline() {
	local sep="" id label type addr anchor cell
	printf 'plot'
	for id in "$@"; do
		IFS='|' read -r label type addr anchor _ <<< "${FLOW[$id]}"
		[ -s "$TOPO_RUN/f$id.dat" ] || continue
		IFS='|' read -r -a cell <<< "$(grep "^$id|" "$TOPO_RUN/report")"
		[ -n "${cell[nm + 1]:-}" ] && type=${cell[nm + 1]}
		[ -n "${cell[nm + 2]:-}" ] && anchor=${cell[nm + 2]}
		[ "$anchor" = none ] && anchor="not anchored" || anchor="at $anchor"
		printf "%s '%s' using 1:2 with steps linewidth 2 title 'flow %s: %s, %s, %s %s'" \
		    "$sep" "$TOPO_RUN/f$id.dat" "$id" "$label" "$type" "${addr%% *}" "$anchor"
		sep=", \\"$'\n'"    "
	done
	echo
}
if command -v gnuplot > /dev/null; then
	own=() cls=()
	for id in "${ORDER[@]}"; do
		if [ "$id" -le 5 ]; then own+=("$id"); else cls+=("$id"); fi
	done
	{
		echo "set xlabel 'seconds since the flows started'"
		echo "set ylabel 'Mbit/s'"
		echo "set key outside below"
		echo "set yrange [0:*]"
		echo "set xrange [0:$(tail -q -n 1 "$TOPO_RUN"/f*.prog | sort -n | tail -n 1 |
		    awk -v t="$t_flows" '{ printf "%.1f", $1 - t + 0.3 }')]"
		echo "set grid ytics"
		for k in "${!H_T[@]}"; do
			x=$(python3 -c "print(round(${H_T[$k]} - $t_flows, 3))")
			echo "set arrow from $x, graph 0 to $x, graph 1 nohead dashtype 2 linecolor rgb 'red'"
			echo "set label 'move $((k + 1)): ${H_NAME[$k]}' at $x, graph 0.95 offset 0.5, 0 textcolor rgb 'red'"
		done
		if [ ${#cls[@]} -gt 0 ]; then
			echo "set multiplot layout 2, 1"
			echo "set title 'dmip6 demo: goodput per flow (100 ms bins), MN moving AR1 -> AR2 -> AR1: applications that bind an address'"
			plotline "${own[@]}"
			echo "set title 'unmodified applications: mnd classifies each flow (mnd.conf policy rows by port) and anchors it'"
			plotline "${cls[@]}"
			echo "unset multiplot"
		else
			echo "set title 'dmip6 demo: goodput per flow (100 ms bins) while the MN moves AR1 -> AR2 -> AR1'"
			plotline "${own[@]}"
		fi
	} > "$TOPO_RUN/timeline.gp"
	h=520
	[ ${#cls[@]} -gt 0 ] && h=1150
	if gnuplot -e "set terminal svg size 1100,$h dynamic background rgb 'white' font 'sans,12'; set output '$svg'" \
	    "$TOPO_RUN/timeline.gp" 2> "$TOPO_RUN/gnuplot.err"; then
		say "picture: $svg"
		rm -f "$png"
		gnuplot -e "set terminal pngcairo size 1100,$h background rgb 'white' font 'sans,10'; set output '$png'" \
		    "$TOPO_RUN/timeline.gp" 2>/dev/null && echo "(also $png)"
	else
		echo "demo: gnuplot failed: $(head -n 3 "$TOPO_RUN/gnuplot.err")" >&2
	fi
else
	echo "demo: no gnuplot (tests/deps.sh installs gnuplot-nox): no picture" >&2
fi

say "stop: mnd deregisters, the daemons remove their kernel state"
topo_stop_daemon mn mnd && echo "mnd exited 0 (DHoAs released at DHP1 and DHP2, HoA deregistered)"
topo_stop_daemon dhp1 dhpd && echo "dhpd on DHP1 exited 0"
topo_stop_daemon dhp2 dhpd && echo "dhpd on DHP2 exited 0"
topo_stop_daemon ha had && echo "had exited 0"
grep -E 'registered|deregistered|movement:|CoA |handoff to' "$TOPO_RUN/mnd-mn.log" | grep -v '^.*bul ' | sed 's/^/  mnd | /' | tail -n 14
grep -E '^.*binding ' "$TOPO_RUN/had-ha.log" | sed 's/^/  had | /' | tail -n 6
grep -E 'DHoA .* leased|DHP binding|released' "$TOPO_RUN/dhpd-dhp1.log" | sed 's/^/  dhpd1 | /' | tail -n 6
topo_down 0
