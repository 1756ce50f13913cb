// Replenishment by SKU: the history's SKU rows, hand-computed intervals, quantity normalisation,
// the fallback order (own rhythm → SKU population → category population) and the tags.

#include "insight/sku_replenishment.h"

#include <gtest/gtest.h>

#include "insight/measures.h"
#include "insight/member_update.h"
#include "insight/tags.h"

namespace recur::insight {
namespace {

// Members (day: units; several orders on one day add up):
//  1 D01 (母婴/纸尿裤/L): 300: 1, 312: 2, 330: 1 + 1 (two orders), 345: 2, and 450 (after as_of);
//    D02 (母婴/纸尿裤/M): 300: 1, 320: 1;  D03 (个护/牙膏): 340: 1, 348: 1, 354: 1.
//  2 M01 (母婴/奶粉/三段): 100: 2, 160: 2, 220: 1.
//  4 M01: 200, 220, 240, 260, 1 unit each.
//  5 M01: 390: 2 (once).
//  6 M01: 300: 1, 330: 1.
//  7 M02 (母婴/奶粉/二段): 380: 1 (once).
//  8 an untracked product of 母婴/奶粉: 10, 20, 30, 40, 1 unit each.
History fixture() {
  HistoryBuilder b;
  for (MemberId id = 1; id <= 8; ++id) b.add_member({id, 0, 0, kNoDay, "", 0});
  auto buy = [&](MemberId m, std::int32_t day, const char* category, const char* sku,
                 std::int32_t qty) {
    auto o = b.add_order(m, day, 1000 * qty, 0, "store", "S1", static_cast<std::uint32_t>(qty));
    b.add_line(o, category, qty, 1000 * qty, true, *sku ? b.sku_code(sku) : Dictionary::kNone);
  };
  for (auto [d, q] : {std::pair{300, 1}, {312, 2}, {330, 1}, {330, 1}, {345, 2}, {450, 1}})
    buy(1, d, "母婴/纸尿裤/L", "D01", q);
  for (int d : {300, 320}) buy(1, d, "母婴/纸尿裤/M", "D02", 1);
  for (int d : {340, 348, 354}) buy(1, d, "个护/牙膏", "D03", 1);
  for (auto [d, q] : {std::pair{100, 2}, {160, 2}, {220, 1}}) buy(2, d, "母婴/奶粉/三段", "M01", q);
  for (int d : {200, 220, 240, 260}) buy(4, d, "母婴/奶粉/三段", "M01", 1);
  buy(5, 390, "母婴/奶粉/三段", "M01", 2);
  for (int d : {300, 330}) buy(6, d, "母婴/奶粉/三段", "M01", 1);
  buy(7, 380, "母婴/奶粉/二段", "M02", 1);
  for (int d : {10, 20, 30, 40}) buy(8, d, "母婴/奶粉/一段", "", 1);
  return b.build();
}

const SkuReplenishment* find(const History& h, const MemberMeasures& mm, MemberId id,
                             const char* sku) {
  for (const auto& r : mm.sku_replenishment)
    if (h.member_id[r.member] == id && h.skus[r.sku] == sku) return &r;
  return nullptr;
}

TEST(SkuHistory, RowsPerMemberSkuAndDaySortedBySkuThenDay) {
  History h = fixture();
  std::size_t m = h.index_of(1);
  // D01 on 300, 312, 330 (1 + 1 = 2), 345, 450; D02 on 300, 320; D03 on 340, 348, 354.
  ASSERT_EQ(h.sku_begin[m + 1] - h.sku_begin[m], 10u);
  std::vector<std::string> skus;
  std::vector<std::int32_t> days, qty;
  for (std::uint32_t k = h.sku_begin[m]; k < h.sku_begin[m + 1]; ++k) {
    skus.push_back(h.skus[h.sku_code[k]]);
    days.push_back(h.sku_day[k]);
    qty.push_back(h.sku_qty[k]);
  }
  EXPECT_EQ(skus, (std::vector<std::string>{"D01", "D01", "D01", "D01", "D01", "D02", "D02", "D03",
                                            "D03", "D03"}));
  EXPECT_EQ(days, (std::vector<std::int32_t>{300, 312, 330, 345, 450, 300, 320, 340, 348, 354}));
  EXPECT_EQ(qty, (std::vector<std::int32_t>{1, 2, 2, 2, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(h.categories[h.sku_category[h.skus.find("D03")]], "个护/牙膏");
  // Member 8's product is not tracked: no SKU rows, but its category lines are there.
  std::size_t m8 = h.index_of(8);
  EXPECT_EQ(h.sku_begin[m8 + 1] - h.sku_begin[m8], 0u);
  EXPECT_EQ(h.line_begin[m8 + 1] - h.line_begin[m8], 4u);
}

TEST(SkuReplenishment, OwnRhythmIsTheMeanOfQuantityNormalisedIntervals) {
  History h = fixture();
  MemberMeasures mm = compute_measures(h, 400, InsightConfig{}, 1);
  // Member 1, D01 up to day 400: 300 (1) → 312 (2) → 330 (2) → 345 (2).
  // Days per unit: 12 / 1 = 12, 18 / 2 = 9, 15 / 2 = 7.5; mean 28.5 / 3 = 9.5.
  // Due = 345 + 2 units × 9.5 = 364; reminder 364 − 3 = 361. Day 450 is after as_of.
  const SkuReplenishment* d01 = find(h, mm, 1, "D01");
  ASSERT_NE(d01, nullptr);
  EXPECT_EQ(d01->last_day, 345);
  EXPECT_EQ(d01->last_qty, 2);
  EXPECT_FLOAT_EQ(d01->days_per_unit, 9.5f);
  EXPECT_EQ(d01->due_day, 364);
  EXPECT_EQ(d01->reminder_day, 361);
  EXPECT_EQ(d01->days, 4);
  EXPECT_EQ(d01->source, CycleSource::kOwn);
  // D03: 340 → 348 → 354: 8 and 6 days per unit, mean 7; due 354 + 7 = 361.
  const SkuReplenishment* d03 = find(h, mm, 1, "D03");
  ASSERT_NE(d03, nullptr);
  EXPECT_EQ(d03->due_day, 361);
  // Member 2, M01: 60 / 2 = 30, 60 / 2 = 30; last 220 × 1 → due 250, reminder 247.
  const SkuReplenishment* m2 = find(h, mm, 2, "M01");
  ASSERT_NE(m2, nullptr);
  EXPECT_EQ(m2->due_day, 250);
  EXPECT_EQ(m2->reminder_day, 247);
  // Member 4, M01: 20, 20, 20 → due 260 + 20 = 280.
  const SkuReplenishment* m4 = find(h, mm, 4, "M01");
  ASSERT_NE(m4, nullptr);
  EXPECT_EQ(m4->due_day, 280);
  // Bought on fewer than 3 days (sku_min_days): D02 (2 days), members 5, 6 and 7: nothing.
  EXPECT_EQ(find(h, mm, 1, "D02"), nullptr);
  EXPECT_EQ(find(h, mm, 5, "M01"), nullptr);
  EXPECT_EQ(find(h, mm, 6, "M01"), nullptr);
  EXPECT_EQ(find(h, mm, 7, "M02"), nullptr);
  EXPECT_EQ(mm.sku_replenishment.size(), 4u);
}

TEST(SkuReplenishment, PopulationCyclePerSku) {
  History h = fixture();
  MemberMeasures mm = compute_measures(h, 400, InsightConfig{}, 2);
  // M01's days per unit over all members: 30, 30 (member 2), 20, 20, 20 (member 4), 30
  // (member 6) → sorted 20 20 20 30 30 30, median 25, 6 intervals.
  std::uint32_t m01 = h.skus.find("M01");
  EXPECT_DOUBLE_EQ(mm.sku_cycles.median_days_per_unit[m01], 25);
  EXPECT_EQ(mm.sku_cycles.intervals[m01], 6);
  // D01 has 3 intervals up to day 400 (< 5): no population cycle.
  EXPECT_TRUE(std::isnan(mm.sku_cycles.median_days_per_unit[h.skus.find("D01")]));
  EXPECT_EQ(mm.sku_cycles.intervals[h.skus.find("D01")], 3);
}

TEST(SkuReplenishment, FallsBackToTheSkuThenTheCategoryCycle) {
  History h = fixture();
  InsightConfig c;
  c.sku_min_days = 1;
  c.reminder_lead_days = 5;
  MemberMeasures mm = compute_measures(h, 400, c, 1);
  // Member 5 bought M01 once (0 intervals < cycle_min_intervals 2): M01's population 25 days per
  // unit × 2 units → due 390 + 50 = 440, reminder 435.
  const SkuReplenishment* m5 = find(h, mm, 5, "M01");
  ASSERT_NE(m5, nullptr);
  EXPECT_EQ(m5->source, CycleSource::kSku);
  EXPECT_EQ(m5->due_day, 440);
  EXPECT_EQ(m5->reminder_day, 435);
  // Member 6 has 1 interval: also the population's → 330 + 25 = 355.
  const SkuReplenishment* m6 = find(h, mm, 6, "M01");
  ASSERT_NE(m6, nullptr);
  EXPECT_EQ(m6->source, CycleSource::kSku);
  EXPECT_EQ(m6->due_day, 355);
  // Member 7's M02 has no intervals anywhere: the category 母婴/奶粉 (every SKU, tracked or not).
  // Its days per unit: 30, 30 (member 2), 20, 20, 20 (member 4), 30 (member 6), 10, 10, 10
  // (member 8) → median 20; due 380 + 1 × 20 = 400.
  const SkuReplenishment* m7 = find(h, mm, 7, "M02");
  ASSERT_NE(m7, nullptr);
  EXPECT_EQ(m7->source, CycleSource::kCategory);
  EXPECT_FLOAT_EQ(m7->days_per_unit, 20.0f);
  EXPECT_EQ(m7->due_day, 400);
  // D02 (1 interval): no SKU cycle (1 interval < 5), and 母婴/纸尿裤 only has member 1's 4
  // intervals (< 5): no due date.
  EXPECT_EQ(find(h, mm, 1, "D02"), nullptr);
  // Own rhythms do not change with the minimum.
  EXPECT_EQ(find(h, mm, 1, "D01")->due_day, 364);
  EXPECT_EQ(find(h, mm, 1, "D01")->reminder_day, 359);
}

TEST(SkuReplenishment, MinimumDaysComeFromTheProgramFile) {
  auto c = parse_insight_config("insight:\n  replenishment:\n    sku_min_days: 2\n", "p.yaml");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->sku_min_days, 2);
  EXPECT_EQ(InsightConfig{}.sku_min_days, 3);
  auto bad = parse_insight_config("insight:\n  replenishment:\n    sku_min_days: 0\n", "p.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().to_string().find("p.yaml:3:19: insight.replenishment.sku_min_days: must "
                                          "be 1..1000, got 0"),
            std::string::npos)
      << bad.status().to_string();
}

TEST(SkuReplenishment, Tags) {
  History h = fixture();
  InsightConfig config;
  MemberMeasures mm = compute_measures(h, 360, config, 1);
  auto sc = score_members(h, mm);
  ASSERT_TRUE(sc.ok());
  TagContext ctx{h, mm, *sc, config};
  auto value = [&](const char* tag, MemberId id) {
    return find_tag(tag)->value(ctx, h.index_of(id));
  };
  // As of 360, member 1: D03 due 361 (reminder 358), D01 due 364 — both within 7 days.
  EXPECT_EQ(std::get<std::string>(value("replenish_sku_due", 1)), "D03");
  EXPECT_EQ(std::get<DateValue>(value("replenish_sku_due_date", 1)).days, 361);
  EXPECT_EQ(std::get<DateValue>(value("replenish_sku_reminder_date", 1)).days, 358);
  EXPECT_EQ(std::get<std::int64_t>(value("replenish_due_days", 1)), 1);
  EXPECT_EQ(std::get<std::vector<std::string>>(value("replenish_skus_due_7d", 1)),
            (std::vector<std::string>{"D03", "D01"}));
  // Member 2's M01 was due on 250: overdue by 110 days, not in the 7-day list.
  EXPECT_EQ(std::get<std::int64_t>(value("replenish_due_days", 2)), -110);
  EXPECT_TRUE(std::get<std::vector<std::string>>(value("replenish_skus_due_7d", 2)).empty());
  // Member 5 has no SKU bought on 3 days.
  EXPECT_TRUE(std::holds_alternative<std::monostate>(value("replenish_sku_due", 5)));
  // The explanation states the inputs: days, last purchase, days per unit and where they came
  // from. Day 354 is 1970-12-21; 361 is 1970-12-28; 358 is 1970-12-25.
  std::string why = find_tag("replenish_sku_due")->explain(ctx, h.index_of(1));
  EXPECT_EQ(why,
            "D03 (个护/牙膏): bought on 3 days, last 1970-12-21 × 1; 7.0 days per unit (own "
            "rhythm) → due 1970-12-28, reminder 1970-12-25");
}

TEST(SkuReplenishment, MemberUpdateMatchesTheFullComputation) {
  History h = fixture();
  InsightConfig config;
  config.sku_min_days = 1;
  MemberMeasures mm = compute_measures(h, 400, config, 1);
  auto sc = score_members(h, mm);
  ASSERT_TRUE(sc.ok());
  PopulationSnapshot snap = PopulationSnapshot::take(h, mm, *sc, config);
  MemberScratch scratch;
  for (MemberId id = 1; id <= 8; ++id) {
    std::size_t m = h.index_of(id);
    HistoryBuilder b;
    copy_member(h, m, b);
    History one = b.build();
    MemberUpdate u = update_member(one, snap, scratch);
    std::vector<std::tuple<std::string, std::int32_t, std::int32_t, float, CycleSource>> full,
        single;
    for (const auto& r : mm.sku_replenishment)
      if (r.member == m)
        full.emplace_back(h.skus[r.sku], r.due_day, r.reminder_day, r.days_per_unit, r.source);
    for (const auto& r : u.measures.sku_replenishment)
      single.emplace_back(one.skus[r.sku], r.due_day, r.reminder_day, r.days_per_unit, r.source);
    EXPECT_EQ(single, full) << id;
  }
  // Members 5 (SKU cycle) and 7 (category cycle) depend on the population: they are covered.
  EXPECT_EQ(mm.sku_replenishment.size(), 7u);  // 1: D01, D03; 2, 4, 5, 6: M01; 7: M02
  // A new order of 3 units of M01 on day 400 for member 5: 1 interval (390 → 400) is still
  // below cycle_min_intervals (2), so the population's 25 days per unit × 3 units.
  std::size_t m5 = h.index_of(5);
  HistoryBuilder b;
  copy_member(h, m5, b);
  auto o = b.add_order(5, 400, 3000, 0, "online", "", 3);
  b.add_line(o, "母婴/奶粉/三段", 3, 3000, true, b.sku_code("M01"));
  History one = b.build();
  MemberUpdate u = update_member(one, snap, scratch);
  ASSERT_EQ(u.measures.sku_replenishment.size(), 1u);
  EXPECT_EQ(u.measures.sku_replenishment[0].last_day, 400);
  EXPECT_EQ(u.measures.sku_replenishment[0].due_day, 475);  // 400 + 3 × 25
}

}  // namespace
}  // namespace recur::insight
