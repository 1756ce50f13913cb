#!/usr/bin/env bash
# The loyalty part of `make demo`: runs the program's coupons, mall and stored value on an
# imported demo store, through the public recur commands, each with an idempotency key.
#
#   scripts/demo_loyalty.sh [RECUR] [DB]
#
# Which members do what is chosen with read-only SQL over the imported store: the same seed and
# size give the same members, amounts, days and keys. Every activity is dated inside the data's
# last month (the "business day" is the last day with an order, not today), so the result does
# not depend on when the demo runs. Running it again changes nothing: every command replays its
# key. Times are the demo merchant's (Asia/Shanghai, UTC+8, like the generated files).
#
# What it does, for the last data month M (and the month before, P):
#   - the tiers' monthly coupons for P and M (M: silver ×1, gold ×2, diamond ×2 + 4 free shipping);
#   - birthday points and coupons for members born on M-15;
#   - stored-value top-ups by 1 in 50 active members (member_id % 50 = 7), ¥100–2000, hitting the
#     bonus rules (充500送50, 充1000送120, gold/diamond 送150);
#   - half of them ((member_id / 400) odd) top up at the till and pay their latest order with
#     stored value; that order earns cashback; the first such payment is half refunded; the
#     other half earn cashback on an older order (100–180 days back), expired by the business day;
#   - 1 in 40 silver and gold members use a monthly coupon of M on an order that reaches its
#     threshold;
#   - the 8 members with the most usable order points exchange mall items; the last is cancelled;
#   - coupon and cashback expiry as of the business day.
set -euo pipefail
RECUR=${1:-build/recur}
DB=${2:-demo/recur.db}
R=("$RECUR" --db "$DB")
if [ ! -f "$DB" ]; then
  echo "no store $DB (数据库不存在): generate and import the demo data first (make demo)" >&2
  exit 1
fi

q() { sqlite3 -batch -noheader -separator ' ' "$DB" "$1"; }

# Keep one connection to the store open while the commands run, as a shop's server would. Then a
# command's exit is not the last close of the store, which checkpoints the WAL into the file and
# syncs it — half of the time of a short command. Nothing is held: no transaction stays open.
coproc HOLD { sqlite3 -batch "$DB" >/dev/null; }
HOLD_IN=${HOLD[1]}
echo "SELECT COUNT(*) FROM settings;" >&"$HOLD_IN"
trap 'eval "exec $HOLD_IN>&-"; wait' EXIT

# Runs one recur command quietly; on failure prints the command and its output, and stops.
call() {
  local out
  if ! out=$("${R[@]}" "$@" 2>&1); then
    echo "failed: recur $*" >&2
    echo "$out" >&2
    exit 1
  fi
}

LAST_DAY=$(q "SELECT MAX(paid_day) FROM orders")
if [ -z "$LAST_DAY" ]; then
  echo "no orders in $DB: import the demo data first" >&2
  exit 1
fi
DAY0=$(q "SELECT date($LAST_DAY * 86400, 'unixepoch')")
MONTH=${DAY0:0:7}
PREV=$(q "SELECT strftime('%Y-%m', '$MONTH-01', '-1 month')")
echo "   business day 营业日 $DAY0; month 月份 $MONTH"

# -- coupons: the tiers' monthly coupons, birthday gifts -------------------------------------
"${R[@]}" coupon monthly --month "$PREV" --at "$PREV-01 09:00:00"
"${R[@]}" coupon monthly --month "$MONTH" --at "$MONTH-01 09:00:00"
"${R[@]}" coupon birthday --day "$MONTH-15"

# -- stored value: top-ups, payments with their cashback, one refund --------------------------
# Active: a live member with a loyalty account and an order in the 180 days up to the business
# day. 1 in 50 of them top up. Half of those ((member_id / 400) odd) top up at the till ten
# minutes before their latest order and pay it with stored value (at most what they paid in);
# that order earns cashback. The others top up on a day of M.
TOPUPS="
  SELECT a.member_id,
         CASE (a.member_id / 50) % 8 WHEN 0 THEN 100 WHEN 1 THEN 200 WHEN 2 THEN 300
              WHEN 3 THEN 500 WHEN 4 THEN 800 WHEN 5 THEN 1000 WHEN 6 THEN 1000 ELSE 2000 END
           AS yuan,
         (a.member_id / 400) % 2 AS pays,
         (SELECT o.order_pk FROM orders o WHERE o.member_id = a.member_id
          ORDER BY o.paid_at DESC, o.order_pk DESC LIMIT 1) AS latest
  FROM loyalty_accounts a JOIN members m ON m.member_id = a.member_id
  WHERE m.merged_into IS NULL AND a.member_id % 50 = 7
    AND EXISTS (SELECT 1 FROM orders o WHERE o.member_id = a.member_id
                AND o.paid_day > $LAST_DAY - 180)"
local_time() { echo "datetime($1, 'unixepoch', '+8 hours')"; }
fen() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }
n=0 paying=0 first_order="" first_fen=0 refund_at=""
while read -r id yuan pays order paid channel pd pt td tt rd rt; do
  call wallet topup "$id" --amount "$yuan" --key "demo-topup-$MONTH-$id" --at "$td $tt"
  n=$((n + 1))
  [ "$pays" = 1 ] || continue
  spend=$((paid < yuan * 100 ? paid : yuan * 100))
  call wallet spend "$id" --amount "$(fen "$spend")" --order "$order" \
    --key "demo-spend-$order" --at "$pd $pt"
  call wallet cashback earn "$id" --order "$order" --net-paid "$(fen "$paid")" \
    --channel "$channel" --key "demo-cashback-$order" --at "$pd $pt"
  if [ -z "$first_order" ]; then first_order=$order first_fen=$spend refund_at="$rd $rt"; fi
  paying=$((paying + 1))
done < <(q "
  SELECT t.member_id, t.yuan, t.pays, o.source || ':' || o.order_id, o.paid_fen, o.channel,
         $(local_time o.paid_at),
         CASE t.pays WHEN 1 THEN $(local_time 'o.paid_at - 600')
           ELSE printf('%s-%02d 10:%02d:00', '$MONTH', 1 + t.member_id % 20, t.member_id % 60) END,
         $(local_time 'o.paid_at + 3 * 86400')
  FROM ($TOPUPS) t JOIN orders o ON o.order_pk = t.latest
  ORDER BY t.member_id")
echo "   top-ups 充值: $n members 会员; $paying paid an order with it 储值支付, earning cashback 返消费金"
# The first such order is half refunded three days later: the stored value goes back.
if [ -n "$first_order" ]; then
  "${R[@]}" wallet refund --order "$first_order" --amount "$(fen $((first_fen / 2)))" \
    --key "demo-refund-$first_order" --at "$refund_at"
fi

# The other top-up members earned cashback on an older order; it has expired by the business day.
OLD_CASHBACK="
  SELECT t.member_id, o.source || ':' || o.order_id, o.paid_fen, o.channel,
         datetime(o.paid_at, 'unixepoch', '+8 hours')
  FROM ($TOPUPS) t
  JOIN orders o ON o.order_pk = (
    SELECT o2.order_pk FROM orders o2 WHERE o2.member_id = t.member_id
      AND o2.paid_day BETWEEN $LAST_DAY - 180 AND $LAST_DAY - 100
    ORDER BY o2.paid_at DESC, o2.order_pk DESC LIMIT 1)
  WHERE (t.member_id / 400) % 2 = 0"
n=0
while read -r id order paid channel day time; do
  call wallet cashback earn "$id" --order "$order" --net-paid "$(fen "$paid")" \
    --channel "$channel" --key "demo-cashback-$order" --at "$day $time"
  n=$((n + 1))
done < <(q "$OLD_CASHBACK ORDER BY t.member_id")
echo "   older orders with cashback 历史返消费金: $n"

# -- coupons used on orders --------------------------------------------------------------------
# One in 40 silver and gold members with a coupon of M uses it on their first later order of M
# that reaches the threshold (¥99 silver, ¥199 gold).
USES="
  SELECT c.coupon_id, o.source || ':' || o.order_id
  FROM coupons c
  JOIN orders o ON o.order_pk = (
    SELECT o2.order_pk FROM orders o2 WHERE o2.member_id = c.member_id
      AND o2.paid_at >= c.valid_from AND o2.paid_at < c.valid_until
      AND o2.paid_fen >= CASE c.template WHEN 'silver_monthly_10_off_99' THEN 9900 ELSE 19900 END
    ORDER BY o2.paid_at, o2.order_pk LIMIT 1)
  WHERE c.coupon_id IN (
    SELECT MIN(coupon_id) FROM coupons
    WHERE source = 'monthly' AND source_ref = '$MONTH' AND member_id % 40 = 0
      AND template IN ('silver_monthly_10_off_99', 'gold_monthly_20_off_199')
    GROUP BY member_id)"
n=0
while read -r coupon order; do
  call coupon use "$coupon" --order "$order" --key "demo-use-$coupon"
  n=$((n + 1))
done < <(q "$USES ORDER BY c.coupon_id")
echo "   coupons used 用券: $n orders 订单"

# -- the points mall ---------------------------------------------------------------------------
# The 8 live members with the most points earned by orders and usable on M-20 (counted from the
# lots' earned amounts, which spending does not change, so a re-run picks the same members).
AT="$MONTH-20 12:00:00"
MALL="
  SELECT member_id FROM (
    SELECT l.member_id, SUM(l.earned) AS pts
    FROM loyalty_lots l JOIN members m ON m.member_id = l.member_id
    WHERE m.merged_into IS NULL AND l.account = 'points' AND l.order_key IS NOT NULL
      AND l.usable_from <= strftime('%s', '$AT', '-8 hours')
      AND (l.expires_at IS NULL OR l.expires_at > strftime('%s', '$AT', '-8 hours'))
    GROUP BY l.member_id HAVING pts >= 9000
    ORDER BY pts DESC, l.member_id LIMIT 8)
  ORDER BY member_id"
items=(thermos_cash wipes_pack coupon_5 coupon_5 wipes_pack coupon_5 coupon_5 coupon_5)
i=0 last_id=""
while read -r id; do
  out=$("${R[@]}" mall exchange "$id" "${items[$i]}" --key "demo-mall-$MONTH-$id" --at "$AT" \
    --json) || { echo "failed: recur mall exchange $id ${items[$i]}: $out" >&2; exit 1; }
  last_id=$(sed -n 's/.*"exchange_id":\([0-9]*\).*/\1/p' <<<"$out")
  i=$((i + 1))
done < <(q "$MALL")
echo "   mall exchanges 积分兑换: $i"
if [ -n "$last_id" ]; then
  "${R[@]}" mall cancel "$last_id" --key "demo-mall-cancel-$MONTH-$last_id" --at "$MONTH-21 12:00:00"
fi

# -- the daily sweeps, as of the business day ----------------------------------------------------
"${R[@]}" coupon expire --as-of "$DAY0" --key "demo-coupon-expire-$DAY0"
"${R[@]}" wallet cashback expire --as-of "$DAY0" --key "demo-cashback-expire-$DAY0"
