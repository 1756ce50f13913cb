#pragma once
// RowBitmap: a set of rows of a ProfileTable (dense member indices 0..rows-1), one bit per row,
// 64 rows per word, row r in bit (r % 64) of word (r / 64).
//
// Invariant: bits at positions >= rows() are zero, so count() and word-wise operations never
// see rows that do not exist. Not thread-safe for writes; const use is safe to share.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace recur::segment {

inline constexpr std::size_t kRowsPerWord = 64;

inline std::size_t words_for_rows(std::size_t rows) {
  return (rows + kRowsPerWord - 1) / kRowsPerWord;
}

class RowBitmap {
 public:
  RowBitmap() = default;
  // `rows` rows, none set.
  explicit RowBitmap(std::size_t rows) : rows_(rows), words_(words_for_rows(rows), 0) {}

  std::size_t rows() const { return rows_; }
  // Number of rows set.
  std::size_t count() const;
  bool test(std::size_t row) const { return (words_[row / 64] >> (row % 64)) & 1U; }
  void set(std::size_t row) { words_[row / 64] |= std::uint64_t{1} << (row % 64); }

  std::span<const std::uint64_t> words() const { return words_; }
  // Writers must keep the invariant (no bits past rows()).
  std::span<std::uint64_t> mutable_words() { return words_; }

  // The rows set, ascending.
  std::vector<std::uint32_t> to_rows() const;

  bool operator==(const RowBitmap&) const = default;

 private:
  std::size_t rows_ = 0;
  std::vector<std::uint64_t> words_;
};

}  // namespace recur::segment
