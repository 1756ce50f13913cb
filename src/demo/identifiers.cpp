#include "demo/identifiers.h"

#include <array>

#include "demo/random.h"

namespace recur::demo {
namespace {

enum Key : int {
  kPhone = 0,
  kCard = 1,
  kUnionid = 2,
  kTmall = 3,
  kJd = 4,
  kOrder = 5,    // + channel index
  kRefund = 10,  // + channel index
  kEvent = 15,
};

constexpr std::uint64_t pow10(int n) {
  std::uint64_t v = 1;
  while (n-- > 0) v *= 10;
  return v;
}

// (x * a + b) mod m: a bijection on [0, m) when gcd(a, m) = 1. Every multiplier below is a prime
// other than 2 and 5, hence coprime with any power of ten.
std::uint64_t affine(std::uint64_t x, std::uint64_t a, std::uint64_t b, std::uint64_t m) {
  const unsigned __int128 y = static_cast<unsigned __int128>(x % m) * a + (b % m);
  return static_cast<std::uint64_t>(y % m);
}

constexpr std::uint64_t kMul8 = 73939133ULL;              // prime
constexpr std::uint64_t kMul9 = 982451653ULL;             // prime
constexpr std::uint64_t kMul12 = 2147483647ULL;           // 2^31 - 1, prime
constexpr std::uint64_t kMul18 = 2305843009213693951ULL;  // 2^61 - 1, prime

void append_padded(std::uint64_t v, int width, std::string& out) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

void append_plain(std::uint64_t v, std::string& out) {
  char buf[20];
  int n = 0;
  do {
    buf[19 - n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  out.append(buf + 20 - n, static_cast<std::size_t>(n));
}

constexpr std::array<const char*, 35> kMobilePrefixes = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "176", "177", "178", "180",
    "181", "182", "183", "184", "185", "186", "187", "188", "189", "198", "199"};

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

Identifiers::Identifiers(std::uint64_t seed) {
  std::uint64_t state = seed ^ 0x1D5A7E3C9B2F4601ULL;
  for (auto& k : key_) k = splitmix64(state);
}

void Identifiers::phone(std::int64_t person, std::uint64_t prefix_choice, std::string& out) const {
  out += kMobilePrefixes[prefix_choice % kMobilePrefixes.size()];
  // The last eight digits alone are unique per person.
  append_padded(affine(static_cast<std::uint64_t>(person), kMul8, key_[kPhone], pow10(8)), 8, out);
}

void Identifiers::card_no(std::int64_t person, std::string& out) const {
  out += "88";
  append_padded(affine(static_cast<std::uint64_t>(person), kMul8, key_[kCard], pow10(8)), 8, out);
}

void Identifiers::wechat_unionid(std::int64_t person, std::uint64_t noise, std::string& out) const {
  out += 'o';
  // 11 base-64 digits hold all 64 bits of a bijective mix: unique per person.
  std::uint64_t v = mix64(static_cast<std::uint64_t>(person) ^ key_[kUnionid]);
  for (int i = 0; i < 11; ++i) {
    out += kBase64Url[v & 63];
    v >>= 6;
  }
  for (int i = 0; i < 16; ++i) {
    noise = mix64(noise + 0x9E3779B97F4A7C15ULL);
    out += kBase64Url[noise & 63];
  }
}

void Identifiers::tmall_nick(std::int64_t person, std::string& out) const {
  out += "tb_";
  append_plain(affine(static_cast<std::uint64_t>(person), kMul9, key_[kTmall], pow10(9)), out);
}

void Identifiers::jd_nick(std::int64_t person, std::string& out) const {
  out += "jd_";
  append_plain(affine(static_cast<std::uint64_t>(person), kMul12, key_[kJd], pow10(10)), out);
}

void Identifiers::order_id(Channel channel, std::int64_t person, std::int64_t seq,
                           std::string& out) const {
  const auto key = static_cast<std::uint64_t>(person * kMaxOrdersPerPerson + seq);
  const std::uint64_t b = key_[kOrder + index_of(channel)];
  switch (channel) {
    case Channel::kStore:
      out += 'P';
      append_padded(affine(key, kMul12, b, pow10(12)), 12, out);
      break;
    case Channel::kOnline:
      out += 'M';
      append_padded(affine(key, kMul12, b, pow10(12)), 12, out);
      break;
    case Channel::kMiniprogram:
      out += "WX";
      append_padded(affine(key, kMul12, b, pow10(12)), 12, out);
      break;
    case Channel::kTmall:
      out += '3';
      append_padded(affine(key, kMul18, b, pow10(18)), 18, out);
      break;
    case Channel::kJd:
      out += '2';
      append_padded(affine(key, kMul12, b, pow10(12)), 12, out);
      break;
  }
}

void Identifiers::refund_id(Channel channel, std::int64_t person, std::int64_t seq,
                            std::string& out) const {
  const auto key = static_cast<std::uint64_t>(person * kMaxOrdersPerPerson + seq);
  const std::uint64_t b = key_[kRefund + index_of(channel)];
  switch (channel) {
    case Channel::kStore:
      out += "RP";
      append_padded(affine(key, kMul12, b, pow10(12)), 12, out);
      break;
    case Channel::kOnline:
      out += "RM";
      append_padded(affine(key, kMul12, b, pow10(12)), 12, out);
      break;
    case Channel::kMiniprogram:
      out += "RW";
      append_padded(affine(key, kMul12, b, pow10(12)), 12, out);
      break;
    case Channel::kTmall:
      out += '7';
      append_padded(affine(key, kMul18, b, pow10(18)), 18, out);
      break;
    case Channel::kJd:
      out += '8';
      append_padded(affine(key, kMul12, b, pow10(12)), 12, out);
      break;
  }
}

void Identifiers::event_id(std::int64_t person, std::int64_t seq, std::string& out) const {
  const auto key = static_cast<std::uint64_t>(person * kMaxEventsPerPerson + seq);
  out += "ev";
  append_padded(affine(key, kMul18, key_[kEvent], pow10(14)), 14, out);
}

}  // namespace recur::demo
