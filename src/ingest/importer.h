#pragma once
// `recur import KIND FILE`: reads a CSV or JSON Lines file of one record kind, validates every
// row, and applies it to the store.
//
// Guarantees:
//  1. All-or-nothing by default: if any row is bad, nothing is applied and every bad row is
//     reported with its line, column and reason. With skip_bad the good rows are applied and
//     the bad ones written to rejects_path with their reasons.
//  2. Idempotent: re-importing a file applies nothing new (orders by source + order_id, refunds
//     by source + refund_id, events by source + event_id or content, the rest by key).
//  3. Crash-safe: rows are applied in whole-record transactions; a killed import leaves whole
//     records only, and running it again finishes the job.

#include <string>

#include "core/clock.h"
#include "ingest/import_context.h"
#include "ingest/import_types.h"
#include "store/database.h"

namespace recur::ingest {

Result<ImportSummary> import_file(store::Database& db, RecordKind kind, const std::string& path,
                                  const ImportOptions& options, const Clock& clock,
                                  const ProgressFn& progress = {});

// The same, from text already in memory (tests, the HTTP API). `label` names it in errors.
Result<ImportSummary> import_text(store::Database& db, RecordKind kind, std::string_view bytes,
                                  const std::string& label, const ImportOptions& options,
                                  const Clock& clock, const ProgressFn& progress = {});

// "orders.csv:17: column 'amount': …" for one error.
std::string format_row_error(const std::string& file, const RowError& e);

}  // namespace recur::ingest
