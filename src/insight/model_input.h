#pragma once
// From the order history to the customer-base models' input: per member with at least one
// purchase day on or before `as_of`, (x, t_x, T) in periods of `period_days` days and the mean
// value of the repeat purchase days (m_x, in yuan).
//
// Conventions (Fader, Hardie & Lee): a purchase day counts once however many orders it has;
// x counts purchase days after the first; the calibration period ends with `as_of` inclusive,
// so T = (as_of − first day) / period_days. A purchase day whose orders were refunded in full by
// `as_of` is not a purchase; partial refunds by `as_of` reduce its value.

#include <cstdint>
#include <vector>

#include "insight/history.h"
#include "insight/rfm_summary.h"

namespace recur::insight {

struct ModelInput {
  RfmSummary summary;                 // one row per customer, m_x filled (0 where x = 0)
  std::vector<std::uint32_t> member;  // dense member index of each row
};

ModelInput build_model_input(const History& history, std::int32_t as_of, double period_days);

// Net value of each purchase day of member m up to `as_of` (paid − refunds made by as_of).
void net_day_values(const History& history, std::size_t m, std::int32_t as_of,
                    std::vector<std::int32_t>& days, std::vector<Fen>& values);

}  // namespace recur::insight
