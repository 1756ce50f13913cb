#include "loyalty/ledger.h"

#include <fmt/format.h>

#include <algorithm>

namespace recur::loyalty {

std::string_view account_name(Account a) {
  return a == Account::kPoints ? "points" : "growth";
}

std::string_view cause_name(Cause c) {
  switch (c) {
    case Cause::kOrder:
      return "order";
    case Cause::kRefund:
      return "refund";
    case Cause::kTask:
      return "task";
    case Cause::kRedemption:
      return "redemption";
    case Cause::kExchange:
      return "exchange";
    case Cause::kAdjustment:
      return "adjustment";
    case Cause::kExpiry:
      return "expiry";
    case Cause::kMerge:
      return "merge";
    case Cause::kUnmerge:
      return "unmerge";
    case Cause::kBirthday:
      return "birthday";
  }
  return "?";
}

namespace {

std::optional<Date> opt_day(const store::Statement& st, int col) {
  if (st.column_is_null(col)) return std::nullopt;
  return Date{static_cast<std::int32_t>(st.column_int64(col))};
}

void bind_day(store::Statement& st, int index, const std::optional<Date>& d) {
  if (d)
    st.bind(index, static_cast<std::int64_t>(d->days));
  else
    st.bind(index, std::nullopt);
}

}  // namespace

Result<AccountState> Ledger::load(MemberId member, std::string_view base_tier) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   cache_.get("SELECT points, points_debt, growth, tier, tier_since, "
                              "grace_until_day, period_start_day, evaluated_day "
                              "FROM loyalty_accounts WHERE member_id = ?"));
  st->bind(1, member);
  AccountState a;
  a.member = member;
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) {
    a.tier = std::string(base_tier);
    return a;
  }
  read_account(*st, 0, a);
  st->reset();
  return a;
}

void Ledger::read_account(const store::Statement& st, int col, AccountState& a) {
  a.stored = true;
  a.points = st.column_int64(col);
  a.points_debt = st.column_int64(col + 1);
  a.growth = st.column_int64(col + 2);
  a.tier = st.column_string(col + 3);
  a.tier_since = Instant{st.column_int64(col + 4)};
  a.grace_until = opt_day(st, col + 5);
  a.period_start = opt_day(st, col + 6);
  a.evaluated = opt_day(st, col + 7);
}

Status Ledger::save(const AccountState& a, Instant at) {
  ASSIGN_OR_RETURN(
      store::Statement * st,
      cache_.get(
          "INSERT INTO loyalty_accounts (member_id, points, points_debt, growth, tier, "
          "tier_since, grace_until_day, period_start_day, evaluated_day, updated_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET "
          "points = excluded.points, points_debt = excluded.points_debt, "
          "growth = excluded.growth, tier = excluded.tier, tier_since = excluded.tier_since, "
          "grace_until_day = excluded.grace_until_day, "
          "period_start_day = excluded.period_start_day, "
          "evaluated_day = excluded.evaluated_day, updated_at = excluded.updated_at"));
  st->bind(1, a.member)
      .bind(2, a.points)
      .bind(3, a.points_debt)
      .bind(4, a.growth)
      .bind_text_static(5, a.tier)
      .bind(6, a.tier_since.seconds);
  bind_day(*st, 7, a.grace_until);
  bind_day(*st, 8, a.period_start);
  bind_day(*st, 9, a.evaluated);
  st->bind(10, at.seconds);
  return st->run();
}

Result<std::int64_t> Ledger::append(AccountState& a, Account account, std::int64_t amount,
                                    const Posting& p) {
  if (!db_.in_transaction()) return internal_error("loyalty ledger written outside a transaction");
  std::int64_t& balance = account == Account::kPoints ? a.points : a.growth;
  static const std::string kSql =
      std::string(
          "INSERT INTO loyalty_entries_other (entry_id, member_id, account, cause, amount, "
          "balance_after, reference, idem_key, at, program_version, note) VALUES (") +
      kNextEntryIdSql + ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  ASSIGN_OR_RETURN(store::Statement * st, cache_.get_built(kSql));
  st->bind(1, a.member)
      .bind_text_static(2, account_name(account))
      .bind_text_static(3, cause_name(p.cause))
      .bind(4, amount)
      .bind(5, balance + amount)
      .bind_optional_static(6, p.reference)
      .bind_optional_static(7, p.key)
      .bind(8, p.at.seconds)
      .bind(9, version_)
      .bind_optional_static(10, p.note);
  Status s = st->run();
  if (!s.ok()) {
    if (s.code() == StatusCode::kAlreadyExists)
      return Status(StatusCode::kAlreadyExists,
                    fmt::format("ledger entry '{}' was already written", p.key));
    return s;
  }
  balance += amount;
  return db_.last_insert_rowid();
}

Status Ledger::use_lot(std::int64_t lot_id, Account account, MemberId member, std::int64_t amount,
                       std::int64_t entry_id) {
  ASSIGN_OR_RETURN(store::Statement * up,
                   cache_.get("UPDATE loyalty_lots_other SET remaining = remaining - ?1 "
                              "WHERE lot_id = ?2 AND remaining >= ?1"));
  up->bind(1, amount).bind(2, lot_id);
  RETURN_IF_ERROR(up->run());
  if (db_.changes() != 1) {  // an order's lot: its points lot has its id, its growth lot id + 1
    ASSIGN_OR_RETURN(
        store::Statement * order,
        account == Account::kPoints
            ? cache_.get("UPDATE loyalty_orders SET points_remaining = points_remaining - ?1 "
                         "WHERE entry_id = ?2 AND points_after IS NOT NULL AND "
                         "points_remaining >= ?1")
            : cache_.get("UPDATE loyalty_orders SET growth_remaining = growth_remaining - ?1 "
                         "WHERE entry_id = ?2 - 1 AND growth_after IS NOT NULL AND "
                         "growth_remaining >= ?1"));
    order->bind(1, amount).bind(2, lot_id);
    RETURN_IF_ERROR(order->run());
    if (db_.changes() != 1)
      return internal_error(fmt::format("lot {} holds less than {}", lot_id, amount));
  }
  ASSIGN_OR_RETURN(store::Statement * ins,
                   cache_.get("INSERT INTO loyalty_lot_usage (entry_id, lot_id, member_id, amount) "
                              "VALUES (?, ?, ?, ?)"));
  ins->bind(1, entry_id).bind(2, lot_id).bind(3, member).bind(4, amount);
  return ins->run();
}

Result<std::int64_t> Ledger::credit(AccountState& a, Account account, std::int64_t amount,
                                    const Posting& p, const LotTerms& terms) {
  if (amount <= 0) return internal_error(fmt::format("credit of {} (must be positive)", amount));
  ASSIGN_OR_RETURN(std::int64_t entry, append(a, account, amount, p));
  std::int64_t repay = account == Account::kPoints ? std::min(amount, a.points_debt) : 0;
  ASSIGN_OR_RETURN(
      store::Statement * st,
      cache_.get("INSERT INTO loyalty_lots_other (lot_id, member_id, account, earned, remaining, "
                 "earned_at, usable_from, expires_at, entry_id, order_key, origin_member) "
                 "VALUES (?11, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  st->bind(1, a.member)
      .bind_text_static(2, account_name(account))
      .bind(3, amount)
      .bind(4, amount)
      .bind(5, terms.earned_at.seconds)
      .bind(6, terms.usable_from.seconds);
  if (terms.expires_at)
    st->bind(7, terms.expires_at->seconds);
  else
    st->bind(7, std::nullopt);
  st->bind(8, entry).bind_optional_static(9, terms.order_key).bind(10, a.member).bind(11, entry);
  RETURN_IF_ERROR(st->run());
  const std::int64_t lot = entry;  // a lot's id is its entry's
  if (repay > 0) {
    RETURN_IF_ERROR(use_lot(lot, account, a.member, repay, entry));
    a.points_debt -= repay;
  }
  return lot;
}

Result<std::vector<std::pair<std::int64_t, std::int64_t>>> Ledger::pick(
    MemberId member, Account account, LotOrder order, Instant at, std::string_view order_key) {
  // Each branch names its literal: the cache keys statements by the literal's address.
  auto statement = [&]() -> Result<store::Statement*> {
    if (!order_key.empty()) {
      return cache_.get(
          "SELECT lot_id, remaining FROM loyalty_lots WHERE member_id = ?1 AND account = ?2 AND "
          "order_key = ?4 AND remaining > 0 AND (expires_at IS NULL OR expires_at > ?3) "
          "ORDER BY lot_id");
    } else if (order == LotOrder::kSpend) {
      return cache_.get(
          "SELECT lot_id, remaining FROM loyalty_lots WHERE member_id = ?1 AND account = ?2 AND "
          "remaining > 0 AND usable_from <= ?3 AND (expires_at IS NULL OR expires_at > ?3) "
          "ORDER BY expires_at IS NULL, expires_at, usable_from, lot_id");
    } else if (order == LotOrder::kLive) {
      return cache_.get(
          "SELECT lot_id, remaining FROM loyalty_lots WHERE member_id = ?1 AND account = ?2 AND "
          "remaining > 0 AND (expires_at IS NULL OR expires_at > ?3) "
          "ORDER BY expires_at IS NULL, expires_at, usable_from, lot_id");
    } else {
      return cache_.get(
          "SELECT lot_id, remaining FROM loyalty_lots WHERE member_id = ?1 AND account = ?2 AND "
          "remaining > 0 AND (expires_at IS NULL OR expires_at > ?3) "
          "ORDER BY earned_at DESC, lot_id DESC");
    }
  };
  ASSIGN_OR_RETURN(store::Statement * st, statement());
  st->bind(1, member).bind_text_static(2, account_name(account)).bind(3, at.seconds);
  if (!order_key.empty()) st->bind(4, order_key);
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.emplace_back(st->column_int64(0), st->column_int64(1));
  }
  st->reset();
  return out;
}

Result<Debit> Ledger::debit(AccountState& a, Account account, std::int64_t amount, const Posting& p,
                            LotOrder order, Shortfall shortfall,
                            std::string_view prefer_order_key) {
  Debit d;
  if (amount <= 0) return d;
  std::vector<std::pair<std::int64_t, std::int64_t>> plan;  // (lot, amount)
  std::int64_t need = amount;
  auto take_from = [&](const std::vector<std::pair<std::int64_t, std::int64_t>>& lots) {
    for (const auto& [lot, remaining] : lots) {
      if (need == 0) break;
      if (std::any_of(plan.begin(), plan.end(), [&](const auto& x) { return x.first == lot; }))
        continue;
      std::int64_t t = std::min(need, remaining);
      plan.emplace_back(lot, t);
      need -= t;
    }
  };
  if (!prefer_order_key.empty()) {
    ASSIGN_OR_RETURN(auto own, pick(a.member, account, order, p.at, prefer_order_key));
    take_from(own);
  }
  if (need > 0) {
    ASSIGN_OR_RETURN(auto rest, pick(a.member, account, order, p.at, {}));
    take_from(rest);
  }
  d.taken = amount - need;
  if (need > 0) {
    switch (shortfall) {
      case Shortfall::kFail:
        return failed_precondition(
            fmt::format("member {} has {} {} available, {} needed (余额不足)", a.member, d.taken,
                        account_name(account), amount));
      case Shortfall::kDebt:
        if (account != Account::kPoints) return internal_error("only points can be owed");
        d.debt = need;
        break;
      case Shortfall::kPartial:
        d.short_by = need;
        break;
    }
  }
  if (d.taken + d.debt == 0) return d;
  ASSIGN_OR_RETURN(d.entry_id, append(a, account, -(d.taken + d.debt), p));
  for (const auto& [lot, t] : plan) RETURN_IF_ERROR(use_lot(lot, account, a.member, t, d.entry_id));
  a.points_debt += d.debt;
  return d;
}

Status Ledger::settle_debt(AccountState& a, std::int64_t entry_id, Instant at) {
  if (a.points_debt <= 0) return Status();
  ASSIGN_OR_RETURN(auto lots, pick(a.member, Account::kPoints, LotOrder::kLive, at, {}));
  for (const auto& [lot, remaining] : lots) {
    if (a.points_debt == 0) break;
    std::int64_t t = std::min(a.points_debt, remaining);
    RETURN_IF_ERROR(use_lot(lot, Account::kPoints, a.member, t, entry_id));
    a.points_debt -= t;
  }
  return Status();
}

Status Ledger::expire(AccountState& a, const std::vector<Lot>& lots, const Posting& p) {
  std::int64_t total = 0;
  for (const Lot& l : lots) total += std::max<std::int64_t>(0, l.remaining);
  if (total == 0) return Status();
  ASSIGN_OR_RETURN(std::int64_t entry, append(a, Account::kPoints, -total, p));
  for (const Lot& l : lots)
    if (l.remaining > 0)
      RETURN_IF_ERROR(use_lot(l.lot_id, Account::kPoints, a.member, l.remaining, entry));
  return Status();
}

Result<std::int64_t> Ledger::usable_points(MemberId member, Instant at) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   cache_.get("SELECT COALESCE(SUM(remaining), 0) FROM loyalty_lots "
                              "WHERE member_id = ?1 AND account = 'points' AND remaining > 0 AND "
                              "usable_from <= ?2 AND (expires_at IS NULL OR expires_at > ?2)"));
  st->bind(1, member).bind(2, at.seconds);
  ASSIGN_OR_RETURN(bool row, st->step());
  std::int64_t v = row ? st->column_int64(0) : 0;
  st->reset();
  return v;
}

Result<std::int64_t> Ledger::pending_points(MemberId member, Instant at) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   cache_.get("SELECT COALESCE(SUM(remaining), 0) FROM loyalty_lots "
                              "WHERE member_id = ?1 AND account = 'points' AND remaining > 0 AND "
                              "usable_from > ?2 AND (expires_at IS NULL OR expires_at > ?2)"));
  st->bind(1, member).bind(2, at.seconds);
  ASSIGN_OR_RETURN(bool row, st->step());
  std::int64_t v = row ? st->column_int64(0) : 0;
  st->reset();
  return v;
}

Result<std::int64_t> Ledger::growth_between(MemberId member, Instant from, Instant to) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   cache_.get("SELECT COALESCE(SUM(remaining), 0) FROM loyalty_lots "
                              "WHERE member_id = ? AND account = 'growth' AND earned_at >= ? AND "
                              "earned_at < ?"));
  st->bind(1, member).bind(2, from.seconds).bind(3, to.seconds);
  ASSIGN_OR_RETURN(bool row, st->step());
  std::int64_t v = row ? st->column_int64(0) : 0;
  st->reset();
  return v;
}

Result<std::vector<Lot>> Ledger::lots(MemberId member, Account account, bool open_only) {
  ASSIGN_OR_RETURN(
      store::Statement * st,
      cache_.get("SELECT lot_id, earned, remaining, earned_at, usable_from, expires_at, order_key "
                 "FROM loyalty_lots WHERE member_id = ?1 AND account = ?2 AND "
                 "(?3 = 0 OR remaining > 0) "
                 "ORDER BY expires_at IS NULL, expires_at, usable_from, lot_id"));
  st->bind(1, member).bind_text_static(2, account_name(account)).bind(3, open_only ? 1 : 0);
  std::vector<Lot> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    Lot l;
    l.lot_id = st->column_int64(0);
    l.member = member;
    l.account = account;
    l.earned = st->column_int64(1);
    l.remaining = st->column_int64(2);
    l.earned_at = Instant{st->column_int64(3)};
    l.usable_from = Instant{st->column_int64(4)};
    if (!st->column_is_null(5)) l.expires_at = Instant{st->column_int64(5)};
    l.order_key = st->column_string(6);
    out.push_back(std::move(l));
  }
  st->reset();
  return out;
}

Result<std::optional<Lot>> Ledger::points_lot(std::int64_t lot_id) {
  // account = 'points' leaves the view's growth branches out: their ids are entry_id + 1,
  // which no index answers.
  ASSIGN_OR_RETURN(store::Statement * st,
                   cache_.get("SELECT member_id, earned, remaining, earned_at, usable_from, "
                              "expires_at, order_key FROM loyalty_lots "
                              "WHERE lot_id = ? AND account = 'points'"));
  st->bind(1, lot_id);
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return std::optional<Lot>();
  Lot l;
  l.lot_id = lot_id;
  l.member = st->column_int64(0);
  l.earned = st->column_int64(1);
  l.remaining = st->column_int64(2);
  l.earned_at = Instant{st->column_int64(3)};
  l.usable_from = Instant{st->column_int64(4)};
  if (!st->column_is_null(5)) l.expires_at = Instant{st->column_int64(5)};
  l.order_key = st->column_string(6);
  st->reset();
  return std::optional<Lot>(std::move(l));
}

Result<std::int64_t> next_entry_id(store::Database& db) {
  static const std::string kSql = std::string("SELECT ") + kNextEntryIdSql;
  ASSIGN_OR_RETURN(store::Statement * st, db.cached(kSql));
  ASSIGN_OR_RETURN(bool row, st->step());
  const std::int64_t id = row ? st->column_int64(0) : 1;
  st->reset();
  return id;
}

}  // namespace recur::loyalty
