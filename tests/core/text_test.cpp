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
}

}  // namespace
}  // namespace recur
