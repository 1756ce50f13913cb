#pragma once
// Arguments the loyalty commands share: a member named by id or identity, an optional `--at`
// time in the merchant's zone, and yuan amounts.

#include <functional>
#include <string>

#include "cli/cli_context.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "loyalty/engine.h"
#include "store/database.h"

namespace recur::cli {

// A member id or identity, followed to the live member it was merged into (saying so on stderr).
Result<MemberId> live_member(store::Database& db, const std::string& ref);

// `at` in the merchant's time zone; now when empty.
Result<Instant> when(Context& ctx, store::Database& db, const std::string& at);

// Opens the store and the loyalty engine of the program in force and runs `fn`; with `write`,
// inside one write transaction committed when `fn` succeeds. Returns the exit code (errors are
// reported). Print what `fn` did after it returns kExitOk, so nothing is shown as done that did
// not commit.
int with_engine(Context& ctx, bool write,
                const std::function<Status(store::Database&, loyalty::LoyaltyEngine&)>& fn);

// A yuan amount given to `flag`, in fen; the error names the flag.
Result<Fen> yuan(const std::string& flag, const std::string& text);

// An order line given on the command line as CATEGORY:SKU:YUAN (the category may hold '/' and
// ':' is only the separator: the SKU and amount are the last two fields).
struct LineArg {
  std::string category, sku;
  Fen amount = 0;
};
Result<LineArg> parse_line_arg(const std::string& text);

}  // namespace recur::cli
