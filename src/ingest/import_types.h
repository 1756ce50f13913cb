#pragma once
// What an import is asked to do and what it reports.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ingest/date_format.h"
#include "ingest/encoding.h"

namespace recur::ingest {

enum class RecordKind { kOrders, kRefunds, kMembers, kProducts, kStores, kEvents };
enum class FileFormat { kAuto, kCsv, kJsonl };

Result<RecordKind> parse_record_kind(std::string_view name);
std::string_view record_kind_name(RecordKind kind);

struct ImportOptions {
  FileFormat format = FileFormat::kAuto;  // by extension: .jsonl/.ndjson/.json -> JSON Lines
  Encoding encoding = Encoding::kUtf8;
  char delimiter = ',';
  // canonical field -> the file's column (CSV header) or key (JSON Lines)
  std::vector<std::pair<std::string, std::string>> column_map;
  // canonical field -> a constant for every row (e.g. source=youzan)
  std::vector<std::pair<std::string, std::string>> constants;
  std::vector<std::string> header_names;  // the file has no header row: these are its columns
  std::string member_kind;                // kind of a bare value in the member column
  std::optional<DateFormat> date_format;  // layout of timestamps; default ISO 8601
  bool skip_bad = false;                  // apply good rows, report bad ones
  bool dry_run = false;                   // read and validate only; apply nothing
  std::string rejects_path;               // with skip_bad: where bad rows go, with reasons
  std::size_t chunk_orders = 100000;      // records per transaction
  std::string time_zone;                  // overrides the merchant setting when set
};

// One bad row: where and why.
struct RowError {
  std::uint32_t line = 0;
  std::string column;  // the file's column name, or empty when the row as a whole is bad
  std::string reason;
  std::string raw;  // the row as written, for the rejects file
};

struct ImportSummary {
  std::string kind;
  std::string file;
  std::int64_t rows = 0;             // data rows read (order lines for orders)
  std::int64_t applied = 0;          // rows written now
  std::int64_t skipped = 0;          // rows already there (idempotent re-import)
  std::int64_t rejected = 0;         // bad rows
  std::int64_t records_applied = 0;  // orders / refunds / members … written now
  std::int64_t members_created = 0;
  std::int64_t merges = 0;
  std::int64_t merge_conflicts = 0;
  std::int64_t batch_id = 0;
  double elapsed_s = 0;
  bool committed = false;        // false when all-or-nothing found bad rows and applied nothing
  std::vector<RowError> errors;  // every bad row (the CLI prints the first ones)
};

}  // namespace recur::ingest
