#pragma once
// Where a refund of an order in the store goes: an order checked out through recur (paid with a
// coupon, points or stored value; `Settlement`) gives every tender back through the settlement's
// refund cascade; any other order through LoyaltyEngine::apply_refund. `recur loyalty apply`
// (apply_pending) and `recur order stream` route refunds through it. Runs inside the caller's
// write transaction; the settlement (coupon book, wallet) is opened on first use, as most
// stores never check out.

#include <memory>
#include <string>

#include "core/money.h"
#include "core/status.h"
#include "loyalty/engine.h"
#include "loyalty/settlement.h"

namespace recur::loyalty {

class CouponBook;
class Wallet;

// What a refund took back, whichever way it went.
struct AppliedRefund {
  bool replayed = false;
  bool settled = false;  // went through the settlement's cascade
  MemberId member = 0;
  std::int64_t points_clawed = 0, points_debt = 0, growth_clawed = 0;
  Fen deducted_fen = 0;  // kept back from the money refunded
  std::string tier_after;
};

class RefundCascade {
 public:
  explicit RefundCascade(LoyaltyEngine& engine);
  ~RefundCascade();
  RefundCascade(const RefundCascade&) = delete;
  RefundCascade& operator=(const RefundCascade&) = delete;

  // True when `order_key` was checked out through the settlement.
  Result<bool> settled(const std::string& order_key);
  // The settlement's refund of a checked-out order.
  Result<SettlementRefundEffect> refund(const RefundInput& r);
  // Routes `r`: the settlement's cascade for a checked-out order, else the engine. Errors name
  // the refund's key.
  Result<AppliedRefund> apply(const RefundInput& r);

 private:
  Status open();
  LoyaltyEngine& engine_;
  std::unique_ptr<CouponBook> coupons_;
  std::unique_ptr<Wallet> wallet_;
  std::unique_ptr<Settlement> settlement_;
};

}  // namespace recur::loyalty
