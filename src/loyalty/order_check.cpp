#include "loyalty/order_check.h"

#include <fmt/format.h>

#include "loyalty/order_lines.h"

namespace recur::loyalty {

Result<CheckFinding> check_orders_consistent(store::Database& db) {
  CheckFinding f;
  f.name = "orders_consistent";
  f.description =
      "each applied order equals the sum of its lines, and refunds took back no more than it or "
      "any of its lines earned";
  ASSIGN_OR_RETURN(auto st, db.prepare("SELECT order_key, points, points_clawed, growth, "
                                       "growth_clawed, amount_fen, refunded_fen, lines "
                                       "FROM loyalty_orders"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    const std::int64_t points = st.column_int64(1), points_clawed = st.column_int64(2);
    const std::int64_t growth = st.column_int64(3), growth_clawed = st.column_int64(4);
    const std::int64_t amount = st.column_int64(5), refunded = st.column_int64(6);
    bool bad = points_clawed > points || growth_clawed > growth || refunded > amount;
    auto lines = decode_order_lines(st.column_text(7));
    if (!lines.ok()) {
      bad = true;
    } else {
      OrderLineRecord sum;
      for (const OrderLineRecord& l : *lines) {
        sum.amount += l.amount;
        sum.points += l.points;
        sum.growth += l.growth;
        sum.refunded += l.refunded;
        sum.points_clawed += l.points_clawed;
        sum.growth_clawed += l.growth_clawed;
        bad = bad || l.refunded > l.amount || l.points_clawed > l.points ||
              l.growth_clawed > l.growth;
      }
      bad = bad || sum.amount != amount || sum.points != points || sum.growth != growth ||
            sum.refunded != refunded || sum.points_clawed != points_clawed ||
            sum.growth_clawed != growth_clawed;
    }
    if (bad && f.violations++ < kCheckExamples)
      f.examples.push_back(fmt::format("{} {} {} {} {} {} {}", st.column_text(0), points,
                                       points_clawed, growth, growth_clawed, amount, refunded));
  }
  return f;
}

}  // namespace recur::loyalty
