#pragma once
// Segment: an audience written in the segment language (docs/segments.md), compiled against a
// ProfileTable and ready to evaluate. This is the entry point for callers:
//
//   ASSIGN_OR_RETURN(ProfileTable table, std::move(builder).finish());
//   ASSIGN_OR_RETURN(Segment seg, Segment::compile(
//       "lifecycle = 'dormant' and clv_12m >= 500 and '母婴' in top_categories", table));
//   for (const SegmentWarning& w : seg.warnings()) log(w.message);   // e.g. a misspelt value
//   std::size_t n = seg.count(today);                  // how many members
//   std::vector<MemberId> ids = seg.member_ids(today);  // who they are
//
// `today` is the business date relative dates count from (today - 30); it is always passed in,
// never read from a clock. Evaluation is const and thread-safe. The table must outlive the
// segment and stay in place (the segment points into its columns and dictionaries).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/status.h"
#include "core/time.h"
#include "segment/compiler.h"
#include "segment/plan.h"
#include "segment/profile_table.h"
#include "segment/row_bitmap.h"

namespace recur::segment {

class Segment {
 public:
  // Parses and type-checks `text` against the table. Errors say what is wrong and where
  // ("... at column 24"), followed by the expression and a caret line.
  static Result<Segment> compile(std::string_view text, const ProfileTable& table);

  const std::string& text() const { return text_; }
  // Values not found in a column's dictionary (likely typos); they match no member.
  const std::vector<SegmentWarning>& warnings() const { return warnings_; }
  const Plan& plan() const { return plan_; }

  // Rows (dense member indices) for which the expression is true.
  RowBitmap evaluate(Date today) const { return plan_.evaluate(today); }
  std::size_t count(Date today) const { return plan_.count(today); }
  // The selected members' ids, in row order.
  std::vector<MemberId> member_ids(Date today) const;

 private:
  Segment(std::string text, CompiledPlan compiled)
      : text_(std::move(text)),
        plan_(std::move(compiled.plan)),
        warnings_(std::move(compiled.warnings)) {}

  std::string text_;
  Plan plan_;
  std::vector<SegmentWarning> warnings_;
};

}  // namespace recur::segment
