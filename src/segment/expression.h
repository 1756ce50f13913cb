#pragma once
// The syntax tree of a segment expression, and its parser. Parsing knows nothing of the profile
// table: field names and types are checked when the tree is compiled into a plan (compiler.h).
//
// Grammar (keywords in any case; precedence not > and > or; docs/segments.md for the meaning):
//   expr      := and_expr ('or' and_expr)*
//   and_expr  := not_expr ('and' not_expr)*
//   not_expr  := 'not' not_expr | primary
//   primary   := '(' expr ')' | FIELD tail | value ['not'] 'in' FIELD
//   tail      := cmp value | ['not'] 'in' '(' value (',' value)* ')' | ['not'] 'contains' value
//              | 'is' ['not'] 'null' | <nothing: a yes/no field>
//   cmp       := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
//   value     := STRING | ['-'] NUMBER | 'true' | 'false' | 'date' '(' STRING ')'
//              | 'today' [('+' | '-') INTEGER]

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace recur::segment {

enum class CompareOp : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

// "=", "!=", "<", "<=", ">", ">=".
std::string_view compare_op_text(CompareOp op);

struct Literal {
  enum class Kind : std::uint8_t {
    kString,  // 'dormant', '2024-06-18' (a date when compared with a date field)
    kNumber,  // 500, 12.50, -3
    kBool,    // true, false
    kDate,    // date('2024-06-18')
    kToday,   // today, today - 30, today + 7: a date relative to the evaluation day
  };
  Kind kind = Kind::kString;
  std::size_t offset = 0;  // bytes into the expression, where the literal starts
  // kString: the value, unescaped. kNumber: the decimal as written, '-' included when negative.
  std::string text;
  bool boolean = false;   // kBool
  Date date;              // kDate
  std::int32_t days = 0;  // kToday: days after today (negative: before)
};

enum class ExprKind : std::uint8_t {
  kAnd,       // children: two or more
  kOr,        // children: two or more
  kNot,       // children: one
  kCompare,   // field op values[0]
  kInList,    // field [not] in (values...)
  kValueIn,   // values[0] [not] in field          (set membership)
  kContains,  // field [not] contains values[0]    (set membership or substring)
  kIsNull,    // field is [not] null
  kField,     // a bare yes/no field
};

struct Expr {
  ExprKind kind = ExprKind::kField;
  // Where the node is reported: its operator ('and', '>=', 'in', 'contains', 'is', 'not'), or
  // the field of a bare kField. Bytes into the expression.
  std::size_t offset = 0;
  std::vector<Expr> children;
  std::string field;
  std::size_t field_offset = 0;
  CompareOp op = CompareOp::kEq;  // kCompare
  std::vector<Literal> values;
  bool negated = false;  // not in, not contains, is not null
};

// Parses `text` into a tree. Errors name the column and show a caret (diagnostic.h).
Result<Expr> parse_expression(std::string_view text);

// A canonical rendering with every and/or/not in parentheses: "(a = 1 or ((not b) and c))".
// Keywords in lower case, strings in single quotes. For tests and logs; it parses back to the
// same tree.
std::string to_string(const Expr& expr);
std::string to_string(const Literal& literal);

}  // namespace recur::segment
