#!/bin/bash
# reliab_privs.sh: privileges of had, dhpd and mnd (issue 8,
# "Privileges").
#
#   - After start-up all three keep only CAP_NET_ADMIN and CAP_NET_RAW:
#     CapEff and CapPrm are exactly those two, CapInh is empty, CapBnd
#     holds no other, NoNewPrivs is 1 (/proc/PID/status), and they say
#     so in the log.
#   - With that they still do their work: had installs a binding (route,
#     proxy ND) for a BU, dhpd a lease and a binding; SIGHUP reloads the
#     config; SIGTERM removes all of it and restores the sysctls.
#   - The control sockets are mode 0660.
#   - mnd with those two: registers with had, moves (handoff B) and
#     registers the new CoA, answers dmipctl; its classifier's NFQUEUE
#     chains, installed before the drop, are removed at SIGTERM by an
#     ip6tables-restore it execs after the drop. The kernel side of that
#     on its own: root with this bounding set and NoNewPrivs execs
#     ip6tables-restore/-save with exactly CAP_NET_ADMIN and CAP_NET_RAW,
#     and they work (setpriv, in the MN's namespace).
#   - Refused: a world-writable config (had -n and the daemon itself), a
#     key file readable by group or others, a state_dir writable by
#     others (the daemon runs but neither saves nor restores), a state
#     file writable by others (ignored).
#
# Root only; exit 77 when network namespaces cannot be created.
RELIAB_NAME=reliab_privs
# shellcheck source=tests/reliab_lib.sh
. "${srcdir:-.}/tests/reliab_lib.sh"

COA=2001:db8:1::100
HOA=$TOPO_HOA
KEEP=0000000000003000	# bits 12 (cap_net_admin) and 13 (cap_net_raw)

topo_trap

capfield() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
caps_ok() {	# PID: only the two capabilities, no new privileges
	local pid=$1 bnd
	bnd=$(capfield "$pid" CapBnd)
	echo "  pid $pid: CapEff $(capfield "$pid" CapEff) CapPrm $(capfield "$pid" CapPrm)" \
	    "CapInh $(capfield "$pid" CapInh) CapBnd $bnd NoNewPrivs $(capfield "$pid" NoNewPrivs)"
	[ "$(capfield "$pid" CapEff)" = $KEEP ] &&
	[ "$(capfield "$pid" CapPrm)" = $KEEP ] &&
	[ "$(capfield "$pid" CapInh)" = 0000000000000000 ] &&
	[ $(( 0x$bnd & ~0x$KEEP )) = 0 ] &&
	[ "$(capfield "$pid" NoNewPrivs)" = 1 ]
}
sockmode() { stat -c %a "$1"; }
route_of() { topo_exec "$1" ip -6 route show "$2/128"; }

topo_up --static || exit 1
SDH=$(state_dir had)
SDD=$(state_dir dhpd)
topo_copy_etc "had.conf:skip_dad=true" "had.conf:state_dir=$SDH" \
    "dhpd.conf:state_dir=$SDD" > /dev/null || exit 1

echo "== capabilities after start-up"
topo_start_daemon ha had "$TOPO_ETC/had.conf" || exit 1
HPID=$TOPO_PID
topo_start_daemon dhp1 dhpd "$TOPO_ETC/dhpd.conf" || exit 1
DPID=$TOPO_PID
check "had keeps only cap_net_admin, cap_net_raw" caps_ok "$HPID"
check "dhpd keeps only cap_net_admin, cap_net_raw" caps_ok "$DPID"
check "had logs it" grep -qF "kept cap_net_admin,cap_net_raw" "$TOPO_RUN/had-ha.log"
check "dhpd logs it" grep -qF "kept cap_net_admin,cap_net_raw" "$TOPO_RUN/dhpd-dhp1.log"
check "had's control socket is 0660 ($(sockmode "$TOPO_RUN/had.sock"))" \
    test "$(sockmode "$TOPO_RUN/had.sock")" = 660
check "dhpd's control socket is 0660 ($(sockmode "$TOPO_RUN/dhpd.sock"))" \
    test "$(sockmode "$TOPO_RUN/dhpd.sock")" = 660

echo "== they still work with those two"
out=$(topo_exec mn "$MHINJECT" -s $COA -d "$TOPO_HA" -H "$HOA" -i 4096 \
    -k "$TOPO_ETC/keys/mn1-ha.key" -q 1 -l 150 -V)
check "had: BU accepted" test "$(echo "$out" | awk 'NR == 1 { print $2 }')" = 0
check "had: seg6 route for the HoA installed" eval '[[ "$(route_of ha $HOA)" == *"encap seg6"* ]]'
check "had: proxy ND entry installed" eval 'topo_exec ha ip -6 neigh show proxy | grep -qF "$HOA "'
OUT=$(topo_exec mn "$DHPINJECT" -d "$TOPO_DHP1" -s $COA -k "$TOPO_ETC/keys/mn1-dhp1.key" -q 1 -B req 2>&1)
dhoa=$(echo " $OUT" | sed -n 's/.* dhoa=\([^ ]*\).*/\1/p')
check "dhpd: lease and bind-now accepted" eval '[[ " $OUT" == *" status=0 "*" B=1 "* ]]'
check "dhpd: route for the DHoA installed" eval '[[ "$(route_of dhp1 "$dhoa")" == *"encap seg6"* ]]'
kill -HUP "$HPID" "$DPID"
check "had reloads its config after the drop" \
    topo_wait_for "grep -qF 'reloaded $TOPO_ETC/had.conf' '$TOPO_RUN/had-ha.log'" 3
check "dhpd reloads its config after the drop" \
    topo_wait_for "grep -qF 'reloaded $TOPO_ETC/dhpd.conf' '$TOPO_RUN/dhpd-dhp1.log'" 3
check "dmipctl works (stats)" test "$(stat_of "$TOPO_RUN/had.sock" bindings)" = 1
topo_stop_daemon ha had
check "had exits 0" test $? -eq 0
check "had removed its route and proxy entry" eval \
    'test -z "$(route_of ha $HOA)$(topo_exec ha ip -6 neigh show proxy)"'
check "had restored proxy_ndp" test \
    "$(topo_exec ha sysctl -n net.ipv6.conf.ha0.proxy_ndp)" = 0
check "had saved its state on exit" grep -q "^bce $HOA " "$SDH/had.state"
topo_stop_daemon dhp1 dhpd
check "dhpd exits 0" test $? -eq 0
check "dhpd removed its route" test -z "$(route_of dhp1 "$dhoa")"

echo "== refused files"
chmod o+w "$TOPO_ETC/had.conf"
out=$(topo_exec ha "$TOPO_BUILDDIR/ha/had" -n -f "$TOPO_ETC/had.conf" 2>&1)
check "world-writable had.conf refused by had -n" eval '[[ "$out" == *"world-writable"* ]]'
out=$(timeout 5 ip netns exec "$(topo_ns ha)" "$TOPO_BUILDDIR/ha/had" -d -f "$TOPO_ETC/had.conf" 2>&1)
check "... and by the daemon (exit 1, nothing started)" eval \
    '[[ "$out" == *"world-writable"* && "$out" != *"started"* ]]'
chmod o-w "$TOPO_ETC/had.conf"
chmod o+w "$TOPO_ETC/dhpd.conf"
out=$(topo_exec dhp1 "$TOPO_BUILDDIR/dhp/dhpd" -n -f "$TOPO_ETC/dhpd.conf" 2>&1)
check "world-writable dhpd.conf refused" eval '[[ "$out" == *"world-writable"* ]]'
chmod o-w "$TOPO_ETC/dhpd.conf"
chmod 640 "$TOPO_ETC/keys/mn1-ha.key"
out=$(topo_exec ha "$TOPO_BUILDDIR/ha/had" -n -f "$TOPO_ETC/had.conf" 2>&1)
check "a key file readable by group refused" eval '[[ "$out" == *"mn1-ha.key: refused: mode 0640"* ]]'
chmod 600 "$TOPO_ETC/keys/mn1-ha.key"
chmod 644 "$TOPO_ETC/keys/mn1-dhp1.key"
out=$(topo_exec dhp1 "$TOPO_BUILDDIR/dhp/dhpd" -n -f "$TOPO_ETC/dhpd.conf" 2>&1)
check "a key file readable by others refused" eval '[[ "$out" == *"mn1-dhp1.key: refused: mode 0644"* ]]'
chmod 600 "$TOPO_ETC/keys/mn1-dhp1.key"

chmod 777 "$SDH"
topo_start_daemon ha had "$TOPO_ETC/had.conf" || exit 1
check "a state_dir writable by others is not used (logged)" grep -qF \
    "state_dir $SDH: writable by group or others; bindings are not saved nor restored" \
    "$TOPO_RUN/had-ha.log"
check "... nothing restored from it" test -z "$(route_of ha $HOA)"
topo_stop_daemon ha had
chmod 700 "$SDH"
chmod 666 "$SDH/had.state"
topo_start_daemon ha had "$TOPO_ETC/had.conf" || exit 1
check "a state file writable by others is ignored (logged)" grep -qF \
    "had.state ignored: owned by another user or writable by group or others" \
    "$TOPO_RUN/had-ha.log"
check "... nothing restored from it" test -z "$(route_of ha $HOA)"
topo_stop_daemon ha had
chmod 600 "$SDH/had.state"

echo "== mnd: the same two capabilities, and it still registers and moves"
mchains() { topo_exec mn ip6tables-save -t mangle 2>/dev/null | grep -c DMIP6; }
COA1=$(topo_coa 1)
SDH2=$(state_dir had2)
topo_copy_etc "had.conf:skip_dad=true" "had.conf:state_dir=$SDH2" \
    "mnd.conf:api_socket=$TOPO_RUN/mnd-api.sock" > /dev/null || exit 1
topo_start_daemon ha had "$TOPO_ETC/had.conf" || exit 1
topo_start_daemon mn mnd "$TOPO_ETC/mnd.conf" -v || exit 1
MPID=$TOPO_PID
MLOG=$TOPO_RUN/mnd-mn.log
check "mnd keeps only cap_net_admin, cap_net_raw" caps_ok "$MPID"
check "mnd logs it" grep -qF "kept cap_net_admin,cap_net_raw" "$MLOG"
check "mnd's control socket is 0660 ($(sockmode "$TOPO_RUN/mnd.sock"))" \
    test "$(sockmode "$TOPO_RUN/mnd.sock")" = 660
check "mnd's classifier chains are in ($(mchains) DMIP6 lines)" \
    test "$(mchains)" -gt 0
check "mnd registers via $COA1 after the drop" \
    topo_wait_for "grep -q '^registered $HOA via $COA1\$' '$MLOG'" 5
check "had has the binding to $COA1" eval \
    '[[ "$(route_of ha $HOA)" == *"encap seg6"* ]] && table "$TOPO_RUN/had.sock" "show bindings" bindings | grep -qF "\"$COA1\""'
topo_handoff_b 2 || exit 1
COA2=$(topo_coa 2)
check "mnd moves: registers via $COA2 after the handoff" \
    topo_wait_for "grep -q '^registered $HOA via $COA2\$' '$MLOG'" 5
check "had has the binding to $COA2" topo_wait_for \
    "table '$TOPO_RUN/had.sock' 'show bindings' bindings | grep -qF '\"$COA2\"'" 3
check "dmipctl works with mnd (stats: BAs used)" \
    test "$(stat_of "$TOPO_RUN/mnd.sock" ba_used)" -ge 2
check "still only the two capabilities after the move" caps_ok "$MPID"
topo_stop_daemon mn mnd
check "mnd exits 0" test $? -eq 0
check "mnd deregistered at exit" grep -q "^deregistered $HOA\$" "$MLOG"
check "mnd removed its chains after the drop (ip6tables-restore, exec'd)" \
    test "$(mchains)" = 0
check "no ip6tables error in mnd's log" eval '! grep -qiE "ip6tables.*(fail|denied|not permitted)|exit status [1-9]" "$MLOG"'
topo_stop_daemon ha had

# The kernel side alone: root, bounding set {net_admin, net_raw},
# NoNewPrivs, as mnd is after the drop, execs ip6tables.
setp() { topo_exec mn setpriv --no-new-privs --bounding-set=-all,+net_admin,+net_raw \
    --inh-caps=-all --ambient-caps=-all "$@"; }
if command -v setpriv > /dev/null; then
	out=$(setp grep -E '^CapEff|^CapPrm' /proc/self/status | awk '{ print $2 }' | sort -u)
	check "an exec under that bounding set gets exactly CapEff/CapPrm $KEEP ($out)" \
	    test "$out" = $KEEP
	check "... and ip6tables-restore installs a chain with it" eval \
	    'printf "*mangle\n:DMIP6-PRIVS - [0:0]\n-A OUTPUT -j DMIP6-PRIVS\nCOMMIT\n" |
	    setp ip6tables-restore --noflush && setp ip6tables-save -t mangle | grep -q "^-A OUTPUT -j DMIP6-PRIVS"'
	check "... and removes it" eval \
	    'printf "*mangle\n-D OUTPUT -j DMIP6-PRIVS\n-X DMIP6-PRIVS\nCOMMIT\n" |
	    setp ip6tables-restore --noflush && test "$(mchains)" = 0'
else
	echo "note: no setpriv (util-linux): the exec check alone is skipped"
fi
check "no sanitizer report" eval 'clean_log "$TOPO_RUN/had-ha.log" && clean_log "$TOPO_RUN/dhpd-dhp1.log" && clean_log "$MLOG"'
reliab_end
