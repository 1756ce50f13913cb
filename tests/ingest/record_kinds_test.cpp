// Refunds, members, products, stores and events.

#include <gtest/gtest.h>

#include "ingest/importer.h"
#include "test_util.h"

namespace recur::ingest {
namespace {

using recur::testing::count;
using recur::testing::TempDir;

class RecordKindsTest : public ::testing::Test {
 protected:
  RecordKindsTest() : db_(recur::testing::open_test_db(dir_)) {
    import(RecordKind::kOrders,
           "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
           "amount\n"
           "pos,A1,2024-06-18 10:00:00,phone:13800138000,store,S01,SKU1,,2,100,0,200\n"
           "pos,A1,2024-06-18 10:00:00,phone:13800138000,store,S01,SKU2,,1,50,0,50\n");
  }
  ImportSummary import(RecordKind kind, const std::string& text, ImportOptions o = {}) {
    auto r = import_text(*db_, kind, text, "f.csv", o, clock_);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.value_or(ImportSummary{});
  }
  TempDir dir_;
  ManualClock clock_{recur::testing::kTestNow};
  std::unique_ptr<store::Database> db_;
};

constexpr const char* kRefundHeader =
    "source,refund_id,order_id,refunded_at,sku,qty,amount,reason\n";

TEST_F(RecordKindsTest, RefundsAreCheckedAgainstWhatIsLeft) {
  auto s = import(RecordKind::kRefunds, std::string(kRefundHeader) +
                                            "pos,R1,A1,2024-06-20 10:00,SKU1,1,100,尺码不合适\n"
                                            "pos,R2,A1,2024-06-21 10:00,,,30,\n");
  EXPECT_TRUE(s.committed);
  EXPECT_EQ(s.applied, 2);
  EXPECT_EQ(count(*db_, "SELECT line_no FROM refunds WHERE refund_id = 'R1'"), 1);
  EXPECT_EQ(count(*db_, "SELECT member_id FROM refunds WHERE refund_id = 'R1'"), 1);
  // 100 of SKU1's 200 is left; 120 more on it is too much; the order has 250 - 130 = 120 left.
  auto bad = import(RecordKind::kRefunds, std::string(kRefundHeader) +
                                              "pos,R3,A1,2024-06-22 10:00,SKU1,1,120,\n"
                                              "pos,R4,A1,2024-06-22 10:00,,,121,\n"
                                              "pos,R5,NOPE,2024-06-22 10:00,,,1,\n"
                                              "pos,R6,A1,2024-06-17 10:00,,,1,\n"
                                              "pos,R7,A1,2024-06-22 10:00,SKU9,,1,\n"
                                              "pos,R8,A1,2024-06-22 10:00,SKU2,2,10,\n"
                                              "pos,R9,A1,2024-06-22 10:00,,,1,\n");
  EXPECT_FALSE(bad.committed);
  ASSERT_EQ(bad.errors.size(), 6u);
  EXPECT_NE(bad.errors[0].reason.find("left to refund on sku SKU1"), std::string::npos);
  EXPECT_NE(bad.errors[1].reason.find("left to refund on order"), std::string::npos);
  EXPECT_NE(bad.errors[2].reason.find("has not been imported"), std::string::npos);
  EXPECT_NE(bad.errors[3].reason.find("before the order was paid"), std::string::npos);
  EXPECT_NE(bad.errors[4].reason.find("no line with sku"), std::string::npos);
  EXPECT_NE(bad.errors[5].reason.find("units returned"), std::string::npos);
  // All-or-nothing: the good R9 was rolled back with the rest.
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM refunds"), 2);
  auto again = import(RecordKind::kRefunds,
                      std::string(kRefundHeader) + "pos,R1,A1,2024-06-20 10:00,SKU1,1,100,\n");
  EXPECT_EQ(again.skipped, 1);
  EXPECT_EQ(count(*db_, "SELECT SUM(amount_fen) FROM refunds"), 13000);
}

TEST_F(RecordKindsTest, MembersFillProfilesAndMerge) {
  constexpr const char* kHeader =
      "member,name,gender,birthday,city,registered_at,channel,store_id,consent_sms,consent_wechat,"
      "consent_app,consent_email\n";
  auto s = import(RecordKind::kMembers,
                  std::string(kHeader) +
                      "card_no:77,王芳,女,1990-03-08,上海,2023-01-05 12:00,store,S01,是,1,0,\n"
                      "phone:13800138000|card_no:77,,,,杭州,,,,,,,\n");
  EXPECT_EQ(s.rejected, 0);
  EXPECT_EQ(s.merges, 1);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM members WHERE merged_into IS NULL"), 1);
  auto st = db_->prepare(
      "SELECT name, gender, birthday, city, consent_sms, consent_app FROM members WHERE "
      "merged_into IS NULL");
  ASSERT_TRUE(st->step().value());
  EXPECT_EQ(st->column_text(0), "王芳");
  EXPECT_EQ(st->column_text(1), "f");
  EXPECT_EQ(st->column_text(2), "1990-03-08");
  EXPECT_EQ(st->column_text(3), "杭州");
  EXPECT_EQ(st->column_int64(4), 1);
  EXPECT_EQ(st->column_int64(5), 0);
  st->reset();
  // The phone's order moved to the survivor with the merge.
  EXPECT_EQ(count(*db_,
                  "SELECT COUNT(*) FROM orders o JOIN members m ON m.member_id = o.member_id WHERE "
                  "m.merged_into IS NULL"),
            1);
  auto again =
      import(RecordKind::kMembers,
             std::string(kHeader) +
                 "card_no:77,王芳,女,1990-03-08,上海,2023-01-05 12:00,store,S01,是,1,0,\n");
  EXPECT_EQ(again.applied, 1);  // city goes back to 上海: a real change
  auto third =
      import(RecordKind::kMembers,
             std::string(kHeader) +
                 "card_no:77,王芳,女,1990-03-08,上海,2023-01-05 12:00,store,S01,是,1,0,\n");
  EXPECT_EQ(third.applied, 0);
  EXPECT_EQ(third.skipped, 1);
  auto bad = import(RecordKind::kMembers,
                    std::string(kHeader) + ",x,,,,,,,,,,\ncard_no:1,,z,1990-02-30,,,,,maybe,,,\n");
  ASSERT_EQ(bad.errors.size(), 2u);
  EXPECT_EQ(bad.errors[0].column, "member");
  EXPECT_EQ(bad.errors[1].column, "gender");
}

TEST_F(RecordKindsTest, ProductsAndStoresUpsert) {
  const std::string products =
      "sku,name,category,brand,price,consumable,unit\nSKU1,纸尿裤 L,母婴/纸尿裤,好奇,129.00,1,包\n";
  EXPECT_EQ(import(RecordKind::kProducts, products).applied, 1);
  EXPECT_EQ(import(RecordKind::kProducts, products).skipped, 1);
  EXPECT_EQ(import(RecordKind::kProducts, "sku,price\nSKU1,139\n").applied, 1);
  EXPECT_EQ(count(*db_, "SELECT price_fen FROM products"), 13900);
  EXPECT_EQ(import(RecordKind::kProducts, "sku,category\nSKU2,/母婴\n").rejected, 1);
  const std::string stores =
      "store_id,name,kind,city,opened_at\nS01,徐汇店,store,上海,2020-05-01\n";
  EXPECT_EQ(import(RecordKind::kStores, stores).applied, 1);
  EXPECT_EQ(import(RecordKind::kStores, stores).skipped, 1);
  EXPECT_EQ(import(RecordKind::kStores, "store_id,kind\nS02,kiosk\n").rejected, 1);
}

TEST_F(RecordKindsTest, EventsAreIdempotentWithOrWithoutIds) {
  const std::string events =
      "source,event_id,at,member,kind,sku,page,zone,dwell_ms,query\n"
      "app,E1,2024-06-18 09:00,phone:13800138000,view,SKU1,pdp,,3200,\n"
      "app,,2024-06-18 09:01,wechat_openid:o9,search,,,,,纸尿裤\n"
      "app,,2024-06-18 09:02,,click,,home,banner,,\n";
  auto s = import(RecordKind::kEvents, events);
  EXPECT_EQ(s.applied, 3);
  EXPECT_EQ(s.members_created, 1);  // the openid is a new prospect
  auto again = import(RecordKind::kEvents, events);
  EXPECT_EQ(again.applied, 0);
  EXPECT_EQ(again.skipped, 3);
  EXPECT_EQ(count(*db_, "SELECT member_id FROM events WHERE event_id = 'E1'"), 1);
  auto bad = import(
      RecordKind::kEvents,
      "source,at,kind,dwell_ms\napp,2024-06-18 09:00,teleport,\napp,2024-06-18 09:00,view,-5\n");
  ASSERT_EQ(bad.errors.size(), 2u);
  EXPECT_EQ(bad.errors[0].column, "kind");
  EXPECT_EQ(bad.errors[1].column, "dwell_ms");
}

}  // namespace
}  // namespace recur::ingest
