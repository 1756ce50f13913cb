#pragma once
// Exact decimals with three places, for rates and multipliers in the program file: "1.5" is
// 1500 milli, "0.95" is 950. No binary floating point touches points or money.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace recur::loyalty {

inline constexpr std::int64_t kMilli = 1000;

// "2", "1.5", "0.125", "-0.5". At most three decimals; |value| < 1e12.
Result<std::int64_t> parse_milli(std::string_view text);

// 1500 -> "1.5", 2000 -> "2", 125 -> "0.125".
std::string format_milli(std::int64_t milli);

// floor(a * b / d) and the remainder, exactly (128-bit intermediate). d > 0, a, b >= 0.
struct Quotient {
  std::int64_t q;
  __int128 rem;
};
Quotient mul_div_floor(__int128 a, __int128 b, __int128 d);

// round-half-up(a * b / d) for a, b >= 0, d > 0.
std::int64_t mul_div_round(std::int64_t a, std::int64_t b, std::int64_t d);
// ceil(a * b / d) for a, b >= 0, d > 0.
std::int64_t mul_div_ceil(std::int64_t a, std::int64_t b, std::int64_t d);

}  // namespace recur::loyalty
