#include "segment/compiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "segment/diagnostic.h"
#include "segment/suggest.h"

namespace recur::segment {

namespace {

// Dictionaries this small are listed in full when a value is not found and nothing is close.
constexpr std::size_t kListValuesUpTo = 12;

enum class Decimal { kOk, kTooManyDecimals, kTooLarge };

// "-12.5" at scale 2 -> -1250. Digits past `scale` decimals must be zeros.
Decimal scaled_integer(std::string_view text, int scale, std::int64_t& out) {
  bool negative = false;
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    negative = true;
    ++i;
  }
  std::int64_t v = 0;
  auto push_digit = [&](int d) {
    return !__builtin_mul_overflow(v, 10, &v) && !__builtin_add_overflow(v, d, &v);
  };
  for (; i < text.size() && text[i] != '.'; ++i) {
    if (!push_digit(text[i] - '0')) return Decimal::kTooLarge;
  }
  int placed = 0;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size(); ++i) {
      const int d = text[i] - '0';
      if (placed < scale) {
        if (!push_digit(d)) return Decimal::kTooLarge;
        ++placed;
      } else if (d != 0) {
        return Decimal::kTooManyDecimals;
      }
    }
  }
  for (; placed < scale; ++placed) {
    if (!push_digit(0)) return Decimal::kTooLarge;
  }
  out = negative ? -v : v;
  return Decimal::kOk;
}

// "money field 'clv_12m'", "string set field 'tags'".
std::string field_phrase(const Column& col) {
  std::string_view kind;
  switch (col.type()) {
    case ColumnType::kInt64:
      kind = col.is_money() ? "money" : "number";
      break;
    case ColumnType::kDouble:
      kind = "number";
      break;
    case ColumnType::kBool:
      kind = "yes/no";
      break;
    case ColumnType::kDate:
      kind = "date";
      break;
    case ColumnType::kString:
      kind = "string";
      break;
    case ColumnType::kStringSet:
      kind = "string set";
      break;
  }
  return fmt::format("{} field '{}'", kind, col.name());
}

std::string_view literal_phrase(const Literal& lit) {
  switch (lit.kind) {
    case Literal::Kind::kString:
      return "a string";
    case Literal::Kind::kNumber:
      return "a number";
    case Literal::Kind::kBool:
      return lit.boolean ? "true" : "false";
    case Literal::Kind::kDate:
    case Literal::Kind::kToday:
      return "a date";
  }
  return "a value";
}

// "500", "99.90", "-3": what a number looks like when someone quoted it by mistake.
bool looks_numeric(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  if (std::count(s.begin(), s.end(), '.') > 1) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// A bitmap leaf of one kind over one column; dictionary leaves start with no code wanted.
PlanLeaf make_leaf(LeafKind kind, const Column& col) {
  PlanLeaf leaf;
  leaf.kind = kind;
  leaf.column = &col;
  if (kind == LeafKind::kCodeLookup || kind == LeafKind::kSetHasAny) {
    leaf.code_table.assign(col.dictionary().size() + 1, 0);
  }
  return leaf;
}

void want_code(PlanLeaf& leaf, std::size_t code) {
  if (leaf.code_table[code] == 0) ++leaf.wanted_codes;
  leaf.code_table[code] = 1;
}

bool is_dictionary_leaf(const PlanNode& node) {
  return node.op == PlanOp::kLeaf &&
         (node.leaf.kind == LeafKind::kCodeLookup || node.leaf.kind == LeafKind::kSetHasAny);
}

int leaf_cost(LeafKind kind) {
  switch (kind) {
    case LeafKind::kBool:
    case LeafKind::kIsNull:
      return 0;
    case LeafKind::kInt64Compare:
    case LeafKind::kDoubleCompare:
    case LeafKind::kDateCompare:
      return 1;
    case LeafKind::kCodeLookup:
      return 2;
    case LeafKind::kSetHasAny:
      return 3;
  }
  return 4;
}

class Compiler {
 public:
  Compiler(std::string_view text, const ProfileTable& table) : text_(text), table_(table) {
    for (const Column& c : table.columns()) field_names_.push_back(c.name());
  }

  Result<CompiledPlan> run(const Expr& expr) {
    ASSIGN_OR_RETURN(std::uint32_t root, compile(expr));
    return CompiledPlan{Plan(table_, std::move(nodes_), root), std::move(warnings_)};
  }

 private:
  Result<std::uint32_t> compile(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kAnd:
      case ExprKind::kOr:
        return group(e);
      case ExprKind::kNot: {
        ASSIGN_OR_RETURN(std::uint32_t child, compile(e.children[0]));
        return add_not(child);
      }
      case ExprKind::kCompare:
        return compare(e);
      case ExprKind::kInList:
        return in_list(e);
      case ExprKind::kValueIn:
        return value_in(e);
      case ExprKind::kContains:
        return contains(e);
      case ExprKind::kIsNull: {
        ASSIGN_OR_RETURN(const Column* col, resolve(e));
        const std::uint32_t leaf = add_leaf(make_leaf(LeafKind::kIsNull, *col));
        return e.negated ? add_not(leaf) : leaf;
      }
      case ExprKind::kField:
        return bare_field(e);
    }
    return internal_error("unknown expression kind");
  }

  // and/or: nested groups of the same kind are flattened; in an `or`, conditions on one string
  // or string set column merge into one leaf ('a' in s or 'b' in s reads s once); cheap leaves go
  // first. All of this keeps the meaning in three-valued logic, where and/or are commutative.
  Result<std::uint32_t> group(const Expr& e) {
    std::vector<const Expr*> operands;
    flatten(e, e.kind, operands);
    std::vector<std::uint32_t> children;
    for (const Expr* operand : operands) {
      ASSIGN_OR_RETURN(std::uint32_t child, compile(*operand));
      if (e.kind == ExprKind::kOr && merge_into_sibling(children, child)) continue;
      children.push_back(child);
    }
    if (children.size() == 1) return children[0];
    std::stable_sort(children.begin(), children.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return cost(a) < cost(b); });
    PlanNode node;
    node.op = e.kind == ExprKind::kAnd ? PlanOp::kAnd : PlanOp::kOr;
    node.children = std::move(children);
    return push(std::move(node));
  }

  // Folds the dictionary leaf `child` into a sibling of the same kind over the same column
  // (the leaves of one group are fresh, so changing one is safe). The folded node is left unused.
  bool merge_into_sibling(const std::vector<std::uint32_t>& siblings, std::uint32_t child) {
    if (!is_dictionary_leaf(nodes_[child])) return false;
    const PlanLeaf& leaf = nodes_[child].leaf;
    for (std::uint32_t s : siblings) {
      PlanNode& sibling = nodes_[s];
      if (!is_dictionary_leaf(sibling) || sibling.leaf.kind != leaf.kind ||
          sibling.leaf.column != leaf.column) {
        continue;
      }
      for (std::size_t c = 0; c < leaf.code_table.size(); ++c) {
        if (leaf.code_table[c] != 0) want_code(sibling.leaf, c);
      }
      return true;
    }
    return false;
  }

  static void flatten(const Expr& e, ExprKind kind, std::vector<const Expr*>& out) {
    if (e.kind != kind) {
      out.push_back(&e);
      return;
    }
    for (const Expr& child : e.children) flatten(child, kind, out);
  }

  int cost(std::uint32_t index) const {
    const PlanNode& n = nodes_[index];
    if (n.op == PlanOp::kLeaf) return leaf_cost(n.leaf.kind);
    if (n.op == PlanOp::kNot) return cost(n.children[0]);
    return 5;
  }

  Result<std::uint32_t> compare(const Expr& e) {
    ASSIGN_OR_RETURN(const Column* col, resolve(e));
    const Literal& lit = e.values[0];
    const bool ordering = e.op != CompareOp::kEq && e.op != CompareOp::kNe;
    switch (col->type()) {
      case ColumnType::kInt64: {
        PlanLeaf leaf = make_leaf(LeafKind::kInt64Compare, *col);
        leaf.op = e.op;
        ASSIGN_OR_RETURN(leaf.int_value, integer_value(*col, lit));
        return add_leaf(std::move(leaf));
      }
      case ColumnType::kDouble: {
        PlanLeaf leaf = make_leaf(LeafKind::kDoubleCompare, *col);
        leaf.op = e.op;
        ASSIGN_OR_RETURN(leaf.double_value, double_value(*col, lit));
        return add_leaf(std::move(leaf));
      }
      case ColumnType::kDate: {
        PlanLeaf leaf = make_leaf(LeafKind::kDateCompare, *col);
        leaf.op = e.op;
        RETURN_IF_ERROR(date_value(*col, lit, leaf));
        return add_leaf(std::move(leaf));
      }
      case ColumnType::kBool: {
        if (ordering) {
          return syntax_error(
              text_, e.offset,
              fmt::format("'{}' does not apply to {}", compare_op_text(e.op), field_phrase(*col)),
              fmt::format("use = true, = false, or the field alone: {}", col->name()));
        }
        if (lit.kind != Literal::Kind::kBool) return mismatch(*col, lit);
        const std::uint32_t leaf = add_leaf(make_leaf(LeafKind::kBool, *col));
        const bool want_true = (e.op == CompareOp::kEq) == lit.boolean;
        return want_true ? leaf : add_not(leaf);
      }
      case ColumnType::kString: {
        if (ordering) {
          return syntax_error(
              text_, e.offset,
              fmt::format("'{}' does not apply to {}", compare_op_text(e.op), field_phrase(*col)),
              "use =, != or in (...)");
        }
        ASSIGN_OR_RETURN(const std::uint32_t leaf, code_lookup(*col, {&lit}));
        return e.op == CompareOp::kNe ? add_not(leaf) : leaf;
      }
      case ColumnType::kStringSet:
        return syntax_error(
            text_, e.offset,
            fmt::format("'{}' does not apply to {}", compare_op_text(e.op), field_phrase(*col)),
            fmt::format("test an element with 'value' in {0} or {0} contains 'value'",
                        col->name()));
    }
    return internal_error("unknown column type");
  }

  Result<std::uint32_t> in_list(const Expr& e) {
    ASSIGN_OR_RETURN(const Column* col, resolve(e));
    if (col->type() != ColumnType::kString) {
      std::string hint;
      if (col->type() == ColumnType::kStringSet) {
        hint = fmt::format("test an element with 'value' in {}", col->name());
      } else if (col->type() != ColumnType::kBool) {
        hint = "lists are for string fields; use comparisons joined by or";
      }
      return syntax_error(text_, e.offset,
                          fmt::format("'in (...)' does not apply to {}", field_phrase(*col)), hint);
    }
    std::vector<const Literal*> values;
    for (const Literal& lit : e.values) values.push_back(&lit);
    ASSIGN_OR_RETURN(const std::uint32_t leaf, code_lookup(*col, values));
    return e.negated ? add_not(leaf) : leaf;
  }

  Result<std::uint32_t> value_in(const Expr& e) {
    ASSIGN_OR_RETURN(const Column* col, resolve(e));
    const Literal& lit = e.values[0];
    if (col->type() != ColumnType::kStringSet) {
      std::string hint;
      if (col->type() == ColumnType::kString) {
        hint = fmt::format("write {} {} {}", col->name(), e.negated ? "!=" : "=", to_string(lit));
      }
      return syntax_error(
          text_, e.offset,
          fmt::format("'value in field' needs a string set field, not {}", field_phrase(*col)),
          hint);
    }
    ASSIGN_OR_RETURN(const std::uint32_t leaf, set_has(*col, lit));
    return e.negated ? add_not(leaf) : leaf;
  }

  Result<std::uint32_t> contains(const Expr& e) {
    ASSIGN_OR_RETURN(const Column* col, resolve(e));
    const Literal& lit = e.values[0];
    std::uint32_t leaf = 0;
    if (col->type() == ColumnType::kStringSet) {
      ASSIGN_OR_RETURN(leaf, set_has(*col, lit));
    } else if (col->type() == ColumnType::kString) {
      ASSIGN_OR_RETURN(leaf, substring(*col, lit));
    } else {
      return syntax_error(text_, e.offset,
                          fmt::format("'contains' does not apply to {}", field_phrase(*col)),
                          "it tests an element of a string set or a part of a string");
    }
    return e.negated ? add_not(leaf) : leaf;
  }

  Result<std::uint32_t> bare_field(const Expr& e) {
    ASSIGN_OR_RETURN(const Column* col, resolve(e));
    if (col->type() == ColumnType::kBool) return add_leaf(make_leaf(LeafKind::kBool, *col));
    std::string hint;
    switch (col->type()) {
      case ColumnType::kStringSet:
        hint = fmt::format("test an element with 'value' in {}", col->name());
        break;
      case ColumnType::kDate:
        hint = fmt::format("compare it, e.g. {} >= today - 30", col->name());
        break;
      case ColumnType::kString:
        hint = fmt::format("compare it, e.g. {} = 'value'", col->name());
        break;
      default:
        hint = fmt::format("compare it, e.g. {} > 0", col->name());
        break;
    }
    return syntax_error(text_, e.field_offset,
                        fmt::format("{} is not a yes/no condition", field_phrase(*col)), hint);
  }

  Result<const Column*> resolve(const Expr& e) const {
    if (const Column* col = table_.find(e.field)) return col;
    std::string hint;
    if (auto near = closest_match(e.field, field_names_)) {
      hint = fmt::format("did you mean '{}'?", *near);
    }
    return syntax_error(text_, e.field_offset, fmt::format("unknown field '{}'", e.field), hint);
  }

  // Type errors for a literal of the wrong kind, with a hint on how to write the right one.
  Status mismatch(const Column& col, const Literal& lit) const {
    std::string hint;
    switch (col.type()) {
      case ColumnType::kInt64:
      case ColumnType::kDouble:
        if (lit.kind == Literal::Kind::kString && looks_numeric(lit.text)) {
          hint = fmt::format("remove the quotes: {}", lit.text);
        } else if (col.is_money()) {
          hint = "write an amount in yuan, e.g. 500 or 99.90";
        }
        break;
      case ColumnType::kBool:
        hint = fmt::format("write true or false, or the field alone: {}", col.name());
        break;
      case ColumnType::kDate:
        hint = "write a date such as '2024-06-18' or today - 30";
        break;
      case ColumnType::kString:
      case ColumnType::kStringSet:
        if (lit.kind == Literal::Kind::kNumber || lit.kind == Literal::Kind::kBool) {
          hint = fmt::format("put the value in quotes: '{}'", lit.text);
        }
        break;
    }
    return syntax_error(
        text_, lit.offset,
        fmt::format("cannot compare {} with {}", field_phrase(col), literal_phrase(lit)), hint);
  }

  // A number literal as the int64 column stores it: fen for money, else a whole number.
  Result<std::int64_t> integer_value(const Column& col, const Literal& lit) const {
    if (lit.kind != Literal::Kind::kNumber) return mismatch(col, lit);
    std::int64_t v = 0;
    switch (scaled_integer(lit.text, col.is_money() ? 2 : 0, v)) {
      case Decimal::kOk:
        return v;
      case Decimal::kTooLarge:
        return syntax_error(text_, lit.offset, fmt::format("{} is too large", lit.text));
      case Decimal::kTooManyDecimals:
        if (col.is_money()) {
          return syntax_error(text_, lit.offset,
                              fmt::format("{} has more than 2 decimal places", lit.text),
                              "money is counted in whole fen (0.01 yuan)");
        }
        return syntax_error(text_, lit.offset, fmt::format("{} is not a whole number", lit.text),
                            fmt::format("{} holds whole numbers", field_phrase(col)));
    }
    return internal_error("unknown decimal status");
  }

  Result<double> double_value(const Column& col, const Literal& lit) const {
    if (lit.kind != Literal::Kind::kNumber) return mismatch(col, lit);
    double v = 0.0;
    const char* end = lit.text.data() + lit.text.size();
    const auto [ptr, ec] = std::from_chars(lit.text.data(), end, v);
    if (ec != std::errc() || ptr != end || !std::isfinite(v)) {
      return syntax_error(text_, lit.offset, fmt::format("{} is out of range", lit.text));
    }
    return v;
  }

  Status date_value(const Column& col, const Literal& lit, PlanLeaf& leaf) const {
    switch (lit.kind) {
      case Literal::Kind::kDate:
        leaf.day_value = lit.date.days;
        return Status::ok_status();
      case Literal::Kind::kToday:
        leaf.relative = true;
        leaf.day_value = lit.days;
        return Status::ok_status();
      case Literal::Kind::kString: {
        auto parsed = parse_date(lit.text);
        if (!parsed.ok()) {
          return syntax_error(text_, lit.offset, fmt::format("'{}' is not a date", lit.text),
                              "write YYYY-MM-DD, e.g. '2024-06-18'");
        }
        leaf.day_value = parsed->days;
        return Status::ok_status();
      }
      default:
        return mismatch(col, lit);
    }
  }

  // A string column leaf matching any of `values` (= and in).
  Result<std::uint32_t> code_lookup(const Column& col, const std::vector<const Literal*>& values) {
    PlanLeaf leaf = make_leaf(LeafKind::kCodeLookup, col);
    for (const Literal* lit : values) {
      if (lit->kind != Literal::Kind::kString) return mismatch(col, *lit);
      if (auto code = col.find_code(lit->text)) {
        want_code(leaf, *code);
      } else {
        warn_unknown_value(col, *lit);
      }
    }
    return add_leaf(std::move(leaf));
  }

  // A string set leaf: the row's set holds `lit`.
  Result<std::uint32_t> set_has(const Column& col, const Literal& lit) {
    if (lit.kind != Literal::Kind::kString) return mismatch(col, lit);
    PlanLeaf leaf = make_leaf(LeafKind::kSetHasAny, col);
    if (auto code = col.find_code(lit.text)) {
      want_code(leaf, *code);
    } else {
      warn_unknown_value(col, lit);
    }
    return add_leaf(std::move(leaf));
  }

  // A string column leaf: the value holds `lit` as a substring (bytewise, case-sensitive).
  Result<std::uint32_t> substring(const Column& col, const Literal& lit) {
    if (lit.kind != Literal::Kind::kString) return mismatch(col, lit);
    PlanLeaf leaf = make_leaf(LeafKind::kCodeLookup, col);
    const auto dictionary = col.dictionary();
    for (std::size_t c = 0; c < dictionary.size(); ++c) {
      if (dictionary[c].find(lit.text) != std::string::npos) want_code(leaf, c);
    }
    if (leaf.wanted_codes == 0) {
      warnings_.push_back(SegmentWarning{
          column_at(text_, lit.offset),
          diagnostic_line(text_, lit.offset,
                          fmt::format("no value of {} contains '{}'", col.name(), lit.text))});
    }
    return add_leaf(std::move(leaf));
  }

  void warn_unknown_value(const Column& col, const Literal& lit) {
    const auto dictionary = col.dictionary();
    std::string hint;
    if (auto near = closest_match(lit.text, dictionary)) {
      hint = fmt::format("did you mean '{}'?", *near);
    } else if (dictionary.empty()) {
      hint = fmt::format("{} has no values", col.name());
    } else if (dictionary.size() <= kListValuesUpTo) {
      std::vector<std::string> sorted(dictionary.begin(), dictionary.end());
      std::sort(sorted.begin(), sorted.end());
      hint = "known values: ";
      for (std::size_t i = 0; i < sorted.size(); ++i) {
        hint += fmt::format("{}'{}'", i > 0 ? ", " : "", sorted[i]);
      }
    }
    warnings_.push_back(SegmentWarning{
        column_at(text_, lit.offset),
        diagnostic_line(text_, lit.offset,
                        fmt::format("'{}' is not a known value of {}", lit.text, col.name()),
                        hint)});
  }

  std::uint32_t push(PlanNode node) {
    nodes_.push_back(std::move(node));
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }
  std::uint32_t add_leaf(PlanLeaf leaf) {
    PlanNode node;
    node.op = PlanOp::kLeaf;
    node.leaf = std::move(leaf);
    return push(std::move(node));
  }
  // not (not x) is x in three-valued logic too.
  std::uint32_t add_not(std::uint32_t child) {
    if (nodes_[child].op == PlanOp::kNot) return nodes_[child].children[0];
    PlanNode node;
    node.op = PlanOp::kNot;
    node.children.push_back(child);
    return push(std::move(node));
  }

  std::string_view text_;
  const ProfileTable& table_;
  std::vector<std::string> field_names_;
  std::vector<PlanNode> nodes_;
  std::vector<SegmentWarning> warnings_;
};

}  // namespace

Result<CompiledPlan> compile_plan(std::string_view text, const Expr& expr,
                                  const ProfileTable& table) {
  return Compiler(text, table).run(expr);
}

}  // namespace recur::segment
