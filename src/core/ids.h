#pragma once
// Identifiers shared by every layer.

#include <cstdint>

namespace recur {

// A member's id; 0 means "no member" (a guest order).
using MemberId = std::int64_t;
inline constexpr MemberId kGuest = 0;

using OrderPk = std::int64_t;  // surrogate key of an order row
using MergeId = std::int64_t;  // id of a recorded merge

}  // namespace recur
