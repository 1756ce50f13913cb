#pragma once
// The order history in memory, laid out for scans: members × purchase days × categories (and
// × SKUs for the SKUs replenishment follows),
// member-major (CSR: each member's rows are contiguous and sorted by day), with strings
// dictionary-encoded. Every insight (RFM, cycles, models, KPIs, tags) reads this, never SQL.
//
// Days are business days in the merchant's zone (days since 1970-01-01); money is fen.
// Measures "as of" a date look only at rows on or before it (binary search per member).
// A History is immutable once built and safe to read from many threads.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ids.h"
#include "core/money.h"

namespace recur::insight {

// Strings to dense codes and back. Code 0 is reserved for "none" (empty string).
class Dictionary {
 public:
  Dictionary() { values_.emplace_back(); }
  std::uint32_t intern(std::string_view s);
  // kNone when absent.
  std::uint32_t find(std::string_view s) const;
  const std::string& operator[](std::uint32_t code) const { return values_[code]; }
  std::size_t size() const { return values_.size(); }
  std::size_t bytes() const;  // the strings and the index, roughly
  static constexpr std::uint32_t kNone = 0;

 private:
  std::vector<std::string> values_;
  std::unordered_map<std::string, std::uint32_t> index_;
};

inline constexpr std::int32_t kNoDay = INT32_MIN;

struct History {
  // Members (live ones, prospects included), by dense index 0..members()-1.
  std::vector<MemberId> member_id;
  std::vector<std::int32_t> registered_day;  // kNoDay when unknown
  std::vector<std::uint8_t> gender;          // 0 unknown, 1 m, 2 f
  std::vector<std::int32_t> birthday;        // kNoDay when unknown
  std::vector<std::uint32_t> city;           // code in `cities`
  std::vector<std::uint8_t> consent;         // bit 0 sms, 1 wechat, 2 app, 3 email

  // Orders, member-major, sorted by (day, order): CSR offsets order_begin[m]..order_begin[m+1].
  std::vector<std::uint32_t> order_begin;
  std::vector<std::int32_t> order_day;
  std::vector<Fen> order_paid;  // sum of line amounts
  std::vector<Fen> order_discount;
  std::vector<std::uint32_t> order_channel;  // code in `channels`
  std::vector<std::uint32_t> order_store;    // code in `stores`
  std::vector<std::uint32_t> order_items;    // units

  // Purchase days: distinct order days per member (CSR day_begin), with what was paid that day.
  std::vector<std::uint32_t> day_begin;
  std::vector<std::int32_t> day;
  std::vector<Fen> day_paid;
  std::vector<std::uint16_t> day_orders;

  // Lines aggregated per (member, day, category), CSR line_begin, sorted by day.
  std::vector<std::uint32_t> line_begin;
  std::vector<std::int32_t> line_day;
  std::vector<std::uint32_t> line_category;  // code in `categories`
  std::vector<std::int32_t> line_qty;
  std::vector<Fen> line_amount;

  // Purchases of tracked SKUs (replenishment by SKU) per (member, day, SKU), CSR sku_begin,
  // sorted by SKU code, then day. The loader tracks the products marked consumable, or every SKU
  // when the catalogue marks none; other SKUs have no rows here.
  std::vector<std::uint32_t> sku_begin;
  std::vector<std::int32_t> sku_day;
  std::vector<std::uint32_t> sku_code;  // code in `skus`
  std::vector<std::int32_t> sku_qty;    // units bought that day

  // Refunds per member (CSR refund_begin), sorted by refund day.
  std::vector<std::uint32_t> refund_begin;
  std::vector<std::int32_t> refund_day;
  std::vector<std::int32_t> refund_order_day;  // the refunded order's purchase day
  std::vector<Fen> refund_amount;
  std::vector<std::uint32_t> refund_order;  // index of the refunded order in the order_* arrays

  // Guest orders (no member), per order: for penetration measures.
  std::vector<std::int32_t> guest_day;
  std::vector<Fen> guest_paid;
  std::vector<std::uint32_t> guest_channel;
  std::vector<std::uint32_t> guest_store;
  // Refunds of guest orders, sorted by day.
  std::vector<std::int32_t> guest_refund_day;
  std::vector<Fen> guest_refund_amount;
  std::vector<std::uint32_t> guest_refund_order;  // index into the guest_* arrays

  Dictionary categories;                    // full paths: 母婴/奶粉/三段
  std::vector<std::uint32_t> category_top;  // category code -> code in `top_categories`
  Dictionary top_categories;                // first level: 母婴
  std::vector<std::uint32_t> category_mid;  // category code -> code in `mid_categories`
  Dictionary mid_categories;  // first two levels: 母婴/奶粉 — the level purchase cycles use

  // Interaction days per member (CSR interaction_begin): distinct days with any behaviour event
  // (view, click, search, cart change, sign-in, share, review, invite, message open).
  std::vector<std::uint32_t> interaction_begin;
  std::vector<std::int32_t> interaction_day;
  Dictionary channels;
  Dictionary stores;
  Dictionary cities;
  std::vector<std::uint8_t> category_consumable;  // by category code: any consumable SKU in it
  Dictionary skus;                                // tracked SKUs
  std::vector<std::uint32_t> sku_category;        // SKU code -> category code (first line seen)

  std::size_t members() const { return member_id.size(); }
  std::int32_t first_day = kNoDay, last_day = kNoDay;  // range of order days

  template <typename T>
  static std::span<const T> slice(const std::vector<T>& v, const std::vector<std::uint32_t>& begin,
                                  std::size_t m) {
    return std::span<const T>(v.data() + begin[m], begin[m + 1] - begin[m]);
  }
  std::span<const std::int32_t> days_of(std::size_t m) const { return slice(day, day_begin, m); }
  std::span<const Fen> day_paid_of(std::size_t m) const { return slice(day_paid, day_begin, m); }
  // Number of purchase days on or before `as_of`.
  std::size_t days_until(std::size_t m, std::int32_t as_of) const;
  // Index of a member id; SIZE_MAX when not a live member.
  std::size_t index_of(MemberId id) const;
  // Bytes held by the columns (dictionaries counted by their strings), for the benchmarks.
  std::size_t bytes() const;

  std::vector<std::uint32_t> id_to_index;  // by member id; UINT32_MAX for none
};

// Assembles a History from unordered rows. Used by the SQLite loader and by tests.
class HistoryBuilder {
 public:
  struct MemberRow {
    MemberId id;
    std::int32_t registered_day = kNoDay;
    std::uint8_t gender = 0;
    std::int32_t birthday = kNoDay;
    std::string_view city;
    std::uint8_t consent = 0;
  };
  void add_member(const MemberRow& row);
  // Returns an order handle for lines and refunds. member 0 is a guest.
  std::uint32_t add_order(MemberId member, std::int32_t day, Fen paid, Fen discount,
                          std::string_view channel, std::string_view store, std::uint32_t items);
  // `sku`: a code from sku_code() to keep this line's units per day for replenishment by SKU,
  // or Dictionary::kNone for an untracked SKU.
  void add_line(std::uint32_t order, std::string_view category, std::int32_t qty, Fen amount,
                bool consumable, std::uint32_t sku = Dictionary::kNone);
  // The code of a tracked SKU (interned on first use).
  std::uint32_t sku_code(std::string_view sku);
  // Units of a tracked SKU without a category line (copying a built history's SKU rows).
  void add_sku(std::uint32_t order, std::uint32_t sku, std::string_view category, std::int32_t qty);
  void add_refund(std::uint32_t order, std::int32_t day, Fen amount);
  void add_interaction(MemberId member, std::int32_t day);
  History build();

 private:
  struct Order {
    std::uint32_t member;  // dense index, or UINT32_MAX for a guest
    std::int32_t day;
    Fen paid, discount;
    std::uint32_t channel, store, items;
  };
  struct Line {
    std::uint32_t order, category;
    std::int32_t qty;
    Fen amount;
  };
  struct SkuLine {
    std::uint32_t order, sku;
    std::int32_t qty;
  };
  struct Refund {
    std::uint32_t order;
    std::int32_t day;
    Fen amount;
  };
  History h_;
  std::vector<Order> orders_;
  std::vector<Line> lines_;
  std::vector<SkuLine> sku_lines_;
  std::vector<Refund> refunds_;
  std::vector<std::pair<std::uint32_t, std::int32_t>> interactions_;  // (member index, day)
  std::uint32_t category_code(std::string_view path, bool consumable);
};

}  // namespace recur::insight
