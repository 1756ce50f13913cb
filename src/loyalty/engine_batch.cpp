#include "loyalty/engine.h"

// Orders in bulk (apply_orders): the same effects as apply_order one order at a time, with the
// reads done for the whole batch at once and the writes gathered into multi-row statements.
//
// How it stays identical to one-by-one application:
//  - the earnings come from plan_order, as in apply_order, from the member's account, birthday
//    and the day's points as they stand after the orders before it (kept in memory);
//  - entry and lot ids are INTEGER PRIMARY KEYs, which SQLite gives as MAX + 1: the batch
//    assigns the same numbers explicitly, in the same order;
//  - the tier check adds the growth lots not yet written to the window read from the store;
//  - an order outside the simple case (its key applied before or earlier in the batch, a merged
//    or unknown member, points debt, a negative line) is applied by apply_order itself after
//    everything gathered so far is written, and its member is read again afterwards.

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "loyalty/engine_internal.h"

namespace recur::loyalty {
namespace {

// "?, ?, …" (n placeholders).
std::string placeholders(std::size_t n) {
  std::string s;
  s.reserve(n * 3);
  for (std::size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

// "head (?, …), (?, …) … tail": `rows` rows of `cols` values.
std::string rows_sql(std::string_view head, std::size_t cols, std::size_t rows,
                     std::string_view tail = {}) {
  std::string row(1, '(');
  row.append(placeholders(cols)).push_back(')');
  std::string s(head);
  s.reserve(head.size() + rows * (row.size() + 2) + tail.size());
  for (std::size_t r = 0; r < rows; ++r) {
    if (r) s += ", ";
    s += row;
  }
  s += tail;
  return s;
}

// Members looked up per statement: a list shorter than this repeats its last id (an IN list
// ignores repeats), so one prepared statement serves every lookup.
constexpr std::size_t kLookup = 500;
// Rows per multi-row INSERT; the rest of a batch goes in one statement prepared for its size.
constexpr std::size_t kRowsPerInsert = 200;

struct OrderRow {
  const OrderInput* in;
  MemberId member;
  std::int64_t day, points, growth;
  std::string tier, explain;
  std::int64_t applied_at;
  std::string lines;                    // loyalty/order_lines.h
  std::int64_t points_lot, growth_lot;  // 0: none
};

struct EntryRow {
  std::int64_t entry_id;
  MemberId member;
  Account account;
  std::int64_t amount, balance_after;
  std::string reference, key;
  Instant at;
};

struct LotRow {
  std::int64_t lot_id;
  MemberId member;
  Account account;
  std::int64_t amount;
  LotTerms terms;  // order_key views the input's key
  std::int64_t entry_id;
};

// What the batch knows of a member: its members row, account and order points per day.
struct MemberState {
  bool exists = false, merged = false;
  std::string birthday;
  AccountState account;
  bool dirty = false;                                     // changed since last written
  std::unordered_map<std::int32_t, std::int64_t> earned;  // paid_day -> order points
  LoyaltyEngine::UnsavedGrowth unsaved;                   // growth lots not yet written
};

// Runs `sql` (ending in an IN list of kLookup placeholders, then `extra` more bound by
// `bind_extra`) over `ids` in groups; `row` is called for each result row.
template <typename Extra, typename Row>
Status lookup(store::Database& db, const std::string& sql, const std::vector<std::int64_t>& ids,
              Extra bind_extra, Row row) {
  if (ids.empty()) return Status();
  ASSIGN_OR_RETURN(store::Statement * st, db.cached(sql));
  for (std::size_t i = 0; i < ids.size(); i += kLookup) {
    st->reset();
    for (std::size_t k = 0; k < kLookup; ++k)
      st->bind(static_cast<int>(k + 1), ids[std::min(ids.size() - 1, i + k)]);
    bind_extra(*st, static_cast<int>(kLookup + 1));
    while (true) {
      ASSIGN_OR_RETURN(bool r, st->step());
      if (!r) break;
      row(*st);
    }
  }
  st->reset();
  return Status();
}

// Inserts rows[0..n) with `bind(statement, first parameter, row)`, kRowsPerInsert per statement.
template <typename T, typename Bind>
Status insert_rows(store::Database& db, std::string_view head, std::size_t cols,
                   std::string_view tail, const std::vector<T>& rows, Bind bind) {
  for (std::size_t i = 0; i < rows.size();) {
    const std::size_t n = std::min(kRowsPerInsert, rows.size() - i);
    store::Statement one;
    store::Statement* st = nullptr;
    if (n == kRowsPerInsert) {
      ASSIGN_OR_RETURN(st, db.cached(rows_sql(head, cols, n, tail)));
    } else {
      ASSIGN_OR_RETURN(one, db.prepare(rows_sql(head, cols, n, tail)));
      st = &one;
    }
    for (std::size_t k = 0; k < n; ++k, ++i) bind(*st, static_cast<int>(k * cols + 1), rows[i]);
    RETURN_IF_ERROR(st->run());
  }
  return Status();
}

void bind_day(store::Statement& st, int index, const std::optional<Date>& d) {
  if (d)
    st.bind(index, static_cast<std::int64_t>(d->days));
  else
    st.bind(index, std::nullopt);
}

}  // namespace

Result<std::vector<OrderEffect>> LoyaltyEngine::apply_orders(
    const std::vector<OrderInput>& orders) {
  RETURN_IF_ERROR(engine_detail::require_tx(db_));
  std::vector<OrderEffect> effects;
  effects.reserve(orders.size());
  if (orders.empty()) return effects;
  const Program& p = program();
  const std::string& base_tier = p.tiers.front().key;

  // The batch's members, days and keys already applied.
  std::vector<std::int64_t> members;
  std::int32_t first_day = zone_.local_date(orders.front().paid_at).days, last_day = first_day;
  for (const OrderInput& o : orders) {
    if (o.member != kGuest) members.push_back(o.member);
    const std::int32_t d = zone_.local_date(o.paid_at).days;
    first_day = std::min(first_day, d);
    last_day = std::max(last_day, d);
  }
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());

  std::unordered_set<std::string_view> applied_keys;
  {
    static const std::string kSql =
        "SELECT order_key FROM loyalty_orders WHERE order_key IN (" + placeholders(kLookup) + ")";
    ASSIGN_OR_RETURN(store::Statement * st, db_.cached(kSql));
    for (std::size_t i = 0; i < orders.size(); i += kLookup) {
      st->reset();
      for (std::size_t k = 0; k < kLookup; ++k)
        st->bind_text_static(static_cast<int>(k + 1),
                             orders[std::min(orders.size() - 1, i + k)].key);
      while (true) {
        ASSIGN_OR_RETURN(bool r, st->step());
        if (!r) break;
        std::string_view key = st->column_text(0);
        for (std::size_t k = i; k < std::min(orders.size(), i + kLookup); ++k)
          if (orders[k].key == key) applied_keys.insert(orders[k].key);
      }
    }
    st->reset();
  }

  std::unordered_map<MemberId, MemberState> state;
  // Reads the members rows, accounts and order points per day of `ids` into `state`.
  auto load_members = [&](const std::vector<std::int64_t>& ids) -> Status {
    static const std::string kMembers =
        "SELECT member_id, merged_into, birthday FROM members WHERE member_id IN (" +
        placeholders(kLookup) + ")";
    static const std::string kAccounts =
        "SELECT member_id, points, points_debt, growth, tier, tier_since, grace_until_day, "
        "period_start_day, evaluated_day FROM loyalty_accounts WHERE member_id IN (" +
        placeholders(kLookup) + ")";
    static const std::string kEarned =
        "SELECT member_id, paid_day, SUM(points) FROM loyalty_orders WHERE member_id IN (" +
        placeholders(kLookup) + ") AND paid_day BETWEEN ? AND ? GROUP BY member_id, paid_day";
    auto none = [](store::Statement&, int) {};
    for (std::int64_t id : ids) {
      MemberState& m = state[id];
      m.account.member = id;
      m.account.tier = base_tier;
    }
    RETURN_IF_ERROR(lookup(db_, kMembers, ids, none, [&](store::Statement& st) {
      MemberState& m = state[st.column_int64(0)];
      m.exists = true;
      m.merged = !st.column_is_null(1);
      if (!st.column_is_null(2)) m.birthday = st.column_string(2);
    }));
    RETURN_IF_ERROR(lookup(db_, kAccounts, ids, none, [&](store::Statement& st) {
      ledger_.read_account(st, 1, state[st.column_int64(0)].account);
    }));
    if (p.points.earn.daily_cap > 0)
      RETURN_IF_ERROR(lookup(
          db_, kEarned, ids,
          [&](store::Statement& st, int at) {
            st.bind(at, std::int64_t{first_day}).bind(at + 1, std::int64_t{last_day});
          },
          [&](store::Statement& st) {
            state[st.column_int64(0)].earned[static_cast<std::int32_t>(st.column_int64(1))] =
                st.column_int64(2);
          }));
    return Status();
  };
  RETURN_IF_ERROR(load_members(members));

  // Rows gathered and not yet written.
  std::vector<OrderRow> order_rows;
  std::vector<EntryRow> entry_rows;
  std::vector<LotRow> lot_rows;
  std::vector<MemberId> dirty;
  std::int64_t next_entry = 0, next_lot = 0;  // 0: read from the store before the next row

  auto flush = [&]() -> Status {
    RETURN_IF_ERROR(insert_rows(
        db_,
        "INSERT INTO loyalty_orders (order_key, order_pk, member_id, paid_at, paid_day, "
        "amount_fen, points, growth, tier, multipliers, program_version, applied_at, lines, "
        "points_lot, growth_lot) VALUES ",
        15, {}, order_rows, [&](store::Statement& st, int c, const OrderRow& r) {
          st.bind_text_static(c, r.in->key);
          if (r.in->order_pk > 0)
            st.bind(c + 1, r.in->order_pk);
          else
            st.bind(c + 1, std::nullopt);
          Fen total = 0;
          for (const OrderLineInput& l : r.in->lines) total += l.amount;
          st.bind(c + 2, r.member)
              .bind(c + 3, r.in->paid_at.seconds)
              .bind(c + 4, r.day)
              .bind(c + 5, total)
              .bind(c + 6, r.points)
              .bind(c + 7, r.growth)
              .bind_text_static(c + 8, r.tier)
              .bind_text_static(c + 9, r.explain)
              .bind(c + 10, active_.version)
              .bind(c + 11, r.applied_at)
              .bind_text_static(c + 12, r.lines);
          for (int k = 0; k < 2; ++k) {
            const std::int64_t lot = k == 0 ? r.points_lot : r.growth_lot;
            if (lot > 0)
              st.bind(c + 13 + k, lot);
            else
              st.bind(c + 13 + k, std::nullopt);
          }
        }));
    RETURN_IF_ERROR(
        insert_rows(db_,
                    "INSERT INTO loyalty_entries (entry_id, member_id, account, cause, amount, "
                    "balance_after, reference, idem_key, at, program_version, note) VALUES ",
                    11, {}, entry_rows, [&](store::Statement& st, int c, const EntryRow& r) {
                      st.bind(c, r.entry_id)
                          .bind(c + 1, r.member)
                          .bind_text_static(c + 2, account_name(r.account))
                          .bind_text_static(c + 3, cause_name(Cause::kOrder))
                          .bind(c + 4, r.amount)
                          .bind(c + 5, r.balance_after)
                          .bind_optional_static(c + 6, r.reference)
                          .bind_optional_static(c + 7, r.key)
                          .bind(c + 8, r.at.seconds)
                          .bind(c + 9, active_.version)
                          .bind(c + 10, std::nullopt);
                    }));
    RETURN_IF_ERROR(insert_rows(
        db_,
        "INSERT INTO loyalty_lots (lot_id, member_id, account, earned, remaining, earned_at, "
        "usable_from, expires_at, entry_id, order_key, origin_member) VALUES ",
        11, {}, lot_rows, [&](store::Statement& st, int c, const LotRow& r) {
          st.bind(c, r.lot_id)
              .bind(c + 1, r.member)
              .bind_text_static(c + 2, account_name(r.account))
              .bind(c + 3, r.amount)
              .bind(c + 4, r.amount)
              .bind(c + 5, r.terms.earned_at.seconds)
              .bind(c + 6, r.terms.usable_from.seconds);
          if (r.terms.expires_at)
            st.bind(c + 7, r.terms.expires_at->seconds);
          else
            st.bind(c + 7, std::nullopt);
          st.bind(c + 8, r.entry_id)
              .bind_optional_static(c + 9, r.terms.order_key)
              .bind(c + 10, r.member);
        }));
    const std::int64_t now = clock_.now().seconds;
    RETURN_IF_ERROR(insert_rows(
        db_,
        "INSERT INTO loyalty_accounts (member_id, points, points_debt, growth, tier, "
        "tier_since, grace_until_day, period_start_day, evaluated_day, updated_at) VALUES ",
        10,
        " ON CONFLICT (member_id) DO UPDATE SET points = excluded.points, "
        "points_debt = excluded.points_debt, growth = excluded.growth, tier = excluded.tier, "
        "tier_since = excluded.tier_since, grace_until_day = excluded.grace_until_day, "
        "period_start_day = excluded.period_start_day, evaluated_day = excluded.evaluated_day, "
        "updated_at = excluded.updated_at",
        dirty, [&](store::Statement& st, int c, MemberId id) {
          const AccountState& a = state.at(id).account;
          st.bind(c, a.member)
              .bind(c + 1, a.points)
              .bind(c + 2, a.points_debt)
              .bind(c + 3, a.growth)
              .bind_text_static(c + 4, a.tier)
              .bind(c + 5, a.tier_since.seconds);
          bind_day(st, c + 6, a.grace_until);
          bind_day(st, c + 7, a.period_start);
          bind_day(st, c + 8, a.evaluated);
          st.bind(c + 9, now);
        }));
    for (MemberId id : dirty) {
      MemberState& m = state.at(id);
      m.dirty = false;
      m.unsaved.clear();
    }
    order_rows.clear();
    entry_rows.clear();
    lot_rows.clear();
    dirty.clear();
    return Status();
  };

  for (const OrderInput& in : orders) {
    auto it = in.member == kGuest ? state.end() : state.find(in.member);
    if (in.member != kGuest && it == state.end()) {  // read again after a fallback
      RETURN_IF_ERROR(load_members({in.member}));
      it = state.find(in.member);
    }
    const bool simple = it != state.end() && it->second.exists && !it->second.merged &&
                        it->second.account.points_debt == 0 && !applied_keys.count(in.key) &&
                        std::none_of(in.lines.begin(), in.lines.end(),
                                     [](const OrderLineInput& l) { return l.amount < 0; }) &&
                        !in.key.empty() && in.key.size() <= 200;
    if (!simple) {
      RETURN_IF_ERROR(flush());
      ASSIGN_OR_RETURN(OrderEffect e, apply_order(in));
      state.erase(in.member);
      state.erase(e.member);
      next_entry = next_lot = 0;
      effects.push_back(std::move(e));
      continue;
    }
    applied_keys.insert(in.key);  // the same key again in this batch is a replay
    MemberState& m = it->second;
    AccountState& a = m.account;
    if (!a.stored) {
      start_account(a, in.paid_at);
      a.stored = true;  // the row the first order writes
    }
    OrderEffect e;
    e.key = in.key;
    e.member = in.member;
    e.tier_before = a.tier;
    std::int64_t& earned = m.earned[zone_.local_date(in.paid_at).days];
    OrderPlan plan = plan_order(in, a, m.birthday, earned);
    e.points = plan.earning.points;
    e.points_uncapped = plan.earning.points_uncapped;
    e.growth = plan.earning.growth;
    e.explain = plan.earning.explain;
    earned += e.points;

    if (!plan.credits.empty() && next_entry == 0) {
      ASSIGN_OR_RETURN(next_entry, db_.query_int("SELECT MAX(entry_id) FROM loyalty_entries"));
      ASSIGN_OR_RETURN(next_lot, db_.query_int("SELECT MAX(lot_id) FROM loyalty_lots"));
      ++next_entry;
      ++next_lot;
    }
    std::int64_t lot_ids[2] = {0, 0};  // points, growth
    for (OrderPlan::Credit& c : plan.credits) {
      lot_ids[c.account == Account::kPoints ? 0 : 1] = next_lot;
      std::int64_t& balance = c.account == Account::kPoints ? a.points : a.growth;
      balance += c.amount;
      entry_rows.push_back(EntryRow{next_entry, in.member, c.account, c.amount, balance,
                                    c.post.reference, std::move(c.post.key), c.post.at});
      lot_rows.push_back(LotRow{next_lot++, in.member, c.account, c.amount, c.terms, next_entry++});
      if (c.account == Account::kGrowth) m.unsaved.emplace_back(c.terms.earned_at, c.amount);
    }
    RETURN_IF_ERROR(maybe_upgrade(a, in.paid_at, plan.reference, &m.unsaved));
    order_rows.push_back(
        OrderRow{&in, in.member, plan.day.days, e.points, e.growth, e.tier_before,
                 std::move(plan.earning.explain), clock_.now().seconds,
                 encode_order_lines(engine_detail::order_line_records(in, plan.earning)),
                 lot_ids[0], lot_ids[1]});
    if (!m.dirty) {
      m.dirty = true;
      dirty.push_back(in.member);
    }
    e.tier_after = a.tier;
    effects.push_back(std::move(e));
  }
  RETURN_IF_ERROR(flush());
  return effects;
}

}  // namespace recur::loyalty
