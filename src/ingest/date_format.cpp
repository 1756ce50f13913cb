#include "ingest/date_format.h"

#include <fmt/format.h>

namespace recur::ingest {

Result<DateFormat> DateFormat::compile(std::string_view pattern) {
  DateFormat f;
  f.pattern_ = std::string(pattern);
  std::string lit;
  bool has_date = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      lit.push_back(pattern[i]);
      continue;
    }
    if (i + 1 >= pattern.size()) return invalid_argument("date format ends with '%'");
    char c = pattern[++i];
    if (c == '%') {
      lit.push_back('%');
      continue;
    }
    if (std::string_view("YymdHMSfzs").find(c) == std::string_view::npos)
      return invalid_argument(
          fmt::format("date format: %{} is not supported (use %Y %y %m %d %H %M %S %f %z %s)", c));
    if (!lit.empty()) f.tokens_.push_back({0, std::move(lit)});
    lit.clear();
    f.tokens_.push_back({c, {}});
    if (c == 'Y' || c == 'y' || c == 's') has_date = true;
  }
  if (!lit.empty()) f.tokens_.push_back({0, std::move(lit)});
  if (!has_date)
    return invalid_argument(fmt::format("date format '{}' has no year (%Y, %y or %s)", pattern));
  return f;
}

Result<Instant> DateFormat::parse(std::string_view s, const TimeZone& zone) const {
  auto bad = [&] {
    return invalid_argument(fmt::format("'{}' does not match the date format '{}'", s, pattern_));
  };
  int y = 1970, mo = 1, d = 1, h = 0, mi = 0, se = 0;
  bool has_offset = false;
  std::int64_t offset = 0;
  std::size_t i = 0;
  auto digits = [&](std::size_t min, std::size_t max, std::int64_t& out) {
    std::size_t start = i;
    std::int64_t v = 0;
    while (i < s.size() && i - start < max && s[i] >= '0' && s[i] <= '9')
      v = v * 10 + (s[i++] - '0');
    out = v;
    return i - start >= min;
  };
  for (const Token& t : tokens_) {
    std::int64_t v = 0;
    switch (t.spec) {
      case 0:
        if (s.substr(i, t.literal.size()) != t.literal) return bad();
        i += t.literal.size();
        break;
      case 'Y':
        if (!digits(4, 4, v)) return bad();
        y = static_cast<int>(v);
        break;
      case 'y':
        if (!digits(2, 2, v)) return bad();
        y = static_cast<int>(2000 + v);
        break;
      case 'm':
        if (!digits(1, 2, v)) return bad();
        mo = static_cast<int>(v);
        break;
      case 'd':
        if (!digits(1, 2, v)) return bad();
        d = static_cast<int>(v);
        break;
      case 'H':
        if (!digits(1, 2, v)) return bad();
        h = static_cast<int>(v);
        break;
      case 'M':
        if (!digits(1, 2, v)) return bad();
        mi = static_cast<int>(v);
        break;
      case 'S':
        if (!digits(1, 2, v)) return bad();
        se = static_cast<int>(v);
        break;
      case 'f':
        if (!digits(1, 9, v)) return bad();
        break;
      case 's': {
        bool neg = i < s.size() && s[i] == '-';
        if (neg) ++i;
        if (!digits(1, 12, v)) return bad();
        if (i != s.size()) return bad();
        return Instant{neg ? -v : v};
      }
      case 'z': {
        if (i < s.size() && s[i] == 'Z') {
          ++i;
          has_offset = true;
          break;
        }
        if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return bad();
        int sign = s[i++] == '-' ? -1 : 1;
        std::int64_t oh, om = 0;
        if (!digits(2, 2, oh)) return bad();
        if (i < s.size() && s[i] == ':') ++i;
        if (!digits(2, 2, om)) return bad();
        offset = sign * (oh * 3600 + om * 60);
        has_offset = true;
        break;
      }
    }
  }
  if (i != s.size()) return bad();
  if (!valid_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)))
    return invalid_argument(fmt::format("'{}' is not a real date", s));
  if (h > 23 || mi > 59 || se > 59)
    return invalid_argument(fmt::format("'{}' has an impossible time of day", s));
  std::int64_t local =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kSecondsPerDay +
      h * 3600 + mi * 60 + se;
  if (has_offset) return Instant{local - offset};
  return zone.from_local(local);
}

}  // namespace recur::ingest
