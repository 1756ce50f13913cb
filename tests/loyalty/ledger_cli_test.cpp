// recur ledger summary|export end to end: the roll-forward of two imported orders and a top-up,
// the CSV of the period's entries, and the errors an operator may meet.

#include <gtest/gtest.h>

#include <string>

#include "cli_run.h"
#include "test_util.h"

namespace recur {
namespace {

using recur::testing::CmdResult;
using recur::testing::has;
using recur::testing::run;

class LedgerCli : public recur::testing::StoreCli {
 protected:
  void SetUp() override {
    ASSERT_EQ(load_shipped_program(), 0);
    recur::testing::write_file(
        dir_.file("o.csv"),
        "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
        "amount\n"
        "pos,O1,2024-03-05 10:00:00,phone:13900000001,store,S01,F1,食品,2,300.00,0,600.00\n"
        "pos,O2,2024-04-06 10:00:00,phone:13900000002,store,S01,F1,食品,1,300.00,0,300.00\n");
    ASSERT_EQ(run(r("import orders " + dir_.file("o.csv"))).code, 0);
    ASSERT_EQ(run(r("wallet topup phone:13900000002 --amount 500 --key t1 --at "
                    "\"2024-03-20 12:00\""))
                  .code,
              0);
  }
};

TEST_F(LedgerCli, SummaryRollsEachAccountForward) {
  // March: the ¥600 order (600 points and growth at ×1) and the top-up (¥500 + ¥50 bonus).
  CmdResult m = run(r("ledger summary --from 2024-03-01 --to 2024-03-31 --json"));
  ASSERT_EQ(m.code, 0) << m.out;
  EXPECT_TRUE(has(m.out, "\"from\":\"2024-03-01\",\"to\":\"2024-03-31\"")) << m.out;
  EXPECT_TRUE(has(m.out,
                  "{\"account\":\"points\",\"unit\":\"points\",\"opening\":0,\"in\":600,\"out\":0,"
                  "\"closing\":600,\"entries\":1,\"causes\":[{\"cause\":\"order\",\"in\":600,"
                  "\"out\":0,\"entries\":1}]}"))
      << m.out;
  EXPECT_TRUE(has(m.out,
                  "{\"account\":\"stored_principal\",\"unit\":\"fen\",\"opening\":0,\"in\":50000,"
                  "\"out\":0,\"closing\":50000"))
      << m.out;
  // April opens where March closed and adds the ¥300 order.
  CmdResult a = run(r("ledger summary --from 2024-04-01 --to 2024-04-30"));
  ASSERT_EQ(a.code, 0) << a.out;
  EXPECT_TRUE(has(a.out, "ledger 台账 2024-04-01 … 2024-04-30 (Asia/Shanghai)")) << a.out;
  EXPECT_TRUE(has(a.out, "opening 期初                            600")) << a.out;
  EXPECT_TRUE(has(a.out, "+ order                                 300  1 entries")) << a.out;
  EXPECT_TRUE(has(a.out, "closing 期末                            900")) << a.out;
  EXPECT_TRUE(has(a.out, "opening 期初                        ¥500.00")) << a.out;
}

TEST_F(LedgerCli, ExportWritesThePeriodsEntriesAsCsv) {
  CmdResult e = run(r("ledger export --from 2024-03-01 --to 2024-04-30 --account points"));
  ASSERT_EQ(e.code, 0) << e.out;
  EXPECT_TRUE(has(e.out,
                  "entry_id,at,member_id,account,unit,cause,amount,balance_after,reference,key,"
                  "note\n"))
      << e.out;
  EXPECT_TRUE(
      has(e.out, ",2024-03-05T10:00:00+08:00,1,points,points,order,600,600,order:pos:O1,,\n"))
      << e.out;
  EXPECT_TRUE(
      has(e.out, ",2024-04-06T10:00:00+08:00,2,points,points,order,300,300,order:pos:O2,,\n"))
      << e.out;
  CmdResult f =
      run(r("ledger export --from 2024-03-01 --to 2024-04-30 --member 2 -o " + dir_.file("l.csv")));
  ASSERT_EQ(f.code, 0) << f.out;
  EXPECT_TRUE(has(f.out, "wrote 4 entries")) << f.out;  // principal, bonus, points, growth
  const std::string csv = recur::testing::read_file(dir_.file("l.csv"));
  EXPECT_TRUE(has(csv, ",stored_bonus,fen,topup,5000,5000,")) << csv;
}

TEST_F(LedgerCli, BadPeriodsAndAccountsAreRefused) {
  CmdResult back = run(r("ledger summary --from 2024-04-01 --to 2024-03-01"));
  EXPECT_EQ(back.code, 1);
  EXPECT_TRUE(has(back.out, "--to 2024-03-01 is before --from 2024-04-01")) << back.out;
  CmdResult day = run(r("ledger summary --from 2024-02-30"));
  EXPECT_EQ(day.code, 1);
  EXPECT_TRUE(has(day.out, "--from '2024-02-30'")) << day.out;
  CmdResult acc = run(r("ledger export --from 2024-03-01 --account gold"));
  EXPECT_EQ(acc.code, 1);
  EXPECT_TRUE(has(acc.out, "--account 'gold'")) << acc.out;
  EXPECT_EQ(run(r("ledger summary")).code, 2);  // --from is required
}

}  // namespace
}  // namespace recur
