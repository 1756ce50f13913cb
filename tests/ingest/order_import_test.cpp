#include <gtest/gtest.h>
#include <iconv.h>

#include "ingest/importer.h"
#include "test_util.h"

namespace recur::ingest {
namespace {

using recur::testing::count;
using recur::testing::TempDir;

constexpr const char* kHeader =
    "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,amount\n";

class OrderImportTest : public ::testing::Test {
 protected:
  OrderImportTest() : db_(recur::testing::open_test_db(dir_)) {}
  ImportSummary import(const std::string& text, ImportOptions o = {},
                       const std::string& label = "orders.csv",
                       RecordKind kind = RecordKind::kOrders) {
    auto r = import_text(*db_, kind, text, label, o, clock_);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.value_or(ImportSummary{});
  }
  TempDir dir_;
  ManualClock clock_{recur::testing::kTestNow};
  std::unique_ptr<store::Database> db_;
};

TEST_F(OrderImportTest, ImportsLinesAsOrdersWithExactMoney) {
  auto s = import(
      std::string(kHeader) +
      "pos,A1,2024-06-18 "
      "10:00:00,phone:13800138000,store,S01,SKU1,母婴/奶粉,2,199.00,10.00,388.00\n"
      "pos,A1,2024-06-18 10:00:00,phone:13800138000,store,S01,SKU2,母婴/纸尿裤,1,¥89.9,0,89.90\n"
      "mall,B7,2024-06-19T21:30:00+08:00,wechat_unionid:oXyz1,online,,SKU2,,1,89.90,,89.90\n");
  EXPECT_TRUE(s.committed);
  EXPECT_EQ(s.rows, 3);
  EXPECT_EQ(s.applied, 3);
  EXPECT_EQ(s.records_applied, 2);
  EXPECT_EQ(s.members_created, 2);
  EXPECT_EQ(count(*db_, "SELECT paid_fen FROM orders WHERE order_id = 'A1'"), 38800 + 8990);
  EXPECT_EQ(count(*db_, "SELECT gross_fen FROM orders WHERE order_id = 'A1'"), 39800 + 8990);
  EXPECT_EQ(count(*db_, "SELECT discount_fen FROM orders WHERE order_id = 'A1'"), 1000);
  EXPECT_EQ(count(*db_, "SELECT item_qty FROM orders WHERE order_id = 'A1'"), 3);
  // Business day in Shanghai: 2024-06-18 is day 19892.
  EXPECT_EQ(count(*db_, "SELECT paid_day FROM orders WHERE order_id = 'A1'"), 19892);
  EXPECT_EQ(count(*db_, "SELECT paid_at FROM orders WHERE order_id = 'A1'"), 1718676000);
  // Missing discount is derived from qty × price − amount.
  EXPECT_EQ(count(*db_,
                  "SELECT l.discount_fen FROM order_lines l JOIN orders o USING (order_pk) WHERE "
                  "o.order_id = 'B7'"),
            0);
}

TEST_F(OrderImportTest, ReimportChangesNothing) {
  std::string text = std::string(kHeader) +
                     "pos,A1,2024-06-18 10:00:00,phone:13800138000,store,S01,SKU1,,1,10,0,10\n"
                     "pos,A2,2024-06-18 11:00:00,,store,S01,SKU1,,1,10,0,10\n";
  import(text);
  auto again = import(text);
  EXPECT_EQ(again.applied, 0);
  EXPECT_EQ(again.skipped, 2);
  EXPECT_EQ(again.members_created, 0);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM orders"), 2);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM order_lines"), 2);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM members"), 1);
}

TEST_F(OrderImportTest, BadRowMeansNothingIsAppliedByDefault) {
  auto s = import(std::string(kHeader) +
                  "pos,A1,2024-06-18 10:00:00,phone:13800138000,store,S01,SKU1,,1,10,0,10\n"
                  "pos,A2,2024-06-18 10:00:00,phone:13800138001,store,S01,SKU1,,1,10.345,0,10.345\n"
                  "pos,A3,2024-06-18 10:00:00,phone:13800138002,store,S01,SKU1,,1,10,0,9\n");
  EXPECT_FALSE(s.committed);
  EXPECT_EQ(s.rejected, 2);
  ASSERT_EQ(s.errors.size(), 2u);
  EXPECT_EQ(s.errors[0].line, 3u);
  EXPECT_EQ(s.errors[0].column, "unit_price");
  EXPECT_NE(s.errors[0].reason.find("3 decimal places"), std::string::npos);
  EXPECT_EQ(s.errors[1].line, 4u);
  EXPECT_EQ(s.errors[1].column, "amount");
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM orders"), 0);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM members"), 0);
}

TEST_F(OrderImportTest, EveryKindOfBadValueIsNamed) {
  struct Case {
    const char* row;
    const char* column;
    const char* words;
  };
  const Case cases[] = {
      {",A,2024-06-18 10:00,,store,,S,,1,1,0,1", "source", "empty"},
      {"pos,,2024-06-18 10:00,,store,,S,,1,1,0,1", "order_id", "empty"},
      {"pos,A,yesterday,,store,,S,,1,1,0,1", "paid_at", "not a timestamp"},
      {"pos,A,2024-06-18 10:00,phone:123,store,,S,,1,1,0,1", "member", "mobile"},
      {"pos,A,2024-06-18 10:00,qq:1,store,,S,,1,1,0,1", "member", "kind"},
      {"pos,A,2024-06-18 10:00,,web,,S,,1,1,0,1", "channel", "not a channel"},
      {"pos,A,2024-06-18 10:00,,store,,,,1,1,0,1", "sku", "empty"},
      {"pos,A,2024-06-18 10:00,,store,,S,,0,1,0,0", "qty", "out of range"},
      {"pos,A,2024-06-18 10:00,,store,,S,,x,1,0,1", "qty", "whole number"},
      {"pos,A,2024-06-18 10:00,,store,,S,,1,1,-1,2", "discount", "negative"},
      {"pos,A,2024-06-18 10:00,,store,,S,,1,1,0,abc", "amount", "amount"},
      {"pos,A,2024-06-18 10:00,,store,,S,,1,1,0", "", "fields"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    auto db = recur::testing::open_test_db(dir);
    auto s = import_text(*db, RecordKind::kOrders, std::string(kHeader) + c.row + "\n", "o.csv", {},
                         clock_);
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(s->errors.size(), 1u) << c.row;
    EXPECT_EQ(s->errors[0].column, c.column) << c.row;
    EXPECT_NE(s->errors[0].reason.find(c.words), std::string::npos)
        << c.row << " → " << s->errors[0].reason;
    EXPECT_EQ(s->errors[0].line, 2u);
  }
}

TEST_F(OrderImportTest, SkipBadAppliesGoodRowsAndWritesRejects) {
  ImportOptions o;
  o.skip_bad = true;
  o.rejects_path = dir_.file("rejects.csv");
  auto s = import(std::string(kHeader) +
                      "pos,A1,2024-06-18 10:00:00,phone:13800138000,store,S01,SKU1,,1,10,0,10\n"
                      "pos,A2,2024-06-18 10:00:00,,store,S01,SKU1,,1,10,0,10\n"
                      "pos,A2,2024-06-18 10:00:00,,store,S01,SKU2,,1,10,0,11\n"
                      "pos,A3,2024-06-18 10:00:00,,store,S01,SKU1,,1,10,0,10\n",
                  o);
  EXPECT_TRUE(s.committed);
  EXPECT_EQ(s.applied, 2);
  EXPECT_EQ(s.rejected, 2);  // both lines of A2: one bad, one spoiled by it
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM orders WHERE order_id = 'A2'"), 0);
  std::string rejects = recur::testing::read_file(o.rejects_path);
  EXPECT_NE(rejects.find("_line,_reason"), std::string::npos);
  EXPECT_NE(rejects.find("SKU2,,1,10,0,11,4,"), std::string::npos);
  EXPECT_NE(rejects.find("whole order is rejected"), std::string::npos);
}

// The rejects file keeps the input's dialect: with ';' (or whitespace) between columns, `_line`
// and `_reason` are separated the same way, so the file reads back with the same options, every
// row bad for the same reason as before, none for having the wrong number of fields.
TEST_F(OrderImportTest, RejectsReadBackInTheInputsOwnDialect) {
  struct Dialect {
    char delimiter;
    std::string text;
  };
  const Dialect dialects[] = {
      {';',
       "订单号;支付时间;手机号;商品编码;数量;单价;实付金额\n"
       "Y1;2024/06/18 09:05;13800138000;SKU1;1;50.00;50.00\n"
       "Y2;2024/06/18 09:06;138001;SKU1;1;50.00;50.00\n"
       "Y3;2024/13/01 10:00;13800138001;SKU1;1;50.00;50.00\n"},
      {' ',
       "订单号 支付时间 手机号 商品编码 数量 单价 实付金额\n"
       "Y1 2024/06/18 13800138000 SKU1 1 50.00 50.00\n"
       "Y2 2024/06/18 138001 SKU1 1 50.00 50.00\n"
       "Y3 2024/13/01 13800138001 SKU1 1 50.00 50.00\n"},
  };
  for (const Dialect& d : dialects) {
    TempDir dir;
    auto db = recur::testing::open_test_db(dir);
    ImportOptions o;
    o.delimiter = d.delimiter;
    o.column_map = {{"order_id", "订单号"}, {"paid_at", "支付时间"}, {"member", "手机号"},
                    {"sku", "商品编码"},    {"qty", "数量"},         {"unit_price", "单价"},
                    {"amount", "实付金额"}};
    o.constants = {{"source", "youzan"}, {"channel", "online"}};
    o.member_kind = "phone";
    o.date_format = DateFormat::compile(d.delimiter == ' ' ? "%Y/%m/%d" : "%Y/%m/%d %H:%M").value();
    o.skip_bad = true;
    o.rejects_path = dir.file("rejects.csv");
    auto first = import_text(*db, RecordKind::kOrders, d.text, "youzan.csv", o, clock_);
    ASSERT_TRUE(first.ok()) << first.status().to_string();
    EXPECT_EQ(first->applied, 1);
    ASSERT_EQ(first->rejected, 2);
    const std::string rejects = recur::testing::read_file(o.rejects_path);
    const std::string sep(1, d.delimiter == ' ' ? '\t' : d.delimiter);
    EXPECT_EQ(rejects.substr(0, rejects.find('\n')),
              d.text.substr(0, d.text.find('\n')) + sep + "_line" + sep + "_reason");

    o.rejects_path = dir.file("rejects-again.csv");
    auto again = import_text(*db, RecordKind::kOrders, rejects, "rejects.csv", o, clock_);
    ASSERT_TRUE(again.ok()) << again.status().to_string();
    EXPECT_EQ(again->applied, 0);
    ASSERT_EQ(again->errors.size(), 2u) << rejects;
    for (std::size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(again->errors[i].column, first->errors[i].column) << rejects;
      EXPECT_EQ(again->errors[i].reason, first->errors[i].reason) << rejects;
      EXPECT_EQ(again->errors[i].line, i + 2);
    }
    EXPECT_EQ(first->errors[0].column, "手机号");
    EXPECT_EQ(first->errors[1].column, "支付时间");
  }
}

// A file without a header row (--columns) gets rejects without one, which read back with the
// same names and `_line,_reason` after them.
TEST_F(OrderImportTest, RejectsOfAHeaderlessFileHaveNoHeaderEither) {
  const std::vector<std::string> names = {"source",  "order_id",   "paid_at",  "member",
                                          "channel", "store_id",   "sku",      "category",
                                          "qty",     "unit_price", "discount", "amount"};
  ImportOptions o;
  o.header_names = names;
  o.skip_bad = true;
  o.rejects_path = dir_.file("rejects.csv");
  auto first = import(
      "pos,A1,2024-06-18 10:00:00,phone:13800138000,store,,SKU1,,1,10,0,10\n"
      "pos,A2,2024-06-18 10:00:00,,web,,SKU1,,1,10,0,10\n",
      o);
  EXPECT_EQ(first.applied, 1);
  ASSERT_EQ(first.rejected, 1);
  const std::string rejects = recur::testing::read_file(o.rejects_path);
  EXPECT_EQ(
      rejects.rfind("pos,A2,2024-06-18 10:00:00,,web,,SKU1,,1,10,0,10,2,\"column 'channel'", 0), 0u)
      << rejects;
  o.header_names.push_back("_line");
  o.header_names.push_back("_reason");
  o.rejects_path = dir_.file("rejects-again.csv");
  auto again = import(rejects, o, "rejects.csv");
  ASSERT_EQ(again.errors.size(), 1u) << rejects;
  EXPECT_EQ(again.errors[0].line, 1u);
  EXPECT_EQ(again.errors[0].column, "channel");
  EXPECT_EQ(again.errors[0].reason, first.errors[0].reason);
}

TEST_F(OrderImportTest, LinesOfAnOrderMustAgree) {
  auto s = import(std::string(kHeader) +
                  "pos,A1,2024-06-18 10:00:00,phone:13800138000,store,S01,SKU1,,1,10,0,10\n"
                  "pos,A1,2024-06-18 10:00:00,phone:13800138001,store,S01,SKU2,,1,10,0,10\n");
  ASSERT_EQ(s.errors.size(), 2u);
  EXPECT_EQ(s.errors[0].line, 2u);
  EXPECT_NE(s.errors[0].reason.find("whole order is rejected"), std::string::npos);
  EXPECT_EQ(s.errors[1].line, 3u);
  EXPECT_EQ(s.errors[1].column, "member");
  EXPECT_NE(s.errors[1].reason.find("differs"), std::string::npos);
}

TEST_F(OrderImportTest, ScatteredLinesOfOneOrderAreGrouped) {
  auto s = import(std::string(kHeader) +
                  "pos,A1,2024-06-18 10:00:00,,store,S01,SKU1,,1,10,0,10\n"
                  "pos,A2,2024-06-18 10:00:00,,store,S01,SKU1,,1,10,0,10\n"
                  "pos,A1,2024-06-18 10:00:00,,store,S01,SKU2,,2,10,0,20\n");
  EXPECT_EQ(s.records_applied, 2);
  EXPECT_EQ(count(*db_, "SELECT line_count FROM orders WHERE order_id = 'A1'"), 2);
  EXPECT_EQ(count(*db_, "SELECT paid_fen FROM orders WHERE order_id = 'A1'"), 3000);
  EXPECT_EQ(count(*db_,
                  "SELECT qty FROM order_lines l JOIN orders o USING (order_pk) WHERE o.order_id = "
                  "'A1' AND line_no = 2"),
            2);
}

TEST_F(OrderImportTest, CategoryFallsBackToTheProduct) {
  import("sku,name,category,brand,price,consumable,unit\nSKU1,奶粉,母婴/奶粉/三段,B,199,1,罐\n", {},
         "p.csv", RecordKind::kProducts);
  import(std::string(kHeader) + "pos,A1,2024-06-18 10:00:00,,store,S01,SKU1,,1,10,0,10\n");
  auto st = db_->prepare("SELECT category FROM order_lines");
  ASSERT_TRUE(st->step().value());
  EXPECT_EQ(st->column_text(0), "母婴/奶粉/三段");
}

// A foreign export: GBK, Chinese headers, its own date layout, bare phone numbers, semicolons.
TEST_F(OrderImportTest, ForeignExportWithMappingGbkAndDateFormat) {
  std::string utf8 =
      "订单号;支付时间;手机号;商品编码;数量;单价;优惠;实付金额\n"
      "Y1;2024/6/18 9:05;138 0013 8000;SKU1;2;￥50.00;5;95.00\n"
      "Y2;2024/6/19 21:00;13800138001;SKU2;1;¥9.9;0;9.9\n";
  std::string gbk;
  {
    // Convert with the same iconv the importer uses, in reverse.
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    ASSERT_NE(cd, reinterpret_cast<iconv_t>(-1));
    gbk.resize(utf8.size() * 2);
    char* in = utf8.data();
    std::size_t in_left = utf8.size();
    char* out = gbk.data();
    std::size_t out_left = gbk.size();
    ASSERT_NE(iconv(cd, &in, &in_left, &out, &out_left), static_cast<std::size_t>(-1));
    gbk.resize(gbk.size() - out_left);
    iconv_close(cd);
  }
  ImportOptions o;
  o.encoding = Encoding::kGbk;
  o.delimiter = ';';
  o.column_map = {{"order_id", "订单号"}, {"paid_at", "支付时间"}, {"member", "手机号"},
                  {"sku", "商品编码"},    {"qty", "数量"},         {"unit_price", "单价"},
                  {"discount", "优惠"},   {"amount", "实付金额"}};
  o.constants = {{"source", "youzan"}, {"channel", "online"}};
  o.member_kind = "phone";
  o.date_format = DateFormat::compile("%Y/%m/%d %H:%M").value();
  auto s = import(gbk, o, "youzan.csv");
  EXPECT_EQ(s.rejected, 0) << (s.errors.empty() ? "" : s.errors[0].reason);
  EXPECT_EQ(s.applied, 2);
  EXPECT_EQ(count(*db_, "SELECT paid_fen FROM orders WHERE order_id = 'Y1'"), 9500);
  EXPECT_EQ(count(*db_, "SELECT paid_at FROM orders WHERE order_id = 'Y1'"),
            parse_timestamp("2024-06-18 09:05", TimeZone::shanghai()).value().seconds);
  EXPECT_EQ(
      count(*db_, "SELECT COUNT(*) FROM identities WHERE kind = 'phone' AND value = '13800138000'"),
      1);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM orders WHERE source = 'youzan'"), 2);
}

TEST_F(OrderImportTest, MissingRequiredColumnIsAFileError) {
  auto r = import_text(*db_, RecordKind::kOrders, "source,order_id\npos,1\n", "x.csv", {}, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("paid_at"), std::string::npos);
  EXPECT_NE(r.status().message().find("--map"), std::string::npos);
  ImportOptions o;
  o.column_map = {{"amout", "x"}};
  auto typo = import_text(*db_, RecordKind::kOrders, kHeader, "x.csv", o, clock_);
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("unknown field 'amout'"), std::string::npos);
}

TEST_F(OrderImportTest, JsonLinesWithNestedLines) {
  auto s = import(
      R"({"source":"mall","order_id":"J1","paid_at":"2024-06-18 10:00:00","member":"phone:13800138000","channel":"online","lines":[{"sku":"A","qty":2,"unit_price":"5.00","amount":"10.00"},{"sku":"B","qty":1,"unit_price":3.5,"discount":0.5,"amount":3}]})"
      "\n"
      R"({"source":"mall","order_id":"J2","paid_at":"2024-06-18 11:00:00","channel":"online","sku":"A","qty":1,"unit_price":"5","amount":"5"})"
      "\n{not json}\n",
      {}, "orders.jsonl");
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].line, 3u);
  ImportOptions skip;
  skip.skip_bad = true;
  auto ok = import(
      R"({"source":"mall","order_id":"J1","paid_at":"2024-06-18 10:00:00","member":"phone:13800138000","channel":"online","lines":[{"sku":"A","qty":2,"unit_price":"5.00","amount":"10.00"},{"sku":"B","qty":1,"unit_price":3.5,"discount":0.5,"amount":3}]})"
      "\n",
      skip, "orders.jsonl");
  EXPECT_EQ(ok.applied, 2);
  EXPECT_EQ(count(*db_, "SELECT paid_fen FROM orders WHERE order_id = 'J1'"), 1300);
}

TEST_F(OrderImportTest, DryRunValidatesButWritesNothing) {
  ImportOptions o;
  o.dry_run = true;
  auto s =
      import(std::string(kHeader) + "pos,A1,2024-06-18 10:00:00,,store,S01,SKU1,,1,10,0,10\n", o);
  EXPECT_EQ(s.rows, 1);
  EXPECT_EQ(s.rejected, 0);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM orders"), 0);
  EXPECT_EQ(count(*db_, "SELECT COUNT(*) FROM import_batches"), 0);  // nothing at all is written
}

TEST_F(OrderImportTest, BulkAndOneByOneGiveTheSameResult) {
  std::string rows;
  for (int i = 0; i < 300; ++i) {
    rows += "pos,O" + std::to_string(i) + ",2024-06-18 10:00:00,phone:138" +
            std::to_string(10000000 + i % 37) + ",store,S01,SKU" + std::to_string(i % 5) +
            ",,1,10,0,10\n";
  }
  import(std::string(kHeader) + rows);
  TempDir other;
  auto db2 = recur::testing::open_test_db(other);
  ImportOptions one;
  one.chunk_orders = 1;
  ASSERT_TRUE(
      import_text(*db2, RecordKind::kOrders, std::string(kHeader) + rows, "o.csv", one, clock_)
          .ok());
  const char* q = "SELECT COUNT(*) * 1000003 + SUM(member_id * 7 + paid_fen) FROM orders";
  EXPECT_EQ(count(*db_, q), count(*db2, q));
  EXPECT_EQ(count(*db2, "SELECT COUNT(*) FROM members"), 37);
}

}  // namespace
}  // namespace recur::ingest
