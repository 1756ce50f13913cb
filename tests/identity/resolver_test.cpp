#include "identity/resolver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "test_util.h"

namespace recur::identity {
namespace {

using recur::testing::TempDir;

std::vector<Identity> ids(const std::string& text) {
  return parse_identities(text).value();
}

class ResolverTest : public ::testing::Test {
 protected:
  ResolverTest()
      : db_(recur::testing::open_test_db(dir_)), merger_(*db_), resolver_(*db_, merger_, clock_) {}
  Resolution resolve(const std::string& text) {
    auto tx = store::Transaction::begin(*db_);
    EXPECT_TRUE(resolver_.begin_batch().ok());
    auto r = resolver_.resolve(ids(text), "test");
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_TRUE((*tx)->commit().ok());
    return r.value_or(Resolution{});
  }
  TempDir dir_;
  ManualClock clock_{recur::testing::kTestNow};
  std::unique_ptr<store::Database> db_;
  Merger merger_;
  Resolver resolver_;
};

TEST_F(ResolverTest, UnknownIdentitiesCreateOneMember) {
  Resolution r = resolve("phone:13800138000|wechat_unionid:oA");
  EXPECT_TRUE(r.created);
  EXPECT_EQ(recur::testing::count(*db_, "SELECT COUNT(*) FROM members"), 1);
  EXPECT_EQ(recur::testing::count(*db_, "SELECT COUNT(*) FROM identities WHERE member_id = " +
                                            std::to_string(r.member)),
            2);
}

TEST_F(ResolverTest, KnownIdentityFindsTheMemberAndNewOnesJoinIt) {
  MemberId m = resolve("phone:13800138000").member;
  Resolution r = resolve("phone:+86 138 0013 8000|card_no:77");
  EXPECT_FALSE(r.created);
  EXPECT_EQ(r.member, m);
  EXPECT_EQ(recur::testing::count(*db_, "SELECT member_id FROM identities WHERE kind = 'card_no'"),
            m);
}

TEST_F(ResolverTest, RecordLinkingTwoMembersMergesIntoTheOldest) {
  MemberId a = resolve("card_no:1").member;
  MemberId b = resolve("phone:13800138000").member;
  ASSERT_NE(a, b);
  Resolution r = resolve("phone:13800138000|card_no:1");
  EXPECT_EQ(r.merges, 1);
  EXPECT_EQ(r.member, std::min(a, b));
  EXPECT_EQ(recur::testing::count(*db_, "SELECT COUNT(*) FROM members WHERE merged_into IS NULL"),
            1);
  EXPECT_EQ(recur::testing::count(*db_, "SELECT COUNT(DISTINCT member_id) FROM identities"), 1);
  EXPECT_EQ(recur::testing::count(*db_, "SELECT COUNT(*) FROM merges"), 1);
}

TEST_F(ResolverTest, ThreeWayLinkMergesAllIntoOne) {
  resolve("card_no:1");
  resolve("phone:13800138000");
  resolve("email:a@b.cn");
  Resolution r = resolve("email:a@b.cn|phone:13800138000|card_no:1");
  EXPECT_EQ(r.merges, 2);
  EXPECT_EQ(recur::testing::count(*db_, "SELECT COUNT(DISTINCT member_id) FROM identities"), 1);
}

TEST_F(ResolverTest, UnmergedPairIsNotMergedAgainByTheSameEvidence) {
  resolve("card_no:1");
  resolve("phone:13800138000");
  resolve("card_no:1|phone:13800138000");
  {
    auto tx = store::Transaction::begin(*db_);
    ASSERT_TRUE(merger_.unmerge(1, clock_.now()).ok());
    resolver_.invalidate();  // the unmerge went around the resolver on its connection
    ASSERT_TRUE((*tx)->commit().ok());
  }
  Resolution again = resolve("phone:13800138000|card_no:1");
  EXPECT_EQ(again.merges, 0);
  EXPECT_EQ(again.conflicts, 1);
  EXPECT_EQ(recur::testing::count(*db_, "SELECT COUNT(*) FROM members WHERE merged_into IS NULL"),
            2);
  // The record goes to its primary identity's member.
  EXPECT_EQ(again.member,
            recur::testing::count(*db_, "SELECT member_id FROM identities WHERE kind = 'phone'"));
}

// The partition of identities into members is the same whatever order records arrive in.
TEST(ResolverOrder, PartitionDoesNotDependOnArrivalOrder) {
  std::vector<std::string> records = {"card_no:1",
                                      "phone:13800000001",
                                      "card_no:1|phone:13800000001",
                                      "email:x@y.cn",
                                      "wechat_unionid:u1|email:x@y.cn",
                                      "wechat_unionid:u1|phone:13800000002",
                                      "card_no:9",
                                      "phone:13800000003|card_no:9",
                                      "phone:13800000004",
                                      "platform:tmall:t1|phone:13800000004",
                                      "platform:jd:j1"};
  auto partition = [&](std::vector<std::string> recs) {
    TempDir dir;
    auto db = recur::testing::open_test_db(dir);
    ManualClock clock(recur::testing::kTestNow);
    Merger merger(*db);
    Resolver resolver(*db, merger, clock);
    auto tx = store::Transaction::begin(*db);
    EXPECT_TRUE(resolver.begin_batch().ok());
    for (const auto& r : recs) EXPECT_TRUE(resolver.resolve(ids(r), "t").ok());
    EXPECT_TRUE((*tx)->commit().ok());
    std::map<MemberId, std::set<std::string>> groups;
    auto st = db->prepare("SELECT member_id, kind || ':' || value FROM identities");
    while (st->step().value()) groups[st->column_int64(0)].insert(st->column_string(1));
    std::set<std::set<std::string>> out;
    for (auto& [_, g] : groups) out.insert(g);
    return out;
  };
  auto expected = partition(records);
  EXPECT_EQ(expected.size(), 5u);  // {card1,p1}, {email,u1,p2}, {card9,p3}, {p4,tmall}, {jd}
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::shuffle(records.begin(), records.end(), rng);
    EXPECT_EQ(partition(records), expected) << "trial " << trial;
  }
}

}  // namespace
}  // namespace recur::identity
