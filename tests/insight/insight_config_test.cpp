// The insight section of the program file: every key read, unknown keys and bad values named
// with their line and column, defaults when absent.

#include "insight/insight_config.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace recur::insight {
namespace {

std::string shipped_program() {
  return recur::testing::read_file(std::string(RECUR_SOURCE_DIR) + "/config/program.yaml");
}

TEST(InsightConfig, TheShippedProgramHoldsTheDefaults) {
  auto c = parse_insight_config(shipped_program(), "program.yaml");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(*c, InsightConfig{});
  // The section is really there: dropping it changes nothing, renaming a key fails.
  std::string text = shipped_program();
  ASSERT_NE(text.find("static_days: 90"), std::string::npos);
  text.replace(text.find("static_days: 90"), 15, "static_dayz: 90");
  EXPECT_FALSE(parse_insight_config(text, "p.yaml").ok());
}

TEST(InsightConfig, NoSectionGivesTheDefaults) {
  auto c = parse_insight_config("name: x\ntiers: []\n", "p.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, InsightConfig{});
  auto empty = parse_insight_config("name: x\ninsight:\n", "p.yaml");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, InsightConfig{});
}

TEST(InsightConfig, EveryKeyIsRead) {
  const char* yaml =
      "name: x\n"
      "insight:\n"
      "  rfm: {window_days: 180}\n"
      "  frequency:\n"
      "    periodic_max_cv: 0.4\n"
      "    periodic_min_intervals: 4\n"
      "    high_frequency_max_interval_days: 14.5\n"
      "    high_frequency_min_days: 8\n"
      "  lifecycle: {new_days: 14, mature_min_days: 5, lost_days: 400, reactivated_days: 45}\n"
      "  dormancy:\n"
      "    static_days: 120\n"
      "    dynamic_k: 2\n"
      "    dynamic_min_days: 4\n"
      "    category_k: 1.25\n"
      "    category_min_days: 5\n"
      "    interaction_days: 60\n"
      "  cycles: {min_intervals: 3}\n"
      "  replenishment: {reminder_lead_days: 0}\n";
  auto c = parse_insight_config(yaml, "p.yaml");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->rfm_window_days, 180);
  EXPECT_EQ(c->periodic_max_cv, 0.4);
  EXPECT_EQ(c->periodic_min_intervals, 4);
  EXPECT_EQ(c->high_frequency_max_interval, 14.5);
  EXPECT_EQ(c->high_frequency_min_days, 8);
  EXPECT_EQ(c->new_days, 14);
  EXPECT_EQ(c->mature_min_days, 5);
  EXPECT_EQ(c->lost_days, 400);
  EXPECT_EQ(c->reactivated_days, 45);
  EXPECT_EQ(c->dormant_days, 120);
  EXPECT_EQ(c->dynamic_k, 2.0);
  EXPECT_EQ(c->dynamic_min_days, 4);
  EXPECT_EQ(c->category_k, 1.25);
  EXPECT_EQ(c->category_min_days, 5);
  EXPECT_EQ(c->interaction_days, 60);
  EXPECT_EQ(c->cycle_min_intervals, 3);
  EXPECT_EQ(c->reminder_lead_days, 0);
}

// Errors name the file, line and column of the offending node and the key path.
TEST(InsightConfig, BadValuesNameTheKeyAndLine) {
  struct Case {
    const char* yaml;
    const char* error;
  } cases[] = {
      // line 3, column 27: the value 0
      {"name: x\ninsight:\n  dormancy: {static_days: 0}\n",
       "p.yaml:3:27: insight.dormancy.static_days: must be 1..3650, got 0"},
      {"name: x\ninsight:\n  dormancy:\n    static_days: 9x\n",
       "p.yaml:4:18: insight.dormancy.static_days: must be 1..3650, got '9x'"},
      {"name: x\ninsight:\n  dormancy:\n    dynamic_k: 0\n",
       "p.yaml:4:16: insight.dormancy.dynamic_k: must be a number from 0.1 to 100, got 0"},
      {"name: x\ninsight:\n  dormancy:\n    static_dayz: 9\n",
       "p.yaml:4:5: insight.dormancy.static_dayz: unknown key (expected one of: static_days,"},
      {"name: x\ninsight:\n  sleep: {}\n", "p.yaml:3:3: insight.sleep: unknown key"},
      {"name: x\ninsight: 5\n", "p.yaml:2:10: insight: must be a map"},
      {"name: x\ninsight:\n  rfm: [1]\n", "p.yaml:3:8: insight.rfm: must be a map"},
      {"name: x\ninsight:\n  lifecycle:\n    lost_days: 90\n",
       "p.yaml:4:16: insight.lifecycle.lost_days: must be greater than "
       "insight.dormancy.static_days (90)"},
  };
  for (const Case& k : cases) {
    auto c = parse_insight_config(k.yaml, "p.yaml");
    ASSERT_FALSE(c.ok()) << k.yaml;
    EXPECT_NE(c.status().message().find(k.error), std::string::npos)
        << c.status().message() << "\nexpected: " << k.error;
  }
}

}  // namespace
}  // namespace recur::insight
