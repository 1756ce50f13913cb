#include "loyalty/refund_cascade.h"

#include <fmt/format.h>

#include "loyalty/coupon_book.h"
#include "loyalty/wallet.h"

namespace recur::loyalty {

RefundCascade::RefundCascade(LoyaltyEngine& engine) : engine_(engine) {}
RefundCascade::~RefundCascade() = default;

Status RefundCascade::open() {
  if (settlement_) return Status();
  coupons_ = std::make_unique<CouponBook>(engine_);
  if (engine_.program().stored_value.enabled)
    wallet_ = std::make_unique<Wallet>(engine_.ledger().db(), engine_.active_program(),
                                       engine_.zone(), engine_.clock());
  settlement_ = std::make_unique<Settlement>(engine_, *coupons_, wallet_.get());
  return Status();
}

Result<bool> RefundCascade::settled(const std::string& order_key) {
  RETURN_IF_ERROR(open());
  return settlement_->settled(order_key);
}

Result<SettlementRefundEffect> RefundCascade::refund(const RefundInput& r) {
  RETURN_IF_ERROR(open());
  return settlement_->refund(
      SettlementRefundInput{r.key, r.refund_pk, r.order_key, r.line_no, r.amount, r.at});
}

Result<AppliedRefund> RefundCascade::apply(const RefundInput& r) {
  auto named = [&r](const Status& s) {
    return Status(s.code(), fmt::format("refund {}: {}", r.key, s.message()));
  };
  AppliedRefund out;
  ASSIGN_OR_RETURN(out.settled, settled(r.order_key));
  if (out.settled) {
    auto e = refund(r);
    if (!e.ok()) return named(e.status());
    out.replayed = e->replayed;
    out.member = e->member;
    out.points_clawed = e->points_clawed;
    out.growth_clawed = e->growth_clawed;
    out.deducted_fen = e->deducted;
    out.tier_after = e->tier_after;
    return out;
  }
  auto e = engine_.apply_refund(r);
  if (!e.ok()) return named(e.status());
  out.replayed = e->replayed;
  out.member = e->member;
  out.points_clawed = e->points_clawed;
  out.points_debt = e->points_debt;
  out.growth_clawed = e->growth_clawed;
  out.deducted_fen = e->deducted_fen;
  out.tier_after = e->tier_after;
  return out;
}

}  // namespace recur::loyalty
