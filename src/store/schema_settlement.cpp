// Migration 8: settlement — what paid for each order checked out through recur (coupon, points,
// stored value, cash) per line, and what each refund gave back (see loyalty/settlement.h).

#include "store/migrations.h"

namespace recur::store {

const char* settlement_schema_sql() {
  return R"SQL(
CREATE TABLE loyalty_settlements (
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
  returned_cash_fen   INTEGER NOT NULL DEFAULT 0  -- before deductions
);
CREATE INDEX loyalty_settlements_member ON loyalty_settlements (member_id);

CREATE TABLE loyalty_settlement_lines (
  order_key          TEXT NOT NULL,
  line_no            INTEGER NOT NULL,
  member_id          INTEGER NOT NULL,
  goods_fen          INTEGER NOT NULL,
  coupon_fen         INTEGER NOT NULL,     -- the line's share of the coupon
  points             INTEGER NOT NULL,     -- the line's share of the redeemed points
  points_fen         INTEGER NOT NULL,
  paid_fen           INTEGER NOT NULL,     -- stored value + cash: what earned
  refunded_goods_fen INTEGER NOT NULL DEFAULT 0,
  returned_points    INTEGER NOT NULL DEFAULT 0,
  refunded_paid_fen  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (order_key, line_no)
);

CREATE TABLE loyalty_settlement_refunds (
  refund_key      TEXT PRIMARY KEY,
  refund_pk       INTEGER UNIQUE,         -- refunds.refund_pk once the store has the row
  order_key       TEXT NOT NULL,
  member_id       INTEGER NOT NULL,
  at              INTEGER NOT NULL,
  goods_fen       INTEGER NOT NULL,
  points_returned INTEGER NOT NULL,
  wallet_fen      INTEGER NOT NULL,
  cash_fen        INTEGER NOT NULL,       -- handed back, after deducted_fen
  deducted_fen    INTEGER NOT NULL,       -- kept back from the cash for spent points, cashback
  uncovered_fen   INTEGER NOT NULL,       -- what the cash was too small to keep back
  points_clawed   INTEGER NOT NULL,
  growth_clawed   INTEGER NOT NULL,
  cashback_clawed INTEGER NOT NULL,
  coupon_returned INTEGER NOT NULL,
  full            INTEGER NOT NULL
);
CREATE INDEX loyalty_settlement_refunds_order ON loyalty_settlement_refunds (order_key);
)SQL";
}

}  // namespace recur::store
