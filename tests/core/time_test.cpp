#include "core/time.h"

#include <gtest/gtest.h>

#include "core/clock.h"

namespace recur {
namespace {

TEST(Date, CivilRoundTrip) {
  EXPECT_EQ(Date::from_ymd(1970, 1, 1).days, 0);
  EXPECT_EQ(Date::from_ymd(2000, 3, 1).days, 11017);
  for (int d = -1000; d < 30000; d += 37) {
    Date date{d};
    EXPECT_EQ(parse_date(date.to_string()).value(), date);
  }
}

TEST(Date, RejectsImpossibleDates) {
  EXPECT_FALSE(parse_date("2023-02-29").ok());
  EXPECT_TRUE(parse_date("2024-02-29").ok());
  EXPECT_FALSE(parse_date("2024-13-01").ok());
  EXPECT_FALSE(parse_date("2024-1-1x").ok());
  EXPECT_TRUE(parse_date("2024/6/8").ok());
}

TEST(TimeZone, ShanghaiIsEightHoursAhead) {
  const TimeZone& sh = TimeZone::shanghai();
  Instant t = parse_timestamp("2024-06-18 10:00:00", sh).value();
  EXPECT_EQ(format_instant_utc(t), "2024-06-18T02:00:00Z");
  EXPECT_EQ(sh.format(t), "2024-06-18T10:00:00+08:00");
  // 23:30 UTC on the 17th is already the 18th in Shanghai.
  Instant late = parse_timestamp("2024-06-17T23:30:00Z", sh).value();
  EXPECT_EQ(sh.local_date(late).to_string(), "2024-06-18");
}

TEST(TimeZone, ExplicitOffsetsOverrideTheZone) {
  const TimeZone& sh = TimeZone::shanghai();
  EXPECT_EQ(parse_timestamp("2024-06-18T10:00:00+0800", sh).value(),
            parse_timestamp("2024-06-18T02:00:00Z", sh).value());
  EXPECT_EQ(parse_timestamp("2024-06-18T10:00:00-05:30", sh).value().seconds,
            parse_timestamp("2024-06-18T15:30:00Z", sh).value().seconds);
  EXPECT_EQ(parse_timestamp("2024-06-18T10:00:00.987", sh).value(),
            parse_timestamp("2024-06-18 10:00:00", sh).value());
}

TEST(TimeZone, DaylightSavingGapAndOverlap) {
  auto ny = TimeZone::load("America/New_York");
  ASSERT_TRUE(ny.ok()) << ny.status().to_string();
  // 2024-03-10 02:30 does not exist in New York: shifted forward to 03:30 EDT (07:30Z).
  EXPECT_EQ(format_instant_utc(parse_timestamp("2024-03-10 02:30", *ny).value()),
            "2024-03-10T07:30:00Z");
  // 2024-11-03 01:30 happens twice: the earlier (EDT, 05:30Z) is taken.
  EXPECT_EQ(format_instant_utc(parse_timestamp("2024-11-03 01:30", *ny).value()),
            "2024-11-03T05:30:00Z");
  EXPECT_EQ(format_instant_utc(parse_timestamp("2024-07-01 12:00", *ny).value()),
            "2024-07-01T16:00:00Z");
}

TEST(TimeZone, UnknownZoneIsAnError) {
  EXPECT_FALSE(TimeZone::load("Mars/Olympus").ok());
}

TEST(Timestamp, RejectsBadInput) {
  const TimeZone& sh = TimeZone::shanghai();
  for (const char* s : {"", "2024", "2024-06-18 25:00", "2024-06-18 10:61", "2024-06-31",
                        "2024-06-18 10:00:00+99", "yesterday", "2024-06-18 10"}) {
    EXPECT_FALSE(parse_timestamp(s, sh).ok()) << s;
  }
}

TEST(Clock, ManualClockIsSetByHand) {
  ManualClock clock(Instant{100});
  clock.advance(50);
  EXPECT_EQ(clock.now().seconds, 150);
  clock.set(Instant{7});
  EXPECT_EQ(clock.now().seconds, 7);
}

}  // namespace
}  // namespace recur
