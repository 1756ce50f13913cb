#pragma once
// Ten hand-made member profiles (ids 101..110) that the segment tests compute answers against.
// Evaluation day: 2024-06-18. The table, with "-" for null:
//
// id  lifecycle   clv_12m   orders discount sms wechat tier    last_purchase top_categories  city
// 101 dormant      600.00    3     0.25     1   0      gold    2024-03-01    母婴, 美妆       上海
// 102 new           50.00    1     0.00     1   1      normal  2024-06-10    食品             杭州
// 103 dormant      499.99    5     0.50     0   1      diamond 2024-01-15    母婴             杭州
// 104 dormant      500.00    2     -        -   0      diamond -             (empty set)      广州
// 105 mature      1200.50   12     0.10     1   1      gold    2024-06-01    美妆, 食品, 母婴  上海
// 106 -               -      0     0.75     0   0      -       -             -                -
// 107 lost           0.00    0     0.30     1   0      normal  2023-05-20    数码             深圳
// 108 dormant      800.00    4     0.20     1   1      silver  2024-04-18    母婴, 数码       苏州
// 109 growing      -15.00    2     0.05     0   1      silver  2024-05-19    美妆, Kids' wear 上海
// 110 reactivated  300.00    6     1.00     1   -      gold    2024-06-17    食品, 母婴       北京

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "segment/profile_table.h"

namespace recur::segment::testing {

inline Date sample_today() {
  return Date::from_ymd(2024, 6, 18);
}

inline ProfileTable sample_profiles() {
  using Strings = std::vector<std::string>;
  const std::optional<std::string> none;
  const std::optional<Strings> no_set;
  const auto d = [](int y, unsigned m, unsigned day) { return Date::from_ymd(y, m, day); };

  ProfileTableBuilder b({101, 102, 103, 104, 105, 106, 107, 108, 109, 110});
  const std::vector<std::optional<std::string>> lifecycle = {
      "dormant", "new",  "dormant", "dormant", "mature",
      none,      "lost", "dormant", "growing", "reactivated"};
  b.add_string({"lifecycle", "", "lifecycle stage"}, lifecycle);
  b.add_int64({"clv_12m", "fen", "predicted value of the next 12 months"},
              {60000, 5000, 49999, 50000, 120050, 0, 0, 80000, -1500, 30000},
              std::vector<std::uint8_t>{0, 0, 0, 0, 0, 1, 0, 0, 0, 0});
  b.add_int64({"orders_12m", "", "orders in the last 12 months"}, {3, 1, 5, 2, 12, 0, 0, 4, 2, 6});
  b.add_double({"discount_depth", "", "average share of list price taken off"},
               {0.25, 0.0, 0.5, 0.0, 0.1, 0.75, 0.3, 0.2, 0.05, 1.0},
               std::vector<std::uint8_t>{0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  b.add_bool({"consent.sms", "", "agreed to SMS"},
             std::vector<std::uint8_t>{1, 1, 0, 0, 1, 0, 1, 1, 0, 1},
             std::vector<std::uint8_t>{0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  b.add_bool({"consent.wechat", "", "agreed to WeChat messages"},
             std::vector<std::uint8_t>{0, 1, 1, 0, 1, 0, 0, 1, 1, 0},
             std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  const std::vector<std::optional<std::string>> tier = {
      "gold", "normal", "diamond", "diamond", "gold", none, "normal", "silver", "silver", "gold"};
  b.add_string({"tier", "", "membership tier"}, tier);
  const std::vector<Date> last = {d(2024, 3, 1),  d(2024, 6, 10), d(2024, 1, 15), Date{},
                                  d(2024, 6, 1),  Date{},         d(2023, 5, 20), d(2024, 4, 18),
                                  d(2024, 5, 19), d(2024, 6, 17)};
  b.add_date({"last_purchase", "", "day of the last purchase"}, last,
             std::vector<std::uint8_t>{0, 0, 0, 1, 0, 1, 0, 0, 0, 0});
  const std::vector<std::optional<Strings>> categories = {Strings{"母婴", "美妆"},
                                                          Strings{"食品"},
                                                          Strings{"母婴"},
                                                          Strings{},
                                                          Strings{"美妆", "食品", "母婴"},
                                                          no_set,
                                                          Strings{"数码"},
                                                          Strings{"母婴", "数码"},
                                                          Strings{"美妆", "Kids' wear"},
                                                          Strings{"食品", "母婴"}};
  b.add_string_set({"top_categories", "", "most bought categories"}, categories);
  const std::vector<std::optional<std::string>> city = {"上海", "杭州", "杭州", "广州", "上海",
                                                        none,   "深圳", "苏州", "上海", "北京"};
  b.add_string({"city", "", "city of residence"}, city);
  return std::move(b).finish().value();
}

}  // namespace recur::segment::testing
