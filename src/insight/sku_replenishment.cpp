#include "insight/sku_replenishment.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "insight/parallel.h"

namespace recur::insight {
namespace {

double median_of(std::vector<double>& v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (v.size() % 2 == 1) return *mid;
  return (*mid + *std::max_element(v.begin(), mid)) / 2.0;
}

// Calls fn(first, last) for each run of member m's SKU rows (sorted by SKU, then day) with the
// rows on or before as_of; first..last index History::sku_*.
template <typename Fn>
void each_sku(const History& h, std::size_t m, std::int32_t as_of, Fn&& fn) {
  const std::uint32_t end = h.sku_begin[m + 1];
  for (std::uint32_t i = h.sku_begin[m]; i < end;) {
    std::uint32_t j = i;
    while (j < end && h.sku_code[j] == h.sku_code[i]) ++j;
    std::uint32_t last = i;
    while (last < j && h.sku_day[last] <= as_of) ++last;
    if (last > i) fn(i, last);
    i = j;
  }
}

}  // namespace

SkuCycles compute_sku_cycles(const History& h, std::int32_t as_of, int threads) {
  const std::size_t skus = h.skus.size();
  const int t = choose_threads(threads, h.members());
  std::vector<std::vector<std::vector<double>>> per_unit(static_cast<std::size_t>(t),
                                                         std::vector<std::vector<double>>(skus));
  parallel_chunks(h.members(), t, [&](std::size_t begin, std::size_t end, int slot) {
    auto& pu = per_unit[static_cast<std::size_t>(slot)];
    for (std::size_t m = begin; m < end; ++m) {
      each_sku(h, m, as_of, [&](std::uint32_t first, std::uint32_t last) {
        for (std::uint32_t k = first + 1; k < last; ++k)
          if (h.sku_qty[k - 1] > 0)
            pu[h.sku_code[k]].push_back(static_cast<double>(h.sku_day[k] - h.sku_day[k - 1]) /
                                        h.sku_qty[k - 1]);
      });
    }
  });
  SkuCycles out;
  out.median_days_per_unit.assign(skus, std::numeric_limits<double>::quiet_NaN());
  out.intervals.assign(skus, 0);
  std::vector<double> all;
  for (std::size_t s = 0; s < skus; ++s) {
    all.clear();
    for (auto& slot : per_unit) all.insert(all.end(), slot[s].begin(), slot[s].end());
    out.intervals[s] = static_cast<std::int64_t>(all.size());
    if (all.size() >= 5) out.median_days_per_unit[s] = median_of(all);
  }
  return out;
}

void sku_replenishment_of(const History& h, std::size_t m, std::int32_t as_of,
                          const InsightConfig& config, const SkuCycles& cycles,
                          const std::vector<double>& category_days_per_unit,
                          std::vector<SkuReplenishment>& out) {
  each_sku(h, m, as_of, [&](std::uint32_t first, std::uint32_t last) {
    const std::int32_t days = static_cast<std::int32_t>(last - first);
    if (days < config.sku_min_days) return;
    const std::uint32_t sku = h.sku_code[first];
    double sum = 0;
    int ratios = 0;
    for (std::uint32_t k = first + 1; k < last; ++k) {
      if (h.sku_qty[k - 1] <= 0) continue;
      sum += static_cast<double>(h.sku_day[k] - h.sku_day[k - 1]) / h.sku_qty[k - 1];
      ++ratios;
    }
    double per_unit = 0;
    CycleSource source = CycleSource::kOwn;
    if (days - 1 >= config.cycle_min_intervals && ratios > 0) {
      per_unit = sum / ratios;
    } else if (sku < cycles.median_days_per_unit.size() &&
               std::isfinite(cycles.median_days_per_unit[sku])) {
      per_unit = cycles.median_days_per_unit[sku];
      source = CycleSource::kSku;
    } else {
      const std::uint32_t mid = h.category_mid[h.sku_category[sku]];
      if (mid < category_days_per_unit.size()) per_unit = category_days_per_unit[mid];
      source = CycleSource::kCategory;
    }
    if (!(per_unit > 0) || !std::isfinite(per_unit)) return;
    SkuReplenishment r;
    r.member = static_cast<std::uint32_t>(m);
    r.sku = sku;
    r.last_day = h.sku_day[last - 1];
    r.last_qty = h.sku_qty[last - 1];
    r.due_day = r.last_day + static_cast<std::int32_t>(std::lround(per_unit * r.last_qty));
    r.reminder_day = r.due_day - config.reminder_lead_days;
    r.days_per_unit = static_cast<float>(per_unit);
    r.days = days;
    r.source = source;
    out.push_back(r);
  });
}

}  // namespace recur::insight
