#!/usr/bin/env bash
# make tour: runs README.md's five-minute tour as written, on a copy of the demo store (`make demo`
# first), so that the README stays true. Every command must exit 0, unless the comment just above
# it says "exit N" and it exits N. The checks at the end are the tour's claims about what the demo
# prints (the tags per member, a coupon's id, the checkout's cash, what a streamed order earns, a
# merge's id).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "$(dirname "${1:-build/recur}")" && pwd)/$(basename "${1:-build/recur}")
DB=${2:-demo/recur.db}
[ -f "$DB" ] || { echo "tour: $DB is missing: run make demo first" >&2; exit 2; }
DATA=$(cd "$(dirname "$DB")/data" && pwd)

# A scratch copy of the repository's layout: the tour's relative paths resolve there, and what it
# writes (rejected.csv, remind.csv, the changed store) goes there.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/build" "$WORK/demo"
ln -s "$ROOT/docs" "$WORK/docs"
ln -s "$ROOT/config" "$WORK/config"
ln -s "$DATA" "$WORK/demo/data"
ln -s "$BIN" "$WORK/build/recur"
sqlite3 "$DB" ".backup '$WORK/demo/recur.db'"

# The tour's shell blocks, each line at its README line number (other lines blank), so that a
# failing command's $LINENO finds its comment in README.md. `make demo` is what ran already.
awk '/^## A five-minute tour/ { on = 1 } /^## Documentation/ { on = 0 }
     on && /^```/ { block = on && !block && $0 == "```sh"; print ""; next }
     { print (on && block && $0 !~ /^make demo/) ? $0 : "" }' "$ROOT/README.md" |
  sed "s|/tmp/big|$WORK/big|" >"$WORK/tour.sh"

# Called on each failing command: allowed when the comment block just above the command (its
# first line: a command may go on over lines ending in \ or |) says "exit N" for its code N.
cat >"$WORK/check.sh" <<'CHECK'
shopt -s expand_aliases
failures=0
on_error() {
  local rc=$1 line=$2 text
  mapfile -t readme <"$README"
  while ((line > 1)) && [[ ${readme[line - 2]} =~ (\\|\|)[[:space:]]*$ ]]; do line=$((line - 1)); done
  local comment="" l=$((line - 1))
  while ((l >= 1)) && [[ ${readme[l - 1]} =~ ^# ]]; do comment="${readme[l - 1]} $comment"; l=$((l - 1)); done
  text=${readme[line - 1]}
  if [[ $comment == *"exit $rc"* ]]; then
    echo "tour: README.md:$line exited $rc, as its comment says" >&2
  else
    echo "TOUR FAILED: README.md:$line exited $rc: $text" >&2
    failures=$((failures + 1))
  fi
}
trap 'on_error $? $LINENO' ERR
CHECK
cd "$WORK" || exit 2
README="$ROOT/README.md" bash -c "source ./check.sh; source ./tour.sh; exit \$failures" 2>&1 |
  tee "$WORK/tour.log"
status=${PIPESTATUS[0]}

# The tour's claims about what the demo prints.
claim() {
  if grep -qF -- "$1" "$WORK/tour.log"; then
    echo "tour: prints '$1', as README.md says"
  else
    echo "TOUR FAILED: README.md says the tour prints '$1'; it did not" >&2
    status=1
  fi
}
tags=$(grep -oE '[0-9]+ tags;' "$ROOT/README.md" | grep -oE '[0-9]+' | head -1)
claim "${tags:-?} tags each"
claim "#50903   birthday_10_off"
claim "cash 现金 ¥196.89"
claim "ok 1 pos:B7 points=129 growth=129 tier=normal"
claim "as merge 2511"
[ "$status" -eq 0 ] && echo "tour: README.md's five-minute tour runs as written" >&2
exit "$status"
