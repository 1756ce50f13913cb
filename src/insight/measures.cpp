#include "insight/measures.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "insight/model_input.h"
#include "insight/parallel.h"

namespace recur::insight {
namespace {

void category_days(const History& h, std::size_t m, std::int32_t as_of,
                   std::vector<CategoryDay>& out) {
  out.clear();
  for (std::uint32_t k = h.line_begin[m]; k < h.line_begin[m + 1]; ++k) {
    if (h.line_day[k] > as_of) break;
    out.push_back(
        {h.category_mid[h.line_category[k]], h.line_day[k], h.line_qty[k], h.line_amount[k]});
  }
  std::sort(out.begin(), out.end(), [](const CategoryDay& a, const CategoryDay& b) {
    return a.category != b.category ? a.category < b.category : a.day < b.day;
  });
  std::size_t w = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (w > 0 && out[w - 1].category == out[i].category && out[w - 1].day == out[i].day) {
      out[w - 1].qty += out[i].qty;
      out[w - 1].amount += out[i].amount;
    } else {
      out[w++] = out[i];
    }
  }
  out.resize(w);
}

double median_of(std::vector<double>& v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (v.size() % 2 == 1) return *mid;
  return (*mid + *std::max_element(v.begin(), mid)) / 2.0;
}

bool is_consumable_mid(const History& h, std::uint32_t mid) {
  for (std::size_t c = 0; c < h.category_mid.size(); ++c)
    if (h.category_mid[c] == mid && h.category_consumable[c]) return true;
  return false;
}

}  // namespace

std::vector<std::uint8_t> consumable_mid_categories(const History& h) {
  std::vector<std::uint8_t> consumable(h.mid_categories.size(), 0);
  for (std::size_t c = 0; c < consumable.size(); ++c)
    consumable[c] = is_consumable_mid(h, static_cast<std::uint32_t>(c));
  return consumable;
}

CategoryCycles compute_category_cycles(const History& h, std::int32_t as_of, int threads) {
  const std::size_t cats = h.mid_categories.size();
  const int t = choose_threads(threads, h.members());
  std::vector<std::vector<std::vector<double>>> intervals(static_cast<std::size_t>(t),
                                                          std::vector<std::vector<double>>(cats));
  std::vector<std::vector<std::vector<double>>> per_unit(static_cast<std::size_t>(t),
                                                         std::vector<std::vector<double>>(cats));
  parallel_chunks(h.members(), t, [&](std::size_t begin, std::size_t end, int slot) {
    std::vector<CategoryDay> cd;
    auto& iv = intervals[static_cast<std::size_t>(slot)];
    auto& pu = per_unit[static_cast<std::size_t>(slot)];
    for (std::size_t m = begin; m < end; ++m) {
      category_days(h, m, as_of, cd);
      for (std::size_t i = 1; i < cd.size(); ++i) {
        if (cd[i].category != cd[i - 1].category) continue;
        double gap = cd[i].day - cd[i - 1].day;
        iv[cd[i].category].push_back(gap);
        if (cd[i - 1].qty > 0) pu[cd[i].category].push_back(gap / cd[i - 1].qty);
      }
    }
  });
  CategoryCycles out;
  out.median_interval.assign(cats, std::numeric_limits<double>::quiet_NaN());
  out.median_days_per_unit.assign(cats, std::numeric_limits<double>::quiet_NaN());
  out.intervals.assign(cats, 0);
  for (std::size_t c = 0; c < cats; ++c) {
    std::vector<double> all, units;
    for (int s = 0; s < t; ++s) {
      auto& a = intervals[static_cast<std::size_t>(s)][c];
      auto& u = per_unit[static_cast<std::size_t>(s)][c];
      all.insert(all.end(), a.begin(), a.end());
      units.insert(units.end(), u.begin(), u.end());
    }
    out.intervals[c] = static_cast<std::int64_t>(all.size());
    if (all.size() >= 5) {
      out.median_interval[c] = median_of(all);
      out.median_days_per_unit[c] = median_of(units);
    }
  }
  return out;
}

// One member's measures (everything but the population-ranked RFM scores), written at index m
// of `mm`; replenishment reminders are appended to `out_repl`.
void measure_member(const History& h, std::size_t m, std::int32_t as_of,
                    const InsightConfig& config, const CategoryCycles& cycles,
                    const SkuCycles& sku_cycles, const std::vector<std::uint8_t>& consumable,
                    MemberScratch& scratch, MemberMeasures& mm,
                    std::vector<Replenishment>& out_repl, std::vector<CategoryRhythm>& out_rhythm,
                    std::vector<SkuReplenishment>& out_sku) {
  const std::int32_t window_start = as_of - config.rfm_window_days + 1;
  std::vector<std::int32_t>& days = scratch.days;
  std::vector<Fen>& values = scratch.values;
  std::vector<CategoryDay>& cd = scratch.category_days;
  std::vector<Fen>& top_spend = scratch.top_spend;
  std::vector<std::uint32_t>& counts = scratch.counts;
  top_spend.resize(h.top_categories.size());
  DormancyFacts& f = mm.facts[m];
  // Interactions.
  {
    auto ib = h.interaction_day.begin() + h.interaction_begin[m];
    auto ie = h.interaction_day.begin() + h.interaction_begin[m + 1];
    auto it = std::upper_bound(ib, ie, as_of);
    if (it != ib) f.interaction_recency = as_of - *(it - 1);
  }
  if (h.day_begin[m] == h.day_begin[m + 1] || h.day[h.day_begin[m]] > as_of) {
    mm.lifecycle[m] = static_cast<std::uint8_t>(Lifecycle::kProspect);
    return;
  }
  net_day_values(h, m, as_of, days, values);
  if (days.empty()) {
    mm.lifecycle[m] = static_cast<std::uint8_t>(Lifecycle::kProspect);
    return;
  }
  mm.purchase_days[m] = static_cast<std::int32_t>(days.size());
  mm.first_day[m] = days.front();
  mm.last_day[m] = days.back();
  for (Fen v : values) mm.net_spend[m] += v;
  IntervalStats s = interval_stats(days);
  mm.cycle_mean[m] = static_cast<float>(s.mean);
  mm.cycle_median[m] = static_cast<float>(s.median);
  mm.cycle_cv[m] = static_cast<float>(s.cv);
  mm.frequency[m] = static_cast<std::uint8_t>(frequency_tag(s, config));

  f.purchase_days = mm.purchase_days[m];
  f.recency = as_of - days.back();
  f.first_age = as_of - days.front();
  f.longest_recent_gap = days.size() >= 2 ? days[days.size() - 1] - days[days.size() - 2] : 0;
  f.window_days = static_cast<std::int32_t>(
      days.end() - std::lower_bound(days.begin(), days.end(), window_start));
  f.mean_interval = s.mean;

  // Categories: cycles, migration, replenishment, top spend.
  category_days(h, m, as_of, cd);
  std::fill(top_spend.begin(), top_spend.end(), 0);
  double worst_ratio = 0;
  for (std::size_t i = 0; i < cd.size();) {
    std::size_t j = i;
    while (j < cd.size() && cd[j].category == cd[i].category) ++j;
    const std::uint32_t cat = cd[i].category;
    const std::int32_t cat_days = static_cast<std::int32_t>(j - i);
    double own_median = 0, own_per_unit = 0;
    std::int32_t own_intervals = cat_days - 1;
    if (own_intervals >= 1) {
      std::vector<double> gaps, per_unit;
      for (std::size_t k = i + 1; k < j; ++k) {
        double gap = cd[k].day - cd[k - 1].day;
        gaps.push_back(gap);
        if (cd[k - 1].qty > 0) per_unit.push_back(gap / cd[k - 1].qty);
      }
      own_median = median_of(gaps);
      own_per_unit = per_unit.empty() ? 0 : median_of(per_unit);
    }
    {
      auto& list = scratch.category_day_list;
      list.clear();
      for (std::size_t k = i; k < j; ++k) list.push_back(cd[k].day);
      IntervalStats cs = interval_stats(list);
      out_rhythm.push_back(CategoryRhythm{static_cast<std::uint32_t>(m), cat,
                                          static_cast<std::uint8_t>(frequency_tag(cs, config)),
                                          static_cast<float>(cs.mean)});
    }
    const bool own = own_intervals >= config.cycle_min_intervals;
    const double cycle = own ? own_median : cycles.median_interval[cat];
    const std::int32_t cat_recency = as_of - cd[j - 1].day;
    if (cat_days >= config.category_min_days && cycle > 0 && std::isfinite(cycle)) {
      double ratio = cat_recency / cycle;
      if (ratio > worst_ratio) {
        worst_ratio = ratio;
        f.category = cat;
        f.category_recency = cat_recency;
        f.category_cycle = cycle;
      }
    }
    if (consumable[cat]) {
      double per_unit = own ? own_per_unit : cycles.median_days_per_unit[cat];
      if (per_unit > 0 && std::isfinite(per_unit)) {
        Replenishment r;
        r.member = static_cast<std::uint32_t>(m);
        r.category = cat;
        r.last_day = cd[j - 1].day;
        r.due_day = r.last_day + static_cast<std::int32_t>(std::lround(per_unit * cd[j - 1].qty));
        r.reminder_day = r.due_day - config.reminder_lead_days;
        r.days_per_unit = static_cast<float>(per_unit);
        r.own_cycle = own;
        out_repl.push_back(r);
      }
    }
    i = j;
  }
  sku_replenishment_of(h, m, as_of, config, sku_cycles, cycles.median_days_per_unit, out_sku);
  for (std::uint32_t k = h.line_begin[m]; k < h.line_begin[m + 1] && h.line_day[k] <= as_of; ++k)
    top_spend[h.category_top[h.line_category[k]]] += h.line_amount[k];
  for (int rank = 0; rank < 3; ++rank) {
    std::uint32_t best = 0;
    for (std::uint32_t c = 1; c < top_spend.size(); ++c)
      if (top_spend[c] > 0 && (best == 0 || top_spend[c] > top_spend[best])) best = c;
    if (best == 0) break;
    mm.top_categories[m][static_cast<std::size_t>(rank)] = best;
    top_spend[best] = 0;
  }
  // Preferred channel and store by orders (ties: the most recent).
  counts.assign(std::max(h.channels.size(), h.stores.size()), 0);
  std::uint32_t best_channel = 0, best_store = 0;
  std::uint8_t used = 0;
  for (std::uint32_t k = h.order_begin[m]; k < h.order_begin[m + 1] && h.order_day[k] <= as_of;
       ++k) {
    std::uint32_t c = h.order_channel[k];
    if (counts[c]++ == 0) ++used;
    if (counts[c] >= counts[best_channel]) best_channel = c;
  }
  mm.preferred_channel[m] = best_channel;
  mm.channels_used[m] = used;
  std::fill(counts.begin(), counts.end(), 0);
  for (std::uint32_t k = h.order_begin[m]; k < h.order_begin[m + 1] && h.order_day[k] <= as_of;
       ++k) {
    std::uint32_t st = h.order_store[k];
    if (st == 0) return;
    ++counts[st];
    if (best_store == 0 || counts[st] >= counts[best_store]) best_store = st;
  }
  mm.preferred_store[m] = best_store;

  mm.dormancy[m] = dormancy_rules(f, config);
  mm.lifecycle[m] = static_cast<std::uint8_t>(lifecycle_stage(f, mm.dormancy[m], config));
}

MemberMeasures compute_measures(const History& h, std::int32_t as_of, const InsightConfig& config,
                                int threads) {
  const std::size_t n = h.members();
  MemberMeasures mm;
  mm.as_of = as_of;
  mm.category_cycles = compute_category_cycles(h, as_of, threads);
  mm.sku_cycles = compute_sku_cycles(h, as_of, threads);
  mm.rfm = compute_rfm(h, as_of, config);
  mm.purchase_days.assign(n, 0);
  mm.first_day.assign(n, kNoDay);
  mm.last_day.assign(n, kNoDay);
  mm.net_spend.assign(n, 0);
  mm.cycle_mean.assign(n, 0);
  mm.cycle_median.assign(n, 0);
  mm.cycle_cv.assign(n, 0);
  mm.frequency.assign(n, 0);
  mm.lifecycle.assign(n, 0);
  mm.dormancy.assign(n, 0);
  mm.facts.assign(n, DormancyFacts{});
  mm.top_categories.assign(n, {0, 0, 0});
  mm.preferred_channel.assign(n, 0);
  mm.preferred_store.assign(n, 0);
  mm.channels_used.assign(n, 0);

  std::vector<std::uint8_t> consumable = consumable_mid_categories(h);

  const int t = choose_threads(threads, n);
  std::vector<std::vector<Replenishment>> repl(static_cast<std::size_t>(t));
  std::vector<std::vector<CategoryRhythm>> rhythm(static_cast<std::size_t>(t));
  std::vector<std::vector<SkuReplenishment>> sku(static_cast<std::size_t>(t));
  parallel_chunks(n, t, [&](std::size_t begin, std::size_t end, int slot) {
    MemberScratch scratch;
    const auto s = static_cast<std::size_t>(slot);
    for (std::size_t m = begin; m < end; ++m)
      measure_member(h, m, as_of, config, mm.category_cycles, mm.sku_cycles, consumable, scratch,
                     mm, repl[s], rhythm[s], sku[s]);
  });
  for (auto& r : repl) mm.replenishment.insert(mm.replenishment.end(), r.begin(), r.end());
  for (auto& r : sku) mm.sku_replenishment.insert(mm.sku_replenishment.end(), r.begin(), r.end());
  for (auto& r : rhythm) mm.category_rhythm.insert(mm.category_rhythm.end(), r.begin(), r.end());
  return mm;
}

}  // namespace recur::insight
