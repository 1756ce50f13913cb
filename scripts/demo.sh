#!/usr/bin/env bash
# make demo: generate a demo retailer, import it into a fresh SQLite store, show what is there.
set -euo pipefail
RECUR=${1:-build/recur}
DB=${2:-demo/recur.db}
MEMBERS=${3:-50000}
SEED=${4:-42}
DIR=$(dirname "$DB")/data
mkdir -p "$DIR"
rm -f "$DB" "$DB-wal" "$DB-shm"
echo "== generating a demo retailer: $MEMBERS people, seed $SEED (生成演示数据)"
"$RECUR" generate --members "$MEMBERS" --seed "$SEED" --out "$DIR"
echo "== importing into $DB (导入)"
for kind in stores products members orders refunds events; do
  "$RECUR" --db "$DB" import "$kind" "$DIR/$kind.csv"
done
echo "== re-importing orders: nothing changes (幂等)"
"$RECUR" --db "$DB" import orders "$DIR/orders.csv"
echo "== what is there (数据概况)"
"$RECUR" --db "$DB" stats
echo "== a member known by several identities across channels (跨渠道会员)"
ID=$(sqlite3 "$DB" "SELECT survivor_id FROM merges WHERE undone_at IS NULL ORDER BY merge_id LIMIT 1")
if [ -n "$ID" ]; then "$RECUR" --db "$DB" member show "$ID"; fi
echo
echo "Try: $RECUR --db $DB member show $ID --json"
