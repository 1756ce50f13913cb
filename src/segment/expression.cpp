#include "segment/expression.h"

#include <fmt/format.h>

#include <charconv>
#include <utility>

#include "segment/diagnostic.h"
#include "segment/lexer.h"

namespace recur::segment {

std::string_view compare_op_text(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
  }
  return "?";
}

namespace {

// Relative dates beyond this many days are surely typos (and would overflow a day count).
constexpr std::int64_t kMaxRelativeDays = 100000;

bool is_compare(TokenKind kind, CompareOp& op) {
  switch (kind) {
    case TokenKind::kEq:
      op = CompareOp::kEq;
      return true;
    case TokenKind::kNe:
      op = CompareOp::kNe;
      return true;
    case TokenKind::kLt:
      op = CompareOp::kLt;
      return true;
    case TokenKind::kLe:
      op = CompareOp::kLe;
      return true;
    case TokenKind::kGt:
      op = CompareOp::kGt;
      return true;
    case TokenKind::kGe:
      op = CompareOp::kGe;
      return true;
    default:
      return false;
  }
}

bool starts_value(TokenKind kind) {
  switch (kind) {
    case TokenKind::kString:
    case TokenKind::kNumber:
    case TokenKind::kMinus:
    case TokenKind::kTrue:
    case TokenKind::kFalse:
    case TokenKind::kToday:
    case TokenKind::kDate:
      return true;
    default:
      return false;
  }
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  Result<Expr> run() {
    if (peek().kind == TokenKind::kEnd) {
      return syntax_error(text_, 0, "expected a condition", "the expression is empty");
    }
    ASSIGN_OR_RETURN(Expr e, or_expr());
    if (peek().kind != TokenKind::kEnd) {
      const Token& t = peek();
      if (t.kind == TokenKind::kRParen) {
        return error_here(fmt::format("unexpected {}", describe_token(t)), "no '(' is open");
      }
      return error_here(fmt::format("unexpected {}", describe_token(t)),
                        "expected 'and', 'or' or the end");
    }
    return e;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& take() { return tokens_[pos_ == tokens_.size() - 1 ? pos_ : pos_++]; }
  bool accept(TokenKind kind) {
    if (peek().kind != kind) return false;
    take();
    return true;
  }
  Status error_here(std::string_view reason, std::string_view hint = {}) const {
    return syntax_error(text_, peek().offset, reason, hint);
  }

  Result<Expr> or_expr() { return chain(TokenKind::kOr, ExprKind::kOr); }
  Result<Expr> and_expr() { return chain(TokenKind::kAnd, ExprKind::kAnd); }

  // operand (op operand)*, flattened into one node with two or more children.
  Result<Expr> chain(TokenKind op, ExprKind kind) {
    auto operand = [&]() { return op == TokenKind::kOr ? and_expr() : not_expr(); };
    ASSIGN_OR_RETURN(Expr first, operand());
    if (peek().kind != op) return first;
    Expr node;
    node.kind = kind;
    node.offset = peek().offset;
    node.children.push_back(std::move(first));
    while (peek().kind == op) {
      previous_ = take();
      ASSIGN_OR_RETURN(Expr next, operand());
      node.children.push_back(std::move(next));
    }
    return node;
  }

  Result<Expr> not_expr() {
    if (peek().kind != TokenKind::kNot) return primary();
    Expr node;
    node.kind = ExprKind::kNot;
    node.offset = peek().offset;
    previous_ = take();
    ASSIGN_OR_RETURN(Expr child, not_expr());
    node.children.push_back(std::move(child));
    return node;
  }

  Result<Expr> primary() {
    const Token& t = peek();
    if (t.kind == TokenKind::kLParen) {
      const std::size_t open = t.offset;
      previous_ = take();
      ASSIGN_OR_RETURN(Expr inner, or_expr());
      if (!accept(TokenKind::kRParen)) {
        return error_here(fmt::format("expected ')' before {}", describe_token(peek())),
                          fmt::format("to close the '(' at column {}", column_at(text_, open)));
      }
      return inner;
    }
    if (t.kind == TokenKind::kIdentifier) return field_condition();
    if (starts_value(t.kind)) return value_in_field();
    std::string reason = "expected a condition";
    if (previous_.kind != TokenKind::kEnd) reason += " after " + describe_token(previous_);
    if (t.kind != TokenKind::kEnd) reason += ", found " + describe_token(t);
    return error_here(reason);
  }

  // FIELD tail
  Result<Expr> field_condition() {
    Expr node;
    const Token& field = take();
    node.field = field.text;
    node.field_offset = field.offset;
    node.offset = peek().offset;
    CompareOp op;
    const Token& t = peek();
    if (is_compare(t.kind, op)) {
      node.kind = ExprKind::kCompare;
      node.op = op;
      const Token& op_token = take();
      if (peek().kind == TokenKind::kNull) {
        return error_here(
            fmt::format("'{} null' is never true", op_token.text),
            fmt::format("write {} is {}null", node.field, op == CompareOp::kNe ? "not " : ""));
      }
      ASSIGN_OR_RETURN(Literal v, value(op_token));
      node.values.push_back(std::move(v));
      return node;
    }
    switch (t.kind) {
      case TokenKind::kIn:
        return in_list(std::move(node));
      case TokenKind::kContains:
        return contains(std::move(node));
      case TokenKind::kNot: {
        previous_ = take();
        node.negated = true;
        node.offset = peek().offset;
        if (peek().kind == TokenKind::kIn) return in_list(std::move(node));
        if (peek().kind == TokenKind::kContains) return contains(std::move(node));
        return error_here("expected 'in' or 'contains' after 'not'");
      }
      case TokenKind::kIs: {
        node.kind = ExprKind::kIsNull;
        previous_ = take();
        node.negated = accept(TokenKind::kNot);
        if (!accept(TokenKind::kNull)) {
          return error_here(node.negated ? "expected 'null' after 'is not'"
                                         : "expected 'null' or 'not null' after 'is'");
        }
        return node;
      }
      case TokenKind::kEnd:
      case TokenKind::kAnd:
      case TokenKind::kOr:
      case TokenKind::kRParen:
        node.kind = ExprKind::kField;
        node.offset = node.field_offset;
        return node;
      default:
        return error_here(fmt::format("expected an operator after '{}'", node.field),
                          "one of = != < <= > >= in, not in, contains, is null");
    }
  }

  Result<Expr> in_list(Expr node) {
    node.kind = ExprKind::kInList;
    previous_ = take();  // 'in'
    if (peek().kind != TokenKind::kLParen) {
      return error_here("expected '(' after 'in'", "write a list such as in ('gold', 'diamond')");
    }
    Token separator = take();
    while (true) {
      ASSIGN_OR_RETURN(Literal v, value(separator));
      node.values.push_back(std::move(v));
      if (accept(TokenKind::kRParen)) return node;
      if (peek().kind != TokenKind::kComma) {
        return error_here(fmt::format("expected ',' or ')' after {}", describe_token(previous_)));
      }
      separator = take();
    }
  }

  Result<Expr> contains(Expr node) {
    node.kind = ExprKind::kContains;
    const Token keyword = take();
    ASSIGN_OR_RETURN(Literal v, value(keyword));
    node.values.push_back(std::move(v));
    return node;
  }

  // value ['not'] 'in' FIELD
  Result<Expr> value_in_field() {
    Expr node;
    node.kind = ExprKind::kValueIn;
    ASSIGN_OR_RETURN(Literal v, value(Token{}));
    node.values.push_back(std::move(v));
    if (accept(TokenKind::kNot)) node.negated = true;
    node.offset = peek().offset;
    if (!accept(TokenKind::kIn)) {
      return error_here(fmt::format("expected 'in' after {}", describe_token(previous_)),
                        "a condition starts with a field (clv_12m >= 500) or is "
                        "'value' in field");
    }
    if (peek().kind != TokenKind::kIdentifier) {
      return error_here("expected a field name after 'in'");
    }
    const Token& field = take();
    node.field = field.text;
    node.field_offset = field.offset;
    return node;
  }

  // A value after `after` (an operator, '(' or ','; kEnd for "no context").
  Result<Literal> value(const Token& after) {
    const Token& t = peek();
    Literal lit;
    lit.offset = t.offset;
    switch (t.kind) {
      case TokenKind::kString:
        lit.kind = Literal::Kind::kString;
        lit.text = t.text;
        previous_ = take();
        return lit;
      case TokenKind::kNumber:
        lit.kind = Literal::Kind::kNumber;
        lit.text = t.text;
        previous_ = take();
        return lit;
      case TokenKind::kMinus: {
        take();
        if (peek().kind != TokenKind::kNumber) return error_here("expected a number after '-'");
        lit.kind = Literal::Kind::kNumber;
        lit.text = "-" + peek().text;
        previous_ = take();
        return lit;
      }
      case TokenKind::kTrue:
      case TokenKind::kFalse:
        lit.kind = Literal::Kind::kBool;
        lit.boolean = t.kind == TokenKind::kTrue;
        lit.text = t.text;
        previous_ = take();
        return lit;
      case TokenKind::kToday:
        return today(std::move(lit));
      case TokenKind::kDate:
        return date_call(std::move(lit));
      default: {
        std::string reason = "expected a value";
        if (after.kind != TokenKind::kEnd) reason += " after " + describe_token(after);
        return error_here(reason);
      }
    }
  }

  // today [('+' | '-') INTEGER]
  Result<Literal> today(Literal lit) {
    lit.kind = Literal::Kind::kToday;
    previous_ = take();
    if (peek().kind != TokenKind::kPlus && peek().kind != TokenKind::kMinus) return lit;
    const Token sign = take();
    const Token& n = peek();
    if (n.kind != TokenKind::kNumber) {
      return error_here(fmt::format("expected a number of days after {}", describe_token(sign)));
    }
    std::int64_t days = 0;
    const auto [end, ec] = std::from_chars(n.text.data(), n.text.data() + n.text.size(), days);
    if (ec != std::errc() || end != n.text.data() + n.text.size()) {
      return error_here(fmt::format("'{}' is not a whole number of days", n.text));
    }
    if (days > kMaxRelativeDays) {
      return error_here(fmt::format("{} days is too far from today", n.text),
                        fmt::format("at most {}", kMaxRelativeDays));
    }
    lit.days = static_cast<std::int32_t>(sign.kind == TokenKind::kMinus ? -days : days);
    previous_ = take();
    if (peek().kind == TokenKind::kIdentifier &&
        (ascii_iequals(peek().text, "days") || ascii_iequals(peek().text, "day"))) {
      return error_here(
          fmt::format("unexpected '{}'", peek().text),
          fmt::format("write today {} {}; the number counts days", sign.text, n.text));
    }
    return lit;
  }

  // date('YYYY-MM-DD')
  Result<Literal> date_call(Literal lit) {
    lit.kind = Literal::Kind::kDate;
    previous_ = take();
    if (!accept(TokenKind::kLParen)) return error_here("expected '(' after 'date'");
    if (peek().kind != TokenKind::kString) {
      return error_here("expected a date in quotes after 'date('", "e.g. date('2024-06-18')");
    }
    auto parsed = parse_date(peek().text);
    if (!parsed.ok()) {
      return error_here(fmt::format("'{}' is not a date", peek().text), "write YYYY-MM-DD");
    }
    lit.date = *parsed;
    lit.text = peek().text;
    take();
    if (!accept(TokenKind::kRParen)) return error_here("expected ')' after the date");
    previous_ = tokens_[pos_ - 1];
    return lit;
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  Token previous_;  // the last token consumed, for "after 'and'" in messages; kEnd at first
};

std::string quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace

Result<Expr> parse_expression(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(text));
  return Parser(text, std::move(tokens)).run();
}

std::string to_string(const Literal& literal) {
  switch (literal.kind) {
    case Literal::Kind::kString:
      return quote(literal.text);
    case Literal::Kind::kNumber:
      return literal.text;
    case Literal::Kind::kBool:
      return literal.boolean ? "true" : "false";
    case Literal::Kind::kDate:
      return fmt::format("date('{}')", literal.date.to_string());
    case Literal::Kind::kToday:
      if (literal.days == 0) return "today";
      return fmt::format("today {} {}", literal.days < 0 ? '-' : '+',
                         literal.days < 0 ? -static_cast<std::int64_t>(literal.days)
                                          : static_cast<std::int64_t>(literal.days));
  }
  return "?";
}

std::string to_string(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      std::string out = "(";
      for (std::size_t i = 0; i < expr.children.size(); ++i) {
        if (i > 0) out += expr.kind == ExprKind::kAnd ? " and " : " or ";
        out += to_string(expr.children[i]);
      }
      return out + ")";
    }
    case ExprKind::kNot:
      return "(not " + to_string(expr.children[0]) + ")";
    case ExprKind::kCompare:
      return fmt::format("{} {} {}", expr.field, compare_op_text(expr.op),
                         to_string(expr.values[0]));
    case ExprKind::kInList: {
      std::string out = expr.field + (expr.negated ? " not in (" : " in (");
      for (std::size_t i = 0; i < expr.values.size(); ++i) {
        if (i > 0) out += ", ";
        out += to_string(expr.values[i]);
      }
      return out + ")";
    }
    case ExprKind::kValueIn:
      return fmt::format("{} {}in {}", to_string(expr.values[0]), expr.negated ? "not " : "",
                         expr.field);
    case ExprKind::kContains:
      return fmt::format("{} {}contains {}", expr.field, expr.negated ? "not " : "",
                         to_string(expr.values[0]));
    case ExprKind::kIsNull:
      return fmt::format("{} is {}null", expr.field, expr.negated ? "not " : "");
    case ExprKind::kField:
      return expr.field;
  }
  return "?";
}

}  // namespace recur::segment
