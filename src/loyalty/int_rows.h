#pragma once
// A JSON array of integer arrays of one width: how a row keeps its lines in one column (an
// applied order's lines, order_lines.h; a checked-out order's tenders per line,
// settlement_lines.h). SQL reads them with json_each and `->>`; C++ with decode_int_rows.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace recur::loyalty {

// Appends `[f0,f1,…]` to `out` (std::to_chars: this runs once per applied order).
void append_int_array(std::string& out, std::span<const std::int64_t> fields);

// The integers of `text`, row after row, when it is an array of `width`-integer arrays;
// kInternal (a broken store) naming `what` and the offset otherwise.
Result<std::vector<std::int64_t>> decode_int_rows(std::string_view text, std::size_t width,
                                                  std::string_view what);

}  // namespace recur::loyalty
