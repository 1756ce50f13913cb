#pragma once
// Where each canonical field of a record kind comes from: the file's column or JSON key (the
// field's own name, or the one --map names) or a constant (--set). CSV and JSON readers share it.

#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "ingest/import_types.h"
#include "ingest/record_source.h"

namespace recur::ingest {

struct FieldPlan {
  std::vector<std::string> source_names;  // the file's name per field
  std::vector<std::string> constants;     // constant per field when set
  std::vector<bool> has_constant;
};

// Errors: --map or --set naming a field the kind does not have (the error lists its fields).
Result<FieldPlan> make_field_plan(std::span<const FieldSpec> fields, const ImportOptions& options);

}  // namespace recur::ingest
