// Migration 13 rebuilds the coupons' member index without the state: a use no longer moves the
// coupon in it, and the per-member questions still find their rows through it.

#include <gtest/gtest.h>

#include "migration_util.h"
#include "store/database.h"
#include "store/migrations.h"
#include "test_util.h"

namespace recur::store {
namespace {

using recur::testing::TempDir;

TEST(CouponMemberIndexMigration, LeavesOutTheStateAndStillServesTheMember) {
  TempDir dir;
  auto db = testing::open_before(dir, 13);
  EXPECT_EQ(recur::testing::dump(*db,
                                 "SELECT name FROM pragma_index_info('coupons_member') "
                                 "ORDER BY seqno"),
            "member_id\ntemplate\nstate\n");
  testing::apply_migrations(*db, 13, 13);
  EXPECT_EQ(recur::testing::dump(*db,
                                 "SELECT name FROM pragma_index_info('coupons_member') "
                                 "ORDER BY seqno"),
            "member_id\ntemplate\n");
  const std::string plan = recur::testing::dump(
      *db,
      "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM coupons WHERE template = 'a' AND member_id = 1 "
      "AND state IN ('issued', 'locked')");
  EXPECT_NE(plan.find("coupons_member"), std::string::npos) << plan;
}

}  // namespace
}  // namespace recur::store
