// Migration 4: coupons (优惠券) and the points mall (积分商城) — see docs/loyalty.md.
//
// Invariants (recur check proves them, loyalty/coupon_check.cpp):
//  1. Each coupon row moves issued → locked → used, or to expired / revoked; a released lock
//     goes back to issued, and a full refund may give a used coupon back (issued again).
//  2. Every change of a coupon's state writes an append-only loyalty_entries row in the same
//     transaction: account 'coupon', reference 'coupon:ID', amount +1 (issue, release of a
//     refund, merge in), −1 (use, expire, revoke, merge out) or 0 (lock, release). The coupon
//     balance of a member (running sum) is the number of unused coupons (issued or locked) they
//     hold; per coupon the entries sum to 1 while unused, else 0.
//  3. Coupons of a template that are not revoked never exceed its stock.
//  4. mall_stock.remaining = initial − active exchanges of the item.
//  5. Every operation carries an idempotency key (coupons.issue_key, coupon_operations.op_key,
//     mall_exchanges.exchange_key / cancel_key): a replay returns the first result.

#include "store/migrations.h"

namespace recur::store {

const char* coupons_schema_sql() {
  return R"SQL(
CREATE TABLE coupons (
  coupon_id       INTEGER PRIMARY KEY,
  template        TEXT NOT NULL,
  member_id       INTEGER NOT NULL,         -- the holder (the survivor while merged)
  origin_member   INTEGER NOT NULL,         -- the member it was issued to
  state           TEXT NOT NULL,            -- issued, locked, used, expired, revoked
  issue_key       TEXT NOT NULL UNIQUE,
  source          TEXT NOT NULL,            -- operator, monthly, birthday, mall
  source_ref      TEXT,
  issued_at       INTEGER NOT NULL,
  valid_from      INTEGER NOT NULL,
  valid_until     INTEGER NOT NULL,         -- exclusive: gone from this instant on
  budget_fen      INTEGER NOT NULL,         -- budgeted merchant cost at issue
  order_key       TEXT,                     -- the order it is locked to or was used on
  locked_at       INTEGER,
  used_at         INTEGER,
  discount_fen    INTEGER,                  -- actual merchant cost at use
  closed_at       INTEGER,                  -- expired or revoked
  reason          TEXT,                     -- revoke reason
  program_version INTEGER NOT NULL
);
CREATE INDEX coupons_member ON coupons (member_id, template, state);
CREATE INDEX coupons_template ON coupons (template, state);
CREATE INDEX coupons_order ON coupons (order_key);
CREATE INDEX coupons_open_until ON coupons (valid_until) WHERE state = 'issued';

-- Lock, use, release, revoke, refund and the sweeps by idempotency key.
CREATE TABLE coupon_operations (
  op_key       TEXT PRIMARY KEY,
  kind         TEXT NOT NULL,               -- lock, use, release, revoke, refund, expire, monthly, birthday
  coupon_id    INTEGER NOT NULL DEFAULT 0,  -- 0 for refunds and runs
  member_id    INTEGER NOT NULL DEFAULT 0,
  at           INTEGER NOT NULL,
  discount_fen INTEGER NOT NULL DEFAULT 0,  -- use: the discount
  base_fen     INTEGER NOT NULL DEFAULT 0,  -- use: the in-scope amount it was computed on
  coupons      INTEGER NOT NULL DEFAULT 0,  -- runs: coupons expired or issued; refund: returned
  members      INTEGER NOT NULL DEFAULT 0,  -- runs: members touched
  skipped      INTEGER NOT NULL DEFAULT 0,  -- runs: grants refused by stock or limits; refund: kept used
  points       INTEGER NOT NULL DEFAULT 0,  -- birthday: points granted
  detail       TEXT                         -- the order, the reason, or the run's day or month
);

-- The coupons each member merge moved to the survivor, so unmerge can give them back.
CREATE TABLE coupon_merge_moves (
  merge_id  INTEGER NOT NULL,
  coupon_id INTEGER NOT NULL,
  PRIMARY KEY (merge_id, coupon_id)
);

CREATE TABLE mall_stock (
  item      TEXT PRIMARY KEY,
  initial   INTEGER NOT NULL,                -- the item's stock when first exchanged
  remaining INTEGER NOT NULL
);

CREATE TABLE mall_exchanges (
  exchange_id   INTEGER PRIMARY KEY,
  exchange_key  TEXT NOT NULL UNIQUE,
  item          TEXT NOT NULL,
  member_id     INTEGER NOT NULL,
  points        INTEGER NOT NULL,
  cash_fen      INTEGER NOT NULL,
  entry_id      INTEGER NOT NULL,            -- the points debit
  coupon_id     INTEGER,                     -- the coupon it issued
  state         TEXT NOT NULL,               -- active, cancelled
  at            INTEGER NOT NULL,
  cancel_key    TEXT UNIQUE,
  cancelled_at  INTEGER,
  program_version INTEGER NOT NULL
);
CREATE INDEX mall_exchanges_member ON mall_exchanges (member_id, item, state);
)SQL";
}

}  // namespace recur::store
