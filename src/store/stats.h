#pragma once
// Row counts for `recur stats`.

#include <cstdint>

#include "core/status.h"
#include "store/database.h"

namespace recur::store {

struct StoreStats {
  std::int64_t members = 0;  // live members (merged-away records not counted)
  std::int64_t identities = 0;
  std::int64_t orders = 0;
  std::int64_t order_lines = 0;
  std::int64_t guest_orders = 0;
  std::int64_t refunds = 0;
  std::int64_t events = 0;
  std::int64_t merges = 0;  // merges in force (not undone)
  std::int64_t products = 0;
  std::int64_t stores = 0;
  std::int64_t paid_fen = 0;
  std::int64_t refunded_fen = 0;
  std::int64_t unfinished_imports = 0;  // batches still 'running' (interrupted)
};

Result<StoreStats> collect_stats(Database& db);

}  // namespace recur::store
