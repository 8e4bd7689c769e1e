#!/bin/bash
# The whole test suite, as CI and a newcomer run it (README.md):
# install what is missing, build with -Werror, run every test, then the
# same suite under AddressSanitizer + UBSan, then make distcheck.
# Run as root on Debian 12 (apt-get and the namespace tests need it).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
# Most script tests wait on timers and namespaces rather than the CPU:
# one more test than cores keeps CI inside its time budget.
check_jobs=$((jobs + 1))
out=${DMIP_BUILD_DIR:-$top/build-ci}
pass=0 fail=0 skip=0

step() { printf '\n==== %s\n' "$*"; }

# Sum automake's per-suite counts so the last line says what ran.
count() {
	local log=$1/test-suite.log
	[ -f "$log" ] || return 0
	pass=$((pass + $(sed -n 's/^# PASS: *//p' "$log")))
	fail=$((fail + $(sed -n 's/^# FAIL: *//p' "$log") + $(sed -n 's/^# ERROR: *//p' "$log") + $(sed -n 's/^# XPASS: *//p' "$log")))
	skip=$((skip + $(sed -n 's/^# SKIP: *//p' "$log")))
}

# Run make check in a build dir; show the logs of failed tests.
check() {
	local dir=$1 rc=0
	make -C "$dir" -j"$check_jobs" check || rc=$?
	count "$dir"
	if [ $rc -ne 0 ]; then
		for f in $(find "$dir" -name '*.log' ! -name test-suite.log ! -name config.log); do
			grep -qE '^(FAIL|ERROR)' "${f%.log}.trs" 2>/dev/null && { echo "---- $f"; tail -n 60 "$f"; }
		done
	fi
	return $rc
}

step "dependencies"
bash tests/deps.sh

step "bootstrap"
autoreconf -fi

rc=0
step "build (-Werror) and test"
rm -rf "$out" && mkdir -p "$out"
(cd "$out" && "$top/configure" -q --enable-werror)
make -C "$out" -j"$jobs"
check "$out" || rc=1

step "build and test under AddressSanitizer + UBSan"
rm -rf "$out-asan" && mkdir -p "$out-asan"
(cd "$out-asan" && "$top/configure" -q --enable-werror --enable-sanitizers)
make -C "$out-asan" -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
DMIP_FUZZ_SHORT_DONE="normal build" \
	check "$out-asan" || rc=1

if [ "${DMIP_SKIP_DISTCHECK:-0}" != 1 ]; then
	# distcheck proves the tarball builds, installs and tests on its own.
	# The whole suite already ran twice above; here the unit tests and
	# one end-to-end namespace test (which needs every script, config
	# and tool to be in the tarball) keep CI inside its time budget.
	step "make distcheck (unit tests + one end-to-end test)"
	dist_tests="$(cd "$out" && ls tests/unit/test_*.trs fuzz/replay_*.trs 2>/dev/null |
	    sed 's/\.trs$//' | tr '\n' ' ') tests/daemon_smoke.sh tests/mip_seg6.sh"
	make -C "$out" -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror \
	    TESTS="$dist_tests" || rc=1
fi

echo
echo "ci: $pass passed, $fail failed, $skip skipped"
exit $rc
