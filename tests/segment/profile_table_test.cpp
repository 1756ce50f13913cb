#include "segment/profile_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>

#include "segment/sample_profiles.h"

namespace recur::segment {
namespace {

using ::testing::ElementsAre;

std::string finish_error(ProfileTableBuilder b) {
  auto t = std::move(b).finish();
  EXPECT_FALSE(t.ok());
  return t.ok() ? std::string() : t.status().message();
}

TEST(ProfileTable, StoresColumnsByType) {
  const ProfileTable t = testing::sample_profiles();
  EXPECT_EQ(t.rows(), 10u);
  EXPECT_THAT(t.member_ids().subspan(0, 3), ElementsAre(101, 102, 103));

  const Column* clv = t.find("clv_12m");
  ASSERT_NE(clv, nullptr);
  EXPECT_EQ(clv->type(), ColumnType::kInt64);
  EXPECT_TRUE(clv->is_money());
  EXPECT_EQ(clv->int64s()[4], 120050);
  EXPECT_TRUE(clv->is_null(5));
  EXPECT_FALSE(clv->is_null(4));
  EXPECT_EQ(clv->info().description, "predicted value of the next 12 months");

  const Column* orders = t.find("orders_12m");
  EXPECT_FALSE(orders->is_money());
  EXPECT_FALSE(orders->has_nulls());

  const Column* sms = t.find("consent.sms");
  EXPECT_EQ(sms->type(), ColumnType::kBool);
  EXPECT_TRUE(sms->bool_at(0));
  EXPECT_FALSE(sms->bool_at(2));
  EXPECT_TRUE(sms->is_null(3));

  const Column* lifecycle = t.find("lifecycle");
  EXPECT_EQ(lifecycle->type(), ColumnType::kString);
  EXPECT_THAT(lifecycle->dictionary(),
              ElementsAre("dormant", "new", "mature", "lost", "growing", "reactivated"));
  EXPECT_EQ(lifecycle->codes()[5], kNullCode);
  EXPECT_TRUE(lifecycle->is_null(5));
  EXPECT_EQ(lifecycle->find_code("lost"), 3u);
  EXPECT_EQ(lifecycle->find_code("Lost"), std::nullopt);

  const Column* cats = t.find("top_categories");
  EXPECT_EQ(cats->type(), ColumnType::kStringSet);
  EXPECT_EQ(cats->offsets().size(), 11u);
  // Row 4 holds 美妆, 食品, 母婴; row 3 the empty set; row 5 is null.
  const auto row = [&](std::size_t r) {
    std::vector<std::string> out;
    for (std::uint32_t k = cats->offsets()[r]; k < cats->offsets()[r + 1]; ++k) {
      out.push_back(cats->dictionary()[cats->codes()[k]]);
    }
    return out;
  };
  EXPECT_THAT(row(4), ElementsAre("美妆", "食品", "母婴"));
  EXPECT_TRUE(row(3).empty());
  EXPECT_FALSE(cats->is_null(3));
  EXPECT_TRUE(cats->is_null(5));

  const Column* last = t.find("last_purchase");
  EXPECT_EQ(last->days()[0], Date::from_ymd(2024, 3, 1).days);
  EXPECT_EQ(t.find("nope"), nullptr);
}

TEST(ProfileTable, SetsDropRepeatsWithinARow) {
  ProfileTableBuilder b({1});
  const std::vector<std::optional<std::vector<std::string>>> tags = {
      std::vector<std::string>{"a", "b", "a"}};
  b.add_string_set({"tags", "", ""}, tags);
  auto t = std::move(b).finish();
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_THAT(t->find("tags")->codes(), ElementsAre(0u, 1u));
}

TEST(ProfileTable, AcceptsEncodedColumns) {
  ProfileTableBuilder b({7, 8, 9});
  b.add_string_codes({"tier", "", ""}, {"gold", "silver"}, {1, kNullCode, 0});
  b.add_string_set_codes({"tags", "", ""}, {"x", "y"}, {0, 2, 2, 3}, {0, 1, 1},
                         std::vector<std::uint8_t>{0, 1, 0});
  auto t = std::move(b).finish();
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_TRUE(t->find("tier")->is_null(1));
  EXPECT_TRUE(t->find("tags")->is_null(1));
  EXPECT_FALSE(t->find("tags")->is_null(2));
}

TEST(ProfileTable, AnEmptyTableIsFine) {
  ProfileTableBuilder b({});
  b.add_int64({"x", "", ""}, {});
  b.add_string_set_codes({"tags", "", ""}, {}, {0}, {});
  auto t = std::move(b).finish();
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->rows(), 0u);
}

TEST(ProfileTable, RejectsBadColumns) {
  {
    ProfileTableBuilder b({1, 2});
    b.add_int64({"x", "", ""}, {1});
    EXPECT_EQ(finish_error(std::move(b)), "column 'x' has 1 values for 2 rows");
  }
  {
    ProfileTableBuilder b({1, 2});
    b.add_int64({"x", "", ""}, {1, 2}, std::vector<std::uint8_t>{0});
    EXPECT_EQ(finish_error(std::move(b)), "column 'x' has 1 null flags for 2 rows");
  }
  {
    ProfileTableBuilder b({1});
    b.add_int64({"x", "", ""}, {1}).add_bool({"x", "", ""}, std::vector<std::uint8_t>{1});
    EXPECT_EQ(finish_error(std::move(b)), "column 'x' is added twice");
  }
  {
    ProfileTableBuilder b({1});
    b.add_bool({"In", "", ""}, std::vector<std::uint8_t>{1});
    EXPECT_EQ(finish_error(std::move(b)), "column name 'In' is a keyword of the segment language");
  }
  for (const char* bad : {"", "1x", "a..b", "a.", "clv 12m", "母婴"}) {
    ProfileTableBuilder b({1});
    b.add_int64({bad, "", ""}, {1});
    EXPECT_EQ(finish_error(std::move(b)),
              fmt::format("column name '{}' is not a field name (letters, digits and _, parts "
                          "joined by dots)",
                          bad));
  }
  {
    ProfileTableBuilder b({1});
    b.add_double({"clv", "fen", ""}, {1.0});
    EXPECT_EQ(finish_error(std::move(b)),
              "column 'clv' is a double column; unit 'fen' (money) needs int64");
  }
  {
    ProfileTableBuilder b({1, 2});
    b.add_double({"ratio", "", ""}, {1.0, std::nan("")});
    EXPECT_EQ(finish_error(std::move(b)), "column 'ratio' is NaN at row 1; store a null instead");
  }
  {
    ProfileTableBuilder b({1, 2});
    b.add_string_codes({"tier", "", ""}, {"gold"}, {0, 1});
    EXPECT_EQ(finish_error(std::move(b)), "column 'tier' has code 1 at row 1, beyond its 1 values");
  }
  {
    ProfileTableBuilder b({1});
    b.add_string_codes({"tier", "", ""}, {"gold", "gold"}, {0});
    EXPECT_EQ(finish_error(std::move(b)), "column 'tier' has 'gold' twice in its dictionary");
  }
  {
    ProfileTableBuilder b({1, 2});
    b.add_string_set_codes({"tags", "", ""}, {"a"}, {0, 2, 1}, {0});
    EXPECT_EQ(finish_error(std::move(b)),
              "column 'tags' has offsets that do not run from 0 up to its 1 codes");
  }
  {
    // The first error wins; later columns are ignored.
    ProfileTableBuilder b({1});
    b.add_int64({"a", "", ""}, {}).add_int64({"b", "", ""}, {});
    EXPECT_EQ(finish_error(std::move(b)), "column 'a' has 0 values for 1 rows");
  }
}

}  // namespace
}  // namespace recur::segment
