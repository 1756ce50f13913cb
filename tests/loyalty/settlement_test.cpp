// Settlement: what a checkout spreads over the lines and what many partial refunds give back add
// up to the fen and the point, whatever the amounts; recur check agrees.

#include "loyalty/settlement.h"

#include <gtest/gtest.h>

#include <random>

#include "loyalty/check.h"
#include "loyalty_fixture.h"
#include "test_util.h"

namespace recur::loyalty {
namespace {

using testing::in_tx;

TEST(Settlement, RandomPartialRefundsGiveBackExactlyWhatWasPaid) {
  recur::testing::TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  testing::load(*db, testing::default_program({{"pending_days: 7", "pending_days: 0"}}));
  testing::add_members(*db, 1);
  ManualClock clock(Instant{1709604000});  // 2024-03-05 10:00 Shanghai
  auto engine = testing::engine(*db, clock);
  ASSERT_TRUE(engine);
  CouponBook coupons(*engine);
  Wallet wallet(*db, engine->active_program(), engine->zone(), clock);
  Settlement settle(*engine, coupons, &wallet);

  std::mt19937_64 rng(7);
  for (int round = 0; round < 20; ++round) {
    const Instant at{clock.now().seconds + round * 3600};
    const std::string order = "pos:R" + std::to_string(round);
    // Money for the tenders: plenty of points and stored value.
    ASSERT_TRUE(in_tx(*db, [&] {
                  return engine->adjust(AdjustInput{1, 20000, 0, "test", "top-" + order, at});
                }).ok());
    ASSERT_TRUE(in_tx(*db, [&] { return wallet.topup(1, 100000, at, "w-" + order); }).ok());
    auto issued = in_tx(*db, [&] {
      return coupons.issue(
          IssueInput{1, "silver_monthly_10_off_99", "c-" + order, at, "operator", ""});
    });
    ASSERT_TRUE(issued.ok()) << issued.status().to_string();

    CheckoutInput in;
    in.order_key = order;
    in.member = 1;
    in.channel = "store";
    in.at = at;
    const int nlines = 1 + static_cast<int>(rng() % 4);
    Fen goods = 0;
    for (int l = 1; l <= nlines; ++l) {
      Fen amount = 9901 + static_cast<Fen>(rng() % 20000);  // ¥99.01–¥299.00: over the threshold
      in.lines.push_back({l, "SKU" + std::to_string(l), "食品", amount});
      goods += amount;
    }
    in.coupon_id = issued->coupon.coupon_id;
    in.points = 101 + static_cast<std::int64_t>(rng() % 3000);
    in.wallet = static_cast<Fen>(rng() % static_cast<std::uint64_t>(goods / 3));
    auto c = in_tx(*db, [&] { return settle.checkout(in); });
    ASSERT_TRUE(c.ok()) << c.status().to_string();
    ASSERT_EQ(c->coupon + c->points_fen + c->wallet + c->cash, goods);

    // Refund it in 1–6 random pieces (line or order), the last taking all that is left.
    std::vector<Fen> left;
    for (const auto& l : in.lines) left.push_back(l.amount);
    std::int64_t points_back = 0;
    Fen wallet_back = 0, cash_back = 0;
    const int pieces = 1 + static_cast<int>(rng() % 6);
    for (int p = 0; p < pieces; ++p) {
      SettlementRefundInput r;
      r.key = order + "-refund" + std::to_string(p);
      r.order_key = order;
      r.at = Instant{at.seconds + 60 * (p + 1)};
      Fen total_left = 0;
      for (Fen x : left) total_left += x;
      if (p == pieces - 1) {
        r.amount = total_left;
      } else if (rng() % 2 == 0) {
        std::size_t li = rng() % left.size();
        if (left[li] == 0) continue;
        r.line_no = static_cast<std::int64_t>(li + 1);
        r.amount = 1 + static_cast<Fen>(rng() % static_cast<std::uint64_t>(left[li]));
        left[li] -= r.amount;
      } else {
        r.amount = 1 + static_cast<Fen>(rng() % static_cast<std::uint64_t>(total_left));
      }
      auto e = in_tx(*db, [&] { return settle.refund(r); });
      ASSERT_TRUE(e.ok()) << e.status().to_string();
      points_back += e->points_returned;
      wallet_back += e->wallet;
      cash_back += e->cash + e->deducted;
      if (!r.line_no) {  // re-read what is left per line from the store
        auto st = db->prepare(
            "SELECT goods_fen - refunded_goods_fen FROM loyalty_settlement_lines "
            "WHERE order_key = ? ORDER BY line_no");
        ASSERT_TRUE(st.ok());
        st->bind(1, order);
        for (Fen& x : left) {
          ASSERT_TRUE(st->step().value());
          x = st->column_int64(0);
        }
      }
      if (p == pieces - 1) {
        EXPECT_TRUE(e->full);
        EXPECT_TRUE(e->coupon_returned);
      }
    }
    EXPECT_EQ(points_back, c->points) << order;
    EXPECT_EQ(wallet_back, c->wallet) << order;
    EXPECT_EQ(cash_back, c->cash) << order;
  }
  auto report = run_check(*db, clock.now());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  // A checkout's coupon use is recorded by its settlement and order rows alone: no
  // coupon_operations row, and its ledger entry (cause use, no key) is the order row's
  // (migration 14), one per settled order with a coupon.
  EXPECT_EQ(recur::testing::count(*db,
                                  "SELECT COUNT(*) FROM coupon_operations WHERE kind = "
                                  "'use'"),
            0);
  EXPECT_EQ(recur::testing::count(*db,
                                  "SELECT COUNT(*) FROM loyalty_entries_other WHERE "
                                  "account = 'coupon' AND cause = 'use'"),
            0);
  const std::int64_t uses = recur::testing::count(
      *db,
      "SELECT COUNT(*) FROM loyalty_entries e JOIN loyalty_orders o ON o.entry_id + 2 = "
      "e.entry_id AND o.coupon_id IS NOT NULL WHERE e.account = 'coupon' AND e.cause = "
      "'use' AND e.idem_key IS NULL AND e.reference = 'coupon:' || o.coupon_id");
  EXPECT_GT(uses, 0);
  // An order with a coupon takes three entry ids (ledger.h, kNextEntryIdSql): the entries written
  // after it (the refunds') never reuse its coupon entry's.
  EXPECT_EQ(recur::testing::count(*db,
                                  "SELECT COUNT(*) - COUNT(DISTINCT entry_id) FROM "
                                  "loyalty_entries"),
            0);
  EXPECT_EQ(uses, recur::testing::count(*db,
                                        "SELECT COUNT(*) FROM loyalty_settlements WHERE "
                                        "coupon_id IS NOT NULL"));
  // Everything was refunded: no points or growth earned by the orders remain.
  EXPECT_EQ(recur::testing::count(*db, "SELECT growth FROM loyalty_accounts"), 0);
}

}  // namespace
}  // namespace recur::loyalty
