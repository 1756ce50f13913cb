#include "loyalty/decimal.h"

#include <fmt/format.h>

namespace recur::loyalty {

Result<std::int64_t> parse_milli(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  auto bad = [&] {
    return invalid_argument(fmt::format("'{}' is not a decimal number (e.g. 1, 1.5, 0.95)", text));
  };
  if (s.empty()) return bad();
  bool neg = false;
  if (s.front() == '-' || s.front() == '+') {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  std::int64_t whole = 0, frac = 0;
  int digits = 0, decimals = 0;
  bool dot = false;
  for (char c : s) {
    if (c == '.') {
      if (dot) return bad();
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return bad();
    if (dot) {
      if (++decimals > 3)
        return invalid_argument(fmt::format("'{}' has more than three decimals", text));
      frac = frac * 10 + (c - '0');
    } else {
      if (++digits > 12) return invalid_argument(fmt::format("'{}' is too large", text));
      whole = whole * 10 + (c - '0');
    }
  }
  if (digits == 0 && decimals == 0) return bad();
  for (int i = decimals; i < 3; ++i) frac *= 10;
  std::int64_t v = whole * kMilli + frac;
  return neg ? -v : v;
}

std::string format_milli(std::int64_t milli) {
  std::string sign = milli < 0 ? "-" : "";
  std::int64_t a = milli < 0 ? -milli : milli;
  std::int64_t whole = a / kMilli, frac = a % kMilli;
  if (frac == 0) return fmt::format("{}{}", sign, whole);
  std::string f = fmt::format("{:03}", frac);
  while (!f.empty() && f.back() == '0') f.pop_back();
  return fmt::format("{}{}.{}", sign, whole, f);
}

Quotient mul_div_floor(__int128 a, __int128 b, __int128 d) {
  __int128 p = a * b;
  return Quotient{static_cast<std::int64_t>(p / d), p % d};
}

std::int64_t mul_div_round(std::int64_t a, std::int64_t b, std::int64_t d) {
  __int128 p = static_cast<__int128>(a) * b;
  return static_cast<std::int64_t>((p * 2 + d) / (2 * static_cast<__int128>(d)));
}

std::int64_t mul_div_ceil(std::int64_t a, std::int64_t b, std::int64_t d) {
  __int128 p = static_cast<__int128>(a) * b;
  return static_cast<std::int64_t>((p + d - 1) / d);
}

}  // namespace recur::loyalty
