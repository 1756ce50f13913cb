#pragma once
// Settlement (结算): an order paid with a coupon, points and stored value besides cash, and the
// refunds that undo it part by part — the refund cascade.
//
// Checkout runs in the caller's transaction and either does everything or (the caller rolls
// back) nothing:
//   goods   = the sum of the lines (net of line discounts)
//   coupon  = the coupon's discount (coupon_book.h), shared over the lines in its scope
//   points  = redeemed at the member's tier ratio, within the max share of goods − coupon
//   wallet  = paid from stored value by the spending order (wallet.h)
//   cash    = goods − coupon − points − wallet, paid outside recur
// Each share is spread over the lines by largest remainder, so every line knows what paid for
// it. A line's paid money (its wallet and cash share) is what earns points, growth and cashback.
//
// A refund names goods value: of one line, or of the order (spread over the lines in proportion
// to what is left of each). For every line it touches it gives back, cumulatively so that the
// fen add up exactly and refunding the whole line gives back all of it:
//   redeemed points  line points × refunded / line goods (a new lot, see docs/loyalty.md)
//   paid money       line paid × refunded / line goods, split into stored value and cash in the
//                    order's proportion (stored value goes back through the wallet)
//   what was earned  the points and growth of that paid money (LoyaltyEngine::apply_refund, by
//                    the spent-points policy) and the cashback (Wallet::clawback_cashback)
//   the coupon       when the whole order is refunded, by coupons.refund_policy
// What the spent-points policy or spent cashback keep back comes off the cash returned.
//
// Orders checked out here usually reach the store later through `recur import` (same
// source:order_id, lines numbered alike): the import links them and applies nothing twice, and
// an imported refund of such an order runs this cascade (apply.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "loyalty/coupon_book.h"
#include "loyalty/engine.h"
#include "loyalty/statement_cache.h"
#include "loyalty/wallet.h"

namespace recur::loyalty {

struct CheckoutLine {
  std::int64_t line_no = 0;
  std::string sku, category;
  Fen amount = 0;  // goods value: qty × price − line discounts
};

struct CheckoutInput {
  std::string order_key;  // "source:order_id": the idempotency key
  OrderPk order_pk = 0;   // the orders row, when the order is in the store
  MemberId member = 0;
  std::string channel;
  Instant at;
  std::vector<CheckoutLine> lines;
  std::optional<std::int64_t> coupon_id;
  std::int64_t points = 0;  // to redeem
  Fen wallet = 0;           // to pay from stored value
};

struct SettledLine {
  std::int64_t line_no = 0;
  Fen goods = 0, coupon = 0, points_fen = 0, paid = 0;
  std::int64_t points = 0;
};

struct CheckoutEffect {
  bool replayed = false;
  std::string order_key;
  MemberId member = 0;
  Fen goods = 0, coupon = 0, points_fen = 0, wallet = 0, cash = 0;
  std::int64_t points = 0;
  std::optional<std::int64_t> coupon_id;
  std::vector<SettledLine> lines;
  std::int64_t earned_points = 0, earned_growth = 0;
  Fen cashback = 0;
  std::string tier_after;
};

struct SettlementRefundInput {
  std::string key;             // idempotency key: "source:refund_id"
  std::int64_t refund_pk = 0;  // the refunds row, when the refund is in the store
  std::string order_key;
  std::optional<std::int64_t> line_no;  // none: goods value of the whole order
  Fen amount = 0;                       // goods value refunded
  Instant at;
};

struct SettlementRefundEffect {
  bool replayed = false;
  std::string key, order_key;
  MemberId member = 0;
  Fen goods = 0;                     // goods value refunded
  std::int64_t points_returned = 0;  // redeemed points given back
  Fen wallet = 0;                    // stored value given back
  Fen cash = 0;                      // money to hand back, after `deducted`
  Fen deducted = 0;                  // kept back for spent points (policy) and spent cashback
  Fen uncovered = 0;                 // what should have been kept back but the cash was too small
  std::int64_t points_clawed = 0, growth_clawed = 0;
  Fen cashback_clawed = 0;
  bool coupon_returned = false;
  bool full = false;  // the whole order is now refunded
  std::string tier_after;
};

class Settlement {
 public:
  // `wallet` may be null when the program has no stored value: then orders may not use it.
  Settlement(LoyaltyEngine& engine, CouponBook& coupons, Wallet* wallet);

  Result<CheckoutEffect> checkout(const CheckoutInput& in);
  Result<SettlementRefundEffect> refund(const SettlementRefundInput& in);

  // True when `order_key` was checked out here: its refunds must go through refund().
  Result<bool> settled(const std::string& order_key);

  // Read-only: how a checked-out order was paid (none if it was not), and its refunds in order.
  Result<std::optional<CheckoutEffect>> find_checkout(const std::string& order_key);
  Result<std::vector<SettlementRefundEffect>> refunds_of(const std::string& order_key);

 private:
  Result<std::optional<SettlementRefundEffect>> find_refund(const std::string& key);
  // Gives redeemed points back to the order's holder as one lot, expiring with the latest of
  // the lots the redemption took from.
  Status return_points(MemberId member, const std::string& order_key, std::int64_t points,
                       const std::string& key, Instant at);

  LoyaltyEngine& engine_;
  CouponBook& coupons_;
  Wallet* wallet_;
  store::Database& db_;
  StatementCache cache_;
};

}  // namespace recur::loyalty
