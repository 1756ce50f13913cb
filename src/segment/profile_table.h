#pragma once
// ProfileTable: the member profiles that segments are evaluated over, stored by column.
// Row i is the member with dense index i; member_ids()[i] is that member's id. Every column has
// exactly rows() values, any of which may be null (unknown).
//
// Column types and their storage:
//   kInt64      int64 per row. With unit "fen" the column is money: the segment language writes
//               yuan and converts exactly (clv_12m >= 500 means >= 50000 fen).
//   kDouble     double per row (never NaN; use null for "unknown").
//   kBool       one bit per row.
//   kDate       days since 1970-01-01 (int32) per row, a business date in the merchant's zone.
//   kString     dictionary-encoded: dictionary() holds each distinct value once and codes()[i]
//               is row i's index into it, or kNullCode.
//   kStringSet  a small set of dictionary codes per row in CSR form: row i's elements are
//               codes()[offsets()[i] .. offsets()[i+1]); e.g. top_categories, tags, segments.
//               A null row (unknown) differs from an empty set (known to have none).
//
// Names are identifiers with optional dots ("clv_12m", "consent.sms"), are unique, and are not
// keywords of the segment language. A ProfileTable is immutable once built and safe to read from
// many threads. It knows nothing of SQLite: a loader fills it through ProfileTableBuilder.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/status.h"
#include "core/time.h"

namespace recur::segment {

enum class ColumnType : std::uint8_t { kInt64, kDouble, kBool, kDate, kString, kStringSet };

// "int64", "double", "bool", "date", "string", "string set".
std::string_view column_type_name(ColumnType type);

// The code of a null row in a kString column.
inline constexpr std::uint32_t kNullCode = std::numeric_limits<std::uint32_t>::max();

// The unit that makes an int64 column money in fen.
inline constexpr std::string_view kFenUnit = "fen";

struct ColumnInfo {
  std::string name;  // "clv_12m", "consent.sms"
  std::string unit;  // "" or e.g. "fen" (money), "days", "points"; only "fen" changes parsing
  std::string description;  // one line for operators: "predicted value of the next 12 months"
};

class Column {
 public:
  const ColumnInfo& info() const { return info_; }
  const std::string& name() const { return info_.name; }
  ColumnType type() const { return type_; }
  // An int64 column in fen, written in yuan in the language.
  bool is_money() const { return type_ == ColumnType::kInt64 && info_.unit == kFenUnit; }
  std::size_t rows() const { return rows_; }

  // Validity bitmap: bit i (word i / 64, bit i % 64) is set when row i has a value. Empty when
  // the column has no nulls. Bits past rows() are zero.
  std::span<const std::uint64_t> validity() const { return validity_; }
  bool has_nulls() const { return !validity_.empty(); }
  bool is_null(std::size_t row) const {
    return has_nulls() && ((validity_[row / 64] >> (row % 64)) & 1U) == 0;
  }

  // The storage of the column's type; the others are empty. Values at null rows are
  // unspecified (0, false, kNullCode or an empty set).
  std::span<const std::int64_t> int64s() const { return int64s_; }
  std::span<const double> doubles() const { return doubles_; }
  std::span<const std::uint64_t> bool_bits() const { return bool_bits_; }  // packed like validity
  std::span<const std::int32_t> days() const { return days_; }
  std::span<const std::string> dictionary() const { return dictionary_; }
  std::span<const std::uint32_t> codes() const { return codes_; }
  std::span<const std::uint32_t> offsets() const { return offsets_; }  // kStringSet: rows() + 1

  bool bool_at(std::size_t row) const { return (bool_bits_[row / 64] >> (row % 64)) & 1U; }
  // The dictionary code of `value`, if it occurs in this string or string set column.
  std::optional<std::uint32_t> find_code(std::string_view value) const;

 private:
  friend class ProfileTableBuilder;
  ColumnInfo info_;
  ColumnType type_ = ColumnType::kInt64;
  std::size_t rows_ = 0;
  std::vector<std::uint64_t> validity_;
  std::vector<std::int64_t> int64s_;
  std::vector<double> doubles_;
  std::vector<std::uint64_t> bool_bits_;
  std::vector<std::int32_t> days_;
  std::vector<std::string> dictionary_;
  std::vector<std::uint32_t> codes_;
  std::vector<std::uint32_t> offsets_;
};

class ProfileTable {
 public:
  ProfileTable() = default;
  // Segments compiled against a table point into it: keep it in one place while they live.
  ProfileTable(const ProfileTable&) = delete;
  ProfileTable& operator=(const ProfileTable&) = delete;
  ProfileTable(ProfileTable&&) noexcept = default;
  ProfileTable& operator=(ProfileTable&&) noexcept = default;

  std::size_t rows() const { return member_ids_.size(); }
  std::span<const MemberId> member_ids() const { return member_ids_; }
  const std::vector<Column>& columns() const { return columns_; }
  // The column named exactly `name`, or nullptr.
  const Column* find(std::string_view name) const;

 private:
  friend class ProfileTableBuilder;
  std::vector<MemberId> member_ids_;
  std::vector<Column> columns_;
};

// Builds a ProfileTable column by column. Each add_* takes a whole column of rows() values.
// The first error (a bad or duplicate name, a wrong length, a code out of range, NaN) is kept,
// later adds are ignored, and finish() returns it; nothing needs checking before then.
//
// `nulls` arguments are either empty (no nulls) or hold one flag per row; a nonzero flag makes
// the row null and the value given for it is ignored.
class ProfileTableBuilder {
 public:
  // Row i of every column belongs to member_ids[i]. At most 2^32 - 1 rows.
  explicit ProfileTableBuilder(std::vector<MemberId> member_ids);

  std::size_t rows() const { return member_ids_.size(); }

  ProfileTableBuilder& add_int64(ColumnInfo info, std::vector<std::int64_t> values,
                                 std::span<const std::uint8_t> nulls = {});
  ProfileTableBuilder& add_double(ColumnInfo info, std::vector<double> values,
                                  std::span<const std::uint8_t> nulls = {});
  // values[i] nonzero = true.
  ProfileTableBuilder& add_bool(ColumnInfo info, std::span<const std::uint8_t> values,
                                std::span<const std::uint8_t> nulls = {});
  ProfileTableBuilder& add_date(ColumnInfo info, std::span<const Date> values,
                                std::span<const std::uint8_t> nulls = {});
  // Strings as written; nullopt is null. Encoded in first-seen order.
  ProfileTableBuilder& add_string(ColumnInfo info,
                                  std::span<const std::optional<std::string>> values);
  // Already encoded: codes[i] < dictionary.size() or kNullCode; dictionary values distinct.
  ProfileTableBuilder& add_string_codes(ColumnInfo info, std::vector<std::string> dictionary,
                                        std::vector<std::uint32_t> codes);
  // One set per row; nullopt is null, an empty vector the empty set. Repeats in a row count once.
  ProfileTableBuilder& add_string_set(
      ColumnInfo info, std::span<const std::optional<std::vector<std::string>>> values);
  // Already encoded CSR: offsets has rows() + 1 nondecreasing entries from 0 to codes.size();
  // every code < dictionary.size(); dictionary values distinct.
  ProfileTableBuilder& add_string_set_codes(ColumnInfo info, std::vector<std::string> dictionary,
                                            std::vector<std::uint32_t> offsets,
                                            std::vector<std::uint32_t> codes,
                                            std::span<const std::uint8_t> nulls = {});

  // The table, or the first error met while adding columns.
  Result<ProfileTable> finish() &&;

 private:
  // Checks the name and the length of a column about to be added; records the error.
  bool admit(const ColumnInfo& info, ColumnType type, std::size_t values, std::size_t nulls);
  bool check_dictionary(const ColumnInfo& info, const std::vector<std::string>& dictionary);
  std::vector<std::uint64_t> pack_validity(std::span<const std::uint8_t> nulls) const;
  Column& push(ColumnInfo info, ColumnType type);

  std::vector<MemberId> member_ids_;
  std::vector<Column> columns_;
  Status error_;
};

}  // namespace recur::segment
