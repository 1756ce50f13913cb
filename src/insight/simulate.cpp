#include "insight/simulate.h"

#include <cmath>
#include <limits>

namespace recur::insight {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() {
  return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53;
}

double Rng::exponential(double rate) {
  return -std::log(uniform()) / rate;
}

double Rng::normal() {
  while (true) {
    const double u = 2.0 * uniform() - 1.0;
    const double v = 2.0 * uniform() - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

double Rng::log_gamma(double shape, double rate) {
  // Marsaglia & Tsang for shape >= 1; for shape < 1, G(shape) = G(shape+1) U^(1/shape), kept in
  // logs so that tiny shapes do not underflow.
  double boost = 0.0;
  if (shape < 1.0) {
    boost = std::log(uniform()) / shape;
    shape += 1.0;
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    const double x = normal();
    double v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    const double u = uniform();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2 || std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) {
      return std::log(d * v) + boost - std::log(rate);
    }
  }
}

double Rng::gamma(double shape, double rate) {
  return std::exp(log_gamma(shape, rate));
}

double Rng::beta(double a, double b) {
  const double lx = log_gamma(a, 1.0);
  const double ly = log_gamma(b, 1.0);
  return 1.0 / (1.0 + std::exp(ly - lx));
}

RfmSummary simulate_bgnbd(const BgnbdParams& params, std::span<const double> ages,
                          std::uint64_t seed, double resolution) {
  Rng rng(seed);
  RfmSummary out;
  out.x.reserve(ages.size());
  out.t_x.reserve(ages.size());
  out.T.reserve(ages.size());
  for (double T : ages) {
    const double lambda = rng.gamma(params.r, params.alpha);
    const double p = rng.beta(params.a, params.b);
    std::int32_t x = 0;
    double t = 0.0, last = 0.0;
    while (lambda > 0.0) {
      t += rng.exponential(lambda);
      if (t > T) break;
      ++x;
      last = t;
      if (rng.uniform() < p) break;
    }
    if (resolution > 0.0) last = std::floor(last / resolution) * resolution;
    out.add(Rfm{x, std::min(last, T), T});
  }
  return out;
}

void simulate_spend(const GammaGammaParams& params, RfmSummary& summary, std::uint64_t seed) {
  Rng rng(seed);
  summary.m_x.assign(summary.size(), 0.0);
  for (std::size_t i = 0; i < summary.size(); ++i) {
    const std::int32_t x = summary.x[i];
    if (x <= 0) continue;
    const double nu = rng.gamma(params.q, params.gamma);
    // The sum of x Gamma(p, nu) values is Gamma(p x, nu).
    summary.m_x[i] = rng.gamma(params.p * x, nu) / x;
  }
}

}  // namespace recur::insight
