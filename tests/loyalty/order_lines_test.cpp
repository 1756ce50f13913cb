// The lines column of loyalty_orders: what encode writes, decode reads back exactly, and a text
// that is not the expected shape is refused with where it went wrong.

#include "loyalty/order_lines.h"

#include <gtest/gtest.h>

namespace recur::loyalty {
namespace {

TEST(OrderLinesTest, WritesTheSevenFieldsOfEachLineInOrder) {
  EXPECT_EQ(encode_order_lines({}), "[]");
  EXPECT_EQ(encode_order_lines({{1, 10000, 100, 90, 0, 0, 0}, {3, 2345, 23, 23, 2345, 23, 23}}),
            "[[1,10000,100,90,0,0,0],[3,2345,23,23,2345,23,23]]");
}

TEST(OrderLinesTest, ReadsBackWhatItWrote) {
  const std::vector<OrderLineRecord> lines = {
      {1, 0, 0, 0, 0, 0, 0},
      {2, 9223372036854775807, -5, 7, 1, 2, 3},  // extremes survive (a negative is check's job)
      {10, 199, 1, 1, 199, 1, 1}};
  auto back = decode_order_lines(encode_order_lines(lines));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, lines);
}

TEST(OrderLinesTest, ReadsWhatSqliteJsonFunctionsWrite) {
  // json_replace and json_array in a hand-mended row may add spaces; they are read the same.
  auto back = decode_order_lines(" [ [1, 500, 5, 5, 0, 0, 0] ,[2,1,0,0,0,0,0] ] ");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0], (OrderLineRecord{1, 500, 5, 5, 0, 0, 0}));
  EXPECT_EQ((*back)[1].line_no, 2);
}

TEST(OrderLinesTest, RefusesAnyOtherShapeSayingWhere) {
  for (const char* bad : {"", "{}", "[[1,2,3,4,5,6]]", "[[1,2,3,4,5,6,7,8]]", "[[1,2,3,4,5,6,7]",
                          "[[1,2,3,4,5,6,7]] x", "[[1,2,3,4.5,5,6,7]]", "[[1,2,\"3\",4,5,6,7]]",
                          "[[1,2,3,4,5,6,7],]"}) {
    auto r = decode_order_lines(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInternal) << bad;
    EXPECT_NE(r.status().message().find("order lines at offset"), std::string::npos)
        << r.status().message();
  }
  auto r = decode_order_lines("[[1,2,3,x,5,6,7]]");
  EXPECT_NE(r.status().message().find("offset 8: an integer expected"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace recur::loyalty
