#!/bin/bash
# flowq_test.sh: mnd's flow classifier (mn/nfq, mn/policy, mn/flowtab;
# PROTOCOL.md G.1, G.2, TESTBED.md 2) run standalone by
# tests/tools/flowqctl in two namespaces:
#
#   mn (m0 2001:db8:1::1, HoA 2001:db8:10::100 on lo)
#     --veth-- cn (c0 2001:db8:1::2, 2001:db8:99::1 on lo)
#
# Checks, with the policy table of a test mnd.conf:
#   - chains: one jump each from OUTPUT, PREROUTING, POSTROUTING, INPUT;
#   - real TCP/UDP flows get the decision each rule kind asks for
#     (proto+port, port range, dst prefix, uid, DSCP, HoA source,
#     default) and CN-initiated flows to the HoA / the CoA (hook pre);
#   - exactly one decision per flow, even for 20 back-to-back UDP sends
#     (early packets are queued more than once);
#   - the mark lands in conntrack (/proc/net/nf_conntrack);
#   - established packets are not queued (ip6tables counters, a 4 MB
#     TCP transfer and a 50-datagram one-way UDP flow);
#   - a flood of 5000 one-datagram UDP flows: every flow classified,
#     every datagram received, nothing dropped by the kernel queue;
#   - fail-open: the driver stopped (SIGSTOP) with a queue bound of 16,
#     the rest of 100 new flows pass; SIGCONT releases the 16;
#   - SIGKILL: traffic keeps flowing (--queue-bypass); restart (with a
#     duplicated jump planted) rebuilds the chains with no duplicates;
#   - SIGTERM removes every DMIP6 chain.
#
# Root only; exit 77 if namespaces or ip6tables are missing. Touches
# nothing in the root namespace; only 2001:db8::/32 addresses.
set -u
b=${builddir:-.}
CTL=$(cd "$b" && pwd)/tests/tools/flowqctl
PY=/usr/bin/python3
P="d6fq$$-"
MN=${P}mn
CN=${P}cn
MNA=2001:db8:1::1
CNA=2001:db8:1::2
HOA=2001:db8:10::100
LAB=2001:db8:99::1

npass=0 nfail=0
ok()  { echo "ok: $*"; npass=$((npass + 1)); }
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
check() {	# description, then a command that must succeed
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
both() { eval "$1" && eval "$2"; }	# for check: two conditions
ends_with() { [[ "$1" == *"$2" ]]; }

work=$(mktemp -d "${TMPDIR:-/tmp}/flowq_test.XXXXXX")
chmod 755 "$work"
DPID=""

cleanup() {
	[ -n "$DPID" ] && { kill -CONT "$DPID" 2>/dev/null; kill -KILL "$DPID" 2>/dev/null; }
	for n in "$MN" "$CN"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	{ wait; } 2>/dev/null	# reap the servers quietly
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! ip netns add "$MN" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces (needs root)"
	exit 77
fi
ip netns add "$CN"
for t in ip6tables ip6tables-restore ip6tables-save setpriv; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
[ -x "$PY" ] || { echo "SKIP: $PY not installed"; exit 77; }
[ -x "$CTL" ] || { echo "FAIL: $CTL not built"; exit 1; }

inm() { ip netns exec "$MN" "$@"; }
inc() { ip netns exec "$CN" "$@"; }

# ---- topology --------------------------------------------------------
ip link add m0 netns "$MN" type veth peer name c0 netns "$CN"
for n in "$MN" "$CN"; do ip -n "$n" link set lo up; done
ip -n "$MN" link set m0 up
ip -n "$CN" link set c0 up
ip -n "$MN" addr add $MNA/64 dev m0 nodad
ip -n "$CN" addr add $CNA/64 dev c0 nodad
ip -n "$MN" addr add $HOA/128 dev lo
ip -n "$CN" addr add $LAB/128 dev lo
ip -n "$MN" -6 route add 2001:db8:99::/64 via $CNA
ip -n "$CN" -6 route add 2001:db8:10::/64 via $MNA
inm ping -6 -c1 -W2 $CNA >/dev/null || { echo "FAIL: topology"; exit 1; }

# ---- test config -----------------------------------------------------
printf '7645c93757113a6d2244b7ca4de29e7df55bb657499c03b9d789e588b2b6c57f\n' \
	>"$work/k.key"
chmod 600 "$work/k.key"
cat >"$work/mnd.conf" <<EOF
sa 4096 { key_file = "k.key" }
home_address = "$HOA"
home_prefix = "2001:db8:10::/64"
home_agent = "2001:db8:f::10"
ha_spi = 4096
interfaces = {"m0"}
default_type = "non-persistent"
policy ssh { proto = "tcp" dport = "5022" type = "session-lasting" }
policy dns { proto = "udp" dport = "5353" type = "non-persistent" }
policy games { proto = "udp" dport = "6000-6999" type = "session-lasting" }
policy nobody { uid = 65534 type = "graceful-replacement" }
policy voice { dscp = 46 type = "fixed" }
policy lab { dst = "2001:db8:99::/64" type = "session-lasting" }
EOF

# ---- traffic helper ----------------------------------------------------
cat >"$work/fg.py" <<'EOF'
import os, select, socket, sys, threading, time
A6 = socket.AF_INET6
def opt(name, default=None):
    a = sys.argv
    return a[a.index(name) + 1] if name in a else default
def publish(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
cmd = sys.argv[1]
if cmd == "udpsink":		# udpsink PORT OUT: count datagrams
    s = socket.socket(A6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)	# SO_RCVBUFFORCE
    s.bind(("::", int(sys.argv[2])))
    n, shown, last = 0, -1, 0.0
    s.settimeout(0.05)
    while True:
        try:
            s.recv(2048)
            n += 1
        except socket.timeout:
            pass
        now = time.monotonic()
        if n != shown and (now - last > 0.05):
            publish(sys.argv[3], "%d\n" % n)
            shown, last = n, now
elif cmd == "tcpsrv":		# tcpsrv OUT PORT...: accept, drain, count
    lock = threading.Lock()
    stat = {"conns": 0, "bytes": 0}
    def serve(c):
        tot = 0
        while True:
            d = c.recv(65536)
            if not d:
                break
            tot += len(d)
        c.close()
        with lock:
            stat["conns"] += 1
            stat["bytes"] += tot
            publish(sys.argv[2], "%d %d\n" % (stat["conns"], stat["bytes"]))
    ls = []
    for p in sys.argv[3:]:
        l = socket.socket(A6, socket.SOCK_STREAM)
        l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        l.bind(("::", int(p)))
        l.listen(128)
        ls.append(l)
    publish(sys.argv[2], "0 0\n")
    while True:
        r, _, _ = select.select(ls, [], [])
        for l in r:
            c, _ = l.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
elif cmd == "tcp":		# tcp DST PORT [--sport S] [--src A] [--tclass T] [--bytes N]
    s = socket.socket(A6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if opt("--tclass"):
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, int(opt("--tclass")))
    if opt("--sport") or opt("--src"):
        s.bind((opt("--src", "::"), int(opt("--sport", "0"))))
    s.settimeout(10)
    s.connect((sys.argv[2], int(sys.argv[3])))
    left = int(opt("--bytes", "1"))
    buf = b"x" * 65536
    while left > 0:
        left -= s.send(buf[:min(left, len(buf))])
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
elif cmd == "udp":		# udp DST PORT --sport S [--count N] [--gap MS] [--tclass T]
    s = socket.socket(A6, socket.SOCK_DGRAM)
    if opt("--tclass"):
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, int(opt("--tclass")))
    s.bind((opt("--src", "::"), int(opt("--sport", "0"))))
    gap = float(opt("--gap", "0")) / 1000
    for i in range(int(opt("--count", "1"))):
        s.sendto(b"x", (sys.argv[2], int(sys.argv[3])))
        if gap:
            time.sleep(gap)
elif cmd == "flood":		# flood DST PORT N SPORT0: N flows, one datagram each
    dst, port, n, sp = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    for i in range(n):
        s = socket.socket(A6, socket.SOCK_DGRAM)
        s.bind(("::", sp + i))
        s.sendto(b"f", (dst, port))
        s.close()
EOF

fg() { "$PY" "$work/fg.py" "$@"; }

# Background servers: UDP sinks in cn (one file per port), TCP servers
# in cn and (for CN-initiated flows) in mn.
for port in 5353 6500 7000 9999 9100 9200 9300 9400; do
	ip netns exec "$CN" "$PY" "$work/fg.py" udpsink $port "$work/sink.$port" &
done
ip netns exec "$CN" "$PY" "$work/fg.py" tcpsrv "$work/tcp.cn" 5022 8080 80 &
ip netns exec "$MN" "$PY" "$work/fg.py" tcpsrv "$work/tcp.mn" 8080 &
disown -a	# killed with the namespaces; no job reports

wait_for() {	# 'cmd' seconds
	local i=0 max=$(($2 * 10))
	while [ $i -lt $max ]; do
		eval "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
count() { cat "$work/sink.$1" 2>/dev/null || echo 0; }

wait_for '[ -s "$work/tcp.cn" ] && [ -s "$work/tcp.mn" ]' 5 ||
	{ echo "FAIL: servers did not start"; exit 1; }

start_ctl() {	# log-name, flowqctl options
	local log=$1
	shift
	# ip netns exec execs the command: $! is flowqctl itself
	ip netns exec "$MN" "$CTL" "$@" >"$work/$log.out" 2>"$work/$log.err" &
	DPID=$!
	if ! wait_for 'grep -q "ready" "$work/$log.err"' 5; then
		cat "$work/$log.err"
		bad "flowqctl $* started"
		return 1
	fi
	return 0
}
stop_ctl() {	# signal; sets CTL_RC
	kill -"$1" "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	CTL_RC=$?
	DPID=""
}
jumps() {	# builtin chain, our chain: how many jumps
	inm ip6tables-save -t mangle | grep -c -- "^-A $1 -j $2\$"
}
rules_in() { inm ip6tables-save -t mangle | grep -c -- "^-A $1 "; }
chains_ok() {
	[ "$(jumps OUTPUT DMIP6-OUT)" = 1 ] &&
	[ "$(jumps PREROUTING DMIP6-PRE)" = 1 ] &&
	[ "$(jumps POSTROUTING DMIP6-POST)" = 1 ] &&
	[ "$(jumps INPUT DMIP6-POST)" = 1 ] &&
	[ "$(rules_in DMIP6-OUT)" = 4 ] && [ "$(rules_in DMIP6-PRE)" = 4 ] &&
	[ "$(rules_in DMIP6-POST)" = 2 ]
}
# packets counted by the NFQUEUE rule of a chain for a protocol number
qcount() {	# chain proto
	inm ip6tables -t mangle -L "$1" -v -x -n | awk -v p="$2" \
		'$3 == "NFQUEUE" && $4 == p { print $1 }'
}
allcount() {	# packets through the restore-mark rule of a chain
	inm ip6tables -t mangle -L "$1" -v -x -n | awk '$3 == "CONNMARK" { print $1; exit }'
}
# decision lines for a flow: sport and dport given
lines_for() {	# log sport dport
	grep -c -- "\]:$2 -> .*\]:$3 hook" "$work/$1.out"
}
line_for() { grep -- "\]:$2 -> .*\]:$3 hook" "$work/$1.out" | head -1; }
expect() {	# what log sport dport 'hook .. type .. rule .. mark ..'
	local n l
	n=$(lines_for "$2" "$3" "$4")
	l=$(line_for "$2" "$3" "$4")
	if [ "$n" = 1 ] && [[ "$l" == *"$5" ]]; then
		ok "$1: $5"
	else
		bad "$1: want one line ending '$5', got $n: $l"
	fi
}
ctmark() {	# sport dport: the mark of that conntrack entry in mn, hex
	local m
	m=$(inm cat /proc/net/nf_conntrack 2>/dev/null |
		grep " sport=$1 dport=$2 " | head -1 | sed -n 's/.* mark=\([0-9]*\).*/\1/p')
	[ -n "$m" ] && printf '0x%x' "$m"
}

# ---- 1. chains ---------------------------------------------------------
start_ctl c1 -c "$work/mnd.conf" -a 5 || exit 1
check "chains: one jump each, rules in place" chains_ok

# ---- 2. decisions per rule kind ---------------------------------------
fg_ok() { "$@" || bad "traffic: $*"; }
fg_ok inm "$PY" "$work/fg.py" tcp $CNA 5022 --sport 31001
fg_ok inm "$PY" "$work/fg.py" udp $CNA 5353 --sport 31002
fg_ok inm "$PY" "$work/fg.py" udp $CNA 6500 --sport 31003
fg_ok inm "$PY" "$work/fg.py" tcp $CNA 8080 --sport 31004 --tclass 184
fg_ok inm setpriv --reuid 65534 --regid 65534 --clear-groups \
	"$PY" "$work/fg.py" udp $CNA 7000 --sport 31005
fg_ok inm "$PY" "$work/fg.py" tcp $LAB 80 --sport 31006
fg_ok inm "$PY" "$work/fg.py" tcp $CNA 8080 --sport 31007 --src $HOA
fg_ok inm "$PY" "$work/fg.py" udp $CNA 9999 --sport 31008
fg_ok inc "$PY" "$work/fg.py" tcp $HOA 8080 --sport 31009
fg_ok inc "$PY" "$work/fg.py" tcp $MNA 8080 --sport 31010
sleep 0.3
expect "tcp dport (ssh)" c1 31001 5022 "hook out type session-lasting rule ssh mark 0x3205"
expect "udp dport (dns)" c1 31002 5353 "hook out type non-persistent rule dns mark 0x1300"
expect "udp port range (games)" c1 31003 6500 "hook out type session-lasting rule games mark 0x3205"
expect "dscp 46 (voice)" c1 31004 8080 "hook out type fixed rule voice mark 0x3101"
expect "uid 65534 (nobody)" c1 31005 7000 "hook out type graceful-replacement rule nobody mark 0x3405"
expect "dst prefix (lab)" c1 31006 80 "hook out type session-lasting rule lab mark 0x3205"
expect "HoA source" c1 31007 8080 "hook out type fixed rule home-address mark 0x1101"
expect "no row: default" c1 31008 9999 "hook out type non-persistent rule default mark 0x1300"
expect "CN-initiated to the HoA" c1 31009 8080 "hook pre type fixed rule inbound-hoa mark 0x1901"
expect "CN-initiated to the CoA" c1 31010 8080 "hook pre type non-persistent rule inbound mark 0x1b00"

# ---- 3. one decision per flow, early duplicates -----------------------
fg_ok inm "$PY" "$work/fg.py" udp $CNA 9999 --sport 32000 --count 20
wait_for '[ "$(count 9999)" -ge 21 ]' 5
check "20 back-to-back UDP sends: all received" [ "$(count 9999)" = 21 ]
check "20 back-to-back UDP sends: exactly one decision" \
	[ "$(lines_for c1 32000 9999)" = 1 ]
dupflows=$(grep '^flow' "$work/c1.out" | awk '{ print $2, $3, $5 }' | sort | uniq -d | wc -l)
check "no flow decided twice" [ "$dupflows" = 0 ]

# ---- 4. marks in conntrack ------------------------------------------
if inm test -r /proc/net/nf_conntrack; then
	check "conntrack mark, tcp ssh flow = 0x3205" [ "$(ctmark 31001 5022)" = 0x3205 ]
	check "conntrack mark, udp flow = 0x1300" [ "$(ctmark 32000 9999)" = 0x1300 ]
	check "conntrack mark, CN-initiated to HoA = 0x1901" [ "$(ctmark 31009 8080)" = 0x1901 ]
	check "conntrack mark, HoA source = 0x1101" [ "$(ctmark 31007 8080)" = 0x1101 ]
else
	echo "note: /proc/net/nf_conntrack missing, conntrack marks not checked"
fi

# ---- 5. established packets stay in the kernel --------------------------
q0=$(qcount DMIP6-OUT 6) a0=$(allcount DMIP6-OUT)
fg_ok inm "$PY" "$work/fg.py" tcp $CNA 5022 --sport 33000 --bytes 4000000
q1=$(qcount DMIP6-OUT 6) a1=$(allcount DMIP6-OUT)
echo "info: 4 MB TCP: $((a1 - a0)) packets through DMIP6-OUT, $((q1 - q0)) queued"
check "4 MB TCP transfer: only the SYN queued" [ $((q1 - q0)) = 1 ]
check "4 MB TCP transfer: many packets seen" [ $((a1 - a0)) -ge 50 ]
wait_for '[ "$(awk "{ print \$2 }" "$work/tcp.cn")" -ge 4000000 ]' 5
check "4 MB TCP transfer: received" \
	[ "$(awk '{ print $2 }' "$work/tcp.cn")" -ge 4000000 ]
q0=$(qcount DMIP6-OUT 17)
fg_ok inm "$PY" "$work/fg.py" udp $CNA 9400 --sport 33001 --count 50 --gap 5
q1=$(qcount DMIP6-OUT 17)
wait_for '[ "$(count 9400)" -ge 50 ]' 5
check "one-way UDP, 50 datagrams 5 ms apart: one queued (UDP stays NEW)" \
	[ $((q1 - q0)) = 1 ]
check "one-way UDP: all 50 received" [ "$(count 9400)" = 50 ]

# ---- 6. flood of 5000 new UDP flows ------------------------------------
t0=$(date +%s%N)
fg_ok inm "$PY" "$work/fg.py" flood $CNA 9100 5000 40000
wait_for '[ "$(count 9100)" -ge 5000 ]' 20
t1=$(date +%s%N)
sleep 0.3
n=$(grep -c '\]:9100 hook out' "$work/c1.out")
nd=$(grep '\]:9100 hook out' "$work/c1.out" | sed 's/.*\]:\([0-9]*\) -> .*/\1/' | sort -u | wc -l)
echo "info: 5000 flows in $(((t1 - t0) / 1000000)) ms: received $(count 9100), decisions $n ($nd distinct)"
check "flood: 5000 datagrams received" [ "$(count 9100)" = 5000 ]
check "flood: 5000 flows classified, one decision each" \
	both '[ "$n" = 5000 ]' '[ "$nd" = 5000 ]'
kill -USR1 "$DPID"
wait_for 'grep -q "^stats" "$work/c1.out"' 3
st=$(grep '^stats' "$work/c1.out" | tail -1)
echo "info: $st"
check "flood: no kernel queue drops" ends_with "$st" "kernel_dropped 0 user_dropped 0"

# ---- 7. SIGTERM removes the chains ----------------------------------------
stop_ctl TERM
check "SIGTERM: exit status 0" [ "$CTL_RC" = 0 ]
check "SIGTERM: no DMIP6 chain left" [ "$(inm ip6tables-save -t mangle | grep -c DMIP6)" = 0 ]

# ---- 8. fail-open with a stalled classifier ---------------------------------
start_ctl c2 -c "$work/mnd.conf" -m 16 || exit 1
kill -STOP "$DPID"
fg_ok inm "$PY" "$work/fg.py" flood $CNA 9200 100 45000
wait_for '[ "$(count 9200)" -ge 84 ]' 5
c=$(count 9200)
echo "info: classifier stopped, queue bound 16: $c of 100 passed"
check "fail-open: flows beyond the queue bound pass" \
	both '[ "$c" -ge 84 ]' '[ "$c" -lt 100 ]'
kill -CONT "$DPID"
wait_for '[ "$(count 9200)" -ge 100 ]' 5
check "fail-open: the 16 held packets are released" [ "$(count 9200)" = 100 ]
sleep 0.2
check "fail-open: the held flows were classified" \
	[ "$(grep -c '\]:9200 hook out' "$work/c2.out")" -ge 16 ]

# ---- 9. SIGKILL: bypass, then a clean rebuild ------------------------
stop_ctl KILL
check "SIGKILL: chains left behind" [ "$(jumps OUTPUT DMIP6-OUT)" = 1 ]
fg_ok inm "$PY" "$work/fg.py" flood $CNA 9300 50 46000
wait_for '[ "$(count 9300)" -ge 50 ]' 5
check "SIGKILL: new UDP flows still pass (queue-bypass)" [ "$(count 9300)" = 50 ]
check "SIGKILL: new TCP connection still works" \
	inm "$PY" "$work/fg.py" tcp $CNA 5022 --sport 34000
inm ip6tables -t mangle -A OUTPUT -j DMIP6-OUT	# a duplicate, as a botched run might leave
inm ip6tables -t mangle -A DMIP6-OUT -j RETURN	# and a stray rule
start_ctl c3 -c "$work/mnd.conf" || exit 1
check "restart: chains rebuilt without duplicates" chains_ok
fg_ok inm "$PY" "$work/fg.py" tcp $CNA 5022 --sport 34001
sleep 0.2
expect "restart: classifying again" c3 34001 5022 "hook out type session-lasting rule ssh mark 0x1200"
stop_ctl TERM
check "final SIGTERM: no DMIP6 chain left" [ "$(inm ip6tables-save -t mangle | grep -c DMIP6)" = 0 ]

echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
