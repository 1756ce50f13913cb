#pragma once
// Updating one member when an order arrives, without recomputing the population (≤ 50 µs).
//
// A full computation (recur compute) ranks and fits the whole population; a single order does
// not move those population statistics measurably. So the snapshot keeps them — RFM quintile
// cut-offs and means, category cycles, fitted BG/NBD and Gamma-Gamma parameters, the CLV
// threshold of high value — and update_member() recomputes one member's own measures (RFM raw
// values and scores, cycles, lifecycle, dormancy, replenishment by category and by SKU) and
// predictions (P(alive), churn risk, CLV, next purchase, action) against them. The next full
// computation refreshes the snapshot. A test checks that updating a member gives what a full
// computation gives them when the population is unchanged.

#include <cstdint>
#include <vector>

#include "insight/history.h"
#include "insight/insight_config.h"
#include "insight/measures.h"
#include "insight/scoring.h"

namespace recur::insight {

struct PopulationSnapshot {
  std::int32_t as_of = 0;
  InsightConfig config;
  ScoringOptions scoring;
  Dictionary mid_categories;  // names of the codes in `cycles`
  CategoryCycles cycles;
  Dictionary skus;  // names of the codes in `sku_cycles`
  SkuCycles sku_cycles;
  std::vector<double> recency, frequency, monetary;  // buyers' values, ascending (recency negated)
  double mean_recency = 0, mean_frequency = 0, mean_monetary = 0;
  BgnbdParams bgnbd;
  GammaGammaParams gamma_gamma;
  bool spend_model = false;
  Fen high_value_clv = 0;

  static PopulationSnapshot take(const History& history, const MemberMeasures& measures,
                                 const MemberScores& scores, const InsightConfig& config = {},
                                 const ScoringOptions& scoring = {});
};

// One member's rows copied from a loaded history into a builder, as orders, lines, refunds and
// interactions, so new orders can be added before building.
void copy_member(const History& from, std::size_t m, HistoryBuilder& to);

// Measures and scores of the single member held by `one` (a History with one member), as of
// the snapshot's date, with one row in each column.
struct MemberUpdate {
  MemberMeasures measures;
  MemberScores scores;
};
MemberUpdate update_member(const History& one, const PopulationSnapshot& population,
                           MemberScratch& scratch);

}  // namespace recur::insight
