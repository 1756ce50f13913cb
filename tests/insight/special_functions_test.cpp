#include "insight/special_functions.h"

#include <gtest/gtest.h>

#include <cmath>

namespace recur::insight {
namespace {

// Relative error, for values of any magnitude.
double rel(double got, double want) {
  return std::abs(got - want) / std::abs(want);
}

TEST(Hyp2f1, MatchesLogarithmIncludingNearOne) {
  // 2F1(1,1;2;z) = -log(1-z)/z; c-a-b = 0, so z > 0.75 exercises the degenerate connection.
  for (double z : {0.3, 0.75, 0.8, 0.9, 0.99, 0.999999}) {
    EXPECT_LT(rel(hyp2f1(1, 1, 2, z), -std::log1p(-z) / z), 1e-10) << z;
  }
  // Negative z goes through Pfaff's transformation.
  for (double z : {-0.5, -3.0, -10.0, -1e4}) {
    EXPECT_LT(rel(hyp2f1(1, 1, 2, z), std::log1p(-z) / -z), 1e-10) << z;
  }
}

TEST(Hyp2f1, MatchesBinomialPower) {
  // 2F1(a,b;b;z) = (1-z)^-a.
  for (double z : {0.2, 0.5, 0.8, 0.95, 0.9999, -3.0}) {
    EXPECT_LT(rel(hyp2f1(0.7, 2.3, 2.3, z), std::pow(1 - z, -0.7)), 1e-12) << z;
  }
}

TEST(Hyp2f1, MatchesInverseTrigonometricFunctions) {
  // 2F1(1/2,1/2;3/2;z^2) = asin(z)/z; 2F1(1/2,1;3/2;z^2) = atanh(z)/z;
  // 2F1(1/2,1;3/2;-z^2) = atan(z)/z.
  for (double z : {0.5, 0.9, 0.95, 0.999}) {
    EXPECT_LT(rel(hyp2f1(0.5, 0.5, 1.5, z * z), std::asin(z) / z), 1e-12) << z;
    EXPECT_LT(rel(hyp2f1(0.5, 1.0, 1.5, z * z), std::atanh(z) / z), 1e-10) << z;
  }
  for (double z : {0.5, 3.0, 30.0}) {
    EXPECT_LT(rel(hyp2f1(0.5, 1.0, 1.5, -z * z), std::atan(z) / z), 1e-12) << z;
  }
}

TEST(Hyp2f1, HandlesPositiveIntegerGap) {
  // 2F1(1,1;3;z) = 2[(L + z)/z^2 - L/z], L = log(1-z); c-a-b = 1.
  for (double z : {0.5, 0.8, 0.97}) {
    const double L = std::log1p(-z);
    EXPECT_LT(rel(hyp2f1(1, 1, 3, z), 2 * ((L + z) / (z * z) - L / z)), 1e-10) << z;
  }
}

TEST(Hyp2f1, ConnectionFormulaAgreesWithSeries) {
  // BG/NBD-like arguments on both sides of the switch at z = 0.75, where the slow series still
  // converges.
  const double cases[][3] = {{2.243, 5.426, 4.219}, {1.976, -0.207, 3.219}, {0.8, 3.1, 2.2}};
  for (const auto& c : cases) {
    for (double z : {0.76, 0.85, 0.93}) {
      EXPECT_LT(rel(hyp2f1(c[0], c[1], c[2], z), hyp2f1_series(c[0], c[1], c[2], z)), 1e-11)
          << c[0] << " " << c[1] << " " << c[2] << " " << z;
    }
  }
  // c-a-b a hair off an integer: the interpolated value stays continuous.
  EXPECT_LT(rel(hyp2f1(1, 1, 2 + 1e-7, 0.9), hyp2f1_series(1, 1, 2 + 1e-7, 0.9)), 1e-10);
  EXPECT_LT(rel(hyp2f1(1, 1, 2 + 2e-4, 0.9), hyp2f1_series(1, 1, 2 + 2e-4, 0.9)), 1e-10);
}

TEST(Hyp2f1, GaussSumAtOneAndPolynomials) {
  const double want = std::tgamma(2) * std::tgamma(1.25) / (std::tgamma(1.5) * std::tgamma(1.75));
  EXPECT_LT(rel(hyp2f1(0.5, 0.25, 2, 1.0), want), 1e-12);
  EXPECT_TRUE(std::isnan(hyp2f1(1, 1, 2, 1.0)));  // diverges
  // 2F1(-2,1;1;z) = (1-z)^2, a terminating series, exact for any z.
  EXPECT_NEAR(hyp2f1(-2, 1, 1, 0.99), 1e-4, 1e-16);
  EXPECT_NEAR(hyp2f1(-2, 1, 1, -4.0), 25.0, 1e-12);
  EXPECT_TRUE(std::isnan(hyp2f1(1, 1, -2, 0.5)));  // c a non-positive integer
  EXPECT_TRUE(std::isnan(hyp2f1(1, 1, 2, 1.5)));
  EXPECT_DOUBLE_EQ(hyp2f1(3, 4, 5, 0.0), 1.0);
}

TEST(Digamma, KnownValuesAndRecurrence) {
  constexpr double kEuler = 0.57721566490153286;
  EXPECT_NEAR(digamma(1.0), -kEuler, 1e-15);
  EXPECT_NEAR(digamma(0.5), -kEuler - 2 * std::log(2.0), 1e-14);
  EXPECT_NEAR(digamma(10.0), 2.2517525890667211, 1e-14);
  for (double x : {0.013, 0.7, 3.3, 47.5, 1e6}) {
    EXPECT_NEAR(digamma(x + 1), digamma(x) + 1 / x, 1e-12 * std::max(1.0, std::abs(digamma(x))))
        << x;
  }
  // Derivative of lgamma by central differences.
  for (double x : {0.3, 2.5, 80.0}) {
    const double h = 1e-5 * x;
    EXPECT_NEAR(digamma(x), (std::lgamma(x + h) - std::lgamma(x - h)) / (2 * h), 1e-7) << x;
  }
  EXPECT_TRUE(std::isnan(digamma(0.0)));
  EXPECT_TRUE(std::isnan(digamma(-1.5)));
}

TEST(LogAbsGamma, SignsAndPoles) {
  int sign = 0;
  EXPECT_NEAR(log_abs_gamma(5.0, &sign), std::log(24.0), 1e-14);
  EXPECT_EQ(sign, 1);
  EXPECT_NEAR(log_abs_gamma(-0.5, &sign), std::log(2 * std::sqrt(M_PI)), 1e-14);
  EXPECT_EQ(sign, -1);  // Gamma(-0.5) = -2 sqrt(pi)
  log_abs_gamma(-1.5, &sign);
  EXPECT_EQ(sign, 1);
  EXPECT_TRUE(std::isinf(log_abs_gamma(-3.0, &sign)));
  EXPECT_EQ(sign, 0);
}

}  // namespace
}  // namespace recur::insight
