// recur check finds every kind of damage to the ledger, and values the liability.

#include "loyalty/check.h"
#include "loyalty/coupon_book.h"

#include <gtest/gtest.h>

#include "loyalty_fixture.h"

namespace recur::loyalty {
namespace {

using recur::testing::kTestNow;

class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = recur::testing::open_test_db(dir_);
    testing::load(*db_, testing::default_program({{"pending_days: 7", "pending_days: 0"}}));
    testing::add_members(*db_, 3);
    engine_ = testing::engine(*db_, clock_);
    ASSERT_TRUE(testing::in_tx(*db_, [&] {
                  return engine_->apply_order(OrderInput{
                      "pos:1", 0, 1, kTestNow, {{1, "S", "食品", 30000}, {2, "T", "食品", 5000}}});
                }).ok());
    // A spend, a refund into debt for member 2, an adjustment for member 3.
    ASSERT_TRUE(testing::in_tx(*db_, [&] {
                  return engine_->redeem(RedeemInput{1, 100000, 500, "x", "r1", kTestNow});
                }).ok());
    ASSERT_TRUE(testing::in_tx(*db_, [&] {
                  return engine_->apply_order(
                      OrderInput{"pos:2", 0, 2, kTestNow, {{1, "S", "食品", 20000}}});
                }).ok());
    ASSERT_TRUE(testing::in_tx(*db_, [&] {
                  return engine_->redeem(RedeemInput{2, 100000, 200, "x", "r2", kTestNow});
                }).ok());
    ASSERT_TRUE(testing::in_tx(*db_, [&] {
                  return engine_->apply_refund(
                      RefundInput{"pos:R2", 0, "pos:2", std::nullopt, 20000, kTestNow});
                }).ok());
    ASSERT_TRUE(testing::in_tx(*db_, [&] {
                  return engine_->adjust(AdjustInput{3, 500, 0, "goodwill", "a1", kTestNow});
                }).ok());
  }

  CheckReport check() {
    auto r = run_check(*db_, kTestNow);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.value_or(CheckReport{});
  }
  std::int64_t violations(const CheckReport& r, const std::string& name) {
    for (const auto& c : r.checks)
      if (c.name == name) return c.violations;
    ADD_FAILURE() << "no check " << name;
    return -1;
  }

  recur::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  ManualClock clock_{kTestNow};
  std::unique_ptr<LoyaltyEngine> engine_;
};

TEST_F(CheckTest, ACleanLedgerPassesAndIsValued) {
  CheckReport r = check();
  EXPECT_TRUE(r.ok);
  for (const auto& c : r.checks) EXPECT_TRUE(c.ok()) << c.name << ": " << c.examples.size();
  ASSERT_TRUE(r.liability);
  EXPECT_EQ(r.liability->debt, recur::testing::count(*db_,
                                                     "SELECT points_debt FROM "
                                                     "loyalty_accounts WHERE member_id = 2"));
  EXPECT_GT(r.liability->debt, 0);
  EXPECT_EQ(
      r.liability->points,
      recur::testing::count(*db_, "SELECT SUM(points) FROM loyalty_accounts WHERE points > 0"));
  EXPECT_EQ(r.liability->value_fen, r.liability->points);  // everyone at 100 points per yuan
}

TEST_F(CheckTest, FindsATamperedBalance) {
  ASSERT_TRUE(
      db_->exec("UPDATE loyalty_accounts SET points = points + 1 WHERE member_id = 1").ok());
  CheckReport r = check();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(violations(r, "balances_equal_entries"), 1);
  EXPECT_EQ(violations(r, "lots_equal_balances"), 1);
}

// An order's entries and lots are its loyalty_orders row (migration 11); the others have
// tables of their own. Damage to either shows through the loyalty_entries and loyalty_lots views.
TEST_F(CheckTest, FindsAnEntryWithAWrongRunningBalance) {
  ASSERT_TRUE(db_->exec("UPDATE loyalty_orders SET points_after = points_after + 5 WHERE "
                        "order_key = 'pos:1'")
                  .ok());
  EXPECT_EQ(violations(check(), "running_balances"), 1);
  ASSERT_TRUE(db_->exec("UPDATE loyalty_orders SET points_after = points_after - 5 WHERE "
                        "order_key = 'pos:1'")
                  .ok());
  EXPECT_EQ(violations(check(), "running_balances"), 0);
  ASSERT_TRUE(db_->exec("UPDATE loyalty_entries_other SET balance_after = balance_after + 5 "
                        "WHERE idem_key = 'adjust:a1:points'")
                  .ok());
  EXPECT_EQ(violations(check(), "running_balances"), 1);
}

// The entry probes read the ledger once and sort it in memory (entry_check.h): an example names
// the entry, its member and account, the balance it records and the running sum it should be.
TEST_F(CheckTest, EntryProbesNameTheEntryAndTheMissingAccount) {
  ASSERT_TRUE(db_->exec("UPDATE loyalty_entries_other SET balance_after = balance_after + 5 "
                        "WHERE idem_key = 'adjust:a1:points'")
                  .ok());
  const std::int64_t id = recur::testing::count(
      *db_, "SELECT entry_id FROM loyalty_entries_other WHERE idem_key = 'adjust:a1:points'");
  const std::int64_t member = recur::testing::count(
      *db_, "SELECT member_id FROM loyalty_entries_other WHERE idem_key = 'adjust:a1:points'");
  const std::int64_t after = recur::testing::count(
      *db_, "SELECT balance_after FROM loyalty_entries_other WHERE idem_key = 'adjust:a1:points'");
  CheckReport r = check();
  const CheckFinding* running = nullptr;
  for (const auto& c : r.checks)
    if (c.name == "running_balances") running = &c;
  ASSERT_NE(running, nullptr);
  ASSERT_EQ(running->violations, 1);
  EXPECT_EQ(running->examples.at(0), std::to_string(id) + " " + std::to_string(member) +
                                         " points " + std::to_string(after) + " " +
                                         std::to_string(after - 5));

  // A member whose account row is gone: their entries have no balance to equal.
  ASSERT_TRUE(db_->exec("DELETE FROM loyalty_accounts WHERE member_id = 3").ok());
  r = check();
  EXPECT_EQ(violations(r, "entries_have_accounts"), 1);
  EXPECT_EQ(violations(r, "balances_equal_entries"), 0);
  // Growth that drifts from its entries is found as well as points.
  ASSERT_TRUE(
      db_->exec("UPDATE loyalty_accounts SET growth = growth + 2 WHERE member_id = 1").ok());
  EXPECT_EQ(violations(check(), "balances_equal_entries"), 1);
}

// The lot probes read the lots once (lot_check.h): an example names the lot with its earned,
// remaining and taken amounts; a member holding lots without an account row is named.
TEST_F(CheckTest, LotProbesNameTheLotAndTheMissingAccount) {
  const std::int64_t lot = recur::testing::count(
      *db_, "SELECT MIN(lot_id) FROM loyalty_lots_other WHERE member_id = 3 AND remaining > 0");
  ASSERT_GT(lot, 0);
  const std::int64_t earned = recur::testing::count(
      *db_, "SELECT earned FROM loyalty_lots_other WHERE lot_id = " + std::to_string(lot));
  const std::int64_t remaining = recur::testing::count(
      *db_, "SELECT remaining FROM loyalty_lots_other WHERE lot_id = " + std::to_string(lot));
  ASSERT_TRUE(db_->exec("UPDATE loyalty_lots_other SET remaining = remaining - 1 WHERE lot_id = " +
                        std::to_string(lot))
                  .ok());
  CheckReport r = check();
  const CheckFinding* usage = nullptr;
  for (const auto& c : r.checks)
    if (c.name == "lot_usage_matches") usage = &c;
  ASSERT_NE(usage, nullptr);
  ASSERT_EQ(usage->violations, 1);
  EXPECT_EQ(usage->examples.at(0), std::to_string(lot) + " " + std::to_string(earned) + " " +
                                       std::to_string(remaining - 1) + " " +
                                       std::to_string(earned - remaining));
  EXPECT_EQ(violations(r, "lots_equal_balances"), 1);
  EXPECT_EQ(violations(r, "lots_have_accounts"), 0);
  ASSERT_TRUE(db_->exec("DELETE FROM loyalty_accounts WHERE member_id = 3").ok());
  r = check();
  EXPECT_EQ(violations(r, "lots_have_accounts"), 1);
  EXPECT_EQ(violations(r, "lots_equal_balances"), 0);  // no row to compare
}

TEST_F(CheckTest, FindsALotThatDoesNotAddUp) {
  ASSERT_TRUE(db_->exec("UPDATE loyalty_orders SET points_remaining = points_remaining + 10 "
                        "WHERE order_key = 'pos:1'")
                  .ok());
  CheckReport r = check();
  EXPECT_EQ(violations(r, "lot_usage_matches"), 1);
  EXPECT_EQ(violations(r, "lots_equal_balances"), 1);
  ASSERT_TRUE(db_->exec("UPDATE loyalty_orders SET growth_remaining = growth + 1 "
                        "WHERE order_key = 'pos:1'")
                  .ok());
  EXPECT_EQ(violations(check(), "lots_within_bounds"), 1);
  ASSERT_TRUE(
      db_->exec("UPDATE loyalty_lots_other SET remaining = earned + 1 WHERE member_id = 3").ok());
  EXPECT_EQ(violations(check(), "lots_within_bounds"), 2);
}

TEST_F(CheckTest, FindsNegativesThatMustNotBe) {
  ASSERT_TRUE(db_->exec("UPDATE loyalty_accounts SET growth = -1 WHERE member_id = 3").ok());
  EXPECT_GE(violations(check(), "nothing_negative"), 1);
}

TEST_F(CheckTest, FindsDebtNextToUnspentPoints) {
  ASSERT_TRUE(db_->exec("UPDATE loyalty_accounts SET points_debt = 5, points = points - 5 "
                        "WHERE member_id = 3")
                  .ok());
  CheckReport r = check();
  EXPECT_EQ(violations(r, "debt_only_without_points"), 1);
}

TEST_F(CheckTest, FindsAMergedMemberStillHoldingPoints) {
  ASSERT_TRUE(db_->exec("UPDATE members SET merged_into = 1 WHERE member_id = 3").ok());
  EXPECT_EQ(violations(check(), "merged_members_empty"), 1);
}

// Issuing counts a coupon out of its template's stock and revoking gives it back; the counter
// must equal the coupons not revoked.
TEST_F(CheckTest, FindsACouponStockCounterThatDisagrees) {
  CouponBook book(*engine_);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    auto e = testing::in_tx(*db_, [&] {
      return book.issue(
          IssueInput{1 + i % 2, "mall_5_off", "k" + std::to_string(i), kTestNow, "operator", ""});
    });
    ASSERT_TRUE(e.ok()) << e.status().to_string();
    ids.push_back(e->coupon.coupon_id);
  }
  ASSERT_TRUE(
      testing::in_tx(*db_, [&] { return book.revoke(ids[1], "mistake", "rv1", kTestNow); }).ok());
  EXPECT_EQ(recur::testing::count(
                *db_, "SELECT out FROM coupon_template_stock WHERE template = 'mall_5_off'"),
            2);
  EXPECT_EQ(violations(check(), "coupon_stock_counts"), 0);
  ASSERT_TRUE(db_->exec("UPDATE coupon_template_stock SET out = 3").ok());
  EXPECT_EQ(violations(check(), "coupon_stock_counts"), 1);
  ASSERT_TRUE(db_->exec("DELETE FROM coupon_template_stock").ok());
  EXPECT_EQ(violations(check(), "coupon_stock_counts"), 1);
}

// The expiry sweep reads only the coupons valid until after its floor: an issued coupon at or
// under it would never expire, and a store without the floor could not sweep.
TEST_F(CheckTest, FindsAnIssuedCouponUnderTheExpiryFloor) {
  CouponBook book(*engine_);
  auto e = testing::in_tx(*db_, [&] {
    return book.issue(IssueInput{1, "mall_5_off", "k1", kTestNow, "operator", ""});
  });
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ(violations(check(), "coupon_expiry_floor"), 0);
  // A floor raised past it by hand (the triggers only lower it when a coupon becomes issued).
  ASSERT_TRUE(db_->exec("UPDATE settings SET value = '" +
                        std::to_string(e->coupon.valid_until.seconds) +
                        "' WHERE key = 'coupon_expiry_floor'")
                  .ok());
  EXPECT_EQ(violations(check(), "coupon_expiry_floor"), 1);
  ASSERT_TRUE(db_->exec("DELETE FROM settings WHERE key = 'coupon_expiry_floor'").ok());
  EXPECT_EQ(violations(check(), "coupon_expiry_floor"), 1);
  auto sweep = testing::in_tx(*db_, [&] { return book.expire(Date::from_ymd(2030, 1, 1), "e1"); });
  ASSERT_FALSE(sweep.ok());
  EXPECT_NE(sweep.status().message().find("coupon expiry floor"), std::string::npos)
      << sweep.status().to_string();
}

TEST_F(CheckTest, FindsAnOrderWhoseLinesDisagree) {
  // The lines are a JSON array in the order's row: [line_no, amount, points, growth, refunded,
  // points clawed, growth clawed].
  ASSERT_TRUE(db_->exec("UPDATE loyalty_orders SET lines = json_replace(lines, '$[0][2]', "
                        "(lines ->> '$[0][2]') + 1) WHERE order_key = 'pos:1'")
                  .ok());
  EXPECT_EQ(violations(check(), "orders_consistent"), 1);
}

TEST_F(CheckTest, FindsALineRefundedBeyondWhatItEarned) {
  // Sums still agree with the order: one line clawed 5 points more than it earned, another 5
  // less. Only the per-line comparison sees it.
  ASSERT_TRUE(db_->exec("UPDATE loyalty_orders SET lines = json_array(json_array(1, 100, 1, 1, 0, "
                        "6, 0), json_array(2, amount_fen - 100, points - 1, growth - 1, 0, -6, "
                        "0)) WHERE order_key = 'pos:1'")
                  .ok());
  EXPECT_EQ(violations(check(), "orders_consistent"), 1);
}

TEST_F(CheckTest, FindsAnOrderWhoseLinesAreNotTheirForm) {
  // A broken lines column is a violation of the order, not a failure of the check.
  ASSERT_TRUE(
      db_->exec("UPDATE loyalty_orders SET lines = '[[1, 2' WHERE order_key = 'pos:1'").ok());
  EXPECT_EQ(violations(check(), "orders_consistent"), 1);
}

TEST_F(CheckTest, ReportsOrdersNotAppliedYet) {
  ASSERT_TRUE(db_->exec("INSERT INTO orders (source, order_id, member_id, channel, paid_at, "
                        "paid_day, gross_fen, discount_fen, paid_fen, line_count, item_qty) "
                        "VALUES ('pos', 'later', 1, 'store', 0, 0, 100, 0, 100, 0, 0)")
                  .ok());
  CheckReport r = check();
  EXPECT_TRUE(r.ok);  // pending work is not damage
  EXPECT_EQ(r.pending.orders, 1);
}

}  // namespace
}  // namespace recur::loyalty
