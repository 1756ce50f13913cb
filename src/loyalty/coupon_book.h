#pragma once
// The coupon book (券包): every coupon issued to a member from a template of the program
// (coupon_program.h), and what happens to it — issued → locked (to an order) → used, or
// expired / revoked; a released lock goes back to issued, and a full refund may give a used
// coupon back (coupons.refund_policy). Also the tier's monthly coupons and birthday gifts.
//
// Contract (as for the engine, engine.h):
//  - Every mutating method runs inside the caller's write transaction (store::Transaction,
//    BEGIN IMMEDIATE, which serialises writers across connections: two connections using one
//    coupon at once queue, and the second finds it used). On an error the caller rolls back.
//  - Every change of a coupon writes an append-only ledger entry in the same transaction
//    (account `coupon`, reference `coupon:ID`, cause issue/lock/use/release/expire/revoke/
//    refund/merge/unmerge, amount +1, −1 or 0; the balance counts the member's unused coupons,
//    and loyalty_accounts.coupons keeps it). A use at checkout (use_in_checkout) leaves its entry
//    to the order's row, written by the caller in the same transaction.
//  - Every mutation carries an idempotency key; a replay changes nothing and returns the first
//    result with `replayed = true`.
//  - Nothing reads the wall clock: each call says when it happens.
// See docs/loyalty.md for the rules in an operator's words.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "loyalty/engine.h"

namespace recur::loyalty {

enum class CouponState { kIssued, kLocked, kUsed, kExpired, kRevoked };
std::string_view coupon_state_name(CouponState s);  // issued, locked, used, expired, revoked

struct Coupon {
  std::int64_t coupon_id = 0;
  std::string template_key;
  MemberId member = 0;         // the holder
  MemberId origin_member = 0;  // the member it was issued to (differs while merged)
  CouponState state = CouponState::kIssued;
  std::string source, source_ref;              // operator, monthly, birthday, mall
  Instant issued_at, valid_from, valid_until;  // valid in [valid_from, valid_until)
  Fen budget_fen = 0;                          // budgeted cost at issue
  std::string order_key;                       // locked to / used on
  std::optional<Instant> used_at;
  Fen discount_fen = 0;  // actual cost at use
  std::string reason;    // revoked: why
};

struct IssueInput {
  MemberId member = 0;
  std::string template_key;
  std::string key;  // idempotency key
  Instant at;
  std::string source = "operator";
  std::string source_ref;
};

struct IssueEffect {
  bool replayed = false;
  Coupon coupon;
};

struct CouponOrderLine {
  std::string sku, category;
  Fen amount = 0;  // net paid for the line, before this coupon
};

// The order a coupon is used on, as the caller (till, shop) sees it.
struct CouponOrder {
  std::string order_key;  // "source:order_id"
  std::string channel;    // online, store, miniprogram, …
  Instant at;
  std::vector<CouponOrderLine> lines;
  Fen shipping_fen = 0;
};

struct UseEffect {
  bool replayed = false;
  std::int64_t coupon_id = 0;
  MemberId member = 0;
  std::string template_key, order_key;
  Fen in_scope_fen = 0;            // the lines the coupon applies to
  Fen discount_fen = 0;            // money off (free_shipping: the fee waived; gift: 0)
  std::string gift_sku;            // gift coupons: the SKU to hand over
  std::int64_t balance_after = 0;  // use_in_checkout: the holder's coupon balance after the use
};

struct CouponChange {
  bool replayed = false;
  std::int64_t coupon_id = 0;
  MemberId member = 0;
  CouponState state = CouponState::kIssued;
  std::string order_key;
};

// Sweeps and grants: expire, monthly, birthday.
struct CouponRun {
  bool replayed = false;
  std::string period;        // the day or month it ran for
  std::int64_t coupons = 0;  // coupons expired or issued
  std::int64_t members = 0;  // members touched
  std::int64_t skipped = 0;  // grants refused by stock or per-member limits
  std::int64_t points = 0;   // birthday points granted
};

struct RefundReturn {
  bool replayed = false;
  std::int64_t returned = 0;  // used coupons given back (issued again)
  std::int64_t kept = 0;      // used coupons that stay used (partial refund, expired, policy)
};

class CouponBook {
 public:
  // Uses the engine's program, zone and ledger (and so its connection).
  explicit CouponBook(LoyaltyEngine& engine);

  // Issues one coupon of a template, enforcing its stock and per-member limits.
  Result<IssueEffect> issue(const IssueInput& in);
  // Holds an issued coupon for an order being placed.
  Result<CouponChange> lock(std::int64_t coupon_id, MemberId member, const std::string& order_key,
                            const std::string& key, Instant at);
  // Uses a coupon on an order: checks owner, state, validity, channel, scope and threshold and
  // computes the discount in fen. A coupon locked to this order may be used; one locked to
  // another may not.
  Result<UseEffect> use(std::int64_t coupon_id, MemberId member, const CouponOrder& order,
                        const std::string& key);
  // As use(), for Settlement::checkout: no coupon_operations row, because the settlement's row
  // makes the checkout idempotent (a replay never reaches here), and no ledger entry: the caller
  // records it on the order's row (OrderCouponUse, with `balance_after` from the effect) in the
  // same transaction.
  Result<UseEffect> use_in_checkout(std::int64_t coupon_id, MemberId member,
                                    const CouponOrder& order);
  // A locked coupon goes back to issued.
  Result<CouponChange> release(std::int64_t coupon_id, const std::string& key, Instant at);
  // An operator withdraws an unused coupon.
  Result<CouponChange> revoke(std::int64_t coupon_id, const std::string& reason,
                              const std::string& key, Instant at);
  // Every issued coupon whose validity ended before `as_of` began becomes expired. Locked ones
  // wait for their order (used or released, then swept).
  Result<CouponRun> expire(Date as_of, const std::string& key);
  // The refund cascade: a full refund gives back the coupons used on the order that are still
  // valid at `at` (policy return_if_valid); a partial refund or policy never keeps them used.
  // The coupons used on the order are those use() recorded, and `checkout_coupon`: the one its
  // checkout used (the settlement knows it; use_in_checkout records no operation).
  Result<RefundReturn> return_for_refund(const std::string& order_key,
                                         std::optional<std::int64_t> checkout_coupon,
                                         bool full_refund, Instant at, const std::string& key);
  // The tier's monthly_coupons for every live member, once per member and month (the month
  // containing `month`), issued at `at`.
  Result<CouponRun> issue_monthly(Date month, Instant at, const std::string& key);
  // Members whose birthday is `day` (29 Feb: 28 Feb in other years) get their tier's
  // birthday_points (ledger cause birthday) and birthday_coupon, once per member and year.
  Result<CouponRun> issue_birthday(Date day, const std::string& key);

  Result<Coupon> get(std::int64_t coupon_id);
  // A member's coupons, newest first; `open_only`: issued or locked.
  Result<std::vector<Coupon>> list(MemberId member, bool open_only);

  LoyaltyEngine& engine() { return engine_; }

 private:
  Result<MemberId> live(MemberId member);
  Status ensure_account(MemberId member, Instant at);
  Status entry(MemberId member, std::string_view cause, int amount, std::int64_t coupon_id,
               const std::string& key, Instant at, std::string_view note);
  Result<bool> op_done(const std::string& key, std::string_view kind);
  // Adds `delta` to the template's coupons out (coupon_template_stock): +1 issued, -1 revoked.
  Status count_out(const std::string& template_key, int delta);
  Status record_op(const std::string& key, std::string_view kind, std::int64_t coupon_id,
                   MemberId member, Instant at, std::string_view detail, Fen discount = 0,
                   Fen base = 0);
  // Sweeps, grants and refunds: their counts by key, for replays.
  Status record_run(const std::string& key, std::string_view kind, Instant at, const CouponRun& r);
  Result<CouponRun> load_run(const std::string& key);
  Status set_state(std::int64_t coupon_id, CouponState state, Instant at);
  Result<std::optional<Coupon>> by_issue_key(const std::string& key);
  Status check_usable(const Coupon& c, MemberId member, Instant at, std::string_view order_key);
  // use() and use_in_checkout() after their replay checks: validates, prices and marks the
  // coupon used; the ledger entry is theirs to write.
  Result<UseEffect> apply_use(std::int64_t coupon_id, MemberId member, const CouponOrder& order);
  // The coupons use() recorded on an order (coupon_operations, kind use), by id.
  Result<std::vector<std::int64_t>> used_on(const std::string& order_key);

  LoyaltyEngine& engine_;
  store::Database& db_;
};

// Coupons move with members (merge_participant.cpp): on merge every unused coupon of `merged`
// goes to `survivor` (entries cause merge), recorded in coupon_merge_moves; on unmerge those
// still unused and held by `from` go back to `restored` (cause unmerge). Used ones stay used.
Status move_coupons_on_merge(store::Database& db, MergeId id, MemberId survivor, MemberId merged);
Status return_coupons_on_unmerge(store::Database& db, MergeId id, MemberId from, MemberId restored);

}  // namespace recur::loyalty
