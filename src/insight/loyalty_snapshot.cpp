#include "insight/loyalty_snapshot.h"

#include <algorithm>

#include "loyalty/calendar.h"
#include "loyalty/decimal.h"
#include "loyalty/program_store.h"
#include "store/settings.h"

namespace recur::insight {

std::int64_t LoyaltySnapshot::growth_to_next(std::size_t m) const {
  std::size_t next = static_cast<std::size_t>(tier[m]) + 1;
  if (!program || next >= tiers.size()) return -1;
  return std::max<std::int64_t>(0, tiers[next].threshold - qualifying_growth[m]);
}

std::int64_t LoyaltySnapshot::value_fen(std::size_t m) const {
  if (!program) return 0;
  const TierInfo& t = tiers[tier[m]];
  return static_cast<std::int64_t>(
      loyalty::mul_div_floor(usable[m] + pending[m], 100, t.redeem_points_per_yuan).q);
}

Result<LoyaltySnapshot> load_loyalty_snapshot(store::Database& db, const History& h,
                                              std::int32_t as_of) {
  LoyaltySnapshot s;
  ASSIGN_OR_RETURN(auto stored, loyalty::current_program(db));
  if (!stored) return s;
  ASSIGN_OR_RETURN(loyalty::Program p, loyalty::parse_program(stored->source, stored->loaded_from));
  ASSIGN_OR_RETURN(TimeZone zone, store::merchant_time_zone(db));
  s.program = true;
  for (const loyalty::Tier& t : p.tiers)
    s.tiers.push_back({t.key, t.name, t.threshold, t.benefits.redeem_points_per_yuan});
  const std::size_t n = h.members();
  s.tier.assign(n, 0);
  s.growth.assign(n, 0);
  s.qualifying_growth.assign(n, 0);
  s.points.assign(n, 0);
  s.points_debt.assign(n, 0);
  s.usable.assign(n, 0);
  s.pending.assign(n, 0);
  s.expiring_30d.assign(n, 0);
  s.expiring_day.assign(n, kNoDay);
  s.last_activity.assign(n, kNoDay);

  // "Now" for lots is the last second of the as-of day. Expiring within 30 days: the lot's last
  // usable day is at most 30 days after the as-of date (it is gone by the start of day + 31).
  const std::int64_t at = zone.start_of_day(Date{as_of + 1}).seconds - 1;
  const std::int64_t horizon = zone.start_of_day(Date{as_of + 31}).seconds;
  const loyalty::TierEvaluation& ev = p.evaluation;
  std::vector<std::int64_t> window_from(n, INT64_MIN);  // earliest growth lot that qualifies
  const std::int64_t rolling_from =
      zone.start_of_day(loyalty::add_months(Date{as_of}, -ev.window_months).plus_days(1)).seconds;

  ASSIGN_OR_RETURN(auto acc, db.prepare("SELECT member_id, points, points_debt, growth, tier, "
                                        "tier_since, period_start_day FROM loyalty_accounts"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, acc.step());
    if (!row) break;
    std::size_t m = h.index_of(acc.column_int64(0));
    if (m == SIZE_MAX) continue;
    s.points[m] = acc.column_int64(1);
    s.points_debt[m] = acc.column_int64(2);
    s.growth[m] = acc.column_int64(3);
    s.tier[m] = static_cast<std::uint8_t>(std::max(0, p.tier_index(acc.column_text(4))));
    switch (ev.mode) {
      case loyalty::TierMode::kLifetime:
        s.qualifying_growth[m] = s.growth[m];
        break;
      case loyalty::TierMode::kRolling:
        window_from[m] = rolling_from;
        break;
      case loyalty::TierMode::kPeriodic: {
        // As the engine: the stored period start, else the period holding the tier's start.
        Date start =
            acc.column_is_null(6)
                ? (ev.anchor == loyalty::PeriodAnchor::kCalendar
                       ? loyalty::period_start(zone.local_date(Instant{acc.column_int64(5)}),
                                               ev.period_months)
                       : zone.local_date(Instant{acc.column_int64(5)}))
                : Date{static_cast<std::int32_t>(acc.column_int64(6))};
        window_from[m] = zone.start_of_day(start).seconds;
        break;
      }
    }
  }

  ASSIGN_OR_RETURN(auto lots, db.prepare("SELECT member_id, account, remaining, earned_at, "
                                         "usable_from, expires_at FROM loyalty_lots "
                                         "WHERE remaining > 0"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, lots.step());
    if (!row) break;
    std::size_t m = h.index_of(lots.column_int64(0));
    if (m == SIZE_MAX) continue;
    const std::int64_t remaining = lots.column_int64(2);
    if (lots.column_text(1) == "growth") {
      std::int64_t earned_at = lots.column_int64(3);
      if (ev.mode != loyalty::TierMode::kLifetime && earned_at >= window_from[m] && earned_at <= at)
        s.qualifying_growth[m] += remaining;
      continue;
    }
    if (lots.column_text(1) != "points") continue;
    const bool expires = !lots.column_is_null(5);
    const std::int64_t expires_at = expires ? lots.column_int64(5) : 0;
    if (expires && expires_at <= at) continue;  // expired, not swept yet
    if (lots.column_int64(4) <= at)
      s.usable[m] += remaining;
    else
      s.pending[m] += remaining;
    if (!expires) continue;
    if (expires_at <= horizon) s.expiring_30d[m] += remaining;
    // The lot is gone from expires_at on (a midnight under every policy): its last usable day
    // is the day before.
    std::int32_t day = zone.local_date(Instant{expires_at - 1}).days;
    if (s.expiring_day[m] == kNoDay || day < s.expiring_day[m]) s.expiring_day[m] = day;
  }

  ASSIGN_OR_RETURN(auto entries,
                   db.prepare("SELECT member_id, at FROM loyalty_entries WHERE cause <> 'expiry'"));
  std::vector<std::int64_t> last(n, INT64_MIN);
  while (true) {
    ASSIGN_OR_RETURN(bool row, entries.step());
    if (!row) break;
    std::size_t m = h.index_of(entries.column_int64(0));
    if (m == SIZE_MAX) continue;
    last[m] = std::max(last[m], entries.column_int64(1));
  }
  for (std::size_t m = 0; m < n; ++m)
    if (last[m] != INT64_MIN) s.last_activity[m] = zone.local_date(Instant{last[m]}).days;
  return s;
}

}  // namespace recur::insight
