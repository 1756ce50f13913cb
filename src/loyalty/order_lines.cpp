#include "loyalty/order_lines.h"

#include "loyalty/int_rows.h"

namespace recur::loyalty {

void encode_order_lines(const std::vector<OrderLineRecord>& lines, std::string& out) {
  out.push_back('[');
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const OrderLineRecord& l = lines[i];
    if (i) out.push_back(',');
    const std::int64_t fields[] = {l.line_no,  l.amount,        l.points,       l.growth,
                                   l.refunded, l.points_clawed, l.growth_clawed};
    append_int_array(out, fields);
  }
  out.push_back(']');
}

std::string encode_order_lines(const std::vector<OrderLineRecord>& lines) {
  std::string out;
  out.reserve(2 + lines.size() * 28);
  encode_order_lines(lines, out);
  return out;
}

Result<std::vector<OrderLineRecord>> decode_order_lines(std::string_view text) {
  constexpr std::size_t kWidth = 7;
  ASSIGN_OR_RETURN(std::vector<std::int64_t> v, decode_int_rows(text, kWidth, "order lines"));
  std::vector<OrderLineRecord> out;
  out.reserve(v.size() / kWidth);
  for (std::size_t i = 0; i < v.size(); i += kWidth)
    out.push_back({v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6]});
  return out;
}

}  // namespace recur::loyalty
