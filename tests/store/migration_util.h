#pragma once
// Stores at an older schema, for the tests of a migration: the migrations below `version`
// applied as migrate() does, so a test can write rows in the shape they had then.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/database.h"
#include "store/migrations.h"
#include "test_util.h"

namespace recur::store::testing {

// Applies migrations [from, to] to `db`, recording each as migrate() does.
inline void apply_migrations(Database& db, int from, int to) {
  for (const Migration& m : schema_migrations()) {
    if (m.version < from || m.version > to) continue;
    EXPECT_TRUE(db.exec(m.sql).ok()) << m.name;
    EXPECT_TRUE(db.exec("INSERT INTO schema_migrations (version, name) VALUES (" +
                        std::to_string(m.version) + ", 'test')")
                    .ok());
  }
}

// A store in `dir` with every migration before `version` and none from it on.
inline std::unique_ptr<Database> open_before(const recur::testing::TempDir& dir, int version) {
  OpenOptions o;
  o.migrate = false;
  auto db = Database::open(dir.file("old.db"), o);
  EXPECT_TRUE(db.ok()) << db.status().to_string();
  EXPECT_TRUE(schema_version(**db).ok());
  apply_migrations(**db, 1, version - 1);
  return std::move(db).value();
}

}  // namespace recur::store::testing
