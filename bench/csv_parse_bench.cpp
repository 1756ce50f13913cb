// Parsing and validating canonical orders CSV, beside a plain reader of the same bytes.
//
//   recur:     ingest::import_file(kOrders, dry_run = true) on an empty database: mmap, RFC 4180
//              reading, canonical field mapping, every validation (timestamps in the merchant's
//              zone, channels, identities, money, amount = qty * unit_price - discount), grouping
//              lines into orders. Nothing is written (apart from the import_batches row).
//   reference: mmap + memchr to split lines and fields + std::from_chars on the numeric fields
//              (qty, prices, the timestamp's parts); no quoting, no validation.
//
// Goal (issue): >= 2M order lines/s. Usage: csv_parse_bench [--lines N] [--reps N] [--seed N]
// [--dir PATH] [--keep]. Prints the best of --reps runs of each.

#include <cstdio>

#include "bench_common.h"
#include "core/clock.h"
#include "ingest/importer.h"
#include "store/database.h"

namespace {

constexpr const char* kUsage =
    "usage: csv_parse_bench [--lines N (1000000)] [--reps N (5)] [--seed N] [--dir PATH] "
    "[--keep]\n";
constexpr double kGoalLinesPerS = 2e6;

}  // namespace

int main(int argc, char** argv) {
  using namespace recur;
  using namespace recur::bench;
  Args defaults;
  defaults.reps = 5;
  const Args args = parse_args(argc, argv, defaults, kUsage);
  TempDir dir(args.dir, "csv-parse", args.keep);

  double t0 = now_s();
  Generated gen = generate_orders_csv(args.lines, args.seed);
  const std::string csv_path = dir.file("orders.csv");
  write_file(csv_path, gen.csv);
  std::printf("# %lld order lines (%lld orders, %.1f MB) generated in %.2fs\n",
              static_cast<long long>(gen.lines), static_cast<long long>(gen.orders),
              static_cast<double>(gen.csv.size()) / 1e6, now_s() - t0);
  std::string().swap(gen.csv);  // both readers read the file (from the page cache)

  auto db = store::Database::open(dir.file("parse.db"));
  if (!db.ok()) die(db.status().message());
  ManualClock clock(Instant{1718677425});
  ingest::ImportOptions opts;
  opts.dry_run = true;

  // Alternate the two so both see the same machine load; keep the best of each.
  Best recur, plain;
  std::int64_t checksum = 0;
  for (int rep = 0; rep < args.reps; ++rep) {
    recur.run([&] {
      auto sum = ingest::import_file(**db, ingest::RecordKind::kOrders, csv_path, opts, clock);
      if (!sum.ok()) die(sum.status().message());
      if (sum->rows != gen.lines || sum->rejected != 0) {
        die("recur read " + std::to_string(sum->rows) + " rows with " +
            std::to_string(sum->rejected) + " rejected" +
            (sum->errors.empty()
                 ? ""
                 : ": first " + ingest::format_row_error(csv_path, sum->errors[0])));
      }
      if (sum->applied != 0) die("dry run applied rows");
    });
    plain.run([&] {
      Mapped file(csv_path);
      std::int64_t sum = 0;
      std::size_t bytes = 0;
      std::int64_t n = plain_read_orders(file.view(), [&](const PlainLine& l) {
        sum += l.local_seconds + l.qty + l.unit_price + l.discount + l.amount;
        bytes += l.source.size() + l.order_id.size() + l.member.size() + l.channel.size() +
                 l.store_id.size() + l.sku.size() + l.category.size();
      });
      if (n != gen.lines) die("the plain reader read " + std::to_string(n) + " lines");
      checksum += sum + static_cast<std::int64_t>(bytes);
    });
  }

  const double lines = static_cast<double>(gen.lines);
  const double recur_rate = lines / recur.wall;
  const double plain_rate = lines / plain.wall;
  std::printf("# best of %d (wall/cpu s): recur %.3f/%.3f, plain %.3f/%.3f (checksum %lld)\n",
              args.reps, recur.wall, recur.cpu, plain.wall, plain.cpu,
              static_cast<long long>(checksum));
  if (const std::string note = load_note({recur, plain}); !note.empty()) {
    std::fputs(note.c_str(), stdout);
    std::printf("# by CPU time: recur %s lines/s | plain %s lines/s | ratio %.2f\n",
                rate(lines / recur.cpu).c_str(), rate(lines / plain.cpu).c_str(),
                plain.cpu / recur.cpu);
  }
  std::printf(
      "orders CSV parse+validate: recur %s lines/s | plain mmap+from_chars %s lines/s | "
      "ratio %.2f (goal >= %s lines/s: %s)\n",
      rate(recur_rate).c_str(), rate(plain_rate).c_str(), recur_rate / plain_rate,
      rate(kGoalLinesPerS).c_str(), recur_rate >= kGoalLinesPerS ? "met" : "NOT met");
  return 0;
}
