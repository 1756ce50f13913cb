#include "demo/calendar.h"

#include <algorithm>
#include <array>

namespace recur::demo {

std::optional<Date> spring_festival(int year) {
  struct Entry {
    int year;
    unsigned month, day;
  };
  static constexpr std::array<Entry, 21> kTable = {{
      {2015, 2, 19}, {2016, 2, 8},  {2017, 1, 28}, {2018, 2, 16}, {2019, 2, 5},  {2020, 1, 25},
      {2021, 2, 12}, {2022, 2, 1},  {2023, 1, 22}, {2024, 2, 10}, {2025, 1, 29}, {2026, 2, 17},
      {2027, 2, 6},  {2028, 1, 26}, {2029, 2, 13}, {2030, 2, 3},  {2031, 1, 23}, {2032, 2, 11},
      {2033, 1, 31}, {2034, 2, 19}, {2035, 2, 8},
  }};
  for (const Entry& e : kTable) {
    if (e.year == year) return Date::from_ymd(e.year, e.month, e.day);
  }
  return std::nullopt;
}

namespace {

// Relative purchase intensity by weekday, Sunday first: weekends are busier.
constexpr std::array<double, 7> kWeekday = {1.15, 0.92, 0.90, 0.92, 0.95, 1.05, 1.20};

}  // namespace

Calendar::Calendar(Date first, Date last) : first_(first) {
  const int n = last.days - first.days + 1;
  days_.resize(static_cast<std::size_t>(n));
  text_.resize(static_cast<std::size_t>(n) * 10);
  for (int i = 0; i < n; ++i) {
    const Date d = first.plus_days(i);
    int y;
    unsigned m, dd;
    d.to_ymd(y, m, dd);
    Day& day = days_[i];
    day.month = static_cast<std::uint8_t>(m);
    day.festival = Festival::kNone;
    day.peak = false;
    double boost = 1.0;
    if (m == 3 && dd >= 6 && dd <= 8) {
      day.festival = Festival::kWomensDay;
      boost = dd == 8 ? 1.6 : 1.3;
    } else if (m == 6 && dd <= 18) {
      day.festival = Festival::k618;
      boost = dd == 18 ? 3.5 : dd >= 16 ? 2.2 : 1.5;
      day.peak = dd == 18;
    } else if (m == 11 && dd <= 11) {
      day.festival = Festival::kDouble11;
      boost = dd == 11 ? 4.5 : dd == 10 ? 2.4 : 1.8;
      day.peak = dd == 11;
    } else if (m == 12 && dd >= 10 && dd <= 12) {
      day.festival = Festival::kDouble12;
      boost = dd == 12 ? 2.0 : 1.3;
    }
    // 春节 belongs to the lunar year that starts in this Gregorian year or the next one.
    for (int sy : {y, y + 1}) {
      const std::optional<Date> cny = spring_festival(sy);
      if (!cny) continue;
      const int offset = d.days - cny->days;
      if (offset >= -21 && offset <= -2) {
        day.festival = Festival::kNewYearGoods;
        boost = 1.6;
      } else if (offset >= -1 && offset <= 5) {
        day.festival = Festival::kSpringHoliday;
        boost = 0.45;
      }
    }
    // 1970-01-01 was a Thursday; index 0 is Sunday.
    const int weekday = static_cast<int>(((d.days % 7) + 7 + 4) % 7);
    day.intensity = kWeekday[weekday] * boost;

    const std::string s = d.to_string();
    std::copy_n(s.data(), 10, text_.data() + static_cast<std::size_t>(i) * 10);
  }
  for (int i = 0; i < n; ++i) {
    if (is_sale(i) && (i == 0 || days_[i - 1].festival != days_[i].festival)) {
      campaign_days_.push_back(i);
    }
  }
  prefix_.resize(static_cast<std::size_t>(n) + 1);
  prefix_[0] = 0.0;
  for (int i = 0; i < n; ++i) prefix_[i + 1] = prefix_[i] + days_[i].intensity;
}

bool Calendar::is_sale(int day) const {
  switch (days_[day].festival) {
    case Festival::kWomensDay:
    case Festival::k618:
    case Festival::kDouble11:
    case Festival::kDouble12:
    case Festival::kNewYearGoods:
      return true;
    case Festival::kNone:
    case Festival::kSpringHoliday:
      return false;
  }
  return false;
}

int Calendar::day_at(double position) const {
  if (position < 0.0) return 0;
  if (position >= prefix_.back()) return -1;
  auto it = std::upper_bound(prefix_.begin(), prefix_.end(), position);
  return static_cast<int>(it - prefix_.begin()) - 1;
}

}  // namespace recur::demo
