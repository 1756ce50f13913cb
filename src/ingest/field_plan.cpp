#include "ingest/field_plan.h"

#include <fmt/format.h>

#include <algorithm>

namespace recur::ingest {
namespace {

Status check_known(std::span<const FieldSpec> fields,
                   const std::vector<std::pair<std::string, std::string>>& pairs,
                   std::string_view flag) {
  for (const auto& pair : pairs) {
    const std::string& field = pair.first;
    bool known = std::any_of(fields.begin(), fields.end(),
                             [&](const FieldSpec& f) { return f.name == field; });
    if (!known) {
      std::string names;
      for (const auto& f : fields) names += (names.empty() ? "" : ", ") + std::string(f.name);
      return invalid_argument(
          fmt::format("{} names unknown field '{}'; the fields are: {}", flag, field, names));
    }
  }
  return Status();
}

}  // namespace

Result<FieldPlan> make_field_plan(std::span<const FieldSpec> fields, const ImportOptions& o) {
  RETURN_IF_ERROR(check_known(fields, o.column_map, "--map"));
  RETURN_IF_ERROR(check_known(fields, o.constants, "--set"));
  FieldPlan p;
  p.source_names.resize(fields.size());
  p.constants.resize(fields.size());
  p.has_constant.assign(fields.size(), false);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    p.source_names[i] = std::string(fields[i].name);
    for (const auto& [f, col] : o.column_map)
      if (f == fields[i].name) p.source_names[i] = col;
    for (const auto& [f, val] : o.constants) {
      if (f == fields[i].name) {
        p.constants[i] = val;
        p.has_constant[i] = true;
      }
    }
  }
  return p;
}

}  // namespace recur::ingest
