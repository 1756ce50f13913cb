#!/usr/bin/env bash
# Runs every benchmark executable (bench/*_bench.cpp -> BUILD_DIR/*_bench) and prints their
# output. Usage: scripts/bench.sh [BUILD_DIR]   (default: build; `make bench` builds it first)
#
# The drivers (csv_parse_bench, import_bench) print one headline line per figure, recur beside
# its reference with the ratio; *_micro_bench are Google Benchmark micro-benchmarks. Each driver
# takes --lines N and --reps N when run by hand; see docs/benchmarks.md.
set -euo pipefail

build="${1:-build}"
if [ ! -d "$build" ]; then
  echo "bench.sh: no build directory '$build' (run 'make build' first)" >&2
  exit 2
fi
mapfile -t benches < <(find "$build" -maxdepth 1 -type f -name '*_bench' -perm -u+x | sort)
if [ ${#benches[@]} -eq 0 ]; then
  echo "bench.sh: no *_bench executables in '$build' (configure with -DRECUR_BENCH=ON and build)" >&2
  exit 2
fi

build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
echo "# recur benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ): $(nproc) cores (${cpu:-unknown CPU}), build '$build' (${build_type:-?}), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"

status=0
for b in "${benches[@]}"; do
  echo
  echo "## $(basename "$b")"
  if ! "$b"; then
    echo "bench.sh: $(basename "$b") failed" >&2
    status=1
  fi
done
exit $status
