#pragma once
// Thresholds of the member measures. Defaults follow PRODUCT.md §1; the program file overrides
// them in its `insight:` section (docs/insight.md, "Thresholds"). Days are business days.

#include <cstdint>
#include <string_view>

#include "core/status.h"
#include "store/database.h"

namespace recur::insight {

struct InsightConfig {
  // RFM
  std::int32_t rfm_window_days = 365;  // F and M count purchases in the last N days

  // Repurchase frequency tag (复购频率)
  double periodic_max_cv = 0.5;  // coefficient of variation of intervals for `periodic`
  std::int32_t periodic_min_intervals = 3;
  double high_frequency_max_interval = 30;   // mean interval (days) for `high_frequency`
  std::int32_t high_frequency_min_days = 6;  // purchase days for `high_frequency`

  // Lifecycle
  std::int32_t new_days = 30;          // first purchase within N days: new
  std::int32_t mature_min_days = 4;    // purchase days in the RFM window for mature
  std::int32_t lost_days = 365;        // no purchase for N days: lost
  std::int32_t reactivated_days = 60;  // a comeback after dormancy within N days: reactivated

  // Dormancy rules (沉睡会员)
  std::int32_t dormant_days = 90;      // static: no purchase for D days
  double dynamic_k = 1.5;              // dynamic: recency > k × own mean interval
  std::int32_t dynamic_min_days = 3;   //   with at least this many purchase days
  double category_k = 1.5;             // category migration: category recency > k × cycle
  std::int32_t category_min_days = 3;  //   for a category bought on at least this many days
  std::int32_t interaction_days = 90;  // interaction loss: no event for D days

  // Purchase cycles: a member with fewer intervals than this in a category uses the category's
  // population cycle.
  std::int32_t cycle_min_intervals = 2;

  // Replenishment
  std::int32_t reminder_lead_days = 3;
  // Replenishment by SKU: a member × SKU gets a due date once bought on at least this many days.
  std::int32_t sku_min_days = 3;

  bool operator==(const InsightConfig&) const = default;
};

// Reads the `insight:` section of a program file (the whole YAML text; other top-level keys are
// the loyalty program's and are ignored here). An absent or empty section gives the defaults.
// Unknown keys and values out of range are errors naming `label:line:column: insight.key.path`.
Result<InsightConfig> parse_insight_config(std::string_view yaml, std::string_view label);

// The thresholds of the program in force (the highest stored version); the defaults when no
// program was loaded or it has no `insight:` section.
Result<InsightConfig> insight_config_in_force(store::Database& db);

}  // namespace recur::insight
