#include "store/database.h"

#include <gtest/gtest.h>

#include "store/migrations.h"
#include "store/settings.h"
#include "store/stats.h"
#include "test_util.h"

namespace recur::store {
namespace {

using recur::testing::TempDir;

TEST(Database, MigratesOnceAndRecordsTheVersion) {
  TempDir dir;
  {
    auto db = recur::testing::open_test_db(dir);
    // The highest version, not the count: versions may skip a number reserved by a branch.
    EXPECT_EQ(schema_version(*db).value(), schema_migrations().back().version);
  }
  auto again = recur::testing::open_test_db(dir);  // reopening applies nothing twice
  EXPECT_EQ(recur::testing::count(*again, "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<std::int64_t>(schema_migrations().size()));
}

// An error names its statement; a long one (a multi-row INSERT) by its start and size, cut on
// a character boundary, not by a thousand repeated placeholder groups.
TEST(Database, AnErrorNamesALongStatementByItsStartAndSize) {
  TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  ASSERT_TRUE(db->exec("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  std::string sql = "INSERT INTO t (k) VALUES ('甲')";
  for (int i = 0; i < 300; ++i) sql += ", ('乙')";
  auto st = db->prepare(sql);
  ASSERT_TRUE(st.ok()) << st.status().to_string();
  Status s = st->run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  const std::string& m = s.message();
  EXPECT_NE(m.find("run 'INSERT INTO t (k) VALUES ('甲'), ('乙')"), std::string::npos) << m;
  EXPECT_NE(m.find("… (" + std::to_string(sql.size()) + " bytes)"), std::string::npos) << m;
  EXPECT_NE(m.find("UNIQUE constraint failed: t.k"), std::string::npos) << m;
  EXPECT_LT(m.size(), 400u) << m;
  // The start is the statement's, cut between two characters, never inside one.
  const std::size_t from = m.find("run '") + 5, dots = m.find("…");
  ASSERT_NE(dots, std::string::npos);
  const std::string start = m.substr(from, dots - from);
  EXPECT_EQ(sql.compare(0, start.size(), start), 0) << m;
  EXPECT_NE(static_cast<unsigned char>(sql[start.size()]) & 0xC0, 0x80) << m;
}

// A read-only open cannot migrate: a store left behind by an older recur is refused with the
// versions and what to do, not with the first missing table a query happens to meet.
TEST(Database, ReadOnlyOpenOfAnOlderStoreSaysToUpgrade) {
  TempDir dir;
  const int latest = latest_schema_version();
  {
    auto db = recur::testing::open_test_db(dir);
    ASSERT_TRUE(db->exec("DELETE FROM schema_migrations WHERE version > 8").ok());
  }
  OpenOptions ro;
  ro.read_only = true;
  auto old = Database::open(dir.file("t.db"), ro);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(old.status().message().find("schema version 8 and this recur needs " +
                                        std::to_string(latest)),
            std::string::npos)
      << old.status().message();
  EXPECT_NE(old.status().message().find("recur init"), std::string::npos);
  // Without migrating, a read-only open still works (a tool that reads what is there).
  ro.migrate = false;
  EXPECT_TRUE(Database::open(dir.file("t.db"), ro).ok());
}

// A store written by a newer recur is refused by both kinds of open: an older recur would write
// to a schema it does not know.
TEST(Database, RefusesAStoreFromANewerRecur) {
  TempDir dir;
  const int newer = latest_schema_version() + 1;
  {
    auto db = recur::testing::open_test_db(dir);
    ASSERT_TRUE(db->exec("INSERT INTO schema_migrations (version, name) VALUES (" +
                         std::to_string(newer) + ", 'from the future')")
                    .ok());
  }
  for (bool read_only : {false, true}) {
    OpenOptions o;
    o.read_only = read_only;
    auto db = Database::open(dir.file("t.db"), o);
    ASSERT_FALSE(db.ok()) << "read_only " << read_only;
    EXPECT_EQ(db.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(db.status().message().find("schema version " + std::to_string(newer) +
                                         ", newer than this recur knows"),
              std::string::npos)
        << db.status().message();
  }
}

TEST(Database, UsesWalJournal) {
  TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  auto st = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(st->step().value());
  EXPECT_EQ(st->column_text(0), "wal");
}

TEST(Database, FullSyncIsAnOption) {
  TempDir dir;
  OpenOptions o;
  o.synchronous = Synchronous::kFull;
  auto db = Database::open(dir.file("f.db"), o);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ((*db)->query_int("PRAGMA synchronous").value(), 2);  // FULL
  auto normal = recur::testing::open_test_db(dir, "n.db");
  EXPECT_EQ(normal->query_int("PRAGMA synchronous").value(), 1);  // NORMAL
}

// A statement stepped to a row and never reset keeps a read snapshot open past COMMIT (the WAL
// then cannot be checkpointed and grows with every order). Strict mode names it.
TEST(Database, StrictModeNamesAStatementLeftRunning) {
  TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  ASSERT_TRUE(db->exec("INSERT INTO stores (store_id) VALUES ('S1'), ('S2')").ok());
  auto st = db->cached("SELECT store_id FROM stores ORDER BY store_id");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE((*st)->step().value());
  EXPECT_EQ(db->busy_statements(),
            std::vector<std::string>{"SELECT store_id FROM stores ORDER BY store_id"});
  auto refused = Transaction::begin(*db);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("BEGIN: statement(s) left running: SELECT store_id"),
            std::string::npos)
      << refused.status().message();
  (*st)->reset();
  EXPECT_TRUE(db->busy_statements().empty());
  auto tx = Transaction::begin(*db);
  ASSERT_TRUE(tx.ok());
  auto again = db->cached("SELECT store_id FROM stores ORDER BY store_id");
  ASSERT_TRUE((*again)->step().value());
  Status commit = (*tx)->commit();
  EXPECT_FALSE(commit.ok());
  EXPECT_NE(commit.message().find("COMMIT: statement(s) left running"), std::string::npos);
  // exists() steps once and resets.
  auto probe = db->cached("SELECT 1 FROM stores WHERE store_id = 'S2'");
  EXPECT_TRUE((*probe)->exists().value());
  (*again)->reset();
  EXPECT_TRUE(db->busy_statements().empty());
}

TEST(Database, TransactionRollsBackUnlessCommitted) {
  TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  {
    auto tx = Transaction::begin(*db);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db->exec("INSERT INTO stores (store_id) VALUES ('S1')").ok());
  }
  EXPECT_EQ(recur::testing::count(*db, "SELECT COUNT(*) FROM stores"), 0);
  {
    auto tx = Transaction::begin(*db);
    ASSERT_TRUE(db->exec("INSERT INTO stores (store_id) VALUES ('S1')").ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  EXPECT_EQ(recur::testing::count(*db, "SELECT COUNT(*) FROM stores"), 1);
}

TEST(Database, ConstraintViolationIsAlreadyExists) {
  TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  ASSERT_TRUE(db->exec("INSERT INTO stores (store_id) VALUES ('S1')").ok());
  Status st = db->exec("INSERT INTO stores (store_id) VALUES ('S1')");
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
}

TEST(Settings, TimeZoneDefaultsToShanghaiAndCanChange) {
  TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  EXPECT_EQ(merchant_time_zone(*db).value().name(), "Asia/Shanghai");
  ASSERT_TRUE(set_setting(*db, "timezone", "Europe/Berlin").ok());
  EXPECT_EQ(merchant_time_zone(*db).value().name(), "Europe/Berlin");
}

TEST(Stats, CountsLiveMembersOnly) {
  TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  ASSERT_TRUE(db->exec("INSERT INTO members (member_id, created_at) VALUES (1, 0), (2, 0)").ok());
  ASSERT_TRUE(db->exec("UPDATE members SET merged_into = 1 WHERE member_id = 2").ok());
  EXPECT_EQ(collect_stats(*db).value().members, 1);
}

}  // namespace
}  // namespace recur::store
