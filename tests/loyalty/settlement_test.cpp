// Settlement: what a checkout spreads over the lines and what many partial refunds give back add
// up to the fen and the point, whatever the amounts; recur check agrees.

#include "loyalty/settlement.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "loyalty/check.h"
#include "loyalty_fixture.h"
#include "test_util.h"

namespace recur::loyalty {
namespace {

using testing::in_tx;

// One member under the shipped program (no pending period), with coupons and a wallet.
class SettlementCheckout : public ::testing::Test {
 protected:
  void SetUp() override {
    db = recur::testing::open_test_db(dir);
    testing::load(*db, testing::default_program({{"pending_days: 7", "pending_days: 0"}}));
    testing::add_members(*db, 1);
    engine = testing::engine(*db, clock);
    ASSERT_TRUE(engine);
    coupons = std::make_unique<CouponBook>(*engine);
    wallet = std::make_unique<Wallet>(*db, engine->active_program(), engine->zone(), clock);
    settle = std::make_unique<Settlement>(*engine, *coupons, wallet.get());
  }

  recur::testing::TempDir dir;
  std::unique_ptr<store::Database> db;
  ManualClock clock{Instant{1709604000}};  // 2024-03-05 10:00 Shanghai
  std::unique_ptr<LoyaltyEngine> engine;
  std::unique_ptr<CouponBook> coupons;
  std::unique_ptr<Wallet> wallet;
  std::unique_ptr<Settlement> settle;
};

TEST_F(SettlementCheckout, RandomPartialRefundsGiveBackExactlyWhatWasPaid) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20; ++round) {
    const Instant at{clock.now().seconds + round * 3600};
    const std::string order = "pos:R" + std::to_string(round);
    // Money for the tenders: plenty of points and stored value.
    ASSERT_TRUE(in_tx(*db, [&] {
                  return engine->adjust(AdjustInput{1, 20000, 0, "test", "top-" + order, at});
                }).ok());
    ASSERT_TRUE(in_tx(*db, [&] { return wallet->topup(1, 100000, at, "w-" + order); }).ok());
    auto issued = in_tx(*db, [&] {
      return coupons->issue(
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
    auto c = in_tx(*db, [&] { return settle->checkout(in); });
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
      auto e = in_tx(*db, [&] { return settle->refund(r); });
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

// A checkout's stored-value payment and cashback happen once because of its settlement row, and
// a settlement refund's giving back and taking back because of its refund row (OnceBy::kCaller):
// they write no wallet_operations row and their entries no idem_key, yet a replay changes
// nothing, the order can be paid or earn cashback no second time, and its refunds never give
// back more than it spent.
TEST_F(SettlementCheckout, ACheckoutsWalletPartsHappenOnceByItsSettlementRow) {
  const Instant at = clock.now();
  ASSERT_TRUE(in_tx(*db, [&] { return wallet->topup(1, 50000, at, "t1"); }).ok());

  CheckoutInput in;
  in.order_key = "pos:W1";
  in.member = 1;
  in.channel = "store";
  in.at = at;
  in.lines = {{1, "SKU1", "食品", 30000}, {2, "SKU2", "食品", 20000}};
  in.wallet = 12000;  // ¥120 of stored value, ¥380 in cash
  auto c = in_tx(*db, [&] { return settle->checkout(in); });
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->wallet, 12000);
  EXPECT_EQ(c->cash, 38000);
  EXPECT_EQ(c->cashback, 1000);  // 2% of the ¥500 paid with money
  const std::string ops = "SELECT op_key FROM wallet_operations ORDER BY 1";
  EXPECT_EQ(recur::testing::dump(*db, ops), "topup:t1\n");
  const std::string entries =
      "SELECT account, cause, amount, balance_after, reference, COALESCE(idem_key, '-') FROM "
      "loyalty_entries_other WHERE account IN ('stored_principal', 'stored_bonus', 'cashback') "
      "ORDER BY entry_id";
  const std::string before = recur::testing::dump(*db, entries);
  EXPECT_EQ(before,
            "stored_principal|topup|50000|50000|topup:t1|wallet:topup:t1:stored_principal\n"
            "stored_bonus|topup|5000|5000|topup:t1|wallet:topup:t1:stored_bonus\n"
            "stored_principal|spend|-12000|38000|order:pos:W1|-\n"
            "cashback|cashback|1000|1000|order:pos:W1|-\n");

  // The replay returns the first result and writes nothing.
  auto again = in_tx(*db, [&] { return settle->checkout(in); });
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->wallet, 12000);
  EXPECT_EQ(again->cashback, 1000);
  EXPECT_EQ(recur::testing::dump(*db, entries), before);
  EXPECT_EQ(recur::testing::dump(*db, ops), "topup:t1\n");
  // The order cannot be paid with stored value or earn cashback a second time, by any key.
  auto spend = in_tx(*db, [&] { return wallet->spend(1, 100, "pos:W1", at, "other"); });
  EXPECT_EQ(spend.status().code(), StatusCode::kAlreadyExists);
  auto earn = in_tx(*db, [&] {
    return wallet->earn_cashback(CashbackInput{1, "pos:W1", 50000, "store", {}, at, "other"});
  });
  EXPECT_EQ(earn.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(recur::testing::dump(*db, entries), before);
  auto state = in_tx(*db, [&] { return wallet->state(1, at); });
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->balance.principal, 38000);
  EXPECT_EQ(state->balance.bonus, 5000);
  EXPECT_EQ(state->balance.cashback, 1000);

  // A refund of half gives back half the stored value and takes back half the cashback, made
  // once by its own settlement refund row.
  SettlementRefundInput r;
  r.key = "pos:W1-r1";
  r.order_key = "pos:W1";
  r.amount = 25000;
  r.at = Instant{at.seconds + 60};
  auto refund = in_tx(*db, [&] { return settle->refund(r); });
  ASSERT_TRUE(refund.ok()) << refund.status().to_string();
  EXPECT_EQ(refund->wallet, 6000);
  EXPECT_EQ(refund->cashback_clawed, 500);
  EXPECT_EQ(recur::testing::dump(*db, ops), "topup:t1\n");
  const std::string refunded = recur::testing::dump(*db, entries);
  EXPECT_EQ(refunded, before +
                          "stored_principal|refund|6000|44000|order:pos:W1|-\n"
                          "cashback|refund|-500|500|order:pos:W1|-\n");
  auto refund_again = in_tx(*db, [&] { return settle->refund(r); });
  ASSERT_TRUE(refund_again.ok()) << refund_again.status().to_string();
  EXPECT_EQ(refund_again->wallet, 6000);
  EXPECT_EQ(recur::testing::dump(*db, entries), refunded);
  // The wallet still bounds what the order's refunds give back, whoever asks: ¥60 is left.
  auto too_much =
      in_tx(*db, [&] { return wallet->refund_spend("pos:W1", 6001, r.at, "pos:W1-r1"); });
  EXPECT_EQ(too_much.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(recur::testing::dump(*db, entries), refunded);
  auto report = run_check(*db, r.at);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
}

}  // namespace
}  // namespace recur::loyalty
