#include "core/money.h"

#include <fmt/format.h>

namespace recur {
namespace {

constexpr Fen kMaxFen = 90'000'000'000'000'000LL;  // 9e16 fen: far beyond any real amount

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Strips one currency sign: '¥' (U+00A5, C2 A5), '￥' (U+FFE5, EF BF A5) or "CNY"/"RMB".
std::string_view strip_currency(std::string_view s) {
  if (s.starts_with("\xC2\xA5")) return s.substr(2);
  if (s.starts_with("\xEF\xBF\xA5")) return s.substr(3);
  if (s.starts_with("CNY") || s.starts_with("RMB")) return trim_spaces(s.substr(3));
  return s;
}

}  // namespace

bool parse_money_fast(std::string_view s, Fen& out) {
  s = trim_spaces(s);
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  s = strip_currency(s);
  if (!s.empty() && s.front() == '-' && !negative) {  // "¥-5" is also accepted
    negative = true;
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  Fen yuan = 0;
  std::size_t i = 0;
  std::size_t int_digits = 0;
  int group = -1;  // digits since the last thousands separator; -1 = none seen
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      yuan = yuan * 10 + (c - '0');
      if (yuan > kMaxFen / 100) return false;
      ++int_digits;
      if (group >= 0 && ++group > 3) return false;
    } else if (c == ',') {
      if (int_digits == 0 || (group >= 0 && group != 3) || (group < 0 && int_digits > 3))
        return false;
      group = 0;
    } else {
      break;
    }
  }
  if (group >= 0 && group != 3) return false;
  Fen fen = 0;
  if (i < s.size()) {
    if (s[i] != '.') return false;
    ++i;
    std::size_t decimals = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c < '0' || c > '9') return false;
      if (++decimals > 2) return false;
      fen = fen * 10 + (c - '0');
    }
    if (decimals == 0 && int_digits == 0) return false;
    if (decimals == 1) fen *= 10;
  } else if (int_digits == 0) {
    return false;
  }
  Fen total = yuan * 100 + fen;
  out = negative ? -total : total;
  return true;
}

Result<Fen> parse_money(std::string_view text) {
  Fen out = 0;
  if (parse_money_fast(text, out)) return out;
  std::string_view t = trim_spaces(text);
  if (t.empty()) return invalid_argument("empty amount");
  // Say why, for a person fixing the file.
  auto dot = t.find('.');
  if (dot != std::string_view::npos) {
    std::size_t decimals = 0;
    for (std::size_t j = dot + 1; j < t.size() && t[j] >= '0' && t[j] <= '9'; ++j) ++decimals;
    if (decimals > 2)
      return invalid_argument(fmt::format(
          "amount '{}' has {} decimal places; at most 2 (fen) are allowed", text, decimals));
  }
  return invalid_argument(fmt::format("'{}' is not an amount in yuan (e.g. 12.30)", text));
}

std::string format_money(Fen fen) {
  bool neg = fen < 0;
  std::uint64_t v = neg ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
  return fmt::format("{}{}.{:02}", neg ? "-" : "", v / 100, v % 100);
}

}  // namespace recur
