#pragma once
// Plan: a segment compiled against one ProfileTable, evaluated column at a time.
//
// A plan is a tree of and/or/not nodes over leaves; each leaf is a tight loop over one column's
// dense array that turns 64 rows into one word of bits. Strings were resolved to dictionary codes
// when compiling (= and in become one table lookup per row), money literals to fen and dates to
// day numbers, so evaluation never touches a string.
//
// Rows are evaluated in chunks of kChunkRows so that intermediate bitmaps stay in cache. Within a
// chunk an `and` asks each later child only about the rows still undecided (not yet false; for
// an `or`, not yet true): a selection that costly leaves (string sets) walk row by row, so a
// selective condition first makes the rest cheap.
//
// Nulls follow SQL's three-valued logic: a comparison with a null is unknown, `not unknown` is
// unknown, `false and unknown` is false, `true or unknown` is true, and a row is selected only when
// the whole expression is true. Each node therefore yields two bitmaps, "true" and "false"; the
// rows in neither are unknown.
//
// Thread-safety: evaluate() and count() are const and allocate their own scratch space, so one
// plan may be evaluated from many threads. The table must outlive the plan and stay in place.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/time.h"
#include "segment/expression.h"
#include "segment/profile_table.h"
#include "segment/row_bitmap.h"

namespace recur::segment {

inline constexpr std::size_t kChunkWords = 32;
inline constexpr std::size_t kChunkRows = kChunkWords * kRowsPerWord;
// Scratch words per and/or node: its children's true, false and still-undecided rows.
inline constexpr std::size_t kScratchPerNode = 3 * kChunkWords;

enum class LeafKind : std::uint8_t {
  kInt64Compare,   // int64s()[i] op int_value
  kDoubleCompare,  // doubles()[i] op double_value
  kDateCompare,    // days()[i] op day_value (plus today's day number when relative)
  kBool,           // bool_bits() bit i
  kCodeLookup,     // string: code_table[codes()[i]]
  kSetHasAny,      // string set: row i's set holds a code marked in code_table
  kIsNull,         // row i is null (never unknown)
};

struct PlanLeaf {
  LeafKind kind = LeafKind::kIsNull;
  const Column* column = nullptr;
  CompareOp op = CompareOp::kEq;
  std::int64_t int_value = 0;
  double double_value = 0.0;
  std::int32_t day_value = 0;
  bool relative = false;  // kDateCompare: day_value is days after the evaluation day
  // kCodeLookup, kSetHasAny: one entry per dictionary code (1 = wanted), plus a last 0 entry
  // that null codes read.
  std::vector<std::uint8_t> code_table;
  std::size_t wanted_codes = 0;  // entries of code_table that are 1
};

enum class PlanOp : std::uint8_t { kAnd, kOr, kNot, kLeaf };

struct PlanNode {
  PlanOp op = PlanOp::kLeaf;
  std::vector<std::uint32_t> children;  // indices into the plan's nodes; kNot has one
  PlanLeaf leaf;                        // kLeaf
};

class Plan {
 public:
  Plan() = default;
  // `nodes` form a tree rooted at `root`; every leaf's column belongs to `table`.
  Plan(const ProfileTable& table, std::vector<PlanNode> nodes, std::uint32_t root);

  // The rows for which the expression is true, with relative dates counted from `today`.
  RowBitmap evaluate(Date today) const;
  // evaluate(today).count(), without building the bitmap.
  std::size_t count(Date today) const;

  const ProfileTable& table() const { return *table_; }
  const std::vector<PlanNode>& nodes() const { return nodes_; }
  std::uint32_t root() const { return root_; }
  // Whether a leaf compares with a date relative to today.
  bool uses_today() const;
  // One line per node, indented by depth, for logs and tests: "and", "  int64 clv_12m >= 50000".
  std::string explain() const;

 private:
  struct Chunk;
  template <typename Sink>
  void for_each_chunk(Date today, Sink&& sink) const;
  // Evaluates `node` for the rows of `chunk` marked in `care` (chunk-sized bitmaps); rows not
  // marked may come out with any value.
  void eval(std::uint32_t node, const Chunk& chunk, const std::uint64_t* care,
            std::uint64_t* out_true, std::uint64_t* out_false) const;
  void eval_leaf(const PlanLeaf& leaf, const Chunk& chunk, const std::uint64_t* care,
                 std::uint64_t* out_true, std::uint64_t* out_false) const;

  const ProfileTable* table_ = nullptr;
  std::vector<PlanNode> nodes_;
  std::uint32_t root_ = 0;
};

}  // namespace recur::segment
