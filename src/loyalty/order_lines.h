#pragma once
// What each line of an applied order earned and what refunds took back from it, kept as one
// column of the order's loyalty_orders row (migration 10): a JSON array of
// [line_no, amount_fen, points, growth, refunded_fen, points_clawed, growth_clawed] arrays.
// One row per order instead of one per line is one B-tree insert instead of several; SQL still
// reads the lines with json_each (the loyalty_order_lines view).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/status.h"

namespace recur::loyalty {

struct OrderLineRecord {
  std::int64_t line_no = 0;
  Fen amount = 0;
  std::int64_t points = 0;
  std::int64_t growth = 0;
  Fen refunded = 0;
  std::int64_t points_clawed = 0;
  std::int64_t growth_clawed = 0;
  bool operator==(const OrderLineRecord&) const = default;
};

// Appends the JSON text of `lines`, in the order given, to `out`.
void encode_order_lines(const std::vector<OrderLineRecord>& lines, std::string& out);
std::string encode_order_lines(const std::vector<OrderLineRecord>& lines);

// The lines of `text` in the order written; kInternal (a broken store), naming the offset, when
// the text is not an array of seven-integer arrays.
Result<std::vector<OrderLineRecord>> decode_order_lines(std::string_view text);

}  // namespace recur::loyalty
