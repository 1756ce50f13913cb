#pragma once
// Honest scores: predict as of a cut-off date using only what was known then, then look at what
// members actually did afterwards.
//
// Churn: among buyers as of the cut-off, churned = no purchase day in (cutoff, cutoff +
// horizon]. The churn risk index is compared with the outcome by AUC (the probability that a
// random churner scores higher than a random stayer; ties count half) and by a calibration table
// (deciles of predicted risk: mean predicted probability vs observed churn rate). The naive
// baseline scores by recency alone (longer silence = higher risk).
//
// Next purchase: among members with at least two purchase days before the cut-off who bought
// again within the horizon, the absolute error in days of the predicted next purchase date
// (BG/NBD median wait) against the naive "last purchase + own mean interval" (moved to the day
// after the cut-off when already past).

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "insight/history.h"
#include "insight/insight_config.h"

namespace recur::insight {

struct CalibrationBin {
  std::int64_t members = 0;
  double predicted = 0;                 // mean predicted churn probability; NaN for the baseline
  double observed = 0;                  // churn rate
  double score_from = 0, score_to = 0;  // score range of the bin
};

struct ChurnBacktest {
  std::int32_t cutoff = 0, horizon_days = 0;
  std::int64_t members = 0, churned = 0;
  double auc = 0, baseline_auc = 0;
  double brier = 0;  // mean squared error of the predicted probability
  std::vector<CalibrationBin> calibration, baseline_calibration;
};

struct NextPurchaseBacktest {
  std::int32_t cutoff = 0, horizon_days = 0;
  std::int64_t members = 0;                   // repeat buyers before the cut-off who bought again
  std::int64_t model_covered = 0;             // of those, how many the model gave a date for
  double model_mae = 0, model_median_ae = 0;  // over covered members
  double naive_mae = 0, naive_median_ae = 0;  // over the same members
  double naive_mae_all = 0;                   // over all members
};

// AUC of `scores` for `positive` outcomes (rank-sum with average ranks for ties).
double auc(const std::vector<double>& scores, const std::vector<bool>& positive);
// Deciles by score (10 bins of near-equal size; ties never split across bins).
std::vector<CalibrationBin> calibration_deciles(const std::vector<double>& scores,
                                                const std::vector<double>& predicted,
                                                const std::vector<bool>& positive);

Result<ChurnBacktest> backtest_churn(const History& history, std::int32_t cutoff,
                                     std::int32_t horizon_days, const InsightConfig& config = {});
Result<NextPurchaseBacktest> backtest_next_purchase(const History& history, std::int32_t cutoff,
                                                    std::int32_t horizon_days,
                                                    const InsightConfig& config = {});

}  // namespace recur::insight
