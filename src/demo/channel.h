#pragma once
// The sales channels of the demo retailer and how each one names itself in the canonical files:
// the `channel` column, the `source` system that exports its orders, and (for channels that are
// not a physical shop) the store_id of the channel's single "store".

#include <array>
#include <cstdint>
#include <string_view>

namespace recur::demo {

enum class Channel : std::uint8_t { kStore, kOnline, kMiniprogram, kTmall, kJd };
inline constexpr int kChannels = 5;

constexpr int index_of(Channel c) {
  return static_cast<int>(c);
}

// The `channel` column: "store", "online", "miniprogram", "marketplace:tmall", "marketplace:jd".
constexpr std::string_view channel_text(Channel c) {
  constexpr std::array<std::string_view, kChannels> kText = {"store", "online", "miniprogram",
                                                             "marketplace:tmall", "marketplace:jd"};
  return kText[index_of(c)];
}

// The `source` column of orders and refunds: "pos", "mall", "miniprogram", "tmall", "jd".
constexpr std::string_view source_text(Channel c) {
  constexpr std::array<std::string_view, kChannels> kText = {"pos", "mall", "miniprogram", "tmall",
                                                             "jd"};
  return kText[index_of(c)];
}

// store_id of a channel's virtual store; empty for kStore (each order names its shop).
constexpr std::string_view channel_store_id(Channel c) {
  constexpr std::array<std::string_view, kChannels> kText = {"", "MALL", "MINI", "TMALL", "JD"};
  return kText[index_of(c)];
}

constexpr bool is_marketplace(Channel c) {
  return c == Channel::kTmall || c == Channel::kJd;
}
// Channels whose shoppers leave behaviour events in our own tracking (mall site, mini-program).
constexpr bool is_tracked(Channel c) {
  return c == Channel::kOnline || c == Channel::kMiniprogram;
}

}  // namespace recur::demo
