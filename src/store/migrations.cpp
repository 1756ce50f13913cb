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

Status migrate(Database& db) {
  ASSIGN_OR_RETURN(int current, schema_version(db));
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
