#pragma once
// Money is integer fen (1/100 CNY) in int64. Never floating point.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace recur {

using Fen = std::int64_t;

// Parses a yuan amount into fen exactly: "12.30", "12.3", "12", "¥12.3", "￥12.30", "-5.00",
// "1,234.50" (thousands groups of three). Rejects more than two decimals ("12.345"), empty
// input, stray characters and values beyond ±9e16 fen. Leading/trailing ASCII spaces are allowed.
// The fast path (plain digits with an optional '.') makes no allocation.
Result<Fen> parse_money(std::string_view text);

// Non-allocating variant for hot loops: returns false and leaves `out` untouched on bad input.
bool parse_money_fast(std::string_view text, Fen& out);

// "12.30", "-0.05", "0.00".
std::string format_money(Fen fen);

}  // namespace recur
