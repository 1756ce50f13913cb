#include "ingest/record_source.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "ingest/csv_reader.h"

namespace recur::ingest {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status check_known(std::span<const FieldSpec> fields,
                   const std::vector<std::pair<std::string, std::string>>& pairs,
                   std::string_view flag) {
  for (const auto& [field, _] : pairs) {
    bool known = std::any_of(fields.begin(), fields.end(),
                             [&](const FieldSpec& f) { return f.name == field; });
    if (!known) {
      std::string names;
      for (const auto& f : fields) names += (names.empty() ? "" : ", ") + std::string(f.name);
      return invalid_argument(
          fmt::format("{} names unknown field '{}'; the fields are: {}", flag, field, names));
    }
  }
  return Status();
}

// Where each canonical field comes from: the file's column/key, or a constant.
struct Plan {
  std::vector<std::string> source_names;  // the file's name per field (may be empty)
  std::vector<std::string> constants;     // constant per field when set
  std::vector<bool> has_constant;
};

Result<Plan> make_plan(std::span<const FieldSpec> fields, const ImportOptions& o) {
  RETURN_IF_ERROR(check_known(fields, o.column_map, "--map"));
  RETURN_IF_ERROR(check_known(fields, o.constants, "--set"));
  Plan p;
  p.source_names.resize(fields.size());
  p.constants.resize(fields.size());
  p.has_constant.assign(fields.size(), false);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    p.source_names[i] = std::string(fields[i].name);
    for (const auto& [f, col] : o.column_map)
      if (f == fields[i].name) p.source_names[i] = col;
    for (const auto& [f, val] : o.constants)
      if (f == fields[i].name) {
        p.constants[i] = val;
        p.has_constant[i] = true;
      }
  }
  return p;
}

// `--map order_id=@line` takes a field from the row's line number (files without ids).
constexpr std::string_view kLinePseudoColumn = "@line";
constexpr int kLineIndex = -2;

class CsvSource final : public RecordSource {
 public:
  CsvSource(std::string_view text, char delim) : reader_(text, delim, arena_) {}

  Status init(std::span<const FieldSpec> fields, const ImportOptions& o) {
    ASSIGN_OR_RETURN(plan_, make_plan(fields, o));
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
  Plan plan_;
  std::vector<int> index_;
  std::size_t columns_ = 0;
};

class JsonlSource final : public RecordSource {
 public:
  explicit JsonlSource(std::string_view text) : text_(text) {}

  Status init(std::span<const FieldSpec> fields, const ImportOptions& o) {
    ASSIGN_OR_RETURN(plan_, make_plan(fields, o));
    column_names_ = plan_.source_names;
    return Status();
  }

  bool next(SourceRow& row) override {
    while (true) {
      if (!pending_.empty()) {
        row = std::move(pending_.back());
        pending_.pop_back();
        return true;
      }
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
  // Reads one JSON value as text: strings unescaped, numbers and booleans as written.
  static bool value_text(simdjson::dom::element v, StringArena& arena, std::string_view& out) {
    switch (v.type()) {
      case simdjson::dom::element_type::STRING:
        out = arena.store(std::string_view(v.get_string().value()));
        return true;
      case simdjson::dom::element_type::INT64:
        out = arena.store(std::to_string(v.get_int64().value()));
        return true;
      case simdjson::dom::element_type::UINT64:
        out = arena.store(std::to_string(v.get_uint64().value()));
        return true;
      case simdjson::dom::element_type::DOUBLE:
        out = arena.store(simdjson::minify(v));
        return true;
      case simdjson::dom::element_type::BOOL:
        out = v.get_bool().value() ? "true" : "false";
        return true;
      case simdjson::dom::element_type::NULL_VALUE:
        out = {};
        return true;
      default:
        return false;
    }
  }

  void fill(SourceRow& row, simdjson::dom::object obj, bool overwrite) {
    for (std::size_t i = 0; i < plan_.source_names.size(); ++i) {
      if (plan_.has_constant[i]) {
        row.values[i] = plan_.constants[i];
        continue;
      }
      if (!overwrite && !row.values[i].empty()) continue;
      auto v = obj[plan_.source_names[i]];
      if (v.error()) continue;
      std::string_view text;
      if (!value_text(v.value(), arena_, text)) {
        if (row.malformed.empty())
          row.malformed =
              fmt::format("key '{}' must be a string or a number", plan_.source_names[i]);
        continue;
      }
      row.values[i] = text;
    }
  }

  void parse_line(std::string_view line) {
    SourceRow base;
    base.line = line_no_;
    base.raw = line;
    base.values.assign(plan_.source_names.size(), {});
    simdjson::dom::element doc;
    auto err = parser_.parse(line.data(), line.size()).get(doc);
    if (err || doc.type() != simdjson::dom::element_type::OBJECT) {
      base.malformed = err ? fmt::format("not valid JSON ({})", simdjson::error_message(err))
                           : "not a JSON object";
      pending_.push_back(std::move(base));
      return;
    }
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) return;
    fill(base, obj, true);
    auto lines = obj["lines"];
    if (!lines.error() && lines.value().type() == simdjson::dom::element_type::ARRAY) {
      std::vector<SourceRow> rows;
      simdjson::dom::array items;
      if (lines.get_array().get(items)) items = {};
      for (simdjson::dom::element item : items) {
        SourceRow r = base;
        if (item.type() != simdjson::dom::element_type::OBJECT) {
          r.malformed = "each element of \"lines\" must be an object";
        } else {
          simdjson::dom::object line_obj;
          if (!item.get_object().get(line_obj)) fill(r, line_obj, true);
          // order-level keys come from the parent when the line lacks them
          for (std::size_t i = 0; i < r.values.size(); ++i)
            if (r.values[i].empty()) r.values[i] = base.values[i];
        }
        rows.push_back(std::move(r));
      }
      if (rows.empty()) {
        base.malformed = "\"lines\" is empty";
        rows.push_back(std::move(base));
      }
      // pending_ is popped from the back: store in reverse to keep file order
      for (auto it = rows.rbegin(); it != rows.rend(); ++it) pending_.push_back(std::move(*it));
      return;
    }
    pending_.push_back(std::move(base));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint32_t line_no_ = 0;
  Plan plan_;
  StringArena arena_;
  simdjson::dom::parser parser_;
  std::vector<SourceRow> pending_;
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
