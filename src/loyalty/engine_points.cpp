#include "loyalty/engine.h"

// Points outside orders: adjustments, redemption, tasks and expiry.

#include <fmt/format.h>

#include <algorithm>

#include "loyalty/calendar.h"
#include "loyalty/decimal.h"
#include "loyalty/engine_internal.h"

namespace recur::loyalty {

using engine_detail::detail_int;
using engine_detail::find_op;
using engine_detail::require_key;
using engine_detail::require_tx;

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

}  // namespace recur::loyalty
