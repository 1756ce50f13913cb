// The statement profile counts each statement's runs by its SQL and stops when detached.

#include "store/statement_profile.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace recur::store {
namespace {

TEST(StatementProfile, CountsRunsPerStatementUntilDetached) {
  recur::testing::TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  StatementProfile profile;
  EXPECT_TRUE(profile.empty());
  profile.attach(*db);
  for (int i = 0; i < 3; ++i) {
    auto st = db->cached("INSERT INTO stores (store_id) VALUES (?)");
    ASSERT_TRUE(st.ok());
    (*st)->bind(1, "S" + std::to_string(i));
    ASSERT_TRUE((*st)->run().ok());
  }
  ASSERT_TRUE(db->query_int("SELECT COUNT(*) FROM stores").ok());
  profile.detach(*db);
  ASSERT_TRUE(db->query_int("SELECT COUNT(*) FROM stores").ok());  // not counted

  const std::string r = profile.report("test", 3);
  EXPECT_NE(r.find("# SQL profile: test, "), std::string::npos) << r;
  EXPECT_NE(r.find(", 2 distinct"), std::string::npos) << r;
  // 3 inserts over 3 units: 1.00 per unit; the count once: 0.33.
  EXPECT_NE(r.find("1.00 calls/unit"), std::string::npos) << r;
  EXPECT_NE(r.find("0.33 calls/unit"), std::string::npos) << r;
  EXPECT_NE(r.find("INSERT INTO stores (store_id) VALUES (?)"), std::string::npos) << r;
  EXPECT_NE(profile.report("plain").find("3.00 calls "), std::string::npos);
}

}  // namespace
}  // namespace recur::store
