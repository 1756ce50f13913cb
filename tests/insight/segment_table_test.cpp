// Every profile dimension is usable in a segment expression, with the tag's own value.

#include "insight/segment_table.h"

#include <gtest/gtest.h>

#include "segment/segment.h"

namespace recur::insight {
namespace {

History population() {
  HistoryBuilder b;
  for (MemberId id = 1; id <= 40; ++id) {
    b.add_member({id, 0, static_cast<std::uint8_t>(id % 2 ? 1 : 2), kNoDay,
                  id % 3 ? "上海" : "杭州", static_cast<std::uint8_t>(id % 4 == 0 ? 1 : 0)});
    if (id > 30) continue;  // 31..40 are prospects
    int every = 5 + static_cast<int>(id);
    for (int d = 10 * static_cast<int>(id % 7); d <= 400 - static_cast<int>(id) * 5; d += every) {
      auto o = b.add_order(id, d, 1000 * id, 0, id % 2 ? "store" : "online", "S1", 1);
      b.add_line(o, id % 5 ? "母婴/奶粉" : "美妆/护肤", 1, 1000 * id, true);
    }
  }
  return b.build();
}

TEST(SegmentTable, ExpressionsSeeTheTagValues) {
  History h = population();
  InsightConfig config;
  MemberMeasures mm = compute_measures(h, 400, config, 1);
  auto scores = score_members(h, mm);
  ASSERT_TRUE(scores.ok()) << scores.status().to_string();
  TagContext ctx{h, mm, *scores, config};
  auto table = build_segment_table(ctx);
  ASSERT_TRUE(table.ok()) << table.status().to_string();
  EXPECT_EQ(table->columns().size(), tag_registry().size());
  const Date today{400};
  auto count = [&](const char* expr) {
    auto seg = segment::Segment::compile(expr, *table);
    EXPECT_TRUE(seg.ok()) << expr << ": " << seg.status().to_string();
    return seg.ok() ? seg->count(today) : 0;
  };
  // Counted directly from the measures.
  std::size_t prospects = 0, consent = 0, baby = 0, rich = 0;
  for (std::size_t m = 0; m < h.members(); ++m) {
    prospects += mm.lifecycle[m] == static_cast<std::uint8_t>(Lifecycle::kProspect);
    consent += (h.consent[m] & 1) != 0;
    baby += h.top_categories[mm.top_categories[m][0]] == "母婴";
    rich += scores->p_alive[m] >= 0 && scores->clv[m] >= 50000;
  }
  EXPECT_EQ(prospects, 10u);
  EXPECT_EQ(count("lifecycle = 'prospect'"), prospects);
  EXPECT_EQ(count("consent.sms"), consent);
  EXPECT_EQ(count("'母婴' in top_categories"), baby);
  EXPECT_EQ(count("clv_12m >= 500"), rich);  // yuan in the expression, fen in the column
  EXPECT_EQ(count("purchase_days > 0 or lifecycle = 'prospect'"), h.members());
  EXPECT_EQ(count("city = '杭州' and gender = 'm'"), 7u);  // ids 3, 9, 15, 21, 27, 33, 39
  // Building only the columns an expression names gives the same answers.
  auto partial = build_segment_table(ctx, "lifecycle = 'prospect'");
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->columns().size(), 1u);
}

}  // namespace
}  // namespace recur::insight
