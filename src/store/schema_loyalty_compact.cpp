// Migration 7: fewer B-trees written per applied order, the same rows (see docs/benchmarks.md,
// "Loyalty"). An applied order writes its loyalty_orders row, one loyalty_order_lines row per
// line, two entries and two lots; each table and index is a B-tree insert.
//  - loyalty_order_lines and loyalty_orders are keyed by their primary key alone (WITHOUT ROWID,
//    as order_lines already is): one B-tree per row instead of the table plus its key's index.
//  - loyalty_lots_open_expiry only holds points lots: growth lots never expire, and the expiry
//    sweep and recur check only ask for points.
// The tables are copied, not changed, so existing stores keep every row.

#include "store/migrations.h"

namespace recur::store {

const char* loyalty_compact_sql() {
  return R"SQL(
CREATE TABLE loyalty_order_lines_v7 (
  order_key     TEXT NOT NULL,
  line_no       INTEGER NOT NULL,
  member_id     INTEGER NOT NULL,
  amount_fen    INTEGER NOT NULL,
  points        INTEGER NOT NULL,
  growth        INTEGER NOT NULL,
  refunded_fen  INTEGER NOT NULL DEFAULT 0,
  points_clawed INTEGER NOT NULL DEFAULT 0,
  growth_clawed INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (order_key, line_no)
) WITHOUT ROWID;
INSERT INTO loyalty_order_lines_v7 (order_key, line_no, member_id, amount_fen, points, growth,
                                    refunded_fen, points_clawed, growth_clawed)
  SELECT order_key, line_no, member_id, amount_fen, points, growth, refunded_fen, points_clawed,
         growth_clawed FROM loyalty_order_lines;
DROP TABLE loyalty_order_lines;
ALTER TABLE loyalty_order_lines_v7 RENAME TO loyalty_order_lines;

CREATE TABLE loyalty_orders_v7 (
  order_key     TEXT NOT NULL PRIMARY KEY,  -- "source:order_id"
  order_pk      INTEGER UNIQUE,             -- orders.order_pk when the order is in the store
  member_id     INTEGER NOT NULL,
  paid_at       INTEGER NOT NULL,
  paid_day      INTEGER NOT NULL,
  amount_fen    INTEGER NOT NULL,
  points        INTEGER NOT NULL,
  growth        INTEGER NOT NULL,
  tier          TEXT NOT NULL,              -- tier when paid (its multiplier applied)
  multipliers   TEXT,                       -- how the points were computed
  refunded_fen  INTEGER NOT NULL DEFAULT 0,
  points_clawed INTEGER NOT NULL DEFAULT 0,
  growth_clawed INTEGER NOT NULL DEFAULT 0,
  program_version INTEGER NOT NULL,
  applied_at    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO loyalty_orders_v7 (order_key, order_pk, member_id, paid_at, paid_day, amount_fen,
                               points, growth, tier, multipliers, refunded_fen, points_clawed,
                               growth_clawed, program_version, applied_at)
  SELECT order_key, order_pk, member_id, paid_at, paid_day, amount_fen, points, growth, tier,
         multipliers, refunded_fen, points_clawed, growth_clawed, program_version, applied_at
  FROM loyalty_orders;
DROP TABLE loyalty_orders;
ALTER TABLE loyalty_orders_v7 RENAME TO loyalty_orders;
CREATE INDEX loyalty_orders_member_day ON loyalty_orders (member_id, paid_day);

DROP INDEX loyalty_lots_open_expiry;
CREATE INDEX loyalty_lots_open_expiry ON loyalty_lots (expires_at)
  WHERE remaining > 0 AND account = 'points';
)SQL";
}

}  // namespace recur::store
