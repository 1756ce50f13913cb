#include "insight/gamma_gamma.h"

#include <cmath>
#include <limits>
#include <vector>

#include "insight/optimizer.h"
#include "insight/special_functions.h"

namespace recur::insight {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool valid(const GammaGammaParams& g) {
  return std::isfinite(g.p) && std::isfinite(g.q) && std::isfinite(g.gamma) && g.p > 0.0 &&
         g.q > 0.0 && g.gamma > 0.0;
}

// The repeat customers, regrouped: terms that depend on x alone are summed per distinct x, the
// parameter-free terms once.
struct SpendData {
  double members = 0.0;
  std::vector<std::int32_t> xs;  // distinct x >= 1
  std::vector<double> w_xs;      // weight per distinct x
  std::vector<double> x, m, w;   // per row
  double s_xlogxm = 0.0;         // sum w x log(x m)
  double s_logm = 0.0;           // sum w log m
};

Result<SpendData> prepare(const RfmSummary& s) {
  RETURN_IF_ERROR(s.validate_spend());
  SpendData d;
  std::vector<double> w_by_x;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double w = s.weight_at(i);
    if (s.x[i] == 0 || w == 0.0) continue;
    const auto xi = static_cast<std::size_t>(s.x[i]);
    if (xi >= w_by_x.size()) w_by_x.resize(xi + 1, 0.0);
    w_by_x[xi] += w;
    const double x = static_cast<double>(s.x[i]);
    const double m = s.m_x[i];
    d.x.push_back(x);
    d.m.push_back(m);
    d.w.push_back(w);
    d.members += w;
    d.s_xlogxm += w * x * std::log(x * m);
    d.s_logm += w * std::log(m);
  }
  if (!(d.members > 0.0)) {
    return invalid_argument("Gamma-Gamma: no repeat customers (x >= 1) to fit spend on");
  }
  for (std::size_t x = 1; x < w_by_x.size(); ++x) {
    if (w_by_x[x] > 0.0) {
      d.xs.push_back(static_cast<std::int32_t>(x));
      d.w_xs.push_back(w_by_x[x]);
    }
  }
  return d;
}

// Log-likelihood and, when grad is not null, d/d(p, q, gamma).
double evaluate(const SpendData& d, const GammaGammaParams& g, double* grad) {
  if (!valid(g)) return kNaN;
  const double p = g.p, q = g.q, gamma = g.gamma;
  double ll = 0.0, dp = 0.0, dq = 0.0, dgamma = 0.0;
  for (std::size_t k = 0; k < d.xs.size(); ++k) {
    const double x = d.xs[k], w = d.w_xs[k];
    const double px = p * x;
    ll += w * (std::lgamma(px + q) - std::lgamma(px));
    if (grad != nullptr) {
      const double psi_pxq = digamma(px + q);
      dp += w * x * (psi_pxq - digamma(px));
      dq += w * psi_pxq;
    }
  }
  const double log_gamma = std::log(gamma);
  ll += d.members * (q * log_gamma - std::lgamma(q)) + p * d.s_xlogxm - d.s_logm;
  dp += d.s_xlogxm;
  if (grad != nullptr) dq += d.members * (log_gamma - digamma(q));
  dgamma += d.members * q / gamma;
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    const double x = d.x[i], w = d.w[i];
    const double denom = gamma + x * d.m[i];
    const double l = std::log(denom);
    const double shape = p * x + q;
    ll -= w * shape * l;
    dp -= w * x * l;
    dq -= w * l;
    dgamma -= w * shape / denom;
  }
  if (grad != nullptr) {
    grad[0] = dp;
    grad[1] = dq;
    grad[2] = dgamma;
  }
  return ll;
}

}  // namespace

Result<double> log_likelihood(const GammaGammaParams& params, const RfmSummary& summary,
                              std::span<double> gradient) {
  if (!gradient.empty() && gradient.size() != 3) {
    return invalid_argument("Gamma-Gamma log_likelihood: gradient must have 3 elements");
  }
  ASSIGN_OR_RETURN(SpendData d, prepare(summary));
  if (!valid(params)) return invalid_argument("Gamma-Gamma: parameters must be finite and > 0");
  double grad[3];
  const double ll = evaluate(d, params, grad);
  if (!gradient.empty()) {
    gradient[0] = grad[0] * params.p;
    gradient[1] = grad[1] * params.q;
    gradient[2] = grad[2] * params.gamma;
  }
  return ll;
}

Result<GammaGammaFit> fit_gamma_gamma(const RfmSummary& summary, const FitOptions& options) {
  ASSIGN_OR_RETURN(SpendData d, prepare(summary));
  const double scale = 1.0 / d.members;
  auto objective = [&](std::span<const double> v, std::span<double> g) {
    const GammaGammaParams params{std::exp(v[0]), std::exp(v[1]), std::exp(v[2])};
    double grad[3];
    const double ll = evaluate(d, params, grad);
    g[0] = -grad[0] * params.p * scale;
    g[1] = -grad[1] * params.q * scale;
    g[2] = -grad[2] * params.gamma * scale;
    return -ll * scale;
  };
  MinimizeOptions mo;
  mo.max_iterations = options.max_iterations;
  mo.gradient_tolerance = options.gradient_tolerance;
  ASSIGN_OR_RETURN(MinimizeResult m, minimize_bfgs(objective, {0.0, 0.0, 0.0}, mo));
  GammaGammaFit fit;
  fit.params = GammaGammaParams{std::exp(m.x[0]), std::exp(m.x[1]), std::exp(m.x[2])};
  fit.loglik = evaluate(d, fit.params, nullptr);
  fit.members = d.members;
  fit.iterations = m.iterations;
  fit.converged = m.converged && std::isfinite(fit.loglik) && interior_optimum(m.x);
  return fit;
}

double conditional_expected_spend(const GammaGammaParams& g, std::int32_t x, double m_x) {
  if (!valid(g) || x < 0) return kNaN;
  if (x == 0) return expected_spend(g);
  const double denom = g.p * x + g.q - 1.0;
  if (!(denom > 0.0) || !std::isfinite(m_x)) return kNaN;
  return (g.gamma + x * m_x) * g.p / denom;
}

double expected_spend(const GammaGammaParams& g) {
  if (!valid(g)) return kNaN;
  if (g.q <= 1.0) return std::numeric_limits<double>::infinity();
  return g.p * g.gamma / (g.q - 1.0);
}

}  // namespace recur::insight
