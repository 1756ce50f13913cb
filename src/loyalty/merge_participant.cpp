#include "loyalty/merge_participant.h"

#include <fmt/format.h>

#include <algorithm>

#include "loyalty/calendar.h"
#include "loyalty/coupon_book.h"
#include "loyalty/ledger.h"
#include "loyalty/wallet_merge.h"
#include "store/settings.h"

namespace recur::loyalty {
namespace {

Result<Instant> merge_time(store::Database& db, MergeId id, bool undone) {
  ASSIGN_OR_RETURN(auto st, db.prepare(undone ? "SELECT undone_at FROM merges WHERE merge_id = ?"
                                              : "SELECT merged_at FROM merges WHERE merge_id = ?"));
  st.bind(1, id);
  ASSIGN_OR_RETURN(bool row, st.step());
  if (!row || st.column_is_null(0)) return internal_error(fmt::format("merge {} has no time", id));
  return Instant{st.column_int64(0)};
}

Status exec2(store::Database& db, const char* sql, std::int64_t a, std::int64_t b) {
  ASSIGN_OR_RETURN(auto st, db.prepare(sql));
  st.bind(1, a).bind(2, b);
  return st.run();
}

Status record_tier_change(store::Database& db, MemberId member, std::string_view from,
                          std::string_view to, Instant at, std::string_view reason,
                          std::string_view reference) {
  ASSIGN_OR_RETURN(auto st,
                   db.prepare("INSERT INTO loyalty_tier_changes (member_id, from_tier, "
                              "to_tier, at, reason, reference) VALUES (?, ?, ?, ?, ?, ?)"));
  st.bind(1, member)
      .bind(2, from)
      .bind(3, to)
      .bind(4, at.seconds)
      .bind(5, reason)
      .bind(6, reference);
  return st.run();
}

// Qualifying growth of a member at `at` under the program's mode.
Result<std::int64_t> qualifying(Ledger& ledger, const Program& p, const TimeZone& zone,
                                const AccountState& a, Instant at) {
  switch (p.evaluation.mode) {
    case TierMode::kLifetime:
      return a.growth;
    case TierMode::kRolling: {
      Date day = zone.local_date(at);
      Instant from = zone.start_of_day(add_months(day, -p.evaluation.window_months).plus_days(1));
      return ledger.growth_between(a.member, from, Instant{at.seconds + 1});
    }
    case TierMode::kPeriodic: {
      Date start = a.period_start ? *a.period_start : zone.local_date(at);
      return ledger.growth_between(a.member, zone.start_of_day(start), Instant{at.seconds + 1});
    }
  }
  return a.growth;
}

Status set_tier(store::Database& db, AccountState& a, const Program& p, int to, Instant at,
                std::string_view reason, std::string_view reference) {
  const std::string& key = p.tiers[static_cast<std::size_t>(to)].key;
  if (key == a.tier) return Status();
  RETURN_IF_ERROR(record_tier_change(db, a.member, a.tier, key, at, reason, reference));
  a.tier = key;
  a.tier_since = at;
  a.grace_until.reset();
  return Status();
}

// Moves points and growth balances of the given lots from `from` to `to` with a pair of entries
// per account. Returns the points and growth moved.
struct Moved {
  std::int64_t points = 0, growth = 0, lots = 0;
};

}  // namespace

Result<std::shared_ptr<const ActiveProgram>> LoyaltyMergeParticipant::program(store::Database& db) {
  ASSIGN_OR_RETURN(auto cur, current_program(db));
  if (!cur) return std::shared_ptr<const ActiveProgram>();
  // The participant is process-wide and a process may serve several stores: the cache holds
  // the program whose text is the one in force in this store (a version number alone names
  // different programs in different stores).
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cached_ && cached_->version == cur->version && cached_source_ == cur->source)
      return cached_;
  }
  ASSIGN_OR_RETURN(ActiveProgram active, active_program(db));
  if (active.version != cur->version)  // a newer version was loaded meanwhile: no caching
    return std::make_shared<const ActiveProgram>(std::move(active));
  auto sp = std::make_shared<const ActiveProgram>(std::move(active));
  std::lock_guard<std::mutex> lock(mu_);
  cached_ = sp;
  cached_source_ = cur->source;
  return sp;
}

Status LoyaltyMergeParticipant::on_merge(store::Database& db, MergeId id, MemberId survivor,
                                         MemberId merged) {
  RETURN_IF_ERROR(merge_wallet(db, id, survivor, merged));  // stored value and cashback
  RETURN_IF_ERROR(move_coupons_on_merge(db, id, survivor, merged));
  // The common case during imports: the merged member never earned anything.
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT (SELECT COUNT(*) FROM loyalty_accounts WHERE "
                                         "member_id = ?1) + (SELECT COUNT(*) FROM loyalty_lots "
                                         "WHERE member_id = ?1)"));
    st.bind(1, merged);
    ASSIGN_OR_RETURN(bool row, st.step());
    if (!row || st.column_int64(0) == 0) return Status();
  }
  ASSIGN_OR_RETURN(auto prog, program(db));
  ASSIGN_OR_RETURN(Instant at, merge_time(db, id, false));
  ASSIGN_OR_RETURN(TimeZone zone, store::merchant_time_zone(db));
  std::string base = prog ? prog->program.tiers.front().key : std::string();
  Ledger ledger(db, prog ? prog->version : 0);
  ASSIGN_OR_RETURN(AccountState m, ledger.load(merged, base));
  ASSIGN_OR_RETURN(AccountState s, ledger.load(survivor, base));
  if (!s.stored) s.tier_since = at;
  std::string survivor_tier = s.tier, merged_tier = m.tier;

  ASSIGN_OR_RETURN(auto lots_points, ledger.lots(merged, Account::kPoints, false));
  ASSIGN_OR_RETURN(auto lots_growth, ledger.lots(merged, Account::kGrowth, false));
  std::int64_t points_in_lots = 0, growth_in_lots = 0;
  {
    ASSIGN_OR_RETURN(auto rec,
                     db.prepare("INSERT INTO loyalty_merge_lots (merge_id, direction, "
                                "lot_id, account, remaining) VALUES (?, 'merge', ?, ?, ?)"));
    for (const auto* list : {&lots_points, &lots_growth}) {
      for (const Lot& l : *list) {
        rec.reset();
        rec.bind(1, id).bind(2, l.lot_id).bind(3, account_name(l.account)).bind(4, l.remaining);
        RETURN_IF_ERROR(rec.run());
        (l.account == Account::kPoints ? points_in_lots : growth_in_lots) += l.remaining;
      }
    }
  }
  // The lots move: the other lots by their member; an order's (its row) by its holder. Orders
  // applied before migration 11 keep their lots among the others and move by member_id.
  RETURN_IF_ERROR(exec2(db, "UPDATE loyalty_lots_other SET member_id = ?1 WHERE member_id = ?2",
                        survivor, merged));
  RETURN_IF_ERROR(exec2(db,
                        "UPDATE loyalty_orders SET holder = NULLIF(?1, member_id) WHERE "
                        "points_after IS NOT NULL AND (holder = ?2 OR (holder IS NULL AND "
                        "member_id = ?2))",
                        survivor, merged));
  RETURN_IF_ERROR(exec2(db,
                        "UPDATE loyalty_orders SET member_id = ?1 WHERE member_id = ?2 AND "
                        "points_after IS NULL",
                        survivor, merged));

  std::string reference = fmt::format("merge:{}", id);
  std::int64_t points = m.points, debt = m.points_debt, growth = m.growth;
  auto post = [&](std::string_view side, Account acc) {
    return Posting{Cause::kMerge, reference,
                   fmt::format("merge:{}:{}:{}", id, side, account_name(acc)), at,
                   fmt::format("member {} into {}", merged, survivor)};
  };
  std::int64_t in_entry = 0;
  if (points != 0 || debt != 0 || points_in_lots != 0) {
    RETURN_IF_ERROR(
        ledger.append(m, Account::kPoints, -points, post("out", Account::kPoints)).status());
    ASSIGN_OR_RETURN(in_entry,
                     ledger.append(s, Account::kPoints, points, post("in", Account::kPoints)));
  }
  if (growth != 0 || growth_in_lots != 0) {
    RETURN_IF_ERROR(
        ledger.append(m, Account::kGrowth, -growth, post("out", Account::kGrowth)).status());
    RETURN_IF_ERROR(
        ledger.append(s, Account::kGrowth, growth, post("in", Account::kGrowth)).status());
  }
  m.points_debt = 0;
  s.points_debt += debt;
  if (in_entry != 0) RETURN_IF_ERROR(ledger.settle_debt(s, in_entry, at));

  if (prog) {
    const Program& p = prog->program;
    int ts = std::max(0, p.tier_index(s.tier)), tm = std::max(0, p.tier_index(m.tier));
    ASSIGN_OR_RETURN(std::int64_t q, qualifying(ledger, p, zone, s, at));
    int target = std::max({ts, tm, p.tier_for_growth(q)});
    if (target > ts) RETURN_IF_ERROR(set_tier(db, s, p, target, at, "merge", reference));
    if (tm != 0) RETURN_IF_ERROR(set_tier(db, m, p, 0, at, "merge", reference));
  }
  m.grace_until.reset();
  RETURN_IF_ERROR(ledger.save(m, at));
  RETURN_IF_ERROR(ledger.save(s, at));

  ASSIGN_OR_RETURN(auto ins,
                   db.prepare("INSERT INTO loyalty_merges (merge_id, survivor_id, merged_id, "
                              "points, points_debt, growth, survivor_tier, merged_tier, at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  ins.bind(1, id)
      .bind(2, survivor)
      .bind(3, merged)
      .bind(4, points)
      .bind(5, debt)
      .bind(6, growth)
      .bind(7, survivor_tier)
      .bind(8, merged_tier)
      .bind(9, at.seconds);
  return ins.run();
}

Status LoyaltyMergeParticipant::on_unmerge(store::Database& db, MergeId id, MemberId from,
                                           MemberId restored) {
  RETURN_IF_ERROR(unmerge_wallet(db, id, from, restored));  // stored value and cashback
  RETURN_IF_ERROR(return_coupons_on_unmerge(db, id, from, restored));
  // Lots to give back: those the merge moved, and those of orders that are the restored
  // member's again — still held by `from`.
  constexpr const char* kLots =
      "SELECT lot_id, account, remaining FROM loyalty_lots WHERE member_id = ?1 AND ("
      "lot_id IN (SELECT lot_id FROM loyalty_merge_lots WHERE merge_id = ?3 AND direction = "
      "'merge') OR order_key IN (SELECT o.source || ':' || o.order_id FROM orders o "
      "WHERE o.member_id = ?2)) ORDER BY lot_id";
  struct Back {
    std::int64_t lot_id;
    std::string account;
    std::int64_t remaining;
  };
  std::vector<Back> back;
  {
    ASSIGN_OR_RETURN(auto st, db.prepare(kLots));
    st.bind(1, from).bind(2, restored).bind(3, id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      back.push_back(Back{st.column_int64(0), st.column_string(1), st.column_int64(2)});
    }
  }
  ASSIGN_OR_RETURN(auto lm, db.prepare("SELECT survivor_tier, merged_tier FROM loyalty_merges "
                                       "WHERE merge_id = ?"));
  lm.bind(1, id);
  ASSIGN_OR_RETURN(bool recorded, lm.step());
  std::string survivor_tier = recorded ? lm.column_string(0) : std::string();
  std::string merged_tier = recorded ? lm.column_string(1) : std::string();
  lm.reset();
  if (back.empty() && !recorded) return Status();

  ASSIGN_OR_RETURN(auto prog, program(db));
  ASSIGN_OR_RETURN(Instant at, merge_time(db, id, true));
  ASSIGN_OR_RETURN(TimeZone zone, store::merchant_time_zone(db));
  std::string base = prog ? prog->program.tiers.front().key : std::string();
  Ledger ledger(db, prog ? prog->version : 0);
  ASSIGN_OR_RETURN(AccountState f, ledger.load(from, base));
  ASSIGN_OR_RETURN(AccountState r, ledger.load(restored, base));
  if (!r.stored) r.tier_since = at;

  Moved moved;
  {
    ASSIGN_OR_RETURN(auto rec, db.prepare("INSERT INTO loyalty_merge_lots (merge_id, direction, "
                                          "lot_id, account, remaining) VALUES (?, 'unmerge', ?, "
                                          "?, ?)"));
    // A lot is another lot or an order's, whose row moves with it (its points lot has the
    // row's id, its growth lot the id + 1).
    ASSIGN_OR_RETURN(auto up, db.prepare("UPDATE loyalty_lots_other SET member_id = ? "
                                         "WHERE lot_id = ?"));
    ASSIGN_OR_RETURN(auto up_order,
                     db.prepare("UPDATE loyalty_orders SET holder = NULLIF(?1, member_id) "
                                "WHERE entry_id = ?2 AND points_after IS NOT NULL"));
    for (const Back& b : back) {
      rec.reset();
      rec.bind(1, id).bind(2, b.lot_id).bind(3, b.account).bind(4, b.remaining);
      RETURN_IF_ERROR(rec.run());
      up.reset();
      up.bind(1, restored).bind(2, b.lot_id);
      RETURN_IF_ERROR(up.run());
      if (db.changes() == 0) {
        up_order.reset();
        up_order.bind(1, restored).bind(2, b.account == "points" ? b.lot_id : b.lot_id - 1);
        RETURN_IF_ERROR(up_order.run());
      }
      (b.account == "points" ? moved.points : moved.growth) += b.remaining;
      ++moved.lots;
    }
  }
  // Orders that are the restored member's again go back with their lots (above); so does any
  // that earned nothing.
  RETURN_IF_ERROR(exec2(db,
                        "UPDATE loyalty_orders SET holder = NULLIF(?1, member_id) WHERE "
                        "points_after IS NOT NULL AND COALESCE(holder, member_id) = ?2 AND "
                        "order_key IN (SELECT source || ':' || order_id FROM orders "
                        "WHERE member_id = ?1)",
                        restored, from));
  RETURN_IF_ERROR(exec2(db,
                        "UPDATE loyalty_orders SET member_id = ?1 WHERE member_id = ?2 AND "
                        "points_after IS NULL AND order_key IN (SELECT source || ':' || "
                        "order_id FROM orders WHERE member_id = ?1)",
                        restored, from));
  std::string reference = fmt::format("merge:{}", id);
  auto post = [&](std::string_view side, Account acc) {
    return Posting{Cause::kUnmerge, reference,
                   fmt::format("unmerge:{}:{}:{}", id, side, account_name(acc)), at,
                   fmt::format("member {} back from {}", restored, from)};
  };
  if (moved.points != 0 || moved.lots > 0) {
    RETURN_IF_ERROR(
        ledger.append(f, Account::kPoints, -moved.points, post("out", Account::kPoints)).status());
    RETURN_IF_ERROR(
        ledger.append(r, Account::kPoints, moved.points, post("in", Account::kPoints)).status());
  }
  if (moved.growth != 0 || moved.lots > 0) {
    RETURN_IF_ERROR(
        ledger.append(f, Account::kGrowth, -moved.growth, post("out", Account::kGrowth)).status());
    RETURN_IF_ERROR(
        ledger.append(r, Account::kGrowth, moved.growth, post("in", Account::kGrowth)).status());
  }
  if (prog) {
    const Program& p = prog->program;
    ASSIGN_OR_RETURN(std::int64_t qr, qualifying(ledger, p, zone, r, at));
    int tr = std::max(std::max(0, p.tier_index(merged_tier)), p.tier_for_growth(qr));
    RETURN_IF_ERROR(set_tier(db, r, p, tr, at, "unmerge", reference));
    ASSIGN_OR_RETURN(std::int64_t qf, qualifying(ledger, p, zone, f, at));
    int cur = std::max(0, p.tier_index(f.tier));
    int tf =
        std::min(cur, std::max(std::max(0, p.tier_index(survivor_tier)), p.tier_for_growth(qf)));
    if (recorded) RETURN_IF_ERROR(set_tier(db, f, p, tf, at, "unmerge", reference));
  }
  RETURN_IF_ERROR(ledger.save(f, at));
  RETURN_IF_ERROR(ledger.save(r, at));
  ASSIGN_OR_RETURN(auto upd, db.prepare("UPDATE loyalty_merges SET undone_at = ?, "
                                        "returned_points = ?, returned_growth = ?, "
                                        "returned_lots = ? WHERE merge_id = ?"));
  upd.bind(1, at.seconds)
      .bind(2, moved.points)
      .bind(3, moved.growth)
      .bind(4, moved.lots)
      .bind(5, id);
  return upd.run();
}

void register_merge_participant(identity::Merger& merger) {
  static LoyaltyMergeParticipant participant;
  merger.add_participant(&participant);
}

}  // namespace recur::loyalty
