// Migration 13: the coupons' member index leaves out the state. It was (member_id, template,
// state), so every change of a coupon's state (a use at checkout, above all) moved its entry in
// the index: one more B-tree page per commit. The questions it serves — a member's coupons, how
// many of a template a member holds or was given — name the member and the template; the state
// is read from the few rows they find.

#include "store/migrations.h"

namespace recur::store {

const char* coupon_member_index_sql() {
  return R"SQL(
DROP INDEX coupons_member;
CREATE INDEX coupons_member ON coupons (member_id, template);
)SQL";
}

}  // namespace recur::store
