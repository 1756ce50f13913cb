#include "core/clock.h"

#include <chrono>

namespace recur {

Instant SystemClock::now() const {
  using namespace std::chrono;
  return Instant{duration_cast<seconds>(system_clock::now().time_since_epoch()).count()};
}

}  // namespace recur
