// Updating one member against the population snapshot gives what a full computation gives.

#include "insight/member_update.h"

#include <gtest/gtest.h>

#include <cmath>

namespace recur::insight {
namespace {

History population(int extra_day = -1) {
  HistoryBuilder b;
  for (MemberId id = 1; id <= 300; ++id) {
    b.add_member({id, 0, 0, kNoDay, "", 1});
    int every = 7 + static_cast<int>(id % 40);
    for (int d = static_cast<int>(id % 50); d <= 500 - static_cast<int>(id % 200); d += every) {
      auto o = b.add_order(id, d, 800 + 10 * (id % 30), 0, id % 3 ? "store" : "online", "S1", 1);
      b.add_line(o, id % 4 ? "母婴/纸尿裤" : "食品/零食", 1 + static_cast<int>(id % 2),
                 800 + 10 * (id % 30), id % 4 != 0,
                 id % 4 ? b.sku_code(id % 8 == 1 ? "DM" : "DL") : Dictionary::kNone);
      if (id % 11 == 0 && d % 3 == 0) b.add_refund(o, d + 2, 100);
    }
    b.add_interaction(id, 490 - static_cast<int>(id % 120));
  }
  if (extra_day >= 0) {
    auto o = b.add_order(42, extra_day, 5000, 0, "online", "", 2);
    b.add_line(o, "母婴/奶粉", 2, 5000, true);
  }
  return b.build();
}

TEST(MemberUpdate, MatchesTheFullComputationForAnUnchangedPopulation) {
  History h = population();
  InsightConfig config;
  MemberMeasures mm = compute_measures(h, 500, config, 1);
  auto sc = score_members(h, mm);
  ASSERT_TRUE(sc.ok());
  PopulationSnapshot snap = PopulationSnapshot::take(h, mm, *sc, config);
  MemberScratch scratch;
  for (MemberId id : {1, 42, 77, 150, 299}) {
    std::size_t m = h.index_of(id);
    HistoryBuilder b;
    copy_member(h, m, b);
    History one = b.build();
    MemberUpdate u = update_member(one, snap, scratch);
    EXPECT_EQ(u.measures.lifecycle[0], mm.lifecycle[m]) << id;
    EXPECT_EQ(u.measures.dormancy[0], mm.dormancy[m]) << id;
    EXPECT_EQ(u.measures.frequency[0], mm.frequency[m]) << id;
    EXPECT_EQ(u.measures.net_spend[0], mm.net_spend[m]) << id;
    EXPECT_EQ(u.measures.rfm.recency[0], mm.rfm.recency[m]) << id;
    EXPECT_EQ(u.measures.rfm.r_score[0], mm.rfm.r_score[m]) << id;
    EXPECT_EQ(u.measures.rfm.f_score[0], mm.rfm.f_score[m]) << id;
    EXPECT_EQ(u.measures.rfm.m_score[0], mm.rfm.m_score[m]) << id;
    EXPECT_EQ(u.measures.rfm.segment8[0], mm.rfm.segment8[m]) << id;
    EXPECT_EQ(u.scores.churn_risk[0], sc->churn_risk[m]) << id;
    EXPECT_EQ(u.scores.clv[0], sc->clv[m]) << id;
    EXPECT_EQ(u.scores.next_purchase_day[0], sc->next_purchase_day[m]) << id;
    EXPECT_EQ(u.scores.action[0], sc->action[m]) << id;
    // Replenishment by SKU, compared by SKU name (codes differ between the two histories).
    std::vector<std::pair<std::string, std::int32_t>> full, single;
    for (const auto& r : mm.sku_replenishment)
      if (r.member == m) full.emplace_back(h.skus[r.sku], r.due_day);
    for (const auto& r : u.measures.sku_replenishment)
      single.emplace_back(one.skus[r.sku], r.due_day);
    EXPECT_EQ(single, full) << id;
    EXPECT_EQ(single.empty(), id % 4 == 0) << id;  // every diaper buyer has 3+ purchase days
  }
}

TEST(MemberUpdate, ANewOrderMovesTheMember) {
  History h = population();
  InsightConfig config;
  MemberMeasures mm = compute_measures(h, 500, config, 1);
  auto sc = score_members(h, mm);
  ASSERT_TRUE(sc.ok());
  PopulationSnapshot snap = PopulationSnapshot::take(h, mm, *sc, config);
  std::size_t m = h.index_of(42);
  HistoryBuilder b;
  copy_member(h, m, b);
  auto o = b.add_order(42, 500, 5000, 0, "online", "", 2);
  b.add_line(o, "母婴/纸尿裤/L", 2, 5000, true);
  History one = b.build();
  MemberScratch scratch;
  MemberUpdate u = update_member(one, snap, scratch);
  EXPECT_EQ(u.measures.rfm.recency[0], 0);
  EXPECT_EQ(u.measures.purchase_days[0], mm.purchase_days[m] + 1);
  EXPECT_EQ(u.measures.net_spend[0], mm.net_spend[m] + 5000);
  EXPECT_LE(u.scores.churn_risk[0], sc->churn_risk[m]);
  EXPECT_GT(u.scores.p_purchase[0], 0.0f);
  // The diaper reminder now counts from today's purchase of 2 packs.
  bool found = false;
  for (const auto& r : u.measures.replenishment) {
    if (one.mid_categories[r.category] != "母婴/纸尿裤") continue;
    found = true;
    EXPECT_EQ(r.last_day, 500);
    EXPECT_EQ(r.due_day, 500 + static_cast<std::int32_t>(std::lround(2 * r.days_per_unit)));
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace recur::insight
