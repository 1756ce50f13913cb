#pragma once
// Synthetic customer bases drawn from the models, for parameter-recovery tests and benchmarks.
// Deterministic: the same seed gives the same customers on every platform (no std::
// distributions, whose algorithms are implementation-defined).

#include <cstdint>
#include <span>

#include "insight/bgnbd.h"
#include "insight/gamma_gamma.h"
#include "insight/rfm_summary.h"

namespace recur::insight {

// xoshiro256** (Blackman & Vigna), seeded through splitmix64. Not thread-safe; not for secrets.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  double uniform();                             // in (0, 1), never 0 or 1
  double exponential(double rate);              // mean 1/rate
  double normal();                              // standard normal (Marsaglia polar method)
  double gamma(double shape, double rate);      // mean shape/rate (Marsaglia & Tsang 2000)
  double log_gamma(double shape, double rate);  // log of a gamma draw, safe for tiny shapes
  double beta(double a, double b);              // mean a/(a+b)

 private:
  std::uint64_t s_[4];
};

// One customer per entry of `ages` (T, in periods) drawn from BG/NBD: lambda ~ Gamma(r, alpha),
// p ~ Beta(a, b); purchases as a Poisson process with rate lambda from the first purchase at 0;
// after each repeat purchase the customer drops out with probability p. When resolution > 0,
// recency is rounded down to a multiple of it (e.g. 1/7 for day-level data in weeks; pass ages
// on the same grid). x counts purchases, not distinct days.
RfmSummary simulate_bgnbd(const BgnbdParams& params, std::span<const double> ages,
                          std::uint64_t seed, double resolution = 0.0);

// Fills summary.m_x (one entry per row, 0 where x = 0) from Gamma-Gamma: nu ~ Gamma(q, gamma),
// x transaction values ~ Gamma(p, nu), m_x their mean. Rows are taken as single customers.
void simulate_spend(const GammaGammaParams& params, RfmSummary& summary, std::uint64_t seed);

}  // namespace recur::insight
