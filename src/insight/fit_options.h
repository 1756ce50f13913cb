#pragma once
// Options shared by the maximum-likelihood fits of the customer-base models.

#include <cmath>
#include <span>

namespace recur::insight {

struct FitOptions {
  // Optimiser iterations (BFGS); Nelder-Mead (Pareto/NBD) gets 10 times as many.
  int max_iterations = 500;
  // Stop when every component of the gradient of the mean log-likelihood per member, taken with
  // respect to the log-parameters, is below this (BG/NBD, Gamma-Gamma; Pareto/NBD's simplex
  // stops when it is 1e-9 small in log-parameters).
  double gradient_tolerance = 1e-9;
  // Threads for the likelihood sums. 0: one per 100,000 rows, at most 2.
  int threads = 0;
  // Above this many rows the BG/NBD fit first fits an evenly strided subsample of about
  // max(warm_start_rows / 4, 1000) rows, then starts the full fit from that optimum and its
  // curvature.
  // The result is the full-data optimum either way; this only saves iterations. 0 disables.
  int warm_start_rows = 200000;
};

// Whether fitted log-parameters lie inside (e^-30, e^30). Data that do not identify a model
// (no repeat customers, a single customer) drive parameters towards 0 or infinity, where the
// optimiser's gradient test passes without an optimum: fits report converged = false then.
inline bool interior_optimum(std::span<const double> log_params) {
  for (double v : log_params) {
    if (!(std::abs(v) < 30.0)) return false;
  }
  return true;
}

}  // namespace recur::insight
