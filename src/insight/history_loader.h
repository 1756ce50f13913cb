#pragma once
// Loads the whole order history of a store into memory (see history.h). Reads tables in key
// order without joins or sorts in SQL; on 1M members / 10M lines it is bounded by SQLite's scan
// speed, and measured separately from the computations.

#include "core/status.h"
#include "insight/history.h"
#include "store/database.h"

namespace recur::insight {

struct LoadOptions {
  // Keep the tracked SKUs' purchases per day (History::sku_*) for replenishment by SKU. Off, the
  // loader neither reads the SKU column nor builds those rows (the benchmark compares both).
  bool skus = true;
};

Result<History> load_history(store::Database& db, const LoadOptions& options = {});

}  // namespace recur::insight
