#include "insight/kpi.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>

#include "core/time.h"

namespace recur::insight {
namespace {

std::int32_t day(int y, unsigned m, unsigned d) {
  return Date::from_ymd(y, m, d).days;
}

// A small retailer. Amounts are fen; "S1"/"S2" are stores; online orders have no store.
//
//   M1  2023-06-10 online 100; 2024-02-10 store S1 200; 2024-03-05 store S1 300 and online 400
//       (two orders, one purchase day); 2024-03-20 store S1 500
//   M2  2024-03-10 store S1 1000 and store S2 1000 (first purchase ever: two orders, one day);
//       refund 500 on 2024-04-02 (after March)
//   M3  2023-11-01 store S1 800; 2024-03-15 online 600; refund 300 of the 2023 order on 2024-03-16
//   M4  2023-10-01 store S2 700 (never again)
//   M5  2024-02-20 online 900 (never again)
//   M6  a prospect: no orders
//   M7  2024-03-25 online 250; 2024-03-28 online 350 (refund 100 on 2024-03-30); refund 50 of
//       the 03-25 order on 2024-04-05
//   M8  2024-04-10 store S1 999 (only after March)
//   guests: 2024-02-15 store S1 1000; 2024-03-05 store S1 150; 2024-03-31 store S2 250
History sample() {
  HistoryBuilder b;
  for (MemberId id = 1; id <= 8; ++id) b.add_member({id, kNoDay, 0, kNoDay, "", 0});
  b.add_order(1, day(2023, 6, 10), 100, 0, "online", "", 1);
  b.add_order(1, day(2024, 2, 10), 200, 0, "store", "S1", 1);
  b.add_order(1, day(2024, 3, 5), 300, 0, "store", "S1", 1);
  b.add_order(1, day(2024, 3, 5), 400, 0, "online", "", 1);
  b.add_order(1, day(2024, 3, 20), 500, 0, "store", "S1", 1);
  auto m2 = b.add_order(2, day(2024, 3, 10), 1000, 0, "store", "S1", 1);
  b.add_order(2, day(2024, 3, 10), 1000, 0, "store", "S2", 1);
  b.add_refund(m2, day(2024, 4, 2), 500);
  auto m3 = b.add_order(3, day(2023, 11, 1), 800, 0, "store", "S1", 1);
  b.add_order(3, day(2024, 3, 15), 600, 0, "online", "", 1);
  b.add_refund(m3, day(2024, 3, 16), 300);
  b.add_order(4, day(2023, 10, 1), 700, 0, "store", "S2", 1);
  b.add_order(5, day(2024, 2, 20), 900, 0, "online", "", 1);
  auto m7a = b.add_order(7, day(2024, 3, 25), 250, 0, "online", "", 1);
  auto m7b = b.add_order(7, day(2024, 3, 28), 350, 0, "online", "", 1);
  b.add_refund(m7b, day(2024, 3, 30), 100);
  b.add_refund(m7a, day(2024, 4, 5), 50);
  b.add_order(8, day(2024, 4, 10), 999, 0, "store", "S1", 1);
  b.add_order(kGuest, day(2024, 2, 15), 1000, 0, "store", "S1", 1);
  b.add_order(kGuest, day(2024, 3, 5), 150, 0, "store", "S1", 1);
  b.add_order(kGuest, day(2024, 3, 31), 250, 0, "store", "S2", 1);
  return b.build();
}

KpiOptions march() {
  KpiOptions o;
  o.from = day(2024, 3, 1);
  o.to = day(2024, 3, 31);
  return o;
}

TEST(Kpi, WholePeriodMeasuresByHand) {
  History h = sample();
  KpiRow r = compute_total(h, march());
  const KpiValues& v = r.values;
  // The comparison period is the 31 days before March: 2024-01-30 .. 2024-02-29.
  EXPECT_EQ(r.from, day(2024, 3, 1));
  EXPECT_EQ(r.to, day(2024, 3, 31));
  EXPECT_EQ(r.previous_from, day(2024, 1, 30));
  EXPECT_EQ(r.previous_to, day(2024, 2, 29));

  // (a) Buyers in March: M1, M2, M3, M7. Purchase days: M1 03-05 and 03-20 (two orders on 03-05
  // count once), M2 03-10 only (two orders, one day: not a repeat buyer), M3 03-15, M7 03-25 and
  // 03-28. Repeat buyers M1, M7: 2 / 4.
  EXPECT_EQ(v.buyers, 4);
  EXPECT_EQ(v.repeat_buyers, 2);
  EXPECT_DOUBLE_EQ(*v.repurchase_rate_a(), 0.5);
  // (b) Buyers of 01-30 .. 02-29: M1 (02-10), M5 (02-20); M1 came back: 1 / 2.
  EXPECT_EQ(v.previous_buyers, 2);
  EXPECT_EQ(v.returning_buyers, 1);
  EXPECT_DOUBLE_EQ(*v.repurchase_rate_b(), 0.5);
  // (c) Member orders in March: M1 3, M2 2, M3 1, M7 2 = 8. Repeat orders (a day after the
  // member's first purchase day): M1 3 (first 2023-06-10), M2 0 (both on its first day), M3 1,
  // M7 1 (03-28) = 5 / 8.
  EXPECT_EQ(v.member_orders, 8);
  EXPECT_EQ(v.repeat_orders, 5);
  EXPECT_DOUBLE_EQ(*v.repurchase_rate_c(), 0.625);
  // New buyers: M2 (03-10) and M7 (03-25); M8's first purchase is after March.
  EXPECT_EQ(v.new_buyers, 2);
  // Orders: 8 member + 2 guest (03-05, 03-31; the 02-15 guest is outside).
  EXPECT_EQ(v.guest_orders, 2);
  EXPECT_EQ(v.orders(), 10);
  // Sales: members 1200 (M1) + 2000 (M2) + 600 (M3) + 600 (M7) = 4400; guests 150 + 250 = 400.
  EXPECT_EQ(v.member_sales_fen, 4400);
  EXPECT_EQ(v.guest_sales_fen, 400);
  EXPECT_EQ(v.sales_fen(), 4800);
  // Refunds by refund day: M3's 300 on 03-16 (of a 2023 order) and M7's 100 on 03-30; the
  // refunds of 04-02 and 04-05 are after March.
  ASSERT_TRUE(v.refunds_fen.has_value());
  EXPECT_EQ(*v.refunds_fen, 400);
  EXPECT_EQ(*v.net_sales_fen(), 4400);
  // Penetration: 4400 / 4800 of sales, 8 / 10 of orders.
  EXPECT_DOUBLE_EQ(*v.member_sales_share(), 4400.0 / 4800.0);
  EXPECT_DOUBLE_EQ(*v.member_order_share(), 0.8);
  // AOV: 4800 / 10 = 480; member AOV 4400 / 8 = 550.
  EXPECT_EQ(*v.aov_fen(), 480);
  EXPECT_EQ(*v.member_aov_fen(), 550);
  // Frequency: purchase days 2 + 1 + 1 + 2 = 6 over 4 buyers.
  EXPECT_EQ(v.purchase_days, 6);
  EXPECT_DOUBLE_EQ(*v.purchase_frequency(), 1.5);
  // New buyers' net spend through 03-31: M2 2000 (its refund is in April), M7 600 − 100 = 500.
  ASSERT_TRUE(v.new_buyer_net_fen.has_value());
  EXPECT_EQ(*v.new_buyer_net_fen, 2500);
  EXPECT_EQ(*v.ltv_fen(), 1250);
  // Dormant on 03-01 (bought before, nothing in 2023-12-02 .. 2024-02-29): M3 (last 2023-11-01)
  // and M4 (2023-10-01). M3 bought on 03-15: reactivated 1 / 2.
  EXPECT_EQ(v.dormant_members, 2);
  EXPECT_EQ(v.reactivated_members, 1);
  EXPECT_DOUBLE_EQ(*v.reactivation_rate(), 0.5);
}

TEST(Kpi, MonthsAreClippedAndComparedWithTheWholePreviousMonth) {
  History h = sample();
  KpiOptions o = march();
  o.from = day(2024, 2, 15);
  o.by = KpiBreakdown::kMonth;
  std::vector<KpiRow> rows = compute_breakdown(h, o);
  ASSERT_EQ(rows.size(), 2u);

  // February, 02-15 .. 02-29 only; compared with the whole of January (nobody bought).
  const KpiRow& feb = rows[0];
  EXPECT_EQ(feb.key, "2024-02");
  EXPECT_EQ(feb.from, day(2024, 2, 15));
  EXPECT_EQ(feb.to, day(2024, 2, 29));
  EXPECT_EQ(feb.previous_from, day(2024, 1, 1));
  EXPECT_EQ(feb.previous_to, day(2024, 1, 31));
  // Buyers: M5 (02-20), new. M1's 02-10 is before --from.
  EXPECT_EQ(feb.values.buyers, 1);
  EXPECT_EQ(feb.values.repeat_buyers, 0);
  EXPECT_DOUBLE_EQ(*feb.values.repurchase_rate_a(), 0.0);
  EXPECT_EQ(feb.values.previous_buyers, 0);
  EXPECT_FALSE(feb.values.repurchase_rate_b().has_value());
  EXPECT_EQ(feb.values.new_buyers, 1);
  EXPECT_EQ(feb.values.member_orders, 1);
  EXPECT_EQ(feb.values.repeat_orders, 0);
  EXPECT_EQ(feb.values.guest_orders, 1);  // 02-15
  EXPECT_EQ(feb.values.sales_fen(), 1900);
  EXPECT_EQ(*feb.values.refunds_fen, 0);
  EXPECT_EQ(*feb.values.ltv_fen(), 900);
  // Dormant on 02-15 (nothing in 2023-11-17 .. 2024-02-14): M3 (2023-11-01), M4. M1 bought
  // 02-10. Nobody came back in the rest of February.
  EXPECT_EQ(feb.values.dormant_members, 2);
  EXPECT_EQ(feb.values.reactivated_members, 0);

  // March is compared with the whole of February (02-01 .. 02-29), which includes M1's 02-10
  // although it is before --from: the same figures as the whole-period test.
  const KpiRow& mar = rows[1];
  EXPECT_EQ(mar.key, "2024-03");
  EXPECT_EQ(mar.previous_from, day(2024, 2, 1));
  EXPECT_EQ(mar.previous_to, day(2024, 2, 29));
  EXPECT_EQ(mar.values.buyers, 4);
  EXPECT_EQ(mar.values.previous_buyers, 2);
  EXPECT_EQ(mar.values.returning_buyers, 1);
  EXPECT_EQ(mar.values.repeat_orders, 5);
  EXPECT_EQ(mar.values.new_buyers, 2);
  EXPECT_EQ(*mar.values.refunds_fen, 400);
  EXPECT_EQ(mar.values.dormant_members, 2);
  EXPECT_EQ(mar.values.reactivated_members, 1);

  // The whole range 02-15 .. 03-31 (46 days) is compared with 2023-12-31 .. 2024-02-14: M1
  // (02-10) bought then and again. Buyers: M1, M2, M3, M5, M7.
  KpiRow total = compute_total(h, o);
  EXPECT_EQ(total.previous_from, day(2023, 12, 31));
  EXPECT_EQ(total.values.buyers, 5);
  EXPECT_EQ(total.values.previous_buyers, 1);
  EXPECT_EQ(total.values.returning_buyers, 1);
  EXPECT_EQ(total.values.new_buyers, 3);  // M2, M5, M7
  EXPECT_EQ(total.values.orders(), 12);   // 9 member + 3 guest
  EXPECT_EQ(total.values.repeat_orders, 5);
}

TEST(Kpi, IsoWeeks) {
  History h = sample();
  KpiOptions o;
  o.from = day(2024, 3, 1);  // a Friday
  o.to = day(2024, 3, 10);   // a Sunday
  o.by = KpiBreakdown::kWeek;
  std::vector<KpiRow> rows = compute_breakdown(h, o);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].key, "2024-W09");
  EXPECT_EQ(rows[0].from, day(2024, 3, 1));
  EXPECT_EQ(rows[0].to, day(2024, 3, 3));
  EXPECT_EQ(rows[0].previous_from, day(2024, 2, 19));
  EXPECT_EQ(rows[0].previous_to, day(2024, 2, 25));
  EXPECT_EQ(rows[0].values.buyers, 0);
  EXPECT_EQ(rows[0].values.previous_buyers, 1);  // M5 on 02-20
  EXPECT_EQ(*rows[0].values.repurchase_rate_b(), 0.0);
  EXPECT_EQ(rows[1].key, "2024-W10");
  EXPECT_EQ(rows[1].from, day(2024, 3, 4));
  EXPECT_EQ(rows[1].to, day(2024, 3, 10));
  EXPECT_EQ(rows[1].values.buyers, 2);  // M1 03-05, M2 03-10
  EXPECT_EQ(rows[1].values.previous_buyers, 0);

  // Weeks belong to the year of their Thursday.
  o.from = day(2024, 12, 30);
  o.to = day(2024, 12, 31);
  EXPECT_EQ(compute_breakdown(h, o)[0].key, "2025-W01");
  o.from = day(2021, 1, 1);
  o.to = day(2021, 1, 1);
  EXPECT_EQ(compute_breakdown(h, o)[0].key, "2020-W53");
}

TEST(Kpi, ChannelRowsCountPurchaseDaysWithinTheChannel) {
  History h = sample();
  KpiOptions o = march();
  o.by = KpiBreakdown::kChannel;
  std::vector<KpiRow> rows = compute_breakdown(h, o);
  ASSERT_EQ(rows.size(), 2u);
  // By sales: store 3200, online 1600.
  const KpiValues& store = rows[0].values;
  EXPECT_EQ(rows[0].key, "store");
  // Store orders in March: M1 03-05 300, 03-20 500; M2 1000 + 1000; guests 150, 250.
  EXPECT_EQ(store.member_orders, 4);
  EXPECT_EQ(store.guest_orders, 2);
  EXPECT_EQ(store.sales_fen(), 3200);
  EXPECT_DOUBLE_EQ(*store.member_sales_share(), 2800.0 / 3200.0);
  // Store buyers: M1 (2 days), M2 (1 day): (a) 1 / 2.
  EXPECT_EQ(store.buyers, 2);
  EXPECT_EQ(store.repeat_buyers, 1);
  // Store buyers of 01-30 .. 02-29: M1 (02-10), back in March: (b) 1 / 1.
  EXPECT_EQ(store.previous_buyers, 1);
  EXPECT_DOUBLE_EQ(*store.repurchase_rate_b(), 1.0);
  // Repeat orders: M1's two (first store day 02-10); M2's are on its first store day.
  EXPECT_EQ(store.repeat_orders, 2);
  EXPECT_EQ(store.new_buyers, 1);  // M2
  // Dormant in the store channel on 03-01: M3 (store 2023-11-01), M4. M3 came back online, not
  // to a store: not reactivated here.
  EXPECT_EQ(store.dormant_members, 2);
  EXPECT_EQ(store.reactivated_members, 0);
  // Refunds follow the refunded order's channel: M3's 300 on 03-16 reverses its 2023 store order.
  ASSERT_TRUE(store.refunds_fen.has_value());
  EXPECT_EQ(*store.refunds_fen, 300);
  EXPECT_EQ(*store.net_sales_fen(), 3200 - 300);
  ASSERT_TRUE(store.ltv_fen().has_value());

  const KpiValues& online = rows[1].values;
  EXPECT_EQ(rows[1].key, "online");
  // Online in March: M1 400, M3 600, M7 250 + 350.
  EXPECT_EQ(online.member_orders, 4);
  EXPECT_EQ(online.guest_orders, 0);
  EXPECT_EQ(online.sales_fen(), 1600);
  EXPECT_EQ(online.buyers, 3);
  EXPECT_EQ(online.repeat_buyers, 1);    // M7
  EXPECT_EQ(online.previous_buyers, 1);  // M5
  EXPECT_EQ(online.returning_buyers, 0);
  // M1's 03-05 (first online 2023-06-10) and M7's 03-28.
  EXPECT_EQ(online.repeat_orders, 2);
  // M3's first online purchase is in March: new to the channel; and M7.
  EXPECT_EQ(online.new_buyers, 2);
  // Dormant online on 03-01: M1 (last online 2023-06-10), who came back on 03-05.
  EXPECT_EQ(online.dormant_members, 1);
  EXPECT_EQ(online.reactivated_members, 1);
}

TEST(Kpi, StoreRowsIncludeOrdersWithoutAStore) {
  History h = sample();
  KpiOptions o = march();
  o.by = KpiBreakdown::kStore;
  std::vector<KpiRow> rows = compute_breakdown(h, o);
  ASSERT_EQ(rows.size(), 3u);
  // S1: M1 300 + 500, M2 1000, guest 150 = 1950; no store (online): 1600; S2: M2 1000 + guest 250.
  EXPECT_EQ(rows[0].key, "S1");
  EXPECT_EQ(rows[0].values.sales_fen(), 1950);
  EXPECT_EQ(rows[0].values.buyers, 2);
  EXPECT_EQ(rows[0].values.repeat_buyers, 1);
  EXPECT_EQ(rows[1].key, "");
  EXPECT_EQ(rows[1].values.sales_fen(), 1600);
  EXPECT_EQ(rows[2].key, "S2");
  EXPECT_EQ(rows[2].values.sales_fen(), 1250);
  EXPECT_EQ(rows[2].values.buyers, 1);  // M2 bought in S1 and S2 on the same day: a buyer of each
  EXPECT_EQ(rows[2].values.new_buyers, 1);
}

TEST(Kpi, CohortTriangle) {
  History h = sample();
  KpiOptions o = march();
  o.from = day(2023, 10, 15);  // cohorts are whole months: October counts from the 1st
  std::vector<CohortRow> c = compute_cohorts(h, o);
  ASSERT_EQ(c.size(), 6u);  // 2023-10 .. 2024-03
  EXPECT_EQ(c[0].month, "2023-10");
  // 2023-10: M4, bought once.
  EXPECT_EQ(c[0].size, 1);
  EXPECT_EQ(c[0].active, (std::vector<std::int64_t>{1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(c[0].net_fen, (std::vector<Fen>{700, 0, 0, 0, 0, 0}));
  EXPECT_EQ(*c[0].retention(0), 1.0);
  EXPECT_EQ(*c[0].retention(5), 0.0);
  // 2023-11: M3, back in month +4 (March) for 600, less the 300 refunded on 03-16.
  EXPECT_EQ(c[1].size, 1);
  EXPECT_EQ(c[1].active, (std::vector<std::int64_t>{1, 0, 0, 0, 1}));
  EXPECT_EQ(c[1].net_fen, (std::vector<Fen>{800, 0, 0, 0, 300}));
  EXPECT_EQ(*c[1].retention(4), 1.0);
  EXPECT_EQ(*c[1].cumulative_ltv_fen(3), 800);
  EXPECT_EQ(*c[1].cumulative_ltv_fen(4), 1100);
  // 2023-12 and 2024-01: nobody started; ratios are absent, not NaN.
  EXPECT_EQ(c[2].size, 0);
  EXPECT_FALSE(c[2].retention(0).has_value());
  EXPECT_FALSE(c[2].cumulative_ltv_fen(0).has_value());
  // 2024-02: M5, once.
  EXPECT_EQ(c[4].size, 1);
  EXPECT_EQ(c[4].active, (std::vector<std::int64_t>{1, 0}));
  // 2024-03: M2, M7 (M1 started in 2023-06, M8 after --to). Net 2000 + 600 − 100.
  EXPECT_EQ(c[5].size, 2);
  EXPECT_EQ(c[5].active, (std::vector<std::int64_t>{2}));
  EXPECT_EQ(c[5].net_fen, (std::vector<Fen>{2500}));
  EXPECT_EQ(*c[5].cumulative_ltv_fen(0), 1250);
  EXPECT_FALSE(c[5].retention(1).has_value());
}

TEST(Kpi, EmptyPeriodHasNoRatiosButCountsTheDormant) {
  History h = sample();
  KpiOptions o;
  o.from = day(2030, 1, 1);
  o.to = day(2030, 1, 31);
  auto r = compute_kpis(h, o);
  ASSERT_TRUE(r.ok());
  const KpiValues& v = r->total.values;
  EXPECT_EQ(v.buyers, 0);
  EXPECT_EQ(v.orders(), 0);
  EXPECT_FALSE(v.repurchase_rate_a().has_value());
  EXPECT_FALSE(v.repurchase_rate_b().has_value());
  EXPECT_FALSE(v.repurchase_rate_c().has_value());
  EXPECT_FALSE(v.member_sales_share().has_value());
  EXPECT_FALSE(v.member_order_share().has_value());
  EXPECT_FALSE(v.aov_fen().has_value());
  EXPECT_FALSE(v.member_aov_fen().has_value());
  EXPECT_FALSE(v.purchase_frequency().has_value());
  EXPECT_FALSE(v.ltv_fen().has_value());
  EXPECT_EQ(*v.refunds_fen, 0);
  EXPECT_EQ(*v.net_sales_fen(), 0);
  // Everyone who ever bought (M1–M5, M7, M8) is dormant by 2030; none came back.
  EXPECT_EQ(v.dormant_members, 7);
  EXPECT_DOUBLE_EQ(*v.reactivation_rate(), 0.0);

  History none = HistoryBuilder().build();
  auto e = compute_kpis(none, o);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->total.values.dormant_members, 0);
  EXPECT_FALSE(e->total.values.reactivation_rate().has_value());
  EXPECT_EQ(e->cohorts.size(), 1u);
  EXPECT_EQ(e->cohorts[0].size, 0);
}

TEST(Kpi, DormancyBoundaryIsExactlyDormantDays) {
  // Period starts 2024-03-01; with 90 days, the window before it is 2023-12-02 .. 2024-02-29.
  HistoryBuilder b;
  for (MemberId id = 1; id <= 4; ++id) b.add_member({id, kNoDay, 0, kNoDay, "", 0});
  b.add_order(1, day(2023, 12, 1), 100, 0, "store", "", 1);  // just outside: dormant
  b.add_order(1, day(2024, 3, 2), 100, 0, "store", "", 1);
  b.add_order(2, day(2023, 12, 2), 100, 0, "store", "", 1);  // inside: not dormant
  b.add_order(2, day(2024, 3, 2), 100, 0, "store", "", 1);
  // Dormant, then bought inside the window: not dormant at the start.
  b.add_order(3, day(2023, 1, 1), 100, 0, "store", "", 1);
  b.add_order(3, day(2024, 2, 29), 100, 0, "store", "", 1);
  // Bought on the first day of the period only after a long gap: dormant and reactivated.
  b.add_order(4, day(2022, 1, 1), 100, 0, "store", "", 1);
  b.add_order(4, day(2024, 3, 1), 100, 0, "store", "", 1);
  History h = b.build();
  KpiRow r = compute_total(h, march());
  EXPECT_EQ(r.values.dormant_members, 2);  // M1, M4
  EXPECT_EQ(r.values.reactivated_members, 2);
  KpiOptions o = march();
  o.dormant_days = 91;  // 2023-12-01 is now inside the window
  EXPECT_EQ(compute_total(h, o).values.dormant_members, 1);
  // A period starting on 2024-03-02 (window 2023-12-03 .. 2024-03-01): M1 (last 2023-12-01)
  // and M2 (2023-12-02) are dormant; M3 (2024-02-29) and M4 (2024-03-01) are not.
  o = march();
  o.from = day(2024, 3, 2);
  EXPECT_EQ(compute_total(h, o).values.dormant_members, 2);
  EXPECT_EQ(compute_total(h, o).values.reactivated_members, 2);
}

TEST(Kpi, RejectsBadOptions) {
  History h = sample();
  KpiOptions o = march();
  o.from = o.to + 1;
  EXPECT_EQ(compute_kpis(h, o).status().code(), StatusCode::kInvalidArgument);
  o = march();
  o.dormant_days = 0;
  EXPECT_EQ(compute_kpis(h, o).status().code(), StatusCode::kInvalidArgument);
  o = march();
  o.from = o.to - 40000;
  EXPECT_EQ(compute_kpis(h, o).status().code(), StatusCode::kInvalidArgument);
}

TEST(Kpi, DivideRoundedHalvesAwayFromZero) {
  EXPECT_EQ(divide_rounded(5, 2), 3);
  EXPECT_EQ(divide_rounded(-5, 2), -3);
  EXPECT_EQ(divide_rounded(7, 3), 2);
  EXPECT_EQ(divide_rounded(8, 3), 3);
  EXPECT_EQ(divide_rounded(-8, 3), -3);
  EXPECT_EQ(divide_rounded(4801, 10), 480);
  EXPECT_EQ(divide_rounded(0, 7), 0);
}

// ---- the single pass against the definitions, written the slow and obvious way ----

// Every measure of one row straight from the definitions: per member, the sorted distinct days of
// their orders through `report_to` (in `group` only when given).
KpiValues reference(const History& h, const KpiRow& row, std::int32_t report_to,
                    std::int32_t dormant_days, const std::vector<std::uint32_t>* order_group,
                    const std::vector<std::uint32_t>* guest_group, std::uint32_t group) {
  KpiValues v;
  const bool grouped = order_group != nullptr;
  auto in = [](std::int32_t d, std::int32_t a, std::int32_t b) { return d >= a && d <= b; };
  v.refunds_fen = 0;
  v.new_buyer_net_fen = 0;
  for (std::size_t m = 0; m < h.members(); ++m) {
    std::vector<std::int32_t> days;
    Fen paid_to_end = 0;
    for (std::uint32_t k = h.order_begin[m]; k < h.order_begin[m + 1]; ++k) {
      if (h.order_day[k] > report_to) continue;
      if (grouped && (*order_group)[k] != group) continue;
      days.push_back(h.order_day[k]);
      paid_to_end += h.order_paid[k];
    }
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
    if (days.empty()) continue;
    std::int64_t n = std::count_if(days.begin(), days.end(),
                                   [&](std::int32_t d) { return in(d, row.from, row.to); });
    bool before = std::any_of(days.begin(), days.end(), [&](std::int32_t d) {
      return in(d, row.previous_from, row.previous_to);
    });
    v.buyers += n >= 1;
    v.repeat_buyers += n >= 2;
    v.purchase_days += n;
    v.previous_buyers += before;
    v.returning_buyers += before && n >= 1;
    const std::int32_t first = days[0];
    const bool is_new = in(first, row.from, row.to);
    v.new_buyers += is_new;
    std::optional<std::int32_t> last_before;
    for (std::int32_t d : days)
      if (d < row.from) last_before = d;
    const bool dormant = last_before && *last_before <= row.from - dormant_days - 1;
    v.dormant_members += dormant;
    v.reactivated_members += dormant && n >= 1;
    for (std::uint32_t k = h.order_begin[m]; k < h.order_begin[m + 1]; ++k) {
      if (!in(h.order_day[k], row.from, row.to)) continue;
      if (grouped && (*order_group)[k] != group) continue;
      ++v.member_orders;
      v.member_sales_fen += h.order_paid[k];
      v.repeat_orders += h.order_day[k] > first;
    }
    Fen refunded_to_end = 0;
    for (std::uint32_t r = h.refund_begin[m]; r < h.refund_begin[m + 1]; ++r) {
      if (grouped && (*order_group)[h.refund_order[r]] != group) continue;
      if (in(h.refund_day[r], row.from, row.to)) *v.refunds_fen += h.refund_amount[r];
      if (h.refund_day[r] <= report_to) refunded_to_end += h.refund_amount[r];
    }
    if (is_new) *v.new_buyer_net_fen += paid_to_end - refunded_to_end;
  }
  for (std::size_t j = 0; j < h.guest_refund_day.size(); ++j) {
    if (grouped && (*guest_group)[h.guest_refund_order[j]] != group) continue;
    if (in(h.guest_refund_day[j], row.from, row.to)) *v.refunds_fen += h.guest_refund_amount[j];
  }
  for (std::size_t j = 0; j < h.guest_day.size(); ++j) {
    if (!in(h.guest_day[j], row.from, row.to)) continue;
    if (grouped && (*guest_group)[j] != group) continue;
    ++v.guest_orders;
    v.guest_sales_fen += h.guest_paid[j];
  }
  return v;
}

void expect_same(const KpiValues& a, const KpiValues& b, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(a.buyers, b.buyers);
  EXPECT_EQ(a.repeat_buyers, b.repeat_buyers);
  EXPECT_EQ(a.previous_buyers, b.previous_buyers);
  EXPECT_EQ(a.returning_buyers, b.returning_buyers);
  EXPECT_EQ(a.new_buyers, b.new_buyers);
  EXPECT_EQ(a.purchase_days, b.purchase_days);
  EXPECT_EQ(a.dormant_members, b.dormant_members);
  EXPECT_EQ(a.reactivated_members, b.reactivated_members);
  EXPECT_EQ(a.member_orders, b.member_orders);
  EXPECT_EQ(a.repeat_orders, b.repeat_orders);
  EXPECT_EQ(a.guest_orders, b.guest_orders);
  EXPECT_EQ(a.member_sales_fen, b.member_sales_fen);
  EXPECT_EQ(a.guest_sales_fen, b.guest_sales_fen);
  EXPECT_EQ(a.refunds_fen, b.refunds_fen);
  EXPECT_EQ(a.new_buyer_net_fen, b.new_buyer_net_fen);
}

History random_history(std::uint32_t seed) {
  std::mt19937 rng(seed);
  HistoryBuilder b;
  const std::int32_t start = day(2023, 1, 1), span = 730;
  const char* channels[] = {"store", "online", "miniprogram"};
  const char* stores[] = {"", "S1", "S2", "S3"};
  for (MemberId id = 1; id <= 400; ++id) b.add_member({id, kNoDay, 0, kNoDay, "", 0});
  for (MemberId id = 1; id <= 400; ++id) {
    int orders = static_cast<int>(rng() % 9);
    std::int32_t d = start + static_cast<std::int32_t>(rng() % span);
    for (int i = 0; i < orders; ++i) {
      // Mostly short gaps, sometimes the same day, sometimes a long sleep.
      std::uint32_t kind = rng() % 10;
      d += kind < 2 ? 0 : kind < 8 ? static_cast<std::int32_t>(rng() % 40) : 90 + rng() % 200;
      auto o = b.add_order(id, d, 100 + rng() % 900, 0, channels[rng() % 3], stores[rng() % 4], 1);
      if (rng() % 6 == 0) b.add_refund(o, d + static_cast<std::int32_t>(rng() % 60), 50);
    }
  }
  for (int g = 0; g < 300; ++g)
    b.add_order(kGuest, start + static_cast<std::int32_t>(rng() % span), 100 + rng() % 500, 0,
                channels[rng() % 3], stores[rng() % 4], 1);
  return b.build();
}

TEST(Kpi, SinglePassMatchesTheDefinitions) {
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    History h = random_history(seed);
    for (std::int32_t dormant_days : {30, 90}) {
      for (auto [from, to] : {std::pair{day(2023, 5, 17), day(2024, 8, 9)},
                              std::pair{day(2024, 1, 1), day(2024, 1, 31)},
                              std::pair{day(2023, 12, 30), day(2024, 3, 3)}}) {
        KpiOptions o;
        o.from = from;
        o.to = to;
        o.dormant_days = dormant_days;
        std::string where = "seed " + std::to_string(seed) + " D " + std::to_string(dormant_days) +
                            " " + Date{from}.to_string() + ".." + Date{to}.to_string();
        KpiRow total = compute_total(h, o);
        expect_same(total.values, reference(h, total, to, dormant_days, nullptr, nullptr, 0),
                    where + " total");
        for (KpiBreakdown by : {KpiBreakdown::kMonth, KpiBreakdown::kWeek}) {
          o.by = by;
          std::vector<KpiRow> rows = compute_breakdown(h, o);
          ASSERT_FALSE(rows.empty());
          EXPECT_EQ(rows.front().from, from);
          EXPECT_EQ(rows.back().to, to);
          for (std::size_t i = 0; i < rows.size(); ++i) {
            if (i > 0) {
              EXPECT_EQ(rows[i].from, rows[i - 1].to + 1);
            }
            expect_same(rows[i].values,
                        reference(h, rows[i], to, dormant_days, nullptr, nullptr, 0),
                        where + " " + rows[i].key);
          }
        }
        o.by = KpiBreakdown::kChannel;
        for (const KpiRow& row : compute_breakdown(h, o))
          expect_same(row.values,
                      reference(h, row, to, dormant_days, &h.order_channel, &h.guest_channel,
                                h.channels.find(row.key)),
                      where + " channel " + row.key);
        o.by = KpiBreakdown::kStore;
        std::size_t stores = 0;
        for (const KpiRow& row : compute_breakdown(h, o)) {
          ++stores;
          expect_same(row.values,
                      reference(h, row, to, dormant_days, &h.order_store, &h.guest_store,
                                h.stores.find(row.key)),
                      where + " store " + row.key);
        }
        EXPECT_EQ(stores, 4u);
      }
    }
  }
}

}  // namespace
}  // namespace recur::insight
