// Migration 14: a coupon used at checkout is recorded on the order's row (docs/benchmarks.md,
// "Round seven"). Its ledger entry — account 'coupon', cause 'use', amount −1 — was a row of
// loyalty_entries_other with its member index: two more B-tree pages per commit for every order
// checked out with a coupon. Now it is three columns of the order's loyalty_orders row, which
// is written anyway:
//  - coupon_id, coupon_fen (the discount) and coupon_after (the holder's coupon balance after
//    the use: the entry's balance_after); NULL for an order without a coupon;
//  - the entry's id is entry_id + 2 (an order with a coupon takes three ids: loyalty/ledger.h,
//    kNextEntryIdSql), its member the order's member_id (the coupon's holder: checkout checks
//    they are one), its time the order's paid_at, and it has no idem_key (the settlement's row
//    makes the use happen once, as the order's key does for the order's own entries);
//  - the loyalty_entries view gains a branch that reads them, so readers are unchanged. A reader
//    by member finds them through loyalty_orders_member_day.
//  - loyalty_accounts.coupons is the member's coupon balance (the last coupon entry's
//    balance_after: the unused coupons held), kept by every coupon entry's writer, so that
//    writing the next entry reads one row it would read anyway instead of finding the last
//    entry in two tables.
// Coupons used at checkout before this migration keep their entries in loyalty_entries_other.

#include "store/migrations.h"

namespace recur::store {

const char* order_coupon_sql() {
  return R"SQL(
ALTER TABLE loyalty_orders ADD COLUMN coupon_id INTEGER;
ALTER TABLE loyalty_orders ADD COLUMN coupon_fen INTEGER;
ALTER TABLE loyalty_orders ADD COLUMN coupon_after INTEGER;
DROP VIEW loyalty_entries;
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
  FROM loyalty_orders WHERE growth > 0 AND growth_after IS NOT NULL
  UNION ALL
  SELECT entry_id + 2, member_id, 'coupon', 'use', -1, coupon_after, 'coupon:' || coupon_id,
         NULL, paid_at, program_version,
         printf('%s ¥%d.%02d off', order_key, coupon_fen / 100, coupon_fen % 100)
  FROM loyalty_orders WHERE coupon_id IS NOT NULL;
ALTER TABLE loyalty_accounts ADD COLUMN coupons INTEGER NOT NULL DEFAULT 0;
UPDATE loyalty_accounts SET coupons = COALESCE((SELECT e.balance_after FROM loyalty_entries_other e
  WHERE e.member_id = loyalty_accounts.member_id AND e.account = 'coupon'
  ORDER BY e.entry_id DESC LIMIT 1), 0);
)SQL";
}

}  // namespace recur::store
