#include "insight/gamma_gamma.h"

#include <gtest/gtest.h>

#include <cmath>

#include "insight/cdnow_data.h"
#include "insight/optimizer.h"
#include "insight/simulate.h"

namespace recur::insight {
namespace {

TEST(GammaGamma, TransactionsGiveThePublishedSummary) {
  // Our reading of CDNOW_sample.txt (same-day purchases merged, x = repeat purchase days) must
  // reproduce the paper's (x, t_x, T), or the spend fit below reads different customers.
  const RfmSummary mine = testing::cdnow_summary_from_transactions(testing::load_cdnow_sample());
  const RfmSummary paper = testing::load_cdnow_summary();
  ASSERT_EQ(mine.size(), 2357u);
  ASSERT_EQ(paper.size(), 2357u);
  for (std::size_t i = 0; i < mine.size(); ++i) {
    ASSERT_EQ(mine.x[i], paper.x[i]) << "customer " << i + 1;
    ASSERT_NEAR(mine.t_x[i], paper.t_x[i], 0.005) << "customer " << i + 1;
    ASSERT_NEAR(mine.T[i], paper.T[i], 0.005) << "customer " << i + 1;
  }
}

TEST(GammaGamma, ReproducesPublishedCdnowEstimates) {
  // Fader, Hardie & Lee (2005, RFM and CLV) and note 025: p = 6.25, q = 3.74, gamma = 15.44 on
  // the 946 repeat customers. These values come out only with the paper's convention: one
  // transaction per purchase day (same-day purchases summed) and m_x the mean of the repeat
  // transactions, the first excluded. Including the first purchase gives p = 14.34, q = 3.95,
  // gamma = 7.29; not merging same-day purchases gives p = 6.20, q = 3.82, gamma = 15.59.
  const RfmSummary s = testing::cdnow_summary_from_transactions(testing::load_cdnow_sample());
  auto fit = fit_gamma_gamma(s);
  ASSERT_TRUE(fit.ok()) << fit.status().to_string();
  EXPECT_TRUE(fit->converged);
  EXPECT_DOUBLE_EQ(fit->members, 946);
  EXPECT_NEAR(fit->params.p, 6.25, 0.01);
  EXPECT_NEAR(fit->params.q, 3.74, 0.01);
  EXPECT_NEAR(fit->params.gamma, 15.44, 0.01);
  // Compressing identical rows changes nothing.
  auto compressed = fit_gamma_gamma(compress(s));
  ASSERT_TRUE(compressed.ok());
  EXPECT_NEAR(compressed->params.p, fit->params.p, 1e-6);
  EXPECT_NEAR(compressed->loglik, fit->loglik, 1e-8);
}

TEST(GammaGamma, AnalyticGradientMatchesFiniteDifferences) {
  const RfmSummary s = testing::cdnow_summary_from_transactions(testing::load_cdnow_sample());
  const GammaGammaParams points[] = {{6.25, 3.74, 15.44}, {1, 1, 1}, {0.3, 12, 200}};
  for (const GammaGammaParams& at : points) {
    double grad[3];
    ASSERT_TRUE(log_likelihood(at, s, grad).ok());
    auto f = [&](std::span<const double> v) {
      return log_likelihood(GammaGammaParams{std::exp(v[0]), std::exp(v[1]), std::exp(v[2])}, s)
          .value();
    };
    const std::vector<double> v = {std::log(at.p), std::log(at.q), std::log(at.gamma)};
    // The likelihood sums large lgamma terms; a 1e-5 step balances rounding and truncation.
    const auto numeric = numeric_gradient(f, v, 1e-5);
    for (int k = 0; k < 3; ++k) {
      EXPECT_NEAR(grad[k], numeric[static_cast<std::size_t>(k)],
                  1e-5 * std::max(1.0, std::abs(grad[k])))
          << "param " << k << " at p=" << at.p;
    }
  }
}

TEST(GammaGamma, RecoversSimulatedParameters) {
  const GammaGammaParams truth{4.0, 5.0, 30.0};
  RfmSummary s;
  Rng rng(3);
  for (int i = 0; i < 30000; ++i) {
    s.add(Rfm{1 + static_cast<std::int32_t>(rng.uniform() * 8), 1.0, 2.0});
  }
  simulate_spend(truth, s, 4);
  auto fit = fit_gamma_gamma(s);
  ASSERT_TRUE(fit.ok());
  EXPECT_TRUE(fit->converged);
  EXPECT_NEAR(fit->params.p, truth.p, 0.15);
  EXPECT_NEAR(fit->params.q, truth.q, 0.25);
  EXPECT_NEAR(fit->params.gamma, truth.gamma, 3.0);
}

TEST(GammaGamma, ConditionalSpendShrinksTowardThePopulationMean) {
  const GammaGammaParams g{6.25, 3.74, 15.44};
  const double population = 6.25 * 15.44 / 2.74;
  EXPECT_NEAR(expected_spend(g), population, 1e-12);
  EXPECT_NEAR(conditional_expected_spend(g, 0, 1000.0), population, 1e-12);  // m_x ignored
  // (gamma + x m_x) p / (p x + q - 1), by hand for x = 2, m_x = 22.35.
  EXPECT_NEAR(conditional_expected_spend(g, 2, 22.35), (15.44 + 2 * 22.35) * 6.25 / (12.5 + 2.74),
              1e-12);
  // Between m_x and the population mean, approaching m_x as x grows.
  double previous_gap = 1e9;
  for (int x : {1, 2, 5, 20, 100, 10000}) {
    const double e = conditional_expected_spend(g, x, 100.0);
    EXPECT_GT(e, population);
    EXPECT_LT(e, 100.0);
    EXPECT_LT(100.0 - e, previous_gap);
    previous_gap = 100.0 - e;
  }
  EXPECT_LT(previous_gap, 0.01);
  EXPECT_TRUE(std::isinf(expected_spend(GammaGammaParams{1, 0.9, 1})));
  EXPECT_TRUE(std::isnan(conditional_expected_spend(GammaGammaParams{-1, 2, 1}, 2, 3)));
}

TEST(GammaGamma, RejectsSummariesWithoutSpend) {
  RfmSummary none;
  none.add_with_spend(Rfm{0, 0, 5}, 0.0);
  auto r = fit_gamma_gamma(none);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no repeat customers"), std::string::npos);
  RfmSummary no_column;
  no_column.add(Rfm{2, 1, 5});
  EXPECT_FALSE(fit_gamma_gamma(no_column).ok());
  RfmSummary bad;
  bad.add_with_spend(Rfm{2, 1, 5}, 10.0);
  bad.add_with_spend(Rfm{2, 1, 5}, -3.0);
  r = fit_gamma_gamma(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("row 1"), std::string::npos);
}

}  // namespace
}  // namespace recur::insight
