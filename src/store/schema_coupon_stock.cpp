// Migration 9: a counter per coupon template of the coupons out (issued and not revoked), so
// that issuing checks a template's stock by reading one row instead of counting its coupons
// (which cost time in proportion to the stock: a million-coupon campaign paid for a million
// index entries per coupon issued). The (template, state) index, which served that count, goes:
// every change of a coupon's state rewrote it.

#include "store/migrations.h"

namespace recur::store {

const char* coupon_stock_schema_sql() {
  return R"SQL(
CREATE TABLE coupon_template_stock (
  template TEXT PRIMARY KEY,
  out      INTEGER NOT NULL     -- coupons issued and not revoked (used and expired ones count)
) WITHOUT ROWID;
INSERT INTO coupon_template_stock (template, out)
  SELECT template, COUNT(*) FROM coupons WHERE state != 'revoked' GROUP BY template;
DROP INDEX coupons_template;
)SQL";
}

}  // namespace recur::store
