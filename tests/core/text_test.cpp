#include "core/text.h"

#include <gtest/gtest.h>

namespace recur {
namespace {

TEST(Text, DisplayWidthCountsChineseAsTwoColumns) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("母婴"), 4u);
  EXPECT_EQ(display_width("share.母婴"), 10u);
  EXPECT_EQ(display_width("￥12"), 4u);  // fullwidth yen sign
  EXPECT_EQ(display_width("¥12"), 3u);   // the narrow one
  EXPECT_EQ(pad_right("母婴", 6), "母婴  ");
  EXPECT_EQ(pad_right("toolong", 3), "toolong");
  EXPECT_EQ(pad_left("¥5.00", 8), "   ¥5.00");
  EXPECT_EQ(pad_left("母婴", 6), "  母婴");
  EXPECT_EQ(pad_left("toolong", 3), "toolong");
}

TEST(Text, GroupsThousandsBeforeTheDecimalPoint) {
  EXPECT_EQ(group_thousands("0"), "0");
  EXPECT_EQ(group_thousands("999"), "999");
  EXPECT_EQ(group_thousands("1000"), "1,000");
  EXPECT_EQ(group_thousands("-1234567"), "-1,234,567");
  EXPECT_EQ(group_thousands("123456.78"), "123,456.78");
  EXPECT_EQ(group_thousands("-100.05"), "-100.05");
}

}  // namespace
}  // namespace recur
