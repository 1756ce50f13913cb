#pragma once
// `recur check`'s orders_consistent, in C++: each applied order's row against its lines (the
// JSON column of loyalty_orders, order_lines.h). The SQL probe took the lines apart with
// json_each and was the slowest of the check (1.2 s of 6 s on the demo's 200,000 orders);
// decoding them with decode_order_lines reads each row once.

#include "core/status.h"
#include "loyalty/check.h"
#include "store/database.h"

namespace recur::loyalty {

// Violations: an order whose amount, points, growth, refunded amount or clawed points or growth
// differ from the sum of its lines; a line (or the order) with more refunded or clawed back than
// it had or earned; lines that are not the column's JSON form. Each example is
// "order_key points points_clawed growth growth_clawed amount_fen refunded_fen".
Result<CheckFinding> check_orders_consistent(store::Database& db);

}  // namespace recur::loyalty
