#pragma once
// Terminal text helpers: display width of UTF-8 (CJK characters take two columns) and padding,
// so bilingual tables line up.

#include <cstddef>
#include <string>
#include <string_view>

namespace recur {

// Columns `s` takes on a terminal: East Asian wide characters count 2, others 1.
std::size_t display_width(std::string_view s);
// `s` followed by spaces up to `width` columns.
std::string pad_right(std::string_view s, std::size_t width);
// Spaces up to `width` columns, then `s` (numbers lined up on the right).
std::string pad_left(std::string_view s, std::size_t width);
// A number's digits in groups of three for people to read: "-1,234,567"; the digits before a
// '.' only ("1,234.50" from "1234.50").
std::string group_thousands(std::string_view number);

}  // namespace recur
