#pragma once
// The loyalty scenario runner: executes the text scenarios of tests/loyalty/scenarios/ (the format
// is described in their README.md) against a fresh store, in one of two modes:
//   immediate — each order and refund is applied to the program as it is stored;
//   deferred  — orders and refunds are only stored (as a bulk import would), and
//               apply_pending() runs just before anything else looks at or changes loyalty
//               state.
// scenario_test.cpp runs the files; ledger_fuzz_test.cpp runs generated scenarios one command
// at a time through execute().

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "store/database.h"

namespace recur::loyalty::scenario {

enum class Mode { kImmediate, kDeferred };

std::string trim(std::string_view s);
// Splits on blanks; a value may be quoted: reason="goodwill gesture".
std::vector<std::string> tokenize(std::string_view s);

// One scenario on a store of its own (scenario_runner.cpp).
class Scenario {
 public:
  using Fields = std::map<std::string, std::string>;

  // `path` names the scenario in failure messages; run() reads it as the scenario's file.
  Scenario(std::string path, Mode mode);
  // On a store file of its own choosing, shared with other scenarios (each its own connection):
  // for runs on several threads at once.
  Scenario(std::string path, Mode mode, std::string db_file);
  ~Scenario();

  // Runs the file, failing the test at the first line that does not do what it says.
  void run();
  // Opens the scenario's fresh store; run() does it, execute() needs it first.
  void open();
  store::Database& db();
  Instant now() const;
  // Runs one command (a line of the format, without `=> …`; `overrides` are a `program` line's
  // indented lines) and returns its result fields or its error. Commands that set things up
  // (program, at, member, apply, expect, check) fail the test themselves and return no fields.
  Result<Fields> execute(const std::string& command,
                         const std::vector<std::string>& overrides = {});
  // Applies what is pending (deferred mode), so that the store holds the ledger both modes agree
  // on.
  void settle();
  // Every row of every table, in a canonical order: two equal snapshots are the same store.
  std::string snapshot();
  // The names of the recur check findings that fail now, each with its first example.
  std::vector<std::string> check_failures();
  // The ledger in a canonical form, to compare runs.
  std::string dump();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace recur::loyalty::scenario
