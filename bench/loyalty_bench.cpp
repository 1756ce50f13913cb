// The loyalty engine's throughput, each figure beside raw SQLite doing the smallest comparable
// job in the same run. The program is the shipped config/program.yaml (four tiers, rolling
// 12-month qualification, tier multipliers, category rules, member day, campaigns, caps, a
// 7-day pending period, end-of-next-year expiry).
//
//  a. one order at a time: each order in its own write transaction (BEGIN IMMEDIATE … COMMIT on
//     WAL, synchronous=NORMAL): insert the orders row and its order_lines, then
//     LoyaltyEngine::apply_order (points with the tier multiplier and the other rules, growth,
//     the tier check and upgrade, the order's row with its entries and lots, the balance).
//     reference: raw sqlite3, per transaction "UPDATE a balance + INSERT a history row"; printed
//     with the history as bare as it gets (no index), indexed by member, and as a ledger entry
//     (indexed by member, the balance after, the cause, the order's key unique: RefHistory).
//     Goals (issue): >= 10k orders/s and >= 0.4 of the reference.
//  a''. the same orders, each using a coupon at checkout (Settlement::checkout); and a mixed
//     stream, one order in four with a coupon at checkout and the others as (a).
//  a'. the same orders through store::GroupCommit (what `recur order stream` runs): each order in
//     its own SAVEPOINT, a COMMIT every 5 ms; must leave the ledger (a) leaves.
//  b. bulk: ingest::import_file of a generated orders CSV (--lines), then apply_pending (what
//     `recur import` runs after importing): the apply alone and import + apply.
//     reference: raw sqlite3, "UPDATE a balance + INSERT a history row" per order in
//     transactions of the same size as apply_pending's; and the layout ceiling (raw sqlite3
//     writing the apply's rows), and for import + apply the floor (the orders, their lines and
//     the apply's rows).
//     Goal (issue): >= 100k orders/s for the apply.
//
// Usage: loyalty_bench [--lines N (300000)] [--reps N (2)] [--seed N] [--dir PATH] [--keep]
//                      [--page-size N (SQLite page size of the stores; default the store's)]
//                      [--drop-index NAME (an experiment: what one index costs; repeatable)]
//                      [--only a|b (run one part alone)]
//                      [--plain-vfs (every store on SQLite's own VFS: store/wal_vfs.h off)].
// (a) runs lines/3 orders over lines/12 members. Recur and its reference alternate.

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench_common.h"
#include "core/clock.h"
#include "core/monotonic_clock.h"
#include "core/time.h"
#include "ingest/importer.h"
#include "loyalty/apply.h"
#include "loyalty/coupon_book.h"
#include "loyalty/engine.h"
#include "loyalty/program_store.h"
#include "loyalty/settlement.h"
#include "loyalty/wallet.h"
#include "store/checkpointer.h"
#include "store/database.h"
#include "store/group_commit.h"
#include "store/statement_profile.h"

namespace {

using namespace recur;
using namespace recur::bench;

constexpr const char* kUsage =
    "usage: loyalty_bench [--lines N (300000)] [--reps N (2)] [--seed N] [--dir PATH] [--keep]\n"
    "                     [--page-size N] [--drop-index NAME]... [--only a|b] [--plain-vfs]\n";
constexpr double kGoalSingle = 10e3;
constexpr double kGoalSingleRatio = 0.4;
constexpr double kGoalBulkApply = 100e3;
constexpr double kGroupMs = 5;          // the group commit window (recur order stream's default)
constexpr std::size_t kMixedEvery = 4;  // the mixed stream: one order in four uses a coupon
std::vector<std::string> g_drop_index;  // --drop-index
store::OpenOptions g_open;              // --plain-vfs: combine_wal_writes off
// RECUR_SQL_PROFILE=1: print where SQLite spent (a)'s, (a'')'s and (b)'s time (slows the run).
const bool g_sql_profile = std::getenv("RECUR_SQL_PROFILE") != nullptr;
constexpr std::int64_t kNow = 1735689600;  // 2025-01-01: the clock recur's rows are stamped with

std::string read_text(const std::string& path) {
  Mapped m(path);
  return std::string(m.view());
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    die(std::string(what) + ": " + sqlite3_errmsg(db));
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr), db, sql);
  return st;
}

void step(sqlite3_stmt* st, sqlite3* db) {
  check(sqlite3_step(st), db, sqlite3_sql(st));
  sqlite3_reset(st);
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// `plain_vfs`: on SQLite's own VFS whatever --plain-vfs says (raw SQLite as shipped).
std::unique_ptr<store::Database> open_fresh(const std::string& path, bool plain_vfs = false) {
  remove_db(path);
  new_db_page_size(path);
  store::OpenOptions options = g_open;
  if (plain_vfs) options.combine_wal_writes = false;
  auto db = store::Database::open(path, options);
  if (!db.ok()) die(db.status().message());
  if (const char* p = std::getenv("RECUR_BENCH_PRAGMA")) {
    Status s = (*db)->exec(p);
    if (!s.ok()) die(s.to_string());
  }
  return std::move(db).value();
}

void ok(const Status& s) {
  if (!s.ok()) die(s.to_string());
}

// A birthday spread over the year, e.g. "1990-07-13".
std::string fmt_birthday(std::int64_t m) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "1990-%02d-%02d", static_cast<int>(1 + m % 12),
                static_cast<int>(1 + m % 28));
  return buf;
}

// A fresh store with the shipped program in force and `members` members (1 in 10 with a
// birthday, so the birthday-month rule is looked up for real).
std::unique_ptr<store::Database> program_store(const std::string& path, const std::string& program,
                                               std::int64_t members) {
  auto db = open_fresh(path);
  for (const std::string& index : g_drop_index) ok(db->exec("DROP INDEX " + index));
  auto loaded = loyalty::load_program(*db, program, "config/program.yaml", Instant{kNow});
  if (!loaded.ok()) die(loaded.status().to_string());
  if (members > 0) {
    ok(db->exec("BEGIN"));
    auto st = db->prepare("INSERT INTO members (member_id, birthday, created_at) VALUES (?, ?, ?)");
    if (!st.ok()) die(st.status().to_string());
    for (std::int64_t m = 1; m <= members; ++m) {
      st->reset();
      st->bind(1, m);
      if (m % 10 == 0)
        st->bind(2, fmt_birthday(m));
      else
        st->bind(2, std::nullopt);
      st->bind(3, kNow);
      ok(st->run());
    }
    ok(db->exec("COMMIT"));
  }
  return db;
}

// ---------------------------------------------------------------------------------------------
// (a) One order at a time.

struct Line {
  std::string sku, category;
  std::int64_t qty = 0, unit_price = 0, discount = 0, amount = 0;
};

struct Order {
  std::string source = "pos", order_id, key;
  std::int64_t member = 0, paid_at = 0, paid_day = 0;
  std::vector<Line> lines;
};

// Orders in time order over 2023-2024 (08:00-22:00 Shanghai), a skewed member pool, 1-5 lines
// of the benchmark catalogue, 35% of lines discounted.
std::vector<Order> make_orders(std::int64_t n, std::int64_t members, std::uint64_t seed) {
  const std::vector<Sku> catalogue = make_catalogue(seed);
  Rng r(seed ^ 0xA11CE);
  const TimeZone& zone = TimeZone::shanghai();
  const std::int64_t first_day = days_from_civil(2023, 1, 1);
  std::vector<Order> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    Order o;
    o.order_id = "B" + std::to_string(100000000 + i);
    o.key = loyalty::order_key(o.source, o.order_id);
    const double u = r.unit();
    o.member = 1 + static_cast<std::int64_t>(u * u * static_cast<double>(members));
    const std::int64_t day = first_day + i * 731 / n;
    const std::int64_t sec = 8 * 3600 + static_cast<std::int64_t>(r.below(14 * 3600));
    Instant at = zone.from_local(day * 86400 + sec);
    o.paid_at = at.seconds;
    o.paid_day = zone.local_date(at).days;
    static constexpr int kLineCounts[] = {1, 2, 2, 3, 3, 3, 4, 4, 5, 3};
    const int nlines = kLineCounts[r.below(10)];
    for (int k = 0; k < nlines; ++k) {
      const Sku& s = catalogue[static_cast<std::size_t>(r.below(catalogue.size()))];
      Line l;
      l.sku = s.code;
      l.category = s.category;
      l.qty = 1 + static_cast<std::int64_t>(r.below(3));
      l.unit_price = s.price;
      if (r.below(100) < 35) l.discount = l.qty * s.price / 10;
      l.amount = l.qty * s.price - l.discount;
      o.lines.push_back(std::move(l));
    }
    out.push_back(std::move(o));
  }
  return out;
}

// recur: one order stored (the orders row and its order_lines) inside the caller's
// transaction; `in` gets what the loyalty engine needs.
void store_order(store::Database& db, const Order& o, loyalty::OrderInput& in) {
  std::int64_t gross = 0, discount = 0, paid = 0, qty = 0;
  for (const Line& l : o.lines) {
    gross += l.qty * l.unit_price;
    discount += l.discount;
    paid += l.amount;
    qty += l.qty;
  }
  auto order_st = db.cached(
      "INSERT INTO orders (source, order_id, member_id, member_ref, channel, store_id, paid_at, "
      "paid_day, gross_fen, discount_fen, paid_fen, line_count, item_qty) "
      "VALUES (?, ?, ?, NULL, 'store', 'S001', ?, ?, ?, ?, ?, ?, ?)");
  if (!order_st.ok()) die(order_st.status().to_string());
  (*order_st)
      ->bind_text_static(1, o.source)
      .bind_text_static(2, o.order_id)
      .bind(3, o.member)
      .bind(4, o.paid_at)
      .bind(5, o.paid_day)
      .bind(6, gross)
      .bind(7, discount)
      .bind(8, paid)
      .bind(9, static_cast<std::int64_t>(o.lines.size()))
      .bind(10, qty);
  ok((*order_st)->run());
  const std::int64_t pk = db.last_insert_rowid();
  auto line_st = db.cached(
      "INSERT INTO order_lines (order_pk, line_no, member_id, sku, category, qty, "
      "unit_price_fen, discount_fen, amount_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!line_st.ok()) die(line_st.status().to_string());
  in.key = o.key;
  in.order_pk = pk;
  in.member = o.member;
  in.paid_at = Instant{o.paid_at};
  in.lines.clear();
  for (std::size_t k = 0; k < o.lines.size(); ++k) {
    const Line& l = o.lines[k];
    (*line_st)->reset();
    (*line_st)
        ->bind(1, pk)
        .bind(2, static_cast<std::int64_t>(k + 1))
        .bind(3, o.member)
        .bind_text_static(4, l.sku)
        .bind_text_static(5, l.category)
        .bind(6, l.qty)
        .bind(7, l.unit_price)
        .bind(8, l.discount)
        .bind(9, l.amount);
    ok((*line_st)->run());
    in.lines.push_back(
        loyalty::OrderLineInput{static_cast<std::int64_t>(k + 1), l.sku, l.category, l.amount});
  }
}

// recur: one order stored and applied, inside the caller's transaction.
void store_and_apply(store::Database& db, loyalty::LoyaltyEngine& engine, const Order& o,
                     loyalty::OrderInput& in) {
  store_order(db, o, in);
  auto e = engine.apply_order(in);
  if (!e.ok()) die(e.status().to_string());
}

// recur: one order stored and checked out with a coupon (settlement: the coupon's checks and
// discount spread over the lines, then points, growth and the tier on what was paid), each in
// its own transaction. coupons[i] was issued to orders[i]'s member before the clock starts.
void recur_checkout_one_by_one(store::Database& db, loyalty::Settlement& settlement,
                               const std::vector<Order>& orders,
                               const std::vector<std::int64_t>& coupons) {
  loyalty::OrderInput in;
  loyalty::CheckoutInput c;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    auto tx = store::Transaction::begin(db);
    if (!tx.ok()) die(tx.status().to_string());
    store_order(db, orders[i], in);
    c.order_key = in.key;
    c.order_pk = in.order_pk;
    c.member = in.member;
    c.channel = "store";
    c.at = in.paid_at;
    c.lines.clear();
    for (const auto& l : in.lines) c.lines.push_back({l.line_no, l.sku, l.category, l.amount});
    c.coupon_id = coupons[i];
    auto e = settlement.checkout(c);
    if (!e.ok()) die(e.status().to_string());
    ok((*tx)->commit());
  }
}

// recur: a mixed stream, each order in its own transaction: an order with a coupon
// (coupons[i] != 0) is checked out as in (a''), the others stored and applied as in (a).
void recur_mixed_one_by_one(store::Database& db, loyalty::LoyaltyEngine& engine,
                            loyalty::Settlement& settlement, const std::vector<Order>& orders,
                            const std::vector<std::int64_t>& coupons) {
  loyalty::OrderInput in;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    if (coupons[i] != 0) {
      recur_checkout_one_by_one(db, settlement, {orders[i]}, {coupons[i]});
      continue;
    }
    auto tx = store::Transaction::begin(db);
    if (!tx.ok()) die(tx.status().to_string());
    store_and_apply(db, engine, orders[i], in);
    ok((*tx)->commit());
  }
}

// Issues one ¥5 no-threshold coupon (mall_5_off) to the member of every `every`-th order (the
// first, then every `every`), a minute before it; 0 for the orders without one.
std::vector<std::int64_t> issue_coupons(store::Database& db, loyalty::CouponBook& book,
                                        const std::vector<Order>& orders, std::size_t every = 1) {
  std::vector<std::int64_t> ids;
  auto tx = store::Transaction::begin(db);
  if (!tx.ok()) die(tx.status().to_string());
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const Order& o = orders[i];
    if (i % every != 0) {
      ids.push_back(0);
      continue;
    }
    auto e = book.issue(loyalty::IssueInput{o.member, "mall_5_off", "bench-" + o.key,
                                            Instant{o.paid_at - 60}, "operator", ""});
    if (!e.ok()) die(e.status().to_string());
    ids.push_back(e->coupon.coupon_id);
  }
  ok((*tx)->commit());
  return ids;
}

// A fresh store with the program and its members for checkouts: a coupon issued for every
// `every`-th order (issue_coupons) and a Settlement; with `cashback`, a Wallet too, so that
// checkouts earn the program's cashback, as `recur order checkout` does.
struct CheckoutStore {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<loyalty::LoyaltyEngine> engine;
  std::unique_ptr<loyalty::CouponBook> book;
  std::unique_ptr<loyalty::Wallet> wallet;
  std::unique_ptr<loyalty::Settlement> settlement;
  std::vector<std::int64_t> coupons;
};

CheckoutStore checkout_store(const std::string& path, const std::string& program,
                             std::int64_t members, const Clock& clock,
                             const std::vector<Order>& orders, std::size_t every, bool cashback) {
  CheckoutStore s;
  s.db = program_store(path, program, members);
  auto engine = loyalty::open_engine(*s.db, clock);
  if (!engine.ok()) die(engine.status().to_string());
  s.engine = std::move(engine).value();
  s.book = std::make_unique<loyalty::CouponBook>(*s.engine);
  s.coupons = issue_coupons(*s.db, *s.book, orders, every);
  if (cashback)
    s.wallet = std::make_unique<loyalty::Wallet>(*s.db, s.engine->active_program(),
                                                 s.engine->zone(), clock);
  s.settlement = std::make_unique<loyalty::Settlement>(*s.engine, *s.book, s.wallet.get());
  return s;
}

// recur: each order stored and applied in its own transaction.
void recur_one_by_one(store::Database& db, loyalty::LoyaltyEngine& engine,
                      const std::vector<Order>& orders) {
  loyalty::OrderInput in;
  for (const Order& o : orders) {
    auto tx = store::Transaction::begin(db);
    if (!tx.ok()) die(tx.status().to_string());
    store_and_apply(db, engine, o, in);
    ok((*tx)->commit());
  }
}

// Group commit (store::GroupCommit, what `recur order stream` runs; not what (a) measures):
// orders still come one at a time, each in its own SAVEPOINT (it succeeds or rolls back alone),
// but they share a transaction that commits once `group_ms` milliseconds have passed since it
// began (or it holds GroupCommitOptions::max_units orders), so the orders of those milliseconds
// share one WAL append. An order is durable at its group's COMMIT, not at its own: a server
// answers it then. Returns the number of groups committed.
std::int64_t recur_group_commit(store::Database& db, loyalty::LoyaltyEngine& engine,
                                const std::vector<Order>& orders, double group_ms) {
  loyalty::OrderInput in;
  const SteadyClock clock;
  store::GroupCommitOptions options;
  options.window_ns = static_cast<std::int64_t>(group_ms * 1e6);
  std::int64_t groups = 0;
  std::size_t durable = 0;
  {
    store::GroupCommit group(db, clock, std::move(options), [&](const store::GroupOutcome& g) {
      if (!g.status.ok()) die(g.status.to_string());
      ++groups;
      durable += g.units();
    });
    for (const Order& o : orders) {
      auto ticket = group.run([&] {
        store_and_apply(db, engine, o, in);
        return Status();
      });
      if (!ticket.ok()) die(ticket.status().to_string());
    }
    ok(group.flush());
  }
  if (durable != orders.size()) die("group commit did not commit every order");
  return groups;
}

// The reference's history table, from the smallest to a ledger's.
enum class RefHistory {
  kMinimal,  // (member, amount, at), no index: the issue's words at their barest
  kIndexed,  // the same indexed by member, as a ledger that lists a member's entries is
  // A ledger entry: also the balance after it (read with the balance), its cause, and the
  // order's key, unique, so that a retried order is not booked twice — what each of recur's
  // order transactions keeps too.
  kLedger,
};

// The reference's tables: one balance row per member (zero) and an empty history.
void raw_setup(store::Database& database, std::int64_t members,
               RefHistory history = RefHistory::kMinimal) {
  sqlite3* db = database.raw();
  check(sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS ref_balances (member_id INTEGER PRIMARY KEY, "
                     "balance INTEGER NOT NULL);"
                     "DELETE FROM ref_balances;",
                     nullptr, nullptr, nullptr),
        db, "reference tables");
  const char* table =
      history == RefHistory::kLedger
          ? "CREATE TABLE IF NOT EXISTS ref_history (id INTEGER PRIMARY KEY, member_id INTEGER "
            "NOT NULL, amount INTEGER NOT NULL, balance_after INTEGER NOT NULL, cause TEXT NOT "
            "NULL, idem_key TEXT NOT NULL, at INTEGER NOT NULL);"
            "CREATE UNIQUE INDEX IF NOT EXISTS ref_history_key ON ref_history (idem_key);"
          : "CREATE TABLE IF NOT EXISTS ref_history (id INTEGER PRIMARY KEY, member_id INTEGER NOT "
            "NULL, amount INTEGER NOT NULL, at INTEGER NOT NULL);";
  check(sqlite3_exec(db, table, nullptr, nullptr, nullptr), db, "reference history");
  check(sqlite3_exec(db, "DELETE FROM ref_history", nullptr, nullptr, nullptr), db, "DELETE");
  if (history != RefHistory::kMinimal)
    check(
        sqlite3_exec(db, "CREATE INDEX IF NOT EXISTS ref_history_member ON ref_history (member_id)",
                     nullptr, nullptr, nullptr),
        db, "reference index");
  check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "BEGIN");
  sqlite3_stmt* ins = prepare(db, "INSERT INTO ref_balances VALUES (?, 0)");
  for (std::int64_t m = 1; m <= members; ++m) {
    sqlite3_bind_int64(ins, 1, m);
    step(ins, db);
  }
  sqlite3_finalize(ins);
  check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "COMMIT");
}

// The reference: per order, one balance UPDATE and one history INSERT, `per_tx` orders per
// transaction (BEGIN IMMEDIATE … COMMIT, as recur's transactions).
void raw_balance_history(store::Database& database, const std::vector<Order>& orders,
                         std::size_t per_tx) {
  sqlite3* db = database.raw();
  sqlite3_stmt* begin = prepare(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* commit = prepare(db, "COMMIT");
  sqlite3_stmt* up =
      prepare(db, "UPDATE ref_balances SET balance = balance + ? WHERE member_id = ?");
  sqlite3_stmt* hist =
      prepare(db, "INSERT INTO ref_history (member_id, amount, at) VALUES (?, ?, ?)");
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const Order& o = orders[i];
    if (i % per_tx == 0) step(begin, db);
    std::int64_t paid = 0;
    for (const Line& l : o.lines) paid += l.amount;
    sqlite3_bind_int64(up, 1, paid / 100);
    sqlite3_bind_int64(up, 2, o.member);
    step(up, db);
    sqlite3_bind_int64(hist, 1, o.member);
    sqlite3_bind_int64(hist, 2, paid / 100);
    sqlite3_bind_int64(hist, 3, o.paid_at);
    step(hist, db);
    if ((i + 1) % per_tx == 0 || i + 1 == orders.size()) step(commit, db);
  }
  for (sqlite3_stmt* st : {begin, commit, up, hist}) sqlite3_finalize(st);
}

// The ledger reference (RefHistory::kLedger), one order per transaction: the balance read, its
// UPDATE, and the entry INSERT with the balance after, the cause and the order's key. (Until round
// ten the UPDATE returned the balance, `RETURNING balance`; SQLite runs such a statement to its end
// and hands the row back from a temporary table, and the SELECT + UPDATE pair is 5–7% faster.)
void raw_ledger(store::Database& database, const std::vector<Order>& orders) {
  sqlite3* db = database.raw();
  sqlite3_stmt* begin = prepare(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* commit = prepare(db, "COMMIT");
  sqlite3_stmt* sel = prepare(db, "SELECT balance FROM ref_balances WHERE member_id = ?");
  sqlite3_stmt* up =
      prepare(db, "UPDATE ref_balances SET balance = balance + ? WHERE member_id = ?");
  sqlite3_stmt* hist = prepare(db,
                               "INSERT INTO ref_history (member_id, amount, balance_after, cause, "
                               "idem_key, at) VALUES (?, ?, ?, 'order', ?, ?)");
  for (const Order& o : orders) {
    step(begin, db);
    std::int64_t paid = 0;
    for (const Line& l : o.lines) paid += l.amount;
    sqlite3_bind_int64(up, 1, paid / 100);
    sqlite3_bind_int64(up, 2, o.member);
    sqlite3_bind_int64(sel, 1, o.member);
    if (sqlite3_step(sel) != SQLITE_ROW) check(SQLITE_ERROR, db, "the balance's SELECT");
    const std::int64_t after = sqlite3_column_int64(sel, 0) + paid / 100;
    sqlite3_reset(sel);
    step(up, db);
    sqlite3_bind_int64(hist, 1, o.member);
    sqlite3_bind_int64(hist, 2, paid / 100);
    sqlite3_bind_int64(hist, 3, after);
    sqlite3_bind_text(hist, 4, o.key.data(), static_cast<int>(o.key.size()), SQLITE_STATIC);
    sqlite3_bind_int64(hist, 5, o.paid_at);
    step(hist, db);
    step(commit, db);
  }
  for (sqlite3_stmt* st : {begin, commit, sel, up, hist}) sqlite3_finalize(st);
}

// The layout ceiling: raw sqlite3 writing the rows recur writes for each order — with
// `with_orders` the `orders` row and its `order_lines`, then the `loyalty_orders` row that is
// also the order's points and growth entries and lots (migration 11: balances after, remaining,
// usable_from, expires_at, its lines as JSON) and the account upsert — into recur's own tables
// and indexes, `per_tx` orders per transaction, with no reads and no rules (points and growth
// are one per yuan). What recur could reach if its own work cost nothing: the bound its storage
// layout sets.
void raw_layout_ceiling(store::Database& database, const std::vector<Order>& orders,
                        std::size_t per_tx, bool with_orders) {
  sqlite3* db = database.raw();
  sqlite3_stmt* begin = prepare(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* commit = prepare(db, "COMMIT");
  sqlite3_stmt* ord = prepare(
      db,
      "INSERT INTO orders (source, order_id, member_id, channel, store_id, paid_at, paid_day, "
      "gross_fen, discount_fen, paid_fen, line_count, item_qty) "
      "VALUES (?, ?, ?, 'store', 'S001', ?, ?, ?, 0, ?, ?, ?)");
  sqlite3_stmt* line =
      prepare(db,
              "INSERT INTO order_lines (order_pk, line_no, member_id, sku, category, qty, "
              "unit_price_fen, discount_fen, amount_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  sqlite3_stmt* posting =
      prepare(db,
              "INSERT INTO loyalty_orders (entry_id, order_key, order_pk, member_id, paid_at, "
              "paid_day, amount_fen, points, growth, tier, multipliers, program_version, "
              "applied_at, lines, points_after, growth_after, points_remaining, "
              "growth_remaining, usable_from, points_expires_at) VALUES (?11, ?1, ?2, ?3, ?4, "
              "?5, ?6, ?7, ?8, 'normal', 'x1', 1, ?9, ?10, ?7, ?8, ?7, ?8, ?4 + 604800, "
              "?4 + 60480000)");
  sqlite3_stmt* account = prepare(
      db,
      "INSERT INTO loyalty_accounts (member_id, points, growth, tier, tier_since, updated_at) "
      "VALUES (?1, ?2, ?2, 'normal', ?3, ?3) ON CONFLICT (member_id) DO UPDATE SET "
      "points = points + excluded.points, growth = growth + excluded.growth, "
      "updated_at = excluded.updated_at");
  std::int64_t pk = 0, entry_id = 0;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const Order& o = orders[i];
    if (i % per_tx == 0) {
      step(begin, db);
      auto next = loyalty::next_entry_id(database);
      if (!next.ok()) die(next.status().to_string());
      entry_id = *next;
    }
    const std::string key = o.key + "#" + std::to_string(i);  // (b) cycles the (a) orders
    std::int64_t paid = 0, qty = 0;
    for (const Line& l : o.lines) paid += l.amount, qty += l.qty;
    const std::int64_t points = paid / 100;
    if (with_orders) {
      sqlite3_bind_text(ord, 1, o.source.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(ord, 2, key.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(ord, 3, o.member);
      sqlite3_bind_int64(ord, 4, o.paid_at);
      sqlite3_bind_int64(ord, 5, o.paid_day);
      sqlite3_bind_int64(ord, 6, paid);
      sqlite3_bind_int64(ord, 7, paid);
      sqlite3_bind_int64(ord, 8, static_cast<std::int64_t>(o.lines.size()));
      sqlite3_bind_int64(ord, 9, qty);
      step(ord, db);
      pk = sqlite3_last_insert_rowid(db);
    } else {
      ++pk;
    }
    for (std::size_t k = 0; k < o.lines.size(); ++k) {
      const Line& l = o.lines[k];
      const auto no = static_cast<std::int64_t>(k + 1);
      if (with_orders) {
        sqlite3_bind_int64(line, 1, pk);
        sqlite3_bind_int64(line, 2, no);
        sqlite3_bind_int64(line, 3, o.member);
        sqlite3_bind_text(line, 4, l.sku.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_text(line, 5, l.category.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_int64(line, 6, l.qty);
        sqlite3_bind_int64(line, 7, l.unit_price);
        sqlite3_bind_int64(line, 8, l.discount);
        sqlite3_bind_int64(line, 9, l.amount);
        step(line, db);
      }
    }
    std::string lines = "[";
    for (std::size_t k = 0; k < o.lines.size(); ++k) {
      const std::int64_t line_points = o.lines[k].amount / 100;
      lines += fmt::format("{}[{},{},{},{},0,0,0]", k ? "," : "", k + 1, o.lines[k].amount,
                           line_points, line_points);
    }
    lines += "]";
    sqlite3_bind_text(posting, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(posting, 2, pk);
    sqlite3_bind_int64(posting, 3, o.member);
    sqlite3_bind_int64(posting, 4, o.paid_at);
    sqlite3_bind_int64(posting, 5, o.paid_day);
    sqlite3_bind_int64(posting, 6, paid);
    sqlite3_bind_int64(posting, 7, points);
    sqlite3_bind_int64(posting, 8, points);
    sqlite3_bind_int64(posting, 9, kNow);
    sqlite3_bind_text(posting, 10, lines.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(posting, 11, entry_id);
    entry_id += 2;
    step(posting, db);
    sqlite3_bind_int64(account, 1, o.member);
    sqlite3_bind_int64(account, 2, points);
    sqlite3_bind_int64(account, 3, o.paid_at);
    step(account, db);
    if ((i + 1) % per_tx == 0 || i + 1 == orders.size()) step(commit, db);
  }
  for (sqlite3_stmt* st : {begin, commit, ord, line, posting, account}) sqlite3_finalize(st);
}

// Runs `fn` with a background checkpointer on `db`, as recur order stream does (and the server
// will): the WAL is copied back on another thread, not inside the committing thread's COMMITs.
// Stopping it (its last checkpoint) is part of the time measured.
template <typename Fn>
void checkpointed(store::Database& db, Fn&& fn) {
  auto c = store::Checkpointer::start(db);
  if (!c.ok()) die(c.status().to_string());
  fn();
  ok((*c)->stop());
}

// Database pages each transaction writes to the WAL, on average, over the first `n` orders: the
// WAL is reset first and not checkpointed during the run, so its frames count every page
// written. On a disk-bound machine the one-order-per-transaction rates follow this figure.
template <typename Fn>
double wal_pages_per_tx(store::Database& db, std::size_t n, Fn&& run) {
  ok(db.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  ok(db.exec("PRAGMA wal_autocheckpoint=0"));
  run();
  auto page = db.query_int("PRAGMA page_size");
  if (!page.ok()) die(page.status().to_string());
  const auto bytes = std::filesystem::file_size(db.path() + "-wal");
  ok(db.exec("PRAGMA wal_autocheckpoint=1000"));
  const double frames = static_cast<double>(bytes > 32 ? bytes - 32 : 0) /  // 32: WAL header
                        static_cast<double>(*page + 24);                    // 24: frame header
  return frames / static_cast<double>(n);
}

// What the loyalty tables hold, to compare runs.
std::string fingerprint(store::Database& db) {
  auto q = [&](const char* sql) {
    auto v = db.query_int(sql);
    if (!v.ok()) die(v.status().message());
    return std::to_string(*v);
  };
  return "applied " + q("SELECT COUNT(*) FROM loyalty_orders") + ", points " +
         q("SELECT SUM(points) FROM loyalty_accounts") + ", growth " +
         q("SELECT SUM(growth) FROM loyalty_accounts") + ", entries " +
         q("SELECT COUNT(*) FROM loyalty_entries") + ", upgrades " +
         q("SELECT COUNT(*) FROM loyalty_tier_changes") + ", members above base tier " +
         q("SELECT COUNT(*) FROM loyalty_accounts WHERE tier != 'normal'");
}

}  // namespace

int main(int argc, char** argv) {
  Args defaults;
  defaults.lines = 300'000;
  defaults.reps = 2;
  const Args args = parse_args(argc, argv, defaults, kUsage);
  g_drop_index = args.drop_index;
  g_open.combine_wal_writes = !args.plain_vfs;
  TempDir dir(args.dir, "loyalty", args.keep);
  const std::string program = read_text(std::string(RECUR_SOURCE_DIR) + "/config/program.yaml");
  ManualClock clock(Instant{kNow});

  // (a) One order at a time.
  const std::int64_t n_orders = std::max<std::int64_t>(1, args.lines / 3);
  const std::int64_t n_members = std::max<std::int64_t>(1, args.lines / 12);
  const std::vector<Order> orders = make_orders(n_orders, n_members, args.seed);
  const std::string recur_db = dir.file("single.db"), raw_db = dir.file("raw.db");
  Best single, single_raw, single_raw_indexed, single_raw_ledger, single_ceiling, grouped,
      with_coupon, with_cashback, mixed, single_raw_plain, single_raw_ledger_plain;
  std::string single_print;
  std::int64_t groups = 0;  // COMMITs of the last group commit run
  const bool run_a = args.only != "b", run_b = args.only != "a";
  if (args.only != "" && args.only != "a" && args.only != "b") {
    std::fprintf(stderr, "--only takes a or b, not '%s'\n%s", args.only.c_str(), kUsage);
    return 2;
  }
  for (int rep = 0; run_a && rep < args.reps; ++rep) {
    {
      auto db = program_store(recur_db, program, n_members);
      auto engine = loyalty::open_engine(*db, clock);
      if (!engine.ok()) die(engine.status().to_string());
      store::StatementProfile profile;
      if (g_sql_profile) profile.attach(*db);
      single.run([&] { checkpointed(*db, [&] { recur_one_by_one(*db, **engine, orders); }); });
      if (g_sql_profile) profile.detach(*db);
      if (rep == 0 && g_sql_profile)
        std::fputs(
            profile.report("(a) one order per transaction", static_cast<double>(n_orders)).c_str(),
            stdout);
      if (rep == 0) single_print = fingerprint(*db);
    }
    remove_db(recur_db);
    {
      auto db = program_store(recur_db, program, n_members);
      auto engine = loyalty::open_engine(*db, clock);
      if (!engine.ok()) die(engine.status().to_string());
      grouped.run([&] {
        checkpointed(*db, [&] { groups = recur_group_commit(*db, **engine, orders, kGroupMs); });
      });
      if (rep == 0 && fingerprint(*db) != single_print)
        die("group commit left a different ledger from one order per transaction");
    }
    remove_db(recur_db);
    // Checkouts with a coupon: without a wallet, then with it (the program's cashback, as
    // recur order checkout runs it).
    for (bool cashback : {false, true}) {
      CheckoutStore c = checkout_store(recur_db, program, n_members, clock, orders, 1, cashback);
      store::StatementProfile profile;
      if (g_sql_profile) profile.attach(*c.db);
      (cashback ? with_cashback : with_coupon).run([&] {
        checkpointed(*c.db,
                     [&] { recur_checkout_one_by_one(*c.db, *c.settlement, orders, c.coupons); });
      });
      if (g_sql_profile) profile.detach(*c.db);
      if (rep == 0 && g_sql_profile)
        std::fputs(profile
                       .report(cashback ? "(a'') checkout with a coupon and cashback"
                                        : "(a'') checkout with a coupon",
                               static_cast<double>(n_orders))
                       .c_str(),
                   stdout);
      c = CheckoutStore();  // closed before its files go
      remove_db(recur_db);
    }
    {
      CheckoutStore c =
          checkout_store(recur_db, program, n_members, clock, orders, kMixedEvery, false);
      mixed.run([&] {
        checkpointed(*c.db, [&] {
          recur_mixed_one_by_one(*c.db, *c.engine, *c.settlement, orders, c.coupons);
        });
      });
    }
    remove_db(recur_db);
    {
      auto db = open_fresh(raw_db);
      raw_setup(*db, n_members);
      single_raw.run([&] { raw_balance_history(*db, orders, 1); });
    }
    remove_db(raw_db);
    {
      auto db = open_fresh(raw_db);
      raw_setup(*db, n_members, RefHistory::kIndexed);
      single_raw_indexed.run([&] { raw_balance_history(*db, orders, 1); });
    }
    remove_db(raw_db);
    {
      auto db = open_fresh(raw_db);
      raw_setup(*db, n_members, RefHistory::kLedger);
      single_raw_ledger.run([&] { raw_ledger(*db, orders); });
    }
    remove_db(raw_db);
    if (g_open.combine_wal_writes) {  // the two references again on SQLite's own VFS
      {
        auto db = open_fresh(raw_db, /*plain_vfs=*/true);
        raw_setup(*db, n_members);
        single_raw_plain.run([&] { raw_balance_history(*db, orders, 1); });
      }
      remove_db(raw_db);
      {
        auto db = open_fresh(raw_db, /*plain_vfs=*/true);
        raw_setup(*db, n_members, RefHistory::kLedger);
        single_raw_ledger_plain.run([&] { raw_ledger(*db, orders); });
      }
      remove_db(raw_db);
    }
    {
      auto db = program_store(raw_db, program, n_members);
      single_ceiling.run(
          [&] { checkpointed(*db, [&] { raw_layout_ceiling(*db, orders, 1, true); }); });
    }
    remove_db(raw_db);
  }
  // Pages written per transaction, over the first 1,000 orders of fresh stores.
  double recur_pages = 0, coupon_pages = 0, cashback_pages = 0, raw_pages = 0, ledger_pages = 0,
         ceiling_pages = 0;
  int page_size = 0;
  if (run_a) {
    const std::vector<Order> first(orders.begin(),
                                   orders.begin() + std::min<std::int64_t>(1000, n_orders));
    {
      auto db = program_store(recur_db, program, n_members);
      auto engine = loyalty::open_engine(*db, clock);
      if (!engine.ok()) die(engine.status().to_string());
      recur_pages =
          wal_pages_per_tx(*db, first.size(), [&] { recur_one_by_one(*db, **engine, first); });
      page_size = static_cast<int>(db->query_int("PRAGMA page_size").value_or(0));
    }
    remove_db(recur_db);
    for (bool cashback : {false, true}) {
      CheckoutStore c = checkout_store(recur_db, program, n_members, clock, first, 1, cashback);
      (cashback ? cashback_pages : coupon_pages) = wal_pages_per_tx(*c.db, first.size(), [&] {
        recur_checkout_one_by_one(*c.db, *c.settlement, first, c.coupons);
      });
      c = CheckoutStore();  // closed before its files go
      remove_db(recur_db);
    }
    remove_db(recur_db);
    {
      auto db = open_fresh(raw_db);
      raw_setup(*db, n_members);
      raw_pages = wal_pages_per_tx(*db, first.size(), [&] { raw_balance_history(*db, first, 1); });
    }
    remove_db(raw_db);
    {
      auto db = open_fresh(raw_db);
      raw_setup(*db, n_members, RefHistory::kLedger);
      ledger_pages = wal_pages_per_tx(*db, first.size(), [&] { raw_ledger(*db, first); });
    }
    remove_db(raw_db);
    {
      auto db = program_store(raw_db, program, n_members);
      ceiling_pages =
          wal_pages_per_tx(*db, first.size(), [&] { raw_layout_ceiling(*db, first, 1, true); });
    }
    remove_db(raw_db);
  }
  const double n = static_cast<double>(n_orders);
  const double single_rate = n / single.wall, single_raw_rate = n / single_raw.wall;
  const double single_ratio = single_rate / single_raw_rate;
  if (run_a) {
    std::printf(
        "# (a) %lld orders of %lld members, best of %d (wall/cpu s): recur %.3f/%.3f, "
        "raw %.3f/%.3f\n",
        static_cast<long long>(n_orders), static_cast<long long>(n_members), args.reps, single.wall,
        single.cpu, single_raw.wall, single_raw.cpu);
    std::printf("# (a) %s\n", single_print.c_str());
    std::printf(
        "# (a) layout ceiling: raw sqlite3 writing the same rows into recur's tables, no reads or "
        "rules (wall/cpu s): %.3f/%.3f, %s orders/s (%s by CPU time); recur reaches %.2f of it "
        "(%.2f by CPU)\n",
        single_ceiling.wall, single_ceiling.cpu, rate(n / single_ceiling.wall).c_str(),
        rate(n / single_ceiling.cpu).c_str(), single_ceiling.wall / single.wall,
        single_ceiling.cpu / single.cpu);
    std::printf(
        "# (a) reference variant: the same raw UPDATE + INSERT with the history indexed by member "
        "(a ledger that can list one member's entries) (wall/cpu s): %.3f/%.3f, %s tx/s; recur's "
        "ratio to it %.2f (with a coupon at every checkout %.2f)\n",
        single_raw_indexed.wall, single_raw_indexed.cpu, rate(n / single_raw_indexed.wall).c_str(),
        single_raw_indexed.wall / single.wall, single_raw_indexed.wall / with_coupon.wall);
    std::printf(
        "# (a) reference variant: a ledger transaction, the history also carrying the balance "
        "after (read, then UPDATE), the cause and the order's key with a unique index (a retried "
        "order is not booked twice) (wall/cpu s): %.3f/%.3f, %s tx/s; recur's ratio to it %.2f "
        "(mixed stream %.2f, with a coupon at every checkout %.2f)\n",
        single_raw_ledger.wall, single_raw_ledger.cpu, rate(n / single_raw_ledger.wall).c_str(),
        single_raw_ledger.wall / single.wall, single_raw_ledger.wall / mixed.wall,
        single_raw_ledger.wall / with_coupon.wall);
    if (g_open.combine_wal_writes)
      std::printf(
          "# (a) the references on SQLite's own VFS (raw SQLite as shipped: two writes per WAL "
          "page, where recur and the references above write each commit at once, "
          "store/wal_vfs.h) (wall s): bare %.3f, %s tx/s, recur's ratio %.2f; ledger "
          "transaction %.3f, %s tx/s, recur's ratio %.2f (mixed stream %.2f)\n",
          single_raw_plain.wall, rate(n / single_raw_plain.wall).c_str(),
          single_raw_plain.wall / single.wall, single_raw_ledger_plain.wall,
          rate(n / single_raw_ledger_plain.wall).c_str(),
          single_raw_ledger_plain.wall / single.wall, single_raw_ledger_plain.wall / mixed.wall);
    std::printf(
        "# (a) with coupon use at checkout (each order uses a ¥5 coupon issued to its member; "
        "Settlement::checkout without a wallet, so no cashback) (wall/cpu s): %.3f/%.3f, %s "
        "orders/s (%s by CPU time), "
        "ratio to raw %.2f\n",
        with_coupon.wall, with_coupon.cpu, rate(n / with_coupon.wall).c_str(),
        rate(n / with_coupon.cpu).c_str(), (n / with_coupon.wall) / single_raw_rate);
    std::printf(
        "# (a) with coupon use at checkout and the program's 2%% cashback into stored value "
        "(recur order checkout with the shipped program: the wallet's cashback lot, entry and "
        "order record besides) (wall/cpu s): %.3f/%.3f, %s orders/s (%s by CPU time), ratio to "
        "raw %.2f, to the ledger transaction %.2f\n",
        with_cashback.wall, with_cashback.cpu, rate(n / with_cashback.wall).c_str(),
        rate(n / with_cashback.cpu).c_str(), (n / with_cashback.wall) / single_raw_rate,
        single_raw_ledger.wall / with_cashback.wall);
    std::printf(
        "# (a) a mixed stream: one order in %zu uses a coupon at checkout, the others as (a) "
        "(wall/cpu s): %.3f/%.3f, %s orders/s (%s by CPU time), ratio to raw %.2f\n",
        kMixedEvery, mixed.wall, mixed.cpu, rate(n / mixed.wall).c_str(),
        rate(n / mixed.cpu).c_str(), (n / mixed.wall) / single_raw_rate);
    std::printf(
        "# (a') group commit (store::GroupCommit, as recur order stream), NOT one transaction per "
        "order: each order in a SAVEPOINT, durable at its group's COMMIT every %.0f ms, %lld "
        "COMMITs in the last run (wall/cpu s): %.3f/%.3f, %s orders/s (%s by CPU time)\n",
        kGroupMs, static_cast<long long>(groups), grouped.wall, grouped.cpu,
        rate(n / grouped.wall).c_str(), rate(n / grouped.cpu).c_str());
    std::printf(
        "# (a) pages written to the WAL per transaction: recur %.1f (with a coupon %.1f, and "
        "cashback %.1f), layout ceiling %.1f, raw %.1f, raw ledger transaction %.1f (page size "
        "%d)\n",
        recur_pages, coupon_pages, cashback_pages, ceiling_pages, raw_pages, ledger_pages,
        page_size);
  }

  // (b) Bulk import, then apply_pending.
  Generated gen;  // not generated for --only a
  const std::string csv_path = dir.file("orders.csv");
  if (run_b) {
    gen = generate_orders_csv(args.lines, args.seed);
    write_file(csv_path, gen.csv);
    std::string().swap(gen.csv);
  }
  Best import_run, apply, apply_per_order, bulk_raw, bulk_ceiling, both_ceiling;
  std::int64_t applied = 0, delta_orders = 0;
  double delta_s = 0, delta_scan_s = 0;
  std::string bulk_print, per_order_print;
  const std::string bulk_db = dir.file("bulk.db");
  loyalty::ApplyOptions apply_options;
  if (const char* c = std::getenv("RECUR_BENCH_CHUNK")) apply_options.chunk = std::stoul(c);
  for (int rep = 0; run_b && rep < args.reps; ++rep) {
    {
      auto db = program_store(bulk_db, program, 0);
      import_run.run([&] {
        auto sum = ingest::import_file(*db, ingest::RecordKind::kOrders, csv_path,
                                       ingest::ImportOptions{}, clock);
        if (!sum.ok()) die(sum.status().message());
        if (sum->applied != gen.lines) die("the import lost lines");
      });
      auto engine = loyalty::open_engine(*db, clock);
      if (!engine.ok()) die(engine.status().to_string());
      store::StatementProfile profile;
      if (g_sql_profile) profile.attach(*db);
      apply.run([&] {
        auto s = loyalty::apply_pending(*db, **engine, apply_options);
        if (!s.ok()) die(s.status().to_string());
        applied = s->orders;
      });
      if (g_sql_profile) profile.detach(*db);
      if (rep == 0 && g_sql_profile)
        std::fputs(profile.report("(b) bulk apply_pending", static_cast<double>(applied)).c_str(),
                   stdout);
      if (rep == 0) bulk_print = fingerprint(*db);
      if (rep == 0) {
        // A small import into the store just filled: the first 3,000 lines under another source
        // (new orders), as a daily delta. Beside it, the search for pending orders over the whole
        // store that every import's apply made before the watermarks.
        std::string delta;
        {
          std::ifstream in(csv_path);
          std::string line;
          for (int i = 0; i <= 3000 && std::getline(in, line); ++i)
            delta +=
                (i > 0 && line.rfind("pos,", 0) == 0 ? "delta," + line.substr(4) : line) + "\n";
        }
        const std::string delta_path = dir.file("delta.csv");
        write_file(delta_path, delta);
        Best d;
        d.run([&] {
          auto sum = ingest::import_file(*db, ingest::RecordKind::kOrders, delta_path,
                                         ingest::ImportOptions{}, clock);
          if (!sum.ok()) die(sum.status().message());
          delta_orders = sum->records_applied;
          auto s = loyalty::apply_pending(*db, **engine, apply_options);
          if (!s.ok()) die(s.status().to_string());
        });
        delta_s = d.wall;
        Best scan;
        scan.run([&] {
          auto c = loyalty::count_pending(*db);
          if (!c.ok()) die(c.status().to_string());
        });
        delta_scan_s = scan.wall;
      }
    }
    remove_db(bulk_db);
    {
      // The same apply with each order through apply_order (round one's bulk path).
      auto db = program_store(bulk_db, program, 0);
      auto sum = ingest::import_file(*db, ingest::RecordKind::kOrders, csv_path,
                                     ingest::ImportOptions{}, clock);
      if (!sum.ok()) die(sum.status().message());
      auto engine = loyalty::open_engine(*db, clock);
      if (!engine.ok()) die(engine.status().to_string());
      loyalty::ApplyOptions per_order = apply_options;
      per_order.batched = false;
      apply_per_order.run([&] {
        auto s = loyalty::apply_pending(*db, **engine, per_order);
        if (!s.ok()) die(s.status().to_string());
      });
      if (rep == 0) per_order_print = fingerprint(*db);
    }
    remove_db(bulk_db);
    // The same number of orders as were applied, from the (a) orders, cycled.
    std::vector<Order> ref_orders;
    ref_orders.reserve(static_cast<std::size_t>(applied));
    for (std::int64_t i = 0; i < applied; ++i)
      ref_orders.push_back(orders[static_cast<std::size_t>(i % n_orders)]);
    {
      auto db = open_fresh(raw_db);
      raw_setup(*db, n_members);
      bulk_raw.run([&] { raw_balance_history(*db, ref_orders, apply_options.chunk); });
    }
    remove_db(raw_db);
    {
      auto db = program_store(raw_db, program, 0);
      bulk_ceiling.run([&] { raw_layout_ceiling(*db, ref_orders, apply_options.chunk, false); });
    }
    remove_db(raw_db);
    {
      // Import + apply's floor: the orders and their lines too, the members already there.
      auto db = program_store(raw_db, program, n_members);
      both_ceiling.run([&] { raw_layout_ceiling(*db, ref_orders, apply_options.chunk, true); });
    }
    remove_db(raw_db);
  }
  const double a = static_cast<double>(applied);
  const double apply_rate = a / apply.wall, bulk_raw_rate = a / bulk_raw.wall;
  const double both_rate = a / (import_run.wall + apply.wall);
  if (run_b) {
    std::printf(
        "# (b) %lld order lines, %lld member orders applied, best of %d (wall/cpu s): "
        "import %.3f/%.3f, apply %.3f/%.3f, raw %.3f/%.3f\n",
        static_cast<long long>(gen.lines), static_cast<long long>(applied), args.reps,
        import_run.wall, import_run.cpu, apply.wall, apply.cpu, bulk_raw.wall, bulk_raw.cpu);
    std::printf("# (b) %s\n", bulk_print.c_str());
    std::printf(
        "# (b) then a delta of %lld orders imported and applied into that store: %.3f s wall; "
        "reading the whole store for pending orders, as every apply did before the apply "
        "watermarks: %.3f s\n",
        static_cast<long long>(delta_orders), delta_s, delta_scan_s);
    std::printf(
        "# (b) layout ceiling: raw sqlite3 writing the same loyalty rows, %zu orders per "
        "transaction, no reads or rules (wall/cpu s): %.3f/%.3f, %s orders/s (%s by CPU time); "
        "recur reaches %.2f of it (%.2f by CPU)\n",
        apply_options.chunk, bulk_ceiling.wall, bulk_ceiling.cpu,
        rate(a / bulk_ceiling.wall).c_str(), rate(a / bulk_ceiling.cpu).c_str(),
        bulk_ceiling.wall / apply.wall, bulk_ceiling.cpu / apply.cpu);
    std::printf(
        "# (b) import + apply's layout floor: raw sqlite3 writing the orders, their lines and the "
        "same loyalty rows, %zu orders per transaction, the members already there (recur's "
        "import creates them), no parsing, reads or rules (wall/cpu s): %.3f/%.3f, %s orders/s "
        "(%s by CPU time); recur's import + apply reaches %.2f of it\n",
        apply_options.chunk, both_ceiling.wall, both_ceiling.cpu,
        rate(a / both_ceiling.wall).c_str(), rate(a / both_ceiling.cpu).c_str(),
        both_ceiling.wall / (import_run.wall + apply.wall));
    if (per_order_print != bulk_print)
      die("the batched apply and apply_order one by one left different ledgers:\n  " +
          per_order_print + "\n  " + bulk_print);
    std::printf(
        "# (b) the same apply with each order through apply_order (wall/cpu s): %.3f/%.3f; "
        "batched %s orders/s vs %s by CPU time\n",
        apply_per_order.wall, apply_per_order.cpu, rate(a / apply.cpu).c_str(),
        rate(a / apply_per_order.cpu).c_str());
  }
  if (const std::string note =
          load_note({single, single_raw, grouped, import_run, apply, apply_per_order, bulk_raw});
      !note.empty()) {
    std::fputs(note.c_str(), stdout);
    if (run_a)
      std::printf("# by CPU time: (a) recur %s orders/s, raw %s tx/s, ratio %.2f\n",
                  rate(n / single.cpu).c_str(), rate(n / single_raw.cpu).c_str(),
                  single_raw.cpu / single.cpu);
    if (run_b) std::printf("# by CPU time: (b) apply %s orders/s\n", rate(a / apply.cpu).c_str());
  }
  if (run_a)
    std::printf(
        "loyalty, one order per transaction: recur %s orders/s | raw SQLite balance update + "
        "history insert %s tx/s | ratio %.2f (goals >= %s orders/s: %s; ratio >= %.1f: %s)\n",
        rate(single_rate).c_str(), rate(single_raw_rate).c_str(), single_ratio,
        rate(kGoalSingle).c_str(), single_rate >= kGoalSingle ? "met" : "NOT met", kGoalSingleRatio,
        single_ratio >= kGoalSingleRatio ? "met" : "NOT met");
  if (run_a) {
    const double ledger_ratio = single_raw_ledger.wall / single.wall;
    std::printf(
        "loyalty, one order per transaction, against a ledger transaction: recur %s orders/s | "
        "raw SQLite balance update + ledger entry (member index, unique order key, balance "
        "after) %s tx/s | ratio %.2f (ratio >= %.1f: %s; the mixed stream %.2f)\n",
        rate(single_rate).c_str(), rate(n / single_raw_ledger.wall).c_str(), ledger_ratio,
        kGoalSingleRatio, ledger_ratio >= kGoalSingleRatio ? "met" : "NOT met",
        single_raw_ledger.wall / mixed.wall);
  }
  if (run_b) {
    std::printf(
        "loyalty, bulk apply_pending: recur %s orders/s | raw SQLite balance update + history "
        "insert in %zu-order transactions %s orders/s | ratio %.2f (goal >= %s orders/s: %s)\n",
        rate(apply_rate).c_str(), apply_options.chunk, rate(bulk_raw_rate).c_str(),
        apply_rate / bulk_raw_rate, rate(kGoalBulkApply).c_str(),
        apply_rate >= kGoalBulkApply ? "met" : "NOT met");
    std::printf(
        "loyalty, bulk import + apply: recur %s orders/s (%s order lines/s) | raw SQLite writing "
        "the same rows (layout floor) %s orders/s | ratio %.2f (goal >= %s orders/s if it means "
        "import + apply: %s)\n",
        rate(both_rate).c_str(),
        rate(static_cast<double>(gen.lines) / (import_run.wall + apply.wall)).c_str(),
        rate(a / both_ceiling.wall).c_str(), both_ceiling.wall / (import_run.wall + apply.wall),
        rate(kGoalBulkApply).c_str(), both_rate >= kGoalBulkApply ? "met" : "NOT met");
  }
  return 0;
}
