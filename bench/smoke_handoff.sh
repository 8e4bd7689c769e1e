#!/bin/sh
# smoke_handoff.sh: bench/handoff_bench.sh --smoke for `make check`: one
# DHP, 1 and 10 anchored flows, one handoff each (under 40 s). Passes
# when every flow came back on the new path with sane figures; the
# times are printed, not judged.
exec "${srcdir:-.}/bench/handoff_bench.sh" --smoke
