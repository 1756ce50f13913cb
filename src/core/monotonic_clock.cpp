#include "core/monotonic_clock.h"

#include <chrono>

namespace recur {

std::int64_t SteadyClock::now_ns() const {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace recur
