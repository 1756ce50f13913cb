#include "insight/scoring.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "insight/model_input.h"

namespace recur::insight {

namespace {
constexpr double kMaxNextPurchaseDays = 365;
}  // namespace

Status score_rows(const ModelInput& in, const MemberMeasures& mm, const ScoringOptions& o,
                  MemberScores& s) {
  std::vector<double> clv;
  if (s.spend_model) {
    ASSIGN_OR_RETURN(ClvScores scores,
                     score_clv(s.bgnbd.params, s.gamma_gamma.params, in.summary, o.clv));
    clv = std::move(scores.clv);
    for (std::size_t i = 0; i < in.summary.size(); ++i)
      s.expected_spend[in.member[i]] =
          static_cast<Fen>(std::llround(100 * scores.expected_spend[i]));
  }
  for (std::size_t i = 0; i < in.summary.size(); ++i) {
    const std::size_t m = in.member[i];
    const Rfm r = in.summary.row(i);
    s.p_alive[m] = static_cast<float>(p_alive(s.bgnbd.params, r));
    s.expected_purchases[m] =
        static_cast<float>(conditional_expected_purchases(s.bgnbd.params, r, o.horizon_days));
    double p = probability_of_purchase_within(s.bgnbd.params, r, o.horizon_days);
    s.p_purchase[m] = static_cast<float>(p);
    s.churn_risk[m] = static_cast<std::uint8_t>(std::clamp(std::lround(100 * (1 - p)), 0L, 100L));
    if (!clv.empty()) s.clv[m] = static_cast<Fen>(std::llround(100 * clv[i]));
    NextPurchase next = predict_next_purchase(s.bgnbd.params, r);
    if (std::isfinite(next.median_wait_if_alive)) {
      double model_day = mm.as_of + std::ceil(next.median_wait_if_alive);
      if (mm.purchase_days[m] >= 2) {
        double own = std::max<double>(mm.last_day[m] + mm.cycle_mean[m], mm.as_of + 1);
        model_day = 0.5 * (model_day + own);
      }
      // Beyond a year the date says nothing an operator can act on: "unlikely to buy soon".
      if (model_day - mm.as_of <= kMaxNextPurchaseDays)
        s.next_purchase_day[m] = static_cast<std::int32_t>(std::lround(model_day));
    }
  }
  return Status();
}

void assign_actions(const ModelInput& in, const MemberMeasures& mm, MemberScores& s) {
  for (std::size_t i = 0; i < in.summary.size(); ++i) {
    const std::size_t m = in.member[i];
    const bool high_value = s.clv[m] >= s.high_value_clv && s.high_value_clv > 0;
    const int risk = s.churn_risk[m];
    Action a;
    if (mm.lifecycle[m] == static_cast<std::uint8_t>(Lifecycle::kNew) && mm.purchase_days[m] == 1)
      a = Action::kSecondPurchase;
    else if (high_value)
      a = risk >= 70   ? Action::kPersonalOutreach
          : risk >= 40 ? Action::kVipCare
                       : Action::kKeepWarm;
    else
      a = risk >= 70 ? Action::kWinback : risk >= 40 ? Action::kNudge : Action::kNone;
    s.action[m] = static_cast<std::uint8_t>(a);
  }
}

Result<MemberScores> score_members(const History& h, const MemberMeasures& mm,
                                   const ScoringOptions& o) {
  const std::size_t n = h.members();
  MemberScores s;
  s.p_alive.assign(n, -1);
  s.expected_purchases.assign(n, 0);
  s.p_purchase.assign(n, 0);
  s.churn_risk.assign(n, 255);
  s.clv.assign(n, 0);
  s.expected_spend.assign(n, 0);
  s.next_purchase_day.assign(n, kNoDay);
  s.action.assign(n, static_cast<std::uint8_t>(Action::kNone));

  ModelInput in = build_model_input(h, mm.as_of, 1.0);
  if (in.summary.empty()) return s;
  RfmSummary compressed = compress(in.summary);
  ASSIGN_OR_RETURN(s.bgnbd, fit_bgnbd(compressed));
  auto gg = fit_gamma_gamma(compressed);
  s.spend_model = gg.ok() && gg->params.q > 1;
  if (s.spend_model) s.gamma_gamma = *gg;
  RETURN_IF_ERROR(score_rows(in, mm, o, s));
  // High value is the top share of buyers by CLV; the actions depend on it.
  std::vector<Fen> sorted;
  for (std::size_t i = 0; i < in.summary.size(); ++i) sorted.push_back(s.clv[in.member[i]]);
  std::sort(sorted.begin(), sorted.end());
  auto cut = static_cast<std::size_t>(
      std::floor((1 - o.high_value_share) * static_cast<double>(sorted.size())));
  s.high_value_clv = sorted.empty() ? 0 : sorted[std::min(cut, sorted.size() - 1)];
  assign_actions(in, mm, s);
  return s;
}

std::string explain_churn(const MemberScores& s, const MemberMeasures& mm, std::size_t m) {
  if (s.churn_risk[m] == 255) return "no purchase yet";
  std::string out =
      fmt::format("P(alive) {:.2f}, P(buy in the horizon) {:.2f}", s.p_alive[m], s.p_purchase[m]);
  const DormancyFacts& f = mm.facts[m];
  if (mm.purchase_days[m] == 1) {
    out += fmt::format("; one purchase only, {} days ago", f.recency);
  } else if (f.mean_interval > 0) {
    out += fmt::format("; silent {} days against a usual {:.0f}-day cycle", f.recency,
                       f.mean_interval);
  }
  return out;
}

}  // namespace recur::insight
