#pragma once
// Helpers shared by the files of the loyalty engine (engine*.cpp); not part of its interface.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "loyalty/earn_rules.h"
#include "loyalty/engine.h"
#include "loyalty/ledger.h"
#include "loyalty/order_lines.h"
#include "loyalty/statement_cache.h"
#include "store/database.h"

namespace recur::loyalty {

// What an order earns, before anything is written: apply_order writes it as one row,
// apply_orders (engine_batch.cpp) many rows in multi-row statements.
struct LoyaltyEngine::OrderPlan {
  Date day;       // business day of payment
  Fen total = 0;  // sum of the lines
  OrderEarning earning;
  std::string reference;              // "order:KEY"
  Instant usable_from;                // of the points lot
  std::optional<Instant> expires_at;  // of the points lot; none: never
};

}  // namespace recur::loyalty

namespace recur::loyalty::engine_detail {

// "k=v k=v" details of loyalty_operations rows, read back on replay.
std::int64_t detail_int(std::string_view detail, std::string_view key);

// A loyalty_operations row: what an idempotency key did the first time.
struct Op {
  std::string kind;
  MemberId member = 0;
  Instant at;
  std::int64_t points = 0, growth = 0;
  Fen money = 0;
  std::string detail;
};

// The operation recorded under `key`; kInvalidArgument when the key was used for another kind.
Result<std::optional<Op>> find_op(StatementCache& cache, const std::string& key,
                                  std::string_view kind);

// An applied order's row in loyalty_orders: the order, its points and growth entries and lots
// (migration 11). Written by apply_order and apply_orders with the same statement and binding.
struct OrderRow {
  std::int64_t entry_id = 0;  // its points entry and lot; + 1: its growth entry and lot
  const OrderInput* in = nullptr;
  MemberId member = 0;   // who earned it
  std::int64_t day = 0;  // business day of payment
  Fen total = 0;
  std::int64_t points = 0, growth = 0;
  std::string tier, explain;  // the tier when paid; how the points were computed
  std::int64_t applied_at = 0;
  std::string lines;                                // loyalty/order_lines.h
  std::int64_t points_after = 0, growth_after = 0;  // the balances after its entries
  std::int64_t points_remaining = 0;                // earned less any debt it repaid
  Instant usable_from;                              // of the points lot
  std::optional<Instant> expires_at;
};
// "INSERT INTO loyalty_orders (…) VALUES " and its number of columns.
extern const char* const kOrderRowInsert;
inline constexpr std::size_t kOrderRowColumns = 20;
void bind_order_row(store::Statement& st, int first, const OrderRow& r, int program_version);

// The lines an order's row keeps (loyalty/order_lines.h): what each earned, nothing refunded yet.
std::vector<OrderLineRecord> order_line_records(const OrderInput& in, const OrderEarning& earning);

// Mutations run inside the caller's write transaction, so that their effects commit together.
Status require_tx(store::Database& db);
Status require_key(const std::string& key);

}  // namespace recur::loyalty::engine_detail
