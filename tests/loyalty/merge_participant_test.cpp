// The loyalty merge participant is one per process (merge_participant.h) and caches the program
// in force; a process may open several stores, whose programs share version numbers.

#include "loyalty/merge_participant.h"

#include <gtest/gtest.h>

#include "scenario_runner.h"

namespace recur::loyalty {
namespace {

using scenario::Mode;
using scenario::Scenario;

void run_lines(Scenario& s, std::initializer_list<const char*> lines) {
  for (const char* line : lines) {
    auto r = s.execute(line);
    ASSERT_TRUE(r.ok()) << line << ": " << r.status().to_string();
  }
}

// Found by the ledger fuzzer: the cache was keyed by version only, so a merge in a second store
// used the first store's program (both at version 1) for the survivor's tier.
TEST(MergeParticipant, EachStoreMergesUnderItsOwnProgram) {
  Scenario a("store A", Mode::kImmediate);
  a.open();
  ASSERT_TRUE(a.execute("program default").ok());
  run_lines(a, {"at 2024-03-05 10:00", "member a1 phone:13800000401", "member a2 phone:13800000402",
                "order shop:A1 member=a1 lines=食品:F1:1x50.00", "merge a1 a2"});

  // Store B: silver from 100 growth. Two members of 60 each reach it only together.
  Scenario b("store B", Mode::kImmediate);
  b.open();
  ASSERT_TRUE(
      b.execute("program default", {"tiers[1].threshold = 100", "tiers[1].retain = 80"}).ok());
  run_lines(b, {"at 2024-03-05 10:00", "member b1 phone:13800000501", "member b2 phone:13800000502",
                "order shop:B1 member=b1 lines=食品:F1:1x60.00",
                "order shop:B2 member=b2 lines=食品:F1:1x60.00"});
  EXPECT_EQ(
      b.db().query_int("SELECT COUNT(*) FROM loyalty_accounts WHERE tier != 'normal'").value(), 0);
  run_lines(b, {"merge b1 b2"});
  EXPECT_EQ(b.db()
                .query_int("SELECT COUNT(*) FROM loyalty_accounts WHERE tier = 'silver' AND "
                           "growth = 120")
                .value(),
            1)
      << "the survivor's tier after the merge follows store B's program";
  // And store A, merged again, still follows its own: 950 together is not silver there.
  run_lines(a, {"member a3 phone:13800000403", "order shop:A2 member=a3 lines=食品:F1:1x900.00",
                "merge a1 a3"});
  EXPECT_EQ(a.db().query_int("SELECT COUNT(*) FROM loyalty_accounts WHERE tier = 'silver'").value(),
            0);
  EXPECT_EQ(a.db().query_int("SELECT MAX(growth) FROM loyalty_accounts").value(), 950);
}

}  // namespace
}  // namespace recur::loyalty
