#pragma once
// Stored value (储值) and cashback (消费金返利): a member's principal, top-up bonus and cashback
// balances, by the `stored_value:` rules of the program in force (docs/loyalty.md).
//
// Contract (the same as the loyalty engine's, engine.h):
//  - Every mutating method runs inside the caller's write transaction (store::Transaction,
//    BEGIN IMMEDIATE, which serialises writers across connections). Each writes append-only
//    entries to loyalty_entries (accounts stored_principal, stored_bonus, cashback) with their
//    cause, the lots and the balance row in that transaction. On an error the caller rolls back.
//  - Every mutation carries an idempotency key. Replaying a key changes nothing and returns the
//    first result with `replayed = true`. Keys are per operation kind ("topup", "spend", …).
//  - No balance is ever negative: a spend or withdrawal asking for more than there is fails
//    with kFailedPrecondition and writes nothing.
//  - Nothing reads the wall clock: each call says when it happened (`at`); the Clock only stamps
//    bookkeeping columns (updated_at).
//  - A Wallet is bound to one connection and is used by one thread at a time.
//
// For the order path: `spend` pays (part of) an order, `refund_spend` gives back a share of it
// when the order is refunded, `earn_cashback` credits cashback for a paid order and
// `clawback_cashback` takes back the refunded share (what was already spent is reported as
// `deducted_fen`: keep that much back from the cash refund).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "loyalty/program.h"
#include "loyalty/program_store.h"
#include "store/database.h"

namespace recur::loyalty {

enum class WalletAccount { kPrincipal, kBonus, kCashback };
// stored_principal, stored_bonus, cashback — the `account` of their ledger entries.
std::string_view wallet_account_name(WalletAccount a);
Result<WalletAccount> parse_wallet_account(std::string_view name);  // also principal, bonus

// Amounts per account, in fen. As a change, signed.
struct WalletSplit {
  Fen principal = 0, bonus = 0, cashback = 0;
  Fen total() const { return principal + bonus + cashback; }
};

// What one operation did.
struct WalletEffect {
  bool replayed = false;
  std::string kind;  // topup, spend, refund, withdraw, cashback, clawback, adjust
  std::string key;
  std::string order_key;  // spend, refund, cashback, clawback
  MemberId member = 0;
  Fen amount = 0;      // what was asked: paid in, spent, refunded, net paid, withdrawn
  WalletSplit change;  // signed change of each balance
  Fen paid_out = 0;    // withdraw: cash handed back to the member
  Fen deducted = 0;    // withdraw: kept for bonus already spent; clawback: keep from the refund
  WalletSplit after;   // balances after the operation
  std::string detail;  // e.g. the top-ups a withdrawal touched, the bonus rule applied
};

// What makes a wallet operation happen once. kWalletOperation: its wallet_operations row, keyed
// by the caller's key, which a replay finds and returns. kCaller: the caller's own row replays
// the whole operation before it gets here (a checkout's settlement row, keyed by the order; a
// settlement refund's row, keyed by the refund), so no wallet_operations row is written or
// looked up, and its entries carry no idem_key (as a coupon used at checkout, migration 14).
// Either way an order is paid with stored value once and earns cashback once (its wallet_spends
// and wallet_cashback_orders rows), and its refunds never give or take back more than those
// rows allow.
enum class OnceBy { kWalletOperation, kCaller };

struct CashbackLine {
  std::string category;  // path; may be empty
  Fen amount = 0;        // net paid for the line
};

struct CashbackInput {
  MemberId member = 0;
  std::string order_key;  // "source:order_id"
  Fen net_paid = 0;       // what the member paid for the order, net of discounts
  std::string channel;    // the order's channel; empty = unknown (earns unless channels are set)
  std::vector<CashbackLine> lines;  // when given and categories are set: only matching lines earn
  Instant at;
  std::string key;
  OnceBy once_by = OnceBy::kWalletOperation;
};

struct WalletExpireSummary {
  bool replayed = false;
  Date as_of;
  std::int64_t lots = 0, members = 0;
  Fen cashback = 0;
};

struct WalletLot {
  std::int64_t lot_id = 0;
  WalletAccount account = WalletAccount::kPrincipal;
  Fen earned = 0, remaining = 0;
  Instant earned_at;
  std::optional<Instant> expires_at;
  std::string topup_key, order_key;
};

struct WalletEntry {
  std::int64_t entry_id = 0;
  std::string account, cause, reference, note;
  Fen amount = 0, balance_after = 0;
  Instant at;
};

struct WalletState {
  MemberId member = 0;
  WalletSplit balance;       // cashback includes expired lots not yet written off
  Fen cashback_usable = 0;   // unexpired at `at`
  Fen cashback_expired = 0;  // expired, waiting for `wallet cashback expire`
  Fen spendable() const { return balance.principal + balance.bonus + cashback_usable; }
  std::vector<WalletLot> lots;       // open lots: cashback soonest expiry first, then top-ups
  std::vector<WalletEntry> entries;  // most recent first
};

// What an order paid with stored value, and what its refunds gave back so far.
struct WalletSpendRecord {
  std::string order_key;
  MemberId member = 0;
  Instant at;
  Fen amount = 0, refunded = 0;
  WalletSplit spent, given_back;
  Fen refundable() const { return amount - refunded; }  // the most refund_spend still accepts
};

// What an order earned in cashback, and what its refunds took back so far.
struct CashbackRecord {
  std::string order_key;
  MemberId member = 0;
  Instant at;
  Fen net_paid = 0, eligible = 0, earned = 0;
  Fen refunded = 0;  // of net_paid
  Fen clawed = 0;    // owed back so far: taken + forgiven + deducted
  Fen deducted = 0, forgiven = 0;
};

class Wallet {
 public:
  Wallet(store::Database& db, ActiveProgram program, TimeZone zone, const Clock& clock);

  // Pays `paid` into the principal and grants the bonus of the highest matching rule.
  Result<WalletEffect> topup(MemberId member, Fen paid, Instant at, const std::string& key);
  // Pays `amount` of order `order_key` from the balances by the spending order. An order is paid
  // by stored value once.
  Result<WalletEffect> spend(MemberId member, Fen amount, const std::string& order_key, Instant at,
                             const std::string& key, OnceBy once_by = OnceBy::kWalletOperation);
  // Gives back `amount` of what order `order_key` spent, split in the spend's proportions; the
  // refunds of one spend never give back more than it took.
  Result<WalletEffect> refund_spend(const std::string& order_key, Fen amount, Instant at,
                                    const std::string& key,
                                    OnceBy once_by = OnceBy::kWalletOperation);
  // Withdraws what is left of one top-up's principal (its remaining bonus is forfeited).
  Result<WalletEffect> withdraw_topup(MemberId member, const std::string& topup_key, Instant at,
                                      const std::string& key);
  // Withdraws `amount` of principal, newest top-up first; the bonus of each top-up touched is
  // forfeited in proportion to the share of its principal withdrawn.
  Result<WalletEffect> withdraw_amount(MemberId member, Fen amount, Instant at,
                                       const std::string& key);
  // Credits cashback for a paid order (a lot valid for `cashback.valid_days`).
  Result<WalletEffect> earn_cashback(const CashbackInput& in);
  // Takes back the cashback of the refunded share of an order. What was already spent cannot be
  // taken (balances never go negative): it is returned as `deducted`.
  Result<WalletEffect> clawback_cashback(const std::string& order_key, Fen refunded, Instant at,
                                         const std::string& key,
                                         OnceBy once_by = OnceBy::kWalletOperation);
  // Writes off every cashback lot that expired before `as_of` began.
  Result<WalletExpireSummary> expire(Date as_of, const std::string& key);
  // An operator's correction of one account: + grants a lot, − takes (never below zero).
  Result<WalletEffect> adjust(MemberId member, WalletAccount account, Fen amount,
                              const std::string& reason, Instant at, const std::string& key);

  // Read-only.
  Result<WalletState> state(MemberId member, Instant at, int entries = 20);
  // For the order path: none when the order was not paid with stored value / earned nothing.
  Result<std::optional<WalletSpendRecord>> spend_record(const std::string& order_key);
  Result<std::optional<CashbackRecord>> cashback_record(const std::string& order_key);

  const StoredValueRules& rules() const { return active_.program.stored_value; }
  const TimeZone& zone() const { return zone_; }
  // When cashback earned on `day` expires.
  Instant cashback_expiry(Date day) const;

 private:
  Result<MemberId> live(MemberId member);
  Result<WalletSplit> load(MemberId member);
  Status save(MemberId member, const WalletSplit& b);
  // Writes one entry; its idem_key is "wallet:KEY:ACCOUNT", none when `key` is empty.
  Result<std::int64_t> append(MemberId member, WalletSplit& b, WalletAccount account, Fen amount,
                              std::string_view cause, const std::string& reference,
                              const std::string& key, Instant at, std::string_view note = {});
  Result<std::int64_t> new_lot(MemberId member, WalletAccount account, Fen amount,
                               std::int64_t entry, Instant at, std::optional<Instant> expires,
                               std::string_view topup_key, std::string_view order_key);
  Status use_lot(std::int64_t lot, MemberId member, Fen amount, std::int64_t entry,
                 std::string_view cause, std::string_view order_key);
  // Takes `amount` from the member's lots of `account` (cashback: unexpired at `at`, soonest
  // expiry first; principal and bonus: oldest first). The lots must hold enough.
  Status take(MemberId member, WalletAccount account, Fen amount, std::int64_t entry, Instant at,
              std::string_view cause, std::string_view order_key);
  Result<Fen> usable_cashback(MemberId member, Instant at);
  // The operation's key, "KIND:key", which is also its entries' key; empty under
  // OnceBy::kCaller, where find_op finds nothing and record_op writes nothing.
  static std::string operation_key(OnceBy once_by, std::string_view kind, const std::string& key);
  Result<std::optional<WalletEffect>> find_op(const std::string& op_key);
  Status record_op(const std::string& op_key, const WalletEffect& e, Instant at);
  Result<WalletEffect> withdraw(MemberId member, const std::string& topup_key, Fen amount,
                                Instant at, const std::string& key);

  store::Database& db_;
  ActiveProgram active_;
  TimeZone zone_;
  const Clock& clock_;
};

// The wallet under the program in force and the merchant's zone. kFailedPrecondition when no
// program is loaded or it has no `stored_value:` section.
Result<std::unique_ptr<Wallet>> open_wallet(store::Database& db, const Clock& clock);

}  // namespace recur::loyalty
