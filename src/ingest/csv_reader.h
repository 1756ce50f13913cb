#pragma once
// A fast RFC 4180 reader over an in-memory UTF-8 buffer. Fields are views into the buffer;
// fields that needed unescaping ("" inside quotes) are copied into the arena, so every view
// stays valid while the buffer and the arena live. Quoted fields may span lines.
//
// A delimiter of ' ' reads whitespace-separated columns instead (runs of spaces and tabs
// separate fields; no quoting), as in fixed-width exports such as the CDNOW data.
//
// A record that breaks the format (text after a closing quote, an unterminated quote) is still
// returned, with malformed() giving the reason, so the caller can reject just that row.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/string_arena.h"

namespace recur::ingest {

class CsvReader {
 public:
  CsvReader(std::string_view data, char delimiter, StringArena& arena)
      : data_(data), delim_(delimiter), arena_(arena) {}

  // Reads the next record, skipping blank lines. False at the end of the input.
  bool next();
  const std::vector<std::string_view>& fields() const { return fields_; }
  std::uint32_t line() const { return line_; }   // 1-based line the record starts on
  std::string_view raw() const { return raw_; }  // the record's bytes, without the newline
  const std::string& malformed() const { return malformed_; }
  std::size_t offset() const { return pos_; }
  std::size_t size() const { return data_.size(); }

 private:
  bool next_whitespace_separated();
  std::string_view data_;
  char delim_;
  StringArena& arena_;
  std::size_t pos_ = 0;
  std::uint32_t next_line_ = 1;
  std::uint32_t line_ = 0;
  std::vector<std::string_view> fields_;
  std::string_view raw_;
  std::string malformed_;
  std::string scratch_;
};

}  // namespace recur::ingest
