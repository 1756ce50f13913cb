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

// What an order earns and the rows it writes, before anything is written: apply_order writes it
// through the ledger, apply_orders (engine_batch.cpp) in multi-row statements.
struct LoyaltyEngine::OrderPlan {
  Date day;       // business day of payment
  Fen total = 0;  // sum of the lines
  OrderEarning earning;
  std::string reference;  // "order:KEY"
  struct Credit {
    Account account = Account::kPoints;
    std::int64_t amount = 0;
    Posting post;
    LotTerms terms;  // its order_key views the input's key
  };
  std::vector<Credit> credits;  // points, then growth; each positive
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

// The lines an order's row keeps (loyalty/order_lines.h): what each earned, nothing refunded yet.
std::vector<OrderLineRecord> order_line_records(const OrderInput& in, const OrderEarning& earning);

// Mutations run inside the caller's write transaction, so that their effects commit together.
Status require_tx(store::Database& db);
Status require_key(const std::string& key);

}  // namespace recur::loyalty::engine_detail
