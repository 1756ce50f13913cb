// The loyalty commands end to end: what an operator types, what comes back, the exit codes.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "cli_run.h"
#include "store/database.h"
#include "test_util.h"

namespace recur {
namespace {

using recur::testing::TempDir;

using recur::testing::CmdResult;
using recur::testing::run;

using recur::testing::has;

class LoyaltyCli : public recur::testing::StoreCli {
 protected:
  std::string program() { return std::string(RECUR_SOURCE_DIR) + "/config/program.yaml"; }
  void import_orders() {
    recur::testing::write_file(
        dir_.file("o.csv"),
        "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
        "amount\n"
        "pos,O1,2024-03-05 10:00:00,phone:13900000001,store,S01,F1,食品,2,300.00,0,600.00\n"
        "pos,O1,2024-03-05 10:00:00,phone:13900000001,store,S01,P1,3C/手机,1,1000.00,0,1000.00\n"
        "pos,O2,2024-03-06 10:00:00,phone:13900000002,store,S01,F1,食品,1,300.00,0,300.00\n"
        "pos,O3,2024-03-06 11:00:00,,store,S01,F1,食品,1,300.00,0,300.00\n");
    recur::testing::write_file(dir_.file("r.csv"),
                               "source,refund_id,order_id,refunded_at,sku,qty,amount,reason\n"
                               "pos,R1,O1,2024-03-08 10:00:00,F1,1,300.00,不想要了\n");
    ASSERT_EQ(run(r("import orders " + dir_.file("o.csv"))).code, 0);
    ASSERT_EQ(run(r("import refunds " + dir_.file("r.csv"))).code, 0);
  }
};

TEST_F(LoyaltyCli, ProgramLoadIsIdempotentAndShowsEveryKey) {
  CmdResult a = run(r("program load " + program() + " --json"));
  EXPECT_EQ(a.code, 0) << a.out;
  EXPECT_TRUE(has(a.out, "\"version\":1")) << a.out;
  EXPECT_TRUE(has(a.out, "\"changed\":true")) << a.out;
  CmdResult b = run(r("program load " + program() + " --json"));
  EXPECT_TRUE(has(b.out, "\"version\":1")) << b.out;
  EXPECT_TRUE(has(b.out, "\"changed\":false")) << b.out;
  CmdResult text = run(r("program load " + program()));
  EXPECT_TRUE(has(text.out, "unchanged")) << text.out;
  CmdResult s = run(r("program show --json"));
  EXPECT_EQ(s.code, 0);
  for (const char* k : {"\"tiers\"", "\"diamond\"", "\"pending_days\":7", "\"spent_points\"",
                        "\"redeem_points_per_yuan\":80"})
    EXPECT_TRUE(has(s.out, k)) << k << " in " << s.out;
  CmdResult t = run(r("program show"));
  EXPECT_TRUE(has(t.out, "钻石会员")) << t.out;
  CmdResult src = run(r("program show --source"));
  EXPECT_TRUE(has(src.out, "tier_evaluation:")) << src.out;
}

TEST_F(LoyaltyCli, ABadProgramNamesTheLineAndChangesNothing) {
  recur::testing::write_file(dir_.file("bad.yaml"),
                             "name: x\ntiers:\n  - key: a\n    threshold: 0\n  - key: b\n    "
                             "threshold: -5\n");
  CmdResult c = run(r("program load " + dir_.file("bad.yaml")));
  EXPECT_EQ(c.code, 1) << c.out;
  EXPECT_TRUE(has(c.out, "bad.yaml:6:16: tiers[1].threshold")) << c.out;
  CmdResult s = run(r("program show"));
  EXPECT_EQ(s.code, 1) << s.out;
  EXPECT_TRUE(has(s.out, "recur program load")) << s.out;
}

TEST_F(LoyaltyCli, ImportAppliesLoyaltyThenCheck) {
  ASSERT_EQ(run(r("program load " + program())).code, 0);
  // `recur import` applies the loyalty effects of what it imported: nothing is left pending.
  import_orders();
  CmdResult check_before = run(r("check --json"));
  EXPECT_TRUE(has(check_before.out, "\"pending\":{\"orders\":0,\"refunds\":0}"))
      << check_before.out;
  CmdResult again = run(r("loyalty apply --json"));
  EXPECT_EQ(again.code, 0) << again.out;
  EXPECT_TRUE(has(again.out, "\"orders\":0")) << again.out;

  // O1: 600 + 1000 × 0.5 = 1100 points; O2: 300; the guest order earns nothing; the refund
  // takes back 300: this member holds 1100 − 300 = 800.
  CmdResult show = run(r("points show phone:13900000001 --json"));
  EXPECT_EQ(show.code, 0) << show.out;
  EXPECT_TRUE(has(show.out, "\"balance\":800")) << show.out;
  EXPECT_TRUE(has(show.out, "\"key\":\"silver\"")) << show.out;  // 1600 - 300 growth
  CmdResult text = run(r("points show phone:13900000001"));
  EXPECT_TRUE(has(text.out, "银卡会员")) << text.out;

  CmdResult c = run(r("check --json"));
  EXPECT_EQ(c.code, 0) << c.out;
  EXPECT_TRUE(has(c.out, "\"ok\":true")) << c.out;
  // The CLI runs on the wall clock (≥ 2026): the 2024 points are past their expiry (end of
  // 2025) and no longer count as a liability, but stay in the balance until written off.
  EXPECT_TRUE(has(c.out, "\"expired_unswept\":1100")) << c.out;
  CmdResult ct = run(r("check"));
  EXPECT_EQ(ct.code, 0) << ct.out;
  EXPECT_TRUE(has(ct.out, "ledger consistent")) << ct.out;

  // Damage the ledger behind recur's back: check fails with exit code 1.
  {
    auto db = store::Database::open(dir_.file("t.db"));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("UPDATE loyalty_accounts SET points = points + 7").ok());
  }
  CmdResult bad = run(r("check"));
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_TRUE(has(bad.out, "FAIL balances_equal_entries")) << bad.out;
}

// Refunds imported after later orders were applied (a nightly refunds file): the tier is
// re-evaluated with those later orders counted, as if things had arrived in order. Before, a
// gold member fell to normal, the tier of the refund's date.
TEST_F(LoyaltyCli, ALateRefundReEvaluatesTheTierWithLaterOrders) {
  ASSERT_EQ(run(r("program load " + program())).code, 0);
  recur::testing::write_file(
      dir_.file("late.csv"),
      "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
      "amount\n"
      "pos,L1,2024-01-10 10:00:00,phone:13900000009,store,S01,F1,食品,1,1500.00,0,1500.00\n"
      "pos,L2,2024-06-10 10:00:00,phone:13900000009,store,S01,F2,食品,1,4000.00,0,4000.00\n");
  recur::testing::write_file(dir_.file("late_r.csv"),
                             "source,refund_id,order_id,refunded_at,sku,qty,amount,reason\n"
                             "pos,LR1,L1,2024-02-01 10:00:00,F1,1,600.00,x\n");
  ASSERT_EQ(run(r("import orders " + dir_.file("late.csv"))).code, 0);
  EXPECT_TRUE(has(run(r("points show phone:13900000009 --entries 0")).out, "tier 等级 gold"));
  // Growth a year after the upgrade does not move the date the tier is judged at: a decline
  // since the upgrade is `tiers evaluate`'s, with its grace period.
  ASSERT_EQ(run(r("points adjust phone:13900000009 --growth 10 --reason x --key g1 --at "
                  "\"2025-07-01 10:00\""))
                .code,
            0);
  ASSERT_EQ(run(r("import refunds " + dir_.file("late_r.csv"))).code, 0);
  // 4,900 growth in the 12 months up to June: silver (1,000), not gold (5,000), not normal.
  CmdResult shown = run(r("points show phone:13900000009 --entries 0"));
  EXPECT_TRUE(has(shown.out, "tier 等级 silver 银卡会员 (since 2024-06-10)")) << shown.out;
  EXPECT_TRUE(has(shown.out, "growth 成长值     4910")) << shown.out;
  EXPECT_EQ(run(r("check")).code, 0);
}

// A merged-away member's id still works in every loyalty command, which says on stderr whose
// account it uses; standard output stays the answer (parseable JSON).
TEST_F(LoyaltyCli, AMergedMembersIdNamesTheSurvivorAndSaysSo) {
  ASSERT_EQ(run(r("program load " + program())).code, 0);
  import_orders();
  ASSERT_EQ(run(r("member merge 1 2 --note same")).code, 0);
  CmdResult shown = run(r("points show 2 --entries 0"));
  ASSERT_EQ(shown.code, 0) << shown.out;
  EXPECT_TRUE(has(shown.out, "note: member 2 was merged into member 1 (已合并); using 1"))
      << shown.out;
  EXPECT_TRUE(has(shown.out, "member 会员 1 ")) << shown.out;
  // Standard output alone (stderr dropped by the shell before the pipe).
  const std::string json = run(r("points show 2 --json 2>/dev/null | cat")).out;
  EXPECT_EQ(json.rfind("{\"member_id\":1,", 0), 0u) << json;
}

TEST_F(LoyaltyCli, MutatingCommandsAreNoOpsWhenReplayed) {
  ASSERT_EQ(run(r("program load " + program())).code, 0);
  import_orders();
  ASSERT_EQ(run(r("loyalty apply")).code, 0);
  CmdResult a =
      run(r("points adjust phone:13900000002 --points 150 --reason 补偿 --key k1 --json"));
  EXPECT_EQ(a.code, 0) << a.out;
  EXPECT_TRUE(has(a.out, "\"replayed\":false")) << a.out;
  EXPECT_TRUE(has(a.out, "\"points_balance\":450")) << a.out;
  CmdResult b =
      run(r("points adjust phone:13900000002 --points 150 --reason 补偿 --key k1 --json"));
  EXPECT_TRUE(has(b.out, "\"replayed\":true")) << b.out;
  EXPECT_TRUE(has(b.out, "\"points_balance\":450")) << b.out;
  CmdResult c = run(r("points adjust phone:13900000002 --points -5000 --reason x --key k2"));
  EXPECT_EQ(c.code, 1) << c.out;
  EXPECT_TRUE(has(c.out, "余额不足")) << c.out;
  CmdResult no_key = run(r("points adjust phone:13900000002 --points 1 --reason x"));
  EXPECT_EQ(no_key.code, 2) << no_key.out;

  // Redemption: a quote, then a spend of the adjustment's points (the 2024 order points have
  // expired by the wall clock).
  CmdResult q = run(r("points redeem phone:13900000002 --order-amount 300.00 --quote --json"));
  EXPECT_TRUE(has(q.out, "\"max_points\":150")) << q.out;
  CmdResult red =
      run(r("points redeem phone:13900000002 --order-amount 300.00 --points 150 --key p1 --json"));
  EXPECT_TRUE(has(red.out, "\"discount_fen\":150")) << red.out;
  CmdResult red2 =
      run(r("points redeem phone:13900000002 --order-amount 300.00 --points 150 --key p1 --json"));
  EXPECT_TRUE(has(red2.out, "\"replayed\":true")) << red2.out;

  CmdResult t =
      run(r("points task phone:13900000002 sign_in --key s1 --at '2024-03-10 09:00' "
            "--json"));
  EXPECT_TRUE(has(t.out, "\"points\":5")) << t.out;
  CmdResult t2 = run(r("points task phone:13900000002 sign_in --key s1 --json"));
  EXPECT_TRUE(has(t2.out, "\"replayed\":true")) << t2.out;

  // Expiry at the end of the year after earning: by 2026 the 2024 points are gone.
  CmdResult e = run(r("points expire --as-of 2026-01-01 --json"));
  EXPECT_EQ(e.code, 0) << e.out;
  EXPECT_TRUE(has(e.out, "\"replayed\":false")) << e.out;
  EXPECT_TRUE(has(e.out, "\"members\":2")) << e.out;
  CmdResult e2 = run(r("points expire --as-of 2026-01-01 --json"));
  EXPECT_TRUE(has(e2.out, "\"replayed\":true")) << e2.out;

  CmdResult tv = run(r("tiers evaluate --as-of 2025-06-01 --json"));
  EXPECT_EQ(tv.code, 0) << tv.out;
  EXPECT_TRUE(has(tv.out, "\"grace_started\":1")) << tv.out;
  CmdResult tv2 = run(r("tiers evaluate --as-of 2025-06-01 --json"));
  EXPECT_TRUE(has(tv2.out, "\"replayed\":true")) << tv2.out;
  CmdResult ts = run(r("tiers show --json"));
  EXPECT_TRUE(has(ts.out, "\"members\":2")) << ts.out;

  CmdResult l = run(r("points liability --json"));
  EXPECT_EQ(l.code, 0) << l.out;
  EXPECT_TRUE(has(l.out, "\"points\":0")) << l.out;
  EXPECT_EQ(run(r("check")).code, 0);
}

}  // namespace
}  // namespace recur
