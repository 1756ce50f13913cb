#include "segment/lexer.h"

#include <fmt/format.h>

#include "segment/diagnostic.h"

namespace recur::segment {

namespace {

struct Keyword {
  std::string_view word;
  TokenKind kind;
};

constexpr Keyword kKeywords[] = {
    {"and", TokenKind::kAnd},
    {"or", TokenKind::kOr},
    {"not", TokenKind::kNot},
    {"in", TokenKind::kIn},
    {"is", TokenKind::kIs},
    {"null", TokenKind::kNull},
    {"true", TokenKind::kTrue},
    {"false", TokenKind::kFalse},
    {"today", TokenKind::kToday},
    {"date", TokenKind::kDate},
    {"contains", TokenKind::kContains},
};

// Punctuation a Chinese input method types in place of the ASCII the language wants.
struct FullWidth {
  char32_t code_point;
  std::string_view ascii;
};

constexpr FullWidth kFullWidth[] = {
    {U'（', "("}, {U'）', ")"}, {U'，', ","}, {U'‘', "'"},  {U'’', "'"},
    {U'“', "\""}, {U'”', "\""}, {U'＝', "="}, {U'＞', ">"}, {U'＜', "<"},
    {U'！', "!"}, {U'－', "-"}, {U'＋', "+"},
};

bool ascii_lower_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ident_char(char c) {
  return is_ident_start(c) || is_digit(c);
}
bool is_ascii(char c) {
  return static_cast<unsigned char>(c) < 0x80;
}

// Whitespace, including the no-break and ideographic spaces that pasted text brings along.
bool is_space(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0 || c == 0x3000;
}

// Fixed operators, longest first.
struct Operator {
  std::string_view text;
  TokenKind kind;
};
constexpr Operator kOperators[] = {
    {"==", TokenKind::kEq},    {"!=", TokenKind::kNe},   {"<>", TokenKind::kNe},
    {"<=", TokenKind::kLe},    {">=", TokenKind::kGe},   {"=", TokenKind::kEq},
    {"<", TokenKind::kLt},     {">", TokenKind::kGt},    {"(", TokenKind::kLParen},
    {")", TokenKind::kRParen}, {",", TokenKind::kComma}, {"+", TokenKind::kPlus},
    {"-", TokenKind::kMinus},
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> run() {
    while (true) {
      skip_space();
      if (pos_ >= text_.size()) break;
      const char c = text_[pos_];
      if (c == '\'' || c == '"') {
        RETURN_IF_ERROR(string_literal());
      } else if (is_digit(c)) {
        number();
      } else if (is_ident_start(c)) {
        RETURN_IF_ERROR(identifier());
      } else if (!is_ascii(c)) {
        return non_ascii();
      } else if (!fixed_operator()) {
        std::string_view hint;
        if (c == '&') hint = "write 'and'";
        if (c == '|') hint = "write 'or'";
        if (c == '!') hint = "write 'not', or '!=' for not equal";
        return syntax_error(text_, pos_, fmt::format("unexpected character '{}'", c), hint);
      }
    }
    tokens_.push_back(Token{TokenKind::kEnd, text_.size(), 0, ""});
    return std::move(tokens_);
  }

 private:
  void skip_space() {
    while (pos_ < text_.size()) {
      std::size_t next = pos_;
      if (!is_space(next_code_point(text_, next))) return;
      pos_ = next;
    }
  }

  Status string_literal() {
    const char quote = text_[pos_];
    const std::size_t start = pos_;
    std::string value;
    std::size_t i = pos_ + 1;
    while (i < text_.size() && text_[i] != quote) {
      if (text_[i] == '\\' && i + 1 < text_.size()) ++i;
      value += text_[i++];
    }
    if (i >= text_.size()) {
      return syntax_error(text_, start, "unterminated string",
                          fmt::format("close it with {}", quote));
    }
    pos_ = i + 1;
    tokens_.push_back(Token{TokenKind::kString, start, pos_ - start, std::move(value)});
    return Status::ok_status();
  }

  void number() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    if (pos_ + 1 < text_.size() && text_[pos_] == '.' && is_digit(text_[pos_ + 1])) {
      ++pos_;
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    push(TokenKind::kNumber, start);
  }

  Status identifier() {
    const std::size_t start = pos_;
    while (true) {
      while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
      if (pos_ + 1 < text_.size() && text_[pos_] == '.' && is_ident_start(text_[pos_ + 1])) {
        ++pos_;
        continue;
      }
      break;
    }
    const std::string_view word = text_.substr(start, pos_ - start);
    TokenKind kind = TokenKind::kIdentifier;
    for (const Keyword& k : kKeywords) {
      if (ascii_lower_equals(word, k.word)) kind = k.kind;
    }
    push(kind, start);
    return Status::ok_status();
  }

  bool fixed_operator() {
    for (const Operator& op : kOperators) {
      if (text_.substr(pos_, op.text.size()) == op.text) {
        const std::size_t start = pos_;
        pos_ += op.text.size();
        push(op.kind, start);
        return true;
      }
    }
    return false;
  }

  // Outside quotes only ASCII belongs; say what the operator most likely meant.
  Status non_ascii() {
    std::size_t next = pos_;
    const char32_t cp = next_code_point(text_, next);
    for (const FullWidth& f : kFullWidth) {
      if (f.code_point == cp) {
        return syntax_error(text_, pos_,
                            fmt::format("full-width '{}'", text_.substr(pos_, next - pos_)),
                            f.ascii == "'" || f.ascii == "\""
                                ? fmt::format("use a straight quote {} instead", f.ascii)
                                : fmt::format("use '{}' instead", f.ascii));
      }
    }
    std::size_t end = pos_;
    while (end < text_.size()) {
      std::size_t after = end;
      const char32_t c = next_code_point(text_, after);
      if (is_space(c)) break;
      if (c < 0x80 && !is_ident_char(static_cast<char>(c))) break;
      bool punct = false;
      for (const FullWidth& f : kFullWidth) punct = punct || f.code_point == c;
      if (punct) break;
      end = after;
    }
    const std::string_view run = text_.substr(pos_, end - pos_);
    if (run.starts_with("¥") || run.starts_with("￥") || run.starts_with("元")) {
      return syntax_error(text_, pos_, fmt::format("unexpected '{}'", run),
                          "write money as a plain number of yuan, e.g. clv_12m >= 500");
    }
    return syntax_error(text_, pos_, fmt::format("unquoted text '{}'", run),
                        fmt::format("put values in quotes: '{}'", run));
  }

  void push(TokenKind kind, std::size_t start) {
    tokens_.push_back(
        Token{kind, start, pos_ - start, std::string(text_.substr(start, pos_ - start))});
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

bool is_keyword(std::string_view word) {
  for (const Keyword& k : kKeywords) {
    if (ascii_lower_equals(word, k.word)) return true;
  }
  return false;
}

Result<std::vector<Token>> tokenize(std::string_view text) {
  return Lexer(text).run();
}

std::string describe_token(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "the end";
  return fmt::format("'{}'", token.text);
}

}  // namespace recur::segment
