#include "loyalty/ledger_report.h"

#include <fmt/format.h>

#include <algorithm>

namespace recur::loyalty {

const std::vector<std::string>& ledger_accounts() {
  static const std::vector<std::string> kAccounts = {
      "points", "growth", "coupon", "stored_principal", "stored_bonus", "cashback"};
  return kAccounts;
}

namespace {

// Position of `account` in the report: the known accounts first, in their order.
std::size_t rank(const std::string& account) {
  const auto& known = ledger_accounts();
  auto it = std::find(known.begin(), known.end(), account);
  return static_cast<std::size_t>(it - known.begin());
}

}  // namespace

Result<LedgerPeriod> roll_forward(store::Database& db, Instant from, Instant to) {
  if (!(from < to))
    return invalid_argument(fmt::format("the period must begin before it ends ({} … {})",
                                        format_instant_utc(from), format_instant_utc(to)));
  LedgerPeriod p;
  p.from = from;
  p.to = to;
  // One pass over the entries before the period's end, grouped by account and cause.
  ASSIGN_OR_RETURN(
      auto st,
      db.prepare("SELECT account, cause, SUM(CASE WHEN at < ?1 THEN amount ELSE 0 END), "
                 "SUM(CASE WHEN at >= ?1 AND amount > 0 THEN amount ELSE 0 END), "
                 "SUM(CASE WHEN at >= ?1 AND amount < 0 THEN -amount ELSE 0 END), "
                 "SUM(at >= ?1) FROM loyalty_entries WHERE at < ?2 GROUP BY account, cause "
                 "ORDER BY account, cause"));
  st.bind(1, from.seconds).bind(2, to.seconds);
  while (true) {
    ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    const std::string account = st.column_string(0);
    if (p.accounts.empty() || p.accounts.back().account != account) {
      p.accounts.emplace_back();
      p.accounts.back().account = account;
    }
    AccountRollForward& a = p.accounts.back();
    a.opening += st.column_int64(2);
    CauseMovement m{st.column_string(1), st.column_int64(3), st.column_int64(4),
                    st.column_int64(5)};
    a.in += m.in;
    a.out += m.out;
    a.entries += m.entries;
    if (m.entries > 0) a.causes.push_back(std::move(m));
  }
  for (AccountRollForward& a : p.accounts) a.closing = a.opening + a.in - a.out;
  std::stable_sort(p.accounts.begin(), p.accounts.end(),
                   [](const AccountRollForward& x, const AccountRollForward& y) {
                     return rank(x.account) < rank(y.account);
                   });
  return p;
}

Status for_each_ledger_row(store::Database& db, const LedgerFilter& filter,
                           const std::function<Status(const LedgerRow&)>& row) {
  if (!(filter.from < filter.to))
    return invalid_argument(fmt::format("the period must begin before it ends ({} … {})",
                                        format_instant_utc(filter.from),
                                        format_instant_utc(filter.to)));
  std::string sql =
      "SELECT entry_id, member_id, account, cause, amount, balance_after, reference, idem_key, "
      "note, at FROM loyalty_entries WHERE at >= ?1 AND at < ?2";
  if (filter.account) sql += " AND account = ?3";
  if (filter.member) sql += " AND member_id = ?4";
  sql += " ORDER BY at, entry_id";
  ASSIGN_OR_RETURN(auto st, db.prepare(sql));
  st.bind(1, filter.from.seconds).bind(2, filter.to.seconds);
  if (filter.account) st.bind(3, *filter.account);
  if (filter.member) st.bind(4, *filter.member);
  LedgerRow r;
  while (true) {
    ASSIGN_OR_RETURN(bool more, st.step());
    if (!more) break;
    r.entry_id = st.column_int64(0);
    r.member = st.column_int64(1);
    r.account = st.column_string(2);
    r.cause = st.column_string(3);
    r.amount = st.column_int64(4);
    r.balance_after =
        st.column_is_null(5) ? std::nullopt : std::optional<std::int64_t>(st.column_int64(5));
    r.reference = st.column_string(6);
    r.idem_key = st.column_string(7);
    r.note = st.column_string(8);
    r.at = Instant{st.column_int64(9)};
    RETURN_IF_ERROR(row(r));
  }
  return Status();
}

}  // namespace recur::loyalty
