#include "store/stats.h"

namespace recur::store {

Result<StoreStats> collect_stats(Database& db) {
  StoreStats s;
  struct Q {
    std::int64_t* out;
    const char* sql;
  } queries[] = {
      {&s.members, "SELECT COUNT(*) FROM members WHERE merged_into IS NULL"},
      {&s.identities, "SELECT COUNT(*) FROM identities"},
      {&s.orders, "SELECT COUNT(*) FROM orders"},
      {&s.order_lines, "SELECT COUNT(*) FROM order_lines"},
      {&s.guest_orders, "SELECT COUNT(*) FROM orders WHERE member_id = 0"},
      {&s.refunds, "SELECT COUNT(*) FROM refunds"},
      {&s.events, "SELECT COUNT(*) FROM events"},
      {&s.merges, "SELECT COUNT(*) FROM merges WHERE undone_at IS NULL"},
      {&s.products, "SELECT COUNT(*) FROM products"},
      {&s.stores, "SELECT COUNT(*) FROM stores"},
      {&s.paid_fen, "SELECT COALESCE(SUM(paid_fen), 0) FROM orders"},
      {&s.refunded_fen, "SELECT COALESCE(SUM(amount_fen), 0) FROM refunds"},
      {&s.unfinished_imports, "SELECT COUNT(*) FROM import_batches WHERE status = 'running'"},
  };
  for (const Q& q : queries) {
    ASSIGN_OR_RETURN(*q.out, db.query_int(q.sql));
  }
  return s;
}

}  // namespace recur::store
