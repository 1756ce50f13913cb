#pragma once
// Lifecycle stages and the four dormancy rules (沉睡会员), each with its reason (PRODUCT.md §1).
//
// Stages as of a date, first match wins:
//   prospect     no purchase day on or before as_of;
//   lost         no purchase for more than lost_days;
//   dormant      any dormancy rule below holds (static or dynamic);
//   reactivated  the last purchase came after a gap longer than dormant_days and lies within
//                reactivated_days of as_of;
//   new          the first purchase lies within new_days of as_of;
//   mature       at least mature_min_days purchase days in the RFM window;
//   growing      otherwise (a buyer on the way to mature).
//
// Dormancy rules, combined with "or" and all reported:
//   static       no purchase for more than dormant_days;
//   dynamic      at least dynamic_min_days purchase days and recency > dynamic_k × own mean
//                interval (a weekly buyer silent for a month is dormant long before 90 days);
//   category     a category bought on at least category_min_days days has stopped: its recency
//                > category_k × its cycle (the member may still buy other things — 品类流失);
//   interaction  no behaviour event (visit, sign-in, message open, …) for interaction_days,
//                for members who had events before.
// The category and interaction rules flag risk but do not by themselves make the stage dormant.

#include <cstdint>
#include <string>
#include <string_view>

#include "insight/insight_config.h"

namespace recur::insight {

enum class Lifecycle : std::uint8_t {
  kProspect,
  kNew,
  kGrowing,
  kMature,
  kDormant,
  kLost,
  kReactivated
};
inline constexpr std::string_view kLifecycleNames[] = {"prospect", "new",  "growing",    "mature",
                                                       "dormant",  "lost", "reactivated"};

enum DormancyRule : std::uint8_t {
  kDormantStatic = 1,
  kDormantDynamic = 2,
  kDormantCategory = 4,
  kDormantInteraction = 8,
};

// What the rules need to know about one member as of the date.
struct DormancyFacts {
  std::int32_t purchase_days = 0;       // on or before as_of
  std::int32_t recency = -1;            // days since the last purchase; -1: none
  std::int32_t first_age = -1;          // days since the first purchase
  std::int32_t longest_recent_gap = 0;  // gap before the last purchase day (0 if one day)
  std::int32_t window_days = 0;         // purchase days in the RFM window
  double mean_interval = 0;
  // The category that stopped most clearly (largest recency / cycle), if any qualifies.
  std::uint32_t category = 0;  // mid-category code; 0 none
  std::int32_t category_recency = 0;
  double category_cycle = 0;
  std::int32_t interaction_recency = -1;  // days since the last event; -1: never
};

std::uint8_t dormancy_rules(const DormancyFacts& f, const InsightConfig& c);
Lifecycle lifecycle_stage(const DormancyFacts& f, std::uint8_t rules, const InsightConfig& c);

// A sentence per rule that holds, e.g. "no purchase for 123 days (> 90)". `category_name`
// names f.category.
std::string explain_dormancy(const DormancyFacts& f, std::uint8_t rules, const InsightConfig& c,
                             std::string_view category_name);

}  // namespace recur::insight
