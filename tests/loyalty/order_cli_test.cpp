// `recur order checkout|refund` end to end: an order paid with a coupon, points and stored value,
// the order then arriving through a bulk import (nothing applied twice), and an imported refund
// running the whole cascade.

#include <gtest/gtest.h>

#include <string>

#include "cli_run.h"
#include "store/database.h"
#include "test_util.h"

namespace recur {
namespace {

using recur::testing::CmdResult;
using recur::testing::run;
using recur::testing::TempDir;

using recur::testing::has;

std::string field(const std::string& json, const std::string& key) {
  auto p = json.find("\"" + key + "\":");
  if (p == std::string::npos) return "";
  p += key.size() + 3;
  auto e = json.find_first_of(",}", p);
  return json.substr(p, e - p);
}

class OrderCli : public recur::testing::StoreCli {
 protected:
  void SetUp() override {
    ASSERT_EQ(load_shipped_program(), 0);
    recur::testing::write_file(dir_.file("members.csv"), "member,name\nphone:13900000001,安安\n");
    ASSERT_EQ(run(r("import members " + dir_.file("members.csv"))).code, 0);
  }
  std::int64_t query(const std::string& sql) {
    auto db = store::Database::open(dir_.file("t.db"));
    return recur::testing::count(**db, sql);
  }
};

TEST_F(OrderCli, CheckoutThenImportedOrderAndRefundRunTheCascade) {
  const std::string m = "phone:13900000001";
  ASSERT_EQ(run(r("points adjust " + m + " --points 10000 --reason opening --key open " +
                  "--at '2024-03-01 10:00'"))
                .code,
            0);
  ASSERT_EQ(run(r("wallet topup " + m + " --amount 500 --key t1 --at '2024-03-01 10:00'")).code, 0);
  CmdResult c = run(r("coupon issue " + m + " silver_monthly_10_off_99 --key c1 " +
                      "--at '2024-03-01 10:00' --json"));
  ASSERT_EQ(c.code, 0) << c.out;
  const std::string coupon = field(c.out, "coupon_id");
  ASSERT_FALSE(coupon.empty()) << c.out;

  // ¥200 of goods − ¥10 coupon − 5000 points (¥50) − ¥100 stored value = ¥40 cash; the paid
  // ¥140 earns 140 points and growth (×1 at normal) and ¥2.80 cashback (2%).
  const std::string checkout = "order checkout pos:S1 " + m +
                               " --line 食品:F1:100.00 --line 食品:F2:100.00 --coupon " + coupon +
                               " --points 5000 --wallet 100 --at '2024-03-05 10:00' --json";
  CmdResult k = run(r(checkout));
  ASSERT_EQ(k.code, 0) << k.out;
  EXPECT_EQ(field(k.out, "cash_fen"), "4000") << k.out;
  EXPECT_EQ(field(k.out, "coupon_fen"), "1000") << k.out;
  EXPECT_EQ(field(k.out, "points_fen"), "5000") << k.out;
  EXPECT_EQ(field(k.out, "earned_points"), "140") << k.out;
  EXPECT_EQ(field(k.out, "cashback_fen"), "280") << k.out;
  EXPECT_EQ(field(run(r(checkout)).out, "replayed"), "true");
  EXPECT_EQ(query("SELECT points FROM loyalty_accounts"), 5140);

  // The order reaches the store through the nightly import: linked, nothing earned twice.
  recur::testing::write_file(
      dir_.file("o.csv"),
      "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
      "amount\n"
      "pos,S1,2024-03-05 10:00:00," +
          m +
          ",store,S01,F1,食品,1,100.00,0,100.00\n"
          "pos,S1,2024-03-05 10:00:00," +
          m + ",store,S01,F2,食品,2,50.00,0,100.00\n");
  ASSERT_EQ(run(r("import orders " + dir_.file("o.csv"))).code, 0);
  EXPECT_EQ(query("SELECT points FROM loyalty_accounts"), 5140);
  EXPECT_EQ(query("SELECT COUNT(*) FROM loyalty_orders WHERE order_pk IS NOT NULL"), 1);

  // An imported refund of half of line 2 runs the cascade: 1250 points and ¥25 of stored value
  // back, 35 points and ¥0.70 cashback taken back; the coupon stays used.
  recur::testing::write_file(dir_.file("r.csv"),
                             "source,refund_id,order_id,refunded_at,sku,qty,amount\n"
                             "pos,R1,S1,2024-03-07 10:00:00,F2,1,50.00\n");
  CmdResult imp = run(r("import refunds " + dir_.file("r.csv")));
  ASSERT_EQ(imp.code, 0) << imp.out;
  EXPECT_EQ(query("SELECT points FROM loyalty_accounts"), 5140 + 1250 - 35);
  EXPECT_EQ(query("SELECT principal FROM wallet_accounts"), 40000 + 2500);
  EXPECT_EQ(query("SELECT COUNT(*) FROM loyalty_settlement_refunds WHERE refund_pk IS NOT NULL"),
            1);
  EXPECT_EQ(query("SELECT COUNT(*) FROM loyalty_refunds"), 1);  // the line's earn clawback

  // The rest through the operator command: everything left comes back, and the coupon.
  CmdResult rest =
      run(r("order refund pos:S1 --amount 150 --key pos:R2 --at '2024-03-08 10:00' "
            "--json"));
  ASSERT_EQ(rest.code, 0) << rest.out;
  EXPECT_EQ(field(rest.out, "wallet_fen"), "7500") << rest.out;
  EXPECT_EQ(field(rest.out, "cash_fen"), "3000") << rest.out;
  EXPECT_EQ(field(rest.out, "coupon_returned"), "true") << rest.out;
  EXPECT_EQ(query("SELECT points FROM loyalty_accounts"), 10000);
  EXPECT_EQ(query("SELECT principal FROM wallet_accounts"), 50000);
  // order show: each line's tenders and the refunds, both ways in.
  CmdResult show = run(r("order show pos:S1 --json"));
  ASSERT_EQ(show.code, 0) << show.out;
  EXPECT_TRUE(has(show.out, "\"tier\":\"normal\"")) << show.out;
  EXPECT_TRUE(has(show.out,
                  "{\"line_no\":2,\"goods_fen\":10000,\"coupon_fen\":500,"
                  "\"points\":2500,\"points_fen\":2500,\"paid_fen\":7000}"))
      << show.out;
  EXPECT_TRUE(has(show.out,
                  "\"refund\":\"pos:R1\",\"goods_fen\":5000,"
                  "\"points_returned\":1250,\"wallet_fen\":2500,\"cash_fen\":1000"))
      << show.out;
  EXPECT_TRUE(has(show.out, "\"refund\":\"pos:R2\"")) << show.out;
  EXPECT_EQ(run(r("order show pos:NOPE")).code, 1);  // not found: an input error
  CmdResult over = run(r("order refund pos:S1 --amount 0.01 --key pos:R3"));
  EXPECT_EQ(over.code, 1) << over.out;
  EXPECT_TRUE(has(over.out, "exceeds")) << over.out;
  CmdResult check = run(r("check"));
  EXPECT_EQ(check.code, 0) << check.out;
  // The coupon of a checked-out order comes back through its refund, not `coupon refund`.
  CmdResult manual = run(r("coupon refund pos:S1 --full --key manual-1"));
  EXPECT_EQ(manual.code, 1) << manual.out;
  EXPECT_TRUE(has(manual.out, "recur order refund")) << manual.out;

  // recur check notices tenders that no longer add up, and refunds beyond what was paid.
  {
    auto db = store::Database::open(dir_.file("t.db"));
    ASSERT_TRUE((*db)->exec("UPDATE loyalty_settlements SET cash_fen = cash_fen + 1").ok());
    // A line's returned points (the 8th of its nine numbers) beyond its points.
    ASSERT_TRUE((*db)
                    ->exec("UPDATE loyalty_settlements SET lines = json_set(lines, '$[0][7]', "
                           "json_extract(lines, '$[0][3]') + 1)")
                    .ok());
    // The refund no longer says it gave the coupon back, which is issued again.
    ASSERT_TRUE((*db)->exec("UPDATE loyalty_settlement_refunds SET coupon_returned = 0").ok());
    // The member's account counts a coupon it does not hold.
    ASSERT_TRUE((*db)->exec("UPDATE loyalty_accounts SET coupons = coupons + 1").ok());
    // The coupon's use entry, kept on the order's row, says a wrong balance after it.
    ASSERT_TRUE((*db)
                    ->exec("UPDATE loyalty_orders SET coupon_after = coupon_after + 5 "
                           "WHERE coupon_id IS NOT NULL")
                    .ok());
  }
  CmdResult bad = run(r("check"));
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_TRUE(has(bad.out, "settlements_add_up")) << bad.out;
  EXPECT_TRUE(has(bad.out, "settlement_refunds_within_paid")) << bad.out;
  EXPECT_TRUE(has(bad.out, "settlement_coupons_used")) << bad.out;
  EXPECT_TRUE(has(bad.out, "running_balances")) << bad.out;
  EXPECT_TRUE(has(bad.out, "coupon_accounts")) << bad.out;
}

}  // namespace
}  // namespace recur
