#include "segment/segment.h"

#include "segment/expression.h"

namespace recur::segment {

Result<Segment> Segment::compile(std::string_view text, const ProfileTable& table) {
  ASSIGN_OR_RETURN(Expr expr, parse_expression(text));
  ASSIGN_OR_RETURN(CompiledPlan compiled, compile_plan(text, expr, table));
  return Segment(std::string(text), std::move(compiled));
}

std::vector<MemberId> Segment::member_ids(Date today) const {
  const std::span<const MemberId> ids = plan_.table().member_ids();
  std::vector<MemberId> out;
  for (std::uint32_t row : evaluate(today).to_rows()) out.push_back(ids[row]);
  return out;
}

}  // namespace recur::segment
