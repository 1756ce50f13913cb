#include "segment/diagnostic.h"

#include <gtest/gtest.h>

#include <vector>

#include "segment/suggest.h"

namespace recur::segment {
namespace {

TEST(Diagnostic, ColumnsCountCharacters) {
  const std::string_view text = "'母婴' in x";
  EXPECT_EQ(column_at(text, 0), 1u);
  EXPECT_EQ(column_at(text, 1), 2u);   // 母
  EXPECT_EQ(column_at(text, 4), 3u);   // 婴
  EXPECT_EQ(column_at(text, 7), 4u);   // closing quote
  EXPECT_EQ(column_at(text, 12), 9u);  // x
  EXPECT_EQ(column_at(text, text.size()), 10u);
}

TEST(Diagnostic, LinesAreCountedWhenThereAreSeveral) {
  const std::string_view text = "a = 1\nand 母 = 2";
  EXPECT_EQ(location_at(text, 4), "at line 1, column 5");
  EXPECT_EQ(location_at(text, 6), "at line 2, column 1");
  EXPECT_EQ(location_at(text, 14), "at line 2, column 7");
  EXPECT_EQ(caret_excerpt(text, 14), "and 母 = 2\n       ^");
  EXPECT_EQ(location_at("a = 1", 4), "at column 5");
}

TEST(Diagnostic, CaretLinePadsWideCharactersAndKeepsTabs) {
  EXPECT_EQ(caret_excerpt("母婴 x", 7), "母婴 x\n     ^");
  EXPECT_EQ(caret_excerpt("\tx", 1), "\tx\n\t^");
  EXPECT_EQ(caret_excerpt("café x", 6), "café x\n     ^");
}

TEST(Diagnostic, RendersReasonLocationHintAndCaret) {
  const Status s = syntax_error("a >= ", 5, "expected a value after '>='", "e.g. 500");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "expected a value after '>=' at column 6; e.g. 500\na >= \n     ^");
}

TEST(Diagnostic, InvalidUtf8IsWalkedByteByByte) {
  const std::string text = "a\xff\xfe b";
  EXPECT_EQ(column_at(text, 4), 5u);
}

TEST(Suggest, EditDistance) {
  EXPECT_EQ(edit_distance("dormant", "dormant"), 0u);
  EXPECT_EQ(edit_distance("dormnat", "dormant"), 1u);  // a swap counts once
  EXPECT_EQ(edit_distance("clv12m", "clv_12m"), 1u);
  EXPECT_EQ(edit_distance("Gold", "gold"), 0u);
  EXPECT_EQ(edit_distance("母嬰", "母婴"), 1u);  // characters, not bytes
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Suggest, ClosestMatchOnlyWhenClose) {
  const std::vector<std::string> names = {"lifecycle", "clv_12m", "tier", "top_categories"};
  EXPECT_EQ(closest_match("lifecyle", names), "lifecycle");
  EXPECT_EQ(closest_match("clv_12", names), "clv_12m");
  EXPECT_EQ(closest_match("TIER", names), "tier");
  EXPECT_EQ(closest_match("top_category", names), "top_categories");
  EXPECT_EQ(closest_match("favourite", names), std::nullopt);
  EXPECT_EQ(closest_match("x", {}), std::nullopt);
}

}  // namespace
}  // namespace recur::segment
