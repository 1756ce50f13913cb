#include "store/database.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "store/migrations.h"
#include "store/wal_vfs.h"

namespace recur::store {

Status sqlite_error(sqlite3* db, std::string_view what) {
  int code = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
  const char* msg = db ? sqlite3_errmsg(db) : "no database";
  StatusCode sc = StatusCode::kInternal;
  if ((code & 0xff) == SQLITE_CONSTRAINT) sc = StatusCode::kAlreadyExists;
  if ((code & 0xff) == SQLITE_CANTOPEN || (code & 0xff) == SQLITE_IOERR ||
      (code & 0xff) == SQLITE_FULL || (code & 0xff) == SQLITE_READONLY ||
      (code & 0xff) == SQLITE_BUSY)
    sc = StatusCode::kIoError;
  return Status(sc, fmt::format("{}: {} (sqlite {})", what, msg, code));
}

namespace {

// A statement's text for an error message: whole when short, else its start and its size (a
// multi-row INSERT repeats its VALUES group hundreds of times, which told nobody anything).
std::string sql_excerpt(std::string_view sql) {
  constexpr std::size_t kMax = 240;
  if (sql.size() <= kMax) return std::string(sql);
  std::size_t cut = kMax - 40;
  while (cut > 0 && (static_cast<unsigned char>(sql[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return fmt::format("{}… ({} bytes)", sql.substr(0, cut), sql.size());
}

}  // namespace

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = o.stmt_;
    db_ = o.db_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
  return *this;
}
Statement& Statement::bind(int index, double v) {
  sqlite3_bind_double(stmt_, index, v);
  return *this;
}
Statement& Statement::bind(int index, std::string_view v) {
  sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_blob_static(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  return *this;
}
std::string_view Statement::column_blob(int i) const {
  const void* p = sqlite3_column_blob(stmt_, i);
  return p ? std::string_view(static_cast<const char*>(p),
                              static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
           : std::string_view();
}
Statement& Statement::bind_text_static(int index, std::string_view v) {
  sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Statement& Statement::bind(int index, std::nullopt_t) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status st = sqlite_error(db_, fmt::format("step '{}'", sql_excerpt(sqlite3_sql(stmt_))));
  sqlite3_reset(stmt_);
  return st;
}

Result<bool> Statement::exists() {
  Result<bool> row = step();
  sqlite3_reset(stmt_);
  return row;
}

Status Statement::run() {
  int rc;
  while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) {
    Status st = sqlite_error(db_, fmt::format("run '{}'", sql_excerpt(sqlite3_sql(stmt_))));
    sqlite3_reset(stmt_);
    return st;
  }
  sqlite3_reset(stmt_);
  return Status();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string_view Statement::column_text(int i) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
  if (!p) return {};
  return std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path,
                                                 const OpenOptions& options) {
  // Once, before SQLite initialises: no memory statistics, which would take a process-wide
  // mutex on every allocation SQLite makes (recur never reads them).
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;
  sqlite3* raw = nullptr;
  int flags =
      options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  const char* vfs = options.combine_wal_writes ? wal_combining_vfs() : nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs);
  if (rc != SQLITE_OK) {
    Status st = io_error(fmt::format("cannot open database '{}': {}", path,
                                     raw ? sqlite3_errmsg(raw) : "out of memory"));
    sqlite3_close(raw);
    return st;
  }
  std::unique_ptr<Database> db(new Database(raw, path));
  db->strict_statements_ = options.strict_statements;
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  if (!options.read_only) {
    RETURN_IF_ERROR(db->exec("PRAGMA journal_mode=WAL"));
  }
  const char* sync = options.synchronous == Synchronous::kFull  ? "FULL"
                     : options.synchronous == Synchronous::kOff ? "OFF"
                                                                : "NORMAL";
  RETURN_IF_ERROR(db->exec(fmt::format("PRAGMA synchronous={}", sync)));
  RETURN_IF_ERROR(db->exec("PRAGMA foreign_keys=ON"));
  RETURN_IF_ERROR(db->exec("PRAGMA cache_size=-65536"));  // 64 MiB page cache
  RETURN_IF_ERROR(db->exec("PRAGMA temp_store=MEMORY"));
  if (options.migrate) {
    RETURN_IF_ERROR(options.read_only ? check_schema_current(*db) : migrate(*db));
  }
  return db;
}

Database::~Database() {
  sqlite3_close_v2(db_);
}

Status Database::exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    Status st = sqlite_error(db_, "exec");
    return Status(st.code(), fmt::format("{} in: {}", msg, s.substr(0, 200)));
  }
  return Status();
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, fmt::format("prepare '{}'", sql_excerpt(sql)));
  return Statement(stmt, db_);
}

Result<Statement*> Database::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    ASSIGN_OR_RETURN(Statement st, prepare(sql));
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(std::move(st))).first;
  } else {
    it->second->reset();
  }
  return it->second.get();
}

std::vector<std::string> Database::busy_statements() const {
  std::vector<std::string> out;
  for (sqlite3_stmt* st = sqlite3_next_stmt(db_, nullptr); st; st = sqlite3_next_stmt(db_, st))
    if (sqlite3_stmt_busy(st)) out.emplace_back(sqlite3_sql(st));
  return out;
}

Status Database::no_statement_running(std::string_view when) const {
  if (!strict_statements_) return Status();
  std::vector<std::string> busy = busy_statements();
  if (busy.empty()) return Status();
  return internal_error(
      fmt::format("{}: statement(s) left running: {}", when, fmt::join(busy, " | ")));
}

Result<std::int64_t> Database::query_int(std::string_view sql, std::int64_t fallback) {
  ASSIGN_OR_RETURN(Statement st, prepare(sql));
  ASSIGN_OR_RETURN(bool row, st.step());
  if (!row || st.column_is_null(0)) return fallback;
  return st.column_int64(0);
}

Result<std::unique_ptr<Transaction>> Transaction::begin(Database& db) {
  RETURN_IF_ERROR(db.no_statement_running("BEGIN"));
  RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  return std::unique_ptr<Transaction>(new Transaction(db));
}

Transaction::~Transaction() {
  if (!done_) (void)db_.exec("ROLLBACK");
}

Status Transaction::commit() {
  RETURN_IF_ERROR(db_.no_statement_running("COMMIT"));
  RETURN_IF_ERROR(db_.exec("COMMIT"));
  done_ = true;
  return Status();
}

}  // namespace recur::store
