// End-to-end tests of the recur binary: what a user types, what they get back.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <tuple>

#include "cli_run.h"
#include "store/database.h"
#include "test_util.h"

namespace recur {
namespace {

using recur::testing::TempDir;

using recur::testing::CmdResult;
using recur::testing::run;

constexpr const char* kHeader =
    "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,amount\n";

// `n` orders of 5,000 people by phone; with `merges`, one in three by card instead (a member of
// its own) and, from the 15,000th order on, one in fifty by both, which merges the two.
std::string orders(int n, int offset = 0, bool merges = false) {
  std::string s = kHeader;
  for (int i = offset; i < offset + n; ++i) {
    std::string phone = "phone:139" + std::to_string(10000000 + i % 5000);
    const std::string card = "card_no:88" + std::to_string(100000 + i % 5000);
    if (merges && i % 50 == 0 && i >= 15000)  // by then each person has both members
      phone += "|" + card;
    else if (merges && i % 3 == 1)
      phone = card;
    for (int line = 0; line < 3; ++line)
      s += "pos,O" + std::to_string(i) + ",2024-06-18 10:00:00," + phone + ",store,S01,SKU" +
           std::to_string(line) + ",食品,1,10.00,0,10.00\n";
  }
  return s;
}

TEST(Cli, ImportPrintsTheJsonSummary) {
  TempDir dir;
  recur::testing::write_file(dir.file("o.csv"), orders(10));
  CmdResult r = run("--db " + dir.file("t.db") + " import orders " + dir.file("o.csv") + " --json");
  EXPECT_EQ(r.code, 0) << r.out;
  for (const char* key :
       {"\"rows\":30", "\"applied\":30", "\"skipped\":0", "\"rejected\":0", "\"elapsed_s\":"})
    EXPECT_NE(r.out.find(key), std::string::npos) << key << " in " << r.out;
  CmdResult again =
      run("--db " + dir.file("t.db") + " import orders " + dir.file("o.csv") + " --json");
  EXPECT_NE(again.out.find("\"applied\":0"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("\"skipped\":30"), std::string::npos) << again.out;
  CmdResult stats = run("--db " + dir.file("t.db") + " stats --json");
  for (const char* key : {"\"members\":10", "\"orders\":10", "\"order_lines\":30", "\"refunds\":0",
                          "\"events\":0", "\"merges\":0"})
    EXPECT_NE(stats.out.find(key), std::string::npos) << key << " in " << stats.out;
}

TEST(Cli, BadRowsAreNamedAndExitNonZero) {
  TempDir dir;
  recur::testing::write_file(
      dir.file("bad.csv"),
      std::string(kHeader) + "pos,A,2024-06-18 10:00,,store,,S,,1,1.005,0,1.005\n");
  CmdResult r = run("--db " + dir.file("t.db") + " import orders " + dir.file("bad.csv"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("bad.csv:2: column 'unit_price'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nothing was applied"), std::string::npos) << r.out;
  CmdResult usage = run("--db " + dir.file("t.db") + " import");
  EXPECT_EQ(usage.code, 2) << usage.out;
  CmdResult unknown = run("--db " + dir.file("t.db") + " member show phone:13900000000");
  EXPECT_EQ(unknown.code, 1) << unknown.out;
}

TEST(Cli, RecurDbEnvironmentVariableChoosesTheStore) {
  TempDir dir;
  recur::testing::write_file(dir.file("o.csv"), orders(2));
  std::string cmd = "cd " + dir.path() + " && RECUR_DB=" + dir.file("env.db") + " " + RECUR_BINARY +
                    " import orders o.csv >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(access(dir.file("env.db").c_str(), F_OK), 0);
  EXPECT_NE(access(dir.file("recur.db").c_str(), F_OK), 0);
}

TEST(Cli, ProfileSqlNamesTheStatementsACommandRan) {
  TempDir dir;
  recur::testing::write_file(dir.file("o.csv"), orders(2));
  const std::string db = "--db " + dir.file("t.db") + " ";
  CmdResult plain = run(db + "import orders " + dir.file("o.csv"));
  ASSERT_EQ(plain.code, 0) << plain.out;
  EXPECT_EQ(plain.out.find("SQL profile"), std::string::npos) << plain.out;
  CmdResult p = run("--profile-sql " + db + "stats");
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("# SQL profile: recur, "), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("FROM orders"), std::string::npos) << p.out;
}

// A command waits up to --lock-wait seconds for another writer's transaction: with 0 it gives up
// at once with "database is locked" (exit 3) and changes nothing; with 60 it runs once the writer
// commits, 5 s later (the default 10 s would have made the first one wait and succeed too).
TEST(Cli, LockWaitIsHowLongACommandWaitsForAnotherWriter) {
  TempDir dir;
  recur::testing::write_file(dir.file("o.csv"), orders(2));
  const std::string db = "--db " + dir.file("t.db") + " ";
  ASSERT_EQ(run(db + "init").code, 0);
  auto holder = store::Database::open(dir.file("t.db"));
  ASSERT_TRUE(holder.ok()) << holder.status().to_string();
  auto tx = store::Transaction::begin(**holder);
  ASSERT_TRUE(tx.ok()) << tx.status().to_string();
  Status committed;
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::seconds(5));
    committed = (*tx)->commit();
  });

  CmdResult locked = run("--lock-wait 0 " + db + "import orders " + dir.file("o.csv"));
  CmdResult waited = run("--lock-wait 60 " + db + "import orders " + dir.file("o.csv") + " --json");
  writer.join();
  ASSERT_TRUE(committed.ok()) << committed.to_string();
  EXPECT_EQ(locked.code, 3) << locked.out;
  EXPECT_NE(locked.out.find("database is locked"), std::string::npos) << locked.out;
  ASSERT_EQ(waited.code, 0) << waited.out;
  EXPECT_NE(waited.out.find("\"records_applied\":2"), std::string::npos) << waited.out;
  // The attempt that gave up left no import batch behind.
  EXPECT_NE(waited.out.find("\"batch_id\":1,"), std::string::npos) << waited.out;
}

// The same imports with and without recur's WAL-combining VFS (`--plain-vfs`: SQLite's own)
// leave the same store, and each reads what the other wrote.
TEST(Cli, PlainVfsWritesTheSameStore) {
  TempDir dir;
  recur::testing::write_file(dir.file("a.csv"), orders(300));
  recur::testing::write_file(dir.file("b.csv"), orders(300, 300));
  const std::string mixed = "--db " + dir.file("mixed.db") + " ";
  const std::string own = "--db " + dir.file("own.db") + " ";
  ASSERT_EQ(run("--plain-vfs " + mixed + "import orders " + dir.file("a.csv")).code, 0);
  ASSERT_EQ(run(mixed + "import orders " + dir.file("b.csv")).code, 0);
  ASSERT_EQ(run(own + "import orders " + dir.file("a.csv")).code, 0);
  ASSERT_EQ(run(own + "import orders " + dir.file("b.csv")).code, 0);
  CmdResult m = run("--plain-vfs " + mixed + "stats");
  CmdResult o = run(own + "stats");
  ASSERT_EQ(m.code, 0) << m.out;
  EXPECT_EQ(m.out, o.out);
  EXPECT_NE(m.out.find("600"), std::string::npos) << m.out;
  CmdResult help = run("--help");
  EXPECT_NE(help.out.find("--plain-vfs"), std::string::npos) << help.out;
}

TEST(Cli, MergeAndUnmergeRoundTrip) {
  TempDir dir;
  std::string db = "--db " + dir.file("t.db");
  recur::testing::write_file(
      dir.file("o.csv"), std::string(kHeader) +
                             "pos,A,2024-06-18 10:00,card_no:1,store,,S,,1,10,0,10\n"
                             "mall,B,2024-06-19 10:00,phone:13800138000,online,,S,,1,20,0,20\n");
  ASSERT_EQ(run(db + " import orders " + dir.file("o.csv")).code, 0);
  CmdResult m = run(
      db +
      " member merge card_no:1 phone:13800138000 --note 'same person, checked by phone' --json");
  ASSERT_EQ(m.code, 0) << m.out;
  EXPECT_NE(m.out.find("\"merge_id\":1"), std::string::npos) << m.out;
  CmdResult show = run(db + " member show phone:13800138000 --json");
  EXPECT_NE(show.out.find("\"count\":2"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("\"paid_fen\":3000"), std::string::npos) << show.out;
  CmdResult u = run(db + " member unmerge 1 --json");
  ASSERT_EQ(u.code, 0) << u.out;
  EXPECT_NE(u.out.find("\"orders\":1"), std::string::npos) << u.out;
  CmdResult after = run(db + " member show phone:13800138000 --json");
  EXPECT_NE(after.out.find("\"paid_fen\":2000"), std::string::npos) << after.out;
  EXPECT_EQ(run(db + " member unmerge 1").code, 1);
  auto store = store::Database::open(dir.file("t.db"));
  EXPECT_EQ(
      recur::testing::count(
          **store, "SELECT COUNT(*) FROM audit WHERE action IN ('member.merge', 'member.unmerge')"),
      2);
}

// Starts `recur import orders CSV --chunk 200` and kills it with SIGKILL as soon as `watch`
// (a COUNT query) sees something committed.
void import_and_kill(const std::string& dbpath, const std::string& csv, const char* watch) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl(RECUR_BINARY, RECUR_BINARY, "--db", dbpath.c_str(), "import", "orders", csv.c_str(),
          "--chunk", "200", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::int64_t seen = 0;
  for (int i = 0; i < 1000 && seen == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    store::OpenOptions ro;
    ro.read_only = true;
    auto db = store::Database::open(dbpath, ro);
    if (!db.ok()) continue;
    auto n = (*db)->query_int(watch);
    if (n.ok()) seen = *n;
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

// A process killed mid-import leaves whole orders only; running it again finishes the job.
TEST(Cli, KilledImportIsConsistentAndRerunFinishes) {
  TempDir dir;
  constexpr int kOrders = 60000;
  recur::testing::write_file(dir.file("big.csv"), orders(kOrders));
  std::string dbpath = dir.file("t.db");
  import_and_kill(dbpath, dir.file("big.csv"), "SELECT COUNT(*) FROM orders");
  auto db = store::Database::open(dbpath);
  ASSERT_TRUE(db.ok());
  std::int64_t partial = recur::testing::count(**db, "SELECT COUNT(*) FROM orders");
  EXPECT_GT(partial, 0);
  if (partial == kOrders) GTEST_SKIP() << "the import finished before it could be killed";
  // Whole orders only: every order has all its lines.
  EXPECT_EQ(
      recur::testing::count(**db,
                            "SELECT COUNT(*) FROM orders o WHERE line_count <> "
                            "(SELECT COUNT(*) FROM order_lines l WHERE l.order_pk = o.order_pk)"),
      0);
  EXPECT_EQ(
      recur::testing::count(**db, "SELECT COUNT(*) FROM import_batches WHERE status = 'running'"),
      1);
  CmdResult rerun = run("--db " + dbpath + " import orders " + dir.file("big.csv") + " --json");
  ASSERT_EQ(rerun.code, 0) << rerun.out;
  EXPECT_NE(rerun.out.find("\"skipped\":" + std::to_string(partial * 3)), std::string::npos)
      << rerun.out;
  EXPECT_EQ(recur::testing::count(**db, "SELECT COUNT(*) FROM orders"), kOrders);
  EXPECT_EQ(recur::testing::count(**db, "SELECT COUNT(*) FROM order_lines"), kOrders * 3);
  EXPECT_EQ(recur::testing::count(**db, "SELECT COUNT(*) FROM members"), 5000);
  EXPECT_EQ(recur::testing::count(**db, "SELECT SUM(paid_fen) FROM orders"), kOrders * 3000LL);
}

// With a loyalty program in force, a kill during the import or during the loyalty apply that
// follows it leaves a ledger `recur check` finds clean; re-running the import ends with the
// same balances as an import that was never interrupted.
// The data with merges too: then the import itself applies orders before each merge.
class KilledLoyaltyImport : public ::testing::TestWithParam<std::tuple<const char*, bool>> {};

TEST_P(KilledLoyaltyImport, CheckIsCleanAndRerunMatchesAnUninterruptedRun) {
  TempDir dir;
  constexpr int kOrders = 30000;
  const auto [watch, merges] = GetParam();
  recur::testing::write_file(dir.file("big.csv"), orders(kOrders, 0, merges));
  const std::string program = std::string(RECUR_SOURCE_DIR) + "/config/program.yaml";
  const std::string killed = "--db " + dir.file("killed.db");
  const std::string clean = "--db " + dir.file("clean.db");
  for (const std::string& db : {killed, clean})
    ASSERT_EQ(run(db + " program load " + program).code, 0);

  import_and_kill(dir.file("killed.db"), dir.file("big.csv"), watch);
  CmdResult mid = run(killed + " check");
  EXPECT_EQ(mid.code, 0) << mid.out;
  ASSERT_EQ(run(killed + " import orders " + dir.file("big.csv")).code, 0);
  CmdResult after = run(killed + " check");
  EXPECT_EQ(after.code, 0) << after.out;

  ASSERT_EQ(run(clean + " import orders " + dir.file("big.csv")).code, 0);
  const char* kTotals =
      "SELECT (SELECT SUM(points) FROM loyalty_accounts) * 1000000 + "
      "(SELECT SUM(growth) FROM loyalty_accounts)";
  auto a = store::Database::open(dir.file("killed.db"));
  auto b = store::Database::open(dir.file("clean.db"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(recur::testing::count(**a, "SELECT COUNT(*) FROM loyalty_orders"), kOrders);
  EXPECT_EQ(recur::testing::count(**a, kTotals), recur::testing::count(**b, kTotals));
  EXPECT_GT(recur::testing::count(**b, kTotals), 0);
  EXPECT_EQ(recur::testing::count(**a, "SELECT COUNT(*) FROM loyalty_entries"),
            recur::testing::count(**b, "SELECT COUNT(*) FROM loyalty_entries"));
  // With merges, each moved what the merged member had earned by then.
  if (merges) {
    EXPECT_GT(recur::testing::count(**b, "SELECT COUNT(*) FROM merges"), 0);
    EXPECT_GT(
        recur::testing::count(**b, "SELECT COUNT(*) FROM loyalty_entries WHERE cause = 'merge'"),
        0);
  }
  EXPECT_EQ(recur::testing::count(**a, "SELECT COUNT(*) FROM merges"),
            recur::testing::count(**b, "SELECT COUNT(*) FROM merges"));
}

INSTANTIATE_TEST_SUITE_P(
    Cli, KilledLoyaltyImport,
    ::testing::Combine(::testing::Values("SELECT COUNT(*) FROM orders",
                                         "SELECT COUNT(*) FROM loyalty_orders"),
                       ::testing::Bool()));

}  // namespace
}  // namespace recur
