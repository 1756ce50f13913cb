#include "insight/pareto_nbd.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "insight/optimizer.h"
#include "insight/parallel.h"
#include "insight/special_functions.h"

namespace recur::insight {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool valid(const ParetoNbdParams& p) {
  return std::isfinite(p.r) && std::isfinite(p.alpha) && std::isfinite(p.s) &&
         std::isfinite(p.beta) && p.r > 0.0 && p.alpha > 0.0 && p.s > 0.0 && p.beta > 0.0;
}

bool valid(const Rfm& c) {
  return c.x >= 0 && std::isfinite(c.t_x) && std::isfinite(c.T) && c.t_x >= 0.0 && c.t_x <= c.T;
}

// log F(tau), where note 009 writes A0 = F(t_x) - F(T) with
//   alpha >= beta: F = 2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+tau)) / (alpha+tau)^(r+s+x)
//   alpha <  beta: F = 2F1(r+s+x, r+x; r+s+x+1; (beta-alpha)/(beta+tau)) / (beta+tau)^(r+s+x).
// Euler's transformation 2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z), with C-A = 1 here,
// takes out the factor that overflows for large x (lifetimes' overflow case: x = 500) and leaves
// a series with positive terms and ratio < z:
//   alpha >= beta: F = (alpha+tau)^-(r+x) (beta+tau)^-s 2F1(1, r+x; r+s+x+1; z)
//   alpha <  beta: F = (alpha+tau)^-(r+x-1) (beta+tau)^-(s+1) 2F1(1, s+1; r+s+x+1; z).
double log_f(const ParetoNbdParams& p, double x, double tau) {
  const double la = std::log(p.alpha + tau);
  const double lb = std::log(p.beta + tau);
  const double c = p.r + p.s + x + 1.0;
  if (p.alpha >= p.beta) {
    const double z = (p.alpha - p.beta) / (p.alpha + tau);
    return -(p.r + x) * la - p.s * lb + std::log(hyp2f1(1.0, p.r + x, c, z));
  }
  const double z = (p.beta - p.alpha) / (p.beta + tau);
  return -(p.r + x - 1.0) * la - (p.s + 1.0) * lb + std::log(hyp2f1(1.0, p.s + 1.0, c, z));
}

// log of s/(r+s+x) A0 - A1 with A1 = log[(alpha+T)^-(r+x) (beta+T)^-s]: the log-odds of "dead"
// against "alive" given the data; -infinity when t_x = T (A0 = 0).
double log_dead_odds(const ParetoNbdParams& p, const Rfm& c) {
  if (c.t_x >= c.T) return -kInf;
  const double x = c.x;
  const double f_tx = log_f(p, x, c.t_x);
  const double f_T = log_f(p, x, c.T);
  // log A0 = log(F(t_x) - F(T)), F decreasing in tau.
  const double log_a0 = f_tx + std::log(-std::expm1(std::min(f_T - f_tx, 0.0)));
  const double a1 = -(p.r + x) * std::log(p.alpha + c.T) - p.s * std::log(p.beta + c.T);
  return std::log(p.s / (p.r + p.s + x)) + log_a0 - a1;
}

// Rows regrouped: compressed, zero weights dropped.
struct ParetoData {
  RfmSummary rows;
  double members = 0.0;
  std::vector<double> tail_w;  // weight of the customers with x > k
};

Result<ParetoData> prepare(const RfmSummary& s) {
  RETURN_IF_ERROR(s.validate_recency());
  ParetoData d;
  RfmSummary stripped = s;
  stripped.m_x.clear();
  RfmSummary all = compress(stripped);
  std::vector<double> w_x;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const double w = all.weight_at(i);
    if (w == 0.0) continue;
    d.rows.add(all.row(i), w);
    d.members += w;
    const auto x = static_cast<std::size_t>(all.x[i]);
    if (x >= w_x.size()) w_x.resize(x + 1, 0.0);
    w_x[x] += w;
  }
  if (!(d.members > 0.0)) return invalid_argument("Pareto/NBD: the summary has no customers");
  d.tail_w.assign(w_x.empty() ? 0 : w_x.size() - 1, 0.0);
  double tail = 0.0;
  for (std::size_t k = w_x.size(); k-- > 1;) {
    tail += w_x[k];
    d.tail_w[k - 1] = tail;
  }
  return d;
}

// log L = log Gamma(r+x) - log Gamma(r) + r log alpha + s log beta + A1 + log(1 + dead odds).
double evaluate(const ParetoData& d, const ParetoNbdParams& p, int threads) {
  if (!valid(p)) return kNaN;
  double ll = d.members * (p.r * std::log(p.alpha) + p.s * std::log(p.beta));
  for (std::size_t k = 0; k < d.tail_w.size(); ++k) ll += d.tail_w[k] * std::log(p.r + k);
  std::array<double, 8> parts{};
  threads = std::clamp(threads, 1, static_cast<int>(parts.size()));
  parallel_chunks(d.rows.size(), threads, [&](std::size_t begin, std::size_t end, int slot) {
    double acc = 0.0;
    for (std::size_t i = begin; i < end; ++i) {
      const Rfm c = d.rows.row(i);
      const double a1 = -(p.r + c.x) * std::log(p.alpha + c.T) - p.s * std::log(p.beta + c.T);
      const double odds = log_dead_odds(p, c);
      const double mix =
          odds > 0.0 ? odds + std::log1p(std::exp(-odds)) : std::log1p(std::exp(odds));
      acc += d.rows.weight_at(i) * (a1 + mix);
    }
    parts[static_cast<std::size_t>(slot)] = acc;
  });
  for (int k = 0; k < threads; ++k) ll += parts[static_cast<std::size_t>(k)];
  return ll;
}

ParetoNbdParams from_log(std::span<const double> v) {
  return ParetoNbdParams{std::exp(v[0]), std::exp(v[1]), std::exp(v[2]), std::exp(v[3])};
}

// [1 - ((beta+T)/(beta+T+t))^(s-1)] / (s-1), continuous at s = 1.
double lifetime_factor(double s, double beta_T, double t) {
  const double l = std::log1p(t / beta_T);
  const double k = s - 1.0;
  if (std::abs(k * l) < 1e-300 || k == 0.0) return l;
  return -std::expm1(-k * l) / k;
}

}  // namespace

Result<double> log_likelihood(const ParetoNbdParams& params, const RfmSummary& summary) {
  ASSIGN_OR_RETURN(ParetoData d, prepare(summary));
  if (!valid(params)) return invalid_argument("Pareto/NBD: parameters must be finite and > 0");
  return evaluate(d, params, choose_threads(0, d.rows.size()));
}

Result<ParetoNbdFit> fit_pareto_nbd(const RfmSummary& summary, const FitOptions& options) {
  ASSIGN_OR_RETURN(ParetoData d, prepare(summary));
  const int threads = choose_threads(options.threads, d.rows.size());
  const double scale = 1.0 / d.members;
  auto objective = [&](std::span<const double> v) {
    return -evaluate(d, from_log(v), threads) * scale;
  };
  MinimizeOptions mo;
  mo.max_iterations = 10 * options.max_iterations;  // simplex steps are cheap
  mo.simplex_tolerance = 1e-9;
  ASSIGN_OR_RETURN(MinimizeResult m, minimize_nelder_mead(objective, {0.0, 0.0, 0.0, 0.0}, mo));
  ParetoNbdFit fit;
  fit.params = from_log(m.x);
  fit.loglik = evaluate(d, fit.params, threads);
  fit.members = d.members;
  fit.iterations = m.iterations;
  fit.converged = m.converged && std::isfinite(fit.loglik) && interior_optimum(m.x);
  return fit;
}

double p_alive(const ParetoNbdParams& p, const Rfm& c) {
  if (!valid(p) || !valid(c)) return kNaN;
  const double odds = log_dead_odds(p, c);
  if (odds > 0.0) {
    const double e = std::exp(-odds);
    return e / (1.0 + e);
  }
  return 1.0 / (1.0 + std::exp(odds));
}

double conditional_expected_purchases(const ParetoNbdParams& p, const Rfm& c, double t) {
  if (!valid(p) || !valid(c) || !(t >= 0.0)) return kNaN;
  const double rate = (p.r + c.x) / (p.alpha + c.T);  // posterior mean of lambda
  return rate * (p.beta + c.T) * lifetime_factor(p.s, p.beta + c.T, t) * p_alive(p, c);
}

double expected_purchases(const ParetoNbdParams& p, double t) {
  if (!valid(p) || !(t >= 0.0)) return kNaN;
  return p.r / p.alpha * p.beta * lifetime_factor(p.s, p.beta, t);
}

}  // namespace recur::insight
