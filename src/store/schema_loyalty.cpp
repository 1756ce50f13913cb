// Migration 3: the loyalty program, its ledger, lots and tiers (see docs/loyalty.md).
// Migration 7 (schema_loyalty_compact.cpp) rebuilds loyalty_orders and loyalty_order_lines
// WITHOUT ROWID and narrows loyalty_lots_open_expiry to points lots; the columns are the same.
//
// Invariants the ledger keeps (recur check proves them):
//  1. loyalty_entries is append-only. For each (member_id, account) the running sum of amount
//     in entry_id order equals balance_after, and the last balance_after equals the balance in
//     loyalty_accounts (points, growth).
//  2. For each lot 0 <= remaining <= earned, and remaining = earned - SUM(loyalty_lot_usage).
//  3. Points: SUM(remaining of points lots) - points_debt = points. Growth: SUM(remaining of
//     growth lots) = growth. points_debt > 0 only while no points lot has anything left.
//  4. Every write to entries, lots and balances happens in one transaction with the change it
//     records; idem_key makes each entry happen at most once.
// Entry accounts: 'points', 'growth' (next: 'stored_principal', 'stored_bonus', 'cashback',
// 'coupon'). Causes: order, refund, task, redemption, exchange, adjustment, expiry, merge,
// unmerge.

#include "store/migrations.h"

namespace recur::store {

const char* loyalty_schema_sql() {
  return R"SQL(
-- Every version of the program file ever loaded; the highest version is in force.
CREATE TABLE loyalty_programs (
  version     INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  digest      TEXT NOT NULL,          -- FNV-1a 64 of the source text
  source      TEXT NOT NULL,          -- the YAML as loaded
  loaded_from TEXT,
  loaded_at   INTEGER NOT NULL
);

-- Balances, kept in the same transaction as the entries that explain them.
CREATE TABLE loyalty_accounts (
  member_id        INTEGER PRIMARY KEY,
  points           INTEGER NOT NULL DEFAULT 0,   -- SUM(points entries); < 0 only with debt
  points_debt      INTEGER NOT NULL DEFAULT 0,   -- points owed, repaid by the next earnings
  growth           INTEGER NOT NULL DEFAULT 0,   -- SUM(growth entries)
  tier             TEXT NOT NULL,                -- tier key
  tier_since       INTEGER NOT NULL,
  grace_until_day  INTEGER,                      -- rolling: downgrade on this day unless kept
  period_start_day INTEGER,                      -- periodic: first day of the current period
  evaluated_day    INTEGER,                      -- last day tiers evaluate ran for this member
  updated_at       INTEGER NOT NULL
);

CREATE TABLE loyalty_entries (
  entry_id        INTEGER PRIMARY KEY,
  member_id       INTEGER NOT NULL,
  account         TEXT NOT NULL,
  cause           TEXT NOT NULL,
  amount          INTEGER NOT NULL,
  balance_after   INTEGER NOT NULL,
  reference       TEXT,
  idem_key        TEXT NOT NULL UNIQUE,
  at              INTEGER NOT NULL,
  program_version INTEGER,
  note            TEXT
);
CREATE INDEX loyalty_entries_member ON loyalty_entries (member_id, account, entry_id);

-- What an earning left to spend. Growth lots never expire; they date growth for windows.
CREATE TABLE loyalty_lots (
  lot_id        INTEGER PRIMARY KEY,
  member_id     INTEGER NOT NULL,
  account       TEXT NOT NULL,
  earned        INTEGER NOT NULL,
  remaining     INTEGER NOT NULL,
  earned_at     INTEGER NOT NULL,
  usable_from   INTEGER NOT NULL,
  expires_at    INTEGER,                -- NULL: never; gone from this instant on
  entry_id      INTEGER NOT NULL,       -- the entry that created it
  order_key     TEXT,                   -- the order that earned it
  origin_member INTEGER NOT NULL        -- the member that earned it
);
CREATE INDEX loyalty_lots_member ON loyalty_lots (member_id, account, expires_at);
CREATE INDEX loyalty_lots_order ON loyalty_lots (order_key);
CREATE INDEX loyalty_lots_open_expiry ON loyalty_lots (expires_at) WHERE remaining > 0;

-- Each decrement of a lot (spend, clawback, expiry, debt repayment) and the entry it belongs to.
CREATE TABLE loyalty_lot_usage (
  entry_id  INTEGER NOT NULL,
  lot_id    INTEGER NOT NULL,
  member_id INTEGER NOT NULL,
  amount    INTEGER NOT NULL,
  PRIMARY KEY (entry_id, lot_id)
);
CREATE INDEX loyalty_lot_usage_lot ON loyalty_lot_usage (lot_id);

-- Orders the program has applied, what they earned and what refunds took back.
CREATE TABLE loyalty_orders (
  order_key     TEXT PRIMARY KEY,       -- "source:order_id"
  order_pk      INTEGER UNIQUE,         -- orders.order_pk when the order is in the store
  member_id     INTEGER NOT NULL,
  paid_at       INTEGER NOT NULL,
  paid_day      INTEGER NOT NULL,
  amount_fen    INTEGER NOT NULL,
  points        INTEGER NOT NULL,
  growth        INTEGER NOT NULL,
  tier          TEXT NOT NULL,          -- tier when paid (its multiplier applied)
  multipliers   TEXT,                   -- how the points were computed
  refunded_fen  INTEGER NOT NULL DEFAULT 0,
  points_clawed INTEGER NOT NULL DEFAULT 0,
  growth_clawed INTEGER NOT NULL DEFAULT 0,
  program_version INTEGER NOT NULL,
  applied_at    INTEGER NOT NULL
);
CREATE INDEX loyalty_orders_member_day ON loyalty_orders (member_id, paid_day);

CREATE TABLE loyalty_order_lines (
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
);

CREATE TABLE loyalty_refunds (
  refund_key     TEXT PRIMARY KEY,      -- "source:refund_id"
  refund_pk      INTEGER UNIQUE,
  order_key      TEXT NOT NULL,
  member_id      INTEGER NOT NULL,
  at             INTEGER NOT NULL,
  amount_fen     INTEGER NOT NULL,
  points_clawed  INTEGER NOT NULL,      -- taken from the member's points
  points_debt    INTEGER NOT NULL,      -- of which owed (negative balance policy)
  points_settled INTEGER NOT NULL,      -- already spent, paid for from the refund instead
  deducted_fen   INTEGER NOT NULL,      -- kept back from the refund for points_settled
  growth_clawed  INTEGER NOT NULL,
  applied_at     INTEGER NOT NULL
);
CREATE INDEX loyalty_refunds_order ON loyalty_refunds (order_key);

-- Other mutations by idempotency key (adjustments, redemptions, tasks, expiry and tier runs):
-- a replay returns the first result.
CREATE TABLE loyalty_operations (
  op_key    TEXT PRIMARY KEY,
  kind      TEXT NOT NULL,
  member_id INTEGER NOT NULL,
  at        INTEGER NOT NULL,
  points    INTEGER NOT NULL DEFAULT 0,
  growth    INTEGER NOT NULL DEFAULT 0,
  money_fen INTEGER NOT NULL DEFAULT 0,
  detail    TEXT
);

CREATE TABLE loyalty_tasks (
  op_key    TEXT PRIMARY KEY,
  member_id INTEGER NOT NULL,
  task      TEXT NOT NULL,
  day       INTEGER NOT NULL,
  streak    INTEGER NOT NULL DEFAULT 0,
  at        INTEGER NOT NULL
);
CREATE INDEX loyalty_tasks_member ON loyalty_tasks (member_id, task, day);

CREATE TABLE loyalty_tier_changes (
  change_id INTEGER PRIMARY KEY,
  member_id INTEGER NOT NULL,
  from_tier TEXT NOT NULL,
  to_tier   TEXT NOT NULL,
  at        INTEGER NOT NULL,
  reason    TEXT NOT NULL,              -- upgrade, downgrade, requalify, refund, merge, unmerge
  reference TEXT
);
CREATE INDEX loyalty_tier_changes_member ON loyalty_tier_changes (member_id, at);

-- What each member merge moved, so unmerge can give it back.
CREATE TABLE loyalty_merges (
  merge_id        INTEGER PRIMARY KEY,
  survivor_id     INTEGER NOT NULL,
  merged_id       INTEGER NOT NULL,
  points          INTEGER NOT NULL,
  points_debt     INTEGER NOT NULL,
  growth          INTEGER NOT NULL,
  survivor_tier   TEXT,
  merged_tier     TEXT,
  at              INTEGER NOT NULL,
  undone_at       INTEGER,
  returned_points INTEGER,
  returned_growth INTEGER,
  returned_lots   INTEGER
);

CREATE TABLE loyalty_merge_lots (
  merge_id  INTEGER NOT NULL,
  direction TEXT NOT NULL,              -- 'merge' (to the survivor) or 'unmerge' (back)
  lot_id    INTEGER NOT NULL,
  account   TEXT NOT NULL,
  remaining INTEGER NOT NULL,           -- what the lot held when it moved
  PRIMARY KEY (merge_id, direction, lot_id)
);
)SQL";
}

}  // namespace recur::store
