#pragma once
// The profile as a segment table: one column per tag of the registry (tags.h), so every
// dimension an operator sees in `member show --explain` can be used in a segment expression.

#include <string_view>

#include "core/status.h"
#include "insight/tags.h"
#include "segment/profile_table.h"

namespace recur::insight {

// Builds the columns of every tag whose name appears in `expression` (all tags when it is
// empty). Computing only what an expression mentions keeps `recur segment count` fast.
Result<segment::ProfileTable> build_segment_table(const TagContext& ctx,
                                                  std::string_view expression = {});

}  // namespace recur::insight
