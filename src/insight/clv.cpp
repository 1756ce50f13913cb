#include "insight/clv.h"

#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "insight/dense_index.h"
#include "insight/parallel.h"

namespace recur::insight {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Status check_options(const ClvOptions& o) {
  if (o.horizon_months < 1) {
    return invalid_argument("CLV: horizon_months must be >= 1, got " +
                            std::to_string(o.horizon_months));
  }
  if (!(o.periods_per_month > 0.0) || !std::isfinite(o.periods_per_month)) {
    return invalid_argument("CLV: periods_per_month must be > 0");
  }
  if (!(o.monthly_discount_rate > -1.0) || !std::isfinite(o.monthly_discount_rate)) {
    return invalid_argument("CLV: monthly_discount_rate must be > -1");
  }
  if (!std::isfinite(o.margin)) return invalid_argument("CLV: margin must be finite");
  return Status();
}

// Month-end horizons and discount factors for m = 1..H.
struct Horizon {
  std::vector<double> t;         // m * periods_per_month
  std::vector<double> discount;  // (1+d)^-m
};

Horizon make_horizon(const ClvOptions& o) {
  Horizon h;
  for (int m = 1; m <= o.horizon_months; ++m) {
    h.t.push_back(m * o.periods_per_month);
    h.discount.push_back(std::pow(1.0 + o.monthly_discount_rate, -m));
  }
  return h;
}

// For a customer alive at T with x repeat purchases: the discounted sum of expected purchases
// per month, and the undiscounted total. Depends on (x, T) only.
struct PairValue {
  double discounted = 0.0;
  double total = 0.0;
};

PairValue pair_value(const BgnbdParams& p, std::int32_t x, double T, const Horizon& h,
                     std::vector<double>& scratch) {
  scratch.resize(h.t.size());
  expected_purchases_if_alive(p, x, T, h.t, scratch);
  PairValue v;
  double previous = 0.0;
  for (std::size_t m = 0; m < h.t.size(); ++m) {
    v.discounted += (scratch[m] - previous) * h.discount[m];
    previous = scratch[m];
  }
  v.total = previous;
  return v;
}

}  // namespace

Result<ClvScores> score_clv(const BgnbdParams& purchases, const GammaGammaParams& spend,
                            const RfmSummary& summary, const ClvOptions& options) {
  RETURN_IF_ERROR(check_options(options));
  RETURN_IF_ERROR(summary.validate_recency());
  RETURN_IF_ERROR(summary.validate_spend());
  if (!std::isfinite(p_alive(purchases, Rfm{0, 0.0, 0.0}))) {
    return invalid_argument("CLV: BG/NBD parameters must be finite and > 0");
  }
  if (!std::isfinite(conditional_expected_spend(spend, 1, 1.0))) {
    return invalid_argument("CLV: Gamma-Gamma parameters must be finite and > 0 with p + q > 1");
  }
  const std::size_t n = summary.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (summary.x[i] == 0 && !std::isfinite(expected_spend(spend))) {
      return invalid_argument(
          "CLV: Gamma-Gamma q <= 1 gives an infinite mean spend for customers without repeat "
          "purchases (row " +
          std::to_string(i) + ")");
    }
  }

  // Distinct (x, T) pairs carry the 2F1 series; rows only look their pair up.
  DenseIndex<2> index(n / 8 + 16);
  std::vector<std::uint32_t> pair_of(n);
  for (std::size_t i = 0; i < n; ++i) {
    pair_of[i] = index.insert({static_cast<std::uint64_t>(summary.x[i]), key_bits(summary.T[i])});
  }
  const Horizon h = make_horizon(options);
  const int threads = choose_threads(options.threads, n);
  const auto& keys = index.keys();
  std::vector<PairValue> pairs(keys.size());
  parallel_chunks(keys.size(), threads, [&](std::size_t begin, std::size_t end, int) {
    std::vector<double> scratch;
    for (std::size_t k = begin; k < end; ++k) {
      const auto x = static_cast<std::int32_t>(keys[k][0]);
      const double T = std::bit_cast<double>(keys[k][1]);
      pairs[k] = pair_value(purchases, x, T, h, scratch);
    }
  });

  ClvScores out;
  out.p_alive.resize(n);
  out.expected_purchases.resize(n);
  out.expected_spend.resize(n);
  out.clv.resize(n);
  parallel_chunks(n, threads, [&](std::size_t begin, std::size_t end, int) {
    for (std::size_t i = begin; i < end; ++i) {
      const Rfm c = summary.row(i);
      const double pa = p_alive(purchases, c);
      const double m = conditional_expected_spend(spend, c.x, c.x > 0 ? summary.m_x[i] : 0.0);
      const PairValue& v = pairs[pair_of[i]];
      out.p_alive[i] = pa;
      out.expected_purchases[i] = pa * v.total;
      out.expected_spend[i] = m;
      out.clv[i] = options.margin * m * pa * v.discounted;
    }
  });
  return out;
}

double customer_lifetime_value(const BgnbdParams& purchases, const GammaGammaParams& spend,
                               const Rfm& customer, double m_x, const ClvOptions& options) {
  if (!check_options(options).ok()) return kNaN;
  const double pa = p_alive(purchases, customer);
  const double m = conditional_expected_spend(spend, customer.x, m_x);
  if (!std::isfinite(pa) || !std::isfinite(m)) return kNaN;
  std::vector<double> scratch;
  const PairValue v = pair_value(purchases, customer.x, customer.T, make_horizon(options), scratch);
  return options.margin * m * pa * v.discounted;
}

NextPurchase predict_next_purchase(const BgnbdParams& params, const Rfm& c) {
  NextPurchase out;
  out.p_alive = p_alive(params, c);
  if (!std::isfinite(out.p_alive)) {
    out.expected_gap_if_alive = out.median_wait_if_alive = out.median_wait = kNaN;
    return out;
  }
  const double base = params.alpha + c.T;
  const double shape = params.r + c.x;
  out.expected_gap_if_alive = base / shape;
  out.median_wait_if_alive = base * std::expm1(std::log(2.0) / shape);
  // ((alpha+T)/(alpha+T+t))^shape = 1 - 1/(2 p_alive).
  out.median_wait =
      out.p_alive > 0.5 ? base * std::expm1(-std::log1p(-0.5 / out.p_alive) / shape) : kInf;
  return out;
}

}  // namespace recur::insight
