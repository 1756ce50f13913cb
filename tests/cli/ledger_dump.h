#pragma once
// What a store holds of members, identities, orders and the loyalty ledger, as text that two
// stores can be compared by: `recur order stream` and `recur import` must leave the same.

#include <gtest/gtest.h>

#include <string>

#include "store/database.h"
#include "test_util.h"

namespace recur::testing {

// Every row of `sql`, one per line, its columns joined by "|".
inline std::string rows(store::Database& db, const std::string& sql) {
  return dump(db, sql);  // "a|b\n" per row
}

// What the store holds of members, orders and the loyalty ledger, without bookkeeping times.
inline std::string ledger_dump(const std::string& path) {
  auto db = store::Database::open(path);
  EXPECT_TRUE(db.ok());
  store::Database& d = **db;
  return rows(d,
              "SELECT printf('member %d merged_into %s', member_id, merged_into) FROM members "
              "ORDER BY member_id") +
         rows(d,
              "SELECT printf('identity %s:%s -> %d', kind, value, member_id) FROM identities "
              "ORDER BY kind, value") +
         rows(d,
              "SELECT printf('order %s:%s member %d ref %s day %d paid %d', source, order_id, "
              "member_id, member_ref, paid_day, paid_fen) FROM orders ORDER BY order_pk") +
         rows(d,
              "SELECT printf('line %d/%d %s %s %d %d %d %d', order_pk, line_no, sku, category, "
              "qty, unit_price_fen, discount_fen, amount_fen) FROM order_lines "
              "ORDER BY order_pk, line_no") +
         rows(d,
              "SELECT printf('refund %s:%s order %d line %s member %d %d', source, refund_id, "
              "order_pk, line_no, member_id, amount_fen) FROM refunds ORDER BY refund_pk") +
         rows(d,
              "SELECT printf('account %d points %d debt %d growth %d tier %s since %d', "
              "member_id, points, points_debt, growth, tier, tier_since) "
              "FROM loyalty_accounts ORDER BY member_id") +
         rows(d,
              "SELECT printf('entry %d %d %s %s %d -> %d ref %s at %d', entry_id, member_id, "
              "account, cause, amount, balance_after, reference, at) FROM loyalty_entries "
              "ORDER BY entry_id") +
         rows(d,
              "SELECT printf('lot %d %d %s %d left %d at %d usable %d expires %s order %s', "
              "lot_id, member_id, account, earned, remaining, earned_at, usable_from, "
              "expires_at, order_key) FROM loyalty_lots ORDER BY lot_id") +
         rows(d,
              "SELECT printf('applied %s pk %s member %d points %d growth %d tier %s "
              "refunded %d clawed %d/%d', order_key, order_pk, member_id, points, growth, "
              "tier, refunded_fen, points_clawed, growth_clawed) FROM loyalty_orders "
              "ORDER BY order_key") +
         rows(d,
              "SELECT printf('applied refund %s pk %s %s member %d %d clawed %d/%d', "
              "refund_key, refund_pk, order_key, member_id, amount_fen, points_clawed, "
              "growth_clawed) FROM loyalty_refunds ORDER BY refund_key") +
         rows(d,
              "SELECT printf('settlement refund %s pk %s', refund_key, refund_pk) "
              "FROM loyalty_settlement_refunds ORDER BY refund_key") +
         rows(d,
              "SELECT printf('tier %d %s -> %s at %d %s %s', member_id, from_tier, to_tier, at, "
              "reason, reference) FROM loyalty_tier_changes ORDER BY change_id");
}

}  // namespace recur::testing
