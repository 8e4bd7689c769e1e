#!/bin/bash
# The three daemons as built: -n on good and broken configs, and had
# running in a private network namespace: it receives Mobility Headers,
# drops malformed ones without dying, refuses a broken config on SIGHUP
# and keeps running, and exits cleanly on SIGTERM.
set -u
b=${builddir:-.}
s=${srcdir:-.}
fail=0
ok()  { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

work=$(mktemp -d)
ns="dmiptest-smoke-$$"
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cp -r "$s/etc/." "$work/"
chmod 600 "$work"/keys/*.key
# Unix socket paths are not per namespace: each run uses its own.
for n in mnd had dhpd; do
	echo "control_socket = \"$work/$n.sock\"" >> "$work/$n.conf"
	echo "state_dir = \"$work/state-$n\"" >> "$work/$n.conf"
done

for d in mn/mnd ha/had dhp/dhpd; do
	n=$(basename $d)
	if "$b/$d" -n -f "$work/$n.conf" > "$work/$n.out" 2>&1; then
		ok "$n -n accepts etc/$n.conf"
	else
		bad "$n -n rejects etc/$n.conf: $(cat "$work/$n.out")"
	fi
	grep -q '^sa 4096\|^sa 8192' "$work/$n.out" || bad "$n -n printed no SA section"
	# The printed config is itself valid (it re-parses).
	grep -v '^#' "$work/$n.out" | grep -v 'configuration OK' > "$work/$n.again.conf"
	"$b/$d" -n -f "$work/$n.again.conf" > /dev/null 2>&1 ||
		bad "$n: the printed configuration does not re-parse"
done

# Errors name file:line and the exit status is 1.
printf 'home_address = "2001:db8:10::zz"\n' > "$work/broken.conf"
out=$("$b/mn/mnd" -n -f "$work/broken.conf" 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "broken.conf:1:"; then
	ok "mnd -n reports file:line and exits 1"
else
	bad "mnd -n on a broken config: rc=$rc, output: $out"
fi
"$b/ha/had" -n -f "$work/missing.conf" > /dev/null 2>&1 && bad "had -n accepted a missing file"

if [ "$(id -u)" -ne 0 ] || ! ip netns add "$ns" 2>/dev/null; then
	echo "SKIP: the running-daemon part needs root and network namespaces"
	[ $fail -eq 0 ] && exit 77
	exit 1
fi
ip -n "$ns" link set lo up
ip -n "$ns" addr add 2001:db8:f::10/128 dev lo
ip netns exec "$ns" "$b/ha/had" -d -v -f "$work/had.conf" 2> "$work/had.log" &
pid=$!
# Wait for the socket to be open.
for _ in $(seq 50); do grep -q "started" "$work/had.log" && break; sleep 0.1; done

send() {
	ip netns exec "$ns" python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
s.sendto(bytes.fromhex(sys.argv[1]), ('2001:db8:f::10', 0))" "$1"
}
send 3b01050000000007c000003c01000000	# BU seq 7, PadN(2)
send 3b01050000000007c000003c		# truncated
send 3b00630000000000			# unknown MH type 99
send 3b0105000000000702000003c0100000	# BRA misaligned? garbage options
sleep 0.5
kill -0 $pid 2>/dev/null && ok "had survives malformed input" || bad "had died on malformed input"
grep -q "rx Binding Update (16 bytes) from 2001:db8:f::10" "$work/had.log" &&
	ok "had received and parsed the BU" || bad "had did not log the BU"
[ "$(grep -c '^drop ' "$work/had.log")" -ge 2 ] &&
	ok "had dropped the malformed messages with a reason" || bad "had did not log the drops"

# SIGHUP with a broken config: refused, still running.
cp "$work/had.conf" "$work/had.conf.good"
echo 'max_lifetime = "x"' >> "$work/had.conf"
kill -HUP $pid; sleep 0.3
kill -0 $pid 2>/dev/null && grep -q "reload of .* refused" "$work/had.log" &&
	ok "SIGHUP with a broken config is refused and had keeps running" ||
	bad "SIGHUP with a broken config"
cp "$work/had.conf.good" "$work/had.conf"
kill -HUP $pid; sleep 0.3
grep -q "reloaded " "$work/had.log" && ok "SIGHUP reloads a good config" || bad "SIGHUP reload"

kill -TERM $pid
wait $pid; rc=$?; pid=
[ $rc -eq 0 ] && grep -q "had stopped" "$work/had.log" &&
	ok "had exits 0 on SIGTERM" || bad "had exit status $rc on SIGTERM"
[ $fail -ne 0 ] && { echo "--- had log"; cat "$work/had.log"; }
exit $fail
