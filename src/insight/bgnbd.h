#pragma once
// BG/NBD: the beta-geometric / negative binomial distribution model of repeat buying
// (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way: An Alternative to the
// Pareto/NBD Model", Marketing Science 24(2); equation numbers below are the paper's).
//
// While alive, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha)
// (alpha is a rate, in periods); after each purchase they drop out for good with probability
// p ~ Beta(a, b). Time is in the caller's period unit (see rfm_summary.h); alpha scales with it,
// r, a and b do not.
//
// All functions are pure and thread-safe. Predictions expect valid parameters (all > 0) and a
// valid customer (0 <= t_x <= T, t_x = 0 when x = 0) and return NaN otherwise.

#include <cstdint>
#include <span>

#include "core/status.h"
#include "insight/fit_options.h"
#include "insight/rfm_summary.h"

namespace recur::insight {

struct BgnbdParams {
  double r = 0.0;
  double alpha = 0.0;  // periods
  double a = 0.0;
  double b = 0.0;
};

struct BgnbdFit {
  BgnbdParams params;
  double loglik = 0.0;   // at params, summed over members
  double members = 0.0;  // sum of weights
  int iterations = 0;    // optimiser iterations, the warm-start fit included
  bool converged = false;
};

// Log-likelihood of the summary under params: the sum over rows of weight * log L, with L the
// likelihood of eq. 6. When `gradient` is non-empty (size 4) it receives the gradient with
// respect to (log r, log alpha, log a, log b). Errors: invalid summary, gradient of wrong size.
// `threads` as in FitOptions.
Result<double> log_likelihood(const BgnbdParams& params, const RfmSummary& summary,
                              std::span<double> gradient = {}, int threads = 0);

// Maximum-likelihood fit (BFGS over the log-parameters, from r = alpha = a = b = 1).
// Errors: invalid summary; no members (empty, or all weights 0); a non-finite likelihood at the
// start. A fit that stops early, or whose parameters run off towards 0 or infinity (see
// interior_optimum), is returned with converged = false.
Result<BgnbdFit> fit_bgnbd(const RfmSummary& summary, const FitOptions& options = {});

// P(alive | x, t_x, T): the probability that the customer has not dropped out by T
// = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)) (Fader, Hardie & Lee, note
// "Computing P(alive) using the BG/NBD model"). It is 1 when x = 0: in BG/NBD a customer can
// only drop out right after a purchase.
double p_alive(const BgnbdParams& params, const Rfm& customer);

// E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] (eq. 10).
double conditional_expected_purchases(const BgnbdParams& params, const Rfm& customer, double t);

// E[Y(t) | alive at T, x, T]: the same for a customer known to be alive; it depends on x and T
// only. conditional_expected_purchases = p_alive * expected_purchases_if_alive.
double expected_purchases_if_alive(const BgnbdParams& params, std::int32_t x, double T, double t);
// The same at several horizons t[m] (out.size() == t.size()), sharing one series: the cost of
// about one horizon. For expected purchases per month over a CLV horizon.
void expected_purchases_if_alive(const BgnbdParams& params, std::int32_t x, double T,
                                 std::span<const double> t, std::span<double> out);

// E[X(t)]: expected repeat purchases of a new customer in their first t periods (the paper's
// E[X(t)]; eq. 10 with x = t_x = T = 0).
double expected_purchases(const BgnbdParams& params, double t);

// P(at least one purchase in (T, T + t] | x, t_x, T) = p_alive * (1 -
// ((alpha+T)/(alpha+T+t))^(r+x)). Exact: a customer alive at T buys before dropping out.
double probability_of_purchase_within(const BgnbdParams& params, const Rfm& customer, double t);

}  // namespace recur::insight
