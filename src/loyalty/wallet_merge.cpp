#include "loyalty/wallet_merge.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "core/money.h"
#include "core/time.h"
#include "loyalty/ledger.h"

namespace recur::loyalty {
namespace {

constexpr const char* kAccounts[] = {"stored_principal", "stored_bonus", "cashback"};
constexpr const char* kColumns[] = {"principal", "bonus", "cashback"};

struct Balances {
  Fen v[3] = {0, 0, 0};
  bool stored = false;
};

Result<Balances> load(store::Database& db, MemberId m) {
  ASSIGN_OR_RETURN(auto st, db.prepare("SELECT principal, bonus, cashback FROM wallet_accounts "
                                       "WHERE member_id = ?"));
  st.bind(1, m);
  Balances b;
  ASSIGN_OR_RETURN(bool row, st.step());
  if (row) {
    b.stored = true;
    for (int i = 0; i < 3; ++i) b.v[i] = st.column_int64(i);
  }
  return b;
}

Status save(store::Database& db, MemberId m, const Balances& b, Instant at) {
  ASSIGN_OR_RETURN(
      auto st,
      db.prepare("INSERT INTO wallet_accounts (member_id, principal, bonus, cashback, updated_at) "
                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET "
                 "principal = excluded.principal, bonus = excluded.bonus, "
                 "cashback = excluded.cashback, updated_at = excluded.updated_at"));
  st.bind(1, m).bind(2, b.v[0]).bind(3, b.v[1]).bind(4, b.v[2]).bind(5, at.seconds);
  return st.run();
}

Result<Instant> merge_time(store::Database& db, MergeId id, bool undone) {
  ASSIGN_OR_RETURN(auto st, db.prepare(undone ? "SELECT undone_at FROM merges WHERE merge_id = ?"
                                              : "SELECT merged_at FROM merges WHERE merge_id = ?"));
  st.bind(1, id);
  ASSIGN_OR_RETURN(bool row, st.step());
  if (!row || st.column_is_null(0)) return internal_error(fmt::format("merge {} has no time", id));
  return Instant{st.column_int64(0)};
}

// Moves `amounts` from one member's balances to another's with a pair of entries per account
// that moved anything.
Status move_balances(store::Database& db, MemberId from, MemberId to, const Fen amounts[3],
                     std::string_view cause, MergeId id, Instant at) {
  ASSIGN_OR_RETURN(Balances f, load(db, from));
  ASSIGN_OR_RETURN(Balances t, load(db, to));
  ASSIGN_OR_RETURN(std::int64_t version,
                   db.query_int("SELECT COALESCE(MAX(version), 0) FROM loyalty_programs"));
  ASSIGN_OR_RETURN(
      auto ins,
      db.prepare(
          std::string(
              "INSERT INTO loyalty_entries_other (entry_id, member_id, account, cause, amount, "
              "balance_after, reference, idem_key, at, program_version, note) VALUES (") +
          kNextEntryIdSql + ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  const std::string reference = fmt::format("merge:{}", id);
  const std::string note = cause == "merge" ? fmt::format("member {} into {}", from, to)
                                            : fmt::format("member {} back from {}", to, from);
  for (int i = 0; i < 3; ++i) {
    if (amounts[i] == 0) continue;
    if (f.v[i] < amounts[i])
      return internal_error(fmt::format("member {} holds {} fen of {}, {} to move", from, f.v[i],
                                        kAccounts[i], amounts[i]));
    for (int side = 0; side < 2; ++side) {
      MemberId m = side == 0 ? from : to;
      Fen& bal = side == 0 ? f.v[i] : t.v[i];
      Fen amount = side == 0 ? -amounts[i] : amounts[i];
      ins.reset();
      ins.bind(1, m)
          .bind(2, kAccounts[i])
          .bind(3, cause)
          .bind(4, amount)
          .bind(5, bal + amount)
          .bind(6, reference)
          .bind(7, fmt::format("wallet:{}:{}:{}:{}", cause, id, side == 0 ? "out" : "in",
                               kAccounts[i]))
          .bind(8, at.seconds)
          .bind(9, version)
          .bind(10, note);
      RETURN_IF_ERROR(ins.run());
      bal += amount;
    }
  }
  RETURN_IF_ERROR(save(db, from, f, at));
  return save(db, to, t, at);
}

Status exec2(store::Database& db, const char* sql, std::int64_t a, std::int64_t b) {
  ASSIGN_OR_RETURN(auto st, db.prepare(sql));
  st.bind(1, a).bind(2, b);
  return st.run();
}

struct MovedLot {
  std::int64_t lot;
  std::string account;
  Fen remaining;
};

int account_index(const std::string& a) {
  for (int i = 0; i < 3; ++i)
    if (a == kAccounts[i]) return i;
  return 2;
}

}  // namespace

Status merge_wallet(store::Database& db, MergeId id, MemberId survivor, MemberId merged) {
  // The common case: the merged member never had stored value.
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT (SELECT COUNT(*) FROM wallet_accounts WHERE "
                                         "member_id = ?1) + (SELECT COUNT(*) FROM wallet_lots "
                                         "WHERE member_id = ?1)"));
    st.bind(1, merged);
    ASSIGN_OR_RETURN(bool row, st.step());
    if (!row || st.column_int64(0) == 0) return Status();
  }
  ASSIGN_OR_RETURN(Instant at, merge_time(db, id, false));
  ASSIGN_OR_RETURN(Balances m, load(db, merged));
  RETURN_IF_ERROR(exec2(db,
                        "INSERT INTO wallet_merge_lots (merge_id, direction, lot_id, account, "
                        "remaining) SELECT ?1, 'merge', lot_id, account, remaining FROM "
                        "wallet_lots WHERE member_id = ?2",
                        id, merged));
  RETURN_IF_ERROR(
      exec2(db, "UPDATE wallet_lots SET member_id = ?1 WHERE member_id = ?2", survivor, merged));
  for (const char* table : {"wallet_topups", "wallet_spends", "wallet_cashback_orders"})
    RETURN_IF_ERROR(
        exec2(db, fmt::format("UPDATE {} SET member_id = ?1 WHERE member_id = ?2", table).c_str(),
              survivor, merged));
  RETURN_IF_ERROR(move_balances(db, merged, survivor, m.v, "merge", id, at));
  ASSIGN_OR_RETURN(auto ins, db.prepare("INSERT INTO wallet_merges (merge_id, survivor_id, "
                                        "merged_id, principal, bonus, cashback, at) VALUES (?, "
                                        "?, ?, ?, ?, ?, ?)"));
  ins.bind(1, id)
      .bind(2, survivor)
      .bind(3, merged)
      .bind(4, m.v[0])
      .bind(5, m.v[1])
      .bind(6, m.v[2])
      .bind(7, at.seconds);
  return ins.run();
}

Status unmerge_wallet(store::Database& db, MergeId id, MemberId from, MemberId restored) {
  // Lots to give back: those the merge moved, and the cashback of orders that are the restored
  // member's again — still held by `from`.
  std::vector<MovedLot> back;
  {
    ASSIGN_OR_RETURN(
        auto st,
        db.prepare("SELECT lot_id, account, remaining FROM wallet_lots WHERE member_id = ?1 AND "
                   "(lot_id IN (SELECT lot_id FROM wallet_merge_lots WHERE merge_id = ?3 AND "
                   "direction = 'merge') OR order_key IN (SELECT source || ':' || order_id FROM "
                   "orders WHERE member_id = ?2)) ORDER BY lot_id"));
    st.bind(1, from).bind(2, restored).bind(3, id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      back.push_back(MovedLot{st.column_int64(0), st.column_string(1), st.column_int64(2)});
    }
  }
  ASSIGN_OR_RETURN(
      std::int64_t recorded,
      db.query_int(fmt::format("SELECT COUNT(*) FROM wallet_merges WHERE merge_id = {}", id)));
  if (back.empty() && recorded == 0) return Status();
  ASSIGN_OR_RETURN(Instant at, merge_time(db, id, true));
  Fen moved[3] = {0, 0, 0};
  {
    ASSIGN_OR_RETURN(auto rec, db.prepare("INSERT INTO wallet_merge_lots (merge_id, direction, "
                                          "lot_id, account, remaining) VALUES (?, 'unmerge', ?, "
                                          "?, ?)"));
    ASSIGN_OR_RETURN(auto up, db.prepare("UPDATE wallet_lots SET member_id = ? WHERE lot_id = ?"));
    ASSIGN_OR_RETURN(auto tp, db.prepare("UPDATE wallet_topups SET member_id = ?1 WHERE "
                                         "topup_key = (SELECT topup_key FROM wallet_lots WHERE "
                                         "lot_id = ?2)"));
    for (const MovedLot& b : back) {
      rec.reset();
      rec.bind(1, id).bind(2, b.lot).bind(3, b.account).bind(4, b.remaining);
      RETURN_IF_ERROR(rec.run());
      up.reset();
      up.bind(1, restored).bind(2, b.lot);
      RETURN_IF_ERROR(up.run());
      tp.reset();
      tp.bind(1, restored).bind(2, b.lot);
      RETURN_IF_ERROR(tp.run());
      moved[account_index(b.account)] += b.remaining;
    }
  }
  for (const char* table : {"wallet_spends", "wallet_cashback_orders"})
    RETURN_IF_ERROR(exec2(db,
                          fmt::format("UPDATE {} SET member_id = ?1 WHERE member_id = ?2 AND "
                                      "order_key IN (SELECT source || ':' || order_id FROM "
                                      "orders WHERE member_id = ?1)",
                                      table)
                              .c_str(),
                          restored, from));
  RETURN_IF_ERROR(move_balances(db, from, restored, moved, "unmerge", id, at));
  ASSIGN_OR_RETURN(auto upd, db.prepare("UPDATE wallet_merges SET undone_at = ?, "
                                        "returned_principal = ?, returned_bonus = ?, "
                                        "returned_cashback = ? WHERE merge_id = ?"));
  upd.bind(1, at.seconds).bind(2, moved[0]).bind(3, moved[1]).bind(4, moved[2]).bind(5, id);
  return upd.run();
}

}  // namespace recur::loyalty
