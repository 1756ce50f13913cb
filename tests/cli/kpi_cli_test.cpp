// End-to-end tests of `recur kpi`: import a few orders, read the measures back.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "cli_run.h"
#include "test_util.h"

namespace recur {
namespace {

using recur::testing::TempDir;

using recur::testing::CmdResult;
using recur::testing::run;

// Member 1 buys twice on 03-05 and once on 03-20 (5.00 of it refunded on 03-21); member 2 buys on
// 02-10 and 03-10; a guest buys on 03-31. Times are the merchant's (Asia/Shanghai).
//   March: buyers 2, repeat buyers 1 (a) 0.5; previous buyers 1 (member 2), back (b) 1;
//   member orders 4, repeat 2 (03-20, 03-10) (c) 0.5; orders 5; sales 120.00 (member 10 + 20 +
//   30 + 50 = 110.00); refunds 5.00; net 115.00; AOV 24.00, member AOV 27.50; new buyers 1 (member
//   1), LTV 60.00 − 5.00 = 55.00.
class KpiCli : public ::testing::Test {
 protected:
  void SetUp() override {
    recur::testing::write_file(
        dir_.file("o.csv"),
        "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
        "amount\n"
        "pos,A1,2024-03-05 12:00,phone:13800000001,store,S1,K,食品,1,10.00,0,10.00\n"
        "pos,A2,2024-03-05 18:00,phone:13800000001,online,,K,食品,1,20.00,0,20.00\n"
        "pos,A3,2024-03-20 12:00,phone:13800000001,store,S1,K,食品,1,30.00,0,30.00\n"
        "pos,B1,2024-02-10 12:00,phone:13800000002,store,S1,K,食品,1,40.00,0,40.00\n"
        "pos,B2,2024-03-10 12:00,phone:13800000002,store,S1,K,食品,1,50.00,0,50.00\n"
        "pos,G1,2024-03-31 12:00,,store,S1,K,食品,1,10.00,0,10.00\n");
    recur::testing::write_file(dir_.file("r.csv"),
                               "source,refund_id,order_id,refunded_at,amount\n"
                               "pos,R1,A3,2024-03-21 12:00,5.00\n");
    ASSERT_EQ(run(db_ + " import orders " + dir_.file("o.csv")).code, 0);
    ASSERT_EQ(run(db_ + " import refunds " + dir_.file("r.csv")).code, 0);
  }
  TempDir dir_;
  std::string db_ = "--db " + dir_.file("t.db");
};

TEST_F(KpiCli, JsonCarriesEveryMeasure) {
  CmdResult r = run(db_ + " kpi --from 2024-03-01 --to 2024-03-31 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* key : {"\"from\":\"2024-03-01\"",
                          "\"by\":null",
                          "\"previous_from\":\"2024-01-30\"",
                          "\"buyers\":2",
                          "\"repeat_buyers\":1",
                          "\"repurchase_rate_a\":0.5",
                          "\"previous_buyers\":1",
                          "\"returning_buyers\":1",
                          "\"repurchase_rate_b\":1,",
                          "\"member_orders\":4",
                          "\"repeat_orders\":2",
                          "\"repurchase_rate_c\":0.5",
                          "\"orders\":5",
                          "\"guest_orders\":1",
                          "\"sales_fen\":12000",
                          "\"member_sales_fen\":11000",
                          "\"refunds_fen\":500",
                          "\"net_sales_fen\":11500",
                          "\"aov_fen\":2400",
                          "\"member_aov_fen\":2750",
                          "\"new_buyers\":1",
                          "\"ltv_fen\":5500",
                          "\"cohorts\":[",
                          "\"month\":\"2024-03\",\"size\":1"})
    EXPECT_NE(r.out.find(key), std::string::npos) << key << " in " << r.out;
}

TEST_F(KpiCli, EmptyRangeGivesNullsAndDashesNotNan) {
  CmdResult j = run(db_ + " kpi --from 2030-01-01 --to 2030-01-31 --json");
  ASSERT_EQ(j.code, 0) << j.out;
  for (const char* key :
       {"\"repurchase_rate_a\":null", "\"repurchase_rate_b\":null", "\"aov_fen\":null",
        "\"ltv_fen\":null", "\"dormant_members\":2", "\"reactivation_rate\":0"})
    EXPECT_NE(j.out.find(key), std::string::npos) << key << " in " << j.out;
  CmdResult t = run(db_ + " kpi --from 2030-01-01 --to 2030-01-31");
  ASSERT_EQ(t.code, 0) << t.out;
  EXPECT_NE(t.out.find("复购率 repurchase rate (a)"), std::string::npos) << t.out;
  EXPECT_EQ(t.out.find("nan"), std::string::npos) << t.out;
  EXPECT_EQ(t.out.find("inf"), std::string::npos) << t.out;
}

TEST_F(KpiCli, TextBreakdownsAndUsage) {
  CmdResult m = run(db_ + " kpi --from 2024-02-15 --to 2024-03-31 --by month --cohorts");
  ASSERT_EQ(m.code, 0) << m.out;
  for (const char* s : {"合计 total", "2024-02*", "2024-03", "回购率 repurchase rate (b)",
                        "* partial", "cohort retention"})
    EXPECT_NE(m.out.find(s), std::string::npos) << s << " in " << m.out;
  CmdResult c = run(db_ + " kpi --from 2024-03-01 --to 2024-03-31 --by channel --json");
  ASSERT_EQ(c.code, 0) << c.out;
  EXPECT_NE(c.out.find("\"key\":\"store\""), std::string::npos) << c.out;
  // The refund follows its order's channel into the store row.
  EXPECT_NE(c.out.find("{\"key\":\"store\""), std::string::npos) << c.out;
  auto store_row = c.out.substr(c.out.find("{\"key\":\"store\""));
  EXPECT_NE(store_row.find("\"refunds_fen\":500"), std::string::npos) << c.out;
  // Without dates: the 30 days ending with the last order day.
  CmdResult d = run(db_ + " kpi --json");
  EXPECT_NE(d.out.find("\"from\":\"2024-03-02\",\"to\":\"2024-03-31\""), std::string::npos)
      << d.out;
  EXPECT_EQ(run(db_ + " kpi --by year").code, 2);
  EXPECT_EQ(run(db_ + " kpi --from 2024-04-01 --to 2024-03-01").code, 1);
  EXPECT_EQ(run(db_ + " kpi --from 2024-13-01").code, 1);
  EXPECT_EQ(run("--db " + dir_.file("none.db") + " kpi").code, 1);
}

}  // namespace
}  // namespace recur
