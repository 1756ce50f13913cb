#pragma once
// Text encodings of input files. Spreadsheets exported in China are often GBK (GB18030 is
// read, a superset), or UTF-8 with a byte-order mark.

#include <string>
#include <string_view>

#include "core/status.h"

namespace recur::ingest {

enum class Encoding { kUtf8, kGbk, kAuto };

// "utf-8", "utf8", "gbk", "gb2312", "gb18030", "auto" (case-insensitive).
Result<Encoding> parse_encoding(std::string_view name);

// Returns the input as UTF-8 without a BOM. UTF-8 input is validated and returned as a view of
// `bytes`; GBK input is converted into `storage` and a view of it returned. kAuto reads UTF-8
// when the bytes are valid UTF-8 and GBK otherwise. Errors name the line of the first bad byte.
Result<std::string_view> decode_text(std::string_view bytes, Encoding encoding,
                                     std::string& storage, Encoding* used = nullptr);

}  // namespace recur::ingest
