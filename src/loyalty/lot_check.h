#pragma once
// `recur check`'s lot probes, in C++: lots_within_bounds, lot_usage_matches,
// lots_equal_balances and lots_have_accounts, from one read of the `loyalty_lots` view, one of
// `loyalty_lot_usage` and one of the accounts. As SQL they read the lots four times (a join with
// a GROUP BY over the usage, another over the view: 1.1 s of 3.1 s on the demo's 208,000 orders).

#include <vector>

#include "core/status.h"
#include "loyalty/check.h"
#include "store/database.h"

namespace recur::loyalty {

// The four findings, in that order. Examples:
//   lots_within_bounds "lot_id member_id earned remaining" (remaining < 0, > earned, earned <= 0);
//   lot_usage_matches "lot_id earned remaining used" (remaining != earned - what was taken);
//   lots_equal_balances "member_id points debt lots_points growth lots_growth" (an account
//     whose points lots minus debt differ from its points, or growth lots from its growth);
//   lots_have_accounts "member_id" (a lot with something left, no account row).
Result<std::vector<CheckFinding>> check_lots(store::Database& db);

}  // namespace recur::loyalty
