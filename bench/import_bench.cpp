// Bulk import of canonical orders CSV into SQLite, beside raw SQLite inserting the same rows.
//
//   recur:     ingest::import_file(kOrders) into a fresh database file (store::Database::open:
//              WAL, synchronous=NORMAL, the real schema with its indexes), default options
//              (transactions of 20,000 orders). Covers reading, validation, identity resolution
//              (members + identities rows), the idempotency check and the inserts.
//   re-import: the same file again into that database: every order is already there, nothing
//              is written (the idempotent no-op path).
//   reference: raw sqlite3 C API, one transaction, prepared INSERTs into orders + order_lines
//              (the same schema and indexes: the database is created by store::Database::open)
//              from rows parsed, grouped and resolved to member ids before the clock starts:
//              the best case for the same final orders and order_lines rows.
//   reference + members: the same plus the members and identities rows recur also writes.
//
// Goals (issue): >= 300k order lines/s and >= 0.3 of the raw SQLite figure.
// Usage: import_bench [--lines N] [--reps N] [--seed N] [--dir PATH] [--keep]. Each measurement
// is the best of --reps runs; recur and the references alternate so both see the same load.

#include <sqlite3.h>

#include <cstdio>
#include <string>
#include <unordered_map>

#include "bench_common.h"
#include "core/clock.h"
#include "core/time.h"
#include "ingest/importer.h"
#include "store/database.h"

namespace {

using namespace recur;
using namespace recur::bench;

constexpr const char* kUsage =
    "usage: import_bench [--lines N (1000000)] [--reps N (2)] [--seed N] [--dir PATH] [--keep]\n"
    "                    [--page-size N] [--plain-vfs]\n";
constexpr double kGoalLinesPerS = 300e3;
constexpr double kGoalRatio = 0.3;
constexpr std::int64_t kNow = 1718677425;  // the clock recur's rows are stamped with

struct RefIdentity {
  std::string_view kind, value;
};

struct RefOrder {
  std::string_view source, order_id, channel, store_id, member_ref;  // member_ref: primary identity
  std::int64_t member_id = 0;
  bool new_member = false;  // the first order of its member: members + identities rows go first
  std::int64_t paid_at = 0, paid_day = 0, gross = 0, discount = 0, paid = 0, qty = 0;
  std::uint32_t begin = 0, nlines = 0;  // into the line list
};

struct RefData {
  std::vector<PlainLine> lines;
  std::vector<RefOrder> orders;
  std::vector<std::vector<RefIdentity>> member_ids;  // by member_id - 1
};

// Parses, groups and resolves the CSV the plain way (untimed): the reference starts from this.
RefData prepare_reference(std::string_view csv) {
  RefData d;
  plain_read_orders(csv, [&](const PlainLine& l) { d.lines.push_back(l); });
  const TimeZone& zone = TimeZone::shanghai();
  std::unordered_map<std::string_view, std::int64_t> members;
  for (std::uint32_t i = 0; i < d.lines.size(); ++i) {
    const PlainLine& l = d.lines[i];
    if (d.orders.empty() || d.orders.back().source != l.source ||
        d.orders.back().order_id != l.order_id) {
      RefOrder o;
      o.source = l.source;
      o.order_id = l.order_id;
      o.channel = l.channel;
      o.store_id = l.store_id;
      Instant at = zone.from_local(l.local_seconds);
      o.paid_at = at.seconds;
      o.paid_day = zone.local_date(at).days;
      o.begin = i;
      if (!l.member.empty()) {
        o.member_ref = l.member.substr(0, l.member.find('|'));
        auto [it, inserted] =
            members.try_emplace(l.member, static_cast<std::int64_t>(members.size() + 1));
        o.member_id = it->second;
        o.new_member = inserted;
        if (inserted) {
          std::vector<RefIdentity> ids;
          std::string_view rest = l.member;
          while (!rest.empty()) {
            std::string_view part = rest.substr(0, rest.find('|'));
            rest = part.size() < rest.size() ? rest.substr(part.size() + 1) : std::string_view();
            auto colon = part.find(':');
            ids.push_back({part.substr(0, colon), part.substr(colon + 1)});
          }
          d.member_ids.push_back(std::move(ids));
        }
      }
      d.orders.push_back(o);
    }
    RefOrder& o = d.orders.back();
    ++o.nlines;
    o.gross += l.qty * l.unit_price;
    o.discount += l.discount;
    o.paid += l.amount;
    o.qty += l.qty;
  }
  return d;
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE) die(std::string(what) + ": " + sqlite3_errmsg(db));
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr), db, sql);
  return st;
}

void text(sqlite3_stmt* st, int i, std::string_view v) {
  if (v.empty())
    sqlite3_bind_null(st, i);
  else
    sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

void step(sqlite3_stmt* st, sqlite3* db) {
  check(sqlite3_step(st), db, sqlite3_sql(st));
  sqlite3_reset(st);
}

// The reference: raw prepared INSERTs in one transaction.
void raw_insert(store::Database& database, const RefData& d, bool with_members) {
  sqlite3* db = database.raw();
  check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "BEGIN");
  sqlite3_stmt* member_st =
      prepare(db, "INSERT INTO members (member_id, created_at) VALUES (?, ?)");
  sqlite3_stmt* identity_st = prepare(
      db, "INSERT INTO identities (kind, value, member_id, created_at) VALUES (?, ?, ?, ?)");
  sqlite3_stmt* order_st = prepare(
      db,
      "INSERT INTO orders (source, order_id, member_id, member_ref, channel, store_id, "
      "paid_at, paid_day, gross_fen, discount_fen, paid_fen, line_count, item_qty, batch_id) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  sqlite3_stmt* line_st = prepare(
      db,
      "INSERT INTO order_lines (order_pk, line_no, member_id, sku, category, qty, unit_price_fen, "
      "discount_fen, amount_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const RefOrder& o : d.orders) {
    if (with_members && o.new_member) {
      sqlite3_bind_int64(member_st, 1, o.member_id);
      sqlite3_bind_int64(member_st, 2, kNow);
      step(member_st, db);
      for (const RefIdentity& id : d.member_ids[static_cast<std::size_t>(o.member_id - 1)]) {
        text(identity_st, 1, id.kind);
        text(identity_st, 2, id.value);
        sqlite3_bind_int64(identity_st, 3, o.member_id);
        sqlite3_bind_int64(identity_st, 4, kNow);
        step(identity_st, db);
      }
    }
    text(order_st, 1, o.source);
    text(order_st, 2, o.order_id);
    sqlite3_bind_int64(order_st, 3, o.member_id);
    text(order_st, 4, o.member_ref);
    text(order_st, 5, o.channel);
    text(order_st, 6, o.store_id);
    sqlite3_bind_int64(order_st, 7, o.paid_at);
    sqlite3_bind_int64(order_st, 8, o.paid_day);
    sqlite3_bind_int64(order_st, 9, o.gross);
    sqlite3_bind_int64(order_st, 10, o.discount);
    sqlite3_bind_int64(order_st, 11, o.paid);
    sqlite3_bind_int64(order_st, 12, o.nlines);
    sqlite3_bind_int64(order_st, 13, o.qty);
    sqlite3_bind_int64(order_st, 14, 1);
    step(order_st, db);
    const sqlite3_int64 pk = sqlite3_last_insert_rowid(db);
    for (std::uint32_t k = 0; k < o.nlines; ++k) {
      const PlainLine& l = d.lines[o.begin + k];
      sqlite3_bind_int64(line_st, 1, pk);
      sqlite3_bind_int64(line_st, 2, k + 1);
      sqlite3_bind_int64(line_st, 3, o.member_id);
      text(line_st, 4, l.sku);
      text(line_st, 5, l.category);
      sqlite3_bind_int64(line_st, 6, l.qty);
      sqlite3_bind_int64(line_st, 7, l.unit_price);
      sqlite3_bind_int64(line_st, 8, l.discount);
      sqlite3_bind_int64(line_st, 9, l.amount);
      step(line_st, db);
    }
  }
  check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "COMMIT");
  for (sqlite3_stmt* st : {member_st, identity_st, order_st, line_st}) sqlite3_finalize(st);
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// A new database with the real schema and settings (WAL, synchronous=NORMAL, indexes).
store::OpenOptions g_open;  // --plain-vfs: combine_wal_writes off

std::unique_ptr<store::Database> open_fresh(const std::string& path) {
  remove_db(path);
  new_db_page_size(path);
  auto db = store::Database::open(path, g_open);
  if (!db.ok()) die(db.status().message());
  return std::move(db).value();
}

// What ends up in the tables, to check that recur and the reference wrote the same orders.
std::string fingerprint(store::Database& db, bool with_members) {
  auto q = [&](const char* sql) {
    auto v = db.query_int(sql);
    if (!v.ok()) die(v.status().message());
    return std::to_string(*v);
  };
  return "orders " + q("SELECT COUNT(*) FROM orders") + ", lines " +
         q("SELECT COUNT(*) FROM order_lines") + ", paid " + q("SELECT SUM(paid_fen) FROM orders") +
         ", line amounts " + q("SELECT SUM(amount_fen) FROM order_lines") + ", member-days " +
         q("SELECT SUM(member_id * 1000 + paid_day % 1000) FROM orders") +
         (with_members ? ", members " + q("SELECT COUNT(*) FROM members") + ", identities " +
                             q("SELECT COUNT(*) FROM identities") + ", identity owners " +
                             q("SELECT SUM(member_id * length(value)) FROM identities")
                       : "");
}

}  // namespace

int main(int argc, char** argv) {
  Args defaults;
  defaults.reps = 2;
  const Args args = parse_args(argc, argv, defaults, kUsage);
  g_open.combine_wal_writes = !args.plain_vfs;
  TempDir dir(args.dir, "import", args.keep);

  double t0 = now_s();
  Generated gen = generate_orders_csv(args.lines, args.seed);
  const std::string csv_path = dir.file("orders.csv");
  write_file(csv_path, gen.csv);
  std::printf("# %lld order lines (%lld orders, %.1f MB) generated in %.2fs\n",
              static_cast<long long>(gen.lines), static_cast<long long>(gen.orders),
              static_cast<double>(gen.csv.size()) / 1e6, now_s() - t0);
  std::string().swap(gen.csv);

  Mapped csv(csv_path);  // the reference's views point into it
  const RefData ref = prepare_reference(csv.view());
  if (static_cast<std::int64_t>(ref.lines.size()) != gen.lines) die("the plain reader lost lines");

  ManualClock clock(Instant{kNow});
  const ingest::ImportOptions opts;
  const double lines = static_cast<double>(gen.lines);
  Best recur, reimport, raw, raw_members;
  std::string recur_print, recur_print_members, raw_print, raw_print_members;
  const std::string recur_db = dir.file("recur.db"), raw_db = dir.file("raw.db");

  for (int rep = 0; rep < args.reps; ++rep) {
    {
      auto db = open_fresh(recur_db);
      recur.run([&] {
        auto sum = ingest::import_file(*db, ingest::RecordKind::kOrders, csv_path, opts, clock);
        if (!sum.ok()) die(sum.status().message());
        if (sum->applied != gen.lines || !sum->committed)
          die("recur applied " + std::to_string(sum->applied) + " of " + std::to_string(gen.lines) +
              " lines" +
              (sum->errors.empty()
                   ? ""
                   : ": first " + ingest::format_row_error(csv_path, sum->errors[0])));
      });
      reimport.run([&] {
        auto again = ingest::import_file(*db, ingest::RecordKind::kOrders, csv_path, opts, clock);
        if (!again.ok()) die(again.status().message());
        if (again->applied != 0 || again->skipped != gen.lines)
          die("re-import applied " + std::to_string(again->applied) + ", skipped " +
              std::to_string(again->skipped));
      });
      if (rep == 0) {
        recur_print = fingerprint(*db, false);
        recur_print_members = fingerprint(*db, true);
      }
    }
    remove_db(recur_db);
    {
      auto db = open_fresh(raw_db);
      raw.run([&] { raw_insert(*db, ref, false); });
      if (rep == 0) raw_print = fingerprint(*db, false);
    }
    remove_db(raw_db);
    {
      auto db = open_fresh(raw_db);
      raw_members.run([&] { raw_insert(*db, ref, true); });
      if (rep == 0) raw_print_members = fingerprint(*db, true);
    }
    remove_db(raw_db);
  }
  if (recur_print != raw_print || recur_print_members != raw_print_members)
    die("recur and the reference wrote different rows:\n  " + recur_print_members + "\n  " +
        raw_print_members);

  const double recur_rate = lines / recur.wall, raw_rate = lines / raw.wall;
  const double ratio = recur_rate / raw_rate;
  std::printf(
      "# best of %d (wall/cpu s): recur %.3f/%.3f, re-import %.3f/%.3f, raw %.3f/%.3f, "
      "raw+members %.3f/%.3f\n",
      args.reps, recur.wall, recur.cpu, reimport.wall, reimport.cpu, raw.wall, raw.cpu,
      raw_members.wall, raw_members.cpu);
  std::printf("# same rows written: %s\n", recur_print_members.c_str());
  if (const std::string note = load_note({recur, reimport, raw, raw_members}); !note.empty()) {
    std::fputs(note.c_str(), stdout);
    std::printf(
        "# by CPU time: recur %s lines/s | raw %s lines/s | ratio %.2f | re-import %s lines/s\n",
        rate(lines / recur.cpu).c_str(), rate(lines / raw.cpu).c_str(), raw.cpu / recur.cpu,
        rate(lines / reimport.cpu).c_str());
  }
  std::printf(
      "orders import into SQLite: recur %s lines/s | raw SQLite bulk insert %s lines/s | "
      "ratio %.2f (goals >= %s lines/s: %s; ratio >= %.1f: %s)\n",
      rate(recur_rate).c_str(), rate(raw_rate).c_str(), ratio, rate(kGoalLinesPerS).c_str(),
      recur_rate >= kGoalLinesPerS ? "met" : "NOT met", kGoalRatio,
      ratio >= kGoalRatio ? "met" : "NOT met");
  std::printf("orders re-import (idempotent no-op): recur %s lines/s\n",
              rate(lines / reimport.wall).c_str());
  std::printf("raw SQLite bulk insert incl. members + identities: %s lines/s (recur ratio %.2f)\n",
              rate(lines / raw_members.wall).c_str(), recur_rate / (lines / raw_members.wall));
  return 0;
}
