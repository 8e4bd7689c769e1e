#!/bin/sh
# smoke.sh: bench/classify_bench.sh --smoke for `make check`: the
# benchmark runs end to end and every flow is classified (about 2 s;
# the figures are printed, not judged).
exec "${srcdir:-.}/bench/classify_bench.sh" --smoke
