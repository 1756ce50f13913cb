#pragma once
// For the dated loyalty sweeps (`points expire`, `tiers evaluate`): parse --as-of, default the
// idempotency key to the date, and run op(engine, date, key) in one committed write transaction.

#include <string>
#include <utility>

#include "cli/cli_context.h"
#include "core/time.h"
#include "loyalty/engine.h"

namespace recur::cli {

template <typename Op>
auto run_dated_sweep(Context& ctx, const std::string& as_of_text, const std::string& key_text,
                     Op&& op)
    -> decltype(op(std::declval<loyalty::LoyaltyEngine&>(), Date{}, std::string{})) {
  auto as_of = parse_date(as_of_text);
  if (!as_of.ok()) return invalid_argument("--as-of: " + as_of.status().message());
  const std::string key = key_text.empty() ? as_of->to_string() : key_text;
  ASSIGN_OR_RETURN(auto db, ctx.open_db());
  ASSIGN_OR_RETURN(auto tx, store::Transaction::begin(*db));
  ASSIGN_OR_RETURN(auto engine, loyalty::open_engine(*db, ctx.clock));
  auto result = op(*engine, *as_of, key);
  if (!result.ok()) return result;
  RETURN_IF_ERROR(tx->commit());
  return result;
}

}  // namespace recur::cli
