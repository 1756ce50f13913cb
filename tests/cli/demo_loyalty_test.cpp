// The loyalty part of `make demo` (scripts/demo_loyalty.sh) on a small generated retailer: every
// command it runs succeeds, `recur check` proves the ledger, and what was issued, topped up and
// exchanged is what the script's rules ask for — recomputed here from the imported store and the
// shipped program (config/program.yaml), not read from the script's output. Running it again
// changes nothing.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <map>
#include <string>

#include "cli_run.h"
#include "test_util.h"

namespace recur {
namespace {

using recur::testing::CmdResult;
using recur::testing::count;
using recur::testing::run;
using recur::testing::TempDir;

// Runs a shell command line (not the recur binary) and captures its output and exit code.
CmdResult shell(const std::string& line) {
  FILE* p = popen((line + " 2>&1").c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class DemoLoyalty : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = "--db " + dir_->file("demo.db");
    const std::string src = RECUR_SOURCE_DIR;
    CmdResult g = run("generate --members 2000 --seed 42 --out " + dir_->file("data"));
    ASSERT_EQ(g.code, 0) << g.out;
    CmdResult p = run(db_ + " program load " + src + "/config/program.yaml");
    ASSERT_EQ(p.code, 0) << p.out;
    for (const char* kind : {"stores", "products", "members", "orders", "refunds", "events"}) {
      CmdResult r = run(db_ + " import " + kind + " " + dir_->file("data") + "/" + kind + ".csv");
      ASSERT_EQ(r.code, 0) << r.out;
    }
    script_ = src + "/scripts/demo_loyalty.sh " + RECUR_BINARY + " " + dir_->file("demo.db");
    first_ = new CmdResult(shell(script_));
  }
  static void TearDownTestSuite() {
    delete first_;
    delete dir_;
  }

  std::unique_ptr<store::Database> db() {
    auto d = store::Database::open(dir_->file("demo.db"));
    EXPECT_TRUE(d.ok()) << d.status().to_string();
    return std::move(d).value();
  }

  static TempDir* dir_;
  static std::string db_;
  static std::string script_;
  static CmdResult* first_;
};

TempDir* DemoLoyalty::dir_ = nullptr;
std::string DemoLoyalty::db_;
std::string DemoLoyalty::script_;
CmdResult* DemoLoyalty::first_ = nullptr;

// The generated data ends on 2025-12-31: the business day; M = 2025-12, P = 2025-11.
constexpr const char* kLiveAccounts =
    "FROM loyalty_accounts a JOIN members m ON m.member_id = a.member_id "
    "WHERE m.merged_into IS NULL";

TEST_F(DemoLoyalty, RunsAndTheLedgerChecks) {
  ASSERT_EQ(first_->code, 0) << first_->out;
  EXPECT_NE(first_->out.find("business day 营业日 2025-12-31"), std::string::npos) << first_->out;
  CmdResult c = run(db_ + " check");
  EXPECT_EQ(c.code, 0) << c.out;
}

TEST_F(DemoLoyalty, MonthlyCouponsAreOnePerTierBenefit) {
  ASSERT_EQ(first_->code, 0) << first_->out;
  auto d = db();
  auto tier = [&](const std::string& key) {
    return count(*d,
                 std::string("SELECT COUNT(*) ") + kLiveAccounts + " AND a.tier = '" + key + "'");
  };
  // program.yaml: silver 1 (满99减10), gold 2 (满199减20), diamond 2 (满299减50) + 4 free shipping;
  // normal none. Both months are issued after the import, so at today's tiers.
  const std::int64_t silver = tier("silver"), gold = tier("gold"), diamond = tier("diamond");
  ASSERT_GT(silver + gold + diamond, 0);
  const std::int64_t per_month = silver * 1 + gold * 2 + diamond * (2 + 4);
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM coupons WHERE source = 'monthly' AND "
                  "source_ref = '2025-12'"),
            per_month);
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM coupons WHERE source = 'monthly' AND "
                  "source_ref = '2025-11'"),
            per_month);
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM coupons WHERE template = 'gold_monthly_20_off_199' "
                  "AND source_ref = '2025-12'"),
            gold * 2);
  // November's coupons (valid 11-01 … 12-01, 31 days) ended before 12-31: all expired, none used.
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM coupons WHERE source_ref = '2025-11' AND "
                  "state = 'expired'"),
            per_month);
  // December's are valid through 12-31: none expired; some used, each on one order.
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM coupons WHERE source_ref = '2025-12' AND "
                  "state = 'expired'"),
            0);
  const std::int64_t used = count(*d, "SELECT COUNT(*) FROM coupons WHERE state = 'used'");
  EXPECT_GT(used, 0);
  EXPECT_EQ(count(*d, "SELECT COUNT(DISTINCT order_key) FROM coupons WHERE state = 'used'"), used);
  // Used by members with member_id % 40 = 0 only, silver or gold templates.
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM coupons WHERE state = 'used' AND (member_id % 40 != 0 "
                  "OR template NOT IN ('silver_monthly_10_off_99', 'gold_monthly_20_off_199'))"),
            0);
}

TEST_F(DemoLoyalty, TopUpsFollowTheRuleAndTheBonusRules) {
  ASSERT_EQ(first_->code, 0) << first_->out;
  auto d = db();
  // The script's rule: live members with a loyalty account, an order in the 180 days up to the
  // last order day, member_id % 50 = 7; amount by (member_id / 50) % 8 from
  // 100, 200, 300, 500, 800, 1000, 1000, 2000 yuan. Bonus (program.yaml): ≥ 1000 → 120, or 150
  // for gold and diamond; ≥ 500 → 50; else 0.
  auto last = d->query_int("SELECT MAX(paid_day) FROM orders");
  ASSERT_TRUE(last.ok());
  auto st = d->prepare(std::string("SELECT a.member_id, a.tier ") + kLiveAccounts +
                       " AND EXISTS (SELECT 1 FROM orders o WHERE o.member_id = a.member_id AND "
                       "o.paid_day > ?)");
  ASSERT_TRUE(st.ok());
  st->bind(1, *last - 180);
  const std::array<std::int64_t, 8> yuan = {100, 200, 300, 500, 800, 1000, 1000, 2000};
  std::int64_t n = 0, paid = 0, bonus = 0;
  while (true) {
    auto row = st->step();
    ASSERT_TRUE(row.ok());
    if (!*row) break;
    const std::int64_t id = st->column_int64(0);
    const std::string tier = st->column_string(1);
    if (id % 50 != 7) continue;
    const std::int64_t y = yuan[static_cast<std::size_t>((id / 50) % 8)];
    ++n;
    paid += y * 100;
    if (y >= 1000)
      bonus += (tier == "gold" || tier == "diamond") ? 15000 : 12000;
    else if (y >= 500)
      bonus += 5000;
  }
  ASSERT_GT(n, 0);
  EXPECT_EQ(count(*d, "SELECT COUNT(*) FROM wallet_topups"), n);
  EXPECT_EQ(count(*d, "SELECT SUM(paid_fen) FROM wallet_topups"), paid);
  EXPECT_EQ(count(*d, "SELECT SUM(bonus_fen) FROM wallet_topups"), bonus);
  // Payments: never more than the top-up; exactly one half refunded (rounded down to the fen).
  EXPECT_GT(count(*d, "SELECT COUNT(*) FROM wallet_spends"), 0);
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM wallet_spends s JOIN wallet_topups t ON "
                  "t.member_id = s.member_id WHERE s.amount_fen > t.paid_fen"),
            0);
  EXPECT_EQ(count(*d, "SELECT COUNT(*) FROM wallet_spends WHERE refunded_fen > 0"), 1);
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM wallet_spends WHERE refunded_fen > 0 AND "
                  "refunded_fen = amount_fen / 2"),
            1);
  // Cashback: every payment's order earned; the older orders' cashback (earned 100–180 days
  // before 12-31, valid 90 days) is written off by the expiry of 12-31: nothing of it is left.
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM wallet_spends s LEFT JOIN wallet_cashback_orders c "
                  "ON c.order_key = s.order_key WHERE c.order_key IS NULL"),
            0);
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM wallet_lots WHERE account = 'cashback' AND "
                  "remaining > 0 AND expires_at <= strftime('%s', '2025-12-31', '-8 hours')"),
            0);
}

TEST_F(DemoLoyalty, EightExchangesOneCancelled) {
  ASSERT_EQ(first_->code, 0) << first_->out;
  auto d = db();
  // Items by member rank: thermos_cash, wipes_pack, coupon_5, coupon_5, wipes_pack, coupon_5,
  // coupon_5, coupon_5 — the last (a coupon_5) cancelled.
  EXPECT_EQ(count(*d, "SELECT COUNT(*) FROM mall_exchanges"), 8);
  EXPECT_EQ(count(*d, "SELECT COUNT(*) FROM mall_exchanges WHERE state = 'cancelled'"), 1);
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM mall_exchanges WHERE state = 'active' AND "
                  "item = 'coupon_5'"),
            4);
  // Stock: thermos 100 − 1, wipes 500 − 2 (coupon_5 has no stock).
  EXPECT_EQ(count(*d, "SELECT remaining FROM mall_stock WHERE item = 'thermos_cash'"), 99);
  EXPECT_EQ(count(*d, "SELECT remaining FROM mall_stock WHERE item = 'wipes_pack'"), 498);
  // Each active coupon_5 exchange issued a mall_5_off coupon; the cancelled one was revoked.
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM coupons WHERE template = 'mall_5_off' AND "
                  "state = 'issued'"),
            4);
  EXPECT_EQ(count(*d,
                  "SELECT COUNT(*) FROM coupons WHERE template = 'mall_5_off' AND "
                  "state = 'revoked'"),
            1);
}

TEST_F(DemoLoyalty, RunningItAgainChangesNothing) {
  ASSERT_EQ(first_->code, 0) << first_->out;
  const char* tables[] = {
      "loyalty_entries",        "coupons",        "wallet_topups", "wallet_spends",
      "wallet_cashback_orders", "mall_exchanges", "wallet_lots"};
  std::map<std::string, std::int64_t> before;
  {
    auto d = db();
    for (const char* t : tables) before[t] = count(*d, std::string("SELECT COUNT(*) FROM ") + t);
  }
  CmdResult again = shell(script_);
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_NE(again.out.find("already run"), std::string::npos) << again.out;
  auto d = db();
  for (const char* t : tables)
    EXPECT_EQ(count(*d, std::string("SELECT COUNT(*) FROM ") + t), before[t]) << t;
  EXPECT_EQ(run(db_ + " check").code, 0);
}

}  // namespace
}  // namespace recur
