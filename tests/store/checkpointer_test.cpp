// The background checkpointer: commits go on while the WAL is copied back elsewhere, nothing is
// lost, the WAL stays bounded when the thread cannot keep up, and stop() leaves the connection
// as it was (automatic checkpoint on, the WAL folded back).

#include "store/checkpointer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"

namespace recur::store {
namespace {

using recur::testing::count;
using recur::testing::TempDir;

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = recur::testing::open_test_db(dir_);
    ASSERT_TRUE(db_->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)").ok());
    // The schema's pages out of the WAL, and the file back to empty: what follows is the test's.
    ASSERT_TRUE(db_->exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  }
  // n transactions of one row each.
  void commit_rows(int first, int n) {
    auto ins = db_->prepare("INSERT INTO t (k, v) VALUES (?, printf('%.200c', 'x'))");
    ASSERT_TRUE(ins.ok());
    for (int i = first; i < first + n; ++i) {
      auto tx = Transaction::begin(*db_);
      ASSERT_TRUE(tx.ok());
      ins->reset();
      ins->bind(1, i);
      ASSERT_TRUE(ins->run().ok());
      ASSERT_TRUE((*tx)->commit().ok());
    }
  }
  std::uintmax_t wal_bytes() { return std::filesystem::file_size(db_->path() + "-wal"); }

  TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(CheckpointerTest, CommitsGoOnAndEveryRowIsInTheFileAfterStop) {
  auto c = Checkpointer::start(*db_, CheckpointerOptions{20, 100000, 1000});
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(count(*db_, "PRAGMA wal_autocheckpoint"), 0);  // off while the thread does it
  // The thread checkpoints while the commits go on (it is woken every 20 frames or so).
  int rows = 0;
  while (rows < 20000 && (*c)->stats().background == 0) {
    commit_rows(rows + 1, 50);
    rows += 50;
  }
  EXPECT_GE((*c)->stats().background, 1);
  commit_rows(rows + 1, 500 - rows % 500);
  rows += 500 - rows % 500;
  ASSERT_TRUE((*c)->stop().ok());
  EXPECT_EQ((*c)->stats().inline_runs, 0);
  EXPECT_EQ(count(*db_, "PRAGMA wal_autocheckpoint"), 1000);  // given back
  // The last checkpoint copied every frame: the database file alone, without its WAL, holds
  // every row.
  const std::string copy = dir_.file("copy.db");
  std::filesystem::copy_file(db_->path(), copy);
  {
    auto alone = Database::open(copy);
    ASSERT_TRUE(alone.ok());
    EXPECT_EQ(count(**alone, "SELECT COUNT(*) FROM t"), rows);
  }
  // Another connection reads every row.
  auto other = Database::open(db_->path());
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(count(**other, "SELECT COUNT(*) FROM t"), rows);
  EXPECT_EQ(count(**other, "SELECT SUM(k) FROM t"), std::int64_t{rows} * (rows + 1) / 2);
  EXPECT_TRUE((*c)->stop().ok());  // again: nothing more
}

TEST_F(CheckpointerTest, TheWriterCheckpointsItselfWhenTheWalReachesTheLimit) {
  // inline_frames = 1: every commit is past the limit, so the writer checkpoints after each one
  // and the WAL restarts from its beginning instead of growing.
  auto c = Checkpointer::start(*db_, CheckpointerOptions{1, 1, 1000});
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  commit_rows(1, 300);
  EXPECT_EQ((*c)->stats().inline_runs, 300);
  EXPECT_LT(wal_bytes(), 40u * 4096);  // a few transactions' pages, not 300
  ASSERT_TRUE((*c)->stop().ok());
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM t"), 300);
}

TEST_F(CheckpointerTest, RefusesNonsenseLimits) {
  auto c = Checkpointer::start(*db_, CheckpointerOptions{0, 10, 1000});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  c = Checkpointer::start(*db_, CheckpointerOptions{100, 10, 1000});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("inline_frames"), std::string::npos);
}

}  // namespace
}  // namespace recur::store
