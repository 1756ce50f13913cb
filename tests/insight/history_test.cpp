#include "insight/history.h"

#include <gtest/gtest.h>

#include "insight/model_input.h"

namespace recur::insight {
namespace {

// Two members and a guest; member 7 buys twice on day 10, once on day 20 (refunded in full on
// day 25), once on day 40 (half refunded on day 41); member 9 never buys.
History sample() {
  HistoryBuilder b;
  b.add_member({7, 5, 2, kNoDay, "上海", 1});
  b.add_member({9, 6, 0, kNoDay, "", 0});
  auto o1 = b.add_order(7, 10, 1000, 0, "store", "S1", 1);
  b.add_line(o1, "母婴/奶粉", 1, 1000, true);
  auto o2 = b.add_order(7, 10, 500, 100, "online", "", 2);
  b.add_line(o2, "母婴/奶粉", 1, 300, true);
  b.add_line(o2, "母婴/纸尿裤", 1, 200, true);
  auto o3 = b.add_order(7, 20, 800, 0, "online", "", 1);
  b.add_line(o3, "美妆/护肤", 1, 800, false);
  b.add_refund(o3, 25, 800);
  auto o4 = b.add_order(7, 40, 600, 0, "store", "S1", 1);
  b.add_line(o4, "母婴/奶粉", 1, 600, true);
  b.add_refund(o4, 41, 300);
  b.add_order(kGuest, 12, 70, 0, "store", "S1", 1);
  return b.build();
}

TEST(History, BuildsMemberMajorPurchaseDays) {
  History h = sample();
  ASSERT_EQ(h.members(), 2u);
  std::size_t m = h.index_of(7);
  ASSERT_EQ(m, 0u);
  EXPECT_EQ(h.index_of(9), 1u);
  EXPECT_EQ(h.index_of(8), SIZE_MAX);
  auto days = h.days_of(m);
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[0], 10);
  EXPECT_EQ(h.day_paid_of(m)[0], 1500);
  EXPECT_EQ(h.day_orders[h.day_begin[m]], 2);
  EXPECT_EQ(h.days_of(1).size(), 0u);
  EXPECT_EQ(h.days_until(m, 19), 1u);
  EXPECT_EQ(h.days_until(m, 20), 2u);
  // Lines aggregate per (day, category): day 10 has 奶粉 1000+300 and 纸尿裤 200.
  EXPECT_EQ(h.line_begin[m + 1] - h.line_begin[m], 4u);
  EXPECT_EQ(h.line_amount[h.line_begin[m]], 1300);
  EXPECT_EQ(h.top_categories[h.category_top[h.line_category[h.line_begin[m]]]], "母婴");
  EXPECT_TRUE(h.category_consumable[h.categories.find("母婴/奶粉")]);
  EXPECT_FALSE(h.category_consumable[h.categories.find("美妆/护肤")]);
  ASSERT_EQ(h.guest_day.size(), 1u);
  EXPECT_EQ(h.guest_paid[0], 70);
  EXPECT_EQ(h.first_day, 10);
  EXPECT_EQ(h.last_day, 40);
}

TEST(ModelInput, RefundsByAsOfShapeTheCustomer) {
  History h = sample();
  // As of day 22 the day-20 refund has not happened: x = 1, t_x = 10, T = 12.
  ModelInput early = build_model_input(h, 22, 1.0);
  ASSERT_EQ(early.summary.size(), 1u);
  EXPECT_EQ(early.summary.x[0], 1);
  EXPECT_DOUBLE_EQ(early.summary.t_x[0], 10);
  EXPECT_DOUBLE_EQ(early.summary.T[0], 12);
  EXPECT_DOUBLE_EQ(early.summary.m_x[0], 8.00);
  // As of day 50: day 20 was refunded in full (no purchase), day 40 half: x = 1, m_x = 3 yuan.
  ModelInput late = build_model_input(h, 50, 1.0);
  EXPECT_EQ(late.summary.x[0], 1);
  EXPECT_DOUBLE_EQ(late.summary.t_x[0], 30);
  EXPECT_DOUBLE_EQ(late.summary.T[0], 40);
  EXPECT_DOUBLE_EQ(late.summary.m_x[0], 3.00);
  // Weeks.
  ModelInput weeks = build_model_input(h, 50, 7.0);
  EXPECT_DOUBLE_EQ(weeks.summary.T[0], 40 / 7.0);
  // Before the first purchase nobody is a customer.
  EXPECT_TRUE(build_model_input(h, 9, 1.0).summary.empty());
}

}  // namespace
}  // namespace recur::insight
