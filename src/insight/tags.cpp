#include "insight/tags.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <span>

#include "core/json_writer.h"
#include "core/time.h"
#include "insight/loyalty_snapshot.h"

namespace recur::insight {
namespace {

using V = TagValue;
constexpr V kNull{};

bool buyer(const TagContext& c, std::size_t m) {
  return c.measures.purchase_days[m] > 0;
}

// Orders on or before as_of within the last `days` days (days <= 0: all time).
struct OrderWindow {
  std::int64_t orders = 0, items = 0;
  Fen paid = 0, discount = 0, max_order = 0;
};
OrderWindow orders_in(const TagContext& c, std::size_t m, std::int32_t days) {
  const History& h = c.history;
  const std::int32_t as_of = c.measures.as_of;
  const std::int32_t from = days > 0 ? as_of - days + 1 : INT32_MIN;
  OrderWindow w;
  for (std::uint32_t k = h.order_begin[m]; k < h.order_begin[m + 1]; ++k) {
    if (h.order_day[k] > as_of) break;
    if (h.order_day[k] < from) continue;
    ++w.orders;
    w.items += h.order_items[k];
    w.paid += h.order_paid[k];
    w.discount += h.order_discount[k];
    w.max_order = std::max(w.max_order, h.order_paid[k]);
  }
  return w;
}

std::int64_t purchase_days_in(const TagContext& c, std::size_t m, std::int32_t days) {
  auto d = c.history.days_of(m);
  const std::int32_t as_of = c.measures.as_of;
  return std::count_if(d.begin(), d.end(),
                       [&](std::int32_t x) { return x <= as_of && x > as_of - days; });
}

Fen refunded(const TagContext& c, std::size_t m, std::int64_t* count = nullptr) {
  const History& h = c.history;
  Fen sum = 0;
  std::int64_t n = 0;
  for (std::uint32_t k = h.refund_begin[m]; k < h.refund_begin[m + 1]; ++k) {
    if (h.refund_day[k] > c.measures.as_of) break;
    sum += h.refund_amount[k];
    ++n;
  }
  if (count) *count = n;
  return sum;
}

// Spend share of one top-level category, all time to as_of.
double category_share(const TagContext& c, std::size_t m, std::string_view top) {
  const History& h = c.history;
  std::uint32_t code = h.top_categories.find(top);
  Fen all = 0, mine = 0;
  for (std::uint32_t k = h.line_begin[m]; k < h.line_begin[m + 1]; ++k) {
    if (h.line_day[k] > c.measures.as_of) break;
    all += h.line_amount[k];
    if (code != Dictionary::kNone && h.category_top[h.line_category[k]] == code)
      mine += h.line_amount[k];
  }
  return all > 0 ? static_cast<double>(mine) / static_cast<double>(all) : 0.0;
}

// Share of orders in channels whose name starts with `prefix`.
double channel_share(const TagContext& c, std::size_t m, std::string_view prefix) {
  const History& h = c.history;
  std::int64_t all = 0, mine = 0;
  for (std::uint32_t k = h.order_begin[m]; k < h.order_begin[m + 1]; ++k) {
    if (h.order_day[k] > c.measures.as_of) break;
    ++all;
    if (h.channels[h.order_channel[k]].starts_with(prefix)) ++mine;
  }
  return all > 0 ? static_cast<double>(mine) / static_cast<double>(all) : 0.0;
}

// Weekday of a day number: 0 Monday … 6 Sunday (1970-01-01 was a Thursday).
int weekday(std::int32_t day) {
  return static_cast<int>(((day % 7) + 7 + 3) % 7);
}

std::int64_t interactions_in(const TagContext& c, std::size_t m, std::int32_t days) {
  const History& h = c.history;
  std::int64_t n = 0;
  for (std::uint32_t k = h.interaction_begin[m]; k < h.interaction_begin[m + 1]; ++k)
    if (h.interaction_day[k] <= c.measures.as_of && h.interaction_day[k] > c.measures.as_of - days)
      ++n;
  return n;
}

// Member m's category rhythms (category_rhythm is sorted by member).
std::span<const CategoryRhythm> rhythms_of(const TagContext& c, std::size_t m) {
  const auto& rs = c.measures.category_rhythm;
  auto lo = std::lower_bound(rs.begin(), rs.end(), m,
                             [](const CategoryRhythm& x, std::size_t v) { return x.member < v; });
  auto hi = std::upper_bound(lo, rs.end(), m,
                             [](std::size_t v, const CategoryRhythm& x) { return v < x.member; });
  return {rs.data() + (lo - rs.begin()), static_cast<std::size_t>(hi - lo)};
}

const Replenishment* next_replenishment(const TagContext& c, std::size_t m) {
  const auto& r = c.measures.replenishment;
  auto it = std::lower_bound(r.begin(), r.end(), m,
                             [](const Replenishment& x, std::size_t v) { return x.member < v; });
  const Replenishment* best = nullptr;
  for (; it != r.end() && it->member == m; ++it)
    if (!best || it->due_day < best->due_day) best = &*it;
  return best;
}

// Member m's SKU reminders (sku_replenishment is sorted by member).
std::span<const SkuReplenishment> sku_reminders_of(const TagContext& c, std::size_t m) {
  const auto& rs = c.measures.sku_replenishment;
  auto lo = std::lower_bound(rs.begin(), rs.end(), m,
                             [](const SkuReplenishment& x, std::size_t v) { return x.member < v; });
  auto hi = std::upper_bound(lo, rs.end(), m,
                             [](std::size_t v, const SkuReplenishment& x) { return v < x.member; });
  return {rs.data() + (lo - rs.begin()), static_cast<std::size_t>(hi - lo)};
}

// Earlier due date first; equal dates by SKU name (codes differ between histories).
bool due_before(const TagContext& c, const SkuReplenishment& a, const SkuReplenishment& b) {
  if (a.due_day != b.due_day) return a.due_day < b.due_day;
  return c.history.skus[a.sku] < c.history.skus[b.sku];
}

const SkuReplenishment* next_sku_replenishment(const TagContext& c, std::size_t m) {
  const SkuReplenishment* best = nullptr;
  for (const SkuReplenishment& r : sku_reminders_of(c, m))
    if (!best || due_before(c, r, *best)) best = &r;
  return best;
}

// SKU reminders due from the as-of date to 7 days after it, soonest first.
std::vector<const SkuReplenishment*> skus_due_7d(const TagContext& c, std::size_t m) {
  std::vector<const SkuReplenishment*> out;
  for (const SkuReplenishment& r : sku_reminders_of(c, m))
    if (r.due_day >= c.measures.as_of && r.due_day <= c.measures.as_of + 7) out.push_back(&r);
  std::sort(out.begin(), out.end(), [&](auto* a, auto* b) { return due_before(c, *a, *b); });
  return out;
}

std::string explain_sku(const TagContext& c, const SkuReplenishment& r) {
  const History& h = c.history;
  return fmt::format(
      "{} ({}): bought on {} days, last {} × {}; {:.1f} days per unit ({}) → due {}, reminder {}",
      h.skus[r.sku], h.mid_categories[h.category_mid[h.sku_category[r.sku]]], r.days,
      Date{r.last_day}.to_string(), r.last_qty, r.days_per_unit,
      kCycleSourceNames[static_cast<std::size_t>(r.source)], Date{r.due_day}.to_string(),
      Date{r.reminder_day}.to_string());
}

// Codes (at the level `level` maps categories to) of the categories member m bought up to as_of,
// in order of first purchase. Codes, not names, are compared: the dictionary keeps them 1:1.
std::vector<std::uint32_t> categories_bought(const TagContext& c, std::size_t m,
                                             const std::vector<std::uint32_t>& level) {
  std::vector<std::uint32_t> codes;
  for (std::uint32_t k = c.history.line_begin[m]; k < c.history.line_begin[m + 1]; ++k) {
    if (c.history.line_day[k] > c.measures.as_of) break;
    std::uint32_t code = level[c.history.line_category[k]];
    if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
  }
  return codes;
}

// The non-empty names of `codes`.
TagValue names_of(const Dictionary& names, const std::vector<std::uint32_t>& codes) {
  std::vector<std::string> out;
  for (std::uint32_t code : codes)
    if (!names[code].empty()) out.push_back(names[code]);
  return TagValue(std::move(out));
}

V money(Fen f) {
  return V(static_cast<std::int64_t>(f));
}
V integer(std::int64_t v) {
  return V(v);
}
V real(double v) {
  return std::isfinite(v) ? V(v) : kNull;
}
V day_or_null(std::int32_t d) {
  return d == kNoDay ? kNull : V(DateValue{d});
}
V text(std::string s) {
  return s.empty() ? kNull : V(std::move(s));
}

std::vector<TagDef> build_registry() {
  std::vector<TagDef> t;
  auto add = [&](std::string name, std::string family, TagType type, std::string description,
                 std::function<TagValue(const TagContext&, std::size_t)> value,
                 std::function<std::string(const TagContext&, std::size_t)> explain = {}) {
    t.push_back(TagDef{std::move(name), std::move(family), type, std::move(description),
                       std::move(value), std::move(explain)});
  };
  using C = const TagContext&;
  using M = std::size_t;

  // ---- demographics
  add("member_id", "demographics", TagType::kInt, "the member's id",
      [](C c, M m) { return integer(c.history.member_id[m]); });
  add("gender", "demographics", TagType::kString, "m or f; null when unknown", [](C c, M m) {
    return c.history.gender[m] == 1   ? V(std::string("m"))
           : c.history.gender[m] == 2 ? V(std::string("f"))
                                      : kNull;
  });
  add("age", "demographics", TagType::kInt, "age in whole years on the as-of date",
      [](C c, M m) -> V {
        std::int32_t b = c.history.birthday[m];
        if (b == kNoDay) return kNull;
        int by, ay;
        unsigned bm, bd, am, ad;
        Date{b}.to_ymd(by, bm, bd);
        Date{c.measures.as_of}.to_ymd(ay, am, ad);
        return integer(ay - by - ((am < bm || (am == bm && ad < bd)) ? 1 : 0));
      });
  add("birthday_month", "demographics", TagType::kInt, "month of birth, 1–12", [](C c, M m) -> V {
    if (c.history.birthday[m] == kNoDay) return kNull;
    int y;
    unsigned mo, d;
    Date{c.history.birthday[m]}.to_ymd(y, mo, d);
    return integer(mo);
  });
  add("birthday_this_month", "demographics", TagType::kBool, "birthday falls in the as-of month",
      [](C c, M m) -> V {
        if (c.history.birthday[m] == kNoDay) return V(false);
        int y1, y2;
        unsigned m1, m2, d1, d2;
        Date{c.history.birthday[m]}.to_ymd(y1, m1, d1);
        Date{c.measures.as_of}.to_ymd(y2, m2, d2);
        return V(m1 == m2);
      });
  add("city", "demographics", TagType::kString, "city from the profile",
      [](C c, M m) { return text(c.history.cities[c.history.city[m]]); });
  add("registered_date", "demographics", TagType::kDate, "day of registration",
      [](C c, M m) { return day_or_null(c.history.registered_day[m]); });
  add("tenure_days", "demographics", TagType::kInt, "days since registration (or first purchase)",
      [](C c, M m) -> V {
        std::int32_t start = c.history.registered_day[m] != kNoDay ? c.history.registered_day[m]
                                                                   : c.measures.first_day[m];
        return start == kNoDay ? kNull : integer(c.measures.as_of - start);
      });
  for (auto [bit, name] : {std::pair{0, "sms"}, {1, "wechat"}, {2, "app"}, {3, "email"}}) {
    add(std::string("consent.") + name, "demographics", TagType::kBool,
        std::string("agreed to be contacted by ") + name,
        [bit](C c, M m) { return V((c.history.consent[m] >> bit & 1) != 0); });
  }
  add("contactable", "demographics", TagType::kBool, "agreed to at least one outreach channel",
      [](C c, M m) { return V(c.history.consent[m] != 0); });

  // ---- RFM
  add("recency_days", "rfm", TagType::kInt, "days since the last purchase day (R)",
      [](C c, M m) { return buyer(c, m) ? integer(c.measures.rfm.recency[m]) : kNull; });
  add("frequency_365d", "rfm", TagType::kInt,
      "purchase days in the RFM window, default 365 days (F)",
      [](C c, M m) { return integer(c.measures.rfm.frequency[m]); });
  add("monetary_365d", "rfm", TagType::kMoney, "net paid in the RFM window (M), fen",
      [](C c, M m) { return money(c.measures.rfm.monetary[m]); });
  add("r_score", "rfm", TagType::kInt, "recency quintile 1–5 (5 = most recent)",
      [](C c, M m) { return buyer(c, m) ? integer(c.measures.rfm.r_score[m]) : kNull; });
  add("f_score", "rfm", TagType::kInt, "frequency quintile 1–5",
      [](C c, M m) { return buyer(c, m) ? integer(c.measures.rfm.f_score[m]) : kNull; });
  add("m_score", "rfm", TagType::kInt, "monetary quintile 1–5",
      [](C c, M m) { return buyer(c, m) ? integer(c.measures.rfm.m_score[m]) : kNull; });
  add("rfm_code", "rfm", TagType::kString, "the three scores, e.g. 545", [](C c, M m) -> V {
    if (!buyer(c, m)) return kNull;
    const auto& r = c.measures.rfm;
    return V(fmt::format("{}{}{}", r.r_score[m], r.f_score[m], r.m_score[m]));
  });
  add(
      "rfm_segment", "rfm", TagType::kString, "Chinese 8-segment map (重要价值 … 一般挽留)",
      [](C c, M m) { return text(std::string(kSegment8[c.measures.rfm.segment8[m]])); },
      [](C c, M m) -> std::string {
        const auto& r = c.measures.rfm;
        if (!buyer(c, m)) return "";
        return fmt::format(
            "R {} days vs mean {:.1f} ({}), F {} vs mean {:.2f} ({}), M ¥{} vs mean ¥{:.2f} ({})",
            r.recency[m], r.mean_recency, r.recency[m] < r.mean_recency ? "high" : "low",
            r.frequency[m], r.mean_frequency, r.frequency[m] > r.mean_frequency ? "high" : "low",
            format_money(r.monetary[m]), r.mean_monetary / 100,
            static_cast<double>(r.monetary[m]) > r.mean_monetary ? "high" : "low");
      });
  add(
      "rfm_segment11", "rfm", TagType::kString, "11-segment map (champions … lost)",
      [](C c, M m) { return text(std::string(kSegment11[c.measures.rfm.segment11[m]])); },
      [](C c, M m) -> std::string {
        if (!buyer(c, m)) return "";
        const auto& r = c.measures.rfm;
        return fmt::format("R score {}, FM score round(({} + {}) / 2)", r.r_score[m], r.f_score[m],
                           r.m_score[m]);
      });

  // ---- lifecycle
  add(
      "lifecycle", "lifecycle", TagType::kString,
      "prospect, new, growing, mature, dormant, lost, reactivated",
      [](C c, M m) { return V(std::string(kLifecycleNames[c.measures.lifecycle[m]])); },
      [](C c, M m) -> std::string {
        const auto& f = c.measures.facts[m];
        if (f.recency < 0) return "no purchase yet";
        return fmt::format(
            "{} purchase days, first {} days ago, last {} days ago, {} in the RFM window",
            f.purchase_days, f.first_age, f.recency, f.window_days);
      });
  add(
      "dormant", "lifecycle", TagType::kBool, "static or dynamic dormancy rule holds",
      [](C c, M m) {
        return V((c.measures.dormancy[m] & (kDormantStatic | kDormantDynamic)) != 0);
      },
      [](C c, M m) {
        const auto& f = c.measures.facts[m];
        return explain_dormancy(f, c.measures.dormancy[m], c.config,
                                c.history.mid_categories[f.category]);
      });
  add(
      "dormancy_rules", "lifecycle", TagType::kStringSet,
      "which dormancy rules hold: static, dynamic, category, interaction",
      [](C c, M m) {
        std::vector<std::string> out;
        std::uint8_t r = c.measures.dormancy[m];
        if (r & kDormantStatic) out.emplace_back("static");
        if (r & kDormantDynamic) out.emplace_back("dynamic");
        if (r & kDormantCategory) out.emplace_back("category");
        if (r & kDormantInteraction) out.emplace_back("interaction");
        return V(std::move(out));
      },
      [](C c, M m) {
        const auto& f = c.measures.facts[m];
        return explain_dormancy(f, c.measures.dormancy[m], c.config,
                                c.history.mid_categories[f.category]);
      });
  add("lapsed_category", "lifecycle", TagType::kString,
      "the regular category that stopped most clearly", [](C c, M m) {
        const auto& f = c.measures.facts[m];
        return (c.measures.dormancy[m] & kDormantCategory)
                   ? text(c.history.mid_categories[f.category])
                   : kNull;
      });
  add("first_purchase_date", "lifecycle", TagType::kDate, "first purchase day",
      [](C c, M m) { return day_or_null(c.measures.first_day[m]); });
  add("last_purchase_date", "lifecycle", TagType::kDate, "last purchase day",
      [](C c, M m) { return day_or_null(c.measures.last_day[m]); });
  add("days_since_first_purchase", "lifecycle", TagType::kInt, "days since the first purchase",
      [](C c, M m) {
        return buyer(c, m) ? integer(c.measures.as_of - c.measures.first_day[m]) : kNull;
      });
  add("purchase_days", "lifecycle", TagType::kInt,
      "purchase days ever (several orders on a day count once)",
      [](C c, M m) { return integer(c.measures.purchase_days[m]); });
  add("repeat_buyer", "lifecycle", TagType::kBool, "bought on two or more days",
      [](C c, M m) { return V(c.measures.purchase_days[m] >= 2); });
  add("is_new", "lifecycle", TagType::kBool, "lifecycle is new", [](C c, M m) {
    return V(c.measures.lifecycle[m] == static_cast<std::uint8_t>(Lifecycle::kNew));
  });

  // ---- cycles
  add("cycle_mean_days", "cycle", TagType::kDouble, "mean days between purchase days",
      [](C c, M m) {
        return c.measures.purchase_days[m] >= 2 ? real(c.measures.cycle_mean[m]) : kNull;
      });
  add("cycle_median_days", "cycle", TagType::kDouble, "median days between purchase days",
      [](C c, M m) {
        return c.measures.purchase_days[m] >= 2 ? real(c.measures.cycle_median[m]) : kNull;
      });
  add("cycle_cv", "cycle", TagType::kDouble,
      "regularity: coefficient of variation of intervals (0 = clockwork)", [](C c, M m) {
        return c.measures.purchase_days[m] >= 2 ? real(c.measures.cycle_cv[m]) : kNull;
      });
  add(
      "repurchase_frequency", "cycle", TagType::kString,
      "复购频率: one_time, low_frequency, periodic, high_frequency",
      [](C c, M m) { return text(std::string(kFrequencyTagNames[c.measures.frequency[m]])); },
      [](C c, M m) -> std::string {
        if (!buyer(c, m)) return "";
        return fmt::format(
            "{} purchase days, mean interval {:.1f} days, cv {:.2f} (periodic ≤ {}, high frequency "
            "≤ {} days with ≥ {} days)",
            c.measures.purchase_days[m], c.measures.cycle_mean[m], c.measures.cycle_cv[m],
            c.config.periodic_max_cv, c.config.high_frequency_max_interval,
            c.config.high_frequency_min_days);
      });
  add(
      "category_frequency", "cycle", TagType::kStringSet,
      "复购频率 per category: category=tag for each second-level category bought "
      "(母婴/纸尿裤=periodic)",
      [](C c, M m) {
        std::vector<std::string> out;
        for (const CategoryRhythm& r : rhythms_of(c, m))
          out.push_back(c.history.mid_categories[r.category] + "=" +
                        std::string(kFrequencyTagNames[r.frequency]));
        return V(std::move(out));
      },
      [](C c, M m) -> std::string {
        std::string out;
        for (const CategoryRhythm& r : rhythms_of(c, m))
          out += fmt::format("{}{}: {} (mean interval {:.1f} days)", out.empty() ? "" : "; ",
                             c.history.mid_categories[r.category], kFrequencyTagNames[r.frequency],
                             r.mean_interval);
        return out;
      });
  add("periodic_categories", "cycle", TagType::kStringSet,
      "second-level categories the member buys on a regular or high-frequency rhythm",
      [](C c, M m) {
        std::vector<std::string> out;
        for (const CategoryRhythm& r : rhythms_of(c, m))
          if (r.frequency == static_cast<std::uint8_t>(FrequencyTag::kPeriodic) ||
              r.frequency == static_cast<std::uint8_t>(FrequencyTag::kHighFrequency))
            out.push_back(c.history.mid_categories[r.category]);
        return V(std::move(out));
      });
  add("overdue_days", "cycle", TagType::kInt,
      "days past the usual interval (recency − mean interval), ≥ 0", [](C c, M m) -> V {
        if (c.measures.purchase_days[m] < 2) return kNull;
        return integer(std::max<std::int64_t>(
            0, std::lround(c.measures.rfm.recency[m] - c.measures.cycle_mean[m])));
      });

  // ---- categories
  add("top_categories", "category", TagType::kStringSet,
      "up to three first-level categories by spend", [](C c, M m) {
        std::vector<std::string> out;
        for (std::uint32_t code : c.measures.top_categories[m])
          if (code) out.push_back(c.history.top_categories[code]);
        return V(std::move(out));
      });
  add("top_category", "category", TagType::kString, "first-level category with the most spend",
      [](C c, M m) { return text(c.history.top_categories[c.measures.top_categories[m][0]]); });
  add("category_count", "category", TagType::kInt,
      "first-level categories bought (up to 3 counted)", [](C c, M m) {
        return integer(std::count_if(c.measures.top_categories[m].begin(),
                                     c.measures.top_categories[m].end(),
                                     [](std::uint32_t x) { return x != 0; }));
      });
  add("top_category_share", "category", TagType::kDouble, "share of spend in the top category",
      [](C c, M m) {
        const std::uint32_t top = c.measures.top_categories[m][0];
        return top ? real(category_share(c, m, c.history.top_categories[top])) : kNull;
      });
  add("categories", "category", TagType::kStringSet, "every first-level category bought",
      [](C c, M m) {
        return names_of(c.history.top_categories, categories_bought(c, m, c.history.category_top));
      });
  add("subcategories", "category", TagType::kStringSet,
      "every second-level category bought (母婴/奶粉)", [](C c, M m) {
        return names_of(c.history.mid_categories, categories_bought(c, m, c.history.category_mid));
      });
  add("subcategory_count", "category", TagType::kInt, "second-level categories bought",
      [](C c, M m) {
        std::vector<std::uint32_t> seen;
        for (std::uint32_t k = c.history.line_begin[m]; k < c.history.line_begin[m + 1]; ++k) {
          if (c.history.line_day[k] > c.measures.as_of) break;
          std::uint32_t code = c.history.category_mid[c.history.line_category[k]];
          if (std::find(seen.begin(), seen.end(), code) == seen.end()) seen.push_back(code);
        }
        return integer(static_cast<std::int64_t>(seen.size()));
      });
  add("first_category", "category", TagType::kString, "first-level category of the first purchase",
      [](C c, M m) {
        const History& h = c.history;
        if (h.line_begin[m] == h.line_begin[m + 1] ||
            h.line_day[h.line_begin[m]] > c.measures.as_of)
          return kNull;
        return text(h.top_categories[h.category_top[h.line_category[h.line_begin[m]]]]);
      });
  add("consumable_buyer", "category", TagType::kBool, "buys replenishable goods",
      [](C c, M m) { return V(next_replenishment(c, m) != nullptr); });

  // ---- channels
  add("preferred_channel", "channel", TagType::kString, "channel with the most orders",
      [](C c, M m) { return text(c.history.channels[c.measures.preferred_channel[m]]); });
  add("preferred_store", "channel", TagType::kString, "store with the most orders",
      [](C c, M m) { return text(c.history.stores[c.measures.preferred_store[m]]); });
  add("channels_used", "channel", TagType::kInt, "distinct channels bought in",
      [](C c, M m) { return integer(c.measures.channels_used[m]); });
  add("omnichannel", "channel", TagType::kBool, "bought online and offline", [](C c, M m) {
    double store = channel_share(c, m, "store");
    return V(store > 0 && store < 1);
  });
  for (auto [key, prefix] : {std::pair{"store", "store"},
                             {"online", "online"},
                             {"miniprogram", "miniprogram"},
                             {"marketplace", "marketplace"}}) {
    add(std::string("channel_share.") + key, "channel", TagType::kDouble,
        std::string("share of orders in ") + key, [prefix = std::string(prefix)](C c, M m) {
          return buyer(c, m) ? real(channel_share(c, m, prefix)) : kNull;
        });
  }

  // ---- value
  add("orders", "value", TagType::kInt, "orders ever",
      [](C c, M m) { return integer(orders_in(c, m, 0).orders); });
  add("net_spend", "value", TagType::kMoney, "paid minus refunds, all time, fen",
      [](C c, M m) { return money(c.measures.net_spend[m]); });
  add("paid_total", "value", TagType::kMoney, "paid, all time, fen",
      [](C c, M m) { return money(orders_in(c, m, 0).paid); });
  for (int days : {30, 90, 180, 365}) {
    add(fmt::format("orders_{}d", days), "value", TagType::kInt,
        fmt::format("orders in the last {} days", days),
        [days](C c, M m) { return integer(orders_in(c, m, days).orders); });
    add(fmt::format("spend_{}d", days), "value", TagType::kMoney,
        fmt::format("paid in the last {} days, fen", days),
        [days](C c, M m) { return money(orders_in(c, m, days).paid); });
    add(fmt::format("purchase_days_{}d", days), "value", TagType::kInt,
        fmt::format("purchase days in the last {} days", days),
        [days](C c, M m) { return integer(purchase_days_in(c, m, days)); });
  }
  add("aov", "value", TagType::kMoney, "average order value, fen", [](C c, M m) {
    auto w = orders_in(c, m, 0);
    return w.orders ? money(w.paid / w.orders) : kNull;
  });
  add("max_order", "value", TagType::kMoney, "largest order, fen", [](C c, M m) {
    auto w = orders_in(c, m, 0);
    return w.orders ? money(w.max_order) : kNull;
  });
  add("items_per_order", "value", TagType::kDouble, "average units per order", [](C c, M m) {
    auto w = orders_in(c, m, 0);
    return w.orders ? real(static_cast<double>(w.items) / static_cast<double>(w.orders)) : kNull;
  });
  add("discount_depth", "value", TagType::kDouble,
      "price sensitivity: discount ÷ (paid + discount)", [](C c, M m) {
        auto w = orders_in(c, m, 0);
        return w.paid + w.discount > 0 ? real(static_cast<double>(w.discount) /
                                              static_cast<double>(w.paid + w.discount))
                                       : kNull;
      });
  add("price_sensitive", "value", TagType::kBool, "discount depth of 15% or more", [](C c, M m) {
    auto w = orders_in(c, m, 0);
    return V(w.paid + w.discount > 0 && w.discount * 100 >= 15 * (w.paid + w.discount));
  });
  add("refunded_total", "value", TagType::kMoney, "refunded, all time, fen",
      [](C c, M m) { return money(refunded(c, m)); });
  add("refund_count", "value", TagType::kInt, "refunds, all time", [](C c, M m) {
    std::int64_t n = 0;
    refunded(c, m, &n);
    return integer(n);
  });
  add("refund_rate", "value", TagType::kDouble, "refunded ÷ paid", [](C c, M m) {
    Fen paid = orders_in(c, m, 0).paid;
    return paid > 0 ? real(static_cast<double>(refunded(c, m)) / static_cast<double>(paid)) : kNull;
  });
  add("high_value", "value", TagType::kBool, "12-month CLV in the top 20%", [](C c, M m) {
    return V(c.scores.high_value_clv > 0 && c.scores.clv[m] >= c.scores.high_value_clv);
  });

  // ---- time
  add("favourite_weekday", "time", TagType::kInt,
      "weekday with the most purchase days, 1 = Monday … 7 = Sunday", [](C c, M m) -> V {
        int counts[7] = {};
        for (std::int32_t d : c.history.days_of(m))
          if (d <= c.measures.as_of) ++counts[weekday(d)];
        int best = static_cast<int>(std::max_element(counts, counts + 7) - counts);
        return counts[best] ? integer(best + 1) : kNull;
      });
  add("weekend_share", "time", TagType::kDouble, "share of purchase days on Saturday or Sunday",
      [](C c, M m) -> V {
        int all = 0, weekend = 0;
        for (std::int32_t d : c.history.days_of(m)) {
          if (d > c.measures.as_of) break;
          ++all;
          if (weekday(d) >= 5) ++weekend;
        }
        return all ? real(static_cast<double>(weekend) / all) : kNull;
      });
  add("active_months", "time", TagType::kInt, "distinct calendar months with a purchase",
      [](C c, M m) {
        std::int64_t n = 0;
        int last = -1;
        for (std::int32_t d : c.history.days_of(m)) {
          if (d > c.measures.as_of) break;
          int y;
          unsigned mo, dd;
          Date{d}.to_ymd(y, mo, dd);
          int key = y * 12 + static_cast<int>(mo);
          if (key != last) ++n;
          last = key;
        }
        return integer(n);
      });
  add("festival_buyer", "time", TagType::kBool, "bought during 618 (Jun 1–18) or 双11 (Nov 1–11)",
      [](C c, M m) {
        for (std::int32_t d : c.history.days_of(m)) {
          if (d > c.measures.as_of) break;
          int y;
          unsigned mo, dd;
          Date{d}.to_ymd(y, mo, dd);
          if ((mo == 6 && dd <= 18) || (mo == 11 && dd <= 11)) return V(true);
        }
        return V(false);
      });

  // ---- engagement
  add("last_interaction_days", "engagement", TagType::kInt, "days since the last behaviour event",
      [](C c, M m) {
        std::int32_t r = c.measures.facts[m].interaction_recency;
        return r < 0 ? kNull : integer(r);
      });
  for (int days : {30, 90}) {
    add(fmt::format("active_days_{}d", days), "engagement", TagType::kInt,
        fmt::format("days with a behaviour event in the last {} days", days),
        [days](C c, M m) { return integer(interactions_in(c, m, days)); });
  }
  add("engaged", "engagement", TagType::kBool, "a behaviour event in the last 30 days",
      [](C c, M m) { return V(interactions_in(c, m, 30) > 0); });
  add("browser_not_buyer", "engagement", TagType::kBool,
      "events in the last 30 days but no purchase in 90",
      [](C c, M m) { return V(interactions_in(c, m, 30) > 0 && purchase_days_in(c, m, 90) == 0); });

  // ---- predictions
  add("p_alive", "prediction", TagType::kDouble, "BG/NBD probability the member is still active",
      [](C c, M m) { return c.scores.p_alive[m] < 0 ? kNull : real(c.scores.p_alive[m]); });
  add("expected_purchases_90d", "prediction", TagType::kDouble,
      "expected purchase days in the next 90 days", [](C c, M m) {
        return c.scores.p_alive[m] < 0 ? kNull : real(c.scores.expected_purchases[m]);
      });
  add("p_purchase_90d", "prediction", TagType::kDouble,
      "probability of at least one purchase in the next 90 days",
      [](C c, M m) { return c.scores.p_alive[m] < 0 ? kNull : real(c.scores.p_purchase[m]); });
  add(
      "churn_risk", "prediction", TagType::kInt, "流失风险 0–100 = 100 × P(no purchase in 90 days)",
      [](C c, M m) {
        return c.scores.churn_risk[m] == 255 ? kNull : integer(c.scores.churn_risk[m]);
      },
      [](C c, M m) { return explain_churn(c.scores, c.measures, m); });
  add("churn_band", "prediction", TagType::kString, "low (< 40), medium (40–69), high (≥ 70)",
      [](C c, M m) -> V {
        int r = c.scores.churn_risk[m];
        if (r == 255) return kNull;
        return V(std::string(r >= 70 ? "high" : r >= 40 ? "medium" : "low"));
      });
  add("clv_12m", "prediction", TagType::kMoney,
      "12-month customer lifetime value (BG/NBD × Gamma-Gamma), fen",
      [](C c, M m) { return c.scores.p_alive[m] < 0 ? kNull : money(c.scores.clv[m]); });
  add("expected_order_value", "prediction", TagType::kMoney,
      "expected spend per purchase day (Gamma-Gamma), fen",
      [](C c, M m) { return c.scores.p_alive[m] < 0 ? kNull : money(c.scores.expected_spend[m]); });
  add("next_purchase_date", "prediction", TagType::kDate,
      "predicted next purchase day (BG/NBD blended with own cycle); null beyond a year",
      [](C c, M m) { return day_or_null(c.scores.next_purchase_day[m]); });
  add(
      "recommended_action", "prediction", TagType::kString,
      "none, second_purchase, keep_warm, vip_care, personal_outreach, nudge, winback",
      [](C c, M m) { return V(std::string(kActionNames[c.scores.action[m]])); },
      [](C c, M m) -> std::string {
        if (c.scores.churn_risk[m] == 255) return "";
        return fmt::format("{}: churn risk {}, CLV ¥{} (high value from ¥{})",
                           kActionLabels[c.scores.action[m]], c.scores.churn_risk[m],
                           format_money(c.scores.clv[m]), format_money(c.scores.high_value_clv));
      });

  // ---- replenishment
  add(
      "replenishment_due_date", "replenishment", TagType::kDate, "earliest replenishment due date",
      [](C c, M m) {
        const Replenishment* r = next_replenishment(c, m);
        return r ? V(DateValue{r->due_day}) : kNull;
      },
      [](C c, M m) -> std::string {
        const Replenishment* r = next_replenishment(c, m);
        if (!r) return "";
        return fmt::format("{}: last bought {}, {:.1f} days per unit ({}), reminder {}",
                           c.history.mid_categories[r->category], Date{r->last_day}.to_string(),
                           r->days_per_unit, r->own_cycle ? "own cycle" : "category cycle",
                           Date{r->reminder_day}.to_string());
      });
  add("replenishment_category", "replenishment", TagType::kString,
      "category of the earliest due replenishment", [](C c, M m) {
        const Replenishment* r = next_replenishment(c, m);
        return r ? text(c.history.mid_categories[r->category]) : kNull;
      });
  add("replenishment_due_in_days", "replenishment", TagType::kInt,
      "days until the earliest due date (negative: overdue)", [](C c, M m) {
        const Replenishment* r = next_replenishment(c, m);
        return r ? integer(r->due_day - c.measures.as_of) : kNull;
      });
  add("replenishment_categories", "replenishment", TagType::kStringSet,
      "consumable categories with a due date", [](C c, M m) {
        std::vector<std::string> out;
        const auto& rs = c.measures.replenishment;
        auto it =
            std::lower_bound(rs.begin(), rs.end(), m,
                             [](const Replenishment& x, std::size_t v) { return x.member < v; });
        for (; it != rs.end() && it->member == m; ++it)
          out.push_back(c.history.mid_categories[it->category]);
        return V(std::move(out));
      });

  // ---- replenishment by SKU
  add(
      "replenish_sku_due", "replenishment", TagType::kString,
      "the SKU with the earliest replenishment due date (bought on at least sku_min_days days)",
      [](C c, M m) {
        const SkuReplenishment* r = next_sku_replenishment(c, m);
        return r ? text(c.history.skus[r->sku]) : kNull;
      },
      [](C c, M m) -> std::string {
        const SkuReplenishment* r = next_sku_replenishment(c, m);
        return r ? explain_sku(c, *r) : "";
      });
  add("replenish_sku_due_date", "replenishment", TagType::kDate,
      "due date of replenish_sku_due: last purchase + units bought then × days per unit",
      [](C c, M m) {
        const SkuReplenishment* r = next_sku_replenishment(c, m);
        return r ? V(DateValue{r->due_day}) : kNull;
      });
  add("replenish_sku_reminder_date", "replenishment", TagType::kDate,
      "reminder date of replenish_sku_due: due date − reminder_lead_days", [](C c, M m) {
        const SkuReplenishment* r = next_sku_replenishment(c, m);
        return r ? V(DateValue{r->reminder_day}) : kNull;
      });
  add("replenish_due_days", "replenishment", TagType::kInt,
      "days until the earliest SKU due date (negative: overdue)", [](C c, M m) {
        const SkuReplenishment* r = next_sku_replenishment(c, m);
        return r ? integer(r->due_day - c.measures.as_of) : kNull;
      });
  add(
      "replenish_skus_due_7d", "replenishment", TagType::kStringSet,
      "SKUs due from the as-of date to 7 days after it, soonest first",
      [](C c, M m) {
        std::vector<std::string> out;
        for (const SkuReplenishment* r : skus_due_7d(c, m)) out.push_back(c.history.skus[r->sku]);
        return V(std::move(out));
      },
      [](C c, M m) -> std::string {
        std::string out;
        for (const SkuReplenishment* r : skus_due_7d(c, m))
          out += (out.empty() ? "" : "; ") + explain_sku(c, *r);
        return out;
      });

  // ---- loyalty (balances in the store; usable, pending and expiring at the end of the as-of
  // day; empty without a loyalty program)
  auto loyal = [](C c) { return c.loyalty && c.loyalty->program ? c.loyalty : nullptr; };
  add(
      "tier", "loyalty", TagType::kString, "membership tier key (等级), e.g. gold",
      [loyal](C c, M m) {
        auto l = loyal(c);
        return l ? V(l->tiers[l->tier[m]].key) : kNull;
      },
      [loyal](C c, M m) -> std::string {
        auto l = loyal(c);
        if (!l) return "";
        return fmt::format("qualifying growth {} (tier from {})", l->qualifying_growth[m],
                           l->tiers[l->tier[m]].threshold);
      });
  add("tier_name", "loyalty", TagType::kString, "the tier's display name (金卡会员)",
      [loyal](C c, M m) {
        auto l = loyal(c);
        return l ? text(l->tiers[l->tier[m]].name) : kNull;
      });
  add("growth", "loyalty", TagType::kInt, "growth value (成长值) earned and kept, all time",
      [loyal](C c, M m) {
        auto l = loyal(c);
        return l ? integer(l->growth[m]) : integer(0);
      });
  add(
      "growth_to_next_tier", "loyalty", TagType::kInt,
      "qualifying growth still needed for the next tier; null at the top tier",
      [loyal](C c, M m) {
        auto l = loyal(c);
        if (!l) return kNull;
        std::int64_t g = l->growth_to_next(m);
        return g < 0 ? kNull : integer(g);
      },
      [loyal](C c, M m) -> std::string {
        auto l = loyal(c);
        if (!l || l->growth_to_next(m) < 0) return "";
        const auto& next = l->tiers[l->tier[m] + 1u];
        return fmt::format("{} needs {}, qualifying growth is {}", next.key, next.threshold,
                           l->qualifying_growth[m]);
      });
  add("points", "loyalty", TagType::kInt,
      "points balance (积分余额); negative while refunds left a debt", [loyal](C c, M m) {
        auto l = loyal(c);
        return l ? integer(l->points[m]) : integer(0);
      });
  add("points_usable", "loyalty", TagType::kInt, "points that can be spent now (可用积分)",
      [loyal](C c, M m) {
        auto l = loyal(c);
        return l ? integer(l->usable[m]) : integer(0);
      });
  add("points_pending", "loyalty", TagType::kInt,
      "points earned but not yet usable (待生效, the return window)", [loyal](C c, M m) {
        auto l = loyal(c);
        return l ? integer(l->pending[m]) : integer(0);
      });
  add("points_debt", "loyalty", TagType::kInt,
      "points owed after refunds of spent points (积分欠款)", [loyal](C c, M m) {
        auto l = loyal(c);
        return l ? integer(l->points_debt[m]) : integer(0);
      });
  add(
      "points_expiring_30d", "loyalty", TagType::kInt,
      "points whose last usable day is within 30 days of the as-of date (即将过期积分)",
      [loyal](C c, M m) {
        auto l = loyal(c);
        return l ? integer(l->expiring_30d[m]) : integer(0);
      },
      [loyal](C c, M m) -> std::string {
        auto l = loyal(c);
        if (!l || l->expiring_30d[m] == 0) return "";
        return fmt::format(
            "last usable on or before {} (30 days after the as-of date); the "
            "soonest on {}",
            Date{c.measures.as_of + 30}.to_string(), Date{l->expiring_day[m]}.to_string());
      });
  add("points_expiring_date", "loyalty", TagType::kDate,
      "last usable day of the soonest-expiring points; null when none expire", [loyal](C c, M m) {
        auto l = loyal(c);
        return l ? day_or_null(l->expiring_day[m]) : kNull;
      });
  add(
      "points_value_yuan", "loyalty", TagType::kMoney,
      "usable and pending points at the tier's redemption ratio (积分价值), fen",
      [loyal](C c, M m) {
        auto l = loyal(c);
        return l ? money(l->value_fen(m)) : money(0);
      },
      [loyal](C c, M m) -> std::string {
        auto l = loyal(c);
        if (!l) return "";
        return fmt::format("({} usable + {} pending) points at {} points = ¥1", l->usable[m],
                           l->pending[m], l->tiers[l->tier[m]].redeem_points_per_yuan);
      });
  add("loyalty_last_activity", "loyalty", TagType::kDate,
      "day of the member's last points or growth entry (expiry not counted)", [loyal](C c, M m) {
        auto l = loyal(c);
        return l ? day_or_null(l->last_activity[m]) : kNull;
      });
  return t;
}

}  // namespace

const std::vector<TagDef>& tag_registry() {
  static const std::vector<TagDef> kRegistry = build_registry();
  return kRegistry;
}

const TagDef* find_tag(std::string_view name) {
  for (const TagDef& d : tag_registry())
    if (d.name == name) return &d;
  return nullptr;
}

std::string render_tag(const TagDef& def, const TagValue& v) {
  struct Visitor {
    const TagDef& def;
    std::string operator()(std::monostate) const { return "-"; }
    std::string operator()(std::int64_t x) const {
      return def.type == TagType::kMoney ? "¥" + format_money(x) : std::to_string(x);
    }
    std::string operator()(double x) const { return fmt::format("{:.3g}", x); }
    std::string operator()(bool x) const { return x ? "yes" : "no"; }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<std::string>& s) const {
      std::string out;
      for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
      return out.empty() ? "-" : out;
    }
    std::string operator()(DateValue d) const { return Date{d.days}.to_string(); }
  };
  return std::visit(Visitor{def}, v);
}

namespace {
void write_value(JsonWriter& w, const TagValue& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          w.null();
        else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          w.begin_array();
          for (const auto& s : x) w.value(s);
          w.end_array();
        } else if constexpr (std::is_same_v<T, DateValue>)
          w.value(Date{x.days}.to_string());
        else
          w.value(x);
      },
      v);
}
}  // namespace

std::string profile_json(const TagContext& ctx, std::size_t member) {
  JsonWriter w;
  w.begin_object();
  for (const TagDef& d : tag_registry()) {
    w.key(d.name);
    write_value(w, d.value(ctx, member));
  }
  w.end_object();
  return w.str();
}

std::string profile_json(const std::vector<std::string>& names,
                         const std::vector<TagValue>& values) {
  JsonWriter w;
  w.begin_object();
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    w.key(names[i]);
    write_value(w, values[i]);
  }
  w.end_object();
  return w.str();
}

}  // namespace recur::insight
