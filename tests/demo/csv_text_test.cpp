#include "demo/csv_text.h"

#include <gtest/gtest.h>

#include "core/money.h"

namespace recur::demo {
namespace {

TEST(CsvText, MoneyMatchesFormatMoney) {
  for (Fen v : {0LL, 1LL, 5LL, 10LL, 99LL, 100LL, 101LL, 1230LL, 999999LL, 123456789LL, -1LL, -5LL,
                -100LL, -123456LL, 9'000'000'000'000'000LL}) {
    std::string s;
    csv::money(s, v);
    EXPECT_EQ(s, format_money(v)) << v;
  }
  for (Fen v = -2000; v <= 20000; v += 7) {
    std::string s;
    csv::money(s, v);
    ASSERT_EQ(s, format_money(v)) << v;
  }
}

TEST(CsvText, QuotesOnlyWhenNeeded) {
  std::string s;
  csv::field(s, "帮宝适 纸尿裤");
  s += '|';
  csv::field(s, "750g,30袋装");
  s += '|';
  csv::field(s, "糕点礼盒\"京八件\"");
  s += '|';
  csv::field(s, "");
  EXPECT_EQ(s, "帮宝适 纸尿裤|\"750g,30袋装\"|\"糕点礼盒\"\"京八件\"\"\"|");
}

TEST(CsvText, FormatsIntegersAndTimestamps) {
  std::string s;
  csv::integer(s, 0);
  s += ' ';
  csv::integer(s, -42);
  s += ' ';
  csv::integer(s, 1234567890123LL);
  EXPECT_EQ(s, "0 -42 1234567890123");

  const Calendar cal(Date::from_ymd(2024, 2, 28), Date::from_ymd(2024, 3, 1));
  s.clear();
  csv::timestamp(s, cal, 0);
  s += '|';
  csv::timestamp(s, cal, 86400 + 23 * 3600 + 59 * 60 + 59);
  s += '|';
  csv::timestamp(s, cal, 2 * 86400 + 9 * 3600 + 5 * 60 + 7);
  EXPECT_EQ(s, "2024-02-28 00:00:00|2024-02-29 23:59:59|2024-03-01 09:05:07");
}

}  // namespace
}  // namespace recur::demo
