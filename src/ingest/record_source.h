#pragma once
// Turns a CSV or JSON Lines file into rows of canonical fields, so validation code never sees
// the file's own column names. Column mapping (--map), constants (--set) and JSON Lines with
// nested "lines" arrays are handled here.

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ingest/import_types.h"
#include "ingest/string_arena.h"

namespace recur::ingest {

struct FieldSpec {
  std::string_view name;
  bool required;
};

// One input row in canonical field order. Views stay valid while the source lives.
struct SourceRow {
  std::uint32_t line = 0;
  std::string_view raw;                  // the row as written (CSV) or the JSON object
  std::vector<std::string_view> values;  // by canonical field index; empty when absent
  std::string malformed;                 // set when the row itself could not be read
};

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // Fills `row` with the next data row; false at the end.
  virtual bool next(SourceRow& row) = 0;
  // Fraction of the input consumed, for progress bars.
  virtual double progress() const = 0;
  // The file's name for canonical field i (the mapped column or JSON key), for error messages.
  const std::string& column_name(std::size_t field) const { return column_names_[field]; }
  // The CSV header line as written (empty for JSON Lines), for the rejects file.
  std::string_view header() const { return header_; }

 protected:
  std::vector<std::string> column_names_;
  std::string_view header_;
};

// `text` is UTF-8 and must outlive the source. Errors: a required field with no column, a
// mapping to a column the header lacks, a mapping of an unknown field.
Result<std::unique_ptr<RecordSource>> open_csv_source(std::string_view text,
                                                      std::span<const FieldSpec> fields,
                                                      const ImportOptions& options);
Result<std::unique_ptr<RecordSource>> open_jsonl_source(std::string_view text,
                                                        std::span<const FieldSpec> fields,
                                                        const ImportOptions& options);

}  // namespace recur::ingest
