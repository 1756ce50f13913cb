#pragma once
// Applying the program to what is already in the store: orders and refunds imported (in bulk or
// one by one) that the program has not seen yet, in the order they happened (paid_at /
// refunded_at; an order before a refund at the same instant). Idempotent by order and refund
// key, so a crash or a second run only finishes what is missing, and bulk import followed by
// apply_pending gives the same balances as applying each order as it arrives.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "core/status.h"
#include "loyalty/engine.h"
#include "store/database.h"

namespace recur::loyalty {

struct ApplyOptions {
  // Orders and refunds per transaction, as `recur import --chunk` (the same default). Each
  // commit writes every page the chunk changed to the WAL, and the member-keyed indexes spread a
  // chunk's rows over most of their pages, so bigger chunks write much less: at 300,000 order
  // lines, 34k orders/s at 5,000 per transaction and 50k at 100,000 before migration 11
  // (docs/benchmarks.md, round five).
  std::size_t chunk = 100000;
  // Orders between refunds go through a LoyaltyEngine::OrderBatch, 2,000 at a time, while a
  // second connection reads the next 2,000 (loyalty/pending_orders.h); false: each through
  // apply_order (the same result, slower; for comparisons).
  bool batched = true;
  std::function<void(double fraction, std::int64_t done)> progress;
};

struct ApplySummary {
  std::int64_t orders = 0, refunds = 0;
  std::int64_t points = 0, growth = 0;
  std::int64_t points_clawed = 0, growth_clawed = 0, points_debt = 0;
  Fen deducted_fen = 0;
  std::int64_t upgrades = 0;
  // Orders and refunds that were pending when the apply looked, and that another writer (a
  // second import or apply at the same time) had applied by the time it came to them: replayed,
  // so each is applied once.
  std::int64_t already_applied = 0;
};

struct PendingCounts {
  std::int64_t orders = 0, refunds = 0;
  // Of those, the ones at or below the apply watermark (which says everything there is
  // applied): a broken invariant, which `recur check` reports; the first few as examples.
  std::int64_t below_watermark = 0;
  std::vector<std::string> examples;
};

// Orders of members and their refunds not yet applied: all of them, whatever the watermark
// says (it reads the whole store); at most `examples` of those below the watermark named.
Result<PendingCounts> count_pending(store::Database& db, std::size_t examples = 0);

// Applies them with `engine` (bound to `db`), in chunked transactions of its own: the caller
// must not hold a transaction. It looks for them above the apply watermarks only (settings
// `loyalty.orders_applied_through`, `loyalty.refunds_applied_through`: every member order or
// refund at or below is applied), so its search costs what was added since the last apply, not
// the whole store; afterwards it raises them to the highest pks it saw.
Result<ApplySummary> apply_pending(store::Database& db, LoyaltyEngine& engine,
                                   const ApplyOptions& options = {});

// Order pks from `first` to `last`, both included.
struct OrderPkRange {
  std::int64_t first = 0, last = 0;
};
// Applies, inside the caller's write transaction and reading on its connection, the orders of
// `orders` not yet applied (in the order they happened), or with null every order and refund
// pending in the store, exactly as apply_pending would. An import calls it before a record
// merges two members, so that the orders written before that record count for the member they
// named then, as they would have had they arrived one by one.
Result<ApplySummary> apply_pending_here(store::Database& db, LoyaltyEngine& engine,
                                        const OrderPkRange* orders);
// For `recur import`: applies what is pending when a program is loaded, `chunk` orders and
// refunds per transaction; does nothing otherwise.
Status apply_after_import(store::Database& db, const Clock& clock, std::size_t chunk);

// The order and refund keys the store's rows are applied under: "source:order_id".
std::string order_key(std::string_view source, std::string_view order_id);

}  // namespace recur::loyalty
