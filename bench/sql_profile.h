#pragma once
// A statement profile for benchmarks: with the environment variable RECUR_SQL_PROFILE set,
// SqlProfile::attach(db) records, per SQL text, how many times a statement ran and the time
// SQLite reports for it (sqlite3_trace_v2's SQLITE_TRACE_PROFILE: from the first step to the
// reset), and print() lists the costliest. Without the variable both do nothing, so a
// benchmark's figures are never taken with the trace on.

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

namespace recur::bench {

class SqlProfile {
 public:
  static bool enabled() { return std::getenv("RECUR_SQL_PROFILE") != nullptr; }

  void attach(sqlite3* db) {
    if (!enabled()) return;
    sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, &SqlProfile::on_profile, this);
  }

  void detach(sqlite3* db) {
    if (enabled()) sqlite3_trace_v2(db, 0, nullptr, nullptr);
  }

  // The `top` statements by total time, with calls per unit of work (`per`: orders, say).
  void print(const char* title, double per, std::size_t top = 30) const {
    if (!enabled()) return;
    std::vector<std::pair<std::string, Stat>> rows(stats_.begin(), stats_.end());
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.second.ns > b.second.ns; });
    double total = 0;
    for (const auto& r : rows) total += static_cast<double>(r.second.ns);
    std::printf("# SQL profile: %s, %.3f s in SQLite statements, %zu distinct\n", title,
                total / 1e9, rows.size());
    for (std::size_t i = 0; i < rows.size() && i < top; ++i) {
      const Stat& s = rows[i].second;
      std::string sql = rows[i].first.substr(0, 150);
      std::replace(sql.begin(), sql.end(), '\n', ' ');
      std::printf("#   %5.1f%% %8.3f s %8.2f calls/unit %7.2f us/call  %s\n",
                  100.0 * static_cast<double>(s.ns) / total, static_cast<double>(s.ns) / 1e9,
                  static_cast<double>(s.calls) / per,
                  static_cast<double>(s.ns) / 1e3 / static_cast<double>(s.calls), sql.c_str());
    }
  }

 private:
  struct Stat {
    std::uint64_t calls = 0, ns = 0;
  };

  static int on_profile(unsigned, void* self, void* stmt, void* ns) {
    const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(stmt));
    Stat& s = static_cast<SqlProfile*>(self)->stats_[sql ? sql : "?"];
    ++s.calls;
    s.ns += *static_cast<sqlite3_uint64*>(ns);
    return 0;
  }

  std::unordered_map<std::string, Stat> stats_;
};

}  // namespace recur::bench
