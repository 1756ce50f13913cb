#pragma once
// Reads typed values out of a YAML tree for the program file and its sections (program.cpp,
// coupon_program.cpp). Every error names the file, line, column and key path, e.g.
// "program.yaml:14:18: tiers[1].threshold: must be greater than tiers[0]'s (0)".

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "loyalty/decimal.h"

namespace recur::loyalty::yaml {

// Walks the YAML tree, reading typed values and reporting errors with the key path and the
// line and column of the offending node (or of its parent when the key is missing).
class Reader {
 public:
  explicit Reader(std::string_view label) : label_(label) {}

  Status error(const YAML::Node& at, const std::string& path, std::string_view msg) const {
    if (at.IsDefined()) {
      YAML::Mark m = at.Mark();
      if (!m.is_null())
        return invalid_argument(
            fmt::format("{}:{}:{}: {}: {}", label_, m.line + 1, m.column + 1, path, msg));
    }
    return invalid_argument(fmt::format("{}: {}: {}", label_, path, msg));
  }

  // A section that may be absent (treated as empty) but must be a map when present.
  Status section(const YAML::Node& n, const std::string& path,
                 std::initializer_list<std::string_view> keys) const {
    if (!n.IsDefined() || n.IsNull()) return Status();
    if (!n.IsMap()) return error(n, path, "must be a map of key: value");
    for (auto it = n.begin(); it != n.end(); ++it) {
      const YAML::Node k = it->first;  // a copy: the iterator yields a temporary
      std::string key = k.IsScalar() ? k.Scalar() : std::string();
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        std::string expected;
        for (std::string_view e : keys) expected += (expected.empty() ? "" : ", ") + std::string(e);
        return error(k, path.empty() ? key : path + "." + key,
                     fmt::format("unknown key (expected one of: {})", expected));
      }
    }
    return Status();
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  // Each reader leaves `out` untouched when the key is absent and not required.
  Status integer(const YAML::Node& map, std::string_view key, const std::string& path,
                 std::int64_t& out, std::int64_t min, std::int64_t max,
                 bool required = false) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) {
      if (required) return error(map, p, "is required");
      return Status();
    }
    if (!n.IsScalar()) return error(n, p, "must be a whole number");
    const std::string& s = n.Scalar();
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size())
      return error(n, p, fmt::format("must be a whole number, got '{}'", s));
    if (v < min || v > max)
      return error(n, p, fmt::format("must be between {} and {}, got {}", min, max, v));
    out = v;
    return Status();
  }

  Status small_int(const YAML::Node& map, std::string_view key, const std::string& path, int& out,
                   int min, int max, bool required = false) const {
    std::int64_t v = out;
    RETURN_IF_ERROR(integer(map, key, path, v, min, max, required));
    out = static_cast<int>(v);
    return Status();
  }

  Status milli(const YAML::Node& map, std::string_view key, const std::string& path,
               std::int64_t& out, std::int64_t min, std::int64_t max) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) return Status();
    if (!n.IsScalar()) return error(n, p, "must be a decimal number");
    auto v = parse_milli(n.Scalar());
    if (!v.ok()) return error(n, p, v.status().message());
    if (*v < min || *v > max)
      return error(n, p,
                   fmt::format("must be between {} and {}, got {}", format_milli(min),
                               format_milli(max), n.Scalar()));
    out = *v;
    return Status();
  }

  Status boolean(const YAML::Node& map, std::string_view key, const std::string& path,
                 bool& out) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) return Status();
    const std::string s = n.IsScalar() ? n.Scalar() : std::string();
    if (s == "true" || s == "yes" || s == "on")
      out = true;
    else if (s == "false" || s == "no" || s == "off")
      out = false;
    else
      return error(n, p, fmt::format("must be true or false, got '{}'", s));
    return Status();
  }

  Status text(const YAML::Node& map, std::string_view key, const std::string& path,
              std::string& out, bool required = false) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) {
      if (required) return error(map, p, "is required");
      return Status();
    }
    if (!n.IsScalar()) return error(n, p, "must be text");
    out = n.Scalar();
    return Status();
  }

  Status date(const YAML::Node& map, std::string_view key, const std::string& path,
              Date& out) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) return error(map, p, "is required (YYYY-MM-DD)");
    if (!n.IsScalar()) return error(n, p, "must be a date (YYYY-MM-DD)");
    auto d = parse_date(n.Scalar());
    if (!d.ok()) return error(n, p, d.status().message());
    out = *d;
    return Status();
  }

  // A yuan amount ("12.30", 12) into fen, within [min, max] fen.
  Status money(const YAML::Node& map, std::string_view key, const std::string& path, Fen& out,
               Fen min, Fen max, bool required = false) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) {
      if (required) return error(map, p, "is required (yuan, e.g. 10 or 9.90)");
      return Status();
    }
    if (!n.IsScalar()) return error(n, p, "must be an amount in yuan");
    auto v = parse_money(n.Scalar());
    if (!v.ok()) return error(n, p, v.status().message());
    if (*v < min || *v > max)
      return error(n, p,
                   fmt::format("must be between ¥{} and ¥{}, got ¥{}", format_money(min),
                               format_money(max), format_money(*v)));
    out = *v;
    return Status();
  }

  // A list of non-empty texts (or one text, taken as a list of one).
  Status texts(const YAML::Node& map, std::string_view key, const std::string& path,
               std::vector<std::string>& out) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) return Status();
    if (n.IsScalar()) {
      if (n.Scalar().empty()) return error(n, p, "is empty");
      out.push_back(n.Scalar());
      return Status();
    }
    if (!n.IsSequence()) return error(n, p, "must be a list of texts");
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar() || n[i].Scalar().empty())
        return error(n[i], fmt::format("{}[{}]", p, i), "must be a non-empty text");
      out.push_back(n[i].Scalar());
    }
    return Status();
  }

  // One of `names`; `index` receives its position.
  Status choice(const YAML::Node& map, std::string_view key, const std::string& path,
                std::initializer_list<std::string_view> names, int& index) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) return Status();
    std::string s = n.IsScalar() ? n.Scalar() : std::string();
    int i = 0;
    std::string all;
    for (std::string_view name : names) {
      if (name == s) {
        index = i;
        return Status();
      }
      all += (all.empty() ? "" : ", ") + std::string(name);
      ++i;
    }
    return error(n, p, fmt::format("'{}' is not one of: {}", s, all));
  }

  static YAML::Node child(const YAML::Node& map, std::string_view key) {
    if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    for (auto it = map.begin(); it != map.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
    return YAML::Node(YAML::NodeType::Undefined);
  }

 private:
  std::string label_;
};

inline bool valid_key(std::string_view k) {
  if (k.empty() || k.size() > 32) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace recur::loyalty::yaml
