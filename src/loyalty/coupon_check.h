#pragma once
// `recur check` for coupons and the points mall (coupon_book.h, mall.h): stock, the coupon
// entries against coupon states, single use, and mall stock against active exchanges.

#include <vector>

#include "core/status.h"
#include "loyalty/check.h"
#include "loyalty/program.h"
#include "store/database.h"

namespace recur::loyalty {

// The findings; `program` (the one in force, or null) gives the templates' stock.
Result<std::vector<CheckFinding>> coupon_checks(store::Database& db, const Program* program);

}  // namespace recur::loyalty
