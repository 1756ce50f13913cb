#pragma once
// Identifiers of generated people, orders, refunds and events.
//
// Each identifier is an injective function of (seed, person index[, sequence number within the
// person]), so ids are unique without any coordination between the threads that generate people:
// distinct people get distinct phones, card numbers, unionids and marketplace nicks; distinct
// (person, sequence) pairs get distinct order, refund and event ids within a source. The
// scrambling is an affine bijection modulo a power of ten (or a 64-bit mix), so ids look random.
// Immutable; safe to share across threads.

#include <cstdint>
#include <string>

#include "demo/channel.h"

namespace recur::demo {

// Limits that keep the (person, sequence) keys inside the id spaces.
inline constexpr std::int64_t kMaxPeople = 100'000'000;    // phones have 8 free digits
inline constexpr std::int64_t kMaxOrdersPerPerson = 4096;  // orders and refunds
inline constexpr std::int64_t kMaxEventsPerPerson = 65536;

class Identifiers {
 public:
  explicit Identifiers(std::uint64_t seed);

  // Each appends to `out`. `person` < kMaxPeople.
  // A mainland mobile number 1[3-9]XXXXXXXXX; `prefix_choice` (any value) picks the carrier prefix.
  void phone(std::int64_t person, std::uint64_t prefix_choice, std::string& out) const;
  void card_no(std::int64_t person, std::string& out) const;  // "88" + 8 digits
  // A 28-character WeChat unionid ("o" + 27 of [A-Za-z0-9_-]); `noise` fills the tail.
  void wechat_unionid(std::int64_t person, std::uint64_t noise, std::string& out) const;
  void tmall_nick(std::int64_t person, std::string& out) const;  // "tb_" + digits
  void jd_nick(std::int64_t person, std::string& out) const;     // "jd_" + digits

  // Order and refund ids, unique within the channel's source; seq < kMaxOrdersPerPerson.
  void order_id(Channel channel, std::int64_t person, std::int64_t seq, std::string& out) const;
  void refund_id(Channel channel, std::int64_t person, std::int64_t seq, std::string& out) const;
  // Event ids, unique within every tracking source; seq < kMaxEventsPerPerson.
  void event_id(std::int64_t person, std::int64_t seq, std::string& out) const;

 private:
  std::uint64_t key_[16];  // per-identifier offsets derived from the seed
};

}  // namespace recur::demo
