// The JSON writer: escaping, exact numbers, and optional values written as null when absent.

#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <optional>

namespace recur {
namespace {

TEST(JsonWriter, WritesObjectsArraysAndEscapedStrings) {
  JsonWriter w;
  w.begin_object().field("name", "王\"芳\"\n").field("fen", std::int64_t{-1234}).key("tags");
  w.begin_array().value(true).value(3).end_array().end_object();
  EXPECT_EQ(w.str(), R"({"name":"王\"芳\"\n","fen":-1234,"tags":[true,3]})");
}

TEST(JsonWriter, AnAbsentOptionalIsNull) {
  JsonWriter w;
  w.begin_object()
      .field("stock_left", std::optional<std::int64_t>(7))
      .field("coupon_id", std::optional<std::int64_t>())
      .field("note", std::optional<std::string>("x"))
      .end_object();
  EXPECT_EQ(w.str(), R"({"stock_left":7,"coupon_id":null,"note":"x"})");
}

}  // namespace
}  // namespace recur
