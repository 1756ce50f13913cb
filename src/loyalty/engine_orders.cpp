#include "loyalty/engine.h"

// Orders: what an order earns (points, growth) and the upgrade it brings.

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "loyalty/calendar.h"
#include "loyalty/earn_rules.h"
#include "loyalty/engine_internal.h"

namespace recur::loyalty {
namespace {

// An order's lines are inserted up to this many per statement (one statement per order for
// almost every order: fewer statement executions on the hot path).
constexpr std::size_t kLinesPerInsert = 8;

// "INSERT INTO loyalty_order_lines … VALUES (…), (…)" for n rows, 1 <= n <= kLinesPerInsert. The
// texts live for the program's life: the statement cache keys statements by their address.
const char* lines_insert_sql(std::size_t n) {
  static const std::vector<std::string> kSql = [] {
    std::vector<std::string> v(kLinesPerInsert + 1);
    for (std::size_t rows = 1; rows <= kLinesPerInsert; ++rows) {
      v[rows] =
          "INSERT INTO loyalty_order_lines (order_key, line_no, member_id, amount_fen, points, "
          "growth) VALUES ";
      for (std::size_t r = 0; r < rows; ++r)
        v[rows] += r ? ", (?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?)";
    }
    return v;
  }();
  return kSql[n].c_str();
}

}  // namespace

using engine_detail::require_key;
using engine_detail::require_tx;

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
    plan.credits.push_back(
        {Account::kPoints, plan.earning.points,
         Posting{Cause::kOrder, plan.reference, plan.reference + ":points", in.paid_at, {}},
         LotTerms{in.paid_at, usable, expiry_for(plan.day), in.key}});
  }
  if (plan.earning.growth > 0)
    plan.credits.push_back(
        {Account::kGrowth, plan.earning.growth,
         Posting{Cause::kOrder, plan.reference, plan.reference + ":growth", in.paid_at, {}},
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

  {
    ASSIGN_OR_RETURN(
        store::Statement * st,
        cache_.get("INSERT INTO loyalty_orders (order_key, order_pk, member_id, paid_at, "
                   "paid_day, amount_fen, points, growth, tier, multipliers, program_version, "
                   "applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
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
        .bind_text_static(9, a.tier)
        .bind_text_static(10, e.explain)
        .bind(11, active_.version)
        .bind(12, clock_.now().seconds);
    RETURN_IF_ERROR(st->run());
  }
  for (std::size_t i = 0; i < in.lines.size();) {
    const std::size_t n = std::min(kLinesPerInsert, in.lines.size() - i);
    ASSIGN_OR_RETURN(store::Statement * st, cache_.get(lines_insert_sql(n)));
    for (std::size_t k = 0; k < n; ++k, ++i) {
      const int c = static_cast<int>(6 * k);
      st->bind_text_static(c + 1, in.key)
          .bind(c + 2, in.lines[i].line_no)
          .bind(c + 3, member)
          .bind(c + 4, in.lines[i].amount)
          .bind(c + 5, plan.earning.lines[i].points)
          .bind(c + 6, plan.earning.lines[i].growth);
    }
    RETURN_IF_ERROR(st->run());
  }
  for (const OrderPlan::Credit& c : plan.credits)
    RETURN_IF_ERROR(ledger_.credit(a, c.account, c.amount, c.post, c.terms).status());
  const std::string& reference = plan.reference;
  RETURN_IF_ERROR(maybe_upgrade(a, in.paid_at, reference));
  RETURN_IF_ERROR(ledger_.save(a, clock_.now()));
  e.tier_after = a.tier;
  return e;
}

}  // namespace recur::loyalty
