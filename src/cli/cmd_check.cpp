// recur check — proves the loyalty ledger's invariants (balances = entries, lots consistent,
// nothing negative that must not be) and reports the points and stored-value liabilities. Exit 1 on
// a violation.

#include <fmt/format.h>

#include <cstdio>

#include "cli/cli_context.h"
#include "cli/loyalty_render.h"
#include "core/json_writer.h"
#include "loyalty/check.h"

namespace recur::cli {
namespace {

int check(Context& ctx, bool json) {
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  auto r = loyalty::run_check(**db, ctx.clock.now());
  if (!r.ok()) return report(r.status());
  if (json) {
    JsonWriter w;
    w.begin_object().field("ok", r->ok).field("program_version", r->program_version);
    w.key("checks").begin_array();
    for (const auto& c : r->checks) {
      w.begin_object()
          .field("name", c.name)
          .field("ok", c.ok())
          .field("violations", c.violations)
          .field("description", c.description);
      w.key("examples").begin_array();
      for (const auto& e : c.examples) w.value(e);
      w.end_array().end_object();
    }
    w.end_array();
    w.key("pending")
        .begin_object()
        .field("orders", r->pending.orders)
        .field("refunds", r->pending.refunds)
        .end_object();
    w.key("liability");
    if (r->liability)
      write_liability_json(w, *r->liability);
    else
      w.null();
    w.key("stored_value");
    write_wallet_liability_json(w, r->stored_value);
    w.end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    for (const auto& c : r->checks) {
      std::printf("%s %-26s %s\n", c.ok() ? "ok  " : "FAIL", c.name.c_str(),
                  c.ok() ? c.description.c_str()
                         : fmt::format("{} violation(s): {}", c.violations, c.description).c_str());
      for (const auto& e : c.examples) std::printf("       e.g. %s\n", e.c_str());
    }
    if (r->pending.orders || r->pending.refunds)
      std::printf(
          "note: %lld orders and %lld refunds are not applied to the loyalty program yet "
          "(run recur loyalty apply)\n",
          static_cast<long long>(r->pending.orders), static_cast<long long>(r->pending.refunds));
    if (r->liability) print_liability_text(*r->liability);
    print_wallet_liability_text(r->stored_value);
    std::printf("%s\n", r->ok ? "ledger consistent (账实相符)" : "LEDGER INCONSISTENT (账目不符)");
  }
  return r->ok ? kExitOk : kExitBadInput;
}

}  // namespace

void register_check(Command& app, Context& ctx) {
  auto json = std::make_shared<bool>(false);
  Command* cmd = app.add_subcommand(
      "check", "prove the loyalty ledger is consistent and value the points liability (对账)");
  cmd->add_flag("--json", *json, "print JSON");
  cmd->callback([&ctx, json] { throw Exit{check(ctx, *json)}; });
}

}  // namespace recur::cli
