// Migration 10 folds each applied order's lines into its loyalty_orders row (a JSON array, read
// back as rows through the loyalty_order_lines view), names the lots the order created, and
// drops the idempotency keys of the orders' own entries: a store that applied orders before it
// keeps every value, and the keys other entries carry still refuse duplicates.

#include <gtest/gtest.h>

#include "migration_util.h"
#include "store/database.h"
#include "store/migrations.h"
#include "test_util.h"

namespace recur::store {
namespace {

using recur::testing::count;
using recur::testing::TempDir;

TEST(OrderPostingMigration, KeepsEveryLineLotAndKey) {
  TempDir dir;
  auto db = testing::open_before(dir, 10);
  ASSERT_TRUE(db->exec(R"SQL(
INSERT INTO loyalty_orders (order_key, order_pk, member_id, paid_at, paid_day, amount_fen, points,
  growth, tier, multipliers, refunded_fen, points_clawed, growth_clawed, program_version,
  applied_at) VALUES
  ('pos:A1', 11, 7, 1700000000, 19675, 12345, 123, 123, 'normal', '1/yuan', 2345, 23, 23, 1,
   1700000100),
  ('pos:Z0', NULL, 8, 1700000500, 19675, 0, 0, 0, 'normal', '1/yuan', 0, 0, 0, 1, 1700000600);
-- Written out of line order: the migration orders them.
INSERT INTO loyalty_order_lines (order_key, line_no, member_id, amount_fen, points, growth,
  refunded_fen, points_clawed, growth_clawed) VALUES
  ('pos:A1', 2, 7, 2345, 23, 23, 2345, 23, 23), ('pos:A1', 1, 7, 10000, 100, 100, 0, 0, 0);
INSERT INTO loyalty_entries (entry_id, member_id, account, cause, amount, balance_after,
  reference, idem_key, at, program_version) VALUES
  (1, 7, 'points', 'task', 5, 5, 'task:sign_in', 'task:1', 1699999000, 1),
  (2, 7, 'points', 'order', 123, 128, 'order:pos:A1', 'order:pos:A1:points', 1700000000, 1),
  (3, 7, 'growth', 'order', 123, 123, 'order:pos:A1', 'order:pos:A1:growth', 1700000000, 1),
  (4, 7, 'cashback', 'order', 50, 50, 'order:pos:A1', 'cashback:pos:A1', 1700000000, 1),
  (5, 7, 'points', 'refund', -23, 105, 'refund:pos:R1', 'refund:pos:R1:points', 1700000900, 1);
INSERT INTO loyalty_lots (lot_id, member_id, account, earned, remaining, earned_at, usable_from,
  expires_at, entry_id, order_key, origin_member) VALUES
  (1, 7, 'points', 5, 5, 1699999000, 1699999000, NULL, 1, NULL, 7),
  (2, 7, 'points', 123, 100, 1700000000, 1700000000, 1767196800, 2, 'pos:A1', 7),
  (3, 7, 'growth', 123, 100, 1700000000, 1700000000, NULL, 3, 'pos:A1', 7);
)SQL")
                  .ok());
  testing::apply_migrations(*db, 10, 10);  // migration 11 makes loyalty_entries a view
  EXPECT_EQ(schema_version(*db).value(), 10);

  // The lines, in line order, every value; an order without lines has an empty array.
  EXPECT_EQ(recur::testing::dump(*db, "SELECT order_key, lines FROM loyalty_orders ORDER BY 1"),
            "pos:A1|[[1,10000,100,100,0,0,0],[2,2345,23,23,2345,23,23]]\n"
            "pos:Z0|[]\n");
  EXPECT_EQ(recur::testing::dump(*db,
                                 "SELECT order_key, line_no, member_id, amount_fen, points, "
                                 "growth, refunded_fen, points_clawed, growth_clawed FROM "
                                 "loyalty_order_lines ORDER BY order_key, line_no"),
            "pos:A1|1|7|10000|100|100|0|0|0\n"
            "pos:A1|2|7|2345|23|23|2345|23|23\n");
  // The order's lots by id; the task's lot is nobody's order.
  EXPECT_EQ(recur::testing::dump(*db,
                                 "SELECT order_key, points_lot, growth_lot FROM "
                                 "loyalty_orders ORDER BY 1"),
            "pos:A1|2|3\npos:Z0|NULL|NULL\n");
  EXPECT_EQ(count(*db,
                  "SELECT SUM(amount_fen + points + growth + refunded_fen + points_clawed "
                  "+ growth_clawed + order_pk) FROM loyalty_orders"),
            12345 + 123 + 123 + 2345 + 23 + 23 + 11);

  // The orders' own points and growth entries lose their keys; the others keep theirs.
  EXPECT_EQ(recur::testing::dump(*db,
                                 "SELECT entry_id, idem_key, balance_after FROM "
                                 "loyalty_entries ORDER BY entry_id"),
            "1|task:1|5\n2|NULL|128\n3|NULL|123\n4|cashback:pos:A1|50\n"
            "5|refund:pos:R1:points|105\n");
  EXPECT_FALSE(db->exec("INSERT INTO loyalty_entries (member_id, account, cause, amount, "
                        "balance_after, idem_key, at) VALUES (7, 'points', 'task', 1, 106, "
                        "'task:1', 0)")
                   .ok());
  EXPECT_TRUE(db->exec("INSERT INTO loyalty_entries (member_id, account, cause, amount, "
                       "balance_after, idem_key, at) VALUES (7, 'points', 'order', 1, 106, NULL, "
                       "0), (7, 'points', 'order', 1, 107, NULL, 0)")
                  .ok());
  // A lookup by key still reads the (partial) key index.
  auto plan =
      db->prepare("EXPLAIN QUERY PLAN SELECT entry_id FROM loyalty_entries WHERE idem_key = ?");
  ASSERT_TRUE(plan.ok());
  std::string detail;
  while (plan->step().value_or(false)) detail += std::string(plan->column_text(3)) + "\n";
  EXPECT_NE(detail.find("loyalty_entries_key"), std::string::npos) << detail;

  // Gone: the lines table (now a view), the lots-by-order index, order_pk's uniqueness.
  EXPECT_EQ(count(*db,
                  "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'loyalty_order_lines' "
                  "AND type = 'view'"),
            1);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'loyalty_lots_order'"), 0);
  EXPECT_TRUE(db->exec("INSERT INTO loyalty_orders (order_key, order_pk, member_id, paid_at, "
                       "paid_day, amount_fen, points, growth, tier, program_version, applied_at) "
                       "VALUES ('pos:B9', 11, 7, 0, 0, 0, 0, 0, 'normal', 1, 0)")
                  .ok());
  EXPECT_FALSE(db->exec("INSERT INTO loyalty_orders (order_key, member_id, paid_at, paid_day, "
                        "amount_fen, points, growth, tier, program_version, applied_at) "
                        "VALUES ('pos:B9', 7, 0, 0, 0, 0, 0, 'normal', 1, 0)")
                   .ok());
}

}  // namespace
}  // namespace recur::store
