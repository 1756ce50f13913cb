// Migration 5: stored value (储值) and cashback (消费金返利) — see docs/loyalty.md.
//
// The wallet's entries are rows of loyalty_entries (one ledger, one idempotency-key space) in the
// accounts 'stored_principal', 'stored_bonus' and 'cashback', with causes topup, spend, refund,
// withdraw, cashback, expiry, merge, unmerge, adjustment. Invariants (recur check proves them):
//  1. For each member and wallet account, wallet_accounts holds SUM(entries) and the running sum
//     of the entries equals balance_after; no balance or balance_after is ever negative.
//  2. For each wallet lot 0 <= remaining <= earned and remaining = earned - SUM(usage); a usage
//     row is positive when it takes from the lot and negative when a refund gives back.
//  3. SUM(remaining of the member's lots) equals the balance of each account.
//  4. A spend's refunds never return more than it took, in total or per account.

#include "store/migrations.h"

namespace recur::store {

const char* wallet_schema_sql() {
  return R"SQL(
-- Balances in fen, kept in the same transaction as the entries that explain them.
CREATE TABLE wallet_accounts (
  member_id  INTEGER PRIMARY KEY,
  principal  INTEGER NOT NULL DEFAULT 0,  -- the member's own money (本金)
  bonus      INTEGER NOT NULL DEFAULT 0,  -- top-up bonus (赠送金)
  cashback   INTEGER NOT NULL DEFAULT 0,  -- cashback (消费金), expired lots included until swept
  updated_at INTEGER NOT NULL
);

-- What each credit left to spend: one principal and one bonus lot per top-up, one cashback lot
-- per order that earned it.
CREATE TABLE wallet_lots (
  lot_id        INTEGER PRIMARY KEY,
  member_id     INTEGER NOT NULL,
  account       TEXT NOT NULL,           -- stored_principal, stored_bonus, cashback
  earned        INTEGER NOT NULL,
  remaining     INTEGER NOT NULL,
  earned_at     INTEGER NOT NULL,
  expires_at    INTEGER,                 -- NULL: never; gone from this instant on
  entry_id      INTEGER NOT NULL,
  topup_key     TEXT,                    -- the top-up that paid it in
  order_key     TEXT,                    -- the order that earned it (cashback)
  origin_member INTEGER NOT NULL
);
CREATE INDEX wallet_lots_member ON wallet_lots (member_id, account, expires_at);
CREATE INDEX wallet_lots_topup ON wallet_lots (topup_key);
CREATE INDEX wallet_lots_order ON wallet_lots (order_key);
CREATE INDEX wallet_lots_open_expiry ON wallet_lots (expires_at) WHERE remaining > 0;

-- Each change of a lot: > 0 taken (spend, withdraw, expiry, clawback), < 0 given back (refund).
CREATE TABLE wallet_lot_usage (
  usage_id  INTEGER PRIMARY KEY,
  entry_id  INTEGER NOT NULL,
  lot_id    INTEGER NOT NULL,
  member_id INTEGER NOT NULL,
  amount    INTEGER NOT NULL,
  cause     TEXT NOT NULL,            -- spend, refund, withdraw, expiry, clawback, adjustment
  order_key TEXT                         -- the spend it belongs to
);
CREATE INDEX wallet_lot_usage_lot ON wallet_lot_usage (lot_id);
CREATE INDEX wallet_lot_usage_order ON wallet_lot_usage (order_key);

CREATE TABLE wallet_topups (
  topup_key     TEXT PRIMARY KEY,
  member_id     INTEGER NOT NULL,
  at            INTEGER NOT NULL,
  paid_fen      INTEGER NOT NULL,        -- principal paid in
  bonus_fen     INTEGER NOT NULL,        -- bonus granted with it
  withdrawn_fen INTEGER NOT NULL DEFAULT 0,  -- principal taken out by withdrawals
  paid_out_fen  INTEGER NOT NULL DEFAULT 0,  -- of which handed back to the member
  deducted_fen  INTEGER NOT NULL DEFAULT 0,  -- of which kept for bonus already spent
  forfeited_fen INTEGER NOT NULL DEFAULT 0   -- bonus forfeited by withdrawals
);
CREATE INDEX wallet_topups_member ON wallet_topups (member_id, at);

-- Orders paid with stored value, the split, and what refunds gave back.
CREATE TABLE wallet_spends (
  order_key          TEXT PRIMARY KEY,
  member_id          INTEGER NOT NULL,
  at                 INTEGER NOT NULL,
  amount_fen         INTEGER NOT NULL,
  principal_fen      INTEGER NOT NULL,
  bonus_fen          INTEGER NOT NULL,
  cashback_fen       INTEGER NOT NULL,
  refunded_fen       INTEGER NOT NULL DEFAULT 0,
  refunded_principal INTEGER NOT NULL DEFAULT 0,
  refunded_bonus     INTEGER NOT NULL DEFAULT 0,
  refunded_cashback  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX wallet_spends_member ON wallet_spends (member_id);

-- Orders that earned cashback and what refunds took back.
CREATE TABLE wallet_cashback_orders (
  order_key     TEXT PRIMARY KEY,
  member_id     INTEGER NOT NULL,
  at            INTEGER NOT NULL,
  net_paid_fen  INTEGER NOT NULL,
  eligible_fen  INTEGER NOT NULL,
  earned_fen    INTEGER NOT NULL,
  refunded_fen  INTEGER NOT NULL DEFAULT 0,
  clawed_fen    INTEGER NOT NULL DEFAULT 0,  -- owed back by refunds: taken + deducted + forgiven
  deducted_fen  INTEGER NOT NULL DEFAULT 0,  -- kept back from refunds (cashback already spent)
  forgiven_fen  INTEGER NOT NULL DEFAULT 0   -- had expired unused: nothing to take back
);
CREATE INDEX wallet_cashback_orders_member ON wallet_cashback_orders (member_id);

-- Every wallet operation by idempotency key, with its first result for replays.
CREATE TABLE wallet_operations (
  op_key        TEXT PRIMARY KEY,          -- kind:key
  kind          TEXT NOT NULL,
  member_id     INTEGER NOT NULL,
  at            INTEGER NOT NULL,
  order_key     TEXT,
  amount_fen    INTEGER NOT NULL DEFAULT 0,
  principal     INTEGER NOT NULL DEFAULT 0,  -- signed change of each account
  bonus         INTEGER NOT NULL DEFAULT 0,
  cashback      INTEGER NOT NULL DEFAULT 0,
  paid_out_fen  INTEGER NOT NULL DEFAULT 0,
  deducted_fen  INTEGER NOT NULL DEFAULT 0,
  after_principal INTEGER NOT NULL DEFAULT 0,
  after_bonus     INTEGER NOT NULL DEFAULT 0,
  after_cashback  INTEGER NOT NULL DEFAULT 0,
  lots          INTEGER NOT NULL DEFAULT 0,
  members       INTEGER NOT NULL DEFAULT 0,
  detail        TEXT
);

-- What each member merge moved, so unmerge can give it back.
CREATE TABLE wallet_merges (
  merge_id           INTEGER PRIMARY KEY,
  survivor_id        INTEGER NOT NULL,
  merged_id          INTEGER NOT NULL,
  principal          INTEGER NOT NULL,
  bonus              INTEGER NOT NULL,
  cashback           INTEGER NOT NULL,
  at                 INTEGER NOT NULL,
  undone_at          INTEGER,
  returned_principal INTEGER,
  returned_bonus     INTEGER,
  returned_cashback  INTEGER
);

CREATE TABLE wallet_merge_lots (
  merge_id  INTEGER NOT NULL,
  direction TEXT NOT NULL,                 -- 'merge' or 'unmerge'
  lot_id    INTEGER NOT NULL,
  account   TEXT NOT NULL,
  remaining INTEGER NOT NULL,
  PRIMARY KEY (merge_id, direction, lot_id)
);
)SQL";
}

}  // namespace recur::store
