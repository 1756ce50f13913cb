// recur loyalty apply — apply the program to orders and refunds already in the store.

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "cli/cli_context.h"
#include "core/json_writer.h"
#include "loyalty/apply.h"

namespace recur::cli {
namespace {

int apply(Context& ctx, bool json, std::size_t chunk) {
  auto db = ctx.open_db();
  if (!db.ok()) return report(db.status());
  auto engine = loyalty::open_engine(**db, ctx.clock);
  if (!engine.ok()) return report(engine.status());
  auto started = std::chrono::steady_clock::now();
  ProgressBar bar("applying loyalty");
  loyalty::ApplyOptions options;
  options.chunk = chunk;
  options.progress = [&](double f, std::int64_t n) { bar.update(f, n); };
  auto s = loyalty::apply_pending(**db, **engine, options);
  bar.finish();
  if (!s.ok()) return report(s.status());
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (json) {
    JsonWriter w;
    w.begin_object()
        .field("orders", s->orders)
        .field("refunds", s->refunds)
        .field("points", s->points)
        .field("growth", s->growth)
        .field("points_clawed", s->points_clawed)
        .field("points_debt", s->points_debt)
        .field("growth_clawed", s->growth_clawed)
        .field("deducted_fen", s->deducted_fen)
        .field("upgrades", s->upgrades)
        .field("already_applied", s->already_applied)
        .field("elapsed_s", elapsed)
        .end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf(
        "applied 已入账 %lld orders and %lld refunds: +%lld points, +%lld growth, "
        "%lld points and %lld growth taken back, %lld upgrades (%.2f s)\n",
        static_cast<long long>(s->orders), static_cast<long long>(s->refunds),
        static_cast<long long>(s->points), static_cast<long long>(s->growth),
        static_cast<long long>(s->points_clawed), static_cast<long long>(s->growth_clawed),
        static_cast<long long>(s->upgrades), elapsed);
    if (s->already_applied)
      std::printf("  %lld found applied meanwhile by another import or apply (已由其他进程入账)\n",
                  static_cast<long long>(s->already_applied));
    if (s->deducted_fen)
      std::printf("  ¥%s to keep back from refunds for points already spent (退款抵扣)\n",
                  format_money(s->deducted_fen).c_str());
  }
  return kExitOk;
}

}  // namespace

void register_loyalty(Command& app, Context& ctx) {
  Command* cmd = app.add_subcommand("loyalty", "the loyalty program's effects (会员权益)");
  cmd->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  auto chunk = std::make_shared<std::size_t>(loyalty::ApplyOptions{}.chunk);
  Command* a = cmd->add_subcommand(
      "apply", "apply the program to orders and refunds not applied yet (idempotent)");
  a->add_flag("--json", *json, "print JSON");
  a->add_option("--chunk", *chunk, "orders and refunds per transaction")->check_positive();
  a->callback([&ctx, json, chunk] { throw Exit{apply(ctx, *json, *chunk)}; });
}

}  // namespace recur::cli
