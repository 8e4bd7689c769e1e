#!/bin/bash
# mnd_dhcp6_test.sh: mnd runs its own DHCPv6 continuity client (issue 6,
# PROTOCOL.md D.4 rule 6; mn/mn_dhcp6.h) when mnd.conf has a dhcp6
# section, not tests/tools/dhcp6cctl. Two namespaces joined by a veth:
# "ar" (acc0, 2001:db8:1::1/64, the access router) and "mn" (mn0,
# 2001:db8:1::100/64) where mnd runs (no home agent is reachable: this
# is about the client; registration is mnd_test.sh's).
#
# 1. dhpd (dhcp6 section: session-lasting and non-persistent granted,
#    valid 10 s) as the server:
#    - mnd logs the client's start; `dmipctl show dhcp6` shows mn0
#      BOUND with a /56 of dhpd's pool, session-lasting granted in the
#      IAPREFIX, dhpd's DUID as the server; dhpd's own `show dhcp6` has
#      the same prefix for session-lasting; mnd's stats count it;
#    - mnd dropped its capabilities and the client still renews:
#      bound to the same prefix 12 s later (valid 10 s);
#    - mn0 down and up: mnd tells the client (RFC 8415 18.2.12), it
#      REBINDs and keeps the prefix; the change is counted;
#    - SIGTERM: mnd releases the prefix (dhpd's binding is gone,
#      counted released) and exits 0 as soon as the REPLY comes (not
#      after its 1.1 s cap on the wait).
# 2. ISC Kea as shipped (it ignores the option): mnd's client asks with
#    it, falls back (D.4 rule 2), gets a non-persistent /56 of Kea's
#    pool and remembers Kea's server as not supporting the option:
#    `show dhcp6` says continuity none, not granted, and lists the
#    server in "remembered" (text output too); SIGTERM releases it.
#
# Root only; exit 77 without network namespaces, or (after part 1
# passed) when kea-dhcp6 is not installed (tests/deps.sh installs it).
# Touches nothing in the root namespace; 2001:db8::/32 addresses only.
set -u

BLD=$(cd "${builddir:-.}" && pwd)
MND=$BLD/mn/mnd
DHPD=$BLD/dhp/dhpd
DMIPCTL=$BLD/tools/dmipctl
KEA_DUID=0002000009bf0102030405	# EN 2495 + 0102030405, set below

npass=0 nfail=0
ok()  { echo "ok: $*"; npass=$((npass + 1)); }
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root to create network namespaces"
	exit 77
fi
probe="d6mdprobe$$"
if ! ip netns add "$probe" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces"
	exit 77
fi
ip netns del "$probe"
for f in "$MND" "$DHPD" "$DMIPCTL"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

NS_AR="d6md$$-ar"
NS_MN="d6md$$-mn"
RUN=$(mktemp -d /tmp/mnd_dhcp6_test.XXXXXX)
PIDS=()

cleanup() {
	local rc=$? p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS_AR" 2>/dev/null
	ip netns del "$NS_MN" 2>/dev/null
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; then
		rm -rf "$RUN"
	else
		echo "logs kept in $RUN"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ar() { ip netns exec "$NS_AR" "$@"; }

# wait_for SECS CMD...: poll every 0.1 s.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}

# ---- the link ---------------------------------------------------------

ip netns add "$NS_AR" && ip netns add "$NS_MN" || exit 1
ip -n "$NS_AR" link add acc0 type veth peer name mn0 netns "$NS_MN" ||
	exit 1
for ns in "$NS_AR" "$NS_MN"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 >/dev/null
	ip -n "$ns" link set lo up
done
ar sysctl -qw net.ipv6.conf.acc0.accept_dad=0 >/dev/null
ip netns exec "$NS_MN" sysctl -qw net.ipv6.conf.mn0.accept_dad=0 >/dev/null
ip -n "$NS_AR" addr add 2001:db8:1::1/64 dev acc0 nodad
ip -n "$NS_MN" addr add 2001:db8:1::100/64 dev mn0 nodad
ip -n "$NS_AR" link set acc0 up
ip -n "$NS_MN" link set mn0 up
ll_ready() {
	ip -n "$1" -6 addr show dev "$2" scope link 2>/dev/null |
	    grep -q 'inet6 fe80' &&
	    ! ip -n "$1" -6 addr show dev "$2" scope link | grep -q tentative
}
for _ in $(seq 50); do
	ll_ready "$NS_AR" acc0 && ll_ready "$NS_MN" mn0 && break
	sleep 0.1
done

# ---- mnd ----------------------------------------------------------------

mkdir -p "$RUN/mn"
(umask 077; printf '%s\n' 7645c93757113a6d2244b7ca4de29e7d \
    f55bb657499c03b9d789e588b2b6c57f >"$RUN/mn/ha.key")
cat >"$RUN/mn/mnd.conf" <<EOF
log_level = "verbose"
control_socket = "$RUN/mnd.sock"
api_socket = "$RUN/mnd-api.sock"
classify = false
sa 4096 { key_file = "ha.key" }
home_address = "2001:db8:10::100"
home_prefix = "2001:db8:10::/64"
home_agent = "2001:db8:f::10"
ha_spi = 4096
interfaces = {"mn0"}
dhcp6 {
	continuity = "session-lasting"
	prefix_length = 56
	retry_later = 3600
}
EOF
chmod 600 "$RUN/mn/mnd.conf"

MND_PID=
start_mnd() {	# NAME
	MLOG=$RUN/mnd-$1.log
	# ip netns exec execs, so $! is mnd's pid.
	ip netns exec "$NS_MN" "$MND" -d -f "$RUN/mn/mnd.conf" >"$MLOG" 2>&1 &
	MND_PID=$!
	PIDS+=("$MND_PID")
	for _ in $(seq 50); do
		grep -qw started "$MLOG" && return 0
		kill -0 "$MND_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$MLOG"
	return 1
}
# stop_mnd: SIGTERM; sets MND_RC and MND_STOP_MS.
stop_mnd() {
	local t0 t1
	t0=$(date +%s%N)
	kill -TERM "$MND_PID"
	wait "$MND_PID"
	MND_RC=$?
	t1=$(date +%s%N)
	MND_STOP_MS=$(((t1 - t0) / 1000000))
}

# d6 FIELD [TABLE [ROW]]: a field of mnd's `show dhcp6` (JSON), row 0 of
# "clients" by default; "" when absent.
d6() {
	"$DMIPCTL" -s "$RUN/mnd.sock" -j show dhcp6 2>/dev/null | python3 -c '
import json, sys
try:
    rows = json.load(sys.stdin).get(sys.argv[2], [])
    v = rows[int(sys.argv[3])].get(sys.argv[1])
except Exception:
    v = None
print("" if v is None else (str(v).lower() if isinstance(v, bool) else v))' \
	    "$1" "${2:-clients}" "${3:-0}"
}
mstat() {
	"$DMIPCTL" -s "$RUN/mnd.sock" stats 2>/dev/null |
	    awk -v k="$1" '$1 == k { print $2 }'
}
capfield() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
bound() { [ "$(d6 state)" = BOUND ]; }

# =====================================================================
# 1. dhpd's DHCPv6 server
# =====================================================================
mkdir -p "$RUN/state"
cat >"$RUN/dhpd.conf" <<EOF
log_level = "verbose"
backend = "tun"
control_socket = "$RUN/dhpd.sock"
state_dir = "$RUN/state"
address = "2001:db8:1::1"
interface = "acc0"
pools = {"2001:db8:d1::/64"}
dhcp6 {
	interface = "acc0"
	pool = "2001:db8:100::/48"
	prefix_length = 56
	continuity_types = {"session-lasting", "non-persistent"}
	preferred_lifetime = 6
	valid_lifetime = 10
}
EOF
chmod 600 "$RUN/dhpd.conf"
ip netns exec "$NS_AR" "$DHPD" -d -f "$RUN/dhpd.conf" >"$RUN/dhpd.log" 2>&1 &
DHPD_PID=$!
PIDS+=("$DHPD_PID")
for _ in $(seq 50); do
	grep -q started "$RUN/dhpd.log" && break
	sleep 0.1
done
grep -q started "$RUN/dhpd.log" || { cat "$RUN/dhpd.log"; echo "FAIL: dhpd did not start"; exit 1; }
dstat() {
	"$DMIPCTL" -s "$RUN/dhpd.sock" stats 2>/dev/null |
	    awk -v k="$1" '$1 == k { print $2 }'
}
dhpd_prefix() {
	"$DMIPCTL" -s "$RUN/dhpd.sock" -j show dhcp6 2>/dev/null | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("bindings", []):
    print(r["prefix"], r["continuity"])'
}

start_mnd dhpd || { echo "FAIL: mnd did not start"; exit 1; }
check "mnd starts its client on mn0" \
    grep -q "dhcp6: prefix delegation client on 1 interface, continuity session-lasting" "$MLOG"
check "mnd: bound within 5 s" wait_for 5 bound
P1=$(d6 prefix)
check "mnd: a /56 of dhpd's pool ($P1)" \
    eval '[[ "$P1" == 2001:db8:100:*/56 ]]'
check "mnd: session-lasting granted ($(d6 continuity), $(d6 granted))" \
    eval '[ "$(d6 continuity)" = session-lasting ] && [ "$(d6 granted)" = true ] && [ "$(d6 mismatch)" = false ]'
check "mnd: dhpd's DUID as the server ($(d6 server))" \
    eval '[ -n "$(d6 server)" ] && [ "$(d6 server)" != - ]'
check "mnd: nothing remembered" test -z "$(d6 server remembered)"
check "dhpd: the same prefix, session-lasting" \
    eval '[ "$(dhpd_prefix)" = "$P1 session-lasting" ]'
check "mnd logs the lease" \
    grep -q "^dhcp6 mn0: prefix ${P1} bound, continuity session-lasting (server " "$MLOG"
check "mnd stats: one client, one lease, granted" \
    eval '[ "$(mstat dhcp6_clients)" = 1 ] && [ "$(mstat dhcp6_leases)" = 1 ] && [ "$(mstat dhcp6_granted)" = 1 ]'
check "mnd dropped its capabilities ($(capfield "$MND_PID" CapEff), NoNewPrivs $(capfield "$MND_PID" NoNewPrivs))" \
    eval '[ "$(capfield "$MND_PID" CapEff)" = 0000000000003000 ] && [ "$(capfield "$MND_PID" NoNewPrivs)" = 1 ]'
sleep 12
check "mnd: renewed after the drop, still bound to $P1 (valid 10 s)" \
    eval 'bound && [ "$(d6 prefix)" = "$P1" ] && grep -q "dhcp6c mn0: BOUND -> RENEW" "$MLOG"'

# -- the link changes under the client
ip -n "$NS_MN" link set mn0 down
sleep 0.3
ip -n "$NS_MN" link set mn0 up
check "mnd tells the client: link back up" \
    wait_for 3 grep -q "^dhcp6 mn0: link back up: checking the lease" "$MLOG"
check "the client REBINDs" wait_for 3 grep -q "dhcp6c mn0: .* -> REBIND" "$MLOG"
check "and keeps $P1 (dhpd answered the REBIND)" \
    eval 'wait_for 5 bound && [ "$(d6 prefix)" = "$P1" ]'
check "link change counted ($(mstat dhcp6_link_changes))" \
    test "$(mstat dhcp6_link_changes)" -ge 1

# -- exit
stop_mnd
check "SIGTERM: RELEASE answered, mnd exits 0 ($MND_RC) at once ($MND_STOP_MS ms)" \
    eval '[ "$MND_RC" -eq 0 ] && [ "$MND_STOP_MS" -lt 1000 ] && ! grep -q "within 1100 ms" "$MLOG"'
check "mnd released $P1" \
    grep -q "^dhcp6 mn0: prefix ${P1} released" "$MLOG"
check "dhpd: binding gone, released counted" \
    eval '[ "$(dstat dhcp6_bindings)" = 0 ] && [ "$(dstat dhcp6_released)" -ge 1 ]'
check "no sanitizer report" eval '! grep -qE "Sanitizer|runtime error" "$MLOG" "$RUN/dhpd.log"'
kill -TERM "$DHPD_PID"
wait "$DHPD_PID"
check "dhpd: SIGTERM, exit 0" [ $? -eq 0 ]

# =====================================================================
# 2. ISC Kea as shipped: mnd falls back
# =====================================================================
KEA=$(command -v kea-dhcp6 || true)
if [ -z "$KEA" ]; then
	echo "mnd_dhcp6_test: $npass passed, $nfail failed"
	[ "$nfail" -eq 0 ] || exit 1
	echo "SKIP: kea-dhcp6 not installed (apt-get install kea-dhcp6-server, see tests/deps.sh)"
	exit 77
fi
mkdir -p "$RUN/kea"
cat >"$RUN/kea/stock.json" <<EOF
{ "Dhcp6": {
  "interfaces-config": { "interfaces": [ "acc0" ] },
  "lease-database": { "type": "memfile", "persist": false },
  "server-id": { "type": "EN", "enterprise-id": 2495,
                 "identifier": "0102030405", "persist": false },
  "data-directory": "$RUN/kea",
  "preferred-lifetime": 60, "valid-lifetime": 120,
  "renew-timer": 30, "rebind-timer": 45,
  "subnet6": [ { "id": 1, "subnet": "2001:db8:1::/64", "interface": "acc0",
      "pd-pools": [ { "prefix": "2001:db8:200::", "prefix-len": 48,
                      "delegated-len": 56 } ] } ],
  "loggers": [ { "name": "kea-dhcp6", "severity": "DEBUG", "debuglevel": 55,
      "output_options": [ { "output": "$RUN/kea/stock.log" } ] } ]
} }
EOF
ip netns exec "$NS_AR" env KEA_PIDFILE_DIR="$RUN/kea" KEA_LOCKFILE_DIR=none \
    "$KEA" -c "$RUN/kea/stock.json" >"$RUN/kea/stock.out" 2>&1 &
KEA_PID=$!
PIDS+=("$KEA_PID")
for _ in $(seq 100); do
	grep -q DHCP6_STARTED "$RUN/kea/stock.log" 2>/dev/null && break
	kill -0 "$KEA_PID" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q DHCP6_STARTED "$RUN/kea/stock.log" 2>/dev/null; then
	cat "$RUN/kea/stock.out"
	bad "kea (stock) did not start"
else
	ok "kea (stock) started in the ar namespace"
	start_mnd kea || { echo "FAIL: mnd did not start"; exit 1; }
	check "mnd: bound to Kea within 10 s" wait_for 10 bound
	P2=$(d6 prefix)
	check "mnd: a /56 of Kea's pool ($P2)" \
	    eval '[[ "$P2" == 2001:db8:200:*/56 ]]'
	check "mnd: Kea's DUID as the server" test "$(d6 server)" = $KEA_DUID
	check "mnd: no type granted: non-persistent ($(d6 continuity), $(d6 granted))" \
	    eval '[ "$(d6 continuity)" = none ] && [ "$(d6 granted)" = false ]'
	check "mnd: Kea remembered as not supporting the option (D.4 rule 2)" \
	    eval '[ "$(d6 server remembered)" = $KEA_DUID ] && [ "$(d6 why remembered)" = "answered without the option" ] && [ "$(d6 expires remembered)" -gt 3000 ]'
	check "mnd logs the fall back" \
	    grep -q "dhcp6c mn0: server $KEA_DUID does not support the continuity option" "$MLOG"
	check "mnd logs a non-persistent prefix" \
	    grep -q "^dhcp6 mn0: prefix ${P2} bound, continuity not granted: non-persistent (server $KEA_DUID)" "$MLOG"
	check "mnd stats: one lease, none granted, one server remembered" \
	    eval '[ "$(mstat dhcp6_leases)" = 1 ] && [ "$(mstat dhcp6_granted)" = 0 ] && [ "$(mstat dhcp6_remembered)" = 1 ]'
	check "text output of show dhcp6" eval \
	    '"$DMIPCTL" -s "$RUN/mnd.sock" show dhcp6 | grep -q "^mn0 .*BOUND .*$P2 .*none"'
	stop_mnd
	check "SIGTERM: RELEASE answered, mnd exits 0 ($MND_RC) at once ($MND_STOP_MS ms)" \
	    eval '[ "$MND_RC" -eq 0 ] && [ "$MND_STOP_MS" -lt 1000 ] && ! grep -q "within 1100 ms" "$MLOG"'
	check "mnd released $P2 to Kea" eval \
	    'grep -q "^dhcp6 mn0: prefix ${P2} released" "$MLOG" && grep -q "DHCP6_RELEASE_PD" "$RUN/kea/stock.log"'
	check "no sanitizer report" eval '! grep -qE "Sanitizer|runtime error" "$MLOG"'
	kill -TERM "$KEA_PID"
	wait "$KEA_PID" 2>/dev/null
fi

echo "mnd_dhcp6_test: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
