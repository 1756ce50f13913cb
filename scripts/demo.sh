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
echo "== loading the loyalty program config/program.yaml (会员体系)"
"$RECUR" --db "$DB" program load "$(dirname "$0")/../config/program.yaml"
echo "== importing into $DB (导入); points, growth and tiers follow the imports"
# The orders wait for the refunds file (--no-apply), so that the two are applied together in the
# order things happened, as streamed one by one (docs/loyalty.md).
for kind in stores products members orders refunds events; do
  apply=()
  [ "$kind" = orders ] && apply=(--no-apply)
  "$RECUR" --db "$DB" import "$kind" "$DIR/$kind.csv" "${apply[@]}"
done
echo "== re-importing orders: nothing changes (幂等)"
"$RECUR" --db "$DB" import orders "$DIR/orders.csv"
echo "== what is there (数据概况)"
"$RECUR" --db "$DB" stats
echo "== the loyalty program at work: coupons, stored value, the points mall (优惠券、储值、积分商城)"
"$(dirname "$0")/demo_loyalty.sh" "$RECUR" "$DB"
echo "== one order paid with a coupon, points and stored value, then refunded (结算与退款)"
DAY0=$(sqlite3 "$DB" "SELECT date(MAX(paid_day) * 86400, 'unixepoch') FROM orders")
read -r BUYER COUPON < <(sqlite3 -separator ' ' "$DB" "SELECT c.member_id, c.coupon_id FROM coupons c
  JOIN wallet_accounts w ON w.member_id = c.member_id JOIN loyalty_accounts a ON
  a.member_id = c.member_id WHERE c.state = 'issued' AND c.source = 'monthly' AND
  c.template LIKE '%off%' AND w.principal >= 5000 AND a.points >= 3000 AND
  c.valid_until > strftime('%s', '$DAY0 12:00:00') - 28800 ORDER BY c.member_id LIMIT 1")
if [ -n "${BUYER:-}" ]; then
  "$RECUR" --db "$DB" order checkout demo:CHECKOUT-1 "$BUYER" --line 母婴/奶粉:DEMO-MILK:300.00 \
    --coupon "$COUPON" --points 1000 --wallet 50 --at "$DAY0 20:00"
  "$RECUR" --db "$DB" order refund demo:CHECKOUT-1 --amount 300 --key demo:CHECKOUT-1-R1 \
    --at "$DAY0 21:00"
fi
echo "== tiers and points outstanding (等级分布与积分负债)"
"$RECUR" --db "$DB" points expire --as-of "$(date +%F)" --key "demo-expire-$(date +%F)"
"$RECUR" --db "$DB" wallet cashback expire --as-of "$(date +%F)" --key "demo-expire-$(date +%F)" \
  >/dev/null
"$RECUR" --db "$DB" tiers show
"$RECUR" --db "$DB" check
echo "== stored value owed (储值负债)"
"$RECUR" --db "$DB" wallet liability
echo "== the ledger over the data's last 12 months, rolled forward for finance (台账)"
FIRST=$(sqlite3 "$DB" "SELECT date('$DAY0', '-1 year', '+1 day')")
"$RECUR" --db "$DB" ledger summary --from "$FIRST" --to "$DAY0"
echo "== coupon templates: issued, used, cost (优惠券发放、核销与成本)"
"$RECUR" --db "$DB" coupon templates
echo "== the points mall: stock left (积分商城库存)"
"$RECUR" --db "$DB" mall list
echo "== every member's tags and predictions (会员画像与预测)"
"$RECUR" --db "$DB" compute
echo "== repurchase KPIs, last 30 days and by month of the last quarter (复购指标)"
"$RECUR" --db "$DB" kpi
"$RECUR" --db "$DB" kpi --from 2025-10-01 --to 2025-12-31 --by month
echo "== how right the churn risk is: scored on 2025-09-30, checked on the next 90 days (流失回测)"
"$RECUR" --db "$DB" backtest churn --cutoff 2025-09-30 --horizon-days 90 | head -4
echo "== a segment: dormant, valuable, mother-and-baby buyers we may text (人群圈选)"
"$RECUR" --db "$DB" segment count "lifecycle = 'dormant' and clv_12m >= 500 and '母婴' in top_categories and consent.sms"
echo "== a member known by several identities across channels (跨渠道会员)"
ID=$(sqlite3 "$DB" "SELECT survivor_id FROM merges WHERE undone_at IS NULL ORDER BY merge_id LIMIT 1")
if [ -n "$ID" ]; then "$RECUR" --db "$DB" member show "$ID"; fi
echo
echo "Try: $RECUR --db $DB member show $ID --explain"
