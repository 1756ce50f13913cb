#include "loyalty/settlement.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "identity/merge.h"
#include "loyalty/decimal.h"
#include "loyalty/earn_rules.h"
#include "loyalty/settlement_lines.h"

namespace recur::loyalty {
namespace {

// floor(total × done / of), exact; `total` itself once everything is done.
std::int64_t share_of(std::int64_t total, std::int64_t done, std::int64_t of) {
  if (of <= 0 || done >= of) return total;
  return mul_div_floor(total, done, of).q;
}

std::vector<std::int64_t> spread(std::int64_t total, const std::vector<std::int64_t>& weights) {
  std::vector<__int128> w(weights.begin(), weights.end());
  return allocate(total, w);
}

// A settlement's lines (its `lines` column) by line number, as refunds spread over them.
Result<std::vector<SettlementLineRecord>> lines_by_number(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<SettlementLineRecord> lines, decode_settlement_lines(text));
  std::sort(lines.begin(), lines.end(),
            [](const auto& a, const auto& b) { return a.line_no < b.line_no; });
  return lines;
}

std::string line_key(const std::string& key, std::int64_t line_no) {
  return fmt::format("{}/line{}", key, line_no);
}

}  // namespace

Settlement::Settlement(LoyaltyEngine& engine, CouponBook& coupons, Wallet* wallet)
    : engine_(engine),
      coupons_(coupons),
      wallet_(wallet),
      db_(engine.ledger().db()),
      cache_(engine.ledger().db()) {}

Result<std::optional<CheckoutEffect>> Settlement::find_checkout(const std::string& order_key) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   cache_.get("SELECT member_id, goods_fen, coupon_id, coupon_fen, points, "
                              "points_fen, wallet_fen, cash_fen, earned_points, earned_growth, "
                              "cashback_fen, tier, lines FROM loyalty_settlements "
                              "WHERE order_key = ?"));
  st->bind(1, order_key);
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return std::optional<CheckoutEffect>();
  CheckoutEffect e;
  e.replayed = true;
  e.order_key = order_key;
  e.member = st->column_int64(0);
  e.goods = st->column_int64(1);
  if (!st->column_is_null(2)) e.coupon_id = st->column_int64(2);
  e.coupon = st->column_int64(3);
  e.points = st->column_int64(4);
  e.points_fen = st->column_int64(5);
  e.wallet = st->column_int64(6);
  e.cash = st->column_int64(7);
  e.earned_points = st->column_int64(8);
  e.earned_growth = st->column_int64(9);
  e.cashback = st->column_int64(10);
  e.tier_after = st->column_string(11);
  auto lines = lines_by_number(st->column_text(12));
  st->reset();
  if (!lines.ok()) return lines.status();
  for (const SettlementLineRecord& l : *lines)
    e.lines.push_back(SettledLine{l.line_no, l.goods, l.coupon, l.points_fen, l.paid, l.points});
  return std::optional<CheckoutEffect>(std::move(e));
}

Result<CheckoutEffect> Settlement::checkout(const CheckoutInput& in) {
  if (in.order_key.empty()) return invalid_argument("checkout: the order key is empty");
  ASSIGN_OR_RETURN(auto prior, find_checkout(in.order_key));
  if (prior) return std::move(*prior);
  const std::string& ok = in.order_key;
  if (in.lines.empty()) return invalid_argument(fmt::format("order {}: no lines", ok));
  Fen goods = 0;
  for (const CheckoutLine& l : in.lines) {
    if (l.amount < 0)
      return invalid_argument(
          fmt::format("order {} line {}: the amount is negative", ok, l.line_no));
    goods += l.amount;
  }
  if (in.points < 0 || in.wallet < 0)
    return invalid_argument(
        fmt::format("order {}: points and stored value must not be negative", ok));
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT 1 FROM loyalty_orders WHERE order_key = ?"));
    st->bind(1, ok);
    ASSIGN_OR_RETURN(bool applied, st->step());
    st->reset();
    if (applied)
      return failed_precondition(fmt::format(
          "order {} was already applied to the loyalty program without a checkout; it cannot "
          "be paid with coupons, points or stored value now (订单已入账)",
          ok));
  }
  const std::string key = "settle:" + ok;
  CheckoutEffect e;
  e.order_key = ok;
  e.member = in.member;
  e.goods = goods;
  e.coupon_id = in.coupon_id;
  const std::size_t n = in.lines.size();
  e.lines.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    e.lines[i].line_no = in.lines[i].line_no;
    e.lines[i].goods = in.lines[i].amount;
  }

  // 1. The coupon, shared over the lines in its scope. Its ledger entry is written with the
  // order's row (step 4).
  std::optional<OrderCouponUse> coupon_use;
  MemberId coupon_holder = 0;
  if (in.coupon_id) {
    CouponOrder order{ok, in.channel, in.at, {}, 0};
    for (const CheckoutLine& l : in.lines) order.lines.push_back({l.sku, l.category, l.amount});
    ASSIGN_OR_RETURN(UseEffect u, coupons_.use_in_checkout(*in.coupon_id, in.member, order));
    coupon_use = OrderCouponUse{u.coupon_id, u.discount_fen, u.balance_after};
    coupon_holder = u.member;
    const CouponTemplate* t = engine_.program().coupons.find(u.template_key);
    std::vector<std::int64_t> weight(n, 0);
    Fen in_scope = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (t == nullptr || t->scope.covers_line(in.lines[i].sku, in.lines[i].category)) {
        weight[i] = in.lines[i].amount;
        in_scope += weight[i];
      }
    e.coupon = std::min(u.discount_fen, in_scope);
    auto parts = spread(e.coupon, weight);
    for (std::size_t i = 0; i < n; ++i) e.lines[i].coupon = parts[i];
  }
  const Fen due = goods - e.coupon;

  // 2. Points at the member's tier ratio, within the max share of what is due.
  if (in.points > 0) {
    RedeemInput r{in.member, due, in.points, "order:" + ok, key, in.at};
    ASSIGN_OR_RETURN(RedeemEffect re, engine_.redeem(r));
    e.points = re.points;
    e.points_fen = re.discount_fen;
    std::vector<std::int64_t> weight(n);
    for (std::size_t i = 0; i < n; ++i) weight[i] = e.lines[i].goods - e.lines[i].coupon;
    auto fen = spread(e.points_fen, weight);
    auto pts = spread(e.points, weight);
    for (std::size_t i = 0; i < n; ++i) {
      e.lines[i].points_fen = fen[i];
      e.lines[i].points = pts[i];
    }
  }

  // 3. Stored value for (part of) the rest.
  if (in.wallet > 0) {
    if (wallet_ == nullptr)
      return failed_precondition(
          fmt::format("order {}: the program has no stored value (未开通储值)", ok));
    if (in.wallet > due - e.points_fen)
      return invalid_argument(fmt::format(
          "order {}: ¥{} of stored value is more than is left to pay (¥{}) (储值支付超过应付)", ok,
          format_money(in.wallet), format_money(due - e.points_fen)));
    // The settlement's row makes the checkout happen once (OnceBy::kCaller).
    ASSIGN_OR_RETURN(WalletEffect we,
                     wallet_->spend(in.member, in.wallet, ok, in.at, key, OnceBy::kCaller));
    e.wallet = we.amount;
  }
  e.cash = due - e.points_fen - e.wallet;

  // 4. What the paid money earns.
  OrderInput order{ok, in.order_pk, in.member, in.at, {}};
  for (std::size_t i = 0; i < n; ++i) {
    SettledLine& s = e.lines[i];
    s.paid = s.goods - s.coupon - s.points_fen;
    order.lines.push_back({s.line_no, in.lines[i].sku, in.lines[i].category, s.paid});
  }
  ASSIGN_OR_RETURN(OrderEffect oe, engine_.apply_order(order, coupon_use));
  e.earned_points = oe.points;
  e.earned_growth = oe.growth;
  e.tier_after = oe.tier_after;
  e.member = oe.member == 0 ? in.member : oe.member;
  if (coupon_use && coupon_holder != e.member)  // the entry on the row is the member's
    return internal_error(
        fmt::format("order {}: coupon {} is held by member {}, the order is "
                    "member {}'s",
                    ok, coupon_use->coupon_id, coupon_holder, e.member));
  if (wallet_ != nullptr && wallet_->rules().cashback.enabled) {
    CashbackInput c{e.member, ok, e.wallet + e.cash, in.channel, {}, in.at, key, OnceBy::kCaller};
    for (std::size_t i = 0; i < n; ++i) c.lines.push_back({in.lines[i].category, e.lines[i].paid});
    ASSIGN_OR_RETURN(WalletEffect ce, wallet_->earn_cashback(c));
    e.cashback = ce.change.cashback;
  }

  // 5. What paid for what, for the refunds to come: one row, its lines a column.
  std::vector<SettlementLineRecord> records;
  records.reserve(n);
  for (const SettledLine& l : e.lines)
    records.push_back({l.line_no, l.goods, l.coupon, l.points, l.points_fen, l.paid, 0, 0, 0});
  ASSIGN_OR_RETURN(
      store::Statement * st,
      cache_.get("INSERT INTO loyalty_settlements (order_key, member_id, at, goods_fen, "
                 "coupon_id, coupon_fen, points, points_fen, wallet_fen, cash_fen, "
                 "earned_points, earned_growth, cashback_fen, tier, lines) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st->bind(1, ok).bind(2, e.member).bind(3, in.at.seconds).bind(4, goods);
  st->bind(5, e.coupon_id);
  st->bind(6, e.coupon).bind(7, e.points).bind(8, e.points_fen).bind(9, e.wallet);
  st->bind(10, e.cash).bind(11, e.earned_points).bind(12, e.earned_growth).bind(13, e.cashback);
  st->bind(14, e.tier_after).bind(15, encode_settlement_lines(records));
  RETURN_IF_ERROR(st->run());
  return e;
}

Result<bool> Settlement::settled(const std::string& order_key) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   cache_.get("SELECT 1 FROM loyalty_settlements WHERE order_key = ?"));
  st->bind(1, order_key);
  ASSIGN_OR_RETURN(bool row, st->step());
  st->reset();
  return row;
}

Result<std::optional<SettlementRefundEffect>> Settlement::find_refund(const std::string& key) {
  ASSIGN_OR_RETURN(
      store::Statement * st,
      cache_.get("SELECT order_key, member_id, goods_fen, points_returned, wallet_fen, cash_fen, "
                 "deducted_fen, points_clawed, growth_clawed, cashback_clawed, coupon_returned, "
                 "full, uncovered_fen FROM loyalty_settlement_refunds WHERE refund_key = ?"));
  st->bind(1, key);
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return std::optional<SettlementRefundEffect>();
  SettlementRefundEffect e;
  e.replayed = true;
  e.key = key;
  e.order_key = st->column_string(0);
  e.member = st->column_int64(1);
  e.goods = st->column_int64(2);
  e.points_returned = st->column_int64(3);
  e.wallet = st->column_int64(4);
  e.cash = st->column_int64(5);
  e.deducted = st->column_int64(6);
  e.points_clawed = st->column_int64(7);
  e.growth_clawed = st->column_int64(8);
  e.cashback_clawed = st->column_int64(9);
  e.coupon_returned = st->column_int64(10) != 0;
  e.full = st->column_int64(11) != 0;
  e.uncovered = st->column_int64(12);
  st->reset();
  return std::optional<SettlementRefundEffect>(std::move(e));
}

Result<std::vector<SettlementRefundEffect>> Settlement::refunds_of(const std::string& order_key) {
  std::vector<std::string> keys;
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT refund_key FROM loyalty_settlement_refunds "
                                "WHERE order_key = ? ORDER BY at, rowid"));
    st->bind(1, order_key);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      keys.push_back(st->column_string(0));
    }
    st->reset();
  }
  std::vector<SettlementRefundEffect> out;
  for (const std::string& k : keys) {
    ASSIGN_OR_RETURN(auto r, find_refund(k));
    if (r) {
      r->replayed = false;
      out.push_back(std::move(*r));
    }
  }
  return out;
}

Status Settlement::return_points(MemberId member, const std::string& order_key, std::int64_t points,
                                 const std::string& key, Instant at) {
  // The lots the redemption took from (engine.redeem keys its entry "redeem:KEY:points"): the
  // points come back with the latest expiry among them, or none if one never expires. The
  // usage first, then each lot by id (a join would read every order's lots through the view).
  Ledger& ledger = engine_.ledger();
  std::vector<std::int64_t> lot_ids;
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT u.lot_id FROM loyalty_lot_usage u WHERE u.entry_id = "
                                "(SELECT entry_id FROM loyalty_entries_other WHERE idem_key = ?)"));
    st->bind(1, "redeem:settle:" + order_key + ":points");
    while (true) {
      ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      lot_ids.push_back(st->column_int64(0));
    }
    st->reset();
  }
  std::optional<Instant> expires;
  for (std::size_t i = 0; i < lot_ids.size(); ++i) {
    ASSIGN_OR_RETURN(std::optional<Lot> lot, ledger.points_lot(lot_ids[i]));
    if (!lot) return internal_error(fmt::format("order {}: lot {} is gone", order_key, lot_ids[i]));
    if (!lot->expires_at) {
      expires.reset();
      break;
    }
    if (i == 0 || *lot->expires_at > *expires) expires = lot->expires_at;
  }
  ASSIGN_OR_RETURN(AccountState a, ledger.load(member, engine_.program().tiers.front().key));
  Posting p{Cause::kRefund, "order:" + order_key, key + ":points-returned", at,
            "redeemed points given back"};
  LotTerms terms{at, at, expires, order_key};
  RETURN_IF_ERROR(ledger.credit(a, Account::kPoints, points, p, terms).status());
  return ledger.save(a, at);
}

Result<SettlementRefundEffect> Settlement::refund(const SettlementRefundInput& in) {
  if (in.key.empty()) return invalid_argument("refund: the idempotency key is empty");
  ASSIGN_OR_RETURN(auto prior, find_refund(in.key));
  if (prior) {
    if (in.refund_pk > 0) {  // refunded through the API before the store had the row
      ASSIGN_OR_RETURN(store::Statement * st,
                       cache_.get("UPDATE loyalty_settlement_refunds SET refund_pk = ? "
                                  "WHERE refund_key = ? AND refund_pk IS NULL"));
      st->bind(1, in.refund_pk).bind(2, in.key);
      RETURN_IF_ERROR(st->run());
    }
    return std::move(*prior);
  }
  const std::string& ok = in.order_key;
  if (in.amount <= 0)
    return invalid_argument(fmt::format("refund {}: the amount must be positive", in.key));

  struct Order {
    MemberId member;
    Fen wallet, cash, returned_wallet, returned_cash;
    std::optional<std::int64_t> coupon;
  } o{};
  std::vector<SettlementLineRecord> lines;
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT member_id, wallet_fen, cash_fen, returned_wallet_fen, "
                                "returned_cash_fen, coupon_id, lines FROM loyalty_settlements "
                                "WHERE order_key = ?"));
    st->bind(1, ok);
    ASSIGN_OR_RETURN(bool row, st->step());
    if (!row)
      return failed_precondition(
          fmt::format("refund {}: order {} was not settled by recur (no checkout; 该订单未经结算)",
                      in.key, ok));
    o = Order{st->column_int64(0), st->column_int64(1), st->column_int64(2),
              st->column_int64(3), st->column_int64(4), std::nullopt};
    if (!st->column_is_null(5)) o.coupon = st->column_int64(5);
    auto decoded = lines_by_number(st->column_text(6));
    st->reset();
    if (!decoded.ok()) return decoded.status();
    lines = std::move(*decoded);
  }

  // Goods value refunded per line: the named line, or the order's lines in proportion to what
  // is left of each.
  const std::size_t n = lines.size();
  std::vector<Fen> goods(n, 0);
  if (in.line_no) {
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const SettlementLineRecord& l) { return l.line_no == *in.line_no; });
    if (it == lines.end())
      return invalid_argument(
          fmt::format("refund {}: order {} has no line {}", in.key, ok, *in.line_no));
    if (in.amount > it->goods - it->refunded_goods)
      return invalid_argument(
          fmt::format("refund {}: ¥{} exceeds what is left to refund on line {} of order {} (¥{}) "
                      "(超过可退金额)",
                      in.key, format_money(in.amount), *in.line_no, ok,
                      format_money(it->goods - it->refunded_goods)));
    goods[static_cast<std::size_t>(it - lines.begin())] = in.amount;
  } else {
    std::vector<std::int64_t> left(n);
    Fen total = 0;
    for (std::size_t i = 0; i < n; ++i) total += left[i] = lines[i].goods - lines[i].refunded_goods;
    if (in.amount > total)
      return invalid_argument(fmt::format(
          "refund {}: ¥{} exceeds what is left to refund on order {} (¥{}) (超过可退金额)", in.key,
          format_money(in.amount), ok, format_money(total)));
    goods = spread(in.amount, left);
  }

  SettlementRefundEffect e;
  e.key = in.key;
  e.order_key = ok;
  e.goods = in.amount;
  identity::Merger merger(db_);
  ASSIGN_OR_RETURN(e.member, merger.live_root(o.member));

  // Per line: redeemed points and paid money in proportion; what the paid money earned.
  Fen paid_back = 0;
  bool full = true;
  for (std::size_t i = 0; i < n; ++i) {
    SettlementLineRecord& l = lines[i];
    if (goods[i] > 0) {
      const Fen done = l.refunded_goods + goods[i];
      const std::int64_t pts = share_of(l.points, done, l.goods) - l.returned_points;
      const Fen paid = share_of(l.paid, done, l.goods) - l.refunded_paid;
      if (paid > 0) {
        RefundInput r{line_key(in.key, l.line_no), 0, ok, l.line_no, paid, in.at};
        ASSIGN_OR_RETURN(RefundEffect re, engine_.apply_refund(r));
        e.points_clawed += re.points_clawed;
        e.growth_clawed += re.growth_clawed;
        e.deducted += re.deducted_fen;
        e.tier_after = re.tier_after;
      }
      e.points_returned += pts;
      paid_back += paid;
      l.refunded_goods = done;
      l.returned_points += pts;
      l.refunded_paid += paid;
    }
    full = full && l.refunded_goods == l.goods;
  }
  e.full = full;
  if (e.points_returned > 0)
    RETURN_IF_ERROR(return_points(e.member, ok, e.points_returned, in.key, in.at));

  // The paid money splits into stored value and cash in the order's proportion, cumulatively.
  Fen paid_total = o.wallet + o.cash;
  Fen paid_done = o.returned_wallet + o.returned_cash + paid_back;
  e.wallet = share_of(o.wallet, paid_done, paid_total) - o.returned_wallet;
  Fen cash = paid_back - e.wallet;
  // The settlement's refund row makes the refund happen once (OnceBy::kCaller), as at checkout.
  if (e.wallet > 0)
    RETURN_IF_ERROR(wallet_->refund_spend(ok, e.wallet, in.at, in.key, OnceBy::kCaller).status());
  if (wallet_ != nullptr && paid_back > 0) {
    ASSIGN_OR_RETURN(auto record, wallet_->cashback_record(ok));
    if (record && record->earned > 0) {
      ASSIGN_OR_RETURN(WalletEffect ce,
                       wallet_->clawback_cashback(ok, paid_back, in.at, in.key, OnceBy::kCaller));
      e.cashback_clawed = -ce.change.cashback;
      e.deducted += ce.deducted;
    }
  }
  // Kept back from the cash handed back, never below zero; what the cash cannot cover is
  // recorded as uncovered (the member holds that much of spent points or cashback).
  e.uncovered = std::max<Fen>(0, e.deducted - cash);
  e.deducted -= e.uncovered;
  e.cash = cash - e.deducted;

  if (full && o.coupon) {
    ASSIGN_OR_RETURN(RefundReturn rr,
                     coupons_.return_for_refund(ok, o.coupon, true, in.at, in.key));
    e.coupon_returned = rr.returned > 0;
  }
  if (e.tier_after.empty()) {
    ASSIGN_OR_RETURN(AccountState a,
                     engine_.ledger().load(e.member, engine_.program().tiers.front().key));
    e.tier_after = a.tier;
  }

  ASSIGN_OR_RETURN(store::Statement * up,
                   cache_.get("UPDATE loyalty_settlements SET returned_wallet_fen = "
                              "returned_wallet_fen + ?, returned_cash_fen = returned_cash_fen + ?, "
                              "lines = ? WHERE order_key = ?"));
  up->bind(1, e.wallet).bind(2, cash).bind(3, encode_settlement_lines(lines)).bind(4, ok);
  RETURN_IF_ERROR(up->run());
  ASSIGN_OR_RETURN(
      store::Statement * st,
      cache_.get("INSERT INTO loyalty_settlement_refunds (refund_key, order_key, member_id, at, "
                 "goods_fen, points_returned, wallet_fen, cash_fen, deducted_fen, points_clawed, "
                 "growth_clawed, cashback_clawed, coupon_returned, full, refund_pk, uncovered_fen) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st->bind(1, in.key).bind(2, ok).bind(3, e.member).bind(4, in.at.seconds).bind(5, e.goods);
  st->bind(6, e.points_returned).bind(7, e.wallet).bind(8, e.cash).bind(9, e.deducted);
  st->bind(10, e.points_clawed).bind(11, e.growth_clawed).bind(12, e.cashback_clawed);
  st->bind(13, e.coupon_returned ? 1 : 0).bind(14, e.full ? 1 : 0);
  if (in.refund_pk > 0)
    st->bind(15, in.refund_pk);
  else
    st->bind(15, std::nullopt);
  st->bind(16, e.uncovered);
  RETURN_IF_ERROR(st->run());
  return e;
}

}  // namespace recur::loyalty
