// recur — member repurchase engine. `recur --help` lists the commands.

#include <cstdio>

#include "cli/cli_context.h"

int main(int argc, char** argv) {
  recur::cli::Context ctx;
  if (!ctx.clock.error().ok()) return recur::cli::report(ctx.clock.error());
  recur::cli::CommandLine line{"recur — member repurchase engine for retailers (会员复购引擎)"};
  recur::cli::Command& app = line.root();
  app.require_subcommand(1);
  app.add_option("--db", ctx.global.db_path, "database file (default $RECUR_DB or ./recur.db)");
  app.add_flag("--sync-full", ctx.global.full_sync, "fsync every commit (synchronous=FULL)");
  app.add_flag("--plain-vfs", ctx.global.plain_vfs,
               "write the WAL with SQLite's own VFS, two writes per page (for comparison)");
  app.add_option("--lock-wait", ctx.global.lock_wait_s,
                 "seconds to wait for another command's write to finish before giving up with "
                 "'database is locked'")
      ->check_range(0, 86400);
  app.add_flag("--profile-sql", ctx.global.profile_sql,
               "print where SQLite spent the command's time to stderr (slows it)");

  recur::cli::register_init(app, ctx);
  recur::cli::register_import(app, ctx);
  recur::cli::register_member(app, ctx);
  recur::cli::register_stats(app, ctx);
  recur::cli::register_generate(app, ctx);
  recur::cli::register_model(app, ctx);
  recur::cli::register_kpi(app, ctx);
  recur::cli::register_compute(app, ctx);
  recur::cli::register_program(app, ctx);
  recur::cli::register_points(app, ctx);
  recur::cli::register_wallet(app, ctx);
  recur::cli::register_tiers(app, ctx);
  recur::cli::register_check(app, ctx);
  recur::cli::register_ledger(app, ctx);
  recur::cli::register_loyalty(app, ctx);
  recur::cli::register_backtest(app, ctx);
  recur::cli::register_segment(app, ctx);
  recur::cli::register_coupon(app, ctx);
  recur::cli::register_mall(app, ctx);
  recur::cli::register_order(app, ctx);
  int code = 0;
  try {
    code = line.parse(argc, argv);
    if (code != recur::cli::kExitOk) return code;
  } catch (const recur::cli::Exit& e) {
    code = e.code;
  }
  if (ctx.profile) std::fputs(ctx.profile->report("recur").c_str(), stderr);
  return code;
}
