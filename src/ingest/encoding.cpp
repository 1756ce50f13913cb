#include "ingest/encoding.h"

#include <fmt/format.h>
#include <iconv.h>
#include <simdjson.h>

#include <algorithm>
#include <cerrno>

namespace recur::ingest {
namespace {

std::size_t line_of(std::string_view text, std::size_t offset) {
  return 1 + static_cast<std::size_t>(
                 std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

// Offset of the first invalid UTF-8 sequence (slow path, only after a failed fast check).
std::size_t first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return i;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return i;
    if (!simdjson::validate_utf8(s.data() + i, n)) return i;
    i += n;
  }
  return s.size();
}

Status gbk_to_utf8(std::string_view in, std::string& out) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) return internal_error("iconv cannot convert GB18030");
  out.resize(in.size() * 3 / 2 + 16);
  char* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  std::size_t done = 0;
  while (src_left > 0) {
    char* dst = out.data() + done;
    std::size_t dst_left = out.size() - done;
    std::size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
    done = static_cast<std::size_t>(dst - out.data());
    if (rc == static_cast<std::size_t>(-1)) {
      if (errno == E2BIG) {
        out.resize(out.size() * 2);
        continue;
      }
      std::size_t offset = static_cast<std::size_t>(src - in.data());
      iconv_close(cd);
      return invalid_argument(fmt::format("line {}: byte 0x{:02X} is not valid GBK text",
                                          line_of(in, offset),
                                          static_cast<unsigned char>(in[offset])));
    }
  }
  iconv_close(cd);
  out.resize(done);
  return Status();
}

}  // namespace

Result<Encoding> parse_encoding(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "utf-8" || n == "utf8") return Encoding::kUtf8;
  if (n == "gbk" || n == "gb2312" || n == "gb18030" || n == "cp936") return Encoding::kGbk;
  if (n == "auto") return Encoding::kAuto;
  return invalid_argument(fmt::format("unknown encoding '{}' (use utf-8, gbk or auto)", name));
}

Result<std::string_view> decode_text(std::string_view bytes, Encoding encoding,
                                     std::string& storage, Encoding* used) {
  if (bytes.starts_with("\xEF\xBB\xBF")) {  // a UTF-8 BOM settles it
    bytes.remove_prefix(3);
    encoding = Encoding::kUtf8;
  }
  if (encoding != Encoding::kGbk) {
    if (simdjson::validate_utf8(bytes.data(), bytes.size())) {
      if (used) *used = Encoding::kUtf8;
      return bytes;
    }
    if (encoding == Encoding::kUtf8) {
      std::size_t bad = first_invalid_utf8(bytes);
      return invalid_argument(fmt::format(
          "line {}: the file is not valid UTF-8 (byte 0x{:02X}); if it was exported from a "
          "Chinese spreadsheet, try --encoding gbk",
          line_of(bytes, bad), static_cast<unsigned char>(bytes[bad])));
    }
  }
  RETURN_IF_ERROR(gbk_to_utf8(bytes, storage));
  if (used) *used = Encoding::kGbk;
  return std::string_view(storage);
}

}  // namespace recur::ingest
