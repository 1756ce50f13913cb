// Migration 12: a checked-out order's settlement is one row (docs/benchmarks.md, "Round seven").
// Before it, checking out an order with a coupon wrote the settlement's row, its order-key and
// member indexes, a row per line with its key index, and a coupon_operations row: about seven
// B-tree pages per commit on top of the order's. Now:
//  - loyalty_settlements is a WITHOUT ROWID table keyed by order_key (one B-tree, not a table
//    and its key index). Its member index goes: nothing looked settlements up by member.
//  - Its lines are a column (`lines`, loyalty/settlement_lines.h): a JSON array of
//    [line_no, goods_fen, coupon_fen, points, points_fen, paid_fen, refunded_goods_fen,
//     returned_points, refunded_paid_fen]. loyalty_settlement_lines becomes a view of them.
//  - coupons_order goes: a refund finds the coupon a checkout used through its settlement's
//    coupon_id, and those used through `recur coupon use` through their coupon_operations row
//    (a partial index on the order, which only such uses pay for). Nothing else looked coupons
//    up by order.
// A checkout's coupon use no longer writes a coupon_operations row either (code, not schema):
// the settlement row is what makes the checkout idempotent.

#include "store/migrations.h"

namespace recur::store {

const char* settlement_row_sql() {
  return R"SQL(
CREATE TABLE loyalty_settlements_v12 (
  order_key           TEXT PRIMARY KEY,     -- "source:order_id"
  member_id           INTEGER NOT NULL,     -- who paid
  at                  INTEGER NOT NULL,
  goods_fen           INTEGER NOT NULL,     -- sum of the lines
  coupon_id           INTEGER,
  coupon_fen          INTEGER NOT NULL,
  points              INTEGER NOT NULL,     -- redeemed
  points_fen          INTEGER NOT NULL,     -- what they paid
  wallet_fen          INTEGER NOT NULL,     -- paid from stored value
  cash_fen            INTEGER NOT NULL,     -- paid outside recur
  earned_points       INTEGER NOT NULL,
  earned_growth       INTEGER NOT NULL,
  cashback_fen        INTEGER NOT NULL,
  tier                TEXT NOT NULL,        -- the member's tier after the order
  returned_wallet_fen INTEGER NOT NULL DEFAULT 0,
  returned_cash_fen   INTEGER NOT NULL DEFAULT 0,  -- before deductions
  lines               TEXT NOT NULL         -- JSON: the tenders per line (see above)
) WITHOUT ROWID;
INSERT INTO loyalty_settlements_v12 (order_key, member_id, at, goods_fen, coupon_id, coupon_fen,
    points, points_fen, wallet_fen, cash_fen, earned_points, earned_growth, cashback_fen, tier,
    returned_wallet_fen, returned_cash_fen, lines)
  SELECT s.order_key, s.member_id, s.at, s.goods_fen, s.coupon_id, s.coupon_fen, s.points,
         s.points_fen, s.wallet_fen, s.cash_fen, s.earned_points, s.earned_growth,
         s.cashback_fen, s.tier, s.returned_wallet_fen, s.returned_cash_fen,
         (SELECT json_group_array(json_array(l.line_no, l.goods_fen, l.coupon_fen, l.points,
                 l.points_fen, l.paid_fen, l.refunded_goods_fen, l.returned_points,
                 l.refunded_paid_fen))
          FROM (SELECT * FROM loyalty_settlement_lines WHERE order_key = s.order_key
                ORDER BY line_no) l)
  FROM loyalty_settlements s;
DROP TABLE loyalty_settlement_lines;
DROP TABLE loyalty_settlements;
ALTER TABLE loyalty_settlements_v12 RENAME TO loyalty_settlements;
CREATE VIEW loyalty_settlement_lines AS
  SELECT s.order_key, j.value ->> 0 AS line_no, s.member_id, j.value ->> 1 AS goods_fen,
         j.value ->> 2 AS coupon_fen, j.value ->> 3 AS points, j.value ->> 4 AS points_fen,
         j.value ->> 5 AS paid_fen, j.value ->> 6 AS refunded_goods_fen,
         j.value ->> 7 AS returned_points, j.value ->> 8 AS refunded_paid_fen
  FROM loyalty_settlements s, json_each(s.lines) j;
DROP INDEX coupons_order;
CREATE INDEX coupon_operations_use_order ON coupon_operations (detail) WHERE kind = 'use';
)SQL";
}

}  // namespace recur::store
