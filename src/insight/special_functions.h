#pragma once
// Special functions the customer-base models need and the C++ standard library lacks.
// All functions are pure and thread-safe (no use of the global `signgam`).

namespace recur::insight {

// Gauss hypergeometric function 2F1(a, b; c; z) for real arguments and z < 1.
//
// Method: the power series for 0 <= z <= 0.75; Pfaff's transformation
// 2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; z/(z-1)) for z < 0; and the z -> 1-z connection formula
// (Abramowitz & Stegun 15.3.6) for 0.75 < z < 1, so that no series is summed beyond |z| = 0.75.
// When c-a-b is within 1e-4 of an integer the connection formula is singular; there the value is
// interpolated in c by a cubic through four nearby non-degenerate points (relative error ~1e-11).
// A terminating series (a or b a non-positive integer) is summed exactly for any z < 1.
// z = 1 is accepted when c-a-b > 0 (Gauss's theorem).
// Returns NaN when c is a non-positive integer, z > 1, z = 1 with c-a-b <= 0, or an argument is
// not finite. Relative accuracy is ~1e-14 away from the degenerate cases.
double hyp2f1(double a, double b, double c, double z);

// The power series of 2F1 alone, for |z| < 1 (slow near 1; hyp2f1 chooses for you). Exposed for
// tests that check the transformations against it.
double hyp2f1_series(double a, double b, double c, double z);

// Digamma function psi(x) = d/dx log Gamma(x) for x > 0; NaN for x <= 0.
// Absolute accuracy ~1e-15.
double digamma(double x);

// log|Gamma(x)| and the sign of Gamma(x), thread-safe. For x a non-positive integer the log is
// +infinity and the sign 0 (1/Gamma(x) = 0 there).
double log_abs_gamma(double x, int* sign);

}  // namespace recur::insight
