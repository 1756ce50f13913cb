#pragma once
// RFM as of a date (PRODUCT.md §1): R = days since the last purchase day; F = purchase days in
// the window (default 365 days ending at as_of); M = net paid in the window (fen, refunds made
// by as_of deducted). Only buyers (a purchase on or before as_of) are scored; others get 0.
//
// Scores 1–5 by quintile with a deterministic tie rule: a value's score is
// 1 + floor(5 × (number of buyers with a strictly worse value) / buyers), so equal values always
// share a score and the order of members never matters. Recency is better when smaller.
//
// Two segment maps:
//  - the Chinese 8-segment map: R, F and M each high or low against the buyers' mean
//    (R high = more recent than the mean): 重要价值 (RFM all high), 重要发展 (R, M high, F low),
//    重要保持 (F, M high, R low), 重要挽留 (M high only), 一般价值 (R, F high, M low),
//    一般发展 (R high only), 一般保持 (F high only), 一般挽留 (all low);
//  - the 11-segment map on (R score, FM = round((F + M) / 2)); see rfm_segment11().

#include <cstdint>
#include <string_view>
#include <vector>

#include "insight/history.h"
#include "insight/insight_config.h"

namespace recur::insight {

struct RfmColumns {
  std::vector<std::int32_t> recency;  // days; -1 for non-buyers
  std::vector<std::int32_t> frequency;
  std::vector<Fen> monetary;
  std::vector<std::uint8_t> r_score, f_score, m_score;  // 1..5, 0 for non-buyers
  std::vector<std::uint8_t> segment8;                   // index into kSegment8, 0 = none
  std::vector<std::uint8_t> segment11;                  // index into kSegment11, 0 = none
  double mean_recency = 0, mean_frequency = 0, mean_monetary = 0;  // over buyers
};

inline constexpr std::string_view kSegment8[] = {"",         "重要价值", "重要发展",
                                                 "重要保持", "重要挽留", "一般价值",
                                                 "一般发展", "一般保持", "一般挽留"};
inline constexpr std::string_view kSegment11[] = {
    "",        "champions",   "loyal",          "potential_loyalist",
    "new",     "promising",   "need_attention", "about_to_sleep",
    "at_risk", "cannot_lose", "hibernating",    "lost"};

// Index into kSegment8 for high/low flags.
std::uint8_t rfm_segment8(bool r_high, bool f_high, bool m_high);
// Index into kSegment11 for scores 1..5.
std::uint8_t rfm_segment11(int r_score, int fm_score);

// Net paid per member over the window ending at as_of (refunds by as_of deducted), purchase
// days in the window, and recency. Parallel over members.
RfmColumns compute_rfm(const History& history, std::int32_t as_of, const InsightConfig& config);

// Quintile scores by the tie rule above; `higher_is_better` false for recency. `eligible`
// selects the scored rows (others get 0).
std::vector<std::uint8_t> quintile_scores(const std::vector<double>& values,
                                          const std::vector<bool>& eligible, bool higher_is_better);

}  // namespace recur::insight
