#pragma once
// One full computation of every member's measures, predictions and tags as of a date, and
// storing the profiles (recur compute). The history is loaded once; everything after the load
// runs in memory, in parallel over members.

#include <functional>
#include <optional>

#include "core/clock.h"
#include "core/status.h"
#include "insight/history.h"
#include "insight/insight_config.h"
#include "insight/loyalty_snapshot.h"
#include "insight/measures.h"
#include "insight/scoring.h"
#include "insight/tags.h"
#include "store/database.h"

namespace recur::insight {

struct InsightRun {
  History history;
  MemberMeasures measures;
  MemberScores scores;
  InsightConfig config;
  LoyaltySnapshot loyalty;
  double load_s = 0, measures_s = 0, scoring_s = 0, store_s = 0;
  std::int64_t profiles_written = 0, profiles_unchanged = 0;  // by store_profiles

  // What the tags read (tags.h).
  TagContext tags() const { return TagContext(history, measures, scores, config, &loyalty); }
};

// as_of defaults to the last order day in the store; config to the thresholds of the program in
// force (insight_config_in_force: the defaults when no program was loaded).
Result<InsightRun> run_insight(store::Database& db, std::optional<std::int32_t> as_of,
                               std::optional<InsightConfig> config = std::nullopt);

// Stores this run's profiles in member_profiles (profile_codec.h): rows whose as-of day and bytes
// are unchanged are left alone, rows of members no longer live are removed. Records the run with
// its profile layout, sets run.store_s and the counts. `progress` gets the fraction of members
// done.
Status store_profiles(store::Database& db, InsightRun& run, const Clock& clock,
                      const std::function<void(double)>& progress = {});

}  // namespace recur::insight
