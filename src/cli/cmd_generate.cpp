// recur generate — write the canonical files of a realistic demo retailer.

#include <fmt/format.h>

#include <cstdio>

#include "cli/cli_context.h"
#include "core/json_writer.h"
#include "demo/generator.h"

namespace recur::cli {

void register_generate(Command& app, Context& /*ctx*/) {
  struct Args {
    std::int64_t members = 50000;
    std::uint64_t seed = 42;
    std::string out = "demo";
    std::string start = "2023-01-01", end = "2025-12-31";
    int threads = 2;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  Command* cmd =
      app.add_subcommand("generate", "write a realistic demo retailer's files (生成演示数据)");
  cmd->add_option("--members", a->members, "number of people");
  cmd->add_option("--seed", a->seed, "random seed (same seed, same files)");
  cmd->add_option("--out", a->out, "output directory");
  cmd->add_option("--from", a->start, "first day of history");
  cmd->add_option("--to", a->end, "last day of history");
  cmd->add_option("--threads", a->threads, "worker threads (output does not depend on it)");
  cmd->add_flag("--json", a->json, "print a JSON summary");
  cmd->callback([a] {
    demo::GenerateOptions o;
    o.members = a->members;
    o.seed = a->seed;
    o.out_dir = a->out;
    o.threads = a->threads;
    auto from = parse_date(a->start);
    auto to = parse_date(a->end);
    if (!from.ok()) throw Exit{report(from.status())};
    if (!to.ok()) throw Exit{report(to.status())};
    o.start = *from;
    o.end = *to;
    ProgressBar bar("generating");
    auto s = demo::generate(o, [&](double f) { bar.update(f, 0); });
    bar.finish();
    if (!s.ok()) throw Exit{report(s.status())};
    if (a->json) {
      JsonWriter w;
      w.begin_object()
          .field("people", s->people)
          .field("member_records", s->member_records)
          .field("stores", s->stores)
          .field("products", s->products)
          .field("orders", s->orders)
          .field("order_lines", s->order_lines)
          .field("guest_orders", s->guest_orders)
          .field("refunds", s->refunds)
          .field("events", s->events)
          .field("merge_links", s->merge_links)
          .field("elapsed_s", s->elapsed_s)
          .end_object();
      std::printf("%s\n", w.str().c_str());
    } else {
      std::printf(
          "wrote %s/: %lld people as %lld member records, %lld stores, %lld products, %lld orders "
          "(%lld lines, %lld guest), %lld refunds, %lld events, %lld merge links (%.1f s)\n",
          a->out.c_str(), static_cast<long long>(s->people),
          static_cast<long long>(s->member_records), static_cast<long long>(s->stores),
          static_cast<long long>(s->products), static_cast<long long>(s->orders),
          static_cast<long long>(s->order_lines), static_cast<long long>(s->guest_orders),
          static_cast<long long>(s->refunds), static_cast<long long>(s->events),
          static_cast<long long>(s->merge_links), s->elapsed_s);
    }
    throw Exit{kExitOk};
  });
}

}  // namespace recur::cli
