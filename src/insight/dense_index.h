#pragma once
// DenseIndex: numbers distinct keys 0, 1, 2, ... in first-seen order, for grouping customers
// with identical inputs (compress, distinct times, distinct (x, T) pairs) in O(n) without a sort.
// Keys are N 64-bit words; doubles enter through key_bits(). Not thread-safe.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace recur::insight {

// The bit pattern of v with -0.0 folded into +0.0, so that equal doubles give equal keys.
inline std::uint64_t key_bits(double v) {
  return std::bit_cast<std::uint64_t>(v + 0.0);
}

template <std::size_t N>
class DenseIndex {
 public:
  using Key = std::array<std::uint64_t, N>;

  explicit DenseIndex(std::size_t expected_keys = 16) { rehash(capacity_for(expected_keys)); }

  // The index of `key`, assigning the next free one when the key is new.
  std::uint32_t insert(const Key& key) {
    if (2 * (keys_.size() + 1) > slots_.size()) rehash(2 * slots_.size());
    std::size_t slot = hash(key) & mask_;
    while (true) {
      const std::uint32_t id = slots_[slot];
      if (id == kEmpty) {
        const auto fresh = static_cast<std::uint32_t>(keys_.size());
        slots_[slot] = fresh;
        keys_.push_back(key);
        return fresh;
      }
      if (keys_[id] == key) return id;
      slot = (slot + 1) & mask_;
    }
  }

  std::size_t size() const { return keys_.size(); }
  // Keys by index.
  const std::vector<Key>& keys() const { return keys_; }

 private:
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;

  static std::size_t capacity_for(std::size_t n) {
    std::size_t c = 16;
    while (c < 2 * n) c *= 2;
    return c;
  }

  static std::uint64_t mix(std::uint64_t z) {  // splitmix64 finaliser
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  static std::size_t hash(const Key& key) {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (std::uint64_t w : key) h = mix(h ^ w);
    return static_cast<std::size_t>(h);
  }

  void rehash(std::size_t capacity) {
    slots_.assign(capacity, kEmpty);
    mask_ = capacity - 1;
    for (std::size_t id = 0; id < keys_.size(); ++id) {
      std::size_t slot = hash(keys_[id]) & mask_;
      while (slots_[slot] != kEmpty) slot = (slot + 1) & mask_;
      slots_[slot] = static_cast<std::uint32_t>(id);
    }
  }

  std::vector<Key> keys_;
  std::vector<std::uint32_t> slots_;
  std::size_t mask_ = 0;
};

}  // namespace recur::insight
