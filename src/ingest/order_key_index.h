#pragma once
// Finds an order by (source, order_id) while a file is read: an open-addressing table of order
// numbers whose keys live in the caller's order list, so nothing is allocated per order and
// nothing is freed node by node at the end (a node-based map cost 40% of parsing).

#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace recur::ingest {

class OrderKeyIndex {
 public:
  static std::uint64_t hash(std::string_view source, std::string_view id) {
    std::uint64_t h = std::hash<std::string_view>()(id);
    return h ^
           (std::hash<std::string_view>()(source) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  }

  // Returns (order number, inserted). `next` is the number a new order gets; `same(order)` tells
  // whether an existing order has this key.
  template <typename Same>
  std::pair<std::uint32_t, bool> find_or_insert(std::uint64_t h, std::uint32_t next, Same&& same) {
    if ((used_ + 1) * 4 > slots_.size() * 3) grow();
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.order == kEmpty) {
        s = Slot{h, next};
        ++used_;
        return {next, true};
      }
      if (s.hash == h && same(s.order)) return {s.order, false};
    }
  }

  void reserve(std::size_t orders) {
    std::size_t want = 16;
    while (want * 3 < orders * 4) want *= 2;
    if (want > slots_.size()) rehash(want);
  }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t order = kEmpty;
  };
  void grow() { rehash(slots_.empty() ? 1024 : slots_.size() * 2); }
  void rehash(std::size_t size) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(size, Slot{});
    std::size_t mask = size - 1;
    for (const Slot& s : old) {
      if (s.order == kEmpty) continue;
      std::size_t i = s.hash & mask;
      while (slots_[i].order != kEmpty) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  std::size_t used_ = 0;
};

}  // namespace recur::ingest
