#!/bin/bash
# dmip6 demo (foundation release): build, check the example configs,
# start the three daemons in network namespaces of their own and show
# them exchanging nothing yet but their start-up and a Mobility Header
# each; the handoff demo with per-flow report arrives with the
# home-registration and DHP issues. Run as root on Debian 12.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${DMIP_BUILD_DIR:-$top/build-demo}
ns_prefix="dmipdemo-$$"
work=$(mktemp -d)
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for n in ha mn; do ip netns del "$ns_prefix-$n" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }

say "dependencies and build"
bash "$top/tests/deps.sh"
(cd "$top" && [ -x configure ] || autoreconf -fi >/dev/null)
mkdir -p "$build"
(cd "$build" && { [ -f Makefile ] || "$top/configure" -q; } && make -s -j"$(nproc)")

say "example configurations (etc/), checked with -n"
cp -r "$top/etc/." "$work/"
chmod 600 "$work"/keys/*.key
for d in mn/mnd ha/had dhp/dhpd; do
	n=$(basename "$d")
	"$build/$d" -n -f "$work/$n.conf" > "$work/$n.effective"
	echo "$n: $(grep -c . "$work/$n.effective") lines of effective configuration, OK"
done

say "had and mnd in two network namespaces, linked by veth (2001:db8:f::/64)"
ip netns add "$ns_prefix-ha"
ip netns add "$ns_prefix-mn"
# Created inside the namespaces: the root namespace is never touched.
ip -n "$ns_prefix-ha" link add dha type veth peer name dmn netns "$ns_prefix-mn"
for n in ha mn; do ip -n "$ns_prefix-$n" link set lo up; done
ip netns exec "$ns_prefix-ha" sysctl -q -w net.ipv6.conf.dha.accept_dad=0
ip netns exec "$ns_prefix-mn" sysctl -q -w net.ipv6.conf.dmn.accept_dad=0
ip -n "$ns_prefix-ha" addr add 2001:db8:f::10/64 dev dha nodad
ip -n "$ns_prefix-mn" addr add 2001:db8:f::100/64 dev dmn nodad
ip -n "$ns_prefix-ha" link set dha up
ip -n "$ns_prefix-mn" link set dmn up
ip netns exec "$ns_prefix-ha" "$build/ha/had" -d -v -f "$work/had.conf" 2> "$work/had.log" &
pids+=($!)
sleep 0.5
say "a malformed and a well-formed Mobility Header sent to had (2001:db8:f::10)"
ip netns exec "$ns_prefix-mn" python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
# BU seq 7, A|H, lifetime 60, PadN(2): 16 bytes, Header Len 1
bu = bytes([59, 1, 5, 0, 0, 0, 0, 7, 0xc0, 0, 0, 60, 1, 0, 0, 0])
s.sendto(bu, ("2001:db8:f::10", 0))
s.sendto(bu[:12], ("2001:db8:f::10", 0))   # truncated: Header Len says 16
PY
sleep 0.5
kill -TERM "${pids[0]}"; wait "${pids[0]}" || true; pids=()
echo "had's log:"
sed 's/^/  /' "$work/had.log"

say "unit and script tests"
make -s -C "$build" check 2>&1 | grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL)|^# ' || true
