#pragma once
// Appending canonical CSV fields (docs/formats.md) to a text buffer: RFC 4180 quoting only where
// needed, money in yuan with two decimals, local timestamps "YYYY-MM-DD HH:MM:SS". None of these
// allocate beyond growing the buffer, which is what keeps a million-member generation fast.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/csv_field.h"
#include "core/money.h"
#include "demo/calendar.h"

namespace recur::demo::csv {

inline constexpr std::int64_t kSecondsPerDay = 86400;

// A text field, quoted (with doubled quotes) when it holds a comma, quote, CR or LF.
inline void field(std::string& out, std::string_view s) {
  append_csv_field(out, s);
}

inline void integer(std::string& out, std::int64_t v) {
  char buf[24];
  char* p = buf + sizeof buf;
  const bool negative = v < 0;
  std::uint64_t u = negative ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (negative) *--p = '-';
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

// Yuan with exactly two decimals: the same text as recur::format_money ("12.30", "-0.05").
inline void money(std::string& out, Fen fen) {
  const bool negative = fen < 0;
  const std::uint64_t v =
      negative ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
  if (negative) out += '-';
  integer(out, static_cast<std::int64_t>(v / 100));
  const char cents[3] = {static_cast<char>('.'), static_cast<char>('0' + v % 100 / 10),
                         static_cast<char>('0' + v % 10)};
  out.append(cents, 3);
}

inline void two_digits(std::string& out, int v) {
  const char d[2] = {static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)};
  out.append(d, 2);
}

// "YYYY-MM-DD HH:MM:SS" of local time `t`, in seconds since the calendar's first day at 00:00
// (0 <= t < calendar.size() days).
inline void timestamp(std::string& out, const Calendar& calendar, std::int64_t t) {
  const auto day = static_cast<int>(t / kSecondsPerDay);
  const auto second = static_cast<int>(t % kSecondsPerDay);
  out += calendar.date_text(day);
  out += ' ';
  two_digits(out, second / 3600);
  out += ':';
  two_digits(out, second / 60 % 60);
  out += ':';
  two_digits(out, second % 60);
}

}  // namespace recur::demo::csv
