#pragma once
// What every record kind's importer needs: the store, the identity resolver, the clock, the
// merchant's time zone, the options, progress reporting and the error list.

#include <functional>
#include <string>

#include "core/clock.h"
#include "core/time.h"
#include "identity/resolver.h"
#include "ingest/import_types.h"
#include "ingest/merge_flush.h"
#include "ingest/record_source.h"
#include "store/database.h"

namespace recur::ingest {

using ProgressFn = std::function<void(double fraction, std::int64_t rows)>;

struct ImportContext {
  store::Database& db;
  identity::Resolver& resolver;
  const Clock& clock;
  const TimeZone& zone;
  const ImportOptions& options;
  const ProgressFn& progress;
  std::int64_t batch_id = 0;
  MergeFlush* merge_flush = nullptr;  // a bulk import's: told of each member order written

  // A bad row: records it with the file's column name for canonical field `field` (-1: none).
  void reject(ImportSummary& sum, const RecordSource& src, const SourceRow& row, int field,
              std::string reason) const {
    sum.errors.push_back(
        RowError{row.line, field >= 0 ? src.column_name(static_cast<std::size_t>(field)) : "",
                 std::move(reason), std::string(row.raw)});
  }
  Result<Instant> parse_time(std::string_view text) const {
    if (options.date_format) return options.date_format->parse(text, zone);
    return parse_timestamp(text, zone);
  }
};

// Each kind reads every row of `src`, validates it, and applies the good ones per the options.
// On return `sum` holds the counts and every bad row. The caller owns batches and rejects files.
Status import_orders(ImportContext& ctx, RecordSource& src, ImportSummary& sum);
Status import_refunds(ImportContext& ctx, RecordSource& src, ImportSummary& sum);
Status import_members(ImportContext& ctx, RecordSource& src, ImportSummary& sum);
Status import_products(ImportContext& ctx, RecordSource& src, ImportSummary& sum);
Status import_stores(ImportContext& ctx, RecordSource& src, ImportSummary& sum);
Status import_events(ImportContext& ctx, RecordSource& src, ImportSummary& sum);

// The canonical fields of each kind, in order.
std::span<const FieldSpec> fields_of(RecordKind kind);

}  // namespace recur::ingest

namespace recur::ingest {

// Runs apply(i) for i in [0, n) in transactions of options.chunk_orders records, reporting
// progress from `from` to 1. apply returns a Status; a failure rolls back the current chunk.
template <typename Fn>
Status apply_in_chunks(ImportContext& ctx, std::size_t n, double from, std::int64_t rows,
                       Fn&& apply) {
  const std::size_t chunk = std::max<std::size_t>(1, ctx.options.chunk_orders);
  for (std::size_t start = 0; start < n; start += chunk) {
    std::size_t end = std::min(n, start + chunk);
    ASSIGN_OR_RETURN(auto tx, store::Transaction::begin(ctx.db));
    RETURN_IF_ERROR(ctx.resolver.begin_batch());
    for (std::size_t i = start; i < end; ++i) RETURN_IF_ERROR(apply(i));
    RETURN_IF_ERROR(tx->commit());
    if (ctx.progress)
      ctx.progress(from + (1 - from) * static_cast<double>(end) / static_cast<double>(n), rows);
  }
  return Status();
}

}  // namespace recur::ingest
