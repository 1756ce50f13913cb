// The ledger's period reports (loyalty/ledger_report.h): a roll-forward computed by hand over a
// small history, and the export's rows and filters.

#include "loyalty/ledger_report.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "scenario_runner.h"
#include "test_util.h"

namespace recur::loyalty {
namespace {

using scenario::Mode;
using scenario::Scenario;

Instant day(int y, unsigned m, unsigned d) {
  return TimeZone::shanghai().start_of_day(Date::from_ymd(y, m, d));
}

class LedgerReport : public ::testing::Test {
 protected:
  void SetUp() override {
    s_.open();
    ASSERT_TRUE(s_.execute("program default", {"points.pending_days = 0"}).ok());
    for (const char* line : {
             "at 2024-03-05 10:00", "member ann phone:13800000301", "member bob phone:13800000302",
             "order shop:A1 member=ann lines=食品:F1:1x100.00",  // ann +100 points, +100 growth
             "at 2025-02-10 10:00",
             "order shop:A2 member=bob lines=食品:F2:2x50.00",  // bob +100, +100
             "adjust ann points=-30 reason=\"x\" key=k1",       // ann -30
             "topup bob amount=500 key=t1",                     // ¥500 principal, ¥50 bonus
             "at 2025-02-11 09:00",
             "refund shop:A1 amount=40.00 id=R1",  // ann -40 points, -40 growth
             "at 2026-01-10 10:00",
             "order shop:A3 member=ann lines=食品:F1:1x10.00",  // after the period
         }) {
      auto r = s_.execute(line);
      ASSERT_TRUE(r.ok()) << line << ": " << r.status().to_string();
    }
  }

  Scenario s_{"ledger report", Mode::kImmediate};
};

const AccountRollForward* find(const LedgerPeriod& p, const std::string& account) {
  for (const auto& a : p.accounts)
    if (a.account == account) return &a;
  return nullptr;
}

const CauseMovement* cause(const AccountRollForward& a, const std::string& name) {
  for (const auto& c : a.causes)
    if (c.cause == name) return &c;
  return nullptr;
}

TEST_F(LedgerReport, RollsEachAccountForwardByCause) {
  auto r = roll_forward(s_.db(), day(2025, 1, 1), day(2026, 1, 1));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  // Accounts in report order, only those with entries before the period's end.
  std::vector<std::string> names;
  for (const auto& a : r->accounts) names.push_back(a.account);
  EXPECT_EQ(names,
            (std::vector<std::string>{"points", "growth", "stored_principal", "stored_bonus"}));

  const AccountRollForward* points = find(*r, "points");
  ASSERT_NE(points, nullptr);
  EXPECT_EQ(points->opening, 100);
  EXPECT_EQ(points->in, 100);
  EXPECT_EQ(points->out, 70);
  EXPECT_EQ(points->closing, 130);
  EXPECT_EQ(points->entries, 3);
  ASSERT_EQ(points->causes.size(), 3u);  // adjustment, order, refund: by name
  EXPECT_EQ(points->causes[0].cause, "adjustment");
  EXPECT_EQ(points->causes[0].out, 30);
  EXPECT_EQ(cause(*points, "order")->in, 100);
  EXPECT_EQ(cause(*points, "refund")->out, 40);
  EXPECT_EQ(cause(*points, "refund")->entries, 1);

  const AccountRollForward* growth = find(*r, "growth");
  ASSERT_NE(growth, nullptr);
  EXPECT_EQ(growth->opening, 100);
  EXPECT_EQ(growth->closing, 160);
  EXPECT_EQ(find(*r, "stored_principal")->closing, 50000);
  EXPECT_EQ(find(*r, "stored_bonus")->in, 5000);

  // The period before: only the 2024 order, and its closing is the next period's opening.
  auto before = roll_forward(s_.db(), day(2024, 1, 1), day(2025, 1, 1));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(find(*before, "points")->closing, points->opening);
  EXPECT_EQ(find(*before, "stored_principal"), nullptr);
  // Up to now, every account closes at the sum of the members' balances.
  auto all = roll_forward(s_.db(), Instant{0}, Instant{s_.now().seconds + 1});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(find(*all, "points")->closing,
            recur::testing::count(s_.db(), "SELECT SUM(points) FROM loyalty_accounts"));
  EXPECT_EQ(find(*all, "growth")->closing,
            recur::testing::count(s_.db(), "SELECT SUM(growth) FROM loyalty_accounts"));

  EXPECT_FALSE(roll_forward(s_.db(), day(2025, 1, 1), day(2025, 1, 1)).ok());
}

TEST_F(LedgerReport, ExportsThePeriodsEntriesByTimeWithFilters) {
  auto rows = [&](LedgerFilter f) {
    std::vector<std::string> out;
    Status st = for_each_ledger_row(s_.db(), f, [&](const LedgerRow& r) {
      out.push_back(fmt::format("{}:{}:{}:{}", r.account, r.cause, r.amount,
                                r.balance_after ? std::to_string(*r.balance_after) : "NULL"));
      return Status();
    });
    EXPECT_TRUE(st.ok()) << st.to_string();
    return out;
  };
  LedgerFilter points{day(2025, 1, 1), day(2026, 1, 1), std::string("points"), std::nullopt};
  EXPECT_EQ(rows(points),
            (std::vector<std::string>{"points:order:100:100", "points:adjustment:-30:70",
                                      "points:refund:-40:30"}));
  LedgerFilter ann = points;
  ann.account.reset();
  ann.member = recur::testing::count(
      s_.db(), "SELECT member_id FROM identities WHERE value = '13800000301'");
  EXPECT_EQ(rows(ann), (std::vector<std::string>{"points:adjustment:-30:70", "points:refund:-40:30",
                                                 "growth:refund:-40:60"}));
  // A row's callback error stops the export and is returned.
  Status stop =
      for_each_ledger_row(s_.db(), points, [](const LedgerRow&) { return io_error("disk full"); });
  EXPECT_EQ(stop.code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace recur::loyalty
