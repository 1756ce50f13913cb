#pragma once
// Pareto/NBD (Schmittlein, Morrison & Colombo 1987, "Counting Your Customers: Who Are They and
// What Will They Do Next?"), in the form of Fader & Hardie's 2005 note "A Note on Deriving the
// Pareto/NBD Model and Related Expressions" (note 009), whose likelihood, P(alive) and
// conditional expectation are implemented here.
//
// While alive, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); their
// lifetime is exponential with rate mu ~ Gamma(s, beta), independent of purchases (unlike
// BG/NBD, a customer can drop out without buying). alpha and beta are rates in periods.
//
// The fit uses Nelder-Mead: the likelihood involves 2F1 with parameter-dependent arguments
// whose derivatives have no convenient closed form. It is the second model (BG/NBD is the
// product's default); expect it to be ~100x slower to fit than BG/NBD.
//
// All functions are pure and thread-safe; predictions return NaN for invalid input.

#include <span>

#include "core/status.h"
#include "insight/fit_options.h"
#include "insight/rfm_summary.h"

namespace recur::insight {

struct ParetoNbdParams {
  double r = 0.0;
  double alpha = 0.0;  // periods
  double s = 0.0;
  double beta = 0.0;  // periods
};

struct ParetoNbdFit {
  ParetoNbdParams params;
  double loglik = 0.0;
  double members = 0.0;
  int iterations = 0;
  bool converged = false;
};

// Sum over rows of weight * log L(r, alpha, s, beta | x, t_x, T) (note 009, the likelihood with
// the A0 term in its two cases alpha >= beta and alpha < beta).
Result<double> log_likelihood(const ParetoNbdParams& params, const RfmSummary& summary);

// Maximum-likelihood fit over the log-parameters from r = alpha = s = beta = 1, on the
// compressed summary. Errors: invalid summary, no members. converged as for fit_bgnbd.
Result<ParetoNbdFit> fit_pareto_nbd(const RfmSummary& summary, const FitOptions& options = {});

// P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0).
double p_alive(const ParetoNbdParams& params, const Rfm& customer);

// E[Y(t) | x, t_x, T] = (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]
//                       * P(alive), with its limit at s = 1.
double conditional_expected_purchases(const ParetoNbdParams& params, const Rfm& customer, double t);

// E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]: a new customer's expected
// repeat purchases in their first t periods.
double expected_purchases(const ParetoNbdParams& params, double t);

}  // namespace recur::insight
