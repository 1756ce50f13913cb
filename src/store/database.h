#pragma once
// A thin, allocation-light wrapper over SQLite. A Database is used by one thread at a time
// (open one per thread); statements borrow it and must not outlive it.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace recur::store {

enum class Synchronous { kNormal, kFull, kOff };

struct OpenOptions {
  Synchronous synchronous =
      Synchronous::kNormal;  // WAL + NORMAL: durable except last commits on power loss
  bool read_only = false;
  bool migrate = true;  // apply pending schema migrations on open; read-only: require none pending
  int busy_timeout_ms = 10000;
  // Transactions refuse to begin or commit while a statement is left running (see
  // Database::busy_statements): for tests, and `RECUR_STRICT_STATEMENTS=1` in the CLI.
  bool strict_statements = false;
  // Write the WAL through store::wal_combining_vfs (one write per commit instead of two per page;
  // store/wal_vfs.h); false: SQLite's own VFS (`recur --plain-vfs`), for comparison.
  bool combine_wal_writes = true;
};

class Database;

class Statement {
 public:
  Statement() = default;
  Statement(Statement&& o) noexcept : stmt_(o.stmt_), db_(o.db_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds are 1-based, like SQLite's. Text is copied unless `bind_text_static` is used, in which
  // case the caller keeps the bytes alive until the statement is reset.
  Statement& bind(int index, std::int64_t v);
  Statement& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
  Statement& bind(int index, double v);
  Statement& bind(int index, std::string_view v);
  Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, std::nullopt_t);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& v) {  // none -> NULL
    return v ? bind(index, *v) : bind(index, std::nullopt);
  }
  Statement& bind_text_static(int index, std::string_view v);
  // Binary bytes (a BLOB), not copied: kept alive by the caller until the statement is reset.
  Statement& bind_blob_static(int index, std::string_view bytes);
  Statement& bind_optional(int index, std::string_view v) {  // empty -> NULL
    return v.empty() ? bind(index, std::nullopt) : bind(index, v);
  }
  Statement& bind_optional_static(int index, std::string_view v) {  // empty -> NULL, no copy
    return v.empty() ? bind(index, std::nullopt) : bind_text_static(index, v);
  }

  // Steps once: true when a row is available, false when done.
  Result<bool> step();
  // Runs to completion (for statements without rows) and resets.
  Status run();
  // Steps once and resets: whether the query has a row (for existence checks).
  Result<bool> exists();
  void reset();  // also clears the bindings
  // Resets without clearing bindings: for hot loops that bind every parameter each time.
  void rewind() { sqlite3_reset(stmt_); }

  std::int64_t column_int64(int i) const { return sqlite3_column_int64(stmt_, i); }
  double column_double(int i) const { return sqlite3_column_double(stmt_, i); }
  bool column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  int column_count() const { return sqlite3_column_count(stmt_); }
  std::string_view column_text(int i) const;
  std::string column_string(int i) const { return std::string(column_text(i)); }
  std::string_view column_blob(int i) const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* s, sqlite3* db) : stmt_(s), db_(db) {}
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::string& path,
                                                const OpenOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  // A statement prepared once per connection and kept, reset and unbound, ready to use. For SQL
  // run many times (merges, resolution). The pointer stays valid while the Database lives; do
  // not use the same SQL's statement twice at once.
  Result<Statement*> cached(std::string_view sql);
  // Runs a query returning one integer (e.g. COUNT(*)); NULL or no row gives `fallback`.
  Result<std::int64_t> query_int(std::string_view sql, std::int64_t fallback = 0);
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  const std::string& path() const { return path_; }
  sqlite3* raw() { return db_; }
  // The SQL of every statement on this connection that is still running (stepped to a row and
  // not reset). Such a statement holds a read snapshot open: after COMMIT the connection keeps
  // reading that snapshot and the WAL cannot be checkpointed past it. Code must reset a
  // statement (or step it to the end) before it returns; tests check this is empty.
  std::vector<std::string> busy_statements() const;

 private:
  friend class Transaction;
  friend class GroupCommit;  // the strict check around each unit
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  // Strict mode: an error naming the statements left running, `when` a transaction begins or
  // commits; OK otherwise.
  Status no_statement_running(std::string_view when) const;
  sqlite3* db_;
  bool strict_statements_ = false;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// BEGIN IMMEDIATE on construction (the write lock is taken up front, so two writers queue
// instead of deadlocking); ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> begin(Database& db);
  ~Transaction();
  Status commit();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  explicit Transaction(Database& db) : db_(db) {}
  Database& db_;
  bool done_ = false;
};

Status sqlite_error(sqlite3* db, std::string_view what);

}  // namespace recur::store
