#include "store/statement_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace recur::store {

void StatementProfile::attach(Database& db) {
  sqlite3_trace_v2(db.raw(), SQLITE_TRACE_PROFILE, &StatementProfile::on_profile, this);
}

void StatementProfile::detach(Database& db) {
  sqlite3_trace_v2(db.raw(), 0, nullptr, nullptr);
}

int StatementProfile::on_profile(unsigned, void* self, void* stmt, void* ns) {
  const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(stmt));
  Stat& s = static_cast<StatementProfile*>(self)->stats_[sql ? sql : "?"];
  ++s.calls;
  s.ns += *static_cast<sqlite3_uint64*>(ns);
  return 0;
}

std::string StatementProfile::report(std::string_view title, double per_unit,
                                     std::size_t top) const {
  std::vector<std::pair<std::string, Stat>> rows(stats_.begin(), stats_.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.ns > b.second.ns; });
  double total = 0;
  for (const auto& r : rows) total += static_cast<double>(r.second.ns);
  std::string out = fmt::format("# SQL profile: {}, {:.3f} s in SQLite statements, {} distinct\n",
                                title, total / 1e9, rows.size());
  for (std::size_t i = 0; i < rows.size() && i < top; ++i) {
    const Stat& s = rows[i].second;
    std::string sql = rows[i].first.substr(0, 150);
    std::replace(sql.begin(), sql.end(), '\n', ' ');
    const double ns = static_cast<double>(s.ns), calls = static_cast<double>(s.calls);
    out += fmt::format("#   {:5.1f}% {:8.3f} s {:10.2f} {} {:9.2f} us/call  {}\n",
                       total > 0 ? 100.0 * ns / total : 0.0, ns / 1e9, calls / per_unit,
                       per_unit == 1 ? "calls     " : "calls/unit", ns / 1e3 / calls, sql);
  }
  return out;
}

}  // namespace recur::store
