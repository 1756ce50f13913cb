#include "identity/merge.h"

#include <gtest/gtest.h>

#include "identity/member_view.h"
#include "identity/resolver.h"
#include "test_util.h"

namespace recur::identity {
namespace {

using recur::testing::count;
using recur::testing::TempDir;

// Two members with orders, lines, a refund and events; then merges and unmerges.
class MergeTest : public ::testing::Test {
 protected:
  MergeTest() : db_(recur::testing::open_test_db(dir_)), merger_(*db_) {
    EXPECT_TRUE(db_->exec(R"SQL(
      INSERT INTO members (member_id, created_at) VALUES (1, 0), (2, 0), (3, 0);
      INSERT INTO identities VALUES ('card_no', '1', 1, 0), ('phone', '13800138000', 2, 0),
                                    ('wechat_unionid', 'w2', 2, 0), ('email', 'c@d.cn', 3, 0);
      INSERT INTO orders (order_pk, source, order_id, member_id, member_ref, channel, paid_at, paid_day,
                          gross_fen, discount_fen, paid_fen, line_count, item_qty)
        VALUES (10, 'pos', 'o1', 1, 'card_no:1', 'store', 100, 0, 1000, 0, 1000, 1, 1),
               (20, 'mall', 'o2', 2, 'phone:13800138000', 'online', 200, 0, 500, 0, 500, 2, 2),
               (30, 'mall', 'o3', 3, 'email:c@d.cn', 'online', 300, 0, 700, 0, 700, 1, 1);
      INSERT INTO order_lines VALUES (10, 1, 1, 'A', NULL, 1, 1000, 0, 1000),
                                     (20, 1, 2, 'B', NULL, 1, 300, 0, 300),
                                     (20, 2, 2, 'C', NULL, 1, 200, 0, 200),
                                     (30, 1, 3, 'D', NULL, 1, 700, 0, 700);
      INSERT INTO refunds (source, refund_id, order_pk, line_no, member_id, refunded_at, qty, amount_fen)
        VALUES ('mall', 'r1', 20, 1, 2, 250, 1, 300);
      INSERT INTO events (source, event_id, member_id, member_ref, kind, at)
        VALUES ('web', 'e1', 2, 'wechat_unionid:w2', 'view', 150), ('web', 'e2', 1, 'card_no:1', 'view', 160);
    )SQL")
                    .ok());
  }
  MergeRecord merge(MemberId s, MemberId m) {
    auto tx = store::Transaction::begin(*db_);
    auto r = merger_.merge(s, m, MergeReason::kManual, "test", Instant{1000});
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_TRUE((*tx)->commit().ok());
    return r.value_or(MergeRecord{});
  }
  UnmergeResult unmerge(MergeId id) {
    auto tx = store::Transaction::begin(*db_);
    auto r = merger_.unmerge(id, Instant{2000});
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_TRUE((*tx)->commit().ok());
    return r.value_or(UnmergeResult{});
  }
  std::int64_t owned(MemberId m, const char* table) {
    return count(*db_, std::string("SELECT COUNT(*) FROM ") + table +
                           " WHERE member_id = " + std::to_string(m));
  }
  TempDir dir_;
  std::unique_ptr<store::Database> db_;
  Merger merger_;
};

TEST_F(MergeTest, MergeMovesEverythingAndRecordsIt) {
  MergeRecord r = merge(1, 2);
  EXPECT_EQ(r.moved_identities, 2);
  EXPECT_EQ(r.moved_orders, 1);
  EXPECT_EQ(r.moved_refunds, 1);
  EXPECT_EQ(r.moved_events, 1);
  EXPECT_EQ(owned(1, "orders"), 2);
  EXPECT_EQ(owned(1, "order_lines"), 3);
  EXPECT_EQ(owned(1, "identities"), 3);
  EXPECT_EQ(
      owned(2, "orders") + owned(2, "order_lines") + owned(2, "identities") + owned(2, "events"),
      0);
  EXPECT_EQ(count(*db_, "SELECT merged_into FROM members WHERE member_id = 2"), 1);
  EXPECT_EQ(merger_.live_root(2).value(), 1);
}

TEST_F(MergeTest, UnmergeRestoresWhatMovedExactly) {
  MergeRecord r = merge(1, 2);
  UnmergeResult u = unmerge(r.merge_id);
  EXPECT_EQ(u.identities, 2);
  EXPECT_EQ(u.orders, 1);
  EXPECT_EQ(u.refunds, 1);
  EXPECT_EQ(u.events, 1);
  EXPECT_EQ(owned(1, "orders"), 1);
  EXPECT_EQ(owned(2, "orders"), 1);
  EXPECT_EQ(owned(2, "order_lines"), 2);
  EXPECT_EQ(owned(2, "refunds"), 1);
  EXPECT_EQ(owned(1, "identities"), 1);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM members WHERE merged_into IS NOT NULL"), 0);
  EXPECT_TRUE(merger_.get(r.merge_id).value().undone);
  EXPECT_TRUE(merger_.blocked(1, 2).value());
}

TEST_F(MergeTest, ProfileGapsAreFilledAndUnfilled) {
  ASSERT_TRUE(db_->exec("UPDATE members SET name = '李雷', consent_sms = 1, registered_at = 50 "
                        "WHERE member_id = 2;"
                        "UPDATE members SET city = '上海', registered_at = 90 WHERE member_id = 1")
                  .ok());
  MergeRecord r = merge(1, 2);
  EXPECT_EQ(
      count(*db_,
            "SELECT COUNT(*) FROM members WHERE member_id = 1 AND name = '李雷' AND city = '上海'"),
      1);
  EXPECT_EQ(count(*db_, "SELECT consent_sms FROM members WHERE member_id = 1"), 1);
  EXPECT_EQ(count(*db_, "SELECT registered_at FROM members WHERE member_id = 1"),
            50);  // the earlier
  unmerge(r.merge_id);
  EXPECT_EQ(
      count(*db_,
            "SELECT COUNT(*) FROM members WHERE member_id = 1 AND name IS NULL AND city = '上海'"),
      1);
  EXPECT_EQ(count(*db_, "SELECT consent_sms FROM members WHERE member_id = 1"), 0);
  EXPECT_EQ(count(*db_, "SELECT registered_at FROM members WHERE member_id = 1"), 90);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM members WHERE member_id = 2 AND name = '李雷'"), 1);
}

TEST_F(MergeTest, UnmergeTwiceIsAnError) {
  MergeRecord r = merge(1, 2);
  unmerge(r.merge_id);
  auto tx = store::Transaction::begin(*db_);
  EXPECT_EQ(merger_.unmerge(r.merge_id, Instant{3000}).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(MergeTest, RowsArrivingAfterTheMergeFollowTheirIdentityOnUnmerge) {
  MergeRecord r = merge(1, 2);
  // An order bought with member 2's phone after the merge lands on member 1.
  ASSERT_TRUE(
      db_->exec("INSERT INTO orders (order_pk, source, order_id, member_id, member_ref, channel, "
                "paid_at, "
                "paid_day, gross_fen, discount_fen, paid_fen, line_count, item_qty) VALUES "
                "(40, 'mall', 'o4', 1, 'phone:13800138000', 'online', 1500, 0, 100, 0, 100, 1, 1);"
                "INSERT INTO order_lines VALUES (40, 1, 1, 'E', NULL, 1, 100, 0, 100)")
          .ok());
  unmerge(r.merge_id);
  EXPECT_EQ(count(*db_, "SELECT member_id FROM orders WHERE order_pk = 40"), 2);
  EXPECT_EQ(count(*db_, "SELECT member_id FROM order_lines WHERE order_pk = 40"), 2);
}

TEST_F(MergeTest, NestedMergesUnwindInAnyOrder) {
  MergeRecord first = merge(1, 2);
  MergeRecord second = merge(3, 1);  // member 1 (holding 2) merges into 3
  EXPECT_EQ(owned(3, "orders"), 3);
  unmerge(first.merge_id);  // 2's rows come back from 3, the live root
  EXPECT_EQ(owned(2, "orders"), 1);
  EXPECT_EQ(owned(3, "orders"), 2);
  unmerge(second.merge_id);
  EXPECT_EQ(owned(1, "orders"), 1);
  EXPECT_EQ(owned(2, "orders"), 1);
  EXPECT_EQ(owned(3, "orders"), 1);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM identities WHERE member_id = 1"), 1);
}

TEST_F(MergeTest, MergingAMergedMemberIsRefused) {
  merge(1, 2);
  auto tx = store::Transaction::begin(*db_);
  EXPECT_EQ(merger_.merge(3, 2, MergeReason::kManual, "", Instant{5}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(merger_.merge(1, 1, MergeReason::kManual, "", Instant{5}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(MergeTest, MemberViewFollowsMergesAndSumsHistory) {
  merge(1, 2);
  auto v = load_member_view(*db_, 2);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->member_id, 1);
  EXPECT_EQ(v->requested_id, 2);
  EXPECT_EQ(v->orders, 2);
  EXPECT_EQ(v->paid_fen, 1500);
  EXPECT_EQ(v->refunded_fen, 300);
  EXPECT_EQ(v->identities.size(), 3u);
  EXPECT_EQ(resolve_member_ref(*db_, "phone:+86 13800138000").value(), 1);
  EXPECT_EQ(resolve_member_ref(*db_, "3").value(), 3);
  EXPECT_EQ(resolve_member_ref(*db_, "99").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace recur::identity
