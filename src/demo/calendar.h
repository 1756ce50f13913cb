#pragma once
// The days of a generated history and their commercial rhythm: weekday effects and the Chinese
// retail festivals (38 女神节, 618, 双11, 双12, 年货节 before 春节 and the 春节 lull).
//
// Purchase processes run in "intensity time": one unit of intensity time is one ordinary day, and
// a day's length in intensity time is its intensity multiplier. A Poisson process with rate
// lambda per intensity unit therefore buys more on 双11 and less during 春节. Immutable after
// construction; safe to share across threads.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace recur::demo {

enum class Festival : std::uint8_t {
  kNone,
  kWomensDay,      // 3.8 女神节: Mar 6-8
  k618,            // Jun 1-18, peak on the 18th
  kDouble11,       // 双11: Nov 1-11, peak on the 11th
  kDouble12,       // 双12: Dec 10-12
  kNewYearGoods,   // 年货节: the three weeks before 春节
  kSpringHoliday,  // 春节 eve and the first days of the new year: shops are quiet
};

// 春节 (first day of the lunar year) of a Gregorian year; nullopt outside the built-in table
// (2015-2035), where the calendar simply has no 春节 effects.
std::optional<Date> spring_festival(int year);

class Calendar {
 public:
  // The days first..last inclusive (first <= last).
  Calendar(Date first, Date last);

  int size() const { return static_cast<int>(days_.size()); }
  Date first() const { return first_; }
  Date date(int day) const { return first_.plus_days(day); }

  // "YYYY-MM-DD" of day index `day` (0 = first).
  std::string_view date_text(int day) const {
    return {text_.data() + static_cast<std::size_t>(day) * 10, 10};
  }
  // Purchase intensity of the day relative to an ordinary weekday (about 1 on average).
  double intensity(int day) const { return days_[day].intensity; }
  Festival festival(int day) const { return days_[day].festival; }
  // A promotion day: more shoppers buy on discount and discounts are deeper.
  bool is_sale(int day) const;
  // The climax of a festival (618, 双11): a midnight rush online.
  bool is_peak(int day) const { return days_[day].peak; }
  int month(int day) const { return days_[day].month; }  // 1..12

  // Days (ascending) on which a promotion begins: marketing messages go out then.
  const std::vector<int>& campaign_days() const { return campaign_days_; }

  // Intensity-time position at the start of `day`; day_start(size()) is the total.
  double day_start(int day) const { return prefix_[day]; }
  double total() const { return prefix_.back(); }
  // The day containing intensity-time position `position`, or -1 if it lies past the last day.
  int day_at(double position) const;

 private:
  struct Day {
    double intensity;
    Festival festival;
    bool peak;
    std::uint8_t month;
  };
  Date first_;
  std::vector<Day> days_;
  std::vector<double> prefix_;  // size() + 1 running sums of intensity
  std::vector<char> text_;      // 10 chars per day
  std::vector<int> campaign_days_;
};

}  // namespace recur::demo
