// `recur wallet` end to end: what an operator types, what comes back, the exit codes, and that
// replaying a key changes nothing.

#include <gtest/gtest.h>

#include <string>

#include "cli_run.h"
#include "test_util.h"

namespace recur {
namespace {

using recur::testing::CmdResult;
using recur::testing::run;
using recur::testing::TempDir;

using recur::testing::has;

class WalletCli : public recur::testing::StoreCli {
 protected:
  void SetUp() override {
    ASSERT_EQ(load_shipped_program(), 0);
    recur::testing::write_file(
        dir_.file("o.csv"),
        "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
        "amount\n"
        "pos,O1,2024-03-05 10:00:00,phone:13900000001,store,S01,F1,食品,1,100.00,0,100.00\n");
    ASSERT_EQ(run(r("import orders " + dir_.file("o.csv"))).code, 0);
  }
};

TEST_F(WalletCli, TopUpSpendRefundWithdrawAndReplays) {
  const std::string m = "phone:13900000001";
  CmdResult t =
      run(r("wallet topup " + m + " --amount 500 --key t1 --at '2024-03-06 10:00' --json"));
  EXPECT_EQ(t.code, 0) << t.out;
  EXPECT_TRUE(has(t.out, "\"replayed\":false")) << t.out;
  EXPECT_TRUE(has(t.out, "\"bonus_fen\":5000")) << t.out;  // 充 500 送 50
  CmdResult t2 = run(r("wallet topup " + m + " --amount 500 --key t1 --json"));
  EXPECT_TRUE(has(t2.out, "\"replayed\":true")) << t2.out;
  EXPECT_TRUE(has(t2.out, "\"principal_fen\":50000")) << t2.out;

  // principal_first: ¥100 of principal.
  CmdResult s = run(r("wallet spend " + m + " --amount 100 --order pos:X1 --key s1 --json"));
  EXPECT_EQ(s.code, 0) << s.out;
  EXPECT_TRUE(has(s.out, "\"principal_fen\":-10000")) << s.out;
  CmdResult over = run(r("wallet spend " + m + " --amount 1000 --order pos:X2 --key s2"));
  EXPECT_EQ(over.code, 1) << over.out;
  EXPECT_TRUE(has(over.out, "余额不足")) << over.out;

  CmdResult f = run(r("wallet refund --order pos:X1 --amount 40 --key r1 --json"));
  EXPECT_EQ(f.code, 0) << f.out;
  EXPECT_TRUE(has(f.out, "\"principal_fen\":4000")) << f.out;
  CmdResult f2 = run(r("wallet refund --order pos:X1 --amount 70 --key r2"));
  EXPECT_EQ(f2.code, 1) << f2.out;  // ¥40 + ¥70 > ¥100
  EXPECT_TRUE(has(f2.out, "too much")) << f2.out;

  CmdResult show = run(r("wallet show " + m + " --json"));
  EXPECT_EQ(show.code, 0) << show.out;
  // principal 500 − 100 + 40 = 440, bonus 50.
  EXPECT_TRUE(has(show.out, "\"spendable_fen\":49000")) << show.out;
  CmdResult text = run(r("wallet show " + m));
  EXPECT_TRUE(has(text.out, "principal 本金 ¥440.00")) << text.out;

  CmdResult neither = run(r("wallet withdraw " + m + " --key w0"));
  EXPECT_EQ(neither.code, 1) << neither.out;
  // Nothing of the bonus was spent: ¥440 back, the ¥50 bonus forfeited.
  CmdResult w = run(r("wallet withdraw " + m + " --topup t1 --key w1 --json"));
  EXPECT_EQ(w.code, 0) << w.out;
  EXPECT_TRUE(has(w.out, "\"paid_out_fen\":44000")) << w.out;
  EXPECT_TRUE(has(w.out, "\"bonus_fen\":-5000")) << w.out;
  CmdResult w2 = run(r("wallet withdraw " + m + " --topup t1 --key w1 --json"));
  EXPECT_TRUE(has(w2.out, "\"replayed\":true")) << w2.out;
  EXPECT_TRUE(has(w2.out, "\"paid_out_fen\":44000")) << w2.out;
  CmdResult no_key = run(r("wallet topup " + m + " --amount 10"));
  EXPECT_EQ(no_key.code, 2) << no_key.out;
  CmdResult bad = run(r("wallet topup " + m + " --amount 12.345 --key t9"));
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_TRUE(has(bad.out, "--amount")) << bad.out;
}

TEST_F(WalletCli, CashbackExpiresAndCheckReportsWhatIsOwed) {
  const std::string m = "phone:13900000001";
  // 2% of ¥100, valid through 2024-03-05 + 90 days = 2024-06-03.
  CmdResult e = run(r("wallet cashback earn " + m +
                      " --order pos:O1 --net-paid 100 --key c1 --at '2024-03-05 10:00' --json"));
  EXPECT_EQ(e.code, 0) << e.out;
  EXPECT_TRUE(has(e.out, "\"cashback_fen\":200")) << e.out;
  EXPECT_TRUE(has(e.out, "valid through 2024-06-03")) << e.out;
  CmdResult x = run(r("wallet cashback expire --as-of 2024-06-04 --json"));
  EXPECT_EQ(x.code, 0) << x.out;
  EXPECT_TRUE(has(x.out, "\"lots\":1")) << x.out;
  EXPECT_TRUE(has(x.out, "\"cashback_fen\":200")) << x.out;
  CmdResult x2 = run(r("wallet cashback expire --as-of 2024-06-04 --json"));
  EXPECT_TRUE(has(x2.out, "\"replayed\":true")) << x2.out;
  ASSERT_EQ(run(r("wallet topup " + m + " --amount 1000 --key t1")).code, 0);
  CmdResult c = run(r("check"));
  EXPECT_EQ(c.code, 0) << c.out;
  // ¥1000 + ¥120 bonus.
  EXPECT_TRUE(has(c.out, "stored value owed 储值负债 ¥1120.00")) << c.out;
  CmdResult l = run(r("wallet liability --json"));
  EXPECT_TRUE(has(l.out, "\"owed_fen\":112000")) << l.out;
  CmdResult cj = run(r("check --json"));
  EXPECT_TRUE(has(cj.out, "\"stored_value\":{\"owed_fen\":112000")) << cj.out;
}

}  // namespace
}  // namespace recur
