// The public CDNOW data goes in through the ordinary import path: a whitespace-separated file
// without order ids or unit prices, mapped onto the canonical order fields.

#include <gtest/gtest.h>

#include "ingest/importer.h"
#include "ingest/mapped_file.h"
#include "test_util.h"

namespace recur::ingest {
namespace {

ImportOptions cdnow_options() {
  ImportOptions o;
  o.delimiter = ' ';
  o.column_map = {{"member", "customer_id"},
                  {"paid_at", "date"},
                  {"qty", "number_of_cds"},
                  {"amount", "dollar_value"},
                  {"order_id", "@line"}};
  o.constants = {{"source", "cdnow"}, {"channel", "online"}, {"sku", "CD"}};
  o.member_kind = "external";
  o.date_format = DateFormat::compile("%Y%m%d").value();
  return o;
}

TEST(CdnowImport, MasterFileImportsWithMappingOnly) {
  recur::testing::TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  ManualClock clock(recur::testing::kTestNow);
  auto file = MappedFile::open(RECUR_SOURCE_DIR "/../shared/datasets/CDNOW_master.txt");
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  auto s = import_text(*db, RecordKind::kOrders, file->view(), "CDNOW_master.txt", cdnow_options(),
                       clock);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->rejected, 0) << (s->errors.empty() ? "" : s->errors[0].reason);
  EXPECT_EQ(s->rows, 69659);
  EXPECT_EQ(s->applied, 69659);
  EXPECT_EQ(recur::testing::count(*db, "SELECT COUNT(*) FROM members"), 23570);
  // Dollar amounts are exact in cents: the file's total.
  EXPECT_EQ(recur::testing::count(*db, "SELECT SUM(paid_fen) FROM orders"), 250031563);
  // The first purchase of customer 00001 is on 1997-01-01 (a business day in the merchant zone).
  EXPECT_EQ(recur::testing::count(*db, "SELECT MIN(paid_day) FROM orders"),
            Date::from_ymd(1997, 1, 1).days);
  // Unit prices are derived from the amount, with the rounding kept as discount below 1 fen per
  // unit.
  EXPECT_EQ(recur::testing::count(*db,
                                  "SELECT COUNT(*) FROM order_lines WHERE qty * unit_price_fen - "
                                  "discount_fen <> amount_fen "
                                  "OR discount_fen < 0 OR discount_fen >= qty"),
            0);
  auto again = import_text(*db, RecordKind::kOrders, file->view(), "CDNOW_master.txt",
                           cdnow_options(), clock);
  EXPECT_EQ(again->skipped, 69659);
}

}  // namespace
}  // namespace recur::ingest
