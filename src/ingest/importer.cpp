#include "ingest/importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "identity/merge.h"
#include "identity/resolver.h"
#include "ingest/mapped_file.h"
#include "loyalty/merge_participant.h"
#include "store/settings.h"

namespace recur::ingest {

namespace {

constexpr FieldSpec kOrderFields[] = {
    {"source", true},  {"order_id", true},    {"paid_at", true},   {"member", false},
    {"channel", true}, {"store_id", false},   {"sku", true},       {"category", false},
    {"qty", true},     {"unit_price", false}, {"discount", false}, {"amount", true}};
constexpr FieldSpec kRefundFields[] = {
    {"source", true}, {"refund_id", true}, {"order_id", true}, {"refunded_at", true},
    {"sku", false},   {"qty", false},      {"amount", true},   {"reason", false}};
constexpr FieldSpec kMemberFields[] = {
    {"member", true},          {"name", false},        {"gender", false},
    {"birthday", false},       {"city", false},        {"registered_at", false},
    {"channel", false},        {"store_id", false},    {"consent_sms", false},
    {"consent_wechat", false}, {"consent_app", false}, {"consent_email", false}};
constexpr FieldSpec kProductFields[] = {{"sku", true},    {"name", false},  {"category", false},
                                        {"brand", false}, {"price", false}, {"consumable", false},
                                        {"unit", false}};
constexpr FieldSpec kStoreFields[] = {
    {"store_id", true}, {"name", false}, {"kind", false}, {"city", false}, {"opened_at", false}};
constexpr FieldSpec kEventFields[] = {
    {"source", true}, {"event_id", false}, {"at", true},    {"member", false},   {"kind", true},
    {"sku", false},   {"page", false},     {"zone", false}, {"dwell_ms", false}, {"query", false}};

bool ends_with_any(const std::string& s, std::initializer_list<const char*> exts) {
  for (const char* e : exts)
    if (s.size() >= std::string_view(e).size() && s.ends_with(e)) return true;
  return false;
}

std::string csv_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"')
      out += "\"\"";
    else
      out.push_back(c);
  }
  return out + "\"";
}

std::string json_escape(std::string_view in) {
  std::string out;
  for (char c : in) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// A reason as one field of a whitespace-separated file, which has no quoting: its blanks become
// '_'.
std::string unblank(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; }, '_');
  return s;
}

// The bad rows as they were read (in UTF-8), each followed by `_line` and `_reason` columns in
// the file's own dialect (`delimiter`; ' ' for whitespace-separated), so that the file reads
// back with the same options once the rows are fixed.
Status write_rejects(const std::string& path, std::string_view header, const ImportSummary& sum,
                     bool csv, char delimiter) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) return io_error(fmt::format("cannot write rejects file '{}'", path));
  const bool blanks = delimiter == ' ';
  const char sep = blanks ? '\t' : delimiter;
  std::string out;
  // A file read with --columns has no header row (`header` is empty), and neither has this.
  if (csv && !header.empty()) out = fmt::format("{}{}_line{}_reason\n", header, sep, sep);
  for (const RowError& e : sum.errors) {
    std::string reason =
        e.column.empty() ? e.reason : fmt::format("column '{}': {}", e.column, e.reason);
    if (csv) {
      out += fmt::format("{}{}{}{}{}\n", e.raw, sep, e.line, sep,
                         blanks ? unblank(std::move(reason)) : csv_quote(reason));
    } else {  // JSON Lines: one object per bad line, the original kept as a string
      out += fmt::format("{{\"_line\":{},\"_reason\":\"{}\",\"_raw\":\"{}\"}}\n", e.line,
                         json_escape(reason), json_escape(e.raw));
    }
  }
  if (std::fwrite(out.data(), 1, out.size(), f.get()) != out.size())
    return io_error(fmt::format("cannot write rejects file '{}'", path));
  return Status();
}

}  // namespace

std::span<const FieldSpec> fields_of(RecordKind kind) {
  switch (kind) {
    case RecordKind::kOrders:
      return kOrderFields;
    case RecordKind::kRefunds:
      return kRefundFields;
    case RecordKind::kMembers:
      return kMemberFields;
    case RecordKind::kProducts:
      return kProductFields;
    case RecordKind::kStores:
      return kStoreFields;
    case RecordKind::kEvents:
      return kEventFields;
  }
  return {};
}

Result<RecordKind> parse_record_kind(std::string_view name) {
  if (name == "orders") return RecordKind::kOrders;
  if (name == "refunds") return RecordKind::kRefunds;
  if (name == "members") return RecordKind::kMembers;
  if (name == "products") return RecordKind::kProducts;
  if (name == "stores") return RecordKind::kStores;
  if (name == "events") return RecordKind::kEvents;
  return invalid_argument(fmt::format(
      "unknown record kind '{}' (orders, refunds, members, products, stores, events)", name));
}

std::string_view record_kind_name(RecordKind kind) {
  switch (kind) {
    case RecordKind::kOrders:
      return "orders";
    case RecordKind::kRefunds:
      return "refunds";
    case RecordKind::kMembers:
      return "members";
    case RecordKind::kProducts:
      return "products";
    case RecordKind::kStores:
      return "stores";
    case RecordKind::kEvents:
      return "events";
  }
  return "?";
}

std::string format_row_error(const std::string& file, const RowError& e) {
  if (e.column.empty()) return fmt::format("{}:{}: {}", file, e.line, e.reason);
  return fmt::format("{}:{}: column '{}': {}", file, e.line, e.column, e.reason);
}

Result<ImportSummary> import_text(store::Database& db, RecordKind kind, std::string_view bytes,
                                  const std::string& label, const ImportOptions& options,
                                  const Clock& clock, const ProgressFn& progress) {
  auto started = std::chrono::steady_clock::now();
  ImportSummary sum;
  sum.kind = std::string(record_kind_name(kind));
  sum.file = label;

  std::string storage;
  auto text = decode_text(bytes, options.encoding, storage);
  if (!text.ok()) return invalid_argument(fmt::format("{}: {}", label, text.status().message()));

  bool jsonl =
      options.format == FileFormat::kJsonl ||
      (options.format == FileFormat::kAuto && ends_with_any(label, {".jsonl", ".ndjson", ".json"}));
  auto source = jsonl ? open_jsonl_source(*text, fields_of(kind), options)
                      : open_csv_source(*text, fields_of(kind), options);
  if (!source.ok())
    return invalid_argument(fmt::format("{}: {}", label, source.status().message()));

  TimeZone zone;
  if (!options.time_zone.empty()) {
    ASSIGN_OR_RETURN(zone, TimeZone::load(options.time_zone));
  } else {
    ASSIGN_OR_RETURN(zone, store::merchant_time_zone(db));
  }

  // The batch row is committed first so an interrupted import leaves a trace ("running").
  // A dry run writes nothing at all.
  if (!options.dry_run) {
    ASSIGN_OR_RETURN(auto st, db.prepare("INSERT INTO import_batches (kind, file, started_at, "
                                         "status) VALUES (?, ?, ?, 'running')"));
    st.bind(1, sum.kind).bind(2, label).bind(3, clock.now().seconds);
    RETURN_IF_ERROR(st.run());
    sum.batch_id = db.last_insert_rowid();
  }

  identity::Merger merger(db);
  loyalty::register_merge_participant(merger);  // balances move with merged members
  identity::Resolver resolver(db, merger, clock);
  // Bulk writes: let the WAL grow during the import and checkpoint once at the end, instead of
  // after every chunk.
  ASSIGN_OR_RETURN(std::int64_t autocheckpoint, db.query_int("PRAGMA wal_autocheckpoint", 1000));
  if (!options.dry_run) RETURN_IF_ERROR(db.exec("PRAGMA wal_autocheckpoint=100000"));
  MergeFlush merge_flush(db, clock);  // merges find the orders before them applied
  merge_flush.attach(resolver);
  ImportContext ctx{db, resolver, clock, zone, options, progress, sum.batch_id, &merge_flush};
  Status st;
  switch (kind) {
    case RecordKind::kOrders:
      st = import_orders(ctx, **source, sum);
      break;
    case RecordKind::kRefunds:
      st = import_refunds(ctx, **source, sum);
      break;
    case RecordKind::kMembers:
      st = import_members(ctx, **source, sum);
      break;
    case RecordKind::kProducts:
      st = import_products(ctx, **source, sum);
      break;
    case RecordKind::kStores:
      st = import_stores(ctx, **source, sum);
      break;
    case RecordKind::kEvents:
      st = import_events(ctx, **source, sum);
      break;
  }
  sum.members_created = resolver.stats().members_created;
  sum.merges = resolver.stats().merges;
  sum.merge_conflicts = resolver.stats().conflicts;
  sum.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (!options.dry_run) {
    RETURN_IF_ERROR(db.exec(fmt::format("PRAGMA wal_autocheckpoint={}", autocheckpoint)));
    // Best effort: a reader holding the database (or a statement of the caller's still open on
    // this connection) only postpones the checkpoint to the next one.
    sqlite3_wal_checkpoint_v2(db.raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    ASSIGN_OR_RETURN(auto up, db.prepare("UPDATE import_batches SET finished_at = ?, status = ?, "
                                         "rows = ?, applied = ?, skipped = ?, "
                                         "rejected = ? WHERE batch_id = ?"));
    up.bind(1, clock.now().seconds)
        .bind(2, !st.ok()        ? "failed"
                 : sum.committed ? "done"
                                 : "rejected")
        .bind(3, sum.rows)
        .bind(4, sum.applied)
        .bind(5, sum.skipped)
        .bind(6, sum.rejected)
        .bind(7, sum.batch_id);
    RETURN_IF_ERROR(up.run());
  }
  RETURN_IF_ERROR(st);
  if (options.skip_bad && !options.rejects_path.empty()) {
    RETURN_IF_ERROR(
        write_rejects(options.rejects_path, (*source)->header(), sum, !jsonl, options.delimiter));
  }
  return sum;
}

Result<ImportSummary> import_file(store::Database& db, RecordKind kind, const std::string& path,
                                  const ImportOptions& options, const Clock& clock,
                                  const ProgressFn& progress) {
  ASSIGN_OR_RETURN(MappedFile file, MappedFile::open(path));
  return import_text(db, kind, file.view(), path, options, clock, progress);
}

}  // namespace recur::ingest
