#include "loyalty/order_lines.h"

#include <fmt/format.h>

#include <charconv>

namespace recur::loyalty {

void encode_order_lines(const std::vector<OrderLineRecord>& lines, std::string& out) {
  // std::to_chars, not fmt: this runs once per applied order (the bulk apply's hot path).
  out.push_back('[');
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const OrderLineRecord& l = lines[i];
    out.append(i ? ",[" : "[");
    const std::int64_t fields[] = {l.line_no,  l.amount,        l.points,       l.growth,
                                   l.refunded, l.points_clawed, l.growth_clawed};
    for (std::size_t k = 0; k < std::size(fields); ++k) {
      char buf[24];  // an int64 and its sign
      if (k) out.push_back(',');
      out.append(buf, std::to_chars(buf, buf + sizeof buf, fields[k]).ptr);
    }
    out.push_back(']');
  }
  out.push_back(']');
}

std::string encode_order_lines(const std::vector<OrderLineRecord>& lines) {
  std::string out;
  out.reserve(2 + lines.size() * 28);
  encode_order_lines(lines, out);
  return out;
}

namespace {

class Reader {
 public:
  explicit Reader(std::string_view t) : t_(t) {}
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
  Status fail(std::string_view what) const {
    return Status(StatusCode::kInternal,
                  fmt::format("order lines at offset {}: {} in '{}'", i_, what, t_));
  }

 private:
  std::string_view t_;
  std::size_t i_ = 0;
};

}  // namespace

Result<std::vector<OrderLineRecord>> decode_order_lines(std::string_view text) {
  Reader r(text);
  std::vector<OrderLineRecord> out;
  RETURN_IF_ERROR(r.expect('['));
  if (!r.eat(']')) {
    do {
      RETURN_IF_ERROR(r.expect('['));
      OrderLineRecord l;
      std::int64_t* fields[] = {&l.line_no,  &l.amount,        &l.points,       &l.growth,
                                &l.refunded, &l.points_clawed, &l.growth_clawed};
      for (std::size_t k = 0; k < std::size(fields); ++k) {
        if (k) RETURN_IF_ERROR(r.expect(','));
        ASSIGN_OR_RETURN(*fields[k], r.integer());
      }
      RETURN_IF_ERROR(r.expect(']'));
      out.push_back(l);
    } while (r.eat(','));
    RETURN_IF_ERROR(r.expect(']'));
  }
  if (!r.at_end()) return r.fail("text after the array");
  return out;
}

}  // namespace recur::loyalty
