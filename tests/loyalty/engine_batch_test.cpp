// LoyaltyEngine::apply_orders (engine_batch.cpp): orders applied in bulk leave the same rows as
// apply_order called on each in turn.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>
#include <string>
#include <vector>

#include "core/time.h"
#include "loyalty/engine.h"
#include "loyalty_fixture.h"
#include "store/database.h"
#include "test_util.h"

namespace recur::loyalty {
namespace {

using namespace recur::loyalty::testing;

Instant at(const char* text) {
  auto t = parse_timestamp(text, TimeZone::shanghai());
  EXPECT_TRUE(t.ok()) << text;
  return t.value_or(Instant{});
}

OrderInput order(std::string key, MemberId member, Instant paid, std::vector<Fen> amounts,
                 const std::string& category = "食品/零食") {
  OrderInput o;
  o.key = std::move(key);
  o.member = member;
  o.paid_at = paid;
  for (std::size_t i = 0; i < amounts.size(); ++i)
    o.lines.push_back(OrderLineInput{static_cast<std::int64_t>(i + 1), "SKU" + std::to_string(i),
                                     category, amounts[i]});
  return o;
}

using recur::testing::dump;

class BatchTest : public ::testing::Test {
 protected:
  struct Store {
    recur::testing::TempDir dir;
    std::unique_ptr<store::Database> db;
    std::unique_ptr<LoyaltyEngine> engine;
  };
  void open(Store& s, int members) {
    auto db = store::Database::open(s.dir.path() + "/recur.db");
    ASSERT_TRUE(db.ok()) << db.status().to_string();
    s.db = std::move(db).value();
    load(*s.db, default_program());
    add_members(*s.db, members);
    s.engine = engine(*s.db, clock_);
    ASSERT_NE(s.engine, nullptr);
  }
  std::vector<OrderInput> random_orders(const std::vector<Store*>& stores);
  // Every loyalty table of `x` and `y` holds the same rows.
  static void expect_same_ledgers(Store& x, Store& y) {
    expect_same_rows(*x.db, *y.db,
                     {"SELECT * FROM loyalty_entries ORDER BY entry_id",
                      "SELECT * FROM loyalty_lots ORDER BY lot_id",
                      "SELECT * FROM loyalty_lot_usage ORDER BY entry_id, lot_id",
                      "SELECT * FROM loyalty_accounts ORDER BY member_id",
                      "SELECT * FROM loyalty_orders ORDER BY order_key",
                      "SELECT * FROM loyalty_order_lines ORDER BY order_key, line_no",
                      "SELECT * FROM loyalty_tier_changes ORDER BY 1"});
  }
  ManualClock clock_{recur::testing::kTestNow};
};

TEST_F(BatchTest, EarnsUpgradesAndCapsAsComputedByHand) {
  Store s;
  open(s, 2);
  // 2024-03-05: no member day (18th), no campaign, no birthday; 1 point and 1 growth per yuan.
  std::vector<OrderInput> orders = {
      // Member 1: ¥800 and ¥300 at normal (×1): 800 + 300 points; growth 1,100 >= 1,000 makes
      // it silver after the second order, so ¥100 then earns 100 × 1.2 = 120 points.
      order("pos:A", 1, at("2024-03-05 10:00:00"), {80000}),
      order("pos:B", 1, at("2024-03-05 11:00:00"), {20000, 10000}),
      order("pos:C", 1, at("2024-03-05 12:00:00"), {10000}),
      // Member 2, one day: ¥30,000 earns 30,000 capped to 20,000 per order (growth 30,000:
      // diamond, ×2); ¥40,000 → 80,000 capped to 20,000; ¥30,000 → 60,000 capped to 20,000, and
      // the daily cap of 50,000 leaves 10,000.
      order("pos:D", 2, at("2024-03-05 09:00:00"), {3000000}),
      order("pos:E", 2, at("2024-03-05 13:00:00"), {4000000}),
      order("pos:F", 2, at("2024-03-05 14:00:00"), {3000000}),
  };
  auto r = in_tx(*s.db, [&] { return s.engine->apply_orders(orders); });
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 6u);
  const std::vector<std::int64_t> points = {800, 300, 120, 20000, 20000, 10000};
  const std::vector<std::int64_t> growth = {800, 300, 100, 30000, 40000, 30000};
  const std::vector<std::string> before = {"normal", "normal",  "silver",
                                           "normal", "diamond", "diamond"};
  const std::vector<std::string> after = {"normal",  "silver",  "silver",
                                          "diamond", "diamond", "diamond"};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ((*r)[i].points, points[i]) << i;
    EXPECT_EQ((*r)[i].growth, growth[i]) << i;
    EXPECT_EQ((*r)[i].tier_before, before[i]) << i;
    EXPECT_EQ((*r)[i].tier_after, after[i]) << i;
  }
  // Entries in order: points then growth of each order, numbered from 1, with running balances;
  // the order's key in loyalty_orders keeps them unique, so they carry no key of their own.
  EXPECT_EQ(dump(*s.db,
                 "SELECT entry_id, member_id, account, amount, balance_after, reference "
                 "FROM loyalty_entries ORDER BY entry_id"),
            "1|1|points|800|800|order:pos:A\n"
            "2|1|growth|800|800|order:pos:A\n"
            "3|1|points|300|1100|order:pos:B\n"
            "4|1|growth|300|1100|order:pos:B\n"
            "5|1|points|120|1220|order:pos:C\n"
            "6|1|growth|100|1200|order:pos:C\n"
            "7|2|points|20000|20000|order:pos:D\n"
            "8|2|growth|30000|30000|order:pos:D\n"
            "9|2|points|20000|40000|order:pos:E\n"
            "10|2|growth|40000|70000|order:pos:E\n"
            "11|2|points|10000|50000|order:pos:F\n"
            "12|2|growth|30000|100000|order:pos:F\n");
  EXPECT_EQ(recur::testing::count(
                *s.db, "SELECT COUNT(*) FROM loyalty_entries WHERE idem_key IS NOT NULL"),
            0);
  // Each lot points at its entry; points usable 7 days later (2024-03-12 00:00 +08:00 =
  // 1710172800), expiring at the end of 2025 (2026-01-01 00:00 +08:00 = 1767196800).
  EXPECT_EQ(dump(*s.db,
                 "SELECT lot_id, entry_id, account, remaining, usable_from, expires_at, order_key "
                 "FROM loyalty_lots WHERE member_id = 1 ORDER BY lot_id"),
            "1|1|points|800|1710172800|1767196800|pos:A\n"
            "2|2|growth|800|1709604000|NULL|pos:A\n"
            "3|3|points|300|1710172800|1767196800|pos:B\n"
            "4|4|growth|300|1709607600|NULL|pos:B\n"
            "5|5|points|120|1710172800|1767196800|pos:C\n"
            "6|6|growth|100|1709611200|NULL|pos:C\n");
  EXPECT_EQ(dump(*s.db,
                 "SELECT member_id, points, points_debt, growth, tier FROM loyalty_accounts "
                 "ORDER BY member_id"),
            "1|1220|0|1200|silver\n2|50000|0|100000|diamond\n");
  EXPECT_EQ(
      dump(*s.db, "SELECT member_id, from_tier, to_tier FROM loyalty_tier_changes ORDER BY 1, at"),
      "1|normal|silver\n2|normal|diamond\n");
}

// 3,000 random orders over 80 members, and the same unusual members in every store given:
// birthdays, one merged away (its orders go to the survivor through apply_order), one owing
// points (its orders repay the debt first), an order applied before the batch (replayed) and one
// twice in the batch.
std::vector<OrderInput> BatchTest::random_orders(const std::vector<Store*>& stores) {
  constexpr int kMembers = 80;
  for (Store* s : stores) open(*s, kMembers);
  // The same unusual members in both stores: birthdays, one merged away (its orders go to the
  // survivor through apply_order), one owing points (its orders repay the debt first).
  for (Store* s : stores) {
    for (int m = 1; m <= kMembers; m += 3)
      EXPECT_TRUE(s->db
                      ->exec("UPDATE members SET birthday = '1990-" +
                             std::string(m % 12 < 9 ? "0" : "") + std::to_string(m % 12 + 1) +
                             "-15' WHERE member_id = " + std::to_string(m))
                      .ok());
    EXPECT_TRUE(s->db->exec("UPDATE members SET merged_into = 10 WHERE member_id = 9").ok());
    EXPECT_TRUE(s->db
                    ->exec("INSERT INTO loyalty_accounts (member_id, points, points_debt, "
                           "growth, tier, tier_since, updated_at) "
                           "VALUES (5, -700, 700, 0, 'normal', 0, 0)")
                    .ok());
    // An order applied through the API before the store had it: its key is replayed.
    auto pre = in_tx(*s->db, [&] {
      return s->engine->apply_order(order("pos:PRE", 3, at("2023-01-01 10:00:00"), {5000}));
    });
    EXPECT_TRUE(pre.ok()) << pre.status().to_string();
  }

  std::mt19937_64 rng(20261125);
  const char* categories[] = {"食品/零食", "母婴/奶粉/三段", "3C/手机/配件", "礼品卡", ""};
  std::vector<OrderInput> orders;
  Instant t = at("2023-01-02 08:00:00");
  MemberId last = 1;
  for (int i = 0; i < 3000; ++i) {
    t = Instant{t.seconds + static_cast<std::int64_t>(rng() % 40000)};
    // One order in ten is the previous member again, usually the same day (daily cap).
    MemberId m = rng() % 10 == 0 ? last : static_cast<MemberId>(1 + rng() % kMembers);
    last = m;
    std::vector<Fen> amounts;
    const int n = static_cast<int>(rng() % 5);  // 0-4 lines
    for (int l = 0; l < n; ++l)
      amounts.push_back(rng() % 50 == 0 ? static_cast<Fen>(1000000 + rng() % 3000000)
                                        : static_cast<Fen>(rng() % 300000));
    orders.push_back(order("pos:" + std::to_string(i), m, t, amounts,
                           categories[rng() % (sizeof categories / sizeof *categories)]));
    orders.back().order_pk = 0;
  }
  orders[1500].key = "pos:PRE";  // applied before the batch: replayed
  orders[1500].member = 3;
  orders[2200] = orders[2100];  // twice in the batch: the second is a replay

  return orders;
}

TEST_F(BatchTest, LargeRandomBatchEqualsOneByOne) {
  Store one, bulk;
  const std::vector<OrderInput> orders = random_orders({&one, &bulk});
  std::vector<OrderEffect> expected;
  auto a = in_tx(*one.db, [&]() -> Status {
    for (const OrderInput& o : orders) {
      ASSIGN_OR_RETURN(OrderEffect e, one.engine->apply_order(o));
      expected.push_back(std::move(e));
    }
    return Status();
  });
  ASSERT_TRUE(a.ok()) << a.to_string();
  auto b = in_tx(*bulk.db, [&] { return bulk.engine->apply_orders(orders); });
  ASSERT_TRUE(b.ok()) << b.status().to_string();

  ASSERT_EQ(b->size(), expected.size());
  int upgrades = 0, capped = 0, replayed = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const OrderEffect& x = expected[i];
    const OrderEffect& y = (*b)[i];
    EXPECT_EQ(x.replayed, y.replayed) << i;
    EXPECT_EQ(x.member, y.member) << i;
    EXPECT_EQ(x.points, y.points) << i;
    EXPECT_EQ(x.points_uncapped, y.points_uncapped) << i;
    EXPECT_EQ(x.growth, y.growth) << i;
    EXPECT_EQ(x.tier_before, y.tier_before) << i;
    EXPECT_EQ(x.tier_after, y.tier_after) << i;
    EXPECT_EQ(x.explain, y.explain) << i;
    upgrades += x.tier_after != x.tier_before;
    capped += x.points < x.points_uncapped;
    replayed += x.replayed;
  }
  // The batch exercised what it is meant to: upgrades mid-batch, caps, a replay.
  EXPECT_GT(upgrades, 20);
  EXPECT_GT(capped, 5);
  EXPECT_EQ(replayed, 2);

  expect_same_ledgers(one, bulk);
}

// LoyaltyEngine::OrderBatch (what apply_pending runs): the orders in parts of uneven sizes leave
// what one batch leaves — with the days of every part given up front (the members are read
// once) and without (each later part's days are new: the batch writes what it has and reads
// the members again).
TEST_F(BatchTest, PartsEqualOneBatch) {
  for (bool days_given : {true, false}) {
    SCOPED_TRACE(days_given ? "days given" : "days not given");
    Store one, parts;
    const std::vector<OrderInput> orders = random_orders({&one, &parts});
    auto a = in_tx(*one.db, [&] { return one.engine->apply_orders(orders); });
    ASSERT_TRUE(a.ok()) << a.status().to_string();
    std::optional<LoyaltyEngine::DateRange> days;
    if (days_given)
      days = LoyaltyEngine::DateRange{TimeZone::shanghai().local_date(orders.front().paid_at),
                                      TimeZone::shanghai().local_date(orders.back().paid_at)};
    std::vector<OrderEffect> effects;
    auto b = in_tx(*parts.db, [&]() -> Status {
      LoyaltyEngine::OrderBatch batch(*parts.engine, days);
      for (std::size_t i = 0, n = 1; i < orders.size(); i += n, n = n * 3 + 7) {
        std::vector<OrderInput> part(
            orders.begin() + static_cast<std::ptrdiff_t>(i),
            orders.begin() + static_cast<std::ptrdiff_t>(std::min(orders.size(), i + n)));
        ASSIGN_OR_RETURN(std::vector<OrderEffect> e, batch.add(part));
        effects.insert(effects.end(), e.begin(), e.end());
      }
      return batch.finish();
    });
    ASSERT_TRUE(b.ok()) << b.to_string();
    ASSERT_EQ(effects.size(), a->size());
    for (std::size_t i = 0; i < effects.size(); ++i) {
      EXPECT_EQ(effects[i].points, (*a)[i].points) << i;
      EXPECT_EQ(effects[i].tier_after, (*a)[i].tier_after) << i;
      EXPECT_EQ(effects[i].replayed, (*a)[i].replayed) << i;
    }
    expect_same_ledgers(one, parts);
  }
}

}  // namespace
}  // namespace recur::loyalty
