#!/usr/bin/env bash
# Compares two builds of a benchmark driver on a machine whose speed drifts: runs OLD and NEW
# alternately (old-new, then new-old, …) PAIRS times with the same arguments, and prints, for
# every timed line of the drivers ("… (wall/cpu s): W/C …"), each build's median and best wall
# time and the change of the medians. A single best-of figure could not show a 5% change on a
# machine whose identical runs differ by 20% (docs/benchmarks.md, "Round ten").
#
# Usage: scripts/bench_ab.sh [-n PAIRS] OLD_BINARY NEW_BINARY [DRIVER ARGS...]
#   e.g. scripts/bench_ab.sh -n 4 /tmp/old/build-bench/loyalty_bench build-bench/loyalty_bench \
#          --lines 150000 --only a --reps 1
set -euo pipefail

pairs=3
if [ "${1:-}" = "-n" ]; then
  pairs="$2"
  shift 2
fi
if [ $# -lt 2 ] || ! [[ "$pairs" =~ ^[1-9][0-9]*$ ]]; then
  sed -n '2,11p' "$0" >&2
  exit 2
fi
old="$1"
new="$2"
shift 2
for b in "$old" "$new"; do
  if [ ! -x "$b" ]; then
    echo "bench_ab.sh: '$b' is not an executable" >&2
    exit 2
  fi
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# One run: each timed line as "LABEL<TAB>WALL", appended to $out/NAME.
run() {
  local name="$1" bin="$2"
  shift 2
  "$bin" "$@" >"$out/last.txt" 2>&1 || {
    echo "bench_ab.sh: $bin failed:" >&2
    tail -5 "$out/last.txt" >&2
    exit 1
  }
  sed -nE 's/^# (.*) \(wall\/cpu s\): ([a-z ]*)?([0-9.]+)\/[0-9.]+.*$/\1\t\3/p' \
    "$out/last.txt" >>"$out/$name"
}
for ((i = 1; i <= pairs; i++)); do
  if ((i % 2)); then
    run old "$old" "$@"
    run new "$new" "$@"
  else
    run new "$new" "$@"
    run old "$old" "$@"
  fi
  echo "pair $i of $pairs done" >&2
done

# Per label: median and best of each build, in the order the labels first appear.
awk -F'\t' -v pairs="$pairs" '
  function median(list,   a, n, t, i, j) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++)
      for (j = i; j > 1 && a[j] < a[j - 1]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function best(list,   a, n, i, m) {
    n = split(list, a, " ")
    m = a[1]
    for (i = 2; i <= n; i++) if (a[i] < m) m = a[i]
    return m
  }
  FNR == 1 { side = FILENAME ~ /\/old$/ ? "old" : "new" }
  {
    if (!($1 in seen)) { seen[$1] = 1; order[++labels] = $1 }
    times[side, $1] = times[side, $1] " " $2
  }
  END {
    printf "# %d pairs, wall seconds: median (best) of each build\n", pairs
    for (k = 1; k <= labels; k++) {
      l = order[k]
      if (!((("old", l) in times) && (("new", l) in times))) continue
      mo = median(times["old", l]); mn = median(times["new", l])
      change = mo > 0 ? 100 * (mn - mo) / mo : 0
      printf "%s\n    old %.3f (%.3f)   new %.3f (%.3f)   median %+.1f%%\n", l, mo,
             best(times["old", l]), mn, best(times["new", l]), change
    }
  }' "$out/old" "$out/new"
