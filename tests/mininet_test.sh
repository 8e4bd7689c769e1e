#!/bin/bash
# mininet_test.sh: dmip6 in Mininet (tests/mininet/, see its README.md).
#
# 1. A short scenario through tests/mininet/run_scenario.py: the lab of
#    dmip_topo.py with 1 DHP (dhpd runs there), had and mnd on the seg6
#    backend, 2 paced TCP flows CN1/CN2 <- HoA and 2 handoffs of method B
#    (the MN's port moves between the ARs' bridges) while they run. The
#    runner asserts the registrations, had's binding cache, the bytes of
#    every flow (SHA-256 at both ends), that each flow went on via the new
#    CoA after each handoff, that the daemons exit 0 on SIGTERM, and that
#    the root namespace ends as it began; here its JSON report is checked
#    again.
# 2. The topology module as mn uses it (--custom dmip_topo.py --topo dmip
#    --switch lxbr --controller none, through mn_safe.py so that mn
#    changes no root sysctl): the MN gets an address by SLAAC and reaches
#    CN1, CN2 reaches the home link, and mn leaves nothing behind.
#
# Exit 0 when all checks pass, 1 otherwise, 77 (with the reason) when
# Mininet cannot run here: not root, no mininet package, or no network
# and mount namespaces.
set -u

src=$(cd "${srcdir:-.}" && pwd)
build=$(cd "${builddir:-.}" && pwd)
dir=$src/tests/mininet
npass=0 nfail=0
B36=0123456789abcdefghijklmnopqrstuvwxyz
ok()  { echo "ok: $*"; npass=$((npass + 1)); }
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "Mininet needs root"
py=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import mininet.net' 2>/dev/null; then
		py=$p
		break
	fi
done
[ -n "$py" ] || skip "no python3 with the mininet module (apt-get install mininet; tests/deps.sh installs it)"
command -v mnexec >/dev/null || skip "no mnexec (apt-get install mininet)"
mnexec -cdn true 2>/dev/null || skip "this machine cannot create network and mount namespaces (mnexec -n failed)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mininet_test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
t0=$(date +%s.%N)

# 1. The scenario. The runner cleans up itself, also on SIGTERM (timeout).
echo "== run_scenario.py --dhps 1 --flows 2 --handoffs 2 --backend seg6 --method b"
timeout -k 5 45 "$py" "$dir/run_scenario.py" --builddir "$build" \
    --dhps 1 --flows 2 --handoffs 2 --backend seg6 --method b \
    --interval 1.5 --rate 1000000 --json "$tmp/report.json" > "$tmp/run.log" 2>&1
rc=$?
cat "$tmp/run.log"
if [ $rc -eq 0 ]; then ok "run_scenario.py exits 0"; else bad "run_scenario.py exits $rc"; fi
check "the runner's checks all passed" \
	grep -q '^run_scenario: [1-9][0-9]* passed, 0 failed$' "$tmp/run.log"
if "$py" - "$tmp/report.json" <<-'EOF'
	import json, sys
	r = json.load(open(sys.argv[1]))
	def need(what, cond):
	    print("  report: %s: %s" % (what, "yes" if cond else "NO"))
	    return cond
	okay = all([
	    need("2 handoffs with a new CoA and a BA each",
	         len(r["handoffs"]) == 2 and
	         all(h["new_coa"] and h["new_coa"] != h["old_coa"] and
	             h["ba"] is not None for h in r["handoffs"])),
	    need("2 flows, every byte verified by SHA-256",
	         len(r["flows"]) == 2 and
	         all(f["sha256_ok"] and f["received"] == f["bytes"] > 0
	             for f in r["flows"])),
	    need("an interruption per flow and handoff, up and down, < 2 s",
	         all(len(f["interruption_up_down_s"]) == 2 and
	             all(g is not None and g < 2
	                 for ho in f["interruption_up_down_s"] for g in ho)
	             for f in r["flows"])),
	    need("1 dhpd, had and mnd on seg6",
	         r["backend"] == {"had": "seg6", "mnd": "seg6",
	                          "dhpd": ["seg6"]}),
	    need("no failed check", r["failed"] == 0 and r["passed"] > 0),
	])
	sys.exit(0 if okay else 1)
EOF
then ok "the JSON report has both flows intact and both handoffs measured"
else bad "the JSON report"
fi

# 2. mn --custom with the topology module.
echo "== mn --custom dmip_topo.py --topo dmip,dhps=1 --switch lxbr --controller none"
cat > "$tmp/cli" <<-'EOF'
	py __import__('time').sleep(1.5)
	mn ip -6 -o addr show dev mn0 scope global
	mn ping -6 -n -c 2 -i 0.2 -W 2 2001:db8:c1::1
	cn2 ping -6 -n -c 1 -W 2 2001:db8:10::2
EOF
# Our own root-namespace names, d6<pid in base 36>_ like the runner's, so
# that a later run_scenario.py removes them if this test is killed.
tag='' n=$$
while :; do tag=${B36:n % 36:1}$tag; n=$((n / 36)); [ $n -gt 0 ] || break; done
tag=d6${tag}_
before=$(ip -o link show | grep -c "$tag" || true)
timeout -k 5 30 "$py" "$dir/mn_safe.py" --custom "$dir/dmip_topo.py" \
    --topo "dmip,dhps=1,tag=$tag" --switch lxbr --controller none --test none \
    --post "$tmp/cli" > "$tmp/mn.log" 2>&1
rc=$?
sed 's/^/  | /' "$tmp/mn.log"
if [ $rc -eq 0 ] && grep -q 'completed in' "$tmp/mn.log"; then
	ok "mn builds, runs and stops the dmip topology"
else
	bad "mn with the dmip topology (exit $rc)"
fi
check "mn: the MN has a SLAAC address from AR1" \
	grep -q 'inet6 2001:db8:1:' "$tmp/mn.log"
check "mn: the MN reaches CN1" \
	grep -q '2 packets transmitted, 2 received' "$tmp/mn.log"
check "mn: CN2 reaches the home link" \
	grep -q '1 packets transmitted, 1 received' "$tmp/mn.log"
check "mn: no exception" \
	test -z "$(grep 'Caught exception' "$tmp/mn.log")"
after=$(ip -o link show | grep -c "$tag" || true)
check "mn left no bridge or port behind" test "$before/$after" = 0/0

echo "mininet_test: $(awk -v t="$t0" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - t }') s"
echo "mininet_test: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
