#!/bin/sh
# fuzz_short.sh: a short libFuzzer run of every fuzz target (fuzz/README.md).
#
# Builds the targets out of tree (configure --enable-fuzzing CC=clang in a
# scratch directory, only the fuzz programs), writes the seed corpus with
# fuzz/gen_corpus, and runs each target for FUZZ_SECONDS seconds, printing
# executions, executions per second and coverage per target.
#
#   FUZZ_SECONDS   seconds per target: default 10 when run by hand, 3 under
#                  `make check` (MAKELEVEL set), so the whole test stays
#                  short in CI
#   FUZZ_TARGETS   the targets to run (default: all)
#   FUZZ_CC        the compiler (default clang)
#   FUZZ_CRASH_DIR where crash inputs are copied (default ./fuzz-crashes)
#
# Exit: 0 no finding, 1 a target crashed or broke an invariant (its input
# is copied to FUZZ_CRASH_DIR: move it into fuzz/regress/<target>/), 77
# when clang with libFuzzer is not available (the reason is printed).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cc=${FUZZ_CC:-clang}
if [ -n "${FUZZ_SECONDS:-}" ]; then
	secs=$FUZZ_SECONDS
elif [ -n "${MAKELEVEL:-}" ]; then
	secs=3
else
	secs=10
fi
all="mh_parse mh_roundtrip mh_types mh_auth dhcp6 conf_mnd conf_had
conf_dhpd ha_engine movement bul pktparse dad_nd dhcp6_ext state_had
state_dhpd ctl_request dhp_engine"
targets=${FUZZ_TARGETS:-$all}
crashdir=${FUZZ_CRASH_DIR:-$PWD/fuzz-crashes}
jobs=$(nproc 2>/dev/null || echo 2)

skip() {
	echo "fuzz_short: SKIP: $*"
	exit 77
}

# tests/ci.sh runs the suite twice (normal, then ASan+UBSan builds); the
# fuzz programs are built here the same way both times (libFuzzer with
# ASan+UBSan, independent of the enclosing build), so the second run
# would repeat the first: ci.sh sets DMIP_FUZZ_SHORT_DONE for it.
[ -z "${DMIP_FUZZ_SHORT_DONE:-}" ] ||
	skip "already run in this CI pass ($DMIP_FUZZ_SHORT_DONE); the fuzz programs do not depend on the enclosing build"
command -v "$cc" >/dev/null 2>&1 ||
	skip "no $cc on PATH (apt-get install clang libclang-rt-dev)"
[ -x "$top/configure" ] || skip "$top/configure is missing (autoreconf -fi)"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmip6-fuzz-short.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# Can this compiler link a libFuzzer target at all?
cat >"$work/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return n && !d[0]; }
EOF
"$cc" -fsanitize=fuzzer,address,undefined -o "$work/probe" "$work/probe.c" \
	>"$work/probe.log" 2>&1 ||
	skip "$cc cannot link -fsanitize=fuzzer,address,undefined" \
	    "(install libclang-rt-dev): $(head -n 3 "$work/probe.log")"
"$work/probe" -runs=10 >"$work/probe.log" 2>&1 ||
	skip "a libFuzzer probe does not run: $(tail -n 3 "$work/probe.log")"

echo "fuzz_short: building the fuzz targets with $cc in $work"
mkdir "$work/build"
if ! (cd "$work/build" && "$top/configure" -q --enable-fuzzing CC="$cc" \
    >"$work/configure.log" 2>&1); then
	tail -n 20 "$work/configure.log"
	echo "fuzz_short: FAIL: configure --enable-fuzzing CC=$cc failed"
	exit 1
fi
progs="fuzz/gen_corpus"
for t in $targets; do
	progs="$progs fuzz/fuzz_$t"
done
# shellcheck disable=SC2086
if ! make -C "$work/build" -j"$jobs" $progs >"$work/make.log" 2>&1; then
	tail -n 40 "$work/make.log"
	echo "fuzz_short: FAIL: building the fuzz targets failed"
	exit 1
fi
"$work/build/fuzz/gen_corpus" "$work/seeds" "$top" >/dev/null || {
	echo "fuzz_short: FAIL: fuzz/gen_corpus failed"
	exit 1
}

dict_of() {
	case $1 in
	mh_* | ha_engine | bul | dhp_engine) echo "$top/fuzz/dict/mh.dict" ;;
	dhcp6 | dhcp6_ext) echo "$top/fuzz/dict/dhcp6.dict" ;;
	conf_*) echo "$top/fuzz/dict/conf.dict" ;;
	esac
}

fail=0 total=0
printf '%-13s %10s %9s %6s %6s %7s  %s\n' target execs exec/s cov ft corpus \
	result
for t in $targets; do
	mkdir -p "$work/corpus/$t" "$work/art" "$work/seeds/$t"
	# The regression inputs join the seeds; not regress/$t/open/ (known
	# open bugs: they would stop the run at once).
	for d in "$top/fuzz/regress/$t" "$top/fuzz/corpus/$t"; do
		[ -d "$d" ] || continue
		for f in "$d"/*; do
			[ -f "$f" ] && cp "$f" "$work/seeds/$t/"
		done
	done
	dict=$(dict_of "$t")
	log=$work/$t.log
	rc=0
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
	"$work/build/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=4096 \
		-timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
		${dict:+-dict="$dict"} -artifact_prefix="$work/art/$t-" \
		"$work/corpus/$t" "$work/seeds/$t" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	corp=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	total=$((total + ${execs:-0}))
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="FOUND (exit $rc)"
		fail=1
	fi
	printf '%-13s %10s %9s %6s %6s %7s  %s\n' "$t" "${execs:-?}" \
		"${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
	if [ "$rc" -ne 0 ]; then
		echo "---- $t: end of the libFuzzer log"
		grep -v '^#[0-9]' "$log" | tail -n 60
		mkdir -p "$crashdir/$t"
		for a in "$work/art/$t-"*; do
			[ -f "$a" ] || continue
			cp "$a" "$crashdir/$t/"
			echo "---- input saved: $crashdir/$t/$(basename "$a")" \
			    "(reproduce: fuzz/replay_$t FILE; keep it in" \
			    "fuzz/regress/$t/)"
		done
	fi
done
echo "fuzz_short: $total executions, $secs s per target"
if [ "$fail" -ne 0 ]; then
	echo "fuzz_short: FAIL: a target found a crash or a broken invariant"
	exit 1
fi
exit 0
