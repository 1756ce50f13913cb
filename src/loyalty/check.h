#pragma once
// `recur check` for the loyalty ledger: proves the invariants of ledger.h over the whole store,
// and values the outstanding points and the stored value owed (financial liabilities) in money.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "loyalty/apply.h"
#include "loyalty/program.h"
#include "store/database.h"

namespace recur::loyalty {

// Offending rows kept as examples per finding (all are counted).
inline constexpr int kCheckExamples = 5;

struct CheckFinding {
  std::string name;         // e.g. "balances_equal_entries"
  std::string description;  // what it proves, for a person
  std::int64_t violations = 0;
  std::vector<std::string> examples;  // the first few offending rows
  bool ok() const { return violations == 0; }
};

struct TierLiability {
  std::string tier, name;
  std::int64_t members = 0;
  std::int64_t points = 0;  // redeemable: usable + pending, unexpired
  std::int64_t points_per_yuan = 0;
  Fen value_fen = 0;
};

struct Liability {
  std::int64_t points = 0;  // redeemable points, all members
  std::int64_t usable = 0, pending = 0;
  std::int64_t expired_unswept = 0;  // past expiry, not yet written off (recur points expire)
  std::int64_t debt = 0;             // points members owe (negative balances)
  std::int64_t members = 0;          // members holding redeemable points
  Fen value_fen = 0;                 // at each member's tier ratio, summed per tier (floor)
  std::vector<TierLiability> tiers;
};

// Stored value owed to members (储值负债), in fen: what they can still spend.
struct WalletLiability {
  Fen principal_fen = 0;         // their own money, refundable
  Fen bonus_fen = 0;             // top-up bonus
  Fen cashback_fen = 0;          // unexpired cashback
  Fen cashback_expired_fen = 0;  // expired, not yet written off (recur wallet cashback expire)
  Fen owed_fen = 0;              // principal + bonus + cashback
  std::int64_t members = 0;      // members holding any
};

struct CheckReport {
  bool ok = true;
  std::vector<CheckFinding> checks;
  PendingCounts pending;               // orders/refunds not applied yet: reported, not a failure
  std::optional<Liability> liability;  // when a program is loaded
  WalletLiability stored_value;
  int program_version = 0;
};

Result<CheckReport> run_check(store::Database& db, Instant now);

// Stored value and unexpired cashback owed at `now`.
Result<WalletLiability> wallet_liability(store::Database& db, Instant now);

// Outstanding points at `now`, valued at each member's tier redemption ratio.
Result<Liability> points_liability(store::Database& db, const Program& program, Instant now);

}  // namespace recur::loyalty
