#include "loyalty/settlement_lines.h"

#include "loyalty/int_rows.h"

namespace recur::loyalty {

std::string encode_settlement_lines(const std::vector<SettlementLineRecord>& lines) {
  std::string out;
  out.reserve(2 + lines.size() * 40);
  out.push_back('[');
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const SettlementLineRecord& l = lines[i];
    if (i) out.push_back(',');
    const std::int64_t fields[] = {l.line_no,        l.goods,           l.coupon,
                                   l.points,         l.points_fen,      l.paid,
                                   l.refunded_goods, l.returned_points, l.refunded_paid};
    append_int_array(out, fields);
  }
  out.push_back(']');
  return out;
}

Result<std::vector<SettlementLineRecord>> decode_settlement_lines(std::string_view text) {
  constexpr std::size_t kWidth = 9;
  ASSIGN_OR_RETURN(std::vector<std::int64_t> v, decode_int_rows(text, kWidth, "settlement lines"));
  std::vector<SettlementLineRecord> out;
  out.reserve(v.size() / kWidth);
  for (std::size_t i = 0; i < v.size(); i += kWidth)
    out.push_back(
        {v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7], v[i + 8]});
  return out;
}

}  // namespace recur::loyalty
