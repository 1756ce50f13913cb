// recur tiers evaluate|show — the daily tier run and the tier distribution (会员等级).

#include <fmt/format.h>

#include <cstdio>

#include "cli/cli_context.h"
#include "cli/loyalty_sweep.h"
#include "core/json_writer.h"
#include "loyalty/engine.h"
#include "loyalty/program_store.h"

namespace recur::cli {
namespace {

int evaluate(Context& ctx, const std::string& as_of_text, const std::string& key_text, bool json) {
  auto s = run_dated_sweep(ctx, as_of_text, key_text,
                           [](loyalty::LoyaltyEngine& engine, Date as_of, const std::string& key) {
                             return engine.evaluate_tiers(as_of, key);
                           });
  if (!s.ok()) return report(s.status());
  if (json) {
    JsonWriter w;
    w.begin_object()
        .field("as_of", s->as_of.to_string())
        .field("replayed", s->replayed)
        .field("members", s->members)
        .field("upgraded", s->upgraded)
        .field("downgraded", s->downgraded)
        .field("grace_started", s->grace_started)
        .field("kept", s->kept)
        .field("requalified", s->requalified)
        .end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf(
        "%s tiers as of %s (等级评定): %lld members looked at, %lld upgraded, %lld "
        "downgraded, %lld warned (grace started 保级期), %lld kept their tier, %lld "
        "re-qualified lower\n",
        s->replayed ? "already run (重复请求):" : "evaluated", s->as_of.to_string().c_str(),
        static_cast<long long>(s->members), static_cast<long long>(s->upgraded),
        static_cast<long long>(s->downgraded), static_cast<long long>(s->grace_started),
        static_cast<long long>(s->kept), static_cast<long long>(s->requalified));
  }
  return kExitOk;
}

int show(Context& ctx, bool json) {
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  auto program = loyalty::active_program(**db);
  if (!program.ok()) return report(program.status());
  const loyalty::Program& p = program->program;
  std::vector<std::int64_t> members(p.tiers.size(), 0), warned(p.tiers.size(), 0);
  std::int64_t without = 0;
  {
    auto st = (*db)->prepare(
        "SELECT tier, COUNT(*), SUM(grace_until_day IS NOT NULL) FROM "
        "loyalty_accounts a WHERE NOT EXISTS (SELECT 1 FROM members m WHERE "
        "m.member_id = a.member_id AND m.merged_into IS NOT NULL) "
        "GROUP BY tier");
    if (!st.ok()) return report(st.status());
    while (true) {
      auto row = st->step();
      if (!row.ok()) return report(row.status());
      if (!*row) break;
      int i = p.tier_index(st->column_text(0));
      std::size_t k = static_cast<std::size_t>(i < 0 ? 0 : i);
      members[k] += st->column_int64(1);
      warned[k] += st->column_int64(2);
    }
  }
  {
    auto n = (*db)->query_int(
        "SELECT COUNT(*) FROM members m WHERE m.merged_into IS NULL AND "
        "NOT EXISTS (SELECT 1 FROM loyalty_accounts a WHERE a.member_id = "
        "m.member_id)");
    if (!n.ok()) return report(n.status());
    without = *n;
  }
  members[0] += without;
  std::int64_t total = 0;
  for (auto m : members) total += m;
  if (json) {
    JsonWriter w;
    w.begin_object().field("members", total).key("tiers").begin_array();
    for (std::size_t i = 0; i < p.tiers.size(); ++i)
      w.begin_object()
          .field("key", p.tiers[i].key)
          .field("name", p.tiers[i].name)
          .field("threshold", p.tiers[i].threshold)
          .field("members", members[i])
          .field("in_grace", warned[i])
          .end_object();
    w.end_array().end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  std::printf("tier distribution 等级分布 (%lld members, program v%d)\n",
              static_cast<long long>(total), program->version);
  for (std::size_t i = p.tiers.size(); i-- > 0;) {
    double share = total ? 100.0 * static_cast<double>(members[i]) / static_cast<double>(total) : 0;
    std::printf("  %-10s %-10s growth ≥ %-7lld %9lld members %5.1f%%%s\n", p.tiers[i].key.c_str(),
                p.tiers[i].name.c_str(), static_cast<long long>(p.tiers[i].threshold),
                static_cast<long long>(members[i]), share,
                warned[i] ? fmt::format("  ({} in grace 保级中)", warned[i]).c_str() : "");
  }
  return kExitOk;
}

}  // namespace

void register_tiers(Command& app, Context& ctx) {
  Command* cmd =
      app.add_subcommand("tiers", "member tiers (会员等级): the daily run, the distribution");
  cmd->require_subcommand(1);
  auto as_of = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  Command* e = cmd->add_subcommand(
      "evaluate", "the daily tier run: rolling downgrades after grace, periodic re-qualification");
  e->add_option("--as-of", *as_of, "the day evaluated (YYYY-MM-DD)")->required();
  e->add_option("--key", *key, "idempotency key (default: the day)");
  e->add_flag("--json", *json, "print JSON");
  e->callback([&ctx, as_of, key, json] { throw Exit{evaluate(ctx, *as_of, *key, *json)}; });

  auto sjson = std::make_shared<bool>(false);
  Command* s = cmd->add_subcommand("show", "how many members hold each tier");
  s->add_flag("--json", *sjson, "print JSON");
  s->callback([&ctx, sjson] { throw Exit{show(ctx, *sjson)}; });
}

}  // namespace recur::cli
