// The pure arithmetic of earning: line rules, allocation to lines, multipliers, caps.

#include "loyalty/earn_rules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "loyalty/calendar.h"
#include "loyalty/decimal.h"

namespace recur::loyalty {
namespace {

TEST(Decimal, ParsesExactly) {
  EXPECT_EQ(parse_milli("1").value(), 1000);
  EXPECT_EQ(parse_milli("1.5").value(), 1500);
  EXPECT_EQ(parse_milli("0.125").value(), 125);
  EXPECT_EQ(parse_milli(".5").value(), 500);
  EXPECT_EQ(parse_milli("-0.5").value(), -500);
  EXPECT_FALSE(parse_milli("1.2345").ok());
  EXPECT_FALSE(parse_milli("1,5").ok());
  EXPECT_FALSE(parse_milli("").ok());
  EXPECT_FALSE(parse_milli(".").ok());
  EXPECT_EQ(format_milli(1500), "1.5");
  EXPECT_EQ(format_milli(2000), "2");
  EXPECT_EQ(format_milli(125), "0.125");
  EXPECT_EQ(mul_div_round(5, 1, 2), 3);  // half up
  EXPECT_EQ(mul_div_round(4, 1, 3), 1);
  EXPECT_EQ(mul_div_ceil(145, 100, 90), 162);
}

TEST(Calendar, MonthsClampToTheMonthsEnd) {
  EXPECT_EQ(add_months(Date::from_ymd(2024, 1, 31), 1), Date::from_ymd(2024, 2, 29));
  EXPECT_EQ(add_months(Date::from_ymd(2024, 3, 31), -1), Date::from_ymd(2024, 2, 29));
  EXPECT_EQ(add_months(Date::from_ymd(2024, 6, 18), -12), Date::from_ymd(2023, 6, 18));
  EXPECT_EQ(add_months(Date::from_ymd(2024, 1, 15), -13), Date::from_ymd(2022, 12, 15));
  EXPECT_EQ(period_start(Date::from_ymd(2024, 8, 9), 3), Date::from_ymd(2024, 7, 1));
  EXPECT_EQ(period_start(Date::from_ymd(2024, 8, 9), 12), Date::from_ymd(2024, 1, 1));
  EXPECT_EQ(start_of_year(Date::from_ymd(2024, 8, 9), 2), Date::from_ymd(2026, 1, 1));
}

TEST(EarnRules, SkuBeatsCategoryAndTheLongestPrefixWins) {
  EarnRules r;
  r.categories = {{"母婴", 1500, false}, {"母婴/奶粉", 2000, false}, {"烟酒", 0, true}};
  r.skus = {{"SKU-X", 3000, false}, {"SKU-GIFT", 0, true}};
  EXPECT_EQ(line_rule(r, "A", "母婴/奶粉/三段").multiplier_milli, 2000);
  EXPECT_EQ(line_rule(r, "A", "母婴/纸尿裤").multiplier_milli, 1500);
  EXPECT_EQ(line_rule(r, "A", "母婴用品").multiplier_milli, 1000);  // not a path prefix
  EXPECT_TRUE(line_rule(r, "A", "烟酒/白酒").excluded);
  EXPECT_EQ(line_rule(r, "SKU-X", "烟酒").multiplier_milli, 3000);
  EXPECT_TRUE(line_rule(r, "SKU-GIFT", "母婴").excluded);
  EXPECT_EQ(line_rule(r, "A", "").multiplier_milli, 1000);
}

TEST(EarnRules, AllocationIsExactAndFavoursLargerRemainders) {
  std::vector<__int128> w = {1, 1, 1};
  auto a = allocate(10, w);
  EXPECT_EQ(a, (std::vector<std::int64_t>{4, 3, 3}));
  std::vector<__int128> w2 = {0, 5, 15};
  EXPECT_EQ(allocate(7, w2), (std::vector<std::int64_t>{0, 2, 5}));
  std::vector<__int128> zero = {0, 0};
  EXPECT_EQ(allocate(5, zero), (std::vector<std::int64_t>{0, 0}));
}

// The largest-remainder rule written plainly: floors, then one more to the largest remainders,
// ties to the earlier weight, never to a zero weight.
std::vector<std::int64_t> plain_allocate(std::int64_t total, const std::vector<__int128>& w) {
  std::vector<std::int64_t> out(w.size(), 0);
  __int128 sum = 0;
  for (__int128 x : w) sum += x;
  if (sum <= 0 || total <= 0) return out;
  std::vector<std::pair<__int128, std::size_t>> rem;
  std::int64_t given = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    out[i] = static_cast<std::int64_t>(total * w[i] / sum);
    given += out[i];
    if (w[i] > 0) rem.emplace_back(total * w[i] % sum, i);
  }
  std::stable_sort(rem.begin(), rem.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; given < total; ++k, ++given) ++out[rem[k].second];
  return out;
}

TEST(EarnRules, AllocationAgreesWithThePlainRuleForOneFewAndManyLines) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 3000; ++round) {
    const std::size_t n = 1 + rng() % (round % 3 == 0 ? 40 : 6);  // past the 16 kept inline
    std::vector<__int128> w(n);
    for (auto& x : w) x = rng() % 4 == 0 ? 0 : static_cast<__int128>(rng() % 100000);
    const std::int64_t total = static_cast<std::int64_t>(rng() % 1000000);
    const auto got = allocate(total, w);
    ASSERT_EQ(got, plain_allocate(total, w)) << "round " << round << " n " << n;
    std::int64_t sum = 0;
    for (std::int64_t x : got) sum += x;
    bool any = false;
    for (auto x : w) any = any || x > 0;
    EXPECT_EQ(sum, any ? total : 0);
  }
}

TEST(EarnRules, LinesShareTheFlooredOrderTotal) {
  Program p;
  p.tiers.push_back(Tier{"normal", "n", 0, 0, {}});
  p.points.earn.per_yuan_milli = 1000;
  std::vector<EarnLine> lines = {{1, "A", "", 333}, {2, "B", "", 333}, {3, "C", "", 334}};
  EarnContext ctx;
  ctx.day = Date::from_ymd(2024, 3, 5);
  OrderEarning e = compute_order_earning(p, lines, ctx);
  EXPECT_EQ(e.points, 10);  // ¥10.00
  std::int64_t sum = 0;
  for (const auto& l : e.lines) sum += l.points;
  EXPECT_EQ(sum, 10);
  EXPECT_EQ(e.growth, 10);
}

TEST(EarnRules, CampaignsCombineByMaxOrProduct) {
  Program p;
  p.tiers.push_back(Tier{"normal", "n", 0, 0, {}});
  p.points.earn.member_day = 18;
  p.points.earn.member_day_multiplier_milli = 2000;
  p.points.earn.birthday_month_multiplier_milli = 1500;
  std::vector<EarnLine> lines = {{1, "A", "", 10000}};
  EarnContext ctx;
  ctx.day = Date::from_ymd(2024, 3, 18);
  ctx.birthday_month = true;
  EXPECT_EQ(compute_order_earning(p, lines, ctx).points, 200);
  p.points.earn.combine = CampaignCombine::kMultiply;
  EXPECT_EQ(compute_order_earning(p, lines, ctx).points, 300);
  ctx.day = Date::from_ymd(2024, 3, 19);
  EXPECT_EQ(compute_order_earning(p, lines, ctx).points, 150);
}

}  // namespace
}  // namespace recur::loyalty
