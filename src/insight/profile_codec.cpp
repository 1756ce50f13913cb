#include "insight/profile_codec.h"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <sstream>

namespace recur::insight {
namespace {

enum : std::uint8_t {
  kNull = 0,
  kInt = 1,
  kDouble = 2,
  kFalse = 3,
  kTrue = 4,
  kString = 5,
  kFloat = 6,
  kStringSet = 7,
  kDate = 8,
};

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_signed(std::string& out, std::int64_t v) {
  put_varint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

template <typename T>
void put_raw(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // little-endian hosts only (x86-64, arm64)
  out.append(b, sizeof(T));
}

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

struct Encoder {
  std::string& out;
  void operator()(std::monostate) const { out.push_back(kNull); }
  void operator()(std::int64_t v) const {
    out.push_back(kInt);
    put_signed(out, v);
  }
  void operator()(double v) const {
    auto f = static_cast<float>(v);
    if (static_cast<double>(f) == v) {
      out.push_back(kFloat);
      put_raw(out, f);
    } else {
      out.push_back(kDouble);
      put_raw(out, v);
    }
  }
  void operator()(bool v) const { out.push_back(v ? kTrue : kFalse); }
  void operator()(const std::string& s) const {
    out.push_back(kString);
    put_string(out, s);
  }
  void operator()(const std::vector<std::string>& set) const {
    out.push_back(kStringSet);
    put_varint(out, set.size());
    for (const auto& s : set) put_string(out, s);
  }
  void operator()(DateValue d) const {
    out.push_back(kDate);
    put_signed(out, d.days);
  }
};

class Decoder {
 public:
  explicit Decoder(std::string_view b) : b_(b) {}
  bool done() const { return at_ == b_.size(); }
  Result<std::uint64_t> varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ >= b_.size()) return damaged();
      auto c = static_cast<std::uint8_t>(b_[at_++]);
      v |= static_cast<std::uint64_t>(c & 0x7F) << shift;
      if (!(c & 0x80)) return v;
    }
    return damaged();
  }
  Result<std::int64_t> signed_varint() {
    ASSIGN_OR_RETURN(std::uint64_t z, varint());
    return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  Result<std::string> string() {
    ASSIGN_OR_RETURN(std::uint64_t n, varint());
    if (n > b_.size() - at_) return damaged();
    std::string s(b_.substr(at_, n));
    at_ += n;
    return s;
  }
  template <typename T>
  Result<T> raw() {
    if (sizeof(T) > b_.size() - at_) return damaged();
    T v;
    std::memcpy(&v, b_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return v;
  }
  Result<TagValue> value() {
    if (at_ >= b_.size()) return damaged();
    switch (static_cast<std::uint8_t>(b_[at_++])) {
      case kNull:
        return TagValue{};
      case kInt: {
        ASSIGN_OR_RETURN(std::int64_t v, signed_varint());
        return TagValue(v);
      }
      case kDouble: {
        ASSIGN_OR_RETURN(double v, raw<double>());
        return TagValue(v);
      }
      case kFloat: {
        ASSIGN_OR_RETURN(float v, raw<float>());
        return TagValue(static_cast<double>(v));
      }
      case kFalse:
        return TagValue(false);
      case kTrue:
        return TagValue(true);
      case kString: {
        ASSIGN_OR_RETURN(std::string s, string());
        return TagValue(std::move(s));
      }
      case kStringSet: {
        ASSIGN_OR_RETURN(std::uint64_t n, varint());
        if (n > b_.size() - at_) return damaged();
        std::vector<std::string> set;
        for (std::uint64_t i = 0; i < n; ++i) {
          ASSIGN_OR_RETURN(std::string s, string());
          set.push_back(std::move(s));
        }
        return TagValue(std::move(set));
      }
      case kDate: {
        ASSIGN_OR_RETURN(std::int64_t d, signed_varint());
        return TagValue(DateValue{static_cast<std::int32_t>(d)});
      }
      default:
        return damaged();
    }
  }

 private:
  Status damaged() const {
    return invalid_argument(fmt::format("stored profile is damaged at byte {}", at_));
  }
  std::string_view b_;
  std::size_t at_ = 0;
};

std::string_view type_name(TagType t) {
  switch (t) {
    case TagType::kInt:
      return "int";
    case TagType::kMoney:
      return "money";
    case TagType::kDouble:
      return "double";
    case TagType::kBool:
      return "bool";
    case TagType::kString:
      return "string";
    case TagType::kStringSet:
      return "string_set";
    case TagType::kDate:
      return "date";
  }
  return "?";
}

}  // namespace

void encode_profile(const TagContext& ctx, std::size_t m, std::string& out) {
  Encoder e{out};
  for (const TagDef& d : tag_registry()) std::visit(e, d.value(ctx, m));
}

Result<std::vector<TagValue>> decode_profile(std::string_view bytes) {
  Decoder d(bytes);
  std::vector<TagValue> values;
  while (!d.done()) {
    ASSIGN_OR_RETURN(TagValue v, d.value());
    values.push_back(std::move(v));
  }
  return values;
}

std::string profile_layout() {
  std::string out;
  for (const TagDef& d : tag_registry()) out += fmt::format("{} {}\n", d.name, type_name(d.type));
  return out;
}

std::int64_t profile_hash(std::int32_t as_of, std::string_view bytes) {
  // Eight bytes at a time: multiply-xorshift mixing (not cryptographic; it only has to notice
  // a changed profile).
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  std::uint64_t h =
      (static_cast<std::uint64_t>(static_cast<std::uint32_t>(as_of)) + bytes.size()) * kMul;
  auto mix = [&](std::uint64_t w) {
    h ^= w;
    h *= kMul;
    h ^= h >> 32;
  };
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    mix(w);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  mix(tail);
  return static_cast<std::int64_t>(h);
}

Result<std::optional<StoredProfile>> load_stored_profile(store::Database& db, MemberId member) {
  ASSIGN_OR_RETURN(
      auto st, db.prepare("SELECT as_of_day, profile FROM member_profiles WHERE member_id = ?"));
  st.bind(1, member);
  ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<StoredProfile>();
  StoredProfile p;
  p.as_of = static_cast<std::int32_t>(st.column_int64(0));
  ASSIGN_OR_RETURN(std::vector<TagValue> values, decode_profile(st.column_blob(1)));
  ASSIGN_OR_RETURN(auto layout, db.prepare("SELECT profile_layout FROM insight_runs "
                                           "WHERE profile_layout IS NOT NULL "
                                           "ORDER BY run_id DESC LIMIT 1"));
  ASSIGN_OR_RETURN(bool has_layout, layout.step());
  if (!has_layout) return failed_precondition("member_profiles has no recorded layout");
  std::vector<std::string> names;
  std::istringstream lines{std::string(layout.column_text(0))};
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) names.push_back(line.substr(0, line.find(' ')));
  if (names.size() != values.size())
    return failed_precondition(fmt::format(
        "stored profile of member {} has {} values but the layout {} tags; run recur compute",
        member, values.size(), names.size()));
  p.json = profile_json(names, values);
  return std::optional<StoredProfile>(std::move(p));
}

}  // namespace recur::insight
