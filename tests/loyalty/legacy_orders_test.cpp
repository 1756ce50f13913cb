// Migration 11 makes an applied order one row. A store that applied orders before it keeps them
// as they were (their entries and lots in loyalty_entries_other and loyalty_lots_other): the
// loyalty_entries and loyalty_lots views read back exactly the rows the tables held, the ledger
// still checks, a refund of such an order takes back from its old lots, and new orders and
// entries take ids above every old entry and lot.

#include <gtest/gtest.h>

#include "loyalty/check.h"
#include "loyalty/engine.h"
#include "loyalty/ledger.h"
#include "loyalty_fixture.h"
#include "store/migration_util.h"
#include "test_util.h"

namespace recur::loyalty {
namespace {

using recur::testing::count;
using recur::testing::dump;
using recur::testing::kTestNow;

constexpr const char* kReads[] = {
    "SELECT * FROM loyalty_entries ORDER BY entry_id",
    "SELECT * FROM loyalty_lots ORDER BY lot_id",
    "SELECT * FROM loyalty_lot_usage ORDER BY entry_id, lot_id",
    "SELECT * FROM loyalty_order_lines ORDER BY order_key, line_no",
};

TEST(LegacyOrders, KeepTheirEntriesAndLotsAndStillWork) {
  recur::testing::TempDir dir;
  auto db = store::testing::open_before(dir, 11);
  testing::load(*db, testing::default_program());
  testing::add_members(*db, 2);
  // Member 1 earned 500 points and 500 growth with order pos:L1 (¥500) and redeemed 200 points.
  // Lot ids and entry ids are separate sequences before migration 11: lot 2 is not entry 2's.
  ASSERT_TRUE(db->exec(R"SQL(
INSERT INTO loyalty_entries (entry_id, member_id, account, cause, amount, balance_after,
  reference, idem_key, at, program_version) VALUES
  (1, 2, 'points', 'task', 5, 5, 'task:sign_in', 'task:t1', 1709000000, 1),
  (2, 1, 'points', 'order', 500, 500, 'order:pos:L1', NULL, 1709604000, 1),
  (3, 1, 'growth', 'order', 500, 500, 'order:pos:L1', NULL, 1709604000, 1),
  (4, 1, 'points', 'redemption', -200, 300, 'redeem:x', 'redeem:x:points', 1709700000, 1);
INSERT INTO loyalty_lots (lot_id, member_id, account, earned, remaining, earned_at, usable_from,
  expires_at, entry_id, order_key, origin_member) VALUES
  (1, 1, 'points', 500, 300, 1709604000, 1709604000, 1767196800, 2, 'pos:L1', 1),
  (2, 1, 'growth', 500, 500, 1709604000, 1709604000, NULL, 3, 'pos:L1', 1),
  (3, 2, 'points', 5, 5, 1709000000, 1709000000, NULL, 1, NULL, 2);
INSERT INTO loyalty_lot_usage (entry_id, lot_id, member_id, amount) VALUES (4, 1, 1, 200);
INSERT INTO loyalty_accounts (member_id, points, points_debt, growth, tier, tier_since,
  updated_at) VALUES (1, 300, 0, 500, 'normal', 0, 0), (2, 5, 0, 0, 'normal', 0, 0);
INSERT INTO loyalty_orders (order_key, order_pk, member_id, paid_at, paid_day, amount_fen,
  points, growth, tier, multipliers, program_version, applied_at, lines, points_lot, growth_lot)
  VALUES ('pos:L1', NULL, 1, 1709604000, 19787, 50000, 500, 500, 'normal', '1/yuan', 1,
          1709604100, '[[1,50000,500,500,0,0,0]]', 1, 2);
)SQL")
                  .ok());
  std::vector<std::string> before;
  for (const char* sql : kReads) before.push_back(dump(*db, sql));

  ASSERT_TRUE(store::migrate(*db).ok());
  for (std::size_t i = 0; i < std::size(kReads); ++i)
    EXPECT_EQ(dump(*db, kReads[i]), before[i]) << kReads[i];
  // The old order's row names its old lots and is not itself an entry or a lot.
  EXPECT_EQ(
      dump(*db, "SELECT points_after, points_lot, growth_lot, entry_id > 4 FROM loyalty_orders"),
      "NULL|1|2|1\n");
  EXPECT_FALSE(db->exec("INSERT INTO loyalty_entries (member_id, account, cause, amount, "
                        "balance_after, at) VALUES (1, 'points', 'task', 1, 301, 0)")
                   .ok());  // a view: a writer must name its table

  ManualClock clock(kTestNow);
  auto engine = testing::engine(*db, clock);
  ASSERT_NE(engine, nullptr);
  auto report = run_check(*db, kTestNow);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);

  // Half of it refunded: 250 points from its old points lot, 250 growth from its growth lot.
  auto r = testing::in_tx(*db, [&] {
    return engine->apply_refund(
        RefundInput{"pos:R1", 0, "pos:L1", std::nullopt, 25000, Instant{1709800000}});
  });
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->points_clawed, 250);
  EXPECT_EQ(r->growth_clawed, 250);
  EXPECT_EQ(dump(*db, "SELECT lot_id, remaining FROM loyalty_lots_other ORDER BY lot_id"),
            "1|50\n2|250\n3|5\n");

  // A new order is one row, its ids above every old entry and lot; other entries follow it.
  auto o = testing::in_tx(*db, [&] {
    return engine->apply_order(OrderInput{"pos:N1", 0, 1, kTestNow, {{1, "S", "食品", 10000}}});
  });
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  const std::int64_t n1 = count(*db,
                                "SELECT entry_id FROM loyalty_orders WHERE order_key = "
                                "'pos:N1'");
  EXPECT_GT(n1, count(*db, "SELECT MAX(entry_id) FROM loyalty_entries_other"));
  ASSERT_GT(o->points, 0);  // 50 points left before it; its lot holds all it earned
  EXPECT_EQ(dump(*db,
                 "SELECT points_after, points_remaining FROM loyalty_orders WHERE "
                 "order_key = 'pos:N1'"),
            std::to_string(50 + o->points) + "|" + std::to_string(o->points) + "\n");
  auto next = next_entry_id(*db);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, n1 + 2);
  auto a = testing::in_tx(*db, [&] {
    return engine->adjust(AdjustInput{2, 7, 0, "goodwill", "a1", kTestNow});
  });
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(count(*db,
                  "SELECT entry_id FROM loyalty_entries_other WHERE idem_key = "
                  "'adjust:a1:points'"),
            n1 + 2);
  report = run_check(*db, kTestNow);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  for (const auto& c : report->checks) EXPECT_TRUE(c.ok()) << c.name;
}

}  // namespace
}  // namespace recur::loyalty
