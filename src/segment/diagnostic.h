#pragma once
// Error and warning messages that point into a segment expression.
//
// Positions are byte offsets inside the code and columns in messages: 1-based and counted in
// characters (Unicode code points), so "'母婴' in x" has 'x' at column 9, not 11. An expression
// that spans several lines is located as "line L, column C".
//
// A rendered error is three lines:
//   expected a value after '>=' at column 25; ...
//   lifecycle = 'dormant' and clv_12m >=
//                                        ^
// The caret line pads wide (CJK) characters with two spaces so that it lines up in a terminal.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace recur::segment {

// The 1-based character column of byte `offset` within its line.
std::size_t column_at(std::string_view text, std::size_t offset);

// "at column 24", or "at line 2, column 5" when `text` has several lines.
std::string location_at(std::string_view text, std::size_t offset);

// "<reason> at column N[; <hint>]".
std::string diagnostic_line(std::string_view text, std::size_t offset, std::string_view reason,
                            std::string_view hint = {});

// The line of `text` holding `offset`, and under it a caret at `offset`.
std::string caret_excerpt(std::string_view text, std::size_t offset);

// An kInvalidArgument Status: diagnostic_line, a newline, caret_excerpt.
Status syntax_error(std::string_view text, std::size_t offset, std::string_view reason,
                    std::string_view hint = {});

// Decodes the UTF-8 code point at text[i] and advances i past it. Invalid bytes decode as
// themselves, one byte each, so every byte string can be walked.
char32_t next_code_point(std::string_view text, std::size_t& i);

}  // namespace recur::segment
