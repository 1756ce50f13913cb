#include "demo/calendar.h"

#include <gtest/gtest.h>

namespace recur::demo {
namespace {

int index_of_date(const Calendar& cal, int y, unsigned m, unsigned d) {
  return Date::from_ymd(y, m, d).days - cal.first().days;
}

TEST(Calendar, KnowsSpringFestival) {
  EXPECT_EQ(spring_festival(2023), Date::from_ymd(2023, 1, 22));
  EXPECT_EQ(spring_festival(2024), Date::from_ymd(2024, 2, 10));
  EXPECT_EQ(spring_festival(2025), Date::from_ymd(2025, 1, 29));
  EXPECT_FALSE(spring_festival(1999).has_value());
}

TEST(Calendar, FestivalsRaiseAndSpringHolidayLowersIntensity) {
  const Calendar cal(Date::from_ymd(2024, 1, 1), Date::from_ymd(2024, 12, 31));
  ASSERT_EQ(cal.size(), 366);
  double mean = cal.total() / cal.size();
  const int nov11 = index_of_date(cal, 2024, 11, 11);
  EXPECT_EQ(cal.festival(nov11), Festival::kDouble11);
  EXPECT_TRUE(cal.is_peak(nov11));
  EXPECT_GT(cal.intensity(nov11), 3 * mean);
  EXPECT_EQ(cal.festival(index_of_date(cal, 2024, 6, 5)), Festival::k618);
  EXPECT_EQ(cal.festival(index_of_date(cal, 2024, 2, 1)), Festival::kNewYearGoods);
  const int cny = index_of_date(cal, 2024, 2, 10);
  EXPECT_EQ(cal.festival(cny), Festival::kSpringHoliday);
  EXPECT_LT(cal.intensity(cny), mean);
  EXPECT_FALSE(cal.is_sale(cny));
  EXPECT_EQ(cal.date_text(nov11), "2024-11-11");
  EXPECT_EQ(cal.month(nov11), 11);
}

TEST(Calendar, DayAtInvertsDayStart) {
  const Calendar cal(Date::from_ymd(2023, 1, 1), Date::from_ymd(2025, 12, 31));
  for (int d = 0; d < cal.size(); d += 17) {
    EXPECT_EQ(cal.day_at(cal.day_start(d)), d);
    EXPECT_EQ(cal.day_at(cal.day_start(d) + 0.999 * cal.intensity(d)), d);
  }
  EXPECT_EQ(cal.day_at(cal.total()), -1);
  EXPECT_EQ(cal.day_at(cal.total() + 5), -1);
}

TEST(Calendar, CampaignDaysStartEachPromotion) {
  const Calendar cal(Date::from_ymd(2024, 1, 1), Date::from_ymd(2024, 12, 31));
  const auto& days = cal.campaign_days();
  auto has = [&](unsigned m, unsigned d) {
    return std::find(days.begin(), days.end(), index_of_date(cal, 2024, m, d)) != days.end();
  };
  EXPECT_TRUE(has(6, 1));
  EXPECT_TRUE(has(11, 1));
  EXPECT_TRUE(has(3, 6));
  EXPECT_FALSE(has(11, 2));
  EXPECT_TRUE(std::is_sorted(days.begin(), days.end()));
}

}  // namespace
}  // namespace recur::demo
