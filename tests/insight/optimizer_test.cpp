#include "insight/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace recur::insight {
namespace {

double rosenbrock(std::span<const double> v, std::span<double> g) {
  const double x = v[0], y = v[1];
  if (!g.empty()) {
    g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
    g[1] = 200 * (y - x * x);
  }
  return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
}

double rosenbrock_value(std::span<const double> v) {
  return rosenbrock(v, {});
}

TEST(Bfgs, SolvesRosenbrock) {
  auto r = minimize_bfgs(rosenbrock, {-1.2, 1.0});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(r->converged) << r->message;
  EXPECT_NEAR(r->x[0], 1.0, 1e-7);
  EXPECT_NEAR(r->x[1], 1.0, 1e-7);
  EXPECT_LT(r->value, 1e-14);
  EXPECT_LT(r->iterations, 100);
  // The inverse-Hessian approximation is returned and near the true inverse at the optimum:
  // H^-1 of Rosenbrock at (1,1) is [[0.5, 1], [1, 2.005]].
  ASSERT_EQ(r->inverse_hessian.size(), 4u);
  EXPECT_NEAR(r->inverse_hessian[0], 0.5, 0.05);
  EXPECT_NEAR(r->inverse_hessian[3], 2.005, 0.2);
}

TEST(Bfgs, SolvesAnIllConditionedQuadraticExactly) {
  // f = sum_i 10^i (x_i - i)^2.
  auto f = [](std::span<const double> v, std::span<double> g) {
    double s = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const double w = std::pow(10.0, static_cast<double>(i));
      s += w * (v[i] - i) * (v[i] - i);
      g[i] = 2 * w * (v[i] - i);
    }
    return s;
  };
  auto r = minimize_bfgs(f, std::vector<double>(5, 3.0));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->converged);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_NEAR(r->x[i], static_cast<double>(i), 1e-8);
}

TEST(Bfgs, StepsBackFromWhereTheObjectiveIsUndefined) {
  // f = x - log x, defined for x > 0 only, minimum at 1. The first trial steps overshoot into
  // x <= 0, where f is NaN.
  auto f = [](std::span<const double> v, std::span<double> g) {
    g[0] = 1 - 1 / v[0];
    return v[0] - std::log(v[0]);
  };
  auto r = minimize_bfgs(f, {0.01});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->converged) << r->message;
  EXPECT_NEAR(r->x[0], 1.0, 1e-8);
}

TEST(Bfgs, ReportsTheIterationLimit) {
  MinimizeOptions o;
  o.max_iterations = 3;
  auto r = minimize_bfgs(rosenbrock, {-1.2, 1.0}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->converged);
  EXPECT_EQ(r->iterations, 3);
}

TEST(Bfgs, RejectsBadStarts) {
  EXPECT_FALSE(minimize_bfgs(rosenbrock, {}).ok());
  EXPECT_FALSE(minimize_bfgs(rosenbrock, {std::numeric_limits<double>::quiet_NaN(), 1}).ok());
  auto undefined = [](std::span<const double> v, std::span<double> g) {
    g[0] = 1;
    return std::log(v[0]);
  };
  EXPECT_FALSE(minimize_bfgs(undefined, {-1.0}).ok());
}

TEST(NelderMead, SolvesRosenbrock) {
  MinimizeOptions o;
  o.simplex_tolerance = 1e-10;
  auto r = minimize_nelder_mead(rosenbrock_value, {-1.2, 1.0}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->converged) << r->message;
  EXPECT_NEAR(r->x[0], 1.0, 1e-6);
  EXPECT_NEAR(r->x[1], 1.0, 1e-6);
  EXPECT_TRUE(r->inverse_hessian.empty());
}

TEST(NelderMead, ReportsTheEvaluationLimit) {
  MinimizeOptions o;
  o.max_evaluations = 20;
  auto r = minimize_nelder_mead(rosenbrock_value, {-1.2, 1.0}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->converged);
  EXPECT_LE(r->evaluations, 25);
}

TEST(Minimize, UsesBfgsWithAGradientAndNelderMeadWithout) {
  Objective with{rosenbrock_value, rosenbrock};
  auto a = minimize(with, {-1.2, 1.0});
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->inverse_hessian.empty());  // BFGS
  Objective without{rosenbrock_value, {}};
  auto b = minimize(without, {-1.2, 1.0});
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->inverse_hessian.empty());  // Nelder-Mead
  EXPECT_NEAR(b->x[0], 1.0, 1e-4);
  EXPECT_FALSE(minimize(Objective{}, {1.0}).ok());
}

TEST(NumericGradient, MatchesAnalytic) {
  const std::vector<double> at = {-0.7, 2.1};
  std::vector<double> g(2);
  rosenbrock(at, g);
  const auto n = numeric_gradient(rosenbrock_value, at);
  EXPECT_NEAR(n[0], g[0], 1e-5 * std::abs(g[0]));
  EXPECT_NEAR(n[1], g[1], 1e-5 * std::abs(g[1]));
}

}  // namespace
}  // namespace recur::insight
