#include "insight/purchase_cycle.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace recur::insight {

IntervalStats interval_stats(std::span<const std::int32_t> days) {
  IntervalStats s;
  if (days.size() < 2) return s;
  s.intervals = static_cast<std::int32_t>(days.size() - 1);
  // Intervals are small; a fixed buffer avoids allocation for typical members.
  std::vector<std::int32_t> gaps(days.size() - 1);
  double sum = 0;
  for (std::size_t i = 1; i < days.size(); ++i) {
    gaps[i - 1] = days[i] - days[i - 1];
    sum += gaps[i - 1];
  }
  s.mean = sum / s.intervals;
  double var = 0;
  for (std::int32_t g : gaps) var += (g - s.mean) * (g - s.mean);
  s.cv = s.mean > 0 ? std::sqrt(var / s.intervals) / s.mean : 0;
  auto mid = gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2);
  std::nth_element(gaps.begin(), mid, gaps.end());
  if (gaps.size() % 2 == 1) {
    s.median = *mid;
  } else {
    std::int32_t upper = *mid;
    std::int32_t lower = *std::max_element(gaps.begin(), mid);
    s.median = (lower + upper) / 2.0;
  }
  return s;
}

FrequencyTag frequency_tag(const IntervalStats& s, const InsightConfig& c) {
  if (s.intervals == 0) return FrequencyTag::kOneTime;
  if (s.mean <= c.high_frequency_max_interval && s.intervals + 1 >= c.high_frequency_min_days)
    return FrequencyTag::kHighFrequency;
  if (s.intervals >= c.periodic_min_intervals && s.cv <= c.periodic_max_cv)
    return FrequencyTag::kPeriodic;
  return FrequencyTag::kLowFrequency;
}

}  // namespace recur::insight
