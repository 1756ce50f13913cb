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
namespace {

constexpr std::string_view kOrderRowPlaceholders =
    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";
static_assert((kOrderRowPlaceholders.size() + 2) / 3 == engine_detail::kOrderRowColumns);

}  // namespace

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

const char* const engine_detail::kOrderRowInsert =
    "INSERT INTO loyalty_orders (entry_id, order_key, order_pk, member_id, paid_at, paid_day, "
    "amount_fen, points, growth, tier, multipliers, program_version, applied_at, lines, "
    "points_after, growth_after, points_remaining, growth_remaining, usable_from, "
    "points_expires_at) VALUES ";

void engine_detail::bind_order_row(store::Statement& st, int c, const OrderRow& r,
                                   int program_version) {
  st.bind(c, r.entry_id).bind_text_static(c + 1, r.in->key);
  if (r.in->order_pk > 0)
    st.bind(c + 2, r.in->order_pk);
  else
    st.bind(c + 2, std::nullopt);
  st.bind(c + 3, r.member)
      .bind(c + 4, r.in->paid_at.seconds)
      .bind(c + 5, r.day)
      .bind(c + 6, r.total)
      .bind(c + 7, r.points)
      .bind(c + 8, r.growth)
      .bind_text_static(c + 9, r.tier)
      .bind_text_static(c + 10, r.explain)
      .bind(c + 11, program_version)
      .bind(c + 12, r.applied_at)
      .bind_text_static(c + 13, r.lines)
      .bind(c + 14, r.points_after)
      .bind(c + 15, r.growth_after)
      .bind(c + 16, r.points_remaining)
      .bind(c + 17, r.growth)
      .bind(c + 18, r.usable_from.seconds);
  if (r.expires_at)
    st.bind(c + 19, r.expires_at->seconds);
  else
    st.bind(c + 19, std::nullopt);
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
  plan.usable_from = p.points.pending_days > 0
                         ? zone_.start_of_day(plan.day.plus_days(p.points.pending_days))
                         : in.paid_at;
  plan.expires_at = expiry_for(plan.day);
  return plan;
}

engine_detail::OrderRow LoyaltyEngine::order_row(const OrderInput& in, MemberId member,
                                                 const OrderPlan& plan, AccountState& a,
                                                 std::int64_t entry_id) const {
  engine_detail::OrderRow row;
  row.entry_id = entry_id;
  row.in = &in;
  row.member = member;
  row.day = plan.day.days;
  row.total = plan.total;
  row.points = plan.earning.points;
  row.growth = plan.earning.growth;
  row.tier = a.tier;
  row.explain = plan.earning.explain;
  row.applied_at = clock_.now().seconds;
  row.lines = encode_order_lines(order_line_records(in, plan.earning));
  a.points += row.points;
  a.growth += row.growth;
  row.points_after = a.points;
  row.growth_after = a.growth;
  row.points_remaining = row.points - std::min(row.points, a.points_debt);
  row.usable_from = plan.usable_from;
  row.expires_at = plan.expires_at;
  return row;
}

Result<OrderEffect> LoyaltyEngine::apply_order(const OrderInput& in,
                                               const std::optional<OrderCouponUse>& coupon) {
  RETURN_IF_ERROR(require_tx(db_));
  RETURN_IF_ERROR(require_key(in.key));
  OrderEffect e;
  e.key = in.key;
  e.member = in.member;
  if (in.member == kGuest) {
    e.guest = true;
    return e;
  }
  if (coupon && in.member == kGuest)
    return internal_error(fmt::format("order {}: a guest order cannot record a coupon", in.key));
  ASSIGN_OR_RETURN(auto prior, find_order(in.key));
  if (prior && coupon)
    return internal_error(
        fmt::format("order {} was applied before; its coupon use has nowhere to go", in.key));
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

  // One row: the order, its points and growth entries and lots.
  ASSIGN_OR_RETURN(std::int64_t entry_id, next_entry_id(db_));
  const engine_detail::OrderRow row = order_row(in, member, plan, a, entry_id);
  const std::int64_t repay = row.points - row.points_remaining;
  {
    // The row; with a coupon used at checkout, also that coupon's entry (entry_id + 2) in three
    // more columns.
    static const std::string kPlain = std::string(engine_detail::kOrderRowInsert) + "(" +
                                      std::string(kOrderRowPlaceholders) + ")";
    static const std::string kWithCoupon = [] {
      std::string s = engine_detail::kOrderRowInsert;
      s.insert(s.rfind(") VALUES "), ", coupon_id, coupon_fen, coupon_after");
      return s + "(" + std::string(kOrderRowPlaceholders) + ", ?, ?, ?)";
    }();
    ASSIGN_OR_RETURN(store::Statement * st, cache_.get_built(coupon ? kWithCoupon : kPlain));
    engine_detail::bind_order_row(*st, 1, row, active_.version);
    if (coupon) {
      constexpr int c = static_cast<int>(engine_detail::kOrderRowColumns) + 1;
      st->bind(c, coupon->coupon_id).bind(c + 1, coupon->discount);
      st->bind(c + 2, coupon->balance_after);
    }
    RETURN_IF_ERROR(st->run());
  }
  if (repay > 0) {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("INSERT INTO loyalty_lot_usage (entry_id, lot_id, member_id, "
                                "amount) VALUES (?1, ?1, ?2, ?3)"));
    st->bind(1, row.entry_id).bind(2, member).bind(3, repay);
    RETURN_IF_ERROR(st->run());
    a.points_debt -= repay;
  }
  const std::string& reference = plan.reference;
  RETURN_IF_ERROR(maybe_upgrade(a, in.paid_at, reference));
  RETURN_IF_ERROR(ledger_.save(a, clock_.now()));
  e.tier_after = a.tier;
  return e;
}

}  // namespace recur::loyalty
