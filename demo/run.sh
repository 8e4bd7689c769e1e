#!/bin/bash
# dmip6 demo: a real topology in network namespaces (tests/lib/topo.sh),
# the real daemons, live traffic, one handoff, and a per-flow report.
#
#   MN -- AR1 / AR2 -- core -- {HA (had), DHP1, DHP2, CN1, CN2}
#
# Three flows run across a handoff AR1 -> AR2:
#   1. CN1 -> the MN's home address (HoA): a paced TCP download anchored
#      at the home agent; it must survive the handoff byte for byte.
#   2. MN -> CN1 from a distributed home address (DHoA) that mnd leased
#      from DHP1, the DHP near CN1 (session-lasting): the short path
#      MN <-> DHP1 <-> CN1, re-anchored at the handoff by a DHP-BU.
#   3. MN -> CN2 from the care-of address (CoA), not anchored: it is
#      bound to the old network, so the handoff ends it (by design: such
#      a flow needs no continuity and pays no tunnel).
# The report shows, per flow, its address, anchor, bytes, whether the
# bytes are intact, and the interruption measured on the HA's link.
#
# Run as root on Debian 12: bash demo/run.sh. Nothing outside the demo's
# own namespaces is touched; everything is removed at exit.
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

# The harness expects automake's test variables.
export srcdir=$top builddir=$build
# shellcheck source=../tests/lib/topo.sh
. "$top/tests/lib/topo.sh"
set +e		# the harness functions report errors themselves
topo_trap
XFER=$top/tests/tools/tcpxfer.py
ctl() { "$build/tools/dmipctl" -s "$TOPO_RUN/$1.sock" "${@:2}"; }
jget() { python3 -c 'import json, sys; j = json.loads(sys.argv[1]); v = eval(sys.argv[2]); print("" if v is None else v)' "$1" "$2"; }

say "topology: MN, two access routers with radvd, core, HA, two DHPs, two CNs"
topo_up || exit 1
coa1=$(topo_coa 1)
topo_copy_etc >/dev/null
topo_capture ha lan0 "$TOPO_RUN/ha.pcapng" || exit 1

say "had on the home agent, dhpd on DHP1 (near CN1), mnd on the mobile node"
topo_start_daemon ha had "$TOPO_ETC/had.conf" || exit 1
topo_start_daemon dhp1 dhpd "$TOPO_ETC/dhpd.conf" || exit 1
t0=$(topo_now)
topo_start_daemon mn mnd "$TOPO_ETC/mnd.conf" || exit 1
if ! topo_wait_for "grep -q 'registered $TOPO_HOA via $coa1' '$TOPO_RUN/mnd-mn.log'" 6; then
	echo "demo: mnd did not register; its log:" >&2
	sed 's/^/  | /' "$TOPO_RUN/mnd-mn.log" >&2
	exit 1
fi
echo "mnd registered HoA $TOPO_HOA via CoA $coa1 in $(topo_ms_since "$t0") ms (DAD at the HA included)"
echo "had's binding cache (dmipctl show bindings):"
ctl had show bindings | sed 's/^/  /'

say "mnd anchors a session-lasting address for CN1 (dmipctl anchor request)"
j=$(ctl mnd --json anchor request "$TOPO_CN1" session-lasting)
id=$(jget "$j" 'j["id"]')
for _ in $(seq 100); do
	st=$(jget "$j" 'j["state"]')
	[ "$st" = done ] || [ "$st" = failed ] && break
	sleep 0.05
	j=$(ctl mnd --json anchor show "$id")
done
dhoa=$(jget "$j" 'j.get("address")')
if [ "$(jget "$j" 'j["result"]')" != dhoa ] || [ -z "$dhoa" ]; then
	echo "demo: no DHoA for CN1: $j" >&2
	exit 1
fi
echo "DHoA $dhoa from DHP1 ($(jget "$j" 'j.get("dhp")')) in $(jget "$j" 'j["ms"]') ms (DHP Query to the HA's directory, DHoA Request, bind)"
topo_capture dhp1 dhp0 "$TOPO_RUN/dhp1.pcapng" || exit 1

say "three flows start: CN1 -> HoA (HA), MN/DHoA -> CN1 (DHP1), MN/CoA -> CN2 (none)"
topo_exec mn python3 "$XFER" serve "$TOPO_HOA" 5001 4000000 1000000 demo1 \
    > "$TOPO_RUN/f1.serve" 2>&1 &
_T_PIDS+=($!)
topo_exec cn1 python3 "$XFER" serve "$TOPO_CN1" 5003 4000000 1000000 demo3 \
    > "$TOPO_RUN/f3.serve" 2>&1 &
_T_PIDS+=($!)
topo_exec cn2 python3 "$XFER" serve "$TOPO_CN2" 5002 4000000 1000000 demo2 \
    > "$TOPO_RUN/f2.serve" 2>&1 &
_T_PIDS+=($!)
topo_wait_for "grep -q listening '$TOPO_RUN/f1.serve' && grep -q listening '$TOPO_RUN/f2.serve' && grep -q listening '$TOPO_RUN/f3.serve'" 5
topo_exec cn1 python3 "$XFER" fetch "$TOPO_HOA" 5001 8 > "$TOPO_RUN/f1.fetch" 2>&1 &
f1=$!
_T_PIDS+=($f1)
topo_exec mn python3 "$XFER" fetch "$TOPO_CN2" 5002 8 > "$TOPO_RUN/f2.fetch" 2>&1 &
f2=$!
_T_PIDS+=($f2)
topo_exec mn python3 "$XFER" fetch "$TOPO_CN1" 5003 8 "$dhoa" > "$TOPO_RUN/f3.fetch" 2>&1 &
f3=$!
_T_PIDS+=($f3)
sleep 1.5

say "handoff: the MN's port moves from AR1's link to AR2's (link stays up)"
topo_handoff_b 2 || exit 1
coa2=$(topo_coa 2)
if topo_wait_for "grep -q 'registered $TOPO_HOA via $coa2' '$TOPO_RUN/mnd-mn.log'" 5; then
	echo "new CoA $coa2 after $TOPO_HO_ADDR_MS ms; binding update acknowledged after $(topo_ms_since "$TOPO_HO_T0") ms"
else
	echo "demo: no re-registration from $coa2" >&2
fi
echo "had's binding cache now:"
ctl had show bindings | sed 's/^/  /'
echo "DHP1's bindings now (dmipctl show bindings):"
ctl dhpd show bindings | sed 's/^/  /'
wait "$f1"
wait "$f2"
wait "$f3"
topo_capture_stop "$TOPO_RUN/ha.pcapng"
topo_capture_stop "$TOPO_RUN/dhp1.pcapng"

# Per-flow outcome.
digest() { awk '/^bytes/ { print $2, $4 }' "$1" 2>/dev/null; }
outcome() {
	local s f
	s=$(digest "$1") f=$(digest "$2")
	if [ -n "$f" ] && [ "$s" = "$f" ]; then
		echo "complete, $(echo "$f" | cut -d' ' -f1) bytes, SHA-256 equal"
	elif [ -n "$f" ]; then
		echo "ended early: $(echo "$f" | cut -d' ' -f1) bytes"
	else
		echo "ended at the handoff: $(tail -n 1 "$2" | cut -c1-60)"
	fi
}
# Interruption on an anchor's link: per direction, the last tunnelled
# packet on the old CoA to the first on the new one; the longer of the
# two, or "none" when both paths overlapped.
gap() {
	tshark -n -r "$1" -Y 'ipv6.nxt == 41' -E occurrence=f \
	    -T fields -e frame.time_epoch -e ipv6.src -e ipv6.dst 2>/dev/null |
	    awk -v o="$coa1" -v n="$coa2" '
		$2 == o { lu = $1 } $3 == o { ld = $1 }
		$2 == n && !fu { fu = $1 } $3 == n && !fd { fd = $1 }
		END {
			if (!lu || !fu || !ld || !fd) { print "n/a"; exit }
			g = fu - lu; if (fd - ld > g) g = fd - ld
			if (g <= 0) print "none"; else printf "%.0f ms\n", g * 1000
		}'
}

say "per-flow report"
printf '%-4s %-10s %-39s %-6s %-10s %s\n' flow "started by" address anchor interrupt outcome
printf '%-4s %-10s %-39s %-6s %-10s %s\n' 1 "CN1" "HoA $TOPO_HOA" "HA" \
    "$(gap "$TOPO_RUN/ha.pcapng")" "$(outcome "$TOPO_RUN/f1.serve" "$TOPO_RUN/f1.fetch")"
printf '%-4s %-10s %-39s %-6s %-10s %s\n' 2 "MN" "DHoA $dhoa" "DHP1" \
    "$(gap "$TOPO_RUN/dhp1.pcapng")" "$(outcome "$TOPO_RUN/f3.serve" "$TOPO_RUN/f3.fetch")"
printf '%-4s %-10s %-39s %-6s %-10s %s\n' 3 "MN" "CoA ${coa1%%:0:*}::..." "none" "-" \
    "$(outcome "$TOPO_RUN/f2.serve" "$TOPO_RUN/f2.fetch")"

say "stop: mnd deregisters, both daemons remove their kernel state"
topo_stop_daemon mn mnd && echo "mnd exited 0 (DHoA released at DHP1, HoA deregistered)"
topo_stop_daemon dhp1 dhpd && echo "dhpd exited 0"
topo_stop_daemon ha had && echo "had exited 0"
grep -E 'registered|deregistered|movement:|CoA ' "$TOPO_RUN/mnd-mn.log" | grep -v '^.*bul ' | sed 's/^/  mnd | /' | tail -n 12
grep -E '^.*binding ' "$TOPO_RUN/had-ha.log" | sed 's/^/  had | /' | tail -n 6
grep -E 'DHoA .* leased|DHP binding|released' "$TOPO_RUN/dhpd-dhp1.log" | sed 's/^/  dhpd | /' | tail -n 6
topo_down 0
