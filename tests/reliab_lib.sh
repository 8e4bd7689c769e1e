# shellcheck shell=bash
# reliab_lib.sh: what the tests/reliab_*.sh scripts share (issue 8):
# the root/namespace checks (exit 77 only when namespaces cannot be
# made), ok/bad counters, dmipctl JSON helpers and state directories.
# Source it after setting RELIAB_NAME; it sources tests/lib/topo.sh.
set -u

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root to create network namespaces"
	exit 77
fi
if ! ip netns add "d6rprobe$$" 2>/dev/null; then
	echo "SKIP: this machine cannot create network namespaces"
	exit 77
fi
ip netns del "d6rprobe$$"

# shellcheck source=tests/lib/topo.sh
. "${srcdir:-.}/tests/lib/topo.sh"

DMIPCTL=$TOPO_BUILDDIR/tools/dmipctl
MHINJECT=$TOPO_BUILDDIR/tests/tools/mhinject
DHPINJECT=$TOPO_BUILDDIR/tests/tools/dhpinject
MHFORGE=$TOPO_BUILDDIR/tests/tools/mhforge
TUNNELCTL=$TOPO_BUILDDIR/tests/tools/tunnelctl
# shellcheck disable=SC2034 # used by the scripts that source this
XFER=$TOPO_SRCDIR/tests/tools/tcpxfer.py
for f in "$DMIPCTL" "$MHINJECT" "$DHPINJECT" "$MHFORGE" "$TUNNELCTL" \
    "$TOPO_BUILDDIR/ha/had" "$TOPO_BUILDDIR/dhp/dhpd" "$TOPO_BUILDDIR/mn/mnd"; do
	[ -x "$f" ] || { echo "FAIL: $f not built (make check builds it)"; exit 1; }
done

npass=0 nfail=0
ok()  { echo "ok: $*"; npass=$((npass + 1)); }
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
check() {	# WHAT CMD...
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
row() { printf '  %-52s %s\n' "$1" "$2"; }
T0_SCRIPT=$(topo_now)

# reliab_end: the summary line and the exit status.
reliab_end() {
	echo "${RELIAB_NAME:-reliab}: $npass passed, $nfail failed" \
	    "($(topo_ms_since "$T0_SCRIPT") ms)"
	[ "$nfail" -eq 0 ]
}

# ctl SOCK ARGS...: dmipctl as JSON.
ctl() { local s=$1; shift; "$DMIPCTL" -s "$s" -j "$@"; }
# stat_of SOCK KEY: one number of `dmipctl stats` (0 when absent).
stat_of() {
	ctl "$1" stats | python3 -c '
import json, sys
print(json.load(sys.stdin).get(sys.argv[1], 0))' "$2"
}
# stats_sum SOCK KEY...: the sum of several counters.
stats_sum() {
	local s=$1
	shift
	ctl "$s" stats | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(int(d.get(k, 0)) for k in sys.argv[1:]))' "$@"
}
# table SOCK "show bindings" TABLE: its rows, one JSON object a line,
# sorted, without the columns that count down (expires*).
table() {
	ctl "$1" $2 | python3 -c '
import json, sys
rows = json.load(sys.stdin).get(sys.argv[1], [])
out = []
for r in rows:
    out.append(json.dumps({k: v for k, v in r.items()
        if not k.startswith("expires")}, sort_keys=True))
print("\n".join(sorted(out)))' "$3"
}

# state_dir NAME: a fresh private state directory in the run dir.
state_dir() {
	local d=$TOPO_RUN/state-$1
	install -d -m 700 "$d" && echo "$d"
}

# Resident memory of a process, kB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# The kernel's drops on raw6/udp6 sockets of a namespace (receive queue
# full): the last column of /proc/net/{raw6,udp6}.
sock_drops() {
	topo_exec "$1" cat /proc/net/raw6 /proc/net/udp6 2>/dev/null |
	    awk 'NR > 1 && $NF ~ /^[0-9]+$/ { d += $NF } END { print d + 0 }'
}

# median and max of numbers on stdin: "median X max Y n N".
stats_line() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "median - max - n 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "median %.1f max %.1f n %d\n", m, v[NR], NR }'
}

# No sanitizer report in a daemon log.
clean_log() { ! grep -qE "Sanitizer|runtime error" "$1"; }
