#include "insight/backtest.h"

#include <gtest/gtest.h>

#include <cmath>

namespace recur::insight {
namespace {

TEST(Auc, HandComputedWithTies) {
  // Positives score 0.9 and 0.5; negatives 0.5 and 0.1. Pairs: (0.9>0.5) 1, (0.9>0.1) 1,
  // (0.5=0.5) 0.5, (0.5>0.1) 1 → 3.5 / 4.
  EXPECT_DOUBLE_EQ(auc({0.9, 0.5, 0.5, 0.1}, {true, true, false, false}), 0.875);
  EXPECT_DOUBLE_EQ(auc({1, 2, 3, 4}, {false, false, true, true}), 1.0);
  EXPECT_DOUBLE_EQ(auc({1, 2, 3, 4}, {true, true, false, false}), 0.0);
  EXPECT_TRUE(std::isnan(auc({1, 2}, {true, true})));
}

TEST(Calibration, DecilesKeepTiesTogether) {
  std::vector<double> scores, predicted;
  std::vector<bool> positive;
  for (int i = 0; i < 100; ++i) {
    scores.push_back(i < 30 ? 0 : i);  // 30 tied lowest scores
    predicted.push_back(i / 100.0);
    positive.push_back(i % 2 == 0);
  }
  auto bins = calibration_deciles(scores, predicted, positive);
  ASSERT_FALSE(bins.empty());
  EXPECT_EQ(bins[0].members, 30);  // the tie is not split
  std::int64_t total = 0;
  for (const auto& b : bins) total += b.members;
  EXPECT_EQ(total, 100);
  EXPECT_DOUBLE_EQ(bins[0].observed, 0.5);
  EXPECT_NEAR(bins[0].predicted, 0.145, 1e-12);  // mean of 0.00..0.29
}

// A population where recent, frequent buyers come back and long-silent one-timers do not: the
// model must rank churners above stayers.
TEST(ChurnBacktest, RanksChurnersAboveStayers) {
  HistoryBuilder b;
  MemberId id = 1;
  for (int i = 0; i < 200; ++i, ++id) {  // regulars: every 10 days through day 500
    b.add_member({id, 0, 0, kNoDay, "", 0});
    for (int d = 10 + i % 10; d <= 500; d += 10) b.add_order(id, d, 1000, 0, "store", "S", 1);
  }
  for (int i = 0; i < 200; ++i, ++id) {  // one-timers long ago
    b.add_member({id, 0, 0, kNoDay, "", 0});
    b.add_order(id, 20 + i, 1000, 0, "store", "S", 1);
  }
  History h = b.build();
  auto bt = backtest_churn(h, 400, 90);
  ASSERT_TRUE(bt.ok()) << bt.status().to_string();
  EXPECT_EQ(bt->members, 400);
  EXPECT_EQ(bt->churned, 200);
  EXPECT_GT(bt->auc, 0.95);
  EXPECT_GT(bt->baseline_auc, 0.95);
  EXPECT_FALSE(backtest_churn(h, 400, 0).ok());
}

TEST(NextPurchaseBacktest, ErrorsAreMeasuredOnReturningRepeatBuyers) {
  HistoryBuilder b;
  for (MemberId id = 1; id <= 50; ++id) {
    b.add_member({id, 0, 0, kNoDay, "", 0});
    for (int d = 100; d <= 300; d += 20)
      b.add_order(id, d + static_cast<int>(id % 3), 1000, 0, "store", "S", 1);
  }
  History h = b.build();
  auto bt = backtest_next_purchase(h, 250, 100);
  ASSERT_TRUE(bt.ok());
  EXPECT_EQ(bt->members, 50);
  // Every member buys every 20 days: the naive rule is exact.
  EXPECT_DOUBLE_EQ(bt->naive_mae, 0.0);
  EXPECT_LT(bt->model_mae, 20.0);
}

}  // namespace
}  // namespace recur::insight
