// Migration 12 folds each checked-out order's settlement lines into its loyalty_settlements row
// (a JSON array, read back as rows through the loyalty_settlement_lines view) and drops the
// coupons' order index: a store that checked out orders before it keeps every value.

#include <gtest/gtest.h>

#include "migration_util.h"
#include "store/database.h"
#include "store/migrations.h"
#include "test_util.h"

namespace recur::store {
namespace {

using recur::testing::count;
using recur::testing::TempDir;

TEST(SettlementRowMigration, KeepsEverySettlementAndLine) {
  TempDir dir;
  auto db = testing::open_before(dir, 12);
  ASSERT_TRUE(db->exec(R"SQL(
INSERT INTO loyalty_settlements (order_key, member_id, at, goods_fen, coupon_id, coupon_fen,
  points, points_fen, wallet_fen, cash_fen, earned_points, earned_growth, cashback_fen, tier,
  returned_wallet_fen, returned_cash_fen) VALUES
  ('pos:S1', 7, 1700000000, 20000, 3, 1000, 5000, 5000, 10000, 4000, 140, 140, 280, 'silver',
   2500, 1000),
  ('pos:S2', 8, 1700000500, 999, NULL, 0, 0, 0, 0, 999, 9, 9, 0, 'normal', 0, 0);
-- Written out of line order: the migration orders them.
INSERT INTO loyalty_settlement_lines (order_key, line_no, member_id, goods_fen, coupon_fen,
  points, points_fen, paid_fen, refunded_goods_fen, returned_points, refunded_paid_fen) VALUES
  ('pos:S1', 2, 7, 10000, 500, 2500, 2500, 7000, 5000, 1250, 3500),
  ('pos:S1', 1, 7, 10000, 500, 2500, 2500, 7000, 0, 0, 0),
  ('pos:S2', 1, 8, 999, 0, 0, 0, 999, 0, 0, 0);
)SQL")
                  .ok());
  testing::apply_migrations(*db, 12, 12);
  EXPECT_EQ(schema_version(*db).value(), 12);

  EXPECT_EQ(recur::testing::dump(*db,
                                 "SELECT order_key, lines FROM loyalty_settlements "
                                 "ORDER BY 1"),
            "pos:S1|[[1,10000,500,2500,2500,7000,0,0,0],[2,10000,500,2500,2500,7000,5000,1250,"
            "3500]]\n"
            "pos:S2|[[1,999,0,0,0,999,0,0,0]]\n");
  // The view gives the old table's rows back, every column.
  EXPECT_EQ(recur::testing::dump(*db,
                                 "SELECT order_key, line_no, member_id, goods_fen, coupon_fen, "
                                 "points, points_fen, paid_fen, refunded_goods_fen, "
                                 "returned_points, refunded_paid_fen FROM loyalty_settlement_lines "
                                 "ORDER BY order_key, line_no"),
            "pos:S1|1|7|10000|500|2500|2500|7000|0|0|0\n"
            "pos:S1|2|7|10000|500|2500|2500|7000|5000|1250|3500\n"
            "pos:S2|1|8|999|0|0|0|999|0|0|0\n");
  EXPECT_EQ(recur::testing::dump(*db,
                                 "SELECT order_key, member_id, at, goods_fen, coupon_id, "
                                 "coupon_fen, points, points_fen, wallet_fen, cash_fen, "
                                 "earned_points, earned_growth, cashback_fen, tier, "
                                 "returned_wallet_fen, returned_cash_fen FROM loyalty_settlements "
                                 "ORDER BY 1"),
            "pos:S1|7|1700000000|20000|3|1000|5000|5000|10000|4000|140|140|280|silver|2500|1000\n"
            "pos:S2|8|1700000500|999|NULL|0|0|0|0|999|9|9|0|normal|0|0\n");
  EXPECT_EQ(count(*db,
                  "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('coupons_order', "
                  "'loyalty_settlements_member')"),
            0);
  EXPECT_EQ(count(*db,
                  "SELECT COUNT(*) FROM sqlite_master WHERE name = "
                  "'coupon_operations_use_order'"),
            1);
}

}  // namespace
}  // namespace recur::store
