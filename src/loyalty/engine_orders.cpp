#include "loyalty/engine.h"

// Orders: what an order earns (points, growth) and the upgrade it brings.

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "loyalty/calendar.h"
#include "loyalty/earn_rules.h"
#include "loyalty/engine_internal.h"
#include "loyalty/order_lines.h"

namespace recur::loyalty {

using engine_detail::order_line_records;
using engine_detail::require_key;
using engine_detail::require_tx;

std::vector<OrderLineRecord> engine_detail::order_line_records(const OrderInput& in,
                                                               const OrderEarning& earning) {
  std::vector<OrderLineRecord> out(in.lines.size());
  for (std::size_t i = 0; i < in.lines.size(); ++i) {
    out[i].line_no = in.lines[i].line_no;
    out[i].amount = in.lines[i].amount;
    out[i].points = earning.lines[i].points;
    out[i].growth = earning.lines[i].growth;
  }
  return out;
}

Result<std::optional<OrderEffect>> LoyaltyEngine::find_order(const std::string& key) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   cache_.get("SELECT member_id, points, growth, tier, multipliers "
                              "FROM loyalty_orders WHERE order_key = ?"));
  st->bind(1, key);
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return std::optional<OrderEffect>();
  OrderEffect e;
  e.replayed = true;
  e.key = key;
  e.member = st->column_int64(0);
  e.points = st->column_int64(1);
  e.growth = st->column_int64(2);
  e.tier_before = st->column_string(3);
  e.explain = st->column_string(4);
  st->reset();
  ASSIGN_OR_RETURN(AccountState a, ledger_.load(e.member, program().tiers.front().key));
  e.tier_after = a.tier;
  return std::optional<OrderEffect>(std::move(e));
}

LoyaltyEngine::OrderPlan LoyaltyEngine::plan_order(const OrderInput& in, const AccountState& a,
                                                   std::string_view birthday,
                                                   std::int64_t earned_today) const {
  const Program& p = program();
  OrderPlan plan;
  plan.day = zone_.local_date(in.paid_at);
  EarnContext ctx;
  ctx.tier = tier_of(a);
  ctx.day = plan.day;
  if (!birthday.empty()) {
    auto b = parse_date(birthday);
    if (b.ok()) ctx.birthday_month = month_of(*b) == month_of(plan.day);
  }
  ctx.earned_today = p.points.earn.daily_cap > 0 ? earned_today : 0;
  std::vector<EarnLine> lines;
  lines.reserve(in.lines.size());
  for (const OrderLineInput& l : in.lines) {
    lines.push_back(EarnLine{l.line_no, l.sku, l.category, l.amount});
    plan.total += l.amount;
  }
  plan.earning = compute_order_earning(p, lines, ctx);
  plan.reference = "order:" + in.key;
  if (plan.earning.points > 0) {
    Instant usable = p.points.pending_days > 0
                         ? zone_.start_of_day(plan.day.plus_days(p.points.pending_days))
                         : in.paid_at;
    plan.credits.push_back({Account::kPoints, plan.earning.points,
                            Posting{Cause::kOrder, plan.reference, {}, in.paid_at, {}},
                            LotTerms{in.paid_at, usable, expiry_for(plan.day), in.key}});
  }
  if (plan.earning.growth > 0)
    plan.credits.push_back({Account::kGrowth, plan.earning.growth,
                            Posting{Cause::kOrder, plan.reference, {}, in.paid_at, {}},
                            LotTerms{in.paid_at, in.paid_at, std::nullopt, in.key}});
  return plan;
}

Result<OrderEffect> LoyaltyEngine::apply_order(const OrderInput& in) {
  RETURN_IF_ERROR(require_tx(db_));
  RETURN_IF_ERROR(require_key(in.key));
  OrderEffect e;
  e.key = in.key;
  e.member = in.member;
  if (in.member == kGuest) {
    e.guest = true;
    return e;
  }
  ASSIGN_OR_RETURN(auto prior, find_order(in.key));
  if (prior) {
    if (in.order_pk > 0) {  // applied through the API before the store had the row
      ASSIGN_OR_RETURN(store::Statement * st,
                       cache_.get("UPDATE loyalty_orders SET order_pk = ? "
                                  "WHERE order_key = ? AND order_pk IS NULL"));
      st->bind(1, in.order_pk).bind(2, in.key);
      RETURN_IF_ERROR(st->run());
    }
    return std::move(*prior);
  }
  for (const OrderLineInput& l : in.lines)
    if (l.amount < 0)
      return invalid_argument(fmt::format("order {} line {}: amount {} is negative", in.key,
                                          l.line_no, format_money(l.amount)));
  // The live member and its birthday in one lookup; a merged member's survivor is looked up again.
  MemberId member = in.member;
  std::string birthday;
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT merged_into, birthday FROM members WHERE member_id = ?"));
    st->bind(1, member);
    ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) return not_found(fmt::format("member {} does not exist", member));
    bool merged = !st->column_is_null(0);
    if (!merged && !st->column_is_null(1)) birthday = st->column_text(1);
    st->reset();
    if (merged) {
      ASSIGN_OR_RETURN(member, live(in.member));
      ASSIGN_OR_RETURN(store::Statement * bst,
                       cache_.get("SELECT birthday FROM members WHERE member_id = ?"));
      bst->bind(1, member);
      ASSIGN_OR_RETURN(bool brow, bst->step());
      if (brow && !bst->column_is_null(0)) birthday = bst->column_text(0);
      bst->reset();
    }
  }
  e.member = member;

  ASSIGN_OR_RETURN(AccountState a, load(member, in.paid_at));
  e.tier_before = a.tier;
  std::int64_t earned_today = 0;
  if (program().points.earn.daily_cap > 0) {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT COALESCE(SUM(points), 0) FROM loyalty_orders "
                                "WHERE member_id = ? AND paid_day = ?"));
    st->bind(1, member).bind(2, static_cast<std::int64_t>(zone_.local_date(in.paid_at).days));
    ASSIGN_OR_RETURN(bool row, st->step());
    earned_today = row ? st->column_int64(0) : 0;
    st->reset();
  }
  const OrderPlan plan = plan_order(in, a, birthday, earned_today);
  e.points = plan.earning.points;
  e.points_uncapped = plan.earning.points_uncapped;
  e.growth = plan.earning.growth;
  e.explain = plan.earning.explain;

  // The lots first: the order's row names them.
  std::int64_t lot_ids[2] = {0, 0};  // points, growth
  for (const OrderPlan::Credit& c : plan.credits) {
    ASSIGN_OR_RETURN(std::int64_t lot, ledger_.credit(a, c.account, c.amount, c.post, c.terms));
    lot_ids[c.account == Account::kPoints ? 0 : 1] = lot;
  }
  {
    ASSIGN_OR_RETURN(
        store::Statement * st,
        cache_.get("INSERT INTO loyalty_orders (order_key, order_pk, member_id, paid_at, "
                   "paid_day, amount_fen, points, growth, tier, multipliers, program_version, "
                   "applied_at, lines, points_lot, growth_lot) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    const std::string lines = encode_order_lines(order_line_records(in, plan.earning));
    st->bind_text_static(1, in.key);
    if (in.order_pk > 0)
      st->bind(2, in.order_pk);
    else
      st->bind(2, std::nullopt);
    st->bind(3, member)
        .bind(4, in.paid_at.seconds)
        .bind(5, static_cast<std::int64_t>(plan.day.days))
        .bind(6, plan.total)
        .bind(7, e.points)
        .bind(8, e.growth)
        .bind_text_static(9, e.tier_before)
        .bind_text_static(10, e.explain)
        .bind(11, active_.version)
        .bind(12, clock_.now().seconds)
        .bind_text_static(13, lines);
    for (int k = 0; k < 2; ++k) {
      if (lot_ids[k] > 0)
        st->bind(14 + k, lot_ids[k]);
      else
        st->bind(14 + k, std::nullopt);
    }
    RETURN_IF_ERROR(st->run());
  }
  const std::string& reference = plan.reference;
  RETURN_IF_ERROR(maybe_upgrade(a, in.paid_at, reference));
  RETURN_IF_ERROR(ledger_.save(a, clock_.now()));
  e.tier_after = a.tier;
  return e;
}

}  // namespace recur::loyalty
