#pragma once
// Compiles a parsed segment expression against a ProfileTable: resolves field names, checks
// types, converts literals into the column's representation (yuan -> fen, dates -> day numbers,
// strings -> dictionary codes) and builds a Plan.
//
// Errors (unknown fields, type mismatches, bad literals) are rendered like parse errors: the
// reason, "at column N", a hint, the expression and a caret.
//
// A string value that is not in the column's dictionary is not an error (it matches no member),
// but it is usually a typo, so it yields a warning that names the nearest known value.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "segment/expression.h"
#include "segment/plan.h"
#include "segment/profile_table.h"

namespace recur::segment {

struct SegmentWarning {
  std::size_t column = 0;  // 1-based, in characters, of the value concerned
  // One line: "'dormnat' is not a known value of lifecycle at column 13; did you mean 'dormant'?"
  std::string message;
};

struct CompiledPlan {
  Plan plan;
  std::vector<SegmentWarning> warnings;
};

// `text` is the expression `expr` was parsed from (for messages). The table must outlive the plan.
Result<CompiledPlan> compile_plan(std::string_view text, const Expr& expr,
                                  const ProfileTable& table);

}  // namespace recur::segment
