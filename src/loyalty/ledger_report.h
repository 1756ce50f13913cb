#pragma once
// Period reports over the whole ledger (台账), for finance: each account's roll-forward — what
// it held when the period began, what came in and went out during it by cause, what it held at
// the end — and the entries themselves, for export. Every account of the ledger is reported:
// points and growth (points), coupons held (count), stored value principal, bonus and cashback
// (fen). An entry belongs to the period its `at` falls in: an order's entries at payment, an
// expiry at the moment its lots expired, everything else when it was written.
//
// Read-only; reads one snapshot (the caller's transaction, or one statement each).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/status.h"
#include "core/time.h"
#include "store/database.h"

namespace recur::loyalty {

struct CauseMovement {
  std::string cause;         // order, refund, expiry, topup, issue, use, … (as entries say)
  std::int64_t in = 0;       // the sum of its positive amounts in the period
  std::int64_t out = 0;      // the sum of its negative amounts, as a positive number
  std::int64_t entries = 0;  // its entries in the period
};

struct AccountRollForward {
  std::string account;       // points, growth, coupon, stored_principal, stored_bonus, cashback
  std::int64_t opening = 0;  // the sum of its entries before the period
  std::int64_t closing = 0;  // opening + in - out: the sum of its entries before the period's end
  std::int64_t in = 0, out = 0, entries = 0;
  std::vector<CauseMovement> causes;  // the causes that moved it in the period, by name
};

struct LedgerPeriod {
  Instant from, to;                          // [from, to)
  std::vector<AccountRollForward> accounts;  // points, growth, coupon, stored value, others
};

// Every account that has an entry before `to`. InvalidArgument unless from < to.
Result<LedgerPeriod> roll_forward(store::Database& db, Instant from, Instant to);

// One entry, as exported.
struct LedgerRow {
  std::int64_t entry_id = 0;
  MemberId member = 0;
  std::string account, cause;
  std::int64_t amount = 0;
  std::optional<std::int64_t> balance_after;  // NULL for entries written before migration 11
  std::string reference, idem_key, note;
  Instant at;
};

struct LedgerFilter {
  Instant from, to;                    // [from, to)
  std::optional<std::string> account;  // one account only
  std::optional<MemberId> member;      // one member only (as the entries name them)
};

// Calls `row` for each entry in the filter, by time then entry id; stops at its first error.
Status for_each_ledger_row(store::Database& db, const LedgerFilter& filter,
                           const std::function<Status(const LedgerRow&)>& row);

// The ledger's accounts in report order.
const std::vector<std::string>& ledger_accounts();

}  // namespace recur::loyalty
