#pragma once
// Replenishment by SKU (PRODUCT.md §1): for each member × SKU bought on at least sku_min_days
// days, the due date = last purchase day + units bought that day × days per unit, and the
// reminder date = due − reminder_lead_days. Days per unit come, in this order, from
//   1. the member's own rhythm: the mean over their consecutive purchase days of the SKU of
//      interval ÷ units bought at the earlier purchase, when they have cycle_min_intervals
//      intervals;
//   2. the SKU's population cycle: the median of the same ratio over every member's intervals
//      of the SKU (needs at least 5 intervals);
//   3. the category's population days per unit (CategoryCycles, second level of the path).
// The history keeps one row per member × day × SKU for the SKUs it tracks (History::sku_*).

#include <cstdint>
#include <string_view>
#include <vector>

#include "insight/history.h"
#include "insight/insight_config.h"

namespace recur::insight {

// The population's days per unit per SKU (by code in History::skus); NaN below 5 intervals.
struct SkuCycles {
  std::vector<double> median_days_per_unit;
  std::vector<std::int64_t> intervals;  // how many intervals each median stands on
};

enum class CycleSource : std::uint8_t { kOwn, kSku, kCategory };
inline constexpr std::string_view kCycleSourceNames[] = {"own rhythm", "SKU population cycle",
                                                         "category population cycle"};

struct SkuReplenishment {
  std::uint32_t member;  // dense index
  std::uint32_t sku;     // code in History::skus
  std::int32_t last_day;
  std::int32_t last_qty;  // units bought on last_day
  std::int32_t due_day;
  std::int32_t reminder_day;
  float days_per_unit;
  std::int32_t days;  // purchase days of the SKU up to as_of
  CycleSource source;
};

SkuCycles compute_sku_cycles(const History& history, std::int32_t as_of, int threads = 0);

// Appends member m's SKU reminders to `out`, in SKU-code order. `category_days_per_unit` is
// CategoryCycles::median_days_per_unit (by mid-category code).
void sku_replenishment_of(const History& history, std::size_t m, std::int32_t as_of,
                          const InsightConfig& config, const SkuCycles& cycles,
                          const std::vector<double>& category_days_per_unit,
                          std::vector<SkuReplenishment>& out);

}  // namespace recur::insight
