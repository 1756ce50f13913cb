// Migration 15 rewrites the text-keyed wallet tables WITHOUT ROWID and narrows two lot indexes
// (wallet_lots_topup to top-up lots, wallet_lots_open_expiry to open cashback lots): a store with
// stored value and cashback keeps every row and value, the keys still refuse duplicates, and the
// queries that need the narrowed indexes still read them.

#include <gtest/gtest.h>

#include <string>

#include "migration_util.h"
#include "store/database.h"
#include "store/migrations.h"
#include "test_util.h"

namespace recur::store {
namespace {

using recur::testing::count;
using recur::testing::dump;
using recur::testing::TempDir;

constexpr const char* kTables[] = {"wallet_operations", "wallet_cashback_orders", "wallet_spends",
                                   "wallet_topups", "wallet_lots"};

std::string plan_of(Database& db, const std::string& sql) {
  auto plan = db.prepare("EXPLAIN QUERY PLAN " + sql);
  EXPECT_TRUE(plan.ok()) << plan.status().to_string();
  std::string detail;
  while (plan.ok() && plan->step().value_or(false))
    detail += std::string(plan->column_text(3)) + "\n";
  return detail;
}

TEST(WalletCompactMigration, KeepsEveryRowAndNarrowsTheLotIndexes) {
  TempDir dir;
  auto db = testing::open_before(dir, 15);
  ASSERT_TRUE(db->exec(R"SQL(
INSERT INTO wallet_topups (topup_key, member_id, at, paid_fen, bonus_fen, withdrawn_fen,
  paid_out_fen, deducted_fen, forfeited_fen) VALUES
  ('pos-T1', 7, 1700000000, 100000, 12000, 20000, 18000, 2000, 2400),
  ('pos-T2', 8, 1700000100, 50000, 5000, 0, 0, 0, 0);
INSERT INTO wallet_spends (order_key, member_id, at, amount_fen, principal_fen, bonus_fen,
  cashback_fen, refunded_fen, refunded_principal, refunded_bonus, refunded_cashback) VALUES
  ('pos:A1', 7, 1700000200, 30000, 26000, 3000, 1000, 5000, 4300, 500, 200);
INSERT INTO wallet_cashback_orders (order_key, member_id, at, net_paid_fen, eligible_fen,
  earned_fen, refunded_fen, clawed_fen, deducted_fen, forgiven_fen) VALUES
  ('pos:A0', 7, 1699990000, 50000, 50000, 1000, 10000, 200, 50, 30),
  ('pos:A2', 8, 1700000300, 999, 0, 0, 0, 0, 0, 0);
INSERT INTO wallet_lots (lot_id, member_id, account, earned, remaining, earned_at, expires_at,
  entry_id, topup_key, order_key, origin_member) VALUES
  (1, 7, 'stored_principal', 100000, 54000, 1700000000, NULL, 1, 'pos-T1', NULL, 7),
  (2, 7, 'stored_bonus', 12000, 6600, 1700000000, NULL, 2, 'pos-T1', NULL, 7),
  (3, 7, 'cashback', 1000, 0, 1699990000, 1707800000, 3, NULL, 'pos:A0', 7),
  (4, 7, 'cashback', 800, 800, 1700000300, 1699000000, 9, NULL, 'pos:A3', 7);
INSERT INTO wallet_operations (op_key, kind, member_id, at, order_key, amount_fen, principal,
  bonus, cashback, paid_out_fen, deducted_fen, after_principal, after_bonus, after_cashback,
  lots, members, detail) VALUES
  ('topup:pos-T1', 'topup', 7, 1700000000, NULL, 100000, 100000, 12000, 0, 0, 0, 100000, 12000,
   0, 0, 0, 'rule ¥1000 → ¥120'),
  ('expire:2023-12-01', 'expire', 0, 1701360000, NULL, 0, 0, 0, -800, 0, 0, 0, 0, 0, 1, 1,
   '2023-12-01');
)SQL")
                  .ok());
  std::string before[std::size(kTables)];
  for (std::size_t i = 0; i < std::size(kTables); ++i)
    before[i] = dump(*db, std::string("SELECT * FROM ") + kTables[i] + " ORDER BY 1");
  testing::apply_migrations(*db, 15, 15);
  EXPECT_EQ(schema_version(*db).value(), 15);
  for (std::size_t i = 0; i < std::size(kTables); ++i)
    EXPECT_EQ(dump(*db, std::string("SELECT * FROM ") + kTables[i] + " ORDER BY 1"), before[i])
        << kTables[i];

  // One B-tree per keyed table, and the keys still refuse duplicates.
  EXPECT_EQ(count(*db,
                  "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                  "('wallet_operations', 'wallet_cashback_orders', 'wallet_spends', "
                  "'wallet_topups') AND sql LIKE '%WITHOUT ROWID'"),
            4);
  EXPECT_EQ(count(*db,
                  "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN "
                  "('wallet_operations', 'wallet_cashback_orders', 'wallet_spends', "
                  "'wallet_topups')"),
            3);  // their member indexes (below), no key index
  EXPECT_FALSE(db->exec("INSERT INTO wallet_operations (op_key, kind, member_id, at) VALUES "
                        "('topup:pos-T1', 'topup', 7, 0)")
                   .ok());
  EXPECT_FALSE(db->exec("INSERT INTO wallet_cashback_orders (order_key, member_id, at, "
                        "net_paid_fen, eligible_fen, earned_fen) VALUES ('pos:A0', 7, 0, 0, 0, 0)")
                   .ok());
  EXPECT_FALSE(db->exec("INSERT INTO wallet_spends (order_key, member_id, at, amount_fen, "
                        "principal_fen, bonus_fen, cashback_fen) VALUES ('pos:A1', 7, 0, 1, 1, 0, "
                        "0)")
                   .ok());
  EXPECT_FALSE(db->exec("INSERT INTO wallet_topups (topup_key, member_id, at, paid_fen, "
                        "bonus_fen) VALUES ('pos-T2', 8, 0, 1, 0)")
                   .ok());
  // Each has its member index back (counted above: no other index).
  for (const char* index :
       {"wallet_cashback_orders_member", "wallet_spends_member", "wallet_topups_member"})
    EXPECT_EQ(count(*db, std::string("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                                     "AND name = '") +
                             index + "'"),
              1)
        << index;

  // The expiry sweep and a withdrawal's bonus lookup still read their (now partial) indexes.
  EXPECT_NE(plan_of(*db,
                    "SELECT lot_id, member_id, remaining FROM wallet_lots WHERE account = "
                    "'cashback' AND remaining > 0 AND expires_at <= 1700000000 ORDER BY "
                    "member_id, lot_id")
                .find("wallet_lots_open_expiry"),
            std::string::npos);
  EXPECT_NE(plan_of(*db,
                    "SELECT lot_id, remaining, earned FROM wallet_lots WHERE topup_key = "
                    "'pos-T1' AND account = 'stored_bonus' AND member_id = 7")
                .find("wallet_lots_topup"),
            std::string::npos);
  // The lots each index holds: top-up lots; open cashback lots.
  EXPECT_EQ(count(*db,
                  "SELECT COUNT(*) FROM sqlite_master WHERE (name = 'wallet_lots_topup' AND sql "
                  "LIKE '%WHERE topup_key IS NOT NULL') OR (name = 'wallet_lots_open_expiry' AND "
                  "sql LIKE '%WHERE remaining > 0 AND account = ''cashback''')"),
            2);
  EXPECT_EQ(dump(*db,
                 "SELECT lot_id FROM wallet_lots INDEXED BY wallet_lots_topup WHERE "
                 "topup_key IS NOT NULL ORDER BY 1"),
            "1\n2\n");
  EXPECT_EQ(dump(*db,
                 "SELECT lot_id FROM wallet_lots INDEXED BY wallet_lots_open_expiry WHERE "
                 "remaining > 0 AND account = 'cashback' AND expires_at < 1800000000"),
            "4\n");
}

}  // namespace
}  // namespace recur::store
