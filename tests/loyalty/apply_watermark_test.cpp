// The apply watermarks end to end: each apply raises them to the highest order and refund it saw,
// an import then looks for pending orders only above them (so a small import into a large store
// costs what it adds), orders imported before the program are all applied once it is loaded,
// and `recur check` reports a watermark that claims more than was applied. Also two imports at
// once, each applying what the other has not.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>

#include "cli_run.h"
#include "store/database.h"
#include "test_util.h"

namespace recur {
namespace {

using recur::testing::CmdResult;
using recur::testing::has;
using recur::testing::run;

class ApplyWatermark : public recur::testing::StoreCli {
 protected:
  // `n` one-line orders O<first>… of two members, a day apart.
  std::string orders(int first, int n) {
    std::string csv =
        "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
        "amount\n";
    for (int i = first; i < first + n; ++i)
      csv += "pos,O" + std::to_string(i) + ",2024-03-" + (i < 10 ? "0" : "") + std::to_string(i) +
             " 10:00:00,phone:1390000000" + std::to_string(i % 2) +
             ",store,,F1,食品,1,100.00,,"
             "100.00\n";
    const std::string file = dir_.file("o" + std::to_string(first) + ".csv");
    recur::testing::write_file(file, csv);
    return file;
  }
  std::string setting(const std::string& key) {
    auto db = store::Database::open(dir_.file("t.db"));
    return recur::testing::dump(**db, "SELECT value FROM settings WHERE key = '" + key + "'");
  }
  std::int64_t applied() {
    auto db = store::Database::open(dir_.file("t.db"));
    return recur::testing::count(**db, "SELECT COUNT(*) FROM loyalty_orders");
  }
};

TEST_F(ApplyWatermark, EachApplyRaisesItAndTheNextLooksAboveIt) {
  ASSERT_EQ(load_shipped_program(), 0);
  ASSERT_EQ(run(r("import orders " + orders(1, 3))).code, 0);
  EXPECT_EQ(setting("loyalty.orders_applied_through"), "3\n");
  ASSERT_EQ(run(r("import orders " + orders(4, 2))).code, 0);
  EXPECT_EQ(setting("loyalty.orders_applied_through"), "5\n");
  EXPECT_EQ(applied(), 5);
  recur::testing::write_file(dir_.file("r.csv"),
                             "source,refund_id,order_id,refunded_at,amount\n"
                             "pos,R1,O2,2024-03-20 10:00:00,40.00\n");
  ASSERT_EQ(run(r("import refunds " + dir_.file("r.csv"))).code, 0);
  EXPECT_EQ(setting("loyalty.refunds_applied_through"), "1\n");
  CmdResult c = run(r("check"));
  EXPECT_EQ(c.code, 0) << c.out;
  EXPECT_TRUE(has(c.out, "ok   applied_through_watermark")) << c.out;
}

TEST_F(ApplyWatermark, OrdersImportedBeforeTheProgramAreAppliedOnceItIsLoaded) {
  ASSERT_EQ(run(r("import orders " + orders(1, 4))).code, 0);  // no program: nothing applied
  EXPECT_EQ(setting("loyalty.orders_applied_through"), "");
  EXPECT_EQ(applied(), 0);
  ASSERT_EQ(load_shipped_program(), 0);
  ASSERT_EQ(run(r("import orders " + orders(5, 1))).code, 0);  // applies the four too
  EXPECT_EQ(applied(), 5);
  EXPECT_EQ(setting("loyalty.orders_applied_through"), "5\n");
}

TEST_F(ApplyWatermark, CheckReportsAWatermarkAboveAnOrderNotApplied) {
  ASSERT_EQ(run(r("import orders " + orders(1, 2))).code, 0);  // pending: no program yet
  {
    auto db = store::Database::open(dir_.file("t.db"));
    ASSERT_TRUE((*db)
                    ->exec("INSERT INTO settings (key, value) VALUES "
                           "('loyalty.orders_applied_through', '7')")
                    .ok());
  }
  CmdResult c = run(r("check"));
  EXPECT_EQ(c.code, 1) << c.out;
  EXPECT_TRUE(has(c.out, "FAIL applied_through_watermark")) << c.out;
  EXPECT_TRUE(has(c.out, "order 1")) << c.out;
}

// Two imports at once into one store with a program loaded, with small chunks so that their
// transactions interleave: each import's apply also meets orders of the other (pending when it
// looked, applied by the other by the time it comes to them). Both succeed, every member order
// is applied once, `recur check` is clean, and each member's account is what importing the two
// files one after the other leaves (their members are distinct, so the order does not matter).
// Without the apply's data_version check this failed about every other run on the order key's
// unique index.
TEST_F(ApplyWatermark, TwoImportsAtOnceBothSucceedAndApplyEachOrderOnce) {
  constexpr int kOrders = 6000;
  auto file = [&](const std::string& source, const std::string& phone_prefix) {
    std::string csv =
        "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
        "amount\n";
    for (int i = 0; i < kOrders; ++i) {
      const int day = 1 + i % 28, hour = 8 + i % 12, minute = i % 60;
      csv += source + ",O" + std::to_string(i) + ",2024-" + (i < kOrders / 2 ? "03" : "04") + "-" +
             (day < 10 ? "0" : "") + std::to_string(day) + " " + (hour < 10 ? "0" : "") +
             std::to_string(hour) + ":" + (minute < 10 ? "0" : "") + std::to_string(minute) +
             ":00,phone:" + phone_prefix + std::to_string(10000 + i % 40) +
             ",store,,F1,食品,1,88.00,,88.00\n";
    }
    const std::string path = dir_.file(source + ".csv");
    recur::testing::write_file(path, csv);
    return path;
  };
  const std::string a = file("a", "139000"), b = file("b", "138000");
  ASSERT_EQ(load_shipped_program(), 0);
  CmdResult ra, rb;
  {
    // Each may wait long for the other's apply (an ASan build on a loaded machine once took more
    // than the default 10 s); the test is about applying once, not about waiting.
    std::thread ta([&] { ra = run(r("--lock-wait 120 import orders " + a + " --chunk 100")); });
    std::thread tb([&] { rb = run(r("--lock-wait 120 import orders " + b + " --chunk 100")); });
    ta.join();
    tb.join();
  }
  ASSERT_EQ(ra.code, 0) << ra.out;
  ASSERT_EQ(rb.code, 0) << rb.out;
  EXPECT_EQ(applied(), 2 * kOrders);
  CmdResult c = run(r("check"));
  EXPECT_EQ(c.code, 0) << c.out;

  // The same two files one after the other, into a second store.
  recur::testing::TempDir other;
  const std::string seq = "--db " + other.file("t.db") + " ";
  ASSERT_EQ(
      run(seq + "program load " + std::string(RECUR_SOURCE_DIR) + "/config/program.yaml").code, 0);
  ASSERT_EQ(run(seq + "import orders " + a).code, 0);
  ASSERT_EQ(run(seq + "import orders " + b).code, 0);
  const std::string accounts =
      "SELECT i.value, a.points, a.growth, a.tier FROM loyalty_accounts a JOIN identities i ON "
      "i.member_id = a.member_id ORDER BY i.value";
  auto both = store::Database::open(dir_.file("t.db"));
  auto one = store::Database::open(other.file("t.db"));
  ASSERT_TRUE(both.ok() && one.ok());
  const std::string got = recur::testing::dump(**both, accounts);
  EXPECT_EQ(got, recur::testing::dump(**one, accounts));
  EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), 80) << got;
}

}  // namespace
}  // namespace recur
