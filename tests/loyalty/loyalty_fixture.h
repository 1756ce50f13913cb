#pragma once
// A store with the default program loaded (overrides applied), members, and an engine — for the
// loyalty tests that are not scenarios.

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>

#include "core/clock.h"
#include "loyalty/engine.h"
#include "loyalty/program_store.h"
#include "test_util.h"

namespace recur::loyalty::testing {

// The default program with `replace` applied as plain text substitutions (key lines).
inline std::string default_program(
    std::initializer_list<std::pair<std::string, std::string>> replace = {}) {
  std::string text =
      recur::testing::read_file(std::string(RECUR_SOURCE_DIR) + "/config/program.yaml");
  for (const auto& [from, to] : replace) {
    auto pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
  }
  return text;
}

inline void load(store::Database& db, const std::string& text) {
  auto r = load_program(db, text, "test", recur::testing::kTestNow);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
}

inline void add_members(store::Database& db, int n) {
  for (int i = 1; i <= n; ++i)
    ASSERT_TRUE(
        db.exec("INSERT INTO members (member_id, created_at) VALUES (" + std::to_string(i) + ", 0)")
            .ok());
}

inline std::unique_ptr<LoyaltyEngine> engine(store::Database& db, const Clock& clock) {
  auto e = open_engine(db, clock);
  EXPECT_TRUE(e.ok()) << e.status().to_string();
  return e.ok() ? std::move(e).value() : nullptr;
}

// Every row of each query is the same in `x` and `y`, and there is at least one.
inline void expect_same_rows(store::Database& x, store::Database& y,
                             std::initializer_list<const char*> queries) {
  for (const char* sql : queries) {
    const std::string a = recur::testing::dump(x, sql), b = recur::testing::dump(y, sql);
    EXPECT_FALSE(a.empty()) << sql;
    EXPECT_EQ(a, b) << sql;
  }
}

// Runs `fn` inside a write transaction and commits when it returns OK.
template <typename Fn>
auto in_tx(store::Database& db, Fn&& fn) {
  auto tx = store::Transaction::begin(db);
  EXPECT_TRUE(tx.ok()) << tx.status().to_string();
  auto r = fn();
  if (r.ok()) {
    EXPECT_TRUE((*tx)->commit().ok());
  }
  return r;
}

}  // namespace recur::loyalty::testing
