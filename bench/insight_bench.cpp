// Member intelligence at scale: `recur generate` a retailer of N members (default 1M, about 6.6M
// order lines), import its orders, then time each step of `recur compute` in memory and a
// 5-condition segment count. Reference: the Python lifetimes library on 1M customers on this
// kind of machine (PRODUCT.md §8): BG/NBD fit 15.6 s, 12-month CLV 8.4 s.
//
//   insight_bench [--lines MEMBERS] [--seed S] [--dir PATH] [--keep] [--page-size N]

#include <cstdio>

#include "bench_common.h"
#include "core/clock.h"
#include "demo/generator.h"
#include "ingest/importer.h"
#include "insight/bgnbd.h"
#include "insight/clv.h"
#include "insight/gamma_gamma.h"
#include "insight/history_loader.h"
#include "insight/measures.h"
#include "insight/member_update.h"
#include "insight/model_input.h"
#include "insight/scoring.h"
#include "insight/segment_table.h"
#include "segment/segment.h"
#include "store/database.h"

using namespace recur;

namespace {

template <typename Fn>
double timed(Fn&& fn) {
  double t = bench::now_s();
  fn();
  return bench::now_s() - t;
}

void check(const Status& s, const char* what) {
  if (!s.ok()) bench::die(std::string(what) + ": " + s.to_string());
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args defaults;
  defaults.lines = 1'000'000;  // members
  bench::Args args = bench::parse_args(
      argc, argv, defaults,
      "usage: insight_bench [--lines MEMBERS] [--seed S] [--dir PATH] [--keep] [--page-size N]\n");
  bench::TempDir dir(args.dir, "insight", args.keep);

  demo::GenerateOptions g;
  g.members = args.lines;
  g.seed = args.seed;
  g.out_dir = dir.path();
  Result<demo::GenerateSummary> gen = demo::GenerateSummary{};
  double gen_s = timed([&] { gen = demo::generate(g); });
  check(gen.status(), "generate");
  std::printf("# generated %lld people, %lld orders, %lld order lines in %.1f s\n",
              static_cast<long long>(gen->people), static_cast<long long>(gen->orders),
              static_cast<long long>(gen->order_lines), gen_s);

  bench::new_db_page_size(dir.file("recur.db"));
  auto db = store::Database::open(dir.file("recur.db"));
  check(db.status(), "open");
  ManualClock clock(Instant{1767139200});
  double import_s = timed([&] {
    for (const char* kind : {"products", "members", "orders", "refunds"}) {
      auto s = ingest::import_file(**db, ingest::parse_record_kind(kind).value(),
                                   dir.file((std::string(kind) + ".csv").c_str()), {}, clock);
      check(s.status(), kind);
      std::printf("#   %s: %lld rows in %.1f s\n", kind, static_cast<long long>(s->rows),
                  s->elapsed_s);
    }
  });
  std::printf("# imported products, members, orders, refunds in %.1f s\n", import_s);

  Result<insight::History> history = insight::History{};
  double load_s = timed([&] { history = insight::load_history(**db); });
  check(history.status(), "load");
  const insight::History& h = *history;
  const std::int32_t as_of = h.last_day;
  // The same load without the SKU rows (what the loader did before replenishment by SKU),
  // alternated with loads with them, best of each, so both see the same machine.
  double load_best = load_s, load_plain_best = 1e9;
  std::size_t plain_bytes = 0;
  for (int rep = 0; rep < 2; ++rep) {
    Result<insight::History> plain = insight::History{};
    load_plain_best = std::min(
        load_plain_best, timed([&] { plain = insight::load_history(**db, {.skus = false}); }));
    check(plain.status(), "load without SKUs");
    plain_bytes = plain->bytes();
    plain = insight::History{};
    Result<insight::History> again = insight::History{};
    load_best = std::min(load_best, timed([&] { again = insight::load_history(**db); }));
    check(again.status(), "load");
  }
  const std::size_t sku_bytes =
      4 * (h.sku_begin.capacity() + h.sku_day.capacity() + h.sku_code.capacity() +
           h.sku_qty.capacity() + h.sku_category.capacity()) +
      h.skus.bytes();

  insight::InsightConfig config;
  insight::MemberMeasures mm;
  double measures_s = timed([&] { mm = insight::compute_measures(h, as_of, config); });

  insight::ModelInput input;
  insight::RfmSummary compressed;
  double input_s = timed([&] {
    input = insight::build_model_input(h, as_of, 1.0);
    compressed = insight::compress(input.summary);
  });
  Result<insight::BgnbdFit> bg = insight::BgnbdFit{};
  double fit_s = timed([&] { bg = insight::fit_bgnbd(compressed); });
  check(bg.status(), "fit BG/NBD");
  auto gg = insight::fit_gamma_gamma(compressed);
  check(gg.status(), "fit Gamma-Gamma");
  Result<insight::ClvScores> clv = insight::ClvScores{};
  double clv_s = timed([&] { clv = insight::score_clv(bg->params, gg->params, input.summary); });
  check(clv.status(), "CLV");

  Result<insight::MemberScores> scores = insight::MemberScores{};
  double scoring_s = timed([&] { scores = insight::score_members(h, mm); });
  check(scores.status(), "scoring");

  const char* expression =
      "lifecycle = 'dormant' and clv_12m >= 500 and '母婴' in top_categories and churn_risk >= 70 "
      "and consent.sms";
  insight::TagContext tc{h, mm, *scores, config};
  Result<segment::ProfileTable> table = segment::ProfileTable{};
  double table_s = timed([&] { table = insight::build_segment_table(tc, expression); });
  check(table.status(), "segment table");
  auto seg = segment::Segment::compile(expression, *table);
  check(seg.status(), "segment compile");
  std::size_t matched = 0;
  double best_count = 1e9;
  for (int i = 0; i < 20; ++i)
    best_count = std::min(best_count, timed([&] { matched = seg->count(Date{as_of}); }));

  // One member after a new order: copy their rows, add the order, recompute them against the
  // population snapshot. Average over members spread through the population.
  insight::PopulationSnapshot snapshot = insight::PopulationSnapshot::take(h, mm, *scores, config);
  insight::MemberScratch scratch;
  const std::size_t samples = std::min<std::size_t>(2000, h.members());
  double rebuild_total = 0, update_total = 0;
  std::uint64_t sink = 0;
  for (std::size_t i = 0; i < samples; ++i) {
    std::size_t m = i * (h.members() / samples);
    double t0 = bench::now_s();
    insight::HistoryBuilder b;
    insight::copy_member(h, m, b);
    auto o = b.add_order(h.member_id[m], as_of, 12800, 0, "online", "", 1);
    b.add_line(o, "母婴/纸尿裤", 1, 12800, true, b.sku_code("MY0101"));
    insight::History one = b.build();
    double t1 = bench::now_s();
    insight::MemberUpdate u = insight::update_member(one, snapshot, scratch);
    double t2 = bench::now_s();
    sink += u.scores.churn_risk[0];
    rebuild_total += t1 - t0;
    update_total += t2 - t1;
  }

  const double recompute_s = measures_s + scoring_s;
  std::printf("# %zu members, %zu purchase days, %zu customers in %zu distinct (x, t_x, T) rows\n",
              h.members(), h.day.size(), input.summary.size(), compressed.size());
  std::printf("load history from SQLite: %.2f s (best of 3)\n", load_best);
  std::printf(
      "  without the SKU rows: %.2f s (best of 2) -> SKU rows cost %+.1f%% (goal <= +15%%)\n",
      load_plain_best, 100.0 * (load_best / load_plain_best - 1));
  std::printf(
      "history in memory: %.1f MiB, of which SKU rows %.1f MiB (%zu rows of %zu SKUs); without "
      "them %.1f MiB\n",
      static_cast<double>(h.bytes()) / (1 << 20), static_cast<double>(sku_bytes) / (1 << 20),
      h.sku_day.size(), h.skus.size() - 1, static_cast<double>(plain_bytes) / (1 << 20));
  std::printf("replenishment reminders: %zu by category, %zu by SKU\n", mm.replenishment.size(),
              mm.sku_replenishment.size());
  std::printf(
      "recompute every measure and prediction (RFM, cycles, lifecycle, dormancy, replenishment, "
      "BG/NBD + Gamma-Gamma fit, P(alive), churn, CLV, next purchase): recur %.2f s (goal <= 3 "
      "s)\n",
      recompute_s);
  std::printf("  of which: measures %.2f s, model input %.2f s, scoring with fits %.2f s\n",
              measures_s, input_s, scoring_s);
  std::printf(
      "BG/NBD fit, %zu customers: recur %.3f s | lifetimes 15.6 s (quoted) | %.0fx faster (goal >= "
      "15x, <= 1 s)\n",
      input.summary.size(), fit_s, 15.6 / fit_s);
  std::printf(
      "12-month CLV, %zu customers: recur %.3f s | lifetimes 8.4 s (quoted) | %.0fx faster (goal "
      ">= 15x, <= 0.3 s)\n",
      input.summary.size(), clv_s, 8.4 / clv_s);
  std::printf(
      "5-condition segment count: recur %.2f ms, %zu members matched (goal <= 20 ms; building its "
      "columns %.2f s)\n",
      best_count * 1000, matched, table_s);
  std::printf(
      "one member's tags and predictions after a new order: recur %.1f us to recompute (goal <= 50 "
      "us), "
      "plus %.1f us to gather their rows (mean of %zu members; checksum %llu)\n",
      1e6 * update_total / static_cast<double>(samples),
      1e6 * rebuild_total / static_cast<double>(samples), samples,
      static_cast<unsigned long long>(sink));
  std::printf("BG/NBD (days): r %.4f alpha %.3f a %.4f b %.4f\n", bg->params.r, bg->params.alpha,
              bg->params.a, bg->params.b);
  return 0;
}
