#include "loyalty/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "identity/merge.h"
#include "loyalty/calendar.h"
#include "loyalty/decimal.h"
#include "loyalty/earn_rules.h"
#include "store/settings.h"

namespace recur::loyalty {
namespace {

// "k=v k=v" details of loyalty_operations rows, read back on replay.
std::int64_t detail_int(std::string_view detail, std::string_view key) {
  std::string needle = std::string(key) + "=";
  std::size_t pos = 0;
  while ((pos = detail.find(needle, pos)) != std::string_view::npos) {
    if (pos == 0 || detail[pos - 1] == ' ') {
      std::string_view rest = detail.substr(pos + needle.size());
      std::int64_t v = 0;
      std::from_chars(rest.data(), rest.data() + rest.size(), v);
      return v;
    }
    pos += needle.size();
  }
  return 0;
}

struct Op {
  std::string kind;
  MemberId member = 0;
  Instant at;
  std::int64_t points = 0, growth = 0;
  Fen money = 0;
  std::string detail;
};

Result<std::optional<Op>> find_op(StatementCache& cache, const std::string& key,
                                  std::string_view kind) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   cache.get("SELECT kind, member_id, at, points, growth, money_fen, detail "
                             "FROM loyalty_operations WHERE op_key = ?"));
  st->bind(1, key);
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return std::optional<Op>();
  Op op{st->column_string(0), st->column_int64(1), Instant{st->column_int64(2)},
        st->column_int64(3),  st->column_int64(4), st->column_int64(5),
        st->column_string(6)};
  st->reset();
  if (op.kind != kind)
    return invalid_argument(fmt::format(
        "idempotency key '{}' was already used for a {} (use a new key)", key, op.kind));
  return std::optional<Op>(std::move(op));
}

// Mutations run inside the caller's write transaction, so that their effects commit together.
Status require_tx(store::Database& db) {
  if (!db.in_transaction())
    return internal_error("loyalty changes must run inside a write transaction");
  return Status();
}

Status require_key(const std::string& key) {
  if (key.empty()) return invalid_argument("an idempotency key is required (--key)");
  if (key.size() > 200) return invalid_argument("an idempotency key has at most 200 characters");
  return Status();
}

}  // namespace

LoyaltyEngine::LoyaltyEngine(store::Database& db, ActiveProgram program, TimeZone zone,
                             const Clock& clock)
    : db_(db),
      active_(std::move(program)),
      zone_(std::move(zone)),
      clock_(clock),
      ledger_(db, active_.version),
      cache_(db) {}

Result<std::unique_ptr<LoyaltyEngine>> open_engine(store::Database& db, const Clock& clock) {
  ASSIGN_OR_RETURN(ActiveProgram program, active_program(db));
  ASSIGN_OR_RETURN(TimeZone zone, store::merchant_time_zone(db));
  return std::make_unique<LoyaltyEngine>(db, std::move(program), std::move(zone), clock);
}

std::optional<Instant> LoyaltyEngine::expiry_for(Date day) const {
  switch (program().points.expiry) {
    case ExpiryPolicy::kRollingDays:
      return zone_.start_of_day(day.plus_days(program().points.expiry_days + 1));
    case ExpiryPolicy::kEndOfNextYear:
      return zone_.start_of_day(start_of_year(day, 2));
    case ExpiryPolicy::kNever:
      return std::nullopt;
  }
  return std::nullopt;
}

Result<AccountState> LoyaltyEngine::load(MemberId member, Instant at) {
  ASSIGN_OR_RETURN(AccountState a, ledger_.load(member, program().tiers.front().key));
  if (!a.stored) {
    a.tier_since = at;
    if (program().evaluation.mode == TierMode::kPeriodic) {
      Date day = zone_.local_date(at);
      a.period_start = program().evaluation.anchor == PeriodAnchor::kCalendar
                           ? period_start(day, program().evaluation.period_months)
                           : day;
    }
  }
  return a;
}

Result<MemberId> LoyaltyEngine::live(MemberId member) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   cache_.get("SELECT merged_into FROM members WHERE member_id = ?"));
  st->bind(1, member);
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("member {} does not exist", member));
  bool merged = !st->column_is_null(0);
  st->reset();
  if (!merged) return member;
  identity::Merger merger(db_);
  return merger.live_root(member);
}

Date LoyaltyEngine::period_start_of(const AccountState& a) const {
  if (a.period_start) return *a.period_start;
  // An account from before the program went periodic: the period holding its tier's start.
  const TierEvaluation& ev = program().evaluation;
  Date since = zone_.local_date(a.tier_since);
  return ev.anchor == PeriodAnchor::kCalendar ? period_start(since, ev.period_months) : since;
}

int LoyaltyEngine::tier_of(const AccountState& a) const {
  int i = program().tier_index(a.tier);
  return i < 0 ? 0 : i;
}

Result<std::int64_t> LoyaltyEngine::qualifying_growth(const AccountState& a, Instant at) {
  const TierEvaluation& ev = program().evaluation;
  switch (ev.mode) {
    case TierMode::kLifetime:
      return a.growth;
    case TierMode::kRolling: {
      Date day = zone_.local_date(at);
      Instant from = zone_.start_of_day(add_months(day, -ev.window_months).plus_days(1));
      return ledger_.growth_between(a.member, from, Instant{at.seconds + 1});
    }
    case TierMode::kPeriodic:
      return ledger_.growth_between(a.member, zone_.start_of_day(period_start_of(a)),
                                    Instant{at.seconds + 1});
  }
  return a.growth;
}

Status LoyaltyEngine::change_tier(AccountState& a, int to, Instant at, std::string_view reason,
                                  std::string_view reference) {
  const std::string& key = program().tiers[static_cast<std::size_t>(to)].key;
  if (key == a.tier) return Status();
  ASSIGN_OR_RETURN(store::Statement * st,
                   cache_.get("INSERT INTO loyalty_tier_changes (member_id, from_tier, to_tier, "
                              "at, reason, reference) VALUES (?, ?, ?, ?, ?, ?)"));
  st->bind(1, a.member)
      .bind(2, a.tier)
      .bind(3, key)
      .bind(4, at.seconds)
      .bind(5, reason)
      .bind_optional(6, reference);
  RETURN_IF_ERROR(st->run());
  a.tier = key;
  a.tier_since = at;
  a.grace_until.reset();
  return Status();
}

Status LoyaltyEngine::maybe_upgrade(AccountState& a, Instant at, std::string_view reference) {
  ASSIGN_OR_RETURN(std::int64_t q, qualifying_growth(a, at));
  int target = program().tier_for_growth(q);
  if (target <= tier_of(a)) return Status();
  RETURN_IF_ERROR(change_tier(a, target, at, "upgrade", reference));
  if (program().evaluation.mode == TierMode::kPeriodic &&
      program().evaluation.anchor == PeriodAnchor::kAttained)
    a.period_start = zone_.local_date(at);
  return Status();
}

Status LoyaltyEngine::record_op(const std::string& key, std::string_view kind, MemberId member,
                                Instant at, std::int64_t points, std::int64_t growth, Fen money,
                                std::string_view detail) {
  ASSIGN_OR_RETURN(
      store::Statement * st,
      cache_.get("INSERT INTO loyalty_operations (op_key, kind, member_id, at, "
                 "points, growth, money_fen, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  st->bind(1, key)
      .bind(2, kind)
      .bind(3, member)
      .bind(4, at.seconds)
      .bind(5, points)
      .bind(6, growth)
      .bind(7, money)
      .bind_optional(8, detail);
  return st->run();
}

// ---------------------------------------------------------------------------------------------
// Orders

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
  ASSIGN_OR_RETURN(MemberId member, live(in.member));
  e.member = member;

  ASSIGN_OR_RETURN(AccountState a, load(member, in.paid_at));
  e.tier_before = a.tier;
  const Program& p = program();
  Date day = zone_.local_date(in.paid_at);

  EarnContext ctx;
  ctx.tier = tier_of(a);
  ctx.day = day;
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT birthday FROM members WHERE member_id = ?"));
    st->bind(1, member);
    ASSIGN_OR_RETURN(bool row, st->step());
    if (row && !st->column_is_null(0)) {
      auto b = parse_date(st->column_text(0));
      if (b.ok()) ctx.birthday_month = month_of(*b) == month_of(day);
    }
    st->reset();
  }
  if (p.points.earn.daily_cap > 0) {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT COALESCE(SUM(points), 0) FROM loyalty_orders "
                                "WHERE member_id = ? AND paid_day = ?"));
    st->bind(1, member).bind(2, static_cast<std::int64_t>(day.days));
    ASSIGN_OR_RETURN(bool row, st->step());
    ctx.earned_today = row ? st->column_int64(0) : 0;
    st->reset();
  }
  std::vector<EarnLine> lines;
  lines.reserve(in.lines.size());
  Fen total = 0;
  for (const OrderLineInput& l : in.lines) {
    lines.push_back(EarnLine{l.line_no, l.sku, l.category, l.amount});
    total += l.amount;
  }
  OrderEarning earning = compute_order_earning(p, lines, ctx);
  e.points = earning.points;
  e.points_uncapped = earning.points_uncapped;
  e.growth = earning.growth;
  e.explain = earning.explain;

  {
    ASSIGN_OR_RETURN(
        store::Statement * st,
        cache_.get("INSERT INTO loyalty_orders (order_key, order_pk, member_id, paid_at, "
                   "paid_day, amount_fen, points, growth, tier, multipliers, program_version, "
                   "applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    st->bind(1, in.key);
    if (in.order_pk > 0)
      st->bind(2, in.order_pk);
    else
      st->bind(2, std::nullopt);
    st->bind(3, member)
        .bind(4, in.paid_at.seconds)
        .bind(5, static_cast<std::int64_t>(day.days))
        .bind(6, total)
        .bind(7, e.points)
        .bind(8, e.growth)
        .bind(9, a.tier)
        .bind(10, e.explain)
        .bind(11, active_.version)
        .bind(12, clock_.now().seconds);
    RETURN_IF_ERROR(st->run());
  }
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("INSERT INTO loyalty_order_lines (order_key, line_no, member_id, "
                                "amount_fen, points, growth) VALUES (?, ?, ?, ?, ?, ?)"));
    for (std::size_t i = 0; i < in.lines.size(); ++i) {
      st->reset();
      st->bind(1, in.key)
          .bind(2, in.lines[i].line_no)
          .bind(3, member)
          .bind(4, in.lines[i].amount)
          .bind(5, earning.lines[i].points)
          .bind(6, earning.lines[i].growth);
      RETURN_IF_ERROR(st->run());
    }
  }
  std::string reference = "order:" + in.key;
  if (e.points > 0) {
    Instant usable = p.points.pending_days > 0
                         ? zone_.start_of_day(day.plus_days(p.points.pending_days))
                         : in.paid_at;
    Posting post{Cause::kOrder, reference, "order:" + in.key + ":points", in.paid_at, {}};
    RETURN_IF_ERROR(ledger_
                        .credit(a, Account::kPoints, e.points, post,
                                LotTerms{in.paid_at, usable, expiry_for(day), in.key})
                        .status());
  }
  if (e.growth > 0) {
    Posting post{Cause::kOrder, reference, "order:" + in.key + ":growth", in.paid_at, {}};
    RETURN_IF_ERROR(ledger_
                        .credit(a, Account::kGrowth, e.growth, post,
                                LotTerms{in.paid_at, in.paid_at, std::nullopt, in.key})
                        .status());
  }
  RETURN_IF_ERROR(maybe_upgrade(a, in.paid_at, reference));
  RETURN_IF_ERROR(ledger_.save(a, clock_.now()));
  e.tier_after = a.tier;
  return e;
}

// ---------------------------------------------------------------------------------------------
// Refunds

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
  {
    ASSIGN_OR_RETURN(
        store::Statement * st,
        cache_.get("SELECT member_id, paid_at FROM loyalty_orders WHERE order_key = ?"));
    st->bind(1, in.order_key);
    ASSIGN_OR_RETURN(bool row, st->step());
    if (!row)
      return failed_precondition(fmt::format(
          "refund {}: order {} has not been applied to the loyalty program", in.key, in.order_key));
    owner = st->column_int64(0);
    paid_at = Instant{st->column_int64(1)};
    st->reset();
  }
  struct Line {
    std::int64_t line_no;
    Fen amount, refunded;
    std::int64_t points, growth, points_clawed, growth_clawed;
  };
  std::vector<Line> lines;
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT line_no, amount_fen, refunded_fen, points, growth, "
                                "points_clawed, growth_clawed FROM loyalty_order_lines "
                                "WHERE order_key = ? ORDER BY line_no"));
    st->bind(1, in.order_key);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      lines.push_back(Line{st->column_int64(0), st->column_int64(1), st->column_int64(2),
                           st->column_int64(3), st->column_int64(4), st->column_int64(5),
                           st->column_int64(6)});
    }
    st->reset();
  }
  // Share the refunded amount out to the lines: the named line first, then the rest in
  // proportion to what is left to refund on each line.
  Fen left_total = 0;
  for (const Line& l : lines) left_total += l.amount - l.refunded;
  if (in.amount > left_total)
    return invalid_argument(
        fmt::format("refund {}: {} exceeds what is left to refund on order {} ({})", in.key,
                    format_money(in.amount), in.order_key, format_money(left_total)));
  std::vector<Fen> alloc(lines.size(), 0);
  Fen left = in.amount;
  if (in.line_no) {
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const Line& l) { return l.line_no == *in.line_no; });
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
    const Line& l = lines[i];
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

  // The lots belong to whoever holds the order now (merges move them).
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT member_id FROM loyalty_lots WHERE order_key = ? LIMIT 1"));
    st->bind(1, in.order_key);
    ASSIGN_OR_RETURN(bool row, st->step());
    if (row) owner = st->column_int64(0);
    st->reset();
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
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("UPDATE loyalty_order_lines SET refunded_fen = refunded_fen + ?, "
                                "points_clawed = ?, growth_clawed = ? "
                                "WHERE order_key = ? AND line_no = ?"));
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (alloc[i] == 0) continue;
      st->reset();
      st->bind(1, alloc[i])
          .bind(2, new_pc[i])
          .bind(3, new_gc[i])
          .bind(4, in.order_key)
          .bind(5, lines[i].line_no);
      RETURN_IF_ERROR(st->run());
    }
  }
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("UPDATE loyalty_orders SET refunded_fen = refunded_fen + ?, "
                                "points_clawed = points_clawed + ?, "
                                "growth_clawed = growth_clawed + ? WHERE order_key = ?"));
    st->bind(1, in.amount).bind(2, points).bind(3, growth).bind(4, in.order_key);
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
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT COUNT(*) FROM loyalty_tier_changes WHERE member_id = ? "
                                "AND reason = 'upgrade' AND at >= ?"));
    st->bind(1, owner).bind(2, paid_at.seconds);
    ASSIGN_OR_RETURN(bool row, st->step());
    std::int64_t upgrades = row ? st->column_int64(0) : 0;
    st->reset();
    if (upgrades > 0) {
      ASSIGN_OR_RETURN(store::Statement * before,
                       cache_.get("SELECT to_tier FROM loyalty_tier_changes WHERE member_id = ? "
                                  "AND at < ? ORDER BY at DESC, change_id DESC LIMIT 1"));
      before->bind(1, owner).bind(2, paid_at.seconds);
      ASSIGN_OR_RETURN(bool had, before->step());
      int prior = had ? std::max(0, program().tier_index(before->column_text(0))) : 0;
      before->reset();
      ASSIGN_OR_RETURN(std::int64_t q, qualifying_growth(a, in.at));
      int target = std::max(prior, program().tier_for_growth(q));
      if (target < tier_of(a)) RETURN_IF_ERROR(change_tier(a, target, in.at, "refund", reference));
    }
  }
  RETURN_IF_ERROR(ledger_.save(a, clock_.now()));
  e.tier_after = a.tier;
  return e;
}

// ---------------------------------------------------------------------------------------------
// Adjustments, redemption, tasks

Result<AdjustEffect> LoyaltyEngine::adjust(const AdjustInput& in) {
  RETURN_IF_ERROR(require_tx(db_));
  RETURN_IF_ERROR(require_key(in.key));
  std::string key = "adjust:" + in.key;
  ASSIGN_OR_RETURN(auto prior, find_op(cache_, key, "adjust"));
  if (prior) {
    ASSIGN_OR_RETURN(AccountState a, ledger_.load(prior->member, program().tiers.front().key));
    return AdjustEffect{true,     prior->member, prior->points, prior->growth,
                        a.points, a.growth,      a.tier};
  }
  if (in.reason.empty()) return invalid_argument("an adjustment needs a reason (--reason)");
  if (in.points == 0 && in.growth == 0)
    return invalid_argument("an adjustment changes points or growth (neither given)");
  ASSIGN_OR_RETURN(MemberId member, live(in.member));
  ASSIGN_OR_RETURN(AccountState a, load(member, in.at));
  std::string reference = "adjust:" + in.key;
  Date day = zone_.local_date(in.at);
  auto post = [&](std::string_view what) {
    return Posting{Cause::kAdjustment, reference, key + ":" + std::string(what), in.at, in.reason};
  };
  if (in.points < 0)
    RETURN_IF_ERROR(ledger_
                        .debit(a, Account::kPoints, -in.points, post("points"), LotOrder::kLive,
                               Shortfall::kFail)
                        .status());
  if (in.growth < 0)
    RETURN_IF_ERROR(ledger_
                        .debit(a, Account::kGrowth, -in.growth, post("growth"),
                               LotOrder::kNewestFirst, Shortfall::kFail)
                        .status());
  if (in.points > 0)
    RETURN_IF_ERROR(ledger_
                        .credit(a, Account::kPoints, in.points, post("points"),
                                LotTerms{in.at, in.at, expiry_for(day), {}})
                        .status());
  if (in.growth > 0) {
    RETURN_IF_ERROR(ledger_
                        .credit(a, Account::kGrowth, in.growth, post("growth"),
                                LotTerms{in.at, in.at, std::nullopt, {}})
                        .status());
    RETURN_IF_ERROR(maybe_upgrade(a, in.at, reference));
  }
  RETURN_IF_ERROR(record_op(key, "adjust", member, in.at, in.points, in.growth, 0, in.reason));
  RETURN_IF_ERROR(ledger_.save(a, clock_.now()));
  return AdjustEffect{false, member, in.points, in.growth, a.points, a.growth, a.tier};
}

Result<RedemptionQuote> LoyaltyEngine::quote_redemption(MemberId member, Fen order_amount,
                                                        Instant at) {
  if (order_amount <= 0) return invalid_argument("the order amount must be positive");
  ASSIGN_OR_RETURN(member, live(member));
  ASSIGN_OR_RETURN(AccountState a, load(member, at));
  RedemptionQuote q;
  q.member = member;
  q.tier = a.tier;
  q.points_per_yuan =
      program().tiers[static_cast<std::size_t>(tier_of(a))].benefits.redeem_points_per_yuan;
  ASSIGN_OR_RETURN(q.usable, ledger_.usable_points(member, at));
  q.cap_fen = mul_div_floor(order_amount, program().redemption.max_order_share_milli, kMilli).q;
  q.max_points = std::min(q.usable, mul_div_floor(q.cap_fen, q.points_per_yuan, 100).q);
  if (q.max_points < program().redemption.min_points) q.max_points = 0;
  q.max_discount_fen = mul_div_floor(q.max_points, 100, q.points_per_yuan).q;
  return q;
}

Result<RedeemEffect> LoyaltyEngine::redeem(const RedeemInput& in) {
  RETURN_IF_ERROR(require_tx(db_));
  RETURN_IF_ERROR(require_key(in.key));
  std::string key = "redeem:" + in.key;
  ASSIGN_OR_RETURN(auto prior, find_op(cache_, key, "redeem"));
  if (prior) {
    ASSIGN_OR_RETURN(AccountState a, ledger_.load(prior->member, program().tiers.front().key));
    return RedeemEffect{true,
                        prior->member,
                        -prior->points,
                        prior->money,
                        detail_int(prior->detail, "cash_fen"),
                        detail_int(prior->detail, "ratio"),
                        a.points};
  }
  if (in.points <= 0) return invalid_argument("points to redeem must be positive");
  ASSIGN_OR_RETURN(RedemptionQuote q, quote_redemption(in.member, in.order_amount, in.at));
  if (in.points < program().redemption.min_points)
    return invalid_argument(fmt::format("at least {} points per redemption (最低使用积分)",
                                        program().redemption.min_points));
  Fen discount = mul_div_floor(in.points, 100, q.points_per_yuan).q;
  if (discount <= 0)
    return invalid_argument(fmt::format("{} points are worth less than 1 fen at {} points/yuan",
                                        in.points, q.points_per_yuan));
  if (discount > q.cap_fen)
    return failed_precondition(fmt::format(
        "{} points (¥{}) exceed what points may pay of this order: at most ¥{} ({} of ¥{}), "
        "i.e. {} points at {} points/yuan (超过积分抵扣上限)",
        in.points, format_money(discount), format_money(q.cap_fen),
        format_milli(program().redemption.max_order_share_milli), format_money(in.order_amount),
        mul_div_floor(q.cap_fen, q.points_per_yuan, 100).q, q.points_per_yuan));
  ASSIGN_OR_RETURN(AccountState a, load(q.member, in.at));
  Posting post{Cause::kRedemption, in.reference.empty() ? key : in.reference, key + ":points",
               in.at,
               fmt::format("¥{} of ¥{}", format_money(discount), format_money(in.order_amount))};
  RETURN_IF_ERROR(
      ledger_.debit(a, Account::kPoints, in.points, post, LotOrder::kSpend, Shortfall::kFail)
          .status());
  Fen cash = in.order_amount - discount;
  RETURN_IF_ERROR(record_op(key, "redeem", q.member, in.at, -in.points, 0, discount,
                            fmt::format("order_fen={} cash_fen={} ratio={} reference={}",
                                        in.order_amount, cash, q.points_per_yuan, in.reference)));
  RETURN_IF_ERROR(ledger_.save(a, clock_.now()));
  return RedeemEffect{false, q.member, in.points, discount, cash, q.points_per_yuan, a.points};
}

Result<TaskEffect> LoyaltyEngine::complete_task(MemberId member, Task task,
                                                const std::string& in_key, Instant at) {
  RETURN_IF_ERROR(require_tx(db_));
  RETURN_IF_ERROR(require_key(in_key));
  std::string key = "task:" + in_key;
  std::string kind = "task:" + std::string(task_name(task));
  ASSIGN_OR_RETURN(auto prior, find_op(cache_, key, kind));
  if (prior) {
    ASSIGN_OR_RETURN(AccountState a, ledger_.load(prior->member, program().tiers.front().key));
    return TaskEffect{true,
                      prior->member,
                      task,
                      prior->points,
                      prior->growth,
                      static_cast<int>(detail_int(prior->detail, "streak")),
                      detail_int(prior->detail, "bonus_points"),
                      detail_int(prior->detail, "bonus_growth"),
                      a.tier};
  }
  ASSIGN_OR_RETURN(member, live(member));
  const TaskRule& rule = program().task(task);
  if (!rule.enabled)
    return failed_precondition(
        fmt::format("the program has no '{}' task (任务未启用)", task_name(task)));
  Date day = zone_.local_date(at);
  auto count = [&](bool today) -> Result<std::int64_t> {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT COUNT(*) FROM loyalty_tasks WHERE member_id = ?1 AND "
                                "task = ?2 AND (?3 < 0 OR day = ?3)"));
    st->bind(1, member).bind(2, task_name(task)).bind(3, today ? std::int64_t{day.days} : -1);
    ASSIGN_OR_RETURN(bool row, st->step());
    std::int64_t n = row ? st->column_int64(0) : 0;
    st->reset();
    return n;
  };
  TaskEffect e;
  e.member = member;
  e.task = task;
  if (rule.daily_limit > 0) {
    ASSIGN_OR_RETURN(std::int64_t n, count(true));
    if (n >= rule.daily_limit)
      return failed_precondition(
          task == Task::kSignIn
              ? fmt::format("member {} already signed in on {} (今日已签到)", member,
                            day.to_string())
              : fmt::format("member {} reached the daily limit of {} for {} on {}", member,
                            rule.daily_limit, task_name(task), day.to_string()));
  }
  if (rule.lifetime_limit > 0) {
    ASSIGN_OR_RETURN(std::int64_t n, count(false));
    if (n >= rule.lifetime_limit)
      return failed_precondition(fmt::format("member {} already completed {} {} time(s)", member,
                                             task_name(task), rule.lifetime_limit));
  }
  if (task == Task::kSignIn) {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT streak FROM loyalty_tasks WHERE member_id = ? AND "
                                "task = 'sign_in' AND day = ? LIMIT 1"));
    st->bind(1, member).bind(2, static_cast<std::int64_t>(day.days - 1));
    ASSIGN_OR_RETURN(bool row, st->step());
    int prev = row ? static_cast<int>(st->column_int64(0)) : 0;
    st->reset();
    e.streak = (rule.cycle_days > 0 && prev >= rule.cycle_days) ? 1 : prev + 1;
    for (const StreakBonus& b : rule.streak)
      if (b.days == e.streak) {
        e.bonus_points = b.points;
        e.bonus_growth = b.growth;
      }
  }
  e.points = rule.points + e.bonus_points;
  e.growth = rule.growth + e.bonus_growth;
  ASSIGN_OR_RETURN(AccountState a, load(member, at));
  std::string reference = fmt::format("task:{}:{}", task_name(task), day.to_string());
  if (e.points > 0)
    RETURN_IF_ERROR(ledger_
                        .credit(a, Account::kPoints, e.points,
                                Posting{Cause::kTask, reference, key + ":points", at,
                                        std::string(task_name(task))},
                                LotTerms{at, at, expiry_for(day), {}})
                        .status());
  if (e.growth > 0) {
    RETURN_IF_ERROR(ledger_
                        .credit(a, Account::kGrowth, e.growth,
                                Posting{Cause::kTask, reference, key + ":growth", at,
                                        std::string(task_name(task))},
                                LotTerms{at, at, std::nullopt, {}})
                        .status());
    RETURN_IF_ERROR(maybe_upgrade(a, at, reference));
  }
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("INSERT INTO loyalty_tasks (op_key, member_id, task, day, streak, "
                                "at) VALUES (?, ?, ?, ?, ?, ?)"));
    st->bind(1, key)
        .bind(2, member)
        .bind(3, task_name(task))
        .bind(4, static_cast<std::int64_t>(day.days))
        .bind(5, e.streak)
        .bind(6, at.seconds);
    RETURN_IF_ERROR(st->run());
  }
  RETURN_IF_ERROR(record_op(key, kind, member, at, e.points, e.growth, 0,
                            fmt::format("streak={} bonus_points={} bonus_growth={}", e.streak,
                                        e.bonus_points, e.bonus_growth)));
  RETURN_IF_ERROR(ledger_.save(a, clock_.now()));
  e.tier_after = a.tier;
  return e;
}

// ---------------------------------------------------------------------------------------------
// Daily jobs

Result<ExpireSummary> LoyaltyEngine::expire(Date as_of, const std::string& in_key) {
  RETURN_IF_ERROR(require_tx(db_));
  RETURN_IF_ERROR(require_key(in_key));
  std::string key = "expire:" + in_key;
  ASSIGN_OR_RETURN(auto prior, find_op(cache_, key, "expire"));
  if (prior)
    return ExpireSummary{true, Date{static_cast<std::int32_t>(detail_int(prior->detail, "as_of"))},
                         detail_int(prior->detail, "lots"), -prior->points,
                         detail_int(prior->detail, "members")};
  ExpireSummary s;
  s.as_of = as_of;
  Instant cutoff = zone_.start_of_day(as_of);
  std::vector<Lot> due;
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT lot_id, member_id, remaining, expires_at FROM loyalty_lots "
                                "WHERE remaining > 0 AND expires_at <= ? AND account = 'points' "
                                "ORDER BY member_id, expires_at, lot_id"));
    st->bind(1, cutoff.seconds);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      Lot l;
      l.lot_id = st->column_int64(0);
      l.member = st->column_int64(1);
      l.remaining = st->column_int64(2);
      l.expires_at = Instant{st->column_int64(3)};
      due.push_back(std::move(l));
    }
    st->reset();
  }
  // One entry per member and expiry instant: "N points of lots expiring then, written off".
  std::string reference = "expire:" + as_of.to_string();
  std::optional<AccountState> a;
  for (std::size_t i = 0; i < due.size();) {
    std::size_t j = i;
    while (j < due.size() && due[j].member == due[i].member &&
           *due[j].expires_at == *due[i].expires_at)
      ++j;
    std::vector<Lot> group(due.begin() + static_cast<std::ptrdiff_t>(i),
                           due.begin() + static_cast<std::ptrdiff_t>(j));
    if (!a || a->member != due[i].member) {
      if (a) RETURN_IF_ERROR(ledger_.save(*a, clock_.now()));
      ASSIGN_OR_RETURN(AccountState next, load(due[i].member, cutoff));
      a = std::move(next);
      ++s.members;
    }
    Posting post{Cause::kExpiry, reference,
                 fmt::format("{}:{}:{}", key, due[i].member, due[i].expires_at->seconds),
                 *due[i].expires_at, fmt::format("{} lot(s)", group.size())};
    RETURN_IF_ERROR(ledger_.expire(*a, group, post));
    for (const Lot& l : group) s.points += l.remaining;
    s.lots += static_cast<std::int64_t>(group.size());
    i = j;
  }
  if (a) RETURN_IF_ERROR(ledger_.save(*a, clock_.now()));
  RETURN_IF_ERROR(
      record_op(key, "expire", 0, cutoff, -s.points, 0, 0,
                fmt::format("as_of={} lots={} members={}", as_of.days, s.lots, s.members)));
  return s;
}

Status LoyaltyEngine::evaluate_member(AccountState& a, Date as_of, const std::string& ref,
                                      TierRunSummary& s) {
  const Program& p = program();
  const TierEvaluation& ev = p.evaluation;
  Instant at = zone_.start_of_day(as_of);
  int cur = tier_of(a);
  if (p.tier_index(a.tier) < 0) {
    // The tier was removed from the program: place the member by growth.
    ASSIGN_OR_RETURN(std::int64_t q, qualifying_growth(a, Instant{at.seconds - 1}));
    RETURN_IF_ERROR(change_tier(a, p.tier_for_growth(q), at, "program", ref));
    return Status();
  }
  switch (ev.mode) {
    case TierMode::kLifetime: {
      int t = p.tier_for_growth(a.growth);
      if (t > cur) {
        RETURN_IF_ERROR(change_tier(a, t, at, "upgrade", ref));
        ++s.upgraded;
      } else if (t < cur) {
        RETURN_IF_ERROR(change_tier(a, t, at, "downgrade", ref));
        ++s.downgraded;
      }
      return Status();
    }
    case TierMode::kRolling: {
      // The window: the N months that ended with the day before as_of.
      Date last = as_of.plus_days(-1);
      Instant from = zone_.start_of_day(add_months(last, -ev.window_months).plus_days(1));
      ASSIGN_OR_RETURN(std::int64_t w, ledger_.growth_between(a.member, from, at));
      int up = p.tier_for_growth(w);
      if (up > cur) {
        RETURN_IF_ERROR(change_tier(a, up, at, "upgrade", ref));
        ++s.upgraded;
        return Status();
      }
      if (cur == 0 || w >= p.tiers[static_cast<std::size_t>(cur)].retain) {
        if (a.grace_until) {
          a.grace_until.reset();
          ++s.kept;
        }
        return Status();
      }
      if (!a.grace_until) {
        a.grace_until = as_of.plus_days(ev.grace_days);
        ++s.grace_started;
      }
      if (*a.grace_until <= as_of) {
        int to = cur - 1;
        RETURN_IF_ERROR(change_tier(a, to, at, "downgrade", ref));
        ++s.downgraded;
        if (to > 0 && w < p.tiers[static_cast<std::size_t>(to)].retain)
          a.grace_until = as_of.plus_days(ev.grace_days);
      }
      return Status();
    }
    case TierMode::kPeriodic: {
      int months = ev.period_months;
      Date start = period_start_of(a);
      while (add_months(start, months) <= as_of) {
        Date end = add_months(start, months);
        int now = tier_of(a);
        if (now > 0) {
          ASSIGN_OR_RETURN(
              std::int64_t g,
              ledger_.growth_between(a.member, zone_.start_of_day(start), zone_.start_of_day(end)));
          int keep = p.tier_retained(g, now);
          if (keep < now) {
            RETURN_IF_ERROR(change_tier(a, keep, zone_.start_of_day(end), "requalify", ref));
            ++s.requalified;
            ++s.downgraded;
          } else {
            ++s.kept;
          }
        }
        start = end;
      }
      a.period_start = start;
      return Status();
    }
  }
  return Status();
}

Result<TierRunSummary> LoyaltyEngine::evaluate_tiers(Date as_of, const std::string& in_key) {
  RETURN_IF_ERROR(require_tx(db_));
  RETURN_IF_ERROR(require_key(in_key));
  std::string key = "tiers:" + in_key;
  ASSIGN_OR_RETURN(auto prior, find_op(cache_, key, "tiers"));
  if (prior) {
    const std::string& d = prior->detail;
    return TierRunSummary{true,
                          Date{static_cast<std::int32_t>(detail_int(d, "as_of"))},
                          detail_int(d, "members"),
                          detail_int(d, "upgraded"),
                          detail_int(d, "downgraded"),
                          detail_int(d, "grace_started"),
                          detail_int(d, "kept"),
                          detail_int(d, "requalified")};
  }
  TierRunSummary s;
  s.as_of = as_of;
  std::vector<MemberId> members;
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT member_id FROM loyalty_accounts a WHERE "
                                "(evaluated_day IS NULL OR evaluated_day < ?) AND NOT EXISTS "
                                "(SELECT 1 FROM members m WHERE m.member_id = a.member_id AND "
                                "m.merged_into IS NOT NULL) ORDER BY member_id"));
    st->bind(1, static_cast<std::int64_t>(as_of.days));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      members.push_back(st->column_int64(0));
    }
    st->reset();
  }
  std::string ref = "tiers:" + as_of.to_string();
  for (MemberId m : members) {
    ASSIGN_OR_RETURN(AccountState a, load(m, zone_.start_of_day(as_of)));
    RETURN_IF_ERROR(evaluate_member(a, as_of, ref, s));
    a.evaluated = as_of;
    RETURN_IF_ERROR(ledger_.save(a, clock_.now()));
    ++s.members;
  }
  RETURN_IF_ERROR(record_op(
      key, "tiers", 0, zone_.start_of_day(as_of), 0, 0, 0,
      fmt::format("as_of={} members={} upgraded={} downgraded={} grace_started={} kept={} "
                  "requalified={}",
                  as_of.days, s.members, s.upgraded, s.downgraded, s.grace_started, s.kept,
                  s.requalified)));
  return s;
}

// ---------------------------------------------------------------------------------------------
// Reading

Result<MemberLoyalty> LoyaltyEngine::member_state(MemberId member, Instant at, int entries) {
  MemberLoyalty m;
  ASSIGN_OR_RETURN(m.account, load(member, at));
  m.tier = tier_of(m.account);
  const Program& p = program();
  const Tier& tier = p.tiers[static_cast<std::size_t>(m.tier)];
  m.tier_name = tier.name;
  ASSIGN_OR_RETURN(m.qualifying_growth, qualifying_growth(m.account, at));
  if (m.tier + 1 < static_cast<int>(p.tiers.size())) {
    m.next_tier = m.tier + 1;
    m.growth_to_next = std::max<std::int64_t>(
        0, p.tiers[static_cast<std::size_t>(m.tier + 1)].threshold - m.qualifying_growth);
  }
  ASSIGN_OR_RETURN(m.usable, ledger_.usable_points(member, at));
  ASSIGN_OR_RETURN(m.pending, ledger_.pending_points(member, at));
  ASSIGN_OR_RETURN(m.lots, ledger_.lots(member, Account::kPoints, true));
  for (const Lot& l : m.lots)
    if (l.expires_at && *l.expires_at <= at) m.expired_unswept += l.remaining;
  m.value_fen = mul_div_floor(m.usable + m.pending, 100, tier.benefits.redeem_points_per_yuan).q;
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT entry_id, account, cause, amount, balance_after, "
                                "reference, note, at FROM loyalty_entries WHERE member_id = ? "
                                "ORDER BY entry_id DESC LIMIT ?"));
    st->bind(1, member).bind(2, entries);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      m.entries.push_back(LedgerEntry{st->column_int64(0), st->column_string(1),
                                      st->column_string(2), st->column_string(5),
                                      st->column_string(6), st->column_int64(3),
                                      st->column_int64(4), Instant{st->column_int64(7)}});
    }
    st->reset();
  }
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     cache_.get("SELECT from_tier, to_tier, reason, reference, at FROM "
                                "loyalty_tier_changes WHERE member_id = ? "
                                "ORDER BY at DESC, change_id DESC LIMIT 10"));
    st->bind(1, member);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      m.tier_changes.push_back(TierChange{st->column_string(0), st->column_string(1),
                                          st->column_string(2), st->column_string(3),
                                          Instant{st->column_int64(4)}});
    }
    st->reset();
  }
  return m;
}

}  // namespace recur::loyalty
