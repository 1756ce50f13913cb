#pragma once
// `recur check`'s ledger-wide entry probes, in C++: balances_equal_entries,
// entries_have_accounts and running_balances, from one unordered read of the `loyalty_entries`
// view sorted in memory. As SQL they were the three slowest probes (a window over every entry
// and two GROUP BYs over the view: 2.1 s of 4.8 s on the demo's 208,000 orders), each reading
// the whole ledger again.

#include <vector>

#include "core/status.h"
#include "loyalty/check.h"
#include "store/database.h"

namespace recur::loyalty {

// The three findings, in that order. Examples:
//   balances_equal_entries "member_id points sum_of_points growth sum_of_growth" (accounts whose
//     points or growth differ from the sum of their entries);
//   entries_have_accounts "member_id" (points or growth entries, no account row);
//   running_balances "entry_id member_id account balance_after running_sum" (an entry whose
//     balance_after is not the running sum of its member's entries of that account, in entry
//     order; entries without a balance_after are not checked).
Result<std::vector<CheckFinding>> check_entries(store::Database& db);

}  // namespace recur::loyalty
