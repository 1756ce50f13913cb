#pragma once
// Every member's measures as of a date, computed in two parallel passes over the history:
// (1) the population's purchase cycle per category (the fallback for members with too little
// history), (2) per member: RFM, purchase cycle, repurchase frequency tag, lifecycle stage,
// dormancy rules, top categories, preferred channel and store, replenishment due dates.
// Results are columns indexed by dense member index (History::member_id).

#include <array>
#include <cstdint>
#include <vector>

#include "insight/history.h"
#include "insight/insight_config.h"
#include "insight/lifecycle.h"
#include "insight/purchase_cycle.h"
#include "insight/rfm.h"
#include "insight/sku_replenishment.h"

namespace recur::insight {

// The population's cycle per mid category (母婴/奶粉): median interval between a member's
// consecutive purchase days in the category, and median days per unit (interval ÷ units bought
// at the earlier purchase). NaN where fewer than 5 intervals exist.
struct CategoryCycles {
  std::vector<double> median_interval;  // by mid-category code
  std::vector<double> median_days_per_unit;
  std::vector<std::int64_t> intervals;  // how many intervals each median stands on
};

// A replenishment reminder for one member × consumable category (PRODUCT.md §1):
// due = last purchase + units bought then × days per unit (the member's own median when they
// have cycle_min_intervals intervals in it, else the category's); reminder = due − lead days.
struct Replenishment {
  std::uint32_t member;    // dense index
  std::uint32_t category;  // mid-category code
  std::int32_t last_day;
  std::int32_t due_day;
  std::int32_t reminder_day;
  float days_per_unit;
  bool own_cycle;  // learned from the member's own intervals
};

// A member's rhythm in one category: the repurchase frequency tag of their purchase days in it.
struct CategoryRhythm {
  std::uint32_t member;    // dense index
  std::uint32_t category;  // mid-category code
  std::uint8_t frequency;  // FrequencyTag
  float mean_interval;     // days; 0 for a single purchase day
};

struct MemberMeasures {
  std::int32_t as_of = 0;
  RfmColumns rfm;
  std::vector<std::int32_t> purchase_days;  // on or before as_of (refunded-in-full days dropped)
  std::vector<std::int32_t> first_day;      // kNoDay for prospects
  std::vector<std::int32_t> last_day;
  std::vector<Fen> net_spend;  // all time to as_of
  std::vector<float> cycle_mean, cycle_median, cycle_cv;
  std::vector<std::uint8_t> frequency;  // FrequencyTag
  std::vector<std::uint8_t> lifecycle;  // Lifecycle
  std::vector<std::uint8_t> dormancy;   // DormancyRule bits
  std::vector<DormancyFacts> facts;
  std::vector<std::array<std::uint32_t, 3>> top_categories;  // top-level codes by spend, 0 = none
  std::vector<std::uint32_t> preferred_channel;              // by orders
  std::vector<std::uint32_t> preferred_store;
  std::vector<std::uint8_t> channels_used;          // distinct channels
  std::vector<Replenishment> replenishment;         // sorted by member
  std::vector<CategoryRhythm> category_rhythm;      // sorted by member, then category
  std::vector<SkuReplenishment> sku_replenishment;  // sorted by member, then SKU code
  CategoryCycles category_cycles;
  SkuCycles sku_cycles;
};

// One member's purchases per (mid category, day) up to as_of, sorted by category then day.
struct CategoryDay {
  std::uint32_t category;
  std::int32_t day;
  std::int32_t qty;
  Fen amount;
};

// Buffers one thread reuses across members.
struct MemberScratch {
  std::vector<std::int32_t> days;
  std::vector<Fen> values;
  std::vector<CategoryDay> category_days;
  std::vector<Fen> top_spend;
  std::vector<std::uint32_t> counts;
  std::vector<std::int32_t> category_day_list;
};

CategoryCycles compute_category_cycles(const History& history, std::int32_t as_of, int threads = 0);
// By mid-category code: holds a product marked consumable.
std::vector<std::uint8_t> consumable_mid_categories(const History& history);

// One member's measures except the RFM scores and segments (which rank the population), written
// at index m of `mm` (whose columns must already have m+1 rows); the member's reminders and
// rhythms are appended to the out_* lists.
void measure_member(const History& history, std::size_t m, std::int32_t as_of,
                    const InsightConfig& config, const CategoryCycles& cycles,
                    const SkuCycles& sku_cycles, const std::vector<std::uint8_t>& consumable,
                    MemberScratch& scratch, MemberMeasures& mm,
                    std::vector<Replenishment>& out_repl, std::vector<CategoryRhythm>& out_rhythm,
                    std::vector<SkuReplenishment>& out_sku);

MemberMeasures compute_measures(const History& history, std::int32_t as_of,
                                const InsightConfig& config, int threads = 0);

}  // namespace recur::insight
