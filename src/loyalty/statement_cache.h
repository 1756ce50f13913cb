#pragma once
// Prepared statements kept for the life of one connection's engine or ledger, looked up by the
// address of their SQL literal. Not thread-safe (neither is the Database it borrows).

#include <memory>
#include <unordered_map>

#include "core/status.h"
#include "store/database.h"

namespace recur::loyalty {

class StatementCache {
 public:
  explicit StatementCache(store::Database& db) : db_(db) {}
  // `sql` must be a string literal (or otherwise outlive the cache). The statement comes back
  // reset, with no bindings.
  Result<store::Statement*> get(const char* sql) {
    auto it = map_.find(sql);
    if (it == map_.end()) {
      ASSIGN_OR_RETURN(store::Statement st, db_.prepare(sql));
      it = map_.emplace(sql, std::make_unique<store::Statement>(std::move(st))).first;
    } else {
      it->second->reset();
    }
    return it->second.get();
  }
  store::Database& db() { return db_; }

 private:
  store::Database& db_;
  std::unordered_map<const char*, std::unique_ptr<store::Statement>> map_;
};

}  // namespace recur::loyalty
