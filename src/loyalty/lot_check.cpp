#include "loyalty/lot_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace recur::loyalty {
namespace {

struct Held {
  std::int64_t points = 0, growth = 0;
  bool left = false;  // some lot has something left
};

void add_example(CheckFinding& f, std::string example) {
  if (f.violations++ < kCheckExamples) f.examples.push_back(std::move(example));
}

}  // namespace

Result<std::vector<CheckFinding>> check_lots(store::Database& db) {
  std::vector<CheckFinding> out(4);
  CheckFinding& bounds = out[0];
  CheckFinding& usage = out[1];
  CheckFinding& balances = out[2];
  CheckFinding& have_accounts = out[3];
  bounds.name = "lots_within_bounds";
  bounds.description = "every lot has 0 <= remaining <= earned and earned > 0";
  usage.name = "lot_usage_matches";
  usage.description = "each lot's remaining equals earned minus what was taken from it";
  balances.name = "lots_equal_balances";
  balances.description =
      "points lots' remaining minus debt equals the points balance; growth lots equal growth";
  have_accounts.name = "lots_have_accounts";
  have_accounts.description = "every member holding a lot with something left has a balance row";

  // What was taken from each lot.
  std::unordered_map<std::int64_t, std::int64_t> used;
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT lot_id, amount FROM loyalty_lot_usage"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      used[st.column_int64(0)] += st.column_int64(1);
    }
  }
  // Every lot once: its bounds, its usage, and what each member holds.
  std::unordered_map<std::int64_t, Held> held;
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT lot_id, member_id, account, earned, remaining "
                                         "FROM loyalty_lots"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      const std::int64_t lot = st.column_int64(0), member = st.column_int64(1);
      const std::int64_t earned = st.column_int64(3), remaining = st.column_int64(4);
      if (remaining < 0 || remaining > earned || earned <= 0)
        add_example(bounds, fmt::format("{} {} {} {}", lot, member, earned, remaining));
      const auto u = used.find(lot);
      const std::int64_t taken = u == used.end() ? 0 : u->second;
      if (remaining != earned - taken)
        add_example(usage, fmt::format("{} {} {} {}", lot, earned, remaining, taken));
      Held& h = held[member];
      const std::string_view account = st.column_text(2);
      if (account == "points") h.points += remaining;
      if (account == "growth") h.growth += remaining;
      h.left = h.left || remaining > 0;
    }
  }
  // Against the accounts, then the members holding lots without one.
  ASSIGN_OR_RETURN(auto st, db.prepare("SELECT member_id, points, points_debt, growth "
                                       "FROM loyalty_accounts ORDER BY member_id"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    const std::int64_t member = st.column_int64(0);
    const std::int64_t points = st.column_int64(1), debt = st.column_int64(2);
    const std::int64_t growth = st.column_int64(3);
    Held h;
    if (auto it = held.find(member); it != held.end()) {
      h = it->second;
      held.erase(it);
    }
    if (h.points - debt != points || h.growth != growth)
      add_example(balances, fmt::format("{} {} {} {} {} {}", member, points, debt, h.points, growth,
                                        h.growth));
  }
  std::vector<std::int64_t> orphans;
  for (const auto& [member, h] : held)
    if (h.left) orphans.push_back(member);
  std::sort(orphans.begin(), orphans.end());
  for (std::int64_t member : orphans) add_example(have_accounts, std::to_string(member));
  return out;
}

}  // namespace recur::loyalty
