#pragma once
// Instants are UTC seconds since the Unix epoch; dates are civil days since 1970-01-01.
// Business days (purchase days, expiry days) are computed in the merchant's time zone
// (default Asia/Shanghai) through TimeZone, which is immutable and safe to share across threads.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace recur {

struct Instant {
  std::int64_t seconds = 0;  // UTC, since 1970-01-01T00:00:00Z
  auto operator<=>(const Instant&) const = default;
};

struct Date {
  std::int32_t days = 0;  // since 1970-01-01
  auto operator<=>(const Date&) const = default;

  static Date from_ymd(int year, unsigned month, unsigned day);
  void to_ymd(int& year, unsigned& month, unsigned& day) const;
  std::string to_string() const;  // YYYY-MM-DD
  Date plus_days(std::int32_t n) const { return Date{days + n}; }
};

inline constexpr std::int64_t kSecondsPerDay = 86400;

// Days since epoch for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
bool valid_civil(int year, unsigned month, unsigned day);

// "2024-06-18".
Result<Date> parse_date(std::string_view text);
// "2024-06-18T02:23:45Z".
std::string format_instant_utc(Instant t);

class TimeZone {
 public:
  // Loads an IANA zone ("Asia/Shanghai", "UTC", "America/New_York") from the system tz database.
  static Result<TimeZone> load(std::string_view name);
  static const TimeZone& shanghai();  // the default merchant zone, loaded once
  static TimeZone utc();

  const std::string& name() const { return name_; }
  // UTC offset in seconds in force at instant t.
  std::int32_t offset_at(Instant t) const;
  // Converts local wall-clock seconds (seconds since 1970-01-01T00:00 local) to an instant.
  // Ambiguous times (clocks set back) take the earlier instant; times in a gap (clocks set
  // forward) are shifted forward by the gap, as most calendars do.
  Instant from_local(std::int64_t local_seconds) const;
  std::int64_t to_local(Instant t) const { return t.seconds + offset_at(t); }
  Date local_date(Instant t) const;
  Instant start_of_day(Date d) const { return from_local(d.days * kSecondsPerDay); }
  // "2024-06-18T10:23:45+08:00".
  std::string format(Instant t) const;

 private:
  struct Segment {
    std::int64_t begin;  // UTC seconds at which `offset` takes effect
    std::int32_t offset;
  };
  std::size_t segment_index(std::int64_t utc) const;
  std::string name_;
  std::vector<Segment> segments_;  // sorted by begin; segments_[0].begin is the far past
};

// Parses an ISO-8601-ish timestamp: "2024-06-18", "2024-06-18 10:23", "2024-06-18 10:23:45",
// "2024-06-18T10:23:45.123", with an optional "Z", "+08:00" or "+0800". Without an offset the
// time is local to `zone`. '/' is accepted as the date separator. Fractions are truncated.
Result<Instant> parse_timestamp(std::string_view text, const TimeZone& zone);

}  // namespace recur
