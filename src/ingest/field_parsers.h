#pragma once
// Parsers for the small value types of input rows. Each returns a reason a person can act on.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace recur::ingest {

// 1/0, true/false, yes/no, y/n, 是/否 (case-insensitive); empty is `fallback`.
Result<bool> parse_bool_field(std::string_view text, bool fallback = false);
// A whole number in [min, max].
Result<std::int64_t> parse_int_field(std::string_view text, std::int64_t min, std::int64_t max);
// online, miniprogram, store, marketplace:<name>.
bool is_valid_channel(std::string_view channel);
// m / f / 男 / 女 / male / female; empty -> empty.
Result<std::string> parse_gender(std::string_view text);
// A 64-bit FNV-1a hash in 16 hex digits (content ids for events without an id).
std::string content_id(std::string_view text);

}  // namespace recur::ingest
