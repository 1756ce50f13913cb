#include "ingest/csv_reader.h"

#include <cstring>

namespace recur::ingest {

bool CsvReader::next() {
  fields_.clear();
  malformed_.clear();
  const char* base = data_.data();
  const std::size_t n = data_.size();
  // Skip blank lines.
  while (pos_ < n && (base[pos_] == '\n' || base[pos_] == '\r')) {
    if (base[pos_] == '\n') ++next_line_;
    ++pos_;
  }
  if (pos_ >= n) return false;
  line_ = next_line_;
  const std::size_t start = pos_;
  std::size_t i = pos_;
  if (delim_ == ' ') return next_whitespace_separated();
  while (true) {
    if (i < n && base[i] == '"') {
      // Quoted field.
      std::size_t j = i + 1;
      bool escaped = false;
      while (true) {
        const void* q = std::memchr(base + j, '"', n - j);
        if (!q) {
          malformed_ = "unterminated quoted field";
          for (std::size_t k = i; k < n; ++k)
            if (base[k] == '\n') ++next_line_;
          fields_.emplace_back(base + i + 1, n - i - 1);
          raw_ = std::string_view(base + start, n - start);
          pos_ = n;
          return true;
        }
        std::size_t qpos = static_cast<std::size_t>(static_cast<const char*>(q) - base);
        if (qpos + 1 < n && base[qpos + 1] == '"') {
          escaped = true;
          j = qpos + 2;
          continue;
        }
        for (std::size_t k = i + 1; k < qpos; ++k)
          if (base[k] == '\n') ++next_line_;
        std::string_view inner(base + i + 1, qpos - i - 1);
        if (escaped) {
          scratch_.clear();
          for (std::size_t k = 0; k < inner.size(); ++k) {
            scratch_.push_back(inner[k]);
            if (inner[k] == '"') ++k;  // "" -> "
          }
          fields_.push_back(arena_.store(scratch_));
        } else {
          fields_.push_back(inner);
        }
        i = qpos + 1;
        if (i < n && base[i] != delim_ && base[i] != '\n' && base[i] != '\r') {
          if (malformed_.empty()) malformed_ = "text after a closing quote";
          while (i < n && base[i] != delim_ && base[i] != '\n') ++i;
        }
        break;
      }
    } else {
      std::size_t j = i;
      while (j < n && base[j] != delim_ && base[j] != '\n') ++j;
      std::size_t end = j;
      if (end > i && base[end - 1] == '\r' && (j >= n || base[j] == '\n')) --end;
      fields_.emplace_back(base + i, end - i);
      i = j;
    }
    if (i < n && base[i] == delim_) {
      ++i;
      if (i >= n || base[i] == '\n' || (base[i] == '\r' && i + 1 < n && base[i + 1] == '\n')) {
        fields_.emplace_back();  // trailing empty field
      } else {
        continue;
      }
    }
    // End of record.
    std::size_t end = i;
    if (i < n && base[i] == '\r') ++i;
    if (i < n && base[i] == '\n') ++i;
    while (end > start && (base[end - 1] == '\r')) --end;
    raw_ = std::string_view(base + start, end - start);
    ++next_line_;
    pos_ = i;
    return true;
  }
}

bool CsvReader::next_whitespace_separated() {
  const char* base = data_.data();
  const std::size_t n = data_.size();
  std::size_t end = pos_;
  while (end < n && base[end] != '\n') ++end;
  std::size_t i = pos_;
  while (true) {
    while (i < end && (base[i] == ' ' || base[i] == '\t' || base[i] == '\r')) ++i;
    if (i >= end) break;
    std::size_t j = i;
    while (j < end && base[j] != ' ' && base[j] != '\t' && base[j] != '\r') ++j;
    fields_.emplace_back(base + i, j - i);
    i = j;
  }
  std::size_t raw_end = end;
  while (raw_end > pos_ && base[raw_end - 1] == '\r') --raw_end;
  raw_ = std::string_view(base + pos_, raw_end - pos_);
  ++next_line_;
  pos_ = end < n ? end + 1 : n;
  if (fields_.empty()) return next();  // a line of blanks
  return true;
}

}  // namespace recur::ingest
