#pragma once
// The input of the customer-base models: per customer, how often they came back, when they were
// last seen and how long we have known them. Times are in "periods", a unit the caller chooses
// (weeks in the literature and the CDNOW tests, days in the product); a fitted model's
// parameters are tied to that unit, so predict in the same unit you fitted in.
//
// Conventions (Fader, Hardie & Lee 2005):
//   x   = number of repeat purchases: purchase days after the first (several orders on one day
//         count once);
//   t_x = recency: time from the first purchase to the last one, 0 when x = 0;
//   T   = age: time from the first purchase to the end of observation, T >= t_x.
// The BG/NBD and Pareto/NBD likelihoods depend on a customer only through (x, t_x, T), so rows
// may stand for several identical customers (`weight`); compress() makes such rows.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace recur::insight {

// One customer's (x, t_x, T); a named struct so that t_x and T cannot be swapped silently.
struct Rfm {
  std::int32_t x = 0;
  double t_x = 0.0;
  double T = 0.0;
};

// Struct of arrays, one row per customer or per group of identical customers.
// Invariants checked by validate_*(): all present columns have size(); x >= 0;
// 0 <= t_x <= T, finite; t_x = 0 when x = 0; weights finite and >= 0.
struct RfmSummary {
  std::vector<std::int32_t> x;
  std::vector<double> t_x;
  std::vector<double> T;
  // Number of identical customers a row stands for; empty means 1 for every row.
  std::vector<double> weight;
  // Mean value of the repeat transactions (the first purchase excluded), in the caller's money
  // unit; only the Gamma-Gamma spend model and CLV read it. Empty when unused; ignored where
  // x = 0.
  std::vector<double> m_x;

  std::size_t size() const { return x.size(); }
  bool empty() const { return x.empty(); }
  double weight_at(std::size_t i) const { return weight.empty() ? 1.0 : weight[i]; }
  Rfm row(std::size_t i) const { return Rfm{x[i], t_x[i], T[i]}; }
  // Sum of weights: the number of customers.
  double members() const;

  // Appends a row. A summary carries spend for every row or for none: use add_with_spend for
  // all rows of a summary that feeds the spend model.
  void add(const Rfm& customer, double weight = 1.0);
  void add_with_spend(const Rfm& customer, double m_x, double weight = 1.0);

  // Checks the columns the purchase models read (x, t_x, T, weight). Errors name the row.
  Status validate_recency() const;
  // Checks the columns the spend model reads (x, m_x, weight); m_x > 0 where x >= 1.
  Status validate_spend() const;
};

// Groups identical rows (identical x, t_x, T and, when present, m_x) into one weighted row,
// keeping the order of first appearance. The likelihoods and predictions are unchanged; fits on
// day-level data typically shrink severalfold. Expects a summary that passes validate_recency.
RfmSummary compress(const RfmSummary& summary);

}  // namespace recur::insight
