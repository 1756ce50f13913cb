#include "loyalty/entry_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>

namespace recur::loyalty {
namespace {

struct Entry {
  std::int64_t member = 0, entry_id = 0, amount = 0;
  std::optional<std::int64_t> balance_after;
  std::uint8_t account = 0;  // index into the accounts met
};

struct Sums {
  std::int64_t points = 0, growth = 0;
};

void add_example(CheckFinding& f, std::string example) {
  if (f.violations++ < kCheckExamples) f.examples.push_back(std::move(example));
}

}  // namespace

Result<std::vector<CheckFinding>> check_entries(store::Database& db) {
  std::vector<CheckFinding> out(3);
  CheckFinding& balances = out[0];
  CheckFinding& have_accounts = out[1];
  CheckFinding& running = out[2];
  balances.name = "balances_equal_entries";
  balances.description =
      "each member's points and growth balance equals the sum of their ledger entries";
  have_accounts.name = "entries_have_accounts";
  have_accounts.description = "every member with points or growth entries has a balance row";
  running.name = "running_balances";
  running.description =
      "every entry's balance_after is the running sum of the member's entries up to it";

  // Every entry, in whatever order the view gives them.
  std::vector<std::string> accounts;  // the names met, indexed by Entry::account
  std::vector<Entry> entries;
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT member_id, entry_id, account, amount, "
                                         "balance_after FROM loyalty_entries"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      Entry e;
      e.member = st.column_int64(0);
      e.entry_id = st.column_int64(1);
      const std::string_view account = st.column_text(2);
      auto it = std::find(accounts.begin(), accounts.end(), account);
      if (it == accounts.end()) {
        if (accounts.size() == 256) return internal_error("more than 256 ledger accounts");
        it = accounts.insert(accounts.end(), std::string(account));
      }
      e.account = static_cast<std::uint8_t>(it - accounts.begin());
      e.amount = st.column_int64(3);
      if (!st.column_is_null(4)) e.balance_after = st.column_int64(4);
      entries.push_back(e);
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.member != b.member) return a.member < b.member;
    if (a.account != b.account) return a.account < b.account;
    return a.entry_id < b.entry_id;
  });

  // One pass: running sums per (member, account), and points and growth sums per member.
  const auto index_of = [&](std::string_view name) {
    auto it = std::find(accounts.begin(), accounts.end(), name);
    return it == accounts.end() ? -1 : static_cast<int>(it - accounts.begin());
  };
  const int points = index_of("points"), growth = index_of("growth");
  std::unordered_map<std::int64_t, Sums> sums;
  sums.reserve(entries.size() / 4 + 1);
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (i == 0 || e.member != entries[i - 1].member || e.account != entries[i - 1].account) sum = 0;
    sum += e.amount;
    if (e.balance_after && *e.balance_after != sum)
      add_example(running, fmt::format("{} {} {} {} {}", e.entry_id, e.member, accounts[e.account],
                                       *e.balance_after, sum));
    if (e.account == points) sums[e.member].points += e.amount;
    if (e.account == growth) sums[e.member].growth += e.amount;
  }

  // Against the balances: each account row, then the members with entries and no row.
  ASSIGN_OR_RETURN(auto st, db.prepare("SELECT member_id, points, growth FROM loyalty_accounts "
                                       "ORDER BY member_id"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    const std::int64_t member = st.column_int64(0);
    Sums s;
    if (auto it = sums.find(member); it != sums.end()) {
      s = it->second;
      sums.erase(it);
    }
    if (st.column_int64(1) != s.points || st.column_int64(2) != s.growth)
      add_example(balances, fmt::format("{} {} {} {} {}", member, st.column_int64(1), s.points,
                                        st.column_int64(2), s.growth));
  }
  std::vector<std::int64_t> orphans;
  for (const auto& [member, s] : sums) orphans.push_back(member);
  std::sort(orphans.begin(), orphans.end());
  for (std::int64_t member : orphans) add_example(have_accounts, std::to_string(member));
  return out;
}

}  // namespace recur::loyalty
