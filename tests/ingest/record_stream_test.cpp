// ingest::RecordStream under store::GroupCommit: one record per savepoint, and what a rolled
// back record cached forgotten. (End to end, with import for comparison:
// tests/cli/order_stream_cli_test.cpp.)

#include "ingest/record_stream.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/monotonic_clock.h"
#include "loyalty/program_store.h"
#include "store/group_commit.h"
#include "test_util.h"

namespace recur::ingest {
namespace {

using recur::testing::count;
using recur::testing::TempDir;

std::string order(const std::string& id, const std::string& member,
                  const std::string& amount = "50.00") {
  return R"({"source":"pos","order_id":")" + id +
         R"(","paid_at":"2024-04-01 10:00:00","member":")" + member +
         R"(","channel":"store","sku":"F1","qty":1,"amount":")" + amount + R"("})";
}

class RecordStreamTest : public ::testing::Test {
 protected:
  RecordStreamTest() : db_(recur::testing::open_test_db(dir_)) {}
  void load_program() {
    std::ifstream in(std::string(RECUR_SOURCE_DIR) + "/config/program.yaml");
    std::stringstream text;
    text << in.rdbuf();
    ASSERT_TRUE(
        loyalty::load_program(*db_, text.str(), "program.yaml", recur::testing::kTestNow).ok());
  }
  std::unique_ptr<RecordStream> open() {
    auto s = RecordStream::open(*db_, clock_);
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return std::move(s).value();
  }

  TempDir dir_;
  ManualClock clock_{recur::testing::kTestNow};
  ManualMonotonicClock steady_;
  std::unique_ptr<store::Database> db_;
};

// The resolver caches identity -> member. A record that created a member and was then rolled
// back must not leave the next record pointing at the member that no longer exists.
TEST_F(RecordStreamTest, ARolledBackRecordLeavesNoMemberBehindInTheResolver) {
  load_program();
  auto stream = open();
  store::GroupCommitOptions o;
  o.on_begin = [&] { return stream->begin_transaction(); };
  o.on_rollback = [&] { stream->rolled_back(); };
  store::GroupCommit g(*db_, steady_, std::move(o), [](const store::GroupOutcome&) {});
  auto undone = g.run([&]() -> Status {
    RETURN_IF_ERROR(stream->apply(order("U1", "phone:13900000041"), 1).status());
    return internal_error("the unit fails after the record was written");
  });
  ASSERT_FALSE(undone.ok());
  auto kept = g.run([&] { return stream->apply(order("U2", "phone:13900000041"), 2).status(); });
  ASSERT_TRUE(kept.ok()) << kept.status().to_string();
  ASSERT_TRUE(g.flush().ok());
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM orders"), 1);
  EXPECT_EQ(count(*db_,
                  "SELECT COUNT(*) FROM orders o JOIN members m USING (member_id) "
                  "WHERE o.order_id = 'U2'"),
            1);
  EXPECT_EQ(count(*db_, "SELECT points FROM loyalty_accounts"), 50);
}

TEST_F(RecordStreamTest, WithoutAProgramRecordsAreStoredOnly) {
  auto stream = open();
  EXPECT_FALSE(stream->has_program());
  store::GroupCommitOptions o;
  o.on_begin = [&] { return stream->begin_transaction(); };
  store::GroupCommit g(*db_, steady_, std::move(o), [](const store::GroupOutcome&) {});
  StreamResult r;
  ASSERT_TRUE(g.run([&]() -> Status {
                 ASSIGN_OR_RETURN(r, stream->apply(order("N1", "phone:13900000042"), 1));
                 return Status();
               }).ok());
  ASSERT_TRUE(g.flush().ok());
  EXPECT_EQ(r.key, "pos:N1");
  EXPECT_FALSE(r.applied);
  EXPECT_NE(r.member, kGuest);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM orders"), 1);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM loyalty_orders"), 0);
}

TEST_F(RecordStreamTest, ARecordIsOneOrder) {
  load_program();
  auto stream = open();
  ASSERT_TRUE(db_->exec("BEGIN IMMEDIATE").ok());
  ASSERT_TRUE(stream->begin_transaction().ok());
  auto two = stream->apply(
      R"({"source":"pos","order_id":"T1","paid_at":"2024-04-01 10:00:00","channel":"store",)"
      R"("lines":[{"sku":"F1","qty":1,"amount":"5.00"},{"order_id":"T2","sku":"F1","qty":1,"amount":"5.00"}]})",
      7);
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(two.status().message().find("field 'order_id': line 2 of \"lines\" belongs to order "
                                        "pos:T2; a record is one order (pos:T1)"),
            std::string::npos)
      << two.status().message();
  auto refund_lines = stream->apply(
      R"({"source":"pos","refund_id":"R1","order_id":"T1","refunded_at":"2024-04-02 10:00:00",)"
      R"("amount":"1.00","lines":[{"sku":"F1"},{"sku":"F2"}]})",
      8);
  ASSERT_FALSE(refund_lines.ok());
  EXPECT_NE(refund_lines.status().message().find("\"lines\" belongs to orders"), std::string::npos)
      << refund_lines.status().message();
  ASSERT_TRUE(db_->exec("ROLLBACK").ok());
}

}  // namespace
}  // namespace recur::ingest
