// recur import KIND FILE — see docs/import.md.

#include <fmt/format.h>

#include <cstdio>

#include "cli/cli_context.h"
#include "core/json_writer.h"
#include "ingest/importer.h"
#include "loyalty/apply.h"

namespace recur::cli {
namespace {

struct ImportArgs {
  std::string kind, file, format = "auto", encoding = "utf-8", delimiter = ",", member_kind,
                          date_format, rejects, time_zone;
  std::vector<std::string> maps, sets, columns;
  bool skip_bad = false, json = false, dry_run = false, no_apply = false;
  std::size_t chunk = 100000;
};

Status parse_pairs(const std::vector<std::string>& items, std::string_view flag,
                   std::vector<std::pair<std::string, std::string>>& out) {
  for (const std::string& item : items) {
    // Each item may hold several comma-separated pairs: field=Column,field2=Column2
    std::string_view rest = item;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string_view pair = rest.substr(0, comma);
      auto eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0)
        return invalid_argument(fmt::format("{} '{}': write field=value", flag, pair));
      out.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  return Status();
}

Result<ingest::ImportOptions> to_options(const ImportArgs& a) {
  ingest::ImportOptions o;
  if (a.format == "csv")
    o.format = ingest::FileFormat::kCsv;
  else if (a.format == "jsonl" || a.format == "json")
    o.format = ingest::FileFormat::kJsonl;
  else if (a.format != "auto")
    return invalid_argument(fmt::format("--format '{}': use csv, jsonl or auto", a.format));
  ASSIGN_OR_RETURN(o.encoding, ingest::parse_encoding(a.encoding));
  if (a.delimiter == "space" || a.delimiter == "whitespace")
    o.delimiter = ' ';
  else if (a.delimiter == "\\t" || a.delimiter == "tab")
    o.delimiter = '\t';
  else if (a.delimiter.size() == 1)
    o.delimiter = a.delimiter[0];
  else
    return invalid_argument(fmt::format("--delimiter '{}': one character, or tab", a.delimiter));
  RETURN_IF_ERROR(parse_pairs(a.maps, "--map", o.column_map));
  RETURN_IF_ERROR(parse_pairs(a.sets, "--set", o.constants));
  for (const std::string& c : a.columns) {
    std::string_view rest = c;
    while (true) {
      auto comma = rest.find(',');
      o.header_names.emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  o.member_kind = a.member_kind;
  if (!a.date_format.empty()) {
    ASSIGN_OR_RETURN(auto f, ingest::DateFormat::compile(a.date_format));
    o.date_format = std::move(f);
  }
  o.skip_bad = a.skip_bad;
  o.rejects_path = a.rejects;
  o.dry_run = a.dry_run;
  o.chunk_orders = a.chunk;
  o.time_zone = a.time_zone;
  if (!a.rejects.empty() && !a.skip_bad) return invalid_argument("--rejects goes with --skip-bad");
  return o;
}

// `loyalty_deferred`: --no-apply left the loyalty effects to the next apply.
void print_json(const ingest::ImportSummary& s, bool loyalty_deferred) {
  JsonWriter w;
  w.begin_object()
      .field("kind", s.kind)
      .field("file", s.file)
      .field("rows", s.rows)
      .field("applied", s.applied)
      .field("skipped", s.skipped)
      .field("rejected", s.rejected)
      .field("elapsed_s", s.elapsed_s)
      .field("committed", s.committed)
      .field("records_applied", s.records_applied)
      .field("members_created", s.members_created)
      .field("merges", s.merges)
      .field("merge_conflicts", s.merge_conflicts)
      .field("batch_id", s.batch_id)
      .field("loyalty_deferred", loyalty_deferred);
  w.key("errors").begin_array();
  for (std::size_t i = 0; i < s.errors.size() && i < 1000; ++i) {
    const auto& e = s.errors[i];
    w.begin_object()
        .field("line", static_cast<std::int64_t>(e.line))
        .field("column", e.column)
        .field("reason", e.reason)
        .end_object();
  }
  w.end_array().end_object();
  std::printf("%s\n", w.str().c_str());
}

int run_import(Context& ctx, const ImportArgs& a) {
  auto kind = ingest::parse_record_kind(a.kind);
  if (!kind.ok()) return report(kind.status());
  auto options = to_options(a);
  if (!options.ok()) return report(options.status());
  auto db = ctx.open_db();
  if (!db.ok()) return report(db.status());
  ProgressBar bar(fmt::format("importing {}", a.kind));
  auto sum = ingest::import_file(**db, *kind, a.file, *options, ctx.clock,
                                 [&](double f, std::int64_t rows) { bar.update(f, rows); });
  bar.finish();
  if (!sum.ok()) return report(sum.status());
  // Loyalty effects of what was imported (nothing when no program is loaded); idempotent, so an
  // interrupted import is finished by the next run.
  // With --no-apply the records wait for the next apply (an import without it, or `recur loyalty
  // apply`), which takes them with whatever else is pending, by time.
  if (Status ls = a.dry_run || a.no_apply ? Status()
                                          : loyalty::apply_after_import(**db, ctx.clock, a.chunk);
      !ls.ok())
    return report(ls);
  const auto& s = *sum;
  if (a.json) {
    print_json(s, a.no_apply && !a.dry_run);
  } else {
    constexpr std::size_t kShown = 20;
    for (std::size_t i = 0; i < s.errors.size() && i < kShown; ++i)
      std::fprintf(stderr, "%s\n", ingest::format_row_error(a.file, s.errors[i]).c_str());
    if (s.errors.size() > kShown)
      std::fprintf(stderr, "… and %zu more bad rows\n", s.errors.size() - kShown);
    if (!s.committed && s.rejected > 0) {
      std::fprintf(
          stderr,
          "%s: %lld of %lld rows are bad; nothing was applied (未导入任何数据). Fix them, or "
          "pass --skip-bad --rejects FILE to apply the good rows.\n",
          a.file.c_str(), static_cast<long long>(s.rejected), static_cast<long long>(s.rows));
    } else {
      std::printf("%s%s: %lld rows — %lld applied, %lld already there, %lld rejected (%.2f s)\n",
                  a.dry_run ? "[dry run] " : "", a.file.c_str(), static_cast<long long>(s.rows),
                  static_cast<long long>(s.applied), static_cast<long long>(s.skipped),
                  static_cast<long long>(s.rejected), s.elapsed_s);
      if (s.members_created || s.merges || s.merge_conflicts)
        std::printf(
            "  members created %lld, merges %lld%s\n", static_cast<long long>(s.members_created),
            static_cast<long long>(s.merges),
            s.merge_conflicts
                ? fmt::format(", {} links kept apart by an unmerge", s.merge_conflicts).c_str()
                : "");
      if (s.rejected && !a.rejects.empty())
        std::printf("  bad rows written to %s with their reasons\n", a.rejects.c_str());
      if (a.no_apply && !a.dry_run && s.applied > 0)
        std::printf(
            "  loyalty not applied yet (--no-apply): the next import or `recur loyalty apply` "
            "applies it by time (积分待入账)\n");
    }
  }
  if (s.rejected > 0) return kExitBadInput;
  return kExitOk;
}

}  // namespace

void register_import(Command& app, Context& ctx) {
  auto args = std::make_shared<ImportArgs>();
  Command* cmd = app.add_subcommand(
      "import", "import orders, refunds, members, products, stores or events (导入数据)");
  cmd->add_option("kind", args->kind, "orders | refunds | members | products | stores | events")
      ->required();
  cmd->add_option("file", args->file, "CSV or JSON Lines file")->required()->check_existing_file();
  cmd->add_option("--format", args->format, "csv | jsonl | auto (by extension)");
  cmd->add_option("--map", args->maps,
                  "field=Column[,field=Column…]: read a field from a differently named column");
  cmd->add_option("--set", args->sets,
                  "field=value: the same value for every row (e.g. source=youzan)");
  cmd->add_option("--columns", args->columns,
                  "the file has no header row: name its columns (a,b,c)");
  cmd->add_option("--member-kind", args->member_kind,
                  "identity kind of a bare value in the member column (e.g. phone)");
  cmd->add_option("--date-format", args->date_format, "timestamp layout, e.g. '%Y/%m/%d %H:%M'");
  cmd->add_option("--encoding", args->encoding, "utf-8 | gbk | auto");
  cmd->add_option(
      "--delimiter", args->delimiter,
      "field separator: one character, tab, or whitespace (runs of blanks, no quoting)");
  cmd->add_option("--timezone", args->time_zone,
                  "time zone of timestamps without an offset (default: the merchant's)");
  cmd->add_flag("--skip-bad", args->skip_bad, "apply the good rows and report the bad ones");
  cmd->add_option("--rejects", args->rejects,
                  "with --skip-bad: write bad rows and their reasons here");
  cmd->add_flag("--dry-run", args->dry_run, "validate only; apply nothing");
  cmd->add_flag("--no-apply", args->no_apply,
                "store the records without applying loyalty effects: the next import or `recur "
                "loyalty apply` applies them with what else is pending, by time");
  cmd->add_option("--chunk", args->chunk, "records per transaction");
  cmd->add_flag("--json", args->json, "print a JSON summary");
  cmd->callback([&ctx, args] { throw Exit{run_import(ctx, *args)}; });
}

}  // namespace recur::cli
