#!/bin/bash
# reliab_privs.sh: privileges of had and dhpd (issue 8, "Privileges").
#
#   - After start-up both keep only CAP_NET_ADMIN and CAP_NET_RAW: CapEff
#     and CapPrm are exactly those two, CapInh is empty, CapBnd holds no
#     other, NoNewPrivs is 1 (/proc/PID/status), and they say so in the
#     log.
#   - With that they still do their work: had installs a binding (route,
#     proxy ND) for a BU, dhpd a lease and a binding; SIGHUP reloads the
#     config; SIGTERM removes all of it and restores the sysctls.
#   - The control sockets are mode 0660.
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
check "no sanitizer report" eval 'clean_log "$TOPO_RUN/had-ha.log" && clean_log "$TOPO_RUN/dhpd-dhp1.log"'
reliab_end
