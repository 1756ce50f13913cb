// Migration 7 rebuilds loyalty_orders and loyalty_order_lines WITHOUT ROWID and narrows
// loyalty_lots_open_expiry to points lots: a store that applied orders before it keeps every
// row and value, and the expiry sweep still finds its lots through the index. The store stops
// at migration 9: migration 10 folds the lines into the orders (order_posting_migration_test).

#include <gtest/gtest.h>

#include "migration_util.h"
#include "store/database.h"
#include "store/migrations.h"
#include "test_util.h"

namespace recur::store {
namespace {

using recur::testing::count;
using recur::testing::TempDir;
using testing::apply_migrations;
using testing::open_before;

TEST(LoyaltyCompactMigration, KeepsEveryOrderLineAndLot) {
  TempDir dir;
  auto db = open_before(dir, 7);
  ASSERT_TRUE(db->exec(R"SQL(
INSERT INTO loyalty_orders (order_key, order_pk, member_id, paid_at, paid_day, amount_fen, points,
  growth, tier, multipliers, refunded_fen, points_clawed, growth_clawed, program_version,
  applied_at) VALUES
  ('pos:A1', 11, 7, 1700000000, 19675, 12345, 123, 123, 'normal', '1/yuan', 0, 0, 0, 1, 1700000100),
  ('mall:M2', NULL, 8, 1700000500, 19675, 5000, 50, 50, 'silver', '1/yuan; tier silver ×1.2',
   2000, 20, 20, 1, 1700000600);
INSERT INTO loyalty_order_lines (order_key, line_no, member_id, amount_fen, points, growth,
  refunded_fen, points_clawed, growth_clawed) VALUES
  ('pos:A1', 1, 7, 10000, 100, 100, 0, 0, 0), ('pos:A1', 2, 7, 2345, 23, 23, 0, 0, 0),
  ('mall:M2', 1, 8, 5000, 50, 50, 2000, 20, 20);
INSERT INTO loyalty_lots (member_id, account, earned, remaining, earned_at, usable_from,
  expires_at, entry_id, order_key, origin_member) VALUES
  (7, 'points', 123, 123, 1700000000, 1700600000, 1767196800, 1, 'pos:A1', 7),
  (7, 'growth', 123, 123, 1700000000, 1700000000, NULL, 2, 'pos:A1', 7);
)SQL")
                  .ok());
  apply_migrations(*db, 7, 9);  // migration 10 moves the lines (order_posting_migration_test)
  EXPECT_EQ(schema_version(*db).value(), 9);

  // Every row, every value: 2 orders, 3 lines; sums written out from the rows above.
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM loyalty_orders"), 2);
  EXPECT_EQ(count(*db,
                  "SELECT SUM(amount_fen + points + growth + refunded_fen + points_clawed + "
                  "growth_clawed + program_version) FROM loyalty_orders"),
            // 12345 + 123 + 123 + 1  +  5000 + 50 + 50 + 2000 + 20 + 20 + 1
            12592 + 7141);
  EXPECT_EQ(count(*db, "SELECT order_pk FROM loyalty_orders WHERE order_key = 'pos:A1'"), 11);
  EXPECT_EQ(count(*db,
                  "SELECT COUNT(*) FROM loyalty_orders WHERE order_key = 'mall:M2' AND "
                  "order_pk IS NULL AND multipliers = '1/yuan; tier silver ×1.2' AND "
                  "tier = 'silver' AND paid_at = 1700000500 AND applied_at = 1700000600"),
            1);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM loyalty_order_lines"), 3);
  // 10000 + 100 + 100  +  2345 + 23 + 23  +  5000 + 50 + 50 + 2000 + 20 + 20
  EXPECT_EQ(count(*db,
                  "SELECT SUM(amount_fen + points + growth + refunded_fen + points_clawed + "
                  "growth_clawed) FROM loyalty_order_lines"),
            10200 + 2391 + 7140);
  EXPECT_EQ(count(*db,
                  "SELECT member_id FROM loyalty_order_lines WHERE order_key = 'pos:A1' AND "
                  "line_no = 2"),
            7);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM loyalty_lots"), 2);

  // The keys still refuse duplicates.
  EXPECT_FALSE(db->exec("INSERT INTO loyalty_order_lines (order_key, line_no, member_id, "
                        "amount_fen, points, growth) VALUES ('pos:A1', 1, 7, 1, 1, 1)")
                   .ok());
  EXPECT_FALSE(db->exec("INSERT INTO loyalty_orders (order_key, order_pk, member_id, paid_at, "
                        "paid_day, amount_fen, points, growth, tier, program_version, applied_at) "
                        "VALUES ('pos:B9', 11, 7, 0, 0, 0, 0, 0, 'normal', 1, 0)")
                   .ok());

  // The expiry sweep's query reads the narrowed index.
  auto plan = db->prepare(
      "EXPLAIN QUERY PLAN SELECT lot_id, member_id, remaining, expires_at FROM loyalty_lots "
      "WHERE remaining > 0 AND expires_at <= ? AND account = 'points' "
      "ORDER BY member_id, expires_at, lot_id");
  ASSERT_TRUE(plan.ok());
  std::string detail;
  while (plan->step().value_or(false)) detail += std::string(plan->column_text(3)) + "\n";
  EXPECT_NE(detail.find("loyalty_lots_open_expiry"), std::string::npos) << detail;
}

}  // namespace
}  // namespace recur::store
