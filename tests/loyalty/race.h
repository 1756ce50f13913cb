#pragma once
// Many writers at once, for the concurrency tests: `threads` threads, each on its own connection
// to the store at `path` (waiting up to 60 s for the write lock) with its own engine, start
// together and make `attempts` attempts each. Every attempt runs in its own write transaction
// (BEGIN IMMEDIATE): `attempt(db, engine, thread, i)` returns whether it was a replay, or its
// error. A success commits and counts as `ok` unless it was a replay; an error `refused` accepts
// (by default kFailedPrecondition) rolls back and counts as `refused`; anything else is `failed`.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "loyalty/engine.h"
#include "store/database.h"
#include "test_util.h"

namespace recur::loyalty::testing {

struct RaceResult {
  int ok = 0, refused = 0, failed = 0;
};

using Attempt = std::function<Result<bool>(store::Database&, LoyaltyEngine&, int, int)>;

inline bool precondition_failed(const Status& s) {
  return s.code() == StatusCode::kFailedPrecondition;
}

inline RaceResult race(const std::string& path, int threads, int attempts, const Attempt& attempt,
                       const std::function<bool(const Status&)>& refused = precondition_failed) {
  std::atomic<int> ok{0}, no{0}, failed{0}, ready{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      store::OpenOptions o;
      o.busy_timeout_ms = 60'000;
      o.strict_statements = true;
      auto db = store::Database::open(path, o);
      ManualClock clock(recur::testing::kTestNow);
      Result<std::unique_ptr<LoyaltyEngine>> engine =
          db.ok() ? open_engine(**db, clock) : Result<std::unique_ptr<LoyaltyEngine>>(db.status());
      ++ready;
      while (ready.load() < threads) std::this_thread::yield();
      if (!engine.ok()) {
        failed += attempts;
        return;
      }
      for (int i = 0; i < attempts; ++i) {
        auto tx = store::Transaction::begin(**db);
        if (!tx.ok()) {
          ++failed;
          continue;
        }
        Result<bool> r = attempt(**db, **engine, t, i);
        if (r.ok()) {
          if (!(*tx)->commit().ok())
            ++failed;
          else if (!*r)
            ++ok;
        } else if (refused(r.status())) {
          ++no;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  return RaceResult{ok.load(), no.load(), failed.load()};
}

}  // namespace recur::loyalty::testing
