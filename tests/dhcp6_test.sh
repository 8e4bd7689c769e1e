#!/bin/bash
# dhcp6_test.sh: DHCPv6 prefix delegation with the IPv6 Continuity
# Service option (PROTOCOL.md D.2-D.4, F.20, F.23; seed 000) on the wire.
# Two namespaces joined by a veth: "ar" (acc0, 2001:db8:1::1/64, the
# access router) and "mn" (mn0, 2001:db8:1::100/64, the mobile node),
# where tests/tools/dhcp6cctl runs mnd's client engine (mn/dhcp6c.c).
#
# 1. dhpd (dhpd.conf with a dhcp6 section: session-lasting and
#    non-persistent granted) as the server:
#    - option honoured: asked in the IAPREFIX, granted there in the
#      ADVERTISE and the REPLY, and again in every RENEW and its REPLY;
#      RELEASE frees the binding (dmipctl show dhcp6);
#    - only configured types: "fixed" asked, "session-lasting" reported
#      (mismatch, D.4 rule 3); "any" gets session-lasting;
#    - never added unless asked: a legacy client sees no option at all;
#    - 300 malformed DHCPv6 messages to dhpd and 200 to the client:
#      dropped and counted, both keep working; dhpd exits 0 on SIGTERM.
# 2. ISC Kea (kea-dhcp6 from Debian, started here with its own config,
#    lease memfile not persisted, pid/log files in the run dir):
#    (a) as shipped it ignores the option: the client asks with it, gets
#        an ADVERTISE without it, sends its REQUEST without it (D.4
#        rule 2 fall back), gets a non-persistent prefix (rule 1) and
#        remembers the server; when that memory expires the next RENEW
#        tries the option again (retry later) and the server is
#        remembered again;
#    (a') configured to drop every message carrying the option (a
#        legacy server that chokes on it): after 2 unanswered SOLICITs
#        the client retries without the option, gets a prefix and
#        remembers the link and the server ("no answer");
#    (b) with an option-def for code 65001 in the dhcp6 space and the
#        flex-option hook echoing the client's type (only when the
#        client used the option): Kea 2.2 cannot write inside an
#        IAPREFIX, only beside it in the IA_PD or at message level. The
#        strict client (D.3/F.20 placements only) treats that as not
#        supported; with accept_outer_placement (-o) the server is
#        recognised as supporting: type granted, kept on RENEW, nothing
#        remembered. A legacy client still never sees the option.
#
# Root only; exit 77 without network namespaces, or (after the dhpd part
# passed) when kea-dhcp6 is not installed (tests/deps.sh installs it).
# Touches nothing in the root namespace; 2001:db8::/32 addresses only.
set -u

SRC=$(cd "${srcdir:-$(dirname "$0")/..}" && pwd)
BLD=$(cd "${builddir:-.}" && pwd)
CCTL=$BLD/tests/tools/dhcp6cctl
DHPD=$BLD/dhp/dhpd
DMIPCTL=$BLD/tools/dmipctl
KEA_HOOK=/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_flex_option.so
KEA_DUID=0002000009bf0102030405	# EN 2495 + 0102030405, set below

npass=0 nfail=0
ok()  { echo "ok: $*"; npass=$((npass + 1)); }
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

probe="d6dhprobe$$"
if ! ip netns add "$probe" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces (needs root)"
	exit 77
fi
ip netns del "$probe"
for f in "$CCTL" "$DHPD" "$DMIPCTL"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done

NS_AR="d6dh$$-ar"
NS_MN="d6dh$$-mn"
RUN=$(mktemp -d /tmp/dhcp6_test.XXXXXX)
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
mn() { ip netns exec "$NS_MN" "$@"; }

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
mn sysctl -qw net.ipv6.conf.mn0.accept_dad=0 >/dev/null
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
MN_LL=$(ip -n "$NS_MN" -6 addr show dev mn0 scope link |
    sed -n 's/.*inet6 \(fe80[^/]*\).*/\1/p' | head -1)
[ -n "$MN_LL" ] || { echo "FAIL: no link-local address on mn0"; exit 1; }

# dhcp6cctl NAME ARGS...: run the client; stdout in $RUN/NAME.out.
cctl() {
	local name=$1
	shift
	mn "$CCTL" -i mn0 "$@" >"$RUN/$name.out" 2>"$RUN/$name.err"
}
has() { grep -Eq -- "$2" "$RUN/$1.out"; }
hasnt() { ! grep -Eq -- "$2" "$RUN/$1.out"; }
count() { grep -Ec -- "$2" "$RUN/$1.out"; }

# Malformed DHCPv6 messages: every one must fail the codec.
garbage() {	# NS DST PORT SPORT N
	ip netns exec "$1" python3 - "$2" "$3" "$4" "$5" <<'EOF'
import socket, struct, sys, time
dst, port, sport, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ifn = 'mn0' if port == 547 else 'acc0'
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, 25, ifn.encode())   # SO_BINDTODEVICE
s.bind(('::', sport))
idx = socket.if_nametoindex(ifn)
def opt(c, d): return struct.pack('!HH', c, len(d)) + d
cid = opt(1, bytes.fromhex('00030001020000000099'))
typ = 1 if port == 547 else 7
for i in range(n):
    k = i % 6
    if k == 0:   m = bytes([typ, 1, 2])[: 1 + i % 3]            # short
    elif k == 1: m = bytes([typ, 0, 0, i % 256]) + struct.pack('!HH', 1, 200) + b'x' * (i % 50)
    elif k == 2: m = bytes([typ, 0, 0, 1]) + cid + opt(25, b'\0' * (i % 12))  # IA_PD short
    elif k == 3: m = bytes([typ, 0, 0, 1]) + cid + opt(25, struct.pack('!III', 1, 0, 0) +
                     opt(26, struct.pack('!IIB', 0, 0, 56) + b'\0' * 16 + opt(65001, b'\2\2')))
    elif k == 4: m = bytes([typ, 0, 0, 1]) + cid + cid             # client id twice
    else:        m = bytes([typ, 0, 0, 1]) + cid + opt(25, struct.pack('!III', 1, 0, 0) +
                     opt(26, struct.pack('!IIB', 0, 0, 56) + b'\0' * 16 + opt(65001, b'\x09')))
    s.sendto(m, (dst, port, 0, idx))
    time.sleep(0.002)   # paced: the socket buffer, not the engine, is small
EOF
}

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
# Started with ip netns exec itself (it execs), so $! is dhpd's pid.
ip netns exec "$NS_AR" "$DHPD" -d -f "$RUN/dhpd.conf" >"$RUN/dhpd.log" 2>&1 &
DHPD_PID=$!
PIDS+=("$DHPD_PID")
for _ in $(seq 50); do
	grep -q started "$RUN/dhpd.log" && break
	sleep 0.1
done
if ! grep -q started "$RUN/dhpd.log"; then
	cat "$RUN/dhpd.log"
	echo "FAIL: dhpd did not start"
	exit 1
fi
check "dhpd serves DHCPv6 on acc0" grep -q "dhcp6s acc0: serving" \
    "$RUN/dhpd.log"
stat_of() {	# KEY: a dhpd counter
	"$DMIPCTL" -s "$RUN/dhpd.sock" stats 2>/dev/null |
	    awk -v k="$1" '$1 == k { print $2 }'
}

# -- option honoured, kept on every RENEW, RELEASE
cctl d_sl -t session-lasting -u 2 -x -w 30
check "dhpd: client bound, renewed twice, released" [ $? -eq 0 ]
check "dhpd: SOLICIT asks session-lasting in the IAPREFIX" \
    has d_sl '^tx SOLICIT .*continuity=session-lasting placement=iaprefix'
check "dhpd: ADVERTISE grants it in the IAPREFIX" \
    has d_sl '^rx ADVERTISE .*prefix=2001:db8:100:[0-9a-f:]*/56 .*continuity=session-lasting placement=iaprefix'
check "dhpd: REQUEST and its REPLY carry it" \
    has d_sl '^tx REQUEST .*continuity=session-lasting placement=iaprefix'
check "dhpd: every RENEW carries it (D.4 rule 4)" \
    [ "$(count d_sl '^tx RENEW .*continuity=session-lasting placement=iaprefix')" -ge 2 ]
check "dhpd: every REPLY carries it" \
    [ "$(count d_sl '^rx REPLY .*prefix=2001:db8:100.*continuity=session-lasting placement=iaprefix')" -ge 3 ]
check "dhpd: no REPLY without it" \
    hasnt d_sl '^rx REPLY .*prefix=2001:db8:100[^ ]* lifetimes=[1-9].*continuity=none'
check "dhpd: RELEASE carries it and is answered" \
    has d_sl '^tx RELEASE .*continuity=session-lasting'
check "dhpd: client saw the grant" has d_sl '^event bound .*continuity=session-lasting granted'
check "dhpd: binding gone after RELEASE" \
    [ "$(stat_of dhcp6_bindings)" = 0 ]
check "dhpd: released counted" [ "$(stat_of dhcp6_released)" = 1 ]

# -- only configured types
cctl d_fixed -t fixed -x -w 15
check "dhpd: fixed asked: bound" [ $? -eq 0 ]
check "dhpd: fixed is not granted: session-lasting reported" \
    has d_fixed '^rx REPLY .*continuity=session-lasting placement=iaprefix'
check "dhpd: the client flags the mismatch (D.4 rule 3)" \
    has d_fixed '^result continuity=session-lasting granted mismatch=yes'
check "dhpd: counted as substituted" \
    [ "$(stat_of dhcp6_substituted)" -ge 1 ]
cctl d_any -t any -x -w 15
check "dhpd: any gets the first configured type" \
    has d_any '^result continuity=session-lasting granted mismatch=no'
cctl d_np -t non-persistent -x -w 15
check "dhpd: non-persistent asked and granted" \
    has d_np '^result continuity=non-persistent granted mismatch=no'

# -- never added unless the client used it
cctl d_legacy -t none -u 1 -x -w 30
check "dhpd: legacy client bound and renewed" [ $? -eq 0 ]
check "dhpd: legacy client sent no option" \
    hasnt d_legacy '^tx .*continuity=[a-z-]* placement=(iaprefix|ia_pd|message)'
check "dhpd: legacy client got no option" \
    hasnt d_legacy '^rx .*placement=(iaprefix|ia_pd|message)'
check "dhpd: legacy client: non-persistent, no violation" \
    has d_legacy '^stats tx=[0-9]+ tx_with_option=0 .*violations=0 '
check "dhpd: a binding without the option" \
    [ "$(stat_of dhcp6_legacy)" -ge 1 ]

# -- mnd's way: the client settings from an mnd.conf dhcp6 section
#    (dhcp6c_set_open, as mnd runs it), with an Anchor Preference
#    option naming dhpd's address as required (D.4 rule 5)
mkdir -p "$RUN/mn"
(umask 077; printf '%s\n' 7645c93757113a6d2244b7ca4de29e7d \
    f55bb657499c03b9d789e588b2b6c57f >"$RUN/mn/ha.key")
cat >"$RUN/mn/mnd.conf" <<EOF
sa 4096 { key_file = "ha.key" }
home_address = "2001:db8:10::100"
home_prefix = "2001:db8:10::/64"
home_agent = "2001:db8:f::10"
ha_spi = 4096
interfaces = {"mn0"}
dhcp6 {
	continuity = "non-persistent"
	anchor = "2001:db8:1::1"
	anchor_required = true
	prefix_length = 56
}
EOF
chmod 600 "$RUN/mn/mnd.conf"
mn "$CCTL" -f "$RUN/mn/mnd.conf" -u 1 -x -w 30 >"$RUN/d_conf.out" \
    2>"$RUN/d_conf.err"
check "mnd.conf section: bound, renewed, released" [ $? -eq 0 ]
check "mnd.conf section: SOLICIT with the type and the anchor" \
    has d_conf '^tx SOLICIT .*prefix=::/56 .*continuity=non-persistent placement=iaprefix anchor=yes'
check "mnd.conf section: required anchor is dhpd: granted" \
    has d_conf '^result continuity=non-persistent granted mismatch=no'

# -- malformed messages to both engines
before=$(stat_of dhcp6_drop_malformed)
garbage "$NS_MN" ff02::1:2 547 40546 300
sleep 1
after=$(stat_of dhcp6_drop_malformed)
check "dhpd: 300 malformed messages dropped and counted" \
    [ "$((after - before))" -eq 300 ]
check "dhpd still running" kill -0 "$DHPD_PID"

ip netns exec "$NS_MN" "$CCTL" -i mn0 -t session-lasting -u 3 -x -w 40 \
    >"$RUN/d_flood.out" 2>"$RUN/d_flood.err" &
CPID=$!
PIDS+=("$CPID")
for _ in $(seq 100); do
	has d_flood '^event bound' && break
	sleep 0.1
done
garbage "$NS_AR" "$MN_LL" 546 547 200
wait "$CPID"
check "client: kept renewing through 200 malformed messages" [ $? -eq 0 ]
check "client: 200 malformed messages dropped and counted" \
    has d_flood '^stats .* drop_malformed=200 '
check "client: still granted after the flood" \
    has d_flood '^result continuity=session-lasting granted'

kill -TERM "$DHPD_PID"
wait "$DHPD_PID"
check "dhpd: SIGTERM, exit 0" [ $? -eq 0 ]
check "dhpd: logged its DHCPv6 counters" grep -q "dhcp6s: stats:" \
    "$RUN/dhpd.log"

# =====================================================================
# 2. ISC Kea as a legacy server, then echoing the option
# =====================================================================
KEA=$(command -v kea-dhcp6 || true)
if [ -z "$KEA" ]; then
	echo "passed $npass, failed $nfail"
	[ "$nfail" -eq 0 ] || exit 1
	echo "SKIP: kea-dhcp6 not installed (apt-get install kea-dhcp6-server, see tests/deps.sh)"
	exit 77
fi
mkdir -p "$RUN/kea"

# kea_conf NAME EXTRA: a config whose Dhcp6 map ends with EXTRA.
kea_conf() {
	cat >"$RUN/kea/$1.json" <<EOF
{ "Dhcp6": {
  "interfaces-config": { "interfaces": [ "acc0" ] },
  "lease-database": { "type": "memfile", "persist": false },
  "server-id": { "type": "EN", "enterprise-id": 2495,
                 "identifier": "0102030405", "persist": false },
  "data-directory": "$RUN/kea",
  "preferred-lifetime": 6, "valid-lifetime": 10,
  "renew-timer": 3, "rebind-timer": 4,
  "subnet6": [ { "id": 1, "subnet": "2001:db8:1::/64", "interface": "acc0",
      "pd-pools": [ { "prefix": "2001:db8:200::", "prefix-len": 48,
                      "delegated-len": 56 } ] } ],
  "loggers": [ { "name": "kea-dhcp6", "severity": "DEBUG", "debuglevel": 55,
      "output_options": [ { "output": "$RUN/kea/$1.log" } ] } ]$2
} }
EOF
}

KEA_PID=
start_kea() {
	ar env KEA_PIDFILE_DIR="$RUN/kea" KEA_LOCKFILE_DIR=none "$KEA" -t \
	    "$RUN/kea/$1.json" >"$RUN/kea/$1.check" 2>&1 ||
		{ cat "$RUN/kea/$1.check"; return 1; }
	ip netns exec "$NS_AR" env KEA_PIDFILE_DIR="$RUN/kea" \
	    KEA_LOCKFILE_DIR=none "$KEA" -c "$RUN/kea/$1.json" \
	    >"$RUN/kea/$1.out" 2>&1 &
	KEA_PID=$!
	PIDS+=("$KEA_PID")
	for _ in $(seq 100); do
		grep -q DHCP6_STARTED "$RUN/kea/$1.log" 2>/dev/null && return 0
		kill -0 "$KEA_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$RUN/kea/$1.out"
	return 1
}
stop_kea() {
	kill -TERM "$KEA_PID" 2>/dev/null
	wait "$KEA_PID" 2>/dev/null
	! kill -0 "$KEA_PID" 2>/dev/null || bad "kea $KEA_PID did not stop"
	KEA_PID=
}

# Only when the client used the option, and only its own value: the
# type in the first sub-option of the first IAPREFIX (our client puts
# the continuity option first), else the empty string: no option.
ECHO="ifelse(substring(option[25].option[26].hex,25,4) == 0xfde90001, substring(option[25].option[26].hex,29,1), '')"
DEF=', "option-def": [ { "name": "ipv6-continuity", "code": 65001,
      "space": "dhcp6", "type": "uint8" } ]'

# -- (a) Kea as shipped
kea_conf stock ""
if start_kea stock; then
	ok "kea (stock) started in the ar namespace"
	cctl k_stock -t session-lasting -r 5 -u 1 -E -w 40
	check "kea stock: bound, memory expired, renewed again" [ $? -eq 0 ]
	check "kea stock: SOLICIT asked with the option" \
	    has k_stock '^tx SOLICIT .*continuity=session-lasting placement=iaprefix'
	check "kea stock: ADVERTISE without it (ignored)" \
	    has k_stock "^rx ADVERTISE .*server=$KEA_DUID prefix=2001:db8:200:[0-9a-f:]*/56 .*continuity=none"
	check "kea stock: REQUEST retried without the option (D.4 rule 2)" \
	    has k_stock '^tx REQUEST .*continuity=none placement=none'
	check "kea stock: prefix is non-persistent (D.4 rule 1)" \
	    has k_stock '^event bound prefix=2001:db8:200:[0-9a-f:]*/56 continuity=non-persistent$'
	check "kea stock: server remembered" \
	    grep -q "server $KEA_DUID does not support the continuity option (answered without the option)" \
	    "$RUN/k_stock.err"
	check "kea stock: RENEW without the option while remembered" \
	    has k_stock '^tx RENEW .*continuity=none'
	check "kea stock: memory expired, a RENEW tried it again" \
	    has k_stock '^tx RENEW .*continuity=session-lasting placement=iaprefix'
	check "kea stock: remembered again after the retry" \
	    has k_stock "^remembered server=$KEA_DUID why=\"answered without the option\""
	check "kea stock: counters (retried, remembered twice, no violation)" \
	    has k_stock '^stats .*remembered=2 retried=1 violations=0 '
	check "kea stock: result line" \
	    has k_stock '^result continuity=non-persistent \(server does not support the option\)'
	stop_kea
else
	bad "kea (stock) did not start"
fi

# -- (a') Kea dropping every message that carries the option
kea_conf drop ', "client-classes": [ { "name": "DROP",
      "test": "substring(option[25].option[26].hex,25,4) == 0xfde90001" } ]'
if start_kea drop; then
	cctl k_drop -t session-lasting -F 2 -w 30
	check "kea drop: bound in the end" [ $? -eq 0 ]
	check "kea drop: two SOLICITs with the option, unanswered" \
	    [ "$(count k_drop '^tx SOLICIT .*placement=iaprefix')" -eq 2 ]
	check "kea drop: then a SOLICIT without it, answered" \
	    has k_drop '^tx SOLICIT .*continuity=none placement=none'
	check "kea drop: non-persistent prefix" \
	    has k_drop '^result continuity=non-persistent \(server does not support'
	check "kea drop: the link and the server remembered (no answer)" \
	    [ "$(count k_drop '^remembered .*why="no answer with the option"')" -eq 2 ]
	check "kea drop: one fallback" has k_drop '^stats .* fallbacks=1 '
	check "kea drop: Kea logged the drops" \
	    grep -q DHCP6_PACKET_DROP_DROP_CLASS "$RUN/kea/drop.log"
	stop_kea
else
	bad "kea (drop) did not start"
fi

# -- (b) Kea echoing the option (option-def + flex-option sub-option in
#    the IA_PD: the closest to the IAPREFIX it can do)
kea_conf echo "$DEF"', "hooks-libraries": [ { "library": "'"$KEA_HOOK"'",
      "parameters": { "options": [ { "code": 25, "sub-options": [
        { "code": 65001, "space": "dhcp6", "add": "'"$ECHO"'" } ] } ] } } ]'
if [ ! -f "$KEA_HOOK" ]; then
	bad "kea flex-option hook missing: $KEA_HOOK"
elif start_kea echo; then
	cctl k_echo_strict -t session-lasting -w 20
	check "kea echo, strict client: echo is beside the IAPREFIX" \
	    has k_echo_strict '^rx ADVERTISE .*continuity=session-lasting placement=ia_pd'
	check "kea echo, strict client: not accepted (D.3/F.20 placements)" \
	    has k_echo_strict '^result continuity=non-persistent \(server does not support'
	check "kea echo, strict client: remembered for the placement" \
	    has k_echo_strict '^remembered .*why="option outside the IAPREFIX"'

	cctl k_echo -t session-lasting -o -u 2 -w 30
	check "kea echo: bound and renewed twice" [ $? -eq 0 ]
	check "kea echo: REQUEST kept the option" \
	    has k_echo '^tx REQUEST .*continuity=session-lasting placement=iaprefix'
	check "kea echo: recognised as supporting" \
	    has k_echo '^result continuity=session-lasting granted \(outside the IAPREFIX\) mismatch=no'
	check "kea echo: echoed on every RENEW's REPLY" \
	    [ "$(count k_echo '^rx REPLY .*continuity=session-lasting placement=ia_pd')" -ge 3 ]
	check "kea echo: nothing remembered" hasnt k_echo '^remembered '
	check "kea echo: no violation" has k_echo '^stats .* violations=0 '

	cctl k_echo_gr -t graceful-replacement -o -w 20
	check "kea echo: echoes the type asked (graceful-replacement)" \
	    has k_echo_gr '^result continuity=graceful-replacement granted'

	cctl k_echo_legacy -t none -w 20
	check "kea echo: legacy client bound" [ $? -eq 0 ]
	check "kea echo: never adds it unless the client used it" \
	    hasnt k_echo_legacy '^rx .*placement=(iaprefix|ia_pd|message)'
	stop_kea
else
	bad "kea (echo) did not start"
fi

# -- (b') the same echo at message level
kea_conf echotop "$DEF"', "hooks-libraries": [ { "library": "'"$KEA_HOOK"'",
      "parameters": { "options": [ { "code": 65001, "add": "'"$ECHO"'" } ] } } ]'
if [ -f "$KEA_HOOK" ] && start_kea echotop; then
	cctl k_top -t session-lasting -o -u 1 -w 30
	check "kea echo (message level): bound and renewed" [ $? -eq 0 ]
	check "kea echo (message level): echo at message level" \
	    has k_top '^rx REPLY .*continuity=session-lasting placement=message'
	check "kea echo (message level): recognised with -o" \
	    has k_top '^result continuity=session-lasting granted \(outside the IAPREFIX\)'
	stop_kea
else
	bad "kea (echo at message level) did not start"
fi

echo "passed $npass, failed $nfail"
[ "$nfail" -eq 0 ]
