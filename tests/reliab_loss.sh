#!/bin/bash
# reliab_loss.sh: home registration under 30 % random loss of the
# signalling in both directions (issue 8, "Lost signalling").
#
# In the mn namespace, ip6tables drops 30 % of the Mobility Header
# packets at random, both ways (-m statistic --mode random); mnd (seg6)
# and had (seg6, skip_dad) run in the test bed (tests/lib/topo.sh).
# Each run is a registration from a fresh mnd and a handoff to the
# other access router (method B); then mnd stops. RELIAB_LOSS_RUNS runs
# (default 4) over raw MH, then one over the UDP transport (port 5135,
# the same rules on UDP) while the time allows.
#
# For every binding: the time from the event (mnd start, or the port
# move) to mnd's "registered ... via <new CoA>", and the BUs mnd sent
# for it, time-stamped from its log. Asserted against C.1:
#   - the binding converges, and mnd logged it at most 0.5 s after the
#     BU that got through (the last one);
#   - no retransmission came later than C.1 allows: the n-th gap at most
#     1.15 x min(T0 * 2^n, 32 s) + 0.15 s, T0 = 1.5 s (first
#     registration, also a handoff before mnd ever got registered) or
#     1 s (re-registration); and never more than MAX_UPDATE_RATE, 3 BUs
#     in any second;
#   - so the convergence time is within the C.1 bound for the number of
#     BUs it took, printed next to it.
# A binding still retransmitting by the C.1 schedule after 40 s (six BU
# or BA losses in a row, 1.8 % likely at 30 % each way) is reported,
# not failed: C.1 has no finite bound for that, and the test keeps to
# its time budget. Prints the times (median, max) per transport.
#
# Root only; exit 77 when network namespaces cannot be created.
RELIAB_NAME=reliab_loss
# shellcheck source=tests/reliab_lib.sh
. "${srcdir:-.}/tests/reliab_lib.sh"

RUNS=${RELIAB_LOSS_RUNS:-4}
LOSS=0.3
CAP_S=40
HOA=$TOPO_HOA
STAMP_PID=

cleanup() {
	local rc=$?
	[ -n "$STAMP_PID" ] && kill "$STAMP_PID" 2>/dev/null
	topo_down "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# loss_rules mh|udp: 30 % of the signalling dropped each way in ns mn.
loss_rules() {
	local m=(-m statistic --mode random --probability "$LOSS" -j DROP)
	topo_exec mn ip6tables -F
	# A rule without target first: it counts what the next one sees.
	if [ "$1" = udp ]; then
		topo_exec mn ip6tables -A OUTPUT -p udp --dport 5135 &&
		topo_exec mn ip6tables -A OUTPUT -p udp --dport 5135 "${m[@]}" &&
		topo_exec mn ip6tables -A INPUT -p udp --sport 5135 &&
		topo_exec mn ip6tables -A INPUT -p udp --sport 5135 "${m[@]}"
	else
		topo_exec mn ip6tables -A OUTPUT -p ipv6-mh &&
		topo_exec mn ip6tables -A OUTPUT -p ipv6-mh "${m[@]}" &&
		topo_exec mn ip6tables -A INPUT -p ipv6-mh &&
		topo_exec mn ip6tables -A INPUT -p ipv6-mh "${m[@]}"
	fi
}
# "SEEN DROPPED": signalling packets the rules saw and dropped so far.
loss_count() {
	topo_exec mn ip6tables -L -v -n -x | awk '
	    $1 ~ /^[0-9]+$/ && $3 == "DROP" { d += $1; next }
	    $1 ~ /^[0-9]+$/ && ($3 == "135" || $3 == "17") { s += $1 }
	    END { print s + 0, d + 0 }'
}

# mnd's log lines with the time each one appeared (10 ms at worst):
# "EPOCH LINE". tail -F follows the file across mnd restarts.
stamper_start() {
	: > "$TOPO_RUN/mnd-mn.log"
	tail -n +1 -F "$TOPO_RUN/mnd-mn.log" 2>/dev/null | while IFS= read -r l; do
		printf '%s %s\n' "$EPOCHREALTIME" "$l"
	done > "$TOPO_RUN/mnd-ts.log" &
	STAMP_PID=$!
}

# event NAME T0 INIT_RTO COA: wait for the registration via COA logged
# after stamped line L0 (global), then check and record it.
event() {
	local name=$1 t0=$2 init=$3 coa=$4 res
	if ! topo_wait_for "tail -n +$((L0 + 1)) '$TOPO_RUN/mnd-ts.log' | grep -qF 'registered $HOA via $coa'" $CAP_S; then
		res=$(analyse "$t0" "$init" "$coa" "pending")
		echo "  $name: not registered after $CAP_S s: $res"
		if [[ $res == *"schedule ok"* ]]; then
			echo "  (still retransmitting by the C.1 schedule: reported, not failed)"
			NPEND=$((NPEND + 1))
		else
			bad "$name: no convergence and the retransmissions broke C.1"
		fi
		return 2
	fi
	res=$(analyse "$t0" "$init" "$coa" "done")
	echo "  $name: $res"
	if [[ $res == *"schedule ok"* && $res == *"within bound"* ]]; then
		ok "$name converged within the C.1 bound"
	else
		bad "$name: $res"
	fi
	echo "$res" | sed -n 's/.*converged \([0-9.]*\) s.*/\1/p' >> "$TIMES"
	L0=$(wc -l < "$TOPO_RUN/mnd-ts.log")
}

# analyse T0 INIT COA done|pending: the BU times after line L0, the gaps
# against C.1, the convergence time and its bound.
analyse() {
	tail -n +$((L0 + 1)) "$TOPO_RUN/mnd-ts.log" | awk -v t0="$1" \
	    -v init="$2" -v coa="$3" -v ha="$TOPO_HA" -v hoa="$HOA" -v st="$4" '
	    index($0, "bul HA " ha ": BU seq") { bu[++k] = $1 }
	    index($0, "registered " hoa " via " coa) && !r { r = $1; exit }
	    END {
		ok = 1; bound = 0; why = ""
		for (i = 1; i < k; i++) {
			rto = init * 2 ^ (i - 1); if (rto > 32) rto = 32
			g = bu[i + 1] - bu[i]
			if (g > 1.15 * rto + 0.15) { ok = 0; why = why sprintf(" gap%d=%.2fs>%.2fs", i, g, rto) }
			if (i + 3 <= k && bu[i + 3] - bu[i] < 0.95) { ok = 0; why = why " >3 BU/s" }
			bound += rto
		}
		if (k == 0) { printf "no BU logged"; exit }
		bound += bu[1] - t0 + 0.5
		printf "%d BU%s, gaps", k, k == 1 ? "" : "s"
		for (i = 1; i < k; i++) printf " %.2f", bu[i + 1] - bu[i]
		printf ", schedule %s%s", ok ? "ok" : "BROKEN", why
		if (st == "done") {
			c = r - t0
			printf ", converged %.2f s, C.1 bound %.2f s: %s", c, bound,
			    (c <= bound && r - bu[k] <= 0.5) ? "within bound" : "OUT OF BOUND"
		}
		printf "\n"
	    }'
}

# one_run I AR: a fresh mnd on AR, then a handoff to the other one.
# The handoff's BU starts at 1 s, or at 1.5 s when mnd never got
# registered in this run (RFC 6275 11.8 InitialBindackTimeoutFirstReg).
one_run() {
	local i=$1 other t0 coa init=1
	other=$((3 - TOPO_AT))
	L0=$(wc -l < "$TOPO_RUN/mnd-ts.log")
	t0=$(topo_now)
	topo_start_daemon mn mnd "$TOPO_ETC/mnd.conf" -v > /dev/null ||
	    { bad "run $i: mnd start"; return 1; }
	coa=$(topo_coa)
	event "run $i registration via AR$TOPO_AT" "$t0" 1.5 "$coa" || init=1.5
	L0=$(wc -l < "$TOPO_RUN/mnd-ts.log")
	topo_handoff_b "$other" || { bad "run $i: handoff"; return 1; }
	coa=$(topo_coa)
	event "run $i handoff to AR$other" "$TOPO_HO_T0" "$init" "$coa"
	topo_stop_daemon mn mnd
	check "run $i: mnd exits 0 (deregistration lost or not)" test $? -eq 0
}

pass() {	# mh|udp runs
	local tr=$1 n=$2 i seen drop
	echo "== $tr transport, $LOSS loss each way, $n runs"
	TIMES=$TOPO_RUN/times-$tr
	: > "$TIMES"
	NPEND=0
	if [ "$tr" = udp ]; then
		topo_copy_etc transport=udp "had.conf:skip_dad=true" \
		    "had.conf:state_dir=$SD" > /dev/null
	else
		topo_copy_etc "had.conf:skip_dad=true" "had.conf:state_dir=$SD" > /dev/null
	fi
	topo_start_daemon ha had "$TOPO_ETC/had.conf" -v > /dev/null ||
	    { bad "had start ($tr)"; return 1; }
	loss_rules "$tr" || { bad "ip6tables statistic rules"; return 1; }
	for i in $(seq "$n"); do
		one_run "$i" || return 1
	done
	read -r seen drop <<<"$(loss_count)"
	row "$tr: signalling packets seen / dropped by the rules" \
	    "$seen / $drop ($(awk -v s="$seen" -v d="$drop" 'BEGIN { printf "%.0f", s ? 100 * d / s : 0 }') %)"
	row "$tr: convergence time (s)" "$(stats_line < "$TIMES")"
	[ "$NPEND" -eq 0 ] || row "$tr: still retrying after $CAP_S s (reported)" "$NPEND"
	SEEN=$((SEEN + seen)) DROP=$((DROP + drop))
	topo_exec mn ip6tables -F
	topo_stop_daemon ha had
	check "$tr: had exits 0" test $? -eq 0
	check "$tr: no sanitizer report" clean_log "$TOPO_RUN/had-ha.log"
}

SEEN=0 DROP=0
topo_up || exit 1
SD=$(state_dir had)
stamper_start
pass mh "$RUNS"
if [ "$(topo_ms_since "$T0_SCRIPT")" -lt 35000 ]; then
	pass udp 1
else
	echo "== udp transport: skipped, over the time budget"
fi
# Over all runs the rules must have dropped signalling (they see a few
# dozen packets: P(no drop) < 0.1 %).
check "the 30 % rules dropped $DROP of $SEEN signalling packets" \
    test "$DROP" -gt 0 -a "$SEEN" -gt 0
reliab_end
