#pragma once
// Prepared statements kept for the life of one connection's engine or ledger, looked up by the
// address of their SQL literal (or by the text of SQL built at run time). Not thread-safe (neither
// is the Database it borrows).

#include <memory>
#include <string>
#include <unordered_map>

#include "core/status.h"
#include "store/database.h"

namespace recur::loyalty {

class StatementCache {
 public:
  explicit StatementCache(store::Database& db) : db_(db) {}
  // SQL known when compiling — a string literal, or a constexpr pointer to one — since its
  // address is the key: text built at run time (a std::string's c_str()) could come back at an
  // address an earlier text had, and get that text's statement. It does not compile.
  class Sql {
   public:
    consteval Sql(const char* text) : text_(text) {}  // implicit: get("SELECT …")
    const char* text() const { return text_; }

   private:
    const char* text_;
  };
  // The statement comes back reset, with no bindings.
  Result<store::Statement*> get(Sql query) {
    const char* sql = query.text();
    auto it = map_.find(sql);
    if (it == map_.end()) {
      ASSIGN_OR_RETURN(store::Statement st, db_.prepare(sql));
      it = map_.emplace(sql, std::make_unique<store::Statement>(std::move(st))).first;
    } else {
      it->second->reset();
    }
    return it->second.get();
  }
  // SQL built at run time, looked up by its text.
  Result<store::Statement*> get_built(const std::string& sql) {
    auto it = built_.find(sql);
    if (it == built_.end()) {
      ASSIGN_OR_RETURN(store::Statement st, db_.prepare(sql));
      it = built_.emplace(sql, std::make_unique<store::Statement>(std::move(st))).first;
    } else {
      it->second->reset();
    }
    return it->second.get();
  }
  store::Database& db() { return db_; }

 private:
  store::Database& db_;
  std::unordered_map<const char*, std::unique_ptr<store::Statement>> map_;
  std::unordered_map<std::string, std::unique_ptr<store::Statement>> built_;
};

}  // namespace recur::loyalty
