#include "insight/bgnbd.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "insight/dense_index.h"
#include "insight/optimizer.h"
#include "insight/parallel.h"
#include "insight/special_functions.h"

namespace recur::insight {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool valid(const BgnbdParams& p) {
  return std::isfinite(p.r) && std::isfinite(p.alpha) && std::isfinite(p.a) && std::isfinite(p.b) &&
         p.r > 0.0 && p.alpha > 0.0 && p.a > 0.0 && p.b > 0.0;
}

bool valid(const Rfm& c) {
  return c.x >= 0 && std::isfinite(c.t_x) && std::isfinite(c.T) && c.t_x >= 0.0 && c.t_x <= c.T;
}

// ---------------------------------------------------------------------------------------------
// Likelihood.
//
// With delta = [x > 0], eq. 6 reads, in logs,
//   log L = A1 + A2 + log(exp(A3) + delta exp(A4)), where
//   A1 = log Gamma(r+x) - log Gamma(r) + r log(alpha)   = sum_{i<x} log(r+i) + r log(alpha)
//   A2 = log B(a, b+x) - log B(a, b)                    = sum_{i<x} [log(b+i) - log(a+b+i)]
//   A3 = -(r+x) log(alpha+T)
//   A4 = log a - log(b+x-1) - (r+x) log(alpha+t_x).
// x is an integer, so the Gamma and Beta ratios are finite sums: no lgamma per customer. A1 and
// A2 depend on x alone and are summed per distinct x. The rest costs, per repeat customer, one
// exp and one log for log(1 + exp(d)), d = A4 - A3, and log(alpha+t) for their two times.
// Day-level data has few distinct times, so log(alpha+t) and 1/(alpha+t) come from a table over
// the distinct values of T and t_x built once per evaluation, and A3 is summed per distinct
// time ("tabulated" layout). Data with mostly distinct times (continuous clocks) skips the table
// and computes them per row ("direct" layout), which avoids hashing a million keys.

// The data, regrouped for the above. Rows with weight 0 are dropped.
struct BgnbdData {
  double members = 0.0;
  std::vector<double> tail_w;  // tail_w[k] = weight of the customers with x > k
  std::int32_t max_x = 0;
  // The repeat customers (x >= 1), one entry per row.
  std::vector<std::int32_t> rx;
  std::vector<double> rw;

  bool tabulated = true;
  // Tabulated layout.
  std::vector<double> times;             // distinct values of T and of t_x (repeat customers)
  std::vector<double> w_t;               // by time index: weight of the customers whose T it is
  std::vector<double> xw_t;              // by time index: sum of weight * x over those customers
  std::vector<std::uint32_t> i_T, i_tx;  // per repeat customer
  // Direct layout.
  std::vector<double> zero_T, zero_w;  // customers with x = 0
  std::vector<double> r_T, r_tx;       // per repeat customer
};

// Whether times repeat enough for the table to pay: judged on the first rows' ages.
bool times_repeat(const RfmSummary& s) {
  const std::size_t sample = std::min<std::size_t>(s.size(), 4096);
  DenseIndex<1> distinct(sample);
  for (std::size_t i = 0; i < sample; ++i) distinct.insert({key_bits(s.T[i])});
  return distinct.size() * 2 <= sample || sample < 64;
}

Result<BgnbdData> prepare(const RfmSummary& s) {
  BgnbdData d;
  d.tabulated = times_repeat(s);
  DenseIndex<1> index(4096);
  auto time_index = [&](double t) {
    const std::uint32_t id = index.insert({key_bits(t)});
    if (id == d.times.size()) {
      d.times.push_back(t);
      d.w_t.push_back(0.0);
      d.xw_t.push_back(0.0);
    }
    return id;
  };
  std::vector<double> w_x;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double w = s.weight_at(i);
    if (w == 0.0) continue;
    const std::int32_t x = s.x[i];
    d.members += w;
    if (static_cast<std::size_t>(x) >= w_x.size()) w_x.resize(static_cast<std::size_t>(x) + 1, 0.0);
    w_x[static_cast<std::size_t>(x)] += w;
    d.max_x = std::max(d.max_x, x);
    if (d.tabulated) {
      const std::uint32_t iT = time_index(s.T[i]);
      d.w_t[iT] += w;
      d.xw_t[iT] += w * x;
      if (x > 0) {
        d.i_T.push_back(iT);
        d.i_tx.push_back(time_index(s.t_x[i]));
      }
    } else if (x == 0) {
      d.zero_T.push_back(s.T[i]);
      d.zero_w.push_back(w);
    } else {
      d.r_T.push_back(s.T[i]);
      d.r_tx.push_back(s.t_x[i]);
    }
    if (x > 0) {
      d.rx.push_back(x);
      d.rw.push_back(w);
    }
  }
  if (!(d.members > 0.0)) return invalid_argument("BG/NBD: the summary has no customers");
  d.tail_w.assign(static_cast<std::size_t>(d.max_x), 0.0);
  double tail = 0.0;
  for (std::size_t k = w_x.size(); k-- > 1;) {
    tail += w_x[k];
    d.tail_w[k - 1] = tail;
  }
  return d;
}

// Scratch space reused across evaluations.
struct Workspace {
  std::vector<double> log_t;  // log(alpha + times[u])
  std::vector<double> inv_t;  // 1 / (alpha + times[u])
  std::vector<double> log_b;  // log(b + k), k < max_x
  std::vector<double> inv_b;  // 1 / (b + k)
};

// Sums of the log-likelihood and its partial derivatives (natural parameters).
struct Partial {
  double ll = 0.0, g_r = 0.0, g_alpha = 0.0, g_a = 0.0, g_b = 0.0;

  Partial& operator+=(const Partial& o) {
    ll += o.ll;
    g_r += o.g_r;
    g_alpha += o.g_alpha;
    g_a += o.g_a;
    g_b += o.g_b;
    return *this;
  }
};

// A3 of one row: -(r+x) log(alpha+T), times the weight w.
inline void add_a3(Partial& acc, double r, double x, double w, double log_T, double inv_T) {
  acc.ll -= (r + x) * w * log_T;
  acc.g_r -= w * log_T;
  acc.g_alpha -= (r + x) * w * inv_T;
}

// log(1 + exp(d)) of one repeat customer, times w, with
//   d = A4 - A3 = log a - log(b+x-1) + (r+x) (log(alpha+T) - log(alpha+t_x)).
// With s = sigmoid(d) the gradient gains w s dd/dtheta; g_a and g_b collect w s and
// w s / (b+x-1), to be scaled by 1/a and -1 by the caller.
inline void add_mix(Partial& acc, double r, double log_a, double log_b1, double inv_b1, double x,
                    double w, double log_T, double log_tx, double inv_T, double inv_tx) {
  const double rx = r + x;
  const double dlog = log_T - log_tx;  // >= 0 since T >= t_x
  const double z = log_a - log_b1 + rx * dlog;
  const double e = std::exp(-std::abs(z));
  // log(1 + e) rather than log1p(e): glibc's log1p is several times slower, and the absolute
  // error (< 1e-16) is all that matters in a sum of log-likelihoods.
  const double softplus = std::max(z, 0.0) + std::log(1.0 + e);
  const double ws = w * (z >= 0.0 ? 1.0 : e) / (1.0 + e);
  acc.ll += w * softplus;
  acc.g_r += ws * dlog;
  acc.g_alpha += ws * rx * (inv_T - inv_tx);
  acc.g_a += ws;
  acc.g_b += ws * inv_b1;
}

// Log-likelihood at p; when grad is not null, also d/d(r, alpha, a, b) (natural, not log).
double evaluate(const BgnbdData& d, const BgnbdParams& p, double* grad, int threads,
                Workspace& ws) {
  if (!valid(p)) return kNaN;
  const double r = p.r, alpha = p.alpha, a = p.a, b = p.b;
  std::array<Partial, 8> parts{};
  threads = std::clamp(threads, 1, static_cast<int>(parts.size()));

  // A1 + A2 summed per x: sum_x W_x sum_{k<x} f(k) = sum_k f(k) tail_w[k].
  const auto mx = static_cast<std::size_t>(d.max_x);
  ws.log_b.resize(mx);
  ws.inv_b.resize(mx);
  double s_r = 0.0, s_b = 0.0, s_ab = 0.0, ds_r = 0.0, ds_b = 0.0, ds_ab = 0.0;
  for (std::size_t k = 0; k < mx; ++k) {
    const double kk = static_cast<double>(k);
    const double lb = std::log(b + kk);
    const double ib = 1.0 / (b + kk);
    ws.log_b[k] = lb;
    ws.inv_b[k] = ib;
    const double w = d.tail_w[k];
    s_r += w * std::log(r + kk);
    s_b += w * lb;
    s_ab += w * std::log(a + b + kk);
    ds_r += w / (r + kk);
    ds_b += w * ib;
    ds_ab += w / (a + b + kk);
  }
  const double log_alpha = std::log(alpha);
  const double log_a = std::log(a);
  Partial total;
  total.ll = s_r + d.members * r * log_alpha + s_b - s_ab;
  total.g_r = ds_r + d.members * log_alpha;
  total.g_alpha = d.members * r / alpha;
  total.g_a = -ds_ab;
  total.g_b = ds_b - ds_ab;

  const double* log_b = ws.log_b.data();
  const double* inv_b = ws.inv_b.data();
  Partial rows;  // A3 and the mixing term; g_a, g_b still unscaled
  if (d.tabulated) {
    const std::size_t nt = d.times.size();
    ws.log_t.resize(nt);
    ws.inv_t.resize(nt);
    // A3 is linear in log(alpha+T): sum it per distinct time while filling the table.
    parallel_chunks(nt, threads, [&](std::size_t begin, std::size_t end, int slot) {
      Partial acc;
      for (std::size_t u = begin; u < end; ++u) {
        const double lt = std::log(alpha + d.times[u]);
        const double it = 1.0 / (alpha + d.times[u]);
        ws.log_t[u] = lt;
        ws.inv_t[u] = it;
        acc.ll -= (r * d.w_t[u] + d.xw_t[u]) * lt;
        acc.g_r -= d.w_t[u] * lt;
        acc.g_alpha -= (r * d.w_t[u] + d.xw_t[u]) * it;
      }
      parts[static_cast<std::size_t>(slot)] = acc;
    });
    for (int k = 0; k < threads; ++k) rows += parts[static_cast<std::size_t>(k)];
    const double* log_t = ws.log_t.data();
    const double* inv_t = ws.inv_t.data();
    parallel_chunks(d.rx.size(), threads, [&](std::size_t begin, std::size_t end, int slot) {
      Partial acc;
      for (std::size_t i = begin; i < end; ++i) {
        const auto x = static_cast<std::size_t>(d.rx[i]);
        const std::uint32_t iT = d.i_T[i], itx = d.i_tx[i];
        add_mix(acc, r, log_a, log_b[x - 1], inv_b[x - 1], static_cast<double>(x), d.rw[i],
                log_t[iT], log_t[itx], inv_t[iT], inv_t[itx]);
      }
      parts[static_cast<std::size_t>(slot)] = acc;
    });
    for (int k = 0; k < threads; ++k) rows += parts[static_cast<std::size_t>(k)];
  } else {
    parallel_chunks(d.zero_T.size(), threads, [&](std::size_t begin, std::size_t end, int slot) {
      Partial acc;
      for (std::size_t i = begin; i < end; ++i) {
        const double base = alpha + d.zero_T[i];
        add_a3(acc, r, 0.0, d.zero_w[i], std::log(base), 1.0 / base);
      }
      parts[static_cast<std::size_t>(slot)] = acc;
    });
    for (int k = 0; k < threads; ++k) rows += parts[static_cast<std::size_t>(k)];
    parallel_chunks(d.rx.size(), threads, [&](std::size_t begin, std::size_t end, int slot) {
      Partial acc;
      for (std::size_t i = begin; i < end; ++i) {
        const auto x = static_cast<std::size_t>(d.rx[i]);
        const double xd = static_cast<double>(x);
        const double base_T = alpha + d.r_T[i], base_tx = alpha + d.r_tx[i];
        const double log_T = std::log(base_T), inv_T = 1.0 / base_T;
        add_a3(acc, r, xd, d.rw[i], log_T, inv_T);
        add_mix(acc, r, log_a, log_b[x - 1], inv_b[x - 1], xd, d.rw[i], log_T, std::log(base_tx),
                inv_T, 1.0 / base_tx);
      }
      parts[static_cast<std::size_t>(slot)] = acc;
    });
    for (int k = 0; k < threads; ++k) rows += parts[static_cast<std::size_t>(k)];
  }
  total.ll += rows.ll;
  total.g_r += rows.g_r;
  total.g_alpha += rows.g_alpha;
  total.g_a += rows.g_a / a;
  total.g_b -= rows.g_b;
  if (grad != nullptr) {
    grad[0] = total.g_r;
    grad[1] = total.g_alpha;
    grad[2] = total.g_a;
    grad[3] = total.g_b;
  }
  return total.ll;
}

BgnbdParams from_log(std::span<const double> v) {
  return BgnbdParams{std::exp(v[0]), std::exp(v[1]), std::exp(v[2]), std::exp(v[3])};
}

// Minimises the mean negative log-likelihood per member over the log-parameters.
Result<MinimizeResult> optimise(const BgnbdData& d, std::vector<double> start,
                                const FitOptions& options, int threads,
                                std::vector<double> inverse_hessian) {
  Workspace ws;
  const double scale = 1.0 / d.members;
  auto objective = [&](std::span<const double> v, std::span<double> g) {
    const BgnbdParams p = from_log(v);
    double grad[4];
    const double ll = evaluate(d, p, grad, threads, ws);
    const double theta[4] = {p.r, p.alpha, p.a, p.b};
    for (int k = 0; k < 4; ++k) g[static_cast<std::size_t>(k)] = -grad[k] * theta[k] * scale;
    return -ll * scale;
  };
  MinimizeOptions mo;
  mo.max_iterations = options.max_iterations;
  mo.gradient_tolerance = options.gradient_tolerance;
  mo.initial_inverse_hessian = std::move(inverse_hessian);
  return minimize_bfgs(objective, std::move(start), mo);
}

// ---------------------------------------------------------------------------------------------
// Predictions.
//
// Eq. 10 reads E[Y(t) | x, t_x, T] = P(alive) * E_alive with
//   E_alive = c/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; c; z)],  c = a+b+x-1, z = t/(alpha+T+t).
// Euler's transformation 2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z) turns the bracket into
//   1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z),
// and since every series term past the first carries the factor (a-1), dividing it out gives
//   E_alive = c (-expm1((a-1) L) / (a-1)) - exp((a-1) L) V(z),   L = log(1-z),
//   V(z) = sum_{n>=1} v_n,  v_1 = (a+b-1-r) z,  v_{n+1} = v_n (a+b-1-r+n)(a-1+n) z / ((c+n)(n+1)),
// which is exact, has no cancellation at a = 1, and is well defined for c in (-1, 0] too. The
// coefficients do not depend on t, so several horizons share one pass.

// Above this z the series is slow; the connection formula of hyp2f1 takes over where it is
// well conditioned.
constexpr double kSeriesMaxZ = 0.95;
// Above this a + b, E_alive comes from the expansion around a / (a + b) instead of the series.
constexpr double kConcentratedAB = 500.0;
constexpr std::size_t kBlock = 32;

// E_alive for up to kBlock horizons (ts[m] >= 0) sharing one series.
void if_alive_block(const BgnbdParams& p, std::int32_t x, double T, const double* ts, double* out,
                    std::size_t count) {
  const double A = p.a + p.b - 1.0 - p.r;
  const double B = p.a - 1.0;
  const double c = p.a + p.b + x - 1.0;
  const double base = p.alpha + T;
  if (p.a + p.b > kConcentratedAB) {
    // The Beta(a, b) of the dropout probability is concentrated around pi = a / (a + b). For a
    // fixed dropout probability q, the time to dropout is Exp(lambda q), so
    //   f(q) = E_alive | q = (1 - (base / (base + q t))^(r+x)) / q,  lambda ~ Gamma(r+x, base),
    // and E[f(q)] = f(pi) + f''(pi) Var(q) / 2 + O(1 / (a+b)^2). (The series below would need
    // about (a-1) z terms and overflows once that passes ~700.)
    const double pi = p.a / (p.a + p.b);
    const double var = pi * (1.0 - pi) / (p.a + p.b + 1.0);
    const double k = p.r + x;
    for (std::size_t m = 0; m < count; ++m) {
      const double t = ts[m];
      if (!(t >= 0.0)) {
        out[m] = kNaN;
        continue;
      }
      auto f = [&](double q) { return -std::expm1(-k * std::log1p(q * t / base)) / q; };
      const double h = 1e-3 * std::min(pi, 1.0 - pi);
      const double second = (f(pi + h) - 2.0 * f(pi) + f(pi - h)) / (h * h);
      out[m] = f(pi) + 0.5 * second * var;
    }
    return;
  }
  // Horizons left to the series, compacted so that its inner loop has no branches.
  std::array<double, kBlock> z{}, power{}, acc{};
  std::array<std::size_t, kBlock> slot{};
  std::size_t n_series = 0;
  double z_max = 0.0, scale = 0.0;
  for (std::size_t m = 0; m < count; ++m) {
    const double t = ts[m];
    if (!(t >= 0.0)) {
      out[m] = kNaN;
      continue;
    }
    const double zm = t / (base + t);
    const double L = -std::log1p(t / base);  // log(1 - z)
    const double em1 = std::expm1(B * L);
    if (zm > kSeriesMaxZ && std::abs(B) > 1e-3 && c > 0.0) {
      // Far horizon: 2F1 by its connection formula, cancellation-free since |a-1| is not small.
      out[m] = c / B * (1.0 - (1.0 + em1) * hyp2f1(A, B, c, zm));
      continue;
    }
    out[m] = c * (B == 0.0 ? -L : -em1 / B);
    z[n_series] = zm;
    power[n_series] = 1.0 + em1;  // exp(B L) multiplies V; folded into the powers of z
    slot[n_series] = m;
    ++n_series;
    z_max = std::max(z_max, zm);
    scale = std::max(scale, std::abs(out[m]));
  }
  if (n_series == 0) return;
  // V(z) = sum_n kappa_n z^n with kappa_1 = A, kappa_{n+1} = kappa_n (A+n)(B+n) / ((c+n)(n+1)).
  // Stop when the largest z's term, bounded geometrically, is below 1e-16 of the result.
  double kappa = A;
  double zn = z_max;  // z_max^n
  const double tolerance = 1e-16 * std::max(scale, 1e-300);
  for (int n = 1; n < 2000000; ++n) {
    for (std::size_t k = 0; k < n_series; ++k) {
      power[k] *= z[k];
      acc[k] += kappa * power[k];
    }
    const double term = std::abs(kappa) * zn;
    const double ratio = (A + n) * (B + n) / ((c + n) * (n + 1.0));
    kappa *= ratio;
    if (kappa == 0.0) break;
    const double q = std::max(std::abs(ratio) * z_max, z_max);
    if (q < 1.0 && term * q <= tolerance * (1.0 - q)) break;
    zn *= z_max;
  }
  for (std::size_t k = 0; k < n_series; ++k) out[slot[k]] -= acc[k];
}

}  // namespace

Result<double> log_likelihood(const BgnbdParams& params, const RfmSummary& summary,
                              std::span<double> gradient, int threads) {
  if (!gradient.empty() && gradient.size() != 4) {
    return invalid_argument("BG/NBD log_likelihood: gradient must have 4 elements");
  }
  RETURN_IF_ERROR(summary.validate_recency());
  ASSIGN_OR_RETURN(BgnbdData d, prepare(summary));
  if (!valid(params)) return invalid_argument("BG/NBD: parameters must be finite and > 0");
  Workspace ws;
  double grad[4];
  const double ll = evaluate(d, params, grad, choose_threads(threads, d.rx.size()), ws);
  if (!gradient.empty()) {
    const double theta[4] = {params.r, params.alpha, params.a, params.b};
    for (std::size_t k = 0; k < 4; ++k) gradient[k] = grad[k] * theta[k];
  }
  return ll;
}

Result<BgnbdFit> fit_bgnbd(const RfmSummary& summary, const FitOptions& options) {
  RETURN_IF_ERROR(summary.validate_recency());
  ASSIGN_OR_RETURN(BgnbdData d, prepare(summary));
  const int threads = choose_threads(options.threads, d.rx.size());

  std::vector<double> start(4, 0.0);  // r = alpha = a = b = 1
  std::vector<double> inverse_hessian;
  int iterations = 0;
  const std::size_t rows = summary.size();
  const std::size_t sub_rows = std::max<std::size_t>(
      static_cast<std::size_t>(std::max(options.warm_start_rows, 0)) / 4, 1000);
  const std::size_t stride = rows / sub_rows;
  if (options.warm_start_rows > 0 && rows > static_cast<std::size_t>(options.warm_start_rows) &&
      stride >= 2) {
    // Fit every stride-th row first; its optimum and curvature (of the mean log-likelihood, so
    // independent of size) approximate the full data's, and the full fit needs few iterations.
    RfmSummary sub;
    for (std::size_t i = 0; i < rows; i += stride) sub.add(summary.row(i), summary.weight_at(i));
    auto sub_data = prepare(sub);
    if (sub_data.ok()) {
      FitOptions sub_options = options;
      sub_options.gradient_tolerance = std::max(options.gradient_tolerance, 1e-7);
      auto warm = optimise(*sub_data, start, sub_options, threads, {});
      if (warm.ok() && warm->converged) {
        start = warm->x;
        inverse_hessian = warm->inverse_hessian;
        iterations += warm->iterations;
      }
    }
  }
  ASSIGN_OR_RETURN(MinimizeResult m, optimise(d, start, options, threads, inverse_hessian));
  BgnbdFit fit;
  fit.params = from_log(m.x);
  Workspace ws;
  fit.loglik = evaluate(d, fit.params, nullptr, threads, ws);
  fit.members = d.members;
  fit.iterations = iterations + m.iterations;
  fit.converged = m.converged && std::isfinite(fit.loglik) && interior_optimum(m.x);
  return fit;
}

double p_alive(const BgnbdParams& p, const Rfm& c) {
  if (!valid(p) || !valid(c)) return kNaN;
  if (c.x == 0) return 1.0;
  // log of a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)
  const double z = std::log(p.a / (p.b + c.x - 1.0)) +
                   (p.r + c.x) * std::log1p((c.T - c.t_x) / (p.alpha + c.t_x));
  if (z > 0.0) {
    const double e = std::exp(-z);
    return e / (1.0 + e);
  }
  return 1.0 / (1.0 + std::exp(z));
}

double expected_purchases_if_alive(const BgnbdParams& p, std::int32_t x, double T, double t) {
  if (!valid(p) || x < 0 || !(T >= 0.0) || !std::isfinite(T) || !(t >= 0.0)) return kNaN;
  if (t == 0.0) return 0.0;
  double out = kNaN;
  if_alive_block(p, x, T, &t, &out, 1);
  return out;
}

void expected_purchases_if_alive(const BgnbdParams& p, std::int32_t x, double T,
                                 std::span<const double> t, std::span<double> out) {
  const bool ok = valid(p) && x >= 0 && T >= 0.0 && std::isfinite(T);
  for (std::size_t begin = 0; begin < t.size(); begin += kBlock) {
    const std::size_t count = std::min(kBlock, t.size() - begin);
    if (!ok) {
      std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(begin), count, kNaN);
      continue;
    }
    if_alive_block(p, x, T, t.data() + begin, out.data() + begin, count);
  }
}

double conditional_expected_purchases(const BgnbdParams& p, const Rfm& c, double t) {
  if (!valid(c)) return kNaN;
  return p_alive(p, c) * expected_purchases_if_alive(p, c.x, c.T, t);
}

double expected_purchases(const BgnbdParams& p, double t) {
  return expected_purchases_if_alive(p, 0, 0.0, t);
}

double probability_of_purchase_within(const BgnbdParams& p, const Rfm& c, double t) {
  if (!valid(p) || !valid(c) || !(t >= 0.0)) return kNaN;
  // P(no purchase in (T, T+t] | alive) = E[exp(-lambda t)] = ((alpha+T)/(alpha+T+t))^(r+x).
  const double log_none = -(p.r + c.x) * std::log1p(t / (p.alpha + c.T));
  return p_alive(p, c) * -std::expm1(log_none);
}

}  // namespace recur::insight
