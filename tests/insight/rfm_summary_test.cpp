#include "insight/rfm_summary.h"

#include <gtest/gtest.h>

namespace recur::insight {
namespace {

bool mentions(const Status& s, const std::string& text) {
  return s.message().find(text) != std::string::npos;
}

TEST(RfmSummary, AddKeepsWeightsImplicitUntilNeeded) {
  RfmSummary s;
  s.add(Rfm{0, 0, 10});
  s.add(Rfm{2, 4, 10});
  EXPECT_TRUE(s.weight.empty());
  EXPECT_DOUBLE_EQ(s.members(), 2);
  s.add(Rfm{1, 3, 9}, 5.0);
  ASSERT_EQ(s.weight.size(), 3u);
  EXPECT_DOUBLE_EQ(s.weight[0], 1.0);
  EXPECT_DOUBLE_EQ(s.members(), 7);
  EXPECT_EQ(s.row(2).x, 1);
  EXPECT_DOUBLE_EQ(s.row(2).t_x, 3);
  EXPECT_DOUBLE_EQ(s.row(2).T, 9);
  EXPECT_TRUE(s.validate_recency().ok());
}

TEST(RfmSummary, CompressGroupsIdenticalRowsInFirstSeenOrder) {
  RfmSummary s;
  s.add(Rfm{0, 0, 10});
  s.add(Rfm{2, 4, 10});
  s.add(Rfm{0, 0, 10});
  s.add(Rfm{2, 4, 10}, 2.5);
  s.add(Rfm{2, 4, 11});
  s.add(Rfm{0, -0.0, 10});  // -0 and +0 are one value
  const RfmSummary c = compress(s);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.x, (std::vector<std::int32_t>{0, 2, 2}));
  EXPECT_EQ(c.T, (std::vector<double>{10, 10, 11}));
  EXPECT_EQ(c.weight, (std::vector<double>{3, 3.5, 1}));
  EXPECT_DOUBLE_EQ(c.members(), s.members());
  EXPECT_TRUE(c.m_x.empty());
}

TEST(RfmSummary, CompressKeepsDifferentSpendApart) {
  RfmSummary s;
  s.add_with_spend(Rfm{1, 2, 5}, 10.0);
  s.add_with_spend(Rfm{1, 2, 5}, 12.0);
  s.add_with_spend(Rfm{1, 2, 5}, 10.0);
  s.add_with_spend(Rfm{0, 0, 5}, 99.0);  // m_x is meaningless at x = 0 and does not split rows
  s.add_with_spend(Rfm{0, 0, 5}, 0.0);
  const RfmSummary c = compress(s);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.m_x, (std::vector<double>{10, 12, 0}));
  EXPECT_EQ(c.weight, (std::vector<double>{2, 1, 2}));
}

TEST(RfmSummary, ValidationNamesTheRowAndField) {
  RfmSummary s;
  s.add(Rfm{1, 2, 5});
  s.add(Rfm{1, 6, 5});
  Status st = s.validate_recency();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(mentions(st, "row 1")) << st.message();
  EXPECT_TRUE(mentions(st, "exceeds age T")) << st.message();

  RfmSummary zero;
  zero.add(Rfm{0, 1, 5});
  EXPECT_TRUE(mentions(zero.validate_recency(), "must be 0 when x = 0"));

  RfmSummary negative;
  negative.add(Rfm{-1, 0, 5});
  EXPECT_TRUE(mentions(negative.validate_recency(), "x must be >= 0"));

  RfmSummary weights;
  weights.add(Rfm{0, 0, 5}, -1.0);
  EXPECT_TRUE(mentions(weights.validate_recency(), "weight"));

  RfmSummary ragged;
  ragged.x = {1, 2};
  ragged.t_x = {1};
  ragged.T = {3, 4};
  EXPECT_TRUE(mentions(ragged.validate_recency(), "differ in length"));
}

TEST(RfmSummary, SpendValidationNeedsPositiveMeansForRepeatCustomers) {
  RfmSummary s;
  s.add(Rfm{0, 0, 5});
  EXPECT_TRUE(mentions(s.validate_spend(), "m_x has 0 rows"));
  s.m_x = {0.0};  // x = 0: m_x is ignored
  EXPECT_TRUE(s.validate_spend().ok());
  s.add_with_spend(Rfm{2, 3, 5}, 0.0);  // a repeat customer who spent nothing
  Status st = s.validate_spend();
  EXPECT_TRUE(mentions(st, "row 1")) << st.message();
  EXPECT_TRUE(mentions(st, "m_x must be finite and > 0")) << st.message();
}

}  // namespace
}  // namespace recur::insight
