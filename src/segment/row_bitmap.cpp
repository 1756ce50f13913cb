#include "segment/row_bitmap.h"

#include <bit>

namespace recur::segment {

std::size_t RowBitmap::count() const {
  std::size_t n = 0;
  for (std::uint64_t w : words_) n += static_cast<std::size_t>(std::popcount(w));
  return n;
}

std::vector<std::uint32_t> RowBitmap::to_rows() const {
  std::vector<std::uint32_t> out;
  out.reserve(count());
  for (std::size_t i = 0; i < words_.size(); ++i) {
    std::uint64_t w = words_[i];
    while (w != 0) {
      const auto bit = static_cast<std::uint32_t>(std::countr_zero(w));
      out.push_back(static_cast<std::uint32_t>(i * kRowsPerWord) + bit);
      w &= w - 1;
    }
  }
  return out;
}

}  // namespace recur::segment
