// recur coupon and recur mall end to end: what an operator types, what comes back, the exit
// codes, and that every mutating command replays as a no-op.

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

class CouponCli : public recur::testing::StoreCli {
 protected:
  void SetUp() override {
    ASSERT_EQ(load_shipped_program(), 0);
    recur::testing::write_file(
        dir_.file("o.csv"),
        "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
        "amount\n"
        "pos,O1,2024-03-05 10:00:00,phone:13900000001,store,S01,F1,食品,2,300.00,0,600.00\n"
        "pos,O2,2024-03-06 10:00:00,phone:13900000002,store,S01,F1,食品,1,300.00,0,300.00\n");
    ASSERT_EQ(run(r("import orders " + dir_.file("o.csv"))).code, 0);
    ASSERT_EQ(run(r("loyalty apply")).code, 0);
  }
};

TEST_F(CouponCli, IssueUseAndReplay) {
  const std::string m = "phone:13900000002";
  CmdResult a = run(r("coupon issue " + m + " birthday_10_off --key c1 --json"));
  ASSERT_EQ(a.code, 0) << a.out;
  EXPECT_TRUE(has(a.out, "\"replayed\":false")) << a.out;
  EXPECT_TRUE(has(a.out, "\"coupon_id\":1")) << a.out;
  EXPECT_TRUE(has(a.out, "\"budget_fen\":1000")) << a.out;
  CmdResult a2 = run(r("coupon issue " + m + " birthday_10_off --key c1 --json"));
  EXPECT_TRUE(has(a2.out, "\"replayed\":true")) << a2.out;
  EXPECT_TRUE(has(a2.out, "\"coupon_id\":1")) << a2.out;

  // ¥10 off a ¥30.00 order.
  const std::string use = "coupon use 1 --order web:W1 --member " + m +
                          " --channel online --line 食品:F1:30.00 --json --key ";
  CmdResult u = run(r(use + "u1"));
  ASSERT_EQ(u.code, 0) << u.out;
  EXPECT_TRUE(has(u.out, "\"discount_fen\":1000")) << u.out;
  EXPECT_TRUE(has(u.out, "\"in_scope_fen\":3000")) << u.out;
  CmdResult u2 = run(r(use + "u1"));
  EXPECT_EQ(u2.code, 0) << u2.out;
  EXPECT_TRUE(has(u2.out, "\"replayed\":true")) << u2.out;
  CmdResult u3 = run(r(use + "u2"));
  EXPECT_EQ(u3.code, 1) << u3.out;
  EXPECT_TRUE(has(u3.out, "已使用")) << u3.out;
  CmdResult nokey = run(r("coupon use 1 --order web:W1 --member " + m + " --line a:b:1"));
  EXPECT_EQ(nokey.code, 2) << nokey.out;

  // A fixed-date template whose dates are past cannot be issued.
  CmdResult old = run(r("coupon issue " + m + " formula_95_off --key c2"));
  EXPECT_EQ(old.code, 1) << old.out;
  EXPECT_TRUE(has(old.out, "valid through 2025-06-30")) << old.out;
  CmdResult none = run(r("coupon issue " + m + " no_such --key c3"));
  EXPECT_EQ(none.code, 1) << none.out;
  EXPECT_TRUE(has(none.out, "no coupon template 'no_such'")) << none.out;

  CmdResult t = run(r("coupon templates --json"));
  EXPECT_TRUE(has(t.out,
                  "\"key\":\"birthday_10_off\",\"name\":\"生日券 ¥10 无门槛\","
                  "\"type\":\"no_threshold\",\"stock\":0,\"issued\":1,\"unused\":0,"
                  "\"used\":1,\"budget_fen\":1000,\"actual_fen\":1000"))
      << t.out;
  CmdResult l = run(r("coupon list " + m + " --all --json"));
  EXPECT_TRUE(has(l.out, "\"state\":\"used\"")) << l.out;
  CmdResult rv = run(r("coupon revoke 1 --reason x --key r1"));
  EXPECT_EQ(rv.code, 1) << rv.out;

  CmdResult mo = run(r("coupon monthly --month 2026-01 --key m1 --json"));
  EXPECT_EQ(mo.code, 0) << mo.out;
  CmdResult mo2 = run(r("coupon monthly --month 2026-01 --key m1 --json"));
  EXPECT_TRUE(has(mo2.out, "\"replayed\":true")) << mo2.out;
  EXPECT_EQ(run(r("check")).code, 0);
}

// An unused coupon whose validity ended before now (the daily `coupon expire` has not run) is
// listed as unused but marked, and is not usable now; one issued now is.
TEST_F(CouponCli, ListMarksCouponsPastTheirValidity) {
  const std::string m = "phone:13900000001";
  ASSERT_EQ(run(r("coupon issue " + m + " birthday_10_off --key old --at 2024-03-10")).code, 0);
  ASSERT_EQ(run(r("coupon issue " + m + " birthday_10_off --key new")).code, 0);
  CmdResult l = run(r("coupon list " + m));
  ASSERT_EQ(l.code, 0) << l.out;
  EXPECT_TRUE(has(l.out, "2 unused coupon(s)")) << l.out;
  EXPECT_TRUE(has(l.out, "valid 2024-03-10 … 2024-04-08  budget ¥10.00  past validity 已过有效期"))
      << l.out;
  CmdResult j = run(r("coupon list " + m + " --json"));
  EXPECT_TRUE(has(j.out,
                  "\"valid_through\":\"2024-04-08\",\"budget_fen\":1000,\"order\":\"\","
                  "\"discount_fen\":0,\"reason\":\"\",\"usable_now\":false,"
                  "\"validity_note\":\"past validity\""))
      << j.out;
  EXPECT_TRUE(has(j.out, "\"usable_now\":true,\"validity_note\":\"\"")) << j.out;
}

TEST_F(CouponCli, MallExchangeAndCancel) {
  const std::string m = "phone:13900000002";
  // The 2024 order's 300 points have expired by the wall clock (still in the balance until
  // `points expire` writes them off): grant 600 to spend. Balance 900, usable 600.
  ASSERT_EQ(run(r("points adjust " + m + " --points 600 --reason 测试 --key g1")).code, 0);
  CmdResult x = run(r("mall exchange " + m + " coupon_5 --key x1 --json"));
  ASSERT_EQ(x.code, 0) << x.out;
  EXPECT_TRUE(has(x.out, "\"points\":500")) << x.out;
  EXPECT_TRUE(has(x.out, "\"points_balance\":400")) << x.out;  // 900 - 500
  EXPECT_TRUE(has(x.out, "\"coupon_id\":1")) << x.out;
  CmdResult x2 = run(r("mall exchange " + m + " coupon_5 --key x1 --json"));
  EXPECT_TRUE(has(x2.out, "\"replayed\":true")) << x2.out;
  CmdResult poor = run(r("mall exchange " + m + " coupon_5 --key x2"));  // 100 usable
  EXPECT_EQ(poor.code, 1) << poor.out;
  EXPECT_TRUE(has(poor.out, "积分不足")) << poor.out;
  CmdResult tier = run(r("mall exchange " + m + " gold_tea_set --key x3"));
  EXPECT_EQ(tier.code, 1) << tier.out;
  EXPECT_TRUE(has(tier.out, "会员等级不足")) << tier.out;

  CmdResult c = run(r("mall cancel 1 --key k1 --json"));
  ASSERT_EQ(c.code, 0) << c.out;
  EXPECT_TRUE(has(c.out, "\"points\":500")) << c.out;
  EXPECT_TRUE(has(c.out, "\"points_balance\":900")) << c.out;
  EXPECT_TRUE(has(c.out, "\"coupon_revoked\":1")) << c.out;
  CmdResult c2 = run(r("mall cancel 1 --key k1 --json"));
  EXPECT_TRUE(has(c2.out, "\"replayed\":true")) << c2.out;
  CmdResult ml = run(r("mall list " + m + " --json"));
  EXPECT_TRUE(has(ml.out, "\"state\":\"cancelled\"")) << ml.out;
  EXPECT_EQ(run(r("check")).code, 0);
}

}  // namespace
}  // namespace recur
