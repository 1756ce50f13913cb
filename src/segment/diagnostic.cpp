#include "segment/diagnostic.h"

#include <fmt/format.h>

#include <algorithm>

namespace recur::segment {

namespace {

// East Asian Wide and Fullwidth ranges that matter in practice (CJK, Hangul, fullwidth forms).
bool is_wide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
         (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
}

std::size_t line_start(std::string_view text, std::size_t offset) {
  const std::size_t nl = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  return (nl == std::string_view::npos || nl >= offset) ? 0 : nl + 1;
}

}  // namespace

char32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  std::size_t len = 1;
  char32_t cp = b0;
  if (b0 >= 0xF0 && b0 < 0xF8) {
    len = 4;
    cp = b0 & 0x07U;
  } else if (b0 >= 0xE0) {
    len = 3;
    cp = b0 & 0x0FU;
  } else if (b0 >= 0xC0) {
    len = 2;
    cp = b0 & 0x1FU;
  }
  if (len > 1) {
    if (i + len > text.size()) len = 1;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0U) != 0x80U) {
        len = 1;
        break;
      }
      cp = (cp << 6) | (b & 0x3FU);
    }
    if (len == 1) cp = b0;
  }
  i += len;
  return cp;
}

std::size_t column_at(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t i = line_start(text, offset);
  std::size_t column = 1;
  while (i < offset) {
    next_code_point(text, i);
    ++column;
  }
  return column;
}

std::string location_at(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  if (text.find('\n') == std::string_view::npos) {
    return fmt::format("at column {}", column_at(text, offset));
  }
  const std::size_t line =
      1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
  return fmt::format("at line {}, column {}", line, column_at(text, offset));
}

std::string diagnostic_line(std::string_view text, std::size_t offset, std::string_view reason,
                            std::string_view hint) {
  std::string out = fmt::format("{} {}", reason, location_at(text, offset));
  if (!hint.empty()) {
    out += "; ";
    out += hint;
  }
  return out;
}

std::string caret_excerpt(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const std::size_t begin = line_start(text, offset);
  std::size_t end = text.find('\n', begin);
  if (end == std::string_view::npos) end = text.size();
  std::string_view line = text.substr(begin, end - begin);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

  std::string caret;
  std::size_t i = begin;
  while (i < offset) {
    const char32_t c = next_code_point(text, i);
    if (c == '\t') {
      caret += '\t';
    } else {
      caret.append(is_wide(c) ? 2 : 1, ' ');
    }
  }
  caret += '^';
  return fmt::format("{}\n{}", line, caret);
}

Status syntax_error(std::string_view text, std::size_t offset, std::string_view reason,
                    std::string_view hint) {
  return invalid_argument(fmt::format("{}\n{}", diagnostic_line(text, offset, reason, hint),
                                      caret_excerpt(text, offset)));
}

}  // namespace recur::segment
