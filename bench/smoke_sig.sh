#!/bin/bash
# smoke_sig.sh: the short form of the issue-7 benchmarks for `make
# check`. It checks that figures are produced and sane, never a speed:
#   - bench/mem_bench -n 2000: every message accepted by the engines,
#     bytes per binding within 32..4096, refreshes allocate nothing
#     (heap figures are not checked under a sanitizer: -1);
#   - bench/sig_bench.sh --smoke: had, dhpd and both echo floors answer
#     every message (accepted, MAC valid), rates and latencies > 0, the
#     daemons exit 0 holding every binding (about 10 s);
#   - bench/dp_bench.sh --smoke when iperf3 is installed: every tunnel
#     backend carries data (about 8 s).
# Exit 77 when network namespaces cannot be made (after the in-process
# memory check passed), 1 on any failure.
set -u
b=${builddir:-.}
s=${srcdir:-.}

out=$("$b/bench/mem_bench" -n 2000 all) || {
	echo "FAIL: mem_bench"
	echo "$out"
	exit 1
}
echo "$out"
echo "$out" | awk '
	$1 == "mem" {
		for (i = 3; i < NF; i += 2) v[$i] = $(i + 1)
		bad = ""
		if (v["bad"] != 0) bad = bad " " v["bad"] " messages not accepted"
		# -1: a sanitizer build, whose heap mallinfo2() cannot see
		if (v["binding_B"] != -1 && (v["binding_B"] < 32 || v["binding_B"] > 4096)) bad = bad " binding_B " v["binding_B"]
		if (v["refresh_B"] != 0 && v["refresh_B"] != -1) bad = bad " refreshes grew the heap by " v["refresh_B"] " B/MN"
		if (v["refresh_per_s"] <= 0) bad = bad " no refresh rate"
		if (bad != "") { print "FAIL: mem_bench " $2 ":" bad; n++ }
		else print "ok: mem_bench " $2 ": " v["binding_B"] " B/binding, refresh " v["refresh_per_s"] "/s in-process"
	}
	END { exit n > 0 }' || exit 1

"$s/bench/sig_bench.sh" --smoke
rc=$?
[ $rc -ne 0 ] && exit $rc
if command -v iperf3 > /dev/null; then
	"$s/bench/dp_bench.sh" --smoke || exit 1
else
	echo "dp_bench: skipped (no iperf3; tests/deps.sh installs it)"
fi
exit 0
