// The stored_value section of the program file, and what the wallet refuses or checks that the
// scenarios (tests/loyalty/scenarios/wallet_*.txt) do not show.

#include "loyalty/wallet.h"

#include <gtest/gtest.h>

#include "loyalty/check.h"
#include "loyalty_fixture.h"

namespace recur::loyalty {
namespace {

using recur::testing::count;
using recur::testing::kTestNow;

TEST(StoredValueRules, TheShippedDefault) {
  auto p = parse_program(testing::default_program(), "config/program.yaml");
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  const StoredValueRules& s = p->stored_value;
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.min_topup_fen, 1'000);
  EXPECT_EQ(s.max_topup_fen, 5'000'000);
  ASSERT_EQ(s.bonus.size(), 3u);
  EXPECT_EQ(s.bonus[0].pay_fen, 50'000);
  EXPECT_EQ(s.bonus[0].bonus_fen, 5'000);
  EXPECT_EQ(s.bonus[2].bonus_fen, 15'000);
  EXPECT_EQ(s.bonus[2].tiers.size(), 2u);
  EXPECT_EQ(s.spend_order, SpendOrder::kPrincipalFirst);
  EXPECT_EQ(s.withdrawal, WithdrawalPolicy::kDeductSpentBonus);
  EXPECT_TRUE(s.cashback.enabled);
  EXPECT_EQ(s.cashback.rate_milli, 20);
  EXPECT_EQ(s.cashback.per_order_cap_fen, 5'000);
  EXPECT_EQ(s.cashback.valid_days, 90);
  EXPECT_TRUE(s.cashback.spend_first);
  std::string j = program_json(*p);
  for (const char* k : {"\"stored_value\"", "\"spend_order\":\"principal_first\"",
                        "\"withdrawal\":\"deduct_spent_bonus\"", "\"rate\":\"0.02\"",
                        "\"pay\":\"500.00\"", "\"valid_days\":90"})
    EXPECT_NE(j.find(k), std::string::npos) << k << " in " << j;
}

TEST(StoredValueRules, LeftOutMeansNoStoredValue) {
  auto p = parse_program("name: t\ntiers:\n  - key: a\n    threshold: 0\n", "p.yaml");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->stored_value.enabled);
  auto q =
      parse_program("name: t\ntiers:\n  - key: a\n    threshold: 0\nstored_value: {}\n", "p.yaml");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->stored_value.enabled);
  EXPECT_FALSE(q->stored_value.cashback.enabled);
  EXPECT_EQ(q->stored_value.spend_order, SpendOrder::kPrincipalFirst);
}

TEST(StoredValueRules, MistakesNameTheKeyAndTheLine) {
  const std::string head = "name: t\ntiers:\n  - key: a\n    threshold: 0\nstored_value:\n";
  const std::pair<const char*, const char*> cases[] = {
      {"  topup:\n    min: abc\n", "p.yaml:7:10: stored_value.topup.min: "},
      {"  topup:\n    min: 100\n    max: 50\n",
       "p.yaml:8:10: stored_value.topup.max: is below min (¥100.00)"},
      {"  topup:\n    bonus:\n      - {pay: 500}\n",
       "stored_value.topup.bonus[0].bonus: is required"},
      {"  topup:\n    bonus:\n      - {pay: 100, bonus: 200}\n",
       "p.yaml:8:27: stored_value.topup.bonus[0].bonus: is more than the top-up that earns it"},
      {"  topup:\n    bonus:\n      - {pay: 500, bonus: 50, tiers: [gold]}\n",
       "stored_value.topup.bonus[0].tiers[0]: 'gold' is not a tier key"},
      {"  topup:\n    bonus:\n      - {pay: 500, bonus: 50}\n      - {pay: 500, bonus: 60}\n",
       "p.yaml:9:15: stored_value.topup.bonus[1].pay: bonus[0] already pays for ¥500.00"},
      {"  spend_order: cheapest\n",
       "p.yaml:6:16: stored_value.spend_order: 'cheapest' is not one of: principal_first, "
       "bonus_first, proportional"},
      {"  withdrawal: keep\n", "'keep' is not one of: forfeit_bonus, deduct_spent_bonus"},
      {"  cashback:\n    valid_days: 30\n", "stored_value.cashback.rate: is required"},
      {"  cashback:\n    rate: 0.9\n",
       "p.yaml:7:11: stored_value.cashback.rate: must be between 0.001 and 0.5"},
      {"  cashback:\n    rate: 0.02\n    spend: middle\n", "'middle' is not one of: first, last"},
      {"  cashback:\n    rate: 0.02\n    channels: store\n",
       "stored_value.cashback.channels: must be a list"},
      {"  refunds: {}\n", "p.yaml:6:3: stored_value.refunds: unknown key"},
  };
  for (const auto& [yaml, message] : cases) {
    auto p = parse_program(head + yaml, "p.yaml");
    ASSERT_FALSE(p.ok()) << yaml;
    EXPECT_NE(p.status().message().find(message), std::string::npos)
        << "got: " << p.status().message() << "\nwant: " << message;
  }
}

class WalletTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = recur::testing::open_test_db(dir_);
    testing::load(*db_, testing::default_program());
    testing::add_members(*db_, 3);
    auto w = open_wallet(*db_, clock_);
    ASSERT_TRUE(w.ok()) << w.status().to_string();
    wallet_ = std::move(w).value();
  }
  template <typename Fn>
  auto tx(Fn&& fn) {
    return testing::in_tx(*db_, fn);
  }
  recur::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  ManualClock clock_{kTestNow};
  std::unique_ptr<Wallet> wallet_;
};

TEST_F(WalletTest, NoStoredValueSectionIsAnActionableError) {
  recur::testing::TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  testing::load(*db, "name: t\ntiers:\n  - key: a\n    threshold: 0\n");
  auto w = open_wallet(*db, clock_);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(w.status().message().find("stored_value"), std::string::npos);
}

TEST_F(WalletTest, EntriesCarryTheirCauseAndBalancesMatch) {
  ASSERT_TRUE(tx([&] { return wallet_->topup(1, 100'000, kTestNow, "t1"); }).ok());
  ASSERT_TRUE(tx([&] { return wallet_->spend(1, 30'000, "pos:O1", kTestNow, "s1"); }).ok());
  ASSERT_TRUE(tx([&] { return wallet_->refund_spend("pos:O1", 10'000, kTestNow, "r1"); }).ok());
  // Top-up ¥1000 → ¥120 bonus; spend ¥300 of principal; refund ¥100 of it.
  EXPECT_EQ(count(*db_, "SELECT principal FROM wallet_accounts WHERE member_id = 1"), 80'000);
  EXPECT_EQ(count(*db_, "SELECT bonus FROM wallet_accounts WHERE member_id = 1"), 12'000);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM loyalty_entries WHERE cause = 'topup'"), 2);
  EXPECT_EQ(count(*db_, "SELECT amount FROM loyalty_entries WHERE cause = 'spend'"), -30'000);
  EXPECT_EQ(count(*db_, "SELECT amount FROM loyalty_entries WHERE cause = 'refund'"), 10'000);
  // What the order path reads back: ¥300 paid, ¥100 refunded, ¥200 still refundable.
  auto rec = wallet_->spend_record("pos:O1");
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->member, 1);
  EXPECT_EQ((*rec)->spent.principal, 30'000);
  EXPECT_EQ((*rec)->given_back.principal, 10'000);
  EXPECT_EQ((*rec)->refundable(), 20'000);
  auto none = wallet_->spend_record("pos:NONE");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  // Cashback: 2% of ¥300 = ¥6; a third refunded → floor(600 × 10000 / 30000) = 200 owed back.
  ASSERT_TRUE(tx([&] {
                return wallet_->earn_cashback(
                    CashbackInput{1, "pos:O1", 30'000, "store", {}, kTestNow, "c1"});
              }).ok());
  ASSERT_TRUE(
      tx([&] { return wallet_->clawback_cashback("pos:O1", 10'000, kTestNow, "k1"); }).ok());
  auto cb = wallet_->cashback_record("pos:O1");
  ASSERT_TRUE(cb.ok() && cb->has_value());
  EXPECT_EQ((*cb)->earned, 600);
  EXPECT_EQ((*cb)->clawed, 200);
  EXPECT_EQ((*cb)->deducted, 0);
  EXPECT_EQ(count(*db_, "SELECT cashback FROM wallet_accounts WHERE member_id = 1"), 400);
  auto report = run_check(*db_, kTestNow);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->stored_value.cashback_fen, 400);
  EXPECT_EQ(report->stored_value.principal_fen, 80'000);
  EXPECT_EQ(report->stored_value.bonus_fen, 12'000);
  EXPECT_EQ(report->stored_value.owed_fen, 92'400);
  EXPECT_EQ(report->stored_value.members, 1);
}

TEST_F(WalletTest, RefusalsWriteNothing) {
  ASSERT_TRUE(tx([&] { return wallet_->topup(1, 10'000, kTestNow, "t1"); }).ok());
  std::int64_t entries = count(*db_, "SELECT COUNT(*) FROM loyalty_entries");
  auto over = tx([&] { return wallet_->spend(1, 10'001, "pos:O1", kTestNow, "s1"); });
  EXPECT_EQ(over.status().code(), StatusCode::kFailedPrecondition);
  auto zero = tx([&] { return wallet_->spend(1, 0, "pos:O1", kTestNow, "s2"); });
  EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);
  auto other = tx([&] { return wallet_->withdraw_topup(2, "t1", kTestNow, "w1"); });
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument);
  auto nobody = tx([&] { return wallet_->topup(99, 10'000, kTestNow, "t9"); });
  EXPECT_EQ(nobody.status().code(), StatusCode::kNotFound);
  auto no_reason =
      tx([&] { return wallet_->adjust(1, WalletAccount::kBonus, 100, "", kTestNow, "a1"); });
  EXPECT_EQ(no_reason.status().code(), StatusCode::kInvalidArgument);
  auto take_more = tx(
      [&] { return wallet_->adjust(1, WalletAccount::kPrincipal, -10'001, "x", kTestNow, "a2"); });
  EXPECT_EQ(take_more.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM loyalty_entries"), entries);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM wallet_operations"), 1);
}

TEST_F(WalletTest, CheckFindsATamperedBalanceAndLot) {
  ASSERT_TRUE(tx([&] { return wallet_->topup(1, 50'000, kTestNow, "t1"); }).ok());
  ASSERT_TRUE(db_->exec("UPDATE wallet_accounts SET bonus = bonus + 1").ok());
  ASSERT_TRUE(db_->exec("UPDATE wallet_lots SET remaining = remaining - 2 WHERE account = "
                        "'stored_principal'")
                  .ok());
  auto report = run_check(*db_, kTestNow);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  for (const auto& c : report->checks) {
    bool should_fail = c.name == "wallet_balances_equal_entries" ||
                       c.name == "wallet_lot_usage_matches" ||
                       c.name == "wallet_lots_equal_balances";
    EXPECT_EQ(c.ok(), !should_fail) << c.name;
  }
}

TEST_F(WalletTest, ProportionalRoundingAddsUpOverManyRefunds) {
  // Refund a proportional three-way spend 1 fen at a time: each refund gives back exactly 1 fen,
  // and at the end every account has all of its share back.
  testing::load(*db_, testing::default_program(
                          {{"spend_order: principal_first", "spend_order: proportional"}}));
  auto w = open_wallet(*db_, clock_);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(tx([&] { return (*w)->topup(1, 50'000, kTestNow, "t1"); }).ok());  // +5000 bonus
  ASSERT_TRUE(
      tx([&] { return (*w)->adjust(1, WalletAccount::kCashback, 7, "x", kTestNow, "a1"); }).ok());
  // 97 fen: cashback 7 first; of 90: bonus floor(90 × 5000 / 55000) = 8, principal 82.
  auto s = tx([&] { return (*w)->spend(1, 97, "pos:P1", kTestNow, "s1"); });
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->change.cashback, -7);
  EXPECT_EQ(s->change.bonus, -8);
  EXPECT_EQ(s->change.principal, -82);
  WalletSplit back;
  for (int i = 0; i < 97; ++i) {
    auto r = tx([&] { return (*w)->refund_spend("pos:P1", 1, kTestNow, "r" + std::to_string(i)); });
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().to_string();
    EXPECT_EQ(r->change.total(), 1) << i;
    back.principal += r->change.principal;
    back.bonus += r->change.bonus;
    back.cashback += r->change.cashback;
  }
  EXPECT_EQ(back.cashback, 7);
  EXPECT_EQ(back.bonus, 8);
  EXPECT_EQ(back.principal, 82);
  auto more = tx([&] { return (*w)->refund_spend("pos:P1", 1, kTestNow, "r-last"); });
  EXPECT_EQ(more.status().code(), StatusCode::kInvalidArgument);
  auto report = run_check(*db_, kTestNow);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
}

}  // namespace
}  // namespace recur::loyalty
