#pragma once
// Tokens of the segment language. Keywords are case-insensitive; field names are identifiers
// with optional dots (consent.sms); strings are single- or double-quoted UTF-8 with backslash
// escapes (\' \" \\); numbers are digits with an optional fraction (12, 12.50), their sign is
// the parser's business.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace recur::segment {

enum class TokenKind : std::uint8_t {
  kEnd,
  kIdentifier,
  kString,
  kNumber,
  kLParen,
  kRParen,
  kComma,
  kPlus,
  kMinus,
  kEq,  // = or ==
  kNe,  // != or <>
  kLt,
  kLe,
  kGt,
  kGe,
  // Keywords.
  kAnd,
  kOr,
  kNot,
  kIn,
  kIs,
  kNull,
  kTrue,
  kFalse,
  kToday,
  kDate,
  kContains,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::size_t offset = 0;  // bytes into the expression
  std::size_t length = 0;  // bytes, as written (quotes included)
  // kIdentifier: the name; kString: the value, unescaped; kNumber: the digits as written.
  std::string text;
};

// Whether `word` is a keyword of the language (any case); such words cannot name a field.
bool is_keyword(std::string_view word);

// The tokens of `text`, ending with one kEnd token at text.size(). Errors are rendered with
// syntax_error (message, expression, caret).
Result<std::vector<Token>> tokenize(std::string_view text);

// How a token reads in a message: 'and', '>=', 'clv_12m', '母婴' (quoted), "the end".
std::string describe_token(const Token& token);

}  // namespace recur::segment
