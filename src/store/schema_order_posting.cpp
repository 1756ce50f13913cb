// Migration 10: an applied order posts with fewer B-tree writes (docs/benchmarks.md, "Round
// four"). Before it, an order wrote its loyalty_orders row and three indexes' entries, one
// loyalty_order_lines row per line, two entries with two index entries each beside the table,
// and two lots with three index entries each: about 20 B-tree inserts for a three-line order.
//  - The lines move into loyalty_orders.lines, a JSON array of
//    [line_no, amount_fen, points, growth, refunded_fen, points_clawed, growth_clawed]
//    (loyalty/order_lines.h); loyalty_order_lines becomes a view of them, for reading.
//  - loyalty_orders.order_pk is no longer UNIQUE (nothing looked orders up by it once the
//    pending query and unmerge join on the key); points_lot and growth_lot name the lots the
//    order created, so loyalty_lots_order (lots by order key) goes.
//  - An order's own entries carry no idempotency key: the loyalty_orders primary key already
//    makes an order post once, in the same transaction. The key's uniqueness becomes a partial
//    index over the entries that have one.
// The tables are copied, so existing stores keep every row and value.

#include "store/migrations.h"

namespace recur::store {

const char* order_posting_sql() {
  return R"SQL(
CREATE TABLE loyalty_orders_v10 (
  order_key     TEXT NOT NULL PRIMARY KEY,  -- "source:order_id"
  order_pk      INTEGER,                    -- orders.order_pk when the order is in the store
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
  applied_at    INTEGER NOT NULL,
  lines         TEXT NOT NULL DEFAULT '[]', -- loyalty/order_lines.h
  points_lot    INTEGER,                    -- the points lot the order created, if any
  growth_lot    INTEGER                     -- the growth lot the order created, if any
) WITHOUT ROWID;
INSERT INTO loyalty_orders_v10 (order_key, order_pk, member_id, paid_at, paid_day, amount_fen,
                                points, growth, tier, multipliers, refunded_fen, points_clawed,
                                growth_clawed, program_version, applied_at, lines, points_lot,
                                growth_lot)
  SELECT o.order_key, o.order_pk, o.member_id, o.paid_at, o.paid_day, o.amount_fen, o.points,
         o.growth, o.tier, o.multipliers, o.refunded_fen, o.points_clawed, o.growth_clawed,
         o.program_version, o.applied_at,
         COALESCE((SELECT json_group_array(json(x.line)) FROM
                    (SELECT json_array(l.line_no, l.amount_fen, l.points, l.growth,
                                       l.refunded_fen, l.points_clawed, l.growth_clawed) AS line
                     FROM loyalty_order_lines l WHERE l.order_key = o.order_key
                     ORDER BY l.line_no) x), '[]'),
         (SELECT MIN(t.lot_id) FROM loyalty_lots t JOIN loyalty_entries e ON e.entry_id = t.entry_id
          WHERE t.order_key = o.order_key AND t.account = 'points' AND e.cause = 'order'),
         (SELECT MIN(t.lot_id) FROM loyalty_lots t JOIN loyalty_entries e ON e.entry_id = t.entry_id
          WHERE t.order_key = o.order_key AND t.account = 'growth' AND e.cause = 'order')
  FROM loyalty_orders o;
DROP TABLE loyalty_orders;
ALTER TABLE loyalty_orders_v10 RENAME TO loyalty_orders;
CREATE INDEX loyalty_orders_member_day ON loyalty_orders (member_id, paid_day);
DROP TABLE loyalty_order_lines;
DROP INDEX loyalty_lots_order;
-- The lines as rows again, for reading (recur check, an operator's sqlite3).
CREATE VIEW loyalty_order_lines AS
  SELECT o.order_key, j.value ->> 0 AS line_no, o.member_id, j.value ->> 1 AS amount_fen,
         j.value ->> 2 AS points, j.value ->> 3 AS growth, j.value ->> 4 AS refunded_fen,
         j.value ->> 5 AS points_clawed, j.value ->> 6 AS growth_clawed
  FROM loyalty_orders o, json_each(o.lines) j;

CREATE TABLE loyalty_entries_v10 (
  entry_id        INTEGER PRIMARY KEY,
  member_id       INTEGER NOT NULL,
  account         TEXT NOT NULL,
  cause           TEXT NOT NULL,
  amount          INTEGER NOT NULL,
  balance_after   INTEGER NOT NULL,
  reference       TEXT,
  idem_key        TEXT,                 -- NULL: the row the entry explains makes it unique
  at              INTEGER NOT NULL,
  program_version INTEGER,
  note            TEXT
);
INSERT INTO loyalty_entries_v10 (entry_id, member_id, account, cause, amount, balance_after,
                                 reference, idem_key, at, program_version, note)
  SELECT entry_id, member_id, account, cause, amount, balance_after, reference,
         CASE WHEN cause = 'order' AND account IN ('points', 'growth') THEN NULL ELSE idem_key END,
         at, program_version, note
  FROM loyalty_entries;
DROP TABLE loyalty_entries;
ALTER TABLE loyalty_entries_v10 RENAME TO loyalty_entries;
CREATE INDEX loyalty_entries_member ON loyalty_entries (member_id, account, entry_id);
CREATE UNIQUE INDEX loyalty_entries_key ON loyalty_entries (idem_key) WHERE idem_key IS NOT NULL;
)SQL";
}

}  // namespace recur::store
