#include "loyalty/int_rows.h"

#include <fmt/format.h>

#include <charconv>

namespace recur::loyalty {

void append_int_array(std::string& out, std::span<const std::int64_t> fields) {
  out.push_back('[');
  for (std::size_t k = 0; k < fields.size(); ++k) {
    char buf[24];  // an int64 and its sign
    if (k) out.push_back(',');
    out.append(buf, std::to_chars(buf, buf + sizeof buf, fields[k]).ptr);
  }
  out.push_back(']');
}

namespace {

class Reader {
 public:
  Reader(std::string_view t, std::string_view what) : t_(t), what_(what) {}
  void skip_space() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\t' || t_[i_] == '\r'))
      ++i_;
  }
  bool eat(char c) {
    skip_space();
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  Status expect(char c) {
    if (eat(c)) return Status();
    return fail(fmt::format("'{}' expected", c));
  }
  Result<std::int64_t> integer() {
    skip_space();
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(t_.data() + i_, t_.data() + t_.size(), v);
    if (ec != std::errc()) return fail("an integer expected");
    i_ = static_cast<std::size_t>(end - t_.data());
    return v;
  }
  bool at_end() {
    skip_space();
    return i_ == t_.size();
  }
  Status fail(std::string_view why) const {
    return Status(StatusCode::kInternal,
                  fmt::format("{} at offset {}: {} in '{}'", what_, i_, why, t_));
  }

 private:
  std::string_view t_, what_;
  std::size_t i_ = 0;
};

}  // namespace

Result<std::vector<std::int64_t>> decode_int_rows(std::string_view text, std::size_t width,
                                                  std::string_view what) {
  Reader r(text, what);
  std::vector<std::int64_t> out;
  RETURN_IF_ERROR(r.expect('['));
  if (!r.eat(']')) {
    do {
      RETURN_IF_ERROR(r.expect('['));
      for (std::size_t k = 0; k < width; ++k) {
        if (k) RETURN_IF_ERROR(r.expect(','));
        ASSIGN_OR_RETURN(std::int64_t v, r.integer());
        out.push_back(v);
      }
      RETURN_IF_ERROR(r.expect(']'));
    } while (r.eat(','));
    RETURN_IF_ERROR(r.expect(']'));
  }
  if (!r.at_end()) return r.fail("text after the array");
  return out;
}

}  // namespace recur::loyalty
