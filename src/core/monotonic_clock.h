#pragma once
// A monotonic clock for measuring intervals (a group commit's window), in nanoseconds from an
// arbitrary origin. It never goes back and says nothing about the time of day: business time
// comes from a Clock. The CLI passes a SteadyClock; tests a ManualMonotonicClock.

#include <atomic>
#include <cstdint>

namespace recur {

class MonotonicClock {
 public:
  virtual ~MonotonicClock() = default;
  virtual std::int64_t now_ns() const = 0;
};

// std::chrono::steady_clock.
class SteadyClock final : public MonotonicClock {
 public:
  std::int64_t now_ns() const override;
};

// Moved by hand. Thread-safe.
class ManualMonotonicClock final : public MonotonicClock {
 public:
  std::int64_t now_ns() const override { return ns_.load(); }
  void advance_ns(std::int64_t ns) { ns_.fetch_add(ns); }
  void advance_ms(std::int64_t ms) { ns_.fetch_add(ms * 1'000'000); }

 private:
  std::atomic<std::int64_t> ns_{0};
};

}  // namespace recur
