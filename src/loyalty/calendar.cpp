#include "loyalty/calendar.h"

namespace recur::loyalty {
namespace {

unsigned days_in_month(int y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

Date add_months(Date d, int months) {
  int y;
  unsigned m, day;
  d.to_ymd(y, m, day);
  std::int64_t index = static_cast<std::int64_t>(y) * 12 + (m - 1) + months;
  int ny = static_cast<int>(index >= 0 ? index / 12 : (index - 11) / 12);
  auto nm = static_cast<unsigned>(index - static_cast<std::int64_t>(ny) * 12 + 1);
  unsigned last = days_in_month(ny, nm);
  return Date::from_ymd(ny, nm, day > last ? last : day);
}

Date start_of_year(Date d, int years) {
  int y;
  unsigned m, day;
  d.to_ymd(y, m, day);
  return Date::from_ymd(y + years, 1, 1);
}

Date period_start(Date d, int months) {
  int y;
  unsigned m, day;
  d.to_ymd(y, m, day);
  std::int64_t index = static_cast<std::int64_t>(y) * 12 + (m - 1);
  index -= index % months;
  return Date::from_ymd(static_cast<int>(index / 12), static_cast<unsigned>(index % 12 + 1), 1);
}

int month_of(Date d) {
  int y;
  unsigned m, day;
  d.to_ymd(y, m, day);
  return static_cast<int>(m);
}

int day_of_month(Date d) {
  int y;
  unsigned m, day;
  d.to_ymd(y, m, day);
  return static_cast<int>(day);
}

}  // namespace recur::loyalty
