// Many threads, each with its own connection to one WAL database, pay with one member's stored
// value at once. BEGIN IMMEDIATE serialises the writers: the balances never go below zero,
// exactly as many spends succeed as the money allows, and the ledger agrees with the balances.

#include <gtest/gtest.h>

#include "loyalty/check.h"
#include "loyalty/wallet.h"
#include "loyalty_fixture.h"
#include "race.h"

namespace recur::loyalty {
namespace {

using recur::testing::count;
using recur::testing::kTestNow;

TEST(WalletConcurrency, ParallelSpendsNeverOverdraw) {
  recur::testing::TempDir dir;
  {
    auto db = recur::testing::open_test_db(dir);
    testing::load(*db, testing::default_program());
    testing::add_members(*db, 1);
    ManualClock clock(kTestNow);
    auto wallet = open_wallet(*db, clock);
    ASSERT_TRUE(wallet.ok()) << wallet.status().to_string();
    // ¥500 paid in, ¥50 bonus (充 500 送 50): ¥550 to spend.
    auto t = testing::in_tx(*db, [&] { return (*wallet)->topup(1, 50'000, kTestNow, "open"); });
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    ASSERT_EQ(t->change.bonus, 5'000);
  }
  constexpr int kThreads = 8;
  constexpr int kAttempts = 40;  // 320 attempts of ¥5 against ¥550: 110 can succeed
  testing::RaceResult r = testing::race(
      dir.file("t.db"), kThreads, kAttempts,
      [](store::Database& db, LoyaltyEngine& engine, int t, int i) -> Result<bool> {
        Wallet wallet(db, engine.active_program(), engine.zone(), engine.clock());
        // Every thread also replays key "dup": only one of them may spend for it.
        std::string key = i == 0 ? "dup" : "t" + std::to_string(t) + "-" + std::to_string(i);
        ASSIGN_OR_RETURN(WalletEffect e, wallet.spend(1, 500, "order:" + key, kTestNow, key));
        return e.replayed;
      });
  EXPECT_EQ(r.failed, 0);
  EXPECT_EQ(r.ok, 110);  // 55,000 fen / 500, the "dup" key counted once
  EXPECT_EQ(r.refused, kThreads * kAttempts - 110 - (kThreads - 1));

  auto db = recur::testing::open_test_db(dir);
  EXPECT_EQ(count(*db, "SELECT principal + bonus + cashback FROM wallet_accounts"), 0);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM wallet_spends"), 110);
  EXPECT_EQ(count(*db, "SELECT SUM(amount_fen) FROM wallet_spends"), 55'000);
  EXPECT_EQ(count(*db, "SELECT MIN(balance_after) FROM loyalty_entries"), 0);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM wallet_operations WHERE op_key = 'spend:dup'"), 1);
  auto report = run_check(*db, kTestNow);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->stored_value.owed_fen, 0);
}

}  // namespace
}  // namespace recur::loyalty
