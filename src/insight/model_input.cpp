#include "insight/model_input.h"

#include <algorithm>

namespace recur::insight {

void net_day_values(const History& h, std::size_t m, std::int32_t as_of,
                    std::vector<std::int32_t>& days, std::vector<Fen>& values) {
  days.clear();
  values.clear();
  auto d = h.days_of(m);
  auto paid = h.day_paid_of(m);
  std::size_t n = h.days_until(m, as_of);
  for (std::size_t i = 0; i < n; ++i) {
    days.push_back(d[i]);
    values.push_back(paid[i]);
  }
  for (std::uint32_t k = h.refund_begin[m]; k < h.refund_begin[m + 1]; ++k) {
    if (h.refund_day[k] > as_of) break;  // sorted by refund day
    auto it = std::lower_bound(days.begin(), days.end(), h.refund_order_day[k]);
    if (it != days.end() && *it == h.refund_order_day[k])
      values[static_cast<std::size_t>(it - days.begin())] -= h.refund_amount[k];
  }
  // Fully refunded days are not purchases.
  std::size_t w = 0;
  for (std::size_t i = 0; i < days.size(); ++i) {
    if (values[i] > 0 || (values[i] == 0 && paid[i] == 0)) {
      days[w] = days[i];
      values[w] = values[i];
      ++w;
    }
  }
  days.resize(w);
  values.resize(w);
}

ModelInput build_model_input(const History& h, std::int32_t as_of, double period_days) {
  ModelInput in;
  std::vector<std::int32_t> days;
  std::vector<Fen> values;
  for (std::size_t m = 0; m < h.members(); ++m) {
    if (h.day_begin[m] == h.day_begin[m + 1] || h.day[h.day_begin[m]] > as_of) continue;
    net_day_values(h, m, as_of, days, values);
    if (days.empty()) continue;
    Rfm r;
    r.x = static_cast<std::int32_t>(days.size() - 1);
    r.t_x = (days.back() - days.front()) / period_days;
    r.T = (as_of - days.front()) / period_days;
    double m_x = 0;
    if (r.x > 0) {
      Fen sum = 0;
      for (std::size_t i = 1; i < values.size(); ++i) sum += values[i];
      m_x = static_cast<double>(sum) / 100.0 / r.x;
      if (m_x <= 0) m_x = 0.01;  // free repeat purchases: the smallest positive spend
    }
    in.summary.add_with_spend(r, m_x);
    in.member.push_back(static_cast<std::uint32_t>(m));
  }
  return in;
}

}  // namespace recur::insight
