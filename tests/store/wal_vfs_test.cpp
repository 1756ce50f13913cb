// store::wal_combining_vfs: a commit's WAL frames reach the file in one write, every commit is
// visible at once to other connections (on this VFS or SQLite's own), long transactions and WAL
// restarts keep the database intact, and a write that fails fails the COMMIT — nothing is
// reported committed that is not in the WAL.

#include "store/wal_vfs.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store/database.h"
#include "test_util.h"

namespace recur::store {
namespace {

using recur::testing::count;
using recur::testing::TempDir;

std::unique_ptr<Database> open(const std::string& path, bool combine) {
  OpenOptions o;
  o.combine_wal_writes = combine;
  o.migrate = false;
  auto db = Database::open(path, o);
  EXPECT_TRUE(db.ok()) << db.status().to_string();
  return db.ok() ? std::move(db).value() : nullptr;
}

// WAL frames in the file: (size - 32-byte header) / (24-byte frame header + page).
std::int64_t wal_frames(Database& db) {
  const auto page = db.query_int("PRAGMA page_size").value_or(4096);
  const auto bytes = static_cast<std::int64_t>(std::filesystem::file_size(db.path() + "-wal"));
  return bytes <= 32 ? 0 : (bytes - 32) / (24 + page);
}

// Read back from the files alone, by SQLite's own VFS: table t holds `rows` rows and the
// database is intact.
void expect_on_disk(const std::string& path, std::int64_t rows) {
  auto db = open(path, false);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t"), rows);
  EXPECT_EQ(recur::testing::dump(*db, "PRAGMA integrity_check"), "ok\n");
}

TEST(WalVfs, ACommitOfManyPagesIsOneWrite) {
  TempDir dir;
  auto db = open(dir.file("t.db"), true);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->exec("CREATE TABLE a (k INTEGER PRIMARY KEY, v TEXT); CREATE INDEX a_v ON a (v);"
                       "CREATE TABLE b (k INTEGER PRIMARY KEY, v TEXT);")
                  .ok());
  ASSERT_TRUE(db->exec("PRAGMA wal_autocheckpoint=0; PRAGMA wal_checkpoint(TRUNCATE)").ok());
  // The first commit after a WAL restart also writes (and syncs) the WAL's header; the second
  // is the common case.
  const std::string commit =
      "BEGIN; INSERT INTO a (v) WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
      "WHERE x < 20) SELECT printf('%0400d', x) FROM n; INSERT INTO b (v) WITH RECURSIVE n(x) AS "
      "(SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20) SELECT printf('%0300d', x) FROM n; "
      "COMMIT;";
  ASSERT_TRUE(db->exec(commit).ok());
  const std::int64_t frames_before = wal_frames(*db);
  const WalWriteCounts before = wal_write_counts();
  ASSERT_TRUE(db->exec(commit).ok());  // several pages of three B-trees
  const WalWriteCounts after = wal_write_counts();
  const std::int64_t frames = wal_frames(*db) - frames_before;
  EXPECT_GE(frames, 6);
  // SQLite asked for two writes per frame; the platform got one.
  EXPECT_EQ(after.asked - before.asked, static_cast<std::uint64_t>(2 * frames));
  EXPECT_EQ(after.written - before.written, 1u);
}

TEST(WalVfs, EveryCommitIsVisibleToOtherConnectionsAtOnce) {
  TempDir dir;
  const std::string path = dir.file("t.db");
  auto writer = open(path, true);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)").ok());
  // A small WAL limit: the WAL is checkpointed and restarted from its start many times.
  ASSERT_TRUE(writer->exec("PRAGMA wal_autocheckpoint=20").ok());
  auto same_vfs = open(path, true);
  auto plain = open(path, false);
  ASSERT_NE(same_vfs, nullptr);
  ASSERT_NE(plain, nullptr);
  std::int64_t rows = 0;
  for (int i = 0; i < 300; ++i) {
    // Mostly one row; every 25th transaction a long one of 400 KiB, written in pieces.
    const int n = i % 25 == 0 ? 100 : 1;
    const int bytes = i % 25 == 0 ? 4000 : 100 + i;
    ASSERT_TRUE(writer
                    ->exec("INSERT INTO t (v) WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT "
                           "x + 1 FROM n WHERE x < " +
                           std::to_string(n) + ") SELECT randomblob(" + std::to_string(bytes) +
                           ") FROM n")
                    .ok());
    rows += n;
    ASSERT_EQ(count(*same_vfs, "SELECT COUNT(*) FROM t"), rows) << "after commit " << i;
    ASSERT_EQ(count(*plain, "SELECT COUNT(*) FROM t"), rows) << "after commit " << i;
    ASSERT_EQ(count(*plain, "SELECT SUM(length(v)) FROM t"),
              count(*writer, "SELECT SUM(length(v)) FROM t"));
  }
  EXPECT_EQ(recur::testing::dump(*plain, "PRAGMA integrity_check"), "ok\n");
  writer.reset();
  same_vfs.reset();
  plain.reset();
  expect_on_disk(path, rows);
}

// A transaction larger than the page cache spills pages to the WAL before its commit, reads
// some back, and may roll back, after which the next transaction writes over the same place:
// the buffered frames go out in order, and only what committed is ever seen.
TEST(WalVfs, SpilledAndRolledBackTransactionsLeaveOnlyWhatCommitted) {
  TempDir dir;
  const std::string path = dir.file("t.db");
  auto writer = open(path, true);
  auto reader = open(path, false);
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(writer
                  ->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB); "
                         "CREATE INDEX t_v ON t (v); PRAGMA cache_size=20")
                  .ok());
  const std::string many =
      "INSERT INTO t (v) WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x "
      "< 400) SELECT randomblob(300) FROM n";
  std::int64_t rows = 0;
  for (int round = 0; round < 6; ++round) {
    const WalWriteCounts before = wal_write_counts();
    ASSERT_TRUE(writer->exec("BEGIN").ok());
    ASSERT_TRUE(writer->exec(many).ok());  // spills: the cache holds 20 pages
    // Reads what it wrote, some of it from its own spilled frames.
    ASSERT_EQ(count(*writer, "SELECT COUNT(*) FROM t"), rows + 400);
    const bool keep = round % 2 == 1;
    ASSERT_TRUE(writer->exec(keep ? "COMMIT" : "ROLLBACK").ok());
    if (keep) rows += 400;
    EXPECT_GT(wal_write_counts().written - before.written, 1u) << "round " << round;
    ASSERT_EQ(count(*reader, "SELECT COUNT(*) FROM t"), rows) << "round " << round;
    ASSERT_EQ(count(*writer, "SELECT COUNT(*) FROM t"), rows) << "round " << round;
    // A one-row commit over where the rolled-back frames were.
    ASSERT_TRUE(writer->exec("INSERT INTO t (v) VALUES (randomblob(50))").ok());
    ++rows;
    ASSERT_EQ(count(*reader, "SELECT COUNT(*) FROM t"), rows) << "round " << round;
  }
  EXPECT_EQ(recur::testing::dump(*reader, "PRAGMA integrity_check"), "ok\n");
  writer.reset();
  reader.reset();
  expect_on_disk(path, rows);
}

// A process whose files may not grow past 256 KiB (RLIMIT_FSIZE): the small commits land, the
// one that does not fit fails with an error — its frames never half-reported as committed —
// and the database, read afterwards by SQLite's own VFS, holds exactly the commits that
// succeeded.
TEST(WalVfs, AWriteThatFailsFailsTheCommit) {
  TempDir dir;
  const std::string path = dir.file("t.db");
  {
    auto db = open(path, true);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)").ok());
  }
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead
    rlimit limit{256 * 1024, 256 * 1024};
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(10);
    OpenOptions o;
    o.migrate = false;
    auto db = Database::open(path, o);
    if (!db.ok()) _exit(11);
    if (!(*db)->exec("PRAGMA wal_autocheckpoint=0").ok()) _exit(12);
    for (int i = 0; i < 5; ++i)
      if (!(*db)->exec("INSERT INTO t (v) VALUES (randomblob(1000))").ok()) _exit(13);
    Status big = (*db)->exec("INSERT INTO t (v) VALUES (randomblob(600000))");
    _exit(big.ok() ? 14 : 0);  // 0: the commit that could not be written failed
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "10-13: the small commits failed; 14: the big one succeeded";
  expect_on_disk(path, 5);
  auto db = open(path, false);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(count(*db, "SELECT MAX(length(v)) FROM t"), 1000);
}

}  // namespace
}  // namespace recur::store
