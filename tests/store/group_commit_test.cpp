// store::GroupCommit: units in savepoints of one shared transaction, committed by window, count
// or flush, each group reported once with its tickets; a failed unit or COMMIT is undone and
// reported, never acknowledged.

#include "store/group_commit.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/monotonic_clock.h"
#include "test_util.h"

namespace recur::store {
namespace {

using recur::testing::TempDir;

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = recur::testing::open_test_db(dir_);
    ASSERT_TRUE(db_->exec("CREATE TABLE t (v INTEGER NOT NULL UNIQUE)").ok());
    // A second connection sees only what was committed.
    reader_ = recur::testing::open_test_db(dir_);
  }
  GroupCommitOptions options(std::int64_t window_ms = 5, std::size_t max_units = 1000) {
    GroupCommitOptions o;
    o.window_ns = window_ms * 1'000'000;
    o.max_units = max_units;
    o.on_rollback = [this] { ++rollbacks_; };
    return o;
  }
  GroupCommit::OnGroup record() {
    return [this](const GroupOutcome& g) { groups_.push_back(g); };
  }
  // A unit inserting `v` (UNIQUE: inserting a value twice fails).
  std::function<Status()> insert(int v) {
    return [this, v] { return db_->exec("INSERT INTO t (v) VALUES (" + std::to_string(v) + ")"); };
  }
  std::int64_t committed_rows() {
    return recur::testing::count(*reader_, "SELECT COUNT(*) FROM t");
  }

  TempDir dir_;
  std::unique_ptr<Database> db_, reader_;
  ManualMonotonicClock clock_;
  std::vector<GroupOutcome> groups_;
  int rollbacks_ = 0;
};

TEST_F(GroupCommitTest, AFailedUnitIsRolledBackAloneAndTheOthersCommit) {
  GroupCommit group(*db_, clock_, options(), record());
  auto a = group.run(insert(1));
  auto b = group.run([this] {
    // Writes, then fails: what it wrote must go, and only that.
    RETURN_IF_ERROR(db_->exec("INSERT INTO t (v) VALUES (2)"));
    return invalid_argument("field 'amount': amount is negative");
  });
  auto c = group.run(insert(1));  // a duplicate: fails in SQLite, alone
  auto d = group.run(insert(3));
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "field 'amount': amount is negative");
  ASSERT_FALSE(c.ok());
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(*a, 1u);
  EXPECT_EQ(*d, 2u);  // tickets count successful units only
  EXPECT_EQ(rollbacks_, 2);
  EXPECT_EQ(committed_rows(), 0);  // nothing durable before the group commits
  EXPECT_TRUE(groups_.empty());

  ASSERT_TRUE(group.flush().ok());
  ASSERT_EQ(groups_.size(), 1u);
  EXPECT_TRUE(groups_[0].status.ok());
  EXPECT_EQ(groups_[0].first, 1u);
  EXPECT_EQ(groups_[0].last, 2u);
  EXPECT_EQ(group.last_committed(), 2u);
  auto st = reader_->prepare("SELECT group_concat(v, ',') FROM (SELECT v FROM t ORDER BY v)");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(st->step().value());
  EXPECT_EQ(st->column_string(0), "1,3");
}

TEST_F(GroupCommitTest, TheWindowCommitsTheGroupOnceItHasPassed) {
  GroupCommit group(*db_, clock_, options(5), record());
  EXPECT_FALSE(group.ns_until_due().has_value());  // no group open
  ASSERT_TRUE(group.run(insert(1)).ok());
  EXPECT_EQ(group.ns_until_due(), 5'000'000);
  clock_.advance_ms(4);
  ASSERT_TRUE(group.run(insert(2)).ok());
  EXPECT_EQ(group.ns_until_due(), 1'000'000);
  EXPECT_TRUE(groups_.empty());
  EXPECT_EQ(committed_rows(), 0);
  clock_.advance_ms(1);
  ASSERT_TRUE(group.run(insert(3)).ok());  // 5 ms since the group began: it commits
  ASSERT_EQ(groups_.size(), 1u);
  EXPECT_EQ(groups_[0].first, 1u);
  EXPECT_EQ(groups_[0].last, 3u);
  EXPECT_EQ(committed_rows(), 3);
  EXPECT_FALSE(group.ns_until_due().has_value());

  // The next group starts with its first unit; idle callers commit it with commit_if_due.
  clock_.advance_ms(100);
  ASSERT_TRUE(group.run(insert(4)).ok());
  clock_.advance_ms(4);
  ASSERT_TRUE(group.commit_if_due().ok());
  EXPECT_EQ(groups_.size(), 1u);  // not due yet
  clock_.advance_ms(1);
  EXPECT_EQ(group.ns_until_due(), 0);
  ASSERT_TRUE(group.commit_if_due().ok());
  ASSERT_EQ(groups_.size(), 2u);
  EXPECT_EQ(groups_[1].first, 4u);
  EXPECT_EQ(groups_[1].last, 4u);
  EXPECT_EQ(group.last_committed(), 4u);
}

TEST_F(GroupCommitTest, TheCountCommitsTheGroupWithoutWaitingForTheWindow) {
  GroupCommit group(*db_, clock_, options(1000, 3), record());
  for (int v = 1; v <= 7; ++v) ASSERT_TRUE(group.run(insert(v)).ok());
  ASSERT_EQ(groups_.size(), 2u);
  EXPECT_EQ(groups_[0].first, 1u);
  EXPECT_EQ(groups_[0].last, 3u);
  EXPECT_EQ(groups_[1].first, 4u);
  EXPECT_EQ(groups_[1].last, 6u);
  EXPECT_EQ(group.pending(), 1u);
  EXPECT_EQ(committed_rows(), 6);
}

TEST_F(GroupCommitTest, AZeroWindowCommitsEveryUnit) {
  GroupCommit group(*db_, clock_, options(0), record());
  for (int v = 1; v <= 3; ++v) {
    ASSERT_TRUE(group.run(insert(v)).ok());
    EXPECT_EQ(committed_rows(), v);
  }
  EXPECT_EQ(groups_.size(), 3u);
}

TEST_F(GroupCommitTest, TheDestructorFlushes) {
  {
    GroupCommit group(*db_, clock_, options(), record());
    ASSERT_TRUE(group.run(insert(1)).ok());
    ASSERT_TRUE(group.run(insert(2)).ok());
  }
  ASSERT_EQ(groups_.size(), 1u);
  EXPECT_TRUE(groups_[0].status.ok());
  EXPECT_EQ(committed_rows(), 2);
  EXPECT_FALSE(db_->in_transaction());
}

// A deferred foreign key is checked at COMMIT: the unit succeeds, the group's COMMIT fails.
TEST_F(GroupCommitTest, AFailedCommitReportsEveryUnitOfTheGroupAndKeepsNone) {
  ASSERT_TRUE(db_->exec("CREATE TABLE parent (id INTEGER PRIMARY KEY); "
                        "CREATE TABLE child (pid INTEGER REFERENCES parent (id) "
                        "DEFERRABLE INITIALLY DEFERRED)")
                  .ok());
  GroupCommit group(*db_, clock_, options(), record());
  ASSERT_TRUE(group.run(insert(1)).ok());
  ASSERT_TRUE(group.run([this] { return db_->exec("INSERT INTO child (pid) VALUES (99)"); }).ok());
  ASSERT_TRUE(group.run(insert(2)).ok());
  Status s = group.flush();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("COMMIT of a group of 3 units failed"), std::string::npos)
      << s.message();
  ASSERT_EQ(groups_.size(), 1u);
  EXPECT_FALSE(groups_[0].status.ok());
  EXPECT_EQ(groups_[0].first, 1u);
  EXPECT_EQ(groups_[0].last, 3u);
  EXPECT_EQ(groups_[0].units(), 3u);
  EXPECT_EQ(group.last_committed(), 0u);
  EXPECT_EQ(rollbacks_, 1);
  EXPECT_FALSE(db_->in_transaction());
  EXPECT_EQ(committed_rows(), 0);
  EXPECT_EQ(recur::testing::count(*db_, "SELECT COUNT(*) FROM t"), 0);

  // The next group starts clean.
  ASSERT_TRUE(group.run(insert(1)).ok());
  ASSERT_TRUE(group.flush().ok());
  ASSERT_EQ(groups_.size(), 2u);
  EXPECT_TRUE(groups_[1].status.ok());
  EXPECT_EQ(groups_[1].first, 4u);
  EXPECT_EQ(group.last_committed(), 4u);
  EXPECT_EQ(committed_rows(), 1);
}

TEST_F(GroupCommitTest, AUnitThatEndsTheTransactionFailsItsWholeGroup) {
  GroupCommit group(*db_, clock_, options(), record());
  ASSERT_TRUE(group.run(insert(1)).ok());
  auto bad = group.run([this] { return db_->exec("ROLLBACK"); });
  ASSERT_FALSE(bad.ok());
  ASSERT_EQ(groups_.size(), 1u);  // the earlier unit is reported lost, not acknowledged
  EXPECT_FALSE(groups_[0].status.ok());
  EXPECT_NE(groups_[0].status.message().find("transaction ended inside a unit"), std::string::npos)
      << groups_[0].status.message();
  EXPECT_EQ(group.last_committed(), 0u);
  ASSERT_TRUE(group.run(insert(1)).ok());
  ASSERT_TRUE(group.flush().ok());
  EXPECT_EQ(committed_rows(), 1);
}

TEST_F(GroupCommitTest, NestedUseIsRefused) {
  GroupCommit group(*db_, clock_, options(), record());
  Status inner_run, inner_flush;
  auto outer = group.run([&] {
    auto r = group.run(insert(1));
    inner_run = r.status();
    inner_flush = group.flush();
    return db_->exec("INSERT INTO t (v) VALUES (2)");
  });
  ASSERT_TRUE(outer.ok()) << outer.status().to_string();
  EXPECT_EQ(inner_run.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(inner_run.message().find("a unit cannot run another"), std::string::npos)
      << inner_run.message();
  EXPECT_EQ(inner_flush.code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(group.flush().ok());
  EXPECT_EQ(recur::testing::count(*reader_, "SELECT COUNT(*) FROM t WHERE v = 1"), 0);
  EXPECT_EQ(recur::testing::count(*reader_, "SELECT COUNT(*) FROM t WHERE v = 2"), 1);

  // Nor does it run inside someone else's transaction.
  auto tx = Transaction::begin(*db_);
  ASSERT_TRUE(tx.ok());
  auto refused = group.run(insert(3));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("a transaction is already open"), std::string::npos);
}

TEST_F(GroupCommitTest, UseFromTheCallbackIsRefused) {
  Status from_callback;
  GroupCommit* self = nullptr;
  GroupCommit group(*db_, clock_, options(0),
                    [&](const GroupOutcome&) { from_callback = self->run(insert(9)).status(); });
  self = &group;
  ASSERT_TRUE(group.run(insert(1)).ok());
  EXPECT_EQ(from_callback.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(committed_rows(), 1);
}

// Strict mode (tests, RECUR_STRICT_STATEMENTS): a statement left running would pin a read
// snapshot past COMMIT; the unit that left it fails alone instead of its whole group.
TEST_F(GroupCommitTest, AUnitLeavingAStatementRunningFailsAlone) {
  GroupCommit group(*db_, clock_, options(), record());
  ASSERT_TRUE(group.run(insert(1)).ok());
  auto leaky = group.run([this]() -> Status {
    RETURN_IF_ERROR(db_->exec("INSERT INTO t (v) VALUES (2)"));
    ASSIGN_OR_RETURN(Statement * st, db_->cached("SELECT v FROM t ORDER BY v"));
    return st->step().status();  // stepped to a row and not reset
  });
  ASSERT_FALSE(leaky.ok());
  EXPECT_NE(leaky.status().message().find("left running: SELECT v FROM t ORDER BY v"),
            std::string::npos)
      << leaky.status().message();
  (*db_->cached("SELECT v FROM t ORDER BY v"))->reset();  // what the unit should have done
  ASSERT_TRUE(group.flush().ok());
  EXPECT_EQ(committed_rows(), 1);
}

TEST_F(GroupCommitTest, OnBeginRunsOncePerGroup) {
  int begins = 0;
  GroupCommitOptions o = options(1000, 2);
  o.on_begin = [&] {
    ++begins;
    EXPECT_TRUE(db_->in_transaction());
    return Status();
  };
  GroupCommit group(*db_, clock_, std::move(o), record());
  for (int v = 1; v <= 5; ++v) ASSERT_TRUE(group.run(insert(v)).ok());
  ASSERT_TRUE(group.flush().ok());
  EXPECT_EQ(begins, 3);
  EXPECT_EQ(groups_.size(), 3u);
}

}  // namespace
}  // namespace recur::store
