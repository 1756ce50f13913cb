#include "loyalty/engine.h"

// Refunds: taking back what the refunded part of an order earned.

#include <fmt/format.h>

#include <algorithm>

#include "loyalty/decimal.h"
#include "loyalty/earn_rules.h"
#include "loyalty/engine_internal.h"

namespace recur::loyalty {

using engine_detail::require_key;
using engine_detail::require_tx;

Result<std::optional<RefundEffect>> LoyaltyEngine::find_refund(const std::string& key) {
  ASSIGN_OR_RETURN(
      store::Statement * st,
      cache_.get("SELECT order_key, member_id, points_clawed, points_debt, points_settled, "
                 "deducted_fen, growth_clawed FROM loyalty_refunds WHERE refund_key = ?"));
  st->bind(1, key);
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return std::optional<RefundEffect>();
  RefundEffect e;
  e.replayed = true;
  e.key = key;
  e.order_key = st->column_string(0);
  e.member = st->column_int64(1);
  e.points_clawed = st->column_int64(2);
  e.points_debt = st->column_int64(3);
  e.points_settled = st->column_int64(4);
  e.deducted_fen = st->column_int64(5);
  e.growth_clawed = st->column_int64(6);
  st->reset();
  ASSIGN_OR_RETURN(AccountState a, ledger_.load(e.member, program().tiers.front().key));
  e.tier_before = e.tier_after = a.tier;
  return std::optional<RefundEffect>(std::move(e));
}

Result<RefundEffect> LoyaltyEngine::apply_refund(const RefundInput& in) {
  RETURN_IF_ERROR(require_tx(db_));
  RETURN_IF_ERROR(require_key(in.key));
  ASSIGN_OR_RETURN(auto prior, find_refund(in.key));
  if (prior) {
    if (in.refund_pk > 0) {
      ASSIGN_OR_RETURN(store::Statement * st,
                       cache_.get("UPDATE loyalty_refunds SET refund_pk = ? "
                                  "WHERE refund_key = ? AND refund_pk IS NULL"));
      st->bind(1, in.refund_pk).bind(2, in.key);
      RETURN_IF_ERROR(st->run());
    }
    return std::move(*prior);
  }
  if (in.amount <= 0)
    return invalid_argument(fmt::format("refund {}: the amount must be positive", in.key));

  MemberId owner = 0;
  Instant paid_at;
  std::vector<OrderLineRecord> lines;
  {
    // The lots belong to whoever holds the order now (merges move them): the row's holder, or
    // for an order applied before migration 11 the holder of its first lot; else the member
    // the row names.
    ASSIGN_OR_RETURN(
        store::Statement * st,
        cache_.get("SELECT o.member_id, o.paid_at, o.lines, COALESCE(o.holder, (SELECT "
                   "l.member_id FROM loyalty_lots_other l WHERE l.lot_id = "
                   "COALESCE(o.points_lot, o.growth_lot))) "
                   "FROM loyalty_orders o WHERE o.order_key = ?"));
    st->bind(1, in.order_key);
    ASSIGN_OR_RETURN(bool row, st->step());
    if (!row)
      return failed_precondition(fmt::format(
          "refund {}: order {} has not been applied to the loyalty program", in.key, in.order_key));
    owner = st->column_is_null(3) ? st->column_int64(0) : st->column_int64(3);
    paid_at = Instant{st->column_int64(1)};
    auto decoded = decode_order_lines(st->column_text(2));
    st->reset();
    if (!decoded.ok()) return decoded.status();
    lines = std::move(decoded).value();
  }
  // Share the refunded amount out to the lines: the named line first, then the rest in
  // proportion to what is left to refund on each line.
  Fen left_total = 0;
  for (const OrderLineRecord& l : lines) left_total += l.amount - l.refunded;
  if (in.amount > left_total)
    return invalid_argument(
        fmt::format("refund {}: {} exceeds what is left to refund on order {} ({})", in.key,
                    format_money(in.amount), in.order_key, format_money(left_total)));
  std::vector<Fen> alloc(lines.size(), 0);
  Fen left = in.amount;
  if (in.line_no) {
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const OrderLineRecord& l) { return l.line_no == *in.line_no; });
    if (it == lines.end())
      return invalid_argument(
          fmt::format("refund {}: order {} has no line {}", in.key, in.order_key, *in.line_no));
    auto i = static_cast<std::size_t>(it - lines.begin());
    alloc[i] = std::min(left, it->amount - it->refunded);
    left -= alloc[i];
  }
  if (left > 0) {
    std::vector<__int128> capacity(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i)
      capacity[i] = lines[i].amount - lines[i].refunded - alloc[i];
    auto share = allocate(left, capacity);
    for (std::size_t i = 0; i < lines.size(); ++i) alloc[i] += share[i];
  }
  // What the refunded part earned: per line, round(earned × refunded / amount) cumulatively, so
  // refunding a whole line takes back exactly what it earned.
  std::int64_t points = 0, growth = 0;
  std::vector<std::int64_t> new_pc(lines.size()), new_gc(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const OrderLineRecord& l = lines[i];
    Fen refunded = l.refunded + alloc[i];
    new_pc[i] = l.amount > 0 ? mul_div_round(l.points, refunded, l.amount) : l.points;
    new_gc[i] = l.amount > 0 ? mul_div_round(l.growth, refunded, l.amount) : l.growth;
    if (alloc[i] == 0) {
      new_pc[i] = l.points_clawed;
      new_gc[i] = l.growth_clawed;
    }
    points += new_pc[i] - l.points_clawed;
    growth += new_gc[i] - l.growth_clawed;
  }

  ASSIGN_OR_RETURN(AccountState a, load(owner, in.at));
  RefundEffect e;
  e.key = in.key;
  e.order_key = in.order_key;
  e.member = owner;
  e.tier_before = a.tier;
  std::string reference = "refund:" + in.key;
  if (points > 0) {
    Posting post{Cause::kRefund, reference, "refund:" + in.key + ":points", in.at,
                 "order " + in.order_key};
    if (program().points.spent_points == SpentPointsPolicy::kNegativeBalance) {
      ASSIGN_OR_RETURN(Debit d, ledger_.debit(a, Account::kPoints, points, post, LotOrder::kLive,
                                              Shortfall::kDebt, in.order_key));
      e.points_clawed = d.taken + d.debt;
      e.points_debt = d.debt;
    } else {
      ASSIGN_OR_RETURN(Debit d, ledger_.debit(a, Account::kPoints, points, post, LotOrder::kLive,
                                              Shortfall::kPartial, in.order_key));
      e.points_clawed = d.taken;
      if (d.short_by > 0) {
        // Spent already: keep back their value at the member's ratio from the refund, rounded
        // up to the fen; what the refund cannot cover is owed.
        std::int64_t ratio =
            program().tiers[static_cast<std::size_t>(tier_of(a))].benefits.redeem_points_per_yuan;
        Fen needed = mul_div_ceil(d.short_by, 100, ratio);
        if (needed <= in.amount) {
          e.deducted_fen = needed;
          e.points_settled = d.short_by;
        } else {
          e.deducted_fen = in.amount;
          e.points_settled = std::min(d.short_by, mul_div_floor(in.amount, ratio, 100).q);
          std::int64_t owed = d.short_by - e.points_settled;
          if (owed > 0) {
            Posting debt{Cause::kRefund, reference, "refund:" + in.key + ":points-owed", in.at,
                         "beyond what the refund could cover"};
            ASSIGN_OR_RETURN(Debit d2, ledger_.debit(a, Account::kPoints, owed, debt,
                                                     LotOrder::kLive, Shortfall::kDebt));
            e.points_clawed += d2.taken + d2.debt;
            e.points_debt = d2.debt;
          }
        }
      }
    }
  }
  if (growth > 0) {
    Posting post{Cause::kRefund, reference, "refund:" + in.key + ":growth", in.at,
                 "order " + in.order_key};
    ASSIGN_OR_RETURN(Debit d,
                     ledger_.debit(a, Account::kGrowth, growth, post, LotOrder::kNewestFirst,
                                   Shortfall::kPartial, in.order_key));
    e.growth_clawed = d.taken;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (alloc[i] == 0) continue;
    lines[i].refunded += alloc[i];
    lines[i].points_clawed = new_pc[i];
    lines[i].growth_clawed = new_gc[i];
  }
  {
    ASSIGN_OR_RETURN(
        store::Statement * st,
        cache_.get("UPDATE loyalty_orders SET refunded_fen = refunded_fen + ?, "
                   "points_clawed = points_clawed + ?, "
                   "growth_clawed = growth_clawed + ?, lines = ? WHERE order_key = ?"));
    const std::string text = encode_order_lines(lines);
    st->bind(1, in.amount)
        .bind(2, points)
        .bind(3, growth)
        .bind_text_static(4, text)
        .bind(5, in.order_key);
    RETURN_IF_ERROR(st->run());
  }
  {
    ASSIGN_OR_RETURN(
        store::Statement * st,
        cache_.get("INSERT INTO loyalty_refunds (refund_key, refund_pk, order_key, member_id, at, "
                   "amount_fen, points_clawed, points_debt, points_settled, deducted_fen, "
                   "growth_clawed, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    st->bind(1, in.key);
    if (in.refund_pk > 0)
      st->bind(2, in.refund_pk);
    else
      st->bind(2, std::nullopt);
    st->bind(3, in.order_key)
        .bind(4, owner)
        .bind(5, in.at.seconds)
        .bind(6, in.amount)
        .bind(7, e.points_clawed)
        .bind(8, e.points_debt)
        .bind(9, e.points_settled)
        .bind(10, e.deducted_fen)
        .bind(11, e.growth_clawed)
        .bind(12, clock_.now().seconds);
    RETURN_IF_ERROR(st->run());
  }
  // Undo the upgrades this order paid for: if the tier rose at or after the order was paid,
  // the member falls back to the tier held before it, or to what the remaining qualifying
  // growth reaches, whichever is higher (never above the current tier).
  // A refund may be applied after later growth (refunds imported after the orders, a nightly
  // refunds file). Had things arrived in order, each later order would have upgraded the member
  // at once as its growth reached a tier: so the growth reached is the highest the remaining
  // growth reaches as of the refund or as of any later growth, not as of the refund alone
  // (which would drop a member whose later orders reached gold to the tier of months before).
  // The change is dated at the latest moment the growth reached the tier it keeps.
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT COUNT(*) FROM loyalty_tier_changes WHERE member_id = ? "
                                "AND reason = 'upgrade' AND at >= ?"));
    st->bind(1, owner).bind(2, paid_at.seconds);
    ASSIGN_OR_RETURN(bool row, st->step());
    const std::int64_t upgrades = row ? st->column_int64(0) : 0;
    st->reset();
    if (upgrades > 0) {
      ASSIGN_OR_RETURN(store::Statement * before,
                       cache_.get("SELECT to_tier FROM loyalty_tier_changes WHERE member_id = ? "
                                  "AND at < ? ORDER BY at DESC, change_id DESC LIMIT 1"));
      before->bind(1, owner).bind(2, paid_at.seconds);
      ASSIGN_OR_RETURN(bool had, before->step());
      int prior = had ? std::max(0, program().tier_index(before->column_text(0))) : 0;
      before->reset();
      GrowthLots lots;
      ASSIGN_OR_RETURN(std::vector<Lot> growth, ledger_.lots(owner, Account::kGrowth, false));
      for (const Lot& l : growth) lots.emplace_back(l.earned_at, l.remaining);
      ASSIGN_OR_RETURN(std::int64_t q, qualifying_growth(a, in.at, &lots));
      int reached = program().tier_for_growth(q);
      Instant as_of = in.at;  // the latest moment the growth reached `reached`
      for (const auto& [earned_at, remaining] : lots) {
        if (earned_at.seconds <= in.at.seconds) continue;
        ASSIGN_OR_RETURN(std::int64_t later, qualifying_growth(a, earned_at, &lots));
        const int tier = program().tier_for_growth(later);
        if (tier > reached || (tier == reached && earned_at.seconds > as_of.seconds)) {
          reached = tier;
          as_of = earned_at;
        }
      }
      const int target = std::max(prior, reached);
      if (target < tier_of(a)) RETURN_IF_ERROR(change_tier(a, target, as_of, "refund", reference));
    }
  }
  RETURN_IF_ERROR(ledger_.save(a, clock_.now()));
  e.tier_after = a.tier;
  return e;
}

}  // namespace recur::loyalty
