#include "segment/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cassert>

namespace recur::segment {

namespace {

constexpr std::uint64_t kAllOnes = ~std::uint64_t{0};

// Below this many rows of interest in a word, a kernel visits them one by one rather than
// testing all 64.
constexpr int kSparseRows = 8;

// out[k] = the bits of pred(row) for the rows of word k that `care` marks; other bits are 0.
// Rows past `rows` are never marked. `pred` is cheap: a whole word of rows is tested in one
// branch-free loop (which the compiler can vectorise) unless only a few rows are marked.
template <typename Pred>
inline void fill_hits(std::size_t first_row, std::size_t rows, std::size_t words,
                      const std::uint64_t* care, Pred pred, std::uint64_t* out) {
  for (std::size_t k = 0; k < words; ++k) {
    const std::size_t base = first_row + k * kRowsPerWord;
    std::uint64_t c = care[k];
    std::uint64_t word = 0;
    if (base + kRowsPerWord <= rows && std::popcount(c) > kSparseRows) {
      for (unsigned j = 0; j < kRowsPerWord; ++j) {
        word |= static_cast<std::uint64_t>(pred(base + j)) << j;
      }
      word &= c;
    } else {
      while (c != 0) {
        const int j = std::countr_zero(c);
        word |= static_cast<std::uint64_t>(pred(base + static_cast<std::size_t>(j))) << j;
        c &= c - 1;
      }
    }
    out[k] = word;
  }
}

template <typename T>
void compare_hits(const T* values, T c, CompareOp op, std::size_t first_row, std::size_t rows,
                  std::size_t words, const std::uint64_t* care, std::uint64_t* out) {
  switch (op) {
    case CompareOp::kEq:
      fill_hits(
          first_row, rows, words, care, [=](std::size_t i) { return values[i] == c; }, out);
      return;
    case CompareOp::kNe:
      fill_hits(
          first_row, rows, words, care, [=](std::size_t i) { return values[i] != c; }, out);
      return;
    case CompareOp::kLt:
      fill_hits(
          first_row, rows, words, care, [=](std::size_t i) { return values[i] < c; }, out);
      return;
    case CompareOp::kLe:
      fill_hits(
          first_row, rows, words, care, [=](std::size_t i) { return values[i] <= c; }, out);
      return;
    case CompareOp::kGt:
      fill_hits(
          first_row, rows, words, care, [=](std::size_t i) { return values[i] > c; }, out);
      return;
    case CompareOp::kGe:
      fill_hits(
          first_row, rows, words, care, [=](std::size_t i) { return values[i] >= c; }, out);
      return;
  }
}

// Rows of a string set column whose set holds a code that `wanted` marks. Where most rows of a
// word are asked about, the word's elements are scanned in one pass (a predictable loop; a hit is
// then placed in its row); where few are, those rows' sets are searched one by one.
void set_hits(const std::uint32_t* offsets, const std::uint32_t* codes, const std::uint8_t* wanted,
              std::size_t first_row, std::size_t rows, std::size_t words, const std::uint64_t* care,
              std::uint64_t* out) {
  for (std::size_t k = 0; k < words; ++k) {
    const std::size_t base = first_row + k * kRowsPerWord;
    std::uint64_t c = care[k];
    std::uint64_t word = 0;
    if (base + kRowsPerWord <= rows && std::popcount(c) > kSparseRows) {
      const std::uint32_t* off = offsets + base;
      std::uint32_t row = 0;
      for (std::uint32_t e = off[0]; e < off[kRowsPerWord]; ++e) {
        if (wanted[codes[e]] != 0) {
          while (off[row + 1] <= e) ++row;
          word |= std::uint64_t{1} << row;
        }
      }
      word &= c;
    } else {
      while (c != 0) {
        const int j = std::countr_zero(c);
        const std::size_t i = base + static_cast<std::size_t>(j);
        bool hit = false;
        for (std::uint32_t e = offsets[i]; e < offsets[i + 1]; ++e) hit |= wanted[codes[e]] != 0;
        word |= static_cast<std::uint64_t>(hit) << j;
        c &= c - 1;
      }
    }
    out[k] = word;
  }
}

std::string_view leaf_kind_name(LeafKind kind) {
  switch (kind) {
    case LeafKind::kInt64Compare:
      return "int64";
    case LeafKind::kDoubleCompare:
      return "double";
    case LeafKind::kDateCompare:
      return "date";
    case LeafKind::kBool:
      return "bool";
    case LeafKind::kCodeLookup:
      return "codes";
    case LeafKind::kSetHasAny:
      return "set-has";
    case LeafKind::kIsNull:
      return "is-null";
  }
  return "?";
}

}  // namespace

// The rows of one chunk: words [first_word, first_word + words) of every bitmap.
struct Plan::Chunk {
  std::size_t first_word = 0;
  std::size_t words = 0;
  std::size_t rows = 0;  // rows in the whole table
  std::int32_t today = 0;
  // live[k]: the rows of word k that exist (all but the table's last word are full).
  std::uint64_t live[kChunkWords];
  // Per node, room for three chunk bitmaps: its children's true and false rows, and the rows
  // its children still need to decide.
  std::uint64_t* scratch = nullptr;

  std::size_t first_row() const { return first_word * kRowsPerWord; }
};

Plan::Plan(const ProfileTable& table, std::vector<PlanNode> nodes, std::uint32_t root)
    : table_(&table), nodes_(std::move(nodes)), root_(root) {
  assert(root_ < nodes_.size());
}

bool Plan::uses_today() const {
  return std::any_of(nodes_.begin(), nodes_.end(), [](const PlanNode& n) {
    return n.op == PlanOp::kLeaf && n.leaf.kind == LeafKind::kDateCompare && n.leaf.relative;
  });
}

template <typename Sink>
void Plan::for_each_chunk(Date today, Sink&& sink) const {
  const std::size_t rows = table_->rows();
  const std::size_t total_words = words_for_rows(rows);
  std::vector<std::uint64_t> scratch(nodes_.size() * kScratchPerNode);
  Chunk chunk;
  chunk.rows = rows;
  chunk.today = today.days;
  chunk.scratch = scratch.data();
  std::uint64_t out_true[kChunkWords];
  std::uint64_t out_false[kChunkWords];
  for (std::size_t w = 0; w < total_words; w += kChunkWords) {
    chunk.first_word = w;
    chunk.words = std::min(kChunkWords, total_words - w);
    for (std::size_t k = 0; k < chunk.words; ++k) {
      const std::size_t base = (w + k) * kRowsPerWord;
      const std::size_t n = std::min(kRowsPerWord, rows - base);
      chunk.live[k] = n == kRowsPerWord ? kAllOnes : (std::uint64_t{1} << n) - 1;
    }
    eval(root_, chunk, chunk.live, out_true, out_false);
    sink(chunk.first_word, chunk.words, out_true);
  }
}

RowBitmap Plan::evaluate(Date today) const {
  RowBitmap result(table_->rows());
  std::uint64_t* words = result.mutable_words().data();
  for_each_chunk(today, [&](std::size_t first, std::size_t n, const std::uint64_t* bits) {
    std::copy(bits, bits + n, words + first);
  });
  return result;
}

std::size_t Plan::count(Date today) const {
  std::size_t total = 0;
  for_each_chunk(today, [&](std::size_t, std::size_t n, const std::uint64_t* bits) {
    for (std::size_t k = 0; k < n; ++k) total += static_cast<std::size_t>(std::popcount(bits[k]));
  });
  return total;
}

void Plan::eval(std::uint32_t index, const Chunk& chunk, const std::uint64_t* care,
                std::uint64_t* out_true, std::uint64_t* out_false) const {
  const PlanNode& node = nodes_[index];
  const std::size_t words = chunk.words;
  switch (node.op) {
    case PlanOp::kLeaf:
      eval_leaf(node.leaf, chunk, care, out_true, out_false);
      return;
    case PlanOp::kNot:
      // Kleene negation swaps true and false; unknown stays unknown.
      eval(node.children[0], chunk, care, out_false, out_true);
      return;
    case PlanOp::kAnd:
    case PlanOp::kOr: {
      // A row that is false (for `and`; true for `or`) is decided: later children are asked only
      // about the other rows, and whatever they answer for a decided row leaves it as it is.
      const bool is_and = node.op == PlanOp::kAnd;
      std::uint64_t* child_true = chunk.scratch + index * kScratchPerNode;
      std::uint64_t* child_false = child_true + kChunkWords;
      std::uint64_t* child_care = child_false + kChunkWords;
      eval(node.children[0], chunk, care, out_true, out_false);
      for (std::size_t c = 1; c < node.children.size(); ++c) {
        const std::uint64_t* decided = is_and ? out_false : out_true;
        std::uint64_t open = 0;
        for (std::size_t k = 0; k < words; ++k) {
          child_care[k] = care[k] & ~decided[k];
          open |= child_care[k];
        }
        if (open == 0) return;
        eval(node.children[c], chunk, child_care, child_true, child_false);
        if (is_and) {
          for (std::size_t k = 0; k < words; ++k) {
            out_true[k] &= child_true[k];
            out_false[k] |= child_false[k];
          }
        } else {
          for (std::size_t k = 0; k < words; ++k) {
            out_true[k] |= child_true[k];
            out_false[k] &= child_false[k];
          }
        }
      }
      return;
    }
  }
}

void Plan::eval_leaf(const PlanLeaf& leaf, const Chunk& chunk, const std::uint64_t* care,
                     std::uint64_t* out_true, std::uint64_t* out_false) const {
  const Column& col = *leaf.column;
  const std::size_t first_row = chunk.first_row();
  const std::size_t rows = chunk.rows;
  const std::size_t words = chunk.words;
  // Hits go to out_true first; the validity mask then splits them into true and false. Rows
  // outside `care` come out false or unknown, which the caller ignores.
  std::uint64_t* hits = out_true;
  switch (leaf.kind) {
    case LeafKind::kInt64Compare:
      compare_hits(col.int64s().data(), leaf.int_value, leaf.op, first_row, rows, words, care,
                   hits);
      break;
    case LeafKind::kDoubleCompare:
      compare_hits(col.doubles().data(), leaf.double_value, leaf.op, first_row, rows, words, care,
                   hits);
      break;
    case LeafKind::kDateCompare: {
      const std::int32_t c = leaf.relative ? chunk.today + leaf.day_value : leaf.day_value;
      compare_hits(col.days().data(), c, leaf.op, first_row, rows, words, care, hits);
      break;
    }
    case LeafKind::kBool:
      std::copy_n(col.bool_bits().data() + chunk.first_word, words, hits);
      break;
    case LeafKind::kCodeLookup: {
      const std::uint32_t* codes = col.codes().data();
      const std::uint8_t* table = leaf.code_table.data();
      const auto null_slot = static_cast<std::uint32_t>(leaf.code_table.size() - 1);
      fill_hits(
          first_row, rows, words, care,
          [=](std::size_t i) { return table[std::min(codes[i], null_slot)] != 0; }, hits);
      break;
    }
    case LeafKind::kSetHasAny: {
      if (leaf.wanted_codes == 0) {
        std::fill_n(hits, words, 0);
        break;
      }
      set_hits(col.offsets().data(), col.codes().data(), leaf.code_table.data(), first_row, rows,
               words, care, hits);
      break;
    }
    case LeafKind::kIsNull: {
      const std::uint64_t* valid =
          col.has_nulls() ? col.validity().data() + chunk.first_word : nullptr;
      for (std::size_t k = 0; k < words; ++k) {
        const std::uint64_t v = valid ? valid[k] : chunk.live[k];
        out_true[k] = ~v & chunk.live[k];
        out_false[k] = v;
      }
      return;
    }
  }
  if (col.has_nulls()) {
    const std::uint64_t* valid = col.validity().data() + chunk.first_word;
    for (std::size_t k = 0; k < words; ++k) {
      const std::uint64_t h = hits[k];
      out_true[k] = h & valid[k];
      out_false[k] = ~h & valid[k];
    }
  } else {
    for (std::size_t k = 0; k < words; ++k) out_false[k] = ~hits[k] & chunk.live[k];
  }
}

std::string Plan::explain() const {
  std::string out;
  auto visit = [&](auto&& self, std::uint32_t index, int depth) -> void {
    const PlanNode& node = nodes_[index];
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
    switch (node.op) {
      case PlanOp::kAnd:
        out += "and\n";
        break;
      case PlanOp::kOr:
        out += "or\n";
        break;
      case PlanOp::kNot:
        out += "not\n";
        break;
      case PlanOp::kLeaf: {
        const PlanLeaf& leaf = node.leaf;
        out += fmt::format("{} {}", leaf_kind_name(leaf.kind), leaf.column->name());
        switch (leaf.kind) {
          case LeafKind::kInt64Compare:
            out += fmt::format(" {} {}", compare_op_text(leaf.op), leaf.int_value);
            break;
          case LeafKind::kDoubleCompare:
            out += fmt::format(" {} {}", compare_op_text(leaf.op), leaf.double_value);
            break;
          case LeafKind::kDateCompare:
            out += leaf.relative
                       ? fmt::format(" {} today{:+}", compare_op_text(leaf.op), leaf.day_value)
                       : fmt::format(" {} {}", compare_op_text(leaf.op),
                                     Date{leaf.day_value}.to_string());
            break;
          case LeafKind::kCodeLookup:
          case LeafKind::kSetHasAny:
            out += fmt::format(" ({} of {} codes)", leaf.wanted_codes, leaf.code_table.size() - 1);
            break;
          case LeafKind::kBool:
          case LeafKind::kIsNull:
            break;
        }
        out += '\n';
        return;
      }
    }
    for (std::uint32_t child : node.children) self(self, child, depth + 1);
  };
  if (!nodes_.empty()) visit(visit, root_, 0);
  return out;
}

}  // namespace recur::segment
