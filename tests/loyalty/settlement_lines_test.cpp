// The settlement lines' column (migration 12): what encode writes, decode reads back exactly,
// and the text the migration's SQL writes (json_array) reads too.

#include "loyalty/settlement_lines.h"

#include <gtest/gtest.h>

namespace recur::loyalty {
namespace {

TEST(SettlementLinesTest, RoundTripsEveryField) {
  std::vector<SettlementLineRecord> lines = {{2, 10000, 500, 2500, 2500, 7000, 5000, 1250, 3500},
                                             {1, 1, 0, 0, 0, 1, 1, 0, 1}};
  const std::string text = encode_settlement_lines(lines);
  EXPECT_EQ(text, "[[2,10000,500,2500,2500,7000,5000,1250,3500],[1,1,0,0,0,1,1,0,1]]");
  auto back = decode_settlement_lines(text);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, lines);  // in the order written
  EXPECT_EQ(encode_settlement_lines({}), "[]");
  auto sql = decode_settlement_lines("[[1, 999, 0, 0, 0, 999, 0, 0, 0]]");
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ((*sql)[0].paid, 999);
}

TEST(SettlementLinesTest, RefusesAnyOtherWidthSayingWhat) {
  for (const char* bad :
       {"[[1,2,3,4,5,6,7]]", "[[1,2,3,4,5,6,7,8,9,10]]", "[[1,2,3,4,5,6,7,8,9]", "{}"}) {
    auto r = decode_settlement_lines(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInternal) << bad;
    EXPECT_NE(r.status().message().find("settlement lines at offset"), std::string::npos)
        << r.status().message();
  }
}

}  // namespace
}  // namespace recur::loyalty
