// Hand-computed fixtures for RFM, purchase cycles, frequency tags, lifecycle, dormancy reasons
// and replenishment. Day numbers are small integers; as_of is day 400 unless said otherwise.

#include "insight/measures.h"

#include <gtest/gtest.h>

#include <cmath>

namespace recur::insight {
namespace {

// Members:
//  1 weekly diaper buyer: days 300, 307, …, 398 (15 days), 1 pack each, 100 yuan each.
//  2 one-timer: day 395, 50 yuan.
//  3 lapsed regular: days 100, 130, 160, 190 (4 days), 200 yuan each, milk powder, 2 cans each.
//  4 prospect: registered, never bought.
//  5 big spender, twice: days 320 and 380, 5000 yuan each, phones (not consumable).
//  6 reactivated: days 100, 370, 30 yuan each.
History fixture() {
  HistoryBuilder b;
  for (MemberId id = 1; id <= 6; ++id) b.add_member({id, 0, 0, kNoDay, "", 0});
  auto buy = [&](MemberId m, std::int32_t day, const char* category, std::int32_t qty, Fen amount) {
    auto o = b.add_order(m, day, amount, 0, "store", "S1", static_cast<std::uint32_t>(qty));
    b.add_line(o, category, qty, amount, std::string_view(category).starts_with("母婴"));
  };
  for (int d = 300; d <= 398; d += 7) buy(1, d, "母婴/纸尿裤/L", 1, 10000);
  buy(2, 395, "食品/零食", 1, 5000);
  for (int d = 100; d <= 190; d += 30) buy(3, d, "母婴/奶粉/三段", 2, 20000);
  for (int d : {320, 380}) buy(5, d, "3C/手机", 1, 500000);
  for (int d : {100, 370}) buy(6, d, "食品/零食", 1, 3000);
  b.add_interaction(3, 150);
  return b.build();
}

TEST(Measures, RfmRawValuesAndScores) {
  History h = fixture();
  InsightConfig c;
  MemberMeasures mm = compute_measures(h, 400, c, 1);
  const auto& r = mm.rfm;
  // Recency, frequency, monetary in the 365-day window (days 36..400).
  EXPECT_EQ(r.recency[0], 2);
  EXPECT_EQ(r.frequency[0], 15);
  EXPECT_EQ(r.monetary[0], 150000);
  EXPECT_EQ(r.recency[2], 210);
  EXPECT_EQ(r.frequency[2], 4);
  EXPECT_EQ(r.recency[3], -1);  // prospect
  EXPECT_EQ(r.r_score[3], 0);
  // Recency among 5 buyers: 2, 5, 210, 20, 30 → worse counts: 4, 3, 0, 2, 1.
  EXPECT_EQ(r.r_score[0], 5);
  EXPECT_EQ(r.r_score[1], 4);
  EXPECT_EQ(r.r_score[2], 1);
  EXPECT_EQ(r.r_score[4], 3);
  EXPECT_EQ(r.r_score[5], 2);
  // Frequency 15, 1, 4, 2, 2: the two 2s tie and share a score (worse count 1 → 2).
  EXPECT_EQ(r.f_score[4], 2);
  EXPECT_EQ(r.f_score[5], 2);
  EXPECT_EQ(r.f_score[1], 1);
  EXPECT_EQ(r.f_score[0], 5);
  // Means over buyers: R = (2+5+210+20+30)/5 = 53.4; F = 24/5 = 4.8; M =
  // (150000+5000+80000+1000000+6000)/5.
  EXPECT_DOUBLE_EQ(r.mean_recency, 53.4);
  EXPECT_DOUBLE_EQ(r.mean_frequency, 4.8);
  // Member 1: R high, F high, M low (150000 < 248200) → 一般价值.
  EXPECT_EQ(kSegment8[r.segment8[0]], "一般价值");
  // Member 5: recent (20 < 53.4), F low, M high → 重要发展.
  EXPECT_EQ(kSegment8[r.segment8[4]], "重要发展");
  // Member 3: R low, F low (4 < 4.8), M low (80000) → 一般挽留.
  EXPECT_EQ(kSegment8[r.segment8[2]], "一般挽留");
}

TEST(Measures, SegmentGridIsTotal) {
  for (int r = 1; r <= 5; ++r)
    for (int fm = 1; fm <= 5; ++fm) EXPECT_GT(rfm_segment11(r, fm), 0);
  EXPECT_EQ(kSegment11[rfm_segment11(5, 5)], "champions");
  EXPECT_EQ(kSegment11[rfm_segment11(1, 5)], "cannot_lose");
  EXPECT_EQ(kSegment11[rfm_segment11(5, 1)], "new");
  EXPECT_EQ(kSegment11[rfm_segment11(1, 1)], "lost");
}

TEST(Measures, CyclesAndFrequencyTags) {
  History h = fixture();
  MemberMeasures mm = compute_measures(h, 400, InsightConfig{}, 1);
  EXPECT_FLOAT_EQ(mm.cycle_mean[0], 7);
  EXPECT_FLOAT_EQ(mm.cycle_median[0], 7);
  EXPECT_FLOAT_EQ(mm.cycle_cv[0], 0);
  EXPECT_EQ(kFrequencyTagNames[mm.frequency[0]], "high_frequency");  // 15 days, mean 7
  EXPECT_EQ(kFrequencyTagNames[mm.frequency[1]], "one_time");
  EXPECT_EQ(kFrequencyTagNames[mm.frequency[2]], "periodic");       // 3 intervals of 30, cv 0
  EXPECT_EQ(kFrequencyTagNames[mm.frequency[4]], "low_frequency");  // 1 interval
  IntervalStats s = interval_stats(std::vector<std::int32_t>{0, 10, 30, 60});  // gaps 10, 20, 30
  EXPECT_DOUBLE_EQ(s.mean, 20);
  EXPECT_DOUBLE_EQ(s.median, 20);
  EXPECT_NEAR(s.cv, std::sqrt(200.0 / 3) / 20, 1e-12);
  EXPECT_DOUBLE_EQ(interval_stats(std::vector<std::int32_t>{0, 10, 30, 60, 100}).median, 25);
}

TEST(Measures, LifecycleStagesAndDormancyReasons) {
  History h = fixture();
  InsightConfig c;
  MemberMeasures mm = compute_measures(h, 400, c, 1);
  auto stage = [&](std::size_t m) { return kLifecycleNames[mm.lifecycle[m]]; };
  EXPECT_EQ(stage(0), "mature");   // 15 days in the window
  EXPECT_EQ(stage(1), "new");      // first purchase 5 days ago
  EXPECT_EQ(stage(2), "dormant");  // 210 days silent
  EXPECT_EQ(stage(3), "prospect");
  EXPECT_EQ(stage(4), "growing");      // 2 days, not new, not mature
  EXPECT_EQ(stage(5), "reactivated");  // back after 270 days, 30 days ago
  EXPECT_EQ(mm.dormancy[2] & kDormantStatic, kDormantStatic);
  EXPECT_EQ(mm.dormancy[2] & kDormantDynamic, kDormantDynamic);    // 210 > 1.5 × 30
  EXPECT_EQ(mm.dormancy[2] & kDormantCategory, kDormantCategory);  // 奶粉 every 30, silent 210
  EXPECT_EQ(mm.dormancy[2] & kDormantInteraction, kDormantInteraction);  // last event day 150
  std::string why =
      explain_dormancy(mm.facts[2], mm.dormancy[2], c, h.mid_categories[mm.facts[2].category]);
  EXPECT_NE(why.find("no purchase for 210 days (> 90)"), std::string::npos) << why;
  EXPECT_NE(why.find("1.5 × own mean interval 30.0 days"), std::string::npos) << why;
  EXPECT_NE(why.find("stopped buying 母婴/奶粉"), std::string::npos) << why;
  EXPECT_NE(why.find("no visit, sign-in or message open for 250 days"), std::string::npos) << why;
  // The weekly buyer silent for 12 days is dynamically dormant long before 90 days.
  MemberMeasures later = compute_measures(h, 410, c, 1);
  EXPECT_EQ(later.dormancy[0], kDormantDynamic | kDormantCategory);
  EXPECT_EQ(kLifecycleNames[later.lifecycle[0]], "dormant");
  // As of day 200 member 3 (last bought 190) is fine, and member 6 is long silent → dormant.
  MemberMeasures early = compute_measures(h, 200, c, 1);
  EXPECT_EQ(kLifecycleNames[early.lifecycle[2]], "mature");  // 4 days in the window
  EXPECT_EQ(kLifecycleNames[early.lifecycle[5]], "dormant");
  EXPECT_EQ(kLifecycleNames[early.lifecycle[0]], "prospect");
}

TEST(Measures, ReplenishmentFromOwnCycleOrCategory) {
  History h = fixture();
  MemberMeasures mm = compute_measures(h, 400, InsightConfig{}, 1);
  // Member 1: diapers, 7 days per pack, last bought day 398 (1 pack) → due 405, remind 402.
  // Member 3: milk powder, 30 days per 2 cans = 15 days/can, last day 190 × 2 cans → due 220.
  ASSERT_EQ(mm.replenishment.size(), 2u);
  const Replenishment& a = mm.replenishment[0];
  EXPECT_EQ(a.member, 0u);
  EXPECT_EQ(h.mid_categories[a.category], "母婴/纸尿裤");
  EXPECT_EQ(a.last_day, 398);
  EXPECT_EQ(a.due_day, 405);
  EXPECT_EQ(a.reminder_day, 402);
  EXPECT_TRUE(a.own_cycle);
  const Replenishment& b = mm.replenishment[1];
  EXPECT_EQ(b.member, 2u);
  EXPECT_EQ(b.due_day, 220);
  EXPECT_FLOAT_EQ(b.days_per_unit, 15);
  // Population cycle of 母婴/纸尿裤: 14 intervals of 7 days.
  EXPECT_DOUBLE_EQ(mm.category_cycles.median_interval[h.mid_categories.find("母婴/纸尿裤")], 7);
}

TEST(Measures, TopCategoriesAndPreferredChannel) {
  History h = fixture();
  MemberMeasures mm = compute_measures(h, 400, InsightConfig{}, 1);
  EXPECT_EQ(h.top_categories[mm.top_categories[0][0]], "母婴");
  EXPECT_EQ(mm.top_categories[0][1], 0u);
  EXPECT_EQ(h.channels[mm.preferred_channel[0]], "store");
  EXPECT_EQ(h.stores[mm.preferred_store[0]], "S1");
  EXPECT_EQ(mm.channels_used[0], 1);
}

TEST(Measures, SameResultsWithTwoThreads) {
  History h = fixture();
  MemberMeasures one = compute_measures(h, 400, InsightConfig{}, 1);
  MemberMeasures two = compute_measures(h, 400, InsightConfig{}, 2);
  EXPECT_EQ(one.lifecycle, two.lifecycle);
  EXPECT_EQ(one.dormancy, two.dormancy);
  EXPECT_EQ(one.rfm.segment11, two.rfm.segment11);
  EXPECT_EQ(one.replenishment.size(), two.replenishment.size());
}

}  // namespace
}  // namespace recur::insight

namespace recur::insight {
namespace {

TEST(Measures, FrequencyTagPerCategory) {
  History h = fixture();
  MemberMeasures mm = compute_measures(h, 400, InsightConfig{}, 1);
  auto tag_of = [&](std::size_t m, const char* category) -> std::string {
    for (const auto& r : mm.category_rhythm)
      if (r.member == m && h.mid_categories[r.category] == category)
        return std::string(kFrequencyTagNames[r.frequency]);
    return "";
  };
  EXPECT_EQ(tag_of(0, "母婴/纸尿裤"), "high_frequency");  // weekly, 15 days
  EXPECT_EQ(tag_of(2, "母婴/奶粉"), "periodic");          // every 30 days, 4 days
  EXPECT_EQ(tag_of(1, "食品/零食"), "one_time");
  EXPECT_EQ(tag_of(4, "3C/手机"), "low_frequency");
  EXPECT_EQ(tag_of(0, "食品/零食"), "");  // never bought
}

}  // namespace
}  // namespace recur::insight
