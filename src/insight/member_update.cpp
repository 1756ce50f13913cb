#include "insight/member_update.h"

#include <algorithm>
#include <cmath>

#include "insight/model_input.h"

namespace recur::insight {

PopulationSnapshot PopulationSnapshot::take(const History& h, const MemberMeasures& mm,
                                            const MemberScores& sc, const InsightConfig& config,
                                            const ScoringOptions& scoring) {
  PopulationSnapshot p;
  p.as_of = mm.as_of;
  p.config = config;
  p.scoring = scoring;
  p.mid_categories = h.mid_categories;
  p.cycles = mm.category_cycles;
  p.skus = h.skus;
  p.sku_cycles = mm.sku_cycles;
  for (std::size_t m = 0; m < h.members(); ++m) {
    if (mm.rfm.recency[m] < 0) continue;
    p.recency.push_back(-static_cast<double>(mm.rfm.recency[m]));
    p.frequency.push_back(mm.rfm.frequency[m]);
    p.monetary.push_back(static_cast<double>(mm.rfm.monetary[m]));
  }
  std::sort(p.recency.begin(), p.recency.end());
  std::sort(p.frequency.begin(), p.frequency.end());
  std::sort(p.monetary.begin(), p.monetary.end());
  p.mean_recency = mm.rfm.mean_recency;
  p.mean_frequency = mm.rfm.mean_frequency;
  p.mean_monetary = mm.rfm.mean_monetary;
  p.bgnbd = sc.bgnbd.params;
  p.gamma_gamma = sc.gamma_gamma.params;
  p.spend_model = sc.spend_model;
  p.high_value_clv = sc.high_value_clv;
  return p;
}

void copy_member(const History& h, std::size_t m, HistoryBuilder& to) {
  HistoryBuilder::MemberRow row{h.member_id[m], h.registered_day[m], h.gender[m],
                                h.birthday[m],  h.cities[h.city[m]], h.consent[m]};
  to.add_member(row);
  // Orders, then each day's lines on that day's first order (lines are kept per day × category).
  std::vector<std::uint32_t> handles;
  std::uint32_t line = h.line_begin[m];
  for (std::uint32_t k = h.order_begin[m]; k < h.order_begin[m + 1]; ++k) {
    handles.push_back(to.add_order(h.member_id[m], h.order_day[k], h.order_paid[k],
                                   h.order_discount[k], h.channels[h.order_channel[k]],
                                   h.stores[h.order_store[k]], h.order_items[k]));
    for (; line < h.line_begin[m + 1] && h.line_day[line] == h.order_day[k]; ++line) {
      std::uint32_t c = h.line_category[line];
      to.add_line(handles.back(), h.categories[c], h.line_qty[line], h.line_amount[line],
                  h.category_consumable[c]);
    }
  }
  // Tracked SKUs per day, on that day's first order.
  for (std::uint32_t k = h.sku_begin[m]; k < h.sku_begin[m + 1]; ++k) {
    auto first = std::lower_bound(h.order_day.begin() + h.order_begin[m],
                                  h.order_day.begin() + h.order_begin[m + 1], h.sku_day[k]);
    const std::uint32_t s = h.sku_code[k];
    to.add_sku(handles[static_cast<std::size_t>(first - (h.order_day.begin() + h.order_begin[m]))],
               to.sku_code(h.skus[s]), h.categories[h.sku_category[s]], h.sku_qty[k]);
  }
  for (std::uint32_t r = h.refund_begin[m]; r < h.refund_begin[m + 1]; ++r)
    to.add_refund(handles[h.refund_order[r] - h.order_begin[m]], h.refund_day[r],
                  h.refund_amount[r]);
  for (std::uint32_t i = h.interaction_begin[m]; i < h.interaction_begin[m + 1]; ++i)
    to.add_interaction(h.member_id[m], h.interaction_day[i]);
}

namespace {

std::uint8_t score_in(const std::vector<double>& sorted, double v) {
  if (sorted.empty()) return 1;
  auto worse =
      static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin());
  return static_cast<std::uint8_t>(
      1 + std::min(4.0, std::floor(5.0 * worse / static_cast<double>(sorted.size()))));
}

template <typename T>
void one_row(std::vector<T>& v, T value) {
  v.assign(1, value);
}

}  // namespace

MemberUpdate update_member(const History& one, const PopulationSnapshot& p,
                           MemberScratch& scratch) {
  MemberUpdate u;
  MemberMeasures& mm = u.measures;
  const std::int32_t as_of = p.as_of;
  mm.as_of = as_of;
  one_row(mm.purchase_days, 0);
  one_row(mm.first_day, kNoDay);
  one_row(mm.last_day, kNoDay);
  one_row<Fen>(mm.net_spend, 0);
  one_row(mm.cycle_mean, 0.0f);
  one_row(mm.cycle_median, 0.0f);
  one_row(mm.cycle_cv, 0.0f);
  one_row<std::uint8_t>(mm.frequency, 0);
  one_row<std::uint8_t>(mm.lifecycle, 0);
  one_row<std::uint8_t>(mm.dormancy, 0);
  one_row(mm.facts, DormancyFacts{});
  one_row(mm.top_categories, std::array<std::uint32_t, 3>{0, 0, 0});
  one_row(mm.preferred_channel, 0u);
  one_row(mm.preferred_store, 0u);
  one_row<std::uint8_t>(mm.channels_used, 0);
  // The population's category cycles under this history's category codes.
  CategoryCycles& cycles = mm.category_cycles;
  const std::size_t cats = one.mid_categories.size();
  cycles.median_interval.assign(cats, std::nan(""));
  cycles.median_days_per_unit.assign(cats, std::nan(""));
  cycles.intervals.assign(cats, 0);
  for (std::uint32_t c = 1; c < cats; ++c) {
    std::uint32_t code = p.mid_categories.find(one.mid_categories[c]);
    if (code == Dictionary::kNone || code >= p.cycles.median_interval.size()) continue;
    cycles.median_interval[c] = p.cycles.median_interval[code];
    cycles.median_days_per_unit[c] = p.cycles.median_days_per_unit[code];
    cycles.intervals[c] = p.cycles.intervals[code];
  }
  // The population's SKU cycles under this history's SKU codes.
  SkuCycles& sku_cycles = mm.sku_cycles;
  sku_cycles.median_days_per_unit.assign(one.skus.size(), std::nan(""));
  sku_cycles.intervals.assign(one.skus.size(), 0);
  for (std::uint32_t s = 1; s < one.skus.size(); ++s) {
    std::uint32_t code = p.skus.find(one.skus[s]);
    if (code == Dictionary::kNone || code >= p.sku_cycles.median_days_per_unit.size()) continue;
    sku_cycles.median_days_per_unit[s] = p.sku_cycles.median_days_per_unit[code];
    sku_cycles.intervals[s] = p.sku_cycles.intervals[code];
  }
  std::vector<std::uint8_t> consumable = consumable_mid_categories(one);
  measure_member(one, 0, as_of, p.config, cycles, sku_cycles, consumable, scratch, mm,
                 mm.replenishment, mm.category_rhythm, mm.sku_replenishment);

  // RFM against the population's ranks and means.
  RfmColumns& r = mm.rfm;
  one_row(r.recency, -1);
  one_row(r.frequency, 0);
  one_row<Fen>(r.monetary, 0);
  one_row<std::uint8_t>(r.r_score, 0);
  one_row<std::uint8_t>(r.f_score, 0);
  one_row<std::uint8_t>(r.m_score, 0);
  one_row<std::uint8_t>(r.segment8, 0);
  one_row<std::uint8_t>(r.segment11, 0);
  r.mean_recency = p.mean_recency;
  r.mean_frequency = p.mean_frequency;
  r.mean_monetary = p.mean_monetary;
  if (mm.purchase_days[0] > 0) {
    net_day_values(one, 0, as_of, scratch.days, scratch.values);
    const auto& days = scratch.days;
    r.recency[0] = as_of - days.back();
    auto first = std::lower_bound(days.begin(), days.end(), as_of - p.config.rfm_window_days + 1) -
                 days.begin();
    r.frequency[0] = static_cast<std::int32_t>(days.size()) - static_cast<std::int32_t>(first);
    for (std::size_t i = static_cast<std::size_t>(first); i < scratch.values.size(); ++i)
      r.monetary[0] += scratch.values[i];
    r.r_score[0] = score_in(p.recency, -static_cast<double>(r.recency[0]));
    r.f_score[0] = score_in(p.frequency, r.frequency[0]);
    r.m_score[0] = score_in(p.monetary, static_cast<double>(r.monetary[0]));
    r.segment8[0] = rfm_segment8(r.recency[0]<p.mean_recency, r.frequency[0]> p.mean_frequency,
                                 static_cast<double>(r.monetary[0]) > p.mean_monetary);
    r.segment11[0] = rfm_segment11(
        r.r_score[0], static_cast<int>(std::lround((r.f_score[0] + r.m_score[0]) / 2.0)));
  }

  // Predictions with the population's fitted models.
  MemberScores& s = u.scores;
  s.high_value_clv = p.high_value_clv;
  s.spend_model = p.spend_model;
  one_row(s.p_alive, -1.0f);
  one_row(s.expected_purchases, 0.0f);
  one_row(s.p_purchase, 0.0f);
  one_row<std::uint8_t>(s.churn_risk, 255);
  one_row<Fen>(s.clv, 0);
  one_row<Fen>(s.expected_spend, 0);
  one_row(s.next_purchase_day, kNoDay);
  one_row(s.action, static_cast<std::uint8_t>(Action::kNone));
  ModelInput in = build_model_input(one, as_of, 1.0);
  if (in.summary.empty()) return u;
  s.bgnbd.params = p.bgnbd;
  s.gamma_gamma.params = p.gamma_gamma;
  Status st = score_rows(in, mm, p.scoring, s);
  (void)st;  // only CLV scoring can fail, on parameters the full computation already used
  assign_actions(in, mm, s);
  return u;
}

}  // namespace recur::insight
