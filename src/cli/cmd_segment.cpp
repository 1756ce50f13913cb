// recur segment count|export — members matching an expression over the profile (docs/segments.md).

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/cli_context.h"
#include "core/csv_field.h"
#include "core/json_writer.h"
#include "insight/insight_run.h"
#include "insight/segment_table.h"
#include "segment/segment.h"

namespace recur::cli {
namespace {

struct SegmentArgs {
  std::string expression, as_of, out;
  std::vector<std::string> fields;
  bool json = false;
};

struct Compiled {
  insight::InsightRun run;
  std::unique_ptr<segment::ProfileTable> table;
  std::unique_ptr<segment::Segment> segment;
  double table_s = 0;
};

Result<std::unique_ptr<Compiled>> compile(Context& ctx, const SegmentArgs& a,
                                          std::string_view extra_fields) {
  ASSIGN_OR_RETURN(auto db, ctx.open_db(true));
  std::optional<std::int32_t> as_of;
  if (!a.as_of.empty()) {
    auto d = parse_date(a.as_of);
    if (!d.ok()) return invalid_argument("--as-of: " + d.status().message());
    as_of = d->days;
  }
  auto c = std::make_unique<Compiled>();
  ASSIGN_OR_RETURN(c->run, insight::run_insight(*db, as_of));
  const insight::TagContext tc = c->run.tags();
  auto t = std::chrono::steady_clock::now();
  std::string wanted = a.expression + " " + std::string(extra_fields);
  ASSIGN_OR_RETURN(auto table, insight::build_segment_table(tc, wanted));
  c->table = std::make_unique<segment::ProfileTable>(std::move(table));
  auto seg = segment::Segment::compile(a.expression, *c->table);
  if (!seg.ok()) {
    // Build every column so unknown names get the right suggestions.
    ASSIGN_OR_RETURN(auto full, insight::build_segment_table(tc));
    auto again = segment::Segment::compile(a.expression, full);
    return again.ok() ? seg.status() : again.status();
  }
  c->segment = std::make_unique<segment::Segment>(std::move(seg).value());
  c->table_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  return c;
}

int count(Context& ctx, const SegmentArgs& a) {
  auto c = compile(ctx, a, "");
  if (!c.ok()) return report(c.status());
  const Date today{(*c)->run.measures.as_of};
  auto t = std::chrono::steady_clock::now();
  std::size_t n = (*c)->segment->count(today);
  double eval_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
  const std::size_t members = (*c)->table->rows();
  for (const auto& w : (*c)->segment->warnings())
    std::fprintf(stderr, "warning: %s\n", w.message.c_str());
  if (a.json) {
    JsonWriter w;
    w.begin_object()
        .field("expression", a.expression)
        .field("as_of", today.to_string())
        .field("count", static_cast<std::int64_t>(n))
        .field("members", static_cast<std::int64_t>(members))
        .field("evaluate_ms", eval_ms);
    w.key("warnings").begin_array();
    for (const auto& warn : (*c)->segment->warnings()) w.value(warn.message);
    w.end_array().end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("%zu of %zu members (%.1f%%) as of %s — evaluated in %.2f ms\n", n, members,
                members ? 100.0 * static_cast<double>(n) / static_cast<double>(members) : 0.0,
                today.to_string().c_str(), eval_ms);
  }
  return kExitOk;
}

int export_members(Context& ctx, const SegmentArgs& a) {
  std::string field_list;
  for (const auto& f : a.fields) field_list += f + " ";
  auto c = compile(ctx, a, field_list);
  if (!c.ok()) return report(c.status());
  const auto& run = (*c)->run;
  const insight::TagContext tc = run.tags();
  // Columns: member_id, then the requested fields, else the fields the expression uses.
  std::vector<const insight::TagDef*> columns;
  std::vector<std::string> names = a.fields;
  if (names.empty())
    for (const auto& col : (*c)->table->columns()) names.push_back(col.name());
  for (const auto& name : names) {
    // --fields a,b,c arrives as one item or several.
    std::string_view rest = name;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string one(rest.substr(0, comma));
      const insight::TagDef* def = insight::find_tag(one);
      if (!def) return report(invalid_argument(fmt::format("--fields: unknown field '{}'", one)));
      if (def->name != "member_id") columns.push_back(def);
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  const Date today{run.measures.as_of};
  segment::RowBitmap rows = (*c)->segment->evaluate(today);
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(a.out.c_str(), "wb"), &std::fclose);
  if (!f) return report(io_error(fmt::format("cannot write '{}'", a.out)));
  std::string out = "member_id";
  for (const auto* def : columns) out += "," + def->name;
  out += "\n";
  std::size_t written = 0;
  for (std::size_t m : rows.to_rows()) {
    out += std::to_string(run.history.member_id[m]);
    for (const auto* def : columns) {
      insight::TagValue v = def->value(tc, m);
      std::string text;
      if (std::holds_alternative<std::monostate>(v))
        text = "";
      else if (def->type == insight::TagType::kMoney)
        text = format_money(std::get<std::int64_t>(v));
      else if (auto* set = std::get_if<std::vector<std::string>>(&v)) {
        for (const auto& s : *set) text += (text.empty() ? "" : "|") + s;
      } else
        text = insight::render_tag(*def, v);
      out += ',';
      append_csv_field(out, text);
    }
    out += "\n";
    ++written;
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), f.get());
      out.clear();
    }
  }
  if (std::fwrite(out.data(), 1, out.size(), f.get()) != out.size())
    return report(io_error(fmt::format("cannot write '{}'", a.out)));
  for (const auto& w : (*c)->segment->warnings())
    std::fprintf(stderr, "warning: %s\n", w.message.c_str());
  if (a.json) {
    JsonWriter w;
    w.begin_object()
        .field("expression", a.expression)
        .field("out", a.out)
        .field("count", static_cast<std::int64_t>(written))
        .end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("wrote %zu members to %s (导出)\n", written, a.out.c_str());
  }
  return kExitOk;
}

}  // namespace

void register_segment(Command& app, Context& ctx) {
  Command* cmd =
      app.add_subcommand("segment", "count or export members matching an expression (人群圈选)");
  cmd->require_subcommand(1);
  auto ca = std::make_shared<SegmentArgs>();
  Command* c = cmd->add_subcommand("count", "how many members match");
  c->add_option("expression", ca->expression, "e.g. \"lifecycle = 'dormant' and clv_12m >= 500\"")
      ->required();
  c->add_option("--as-of", ca->as_of, "profile as of this date; `today` in expressions means it");
  c->add_flag("--json", ca->json, "print JSON");
  c->callback([&ctx, ca] { throw Exit{count(ctx, *ca)}; });
  auto ea = std::make_shared<SegmentArgs>();
  Command* e = cmd->add_subcommand("export", "write the matching members to a CSV file");
  e->add_option("expression", ea->expression, "segment expression")->required();
  e->add_option("--out", ea->out, "CSV file to write")->required();
  e->add_option("--fields", ea->fields,
                "profile fields to include (default: those the expression uses)");
  e->add_option("--as-of", ea->as_of, "profile as of this date");
  e->add_flag("--json", ea->json, "print JSON");
  e->callback([&ctx, ea] { throw Exit{export_members(ctx, *ea)}; });
}

}  // namespace recur::cli
