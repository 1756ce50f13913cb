#pragma once
// Where SQLite spends a run's time: per SQL text, how many times a statement ran and the time
// SQLite itself reports for it (sqlite3_trace_v2 with SQLITE_TRACE_PROFILE: from the first step
// to the reset). For finding the statement that makes a command slow (`recur --profile-sql …`,
// `RECUR_SQL_PROFILE=1 build-bench/loyalty_bench`); the trace costs time, so it is off unless
// asked for.
//
// A profile attached to connections must outlive them (closing one finishes its statements,
// which reports them). Not thread-safe: one thread's connections.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/database.h"

namespace recur::store {

class StatementProfile {
 public:
  void attach(Database& db);
  void detach(Database& db);
  // The `top` statements by total time, one line each: share, seconds, calls per unit of work
  // (`per_unit`: orders, say; 1 for plain calls), microseconds per call, the SQL (shortened).
  std::string report(std::string_view title, double per_unit = 1, std::size_t top = 30) const;
  bool empty() const { return stats_.empty(); }

 private:
  struct Stat {
    std::uint64_t calls = 0, ns = 0;
  };
  static int on_profile(unsigned kind, void* self, void* stmt, void* ns);

  std::unordered_map<std::string, Stat> stats_;
};

}  // namespace recur::store
