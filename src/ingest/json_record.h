#pragma once
// One JSON object — a line of JSON Lines — read into rows of canonical fields: each field from
// its key (or the one --map names; strings unescaped, numbers and booleans as written, null as
// absent), constants from --set, and a nested "lines" array as one row per element, the
// object's own keys filling what an element lacks. `recur import` (JSON Lines) and `recur order
// stream` read JSON through it, so a record means the same either way.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/field_plan.h"
#include "ingest/record_source.h"

namespace recur::ingest {

class JsonRecordReader {
 public:
  JsonRecordReader();
  ~JsonRecordReader();
  JsonRecordReader(const JsonRecordReader&) = delete;
  JsonRecordReader& operator=(const JsonRecordReader&) = delete;

  // Parses `line` (UTF-8, validated). False when it is not valid JSON or not an object, with
  // the reason in `why`.
  bool parse(std::string_view line, std::string& why);
  // Whether the parsed object has `key` at its top level.
  bool has(std::string_view key) const;
  // Appends the parsed object's rows for `plan`'s fields to `out`, in order, each with `line_no`
  // and `raw` = `line`. A row that cannot be read has `malformed` set. The views point into
  // `line` and into this reader, valid until clear().
  void rows(const FieldPlan& plan, std::string_view line, std::uint32_t line_no,
            std::vector<SourceRow>& out);
  // Forgets the strings of every row read so far: for callers that hold one record at a time.
  void clear();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace recur::ingest
