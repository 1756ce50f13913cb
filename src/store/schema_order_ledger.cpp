// Migration 11: an applied order is one row (docs/benchmarks.md, "Round six"). Before it, an
// order wrote its loyalty_orders row, a points and a growth entry and a points and a growth lot:
// five rows in three tables and about a dozen B-tree inserts. Now the order's row is also its
// entries and its lots:
//  - loyalty_orders is keyed by entry_id, the id of the order's points entry and points lot;
//    entry_id + 1 is its growth entry and growth lot. Entry ids come from one sequence over
//    loyalty_entries_other and loyalty_orders (loyalty/ledger.h, kNextEntryIdSql), so entries
//    still sort by id in the order they were written, and a lot's id is the id of the entry that
//    created it.
//  - points_after and growth_after are the entries' balance_after; points_remaining,
//    growth_remaining, usable_from and points_expires_at are the lots' state.
//  - member_id is the member that earned the order (the entries', never changes); holder is the
//    member its lots belong to when a merge moved them (NULL: member_id). The lots view reads
//    both, and each is indexed only where it is set.
//  - The other entries and lots (tasks, redemptions, refunds, merges, wallet and coupon entries)
//    stay in tables renamed loyalty_entries_other and loyalty_lots_other. loyalty_entries and
//    loyalty_lots become views of both, so readers are unchanged; a writer must name the table.
// Orders applied before this migration keep their entries and lots where they are: their rows
// get fresh ids after every existing entry and lot and points_after NULL ("not this row's"), and
// points_lot/growth_lot still name their lots. Nothing is renumbered.

#include "store/migrations.h"

namespace recur::store {

const char* order_ledger_sql() {
  return R"SQL(
DROP VIEW loyalty_order_lines;
ALTER TABLE loyalty_entries RENAME TO loyalty_entries_other;
ALTER TABLE loyalty_lots RENAME TO loyalty_lots_other;

CREATE TABLE loyalty_orders_v11 (
  entry_id      INTEGER PRIMARY KEY,        -- points entry and lot; entry_id + 1: growth's
  order_key     TEXT NOT NULL,              -- "source:order_id"
  order_pk      INTEGER,                    -- orders.order_pk when the order is in the store
  member_id     INTEGER NOT NULL,           -- the member that earned it
  holder        INTEGER,                    -- the member its lots moved to; NULL: member_id
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
  points_after  INTEGER,                    -- the points entry's balance_after; NULL: before v11
  growth_after  INTEGER,                    -- the growth entry's balance_after
  points_remaining INTEGER NOT NULL DEFAULT 0,
  growth_remaining INTEGER NOT NULL DEFAULT 0,
  usable_from   INTEGER,                    -- the points lot's; its growth lot's is paid_at
  points_expires_at INTEGER,                -- NULL: never
  points_lot    INTEGER,                    -- before v11: the lots in loyalty_lots_other
  growth_lot    INTEGER
);
INSERT INTO loyalty_orders_v11 (entry_id, order_key, order_pk, member_id, paid_at, paid_day,
                                amount_fen, points, growth, tier, multipliers, refunded_fen,
                                points_clawed, growth_clawed, program_version, applied_at, lines,
                                points_lot, growth_lot)
  SELECT (SELECT MAX(COALESCE((SELECT MAX(entry_id) FROM loyalty_entries_other), 0),
                     COALESCE((SELECT MAX(lot_id) FROM loyalty_lots_other), 0)))
           + 2 * ROW_NUMBER() OVER (ORDER BY o.applied_at, o.order_key),
         o.order_key, o.order_pk, o.member_id, o.paid_at, o.paid_day, o.amount_fen, o.points,
         o.growth, o.tier, o.multipliers, o.refunded_fen, o.points_clawed, o.growth_clawed,
         o.program_version, o.applied_at, o.lines, o.points_lot, o.growth_lot
  FROM loyalty_orders o;
DROP TABLE loyalty_orders;
ALTER TABLE loyalty_orders_v11 RENAME TO loyalty_orders;
CREATE UNIQUE INDEX loyalty_orders_key ON loyalty_orders (order_key);
CREATE INDEX loyalty_orders_member_day ON loyalty_orders (member_id, paid_day);
CREATE INDEX loyalty_orders_holder ON loyalty_orders (holder) WHERE holder IS NOT NULL;
CREATE INDEX loyalty_orders_open_expiry ON loyalty_orders (points_expires_at)
  WHERE points_remaining > 0;

CREATE VIEW loyalty_order_lines AS
  SELECT o.order_key, j.value ->> 0 AS line_no, o.member_id, j.value ->> 1 AS amount_fen,
         j.value ->> 2 AS points, j.value ->> 3 AS growth, j.value ->> 4 AS refunded_fen,
         j.value ->> 5 AS points_clawed, j.value ->> 6 AS growth_clawed
  FROM loyalty_orders o, json_each(o.lines) j;

-- Every entry: the other entries, then each order's points and growth entries.
CREATE VIEW loyalty_entries AS
  SELECT entry_id, member_id, account, cause, amount, balance_after, reference, idem_key, at,
         program_version, note FROM loyalty_entries_other
  UNION ALL
  SELECT entry_id, member_id, 'points', 'order', points, points_after, 'order:' || order_key,
         NULL, paid_at, program_version, NULL
  FROM loyalty_orders WHERE points > 0 AND points_after IS NOT NULL
  UNION ALL
  SELECT entry_id + 1, member_id, 'growth', 'order', growth, growth_after,
         'order:' || order_key, NULL, paid_at, program_version, NULL
  FROM loyalty_orders WHERE growth > 0 AND growth_after IS NOT NULL;

-- Every lot: the other lots, then each order's points and growth lots, by holder (member_id
-- when no merge moved them: one branch each way, so each reads its own index).
CREATE VIEW loyalty_lots AS
  SELECT lot_id, member_id, account, earned, remaining, earned_at, usable_from, expires_at,
         entry_id, order_key, origin_member FROM loyalty_lots_other
  UNION ALL
  SELECT entry_id, member_id, 'points', points, points_remaining, paid_at, usable_from,
         points_expires_at, entry_id, order_key, member_id
  FROM loyalty_orders WHERE holder IS NULL AND points > 0 AND points_after IS NOT NULL
  UNION ALL
  SELECT entry_id, holder, 'points', points, points_remaining, paid_at, usable_from,
         points_expires_at, entry_id, order_key, member_id
  FROM loyalty_orders WHERE holder IS NOT NULL AND points > 0 AND points_after IS NOT NULL
  UNION ALL
  SELECT entry_id + 1, member_id, 'growth', growth, growth_remaining, paid_at, paid_at, NULL,
         entry_id + 1, order_key, member_id
  FROM loyalty_orders WHERE holder IS NULL AND growth > 0 AND growth_after IS NOT NULL
  UNION ALL
  SELECT entry_id + 1, holder, 'growth', growth, growth_remaining, paid_at, paid_at, NULL,
         entry_id + 1, order_key, member_id
  FROM loyalty_orders WHERE holder IS NOT NULL AND growth > 0 AND growth_after IS NOT NULL;
)SQL";
}

}  // namespace recur::store
