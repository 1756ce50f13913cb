#pragma once
// Reading rows by many ids at once: a statement ending in an IN list of kInList placeholders,
// prepared once and run per group of ids. A group shorter than kInList repeats its last id (an
// IN list ignores repeats), so one prepared statement serves every group. The bulk apply reads
// its orders (pending_orders.cpp) and its members (engine_batch.cpp) this way.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace recur::loyalty {

inline constexpr std::size_t kInList = 500;
// Few ids (a part of an apply between two refunds) go through the same statement with an IN
// list this short: binding 500 values and building SQLite's IN index of them costs about
// 100 µs a call, more than reading a few members' rows.
inline constexpr std::size_t kSmallInList = 16;

// "?, ?, …" (n placeholders).
inline std::string placeholders(std::size_t n) {
  std::string s;
  s.reserve(n * 3);
  for (std::size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

// Runs `sql` (its IN list of kInList placeholders first, then the parameters `bind_extra` binds
// from the index it is given) over `ids` in groups of kInList (or, for at most kSmallInList ids,
// once with the list that short); `row` is called for each result row. Rows come group by
// group, in the statement's order within a group.
template <typename Extra, typename Row>
Status for_each_in(store::Database& db, const std::string& sql,
                   const std::vector<std::int64_t>& ids, Extra bind_extra, Row row) {
  if (ids.empty()) return Status();
  std::size_t n = kInList;
  std::string small;  // `sql` with its IN list cut to kSmallInList
  if (ids.size() <= kSmallInList) {
    static const std::string kLong = placeholders(kInList);
    const std::size_t at = sql.find(kLong);
    if (at != std::string::npos) {
      small = sql;
      small.replace(at, kLong.size(), placeholders(kSmallInList));
      n = kSmallInList;
    }
  }
  ASSIGN_OR_RETURN(store::Statement * st, db.cached(small.empty() ? sql : small));
  for (std::size_t i = 0; i < ids.size(); i += n) {
    st->reset();
    for (std::size_t k = 0; k < n; ++k)
      st->bind(static_cast<int>(k + 1), ids[std::min(ids.size() - 1, i + k)]);
    bind_extra(*st, static_cast<int>(n + 1));
    while (true) {
      ASSIGN_OR_RETURN(bool r, st->step());
      if (!r) break;
      row(*st);
    }
  }
  st->reset();
  return Status();
}

}  // namespace recur::loyalty
