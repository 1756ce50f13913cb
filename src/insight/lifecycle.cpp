#include "insight/lifecycle.h"

#include <fmt/format.h>

namespace recur::insight {

std::uint8_t dormancy_rules(const DormancyFacts& f, const InsightConfig& c) {
  if (f.recency < 0) return 0;
  std::uint8_t r = 0;
  if (f.recency > c.dormant_days) r |= kDormantStatic;
  if (f.purchase_days >= c.dynamic_min_days && f.mean_interval > 0 &&
      f.recency > c.dynamic_k * f.mean_interval)
    r |= kDormantDynamic;
  if (f.category != 0 && f.category_cycle > 0 &&
      f.category_recency > c.category_k * f.category_cycle)
    r |= kDormantCategory;
  if (f.interaction_recency > c.interaction_days) r |= kDormantInteraction;
  return r;
}

Lifecycle lifecycle_stage(const DormancyFacts& f, std::uint8_t rules, const InsightConfig& c) {
  if (f.recency < 0) return Lifecycle::kProspect;
  if (f.recency > c.lost_days) return Lifecycle::kLost;
  if (rules & (kDormantStatic | kDormantDynamic)) return Lifecycle::kDormant;
  if (f.purchase_days >= 2 && f.longest_recent_gap > c.dormant_days &&
      f.recency <= c.reactivated_days)
    return Lifecycle::kReactivated;
  if (f.first_age <= c.new_days) return Lifecycle::kNew;
  if (f.window_days >= c.mature_min_days) return Lifecycle::kMature;
  return Lifecycle::kGrowing;
}

std::string explain_dormancy(const DormancyFacts& f, std::uint8_t rules, const InsightConfig& c,
                             std::string_view category_name) {
  std::string out;
  auto add = [&](std::string s) {
    if (!out.empty()) out += "; ";
    out += s;
  };
  if (rules & kDormantStatic)
    add(fmt::format("no purchase for {} days (> {})", f.recency, c.dormant_days));
  if (rules & kDormantDynamic)
    add(fmt::format("{} days since the last purchase > {} × own mean interval {:.1f} days",
                    f.recency, c.dynamic_k, f.mean_interval));
  if (rules & kDormantCategory)
    add(fmt::format("stopped buying {}: {} days since the last, > {} × its cycle {:.1f} days",
                    category_name, f.category_recency, c.category_k, f.category_cycle));
  if (rules & kDormantInteraction)
    add(fmt::format("no visit, sign-in or message open for {} days (> {})", f.interaction_recency,
                    c.interaction_days));
  return out;
}

}  // namespace recur::insight
