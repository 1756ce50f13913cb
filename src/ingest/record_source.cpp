#include "ingest/record_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "ingest/csv_reader.h"
#include "ingest/field_plan.h"
#include "ingest/json_record.h"

namespace recur::ingest {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `--map order_id=@line` takes a field from the row's line number (files without ids).
constexpr std::string_view kLinePseudoColumn = "@line";
constexpr int kLineIndex = -2;

class CsvSource final : public RecordSource {
 public:
  CsvSource(std::string_view text, char delim) : reader_(text, delim, arena_) {}

  Status init(std::span<const FieldSpec> fields, const ImportOptions& o) {
    ASSIGN_OR_RETURN(plan_, make_field_plan(fields, o));
    std::vector<std::string_view> given(o.header_names.begin(), o.header_names.end());
    if (given.empty()) {
      if (!reader_.next())
        return invalid_argument("line 1: the file is empty; a header row is expected");
      header_ = reader_.raw();
    }
    const std::vector<std::string_view>& header = given.empty() ? reader_.fields() : given;
    index_.assign(fields.size(), -1);
    column_names_.resize(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
      column_names_[i] = plan_.source_names[i];
      if (plan_.has_constant[i]) continue;
      if (plan_.source_names[i] == kLinePseudoColumn) {
        index_[i] = kLineIndex;
        continue;
      }
      for (std::size_t c = 0; c < header.size(); ++c) {
        if (trim(header[c]) == plan_.source_names[i]) {
          index_[i] = static_cast<int>(c);
          break;
        }
      }
      if (index_[i] >= 0) continue;
      bool mapped = plan_.source_names[i] != fields[i].name;
      if (mapped || fields[i].required) {
        std::string cols;
        for (auto h : header) cols += (cols.empty() ? "" : ", ") + std::string(trim(h));
        return invalid_argument(fmt::format(
            "line 1: {} column '{}' for field '{}' is not in the header ({}){}",
            mapped ? "mapped" : "required", plan_.source_names[i], fields[i].name, cols,
            mapped ? "" : "; map it with --map " + std::string(fields[i].name) + "=COLUMN"));
      }
    }
    columns_ = header.size();
    return Status();
  }

  bool next(SourceRow& row) override {
    if (!reader_.next()) return false;
    row.line = reader_.line();
    row.raw = reader_.raw();
    row.malformed = reader_.malformed();
    const auto& f = reader_.fields();
    if (row.malformed.empty() && f.size() != columns_) {
      row.malformed = fmt::format("has {} fields; the header has {}", f.size(), columns_);
    }
    row.values.resize(index_.size());
    for (std::size_t i = 0; i < index_.size(); ++i) {
      if (plan_.has_constant[i])
        row.values[i] = plan_.constants[i];
      else if (index_[i] == kLineIndex)
        row.values[i] = line_text(row.line);
      else if (index_[i] >= 0 && static_cast<std::size_t>(index_[i]) < f.size())
        row.values[i] = trim(f[index_[i]]);
      else
        row.values[i] = {};
    }
    return true;
  }

  std::string_view line_text(std::uint32_t line) {
    char buf[16];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, line);
    (void)ec;
    return arena_.store(std::string_view(buf, static_cast<std::size_t>(end - buf)));
  }

  double progress() const override {
    return reader_.size()
               ? static_cast<double>(reader_.offset()) / static_cast<double>(reader_.size())
               : 1.0;
  }

 private:
  StringArena arena_;
  CsvReader reader_;
  FieldPlan plan_;
  std::vector<int> index_;
  std::size_t columns_ = 0;
};

class JsonlSource final : public RecordSource {
 public:
  explicit JsonlSource(std::string_view text) : text_(text) {}

  Status init(std::span<const FieldSpec> fields, const ImportOptions& o) {
    ASSIGN_OR_RETURN(plan_, make_field_plan(fields, o));
    column_names_ = plan_.source_names;
    return Status();
  }

  bool next(SourceRow& row) override {
    while (true) {
      if (next_row_ < pending_.size()) {
        row = std::move(pending_[next_row_++]);
        return true;
      }
      pending_.clear();
      next_row_ = 0;
      if (pos_ >= text_.size()) return false;
      std::size_t end = text_.find('\n', pos_);
      if (end == std::string_view::npos) end = text_.size();
      std::string_view line = text_.substr(pos_, end - pos_);
      pos_ = end + 1;
      ++line_no_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (trim(line).empty()) continue;
      parse_line(line);
    }
  }

  double progress() const override {
    return text_.empty()
               ? 1.0
               : std::min(1.0, static_cast<double>(pos_) / static_cast<double>(text_.size()));
  }

 private:
  void parse_line(std::string_view line) {
    std::string why;
    if (reader_.parse(line, why)) {
      reader_.rows(plan_, line, line_no_, pending_);
      return;
    }
    SourceRow bad;
    bad.line = line_no_;
    bad.raw = line;
    bad.values.assign(plan_.source_names.size(), {});
    bad.malformed = std::move(why);
    pending_.push_back(std::move(bad));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint32_t line_no_ = 0;
  FieldPlan plan_;
  JsonRecordReader reader_;  // its strings live as long as the source: rows are kept
  std::vector<SourceRow> pending_;
  std::size_t next_row_ = 0;
};

}  // namespace

Result<std::unique_ptr<RecordSource>> open_csv_source(std::string_view text,
                                                      std::span<const FieldSpec> fields,
                                                      const ImportOptions& options) {
  auto src = std::make_unique<CsvSource>(text, options.delimiter);
  RETURN_IF_ERROR(src->init(fields, options));
  return std::unique_ptr<RecordSource>(std::move(src));
}

Result<std::unique_ptr<RecordSource>> open_jsonl_source(std::string_view text,
                                                        std::span<const FieldSpec> fields,
                                                        const ImportOptions& options) {
  auto src = std::make_unique<JsonlSource>(text);
  RETURN_IF_ERROR(src->init(fields, options));
  return std::unique_ptr<RecordSource>(std::move(src));
}

}  // namespace recur::ingest
