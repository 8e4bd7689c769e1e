#!/bin/bash
# sig_bench.sh: signalling throughput and latency of had and dhpd
# (issue 7, benchmark 2), each against the floor of the socket path
# measured in the same run.
#
#   bench/sig_bench.sh [--smoke] [--no-pin] [-n MNS] [-t SECS] [-r ROUNDS]
#                      [-w WINDOW] [--only had|dhp]
#
# Two namespaces joined by a veth (2001:db8:1::/64): "mn" runs the load
# generator (bench/sig_bench, N mobile nodes on one care-of address),
# "ha" runs, one after the other, each responder:
#   floor  bench/echo_responder -m floor: the daemons' I/O path (evloop,
#          raw MH socket, mh_parse, mh_build), no crypto, no state;
#   hmac   bench/echo_responder -m hmac: the same plus the request's MAC
#          checked and the answer signed (RFC 4285);
#   had    ha/had (seg6 backend, skip_dad, log_level quiet) with N
#          configured MNs: BU -> BA;
#   dhpd   dhp/dhpd (seg6 backend, log_level quiet) with N configured
#          MNs: DHoA Request -> Response, then DHP-BU -> DHP-BC.
# Each responder is pinned to CPU 1 and the generator to CPU 0
# (taskset; --no-pin: unpinned). For each responder the generator runs
# its phases (bench/sig_bench.c): register (one message per MN, each
# creating a binding: the daemon's data plane adds a route, plus a proxy
# ND entry for had), refresh (closed loop, WINDOW in flight, SECS), and
# open loop at half the daemon's closed-loop rate of the same round
# (the same offered load for all three responders) for p50/p99
# latency. The daemon runs first in each round (it sets that load);
# figures are medians over ROUNDS, ratios are paired per round and
# shown as "median [min..max]". The daemon's CPU time per message
# (/proc/PID/schedstat) is printed too: it is steadier than the rates
# when other jobs share the machine. Its RSS at start and after N
# bindings is printed (bench/mem_bench measures bytes per binding at
# 10^5 and 10^6). Each daemon starts with an empty state_dir and saves
# its bindings there as it runs (issue 8), as in production.
#
# Default: 2000 MNs, window 64, 3 s phases, 3 rounds (about 1.5 min).
# --smoke: 200 MNs, window 16, 0.4 s phases, 1 round, and every figure
# checked for sanity (every message answered and accepted, MACs valid,
# rates and latencies positive, the daemons exit 0 holding N bindings);
# what `make check` runs through bench/smoke_sig.sh.
#
# Root only; exit 77 without network namespaces, 1 when a step failed.
# Touches nothing in the root namespace; only 2001:db8::/32 addresses.
set -u
b=${builddir:-.}
B=$(cd "$b" && pwd)
GEN=$B/bench/sig_bench
ECHO=$B/bench/echo_responder
HAD=$B/ha/had
DHPD=$B/dhp/dhpd
CTL=$B/tools/dmipctl
N=2000 T=3 R=3 W=64 SMOKE=0 PIN=1 ONLY=""
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 N=200 T=0.4 R=1 W=16 ;;
	--no-pin) PIN=0 ;;
	--only) ONLY=$2; shift ;;
	-n) N=$2; shift ;;
	-t) T=$2; shift ;;
	-r) R=$2; shift ;;
	-w) W=$2; shift ;;
	*) echo "usage: $0 [--smoke] [--no-pin] [-n MNS] [-t SECS] [-r ROUNDS] [-w WINDOW] [--only had|dhp]" >&2
	   exit 2 ;;
	esac
	shift
done
for f in "$GEN" "$ECHO" "$HAD" "$DHPD" "$CTL"; do
	[ -x "$f" ] || { echo "FAIL: $f not built (make check builds it)"; exit 1; }
done

P="d6sb$$-"
NSM=${P}mn NSH=${P}ha
COA=2001:db8:1::2 HAA=2001:db8:1::1
KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
PIN_G="" PIN_R=""
if [ "$PIN" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	PIN_G="taskset -c 0" PIN_R="taskset -c 1"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/sig_bench.XXXXXX")
RPID=""
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cleanup() {
	[ -n "$RPID" ] && kill -KILL "$RPID" 2>/dev/null
	for n in "$NSM" "$NSH"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	{ wait; } 2>/dev/null
	if [ "$fails" -ne 0 ] || [ -n "${KEEP:-}" ]; then
		echo "logs kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! ip netns add "$NSM" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces (needs root)"
	exit 77
fi
ip netns add "$NSH"
ip link add m0 netns "$NSM" type veth peer name h0 netns "$NSH"
for n in "$NSM" "$NSH"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0
	ip -n "$n" link set lo up
done
# The home link of had (proxy ND entries go there): a veth pair with
# both ends in ns ha (no dummy module needed).
ip -n "$NSH" link add ha0 type veth peer name ha0p
ip -n "$NSH" addr add 2001:db8:10::1/64 dev ha0 nodad
ip -n "$NSH" link set ha0p up
ip -n "$NSH" link set ha0 up
ip -n "$NSM" addr add $COA/64 dev m0 nodad
ip -n "$NSH" addr add $HAA/64 dev h0 nodad
ip -n "$NSM" link set m0 up
ip -n "$NSH" link set h0 up
ip netns exec "$NSM" ping -6 -c1 -W2 $HAA >/dev/null || { fail "topology"; exit 1; }

# Configs: N MNs with SPIs 4096.., one key file for all their SAs.
(umask 077; echo "$KEY" > "$work/bench.key")
common_conf() {	# sock
	cat <<EOF
log_level = "quiet"
transport = "mh"
backend = "seg6"
timestamp_window = 60
control_socket = "$work/$1"
state_dir = "$work/state"
address = "$HAA"
EOF
}
{
	common_conf had.sock
	cat <<EOF
home_prefix = "2001:db8:10::/64"
home_interface = "ha0"
max_lifetime = 600
skip_dad = true
EOF
	"$GEN" conf had -n "$N" -k bench.key
} > "$work/had.conf"
{
	common_conf dhpd.sock
	cat <<EOF
interface = "h0"
pools = {"2001:db8:d1::/64"}
lease_lifetime = 600
binding_lifetime = 300
EOF
	"$GEN" conf dhp -n "$N" -k bench.key
} > "$work/dhpd.conf"
chmod 600 "$work/had.conf" "$work/dhpd.conf"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# start_responder NAME: start it in ns ha; RPID, and RSS0 (kB at start).
start_responder() {
	local name=$1
	: > "$work/$name.log"
	case $name in
	floor|hmac)
		ip netns exec "$NSH" $PIN_R "$ECHO" -a $HAA -m "$name" -n "$N" \
		    -S 4096 -K "$KEY" > "$work/$name.log" 2>&1 &
		RPID=$!
		for _ in $(seq 100); do
			grep -q ready "$work/$name.log" && break
			sleep 0.05
		done
		grep -q ready "$work/$name.log" || return 1 ;;
	had|dhpd)
		local bin=$HAD
		[ "$name" = dhpd ] && bin=$DHPD
		# A fresh state directory: every round starts with no
		# binding (the daemons restore saved ones, issue 8).
		rm -rf "$work/state"
		ip netns exec "$NSH" $PIN_R "$bin" -d -f "$work/$name.conf" \
		    > "$work/$name.log" 2>&1 &
		RPID=$!
		# The control socket answers once on_start is done.
		for _ in $(seq 200); do
			"$CTL" -s "$work/$name.sock" -t 1 stats \
			    > /dev/null 2>&1 && break
			kill -0 "$RPID" 2>/dev/null || return 1
			sleep 0.05
		done
		"$CTL" -s "$work/$name.sock" -t 1 stats > /dev/null 2>&1 ||
			return 1 ;;
	esac
	RSS0=$(rss_kb "$RPID")
}

# stop_responder NAME: SIGTERM, exit status 0 expected.
stop_responder() {
	local rc
	kill -TERM "$RPID"
	wait "$RPID"
	rc=$?
	RPID=""
	[ "$rc" -eq 0 ] || fail "$1 exited $rc: $(tail -3 "$work/$1.log")"
	! grep -qE "Sanitizer|runtime error" "$work/$1.log" ||
		fail "sanitizer report in the $1 log"
}

# run MODE NAME RATE: one responder through every phase; the phase
# lines go to $work/MODE.NAME (appended per round).
run() {
	local mode=$1 name=$2 rate=$3 out="$work/$1.$2" bnd vopt=()
	# The floor sends no MAC: nothing to check.
	[ "$name" = floor ] && vopt=(-V 0)
	if ! start_responder "$name"; then
		fail "$name did not start: $(tail -3 "$work/$name.log")"
		RPID=""
		return
	fi
	echo "rss0_kb $RSS0" >> "$out"
	ip netns exec "$NSM" $PIN_G "$GEN" run "$mode" -s $COA -d $HAA -n "$N" \
	    -K "$KEY" -w "$W" -t "$T" -r "$rate" -P "$RPID" "${vopt[@]}" \
	    >> "$out" 2>> "$work/gen.err" || fail "sig_bench $mode against $name"
	if [ "$name" = had ] || [ "$name" = dhpd ]; then
		bnd=$("$CTL" -s "$work/$name.sock" -t 5 stats 2>/dev/null |
		    awk '$1 == "bindings" { print $2 }')
		[ "$bnd" = "$N" ] || fail "$name holds '${bnd}' bindings, not $N"
	fi
	stop_responder "$name"
}

uptime_load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "sig_bench: $N MNs, window $W, ${T}s phases, $R round(s)," \
    "$([ -n "$PIN_R" ] && echo "responder on CPU 1, generator on CPU 0" || echo unpinned)"
echo "load average before: $(uptime_load) ($(nproc) CPUs)"

# The value after word F on the lines of FILE for phase PH (prefix).
vals() {	# file phase field
	awk -v ph="$2" -v f="$3" '$1 == "phase" && index($2, ph) == 1 {
		for (i = 3; i < NF; i++) if ($i == f) print $(i + 1) }' "$1"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
# "median [min..max]" of the per-round ratios a/b.
ratio() {	# fileA fileB phase field
	paste <(vals "$1" "$3" "$4") <(vals "$2" "$3" "$4") |
		awk '{ if ($2 > 0) printf "%.3f\n", $1 / $2 }' > "$work/r"
	[ -s "$work/r" ] || { echo "-"; return; }
	printf '%s [%s..%s]' "$(median < "$work/r")" \
	    "$(sort -g "$work/r" | head -1)" "$(sort -g "$work/r" | tail -1)"
}

for mode in had dhp; do
	[ -n "$ONLY" ] && [ "$ONLY" != "$mode" ] && continue
	d=$mode
	[ "$mode" = dhp ] && d=dhpd
	for _ in $(seq "$R"); do
		run "$mode" "$d" 0.5x
		half=$(vals "$work/$mode.$d" refresh rate | tail -1)
		half=$(awk -v r="${half:-0}" 'BEGIN { printf "%.0f", r / 2 }')
		[ "$half" -ge 1 ] 2>/dev/null || half=1000
		run "$mode" floor "$half"
		run "$mode" hmac "$half"
	done
done
echo "load average after: $(uptime_load)"

# ---- the tables ---------------------------------------------------------
row() {	# label phase field mode daemon
	local f=$work/$4
	printf '%-34s %9s %9s %9s  %-22s %s\n' "$1" \
	    "$(vals "$f.floor" "$2" "$3" | median)" \
	    "$(vals "$f.hmac" "$2" "$3" | median)" \
	    "$(vals "$f.$5" "$2" "$3" | median)" \
	    "$(ratio "$f.$5" "$f.floor" "$2" "$3")" \
	    "$(ratio "$f.$5" "$f.hmac" "$2" "$3")"
}
for mode in had dhp; do
	[ -n "$ONLY" ] && [ "$ONLY" != "$mode" ] && continue
	d=$mode what="BU -> BA"
	[ "$mode" = dhp ] && d=dhpd what="DHP-BU -> DHP-BC"
	f=$work/$mode
	echo
	printf '%-34s %9s %9s %9s  %-22s %s\n' "$d: $what, medians" floor hmac "$d" \
	    "$d/floor [min..max]" "$d/hmac [min..max]"
	[ "$mode" = dhp ] && row "leases/s (DHoA Req -> Resp)" lease rate dhp dhpd
	row "first registrations/s" register rate "$mode" "$d"
	row "responder CPU/registration (us)" register resp_cpu_us "$mode" "$d"
	row "refreshes/s (closed loop)" refresh rate "$mode" "$d"
	row "  p50 latency, closed loop (us)" refresh p50_us "$mode" "$d"
	row "responder CPU/message (us)" refresh resp_cpu_us "$mode" "$d"
	row "  answer size (MH octets)" refresh ans_bytes "$mode" "$d"
	row "responder CPU use, closed loop" refresh resp_util "$mode" "$d"
	row "generator CPU use, closed loop" refresh gen_cpu "$mode" "$d"
	row "open loop at half $d max (/s)" open rate "$mode" "$d"
	row "  p50 latency (us)" open p50_us "$mode" "$d"
	row "  p99 latency (us)" open p99_us "$mode" "$d"
	row "  lost (% of sent, > 1 s)" open lost_pct "$mode" "$d"
	r0=$(awk '$1 == "rss0_kb" { print $2 }' "$f.$d" | median)
	r1=$(vals "$f.$d" register resp_rss_kb | median)
	# The config parse leaves free heap that the bindings reuse, so
	# this is no per-binding figure (bench/mem_bench gives that).
	echo "$d RSS: ${r0} kB at start (with $N MNs configured)," \
	    "${r1} kB after $N bindings"
done

# ---- smoke: sanity of every figure -------------------------------------
if [ "$SMOKE" = 1 ]; then
	for f in "$work"/had.* "$work"/dhp.*; do
		[ -e "$f" ] || continue
		awk -v n="$N" -v file="${f##*/}" '
		$1 == "phase" {
			for (i = 3; i < NF; i += 2) v[$i] = $(i + 1)
			bad = ""
			if (v["ok"] + 0 <= 0) bad = bad " no accepted answer"
			if (v["rejected"] + 0 != 0) bad = bad " rejected " v["rejected"] " (first " v["first_reject"] ")"
			if (v["lost"] + 0 != 0) bad = bad " lost " v["lost"]
			if (v["bad_auth"] + 0 != 0) bad = bad " bad MAC " v["bad_auth"]
			if (v["rate"] + 0 <= 0) bad = bad " rate 0"
			if (v["p50_us"] + 0 <= 0 || v["p99_us"] + 0 < v["p50_us"] + 0) bad = bad " latencies " v["p50_us"] "/" v["p99_us"]
			if (($2 == "register" || $2 == "lease") && v["ok"] + 0 != n) bad = bad " " v["ok"] " of " n " answered"
			if (v["resp_cpu_us"] + 0 <= 0) bad = bad " no responder CPU time"
			if (bad != "") { print "FAIL: " file " " $2 ":" bad; nbad++ }
			else if ($2 == "refresh") print "ok: " file " refresh " v["rate"] "/s, p50 " v["p50_us"] " us"
		}
		END { exit nbad > 0 }' "$f" || fails=$((fails + 1))
	done
fi
! grep -qE "Sanitizer|runtime error" "$work/gen.err" 2>/dev/null ||
	fail "sanitizer report from the generator: $(grep -m1 -E 'Sanitizer|runtime error' "$work/gen.err")"
if [ "$fails" -ne 0 ]; then
	echo "sig_bench: $fails step(s) failed"
	[ -s "$work/gen.err" ] && sed 's/^/  gen: /' "$work/gen.err" | tail -5
	exit 1
fi
exit 0
