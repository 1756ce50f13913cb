#include "insight/special_functions.h"

#include <math.h>  // lgamma_r (POSIX), the reentrant lgamma

#include <cmath>
#include <limits>

namespace recur::insight {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxSeriesTerms = 200000;
// Beyond this |z| the series converges too slowly; hyp2f1 transforms instead.
constexpr double kSeriesLimit = 0.75;
// Distance of c-a-b from an integer below which the connection formula is interpolated.
constexpr double kDegenerateGap = 1e-4;

bool is_nonpositive_integer(double v) {
  return v <= 0 && v == std::floor(v);
}

// The connection formula for 0 < w = 1-z <= 1 - kSeriesLimit, assuming c-a-b is not an integer.
// A&S 15.3.6:
//   F(a,b;c;z) = G(c)G(m)/(G(c-a)G(c-b)) F(a,b;1-m;w) + w^m G(c)G(-m)/(G(a)G(b)) F(c-a,c-b;1+m;w),
// with m = c-a-b and G = Gamma. A pole of a Gamma in a denominator makes its term vanish.
double connection(double a, double b, double c, double z) {
  const double w = 1.0 - z;
  const double m = c - a - b;
  int s_c = 0;
  const double lg_c = log_abs_gamma(c, &s_c);

  double first = 0.0;
  {
    int s_m = 0, s_ca = 0, s_cb = 0;
    const double lg_m = log_abs_gamma(m, &s_m);
    const double lg_ca = log_abs_gamma(c - a, &s_ca);
    const double lg_cb = log_abs_gamma(c - b, &s_cb);
    if (s_ca != 0 && s_cb != 0) {
      const double coef = s_c * s_m * s_ca * s_cb * std::exp(lg_c + lg_m - lg_ca - lg_cb);
      first = coef * hyp2f1_series(a, b, 1.0 - m, w);
    }
  }
  double second = 0.0;
  {
    int s_nm = 0, s_a = 0, s_b = 0;
    const double lg_nm = log_abs_gamma(-m, &s_nm);
    const double lg_a = log_abs_gamma(a, &s_a);
    const double lg_b = log_abs_gamma(b, &s_b);
    if (s_a != 0 && s_b != 0) {
      const double coef =
          s_c * s_nm * s_a * s_b * std::exp(lg_c + lg_nm - lg_a - lg_b + m * std::log(w));
      second = coef * hyp2f1_series(c - a, c - b, 1.0 + m, w);
    }
  }
  return first + second;
}

}  // namespace

double log_abs_gamma(double x, int* sign) {
  if (is_nonpositive_integer(x)) {
    *sign = 0;
    return std::numeric_limits<double>::infinity();
  }
  int s = 1;
  const double v = ::lgamma_r(x, &s);
  *sign = s < 0 ? -1 : 1;
  return v;
}

double hyp2f1_series(double a, double b, double c, double z) {
  if (is_nonpositive_integer(c)) return kNaN;
  double sum = 1.0;
  double term = 1.0;
  const double az = std::abs(z);
  for (int n = 0; n < kMaxSeriesTerms; ++n) {
    term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
    sum += term;
    if (term == 0.0) return sum;  // terminating series
    // Bound the tail by a geometric series whose ratio is the larger of the next ratio and its
    // limit |z|.
    const double next = std::abs((a + n + 1) * (b + n + 1) / ((c + n + 1) * (n + 2.0)) * z);
    const double q = std::max(next, az);
    if (q < 1.0 && std::abs(term) * q <= 1e-17 * (1.0 - q) * std::abs(sum)) return sum;
  }
  return kNaN;
}

double hyp2f1(double a, double b, double c, double z) {
  if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(c) || !std::isfinite(z)) {
    return kNaN;
  }
  if (is_nonpositive_integer(c) || z > 1.0) return kNaN;
  if (z == 0.0 || a == 0.0 || b == 0.0) return 1.0;
  if (z == 1.0) {
    const double m = c - a - b;
    if (m <= 0.0) return kNaN;
    int s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    const double v = log_abs_gamma(c, &s1) + log_abs_gamma(m, &s2) - log_abs_gamma(c - a, &s3) -
                     log_abs_gamma(c - b, &s4);
    if (s3 == 0 || s4 == 0) return 0.0;
    return s1 * s2 * s3 * s4 * std::exp(v);
  }
  if (is_nonpositive_integer(a) || is_nonpositive_integer(b)) {
    return hyp2f1_series(a, b, c, z);  // a polynomial in z
  }
  if (z < 0.0) {
    // Pfaff: F(a,b;c;z) = (1-z)^-a F(a, c-b; c; z/(z-1)); keep a terminating parameter if any.
    const double zt = z / (z - 1.0);
    if (is_nonpositive_integer(c - a)) {
      return std::pow(1.0 - z, -b) * hyp2f1(c - a, b, c, zt);
    }
    return std::pow(1.0 - z, -a) * hyp2f1(a, c - b, c, zt);
  }
  if (z <= kSeriesLimit) return hyp2f1_series(a, b, c, z);

  const double m = c - a - b;
  const double gap = m - std::round(m);
  if (std::abs(gap) >= kDegenerateGap) return connection(a, b, c, z);
  // c-a-b is (nearly) an integer: the two terms of the connection formula have poles that
  // cancel. F is analytic in c, so interpolate it with a cubic through c-a-b = k -2h, -h, +h,
  // +2h (k the integer, h = kDegenerateGap): error ~1e-16 from the cubic, ~1e-12 from rounding.
  const double h = kDegenerateGap;
  const double nodes[4] = {-2 * h, -h, h, 2 * h};
  double result = 0.0;
  for (int i = 0; i < 4; ++i) {
    const double ci = c - gap + nodes[i];
    if (is_nonpositive_integer(ci)) return kNaN;
    double basis = 1.0;
    for (int j = 0; j < 4; ++j) {
      if (j != i) basis *= (gap - nodes[j]) / (nodes[i] - nodes[j]);
    }
    result += basis * connection(a, b, ci, z);
  }
  return result;
}

double digamma(double x) {
  if (x == std::numeric_limits<double>::infinity()) return x;
  if (!(x > 0.0)) return kNaN;  // also NaN input
  double result = 0.0;
  while (x < 10.0) {  // psi(x) = psi(x+1) - 1/x
    result -= 1.0 / x;
    x += 1.0;
  }
  // Asymptotic expansion with Bernoulli numbers; the first omitted term is < 1e-16 for x >= 10.
  const double f = 1.0 / (x * x);
  const double tail =
      f * (1.0 / 12 - f * (1.0 / 120 -
                           f * (1.0 / 252 -
                                f * (1.0 / 240 - f * (1.0 / 132 - f * (691.0 / 32760 - f / 12))))));
  return result + std::log(x) - 0.5 / x - tail;
}

}  // namespace recur::insight
