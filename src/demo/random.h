#pragma once
// Deterministic pseudo-random numbers and the samplers the demo generator needs.
//
// Every sampler is defined here (no <random> distributions: their output differs between
// standard libraries), so a seed gives the same stream wherever libm rounds log/exp/pow the same
// way (sqrt is exact under IEEE 754; glibc's log/exp/pow are correctly rounded in practice).
// An Rng is not thread-safe: each person gets their own, seeded from (seed, person index), which
// is what makes the generated files independent of the number of threads.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>

namespace recur::demo {

// SplitMix64's finaliser: a bijection on 64-bit integers, so distinct inputs give distinct
// outputs. Used both to scramble seeds and to derive unique identifiers.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// One SplitMix64 step: advances `state` and returns the next output.
inline std::uint64_t splitmix64(std::uint64_t& state) {
  state += 0x9E3779B97F4A7C15ULL;
  return mix64(state);
}

// xoshiro256** (Blackman & Vigna), seeded through SplitMix64.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    std::uint64_t s = seed;
    for (auto& word : state_) word = splitmix64(s);
  }

  // The generator of stream `stream` (e.g. a person's index) under `seed`. Streams of one seed
  // do not overlap in practice (each starts from an independent 256-bit state).
  static Rng for_stream(std::uint64_t seed, std::uint64_t stream) {
    return Rng(mix64(seed ^ 0x5DEECE66DULL) ^ mix64(stream * 0xD1342543DE82EF95ULL + 1));
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1]: safe to take the log of.
  double uniform_open0() { return 1.0 - uniform(); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Uniform integer in [0, n) for n >= 1 (Lemire's multiply-shift; bias below n / 2^64).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Uniform integer in [lo, hi], lo <= hi.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  bool chance(double p) { return uniform() < p; }

  // Standard normal (Marsaglia's polar method; the second value is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }
  double lognormal(double mu, double sigma) { return std::exp(normal(mu, sigma)); }

  // Exponential with the given rate (> 0); mean 1 / rate.
  double exponential(double rate) { return -std::log(uniform_open0()) / rate; }

  // Gamma(shape, scale), shape > 0, scale > 0; mean shape * scale (Marsaglia & Tsang 2000).
  double gamma(double shape, double scale) {
    if (shape < 1.0) {
      // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
      const double g = gamma(shape + 1.0, 1.0);
      return scale * g * std::pow(uniform_open0(), 1.0 / shape);
    }
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = uniform_open0();
      if (u < 1.0 - 0.0331 * x * x * x * x) return scale * d * v;
      if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return scale * d * v;
    }
  }

  // Beta(a, b), a > 0, b > 0; mean a / (a + b).
  double beta(double a, double b) {
    const double x = gamma(a, 1.0);
    const double y = gamma(b, 1.0);
    return x + y > 0.0 ? x / (x + y) : 0.5;
  }

  // Poisson with the given mean (>= 0). Exact (Knuth) below 30, normal approximation above.
  std::int64_t poisson(double mean) {
    if (mean <= 0.0) return 0;
    if (mean < 30.0) {
      const double limit = std::exp(-mean);
      std::int64_t k = 0;
      double p = uniform_open0();
      while (p > limit) {
        ++k;
        p *= uniform_open0();
      }
      return k;
    }
    const double x = std::floor(normal(mean, std::sqrt(mean)) + 0.5);
    return x < 0.0 ? 0 : static_cast<std::int64_t>(x);
  }

  // Index i with probability weights[i] / sum; `cumulative` holds running sums (last = total > 0).
  std::size_t pick_cumulative(std::span<const double> cumulative) {
    const double u = uniform() * cumulative.back();
    auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    return std::min(static_cast<std::size_t>(it - cumulative.begin()), cumulative.size() - 1);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  std::uint64_t state_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// Running sums of `weights` (for Rng::pick_cumulative); `out` must have weights.size() slots.
inline void cumulate(std::span<const double> weights, std::span<double> out) {
  double sum = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) out[i] = sum += weights[i];
}

}  // namespace recur::demo
