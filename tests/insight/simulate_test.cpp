#include "insight/simulate.h"

#include <gtest/gtest.h>

#include <cmath>

namespace recur::insight {
namespace {

TEST(Rng, IsDeterministicAndUniform) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 10; ++i) {
    const auto va = a.next();
    EXPECT_EQ(va, b.next());
    EXPECT_NE(va, c.next());
  }
  double sum = 0, sum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = a.uniform();
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum2 += u * u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.003);
  EXPECT_NEAR(sum2 / n - 0.25, 1.0 / 12, 0.002);
}

// Sample mean and variance of n draws.
template <typename Draw>
std::pair<double, double> moments(Draw draw, int n) {
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double v = draw();
    sum += v;
    sum2 += v * v;
  }
  const double mean = sum / n;
  return {mean, sum2 / n - mean * mean};
}

TEST(Rng, GammaAndBetaHaveTheRightMoments) {
  Rng rng(7);
  const int n = 200000;
  for (double shape : {0.05, 0.243, 1.0, 3.7, 40.0}) {
    const double rate = 2.5;
    const auto [mean, var] = moments([&] { return rng.gamma(shape, rate); }, n);
    const double want_mean = shape / rate, want_var = shape / (rate * rate);
    EXPECT_NEAR(mean, want_mean, 5 * std::sqrt(want_var / n)) << shape;
    EXPECT_NEAR(var, want_var, 0.05 * want_var) << shape;
  }
  for (const auto& shapes : {std::pair{0.793, 2.426}, std::pair{0.1, 0.2}, std::pair{5.0, 1.0}}) {
    const double a = shapes.first, b = shapes.second;
    const auto [mean, var] = moments([&] { return rng.beta(a, b); }, n);
    const double want_mean = a / (a + b), want_var = a * b / ((a + b) * (a + b) * (a + b + 1));
    EXPECT_NEAR(mean, want_mean, 5 * std::sqrt(want_var / n)) << a << " " << b;
    EXPECT_NEAR(var, want_var, 0.03 * want_var) << a << " " << b;
  }
  const auto [mean, var] = moments([&] { return rng.normal(); }, n);
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(var, 1.0, 0.01);
}

TEST(SimulateBgnbd, MatchesTheModelsExpectations) {
  // The mean number of repeat purchases by age T is E[X(T)]: simulated against the closed form.
  const BgnbdParams p{0.243, 4.414, 0.793, 2.426};
  const std::vector<double> ages(100000, 39.0);
  const RfmSummary s = simulate_bgnbd(p, ages, 1);
  ASSERT_TRUE(s.validate_recency().ok());
  double total = 0;
  for (std::int32_t x : s.x) total += x;
  EXPECT_NEAR(total / 1e5, expected_purchases(p, 39.0), 0.02);
  // Day resolution rounds recency down onto the grid.
  const RfmSummary d = simulate_bgnbd(p, std::vector<double>(1000, 52.0), 2, 1.0 / 7);
  for (std::size_t i = 0; i < d.size(); ++i) {
    const double days = d.t_x[i] * 7;
    EXPECT_NEAR(days, std::round(days), 1e-9);
  }
}

TEST(SimulateSpend, MeanValueFollowsTheModel) {
  // E[m_x] = p gamma / (q - 1) whatever x.
  const GammaGammaParams g{6.0, 4.0, 15.0};
  RfmSummary s;
  for (int i = 0; i < 100000; ++i) s.add(Rfm{1 + i % 5, 1, 2});
  s.add(Rfm{0, 0, 2});
  simulate_spend(g, s, 9);
  ASSERT_TRUE(s.validate_spend().ok());
  double total = 0;
  for (std::size_t i = 0; i + 1 < s.size(); ++i) total += s.m_x[i];
  EXPECT_NEAR(total / 1e5, expected_spend(g), 0.02 * expected_spend(g));
  EXPECT_EQ(s.m_x.back(), 0.0);
}

}  // namespace
}  // namespace recur::insight
