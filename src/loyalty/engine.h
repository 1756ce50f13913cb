#pragma once
// The loyalty engine: what orders, refunds, tasks, redemptions, adjustments and the daily jobs
// do to a member's points, growth and tier, by the rules of the program in force.
//
// Contract:
//  - Every mutating method runs inside the caller's write transaction (store::Transaction,
//    BEGIN IMMEDIATE, which serialises writers across connections) and leaves entries, lots and
//    balances consistent within it. On an error the caller rolls back: a failed call may have
//    written part of its work.
//  - Every mutation carries an idempotency key. Replaying a key changes nothing and returns the
//    first result with `replayed = true`.
//  - Nothing reads the wall clock: each input says when it happened (`at`, `paid_at`); the Clock
//    only stamps bookkeeping columns (applied_at, updated_at).
//  - An engine is bound to one connection and is used by one thread at a time.
// See docs/loyalty.md for the rules in an operator's words.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "loyalty/ledger.h"
#include "loyalty/program.h"
#include "loyalty/program_store.h"
#include "store/database.h"

namespace recur::loyalty {

struct OrderLineInput {
  std::int64_t line_no = 0;
  std::string sku;
  std::string category;  // path; may be empty
  Fen amount = 0;        // net paid for the line
};

// A coupon used on the order at checkout (Settlement::checkout, after CouponBook::
// use_in_checkout changed the coupon): its ledger entry is kept on the order's row (migration
// 14), not written as an entry of its own.
struct OrderCouponUse {
  std::int64_t coupon_id = 0;
  Fen discount = 0;
  std::int64_t balance_after = 0;  // the holder's coupon balance after the use
};

struct OrderInput {
  std::string key;       // idempotency key: "source:order_id"
  OrderPk order_pk = 0;  // the orders row, when the order is in the store (0: none)
  MemberId member = kGuest;
  Instant paid_at;
  std::vector<OrderLineInput> lines;
};

struct OrderEffect {
  bool replayed = false;
  bool guest = false;  // a guest order earns nothing and is not recorded
  std::string key;
  MemberId member = 0;
  std::int64_t points = 0, points_uncapped = 0, growth = 0;
  std::string tier_before, tier_after;
  std::string explain;
};

struct RefundInput {
  std::string key;  // idempotency key: "source:refund_id"
  std::int64_t refund_pk = 0;
  std::string order_key;
  std::optional<std::int64_t> line_no;  // none: an amount of the whole order
  Fen amount = 0;
  Instant at;
};

struct RefundEffect {
  bool replayed = false;
  std::string key, order_key;
  MemberId member = 0;
  std::int64_t points_clawed = 0;   // taken back from the member (lots and debt)
  std::int64_t points_debt = 0;     // of which owed: the balance went negative
  std::int64_t points_settled = 0;  // already spent; paid for by keeping part of the refund
  Fen deducted_fen = 0;             // kept back from the refund for points_settled
  std::int64_t growth_clawed = 0;
  std::string tier_before, tier_after;
};

struct AdjustInput {
  MemberId member = 0;
  std::int64_t points = 0;  // + grants a lot (usable now, expiring by the policy); - takes
  std::int64_t growth = 0;
  std::string reason;
  std::string key;
  Instant at;
};

struct AdjustEffect {
  bool replayed = false;
  MemberId member = 0;
  std::int64_t points = 0, growth = 0;
  std::int64_t points_balance = 0, growth_balance = 0;
  std::string tier_after;
};

struct RedemptionQuote {
  MemberId member = 0;
  std::string tier;
  std::int64_t points_per_yuan = 0;  // the tier's ratio
  std::int64_t usable = 0;
  Fen cap_fen = 0;  // max share of the order
  std::int64_t max_points = 0;
  Fen max_discount_fen = 0;
};

struct RedeemInput {
  MemberId member = 0;
  Fen order_amount = 0;
  std::int64_t points = 0;
  std::string reference;  // the order paid, e.g. "mall:M1001"
  std::string key;
  Instant at;
};

struct RedeemEffect {
  bool replayed = false;
  MemberId member = 0;
  std::int64_t points = 0;
  Fen discount_fen = 0;  // paid by points
  Fen cash_fen = 0;      // left to pay in cash
  std::int64_t points_per_yuan = 0;
  std::int64_t points_balance = 0;
};

struct TaskEffect {
  bool replayed = false;
  MemberId member = 0;
  Task task = Task::kSignIn;
  std::int64_t points = 0, growth = 0;  // including any streak bonus
  int streak = 0;                       // sign_in: consecutive days so far
  std::int64_t bonus_points = 0, bonus_growth = 0;
  std::string tier_after;
};

struct ExpireSummary {
  bool replayed = false;
  Date as_of;
  std::int64_t lots = 0, points = 0, members = 0;
};

struct TierRunSummary {
  bool replayed = false;
  Date as_of;
  std::int64_t members = 0, upgraded = 0, downgraded = 0, grace_started = 0, kept = 0,
               requalified = 0;
};

struct LedgerEntry {
  std::int64_t entry_id = 0;
  std::string account, cause, reference, note;
  std::int64_t amount = 0, balance_after = 0;
  Instant at;
};

struct TierChange {
  std::string from, to, reason, reference;
  Instant at;
};

struct MemberLoyalty {
  AccountState account;
  int tier = 0;
  std::string tier_name;
  std::int64_t qualifying_growth = 0;
  std::int64_t usable = 0, pending = 0, expired_unswept = 0;
  Fen value_fen = 0;  // usable + pending at the member's redemption ratio
  std::optional<int> next_tier;
  std::int64_t growth_to_next = 0;
  std::vector<Lot> lots;                 // open points lots, soonest expiry first
  std::vector<LedgerEntry> entries;      // most recent first
  std::vector<TierChange> tier_changes;  // most recent first
};

namespace engine_detail {
struct OrderRow;  // engine_internal.h
}

class LoyaltyEngine {
 public:
  LoyaltyEngine(store::Database& db, ActiveProgram program, TimeZone zone, const Clock& clock);

  // Earns points and growth for an order; upgrades the tier at once. `coupon`: a coupon used on
  // it at checkout, whose ledger entry the order's row records (its holder is the member).
  Result<OrderEffect> apply_order(const OrderInput& in,
                                  const std::optional<OrderCouponUse>& coupon = std::nullopt);
  // Applies `orders` in their order with the result of calling apply_order on each (the same
  // effects, entry and lot ids, lots, balances and tier changes), reading the members, accounts
  // and daily sums in bulk and writing rows with multi-row statements (engine_batch.cpp). An
  // order it does not take in bulk (its key applied before or earlier in the batch, a merged or
  // unknown member, points debt, a negative line) goes through apply_order itself. Stops at the
  // first error.
  Result<std::vector<OrderEffect>> apply_orders(const std::vector<OrderInput>& orders);
  // apply_orders in parts, for a caller that reads the next part while one is applied
  // (apply_pending): the same effects as one apply_orders over all the parts in their order.
  // add() writes the orders' rows; the members' accounts are written by finish(), which must
  // come before anything else reads or writes them (and before commit). `days`, when given,
  // spans every part's payment days, so the members are read once.
  class OrderBatch;
  struct DateRange {
    Date first, last;
  };
  // Every growth lot (earned_at, remaining) of a member, as apply_orders keeps it in memory:
  // the store's, read once, and those the batch adds.
  using GrowthLots = std::vector<std::pair<Instant, std::int64_t>>;
  // Takes back what the refunded part earned; re-evaluates the tier; applies the spent-points
  // policy. The order must have been applied.
  Result<RefundEffect> apply_refund(const RefundInput& in);
  Result<AdjustEffect> adjust(const AdjustInput& in);
  Result<RedemptionQuote> quote_redemption(MemberId member, Fen order_amount, Instant at);
  // Pays part of an order with points at the member's tier ratio, within the max share.
  Result<RedeemEffect> redeem(const RedeemInput& in);
  Result<TaskEffect> complete_task(MemberId member, Task task, const std::string& key, Instant at);
  Result<TaskEffect> sign_in(MemberId member, const std::string& key, Instant at) {
    return complete_task(member, Task::kSignIn, key, at);
  }
  // Writes off every lot that expired before `as_of` began.
  Result<ExpireSummary> expire(Date as_of, const std::string& key);
  // The daily tier run for day `as_of`: rolling downgrades after grace, periodic
  // re-qualification, lifetime corrections, missed upgrades. Each member once per day.
  Result<TierRunSummary> evaluate_tiers(Date as_of, const std::string& key);

  // Read-only: the member's balances, lots, recent entries and tier as of `at`.
  Result<MemberLoyalty> member_state(MemberId member, Instant at, int entries = 20);
  // Read-only: what the order applied under `key` earned (with `replayed` set and the member's
  // tier now as `tier_after`); none when it was not applied.
  Result<std::optional<OrderEffect>> applied_order(const std::string& key) {
    return find_order(key);
  }
  // Read-only: what the refund applied under `key` took back (with `replayed` set and the
  // member's tier now as `tier_after`); none when it was not applied.
  Result<std::optional<RefundEffect>> applied_refund(const std::string& key) {
    return find_refund(key);
  }

  const Program& program() const { return active_.program; }
  int program_version() const { return active_.version; }
  const TimeZone& zone() const { return zone_; }
  const ActiveProgram& active_program() const { return active_; }
  const Clock& clock() const { return clock_; }
  Ledger& ledger() { return ledger_; }

  // When points earned on `day` expire (none: never).
  std::optional<Instant> expiry_for(Date day) const;

 private:
  Result<AccountState> load(MemberId member, Instant at);
  // A member without an account row starts its tier (and period) at `at`.
  void start_account(AccountState& a, Instant at) const;
  // What an order earns and writes, computed from the member's account as it stands (pure).
  struct OrderPlan;
  OrderPlan plan_order(const OrderInput& in, const AccountState& a, std::string_view birthday,
                       std::int64_t earned_today) const;
  // The order's row for `plan` (its entries and lots take ids entry_id and entry_id + 1), with
  // what it earned added to `a`'s balances. New points repay debt first: its points lot holds
  // what is left of them (the caller records the repayment).
  engine_detail::OrderRow order_row(const OrderInput& in, MemberId member, const OrderPlan& plan,
                                    AccountState& a, std::int64_t entry_id) const;
  // The live member: `member`, or the member it was merged into. kNotFound for no such member.
  Result<MemberId> live(MemberId member);
  Date period_start_of(const AccountState& a) const;
  int tier_of(const AccountState& a) const;
  // `known`: every growth lot of the member (apply_orders), so the store is not read.
  Result<std::int64_t> qualifying_growth(const AccountState& a, Instant at,
                                         const GrowthLots* known = nullptr);
  Status change_tier(AccountState& a, int to, Instant at, std::string_view reason,
                     std::string_view reference);
  Status maybe_upgrade(AccountState& a, Instant at, std::string_view reference,
                       const GrowthLots* known = nullptr);
  Result<std::optional<RefundEffect>> find_refund(const std::string& key);
  Result<std::optional<OrderEffect>> find_order(const std::string& key);
  Status record_op(const std::string& key, std::string_view kind, MemberId member, Instant at,
                   std::int64_t points, std::int64_t growth, Fen money, std::string_view detail);
  Status evaluate_member(AccountState& a, Date as_of, const std::string& ref, TierRunSummary& s);

  store::Database& db_;
  ActiveProgram active_;
  TimeZone zone_;
  const Clock& clock_;
  Ledger ledger_;
  StatementCache cache_;
};

class LoyaltyEngine::OrderBatch {
 public:
  explicit OrderBatch(LoyaltyEngine& engine, std::optional<DateRange> days = std::nullopt);
  ~OrderBatch();
  OrderBatch(const OrderBatch&) = delete;
  OrderBatch& operator=(const OrderBatch&) = delete;

  // Applies `orders` after the parts before; their rows are written before it returns.
  // `keys_new`: the caller knows that no key in `orders` was applied before or repeats
  // (apply_pending's orders are distinct rows not applied yet), so none is looked up.
  Result<std::vector<OrderEffect>> add(const std::vector<OrderInput>& orders,
                                       bool keys_new = false);
  // Writes the accounts the parts changed.
  Status finish();
  // After finish(), once something outside the batch changed `member` (a refund applied
  // between parts): the next part reads the member again, and the ledger's next entry id.
  void forget(MemberId member);

 private:
  struct State;
  Status write_orders();
  LoyaltyEngine& engine_;
  std::unique_ptr<State> s_;
};

// The engine for the program in force and the merchant's zone.
Result<std::unique_ptr<LoyaltyEngine>> open_engine(store::Database& db, const Clock& clock);

}  // namespace recur::loyalty
