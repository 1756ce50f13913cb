// Migration 15: fewer B-trees per wallet write (docs/benchmarks.md, "Round eight"). Before it, a
// checkout with the shipped program's 2% cashback wrote 29 WAL pages per commit, 15 of them for
// the cashback: its entry (table, key and member indexes), its lot (table and four indexes), the
// order's cashback record (table, key index, member index), its wallet_operations row (table and
// key index) and the balance. Now:
//  - wallet_operations, wallet_cashback_orders, wallet_spends and wallet_topups are WITHOUT ROWID
//    tables keyed by their text key: one B-tree each instead of a table and its key's index.
//  - wallet_lots_topup holds only the top-ups' lots (a cashback lot has no top-up), and
//    wallet_lots_open_expiry only open cashback lots (principal and bonus never expire; only the
//    expiry sweep asks for it).
// A checkout's cashback no longer writes a wallet_operations row either (code, not schema): the
// settlement's row is what makes the checkout happen once, as it already was for its coupon.
// Every row is kept; nothing is renumbered.

#include "store/migrations.h"

namespace recur::store {

const char* wallet_compact_sql() {
  return R"SQL(
CREATE TABLE wallet_operations_v15 (
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
) WITHOUT ROWID;
INSERT INTO wallet_operations_v15 SELECT op_key, kind, member_id, at, order_key, amount_fen,
  principal, bonus, cashback, paid_out_fen, deducted_fen, after_principal, after_bonus,
  after_cashback, lots, members, detail FROM wallet_operations;
DROP TABLE wallet_operations;
ALTER TABLE wallet_operations_v15 RENAME TO wallet_operations;

CREATE TABLE wallet_cashback_orders_v15 (
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
) WITHOUT ROWID;
INSERT INTO wallet_cashback_orders_v15 SELECT c.order_key, c.member_id, c.at, c.net_paid_fen,
  c.eligible_fen, c.earned_fen, c.refunded_fen, c.clawed_fen, c.deducted_fen, c.forgiven_fen
  FROM wallet_cashback_orders c;
DROP TABLE wallet_cashback_orders;
ALTER TABLE wallet_cashback_orders_v15 RENAME TO wallet_cashback_orders;
CREATE INDEX wallet_cashback_orders_member ON wallet_cashback_orders (member_id);

CREATE TABLE wallet_spends_v15 (
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
) WITHOUT ROWID;
INSERT INTO wallet_spends_v15 SELECT order_key, member_id, at, amount_fen, principal_fen,
  bonus_fen, cashback_fen, refunded_fen, refunded_principal, refunded_bonus, refunded_cashback
  FROM wallet_spends;
DROP TABLE wallet_spends;
ALTER TABLE wallet_spends_v15 RENAME TO wallet_spends;
CREATE INDEX wallet_spends_member ON wallet_spends (member_id);

CREATE TABLE wallet_topups_v15 (
  topup_key     TEXT PRIMARY KEY,
  member_id     INTEGER NOT NULL,
  at            INTEGER NOT NULL,
  paid_fen      INTEGER NOT NULL,        -- principal paid in
  bonus_fen     INTEGER NOT NULL,        -- bonus granted with it
  withdrawn_fen INTEGER NOT NULL DEFAULT 0,  -- principal taken out by withdrawals
  paid_out_fen  INTEGER NOT NULL DEFAULT 0,  -- of which handed back to the member
  deducted_fen  INTEGER NOT NULL DEFAULT 0,  -- of which kept for bonus already spent
  forfeited_fen INTEGER NOT NULL DEFAULT 0   -- bonus forfeited by withdrawals
) WITHOUT ROWID;
INSERT INTO wallet_topups_v15 SELECT topup_key, member_id, at, paid_fen, bonus_fen,
  withdrawn_fen, paid_out_fen, deducted_fen, forfeited_fen FROM wallet_topups;
DROP TABLE wallet_topups;
ALTER TABLE wallet_topups_v15 RENAME TO wallet_topups;
CREATE INDEX wallet_topups_member ON wallet_topups (member_id, at);

DROP INDEX wallet_lots_topup;
CREATE INDEX wallet_lots_topup ON wallet_lots (topup_key) WHERE topup_key IS NOT NULL;
DROP INDEX wallet_lots_open_expiry;
CREATE INDEX wallet_lots_open_expiry ON wallet_lots (expires_at)
  WHERE remaining > 0 AND account = 'cashback';
)SQL";
}

}  // namespace recur::store
