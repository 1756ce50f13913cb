#include "insight/insight_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <string>
#include <variant>

#include "loyalty/program_store.h"

namespace recur::insight {
namespace {

// One key of the section: where it lives (group.key), the field it sets and its allowed range.
struct Field {
  std::string_view group, key;
  std::variant<std::int32_t InsightConfig::*, double InsightConfig::*> field;
  double min, max;
};

// The layout of `insight:` in the program file; docs/insight.md lists the same keys.
constexpr Field kFields[] = {
    {"rfm", "window_days", &InsightConfig::rfm_window_days, 1, 3650},
    {"frequency", "periodic_max_cv", &InsightConfig::periodic_max_cv, 0.01, 10},
    {"frequency", "periodic_min_intervals", &InsightConfig::periodic_min_intervals, 1, 1000},
    {"frequency", "high_frequency_max_interval_days", &InsightConfig::high_frequency_max_interval,
     1, 3650},
    {"frequency", "high_frequency_min_days", &InsightConfig::high_frequency_min_days, 2, 10000},
    {"lifecycle", "new_days", &InsightConfig::new_days, 1, 3650},
    {"lifecycle", "mature_min_days", &InsightConfig::mature_min_days, 1, 10000},
    {"lifecycle", "lost_days", &InsightConfig::lost_days, 1, 3650},
    {"lifecycle", "reactivated_days", &InsightConfig::reactivated_days, 1, 3650},
    {"dormancy", "static_days", &InsightConfig::dormant_days, 1, 3650},
    {"dormancy", "dynamic_k", &InsightConfig::dynamic_k, 0.1, 100},
    {"dormancy", "dynamic_min_days", &InsightConfig::dynamic_min_days, 2, 10000},
    {"dormancy", "category_k", &InsightConfig::category_k, 0.1, 100},
    {"dormancy", "category_min_days", &InsightConfig::category_min_days, 2, 10000},
    {"dormancy", "interaction_days", &InsightConfig::interaction_days, 1, 3650},
    {"cycles", "min_intervals", &InsightConfig::cycle_min_intervals, 1, 1000},
    {"replenishment", "reminder_lead_days", &InsightConfig::reminder_lead_days, 0, 365},
    {"replenishment", "sku_min_days", &InsightConfig::sku_min_days, 1, 1000},
};

constexpr std::string_view kGroups[] = {"rfm",      "frequency", "lifecycle",
                                        "dormancy", "cycles",    "replenishment"};

Status error_at(std::string_view label, const YAML::Node& at, std::string_view path,
                std::string_view msg) {
  if (at.IsDefined() && !at.Mark().is_null())
    return invalid_argument(fmt::format("{}:{}:{}: {}: {}", label, at.Mark().line + 1,
                                        at.Mark().column + 1, path, msg));
  return invalid_argument(fmt::format("{}: {}: {}", label, path, msg));
}

// A key of `map` as text, with its node (for the position of errors).
template <typename Fn>
Status each_key(const YAML::Node& map, Fn&& fn) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node k = it->first;
    const YAML::Node v = it->second;
    RETURN_IF_ERROR(fn(k, k.IsScalar() ? k.Scalar() : std::string(), v));
  }
  return Status();
}

std::string expected_keys(std::string_view group) {
  std::string out;
  for (const Field& f : kFields)
    if (f.group == group) out += (out.empty() ? "" : ", ") + std::string(f.key);
  return out;
}

Status read_value(std::string_view label, const YAML::Node& v, const std::string& path,
                  const Field& f, InsightConfig& c) {
  const std::string s = v.IsScalar() ? v.Scalar() : std::string();
  const bool whole = std::holds_alternative<std::int32_t InsightConfig::*>(f.field);
  auto range = [&] {
    return whole ? fmt::format("must be {}..{}", f.min, f.max)
                 : fmt::format("must be a number from {} to {}", f.min, f.max);
  };
  if (whole) {
    std::int64_t x = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size())
      return error_at(label, v, path, fmt::format("{}, got '{}' (a whole number)", range(), s));
    if (static_cast<double>(x) < f.min || static_cast<double>(x) > f.max)
      return error_at(label, v, path, fmt::format("{}, got {}", range(), s));
    c.*std::get<std::int32_t InsightConfig::*>(f.field) = static_cast<std::int32_t>(x);
    return Status();
  }
  double x = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size())
    return error_at(label, v, path, fmt::format("{}, got '{}'", range(), s));
  if (!(x >= f.min && x <= f.max))
    return error_at(label, v, path, fmt::format("{}, got {}", range(), s));
  c.*std::get<double InsightConfig::*>(f.field) = x;
  return Status();
}

}  // namespace

Result<InsightConfig> parse_insight_config(std::string_view yaml, std::string_view label) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    if (!e.mark.is_null())
      return invalid_argument(
          fmt::format("{}:{}:{}: {}", label, e.mark.line + 1, e.mark.column + 1, e.msg));
    return invalid_argument(fmt::format("{}: {}", label, e.msg));
  }
  InsightConfig c;
  if (!root.IsMap()) return c;  // not a program file; the loyalty parser says why
  const YAML::Node section = static_cast<const YAML::Node&>(root)["insight"];
  if (!section.IsDefined() || section.IsNull()) return c;
  if (!section.IsMap())
    return error_at(label, section, "insight",
                    "must be a map of groups (rfm, frequency, lifecycle, dormancy, cycles, "
                    "replenishment)");
  RETURN_IF_ERROR(each_key(
      section, [&](const YAML::Node& gk, const std::string& group, const YAML::Node& gv) -> Status {
        const std::string gpath = "insight." + group;
        if (std::find(std::begin(kGroups), std::end(kGroups), group) == std::end(kGroups))
          return error_at(label, gk, gpath,
                          "unknown key (expected one of: rfm, frequency, lifecycle, dormancy, "
                          "cycles, replenishment)");
        if (gv.IsNull()) return Status();
        if (!gv.IsMap())
          return error_at(label, gv, gpath,
                          fmt::format("must be a map of key: value ({})", expected_keys(group)));
        return each_key(
            gv, [&](const YAML::Node& k, const std::string& key, const YAML::Node& v) -> Status {
              const std::string path = gpath + "." + key;
              for (const Field& f : kFields)
                if (f.group == group && f.key == key) return read_value(label, v, path, f, c);
              return error_at(
                  label, k, path,
                  fmt::format("unknown key (expected one of: {})", expected_keys(group)));
            });
      }));
  if (c.lost_days <= c.dormant_days) {
    YAML::Node at = section["lifecycle"].IsMap() ? section["lifecycle"]["lost_days"] : YAML::Node();
    if (!at.IsDefined()) at = section;
    return error_at(label, at, "insight.lifecycle.lost_days",
                    fmt::format("must be greater than insight.dormancy.static_days ({}): a member "
                                "is dormant before being lost",
                                c.dormant_days));
  }
  return c;
}

Result<InsightConfig> insight_config_in_force(store::Database& db) {
  ASSIGN_OR_RETURN(auto stored, loyalty::current_program(db));
  if (!stored) return InsightConfig{};
  return parse_insight_config(stored->source, stored->loaded_from);
}

}  // namespace recur::insight
