// Migration 14 gives loyalty_orders the columns of a coupon used at checkout and the
// loyalty_entries view a branch that reads them as the coupon's 'use' entry (id entry_id + 2,
// no key), and each account its coupon balance. Entries written before it, a legacy checkout's
// coupon entry among them, read back unchanged; an order without a coupon adds no entry.

#include <gtest/gtest.h>

#include "migration_util.h"
#include "store/database.h"
#include "store/migrations.h"
#include "test_util.h"

namespace recur::store {
namespace {

using recur::testing::TempDir;

constexpr const char* kEntries =
    "SELECT entry_id, member_id, account, cause, amount, balance_after, reference, "
    "COALESCE(idem_key, '-'), at, program_version, COALESCE(note, '-') FROM loyalty_entries "
    "ORDER BY entry_id";

TEST(OrderCouponMigration, AddsTheCouponBranchAndKeepsEveryEntry) {
  TempDir dir;
  auto db = testing::open_before(dir, 14);
  ASSERT_TRUE(db->exec(R"SQL(
INSERT INTO loyalty_entries_other (entry_id, member_id, account, cause, amount, balance_after,
  reference, idem_key, at, program_version, note) VALUES
  (1, 7, 'coupon', 'issue', 1, 1, 'coupon:3', 'coupon-issue:k1', 1700000000, 1, NULL),
  (4, 7, 'coupon', 'use', -1, 0, 'coupon:3', 'coupon-use:settle:pos:S1', 1700000500, 1,
   'pos:S1 ¥5.00 off'),
  (8, 8, 'coupon', 'issue', 1, 1, 'coupon:4', 'coupon-issue:k2', 1700000700, 1, NULL),
  (9, 8, 'coupon', 'issue', 1, 2, 'coupon:5', 'coupon-issue:k3', 1700000800, 1, NULL);
INSERT INTO loyalty_accounts (member_id, tier, tier_since, updated_at) VALUES
  (7, 'normal', 1700000000, 1700000000), (8, 'normal', 1700000000, 1700000000),
  (9, 'normal', 1700000000, 1700000000);
INSERT INTO loyalty_orders (entry_id, order_key, member_id, paid_at, paid_day, amount_fen,
  points, growth, tier, multipliers, program_version, applied_at, lines, points_after,
  growth_after, points_remaining, growth_remaining, usable_from)
  VALUES (2, 'pos:S1', 7, 1700000500, 19675, 9500, 95, 95, 'normal', '1/yuan', 1, 1700000600,
          '[[1,9500,95,95,0,0,0]]', 95, 95, 95, 95, 1700000500);
)SQL")
                  .ok());
  const std::string before = recur::testing::dump(*db, kEntries);
  testing::apply_migrations(*db, 14, 14);
  EXPECT_EQ(schema_version(*db).value(), 14);
  EXPECT_EQ(recur::testing::dump(*db, kEntries), before);  // nothing added, nothing lost
  // Each account's coupon balance is its last coupon entry's (none: 0).
  EXPECT_EQ(recur::testing::dump(*db,
                                 "SELECT member_id, coupons FROM loyalty_accounts "
                                 "ORDER BY member_id"),
            "7|0\n8|2\n9|0\n");

  // An order checked out with a coupon after the migration: its row holds the use.
  ASSERT_TRUE(db->exec(R"SQL(
INSERT INTO loyalty_orders (entry_id, order_key, member_id, paid_at, paid_day, amount_fen,
  points, growth, tier, multipliers, program_version, applied_at, lines, points_after,
  growth_after, points_remaining, growth_remaining, usable_from, coupon_id, coupon_fen,
  coupon_after)
  VALUES (5, 'pos:S2', 7, 1700001000, 19675, 1205, 12, 12, 'normal', '1/yuan', 2, 1700001100,
          '[[1,1205,12,12,0,0,0]]', 107, 107, 12, 12, 1700001000, 9, 1005, 2);
)SQL")
                  .ok());
  EXPECT_EQ(recur::testing::dump(*db, std::string(kEntries) + " LIMIT 3 OFFSET 4"),
            "5|7|points|order|12|107|order:pos:S2|-|1700001000|2|-\n"
            "6|7|growth|order|12|107|order:pos:S2|-|1700001000|2|-\n"
            "7|7|coupon|use|-1|2|coupon:9|-|1700001000|2|pos:S2 ¥10.05 off\n");
}

}  // namespace
}  // namespace recur::store
