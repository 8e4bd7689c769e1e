#!/bin/bash
# harness_selftest.sh: checks tests/lib/topo.sh on its own, with no dmip6
# daemon: the topology routes MN -> AR -> core -> {CN1, CN2, HA, home
# link, DHP1, DHP2}; method B and method A handoffs reach the new AR and
# are timed (cf. TESTBED.md 5); static addressing; the daemon, capture
# and config helpers; a test bed whose script fails is torn down without
# touching a parallel one; the root namespace is left exactly as it was.
# Subshells change TOPO_* on purpose (they must not leak out):
# shellcheck disable=SC2030,SC2031
set -u
s=${srcdir:-.}
# shellcheck source=tests/lib/topo.sh
. "$s/tests/lib/topo.sh"

pass=0
fail=0
ok()  { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

probe="d6tprobe$$"
if ! ip netns add "$probe" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces (needs root): ip netns add failed"
	exit 77
fi
ip netns del "$probe"
if ! command -v radvd >/dev/null || ! command -v tshark >/dev/null; then
	echo "ERROR: radvd and tshark are required (tests/deps.sh installs them)"
	exit 99
fi

# The root namespace must come out unchanged (lifetimes do tick).
root_state() {
	ip -br link
	ip -6 addr | grep -v '_lft'
	ip -6 route | sed 's/ expires [^ ]*//'
}
root_before=$(root_state)
t_start=$(topo_now)
topo_trap

# ping6 from the MN's address SRC to DST, once.
reach() { topo_exec mn ping -6 -n -q -c 1 -W 1 -I "$1" "$2" >/dev/null 2>&1; }
# Wait until the MN reaches CN1 from its address on the current AR.
reach_wait() { topo_wait_for "reach_fast $1 ${2:-$TOPO_CN1}" 5; }
reach_fast() { topo_exec mn ping -6 -n -q -c 1 -W 0.2 -I "$1" "${2:-$TOPO_CN1}" >/dev/null 2>&1; }
table=""
row() { table="$table$(printf '%-12s %8s %8s %8s %8s' "$@")"$'\n'; }

echo "== 1. topology, radvd/SLAAC"
topo_up || exit 1
coa=$(topo_coa)
check "MN has a SLAAC CoA on AR1's prefix ($coa)" \
	test "${coa#2001:db8:1:}" != "$coa" -a "$TOPO_AT" = 1
for d in CN1:$TOPO_CN1 CN2:$TOPO_CN2 HA:$TOPO_HA DHP1:$TOPO_DHP1 \
    DHP2:$TOPO_DHP2 home-link:$TOPO_HOME_HOST core:$TOPO_CORE; do
	check "MN $coa -> ${d%%:*} ${d#*:}" reach "$coa" "${d#*:}"
done
check "topo_ns names the namespace" test "$(topo_ns core)" = "${TOPO_PREFIX}core"
check "topo_ns refuses unknown nodes" eval '! topo_ns nosuch 2>/dev/null'
check "HA's home link ha0 exists" topo_exec ha ip link show ha0 >/dev/null
check "no namespace-external links (bridges live in sw)" \
	test -z "$(ip -br link | grep -E '^(br[12s]|mn-|ar[12]-)')"

# The capture helper; it also shows the MN's traffic goes through AR1.
pcap="$(topo_log)/ar1-lan0.pcapng"
check "topo_capture starts tshark on ar1/lan0" topo_capture ar1 lan0 "$pcap"
topo_exec mn ping -6 -n -q -c 3 -i 0.05 -I "$coa" "$TOPO_CN2" >/dev/null 2>&1
topo_capture_stop "$pcap"
n=$(tshark -r "$pcap" -Y "icmpv6.type == 128 && ipv6.src == $coa && ipv6.dst == $TOPO_CN2" 2>/dev/null | wc -l)
check "the 3 echo requests MN -> CN2 crossed AR1's LAN port (saw $n)" test "$n" -eq 3

echo "== 2. config and daemon helpers (fake daemon, no dmip6 binary)"
topo_copy_etc transport=udp had.conf:backend=tun udp_port=6000 \
    'mnd.conf:interfaces={"mn1", "mn2"}' mnd.conf:extra_key=yes >/dev/null
etc=$TOPO_ETC
check "topo_copy_etc copied etc/ to the run dir" \
	test "$etc" = "$TOPO_RUN/etc" -a -f "$etc/mnd.conf"
check "keys are mode 0600" test "$(stat -c %a "$etc"/keys/* | sort -u)" = 600
check "transport rewritten in all configs" \
	test "$(grep -lx 'transport = "udp"' "$etc"/*.conf | wc -l)" -eq 3
check "had.conf only: backend = \"tun\"" \
	test "$(grep -c '^backend = "tun"$' "$etc/had.conf")$(grep -c '^backend = "tun"$' "$etc/mnd.conf")" = 10
check "numbers stay unquoted" grep -qx 'udp_port = 6000' "$etc/dhpd.conf"
check "a multi-line value is replaced whole" \
	test "$(sed -n '/^interfaces/,/^default_type/p' "$etc/mnd.conf" | head -n 3 | tr '\n' '|')" = \
	'interfaces = {"mn1", "mn2"}||# The DHPs this MN may lease DHoAs from, with their SAs.|'
check "a missing key is appended" grep -qx 'extra_key = "yes"' "$etc/mnd.conf"
check "nested keys are untouched" grep -q $'^\taddress = "2001:db8:f::11"' "$etc/had.conf"

fake="$TOPO_RUN/fakedmip"
cat > "$fake" <<'EOF'
#!/bin/sh
# Stands in for a dmip6 daemon: "started" once up, exit 0 on SIGTERM.
trap 'echo "fake: stopping"; exit 0' TERM
[ "${FAKE_MODE:-}" = die ] && { echo "fake: bad config"; exit 1; }
[ "${FAKE_MODE:-}" = mute ] || echo "fake $* started"
while :; do sleep 0.05; done
EOF
chmod +x "$fake"
check "topo_start_daemon: up once its log says started" \
	topo_start_daemon ha "$fake" "$etc/had.conf" -v
fpid=$TOPO_PID
check "the daemon runs in ${TOPO_PREFIX}ha" \
	test "$(ip netns identify "$fpid")" = "${TOPO_PREFIX}ha"
check "it got -d -f CONFIG ARGS" \
	grep -qx "fake -d -f $etc/had.conf -v started" "$TOPO_RUN/fakedmip-ha.log"
check "topo_stop_daemon returns its exit status 0" topo_stop_daemon ha "$fake"
check "the stopped daemon is gone" eval "! kill -0 $fpid 2>/dev/null"
export FAKE_MODE=die
check "a daemon that exits fails at once" \
	eval "! topo_start_daemon dhp1 '$fake' '$etc/dhpd.conf' 2>/dev/null"
FAKE_MODE=mute
t0=$(topo_now)
check "a daemon that never says started times out" \
	eval "! TOPO_START_TIMEOUT=0.5 topo_start_daemon dhp2 '$fake' '$etc/dhpd.conf' 2>/dev/null"
ms=$(topo_ms_since "$t0")
check "... after the timeout (${ms} ms)" test "$ms" -ge 450 -a "$ms" -lt 3000
unset FAKE_MODE
topo_start_daemon mn "$fake" "$etc/mnd.conf" >/dev/null
left_pid=$TOPO_PID		# left running: topo_down must kill it

echo "== 3. a failing script is torn down, a parallel test bed is untouched"
# The run dir is kept (and named) when the script fails, removed if not.
for want in 1 0; do
	out=$( (TOPO_RUN=; topo_trap; topo_log > /dev/null; echo "$TOPO_RUN" >&2; exit $want) 2>&1)
	dir=$(echo "$out" | head -n 1)
	if [ $want = 1 ]; then
		check "exit 1: run dir kept and named" \
			test -d "$dir" -a -n "$(echo "$out" | grep -F "logs kept in $dir")"
		rm -rf "$dir"
	else
		check "exit 0: run dir removed" test -n "$dir" -a ! -e "$dir"
	fi
done
check "the subshells left our run dir alone" test -d "$TOPO_RUN"

fpfx="d6tf$$-"
(
	TOPO_PREFIX=$fpfx TOPO_KEEP=never
	topo_trap
	topo_up > /dev/null || exit 2
	topo_pids > "$TOPO_RUN/../d6tf$$.pids"
	exit 1
)
rc=$?
check "the failing script exited 1 after a good topo_up" test $rc -eq 1
check "no namespace with its prefix is left" \
	test -z "$(ip netns list | grep "^$fpfx")"
fpids=$(cat "${TMPDIR:-/tmp}/d6tf$$.pids" 2>/dev/null)
rm -f "${TMPDIR:-/tmp}/d6tf$$.pids"
alive=
for p in $fpids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
check "its processes (${fpids:-none}) are gone" test -n "$fpids" -a -z "$alive"
check "our own test bed still works" reach "$coa" "$TOPO_CN1"

echo "== 4. method B (re-bridge mn0), 4 handoffs"
row "method B" "cmd" "addr" "pruned" "reach"
for to in 2 1 2 1; do
	if ! topo_handoff_b "$to"; then
		bad "handoff B to AR$to: no new address"
		continue
	fi
	cmd=$TOPO_HO_CMD_MS addr=$TOPO_HO_ADDR_MS
	new=$(topo_coa)
	old=$(topo_coa $((3 - to)))
	check "B -> AR$to: new CoA $new, old $old kept until pruned" test -n "$old"
	topo_prune
	pruned=$(topo_ms_since "$TOPO_HO_T0")
	check "B -> AR$to: pruned, one default route" \
		test -z "$(topo_coa $((3 - to)))" -a \
		"$(topo_exec mn ip -6 route show default | wc -l)" -eq 1
	if reach_wait "$new"; then
		row "AR$((3 - to))->AR$to" "$cmd" "$addr" "$pruned" "$(topo_ms_since "$TOPO_HO_T0")"
		ok "B -> AR$to: CN1 reachable from $new"
	else
		bad "B -> AR$to: CN1 not reachable from $new"
	fi
	check "B -> AR$to: CN2 reachable from $new" reach "$new" "$TOPO_CN2"
done
check "handoff B refuses a bad target" eval '! topo_handoff_b 3 2>/dev/null'

echo "== 4b. the home link: method B to brh and back"
if topo_handoff_b home; then
	h=$(topo_coa home)
	check "home: SLAAC address $h on the home prefix from the HA's RAs" \
		test -n "$h"
	check "home: the home-link host $TOPO_HOME_HOST answers from $h" \
		reach_wait "$h" "$TOPO_HOME_HOST"
	ha_ll=$(topo_exec ha ip -6 -o addr show dev ha0 scope link | awk '{ split($4, a, "/"); print a[1] }')
	check "home: the HA ($ha_ll) is a default router of the MN" \
		topo_wait_for "topo_exec mn ip -6 route show default | grep -q 'via $ha_ll '" 3
else
	bad "handoff B to the home link: no address on $TOPO_HOME_PREFIX"
fi
check "topo_handoff_a refuses the home link" eval '! topo_handoff_a home 2>/dev/null'
check "back from home to AR1" topo_handoff_b 1

topo_down $fail
topo_down $fail
check "topo_down twice: no namespace left" test -z "$(ip netns list | grep "^$TOPO_PREFIX")"
check "topo_down killed the daemon left running" eval "! kill -0 $left_pid 2>/dev/null"

echo "== 5. method A (mn1 down, mn2 up), 4 handoffs"
if topo_up --two-ifaces; then
	check "MN starts on mn1 with a CoA on AR1" test "$TOPO_MNIF" = mn1 -a -n "$(topo_coa 1)"
	row "method A" "cmd" "addr" "-" "reach"
	for to in 2 1 2 1; do
		if ! topo_handoff_a "$to"; then
			bad "handoff A to AR$to: no new address"
			continue
		fi
		cmd=$TOPO_HO_CMD_MS addr=$TOPO_HO_ADDR_MS
		new=$(topo_coa)
		check "A -> AR$to: the kernel dropped the old CoA" \
			test -z "$(topo_coa $((3 - to)))" -a "$TOPO_MNIF" = "mn$to"
		if reach_wait "$new"; then
			row "AR$((3 - to))->AR$to" "$cmd" "$addr" "-" "$(topo_ms_since "$TOPO_HO_T0")"
			ok "A -> AR$to: CN1 reachable from $new"
		else
			bad "A -> AR$to: CN1 not reachable from $new"
		fi
	done
else
	bad "topo_up --two-ifaces"
fi
topo_down $fail

echo "== 6. static addressing"
if topo_up --static; then
	check "no radvd runs" test ! -e "$TOPO_RUN/radvd-ar1.log"
	check "static CoA 2001:db8:1::100" test "$(topo_coa)" = 2001:db8:1::100
	if topo_handoff_b 2; then
		check "static B -> AR2: CN1 reachable from 2001:db8:2::100" \
			reach_wait 2001:db8:2::100
	else
		bad "static handoff B"
	fi
else
	bad "topo_up --static"
fi
topo_down $fail

echo "== 7. root namespace"
root_after=$(root_state)
if [ "$root_before" = "$root_after" ]; then
	ok "links, addresses and routes of the root namespace unchanged"
else
	bad "the root namespace changed:"
	diff <(echo "$root_before") <(echo "$root_after")
fi

echo
echo "handoff times, ms after the handoff command started (cf. TESTBED.md 5):"
printf '%s' "$table"
echo "total run time $(topo_ms_since "$t_start") ms"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
