#include "segment/profile_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "segment/lexer.h"
#include "segment/row_bitmap.h"
#include "segment/string_dictionary.h"

namespace recur::segment {

std::string_view column_type_name(ColumnType type) {
  switch (type) {
    case ColumnType::kInt64:
      return "int64";
    case ColumnType::kDouble:
      return "double";
    case ColumnType::kBool:
      return "bool";
    case ColumnType::kDate:
      return "date";
    case ColumnType::kString:
      return "string";
    case ColumnType::kStringSet:
      return "string set";
  }
  return "unknown";
}

std::optional<std::uint32_t> Column::find_code(std::string_view value) const {
  for (std::size_t i = 0; i < dictionary_.size(); ++i) {
    if (dictionary_[i] == value) return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

const Column* ProfileTable::find(std::string_view name) const {
  for (const Column& c : columns_) {
    if (c.name() == name) return &c;
  }
  return nullptr;
}

namespace {

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9');
}

// identifier ('.' identifier)*
bool valid_field_name(std::string_view name) {
  bool at_start = true;
  for (char c : name) {
    if (at_start) {
      if (!is_ident_start(c)) return false;
      at_start = false;
    } else if (c == '.') {
      at_start = true;
    } else if (!is_ident_char(c)) {
      return false;
    }
  }
  return !at_start;
}

void set_bit(std::vector<std::uint64_t>& bits, std::size_t i) {
  bits[i / kRowsPerWord] |= std::uint64_t{1} << (i % kRowsPerWord);
}

}  // namespace

ProfileTableBuilder::ProfileTableBuilder(std::vector<MemberId> member_ids)
    : member_ids_(std::move(member_ids)) {
  if (member_ids_.size() >= kNullCode) {
    error_ = invalid_argument(fmt::format("a profile table holds at most {} rows, not {}",
                                          kNullCode - 1, member_ids_.size()));
  }
}

bool ProfileTableBuilder::admit(const ColumnInfo& info, ColumnType type, std::size_t values,
                                std::size_t nulls) {
  if (!error_.ok()) return false;
  const std::string& name = info.name;
  if (!valid_field_name(name)) {
    error_ = invalid_argument(fmt::format(
        "column name '{}' is not a field name (letters, digits and _, parts joined by dots)",
        name));
  } else if (is_keyword(name)) {
    error_ = invalid_argument(
        fmt::format("column name '{}' is a keyword of the segment language", name));
  } else if (std::any_of(columns_.begin(), columns_.end(),
                         [&](const Column& c) { return c.name() == name; })) {
    error_ = invalid_argument(fmt::format("column '{}' is added twice", name));
  } else if (values != rows()) {
    error_ = invalid_argument(
        fmt::format("column '{}' has {} values for {} rows", name, values, rows()));
  } else if (nulls != 0 && nulls != rows()) {
    error_ = invalid_argument(
        fmt::format("column '{}' has {} null flags for {} rows", name, nulls, rows()));
  } else if (info.unit == kFenUnit && type != ColumnType::kInt64) {
    error_ =
        invalid_argument(fmt::format("column '{}' is a {} column; unit 'fen' (money) needs int64",
                                     name, column_type_name(type)));
  }
  return error_.ok();
}

bool ProfileTableBuilder::check_dictionary(const ColumnInfo& info,
                                           const std::vector<std::string>& dictionary) {
  std::unordered_set<std::string_view> seen;
  for (const std::string& v : dictionary) {
    if (!seen.insert(v).second) {
      error_ = invalid_argument(
          fmt::format("column '{}' has '{}' twice in its dictionary", info.name, v));
      return false;
    }
  }
  if (dictionary.size() >= kNullCode) {
    error_ = invalid_argument(fmt::format("column '{}' has too many distinct values", info.name));
    return false;
  }
  return true;
}

std::vector<std::uint64_t> ProfileTableBuilder::pack_validity(
    std::span<const std::uint8_t> nulls) const {
  if (std::none_of(nulls.begin(), nulls.end(), [](std::uint8_t f) { return f != 0; })) return {};
  std::vector<std::uint64_t> valid(words_for_rows(rows()), 0);
  for (std::size_t i = 0; i < rows(); ++i) {
    if (nulls[i] == 0) set_bit(valid, i);
  }
  return valid;
}

Column& ProfileTableBuilder::push(ColumnInfo info, ColumnType type) {
  Column& col = columns_.emplace_back();
  col.info_ = std::move(info);
  col.type_ = type;
  col.rows_ = rows();
  return col;
}

ProfileTableBuilder& ProfileTableBuilder::add_int64(ColumnInfo info,
                                                    std::vector<std::int64_t> values,
                                                    std::span<const std::uint8_t> nulls) {
  if (!admit(info, ColumnType::kInt64, values.size(), nulls.size())) return *this;
  Column& col = push(std::move(info), ColumnType::kInt64);
  for (std::size_t i = 0; i < nulls.size(); ++i) {
    if (nulls[i] != 0) values[i] = 0;
  }
  col.int64s_ = std::move(values);
  col.validity_ = pack_validity(nulls);
  return *this;
}

ProfileTableBuilder& ProfileTableBuilder::add_double(ColumnInfo info, std::vector<double> values,
                                                     std::span<const std::uint8_t> nulls) {
  if (!admit(info, ColumnType::kDouble, values.size(), nulls.size())) return *this;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!nulls.empty() && nulls[i] != 0) {
      values[i] = 0.0;
    } else if (std::isnan(values[i])) {
      error_ = invalid_argument(
          fmt::format("column '{}' is NaN at row {}; store a null instead", info.name, i));
      return *this;
    }
  }
  Column& col = push(std::move(info), ColumnType::kDouble);
  col.doubles_ = std::move(values);
  col.validity_ = pack_validity(nulls);
  return *this;
}

ProfileTableBuilder& ProfileTableBuilder::add_bool(ColumnInfo info,
                                                   std::span<const std::uint8_t> values,
                                                   std::span<const std::uint8_t> nulls) {
  if (!admit(info, ColumnType::kBool, values.size(), nulls.size())) return *this;
  Column& col = push(std::move(info), ColumnType::kBool);
  col.bool_bits_.assign(words_for_rows(rows()), 0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] != 0 && (nulls.empty() || nulls[i] == 0)) set_bit(col.bool_bits_, i);
  }
  col.validity_ = pack_validity(nulls);
  return *this;
}

ProfileTableBuilder& ProfileTableBuilder::add_date(ColumnInfo info, std::span<const Date> values,
                                                   std::span<const std::uint8_t> nulls) {
  if (!admit(info, ColumnType::kDate, values.size(), nulls.size())) return *this;
  Column& col = push(std::move(info), ColumnType::kDate);
  col.days_.resize(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    col.days_[i] = (!nulls.empty() && nulls[i] != 0) ? 0 : values[i].days;
  }
  col.validity_ = pack_validity(nulls);
  return *this;
}

ProfileTableBuilder& ProfileTableBuilder::add_string(
    ColumnInfo info, std::span<const std::optional<std::string>> values) {
  if (!admit(info, ColumnType::kString, values.size(), 0)) return *this;
  StringDictionary dictionary;
  std::vector<std::uint32_t> codes(values.size(), kNullCode);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i]) codes[i] = dictionary.intern(*values[i]);
  }
  return add_string_codes(std::move(info), std::move(dictionary).take_values(), std::move(codes));
}

ProfileTableBuilder& ProfileTableBuilder::add_string_codes(ColumnInfo info,
                                                           std::vector<std::string> dictionary,
                                                           std::vector<std::uint32_t> codes) {
  if (!admit(info, ColumnType::kString, codes.size(), 0)) return *this;
  if (!check_dictionary(info, dictionary)) return *this;
  std::vector<std::uint8_t> nulls(codes.size(), 0);
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (codes[i] == kNullCode) {
      nulls[i] = 1;
    } else if (codes[i] >= dictionary.size()) {
      error_ =
          invalid_argument(fmt::format("column '{}' has code {} at row {}, beyond its {} values",
                                       info.name, codes[i], i, dictionary.size()));
      return *this;
    }
  }
  Column& col = push(std::move(info), ColumnType::kString);
  col.dictionary_ = std::move(dictionary);
  col.codes_ = std::move(codes);
  col.validity_ = pack_validity(nulls);
  return *this;
}

ProfileTableBuilder& ProfileTableBuilder::add_string_set(
    ColumnInfo info, std::span<const std::optional<std::vector<std::string>>> values) {
  if (!admit(info, ColumnType::kStringSet, values.size(), 0)) return *this;
  StringDictionary dictionary;
  std::vector<std::uint32_t> offsets{0};
  std::vector<std::uint32_t> codes;
  std::vector<std::uint8_t> nulls(values.size(), 0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!values[i]) {
      nulls[i] = 1;
    } else {
      const std::size_t row_begin = codes.size();
      for (const std::string& v : *values[i]) {
        const std::uint32_t code = dictionary.intern(v);
        if (std::find(codes.begin() + static_cast<std::ptrdiff_t>(row_begin), codes.end(), code) ==
            codes.end()) {
          codes.push_back(code);
        }
      }
    }
    if (codes.size() >= kNullCode) {
      error_ = invalid_argument(fmt::format("column '{}' has too many elements", info.name));
      return *this;
    }
    offsets.push_back(static_cast<std::uint32_t>(codes.size()));
  }
  return add_string_set_codes(std::move(info), std::move(dictionary).take_values(),
                              std::move(offsets), std::move(codes), nulls);
}

ProfileTableBuilder& ProfileTableBuilder::add_string_set_codes(
    ColumnInfo info, std::vector<std::string> dictionary, std::vector<std::uint32_t> offsets,
    std::vector<std::uint32_t> codes, std::span<const std::uint8_t> nulls) {
  if (offsets.empty()) {
    if (error_.ok()) {
      error_ = invalid_argument(fmt::format(
          "column '{}' needs {} offsets, one per row and a last one", info.name, rows() + 1));
    }
    return *this;
  }
  if (!admit(info, ColumnType::kStringSet, offsets.size() - 1, nulls.size())) return *this;
  if (!check_dictionary(info, dictionary)) return *this;
  if (offsets.front() != 0 || offsets.back() != codes.size() ||
      !std::is_sorted(offsets.begin(), offsets.end())) {
    error_ = invalid_argument(
        fmt::format("column '{}' has offsets that do not run from 0 up to its {} codes", info.name,
                    codes.size()));
    return *this;
  }
  for (std::size_t k = 0; k < codes.size(); ++k) {
    if (codes[k] >= dictionary.size()) {
      error_ = invalid_argument(fmt::format("column '{}' has code {} beyond its {} values",
                                            info.name, codes[k], dictionary.size()));
      return *this;
    }
  }
  Column& col = push(std::move(info), ColumnType::kStringSet);
  col.dictionary_ = std::move(dictionary);
  col.offsets_ = std::move(offsets);
  col.codes_ = std::move(codes);
  col.validity_ = pack_validity(nulls);
  return *this;
}

Result<ProfileTable> ProfileTableBuilder::finish() && {
  if (!error_.ok()) return error_;
  ProfileTable table;
  table.member_ids_ = std::move(member_ids_);
  table.columns_ = std::move(columns_);
  return table;
}

}  // namespace recur::segment
