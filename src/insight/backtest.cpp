#include "insight/backtest.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "insight/measures.h"
#include "insight/model_input.h"
#include "insight/scoring.h"

namespace recur::insight {
namespace {

// First purchase day after `cutoff`, within the horizon; kNoDay when none.
std::int32_t next_day_after(const History& h, std::size_t m, std::int32_t cutoff,
                            std::int32_t horizon) {
  auto d = h.days_of(m);
  auto it = std::upper_bound(d.begin(), d.end(), cutoff);
  if (it == d.end() || *it > cutoff + horizon) return kNoDay;
  return *it;
}

double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (v.size() % 2 == 1) return *mid;
  return (*mid + *std::max_element(v.begin(), mid)) / 2;
}

}  // namespace

double auc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  const std::size_t n = scores.size();
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(),
            [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  double rank_sum = 0;
  std::int64_t pos = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && scores[idx[j]] == scores[idx[i]]) ++j;
    double avg_rank =
        (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;  // ranks are 1-based
    for (std::size_t k = i; k < j; ++k)
      if (positive[idx[k]]) {
        rank_sum += avg_rank;
        ++pos;
      }
    i = j;
  }
  const double p = static_cast<double>(pos), q = static_cast<double>(n) - p;
  if (p == 0 || q == 0) return std::numeric_limits<double>::quiet_NaN();
  return (rank_sum - p * (p + 1) / 2) / (p * q);
}

std::vector<CalibrationBin> calibration_deciles(const std::vector<double>& scores,
                                                const std::vector<double>& predicted,
                                                const std::vector<bool>& positive) {
  const std::size_t n = scores.size();
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(),
            [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  std::vector<CalibrationBin> bins;
  std::size_t i = 0;
  for (int d = 1; d <= 10 && i < n; ++d) {
    std::size_t end = std::max(i + 1, n * static_cast<std::size_t>(d) / 10);
    while (end < n && scores[idx[end]] == scores[idx[end - 1]]) ++end;  // keep ties together
    CalibrationBin b;
    b.score_from = scores[idx[i]];
    b.score_to = scores[idx[end - 1]];
    double pred = 0, obs = 0;
    for (std::size_t k = i; k < end; ++k) {
      pred += predicted.empty() ? 0 : predicted[idx[k]];
      obs += positive[idx[k]] ? 1 : 0;
    }
    b.members = static_cast<std::int64_t>(end - i);
    b.predicted = predicted.empty() ? std::numeric_limits<double>::quiet_NaN()
                                    : pred / static_cast<double>(b.members);
    b.observed = obs / static_cast<double>(b.members);
    bins.push_back(b);
    i = end;
  }
  return bins;
}

Result<ChurnBacktest> backtest_churn(const History& h, std::int32_t cutoff, std::int32_t horizon,
                                     const InsightConfig& config) {
  if (horizon <= 0) return invalid_argument("the horizon must be at least one day");
  MemberMeasures mm = compute_measures(h, cutoff, config);
  ScoringOptions options;
  options.horizon_days = horizon;
  ASSIGN_OR_RETURN(MemberScores s, score_members(h, mm, options));
  ChurnBacktest bt;
  bt.cutoff = cutoff;
  bt.horizon_days = horizon;
  std::vector<double> risk, recency, probability;
  std::vector<bool> churned;
  double brier = 0;
  for (std::size_t m = 0; m < h.members(); ++m) {
    if (s.churn_risk[m] == 255) continue;
    bool c = next_day_after(h, m, cutoff, horizon) == kNoDay;
    double p = 1.0 - s.p_purchase[m];
    risk.push_back(p);
    probability.push_back(p);
    recency.push_back(mm.facts[m].recency);
    churned.push_back(c);
    brier += (p - (c ? 1 : 0)) * (p - (c ? 1 : 0));
    bt.churned += c ? 1 : 0;
  }
  bt.members = static_cast<std::int64_t>(risk.size());
  if (bt.members == 0) return failed_precondition("no buyers before the cut-off");
  bt.auc = auc(risk, churned);
  bt.baseline_auc = auc(recency, churned);
  bt.brier = brier / static_cast<double>(bt.members);
  bt.calibration = calibration_deciles(risk, probability, churned);
  bt.baseline_calibration = calibration_deciles(recency, {}, churned);
  return bt;
}

Result<NextPurchaseBacktest> backtest_next_purchase(const History& h, std::int32_t cutoff,
                                                    std::int32_t horizon,
                                                    const InsightConfig& config) {
  if (horizon <= 0) return invalid_argument("the horizon must be at least one day");
  MemberMeasures mm = compute_measures(h, cutoff, config);
  ASSIGN_OR_RETURN(MemberScores s, score_members(h, mm, ScoringOptions{}));
  NextPurchaseBacktest bt;
  bt.cutoff = cutoff;
  bt.horizon_days = horizon;
  std::vector<double> model_err, naive_err_covered, naive_err_all;
  for (std::size_t m = 0; m < h.members(); ++m) {
    if (mm.purchase_days[m] < 2) continue;
    std::int32_t actual = next_day_after(h, m, cutoff, horizon);
    if (actual == kNoDay) continue;
    std::int32_t naive = mm.last_day[m] + static_cast<std::int32_t>(std::lround(mm.cycle_mean[m]));
    naive = std::max(naive, cutoff + 1);
    double naive_err = std::abs(naive - actual);
    naive_err_all.push_back(naive_err);
    if (s.next_purchase_day[m] != kNoDay) {
      model_err.push_back(std::abs(s.next_purchase_day[m] - actual));
      naive_err_covered.push_back(naive_err);
    }
  }
  bt.members = static_cast<std::int64_t>(naive_err_all.size());
  bt.model_covered = static_cast<std::int64_t>(model_err.size());
  auto mean = [](const std::vector<double>& v) {
    return v.empty() ? std::numeric_limits<double>::quiet_NaN()
                     : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  };
  bt.model_mae = mean(model_err);
  bt.model_median_ae = median(model_err);
  bt.naive_mae = mean(naive_err_covered);
  bt.naive_median_ae = median(naive_err_covered);
  bt.naive_mae_all = mean(naive_err_all);
  return bt;
}

}  // namespace recur::insight
