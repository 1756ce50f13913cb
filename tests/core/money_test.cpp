#include "core/money.h"

#include <gtest/gtest.h>

namespace recur {
namespace {

TEST(Money, ParsesPlainAmountsExactly) {
  EXPECT_EQ(parse_money("12.30").value(), 1230);
  EXPECT_EQ(parse_money("12.3").value(), 1230);
  EXPECT_EQ(parse_money("12").value(), 1200);
  EXPECT_EQ(parse_money("0.01").value(), 1);
  EXPECT_EQ(parse_money(".5").value(), 50);
  EXPECT_EQ(parse_money("12.").value(), 1200);
  EXPECT_EQ(parse_money(" 7.05 ").value(), 705);
}

TEST(Money, ParsesCurrencySigns) {
  EXPECT_EQ(parse_money("¥12.3").value(), 1230);
  EXPECT_EQ(parse_money("￥12.30").value(), 1230);
  EXPECT_EQ(parse_money("-¥5").value(), -500);
  EXPECT_EQ(parse_money("¥-5").value(), -500);
  EXPECT_EQ(parse_money("RMB 8").value(), 800);
}

TEST(Money, ParsesThousandsSeparators) {
  EXPECT_EQ(parse_money("1,234.50").value(), 123450);
  EXPECT_EQ(parse_money("12,345,678").value(), 1234567800);
  EXPECT_FALSE(parse_money("1,23").ok());
  EXPECT_FALSE(parse_money("1234,567").ok());
  EXPECT_FALSE(parse_money(",123").ok());
}

TEST(Money, RejectsMoreThanTwoDecimalsWithAReason) {
  auto r = parse_money("12.345");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("3 decimal places"), std::string::npos);
}

TEST(Money, RejectsGarbage) {
  for (const char* s : {"", " ", "abc", "12a", "1.2.3", "--1", "¥", ".", "1e5", "12 .3"}) {
    EXPECT_FALSE(parse_money(s).ok()) << s;
  }
}

TEST(Money, RejectsOverflow) {
  EXPECT_FALSE(parse_money("9999999999999999999999").ok());
}

TEST(Money, FormatsRoundTrip) {
  EXPECT_EQ(format_money(1230), "12.30");
  EXPECT_EQ(format_money(-5), "-0.05");
  EXPECT_EQ(format_money(0), "0.00");
  for (Fen f : {Fen{0}, Fen{1}, Fen{99}, Fen{100}, Fen{123456789}, Fen{-42}}) {
    EXPECT_EQ(parse_money(format_money(f)).value(), f);
  }
}

}  // namespace
}  // namespace recur
