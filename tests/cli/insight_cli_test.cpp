// Member intelligence end to end: thresholds from the program file's insight section, and the
// loyalty tags (tier, points, expiring points) in `member show --explain` and segments.

#include <gtest/gtest.h>

#include <string>

#include "cli_run.h"
#include "test_util.h"

namespace recur {
namespace {

using recur::testing::CmdResult;
using recur::testing::run;
using recur::testing::TempDir;

using recur::testing::has;

// The JSON of one tag in `member show --explain --json`.
std::string tag(const std::string& name, const std::string& family, const std::string& value) {
  return "{\"name\":\"" + name + "\",\"family\":\"" + family + "\",\"value\":\"" + value + "\"";
}

std::string program_with(const std::string& from, const std::string& to) {
  std::string text =
      recur::testing::read_file(std::string(RECUR_SOURCE_DIR) + "/config/program.yaml");
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

class InsightCli : public recur::testing::StoreCli {
 protected:
  void import(const std::string& rows) {
    recur::testing::write_file(
        dir_.file("o.csv"),
        "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
        "amount\n" +
            rows);
    CmdResult c = run(r("import orders " + dir_.file("o.csv")));
    ASSERT_EQ(c.code, 0) << c.out;
  }
};

// Member 1 bought on 2024-01-10 and 2024-03-01; member 2 on 2024-04-15, the last order day and so
// the as-of date. Member 1's recency is 45 days (30 left in March + 15): not dormant under the
// default static rule (> 90 days), so `growing` (2 purchase days, first 96 days ago, no silence
// over 90 days); with insight.dormancy.static_days: 30 the static rule holds and the lifecycle is
// `dormant`.
TEST_F(InsightCli, ThresholdsComeFromTheProgramInForce) {
  import(
      "pos,A1,2024-01-10 12:00,phone:13800000001,store,S1,K,食品,1,100.00,0,100.00\n"
      "pos,A2,2024-03-01 12:00,phone:13800000001,store,S1,K,食品,1,100.00,0,100.00\n"
      "pos,B1,2024-04-15 12:00,phone:13800000002,store,S1,K,食品,1,100.00,0,100.00\n");
  CmdResult before = run(r("member show phone:13800000001 --explain --json"));
  ASSERT_EQ(before.code, 0) << before.out;
  EXPECT_TRUE(has(before.out, tag("recency_days", "rfm", "45"))) << before.out;
  EXPECT_TRUE(has(before.out, tag("dormant", "lifecycle", "no"))) << before.out;
  EXPECT_TRUE(has(before.out, tag("lifecycle", "lifecycle", "growing"))) << before.out;
  // No program: the loyalty tags are empty.
  EXPECT_TRUE(has(before.out, tag("tier", "loyalty", "-"))) << before.out;
  EXPECT_TRUE(has(before.out, tag("points", "loyalty", "0"))) << before.out;
  CmdResult count0 = run(r("segment count \"lifecycle = 'dormant'\" --json"));
  EXPECT_TRUE(has(count0.out, "\"count\":0")) << count0.out;

  recur::testing::write_file(dir_.file("p.yaml"),
                             program_with("static_days: 90", "static_days: 30"));
  CmdResult load = run(r("program load " + dir_.file("p.yaml")));
  ASSERT_EQ(load.code, 0) << load.out;
  EXPECT_TRUE(has(load.out, "dormant after 30 days")) << load.out;
  CmdResult show = run(r("program show --json"));
  EXPECT_TRUE(has(show.out, "\"insight\":{\"rfm\":{\"window_days\":365}")) << show.out;
  EXPECT_TRUE(has(show.out, "\"static_days\":30,\"dynamic_k\":1.5")) << show.out;

  CmdResult after = run(r("member show phone:13800000001 --explain --json"));
  ASSERT_EQ(after.code, 0) << after.out;
  EXPECT_TRUE(has(after.out, tag("dormant", "lifecycle", "yes"))) << after.out;
  EXPECT_TRUE(has(after.out, "no purchase for 45 days (> 30)")) << after.out;
  EXPECT_TRUE(has(after.out, tag("lifecycle", "lifecycle", "dormant"))) << after.out;
  CmdResult count1 = run(r("segment count \"lifecycle = 'dormant'\" --json"));
  EXPECT_TRUE(has(count1.out, "\"count\":1")) << count1.out;
  CmdResult compute = run(r("compute --json"));
  ASSERT_EQ(compute.code, 0) << compute.out;
  EXPECT_TRUE(has(compute.out, "\"dormant\":1")) << compute.out;
}

TEST_F(InsightCli, ABadInsightSectionIsRefusedAndChangesNothing) {
  std::string text = program_with("static_days: 90", "static_days: 0");
  // The line of the bad value, counted in the file.
  int line = 1;
  for (std::size_t i = 0; i < text.find("static_days: 0"); ++i) line += text[i] == '\n';
  recur::testing::write_file(dir_.file("bad.yaml"), text);
  CmdResult c = run(r("program load " + dir_.file("bad.yaml")));
  EXPECT_EQ(c.code, 1) << c.out;
  EXPECT_TRUE(has(c.out, "bad.yaml:" + std::to_string(line) +
                             ":18: insight.dormancy.static_days: must be 1..3650, got 0"))
      << c.out;
  CmdResult s = run(r("program show"));
  EXPECT_EQ(s.code, 1) << s.out;  // nothing was loaded
}

// Loyalty applied on import with the default program (1 point and 1 growth per yuan, points
// usable 7 days after the order day, expiring at the end of the next year; tiers by the growth
// of the last 12 months; redemption 100 points = ¥1, gold 90).
//   Member 1: 2023-03-06 ¥600 → 600 points (expire after 2024-12-31), 600 growth;
//             2024-12-05 ¥500 → 500 points (usable from 2024-12-12), 500 growth.
//   Member 2: 2024-12-10 ¥6000 → 6000 points at the normal tier's ×1 (usable from 12-17), 6000
//             growth: gold (5000).
// As of 2024-12-10 (the last order day):
//   member 1: normal; growth 1100, qualifying 500 (the 2023 growth is outside the 12 months), 500
//   to silver (1000); points 1100 = 600 usable + 500 pending; 600 expiring within 30 days (last
//   day 2024-12-31); value (600 + 500) / 100 = ¥11.00; last activity 2024-12-05.
//   member 2: gold; 14000 to diamond (20000); 6000 pending; soonest expiry 2025-12-31; value
//   6000 × 100 / 90 = 6666.67 fen → ¥66.66.
TEST_F(InsightCli, LoyaltyTagsReadTheBalances) {
  ASSERT_EQ(load_shipped_program(), 0);
  import(
      "pos,A1,2023-03-06 12:00,phone:13800000001,store,S1,K,食品,1,600.00,0,600.00\n"
      "pos,A2,2024-12-05 12:00,phone:13800000001,store,S1,K,食品,1,500.00,0,500.00\n"
      "pos,B1,2024-12-10 12:00,phone:13800000002,store,S1,K,食品,1,6000.00,0,6000.00\n");
  CmdResult a = run(r("member show phone:13800000001 --explain --json"));
  ASSERT_EQ(a.code, 0) << a.out;
  for (const auto& [name, value] : {std::pair<std::string, std::string>{"tier", "normal"},
                                    {"tier_name", "普通会员"},
                                    {"growth", "1100"},
                                    {"growth_to_next_tier", "500"},
                                    {"points", "1100"},
                                    {"points_usable", "600"},
                                    {"points_pending", "500"},
                                    {"points_debt", "0"},
                                    {"points_expiring_30d", "600"},
                                    {"points_expiring_date", "2024-12-31"},
                                    {"points_value_yuan", "¥11.00"},
                                    {"loyalty_last_activity", "2024-12-05"}})
    EXPECT_TRUE(has(a.out, tag(name, "loyalty", value))) << name << " " << value << "\n" << a.out;

  CmdResult b = run(r("member show phone:13800000002 --explain --json"));
  ASSERT_EQ(b.code, 0) << b.out;
  for (const auto& [name, value] : {std::pair<std::string, std::string>{"tier", "gold"},
                                    {"tier_name", "金卡会员"},
                                    {"growth", "6000"},
                                    {"growth_to_next_tier", "14000"},
                                    {"points", "6000"},
                                    {"points_usable", "0"},
                                    {"points_pending", "6000"},
                                    {"points_expiring_30d", "0"},
                                    {"points_expiring_date", "2025-12-31"},
                                    {"points_value_yuan", "¥66.66"},
                                    {"loyalty_last_activity", "2024-12-10"}})
    EXPECT_TRUE(has(b.out, tag(name, "loyalty", value))) << name << " " << value << "\n" << b.out;

  CmdResult text = run(r("member show phone:13800000001 --explain"));
  EXPECT_TRUE(has(text.out, "[loyalty]")) << text.out;

  auto count = [&](const std::string& expr) {
    CmdResult c = run(r("segment count \"" + expr + "\" --json"));
    EXPECT_EQ(c.code, 0) << c.out;
    auto at = c.out.find("\"count\":");
    return at == std::string::npos ? -1 : std::stoi(c.out.substr(at + 8));
  };
  EXPECT_EQ(count("tier = 'normal' and points_expiring_30d > 500"), 1);
  EXPECT_EQ(count("points_expiring_30d > 600"), 0);
  EXPECT_EQ(count("tier = 'gold' and points_pending > 5000"), 1);
  EXPECT_EQ(count("points_value_yuan >= 11"), 2);  // money in yuan: ¥11.00 and ¥66.66
  EXPECT_EQ(count("points_value_yuan > 11"), 1);
  EXPECT_EQ(count("growth_to_next_tier < 1000"), 1);
}

}  // namespace
}  // namespace recur
