#include "core/time.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace recur {

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

static void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

bool valid_civil(int year, unsigned month, unsigned day) {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  unsigned limit = kDays[month - 1];
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && leap) limit = 29;
  return day <= limit;
}

Date Date::from_ymd(int year, unsigned month, unsigned day) {
  return Date{static_cast<std::int32_t>(days_from_civil(year, month, day))};
}

void Date::to_ymd(int& year, unsigned& month, unsigned& day) const {
  civil_from_days(days, year, month, day);
}

std::string Date::to_string() const {
  int y;
  unsigned m, d;
  to_ymd(y, m, d);
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

namespace {

bool read_uint(std::string_view s, std::size_t& i, std::size_t min_digits, std::size_t max_digits,
               int& out) {
  std::size_t start = i;
  int v = 0;
  while (i < s.size() && i - start < max_digits && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + (s[i] - '0');
    ++i;
  }
  if (i - start < min_digits) return false;
  out = v;
  return true;
}

}  // namespace

Result<Date> parse_date(std::string_view text) {
  std::size_t i = 0;
  int y, m, d;
  if (!read_uint(text, i, 4, 4, y) || i >= text.size() || (text[i] != '-' && text[i] != '/'))
    return invalid_argument(fmt::format("'{}' is not a date (YYYY-MM-DD)", text));
  char sep = text[i++];
  if (!read_uint(text, i, 1, 2, m) || i >= text.size() || text[i] != sep)
    return invalid_argument(fmt::format("'{}' is not a date (YYYY-MM-DD)", text));
  ++i;
  if (!read_uint(text, i, 1, 2, d) || i != text.size())
    return invalid_argument(fmt::format("'{}' is not a date (YYYY-MM-DD)", text));
  if (!valid_civil(y, m, d)) return invalid_argument(fmt::format("'{}' is not a real date", text));
  return Date::from_ymd(y, m, d);
}

std::string format_instant_utc(Instant t) {
  std::int64_t days = t.seconds >= 0 ? t.seconds / kSecondsPerDay
                                     : -((-t.seconds + kSecondsPerDay - 1) / kSecondsPerDay);
  std::int64_t rem = t.seconds - days * kSecondsPerDay;
  int y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, rem / 3600, rem / 60 % 60,
                     rem % 60);
}

Result<TimeZone> TimeZone::load(std::string_view name) {
  TimeZone tz;
  tz.name_ = std::string(name);
  if (name == "UTC" || name == "Etc/UTC") {
    tz.segments_.push_back({INT64_MIN, 0});
    return tz;
  }
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(name);
  } catch (const std::exception& e) {
    return invalid_argument(fmt::format("unknown time zone '{}'", name));
  }
  // Walk the zone's periods from 1900 to 2200 once; later lookups are a binary search.
  using namespace std::chrono;
  auto t = sys_seconds{seconds{days_from_civil(1900, 1, 1) * kSecondsPerDay}};
  const auto end = sys_seconds{seconds{days_from_civil(2200, 1, 1) * kSecondsPerDay}};
  bool first = true;
  while (t < end) {
    date::sys_info info = zone->get_info(t);
    auto offset = static_cast<std::int32_t>(info.offset.count());
    if (first || tz.segments_.back().offset != offset) {
      tz.segments_.push_back({first ? INT64_MIN : t.time_since_epoch().count(), offset});
      first = false;
    }
    if (info.end <= t) break;
    t = info.end;
  }
  return tz;
}

const TimeZone& TimeZone::shanghai() {
  static const TimeZone zone = [] {
    auto r = TimeZone::load("Asia/Shanghai");
    if (r.ok()) return std::move(r).value();
    // No tz database: China has kept +08:00 without DST since 1991.
    TimeZone fixed;
    fixed.name_ = "Asia/Shanghai";
    fixed.segments_.push_back({INT64_MIN, 8 * 3600});
    return fixed;
  }();
  return zone;
}

TimeZone TimeZone::utc() {
  TimeZone tz;
  tz.name_ = "UTC";
  tz.segments_.push_back({INT64_MIN, 0});
  return tz;
}

std::size_t TimeZone::segment_index(std::int64_t utc) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), utc,
                             [](std::int64_t v, const Segment& s) { return v < s.begin; });
  return static_cast<std::size_t>(it - segments_.begin()) - 1;
}

std::int32_t TimeZone::offset_at(Instant t) const {
  if (segments_.size() == 1) return segments_[0].offset;
  return segments_[segment_index(t.seconds)].offset;
}

Instant TimeZone::from_local(std::int64_t local) const {
  if (segments_.size() == 1) return Instant{local - segments_[0].offset};
  std::size_t guess = segment_index(local);
  std::size_t lo = guess > 0 ? guess - 1 : 0;
  std::size_t hi = std::min(guess + 1, segments_.size() - 1);
  for (std::size_t i = lo; i <= hi; ++i) {  // earliest valid candidate wins
    std::int64_t utc = local - segments_[i].offset;
    bool after_begin = utc >= segments_[i].begin;
    bool before_end = i + 1 >= segments_.size() || utc < segments_[i + 1].begin;
    if (after_begin && before_end) return Instant{utc};
  }
  // In a gap: use the offset in force before the transition, which lands after it.
  for (std::size_t k = lo; k < hi; ++k) {
    std::int64_t next_begin = segments_[k + 1].begin;
    if (local - segments_[k].offset >= next_begin && local - segments_[k + 1].offset < next_begin)
      return Instant{local - segments_[k].offset};
  }
  return Instant{local - segments_[guess].offset};
}

Date TimeZone::local_date(Instant t) const {
  std::int64_t local = to_local(t);
  std::int64_t days =
      local >= 0 ? local / kSecondsPerDay : -((-local + kSecondsPerDay - 1) / kSecondsPerDay);
  return Date{static_cast<std::int32_t>(days)};
}

std::string TimeZone::format(Instant t) const {
  std::int32_t off = offset_at(t);
  std::int64_t local = t.seconds + off;
  std::int64_t days =
      local >= 0 ? local / kSecondsPerDay : -((-local + kSecondsPerDay - 1) / kSecondsPerDay);
  std::int64_t rem = local - days * kSecondsPerDay;
  int y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char sign = off < 0 ? '-' : '+';
  std::int32_t a = off < 0 ? -off : off;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}", y, m, d, rem / 3600,
                     rem / 60 % 60, rem % 60, sign, a / 3600, a / 60 % 60);
}

Result<Instant> parse_timestamp(std::string_view s, const TimeZone& zone) {
  auto bad = [&] {
    return invalid_argument(
        fmt::format("'{}' is not a timestamp (YYYY-MM-DD[ HH:MM[:SS]][Z|+08:00])", s));
  };
  std::size_t i = 0;
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (!read_uint(s, i, 4, 4, y) || i >= s.size() || (s[i] != '-' && s[i] != '/')) return bad();
  char sep = s[i++];
  if (!read_uint(s, i, 1, 2, mo) || i >= s.size() || s[i] != sep) return bad();
  ++i;
  if (!read_uint(s, i, 1, 2, d)) return bad();
  if (!valid_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)))
    return invalid_argument(fmt::format("'{}' is not a real date", s));
  if (i < s.size() && (s[i] == ' ' || s[i] == 'T')) {
    ++i;
    if (!read_uint(s, i, 1, 2, h) || i >= s.size() || s[i] != ':') return bad();
    ++i;
    if (!read_uint(s, i, 2, 2, mi)) return bad();
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!read_uint(s, i, 2, 2, se)) return bad();
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        ++i;
        std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == start) return bad();
      }
    }
    if (h > 23 || mi > 59 || se > 60)
      return invalid_argument(fmt::format("'{}' has an impossible time of day", s));
    if (se == 60) se = 59;  // leap second: clamp
  }
  std::int64_t local =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kSecondsPerDay +
      h * 3600 + mi * 60 + se;
  if (i == s.size()) return zone.from_local(local);
  if (s[i] == 'Z' && i + 1 == s.size()) return Instant{local};
  if (s[i] == '+' || s[i] == '-') {
    int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh, om = 0;
    if (!read_uint(s, i, 2, 2, oh)) return bad();
    if (i < s.size() && s[i] == ':') ++i;
    if (i < s.size() && !read_uint(s, i, 2, 2, om)) return bad();
    if (i != s.size() || oh > 18 || om > 59) return bad();
    return Instant{local - sign * (oh * 3600 + om * 60)};
  }
  return bad();
}

}  // namespace recur
