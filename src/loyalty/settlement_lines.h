#pragma once
// What paid for each line of a checked-out order, and what its refunds gave back, kept as one
// column of the order's loyalty_settlements row (migration 12): a JSON array of
// [line_no, goods_fen, coupon_fen, points, points_fen, paid_fen, refunded_goods_fen,
//  returned_points, refunded_paid_fen] arrays. The loyalty_settlement_lines view reads them
// with json_each (recur check's settlement probes do).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/status.h"

namespace recur::loyalty {

struct SettlementLineRecord {
  std::int64_t line_no = 0;
  Fen goods = 0, coupon = 0;
  std::int64_t points = 0;  // the line's share of the redeemed points
  Fen points_fen = 0, paid = 0;
  Fen refunded_goods = 0;
  std::int64_t returned_points = 0;
  Fen refunded_paid = 0;
  bool operator==(const SettlementLineRecord&) const = default;
};

// The JSON text of `lines`, in the order given.
std::string encode_settlement_lines(const std::vector<SettlementLineRecord>& lines);

// The lines of `text` in the order written; kInternal (a broken store), naming the offset, when
// the text is not an array of nine-integer arrays.
Result<std::vector<SettlementLineRecord>> decode_settlement_lines(std::string_view text);

}  // namespace recur::loyalty
