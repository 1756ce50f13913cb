#pragma once
// Customer lifetime value and next-purchase prediction from a fitted BG/NBD purchase model and a
// Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves";
// the monthly discrete form is the one of lifetimes' customer_lifetime_value).
//
// CLV over H months, in the money unit of the spend model:
//   CLV = margin * E[M | x, m_x] * sum_{m=1..H} (E[Y(m k)] - E[Y((m-1) k)]) / (1 + d)^m,
// where E[Y(t)] is the BG/NBD conditional expectation (eq. 10) at t periods after T, k the
// number of model periods per month and d the monthly discount rate. Purchases in month m are
// discounted as if they fell at its end.
//
// All functions are pure and thread-safe.

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "insight/bgnbd.h"
#include "insight/gamma_gamma.h"
#include "insight/rfm_summary.h"

namespace recur::insight {

struct ClvOptions {
  int horizon_months = 12;
  // Model periods per month: 30 for a model fitted in days with 30-day months (lifetimes'
  // convention, the default), 30/7 for weeks, 365.25/12 for calendar days.
  double periods_per_month = 30.0;
  double monthly_discount_rate = 0.01;
  // Share of the spend that is profit; 1 gives revenue CLV.
  double margin = 1.0;
  int threads = 0;  // as in FitOptions
};

// Per-row scores, each vector as long as the summary.
struct ClvScores {
  std::vector<double> p_alive;
  std::vector<double> expected_purchases;  // in the horizon, undiscounted
  std::vector<double> expected_spend;      // per transaction, E[M | x, m_x]
  std::vector<double> clv;                 // discounted margin over the horizon
};

// Scores every row of the summary, which must carry m_x (ignored where x = 0; those customers
// get the population mean spend). Customers sharing (x, T) share the costly part (the 2F1
// series), so day-level data scores much faster than continuous times.
// Errors: invalid summary or parameters; horizon_months < 1; periods_per_month <= 0; a
// discount rate <= -1; q <= 1 (the population mean spend is infinite) when a row has x = 0.
Result<ClvScores> score_clv(const BgnbdParams& purchases, const GammaGammaParams& spend,
                            const RfmSummary& summary, const ClvOptions& options = {});

// One customer's CLV; the same value score_clv gives. NaN for invalid input.
double customer_lifetime_value(const BgnbdParams& purchases, const GammaGammaParams& spend,
                               const Rfm& customer, double m_x, const ClvOptions& options = {});

// When the next purchase is due, in periods from the end of observation T (not from the last
// purchase). Under BG/NBD a customer alive at T buys at the Poisson rate lambda, whose
// posterior is Gamma(r+x, alpha+T), so P(a purchase in (T, T+t] | alive) = 1 - ((alpha+T) /
// (alpha+T+t))^(r+x), exactly.
struct NextPurchase {
  double p_alive = 0.0;
  // 1 / E[lambda | x, T] = (alpha+T)/(r+x): the customer's typical gap between purchases while
  // alive. Simple and always finite; ignores that the customer may have dropped out.
  double expected_gap_if_alive = 0.0;
  // The median wait if alive: (alpha+T)(2^(1/(r+x)) - 1).
  double median_wait_if_alive = 0.0;
  // The median wait counting dropout: the t with P(a purchase in (T, T+t]) = 1/2, i.e.
  // (alpha+T)((1 - 1/(2 p_alive))^(-1/(r+x)) - 1); +infinity when p_alive <= 1/2 (the
  // customer more likely never buys again). This is the date the product shows.
  double median_wait = 0.0;
};

NextPurchase predict_next_purchase(const BgnbdParams& params, const Rfm& customer);

}  // namespace recur::insight
