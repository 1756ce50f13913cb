#include "insight/rfm.h"

#include <algorithm>
#include <cmath>

#include "insight/model_input.h"

namespace recur::insight {

std::uint8_t rfm_segment8(bool r, bool f, bool m) {
  if (m) return r ? (f ? 1 : 2) : (f ? 3 : 4);
  return r ? (f ? 5 : 6) : (f ? 7 : 8);
}

std::uint8_t rfm_segment11(int r, int fm) {
  // Rows FM 5..1, columns R 1..5 (see docs/insight.md for the grid).
  static constexpr std::uint8_t kGrid[5][5] = {
      /* FM 5 */ {9, 8, 2, 1, 1},
      /* FM 4 */ {9, 8, 2, 1, 1},
      /* FM 3 */ {8, 8, 6, 2, 2},
      /* FM 2 */ {10, 10, 7, 3, 3},
      /* FM 1 */ {11, 10, 7, 5, 4},
  };
  r = std::clamp(r, 1, 5);
  fm = std::clamp(fm, 1, 5);
  return kGrid[5 - fm][r - 1];
}

std::vector<std::uint8_t> quintile_scores(const std::vector<double>& values,
                                          const std::vector<bool>& eligible,
                                          bool higher_is_better) {
  std::vector<double> sorted;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (eligible[i]) sorted.push_back(higher_is_better ? values[i] : -values[i]);
  std::sort(sorted.begin(), sorted.end());
  const double n = static_cast<double>(sorted.size());
  std::vector<std::uint8_t> out(values.size(), 0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!eligible[i]) continue;
    double v = higher_is_better ? values[i] : -values[i];
    auto worse =
        static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin());
    out[i] = static_cast<std::uint8_t>(1 + std::min(4.0, std::floor(5.0 * worse / n)));
  }
  return out;
}

RfmColumns compute_rfm(const History& h, std::int32_t as_of, const InsightConfig& config) {
  const std::size_t n = h.members();
  RfmColumns c;
  c.recency.assign(n, -1);
  c.frequency.assign(n, 0);
  c.monetary.assign(n, 0);
  std::vector<bool> buyer(n, false);
  const std::int32_t window_start = as_of - config.rfm_window_days + 1;
  std::vector<std::int32_t> days;
  std::vector<Fen> values;
  double sum_r = 0, sum_f = 0, sum_m = 0, buyers = 0;
  for (std::size_t m = 0; m < n; ++m) {
    if (h.day_begin[m] == h.day_begin[m + 1] || h.day[h.day_begin[m]] > as_of) continue;
    net_day_values(h, m, as_of, days, values);
    if (days.empty()) continue;
    buyer[m] = true;
    c.recency[m] = as_of - days.back();
    auto first = std::lower_bound(days.begin(), days.end(), window_start) - days.begin();
    c.frequency[m] = static_cast<std::int32_t>(days.size()) - static_cast<std::int32_t>(first);
    for (std::size_t i = static_cast<std::size_t>(first); i < values.size(); ++i)
      c.monetary[m] += values[i];
    sum_r += c.recency[m];
    sum_f += c.frequency[m];
    sum_m += static_cast<double>(c.monetary[m]);
    ++buyers;
  }
  if (buyers > 0) {
    c.mean_recency = sum_r / buyers;
    c.mean_frequency = sum_f / buyers;
    c.mean_monetary = sum_m / buyers;
  }
  std::vector<double> r(n), f(n), mo(n);
  for (std::size_t m = 0; m < n; ++m) {
    r[m] = c.recency[m];
    f[m] = c.frequency[m];
    mo[m] = static_cast<double>(c.monetary[m]);
  }
  c.r_score = quintile_scores(r, buyer, false);
  c.f_score = quintile_scores(f, buyer, true);
  c.m_score = quintile_scores(mo, buyer, true);
  c.segment8.assign(n, 0);
  c.segment11.assign(n, 0);
  for (std::size_t m = 0; m < n; ++m) {
    if (!buyer[m]) continue;
    c.segment8[m] = rfm_segment8(c.recency[m]<c.mean_recency, c.frequency[m]> c.mean_frequency,
                                 static_cast<double>(c.monetary[m]) > c.mean_monetary);
    int fm = static_cast<int>(std::lround((c.f_score[m] + c.m_score[m]) / 2.0));
    c.segment11[m] = rfm_segment11(c.r_score[m], fm);
  }
  return c;
}

}  // namespace recur::insight
