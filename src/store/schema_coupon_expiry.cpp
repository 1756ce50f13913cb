// Migration 16: the coupon expiry sweep reads a full index on valid_until above a floor, instead
// of a partial index of the issued coupons (docs/benchmarks.md, "Round ten"). The partial index
// (coupons_open_until, WHERE state = 'issued') lost its entry whenever a coupon was locked or
// used: one more B-tree page in the commit of every checkout with a coupon. An index of every
// coupon's valid_until is written once, at issue, and never again; what keeps the sweep from
// reading every coupon ever issued is the floor:
//  - settings 'coupon_expiry_floor' (seconds): no coupon in state 'issued' has valid_until at or
//    below it. The sweep reads only (floor, cutoff] and then raises the floor to its cutoff (every
//    issued coupon up to there has just expired).
//  - Whoever makes a coupon 'issued' (issuing it, releasing a lock, giving a use back on a
//    refund) at or under the floor lowers the floor to just under its valid_until, so the next
//    sweep finds it (loyalty/coupon_book.cpp, lower_expiry_floor). Triggers on the coupons did
//    this at first, but an UPDATE of a table with a trigger costs more than the index page saved
//    (docs/benchmarks.md, "Round ten"); a use or a lock does not touch the floor.
//  - `recur check` proves it (coupon_expiry_floor in loyalty/coupon_check.cpp).
// The floor starts just under the earliest issued coupon's valid_until (0 for a store without
// one), so nothing is missed and the first sweep reads no more than it did.

#include "store/migrations.h"

namespace recur::store {

const char* coupon_expiry_floor_sql() {
  return R"SQL(
DROP INDEX coupons_open_until;
CREATE INDEX coupons_until ON coupons (valid_until);
INSERT INTO settings (key, value) VALUES ('coupon_expiry_floor',
  COALESCE((SELECT MIN(valid_until) - 1 FROM coupons WHERE state = 'issued'), 0))
  ON CONFLICT (key) DO UPDATE SET value = excluded.value;
)SQL";
}

}  // namespace recur::store
