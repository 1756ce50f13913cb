#include "loyalty/engine.h"

// Orders in bulk (apply_orders, and OrderBatch for a batch that comes in parts): the same
// effects as apply_order one order at a time, with the reads done once per member and the writes
// gathered into multi-row statements. Each part's order rows are written when the part is done;
// the members' accounts once, by finish().
//
// How it stays identical to one-by-one application:
//  - the earnings come from plan_order, as in apply_order, from the member's account, birthday
//    and the day's points as they stand after the orders before it (kept in memory);
//  - an order's row takes the next two entry ids (ledger.h, kNextEntryIdSql): the batch reads
//    the sequence once and numbers its rows the same way, in the same order;
//  - the tier check sums the member's growth lots in memory: the store's, read with the member,
//    and those the batch added (nothing else changes them while the batch runs);
//  - an order outside the simple case (its key applied before or earlier in the batch, a merged
//    or unknown member, points debt, a negative line) is applied by
//    apply_order itself after everything gathered so far is written, and its member is read again
//    afterwards.

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "loyalty/engine_internal.h"
#include "loyalty/in_list.h"

namespace recur::loyalty {
namespace {

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

// Rows per multi-row INSERT; the rest of a batch goes in one statement prepared for its size.
constexpr std::size_t kRowsPerInsert = 200;

using engine_detail::OrderRow;

// What the batch knows of a member: its members row, account and order points per day.
struct MemberState {
  bool exists = false, merged = false;
  std::string birthday;
  AccountState account;
  bool dirty = false;  // changed since last written
  // (paid_day, order points) for the days the member ordered on: a few per batch, found from
  // the back since orders come in time order (a hash map per member allocated for every order).
  std::vector<std::pair<std::int32_t, std::int64_t>> earned;
  LoyaltyEngine::GrowthLots growth;  // every growth lot, read with the member (not lifetime)
};

// The member's order points on `day`, 0 if none yet (and from then on in `m.earned`).
std::int64_t& earned_on(MemberState& m, std::int32_t day) {
  for (auto it = m.earned.rbegin(); it != m.earned.rend(); ++it)
    if (it->first == day) return it->second;
  return m.earned.emplace_back(day, 0).second;
}

// Inserts rows[0..n) with `bind(statement, first parameter, row)`, kRowsPerInsert per statement.
template <typename T, typename Bind>
Status insert_rows(store::Database& db, std::string_view head, std::size_t cols,
                   std::string_view tail, const std::vector<T>& rows, Bind bind) {
  for (std::size_t i = 0; i < rows.size();) {
    // kRowsPerInsert rows per statement; the rest in powers of two (a statement for each size,
    // prepared once): preparing a statement for each odd count cost more than it saved (an
    // apply with many refunds writes a few rows before each), and one by one costs three times
    // what a long statement does per row.
    const std::size_t left = rows.size() - i;
    std::size_t n = kRowsPerInsert;
    if (left < kRowsPerInsert) {
      n = 1;
      while (n * 2 <= left) n *= 2;
    }
    ASSIGN_OR_RETURN(store::Statement * st, db.cached(rows_sql(head, cols, n, tail)));
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

// What a batch keeps between its parts: the members it has read, the rows not yet written.
struct LoyaltyEngine::OrderBatch::State {
  std::unordered_map<MemberId, MemberState> members;
  // The days whose order points per member were read with the members (the daily cap); a part
  // with days outside them writes everything and starts over.
  std::int32_t first_day = 0, last_day = -1;
  std::vector<OrderRow> order_rows;
  std::vector<MemberId> dirty;  // accounts changed since last written
  std::int64_t next_entry = 0;  // 0: read from the store before the next row
};

LoyaltyEngine::OrderBatch::OrderBatch(LoyaltyEngine& engine, std::optional<DateRange> days)
    : engine_(engine), s_(std::make_unique<State>()) {
  if (days) {
    s_->first_day = days->first.days;
    s_->last_day = days->last.days;
  }
}

LoyaltyEngine::OrderBatch::~OrderBatch() = default;

Result<std::vector<OrderEffect>> LoyaltyEngine::apply_orders(
    const std::vector<OrderInput>& orders) {
  OrderBatch batch(*this);
  ASSIGN_OR_RETURN(std::vector<OrderEffect> effects, batch.add(orders));
  RETURN_IF_ERROR(batch.finish());
  return effects;
}

Status LoyaltyEngine::OrderBatch::write_orders() {
  LoyaltyEngine& en = engine_;
  RETURN_IF_ERROR(insert_rows(en.db_, engine_detail::kOrderRowInsert,
                              engine_detail::kOrderRowColumns, {}, s_->order_rows,
                              [&](store::Statement& st, int c, const OrderRow& r) {
                                engine_detail::bind_order_row(st, c, r, en.active_.version);
                              }));
  s_->order_rows.clear();
  return Status();
}

Status LoyaltyEngine::OrderBatch::finish() {
  LoyaltyEngine& en = engine_;
  RETURN_IF_ERROR(write_orders());
  const std::int64_t now = en.clock_.now().seconds;
  RETURN_IF_ERROR(insert_rows(
      en.db_,
      "INSERT INTO loyalty_accounts (member_id, points, points_debt, growth, tier, "
      "tier_since, grace_until_day, period_start_day, evaluated_day, updated_at) VALUES ",
      10,
      " ON CONFLICT (member_id) DO UPDATE SET points = excluded.points, "
      "points_debt = excluded.points_debt, growth = excluded.growth, tier = excluded.tier, "
      "tier_since = excluded.tier_since, grace_until_day = excluded.grace_until_day, "
      "period_start_day = excluded.period_start_day, evaluated_day = excluded.evaluated_day, "
      "updated_at = excluded.updated_at",
      s_->dirty, [&](store::Statement& st, int c, MemberId id) {
        const AccountState& a = s_->members.at(id).account;
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
  for (MemberId id : s_->dirty) s_->members.at(id).dirty = false;
  s_->dirty.clear();
  return Status();
}

void LoyaltyEngine::OrderBatch::forget(MemberId member) {
  s_->members.erase(member);
  s_->next_entry = 0;
}

Result<std::vector<OrderEffect>> LoyaltyEngine::OrderBatch::add(
    const std::vector<OrderInput>& orders, bool keys_new) {
  LoyaltyEngine& en = engine_;
  RETURN_IF_ERROR(engine_detail::require_tx(en.db_));
  std::vector<OrderEffect> effects;
  effects.reserve(orders.size());
  if (orders.empty()) return effects;
  const Program& p = en.program();
  const std::string& base_tier = p.tiers.front().key;
  State& s = *s_;

  // The part's members, days and keys already applied.
  std::vector<std::int64_t> members;
  std::int32_t first_day = en.zone_.local_date(orders.front().paid_at).days, last_day = first_day;
  for (const OrderInput& o : orders) {
    if (o.member != kGuest) members.push_back(o.member);
    const std::int32_t d = en.zone_.local_date(o.paid_at).days;
    first_day = std::min(first_day, d);
    last_day = std::max(last_day, d);
  }
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  if (s.first_day > s.last_day) {  // the first part
    s.first_day = first_day;
    s.last_day = last_day;
  } else if (first_day < s.first_day || last_day > s.last_day) {
    RETURN_IF_ERROR(finish());  // the members' daily sums read so far do not cover these days
    s.members.clear();
    s.first_day = std::min(first_day, s.first_day);
    s.last_day = std::max(last_day, s.last_day);
  }

  std::unordered_set<std::string_view> applied_keys;
  if (!keys_new) {
    applied_keys.reserve(orders.size());
    static const std::string kSql =
        "SELECT order_key FROM loyalty_orders WHERE order_key IN (" + placeholders(kInList) + ")";
    ASSIGN_OR_RETURN(store::Statement * st, en.db_.cached(kSql));
    for (std::size_t i = 0; i < orders.size(); i += kInList) {
      st->reset();
      for (std::size_t k = 0; k < kInList; ++k)
        st->bind_text_static(static_cast<int>(k + 1),
                             orders[std::min(orders.size() - 1, i + k)].key);
      while (true) {
        ASSIGN_OR_RETURN(bool r, st->step());
        if (!r) break;
        std::string_view key = st->column_text(0);
        for (std::size_t k = i; k < std::min(orders.size(), i + kInList); ++k)
          if (orders[k].key == key) applied_keys.insert(orders[k].key);
      }
    }
    st->reset();
  }

  auto& state = s.members;
  // Reads the members rows, accounts and order points per day of `ids` into `state`.
  auto load_members = [&](const std::vector<std::int64_t>& ids) -> Status {
    static const std::string kMembers =
        "SELECT member_id, merged_into, birthday FROM members WHERE member_id IN (" +
        placeholders(kInList) + ")";
    static const std::string kAccounts =
        "SELECT member_id, points, points_debt, growth, tier, tier_since, grace_until_day, "
        "period_start_day, evaluated_day FROM loyalty_accounts WHERE member_id IN (" +
        placeholders(kInList) + ")";
    static const std::string kEarned =
        "SELECT member_id, paid_day, SUM(points) FROM loyalty_orders WHERE member_id IN (" +
        placeholders(kInList) + ") AND paid_day BETWEEN ? AND ? GROUP BY member_id, paid_day";
    auto none = [](store::Statement&, int) {};
    for (std::int64_t id : ids) {
      MemberState& m = state[id];
      m.account.member = id;
      m.account.tier = base_tier;
    }
    RETURN_IF_ERROR(for_each_in(en.db_, kMembers, ids, none, [&](store::Statement& st) {
      MemberState& m = state[st.column_int64(0)];
      m.exists = true;
      m.merged = !st.column_is_null(1);
      if (!st.column_is_null(2)) m.birthday = st.column_string(2);
    }));
    RETURN_IF_ERROR(for_each_in(en.db_, kAccounts, ids, none, [&](store::Statement& st) {
      en.ledger_.read_account(st, 1, state[st.column_int64(0)].account);
    }));
    static const std::string kGrowth =
        "SELECT member_id, earned_at, remaining FROM loyalty_lots WHERE member_id IN (" +
        placeholders(kInList) + ") AND account = 'growth' AND remaining > 0";
    if (p.evaluation.mode != TierMode::kLifetime)
      RETURN_IF_ERROR(for_each_in(en.db_, kGrowth, ids, none, [&](store::Statement& st) {
        state[st.column_int64(0)].growth.emplace_back(Instant{st.column_int64(1)},
                                                      st.column_int64(2));
      }));
    if (p.points.earn.daily_cap > 0)
      RETURN_IF_ERROR(for_each_in(
          en.db_, kEarned, ids,
          [&](store::Statement& st, int at) {
            st.bind(at, std::int64_t{s.first_day}).bind(at + 1, std::int64_t{s.last_day});
          },
          [&](store::Statement& st) {
            earned_on(state[st.column_int64(0)], static_cast<std::int32_t>(st.column_int64(1))) =
                st.column_int64(2);
          }));
    return Status();
  };
  {
    std::vector<std::int64_t> fresh;
    fresh.reserve(members.size());
    for (std::int64_t id : members)
      if (!state.count(id)) fresh.push_back(id);
    state.reserve(state.size() + fresh.size());
    RETURN_IF_ERROR(load_members(fresh));
  }
  s.order_rows.reserve(s.order_rows.size() + orders.size());

  for (const OrderInput& in : orders) {
    auto it = in.member == kGuest ? state.end() : state.find(in.member);
    if (in.member != kGuest && it == state.end()) {  // read again after a fallback
      RETURN_IF_ERROR(load_members({in.member}));
      it = state.find(in.member);
    }
    const bool simple = it != state.end() && it->second.exists && !it->second.merged &&
                        it->second.account.points_debt == 0 &&
                        (keys_new || !applied_keys.count(in.key)) &&
                        std::none_of(in.lines.begin(), in.lines.end(),
                                     [](const OrderLineInput& l) { return l.amount < 0; }) &&
                        !in.key.empty() && in.key.size() <= 200;
    if (!simple) {
      RETURN_IF_ERROR(finish());
      ASSIGN_OR_RETURN(OrderEffect e, en.apply_order(in));
      state.erase(in.member);
      state.erase(e.member);
      s.next_entry = 0;
      effects.push_back(std::move(e));
      continue;
    }
    if (!keys_new) applied_keys.insert(in.key);  // the same key again in this part: a replay
    MemberState& m = it->second;
    AccountState& a = m.account;
    if (!a.stored) {
      en.start_account(a, in.paid_at);
      a.stored = true;  // the row the first order writes
    }
    OrderEffect e;
    e.key = in.key;
    e.member = in.member;
    e.tier_before = a.tier;
    std::int64_t& earned = earned_on(m, en.zone_.local_date(in.paid_at).days);
    const OrderPlan plan = en.plan_order(in, a, m.birthday, earned);
    e.points = plan.earning.points;
    e.points_uncapped = plan.earning.points_uncapped;
    e.growth = plan.earning.growth;
    e.explain = plan.earning.explain;
    earned += e.points;

    if (s.next_entry == 0) {
      ASSIGN_OR_RETURN(s.next_entry, next_entry_id(en.db_));
    }
    // No debt to repay here (that case is apply_order's): the points lot holds all it earned.
    s.order_rows.push_back(en.order_row(in, in.member, plan, a, s.next_entry));
    s.next_entry += 2;
    if (e.growth > 0) m.growth.emplace_back(in.paid_at, e.growth);
    RETURN_IF_ERROR(
        en.maybe_upgrade(a, in.paid_at, plan.reference,
                         p.evaluation.mode == TierMode::kLifetime ? nullptr : &m.growth));
    if (!m.dirty) {
      m.dirty = true;
      s.dirty.push_back(in.member);
    }
    e.tier_after = a.tier;
    effects.push_back(std::move(e));
  }
  // The rows point into `orders`: written before it goes. The accounts wait for finish().
  RETURN_IF_ERROR(write_orders());
  return effects;
}

}  // namespace recur::loyalty
