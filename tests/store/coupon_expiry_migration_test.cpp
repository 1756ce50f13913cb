// Migration 16: the expiry sweep reads a full valid_until index above a floor. The floor starts
// under the earliest issued coupon's valid_until, and the sweep's query reads the new index by
// range. (What lowers and raises the floor is the coupon book's: the coupon_expiry_floor
// scenario in tests/loyalty.)

#include <gtest/gtest.h>

#include <string>

#include "migration_util.h"
#include "store/database.h"
#include "store/migrations.h"
#include "test_util.h"

namespace recur::store {
namespace {

using recur::testing::TempDir;

std::string floor_of(Database& db) {
  return recur::testing::dump(db, "SELECT value FROM settings WHERE key = 'coupon_expiry_floor'");
}

void add_coupon(Database& db, int id, const char* state, int valid_until) {
  ASSERT_TRUE(db.exec("INSERT INTO coupons (coupon_id, template, member_id, origin_member, state, "
                      "issue_key, source, issued_at, valid_from, valid_until, budget_fen, "
                      "program_version) VALUES (" +
                      std::to_string(id) + ", 't', 1, 1, '" + state + "', 'k" + std::to_string(id) +
                      "', 'operator', 0, 0, " + std::to_string(valid_until) + ", 500, 1)")
                  .ok());
}

TEST(CouponExpiryMigration, StartsTheFloorUnderTheEarliestIssuedCoupon) {
  TempDir dir;
  auto db = testing::open_before(dir, 16);
  add_coupon(*db, 1, "used", 300);
  add_coupon(*db, 2, "expired", 400);
  add_coupon(*db, 3, "issued", 2000);
  add_coupon(*db, 4, "locked", 500);
  add_coupon(*db, 5, "issued", 1000);
  testing::apply_migrations(*db, 16, 16);
  EXPECT_EQ(floor_of(*db), "999\n");
  EXPECT_EQ(recur::testing::dump(*db,
                                 "SELECT name FROM sqlite_schema WHERE type = 'index' AND "
                                 "tbl_name = 'coupons' AND name LIKE 'coupons_%' ORDER BY name"),
            "coupons_member\ncoupons_until\n");
  const std::string plan = recur::testing::dump(
      *db,
      "EXPLAIN QUERY PLAN SELECT coupon_id, member_id FROM coupons WHERE valid_until > 999 AND "
      "valid_until <= 5000 AND state = 'issued' ORDER BY member_id, coupon_id");
  EXPECT_NE(plan.find("coupons_until (valid_until>? AND valid_until<?)"), std::string::npos)
      << plan;

  // No issued coupon is at or under the floor.
  EXPECT_EQ(recur::testing::dump(*db,
                                 "SELECT COUNT(*) FROM coupons WHERE state = 'issued' AND "
                                 "valid_until <= (SELECT CAST(value AS INTEGER) FROM settings "
                                 "WHERE key = 'coupon_expiry_floor')"),
            "0\n");
}

TEST(CouponExpiryMigration, AStoreWithoutIssuedCouponsStartsAtZero) {
  TempDir dir;
  auto db = testing::open_before(dir, 16);
  add_coupon(*db, 1, "used", 300);
  testing::apply_migrations(*db, 16, 16);
  EXPECT_EQ(floor_of(*db), "0\n");
}

}  // namespace
}  // namespace recur::store
