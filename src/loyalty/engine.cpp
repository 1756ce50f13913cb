#include "loyalty/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "identity/merge.h"
#include "loyalty/calendar.h"
#include "loyalty/decimal.h"
#include "loyalty/engine_internal.h"
#include "store/settings.h"

// The engine's construction, the shared steps (loading an account, the live member, recording
// an operation) and reading a member's state. The operations live in engine_orders.cpp,
// engine_refunds.cpp, engine_points.cpp and engine_tiers.cpp.

namespace recur::loyalty {
namespace engine_detail {

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

}  // namespace engine_detail

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
  if (!a.stored) start_account(a, at);
  return a;
}

void LoyaltyEngine::start_account(AccountState& a, Instant at) const {
  a.tier_since = at;
  if (program().evaluation.mode == TierMode::kPeriodic) {
    Date day = zone_.local_date(at);
    a.period_start = program().evaluation.anchor == PeriodAnchor::kCalendar
                         ? period_start(day, program().evaluation.period_months)
                         : day;
  }
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
                                "AND account IN ('points', 'growth') "
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
