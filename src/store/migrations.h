#pragma once
// Versioned schema migrations. Each migration runs once, inside a transaction, and is recorded
// in schema_migrations; opening a database applies the pending ones in order.
//
// The SQL is kept portable (INTEGER/TEXT columns, explicit keys, no SQLite-only functions in
// table definitions) so the PostgreSQL backend can run the same statements with BIGINT types.
// Every member-scoped table carries member_id so it can be distributed by it.

#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace recur::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// The SQL of migration 3 (loyalty), kept in schema_loyalty.cpp.
const char* loyalty_schema_sql();
// The SQL of migration 4 (coupons, points mall), kept in schema_coupons.cpp.
const char* coupons_schema_sql();
// The SQL of migration 5 (stored value and cashback), kept in schema_wallet.cpp.
const char* wallet_schema_sql();
// The SQL of migration 7 (fewer B-trees per applied order), kept in schema_loyalty_compact.cpp.
const char* loyalty_compact_sql();
// The SQL of migration 8 (settlement: what paid for an order, what refunds gave back), kept in
// schema_settlement.cpp.
const char* settlement_schema_sql();
// The SQL of migration 9 (coupons out per template, for the stock check), kept in
// schema_coupon_stock.cpp.
const char* coupon_stock_schema_sql();
// The SQL of migration 10 (an order's lines in its loyalty_orders row, fewer indexes per applied
// order), kept in schema_order_posting.cpp.
const char* order_posting_sql();
// The SQL of migration 11 (an applied order is one row: its entries and lots are its columns),
// kept in schema_order_ledger.cpp.
const char* order_ledger_sql();
// The SQL of migration 12 (a checked-out order's settlement is one row, its lines a column),
// kept in schema_settlement_row.cpp.
const char* settlement_row_sql();
// The SQL of migration 13 (the coupons' member index without the state), kept in
// schema_coupon_member.cpp.
const char* coupon_member_index_sql();
// The SQL of migration 14 (a coupon used at checkout recorded on the order's row), kept in
// schema_order_coupon.cpp.
const char* order_coupon_sql();
// The SQL of migration 15 (fewer B-trees per wallet write: text-keyed wallet tables WITHOUT
// ROWID, narrower lot indexes), kept in schema_wallet_compact.cpp.
const char* wallet_compact_sql();
// The SQL of migration 16 (the coupon expiry sweep reads a full valid_until index above a floor
// that triggers keep), kept in schema_coupon_expiry.cpp.
const char* coupon_expiry_floor_sql();

// All migrations, ascending by version.
const std::vector<Migration>& schema_migrations();

// Applies every migration newer than the database's version. Refuses a database written by a
// newer recur (a version above latest_schema_version()): this one would write to a schema it does
// not know.
Status migrate(Database& db);

// For read-only opens, which cannot migrate: FailedPrecondition naming the versions and what to
// do unless the database is exactly at latest_schema_version().
Status check_schema_current(Database& db);

// The version of the last migration this recur knows.
int latest_schema_version();

// The highest applied version; 0 for a new database.
Result<int> schema_version(Database& db);

}  // namespace recur::store
