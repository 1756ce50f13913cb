#pragma once
// What an order earns: points (per yuan of net paid × line multiplier × tier multiplier ×
// campaign multiplier, floored once per order, then capped) and growth (per yuan of net paid,
// floored once per order). Both are shared out to the lines by largest remainder, so a refund
// of a line can take back exactly what that line earned. Pure: no store, no clock.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/time.h"
#include "loyalty/program.h"

namespace recur::loyalty {

struct EarnLine {
  std::int64_t line_no = 0;
  std::string_view sku;
  std::string_view category;  // path, e.g. "母婴/奶粉/三段"; may be empty
  Fen amount = 0;             // net paid for the line
};

struct EarnContext {
  int tier = 0;                   // tier index when the order was paid
  Date day;                       // business day of payment
  bool birthday_month = false;    // the member's birthday falls in day's month
  std::int64_t earned_today = 0;  // order points the member already earned that day
};

struct LineEarning {
  std::int64_t points = 0;
  std::int64_t growth = 0;
  std::int64_t multiplier_milli = 1000;  // the line's category/SKU multiplier
  bool excluded = false;
};

struct OrderEarning {
  std::int64_t points = 0;  // after caps
  std::int64_t points_uncapped = 0;
  std::int64_t growth = 0;
  std::int64_t tier_multiplier_milli = 1000;
  std::int64_t campaign_multiplier_milli = 1000;
  std::vector<LineEarning> lines;  // parallel to the input lines
  std::string explain;             // "1/yuan × tier gold 1.5 × member day 2; cap per order"
};

// The multiplier of a line: an exclusion or multiplier for its SKU, else the longest matching
// category prefix ("母婴" matches "母婴/奶粉/三段"), else 1.
LineEarning line_rule(const EarnRules& rules, std::string_view sku, std::string_view category);

OrderEarning compute_order_earning(const Program& program, std::span<const EarnLine> lines,
                                   const EarnContext& ctx);

// Shares `total` out in proportion to `weights` (largest remainder; ties to the earlier one).
// When every weight is 0 the total goes to nobody (all zeros).
std::vector<std::int64_t> allocate(std::int64_t total, std::span<const __int128> weights);

}  // namespace recur::loyalty
