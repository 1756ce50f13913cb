// The engine's API at its edges: what callers outside the store (the HTTP API, a POS) may get
// wrong, and what it does then.

#include "loyalty/engine.h"

#include <gtest/gtest.h>

#include "identity/merge.h"
#include "loyalty/apply.h"
#include "loyalty/check.h"
#include "loyalty/merge_participant.h"
#include "loyalty_fixture.h"

namespace recur::loyalty {
namespace {

using recur::testing::count;
using recur::testing::kTestNow;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = recur::testing::open_test_db(dir_);
    testing::load(*db_, testing::default_program({{"pending_days: 7", "pending_days: 0"}}));
    testing::add_members(*db_, 3);
    engine_ = testing::engine(*db_, clock_);
  }
  Result<OrderEffect> order(const std::string& key, MemberId m, Fen amount) {
    return testing::in_tx(*db_, [&] {
      return engine_->apply_order(OrderInput{key, 0, m, at_, {{1, "S", "食品", amount}}});
    });
  }
  Result<RefundEffect> refund(const std::string& key, const std::string& order, Fen amount,
                              std::optional<std::int64_t> line = std::nullopt) {
    return testing::in_tx(*db_, [&] {
      return engine_->apply_refund(RefundInput{key, 0, order, line, amount, at_});
    });
  }
  recur::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  ManualClock clock_{kTestNow};
  Instant at_ = parse_timestamp("2024-03-05 10:00", TimeZone::shanghai()).value();
  std::unique_ptr<LoyaltyEngine> engine_;
};

TEST_F(EngineTest, AReplayedOrderReturnsTheFirstResultAndEarnsNothingMore) {
  auto a = order("pos:1", 1, 10000);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_FALSE(a->replayed);
  EXPECT_EQ(a->points, 100);
  auto b = order("pos:1", 1, 99999);  // the same key with other content: the first result
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->replayed);
  EXPECT_EQ(b->points, 100);
  EXPECT_EQ(count(*db_, "SELECT points FROM loyalty_accounts WHERE member_id = 1"), 100);
}

TEST_F(EngineTest, BadRequestsAreRefusedWithAReason) {
  EXPECT_EQ(order("", 1, 100).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(order("pos:neg", 1, -5).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(order("pos:nobody", 99, 100).status().code(), StatusCode::kNotFound);
  auto guest = order("pos:guest", kGuest, 100);
  ASSERT_TRUE(guest.ok());
  EXPECT_TRUE(guest->guest);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM loyalty_orders"), 0);

  auto unknown = refund("pos:r0", "pos:never", 100);
  EXPECT_EQ(unknown.status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(order("pos:2", 1, 10000).ok());
  auto too_much = refund("pos:r1", "pos:2", 10001);
  EXPECT_EQ(too_much.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_much.status().message().find("exceeds what is left"), std::string::npos);
  auto no_line = refund("pos:r2", "pos:2", 100, 7);
  EXPECT_EQ(no_line.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refund("pos:r3", "pos:2", 0).status().code(), StatusCode::kInvalidArgument);
  auto ok = refund("pos:r4", "pos:2", 10000);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->points_clawed, 100);
  // Nothing is left to refund now.
  EXPECT_EQ(refund("pos:r5", "pos:2", 1).status().code(), StatusCode::kInvalidArgument);
  auto replay = refund("pos:r4", "pos:2", 10000);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->points_clawed, 100);
}

TEST_F(EngineTest, AMergedAwayMemberIdReachesTheSurvivor) {
  {
    auto tx = store::Transaction::begin(*db_);
    identity::Merger merger(*db_);
    register_merge_participant(merger);
    ASSERT_TRUE(merger.merge(1, 2, identity::MergeReason::kManual, "test", at_).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  auto e = order("pos:3", 2, 5000);
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ(e->member, 1);
  auto adj = testing::in_tx(*db_, [&] {
    return engine_->adjust(AdjustInput{2, 10, 0, "via the old id", "k", at_});
  });
  ASSERT_TRUE(adj.ok());
  EXPECT_EQ(adj->member, 1);
  EXPECT_EQ(count(*db_, "SELECT points FROM loyalty_accounts WHERE member_id = 1"), 60);
  auto report = run_check(*db_, at_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
}

TEST_F(EngineTest, ALineRefundSpillsOverToTheOtherLinesOnlyBeyondItsOwnAmount) {
  auto e = testing::in_tx(*db_, [&] {
    return engine_->apply_order(
        OrderInput{"pos:4", 0, 3, at_, {{1, "A", "食品", 10000}, {2, "B", "3C/手机", 10000}}});
  });
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->points, 150);                     // 100 + 100 × 0.5
  auto r = refund("pos:r6", "pos:4", 10000, 2);  // the phone line: its 50 points
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->points_clawed, 50);
  EXPECT_EQ(r->growth_clawed, 100);
}

TEST_F(EngineTest, AnOrderWithManyLinesKeepsEveryLine) {
  // 10 lines of ¥100 (more than one statement's worth of lines): at 1 point and 1 growth per
  // yuan, tier normal ×1, no campaign on 2024-03-05, each line earns 100 and the order 1,000.
  std::vector<OrderLineInput> lines;
  for (int i = 1; i <= 10; ++i) lines.push_back({i, "S" + std::to_string(i), "食品", 10000});
  auto e = testing::in_tx(*db_, [&] {
    return engine_->apply_order(OrderInput{"pos:many", 0, 1, at_, lines});
  });
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ(e->points, 1000);
  EXPECT_EQ(e->growth, 1000);
  EXPECT_EQ(e->tier_after, "silver");  // 1,000 growth reaches silver's threshold
  EXPECT_EQ(count(*db_,
                  "SELECT COUNT(*) FROM loyalty_order_lines WHERE order_key = 'pos:many' "
                  "AND points = 100 AND growth = 100 AND amount_fen = 10000"),
            10);
  EXPECT_EQ(count(*db_, "SELECT SUM(line_no) FROM loyalty_order_lines"), 55);  // 1 + … + 10
  // Refunding the last line takes back exactly what it earned, and the upgrade it paid for.
  auto r = refund("pos:r-many", "pos:many", 10000, 10);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->points_clawed, 100);
  EXPECT_EQ(r->growth_clawed, 100);
  EXPECT_EQ(r->tier_after, "normal");  // 900 growth left, below 1,000
  EXPECT_EQ(count(*db_,
                  "SELECT points_clawed FROM loyalty_order_lines WHERE order_key = "
                  "'pos:many' AND line_no = 10"),
            100);
  EXPECT_EQ(count(*db_, "SELECT points FROM loyalty_accounts WHERE member_id = 1"), 900);
}

TEST_F(EngineTest, NothingIsWrittenOutsideATransaction) {
  auto e = engine_->apply_order(OrderInput{"pos:5", 0, 1, at_, {{1, "S", "食品", 100}}});
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInternal);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM loyalty_orders"), 0);
  EXPECT_FALSE(engine_->adjust(AdjustInput{1, 5, 0, "r", "k", at_}).ok());
  EXPECT_FALSE(engine_->expire(Date::from_ymd(2030, 1, 1), "k").ok());
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM loyalty_operations"), 0);
}

TEST(ImportHook, AppliesWhatIsPendingOnlyWhenAProgramIsLoaded) {
  recur::testing::TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  ManualClock clock(kTestNow);
  testing::add_members(*db, 1);
  ASSERT_TRUE(
      db->exec("INSERT INTO orders (order_pk, source, order_id, member_id, channel, "
               "paid_at, paid_day, gross_fen, discount_fen, paid_fen, line_count, item_qty) "
               "VALUES (1, 'pos', 'A', 1, 'store', 1709604000, 19787, 5000, 0, 5000, 1, 1);"
               "INSERT INTO order_lines VALUES (1, 1, 1, 'S', '食品', 1, 5000, 0, 5000);")
          .ok());
  // No program: importing must keep working, and nothing is applied.
  ASSERT_TRUE(apply_after_import(*db, clock, 1).ok());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM loyalty_orders"), 0);
  testing::load(*db, testing::default_program());
  ASSERT_TRUE(apply_after_import(*db, clock, 1).ok());
  EXPECT_EQ(count(*db, "SELECT points FROM loyalty_accounts WHERE member_id = 1"), 50);
  ASSERT_TRUE(apply_after_import(*db, clock, 1).ok());  // idempotent
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM loyalty_entries"), 2);
}

}  // namespace
}  // namespace recur::loyalty
