#pragma once
// Purchase cycles: intervals between purchase days (PRODUCT.md §1), and the repurchase
// frequency tag (复购频率) they imply.

#include <cstdint>
#include <span>
#include <string_view>

#include "insight/insight_config.h"

namespace recur::insight {

struct IntervalStats {
  std::int32_t intervals = 0;  // purchase days − 1
  double mean = 0;             // days; 0 when no interval
  double median = 0;
  double cv = 0;  // coefficient of variation (population sd / mean)
};

// `days` ascending and distinct.
IntervalStats interval_stats(std::span<const std::int32_t> days);

enum class FrequencyTag : std::uint8_t {
  kNone,
  kOneTime,
  kLowFrequency,
  kPeriodic,
  kHighFrequency
};
inline constexpr std::string_view kFrequencyTagNames[] = {"", "one_time", "low_frequency",
                                                          "periodic", "high_frequency"};

// one_time: a single purchase day. high_frequency: mean interval ≤ high_frequency_max_interval
// and at least high_frequency_min_days purchase days. periodic: at least periodic_min_intervals
// intervals with cv ≤ periodic_max_cv. Otherwise low_frequency. high_frequency wins over
// periodic (a weekly shopper is both; frequency is the stronger signal for campaigns).
FrequencyTag frequency_tag(const IntervalStats& s, const InsightConfig& config);

}  // namespace recur::insight
