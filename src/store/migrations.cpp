#include "store/migrations.h"

#include <fmt/format.h>

namespace recur::store {

Result<int> schema_version(Database& db) {
  RETURN_IF_ERROR(
      db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
              "name TEXT NOT NULL)"));
  ASSIGN_OR_RETURN(std::int64_t v, db.query_int("SELECT MAX(version) FROM schema_migrations", 0));
  return static_cast<int>(v);
}

int latest_schema_version() {
  return schema_migrations().back().version;
}

namespace {

Status newer_than_known(const Database& db, int version) {
  return failed_precondition(fmt::format(
      "database '{}' is at schema version {}, newer than this recur knows ({}): it was written "
      "by a newer recur; use that one (数据库由更新版本的 recur 写入)",
      db.path(), version, latest_schema_version()));
}

}  // namespace

Status check_schema_current(Database& db) {
  // Read-only: the table may be missing (a file recur never wrote), which reads as version 0.
  auto v = db.query_int("SELECT MAX(version) FROM schema_migrations", 0);
  const int version = v.ok() ? static_cast<int>(*v) : 0;
  if (version > latest_schema_version()) return newer_than_known(db, version);
  if (version < latest_schema_version())
    return failed_precondition(fmt::format(
        "database '{}' is at schema version {} and this recur needs {} (数据库需要升级): run "
        "`recur init` once to upgrade it (back the file up first; docs/loyalty.md, \"Upgrading a "
        "store\")",
        db.path(), version, latest_schema_version()));
  return Status();
}

Status migrate(Database& db) {
  ASSIGN_OR_RETURN(int current, schema_version(db));
  if (current > latest_schema_version()) return newer_than_known(db, current);
  for (const Migration& m : schema_migrations()) {
    if (m.version <= current) continue;
    ASSIGN_OR_RETURN(auto tx, Transaction::begin(db));
    // Another process may have migrated while we waited for the write lock.
    ASSIGN_OR_RETURN(std::int64_t again,
                     db.query_int(fmt::format(
                         "SELECT COUNT(*) FROM schema_migrations WHERE version = {}", m.version)));
    if (again > 0) continue;
    Status st = db.exec(m.sql);
    if (!st.ok())
      return Status(st.code(),
                    fmt::format("migration {} ({}) failed: {}", m.version, m.name, st.message()));
    ASSIGN_OR_RETURN(Statement ins,
                     db.prepare("INSERT INTO schema_migrations (version, name) VALUES (?, ?)"));
    ins.bind(1, m.version).bind(2, m.name);
    RETURN_IF_ERROR(ins.run());
    RETURN_IF_ERROR(tx->commit());
  }
  return Status();
}

}  // namespace recur::store
