#include "loyalty/engine.h"

// Tiers: qualifying growth, tier changes and upgrades, and the daily evaluation.

#include <fmt/format.h>

#include <algorithm>

#include "loyalty/calendar.h"
#include "loyalty/engine_internal.h"

namespace recur::loyalty {

using engine_detail::detail_int;
using engine_detail::find_op;
using engine_detail::require_key;
using engine_detail::require_tx;

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

Result<std::int64_t> LoyaltyEngine::qualifying_growth(const AccountState& a, Instant at,
                                                      const GrowthLots* known) {
  const TierEvaluation& ev = program().evaluation;
  Instant from;
  switch (ev.mode) {
    case TierMode::kLifetime:
      return a.growth;
    case TierMode::kRolling:
      from = zone_.start_of_day(add_months(zone_.local_date(at), -ev.window_months).plus_days(1));
      break;
    case TierMode::kPeriodic:
      from = zone_.start_of_day(period_start_of(a));
      break;
  }
  const Instant to{at.seconds + 1};
  if (!known) return ledger_.growth_between(a.member, from, to);
  std::int64_t q = 0;
  for (const auto& [earned_at, remaining] : *known)
    if (earned_at.seconds >= from.seconds && earned_at.seconds < to.seconds) q += remaining;
  return q;
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

Status LoyaltyEngine::maybe_upgrade(AccountState& a, Instant at, std::string_view reference,
                                    const GrowthLots* known) {
  // Qualifying growth is part of the growth balance (the growth lots' remaining, invariant 1),
  // so when the whole balance reaches no higher tier, no window needs to be summed.
  if (program().tier_for_growth(a.growth) <= tier_of(a)) return Status();
  ASSIGN_OR_RETURN(std::int64_t q, qualifying_growth(a, at, known));
  int target = program().tier_for_growth(q);
  if (target <= tier_of(a)) return Status();
  RETURN_IF_ERROR(change_tier(a, target, at, "upgrade", reference));
  if (program().evaluation.mode == TierMode::kPeriodic &&
      program().evaluation.anchor == PeriodAnchor::kAttained)
    a.period_start = zone_.local_date(at);
  return Status();
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

}  // namespace recur::loyalty
