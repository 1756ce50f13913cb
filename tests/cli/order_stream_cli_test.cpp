// `recur order stream` end to end: orders and refunds as NDJSON leave exactly the ledger that
// `recur import` + apply leaves for the same records (whatever the grouping); a bad record is
// rejected alone with its line and field; a replay changes nothing; an acknowledgement comes
// once its group committed, even while the input pauses.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "cli_run.h"
#include "ledger_dump.h"
#include "store/database.h"
#include "test_util.h"

namespace recur {
namespace {

using recur::testing::CmdResult;
using recur::testing::has;
using recur::testing::ledger_dump;
using recur::testing::rows;
using recur::testing::run;
using recur::testing::TempDir;
using recur::testing::write_file;

struct Line {
  std::string sku, category;  // category may be empty: the product's
  int qty;
  std::string unit_price, discount, amount;
};
struct Order {
  std::string id, paid_at, member, channel;
  std::vector<Line> lines;
};
struct Refund {
  std::string id, order_id, at, sku, qty, amount;
};

// In the order things happened, as a stream would carry them; every refund after the orders
// (import applies the orders file before the refunds file).
const std::vector<Order> kOrders = {
    {"A1",
     "2024-03-01 10:00:00",
     "phone:13900000001",
     "store",
     {{"F1", "食品", 2, "50.00", "", "100.00"},
      {"M1", "母婴/奶粉", 1, "300.00", "20.00", "280.00"}}},
    // No category: the product's (3C/手机, which earns half).
    {"B1",
     "2024-03-02 11:00:00",
     "card_no:88000002",
     "online",
     {{"P1", "", 1, "1999.00", "", "1999.00"}}},
    {"G1", "2024-03-03 12:00:00", "", "store", {{"F1", "食品", 1, "50.00", "", "50.00"}}},
    // Checked out through recur before it arrives (refunded through the settlement's cascade).
    {"S1",
     "2024-03-05 10:00:00",
     "phone:13900000009",
     "store",
     {{"F1", "食品", 2, "50.00", "", "100.00"}}},
    {"A2",
     "2024-03-10 09:30:00",
     "phone:13900000001",
     "store",
     {{"M1", "母婴/奶粉", 2, "300.00", "", "600.00"}}},
    // Member day (the 18th): double points; A reaches silver.
    {"A3",
     "2024-03-18 15:00:00",
     "phone:13900000001",
     "miniprogram",
     {{"F2", "食品", 1, "", "", "100.00"}}},
    {"B2",
     "2024-03-19 10:00:00",
     "card_no:88000002",
     "online",
     {{"F1", "食品", 3, "50.00", "", "150.00"}}},
    {"A4",
     "2024-03-20 10:00:00",
     "phone:13900000001",
     "online",
     {{"D1", "母婴/纸尿裤", 1, "120.00", "", "120.00"}}},
};
const std::vector<Refund> kRefunds = {
    {"R1", "A2", "2024-03-25 10:00:00", "M1", "1", "300.00"},
    {"R2", "S1", "2024-03-26 10:00:00", "", "", "40.00"},     // an amount of the whole order
    {"R3", "G1", "2024-03-27 10:00:00", "F1", "1", "50.00"},  // a guest's: stored, earns nothing
};

std::string json_line(const Line& l) {
  std::string s = "\"sku\":\"" + l.sku + "\"";
  if (!l.category.empty()) s += ",\"category\":\"" + l.category + "\"";
  s += ",\"qty\":" + std::to_string(l.qty);
  if (!l.unit_price.empty()) s += ",\"unit_price\":\"" + l.unit_price + "\"";
  if (!l.discount.empty()) s += ",\"discount\":\"" + l.discount + "\"";
  return s + ",\"amount\":\"" + l.amount + "\"";
}

// The orders and `refunds` as NDJSON, in the order they happened (a refund after the orders of
// its second); with kRefunds, every order and then every refund.
std::string ndjson(const std::vector<Refund>& refunds = kRefunds) {
  std::vector<std::pair<std::string, std::string>> records;  // (time, line)
  for (const Order& o : kOrders) {
    std::string s = "{\"source\":\"pos\",\"order_id\":\"" + o.id + "\",\"paid_at\":\"" + o.paid_at +
                    "\",\"member\":\"" + o.member + "\",\"channel\":\"" + o.channel + "\"";
    if (o.lines.size() == 1) {  // the flat form of a one-line order
      s += "," + json_line(o.lines[0]);
    } else {
      s += ",\"lines\":[";
      for (std::size_t i = 0; i < o.lines.size(); ++i)
        s += (i ? ",{" : "{") + json_line(o.lines[i]) + "}";
      s += "]";
    }
    records.emplace_back(o.paid_at, s + "}\n");
  }
  for (const Refund& r : refunds) {
    std::string s = "{\"source\":\"pos\",\"refund_id\":\"" + r.id + "\",\"order_id\":\"" +
                    r.order_id + "\",\"refunded_at\":\"" + r.at + "\"";
    if (!r.sku.empty()) s += ",\"sku\":\"" + r.sku + "\",\"qty\":" + r.qty;
    records.emplace_back(r.at, s + ",\"amount\":\"" + r.amount + "\"}\n");
  }
  std::stable_sort(records.begin(), records.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [at, line] : records) out += line;
  return out;
}

std::string orders_csv() {
  std::string out =
      "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
      "amount\n";
  for (const Order& o : kOrders)
    for (const Line& l : o.lines)
      out += "pos," + o.id + "," + o.paid_at + "," + o.member + "," + o.channel + ",," + l.sku +
             "," + l.category + "," + std::to_string(l.qty) + "," + l.unit_price + "," +
             l.discount + "," + l.amount + "\n";
  return out;
}

std::string refunds_csv(const std::vector<Refund>& refunds = kRefunds) {
  std::string out = "source,refund_id,order_id,refunded_at,sku,qty,amount\n";
  for (const Refund& r : refunds)
    out += "pos," + r.id + "," + r.order_id + "," + r.at + "," + r.sku + "," + r.qty + "," +
           r.amount + "\n";
  return out;
}

class OrderStreamCli : public ::testing::Test {
 protected:
  // A store with the shipped program, the products, member C and C's order S1 checked out.
  std::string store(const std::string& name) {
    const std::string db = "--db " + dir_.file(name) + " ";
    EXPECT_EQ(
        run(db + "program load " + std::string(RECUR_SOURCE_DIR) + "/config/program.yaml").code, 0);
    write_file(dir_.file("products.csv"),
               "sku,name,category,price\nP1,手机,3C/手机,1999.00\nF1,饼干,食品,50.00\n");
    EXPECT_EQ(run(db + "import products " + dir_.file("products.csv")).code, 0);
    write_file(dir_.file("members.csv"), "member,name\nphone:13900000009,丙\n");
    EXPECT_EQ(run(db + "import members " + dir_.file("members.csv")).code, 0);
    CmdResult c = run(db + "order checkout pos:S1 phone:13900000009 --line 食品:F1:100.00 " +
                      "--at '2024-03-05 10:00'");
    EXPECT_EQ(c.code, 0) << c.out;
    return db;
  }
  // The rows of `sql` (one text column) in store `name`, one per line, without the last "\n".
  std::string rows_of(const std::string& name, const std::string& sql) {
    auto db = store::Database::open(dir_.file(name));
    std::string out = rows(**db, sql);
    if (!out.empty()) out.pop_back();
    return out;
  }
  std::string file(const std::string& name) const { return dir_.file(name); }
  // Two stores get `orders` (an orders CSV without its header) and then `merge`, a command that
  // merges two of their members: one store imports the orders before the program is loaded (they
  // stay pending until the merge), the other after. Both must end with the same ledger; returns
  // what `merge` printed in the first ("late.db"). The merge is dated by RECUR_NOW in both.
  CmdResult merge_with_orders_pending(const std::string& orders, const std::string& merge) {
    const std::string program = std::string(RECUR_SOURCE_DIR) + "/config/program.yaml";
    write_file(file("orders.csv"),
               "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,"
               "discount,amount\n" +
                   orders);
    setenv("RECUR_NOW", "2024-04-06T12:00:00+08:00", 1);
    const std::string late = "--db " + file("late.db") + " ";
    const std::string first = "--db " + file("first.db") + " ";
    const CmdResult runs[] = {run(late + "import orders " + file("orders.csv")),
                              run(late + "program load " + program),
                              run(late + merge),
                              run(first + "program load " + program),
                              run(first + "import orders " + file("orders.csv")),
                              run(first + merge)};
    unsetenv("RECUR_NOW");
    for (const CmdResult& r : runs) EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(ledger_dump(file("late.db")), ledger_dump(file("first.db")));
    return runs[2];
  }
  std::int64_t query(const std::string& name, const std::string& sql) {
    auto db = store::Database::open(dir_.file(name));
    return recur::testing::count(**db, sql);
  }
  TempDir dir_;
};

TEST_F(OrderStreamCli, LeavesTheLedgerThatImportAndApplyLeave) {
  write_file(dir_.file("in.ndjson"), ndjson());
  write_file(dir_.file("orders.csv"), orders_csv());
  write_file(dir_.file("refunds.csv"), refunds_csv());

  const std::string imported = store("imported.db");
  CmdResult io = run(imported + "import orders " + dir_.file("orders.csv"));
  ASSERT_EQ(io.code, 0) << io.out;
  CmdResult ir = run(imported + "import refunds " + dir_.file("refunds.csv"));
  ASSERT_EQ(ir.code, 0) << ir.out;

  const std::string streamed = store("streamed.db");
  CmdResult s = run(streamed + "order stream < " + dir_.file("in.ndjson"));
  ASSERT_EQ(s.code, 0) << s.out;
  // One group, one transaction per record, and groups of two: the same ledger every time.
  const std::string per_record = store("per_record.db");
  CmdResult p = run(per_record + "order stream --group-ms 0 --file " + dir_.file("in.ndjson"));
  ASSERT_EQ(p.code, 0) << p.out;
  const std::string pairs = store("pairs.db");
  CmdResult g =
      run(pairs + "order stream --group-max 2 --group-ms 100000 --file " + dir_.file("in.ndjson"));
  ASSERT_EQ(g.code, 0) << g.out;

  const std::string expected = ledger_dump(dir_.file("imported.db"));
  EXPECT_TRUE(has(expected, "tier 2 normal -> silver")) << expected;  // A upgraded
  EXPECT_TRUE(has(expected, "line 2/1 P1 3C/手机")) << expected;      // the product's category
  EXPECT_TRUE(has(expected, "settlement refund pos:R2 pk 2")) << expected;
  EXPECT_EQ(ledger_dump(dir_.file("streamed.db")), expected);
  EXPECT_EQ(ledger_dump(dir_.file("per_record.db")), expected);
  EXPECT_EQ(ledger_dump(dir_.file("pairs.db")), expected);

  // Each stream is a batch, as an import is, and its rows carry the batch's id.
  EXPECT_EQ(rows_of("streamed.db",
                    "SELECT kind, file, status, rows, applied, skipped, rejected, "
                    "finished_at >= started_at FROM import_batches WHERE kind = 'stream'"),
            "stream|stdin|done|11|11|0|0|1");
  EXPECT_EQ(rows_of("per_record.db", "SELECT file FROM import_batches WHERE kind = 'stream'"),
            dir_.file("in.ndjson"));
  EXPECT_EQ(query("streamed.db",
                  "SELECT COUNT(*) FROM orders WHERE batch_id IS NOT (SELECT batch_id FROM "
                  "import_batches WHERE kind = 'stream')"),
            0);
  EXPECT_EQ(query("streamed.db",
                  "SELECT COUNT(*) FROM refunds WHERE batch_id IS NOT (SELECT batch_id FROM "
                  "import_batches WHERE kind = 'stream')"),
            0);
  EXPECT_GT(query("streamed.db", "SELECT COUNT(*) FROM refunds"), 0);

  // The acknowledgements say what each record did, as the store holds it.
  auto points = [&](const std::string& key) {
    return std::to_string(
        query("streamed.db", "SELECT points FROM loyalty_orders WHERE order_key = '" + key + "'"));
  };
  EXPECT_TRUE(has(s.out, "ok 1 pos:A1 points=" + points("pos:A1") + " growth=380 tier=normal\n"))
      << s.out;
  EXPECT_TRUE(has(s.out, "ok 2 pos:B1 points=" + points("pos:B1") + " growth=1999 tier=silver\n"))
      << s.out;
  EXPECT_TRUE(has(s.out, "ok 3 pos:G1 guest\n")) << s.out;
  EXPECT_TRUE(has(s.out, "ok 6 pos:A3 points=200 growth=100 tier=silver\n")) << s.out;
  const std::string a_tier = rows_of("streamed.db",
                                     "SELECT tier FROM loyalty_accounts JOIN identities "
                                     "USING (member_id) WHERE value = '13900000001'");
  EXPECT_TRUE(has(s.out, "ok 9 pos:R1 refund of pos:A2 points=-300 growth=-300 tier=" + a_tier))
      << s.out;
  EXPECT_TRUE(has(s.out, "ok 11 pos:R3 refund of pos:G1 guest\n")) << s.out;
  EXPECT_TRUE(has(s.out, "order stream: 11 records — 11 applied, 0 duplicates, 0 rejected;"))
      << s.out;
  EXPECT_TRUE(has(p.out, "groups committed: 11")) << p.out;
  // 11 small commits stay far below the 1,000 WAL frames that wake the checkpointer.
  EXPECT_TRUE(has(p.out, "WAL checkpoints: 0 in the background, 0 inline")) << p.out;
  EXPECT_TRUE(has(g.out, "groups committed: 6")) << g.out;
  CmdResult check = run(streamed + "check");
  EXPECT_EQ(check.code, 0) << check.out;
}

// A refunds file dated between the orders: an import of the orders applies them all before the
// refunds file comes, so A reaches silver at A3 and earns A4 at silver before R1 (paid back on
// 03-15) takes the tier away. With --no-apply the orders wait, and the refunds import applies
// both files by time: the ledger of the same records streamed as they happened.
TEST_F(OrderStreamCli, AnOrdersImportWithNoApplyLetsTheRefundsFileComeInTime) {
  std::vector<Refund> refunds = kRefunds;
  refunds[0].at = "2024-03-15 10:00:00";  // R1 of A2, before A3 (03-18) and A4 (03-20)
  write_file(file("orders.csv"), orders_csv());
  write_file(file("refunds.csv"), refunds_csv(refunds));
  write_file(file("in.ndjson"), ndjson(refunds));

  const std::string deferred = store("deferred.db");
  CmdResult io = run(deferred + "import orders --no-apply " + file("orders.csv"));
  ASSERT_EQ(io.code, 0) << io.out;
  EXPECT_TRUE(has(io.out, "loyalty not applied yet (--no-apply)")) << io.out;
  EXPECT_EQ(query("deferred.db", "SELECT COUNT(*) FROM orders"), 8);
  EXPECT_EQ(query("deferred.db", "SELECT COUNT(*) FROM loyalty_orders"), 1);  // S1's checkout
  CmdResult again = run(deferred + "import orders --no-apply --json " + file("orders.csv"));
  EXPECT_TRUE(has(again.out, "\"skipped\":9,")) << again.out;
  EXPECT_TRUE(has(again.out, "\"loyalty_deferred\":true")) << again.out;
  CmdResult ir = run(deferred + "import refunds " + file("refunds.csv"));
  ASSERT_EQ(ir.code, 0) << ir.out;

  const std::string streamed = store("streamed.db");
  CmdResult s = run(streamed + "order stream --file " + file("in.ndjson"));
  ASSERT_EQ(s.code, 0) << s.out;
  EXPECT_TRUE(has(s.out, "ok 6 pos:R1 refund of pos:A2")) << s.out;  // after A2, before A3

  const std::string eager = store("eager.db");
  CmdResult eo = run(eager + "import orders --json " + file("orders.csv"));
  ASSERT_EQ(eo.code, 0) << eo.out;
  EXPECT_TRUE(has(eo.out, "\"loyalty_deferred\":false")) << eo.out;
  ASSERT_EQ(run(eager + "import refunds " + file("refunds.csv")).code, 0);

  const std::string expected = ledger_dump(file("streamed.db"));
  EXPECT_FALSE(has(expected, "tier 2 normal -> silver")) << expected;  // 680 + 100 + 120
  EXPECT_EQ(ledger_dump(file("deferred.db")), expected);
  const std::string files_in_turn = ledger_dump(file("eager.db"));
  EXPECT_TRUE(has(files_in_turn, "tier 2 normal -> silver")) << files_in_turn;
  EXPECT_NE(files_in_turn, expected);
  CmdResult check = run(deferred + "check");
  EXPECT_EQ(check.code, 0) << check.out;
}

TEST_F(OrderStreamCli, AReplayChangesNothingAndSaysDuplicate) {
  write_file(dir_.file("in.ndjson"), ndjson());
  const std::string db = store("t.db");
  ASSERT_EQ(run(db + "order stream --file " + dir_.file("in.ndjson")).code, 0);
  const std::string before = ledger_dump(dir_.file("t.db"));
  CmdResult again = run(db + "order stream --file " + dir_.file("in.ndjson"));
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_EQ(ledger_dump(dir_.file("t.db")), before);
  EXPECT_TRUE(has(again.out, "ok 1 pos:A1 duplicate points=")) << again.out;
  EXPECT_TRUE(has(again.out, "ok 3 pos:G1 duplicate\n")) << again.out;
  // A duplicate refund says what it took back when it was applied, as a duplicate order does.
  EXPECT_TRUE(
      has(again.out, "ok 9 pos:R1 refund of pos:A2 duplicate points=-300 growth=-300 tier="))
      << again.out;
  EXPECT_TRUE(has(again.out, "11 records — 0 applied, 11 duplicates, 0 rejected")) << again.out;
  EXPECT_EQ(rows_of("t.db",
                    "SELECT status, rows, applied, skipped FROM import_batches "
                    "WHERE kind = 'stream' ORDER BY batch_id"),
            "done|11|11|0\ndone|11|0|11");
}

TEST_F(OrderStreamCli, ABadRecordIsRejectedAloneWithItsLineAndField) {
  const std::string db = store("t.db");
  const std::string order =
      R"({"source":"pos","order_id":"%s","paid_at":"2024-04-01 10:00:00","member":"%s",)"
      R"("channel":"store","sku":"F1","qty":1,"unit_price":"50.00","amount":"%s"})";
  auto make = [&](const std::string& id, const std::string& member, const std::string& amount) {
    std::string s = order;
    s.replace(s.find("%s"), 2, id);
    s.replace(s.find("%s"), 2, member);
    s.replace(s.find("%s"), 2, amount);
    return s + "\n";
  };
  write_file(
      dir_.file("in.ndjson"),
      make("X1", "phone:13900000011", "50.00") +  // 1 ok
          R"({"source":"pos","order_id":"X2",)"
          "\n" +                                      // 2 not JSON
          make("X3", "phone:13900000011", "-5.00") +  // 3 negative amount
          make("X4", "fax:123", "50.00") +            // 4 no such identity kind
          make("X5", "phone:13900000012", "50.00") +  // 5 ok: an unknown member is created
          R"({"source":"pos","refund_id":"RX","order_id":"NOPE","refunded_at":"2024-04-02 10:00:00","amount":"1.00"})"
          "\n" +                                      // 6 refund of an order not in the store
          make("X1", "phone:13900000011", "50.00") +  // 7 a duplicate of line 1
          "[1, 2]\n" +                                // 8 not an object
          "   \n" +                                   // 9 blank: skipped
          R"({"source":"pos","order_id":"X6","paid_at":"2024-04-01 10:00:00","member":"phone:13900000011","channel":"store",)"
          R"("lines":[{"sku":"F1","qty":1,"amount":"50.00"},{"sku":"F2","qty":0,"amount":"1.00"}]})"
          "\n" +                                      // 10 one bad line spoils the order
          make("X7", "phone:13900000011", "50.00"));  // 11 ok
  CmdResult s = run(db + "order stream --file " + dir_.file("in.ndjson"));
  EXPECT_EQ(s.code, 1) << s.out;  // records were rejected
  EXPECT_TRUE(has(s.out, "ok 1 pos:X1 points=50 growth=50 tier=normal\n")) << s.out;
  EXPECT_TRUE(has(s.out, "error 2: not valid JSON")) << s.out;
  EXPECT_TRUE(
      has(s.out, "error 3: field 'amount': amount is negative (记录被拒绝 record rejected)"))
      << s.out;
  EXPECT_TRUE(has(s.out, "error 4: field 'member': 'fax:123' has no identity kind")) << s.out;
  EXPECT_TRUE(has(s.out, "ok 5 pos:X5 points=50 growth=50 tier=normal\n")) << s.out;
  EXPECT_TRUE(has(s.out, "error 6: field 'order_id': order pos:NOPE has not been imported"))
      << s.out;
  EXPECT_TRUE(has(s.out, "ok 7 pos:X1 duplicate points=50 growth=50 tier=normal\n")) << s.out;
  EXPECT_TRUE(has(s.out, "error 8: not a JSON object")) << s.out;
  EXPECT_FALSE(has(s.out, "error 9") || has(s.out, "ok 9 ")) << s.out;
  EXPECT_TRUE(has(s.out, "error 10: field 'qty': qty: 0 is out of range")) << s.out;
  EXPECT_TRUE(has(s.out, "ok 11 pos:X7 points=50 growth=50 tier=normal\n")) << s.out;
  // In input order.
  EXPECT_LT(s.out.find("error 6:"), s.out.find("ok 7 "));
  EXPECT_LT(s.out.find("ok 7 "), s.out.find("error 8:"));
  EXPECT_TRUE(has(s.out, "10 records — 3 applied, 1 duplicates, 6 rejected")) << s.out;

  EXPECT_EQ(query("t.db", "SELECT COUNT(*) FROM orders WHERE order_id LIKE 'X%'"), 3);
  EXPECT_EQ(query("t.db",
                  "SELECT COUNT(*) FROM order_lines l JOIN orders o USING (order_pk) "
                  "WHERE o.order_id = 'X6'"),
            0);
  EXPECT_EQ(query("t.db", "SELECT COUNT(*) FROM loyalty_orders WHERE order_key LIKE 'pos:X%'"), 3);
  EXPECT_EQ(query("t.db", "SELECT COUNT(DISTINCT member_id) FROM orders WHERE order_id LIKE 'X%'"),
            2);
  EXPECT_EQ(query("t.db", "SELECT COUNT(*) FROM refunds"), 0);
  CmdResult check = run(db + "check");
  EXPECT_EQ(check.code, 0) << check.out;
}

TEST_F(OrderStreamCli, JsonAcknowledgements) {
  const std::string db = store("t.db");
  write_file(
      dir_.file("in.ndjson"),
      R"({"source":"pos","order_id":"J1","paid_at":"2024-04-01 10:00:00","member":"phone:13900000021","channel":"store","sku":"F1","qty":2,"unit_price":"50.00","amount":"100.00"})"
      "\n{\n");
  CmdResult s = run(db + "order stream --json --file " + dir_.file("in.ndjson"));
  EXPECT_EQ(s.code, 1) << s.out;
  const std::int64_t member =
      query("t.db", "SELECT member_id FROM identities WHERE value = '13900000021'");
  EXPECT_TRUE(has(s.out,
                  "{\"line\":1,\"ok\":true,\"kind\":\"order\",\"key\":\"pos:J1\","
                  "\"duplicate\":false,\"member\":" +
                      std::to_string(member) +
                      ",\"applied\":true,\"points\":100,\"growth\":100,"
                      "\"tier\":\"normal\"}\n"))
      << s.out;
  EXPECT_TRUE(has(s.out, "{\"line\":2,\"ok\":false,\"error\":\"not valid JSON")) << s.out;
}

// The window ends while the producer waits: the acknowledgement must come before more input.
TEST_F(OrderStreamCli, AnAcknowledgementDoesNotWaitForTheNextRecord) {
  const std::string db = store("t.db");
  write_file(
      dir_.file("1.ndjson"),
      R"({"source":"pos","order_id":"W1","paid_at":"2024-04-01 10:00:00","member":"phone:13900000031","channel":"store","sku":"F1","qty":1,"amount":"50.00"})"
      "\n");
  write_file(
      dir_.file("2.ndjson"),
      R"({"source":"pos","order_id":"W2","paid_at":"2024-04-01 11:00:00","member":"phone:13900000031","channel":"store","sku":"F1","qty":1,"amount":"50.00"})"
      "\n");
  const std::string out = dir_.file("out.txt"), seen = dir_.file("seen.txt");
  const std::string cmd = "(cat " + dir_.file("1.ndjson") + "; sleep 1; cp " + out + " " + seen +
                          "; cat " + dir_.file("2.ndjson") + ") | RECUR_STRICT_STATEMENTS=1 " +
                          RECUR_BINARY + " " + db + "order stream > " + out + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(recur::testing::read_file(seen), "ok 1 pos:W1 points=50 growth=50 tier=normal\n");
  EXPECT_TRUE(has(recur::testing::read_file(out), "ok 2 pos:W2 "))
      << recur::testing::read_file(out);
}

TEST_F(OrderStreamCli, GroupOptionsAreChecked) {
  const std::string db = store("t.db");
  CmdResult s = run(db + "order stream --group-ms -1 --file /dev/null");
  EXPECT_EQ(s.code, 1) << s.out;
  EXPECT_TRUE(has(s.out, "--group-ms must be 0 or more")) << s.out;
  CmdResult m = run(db + "order stream --group-max 0 --file /dev/null");
  EXPECT_EQ(m.code, 1) << m.out;
  CmdResult missing = run(db + "order stream --file " + dir_.file("nope.ndjson"));
  EXPECT_EQ(missing.code, 1) << missing.out;
  EXPECT_TRUE(has(missing.out, "cannot open it")) << missing.out;
}

TEST_F(OrderStreamCli, ABareMemberValueTakesTheKindGiven) {
  write_file(dir_.file("bare.ndjson"),
             R"({"source":"pos","order_id":"K1","paid_at":"2024-03-06 10:00:00",)"
             R"("member":"13900000009","channel":"store","sku":"F1","qty":2,"amount":"100.00"})"
             "\n");
  const std::string db = store("t.db");
  CmdResult without = run(db + "order stream --file " + dir_.file("bare.ndjson"));
  EXPECT_EQ(without.code, 1) << without.out;
  EXPECT_TRUE(has(without.out, "error 1: ")) << without.out;
  EXPECT_TRUE(has(without.out, "--member-kind")) << without.out;
  CmdResult with = run(db + "order stream --member-kind phone --file " + dir_.file("bare.ndjson"));
  ASSERT_EQ(with.code, 0) << with.out;
  EXPECT_TRUE(has(with.out, "ok 1 pos:K1 points=")) << with.out;
  // The phone is member C's (store()): the order is theirs, not a new member's.
  EXPECT_EQ(query("t.db",
                  "SELECT COUNT(*) FROM orders o JOIN identities i ON i.member_id = o.member_id "
                  "WHERE o.order_id = 'K1' AND i.kind = 'phone' AND i.value = '13900000009'"),
            1);
}

// A record that joins two members merges them: an import first applies the orders written
// before it, so the merged member's order earns as its own and moves with the merge, as it does
// when the records arrive one by one.
TEST_F(OrderStreamCli, AnImportAppliesTheOrdersBeforeARecordThatMergesTheirMembers) {
  const std::string header =
      "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
      "amount\n";
  write_file(dir_.file("merge.csv"),
             header +
                 "pos,X1,2024-04-01 10:00:00,phone:13900000101,store,,F1,食品,1,50.00,,50.00\n"
                 "pos,X2,2024-04-02 10:00:00,card_no:88000102,store,,P1,3C/手机,1,1999.00,,"
                 "1999.00\n"
                 "pos,X3,2024-04-03 10:00:00,phone:13900000101|card_no:88000102,store,,F1,食品,1,"
                 "50.00,,50.00\n");
  write_file(
      dir_.file("merge.ndjson"),
      R"({"source":"pos","order_id":"X1","paid_at":"2024-04-01 10:00:00","member":"phone:13900000101","channel":"store","sku":"F1","category":"食品","qty":1,"unit_price":"50.00","amount":"50.00"})"
      "\n"
      R"({"source":"pos","order_id":"X2","paid_at":"2024-04-02 10:00:00","member":"card_no:88000102","channel":"store","sku":"P1","category":"3C/手机","qty":1,"unit_price":"1999.00","amount":"1999.00"})"
      "\n"
      R"({"source":"pos","order_id":"X3","paid_at":"2024-04-03 10:00:00","member":"phone:13900000101|card_no:88000102","channel":"store","sku":"F1","category":"食品","qty":1,"unit_price":"50.00","amount":"50.00"})"
      "\n");
  setenv("RECUR_NOW", "2024-04-03T12:00:00+08:00", 1);  // the merge's time, the same in both
  const std::string imported = store("merge_imported.db");
  CmdResult i = run(imported + "import orders " + dir_.file("merge.csv"));
  const std::string streamed = store("merge_streamed.db");
  CmdResult s = run(streamed + "order stream --file " + dir_.file("merge.ndjson"));
  unsetenv("RECUR_NOW");
  ASSERT_EQ(i.code, 0) << i.out;
  ASSERT_EQ(s.code, 0) << s.out;
  EXPECT_TRUE(has(i.out, "merges 1")) << i.out;

  const std::string a =
      rows_of("merge_imported.db", "SELECT member_id FROM identities WHERE value = '13900000101'");
  const std::string b =
      rows_of("merge_imported.db", "SELECT member_id FROM identities WHERE value = '88000102'");
  EXPECT_EQ(a, b);  // one member now
  // X2 earned as the card's member, at its tier then, and its lots moved with the merge.
  EXPECT_EQ(rows_of("merge_imported.db",
                    "SELECT printf('%d %s %s', m.merged_into = lo.holder, lo.tier, "
                    "lo.holder = " +
                        a +
                        ") FROM loyalty_orders lo JOIN members m "
                        "ON m.member_id = lo.member_id WHERE order_key = 'pos:X2'"),
            "1 normal 1");
  EXPECT_EQ(query("merge_imported.db",
                  "SELECT COUNT(*) FROM loyalty_entries WHERE cause = 'merge' AND amount > 0 "
                  "AND member_id = " +
                      a),
            2);  // B's points and growth
  EXPECT_EQ(
      rows_of("merge_imported.db", "SELECT tier FROM loyalty_accounts WHERE member_id = " + a),
      "silver");
  EXPECT_EQ(ledger_dump(dir_.file("merge_imported.db")),
            ledger_dump(dir_.file("merge_streamed.db")));
}

// Orders imported before the program was loaded are pending; a members file that then merges two
// members applies them first, so the store ends as if the program had been there all along.
TEST_F(OrderStreamCli, AMembersImportAppliesPendingOrdersBeforeItMerges) {
  write_file(file("join.csv"), "member,name\nphone:13900000201|card_no:88000202,丁\n");
  CmdResult m = merge_with_orders_pending(
      "pos,Y1,2024-04-01 10:00:00,phone:13900000201,store,,F1,食品,1,50.00,,50.00\n"
      "pos,Y2,2024-04-02 10:00:00,card_no:88000202,store,,P1,3C/手机,1,1999.00,,1999.00\n"
      "pos,Y3,2024-04-05 10:00:00,card_no:88000202,store,,F1,食品,2,50.00,,100.00\n",
      "import members " + file("join.csv"));
  EXPECT_TRUE(has(m.out, "merges 1")) << m.out;
  // Y2 and Y3 earned as the card's member (silver after Y2) and moved with the merge.
  EXPECT_EQ(rows_of("late.db",
                    "SELECT group_concat(printf('%s %s %d', order_key, tier, holder IS NOT NULL), "
                    "', ') FROM (SELECT * FROM loyalty_orders ORDER BY order_key)"),
            "pos:Y1 normal 0, pos:Y2 normal 1, pos:Y3 silver 1");
}

// The same for an operator's merge.
TEST_F(OrderStreamCli, AManualMergeAppliesPendingOrdersFirst) {
  merge_with_orders_pending(
      "pos,Z1,2024-04-01 10:00:00,phone:13900000301,store,,F1,食品,1,50.00,,50.00\n"
      "pos,Z2,2024-04-02 10:00:00,card_no:88000302,store,,P1,3C/手机,1,1999.00,,1999.00\n",
      "member merge phone:13900000301 card_no:88000302");
  EXPECT_EQ(rows_of("late.db",
                    "SELECT group_concat(printf('%s %s %d', order_key, tier, holder IS NOT NULL), "
                    "', ') FROM (SELECT * FROM loyalty_orders ORDER BY order_key)"),
            "pos:Z1 normal 0, pos:Z2 normal 1");
}

// An unmerge applies pending orders first too: an order bought under the merged member's
// identity after the merge earns as the survivor's (at its tier), as it did when it arrived, and
// then goes back with the merged member, whichever came first, the program or the orders.
TEST_F(OrderStreamCli, AnUnmergeAppliesPendingOrdersFirst) {
  write_file(file("two.csv"), "member,name\nphone:13900000401,戊\ncard_no:88000402,己\n");
  write_file(file("join.csv"), "member,name\nphone:13900000401|card_no:88000402,戊\n");
  write_file(file("orders.csv"),
             "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,"
             "discount,amount\n"
             "pos,U1,2024-04-01 10:00:00,phone:13900000401,store,,P1,3C/手机,1,1999.00,,1999.00\n"
             "pos,U2,2024-04-02 10:00:00,card_no:88000402,store,,F1,食品,2,50.00,,100.00\n");
  const std::string program = std::string(RECUR_SOURCE_DIR) + "/config/program.yaml";
  setenv("RECUR_NOW", "2024-04-06T12:00:00+08:00", 1);
  const std::string late = "--db " + file("late.db") + " ";
  const std::string first = "--db " + file("first.db") + " ";
  const CmdResult runs[] = {run(late + "import members " + file("two.csv")),
                            run(late + "import members " + file("join.csv")),
                            run(late + "import orders " + file("orders.csv")),
                            run(late + "program load " + program),
                            run(late + "member unmerge 1"),
                            run(late + "loyalty apply"),
                            run(first + "program load " + program),
                            run(first + "import members " + file("two.csv")),
                            run(first + "import members " + file("join.csv")),
                            run(first + "import orders " + file("orders.csv")),
                            run(first + "member unmerge 1"),
                            run(first + "loyalty apply")};
  unsetenv("RECUR_NOW");
  for (const CmdResult& r : runs) EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(has(runs[1].out, "merges 1")) << runs[1].out;
  // U1 made the survivor silver; U2 was earned by it at silver, and its lots went back with the
  // card's member (earned by the buyer, held by the buyer).
  for (const char* name : {"late.db", "first.db"})
    EXPECT_EQ(rows_of(name,
                      "SELECT group_concat(printf('%s %s %d %d', order_key, tier, "
                      "l.member_id = o.member_id, COALESCE(holder, l.member_id) = o.member_id), "
                      "', ') FROM (SELECT * FROM loyalty_orders ORDER BY order_key) l "
                      "JOIN orders o ON o.order_pk = l.order_pk"),
              "pos:U1 normal 1 1, pos:U2 silver 0 1")
        << name;
  EXPECT_EQ(ledger_dump(file("late.db")), ledger_dump(file("first.db")));
}

}  // namespace
}  // namespace recur
