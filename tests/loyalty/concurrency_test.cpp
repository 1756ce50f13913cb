// Many threads, each with its own connection to one WAL database, spend one member's points at
// once. BEGIN IMMEDIATE serialises the writers: the balance never goes below zero, exactly as
// many spends succeed as the points allow, and the ledger agrees with the balance.

#include <gtest/gtest.h>

#include "loyalty/check.h"
#include "loyalty/coupon_book.h"
#include "loyalty/settlement.h"
#include "loyalty_fixture.h"
#include "race.h"

namespace recur::loyalty {
namespace {

using recur::testing::count;
using recur::testing::kTestNow;

TEST(Concurrency, ParallelSpendsNeverOverdraw) {
  recur::testing::TempDir dir;
  {
    auto db = recur::testing::open_test_db(dir);
    testing::load(*db, testing::default_program());
    testing::add_members(*db, 1);
    ManualClock clock(kTestNow);
    auto engine = testing::engine(*db, clock);
    ASSERT_TRUE(testing::in_tx(*db, [&] {
                  return engine->adjust(AdjustInput{1, 10'000, 0, "opening", "open", kTestNow});
                }).ok());
  }
  constexpr int kThreads = 8;
  constexpr int kAttempts = 40;  // 320 attempts of 100 points against 10,000
  testing::RaceResult r = testing::race(
      dir.file("t.db"), kThreads, kAttempts,
      [](store::Database&, LoyaltyEngine& engine, int t, int i) -> Result<bool> {
        // Every thread also replays key "dup": only one of them may spend for it.
        std::string key = i == 0 ? "dup" : "t" + std::to_string(t) + "-" + std::to_string(i);
        ASSIGN_OR_RETURN(RedeemEffect e,
                         engine.redeem(RedeemInput{1, 1'000'000, 100, "load", key, kTestNow}));
        return e.replayed;
      });
  EXPECT_EQ(r.failed, 0);
  EXPECT_EQ(r.ok, 100);  // 10,000 / 100, the "dup" key counted once
  EXPECT_EQ(r.refused, kThreads * kAttempts - 100 - (kThreads - 1));

  auto db = recur::testing::open_test_db(dir);
  EXPECT_EQ(count(*db, "SELECT points FROM loyalty_accounts WHERE member_id = 1"), 0);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM loyalty_entries WHERE cause = 'redemption'"), 100);
  EXPECT_EQ(count(*db, "SELECT SUM(amount) FROM loyalty_entries WHERE member_id = 1"), 0);
  EXPECT_EQ(count(*db, "SELECT MIN(balance_after) FROM loyalty_entries"), 0);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM loyalty_operations WHERE op_key = 'redeem:dup'"), 1);
  auto report = run_check(*db, kTestNow);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
}

// A store in `dir` with the default program, member 1 and one ¥10 no-threshold coupon issued to
// it; the coupon's id (0 if that failed, with the failure reported).
std::int64_t store_with_one_coupon(const recur::testing::TempDir& dir) {
  auto db = recur::testing::open_test_db(dir);
  testing::load(*db, testing::default_program());
  testing::add_members(*db, 1);
  ManualClock clock(kTestNow);
  auto engine = testing::engine(*db, clock);
  CouponBook book(*engine);
  auto issued = testing::in_tx(*db, [&] {
    return book.issue(IssueInput{1, "birthday_10_off", "gift", kTestNow, "operator", ""});
  });
  EXPECT_TRUE(issued.ok()) << issued.status().to_string();
  return issued.ok() ? issued->coupon.coupon_id : 0;
}

// Many threads, each on its own connection, try to use the same coupon on their own orders at
// once: BEGIN IMMEDIATE queues them, exactly one use succeeds, the others find it used.
TEST(Concurrency, OneCouponIsUsedOnce) {
  recur::testing::TempDir dir;
  const std::int64_t coupon = store_with_one_coupon(dir);
  ASSERT_GT(coupon, 0);
  constexpr int kThreads = 8;
  testing::RaceResult r = testing::race(
      dir.file("t.db"), kThreads, 1,
      [coupon](store::Database&, LoyaltyEngine& engine, int t, int) -> Result<bool> {
        CouponBook book(engine);
        CouponOrder order{
            "pos:T" + std::to_string(t), "store", kTestNow, {{"F1", "食品", 5000}}, 0};
        ASSIGN_OR_RETURN(UseEffect e, book.use(coupon, 1, order, "use-" + std::to_string(t)));
        return e.replayed;
      },
      [](const Status& s) {
        return s.code() == StatusCode::kFailedPrecondition &&
               s.message().find("already used") != std::string::npos;
      });
  EXPECT_EQ(r.failed, 0);
  EXPECT_EQ(r.ok, 1);
  EXPECT_EQ(r.refused, kThreads - 1);

  auto db = recur::testing::open_test_db(dir);
  EXPECT_EQ(count(*db,
                  "SELECT COUNT(*) FROM loyalty_entries WHERE account = 'coupon' AND "
                  "cause = 'use'"),
            1);
  // ¥10 no-threshold coupon on a ¥50 order: ¥10 off, recorded once.
  EXPECT_EQ(count(*db, "SELECT discount_fen FROM coupons WHERE state = 'used'"), 1000);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM coupon_operations WHERE kind = 'use'"), 1);
  auto report = run_check(*db, kTestNow);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
}

// The checkout's coupon use writes no operation row of its own (the settlement's row makes the
// checkout happen once), so the race is run through Settlement::checkout too: eight threads
// check out their own orders with one coupon, and each also checks out order "pos:DUP" with it
// again. Exactly one checkout uses the coupon; "pos:DUP" replays if it was that one; nothing
// else succeeds, and the store holds one use.
TEST(Concurrency, OneCouponIsUsedOnceAtCheckout) {
  recur::testing::TempDir dir;
  const std::int64_t coupon = store_with_one_coupon(dir);
  ASSERT_GT(coupon, 0);
  constexpr int kThreads = 8;
  testing::RaceResult r = testing::race(
      dir.file("t.db"), kThreads, 2,
      [coupon](store::Database&, LoyaltyEngine& engine, int t, int i) -> Result<bool> {
        CouponBook book(engine);
        Settlement settle(engine, book, nullptr);
        CheckoutInput in;
        in.order_key = i == 0 ? "pos:DUP" : "pos:T" + std::to_string(t);
        in.member = 1;
        in.channel = "store";
        in.at = kTestNow;
        in.lines = {{1, "F1", "食品", 5000}};
        in.coupon_id = coupon;
        ASSIGN_OR_RETURN(CheckoutEffect e, settle.checkout(in));
        return e.replayed;
      },
      [](const Status& s) {
        return s.code() == StatusCode::kFailedPrecondition &&
               s.message().find("already used") != std::string::npos;
      });
  EXPECT_EQ(r.failed, 0);
  EXPECT_EQ(r.ok, 1);
  // Every thread tries "pos:DUP" first, so the first commit of all is a "pos:DUP": it uses the
  // coupon, the other seven "pos:DUP" replay it (neither ok nor refused), and all eight orders
  // of their own find the coupon used.
  EXPECT_EQ(r.refused, kThreads);

  auto db = recur::testing::open_test_db(dir);
  EXPECT_EQ(count(*db,
                  "SELECT COUNT(*) FROM loyalty_entries WHERE account = 'coupon' AND "
                  "cause = 'use'"),
            1);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM loyalty_settlements WHERE coupon_id IS NOT NULL"), 1);
  EXPECT_EQ(count(*db, "SELECT discount_fen FROM coupons WHERE state = 'used'"), 1000);
  EXPECT_EQ(count(*db, "SELECT points FROM loyalty_accounts WHERE member_id = 1"),
            count(*db, "SELECT earned_points FROM loyalty_settlements"));
  auto report = run_check(*db, kTestNow);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
}

}  // namespace
}  // namespace recur::loyalty
