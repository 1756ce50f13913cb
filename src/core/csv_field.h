#pragma once
// Appending one CSV field (RFC 4180) to a text buffer: quoted, with quotes doubled, only when it
// holds a comma, quote, CR or LF. Shared by every CSV writer (the demo generator, segment and
// ledger exports).

#include <string>
#include <string_view>

namespace recur {

inline void append_csv_field(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace recur
