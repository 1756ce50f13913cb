#pragma once
// Domain code takes a Clock; only the CLI and the server construct a SystemClock.

#include <atomic>

#include "core/time.h"

namespace recur {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override;
};

// A clock tests and replays set by hand. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start = {}) : seconds_(start.seconds) {}
  Instant now() const override { return Instant{seconds_.load()}; }
  void set(Instant t) { seconds_.store(t.seconds); }
  void advance(std::int64_t seconds) { seconds_.fetch_add(seconds); }

 private:
  std::atomic<std::int64_t> seconds_;
};

}  // namespace recur
