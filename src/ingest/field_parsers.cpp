#include "ingest/field_parsers.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace recur::ingest {

namespace {
std::string lower(std::string_view s) {
  std::string r(s);
  std::transform(r.begin(), r.end(), r.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return r;
}
}  // namespace

Result<bool> parse_bool_field(std::string_view text, bool fallback) {
  if (text.empty()) return fallback;
  std::string t = lower(text);
  if (t == "1" || t == "true" || t == "yes" || t == "y" || t == "是" || t == "t") return true;
  if (t == "0" || t == "false" || t == "no" || t == "n" || t == "否" || t == "f") return false;
  return invalid_argument(fmt::format("'{}' is not a yes/no value (1/0, true/false, 是/否)", text));
}

Result<std::int64_t> parse_int_field(std::string_view text, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) {
    // Spreadsheets write whole numbers as "2.0".
    auto dot = text.find('.');
    if (dot != std::string_view::npos && dot > 0 &&
        text.substr(dot + 1).find_first_not_of('0') == std::string_view::npos) {
      return parse_int_field(text.substr(0, dot), min, max);
    }
    return invalid_argument(fmt::format("'{}' is not a whole number", text));
  }
  if (v < min || v > max)
    return invalid_argument(fmt::format("{} is out of range [{}, {}]", v, min, max));
  return v;
}

bool is_valid_channel(std::string_view c) {
  if (c == "online" || c == "miniprogram" || c == "store") return true;
  if (!c.starts_with("marketplace:") || c.size() == 12) return false;
  return std::all_of(c.begin() + 12, c.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
  });
}

Result<std::string> parse_gender(std::string_view text) {
  if (text.empty()) return std::string();
  std::string t = lower(text);
  if (t == "m" || t == "male" || t == "男" || t == "1") return std::string("m");
  if (t == "f" || t == "female" || t == "女" || t == "2") return std::string("f");
  if (t == "u" || t == "unknown" || t == "未知" || t == "0") return std::string();
  return invalid_argument(fmt::format("'{}' is not a gender (m/f/男/女)", text));
}

std::string content_id(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return fmt::format("h{:016x}", h);
}

}  // namespace recur::ingest
