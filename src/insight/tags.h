#pragma once
// The member profile (会员画像): named dimensions, each with a family, a type, a one-line
// description and an explanation for one member. One registry serves `recur compute` (stored
// profiles), `recur member show --explain`, the segment language and the API, so a dimension
// is defined once.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "insight/history.h"
#include "insight/insight_config.h"
#include "insight/measures.h"
#include "insight/scoring.h"

namespace recur::insight {

enum class TagType : std::uint8_t { kInt, kMoney, kDouble, kBool, kString, kStringSet, kDate };

// A value: null (monostate), integer (money in fen), double, bool, string, set of strings, or a
// date (days since epoch, tagged so it renders as YYYY-MM-DD).
struct DateValue {
  std::int32_t days;
};
using TagValue = std::variant<std::monostate, std::int64_t, double, bool, std::string,
                              std::vector<std::string>, DateValue>;

struct LoyaltySnapshot;

struct TagContext {
  TagContext(const History& h, const MemberMeasures& mm, const MemberScores& sc,
             const InsightConfig& c, const LoyaltySnapshot* l = nullptr)
      : history(h), measures(mm), scores(sc), config(c), loyalty(l) {}
  const History& history;
  const MemberMeasures& measures;
  const MemberScores& scores;
  const InsightConfig& config;
  const LoyaltySnapshot* loyalty;  // null or without a program: the loyalty tags are empty
};

struct TagDef {
  std::string name;    // snake_case; dots group (consent.sms)
  std::string family;  // demographics, rfm, lifecycle, cycle, category, channel, value, time,
                       // engagement, prediction, replenishment, loyalty
  TagType type;
  std::string description;
  std::function<TagValue(const TagContext&, std::size_t member)> value;
  // Why this member has this value; empty: the value speaks for itself.
  std::function<std::string(const TagContext&, std::size_t member)> explain;
};

const std::vector<TagDef>& tag_registry();
const TagDef* find_tag(std::string_view name);

// JSON of one member's profile: {"name": value, …}; money as fen integers.
std::string profile_json(const TagContext& ctx, std::size_t member);
// The same JSON from names and values (a stored profile read back).
std::string profile_json(const std::vector<std::string>& names,
                         const std::vector<TagValue>& values);
// Text rendering of a value ("¥123.40" for money, "2024-06-18" for dates, "a, b" for sets).
std::string render_tag(const TagDef& def, const TagValue& v);

}  // namespace recur::insight
