#include "segment/expression.h"

#include <gtest/gtest.h>

namespace recur::segment {
namespace {

// The canonical form of a parsed expression, or the error.
std::string canon(std::string_view text) {
  auto e = parse_expression(text);
  return e.ok() ? to_string(*e) : "error: " + e.status().message();
}

std::string error(std::string_view text) {
  auto e = parse_expression(text);
  EXPECT_FALSE(e.ok()) << text;
  return e.ok() ? std::string() : e.status().message();
}

TEST(ExpressionParse, Predicates) {
  EXPECT_EQ(canon("lifecycle = 'dormant'"), "lifecycle = 'dormant'");
  EXPECT_EQ(canon("clv_12m>=500"), "clv_12m >= 500");
  EXPECT_EQ(canon("clv_12m <> -12.50"), "clv_12m != -12.50");
  EXPECT_EQ(canon("x == 1"), "x = 1");
  EXPECT_EQ(canon("tier in ('gold',\"diamond\")"), "tier in ('gold', 'diamond')");
  EXPECT_EQ(canon("tier NOT IN ('gold')"), "tier not in ('gold')");
  EXPECT_EQ(canon("'母婴' in top_categories"), "'母婴' in top_categories");
  EXPECT_EQ(canon("'母婴' not in top_categories"), "'母婴' not in top_categories");
  EXPECT_EQ(canon("tags Contains 'vip'"), "tags contains 'vip'");
  EXPECT_EQ(canon("tags not contains 'vip'"), "tags not contains 'vip'");
  EXPECT_EQ(canon("birthday is null"), "birthday is null");
  EXPECT_EQ(canon("birthday IS NOT NULL"), "birthday is not null");
  EXPECT_EQ(canon("consent.sms"), "consent.sms");
  EXPECT_EQ(canon("consent.sms = TRUE"), "consent.sms = true");
  EXPECT_EQ(canon("not consent.sms"), "(not consent.sms)");
}

TEST(ExpressionParse, Dates) {
  EXPECT_EQ(canon("d >= '2024-06-18'"), "d >= '2024-06-18'");
  EXPECT_EQ(canon("d >= date('2024-06-18')"), "d >= date('2024-06-18')");
  EXPECT_EQ(canon("d >= today"), "d >= today");
  EXPECT_EQ(canon("d >= today - 30"), "d >= today - 30");
  EXPECT_EQ(canon("d <= Today+7"), "d <= today + 7");
}

TEST(ExpressionParse, EscapesInStrings) {
  EXPECT_EQ(canon(R"(name = 'it\'s')"), R"(name = 'it\'s')");
  EXPECT_EQ(canon(R"(name = "it's")"), R"(name = 'it\'s')");
  EXPECT_EQ(canon(R"(name = 'a\\b')"), R"(name = 'a\\b')");
}

TEST(ExpressionParse, PrecedenceIsNotAndOr) {
  EXPECT_EQ(canon("a or b and c"), "(a or (b and c))");
  EXPECT_EQ(canon("a and b or c"), "((a and b) or c)");
  EXPECT_EQ(canon("not a and b"), "((not a) and b)");
  EXPECT_EQ(canon("not a or not b and c"), "((not a) or ((not b) and c))");
  EXPECT_EQ(canon("not (a or b)"), "(not (a or b))");
  EXPECT_EQ(canon("(a or b) and c"), "((a or b) and c)");
  EXPECT_EQ(canon("a and b and c or d or e"), "((a and b and c) or d or e)");
  EXPECT_EQ(canon("not not a"), "(not (not a))");
  EXPECT_EQ(canon("not x = 1 and y in ('a')"), "((not x = 1) and y in ('a'))");
  EXPECT_EQ(canon("A AND B OR NOT C"), "((A and B) or (not C))");
}

TEST(ExpressionParse, CanonicalFormParsesBack) {
  for (const char* text : {"a or b and not c", "x >= today - 3 and 'v' not in s",
                           "t in ('a', 'b') or d < date('2024-01-02')", "s contains 'it\\'s'"}) {
    const std::string once = canon(text);
    EXPECT_EQ(canon(once), once) << text;
  }
}

TEST(ExpressionParse, SyntaxErrors) {
  EXPECT_EQ(error(""), "expected a condition at column 1; the expression is empty\n\n^");
  EXPECT_EQ(error("and consent.sms"),
            "expected a condition, found 'and' at column 1\nand consent.sms\n^");
  EXPECT_EQ(error("consent.sms and"),
            "expected a condition after 'and' at column 16\nconsent.sms and\n               ^");
  EXPECT_EQ(error("a = 1 and (b = 2 or c = 3"),
            "expected ')' before the end at column 26; to close the '(' at column 11\n"
            "a = 1 and (b = 2 or c = 3\n"
            "                         ^");
  EXPECT_EQ(error("a = 1)"), "unexpected ')' at column 6; no '(' is open\na = 1)\n     ^");
  EXPECT_EQ(error("a = 1 b = 2"),
            "unexpected 'b' at column 7; expected 'and', 'or' or the end\n"
            "a = 1 b = 2\n"
            "      ^");
  EXPECT_EQ(error("clv_12m 500"),
            "expected an operator after 'clv_12m' at column 9; one of = != < <= > >= in, not "
            "in, contains, is null\n"
            "clv_12m 500\n"
            "        ^");
  EXPECT_EQ(error("tier in 'gold'"),
            "expected '(' after 'in' at column 9; write a list such as in ('gold', 'diamond')\n"
            "tier in 'gold'\n"
            "        ^");
  EXPECT_EQ(error("tier in ()"), "expected a value after '(' at column 10\ntier in ()\n         ^");
  EXPECT_EQ(error("tier in ('gold' 'diamond')"),
            "expected ',' or ')' after 'gold' at column 17\n"
            "tier in ('gold' 'diamond')\n"
            "                ^");
  EXPECT_EQ(error("tier not 'gold'"),
            "expected 'in' or 'contains' after 'not' at column 10\n"
            "tier not 'gold'\n"
            "         ^");
  EXPECT_EQ(error("birthday is nothing"),
            "expected 'null' or 'not null' after 'is' at column 13\n"
            "birthday is nothing\n"
            "            ^");
  EXPECT_EQ(error("tier = null"),
            "'= null' is never true at column 8; write tier is null\ntier = null\n       ^");
  EXPECT_EQ(error("tier != null"),
            "'!= null' is never true at column 9; write tier is not null\n"
            "tier != null\n"
            "        ^");
  EXPECT_EQ(error("500 <= clv_12m"),
            "expected 'in' after '500' at column 5; a condition starts with a field (clv_12m >= "
            "500) or is 'value' in field\n"
            "500 <= clv_12m\n"
            "    ^");
  EXPECT_EQ(error("'母婴' in ('a')"),
            "expected a field name after 'in' at column 9\n'母婴' in ('a')\n          ^");
  EXPECT_EQ(error("x = -"), "expected a number after '-' at column 6\nx = -\n     ^");
}

TEST(ExpressionParse, DateErrors) {
  EXPECT_EQ(error("d >= today - 30 days"),
            "unexpected 'days' at column 17; write today - 30; the number counts days\n"
            "d >= today - 30 days\n"
            "                ^");
  EXPECT_EQ(error("d >= today - 1.5"),
            "'1.5' is not a whole number of days at column 14\nd >= today - 1.5\n             ^");
  EXPECT_EQ(error("d >= today - x"),
            "expected a number of days after '-' at column 14\nd >= today - x\n             ^");
  EXPECT_EQ(error("d >= date('2024-02-30')"),
            "'2024-02-30' is not a date at column 11; write YYYY-MM-DD\n"
            "d >= date('2024-02-30')\n"
            "          ^");
  EXPECT_EQ(error("d >= date(2024)"),
            "expected a date in quotes after 'date(' at column 11; e.g. date('2024-06-18')\n"
            "d >= date(2024)\n"
            "          ^");
  EXPECT_EQ(error("d >= today - 1000000"),
            "1000000 days is too far from today at column 14; at most 100000\n"
            "d >= today - 1000000\n"
            "             ^");
}

TEST(ExpressionParse, LexicalErrors) {
  EXPECT_EQ(error("lifecycle = 'dormant"),
            "unterminated string at column 13; close it with '\n"
            "lifecycle = 'dormant\n"
            "            ^");
  EXPECT_EQ(error("a = 1 && b"),
            "unexpected character '&' at column 7; write 'and'\na = 1 && b\n      ^");
  EXPECT_EQ(error("a = 1 # b"), "unexpected character '#' at column 7\na = 1 # b\n      ^");
  EXPECT_EQ(error("母婴 in top_categories"),
            "unquoted text '母婴' at column 1; put values in quotes: '母婴'\n"
            "母婴 in top_categories\n"
            "^");
  EXPECT_EQ(error("city = 上海 and x"),
            "unquoted text '上海' at column 8; put values in quotes: '上海'\n"
            "city = 上海 and x\n"
            "       ^");
  EXPECT_EQ(error("tier in （'gold'）"),
            "full-width '（' at column 9; use '(' instead\n"
            "tier in （'gold'）\n"
            "        ^");
  EXPECT_EQ(error("city = ‘上海’"),
            "full-width '‘' at column 8; use a straight quote ' instead\ncity = ‘上海’\n       ^");
  EXPECT_EQ(error("clv_12m >= ¥500"),
            "unexpected '¥500' at column 12; write money as a plain number of yuan, e.g. "
            "clv_12m >= 500\n"
            "clv_12m >= ¥500\n"
            "           ^");
  EXPECT_EQ(error("clv_12m >= 500元"),
            "unexpected '元' at column 15; write money as a plain number of yuan, e.g. clv_12m "
            ">= 500\n"
            "clv_12m >= 500元\n"
            "              ^");
}

TEST(ExpressionParse, IdeographicSpacesAreSpaces) {
  EXPECT_EQ(canon("a\u3000=\u00A01"), "a = 1");
}

}  // namespace
}  // namespace recur::segment
