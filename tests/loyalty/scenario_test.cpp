// Runs the loyalty scenario files in tests/loyalty/scenarios/*.txt. Each file is a small script
// of events (orders, refunds, redemptions, adjustments, tasks, daily jobs, merges) and the
// balances, tiers and results expected after them; the format is described in
// tests/loyalty/scenarios/README.md.
//
// Every scenario runs twice, like LevelDB reruns a suite under each option set: immediate and
// deferred (scenario_runner.h). Both runs must meet every expectation, pass recur check, and
// end in the same ledger (balances, lots, entries): bulk import + apply equals orders applied
// one by one.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "loyalty/scenario_runner.h"

namespace recur::loyalty {
namespace {

namespace fs = std::filesystem;
using scenario::Mode;
using scenario::Scenario;

std::vector<std::string> scenario_files() {
  std::vector<std::string> out;
  fs::path dir = fs::path(RECUR_SOURCE_DIR) / "tests/loyalty/scenarios";
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".txt") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, ImmediateAndDeferredAgree) {
  std::string path = std::string(RECUR_SOURCE_DIR) + "/tests/loyalty/scenarios/" + GetParam();
  Scenario immediate(path, Mode::kImmediate);
  {
    SCOPED_TRACE("immediate: each order applied as it arrives");
    immediate.run();
  }
  Scenario deferred(path, Mode::kDeferred);
  {
    SCOPED_TRACE("deferred: orders stored as a bulk import, then applied");
    deferred.run();
  }
  if (HasFailure()) return;
  ASSERT_FALSE(immediate.dump().empty());
  EXPECT_EQ(immediate.dump(), deferred.dump())
      << "bulk import + apply must leave the same ledger as applying orders one by one";
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest, ::testing::ValuesIn(scenario_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param.substr(0, info.param.size() - 4);
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
}  // namespace recur::loyalty
