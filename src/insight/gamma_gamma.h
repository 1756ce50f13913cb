#pragma once
// Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: Using
// Iso-Value Curves for Customer Base Analysis", JMR 42(4), section "Spend"; Fader & Hardie 2013,
// note 025 "The Gamma-Gamma Model of Monetary Value").
//
// A customer's transaction values are i.i.d. Gamma(p, nu) (nu a rate), nu ~ Gamma(q, gamma)
// across customers (gamma a rate, in money units). Only the number of repeat transactions x >= 1
// and their mean m_x enter; spend is assumed independent of the purchase process, which is what
// lets CLV multiply BG/NBD expectations by E[M]. Money is in whatever unit the caller chose
// (yuan, dollars); gamma scales with it, p and q do not.
//
// Convention: m_x is the mean value of the repeat transactions, the first purchase excluded,
// with a customer's purchases on one day summed into one transaction. This is the convention of
// the paper and of lifetimes' summary_data_from_transaction_data, and the one with which the
// published CDNOW estimates (p = 6.25, q = 3.74, gamma = 15.44) are reproduced (see
// tests/insight/gamma_gamma_test.cpp).
//
// All functions are pure and thread-safe.

#include <cstdint>
#include <span>

#include "core/status.h"
#include "insight/fit_options.h"
#include "insight/rfm_summary.h"

namespace recur::insight {

struct GammaGammaParams {
  double p = 0.0;
  double q = 0.0;
  double gamma = 0.0;  // money units
};

struct GammaGammaFit {
  GammaGammaParams params;
  double loglik = 0.0;
  double members = 0.0;  // weight of the repeat customers (x >= 1) the fit used
  int iterations = 0;
  bool converged = false;
};

// Sum over rows with x >= 1 of weight * log f(m_x | p, q, gamma; x), where (note 025)
//   f = Gamma(px+q) / (Gamma(px) Gamma(q)) * gamma^q m_x^(px-1) x^(px) / (gamma + x m_x)^(px+q).
// Rows with x = 0 carry no spend information and are skipped. When `gradient` is non-empty
// (size 3) it receives the gradient with respect to (log p, log q, log gamma).
// Errors: the summary fails validate_spend(); gradient of the wrong size.
Result<double> log_likelihood(const GammaGammaParams& params, const RfmSummary& summary,
                              std::span<double> gradient = {});

// Maximum-likelihood fit (BFGS over the log-parameters from p = q = gamma = 1) on the rows with
// x >= 1. Errors: invalid summary; no repeat customers. converged as for fit_bgnbd.
Result<GammaGammaFit> fit_gamma_gamma(const RfmSummary& summary, const FitOptions& options = {});

// E[M | x, m_x] = (gamma + x m_x) p / (p x + q - 1): the posterior mean of a customer's expected
// transaction value, a weighted average of the population mean p gamma / (q-1) and m_x. For
// x = 0 it is the population mean (m_x is ignored). NaN when p x + q <= 1.
double conditional_expected_spend(const GammaGammaParams& params, std::int32_t x, double m_x);

// The population mean transaction value p gamma / (q - 1); +infinity when q <= 1.
double expected_spend(const GammaGammaParams& params);

}  // namespace recur::insight
