// Migration 9 adds coupon_template_stock, the count of coupons out per template that issuing
// checks a stock against: a store that issued coupons before it gets the counts of its coupons
// not revoked (used and expired ones count).

#include <gtest/gtest.h>

#include "migration_util.h"
#include "store/database.h"
#include "store/migrations.h"
#include "test_util.h"

namespace recur::store {
namespace {

using recur::testing::count;
using recur::testing::TempDir;

TEST(CouponStockMigration, CountsTheCouponsOutOfEachTemplate) {
  TempDir dir;
  auto db = testing::open_before(dir, 9);
  ASSERT_TRUE(db->exec("INSERT INTO members (member_id, created_at) VALUES (1, 0), (2, 0)").ok());
  int n = 0;
  for (const char* row : {"'a', 1, 'issued'", "'a', 2, 'used'", "'a', 1, 'revoked'",
                          "'a', 2, 'expired'", "'b', 1, 'revoked'", "'c', 2, 'locked'"}) {
    ASSERT_TRUE(db->exec(std::string("INSERT INTO coupons (template, member_id, state, "
                                     "origin_member, issue_key, source, issued_at, valid_from, "
                                     "valid_until, budget_fen, program_version) SELECT ") +
                         row + ", 1, 'k" + std::to_string(++n) +
                         "', 'operator', 0, 0, 86400, 500, 1")
                    .ok())
        << row;
  }
  ASSERT_TRUE(migrate(*db).ok());
  EXPECT_EQ(schema_version(*db).value(), schema_migrations().back().version);
  EXPECT_EQ(count(*db, "SELECT out FROM coupon_template_stock WHERE template = 'a'"), 3);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM coupon_template_stock WHERE template = 'b'"), 0);
  EXPECT_EQ(count(*db, "SELECT out FROM coupon_template_stock WHERE template = 'c'"), 1);
}

}  // namespace
}  // namespace recur::store
