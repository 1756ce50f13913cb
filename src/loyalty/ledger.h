#pragma once
// The append-only ledger of points and growth, the lots that say what is left to spend and when
// it expires, and the per-member balances.
//
// Contract: every method must run inside the caller's write transaction (BEGIN IMMEDIATE), and
// the caller saves the AccountState it changed (save()) before committing, so entries, lots and
// balances always commit together. Invariants (docs/loyalty.md, schema_loyalty.cpp):
//  1. points = SUM(points entries) = SUM(points lots' remaining) - points_debt;
//     growth = SUM(growth entries) = SUM(growth lots' remaining).
//  2. 0 <= remaining <= earned; remaining = earned - SUM(usage of the lot).
//  3. points_debt > 0 only while no live points lot has anything left: new earnings repay it.
//  4. An entry's idempotency key is unique: a replayed key fails with kAlreadyExists. An entry
//     without a key (an order's points and growth) is kept unique by the row it explains,
//     written in the same transaction (loyalty_orders' primary key).
// A Ledger is bound to one connection and used by one thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/status.h"
#include "core/time.h"
#include "loyalty/statement_cache.h"
#include "store/database.h"

namespace recur::loyalty {

// The id of the next entry, as a scalar SQL subquery. Entries come from one sequence over
// loyalty_entries_other and loyalty_orders (an order's row is its points entry, its id + 1 its
// growth entry: migration 11; its id + 2 the entry of a coupon used on it at checkout:
// migration 14), kept above every lot id too, since a lot's id is the id of the entry that
// created it. Every writer of an entry takes its id from here.
inline constexpr const char* kNextEntryIdSql =
    "(SELECT MAX(COALESCE((SELECT MAX(entry_id) FROM loyalty_entries_other), 0), "
    "COALESCE((SELECT entry_id + CASE WHEN coupon_id IS NULL THEN 1 ELSE 2 END FROM "
    "loyalty_orders ORDER BY entry_id DESC LIMIT 1), 0), "
    "COALESCE((SELECT MAX(lot_id) FROM loyalty_lots_other), 0)) + 1)";

// The next entry id (kNextEntryIdSql) read once, for a writer that numbers rows itself.
Result<std::int64_t> next_entry_id(store::Database& db);

// What a balance counts. The next slice adds stored value (principal, bonus), cashback and
// coupons as further accounts of the same ledger.
enum class Account { kPoints, kGrowth };
std::string_view account_name(Account a);

// Why an entry was written.
enum class Cause {
  kOrder,       // earned by an order
  kRefund,      // taken back by a refund
  kTask,        // sign-in, review, share, invite, profile completion
  kRedemption,  // points paid part of an order
  kExchange,    // points mall exchange (next slice)
  kAdjustment,  // an operator's correction, with a reason
  kExpiry,      // lots that reached their expiry
  kMerge,       // moved to the survivor of a member merge
  kUnmerge,     // moved back when the merge was undone
  kBirthday,    // the tier's birthday points (coupon_book.h)
};
std::string_view cause_name(Cause c);

struct AccountState {
  MemberId member = 0;
  bool stored = false;  // a loyalty_accounts row exists
  std::int64_t points = 0;
  std::int64_t points_debt = 0;
  std::int64_t growth = 0;
  std::string tier;  // tier key
  Instant tier_since;
  std::optional<Date> grace_until;   // rolling mode
  std::optional<Date> period_start;  // periodic mode
  std::optional<Date> evaluated;     // last day `tiers evaluate` looked at this member
};

struct Lot {
  std::int64_t lot_id = 0;
  MemberId member = 0;
  Account account = Account::kPoints;
  std::int64_t earned = 0, remaining = 0;
  Instant earned_at, usable_from;
  std::optional<Instant> expires_at;
  std::string order_key;
};

// The terms of a new lot.
struct LotTerms {
  Instant earned_at;
  Instant usable_from;
  std::optional<Instant> expires_at;  // none: never
  std::string_view order_key;         // the order that earned it, if any
};

// The common part of an entry.
struct Posting {
  Cause cause = Cause::kAdjustment;
  std::string reference;  // what it is about: "order:pos:A1", "merge:12", …
  std::string key;        // unique; replays fail. Empty: no key (the caller's row is unique)
  Instant at;
  std::string note;
};

// Which lots a debit takes from, in order.
enum class LotOrder {
  kSpend,        // usable and unexpired at `at`; soonest expiry first (never-expiring last)
  kLive,         // unexpired at `at`, pending included; soonest expiry first
  kNewestFirst,  // growth: the most recently earned first
};

// What a debit does when the lots hold less than asked.
enum class Shortfall {
  kFail,     // kFailedPrecondition, nothing written
  kDebt,     // points only: the rest becomes debt (negative balance)
  kPartial,  // take what there is; the entry is for that much
};

struct Debit {
  std::int64_t entry_id = 0;  // 0 when nothing was written
  std::int64_t taken = 0;     // from lots
  std::int64_t debt = 0;      // added to the debt
  std::int64_t short_by = 0;  // neither taken nor owed (kPartial)
};

class Ledger {
 public:
  Ledger(store::Database& db, int program_version)
      : db_(db), cache_(db), version_(program_version) {}

  // The member's account; a member without a row starts at `base_tier` with zero balances.
  Result<AccountState> load(MemberId member, std::string_view base_tier);
  Status save(const AccountState& a, Instant at);
  // Fills `a` (stored) from a loyalty_accounts row read from column `col` on: points,
  // points_debt, growth, tier, tier_since, grace_until_day, period_start_day, evaluated_day.
  static void read_account(const store::Statement& st, int col, AccountState& a);

  // Writes one entry and applies it to the balance in `a` (not yet saved). Returns the entry id.
  Result<std::int64_t> append(AccountState& a, Account account, std::int64_t amount,
                              const Posting& p);

  // +amount with a new lot; a points credit repays debt first. Returns the lot id.
  Result<std::int64_t> credit(AccountState& a, Account account, std::int64_t amount,
                              const Posting& p, const LotTerms& terms);

  // -amount from lots in `order`, the lots of `prefer_order_key` first when given.
  Result<Debit> debit(AccountState& a, Account account, std::int64_t amount, const Posting& p,
                      LotOrder order, Shortfall shortfall, std::string_view prefer_order_key = {});

  // Repays points debt from the member's live lots, recording the usage under `entry_id`.
  Status settle_debt(AccountState& a, std::int64_t entry_id, Instant at);

  // Writes off what is left of `lots` (the member's, all points) as one expiry entry.
  Status expire(AccountState& a, const std::vector<Lot>& lots, const Posting& p);

  // Points usable at `at` (usable_from <= at < expires_at).
  Result<std::int64_t> usable_points(MemberId member, Instant at);
  // Points not yet usable at `at`.
  Result<std::int64_t> pending_points(MemberId member, Instant at);
  // Remaining growth earned in [from, to).
  Result<std::int64_t> growth_between(MemberId member, Instant from, Instant to);

  Result<std::vector<Lot>> lots(MemberId member, Account account, bool open_only);
  // The points lot `lot_id`, if there is one.
  Result<std::optional<Lot>> points_lot(std::int64_t lot_id);

  int program_version() const { return version_; }
  store::Database& db() { return db_; }

 private:
  // Takes `amount` from lot `lot_id` of `account` for entry `entry_id`, recording the usage.
  // The lot is an order's (its row in loyalty_orders) or another (loyalty_lots_other).
  Status use_lot(std::int64_t lot_id, Account account, MemberId member, std::int64_t amount,
                 std::int64_t entry_id);
  Result<std::vector<std::pair<std::int64_t, std::int64_t>>> pick(MemberId member, Account account,
                                                                  LotOrder order, Instant at,
                                                                  std::string_view order_key);
  store::Database& db_;
  StatementCache cache_;
  int version_;
};

}  // namespace recur::loyalty
