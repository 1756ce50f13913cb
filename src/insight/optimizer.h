#pragma once
// Unconstrained minimisation of smooth functions of a few variables, for maximum-likelihood
// fits. Models keep parameters positive by optimising their logarithms; the optimiser itself
// knows nothing about that.
//
// minimize_bfgs: BFGS quasi-Newton with a line search satisfying the strong Wolfe conditions
//   (Nocedal & Wright, Numerical Optimization, 2nd ed., Algorithms 3.5, 3.6 and 6.1). Near the
//   minimum, where changes in f drown in rounding, sufficient decrease is judged by the slope
//   (Hager & Zhang's approximate Wolfe condition), so tight gradient tolerances stay reachable.
// minimize_nelder_mead: the Nelder-Mead simplex (Lagarias et al. 1998 coefficients) for
//   objectives without a gradient; it restarts once from its best point to escape a collapsed
//   simplex.
// minimize: BFGS when the objective provides a gradient, Nelder-Mead otherwise.
//
// An objective may return +infinity or NaN where it is undefined (e.g. overflow); both methods
// treat that as "worse than anything finite" and step back. The starting point must be finite.
// The objective is called from the calling thread only.

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace recur::insight {

// f(x). x.size() is the problem dimension.
using ObjectiveValue = std::function<double(std::span<const double> x)>;
// f(x), writing the gradient into `gradient` (same size as x).
using ObjectiveWithGradient =
    std::function<double(std::span<const double> x, std::span<double> gradient)>;

struct Objective {
  ObjectiveValue value;                      // required unless value_and_gradient is set
  ObjectiveWithGradient value_and_gradient;  // optional; enables BFGS
};

struct MinimizeOptions {
  int max_iterations = 500;
  // BFGS stops when max_i |gradient_i| <= gradient_tolerance (the objective's own units, so scale
  // the objective to O(1), e.g. a mean negative log-likelihood).
  double gradient_tolerance = 1e-9;
  // BFGS stops when a step moves every coordinate by less than step_tolerance * max(1, |x_i|).
  double step_tolerance = 1e-14;
  // Nelder-Mead stops when the simplex's values differ by less than
  // value_tolerance * max(1, |f|), or its size is below simplex_tolerance.
  double value_tolerance = 1e-15;
  // Nelder-Mead: initial simplex edge.
  double simplex_step = 0.5;
  double simplex_tolerance = 1e-9;
  int max_evaluations = 20000;  // Nelder-Mead only
  // BFGS: initial inverse Hessian (row-major n x n), e.g. from a fit on a subsample. Empty:
  // a scaled identity chosen after the first step (Nocedal & Wright eq. 6.20).
  std::vector<double> initial_inverse_hessian;
};

struct MinimizeResult {
  std::vector<double> x;
  double value = 0.0;
  int iterations = 0;
  int evaluations = 0;
  // True when a stopping test was met; false when the iteration or evaluation budget ran out, or
  // when BFGS could make no further progress (line search failure, tiny step) with the gradient
  // still above 1000 * gradient_tolerance. Within that factor such a stop counts as converged:
  // the objective's rounding, not the method, limits the accuracy there.
  bool converged = false;
  std::string message;  // which test stopped it
  // BFGS only: the final inverse-Hessian approximation, row-major.
  std::vector<double> inverse_hessian;
};

// Errors: an empty x0, an objective without the needed function, or a non-finite f(x0).
Result<MinimizeResult> minimize_bfgs(const ObjectiveWithGradient& f, std::vector<double> x0,
                                     const MinimizeOptions& options = {});
Result<MinimizeResult> minimize_nelder_mead(const ObjectiveValue& f, std::vector<double> x0,
                                            const MinimizeOptions& options = {});
Result<MinimizeResult> minimize(const Objective& objective, std::vector<double> x0,
                                const MinimizeOptions& options = {});

// Central-difference gradient of f at x with relative step `step`, for checking analytic
// gradients (2n evaluations).
std::vector<double> numeric_gradient(const ObjectiveValue& f, std::span<const double> x,
                                     double step = 1e-6);

}  // namespace recur::insight
