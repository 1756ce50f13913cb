#include "segment/segment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "segment/sample_profiles.h"

namespace recur::segment {
namespace {

using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

struct Case {
  const char* expression;
  std::vector<MemberId> members;
};

class SegmentTest : public ::testing::Test {
 protected:
  std::vector<MemberId> members(std::string_view expression, Date today = testing::sample_today()) {
    auto seg = Segment::compile(expression, table_);
    EXPECT_TRUE(seg.ok()) << expression << "\n" << seg.status().message();
    if (!seg.ok()) return {};
    EXPECT_EQ(seg->count(today), seg->member_ids(today).size()) << expression;
    return seg->member_ids(today);
  }

  // The error message of an expression that must not compile.
  std::string error(std::string_view expression) {
    auto seg = Segment::compile(expression, table_);
    EXPECT_FALSE(seg.ok()) << expression;
    return seg.ok() ? std::string() : seg.status().message();
  }

  std::vector<std::string> warnings(std::string_view expression) {
    auto seg = Segment::compile(expression, table_);
    EXPECT_TRUE(seg.ok()) << expression << "\n" << seg.status().message();
    std::vector<std::string> out;
    if (seg.ok()) {
      for (const SegmentWarning& w : seg->warnings()) out.push_back(w.message);
    }
    return out;
  }

  void expect_cases(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      EXPECT_THAT(members(c.expression), ElementsAreArray(c.members)) << c.expression;
    }
  }

  ProfileTable table_ = testing::sample_profiles();
};

TEST_F(SegmentTest, StringEqualityAndLists) {
  expect_cases({
      {"lifecycle = 'dormant'", {101, 103, 104, 108}},
      {"lifecycle == 'dormant'", {101, 103, 104, 108}},
      // A null lifecycle is unknown: neither equal nor different.
      {"lifecycle != 'dormant'", {102, 105, 107, 109, 110}},
      {"lifecycle <> 'dormant'", {102, 105, 107, 109, 110}},
      {"lifecycle in ('new', 'lost')", {102, 107}},
      {"lifecycle not in ('new', 'lost')", {101, 103, 104, 105, 108, 109, 110}},
      {"tier in ('gold','diamond')", {101, 103, 104, 105, 110}},
      {"city = '上海'", {101, 105, 109}},
      {"city = \"杭州\"", {102, 103}},
      {"city contains '州'", {102, 103, 104, 108}},
      {"city not contains '州'", {101, 105, 107, 109, 110}},
      {"lifecycle = 'dormnat'", {}},
  });
}

TEST_F(SegmentTest, MoneyIsWrittenInYuan) {
  expect_cases({
      {"clv_12m >= 500", {101, 104, 105, 108}},
      {"clv_12m > 500", {101, 105, 108}},
      {"clv_12m >= 499.99", {101, 103, 104, 105, 108}},
      {"clv_12m = 1200.5", {105}},
      {"clv_12m = 1200.50", {105}},
      {"clv_12m >= 500.000", {101, 104, 105, 108}},
      {"clv_12m < 0", {109}},
      {"clv_12m = -15", {109}},
      {"clv_12m <= 300", {102, 107, 109, 110}},
      {"clv_12m != 0", {101, 102, 103, 104, 105, 108, 109, 110}},
  });
}

TEST_F(SegmentTest, NumbersAndDecimals) {
  expect_cases({
      {"orders_12m >= 5", {103, 105, 110}},
      {"orders_12m >= 5.0", {103, 105, 110}},
      {"orders_12m = 0", {106, 107}},
      {"orders_12m < 2", {102, 106, 107}},
      {"discount_depth > 0.25", {103, 106, 107, 110}},
      {"discount_depth <= 0.25", {101, 102, 105, 108, 109}},
      {"discount_depth = 1", {110}},
  });
}

TEST_F(SegmentTest, YesNoFields) {
  expect_cases({
      {"consent.sms", {101, 102, 105, 107, 108, 110}},
      {"consent.sms = true", {101, 102, 105, 107, 108, 110}},
      {"not consent.sms", {103, 106, 109}},
      {"consent.sms = false", {103, 106, 109}},
      {"consent.sms != true", {103, 106, 109}},
      {"consent.sms is null", {104}},
      {"consent.wechat and consent.sms", {102, 105, 108}},
      {"not not consent.sms", {101, 102, 105, 107, 108, 110}},
  });
}

TEST_F(SegmentTest, StringSets) {
  expect_cases({
      {"'母婴' in top_categories", {101, 103, 105, 108, 110}},
      {"top_categories contains '母婴'", {101, 103, 105, 108, 110}},
      // 104's set is empty (known to hold nothing); 106's is null (unknown).
      {"'母婴' not in top_categories", {102, 104, 107, 109}},
      {"top_categories not contains '母婴'", {102, 104, 107, 109}},
      {"top_categories contains '数码'", {107, 108}},
      {"\"Kids' wear\" in top_categories", {109}},
      {"'Kids\\' wear' in top_categories", {109}},
      {"top_categories is null", {106}},
      {"'玩具' in top_categories", {}},
  });
}

TEST_F(SegmentTest, AbsoluteDates) {
  expect_cases({
      {"last_purchase >= '2024-06-01'", {102, 105, 110}},
      {"last_purchase < date('2024-01-01')", {107}},
      {"last_purchase = '2024-04-18'", {108}},
      {"last_purchase is null", {104, 106}},
      {"last_purchase is not null", {101, 102, 103, 105, 107, 108, 109, 110}},
  });
}

TEST_F(SegmentTest, DatesRelativeToTheEvaluationDay) {
  // today is 2024-06-18: today - 30 is 2024-05-19, today - 90 is 2024-03-20.
  expect_cases({
      {"last_purchase >= today - 30", {102, 105, 109, 110}},
      {"last_purchase < today - 90", {101, 103, 107}},
      {"last_purchase = today - 1", {110}},
      {"last_purchase > today", {}},
      {"last_purchase <= today - 365", {107}},
      {"last_purchase < today + 7", {101, 102, 103, 105, 107, 108, 109, 110}},
      {"last_purchase >= TODAY-30", {102, 105, 109, 110}},
  });
  // The same segment on another day: today - 30 is now 2024-06-10.
  EXPECT_THAT(members("last_purchase >= today - 30", Date::from_ymd(2024, 7, 10)),
              ElementsAreArray({102, 110}));
}

TEST_F(SegmentTest, PrecedenceIsNotThenAndThenOr) {
  expect_cases({
      // and binds tighter than or.
      {"lifecycle = 'new' or lifecycle = 'lost' and orders_12m = 0", {102, 107}},
      {"(lifecycle = 'new' or lifecycle = 'lost') and orders_12m = 0", {107}},
      // not binds tighter than and.
      {"not lifecycle = 'dormant' and consent.sms", {102, 105, 107, 110}},
      {"consent.sms = true and not (tier = 'gold')", {102, 107, 108}},
      {"lifecycle = 'dormant' AND clv_12m >= 500 Or tier IN ('silver')", {101, 104, 108, 109}},
      {"((lifecycle = 'dormant'))", {101, 103, 104, 108}},
  });
}

TEST_F(SegmentTest, NullsFollowThreeValuedLogic) {
  expect_cases({
      // and: 104 is dormant with unknown consent -> unknown -> not (unknown) stays unknown; 106
      // has unknown lifecycle but sms = false -> false -> not false is true.
      {"not (lifecycle = 'dormant' and consent.sms)", {102, 103, 105, 106, 107, 109, 110}},
      // or: 106 is unknown or false -> unknown; 104 is true or unknown -> true.
      {"lifecycle = 'dormant' or consent.sms", {101, 102, 103, 104, 105, 107, 108, 110}},
      {"tier is null or clv_12m is null", {106}},
      {"lifecycle is not null and tier is not null", {101, 102, 103, 104, 105, 107, 108, 109, 110}},
  });
}

TEST_F(SegmentTest, HeadlineExample) {
  expect_cases({
      {"lifecycle = 'dormant' and clv_12m >= 500 and '母婴' in top_categories and "
       "tier in ('gold','diamond') and consent.sms",
       {101}},
  });
}

TEST_F(SegmentTest, EvaluateGivesRowsAndMembers) {
  auto seg = Segment::compile("lifecycle = 'dormant'", table_);
  ASSERT_TRUE(seg.ok()) << seg.status().message();
  const RowBitmap rows = seg->evaluate(testing::sample_today());
  EXPECT_EQ(rows.rows(), 10u);
  EXPECT_THAT(rows.to_rows(), ElementsAreArray({0u, 2u, 3u, 7u}));
  EXPECT_EQ(seg->count(testing::sample_today()), 4u);
  EXPECT_FALSE(seg->plan().uses_today());
  EXPECT_TRUE(Segment::compile("last_purchase > today - 3", table_)->plan().uses_today());
}

TEST_F(SegmentTest, PlanPutsCheapLeavesFirstAndResolvesLiterals) {
  auto seg = Segment::compile(
      "'母婴' in top_categories and tier in ('gold','diamond') and clv_12m >= 500 and "
      "consent.sms and last_purchase < today - 7",
      table_);
  ASSERT_TRUE(seg.ok()) << seg.status().message();
  EXPECT_EQ(seg->plan().explain(),
            "and\n"
            "  bool consent.sms\n"
            "  int64 clv_12m >= 50000\n"
            "  date last_purchase < today-7\n"
            "  codes tier (2 of 4 codes)\n"
            "  set-has top_categories (1 of 5 codes)\n");
}

TEST_F(SegmentTest, OrOfValuesOfOneFieldReadsItOnce) {
  auto seg = Segment::compile(
      "'母婴' in top_categories or tier = 'gold' or '数码' in top_categories or tier = 'silver' "
      "or tier = 'gold'",
      table_);
  ASSERT_TRUE(seg.ok()) << seg.status().message();
  EXPECT_EQ(seg->plan().explain(),
            "or\n"
            "  codes tier (2 of 4 codes)\n"
            "  set-has top_categories (2 of 5 codes)\n");
  EXPECT_THAT(seg->member_ids(testing::sample_today()),
              ElementsAreArray({101, 103, 105, 107, 108, 109, 110}));
  // One condition left after merging needs no `or` at all.
  EXPECT_EQ(Segment::compile("tier = 'gold' or tier = 'silver'", table_)->plan().explain(),
            "codes tier (2 of 4 codes)\n");
}

// --- Errors: what is wrong, where (in characters), a hint, the expression and a caret. ---

TEST_F(SegmentTest, ParseErrorsPointAtTheColumn) {
  EXPECT_EQ(error("lifecycle = 'dormant' and clv_12m >= and consent.sms"),
            "expected a value after '>=' at column 38\n"
            "lifecycle = 'dormant' and clv_12m >= and consent.sms\n"
            "                                     ^");
  EXPECT_EQ(error("clv_12m >="),
            "expected a value after '>=' at column 11\n"
            "clv_12m >=\n"
            "          ^");
}

TEST_F(SegmentTest, ColumnsCountCharactersNotBytes) {
  // '母婴' is 2 characters (6 bytes); the caret line pads each wide character with 2 spaces.
  EXPECT_EQ(error("'母婴' in top_categories and tier = 5"),
            "cannot compare string field 'tier' with a number at column 35; put the value in "
            "quotes: '5'\n"
            "'母婴' in top_categories and tier = 5\n"
            "                                    ^");
}

TEST_F(SegmentTest, UnknownFieldsSuggestTheClosest) {
  EXPECT_EQ(error("clv12m >= 500"),
            "unknown field 'clv12m' at column 1; did you mean 'clv_12m'?\n"
            "clv12m >= 500\n"
            "^");
  EXPECT_EQ(error("consent.sms and lifecyle = 'new'"),
            "unknown field 'lifecyle' at column 17; did you mean 'lifecycle'?\n"
            "consent.sms and lifecyle = 'new'\n"
            "                ^");
  EXPECT_EQ(error("Tier = 'gold'"),
            "unknown field 'Tier' at column 1; did you mean 'tier'?\n"
            "Tier = 'gold'\n"
            "^");
  EXPECT_EQ(error("favourite_colour = 'red'"),
            "unknown field 'favourite_colour' at column 1\n"
            "favourite_colour = 'red'\n"
            "^");
}

TEST_F(SegmentTest, TypeErrorsSaySo) {
  EXPECT_EQ(error("top_categories = '母婴'"),
            "'=' does not apply to string set field 'top_categories' at column 16; test an "
            "element with 'value' in top_categories or top_categories contains 'value'\n"
            "top_categories = '母婴'\n"
            "               ^");
  EXPECT_EQ(error("clv_12m in (100, 200)"),
            "'in (...)' does not apply to money field 'clv_12m' at column 9; lists are for "
            "string fields; use comparisons joined by or\n"
            "clv_12m in (100, 200)\n"
            "        ^");
  EXPECT_EQ(error("lifecycle > 'dormant'"),
            "'>' does not apply to string field 'lifecycle' at column 11; use =, != or in (...)\n"
            "lifecycle > 'dormant'\n"
            "          ^");
  EXPECT_EQ(error("clv_12m >= '500'"),
            "cannot compare money field 'clv_12m' with a string at column 12; remove the quotes: "
            "500\n"
            "clv_12m >= '500'\n"
            "           ^");
  EXPECT_EQ(error("clv_12m >= 'lots'"),
            "cannot compare money field 'clv_12m' with a string at column 12; write an amount in "
            "yuan, e.g. 500 or 99.90\n"
            "clv_12m >= 'lots'\n"
            "           ^");
  EXPECT_EQ(error("last_purchase >= 30"),
            "cannot compare date field 'last_purchase' with a number at column 18; write a date "
            "such as '2024-06-18' or today - 30\n"
            "last_purchase >= 30\n"
            "                 ^");
  EXPECT_EQ(error("consent.sms > true"),
            "'>' does not apply to yes/no field 'consent.sms' at column 13; use = true, = false, "
            "or the field alone: consent.sms\n"
            "consent.sms > true\n"
            "            ^");
  EXPECT_EQ(error("consent.sms = 'yes'"),
            "cannot compare yes/no field 'consent.sms' with a string at column 15; write true or "
            "false, or the field alone: consent.sms\n"
            "consent.sms = 'yes'\n"
            "              ^");
  EXPECT_EQ(error("clv_12m and consent.sms"),
            "money field 'clv_12m' is not a yes/no condition at column 1; compare it, e.g. "
            "clv_12m > 0\n"
            "clv_12m and consent.sms\n"
            "^");
  EXPECT_EQ(error("'dormant' in lifecycle"),
            "'value in field' needs a string set field, not string field 'lifecycle' at column "
            "11; write lifecycle = 'dormant'\n"
            "'dormant' in lifecycle\n"
            "          ^");
  EXPECT_EQ(error("clv_12m contains '5'"),
            "'contains' does not apply to money field 'clv_12m' at column 9; it tests an element "
            "of a string set or a part of a string\n"
            "clv_12m contains '5'\n"
            "        ^");
  EXPECT_EQ(error("tier in ('gold', 3)"),
            "cannot compare string field 'tier' with a number at column 18; put the value in "
            "quotes: '3'\n"
            "tier in ('gold', 3)\n"
            "                 ^");
  EXPECT_EQ(error("clv_12m = today"),
            "cannot compare money field 'clv_12m' with a date at column 11; write an amount in "
            "yuan, e.g. 500 or 99.90\n"
            "clv_12m = today\n"
            "          ^");
}

TEST_F(SegmentTest, BadLiteralsSaySo) {
  EXPECT_EQ(error("clv_12m >= 500.005"),
            "500.005 has more than 2 decimal places at column 12; money is counted in whole fen "
            "(0.01 yuan)\n"
            "clv_12m >= 500.005\n"
            "           ^");
  EXPECT_EQ(error("orders_12m > 2.5"),
            "2.5 is not a whole number at column 14; number field 'orders_12m' holds whole "
            "numbers\n"
            "orders_12m > 2.5\n"
            "             ^");
  EXPECT_EQ(error("clv_12m > 99999999999999999999"),
            "99999999999999999999 is too large at column 11\n"
            "clv_12m > 99999999999999999999\n"
            "          ^");
  EXPECT_EQ(error("last_purchase >= '2024-13-01'"),
            "'2024-13-01' is not a date at column 18; write YYYY-MM-DD, e.g. '2024-06-18'\n"
            "last_purchase >= '2024-13-01'\n"
            "                 ^");
}

TEST_F(SegmentTest, ErrorsOnLaterLinesNameTheLine) {
  EXPECT_EQ(error("lifecycle = 'dormant'\n  and clv_12n >= 500"),
            "unknown field 'clv_12n' at line 2, column 7; did you mean 'clv_12m'?\n"
            "  and clv_12n >= 500\n"
            "      ^");
}

// --- Warnings: values not in the dictionary match nothing, which is usually a typo. ---

TEST_F(SegmentTest, UnknownValuesWarnWithTheNearestKnownValue) {
  EXPECT_THAT(warnings("lifecycle = 'dormnat'"),
              ElementsAreArray({"'dormnat' is not a known value of lifecycle at column 13; did "
                                "you mean 'dormant'?"}));
  EXPECT_THAT(warnings("tier in ('gold', 'Diamond', 'platinum')"),
              ElementsAreArray({"'Diamond' is not a known value of tier at column 18; did you "
                                "mean 'diamond'?",
                                "'platinum' is not a known value of tier at column 29; known "
                                "values: 'diamond', 'gold', 'normal', 'silver'"}));
  // Traditional 嬰 for simplified 婴.
  EXPECT_THAT(warnings("'母嬰' in top_categories"),
              ElementsAreArray({"'母嬰' is not a known value of top_categories at column 1; did "
                                "you mean '母婴'?"}));
  EXPECT_THAT(warnings("city contains '港'"),
              ElementsAreArray({"no value of city contains '港' at column 15"}));
  EXPECT_THAT(warnings("lifecycle = 'dormant' and tier != 'gold' and city contains '州'"),
              IsEmpty());
}

}  // namespace
}  // namespace recur::segment
