#!/bin/bash
# ctnl_test.sh: common/ctnl (conntrack events, get and delete by tuple
# over raw ctnetlink) and common/sockdiag (SOCK_DESTROY) against the
# kernel, driven by tests/tools/ctnlctl (PROTOCOL.md G.2, G.4 step 3):
#
#   mn (m0 2001:db8:1::1) --veth-- cn (c0 2001:db8:1::2)
#
# In mn: accounting on (nf_conntrack_acct=1) and every connection marked
# with `CONNMARK --set-mark 0x1234` in mangle OUTPUT. Checks:
#   1. event mode prints NEW for a TCP, a UDP and an ICMPv6 flow, with
#      the mark, and DESTROY when an entry is deleted;
#   2. get by the original tuple returns the entry with its counters
#      (TCP and ICMPv6 echo);
#   3. delete removes the entry (get -> ENOENT, delete again -> ENOENT)
#      and a DESTROY event with the mark and counters is seen;
#   4. sockdiag destroy of an established TCP client socket makes its
#      blocked recv() fail with ECONNABORTED within 100 ms (measured,
#      printed); the same for a connected UDP socket (any remote);
#   5. destroy with no matching socket returns 0, and does not take a
#      listener on the same local port with it.
#
# Root only; exit 77 without namespaces. Touches nothing in the root
# namespace; only 2001:db8::/32 addresses.
set -u
b=${builddir:-.}
CTL=$(cd "$b" && pwd)/tests/tools/ctnlctl
PY=/usr/bin/python3
P="d6ct$$-"
MN=${P}mn
CN=${P}cn
MNA=2001:db8:1::1
CNA=2001:db8:1::2
MAX_ABORT_MS=100

npass=0 nfail=0
ok()  { echo "ok: $*"; npass=$((npass + 1)); }
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
check() {	# description, then a command that must succeed
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/ctnl_test.XXXXXX")

cleanup() {
	for n in "$MN" "$CN"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	{ wait; } 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! ip netns add "$MN" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces (needs root)"
	exit 77
fi
ip netns add "$CN"
command -v ip6tables >/dev/null || { echo "SKIP: ip6tables not installed"; exit 77; }
[ -x "$PY" ] || { echo "SKIP: $PY not installed"; exit 77; }
[ -x "$CTL" ] || { echo "FAIL: $CTL not built"; exit 1; }

# (background processes use ip netns exec directly, so that $! is the
# process itself and not a subshell)
inm() { ip netns exec "$MN" "$@"; }
inc() { ip netns exec "$CN" "$@"; }

# Wait (up to 5 s) for a line matching the regex in a file.
wait_line() {	# file regex
	local i
	for i in $(seq 50); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ---- topology ------------------------------------------------------
ip link add m0 netns "$MN" type veth peer name c0 netns "$CN"
for n in "$MN" "$CN"; do ip -n "$n" link set lo up; done
ip -n "$MN" link set m0 up
ip -n "$CN" link set c0 up
ip -n "$MN" addr add $MNA/64 dev m0 nodad
ip -n "$CN" addr add $CNA/64 dev c0 nodad
inm ping -6 -c1 -W2 $CNA >/dev/null || { echo "FAIL: topology"; exit 1; }

inm sysctl -qw net.netfilter.nf_conntrack_acct=1 ||
	{ echo "SKIP: no nf_conntrack_acct in the namespace"; exit 77; }
inm ip6tables -t mangle -A OUTPUT -j CONNMARK --set-mark 0x1234 ||
	{ echo "SKIP: ip6tables CONNMARK unusable"; exit 77; }

# The peer: TCP 5001 reads until EOF and never writes; UDP 5002 reads
# and never answers (so the clients' recv() blocks until destroyed).
cat >"$work/peer.py" <<'EOF'
import socket, sys, threading
A6 = socket.AF_INET6
addr = sys.argv[1]
t = socket.socket(A6, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind((addr, 5001))
t.listen(16)
u = socket.socket(A6, socket.SOCK_DGRAM)
u.bind((addr, 5002))
def drain(c):
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.close()
def udp():
    while True:
        u.recv(9000)
threading.Thread(target=udp, daemon=True).start()
print("listening", flush=True)
while True:
    c, _ = t.accept()
    threading.Thread(target=drain, args=(c,), daemon=True).start()
EOF
inc $PY "$work/peer.py" $CNA >"$work/peer.out" 2>&1 &
wait_line "$work/peer.out" '^listening' || { echo "FAIL: peer did not start"; exit 1; }

ip netns exec "$MN" "$CTL" events 60 >"$work/ev.out" 2>"$work/ev.err" &
EVPID=$!
wait_line "$work/ev.out" '^listening' || { echo "FAIL: ctnlctl events did not start"; exit 1; }

# ---- TCP flow A ------------------------------------------------------
ip netns exec "$MN" "$CTL" hold tcp $MNA $CNA 5001 1000 >"$work/tcp.out" 2>&1 &
TPID=$!
wait_line "$work/tcp.out" '^ready ' || { echo "FAIL: TCP client did not connect"; cat "$work/tcp.out"; exit 1; }
TP=$(awk '/^ready/ { print $2 }' "$work/tcp.out")
TUP="$MNA.$TP -> $CNA.5001"

# 1. the NEW event, with the connmark
check "event NEW for tcp $TUP with mark 0x1234" \
	wait_line "$work/ev.out" "^NEW tcp $TUP reply tcp $CNA.5001 -> $MNA.$TP mark 0x1234 "

# 2. get with counters (SYN, ACK, 1000 octets of data at least)
inm "$CTL" get tcp $MNA $TP $CNA 5001 >"$work/get.out" 2>&1
rc=$?
cat "$work/get.out"
check "get tcp: rc 0" [ $rc = 0 ]
read -r op ob rp rb < <(sed -n 's/.* counters \([0-9]*\)\/\([0-9]*\) \([0-9]*\)\/\([0-9]*\).*/\1 \2 \3 \4/p' "$work/get.out")
check "get tcp: entry with the mark" grep -q "^ENTRY tcp $TUP reply .* mark 0x1234 " "$work/get.out"
check "get tcp: counters orig ${op:-?} pkts ${ob:-?} B >= 3 / 1000, reply ${rp:-?} pkts >= 2" \
	[ "${op:-0}" -ge 3 -a "${ob:-0}" -ge 1000 -a "${rp:-0}" -ge 2 -a "${rb:-0}" -gt 0 ]

# 3. delete: gone, and a DESTROY event
inm "$CTL" delete tcp $MNA $TP $CNA 5001 >"$work/del.out" 2>&1
rc=$?
check "delete tcp: rc 0 (got $rc)" [ $rc = 0 ]
inm "$CTL" get tcp $MNA $TP $CNA 5001 >"$work/get2.out" 2>&1
rc=$?
check "get after delete: ENOENT (exit 2, got $rc)" \
	eval '[ $rc = 2 ] && grep -q ENOENT "$work/get2.out"'
inm "$CTL" delete tcp $MNA $TP $CNA 5001 >"$work/del2.out" 2>&1
rc=$?
check "delete again: ENOENT (exit 2, got $rc)" \
	eval '[ $rc = 2 ] && grep -q ENOENT "$work/del2.out"'
check "event DESTROY for tcp $TUP with mark and counters" \
	wait_line "$work/ev.out" "^DESTROY tcp $TUP reply .* mark 0x1234 .* counters [0-9]+/[0-9]+ [0-9]+/[0-9]+"

# 4. destroy the client's socket while it is blocked in recv()
inm "$CTL" destroy tcp $MNA $TP $CNA 5001 >"$work/destroy.out" 2>&1
check "destroy tcp: 1 socket" grep -q '^destroyed 1 ' "$work/destroy.out"
wait $TPID
trc=$?
cat "$work/tcp.out"
check "tcp client: recv failed with ECONNABORTED" \
	eval '[ $trc = 0 ] && grep -q "^recv rc -1 errno ECONNABORTED" "$work/tcp.out"'
t0=$(awk '/^destroyed/ { print $4 }' "$work/destroy.out")
t1=$(awk '/^recv/ { print $7 }' "$work/tcp.out")
if [ -n "$t0" ] && [ -n "$t1" ]; then
	us=$(((t1 - t0) / 1000))
	echo "tcp abort latency: $us us (destroy call to recv() returning)"
	check "tcp abort within $MAX_ABORT_MS ms ($us us)" [ $us -ge 0 -a $us -lt $((MAX_ABORT_MS * 1000)) ]
else
	bad "tcp abort latency not measured"
fi

# ---- UDP flow B ------------------------------------------------------
ip netns exec "$MN" "$CTL" hold udp $MNA $CNA 5002 100 >"$work/udp.out" 2>&1 &
UPID=$!
wait_line "$work/udp.out" '^ready ' || { echo "FAIL: UDP client did not start"; cat "$work/udp.out"; exit 1; }
UP=$(awk '/^ready/ { print $2 }' "$work/udp.out")
check "event NEW for udp $MNA.$UP -> $CNA.5002 with mark 0x1234" \
	wait_line "$work/ev.out" "^NEW udp $MNA.$UP -> $CNA.5002 reply .* mark 0x1234 "
# any remote (the handoff case: everything on the old CoA:port)
inm "$CTL" destroy udp $MNA $UP - 0 >"$work/udestroy.out" 2>&1
check "destroy udp (any remote): 1 socket" grep -q '^destroyed 1 ' "$work/udestroy.out"
wait $UPID
urc=$?
cat "$work/udp.out"
check "udp client: recv failed with ECONNABORTED" \
	eval '[ $urc = 0 ] && grep -q "^recv rc -1 errno ECONNABORTED" "$work/udp.out"'
t0=$(awk '/^destroyed/ { print $4 }' "$work/udestroy.out")
t1=$(awk '/^recv/ { print $7 }' "$work/udp.out")
if [ -n "$t0" ] && [ -n "$t1" ]; then
	us=$(((t1 - t0) / 1000))
	echo "udp abort latency: $us us (destroy call to recv() returning)"
	check "udp abort within $MAX_ABORT_MS ms ($us us)" [ $us -ge 0 -a $us -lt $((MAX_ABORT_MS * 1000)) ]
else
	bad "udp abort latency not measured"
fi

# ---- ICMPv6 echo: event and get by id ---------------------------------
inm ping -6 -c1 -W2 $CNA >/dev/null
check "event NEW for icmpv6 echo with mark" \
	wait_line "$work/ev.out" "^NEW icmpv6 $MNA -> $CNA id [0-9]+ reply icmpv6 $CNA -> $MNA id [0-9]+ mark 0x1234 "
ID=$(sed -n "s/^NEW icmpv6 $MNA -> $CNA id \([0-9]*\) .*/\1/p" "$work/ev.out" | tail -1)
inm "$CTL" get icmpv6 $MNA "${ID:-0}" $CNA "${ID:-0}" >"$work/iget.out" 2>&1
check "get icmpv6 id ${ID:-?}: entry with counters" \
	grep -Eq "^ENTRY icmpv6 $MNA -> $CNA id $ID .* counters [1-9][0-9]*/" "$work/iget.out"

# ---- 5. nothing to destroy --------------------------------------------
inm "$CTL" destroy tcp $MNA 1 $CNA 5001 >"$work/none1.out" 2>&1
check "destroy tcp with no match: 0" grep -q '^destroyed 0 ' "$work/none1.out"
inm "$CTL" destroy udp $MNA 1 - 0 >"$work/none2.out" 2>&1
check "destroy udp (any remote) with no match: 0" grep -q '^destroyed 0 ' "$work/none2.out"
# A listener on MNA:6000 and a flow to it that has already ended: an
# exact destroy for that flow finds nothing and leaves the listener be
# (the kernel's own lookup would fall back to the listener).
cat >"$work/listen.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 6000))
s.listen(4)
print("listening", flush=True)
while True:
    c, peer = s.accept()
    print("accepted", peer[0], flush=True)
    c.close()
EOF
inm $PY "$work/listen.py" $MNA >"$work/listen.out" 2>&1 &
wait_line "$work/listen.out" '^listening' || bad "listener did not start"
inm "$CTL" destroy tcp $MNA 6000 $CNA 40000 >"$work/none3.out" 2>&1
check "destroy of a closed flow on a listening port: 0" grep -q '^destroyed 0 ' "$work/none3.out"
inc $PY -c "import socket; socket.create_connection(('$MNA', 6000), 2).close()"
check "the listener still accepts" wait_line "$work/listen.out" "^accepted $CNA"

# ---- events socket health ----------------------------------------------
kill -TERM $EVPID
wait $EVPID
check "ctnlctl events exited cleanly" [ $? = 0 ]
cat "$work/ev.err"
check "event stats: no overrun, nothing malformed" \
	grep -q '^stats events [1-9][0-9]* enobufs 0 bad 0 ' "$work/ev.out"
grep '^stats' "$work/ev.out"

# ---- overrun: ENOBUFS is counted and survived ----------------------------
# A reader stopped while 30000 UDP flows start (one NEW event each, more
# than its 4 MiB buffer holds), then resumed: it must count the overrun
# and still see the flow that comes after.
ip netns exec "$MN" "$CTL" events 60 >"$work/ev2.out" 2>"$work/ev2.err" &
EV2=$!
wait_line "$work/ev2.out" '^listening' || bad "second events reader did not start"
kill -STOP $EV2
inm $PY -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for p in range(10000, 40000):
    s.sendto(b'x', ('$CNA', p))
"
kill -CONT $EV2
sleep 0.5
ip netns exec "$MN" "$CTL" hold udp $MNA $CNA 5002 10 >"$work/udp2.out" 2>&1 &
U2=$!
wait_line "$work/udp2.out" '^ready ' || bad "UDP client 2 did not start"
UP2=$(awk '/^ready/ { print $2 }' "$work/udp2.out")
check "after the overrun: event NEW for udp $MNA.$UP2 -> $CNA.5002" \
	wait_line "$work/ev2.out" "^NEW udp $MNA.$UP2 -> $CNA.5002 "
kill $U2 2>/dev/null
kill -TERM $EV2
wait $EV2
check "events reader survived the overrun (exit 0)" [ $? = 0 ]
grep '^stats' "$work/ev2.out"
check "overrun counted: enobufs >= 1, nothing malformed" \
	grep -Eq '^stats events [1-9][0-9]* enobufs [1-9][0-9]* bad 0 ' "$work/ev2.out"
check "overrun logged" grep -q 'overrun' "$work/ev2.err"

echo "ctnl_test: $npass passed, $nfail failed"
[ $nfail = 0 ]
