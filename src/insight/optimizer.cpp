#include "insight/optimizer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

namespace recur::insight {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Strong Wolfe constants (Nocedal & Wright p. 62 recommend c1 = 1e-4, c2 = 0.9 for quasi-Newton).
constexpr double kC1 = 1e-4;
constexpr double kC2 = 0.9;
// Relative rounding level of objective values (sums over up to millions of customers).
constexpr double kValueNoise = 1e-12;
constexpr int kMaxLineEvaluations = 30;

double finite_or_inf(double v) {
  return std::isfinite(v) ? v : kInf;
}

double dot(std::span<const double> a, std::span<const double> b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double inf_norm(std::span<const double> v) {
  double m = 0.0;
  for (double e : v) m = std::max(m, std::abs(e));
  return m;
}

// phi(alpha) = f(x + alpha p) and phi'(alpha) = grad f(x + alpha p) . p.
struct Trial {
  double alpha = 0.0;
  double f = 0.0;
  double d = 0.0;
  std::vector<double> x;
  std::vector<double> g;
};

class LineFunction {
 public:
  LineFunction(const ObjectiveWithGradient& f, std::span<const double> x, std::span<const double> p)
      : f_(f), x_(x), p_(p) {}

  Trial at(double alpha) {
    Trial t;
    t.alpha = alpha;
    t.x.resize(x_.size());
    t.g.assign(x_.size(), 0.0);
    for (size_t i = 0; i < x_.size(); ++i) t.x[i] = x_[i] + alpha * p_[i];
    t.f = finite_or_inf(f_(t.x, t.g));
    t.d = std::isfinite(t.f) ? dot(t.g, p_) : kInf;
    if (!std::isfinite(t.d)) t.f = kInf;
    ++evaluations;
    return t;
  }

  int evaluations = 0;

 private:
  const ObjectiveWithGradient& f_;
  std::span<const double> x_;
  std::span<const double> p_;
};

// Whether phi(alpha) differs from phi(0) by no more than rounding.
bool within_noise(const Trial& start, const Trial& t) {
  return std::abs(t.f - start.f) <= kValueNoise * std::abs(start.f);
}

// Minimiser of the cubic through (a.alpha, a.f, a.d) and (b.alpha, b.f, b.d), safeguarded to lie
// in the middle 80% of the interval; bisection when the cubic is unusable (Nocedal & Wright 3.59).
double interpolate(const Trial& a, const Trial& b) {
  const double lo = std::min(a.alpha, b.alpha);
  const double hi = std::max(a.alpha, b.alpha);
  const double mid = 0.5 * (lo + hi);
  if (!std::isfinite(a.f) || !std::isfinite(b.f)) return mid;
  const double d1 = a.d + b.d - 3.0 * (a.f - b.f) / (a.alpha - b.alpha);
  const double disc = d1 * d1 - a.d * b.d;
  if (!(disc >= 0.0)) return mid;
  const double d2 = std::copysign(std::sqrt(disc), b.alpha - a.alpha);
  const double denom = b.d - a.d + 2.0 * d2;
  if (denom == 0.0) return mid;
  const double t = b.alpha - (b.alpha - a.alpha) * (b.d + d2 - d1) / denom;
  const double margin = 0.1 * (hi - lo);
  if (!std::isfinite(t) || t < lo + margin || t > hi - margin) return mid;
  return t;
}

// The sufficient-decrease test. Close to a minimum f(x + alpha p) - f(x) drops below the
// rounding error of f, and Armijo's test becomes a coin toss; there the slope decides instead
// (the approximate Wolfe condition of Hager & Zhang 2005: phi'(alpha) <= (1 - 2 c1) |phi'(0)|).
bool decreased(const Trial& start, const Trial& t) {
  if (t.f <= start.f + kC1 * t.alpha * start.d) return true;
  return within_noise(start, t) && t.d <= (1.0 - 2.0 * kC1) * -start.d;
}

bool curvature_ok(const Trial& start, const Trial& t) {
  return std::abs(t.d) <= -kC2 * start.d;
}

// Algorithm 3.6 (zoom). `lo` satisfies sufficient decrease and has the lower value; the
// minimiser lies between lo and hi. On failure falls back to lo when it moved at all.
bool zoom(LineFunction& phi, const Trial& start, Trial lo, Trial hi, Trial& out) {
  for (int j = 0; j < kMaxLineEvaluations; ++j) {
    const double alpha = interpolate(lo, hi);
    Trial t = phi.at(alpha);
    if (!decreased(start, t) || (!within_noise(start, t) && t.f >= lo.f)) {
      hi = std::move(t);
    } else {
      if (curvature_ok(start, t)) {
        out = std::move(t);
        return true;
      }
      if (t.d * (hi.alpha - lo.alpha) >= 0.0) hi = lo;
      lo = std::move(t);
    }
    if (std::abs(hi.alpha - lo.alpha) <= 1e-15 * std::max(1.0, std::abs(lo.alpha))) break;
  }
  if (lo.alpha > 0.0) {
    out = std::move(lo);
    return true;
  }
  return false;
}

// Algorithm 3.5: a step satisfying the strong Wolfe conditions along p, starting at alpha1.
bool strong_wolfe(LineFunction& phi, const Trial& start, double alpha1, Trial& out) {
  constexpr double kAlphaMax = 1e10;
  Trial prev = start;
  double alpha = alpha1;
  for (int i = 0; i < kMaxLineEvaluations; ++i) {
    Trial cur = phi.at(alpha);
    if (!std::isfinite(cur.f) || !decreased(start, cur) ||
        (i > 0 && !within_noise(start, cur) && cur.f >= prev.f)) {
      return zoom(phi, start, std::move(prev), std::move(cur), out);
    }
    if (curvature_ok(start, cur)) {
      out = std::move(cur);
      return true;
    }
    if (cur.d >= 0.0) return zoom(phi, start, std::move(cur), std::move(prev), out);
    prev = std::move(cur);
    if (alpha >= kAlphaMax) break;
    alpha = std::min(4.0 * alpha, kAlphaMax);
  }
  if (prev.alpha > 0.0) {
    out = std::move(prev);
    return true;
  }
  return false;
}

void set_identity(std::vector<double>& h, size_t n, double scale) {
  h.assign(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) h[i * n + i] = scale;
}

}  // namespace

Result<MinimizeResult> minimize_bfgs(const ObjectiveWithGradient& f, std::vector<double> x0,
                                     const MinimizeOptions& options) {
  const size_t n = x0.size();
  if (n == 0) return invalid_argument("minimize_bfgs: empty starting point");
  if (!f) return invalid_argument("minimize_bfgs: objective has no gradient function");
  for (double v : x0) {
    if (!std::isfinite(v)) return invalid_argument("minimize_bfgs: starting point is not finite");
  }

  MinimizeResult result;
  std::vector<double> g(n, 0.0);
  double fx = f(x0, g);
  result.evaluations = 1;
  if (!std::isfinite(fx) || !std::isfinite(inf_norm(g))) {
    return invalid_argument("minimize_bfgs: objective or gradient is not finite at the start");
  }

  std::vector<double> h;
  bool scaled = false;  // whether h carries curvature information
  if (options.initial_inverse_hessian.size() == n * n) {
    h = options.initial_inverse_hessian;
    scaled = true;
  } else {
    set_identity(h, n, 1.0);
  }

  std::vector<double> x = std::move(x0);
  std::vector<double> p(n), s(n), y(n), hy(n);
  bool just_reset = false;
  const double gtol = options.gradient_tolerance;
  result.message = "iteration limit reached";
  int iter = 0;
  for (; iter < options.max_iterations; ++iter) {
    if (inf_norm(g) <= gtol) {
      result.converged = true;
      result.message = "gradient below tolerance";
      break;
    }
    for (size_t i = 0; i < n; ++i) {
      double v = 0.0;
      for (size_t j = 0; j < n; ++j) v -= h[i * n + j] * g[j];
      p[i] = v;
    }
    double slope = dot(g, p);
    if (!(slope < 0.0)) {  // not a descent direction: restart from steepest descent
      set_identity(h, n, 1.0);
      scaled = false;
      for (size_t i = 0; i < n; ++i) p[i] = -g[i];
      slope = -dot(g, g);
    }
    // Without curvature information, the first trial step moves by at most 1 in every
    // coordinate.
    const double alpha1 = scaled ? 1.0 : std::min(1.0, 1.0 / inf_norm(g));

    LineFunction phi(f, x, p);
    Trial start;
    start.alpha = 0.0;
    start.f = fx;
    start.d = slope;
    Trial next;
    const bool found = strong_wolfe(phi, start, alpha1, next);
    result.evaluations += phi.evaluations;
    if (!found) {
      if (just_reset || !scaled) {
        // Even steepest descent cannot decrease f: we are at the precision limit.
        result.converged = inf_norm(g) <= 1e3 * gtol;
        result.message = "line search could not decrease the objective";
        break;
      }
      set_identity(h, n, 1.0);
      scaled = false;
      just_reset = true;
      continue;
    }
    just_reset = false;

    double step = 0.0;
    for (size_t i = 0; i < n; ++i) {
      s[i] = next.x[i] - x[i];
      y[i] = next.g[i] - g[i];
      step = std::max(step, std::abs(s[i]) / std::max(1.0, std::abs(x[i])));
    }
    x = std::move(next.x);
    g = std::move(next.g);
    fx = next.f;

    const double sy = dot(s, y);
    const double yy = dot(y, y);
    if (sy > 1e-12 * std::sqrt(dot(s, s) * yy)) {
      if (!scaled) {
        set_identity(h, n, sy / yy);  // Nocedal & Wright eq. 6.20
        scaled = true;
      }
      // H+ = (I - rho s y')H(I - rho y s') + rho s s'  (eq. 6.17), expanded.
      const double rho = 1.0 / sy;
      for (size_t i = 0; i < n; ++i) {
        double v = 0.0;
        for (size_t j = 0; j < n; ++j) v += h[i * n + j] * y[j];
        hy[i] = v;
      }
      const double yhy = dot(y, hy);
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < n; ++j) {
          h[i * n + j] +=
              -rho * (s[i] * hy[j] + hy[i] * s[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
      }
    }
    if (step <= options.step_tolerance) {
      ++iter;
      result.converged = inf_norm(g) <= 1e3 * gtol;
      result.message = "step below tolerance";
      break;
    }
  }
  result.iterations = iter;
  result.x = std::move(x);
  result.value = fx;
  result.inverse_hessian = std::move(h);
  return result;
}

Result<MinimizeResult> minimize_nelder_mead(const ObjectiveValue& f, std::vector<double> x0,
                                            const MinimizeOptions& options) {
  const size_t n = x0.size();
  if (n == 0) return invalid_argument("minimize_nelder_mead: empty starting point");
  if (!f) return invalid_argument("minimize_nelder_mead: objective has no value function");
  for (double v : x0) {
    if (!std::isfinite(v)) {
      return invalid_argument("minimize_nelder_mead: starting point is not finite");
    }
  }
  MinimizeResult result;
  auto eval = [&](const std::vector<double>& x) {
    ++result.evaluations;
    return finite_or_inf(f(x));
  };
  if (!std::isfinite(eval(x0))) {
    return invalid_argument("minimize_nelder_mead: objective is not finite at the start");
  }

  std::vector<std::vector<double>> pts(n + 1, x0);
  std::vector<double> vals(n + 1);
  std::vector<size_t> order(n + 1);
  std::vector<double> centroid(n), xr(n), xe(n), xc(n);
  auto point = [&](const std::vector<double>& c, double t, const std::vector<double>& w,
                   std::vector<double>& out) {  // out = c + t (c - w)
    for (size_t i = 0; i < n; ++i) out[i] = c[i] + t * (c[i] - w[i]);
  };

  std::vector<double> best = std::move(x0);
  double best_value = kInf;
  int iter = 0;
  result.message = "evaluation limit reached";
  // Two rounds: the second restarts a fresh simplex at the first round's best point.
  for (int round = 0; round < 2; ++round) {
    pts.assign(n + 1, best);
    for (size_t i = 0; i < n; ++i) pts[i + 1][i] += options.simplex_step;
    for (size_t i = 0; i <= n; ++i) vals[i] = eval(pts[i]);
    bool converged = false;
    while (result.evaluations < options.max_evaluations && iter < options.max_iterations) {
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return vals[a] < vals[b]; });
      const size_t lo = order[0], hi = order[n], second = order[n - 1];
      double size = 0.0;
      for (size_t i = 0; i <= n; ++i) {
        for (size_t k = 0; k < n; ++k) size = std::max(size, std::abs(pts[i][k] - pts[lo][k]));
      }
      const double spread = vals[hi] - vals[lo];
      if (size <= options.simplex_tolerance ||
          spread <= options.value_tolerance * std::max(1.0, std::abs(vals[lo]))) {
        converged = true;
        break;
      }
      ++iter;
      std::fill(centroid.begin(), centroid.end(), 0.0);
      for (size_t i = 0; i <= n; ++i) {
        if (i == hi) continue;
        for (size_t k = 0; k < n; ++k) centroid[k] += pts[i][k] / static_cast<double>(n);
      }
      point(centroid, 1.0, pts[hi], xr);
      const double fr = eval(xr);
      if (fr < vals[lo]) {
        point(centroid, 2.0, pts[hi], xe);
        const double fe = eval(xe);
        if (fe < fr) {
          pts[hi] = xe;
          vals[hi] = fe;
        } else {
          pts[hi] = xr;
          vals[hi] = fr;
        }
        continue;
      }
      if (fr < vals[second]) {
        pts[hi] = xr;
        vals[hi] = fr;
        continue;
      }
      bool shrink = false;
      if (fr < vals[hi]) {  // outside contraction
        point(centroid, 0.5, pts[hi], xc);
        const double fc = eval(xc);
        if (fc <= fr) {
          pts[hi] = xc;
          vals[hi] = fc;
        } else {
          shrink = true;
        }
      } else {  // inside contraction
        point(centroid, -0.5, pts[hi], xc);
        const double fc = eval(xc);
        if (fc < vals[hi]) {
          pts[hi] = xc;
          vals[hi] = fc;
        } else {
          shrink = true;
        }
      }
      if (shrink) {
        for (size_t i = 0; i <= n; ++i) {
          if (i == lo) continue;
          for (size_t k = 0; k < n; ++k) pts[i][k] = pts[lo][k] + 0.5 * (pts[i][k] - pts[lo][k]);
          vals[i] = eval(pts[i]);
        }
      }
    }
    const size_t lo =
        static_cast<size_t>(std::min_element(vals.begin(), vals.end()) - vals.begin());
    if (vals[lo] < best_value) {
      best = pts[lo];
      best_value = vals[lo];
    }
    if (!converged) {
      result.converged = false;
      result.message = "iteration or evaluation limit reached";
      break;
    }
    result.converged = true;
    result.message = "simplex below tolerance";
  }
  result.iterations = iter;
  result.x = std::move(best);
  result.value = best_value;
  return result;
}

Result<MinimizeResult> minimize(const Objective& objective, std::vector<double> x0,
                                const MinimizeOptions& options) {
  if (objective.value_and_gradient) {
    return minimize_bfgs(objective.value_and_gradient, std::move(x0), options);
  }
  return minimize_nelder_mead(objective.value, std::move(x0), options);
}

std::vector<double> numeric_gradient(const ObjectiveValue& f, std::span<const double> x,
                                     double step) {
  std::vector<double> g(x.size());
  std::vector<double> xp(x.begin(), x.end());
  for (size_t i = 0; i < x.size(); ++i) {
    const double h = step * std::max(1.0, std::abs(x[i]));
    xp[i] = x[i] + h;
    const double up = f(xp);
    xp[i] = x[i] - h;
    const double down = f(xp);
    xp[i] = x[i];
    g[i] = (up - down) / (2.0 * h);
  }
  return g;
}

}  // namespace recur::insight
