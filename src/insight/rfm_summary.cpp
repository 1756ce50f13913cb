#include "insight/rfm_summary.h"

#include <cmath>
#include <string>

#include "insight/dense_index.h"

namespace recur::insight {
namespace {

std::string row_prefix(std::size_t i) {
  return "row " + std::to_string(i) + ": ";
}

Status check_weights(const RfmSummary& s) {
  if (s.weight.empty()) return Status();
  if (s.weight.size() != s.size()) {
    return invalid_argument("weight has " + std::to_string(s.weight.size()) + " rows, x has " +
                            std::to_string(s.size()));
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!std::isfinite(s.weight[i]) || s.weight[i] < 0.0) {
      return invalid_argument(row_prefix(i) + "weight must be finite and >= 0, got " +
                              std::to_string(s.weight[i]));
    }
  }
  return Status();
}

}  // namespace

double RfmSummary::members() const {
  if (weight.empty()) return static_cast<double>(x.size());
  double total = 0.0;
  for (double w : weight) total += w;
  return total;
}

void RfmSummary::add(const Rfm& customer, double w) {
  const bool weighted = !weight.empty() || w != 1.0;
  if (weighted) weight.resize(x.size(), 1.0);  // rows so far had the implicit weight 1
  x.push_back(customer.x);
  t_x.push_back(customer.t_x);
  T.push_back(customer.T);
  if (weighted) weight.push_back(w);
}

void RfmSummary::add_with_spend(const Rfm& customer, double mean_value, double w) {
  add(customer, w);
  m_x.push_back(mean_value);
}

Status RfmSummary::validate_recency() const {
  const std::size_t n = size();
  if (t_x.size() != n || T.size() != n) {
    return invalid_argument("columns differ in length: x " + std::to_string(n) + ", t_x " +
                            std::to_string(t_x.size()) + ", T " + std::to_string(T.size()));
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] < 0) {
      return invalid_argument(row_prefix(i) + "repeat purchases x must be >= 0, got " +
                              std::to_string(x[i]));
    }
    if (!std::isfinite(t_x[i]) || !std::isfinite(T[i]) || t_x[i] < 0.0) {
      return invalid_argument(row_prefix(i) + "recency t_x and age T must be finite, t_x >= 0");
    }
    if (t_x[i] > T[i]) {
      return invalid_argument(row_prefix(i) + "recency t_x = " + std::to_string(t_x[i]) +
                              " exceeds age T = " + std::to_string(T[i]));
    }
    if (x[i] == 0 && t_x[i] != 0.0) {
      return invalid_argument(row_prefix(i) + "recency t_x must be 0 when x = 0, got " +
                              std::to_string(t_x[i]));
    }
  }
  return check_weights(*this);
}

Status RfmSummary::validate_spend() const {
  const std::size_t n = size();
  if (m_x.size() != n) {
    return invalid_argument("m_x has " + std::to_string(m_x.size()) + " rows, x has " +
                            std::to_string(n));
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] < 0) {
      return invalid_argument(row_prefix(i) + "repeat purchases x must be >= 0, got " +
                              std::to_string(x[i]));
    }
    if (x[i] > 0 && !(std::isfinite(m_x[i]) && m_x[i] > 0.0)) {
      return invalid_argument(row_prefix(i) + "mean repeat value m_x must be finite and > 0, got " +
                              std::to_string(m_x[i]));
    }
  }
  return check_weights(*this);
}

RfmSummary compress(const RfmSummary& s) {
  const bool spend = !s.m_x.empty();
  DenseIndex<4> index(s.size() / 4);
  RfmSummary out;
  out.weight.reserve(s.size() / 4);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double m = spend && s.x[i] > 0 ? s.m_x[i] : 0.0;
    const std::uint32_t id = index.insert(
        {static_cast<std::uint64_t>(s.x[i]), key_bits(s.t_x[i]), key_bits(s.T[i]), key_bits(m)});
    if (id == out.size()) {
      out.x.push_back(s.x[i]);
      out.t_x.push_back(s.t_x[i]);
      out.T.push_back(s.T[i]);
      out.weight.push_back(0.0);
      if (spend) out.m_x.push_back(m);
    }
    out.weight[id] += s.weight_at(i);
  }
  return out;
}

}  // namespace recur::insight
